/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda groups: the iommu groups of a booted machine, and what must go to a
 * guest with a device.  The walks borrow devices under the machine's lock
 * (pci_walk_machine); the NVLink peers are taken as counted references
 * first, since the getters take that lock themselves.
 */
#include <errno.h>
#include <string.h>

#include <ioda/groups.h>

#include "json_priv.h"

#define MAX_PEERS 16

/* ---- the groups ------------------------------------------------------------------ */

struct group_walk {
	int group, max;
	FILE *out;
	json_object *devs;
	bool ok;
};

static int max_group(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct group_walk *w = arg;

	if (dev->iommu_group > w->max)
		w->max = dev->iommu_group;
	return 0;
}

/* "0003:01:00.0 [10de:1db1] 3D controller" */
static void dev_line(FILE *out, const struct pci_dev *dev)
{
	fprintf(out, "%s [%04x:%04x] %s", pci_dev_peek_name(dev), dev->vendor, dev->device,
		pci_class_name(dev->class));
}

static json_object *dev_json(const struct pci_dev *dev, unsigned int pe)
{
	json_object *o = json_object_new_object();
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", dev->vendor, dev->device);
	if (o && ioda_json_add(o, "device", json_object_new_string(pci_dev_peek_name(dev))) &&
	    ioda_json_add(o, "id", json_object_new_string(id)) &&
	    ioda_json_add(o, "class", json_object_new_string(pci_class_name(dev->class))) &&
	    ioda_json_add(o, "pe", json_object_new_int((int32_t)pe)))
		return o;
	json_object_put(o);
	return NULL;
}

static int group_member(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct group_walk *w = arg;

	if (dev->iommu_group != w->group)
		return 0;
	if (w->devs) {
		w->ok = w->ok && ioda_json_push(w->devs, dev_json(dev, dev->pe_number));
		return 0;
	}
	fprintf(w->out, "  PE %04x:%x  ", pci_dev_peek_domain_nr(dev), dev->pe_number);
	dev_line(w->out, dev);
	fputc('\n', w->out);
	return 0;
}

int ioda_groups_text(struct ioda_kernel *k, FILE *out)
{
	struct group_walk w = {.max = -1, .out = out};

	pci_walk_machine(k->m, max_group, &w);
	for (w.group = 0; w.group <= w.max; w.group++) {
		fprintf(out, "iommu group %d\n", w.group);
		pci_walk_machine(k->m, group_member, &w);
	}
	return ferror(out) ? -EIO : 0;
}

/* One group's object; NULL when out of memory. */
static json_object *group_json(struct ioda_kernel *k, struct group_walk *w)
{
	json_object *g = json_object_new_object();

	w->devs = json_object_new_array();
	w->ok = g && w->devs;
	if (w->ok)
		pci_walk_machine(k->m, group_member, w);
	if (!w->ok || !ioda_json_add(g, "group", json_object_new_int(w->group)))
		json_object_put(w->devs);
	else if (ioda_json_add(g, "devices", w->devs))
		return g;
	json_object_put(g);
	return NULL;
}

