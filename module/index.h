/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the record of a tracked object, its clock, and the address index
 * over the record pool.  index.c owns the slow paths and the rhashtable
 * variant; the portable index's fast path is here, inlined into the probes.
 * A leaf: it calls nothing else of kleak.
 */
#ifndef _KLEAK_INDEX_H
#define _KLEAK_INDEX_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "compat.h"

/* Internals are exported, in their own namespace, only for the KUnit suites. */

#define KLEAK_NONE		0	/* index 0 of every table is unused */
/* A walk of the pool or the index in process context yields this often */
#define KLEAK_RESCHED_MASK	(4096 - 1)

/* struct kleak_obj.flags */
#define KLEAK_OBJ_LIVE		BIT(0)
#define KLEAK_OBJ_HARDIRQ	BIT(1)
#define KLEAK_OBJ_SOFTIRQ	BIT(2)
#define KLEAK_OBJ_KIND_SHIFT	3	/* bits 3-4: the kind */
#define KLEAK_OBJ_KIND_MASK	(3U << KLEAK_OBJ_KIND_SHIFT)
#define KLEAK_OBJ_API_SITE	BIT(5)	/* its event's call site was in the slab API */

/**
 * enum kleak_kind - which allocator an object comes from
 * @KLEAK_KIND_SLAB: kmalloc, kmem_cache_alloc and their bulk forms; the
 *	record's key is the object's address
 * @KLEAK_KIND_PAGE: the page allocator; the key is the struct page of the
 *	first page, the size PAGE_SIZE << order, and @cache the migratetype
 * @KLEAK_KIND_VMALLOC: vmalloc and kvmalloc's fallback; the key is the
 *	area's address, the size the one asked for
 * @KLEAK_KIND_PERCPU: alloc_percpu; the key is the __percpu pointer, the
 *	size that of one CPU's copy
 * @KLEAK_KINDS: how many
 */
enum kleak_kind {
	KLEAK_KIND_SLAB,
	KLEAK_KIND_PAGE,
	KLEAK_KIND_VMALLOC,
	KLEAK_KIND_PERCPU,
	KLEAK_KINDS
};

#define KLEAK_KINDS_ALL		(BIT(KLEAK_KINDS) - 1)

/**
 * struct kleak_obj - one tracked, live allocation (56 bytes; the call site
 * is the first frame of its stack)
 * @rh: rhashtable linkage (rhashtable index)
 * @chain: hash chain, an index into the pool (portable index)
 * @addr: the object's address, the index key
 * @ts: allocation time, kleak_clock() plus a sequence number
 * @stack: index of the object's stack in the stack table
 * @next: the free list link, while the record is free
 * @bytes_req: requested size
 * @gfp: gfp flags of the allocation
 * @pid: pid of the allocating task (of the interrupted one in IRQ context)
 * @cache: index in the cache table, which gives the name and allocated
 *	size (slab); the migratetype (page); 0 (vmalloc, percpu)
 * @comm: index in the comm table
 * @cpu: CPU of the allocation
 * @flags: KLEAK_OBJ_*, and the kind
 */
struct kleak_obj {
	union {
		struct rhash_head rh;
		u32 chain;
	};
	unsigned long addr;
	u64 ts;
	u32 stack;
	u32 next;
	u32 bytes_req;
	u32 gfp;
	u32 pid;
	u16 cache;
	u16 comm;
	u16 cpu;
	u16 flags;
};

static inline enum kleak_kind kleak_obj_kind(const struct kleak_obj *o)
{
	return (o->flags & KLEAK_OBJ_KIND_MASK) >> KLEAK_OBJ_KIND_SHIFT;
}

/*
 * kleak's clock: jiffies in ns.  A tick (4 ms at HZ=250) is fine for the
 * age of a leak, and a load is cheap where local_clock()'s TSC read is not
 * (it was 190 ns of a pair's cost under QEMU TCG).
 */
static inline u64 kleak_clock(void)
{
	return get_jiffies_64() * (NSEC_PER_SEC / HZ);
}

/*
 * A record's time is kleak_clock() plus a per-CPU sequence number below a
 * tick (a tick is 1 ms or more), so the objects of one CPU keep their order
 * within a tick: the oldest object of a stack is the first one allocated.
 */
#define KLEAK_SEQ_MASK		((1U << 19) - 1)
static_assert((NSEC_PER_SEC / HZ) / (KLEAK_SEQ_MASK + 1) >= 1);

/* Age at @now of something allocated at @ts; 0 if @ts is later. */
static inline u64 kleak_age_at(u64 now, u64 ts)
{
	return now > ts ? now - ts : 0;
}

/**
 * struct kleak_index - the address index over a pool of records
 * @pool: the records; index 0 is never used
 * @nr: number of records in @pool, including the unused one
 * @bits: log2 of the number of buckets (portable index)
 * @buckets: chain heads, pool indices, with KLEAK_BUCKET_LOCK as the
 *	     bucket's lock (portable index)
 * @stripes: address locks, bit locks like the buckets' (rhashtable index)
 * @ht: the rhashtable (rhashtable index)
 * @use_rht: which implementation this index uses
 */
struct kleak_index {
	struct kleak_obj *pool;
	u32 nr;
	u32 bits;
	u32 *buckets;
	u32 *stripes;
	struct rhashtable ht;
	bool use_rht;
};

