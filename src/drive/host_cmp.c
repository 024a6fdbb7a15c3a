/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda host: the model's boot against what the host's kernel did, function
 * by function: its iommu group (the host's /sys/kernel/iommu_groups) and
 * its PE (sysfs eeh_pe_config_addr, or the boot log).
 */
#include <errno.h>
#include <string.h>

#include <ioda/host.h>
#include <ioda/pci.h>

#include "view/json_priv.h"

struct side {
	int group, pe; /* -1: none or not known */
};

struct row {
	char bdf[16], id[10];
	struct side host, model;
	bool in_model, group_differs, pe_differs;
};

static const struct ioda_host_fact *fact_for(const struct ioda_host *h, const char *bdf)
{
	for (unsigned int i = 0; i < h->nfacts; i++)
		if (!strcmp(h->facts[i].bdf, bdf))
			return &h->facts[i];
	return NULL;
}

static void judge(const struct ioda_host *h, struct row *r)
{
	r->group_differs = h->has_groups && r->host.group != r->model.group;
	r->pe_differs = r->host.pe >= 0 && r->host.pe != r->model.pe;
}

/* A zeroed row at the end of *@rows, grown as needed; NULL (rows freed) when out of memory. */
static struct row *row_add(struct row **rows, unsigned int *n, unsigned int *cap)
{
	if (*n == *cap) {
		struct row *nr = realloc(*rows, 2 * *cap * sizeof(**rows));

		if (!nr) {
			free(*rows);
			*rows = NULL;
			return NULL;
		}
		*rows = nr;
		*cap *= 2;
	}
	memset(&(*rows)[*n], 0, sizeof(**rows));
	return &(*rows)[(*n)++];
}

/* One row per function of the model, then one per function only the host has. */
static struct row *rows_of(struct ioda_kernel *k, const struct ioda_host *h, unsigned int *n)
{
	struct ioda_machine *m = k->m;
	struct pci_dev *dev = NULL;
	struct row *rows = calloc(h->nfacts + 1, sizeof(*rows)), *r;
	unsigned int cap = h->nfacts + 1;

	*n = 0;
	while (rows && (dev = pci_get_device(m, PCI_ANY_ID, PCI_ANY_ID, dev, "ioda host"))) {
		const struct ioda_host_fact *f;

		if (dev->is_virtfn)
			continue;
		r = row_add(&rows, n, &cap);
		if (!r) {
			pci_dev_put(dev, "ioda host");
			return NULL;
		}
		snprintf(r->bdf, sizeof(r->bdf), "%04x:%02x:%02x.%u", pci_dev_peek_domain_nr(dev),
			 dev->bus->number, PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
		snprintf(r->id, sizeof(r->id), "%04x:%04x", dev->vendor, dev->device);
		r->in_model = true;
		r->model.group = dev->iommu_group;
		r->model.pe = dev->pe_number < 0x10000 ? (int)dev->pe_number : -1;
		f = fact_for(h, r->bdf);
		r->host.group = f ? f->group : -1;
		r->host.pe = f ? f->pe : -1;
		judge(h, r);
	}
	for (unsigned int i = 0; rows && i < h->nfacts; i++) {
		bool seen = false;

		for (unsigned int j = 0; j < *n && !seen; j++)
			seen = !strcmp(rows[j].bdf, h->facts[i].bdf);
		if (seen)
			continue;
		r = row_add(&rows, n, &cap);
		if (!r)
			return NULL;
		snprintf(r->bdf, sizeof(r->bdf), "%s", h->facts[i].bdf);
		r->host = (struct side){ h->facts[i].group, h->facts[i].pe };
		r->model = (struct side){ -1, -1 };
	}
	return rows;
}

static bool differs(const struct row *r)
{
	return !r->in_model || r->group_differs || r->pe_differs;
}

static void side_text(char *buf, size_t len, const struct side *s)
{
	int n = s->group >= 0 ? snprintf(buf, len, "group %d", s->group)
			      : snprintf(buf, len, "no group");

	if (s->pe >= 0)
		snprintf(buf + n, len - (size_t)n, ", PE#%x", (unsigned int)s->pe);
}

static void print_text(const struct ioda_host *h, const struct ioda_kernel *k,
		       const struct row *rows, unsigned int n, unsigned int bad, FILE *out)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char host[48], model[48];

		side_text(host, sizeof(host), &r->host);
		side_text(model, sizeof(model), &r->model);
		if (!r->in_model)
			fprintf(out, "%s: the host has it (%s), the model does not\n", r->bdf, host);
		else if (differs(r))
			fprintf(out, "%s [%s]: differs: host %s, model %s\n", r->bdf, r->id, host,
				model);
		else
			fprintf(out, "%s [%s]: %s: agrees\n", r->bdf, r->id, model);
	}
	fprintf(out, "host: %u functions agree, %u differ (kernel %s, modelled as %s; groups %s; "
		     "PEs from %s)\n",
		n - bad, bad, h->release[0] ? h->release : "unknown", k->profile.name,
		h->has_groups ? "from /sys/kernel/iommu_groups" : "not read",
		h->pe_source ? h->pe_source : "nowhere (no eeh_pe_config_addr, no log)");
}

