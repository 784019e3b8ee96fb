// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: reports.  One formatter serves the debugfs files (seq_file), the
 * rmmod summary (printk) and the KUnit suites (a buffer).
 *
 * /sys/kernel/debug/kleak/
 *   outstanding  every live object that passes the filters, oldest first
 *   stacks       objects grouped by stack, largest live bytes first, with a
 *                hex dump and the printable strings of one exemplar
 *   object       write an address, read that object's record and contents
 *   stats        events, live and peak objects, memory, drops and misses
 *   control      commands and filters; read it for the current settings
 *
 * Reports never allocate: their snapshot arrays are made at load, and one
 * reader at a time uses each (a second open gets -EBUSY).
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/bitops.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kleak.h"

#define KLEAK_STRINGS_MAX	16	/* strings shown per object */
#define KLEAK_STRINGS_SCAN	SZ_64K	/* bytes of an exemplar scanned for strings */
#define KLEAK_OBJECT_CHUNK	512	/* bytes of the object file per seq record */

/* ---- the formatter ----------------------------------------------------- */

/**
 * kleak_printf() - print to a seq_file, a buffer, or the kernel log
 * @out: the target; all-zero for printk, where each call is one line
 * @fmt: format
 */
void kleak_printf(struct kleak_out *out, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	if (out->seq) {
		seq_vprintf(out->seq, fmt, args);
	} else if (out->buf) {
		if (out->len < out->size)
			out->len += vscnprintf(out->buf + out->len, out->size - out->len,
					       fmt, args);
	} else {
		struct va_format vaf = { .fmt = fmt, .va = &args };

		pr_info("%pV", &vaf);
	}
	va_end(args);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_printf);

/**
 * kleak_hexdump() - hex+ASCII dump, 16 bytes a line, like crash's rd -a
 * @out: the target
 * @data: the bytes, already copied
 * @len: how many
 * @offset: offset of @data in the object, printed at the start of each line
 */
