/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVLink (npu-dma.c and pnv_ioda_setup_npu_PE, up to 5.12): each link of a
 * GPU is a PCI device on an NPU PHB; a GPU's links share a device PE
 * ("Associated device to PE", then "Associating to existing PE" for the
 * others); the GPUs behind one NPU and all its links share one compound
 * iommu group.
 *
 * Which GPU a link leads to: the device tree says (ibm,gpu on a link,
 * ibm,npu on a GPU).  A boot log does not; there skiboot's platform wiring
 * applies (Witherspoon/AC922, platforms/astbmc/witherspoon.c): each NPU's
 * GPUs are its socket's, and the links of one GPU are the functions of one
 * device of the NPU; so NPU n's link device d leads to the d-th GPU after
 * those of the NPUs before it, GPUs and NPUs in PCI order.
 *
 * References, per the rule (enum ioda_refcount_rule): v5.5 pins a link for
 * its new PE and again when it joins one; v5.6 pins every link once; the
 * counted rule has the PE hold its device until the device leaves its bus,
 * and the getters hand out counted references.
 */
#include <errno.h>
#include <string.h>

#include <ioda/eeh.h>

#include "kernel_priv.h"

#define PIN_V55_NEW "npu pe (v5.5, never put)"
#define PIN_V55_JOIN "npu join (v5.5, never put)"
#define PIN_V56 "nvlink pin (v5.6, never put)"

static const char *const rule_names[] = {
	[IODA_REFS_COUNTED] = "counted",
	[IODA_REFS_V5_5] = "v5.5",
	[IODA_REFS_V5_6] = "v5.6",
};

