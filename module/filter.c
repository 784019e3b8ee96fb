// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: filters, a leaf above the name tables.  It owns the filter keys
 * (one table: parsing, printing and the list in messages all come from
 * it) and the tests of an object against a filter.  It holds no state:
 * the current filter is the tracker's (tracker.c, internal.h), the commands that
 * change it are control.c's.
 *
 * Filters on size, cache, comm and pid decide what is tracked, like
 * trace-cmd's -f: objects that do not pass are not recorded at all.  They
 * are applied again when reporting, together with the report-only filters
 * (module, min_age, mark), so a report always matches the current settings.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/bits.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "filter.h"
#include "format.h"

/* Largest min_age, in ms, whose ns fit in 64 bits (some 584 years). */
#define KLEAK_MIN_AGE_MAX_MS	(U64_MAX / NSEC_PER_MSEC)

/* Largest size a size filter takes: no slab object comes near it. */
#define KLEAK_SIZE_FILTER_MAX	BIT_ULL(40)	/* 1T */

/* Parse a byte count: N with an optional k, M, G (memparse()) suffix. */
static int kleak_parse_bytes(const char *s, unsigned long *v)
{
	char *end;

	*v = memparse(s, &end);
	return end == s || *end || *v > KLEAK_SIZE_FILTER_MAX ? -EINVAL : 0;
}

static int kleak_set_size(struct kleak_filter *f, const char *val)
{
	char buf[48];
	char *dash;
	unsigned long lo, hi;

	if (!*val) {
		f->size_min = 0;
		f->size_max = 0;
		return 0;
	}
	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (kleak_parse_bytes(buf, &lo) || kleak_parse_bytes(dash + 1, &hi) || lo > hi)
			return -EINVAL;
	} else {
		if (kleak_parse_bytes(buf, &lo))
			return -EINVAL;
		hi = lo;
	}
	if (!hi)
		return -EINVAL;
	f->size_min = lo;
	f->size_max = hi;
	return 0;
}

static size_t kleak_show_size(const struct kleak_filter *f, char *buf, size_t len)
{
	if (!f->size_max)
		return 0;
	if (f->size_min == f->size_max)
		return scnprintf(buf, len, "%lu", f->size_min);
	return scnprintf(buf, len, "%lu-%lu", f->size_min, f->size_max);
}

/* A name: printable, no blanks, shorter than @max. */
static int kleak_set_name(char *dst, size_t max, const char *val)
{
	const char *p;

	if (strlen(val) >= max)
		return -EINVAL;
	for (p = val; *p; p++)
		if (!isgraph(*p))
			return -EINVAL;
	strscpy_pad(dst, val, max);
	return 0;
}

static int kleak_set_cache(struct kleak_filter *f, const char *val)
{
	return kleak_set_name(f->cache, sizeof(f->cache), val);
}

static size_t kleak_show_cache(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->cache[0] ? scnprintf(buf, len, "%s", f->cache) : 0;
}

static int kleak_set_comm(struct kleak_filter *f, const char *val)
{
	return kleak_set_name(f->comm, sizeof(f->comm), val);
}

static size_t kleak_show_comm(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->comm[0] ? scnprintf(buf, len, "%s", f->comm) : 0;
}

static int kleak_set_pid(struct kleak_filter *f, const char *val)
{
	int p = 0;

	if (*val && (kstrtoint(val, 10, &p) || p < 0))
		return -EINVAL;
	f->pid = p;
	return 0;
}

static size_t kleak_show_pid(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->pid ? scnprintf(buf, len, "%d", f->pid) : 0;
}

static int kleak_set_module(struct kleak_filter *f, const char *val)
{
	return kleak_set_name(f->module, sizeof(f->module), val);
}

static size_t kleak_show_module(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->module[0] ? scnprintf(buf, len, "%s", f->module) : 0;
}

