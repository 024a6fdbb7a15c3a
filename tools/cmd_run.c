/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda run: runs a scenario and reports its failed expects and findings. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#include "commands.h"

static const char run_usage[] =
	"Usage: ioda run [--audit] [--exact] [--json] [--kernel=VERSION]\n"
	"                [--refcount=counted|v5.5|v5.6] FILE.scn\n"
	"\n"
	"Runs a scenario (docs/scenarios.md): loads the machine it names, boots it\n"
	"and runs its steps, printing the kernel's log.  Failed expects and steps,\n"
	"audit findings and references left at the end go to stderr, each as\n"
	"FILE:LINE: message.  --audit checks the kernel's state against the\n"
	"hardware after every step; --exact fails on any PE line (a line naming a\n"
	"PE#, Configuring PE or an iommu group) a step prints that its expect line\n"
	"steps do not name; --kernel overrides the scenario's kernel line;\n"
	"--refcount picks who holds the devices of device PEs (NVLink, OpenCAPI):\n"
	"v5.5 and v5.6 as those kernels did, counted (the default) as it should be.\n"
	"--json prints the log and the findings as one JSON document.  Exit 0 when\n"
	"every expect holds and nothing is left, 1 otherwise, 2 when the scenario\n"
	"or its machine cannot be used.\n";

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "audit", no_argument, NULL, 'a' },
		{ "exact", no_argument, NULL, 'e' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "refcount", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioda_scenario_opts so = { .out = stdout, .diag = stderr };
	char *log = NULL, *diag = NULL;
	size_t log_len = 0, diag_len = 0;
	bool json = false;
	struct ioda_error err = { "" };
	struct ioda_scenario *s = NULL;
	struct ioda_ctx *ctx;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			so.audit = true;
			break;
		case 'e':
			so.exact = true;
			break;
		case 'j':
			json = true;
			break;
		case 'k':
			so.kernel = optarg;
			rc = check_kernel(argv[0], optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'r':
			c = ioda_refcount_rule_parse(optarg);
			if (c < 0)
				return usage_error(argv[0],
						   "unknown --refcount rule (counted, v5.5, v5.6)",
						   optarg);
			so.refcount = (enum ioda_refcount_rule)c;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		default:
			return option_error(argv, c);
		}
	}
	rc = one_operand_ctx(argc, argv, "FILE.scn", &ctx);
	if (rc >= 0)
		return rc;
	rc = ioda_scenario_load(ctx, argv[optind], &s, &err);
	/* --json: the log and the findings are collected, then printed as one document. */
	if (!rc && json) {
		so.out = open_memstream(&log, &log_len);
		so.diag = open_memstream(&diag, &diag_len);
		if (!so.out || !so.diag) {
			ioda_error_set(&err, "ioda: out of memory");
			rc = -ENOMEM;
		}
	}
	if (!rc) {
		/* Failed expects land next to the lines they are about. */
		setvbuf(stdout, NULL, _IOLBF, 0);
		rc = ioda_scenario_run(s, &so, &err);
	}
	if (json && so.out && so.out != stdout)
		fclose(so.out);
	if (json && so.diag && so.diag != stderr)
		fclose(so.diag);
	if (rc >= 0 && json && ioda_scenario_json(argv[optind], rc, log, diag, stdout))
		rc = EXIT_USAGE;
	if (s)
		ioda_scenario_free(s);
	free(log);
	free(diag);
	if (rc < 0)
		fprintf(stderr, "%s\n", err.msg);
	ioda_ctx_free(ctx);
	return rc < 0 ? EXIT_USAGE : rc;
}
