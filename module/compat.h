/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: every difference between the kernels kleak supports, in one place.
 *
 * One wrapper per kernel API that changed, each with the version range it
 * covers (lttng-modules style).  Nothing outside this file tests
 * LINUX_VERSION_CODE.
 *
 * Tested: 5.10 (Debian 11), 6.1 and 6.12 (Debian 12), 7.2 (Debian sid).
 * Kernels between them take the branch of their version range below.
 */
#ifndef _KLEAK_COMPAT_H
#define _KLEAK_COMPAT_H

#include <linux/version.h>
#include <linux/hardirq.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/rcupdate.h>

#include "symbols.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "kleak needs Linux 5.10 or later"
#endif

/*
 * kmem tracepoint prototypes.  The probes are declared with these
 * argument lists, and kleak_check_probes() makes the compiler check them
 * against the kernel's own declarations.  Each shape's probe passes the
 * same arguments to one body (probes_slab.c); KLEAK_TP_CACHE_ALLOC_*, in terms
 * of the probe's arguments, give a kmem_cache_alloc event's sizes and cache.
 *
 * 6.1+: one kmalloc and one kmem_cache_alloc event, with the node and
 * (for kmem_cache_alloc) the cache; kmem_cache_free has the cache.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define KLEAK_TP_KMALLOC_ARGS	void *data, unsigned long call_site,	\
				const void *ptr, size_t bytes_req,	\
				size_t bytes_alloc, gfp_t gfp, int node
#define KLEAK_TP_KMEM_CACHE_ALLOC_ARGS void *data, unsigned long call_site, \
				const void *ptr, struct kmem_cache *s,	\
				gfp_t gfp, int node
/* the arguments of kleak_track_alloc() for a kmem_cache_alloc event */
#define KLEAK_TP_CACHE_ALLOC_REQ	0	/* the cache says the size */
#define KLEAK_TP_CACHE_ALLOC_ALLOC	0
#define KLEAK_TP_CACHE_ALLOC_CACHE	s
#else
/*
 * 5.10-6.0: kmalloc_node and kmem_cache_alloc_node are events of their
 * own (KLEAK_HAVE_NODE_EVENTS), and kmem_cache_alloc carries sizes, not the
 * cache: the cache is found from the object's slab page.
 */
#define KLEAK_HAVE_NODE_EVENTS	1
#define KLEAK_TP_KMALLOC_ARGS	void *data, unsigned long call_site,	\
				const void *ptr, size_t bytes_req,	\
				size_t bytes_alloc, gfp_t gfp
#define KLEAK_TP_KMALLOC_NODE_ARGS KLEAK_TP_KMALLOC_ARGS, int node
#define KLEAK_TP_KMEM_CACHE_ALLOC_ARGS KLEAK_TP_KMALLOC_ARGS
#define KLEAK_TP_KMEM_CACHE_ALLOC_NODE_ARGS KLEAK_TP_KMALLOC_ARGS, int node
#define KLEAK_TP_CACHE_ALLOC_REQ	bytes_req
#define KLEAK_TP_CACHE_ALLOC_ALLOC	bytes_alloc
#define KLEAK_TP_CACHE_ALLOC_CACHE	kleak_obj_cache(ptr)

/* The cache of a slab object, or NULL (5.10-6.0: page->slab_cache). */
static __always_inline struct kmem_cache *kleak_obj_cache(const void *ptr)
{
	struct page *page;

	if (unlikely(!ptr || !virt_addr_valid(ptr)))
		return NULL;
	page = virt_to_head_page(ptr);
	return PageSlab(page) ? page->slab_cache : NULL;
}
#endif

#define KLEAK_TP_KFREE_ARGS	void *data, unsigned long call_site,	\
				const void *ptr
/* kmem_cache_free: 5.10-5.11 (call_site, ptr); 5.12-6.0 the cache's name; 6.1+ the cache */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
#define KLEAK_TP_KMEM_CACHE_FREE_ARGS KLEAK_TP_KFREE_ARGS, const struct kmem_cache *s
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
#define KLEAK_TP_KMEM_CACHE_FREE_ARGS KLEAK_TP_KFREE_ARGS, const char *name
#else
#define KLEAK_TP_KMEM_CACHE_FREE_ARGS KLEAK_TP_KFREE_ARGS
#endif

/*
 * kmalloc_size_roundup(), 6.1+: the kmalloc size class of a request.
 * Before, the class is computed from kmalloc_index(); a request past the
 * largest class went to the page allocator, whose size the event gives.
 */
static __always_inline size_t kleak_kmalloc_roundup(size_t req, size_t bytes_alloc)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	return kmalloc_size_roundup(req);
#else
	unsigned int i;

	if (req > KMALLOC_MAX_CACHE_SIZE)
		return bytes_alloc;
	i = kmalloc_index(req);
	return i == 1 ? 96 : i == 2 ? 192 : 1UL << i;
#endif
}