/* A duration in ms; ms, s, m and h suffixes ("500", "5s", "2m", "1h"). */
static int kleak_set_min_age(struct kleak_filter *f, const char *val)
{
	static const struct { const char *sfx; unsigned long ms; } units[] = {
		{ "ms", 1 }, { "s", MSEC_PER_SEC }, { "m", 60 * MSEC_PER_SEC },
		{ "h", 3600 * MSEC_PER_SEC },
	};
	unsigned long mult = 1, v;
	size_t n = strlen(val), i, l;
	char buf[24];

	if (!n) {
		f->min_age_ms = 0;
		return 0;
	}
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, n + 1);
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		l = strlen(units[i].sfx);
		if (n > l && !strcmp(buf + n - l, units[i].sfx)) {
			buf[n - l] = '\0';
			mult = units[i].ms;
			break;
		}
	}
	/* reports compare it in ns: min_age_ms * NSEC_PER_MSEC must fit in u64 */
	if (kstrtoul(buf, 10, &v) || v > KLEAK_MIN_AGE_MAX_MS / mult)
		return -EINVAL;
	f->min_age_ms = v * mult;
	return 0;
}

static size_t kleak_show_min_age(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->min_age_ms ? scnprintf(buf, len, "%lums", f->min_age_ms) : 0;
}

static const char *const kleak_kind_names[KLEAK_KINDS] = {
	[KLEAK_KIND_SLAB] = "slab",
	[KLEAK_KIND_PAGE] = "page",
	[KLEAK_KIND_VMALLOC] = "vmalloc",
	[KLEAK_KIND_PERCPU] = "percpu",
};

/**
 * kleak_kind_name() - the name of a kind
 * @kind: the kind
 *
 * Return: "slab", "page", "vmalloc" or "percpu".
 */
const char *kleak_kind_name(enum kleak_kind kind)
{
	return kind < KLEAK_KINDS ? kleak_kind_names[kind] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(kleak_kind_name);

/**
 * kleak_kinds_parse() - a comma-separated list of kinds, or "all"
 * @val: the list ("slab,page"); a newline at its end is ignored
 * @mask: where to store BIT(kind) of each kind named; left alone on error
 *
 * Return: 0, or -EINVAL for an empty list or an unknown name (no warning:
 * the caller warns, with its own context).
 */
int kleak_kinds_parse(const char *val, unsigned int *mask)
{
	char buf[KLEAK_KINDS_TEXT * 2], *p = buf, *tok;
	unsigned int m = 0;
	int k;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	p = strim(buf);
	if (!strcmp(p, "all")) {
		*mask = KLEAK_KINDS_ALL;
		return 0;
	}
	while ((tok = strsep(&p, ",")) != NULL) {
		for (k = 0; k < KLEAK_KINDS; k++)
			if (!strcmp(tok, kleak_kind_names[k]))
				break;
		if (k == KLEAK_KINDS)
			return -EINVAL;
		m |= BIT(k);
	}
	*mask = m;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_kinds_parse);

/**
 * kleak_kinds_format() - a mask of kinds as "slab,page" ("none" if empty)
 * @mask: BIT(kind) of each kind
 * @buf: output, KLEAK_KINDS_TEXT bytes will do
 * @len: size of @buf
 *
 * Return: the length written.
 */
size_t kleak_kinds_format(unsigned int mask, char *buf, size_t len)
{
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < KLEAK_KINDS; k++)
		if (mask & BIT(k))
			n += scnprintf(buf + n, len - n, "%s%s", n ? "," : "", kleak_kind_names[k]);
	return n ? n : scnprintf(buf, len, "none");
}
EXPORT_SYMBOL_IF_KUNIT(kleak_kinds_format);

static int kleak_set_kind(struct kleak_filter *f, const char *val)
{
	unsigned int m = 0;

	if (*val && kleak_kinds_parse(val, &m))
		return -EINVAL;
	f->kinds = m == KLEAK_KINDS_ALL ? 0 : m;
	return 0;
}

static size_t kleak_show_kind(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->kinds ? kleak_kinds_format(f->kinds, buf, len) : 0;
}

/* user=1: user pages (anonymous, page cache) are tracked too. */
static int kleak_set_user(struct kleak_filter *f, const char *val)
{
	bool v = false;

	if (*val && kstrtobool(val, &v))
		return -EINVAL;
	f->user = v;
	return 0;
}

