/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda torture: random operations on a generated machine, audited. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioda/torture.h>

#include "commands.h"

static const char torture_usage[] =
	"Usage: ioda torture [--seed=S] [--ops=N] [--threads=T] [--audit-every=K] [--verbose]\n"
	"                    [--machine]\n"
	"\n"
	"Random operations on a machine generated from seed S (default 1): hotplug\n"
	"remove and re-add, driver bind and unbind, enable, EEH freezes and their\n"
	"recovery, SR-IOV enable and disable, DMA map and unmap, references held\n"
	"across operations, NVLink getters (every third seed runs the example POWER9\n"
	"with its NVLinks).  ioda_audit() runs every K operations (default 1000; 0:\n"
	"only at the end), the T threads (default 1) meeting at a barrier for it.\n"
	"With one thread a run is a function of its seed: each failure prints the\n"
	"seed and the step, and --seed replays it.  With several, each thread's seed\n"
	"is printed; replay a failing thread's stream with that seed alone.  The\n"
	"last line is 'torture: N ops, F failures'; exit 0 when F is 0.  --machine\n"
	"prints the seed's machine as topology text instead (for a scenario).\n";

static int print_torture_machine(uint64_t seed)
{
	size_t len;
	char *text = ioda_torture_topology(seed, &len);

	if (!text) {
		printf("# seed %llu runs the built-in example machine (ioda tree --topo)\n",
		       (unsigned long long)seed);
		return 0;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

int cmd_torture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "audit-every", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "machine", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool machine = false;
	struct ioda_torture_opts to = {
		.seed = 1, .ops = 10000, .threads = 1, .audit_every = 1000,
		.out = stdout, .diag = stderr,
	};
	struct ioda_error err = { "" };
	unsigned long long v;
	long rc;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(torture_usage, stdout);
			return 0;
		}
		if (c == 'v' || c == 'm') {
			to.verbose |= c == 'v';
			machine |= c == 'm';
			continue;
		}
		if (c == '?' || c == ':')
			return option_error(argv, c);
		if (!parse_count(optarg, c == 't' ? 64 : UINT64_MAX, &v) || (c == 't' && !v))
			return usage_error(argv[0], "bad number", optarg);
		if (c == 's')
			to.seed = v;
		else if (c == 'o')
			to.ops = (unsigned long)v;
		else if (c == 't')
			to.threads = (unsigned int)v;
		else
			to.audit_every = (unsigned long)v;
	}
	if (optind < argc)
		return usage_error(argv[0], "unexpected argument", argv[optind]);
	if (machine)
		return print_torture_machine(to.seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = ioda_torture_run(&to, &err);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_USAGE;
	}
	return rc ? EXIT_FINDING : 0;
}