void kleak_hexdump(struct kleak_out *out, const void *data, size_t len, size_t offset)
{
	char line[80];
	size_t i;

	for (i = 0; i < len; i += 16) {
		hex_dump_to_buffer((const u8 *)data + i, min_t(size_t, 16, len - i),
				   16, 1, line, sizeof(line), true);
		kleak_printf(out, "    %04zx: %s\n", offset + i, line);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kleak_hexdump);

static void kleak_strings_flush(struct kleak_strscan *ss)
{
	if (ss->run >= KLEAK_STR_MIN && ss->shown < ss->max) {
		ss->acc[min_t(unsigned int, ss->run, KLEAK_STR_SHOW)] = '\0';
		kleak_printf(ss->out, "    \"%s\"%s\n", ss->acc,
			     ss->run > KLEAK_STR_SHOW ? "..." : "");
		ss->shown++;
	}
	ss->run = 0;
}

/**
 * kleak_strings_scan() - feed bytes to a strings(1)-like scan
 * @ss: the scan; runs may span calls
 * @p: the bytes
 * @len: how many
 *
 * Prints each run of at least KLEAK_STR_MIN printable characters, up to
 * @ss->max runs.
 */
void kleak_strings_scan(struct kleak_strscan *ss, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (isprint(p[i]) || p[i] == '\t') {
			if (ss->run < KLEAK_STR_SHOW)
				ss->acc[ss->run] = p[i] == '\t' ? ' ' : p[i];
			ss->run++;
		} else {
			kleak_strings_flush(ss);
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(kleak_strings_scan);

/**
 * kleak_strings_end() - end a scan, printing the last run
 * @ss: the scan
 */
void kleak_strings_end(struct kleak_strscan *ss)
{
	kleak_strings_flush(ss);
	if (!ss->shown)
		kleak_printf(ss->out, "    (none)\n");
}
EXPORT_SYMBOL_IF_KUNIT(kleak_strings_end);

/**
 * kleak_obj_read() - copy part of a tracked object's memory
 * @idx: the object's pool index
 * @addr: its address
 * @ts: its allocation time, to tell it from a later object at @addr
 * @off: offset in the object
 * @dst: where to copy
 * @len: how many bytes
 *
 * Holds the lock of @addr while copying, so the object cannot be freed
 * meanwhile (see core.c).  Untracked memory is never read.
 *
 * Return: 0, -ENOENT when the object is gone, or -EFAULT.
 */
int kleak_obj_read(u32 idx, unsigned long addr, u64 ts, size_t off, void *dst, size_t len)
{
	return kleak_index_peek(&kleak.index, idx, addr, ts, NULL, off, dst, len);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_obj_read);

static void kleak_print_age(struct kleak_out *out, const char *pfx, u64 ns)
{
	kleak_printf(out, "%s%llu.%03llus", pfx, ns / NSEC_PER_SEC,
		     (ns % NSEC_PER_SEC) / NSEC_PER_MSEC);
}

/**
 * kleak_print_stack() - the symbolized frames of a stack, one per line
 * @out: the target
 * @sidx: stack index
 * @indent: printed before each frame
 */
void kleak_print_stack(struct kleak_out *out, u32 sidx, const char *indent)
{
	struct kleak_stack *st = kleak_stack_get(sidx);
	char sym[KSYM_SYMBOL_LEN];
	unsigned int i;

	if (!st->nr)
		kleak_printf(out, "%s(stack table full: stacks not kept)\n", indent);
	for (i = 0; i < st->nr; i++) {
		kleak_stack_print_frame(sidx, i, sym, sizeof(sym));
		kleak_printf(out, "%s%s\n", indent, sym);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kleak_print_stack);

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

/* Copy the object of pool record @idx, if it is live. */
static bool kleak_obj_snapshot(u32 idx, struct kleak_obj *copy)
{
	struct kleak_obj *o = &kleak.pool[idx];

	/* a racy look first: most records of a large pool are free */
	if (!(READ_ONCE(o->flags) & KLEAK_OBJ_LIVE))
		return false;
	return !kleak_index_peek(&kleak.index, idx, READ_ONCE(o->addr), 0, copy, 0, NULL, 0);
}

/* ---- report snapshots -------------------------------------------------- */

struct kleak_snap {
	u64 ts;
	unsigned long addr;
	u32 idx;
};

/*
 * What a stack has live, counted from the records when a report opens:
 * the objects and bytes that pass the report's filters, all its objects,
 * its oldest passing object (the exemplar), and its top allocating comms.
 */
struct kleak_stack_snap {
	u64 bytes;
	u64 objs;
	u64 all_objs;
	u64 oldest;
	unsigned long oldest_addr;
	u32 oldest_idx;
	u32 sidx;
	u32 comm_count[3];
	u16 comm[3];
	u16 cache;
};

static struct kleak_snap *kleak_osnap;
static struct kleak_stack_snap *kleak_ssnap;
static u8 *kleak_modmatch;	/* per stack: 0 unknown, 1 no, 2 yes */
static u32 kleak_osnap_n, kleak_ssnap_n;
static unsigned long kleak_busy;
#define KLEAK_BUSY_OUTSTANDING	0
#define KLEAK_BUSY_STACKS	1

static struct kleak_filter kleak_rf;	/* the filter of the running report */
static char kleak_osym[KSYM_SYMBOL_LEN];	/* outstanding: one reader at a time */
static u64 kleak_rmark;
static u64 kleak_rnow;		/* ages in a report are taken at one time */

static bool kleak_stack_passes(u32 sidx)
{
	if (!kleak_rf.module[0])
		return true;
	if (!kleak_modmatch[sidx])
		kleak_modmatch[sidx] = kleak_stack_in_module(sidx, kleak_rf.module) ? 2 : 1;
	return kleak_modmatch[sidx] == 2;
}

static int kleak_snap_cmp(const void *a, const void *b)
{
	const struct kleak_snap *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int kleak_ssnap_cmp(const void *a, const void *b)
{
	const struct kleak_stack_snap *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->sidx < y->sidx ? -1 : x->sidx > y->sidx;
}

static void kleak_report_begin(void)
{
	kleak_filter_get(&kleak_rf);
	kleak_rmark = READ_ONCE(kleak.mark_ts);
	kleak_rnow = kleak_clock();
	memset(kleak_modmatch, 0, kleak.max_stacks);
}

/* Snapshot the live objects that pass the filters, oldest first. */
static void kleak_outstanding_snapshot(void)
{
	struct kleak_obj o;
	u32 i, n = 0;
	u64 now;

	kleak_report_begin();
	now = kleak_rnow;
	down_read(&kleak_rwsem);
	for (i = 1; i < kleak.max_objects; i++) {
		if (!(i & 4095))
			cond_resched();
		if (!kleak_obj_snapshot(i, &o) ||
		    !kleak_filter_report(&kleak_rf, &o, now, kleak_rmark) ||
		    !kleak_stack_passes(o.stack))
			continue;
		kleak_osnap[n].ts = o.ts;
		kleak_osnap[n].addr = o.addr;
		kleak_osnap[n].idx = i;
		n++;
	}
	up_read(&kleak_rwsem);
	sort(kleak_osnap, n, sizeof(*kleak_osnap), kleak_snap_cmp, NULL);
	kleak_osnap_n = n;
}

static bool kleak_filter_per_object(const struct kleak_filter *f, u64 mark)
{
	return f->at_alloc || f->min_age_ms || mark;
}

/* Heavy hitters of the comms: a 3-slot "space saving" sketch. */
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

/*
 * Count what every stack has live, from the records, into kleak_ssnap,
 * then keep the stacks with live objects, in stack order.  With @report,
 * the filters of the running report apply.  One pass over the pool: the
 * probes keep no per-stack state.  Return: the number of stacks kept.
 */
static u32 kleak_stacks_tally(bool report)
{
	bool walk = report && kleak_filter_per_object(&kleak_rf, kleak_rmark);
	struct kleak_obj o;
	u32 i, n = 0, nr;

	/* acquire: pairs with the release in kleak_stack_intern() */
	nr = smp_load_acquire(&kleak.nr_stacks);
	memset(kleak_ssnap, 0, array_size(nr, sizeof(*kleak_ssnap)));
	for (i = 1; i < kleak.max_objects; i++) {
		struct kleak_stack_snap *s;

		if (!(i & 4095))
			cond_resched();
		/* a stack added after nr was read is left for the next report */
		if (!kleak_obj_snapshot(i, &o) || o.stack >= nr)
			continue;
		s = &kleak_ssnap[o.stack];
		s->all_objs++;
		if (walk && !kleak_filter_report(&kleak_rf, &o, kleak_rnow, kleak_rmark))
			continue;
		if (!s->objs || o.ts < s->oldest) {
			s->oldest = o.ts;
			s->oldest_idx = i;
			s->oldest_addr = o.addr;
			s->cache = o.cache;
		}
		s->objs++;
		s->bytes += kleak_obj_size(&o);
		kleak_tally_comm(s, o.comm);
	}
	for (i = 1; i < nr; i++) {
		if (!kleak_ssnap[i].objs || (report && !kleak_stack_passes(i)))
			continue;
		kleak_ssnap[i].sidx = i;
		/* n <= i: entries below i are already counted */
		kleak_ssnap[n++] = kleak_ssnap[i];
	}
	return n;
}

/**
 * kleak_stack_live() - what stack @sidx has live, counted from the records
 * @sidx: stack index
 * @bytes: where to store their allocated bytes (may be NULL)
 *
 * Process context; one pass over the pool.  Return: the number of objects.
 */
u64 kleak_stack_live(u32 sidx, u64 *bytes)
{
	struct kleak_obj o;
	u64 objs = 0, b = 0;
	u32 i;

	for (i = 1; i < kleak.max_objects; i++) {
		if (!kleak_obj_snapshot(i, &o) || o.stack != sidx)
			continue;
		objs++;
		b += kleak_obj_size(&o);
	}
	if (bytes)
		*bytes = b;
	return objs;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_live);

static void kleak_stacks_snapshot(void)
{
	u32 n;

	kleak_report_begin();
	down_read(&kleak_rwsem);
	n = kleak_stacks_tally(true);
	up_read(&kleak_rwsem);
	sort(kleak_ssnap, n, sizeof(*kleak_ssnap), kleak_ssnap_cmp, NULL);
	kleak_ssnap_n = n;
}

/* ---- outstanding ------------------------------------------------------- */

static void *kleak_outstanding_start(struct seq_file *m, loff_t *pos)
{
	down_read(&kleak_rwsem);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return *pos <= kleak_osnap_n ? &kleak_osnap[*pos - 1] : NULL;
}

static void *kleak_outstanding_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos <= kleak_osnap_n ? &kleak_osnap[*pos - 1] : NULL;
}

static void kleak_outstanding_stop(struct seq_file *m, void *v)
{
	up_read(&kleak_rwsem);
}

static int kleak_outstanding_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };
	const struct kleak_snap *s = v;
	const struct kleak_cache_info *c;
	char *sym = kleak_osym, fbuf[160];
	struct kleak_obj o;

	if (v == SEQ_START_TOKEN) {
		kleak_filter_format(&kleak_rf, fbuf, sizeof(fbuf));
		kleak_printf(&out, "# kleak outstanding: %u objects, oldest first; filter: %s%s\n",
			     kleak_osnap_n, fbuf, kleak_rmark ? " (after mark)" : "");
		return 0;
	}
	if (!kleak_obj_snapshot(s->idx, &o) || o.addr != s->addr || o.ts != s->ts)
		return 0;	/* freed since the snapshot */
	c = kleak_cache_get(o.cache);
	kleak_site(&o, sym);
	kleak_printf(&out, "0x%lx size=%u/%u cache=%s", o.addr, o.bytes_req,
		     c ? c->size : 0, c ? c->name : "?");
	kleak_print_age(&out, " age=", kleak_age_at(kleak_rnow, o.ts));
	kleak_printf(&out, " pid=%u comm=%s cpu=%u%s gfp=%#x stack=%u site=%s\n",
		     o.pid, kleak_comm_name(o.comm), o.cpu,
		     o.flags & KLEAK_OBJ_HARDIRQ ? " ctx=hardirq" :
		     o.flags & KLEAK_OBJ_SOFTIRQ ? " ctx=softirq" : "",
		     o.gfp, o.stack, sym);
	return 0;
}

static const struct seq_operations kleak_outstanding_sops = {
	.start = kleak_outstanding_start,
	.next = kleak_outstanding_next,
	.stop = kleak_outstanding_stop,
	.show = kleak_outstanding_show,
};

static int kleak_outstanding_open(struct inode *inode, struct file *file)
{
	int ret;

	if (test_and_set_bit(KLEAK_BUSY_OUTSTANDING, &kleak_busy))
		return -EBUSY;
	kleak_outstanding_snapshot();
	ret = seq_open(file, &kleak_outstanding_sops);
	if (ret)
		clear_bit(KLEAK_BUSY_OUTSTANDING, &kleak_busy);
	return ret;
}

static int kleak_outstanding_release(struct inode *inode, struct file *file)
{
	clear_bit(KLEAK_BUSY_OUTSTANDING, &kleak_busy);
	return seq_release(inode, file);
}

static const struct file_operations kleak_outstanding_fops = {
	.owner = THIS_MODULE,
	.open = kleak_outstanding_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kleak_outstanding_release,
};

/* ---- stacks ------------------------------------------------------------ */

/* Hex dump and strings of the oldest live object of a stack. */
static void kleak_stack_sample(struct kleak_out *out, const struct kleak_stack_snap *s)
{
	struct kleak_strscan ss = { .out = out, .max = KLEAK_STRINGS_MAX };
	u8 chunk[256];
	struct kleak_obj o;
	size_t size, off, n, sample = READ_ONCE(kleak_sample_bytes);
	u32 idx = s->oldest_idx;

	if (kleak_index_peek(&kleak.index, idx, s->oldest_addr, s->oldest, &o, 0, NULL, 0)) {
		kleak_printf(out, "  sample: (the oldest object was freed since the snapshot)\n");
		return;
	}
	size = kleak_obj_size(&o);
	sample = min(sample, size);
	kleak_printf(out, "  sample: object 0x%lx (%zu bytes), first %zu bytes:\n",
		     o.addr, size, sample);
	for (off = 0; off < sample; off += n) {
		n = min(sample - off, sizeof(chunk));
		if (kleak_obj_read(idx, o.addr, o.ts, off, chunk, n)) {
			kleak_printf(out, "    (freed while reading)\n");
			return;
		}
		kleak_hexdump(out, chunk, n, off);
	}
	kleak_printf(out, "  strings:\n");
	size = min_t(size_t, size, KLEAK_STRINGS_SCAN);
	for (off = 0; off < size && ss.shown < ss.max; off += n) {
		n = min(size - off, sizeof(chunk));
		if (kleak_obj_read(idx, o.addr, o.ts, off, chunk, n))
			break;
		kleak_strings_scan(&ss, chunk, n);
	}
	kleak_strings_end(&ss);
}

/* Print one stack group. */
static void kleak_stack_report(struct kleak_out *out, const struct kleak_stack_snap *s,
			       unsigned int rank, bool sample)
{
	const struct kleak_cache_info *c = kleak_cache_get(s->cache);
	u64 allocs = kleak_stack_allocs(s->sidx);
	char line[128];
	size_t n = 0;
	int i;

	/* every object of the stack that is not live any more was freed */
	kleak_printf(out, "#%u stack %u: %llu objects, %llu bytes live; %llu allocs, %llu frees\n",
		     rank, s->sidx, s->objs, s->bytes, allocs,
		     allocs - min(allocs, s->all_objs));
	line[0] = '\0';
	for (i = 0; i < 3; i++)
		if (s->comm_count[i])
			n += scnprintf(line + n, sizeof(line) - n, " %s(%u)",
				       kleak_comm_name(s->comm[i]), s->comm_count[i]);
	kleak_printf(out, "  cache: %s", c ? c->name : "?");
	kleak_print_age(out, "  oldest: ", kleak_age_at(kleak_clock(), s->oldest));
	kleak_printf(out, "  comms:%s\n", n ? line : " ?");
	kleak_printf(out, "  backtrace:\n");
	kleak_print_stack(out, s->sidx, "    ");
	if (sample)
		kleak_stack_sample(out, s);
}

static void *kleak_stacks_start(struct seq_file *m, loff_t *pos)
{
	down_read(&kleak_rwsem);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return *pos <= kleak_ssnap_n ? &kleak_ssnap[*pos - 1] : NULL;
}

static void *kleak_stacks_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos <= kleak_ssnap_n ? &kleak_ssnap[*pos - 1] : NULL;
}

static int kleak_stacks_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };
	char fbuf[160];
	u64 objs = 0, bytes = 0;
	u32 i;

	if (v == SEQ_START_TOKEN) {
		for (i = 0; i < kleak_ssnap_n; i++) {
			objs += kleak_ssnap[i].objs;
			bytes += kleak_ssnap[i].bytes;
		}
		kleak_filter_format(&kleak_rf, fbuf, sizeof(fbuf));
		kleak_printf(&out, "# kleak stacks: %u stacks, %llu objects, %llu bytes live; ",
			     kleak_ssnap_n, objs, bytes);
		kleak_printf(&out, "largest first; filter: %s%s", fbuf,
			     kleak_rmark ? " (after mark)" : "");
		if (kleak_sample_rate() > 1)
			kleak_printf(&out, "; sampled: 1 allocation in %u tracked",
				     kleak_sample_rate());
		kleak_printf(&out, "\n");
		return 0;
	}
	kleak_stack_report(&out, v, (struct kleak_stack_snap *)v - kleak_ssnap + 1, true);
	kleak_printf(&out, "\n");
	return 0;
}

