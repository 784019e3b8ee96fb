// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the address index.  Two implementations behind one interface:
 *
 * - the portable index, the default on every kernel: a fixed array of
 *   buckets whose chains are pool indices, guarded by a striped array of
 *   raw spinlocks taken with IRQs off.  Nothing is allocated after init and
 *   every access, readers included, holds the stripe lock, so records can be
 *   recycled at once.  Correct in any context on 6.1 and 6.12 alike.
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
 *   restarts), and every copy is checked against its key.
 *
 * Both are tested on kernels where rhashtable is IRQ-safe (KUnit and the
 * guest tests run with each); KLEAK_FORCE_COMPAT_INDEX removes the
 * rhashtable choice from the build.
 */
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kleak.h"

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

static inline u32 kleak_bucket(const struct kleak_index *ix, unsigned long addr)
{
	return hash_long(addr, ilog2(ix->mask + 1));
}

static inline raw_spinlock_t *kleak_stripe(const struct kleak_index *ix, u32 b)
{
	return &ix->locks[b & (KLEAK_LOCK_STRIPES - 1)];
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
	u32 i, nb;

	memset(ix, 0, sizeof(*ix));
	ix->pool = pool;
	ix->nr = nr;
	ix->use_rht = use_rht;
	if (use_rht)
		return kleak_rht_init(ix, pool, nr);
	/* about 4 records a bucket when full: a chain walk stays short */
	nb = roundup_pow_of_two(max_t(u32, nr / 4, KLEAK_LOCK_STRIPES));
	ix->mask = nb - 1;
	ix->buckets = vzalloc(array_size(nb, sizeof(u32)));
	ix->locks = vmalloc(array_size(KLEAK_LOCK_STRIPES, sizeof(raw_spinlock_t)));
	if (!ix->buckets || !ix->locks) {
		vfree(ix->buckets);
		vfree(ix->locks);
		return -ENOMEM;
	}
	for (i = 0; i < KLEAK_LOCK_STRIPES; i++)
		raw_spin_lock_init(&ix->locks[i]);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_init);

/**
 * kleak_index_destroy() - free what kleak_index_init() allocated
 * @ix: the index; its records are not touched
 */
void kleak_index_destroy(struct kleak_index *ix)
{
	if (ix->use_rht) {
		rhashtable_destroy(&ix->ht);
		return;
	}
	vfree(ix->buckets);
	vfree(ix->locks);
	ix->buckets = NULL;
	ix->locks = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_destroy);

/**
 * kleak_index_bytes() - memory used by the index itself, records excluded
 * @ix: the index
 *
 * Return: bytes.
 */
size_t kleak_index_bytes(const struct kleak_index *ix)
{
	if (ix->use_rht)
		return (size_t)roundup_pow_of_two(ix->nr * 4 / 3 + 1) * sizeof(void *);
	return (size_t)(ix->mask + 1) * sizeof(u32) +
		KLEAK_LOCK_STRIPES * sizeof(raw_spinlock_t);
}

/* Portable index: unlink the record keyed @addr from bucket @b; lock held. */
static u32 kleak_chain_unlink(struct kleak_index *ix, u32 b, unsigned long addr)
{
	u32 *pp = &ix->buckets[b];

	while (*pp != KLEAK_NONE) {
		struct kleak_obj *o = &ix->pool[*pp];

		if (o->addr == addr) {
			u32 idx = *pp;

			*pp = o->chain;
			o->chain = KLEAK_NONE;
			return idx;
		}
		pp = &o->chain;
	}
	return KLEAK_NONE;
}

/**
 * kleak_index_insert() - index record @idx under its address
 * @ix: the index
 * @idx: a pool record whose addr is set
 *
 * Any context, with IRQs off (the probes run so; the stripe lock is then
 * taken without saving them again).  A record already indexed under the
 * same address means its free was missed: it is taken out of the index and
 * returned so the caller can account and recycle it.
 *
 * Return: the replaced record, or KLEAK_NONE.
 */
u32 kleak_index_insert(struct kleak_index *ix, u32 idx)
{
	struct kleak_obj *o = &ix->pool[idx];
	u32 old, b;

	if (ix->use_rht) {
		struct kleak_obj *prev;

		prev = rhashtable_lookup_get_insert_fast(&ix->ht, &o->rh, kleak_rht_params);
		if (!prev)
			return KLEAK_NONE;
		if (IS_ERR(prev))	/* cannot happen with the sizing above */
			return idx;
		if (rhashtable_replace_fast(&ix->ht, &prev->rh, &o->rh, kleak_rht_params))
			return idx;
		return prev - ix->pool;
	}
	lockdep_assert_irqs_disabled();
	b = kleak_bucket(ix, o->addr);
	raw_spin_lock(kleak_stripe(ix, b));
	old = kleak_chain_unlink(ix, b, o->addr);
	o->chain = ix->buckets[b];
	ix->buckets[b] = idx;
	raw_spin_unlock(kleak_stripe(ix, b));
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_insert);

/**
 * kleak_index_remove() - take the record of @addr out of the index
 * @ix: the index
 * @addr: the object address
 *
 * Any context, with IRQs off.  Return: the record's pool index, or
 * KLEAK_NONE when @addr is not indexed.
 */
u32 kleak_index_remove(struct kleak_index *ix, unsigned long addr)
{
	u32 idx, b;

	if (ix->use_rht) {
		struct kleak_obj *o;

		rcu_read_lock();
		o = rhashtable_lookup(&ix->ht, &addr, kleak_rht_params);
		if (o && rhashtable_remove_fast(&ix->ht, &o->rh, kleak_rht_params))
			o = NULL;
		rcu_read_unlock();
		return o ? o - ix->pool : KLEAK_NONE;
	}
	lockdep_assert_irqs_disabled();
	b = kleak_bucket(ix, addr);
	raw_spin_lock(kleak_stripe(ix, b));
	idx = kleak_chain_unlink(ix, b, addr);
	raw_spin_unlock(kleak_stripe(ix, b));
	return idx;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_remove);

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
	bool found = false;
	u32 i, b;

	if (ix->use_rht) {
		struct kleak_obj *o;

		rcu_read_lock();
		o = rhashtable_lookup(&ix->ht, &addr, kleak_rht_params);
		if (o) {
			*copy = *o;
			i = o - ix->pool;
			/* the record may have been recycled under us */
			found = READ_ONCE(o->addr) == addr && copy->addr == addr;
		}
		rcu_read_unlock();
		if (found && idx)
			*idx = i;
		return found;
	}
	b = kleak_bucket(ix, addr);
	raw_spin_lock_irqsave(kleak_stripe(ix, b), flags);
	for (i = ix->buckets[b]; i != KLEAK_NONE; i = ix->pool[i].chain) {
		if (ix->pool[i].addr == addr) {
			*copy = ix->pool[i];
			found = true;
			if (idx)
				*idx = i;
			break;
		}
	}
	raw_spin_unlock_irqrestore(kleak_stripe(ix, b), flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_index_read);
