/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda: the command line.  Data goes to stdout, messages to stderr.
 * Exit codes: 0 ok, 1 a finding or a difference, 2 bad input or usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#include "commands.h"

static const char usage_text[] =
	"Usage: ioda [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"A userspace model of the PowerNV PCI IODA Partitionable Endpoint subsystem.\n"
	"\n"
	"Commands:\n"
	"  tree [MACHINE]   print the PCI tree, one device per line\n"
	"  boot [MACHINE]   boot it as the PowerNV kernel does; print the kernel's log\n"
	"  show [MACHINE]   boot it and print the PE table (--dump: as debugfs does)\n"
	"  groups [MACHINE] its iommu groups; --device=BDF: what else must be passed\n"
	"                   through to a guest with that device, and why\n"
	"  replay LOG       rebuild a machine from a real boot log, boot it under the\n"
	"                   log's kernel and compare the PE lines with the log's\n"
	"  hw --phb=DOMAIN [MACHINE]\n"
	"                   boot it, then dump that PHB's hardware tables\n"
	"  run FILE.scn     run a scenario: boot a machine, then hotplug, drivers, EEH,\n"
	"                   SR-IOV, references and DMA steps, checking expectations\n"
	"  torture --seed S --ops N\n"
	"                   random operations on a generated machine, audited\n"
	"  matrix [MACHINE] every operation on every kind of object in every state,\n"
	"                   each a generated scenario run under the audit\n"
	"  draw [MACHINE] [-o FILE.svg|.png|.dot]\n"
	"                   boot it and draw chips, PHBs, PEs, devices and NVLinks\n"
	"  import COPY [-o FILE.topo]\n"
	"                   a real machine's /sys/bus/pci/devices (and device tree)\n"
	"                   copy as topology text\n"
	"  host [--root=DIR] the running POWER host (or a copy) against the model:\n"
	"                   its iommu groups and PEs, function by function\n"
	"\n"
	"MACHINE is a topology text (.topo), a device tree (.dts/.dtb) or a kernel\n"
	"boot log (anything else); --as=topo|dt|log overrides the extension.\n"
	"Without MACHINE, the built-in example machine (a POWER9 box) is used.\n"
	"\n"
	"Exit status: 0 ok, 1 a finding or a difference, 2 bad input or usage.\n"
	"Run 'ioda COMMAND --help' for a command's options.\n";

/* One line, "ioda: WHAT 'ARG' (see ...)", and exit status 2: bad input is never more. */
int usage_error(const char *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "ioda: %s '%s' (see 'ioda %s --help')\n", what, arg, cmd);
	return EXIT_USAGE;
}

/* getopt's '?' (an unknown option) or ':' (an option without its value). */
int option_error(char **argv, int opt)
{
	return usage_error(argv[0], opt == ':' ? "missing value for" : "unknown option",
			   argv[optind - 1]);
}

/* The operands: exactly one, named @what; -1 to go on, or the exit status. */
int one_operand(int argc, char **argv, const char *what)
{
	if (optind == argc)
		return usage_error(argv[0], "missing", what);
	if (argc - optind > 1)
		return usage_error(argv[0], "unexpected argument", argv[optind + 1]);
	return -1;
}

int one_operand_ctx(int argc, char **argv, const char *what, struct ioda_ctx **ctx)
{
	int rc = one_operand(argc, argv, what);

	if (rc >= 0)
		return rc;
	*ctx = ioda_ctx_new();
	if (!*ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* --kernel is checked before anything is loaded: a bad one is a usage error. */
bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10); /* decimal: "010" is ten, not octal eight */
	return !*end && !errno && *out <= max;
}

int check_kernel(const char *cmd, const char *version)
{
	struct ioda_profile p;
	struct ioda_error err;

	if (!ioda_profile_init(&p, version, &err))
		return -1;
	fprintf(stderr, "ioda: %s (see 'ioda %s --help')\n", err.msg, cmd);
	return EXIT_USAGE;
}