static const struct seq_operations kleak_stacks_sops = {
	.start = kleak_stacks_start,
	.next = kleak_stacks_next,
	.stop = kleak_outstanding_stop,
	.show = kleak_stacks_show,
};

static int kleak_stacks_open(struct inode *inode, struct file *file)
{
	int ret;

	if (test_and_set_bit(KLEAK_BUSY_STACKS, &kleak_busy))
		return -EBUSY;
	kleak_stacks_snapshot();
	ret = seq_open(file, &kleak_stacks_sops);
	if (ret)
		clear_bit(KLEAK_BUSY_STACKS, &kleak_busy);
	return ret;
}

static int kleak_stacks_release(struct inode *inode, struct file *file)
{
	clear_bit(KLEAK_BUSY_STACKS, &kleak_busy);
	return seq_release(inode, file);
}

static const struct file_operations kleak_stacks_fops = {
	.owner = THIS_MODULE,
	.open = kleak_stacks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kleak_stacks_release,
};

/* ---- object ------------------------------------------------------------ */

static DEFINE_MUTEX(kleak_object_mutex);
static unsigned long kleak_object_addr;

struct kleak_object_view {
	struct kleak_obj o;
	u32 idx;
	size_t size;
};

/* The object file's state; kleak_object_mutex held. */
static struct kleak_object_view kleak_ov;
static u8 kleak_ochunk[KLEAK_OBJECT_CHUNK];
static char kleak_oline[KSYM_SYMBOL_LEN];

