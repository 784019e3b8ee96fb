// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the tracker.  It owns the probes, the record pool and its free
 * list, the per-CPU state and counters, the address index over the pool
 * (index.c), the current filter, and start, stop and clear.  It calls
 * down into the index, the stack store (stack.c), the name tables
 * (names.c) and the filter tests (filter.c), and nothing above it.
 *
 * kleak hooks the kmalloc, kfree, kmem_cache_alloc and kmem_cache_free
 * tracepoints (and the _node events before 6.1), plus kprobes where the
 * allocator fires no event: kmem_cache_free_bulk() (kfree_bulk()),
 * kvfree_call_rcu() (kfree_rcu(), whose call is taken as the free), and
 * kmalloc_nolock()/kfree_nolock() where the kernel has them, krealloc();
 * probes on the entry and the return instructions of kmem_cache_alloc_bulk()
 * and kmalloc_nolock() (retsite.c: no kretprobe on a function that reads
 * its own return address), kretprobes with index=rhashtable.  Those are the slab kind; the
 * other kinds are pages (the mm_page_alloc/mm_page_free tracepoints, found
 * by name), vmalloc (kretprobes on the vmalloc entry points, a kprobe on
 * its free) and percpu (its tracepoints, found by name).  All in one table,
 * kleak_hooks[], each hook with its kind.  It keeps every live object with
 * its kind, size, cache, stack, task, CPU and age, in one pool and index:
 * the keys of the kinds never meet.
 *
 * Memory
 * ------
 * Everything the probes use is allocated at load, before they are
 * registered: the record pool (max_objects records of 56 bytes), the index,
 * the stack table, the comm and cache tables, and the arena for the names
 * of unloaded modules.  The probes never allocate, so they never recurse
 * into the allocator and kleak's own memory is never tracked.  When a table
 * is full the event is dropped and counted.  `clear` resets the tables in
 * place: it allocates nothing, so it cannot fail.
 *
 * Locks, what they protect, and their order
 * ------------------------------------------
 * Sleeping locks, outermost first (a lock is only taken under those above
 * it in this list, never the other way round):
 *
 *   kleak_control_mutex (control.c): a control command, so that its
 *       read-modify-write of the filter is not interleaved with another.
 *   kleak_ctl_mutex: kleak_is_running, kleak_all_hooked, the hooks
 *       (kleak_hooks[]), kleak_kinds_on and kleak_kinds_active,
 *       kleak_tracker_ready, kleak_paused, and the filter buffers (start,
 *       stop, clear, kinds, a filter update).
 *   kleak_records_rwsem: the contents of the pool, the index and the stack
 *       table as readers see them.  Readers (reports, object, lookup) hold
 *       it shared while they walk records or read objects; clear holds it
 *       exclusive, with the probes paused, while it resets them.
 *   kleak_frozen_mutex (stack.c): the names of gone modules' frames; also
 *       taken alone by the module notifier.
 *   kleak_summary_mutex (report.c): the summary's own context.  Not a
 *       leaf: its snapshot takes kleak_records_rwsem under it, so it sits
 *       above that lock; never taken with kleak_ctl_mutex held.  (The
 *       object file's address is per open now, under no lock.)
 *
 * Spinning locks, all leaves, taken one at a time with IRQs off, never with
 * another held (but a bucket lock under kleak_records_rwsem, by readers):
 *
 *   a bucket's bit lock (portable index, index.h): its chain and the LIVE
 *       flag of its records; or an address stripe's bit lock around
 *       rhashtable's own bucket lock (index=rhashtable).
 *   kleak_stack_lock (stack.c): adding a stack.
 *   kleak_free_lock: the global free list of records and its counts (an
 *       arch spinlock: the kprobes' handlers run in int3, that is NMI,
 *       context; no probe nests in another on a CPU).  A real NMI (a BPF
 *       program's kmalloc_nolock()) could interrupt a holder of any of
 *       these on its CPU, so those events are dropped (kleak_real_nmi()).
 *
 * None of the spinning locks is ever taken by the allocator, so a probe
 * cannot deadlock against the allocation path that fired it.
 *
 * The probes
 * ----------
 * The probes run in any context: process, softirq, hard IRQ, with IRQs off
 * under slab or driver locks, and on every CPU at once.  A probe runs with
 * IRQs off from start to end and marks its CPU busy; only an NMI could
 * nest, or a probe that recursed through something it called: both are
 * counted as recursion and skipped.
 *
 * A record is filled while it belongs to one CPU (out of the pool, not yet
 * indexed), and KLEAK_OBJ_LIVE is set and cleared only under the lock of
 * its address.  A reader that holds that lock and sees a record LIVE under
 * the address it locked may read the record and the object's memory: the
 * free probe of that object waits on the same lock, and the slab frees the
 * object only after the probe returns (kleak_index_peek()).
 *
 * The fast path is inlined (kleak_track_alloc(), the index and the pool),
 * so a tracked pair makes no call.  Out-of-line code runs only on a miss of
 * the per-CPU caches, for a new stack, for the stack walk (stack_depth > 0),
 * or with a filter set.  The probes take no local's address, so they have
 * no stack canary, and count into a static per-CPU array, one instruction
 * an event.
 *
 * `clear` pauses the probes rather than unregistering them: kleak_paused
 * is set, every probe that may not have seen it is waited for, the tables
 * are reset, and the flag is cleared with a release that the probes'
 * acquire pairs with.  Registering again could fail; pausing cannot.  A
 * purge (a kind turned off, a start after a stop) pauses the allocations
 * only: frees go on, so that no object of a kind still tracked is left
 * listed after its free.  A start after a stop purges every record: the
 * frees made while stopped were not seen.
 *
 * The rhashtable's bucket lock is local_bh_disable() plus a bit spinlock
 * before 6.7: illegal in hard IRQ, and local_bh_enable() with IRQs off may
 * run softirqs.  From 6.7 on it is IRQ-safe, but rhashtable still grows
 * itself, with an allocation from the insert path when a table is full.
 * So kleak's default index is its own portable one (index.c), which never
 * allocates and is correct in any context on every kernel; rhashtable is
 * an option on 6.7+, grown to size at load.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/delay.h>
#include <linux/hardirq.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>
#include <trace/events/percpu.h>

#include "format.h"
#include "names.h"
#include "retsite.h"
#include "stack.h"
#include "symbols.h"
#include "tracker.h"

/* One allocation in kleak_sample is tracked (1: all); read by the probes. */
static unsigned int kleak_sample = 1;

static int kleak_sample_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < 1 || n > KLEAK_SAMPLE_MAX) {
		pr_warn_ratelimited("sample=%*pE: want 1 (track every allocation) to %u\n",
				    kleak_esc_len(val), val, KLEAK_SAMPLE_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(kleak_sample, n);
	return 0;
}

static const struct kernel_param_ops kleak_sample_ops = {
	.set = kleak_sample_set,
	.get = param_get_uint,
};
module_param_cb(sample, &kleak_sample_ops, &kleak_sample, 0600);
MODULE_PARM_DESC(sample, "Track one allocation in N, picked at random, like BCC memleak -s (default 1: all; writable)");

/**
 * kleak_sample_rate() - one allocation in how many is tracked
 *
 * Return: the sampling rate, 1 when every allocation is tracked.
 */
unsigned int kleak_sample_rate(void)
{
	return READ_ONCE(kleak_sample);
}

/* kinds=slab,page,vmalloc,percpu (or all): at load, or live */
static int kleak_kinds_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mask;

	if (kleak_kinds_parse(val, &mask)) {
		pr_warn_ratelimited("kinds=%*pE: want a list of slab, page, vmalloc, percpu, or all\n",
				    kleak_esc_len(val), val);
		return -EINVAL;
	}
	return kleak_kinds_set(mask);
}

static int kleak_kinds_param_get(char *buf, const struct kernel_param *kp)
{
	char k[KLEAK_KINDS_TEXT];

	kleak_kinds_format(kleak_kinds_get(), k, sizeof(k));
	return sysfs_emit(buf, "%s\n", k);
}

static const struct kernel_param_ops kleak_kinds_ops = {
	.set = kleak_kinds_param_set,
	.get = kleak_kinds_param_get,
};
module_param_cb(kinds, &kleak_kinds_ops, NULL, 0600);
MODULE_PARM_DESC(kinds, "Allocators tracked: slab,page,vmalloc,percpu or all (default all; writable: a kind turned off loses its records)");

/* ---- state ------------------------------------------------------------- */

/* protects: see "Locks" above */
static DEFINE_MUTEX(kleak_ctl_mutex);
/* protects: the tables as readers see them, against clear */
static DECLARE_RWSEM(kleak_records_rwsem);

static struct kleak_index kleak_ix;
static struct kleak_obj *kleak_pool;
static u32 kleak_nr_objects;
static u32 kleak_depth;
static bool kleak_is_running;	/* probes registered */
/*
 * The probes return at once: KLEAK_PAUSE_ALL while clear resets the
 * tables; KLEAK_PAUSE_ALLOCS while a purge walks the pool, where frees go
 * on (they only take records out), so that no free of a kind still
 * tracked is missed and none of its records goes stale.
 */
enum { KLEAK_PAUSE_NONE, KLEAK_PAUSE_ALLOCS, KLEAK_PAUSE_ALL };
static u8 kleak_paused;
/* records may be stale: frees went unseen while stopped (see kleak_start()) */
static bool kleak_stopped_with_records;
/*
 * Every hook is in place: only then does an allocation at a tracked
 * address mean that its free was missed.  While start registers hooks one
 * by one, or stop removes them, a free may pass unseen by design.
 */
static bool kleak_all_hooked;
static unsigned long kleak_last_recursion;
/*
 * Bumped by every clear: an allocation whose stack was saved at a
 * kretprobe's entry is dropped at its return if a clear came in between.
 */
static unsigned int kleak_clear_gen;

/* The kinds tracked: BIT(enum kleak_kind); under kleak_ctl_mutex. */
static unsigned int kleak_kinds_on = KLEAK_KINDS_ALL;
/*
 * The kinds whose kretprobes record: kleak_kinds_on while running, else
 * none.  The kretprobes stay registered while stopped or their kind is off
 * (see kleak_hook_is_kept()); their handlers read this.
 */
static unsigned int kleak_kinds_active;

static __always_inline bool kleak_kind_active(enum kleak_kind kind)
{
	return READ_ONCE(kleak_kinds_active) & BIT(kind);
}

static bool kleak_tracker_ready;	/* the tables exist: kinds are set live */

/* Found at load: where the page and percpu allocators' own frames are. */
static struct kleak_ranges kleak_page_alloc_fns, kleak_page_owner_fns, kleak_pcpu_alloc_fns;
static struct kleak_ranges kleak_vmalloc_fns;
/* where an interrupt's own frames end: see kleak_irq_cut() */
static struct kleak_ranges kleak_irq_dispatch_fns;
/* the slab allocator's API above kmalloc: see kleak_site_in_api() */
static struct kleak_ranges kleak_slab_api_fns;

/* The current filter: one of two buffers, swapped under RCU. */
static struct kleak_filter __rcu *kleak_filter_cur;
static struct kleak_filter kleak_filter_buf[2];
/*
 * Generation of the cache filter's answers cached in the cache table; a
 * new one once no probe can still use the filter before it.
 */
static u32 kleak_filter_gen = 1;

#define KLEAK_MAG 32

struct kleak_pcpu {
	int busy;
	u32 n;
	u32 mag[KLEAK_MAG];
	/*
	 * The last comm, cache and call site seen on this CPU, to skip the
	 * table lookups: the same ones come again and again.
	 */
	u64 comm[TASK_COMM_LEN / sizeof(u64)];
	u16 comm_id;
	u16 cache_id;
	u32 site_stack;
	u32 seq;
	u32 rnd;
	unsigned long site;
	unsigned long cache_key;
	const struct kleak_cache_info *cache_info;
	/* this CPU's row of the stack store's allocation counts */
	u64 *stack_allocs;
	/* frames, with one slot in front for kleak_stack_from() */
	unsigned long scratch[KLEAK_MAX_DEPTH + KLEAK_SKIP_MAX + 1];
};

static struct kleak_pcpu __percpu *kleak_pcpu;
/* A static per-CPU array: one increment is one instruction, no pointer load. */
static DEFINE_PER_CPU(u64 [KC_NR], kleak_counters);
/*
 * protects: kleak_free_head, kleak_pool_out, kleak_pool_peak.  An arch
 * spinlock, outside lockdep: the kprobes' handlers run in int3
 * context, which is NMI context to lockdep, and lockdep cannot know that
 * no probe nests in another on one CPU (kleak_probe_enter()'s busy flag
 * sees to it, and the lock is only held with IRQs off, by a probe).
 */
static arch_spinlock_t kleak_free_lock = __ARCH_SPIN_LOCK_UNLOCKED;
static u32 kleak_free_head;
static u32 kleak_pool_out;	/* records out of the global free list */
static u32 kleak_pool_peak;	/* most records ever out of it */

static inline void kleak_count(enum kleak_counter c)
{
	this_cpu_inc(kleak_counters[c]);
}

/* Reset the pool: every record free.  Probes off or paused. */
static void kleak_pool_reset(void)
{
	u32 i;
	int cpu;

	memset(kleak_pool, 0, (size_t)kleak_nr_objects * sizeof(*kleak_pool));
	for (i = 1; i < kleak_nr_objects - 1; i++)
		kleak_pool[i].next = i + 1;
	kleak_free_head = kleak_nr_objects > 1 ? 1 : KLEAK_NONE;
	for_each_possible_cpu(cpu) {
		struct kleak_pcpu *pc = per_cpu_ptr(kleak_pcpu, cpu);

		memset(pc, 0, offsetof(struct kleak_pcpu, scratch));
		pc->rnd = get_random_u32();
		pc->stack_allocs = kleak_stack_allocs_row(cpu);
		per_cpu(kleak_counters, cpu)[KC_LIVE_ADD] = 0;
		per_cpu(kleak_counters, cpu)[KC_LIVE_SUB] = 0;
	}
	kleak_pool_out = 0;
	WRITE_ONCE(kleak_pool_peak, 0);
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

static unsigned long __kleak_kprobes_missed(void);

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

/* ---- the filter -------------------------------------------------------- */

/**
 * kleak_filter_get() - a copy of the current filter
 * @f: where to copy it
 */
void kleak_filter_get(struct kleak_filter *f)
{
	rcu_read_lock();
	*f = *rcu_dereference(kleak_filter_cur);
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_get);

/* Publish @f; kleak_ctl_mutex held, or at init. */
static void kleak_filter_publish(const struct kleak_filter *f)
{
	struct kleak_filter *cur = rcu_dereference_protected(kleak_filter_cur, true);
	struct kleak_filter *next = cur == &kleak_filter_buf[0] ?
				    &kleak_filter_buf[1] : &kleak_filter_buf[0];

	*next = *f;
	rcu_assign_pointer(kleak_filter_cur, next);
}

/**
 * kleak_filter_set() - publish a new filter
 * @f: the new filter
 *
 * Process context.  The probes see it, whole, from the next event on.
 * Return: 0.
 */
int kleak_filter_set(const struct kleak_filter *f)
{
	mutex_lock(&kleak_ctl_mutex);
	kleak_filter_publish(f);
	/* every probe now sees the new filter, none the old buffer ... */
	synchronize_rcu();
	/* ... so cached cache-filter answers can be recomputed */
	WRITE_ONCE(kleak_filter_gen, kleak_filter_gen + 1);
	mutex_unlock(&kleak_ctl_mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_set);

/* ---- probes ------------------------------------------------------------ */

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
 * Out of the fast path: the stack of an allocation, stack_depth > 0.  The
 * walk's cost dwarfs a call, and keeping its state out of the probe keeps
 * the probe's frame small.  The walk starts here, one frame inside the
 * probe: kleak_unwind() finds the call site wherever it is.
 */
/*
 * In an interrupt, the frames past its dispatcher (KLEAK_IRQ_DISPATCH_FNS:
 * the softirq loop, the hard IRQ's handler loop, the hrtimer queue, ...)
 * are those of whatever it interrupted: one call site would make a new
 * stack each time.  Return the frames to keep of @n in @buf, from @site on:
 * up to the dispatcher, which is kept.
 */
static unsigned int kleak_irq_cut(const unsigned long *buf, unsigned int n, unsigned int site)
{
	unsigned int i;

	if (likely(!in_hardirq() && !in_serving_softirq()))
		return n;
	for (i = site < n ? site : 0; i < n; i++)
		if (kleak_in_ranges(&kleak_irq_dispatch_fns, buf[i]))
			return i + 1;
	return n;
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

static noinline u32 kleak_alloc_stack(struct kleak_pcpu *pc, unsigned long call_site, bool api)
{
	unsigned int n, site, depth = max_t(u32, kleak_depth, 1);

	n = kleak_unwind(api ? 0 : call_site, api ? &kleak_slab_api_fns : NULL, pc->scratch + 1,
			 depth, depth + KLEAK_SKIP_MAX, &site);
	n = kleak_irq_cut(pc->scratch + 1, n, site);
	return kleak_stack_from(call_site, pc->scratch + 1, n, site);
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
 * Out of the fast path: is an allocation filtered out?  The kind first,
 * then size, task and cache; the cache filter passes slab objects only.
 */
static noinline bool kleak_alloc_filtered(const struct kleak_filter *f, enum kleak_kind kind,
					  const struct kleak_cache_info *ci, u16 cache,
					  size_t size)
{
	if (!kleak_filter_alloc_kind(f, kind, size))
		return true;
	return kind == KLEAK_KIND_SLAB &&
	       !kleak_filter_alloc(f, ci->size, cache, READ_ONCE(kleak_filter_gen));
}

/*
 * Is record @p, at the address of record @o made now, the same allocation
 * reported twice?  7.x's kvmalloc() fires the kmalloc event itself, with
 * its caller as the call site, after a large kmalloc inside it fired one
 * with a call site in kvmalloc(): one object, two events, one stack (the
 * second's call site may be in the API too: kvmemdup()).  So: a record of
 * an event from inside the slab API (KLEAK_OBJ_API_SITE), and now one of
 * the same task, stack, size and context.  A free missed between them
 * could not be told from it.  Only called on the rare path of an address
 * already tracked.
 */
static bool kleak_traced_twice(const struct kleak_obj *p, const struct kleak_obj *o)
{
	return (p->flags & KLEAK_OBJ_API_SITE) &&
	       !((p->flags ^ o->flags) & ~(KLEAK_OBJ_LIVE | KLEAK_OBJ_API_SITE)) &&
	       p->stack == o->stack && p->pid == o->pid && p->bytes_req == o->bytes_req &&
	       kleak_obj_kind(o) == KLEAK_KIND_SLAB;
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

/*
 * A post handler keeps a kprobe from being optimized into a jump.  Every
 * kprobe of kleak has one, for two reasons:
 *  - kfree_nolock's pre handler must run in int3 context, so that
 *    kleak_real_nmi() can tell a real NMI below it;
 *  - the kprobe optimizer holds text_mutex across synchronize_rcu_tasks(),
 *    which lasts as long as any task runs without a voluntary context
 *    switch (a kthread allocating in a loop): meanwhile every tracepoint
 *    registration waits for text_mutex, and an insmod, start, stop or
 *    rmmod of kleak hung with no report (the optimizer waits in TASK_IDLE).
 */
static void kleak_kprobe_post_nop(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
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

	if (!kleak_call_return(sp, a) || !kleak_kind_active(KLEAK_KIND_SLAB))
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

/* ---- the other kinds: pages, vmalloc, percpu; slab bulk and krealloc -- */

/*
 * Record an allocation whose event has no call site: the stack is walked
 * first, and the call site is the first frame past @fns, the allocator's
 * own functions.  A page that the slab, vmalloc or percpu allocator took
 * for itself (its call site, or a frame or two below, in one of them) is
 * theirs: their objects are tracked, so it is counted and left alone.
 * Out of line: the walk dwarfs a call.
 */
static noinline void kleak_track_alloc_walk(const struct kleak_ranges *fns, const void *ptr,
					    size_t size, gfp_t gfp, enum kleak_kind kind,
					    u16 extra)
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

/**
 * struct kleak_kret_data - what a kretprobe keeps from entry to return
 * @site: the call site
 * @arg: arguments the return needs
 * @sidx: the stack, saved at the entry, where the caller's frames are
 *	  (0: the allocation is not tracked)
 * @gen: kleak_clear_gen at the entry: a clear since drops @sidx
 */
struct kleak_kret_data {
	unsigned long site;
	unsigned long arg[4];
	u32 sidx;
	u32 gen;
};

/*
 * Save the stack of an allocation at its function's entry, for the
 * return handler: there the caller's frames are gone.  Return: 0 when it
 * is to be tracked, 1 (no return handler) when not.
 */
static noinline int kleak_entry_stack(struct kleak_kret_data *d, enum kleak_kind kind)
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

static int kleak_vmalloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kleak_kret_data *d = (void *)ri->data;

	if (kleak_entry_stack_ok(d, KLEAK_KIND_VMALLOC))
		kleak_track_alloc_kind(d->site, (const void *)regs_return_value(regs),
				       d->arg[0], d->arg[0], NULL, (__force gfp_t)(u32)d->arg[1],
				       KLEAK_KIND_VMALLOC, d->sidx);
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
static void kleak_vmalloc_enter(struct pt_regs *regs, unsigned long a0, unsigned long gfp,
				unsigned long caller)
{
	unsigned long sp = kernel_stack_pointer(regs);
	unsigned long a[KLEAK_CALL_ARGS] = { a0, gfp, caller };

	if (!kleak_kind_active(KLEAK_KIND_VMALLOC) ||
	    kleak_in_ranges(&kleak_vmalloc_fns, READ_ONCE(*(unsigned long *)sp)))
		return;
	kleak_count(KC_EV_VMALLOC);
	if (unlikely(!kleak_call_enter(sp, a)))
		kleak_drop(KC_DROP_CALLS_FULL, KLEAK_KIND_VMALLOC);
}

static int kleak_vmalloc_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_enter(regs, regs_get_kernel_argument(regs, 0),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_GFP),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_ARG_CALLER));
	return 0;
}

static int kleak_vmalloc_node_pre(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_enter(regs, regs_get_kernel_argument(regs, 0),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_GFP),
			    regs_get_kernel_argument(regs, KLEAK_VMALLOC_NODE_ARG_CALLER));
	return 0;
}

static int kleak_vmalloc_area_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct vm_struct *area = (const void *)regs_get_kernel_argument(regs, 0);

	kleak_vmalloc_enter(regs, (unsigned long)area, regs_get_kernel_argument(regs, 1),
			    (unsigned long)area->caller);
	return 0;
}

/*
 * At a return (int3 context): the stack is walked here, where the
 * caller's frames still are.  @area: a[0] is __vmalloc_area_node()'s area
 * (still the caller's: it is the allocation), whose size is the size.
 */
static void kleak_vmalloc_at_return(struct pt_regs *regs, bool area)
{
	unsigned long sp = kernel_stack_pointer(regs), a[KLEAK_CALL_ARGS];
	struct kleak_kret_data d;

	if (!kleak_call_return(sp, a) || !kleak_kind_active(KLEAK_KIND_VMALLOC))
		return;
	d.site = a[2];
	d.arg[0] = area ? get_vm_area_size((const struct vm_struct *)a[0]) : a[0];
	d.arg[1] = a[1];
	if (!kleak_entry_stack(&d, KLEAK_KIND_VMALLOC))
		kleak_track_alloc_kind(d.site, (const void *)regs_return_value(regs),
				       d.arg[0], d.arg[0], NULL, (__force gfp_t)(u32)d.arg[1],
				       KLEAK_KIND_VMALLOC, d.sidx);
}

static int kleak_vmalloc_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_at_return(regs, false);
	return 0;
}

static int kleak_vmalloc_area_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	kleak_vmalloc_at_return(regs, true);
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
	unsigned long a[KLEAK_CALL_ARGS];
	int i;

	if (!kleak_kind_active(KLEAK_KIND_SLAB))
		return 0;
	for (i = 0; i < KLEAK_CALL_ARGS; i++)
		a[i] = regs_get_kernel_argument(regs, i);
	if (unlikely(!kleak_call_enter(kernel_stack_pointer(regs), a)))
		kleak_drop(KC_DROP_CALLS_FULL, KLEAK_KIND_SLAB);
	return 0;
}

