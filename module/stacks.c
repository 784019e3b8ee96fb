// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: deduplicated stacks, the comm and cache name tables, and the
 * module notifier that keeps a gone module's frames named.
 *
 * The stack table is a flat array of max_stacks entries of a fixed stride
 * (header + stack_depth frames), allocated at load.  The probes never write
 * an entry once it is published: what a stack has live is counted by the
 * readers from the records, and its allocations in per-CPU rows, so no
 * cache line of a stack is shared by CPUs that allocate from it.  Lookups
 * are lock-free:
 * an entry is published by a release store of its index into its hash
 * chain, after it was filled, and is never changed or removed until
 * `clear`, which runs with the probes unregistered.  Inserts take
 * kleak.stack_lock (raw, IRQs off); they are rare, one per new stack.
 *
 * The comm and cache tables are lock-free open-addressing tables: a slot is
 * claimed with cmpxchg, filled, then marked ready with a release store.  A
 * reader that meets a slot being filled moves on; at worst a name is
 * entered twice.
 */
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "kleak.h"

#define KLEAK_COMMS		4096
#define KLEAK_CACHES		1024
#define KLEAK_SLOT_BUSY		1
#define KLEAK_SLOT_READY	2
#define KLEAK_FROZEN_ARENA	(512 * 1024)

struct kleak_comm_slot {
	u32 state;
	u32 hash;
	char comm[TASK_COMM_LEN];
};

static struct kleak_comm_slot *kleak_comms;
static struct kleak_cache_info *kleak_caches;

/* Symbols of frames whose module went away; see kleak_module_notify(). */
static char *kleak_frozen_arena;
static size_t kleak_frozen_used;
static DEFINE_MUTEX(kleak_frozen_mutex);

/* ---- stacks ------------------------------------------------------------ */

/* The per-CPU rows of allocation counts: one u64 per stack per CPU. */
static size_t kleak_stack_allocs_size(void)
{
	return array3_size(nr_cpu_ids, kleak.max_stacks, sizeof(u64));
}

/**
 * kleak_stacks_bytes() - memory of the stack table and its allocation counts
 *
 * Return: bytes.
 */
size_t kleak_stacks_bytes(void)
{
	return (size_t)kleak.max_stacks * kleak.stack_stride +
		(kleak.stack_mask + 1) * sizeof(u32) + kleak_stack_allocs_size();
}

/**
 * kleak_stacks_init() - allocate the stack, comm and cache tables
 * @max_stacks: stack table size
 * @depth: frames kept per stack (0: the call site only)
 *
 * Return: 0 or -ENOMEM.
 */
int kleak_stacks_init(u32 max_stacks, u32 depth)
{
	u32 nb = roundup_pow_of_two(max_stacks);

	kleak.max_stacks = max_stacks;
	kleak.depth = depth;
	kleak.stack_stride = ALIGN(sizeof(struct kleak_stack) +
				   max_t(u32, depth, 1) * sizeof(unsigned long), 8);
	kleak.stack_mem = vzalloc(array_size(max_stacks, kleak.stack_stride));
	kleak.stack_buckets = vzalloc(array_size(nb, sizeof(u32)));
	kleak.stack_allocs = vzalloc(kleak_stack_allocs_size());
	kleak.stack_mask = nb - 1;
	kleak_comms = vzalloc(array_size(KLEAK_COMMS, sizeof(*kleak_comms)));
	kleak_caches = vzalloc(array_size(KLEAK_CACHES, sizeof(*kleak_caches)));
	kleak_frozen_arena = vmalloc(KLEAK_FROZEN_ARENA);
	if (!kleak.stack_mem || !kleak.stack_buckets || !kleak.stack_allocs || !kleak_comms ||
	    !kleak_caches || !kleak_frozen_arena) {
		kleak_stacks_exit();
		return -ENOMEM;
	}
	raw_spin_lock_init(&kleak.stack_lock);
	kleak_stacks_reset();
	return 0;
}

/** kleak_stacks_exit() - free the tables */
void kleak_stacks_exit(void)
{
	vfree(kleak.stack_mem);
	vfree(kleak.stack_buckets);
	vfree(kleak.stack_allocs);
	vfree(kleak_comms);
	vfree(kleak_caches);
	vfree(kleak_frozen_arena);
	kleak.stack_mem = NULL;
	kleak.stack_buckets = NULL;
	kleak.stack_allocs = NULL;
	kleak_comms = NULL;
	kleak_caches = NULL;
	kleak_frozen_arena = NULL;
}

