// SPDX-License-Identifier: GPL-2.0
/*
 * kleak - a live kernel memory-leak hunter: module load and unload.
 *
 * It owns the sizing parameters and the order in which the parts come up
 * and go down.  The parts, each calling only those below it:
 *
 *   main.c      load, unload, parameters
 *   debugfs.c   the files: every file_operations, each open file's context
 *   control.c   commands and filter parameters   report.c   the views
 *   tracker.c   start/stop/clear, kinds, filter; with hooks.c (the hook
 *               table), probes_slab.c and probes_kinds.c (the probes),
 *               fastpath.h/.c (their fast path) and access.c (readers)
 *   index.c     address index     stack.c   stack store
 *   filter.c    filter keys and tests  (above names.c)
 *   names.c     comm and cache names   format.c   printf, hex dump, strings
 *
 * internal.h has the memory rules, the locking order and the contexts.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "control.h"
#include "debugfs.h"
#include "report.h"
#include "stack.h"
#include "tracker.h"
#include "version.h"

static unsigned int max_objects = 262144;
module_param(max_objects, uint, 0444);
MODULE_PARM_DESC(max_objects, "Most objects tracked at once; more are dropped and counted (default 262144, 56 bytes each)");

static unsigned int max_stacks = 16384;
module_param(max_stacks, uint, 0444);
MODULE_PARM_DESC(max_stacks, "Most distinct stacks kept (default 16384)");

static unsigned int stack_depth = 16;
module_param(stack_depth, uint, 0444);
MODULE_PARM_DESC(stack_depth, "Frames saved per stack, allocator frames skipped; 0 keeps the call site only (default 16, at most 64)");

static bool enabled = true;
module_param(enabled, bool, 0444);
MODULE_PARM_DESC(enabled, "Start tracking at load (default 1); else write 'start' to control");

static char *index_kind = "auto";
module_param_named(index, index_kind, charp, 0444);
MODULE_PARM_DESC(index, "Address index: portable (default; auto means portable) or rhashtable (6.7+ only)");

/* The sizes and the index, checked.  Return: 0, or -EINVAL with a warning. */
static int kleak_config(struct kleak_tracker_config *cfg)
{
	if (max_objects < KLEAK_OBJECTS_MIN || max_objects > KLEAK_INDEX_MAX) {
		pr_warn("max_objects=%u is out of range (%u..%u)\n", max_objects,
			KLEAK_OBJECTS_MIN, KLEAK_INDEX_MAX);
		return -EINVAL;
	}
	if (max_stacks < KLEAK_STACKS_MIN || max_stacks > KLEAK_STACKS_MAX) {
		pr_warn("max_stacks=%u is out of range (%u..%u)\n", max_stacks,
			KLEAK_STACKS_MIN, KLEAK_STACKS_MAX);
		return -EINVAL;
	}
	if (stack_depth > KLEAK_MAX_DEPTH) {
		pr_warn("stack_depth=%u is out of range (0..%d)\n", stack_depth, KLEAK_MAX_DEPTH);
		return -EINVAL;
	}
	cfg->max_objects = max_objects;
	cfg->max_stacks = max_stacks;
	cfg->depth = stack_depth;
	cfg->use_rht = !strcmp(index_kind, "rhashtable");
	if (!cfg->use_rht && strcmp(index_kind, "auto") && strcmp(index_kind, "portable")) {
		pr_warn("index=%*pE: want auto, rhashtable or portable\n",
			kleak_esc_len(index_kind), index_kind);
		return -EINVAL;
	}
	if (cfg->use_rht && !KLEAK_HAVE_IRQSAFE_RHT) {
		pr_warn("index=rhashtable: rhashtable is not IRQ-safe before 6.7\n");
		return -EINVAL;
	}
	return 0;
}

static int __init kleak_init(void)
{
	struct kleak_tracker_config cfg;
	struct kleak_filter filter;
	int ret;

	ret = kleak_config(&cfg);
	if (ret)
		return ret;
	ret = kleak_params_filter(&filter);
	if (ret)
		return ret;
	ret = kleak_tracker_init(&cfg, &filter);
	if (ret)
		return ret;
	ret = kleak_report_init();
	if (ret)
		goto err_tracker;
	ret = kleak_debugfs_init();
	if (ret)
		goto err_report;
	if (enabled) {
		ret = kleak_start();
		if (ret)
			goto err_debugfs;
	}
	pr_info("tracking %s: up to %u objects, %u stacks of %u frames, %s index, %zu KiB\n",
		enabled ? "started" : "ready (write 'start' to control)",
		max_objects, max_stacks, stack_depth,
		kleak_index_is_rht() ? "rhashtable" : "portable",
		kleak_memory_bytes() >> 10);
	return 0;

err_debugfs:
	kleak_debugfs_exit();
err_report:
	kleak_report_exit();
err_tracker:
	kleak_tracker_exit();
	return ret;
}

/* the rmmod summary's line, built a piece at a time: one exit only */
static char kleak_exit_line[KLEAK_LOG_LINE];

static void __exit kleak_exit(void)
{
	struct kleak_out out = { .buf = kleak_exit_line, .size = sizeof(kleak_exit_line),
				 .log = true };

	/* no reader: an open file holds a module reference */
	kleak_debugfs_exit();
	kleak_stop_final();
	kleak_summary(&out, 10);
	kleak_out_flush(&out);
	kleak_report_exit();
	kleak_tracker_exit();
}

module_init(kleak_init);
module_exit(kleak_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(KLEAK_VERSION);
MODULE_AUTHOR("kleak developers");
MODULE_DESCRIPTION("Live kernel memory-leak hunter: tracks unfreed slab, page, vmalloc and percpu objects with their stacks");
