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
static int write_doc(const char *kernel, const char *key, json_object *v, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-groups/1");

	if (!o || !ioda_json_add(o, "kernel", json_object_new_string(kernel))) {
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
	return write_doc(k->profile.name, "groups", groups, out);
}

/* ---- the advisor ----------------------------------------------------------------- */

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

#define NWHY (sizeof(why_text) / sizeof(why_text[0]))

/* While the advice is built: the devices asked about and their peers, held. */
struct advice_build {
	struct ioda_kernel *k;
	struct pci_dev **asked; /* held: "ioda advice" */
	unsigned int nasked;
	struct pci_dev *peers[MAX_PEERS]; /* held: "ioda advice peer" */
	unsigned int npeers;
	struct ioda_pci_names *names;
	struct ioda_advice *a;
	bool ok;
};

static void info_fill(struct advice_build *b, const struct pci_dev *d, unsigned int why,
		      struct ioda_device_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->bdf, sizeof(info->bdf), "%.15s", pci_dev_peek_name(d));
	info->vendor = d->vendor;
	info->device = d->device;
	info->class_code = d->class;
	snprintf(info->class_name, sizeof(info->class_name), "%s", pci_class_name(d->class));
	if (!ioda_pci_names_lookup(b->names, d->vendor, d->device, info->name, sizeof(info->name)))
		info->name[0] = '\0';
	/* A device's driver fields change under the kernel lock (ioda_driver_bind). */
	pthread_mutex_lock(&b->k->lock);
	snprintf(info->driver, sizeof(info->driver), "%s", d->driver);
	pthread_mutex_unlock(&b->k->lock);
	info->domain = pci_dev_peek_domain_nr(d);
	info->pe = d->pe_number;
	info->iommu_group = d->iommu_group;
	info->why = why;
}

/* Appends @d to the list @list of @n; false when out of memory. */
static bool info_push(struct advice_build *b, const struct pci_dev *d, unsigned int why,
		      struct ioda_device_info **list, unsigned int *n)
{
	struct ioda_device_info *grown = ioda_realloc(b->k->ctx, *list, (*n + 1) * sizeof(**list));

	if (!grown)
		return false;
	*list = grown;
	info_fill(b, d, why, &grown[(*n)++]);
	return true;
}

