/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IOMMU groups and the passthrough advisor: what VFIO on PowerNV makes go to
 * a guest together.  VFIO assigns whole iommu groups; the PHB isolates PEs,
 * not functions, so a group is at least a PE; an NVLink GPU and its links
 * on the NPU share one group (or, before 5.8, the NPU's group goes with it).
 * The groups' listing and the advice are libioda's API (libioda.h).
 */
#ifndef IODA_GROUPS_H
#define IODA_GROUPS_H

#include <ioda/ioda.h>

/* Why @dev has no iommu group (and so cannot be passed through); NULL if it has one. */
const char *ioda_groups_why_none(const struct pci_dev *dev);

#endif
