// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: name interning, a leaf.  It owns the comm table, the cache table
 * and the way to read a slab cache's name (struct kmem_cache is private:
 * kleak_cache_name_init() finds where the name pointer sits).
 *
 * Both tables are lock-free open-addressing tables (kleak_intern()): the
 * probes intern from any context, and a name, once entered, stays until
 * unload.  No lock: a slot's state word orders its contents.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "names.h"

#define KLEAK_COMMS		4096
#define KLEAK_COMM_PROBES	32	/* slots tried before a comm is "?" */
#define KLEAK_CACHES		1024
#define KLEAK_CACHE_PROBES	64	/* slots tried before a cache is dropped */
#define KLEAK_SLOT_BUSY		1
#define KLEAK_SLOT_READY	2
/* struct kmem_cache is far smaller than this: where its name is looked for */
#define KLEAK_CACHE_STRUCT_SCAN	512

struct kleak_comm_slot {
	u32 state;
	u32 hash;
	char comm[TASK_COMM_LEN];
};

static struct kleak_comm_slot *kleak_comms;
static struct kleak_cache_info *kleak_caches;

/*
 * Find or add @key in a lock-free open-addressing table of @n slots (a
 * power of two) of @stride bytes, each starting with its u32 state.  A
 * free slot is claimed with cmpxchg, filled by @fill, then marked ready
 * with a release store; a ready slot is compared by @match.  A slot being
 * filled is passed over, so at worst a name is entered twice.  @probes
 * slots are tried from @h on; slot 0 is never used.  Inlined with its
 * callbacks.  Any context.  Return: the slot, or 0 when the table is full.
 */
static __always_inline u16 kleak_intern(void *table, size_t stride, u32 n, u32 h,
					unsigned int probes, const void *key,
					bool (*match)(const void *slot, const void *key),
					void (*fill)(void *slot, const void *key))
{
	unsigned int i;

	for (i = 0; i < probes; i++) {
		u32 slot = (h + i) & (n - 1), st;
		u32 *state = (u32 *)((char *)table + slot * stride);

		if (slot == 0)
			continue;
		/* acquire: a ready slot's contents are complete */
		st = smp_load_acquire(state);
		if (st == KLEAK_SLOT_READY) {
			if (match(state, key))
				return slot;
			continue;
		}
		if (st == KLEAK_SLOT_BUSY || cmpxchg(state, 0, KLEAK_SLOT_BUSY) != 0)
			continue;
		fill(state, key);
		/* release: publish the contents */
		smp_store_release(state, KLEAK_SLOT_READY);
		return slot;
	}
	return 0;
}

/* Slot @id of a table, if it is ready; NULL for 0, out of range or not ready. */
static void *kleak_slot_ready(void *table, size_t stride, u32 n, u16 id)
{
	u32 *state;

	if (id == 0 || id >= n)
		return NULL;
	state = (u32 *)((char *)table + id * stride);
	/* acquire: pairs with the release in kleak_intern() */
	return smp_load_acquire(state) == KLEAK_SLOT_READY ? state : NULL;
}

/* ---- comms ------------------------------------------------------------- */

struct kleak_comm_key {
	u32 hash;
	char comm[TASK_COMM_LEN];
};

static bool kleak_comm_match(const void *slot, const void *key)
{
	const struct kleak_comm_slot *s = slot;
	const struct kleak_comm_key *k = key;

	return s->hash == k->hash && !memcmp(s->comm, k->comm, sizeof(k->comm));
}

static void kleak_comm_fill(void *slot, const void *key)
{
	struct kleak_comm_slot *s = slot;
	const struct kleak_comm_key *k = key;

	memcpy(s->comm, k->comm, sizeof(k->comm));
	s->hash = k->hash;
}

/**
 * kleak_comm_intern() - the comm table index of @comm
 * @comm: a task comm (TASK_COMM_LEN bytes are read)
 *
 * Any context.  Return: the index, or 0 ("?") when the table is full.
 */
