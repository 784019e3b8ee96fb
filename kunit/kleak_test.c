// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for kleak.  They run in the test bed's debug kernel (KASAN,
 * lockdep, kmemleak) against the real, loaded kleak.ko (loaded with
 * enabled=0; the suites start and stop tracking themselves).
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "../module/control.h"
#include "../module/filter.h"
#include "../module/format.h"
#include "../module/index.h"
#include "../module/names.h"
#include "../module/report.h"
#include "../module/retsite.h"
#include "../module/stack.h"
#include "../module/tracker.h"
#include "../tests/test-compat.h"

/* ---- index ------------------------------------------------------------- */

#define TPOOL 64

/* The index is used from the probes, with IRQs off: call it so. */
static u32 t_insert(struct kleak_index *ix, u32 idx)
{
	unsigned long flags;
	u32 ret;

	local_irq_save(flags);
	ret = kleak_index_insert(ix, idx);
	local_irq_restore(flags);
	return ret;
}

static u32 t_remove(struct kleak_index *ix, unsigned long addr)
{
	unsigned long flags;
	u32 ret;

	local_irq_save(flags);
	ret = kleak_index_remove(ix, addr);
	local_irq_restore(flags);
	return ret;
}

/* A record, by pool index, if it is live under @addr (and @ts, unless 0) */
static int t_peek(struct kleak_index *ix, u32 idx, unsigned long addr, u64 ts,
		  struct kleak_obj *copy)
{
	return kleak_index_peek(ix, idx, addr, ts, copy, 0, NULL, 0);
}

static void kleak_test_index(struct kunit *test, bool rht)
{
	struct kleak_obj *pool, copy;
	struct kleak_index ix;
	u32 i, idx;

	pool = vzalloc(TPOOL * sizeof(*pool));
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, kleak_index_init(&ix, pool, TPOOL, rht), 0);

	for (i = 1; i < TPOOL; i++) {
		pool[i].addr = 0xffff888000000000UL + i * 64;
		pool[i].bytes_req = i;
		KUNIT_EXPECT_EQ(test, t_insert(&ix, i), KLEAK_NONE);
	}
	for (i = 1; i < TPOOL; i++) {
		KUNIT_EXPECT_TRUE(test, kleak_index_read(&ix, pool[i].addr, &copy, &idx));
		KUNIT_EXPECT_EQ(test, idx, i);
		KUNIT_EXPECT_EQ(test, copy.bytes_req, i);
		/* indexed means LIVE, and readable by record under its address */
		KUNIT_EXPECT_TRUE(test, pool[i].flags & KLEAK_OBJ_LIVE);
		memset(&copy, 0, sizeof(copy));
		KUNIT_EXPECT_EQ(test, t_peek(&ix, i, pool[i].addr, 0, &copy), 0);
		KUNIT_EXPECT_EQ(test, copy.bytes_req, i);
		KUNIT_EXPECT_EQ(test, t_peek(&ix, i, pool[i].addr + 8, 0, &copy), -ENOENT);
		KUNIT_EXPECT_EQ(test, t_peek(&ix, i, pool[i].addr, 12345, NULL), -ENOENT);
	}
	KUNIT_EXPECT_EQ(test, t_peek(&ix, 0, pool[1].addr, 0, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, t_peek(&ix, TPOOL, pool[1].addr, 0, NULL), -ENOENT);
	KUNIT_EXPECT_FALSE(test, kleak_index_read(&ix, 0xdead0000UL, &copy, NULL));
	KUNIT_EXPECT_EQ(test, t_remove(&ix, 0xdead0000UL), KLEAK_NONE);

	/* remove every other one */
	for (i = 1; i < TPOOL; i += 2)
		KUNIT_EXPECT_EQ(test, t_remove(&ix, pool[i].addr), i);
	for (i = 1; i < TPOOL; i++) {
		KUNIT_EXPECT_EQ(test, kleak_index_read(&ix, pool[i].addr, &copy, NULL),
				!(i & 1));
		KUNIT_EXPECT_EQ(test, !!(pool[i].flags & KLEAK_OBJ_LIVE), !(i & 1));
		KUNIT_EXPECT_EQ(test, t_peek(&ix, i, pool[i].addr, 0, NULL), (i & 1) ? -ENOENT : 0);
	}

	/* address reuse: record 1 takes the address of record 2 */
	pool[1].addr = pool[2].addr;
	KUNIT_EXPECT_EQ(test, t_insert(&ix, 1), 2U);
	KUNIT_EXPECT_TRUE(test, kleak_index_read(&ix, pool[2].addr, &copy, &idx));
	KUNIT_EXPECT_EQ(test, idx, 1U);
	KUNIT_EXPECT_FALSE(test, pool[2].flags & KLEAK_OBJ_LIVE);
	KUNIT_EXPECT_TRUE(test, pool[1].flags & KLEAK_OBJ_LIVE);
	KUNIT_EXPECT_EQ(test, t_remove(&ix, pool[1].addr), 1U);
	KUNIT_EXPECT_FALSE(test, kleak_index_read(&ix, pool[1].addr, &copy, NULL));

	/* a recycled record under a new address */
	pool[3].addr = 0xffff888100000000UL;
	KUNIT_EXPECT_EQ(test, t_insert(&ix, 3), KLEAK_NONE);
	KUNIT_EXPECT_TRUE(test, kleak_index_read(&ix, 0xffff888100000000UL, &copy, &idx));
	KUNIT_EXPECT_EQ(test, idx, 3U);

	kleak_index_destroy(&ix);
	vfree(pool);
}

static void kleak_test_index_portable(struct kunit *test)
{
	kleak_test_index(test, false);
}

static void kleak_test_index_rhashtable(struct kunit *test)
{
	if (!KLEAK_HAVE_IRQSAFE_RHT)
		kunit_skip(test, "rhashtable is not IRQ-safe before 6.7");
	kleak_test_index(test, true);
}

/* ---- tracking ---------------------------------------------------------- */

static void kleak_test_start(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, kleak_control("filter reset"), 0);
	KUNIT_ASSERT_EQ(test, kleak_start(), 0);
}

static const struct kleak_stack *kleak_test_stack(struct kunit *test, void *p,
						  struct kleak_obj *o)
{
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p, o));
	return kleak_stack_get(o->stack);
}

/* n is not known at compile time, so the loop is not unrolled: one call site */
static noinline void kleak_test_alloc_a(void **p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = kmalloc(96, GFP_KERNEL);
}

static noinline void *kleak_test_alloc_b(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	barrier_data(p);
	return p;
}

static int kleak_test_three = 3;

static void kleak_test_stack_dedupe(struct kunit *test)
{
	struct kleak_obj o[4];
	const struct kleak_stack *st;
	void *p[4];
	u64 bytes;
	int i;

	kleak_test_start(test);
	kleak_test_alloc_a(p, READ_ONCE(kleak_test_three));
	p[3] = kleak_test_alloc_b(96);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		kleak_test_stack(test, p[i], &o[i]);
	}
	KUNIT_EXPECT_EQ(test, o[0].stack, o[1].stack);
	KUNIT_EXPECT_EQ(test, o[0].stack, o[2].stack);
	KUNIT_EXPECT_NE(test, o[0].stack, o[3].stack);
	KUNIT_EXPECT_EQ(test, o[0].bytes_req, 96U);

	st = kleak_stack_get(o[0].stack);
	KUNIT_EXPECT_EQ(test, kleak_stack_live(o[0].stack, &bytes), 3ULL);
	KUNIT_EXPECT_EQ(test, bytes, 3ULL * 96);
	KUNIT_EXPECT_EQ(test, kleak_stack_allocs(o[0].stack), 3ULL);
	KUNIT_EXPECT_EQ(test, kleak_stack_live(o[3].stack, NULL), 1ULL);
	kfree(p[1]);
	KUNIT_EXPECT_EQ(test, kleak_stack_live(o[0].stack, NULL), 2ULL);
	KUNIT_EXPECT_EQ(test, kleak_stack_allocs(o[0].stack), 3ULL);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)p[1], &o[1]));
	kfree(p[0]);
	kfree(p[2]);
	KUNIT_EXPECT_EQ(test, kleak_stack_live(o[0].stack, &bytes), 0ULL);
	KUNIT_EXPECT_EQ(test, bytes, 0ULL);
	/* the frames are kept: the call site first */
	KUNIT_EXPECT_GE(test, st->nr, 1);
	kfree(p[3]);
	kleak_stop();
}

