/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System memory: naturally aligned regions of a fake physical address
 * space, kept sorted by address so a lookup is a binary search.
 *
 * A region is sparse in host memory: its words come in 4K chunks, made at
 * the first write of a chunk; a chunk never written reads as zeroes.  A
 * TCE table's top level is mostly never written, and zeroing every PE's
 * 64K of it was most of a boot's time.  Chunks come from plain calloc,
 * outside the fault hook: a store cannot fail, on the machine as here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/hw.h>

#define CHUNK_SHIFT 12
#define CHUNK_WORDS ((1u << CHUNK_SHIFT) / 8)

struct sysmem_region {
	uint64_t pa, size;
	uint64_t **chunks; /* size >> CHUNK_SHIFT of them; NULL: all zeroes */
};

struct ioda_sysmem {
	struct ioda_ctx *ctx;
	pthread_mutex_t lock;
	struct sysmem_region *regions; /* sorted by pa */
	size_t nr, cap;
	/* Regions 0..packed-1 lie end to end from IODA_SYSMEM_BASE: no hole there. */
	size_t packed;
	/*
	 * Released regions left in place with size 0 until the next allocation
	 * or until they are half: a teardown releasing from the front would
	 * otherwise move the whole array once per region.
	 */
	size_t dead;
	uint64_t bytes;
};

struct ioda_sysmem *ioda_sysmem_new(struct ioda_ctx *ctx)
{
	struct ioda_sysmem *mem = ioda_zalloc(ctx, sizeof(*mem));

	if (!mem)
		return NULL;
	mem->ctx = ctx;
	pthread_mutex_init(&mem->lock, NULL);
	return mem;
}

static void region_free(struct ioda_sysmem *mem, struct sysmem_region *r)
{
	for (uint64_t c = 0; c < r->size >> CHUNK_SHIFT; c++)
		free(r->chunks[c]);
	ioda_free(mem->ctx, r->chunks);
}

void ioda_sysmem_free(struct ioda_sysmem *mem)
{
	if (!mem)
		return;
	for (size_t i = 0; i < mem->nr; i++)
		region_free(mem, &mem->regions[i]);
	ioda_free(mem->ctx, mem->regions);
	pthread_mutex_destroy(&mem->lock);
	ioda_free(mem->ctx, mem);
}

