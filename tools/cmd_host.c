/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda host: the running POWER host (or a copy of it) against the model. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/host.h>
#include <ioda/ioda.h>
#include <ioda/pci.h>

#include "commands.h"

static const char host_usage[] =
	"Usage: ioda host [--root=DIR] [--log=FILE] [--kernel=VERSION] [--json]\n"
	"\n"
	"Reads the running POWER host (or, with --root, a copy of one): its PCI\n"
	"functions and device tree as ioda import does, its kernel from\n"
	"/proc/version and /proc/cmdline, its RAM from the device tree (else\n"
	"/proc/meminfo); boots the model under that kernel and command line, and\n"
	"compares it with what the host's kernel did: each function's iommu group\n"
	"(/sys/kernel/iommu_groups) and PE (sysfs eeh_pe_config_addr, or the boot\n"
	"log given with --log, e.g. a saved dmesg).  Prints a line per function\n"
	"(agrees, or both answers) and a summary; exit 1 on any difference.\n"
	"--kernel overrides the host's version; a kernel newer than ioda's models\n"
	"is compared as the newest, and said so.\n"
	"\n"
	"For a host without ioda, ioda-host-copy (tools/host-copy.sh) run there as\n"
	"root writes all of it to one tarball; then, where ioda is:\n"
	"  mkdir copy && tar -xzf ioda-copy.tgz -C copy &&\n"
	"ioda host --root=copy --log=copy/dmesg.txt\n";

/* The profile to boot: --kernel, else the host's, the newest model past it. */
static const char *kernel_for(const struct ioda_host *h, const char *given, char *buf, size_t len)
{
	struct ioda_profile p;
	struct ioda_error err;

	if (given)
		return given;
	if (!h->version[0])
		return NULL;
	if (!ioda_profile_init(&p, h->version, &err))
		return h->version;
	snprintf(buf, len, "%s", ioda_profile_newest());
	fprintf(stderr, "ioda host: kernel %s is not one ioda models: compared as %s\n",
		h->release, buf);
	return buf;
}

static int compare(struct ioda_ctx *ctx, const struct ioda_host *h, const char *kernel, bool json)
{
	struct ioda_boot_opts opts = { .kernel = kernel, .cmdline = h->cmdline,
				       .dram_end = h->memory };
	struct ioda_error err = { "" };
	struct ioda_machine *m = ioda_machine_new(ctx);
	struct ioda_kernel *k = NULL;
	int rc;

	if (!m) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	rc = ioda_machine_populate(m, h->topo, &err);
	if (!rc)
		rc = ioda_kernel_boot(m, &opts, NULL, NULL, &k, &err);
	if (rc) {
		fprintf(stderr, "ioda host: %s\n", err.msg);
		rc = EXIT_USAGE;
	} else {
		rc = ioda_host_compare(k, h, json, stdout);
		rc = rc < 0 ? EXIT_USAGE : rc ? EXIT_FINDING : 0;
	}
	ioda_kernel_free(k);
	if (ioda_machine_free(m) && !rc)
		rc = EXIT_FINDING;
	return rc;
}

int cmd_host(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = "/", *log = NULL, *given = NULL, *kernel;
	struct ioda_error err = { "" };
	struct ioda_host *h;
	struct ioda_ctx *ctx;
	char newest[16];
	bool json = false;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(host_usage, stdout);
			return 0;
		} else if (c == 'r') {
			root = optarg;
		} else if (c == 'l') {
			log = optarg;
		} else if (c == 'k') {
			given = optarg;
			rc = check_kernel(argv[0], optarg);
			if (rc >= 0)
				return rc;
		} else if (c == 'j') {
			json = true;
		} else {
			return option_error(argv, c);
		}
	}
	if (optind < argc)
		return usage_error(argv[0], "unexpected argument", argv[optind]);
	ctx = ioda_ctx_new();
	if (!ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	rc = ioda_host_read(ctx, root, log, &h, &err);
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		ioda_ctx_free(ctx);
		return EXIT_USAGE;
	}
	kernel = kernel_for(h, given, newest, sizeof(newest));
	if (!kernel) {
		fprintf(stderr, "%s/proc/version: unreadable: give --kernel=VERSION\n",
			strcmp(root, "/") ? root : "");
		rc = EXIT_USAGE;
	} else {
		rc = compare(ctx, h, kernel, json);
	}
	ioda_host_free(ctx, h);
	ioda_ctx_free(ctx);
	return rc;
}