/*
 * A bucket is locked by bit 31 of its head; pool indices must stay clear
 * of it, so a pool holds at most KLEAK_INDEX_MAX records.
 */
#define KLEAK_BUCKET_LOCK	BIT(31)
#define KLEAK_INDEX_MAX		((u32)BIT(28))

int kleak_index_init(struct kleak_index *ix, struct kleak_obj *pool, u32 nr,
		     bool use_rht);
void kleak_index_destroy(struct kleak_index *ix);
void kleak_index_reset(struct kleak_index *ix);
u32 kleak_index_insert(struct kleak_index *ix, u32 idx);
u32 kleak_index_remove(struct kleak_index *ix, unsigned long addr);
u32 kleak_rht_insert(struct kleak_index *ix, u32 idx);
u32 kleak_rht_remove(struct kleak_index *ix, unsigned long addr);
bool kleak_index_read(struct kleak_index *ix, unsigned long addr,
		      struct kleak_obj *copy, u32 *idx);
bool kleak_index_resize(struct kleak_index *ix, unsigned long addr, u32 size);
int kleak_index_peek(struct kleak_index *ix, u32 idx, unsigned long addr, u64 ts,
		     struct kleak_obj *copy, size_t off, void *dst, size_t len);
size_t kleak_index_bytes(const struct kleak_index *ix);

/*
 * The portable index's hot path, inlined into the probes, which make no
 * call on a tracked pair.  A bucket's lock is taken with one cmpxchg and
 * released by the store of the new head.  IRQs are off: the probes run
 * so, and readers save them (kleak_index_peek()).  The lock is a leaf:
 * nothing is taken under it.  KLEAK_OBJ_LIVE changes only under it, so a
 * reader that holds it and sees a record LIVE under the address it locked
 * may read the object: the object's free probe waits for the lock, and the
 * slab frees the object only after that probe returns.
 */
static __always_inline u32 kleak_bucket_of(const struct kleak_index *ix,
					   unsigned long addr)
{
	return hash_long(addr, ix->bits);
}

/* Take the bit lock of the word @p.  Return: the word's value. */
static __always_inline u32 kleak_bit_lock(u32 *p)
{
	u32 old;

	for (;;) {
		old = READ_ONCE(*p);
		if (!(old & KLEAK_BUCKET_LOCK) &&
		    try_cmpxchg_acquire(p, &old, old | KLEAK_BUCKET_LOCK))
			return old;
		cpu_relax();
	}
}

/* Release the bit lock of @p, storing @v. */
static __always_inline void kleak_bit_unlock(u32 *p, u32 v)
{
	/* release: the chain and the records' LIVE flags are written first */
	smp_store_release(p, v);
}

/*
 * Unlink the record keyed @addr from the chain that starts at *@head;
 * bucket locked.  The walk keeps the previous record's index rather than a
 * pointer to the link to rewrite: a pointer that may point at either the
 * caller's local head or a record would put the head on the stack, and a
 * stack canary in the probe.
 */
static __always_inline u32 kleak_chain_unlink(struct kleak_obj *pool, u32 *head,
					      unsigned long addr)
{
	u32 idx, prev = KLEAK_NONE;

	for (idx = *head; idx != KLEAK_NONE; prev = idx, idx = pool[idx].chain) {
		struct kleak_obj *o = &pool[idx];

		if (o->addr != addr)
			continue;
		if (prev == KLEAK_NONE)
			*head = o->chain;
		else
			pool[prev].chain = o->chain;
		o->flags &= ~KLEAK_OBJ_LIVE;
		return idx;
	}
	return KLEAK_NONE;
}

/*
 * Index record @idx under its address, IRQs off.  A record already indexed
 * under the same address means its free was missed: it is taken out and
 * returned, for the caller to account and recycle.  Return: the replaced
 * record; KLEAK_NONE; or @idx itself when it could not be indexed.
 */
static __always_inline u32 kleak_index_insert_fast(struct kleak_index *ix, u32 idx)
{
	struct kleak_obj *o = &ix->pool[idx];
	u32 head, old, b;

	if (unlikely(ix->use_rht))
		return kleak_rht_insert(ix, idx);
	b = kleak_bucket_of(ix, o->addr);
	head = kleak_bit_lock(&ix->buckets[b]);
	old = kleak_chain_unlink(ix->pool, &head, o->addr);
	o->chain = head;
	o->flags |= KLEAK_OBJ_LIVE;
	kleak_bit_unlock(&ix->buckets[b], idx);
	return old;
}

/* Take the record of @addr out of the index, IRQs off.  Return: it, or KLEAK_NONE. */
static __always_inline u32 kleak_index_remove_fast(struct kleak_index *ix, unsigned long addr)
{
	u32 head, idx, b;

	if (unlikely(ix->use_rht))
		return kleak_rht_remove(ix, addr);
	b = kleak_bucket_of(ix, addr);
	head = kleak_bit_lock(&ix->buckets[b]);
	idx = kleak_chain_unlink(ix->pool, &head, addr);
	kleak_bit_unlock(&ix->buckets[b], head);
	return idx;
}

#endif /* _KLEAK_INDEX_H */
