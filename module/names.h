/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kleak: name interning (names.c), a leaf.  Task comms and slab caches
 * (or kmalloc size classes) get a 16-bit id, so a record keeps two ids
 * instead of two names.
 */
#ifndef _KLEAK_NAMES_H
#define _KLEAK_NAMES_H

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "index.h"

#define KLEAK_CACHE_NAME_LEN	32

struct kmem_cache;

/**
 * struct kleak_cache_info - a slab cache, or a kmalloc size class
 * @state: slot state of the lock-free table (first: see kleak_intern())
 * @size: allocated size of each object
 * @key: cache pointer, or size class tag (odd)
 * @filter_gen: filter generation @match was computed for
 * @match: the cache passes the cache filter of generation @filter_gen
 * @name: cache name as in /proc/slabinfo
 */
struct kleak_cache_info {
	u32 state;
	u32 size;
	unsigned long key;
	u32 filter_gen;
	bool match;
	char name[KLEAK_CACHE_NAME_LEN];
};

/* Where a slab page keeps its cache (names.c, learned at load), or -1 */
extern long kleak_slab_cache_off;

/*
 * The cache a slab object is in, from its slab's head page, or NULL (not
 * a slab object, or the offset is unknown).  The kmalloc event has no
 * cache: its object may be in kmalloc-cg-*, dma-kmalloc-*, kmalloc-rcl-*
 * or a SLAB_BUCKETS cache (memdup_user-*, msg_msg-*), not kmalloc-N.  Any
 * context.
 */
static __always_inline const struct kmem_cache *kleak_slab_cache_of(const void *ptr)
{
	struct page *page;

	if (unlikely(kleak_slab_cache_off < 0 || !virt_addr_valid(ptr)))
		return NULL;
	page = virt_to_head_page(ptr);
	if (!PageSlab(page))
		return NULL;
	return READ_ONCE(*(const struct kmem_cache *const *)((const char *)page +
							      kleak_slab_cache_off));
}

void kleak_cache_forget(const struct kmem_cache *s);
int kleak_names_init(void);
void kleak_names_exit(void);
u16 kleak_comm_intern(const char *comm);
const char *kleak_comm_name(u16 id);
u16 kleak_cache_intern(const struct kmem_cache *s, size_t size);
const struct kleak_cache_info *kleak_cache_get(u16 id);
bool kleak_cache_match(u16 id, const char *name, u32 gen);

/* The cache of a slab object; NULL for the other kinds, or if unknown. */
static inline const struct kleak_cache_info *kleak_obj_cache_info(const struct kleak_obj *o)
{
	return kleak_obj_kind(o) == KLEAK_KIND_SLAB ? kleak_cache_get(o->cache) : NULL;
}

/*
 * Allocated bytes of an object, those that may be read: a slab object's
 * cache size (else what was asked), a page block's, a vmalloc area's
 * size, or one CPU's copy of a percpu object.
 */
static inline u32 kleak_obj_size(const struct kleak_obj *o)
{
	const struct kleak_cache_info *c = kleak_obj_cache_info(o);

	return c ? c->size : o->bytes_req;
}

/* Memory an object holds: kleak_obj_size(), times the CPUs for percpu. */
static inline u64 kleak_obj_bytes(const struct kleak_obj *o)
{
	u64 n = kleak_obj_size(o);

	return kleak_obj_kind(o) == KLEAK_KIND_PERCPU ? n * num_possible_cpus() : n;
}

#endif /* _KLEAK_NAMES_H */
