/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV on PowerNV (pci-sriov.c): a VF PE per VF from a contiguous run of
 * PE numbers, the PF's IOV BARs mapped through spare M64 BARs — one
 * segmented BAR per IOV BAR, shifted so VF i lands in the segment of PE
 * base+i, or one single-PE BAR per VF when the VF BAR is too big for that —
 * then each VF set up as a device of its own PE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <ioda/eeh.h>

#include "kernel_priv.h"

#define SZ_32M (32ull << 20)

/* What the kernel keeps for an enabled PF (struct pnv_iov_data). */
struct iov_state {
	struct ioda_iov_plan plan;
	unsigned int base_pe;
	uint64_t used_m64; /* M64 BARs this PF took */
	bool need_shift;
	uint64_t iov_end[PCI_STD_NUM_BARS]; /* the expanded IOV BARs' ends */
};

static bool present(const struct pci_resource *r)
{
	return r->size != 0;
}

static bool m64_flags(unsigned int flags)
{
	return (flags & (PCI_RES_MEM64 | PCI_RES_PREFETCH)) == (PCI_RES_MEM64 | PCI_RES_PREFETCH);
}

void ioda_iov_plan(const struct ioda_kernel *k, const struct ioda_phb *phb,
		   const struct pci_sriov *iov, struct ioda_iov_plan *plan)
{
	const struct ioda_profile *p = &k->profile;
	bool per_bar = p->major > 5 || (p->major == 5 && p->minor >= 9);
	uint64_t gate = phb->m64_segsize >> 2, total = 0;

	*plan = (struct ioda_iov_plan){ .bad_bar = -1, .mul = phb->total_pe_num };
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		uint64_t vf = iov->vf_bar[i].size;

		if (!present(&iov->vf_bar[i]))
			continue;
		if (!m64_flags(iov->vf_bar[i].flags)) {
			plan->bad_bar = (int)i;
			return;
		}
		if (per_bar && vf > gate) {
			/* PHB3 aligns a single-PE BAR to 32M at least. */
			if (vf < SZ_32M) {
				plan->bad_bar = (int)i;
				plan->no_single = true;
				return;
			}
			plan->single[i] = true;
			continue;
		}
		total += vf;
		if (!per_bar && total > gate) {
			plan->mul = 1;
			while (plan->mul < iov->total_vfs)
				plan->mul <<= 1;
			for (unsigned int j = 0; j < PCI_STD_NUM_BARS; j++)
				plan->single[j] = true;
			return;
		}
	}
}

/* "[mem 0x...-0x... 64bit pref]" */
static void res_str(char *buf, size_t len, uint64_t start, uint64_t end)
{
	snprintf(buf, len, "[mem 0x%08" PRIx64 "-0x%08" PRIx64 " 64bit pref]", start, end);
}

static int alloc_m64_bar(struct ioda_phb *phb, struct iov_state *st)
{
	for (unsigned int win = 0; win <= phb->m64_bar_idx && win < 64; win++) {
		if (phb->m64_bar_alloc & (1ull << win))
			continue;
		phb->m64_bar_alloc |= 1ull << win;
		st->used_m64 |= 1ull << win;
		return (int)win;
	}
	return -1;
}

static void release_m64(struct ioda_phb *phb, struct iov_state *st)
{
	for (unsigned int win = 0; win < 64; win++) {
		if (!(st->used_m64 & (1ull << win)))
			continue;
		opal_pci_phb_mmio_enable(phb->kernel->opal, phb->opal_id, OPAL_M64_WINDOW_TYPE,
					 (uint16_t)win, OPAL_DISABLE_M64);
		phb->m64_bar_alloc &= ~(1ull << win);
	}
	st->used_m64 = 0;
}

