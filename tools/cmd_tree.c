/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda tree: the machine's PCI tree, or its description as topology text or JSON. */
#include <stdio.h>

#include <ioda/json.h>
#include <ioda/load.h>
#include <ioda/pci.h>

#include "commands.h"

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
	/* A PowerNV hotplug slot: /sys/bus/pci/slots/NAME once pnv_php has it. */
	if (dev->slot.label[0] && dev->slot.pluggable && dev->slot.reset_by_fw)
		printf(" slot %s%s", dev->slot.label, dev->slot.surprise ? " (surprise)" : "");
	putchar('\n');
	return 0;
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

int cmd_tree(int argc, char **argv)
{
	struct cli c = { .usage = tree_usage };
	int rc = parse_args(argc, argv, &c, OPT_TOPO | OPT_JSON);

	return rc >= 0 ? rc : run(&c, false, false, do_tree);
}