static size_t kleak_show_user(const struct kleak_filter *f, char *buf, size_t len)
{
	return f->user ? scnprintf(buf, len, "1") : 0;
}

/*
 * The filter keys, in the order they are printed.  An empty value clears
 * a key; show() prints nothing for a key that is not set.
 */
static const struct kleak_filter_key {
	const char *name;
	int (*set)(struct kleak_filter *f, const char *val);
	size_t (*show)(const struct kleak_filter *f, char *buf, size_t len);
} kleak_filter_key_table[] = {
	{ "kind", kleak_set_kind, kleak_show_kind },
	{ "size", kleak_set_size, kleak_show_size },
	{ "cache", kleak_set_cache, kleak_show_cache },
	{ "comm", kleak_set_comm, kleak_show_comm },
	{ "pid", kleak_set_pid, kleak_show_pid },
	{ "module", kleak_set_module, kleak_show_module },
	{ "min_age", kleak_set_min_age, kleak_show_min_age },
	{ "user", kleak_set_user, kleak_show_user },
};

/**
 * kleak_filter_keys() - the names of the filter keys, "size cache ..."
 * @buf: output, KLEAK_FILTER_KEYS_LEN bytes will do
 * @len: size of @buf
 *
 * Return: @buf.
 */
char *kleak_filter_keys(char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(kleak_filter_key_table); i++)
		n += scnprintf(buf + n, len - n, "%s%s", i ? " " : "",
			       kleak_filter_key_table[i].name);
	return buf;
}

static bool kleak_filter_at_alloc(const struct kleak_filter *f)
{
	return f->size_max || f->pid || f->comm[0] || f->cache[0] || f->kinds;
}

/**
 * kleak_filter_set_key() - set one key of a filter
 * @f: the filter; left as it was on error
 * @key: the key's name
 * @val: its value; "" clears it
 *
 * Return: 0, or -EINVAL with one rate-limited pr_warn line naming what was
 * wrong (escaped).
 */
int kleak_filter_set_key(struct kleak_filter *f, const char *key, const char *val)
{
	char keys[KLEAK_FILTER_KEYS_LEN];
	struct kleak_filter nf = *f;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kleak_filter_key_table); i++) {
		if (strcmp(key, kleak_filter_key_table[i].name))
			continue;
		if (kleak_filter_key_table[i].set(&nf, val)) {
			pr_warn_ratelimited("filter: bad value '%*pE' for %s\n",
					    kleak_esc_len(val), val, key);
			return -EINVAL;
		}
		nf.at_alloc = kleak_filter_at_alloc(&nf);
		*f = nf;
		return 0;
	}
	pr_warn_ratelimited("filter: unknown key '%*pE' (want %s)\n",
			    kleak_esc_len(key), key, kleak_filter_keys(keys, sizeof(keys)));
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_set_key);

/**
 * kleak_filter_parse() - apply "key=value ..." settings to a filter
 * @f: the filter to change; left as it was on error
 * @args: space-separated settings; modified while parsing
 *
 * An empty value clears that key; "reset" clears all.
 *
 * Return: 0, or -EINVAL with one pr_warn line naming what was wrong.
 */
