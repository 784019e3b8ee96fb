/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the hooks, for the tracker's files.  A probe file defines the
 * hooks of its probes (struct kleak_hook, with the macros here); hooks.c
 * puts them in order and registers them (process context, kleak_ctl_mutex
 * held unless said).
 */
#ifndef _KLEAK_HOOKS_H
#define _KLEAK_HOOKS_H

#include <linux/kprobes.h>
#include <linux/tracepoint.h>

#include "internal.h"
#include "retsite.h"

/**
 * struct kleak_hook - a tracepoint or kprobe kleak places
 * @name: as `stats` shows it
 * @kind: the kind of allocation it tracks
 * @reg: an exported tracepoint's registration
 * @unreg: and removal
 * @tp_name: or a tracepoint found by name, @tp at load (NULL: the kernel
 *	     has none)
 * @tp_probe: its probe
 * @tp: the tracepoint found
 * @syms: or a kprobe on the first of these (NULL-ended) the kernel has
 * @pre: its handler
 * @entry: or a kretprobe's entry handler (at the function's entry, always)
 * @ret: and its return handler
 * @data_size: a kretprobe's per-call data
 * @at_ret: or, where the function reads its own return address, or a
 *	    kretprobe would show in other tracers' stacks, return-site
 *	    probes (retsite.h): @pre at the entry, @at_ret at each return
 *	    instruction, in @rets; the kretprobe only where they cannot be
 *	    (index=rhashtable, whose lock int3 context may not take)
 * @rets: the return-site probes (nothing allocated at start)
 * @nr_rets: how many are in place
 * @krp_fallback: the kretprobe if its returns cannot be probed
 * @optional: the kernel may lack the symbol; then kleak goes on without it
 * @quiet: and that is normal (an API of later kernels)
 * @krp: the kretprobe; krp.kp for a plain kprobe
 * @on: registered; under kleak_ctl_mutex, read anywhere (READ_ONCE)
 */
struct kleak_hook {
	const char *name;
	enum kleak_kind kind;
	int (*reg)(void);
	void (*unreg)(void);
	const char *tp_name;
	void *tp_probe;
	struct tracepoint *tp;
	const char *const *syms;
	kprobe_pre_handler_t pre;
	kretprobe_handler_t entry, ret;
	size_t data_size;
	kprobe_pre_handler_t at_ret;
	struct kprobe rets[KLEAK_RETSITES_MAX];
	unsigned int nr_rets;
	bool krp_fallback;
	bool optional;
	bool quiet;
	struct kretprobe krp;
	bool on;
};

/* An exported tracepoint's registration, with its probe kleak_probe_@tp */
#define KLEAK_TP_HOOK(tp)						\
static int kleak_reg_##tp(void)						\
{									\
	return register_trace_##tp(kleak_probe_##tp, NULL);		\
}									\
static void kleak_unreg_##tp(void)					\
{									\
	unregister_trace_##tp(kleak_probe_##tp, NULL);			\
}									\
struct kleak_hook kleak_hook_##tp = {					\
	.name = #tp, .reg = kleak_reg_##tp, .unreg = kleak_unreg_##tp	\
}

/* A tracepoint found by name */
#define KLEAK_TP_NAMED(n, tpn, probe, k) { .name = n, .kind = k, .tp_name = tpn, \
					   .tp_probe = probe, .optional = true }
/* A kprobe */
#define KLEAK_KP(n, s, handler, opt, q)	{ .name = n, .syms = s, .pre = handler, \
					  .optional = opt, .quiet = q }
/*
 * vmalloc: return-site probes, or the kretprobe where they cannot be (a
 * kretprobe hides nothing vmalloc reads, only the stacks of other tracers
 * on 5.10); kretprobes that may sleep between entry and return need many
 * instances
 */
#define KLEAK_KRP(n, k, s, e, r, p, a) { .name = n, .kind = k, .syms = s, .entry = e, .ret = r, \
					  .data_size = sizeof(struct kleak_kret_data), \
					  .pre = p, .at_ret = a, .krp_fallback = true, \
					  .optional = true }

/* probes_slab.c */
extern struct kleak_hook kleak_hook_kmem_cache_free, kleak_hook_kfree, kleak_hook_bulk_free,
	kleak_hook_kfree_rcu, kleak_hook_kfree_nolock, kleak_hook_kmem_cache_alloc,
	kleak_hook_kmalloc, kleak_hook_kmalloc_nolock, kleak_hook_bulk_alloc,
	kleak_hook_krealloc, kleak_hook_cache_destroy;
#ifdef KLEAK_HAVE_NODE_EVENTS
extern struct kleak_hook kleak_hook_kmem_cache_alloc_node, kleak_hook_kmalloc_node;
#endif
/* probes_kinds.c */
extern struct kleak_hook kleak_hook_page_free, kleak_hook_vfree, kleak_hook_percpu_free,
	kleak_hook_page_alloc, kleak_hook_vmalloc, kleak_hook_vmalloc_node,
	kleak_hook_vmalloc_area, kleak_hook_percpu_alloc;

/* hooks.c */
int kleak_hooks_register(unsigned int kinds);
void kleak_hooks_unregister(unsigned int kinds, bool all);
int kleak_kprobes_disarm(unsigned int kinds);
void kleak_hooks_find_tracepoints(void);
int kleak_destroy_hook_register(void);
void kleak_destroy_hook_unregister(void);
unsigned long __kleak_kprobes_missed(void);

#endif /* _KLEAK_HOOKS_H */
