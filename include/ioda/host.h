/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The running host, or a copy of it: the machine (sysfs and the device
 * tree, as ioda import reads them), its kernel (/proc/version,
 * /proc/cmdline, /proc/meminfo) and what that kernel did (the iommu groups
 * of /sys/kernel/iommu_groups, each function's PE from sysfs
 * eeh_pe_config_addr or the boot log), to compare with the model's boot.
 */
#ifndef IODA_HOST_H
#define IODA_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ioda/ioda.h>
#include <ioda/topo.h>

/* What the host's kernel did with one function; -1 where nothing says. */
struct ioda_host_fact {
	char bdf[16];
	int group;
	int pe;
};

struct ioda_host {
	struct ioda_topo *topo;
	char release[64];    /* "6.1.0-50-powerpc64le"; "" when /proc/version is missing */
	char version[16];    /* "6.1", the profile to boot */
	char *cmdline;       /* NULL when /proc/cmdline is missing */
	uint64_t memory;     /* the device tree's, else MemTotal; 0 unknown */
	struct ioda_host_fact *facts;
	unsigned int nfacts;
	bool has_groups;     /* /sys/kernel/iommu_groups was there */
	const char *pe_source; /* "eeh_pe_config_addr", "boot log" or NULL */
};

/*
 * Reads the host below @root ("/" for the live one) and, when @log is not
 * NULL, its boot log (for PE numbers sysfs does not give).  Returns 0 and
 * *@out, or a negative errno with @err ("path: what is wrong").
 */
int ioda_host_read(struct ioda_ctx *ctx, const char *root, const char *log,
		   struct ioda_host **out, struct ioda_error *err);
void ioda_host_free(struct ioda_ctx *ctx, struct ioda_host *h);

/*
 * The model booted from @h (in @k) against what the host's kernel did: per
 * function its iommu group and PE, on both sides; text or JSON
 * (ioda-host/1) to @out.  Returns the number of differences, or -ENOMEM.
 */
int ioda_host_compare(struct ioda_kernel *k, const struct ioda_host *h, bool json, FILE *out);

#endif
