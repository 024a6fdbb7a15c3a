/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource assignment at boot, as the PCI core does it on PowerNV, where the
 * kernel (PCI_REASSIGN_ALL_RSRC), not firmware, places every BAR and bridge
 * window.  Per PHB, pci_assign_unassigned_root_bus_resources():
 *
 *  1. scan-time state (pcibios_fixup_resources, pci_reassigndev_resource_
 *     alignment, sriov_init + pnv_pci_ioda_fixup_iov_resources): BARs at 0,
 *     memory BARs smaller than PAGE_SIZE start-aligned to it, IOV BARs of
 *     TotalVFs x VF size, expanded to the PE count for PE alignment;
 *  2. __pci_bus_size_bridges(): windows sized bottom up (pbus_size_io,
 *     pbus_size_mem: 64-bit prefetchable first, then the rest), aligned by
 *     window_alignment() = max(1M or 4K, pnv_pci_window_alignment());
 *     hotplug bridges and IOV BARs put optional sizes on realloc_head;
 *  3. __pci_bus_assign_resources(): a bus's resources sorted by alignment
 *     (pdev_sort_resources), placed first fit from the bottom of the parent
 *     window (allocate_resource), first with the optional sizes, then only
 *     what is required (__assign_resources_sorted), then each bridge's bus,
 *     then the bridge (pnv_pci_fixup_bridge_resources, pci_setup_bridge);
 *  4. with pci=realloc, failed resources' leaf bridges are released and
 *     everything is tried again, up to the bus depth + 1 times.
 *
 * Not modelled: pci_root_bus_distribute_available_resources() (it only acts
 * on hotplug bridges right below a root port), IO space (PHB3/4/5 have none:
 * every IO resource fails), transparent bridges, CardBus.
 *
 * Here: step 1 and the entry points; step 2 is res_size.c, steps 3 and 4
 * res_place.c, the lists, the resource tree and alignment res_tree.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resources_priv.h"

/* ---- scan-time state --------------------------------------------------------------------- */

/* pnv_pci_ioda_fixup_iov_resources(), in the rules of the kernel's version. */
static void fixup_iov(struct assign *a, struct rdev *d)
{
	const struct pci_sriov *iov = &d->pdev->sriov;
	bool split = version_ge(a->k, 5, 9);
	struct ioda_iov_plan plan;
	unsigned int mul;

	ioda_iov_plan(a->k, a->phb, iov, &plan);
	if (plan.bad_bar >= 0) {
		ioda_res_emit(a, d, plan.no_single ? IODA_EV_VF_NO_SINGLE : IODA_EV_VF_NON_M64,
			      (unsigned int)plan.bad_bar, &d->res[R_IOV + plan.bad_bar]);
		goto disable;
	}
	mul = plan.mul;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		d->iov_mode[i] = plan.single[i] ? IOV_SINGLE : IOV_SHARED;
	d->iov_data = true;
	d->vfs_mul = mul;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct rres *r = &d->res[R_IOV + i];
		struct ioda_event ev = { .kind = IODA_EV_VF_EXPANDED, .level = IODA_LOG_INFO };

		if (!r->flags || (split && d->iov_mode[i] == IOV_SINGLE))
			continue;
		r->end = r->start + iov->vf_bar[i].size * mul - 1;
		ev.domain = pci_dev_peek_domain_nr(d->pdev);
		ev.rid = pci_dev_rid(d->pdev);
		ev.n = (int)i;
		ev.m = (int)((r->flags & F_KIND) | a->style);
		ev.a = r->start;
		ev.b = r->end;
		ev.c = mul;
		ioda_emit(a->k, &ev);
	}
	return;
disable:
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		ioda_res_reset(&d->res[R_IOV + i]);
}

/*
 * The state the scan leaves: every BAR unset at 0 (PCI_REASSIGN_ALL_RSRC),
 * memory BARs below PAGE_SIZE start-aligned to it, bridge windows empty, IOV
 * BARs of all VFs.
 */
static void scan_dev(struct assign *a, struct rdev *d)
{
	const struct pci_dev *pdev = d->pdev;

	for (unsigned int i = 0; i <= R_ROM; i++) {
		const struct pci_resource *m = &pdev->resource[i];
		struct rres *r = &d->res[i];

		if (!m->size)
			continue;
		r->flags = (m->flags & F_KIND) | F_SIZEALIGN | F_UNSET;
		r->start = 0;
		r->end = m->size - 1;
		if ((r->flags & PCI_RES_MEM) && m->size < a->page) {
			r->flags = (r->flags & ~F_SIZEALIGN) | F_STARTALIGN;
			r->start = a->page;
			r->end = a->page + m->size - 1;
		}
	}
	for (unsigned int w = 0; w < 3; w++)
		d->res[R_WIN + w] = (struct rres){ .end = UINT64_MAX };
	if (!pdev->sriov.total_vfs || ioda_pci_is_bridge(pdev))
		return;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pci_resource *vf = &pdev->sriov.vf_bar[i];

		if (vf->size)
			d->res[R_IOV + i] = (struct rres){
				.end = vf->size * pdev->sriov.total_vfs - 1,
				.flags = (vf->flags & F_KIND) | F_SIZEALIGN,
			};
	}
	fixup_iov(a, d);
}