int parse_args(int argc, char **argv, struct cli *c, unsigned int allowed)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "reassign", no_argument, NULL, 'r' },
		{ "phb", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "dump", no_argument, NULL, 'd' },
		{ "topo", no_argument, NULL, 't' },
		{ "subtree", required_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'D' },
		{ "vfs", required_argument, NULL, 'V' },
		{ "output", required_argument, NULL, 'o' },
		{ "eeh-freeze", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;
	char *end;

	c->cmd = argv[0];
	c->kind = IODA_INPUT_AUTO;
	c->path = NULL;
	c->phb = -1;
	optind = 1;
	opterr = 0;
	/* -o takes a value only where it is known: elsewhere it is an unknown option. */
	while ((opt = getopt_long(argc, argv, allowed & OPT_DRAW ? ":ho:" : ":h", opts, NULL)) !=
	       -1) {
		if ((opt == 'k' || opt == 'c' || opt == 'r') && !(allowed & OPT_BOOT))
			opt = '?';
		if ((opt == 'p' && !(allowed & OPT_PHB)) || (opt == 'j' && !(allowed & OPT_JSON)) ||
		    (opt == 'd' && !(allowed & OPT_DUMP)) ||
		    ((opt == 't' || opt == 's') && !(allowed & OPT_TOPO)) ||
		    ((opt == 'D' || opt == 'V') && !(allowed & OPT_DEVICE)) ||
		    ((opt == 'o' || opt == 'f') && !(allowed & OPT_DRAW)))
			opt = '?';
		switch (opt) {
		case 'a':
			c->kind = ioda_input_kind_parse(optarg);
			if (c->kind < 0)
				return usage_error(argv[0], "unknown input kind", optarg);
			break;
		case 'k':
			c->boot.kernel = optarg;
			rc = check_kernel(argv[0], optarg);
			if (rc >= 0)
				return rc;
			break;
		case 'c':
			c->boot.cmdline = optarg;
			break;
		case 'r':
			c->boot.reassign = true;
			break;
		case 'p':
			/* A domain is hex wherever it is printed ("0030"): read it so. */
			c->phb = strtol(optarg, &end, 16);
			if (*end || end == optarg || *optarg == '-' || *optarg == '+' ||
			    c->phb < 0 || c->phb > 0xffff)
				return usage_error(argv[0], "bad PHB number", optarg);
			break;
		case 'j':
			c->json = true;
			break;
		case 'd':
			c->dump = true;
			break;
		case 't':
			c->topo = true;
			break;
		case 's':
			c->subtree = optarg;
			break;
		case 'D':
			/* Each --device adds; "A,B" is two. */
			for (char *d = strtok(optarg, ","); d; d = strtok(NULL, ",")) {
				if (c->ndevice == MAX_DEVICES)
					return usage_error(argv[0], "too many --device (max 32) at", d);
				c->device[c->ndevice++] = d;
			}
			break;
		case 'V': {
			unsigned long long v;

			if (!parse_count(optarg, 65535, &v) || !v)
				return usage_error(argv[0], "bad VF count (1..65535)", optarg);
			c->vfs = (unsigned int)v;
			break;
		}
		case 'o':
			c->out = optarg;
			break;
		case 'f':
			if (c->nfreeze == MAX_FREEZES)
				return usage_error(argv[0], "too many --eeh-freeze (max 16) at", optarg);
			c->freeze[c->nfreeze++] = optarg;
			break;
		case 'h':
			fputs(c->usage, stdout);
			return 0;
		default:
			return option_error(argv, opt);
		}
	}
	if (argc - optind > 1)
		return usage_error(argv[0], "unexpected argument", argv[optind + 1]);
	if (c->vfs && !c->ndevice)
		return usage_error(argv[0], "--vfs needs --device (a PF), given", "--vfs");
	if (c->subtree && !c->topo)
		return usage_error(argv[0], "--subtree needs --topo, not", c->subtree);
	if (c->json && c->topo)
		return usage_error(argv[0], "--json and --topo exclude each other, given", "--json");
	if (optind < argc)
		c->path = argv[optind];
	return -1;
}

void print_event(void *arg, const struct ioda_event *ev)
{
	char line[256];

	if (!arg)
		return;
	ioda_event_format(ev, line, sizeof(line));
	fputs(line, arg);
	fputc('\n', arg);
}

