/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the allocators' own functions, by name, on every supported
 * kernel (a name a kernel lacks is simply not found): where a walk finds
 * the call site past them, and the kernel's own bookkeeping that suspects
 * caps.  Resolved to address ranges at load (symbols.c).
 */
#ifndef _KLEAK_ALLOCFNS_H
#define _KLEAK_ALLOCFNS_H

/*
 * The page allocator's own functions: a page event's call site is the
 * first frame past them.  5.10: __alloc_pages_nodemask, alloc_pages_current;
 * 6.1: __alloc_pages, alloc_pages, __folio_alloc; 6.10+: the _noprof names
 * (memory allocation profiling; __get_free_pages() is get_free_pages_noprof
 * there); 7.x: the frozen-page entry points.  The inline ones
 * (alloc_pages_node()...) are out of line in some configurations, such as
 * the test bed's debug kernel.
 */
#define KLEAK_PAGE_ALLOC_FNS						\
	"__alloc_pages_nodemask", "alloc_pages_current", "alloc_pages_vma",	\
	"__alloc_pages", "alloc_pages", "__folio_alloc", "folio_alloc",	\
	"__get_free_pages", "get_zeroed_page", "alloc_pages_exact",	\
	"alloc_pages_exact_nid", "__alloc_pages_noprof", "alloc_pages_noprof",	\
	"alloc_pages_mpol", "alloc_pages_mpol_noprof", "__folio_alloc_noprof",	\
	"folio_alloc_noprof", "folio_alloc_mpol_noprof", "get_zeroed_page_noprof", \
	"alloc_pages_exact_noprof", "alloc_pages_exact_nid_noprof",	\
	"__get_free_pages_noprof", "get_free_pages_noprof",		\
	"__alloc_pages_node", "alloc_pages_node", "__alloc_pages_node_noprof", \
	"alloc_pages_node_noprof", "alloc_frozen_pages_noprof",		\
	"__alloc_frozen_pages_noprof", "alloc_pages_nolock_noprof",	\
	"alloc_frozen_pages_nolock_noprof"

/*
 * The allocators that take pages for themselves and track their own
 * objects (slab pages, large kmalloc, vmalloc areas, percpu chunks): a page
 * event whose call site is one of them, or a frame or two below (a wrapper
 * kleak does not know), is not a page object.
 */
#define KLEAK_PAGE_OWNER_FNS						\
	"alloc_slab_page", "allocate_slab", "new_slab", "___slab_alloc",	\
	"kmalloc_order", "kmalloc_order_trace", "kmalloc_large",	\
	"kmalloc_large_node", "__kmalloc_large_node", "___kmalloc_large_node", \
	"__kmalloc_large_node_noprof", "__kmalloc_large_noprof",	\
	"vm_area_alloc_pages", "__vmalloc_area_node", "__vmalloc_node_range",	\
	"__vmalloc_node_range_noprof", "pcpu_alloc_pages", "pcpu_populate_chunk", \
	"pcpu_alloc", "pcpu_alloc_noprof"

/*
 * The kernel's own bookkeeping, which suspects caps (report.c): the slab
 * allocator's sheaves (6.18+), page tables (the direct map's splits,
 * vmalloc's, and those of processes, freed when they exit), and vmalloc's
 * vmap_area records, which are freed lazily, in batches, long after
 * vfree().  What reclaim frees, which suspects caps below high: the
 * dentry and inode caches, which their shrinkers free under pressure, and
 * the page cache's own objects, freed with a folio when it is evicted (its
 * folios, the xarray nodes that index them, and buffer heads: a journaling
 * file system's commits leave a steady trail of them, every one live).
 * They are not a leak until reclaim fails.  A name a kernel lacks is
 * simply not found: 5.10 adds to the page cache in
 * __add_to_page_cache_locked(), 6.0+ in __filemap_add_folio().
 */
