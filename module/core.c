// SPDX-License-Identifier: GPL-2.0
/*
 * kleak - a live kernel memory-leak hunter.
 *
 * kleak hooks the kmalloc, kfree, kmem_cache_alloc and kmem_cache_free
 * tracepoints (plus a kprobe on kmem_cache_free_bulk, which kfree_bulk() and
 * the batched kfree_rcu() path use and which fires no event), and keeps
 * every live object with its size, cache, stack, task, CPU and age.  The
 * objects that are never freed are shown, grouped by stack, in
 * /sys/kernel/debug/kleak/.
 *
 * Files: core.c (this: state, probes, load and unload), index.c (the
 * address index), stacks.c (stacks, comms, caches, module names),
 * control.c (filters and commands), report.c (the formatter and debugfs).
 *
 * Memory
 * ------
 * Everything kleak uses is allocated at load, before the probes are
 * registered: the record pool (max_objects records of 56 bytes), the index,
 * the stack table (max_stacks entries), the comm and cache tables, and the
 * arena for the names of unloaded modules.  The probes never allocate, so
 * they never recurse into the allocator and kleak's own memory is never
 * tracked.  When a table is full the event is dropped and counted.
 *
 * Locking
 * -------
 * The probes run in any context: process, softirq, hard IRQ, with IRQs off
 * under slab or driver locks, and on every CPU at once.  So:
 *
 * - A probe runs with IRQs off from start to end (local_irq_save) and marks
 *   its CPU busy.  Only an NMI could nest, or a probe that recursed through
 *   something it called; both are counted as recursion and skipped.
 *
 * - A probe takes one lock at a time, never two, and holds it for a few
 *   loads and stores:
 *     the bucket lock of the portable index (bit 31 of the bucket head,
 *     see kleak.h), or an address stripe lock plus rhashtable's own
 *     bucket lock inside it (index=rhashtable);
 *     kleak.stack_lock (only to add a new stack);
 *     kleak_free_lock (only to move a batch of free records).
 *   None of them is ever taken by the allocator, so a probe cannot deadlock
 *   against the allocation path that fired it.
 *
 * - The stack table is read-only to the probes once an entry is published:
 *   no per-stack lock, list or shared counter on the hot path.  Readers
 *   count what each stack has live from the records (report.c), and its
 *   allocations from per-CPU rows.
 *
 * - A record is filled while it belongs to one CPU (out of the pool, not
 *   yet indexed), and KLEAK_OBJ_LIVE is set and cleared only under the
 *   lock of its address.  A reader that holds that lock and sees a record
 *   LIVE under the address it locked may read the record and the object's
 *   memory: the free probe of that object waits on the same lock, and the
 *   slab frees the object only after the probe returns
 *   (kleak_index_peek()).
 *
 * - The probes' fast path is inlined (kleak_track_alloc(), the index and
 *   the pool), so a tracked pair makes no call; the spinlocks it used to
 *   take were two calls and an atomic each.  Out-of-line code runs only on
 *   a miss of the per-CPU caches, for a new stack, for the stack walk
 *   (stack_depth > 0), or with a filter set.  The probes take no local's
 *   address, so they have no stack canary, and count into a static
 *   per-CPU array, one instruction an event.
 *
 * - The rhashtable's bucket lock is local_bh_disable() plus a bit spinlock
 *   before 6.7: illegal in hard IRQ, and local_bh_enable() with IRQs off
 *   may run softirqs.  From 6.7 on it is IRQ-safe, but rhashtable still
 *   grows itself, with an allocation from the insert path when a table is
 *   full.  So kleak's default index is its own portable one (index.c),
 *   which never allocates and is correct in any context on every kernel;
 *   rhashtable is an option on 6.7+, grown to size at load.
 *
 * - Readers (debugfs) hold kleak_rwsem for reading while they walk the
 *   tables; `clear` holds it for writing, with the probes unregistered,
 *   while it resets them.  start, stop and clear are serialized by
 *   kleak_ctl_mutex.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/hardirq.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>

#include "kleak.h"

struct kleak_state kleak;
EXPORT_SYMBOL_IF_KUNIT(kleak);

/* ---- parameters -------------------------------------------------------- */