/*
 * At a return of the call kept by kleak_call_pre(): its arguments in @d,
 * its call site (the return address, on top of the stack) and its stack,
 * walked here, where the caller's frames still are.  Return: true when
 * the allocation is to be tracked.
 */
static bool kleak_call_ret(struct pt_regs *regs, struct kleak_kret_data *d)
{
	unsigned long sp = kernel_stack_pointer(regs);

	if (!kleak_call_return(sp, d->arg) || !kleak_kind_active(KLEAK_KIND_SLAB))
		return false;
	d->site = READ_ONCE(*(unsigned long *)sp);
	return !kleak_entry_stack(d, KLEAK_KIND_SLAB);
}

/* kmem_cache_alloc_bulk(s, gfp, size, p), at a return */
static int kleak_bulk_alloc_at_ret(struct kprobe *kp, struct pt_regs *regs)
{
	struct kleak_kret_data d;

	if (kleak_call_ret(regs, &d))
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

/* ---- hooks ------------------------------------------------------------- */

/*
 * The tracepoints and kprobes kleak hooks, in the order they are
 * registered: frees before allocations, so that no object is tracked whose
 * free could be missed.  Stop and unwind go in reverse.
 */
struct kleak_hook {
	const char *name;
	enum kleak_kind kind;
	/* an exported tracepoint */
	int (*reg)(void);
	void (*unreg)(void);
	/* or one found by name, @tp at load (NULL: the kernel has none) */
	const char *tp_name;
	void *tp_probe;
	struct tracepoint *tp;
	/* or a kprobe on the first of @syms (NULL-ended) the kernel has */
	const char *const *syms;
	kprobe_pre_handler_t pre;
	kretprobe_handler_t entry, ret;	/* a kretprobe: at the entry, always */
	size_t data_size;	/* a kretprobe's per-call data */
	/*
	 * or, where the function reads its own return address, return-site
	 * probes (retsite.h): @pre at the entry, @at_ret at each return
	 * instruction, in @rets; the kretprobe only where they cannot be
	 * (index=rhashtable, whose lock int3 context may not take)
	 */
	kprobe_pre_handler_t at_ret;
	struct kprobe rets[KLEAK_RETSITES_MAX];	/* nothing allocated at start */
	unsigned int nr_rets;
	bool krp_fallback;	/* the kretprobe if its returns cannot be probed */
	/* the kernel may lack the symbol; then kleak goes on without it */
	bool optional;
	bool quiet;	/* and that is normal (an API of later kernels) */
	struct kretprobe krp;	/* krp.kp for a plain kprobe */
	bool on;	/* registered; under kleak_ctl_mutex */
};

static bool kleak_hook_is_kprobe(const struct kleak_hook *h)
{
	return h->syms;
}

/*
 * A kretprobe must sit at its function's entry, where it is an ftrace
 * kprobe; disarming one allocates, and when that fails the kernel WARNs
 * and leaves it armed.  So a kretprobe, once registered, is kept until
 * unload: stop, or turning its kind off, only makes its handlers return
 * at once (kleak_kinds_active).  Its kind turned off at load, it is never
 * registered.
 */
static bool kleak_hook_is_kept(const struct kleak_hook *h)
{
	return h->ret && !h->nr_rets;
}

/* Return-site probes for @h, rather than its kretprobe? */
static bool kleak_hook_at_returns(const struct kleak_hook *h)
{
	return IS_ENABLED(CONFIG_X86_64) && h->at_ret && !kleak_ix.use_rht;
}

#define KLEAK_TP_HOOK(tp)						\
static int kleak_reg_##tp(void)						\
{									\
	return register_trace_##tp(kleak_probe_##tp, NULL);		\
}									\
static void kleak_unreg_##tp(void)					\
{									\
	unregister_trace_##tp(kleak_probe_##tp, NULL);			\
}

KLEAK_TP_HOOK(kmem_cache_free)
KLEAK_TP_HOOK(kfree)
KLEAK_TP_HOOK(kmem_cache_alloc)
KLEAK_TP_HOOK(kmalloc)
#ifdef KLEAK_HAVE_NODE_EVENTS
KLEAK_TP_HOOK(kmem_cache_alloc_node)
KLEAK_TP_HOOK(kmalloc_node)
#endif

#define KLEAK_TP(tp)	{ .name = #tp, .reg = kleak_reg_##tp, .unreg = kleak_unreg_##tp }
#define KLEAK_TP_NAMED(n, tpn, probe, k) { .name = n, .kind = k, .tp_name = tpn, \
					   .tp_probe = probe, .optional = true }