/* {"kernel": ..., KEY: @v}, written; @v is put on failure. */
static int write_doc(struct ioda_kernel *k, const char *key, json_object *v, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-groups/1");

	if (!o || !ioda_json_add(o, "kernel", json_object_new_string(k->profile.name))) {
		json_object_put(v);
		json_object_put(o);
		return -ENOMEM;
	}
	if (!ioda_json_add(o, key, v)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}

int ioda_groups_json(struct ioda_kernel *k, FILE *out)
{
	json_object *groups = json_object_new_array();
	struct group_walk w = {.max = -1, .out = out};
	bool ok = groups;

	pci_walk_machine(k->m, max_group, &w);
	for (w.group = 0; ok && w.group <= w.max; w.group++)
		ok = ioda_json_push(groups, group_json(k, &w));
	if (!ok) {
		json_object_put(groups);
		return -ENOMEM;
	}
	return write_doc(k, "groups", groups, out);
}

/* ---- the advisor ----------------------------------------------------------------- */

struct advice {
	struct pci_dev *dev;
	struct pci_dev *peers[MAX_PEERS]; /* held: "ioda groups peer" */
	unsigned int npeers, count, used;
	FILE *out;
	json_object *list;
	bool ok;
};

static const char *const why_text[] = {
	"same PE",
	"same iommu group",
	"NVLink peer",
	"NVLink peer's iommu group",
};

static const char *const why_explained[] = {
	"same PE: the PHB isolates PEs, not functions; a PE's devices share its "
	"DMA window and freeze together",
	"same iommu group: VFIO hands a guest whole iommu groups",
	"NVLink peer: a GPU's NVLinks to the NPU carry its DMA; the GPU and its "
	"links go together",
	"NVLink peer's iommu group: the group of a GPU's links (or of a link's GPU) "
	"goes with it",
};

static unsigned int why_of(const struct advice *a, const struct pci_dev *d)
{
	const struct pci_dev *dev = a->dev;
	unsigned int why = 0;

	if (d == dev)
		return 0;
	if (pci_dev_peek_domain_nr(d) == pci_dev_peek_domain_nr(dev) &&
	    d->pe_number == dev->pe_number)
		why |= IODA_WHY_SAME_PE;
	if (d->iommu_group >= 0 && d->iommu_group == dev->iommu_group)
		why |= IODA_WHY_SAME_GROUP;
	for (unsigned int i = 0; i < a->npeers; i++) {
		if (a->peers[i] == d)
			why |= IODA_WHY_NVLINK_PEER;
		else if (d->iommu_group >= 0 && d->iommu_group == a->peers[i]->iommu_group &&
			 d->iommu_group != dev->iommu_group)
			why |= IODA_WHY_PEER_GROUP;
	}
	return why;
}

static int advise_one(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice *a = arg;
	unsigned int why = why_of(a, d);
	json_object *o, *reasons;
	const char *sep = "";

	if (!why)
		return 0;
	a->count++;
	a->used |= why;
	if (!a->list) {
		fputs("  ", a->out);
		dev_line(a->out, d);
		fputs(": ", a->out);
		for (unsigned int i = 0; i < sizeof(why_text) / sizeof(why_text[0]); i++)
			if (why & (1u << i)) {
				fprintf(a->out, "%s%s", sep, why_text[i]);
				sep = "; ";
			}
		fputc('\n', a->out);
		return 0;
	}
	o = dev_json(d, d->pe_number);
	reasons = json_object_new_array();
	a->ok = a->ok && o && reasons;
	for (unsigned int i = 0; a->ok && i < sizeof(why_text) / sizeof(why_text[0]); i++)
		if (why & (1u << i))
			a->ok = ioda_json_push(reasons, json_object_new_string(why_text[i]));
	if (a->ok && ioda_json_add(o, "why", reasons)) {
		a->ok = ioda_json_push(a->list, o);
		return 0;
	}
	json_object_put(reasons);
	json_object_put(o);
	a->ok = false;
	return 0;
}

/* The GPU's links, or the link's GPU, as counted references. */
static void take_peers(struct ioda_kernel *k, struct advice *a)
{
	struct pci_dev *gpu = ioda_npu_get_gpu(k, a->dev, "ioda groups peer");

	if (gpu) {
		a->peers[a->npeers++] = gpu;
		return;
	}
	while (a->npeers < MAX_PEERS) {
		struct pci_dev *link = ioda_gpu_get_npu(k, a->dev, a->npeers, "ioda groups peer");

		if (!link)
			break;
		a->peers[a->npeers++] = link;
	}
}

static int advise_json(struct ioda_kernel *k, struct advice *a)
{
	json_object *o = json_object_new_object();
	const struct pci_dev *dev = a->dev;

	a->list = json_object_new_array();
	a->ok = o && a->list;
	if (a->ok)
		pci_walk_machine(k->m, advise_one, a);
	if (!a->ok || !ioda_json_add(o, "device", dev_json(dev, dev->pe_number)) ||
	    !ioda_json_add(o, "iommu_group", json_object_new_int(dev->iommu_group))) {
		json_object_put(a->list);
		json_object_put(o);
		return -ENOMEM;
	}
	if (!ioda_json_add(o, "with", a->list)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return write_doc(k, "advice", o, a->out);
}

int ioda_groups_advise(struct ioda_kernel *k, struct pci_dev *dev, bool json, FILE *out)
{
	struct advice a = {.dev = dev, .out = out};
	int rc = 0;

	if (dev->iommu_group < 0)
		return -ENODEV;
	take_peers(k, &a);
	if (json) {
		rc = advise_json(k, &a);
	} else {
		dev_line(out, dev);
		fprintf(out, ": PE %04x:%x, iommu group %d\n", pci_dev_peek_domain_nr(dev),
			dev->pe_number, dev->iommu_group);
		fputs("Pass through to the same guest with it:\n", out);
		pci_walk_machine(k->m, advise_one, &a);
		if (!a.count)
			fputs("  nothing else: it is alone in its PE and its iommu group\n", out);
		for (unsigned int i = 0; i < sizeof(why_text) / sizeof(why_text[0]); i++)
			if (a.used & (1u << i))
				fprintf(out, "%s %s\n", a.used & ((1u << i) - 1) ? "    " : "Why:",
					why_explained[i]);
	}
	for (unsigned int i = 0; i < a.npeers; i++)
		pci_dev_put(a.peers[i], "ioda groups peer");
	return rc ? rc : (int)a.count;
}
