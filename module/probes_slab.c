// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the slab's probes (probe context): the kmalloc, kfree,
 * kmem_cache_alloc and kmem_cache_free tracepoints, and the kprobes where
 * the slab fires no event (bulk frees and allocations, kfree_rcu(),
 * kmalloc_nolock() and kfree_nolock(), krealloc() in place, a cache's
 * destroy).  hooks.c registers them.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/kprobes.h>
#include <linux/tracepoint.h>
#include <trace/events/kmem.h>

#include "fastpath.h"
#include "hooks.h"

static notrace void kleak_probe_kmalloc(KLEAK_TP_KMALLOC_ARGS)
{
	kleak_count(KC_EV_KMALLOC);
	kleak_track_alloc(call_site, ptr, bytes_req, bytes_alloc, NULL, gfp);
}

static notrace void kleak_probe_kmem_cache_alloc(KLEAK_TP_KMEM_CACHE_ALLOC_ARGS)
{
	kleak_count(KC_EV_CACHE_ALLOC);
	kleak_track_alloc(call_site, ptr, KLEAK_TP_CACHE_ALLOC_REQ, KLEAK_TP_CACHE_ALLOC_ALLOC,
			  KLEAK_TP_CACHE_ALLOC_CACHE, gfp);
}

#ifdef KLEAK_HAVE_NODE_EVENTS
/* 5.10-6.0: the _node events, with the node as one more argument */
static notrace void kleak_probe_kmalloc_node(KLEAK_TP_KMALLOC_NODE_ARGS)
{
	kleak_probe_kmalloc(data, call_site, ptr, bytes_req, bytes_alloc, gfp);
}

static notrace void kleak_probe_kmem_cache_alloc_node(KLEAK_TP_KMEM_CACHE_ALLOC_NODE_ARGS)
{
	kleak_probe_kmem_cache_alloc(data, call_site, ptr, bytes_req, bytes_alloc, gfp);
}
#endif

static notrace void kleak_probe_kfree(KLEAK_TP_KFREE_ARGS)
{
	kleak_count(KC_EV_KFREE);
	kleak_track_free(call_site, ptr);
}

static notrace void kleak_probe_kmem_cache_free(KLEAK_TP_KMEM_CACHE_FREE_ARGS)
{
	kleak_count(KC_EV_CACHE_FREE);
	kleak_track_free(call_site, ptr);
}

/* The compiler checks each probe against the kernel's tracepoint. */
static void __maybe_unused kleak_check_probes(void)
{
	check_trace_callback_type_kmalloc(kleak_probe_kmalloc);
	check_trace_callback_type_kmem_cache_alloc(kleak_probe_kmem_cache_alloc);
	check_trace_callback_type_kfree(kleak_probe_kfree);
	check_trace_callback_type_kmem_cache_free(kleak_probe_kmem_cache_free);
#ifdef KLEAK_HAVE_NODE_EVENTS
	check_trace_callback_type_kmalloc_node(kleak_probe_kmalloc_node);
	check_trace_callback_type_kmem_cache_alloc_node(kleak_probe_kmem_cache_alloc_node);
#endif
}

/* kmem_cache_free_bulk(s, size, p): kfree_bulk() and batched kfree_rcu(). */
static int kleak_bulk_pre(struct kprobe *kp, struct pt_regs *regs)
{
	size_t n = regs_get_kernel_argument(regs, 1);
	void **p = (void **)regs_get_kernel_argument(regs, 2);
	size_t i;

	for (i = 0; i < n; i++) {
		kleak_count(KC_EV_BULK_FREE);
		kleak_track_free(instruction_pointer(regs), p[i]);
	}
	return 0;
}

/*
 * kvfree_call_rcu(head, ptr), behind kfree_rcu(): the object is dead to
 * its owner from this call on, and is freed later by a path that may fire
 * no event at all (7.2's slab sheaves), so the call is its free.  The
 * later free, if it fires an event, finds nothing and counts as unknown.
 */
static int kleak_kvfree_rcu_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long obj = kleak_kvfree_rcu_obj(regs_get_kernel_argument(regs, 0),
						 regs_get_kernel_argument(regs, 1));

	kleak_count(KC_EV_KFREE_RCU);
	kleak_track_free(instruction_pointer(regs), (const void *)obj);
	return 0;
}

static int kleak_kfree_nolock_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_count(KC_EV_NOLOCK_FREE);
	if (unlikely(kleak_real_nmi(!kleak_ix.use_rht))) {
		kleak_count(KC_DROP_NMI);
		return 0;
	}
	kleak_track_free(instruction_pointer(regs),
			 (const void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/* kmalloc_nolock(size, gfp, node): the size at entry, the object at return */
static int kleak_kmalloc_nolock_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (!kleak_kind_active(KLEAK_KIND_SLAB))
		return 1;
	*(size_t *)ri->data = regs_get_kernel_argument(regs, 0);
	return 0;
}

/* kmalloc_nolock(size, gfp, node), at a return (int3 context) */
static int kleak_kmalloc_nolock_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long sp = kernel_stack_pointer(regs), a[KLEAK_CALL_ARGS];

	if (!kleak_call_return(sp, (unsigned long)kleak_kmalloc_nolock_at_ret, a) ||
	    !kleak_kind_active(KLEAK_KIND_SLAB))
		return 0;
	kleak_count(KC_EV_NOLOCK_ALLOC);
	if (unlikely(kleak_real_nmi(true))) {
		kleak_count(KC_DROP_NMI);
		return 0;
	}
	kleak_track_alloc(READ_ONCE(*(unsigned long *)sp), (const void *)regs_return_value(regs),
			  a[0], kleak_kmalloc_roundup(a[0], a[0]), NULL, (__force gfp_t)(u32)a[1]);
	return 0;
}

