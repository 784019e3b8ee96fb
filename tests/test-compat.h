/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: version wrappers for the test modules only (the KUnit suites,
 * the fixtures and the bench), each with its kernel range.  The module
 * itself never includes this.
 */
#ifndef _KLEAK_TEST_COMPAT_H
#define _KLEAK_TEST_COMPAT_H

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/workqueue.h>

/* MODULE_IMPORT_NS() of the KUnit namespace: its name is a string from 6.13 on */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define KLEAK_IMPORT_NS_KUNIT()	MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define KLEAK_IMPORT_NS_KUNIT()	MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/* The headless kfree_rcu(): kfree_rcu_mightsleep(), 6.3+; kvfree_rcu(p) before */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define kleak_kfree_rcu_headless(p)	kfree_rcu_mightsleep(p)
#else
#define kleak_kfree_rcu_headless(p)	kvfree_rcu(p)
#endif

/*
 * The test modules call them directly, where the kernel has them (the
 * fixture's nolock=N is refused elsewhere).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
#define KLEAK_HAVE_KMALLOC_NOLOCK	1
#define kleak_kmalloc_nolock(size, gfp, node)	kmalloc_nolock(size, gfp, node)
#define kleak_kfree_nolock(p)			kfree_nolock(p)
#else
#define KLEAK_HAVE_KMALLOC_NOLOCK	0
#define kleak_kmalloc_nolock(size, gfp, node)	((void)(size), (void)(gfp), (void)(node), NULL)
#define kleak_kfree_nolock(p)			((void)(p))
#endif

/*
 * Wait until every kfree_rcu()'ed object of @s is freed, before a test
 * module destroys @s.  6.12+: kvfree_rcu_barrier() (and kmem_cache_destroy()
 * waits by itself).  Before, the batches are drained after up to 5 s, then
 * handed to a grace period and to a work item on system_wq: wait until
 * kmem_cache_shrink() finds the cache empty, for at most @max_ms.
 */
static inline void kleak_cache_drain_rcu(struct kmem_cache *s, unsigned int max_ms)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	kvfree_rcu_barrier();
#else
	unsigned int waited;

	for (waited = 0; kmem_cache_shrink(s) && waited < max_ms; waited += 100) {
		rcu_barrier();
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
		__flush_workqueue(system_wq);	/* flush_workqueue() warns on it */
#else
		flush_workqueue(system_wq);
#endif
		msleep(100);
	}
#endif
}

/*
 * Timers in the test modules: hrtimer_setup(), 6.13+ (hrtimer_init()
 * before, since removed); timer_delete_sync(), 6.2+ (del_timer_sync()
 * before, since removed).
 */
static inline void kleak_hrtimer_setup(struct hrtimer *t,
				       enum hrtimer_restart (*fn)(struct hrtimer *),
				       clockid_t clock, enum hrtimer_mode mode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(t, fn, clock, mode);
#else
	hrtimer_init(t, clock, mode);
	t->function = fn;
#endif
}

static inline int kleak_timer_delete_sync(struct timer_list *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return timer_delete_sync(t);
#else
	return del_timer_sync(t);
#endif
}

#endif /* _KLEAK_TEST_COMPAT_H */
