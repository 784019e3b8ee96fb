// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the reports.  It owns the report contexts, the mark, the
 * summary's context and the formats of every view:
 *
 *   outstanding  every live object that passes the filters, oldest first
 *   stacks       objects grouped by stack, largest live bytes first, with a
 *                hex dump and the printable strings of one exemplar
 *   suspects     the same groups, the likeliest leak first: each with a
 *                score and the evidence behind it (see "suspects" below)
 *   object       one object's record and contents
 *   stats        events, live and peak objects, memory, drops and misses
 *   summary      the totals and top stacks, printed at rmmod
 *
 * It reads the tracker's records (access.c), the stack store and the name
 * tables, and prints through the formatter; it only formats and never
 * changes what the tracker keeps.  Every view is counted from the records
 * in one pass, by kleak_report_snapshot(), into a context of its own: an
 * open report file's (allocated at open, freed at release), or the
 * summary's (allocated at load, so that rmmod needs no memory).
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "allocfns.h"
#include "filter.h"
#include "names.h"
#include "report.h"
#include "stack.h"
#include "symbols.h"
#include "tracker.h"

#define KLEAK_STRINGS_MAX	16	/* strings shown per object */
#define KLEAK_STRINGS_SCAN	SZ_64K	/* bytes of an exemplar scanned for strings */
#define KLEAK_TOP_COMMS		3	/* comms shown per stack */
#define KLEAK_SUMMARY_LARGEST	5	/* stacks by live bytes in the rmmod summary */

static unsigned int kleak_sample_bytes = 64;