static int kleak_kmalloc_nolock_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	size_t req = *(size_t *)ri->data;

	kleak_count(KC_EV_NOLOCK_ALLOC);
	if (unlikely(kleak_real_nmi(false))) {
		kleak_count(KC_DROP_NMI);
		return 0;
	}
	kleak_track_alloc(kleak_kretprobe_retaddr(ri), (const void *)regs_return_value(regs),
			  req, kleak_kmalloc_roundup(req, req), NULL, 0);
	return 0;
}

/* kmem_cache_alloc_bulk(s, gfp, size, p): the objects are in p[] on return */
static int kleak_bulk_alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kleak_kret_data *d = (void *)ri->data;

	if (!kleak_kind_active(KLEAK_KIND_SLAB))
		return 1;
	d->site = kleak_entry_retaddr(regs);
	d->arg[0] = regs_get_kernel_argument(regs, 0);
	d->arg[1] = regs_get_kernel_argument(regs, 1);
	d->arg[2] = regs_get_kernel_argument(regs, 2);
	d->arg[3] = regs_get_kernel_argument(regs, 3);
	return kleak_entry_stack(d, KLEAK_KIND_SLAB);
}

/* The objects of a bulk allocation, @d's stack saved (any context) */
static void kleak_bulk_alloc_track(const struct kleak_kret_data *d, unsigned long ret)
{
	size_t i, n = kleak_bulk_alloc_count(ret, d->arg[2]);
	void **p = (void **)d->arg[3];

	for (i = 0; i < n; i++) {
		kleak_count(KC_EV_BULK_ALLOC);
		kleak_track_alloc_kind(d->site, p[i], 0, 0, (const struct kmem_cache *)d->arg[0],
				       (__force gfp_t)(u32)d->arg[1], KLEAK_KIND_SLAB, d->sidx);
	}
}

static int kleak_bulk_alloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kleak_kret_data *d = (void *)ri->data;

	if (kleak_entry_stack_ok(d, KLEAK_KIND_SLAB))
		kleak_bulk_alloc_track(d, regs_return_value(regs));
	return 0;
}

/*
 * The return-site probes' entry, past the fentry call: the arguments,
 * kept under the stack pointer, which points at the return address here
 * and at each return.  Any context (int3).
 */
static int kleak_call_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct kleak_hook *h = container_of(kp, struct kleak_hook, krp.kp);
	unsigned long sp = kernel_stack_pointer(regs), a[KLEAK_CALL_ARGS];
	int i;

	if (!kleak_kind_active(KLEAK_KIND_SLAB)) {
		kleak_call_forget(sp);
		return 0;
	}
	for (i = 0; i < KLEAK_CALL_ARGS; i++)
		a[i] = regs_get_kernel_argument(regs, i);
	if (unlikely(!kleak_call_enter(sp, (unsigned long)h->at_ret, a)))
		kleak_drop(KC_DROP_CALLS_FULL, KLEAK_KIND_SLAB);
	return 0;
}

/*
 * At a return of the call kept by kleak_call_pre(), @tag the return
 * handler's (its hook's at_ret): its arguments in @d,
 * its call site (the return address, on top of the stack) and its stack,
 * walked here, where the caller's frames still are.  Return: true when
 * the allocation is to be tracked.
 */
static bool kleak_call_ret(struct pt_regs *regs, kprobe_pre_handler_t tag,
			   struct kleak_kret_data *d)
{
	unsigned long sp = kernel_stack_pointer(regs);

	if (!kleak_call_return(sp, (unsigned long)tag, d->arg) ||
	    !kleak_kind_active(KLEAK_KIND_SLAB))
		return false;
	d->site = READ_ONCE(*(unsigned long *)sp);
	return !kleak_entry_stack(d, KLEAK_KIND_SLAB);
}

/* kmem_cache_alloc_bulk(s, gfp, size, p), at a return */
static int kleak_bulk_alloc_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	struct kleak_kret_data d;

	if (kleak_call_ret(regs, kleak_bulk_alloc_at_ret, &d))
		kleak_bulk_alloc_track(&d, regs_return_value(regs));
	return 0;
}