/* Print a whole report of @view into @out. */
static void kleak_test_view(struct kunit *test, enum kleak_view view, struct kleak_out *out)
{
	struct kleak_report *r = kleak_report_open(view);
	u32 i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	kleak_records_lock();
	for (i = 0; i <= kleak_report_len(r); i++)
		kleak_report_show(out, r, i);
	kleak_records_unlock();
	kleak_report_close(r);
}

static noinline void *kleak_test_plant(void)
{
	char *p = kmalloc(256, GFP_KERNEL);

	if (p)
		strscpy(p, "planted by the KUnit suite", 256);
	return p;
}

static void kleak_test_planted_leak(struct kunit *test)
{
	char *sym = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	char *buf = kunit_kzalloc(test, 65536, GFP_KERNEL);
	struct kleak_out out = { .buf = buf, .size = 65536 };
	struct kleak_obj o;
	const struct kleak_stack *st;
	bool found = false;
	unsigned int i;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, sym);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kleak_test_start(test);
	p = kleak_test_plant();
	KUNIT_ASSERT_NOT_NULL(test, p);
	st = kleak_test_stack(test, p, &o);
	KUNIT_EXPECT_GT(test, (int)st->nr, 1);
	for (i = 0; i < st->nr; i++) {
		sprint_symbol(sym, st->frames[i]);
		if (strstr(sym, "kleak_test_plant"))
			found = true;
	}
	KUNIT_EXPECT_TRUE_MSG(test, found, "kleak_test_plant not in the saved stack");
	/* the allocator's own frames are skipped: the first frame is the caller */
	sprint_symbol(sym, st->frames[0]);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(sym, "kleak_test_plant"), "first frame %s", sym);
	KUNIT_EXPECT_EQ(test, o.comm, kleak_comm_intern(current->comm));
	KUNIT_EXPECT_STREQ(test, kleak_cache_get(o.cache)->name, "kmalloc-256");

	/* the stacks view shows it, with its contents */
	kleak_test_view(test, KLEAK_VIEW_STACKS, &out);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "kleak_test_plant"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"planted by the KUnit suite\""));
	kfree(p);
	kleak_stop();
}

/* two callers of one call site: two stacks, one allocinfo line */
static noinline void *kleak_test_plant_a(void)
{
	void *p = kleak_test_plant();

	barrier();	/* no tail call: this frame stays on the stack */
	return p;
}

static noinline void *kleak_test_plant_b(void)
{
	void *p = kleak_test_plant();

	barrier();
	return p;
}

/*
 * allocinfo: the kernel's v2.0 header, and one line per call site that sums
 * its stacks: "%12lli %8llu fn+off:0 [module] func:fn", a space, a newline;
 * " accurate:no" before the space once an event of a stack of the site was
 * lost, and on no other site.
 */
static void kleak_test_allocinfo_view(struct kunit *test)
{
	static const char header[] = "allocinfo - version: 2.0\n#     <size>  <calls> <tag info>\n";
	char *buf = kunit_kzalloc(test, 1 << 20, GFP_KERNEL);
	struct kleak_out out = { .buf = buf, .size = 1 << 20 };
	unsigned long long bytes = 0, calls = 0;
	struct kleak_obj oa, ob;
	char *line, *end;
	void *p[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kleak_test_start(test);
	p[0] = kleak_test_plant_a();
	p[1] = kleak_test_plant_a();
	p[2] = kleak_test_plant_b();
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p[0], &oa));
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p[2], &ob));
	KUNIT_EXPECT_NE_MSG(test, oa.stack, ob.stack, "two callers, one stack");
	kleak_test_view(test, KLEAK_VIEW_ALLOCINFO, &out);
	KUNIT_EXPECT_EQ(test, strncmp(buf, header, sizeof(header) - 1), 0);
	line = strstr(buf, " func:kleak_test_plant\x20\n");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "no line of kleak_test_plant in:\n%.512s", buf);
	KUNIT_EXPECT_NULL(test, strstr(line + 1, " func:kleak_test_plant\x20\n"));
	end = line;
	while (line > buf && line[-1] != '\n')
		line--;
	*end = '\0';
	i = sscanf(line, "%llu %llu", &bytes, &calls);
	KUNIT_EXPECT_EQ(test, i, 2);
	KUNIT_EXPECT_EQ(test, bytes, 768ULL);
	KUNIT_EXPECT_EQ(test, calls, 3ULL);
	/* the columns of %12lli %8llu, then the tag with its module */
	KUNIT_EXPECT_EQ(test, line[12], ' ');
	KUNIT_EXPECT_EQ(test, line[21], ' ');
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, ":0 [kleak_test]"));
	KUNIT_EXPECT_EQ(test, strncmp(line + 22, "kleak_test_plant+0x", 19), 0);
	/* an event lost of one of the site's two stacks: the site is inexact */
	if (!kleak_lost_unattributed()) {
		KUNIT_EXPECT_FALSE(test, kleak_stack_inexact(ob.stack));
		kleak_stack_mark_inexact(ob.stack);
		memset(buf, 0, 1 << 20);
		out.len = 0;
		kleak_test_view(test, KLEAK_VIEW_ALLOCINFO, &out);
		line = strstr(buf, " func:kleak_test_plant accurate:no\x20\n");
		KUNIT_EXPECT_NOT_NULL_MSG(test, line, "no accurate:no in:\n%.512s", buf);
		KUNIT_EXPECT_FALSE(test, kleak_stack_inexact(oa.stack));
	}
	for (i = 0; i < 3; i++)
		kfree(p[i]);
	kleak_stop();
}

/* ---- suspects ---------------------------------------------------------- */

static unsigned int kleak_test_eval(u64 n, u64 allocs, u16 slices, u64 seen_s, u8 class)
{
	struct kleak_evidence ev = {
		.n = n, .allocs = allocs, .slices = slices,
		.seen = seen_s * NSEC_PER_SEC, .class = class,
	};

	return kleak_suspect_eval(&ev);
}

/*
 * The score's shapes: what `make rank` measured on a busy box, as numbers.
 * A steady leak is high once seen for two minutes; a burst, churn, objects
 * that die after a minute, a young stack, the kernel's bookkeeping and the
 * reclaimable caches are not.
 */
