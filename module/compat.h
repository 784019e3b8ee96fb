/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: every difference between the kernels kleak supports, in one place.
 *
 * One wrapper per kernel API that changed, each with the version range it
 * covers (lttng-modules style).  Nothing outside this file tests
 * LINUX_VERSION_CODE.
 *
 * Supported: 6.1 (Debian 12 stock) up to 6.12 (Debian 12 backports and the
 * debug kernel of the test bed).
 */
#ifndef _KLEAK_COMPAT_H
#define _KLEAK_COMPAT_H

#include <linux/version.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "kleak needs Linux 6.1 or later: the kmem tracepoints changed in 6.0/6.1"
#endif

/*
 * kmem tracepoint prototypes, 6.1+.  Before 6.1 there were separate
 * kmalloc_node/kmem_cache_alloc_node events and kmem_cache_free took a name.
 * The probes are declared with these argument lists; kleak_check_probes()
 * makes the compiler check them against the kernel's own declarations.
 */
#define KLEAK_TP_KMALLOC_ARGS	void *data, unsigned long call_site,	\
				const void *ptr, size_t bytes_req,	\
				size_t bytes_alloc, gfp_t gfp, int node
#define KLEAK_TP_KMEM_CACHE_ALLOC_ARGS void *data, unsigned long call_site, \
				const void *ptr, struct kmem_cache *s,	\
				gfp_t gfp, int node
#define KLEAK_TP_KFREE_ARGS	void *data, unsigned long call_site,	\
				const void *ptr
#define KLEAK_TP_KMEM_CACHE_FREE_ARGS void *data, unsigned long call_site, \
				const void *ptr, const struct kmem_cache *s

/*
 * rhashtable bucket locks: local_bh_disable() plus a bit spinlock before
 * 6.7, which is illegal in hard IRQ and with IRQs off; local_irq_save()
 * from 6.7 on.  KLEAK_HAVE_IRQSAFE_RHT selects the rhashtable index.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0) && !defined(KLEAK_FORCE_COMPAT_INDEX)
#define KLEAK_HAVE_IRQSAFE_RHT 1
#else
#define KLEAK_HAVE_IRQSAFE_RHT 0
#endif

/*
 * Module text ranges.  6.1-6.3: core_layout/init_layout; 6.4+: mem[].
 */
static inline void kleak_module_text(const struct module *mod, bool init,
				     unsigned long *start, unsigned long *end)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	const struct module_memory *m = &mod->mem[init ? MOD_INIT_TEXT : MOD_TEXT];

	*start = (unsigned long)m->base;
	*end = *start + m->size;
#else
	const struct module_layout *l = init ? &mod->init_layout : &mod->core_layout;

	*start = (unsigned long)l->base;
	*end = *start + l->text_size;
#endif
}

/*
 * struct kmem_cache: its layout is in mm/slab.h on every supported kernel
 * (6.1's linux/slub_def.h needs mm/slab.h too), and no kernel exports a
 * cache-name getter.  kleak finds the slot of the name pointer at load time
 * instead (stacks.c: kleak_cache_name_init()); no offset is hard-coded.
 */

/*
 * The kernel's bulk allocator entry point: 6.10 renamed the allocator
 * functions to *_noprof.  Only used in messages: the bulk *free* is what
 * kleak hooks, and its name did not change.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define KLEAK_BULK_ALLOC_SYM "kmem_cache_alloc_bulk_noprof"
#else
#define KLEAK_BULK_ALLOC_SYM "kmem_cache_alloc_bulk"
#endif
#define KLEAK_BULK_FREE_SYM "kmem_cache_free_bulk"

#endif /* _KLEAK_COMPAT_H */