static void *kleak_object_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&kleak_object_mutex);
	if (*pos == 0) {
		const struct kleak_cache_info *c;

		if (!kleak_object_addr ||
		    !kleak_index_read(&kleak.index, kleak_object_addr, &kleak_ov.o, &kleak_ov.idx))
			return ERR_PTR(-ENOENT);
		c = kleak_cache_get(kleak_ov.o.cache);
		kleak_ov.size = c ? c->size : kleak_ov.o.bytes_req;
		return SEQ_START_TOKEN;
	}
	if ((*pos - 1) * KLEAK_OBJECT_CHUNK >= kleak_ov.size)
		return NULL;
	return pos;
}

static void *kleak_object_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	if ((*pos - 1) * KLEAK_OBJECT_CHUNK >= kleak_ov.size)
		return NULL;
	return pos;
}

static void kleak_object_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&kleak_object_mutex);
}

static int kleak_object_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };
	const struct kleak_obj *o = &kleak_ov.o;
	const struct kleak_cache_info *c = kleak_cache_get(o->cache);
	u8 *chunk = kleak_ochunk;
	char *sym = kleak_oline;
	size_t off, n;
	int ret;

	if (v == SEQ_START_TOKEN) {
		kleak_site(o, sym);
		kleak_printf(&out, "object 0x%lx size=%u/%zu cache=%s\n", o->addr,
			     o->bytes_req, kleak_ov.size, c ? c->name : "?");
		kleak_print_age(&out, "  age ", kleak_age_ns(o));
		kleak_printf(&out, " pid %u comm %s cpu %u gfp %#x stack %u\n",
			     o->pid, kleak_comm_name(o->comm), o->cpu, o->gfp, o->stack);
		kleak_printf(&out, "  call site: %s\n  backtrace:\n", sym);
		kleak_print_stack(&out, o->stack, "    ");
		kleak_printf(&out, "  contents (%zu bytes):\n", kleak_ov.size);
		return 0;
	}
	off = (*(loff_t *)v - 1) * KLEAK_OBJECT_CHUNK;
	n = min_t(size_t, kleak_ov.size - off, KLEAK_OBJECT_CHUNK);
	ret = kleak_obj_read(kleak_ov.idx, o->addr, o->ts, off, chunk, n);
	if (ret) {
		kleak_printf(&out, "  (object freed while reading)\n");
		return 0;
	}
	kleak_hexdump(&out, chunk, n, off);
	return 0;
}

