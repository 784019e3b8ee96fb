// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the suspects model (process context), a leaf of the reports: the
 * score of a stack from the evidence a report counted, and its line.
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
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "allocfns.h"
#include "report_internal.h"
#include "symbols.h"
#include "tracker.h"

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

/**
 * kleak_obj_orphan() - has the task that allocated @o exited?
 * @o: a record
 * @known: set when that can be told: not for IRQ context
 *
 * Return: true if it has.
 */
bool kleak_obj_orphan(const struct kleak_obj *o, bool *known)
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

/**
 * kleak_slice() - the slice of a stack's life that a time falls in
 * @st: the stack
 * @now: its life ends here, the report's time
 * @ts: the time
 *
 * Return: 0 to KLEAK_SLICES - 1.
 */
unsigned int kleak_slice(const struct kleak_stack *st, u64 now, u64 ts)
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

/**
 * kleak_suspect_score() - score a stack snapshot from its evidence
 * @s: the snapshot, counted; its score and ratios are set
 * @now: the report's time
 */
void kleak_suspect_score(struct kleak_stack_snap *s, u64 now)
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

/**
 * kleak_suspect_cmp() - order suspects, the likeliest leak first
 * @a: one stack snapshot
 * @b: the other
 *
 * Return: <0, 0 or >0, for sort().
 */
int kleak_suspect_cmp(const void *a, const void *b)
{
	const struct kleak_stack_snap *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return kleak_ssnap_cmp(a, b);
}

/**
 * kleak_suspect_show() - the score line of a suspect, and its evidence
 * @out: the target; one line, one printk at rmmod
 * @s: the suspect
 */
void kleak_suspect_show(struct kleak_out *out, const struct kleak_stack_snap *s)
{
	char line[KLEAK_LINE];
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

/**
 * kleak_suspects_init() - find the functions that cap a stack's score
 *
 * At load.  Return: 0 or -ENOMEM.
 */
int kleak_suspects_init(void)
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
	return ret;
}
