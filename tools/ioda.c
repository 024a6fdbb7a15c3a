/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda: the command line.  Data goes to stdout, messages to stderr.
 * Exit codes: 0 ok, 1 a finding or a difference, 2 bad input or usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/config.h>
#include <ioda/ioda.h>
#include <ioda/topo.h>

enum { EXIT_FINDING = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"Usage: ioda [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"A userspace model of the PowerNV PCI IODA Partitionable Endpoint subsystem.\n"
	"\n"
	"Commands:\n"
	"  tree [MACHINE]   print the PCI tree, one device per line\n"
	"  boot [MACHINE]   boot it as the PowerNV kernel does; print the kernel's log\n"
	"\n"
	"MACHINE is a topology text (.topo), a device tree (.dts/.dtb) or a kernel\n"
	"boot log (anything else); --as=topo|dt|log overrides the extension.\n"
	"Without MACHINE, the built-in example machine (a POWER9 box) is used.\n"
	"\n"
	"Exit status: 0 ok, 1 a finding or a difference, 2 bad input or usage.\n"
	"Run 'ioda COMMAND --help' for a command's options.\n";

static const char tree_usage[] =
	"Usage: ioda tree [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Prints the machine's PCI tree: one device per line, indented by depth,\n"
	"starting with DDDD:BB:DD.F, then [vendor:device], the class name, and for\n"
	"bridges the bus range below them.\n";

/* "ioda: WHAT 'ARG'", then the command's usage; exit status 2. */
static int usage_error(const char *cmd_usage, const char *what, const char *arg)
{
	fprintf(stderr, "ioda: %s '%s'\n%s", what, arg, cmd_usage);
	return EXIT_USAGE;
}

/* Loads MACHINE, or the built-in example when @path is NULL. */
static int load(struct ioda_ctx *ctx, const char *path, int kind, struct ioda_machine **m)
{
	struct ioda_error err = { "" };
	int rc;

	if (path)
		rc = ioda_load_machine(ctx, path, (enum ioda_input_kind)kind, m, &err);
	else
		rc = ioda_load_machine_buf(ctx, ioda_example_machine_name, ioda_example_machine,
					   strlen(ioda_example_machine), IODA_INPUT_TOPO, m, &err);
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_USAGE;
	}
	return 0;
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

/*
 * Parses the options every machine command shares.  Returns -1 to go on,
 * or the exit status when the command is done (--help, a usage error).
 */
static int machine_args(int argc, char **argv, const char *cmd_usage, int *kind,
			const char **path)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*kind = IODA_INPUT_AUTO;
	*path = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			*kind = ioda_input_kind_parse(optarg);
			if (*kind < 0)
				return usage_error(cmd_usage, "unknown input kind", optarg);
			break;
		case 'h':
			fputs(cmd_usage, stdout);
			return EXIT_SUCCESS;
		default:
			return usage_error(cmd_usage, "unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error(cmd_usage, "unexpected argument", argv[optind + 1]);
	if (optind < argc)
		*path = argv[optind];
	return -1;
}

static int cmd_tree(int argc, char **argv)
{
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
	const char *path;
	int kind, rc;

	rc = machine_args(argc, argv, tree_usage, &kind, &path);
	if (rc >= 0)
		return rc;
	ctx = ioda_ctx_new();
	if (!ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	rc = load(ctx, path, kind, &m);
	if (!rc) {
		pci_walk_machine(m, print_tree_line, NULL);
		if (ioda_machine_free(m))
			rc = EXIT_FINDING;
	}
	ioda_ctx_free(ctx);
	return rc;
}

static const char boot_usage[] =
	"Usage: ioda boot [--kernel=VERSION] [--cmdline=TEXT] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine as the PowerNV PCI code of kernel VERSION does (default:\n"
	"the newest ioda models) and prints what that kernel prints about it: the\n"
	"PHB headers, each PE, its DMA windows and iommu groups.\n";

static void print_event(void *arg, const struct ioda_event *ev)
{
	char line[256];

	ioda_event_format(ev, line, sizeof(line));
	puts(line);
}

static int cmd_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioda_boot_opts bo = { 0 };
	struct ioda_error err = { "" };
	struct ioda_kernel *k;
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
	const char *path = NULL;
	int kind = IODA_INPUT_AUTO, c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			kind = ioda_input_kind_parse(optarg);
			if (kind < 0)
				return usage_error(boot_usage, "unknown input kind", optarg);
			break;
		case 'k':
			bo.kernel = optarg;
			break;
		case 'c':
			bo.cmdline = optarg;
			break;
		case 'h':
			fputs(boot_usage, stdout);
			return 0;
		default:
			return usage_error(boot_usage, "unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error(boot_usage, "unexpected argument", argv[optind + 1]);
	if (optind < argc)
		path = argv[optind];
	ctx = ioda_ctx_new();
	if (!ctx)
		return EXIT_USAGE;
	rc = load(ctx, path, kind, &m);
	if (!rc) {
		if (ioda_kernel_boot(m, &bo, print_event, NULL, &k, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			rc = EXIT_USAGE;
		} else {
			ioda_kernel_free(k);
		}
		if (ioda_machine_free(m))
			rc = EXIT_FINDING;
	}
	ioda_ctx_free(ctx);
	return rc;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "tree", cmd_tree },
	{ "boot", cmd_boot },
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
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
	fprintf(stderr, "ioda: unknown command '%s'\n%s", argv[1], usage_text);
	return EXIT_USAGE;
}