static const struct seq_operations kleak_object_sops = {
	.start = kleak_object_start,
	.next = kleak_object_next,
	.stop = kleak_object_stop,
	.show = kleak_object_show,
};

static int kleak_object_open(struct inode *inode, struct file *file)
{
	if (!(file->f_mode & FMODE_READ))
		return 0;
	return seq_open(file, &kleak_object_sops);
}

static int kleak_object_release(struct inode *inode, struct file *file)
{
	if (!(file->f_mode & FMODE_READ))
		return 0;
	return seq_release(inode, file);
}

static ssize_t kleak_object_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned long addr;
	struct kleak_obj o;

	if (len >= sizeof(buf)) {
		pr_warn("object: write an address such as 0xffff888012345000\n");
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (kstrtoul(strim(buf), 16, &addr) || !addr) {
		pr_warn("object: '%s' is not an address\n", strim(buf));
		return -EINVAL;
	}
	if (!kleak_index_read(&kleak.index, addr, &o, NULL))
		return -ENOENT;
	mutex_lock(&kleak_object_mutex);
	kleak_object_addr = addr;
	mutex_unlock(&kleak_object_mutex);
	return len;
}

static const struct file_operations kleak_object_fops = {
	.owner = THIS_MODULE,
	.open = kleak_object_open,
	.read = seq_read,
	.write = kleak_object_write,
	.llseek = seq_lseek,
	.release = kleak_object_release,
};