static unsigned int max_objects = 262144;
module_param(max_objects, uint, 0444);
MODULE_PARM_DESC(max_objects, "Most objects tracked at once; more are dropped and counted (default 262144, 56 bytes each)");

static unsigned int max_stacks = 16384;
module_param(max_stacks, uint, 0444);
MODULE_PARM_DESC(max_stacks, "Most distinct stacks kept (default 16384)");

static unsigned int stack_depth = 16;
module_param(stack_depth, uint, 0444);
MODULE_PARM_DESC(stack_depth, "Frames saved per stack, allocator frames skipped; 0 keeps the call site only (default 16, at most 64)");

unsigned int kleak_sample_bytes = 64;
module_param_named(sample_bytes, kleak_sample_bytes, uint, 0644);
MODULE_PARM_DESC(sample_bytes, "Bytes of each exemplar object hex-dumped in the stacks view (default 64)");

/* One allocation in kleak_sample is tracked (1: all); read by the probes. */
static unsigned int kleak_sample = 1;

static int kleak_sample_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < 1 || n > KLEAK_SAMPLE_MAX) {
		pr_warn("sample=%s: want 1 (track every allocation) to %u\n", val,
			KLEAK_SAMPLE_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(kleak_sample, n);
	return 0;
}

static const struct kernel_param_ops kleak_sample_ops = {
	.set = kleak_sample_set,
	.get = param_get_uint,
};
module_param_cb(sample, &kleak_sample_ops, &kleak_sample, 0644);
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

static bool enabled = true;
module_param(enabled, bool, 0444);
MODULE_PARM_DESC(enabled, "Start tracking at load (default 1); else write 'start' to control");

static char *index_kind = "auto";
module_param_named(index, index_kind, charp, 0444);
MODULE_PARM_DESC(index, "Address index: portable (default; auto means portable) or rhashtable (6.7+ only)");

/* Serializes start, stop, clear and filter updates. */
DEFINE_MUTEX(kleak_ctl_mutex);
/* Readers of the tables (shared) against clear (exclusive). */
DECLARE_RWSEM(kleak_rwsem);

/* ---- per-CPU state and the record pool --------------------------------- */

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
	/* this CPU's row of kleak.stack_allocs: set by kleak_start() */
	u64 *stack_allocs;
	/* frames, with one slot in front for kleak_stack_from() */
	unsigned long scratch[KLEAK_MAX_DEPTH + KLEAK_SKIP_MAX + 1];
};

static struct kleak_pcpu __percpu *kleak_pcpu;
DEFINE_PER_CPU(u64 [KC_NR], kleak_counters);
static DEFINE_RAW_SPINLOCK(kleak_free_lock);
static u32 kleak_free_head;

/* Reset the pool: every record free.  Probes off. */
static void kleak_pool_reset(void)
{
	u32 i;
	int cpu;

	memset(kleak.pool, 0, (size_t)kleak.max_objects * sizeof(*kleak.pool));
	for (i = 1; i < kleak.max_objects - 1; i++)
		kleak.pool[i].next = i + 1;
	kleak_free_head = kleak.max_objects > 1 ? 1 : KLEAK_NONE;
	for_each_possible_cpu(cpu) {
		struct kleak_pcpu *pc = per_cpu_ptr(kleak_pcpu, cpu);

		memset(pc, 0, offsetof(struct kleak_pcpu, scratch));
		pc->rnd = get_random_u32();
		per_cpu(kleak_counters, cpu)[KC_LIVE_ADD] = 0;
		per_cpu(kleak_counters, cpu)[KC_LIVE_SUB] = 0;
	}
	kleak.pool_out = 0;
	kleak.peak = 0;
}

/* IRQs off.  Return: a free record, or KLEAK_NONE. */
static __always_inline u32 kleak_pool_get(struct kleak_pcpu *pc)
{
	if (unlikely(!pc->n)) {
		raw_spin_lock(&kleak_free_lock);
		while (pc->n < KLEAK_MAG / 2 && kleak_free_head != KLEAK_NONE) {
			pc->mag[pc->n++] = kleak_free_head;
			kleak_free_head = kleak.pool[kleak_free_head].next;
			kleak.pool_out++;
		}
		/* live plus cached in magazines: the peak of live, within ncpus * 32 */
		if (kleak.pool_out > kleak.peak)
			WRITE_ONCE(kleak.peak, kleak.pool_out);
		raw_spin_unlock(&kleak_free_lock);
		if (!pc->n)
			return KLEAK_NONE;
	}
	return pc->mag[--pc->n];
}