static void kleak_test_suspect_score(struct kunit *test)
{
	struct kleak_evidence ev = { .n = 12, .allocs = 10, .slices = 0x0fff };

	/* 4 KiB every 10 s, 120 s: 12 objects, one in each of 12 slices */
	KUNIT_EXPECT_GE(test, kleak_test_eval(12, 12, 0x7777, 120, 0), KLEAK_SCORE_HIGH);
	/* 192 B a second, 180 s */
	KUNIT_EXPECT_GE(test, kleak_test_eval(180, 180, 0xffff, 180, 0), 80U);
	/* a find over sysfs: 3000 inodes in one slice, never freed */
	KUNIT_EXPECT_LT(test, kleak_test_eval(3000, 3000, 0x0001, 180, 0), 10U);
	/* churn: 5 live of 2000 */
	KUNIT_EXPECT_EQ(test, kleak_test_eval(5, 2000, 0x8001, 180, 0), 0U);
	/* time-wait sockets at 120 s: the last 60 s live, half freed */
	KUNIT_EXPECT_LT(test, kleak_test_eval(60, 120, 0xff00, 120, 0), KLEAK_SCORE_MEDIUM);
	/* a leak seen for 30 s does not claim one yet */
	KUNIT_EXPECT_LT(test, kleak_test_eval(30, 30, 0xffff, 30, 0), KLEAK_SCORE_MEDIUM);
	/* one object is no pattern */
	KUNIT_EXPECT_LT(test, kleak_test_eval(1, 1, 0x0001, 180, 0), KLEAK_SCORE_MEDIUM);
	/* the kernel's bookkeeping and the reclaimable caches are capped */
	KUNIT_EXPECT_LE(test, kleak_test_eval(600, 600, 0xffff, 180, KLEAK_OWN),
			KLEAK_SCORE_OWN_MAX);
	KUNIT_EXPECT_LT(test, kleak_test_eval(600, 600, 0xffff, 180, KLEAK_RECLAIMABLE),
			KLEAK_SCORE_HIGH);
	/* more live than allocated (counted mid-allocation) is all live */
	kleak_suspect_eval(&ev);
	KUNIT_EXPECT_EQ(test, ev.allocs, 12ULL);
	KUNIT_EXPECT_EQ(test, ev.survival, 1000);
	KUNIT_EXPECT_EQ(test, ev.steady, 1000);
}

/* Two allocations, one freed, from one call site under the plant's */
static noinline void *kleak_test_suspect_inner(void)
{
	unsigned int i, n = 2;
	void *p = NULL;

	/* one loop, one call site: not unrolled, no tail call */
	OPTIMIZER_HIDE_VAR(n);
	for (i = 0; i < n; i++) {
		kfree(p);
		p = kmalloc(4096, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
	}
	return p;
}

/*
 * Not a tail call: its frame is the call site.  It also allocates one
 * deeper, as the debug kernel's stack depot (a new pool of pages) and
 * kmemleak's metadata can: a stack with the plant below its first frame,
 * of more bytes (listed first), and not 8 of 8 live.
 */
static noinline void *kleak_test_suspect_plant(void **inner)
{
	char *p = kmalloc(200, GFP_KERNEL);

	*inner = kleak_test_suspect_inner();
	if (p)
		strscpy(p, "a suspect", 200);
	return p;
}

/* suspects: every group has a score line, scores fall down the view */
static void kleak_test_suspects_view(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 1 << 20, GFP_KERNEL);
	struct kleak_out out = { .buf = buf, .size = 1 << 20 };
	unsigned int i, groups = 0, scores = 0, last = 100, score;
	void *p[8], *in[8];
	char *q, *g, *h;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kleak_test_start(test);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = kleak_test_suspect_plant(&in[i]);
	kleak_test_view(test, KLEAK_VIEW_SUSPECTS, &out);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "# kleak suspects: "));
	for (q = buf; (q = strstr(q, "\n#")); q++)
		groups++;
	for (q = buf; (q = strstr(q, "\n  score: ")); q++) {
		if (sscanf(q, "\n  score: %u", &score) != 1)
			KUNIT_FAIL(test, "a score line without a score");
		KUNIT_EXPECT_LE(test, score, last);
		last = score;
		scores++;
	}
	KUNIT_EXPECT_EQ(test, groups, scores);
	/*
	 * The planted stack, 8 live of 8, nothing freed: the one whose first
	 * frame is the plant, not the first that names it (the inner one).
	 */
	q = strstr(buf, "  backtrace:\n    kleak_test_suspect_plant+");
	KUNIT_ASSERT_NOT_NULL(test, q);
	for (g = buf; (h = strstr(g + 1, "\n#")) && h < q; g = h)
		;
	if (!strnstr(g, "survival 100% (8 of 8 allocs live)", q - g) ||
	    !strnstr(g, "cache: kmalloc-256", q - g))
		KUNIT_FAIL(test, "the plant's stack: %.*s", (int)min_t(ptrdiff_t, q - g, 400), g);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		kfree(in[i]);
		kfree(p[i]);
	}
	kleak_stop();
}

static void kleak_test_ctor(void *p)
{
}

static void kleak_test_kmem_cache_name(struct kunit *test)
{
	struct kmem_cache *c;
	struct kleak_obj o;
	void *p;

	const struct kleak_cache_info *ci;

	/* a constructor keeps SLUB from merging it: its name is its own */
	c = kmem_cache_create("kleak_test_cache", 72, 0, 0, kleak_test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	kleak_test_start(test);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p, &o));
	ci = kleak_cache_get(o.cache);
	KUNIT_ASSERT_NOT_NULL(test, ci);
	KUNIT_EXPECT_EQ(test, ci->size, kmem_cache_size(c));
	KUNIT_EXPECT_STREQ(test, ci->name, "kleak_test_cache");
	kmem_cache_free(c, p);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)p, &o));
	kleak_stop();
	kmem_cache_destroy(c);
}

/* ---- filters and control ------------------------------------------------ */

static void kleak_test_filter_parse(struct kunit *test)
{
	struct kleak_filter f = {}, before;
	char s[128];
	static const char * const bad[] = {
		"size=abc", "size=10-5", "size=0", "bogus=1", "pid=-1", "noequals",
		"", "   ", "comm=waytoolongcommname", "min_age=5x", "size=1-",
		"size=4096 bogus=1",
		/* its ns would not fit in 64 bits */
		"min_age=18446744073710", "min_age=5124095576h",
	};
	unsigned int i;

	strscpy(s, "size=4096", sizeof(s));
	KUNIT_EXPECT_EQ(test, kleak_filter_parse(&f, s), 0);
	KUNIT_EXPECT_EQ(test, f.size_min, 4096UL);
	KUNIT_EXPECT_EQ(test, f.size_max, 4096UL);
	strscpy(s, "size=1k-2k comm=cat pid=5 min_age=5s cache=kmalloc-4k module=kleak_fixture",
		sizeof(s));
	KUNIT_EXPECT_EQ(test, kleak_filter_parse(&f, s), 0);
	KUNIT_EXPECT_EQ(test, f.size_min, 1024UL);
	KUNIT_EXPECT_EQ(test, f.size_max, 2048UL);
	KUNIT_EXPECT_STREQ(test, f.comm, "cat");
	KUNIT_EXPECT_EQ(test, f.pid, 5);
	KUNIT_EXPECT_EQ(test, f.min_age_ms, 5000UL);
	KUNIT_EXPECT_STREQ(test, f.cache, "kmalloc-4k");
	KUNIT_EXPECT_STREQ(test, f.module, "kleak_fixture");
	kleak_filter_format(&f, s, sizeof(s));
	KUNIT_EXPECT_STREQ(test, s,
			   "size=1024-2048 cache=kmalloc-4k comm=cat pid=5 module=kleak_fixture min_age=5000ms");

	KUNIT_EXPECT_TRUE(test, kleak_filter_track(&f, 1024, 5, "cat"));
	KUNIT_EXPECT_FALSE(test, kleak_filter_track(&f, 4096, 5, "cat"));
	KUNIT_EXPECT_FALSE(test, kleak_filter_track(&f, 1024, 6, "cat"));
	KUNIT_EXPECT_FALSE(test, kleak_filter_track(&f, 1024, 5, "sh"));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		before = f;
		strscpy(s, bad[i], sizeof(s));
		KUNIT_EXPECT_EQ_MSG(test, kleak_filter_parse(&f, s), -EINVAL, "'%s'", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&before, &f, sizeof(f)), 0,
				    "'%s' changed the filter", bad[i]);
	}
	strscpy(s, "size= comm=", sizeof(s));
	KUNIT_EXPECT_EQ(test, kleak_filter_parse(&f, s), 0);
	KUNIT_EXPECT_EQ(test, f.size_max, 0UL);
	KUNIT_EXPECT_STREQ(test, f.comm, "");
	strscpy(s, "reset", sizeof(s));
	KUNIT_EXPECT_EQ(test, kleak_filter_parse(&f, s), 0);
	kleak_filter_format(&f, s, sizeof(s));
	KUNIT_EXPECT_STREQ(test, s, "none");
}

