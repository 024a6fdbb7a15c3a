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

#include <ioda/config.h>
#include <ioda/groups.h>
#include <ioda/hw.h>
#include <ioda/json.h>
#include <ioda/ioda.h>
#include <ioda/replay.h>
#include <ioda/scenario.h>
#include <ioda/show.h>
#include <ioda/load.h>
#include <ioda/torture.h>

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
	"  hw --phb=N [MACHINE]\n"
	"                   boot it, then dump PHB N's hardware tables\n"
	"  run FILE.scn     run a scenario: boot a machine, then hotplug, drivers, EEH,\n"
	"                   SR-IOV, references and DMA steps, checking expectations\n"
	"  torture --seed S --ops N\n"
	"                   random operations on a generated machine, audited\n"
	"  draw [MACHINE] [-o FILE.svg|.png|.dot]\n"
	"                   boot it and draw chips, PHBs, PEs, devices and NVLinks\n"
	"  import COPY [-o FILE.topo]\n"
	"                   a real machine's /sys/bus/pci/devices (and device tree)\n"
	"                   copy as topology text\n"
	"\n"
	"MACHINE is a topology text (.topo), a device tree (.dts/.dtb) or a kernel\n"
	"boot log (anything else); --as=topo|dt|log overrides the extension.\n"
	"Without MACHINE, the built-in example machine (a POWER9 box) is used.\n"
	"\n"
	"Exit status: 0 ok, 1 a finding or a difference, 2 bad input or usage.\n"
	"Run 'ioda COMMAND --help' for a command's options.\n";

static const char tree_usage[] =
	"Usage: ioda tree [--json | --topo [--subtree=DDDD:BB:DD.F]] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Prints the machine's PCI tree: one device per line, indented by depth,\n"
	"starting with DDDD:BB:DD.F, then [vendor:device], the class name, and for\n"
	"bridges the bus range below them.\n"
	"\n"
	"--topo writes the machine as topology text instead (docs/topology.md), so\n"
	"a device tree or a boot log becomes an editable .topo; --subtree writes\n"
	"only that device and what is below it, as a scenario's hot add block holds.\n"
	"--json prints the same description as one JSON document.\n";

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

/* --kernel is checked before anything is loaded: a bad one is a usage error. */
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
		    (opt == 'D' && !(allowed & OPT_DEVICE)) ||
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
			c->phb = strtol(optarg, &end, 0);
			if (*end || end == optarg || c->phb < 0 || c->phb > 0xffff)
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
			c->device = optarg;
			break;
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
	if (c->subtree && !c->topo)
		return usage_error(argv[0], "--subtree needs --topo, not", c->subtree);
	if (c->json && c->topo)
		return usage_error(argv[0], "--json and --topo exclude each other, given", "--json");
	if (optind < argc)
		c->path = argv[optind];
	return -1;
}

