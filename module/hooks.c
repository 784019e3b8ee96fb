// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the hooks (process context, kleak_ctl_mutex held unless said): the
 * table of every tracepoint and kprobe kleak places, in registration
 * order, and the machinery that registers, arms, disarms and removes
 * them, all or nothing.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/kprobes.h>
#include <linux/tracepoint.h>
#include <trace/events/kmem.h>

#include "fastpath.h"
#include "format.h"
#include "hooks.h"

/*
 * A post handler keeps a kprobe from being optimized into a jump.  Every
 * kprobe of kleak has one, for two reasons:
 *  - kfree_nolock's pre handler must run in int3 context, so that
 *    kleak_real_nmi() can tell a real NMI below it;
 *  - the kprobe optimizer holds text_mutex across synchronize_rcu_tasks(),
 *    which lasts as long as any task runs without a voluntary context
 *    switch (a kthread allocating in a loop): meanwhile every tracepoint
 *    registration waits for text_mutex, and an insmod, start, stop or
 *    rmmod of kleak hung with no report (the optimizer waits in TASK_IDLE).
 */
static void kleak_kprobe_post_nop(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
}

static bool kleak_hook_is_kprobe(const struct kleak_hook *h)
{
	return h->syms;
}

/*
 * A kretprobe must sit at its function's entry, where it is an ftrace
 * kprobe; disarming one allocates, and when that fails the kernel WARNs
 * and leaves it armed.  So a kretprobe, once registered, is kept until
 * unload: stop, or turning its kind off, only makes its handlers return
 * at once (kleak_kinds_active).  Its kind turned off at load, it is never
 * registered.
 */
static bool kleak_hook_is_kept(const struct kleak_hook *h)
{
	return h->ret && !h->nr_rets;
}

/* Return-site probes for @h, rather than its kretprobe? */
static bool kleak_hook_at_returns(const struct kleak_hook *h)
{
	return IS_ENABLED(CONFIG_X86_64) && h->at_ret && !kleak_ix.use_rht;
}

/*
 * Every hook but the cache destroy's, in the order they are registered:
 * frees before allocations, so that no object is tracked whose free could
 * be missed.  Stop and unwind go in reverse.
 */
static struct kleak_hook *const kleak_hooks[] = {
	&kleak_hook_kmem_cache_free,
	&kleak_hook_kfree,
	&kleak_hook_bulk_free,
	&kleak_hook_kfree_rcu,
	&kleak_hook_kfree_nolock,
	&kleak_hook_page_free,
	&kleak_hook_vfree,
	&kleak_hook_percpu_free,
	&kleak_hook_kmem_cache_alloc,
	&kleak_hook_kmalloc,
#ifdef KLEAK_HAVE_NODE_EVENTS
	&kleak_hook_kmem_cache_alloc_node,
	&kleak_hook_kmalloc_node,
#endif
	&kleak_hook_kmalloc_nolock,
	&kleak_hook_bulk_alloc,
	&kleak_hook_krealloc,
	&kleak_hook_page_alloc,
	&kleak_hook_vmalloc,
	&kleak_hook_vmalloc_node,
	&kleak_hook_vmalloc_area,
	&kleak_hook_percpu_alloc,
};

#define KLEAK_NR_HOOKS	((int)ARRAY_SIZE(kleak_hooks))

/** kleak_bulk_hooked() - is the bulk-free kprobe in place?  Return: true if so. */
bool kleak_bulk_hooked(void)
{
	int i;

	/* found by its handler, not by a position in the table */
	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i] == &kleak_hook_bulk_free)
			return READ_ONCE(kleak_hooks[i]->on);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_bulk_hooked);

/**
 * __kleak_kprobes_missed() - the kprobes' missed counts, with no lock
 *
 * Any context, without kleak_ctl_mutex: a hook taken out meanwhile is
 * counted or not, and its kprobes are static memory.
 * Return: the kernel's missed counts of kleak's kprobes in place.
 */
