/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda show: the PE table, in text and JSON (json-c; no hand-made escaping).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include <ioda/hw.h>
#include <ioda/ioda.h>

#include "json_priv.h"

/* By bit of enum ioda_pe_flags. */
static const char *const flag_names[] = { "dev",   "bus", "all",    "master",
					  "slave", "vf",  "retired" };

#define NFLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

/* "bus master" */
static void kind_str(unsigned int flags, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < NFLAGS && off < len; i++)
		if (flags & (1u << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
						flag_names[i]);
	if (!off)
		snprintf(buf, len, "reserved");
}

static const char *frozen_str(unsigned int state)
{
	static const char *const names[] = { "-", "mmio", "dma", "mmio+dma" };

	return names[state & IODA_PEST_FROZEN];
}

_Static_assert(IODA_FROZEN_MMIO == IODA_PEST_MMIO_FROZEN && IODA_FROZEN_DMA == IODA_PEST_DMA_STOPPED,
	       "libioda's freeze bits are the PEST's");

/* ---- the snapshot: what text, JSON and the library's callers read ------------------ */

/* The segments of @map that belong to @pe, ascending; false when out of memory. */
static bool segs_take(struct ioda_ctx *ctx, const unsigned int *map, unsigned int n,
		      unsigned int pe, unsigned int **out, unsigned int *count)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < n; i++)
		c += map[i] == pe;
	*count = 0;
	*out = c ? ioda_calloc(ctx, c, sizeof(**out)) : NULL;
	if (c && !*out)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (map[i] == pe)
			(*out)[(*count)++] = i;
	return true;
}

struct member_walk {
	struct ioda_kernel *k;
	const struct ioda_pe *pe;
	struct ioda_pe_info *info; /* NULL: count only */
	unsigned int n;
};

static int member_cb(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct member_walk *w = arg;

	if (ioda_dev_peek_pe(w->k, dev) != w->pe)
		return 0;
	if (w->info)
		snprintf(w->info->devices[w->n], sizeof(w->info->devices[0]), "%.15s",
			 pci_dev_peek_name(dev));
	w->n++;
	return 0;
}

/* The functions whose PE is @pe, in tree order (two walks: count, then name). */
static bool members_take(struct ioda_kernel *k, const struct ioda_pe *pe, struct ioda_pe_info *info)
{
	struct member_walk w = { k, pe, NULL, 0 };

	pci_walk_machine(k->m, member_cb, &w);
	if (!w.n)
		return true;
	info->devices = ioda_calloc(k->ctx, w.n, sizeof(info->devices[0]));
	if (!info->devices)
		return false;
	w.info = info;
	w.n = 0;
	pci_walk_machine(k->m, member_cb, &w);
	info->ndevices = w.n;
	return true;
}

static bool pe_take(struct ioda_kernel *k, struct ioda_phb *phb, unsigned int n,
		    struct ioda_pe_info *info)
{
	struct ioda_pe *pe = &phb->pe_array[n];

	info->pe = n;
	info->flags = pe->flags;
	kind_str(pe->flags, info->kind, sizeof(info->kind));
	info->rid = pe->rid;
	info->device_count = pe->device_count;
	info->iommu_group = pe->group;
	if (pe->tbl) {
		info->window0 = true;
		info->window0_size = pe->tbl->window_size;
		info->window0_page_size = 1ull << pe->tbl->page_shift;
		info->window0_levels = pe->tbl->levels;
	}
	info->bypass = pe->tce_bypass_enabled;
	info->frozen = ioda_hw_pe_state_read(ioda_opal_phb(k->opal, phb->opal_id), n) &
		       IODA_PEST_FROZEN;
	if (pe->pbus)
		snprintf(info->holds, sizeof(info->holds), "%s", pe->pbus->ref.name);
	return segs_take(k->ctx, phb->m32_segmap, phb->total_pe_num, n, &info->m32, &info->nm32) &&
	       segs_take(k->ctx, phb->m64_segmap, phb->total_pe_num, n, &info->m64, &info->nm64) &&
	       members_take(k, pe, info);
}