/*
 * A page mapped while it is read: kmap_local_page(), 5.11+.  Before, a
 * page of the kernel's map is read there, and a highmem page (32-bit
 * only) is not read: NULL.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
#define kleak_kmap_local(page)	kmap_local_page(page)
#define kleak_kunmap_local(p)	kunmap_local(p)
#else
static inline void *kleak_kmap_local(struct page *page)
{
	return PageHighMem(page) ? NULL : page_address(page);
}

#define kleak_kunmap_local(p)	((void)(p))
#endif

/* in_hardirq(), 5.11+; in_irq() before */
#ifndef in_hardirq
#define in_hardirq()	in_irq()
#endif

/* try_cmpxchg_acquire(), a generic macro since 5.18; a cmpxchg before */
#ifndef try_cmpxchg_acquire
#define try_cmpxchg_acquire(p, oldp, new) ({				\
	typeof(p) __p = (p);						\
	typeof(oldp) __op = (oldp);					\
	typeof(*__p) __o = *__op, __r = cmpxchg_acquire(__p, __o, (new));	\
	if (unlikely(__r != __o))					\
		*__op = __r;						\
	likely(__r == __o); })
#endif

/* kunit/visibility.h, 6.2+: without it (and without KUnit), nothing to export */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#else
#define VISIBLE_IF_KUNIT static
/* nothing is exported; the symbol must exist all the same */
#define EXPORT_SYMBOL_IF_KUNIT(sym)	static_assert(sizeof(typeof(sym) *))
#endif

/*
 * kvfree_call_rcu(head, arg), the function behind kfree_rcu() and
 * kvfree_rcu(), exported on every supported kernel.  6.3+: @arg is the
 * object.  Before: @arg is the offset of @head in the object, or, with a
 * NULL @head (the headless kvfree_rcu()), the object itself.
 */
static inline unsigned long kleak_kvfree_rcu_obj(unsigned long head, unsigned long arg)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return arg;
#else
	if (!head)
		return arg;
	return arg < 4096 ? head - arg : 0;	/* __is_kvfree_rcu_offset() */
#endif
}

#define KLEAK_KVFREE_RCU_SYM	"kvfree_call_rcu"

/*
 * kmalloc_nolock()/kfree_nolock(), 6.18+: callable from any context, and
 * they fire no kmem event, so kleak kprobes them.  The allocator's symbol
 * varies; the names are tried in order.  Kernels without them have
 * neither symbol, and kleak goes on without these probes.
 */
#define KLEAK_KMALLOC_NOLOCK_SYMS	"_kmalloc_nolock_noprof", "kmalloc_nolock_noprof"
#define KLEAK_KFREE_NOLOCK_SYM		"kfree_nolock"

/* A kretprobe's return address: get_kretprobe_retaddr(), 5.17+ */
#define kleak_kretprobe_retaddr(ri)	((unsigned long)kleak_kretprobe_retaddr_(ri))
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 17, 0)
#define kleak_kretprobe_retaddr_(ri)	get_kretprobe_retaddr(ri)
#else
#define kleak_kretprobe_retaddr_(ri)	((ri)->ret_addr)
#endif

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
 * Module text ranges.  5.10-6.3: core_layout/init_layout; 6.4+: mem[].
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
 * instead (names.c: kleak_cache_name_init()); no offset is hard-coded.
 */

/*
 * kfree_bulk() and the batched kfree_rcu() free through
 * kmem_cache_free_bulk(), which fires no event: kleak kprobes it.  Same
 * name on every supported kernel.
 *
 * The kprobe sits just past the function's ftrace call (__fentry__), where
 * the arguments are still in their registers, so that it is an int3 (or
 * jump) probe and not a kprobe-ftrace one: disarming a kprobe-ftrace
 * allocates, and when that allocation fails the kernel WARNs and leaves
 * the probe armed, so that a stop would fail half done.  An int3 probe is
 * disarmed by patching text alone.  The offsets are tried in order; the
 * first at an instruction boundary wins (with IBT, an ENDBR comes first).
 * Without fentry (other architectures), the probe sits at the entry.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_DYNAMIC_FTRACE)
#include <asm/ftrace.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)	/* IBT: an ENDBR may come first */
#include <asm/ibt.h>
#define KLEAK_BULK_OFFSETS	{ MCOUNT_INSN_SIZE, ENDBR_INSN_SIZE + MCOUNT_INSN_SIZE }
#else
#define KLEAK_BULK_OFFSETS	{ MCOUNT_INSN_SIZE }
#endif
#else
#define KLEAK_BULK_OFFSETS	{ 0 }
#endif
#define KLEAK_BULK_FREE_SYM "kmem_cache_free_bulk"

/*
 * The other allocators (kinds page, vmalloc, percpu), and the slab's bulk
 * and in-place paths, by kernel.  Names that another kernel uses are in
 * the lists too: the first one the kernel has is hooked, and a name it
 * lacks is skipped.
 *
 * Page events: mm_page_alloc(page, order, gfp, migratetype) and
 * mm_page_free(page, order), the same on every supported kernel, and not
 * exported: kleak finds them with for_each_kernel_tracepoint().  Batched
 * frees (free_unref_page_list(), free_unref_folios()) fire mm_page_free
 * too, from free_pages_prepare(), so mm_page_free_batched is not hooked:
 * it would free each of those pages twice.
 */