int kleak_filter_parse(struct kleak_filter *f, char *args)
{
	char keys[KLEAK_FILTER_KEYS_LEN];
	struct kleak_filter nf = *f;
	char *tok, *val;

	args = strim(args);
	if (!*args) {
		pr_warn_ratelimited("filter: expected key=value (%s) or reset\n",
				    kleak_filter_keys(keys, sizeof(keys)));
		return -EINVAL;
	}
	while ((tok = strsep(&args, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "reset")) {
			memset(&nf, 0, sizeof(nf));
			continue;
		}
		val = strchr(tok, '=');
		if (!val) {
			pr_warn_ratelimited("filter: '%*pE' is not key=value\n",
					    kleak_esc_len(tok), tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (kleak_filter_set_key(&nf, tok, val))
			return -EINVAL;
	}
	*f = nf;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_parse);

/**
 * kleak_filter_format() - the filter as "key=value ..." (or "none")
 * @f: the filter
 * @buf: output
 * @len: size of @buf
 */
void kleak_filter_format(const struct kleak_filter *f, char *buf, size_t len)
{
	size_t n = 0, i, v;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(kleak_filter_key_table); i++) {
		const struct kleak_filter_key *k = &kleak_filter_key_table[i];
		size_t at = n;

		n += scnprintf(buf + n, len - n, "%s%s=", n ? " " : "", k->name);
		v = k->show(f, buf + n, len - n);
		if (!v) {		/* not set: take the key back */
			n = at;
			buf[n] = '\0';
		}
		n += v;
	}
	if (!n)
		strscpy(buf, "none", len);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_format);

/**
 * kleak_filter_track() - does a new object pass the tracking filters?
 * @f: the filter
 * @size: allocated size
 * @pid: allocating pid
 * @comm: allocating comm
 *
 * Any context.  The cache filter is checked by kleak_cache_match().
 * Return: true when it passes.
 */
bool kleak_filter_track(const struct kleak_filter *f, size_t size, pid_t pid,
			const char *comm)
{
	if (f->size_max && (size < f->size_min || size > f->size_max))
		return false;
	if (f->pid && pid != f->pid)
		return false;
	if (f->comm[0] && strncmp(comm, f->comm, TASK_COMM_LEN))
		return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_track);

/**
 * kleak_filter_alloc() - does the allocation by current pass the filters?
 * @f: the filter, at_alloc set
 * @size: allocated size
 * @cache: the object's cache table index
 * @gen: the filter's generation (see kleak_cache_match())
 *
 * Probe context.  Return: true when it is to be tracked.
 */
bool kleak_filter_alloc(const struct kleak_filter *f, size_t size, u16 cache, u32 gen)
{
	return kleak_filter_track(f, size, task_pid_nr(current), current->comm) &&
	       kleak_cache_match(cache, f->cache, gen);
}

/**
 * kleak_filter_alloc_kind() - does an allocation of another kind than slab pass?
 * @f: the filter, at_alloc set
 * @kind: the kind
 * @size: its size (of one CPU's copy, for percpu)
 *
 * Probe context.  The cache filter passes slab objects only.
 * Return: true when it is to be tracked.
 */
bool kleak_filter_alloc_kind(const struct kleak_filter *f, enum kleak_kind kind, size_t size)
{
	if (f->kinds && !(f->kinds & BIT(kind)))
		return false;
	if (kind == KLEAK_KIND_SLAB)
		return true;	/* the caller goes on with kleak_filter_alloc() */
	return !f->cache[0] && kleak_filter_track(f, size, task_pid_nr(current), current->comm);
}

/**
 * kleak_filter_report() - does a tracked object pass the report filters?
 * @f: the filter
 * @o: the object's record
 * @now: kleak_clock() now
 * @mark_ts: objects older than this are hidden (0: no mark)
 *
 * The module filter is per stack and checked by the caller.
 * Return: true when it passes.
 */
bool kleak_filter_report(const struct kleak_filter *f, const struct kleak_obj *o,
			 u64 now, u64 mark_ts)
{
	const struct kleak_cache_info *c = kleak_obj_cache_info(o);

	if (f->kinds && !(f->kinds & BIT(kleak_obj_kind(o))))
		return false;
	if (!kleak_filter_track(f, kleak_obj_size(o), o->pid, kleak_comm_name(o->comm)))
		return false;
	if (f->cache[0] && (!c || strcmp(c->name, f->cache)))
		return false;
	if (mark_ts && o->ts < mark_ts)
		return false;
	if (f->min_age_ms && kleak_age_at(now, o->ts) < f->min_age_ms * NSEC_PER_MSEC)
		return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_report);

/**
 * kleak_filter_per_object() - must each object be tested for a report?
 * @f: the filter
 * @mark_ts: the report's mark (0: none)
 *
 * Return: true when a filter other than module, or a mark, is set.
 */
bool kleak_filter_per_object(const struct kleak_filter *f, u64 mark_ts)
{
	return f->at_alloc || f->min_age_ms || mark_ts;
}
