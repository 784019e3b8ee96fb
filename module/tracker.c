// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the tracker's lifecycle (process context): its parameters, the
 * state of internal.h, start, stop, pause, purge, the kinds tracked,
 * clear, the filter's publication, and init and exit.  It calls down into
 * the hooks (hooks.c), the index, the stack store (stack.c), the name
 * tables (names.c), and nothing above it.  internal.h has the memory
 * rules, the locking order and the contexts of the tracker's files.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>

#include "allocfns.h"
#include "fastpath.h"
#include "format.h"
#include "hooks.h"

/* One allocation in kleak_sample is tracked (1: all); read by the probes. */
unsigned int kleak_sample = 1;

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

/* ---- state (internal.h says what guards each) --------------------------- */

/* guards: see internal.h */
DEFINE_MUTEX(kleak_ctl_mutex);
/* guards: the tables as readers see them, against clear and purge */
DECLARE_RWSEM(kleak_records_rwsem);
arch_spinlock_t kleak_free_lock = __ARCH_SPIN_LOCK_UNLOCKED;

struct kleak_index kleak_ix;
struct kleak_obj *kleak_pool;
u32 kleak_nr_objects;
u32 kleak_depth;
struct kleak_ranges kleak_page_alloc_fns, kleak_page_owner_fns, kleak_pcpu_alloc_fns;
struct kleak_ranges kleak_vmalloc_fns;
struct kleak_ranges kleak_irq_dispatch_fns;
struct kleak_ranges kleak_slab_api_fns;

bool kleak_is_running;
u8 kleak_paused;
bool kleak_all_hooked;
unsigned int kleak_clear_gen;
unsigned int kleak_kinds_active;
u32 kleak_filter_gen = 1;
struct kleak_filter __rcu *kleak_filter_cur;

unsigned long kleak_last_recursion;
u32 kleak_free_head;
u32 kleak_pool_out;
u32 kleak_pool_peak;

struct kleak_pcpu __percpu *kleak_pcpu;
DEFINE_PER_CPU(u64 [KC_NR], kleak_counters);

/* Only here, under kleak_ctl_mutex: */
/* records may be stale: frees went unseen while stopped (see kleak_start()) */
static bool kleak_stopped_with_records;
/* The kinds tracked: BIT(enum kleak_kind). */
static unsigned int kleak_kinds_on = KLEAK_KINDS_ALL;
static bool kleak_tracker_ready;	/* the tables exist: kinds are set live */
/* the filter's two buffers: kleak_filter_cur is one of them */
static struct kleak_filter kleak_filter_buf[2];

/**
 * kleak_pool_reset() - every record free
 *
 * Probes off or paused.
 */
void kleak_pool_reset(void)
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

/* ---- start, stop, pause, purge, kinds, clear ---------------------------- */

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

		if (!(i & KLEAK_RESCHED_MASK))
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

/* ---- init and exit ----------------------------------------------------- */

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
	kleak_hooks_find_tracepoints();
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
	ret = kleak_destroy_hook_register();
	if (ret)
		goto err_unwatch;
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
	kleak_destroy_hook_unregister();
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