#define KLEAK_TP_PAGE_ALLOC_ARGS void *data, struct page *page, unsigned int order, \
				 gfp_t gfp, int migratetype
#define KLEAK_TP_PAGE_FREE_ARGS	void *data, struct page *page, unsigned int order

/*
 * Percpu events: percpu_alloc_percpu has the call site, the allocated
 * bytes and the gfp flags from 5.19 on; before, the call site is found in
 * the stack, past the percpu allocator's functions.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 19, 0)
#define KLEAK_TP_PERCPU_ALLOC_ARGS void *data, unsigned long call_site, bool reserved, \
				   bool is_atomic, size_t size, size_t align,	\
				   void *base_addr, int off, void __percpu *ptr,	\
				   size_t bytes_alloc, gfp_t gfp
#define KLEAK_PERCPU_CALL_SITE	call_site
#define KLEAK_PERCPU_GFP	gfp
#else
#define KLEAK_TP_PERCPU_ALLOC_ARGS void *data, bool reserved, bool is_atomic,	\
				   size_t size, size_t align, void *base_addr,	\
				   int off, void __percpu *ptr
#define KLEAK_PERCPU_CALL_SITE	0UL
#define KLEAK_PERCPU_GFP	((gfp_t)0)
#endif
#define KLEAK_TP_PERCPU_FREE_ARGS void *data, void *base_addr, int off, void __percpu *ptr

/*
 * vmalloc: __vmalloc_node_range(size, align, start, end, gfp, prot,
 * vm_flags, node, caller), behind vmalloc(), vzalloc(), kvmalloc()'s
 * fallback and the rest, on every supported kernel (_noprof from 6.10);
 * @caller is the allocator's caller.
 */
#define KLEAK_VMALLOC_SYMS	"__vmalloc_node_range_noprof", "__vmalloc_node_range"
#define KLEAK_VMALLOC_ARG_SIZE	0
#define KLEAK_VMALLOC_ARG_GFP	4
#define KLEAK_VMALLOC_ARG_CALLER 8
/*
 * __vmalloc_node(size, align, gfp, node, caller), behind vmalloc() and
 * most others, calls __vmalloc_node_range(), which calls
 * __vmalloc_area_node(area, gfp, ...) to fill the area with pages (and
 * that may vmalloc the page array: __vmalloc_node() again).  The compiler
 * inlines some of them into others: 6.12 __vmalloc_area_node() into
 * __vmalloc_node_range(); 5.10 both into vmalloc().  So the three are
 * hooked, and a call from one of them is left to the outer hook.
 * __vmalloc_area_node() knows only the page-rounded size.
 */
#define KLEAK_VMALLOC_NODE_SYMS	"__vmalloc_node_noprof", "__vmalloc_node"
#define KLEAK_VMALLOC_NODE_ARG_GFP	2
#define KLEAK_VMALLOC_NODE_ARG_CALLER	4
#define KLEAK_VMALLOC_AREA_SYMS	"__vmalloc_area_node"
/*
 * The free of a vmalloc area.  6.3+: vfree(), which vfree_atomic() and
 * vfree() from an interrupt defer to a work item that calls vfree() again.
 * Before: __vunmap(), which vfree() calls and the deferred work calls
 * directly.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define KLEAK_VFREE_SYM		"vfree"
#else
#define KLEAK_VFREE_SYM		"__vunmap"
#endif

/*
 * kmem_cache_alloc_bulk(s, gfp, size, p) fires no event: kleak kretprobes
 * it and reads @p on return.  It returns how many it allocated, or from
 * 7.0 a bool (all of them or none), which its type tells.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define KLEAK_BULK_ALLOC_SYMS	"kmem_cache_alloc_bulk_noprof"
#define kleak_bulk_alloc_fn	kmem_cache_alloc_bulk_noprof
#else
#define KLEAK_BULK_ALLOC_SYMS	"kmem_cache_alloc_bulk"
#define kleak_bulk_alloc_fn	kmem_cache_alloc_bulk
#endif
#define KLEAK_BULK_ALLOC_BOOL	\
	__builtin_types_compatible_p(typeof(kleak_bulk_alloc_fn(NULL, 0, 0, NULL)), bool)

/* Objects a bulk allocation returned @ret made, of the @size asked for. */
static inline size_t kleak_bulk_alloc_count(unsigned long ret, size_t size)
{
	if (KLEAK_BULK_ALLOC_BOOL)
		return (ret & 0xff) ? size : 0;
	return min_t(size_t, (int)ret > 0 ? (int)ret : 0, size);
}

/*
 * krealloc(p, new_size, ...): in place it fires no event, so kleak
 * kretprobes it to record the new size.  6.10: krealloc_noprof; 7.x:
 * krealloc_node_align_noprof.  @p and @new_size are the first two
 * arguments on every kernel.
 */
#define KLEAK_KREALLOC_SYMS	"krealloc_node_align_noprof", "krealloc_noprof", "krealloc"

/* The return address of a function whose kprobe at its entry fired. */
#define kleak_entry_retaddr(regs)	regs_get_kernel_stack_nth(regs, 0)

#endif /* _KLEAK_COMPAT_H */
