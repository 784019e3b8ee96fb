/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: the formatter (format.c), a leaf.  One printf for seq_file, a
 * buffer (KUnit) and printk, with the hex dump and strings(1) scan the
 * reports use.  It knows nothing of records or stacks.
 */
#ifndef _KLEAK_FORMAT_H
#define _KLEAK_FORMAT_H

#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/types.h>

/**
 * struct kleak_out - where a report goes
 * @seq: a seq_file, or NULL
 * @buf: a buffer, or NULL; with @log, the line being built
 * @size: size of @buf
 * @len: bytes of @buf used
 * @log: the kernel log: one printk record per whole line, however many
 *	 calls built it (kleak_out_flush() prints a last, unended one)
 */
struct kleak_out {
	struct seq_file *seq;
	char *buf;
	size_t size;
	size_t len;
	bool log;
};

/* A line of the kernel log built by kleak_printf(): room for one */
#define KLEAK_LOG_LINE	1024

/*
 * One line of a view composed in a buffer before it is printed, so that
 * it is one printk record at rmmod (a score line, the comms, the kinds)
 */
#define KLEAK_LINE	256
/* Bytes of an object copied out at a time, for its hex dump and strings */
#define KLEAK_CHUNK	256

#define KLEAK_STR_MIN	4	/* shortest printable run shown, like strings(1) */
#define KLEAK_STR_SHOW	72	/* longest part of a run shown */
#define KLEAK_ESC_MAX	64	/* most bytes of bad input echoed in a warning */

/* Length to echo of bad input @s, escaped with "%*pE". */
static inline int kleak_esc_len(const char *s)
{
	return min_t(size_t, strlen(s), KLEAK_ESC_MAX);
}

/**
 * struct kleak_strscan - state of a strings(1)-like scan over chunks
 * @out: where the strings go
 * @run: length of the printable run so far
 * @shown: strings printed
 * @max: most strings printed
 * @acc: the run's first KLEAK_STR_SHOW bytes
 */
struct kleak_strscan {
	struct kleak_out *out;
	unsigned int run;
	unsigned int shown;
	unsigned int max;
	char acc[KLEAK_STR_SHOW + 1];
};

__printf(2, 3) void kleak_printf(struct kleak_out *out, const char *fmt, ...);
void kleak_out_flush(struct kleak_out *out);
void kleak_hexdump(struct kleak_out *out, const void *data, size_t len,
		   size_t offset);
void kleak_print_age(struct kleak_out *out, const char *pfx, u64 ns);
void kleak_strings_scan(struct kleak_strscan *ss, const u8 *p, size_t len);
void kleak_strings_end(struct kleak_strscan *ss);

#endif /* _KLEAK_FORMAT_H */
