// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: control.  It owns the command language of the control file and
 * the filter parameters given at load.  Commands call down into the
 * tracker (start, stop, clear, the filter) and the reports (the mark);
 * nothing calls back up.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "control.h"
#include "report.h"
#include "stack.h"
#include "tracker.h"

/* The filter parameters, by key (filter.c names the keys). */
static char *size;
module_param(size, charp, 0444);
MODULE_PARM_DESC(size, "Track only objects of this allocated size: N or MIN-MAX bytes, k/M suffixes (like trace-cmd -f 'bytes_alloc==N')");

static char *cache;
module_param(cache, charp, 0444);
MODULE_PARM_DESC(cache, "Track only objects of this slab cache, as named in /proc/slabinfo (e.g. kmalloc-4k)");

static char *comm;
module_param(comm, charp, 0444);
MODULE_PARM_DESC(comm, "Track only objects allocated by tasks of this comm");

static char *pid;
module_param(pid, charp, 0444);
MODULE_PARM_DESC(pid, "Track only objects allocated by this pid");

static char *module;
module_param(module, charp, 0444);
MODULE_PARM_DESC(module, "Report only objects whose stack passes through this module's text");

static char *min_age;
module_param(min_age, charp, 0444);
MODULE_PARM_DESC(min_age, "Report only objects at least this old: milliseconds, or with an ms, s, m or h suffix");

/* protects: a command's read-modify-write of the filter (outermost lock) */
static DEFINE_MUTEX(kleak_control_mutex);

/**
 * kleak_params_filter() - the first filter, from the filter parameters
 * @f: where to put it
 *
 * At load.  Return: 0, or -EINVAL with a pr_warn line.
 */
int kleak_params_filter(struct kleak_filter *f)
{
	static const struct { const char *key; char **val; } params[] = {
		{ "size", &size }, { "cache", &cache }, { "comm", &comm },
		{ "pid", &pid }, { "module", &module }, { "min_age", &min_age },
	};
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < ARRAY_SIZE(params); i++)
		if (*params[i].val && kleak_filter_set_key(f, params[i].key, *params[i].val))
			return -EINVAL;
	return 0;
}

static int kleak_control_filter(char *args)
{
	struct kleak_filter f;
	int ret;

	kleak_filter_get(&f);
	ret = kleak_filter_parse(&f, args);
	return ret ? ret : kleak_filter_set(&f);
}

/* One warning for a bad command, the command escaped, blanks around it cut. */
static void kleak_control_bad(const char *cmd)
{
	const char *p = skip_spaces(cmd);
	size_t n = strlen(p);

	while (n && isspace(p[n - 1]))
		n--;
	pr_warn_ratelimited("control: unknown command '%*pE' (want start, stop, clear, mark, unmark, kinds LIST, filter key=value...)\n",
			    (int)min_t(size_t, n, KLEAK_ESC_MAX), p);
}

/* kinds slab,page,...: the allocators tracked from now on */
static int kleak_control_kinds(const char *args)
{
	unsigned int mask;

	if (kleak_kinds_parse(args, &mask)) {
		pr_warn_ratelimited("control: kinds '%*pE': want a list of slab, page, vmalloc, percpu, or all\n",
				    kleak_esc_len(args), args);
		return -EINVAL;
	}
	return kleak_kinds_set(mask);
}

/**
 * kleak_control() - run one control command
 * @cmd: the command line
 *
 * Commands: start, stop, clear, mark, unmark, kinds LIST,
 * filter KEY=VALUE..., filter reset.
 *
 * Return: 0; -EINVAL (with one rate-limited pr_warn line) for a bad
 * command; or the error of a command that failed.  A command that fails
 * changes nothing.
 */
int kleak_control(const char *cmd)
{
	char buf[KLEAK_CMD_MAX], *line, *verb;
	int ret = -EINVAL;

	if (strscpy(buf, cmd, sizeof(buf)) < 0) {
		pr_warn_ratelimited("control: command longer than %d bytes\n", KLEAK_CMD_MAX - 1);
		return -EINVAL;
	}
	line = strim(buf);
	verb = strsep(&line, " \t");
	mutex_lock(&kleak_control_mutex);
	if (!strcmp(verb, "start") && !line) {
		ret = kleak_start();
	} else if (!strcmp(verb, "stop") && !line) {
		ret = kleak_stop();
	} else if (!strcmp(verb, "clear") && !line) {
		ret = kleak_clear();
	} else if ((!strcmp(verb, "mark") || !strcmp(verb, "unmark")) && !line) {
		kleak_mark_set(verb[0] == 'm');
		ret = 0;
	} else if (!strcmp(verb, "kinds") && line) {
		ret = kleak_control_kinds(line);
	} else if (!strcmp(verb, "filter") && line) {
		ret = kleak_control_filter(line);
	} else {
		kleak_control_bad(cmd);
	}
	mutex_unlock(&kleak_control_mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_control);

/**
 * kleak_control_show() - the current settings, as read from control
 * @out: where to print
 */
void kleak_control_show(struct kleak_out *out)
{
	struct kleak_filter f;
	char buf[KLEAK_FILTER_TEXT], keys[KLEAK_FILTER_KEYS_LEN], kinds[KLEAK_KINDS_TEXT];
	u64 mark = kleak_mark_get();

	kleak_filter_get(&f);
	kleak_filter_format(&f, buf, sizeof(buf));
	kleak_printf(out, "state: %s\n", kleak_running() ? "running" : "stopped");
	kleak_kinds_format(kleak_kinds_get(), kinds, sizeof(kinds));
	kleak_printf(out, "kinds: %s\n", kinds);
	kleak_printf(out, "filter: %s\n", buf);
	if (mark)
		kleak_printf(out, "mark: %llu ms ago\n",
			     kleak_age_at(kleak_clock(), mark) / NSEC_PER_MSEC);
	else
		kleak_printf(out, "mark: none\n");
	kleak_printf(out, "index: %s\n", kleak_index_is_rht() ? "rhashtable" : "portable");
	kleak_printf(out, "stack_depth: %u\n", kleak_stack_depth());
	kleak_printf(out, "max_objects: %u\n", kleak_max_objects());
	kleak_printf(out, "max_stacks: %u\n", kleak_stacks_max());
	kleak_printf(out, "sample_bytes: %u\n", kleak_sample_bytes_get());
	kleak_printf(out, "sample: 1 allocation in %u tracked\n", kleak_sample_rate());
	kleak_printf(out, "commands: start stop clear mark unmark; kinds LIST; filter reset;\n");
	kleak_printf(out, "  filter KEY=VALUE... (%s)\n", kleak_filter_keys(keys, sizeof(keys)));
}
EXPORT_SYMBOL_IF_KUNIT(kleak_control_show);
