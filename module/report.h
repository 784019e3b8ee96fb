/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the reports (report.c).  What the debugfs files and the rmmod
 * summary print, counted from the tracker's records.  Each open report
 * has its own context: filter, time, mark, module matches and snapshot.
 */
#ifndef _KLEAK_REPORT_H
#define _KLEAK_REPORT_H

#include <linux/kallsyms.h>
#include <linux/types.h>

#include "format.h"
#include "index.h"

#define KLEAK_OBJECT_CHUNK	512	/* bytes of the object file per seq record */
#define KLEAK_REPORTS_MAX	8	/* report files open at once */

enum kleak_view {
	KLEAK_VIEW_OUTSTANDING,	/* every live object, oldest first */
	KLEAK_VIEW_STACKS,	/* objects grouped by stack, largest first */
	KLEAK_VIEW_SUSPECTS,	/* the same groups, the likeliest leak first */
	KLEAK_VIEW_ALLOCINFO,	/* per call site, as /proc/allocinfo v1.0 */
};

struct kleak_report;

/* suspects: what a score is made of (report.c, "suspects") */
#define KLEAK_SLICES		16
#define KLEAK_SEEN_FULL		(120ULL * NSEC_PER_SEC)
#define KLEAK_SCORE_HIGH	70
#define KLEAK_SCORE_MEDIUM	40
#define KLEAK_SCORE_OWN_MAX	10
#define KLEAK_SCORE_RECLAIM_MAX	(KLEAK_SCORE_HIGH - 1)

/* What a stack's frames go through: kernel bookkeeping, or a shrinker's cache */
enum kleak_stack_class {
	KLEAK_OWN = 1,
	KLEAK_RECLAIMABLE,
};

/**
 * struct kleak_evidence - what suspects scores a stack by
 * @n: live objects
 * @allocs: allocations seen
 * @seen: ns since its first allocation seen
 * @slices: bitmap of the KLEAK_SLICES slices of @seen holding a live object
 * @class: enum kleak_stack_class, or 0
 * @survival: out: @n / @allocs, in thousandths
 * @steady: out: slices covered over those expected, in thousandths
 */
struct kleak_evidence {
	u64 n;
	u64 allocs;
	u64 seen;
	u16 slices;
	u8 class;
	u16 survival;
	u16 steady;
};

unsigned int kleak_suspect_eval(struct kleak_evidence *ev);

struct kleak_report *kleak_report_open(enum kleak_view view);
void kleak_report_close(struct kleak_report *r);
u32 kleak_report_len(const struct kleak_report *r);
void kleak_report_show(struct kleak_out *out, struct kleak_report *r, u32 pos);

/**
 * struct kleak_object_view - what the object file shows of one object
 * @o: its record, copied when the view was loaded
 * @idx: its pool index
 * @size: its allocated size
 * @chunk: room for one chunk of its memory
 * @sym: room for a symbol
 */
struct kleak_object_view {
	struct kleak_obj o;
	u32 idx;
	size_t size;
	u8 chunk[KLEAK_OBJECT_CHUNK];
	char sym[KSYM_SYMBOL_LEN];
};

int kleak_object_load(struct kleak_object_view *v, unsigned long addr);
u32 kleak_object_len(const struct kleak_object_view *v);
void kleak_object_show(struct kleak_out *out, struct kleak_object_view *v, u32 pos);

void kleak_stats_show(struct kleak_out *out);
const char *kleak_counter_name(unsigned int c);
bool kleak_contents_locked(void);
void kleak_summary(struct kleak_out *out, unsigned int top);
u64 kleak_stack_live(u32 sidx, u64 *bytes);
/* the most sample_bytes may be: one page of hex dump per group */
#define KLEAK_SAMPLE_BYTES_MAX	4096

unsigned int kleak_sample_bytes_get(void);
void kleak_mark_set(bool on);
u64 kleak_mark_get(void);
int kleak_report_init(void);
void kleak_report_exit(void);

#endif /* _KLEAK_REPORT_H */