/* Bounded: each group of stacks dumps at most a page, whatever the object. */
static int kleak_sample_bytes_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > KLEAK_SAMPLE_BYTES_MAX) {
		pr_warn_ratelimited("sample_bytes=%*pE: want 0 to %u\n",
				    kleak_esc_len(val), val, KLEAK_SAMPLE_BYTES_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(kleak_sample_bytes, n);
	return 0;
}

static const struct kernel_param_ops kleak_sample_bytes_ops = {
	.set = kleak_sample_bytes_set,
	.get = param_get_uint,
};
module_param_cb(sample_bytes, &kleak_sample_bytes_ops, &kleak_sample_bytes, 0600);
MODULE_PARM_DESC(sample_bytes, "Bytes of each exemplar object hex-dumped in the stacks view, 0 to 4096 (default 64; writable)");

/*
 * Under confidentiality lockdown the kernel refuses /proc/kcore and BPF
 * reads of its memory (LOCKDOWN_KCORE is of that level), and kleak hands
 * out none either: no object dump, sample or strings.  A lockdown is
 * never lifted, so once seen it is kept (and the lockdown LSM's own
 * notice is printed once).  Each refusal is counted (stats:
 * contents_refused).
 */
static bool kleak_confidential;
static atomic_long_t kleak_contents_refused = ATOMIC_LONG_INIT(0);

/**
 * kleak_contents_locked() - may kernel memory be shown?  Counts a refusal
 *
 * Process context.  Return: true (refused) under confidentiality lockdown.
 */
bool kleak_contents_locked(void)
{
	if (!READ_ONCE(kleak_confidential)) {
		if (!security_locked_down(LOCKDOWN_KCORE))
			return false;
		WRITE_ONCE(kleak_confidential, true);
	}
	atomic_long_inc(&kleak_contents_refused);
	pr_warn_once("lockdown=confidentiality: object contents, samples and strings are refused\n");
	return true;
}

/** kleak_sample_bytes_get() - bytes dumped per stack.  Return: sample_bytes. */
unsigned int kleak_sample_bytes_get(void)
{
	return READ_ONCE(kleak_sample_bytes);
}

/* Reports show only objects allocated after this (0: no mark). */
static u64 kleak_mark_ts;

/**
 * kleak_mark_set() - set the mark at now, or remove it
 * @on: true to set it
 */
void kleak_mark_set(bool on)
{
	WRITE_ONCE(kleak_mark_ts, on ? kleak_clock() : 0);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_mark_set);

/** kleak_mark_get() - the mark.  Return: its kleak_clock() time, 0 for none. */
u64 kleak_mark_get(void)
{
	return READ_ONCE(kleak_mark_ts);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_mark_get);

/* ---- report contexts --------------------------------------------------- */

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

static atomic_t kleak_reports_open = ATOMIC_INIT(0);

/* The summary's context, made at load; protects it: */
static DEFINE_MUTEX(kleak_summary_mutex);
static struct kleak_report *kleak_summary_rep;

static void kleak_report_free(struct kleak_report *r)
{
	if (!r)
		return;
	vfree(r->modmatch);
	vfree(r->objs);
	vfree(r->stacks);
	kfree(r);
}

static struct kleak_report *kleak_report_alloc(enum kleak_view view, bool filtered)
{
	struct kleak_report *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->view = view;
	r->filtered = filtered;
	r->modmatch = vmalloc(kleak_stacks_max());
	if (view == KLEAK_VIEW_OUTSTANDING)
		r->objs = vmalloc(array_size(kleak_max_objects(), sizeof(*r->objs)));
	else
		r->stacks = vmalloc(array_size(kleak_stacks_max(), sizeof(*r->stacks)));
	if (!r->modmatch || (!r->objs && !r->stacks)) {
		kleak_report_free(r);
		return NULL;
	}
	return r;
}

/*
 * kleak's own allocations (the reports' contexts, the object views) are
 * tracked like any other, and live while a report is open: the views leave
 * out the stacks whose call site is in kleak's own text.
 */
static bool kleak_stack_own(u32 sidx)
{
	const struct kleak_stack *st = kleak_stack_get(sidx);

	return st->nr && !READ_ONCE(st->frozen) && within_module(st->frames[0], THIS_MODULE);
}

/* Is stack @sidx shown: not kleak's own, and through filter.module if set. */
static bool kleak_stack_passes(struct kleak_report *r, u32 sidx)
{
	if (!r->modmatch[sidx])
		r->modmatch[sidx] = !kleak_stack_own(sidx) &&
				    (!r->filter.module[0] ||
				     kleak_stack_in_module(sidx, r->filter.module)) ? 2 : 1;
	return r->modmatch[sidx] == 2;
}

static int kleak_snap_cmp(const void *a, const void *b)
{
	const struct kleak_snap *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* A stack's call site, its first frame; 0 for the stack table's overflow. */
static unsigned long kleak_snap_site(const struct kleak_stack_snap *s)
{
	const struct kleak_stack *st = kleak_stack_get(s->sidx);

	return st->nr ? st->frames[0] : 0;
}

static int kleak_site_cmp(const void *a, const void *b)
{
	unsigned long x = kleak_snap_site(a), y = kleak_snap_site(b);

	return x < y ? -1 : x > y;
}

/* allocinfo: merge the stacks of each call site into its first, in place */
static void kleak_report_by_site(struct kleak_report *r)
{
	u32 i, n = 0;

	sort(r->stacks, r->n, sizeof(*r->stacks), kleak_site_cmp, NULL);
	for (i = 0; i < r->n; i++) {
		r->stacks[i].inexact = r->lost || kleak_stack_inexact(r->stacks[i].sidx);
		if (n && !kleak_site_cmp(&r->stacks[n - 1], &r->stacks[i])) {
			r->stacks[n - 1].objs += r->stacks[i].objs;
			r->stacks[n - 1].bytes += r->stacks[i].bytes;
			r->stacks[n - 1].inexact |= r->stacks[i].inexact;
			continue;
		}
		r->stacks[n++] = r->stacks[i];
	}
	r->n = n;
}

static int kleak_ssnap_cmp(const void *a, const void *b)
{
	const struct kleak_stack_snap *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->sidx < y->sidx ? -1 : x->sidx > y->sidx;
}

/* ---- suspects ----------------------------------------------------------
 *
 * A leak allocates and never frees, at whatever pace it has, for as long as
 * its cause lasts.  Legitimate long-lived objects differ in one of three
 * ways: they are freed (churn: most of what the stack allocated is gone),
 * they came in a burst (a walk of the file system filled a cache once), or
 * they die after a while (time-wait sockets: nothing old is left).  The
 * score of a stack multiplies, each from 0 to 1:
 *
 *   survival   its live objects over its allocations, squared: a stack that
 *              freed half of what it allocated gets a quarter;
 *   steady     the slices of its life (KLEAK_SLICES equal parts, from its
 *              first allocation seen to now) that hold a live object, over
 *              the slices that as many objects allocated at random times
 *              would cover: a burst covers one, a leak nearly all, old
 *              slices of objects that die after a while are empty;
 *   spread     c / (c + 3) of the c slices covered: a few objects, or one
 *              burst, are no pattern yet;
 *   time       how long it has been seen, up to KLEAK_SEEN_FULL: objects
 *              that die after a minute (time-wait sockets) look like a leak
 *              for that minute, and do not claim one.
 *
 * Two kinds of stacks are capped.  Those through the kernel's own
 * bookkeeping (KLEAK_OWN_FNS: vmalloc's areas, freed lazily in batches,
 * when the vmalloc kind is tracked; the slab allocator's sheaves; the
 * kernel's page tables) at KLEAK_SCORE_OWN_MAX: they are not the caller's
 * leak.  Those through the dentry and inode caches or the page cache
 * (KLEAK_RECLAIM_FNS), which reclaim frees under pressure, below high:
 * they are not leaks until reclaim fails to free them (kleak-report
 * --reclaim).
 * Orphans (objects whose allocating task has exited) are shown, not
 * scored.  Everything here is computed by the reader from the records; the
 * probes keep nothing for it but each stack's birth time.
 */
#define KLEAK_OWN_FRAMES	8	/* frames searched for the functions above */

static struct kleak_ranges kleak_own_fns, kleak_own_vmalloc_fns, kleak_reclaim_fns;

static const char *kleak_confidence(unsigned int score)
{
	return score >= KLEAK_SCORE_HIGH ? "high" : score >= KLEAK_SCORE_MEDIUM ? "medium" : "low";
}

/* KLEAK_OWN, KLEAK_RECLAIMABLE or 0: what the frames of stack @sidx go through */
static u8 kleak_stack_class(u32 sidx)
{
	const struct kleak_stack *st = kleak_stack_get(sidx);
	bool vm = kleak_kinds_get() & BIT(KLEAK_KIND_VMALLOC);
	unsigned int i, n = min_t(unsigned int, st->nr, KLEAK_OWN_FRAMES);
	u8 class = 0;

	for (i = 0; i < n; i++) {
		if (kleak_in_ranges(&kleak_own_fns, st->frames[i]) ||
		    (vm && kleak_in_ranges(&kleak_own_vmalloc_fns, st->frames[i])))
			return KLEAK_OWN;
		if (kleak_in_ranges(&kleak_reclaim_fns, st->frames[i]))
			class = KLEAK_RECLAIMABLE;
	}
	return class;
}

/* Has the task that allocated @o exited?  Not known for IRQ context. */
static bool kleak_obj_orphan(const struct kleak_obj *o, bool *known)
{
	bool gone;

	*known = o->pid && !(o->flags & (KLEAK_OBJ_HARDIRQ | KLEAK_OBJ_SOFTIRQ));
	if (!*known)
		return false;
	rcu_read_lock();
	gone = !pid_task(find_pid_ns(o->pid, &init_pid_ns), PIDTYPE_PID);
	rcu_read_unlock();
	return gone;
}

/* The slice of stack @st's life, up to @now, that @ts falls in. */
static unsigned int kleak_slice(const struct kleak_stack *st, u64 now, u64 ts)
{
	u64 life = kleak_age_at(now, st->born) + 1, at = kleak_age_at(ts, st->born);

	return min_t(u64, div64_u64(min(at, life - 1) * KLEAK_SLICES, life), KLEAK_SLICES - 1);
}

/*
 * Slices, in thousandths, that @n objects at random times would cover:
 * KLEAK_SLICES * (1 - (1 - 1/KLEAK_SLICES)^n).
 */
static u32 kleak_slices_expected(u64 n)
{
	u64 miss = 1000000;	/* (1 - 1/KLEAK_SLICES)^n, in millionths */
	u64 i;

	for (i = 0; i < min_t(u64, n, 256); i++)
		miss = miss * (KLEAK_SLICES - 1) / KLEAK_SLICES;
	return KLEAK_SLICES * (1000000 - miss) / 1000;
}

/**
 * kleak_suspect_eval() - the score of a stack's evidence
 * @ev: the evidence: @n live objects of @allocs allocations, the @slices
 *	covered, @seen ns since the first allocation, and the @class of its
 *	frames (KLEAK_OWN, KLEAK_RECLAIMABLE or 0); the ratios it derives are
 *	stored in @survival and @steady, in thousandths
 *
 * Return: the score, 0 (no sign of a leak) to 100.
 */
unsigned int kleak_suspect_eval(struct kleak_evidence *ev)
{
	u32 expected = kleak_slices_expected(ev->n), c = hweight16(ev->slices);
	u64 score;

	ev->allocs = max(ev->allocs, ev->n);
	ev->survival = div64_u64(ev->n * 1000, ev->allocs ?: 1);
	ev->steady = min_t(u64, 1000, div64_u64((u64)c * 1000000, expected ?: 1));
	score = (u64)ev->survival * ev->survival / 1000;
	score = score * ev->steady / 1000;
	score = score * c / (c + 3);
	score = score * min_t(u64, ev->seen, KLEAK_SEEN_FULL) / KLEAK_SEEN_FULL;
	score /= 10;
	if (ev->class == KLEAK_OWN)
		score = min_t(u64, score, KLEAK_SCORE_OWN_MAX);
	else if (ev->class == KLEAK_RECLAIMABLE)
		score = min_t(u64, score, KLEAK_SCORE_RECLAIM_MAX);
	return score;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_suspect_eval);

/* Score stack snapshot @s from its evidence; @now: the report's time. */
static void kleak_suspect_score(struct kleak_stack_snap *s, u64 now)
{
	struct kleak_evidence ev = {
		.n = s->all_objs,
		.allocs = s->allocs,
		.slices = s->slices,
		.seen = kleak_age_at(now, kleak_stack_get(s->sidx)->born),
		.class = kleak_stack_class(s->sidx),
	};

	s->score = kleak_suspect_eval(&ev);
	s->allocs = ev.allocs;
	s->seen = ev.seen;
	s->survival = ev.survival;
	s->steady = ev.steady;
	s->own = ev.class;
	if (s->sidx == KLEAK_STACK_OVERFLOW)
		s->score = 0;	/* the objects of many stacks */
}

static int kleak_suspect_cmp(const void *a, const void *b)
{
	const struct kleak_stack_snap *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return kleak_ssnap_cmp(a, b);
}

/* The score line of a suspect, and its evidence: one printk at rmmod. */
static void kleak_suspect_show(struct kleak_out *out, const struct kleak_stack_snap *s)
{
	char line[256];
	struct kleak_out b = { .buf = line, .size = sizeof(line) };

	kleak_printf(&b, "  score: %u %s", s->score, kleak_confidence(s->score));
	kleak_printf(&b, "; survival %u%% (%llu of %llu allocs live)",
		     s->survival / 10, s->all_objs, s->allocs);
	kleak_printf(&b, "; steady %u%% (%u of %u slices", s->steady / 10,
		     hweight16(s->slices), KLEAK_SLICES);
	kleak_print_age(&b, " of ", s->seen);
	kleak_printf(&b, ")");
	if (s->tasks)
		kleak_printf(&b, "; orphans %u of %u", s->orphans, s->tasks);
	if (s->sidx == KLEAK_STACK_OVERFLOW)
		kleak_printf(&b, "; many stacks (stack table full)");
	if (s->own == KLEAK_OWN)
		kleak_printf(&b, "; kernel bookkeeping (allocator, page tables)");
	else if (s->own == KLEAK_RECLAIMABLE)
		kleak_printf(&b, "; reclaimable (dentry, inode or page cache)");
	kleak_printf(out, "%s\n", line);
}

/* Heavy hitters of the comms: a small "space saving" sketch. */
static void kleak_tally_comm(struct kleak_stack_snap *s, u16 comm)
{
	int i, min = 0;

	for (i = 0; i < ARRAY_SIZE(s->comm); i++) {
		if (s->comm[i] == comm && s->comm_count[i]) {
			s->comm_count[i]++;
			return;
		}
		if (s->comm_count[i] < s->comm_count[min])
			min = i;
	}
	s->comm[min] = comm;
	s->comm_count[min]++;
}

/* Count live record @idx into its stack; @walk: test it against the filters. */
static void kleak_tally(struct kleak_report *r, u32 idx, const struct kleak_obj *o,
			bool walk)
{
	struct kleak_stack_snap *s = &r->stacks[o->stack];
	bool known;

	s->all_objs++;
	if (r->view == KLEAK_VIEW_SUSPECTS) {
		s->slices |= BIT(kleak_slice(kleak_stack_get(o->stack), r->now, o->ts));
		if (kleak_obj_orphan(o, &known))
			s->orphans++;
		s->tasks += known;
	}
	if (walk && !kleak_filter_report(&r->filter, o, r->now, r->mark))
		return;
	if (!s->objs || o->ts < s->oldest) {
		s->oldest = o->ts;
		s->oldest_idx = idx;
		s->oldest_addr = o->addr;
		s->cache = o->cache;
		s->kind = kleak_obj_kind(o);
	}
	s->objs++;
	s->bytes += kleak_obj_bytes(o);
	kleak_tally_comm(s, o->comm);
}

/*
 * Fill @r from the records, in one pass: the objects that pass the
 * filters, oldest first; or what every stack has live, largest first, the
 * stacks without a passing object left out.  The probes keep no per-stack
 * state, so this is where a stack's live objects are counted.
 */
static void kleak_report_snapshot(struct kleak_report *r)
{
	u32 i, nr, max = kleak_max_objects();
	struct kleak_obj o;
	bool walk;

	if (r->filtered) {
		kleak_filter_get(&r->filter);
		r->mark = kleak_mark_get();
	} else {
		memset(&r->filter, 0, sizeof(r->filter));
		r->mark = 0;
	}
	r->now = kleak_clock();
	r->lost = kleak_lost_unattributed();
	r->n = 0;
	memset(r->modmatch, 0, kleak_stacks_max());
	walk = kleak_filter_per_object(&r->filter, r->mark);

	kleak_records_lock();
	/* a stack added after this is left for the next report */
	nr = kleak_stacks_nr();
	if (r->stacks)
		memset(r->stacks, 0, array_size(nr, sizeof(*r->stacks)));
	/*
	 * Allocations before the pass: an object allocated during it may be
	 * counted live without its allocation, never an allocation without
	 * its object (kleak_suspect_score() takes the larger).
	 */
	for (i = 1; r->view == KLEAK_VIEW_SUSPECTS && i < nr; i++)
		r->stacks[i].allocs = kleak_stack_allocs(i);
	for (i = 1; i < max; i++) {
		if (!(i & 4095))
			cond_resched();
		if (!kleak_record_get(i, &o))
			continue;
		if (r->stacks) {
			if (o.stack < nr)
				kleak_tally(r, i, &o, walk);
			continue;
		}
		if (!kleak_filter_report(&r->filter, &o, r->now, r->mark) ||
		    !kleak_stack_passes(r, o.stack))
			continue;
		r->objs[r->n].ts = o.ts;
		r->objs[r->n].addr = o.addr;
		r->objs[r->n].idx = i;
		r->n++;
	}
	for (i = 1; r->stacks && i < nr; i++) {
		if (!r->stacks[i].objs || !kleak_stack_passes(r, i))
			continue;
		r->stacks[i].sidx = i;
		/* n <= i: entries below i are already counted */
		r->stacks[r->n++] = r->stacks[i];
	}
	kleak_records_unlock();
	if (r->objs) {
		sort(r->objs, r->n, sizeof(*r->objs), kleak_snap_cmp, NULL);
	} else if (r->view == KLEAK_VIEW_SUSPECTS) {
		for (i = 0; i < r->n; i++)
			kleak_suspect_score(&r->stacks[i], r->now);
		sort(r->stacks, r->n, sizeof(*r->stacks), kleak_suspect_cmp, NULL);
	} else {
		if (r->view == KLEAK_VIEW_ALLOCINFO)
			kleak_report_by_site(r);
		sort(r->stacks, r->n, sizeof(*r->stacks), kleak_ssnap_cmp, NULL);
	}
}

/**
 * kleak_report_open() - a new report, counted now
 * @view: what it shows
 *
 * Process context.  At most KLEAK_REPORTS_MAX are open at once.
 * Return: the report, ERR_PTR(-EBUSY) or ERR_PTR(-ENOMEM).
 */
struct kleak_report *kleak_report_open(enum kleak_view view)
{
	struct kleak_report *r;

	if (atomic_inc_return(&kleak_reports_open) > KLEAK_REPORTS_MAX) {
		atomic_dec(&kleak_reports_open);
		return ERR_PTR(-EBUSY);
	}
	r = kleak_report_alloc(view, true);
	if (!r) {
		atomic_dec(&kleak_reports_open);
		return ERR_PTR(-ENOMEM);
	}
	kleak_report_snapshot(r);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_report_open);

/**
 * kleak_report_close() - free a report from kleak_report_open()
 * @r: the report
 */
void kleak_report_close(struct kleak_report *r)
{
	kleak_report_free(r);
	atomic_dec(&kleak_reports_open);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_report_close);

/**
 * kleak_report_len() - entries of a report, its header not counted
 * @r: the report
 *
 * Return: the number of objects or stacks.
 */
u32 kleak_report_len(const struct kleak_report *r)
{
	return r->n;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_report_len);

/* ---- the views --------------------------------------------------------- */

/**
 * kleak_print_stack() - the symbolized frames of a stack, one per line
 * @out: the target
 * @sidx: stack index
 * @indent: printed before each frame
 * @sym: room for a symbol, KSYM_SYMBOL_LEN
 */
static void kleak_print_stack(struct kleak_out *out, u32 sidx, const char *indent, char *sym)
{
	const struct kleak_stack *st = kleak_stack_get(sidx);
	unsigned int i;

	if (!st->nr)
		kleak_printf(out, "%s(stack table full: stacks not kept)\n", indent);
	for (i = 0; i < st->nr; i++) {
		kleak_stack_print_frame(sidx, i, sym, KSYM_SYMBOL_LEN);
		kleak_printf(out, "%s%s\n", indent, sym);
	}
}

/*
 * The address an object is shown and looked up at: a page block's is its
 * first page's in the kernel's map (its struct page when it has none, a
 * highmem page); the other kinds' are their keys.
 */
static unsigned long kleak_obj_shown_addr(const struct kleak_obj *o)
{
	void *va;

	if (kleak_obj_kind(o) != KLEAK_KIND_PAGE)
		return o->addr;
	va = page_address((struct page *)o->addr);
	return va ? (unsigned long)va : o->addr;
}

/* " kind=K", and what is particular to the kind. */
static void kleak_print_kind(struct kleak_out *out, const struct kleak_obj *o)
{
	enum kleak_kind kind = kleak_obj_kind(o);

	kleak_printf(out, " kind=%s", kleak_kind_name(kind));
	if (kind == KLEAK_KIND_PAGE)
		kleak_printf(out, " pfn=%#lx order=%u migratetype=%u",
			     page_to_pfn((struct page *)o->addr),
			     get_order(o->bytes_req), o->cache);
	else if (kind == KLEAK_KIND_PERCPU)
		kleak_printf(out, " cpus=%u", num_possible_cpus());
}

/*
 * The symbol of an object's call site, the first frame of its stack; named
 * even if its module is gone.
 */
static void kleak_site(const struct kleak_obj *o, char *sym)
{
	if (kleak_stack_get(o->stack)->nr)
		kleak_stack_print_frame(o->stack, 0, sym, KSYM_SYMBOL_LEN);
	else
		strscpy(sym, "? (stack table full)", KSYM_SYMBOL_LEN);
}

static void kleak_outstanding_header(struct kleak_out *out, struct kleak_report *r)
{
	char fbuf[KLEAK_FILTER_TEXT];

	kleak_filter_format(&r->filter, fbuf, sizeof(fbuf));
	kleak_printf(out, "# kleak outstanding: %u objects, oldest first; filter: %s%s\n",
		     r->n, fbuf, r->mark ? " (after mark)" : "");
}

static void kleak_outstanding_item(struct kleak_out *out, struct kleak_report *r,
				   const struct kleak_snap *s)
{
	const struct kleak_cache_info *c;
	struct kleak_obj o;

	if (!kleak_record_get(s->idx, &o) || o.addr != s->addr || o.ts != s->ts)
		return;		/* freed since the snapshot */
	c = kleak_obj_cache_info(&o);
	kleak_site(&o, r->sym);
	kleak_printf(out, "0x%lx size=%u/%llu cache=%s", kleak_obj_shown_addr(&o), o.bytes_req,
		     c ? c->size : kleak_obj_bytes(&o), c ? c->name : "-");
	kleak_print_kind(out, &o);
	kleak_print_age(out, " age=", kleak_age_at(r->now, o.ts));
	kleak_printf(out, " pid=%u comm=%s cpu=%u%s gfp=%#x stack=%u site=%s\n",
		     o.pid, kleak_comm_name(o.comm), o.cpu,
		     o.flags & KLEAK_OBJ_HARDIRQ ? " ctx=hardirq" :
		     o.flags & KLEAK_OBJ_SOFTIRQ ? " ctx=softirq" : "",
		     o.gfp, o.stack, r->sym);
}

/* Hex dump and strings of the oldest live object of a stack. */
static void kleak_stack_sample(struct kleak_out *out, const struct kleak_stack_snap *s)
{
	struct kleak_strscan ss = { .out = out, .max = KLEAK_STRINGS_MAX };
	u8 chunk[256];
	struct kleak_obj o;
	size_t size, off, n, sample = READ_ONCE(kleak_sample_bytes);
	u32 idx = s->oldest_idx;
	enum kleak_kind kind;

	if (kleak_contents_locked()) {
		kleak_printf(out, "  sample: (refused: lockdown=confidentiality)\n");
		return;
	}
	if (!kleak_record_get(idx, &o) || o.addr != s->oldest_addr || o.ts != s->oldest) {
		kleak_printf(out, "  sample: (the oldest object was freed since the snapshot)\n");
		return;
	}
	size = kleak_obj_size(&o);
	sample = min(sample, size);
	kind = kleak_obj_kind(&o);
	kleak_printf(out, "  sample: %s 0x%lx (%zu bytes%s), first %zu bytes:\n",
		     kind == KLEAK_KIND_SLAB ? "object" : kleak_kind_name(kind),
		     kleak_obj_shown_addr(&o), size,
		     kind == KLEAK_KIND_PERCPU ? " per CPU, CPU 0's copy" : "", sample);
	for (off = 0; off < sample; off += n) {
		n = min(sample - off, sizeof(chunk));
		if (kleak_record_read(idx, o.addr, o.ts, off, chunk, n)) {
			kleak_printf(out, "    (freed while reading)\n");
			return;
		}
		kleak_hexdump(out, chunk, n, off);
	}
	kleak_printf(out, "  strings:\n");
	size = min_t(size_t, size, KLEAK_STRINGS_SCAN);
	for (off = 0; off < size && ss.shown < ss.max; off += n) {
		n = min(size - off, sizeof(chunk));
		if (kleak_record_read(idx, o.addr, o.ts, off, chunk, n))
			break;
		kleak_strings_scan(&ss, chunk, n);
	}
	kleak_strings_end(&ss);
}

/* Print one stack group of @r; @sample: with its exemplar's contents. */
static void kleak_stack_report(struct kleak_out *out, struct kleak_report *r,
			       const struct kleak_stack_snap *s, unsigned int rank, bool sample)
{
	const struct kleak_cache_info *c = s->kind == KLEAK_KIND_SLAB ?
					   kleak_cache_get(s->cache) : NULL;
	u64 allocs = r->view == KLEAK_VIEW_SUSPECTS ? s->allocs : kleak_stack_allocs(s->sidx);
	char line[128];
	size_t n = 0;
	int i;

	/* every object of the stack that is not live any more was freed */
	kleak_printf(out, "#%u stack %u: %llu objects, %llu bytes live; %llu allocs, %llu frees\n",
		     rank, s->sidx, s->objs, s->bytes, allocs,
		     allocs - min(allocs, s->all_objs));
	if (r->view == KLEAK_VIEW_SUSPECTS)
		kleak_suspect_show(out, s);
	line[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(s->comm); i++)
		if (s->comm_count[i])
			n += scnprintf(line + n, sizeof(line) - n, " %s(%u)",
				       kleak_comm_name(s->comm[i]), s->comm_count[i]);
	kleak_printf(out, "  cache: %s  kind: %s", c ? c->name :
		     s->kind == KLEAK_KIND_SLAB ? "?" : "-", kleak_kind_name(s->kind));
	kleak_print_age(out, "  oldest: ", kleak_age_at(r->now, s->oldest));
	kleak_printf(out, "  comms:%s\n", n ? line : " ?");
	kleak_printf(out, "  backtrace:\n");
	kleak_print_stack(out, s->sidx, "    ", r->sym);
	if (sample)
		kleak_stack_sample(out, s);
}

static void kleak_stacks_header(struct kleak_out *out, struct kleak_report *r)
{
	char fbuf[KLEAK_FILTER_TEXT];
	u64 objs = 0, bytes = 0;
	u32 i;

	for (i = 0; i < r->n; i++) {
		objs += r->stacks[i].objs;
		bytes += r->stacks[i].bytes;
	}
	kleak_filter_format(&r->filter, fbuf, sizeof(fbuf));
	kleak_printf(out, "# kleak %s: %u stacks, %llu objects, %llu bytes live; ",
		     r->view == KLEAK_VIEW_SUSPECTS ? "suspects" : "stacks", r->n, objs, bytes);
	if (r->view == KLEAK_VIEW_SUSPECTS)
		kleak_printf(out, "likeliest leak first (score %u+ high, %u+ medium); ",
			     KLEAK_SCORE_HIGH, KLEAK_SCORE_MEDIUM);
	else
		kleak_printf(out, "largest first; ");
	kleak_printf(out, "filter: %s%s", fbuf, r->mark ? " (after mark)" : "");
	if (kleak_sample_rate() > 1)
		kleak_printf(out, "; sampled: 1 allocation in %u tracked", kleak_sample_rate());
	kleak_printf(out, "\n");
}

/*
 * allocinfo: the format of the kernel's /proc/allocinfo v2.0
 * (lib/alloc_tag.c), per call site.  Its tag is "file:line [module]
 * func:function", then optional " key:value" pairs; kleak knows the call
 * site's symbol and offset, not its line, so the file is the
 * symbol+offset and the line 0.  "accurate:no", as the kernel marks a tag
 * whose counters may be wrong: an event of the site's objects was lost
 * (kleak_stack_inexact()), or one that no site can be told of.
 */
#define KLEAK_ALLOCINFO_HEADER	"allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n"
/* the kernel ends each line with a space */
#define KLEAK_ALLOCINFO_EOL	"\x20\n"

static void kleak_allocinfo_item(struct kleak_out *out, struct kleak_report *r,
				 const struct kleak_stack_snap *s)
{
	const char *acc = s->inexact ? " accurate:no" : "";
	char *sym = r->sym, *mod, *end, *fn_end;

	if (!kleak_stack_get(s->sidx)->nr) {
		/* the stack table's overflow: what lost its stack */
		kleak_printf(out, "%12llu %8llu unknown:0 func:unknown accurate:no%s", s->bytes,
			     s->objs, KLEAK_ALLOCINFO_EOL);
		return;
	}
	kleak_stack_print_frame(s->sidx, 0, sym, KSYM_SYMBOL_LEN);
	/* "fn+0x1a/0x40 [mod]": the file is "fn+0x1a", the function "fn" */
	mod = strchr(sym, '[');
	end = strchr(sym, '/');
	if (!end || (mod && end > mod))
		end = mod ? mod - 1 : sym + strlen(sym);
	fn_end = strchr(sym, '+');
	if (!fn_end || fn_end > end)
		fn_end = end;
	if (mod) {
		mod++;
		mod[strcspn(mod, "]")] = '\0';
	}
	kleak_printf(out, "%12llu %8llu %.*s:0 ", s->bytes, s->objs, (int)(end - sym), sym);
	if (mod)
		kleak_printf(out, "[%s] ", mod);
	kleak_printf(out, "func:%.*s%s%s", (int)(fn_end - sym), sym, acc, KLEAK_ALLOCINFO_EOL);
}

/**
 * kleak_report_show() - print the header (@pos 0) or entry @pos of a report
 * @out: the target
 * @r: the report
 * @pos: 0 for the header, 1..kleak_report_len() for an entry
 *
 * kleak_records_lock() held: objects are read.
 */
void kleak_report_show(struct kleak_out *out, struct kleak_report *r, u32 pos)
{
	if (pos > r->n)
		return;
	if (r->view == KLEAK_VIEW_OUTSTANDING) {
		if (!pos)
			kleak_outstanding_header(out, r);
		else
			kleak_outstanding_item(out, r, &r->objs[pos - 1]);
		return;
	}
	if (r->view == KLEAK_VIEW_ALLOCINFO) {
		if (!pos)
			kleak_printf(out, "%s", KLEAK_ALLOCINFO_HEADER);
		else
			kleak_allocinfo_item(out, r, &r->stacks[pos - 1]);
		return;
	}
	if (!pos) {
		kleak_stacks_header(out, r);
		return;
	}
	kleak_stack_report(out, r, &r->stacks[pos - 1], pos, true);
	kleak_printf(out, "\n");
}
EXPORT_SYMBOL_IF_KUNIT(kleak_report_show);

/* ---- object ------------------------------------------------------------ */

/**
 * kleak_object_load() - the record of the object at @addr, into a view
 * @v: the view
 * @addr: the object's address
 *
 * kleak_records_lock() held.  Return: 0, -EPERM under confidentiality
 * lockdown (kleak_contents_locked()), or -ENOENT when it is not tracked.
 */
int kleak_object_load(struct kleak_object_view *v, unsigned long addr)
{
	if (kleak_contents_locked())
		return -EPERM;
	if (!addr || !__kleak_lookup(addr, &v->o, &v->idx))
		return -ENOENT;
	v->size = kleak_obj_size(&v->o);
	return 0;
}

/**
 * kleak_object_len() - chunks of the object's memory a view shows
 * @v: a loaded view
 *
 * Return: the number of KLEAK_OBJECT_CHUNK chunks.
 */
u32 kleak_object_len(const struct kleak_object_view *v)
{
	return DIV_ROUND_UP(v->size, KLEAK_OBJECT_CHUNK);
}

/**
 * kleak_object_show() - print a view's header (@pos 0) or chunk @pos
 * @out: the target
 * @v: a loaded view
 * @pos: 0 for the header, 1..kleak_object_len() for a chunk
 *
 * kleak_records_lock() held.
 */
void kleak_object_show(struct kleak_out *out, struct kleak_object_view *v, u32 pos)
{
	const struct kleak_obj *o = &v->o;
	const struct kleak_cache_info *c = kleak_obj_cache_info(o);
	size_t off, n;

	if (!pos) {
		kleak_site(o, v->sym);
		kleak_printf(out, "object 0x%lx size=%u/%zu cache=%s", kleak_obj_shown_addr(o),
			     o->bytes_req, v->size, c ? c->name : "-");
		kleak_print_kind(out, o);
		kleak_printf(out, "\n");
		kleak_print_age(out, "  age ", kleak_age_at(kleak_clock(), o->ts));
		kleak_printf(out, " pid %u comm %s cpu %u gfp %#x stack %u\n",
			     o->pid, kleak_comm_name(o->comm), o->cpu, o->gfp, o->stack);
		kleak_printf(out, "  call site: %s\n  backtrace:\n", v->sym);
		kleak_print_stack(out, o->stack, "    ", v->sym);
		kleak_printf(out, "  contents (%zu bytes%s):\n", v->size,
			     kleak_obj_kind(o) == KLEAK_KIND_PERCPU ? ", CPU 0's copy" : "");
		return;
	}
	off = (size_t)(pos - 1) * KLEAK_OBJECT_CHUNK;
	if (off >= v->size)
		return;
	n = min_t(size_t, v->size - off, KLEAK_OBJECT_CHUNK);
	if (kleak_record_read(v->idx, o->addr, o->ts, off, v->chunk, n)) {
		kleak_printf(out, "  (object freed while reading)\n");
		return;
	}
	kleak_hexdump(out, v->chunk, n, off);
}

/* ---- stats ------------------------------------------------------------- */

static const char * const kleak_counter_names[KC_KIND_ALLOCS] = {
	[KC_EV_KMALLOC]		= "events_kmalloc",
	[KC_EV_CACHE_ALLOC]	= "events_kmem_cache_alloc",
	[KC_EV_KFREE]		= "events_kfree",
	[KC_EV_CACHE_FREE]	= "events_kmem_cache_free",
	[KC_EV_BULK_FREE]	= "events_bulk_free",
	[KC_EV_KFREE_RCU]	= "events_kfree_rcu",
	[KC_EV_NOLOCK_ALLOC]	= "events_kmalloc_nolock",
	[KC_EV_NOLOCK_FREE]	= "events_kfree_nolock",
	[KC_TRACKED_ALLOCS]	= "tracked_allocs",
	[KC_TRACKED_FREES]	= "tracked_frees",
	[KC_FILTERED]		= "filtered_out",
	[KC_FAILED_ALLOC]	= "failed_allocs",
	[KC_NULL_FREE]		= "null_frees",
	[KC_DROP_TABLE_FULL]	= "drop_table_full",
	[KC_DROP_STACK_FULL]	= "drop_stack_table_full",
	[KC_DROP_RECURSION]	= "drop_recursion",
	[KC_DROP_NMI]		= "drop_nmi",
	[KC_MISSED_FREE]	= "missed_frees",
	[KC_UNKNOWN_FREE]	= "unknown_frees",
	[KC_SAMPLED_OUT]	= "sampled_out",
	[KC_LIVE_ADD]		= "records_linked",
	[KC_LIVE_SUB]		= "records_released",
	[KC_EV_PAGE_ALLOC]	= "events_page_alloc",
	[KC_EV_PAGE_FREE]	= "events_page_free",
	[KC_EV_VMALLOC]		= "events_vmalloc",
	[KC_EV_VFREE]		= "events_vfree",
	[KC_EV_PERCPU_ALLOC]	= "events_percpu_alloc",
	[KC_EV_PERCPU_FREE]	= "events_percpu_free",
	[KC_EV_BULK_ALLOC]	= "events_bulk_alloc",
	[KC_EV_KREALLOC]	= "events_krealloc",
	[KC_PAGE_OWNED]		= "pages_of_other_allocators",
	[KC_PAGE_USER]		= "pages_user_skipped",
	[KC_KREALLOC_RESIZED]	= "krealloc_resized",
	[KC_DROP_CALLS_FULL]	= "drop_call_table_full",
	[KC_DROP_CLEARED]	= "drop_cleared",
};

/* The per-kind counters, "<kind>_<what>" */
static const char * const kleak_kind_counter_names[] = {
	"allocs", "frees", "unknown_frees", "drops",
};

/**
 * kleak_stats_show() - the stats file: "name: value" lines
 * @out: the target
 */
void kleak_stats_show(struct kleak_out *out)
{
	char kinds[KLEAK_KINDS_TEXT];
	u32 nstacks;
	int i, k;

	kleak_printf(out, "running: %d\n", kleak_running());
	kleak_printf(out, "bulk_free_hooked: %d\n", kleak_bulk_hooked());
	kleak_printf(out, "hooks:");
	kleak_hooks_show(out);
	kleak_printf(out, "live_objects: %ld\n", kleak_live());
	kleak_printf(out, "peak_objects: %u\n", kleak_peak());
	kleak_printf(out, "max_objects: %u\n", kleak_max_objects());
	nstacks = kleak_stacks_nr() - KLEAK_STACKS_RESERVED;
	kleak_printf(out, "stacks: %u\n", nstacks);
	kleak_printf(out, "max_stacks: %u\n", kleak_stacks_max());
	/* the stack table's use, in whole percent rounded up: 1 from the first stack */
	kleak_printf(out, "stack_table_use_pct: %u\n",
		     (u32)DIV_ROUND_UP_ULL((u64)nstacks * 100, kleak_stacks_max()));
	kleak_printf(out, "memory_bytes: %zu\n", kleak_memory_bytes());
	kleak_printf(out, "memory_records_bytes: %zu\n", kleak_records_bytes());
	kleak_printf(out, "memory_index_bytes: %zu\n", kleak_index_memory_bytes());
	kleak_printf(out, "memory_stacks_bytes: %zu\n", kleak_stacks_bytes());
	kleak_printf(out, "object_record_bytes: %zu\n", sizeof(struct kleak_obj));
	for (i = 0; i < KC_KIND_ALLOCS; i++)
		kleak_printf(out, "%s: %llu\n", kleak_counter_names[i], kleak_counter_sum(i));
	kleak_kinds_format(kleak_kinds_get(), kinds, sizeof(kinds));
	kleak_printf(out, "kinds: %s\n", kinds);
	for (k = 0; k < KLEAK_KINDS; k++)
		for (i = 0; i < ARRAY_SIZE(kleak_kind_counter_names); i++)
			kleak_printf(out, "%s_%s: %llu\n", kleak_kind_name(k),
				     kleak_kind_counter_names[i],
				     kleak_counter_sum(KC_KIND_ALLOCS + i * KLEAK_KINDS + k));
	kleak_printf(out, "drop_kprobe_missed: %lu\n", kleak_kprobes_missed());
	kleak_printf(out, "contents_refused: %ld\n", atomic_long_read(&kleak_contents_refused));
	kleak_printf(out, "last_recursion_site: %pS\n", (void *)kleak_recursion_site());
}

/* ---- summary ----------------------------------------------------------- */

/* One line: the live objects and bytes of each kind that has some. */
static void kleak_summary_kinds(struct kleak_out *out, const struct kleak_report *r)
{
	u64 objs[KLEAK_KINDS] = {}, bytes[KLEAK_KINDS] = {};
	char line[160];
	size_t n = 0;
	u32 i;
	int k;

	for (i = 0; i < r->n; i++) {
		objs[r->stacks[i].kind] += r->stacks[i].objs;
		bytes[r->stacks[i].kind] += r->stacks[i].bytes;
	}
	/* one call, one line: printk at rmmod */
	for (k = 0; k < KLEAK_KINDS; k++)
		n += scnprintf(line + n, sizeof(line) - n, " %s=%llu/%llu", kleak_kind_name(k),
			       objs[k], bytes[k]);
	kleak_printf(out, "by kind:%s (objects/bytes)\n", line);
}

/**
 * kleak_summary() - totals, counters, the top suspects and the largest stacks
 * @out: the target (printk at rmmod)
 * @top: how many suspects
 *
 * Process context.  Counts from the records, like the stacks file, with no
 * filter, into the summary's own context.
 */
void kleak_summary(struct kleak_out *out, unsigned int top)
{
	struct kleak_report *r = kleak_summary_rep;
	u64 objs = 0, bytes = 0;
	u32 i, n;

	mutex_lock(&kleak_summary_mutex);
	kleak_report_snapshot(r);
	for (i = 0; i < r->n; i++) {
		objs += r->stacks[i].objs;
		bytes += r->stacks[i].bytes;
	}
	kleak_printf(out, "summary: %llu objects, %llu bytes still live in %u stacks\n",
		     objs, bytes, r->n);
	kleak_summary_kinds(out, r);
	kleak_printf(out, "tracked %llu allocations and %llu frees\n",
		     kleak_counter_sum(KC_TRACKED_ALLOCS), kleak_counter_sum(KC_TRACKED_FREES));
	kleak_printf(out, "dropped: table_full=%llu stack_table_full=%llu recursion=%llu\n",
		     kleak_counter_sum(KC_DROP_TABLE_FULL), kleak_counter_sum(KC_DROP_STACK_FULL),
		     kleak_counter_sum(KC_DROP_RECURSION));
	kleak_printf(out, "missed_frees=%llu unknown_frees=%llu\n",
		     kleak_counter_sum(KC_MISSED_FREE), kleak_counter_sum(KC_UNKNOWN_FREE));
	n = min(r->n, top);
	if (n)
		kleak_printf(out, "top %u suspects, likeliest leak first:\n", n);
	for (i = 0; i < n; i++)
		kleak_stack_report(out, r, &r->stacks[i], i + 1, false);
	/* and the largest: a leak of one burst is large, not steady */
	sort(r->stacks, r->n, sizeof(*r->stacks), kleak_ssnap_cmp, NULL);
	n = min(r->n, KLEAK_SUMMARY_LARGEST);
	if (n)
		kleak_printf(out, "top %u stacks by live bytes:\n", n);
	for (i = 0; i < n; i++)
		kleak_stack_report(out, r, &r->stacks[i], i + 1, false);
	mutex_unlock(&kleak_summary_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_summary);

/**
 * kleak_stack_live() - what stack @sidx has live, counted from the records
 * @sidx: stack index
 * @bytes: where to store their allocated bytes (may be NULL)
 *
 * Process context; the summary's pass over the pool.
 * Return: the number of objects.
 */
u64 kleak_stack_live(u32 sidx, u64 *bytes)
{
	struct kleak_report *r = kleak_summary_rep;
	u64 objs = 0, b = 0;
	u32 i;

	mutex_lock(&kleak_summary_mutex);
	kleak_report_snapshot(r);
	for (i = 0; i < r->n; i++) {
		if (r->stacks[i].sidx != sidx)
			continue;
		objs = r->stacks[i].objs;
		b = r->stacks[i].bytes;
	}
	mutex_unlock(&kleak_summary_mutex);
	if (bytes)
		*bytes = b;
	return objs;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_live);

/**
 * kleak_report_init() - make the summary's context, find the allocators' own
 *
 * After the tracker's init.  Return: 0 or -ENOMEM.
 */
int kleak_report_init(void)
{
	static const char *const own[] = { KLEAK_OWN_FNS, NULL };
	static const char *const own_vmalloc[] = { KLEAK_VMALLOC_OWN_FNS, NULL };
	static const char *const reclaim[] = { KLEAK_RECLAIM_FNS, NULL };
	int ret;

	BUILD_BUG_ON(ARRAY_SIZE(own) > KLEAK_RANGES_MAX + 1);
	BUILD_BUG_ON(ARRAY_SIZE(reclaim) > KLEAK_RANGES_MAX + 1);
	ret = kleak_ranges_resolve(&kleak_own_fns, own);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_own_vmalloc_fns, own_vmalloc);
	if (!ret)
		ret = kleak_ranges_resolve(&kleak_reclaim_fns, reclaim);
	if (ret)
		return ret;
	kleak_summary_rep = kleak_report_alloc(KLEAK_VIEW_SUSPECTS, false);
	return kleak_summary_rep ? 0 : -ENOMEM;
}

/** kleak_report_exit() - free the summary's context */
void kleak_report_exit(void)
{
	kleak_report_free(kleak_summary_rep);
	kleak_summary_rep = NULL;
}
