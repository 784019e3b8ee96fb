// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: text ranges of kernel functions by name, a leaf.
 *
 * kallsyms_lookup_name() is not exported.  A kprobe registered disabled,
 * by symbol name, is resolved by the kernel to an address and never armed;
 * sprint_symbol() then gives the function's offset and size.  Names the
 * kernel lacks (another version's, or inlined) are skipped.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/slab.h>

#include "compat.h"
#include "symbols.h"

/* Add the range of the function at @addr to @r. */
static void kleak_ranges_add(struct kleak_ranges *r, unsigned long addr, char *buf)
{
	unsigned long off, size;
	char *plus;

	sprint_symbol(buf, addr);
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, &size) != 2 || !size || off > addr)
		return;
	r->start[r->nr] = addr - off;
	r->end[r->nr] = addr - off + size;
	r->nr++;
}

/**
 * kleak_ranges_resolve() - look up the functions @names
 * @r: filled with the ranges of those the kernel has
 * @names: NULL-ended, at most KLEAK_RANGES_MAX
 *
 * Process context, at load.  Return: 0, or -ENOMEM.
 */
int kleak_ranges_resolve(struct kleak_ranges *r, const char *const *names)
{
	struct kprobe *kps, **reg;
	char *buf;
	int i, n, nreg = 0, ret = -ENOMEM;

	memset(r, 0, sizeof(*r));
	for (n = 0; names[n] && n < KLEAK_RANGES_MAX; n++)
		;
	kps = kcalloc(n, sizeof(*kps), GFP_KERNEL);
	reg = kcalloc(n, sizeof(*reg), GFP_KERNEL);
	buf = kmalloc(KSYM_SYMBOL_LEN, GFP_KERNEL);
	if (!kps || !reg || !buf)
		goto out;
	for (i = 0; i < n; i++) {
		kps[i].symbol_name = names[i];
		kps[i].flags = KPROBE_FLAG_DISABLED;
		if (register_kprobe(&kps[i]))
			continue;
		reg[nreg++] = &kps[i];
		kleak_ranges_add(r, (unsigned long)kps[i].addr, buf);
	}
	if (nreg)
		unregister_kprobes(reg, nreg);
	ret = 0;
out:
	kfree(buf);
	kfree(reg);
	kfree(kps);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_ranges_resolve);
