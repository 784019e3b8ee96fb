// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the probes of the other kinds (probe context): pages (the
 * mm_page_alloc and mm_page_free tracepoints), percpu (its tracepoints)
 * and vmalloc (probes at the entry and returns of its entry points, or
 * kretprobes; a kprobe on its free).  hooks.c registers them.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>
#include <trace/events/percpu.h>

#include "fastpath.h"
#include "hooks.h"
#include "retsite.h"

/*
 * User memory: anonymous and page cache pages (__GFP_MOVABLE, as
 * GFP_HIGHUSER_MOVABLE), and GFP_HIGHUSER ones such as pipe buffers
 * (__GFP_HIGHMEM: the kernel cannot address them without a map).
 */
#define KLEAK_GFP_USER_PAGE	(__GFP_MOVABLE | __GFP_HIGHMEM)

static notrace void kleak_probe_page_alloc(KLEAK_TP_PAGE_ALLOC_ARGS)
{
	const struct kleak_filter *f;

	kleak_count(KC_EV_PAGE_ALLOC);
	if (unlikely(!page)) {
		kleak_count(KC_FAILED_ALLOC);
		return;
	}
	f = rcu_dereference_sched(kleak_filter_cur);
	if ((gfp & KLEAK_GFP_USER_PAGE) && !f->user) {
		kleak_count(KC_PAGE_USER);
		return;
	}
	/* alloc_pages_nolock() may run in NMI, where a bucket lock could be held */
	if (unlikely(in_nmi())) {
		kleak_drop(KC_DROP_NMI, KLEAK_KIND_PAGE);
		return;
	}
	if (unlikely(!kleak_sample_in()))
		return;
	kleak_track_alloc_walk(&kleak_page_alloc_fns, page, PAGE_SIZE << order, gfp,
			       KLEAK_KIND_PAGE, migratetype);
}

static notrace void kleak_probe_page_free(KLEAK_TP_PAGE_FREE_ARGS)
{
	kleak_count(KC_EV_PAGE_FREE);
	if (unlikely(in_nmi())) {
		kleak_count(KC_DROP_NMI);
		return;
	}
	kleak_track_free_kind(0, page, KLEAK_KIND_PAGE);
}

static notrace void kleak_probe_percpu_alloc(KLEAK_TP_PERCPU_ALLOC_ARGS)
{
	const void *p = (const void *)(__force unsigned long)ptr;

	kleak_count(KC_EV_PERCPU_ALLOC);
	if (KLEAK_PERCPU_CALL_SITE) {
		kleak_track_alloc_kind(KLEAK_PERCPU_CALL_SITE, p, size, size, NULL,
				       KLEAK_PERCPU_GFP, KLEAK_KIND_PERCPU, 0);
		return;
	}
	if (unlikely(!p)) {
		kleak_count(KC_FAILED_ALLOC);
		return;
	}
	if (likely(kleak_sample_in()))
		kleak_track_alloc_walk(&kleak_pcpu_alloc_fns, p, size, KLEAK_PERCPU_GFP,
				       KLEAK_KIND_PERCPU, 0);
}

static notrace void kleak_probe_percpu_free(KLEAK_TP_PERCPU_FREE_ARGS)
{
	kleak_count(KC_EV_PERCPU_FREE);
	kleak_track_free_kind(0, (const void *)(__force unsigned long)ptr, KLEAK_KIND_PERCPU);
}

/* The compiler checks each probe against the kernel's tracepoint. */
static void __maybe_unused kleak_check_kind_probes(void)
{
	check_trace_callback_type_mm_page_alloc(kleak_probe_page_alloc);
	check_trace_callback_type_mm_page_free(kleak_probe_page_free);
	check_trace_callback_type_percpu_alloc_percpu(kleak_probe_percpu_alloc);
	check_trace_callback_type_percpu_free_percpu(kleak_probe_percpu_free);
}

/*
 * The entry of a vmalloc of @size bytes for @caller.  Return: 1 (no
 * return handler) for a call from another vmalloc function: the outer
 * hook has the allocation, or it is the page array of the area.
 */