/* pnv_pci_vf_assign_m64() */
static int assign_m64(struct ioda_phb *phb, struct pci_dev *pf, struct iov_state *st,
		      unsigned int nvfs)
{
	struct ioda_opal *opal = phb->kernel->opal;

	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pci_resource *vf = &pf->sriov.vf_bar[i];
		int64_t rc = OPAL_SUCCESS;
		int win;

		if (!present(vf) || !(vf->flags & PCI_RES_ASSIGNED))
			continue;
		if (!st->plan.single[i]) {
			win = alloc_m64_bar(phb, st);
			if (win < 0)
				return -EBUSY;
			rc = opal_pci_set_phb_mem_window(opal, phb->opal_id, OPAL_M64_WINDOW_TYPE,
							 (uint16_t)win, vf->start, 0,
							 vf->size * st->plan.mul);
			if (!rc)
				rc = opal_pci_phb_mmio_enable(opal, phb->opal_id,
							      OPAL_M64_WINDOW_TYPE, (uint16_t)win,
							      OPAL_ENABLE_M64_SPLIT);
			if (rc) {
				ioda_printf(phb->kernel, IODA_LOG_ERR,
					    "Failed to map M64 window #%d: %lld", win, (long long)rc);
				return -EBUSY;
			}
			continue;
		}
		for (unsigned int j = 0; j < nvfs; j++) {
			win = alloc_m64_bar(phb, st);
			if (win < 0)
				return -EBUSY;
			/* pnv_ioda_map_m64_single(): the PE first, then the window. */
			rc = opal_pci_map_pe_mmio_window(opal, phb->opal_id, st->base_pe + j,
							 OPAL_M64_WINDOW_TYPE, (uint16_t)win, 0);
			if (!rc)
				rc = opal_pci_set_phb_mem_window(opal, phb->opal_id,
								 OPAL_M64_WINDOW_TYPE, (uint16_t)win,
								 vf->start + vf->size * j, 0,
								 vf->size);
			if (!rc)
				rc = opal_pci_phb_mmio_enable(opal, phb->opal_id,
							      OPAL_M64_WINDOW_TYPE, (uint16_t)win,
							      OPAL_ENABLE_M64_NON_SPLIT);
			if (rc) {
				ioda_printf(phb->kernel, IODA_LOG_ERR, "Error mapping single PE BAR");
				return -EBUSY;
			}
		}
	}
	return 0;
}

/*
 * pnv_pci_vf_resource_shift(): the IOV BAR's start moves by @offset VFs so
 * VF i lands in the segment of PE base+i; its end stays where the expansion
 * put it.  A range that would pass the end refuses the whole shift.
 */
static int resource_shift(struct ioda_kernel *k, struct pci_dev *pf, struct iov_state *st,
			  int offset, unsigned int nvfs)
{
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
			struct pci_resource *vf = &pf->sriov.vf_bar[i];
			uint64_t end = st->iov_end[i];
			uint64_t start = vf->start + vf->size * (uint64_t)(int64_t)offset;
			char from[64], to[64];

			if (!present(vf) || !(vf->flags & PCI_RES_ASSIGNED) || st->plan.single[i])
				continue;
			res_str(from, sizeof(from), vf->start, end);
			if (pass == 0) {
				if (start + vf->size * nvfs - 1 <= end)
					continue;
				res_str(to, sizeof(to), start, start + vf->size * nvfs - 1);
				ioda_printf(k, IODA_LOG_ERR,
					    "pci %s: VF BAR%u: %s would extend past %s (trying to enable %u VFs shifted by %d)",
					    pci_dev_peek_name(pf), i, to, from, nvfs, offset);
				return -EBUSY;
			}
			res_str(to, sizeof(to), start, end);
			ioda_printf(k, IODA_LOG_INFO,
				    "pci %s: VF BAR%u: %s shifted to %s (%sabling %u VFs shifted by %d)",
				    pci_dev_peek_name(pf), i, from, to, offset > 0 ? "En" : "Dis", nvfs,
				    offset);
			pf->vf_bar_moved[i] += (int64_t)(start - vf->start);
			vf->start = start;
		}
	}
	return 0;
}

