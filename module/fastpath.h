/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the inline fast path of the probes (probe context: any context,
 * IRQs off inside).  A tracked pair of events makes no call: the pool's
 * per-CPU magazines, the per-CPU last-seen caches, the index (index.h)
 * and the counters are all inline here.  Out-of-line code (fastpath.c)
 * runs on a miss, for a new stack, a stack walk, or a filter.  Only the
 * tracker's files include this (internal.h: the state it reads).
 */
#ifndef _KLEAK_FASTPATH_H
#define _KLEAK_FASTPATH_H

#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "internal.h"

static inline void kleak_count(enum kleak_counter c)
{
	this_cpu_inc(kleak_counters[c]);
}

static __always_inline bool kleak_kind_active(enum kleak_kind kind)
{
	return READ_ONCE(kleak_kinds_active) & BIT(kind);
}

/* IRQs off.  Return: a free record, or KLEAK_NONE. */
static __always_inline u32 kleak_pool_get(struct kleak_pcpu *pc)
{
	if (unlikely(!pc->n)) {
		arch_spin_lock(&kleak_free_lock);
		while (pc->n < KLEAK_MAG / 2 && kleak_free_head != KLEAK_NONE) {
			pc->mag[pc->n++] = kleak_free_head;
			kleak_free_head = kleak_pool[kleak_free_head].next;
			kleak_pool_out++;
		}
		/* live plus cached in magazines: the peak of live, within ncpus * 32 */
		if (kleak_pool_out > kleak_pool_peak)
			WRITE_ONCE(kleak_pool_peak, kleak_pool_out);
		arch_spin_unlock(&kleak_free_lock);
		if (!pc->n)
			return KLEAK_NONE;
	}
	return pc->mag[--pc->n];
}

/* IRQs off. */
static __always_inline void kleak_pool_put(struct kleak_pcpu *pc, u32 idx)
{
	if (unlikely(pc->n == KLEAK_MAG)) {
		arch_spin_lock(&kleak_free_lock);
		while (pc->n > KLEAK_MAG / 2) {
			u32 i = pc->mag[--pc->n];

			kleak_pool[i].next = kleak_free_head;
			kleak_free_head = i;
			kleak_pool_out--;
		}
		arch_spin_unlock(&kleak_free_lock);
	}
	pc->mag[pc->n++] = idx;
}

/*
 * Every probe's way in, IRQs off, @pc this CPU's: false when it must
 * return at once, that is while clear resets the tables, or when the probe
 * re-entered itself on this CPU (counted).  kleak_probe_exit() undoes it.
 */
static __always_inline bool kleak_probe_enter_at(struct kleak_pcpu *pc, unsigned long call_site,
						 u8 paused_at)
{
	/* acquire: pairs with the release that ends a clear or purge */
	if (unlikely(smp_load_acquire(&kleak_paused) >= paused_at))
		return false;
	if (unlikely(pc->busy)) {
		kleak_count(KC_DROP_RECURSION);
		WRITE_ONCE(kleak_last_recursion, call_site);
		return false;
	}
	pc->busy = 1;
	return true;
}

/* An allocation's probe: not while paused at all */
static __always_inline bool kleak_probe_enter(struct kleak_pcpu *pc, unsigned long call_site)
{
	return kleak_probe_enter_at(pc, call_site, KLEAK_PAUSE_ALLOCS);
}

static __always_inline void kleak_probe_exit(struct kleak_pcpu *pc)
{
	pc->busy = 0;
}

/* End a record that is out of the index: back to the pool.  IRQs off. */
static __always_inline void kleak_release(struct kleak_pcpu *pc, u32 idx)
{
	kleak_count(KC_LIVE_SUB);
	kleak_pool_put(pc, idx);
}