static void kleak_test_control(struct kunit *test)
{
	static const char * const bad[] = {
		"frobnicate", "start now", "filter", "filter size=zz", "filter bogus=1",
		"clear all", "",
	};
	struct kleak_filter f;
	char *show = kunit_kzalloc(test, 1024, GFP_KERNEL);
	struct kleak_out out = { .buf = show, .size = 1024 };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, show);
	KUNIT_ASSERT_EQ(test, kleak_control("filter reset"), 0);
	KUNIT_EXPECT_EQ(test, kleak_control("filter size=4096 comm=cat\n"), 0);
	kleak_filter_get(&f);
	KUNIT_EXPECT_EQ(test, f.size_min, 4096UL);
	KUNIT_EXPECT_STREQ(test, f.comm, "cat");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, kleak_control(bad[i]), -EINVAL, "'%s'", bad[i]);
		kleak_filter_get(&f);
		KUNIT_EXPECT_EQ(test, f.size_min, 4096UL);
		KUNIT_EXPECT_STREQ(test, f.comm, "cat");
	}
	kleak_control_show(&out);
	KUNIT_EXPECT_NOT_NULL(test, strstr(show, "filter: size=4096 comm=cat"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(show, "state: stopped"));
	KUNIT_EXPECT_EQ(test, kleak_control("mark"), 0);
	KUNIT_EXPECT_NE(test, kleak_mark_get(), 0ULL);
	KUNIT_EXPECT_EQ(test, kleak_control("unmark"), 0);
	KUNIT_EXPECT_EQ(test, kleak_mark_get(), 0ULL);
	KUNIT_EXPECT_EQ(test, kleak_control("start"), 0);
	KUNIT_EXPECT_TRUE(test, kleak_running());
	KUNIT_EXPECT_EQ(test, kleak_control("stop"), 0);
	KUNIT_EXPECT_FALSE(test, kleak_running());
	KUNIT_EXPECT_EQ(test, kleak_control("filter reset"), 0);
}

static void kleak_test_filter_tracking(struct kunit *test)
{
	struct kleak_obj o;
	void *a, *b;

	KUNIT_ASSERT_EQ(test, kleak_control("filter reset"), 0);
	KUNIT_ASSERT_EQ(test, kleak_control("filter size=512"), 0);
	KUNIT_ASSERT_EQ(test, kleak_start(), 0);
	a = kmalloc(500, GFP_KERNEL);	/* kmalloc-512: tracked */
	b = kmalloc(100, GFP_KERNEL);	/* kmalloc-128: filtered out */
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)a, &o));
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)b, &o));
	kfree(a);
	kfree(b);
	kleak_stop();
	KUNIT_EXPECT_EQ(test, kleak_control("filter reset"), 0);
}

/* ---- formatter --------------------------------------------------------- */

/* A strings scan of @len bytes at @data, into @out emptied first, finds none. */
static void kleak_test_no_strings(struct kunit *test, struct kleak_out *out,
				  const char *data, size_t len)
{
	struct kleak_strscan ss = { .out = out, .max = 16 };

	out->len = 0;
	out->buf[0] = '\0';
	kleak_strings_scan(&ss, (const u8 *)data, len);
	kleak_strings_end(&ss);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(out->buf, "(none)"), "%s", out->buf);
}

static void kleak_test_hexdump_strings(struct kunit *test)
{
	static const u8 data[] = "ab\0cpu0 1 2\nversion 15\0\x7f\x01timestamp 4294892356";
	char *buf = kunit_kzalloc(test, 2048, GFP_KERNEL);
	struct kleak_out out = { .buf = buf, .size = 2048 };
	struct kleak_strscan ss = { .out = &out, .max = 16 };

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kleak_hexdump(&out, "hello world, hexdump", 20, 0x40);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "0040: 68 65 6c 6c 6f 20 77 6f"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "hello world, hex"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "0050: 64 75 6d 70"));

	out.len = 0;
	buf[0] = '\0';
	/* fed in two pieces that split "version" */
	kleak_strings_scan(&ss, data, 15);
	kleak_strings_scan(&ss, data + 15, sizeof(data) - 1 - 15);
	kleak_strings_end(&ss);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"cpu0 1 2\""));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"version 15\""));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\"timestamp 4294892356\""));
	KUNIT_EXPECT_NULL(test, strstr(buf, "\"ab\""));
	KUNIT_EXPECT_EQ(test, ss.shown, 3U);

	kleak_test_no_strings(test, &out, "\x01\x02", 2);
	/* a kernel pointer's bytes are no string: ASCII only, as strings(1) */
	kleak_test_no_strings(test, &out, "\x00\x40\xbf\xc6\xa6\xff\xff\xff\xff\x00", 10);
}

/* ---- reports ------------------------------------------------------------ */

/* Print the header of report @r into @buf. */
static void kleak_test_header(struct kleak_report *r, char *buf, size_t size)
{
	struct kleak_out out = { .buf = buf, .size = size };

	buf[0] = '\0';
	kleak_records_lock();
	kleak_report_show(&out, r, 0);
	kleak_records_unlock();
}

/* Two reports open at once, with different filters: each keeps its own. */
static void kleak_test_report_contexts(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 512, GFP_KERNEL);
	struct kleak_report *a, *b, *c;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, kleak_control("filter size=4096"), 0);
	a = kleak_report_open(KLEAK_VIEW_OUTSTANDING);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, kleak_control("filter size=64 comm=sh"), 0);
	b = kleak_report_open(KLEAK_VIEW_STACKS);
	c = kleak_report_open(KLEAK_VIEW_OUTSTANDING);
	KUNIT_EXPECT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_FALSE(test, IS_ERR(c));
	kleak_test_header(a, buf, 512);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "filter: size=4096\n"), "%s", buf);
	if (!IS_ERR(b)) {
		kleak_test_header(b, buf, 512);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "filter: size=64 comm=sh\n"),
					  "%s", buf);
		kleak_report_close(b);
	}
	if (!IS_ERR(c)) {
		kleak_test_header(c, buf, 512);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "filter: size=64 comm=sh\n"),
					  "%s", buf);
		kleak_report_close(c);
	}
	kleak_test_header(a, buf, 512);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, "filter: size=4096\n"), "%s", buf);
	kleak_report_close(a);
	KUNIT_EXPECT_EQ(test, kleak_control("filter reset"), 0);
}