static const char *const kleak_bulk_syms[] = { KLEAK_BULK_FREE_SYM, NULL };
static const char *const kleak_kvfree_rcu_syms[] = { KLEAK_KVFREE_RCU_SYM, NULL };
static const char *const kleak_kfree_nolock_syms[] = { KLEAK_KFREE_NOLOCK_SYM, NULL };
static const char *const kleak_kmalloc_nolock_syms[] = { KLEAK_KMALLOC_NOLOCK_SYMS, NULL };
static const char *const kleak_vmalloc_syms[] = { KLEAK_VMALLOC_SYMS, NULL };
static const char *const kleak_vmalloc_node_syms[] = { KLEAK_VMALLOC_NODE_SYMS, NULL };
static const char *const kleak_vmalloc_area_syms[] = { KLEAK_VMALLOC_AREA_SYMS, NULL };
static const char *const kleak_vfree_syms[] = { KLEAK_VFREE_SYM, NULL };
static const char *const kleak_bulk_alloc_syms[] = { KLEAK_BULK_ALLOC_SYMS, NULL };
static const char *const kleak_krealloc_syms[] = { KLEAK_KREALLOC_SYMS, NULL };

#define KLEAK_KP(n, s, handler, opt, q)	{ .name = n, .syms = s, .pre = handler, \
					  .optional = opt, .quiet = q }