/* The cache entry of an allocation, through the per-CPU last-seen cache. */
static __always_inline const struct kleak_cache_info *
kleak_alloc_cache(struct kleak_pcpu *pc, const struct kmem_cache *s, const void *ptr,
		  size_t req, size_t bytes_alloc)
{
	/*
	 * A kmalloc object's cache is its slab's (kmalloc-cg-*, dma-kmalloc-*,
	 * the SLAB_BUCKETS caches...); a large one's, none.  Then one compare:
	 * a cache by its address, a large kmalloc by bytes_alloc (a size is
	 * never a kernel address).  0, the key after a reset, a failed lookup
	 * or a destroyed cache, matches nothing.
	 */
	unsigned long key;

	if (!s)
		s = kleak_slab_cache_of(ptr);
	key = s ? (unsigned long)s : bytes_alloc;
	if (unlikely(pc->cache_key != key)) {
		/*
		 * bytes_alloc is the cache's slot size, which debug options
		 * (KASAN, red zones) inflate; the size class is what slabinfo
		 * names.
		 */
		size_t size = s ? 0 : req ? kleak_kmalloc_roundup(req, bytes_alloc) : bytes_alloc;
		u16 c = kleak_cache_intern(s, size);

		pc->cache_info = kleak_cache_get(c);
		pc->cache_id = c;
		pc->cache_key = pc->cache_info ? key : 0;
	}
	return pc->cache_info;
}

/*
 * Sampling: is this allocation one of the 1 in @n tracked?  A per-CPU
 * xorshift, so that no allocation pattern can line up with a counter and
 * hide a site.  The probes run with preemption off; an interrupt that
 * steps the same state in between only stirs it more.
 */
static __always_inline bool kleak_sampled(unsigned int n)
{
	u32 *r = this_cpu_ptr(&kleak_pcpu->rnd);
	u32 x = *r;

	if (unlikely(!x))
		x = 0x9e3779b9;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*r = x;
	return ((u64)x * n) >> 32 == 0;
}

/*
 * A call site in the slab allocator's own API (krealloc(), kvmalloc()...,
 * KLEAK_SLAB_API_FNS) is not the site: the first frame past it is, found
 * in the stack, with stack_depth 0 too.
 */
static __always_inline bool kleak_site_in_api(unsigned long call_site)
{
	return unlikely(kleak_in_ranges(&kleak_slab_api_fns, call_site));
}

/*
 * The stack index of an allocation; KLEAK_STACK_OVERFLOW is counted.  A
 * call site in the slab API sets KLEAK_OBJ_API_SITE in *@flags (unless
 * NULL); the cached site never is one.
 */
static __always_inline u32 kleak_alloc_stack_idx(struct kleak_pcpu *pc,
						 unsigned long call_site, u16 *flags)
{
	u32 sidx;
	bool api;

	if (likely(!kleak_depth && pc->site == call_site && pc->site_stack))
		return pc->site_stack;
	api = kleak_site_in_api(call_site);
	if (api && flags)
		*flags |= KLEAK_OBJ_API_SITE;
	if (kleak_depth || api) {
		sidx = kleak_alloc_stack(pc, call_site, api);
	} else {
		/* not &call_site: that would put it on the stack, with a canary */
		pc->scratch[0] = call_site;
		sidx = kleak_stack_intern(pc->scratch, 1);
		if (sidx != KLEAK_STACK_OVERFLOW) {
			pc->site = call_site;
			pc->site_stack = sidx;
		}
	}
	if (unlikely(sidx == KLEAK_STACK_OVERFLOW))
		kleak_count(KC_DROP_STACK_FULL);
	return sidx;
}

/* Count into the per-kind counter @c (KC_KIND_*) of @kind. */
static __always_inline void kleak_kind_count(enum kleak_counter c, enum kleak_kind kind)
{
	this_cpu_inc(kleak_counters[(int)c + (int)kind]);
}

/* A dropped allocation: the reason's counter and its kind's. */
static __always_inline void kleak_drop(enum kleak_counter c, enum kleak_kind kind)
{
	kleak_count(c);
	kleak_kind_count(KC_KIND_DROPS, kind);
}

/*
 * Record an allocation, IRQs off, this CPU's probe entered.  @kind is a
 * constant in every caller, so each probe inlines only its kind's code.
 * @s and @bytes_alloc are the slab's; the other kinds pass @req as their
 * size and @extra for the record's cache field.  @sidx is the stack
 * already saved, or 0 to save it here from @call_site.
 */