/* IRQs off. */
static __always_inline void kleak_pool_put(struct kleak_pcpu *pc, u32 idx)
{
	if (unlikely(pc->n == KLEAK_MAG)) {
		raw_spin_lock(&kleak_free_lock);
		while (pc->n > KLEAK_MAG / 2) {
			u32 i = pc->mag[--pc->n];

			kleak.pool[i].next = kleak_free_head;
			kleak_free_head = i;
			kleak.pool_out--;
		}
		raw_spin_unlock(&kleak_free_lock);
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

/**
 * kleak_age_ns() - age of a record
 * @o: the record
 *
 * Return: nanoseconds since it was allocated.
 */
u64 kleak_age_ns(const struct kleak_obj *o)
{
	return kleak_age_at(kleak_clock(), o->ts);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_age_ns);

/**
 * kleak_memory_bytes() - memory kleak allocated for its tables
 *
 * Return: bytes.
 */
size_t kleak_memory_bytes(void)
{
	return (size_t)kleak.max_objects * sizeof(struct kleak_obj) +
		kleak_index_bytes(&kleak.index) + kleak_stacks_bytes() +
		num_possible_cpus() * (sizeof(struct kleak_pcpu) + KC_NR * sizeof(u64));
}

/* ---- probes ------------------------------------------------------------ */

/* End a record that is out of the index: back to the pool.  IRQs off. */
static __always_inline void kleak_release(struct kleak_pcpu *pc, u32 idx)
{
	kleak_count(KC_LIVE_SUB);
	kleak_pool_put(pc, idx);
}

/* The cache entry of an allocation, through the per-CPU last-seen cache. */
static __always_inline const struct kleak_cache_info *
kleak_alloc_cache(struct kleak_pcpu *pc, const struct kmem_cache *s, size_t req,
		  size_t bytes_alloc)
{
	/*
	 * One compare: a cache by its address, kmalloc by bytes_alloc, which
	 * maps to one size class (a size is never a kernel address).  0, the
	 * key after a reset or a failed lookup, matches nothing.
	 */
	unsigned long key = s ? (unsigned long)s : bytes_alloc;

	if (unlikely(pc->cache_key != key)) {
		/*
		 * bytes_alloc is the cache's slot size, which debug options
		 * (KASAN, red zones) inflate; the size class is what slabinfo
		 * names.
		 */
		size_t size = s ? 0 : req ? kmalloc_size_roundup(req) : bytes_alloc;
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

/* Out of the fast path: a filter is set. */
static noinline bool kleak_alloc_filtered(const struct kleak_filter *f,
					  const struct kleak_cache_info *ci, u16 cache)
{
	return !kleak_filter_track(f, ci->size, task_pid_nr(current), current->comm) ||
	       !kleak_cache_match(f, cache);
}

/*
 * Out of the fast path: the stack of an allocation, stack_depth > 0.  The
 * walk's cost dwarfs a call, and keeping its state out of the probe keeps
 * the probe's frame small.  The walk starts here, one frame inside the
 * probe: kleak_unwind() finds the call site wherever it is.
 */
static noinline u32 kleak_alloc_stack(struct kleak_pcpu *pc, unsigned long call_site)
{
	unsigned int n, site;

	n = kleak_unwind(call_site, pc->scratch + 1, kleak.depth,
			 kleak.depth + KLEAK_SKIP_MAX, &site);
	return kleak_stack_from(call_site, pc->scratch + 1, n, site);
}

static __always_inline void kleak_track_alloc(unsigned long call_site, const void *ptr,
					      size_t req, size_t bytes_alloc,
					      const struct kmem_cache *s, gfp_t gfp)
{
	const struct kleak_cache_info *ci;
	const struct kleak_filter *f;
	struct kleak_pcpu *pc;
	struct kleak_obj *o;
	unsigned long flags;
	u32 idx, old, sidx, rate;
	u64 comm0, comm1;
	u16 cache;

	if (unlikely(ZERO_OR_NULL_PTR(ptr))) {
		kleak_count(KC_FAILED_ALLOC);
		return;
	}
	rate = READ_ONCE(kleak_sample);
	if (unlikely(rate > 1) && !kleak_sampled(rate)) {
		kleak_count(KC_SAMPLED_OUT);
		return;
	}
	local_irq_save(flags);
	pc = this_cpu_ptr(kleak_pcpu);
	if (unlikely(pc->busy)) {
		kleak_count(KC_DROP_RECURSION);
		WRITE_ONCE(kleak.recursion_site, call_site);
		goto out;
	}
	pc->busy = 1;

	ci = kleak_alloc_cache(pc, s, req, bytes_alloc);
	cache = pc->cache_id;
	if (unlikely(!ci)) {
		kleak_count(KC_DROP_TABLE_FULL);
		goto done;
	}
	f = rcu_dereference_sched(kleak.filter);
	if (unlikely(f->at_alloc) && kleak_alloc_filtered(f, ci, cache)) {
		kleak_count(KC_FILTERED);
		goto done;
	}
	idx = kleak_pool_get(pc);
	if (unlikely(!idx)) {
		kleak_count(KC_DROP_TABLE_FULL);
		goto done;
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
	o = &kleak.pool[idx];
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
		   (in_serving_softirq() ? KLEAK_OBJ_SOFTIRQ : 0);

	if (kleak.depth) {
		sidx = kleak_alloc_stack(pc, call_site);
	} else if (likely(pc->site == call_site && pc->site_stack)) {
		sidx = pc->site_stack;
	} else {
		/* not &call_site: that would put it on the stack, with a canary */
		pc->scratch[0] = call_site;
		sidx = kleak_stack_intern(pc->scratch, 1);
		if (sidx != KLEAK_STACK_OVERFLOW) {
			pc->site = call_site;
			pc->site_stack = sidx;
		}
	}
	o->stack = sidx;

	old = kleak_index_insert_fast(&kleak.index, idx);
	if (unlikely(old == idx)) {
		kleak_pool_put(pc, idx);
		kleak_count(KC_DROP_TABLE_FULL);
		goto done;
	}
	pc->stack_allocs[sidx]++;
	kleak_count(KC_LIVE_ADD);
	kleak_count(KC_TRACKED_ALLOCS);
	if (unlikely(old != KLEAK_NONE)) {
		/* same address again while tracked: its free was missed */
		kleak_release(pc, old);
		kleak_count(KC_MISSED_FREE);
	}
done:
	pc->busy = 0;
out:
	local_irq_restore(flags);
}

static __always_inline void kleak_track_free(unsigned long call_site, const void *ptr)
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
	if (unlikely(pc->busy)) {
		kleak_count(KC_DROP_RECURSION);
		WRITE_ONCE(kleak.recursion_site, call_site);
		goto out;
	}
	pc->busy = 1;
	idx = kleak_index_remove_fast(&kleak.index, (unsigned long)ptr);
	if (idx == KLEAK_NONE) {
		kleak_count(KC_UNKNOWN_FREE);
	} else {
		kleak_release(pc, idx);
		kleak_count(KC_TRACKED_FREES);
	}
	pc->busy = 0;
out:
	local_irq_restore(flags);
}

static notrace void kleak_probe_kmalloc(KLEAK_TP_KMALLOC_ARGS)
{
	kleak_count(KC_EV_KMALLOC);
	kleak_track_alloc(call_site, ptr, bytes_req, bytes_alloc, NULL, gfp);
}

static notrace void kleak_probe_kmem_cache_alloc(KLEAK_TP_KMEM_CACHE_ALLOC_ARGS)
{
	kleak_count(KC_EV_CACHE_ALLOC);
	kleak_track_alloc(call_site, ptr, 0, 0, s, gfp);
}

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

/* Filled afresh by kleak_start(): register_kprobe() keeps state in it. */
static struct kprobe kleak_bulk_kp;

/* The compiler checks each probe against the kernel's tracepoint. */
static void __maybe_unused kleak_check_probes(void)
{
	check_trace_callback_type_kmalloc(kleak_probe_kmalloc);
	check_trace_callback_type_kmem_cache_alloc(kleak_probe_kmem_cache_alloc);
	check_trace_callback_type_kfree(kleak_probe_kfree);
	check_trace_callback_type_kmem_cache_free(kleak_probe_kmem_cache_free);
}

static void kleak_unregister_probes(void)
{
	unregister_trace_kmem_cache_free(kleak_probe_kmem_cache_free, NULL);
	unregister_trace_kfree(kleak_probe_kfree, NULL);
	unregister_trace_kmem_cache_alloc(kleak_probe_kmem_cache_alloc, NULL);
	unregister_trace_kmalloc(kleak_probe_kmalloc, NULL);
	if (kleak.bulk_hooked)
		unregister_kprobe(&kleak_bulk_kp);
	kleak.bulk_hooked = false;
	/* wait for every probe that is still running */
	tracepoint_synchronize_unregister();
}

/**
 * kleak_start() - register the probes
 *
 * Process context.  Return: 0 or a negative errno.
 */
int kleak_start(void)
{
	int ret = 0;

	int cpu;

	mutex_lock(&kleak_ctl_mutex);
	if (kleak.running)
		goto out;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(kleak_pcpu, cpu)->stack_allocs = kleak_stack_allocs_row(cpu);
	/* frees first, so no object is tracked whose free is not seen */
	ret = register_trace_kmem_cache_free(kleak_probe_kmem_cache_free, NULL);
	if (ret)
		goto out;
	ret = register_trace_kfree(kleak_probe_kfree, NULL);
	if (ret)
		goto err_kfree;
	ret = register_trace_kmem_cache_alloc(kleak_probe_kmem_cache_alloc, NULL);
	if (ret)
		goto err_cache_alloc;
	ret = register_trace_kmalloc(kleak_probe_kmalloc, NULL);
	if (ret)
		goto err_kmalloc;
	memset(&kleak_bulk_kp, 0, sizeof(kleak_bulk_kp));
	kleak_bulk_kp.symbol_name = KLEAK_BULK_FREE_SYM;
	kleak_bulk_kp.pre_handler = kleak_bulk_pre;
	kleak.bulk_hooked = !register_kprobe(&kleak_bulk_kp);
	if (!kleak.bulk_hooked)
		pr_warn("cannot kprobe %s: kfree_bulk() and kfree_rcu() frees will be missed\n",
			KLEAK_BULK_FREE_SYM);
	kleak.running = true;
	goto out;

err_kmalloc:
	unregister_trace_kmem_cache_alloc(kleak_probe_kmem_cache_alloc, NULL);
err_cache_alloc:
	unregister_trace_kfree(kleak_probe_kfree, NULL);
err_kfree:
	unregister_trace_kmem_cache_free(kleak_probe_kmem_cache_free, NULL);
	tracepoint_synchronize_unregister();
out:
	mutex_unlock(&kleak_ctl_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_start);

/**
 * kleak_stop() - unregister the probes and wait for running ones
 *
 * Process context.  A stopped kleak costs nothing on the allocation path.
 */
void kleak_stop(void)
{
	mutex_lock(&kleak_ctl_mutex);
	if (kleak.running)
		kleak_unregister_probes();
	kleak.running = false;
	mutex_unlock(&kleak_ctl_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stop);

static int kleak_index_setup(void)
{
	bool rht = !strcmp(index_kind, "rhashtable");

	if (!rht && strcmp(index_kind, "auto") && strcmp(index_kind, "portable"))
		return -EINVAL;
	if (rht && !KLEAK_HAVE_IRQSAFE_RHT)
		return -EOPNOTSUPP;
	return kleak_index_init(&kleak.index, kleak.pool, kleak.max_objects, rht);
}

/**
 * kleak_clear() - forget every tracked object and stack
 *
 * Process context.  The probes are stopped meanwhile and restarted if they
 * were running.  Return: 0 or a negative errno.
 */
int kleak_clear(void)
{
	bool was_running;
	int ret = 0;

	mutex_lock(&kleak_ctl_mutex);
	was_running = kleak.running;
	if (was_running)
		kleak_unregister_probes();
	kleak.running = false;
	down_write(&kleak_rwsem);
	kleak_index_destroy(&kleak.index);
	kleak_pool_reset();
	kleak_stacks_reset();
	ret = kleak_index_setup();
	up_write(&kleak_rwsem);
	mutex_unlock(&kleak_ctl_mutex);
	if (!ret && was_running)
		ret = kleak_start();
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_clear);

/**
 * kleak_lookup() - copy the record of a tracked object
 * @addr: the object's address
 * @copy: where to copy the record
 *
 * Return: true when @addr is tracked.
 */
bool kleak_lookup(unsigned long addr, struct kleak_obj *copy)
{
	return kleak_index_read(&kleak.index, addr, copy, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_lookup);

/* ---- load and unload --------------------------------------------------- */

static int __init kleak_init(void)
{
	int ret;

	if (max_objects < 16 || max_objects > (1U << 28)) {
		pr_warn("max_objects=%u is out of range (16..268435456)\n", max_objects);
		return -EINVAL;
	}
	if (max_stacks < 16 || max_stacks > (1U << 24)) {
		pr_warn("max_stacks=%u is out of range (16..16777216)\n", max_stacks);
		return -EINVAL;
	}
	if (stack_depth > KLEAK_MAX_DEPTH) {
		pr_warn("stack_depth=%u is out of range (0..%d)\n", stack_depth, KLEAK_MAX_DEPTH);
		return -EINVAL;
	}
	kleak.max_objects = max_objects;

	kleak_pcpu = alloc_percpu(struct kleak_pcpu);
	if (!kleak_pcpu)
		return -ENOMEM;
	kleak.pool = vmalloc(array_size(max_objects, sizeof(*kleak.pool)));
	if (!kleak.pool) {
		ret = -ENOMEM;
		goto err_free_pcpu;
	}
	kleak_pool_reset();
	ret = kleak_index_setup();
	if (ret) {
		pr_warn("index=%s: %s\n", index_kind,
			ret == -EOPNOTSUPP ? "rhashtable is not IRQ-safe before 6.7" :
			ret == -EINVAL ? "want auto, rhashtable or portable" : "no memory");
		if (ret == -EOPNOTSUPP)
			ret = -EINVAL;
		goto err_free_pool;
	}
	ret = kleak_stacks_init(max_stacks, stack_depth);
	if (ret)
		goto err_destroy_index;
	kleak_cache_name_init();
	ret = kleak_params_apply();
	if (ret)
		goto err_free_stacks;
	ret = kleak_modules_init();
	if (ret)
		goto err_free_stacks;
	ret = kleak_debugfs_init();
	if (ret)
		goto err_unwatch_modules;
	if (enabled) {
		ret = kleak_start();
		if (ret)
			goto err_remove_debugfs;
	}
	pr_info("tracking %s: up to %u objects, %u stacks of %u frames, %s index, %zu KiB\n",
		enabled ? "started" : "ready (write 'start' to control)",
		max_objects, max_stacks, stack_depth,
		kleak.index.use_rht ? "rhashtable" : "portable",
		kleak_memory_bytes() >> 10);
	return 0;

err_remove_debugfs:
	kleak_debugfs_exit();
err_unwatch_modules:
	kleak_modules_exit();
err_free_stacks:
	kleak_stacks_exit();
err_destroy_index:
	kleak_index_destroy(&kleak.index);
err_free_pool:
	vfree(kleak.pool);
err_free_pcpu:
	free_percpu(kleak_pcpu);
	return ret;
}

static void __exit kleak_exit(void)
{
	struct kleak_out out = {};

	kleak_stop();
	/* no reader: an open debugfs file would hold a module reference */
	kleak_summary(&out, 10);
	kleak_debugfs_exit();
	kleak_modules_exit();
	kleak_stacks_exit();
	kleak_index_destroy(&kleak.index);
	vfree(kleak.pool);
	free_percpu(kleak_pcpu);
}

module_init(kleak_init);
module_exit(kleak_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kleak developers");
MODULE_DESCRIPTION("Live kernel memory-leak hunter: tracks unfreed slab objects with their stacks");