unsigned long __kleak_kprobes_missed(void)
{
	unsigned long n = 0;
	unsigned int j;
	int i;

	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		struct kleak_hook *h = kleak_hooks[i];

		if (!READ_ONCE(h->on) || !kleak_hook_is_kprobe(h))
			continue;
		n += READ_ONCE(h->krp.kp.nmissed);
		if (kleak_hook_is_kept(h))
			n += READ_ONCE(h->krp.nmissed);
		for (j = 0; j < READ_ONCE(h->nr_rets); j++)
			n += READ_ONCE(h->rets[j].nmissed);
	}
	return n;
}

/**
 * kleak_kprobes_missed() - hits the kprobes missed
 *
 * A kprobe that fires while another kprobe's handler runs on its CPU, or a
 * kretprobe that runs out of instances, is missed by the kernel: an event
 * kleak never saw.
 * Return: the kernel's missed counts, summed over kleak's kprobes now in place.
 */
unsigned long kleak_kprobes_missed(void)
{
	unsigned long n;

	mutex_lock(&kleak_ctl_mutex);
	n = __kleak_kprobes_missed();
	mutex_unlock(&kleak_ctl_mutex);
	return n;
}

/**
 * kleak_hooks_show() - the names of the probes in place, on one line
 * @out: the target
 */
void kleak_hooks_show(struct kleak_out *out)
{
	int i;

	/* a kretprobe kept while idle is not shown */
	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		const struct kleak_hook *h = kleak_hooks[i];

		if (READ_ONCE(h->on) && (!kleak_hook_is_kept(h) || kleak_kind_active(h->kind)))
			kleak_printf(out, " %s", h->name);
	}
	kleak_printf(out, "\n");
}

/*
 * The return-site probes of @h, whose entry kprobe is in place: one per
 * return instruction of its function (retsite.c).  A function that leaves
 * other than by a return cannot be probed so; its hook is left out, or
 * made its kretprobe (@krp_fallback).  kleak_ctl_mutex held.  Return: 0,
 * -EOPNOTSUPP (said why), or another errno.
 */
static int kleak_retsites_register(struct kleak_hook *h)
{
	unsigned long sites[KLEAK_RETSITES_MAX];
	int i, n, ret;

	n = kleak_retsites_find((unsigned long)h->krp.kp.addr, sites, ARRAY_SIZE(sites));
	if (n <= 0) {
		pr_warn("cannot probe the returns of %s (%d): the %s hook is %s\n",
			h->krp.kp.symbol_name, n, h->name,
			h->krp_fallback ? "a kretprobe instead" : "left out");
		return n == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	}
	/* a call table no probe uses: its stale slots are dropped */
	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i]->nr_rets)
			break;
	if (i == KLEAK_NR_HOOKS)
		kleak_calls_reset();
	for (i = 0; i < n; i++) {
		/* filled afresh: registering keeps state in it */
		memset(&h->rets[i], 0, sizeof(h->rets[i]));
		h->rets[i].addr = (kprobe_opcode_t *)sites[i];
		h->rets[i].pre_handler = h->at_ret;
		h->rets[i].post_handler = kleak_kprobe_post_nop;
		ret = register_kprobe(&h->rets[i]);
		if (ret) {
			while (i-- > 0)
				unregister_kprobe(&h->rets[i]);
			return ret;
		}
	}
	h->nr_rets = n;
	return 0;
}

static void kleak_retsites_unregister(struct kleak_hook *h)
{
	unsigned int i;

	for (i = 0; i < h->nr_rets; i++)
		unregister_kprobe(&h->rets[i]);
	h->nr_rets = 0;
}

/*
 * Register a kprobe hook past its function's ftrace call (compat.h:
 * KLEAK_BULK_OFFSETS), on the first of its symbols the kernel has.
 * Return: 0; -ENOENT when the kernel has none of them; or another error.
 */
