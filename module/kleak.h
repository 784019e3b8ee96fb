/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: internal interfaces shared by the module's files and its KUnit
 * suites.  See core.c for the design and the locking rules.
 */
#ifndef _KLEAK_H
#define _KLEAK_H

#include <linux/types.h>
#include <linux/hash.h>
#include <linux/spinlock.h>
#include <linux/rhashtable-types.h>
#include <linux/seq_file.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>

#include "compat.h"

/* Internals are exported, in their own namespace, only for the KUnit suites. */
#include <kunit/visibility.h>

#define KLEAK_NONE		0	/* index 0 of every table is unused */
#define KLEAK_MAX_DEPTH		64
#define KLEAK_SKIP_MAX		8	/* probe and allocator frames above the call site */
/* Stack index of objects whose stack did not fit in the table. */
#define KLEAK_STACK_OVERFLOW	1
/* Stack table entries that are not real stacks: none (0) and overflow (1) */
#define KLEAK_STACKS_RESERVED	(KLEAK_STACK_OVERFLOW + 1)
#define KLEAK_CACHE_NAME_LEN	32
#define KLEAK_SAMPLE_MAX	65536

/* struct kleak_obj.flags */
#define KLEAK_OBJ_LIVE		BIT(0)
#define KLEAK_OBJ_HARDIRQ	BIT(1)
#define KLEAK_OBJ_SOFTIRQ	BIT(2)

/**
 * struct kleak_obj - one tracked, live allocation (56 bytes; the call site
 * is the first frame of its stack)
 * @rh: rhashtable linkage (rhashtable index)
 * @chain: hash chain, an index into the pool (portable index)
 * @addr: the object's address, the index key
 * @ts: allocation time, kleak_clock() ns
 * @stack: index of the object's stack in the stack table
 * @next: the free list link, while the record is free
 * @bytes_req: requested size
 * @gfp: gfp flags of the allocation
 * @pid: pid of the allocating task (of the interrupted one in IRQ context)
 * @cache: index in the cache table; gives the name and allocated size
 * @comm: index in the comm table
 * @cpu: CPU of the allocation
 * @flags: KLEAK_OBJ_*
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

/* One formatter for seq_file, a buffer (KUnit) and printk */
struct kleak_out {
	struct seq_file *seq;
	char *buf;
	size_t size;
	size_t len;
};

/* index.c */
int kleak_index_init(struct kleak_index *ix, struct kleak_obj *pool, u32 nr,
		     bool use_rht);
void kleak_index_destroy(struct kleak_index *ix);
u32 kleak_index_insert(struct kleak_index *ix, u32 idx);
u32 kleak_index_remove(struct kleak_index *ix, unsigned long addr);
u32 kleak_rht_insert(struct kleak_index *ix, u32 idx);
u32 kleak_rht_remove(struct kleak_index *ix, unsigned long addr);
bool kleak_index_read(struct kleak_index *ix, unsigned long addr,
		      struct kleak_obj *copy, u32 *idx);
int kleak_index_peek(struct kleak_index *ix, u32 idx, unsigned long addr, u64 ts,
		     struct kleak_obj *copy, size_t off, void *dst, size_t len);
size_t kleak_index_bytes(const struct kleak_index *ix);

/*
 * The portable index's hot path, inlined into the probes, which make no
 * call on a tracked pair (a spinlock and its unlock were two).  A bucket
 * is locked by bit 31 of its head (pool indices stay below 2^28), taken
 * with one cmpxchg and released by the store of the new head.  IRQs are
 * off: the probes run so, and readers save them (kleak_index_peek()).  The
 * lock is a leaf: nothing is taken under it.  KLEAK_OBJ_LIVE changes only
 * under it, so a reader that holds it and sees a record LIVE under the
 * address it locked may read the object: the object's free probe waits for
 * the lock, and the slab frees the object only after that probe returns.
 */
#define KLEAK_BUCKET_LOCK	BIT(31)

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

/* Lock bucket @b.  Return: its head. */
static __always_inline u32 kleak_bucket_lock(struct kleak_index *ix, u32 b)
{
	return kleak_bit_lock(&ix->buckets[b]);
}

/* Unlock bucket @b, whose head is now @head. */
static __always_inline void kleak_bucket_unlock(struct kleak_index *ix, u32 b, u32 head)
{
	kleak_bit_unlock(&ix->buckets[b], head);
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
	head = kleak_bucket_lock(ix, b);
	old = kleak_chain_unlink(ix->pool, &head, o->addr);
	o->chain = head;
	o->flags |= KLEAK_OBJ_LIVE;
	kleak_bucket_unlock(ix, b, idx);
	return old;
}

