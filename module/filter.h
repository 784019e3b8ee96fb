/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: filters (filter.c), a leaf above the name tables.  What a filter
 * is, how it is parsed and printed, and whether an object passes it.
 * Where the current filter lives is the tracker's business.
 */
#ifndef _KLEAK_FILTER_H
#define _KLEAK_FILTER_H

#include <linux/module.h>
#include <linux/sched.h>
#include <linux/types.h>

#include "index.h"
#include "names.h"

/**
 * struct kleak_filter - what is tracked and reported
 * @size_min: smallest allocated size (0: any)
 * @size_max: largest allocated size (0: any)
 * @pid: only this pid (0: any)
 * @comm: only this comm ("": any)
 * @cache: only this cache name ("": any)
 * @module: only stacks through this module's text ("": any)
 * @min_age_ms: only objects at least this old, in reports
 * @kinds: only objects of these kinds, BIT(enum kleak_kind) (0: any)
 * @user: track user pages too (anonymous and page cache)
 * @at_alloc: a filter that applies when an object is allocated is set (size,
 *	      pid, comm, cache or kind); the probes skip the checks when it is not
 */
struct kleak_filter {
	unsigned long size_min;
	unsigned long size_max;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	char cache[KLEAK_CACHE_NAME_LEN];
	char module[MODULE_NAME_LEN];
	unsigned long min_age_ms;
	u8 kinds;
	bool user;
	bool at_alloc;
};

/* Room for kleak_filter_format()'s output, and for kleak_filter_keys()'. */
#define KLEAK_FILTER_TEXT	256
#define KLEAK_FILTER_KEYS_LEN	64

/* Room for kleak_kinds_format()'s output. */
#define KLEAK_KINDS_TEXT	32

const char *kleak_kind_name(enum kleak_kind kind);
int kleak_kinds_parse(const char *val, unsigned int *mask);
size_t kleak_kinds_format(unsigned int mask, char *buf, size_t len);
int kleak_filter_parse(struct kleak_filter *f, char *args);
int kleak_filter_set_key(struct kleak_filter *f, const char *key, const char *val);
char *kleak_filter_keys(char *buf, size_t len);
void kleak_filter_format(const struct kleak_filter *f, char *buf, size_t len);
bool kleak_filter_track(const struct kleak_filter *f, size_t size, pid_t pid,
			const char *comm);
bool kleak_filter_alloc(const struct kleak_filter *f, size_t size, u16 cache, u32 gen);
bool kleak_filter_alloc_kind(const struct kleak_filter *f, enum kleak_kind kind, size_t size);
bool kleak_filter_report(const struct kleak_filter *f, const struct kleak_obj *o,
			 u64 now, u64 mark_ts);
bool kleak_filter_per_object(const struct kleak_filter *f, u64 mark_ts);

#endif /* _KLEAK_FILTER_H */