static bool is_asked(const struct advice_build *b, const struct pci_dev *d)
{
	for (unsigned int i = 0; i < b->nasked; i++)
		if (b->asked[i] == d)
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

static unsigned int why_of(const struct advice_build *b, const struct pci_dev *d)
{
	unsigned int why = 0;

	if (is_asked(b, d))
		return 0;
	for (unsigned int i = 0; i < b->nasked; i++)
		why |= why_with(b->asked[i], d);
	for (unsigned int i = 0; i < b->npeers; i++) {
		if (b->peers[i] == d)
			why |= IODA_WHY_NVLINK_PEER;
		else if (d->iommu_group >= 0 && d->iommu_group == b->peers[i]->iommu_group &&
			 !(why & IODA_WHY_SAME_GROUP))
			why |= IODA_WHY_PEER_GROUP;
	}
	return why;
}

static int with_one(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice_build *b = arg;
	unsigned int why = why_of(b, d);

	if (why && b->ok) {
		b->ok = info_push(b, d, why, &b->a->with, &b->a->nwith);
		b->a->whys |= why;
	}
	return 0;
}

/* A VF of a PF asked about: each goes to a guest alone, in its own PE and group. */
static int vf_one(void *arg, struct pci_dev *d, unsigned int depth)
{
	struct advice_build *b = arg;

	if (b->ok && d->is_virtfn && is_asked(b, d->physfn))
		b->ok = info_push(b, d, 0, &b->a->vfs, &b->a->nvfs);
	return 0;
}

/* The asked devices' GPUs or links, as counted references. */
static void take_peers(struct advice_build *b)
{
	for (unsigned int i = 0; i < b->nasked && b->npeers < MAX_PEERS; i++) {
		struct pci_dev *dev = b->asked[i];
		struct pci_dev *gpu = ioda_npu_get_gpu(b->k, dev, "ioda advice peer");

		if (gpu) {
			if (is_asked(b, gpu))
				pci_dev_put(gpu, "ioda advice peer");
			else
				b->peers[b->npeers++] = gpu;
			continue;
		}
		for (unsigned int l = 0; b->npeers < MAX_PEERS; l++) {
			struct pci_dev *link = ioda_gpu_get_npu(b->k, dev, l, "ioda advice peer");

			if (!link)
				break;
			if (is_asked(b, link))
				pci_dev_put(link, "ioda advice peer");
			else
				b->peers[b->npeers++] = link;
		}
	}
}

/*
 * The host's steps for each function that goes to the guest: vfio-pci takes
 * it (driver_override, unbind from whatever has it, probe again); the guest's
 * VFIO container opens each group's /dev/vfio/N.
 */
static bool host_steps(struct advice_build *b)
{
	struct ioda_advice *a = b->a;
	unsigned int max = 1 + a->nasked + 3 * (a->nasked + a->nwith);

	a->steps = ioda_calloc(b->k->ctx, max, sizeof(a->steps[0]));
	a->groups = ioda_calloc(b->k->ctx, a->nasked + a->nwith, sizeof(a->groups[0]));
	if (!a->steps || !a->groups)
		return false;
	/* The VFs first, where the PF's driver would make them. */
	for (unsigned int i = 0; i < b->nasked; i++)
		if (b->asked[i]->num_vfs)
			snprintf(a->steps[a->nsteps++], sizeof(a->steps[0]),
				 "echo %u > /sys/bus/pci/devices/%s/sriov_numvfs",
				 b->asked[i]->num_vfs, a->asked[i].bdf);
	snprintf(a->steps[a->nsteps++], sizeof(a->steps[0]), "modprobe vfio-pci");
	for (unsigned int i = 0; i < a->nasked + a->nwith; i++) {
		const struct ioda_device_info *d = i < a->nasked ? &a->asked[i]
								 : &a->with[i - a->nasked];
		bool seen = false;

		snprintf(a->steps[a->nsteps++], sizeof(a->steps[0]),
			 "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", d->bdf);
		snprintf(a->steps[a->nsteps++], sizeof(a->steps[0]),
			 "[ -e /sys/bus/pci/devices/%s/driver ] && echo %s > "
			 "/sys/bus/pci/devices/%s/driver/unbind%s%s",
			 d->bdf, d->bdf, d->bdf, d->driver[0] ? "   # bound to " : "", d->driver);
		snprintf(a->steps[a->nsteps++], sizeof(a->steps[0]),
			 "echo %s > /sys/bus/pci/drivers_probe", d->bdf);
		for (unsigned int g = 0; g < a->ngroups; g++)
			seen |= a->groups[g] == d->iommu_group;
		if (!seen && d->iommu_group >= 0)
			a->groups[a->ngroups++] = d->iommu_group;
	}
	return true;
}

/* The functions named @bdfs, held; -EINVAL, -ENOENT or -ENODEV with @err set. */
static int take_asked(struct advice_build *b, const char *const *bdfs, struct ioda_error *err)
{
	for (unsigned int i = 0; i < b->a->nasked; i++) {
		unsigned int domain, bus, slot, fn;
		struct pci_dev *d;
		const char *why;
		int n = 0;

		if (sscanf(bdfs[i], "%4x:%2x:%2x.%1u%n", &domain, &bus, &slot, &fn, &n) != 4 ||
		    bdfs[i][n] || slot > 0x1f || fn > 7) {
			ioda_error_set(err, "%s: bad device (expected DDDD:BB:DD.F)", bdfs[i]);
			return -EINVAL;
		}
		d = pci_get_domain_bus_and_slot(b->k->m, (int)domain, bus, PCI_DEVFN(slot, fn),
						"ioda advice");
		if (!d) {
			ioda_error_set(err, "%s: no such device", bdfs[i]);
			return -ENOENT;
		}
		b->asked[b->nasked++] = d;
		why = ioda_groups_why_none(d);
		if (why) {
			ioda_error_set(err, "%s has no iommu group, so it cannot be passed through: %s",
				       bdfs[i], why);
			return -ENODEV;
		}
		info_fill(b, d, 0, &b->a->asked[i]);
	}
	return 0;
}

int ioda_advise(struct ioda_kernel *k, const char *const *bdfs, unsigned int n,
		struct ioda_advice **out, struct ioda_error *err)
{
	struct advice_build b = { .k = k, .ok = true };
	int rc = -ENOMEM;

	*out = NULL;
	b.a = ioda_zalloc(k->ctx, sizeof(*b.a));
	if (b.a)
		b.a->ctx = k->ctx;
	b.asked = ioda_calloc(k->ctx, n ? n : 1, sizeof(*b.asked));
	if (!b.a || !b.asked)
		goto out;
	snprintf(b.a->kernel, sizeof(b.a->kernel), "%s", k->profile.name);
	b.a->asked = ioda_calloc(k->ctx, n ? n : 1, sizeof(*b.a->asked));
	if (!b.a->asked)
		goto out;
	b.a->nasked = n;
	b.names = ioda_pci_names_new();
	/* PEs and groups hold still while read: hotplug and EEH change them under it. */
	ioda_lock_rescan_remove(k);
	rc = take_asked(&b, bdfs, err);
	if (!rc) {
		take_peers(&b);
		pci_walk_machine(k->m, with_one, &b);
		pci_walk_machine(k->m, vf_one, &b);
	}
	ioda_unlock_rescan_remove(k);
	if (!rc)
		rc = b.ok && host_steps(&b) ? 0 : -ENOMEM;
out:
	if (rc == -ENOMEM)
		ioda_error_set(err, "out of memory");
	for (unsigned int i = 0; i < b.npeers; i++)
		pci_dev_put(b.peers[i], "ioda advice peer");
	for (unsigned int i = 0; i < b.nasked; i++)
		pci_dev_put(b.asked[i], "ioda advice");
	ioda_free(k->ctx, b.asked);
	ioda_pci_names_free(b.names);
	if (rc)
		ioda_advice_free(b.a);
	else
		*out = b.a;
	return rc;
}

void ioda_advice_free(struct ioda_advice *a)
{
	if (!a)
		return;
	ioda_free(a->ctx, a->asked);
	ioda_free(a->ctx, a->with);
	ioda_free(a->ctx, a->vfs);
	ioda_free(a->ctx, a->steps);
	ioda_free(a->ctx, a->groups);
	ioda_free(a->ctx, a);
}

/* "BDF [vvvv:dddd] CLASS (VENDOR DEVICE)", the name where pci.ids has one. */
static void label(const struct ioda_device_info *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s [%04x:%04x] %s%s%s%s", d->bdf, d->vendor, d->device, d->class_name,
		 d->name[0] ? " (" : "", d->name, d->name[0] ? ")" : "");
}