/* The slot's owner: a bridge's BDF from its slot id, or a PHB's root bus. */
static void slot_owner(const struct ioda_phb *phb, uint64_t id, char *buf, size_t len)
{
	unsigned int bdfn = (unsigned int)(id >> 16) & 0xffff;

	if (id & OPAL_PCI_SLOT_ID_PREFIX)
		snprintf(buf, len, "%04x:%02x:%02x.%u", phb->domain->number, bdfn >> 8,
			 PCI_SLOT(bdfn & 0xff), PCI_FUNC(bdfn & 0xff));
	else
		snprintf(buf, len, "%04x:%02x", phb->domain->number, phb->domain->root_bus->number);
}

static bool slots_take(struct ioda_kernel *k, struct ioda_phb *phb, struct ioda_phb_info *info)
{
	struct ioda_opal_slot_info s;
	unsigned int n = 0;

	while (ioda_opal_slot_at(k->opal, phb->opal_id, n, &s))
		n++;
	info->slots = n ? ioda_calloc(k->ctx, n, sizeof(*info->slots)) : NULL;
	if (n && !info->slots)
		return false;
	for (unsigned int i = 0; i < n && ioda_opal_slot_at(k->opal, phb->opal_id, i, &s); i++) {
		struct ioda_slot_info *o = &info->slots[info->nslots++];

		snprintf(o->label, sizeof(o->label), "%s", s.desc.label);
		slot_owner(phb, s.id, o->owner, sizeof(o->owner));
		o->present = s.present;
		o->powered = s.powered;
		o->surprise = s.desc.surprise;
	}
	return true;
}

static bool phb_take(struct ioda_kernel *k, struct ioda_phb *phb, struct ioda_phb_info *info)
{
	unsigned int npes = 0;

	info->domain = phb->domain->number;
	snprintf(info->gen, sizeof(info->gen), "%s", ioda_phb_gen_word(phb->domain->gen));
	info->total_pes = phb->total_pe_num;
	info->reserved_pe = phb->reserved_pe_idx;
	info->root_pe = phb->root_pe_idx;
	for (unsigned int n = 0; n < phb->total_pe_num; n++)
		npes += ioda_pe_allocated(phb, n);
	info->pes = npes ? ioda_calloc(k->ctx, npes, sizeof(*info->pes)) : NULL;
	if (npes && !info->pes)
		return false;
	for (unsigned int n = 0; n < phb->total_pe_num; n++)
		if (ioda_pe_allocated(phb, n) && !pe_take(k, phb, n, &info->pes[info->npes++]))
			return false;
	return slots_take(k, phb, info);
}

int ioda_show_read(struct ioda_kernel *k, struct ioda_show **out)
{
	struct ioda_show *s = ioda_zalloc(k->ctx, sizeof(*s));
	bool ok = s;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->ctx = k->ctx;
	snprintf(s->kernel, sizeof(s->kernel), "%s", k->profile.name);
	ioda_lock_rescan_remove(k);
	s->phbs = k->nphbs ? ioda_calloc(k->ctx, k->nphbs, sizeof(*s->phbs)) : NULL;
	ok = !k->nphbs || s->phbs;
	for (unsigned int i = 0; ok && i < k->nphbs; i++)
		ok = phb_take(k, k->phbs[i], &s->phbs[s->nphbs++]);
	ioda_unlock_rescan_remove(k);
	if (!ok) {
		ioda_show_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ioda_show_free(struct ioda_show *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->nphbs; i++) {
		struct ioda_phb_info *phb = &s->phbs[i];

		for (unsigned int n = 0; n < phb->npes; n++) {
			ioda_free(s->ctx, phb->pes[n].m32);
			ioda_free(s->ctx, phb->pes[n].m64);
			ioda_free(s->ctx, phb->pes[n].devices);
		}
		ioda_free(s->ctx, phb->pes);
		ioda_free(s->ctx, phb->slots);
	}
	ioda_free(s->ctx, s->phbs);
	ioda_free(s->ctx, s);
}

/* ---- text ------------------------------------------------------------------------ */

/* "a-b" runs of @n segments @segs. */
static void segs_str(const unsigned int *segs, unsigned int n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && off < len; i++) {
		unsigned int j = i;

		while (j + 1 < n && segs[j + 1] == segs[j] + 1)
			j++;
		off += (size_t)(i == j ? snprintf(buf + off, len - off, "%s%u", off ? "," : "",
						  segs[i])
				       : snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "",
						  segs[i], segs[j]));
		i = j;
	}
	if (!off)
		snprintf(buf, len, "-");
}

