// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the address index (a leaf).  It owns the index structures, not
 * the records: the pool is the tracker's, passed in at init.  Two
 * implementations behind one interface:
 *
 * - the portable index, the default on every kernel: a fixed array of
 *   buckets whose chains are pool indices, each bucket locked by a bit of
 *   its own head, taken with IRQs off (the fast path is inline, in
 *   index.h).  Nothing is allocated after init and every access, readers
 *   included, holds the bucket lock, so records can be recycled at once.
 *   Correct in any context on 6.1 and 6.12 alike.
 *
 * - rhashtable (index=rhashtable), only where its bucket locks are IRQ-safe
 *   (6.7+; before, they take local_bh_disable(), illegal in hard IRQ and
 *   with IRQs off).  rhashtable grows by itself: from a worker, and from
 *   the insert path with GFP_ATOMIC when a table is over 100% full, which
 *   inside a probe is an allocation from the allocator's own hook.  Its
 *   size hint is a u16, so it cannot be sized for a large pool; kleak
 *   grows it at load instead, by inserting every record under a dummy key
 *   and letting the worker expand the table, then removing them.  Lookups
 *   run under RCU; records are recycled at once, which rhashtable tolerates
 *   (a walk that lands in another chain ends on the wrong nulls marker and
 *   restarts), and every copy is checked against its key.  An array of
 *   address stripe locks (bit locks, as the portable index's buckets)
 *   around it plays the part of the bucket locks: LIVE flags change, and
 *   readers read objects, under it.
 *
 * Both are tested on kernels where rhashtable is IRQ-safe (KUnit and the
 * guest tests run with each); KLEAK_FORCE_COMPAT_INDEX removes the
 * rhashtable choice from the build.
 */
#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "index.h"
#include "names.h"

#define KLEAK_LOCK_STRIPES 1024

static const struct rhashtable_params kleak_rht_params = {
	.key_len = sizeof(unsigned long),
	.key_offset = offsetof(struct kleak_obj, addr),
	.head_offset = offsetof(struct kleak_obj, rh),
	.automatic_shrinking = false,
};

/* Grow the table for @nr records now, so that probes never make it grow. */
static int kleak_rht_init(struct kleak_index *ix, struct kleak_obj *pool, u32 nr)
{
	struct rhashtable_params p = kleak_rht_params;
	int ret, tries;
	u32 i;

	p.nelem_hint = min_t(u32, nr, U16_MAX);
	ret = rhashtable_init(&ix->ht, &p);
	if (ret || nr <= U16_MAX)
		return ret;
	/* odd keys: no object has one */
	for (i = 1; i < nr; i++) {
		pool[i].addr = ((unsigned long)i << 4) | 1;
		for (tries = 0; tries < 100; tries++) {
			ret = rhashtable_insert_fast(&ix->ht, &pool[i].rh, kleak_rht_params);
			if (!ret)
				break;
			flush_work(&ix->ht.run_work);
			cond_resched();
		}
		if (ret)
			goto err_remove;
	}
	flush_work(&ix->ht.run_work);
	i = nr;
err_remove:
	while (--i >= 1) {
		rhashtable_remove_fast(&ix->ht, &pool[i].rh, kleak_rht_params);
		pool[i].addr = 0;
	}
	if (ret)
		rhashtable_destroy(&ix->ht);
	return ret;
}

static inline u32 *kleak_stripe(const struct kleak_index *ix, unsigned long addr)
{
	return &ix->stripes[hash_long(addr, ilog2(KLEAK_LOCK_STRIPES))];
}

/**
 * kleak_index_init() - set up an index over a pool of records
 * @ix: the index
 * @pool: @nr records; record 0 is never used
 * @nr: number of records
 * @use_rht: use rhashtable (only where KLEAK_HAVE_IRQSAFE_RHT, or in tests
 *	     that never touch it from IRQ context)
 *
 * May sleep.  Return: 0 or -ENOMEM.
 */
int kleak_index_init(struct kleak_index *ix, struct kleak_obj *pool, u32 nr,
		     bool use_rht)
{
	u32 nb;
	int ret;

	memset(ix, 0, sizeof(*ix));
	ix->pool = pool;
	ix->nr = nr;
	ix->use_rht = use_rht;
	if (use_rht) {
		ix->stripes = vzalloc(array_size(KLEAK_LOCK_STRIPES, sizeof(u32)));
		if (!ix->stripes)
			return -ENOMEM;
		ret = kleak_rht_init(ix, pool, nr);
		if (ret) {
			vfree(ix->stripes);
			ix->stripes = NULL;
		}
		return ret;
	}
	/* about 4 records a bucket when full: a chain walk stays short */
	nb = roundup_pow_of_two(max_t(u32, nr / 4, 64));
	ix->bits = ilog2(nb);
	ix->buckets = vzalloc(array_size(nb, sizeof(u32)));
	return ix->buckets ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_init);

/**
 * kleak_index_destroy() - free what kleak_index_init() allocated
 * @ix: the index; its records are not touched
 */
void kleak_index_destroy(struct kleak_index *ix)
{
	if (ix->use_rht)
		rhashtable_destroy(&ix->ht);
	vfree(ix->buckets);
	vfree(ix->stripes);
	ix->buckets = NULL;
	ix->stripes = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_destroy);

/**
 * kleak_index_reset() - empty the index in place, allocating nothing
 * @ix: the index; its records are still those indexed (LIVE)
 *
 * With nothing inserting or removing meanwhile (the probes paused).  The
 * caller resets the records afterwards.
 */
void kleak_index_reset(struct kleak_index *ix)
{
	u32 i;

	if (!ix->use_rht) {
		memset(ix->buckets, 0, sizeof(u32) << ix->bits);
		return;
	}
	for (i = 1; i < ix->nr; i++) {
		if (!(i & KLEAK_RESCHED_MASK))
			cond_resched();
		if (ix->pool[i].flags & KLEAK_OBJ_LIVE)
			rhashtable_remove_fast(&ix->ht, &ix->pool[i].rh, kleak_rht_params);
	}
	memset(ix->stripes, 0, array_size(KLEAK_LOCK_STRIPES, sizeof(u32)));
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_reset);

/**
 * kleak_index_bytes() - memory used by the index itself, records excluded
 * @ix: the index
 *
 * Return: bytes.
 */
size_t kleak_index_bytes(const struct kleak_index *ix)
{
	if (ix->use_rht)
		return (size_t)roundup_pow_of_two(ix->nr * 4 / 3 + 1) * sizeof(void *) +
			KLEAK_LOCK_STRIPES * sizeof(u32);
	return sizeof(u32) << ix->bits;
}

/**
 * kleak_rht_insert() - kleak_index_insert_fast() for the rhashtable index
 * @ix: the index
 * @idx: a pool record whose addr is set
 *
 * IRQs off.  Return: as kleak_index_insert_fast().
 */
u32 kleak_rht_insert(struct kleak_index *ix, u32 idx)
{
	struct kleak_obj *o = &ix->pool[idx], *prev;
	u32 *lock = kleak_stripe(ix, o->addr);
	u32 ret = KLEAK_NONE;

	kleak_bit_lock(lock);
	prev = rhashtable_lookup_get_insert_fast(&ix->ht, &o->rh, kleak_rht_params);
	if (IS_ERR(prev)) {		/* cannot happen with the sizing above */
		ret = idx;
	} else if (prev) {
		if (rhashtable_replace_fast(&ix->ht, &prev->rh, &o->rh, kleak_rht_params)) {
			ret = idx;
		} else {
			prev->flags &= ~KLEAK_OBJ_LIVE;
			ret = prev - ix->pool;
		}
	}
	if (ret != idx)
		o->flags |= KLEAK_OBJ_LIVE;
	kleak_bit_unlock(lock, 0);
	return ret;
}

/**
 * kleak_rht_remove() - kleak_index_remove_fast() for the rhashtable index
 * @ix: the index
 * @addr: the object address
 *
 * IRQs off.  Return: the record's pool index, or KLEAK_NONE.
 */
u32 kleak_rht_remove(struct kleak_index *ix, unsigned long addr)
{
	u32 *lock = kleak_stripe(ix, addr);
	struct kleak_obj *o;

	kleak_bit_lock(lock);
	rcu_read_lock();
	o = rhashtable_lookup(&ix->ht, &addr, kleak_rht_params);
	if (o && rhashtable_remove_fast(&ix->ht, &o->rh, kleak_rht_params))
		o = NULL;
	rcu_read_unlock();
	if (o)
		o->flags &= ~KLEAK_OBJ_LIVE;
	kleak_bit_unlock(lock, 0);
	return o ? o - ix->pool : KLEAK_NONE;
}

/**
 * kleak_index_insert() - index record @idx under its address
 * @ix: the index
 * @idx: a pool record whose addr is set
 *
 * Any context, with IRQs off.  The probes use the inline
 * kleak_index_insert_fast(); this is it, callable from the tests.
 *
 * Return: the replaced record, KLEAK_NONE, or @idx when it was not indexed.
 */
u32 kleak_index_insert(struct kleak_index *ix, u32 idx)
{
	lockdep_assert_irqs_disabled();
	return kleak_index_insert_fast(ix, idx);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_insert);

/**
 * kleak_index_remove() - take the record of @addr out of the index
 * @ix: the index
 * @addr: the object address
 *
 * Any context, with IRQs off; kleak_index_remove_fast(), callable from the
 * tests.  Return: the record's pool index, or KLEAK_NONE when @addr is not
 * indexed.
 */
u32 kleak_index_remove(struct kleak_index *ix, unsigned long addr)
{
	lockdep_assert_irqs_disabled();
	return kleak_index_remove_fast(ix, addr);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_remove);

/* Lock the address @addr for a reader, IRQs saved.  Return: the bucket's head. */
static u32 kleak_addr_lock(struct kleak_index *ix, unsigned long addr, unsigned long *flags)
{
	local_irq_save(*flags);
	if (ix->use_rht)
		return kleak_bit_lock(kleak_stripe(ix, addr));
	return kleak_bit_lock(&ix->buckets[kleak_bucket_of(ix, addr)]);
}

static void kleak_addr_unlock(struct kleak_index *ix, unsigned long addr, u32 head,
			      unsigned long flags)
{
	if (ix->use_rht)
		kleak_bit_unlock(kleak_stripe(ix, addr), 0);
	else
		kleak_bit_unlock(&ix->buckets[kleak_bucket_of(ix, addr)], head);
	local_irq_restore(flags);
}

/* The record indexed under @addr, its lock held (@head: its bucket's head). */
static u32 kleak_addr_find(struct kleak_index *ix, unsigned long addr, u32 head)
{
	struct kleak_obj *o;
	u32 i;

	if (ix->use_rht) {
		rcu_read_lock();
		o = rhashtable_lookup(&ix->ht, &addr, kleak_rht_params);
		i = o ? o - ix->pool : KLEAK_NONE;
		rcu_read_unlock();
		return i;
	}
	for (i = head; i != KLEAK_NONE; i = ix->pool[i].chain)
		if (ix->pool[i].addr == addr)
			break;
	return i;
}

/**
 * kleak_index_read() - copy the record of @addr
 * @ix: the index
 * @addr: the object address
 * @copy: where to copy the record
 * @idx: where to store its pool index (may be NULL)
 *
 * Any context.  Return: true when @addr is indexed.
 */
bool kleak_index_read(struct kleak_index *ix, unsigned long addr,
		      struct kleak_obj *copy, u32 *idx)
{
	unsigned long flags;
	u32 i, head;

	head = kleak_addr_lock(ix, addr, &flags);
	i = kleak_addr_find(ix, addr, head);
	if (i != KLEAK_NONE) {
		*copy = ix->pool[i];
		if (idx)
			*idx = i;
	}
	kleak_addr_unlock(ix, addr, head, flags);
	return i != KLEAK_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_read);

/**
 * kleak_index_resize() - set the size of the record of @addr, in place
 * @ix: the index
 * @addr: the object address
 * @size: its new requested size (krealloc() in place)
 *
 * Only a slab object whose slot holds @size is resized: a larger one
 * moves, and its kmalloc and kfree events say so.
 * Any context.  Return: true when @addr is indexed and was resized.
 */
bool kleak_index_resize(struct kleak_index *ix, unsigned long addr, u32 size)
{
	unsigned long flags;
	u32 i, head;
	bool ok = false;

	head = kleak_addr_lock(ix, addr, &flags);
	i = kleak_addr_find(ix, addr, head);
	if (i != KLEAK_NONE && kleak_obj_kind(&ix->pool[i]) == KLEAK_KIND_SLAB &&
	    size <= kleak_obj_size(&ix->pool[i])) {
		ix->pool[i].bytes_req = size;
		ok = true;
	}
	kleak_addr_unlock(ix, addr, head, flags);
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_resize);

/*
 * Copy [@off, @off + @len) of the object of live record @o, its address
 * locked.  Slab objects and vmalloc areas are mapped at their address;
 * a page block is mapped a page at a time (kmap_local_page(): highmem is
 * mapped only while it is read); a percpu object is read in the first
 * possible CPU's copy.  Never past the size of a page block, a vmalloc
 * area or a percpu copy: the record's size is theirs exactly.
 */
static int kleak_obj_copy(const struct kleak_obj *o, size_t off, void *dst, size_t len)
{
	enum kleak_kind kind = kleak_obj_kind(o);
	struct page *page;
	size_t n;
	void *p;
	int ret;

	if (kind != KLEAK_KIND_SLAB && (off > o->bytes_req || len > o->bytes_req - off))
		return -EFAULT;
	switch (kind) {
	case KLEAK_KIND_PAGE:
		page = (struct page *)o->addr;
		for (; len; off += n, dst += n, len -= n) {
			n = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
			p = kleak_kmap_local(page + (off >> PAGE_SHIFT));
			if (!p)
				return -EFAULT;
			ret = copy_from_kernel_nofault(dst, p + offset_in_page(off), n);
			kleak_kunmap_local(p);
			if (ret)
				return -EFAULT;
		}
		return 0;
	case KLEAK_KIND_PERCPU:
		p = per_cpu_ptr((__force void __percpu *)o->addr,
				cpumask_first(cpu_possible_mask));
		return copy_from_kernel_nofault(dst, p + off, len) ? -EFAULT : 0;
	default:
		return copy_from_kernel_nofault(dst, (void *)(o->addr + off), len) ? -EFAULT : 0;
	}
}

/**
 * kleak_index_peek() - copy a live record and part of its object
 * @ix: the index
 * @idx: the record's pool index
 * @addr: the address it must be live under
 * @ts: the allocation time it must have, to tell it from a later object
 *	at @addr (0: any)
 * @copy: where to copy the record (may be NULL)
 * @off: offset in the object
 * @dst: where to copy @len bytes of the object (may be NULL)
 * @len: how many
 *
 * Holds the lock of @addr while copying, so the object cannot be freed
 * meanwhile (see index.h).  Untracked memory is never read.
 *
 * Any context.  Return: 0, -ENOENT when the object is gone, or -EFAULT.
 */
int kleak_index_peek(struct kleak_index *ix, u32 idx, unsigned long addr, u64 ts,
		     struct kleak_obj *copy, size_t off, void *dst, size_t len)
{
	struct kleak_obj *o = &ix->pool[idx];
	unsigned long flags;
	int ret = -ENOENT;
	u32 head;

	if (!idx || idx >= ix->nr)
		return -ENOENT;
	head = kleak_addr_lock(ix, addr, &flags);
	if ((o->flags & KLEAK_OBJ_LIVE) && o->addr == addr && (!ts || o->ts == ts)) {
		ret = 0;
		if (copy)
			*copy = *o;
		if (dst)
			ret = kleak_obj_copy(o, off, dst, len);
	}
	kleak_addr_unlock(ix, addr, head, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_peek);