/* Teardown leaks make the exit status 1. */
int run(struct cli *c, bool boot, bool log,
	int (*fn)(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k))
{
	struct ioda_error err = { "" };
	struct ioda_kernel *k = NULL;
	struct ioda_machine *m;
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct ioda_json_events *events = NULL;
	ioda_event_fn sink = print_event;
	void *sink_arg = NULL;
	/* The boot's log is held until the boot succeeds: a refusal prints nothing on stdout. */
	char *held = NULL;
	size_t held_len = 0;
	FILE *hold = NULL;
	int rc;

	if (log && c->json) {
		events = ioda_json_events_new();
		sink = ioda_json_events_add;
		sink_arg = events;
	} else if (log) {
		hold = open_memstream(&held, &held_len);
		sink_arg = hold;
	}
	if (log && !sink_arg) {
		ioda_ctx_free(ctx);
		ctx = NULL;
	}

	if (!ctx) {
		if (hold)
			fclose(hold);
		free(held);
		ioda_json_events_free(events);
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	if (c->path)
		rc = ioda_load_machine(ctx, c->path, (enum ioda_input_kind)c->kind, &m, &err);
	else
		rc = ioda_load_example(ctx, &m, &err);
	if (!rc && boot) {
		rc = ioda_kernel_boot(m, &c->boot, sink, sink_arg, &k, &err);
		if (rc) {
			/* What the kernel refused is the machine's: say which. */
			struct ioda_error e = err;

			ioda_error_set(&err, "%s: %s", c->path ? c->path : ioda_example_machine_name,
				       e.msg);
			ioda_machine_free(m);
		}
	}
	if (hold) {
		fclose(hold);
		if (!rc)
			fwrite(held, 1, held_len, stdout);
		free(held);
		/* What the kernel prints from here on (teardown) goes straight out. */
		if (k)
			k->emit_arg = stdout;
	}
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		ioda_json_events_free(events);
		ioda_ctx_free(ctx);
		return EXIT_USAGE;
	}
	if (events) {
		rc = ioda_json_events_write(events, k->profile.name, stdout) ? EXIT_USAGE : 0;
		ioda_json_events_free(events);
	}
	if (!rc && fn)
		rc = fn(c, m, k);
	ioda_kernel_free(k);
	if (ioda_machine_free(m) && !rc)
		rc = EXIT_FINDING;
	ioda_ctx_free(ctx);
	return rc;
}

struct pci_dev *get_dev_arg(struct cli *c, struct ioda_machine *m, const char *bdf, int *rc)
{
	unsigned int domain, bus, slot, fn;
	struct pci_dev *dev;
	int n = 0;

	if (sscanf(bdf, "%4x:%2x:%2x.%1u%n", &domain, &bus, &slot, &fn, &n) != 4 || bdf[n] ||
	    slot > 0x1f || fn > 7) {
		*rc = usage_error(c->cmd, "bad device (expected DDDD:BB:DD.F)", bdf);
		return NULL;
	}
	dev = pci_get_domain_bus_and_slot(m, (int)domain, bus, PCI_DEVFN(slot, fn), "ioda");
	if (!dev) {
		fprintf(stderr, "%s: no device %s\n", c->path ? c->path : ioda_example_machine_name,
			bdf);
		*rc = EXIT_USAGE;
	}
	return dev;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "tree", cmd_tree },
	{ "boot", cmd_boot },
	{ "show", cmd_show },
	{ "groups", cmd_groups },
	{ "hw", cmd_hw },
	{ "replay", cmd_replay },
	{ "run", cmd_run },
	{ "torture", cmd_torture },
	{ "matrix", cmd_matrix },
	{ "draw", cmd_draw },
	{ "import", cmd_import },
	{ "host", cmd_host },
};

/*
 * What a command printed must have reached stdout: a failed write (a full
 * disk, a closed descriptor) is one line and exit 2, never a quiet 0.  A
 * reader gone (EPIPE, with SIGPIPE ignored) is not worth a line.
 */
static int finish_stdout(int rc)
{
	int err = fflush(stdout) ? errno : 0;

	if (!err && !ferror(stdout))
		return rc;
	if (err != EPIPE)
		fprintf(stderr, "ioda: writing the output: %s\n",
			err ? strerror(err) : "write error");
	return EXIT_USAGE;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		fputs("ioda: missing COMMAND (see 'ioda --help')\n", stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ioda %s\n", ioda_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ioda: unknown command '%s' (see 'ioda --help')\n", argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return finish_stdout(dispatch(argc, argv));
}

