/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the tracker's shared state, for its files only (the model is
 * mm/kfence/kfence.h): each field says which lock or context guards it.
 * The rest of kleak goes through tracker.h.
 *
 * The tracker's files, each one execution context:
 *
 *   fastpath.h    the inline fast path: a record in, a record out (probe)
 *   fastpath.c    its out-of-line parts: stack walks, filters (probe)
 *   probes_slab.c the slab's tracepoint probes and kprobes, and their
 *                 hooks (probe)
 *   probes_kinds.c the page, vmalloc and percpu probes and hooks (probe)
 *   hooks.h/.c    the hooks' order; registration (process, kleak_ctl_mutex)
 *   tracker.c     params, start, stop, pause, purge, kinds, clear, init
 *                 and exit (process)
 *   access.c      readers' access to records, and the figures of stats
 *                 (process; __kleak_lookup() any)
 *
 * "Probe" context is any context: process, softirq, hard IRQ, int3 (NMI
 * to lockdep) for a kprobe's handler, with IRQs off under slab or driver
 * locks, on every CPU at once.  Probe code never sleeps, never allocates,
 * and takes only the spinning leaf locks below.
 *
 * kleak hooks the kmalloc, kfree, kmem_cache_alloc and kmem_cache_free
 * tracepoints (and the _node events before 6.1), plus kprobes where the
 * allocator fires no event: kmem_cache_free_bulk() (kfree_bulk()),
 * kvfree_call_rcu() (kfree_rcu(), whose call is taken as the free),
 * kmalloc_nolock()/kfree_nolock() where the kernel has them, and
 * krealloc().  Where a value is needed at a function's return, there are
 * probes on its entry and on its return instructions (retsite.c), not a
 * kretprobe, whose trampoline other tracers would see:
 * kmem_cache_alloc_bulk(), kmalloc_nolock() and the vmalloc entry points;
 * kretprobes only with index=rhashtable, or where the returns cannot be
 * probed.  Those are the slab kind; the other kinds are pages (the
 * mm_page_alloc/mm_page_free tracepoints, found by name), vmalloc (its
 * entry points, a kprobe on its free) and percpu (its tracepoints, found
 * by name).  All in one table, kleak_hooks[] (hooks.c), each hook with
 * its kind.  Every live object is kept with its kind, size, cache, stack,
 * task, CPU and age, in one pool and index: the keys of the kinds never
 * meet.
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
 * Locks
 * -----
 * The nesting order, outer first (an arrow: taken under):
 *
 *   kleak_control_mutex -> kleak_ctl_mutex -> kleak_records_rwsem ->
 *       kleak_frozen_mutex
 *   kernel_param_lock -> kleak_ctl_mutex
 *   kleak_summary_mutex -> kleak_records_rwsem (read) -> a bucket lock
 *   the module notifier chain -> kleak_frozen_mutex
 *
 * (kernel_param_lock is the kernel's: a write to the kinds parameter's
 * file holds it while kleak's setter runs and takes kleak_ctl_mutex.)
 *
 *   kleak_control_mutex (control.c): one control command at a time, so
 *       that its read-modify-write of the filter is not interleaved.
 *   kleak_ctl_mutex (tracker.c): the state of the lifecycle (below) and
 *       the hooks' registration (hooks.c).
 *   kleak_records_rwsem (tracker.c): the contents of the pool, the index
 *       and the stack table as readers see them.  Readers (reports,
 *       object, lookup) hold it shared while they walk records or read
 *       objects; clear and purge hold it exclusive, with the probes paused.
 *   kleak_frozen_mutex (stack.c): the names of gone modules' frames;
 *       taken by the module notifier, and by a stack reset under the
 *       rwsem.
 *   kleak_summary_mutex (report.c): the summary's own report context.  It
 *       takes kleak_records_rwsem under it; never taken with
 *       kleak_ctl_mutex or kleak_control_mutex held.
 *
 * Under kleak_ctl_mutex, kleak takes these kernel locks and waits for
 * these grace periods:
 *   - registering and unregistering a kprobe or kretprobe, arming and
 *     disarming one (register_kprobe(), disable_kprobe()...): kprobe_mutex,
 *     text_mutex, cpus_read_lock() and jump_label_lock(); an unregister
 *     waits for synchronize_rcu();
 *   - a tracepoint probe (tracepoint_probe_register(), register_trace_*()):
 *     tracepoints_mutex; tracepoint_synchronize_unregister() waits for
 *     the tracepoints' grace periods (RCU, and SRCU or RCU tasks trace,
 *     by kernel);
 *   - a pause and a filter update: synchronize_rcu().
 * None of them is ever taken by a probe, and no kernel path that holds
 * one of them calls into kleak except through a probe, which takes no
 * sleeping lock; so none of these can invert.
 *
 * Spinning locks, all leaves, taken one at a time with IRQs off, never with
 * another held (but a bucket lock under kleak_records_rwsem, by readers):
 *
 *   a bucket's bit lock (portable index, index.h): its chain and the LIVE
 *       flag of its records; or an address stripe's bit lock around
 *       rhashtable's own bucket lock (index=rhashtable).
 *   kleak_stack_lock (stack.c): adding a stack.
 *   kleak_free_lock (tracker.c): the global free list of records and its
 *       counts (an arch spinlock: the kprobes' handlers run in int3, that
 *       is NMI, context; no probe nests in another on a CPU).  A real NMI
 *       (a BPF program's kmalloc_nolock()) could interrupt a holder of any
 *       of these on its CPU, so those events are dropped (kleak_real_nmi()).
 *
 * None of the spinning locks is ever taken by the allocator, so a probe
 * cannot deadlock against the allocation path that fired it.
 *
 * The probes
 * ----------
 * A probe runs with IRQs off from start to end and marks its CPU busy;
 * only an NMI could nest, or a probe that recursed through something it
 * called: both are counted as recursion and skipped.
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
#ifndef _KLEAK_INTERNAL_H
#define _KLEAK_INTERNAL_H

#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/sched.h>

#include "compat.h"
#include "filter.h"
#include "index.h"
#include "names.h"
#include "stack.h"
#include "symbols.h"
#include "tracker.h"

/* ---- locks (tracker.c) ------------------------------------------------- */

extern struct mutex kleak_ctl_mutex;
extern struct rw_semaphore kleak_records_rwsem;
/*
 * guards: kleak_free_head, kleak_pool_out, kleak_pool_peak.  An arch
 * spinlock, outside lockdep: the kprobes' handlers run in int3 context,
 * which is NMI context to lockdep, and lockdep cannot know that no probe
 * nests in another on one CPU (kleak_probe_enter()'s busy flag sees to
 * it, and the lock is only held with IRQs off, by a probe).
 */
extern arch_spinlock_t kleak_free_lock;

/* ---- fixed at load (kleak_tracker_init()), read-only after ------------- */

extern struct kleak_index kleak_ix;	/* its buckets: their bit locks */
extern struct kleak_obj *kleak_pool;	/* a record: see "The probes" */
extern u32 kleak_nr_objects;
extern u32 kleak_depth;
/* where the page, percpu and vmalloc allocators' own frames are */
extern struct kleak_ranges kleak_page_alloc_fns, kleak_page_owner_fns, kleak_pcpu_alloc_fns;
extern struct kleak_ranges kleak_vmalloc_fns;
/* where an interrupt's own frames end: see kleak_irq_cut() */
extern struct kleak_ranges kleak_irq_dispatch_fns;
/* the slab allocator's API above kmalloc: see kleak_site_in_api() */
extern struct kleak_ranges kleak_slab_api_fns;

/* ---- the lifecycle: written under kleak_ctl_mutex ---------------------- */

/* probes registered; read anywhere (READ_ONCE) */
extern bool kleak_is_running;
/*
 * The probes return at once: KLEAK_PAUSE_ALL while clear resets the
 * tables; KLEAK_PAUSE_ALLOCS while a purge walks the pool, where frees go
 * on (they only take records out), so that no free of a kind still
 * tracked is missed and none of its records goes stale.  Set with
 * WRITE_ONCE and waited for (kleak_pause()), cleared with a release; the
 * probes read it with an acquire.
 */
enum { KLEAK_PAUSE_NONE, KLEAK_PAUSE_ALLOCS, KLEAK_PAUSE_ALL };
extern u8 kleak_paused;
/*
 * Every hook is in place: only then does an allocation at a tracked
 * address mean that its free was missed.  While start registers hooks one
 * by one, or stop removes them, a free may pass unseen by design.  Probes
 * read it (READ_ONCE).
 */
extern bool kleak_all_hooked;
/*
 * Bumped by every clear, probes paused: an allocation whose stack was
 * saved at its function's entry is dropped at its return if a clear came
 * in between.  Probes read it (READ_ONCE).
 */
extern unsigned int kleak_clear_gen;
/*
 * The kinds whose entry/return hooks record: the kinds tracked while
 * running, else none.  Kretprobes stay registered while stopped or their
 * kind is off (hooks.c: kleak_hook_is_kept()); their handlers, and the
 * return-site probes', read this (READ_ONCE).
 */
extern unsigned int kleak_kinds_active;
/*
 * Generation of the cache filter's answers cached in the cache table; a
 * new one once no probe can still use the filter before it (after a
 * synchronize_rcu()).  Probes read it (READ_ONCE).
 */
extern u32 kleak_filter_gen;
/* The current filter: one of two buffers, swapped under RCU (sched). */
extern struct kleak_filter __rcu *kleak_filter_cur;

/* ---- written by the probes --------------------------------------------- */

/* the last call site that re-entered a probe; racy, WRITE_ONCE/READ_ONCE */
extern unsigned long kleak_last_recursion;
/* the global free list, under kleak_free_lock */
extern u32 kleak_free_head;
extern u32 kleak_pool_out;	/* records out of the global free list */
extern u32 kleak_pool_peak;	/* most records ever out of it; read racy */
/* one allocation in kleak_sample is tracked; a parameter (WRITE_ONCE) */
extern unsigned int kleak_sample;

#define KLEAK_MAG 32

/**
 * struct kleak_pcpu - a CPU's probe state
 * @busy: a probe runs on this CPU (kleak_probe_enter())
 * @n: records in @mag
 * @mag: a magazine of free records, refilled from the global free list
 * @comm: the last task name seen, as two words
 * @comm_id: its comm table entry
 * @cache_id: the last cache's cache table entry
 * @site_stack: the stack of the last call site (stack_depth 0)
 * @seq: the low bits of the next record's timestamp
 * @rnd: the sampler's xorshift state
 * @site: the last call site
 * @cache_key: the last cache (its address, or a large kmalloc's size)
 * @cache_info: its cache table entry
 * @stack_allocs: this CPU's row of the stack store's allocation counts
 * @scratch: frames, with one slot in front for kleak_stack_from()
 *
 * Guarded by context: only this CPU's probe touches it, IRQs off and
 * @busy set; reset (kleak_pool_reset()) with the probes off or paused.
 * The last-seen fields skip the table lookups: the same ones come again
 * and again.
 */
struct kleak_pcpu {
	int busy;
	u32 n;
	u32 mag[KLEAK_MAG];
	u64 comm[TASK_COMM_LEN / sizeof(u64)];
	u16 comm_id;
	u16 cache_id;
	u32 site_stack;
	u32 seq;
	u32 rnd;
	unsigned long site;
	unsigned long cache_key;
	const struct kleak_cache_info *cache_info;
	u64 *stack_allocs;
	unsigned long scratch[KLEAK_MAX_DEPTH + KLEAK_SKIP_MAX + 1];
};

extern struct kleak_pcpu __percpu *kleak_pcpu;
/*
 * A static per-CPU array: one increment is one instruction, no pointer
 * load.  Incremented anywhere (this_cpu_inc), summed racy by readers; the
 * live counts are reset with the pool.
 */
DECLARE_PER_CPU(u64 [KC_NR], kleak_counters);

/**
 * struct kleak_kret_data - what an entry probe keeps for its return
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

/* ---- fastpath.c: the fast path's out-of-line parts (probe context) ----- */

unsigned int kleak_irq_cut(const unsigned long *buf, unsigned int n, unsigned int site);
u32 kleak_alloc_stack(struct kleak_pcpu *pc, unsigned long call_site, bool api);
bool kleak_alloc_filtered(const struct kleak_filter *f, enum kleak_kind kind,
			  const struct kleak_cache_info *ci, u16 cache, size_t size);
bool kleak_traced_twice(const struct kleak_obj *p, const struct kleak_obj *o);
void kleak_track_alloc_walk(const struct kleak_ranges *fns, const void *ptr, size_t size,
			    gfp_t gfp, enum kleak_kind kind, u16 extra);
int kleak_entry_stack(struct kleak_kret_data *d, enum kleak_kind kind);

/* ---- tracker.c ---------------------------------------------------------- */

void kleak_pool_reset(void);

#endif /* _KLEAK_INTERNAL_H */