/*
 * vmalloc: return-site probes, or the kretprobe where they cannot be (a
 * kretprobe hides nothing vmalloc reads, only the stacks of other tracers
 * on 5.10); kretprobes that may sleep between entry and return need many
 * instances
 */
#define KLEAK_KRP(n, k, s, e, r, p, a) { .name = n, .kind = k, .syms = s, .entry = e, .ret = r, \
					  .data_size = sizeof(struct kleak_kret_data), \
					  .pre = p, .at_ret = a, .krp_fallback = true, \
					  .optional = true }

static struct kleak_hook kleak_hooks[] = {
	KLEAK_TP(kmem_cache_free),
	KLEAK_TP(kfree),
	KLEAK_KP("bulk_free", kleak_bulk_syms, kleak_bulk_pre, true, false),
	KLEAK_KP("kfree_rcu", kleak_kvfree_rcu_syms, kleak_kvfree_rcu_pre, true, false),
	KLEAK_KP("kfree_nolock", kleak_kfree_nolock_syms, kleak_kfree_nolock_pre, true, true),
	KLEAK_TP_NAMED("page_free", "mm_page_free", kleak_probe_page_free, KLEAK_KIND_PAGE),
	{ .name = "vfree", .kind = KLEAK_KIND_VMALLOC, .syms = kleak_vfree_syms,
	  .pre = kleak_vfree_pre, .optional = true },
	KLEAK_TP_NAMED("percpu_free", "percpu_free_percpu", kleak_probe_percpu_free,
		       KLEAK_KIND_PERCPU),
	KLEAK_TP(kmem_cache_alloc),
	KLEAK_TP(kmalloc),
#ifdef KLEAK_HAVE_NODE_EVENTS
	KLEAK_TP(kmem_cache_alloc_node),
	KLEAK_TP(kmalloc_node),
#endif
	{ .name = "kmalloc_nolock", .syms = kleak_kmalloc_nolock_syms,
	  .entry = kleak_kmalloc_nolock_entry, .ret = kleak_kmalloc_nolock_ret,
	  .pre = kleak_call_pre, .at_ret = kleak_kmalloc_nolock_at_ret,
	  .optional = true, .quiet = true },
	{ .name = "bulk_alloc", .kind = KLEAK_KIND_SLAB, .syms = kleak_bulk_alloc_syms,
	  .entry = kleak_bulk_alloc_entry, .ret = kleak_bulk_alloc_ret,
	  .data_size = sizeof(struct kleak_kret_data),
	  .pre = kleak_call_pre, .at_ret = kleak_bulk_alloc_at_ret, .optional = true },
	{ .name = "krealloc", .kind = KLEAK_KIND_SLAB, .syms = kleak_krealloc_syms,
	  .pre = kleak_krealloc_pre, .optional = true },
	KLEAK_TP_NAMED("page_alloc", "mm_page_alloc", kleak_probe_page_alloc, KLEAK_KIND_PAGE),
	KLEAK_KRP("vmalloc", KLEAK_KIND_VMALLOC, kleak_vmalloc_syms, kleak_vmalloc_entry,
		  kleak_vmalloc_ret, kleak_vmalloc_pre, kleak_vmalloc_at_ret),
	KLEAK_KRP("vmalloc_node", KLEAK_KIND_VMALLOC, kleak_vmalloc_node_syms,
		  kleak_vmalloc_node_entry, kleak_vmalloc_ret, kleak_vmalloc_node_pre,
		  kleak_vmalloc_at_ret),
	/* 5.10 and 6.1 only: later kernels inline it */
	{ .name = "vmalloc_area", .kind = KLEAK_KIND_VMALLOC, .syms = kleak_vmalloc_area_syms,
	  .entry = kleak_vmalloc_area_entry, .ret = kleak_vmalloc_ret,
	  .pre = kleak_vmalloc_area_pre, .at_ret = kleak_vmalloc_area_at_ret,
	  .krp_fallback = true, .data_size = sizeof(struct kleak_kret_data),
	  .optional = true, .quiet = true },
	KLEAK_TP_NAMED("percpu_alloc", "percpu_alloc_percpu", kleak_probe_percpu_alloc,
		       KLEAK_KIND_PERCPU),
};