int ioda_advice_text(const struct ioda_advice *a, FILE *out)
{
	bool many = a->nasked > 1;
	char l[256];

	for (unsigned int i = 0; i < a->nasked; i++) {
		label(&a->asked[i], l, sizeof(l));
		fprintf(out, "%s: PE %04x:%x, iommu group %d\n", l, a->asked[i].domain,
			a->asked[i].pe, a->asked[i].iommu_group);
	}
	for (unsigned int i = 0; i < a->nvfs; i++) {
		label(&a->vfs[i], l, sizeof(l));
		fprintf(out, "  VF %s: PE %04x:%x, iommu group %d\n", l, a->vfs[i].domain,
			a->vfs[i].pe, a->vfs[i].iommu_group);
	}
	fprintf(out, "Pass through to the same guest with %s:\n", many ? "them" : "it");
	for (unsigned int i = 0; i < a->nwith; i++) {
		const char *sep = "";

		label(&a->with[i], l, sizeof(l));
		fprintf(out, "  %s: ", l);
		for (unsigned int w = 0; w < NWHY; w++)
			if (a->with[i].why & (1u << w)) {
				fprintf(out, "%s%s", sep, why_text[w]);
				sep = "; ";
			}
		fputc('\n', out);
	}
	if (!a->nwith)
		fprintf(out, "  nothing else: %s alone in %s PE and %s iommu group\n",
			many ? "they are" : "it is", many ? "their" : "its", many ? "their" : "its");
	for (unsigned int w = 0; w < NWHY; w++)
		if (a->whys & (1u << w))
			fprintf(out, "%s %s\n", a->whys & ((1u << w) - 1) ? "    " : "Why:",
				why_explained[w]);
	fputs("On the host, as root:\n", out);
	for (unsigned int i = 0; i < a->nsteps; i++)
		fprintf(out, "  %s\n", a->steps[i]);
	fputs("The guest's VFIO container takes", out);
	for (unsigned int i = 0; i < a->ngroups; i++)
		fprintf(out, " /dev/vfio/%d", a->groups[i]);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

static json_object *info_json(const struct ioda_device_info *d, bool group)
{
	json_object *o = json_object_new_object();
	char id[16];

	snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
	if (o && ioda_json_add(o, "device", json_object_new_string(d->bdf)) &&
	    ioda_json_add(o, "id", json_object_new_string(id)) &&
	    ioda_json_add(o, "class", json_object_new_string(d->class_name)) &&
	    ioda_json_add(o, "pe", json_object_new_int((int32_t)d->pe)) &&
	    (!group || ioda_json_add(o, "iommu_group", json_object_new_int(d->iommu_group))))
		return o;
	json_object_put(o);
	return NULL;
}

static json_object *why_json(unsigned int why)
{
	json_object *reasons = json_object_new_array();

	for (unsigned int i = 0; reasons && i < NWHY; i++)
		if ((why & (1u << i)) && !ioda_json_push(reasons, json_object_new_string(why_text[i]))) {
			json_object_put(reasons);
			return NULL;
		}
	return reasons;
}

/* @n devices as a JSON array: with their group, or with why they go. */
static json_object *infos_json(const struct ioda_device_info *d, unsigned int n, bool why)
{
	json_object *list = json_object_new_array();

	for (unsigned int i = 0; list && i < n; i++) {
		json_object *o = info_json(&d[i], !why);

		if (o && why && !ioda_json_add(o, "why", why_json(d[i].why))) {
			json_object_put(o);
			o = NULL;
		}
		if (!ioda_json_push(list, o)) {
			json_object_put(list);
			return NULL;
		}
	}
	return list;
}

int ioda_advice_json(const struct ioda_advice *a, FILE *out)
{
	json_object *o = json_object_new_object(), *steps = json_object_new_array();
	json_object *vfio = json_object_new_array();
	bool ok = o && steps && vfio;

	for (unsigned int i = 0; ok && i < a->nsteps; i++)
		ok = ioda_json_push(steps, json_object_new_string(a->steps[i]));
	for (unsigned int i = 0; ok && i < a->ngroups; i++) {
		char dev[24];

		snprintf(dev, sizeof(dev), "/dev/vfio/%d", a->groups[i]);
		ok = ioda_json_push(vfio, json_object_new_string(dev));
	}
	ok = ok && ioda_json_add(o, "devices", infos_json(a->asked, a->nasked, false)) &&
	     ioda_json_add(o, "with", infos_json(a->with, a->nwith, true));
	if (ok) {
		ok = ioda_json_add(o, "steps", steps);
		steps = NULL;
	}
	if (ok) {
		ok = ioda_json_add(o, "vfio", vfio);
		vfio = NULL;
	}
	ok = ok && ioda_json_add(o, "vfs", infos_json(a->vfs, a->nvfs, false));
	json_object_put(steps);
	json_object_put(vfio);
	if (!ok) {
		json_object_put(o);
		return -ENOMEM;
	}
	return write_doc(a->kernel, "advice", o, out);
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