/*
 * krealloc(p, new_size, ...): a kprobe past its entry, not a kretprobe.
 * krealloc reads its own return address (_RET_IP_) for the call site of
 * the allocation it makes when the object moves, and a kretprobe puts its
 * trampoline there: every tracer's kmalloc event then said
 * call_site=arch_rethook_trampoline, and so did kleak's record.  Moved,
 * the kmalloc and kfree events do the work; in place (the new size fits
 * the object's slot, which is what krealloc checks), no event fires and
 * the record takes the new size here (kleak_index_resize()).  Should the
 * object then move after all (7.x: another alignment or node), its kfree
 * drops the record anyway.
 */
static int kleak_krealloc_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long p = regs_get_kernel_argument(regs, 0);
	size_t size = regs_get_kernel_argument(regs, 1);
	struct kleak_pcpu *pc;
	unsigned long flags;

	kleak_count(KC_EV_KREALLOC);
	if (ZERO_OR_NULL_PTR((void *)p) || !size || size > U32_MAX)
		return 0;
	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	if (likely(kleak_probe_enter(pc, p))) {
		if (kleak_index_resize(&kleak_ix, p, size))
			kleak_count(KC_KREALLOC_RESIZED);
		kleak_probe_exit(pc);
	}
	local_irq_restore(flags);
	return 0;
}

/*
 * kmem_cache_destroy(s): a kprobe for as long as kleak is loaded, running
 * or not.  The struct of a destroyed cache may be handed to the next
 * kmem_cache_create(), of another name and object size: the cache table
 * forgets @s (kleak_cache_forget()), and so does each CPU's last-seen
 * cache.  No object of @s is allocated during its destroy.
 */
static int kleak_cache_destroy_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long s = regs_get_kernel_argument(regs, 0);
	int cpu;

	if (!s)
		return 0;
	kleak_cache_forget((const struct kmem_cache *)s);
	for_each_possible_cpu(cpu) {
		struct kleak_pcpu *pc = per_cpu_ptr(kleak_pcpu, cpu);

		if (READ_ONCE(pc->cache_key) == s)
			WRITE_ONCE(pc->cache_key, 0);
	}
	return 0;
}

/* ---- the hooks (hooks.c puts them in order) ------------------------------ */

KLEAK_TP_HOOK(kmem_cache_free);
KLEAK_TP_HOOK(kfree);
KLEAK_TP_HOOK(kmem_cache_alloc);
KLEAK_TP_HOOK(kmalloc);
#ifdef KLEAK_HAVE_NODE_EVENTS
KLEAK_TP_HOOK(kmem_cache_alloc_node);
KLEAK_TP_HOOK(kmalloc_node);
#endif

static const char *const kleak_bulk_syms[] = { KLEAK_BULK_FREE_SYM, NULL };
static const char *const kleak_kvfree_rcu_syms[] = { KLEAK_KVFREE_RCU_SYM, NULL };
static const char *const kleak_kfree_nolock_syms[] = { KLEAK_KFREE_NOLOCK_SYM, NULL };
static const char *const kleak_kmalloc_nolock_syms[] = { KLEAK_KMALLOC_NOLOCK_SYMS, NULL };
static const char *const kleak_bulk_alloc_syms[] = { KLEAK_BULK_ALLOC_SYMS, NULL };
static const char *const kleak_krealloc_syms[] = { KLEAK_KREALLOC_SYMS, NULL };
static const char *const kleak_cache_destroy_syms[] = { "kmem_cache_destroy", NULL };

struct kleak_hook kleak_hook_bulk_free =
	KLEAK_KP("bulk_free", kleak_bulk_syms, kleak_bulk_pre, true, false);
struct kleak_hook kleak_hook_kfree_rcu =
	KLEAK_KP("kfree_rcu", kleak_kvfree_rcu_syms, kleak_kvfree_rcu_pre, true, false);
struct kleak_hook kleak_hook_kfree_nolock =
	KLEAK_KP("kfree_nolock", kleak_kfree_nolock_syms, kleak_kfree_nolock_pre, true, true);
struct kleak_hook kleak_hook_kmalloc_nolock = {
	.name = "kmalloc_nolock", .syms = kleak_kmalloc_nolock_syms,
	.entry = kleak_kmalloc_nolock_entry, .ret = kleak_kmalloc_nolock_ret,
	.pre = kleak_call_pre, .at_ret = kleak_kmalloc_nolock_at_ret,
	.optional = true, .quiet = true
};

struct kleak_hook kleak_hook_bulk_alloc = {
	.name = "bulk_alloc", .kind = KLEAK_KIND_SLAB, .syms = kleak_bulk_alloc_syms,
	.entry = kleak_bulk_alloc_entry, .ret = kleak_bulk_alloc_ret,
	.data_size = sizeof(struct kleak_kret_data),
	.pre = kleak_call_pre, .at_ret = kleak_bulk_alloc_at_ret, .optional = true
};

struct kleak_hook kleak_hook_krealloc = {
	.name = "krealloc", .kind = KLEAK_KIND_SLAB, .syms = kleak_krealloc_syms,
	.pre = kleak_krealloc_pre, .optional = true
};

struct kleak_hook kleak_hook_cache_destroy = {
	.name = "cache_destroy", .syms = kleak_cache_destroy_syms, .pre = kleak_cache_destroy_pre,
};
