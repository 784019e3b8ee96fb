// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: readers' access (process context unless said): the records, under
 * kleak_records_rwsem shared, lookups, and the figures that stats,
 * the summary and the Prometheus export print.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/mm.h>
#include <linux/rwsem.h>

#include "fastpath.h"
#include "hooks.h"

/**
 * kleak_counter_sum() - a counter summed over all CPUs
 * @c: the counter
 *
 * Return: the sum.
 */
u64 kleak_counter_sum(enum kleak_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(kleak_counters, cpu)[c];
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_counter_sum);

/**
 * kleak_live() - objects tracked now
 *
 * Per-CPU counts, so no shared cache line is written on the hot path.
 * Return: the number of live records.
 */
long kleak_live(void)
{
	return kleak_counter_sum(KC_LIVE_ADD) - kleak_counter_sum(KC_LIVE_SUB);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_live);

/**
 * kleak_lost_unattributed() - were events lost that no stack can be told of?
 *
 * Allocations dropped before their stack was known (the pool full,
 * recursion, a real NMI, the stack table full, a clear in between),
 * kprobe hits the kernel missed, and sampling: any stack's counts may be
 * short then.  Return: true if so.
 */
bool kleak_lost_unattributed(void)
{
	return kleak_counter_sum(KC_DROP_TABLE_FULL) || kleak_counter_sum(KC_DROP_STACK_FULL) ||
	       kleak_counter_sum(KC_DROP_RECURSION) || kleak_counter_sum(KC_DROP_NMI) ||
	       kleak_counter_sum(KC_DROP_CLEARED) || kleak_counter_sum(KC_DROP_CALLS_FULL) ||
	       __kleak_kprobes_missed() ||
	       kleak_sample_rate() > 1;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_lost_unattributed);

/** kleak_peak() - the most records ever out of the pool.  Return: the count. */
u32 kleak_peak(void)
{
	return READ_ONCE(kleak_pool_peak);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_peak);

/** kleak_running() - are the probes registered?  Return: true if so. */
bool kleak_running(void)
{
	return READ_ONCE(kleak_is_running);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_running);

/** kleak_max_objects() - the pool's size.  Return: max_objects. */
u32 kleak_max_objects(void)
{
	return kleak_nr_objects;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_max_objects);

/** kleak_stack_depth() - frames kept per stack.  Return: stack_depth. */
u32 kleak_stack_depth(void)
{
	return kleak_depth;
}

/** kleak_index_is_rht() - which index.  Return: true for rhashtable. */
bool kleak_index_is_rht(void)
{
	return kleak_ix.use_rht;
}

/** kleak_recursion_site() - where a probe last re-entered.  Return: the call site. */
unsigned long kleak_recursion_site(void)
{
	return READ_ONCE(kleak_last_recursion);
}

/** kleak_records_bytes() - memory of the record pool.  Return: bytes. */
size_t kleak_records_bytes(void)
{
	return (size_t)kleak_nr_objects * sizeof(struct kleak_obj);
}

/** kleak_index_memory_bytes() - memory of the index.  Return: bytes. */
size_t kleak_index_memory_bytes(void)
{
	return kleak_index_bytes(&kleak_ix);
}

/**
 * kleak_memory_bytes() - memory kleak allocated for its tables
 *
 * Return: bytes.
 */
size_t kleak_memory_bytes(void)
{
	return kleak_records_bytes() + kleak_index_memory_bytes() + kleak_stacks_bytes() +
		num_possible_cpus() * (sizeof(struct kleak_pcpu) + KC_NR * sizeof(u64));
}

/**
 * kleak_records_lock() - keep clear out while records are read
 *
 * Process context; may sleep.  Nests inside nothing of kleak's but
 * kleak_control_mutex.
 */
void kleak_records_lock(void)
{
	down_read(&kleak_records_rwsem);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_records_lock);

/** kleak_records_unlock() - undo kleak_records_lock() */
void kleak_records_unlock(void)
{
	up_read(&kleak_records_rwsem);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_records_unlock);

/**
 * kleak_record_get() - copy pool record @idx if it is live
 * @idx: pool index, 1..max_objects-1
 * @copy: where to copy it
 *
 * kleak_records_lock() held.  Return: true when it is live.
 */
bool kleak_record_get(u32 idx, struct kleak_obj *copy)
{
	struct kleak_obj *o = &kleak_pool[idx];

	lockdep_assert_held_read(&kleak_records_rwsem);
	/* a racy look first: most records of a large pool are free */
	if (!(READ_ONCE(o->flags) & KLEAK_OBJ_LIVE))
		return false;
	return !kleak_index_peek(&kleak_ix, idx, READ_ONCE(o->addr), 0, copy, 0, NULL, 0);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_record_get);

/**
 * kleak_record_read() - copy part of a tracked object's memory
 * @idx: the object's pool index
 * @addr: its address
 * @ts: its allocation time, to tell it from a later object at @addr
 * @off: offset in the object
 * @dst: where to copy
 * @len: how many bytes
 *
 * kleak_records_lock() held.  Holds the lock of @addr while copying, so the
 * object cannot be freed meanwhile (see above).  Untracked memory is never
 * read.  Return: 0, -ENOENT when the object is gone, or -EFAULT.
 */
int kleak_record_read(u32 idx, unsigned long addr, u64 ts, size_t off, void *dst,
		      size_t len)
{
	lockdep_assert_held_read(&kleak_records_rwsem);
	return kleak_index_peek(&kleak_ix, idx, addr, ts, NULL, off, dst, len);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_record_read);

/**
 * __kleak_lookup() - copy the record of a tracked object
 * @addr: the object's address (a page block's: its first page's, or its
 *	  struct page)
 * @copy: where to copy the record
 * @idx: where to store its pool index (may be NULL)
 *
 * Any context.  The caller keeps clear out: it holds kleak_records_lock(),
 * or (the KUnit suites, from IRQ context) runs no clear meanwhile.
 * Return: true when @addr is tracked.
 */
bool __kleak_lookup(unsigned long addr, struct kleak_obj *copy, u32 *idx)
{
	if (kleak_index_read(&kleak_ix, addr, copy, idx))
		return true;
	/* a page block is keyed by its struct page, and shown at its address */
	return virt_addr_valid((void *)addr) &&
	       kleak_index_read(&kleak_ix, (unsigned long)virt_to_page((void *)addr), copy, idx) &&
	       kleak_obj_kind(copy) == KLEAK_KIND_PAGE;
}
EXPORT_SYMBOL_IF_KUNIT(__kleak_lookup);

/**
 * kleak_lookup() - copy the record of a tracked object
 * @addr: the object's address
 * @copy: where to copy the record
 *
 * Process context.  Return: true when @addr is tracked.
 */
bool kleak_lookup(unsigned long addr, struct kleak_obj *copy)
{
	bool found;

	kleak_records_lock();
	found = __kleak_lookup(addr, copy, NULL);
	kleak_records_unlock();
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_lookup);