/* ---- stats ------------------------------------------------------------- */

static const char * const kleak_counter_names[KC_NR] = {
	[KC_EV_KMALLOC]		= "events_kmalloc",
	[KC_EV_CACHE_ALLOC]	= "events_kmem_cache_alloc",
	[KC_EV_KFREE]		= "events_kfree",
	[KC_EV_CACHE_FREE]	= "events_kmem_cache_free",
	[KC_EV_BULK_FREE]	= "events_bulk_free",
	[KC_TRACKED_ALLOCS]	= "tracked_allocs",
	[KC_TRACKED_FREES]	= "tracked_frees",
	[KC_FILTERED]		= "filtered_out",
	[KC_FAILED_ALLOC]	= "failed_allocs",
	[KC_NULL_FREE]		= "null_frees",
	[KC_DROP_TABLE_FULL]	= "drop_table_full",
	[KC_DROP_STACK_FULL]	= "drop_stack_table_full",
	[KC_DROP_RECURSION]	= "drop_recursion",
	[KC_MISSED_FREE]	= "missed_frees",
	[KC_UNKNOWN_FREE]	= "unknown_frees",
	[KC_SAMPLED_OUT]	= "sampled_out",
	[KC_LIVE_ADD]		= "records_linked",
	[KC_LIVE_SUB]		= "records_released",
};