static void dma_str(const struct ioda_pe_info *pe, char *buf, size_t len)
{
	if (pe->window0)
		snprintf(buf, len, "tce 0..%" PRIx64 " pg=%" PRIx64 "%s", pe->window0_size - 1,
			 pe->window0_page_size, pe->bypass ? " +bypass" : "");
	else
		snprintf(buf, len, pe->bypass ? "bypass" : "-");
}

static void show_text(const struct ioda_show *s, FILE *out)
{
	for (unsigned int i = 0; i < s->nphbs; i++) {
		const struct ioda_phb_info *phb = &s->phbs[i];
		char gen[sizeof(phb->gen)] = "";

		for (unsigned int c = 0; c + 1 < sizeof(gen) && phb->gen[c]; c++)
			gen[c] = (char)toupper((unsigned char)phb->gen[c]);
		fprintf(out, "PHB %04x  %s  %u PEs  reserved PE#%x  root PE#%x\n", phb->domain, gen,
			phb->total_pes, phb->reserved_pe, phb->root_pe);
		fprintf(out, "  %-5s %-12s %-4s %4s  %-5s %-32s %-9s %-9s %-8s %s\n", "PE#", "kind",
			"rid", "devs", "group", "dma", "m32", "m64", "frozen", "devices");
		for (unsigned int n = 0; n < phb->npes; n++) {
			const struct ioda_pe_info *pe = &phb->pes[n];
			char dma[48], m32[32], m64[32], group[8];

			dma_str(pe, dma, sizeof(dma));
			segs_str(pe->m32, pe->nm32, m32, sizeof(m32));
			segs_str(pe->m64, pe->nm64, m64, sizeof(m64));
			snprintf(group, sizeof(group), pe->iommu_group >= 0 ? "%d" : "-",
				 pe->iommu_group);
			fprintf(out, "  %-5x %-12s %04x %4d  %-5s %-32s %-9s %-9s %-8s", pe->pe,
				pe->kind, pe->rid, pe->device_count, group, dma, m32, m64,
				frozen_str(pe->frozen));
			for (unsigned int d = 0; d < pe->ndevices; d++)
				fprintf(out, " %s", pe->devices[d]);
			fputc('\n', out);
		}
		for (unsigned int n = 0; n < phb->nslots; n++) {
			const struct ioda_slot_info *sl = &phb->slots[n];

			fprintf(out, "  slot %-14s %-12s %-7s %s%s\n", sl->label, sl->owner,
				sl->present ? "present" : "empty", sl->powered ? "on" : "off",
				sl->surprise ? " surprise" : "");
		}
	}
}

int ioda_show_text(struct ioda_kernel *k, FILE *out)
{
	struct ioda_show *s;
	int rc = ioda_show_read(k, &s);

	if (rc)
		return rc;
	show_text(s, out);
	ioda_show_free(s);
	return ferror(out) ? -EIO : 0;
}