int ioda_refcount_rule_parse(const char *s)
{
	for (unsigned int i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
		if (!strcmp(s, rule_names[i]))
			return (int)i;
	return -1;
}

const char *ioda_refcount_rule_name(enum ioda_refcount_rule rule)
{
	return (unsigned int)rule < sizeof(rule_names) / sizeof(rule_names[0]) ? rule_names[rule]
									       : "?";
}

static bool is_gpu(const struct pci_dev *d)
{
	return d->vendor == 0x10de && (d->class >> 8) == 0x0302;
}

static bool is_link(const struct pci_dev *d)
{
	return d->bus->domain->type == IODA_PHB_NPU_NVLINK;
}

/* A device by its device-tree phandle (machine lock held). */
static struct pci_dev *by_phandle(struct ioda_machine *m, uint32_t ph)
{
	struct pci_dev *d;

	ioda_list_for_each_entry(d, &m->devices, all_node)
		if (ph && d->phandle == ph)
			return d;
	return NULL;
}

/* The position of @link's device among its NPU's link devices, in bus order. */
static unsigned int slot_index(const struct pci_dev *link)
{
	const struct pci_dev *d;
	unsigned int n = 0;
	int last = -1;

	ioda_list_for_each_entry(d, &link->bus->devices, bus_node) {
		if (PCI_SLOT(d->devfn) == PCI_SLOT(link->devfn))
			return n;
		if ((int)PCI_SLOT(d->devfn) != last)
			n++;
		last = PCI_SLOT(d->devfn);
	}
	return n;
}

/* Link devices (slots) of the NPU PHBs before @domain. */
static unsigned int slots_before(struct ioda_machine *m, const struct pci_domain *domain)
{
	struct pci_domain *d;
	unsigned int n = 0;

	ioda_list_for_each_entry(d, &m->domains, node) {
		const struct pci_dev *dev;
		int last = -1;

		if (d == domain)
			break;
		if (d->type != IODA_PHB_NPU_NVLINK || !d->root_bus)
			continue;
		ioda_list_for_each_entry(dev, &d->root_bus->devices, bus_node) {
			n += (int)PCI_SLOT(dev->devfn) != last;
			last = PCI_SLOT(dev->devfn);
		}
	}
	return n;
}

static int nth_gpu(void *arg, struct pci_dev *dev, unsigned int depth)
{
	void **a = arg;
	unsigned int *n = a[0];

	if (!is_gpu(dev))
		return 0;
	if ((*n)-- == 0) {
		a[1] = dev;
		return 1;
	}
	return 0;
}

/* pnv_pci_get_gpu_dev(), borrowed, machine lock held. */
static struct pci_dev *peek_gpu_locked(struct ioda_kernel *k, struct pci_dev *link)
{
	unsigned int n;
	void *a[2] = { &n, NULL };

	if (!is_link(link))
		return NULL;
	if (link->gpu_phandle)
		return by_phandle(k->m, link->gpu_phandle);
	/* A device-tree link with no ibm,gpu has no GPU (of_parse_phandle fails). */
	if (!k->m->nvlink_wiring)
		return NULL;
	n = slots_before(k->m, link->bus->domain) + slot_index(link);
	for (struct ioda_list *p = k->m->domains.next; p != &k->m->domains && !a[1]; p = p->next) {
		struct pci_domain *d = ioda_list_entry(p, struct pci_domain, node);

		if (d->type == IODA_PHB_PCIE && d->root_bus)
			pci_walk_bus_locked(d->root_bus, nth_gpu, a);
	}
	return a[1];
}

/* pnv_pci_get_npu_dev(), borrowed, machine lock held. */
static struct pci_dev *peek_npu_locked(struct ioda_kernel *k, struct pci_dev *gpu,
				       unsigned int index)
{
	struct pci_dev *d;

	if (gpu->num_npus)
		return index < gpu->num_npus ? by_phandle(k->m, gpu->npu_phandle[index]) : NULL;
	ioda_list_for_each_entry(d, &k->m->devices, all_node)
		if (is_link(d) && peek_gpu_locked(k, d) == gpu && index-- == 0)
			return d;
	return NULL;
}

struct pci_dev *ioda_npu_peek_gpu(struct ioda_kernel *k, struct pci_dev *link)
{
	struct pci_dev *gpu;

	pthread_rwlock_rdlock(&k->m->lock);
	gpu = peek_gpu_locked(k, link);
	pthread_rwlock_unlock(&k->m->lock);
	return gpu;
}

struct pci_dev *ioda_gpu_peek_npu(struct ioda_kernel *k, struct pci_dev *gpu, unsigned int index)
{
	struct pci_dev *npu;

	pthread_rwlock_rdlock(&k->m->lock);
	npu = peek_npu_locked(k, gpu, index);
	pthread_rwlock_unlock(&k->m->lock);
	return npu;
}

/* The reference is taken under the lock: the device cannot go in between. */
struct pci_dev *ioda_npu_get_gpu(struct ioda_kernel *k, struct pci_dev *link, const char *holder)
{
	struct pci_dev *gpu;

	pthread_rwlock_rdlock(&k->m->lock);
	gpu = pci_dev_get(peek_gpu_locked(k, link), holder);
	pthread_rwlock_unlock(&k->m->lock);
	return gpu;
}

struct pci_dev *ioda_gpu_get_npu(struct ioda_kernel *k, struct pci_dev *gpu, unsigned int index,
				 const char *holder)
{
	struct pci_dev *npu;

	pthread_rwlock_rdlock(&k->m->lock);
	npu = pci_dev_get(peek_npu_locked(k, gpu, index), holder);
	pthread_rwlock_unlock(&k->m->lock);
	return npu;
}

/* pnv_ioda_setup_npu_PE() */
static void setup_npu_pe(struct ioda_phb *phb, struct pci_dev *link)
{
	struct ioda_kernel *k = phb->kernel;
	struct pci_dev *gpu;
	struct ioda_pe *pe;
	int64_t rc;

	if (k->refcount == IODA_REFS_V5_6)
		pci_dev_get(link, PIN_V56);
	gpu = peek_gpu_locked(k, link);
	for (unsigned int n = 0; gpu && n < phb->total_pe_num; n++) {
		pe = &phb->pe_array[n];
		if (!ioda_pe_allocated(phb, n) || !(pe->flags & IODA_PE_DEV) || !pe->pdev ||
		    peek_gpu_locked(k, pe->pdev) != gpu)
			continue;
		ioda_printf(k, IODA_LOG_INFO, "pci %s: Associating to existing PE %x",
			    pci_dev_peek_name(link), n);
		rc = opal_pci_set_pe(k->opal, phb->opal_id, n, pci_dev_rid(link), OpalPciBusAll,
				     OPAL_COMPARE_RID_DEVICE_NUMBER,
				     OPAL_COMPARE_RID_FUNCTION_NUMBER, OPAL_MAP_PE);
		/* The kernel only warns and counts the link in anyway; its RID is not. */
		if (rc) {
			ioda_printf(k, IODA_LOG_ERR, "pci %s: OPAL error %lld mapping it to PE#%x",
				    pci_dev_peek_name(link), (long long)rc, n);
			return;
		}
		if (k->refcount == IODA_REFS_V5_5)
			pci_dev_get(link, PIN_V55_JOIN);
		link->pe_number = n;
		phb->pe_rmap[pci_dev_rid(link)] = n;
		pe->device_count++;
		return;
	}
	ioda_setup_dev_pe(phb, link, PIN_V55_NEW);
}

void ioda_npu_setup_pes(struct ioda_phb *phb)
{
	struct pci_dev *dev;

	/* PE#0 stays unused: an NPU erratum leaves three PEs for four links. */
	ioda_pe_reserve(phb, 0);
	ioda_list_for_each_entry(dev, &phb->domain->root_bus->devices, bus_node)
		setup_npu_pe(phb, dev);
}

/* The NPU PHB whose links lead to a GPU on @bus, or -1. */
struct gpu_find {
	struct ioda_kernel *k;
	int npu;
};

static int npu_of_gpu(struct ioda_kernel *k, const struct pci_dev *gpu)
{
	for (unsigned int i = 0; i < k->nphbs && i < 16; i++) {
		struct ioda_phb *phb = k->phbs[i];
		struct pci_dev *link;

		if (phb->type != IODA_PNV_PHB_NPU_NVLINK)
			continue;
		ioda_list_for_each_entry(link, &phb->domain->root_bus->devices, bus_node)
			if (peek_gpu_locked(k, link) == gpu)
				return (int)i;
	}
	return -1;
}

static void find_gpu(struct ioda_pe *pe, struct pci_dev *dev, void *arg)
{
	struct gpu_find *f = arg;

	if (f->npu < 0 && is_gpu(dev))
		f->npu = npu_of_gpu(f->k, dev);
}

bool ioda_npu_table_group(struct ioda_kernel *k, struct ioda_pe *pe)
{
	struct gpu_find f = { k, -1 };

	if (!k->profile.nvlink || (pe->flags & IODA_PE_VF))
		return false;
	ioda_pe_for_each_dev(pe, find_gpu, &f);
	if (f.npu < 0)
		return false;
	/* Registered as domain<NPU>-pe<GPU PE> at its first GPU. */
	if (k->npu_group[f.npu] < 0) {
		k->npu_group[f.npu] = ioda_group_register(k, pe);
	}
	pe->group = k->npu_group[f.npu];
	return true;
}

static void attach_link(struct ioda_pe *pe, struct pci_dev *link, void *arg)
{
	struct ioda_kernel *k = arg;
	struct pci_dev *gpu = peek_gpu_locked(k, link);
	struct ioda_pe *gpe = gpu ? ioda_dev_peek_pe(k, gpu) : NULL;

	if (gpe && gpe->group >= 0 && link->iommu_group < 0) {
		/* The NPU PE joins the compound group, its links with it. */
		pe->group = gpe->group;
		link->iommu_group = gpe->group;
		ioda_emit_dev(k, link, IODA_EV_DEV_GROUP_ADD, pe->pe_number, gpe->group);
	}
	/*
	 * "The NPU devices all point to the same iommu table as the parent
	 * PCI device": the NPU PE's window is the GPU's table (the state after
	 * the GPU driver's DMA set-up, which the boot logs do not print).
	 */
	if (gpe && gpe->tbl && !pe->shared_tbl_pa && ioda_map_window(pe, gpe->tbl) == OPAL_SUCCESS)
		pe->shared_tbl_pa = gpe->tbl->pa;
}

void ioda_npu_setup_groups(struct ioda_kernel *k)
{
	for (unsigned int i = 0; i < k->nphbs; i++) {
		struct ioda_phb *phb = k->phbs[i];
		struct ioda_pe *pe;

		if (phb->type != IODA_PNV_PHB_NPU_NVLINK)
			continue;
		/* pnv_npu_compound_attach(), per NPU PE; its links by device. */
		ioda_list_for_each_entry(pe, &phb->pe_list, list) {
			struct pci_dev *link;

			ioda_list_for_each_entry(link, &phb->domain->root_bus->devices, bus_node)
				if (link->pe_number == pe->pe_number)
					attach_link(pe, link, k);
		}
	}
}

void ioda_npu_unshare_pe(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;

	if (!pe->shared_tbl_pa)
		return;
	/* Still mapped if the firmware refused: the PE's release tries again. */
	if (opal_pci_map_pe_dma_window(phb->kernel->opal, phb->opal_id, pe->pe_number,
				       (uint16_t)(pe->pe_number << 1), 0, 0, 0, 0))
		pe->hw_stale = true;
	else
		pe->shared_tbl_pa = 0;
}

void ioda_npu_unshare_table(struct ioda_kernel *k, uint64_t pa)
{
	for (unsigned int i = 0; i < k->nphbs; i++) {
		struct ioda_phb *phb = k->phbs[i];

		if (phb->type != IODA_PNV_PHB_NPU_NVLINK)
			continue;
		for (unsigned int n = 0; n < phb->total_pe_num; n++)
			if (phb->pe_array[n].shared_tbl_pa == pa)
				ioda_npu_unshare_pe(&phb->pe_array[n]);
	}
}