static void kleak_stats(struct kleak_out *out)
{
	int i;

	kleak_printf(out, "running: %d\n", READ_ONCE(kleak.running));
	kleak_printf(out, "bulk_free_hooked: %d\n", kleak.bulk_hooked);
	kleak_printf(out, "live_objects: %ld\n", kleak_live());
	kleak_printf(out, "peak_objects: %u\n", READ_ONCE(kleak.peak));
	kleak_printf(out, "max_objects: %u\n", kleak.max_objects);
	kleak_printf(out, "stacks: %u\n", READ_ONCE(kleak.nr_stacks) - KLEAK_STACKS_RESERVED);
	kleak_printf(out, "max_stacks: %u\n", kleak.max_stacks);
	kleak_printf(out, "memory_bytes: %zu\n", kleak_memory_bytes());
	kleak_printf(out, "memory_records_bytes: %zu\n",
		     (size_t)kleak.max_objects * sizeof(struct kleak_obj));
	kleak_printf(out, "memory_index_bytes: %zu\n", kleak_index_bytes(&kleak.index));
	kleak_printf(out, "memory_stacks_bytes: %zu\n", kleak_stacks_bytes());
	kleak_printf(out, "object_record_bytes: %zu\n", sizeof(struct kleak_obj));
	for (i = 0; i < KC_NR; i++)
		kleak_printf(out, "%s: %llu\n", kleak_counter_names[i], kleak_counter_sum(i));
	kleak_printf(out, "last_recursion_site: %pS\n", (void *)READ_ONCE(kleak.recursion_site));
}

static int kleak_stats_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };

	kleak_stats(&out);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kleak_stats);

/* ---- control ----------------------------------------------------------- */

static int kleak_control_seq_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };

	kleak_control_show(&out);
	return 0;
}

static int kleak_control_open(struct inode *inode, struct file *file)
{
	return single_open(file, kleak_control_seq_show, NULL);
}

static ssize_t kleak_control_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[256];
	int ret;

	if (len >= sizeof(buf)) {
		pr_warn("control: command longer than %zu bytes\n", sizeof(buf) - 1);
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	ret = kleak_control(buf);
	return ret ? ret : len;
}

