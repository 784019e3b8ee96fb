// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the views' formats (process context): outstanding, stacks,
 * suspects and allocinfo, one entry at a time from a report's snapshot;
 * object; stats.  They only format what report.c counted.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "names.h"
#include "report_internal.h"
#include "symbols.h"
#include "tracker.h"

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
	u8 chunk[KLEAK_CHUNK];
	struct kleak_obj o;
	size_t size, off, n, sample = kleak_sample_bytes_get();
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

/**
 * kleak_stack_report() - print one stack group of a report
 * @out: the target
 * @r: the report
 * @s: the group
 * @rank: its place in the view
 * @sample: with its exemplar's contents
 */
void kleak_stack_report(struct kleak_out *out, struct kleak_report *r,
			const struct kleak_stack_snap *s, unsigned int rank, bool sample)
{
	const struct kleak_cache_info *c = s->kind == KLEAK_KIND_SLAB ?
					   kleak_cache_get(s->cache) : NULL;
	u64 allocs = r->view == KLEAK_VIEW_SUSPECTS ? s->allocs : kleak_stack_allocs(s->sidx);
	char line[KLEAK_LINE];
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

/*
 * A name for every counter, by its enum: the size is checked below, and a
 * KUnit case (kleak_test_stats_names) checks that none is missing or
 * repeated.
 */
static const char * const kleak_counter_names[] = {
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

static_assert(ARRAY_SIZE(kleak_counter_names) == KC_KIND_ALLOCS);
static_assert(ARRAY_SIZE(kleak_kind_counter_names) * KLEAK_KINDS == KC_NR - KC_KIND_ALLOCS);

/**
 * kleak_counter_name() - a counter's name in stats
 * @c: the counter, below KC_KIND_ALLOCS
 *
 * Return: its name, or NULL for none.
 */
const char *kleak_counter_name(unsigned int c)
{
	return c < ARRAY_SIZE(kleak_counter_names) ? kleak_counter_names[c] : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_counter_name);

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
	kleak_printf(out, "contents_refused: %ld\n", kleak_contents_refused_count());
	kleak_printf(out, "last_recursion_site: %pS\n", (void *)kleak_recursion_site());
}