u16 kleak_comm_intern(const char *comm)
{
	struct kleak_comm_key k;

	strscpy_pad(k.comm, comm, sizeof(k.comm));
	k.hash = jhash(k.comm, sizeof(k.comm), 0);
	return kleak_intern(kleak_comms, sizeof(*kleak_comms), KLEAK_COMMS, k.hash,
			    KLEAK_COMM_PROBES, &k, kleak_comm_match, kleak_comm_fill);
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
	struct kleak_comm_slot *s = kleak_slot_ready(kleak_comms, sizeof(*kleak_comms),
						     KLEAK_COMMS, id);

	return s ? s->comm : "?";
}
EXPORT_SYMBOL_IF_KUNIT(kleak_comm_name);

/* ---- caches ------------------------------------------------------------ */

/* Offset of the name pointer in the private struct kmem_cache, or -1. */
static long kleak_cache_name_off = -1;
/* Offset of the cache pointer in a slab's head page (struct slab), or -1. */
long kleak_slab_cache_off = -1;
/* A cache entry whose cache was destroyed: a key no cache or size class has */
#define KLEAK_CACHE_KEY_GONE	(~0UL)

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

	/* every read is fault-safe */
	for (off = 0; off < KLEAK_CACHE_STRUCT_SCAN; off += sizeof(void *)) {
		if (copy_from_kernel_nofault(&v, (char *)s + off, sizeof(v)))
			break;
		if (v < PAGE_OFFSET || copy_from_kernel_nofault(buf, (void *)v, n))
			continue;
		if (!memcmp(buf, name, n))
			return off;
	}
	return -1;
}

/*
 * Learn how to read a cache's name from two caches whose names are known,
 * without making one (a cache made and destroyed at every load would cost
 * sysfs work, and its failure paths leak in some kernels): the kmalloc
 * cache of 128 bytes, "kmalloc-128", gives the slot, and that of 64 bytes,
 * "kmalloc-64", must agree.  kmalloc caches are made first and never
 * merged into another, and kmalloc_caches[] is exported on every supported
 * kernel (names_cachep, used before, is not declared in 7.2's headers).
 * Without a usable slot, caches are shown by size only.
 */
static void kleak_cache_name_init(void)
{
	struct kmem_cache *a = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(128)];
	struct kmem_cache *b = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)];
	long off = a ? kleak_find_name_slot(a, "kmalloc-128") : -1;

	if (off >= 0 && b && kleak_find_name_slot(b, "kmalloc-64") == off)
		kleak_cache_name_off = off;
	else
		pr_warn("cannot find the cache name in struct kmem_cache; caches are shown by size\n");
}

/*
 * Learn where a slab's head page (struct slab, private to mm/) keeps its
 * cache: the one word of the page of an object of kmalloc-128 and of one
 * of kmalloc-64 that points to its cache (before the probes exist: these
 * two are not tracked).  Without it, kmalloc objects are named by size.
 */
static long kleak_find_cache_slot(struct kmem_cache *s)
{
	const unsigned long *w;
	long off = -1, i;
	void *o;

	o = s ? kmem_cache_alloc(s, GFP_KERNEL) : NULL;
	if (!o)
		return -1;
	w = (const unsigned long *)virt_to_head_page(o);
	for (i = 0; i < sizeof(struct page) / sizeof(long); i++) {
		if (w[i] != (unsigned long)s)
			continue;
		if (off >= 0) {		/* twice: ambiguous */
			off = -1;
			break;
		}
		off = i * sizeof(long);
	}
	kmem_cache_free(s, o);
	return off;
}

static void kleak_slab_cache_init(void)
{
	struct kmem_cache *a = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(128)];
	struct kmem_cache *b = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)];
	long off = kleak_find_cache_slot(a);

	if (off >= 0 && kleak_find_cache_slot(b) == off)
		kleak_slab_cache_off = off;
	else
		pr_warn("cannot find the cache of a slab page; kmalloc objects are named by size\n");
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

struct kleak_cache_key {
	const struct kmem_cache *s;
	size_t size;
	unsigned long key;
};

static bool kleak_cache_key_match(const void *slot, const void *key)
{
	return READ_ONCE(((const struct kleak_cache_info *)slot)->key) ==
	       ((const struct kleak_cache_key *)key)->key;
}

