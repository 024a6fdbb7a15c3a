/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel profiles: the PowerNV PCI rules of one kernel version.
 *
 * The boundaries, with the commits that moved them:
 *   5.4   "powerpc/powernv/ioda2: Create bigger default window with 64k IOMMU
 *         pages": the default DMA window grows from min(2 GB, RAM) with 4K
 *         TCEs to what the largest allocation allows, with PAGE_SIZE TCEs
 *         (5.3.8 logs print "window#0 0..7fffffff pg=1000", 5.19 ones
 *         "0..fffffffff pg=10000" on a 64 GB machine).
 *   5.6   "Allocate TCE table levels on demand for default DMA window":
 *         POWERNV_IOMMU_DEFAULT_LEVELS 1 -> 2.
 *   5.8   dc3d8f85bb57 "Re-work bus PE configuration", 718d249aeadf "Reserve
 *         the root bus PE during init", "Add a print indicating when an IODA
 *         PE is released": PEs are configured at device add.
 *   5.13  562d1e207d32 "powerpc/powernv: remove the nvlink support".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/ioda.h>

/* Oldest and newest versions modelled; 5.x before 5.2 printed 3-digit PE numbers. */
#define OLDEST_MAJOR 5
#define OLDEST_MINOR 0
#define NEWEST "6.12"
#define NEWEST_MAJOR 6
#define NEWEST_MINOR 12
#define NEWEST_NVLINK "5.12"

#define VER(a, b) ((a) * 1000u + (b))

const char *ioda_profile_newest(void)
{
	return NEWEST;
}

const char *ioda_profile_newest_nvlink(void)
{
	return NEWEST_NVLINK;
}

int ioda_profile_init(struct ioda_profile *p, const char *version, struct ioda_error *err)
{
	unsigned int major, minor, v;
	char *end;

	memset(p, 0, sizeof(*p));
	if (strcmp(version, "latest") == 0)
		version = NEWEST;
	major = (unsigned int)strtoul(version, &end, 10);
	if (end == version || *end != '.' || end[1] < '0' || end[1] > '9') {
		ioda_error_set(err, "kernel version '%s' is not MAJOR.MINOR[...]", version);
		return -EINVAL;
	}
	minor = (unsigned int)strtoul(end + 1, &end, 10);
	v = VER(major, minor);
	/* A newer kernel's rules are not known: 6.13 is not 6.12. */
	if (v < VER(OLDEST_MAJOR, OLDEST_MINOR) || v > VER(NEWEST_MAJOR, NEWEST_MINOR)) {
		ioda_error_set(err, "kernel version '%s' is outside what ioda models (5.0 .. %s)",
			       version, NEWEST);
		return -EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "%s", version);
	p->major = major;
	p->minor = minor;
	p->pe_at_device_add = v >= VER(5, 8);
	p->release_print = v >= VER(5, 8);
	p->nvlink = v < VER(5, 13);
	p->ocapi_pe_at_enable = v >= VER(5, 6);
	p->big_default_window = v >= VER(5, 4);
	p->default_levels = v >= VER(5, 6) ? 2 : 1;
	p->page_shift = 16; /* powerpc64 distribution kernels use 64K pages */
	return 0;
}
