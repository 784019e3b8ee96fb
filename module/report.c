// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the reports.  It owns the report contexts, the mark and the
 * summary's context; views.c has the formats of every view, suspects.c
 * the score:
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

#include "filter.h"
#include "names.h"
#include "report_internal.h"
#include "stack.h"
#include "symbols.h"
#include "tracker.h"

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

/**
 * kleak_contents_refused_count() - contents refused under lockdown
 *
 * Return: how many reads were refused.
 */
long kleak_contents_refused_count(void)
{
	return atomic_long_read(&kleak_contents_refused);
}

/* ---- report contexts --------------------------------------------------- */

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

/**
 * kleak_ssnap_cmp() - order stack snapshots, the most live bytes first
 * @a: one
 * @b: the other
 *
 * Return: <0, 0 or >0, for sort().
 */
int kleak_ssnap_cmp(const void *a, const void *b)
{
	const struct kleak_stack_snap *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->sidx < y->sidx ? -1 : x->sidx > y->sidx;
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
		if (!(i & KLEAK_RESCHED_MASK))
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

/* ---- summary ----------------------------------------------------------- */

/* One line: the live objects and bytes of each kind that has some. */
static void kleak_summary_kinds(struct kleak_out *out, const struct kleak_report *r)
{
	u64 objs[KLEAK_KINDS] = {}, bytes[KLEAK_KINDS] = {};
	char line[KLEAK_LINE];
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
	int ret = kleak_suspects_init();

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