/* Reports open at once are bounded: past the bound, -EBUSY, and no leak. */
static void kleak_test_report_bound(struct kunit *test)
{
	struct kleak_report *r[KLEAK_REPORTS_MAX + 1];
	int i;

	for (i = 0; i < KLEAK_REPORTS_MAX; i++) {
		r[i] = kleak_report_open(KLEAK_VIEW_STACKS);
		KUNIT_EXPECT_FALSE(test, IS_ERR(r[i]));
	}
	r[i] = kleak_report_open(KLEAK_VIEW_OUTSTANDING);
	KUNIT_EXPECT_EQ(test, PTR_ERR(r[i]), -EBUSY);
	kleak_report_close(r[0]);
	r[0] = kleak_report_open(KLEAK_VIEW_OUTSTANDING);
	KUNIT_EXPECT_FALSE(test, IS_ERR(r[0]));
	for (i = 0; i < KLEAK_REPORTS_MAX; i++)
		if (!IS_ERR(r[i]))
			kleak_report_close(r[i]);
}

/* ---- stacks ------------------------------------------------------------- */

/*
 * A slot of the stack table never keeps the names of a gone module when it
 * is used again.  The module notifier can name the frames of a slot that
 * clear is emptying (it used to run unlocked against the reset): write such
 * names into the next free slot, then add a new stack there.
 */
static void kleak_test_stack_slot_reuse(struct kunit *test)
{
	static const char stale[] = "stale_frame_of_a_gone_module\0";
	unsigned long frames[1] = { (unsigned long)kleak_test_stack_slot_reuse + 4 };
	char *sym = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	struct kleak_stack *next;
	unsigned long flags;
	u32 sidx;

	KUNIT_ASSERT_NOT_NULL(test, sym);
	KUNIT_ASSERT_EQ(test, kleak_clear(), 0);
	next = (struct kleak_stack *)kleak_stack_get(kleak_stacks_nr());
	WRITE_ONCE(next->frozen, stale);
	/* as the probes call it: IRQs off */
	local_irq_save(flags);
	sidx = kleak_stack_intern(frames, 1);
	local_irq_restore(flags);
	KUNIT_ASSERT_EQ(test, sidx, kleak_stacks_nr() - 1);
	KUNIT_EXPECT_PTR_EQ(test, kleak_stack_get(sidx), (const struct kleak_stack *)next);
	kleak_stack_print_frame(sidx, 0, sym, KSYM_SYMBOL_LEN);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(sym, "kleak_test_stack_slot_reuse"), "%s", sym);
	KUNIT_ASSERT_EQ(test, kleak_clear(), 0);
}

/* clear while running: tracking goes on, with nothing of before left */
static void kleak_test_clear_running(struct kunit *test)
{
	struct kleak_obj o;
	void *a, *b;

	kleak_test_start(test);
	a = kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)a, &o));
	KUNIT_EXPECT_EQ(test, kleak_clear(), 0);
	KUNIT_EXPECT_TRUE(test, kleak_running());
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)a, &o));
	KUNIT_EXPECT_EQ(test, kleak_live(), 0L);
	b = kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)b, &o));
	kfree(a);
	kfree(b);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)b, &o));
	kleak_stop();
}

/* ---- age and mark ------------------------------------------------------- */

static void kleak_test_age_mark(struct kunit *test)
{
	struct kleak_filter f = {};
	struct kleak_obj oa, ob;
	u64 now, mark;
	void *a, *b;

	kleak_test_start(test);
	a = kmalloc(64, GFP_KERNEL);
	msleep(60);
	mark = kleak_clock();
	b = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)a, &oa));
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)b, &ob));
	now = kleak_clock();
	KUNIT_EXPECT_GE(test, kleak_age_at(now, oa.ts), 60ULL * NSEC_PER_MSEC);
	KUNIT_EXPECT_LT(test, kleak_age_at(now, ob.ts), kleak_age_at(now, oa.ts));
	KUNIT_EXPECT_FALSE(test, kleak_filter_report(&f, &oa, now, mark));
	KUNIT_EXPECT_TRUE(test, kleak_filter_report(&f, &ob, now, mark));
	f.min_age_ms = 50;
	KUNIT_EXPECT_TRUE(test, kleak_filter_report(&f, &oa, now, 0));
	KUNIT_EXPECT_FALSE(test, kleak_filter_report(&f, &ob, now, 0));
	kfree(a);
	kfree(b);
	kleak_stop();
}

/* ---- silent frees -------------------------------------------------------- */

struct kleak_test_rcu {
	struct rcu_head rcu;
	char pad[40];
};

/*
 * kfree_rcu() is the free: the object is dead to its owner from the call
 * on, and the kernel frees it later through a path that may fire no event
 * (kmem_cache_free_bulk(), or 7.2's slab sheaves).  kleak hooks
 * kvfree_call_rcu(), so the objects are gone at once, whichever path frees
 * them; the kfree_rcu counter proves they went that way.
 */
static void kleak_test_kfree_rcu(struct kunit *test)
{
	struct kleak_test_rcu *r[8];
	struct kleak_obj o;
	u64 before;
	int i;

	kleak_test_start(test);
	for (i = 0; i < 8; i++) {
		r[i] = kmalloc(sizeof(*r[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r[i]);
		KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)r[i], &o));
	}
	before = kleak_counter_sum(KC_EV_KFREE_RCU);
	for (i = 0; i < 8; i++) {
		kfree_rcu(r[i], rcu);
		/* not yet freed, so no other object can be at this address */
		KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)r[i], &o));
	}
	KUNIT_EXPECT_GE(test, kleak_counter_sum(KC_EV_KFREE_RCU), before + 8);
	/* the headless form, kvfree_call_rcu(NULL, ptr) */
	r[0] = kmalloc(sizeof(*r[0]), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r[0]);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)r[0], &o));
	kleak_kfree_rcu_headless(r[0]);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)r[0], &o));
	KUNIT_EXPECT_GE(test, kleak_counter_sum(KC_EV_KFREE_RCU), before + 9);
	kleak_stop();
}

/*
 * kfree_bulk() of objects of a cache of the test's own: no one else
 * allocates there, so an address still tracked after the free is a missed
 * free, never another object's (with kmalloc objects, a reuse of the
 * address hid it).
 */
static void kleak_test_bulk_free(struct kunit *test)
{
	struct kmem_cache *s = kmem_cache_create("kleak_test_kfree_bulk", 200, 0, 0, NULL);
	void *p[16];
	struct kleak_obj o;
	u64 before;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	kleak_test_start(test);
	KUNIT_ASSERT_TRUE(test, kleak_bulk_hooked());
	for (i = 0; i < 16; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)p[i], &o));
	}
	before = kleak_counter_sum(KC_EV_BULK_FREE);
	kfree_bulk(16, p);
	KUNIT_EXPECT_EQ(test, kleak_counter_sum(KC_EV_BULK_FREE) - before, 16);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_FALSE_MSG(test, kleak_lookup((unsigned long)p[i], &o),
				       "object %d still tracked after kfree_bulk()", i);
	kleak_stop();
	kmem_cache_destroy(s);
}

/*
 * The return-site call table: a return takes the arguments its own
 * function's entry kept at its stack pointer, never those a call of
 * another function left there (before, keyed by the stack pointer alone,
 * kmem_cache_alloc_bulk's return could read a vmalloc's caller as its
 * array).  Stack pointers no task has (below PAGE_SIZE), with kleak
 * stopped: no probe uses the table meanwhile.
 */
