// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: filters, the control file's commands, and the filter parameters.
 *
 * Filters on size, cache, comm and pid decide what is tracked, like
 * trace-cmd's -f: objects that do not pass are not recorded at all.  They
 * are applied again when reporting, together with the report-only filters
 * (module, min_age, mark), so a report always matches the current settings.
 *
 * The probes read the filter through an RCU pointer to one of two buffers;
 * an update fills the spare buffer, publishes it and waits for a grace
 * period, so a probe never sees a half-written filter.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "kleak.h"

static char *size;
module_param(size, charp, 0444);
MODULE_PARM_DESC(size, "Track only objects of this allocated size: N or MIN-MAX bytes (like trace-cmd -f 'bytes_alloc==N')");

static char *cache;
module_param(cache, charp, 0444);
MODULE_PARM_DESC(cache, "Track only objects of this slab cache, as named in /proc/slabinfo (e.g. kmalloc-4k)");

static char *comm;
module_param(comm, charp, 0444);
MODULE_PARM_DESC(comm, "Track only objects allocated by tasks of this comm");

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "Track only objects allocated by this pid (0: any)");

static char *module;
module_param(module, charp, 0444);
MODULE_PARM_DESC(module, "Report only objects whose stack passes through this module's text");

static unsigned long min_age;
module_param(min_age, ulong, 0444);
MODULE_PARM_DESC(min_age, "Report only objects at least this many milliseconds old");

#define KLEAK_CMD_MAX 256

/* Parse "N" or "MIN-MAX" (bytes, k/K and m/M suffixes allowed). */
static int kleak_parse_bytes(const char *s, unsigned long *v)
{
	char buf[24];
	size_t n = strlen(s);
	unsigned long mult = 1;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k': case 'K':
		mult = 1024;
		buf[--n] = '\0';
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		buf[--n] = '\0';
		break;
	}
	if (kstrtoul(buf, 0, v) || *v > ULONG_MAX / mult)
		return -EINVAL;
	*v *= mult;
	return 0;
}

static int kleak_parse_size(const char *val, struct kleak_filter *f)
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

/* Parse a duration in ms; s, m and h suffixes allowed ("500", "5s", "2m", "1h"). */
static int kleak_parse_ms(const char *val, unsigned long *ms)
{
	char buf[24];
	size_t n = strlen(val);
	unsigned long mult = 1, v;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, n + 1);
	if (n > 2 && !strcmp(buf + n - 2, "ms")) {
		buf[n - 2] = '\0';
	} else if (buf[n - 1] == 's') {
		mult = 1000;
		buf[n - 1] = '\0';
	} else if (buf[n - 1] == 'm') {
		mult = 60000;
		buf[n - 1] = '\0';
	} else if (buf[n - 1] == 'h') {
		mult = 3600000;
		buf[n - 1] = '\0';
	}
	if (kstrtoul(buf, 10, &v) || v > ULONG_MAX / mult)
		return -EINVAL;
	*ms = v * mult;
	return 0;
}

static bool kleak_name_ok(const char *val, size_t max)
{
	const char *p;

	if (strlen(val) >= max)
		return false;
	for (p = val; *p; p++)
		if (!isgraph(*p))
			return false;
	return true;
}

/**
 * kleak_filter_parse() - apply "key=value ..." settings to a filter
 * @f: the filter to change; left as it was on error
 * @args: space-separated settings; modified while parsing
 *
 * Keys: size (N or MIN-MAX), cache, comm, pid, module, min_age.  An empty
 * value clears that key; "reset" clears all.
 *
 * Return: 0, or -EINVAL with one pr_warn line naming what was wrong.
 */