/* The VF's RID: the PF's, plus First VF Offset, plus VF Stride per VF. */
static unsigned int vf_rid(const struct pci_dev *pf, unsigned int i)
{
	return pci_dev_rid(pf) + pf->sriov.vf_offset + pf->sriov.vf_stride * i;
}

/* pnv_ioda_setup_vf_PE(): a VF PE per VF, configured, with its DMA. */
/*
 * Whether the RID of a function about to be added on @bus is a VF's of an
 * enabled PF: a rescan never finds a function there (VFs answer only as
 * VFs, made by sriov_enable), so nothing can be added at it.
 */
const struct pci_dev *ioda_sriov_rid_owner(struct ioda_kernel *k, const struct pci_bus *bus,
					   uint8_t devfn)
{
	unsigned int rid = (unsigned int)bus->number << 8 | devfn;
	struct pci_dev *pf;

	ioda_list_for_each_entry(pf, &k->m->devices, all_node) {
		if (pf->bus->domain != bus->domain || !pf->num_vfs)
			continue;
		for (unsigned int i = 0; i < pf->num_vfs; i++)
			if (vf_rid(pf, i) == rid)
				return pf;
	}
	return NULL;
}

static void setup_vf_pes(struct ioda_phb *phb, struct pci_dev *pf, struct iov_state *st,
			 unsigned int nvfs)
{
	for (unsigned int i = 0; i < nvfs; i++) {
		struct ioda_pe *pe = &phb->pe_array[st->base_pe + i];
		unsigned int rid = vf_rid(pf, i);
		struct ioda_event ev = { .kind = IODA_EV_PE_MESSAGE, .level = IODA_LOG_INFO };
		char msg[80];

		pe->flags = IODA_PE_VF;
		pe->pbus = NULL;
		pe->parent_dev = pf;
		pe->mve_number = -1;
		pe->rid = (uint16_t)rid;
		/* Decimal fields, and the PF's bus: the kernel's own format. */
		if (phb->kernel->emit) {
			snprintf(msg, sizeof(msg), "VF %04d:%02d:%02d.%d associated with PE#%x",
				 pci_dev_peek_domain_nr(pf), pf->bus->number, PCI_SLOT(rid),
				 PCI_FUNC(rid), pe->pe_number);
			ev.text = msg;
			ioda_emit_pe(pe, &ev);
		}
		if (ioda_configure_pe(phb, pe)) {
			ioda_pe_free(pe);
			continue;
		}
		ioda_list_add_tail(&pe->list, &phb->pe_list);
		ioda_setup_dma_pe(phb, pe);
		if (pe->group < 0)
			ioda_group_register(phb->kernel, pe); /* < 5.8: here too */
	}
}

/* VF @i as a device of the PF's bus (pci_iov_add_virtfn), then set up. */
static int add_vf(struct ioda_kernel *k, struct ioda_phb *phb, struct pci_dev *pf,
		  struct iov_state *st, unsigned int i)
{
	struct ioda_topo_node node = { .secondary = -1, .subordinate = -1 };
	unsigned int rid = vf_rid(pf, i);
	struct ioda_error err;
	struct pci_dev *vf;
	int rc;

