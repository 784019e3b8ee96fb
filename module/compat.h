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
#include <asm/ibt.h>
#define KLEAK_BULK_OFFSETS	{ MCOUNT_INSN_SIZE, ENDBR_INSN_SIZE + MCOUNT_INSN_SIZE }
#else
#define KLEAK_BULK_OFFSETS	{ 0 }
#endif
#define KLEAK_BULK_FREE_SYM "kmem_cache_free_bulk"

/*
 * Stack capture.  On x86-64 (ORC on the Debian kernels, or frame pointers)
 * the probes drive the kernel's unwinder themselves: stack_trace_save()
 * would start two frames deeper (arch_stack_walk(), stack_trace_save()),
 * make an indirect call per frame to store it, and check each address with
 * __kernel_text_address(); and it cannot stop once the wanted frames past
 * the call site are in.  The unwinder API (__unwind_start,
 * unwind_next_frame) is exported on every supported kernel.  Elsewhere,
 * stack_trace_save().
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_UNWINDER_ORC)
#include <asm/unwind.h>
#define KLEAK_DIRECT_UNWIND	1
/* ORC reports kernel text addresses only; no need to check them again */
#define KLEAK_UNWIND_IP(st)	((st)->ip)
#elif defined(CONFIG_X86_64) && defined(CONFIG_UNWINDER_FRAME_POINTER)
#include <asm/unwind.h>
#define KLEAK_DIRECT_UNWIND	1
#define KLEAK_UNWIND_IP(st)	unwind_get_return_address(st)
#else
#include <linux/stacktrace.h>
#define KLEAK_DIRECT_UNWIND	0
#endif

/*
 * kleak_unwind() - the return addresses of the current stack
 * @call_site: the frame to look for; the walk stops @depth frames into it
 * @buf: room for @max frames
 * @depth: frames wanted from @call_site on
 * @max: most frames stored
 * @site: set to the position of @call_site in @buf, or to the return value
 *	  when it was not seen
 *
 * Inlined, so that the walk starts in the caller's frame: kleak_alloc_stack(),
 * called by the probe, or the bench's timing loop.
 * Return: the number of frames stored.
 */
static __always_inline unsigned int kleak_unwind(unsigned long call_site, unsigned long *buf,
						 unsigned int depth, unsigned int max,
						 unsigned int *site)
{
	unsigned int n = 0, pos = UINT_MAX;
#if KLEAK_DIRECT_UNWIND
	struct unwind_state st;

	for (unwind_start(&st, current, NULL, NULL); !unwind_done(&st);
	     unwind_next_frame(&st)) {
		unsigned long ip = KLEAK_UNWIND_IP(&st);

		if (!ip)
			break;
		if (pos == UINT_MAX && ip == call_site)
			pos = n;
		buf[n++] = ip;
		if (n >= max || (pos != UINT_MAX && n - pos >= depth))
			break;
	}
#else
	n = stack_trace_save(buf, max, 0);
	for (pos = 0; pos < n && buf[pos] != call_site; pos++)
		;
#endif
	*site = min(pos, n);
	return n;
}

#endif /* _KLEAK_COMPAT_H */
