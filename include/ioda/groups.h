/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU groups and the passthrough advisor: what VFIO on PowerNV makes go to
 * a guest together.  VFIO assigns whole iommu groups; the PHB isolates PEs,
 * not functions, so a group is at least a PE; an NVLink GPU and its links
 * on the NPU share one group (or, before 5.8, the NPU's group goes with it).
 */
#ifndef IODA_GROUPS_H
#define IODA_GROUPS_H

#include <stdio.h>

#include <ioda/ioda.h>

/* Each iommu group: its PEs, then its devices with their IDs and classes. */
int ioda_groups_text(struct ioda_kernel *k, FILE *out);
/* The same as one JSON document; -ENOMEM. */
int ioda_groups_json(struct ioda_kernel *k, FILE *out);

/* Why a device must go with the one asked about (bits of ioda_advice.why). */
enum ioda_advice_why {
	IODA_WHY_SAME_PE = 1u << 0,	 /* the PHB cannot isolate it from the device */
	IODA_WHY_SAME_GROUP = 1u << 1,	 /* VFIO hands out whole groups */
	IODA_WHY_NVLINK_PEER = 1u << 2,	 /* the GPU's NVLink, or the link's GPU */
	IODA_WHY_PEER_GROUP = 1u << 3,	 /* in the iommu group of an NVLink peer */
};

/*
 * What must be passed through with the @ndevs devices @devs (the union, and
 * why), names from the PCI ID database where it has them, and the host's
 * steps (vfio-pci, the groups' /dev/vfio/N): lines on @out, or a JSON
 * document with @json.  Returns the number of other devices that must go,
 * -ENODEV when one of @devs has no iommu group, -ENOMEM.
 */
int ioda_groups_advise(struct ioda_kernel *k, struct pci_dev *const *devs, unsigned int ndevs,
		       bool json, FILE *out);
/* Why @dev has no iommu group (and so cannot be passed through); NULL if it has one. */
const char *ioda_groups_why_none(const struct pci_dev *dev);

#endif
