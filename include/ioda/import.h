/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real machine, from a copy of what Linux shows of it: the function
 * folders of /sys/bus/pci/devices (vendor, device, class, resource, config,
 * secondary_bus_number, subordinate_bus_number) and, where copied,
 * /proc/device-tree (the PHB nodes: generation, chip, index, PE count,
 * windows; NVLink phandles).
 */
#ifndef IODA_IMPORT_H
#define IODA_IMPORT_H

#include <ioda/load.h>

/*
 * Builds a description from @dir: either the copy of /sys/bus/pci/devices
 * or the root of a copy holding sys/bus/pci/devices and, optionally,
 * proc/device-tree.  @dt_dir, when not NULL, names the device tree folder.
 * BARs keep their sizes, not their addresses: the kernel's assignment is
 * redone at boot.  VFs are left out (their PF's SR-IOV capability makes
 * them); so are I/O BARs (PowerNV PHBs have no I/O space).  Returns 0 and
 * *@out, or a negative errno with @err ("path: what is wrong").
 */
int ioda_import_sysfs(struct ioda_ctx *ctx, const char *dir, const char *dt_dir,
		      struct ioda_topo **out, struct ioda_error *err);

#endif