bool ioda_json_add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(o, key, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

bool ioda_json_push(json_object *a, json_object *v)
{
	if (!v)
		return false;
	if (json_object_array_add(a, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

static json_object *json_segs(const unsigned int *segs, unsigned int n)
{
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < n; i++)
		if (!ioda_json_push(a, json_object_new_int((int32_t)segs[i]))) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *json_pe(const struct ioda_pe_info *pe)
{
	json_object *o = json_object_new_object(), *flags = json_object_new_array();
	json_object *devs = json_object_new_array(), *dma = json_object_new_object();
	bool ok = o && flags && devs && dma;

	for (unsigned int i = 0; ok && i < NFLAGS; i++)
		if (pe->flags & (1u << i))
			ok = ioda_json_push(flags, json_object_new_string(flag_names[i]));
	for (unsigned int d = 0; ok && d < pe->ndevices; d++)
		ok = ioda_json_push(devs, json_object_new_string(pe->devices[d]));
	if (ok && pe->window0) {
		json_object *w = json_object_new_object();

		ok = w && ioda_json_add(dma, "window0", w) &&
		     ioda_json_add(w, "start", json_object_new_int64(0)) &&
		     ioda_json_add(w, "end", json_object_new_uint64(pe->window0_size - 1)) &&
		     ioda_json_add(w, "page_size", json_object_new_uint64(pe->window0_page_size)) &&
		     ioda_json_add(w, "levels", json_object_new_int((int32_t)pe->window0_levels));
	}
	ok = ok && ioda_json_add(dma, "bypass", json_object_new_boolean(pe->bypass));
	if (ok) {
		ok = ioda_json_add(o, "pe", json_object_new_int((int32_t)pe->pe)) &&
		     ioda_json_add(o, "flags", flags);
		flags = NULL;
		ok = ok && ioda_json_add(o, "rid", json_object_new_int((int32_t)pe->rid)) &&
		     ioda_json_add(o, "device_count", json_object_new_int(pe->device_count)) &&
		     ioda_json_add(o, "devices", devs);
		devs = NULL;
		ok = ok && ioda_json_add(o, "dma", dma);
		dma = NULL;
		ok = ok &&
		     ioda_json_add_or_null(o, "iommu_group", json_object_new_int(pe->iommu_group),
					   pe->iommu_group < 0) &&
		     ioda_json_add(o, "m32_segments", json_segs(pe->m32, pe->nm32)) &&
		     ioda_json_add(o, "m64_segments", json_segs(pe->m64, pe->nm64)) &&
		     ioda_json_add_or_null(o, "frozen", json_object_new_string(frozen_str(pe->frozen)),
					   !pe->frozen);
		if (ok && pe->holds[0])
			ok = ioda_json_add(o, "holds", json_object_new_string(pe->holds));
	}
	json_object_put(flags);
	json_object_put(devs);
	json_object_put(dma);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *json_slots(const struct ioda_phb_info *phb)
{
	json_object *a = json_object_new_array();

	for (unsigned int n = 0; a && n < phb->nslots; n++) {
		const struct ioda_slot_info *sl = &phb->slots[n];
		json_object *o = json_object_new_object();
		bool ok = o && ioda_json_add(o, "label", json_object_new_string(sl->label)) &&
			  ioda_json_add(o, "owner", json_object_new_string(sl->owner)) &&
			  ioda_json_add(o, "present", json_object_new_boolean(sl->present)) &&
			  ioda_json_add(o, "powered", json_object_new_boolean(sl->powered)) &&
			  ioda_json_add(o, "surprise", json_object_new_boolean(sl->surprise));

		if (!ok)
			json_object_put(o);
		if (!ok || !ioda_json_push(a, o)) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static json_object *json_phb(const struct ioda_phb_info *phb)
{
	json_object *o = json_object_new_object(), *pes = json_object_new_array();
	bool ok = o && pes;

	for (unsigned int n = 0; ok && n < phb->npes; n++)
		ok = ioda_json_push(pes, json_pe(&phb->pes[n]));
	ok = ok && ioda_json_add(o, "slots", json_slots(phb)) &&
	     ioda_json_add(o, "domain", json_object_new_int(phb->domain)) &&
	     ioda_json_add(o, "gen", json_object_new_string(phb->gen)) &&
	     ioda_json_add(o, "total_pes", json_object_new_int((int32_t)phb->total_pes)) &&
	     ioda_json_add(o, "reserved_pe", json_object_new_int((int32_t)phb->reserved_pe)) &&
	     ioda_json_add(o, "root_pe", json_object_new_int((int32_t)phb->root_pe));
	if (ok) {
		ok = ioda_json_add(o, "pes", pes);
		pes = NULL;
	}
	json_object_put(pes);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *ioda_json_lines(const char *text)
{
	json_object *lines = json_object_new_array();

	for (const char *s = text; lines && s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (!ioda_json_push(lines, json_object_new_string_len(s, (int)len))) {
			json_object_put(lines);
			return NULL;
		}
		s += len + (nl != NULL);
	}
	return lines;
}

json_object *ioda_json_doc(const char *schema)
{
	json_object *o = json_object_new_object();

	if (o && !ioda_json_add(o, "schema", json_object_new_string(schema))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

bool ioda_json_add_or_null(json_object *o, const char *key, json_object *v, bool none)
{
	if (!none)
		return ioda_json_add(o, key, v);
	json_object_put(v);
	return json_object_object_add(o, key, NULL) == 0;
}

int ioda_json_write(json_object *o, FILE *out)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = s ? (fprintf(out, "%s\n", s) < 0 ? -EIO : 0) : -ENOMEM;

	json_object_put(o);
	return rc;
}

int ioda_show_json(struct ioda_kernel *k, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-show/1"), *phbs = json_object_new_array();
	struct ioda_show *s = NULL;
	bool ok = o && phbs && !ioda_show_read(k, &s);

	for (unsigned int i = 0; ok && i < s->nphbs; i++)
		ok = ioda_json_push(phbs, json_phb(&s->phbs[i]));
	ok = ok && ioda_json_add(o, "kernel", json_object_new_string(s->kernel));
	ioda_show_free(s);
	if (ok) {
		ok = ioda_json_add(o, "phbs", phbs);
		phbs = NULL;
	}
	json_object_put(phbs);
	if (!ok) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}

/* ---- events -------------------------------------------------------------------- */

const char *ioda_event_kind_name(enum ioda_event_kind kind)
{
	static const char *const names[] = {
		[IODA_EV_PHB_INIT] = "phb_init",
		[IODA_EV_PHB_M32_RANGE] = "phb_m32_range",
		[IODA_EV_PHB_M64_RANGE] = "phb_m64_range",
		[IODA_EV_PHB_M64_DEFAULT] = "phb_m64_default",
		[IODA_EV_PHB_PE_COUNTS] = "phb_pe_counts",
		[IODA_EV_PHB_M64_SIZE] = "phb_m64_size",
		[IODA_EV_PHB_MSIS] = "phb_msis",
		[IODA_EV_BUS_CONFIGURING] = "bus_configuring",
		[IODA_EV_DEV_CONFIGURED] = "dev_configured",
		[IODA_EV_DEV_ADDED] = "dev_added",
		[IODA_EV_DEV_GROUP_ADD] = "dev_group_add",
		[IODA_EV_DEV_GROUP_REMOVE] = "dev_group_remove",
		[IODA_EV_PE_BUS] = "pe_bus",
		[IODA_EV_PE_BUS_ALL] = "pe_bus_all",
		[IODA_EV_PE_DEV] = "pe_dev",
		[IODA_EV_PE_TCE32] = "pe_tce32",
		[IODA_EV_PE_WINDOW] = "pe_window",
		[IODA_EV_PE_BYPASS] = "pe_bypass",
		[IODA_EV_PE_RELEASING] = "pe_releasing",
		[IODA_EV_PE_WINDOW_REMOVE] = "pe_window_remove",
		[IODA_EV_PE_MESSAGE] = "pe_message",
		[IODA_EV_PE_DUMP] = "pe_dump",
		[IODA_EV_MESSAGE] = "message",
	};

	return (size_t)kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind]
									   : "event";
}

struct ioda_json_events {
	json_object *events;
	bool oom;
};

struct ioda_json_events *ioda_json_events_new(void)
{
	struct ioda_json_events *j = calloc(1, sizeof(*j));

	if (j)
		j->events = json_object_new_array();
	if (j && !j->events) {
		free(j);
		j = NULL;
	}
	return j;
}

void ioda_json_events_add(void *arg, const struct ioda_event *ev)
{
	struct ioda_json_events *j = arg;
	json_object *o;
	char line[256];
	bool ok;

	if (j->oom)
		return;
	ioda_event_format(ev, line, sizeof(line));
	o = json_object_new_object();
	ok = o && ioda_json_add(o, "kind", json_object_new_string(ioda_event_kind_name(ev->kind))) &&
	     ioda_json_add(o, "level", json_object_new_int(ev->level)) &&
	     ioda_json_add_or_null(o, "domain", json_object_new_int(ev->domain), ev->domain < 0) &&
	     ioda_json_add(o, "line", json_object_new_string(line));
	if (ok && ev->kind >= IODA_EV_PE_BUS && ev->kind <= IODA_EV_PE_DUMP)
		ok = ioda_json_add(o, "pe", json_object_new_int((int32_t)ev->pe));
	if (!ok || !ioda_json_push(j->events, o)) {
		if (!ok)
			json_object_put(o);
		j->oom = true;
	}
}

int ioda_json_events_write(struct ioda_json_events *j, const char *kernel, FILE *out)
{
	json_object *o;
	bool ok;

	if (j->oom)
		return -ENOMEM;
	o = ioda_json_doc("ioda-boot/1");
	ok = o && ioda_json_add(o, "kernel", json_object_new_string(kernel));
	if (ok) {
		ok = ioda_json_add(o, "events", j->events);
		if (ok)
			j->events = NULL;
	}
	if (!ok) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}

void ioda_json_events_free(struct ioda_json_events *j)
{
	if (!j)
		return;
	json_object_put(j->events);
	free(j);
}