/* What the scan printed: bridges, and the IO window real PHB4 root ports read as set. */
static void scan_bus(struct assign *a, const struct pci_bus *bus, unsigned int *n)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		struct rdev *d = &a->devs[(*n)++];

		d->pdev = dev;
		a->hash[dev_slot(a, dev)] = *n;
		scan_dev(a, d);
		if (!dev->subordinate)
			continue;
		scan_bus(a, dev->subordinate, n);
		ioda_res_emit_bridge_to(a, dev->subordinate);
		if (ioda_res_io_hardwired(a, dev)) {
			struct rres io = { .end = 0xfff, .flags = PCI_RES_IO };

			ioda_res_emit(a, d, IODA_EV_BRIDGE_WINDOW, R_WIN + W_IO, &io);
		}
	}
}

static unsigned int count_devs(const struct pci_bus *bus)
{
	unsigned int n = 0;
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		n++;
		if (dev->subordinate)
			n += count_devs(dev->subordinate);
	}
	return n;
}

/* The result, into the machine: where each BAR, IOV BAR and window landed. */
static void write_back(struct assign *a)
{
	for (unsigned int i = 0; i < a->ndevs; i++) {
		struct rdev *d = &a->devs[i];
		struct pci_dev *pdev = d->pdev;

		for (unsigned int j = 0; j <= R_ROM; j++) {
			struct pci_resource *m = &pdev->resource[j];

			m->start = d->res[j].parent ? d->res[j].start : 0;
			m->flags = (m->flags & ~PCI_RES_ASSIGNED) |
				   (d->res[j].parent ? PCI_RES_ASSIGNED : 0);
		}
		for (unsigned int j = 0; j < PCI_STD_NUM_BARS; j++) {
			struct pci_resource *m = &pdev->sriov.vf_bar[j];
			struct rres *r = &d->res[R_IOV + j];

			m->start = r->parent ? r->start : 0;
			m->flags = (m->flags & ~PCI_RES_ASSIGNED) | (r->parent ? PCI_RES_ASSIGNED : 0);
		}
		if (!pdev->subordinate)
			continue;
		for (unsigned int w = 0; w < 3; w++) {
			struct rres *r = &d->res[R_WIN + w];

			pdev->resource[PCI_BRIDGE_IO_WINDOW + w] =
				r->parent ? (struct pci_resource){ r->start, rsize(r),
								   (r->flags & F_KIND) |
									   PCI_RES_ASSIGNED }
					  : (struct pci_resource){ 0 };
		}
	}
}

/* The root bus's windows: M32, and M64 less the reserved and root PEs' segments. */
static void root_windows(struct assign *a)
{
	struct ioda_phb *phb = a->phb;
	struct rres *m32 = &a->root[0], *m64 = &a->root[1];

	m32->start = phb->m32_cpu_base;
	m32->end = phb->m32_cpu_base + phb->m32_size - 0x10000 - 1;
	m32->flags = PCI_RES_MEM;
	if (!phb->m64_size)
		return;
	m64->start = phb->m64_base;
	m64->end = phb->m64_base + phb->m64_size - 1;
	m64->flags = PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH;
	m64->high = true;
	if (phb->reserved_pe_idx == 0)
		m64->start += 2 * phb->m64_segsize;
	else if (phb->reserved_pe_idx == phb->total_pe_num - 1)
		m64->end -= 2 * phb->m64_segsize;
}

/* lib/cmdline.c memparse(): a C number, then K, M, G, T, P or E. */
static uint64_t memparse(const char *s)
{
	static const char units[] = "KMGTPE";
	char *e;
	uint64_t v = strtoull(s, &e, 0);
	const char *u = *e ? strchr(units, toupper((unsigned char)*e)) : NULL;

	return u ? v << (10 * (u - units + 1)) : v;
}

static bool opt_is(const char *q, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n >= l && !strncmp(q, name, l);
}

/*
 * drivers/pci/pci.c pci_setup(): the "pci=" options that change assignment,
 * each comma-separated word matched by its prefix as the kernel does, in
 * command-line order. hpmmiosize and hpmmioprefsize came in 5.7; before,
 * hpmemsize was the one size of both memory reserves.
 */