/**
 * kleak_stacks_reset() - forget every stack
 *
 * Only with the probes unregistered and no reader running.
 */
void kleak_stacks_reset(void)
{
	memset(kleak.stack_mem, 0, (size_t)kleak.max_stacks * kleak.stack_stride);
	memset(kleak.stack_buckets, 0, (kleak.stack_mask + 1) * sizeof(u32));
	memset(kleak.stack_allocs, 0, kleak_stack_allocs_size());
	/* 0 is "none", 1 collects what did not fit */
	kleak.nr_stacks = KLEAK_STACKS_RESERVED;
	mutex_lock(&kleak_frozen_mutex);
	kleak_frozen_used = 0;
	mutex_unlock(&kleak_frozen_mutex);
}

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
	return kleak_stack_intern(buf, min(n, kleak.depth));
}

/**
 * kleak_stack_intern() - find or add the stack entry of @frames
 * @frames: return addresses, the call site first
 * @n: how many, 1..kleak.depth (1 when the depth is 0)
 *
 * Any context, IRQs off.  Return: the stack index; KLEAK_STACK_OVERFLOW
 * when the table is full.
 */
u32 kleak_stack_intern(const unsigned long *frames, unsigned int n)
{
	struct kleak_stack *st;
	u32 hash, b, idx;
	unsigned int i;

	hash = jhash2((u32 *)frames, n * sizeof(unsigned long) / sizeof(u32), n);
	b = hash & kleak.stack_mask;

	/* acquire: pairs with the release that published each entry */
	for (idx = smp_load_acquire(&kleak.stack_buckets[b]); idx != KLEAK_NONE;
	     idx = READ_ONCE(st->chain)) {
		st = kleak_stack_get(idx);
		if (st->hash == hash && st->nr == n &&
		    !memcmp(st->frames, frames, n * sizeof(unsigned long)))
			return idx;
	}

	raw_spin_lock(&kleak.stack_lock);
	/* another CPU may have added it meanwhile */
	for (idx = kleak.stack_buckets[b]; idx != KLEAK_NONE; idx = st->chain) {
		st = kleak_stack_get(idx);
		if (st->hash == hash && st->nr == n &&
		    !memcmp(st->frames, frames, n * sizeof(unsigned long)))
			goto out;
	}
	if (kleak.nr_stacks >= kleak.max_stacks) {
		idx = KLEAK_STACK_OVERFLOW;
		kleak_count(KC_DROP_STACK_FULL);
		goto out;
	}
	idx = kleak.nr_stacks;
	st = kleak_stack_get(idx);
	st->hash = hash;
	st->nr = n;
	memcpy(st->frames, frames, n * sizeof(unsigned long));
	for (i = 0; i < n; i++)
		if (kleak_in_module_space(frames[i]))
			st->has_module = 1;
	st->chain = kleak.stack_buckets[b];
	/* release: the entry is complete before lock-free readers find it */
	smp_store_release(&kleak.stack_buckets[b], idx);
	/* release: readers iterate up to nr_stacks over complete entries */
	smp_store_release(&kleak.nr_stacks, idx + 1);
out:
	raw_spin_unlock(&kleak.stack_lock);
	return idx;
}

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
	struct kleak_stack *st = kleak_stack_get(sidx);
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

/**
 * kleak_stack_in_module() - does stack @sidx pass through module @module?
 * @sidx: stack index
 * @module: module name
 *
 * Process context (symbolizes).  Return: true if a frame is in @module.
 */