static int kleak_kprobe_register_as(struct kleak_hook *h, bool at_returns)
{
	static const unsigned int past_fentry[] = KLEAK_BULK_OFFSETS, entry[] = { 0 };
	/*
	 * An int3 handler runs in NMI context, where lockdep forbids
	 * rhashtable's bucket lock (a lock also taken in process context), so
	 * the rhashtable index keeps the kprobes at the entry, ftrace ones:
	 * with them, a stop that fails to disarm is the kernel's to WARN
	 * about.  A kretprobe is at the entry, always.
	 */
	bool krp = h->ret && !at_returns;
	bool at_entry = kleak_ix.use_rht || krp;
	const unsigned int *offsets = at_entry ? entry : past_fentry;
	size_t i, n = at_entry ? ARRAY_SIZE(entry) : ARRAY_SIZE(past_fentry);
	unsigned int s;
	int ret = -ENOENT;

	for (s = 0; h->syms[s] && ret == -ENOENT; s++) {
		ret = -EILSEQ;
		for (i = 0; i < n && ret == -EILSEQ; i++) {
			/* filled afresh: registering keeps state in it */
			memset(&h->krp, 0, sizeof(h->krp));
			h->krp.kp.symbol_name = h->syms[s];
			h->krp.kp.offset = offsets[i];
			if (krp) {
				h->krp.entry_handler = h->entry;
				h->krp.handler = h->ret;
				h->krp.data_size = h->data_size ?: sizeof(size_t);
				/* callers that sleep in between each hold one */
				h->krp.maxactive = max_t(int, 64, 4 * num_possible_cpus());
				ret = register_kretprobe(&h->krp);
			} else {
				h->krp.kp.pre_handler = h->pre;
				/* never optimized: see kleak_kprobe_post_nop() */
				h->krp.kp.post_handler = kleak_kprobe_post_nop;
				ret = register_kprobe(&h->krp.kp);
			}
		}
	}
	if (!ret && at_returns) {
		ret = kleak_retsites_register(h);
		if (ret)
			unregister_kprobe(&h->krp.kp);
	}
	return ret;
}

/*
 * Register a kprobe hook: its return-site probes where it has them
 * (kleak_hook_at_returns()), else its kretprobe or kprobe.  Return: 0;
 * -ENOENT when the kernel has none of its symbols, or its returns cannot
 * be probed and it has no kretprobe to fall back to; or another error.
 */
static int kleak_kprobe_register(struct kleak_hook *h)
{
	int ret;

	if (!kleak_hook_at_returns(h))
		return kleak_kprobe_register_as(h, false);
	ret = kleak_kprobe_register_as(h, true);
	if (ret == -EOPNOTSUPP)
		ret = h->krp_fallback ? kleak_kprobe_register_as(h, false) : -ENOENT;
	return ret;
}

static void kleak_hook_unregister(struct kleak_hook *h)
{
	if (!h->on)
		return;
	if (h->unreg)
		h->unreg();
	else if (h->tp_name)
		tracepoint_probe_unregister(h->tp, h->tp_probe, NULL);
	else if (kleak_hook_is_kept(h))
		unregister_kretprobe(&h->krp);
	else
		unregister_kprobe(&h->krp.kp);
	/* the entry first: no call is kept that no return would take */
	kleak_retsites_unregister(h);
	WRITE_ONCE(h->on, false);
}

/* Register one hook.  Return: 0, -ENOENT when the kernel lacks it, or an error. */
static int kleak_hook_register(struct kleak_hook *h)
{
	if (h->reg)
		return h->reg();
	if (h->tp_name)
		return h->tp ? tracepoint_probe_register(h->tp, h->tp_probe, NULL) : -ENOENT;
	return kleak_kprobe_register(h);
}

/**
 * kleak_hooks_unregister() - remove the hooks of some kinds, and wait
 * @kinds: BIT(enum kleak_kind) of each
 * @all: the kretprobes too (at unload, or a failed start); else they are
 *	 kept (kleak_hook_is_kept())
 *
 * Last first; then every probe that may still run has returned.
 * kleak_ctl_mutex held.
 */
void kleak_hooks_unregister(unsigned int kinds, bool all)
{
	int n = KLEAK_NR_HOOKS;

	while (n-- > 0)
		if ((kinds & BIT(kleak_hooks[n]->kind)) &&
		    (all || !kleak_hook_is_kept(kleak_hooks[n])))
			kleak_hook_unregister(kleak_hooks[n]);
	tracepoint_synchronize_unregister();
}