#define KLEAK_NR_HOOKS	((int)ARRAY_SIZE(kleak_hooks))

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

static const char *const kleak_cache_destroy_syms[] = { "kmem_cache_destroy", NULL };
/* not in kleak_hooks[]: in place from load to unload, whatever start and stop do */
static struct kleak_hook kleak_destroy_hook = {
	.name = "cache_destroy", .syms = kleak_cache_destroy_syms, .pre = kleak_cache_destroy_pre,
};

/** kleak_bulk_hooked() - is the bulk-free kprobe in place?  Return: true if so. */
bool kleak_bulk_hooked(void)
{
	int i;

	/* found by its handler, not by a position in the table */
	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i].pre == kleak_bulk_pre)
			return READ_ONCE(kleak_hooks[i].on);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_bulk_hooked);

/*
 * The kprobes' missed counts, without kleak_ctl_mutex: a hook taken out
 * meanwhile is counted or not, and its kprobes are static memory.
 */
static unsigned long __kleak_kprobes_missed(void)
{
	unsigned long n = 0;
	unsigned int j;
	int i;

	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		struct kleak_hook *h = &kleak_hooks[i];

		if (!READ_ONCE(h->on) || !kleak_hook_is_kprobe(h))
			continue;
		n += READ_ONCE(h->krp.kp.nmissed);
		if (kleak_hook_is_kept(h))
			n += READ_ONCE(h->krp.nmissed);
		for (j = 0; j < READ_ONCE(h->nr_rets); j++)
			n += READ_ONCE(h->rets[j].nmissed);
	}
	return n;
}