/* Take the record of @addr out of the index, IRQs off.  Return: it, or KLEAK_NONE. */
static __always_inline u32 kleak_index_remove_fast(struct kleak_index *ix, unsigned long addr)
{
	u32 head, idx, b;

	if (unlikely(ix->use_rht))
		return kleak_rht_remove(ix, addr);
	b = kleak_bucket_of(ix, addr);
	head = kleak_bucket_lock(ix, b);
	idx = kleak_chain_unlink(ix->pool, &head, addr);
	kleak_bucket_unlock(ix, b, head);
	return idx;
}

/**
 * struct kleak_stack - one deduplicated stack
 * @hash: jhash of the frames
 * @chain: next entry with the same hash bucket
 * @nr: number of frames
 * @has_module: a frame lies in module space
 * @frozen: symbolized frames, saved when a module of the stack went away
 * @frames: the return addresses, innermost first
 *
 * Nothing here changes once the entry is published, so the probes only read
 * it.  What a stack has live is counted by the readers, from the records;
 * its allocations are counted per CPU (kleak.stack_allocs).
 */
struct kleak_stack {
	u32 hash;
	u32 chain;
	u16 nr;
	u16 has_module;
	const char *frozen;
	unsigned long frames[];
};

/* Per-CPU event and drop counters, summed for stats. */
enum kleak_counter {
	KC_EV_KMALLOC,
	KC_EV_CACHE_ALLOC,
	KC_EV_KFREE,
	KC_EV_CACHE_FREE,
	KC_EV_BULK_FREE,
	KC_TRACKED_ALLOCS,
	KC_TRACKED_FREES,
	KC_FILTERED,
	KC_FAILED_ALLOC,
	KC_NULL_FREE,
	KC_DROP_TABLE_FULL,
	KC_DROP_STACK_FULL,
	KC_DROP_RECURSION,
	KC_MISSED_FREE,
	KC_UNKNOWN_FREE,
	KC_SAMPLED_OUT,
	KC_LIVE_ADD,		/* records linked ... */
	KC_LIVE_SUB,		/* ... and released: live = add - sub */
	KC_NR
};

/**
 * struct kleak_filter - what is tracked and reported
 * @size_min: smallest allocated size (0: any)
 * @size_max: largest allocated size (0: any)
 * @pid: only this pid (0: any)
 * @comm: only this comm ("": any)
 * @cache: only this cache name ("": any)
 * @module: only stacks through this module's text ("": any)
 * @min_age_ms: only objects at least this old, in reports
 * @at_alloc: a filter that applies when an object is allocated is set (size,
 *	      pid, comm or cache); the probes skip the checks when it is not
 */
struct kleak_filter {
	unsigned long size_min;
	unsigned long size_max;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	char cache[KLEAK_CACHE_NAME_LEN];
	char module[MODULE_NAME_LEN];
	unsigned long min_age_ms;
	bool at_alloc;
};

/**
 * struct kleak_cache_info - a slab cache, or a kmalloc size class
 * @key: cache pointer, or size class tag (odd)
 * @size: allocated size of each object
 * @state: slot state of the lock-free table
 * @filter_gen: filter generation @match was computed for
 * @match: the cache passes the cache filter
 * @name: cache name as in /proc/slabinfo
 */
struct kleak_cache_info {
	unsigned long key;
	u32 size;
	u32 state;
	u32 filter_gen;
	bool match;
	char name[KLEAK_CACHE_NAME_LEN];
};

/* The state of the tracker: core.c */
struct kleak_state {
	struct kleak_index index;
	struct kleak_obj *pool;
	u32 max_objects;
	void *stack_mem;
	size_t stack_stride;
	u32 max_stacks;
	u32 depth;
	u32 *stack_buckets;
	u64 *stack_allocs;
	u32 stack_mask;
	u32 nr_stacks;
	raw_spinlock_t stack_lock;
	struct kleak_filter __rcu *filter;
	struct kleak_filter filter_buf[2];
	u32 filter_gen;
	u64 mark_ts;
	bool running;
	bool bulk_hooked;
	u32 pool_out;		/* records out of the global free list */
	u32 peak;		/* most records ever out of it */
	unsigned long recursion_site;
};

