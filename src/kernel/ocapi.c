/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OpenCAPI PHBs (PNV_PHB_NPU_OCAPI): a device PE per function, made in the
 * PE set-up pass up to 5.5 and at pci_enable_device since 5.6, with no DMA
 * and no PELT-V; the link's actags and shared process area as the
 * platform code hands them to ocxl.
 */
#include <errno.h>

#include <ioda/opal.h>

#include "kernel_priv.h"

#define PIN_V55 "ocapi pe (v5.5, never put)"

void ioda_ocapi_setup_pes(struct ioda_phb *phb)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &phb->domain->root_bus->devices, bus_node)
		ioda_setup_dev_pe(phb, dev, PIN_V55);
}

int ioda_ocapi_enable_device(struct ioda_phb *phb, struct pci_dev *dev)
{
	/* pnv_ocapi_enable_device_hook() */
	if (!phb->kernel->profile.ocapi_pe_at_enable || dev->pe_number != IODA_INVALID_PE)
		return 0;
	return ioda_setup_dev_pe(phb, dev, PIN_V55) ? 0 : -ENODEV;
}

void ioda_ocapi_release_pe(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;

	if (!pe->ocxl_spa)
		return;
	if (opal_npu_spa_setup(phb->kernel->opal, phb->opal_id, pe->rid, 0, 0))
		pe->hw_stale = true;
	pe->ocxl_spa = 0;
}

/* The OpenCAPI PHB of @dev, with the kernel locked; NULL (unlocked) otherwise. */
static struct ioda_phb *lock_ocapi_phb(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_phb *phb;

	pthread_mutex_lock(&k->lock);
	phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	if (phb && phb->type == IODA_PNV_PHB_NPU_OCAPI && !dev->removed)
		return phb;
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* pnv_ocxl_fixup_actag() sums at device add; the split happens once, here. */
static struct ioda_ocxl_link *link_assign(struct ioda_phb *phb, struct pci_dev *dev)
{
	struct ioda_ocxl_link *link = &phb->ocxl_link[PCI_SLOT(dev->devfn)];
	unsigned int total = 0, next = 0;
	struct pci_dev *fn;

	if (link->assigned)
		return link;
	ioda_list_for_each_entry(fn, &dev->bus->devices, bus_node)
		if (PCI_SLOT(fn->devfn) == PCI_SLOT(dev->devfn))
			link->desired[PCI_FUNC(fn->devfn)] = fn->afu_actags;
	for (unsigned int i = 0; i < 8; i++)
		total += link->desired[i];
	for (unsigned int i = 0; i < 8; i++) {
		unsigned int n = link->desired[i];

		if (total > IODA_OCXL_ACTAG_MAX)
			n = IODA_OCXL_ACTAG_MAX * n / total;
		link->base[i] = (uint16_t)next;
		link->enabled[i] = (uint16_t)n;
		next += n;
	}
	link->assigned = true;
	return link;
}

int ioda_ocxl_get_actag(struct ioda_kernel *k, struct pci_dev *dev, struct ioda_ocxl_actag *out)
{
	struct ioda_phb *phb = lock_ocapi_phb(k, dev);
	struct ioda_ocxl_link *link;
	unsigned int fn = PCI_FUNC(dev->devfn);

	if (!phb)
		return -ENODEV;
	link = link_assign(phb, dev);
	out->base = link->base[fn];
	out->enabled = link->enabled[fn];
	out->supported = link->desired[fn];
	pthread_mutex_unlock(&k->lock);
	return 0;
}

int ioda_ocxl_get_pasid_count(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_phb *phb = lock_ocapi_phb(k, dev);
	int rc;

	if (!phb)
		return -ENODEV;
	rc = link_assign(phb, dev)->desired[PCI_FUNC(dev->devfn)] ? IODA_OCXL_PASID_MAX : -EINVAL;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

static int opal_errno(int64_t rc)
{
	return rc == OPAL_SUCCESS ? 0 : rc == OPAL_BUSY ? -EBUSY : rc == OPAL_PARAMETER ? -EINVAL : -EIO;
}

/* The function's PE, with the kernel locked; NULL (unlocked) without one. */
static struct ioda_pe *lock_ocapi_pe(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_phb *phb = lock_ocapi_phb(k, dev);

	if (!phb)
		return NULL;
	if (dev->pe_number < phb->total_pe_num)
		return &phb->pe_array[dev->pe_number];
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

int ioda_ocxl_spa_setup(struct ioda_kernel *k, struct pci_dev *dev, uint64_t spa_addr,
			unsigned int pe_mask)
{
	struct ioda_pe *pe = lock_ocapi_pe(k, dev);
	int rc;

	if (!pe)
		return -ENODEV;
	if (!spa_addr)
		rc = -EINVAL;
	else
		rc = opal_errno(opal_npu_spa_setup(k->opal, pe->phb->opal_id, pci_dev_rid(dev),
						   spa_addr, pe_mask));
	if (!rc)
		pe->ocxl_spa = spa_addr;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ioda_ocxl_spa_release(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_pe *pe = lock_ocapi_pe(k, dev);
	int rc = 0;

	if (!pe)
		return -ENODEV;
	if (!pe->ocxl_spa)
		rc = -ENOENT;
	else
		ioda_ocapi_release_pe(pe);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ioda_ocxl_spa_clear_cache(struct ioda_kernel *k, struct pci_dev *dev, unsigned int pe_handle)
{
	struct ioda_pe *pe = lock_ocapi_pe(k, dev);
	int rc;

	if (!pe)
		return -ENODEV;
	rc = opal_errno(opal_npu_spa_clear_cache(k->opal, pe->phb->opal_id, pci_dev_rid(dev),
						 pe_handle));
	pthread_mutex_unlock(&k->lock);
	return rc;
}
