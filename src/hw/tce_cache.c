/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PHB's TCE cache.  The DMA path keeps each leaf TCE it read from a
 * TCE table, keyed by TVT index and IO page, and translates through the
 * kept copy until a kill drops it: a TCE changed in memory without its
 * kill goes on being used, as on the hardware.  Sizes per generation are
 * in gen.c; the hardware's TCAM is fully associative with an undocumented
 * replacement, modelled as 4-way sets replaced in turn.  An NPU's cache
 * is not modelled (its PHB has none here).
 */
#include <string.h>

#include <ioda/hw.h>

#include "hw_priv.h"

int ioda_hw_tce_cache_init(struct ioda_phb_hw *phb, unsigned int entries)
{
	struct ioda_tce_cache *c = &phb->tce_cache;

	c->sets = entries / IODA_TCE_CACHE_WAYS;
	if (!c->sets)
		return 0;
	c->e = ioda_calloc(phb->ctx, entries, sizeof(*c->e));
	c->victim = ioda_calloc(phb->ctx, c->sets, sizeof(*c->victim));
	c->per_pe = ioda_calloc(phb->ctx, phb->num_pes, sizeof(*c->per_pe));
	return c->e && c->victim && c->per_pe ? 0 : -1;
}

void ioda_hw_tce_cache_fini(struct ioda_phb_hw *phb)
{
	ioda_free(phb->ctx, phb->tce_cache.e);
	ioda_free(phb->ctx, phb->tce_cache.victim);
	ioda_free(phb->ctx, phb->tce_cache.per_pe);
}

/* Empties entry @e, counting it out. */
static void drop(struct ioda_tce_cache *c, struct ioda_tce_cache_entry *e)
{
	c->per_pe[(e->tve - 1) / 2]--;
	c->used--;
	e->tve = 0;
}

static struct ioda_tce_cache_entry *set_of(const struct ioda_tce_cache *c, unsigned int tve,
					   uint64_t page)
{
	uint64_t h = (page ^ ((uint64_t)tve * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;

	return &c->e[(h >> 32) % c->sets * IODA_TCE_CACHE_WAYS];
}

bool ioda_hw_tce_cache_lookup(struct ioda_phb_hw *phb, unsigned int tve, uint64_t page,
			      uint64_t *tce)
{
	struct ioda_tce_cache *c = &phb->tce_cache;
	struct ioda_tce_cache_entry *set;

	if (!c->sets)
		return false;
	set = set_of(c, tve, page);
	for (unsigned int w = 0; w < IODA_TCE_CACHE_WAYS; w++)
		if (set[w].tve == tve + 1 && set[w].page == page) {
			*tce = set[w].tce;
			c->hits++;
			return true;
		}
	c->misses++;
	return false;
}

void ioda_hw_tce_cache_insert(struct ioda_phb_hw *phb, unsigned int tve, unsigned int page_shift,
			      uint64_t page, uint64_t tce)
{
	struct ioda_tce_cache *c = &phb->tce_cache;
	struct ioda_tce_cache_entry *set;
	unsigned int s;

	if (!c->sets)
		return;
	set = set_of(c, tve, page);
	s = (unsigned int)(set - c->e) / IODA_TCE_CACHE_WAYS;
	if (set[c->victim[s]].tve)
		drop(c, &set[c->victim[s]]);
	set[c->victim[s]] = (struct ioda_tce_cache_entry){ tve + 1, page_shift, page, tce };
	c->per_pe[tve / 2]++;
	c->used++;
	c->victim[s] = (uint8_t)((c->victim[s] + 1) % IODA_TCE_CACHE_WAYS);
}

void ioda_hw_tce_cache_flush(struct ioda_phb_hw *phb)
{
	struct ioda_tce_cache *c = &phb->tce_cache;

	if (!c->used)
		return;
	memset(c->e, 0, (size_t)c->sets * IODA_TCE_CACHE_WAYS * sizeof(*c->e));
	memset(c->per_pe, 0, phb->num_pes * sizeof(*c->per_pe));
	c->used = 0;
}

/* Whether entry @e's page overlaps [off, off + len) of window @tve. */
static bool overlaps(const struct ioda_tce_cache_entry *e, unsigned int tve, uint64_t off,
		     uint64_t len)
{
	uint64_t start = e->page << e->page_shift, end = start + (1ull << e->page_shift);

	return e->tve == tve + 1 && start < off + len && off < end;
}

void ioda_hw_tce_cache_kill(struct ioda_phb_hw *phb, enum ioda_tce_kill kind, unsigned int pe,
			    uint64_t addr, unsigned int page_shift, uint64_t npages)
{
	struct ioda_tce_cache *c = &phb->tce_cache;
	unsigned int tve = 2 * pe + ((addr & IODA_TVE_SELECT_BIT) != 0);
	uint64_t off = addr & (IODA_TVE_SELECT_BIT - 1), len;

	if (kind == IODA_TCE_KILL_ALL) {
		ioda_hw_tce_cache_flush(phb);
		return;
	}
	/* Most kills find nothing of their PE: the boot's, each window's. */
	if (pe >= phb->num_pes || !c->per_pe[pe])
		return;
	len = page_shift < 64 && npages <= (UINT64_MAX >> page_shift) ? npages << page_shift
								       : UINT64_MAX - off;
	for (unsigned int i = 0; i < c->sets * IODA_TCE_CACHE_WAYS; i++) {
		struct ioda_tce_cache_entry *e = &c->e[i];

		if (!e->tve || (e->tve - 1) / 2 != pe)
			continue;
		if (kind == IODA_TCE_KILL_PE || overlaps(e, tve, off, len))
			drop(c, e);
	}
}

/*
 * The PHB3 register's ONE kill carries the PE number and the page's
 * address, not the window: both of the PE's windows lose the page.
 */
void ioda_hw_tce_kill_reg(struct ioda_phb_hw *phb, enum ioda_tce_kill kind, unsigned int pe,
			  uint64_t addr, unsigned int page_shift, uint64_t npages)
{
	uint64_t off = addr & (IODA_TVE_SELECT_BIT - 1);

	ioda_hw_lock(phb);
	ioda_hw_tce_cache_kill(phb, kind, pe, off, page_shift, npages);
	if (kind == IODA_TCE_KILL_PAGES)
		ioda_hw_tce_cache_kill(phb, kind, pe, off | IODA_TVE_SELECT_BIT, page_shift,
				       npages);
	ioda_hw_unlock(phb);
}

unsigned int ioda_hw_tce_cache_check(struct ioda_phb_hw *phb, ioda_stale_tce_fn fn, void *arg)
{
	struct ioda_tce_cache *c = &phb->tce_cache;
	unsigned int n = 0;

	ioda_hw_lock(phb);
	for (unsigned int i = 0; i < c->sets * IODA_TCE_CACHE_WAYS; i++) {
		const struct ioda_tce_cache_entry *e = &c->e[i];
		const struct ioda_tve *tve;
		uint64_t off, tce = 0;

		if (!e->tve)
			continue;
		tve = &phb->tvt[e->tve - 1];
		off = e->page << e->page_shift;
		if (tve->kind != IODA_TVE_TCE || tve->page_shift != e->page_shift ||
		    ioda_hw_tce_leaf(phb, tve, off, &tce) != IODA_ERR_NONE)
			tce = 0;
		if (tce == e->tce)
			continue;
		n++;
		if (fn)
			fn(arg, (e->tve - 1) / 2, e->tve - 1,
			   off | ((e->tve - 1) % 2 ? IODA_TVE_SELECT_BIT : 0), e->tce, tce);
	}
	ioda_hw_unlock(phb);
	return n;
}
