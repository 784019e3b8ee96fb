// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the stack store, a leaf.  It owns the stack table, the per-CPU
 * rows of allocation counts per stack, and the arena of frame names of
 * modules that went away (with the module notifier that fills it).
 *
 * The stack table is a flat array of max_stacks entries of a fixed stride
 * (header + stack_depth frames), allocated at load.  The probes never write
 * an entry once it is published: what a stack has live is counted by the
 * readers from the records, and its allocations in per-CPU rows, so no
 * cache line of a stack is shared by CPUs that allocate from it.  Lookups
 * are lock-free: an entry is published by a release store of its index
 * into its hash chain, after it was filled, and is never changed (but for
 * @frozen) or removed until kleak_stacks_reset(), which runs with the
 * probes paused and no reader.
 *
 * Why not stackdepot: its pool is shared with KASAN, page_owner and
 * others, so kleak could neither bound its own memory nor report how much
 * it uses; its records are dropped only by reference count (6.8+:
 * stack_depot_put()) and live until reboot before, so neither `clear` nor
 * rmmod could free them; and a probe inside the allocator must save
 * without allocating, which 6.1 (__stack_depot_save(), can_alloc false)
 * and 6.8+ (stack_depot_save_flags() without STACK_DEPOT_FLAG_CAN_ALLOC)
 * allow (5.10 does not), but such a save fails once the pool's pages are
 * used up, whoever used them.  kleak's table is a bounded array
 * allocated at load, counted in stats, emptied by `clear` and freed at
 * unload.
 *
 * Locks (see internal.h for the order):
 *   kleak_stack_lock (an arch spinlock, IRQs off, leaf: the return-site
 *     probes intern stacks in int3, that is NMI, context, as with
 *     kleak_free_lock) protects adding an entry: the hash chains' heads
 *     and kleak_nr_stacks.
 *   kleak_frozen_mutex protects the frozen-names arena, every entry's
 *     @frozen, and the whole table during kleak_stacks_reset(), so that
 *     the module notifier never freezes an entry being reset.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "unwind.h"

#include "index.h"
#include "stack.h"

#define KLEAK_FROZEN_ARENA	(512 * 1024)

static void *kleak_stack_mem;
static size_t kleak_stack_stride;
static u32 kleak_max_stacks;
static u32 kleak_depth;
static u32 *kleak_stack_buckets;
static u32 kleak_stack_mask;
static u64 *kleak_stack_allocs_mem;	/* one row of max_stacks counts per CPU */
/* a bit per stack: an event of its objects was lost (set_bit, any context) */
static unsigned long *kleak_inexact_map;
/* protects: adding an entry (the chain heads, kleak_nr_stacks) */
static arch_spinlock_t kleak_stack_lock = __ARCH_SPIN_LOCK_UNLOCKED;
static u32 kleak_nr_stacks;

/* Symbols of frames whose module went away; see kleak_module_notify(). */
static char *kleak_frozen_arena;
static size_t kleak_frozen_used;
/* protects: kleak_frozen_arena/used, every entry's frozen, a reset */
static DEFINE_MUTEX(kleak_frozen_mutex);

static struct kleak_stack *kleak_stack_slot(u32 i)
{
	return (struct kleak_stack *)((char *)kleak_stack_mem + (size_t)i * kleak_stack_stride);
}

/**
 * kleak_stack_get() - a stack table entry
 * @sidx: stack index, below kleak_stacks_nr()
 *
 * Return: the entry; read-only.
 */
const struct kleak_stack *kleak_stack_get(u32 sidx)
{
	return kleak_stack_slot(sidx);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_get);

/**
 * kleak_stacks_nr() - entries in use, the reserved ones included
 *
 * Every entry below the returned number is complete.
 * Return: the count.
 */
u32 kleak_stacks_nr(void)
{
	/* acquire: pairs with the release in kleak_stack_intern() */
	return smp_load_acquire(&kleak_nr_stacks);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stacks_nr);

/** kleak_stacks_max() - the table's size.  Return: max_stacks. */
u32 kleak_stacks_max(void)
{
	return kleak_max_stacks;
}

/* The per-CPU rows of allocation counts: one u64 per stack per CPU. */
static size_t kleak_stack_allocs_size(void)
{
	return array3_size(nr_cpu_ids, kleak_max_stacks, sizeof(u64));
}