static __always_inline void __kleak_track_alloc(struct kleak_pcpu *pc, unsigned long call_site,
						const void *ptr, size_t req, size_t bytes_alloc,
						const struct kmem_cache *s, gfp_t gfp,
						enum kleak_kind kind, u16 extra, u32 sidx)
{
	const struct kleak_cache_info *ci = NULL;
	const struct kleak_filter *f;
	struct kleak_obj *o;
	u32 idx, old;
	u64 comm0, comm1;
	u16 cache = extra;

	if (kind == KLEAK_KIND_SLAB) {
		ci = kleak_alloc_cache(pc, s, ptr, req, bytes_alloc);
		cache = pc->cache_id;
		if (unlikely(!ci)) {
			kleak_drop(KC_DROP_TABLE_FULL, kind);
			return;
		}
	}
	f = rcu_dereference_sched(kleak_filter_cur);
	if (unlikely(f->at_alloc) && kleak_alloc_filtered(f, kind, ci, cache, req)) {
		kleak_count(KC_FILTERED);
		return;
	}
	idx = kleak_pool_get(pc);
	if (unlikely(!idx)) {
		kleak_drop(KC_DROP_TABLE_FULL, kind);
		return;
	}
	/* two loads, not a copy to the stack */
	BUILD_BUG_ON(TASK_COMM_LEN != 2 * sizeof(u64));
	memcpy(&comm0, current->comm, sizeof(comm0));
	memcpy(&comm1, current->comm + sizeof(comm0), sizeof(comm1));
	if (unlikely(!pc->comm_id || comm0 != pc->comm[0] || comm1 != pc->comm[1])) {
		pc->comm_id = kleak_comm_intern(current->comm);
		pc->comm[0] = comm0;
		pc->comm[1] = comm1;
	}
	o = &kleak_pool[idx];
	o->addr = (unsigned long)ptr;
	o->ts = kleak_clock() + (pc->seq++ & KLEAK_SEQ_MASK);
	/* a cache's objects are all of its object size */
	o->bytes_req = s ? ci->size : min_t(size_t, req, U32_MAX);
	o->gfp = (__force u32)gfp;
	o->pid = task_pid_nr(current);
	o->cache = cache;
	o->comm = pc->comm_id;
	o->cpu = smp_processor_id();
	o->flags = (in_hardirq() ? KLEAK_OBJ_HARDIRQ : 0) |
		   (in_serving_softirq() ? KLEAK_OBJ_SOFTIRQ : 0) |
		   (kind << KLEAK_OBJ_KIND_SHIFT);
	if (!sidx)
		sidx = kleak_alloc_stack_idx(pc, call_site, &o->flags);
	o->stack = sidx;

	old = kleak_index_insert_fast(&kleak_ix, idx);
	if (unlikely(old == idx)) {
		kleak_pool_put(pc, idx);
		kleak_drop(KC_DROP_TABLE_FULL, kind);
		kleak_stack_mark_inexact(sidx);
		return;
	}
	if (unlikely(old != KLEAK_NONE) && kleak_traced_twice(&kleak_pool[old], o)) {
		/* one allocation's second event: this record replaces the first, uncounted */
		kleak_pool_put(pc, old);
		return;
	}
	pc->stack_allocs[sidx]++;
	kleak_count(KC_LIVE_ADD);
	kleak_count(KC_TRACKED_ALLOCS);
	kleak_kind_count(KC_KIND_ALLOCS, kind);
	if (unlikely(old != KLEAK_NONE)) {
		/* same address again while tracked: its free was missed */
		kleak_stack_mark_inexact(kleak_pool[old].stack);
		kleak_release(pc, old);
		if (READ_ONCE(kleak_all_hooked))
			kleak_count(KC_MISSED_FREE);
	}
}

/* Is this allocation one of those sampled?  Counts it when it is not. */
static __always_inline bool kleak_sample_in(void)
{
	unsigned int rate = READ_ONCE(kleak_sample);

	if (likely(rate <= 1) || kleak_sampled(rate))
		return true;
	kleak_count(KC_SAMPLED_OUT);
	return false;
}