int kleak_filter_parse(struct kleak_filter *f, char *args)
{
	struct kleak_filter nf = *f;
	char *tok, *val;
	int ret = 0;

	args = strim(args);
	if (!*args) {
		pr_warn("filter: expected key=value (size, cache, comm, pid, module, min_age) or reset\n");
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
			pr_warn("filter: '%s' is not key=value\n", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "size")) {
			ret = kleak_parse_size(val, &nf);
		} else if (!strcmp(tok, "pid")) {
			int p = 0;

			ret = *val ? kstrtoint(val, 10, &p) : 0;
			if (!ret && p < 0)
				ret = -EINVAL;
			nf.pid = p;
		} else if (!strcmp(tok, "comm")) {
			ret = kleak_name_ok(val, sizeof(nf.comm)) ? 0 : -EINVAL;
			if (!ret)
				strscpy_pad(nf.comm, val, sizeof(nf.comm));
		} else if (!strcmp(tok, "cache")) {
			ret = kleak_name_ok(val, sizeof(nf.cache)) ? 0 : -EINVAL;
			if (!ret)
				strscpy_pad(nf.cache, val, sizeof(nf.cache));
		} else if (!strcmp(tok, "module")) {
			ret = kleak_name_ok(val, sizeof(nf.module)) ? 0 : -EINVAL;
			if (!ret)
				strscpy_pad(nf.module, val, sizeof(nf.module));
		} else if (!strcmp(tok, "min_age")) {
			nf.min_age_ms = 0;
			ret = *val ? kleak_parse_ms(val, &nf.min_age_ms) : 0;
		} else {
			pr_warn("filter: unknown key '%s' (want size, cache, comm, pid, module, min_age)\n",
				tok);
			return -EINVAL;
		}
		if (ret) {
			pr_warn("filter: bad value '%s' for %s\n", val, tok);
			return -EINVAL;
		}
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
	size_t n = 0;

	buf[0] = '\0';
	if (f->size_max && f->size_min == f->size_max)
		n += scnprintf(buf + n, len - n, " size=%lu", f->size_min);
	else if (f->size_max)
		n += scnprintf(buf + n, len - n, " size=%lu-%lu", f->size_min, f->size_max);
	if (f->cache[0])
		n += scnprintf(buf + n, len - n, " cache=%s", f->cache);
	if (f->comm[0])
		n += scnprintf(buf + n, len - n, " comm=%s", f->comm);
	if (f->pid)
		n += scnprintf(buf + n, len - n, " pid=%d", f->pid);
	if (f->module[0])
		n += scnprintf(buf + n, len - n, " module=%s", f->module);
	if (f->min_age_ms)
		n += scnprintf(buf + n, len - n, " min_age=%lums", f->min_age_ms);
	if (!n)
		strscpy(buf, " none", len);
	memmove(buf, buf + 1, strlen(buf));
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
	const struct kleak_cache_info *c = kleak_cache_get(o->cache);

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
 * kleak_filter_get() - a copy of the current filter
 * @f: where to copy it
 */
void kleak_filter_get(struct kleak_filter *f)
{
	rcu_read_lock();
	*f = *rcu_dereference(kleak.filter);
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(kleak_filter_get);

/* Does a filter apply when an object is allocated? */
static bool kleak_filter_at_alloc(const struct kleak_filter *f)
{
	return f->size_max || f->pid || f->comm[0] || f->cache[0];
}

/**
 * kleak_filter_set() - publish a new filter
 * @f: the new filter
 *
 * Process context, kleak_ctl_mutex held.  Return: 0.
 */
int kleak_filter_set(const struct kleak_filter *f)
{
	struct kleak_filter *cur = rcu_dereference_protected(kleak.filter,
							     lockdep_is_held(&kleak_ctl_mutex));
	struct kleak_filter *next = cur == &kleak.filter_buf[0] ?
				    &kleak.filter_buf[1] : &kleak.filter_buf[0];

	*next = *f;
	next->at_alloc = kleak_filter_at_alloc(next);
	rcu_assign_pointer(kleak.filter, next);
	/* every probe now sees the new filter ... */
	synchronize_rcu();
	/* ... so cached cache-filter answers can be recomputed */
	WRITE_ONCE(kleak.filter_gen, kleak.filter_gen + 1);
	return 0;
}

/**
 * kleak_control() - run one control command
 * @cmd: the command line
 *
 * Commands: start, stop, clear, mark, unmark, filter KEY=VALUE...,
 * filter reset.
 *
 * Return: 0, or -EINVAL (with one pr_warn line) and nothing changed.
 */
int kleak_control(const char *cmd)
{
	char buf[KLEAK_CMD_MAX], *line, *verb;
	struct kleak_filter f;
	int ret;

	if (strscpy(buf, cmd, sizeof(buf)) < 0) {
		pr_warn("control: command longer than %d bytes\n", KLEAK_CMD_MAX - 1);
		return -EINVAL;
	}
	line = strim(buf);
	verb = strsep(&line, " \t");
	if (!strcmp(verb, "start") && !line)
		return kleak_start();
	if (!strcmp(verb, "stop") && !line) {
		kleak_stop();
		return 0;
	}
	if (!strcmp(verb, "clear") && !line)
		return kleak_clear();
	if (!strcmp(verb, "mark") && !line) {
		WRITE_ONCE(kleak.mark_ts, kleak_clock());
		return 0;
	}
	if (!strcmp(verb, "unmark") && !line) {
		WRITE_ONCE(kleak.mark_ts, 0);
		return 0;
	}
	if (!strcmp(verb, "filter") && line) {
		mutex_lock(&kleak_ctl_mutex);
		f = *rcu_dereference_protected(kleak.filter,
					       lockdep_is_held(&kleak_ctl_mutex));
		ret = kleak_filter_parse(&f, line);
		if (!ret)
			ret = kleak_filter_set(&f);
		mutex_unlock(&kleak_ctl_mutex);
		return ret;
	}
	pr_warn("control: unknown command '%s' (want start, stop, clear, mark, unmark, filter key=value...)\n",
		strim(buf));
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_control);

/**
 * kleak_control_show() - the current settings, as read from control
 * @out: where to print
 */
void kleak_control_show(struct kleak_out *out)
{
	struct kleak_filter f;
	char buf[160];
	u64 mark = READ_ONCE(kleak.mark_ts);

	kleak_filter_get(&f);
	kleak_filter_format(&f, buf, sizeof(buf));
	kleak_printf(out, "state: %s\n", READ_ONCE(kleak.running) ? "running" : "stopped");
	kleak_printf(out, "filter: %s\n", buf);
	if (mark)
		kleak_printf(out, "mark: %llu ms ago\n", (kleak_clock() - mark) / NSEC_PER_MSEC);
	else
		kleak_printf(out, "mark: none\n");
	kleak_printf(out, "index: %s\n", kleak.index.use_rht ? "rhashtable" : "portable");
	kleak_printf(out, "stack_depth: %u\n", kleak.depth);
	kleak_printf(out, "max_objects: %u\n", kleak.max_objects);
	kleak_printf(out, "max_stacks: %u\n", kleak.max_stacks);
	kleak_printf(out, "sample_bytes: %u\n", READ_ONCE(kleak_sample_bytes));
	kleak_printf(out, "sample: 1 allocation in %u tracked\n", kleak_sample_rate());
	kleak_printf(out, "commands: start stop clear mark unmark; filter reset;\n");
	kleak_printf(out, "  filter KEY=VALUE... (size cache comm pid module min_age)\n");
}
EXPORT_SYMBOL_IF_KUNIT(kleak_control_show);

/**
 * kleak_params_apply() - turn the filter parameters into the first filter
 *
 * At load.  Return: 0, or -EINVAL with a pr_warn line.
 */
int kleak_params_apply(void)
{
	struct kleak_filter f = {};
	char buf[KLEAK_CMD_MAX];
	size_t n = 0;

	if (size)
		n += scnprintf(buf + n, sizeof(buf) - n, " size=%s", size);
	if (cache)
		n += scnprintf(buf + n, sizeof(buf) - n, " cache=%s", cache);
	if (comm)
		n += scnprintf(buf + n, sizeof(buf) - n, " comm=%s", comm);
	if (pid)
		n += scnprintf(buf + n, sizeof(buf) - n, " pid=%d", pid);
	if (module)
		n += scnprintf(buf + n, sizeof(buf) - n, " module=%s", module);
	if (min_age)
		n += scnprintf(buf + n, sizeof(buf) - n, " min_age=%lu", min_age);
	if (n && kleak_filter_parse(&f, buf))
		return -EINVAL;
	f.at_alloc = kleak_filter_at_alloc(&f);
	kleak.filter_buf[0] = f;
	RCU_INIT_POINTER(kleak.filter, &kleak.filter_buf[0]);
	kleak.filter_gen = 1;
	return 0;
}