/**
 * kleak_stack_allocs_row() - CPU @cpu's row of allocation counts
 * @cpu: the CPU
 *
 * The probe of @cpu increments entry [stack index] of it, IRQs off.
 * Return: the row, max_stacks counts.
 */
u64 *kleak_stack_allocs_row(int cpu)
{
	return kleak_stack_allocs_mem + (size_t)cpu * kleak_max_stacks;
}

/**
 * kleak_stacks_bytes() - memory of the stack table and its allocation counts
 *
 * Return: bytes.
 */
size_t kleak_stacks_bytes(void)
{
	return (size_t)kleak_max_stacks * kleak_stack_stride +
		(kleak_stack_mask + 1) * sizeof(u32) + kleak_stack_allocs_size() +
		BITS_TO_LONGS(kleak_max_stacks) * sizeof(long);
}

/**
 * kleak_stack_mark_inexact() - an event of stack @sidx's objects was lost
 * @sidx: stack index, below max_stacks
 *
 * A record released by a missed free, or dropped after its stack was
 * known: what the stack has live may be wrong (allocinfo: accurate:no).
 * Any context; until the next clear.
 */
void kleak_stack_mark_inexact(u32 sidx)
{
	if (sidx < kleak_max_stacks)
		set_bit(sidx, kleak_inexact_map);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_mark_inexact);

/**
 * kleak_stack_inexact() - was an event of stack @sidx's objects lost?
 * @sidx: stack index
 *
 * Return: true if kleak_stack_mark_inexact() was called for it.
 */
bool kleak_stack_inexact(u32 sidx)
{
	return sidx < kleak_max_stacks && test_bit(sidx, kleak_inexact_map);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_inexact);

/**
 * kleak_stacks_init() - allocate the stack table
 * @max_stacks: stack table size, KLEAK_STACKS_MIN..KLEAK_STACKS_MAX
 * @depth: frames kept per stack (0: the call site only)
 *
 * Return: 0 or -ENOMEM, with nothing left allocated.
 */
int kleak_stacks_init(u32 max_stacks, u32 depth)
{
	u32 nb = roundup_pow_of_two(max_stacks);

	kleak_max_stacks = max_stacks;
	kleak_depth = depth;
	kleak_stack_stride = ALIGN(sizeof(struct kleak_stack) +
				   max_t(u32, depth, 1) * sizeof(unsigned long), 8);
	kleak_stack_mask = nb - 1;
	kleak_stack_mem = vzalloc(array_size(max_stacks, kleak_stack_stride));
	kleak_stack_buckets = vzalloc(array_size(nb, sizeof(u32)));
	kleak_stack_allocs_mem = vzalloc(kleak_stack_allocs_size());
	kleak_frozen_arena = vmalloc(KLEAK_FROZEN_ARENA);
	kleak_inexact_map = bitmap_zalloc(max_stacks, GFP_KERNEL);
	if (!kleak_stack_mem || !kleak_stack_buckets || !kleak_stack_allocs_mem ||
	    !kleak_frozen_arena || !kleak_inexact_map) {
		kleak_stacks_exit();
		return -ENOMEM;
	}
	kleak_stacks_reset();
	return 0;
}

/** kleak_stacks_exit() - free the table */
void kleak_stacks_exit(void)
{
	vfree(kleak_stack_mem);
	vfree(kleak_stack_buckets);
	vfree(kleak_stack_allocs_mem);
	vfree(kleak_frozen_arena);
	bitmap_free(kleak_inexact_map);
	kleak_inexact_map = NULL;
	kleak_stack_mem = NULL;
	kleak_stack_buckets = NULL;
	kleak_stack_allocs_mem = NULL;
	kleak_frozen_arena = NULL;
}

/**
 * kleak_stacks_reset() - forget every stack
 *
 * Only with the probes paused and no reader running.  The module notifier
 * may run meanwhile: kleak_frozen_mutex keeps it out of the table while
 * it is emptied.
 */