static void pci_params(struct assign *a, const char *cmdline)
{
	bool split = version_ge(a->k, 5, 7);

	a->hp_io = HP_IO;
	a->hp_mmio = a->hp_pref = HP_MMIO;
	a->pci_realloc = false;
	for (const char *p = cmdline; p && (p = strstr(p, "pci=")); p += 4) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		/* Each comma-separated word on its own, as pci_setup() splits them. */
		for (const char *q = p + 4; *q && *q != ' '; q += *q == ',') {
			size_t n = strcspn(q, ", ");

			if (opt_is(q, n, "realloc="))
				/* pci_realloc_get_opt(): "off" or "on", else unchanged */
				a->pci_realloc = !strncmp(q + 8, "off", 3)	 ? false
					     : !strncmp(q + 8, "on", 2) ? true
									 : a->pci_realloc;
			else if (opt_is(q, n, "realloc"))
				a->pci_realloc = true;
			else if (opt_is(q, n, "hpiosize="))
				a->hp_io = memparse(q + 9);
			else if (split && opt_is(q, n, "hpmmiosize="))
				a->hp_mmio = memparse(q + 11);
			else if (split && opt_is(q, n, "hpmmioprefsize="))
				a->hp_pref = memparse(q + 15);
			else if (opt_is(q, n, "hpmemsize="))
				a->hp_mmio = a->hp_pref = memparse(q + 10);
			q += n;
		}
	}
}

/* Memory without an address; IO never has one on PowerNV (no IO space). */
static bool unplaced(const struct pci_resource *r)
{
	return r->size && (r->flags & PCI_RES_MEM) && !(r->flags & PCI_RES_ASSIGNED);
}

static int dev_unplaced(void *arg, struct pci_dev *dev, unsigned int depth)
{
	for (unsigned int i = 0; i <= PCI_ROM_RESOURCE; i++)
		if (unplaced(&dev->resource[i]))
			return 1;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS && dev->sriov.total_vfs; i++)
		if (unplaced(&dev->sriov.vf_bar[i]))
			return 1;
	return 0;
}

/* The PHB's own tree only: a walk of the machine's devices per PHB grew as PHBs squared. */
bool ioda_phb_needs_assignment(const struct ioda_phb *phb)
{
	return pci_walk_bus_locked(phb->domain->root_bus, dev_unplaced, NULL) != 0;
}

int ioda_assign_resources(struct ioda_phb *phb, const struct ioda_boot_opts *opts)
{
	struct ioda_kernel *k = phb->kernel;
	struct pci_bus *root = phb->domain->root_bus;
	struct assign a = { .k = k, .phb = phb };
	unsigned int n = 0, cap;
	struct entry *pool;

	a.ndevs = count_devs(root);
	cap = (a.ndevs + 1) * R_NUM;
	a.hash_mask = 1;
	while (a.hash_mask < 2 * (a.ndevs + 1))
		a.hash_mask <<= 1;
	a.devs = ioda_calloc(k->ctx, a.ndevs + 1, sizeof(*a.devs));
	a.hash = ioda_calloc(k->ctx, a.hash_mask--, sizeof(*a.hash));
	/* Entries are written before they are read (the lists grow from 0). */
	pool = ioda_alloc(k->ctx, 5 * (size_t)cap * sizeof(*pool));
	if (!a.devs || !a.hash || !pool) {
		ioda_free(k->ctx, a.devs);
		ioda_free(k->ctx, a.hash);
		ioda_free(k->ctx, pool);
		return -ENOMEM;
	}
	a.realloc.v = pool;
	a.fail.v = pool + cap;
	a.head.v = pool + 2 * cap;
	a.save.v = pool + 3 * cap;
	a.local.v = pool + 4 * cap;
	a.page = 1ull << k->profile.page_shift;
	a.qemu = strstr(k->m->model, "emulated by qemu") != NULL;
	a.style = opts->res_style & (IODA_RES_NEW_NAMES | IODA_RES_NO_IOV);
	if (!(opts->res_style & (IODA_RES_NEW_NAMES | IODA_RES_OLD_NAMES)) &&
	    version_ge(k, 6, 8))
		a.style |= IODA_RES_NEW_NAMES;
	root_windows(&a);
	scan_bus(&a, root, &n);
	pci_params(&a, opts->cmdline);
	ioda_res_assign_root(&a, root, a.pci_realloc);
	write_back(&a);
	ioda_free(k->ctx, pool);
	ioda_free(k->ctx, a.hash);
	ioda_free(k->ctx, a.devs);
	return 0;
}