/**
 * kleak_kprobes_missed() - hits the kprobes missed
 *
 * A kprobe that fires while another kprobe's handler runs on its CPU, or a
 * kretprobe that runs out of instances, is missed by the kernel: an event
 * kleak never saw.
 * Return: the kernel's missed counts, summed over kleak's kprobes now in place.
 */
unsigned long kleak_kprobes_missed(void)
{
	unsigned long n;

	mutex_lock(&kleak_ctl_mutex);
	n = __kleak_kprobes_missed();
	mutex_unlock(&kleak_ctl_mutex);
	return n;
}

/**
 * kleak_hooks_show() - the names of the probes in place, on one line
 * @out: the target
 */
void kleak_hooks_show(struct kleak_out *out)
{
	int i;

	/* a kretprobe kept while idle is not shown */
	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		const struct kleak_hook *h = &kleak_hooks[i];

		if (READ_ONCE(h->on) && (!kleak_hook_is_kept(h) || kleak_kind_active(h->kind)))
			kleak_printf(out, " %s", h->name);
	}
	kleak_printf(out, "\n");
}

/*
 * The return-site probes of @h, whose entry kprobe is in place: one per
 * return instruction of its function (retsite.c).  A function that leaves
 * other than by a return cannot be probed so; its hook is left out, or
 * made its kretprobe (@krp_fallback).  kleak_ctl_mutex held.  Return: 0,
 * -EOPNOTSUPP (said why), or another errno.
 */
static int kleak_retsites_register(struct kleak_hook *h)
{
	unsigned long sites[KLEAK_RETSITES_MAX];
	int i, n, ret;

	n = kleak_retsites_find((unsigned long)h->krp.kp.addr, sites, ARRAY_SIZE(sites));
	if (n <= 0) {
		pr_warn("cannot probe the returns of %s (%d): the %s hook is %s\n",
			h->krp.kp.symbol_name, n, h->name,
			h->krp_fallback ? "a kretprobe instead" : "left out");
		return n == -ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	}
	/* a call table no probe uses: its stale slots are dropped */
	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i].nr_rets)
			break;
	if (i == KLEAK_NR_HOOKS)
		kleak_calls_reset();
	for (i = 0; i < n; i++) {
		/* filled afresh: registering keeps state in it */
		memset(&h->rets[i], 0, sizeof(h->rets[i]));
		h->rets[i].addr = (kprobe_opcode_t *)sites[i];
		h->rets[i].pre_handler = h->at_ret;
		h->rets[i].post_handler = kleak_kprobe_post_nop;
		ret = register_kprobe(&h->rets[i]);
		if (ret) {
			while (i-- > 0)
				unregister_kprobe(&h->rets[i]);
			return ret;
		}
	}
	h->nr_rets = n;
	return 0;
}

static void kleak_retsites_unregister(struct kleak_hook *h)
{
	unsigned int i;

	for (i = 0; i < h->nr_rets; i++)
		unregister_kprobe(&h->rets[i]);
	h->nr_rets = 0;
}

/*
 * Register a kprobe hook past its function's ftrace call (compat.h:
 * KLEAK_BULK_OFFSETS), on the first of its symbols the kernel has.
 * Return: 0; -ENOENT when the kernel has none of them; or another error.
 */
static int kleak_kprobe_register_as(struct kleak_hook *h, bool at_returns)
{
	static const unsigned int past_fentry[] = KLEAK_BULK_OFFSETS, entry[] = { 0 };
	/*
	 * An int3 handler runs in NMI context, where lockdep forbids
	 * rhashtable's bucket lock (a lock also taken in process context), so
	 * the rhashtable index keeps the kprobes at the entry, ftrace ones:
	 * with them, a stop that fails to disarm is the kernel's to WARN
	 * about.  A kretprobe is at the entry, always.
	 */
	bool krp = h->ret && !at_returns;
	bool at_entry = kleak_ix.use_rht || krp;
	const unsigned int *offsets = at_entry ? entry : past_fentry;
	size_t i, n = at_entry ? ARRAY_SIZE(entry) : ARRAY_SIZE(past_fentry);
	unsigned int s;
	int ret = -ENOENT;

	for (s = 0; h->syms[s] && ret == -ENOENT; s++) {
		ret = -EILSEQ;
		for (i = 0; i < n && ret == -EILSEQ; i++) {
			/* filled afresh: registering keeps state in it */
			memset(&h->krp, 0, sizeof(h->krp));
			h->krp.kp.symbol_name = h->syms[s];
			h->krp.kp.offset = offsets[i];
			if (krp) {
				h->krp.entry_handler = h->entry;
				h->krp.handler = h->ret;
				h->krp.data_size = h->data_size ?: sizeof(size_t);
				/* callers that sleep in between each hold one */
				h->krp.maxactive = max_t(int, 64, 4 * num_possible_cpus());
				ret = register_kretprobe(&h->krp);
			} else {
				h->krp.kp.pre_handler = h->pre;
				/* never optimized: see kleak_kprobe_post_nop() */
				h->krp.kp.post_handler = kleak_kprobe_post_nop;
				ret = register_kprobe(&h->krp.kp);
			}
		}
	}
	if (!ret && at_returns) {
		ret = kleak_retsites_register(h);
		if (ret)
			unregister_kprobe(&h->krp.kp);
	}
	return ret;
}

/*
 * Register a kprobe hook: its return-site probes where it has them
 * (kleak_hook_at_returns()), else its kretprobe or kprobe.  Return: 0;
 * -ENOENT when the kernel has none of its symbols, or its returns cannot
 * be probed and it has no kretprobe to fall back to; or another error.
 */
static int kleak_kprobe_register(struct kleak_hook *h)
{
	int ret;

	if (!kleak_hook_at_returns(h))
		return kleak_kprobe_register_as(h, false);
	ret = kleak_kprobe_register_as(h, true);
	if (ret == -EOPNOTSUPP)
		ret = h->krp_fallback ? kleak_kprobe_register_as(h, false) : -ENOENT;
	return ret;
}

static void kleak_hook_unregister(struct kleak_hook *h)
{
	if (!h->on)
		return;
	if (h->unreg)
		h->unreg();
	else if (h->tp_name)
		tracepoint_probe_unregister(h->tp, h->tp_probe, NULL);
	else if (kleak_hook_is_kept(h))
		unregister_kretprobe(&h->krp);
	else
		unregister_kprobe(&h->krp.kp);
	/* the entry first: no call is kept that no return would take */
	kleak_retsites_unregister(h);
	WRITE_ONCE(h->on, false);
}

/* Register one hook.  Return: 0, -ENOENT when the kernel lacks it, or an error. */
static int kleak_hook_register(struct kleak_hook *h)
{
	if (h->reg)
		return h->reg();
	if (h->tp_name)
		return h->tp ? tracepoint_probe_register(h->tp, h->tp_probe, NULL) : -ENOENT;
	return kleak_kprobe_register(h);
}

/*
 * Unregister the hooks in place of the kinds @kinds, last first, and wait;
 * the kretprobes too if @all (at unload, or a failed start), else they
 * are kept (kleak_hook_is_kept()).
 */
static void kleak_hooks_unregister(unsigned int kinds, bool all)
{
	int n = KLEAK_NR_HOOKS;

	while (n-- > 0)
		if ((kinds & BIT(kleak_hooks[n].kind)) &&
		    (all || !kleak_hook_is_kept(&kleak_hooks[n])))
			kleak_hook_unregister(&kleak_hooks[n]);
	tracepoint_synchronize_unregister();
}

