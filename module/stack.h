/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the stack store (stack.c), a leaf.  Deduplicated stacks, their
 * allocation counts, and the names of frames whose module went away.
 */
#ifndef _KLEAK_STACK_H
#define _KLEAK_STACK_H

#include <linux/bits.h>
#include <linux/types.h>

#define KLEAK_MAX_DEPTH		64
#define KLEAK_SKIP_MAX		12	/* probe and allocator frames above the call site */
/* Stack index of objects whose stack did not fit in the table. */
#define KLEAK_STACK_OVERFLOW	1
/* Stack table entries that are not real stacks: none (0) and overflow (1) */
#define KLEAK_STACKS_RESERVED	(KLEAK_STACK_OVERFLOW + 1)
#define KLEAK_STACKS_MIN	16
#define KLEAK_STACKS_MAX	((u32)BIT(24))

/**
 * struct kleak_stack - one deduplicated stack
 * @hash: jhash of the frames
 * @chain: next entry with the same hash bucket
 * @nr: number of frames
 * @has_module: a frame lies in module space
 * @born: kleak_clock() when it was added: its first allocation seen
 * @frozen: symbolized frames, saved when a module of the stack went away
 * @frames: the return addresses, innermost first
 *
 * Nothing here but @frozen changes once the entry is published, so the
 * probes only read it.  What a stack has live is counted by the readers,
 * from the records; its allocations are counted per CPU.
 */
struct kleak_stack {
	u32 hash;
	u32 chain;
	u16 nr;
	u16 has_module;
	u64 born;
	const char *frozen;
	unsigned long frames[];
};

int kleak_stacks_init(u32 max_stacks, u32 depth);
void kleak_stacks_exit(void);
void kleak_stacks_reset(void);
u32 kleak_stack_intern(const unsigned long *frames, unsigned int n);
u32 kleak_stack_from(unsigned long call_site, unsigned long *buf, unsigned int n,
		     unsigned int site);
const struct kleak_stack *kleak_stack_get(u32 sidx);
u32 kleak_stacks_nr(void);
u32 kleak_stacks_max(void);
u64 *kleak_stack_allocs_row(int cpu);
u64 kleak_stack_allocs(u32 sidx);
size_t kleak_stacks_bytes(void);
void kleak_stack_mark_inexact(u32 sidx);
bool kleak_stack_inexact(u32 sidx);
bool kleak_stack_in_module(u32 sidx, const char *module);
void kleak_stack_print_frame(u32 sidx, unsigned int i, char *buf, size_t len);
int kleak_stacks_watch_modules(void);
void kleak_stacks_unwatch_modules(void);

#endif /* _KLEAK_STACK_H */