static void kleak_cache_fill(void *slot, const void *key)
{
	struct kleak_cache_info *c = slot;
	const struct kleak_cache_key *k = key;

	c->key = k->key;
	if (k->s) {
		c->size = kmem_cache_size((struct kmem_cache *)k->s);
		kleak_cache_name(k->s, c->size, c->name);
	} else {
		c->size = k->size;
		kleak_kmalloc_name(k->size, c->name);
	}
	c->filter_gen = 0;
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
	struct kleak_cache_key k = {
		.s = s,
		.size = size,
		.key = s ? (unsigned long)s : ((unsigned long)size << 1) | 1,
	};

	return kleak_intern(kleak_caches, sizeof(*kleak_caches), KLEAK_CACHES,
			    hash_long(k.key, 32), KLEAK_CACHE_PROBES, &k,
			    kleak_cache_key_match, kleak_cache_fill);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_cache_intern);

/**
 * kleak_cache_forget() - cache @s is being destroyed
 * @s: the cache
 *
 * Its entry stays, for the records that name it, but no later cache is
 * matched to it: kmem_cache_create() may hand out the same struct to a
 * cache of another name and size, whose objects would then be read with
 * the old size.  Any context (a kprobe on kmem_cache_destroy()).
 */
void kleak_cache_forget(const struct kmem_cache *s)
{
	unsigned long key = (unsigned long)s;
	struct kleak_cache_info *c;
	unsigned int i;

	for (i = 0; i < KLEAK_CACHE_PROBES; i++) {
		u16 slot = (hash_long(key, 32) + i) & (KLEAK_CACHES - 1);

		c = kleak_slot_ready(kleak_caches, sizeof(*kleak_caches), KLEAK_CACHES, slot);
		if (c && READ_ONCE(c->key) == key)
			WRITE_ONCE(c->key, KLEAK_CACHE_KEY_GONE);
	}
}

/**
 * kleak_cache_get() - a cache table entry
 * @id: from kleak_cache_intern()
 *
 * Return: the entry, or NULL for 0 or a slot not ready.
 */
const struct kleak_cache_info *kleak_cache_get(u16 id)
{
	return kleak_slot_ready(kleak_caches, sizeof(*kleak_caches), KLEAK_CACHES, id);
}
EXPORT_SYMBOL_IF_KUNIT(kleak_cache_get);

/**
 * kleak_cache_match() - is cache @id named @name?
 * @id: cache table index
 * @name: the cache filter ("": any)
 * @gen: generation of the filter @name belongs to; the answer is kept in
 *	 the entry for that generation
 *
 * Any context.  Return: true when it passes.
 */
bool kleak_cache_match(u16 id, const char *name, u32 gen)
{
	struct kleak_cache_info *c;
	bool m;

	if (!name[0])
		return true;
	c = kleak_slot_ready(kleak_caches, sizeof(*kleak_caches), KLEAK_CACHES, id);
	if (!c)
		return false;
	/* acquire: pairs with the release below, so @match is that generation's */
	if (smp_load_acquire(&c->filter_gen) == gen)
		return READ_ONCE(c->match);
	m = !strcmp(c->name, name);
	WRITE_ONCE(c->match, m);
	/* release: the answer is stored before it is marked current */
	smp_store_release(&c->filter_gen, gen);
	return m;
}

/**
 * kleak_names_init() - allocate the tables, learn how to name caches
 *
 * Return: 0 or -ENOMEM, with nothing left allocated.
 */
int kleak_names_init(void)
{
	kleak_comms = vzalloc(array_size(KLEAK_COMMS, sizeof(*kleak_comms)));
	kleak_caches = vzalloc(array_size(KLEAK_CACHES, sizeof(*kleak_caches)));
	if (!kleak_comms || !kleak_caches) {
		kleak_names_exit();
		return -ENOMEM;
	}
	kleak_cache_name_init();
	kleak_slab_cache_init();
	return 0;
}

/** kleak_names_exit() - free the tables */
void kleak_names_exit(void)
{
	vfree(kleak_comms);
	vfree(kleak_caches);
	kleak_comms = NULL;
	kleak_caches = NULL;
}
