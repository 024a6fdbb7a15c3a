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
#include "pci_names.h"

#define MAX_PEERS 16
#define STEP_MAX 256 /* one host step's command */

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
	struct pci_dev *const *asked; /* the devices asked about, held by the caller */
	unsigned int nasked;
	struct pci_dev *peers[MAX_PEERS]; /* held: "ioda groups peer" */
	unsigned int npeers, count, used;
	struct pci_dev *pass[512]; /* borrowed under the walk: what goes to the guest */
	unsigned int npass;
	struct ioda_pci_names *names;
	FILE *out;
	json_object *list, *vfs;
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

/* "BDF [vvvv:dddd] CLASS (VENDOR DEVICE)", the name where pci.ids has one. */
static void label(struct advice *a, const struct pci_dev *dev, char *buf, size_t len)
{
	char name[160];
	int n = snprintf(buf, len, "%s [%04x:%04x] %s", pci_dev_peek_name(dev), dev->vendor,
			 dev->device, pci_class_name(dev->class));

	if (n > 0 && (size_t)n < len &&
	    ioda_pci_names_lookup(a->names, dev->vendor, dev->device, name, sizeof(name)))
		snprintf(buf + n, len - (size_t)n, " (%s)", name);
}

static bool is_asked(const struct advice *a, const struct pci_dev *d)
{
	for (unsigned int i = 0; i < a->nasked; i++)
		if (a->asked[i] == d)
			return true;
	return false;
}

/* Why @d goes with @dev, one of the devices asked about. */
static unsigned int why_with(const struct pci_dev *dev, const struct pci_dev *d)
{
	unsigned int why = 0;

	if (pci_dev_peek_domain_nr(d) == pci_dev_peek_domain_nr(dev) &&
	    d->pe_number == dev->pe_number)
		why |= IODA_WHY_SAME_PE;
	if (d->iommu_group >= 0 && d->iommu_group == dev->iommu_group)
		why |= IODA_WHY_SAME_GROUP;
	return why;
}

static unsigned int why_of(const struct advice *a, const struct pci_dev *d, unsigned int *asked)
{
	unsigned int why = 0;

	*asked = 0;
	if (is_asked(a, d))
		return 0;
	for (unsigned int i = 0; i < a->nasked; i++) {
		unsigned int w = why_with(a->asked[i], d);

		why |= w;
		*asked |= w ? 1u << (i % 32) : 0;
	}
	for (unsigned int i = 0; i < a->npeers; i++) {
		if (a->peers[i] == d)
			why |= IODA_WHY_NVLINK_PEER;
		else if (d->iommu_group >= 0 && d->iommu_group == a->peers[i]->iommu_group &&
			 !(why & IODA_WHY_SAME_GROUP))
			why |= IODA_WHY_PEER_GROUP;
	}
	return why;
}

static json_object *why_json(unsigned int why)
{
	json_object *reasons = json_object_new_array();

	for (unsigned int i = 0; reasons && i < sizeof(why_text) / sizeof(why_text[0]); i++)
		if ((why & (1u << i)) && !ioda_json_push(reasons, json_object_new_string(why_text[i]))) {
			json_object_put(reasons);
			return NULL;
		}
	return reasons;
}

static int advise_one(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice *a = arg;
	unsigned int asked, why = why_of(a, d, &asked);
	json_object *o;
	const char *sep = "";
	char l[256];

	if (!why)
		return 0;
	a->count++;
	a->used |= why;
	if (a->npass < sizeof(a->pass) / sizeof(a->pass[0]))
		a->pass[a->npass++] = d;
	if (!a->list) {
		label(a, d, l, sizeof(l));
		fprintf(a->out, "  %s: ", l);
		for (unsigned int i = 0; i < sizeof(why_text) / sizeof(why_text[0]); i++)
			if (why & (1u << i)) {
				fprintf(a->out, "%s%s", sep, why_text[i]);
				sep = "; ";
			}
		fputc('\n', a->out);
		return 0;
	}
	o = a->ok ? dev_json(d, d->pe_number) : NULL;
	if (!o || !ioda_json_add(o, "why", why_json(why))) {
		json_object_put(o);
		a->ok = false;
		return 0;
	}
	a->ok = ioda_json_push(a->list, o);
	return 0;
}

/* A VF of a PF asked about: each goes to a guest alone, in its own PE and group. */
static int vf_line(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice *a = arg;
	char l[256];

	if (!d->is_virtfn || !is_asked(a, d->physfn))
		return 0;
	label(a, d, l, sizeof(l));
	fprintf(a->out, "  VF %s: PE %04x:%x, iommu group %d\n", l, pci_dev_peek_domain_nr(d),
		d->pe_number, d->iommu_group);
	return 0;
}