/**
 * kleak_hooks_register() - register the hooks of some kinds
 * @kinds: BIT(enum kleak_kind) of each
 *
 * Those not in place, in table order (frees first).  On failure, those
 * registered here are taken out again.  kleak_ctl_mutex held.
 * Return: 0 or a negative errno.
 */
int kleak_hooks_register(unsigned int kinds)
{
	bool mine[KLEAK_NR_HOOKS] = {};
	struct kleak_hook *h;
	int i, ret = 0;

	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		h = kleak_hooks[i];
		if (h->on || !(kinds & BIT(h->kind)))
			continue;
		ret = kleak_hook_register(h);
		if (ret == -ENOENT && h->optional) {
			if (!h->quiet)
				pr_warn("no %s in this kernel: the %s hook is left out\n",
					h->tp_name ?: h->syms[0], h->name);
			ret = 0;
			continue;
		}
		if (ret)
			break;
		WRITE_ONCE(h->on, true);
		mine[i] = true;
	}
	if (!ret)
		return 0;
	pr_warn_ratelimited("cannot register the %s hook (%d)\n", kleak_hooks[i]->name, ret);
	while (i-- > 0)
		if (mine[i])
			kleak_hook_unregister(kleak_hooks[i]);
	tracepoint_synchronize_unregister();
	return ret;
}

/**
 * kleak_kprobes_disarm() - disarm the kprobes of some kinds
 * @kinds: BIT(enum kleak_kind) of each
 *
 * The one step of a removal that can fail: if one cannot be disarmed,
 * those already disarmed are armed again, and nothing has changed.  A
 * disabled kprobe unregisters without disarming.  kleak_ctl_mutex held.
 * Return: 0 or a negative errno.
 */
int kleak_kprobes_disarm(unsigned int kinds)
{
	struct kleak_hook *h;
	int i, ret = 0;

	for (i = KLEAK_NR_HOOKS - 1; i >= 0; i--) {
		h = kleak_hooks[i];
		if (!h->on || !kleak_hook_is_kprobe(h) || kleak_hook_is_kept(h) ||
		    !(kinds & BIT(h->kind)))
			continue;
		ret = disable_kprobe(&h->krp.kp);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	pr_warn_ratelimited("cannot disarm the %s kprobe (%d); left in place\n",
			    kleak_hooks[i]->name, ret);
	while (++i < KLEAK_NR_HOOKS) {
		h = kleak_hooks[i];
		if (h->on && kleak_hook_is_kprobe(h) && !kleak_hook_is_kept(h) &&
		    (kinds & BIT(h->kind)))
			WARN_ON_ONCE(enable_kprobe(&h->krp.kp));
	}
	return ret;
}

static void kleak_tp_find(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i]->tp_name && !strcmp(tp->name, kleak_hooks[i]->tp_name))
			kleak_hooks[i]->tp = tp;
}

/** kleak_hooks_find_tracepoints() - the hooks' unexported tracepoints, at load */
void kleak_hooks_find_tracepoints(void)
{
	for_each_kernel_tracepoint(kleak_tp_find, NULL);
}

/**
 * kleak_destroy_hook_register() - the cache destroy's kprobe, at load
 *
 * Not in kleak_hooks[]: it is in place from load to unload, whatever start
 * and stop do.
 *
 * Return: 0 or a negative errno.
 */
int kleak_destroy_hook_register(void)
{
	int ret = kleak_hook_register(&kleak_hook_cache_destroy);

	if (ret) {
		pr_warn("cannot register the %s kprobe (%d)\n", kleak_hook_cache_destroy.name, ret);
		return ret;
	}
	WRITE_ONCE(kleak_hook_cache_destroy.on, true);
	return 0;
}

/** kleak_destroy_hook_unregister() - and at unload */
void kleak_destroy_hook_unregister(void)
{
	kleak_hook_unregister(&kleak_hook_cache_destroy);
}
