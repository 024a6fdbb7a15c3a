/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words topology text has for enum values: the parser reads them and
 * the writer writes them, from these tables alone, so that the two agree.
 */
#include "topo_priv.h"

const struct enum_name topo_gen_names[] = {
	{"phb3", IODA_PHB3},
	{"phb4", IODA_PHB4},
	{"phb5", IODA_PHB5},
	{NULL, 0},
};

const struct enum_name topo_bridge_types[] = {
	{"root-port", PCIE_TYPE_ROOT_PORT},   {"upstream", PCIE_TYPE_UPSTREAM},
	{"downstream", PCIE_TYPE_DOWNSTREAM}, {"pcie-pci", PCIE_TYPE_PCI_BRIDGE},
	{"pci-pci", PCIE_TYPE_NONE},	      {NULL, 0},
};

const struct enum_name topo_hotplug_names[] = {
	{"yes", PCI_HOTPLUG_YES},
	{"no", PCI_HOTPLUG_NO},
	{NULL, 0},
};

const struct enum_name topo_device_types[] = {
	{"endpoint", PCIE_TYPE_ENDPOINT},
	{"legacy", PCIE_TYPE_LEG_END},
	{"rc-endpoint", PCIE_TYPE_RC_END},
	{"pci", PCIE_TYPE_NONE},
	{NULL, 0},
};

const struct enum_name topo_window_kinds[] = {
	{"io", PCI_BRIDGE_IO_WINDOW},
	{"mem", PCI_BRIDGE_MEM_WINDOW},
	{"pref", PCI_BRIDGE_PREF_WINDOW},
	{NULL, 0},
};
