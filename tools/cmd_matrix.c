/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda matrix: every operation on every kind of object in every state, audited. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioda/matrix.h>

#include "commands.h"

static const char matrix_usage[] =
	"Usage: ioda matrix [--kernel=V] [--refcount=RULE] [--threads=T] [--pairs]\n"
	"                   [--scenario=N] [--print] [MACHINE]\n"
	"\n"
	"Finds one object of each kind on MACHINE (default: the built-in example):\n"
	"root port, switch upstream and downstream ports, PCIe-to-PCI and PCI-PCI\n"
	"bridges, endpoint, multifunction function, SR-IOV PF and VF, GPU, NVLink\n"
	"link, OpenCAPI function, the PHB.  Then, for each object and each state it\n"
	"can be put in (fresh, bound, bound without handlers, recovered once, failed\n"
	"for good, removed but held, after a PHB fence, with VFs enabled, re-added\n"
	"beside the PE the firmware failed to unmap at its removal), runs\n"
	"every scenario operation on it as a scenario of its own (--pairs: also\n"
	"twice in a row, and followed by its inverse), under the audit.  A step the\n"
	"kernel refuses must leave everything as it was; the run must end with a\n"
	"clean audit and no leak but those the --refcount rule is known for.\n"
	"Each failing scenario is printed with its findings on stderr; --scenario=N\n"
	"runs only the Nth, --print prints each scenario's text.  The last line is\n"
	"'matrix: MACHINE, kernel V, refcount RULE: S scenarios, A steps (R refused\n"
	"by the kernel), F failed'; exit 0 when F is 0.\n";

static void print_result(const struct ioda_matrix_opts *o, const struct ioda_matrix_result *r)
{

	printf("matrix: objects:");
	for (unsigned int k = 0; k < IODA_MX_KINDS; k++)
		if (r->found[k])
			printf(" %s (%lu)", ioda_matrix_kind_name((enum ioda_matrix_kind)k),
			       r->per_kind[k]);
	printf("\n");
	for (unsigned int k = 0; k < IODA_MX_KINDS; k++)
		if (!r->found[k])
			printf("matrix: no %s on this machine\n",
			       ioda_matrix_kind_name((enum ioda_matrix_kind)k));
	if (r->kernel_leaks)
		printf("matrix: %lu scenarios leak what the refcount rule leaks\n",
		       r->kernel_leaks);
	printf("matrix: %s, kernel %s, refcount %s%s: %lu scenarios, %lu steps (%lu refused by "
	       "the kernel), %lu failed\n", o->machine ? o->machine : "the example",
	       o->kernel ? o->kernel : "newest", ioda_refcount_rule_name(o->refcount), o->pairs ? ", pairs" : "",
	       r->scenarios, r->steps, r->refused, r->failed);
}

int cmd_matrix(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "refcount", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "scenario", required_argument, NULL, 'n' },
		{ "pairs", no_argument, NULL, 'p' },
		{ "print", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioda_matrix_opts mo = { .threads = 1, .diag = stderr };
	struct ioda_matrix_result res;
	struct ioda_error err = { "" };
	unsigned long long v;
	int c, rule, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(matrix_usage, stdout);
			return 0;
		case 'k':
			if (check_kernel(argv[0], optarg) >= 0)
				return EXIT_USAGE;
			mo.kernel = optarg;
			break;
		case 'r':
			rule = ioda_refcount_rule_parse(optarg);
			if (rule < 0)
				return usage_error(argv[0], "unknown refcount rule", optarg);
			mo.refcount = (enum ioda_refcount_rule)rule;
			break;
		case 't':
		case 'n':
			if (!parse_count(optarg, c == 't' ? 64 : 1000000, &v) || !v)
				return usage_error(argv[0], "bad number", optarg);
			if (c == 't')
				mo.threads = (unsigned int)v;
			else
				mo.only = (unsigned long)v;
			break;
		case 'p':
			mo.pairs = true;
			break;
		case 'P':
			mo.print = stdout;
			break;
		default:
			return option_error(argv, c);
		}
	}
	if (optind + 1 < argc)
		return usage_error(argv[0], "unexpected argument", argv[optind + 1]);
	mo.machine = optind < argc ? argv[optind] : NULL;
	rc = ioda_matrix_run(&mo, &res, &err);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_USAGE;
	}
	print_result(&mo, &res);
	return res.failed ? EXIT_FINDING : 0;
}
