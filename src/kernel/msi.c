/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSIs (pnv_setup_msi_irqs / pnv_pci_ioda_msi_setup): a block of the PHB's
 * MSI numbers per device, each bound to the device's PE so the PHB accepts
 * the write only from that PE.
 */
#include <errno.h>

#include "kernel_priv.h"

#define BITS (8 * sizeof(unsigned long))

static bool msi_used(const struct ioda_phb *phb, unsigned int i)
{
	return phb->msi_bitmap[i / BITS] & (1ul << (i % BITS));
}

static void msi_mark(struct ioda_phb *phb, unsigned int first, unsigned int n, bool used)
{
	for (unsigned int i = first; i < first + n; i++) {
		if (used)
			phb->msi_bitmap[i / BITS] |= 1ul << (i % BITS);
		else
			phb->msi_bitmap[i / BITS] &= ~(1ul << (i % BITS));
	}
}

/* bitmap_find_free_region(): the first free block of 2^order, aligned to it. */
static int find_block(const struct ioda_phb *phb, unsigned int n)
{
	for (unsigned int first = 0; first + n <= phb->msi_count; first += n) {
		unsigned int i = 0;

		while (i < n && !msi_used(phb, first + i))
			i++;
		if (i == n)
			return (int)first;
	}
	return -1;
}

int ioda_msi_setup(struct ioda_kernel *k, struct pci_dev *dev, unsigned int nvec, bool is_64,
		   struct ioda_msi *out)
{
	struct ioda_pe *pe = ioda_dev_peek_pe(k, dev);
	struct ioda_phb *phb;
	unsigned int block = 1;
	int first;

	if (!pe || pe->mve_number < 0)
		return -ENODEV;
	phb = pe->phb;
	while (block < nvec)
		block <<= 1;
	first = find_block(phb, block);
	if (nvec == 0 || first < 0)
		return -ENOSPC;
	for (unsigned int v = 0; v < nvec; v++) {
		struct ioda_msi *m = &out[v];
		uint32_t addr32;
		int64_t rc;

		m->xive = (uint32_t)first + v;
		m->hwirq = phb->msi_base + m->xive;
		rc = opal_pci_set_xive_pe(k->opal, phb->opal_id, pe->pe_number, m->xive);
		if (rc == OPAL_SUCCESS && is_64) {
			rc = opal_get_msi_64(k->opal, phb->opal_id, (uint32_t)pe->mve_number, m->xive,
					     1, &m->address, &m->data);
		} else if (rc == OPAL_SUCCESS) {
			rc = opal_get_msi_32(k->opal, phb->opal_id, (uint32_t)pe->mve_number, m->xive,
					     1, &addr32, &m->data);
			m->address = addr32;
		}
		if (rc != OPAL_SUCCESS) {
			ioda_printf(k, IODA_LOG_ERR, "%s: OPAL error %lld getting MSI %u for PE#%x",
				    pci_dev_peek_name(dev), (long long)rc, m->xive, pe->pe_number);
			return -EIO;
		}
	}
	msi_mark(phb, (unsigned int)first, block, true);
	return 0;
}

void ioda_msi_teardown(struct ioda_kernel *k, struct pci_dev *dev, const struct ioda_msi *msi,
		       unsigned int nvec)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	unsigned int block = 1;

	if (!phb || !nvec)
		return;
	while (block < nvec)
		block <<= 1;
	msi_mark(phb, msi[0].xive, block, false);
}