bool kleak_stack_in_module(u32 sidx, const char *module)
{
	struct kleak_stack *st = kleak_stack_get(sidx);
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

	for (i = 0; i < st->nr; i++) {
		sprint_symbol(sym, st->frames[i]);
		n = strlen(sym) + 1;
		if (kleak_frozen_used + n > KLEAK_FROZEN_ARENA) {
			kleak_frozen_used = start;
			pr_warn_once("kleak: no room left to name the frames of unloaded modules\n");
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
	/* acquire: pairs with the release in kleak_stack_save() */
	nr = smp_load_acquire(&kleak.nr_stacks);
	for (i = KLEAK_STACKS_RESERVED; i < nr; i++) {
		struct kleak_stack *st = kleak_stack_get(i);

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

/** kleak_modules_init() - watch modules going away. Return: 0 or error. */
int kleak_modules_init(void)
{
	return register_module_notifier(&kleak_module_nb);
}

/** kleak_modules_exit() - stop watching modules */
void kleak_modules_exit(void)
{
	unregister_module_notifier(&kleak_module_nb);
}

/* ---- comms ------------------------------------------------------------- */

/**
 * kleak_comm_intern() - the comm table index of @comm
 * @comm: a task comm (TASK_COMM_LEN bytes are read)
 *
 * Any context.  Return: the index, or 0 ("?") when the table is full.
 */
u16 kleak_comm_intern(const char *comm)
{
	char c[TASK_COMM_LEN];
	u32 h, i, slot;

	strscpy_pad(c, comm, sizeof(c));
	h = jhash(c, sizeof(c), 0);
	for (i = 0; i < 32; i++) {
		struct kleak_comm_slot *s;
		u32 st;

		slot = (h + i) & (KLEAK_COMMS - 1);
		if (slot == 0)
			continue;
		s = &kleak_comms[slot];
		/* acquire: a ready slot's comm is complete */
		st = smp_load_acquire(&s->state);
		if (st == KLEAK_SLOT_READY) {
			if (s->hash == h && !memcmp(s->comm, c, sizeof(c)))
				return slot;
			continue;
		}
		if (st == KLEAK_SLOT_BUSY || cmpxchg(&s->state, 0, KLEAK_SLOT_BUSY) != 0)
			continue;
		memcpy(s->comm, c, sizeof(c));
		s->hash = h;
		/* release: publish the comm */
		smp_store_release(&s->state, KLEAK_SLOT_READY);
		return slot;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_comm_intern);

/**
 * kleak_comm_name() - the comm of index @id
 * @id: from kleak_comm_intern()
 *
 * Return: the name, "?" for 0.
 */
const char *kleak_comm_name(u16 id)
{
	if (id == 0 || id >= KLEAK_COMMS)
		return "?";
	/* acquire: pairs with the release in kleak_comm_intern() */
	if (smp_load_acquire(&kleak_comms[id].state) != KLEAK_SLOT_READY)
		return "?";
	return kleak_comms[id].comm;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_comm_name);

/* ---- caches ------------------------------------------------------------ */

/* Offset of the name pointer in the private struct kmem_cache, or -1. */
static long kleak_cache_name_off = -1;

static void kleak_probe_ctor(void *p)
{
}

/*
 * The slot of @s that points to a copy of @name (kmem_cache_create() may
 * keep the pointer or a kstrdup_const() of it).
 */
static long kleak_find_name_slot(struct kmem_cache *s, const char *name)
{
	size_t n = strlen(name) + 1;
	char buf[KLEAK_CACHE_NAME_LEN];
	unsigned long v;
	long off;

	/* the struct is far smaller than this; every read is fault-safe */
	for (off = 0; off < 512; off += sizeof(void *)) {
		if (copy_from_kernel_nofault(&v, (char *)s + off, sizeof(v)))
			break;
		if (v < PAGE_OFFSET || copy_from_kernel_nofault(buf, (void *)v, n))
			continue;
		if (!memcmp(buf, name, n))
			return off;
	}
	return -1;
}

/**
 * kleak_cache_name_init() - learn how to read a cache's name
 *
 * struct kmem_cache is private: create two caches of our own (with a
 * constructor, so SLUB does not merge them into others), find the slot that
 * points to the name we gave, and check that both agree.
 *
 * Return: 0; without a usable slot, caches are shown by size only.
 */
int kleak_cache_name_init(void)
{
	static const char n1[] = "kleak_probe_a", n2[] = "kleak_probe_b";
	struct kmem_cache *a, *b;
	long o1 = -1, o2 = -1;

	a = kmem_cache_create(n1, 40, 0, 0, kleak_probe_ctor);
	b = kmem_cache_create(n2, 56, 0, 0, kleak_probe_ctor);
	if (a)
		o1 = kleak_find_name_slot(a, n1);
	if (b)
		o2 = kleak_find_name_slot(b, n2);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	if (o1 >= 0 && o1 == o2)
		kleak_cache_name_off = o1;
	else
		pr_warn("kleak: cannot find the cache name in struct kmem_cache; caches are shown by size\n");
	return 0;
}

static void kleak_cache_name(const struct kmem_cache *s, u32 size, char *buf)
{
	const char *p = NULL;
	int i;

	if (kleak_cache_name_off >= 0 &&
	    copy_from_kernel_nofault(&p, (const char *)s + kleak_cache_name_off, sizeof(p)))
		p = NULL;
	/* byte by byte: a string near the end of a page must not fail */
	for (i = 0; p && i < KLEAK_CACHE_NAME_LEN - 1; i++) {
		if (copy_from_kernel_nofault(&buf[i], p + i, 1)) {
			i = 0;
			break;
		}
		if (!buf[i])
			break;
	}
	if (!p || i == 0) {
		snprintf(buf, KLEAK_CACHE_NAME_LEN, "cache-%u", size);
		return;
	}
	buf[i] = '\0';
}

/* The slabinfo name of the kmalloc cache that serves @size bytes. */
static void kleak_kmalloc_name(u32 size, char *buf)
{
	if (size > KMALLOC_MAX_CACHE_SIZE)
		snprintf(buf, KLEAK_CACHE_NAME_LEN, "kmalloc-large-%u%s",
			 size >= SZ_1M ? size >> 20 : size >> 10,
			 size >= SZ_1M ? "M" : "k");
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, KLEAK_CACHE_NAME_LEN, "kmalloc-%uk", size >> 10);
	else
		snprintf(buf, KLEAK_CACHE_NAME_LEN, "kmalloc-%u", size);
}

/**
 * kleak_cache_intern() - the cache table index of a cache or size class
 * @s: the cache, or NULL for a kmalloc object
 * @size: allocated size (used when @s is NULL)
 *
 * Any context.  Return: the index, or 0 when the table is full.
 */
u16 kleak_cache_intern(const struct kmem_cache *s, size_t size)
{
	/* kmalloc size classes get odd keys, which no pointer has */
	unsigned long key = s ? (unsigned long)s : ((unsigned long)size << 1) | 1;
	u32 h = hash_long(key, 32), i, slot;

	for (i = 0; i < 64; i++) {
		struct kleak_cache_info *c;
		u32 st;

		slot = (h + i) & (KLEAK_CACHES - 1);
		if (slot == 0)
			continue;
		c = &kleak_caches[slot];
		/* acquire: a ready slot's key, size and name are complete */
		st = smp_load_acquire(&c->state);
		if (st == KLEAK_SLOT_READY) {
			if (c->key == key)
				return slot;
			continue;
		}
		if (st == KLEAK_SLOT_BUSY || cmpxchg(&c->state, 0, KLEAK_SLOT_BUSY) != 0)
			continue;
		c->key = key;
		if (s) {
			c->size = kmem_cache_size((struct kmem_cache *)s);
			kleak_cache_name(s, c->size, c->name);
		} else {
			c->size = size;
			kleak_kmalloc_name(size, c->name);
		}
		c->filter_gen = 0;
		/* release: publish the entry */
		smp_store_release(&c->state, KLEAK_SLOT_READY);
		return slot;
	}
	return 0;
}

/**
 * kleak_cache_get() - a cache table entry
 * @id: from kleak_cache_intern()
 *
 * Return: the entry, or NULL for 0 or a slot not ready.
 */
const struct kleak_cache_info *kleak_cache_get(u16 id)
{
	if (id == 0 || id >= KLEAK_CACHES)
		return NULL;
	/* acquire: pairs with the release in kleak_cache_intern() */
	if (smp_load_acquire(&kleak_caches[id].state) != KLEAK_SLOT_READY)
		return NULL;
	return &kleak_caches[id];
}
EXPORT_SYMBOL_IF_KUNIT(kleak_cache_get);

/**
 * kleak_cache_match() - does cache @id pass the cache filter?
 * @f: the filter
 * @id: cache table index
 *
 * Any context; the answer is cached per filter generation.
 * Return: true when it passes.
 */
bool kleak_cache_match(const struct kleak_filter *f, u16 id)
{
	struct kleak_cache_info *c;
	u32 gen = READ_ONCE(kleak.filter_gen);
	bool m;

	if (!f->cache[0])
		return true;
	if (id == 0 || id >= KLEAK_CACHES)
		return false;
	c = &kleak_caches[id];
	if (READ_ONCE(c->filter_gen) == gen)
		return READ_ONCE(c->match);
	m = !strcmp(c->name, f->cache);
	WRITE_ONCE(c->match, m);
	/* release: the answer is stored before it is marked current */
	smp_store_release(&c->filter_gen, gen);
	return m;
}