	node.pos.file = "sriov";
	node.devfn = (uint8_t)rid;
	node.vendor = pf->vendor;
	node.device = pf->sriov.vf_device;
	node.class = pf->class;
	node.pcie_type = PCIE_TYPE_ENDPOINT;
	for (unsigned int b = 0; b < PCI_STD_NUM_BARS; b++) {
		const struct pci_resource *bar = &pf->sriov.vf_bar[b];

		if (!present(bar))
			continue;
		node.resource[b] = *bar;
		node.resource[b].start = bar->start + bar->size * i;
	}
	rc = pci_hot_add_locked(k->m, pf->bus, &node, &vf, "sriov", &err);
	if (rc) {
		ioda_printf(k, IODA_LOG_ERR, "pci %s: VF %u: %s", pci_dev_peek_name(pf), i,
			    err.msg);
		return rc;
	}
	vf->is_virtfn = true;
	vf->physfn = pci_dev_get(pf, "virtfn");
	/*
	 * A VF whose PE failed to configure has none: the kernel's freed PE
	 * would still be named by its pci_dn and given the VF by
	 * pnv_pci_ioda_fixup_iov(); ioda leaves the VF out of every PE.
	 */
	if (!ioda_pe_allocated(phb, st->base_pe + i)) {
		ioda_printf(k, IODA_LOG_WARNING, "pci %s: VF has no PE: PE#%x failed to configure",
			    pci_dev_peek_name(vf), st->base_pe + i);
		pci_dev_put(vf, "sriov");
		return 0;
	}
	/* pnv_pci_ioda_fixup_iov(): a VF PE names its device. */
	phb->pe_array[st->base_pe + i].pdev = vf;
	if (k->profile.pe_at_device_add) {
		ioda_dma_dev_setup(phb, vf);
	} else {
		struct ioda_pe *pe = &phb->pe_array[st->base_pe + i];

		vf->pe_number = pe->pe_number;
		pe->device_count++;
		ioda_group_add_dev(k, pe, vf);
	}
	pci_dev_put(vf, "sriov");
	return 0;
}

static int add_vfs(struct ioda_kernel *k, struct ioda_phb *phb, struct pci_dev *pf,
		   struct iov_state *st, unsigned int nvfs)
{
	int rc = 0;

	for (unsigned int i = 0; i < nvfs && !rc; i++)
		rc = add_vf(k, phb, pf, st, i);
	return rc;
}

void ioda_sriov_remove_vf(struct ioda_kernel *k, struct ioda_pe *pe)
{
	struct pci_dev *vf = pe->pdev;

	if (!vf)
		return;
	ioda_machine_write_lock(k->m);
	pci_stop_and_remove_locked(k->m, vf);
	ioda_machine_unlock(k->m);
}

int ioda_sriov_readd_vf(struct ioda_kernel *k, struct ioda_pe *pe)
{
	struct pci_dev *pf = pe->parent_dev;
	struct iov_state *st = pf ? pf->iov_data : NULL;
	int rc;

	if (!st || pe->pdev)
		return -EINVAL;
	ioda_machine_write_lock(k->m);
	pthread_mutex_lock(&k->lock);
	rc = add_vf(k, pe->phb, pf, st, pe->pe_number - st->base_pe);
	pthread_mutex_unlock(&k->lock);
	ioda_machine_unlock(k->m);
	return rc;
}

static int sriov_enable(struct ioda_kernel *k, struct pci_dev *pf, unsigned int nvfs)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(pf));
	struct iov_state *st;
	struct ioda_pe *base;
	int rc;

	if (!phb || phb->type != IODA_PNV_PHB_IODA2) {
		ioda_printf(k, IODA_LOG_ERR, "pci %s: SR-IOV is not supported on this PHB",
			    pci_dev_peek_name(pf));
		return -ENXIO;
	}
	/* A PF removed while its caller held it: no VFs for it any more. */
	if (pf->removed)
		return -ENODEV;
	if (!pf->sriov.total_vfs || nvfs == 0 || nvfs > pf->sriov.total_vfs || pf->num_vfs)
		return -EINVAL;
	if (vf_rid(pf, nvfs - 1) >> 8 != pf->bus->number) {
		ioda_printf(k, IODA_LOG_ERR, "pci %s: VFs on a bus of their own are not modelled",
			    pci_dev_peek_name(pf));
		return -ENOSPC;
	}
	st = ioda_zalloc(k->ctx, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ioda_iov_plan(k, phb, &pf->sriov, &st->plan);
	if (st->plan.bad_bar >= 0) {
		ioda_printf(k, IODA_LOG_INFO,
			    "pci %s: don't support this SRIOV device with non 64bit-prefetchable IOV BAR",
			    pci_dev_peek_name(pf));
		rc = -ENOSPC;
		goto free_state;
	}
	ioda_machine_write_lock(k->m);
	pthread_mutex_lock(&k->lock);
	base = ioda_pe_alloc(phb, nvfs);
	if (!base) {
		ioda_printf(k, IODA_LOG_ERR, "pci %s: Unable to allocate PEs for %u VFs",
			    pci_dev_peek_name(pf), nvfs);
		rc = -EBUSY;
		goto unlock;
	}
	st->base_pe = base->pe_number;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pci_resource *vf = &pf->sriov.vf_bar[i];

		st->iov_end[i] = vf->start + vf->size * st->plan.mul - 1;
		st->need_shift |= present(vf) && !st->plan.single[i];
	}
	rc = assign_m64(phb, pf, st, nvfs);
	if (rc) {
		ioda_printf(k, IODA_LOG_INFO, "pci %s: Not enough M64 window resources",
			    pci_dev_peek_name(pf));
		goto free_pes;
	}
	if (st->need_shift) {
		rc = resource_shift(k, pf, st, (int)st->base_pe, nvfs);
		if (rc)
			goto free_pes;
	}
	pf->iov_data = st;
	pf->num_vfs = (uint16_t)nvfs;
	setup_vf_pes(phb, pf, st, nvfs);
	rc = add_vfs(k, phb, pf, st, nvfs);
	pthread_mutex_unlock(&k->lock);
	ioda_machine_unlock(k->m);
	if (rc)
		ioda_sriov_disable(k, pf);
	return rc;
