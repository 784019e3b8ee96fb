/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the tracker (tracker.c and the files internal.h lists).  The
 * probes, the record pool, the counters, the current filter, and start,
 * stop and clear.  Readers get records through the functions here, never
 * through the pool itself.
 */
#ifndef _KLEAK_TRACKER_H
#define _KLEAK_TRACKER_H

#include <linux/types.h>

#include "filter.h"
#include "index.h"

#define KLEAK_OBJECTS_MIN	16
#define KLEAK_SAMPLE_MAX	65536

/* Per-CPU event and drop counters, summed for stats. */
enum kleak_counter {
	KC_EV_KMALLOC,
	KC_EV_CACHE_ALLOC,
	KC_EV_KFREE,
	KC_EV_CACHE_FREE,
	KC_EV_BULK_FREE,
	KC_EV_KFREE_RCU,
	KC_EV_NOLOCK_ALLOC,
	KC_EV_NOLOCK_FREE,
	KC_TRACKED_ALLOCS,
	KC_TRACKED_FREES,
	KC_FILTERED,
	KC_FAILED_ALLOC,
	KC_NULL_FREE,
	KC_DROP_TABLE_FULL,
	KC_DROP_STACK_FULL,
	KC_DROP_RECURSION,
	KC_DROP_NMI,
	KC_MISSED_FREE,
	KC_UNKNOWN_FREE,
	KC_SAMPLED_OUT,
	KC_LIVE_ADD,		/* records linked ... */
	KC_LIVE_SUB,		/* ... and released: live = add - sub */
	KC_EV_PAGE_ALLOC,
	KC_EV_PAGE_FREE,
	KC_EV_VMALLOC,
	KC_EV_VFREE,
	KC_EV_PERCPU_ALLOC,
	KC_EV_PERCPU_FREE,
	KC_EV_BULK_ALLOC,
	KC_EV_KREALLOC,
	KC_PAGE_OWNED,		/* pages of the slab, vmalloc or percpu: not tracked */
	KC_PAGE_USER,		/* user pages, not tracked unless filter user=1 */
	KC_KREALLOC_RESIZED,	/* a tracked object resized in place */
	KC_DROP_CLEARED,	/* allocations that straddled a clear */
	KC_DROP_CALLS_FULL,	/* return-site calls not kept: every slot busy */
	/* per kind, in enum kleak_kind order: */
	KC_KIND_ALLOCS,
	KC_KIND_FREES = KC_KIND_ALLOCS + KLEAK_KINDS,
	KC_KIND_UNKNOWN_FREES = KC_KIND_FREES + KLEAK_KINDS,
	KC_KIND_DROPS = KC_KIND_UNKNOWN_FREES + KLEAK_KINDS,
	KC_NR = KC_KIND_DROPS + KLEAK_KINDS
};

/**
 * struct kleak_tracker_config - the sizes fixed at load
 * @max_objects: records in the pool, KLEAK_OBJECTS_MIN..KLEAK_INDEX_MAX
 * @max_stacks: stack table entries
 * @depth: frames per stack (0: the call site only)
 * @use_rht: index with rhashtable rather than the portable index
 */
struct kleak_tracker_config {
	u32 max_objects;
	u32 max_stacks;
	u32 depth;
	bool use_rht;
};

int kleak_tracker_init(const struct kleak_tracker_config *cfg,
		       const struct kleak_filter *filter);
void kleak_tracker_exit(void);
int kleak_start(void);
int kleak_stop(void);
void kleak_stop_final(void);
int kleak_clear(void);

bool kleak_running(void);
unsigned int kleak_kinds_get(void);
int kleak_kinds_set(unsigned int mask);
bool kleak_bulk_hooked(void);
struct kleak_out;
void kleak_hooks_show(struct kleak_out *out);
unsigned long kleak_kprobes_missed(void);
u32 kleak_max_objects(void);
u32 kleak_stack_depth(void);
bool kleak_index_is_rht(void);
unsigned int kleak_sample_rate(void);
u32 kleak_peak(void);
long kleak_live(void);
u64 kleak_counter_sum(enum kleak_counter c);
bool kleak_lost_unattributed(void);
unsigned long kleak_recursion_site(void);
size_t kleak_memory_bytes(void);
size_t kleak_records_bytes(void);
size_t kleak_index_memory_bytes(void);

void kleak_filter_get(struct kleak_filter *f);
int kleak_filter_set(const struct kleak_filter *f);

void kleak_records_lock(void);
void kleak_records_unlock(void);
bool kleak_record_get(u32 idx, struct kleak_obj *copy);
int kleak_record_read(u32 idx, unsigned long addr, u64 ts, size_t off, void *dst,
		      size_t len);
bool __kleak_lookup(unsigned long addr, struct kleak_obj *copy, u32 *idx);
bool kleak_lookup(unsigned long addr, struct kleak_obj *copy);

#endif /* _KLEAK_TRACKER_H */