static void kleak_test_call_tags(struct kunit *test)
{
	unsigned long a[KLEAK_CALL_ARGS] = { 1, 2, 3, 4 }, b[KLEAK_CALL_ARGS] = {};
	const unsigned long sp = 0x808, tag_a = 0xa, tag_b = 0xb;

	KUNIT_ASSERT_FALSE(test, kleak_running());
	/* its own call's arguments, once */
	KUNIT_ASSERT_TRUE(test, kleak_call_enter(sp, tag_a, a));
	KUNIT_EXPECT_TRUE(test, kleak_call_return(sp, tag_a, b));
	KUNIT_EXPECT_EQ(test, b[2], 3UL);
	KUNIT_EXPECT_FALSE(test, kleak_call_return(sp, tag_a, b));
	/* another function's stale call: not taken, and dropped */
	KUNIT_ASSERT_TRUE(test, kleak_call_enter(sp, tag_a, a));
	memset(b, 0, sizeof(b));
	KUNIT_EXPECT_FALSE(test, kleak_call_return(sp, tag_b, b));
	KUNIT_EXPECT_EQ(test, b[2], 0UL);
	KUNIT_EXPECT_FALSE(test, kleak_call_return(sp, tag_a, b));
	/* an entry that keeps nothing frees what was left at its stack pointer */
	KUNIT_ASSERT_TRUE(test, kleak_call_enter(sp, tag_a, a));
	kleak_call_forget(sp);
	KUNIT_EXPECT_FALSE(test, kleak_call_return(sp, tag_a, b));
	/* a new call at a stale one's stack pointer takes its slot over */
	KUNIT_ASSERT_TRUE(test, kleak_call_enter(sp, tag_a, a));
	a[2] = 33;
	KUNIT_ASSERT_TRUE(test, kleak_call_enter(sp, tag_b, a));
	KUNIT_EXPECT_TRUE(test, kleak_call_return(sp, tag_b, b));
	KUNIT_EXPECT_EQ(test, b[2], 33UL);
	KUNIT_EXPECT_FALSE(test, kleak_call_return(sp, tag_a, b));
}

/*
 * Every counter has a name in stats, and no two share one: the enum and
 * its names table cannot drift apart unseen (the table's size is checked
 * at build time; a counter added in the middle without a name is found
 * here).
 */
static void kleak_test_stats_names(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < KC_KIND_ALLOCS; i++) {
		const char *n = kleak_counter_name(i);

		KUNIT_ASSERT_NOT_NULL_MSG(test, n, "counter %u has no name", i);
		KUNIT_EXPECT_GT(test, strlen(n), 0);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ_MSG(test, n, kleak_counter_name(j),
						"counters %u and %u", j, i);
	}
	KUNIT_EXPECT_NULL(test, kleak_counter_name(KC_KIND_ALLOCS));
}

/* ---- kinds: pages, vmalloc, percpu, bulk allocations, krealloc ---------- */

static void kleak_test_kinds_parse(struct kunit *test)
{
	char buf[KLEAK_KINDS_TEXT];
	unsigned int m = 0;

	KUNIT_EXPECT_EQ(test, kleak_kinds_parse("page,vmalloc", &m), 0);
	KUNIT_EXPECT_EQ(test, m, (unsigned int)(BIT(KLEAK_KIND_PAGE) | BIT(KLEAK_KIND_VMALLOC)));
	kleak_kinds_format(m, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "page,vmalloc");
	KUNIT_EXPECT_EQ(test, kleak_kinds_parse("all\n", &m), 0);
	KUNIT_EXPECT_EQ(test, m, (unsigned int)KLEAK_KINDS_ALL);
	m = 7;
	KUNIT_EXPECT_EQ(test, kleak_kinds_parse("slab,heap", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, kleak_kinds_parse("", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, kleak_kinds_parse("page,", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, m, 7U);
	kleak_kinds_format(0, buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf, "none");
	KUNIT_EXPECT_EQ(test, kleak_control("filter kind=percpu"), 0);
	KUNIT_EXPECT_EQ(test, kleak_control("filter kind=heap"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kleak_control("kinds heap"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kleak_kinds_get(), (unsigned int)KLEAK_KINDS_ALL);
}

/* The first frame of an object's stack names @fn. */
static void kleak_test_site(struct kunit *test, const struct kleak_obj *o, const char *fn)
{
	char *sym = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	const struct kleak_stack *st = kleak_stack_get(o->stack);

	KUNIT_ASSERT_NOT_NULL(test, sym);
	KUNIT_ASSERT_GE(test, (int)st->nr, 1);
	sprint_symbol(sym, st->frames[0]);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(sym, fn), "call site %s, want %s", sym, fn);
}

static noinline struct page *kleak_test_page_alloc(gfp_t gfp)
{
	struct page *page = alloc_pages(gfp, 2);

	if (page && !(gfp & __GFP_HIGHMEM))
		strscpy(page_address(page) + PAGE_SIZE, "page two of four", 32);
	return page;
}

static void kleak_test_page_kind(struct kunit *test)
{
	struct kleak_obj o;
	struct page *page, *user;
	char text[32];
	u32 idx;
	void *big;

	kleak_test_start(test);
	page = kleak_test_page_alloc(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* shown, and looked up, at its address; keyed by its struct page */
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)page_address(page), &o));
	KUNIT_EXPECT_EQ(test, o.addr, (unsigned long)page);
	KUNIT_EXPECT_EQ(test, kleak_obj_kind(&o), KLEAK_KIND_PAGE);
	KUNIT_EXPECT_EQ(test, o.bytes_req, 4 * (u32)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kleak_obj_size(&o), 4 * (u32)PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, kleak_obj_cache_info(&o));
	kleak_test_site(test, &o, "kleak_test_page_alloc");
	/* read a page at a time, within the block only */
	kleak_records_lock();
	KUNIT_EXPECT_TRUE(test, __kleak_lookup((unsigned long)page, &o, &idx));
	KUNIT_EXPECT_EQ(test, kleak_record_read(idx, o.addr, o.ts, PAGE_SIZE, text, 17), 0);
	KUNIT_EXPECT_EQ(test, kleak_record_read(idx, o.addr, o.ts, 4 * PAGE_SIZE - 8, text, 16),
			-EFAULT);
	kleak_records_unlock();
	KUNIT_EXPECT_STREQ(test, text, "page two of four");
	__free_pages(page, 2);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)page, &o));

	/* user pages are not page objects, unless filter user=1 */
	user = kleak_test_page_alloc(GFP_HIGHUSER_MOVABLE);
	KUNIT_ASSERT_NOT_NULL(test, user);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)user, &o));
	__free_pages(user, 2);
	KUNIT_ASSERT_EQ(test, kleak_control("filter user=1"), 0);
	user = kleak_test_page_alloc(GFP_HIGHUSER_MOVABLE);
	KUNIT_ASSERT_NOT_NULL(test, user);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)user, &o));
	__free_pages(user, 2);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)user, &o));

	/* a large kmalloc's pages are the slab's: one slab object, no page one */
	big = kmalloc(4 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)big, &o));
	KUNIT_EXPECT_EQ(test, kleak_obj_kind(&o), KLEAK_KIND_SLAB);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)virt_to_page(big), &o));
	kfree(big);
	kleak_stop();
}

static noinline void *kleak_test_vmalloc(size_t size)
{
	char *p = vmalloc(size);

	if (p)
		strscpy(p + size - 16, "vmalloc tail", 16);
	return p;
}

static void kleak_test_vmalloc_kind(struct kunit *test)
{
	struct kleak_obj o;
	char text[16];
	u32 idx;
	void *p;

	kleak_test_start(test);
	p = kleak_test_vmalloc(2 * PAGE_SIZE + 40);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p, &o));
	KUNIT_EXPECT_EQ(test, kleak_obj_kind(&o), KLEAK_KIND_VMALLOC);
	KUNIT_EXPECT_EQ(test, o.bytes_req, 2 * (u32)PAGE_SIZE + 40);
	kleak_test_site(test, &o, "kleak_test_vmalloc");
	kleak_records_lock();
	KUNIT_EXPECT_TRUE(test, __kleak_lookup((unsigned long)p, &o, &idx));
	KUNIT_EXPECT_EQ(test, kleak_record_read(idx, o.addr, o.ts, 2 * PAGE_SIZE + 24, text, 16),
			0);
	/* never past the size asked for, though the area is mapped to its page */
	KUNIT_EXPECT_EQ(test, kleak_record_read(idx, o.addr, o.ts, 2 * PAGE_SIZE + 32, text, 16),
			-EFAULT);
	kleak_records_unlock();
	KUNIT_EXPECT_STREQ(test, text, "vmalloc tail");
	vfree(p);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)p, &o));
	kleak_stop();
}