#define KLEAK_OWN_FNS							\
	"__pcs_replace_empty_main", "__kfree_rcu_sheaf", "alloc_empty_sheaf", \
	"__alloc_empty_sheaf", "alloc_full_sheaf", "refill_sheaf",	\
	"barn_get_empty_sheaf", "kfree_rcu_sheaf", "__pcs_replace_full_main", \
	"split_large_page", "__change_page_attr_set_clr", "__pte_alloc_kernel", \
	"pte_alloc_one_kernel", "pte_alloc_one", "__pte_alloc", "__pmd_alloc", \
	"__pud_alloc", "__p4d_alloc", "pgd_alloc", "vmap_pages_range_noflush", \
	"vmap_range_noflush", "vmap_small_pages_range_noflush"
#define KLEAK_VMALLOC_OWN_FNS						\
	"alloc_vmap_area", "preload_this_cpu_lock", "adjust_va_to_fit_type", \
	"va_clip"
#define KLEAK_RECLAIM_FNS						\
	"alloc_inode", "__d_alloc", "d_alloc", "d_alloc_parallel", "d_alloc_pseudo", \
	"alloc_buffer_head", "__add_to_page_cache_locked", "__filemap_add_folio", \
	"__page_cache_alloc", "filemap_alloc_folio", "filemap_alloc_folio_noprof"

/*
 * The slab allocator's own API above kmalloc: functions that allocate
 * with their own return address as the call site (_RET_IP_), so that the
 * kmalloc event names them and not their caller.  A slab allocation whose
 * call site is in one of them is attributed, as allocation profiling does,
 * to the first frame past them (fastpath.c, kleak_alloc_stack()).
 * kmalloc_array(), krealloc_array() and kvmalloc_array() are inline on
 * every supported kernel; kmemdup() and kstrdup() pass their caller on.
 * 5.10: kvmalloc_node; 6.10+: the _noprof names; 7.x: the _node_align ones.
 * And kmalloc's own entry points, whose address is a call site only for a
 * large kmalloc: 5.10's __kmalloc() calls the traced kmalloc_order_trace()
 * from inside itself; 6.10+'s __kmalloc*_noprof() call the traced
 * __kmalloc_large_node_noprof() and then fire the event again with their
 * caller (one object, two events: kleak_traced_twice()).
 */
#define KLEAK_SLAB_API_FNS						\
	"kvmalloc_node", "kvmalloc_node_noprof", "__kvmalloc_node_noprof",	\
	"kvrealloc", "kvrealloc_noprof", "kvrealloc_node_align_noprof",	\
	"krealloc", "krealloc_noprof", "krealloc_node_align_noprof",	\
	"kvmemdup", "__kmalloc", "__kmalloc_node", "__kmalloc_track_caller", \
	"__kmalloc_node_track_caller", "__kmalloc_noprof", "__kmalloc_node_noprof", \
	"__kmalloc_node_track_caller_noprof"

/*
 * The dispatchers of interrupt work (fastpath.c, kleak_irq_cut()): an
 * allocation in an interrupt keeps its frames up to the first of these;
 * those past it are the interrupted context's.  The softirq loop is
 * handle_softirqs() from 6.8, __do_softirq() before.
 */
#define KLEAK_IRQ_DISPATCH_FNS						\
	"handle_softirqs", "__do_softirq", "__handle_irq_event_percpu",	\
	"handle_irq_event_percpu", "__hrtimer_run_queues", "irq_work_single", \
	"__flush_smp_call_function_queue", "flush_smp_call_function_queue"

/*
 * The percpu allocator's own functions, past which a 5.10-5.18 percpu
 * event's call site is found in the stack.
 */
#define KLEAK_PERCPU_ALLOC_FNS	"pcpu_alloc", "pcpu_alloc_noprof", "__alloc_percpu", \
				"__alloc_percpu_gfp", "__alloc_reserved_percpu"

#endif /* _KLEAK_ALLOCFNS_H */