static void print_event(void *arg, const struct ioda_event *ev)
{
	char line[256];

	if (!arg)
		return;
	ioda_event_format(ev, line, sizeof(line));
	puts(line);
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
	void *sink_arg = log ? stdout : NULL;
	int rc;

	if (log && c->json) {
		events = ioda_json_events_new();
		if (!events) {
			ioda_ctx_free(ctx);
			ctx = NULL;
		}
		sink = ioda_json_events_add;
		sink_arg = events;
	}

	if (!ctx) {
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

static const char *port_name(const struct pci_dev *dev)
{
	switch (dev->pcie_type) {
	case PCIE_TYPE_ROOT_PORT:
		return "root port";
	case PCIE_TYPE_UPSTREAM:
		return "upstream port";
	case PCIE_TYPE_DOWNSTREAM:
		return "downstream port";
	case PCIE_TYPE_PCI_BRIDGE:
		return "PCIe to PCI bridge";
	default:
		return dev->hdr_type == 1 ? "PCI-PCI bridge" : NULL;
	}
}

static int print_tree_line(void *arg, struct pci_dev *dev, unsigned int depth)
{
	const char *port = port_name(dev);

	printf("%*s%s [%04x:%04x] %s", (int)(2 * depth), "", pci_dev_peek_name(dev), dev->vendor,
	       dev->device, pci_class_name(dev->class));
	if (port)
		printf(" (%s)", port);
	if (dev->subordinate) {
		if (dev->subordinate->busn_end != dev->subordinate->number)
			printf(" [bus %02x-%02x]", dev->subordinate->number,
			       dev->subordinate->busn_end);
		else
			printf(" [bus %02x]", dev->subordinate->number);
	}
	if (dev->sriov.total_vfs)
		printf(" sriov %u VFs", dev->sriov.total_vfs);
	if (dev->label[0])
		printf(" %s", dev->label);
	putchar('\n');
	return 0;
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

/* --topo --subtree BDF: the device's subtree as a hot add block's body. */
static int write_subtree(struct cli *c, struct ioda_machine *m)
{
	struct ioda_topo_node *node;
	struct pci_dev *dev;
	int rc;

	dev = get_dev_arg(c, m, c->subtree, &rc);
	if (!dev)
		return rc;
	rc = pci_describe_dev(m, dev, &node);
	pci_dev_put(dev, "ioda");
	if (!rc) {
		rc = ioda_topo_write_nodes(stdout, node, 0);
		ioda_topo_node_free(m->ctx, node);
	}
	return rc ? EXIT_USAGE : 0;
}

static int do_tree(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	struct ioda_topo *topo;
	int rc;

	if (c->subtree)
		return write_subtree(c, m);
	if (!c->topo && !c->json) {
		pci_walk_machine(m, print_tree_line, NULL);
		return 0;
	}
	rc = pci_describe_machine(m, &topo);
	if (!rc) {
		rc = c->json ? ioda_topo_json(topo, stdout) : ioda_topo_write(stdout, topo);
		ioda_topo_free(m->ctx, topo);
	}
	return rc ? EXIT_USAGE : 0;
}

static int cmd_tree(int argc, char **argv)
{
	struct cli c = { .usage = tree_usage };
	int rc = parse_args(argc, argv, &c, OPT_TOPO | OPT_JSON);

	return rc >= 0 ? rc : run(&c, false, false, do_tree);
}

static const char boot_usage[] =
	"Usage: ioda boot [--json] [--kernel=VERSION] [--cmdline=TEXT] [--reassign]\n"
	"                 [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine as the PowerNV PCI code of kernel VERSION does (default:\n"
	"the newest ioda models) and prints what that kernel prints about it: the\n"
	"PHB headers, the resource assignment where the machine gives no addresses\n"
	"(or everywhere with --reassign), each PE, its DMA windows and iommu groups.\n"
	"--cmdline gives the boot options that matter (iommu=nobypass, pci=realloc).\n";

static int cmd_boot(int argc, char **argv)
{
	struct cli c = { .usage = boot_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON);

	return rc >= 0 ? rc : run(&c, true, true, NULL);
}

static const char show_usage[] =
	"Usage: ioda show [--json|--dump] [--kernel=VERSION] [--cmdline=TEXT] [--as=KIND]\n"
	"                 [MACHINE]\n"
	"\n"
	"Boots the machine and prints its PE table: per PHB, each allocated PE with\n"
	"its kind (the kernel's flags), RID, device count, iommu group, DMA windows,\n"
	"M32 and M64 segments, freeze state and member devices.  --dump prints what\n"
	"debugfs PCIxxxx/dump_ioda_pe_state prints, line for line.\n";

static void print_dump(void *arg, const struct ioda_event *ev)
{
	if (ev->kind == IODA_EV_PE_DUMP)
		print_event(arg, ev);
}

static int do_show(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	if (c->json)
		return ioda_show_json(k, stdout) ? EXIT_USAGE : 0;
	if (!c->dump)
		return ioda_show_text(k, stdout) ? EXIT_USAGE : 0;
	k->emit = print_dump;
	k->emit_arg = stdout;
	for (unsigned int i = 0; i < k->nphbs; i++)
		ioda_dump_pe_state(k, k->phbs[i]->domain->number);
	return 0;
}

static const char groups_usage[] =
	"Usage: ioda groups [--json] [--device=DDDD:BB:DD.F] [--kernel=VERSION]\n"
	"                   [--cmdline=TEXT] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine and lists its iommu groups: each group's devices with\n"
	"their PE (DDDD:PE), IDs and class.  VFIO passes whole groups to a guest.\n"
	"\n"
	"--device answers \"what else must I pass through with this device?\": every\n"
	"device that must go to the same guest, and why: the same PE (the PHB\n"
	"isolates PEs, not functions), the same iommu group, an NVLink peer (a GPU\n"
	"and its links on the NPU), or the iommu group of such a peer.  Exit 1 when\n"
	"the device has no iommu group (a bridge, a device without a PE): it cannot\n"
	"be passed through.\n";

static int do_groups(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	struct pci_dev *dev;
	int rc;

	if (!c->device) {
		rc = c->json ? ioda_groups_json(k, stdout) : ioda_groups_text(k, stdout);
		return rc ? EXIT_USAGE : 0;
	}
	dev = get_dev_arg(c, m, c->device, &rc);
	if (!dev)
		return rc;
	rc = ioda_groups_advise(k, dev, c->json, stdout);
	if (rc == -ENODEV)
		fprintf(stderr, "%s: %s has no iommu group: it cannot be passed through\n",
			c->path ? c->path : ioda_example_machine_name, c->device);
	pci_dev_put(dev, "ioda");
	return rc == -ENODEV ? EXIT_FINDING : rc < 0 ? EXIT_USAGE : 0;
}

static int cmd_groups(int argc, char **argv)
{
	struct cli c = { .usage = groups_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON | OPT_DEVICE);

	return rc >= 0 ? rc : run(&c, true, false, do_groups);
}

static int cmd_show(int argc, char **argv)
{
	struct cli c = { .usage = show_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON | OPT_DUMP);

	if (rc >= 0)
		return rc;
	if (c.json && c.dump)
		return usage_error(argv[0], "choose one of", "--json --dump");
	return run(&c, true, false, do_show);
}

static const char hw_usage[] =
	"Usage: ioda hw --phb=N [--json] [--kernel=VERSION] [--cmdline=TEXT] [--as=KIND] [MACHINE]\n"
	"\n"
	"Boots the machine, then dumps the hardware tables of PHB N (its PCI domain\n"
	"number) as the kernel left them: RTT, PELT-V, TVT, M32 and M64 maps, MSI\n"
	"routing, frozen PEs.  Only entries that differ from reset are shown.\n"
	"--json prints them as one JSON document.\n";

static int do_hw(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, (int)c->phb);

	if (!phb) {
		fprintf(stderr, "ioda: the machine has no PHB %ld\n", c->phb);
		return EXIT_USAGE;
	}
	if (c->json)
		return ioda_hw_json(ioda_opal_phb(k->opal, phb->opal_id), stdout) ? EXIT_USAGE : 0;
	ioda_hw_dump(ioda_opal_phb(k->opal, phb->opal_id), stdout);
	return 0;
}

static int cmd_hw(int argc, char **argv)
{
	struct cli c = { .usage = hw_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_PHB | OPT_JSON);

	if (rc >= 0)
		return rc;
	if (c.phb < 0)
		return usage_error(argv[0], "missing", "--phb");
	return run(&c, true, false, do_hw);
}

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
	"and the last line is \"resources: M/T assignments match\".  Exit 0 when all\n"
	"match and nothing is extra, 1 when something differs, 2 when the log cannot\n"
	"be used.  --json prints the counts and the report's lines as one JSON\n"
	"document.\n";

static int cmd_replay(int argc, char **argv)
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
	char *report = NULL;
	size_t report_len = 0;
	FILE *out = stdout;
	bool json = false;
	struct ioda_replay_result res;
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
	/* --json: the report is collected, then printed inside the document. */
	if (json)
		out = open_memstream(&report, &report_len);
	if (!ctx || !out) {
		if (out)
			fclose(out);
		free(report);
		ioda_ctx_free(ctx);
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	rc = ioda_read_file(ctx, argv[optind], &buf, &len, &err);
	if (!rc)
		rc = ioda_replay(ctx, argv[optind], buf, len, &ro, out, &res, &err);
	ioda_free(ctx, buf);
	if (json) {
		fclose(out);
		if (!rc && ioda_replay_json(argv[optind], &ro, &res, report, stdout))
			rc = -ENOMEM;
		free(report);
	}
	if (rc)
		fprintf(stderr, "%s\n", err.msg);
	else if (!ro.derived_only && (res.matched != res.total || res.extra))
		rc = EXIT_FINDING;
	if (ioda_ctx_check_leaks(ctx) && !rc)
		rc = EXIT_FINDING;
	ioda_ctx_free(ctx);
	return rc < 0 ? EXIT_USAGE : rc;
}

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

static int cmd_run(int argc, char **argv)
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
	rc = one_operand(argc, argv, "FILE.scn");
	if (rc >= 0)
		return rc;
	ctx = ioda_ctx_new();
	if (!ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
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

/* A whole number for an option; false if it is not one. */
static bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !*end && !errno && *out <= max;
}

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

static int cmd_torture(int argc, char **argv)
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
	{ "draw", cmd_draw },
	{ "import", cmd_import },
};

int main(int argc, char **argv)
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
		printf("ioda %s\n", IODA_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ioda: unknown command '%s' (see 'ioda --help')\n", argv[1]);
	return EXIT_USAGE;
}
