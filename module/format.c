// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the formatter, a leaf.  It owns no state: every call prints to
 * the struct kleak_out it is given (a seq_file, a buffer, or printk).
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/kernel.h>
#include <linux/printk.h>

#include "compat.h"

#include "format.h"

/* The kernel log: print each whole line of @out's buffer, keep the rest. */
static void kleak_log_lines(struct kleak_out *out)
{
	char *nl;
	size_t n;

	while ((nl = memchr(out->buf, '\n', out->len))) {
		n = nl - out->buf;
		pr_info("%.*s\n", (int)n, out->buf);
		out->len -= n + 1;
		memmove(out->buf, nl + 1, out->len);
	}
	/* a line longer than the buffer: printed in pieces, nothing lost */
	if (out->len >= out->size - 1)
		kleak_out_flush(out);
}

/**
 * kleak_out_flush() - print what is left of an unended line (kernel log)
 * @out: the target; nothing to do for the others
 */
void kleak_out_flush(struct kleak_out *out)
{
	if (!out->log || !out->len)
		return;
	pr_info("%.*s\n", (int)out->len, out->buf);
	out->len = 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_out_flush);

/**
 * kleak_printf() - print to a seq_file, a buffer, or the kernel log
 * @out: the target; with @out->log, the kernel log, a record per line
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
		if (out->log)
			kleak_log_lines(out);
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

/**
 * kleak_print_age() - a duration as seconds with milliseconds, "12.345s"
 * @out: the target
 * @pfx: printed first
 * @ns: the duration
 */
void kleak_print_age(struct kleak_out *out, const char *pfx, u64 ns)
{
	kleak_printf(out, "%s%llu.%03llus", pfx, ns / NSEC_PER_SEC,
		     (ns % NSEC_PER_SEC) / NSEC_PER_MSEC);
}

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

/*
 * A byte strings(1) counts as text: printable ASCII and tab.  Not
 * isprint(), which takes 0xa0-0xff (Latin-1) too, so that the bytes of a
 * kernel pointer ("40 bf c6 a6 ff ff ff ff") would pass for a string.
 */
static bool kleak_is_text(u8 c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t';
}

/**
 * kleak_strings_scan() - feed bytes to a strings(1)-like scan
 * @ss: the scan; runs may span calls
 * @p: the bytes
 * @len: how many
 *
 * Prints each run of at least KLEAK_STR_MIN text bytes (ASCII 0x20-0x7e
 * and tab), up to @ss->max runs.
 */
void kleak_strings_scan(struct kleak_strscan *ss, const u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (kleak_is_text(p[i])) {
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