/*
 * Register the hooks of the kinds @kinds that are not in place, in table
 * order (frees first).  On failure, those registered here are taken out
 * again.  kleak_ctl_mutex held.  Return: 0 or a negative errno.
 */
static int kleak_hooks_register(unsigned int kinds)
{
	bool mine[ARRAY_SIZE(kleak_hooks)] = {};
	struct kleak_hook *h;
	int i, ret = 0;

	for (i = 0; i < KLEAK_NR_HOOKS; i++) {
		h = &kleak_hooks[i];
		if (h->on || !(kinds & BIT(h->kind)))
			continue;
		ret = kleak_hook_register(h);
		if (ret == -ENOENT && h->optional) {
			if (!h->quiet)
				pr_warn("no %s in this kernel: the %s hook is left out\n",
					h->tp_name ?: h->syms[0], h->name);
			ret = 0;
			continue;
		}
		if (ret)
			break;
		WRITE_ONCE(h->on, true);
		mine[i] = true;
	}
	if (!ret)
		return 0;
	pr_warn_ratelimited("cannot register the %s hook (%d)\n", kleak_hooks[i].name, ret);
	while (i-- > 0)
		if (mine[i])
			kleak_hook_unregister(&kleak_hooks[i]);
	tracepoint_synchronize_unregister();
	return ret;
}

/*
 * Disarm the kprobes in place of the kinds @kinds, the one step of a
 * removal that can fail: if one cannot be, those already disarmed are
 * armed again, and nothing has changed.  A disabled kprobe unregisters
 * without disarming.  Return: 0 or a negative errno.
 */
static int kleak_kprobes_disarm(unsigned int kinds)
{
	struct kleak_hook *h;
	int i, ret = 0;

	for (i = KLEAK_NR_HOOKS - 1; i >= 0; i--) {
		h = &kleak_hooks[i];
		if (!h->on || !kleak_hook_is_kprobe(h) || kleak_hook_is_kept(h) ||
		    !(kinds & BIT(h->kind)))
			continue;
		ret = disable_kprobe(&h->krp.kp);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	pr_warn_ratelimited("cannot disarm the %s kprobe (%d); left in place\n",
			    kleak_hooks[i].name, ret);
	while (++i < KLEAK_NR_HOOKS) {
		h = &kleak_hooks[i];
		if (h->on && kleak_hook_is_kprobe(h) && !kleak_hook_is_kept(h) &&
		    (kinds & BIT(h->kind)))
			WARN_ON_ONCE(enable_kprobe(&h->krp.kp));
	}
	return ret;
}

static void kleak_purge(unsigned int kinds);

/**
 * kleak_start() - register the probes of the kinds tracked
 *
 * Process context.  On failure nothing is registered.
 * Return: 0 or a negative errno.
 */
int kleak_start(void)
{
	int ret = 0;

	mutex_lock(&kleak_ctl_mutex);
	if (kleak_is_running)
		goto out;
	/*
	 * Frees made while stopped were not seen: the records from before
	 * would show as leaks.  Tracking starts afresh (the stacks stay).
	 */
	if (kleak_stopped_with_records) {
		kleak_purge(KLEAK_KINDS_ALL);
		kleak_stopped_with_records = false;
	}
	ret = kleak_hooks_register(kleak_kinds_on);
	if (ret)
		goto out;
	WRITE_ONCE(kleak_kinds_active, kleak_kinds_on);
	WRITE_ONCE(kleak_is_running, true);
	WRITE_ONCE(kleak_all_hooked, true);
out:
	mutex_unlock(&kleak_ctl_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_start);

/**
 * kleak_stop() - unregister the probes and wait for running ones
 *
 * Process context.  A stopped kleak costs nothing on the slab and page
 * paths; its kretprobes (vmalloc, bulk allocations, krealloc) stay, idle.
 * Return: 0; or a negative errno, with kleak still running as before, when
 * a kprobe could not be disarmed.
 */
int kleak_stop(void)
{
	int ret = 0;

	mutex_lock(&kleak_ctl_mutex);
	if (!kleak_is_running)
		goto out;
	WRITE_ONCE(kleak_all_hooked, false);
	ret = kleak_kprobes_disarm(KLEAK_KINDS_ALL);
	if (ret) {
		WRITE_ONCE(kleak_all_hooked, true);
		goto out;
	}
	WRITE_ONCE(kleak_kinds_active, 0);
	kleak_hooks_unregister(KLEAK_KINDS_ALL, false);
	WRITE_ONCE(kleak_is_running, false);
	kleak_stopped_with_records = true;
out:
	mutex_unlock(&kleak_ctl_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stop);

/*
 * Pause the probes (@how: KLEAK_PAUSE_ALL, or KLEAK_PAUSE_ALLOCS): every
 * probe that may not have seen kleak_paused returns before this does.
 * kleak_ctl_mutex held.
 */
static void kleak_pause(u8 how)
{
	WRITE_ONCE(kleak_paused, how);
	/*
	 * Tracepoint probes, and the kprobe handlers, which run with
	 * preemption off.
	 */
	tracepoint_synchronize_unregister();
	synchronize_rcu();
}

static void kleak_unpause(void)
{
	/* release: the probes see the tables as left once they see this */
	smp_store_release(&kleak_paused, KLEAK_PAUSE_NONE);
}

/*
 * Forget the records of the kinds @kinds, whose hooks are gone: their
 * frees will not be seen any more.  kleak_ctl_mutex held; allocations are
 * paused and the records locked meanwhile.  Frees go on: one that takes a
 * record out first leaves the purge nothing to do for it (its index
 * remove finds another record, or none), and no record is handed out
 * again meanwhile.
 */
static void kleak_purge(unsigned int kinds)
{
	unsigned long flags;
	u32 i, idx;

	kleak_pause(KLEAK_PAUSE_ALLOCS);
	down_write(&kleak_records_rwsem);
	for (i = 1; i < kleak_nr_objects; i++) {
		struct kleak_obj *o = &kleak_pool[i];

		if (!(i & 4095))
			cond_resched();
		if (!(o->flags & KLEAK_OBJ_LIVE) || !(kinds & BIT(kleak_obj_kind(o))))
			continue;
		local_irq_save(flags);
		idx = kleak_index_remove(&kleak_ix, o->addr);
		if (idx == i) {
			arch_spin_lock(&kleak_free_lock);
			o->next = kleak_free_head;
			kleak_free_head = i;
			kleak_pool_out--;
			arch_spin_unlock(&kleak_free_lock);
			kleak_count(KC_LIVE_SUB);
		}
		local_irq_restore(flags);
	}
	up_write(&kleak_records_rwsem);
	kleak_unpause();
}

/**
 * kleak_kinds_get() - the kinds tracked
 *
 * Return: BIT(enum kleak_kind) of each.
 */
unsigned int kleak_kinds_get(void)
{
	return READ_ONCE(kleak_kinds_on);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_kinds_get);

/**
 * kleak_kinds_set() - track these kinds from now on
 * @mask: BIT(enum kleak_kind) of each
 *
 * Process context.  While running, the hooks of the kinds turned on are
 * registered (frees first), and those of the kinds turned off removed,
 * with their records: their frees would not be seen.  A failure changes
 * nothing.  Return: 0 or a negative errno.
 */
int kleak_kinds_set(unsigned int mask)
{
	unsigned int on, off;
	int ret = 0;

	mask &= KLEAK_KINDS_ALL;
	mutex_lock(&kleak_ctl_mutex);
	off = kleak_kinds_on & ~mask;
	if (!kleak_tracker_ready || !kleak_is_running) {
		if (kleak_tracker_ready && off)
			kleak_purge(off);
		WRITE_ONCE(kleak_kinds_on, mask);
		goto out;
	}
	/* the kinds turned on had no hook in place: all of theirs are new */
	on = mask & ~kleak_kinds_on;
	ret = kleak_hooks_register(on);
	if (ret)
		goto out;
	ret = kleak_kprobes_disarm(off);
	if (ret) {
		kleak_hooks_unregister(on, false);
		goto out;
	}
	/* before the purge: the kretprobes of the kinds turned off go idle */
	WRITE_ONCE(kleak_kinds_active, mask);
	kleak_hooks_unregister(off, false);
	if (off)
		kleak_purge(off);
	WRITE_ONCE(kleak_kinds_on, mask);
out:
	mutex_unlock(&kleak_ctl_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_kinds_set);

/**
 * kleak_clear() - forget every tracked object and stack
 *
 * Process context.  The probes stay registered but are paused while the
 * tables are reset in place: nothing is allocated, registered or
 * unregistered, so clear cannot fail half way.
 * Return: 0.
 */
int kleak_clear(void)
{
	mutex_lock(&kleak_ctl_mutex);
	kleak_pause(KLEAK_PAUSE_ALL);
	/* stacks saved at a kretprobe's entry before now are gone */
	WRITE_ONCE(kleak_clear_gen, kleak_clear_gen + 1);
	down_write(&kleak_records_rwsem);
	kleak_index_reset(&kleak_ix);
	kleak_pool_reset();
	kleak_stacks_reset();
	up_write(&kleak_records_rwsem);
	kleak_unpause();
	mutex_unlock(&kleak_ctl_mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_clear);

/* ---- readers ----------------------------------------------------------- */

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

/* ---- init and exit ----------------------------------------------------- */

static void kleak_tp_find(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < KLEAK_NR_HOOKS; i++)
		if (kleak_hooks[i].tp_name && !strcmp(tp->name, kleak_hooks[i].tp_name))
			kleak_hooks[i].tp = tp;
}

/*
 * What the hooks of the other kinds need from the kernel: the tracepoints
 * that are not exported, and the allocators' functions.  Return: 0 or
 * -ENOMEM.
 */
static int kleak_kinds_init(void)
{
	static const char *const page_alloc[] = { KLEAK_PAGE_ALLOC_FNS, NULL };
	static const char *const page_owner[] = { KLEAK_PAGE_OWNER_FNS, NULL };
	static const char *const pcpu_alloc[] = { KLEAK_PERCPU_ALLOC_FNS, NULL };
	static const char *const irq_dispatch[] = { KLEAK_IRQ_DISPATCH_FNS, NULL };
	static const char *const slab_api[] = { KLEAK_SLAB_API_FNS, NULL };
	static const char *const vmalloc_fns[] = {
		KLEAK_VMALLOC_SYMS, KLEAK_VMALLOC_NODE_SYMS, KLEAK_VMALLOC_AREA_SYMS, NULL
	};
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(page_alloc) > KLEAK_RANGES_MAX + 1);
	BUILD_BUG_ON(ARRAY_SIZE(page_owner) > KLEAK_RANGES_MAX + 1);
	for_each_kernel_tracepoint(kleak_tp_find, NULL);
	ret = kleak_ranges_resolve(&kleak_page_alloc_fns, page_alloc);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_page_owner_fns, page_owner);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_pcpu_alloc_fns, pcpu_alloc);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_vmalloc_fns, vmalloc_fns);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_irq_dispatch_fns, irq_dispatch);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_slab_api_fns, slab_api);
	return ret;
}