static const struct file_operations kleak_control_fops = {
	.owner = THIS_MODULE,
	.open = kleak_control_open,
	.read = seq_read,
	.write = kleak_control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ---- summary and setup ------------------------------------------------- */

/**
 * kleak_summary() - totals, the top stacks by live bytes, and the counters
 * @out: the target (printk at rmmod)
 * @top: how many stacks
 *
 * Probes stopped.  Counts from the records, like the stacks file.
 */
void kleak_summary(struct kleak_out *out, unsigned int top)
{
	u64 objs = 0, bytes = 0;
	u32 i, n = 0;
	bool busy;

	/* the stacks file's snapshot buffer; no reader at rmmod */
	busy = test_and_set_bit(KLEAK_BUSY_STACKS, &kleak_busy);
	if (!busy) {
		down_read(&kleak_rwsem);
		n = kleak_stacks_tally(false);
		up_read(&kleak_rwsem);
		sort(kleak_ssnap, n, sizeof(*kleak_ssnap), kleak_ssnap_cmp, NULL);
	}
	for (i = 0; i < n; i++) {
		objs += kleak_ssnap[i].objs;
		bytes += kleak_ssnap[i].bytes;
	}
	if (busy)
		kleak_printf(out, "summary: %ld objects still live (stacks file busy)\n",
			     kleak_live());
	else
		kleak_printf(out, "summary: %llu objects, %llu bytes still live in %u stacks\n",
			     objs, bytes, n);
	kleak_printf(out, "tracked %llu allocations and %llu frees\n",
		     kleak_counter_sum(KC_TRACKED_ALLOCS), kleak_counter_sum(KC_TRACKED_FREES));
	kleak_printf(out, "dropped: table_full=%llu stack_table_full=%llu recursion=%llu\n",
		     kleak_counter_sum(KC_DROP_TABLE_FULL), kleak_counter_sum(KC_DROP_STACK_FULL),
		     kleak_counter_sum(KC_DROP_RECURSION));
	kleak_printf(out, "missed_frees=%llu unknown_frees=%llu\n",
		     kleak_counter_sum(KC_MISSED_FREE), kleak_counter_sum(KC_UNKNOWN_FREE));
	n = min(n, top);
	if (n)
		kleak_printf(out, "top %u stacks by live bytes:\n", n);
	for (i = 0; i < n; i++)
		kleak_stack_report(out, &kleak_ssnap[i], i + 1, false);
	if (!busy)
		clear_bit(KLEAK_BUSY_STACKS, &kleak_busy);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_summary);

static struct dentry *kleak_dir;

/**
 * kleak_debugfs_init() - allocate the report buffers, create the files
 *
 * Return: 0 or -ENOMEM.
 */
int kleak_debugfs_init(void)
{
	kleak_osnap = vmalloc(array_size(kleak.max_objects, sizeof(*kleak_osnap)));
	kleak_ssnap = vmalloc(array_size(kleak.max_stacks, sizeof(*kleak_ssnap)));
	kleak_modmatch = vmalloc(kleak.max_stacks);
	if (!kleak_osnap || !kleak_ssnap || !kleak_modmatch)
		goto err_free_buffers;
	kleak_dir = debugfs_create_dir("kleak", NULL);
	if (IS_ERR(kleak_dir))
		goto err_free_buffers;
	debugfs_create_file("outstanding", 0400, kleak_dir, NULL, &kleak_outstanding_fops);
	debugfs_create_file("stacks", 0400, kleak_dir, NULL, &kleak_stacks_fops);
	debugfs_create_file("object", 0600, kleak_dir, NULL, &kleak_object_fops);
	debugfs_create_file("stats", 0444, kleak_dir, NULL, &kleak_stats_fops);
	debugfs_create_file("control", 0600, kleak_dir, NULL, &kleak_control_fops);
	return 0;

err_free_buffers:
	vfree(kleak_osnap);
	vfree(kleak_ssnap);
	vfree(kleak_modmatch);
	return -ENOMEM;
}

/** kleak_debugfs_exit() - remove the files, free the report buffers */
void kleak_debugfs_exit(void)
{
	debugfs_remove_recursive(kleak_dir);
	vfree(kleak_osnap);
	vfree(kleak_ssnap);
	vfree(kleak_modmatch);
}