static __always_inline int kleak_vmalloc_in(struct kretprobe_instance *ri, struct pt_regs *regs,
					    unsigned long size, unsigned long gfp,
					    unsigned long caller)
{
	struct kleak_kret_data *d = (void *)ri->data;

	if (!kleak_kind_active(KLEAK_KIND_VMALLOC) ||
	    kleak_in_ranges(&kleak_vmalloc_fns, kleak_entry_retaddr(regs)))
		return 1;
	kleak_count(KC_EV_VMALLOC);
	d->site = caller;
	d->arg[0] = size;
	d->arg[1] = gfp;
	return kleak_entry_stack(d, KLEAK_KIND_VMALLOC);
}

/* __vmalloc_node_range(size, align, start, end, gfp, prot, vm_flags, node, caller) */
static int kleak_vmalloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return kleak_vmalloc_in(ri, regs, regs_get_kernel_argument(regs, 0),
				regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_GFP),
				regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_CALLER));
}

/* __vmalloc_node(size, align, gfp, node, caller) */
static int kleak_vmalloc_node_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return kleak_vmalloc_in(ri, regs, regs_get_kernel_argument(regs, 0),
				regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_GFP),
				regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_CALLER));
}

/* __vmalloc_area_node(area, gfp, ...): the area knows its caller */
static int kleak_vmalloc_area_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct vm_struct *area = (const void *)regs_get_kernel_argument(regs, 0);

	return kleak_vmalloc_in(ri, regs, get_vm_area_size(area), regs_get_kernel_argument(regs, 1),
				(unsigned long)area->caller);
}

/* The area a vmalloc returned, @d's stack saved (any context) */
static void kleak_vmalloc_track(const struct kleak_kret_data *d, struct pt_regs *regs)
{
	kleak_track_alloc_kind(d->site, (const void *)regs_return_value(regs), d->arg[0],
			       d->arg[0], NULL, (__force gfp_t)(u32)d->arg[1], KLEAK_KIND_VMALLOC,
			       d->sidx);
}

static int kleak_vmalloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kleak_kret_data *d = (void *)ri->data;

	if (kleak_entry_stack_ok(d, KLEAK_KIND_VMALLOC))
		kleak_vmalloc_track(d, regs);
	return 0;
}

/*
 * The vmalloc hooks' return-site probes (kleak_hook_at_returns()): a
 * kretprobe put its trampoline in the return address of every frame of a
 * vmalloc while it ran, and 5.10's unwinder does not see through it, so a
 * perf or BCC stack of an allocation made inside a vmalloc (its vmap_area,
 * its page array) said kretprobe_trampoline.  At the entry (int3 context),
 * @size, @gfp and @caller, or for __vmalloc_area_node() the area, are kept
 * for the return, unless a vmalloc function called this one (as for the
 * kretprobe, kleak_vmalloc_in()).
 */
static void kleak_vmalloc_enter(struct kprobe *kp, struct pt_regs *regs, unsigned long a0,
				unsigned long gfp, unsigned long caller)
{
	const struct kleak_hook *h = container_of(kp, struct kleak_hook, krp.kp);
	unsigned long sp = kernel_stack_pointer(regs);
	unsigned long a[KLEAK_CALL_ARGS] = { a0, gfp, caller };

	if (!kleak_kind_active(KLEAK_KIND_VMALLOC) ||
	    kleak_in_ranges(&kleak_vmalloc_fns, READ_ONCE(*(unsigned long *)sp))) {
		kleak_call_forget(sp);
		return;
	}
	kleak_count(KC_EV_VMALLOC);
	if (unlikely(!kleak_call_enter(sp, (unsigned long)h->at_ret, a)))
		kleak_drop(KC_DROP_CALLS_FULL, KLEAK_KIND_VMALLOC);
}

static int kleak_vmalloc_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_enter(kp, regs, regs_get_kernel_argument(regs, 0),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_GFP),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_CALLER));
	return 0;
}

static int kleak_vmalloc_node_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_enter(kp, regs, regs_get_kernel_argument(regs, 0),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_GFP),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_CALLER));
	return 0;
}

static int kleak_vmalloc_area_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct vm_struct *area = (const void *)regs_get_kernel_argument(regs, 0);

	kleak_vmalloc_enter(kp, regs, (unsigned long)area, regs_get_kernel_argument(regs, 1),
			    (unsigned long)area->caller);
	return 0;
}

/*
 * At a return (int3 context): the stack is walked here, where the
 * caller's frames still are.  @area: a[0] is __vmalloc_area_node()'s area
 * (still the caller's: it is the allocation), whose size is the size.
 */