/**
 * kleak_tracker_init() - allocate every table, probes not registered
 * @cfg: the sizes, already checked
 * @filter: the first filter
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
int kleak_tracker_init(const struct kleak_tracker_config *cfg,
		       const struct kleak_filter *filter)
{
	int ret;

	kleak_nr_objects = cfg->max_objects;
	kleak_depth = cfg->depth;
	ret = kleak_kinds_init();
	if (ret)
		return ret;
	kleak_pcpu = alloc_percpu(struct kleak_pcpu);
	if (!kleak_pcpu)
		return -ENOMEM;
	kleak_pool = vmalloc(array_size(cfg->max_objects, sizeof(*kleak_pool)));
	if (!kleak_pool) {
		ret = -ENOMEM;
		goto err_free_pcpu;
	}
	ret = kleak_stacks_init(cfg->max_stacks, cfg->depth);
	if (ret)
		goto err_free_pool;
	ret = kleak_names_init();
	if (ret)
		goto err_free_stacks;
	kleak_pool_reset();
	ret = kleak_index_init(&kleak_ix, kleak_pool, cfg->max_objects, cfg->use_rht);
	if (ret)
		goto err_free_names;
	ret = kleak_stacks_watch_modules();
	if (ret)
		goto err_destroy_index;
	ret = kleak_hook_register(&kleak_destroy_hook);
	if (ret) {
		pr_warn("cannot register the %s kprobe (%d)\n", kleak_destroy_hook.name, ret);
		goto err_unwatch;
	}
	WRITE_ONCE(kleak_destroy_hook.on, true);
	kleak_filter_publish(filter);
	mutex_lock(&kleak_ctl_mutex);
	kleak_tracker_ready = true;
	mutex_unlock(&kleak_ctl_mutex);
	return 0;

err_unwatch:
	kleak_stacks_unwatch_modules();
err_destroy_index:
	kleak_index_destroy(&kleak_ix);
err_free_names:
	kleak_names_exit();
err_free_stacks:
	kleak_stacks_exit();
err_free_pool:
	vfree(kleak_pool);
err_free_pcpu:
	free_percpu(kleak_pcpu);
	return ret;
}

/**
 * kleak_stop_final() - stop the probes for good, at unload
 *
 * A stop that fails (the kprobe could not be disarmed, for want of memory)
 * is tried again: the probes must be gone before the module text is.
 */
void kleak_stop_final(void)
{
	while (kleak_stop()) {
		pr_warn_once("unload: waiting for memory to disarm the kprobe\n");
		msleep(100);
	}
	/* and the kretprobes, kept until now, and the cache destroy's kprobe */
	mutex_lock(&kleak_ctl_mutex);
	kleak_hooks_unregister(KLEAK_KINDS_ALL, true);
	kleak_hook_unregister(&kleak_destroy_hook);
	mutex_unlock(&kleak_ctl_mutex);
}

/** kleak_tracker_exit() - stop the probes for good and free every table */
void kleak_tracker_exit(void)
{
	kleak_stop_final();
	mutex_lock(&kleak_ctl_mutex);
	kleak_tracker_ready = false;
	mutex_unlock(&kleak_ctl_mutex);
	kleak_stacks_unwatch_modules();
	kleak_index_destroy(&kleak_ix);
	kleak_names_exit();
	kleak_stacks_exit();
	vfree(kleak_pool);
	free_percpu(kleak_pcpu);
}