/* Index of the first region whose end is above @pa. */
static size_t sysmem_search(const struct ioda_sysmem *mem, uint64_t pa)
{
	size_t lo = 0, hi = mem->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mem->regions[mid].pa + mem->regions[mid].size <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void sysmem_repack(struct ioda_sysmem *mem)
{
	while (mem->packed < mem->nr &&
	       mem->regions[mem->packed].pa == (mem->packed ? mem->regions[mem->packed - 1].pa +
							      mem->regions[mem->packed - 1].size
							    : IODA_SYSMEM_BASE))
		mem->packed++;
}

/* Drops the released regions, keeping the order. */
static void sysmem_compact(struct ioda_sysmem *mem)
{
	size_t n = 0;

	for (size_t i = 0; i < mem->nr; i++)
		if (mem->regions[i].size)
			mem->regions[n++] = mem->regions[i];
	mem->nr = n;
	mem->dead = 0;
	mem->packed = 0;
	sysmem_repack(mem);
}

/* First fit: the lowest aligned hole of @size; its index in *at. */
static int sysmem_find_hole(const struct ioda_sysmem *mem, uint64_t size, uint64_t *pa, size_t *at)
{
	size_t p = mem->packed;
	uint64_t cand = p ? mem->regions[p - 1].pa + mem->regions[p - 1].size : IODA_SYSMEM_BASE;

	/* First fit, from the first possible hole: a boot's allocations stay linear. */
	for (size_t i = p; i <= mem->nr; i++) {
		uint64_t limit = i < mem->nr ? mem->regions[i].pa : IODA_SYSMEM_LIMIT;

		cand = (cand + size - 1) & ~(size - 1);
		if (cand + size <= limit) {
			*pa = cand;
			*at = i;
			return 0;
		}
		if (i < mem->nr)
			cand = mem->regions[i].pa + mem->regions[i].size;
	}
	return -ENOSPC;
}

int ioda_sysmem_alloc(struct ioda_sysmem *mem, uint64_t size, uint64_t *pa)
{
	struct sysmem_region r = {.size = size};
	size_t at;
	int rc;

	if (size < IODA_PAGE_4K || (size & (size - 1)) || size > IODA_SYSMEM_LIMIT / 2)
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	if (mem->dead)
		sysmem_compact(mem);
	rc = sysmem_find_hole(mem, size, &r.pa, &at);
	if (rc)
		goto out;
	if (mem->nr == mem->cap) {
		size_t cap = mem->cap ? mem->cap * 2 : 16;
		struct sysmem_region *n = ioda_realloc(mem->ctx, mem->regions, cap * sizeof(*n));

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		mem->regions = n;
		mem->cap = cap;
	}
	r.chunks = ioda_calloc(mem->ctx, size >> CHUNK_SHIFT, sizeof(*r.chunks));
	if (!r.chunks) {
		rc = -ENOMEM;
		goto out;
	}
	memmove(&mem->regions[at + 1], &mem->regions[at], (mem->nr - at) * sizeof(r));
	mem->regions[at] = r;
	mem->nr++;
	sysmem_repack(mem);
	mem->bytes += size;
	*pa = r.pa;
out:
	pthread_mutex_unlock(&mem->lock);
	return rc;
}

int ioda_sysmem_release(struct ioda_sysmem *mem, uint64_t pa)
{
	size_t i;
	int rc = -ENOENT;

	pthread_mutex_lock(&mem->lock);
	i = sysmem_search(mem, pa);
	/* A released region ends where it starts: the search passes it by. */
	if (i < mem->nr && mem->regions[i].pa == pa) {
		region_free(mem, &mem->regions[i]);
		mem->bytes -= mem->regions[i].size;
		mem->regions[i].size = 0;
		mem->regions[i].chunks = NULL;
		if (mem->packed > i)
			mem->packed = i;
		if (++mem->dead * 2 > mem->nr)
			sysmem_compact(mem);
		rc = 0;
	}
	pthread_mutex_unlock(&mem->lock);
	return rc;
}

/* The region holding the word at @pa, or NULL; called with the lock held. */
static struct sysmem_region *sysmem_region(struct ioda_sysmem *mem, uint64_t pa)
{
	size_t i = sysmem_search(mem, pa);

	if ((pa & 7) || i == mem->nr || pa < mem->regions[i].pa)
		return NULL;
	return &mem->regions[i];
}

int ioda_sysmem_read64(struct ioda_sysmem *mem, uint64_t pa, uint64_t *val)
{
	struct sysmem_region *r;
	uint64_t off, *chunk;

	pthread_mutex_lock(&mem->lock);
	r = sysmem_region(mem, pa);
	if (r) {
		off = pa - r->pa;
		chunk = r->chunks[off >> CHUNK_SHIFT];
		*val = chunk ? chunk[(off & ((1u << CHUNK_SHIFT) - 1)) / 8] : 0;
	}
	pthread_mutex_unlock(&mem->lock);
	return r ? 0 : -EFAULT;
}

int ioda_sysmem_write64(struct ioda_sysmem *mem, uint64_t pa, uint64_t val)
{
	struct sysmem_region *r;
	uint64_t off, **chunk;

	pthread_mutex_lock(&mem->lock);
	r = sysmem_region(mem, pa);
	if (r) {
		off = pa - r->pa;
		chunk = &r->chunks[off >> CHUNK_SHIFT];
		if (!*chunk && val) {
			*chunk = calloc(CHUNK_WORDS, sizeof(uint64_t));
			if (!*chunk) {
				fputs("sysmem: out of host memory\n", stderr);
				abort();
			}
		}
		if (*chunk)
			(*chunk)[(off & ((1u << CHUNK_SHIFT) - 1)) / 8] = val;
	}
	pthread_mutex_unlock(&mem->lock);
	return r ? 0 : -EFAULT;
}

int ioda_sysmem_next_nonzero(struct ioda_sysmem *mem, uint64_t pa, uint64_t end,
			     uint64_t *found, uint64_t *val)
{
	struct sysmem_region *r;
	int rc = -ENOENT;

	pthread_mutex_lock(&mem->lock);
	r = sysmem_region(mem, pa);
	if (r && end > r->pa + r->size)
		end = r->pa + r->size;
	for (; r && pa < end && rc; pa += 8) {
		uint64_t off = pa - r->pa, *chunk = r->chunks[off >> CHUNK_SHIFT];

		if (!chunk) {
			/* The next chunk's first word (the loop adds 8). */
			pa = r->pa + (((off >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT) - 8;
			continue;
		}
		if (chunk[(off & ((1u << CHUNK_SHIFT) - 1)) / 8]) {
			*found = pa;
			*val = chunk[(off & ((1u << CHUNK_SHIFT) - 1)) / 8];
			rc = 0;
		}
	}
	pthread_mutex_unlock(&mem->lock);
	return rc;
}

size_t ioda_sysmem_regions(struct ioda_sysmem *mem)
{
	size_t n;

	pthread_mutex_lock(&mem->lock);
	n = mem->nr - mem->dead;
	pthread_mutex_unlock(&mem->lock);
	return n;
}

uint64_t ioda_sysmem_bytes(struct ioda_sysmem *mem)
{
	uint64_t n;

	pthread_mutex_lock(&mem->lock);
	n = mem->bytes;
	pthread_mutex_unlock(&mem->lock);
	return n;
}
