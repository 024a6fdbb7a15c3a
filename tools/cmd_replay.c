/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda replay: a machine rebuilt from a boot log, booted, its lines compared with the log's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <ioda/load.h>

#include "commands.h"

static const char replay_usage[] =
	"Usage: ioda replay [--derived] [--resources] [--kernel=VERSION] [--json] LOG\n"
	"\n"
	"Rebuilds the machine from what a kernel boot log says before the PE set-up\n"
	"(never from its PE lines), boots it under the log's kernel version, command\n"
	"line, memory and page size, and compares ioda's PE lines with the log's:\n"
	"per PHB and in total matched/total, a unified diff where they differ, and\n"
	"last \"replay: M/T PE lines match, E extra\".  --derived prints only ioda's\n"
	"PE lines, as the kernel prints them.  --resources does the same with the\n"
	"resource assignment lines (\"BAR 0: assigned [mem ...]\", bridge windows):\n"
	"the machine is rebuilt from BAR sizes only, ioda assigns as the kernel does,\n"
	"and the last line is \"resources: M/T assignments match\".  A log without its\n"
	"\"Linux version\" line is replayed under the kernel its other lines tell (a\n"
	"trace's \"Not tainted 6.1.0-...\", the shape of its PE lines), said on stderr,\n"
	"or refused naming the rule nothing in it decides.  Exit 0 when all\n"
	"match and nothing is extra, 1 when something differs, 2 when the log cannot\n"
	"be used.  --json prints the counts and the report's lines as one JSON\n"
	"document.\n";

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "derived", no_argument, NULL, 'd' },
		{ "resources", no_argument, NULL, 'r' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioda_replay_opts ro = { 0 };
	bool json = false;
	struct ioda_replay_result res = { 0 };
	struct ioda_error err = { "" };
	struct ioda_ctx *ctx;
	char *buf = NULL;
	size_t len;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			ro.derived_only = true;
			break;
		case 'r':
			ro.resources = true;
			break;
		case 'k':
			ro.kernel = optarg;
			rc = check_kernel(argv[0], optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			return 0;
		default:
			return option_error(argv, c);
		}
	}
	rc = one_operand(argc, argv, "LOG");
	if (rc >= 0)
		return rc;
	ctx = ioda_ctx_new();
	if (!ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	rc = ioda_read_file(ctx, argv[optind], &buf, &len, &err);
	/* --json: no report, the result's lines go inside the document. */
	if (!rc)
		rc = ioda_replay(ctx, argv[optind], buf, len, &ro, json ? NULL : stdout, &res, &err);
	ioda_free(ctx, buf);
	if (!rc && json && ioda_replay_json(argv[optind], &ro, &res, stdout)) {
		ioda_error_set(&err, "%s: out of memory", argv[optind]);
		rc = -ENOMEM;
	}
	if (!rc && res.kernel_inferred[0])
		fprintf(stderr, "%s: %s\n", argv[optind], res.kernel_inferred);
	for (const char *l = res.missing, *e; !rc && (e = strchr(l, '\n')); l = e + 1)
		fprintf(stderr, "%s: %.*s\n", argv[optind], (int)(e - l), l);
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	else if (!ro.derived_only && (res.matched != res.total || res.extra))
		rc = EXIT_FINDING;
	ioda_replay_result_free(&res);
	if (ioda_ctx_check_leaks(ctx) && !rc)
		rc = EXIT_FINDING;
	ioda_ctx_free(ctx);
	return rc < 0 ? EXIT_USAGE : rc;
}