static noinline void __percpu *kleak_test_percpu(void)
{
	return __alloc_percpu(48, 8);
}

static void kleak_test_percpu_kind(struct kunit *test)
{
	void __percpu *p;
	struct kleak_obj o;

	kleak_test_start(test);
	p = kleak_test_percpu();
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((__force unsigned long)p, &o));
	KUNIT_EXPECT_EQ(test, kleak_obj_kind(&o), KLEAK_KIND_PERCPU);
	KUNIT_EXPECT_EQ(test, o.bytes_req, 48U);
	KUNIT_EXPECT_EQ(test, kleak_obj_bytes(&o), 48ULL * num_possible_cpus());
	kleak_test_site(test, &o, "kleak_test_percpu");
	free_percpu(p);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((__force unsigned long)p, &o));
	kleak_stop();
}

static noinline int kleak_test_bulk_alloc_fn(struct kmem_cache *s, size_t n, void **p)
{
	return kleak_bulk_alloc_count(kmem_cache_alloc_bulk(s, GFP_KERNEL, n, p), n);
}

static void kleak_test_bulk_alloc(struct kunit *test)
{
	struct kmem_cache *s = kmem_cache_create("kleak_test_bulk", 72, 0, 0, kleak_test_ctor);
	struct kleak_obj o;
	void *p[8];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	kleak_test_start(test);
	KUNIT_ASSERT_EQ(test, kleak_test_bulk_alloc_fn(s, 8, p), 8);
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)p[i], &o));
		KUNIT_EXPECT_EQ(test, kleak_obj_kind(&o), KLEAK_KIND_SLAB);
		KUNIT_EXPECT_STREQ(test, kleak_obj_cache_info(&o)->name, "kleak_test_bulk");
	}
	kleak_test_site(test, &o, "kleak_test_bulk_alloc_fn");
	kmem_cache_free_bulk(s, 8, p);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)p[i], &o));
	kleak_stop();
	kmem_cache_destroy(s);
}

static void kleak_test_krealloc_in_place(struct kunit *test)
{
	struct kleak_obj o;
	void *p, *q;

	unsigned long site;
	u64 resized;

	kleak_test_start(test);
	p = kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	resized = kleak_counter_sum(KC_KREALLOC_RESIZED);
	/* in place: 120 bytes fit the object's kmalloc-128 slot */
	q = krealloc(p, 120, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)q, &o));
	KUNIT_EXPECT_EQ(test, o.bytes_req, 120U);
	KUNIT_EXPECT_EQ(test, kleak_counter_sum(KC_KREALLOC_RESIZED) - resized, 1);
	/*
	 * moved: the new object's record, of the new size, at this caller (a
	 * kretprobe on krealloc made it arch_rethook_trampoline), and the old
	 * one's gone
	 */
	p = q;
	q = krealloc(p, 300, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_PTR_NE(test, q, p);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)p, &o));
	KUNIT_ASSERT_TRUE(test, kleak_lookup((unsigned long)q, &o));
	KUNIT_EXPECT_EQ(test, o.bytes_req, 300U);
	site = kleak_stack_get(o.stack)->frames[0];
	KUNIT_EXPECT_TRUE_MSG(test, within_module(site, THIS_MODULE),
			      "the moved object's site is %pS", (void *)site);
	KUNIT_EXPECT_EQ(test, kleak_counter_sum(KC_KREALLOC_RESIZED) - resized, 1);
	kfree(q);
	kleak_stop();
}

static void kleak_test_kinds_off(struct kunit *test)
{
	struct page *page;
	struct kleak_obj o;
	void *v;

	kleak_test_start(test);
	page = kleak_test_page_alloc(GFP_KERNEL);
	v = kleak_test_vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)page, &o));
	/* page off while running: its hooks go, and its records */
	KUNIT_ASSERT_EQ(test, kleak_kinds_set(KLEAK_KINDS_ALL & ~BIT(KLEAK_KIND_PAGE)), 0);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)page, &o));
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)v, &o));
	__free_pages(page, 2);
	page = kleak_test_page_alloc(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_FALSE(test, kleak_lookup((unsigned long)page, &o));
	__free_pages(page, 2);
	/* and back on */
	KUNIT_ASSERT_EQ(test, kleak_kinds_set(KLEAK_KINDS_ALL), 0);
	page = kleak_test_page_alloc(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)page, &o));
	__free_pages(page, 2);
	vfree(v);
	kleak_stop();
}

/* ---- contexts ----------------------------------------------------------- */

struct kleak_ctx_test {
	struct hrtimer hrt;
	struct timer_list timer;
	atomic_t hard_ok, hard_bad, soft_ok, soft_bad, proc_ok, proc_bad;
	atomic_t stop;
	u32 stack[3];	/* a stack seen per context */
	bool timers;	/* the timers were started */
	int nthreads;	/* threads started, in @threads */
	struct task_struct **threads;
};

static struct kleak_ctx_test kleak_ctx;

/* Allocate, check that kleak saw it in the right context, free. */
static void kleak_ctx_churn(int ctx, u16 want_flag, atomic_t *ok, atomic_t *bad)
{
	struct kleak_obj o;
	void *p = kmalloc(48, GFP_ATOMIC);

	if (!p)
		return;
	/* any context: nothing runs clear during this test */
	if (__kleak_lookup((unsigned long)p, &o, NULL) && (o.flags & want_flag) == want_flag &&
	    o.bytes_req == 48) {
		atomic_inc(ok);
		WRITE_ONCE(kleak_ctx.stack[ctx], o.stack);
	} else {
		atomic_inc(bad);
	}
	kfree(p);
}