extern struct kleak_state kleak;
extern struct mutex kleak_ctl_mutex;
extern struct rw_semaphore kleak_rwsem;
extern unsigned int kleak_sample_bytes;

static inline struct kleak_stack *kleak_stack_get(u32 i)
{
	return (struct kleak_stack *)((char *)kleak.stack_mem + (size_t)i * kleak.stack_stride);
}

/* A static per-CPU array: one increment is one instruction, no pointer load. */
DECLARE_PER_CPU(u64 [KC_NR], kleak_counters);

/* CPU @cpu's row of kleak.stack_allocs: one count per stack. */
static inline u64 *kleak_stack_allocs_row(int cpu)
{
	return kleak.stack_allocs + (size_t)cpu * kleak.max_stacks;
}

static inline void kleak_count(enum kleak_counter c)
{
	this_cpu_inc(kleak_counters[c]);
}

u64 kleak_counter_sum(enum kleak_counter c);

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

long kleak_live(void);
unsigned int kleak_sample_rate(void);

/* core.c */
int kleak_start(void);
void kleak_stop(void);
int kleak_clear(void);
bool kleak_lookup(unsigned long addr, struct kleak_obj *copy);
u64 kleak_age_ns(const struct kleak_obj *o);
size_t kleak_memory_bytes(void);

/* stacks.c */
int kleak_stacks_init(u32 max_stacks, u32 depth);
void kleak_stacks_exit(void);
void kleak_stacks_reset(void);
u32 kleak_stack_intern(const unsigned long *frames, unsigned int n);
u32 kleak_stack_from(unsigned long call_site, unsigned long *buf, unsigned int n,
		     unsigned int site);
u64 kleak_stack_allocs(u32 sidx);
size_t kleak_stacks_bytes(void);
bool kleak_stack_in_module(u32 sidx, const char *module);
void kleak_stack_print_frame(u32 sidx, unsigned int i, char *buf, size_t len);
u16 kleak_comm_intern(const char *comm);
const char *kleak_comm_name(u16 id);
u16 kleak_cache_intern(const struct kmem_cache *s, size_t size);
const struct kleak_cache_info *kleak_cache_get(u16 id);

/* Allocated bytes of an object: its cache's size, else what was asked. */
static inline u32 kleak_obj_size(const struct kleak_obj *o)
{
	const struct kleak_cache_info *c = kleak_cache_get(o->cache);

	return c ? c->size : o->bytes_req;
}

bool kleak_cache_match(const struct kleak_filter *f, u16 id);
int kleak_cache_name_init(void);
int kleak_modules_init(void);
void kleak_modules_exit(void);

/* control.c */
int kleak_filter_parse(struct kleak_filter *f, char *args);
void kleak_filter_format(const struct kleak_filter *f, char *buf, size_t len);
bool kleak_filter_track(const struct kleak_filter *f, size_t size, pid_t pid,
			const char *comm);
bool kleak_filter_report(const struct kleak_filter *f, const struct kleak_obj *o,
			 u64 now, u64 mark_ts);
int kleak_filter_set(const struct kleak_filter *f);
void kleak_filter_get(struct kleak_filter *f);
int kleak_control(const char *cmd);
void kleak_control_show(struct kleak_out *out);
int kleak_params_apply(void);

__printf(2, 3) void kleak_printf(struct kleak_out *out, const char *fmt, ...);
void kleak_hexdump(struct kleak_out *out, const void *data, size_t len,
		   size_t offset);

#define KLEAK_STR_MIN	4	/* shortest printable run shown, like strings(1) */
#define KLEAK_STR_SHOW	72	/* longest part of a run shown */

/* State of a strings(1)-like scan over an object read in chunks. */
struct kleak_strscan {
	struct kleak_out *out;
	unsigned int run;
	unsigned int shown;
	unsigned int max;
	char acc[KLEAK_STR_SHOW + 1];
};

void kleak_strings_scan(struct kleak_strscan *ss, const u8 *p, size_t len);
void kleak_strings_end(struct kleak_strscan *ss);
int kleak_obj_read(u32 idx, unsigned long addr, u64 ts, size_t off, void *dst,
		   size_t len);
void kleak_print_stack(struct kleak_out *out, u32 sidx, const char *indent);
void kleak_summary(struct kleak_out *out, unsigned int top);
u64 kleak_stack_live(u32 sidx, u64 *bytes);
int kleak_debugfs_init(void);
void kleak_debugfs_exit(void);

#endif /* _KLEAK_H */
