// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the fast path's out-of-line parts (fastpath.h), probe context:
 * the stack walks, the filter test, the rare double event, and the
 * stacks saved at a function's entry.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include "fastpath.h"
#include "unwind.h"

/**
 * kleak_irq_cut() - the frames of a stack that are the interrupt's own
 * @buf: the frames
 * @n: how many
 * @site: the call site's position in @buf
 *
 * In an interrupt, the frames past its dispatcher (KLEAK_IRQ_DISPATCH_FNS:
 * the softirq loop, the hard IRQ's handler loop, the hrtimer queue, ...)
 * are those of whatever it interrupted: one call site would make a new
 * stack each time.  Probe context.
 * Return: the frames to keep of @n, from @site on: up to the dispatcher,
 * which is kept.
 */
unsigned int kleak_irq_cut(const unsigned long *buf, unsigned int n, unsigned int site)
{
	unsigned int i;

	if (likely(!in_hardirq() && !in_serving_softirq()))
		return n;
	for (i = site < n ? site : 0; i < n; i++)
		if (kleak_in_ranges(&kleak_irq_dispatch_fns, buf[i]))
			return i + 1;
	return n;
}

/**
 * kleak_alloc_stack() - the stack of an allocation, walked
 * @pc: this CPU's probe state, the probe entered
 * @call_site: the allocation's call site
 * @api: @call_site is in the slab allocator's API: the site is the first
 *	 frame past it
 *
 * Out of the fast path (stack_depth > 0, or a site in the API): the walk's
 * cost dwarfs a call, and keeping its state out of the probe keeps the
 * probe's frame small.  The walk starts here, one frame inside the probe:
 * kleak_unwind() finds the call site wherever it is.  Probe context.
 * Return: the stack's index, or KLEAK_STACK_OVERFLOW.
 */
u32 kleak_alloc_stack(struct kleak_pcpu *pc, unsigned long call_site, bool api)
{
	unsigned int n, site, depth = max_t(u32, kleak_depth, 1);

	n = kleak_unwind(api ? 0 : call_site, api ? &kleak_slab_api_fns : NULL, pc->scratch + 1,
			 depth, depth + KLEAK_SKIP_MAX, &site);
	n = kleak_irq_cut(pc->scratch + 1, n, site);
	return kleak_stack_from(call_site, pc->scratch + 1, n, site);
}

/**
 * kleak_alloc_filtered() - is an allocation filtered out?
 * @f: the current filter, which filters at allocation
 * @kind: the allocation's kind
 * @ci: its cache's entry (slab objects)
 * @cache: that entry's index
 * @size: its size
 *
 * Out of the fast path: the kind first, then size, task and cache; the
 * cache filter passes slab objects only.  Probe context.
 * Return: true when it is not to be tracked.
 */
bool kleak_alloc_filtered(const struct kleak_filter *f, enum kleak_kind kind,
			  const struct kleak_cache_info *ci, u16 cache, size_t size)
{
	if (!kleak_filter_alloc_kind(f, kind, size))
		return true;
	return kind == KLEAK_KIND_SLAB &&
	       !kleak_filter_alloc(f, ci->size, cache, READ_ONCE(kleak_filter_gen));
}

/**
 * kleak_traced_twice() - one allocation's second event?
 * @p: the record at the address
 * @o: the record made now, for the same address
 *
 * Is @p the same allocation as @o, reported twice?  7.x's kvmalloc()
 * fires the kmalloc event itself, with its caller as the call site, after
 * a large kmalloc inside it fired one with a call site in kvmalloc(): one
 * object, two events, one stack (the second's call site may be in the API
 * too: kvmemdup()).  So: a record of
 * an event from inside the slab API (KLEAK_OBJ_API_SITE), and now one of
 * the same task, stack, size and context.  A free missed between them
 * could not be told from it.  Only called on the rare path of an address
 * already tracked.  Probe context.
 * Return: true if so.
 */
bool kleak_traced_twice(const struct kleak_obj *p, const struct kleak_obj *o)
{
	return (p->flags & KLEAK_OBJ_API_SITE) &&
	       !((p->flags ^ o->flags) & ~(KLEAK_OBJ_LIVE | KLEAK_OBJ_API_SITE)) &&
	       p->stack == o->stack && p->pid == o->pid && p->bytes_req == o->bytes_req &&
	       kleak_obj_kind(o) == KLEAK_KIND_SLAB;
}

/**
 * kleak_track_alloc_walk() - track an allocation whose call site is walked for
 * @fns: the allocator's own functions
 * @ptr: the object
 * @size: its size
 * @gfp: its flags
 * @kind: its kind
 * @extra: the record's cache field (the page order, for pages)
 *
 * The stack is walked first, and the call site is the first frame past
 * @fns.  A page that the slab, vmalloc or percpu allocator took for itself
 * (its call site, or a frame or two below, in one of them) is theirs:
 * their objects are tracked, so it is counted and left alone.  Out of
 * line: the walk dwarfs a call.  Probe context.
 */
void kleak_track_alloc_walk(const struct kleak_ranges *fns, const void *ptr, size_t size,
			    gfp_t gfp, enum kleak_kind kind, u16 extra)
{
	struct kleak_pcpu *pc;
	unsigned long flags, *buf;
	unsigned int n, site, i;
	u32 sidx;

	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	if (unlikely(!kleak_probe_enter(pc, 0))) {
		kleak_kind_count(KC_KIND_DROPS, kind);
		goto out;
	}
	buf = pc->scratch + 1;
	n = kleak_unwind(0, fns, buf, max_t(u32, kleak_depth, 3),
			 max_t(u32, kleak_depth, 3) + KLEAK_SKIP_MAX, &site);
	for (i = site; kind == KLEAK_KIND_PAGE && i < n && i < site + 3; i++) {
		if (kleak_in_ranges(&kleak_page_owner_fns, buf[i])) {
			kleak_count(KC_PAGE_OWNED);
			goto done;
		}
	}
	if (site >= n)		/* not found: keep the whole walk */
		site = 0;
	n = kleak_irq_cut(buf, n, site);
	sidx = kleak_stack_from(n ? buf[site] : 0, buf, n, n ? site : 1);
	if (unlikely(sidx == KLEAK_STACK_OVERFLOW))
		kleak_count(KC_DROP_STACK_FULL);
	__kleak_track_alloc(pc, n ? buf[site] : 0, ptr, size, size, NULL, gfp, kind, extra, sidx);
done:
	kleak_probe_exit(pc);
out:
	local_irq_restore(flags);
}

/**
 * kleak_entry_stack() - save the stack of an allocation at its entry
 * @d: the call's data: @d->site in, @d->sidx and @d->gen out
 * @kind: the allocation's kind
 *
 * At a function's entry, for its return handler, where the caller's
 * frames are gone; or at a return-site probe, where they still are.
 * Probe context.  Return: 0 when it is to be tracked, 1 (no return
 * handler) when not.
 */
int kleak_entry_stack(struct kleak_kret_data *d, enum kleak_kind kind)
{
	struct kleak_pcpu *pc;
	unsigned long flags;

	d->sidx = 0;
	if (unlikely(!kleak_sample_in()))
		return 1;
	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	if (likely(kleak_probe_enter(pc, d->site))) {
		d->sidx = kleak_alloc_stack_idx(pc, d->site, NULL);
		d->gen = READ_ONCE(kleak_clear_gen);
		kleak_probe_exit(pc);
	} else {
		kleak_kind_count(KC_KIND_DROPS, kind);
	}
	local_irq_restore(flags);
	return !d->sidx;
}
