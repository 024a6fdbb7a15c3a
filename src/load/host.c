/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's facts (ioda/host.h): the machine through ioda_import_sysfs(),
 * the kernel from /proc, and what that kernel did from sysfs and the log.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/host.h>
#include <ioda/import.h>

/* @root/@rel's first line, without its end, in @buf; false when unreadable. */
static bool read_line(const char *root, const char *rel, char *buf, size_t size)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static struct ioda_host_fact *fact_of(struct ioda_ctx *ctx, struct ioda_host *h, const char *bdf)
{
	struct ioda_host_fact *f;

	for (unsigned int i = 0; i < h->nfacts; i++)
		if (!strcmp(h->facts[i].bdf, bdf))
			return &h->facts[i];
	f = ioda_realloc(ctx, h->facts, (h->nfacts + 1) * sizeof(*f));
	if (!f)
		return NULL;
	h->facts = f;
	f = &f[h->nfacts++];
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf);
	f->group = f->pe = -1;
	return f;
}

static bool is_bdf(const char *s)
{
	unsigned int d, b, sl, fn;
	char end;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1u%c", &d, &b, &sl, &fn, &end) == 4;
}

/* /sys/kernel/iommu_groups/N/devices/BDF: the kernel's groups. */
static int read_groups(struct ioda_ctx *ctx, struct ioda_host *h, const char *root)
{
	char path[4096];
	DIR *top, *devs;
	struct dirent *g, *e;

	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups", root);
	top = opendir(path);
	if (!top)
		return 0;
	h->has_groups = true;
	while ((g = readdir(top))) {
		char *end;
		long n = strtol(g->d_name, &end, 10);

		if (*end || end == g->d_name || n < 0)
			continue;
		snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups/%s/devices", root,
			 g->d_name);
		devs = opendir(path);
		while (devs && (e = readdir(devs))) {
			struct ioda_host_fact *f;

			if (!is_bdf(e->d_name))
				continue;
			f = fact_of(ctx, h, e->d_name);
			if (!f) {
				closedir(devs);
				closedir(top);
				return -ENOMEM;
			}
			f->group = (int)n;
		}
		if (devs)
			closedir(devs);
	}
	closedir(top);
	return 0;
}

/* Each function's eeh_pe_config_addr: on PowerNV, its PE number. */
static int read_sysfs_pes(struct ioda_ctx *ctx, struct ioda_host *h, const char *root)
{
	char path[4096], line[64];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", root);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		struct ioda_host_fact *f;
		char rel[320];

		if (!is_bdf(e->d_name))
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/eeh_pe_config_addr", e->d_name);
		if (!read_line(root, rel, line, sizeof(line)))
			continue;
		f = fact_of(ctx, h, e->d_name);
		if (!f) {
			closedir(d);
			return -ENOMEM;
		}
		f->pe = (int)strtol(line, NULL, 16);
		h->pe_source = "eeh_pe_config_addr";
	}
	if (d)
		closedir(d);
	return 0;
}

/* "pci BDF: Configured PE#fd" / "Added to existing PE#fd": the last one counts. */
static int read_log_pes(struct ioda_ctx *ctx, struct ioda_host *h, const char *log,
			struct ioda_error *err)
{
	FILE *f = fopen(log, "r");
	char line[1024];

	if (!f) {
		ioda_error_set(err, "%s: %s", log, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "pci "), *pe = strstr(line, " PE#");
		struct ioda_host_fact *fact;
		char bdf[16];

		if (!p || !pe || !(strstr(line, ": Configured PE#") || strstr(line, ": Added to existing PE#")) ||
		    sscanf(p, "pci %12[0-9a-f:.]:", bdf) != 1 || !is_bdf(bdf))
			continue;
		fact = fact_of(ctx, h, bdf);
		if (!fact) {
			fclose(f);
			return -ENOMEM;
		}
		if (!h->pe_source || strcmp(h->pe_source, "eeh_pe_config_addr"))
			fact->pe = (int)strtol(pe + 4, NULL, 16);
	}
	fclose(f);
	if (!h->pe_source)
		h->pe_source = "boot log";
	return 0;
}

/* "Linux version 6.1.0-50-powerpc64le (...": the release and its MAJOR.MINOR. */
static void read_version(struct ioda_host *h, const char *root)
{
	char line[512];
	unsigned int major, minor;

	if (!read_line(root, "proc/version", line, sizeof(line)) ||
	    sscanf(line, "Linux version %63s", h->release) != 1)
		return;
	if (sscanf(h->release, "%u.%u", &major, &minor) == 2)
		snprintf(h->version, sizeof(h->version), "%u.%u", major, minor);
}

static uint64_t read_memtotal(const char *root)
{
	char path[4096], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/meminfo", root);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (uint64_t)kb << 10;
}

int ioda_host_read(struct ioda_ctx *ctx, const char *root, const char *log,
		   struct ioda_host **out, struct ioda_error *err)
{
	struct ioda_host *h = ioda_zalloc(ctx, sizeof(*h));
	char line[4096];
	int rc;

	*out = NULL;
	if (!h) {
		ioda_error_set(err, "%s: out of memory", root);
		return -ENOMEM;
	}
	rc = ioda_import_sysfs(ctx, root, NULL, &h->topo, err);
	if (rc)
		goto fail;
	read_version(h, root);
	if (read_line(root, "proc/cmdline", line, sizeof(line))) {
		h->cmdline = ioda_strdup(ctx, line);
		if (!h->cmdline)
			goto oom;
	}
	/* The device tree's memory nodes, as import read them, else MemTotal. */
	h->memory = h->topo->memory_bytes ? h->topo->memory_bytes : read_memtotal(root);
	rc = read_groups(ctx, h, root);
	if (!rc)
		rc = read_sysfs_pes(ctx, h, root);
	if (!rc && log)
		rc = read_log_pes(ctx, h, log, err);
	if (rc == -ENOMEM)
		goto oom;
	if (rc)
		goto fail;
	*out = h;
	return 0;
oom:
	rc = -ENOMEM;
	ioda_error_set(err, "%s: out of memory", root);
fail:
	ioda_host_free(ctx, h);
	return rc;
}

void ioda_host_free(struct ioda_ctx *ctx, struct ioda_host *h)
{
	if (!h)
		return;
	ioda_topo_free(ctx, h->topo);
	ioda_free(ctx, h->cmdline);
	ioda_free(ctx, h->facts);
	ioda_free(ctx, h);
}
