/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the unwinder (stack.c, fastpath.c and the bench): the return
 * addresses of the current stack, walked by the probes themselves.
 */
#ifndef _KLEAK_UNWIND_H
#define _KLEAK_UNWIND_H

#include <linux/kernel.h>
#include <linux/sched.h>

#include "symbols.h"

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
/*
 * A stack holds kernel frames only.  The ORC walk ends on the pt_regs of
 * the entry from user mode, and its last step reports the interrupted
 * user-mode address (arch_stack_walk() and unwind_get_return_address()
 * drop it): with PIE binaries and ASLR that address differs in every
 * process, and one kernel path made a new stack per process.  So a walk
 * stops at the first address of the user half (x86-64: the top bit
 * clear), and at user-mode entry regs.
 */
#if defined(CONFIG_X86_64) && defined(CONFIG_UNWINDER_ORC)
#include <asm/unwind.h>
#define KLEAK_DIRECT_UNWIND	1
#define KLEAK_UNWIND_IP(st)	((st)->ip)
#elif defined(CONFIG_X86_64) && defined(CONFIG_UNWINDER_FRAME_POINTER)
#include <asm/unwind.h>
#define KLEAK_DIRECT_UNWIND	1
#define KLEAK_UNWIND_IP(st)	unwind_get_return_address(st)
#else
#include <linux/stacktrace.h>
#define KLEAK_DIRECT_UNWIND	0
#endif

/* Is @ip a user-space address (the lower, user half on x86-64)? */
static __always_inline bool kleak_user_ip(unsigned long ip)
{
#ifdef CONFIG_X86_64
	return (long)ip >= 0;
#else
	return ip < TASK_SIZE;
#endif
}

/*
 * Is frame @ip the call site: @call_site, or the first frame after a run
 * of frames in @fns (@in: the walk is in that run)?
 */
static __always_inline bool kleak_is_site(unsigned long call_site,
					  const struct kleak_ranges *fns,
					  unsigned long ip, bool *in)
{
	if (call_site)
		return ip == call_site;
	if (!fns)
		return false;
	if (kleak_in_ranges(fns, ip)) {
		*in = true;
		return false;
	}
	return *in;
}

/*
 * kleak_unwind() - the return addresses of the current stack
 * @call_site: the frame to look for; the walk stops @depth frames into it
 * @fns: or, with @call_site 0, the functions to walk past: the call site
 *	 is then the first frame after a run of frames in them
 * @buf: room for @max frames
 * @depth: frames wanted from the call site on
 * @max: most frames stored
 * @site: set to the position of the call site in @buf, or to the return
 *	  value when it was not seen
 *
 * Inlined, so that the walk starts in the caller's frame: kleak_alloc_stack(),
 * called by the probe, or the bench's timing loop.
 * Return: the number of frames stored.
 */
static __always_inline unsigned int kleak_unwind(unsigned long call_site,
						 const struct kleak_ranges *fns,
						 unsigned long *buf, unsigned int depth,
						 unsigned int max, unsigned int *site)
{
	unsigned int n = 0, pos = UINT_MAX;
	bool in = false;
#if KLEAK_DIRECT_UNWIND
	struct unwind_state st;

	for (unwind_start(&st, current, NULL, NULL); !unwind_done(&st);
	     unwind_next_frame(&st)) {
		unsigned long ip = KLEAK_UNWIND_IP(&st);

		if (!ip || kleak_user_ip(ip))
			break;
		if (pos == UINT_MAX) {
			if (kleak_is_site(call_site, fns, ip, &in))
				pos = n;
		}
		buf[n++] = ip;
		if (n >= max || (pos != UINT_MAX && n - pos >= depth))
			break;
	}
#else
	n = stack_trace_save(buf, max, 0);
	for (pos = 0; pos < n; pos++) {
		if (kleak_is_site(call_site, fns, buf[pos], &in))
			break;
	}
#endif
	*site = min(pos, n);
	return n;
}

#endif /* _KLEAK_UNWIND_H */
