/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: text ranges of kernel functions by name (symbols.c), a leaf.
 * The page and percpu events carry no call site (percpu before 5.19), so
 * the probes find it in the stack: the first frame past the allocator's
 * own functions.  Their ranges are looked up once, at load.
 */
#ifndef _KLEAK_SYMBOLS_H
#define _KLEAK_SYMBOLS_H

#include <linux/types.h>

#define KLEAK_RANGES_MAX	40

/**
 * struct kleak_ranges - the text of a set of functions
 * @nr: how many were found
 * @start: where each starts
 * @end: where each ends
 */
struct kleak_ranges {
	u32 nr;
	unsigned long start[KLEAK_RANGES_MAX];
	unsigned long end[KLEAK_RANGES_MAX];
};

int kleak_ranges_resolve(struct kleak_ranges *r, const char *const *names);

/* Is @ip in one of the functions of @r?  Any context. */
static __always_inline bool kleak_in_ranges(const struct kleak_ranges *r, unsigned long ip)
{
	u32 i;

	for (i = 0; i < r->nr; i++)
		if (ip >= r->start[i] && ip < r->end[i])
			return true;
	return false;
}

#endif /* _KLEAK_SYMBOLS_H */