void kleak_stacks_reset(void)
{
	mutex_lock(&kleak_frozen_mutex);
	memset(kleak_stack_mem, 0, (size_t)kleak_max_stacks * kleak_stack_stride);
	memset(kleak_stack_buckets, 0, (kleak_stack_mask + 1) * sizeof(u32));
	memset(kleak_stack_allocs_mem, 0, kleak_stack_allocs_size());
	bitmap_zero(kleak_inexact_map, kleak_max_stacks);
	/* 0 is "none", 1 collects what did not fit */
	kleak_stack_slot(KLEAK_STACK_OVERFLOW)->born = kleak_clock();
	WRITE_ONCE(kleak_nr_stacks, KLEAK_STACKS_RESERVED);
	kleak_frozen_used = 0;
	mutex_unlock(&kleak_frozen_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stacks_reset);

static inline bool kleak_in_module_space(unsigned long addr)
{
#ifdef MODULES_VADDR
	return addr >= MODULES_VADDR && addr < MODULES_END;
#else
	return false;
#endif
}

/**
 * kleak_stack_from() - the stack entry of frames captured by kleak_unwind()
 * @call_site: the allocator's caller
 * @buf: the frames, with room for one more in front (buf[-1])
 * @n: how many
 * @site: position of @call_site in @buf; @n when it was not seen
 *
 * The frames above the call site are the probe's and the allocator's own:
 * they are dropped, so the first frame of a saved stack is always the call
 * site and records need not keep it.
 *
 * Probe context, IRQs off.  Return: the stack index; KLEAK_STACK_OVERFLOW
 * when the table is full.
 */
u32 kleak_stack_from(unsigned long call_site, unsigned long *buf, unsigned int n,
		     unsigned int site)
{
	if (site < n) {
		buf += site;
		n -= site;
	} else {
		/* the caller was not found: keep it first anyway */
		*--buf = call_site;
		n++;
	}
	return kleak_stack_intern(buf, min(n, max_t(u32, kleak_depth, 1)));
}

static bool kleak_stack_is(const struct kleak_stack *st, u32 hash,
			   const unsigned long *frames, unsigned int n)
{
	return st->hash == hash && st->nr == n &&
	       !memcmp(st->frames, frames, n * sizeof(unsigned long));
}

/**
 * kleak_stack_intern() - find or add the stack entry of @frames
 * @frames: return addresses, the call site first
 * @n: how many, 1..stack_depth (1 when the depth is 0)
 *
 * Any context, IRQs off.  Return: the stack index; KLEAK_STACK_OVERFLOW
 * when the table is full (the caller counts the drop).
 */
u32 kleak_stack_intern(const unsigned long *frames, unsigned int n)
{
	struct kleak_stack *st;
	u32 hash, b, idx;
	unsigned int i;

	hash = jhash2((u32 *)frames, n * sizeof(unsigned long) / sizeof(u32), n);
	b = hash & kleak_stack_mask;

	/* acquire: pairs with the release that published each entry */
	for (idx = smp_load_acquire(&kleak_stack_buckets[b]); idx != KLEAK_NONE;
	     idx = READ_ONCE(st->chain)) {
		st = kleak_stack_slot(idx);
		if (kleak_stack_is(st, hash, frames, n))
			return idx;
	}

	arch_spin_lock(&kleak_stack_lock);
	/* another CPU may have added it meanwhile */
	for (idx = kleak_stack_buckets[b]; idx != KLEAK_NONE; idx = st->chain) {
		st = kleak_stack_slot(idx);
		if (kleak_stack_is(st, hash, frames, n))
			goto out;
	}
	if (kleak_nr_stacks >= kleak_max_stacks) {
		idx = KLEAK_STACK_OVERFLOW;
		goto out;
	}
	idx = kleak_nr_stacks;
	st = kleak_stack_slot(idx);
	st->hash = hash;
	st->nr = n;
	st->has_module = 0;
	st->born = kleak_clock();
	/* a slot is never reused with the names of what it held before */
	WRITE_ONCE(st->frozen, NULL);
	memcpy(st->frames, frames, n * sizeof(unsigned long));
	for (i = 0; i < n; i++)
		if (kleak_in_module_space(frames[i]))
			st->has_module = 1;
	st->chain = kleak_stack_buckets[b];
	/* release: the entry is complete before lock-free readers find it */
	smp_store_release(&kleak_stack_buckets[b], idx);
	/* release: readers iterate up to kleak_nr_stacks over complete entries */
	smp_store_release(&kleak_nr_stacks, idx + 1);
out:
	arch_spin_unlock(&kleak_stack_lock);
	return idx;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_intern);

/**
 * kleak_stack_allocs() - allocations seen from stack @sidx
 * @sidx: stack index
 *
 * Return: the sum of the per-CPU counts.
 */
u64 kleak_stack_allocs(u32 sidx)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(kleak_stack_allocs_row(cpu)[sidx]);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_allocs);

