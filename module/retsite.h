/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: return-site probes (retsite.c), a leaf.  The value a function
 * returns, read by kprobes on its return instructions instead of by a
 * kretprobe: a kretprobe replaces the function's return address while it
 * runs, so that a function that reads it (_RET_IP_: kmem_cache_alloc_bulk()
 * for SLUB's debug tracking, kmalloc_nolock()) hands the kretprobe's
 * trampoline to every tracer, and an unwinder that does not see through
 * it (5.10's) puts the trampoline in every stack taken meanwhile (those
 * of a vmalloc's own allocations).  The arguments are kept from the entry
 * probe to the return, keyed by the stack pointer, which is the same at
 * the entry (past the fentry call) and at each return, and tagged with
 * the function's return handler: the return of one function never takes
 * the arguments of another's call, left at the same stack pointer by a
 * call whose return went unseen.
 */
#ifndef _KLEAK_RETSITE_H
#define _KLEAK_RETSITE_H

#include <linux/types.h>

#define KLEAK_RETSITES_MAX	16	/* return instructions probed per function */
#define KLEAK_CALL_ARGS		4

int kleak_retsites_find(unsigned long fn, unsigned long *sites, unsigned int max);
bool kleak_call_enter(unsigned long sp, unsigned long tag, const unsigned long *args);
bool kleak_call_return(unsigned long sp, unsigned long tag, unsigned long *args);
void kleak_call_forget(unsigned long sp);
void kleak_calls_reset(void);

#endif /* _KLEAK_RETSITE_H */