static void kleak_vmalloc_at_return(struct pt_regs *regs, kprobe_pre_handler_t tag, bool area)
{
	unsigned long sp = kernel_stack_pointer(regs), a[KLEAK_CALL_ARGS];
	struct kleak_kret_data d;

	if (!kleak_call_return(sp, (unsigned long)tag, a) ||
	    !kleak_kind_active(KLEAK_KIND_VMALLOC))
		return;
	d.site = a[2];
	d.arg[0] = area ? get_vm_area_size((const struct vm_struct *)a[0]) : a[0];
	d.arg[1] = a[1];
	if (!kleak_entry_stack(&d, KLEAK_KIND_VMALLOC))
		kleak_vmalloc_track(&d, regs);
}

static int kleak_vmalloc_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_at_return(regs, kleak_vmalloc_at_ret, false);
	return 0;
}

static int kleak_vmalloc_area_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_at_return(regs, kleak_vmalloc_area_at_ret, true);
	return 0;
}

/* vfree(addr) (6.3+) or __vunmap(addr, deallocate_pages) */
static int kleak_vfree_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_count(KC_EV_VFREE);
	kleak_track_free_kind(instruction_pointer(regs),
			      (const void *)regs_get_kernel_argument(regs, 0), KLEAK_KIND_VMALLOC);
	return 0;
}

/* ---- the hooks (hooks.c puts them in order) ------------------------------ */

static const char *const kleak_vmalloc_syms[] = { KLEAK_VMALLOC_SYMS, NULL };
static const char *const kleak_vmalloc_node_syms[] = { KLEAK_VMALLOC_NODE_SYMS, NULL };
static const char *const kleak_vmalloc_area_syms[] = { KLEAK_VMALLOC_AREA_SYMS, NULL };
static const char *const kleak_vfree_syms[] = { KLEAK_VFREE_SYM, NULL };

struct kleak_hook kleak_hook_page_free =
	KLEAK_TP_NAMED("page_free", "mm_page_free", kleak_probe_page_free, KLEAK_KIND_PAGE);
struct kleak_hook kleak_hook_vfree = {
	.name = "vfree", .kind = KLEAK_KIND_VMALLOC, .syms = kleak_vfree_syms,
	.pre = kleak_vfree_pre, .optional = true
};

struct kleak_hook kleak_hook_percpu_free =
	KLEAK_TP_NAMED("percpu_free", "percpu_free_percpu", kleak_probe_percpu_free,
		       KLEAK_KIND_PERCPU);
struct kleak_hook kleak_hook_page_alloc =
	KLEAK_TP_NAMED("page_alloc", "mm_page_alloc", kleak_probe_page_alloc, KLEAK_KIND_PAGE);
struct kleak_hook kleak_hook_vmalloc =
	KLEAK_KRP("vmalloc", KLEAK_KIND_VMALLOC, kleak_vmalloc_syms, kleak_vmalloc_entry,
		  kleak_vmalloc_ret, kleak_vmalloc_pre, kleak_vmalloc_at_ret);
struct kleak_hook kleak_hook_vmalloc_node =
	KLEAK_KRP("vmalloc_node", KLEAK_KIND_VMALLOC, kleak_vmalloc_node_syms,
		  kleak_vmalloc_node_entry, kleak_vmalloc_ret, kleak_vmalloc_node_pre,
		  kleak_vmalloc_at_ret);
/* 5.10 and 6.1 only: later kernels inline it */
struct kleak_hook kleak_hook_vmalloc_area = {
	.name = "vmalloc_area", .kind = KLEAK_KIND_VMALLOC, .syms = kleak_vmalloc_area_syms,
	.entry = kleak_vmalloc_area_entry, .ret = kleak_vmalloc_ret,
	.pre = kleak_vmalloc_area_pre, .at_ret = kleak_vmalloc_area_at_ret,
	.krp_fallback = true, .data_size = sizeof(struct kleak_kret_data),
	.optional = true, .quiet = true
};

struct kleak_hook kleak_hook_percpu_alloc =
	KLEAK_TP_NAMED("percpu_alloc", "percpu_alloc_percpu", kleak_probe_percpu_alloc,
		       KLEAK_KIND_PERCPU);