static int vf_json(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice *a = arg;
	json_object *o;

	if (!a->ok || !d->is_virtfn || !is_asked(a, d->physfn))
		return 0;
	o = dev_json(d, d->pe_number);
	if (!o || !ioda_json_add(o, "iommu_group", json_object_new_int(d->iommu_group))) {
		json_object_put(o);
		a->ok = false;
		return 0;
	}
	a->ok = ioda_json_push(a->vfs, o);
	return 0;
}

/* The asked devices' GPUs or links, as counted references. */
static void take_peers(struct ioda_kernel *k, struct advice *a)
{
	for (unsigned int i = 0; i < a->nasked && a->npeers < MAX_PEERS; i++) {
		struct pci_dev *dev = a->asked[i];
		struct pci_dev *gpu = ioda_npu_get_gpu(k, dev, "ioda groups peer");

		if (gpu) {
			if (is_asked(a, gpu))
				pci_dev_put(gpu, "ioda groups peer");
			else
				a->peers[a->npeers++] = gpu;
			continue;
		}
		for (unsigned int l = 0; a->npeers < MAX_PEERS; l++) {
			struct pci_dev *link = ioda_gpu_get_npu(k, dev, l, "ioda groups peer");

			if (!link)
				break;
			if (is_asked(a, link))
				pci_dev_put(link, "ioda groups peer");
			else
				a->peers[a->npeers++] = link;
		}
	}
}

/*
 * The host's steps for each function that goes to the guest: vfio-pci takes
 * it (driver_override, unbind from whatever has it, probe again); the guest's
 * VFIO container opens each group's /dev/vfio/N.
 */
static void host_steps(const struct advice *a, char lines[][STEP_MAX], unsigned int *n,
		       unsigned int max, int *groups, unsigned int *ngroups)
{
	*n = *ngroups = 0;
	/* The VFs first, where the PF's driver would make them. */
	for (unsigned int i = 0; i < a->nasked && *n < max - 1; i++)
		if (a->asked[i]->num_vfs)
			snprintf(lines[(*n)++], STEP_MAX,
				 "echo %u > /sys/bus/pci/devices/%s/sriov_numvfs",
				 a->asked[i]->num_vfs, pci_dev_peek_name(a->asked[i]));
	snprintf(lines[(*n)++], STEP_MAX, "modprobe vfio-pci");
	for (unsigned int i = 0; i < a->nasked + a->npass; i++) {
		const struct pci_dev *d = i < a->nasked ? a->asked[i] : a->pass[i - a->nasked];
		const char *bdf = pci_dev_peek_name(d);
		bool seen = false;

		if (*n + 3 > max)
			break;
		snprintf(lines[(*n)++], STEP_MAX, "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override",
			 bdf);
		snprintf(lines[(*n)++], STEP_MAX,
			 "[ -e /sys/bus/pci/devices/%s/driver ] && echo %s > "
			 "/sys/bus/pci/devices/%s/driver/unbind%s%s",
			 bdf, bdf, bdf, d->driver[0] ? "   # bound to " : "", d->driver);
		snprintf(lines[(*n)++], STEP_MAX, "echo %s > /sys/bus/pci/drivers_probe", bdf);
		for (unsigned int g = 0; g < *ngroups; g++)
			seen |= groups[g] == d->iommu_group;
		if (!seen && d->iommu_group >= 0 && *ngroups < 64)
			groups[(*ngroups)++] = d->iommu_group;
	}
}

