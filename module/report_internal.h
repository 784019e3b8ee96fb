/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the reports' shared definitions, for report.c (the contexts and
 * the summary), views.c (the views' formats) and suspects.c (the score).
 * Everything here runs in process context; a report context belongs to
 * one open file, or to the summary under kleak_summary_mutex.
 */
#ifndef _KLEAK_REPORT_INTERNAL_H
#define _KLEAK_REPORT_INTERNAL_H

#include <linux/kallsyms.h>
#include <linux/sizes.h>

#include "filter.h"
#include "format.h"
#include "report.h"
#include "stack.h"

#define KLEAK_STRINGS_MAX	16	/* strings shown per object */
#define KLEAK_STRINGS_SCAN	SZ_64K	/* bytes of an exemplar scanned for strings */
#define KLEAK_TOP_COMMS		3	/* comms shown per stack */
#define KLEAK_SUMMARY_LARGEST	5	/* stacks by live bytes in the rmmod summary */

/* An object of the outstanding view. */
struct kleak_snap {
	u64 ts;
	unsigned long addr;
	u32 idx;
};

/*
 * What a stack has live, counted from the records: the objects and bytes
 * that pass the report's filters, all its objects, its oldest passing
 * object (the exemplar), and its top allocating comms.  For suspects, the
 * evidence too (all objects counted): the slices of the stack's life that
 * hold a live object, the objects whose task is gone, and the score.
 */
struct kleak_stack_snap {
	u64 bytes;
	u64 objs;
	u64 all_objs;
	u64 oldest;
	u64 allocs;
	u64 seen;
	unsigned long oldest_addr;
	u32 oldest_idx;
	u32 sidx;
	u32 comm_count[KLEAK_TOP_COMMS];
	u32 orphans;
	u32 tasks;
	u16 comm[KLEAK_TOP_COMMS];
	u16 cache;
	u16 slices;
	u16 survival;
	u16 steady;
	u8 score;
	u8 own;
	u8 kind;
	bool inexact;
};

/**
 * struct kleak_report - one report's context
 * @view: what it shows
 * @filtered: apply the filters and the mark (not for the summary)
 * @filter: the filter when it was made
 * @now: kleak_clock() when it was made: every age is taken then
 * @mark: the mark when it was made
 * @modmatch: per stack: 0 not known yet, 1 not shown (kleak's own, or not
 *	through @filter.module), 2 shown
 * @n: entries in @objs or @stacks
 * @objs: the outstanding view's objects
 * @stacks: the stacks view's stacks
 * @sym: room for a symbol
 * @lost: events were lost that no stack can be told of, when it was made
 *	 (kleak_lost_unattributed()): every count may be short
 */
struct kleak_report {
	enum kleak_view view;
	bool filtered;
	bool lost;
	struct kleak_filter filter;
	u64 now;
	u64 mark;
	u8 *modmatch;
	u32 n;
	struct kleak_snap *objs;
	struct kleak_stack_snap *stacks;
	char sym[KSYM_SYMBOL_LEN];
};

/* report.c */
int kleak_ssnap_cmp(const void *a, const void *b);
long kleak_contents_refused_count(void);

/* suspects.c */
int kleak_suspects_init(void);
void kleak_suspect_score(struct kleak_stack_snap *s, u64 now);
int kleak_suspect_cmp(const void *a, const void *b);
void kleak_suspect_show(struct kleak_out *out, const struct kleak_stack_snap *s);
unsigned int kleak_slice(const struct kleak_stack *st, u64 now, u64 ts);
bool kleak_obj_orphan(const struct kleak_obj *o, bool *known);

/* views.c */
void kleak_stack_report(struct kleak_out *out, struct kleak_report *r,
			const struct kleak_stack_snap *s, unsigned int rank, bool sample);

#endif /* _KLEAK_REPORT_INTERNAL_H */