/**
 * kleak_stack_print_frame() - symbolize frame @i of stack @sidx
 * @sidx: stack index
 * @i: frame number
 * @buf: output, at least KSYM_SYMBOL_LEN
 * @len: size of @buf
 *
 * Frames of modules that are gone come from the names saved when they went.
 */
void kleak_stack_print_frame(u32 sidx, unsigned int i, char *buf, size_t len)
{
	const struct kleak_stack *st = kleak_stack_get(sidx);
	/* acquire: pairs with the release in kleak_stack_freeze() */
	const char *fz = smp_load_acquire(&st->frozen);

	if (fz) {
		while (i-- && *fz)
			fz += strlen(fz) + 1;
		strscpy(buf, fz, len);
		return;
	}
	sprint_symbol(buf, st->frames[i]);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_stack_print_frame);

/**
 * kleak_stack_in_module() - does stack @sidx pass through module @module?
 * @sidx: stack index
 * @module: module name
 *
 * Process context (symbolizes).  Return: true if a frame is in @module.
 */
bool kleak_stack_in_module(u32 sidx, const char *module)
{
	const struct kleak_stack *st = kleak_stack_get(sidx);
	char sym[KSYM_SYMBOL_LEN], tag[MODULE_NAME_LEN + 3];
	unsigned int i;

	if (!st->has_module)
		return false;
	snprintf(tag, sizeof(tag), "[%s]", module);
	for (i = 0; i < st->nr; i++) {
		kleak_stack_print_frame(sidx, i, sym, sizeof(sym));
		if (strstr(sym, tag))
			return true;
	}
	return false;
}

/* ---- modules that go away --------------------------------------------- */

/* Save the symbols of every frame of @st; kleak_frozen_mutex held. */
static void kleak_stack_freeze(struct kleak_stack *st)
{
	char sym[KSYM_SYMBOL_LEN];
	size_t start = kleak_frozen_used, n;
	unsigned int i;

	lockdep_assert_held(&kleak_frozen_mutex);
	for (i = 0; i < st->nr; i++) {
		sprint_symbol(sym, st->frames[i]);
		n = strlen(sym) + 1;
		if (kleak_frozen_used + n > KLEAK_FROZEN_ARENA) {
			kleak_frozen_used = start;
			pr_warn_once("no room left to name the frames of unloaded modules\n");
			return;
		}
		memcpy(kleak_frozen_arena + kleak_frozen_used, sym, n);
		kleak_frozen_used += n;
	}
	/* release: the names are written before readers use them */
	smp_store_release(&st->frozen, kleak_frozen_arena + start);
}

static void kleak_freeze_module(const struct module *mod, bool init)
{
	unsigned long start, end;
	u32 i, nr;
	unsigned int f;

	kleak_module_text(mod, init, &start, &end);
	if (start == end)
		return;
	mutex_lock(&kleak_frozen_mutex);
	nr = kleak_stacks_nr();
	for (i = KLEAK_STACKS_RESERVED; i < nr; i++) {
		struct kleak_stack *st = kleak_stack_slot(i);

		if (!st->has_module || st->frozen)
			continue;
		for (f = 0; f < st->nr; f++) {
			if (st->frames[f] >= start && st->frames[f] < end) {
				kleak_stack_freeze(st);
				break;
			}
		}
	}
	mutex_unlock(&kleak_frozen_mutex);
}

/*
 * A module's init text is freed right after MODULE_STATE_LIVE and its core
 * text after MODULE_STATE_GOING; its symbols still resolve while the
 * notifier runs.  Name the frames that point there now, so that a leak from
 * a module stays attributed to it after it is gone.
 */
static int kleak_module_notify(struct notifier_block *nb, unsigned long state,
			       void *data)
{
	const struct module *mod = data;

	if (state == MODULE_STATE_LIVE)
		kleak_freeze_module(mod, true);
	else if (state == MODULE_STATE_GOING)
		kleak_freeze_module(mod, false);
	return NOTIFY_OK;
}

static struct notifier_block kleak_module_nb = {
	.notifier_call = kleak_module_notify,
};

/** kleak_stacks_watch_modules() - name frames of modules that go away.  Return: 0 or error. */
int kleak_stacks_watch_modules(void)
{
	return register_module_notifier(&kleak_module_nb);
}

/** kleak_stacks_unwatch_modules() - stop watching modules */
void kleak_stacks_unwatch_modules(void)
{
	unregister_module_notifier(&kleak_module_nb);
}