static int advise_json(struct ioda_kernel *k, struct advice *a)
{
	json_object *o = json_object_new_object(), *asked = json_object_new_array();
	json_object *steps = json_object_new_array(), *vfio = json_object_new_array();
	char lines[1 + 4 * 64][STEP_MAX];
	int groups[64];
	unsigned int n, ng;

	a->list = json_object_new_array();
	a->vfs = json_object_new_array();
	a->ok = o && a->list && a->vfs && asked && steps && vfio;
	if (a->ok)
		pci_walk_machine(k->m, advise_one, a);
	if (a->ok)
		pci_walk_machine(k->m, vf_json, a);
	for (unsigned int i = 0; a->ok && i < a->nasked; i++) {
		json_object *d = dev_json(a->asked[i], a->asked[i]->pe_number);

		a->ok = d && ioda_json_add(d, "iommu_group", json_object_new_int(a->asked[i]->iommu_group)) &&
			ioda_json_push(asked, d);
	}
	host_steps(a, lines, &n, sizeof(lines) / sizeof(lines[0]), groups, &ng);
	for (unsigned int i = 0; a->ok && i < n; i++)
		a->ok = ioda_json_push(steps, json_object_new_string(lines[i]));
	for (unsigned int i = 0; a->ok && i < ng; i++) {
		char dev[24];

		snprintf(dev, sizeof(dev), "/dev/vfio/%d", groups[i]);
		a->ok = ioda_json_push(vfio, json_object_new_string(dev));
	}
	if (!a->ok || !ioda_json_add(o, "devices", asked)) {
		json_object_put(asked);
		goto fail;
	}
	if (!ioda_json_add(o, "with", a->list)) {
		a->list = NULL;
		goto fail;
	}
	a->list = NULL;
	if (!ioda_json_add(o, "steps", steps)) {
		steps = NULL;
		goto fail;
	}
	steps = NULL;
	if (!ioda_json_add(o, "vfio", vfio)) {
		vfio = NULL;
		goto fail;
	}
	vfio = NULL;
	if (!ioda_json_add(o, "vfs", a->vfs)) {
		a->vfs = NULL;
		goto fail;
	}
	return write_doc(k, "advice", o, a->out);
fail:
	json_object_put(a->vfs);
	json_object_put(a->list);
	json_object_put(steps);
	json_object_put(vfio);
	json_object_put(o);
	return -ENOMEM;
}

static void advise_text(struct ioda_kernel *k, struct advice *a, FILE *out)
{
	char l[256], lines[1 + 4 * 64][STEP_MAX];
	int groups[64];
	unsigned int n, ng;

	for (unsigned int i = 0; i < a->nasked; i++) {
		const struct pci_dev *dev = a->asked[i];

		label(a, dev, l, sizeof(l));
		fprintf(out, "%s: PE %04x:%x, iommu group %d\n", l, pci_dev_peek_domain_nr(dev),
			dev->pe_number, dev->iommu_group);
	}
	pci_walk_machine(k->m, vf_line, a);
	fprintf(out, "Pass through to the same guest with %s:\n", a->nasked > 1 ? "them" : "it");
	pci_walk_machine(k->m, advise_one, a);
	if (!a->count)
		fprintf(out, "  nothing else: %s alone in %s PE and %s iommu group\n",
			a->nasked > 1 ? "they are" : "it is", a->nasked > 1 ? "their" : "its",
			a->nasked > 1 ? "their" : "its");
	for (unsigned int i = 0; i < sizeof(why_text) / sizeof(why_text[0]); i++)
		if (a->used & (1u << i))
			fprintf(out, "%s %s\n", a->used & ((1u << i) - 1) ? "    " : "Why:",
				why_explained[i]);
	host_steps(a, lines, &n, sizeof(lines) / sizeof(lines[0]), groups, &ng);
	fputs("On the host, as root:\n", out);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "  %s\n", lines[i]);
	fputs("The guest's VFIO container takes", out);
	for (unsigned int i = 0; i < ng; i++)
		fprintf(out, " /dev/vfio/%d", groups[i]);
	fputc('\n', out);
}

const char *ioda_groups_why_none(const struct pci_dev *dev)
{
	if (dev->iommu_group >= 0)
		return NULL;
	if (dev->hdr_type == 1)
		return "it is a bridge: VFIO takes endpoints, and a bridge's PE holds the bus "
		       "below it";
	if (dev->pe_number > 0xffff)
		return "it has no PE: the kernel did not set one up for it (a PHB fenced, a "
		       "device whose PE failed to configure, a VF not enabled)";
	return "its PE has no DMA set-up, so the kernel gave it no iommu group";
}

int ioda_groups_advise(struct ioda_kernel *k, struct pci_dev *const *devs, unsigned int ndevs,
		       bool json, FILE *out)
{
	struct advice a = {.asked = devs, .nasked = ndevs, .out = out};
	int rc = 0;

	for (unsigned int i = 0; i < ndevs; i++)
		if (devs[i]->iommu_group < 0)
			return -ENODEV;
	a.names = ioda_pci_names_new();
	take_peers(k, &a);
	if (json)
		rc = advise_json(k, &a);
	else
		advise_text(k, &a, out);
	for (unsigned int i = 0; i < a.npeers; i++)
		pci_dev_put(a.peers[i], "ioda groups peer");
	ioda_pci_names_free(a.names);
	return rc ? rc : (int)a.count;
}