/* Record an allocation of @kind whose call site is known (any context). */
static __always_inline void kleak_track_alloc_kind(unsigned long call_site, const void *ptr,
						   size_t req, size_t bytes_alloc,
						   const struct kmem_cache *s, gfp_t gfp,
						   enum kleak_kind kind, u32 sidx)
{
	struct kleak_pcpu *pc;
	unsigned long flags;

	if (unlikely(ZERO_OR_NULL_PTR(ptr))) {
		kleak_count(KC_FAILED_ALLOC);
		return;
	}
	/* with a stack saved at the entry, it was sampled there */
	if (!sidx && unlikely(!kleak_sample_in()))
		return;
	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	if (likely(kleak_probe_enter(pc, call_site))) {
		__kleak_track_alloc(pc, call_site, ptr, req, bytes_alloc, s, gfp, kind, 0, sidx);
		kleak_probe_exit(pc);
	} else {
		kleak_kind_count(KC_KIND_DROPS, kind);
	}
	local_irq_restore(flags);
}

static __always_inline void kleak_track_alloc(unsigned long call_site, const void *ptr,
					      size_t req, size_t bytes_alloc,
					      const struct kmem_cache *s, gfp_t gfp)
{
	kleak_track_alloc_kind(call_site, ptr, req, bytes_alloc, s, gfp, KLEAK_KIND_SLAB, 0);
}

/*
 * A free by a hook of @kind.  The keys of the kinds never meet (addresses
 * of the slab, vmalloc space, struct pages, percpu pointers), so whatever
 * record @ptr keys is the object freed.
 */
static __always_inline void kleak_track_free_kind(unsigned long call_site, const void *ptr,
						  enum kleak_kind kind)
{
	struct kleak_pcpu *pc;
	unsigned long flags;
	u32 idx;

	if (unlikely(ZERO_OR_NULL_PTR(ptr))) {
		kleak_count(KC_NULL_FREE);
		return;
	}
	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	/* a free goes on while a purge pauses the allocations */
	if (unlikely(!kleak_probe_enter_at(pc, call_site, KLEAK_PAUSE_ALL)))
		goto out;
	idx = kleak_index_remove_fast(&kleak_ix, (unsigned long)ptr);
	if (idx == KLEAK_NONE) {
		kleak_count(KC_UNKNOWN_FREE);
		kleak_kind_count(KC_KIND_UNKNOWN_FREES, kind);
	} else {
		kleak_release(pc, idx);
		kleak_count(KC_TRACKED_FREES);
		kleak_kind_count(KC_KIND_FREES, kind);
	}
	kleak_probe_exit(pc);
out:
	local_irq_restore(flags);
}

static __always_inline void kleak_track_free(unsigned long call_site, const void *ptr)
{
	kleak_track_free_kind(call_site, ptr, KLEAK_KIND_SLAB);
}

/*
 * A real NMI below the probe.  kmalloc_nolock() and kfree_nolock() may be
 * called from one (a BPF program), where a lock that the interrupted code
 * holds on this CPU, such as an index bucket's, would never be released.
 * An int3 kprobe's handler runs in an NMI context of its own (@int3), so
 * only a second level is a real NMI; an ftrace kprobe's (at the entry,
 * with index=rhashtable) and a kretprobe's return handler run in the
 * context of the call.
 */
static __always_inline bool kleak_real_nmi(bool int3)
{
	return (preempt_count() & NMI_MASK) > (int3 ? NMI_OFFSET : 0);
}

/* Is the stack saved at the entry still good?  Counts the drop when not. */
static __always_inline bool kleak_entry_stack_ok(const struct kleak_kret_data *d,
						 enum kleak_kind kind)
{
	/* stopped, or the kind turned off and its records purged, since */
	if (unlikely(!kleak_kind_active(kind)))
		return false;
	if (likely(d->gen == READ_ONCE(kleak_clear_gen)))
		return true;
	kleak_drop(KC_DROP_CLEARED, kind);
	return false;
}

#endif /* _KLEAK_FASTPATH_H */
