/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PHB's tables as JSON (ioda hw --json): what ioda_hw_dump() prints, as
 * data: only what differs from the reset state, runs of equal entries
 * grouped.
 */
#include <errno.h>

#include <ioda/json.h>

#include "json_priv.h"

static json_object *obj_u64(const char *const *keys, const uint64_t *vals, unsigned int n)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; o && i < n; i++)
		if (!ioda_json_add(o, keys[i], json_object_new_uint64(vals[i]))) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

/* [{"first", "last", "pe"}] for each run of equal entries other than @dflt. */
static json_object *runs_json(const uint16_t *v, unsigned int n, unsigned int dflt)
{
	static const char *const keys[] = {"first", "last", "pe"};
	json_object *a = json_object_new_array();

	for (unsigned int i = 0, j; a && i < n; i = j + 1) {
		for (j = i; j + 1 < n && v[j + 1] == v[i]; j++)
			;
		if (v[i] == dflt)
			continue;
		if (!ioda_json_push(a, obj_u64(keys, (const uint64_t[]){i, j, v[i]}, 3))) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* {"PE": [PEs its freeze spreads to]} */
static json_object *peltv_json(const struct ioda_phb_hw *phb)
{
	json_object *o = json_object_new_object();

	for (unsigned int p = 0; o && p < phb->num_pes; p++) {
		json_object *a = NULL;
		char key[12];

		for (unsigned int c = 0; c < phb->num_pes; c++) {
			if (!ioda_hw_peltv_test(phb, p, c))
				continue;
			if (!a)
				a = json_object_new_array();
			if (!a || !ioda_json_push(a, json_object_new_int((int32_t)c))) {
				json_object_put(a);
				json_object_put(o);
				return NULL;
			}
		}
		snprintf(key, sizeof(key), "%u", p);
		if (a && !ioda_json_add(o, key, a)) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static json_object *tvt_json(const struct ioda_phb_hw *phb)
{
	static const char *const tce_keys[] = {"tve",	     "pe",	  "table",
					       "levels",     "level_size", "page_size",
					       "window_start", "window_end"};
	static const char *const bypass_keys[] = {"tve", "pe", "start", "end"};
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < 2 * phb->num_pes; i++) {
		const struct ioda_tve *t = &phb->tvt[i];
		uint64_t bus = i & 1 ? IODA_TVE_SELECT_BIT : 0;
		json_object *e;

		if (t->kind == IODA_TVE_TCE)
			e = obj_u64(tce_keys,
				    (const uint64_t[]){i, i / 2, t->table_pa, t->levels, t->level_size,
						       1ull << t->page_shift, bus,
						       bus + ioda_tve_window_size(t) - 1},
				    8);
		else if (t->kind == IODA_TVE_BYPASS)
			e = obj_u64(bypass_keys,
				    (const uint64_t[]){i, i / 2, bus | t->start, (bus | t->end) - 1},
				    4);
		else
			continue;
		if (!ioda_json_push(a, e)) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static json_object *m64_json(const struct ioda_phb_hw *phb)
{
	static const char *const keys[] = {"bar", "base", "size"};
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < phb->m64_count; i++) {
		const struct ioda_m64_bar *b = &phb->m64[i];
		json_object *e;

		if (!b->size && !b->enabled && b->mode == IODA_M64_SPLIT)
			continue;
		/* single_pe: the PE a single-PE BAR maps, null for a split BAR. */
		e = obj_u64(keys, (const uint64_t[]){i, b->base, b->size}, 3);
		if (!e || !ioda_json_add(e, "enabled", json_object_new_boolean(b->enabled)) ||
		    !ioda_json_add_or_null(e, "single_pe", json_object_new_int((int32_t)b->pe),
					   b->mode != IODA_M64_SINGLE_PE)) {
			json_object_put(e);
			e = NULL;
		}
		if (!ioda_json_push(a, e)) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static json_object *pest_json(const struct ioda_phb_hw *phb)
{
	json_object *a = json_object_new_array();

	for (unsigned int pe = 0; a && pe < phb->num_pes; pe++) {
		unsigned int st = phb->pest[pe].state;
		json_object *e;

		if (!st)
			continue;
		e = json_object_new_object();
		if (!e || !ioda_json_add(e, "pe", json_object_new_int((int32_t)pe)) ||
		    !ioda_json_add(e, "mmio_frozen",
				   json_object_new_boolean(st & IODA_PEST_MMIO_FROZEN)) ||
		    !ioda_json_add(e, "dma_stopped",
				   json_object_new_boolean(st & IODA_PEST_DMA_STOPPED))) {
			json_object_put(e);
			e = NULL;
		}
		if (!ioda_json_push(a, e)) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

int ioda_hw_json(struct ioda_phb_hw *phb, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-hw/1");
	bool ok;

	ioda_hw_lock(phb);
	ok = o && ioda_json_add(o, "gen", json_object_new_string(ioda_phb_gen_word(phb->gen))) &&
	     ioda_json_add(o, "pes", json_object_new_int((int32_t)phb->num_pes)) &&
	     ioda_json_add(o, "reserved_pe", json_object_new_int((int32_t)phb->reserved_pe)) &&
	     ioda_json_add(o, "fenced", json_object_new_boolean(phb->fenced)) &&
	     ioda_json_add(o, "rtt", runs_json(phb->rtt, IODA_RTT_ENTRIES, phb->reserved_pe)) &&
	     ioda_json_add(o, "peltv", peltv_json(phb)) && ioda_json_add(o, "tvt", tvt_json(phb)) &&
	     ioda_json_add(o, "m32_base", json_object_new_uint64(phb->m32_base)) &&
	     ioda_json_add(o, "m32_segment", json_object_new_uint64(phb->m32_segsize)) &&
	     ioda_json_add(o, "m32", runs_json(phb->m32_pe, phb->num_pes, 0)) &&
	     ioda_json_add(o, "m64", m64_json(phb)) &&
	     ioda_json_add(o, "msi", runs_json(phb->mist, phb->num_irqs, 0)) &&
	     ioda_json_add(o, "pest", pest_json(phb)) &&
	     ioda_json_add(o, "errors", json_object_new_uint64(phb->nr_errors));
	ioda_hw_unlock(phb);
	if (!ok) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