static enum hrtimer_restart kleak_ctx_hrt(struct hrtimer *t)
{
	kleak_ctx_churn(0, KLEAK_OBJ_HARDIRQ, &kleak_ctx.hard_ok, &kleak_ctx.hard_bad);
	if (atomic_read(&kleak_ctx.stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ms_to_ktime(2));
	return HRTIMER_RESTART;
}

static void kleak_ctx_timer(struct timer_list *t)
{
	kleak_ctx_churn(1, KLEAK_OBJ_SOFTIRQ, &kleak_ctx.soft_ok, &kleak_ctx.soft_bad);
	if (!atomic_read(&kleak_ctx.stop))
		mod_timer(t, jiffies + 1);
}

static int kleak_ctx_thread(void *arg)
{
	while (!kthread_should_stop()) {
		kleak_ctx_churn(2, 0, &kleak_ctx.proc_ok, &kleak_ctx.proc_bad);
		cond_resched();
	}
	return 0;
}

static int kleak_ctx_reader(void *arg)
{
	static char buf[8192];
	struct kleak_out out = { .buf = buf, .size = sizeof(buf) };

	while (!kthread_should_stop()) {
		out.len = 0;
		kleak_summary(&out, 10);
		cond_resched();
	}
	return 0;
}

/* Stop what kleak_test_contexts() started; also from the suite's exit. */
static void kleak_ctx_cleanup(void)
{
	int i;

	atomic_set(&kleak_ctx.stop, 1);
	if (kleak_ctx.timers) {
		hrtimer_cancel(&kleak_ctx.hrt);
		kleak_timer_delete_sync(&kleak_ctx.timer);
		kleak_ctx.timers = false;
	}
	for (i = 0; i < kleak_ctx.nthreads; i++)
		kthread_stop(kleak_ctx.threads[i]);
	kleak_ctx.nthreads = 0;
}

static void kleak_test_contexts(struct kunit *test)
{
	struct task_struct *t;
	int cpu, i;

	u64 recursion = kleak_counter_sum(KC_DROP_RECURSION);

	memset(&kleak_ctx, 0, sizeof(kleak_ctx));
	/* one thread per CPU and a reader; not NR_CPUS (8192 on Debian) */
	kleak_ctx.threads = kunit_kcalloc(test, num_online_cpus() + 1,
					  sizeof(*kleak_ctx.threads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kleak_ctx.threads);
	kleak_test_start(test);
	for_each_online_cpu(cpu) {
		t = kthread_create(kleak_ctx_thread, NULL, "kleak_ctx/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		kleak_ctx.threads[kleak_ctx.nthreads++] = t;
		wake_up_process(t);
	}
	t = kthread_run(kleak_ctx_reader, NULL, "kleak_ctx_rd");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kleak_ctx.threads[kleak_ctx.nthreads++] = t;
	kleak_hrtimer_setup(&kleak_ctx.hrt, kleak_ctx_hrt, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	timer_setup(&kleak_ctx.timer, kleak_ctx_timer, 0);
	kleak_ctx.timers = true;
	hrtimer_start(&kleak_ctx.hrt, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	mod_timer(&kleak_ctx.timer, jiffies + 1);

	msleep(2000);

	kleak_ctx_cleanup();
	kleak_stop();

	kunit_info(test, "hardirq %d/%d softirq %d/%d process %d/%d (ok/bad)\n",
		   atomic_read(&kleak_ctx.hard_ok), atomic_read(&kleak_ctx.hard_bad),
		   atomic_read(&kleak_ctx.soft_ok), atomic_read(&kleak_ctx.soft_bad),
		   atomic_read(&kleak_ctx.proc_ok), atomic_read(&kleak_ctx.proc_bad));
	KUNIT_EXPECT_GT(test, atomic_read(&kleak_ctx.hard_ok), 10);
	KUNIT_EXPECT_GT(test, atomic_read(&kleak_ctx.soft_ok), 10);
	KUNIT_EXPECT_GT(test, atomic_read(&kleak_ctx.proc_ok), 100);
	KUNIT_EXPECT_EQ(test, atomic_read(&kleak_ctx.hard_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kleak_ctx.soft_bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&kleak_ctx.proc_bad), 0);
	KUNIT_EXPECT_EQ(test, kleak_counter_sum(KC_DROP_RECURSION) - recursion, 0ULL);
	/* every churned object was seen freed */
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_NE(test, kleak_ctx.stack[i], 0U);
		if (kleak_ctx.stack[i])
			KUNIT_EXPECT_EQ_MSG(test, kleak_stack_live(kleak_ctx.stack[i], NULL),
					    0ULL, "context %d", i);
	}
}

/* ---- exhaustion ---------------------------------------------------------- */

static void kleak_test_exhaustion(struct kunit *test)
{
	unsigned int n = kleak_max_objects() + 64, i, tracked = 0, failed = 0;
	u64 drops;
	struct kleak_obj o;
	void **p;

	if (kleak_max_objects() > 65536)
		kunit_skip(test, "load kleak with max_objects <= 65536 to run this");
	p = vmalloc(array_size(n, sizeof(void *)));
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kleak_clear(), 0);
	kleak_test_start(test);
	drops = kleak_counter_sum(KC_DROP_TABLE_FULL);
	for (i = 0; i < n; i++)
		p[i] = kmalloc(16, GFP_KERNEL);
	for (i = 0; i < n; i++) {
		failed += !p[i];
		tracked += p[i] && kleak_lookup((unsigned long)p[i], &o);
	}
	/* every record left the free list ... */
	KUNIT_EXPECT_EQ(test, kleak_peak(), kleak_max_objects() - 1);
	/* ... and every object of ours that found none was dropped, and counted */
	KUNIT_EXPECT_GE(test, n - tracked - failed, 64U);
	KUNIT_EXPECT_GE(test, kleak_counter_sum(KC_DROP_TABLE_FULL) - drops,
			(u64)(n - tracked - failed));
	for (i = 0; i < n; i++)
		kfree(p[i]);
	/* room again after the frees */
	p[0] = kmalloc(16, GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, kleak_lookup((unsigned long)p[0], &o));
	kfree(p[0]);
	kleak_stop();
	vfree(p);
}

static struct kunit_case kleak_index_cases[] = {
	KUNIT_CASE(kleak_test_index_portable),
	KUNIT_CASE(kleak_test_index_rhashtable),
	{}
};

static struct kunit_suite kleak_index_suite = {
	.name = "kleak_index",
	.test_cases = kleak_index_cases,
};

static struct kunit_case kleak_core_cases[] = {
	KUNIT_CASE(kleak_test_stack_dedupe),
	KUNIT_CASE(kleak_test_planted_leak),
	KUNIT_CASE(kleak_test_allocinfo_view),
	KUNIT_CASE(kleak_test_kmem_cache_name),
	KUNIT_CASE(kleak_test_filter_parse),
	KUNIT_CASE(kleak_test_control),
	KUNIT_CASE(kleak_test_filter_tracking),
	KUNIT_CASE(kleak_test_hexdump_strings),
	KUNIT_CASE(kleak_test_report_contexts),
	KUNIT_CASE(kleak_test_report_bound),
	KUNIT_CASE(kleak_test_stack_slot_reuse),
	KUNIT_CASE(kleak_test_clear_running),
	KUNIT_CASE(kleak_test_age_mark),
	KUNIT_CASE(kleak_test_kfree_rcu),
	KUNIT_CASE(kleak_test_bulk_free),
	KUNIT_CASE(kleak_test_contexts),
	KUNIT_CASE(kleak_test_exhaustion),
	KUNIT_CASE(kleak_test_stats_names),
	KUNIT_CASE(kleak_test_call_tags),
	KUNIT_CASE(kleak_test_kinds_parse),
	KUNIT_CASE(kleak_test_page_kind),
	KUNIT_CASE(kleak_test_vmalloc_kind),
	KUNIT_CASE(kleak_test_percpu_kind),
	KUNIT_CASE(kleak_test_bulk_alloc),
	KUNIT_CASE(kleak_test_krealloc_in_place),
	KUNIT_CASE(kleak_test_kinds_off),
	KUNIT_CASE(kleak_test_suspect_score),
	KUNIT_CASE(kleak_test_suspects_view),
	{}
};

/*
 * Each case starts from a stopped kleak with no filter and no mark, and
 * leaves none behind, even when an assertion ends it early.
 */
static void kleak_core_reset(void)
{
	kleak_stop();
	kleak_kinds_set(KLEAK_KINDS_ALL);
	kleak_control("filter reset");
	kleak_mark_set(false);
}

static int kleak_core_init(struct kunit *test)
{
	kleak_core_reset();
	return 0;
}

static void kleak_core_exit(struct kunit *test)
{
	kleak_ctx_cleanup();
	kleak_core_reset();
}

static struct kunit_suite kleak_core_suite = {
	.name = "kleak_core",
	.init = kleak_core_init,
	.exit = kleak_core_exit,
	.test_cases = kleak_core_cases,
};

kunit_test_suites(&kleak_index_suite, &kleak_core_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for kleak");
KLEAK_IMPORT_NS_KUNIT();
