/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Vendor and device names from the PCI ID database (pci_names.c). */
#ifndef IODA_VIEW_PCI_NAMES_H
#define IODA_VIEW_PCI_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct ioda_pci_names;

/* NULL when out of memory; names are then left out. */
struct ioda_pci_names *ioda_pci_names_new(void);
/* "NVIDIA Corporation GV100GL [Tesla V100 SXM2 16GB]" in @buf; false when unknown. */
bool ioda_pci_names_lookup(struct ioda_pci_names *n, unsigned int vendor, unsigned int device,
			   char *buf, size_t len);
void ioda_pci_names_free(struct ioda_pci_names *n);

#endif