free_pes:
	release_m64(phb, st);
	for (unsigned int i = 0; i < nvfs; i++)
		ioda_pe_free(&phb->pe_array[st->base_pe + i]);
unlock:
	pthread_mutex_unlock(&k->lock);
	ioda_machine_unlock(k->m);
free_state:
	ioda_free(k->ctx, st);
	return rc;
}

/* Under the rescan lock, as the PCI core's sriov_numvfs store runs it. */
int ioda_sriov_enable(struct ioda_kernel *k, struct pci_dev *pf, unsigned int nvfs)
{
	int rc;

	ioda_lock_rescan_remove(k);
	rc = sriov_enable(k, pf, nvfs);
	ioda_unlock_rescan_remove(k);
	return rc;
}

static int sriov_disable(struct ioda_kernel *k, struct pci_dev *pf)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(pf));
	struct iov_state *st = pf->iov_data;
	struct ioda_pe *pe, *tmp;
	struct pci_dev *dev, *n;

	if (!phb || !st)
		return -EINVAL;
	ioda_machine_write_lock(k->m);
	/* sriov_del_vfs(): the VFs first, in order. */
	ioda_list_for_each_entry_safe(dev, n, &pf->bus->devices, bus_node)
		if (dev->physfn == pf)
			pci_stop_and_remove_locked(k->m, dev);
	pthread_mutex_lock(&k->lock);
	/* pnv_ioda_release_vf_PE(): no "Releasing PE" here. */
	ioda_list_for_each_entry_safe(pe, tmp, &phb->pe_list, list) {
		if (pe->parent_dev != pf)
			continue;
		ioda_release_pe_dma(pe);
		ioda_list_del(&pe->list);
		ioda_deconfigure_pe(phb, pe);
		ioda_pe_free_or_retire(pe);
	}
	if (st->need_shift)
		resource_shift(k, pf, st, -(int)st->base_pe, pf->num_vfs);
	release_m64(phb, st);
	pf->iov_data = NULL;
	pf->num_vfs = 0;
	pthread_mutex_unlock(&k->lock);
	ioda_machine_unlock(k->m);
	ioda_free(k->ctx, st);
	return 0;
}

/* Under the rescan lock, as the PCI core's sriov_numvfs store runs it. */
int ioda_sriov_disable(struct ioda_kernel *k, struct pci_dev *pf)
{
	int rc;

	ioda_lock_rescan_remove(k);
	rc = sriov_disable(k, pf);
	ioda_unlock_rescan_remove(k);
	return rc;
}
