/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System memory: naturally aligned regions of a fake physical address
 * space, kept sorted by address so a lookup is a binary search.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <ioda/hw.h>

struct sysmem_region {
	uint64_t pa, size;
	uint64_t *words; /* host memory, size / 8 words */
};

struct ioda_sysmem {
	struct ioda_ctx *ctx;
	pthread_mutex_t lock;
	struct sysmem_region *regions; /* sorted by pa */
	size_t nr, cap;
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

void ioda_sysmem_free(struct ioda_sysmem *mem)
{
	if (!mem)
		return;
	for (size_t i = 0; i < mem->nr; i++)
		ioda_free(mem->ctx, mem->regions[i].words);
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

/* First fit: the lowest aligned hole of @size; its index in *at. */
static int sysmem_find_hole(const struct ioda_sysmem *mem, uint64_t size, uint64_t *pa, size_t *at)
{
	uint64_t cand = IODA_SYSMEM_BASE;

	for (size_t i = 0; i <= mem->nr; i++) {
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
	r.words = ioda_zalloc(mem->ctx, size);
	if (!r.words) {
		rc = -ENOMEM;
		goto out;
	}
	memmove(&mem->regions[at + 1], &mem->regions[at], (mem->nr - at) * sizeof(r));
	mem->regions[at] = r;
	mem->nr++;
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
	if (i < mem->nr && mem->regions[i].pa == pa) {
		ioda_free(mem->ctx, mem->regions[i].words);
		mem->bytes -= mem->regions[i].size;
		memmove(&mem->regions[i], &mem->regions[i + 1],
			(mem->nr - i - 1) * sizeof(mem->regions[0]));
		mem->nr--;
		rc = 0;
	}
	pthread_mutex_unlock(&mem->lock);
	return rc;
}

/* The word at @pa, or NULL; called with the lock held. */
static uint64_t *sysmem_word(struct ioda_sysmem *mem, uint64_t pa)
{
	size_t i = sysmem_search(mem, pa);

	if ((pa & 7) || i == mem->nr || pa < mem->regions[i].pa)
		return NULL;
	return &mem->regions[i].words[(pa - mem->regions[i].pa) / 8];
}

int ioda_sysmem_read64(struct ioda_sysmem *mem, uint64_t pa, uint64_t *val)
{
	uint64_t *w;

	pthread_mutex_lock(&mem->lock);
	w = sysmem_word(mem, pa);
	if (w)
		*val = *w;
	pthread_mutex_unlock(&mem->lock);
	return w ? 0 : -EFAULT;
}

int ioda_sysmem_write64(struct ioda_sysmem *mem, uint64_t pa, uint64_t val)
{
	uint64_t *w;

	pthread_mutex_lock(&mem->lock);
	w = sysmem_word(mem, pa);
	if (w)
		*w = val;
	pthread_mutex_unlock(&mem->lock);
	return w ? 0 : -EFAULT;
}

size_t ioda_sysmem_regions(struct ioda_sysmem *mem)
{
	size_t n;

	pthread_mutex_lock(&mem->lock);
	n = mem->nr;
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