static json_object *side_json(const struct side *s)
{
	json_object *o = json_object_new_object();

	if (!o || !ioda_json_add_or_null(o, "group", json_object_new_int(s->group), s->group < 0) ||
	    !ioda_json_add_or_null(o, "pe", json_object_new_int(s->pe), s->pe < 0)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int print_json(const struct ioda_host *h, const struct ioda_kernel *k,
		      const struct row *rows, unsigned int n, unsigned int bad, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-host/1"), *a = json_object_new_array();
	bool ok = o && a;

	for (unsigned int i = 0; ok && i < n; i++) {
		const struct row *r = &rows[i];
		json_object *e = json_object_new_object();

		ok = e && ioda_json_add(e, "device", json_object_new_string(r->bdf)) &&
		     ioda_json_add_or_null(e, "id", json_object_new_string(r->id), !r->in_model) &&
		     ioda_json_add(e, "host", side_json(&r->host)) &&
		     ioda_json_add_or_null(e, "model", side_json(&r->model), !r->in_model) &&
		     ioda_json_add(e, "agrees", json_object_new_boolean(!differs(r)));
		if (!ok)
			json_object_put(e);
		else
			ok = ioda_json_push(a, e);
	}
	ok = ok && ioda_json_add_or_null(o, "release", json_object_new_string(h->release),
					 !h->release[0]) &&
	     ioda_json_add(o, "kernel", json_object_new_string(k->profile.name)) &&
	     ioda_json_add(o, "groups_read", json_object_new_boolean(h->has_groups)) &&
	     ioda_json_add_or_null(o, "pe_source", json_object_new_string(h->pe_source ? h->pe_source : ""),
				   !h->pe_source) &&
	     ioda_json_add(o, "agree", json_object_new_int((int)(n - bad))) &&
	     ioda_json_add(o, "differ", json_object_new_int((int)bad));
	if (ok) {
		ok = ioda_json_add(o, "functions", a);
		a = NULL;
	}
	json_object_put(a);
	if (!ok) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}

int ioda_host_compare(struct ioda_kernel *k, const struct ioda_host *h, bool json, FILE *out)
{
	unsigned int n, bad = 0;
	struct row *rows;
	int rc = 0;

	ioda_lock_rescan_remove(k);
	rows = rows_of(k, h, &n);
	ioda_unlock_rescan_remove(k);
	if (!rows)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		bad += differs(&rows[i]);
	if (json)
		rc = print_json(h, k, rows, n, bad, out);
	else
		print_text(h, k, rows, n, bad, out);
	free(rows);
	return rc ? rc : (int)bad;
}
