/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda import: a copy of a real machine's sysfs (and device tree) as topology text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/import.h>
#include <ioda/json.h>
#include <ioda/pci.h>

#include "commands.h"

static const char import_usage[] =
	"Usage: ioda import [--json] [-o FILE.topo] [--device-tree=DIR] COPY\n"
	"\n"
	"Builds a machine description from a copy of a Linux system's\n"
	"/sys/bus/pci/devices and, where copied, /proc/device-tree (PHB generation,\n"
	"chip, index, PE count, windows), checks that ioda can build it, and writes\n"
	"it as topology text (docs/topology.md) to stdout or FILE; --json writes the\n"
	"description as JSON instead.  COPY is the root of the copy (holding\n"
	"sys/bus/pci/devices and proc/device-tree) or the devices folder itself;\n"
	"--device-tree names the device tree folder when it is elsewhere.  Without\n"
	"a device tree node, a PHB's generation comes from its root port.  BARs\n"
	"keep their sizes, not addresses: ioda assigns them as the kernel does.\n"
	"\n"
	"Make the copy as root on the POWER box with ioda-host-copy\n"
	"(tools/host-copy.sh): it reads each sysfs file with cat (tar would pad\n"
	"them to 4096 bytes) and needs root for config space past 64 bytes.  Then\n"
	"elsewhere: mkdir copy && tar -xzf ioda-copy.tgz -C copy &&\n"
	"ioda import copy -o mybox.topo && ioda show mybox.topo\n";

/* @topo as topology text in *@text (the caller frees it); -ENOMEM. */
static int topo_text(const struct ioda_topo *topo, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	int rc = f ? ioda_topo_write(f, topo) : -ENOMEM;

	if (f && fclose(f) && !rc)
		rc = -ENOMEM;
	return rc;
}

/*
 * The text written must load back: it is parsed as topology text and built,
 * as `ioda show FILE.topo` would, so a copy ioda cannot use fails here with
 * the reason and nothing is written.
 */
static int check_loads(struct ioda_ctx *ctx, const char *copy, const char *text, size_t len,
		       const char *file)
{
	struct ioda_error err = { "" };
	struct ioda_machine *m = NULL;
	int rc = ioda_load_machine_buf(ctx, file ? file : "imported.topo", text, len,
				       IODA_INPUT_TOPO, &m, &err);

	if (rc) {
		fprintf(stderr, "%s: not a machine ioda can load: %s\n", copy, err.msg);
		return EXIT_USAGE;
	}
	return ioda_machine_free(m) ? EXIT_FINDING : 0;
}

/* The checked text as it is, or the description as JSON. */
static int write_out(const struct ioda_topo *topo, const char *text, size_t len, const char *file,
		     bool json)
{
	FILE *f = file ? fopen(file, "w") : stdout;
	int rc;

	if (!f) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	rc = json ? ioda_topo_json(topo, f) : (fwrite(text, 1, len, f) == len ? 0 : -EIO);
	if ((file && fclose(f)) || rc) {
		fprintf(stderr, "%s: write error\n", file ? file : "stdout");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "device-tree", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *dt = NULL;
	struct ioda_error err = { "" };
	struct ioda_topo *topo;
	struct ioda_ctx *ctx;
	char *text = NULL;
	size_t len = 0;
	bool json = false;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(import_usage, stdout);
			return 0;
		}
		if (c == 'o')
			file = optarg;
		else if (c == 'd')
			dt = optarg;
		else if (c == 'j')
			json = true;
		else
			return option_error(argv, c);
	}
	rc = one_operand_ctx(argc, argv, "COPY", &ctx);
	if (rc >= 0)
		return rc;
	rc = ioda_import_sysfs(ctx, argv[optind], dt, &topo, &err);
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		ioda_ctx_free(ctx);
		return EXIT_USAGE;
	}
	if (topo_text(topo, &text, &len)) {
		fputs("ioda: out of memory\n", stderr);
		rc = EXIT_USAGE;
	} else {
		rc = check_loads(ctx, argv[optind], text, len, file);
	}
	if (!rc)
		rc = write_out(topo, text, len, file, json);
	free(text);
	ioda_topo_free(ctx, topo);
	ioda_ctx_free(ctx);
	return rc;
}
