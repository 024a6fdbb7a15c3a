/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI function nodes below a PHB, as skiboot's core/pci.c makes them:
 * each one's IDs, BARs (reg and assigned-addresses) and NVLink links, and
 * the buses they sit on, checked as a scan would find them.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

#include <ioda/ctx.h>

#include "dt_priv.h"

#define SZ_2G 0x80000000ull

/* ---- PCI functions ---------------------------------------------------------- */

/* Where a PCI bus address lands in the CPU's address space: a PHB window. */
static bool translate(const struct ioda_topo_phb *phb, unsigned int flags, uint64_t pci,
		      uint64_t size, uint64_t *cpu)
{
	const struct {
		const struct pci_resource *win;
		uint64_t pci;
	} wins[] = {
		{ &phb->m32, phb->fw.m32_pci_addr },
		{ &phb->m64, phb->fw.m64_pci_addr },
	};

	if (flags & PCI_RES_IO)
		return false;
	for (size_t i = 0; i < sizeof(wins) / sizeof(wins[0]); i++) {
		const struct pci_resource *w = wins[i].win;

		if (w->size && pci >= wins[i].pci && size <= w->size &&
		    pci - wins[i].pci <= w->size - size) {
			*cpu = w->start + (pci - wins[i].pci);
			return true;
		}
	}
	return false;
}

/*
 * One entry of reg (a BAR's size: the OF PCI binding lists them after the
 * config address) or of assigned-addresses (where firmware put it).  The
 * register number says which BAR: 0x10 + 4n, or the ROM at 0x30 (0x38 on a
 * bridge).
 */
static int add_bar(struct dt *dt, const char *path, struct ioda_topo_node *node,
		   unsigned int bus, bool assigned, unsigned int i, const fdt32_t *e)
{
	const char *prop = assigned ? "assigned-addresses" : "reg";
	uint32_t hi = dt_cell(e, 0);
	uint64_t addr = dt_cell64(e, 1), size = dt_cell64(e, 3), cpu = 0;
	unsigned int space = OF_PCI_SPACE(hi), reg = OF_PCI_REG(hi);
	unsigned int nbars = node->hdr_type ? 2 : PCI_STD_NUM_BARS;
	unsigned int rom_reg = node->hdr_type ? 0x38 : 0x30;
	static const unsigned int space_flags[] = {
		[OF_SPACE_IO] = PCI_RES_IO,
		[OF_SPACE_MEM32] = PCI_RES_MEM,
		[OF_SPACE_MEM64] = PCI_RES_MEM | PCI_RES_MEM64,
	};
	struct pci_resource *res = node->resource, *cur;
	unsigned int idx, flags;

	if (OF_PCI_BUS(hi) != bus || OF_PCI_DEVFN(hi) != node->devfn)
		return dt_fail_path(dt, path, "%s entry %u is for %02x:%02x.%x, not %02x:%02x.%x",
				    prop, i, OF_PCI_BUS(hi), PCI_SLOT(OF_PCI_DEVFN(hi)),
				    PCI_FUNC(OF_PCI_DEVFN(hi)), bus, PCI_SLOT(node->devfn),
				    PCI_FUNC(node->devfn));
	if (space == OF_SPACE_CONFIG)
		return dt_fail_path(dt, path, "%s entry %u is a config space address, not a BAR",
				    prop, i);
	if (reg == rom_reg && space == OF_SPACE_MEM32)
		idx = PCI_ROM_RESOURCE;
	else if (reg >= 0x10 && reg % 4 == 0 && (reg - 0x10) / 4 < nbars && reg != rom_reg)
		idx = (reg - 0x10) / 4;
	else
		return dt_fail_path(dt, path, "%s entry %u: register %#04x is not a BAR%s", prop, i,
				    reg, reg == rom_reg ? " (a ROM is 32-bit memory)" : "");
	flags = space_flags[space];
	if ((hi & OF_PCI_PREFETCH) && space != OF_SPACE_IO && idx != PCI_ROM_RESOURCE)
		flags |= PCI_RES_PREFETCH;
	if (size == 0 || (size & (size - 1)))
		return dt_fail_path(dt, path,
				    "%s entry %u: size %#" PRIx64 " is not a power of two", prop, i,
				    size);
	if (!(flags & PCI_RES_MEM64) && size > SZ_2G)
		return dt_fail_path(dt, path, "%s entry %u: size %#" PRIx64
				    " is too large for a 32-bit BAR", prop, i, size);
	if (assigned && (addr & (size - 1)))
		return dt_fail_path(dt, path, "%s entry %u: address %#" PRIx64
				    " is not aligned to its size %#" PRIx64, prop, i, addr, size);
	if (assigned && !translate(dt->phb, flags, addr, size, &cpu))
		return dt_fail_path(dt, path, "%s entry %u: %#" PRIx64 "+%#" PRIx64
				    " is outside the PHB's windows", prop, i, addr, size);

	cur = &res[idx];
	if (cur->size) {
		/* reg gave the size; assigned-addresses places the same BAR. */
		if (!assigned || (cur->flags & PCI_RES_ASSIGNED))
			return dt_fail_path(dt, path, "%s entry %u: BAR %#04x is given twice", prop,
					    i, reg);
		if (cur->size != size || cur->flags != flags)
			return dt_fail_path(dt, path, "%s entry %u: BAR %#04x differs from reg",
					    prop, i, reg);
	} else if (idx < PCI_ROM_RESOURCE) {
		if (idx > 0 && (res[idx - 1].flags & PCI_RES_MEM64))
			return dt_fail_path(dt, path, "%s entry %u: BAR %#04x is the upper half of "
					    "64-bit BAR %#04x", prop, i, reg, reg - 4);
		if ((flags & PCI_RES_MEM64) && (idx + 1 == nbars || res[idx + 1].size))
			return dt_fail_path(dt, path, "%s entry %u: 64-bit BAR %#04x has no "
					    "room for its upper half", prop, i, reg);
	}
	*cur = (struct pci_resource){ cpu, size, flags | (assigned ? PCI_RES_ASSIGNED : 0) };
	return 0;
}

static int parse_bars(struct dt *dt, int off, const char *path, struct ioda_topo_node *node,
		      unsigned int bus, const fdt32_t *reg, unsigned int nreg)
{
	const fdt32_t *p;
	unsigned int n;
	int rc;

	/* reg's first entry is the config address. */
	for (unsigned int i = 1; i < nreg; i++) {
		rc = add_bar(dt, path, node, bus, false, i, reg + i * OF_PCI_CELLS);
		if (rc)
			return rc;
	}
	rc = dt_get_array(dt, off, "assigned-addresses", OF_PCI_CELLS, &p, &n);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		rc = add_bar(dt, path, node, bus, true, i, p + i * OF_PCI_CELLS);
		if (rc)
			return rc;
	}
	return 0;
}

/* A phandle property must name a node. */
static int check_phandle(struct dt *dt, int off, const char *name, uint32_t ph)
{
	if (fdt_node_offset_by_phandle(dt->fdt, ph) < 0)
		return dt_fail_node(dt, off, "%s: no node has phandle %#x", name, ph);
	return 0;
}

/*
 * skiboot's slot properties (pci_slot_add_dt_properties(): one cell each,
 * and the label a string); a node without ibm,slot-label is no slot.
 */
static int parse_slot(struct dt *dt, int off, struct ioda_topo_node *node)
{
	static const struct {
		const char *name;
		size_t field;
	} flags[] = {
		{ "ibm,slot-pluggable", offsetof(struct pci_slot_desc, pluggable) },
		{ "ibm,reset-by-firmware", offsetof(struct pci_slot_desc, reset_by_fw) },
		{ "ibm,slot-surprise-pluggable", offsetof(struct pci_slot_desc, surprise) },
		{ "ibm,slot-power-ctl", offsetof(struct pci_slot_desc, power_ctl) },
	};
	const char *label;
	int rc = dt_get_string(dt, off, "ibm,slot-label", &label);

	if (rc || !label)
		return rc;
	if (strlen(label) >= sizeof(node->slot.label) || !label[0])
		return dt_fail_node(dt, off, "ibm,slot-label \"%s\" is empty or longer than %zu",
				    label, sizeof(node->slot.label) - 1);
	strcpy(node->slot.label, label);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		uint32_t v;

		rc = dt_get_u32(dt, off, flags[i].name, 0, &v);
		if (rc)
			return rc;
		*(bool *)((char *)&node->slot + flags[i].field) = v != 0;
	}
	return 0;
}

/* The NVLink association: ibm,gpu on an NPU link, ibm,npu on a GPU. */
static int parse_nvlink(struct dt *dt, int off, struct ioda_topo_node *node)
{
	const fdt32_t *p;
	unsigned int n;
	int rc;

	rc = dt_get_cells(dt, off, "ibm,gpu", 1, &p);
	if (rc > 0) {
		node->gpu_phandle = dt_cell(p, 0);
		rc = check_phandle(dt, off, "ibm,gpu", node->gpu_phandle);
	}
	if (rc < 0)
		return rc;
	rc = dt_get_array(dt, off, "ibm,npu", 1, &p, &n);
	if (rc <= 0)
		return rc;
	if (n > IODA_DT_MAX_NPUS)
		return dt_fail_node(dt, off, "ibm,npu lists %u links, at most %d", n,
				    IODA_DT_MAX_NPUS);
	for (unsigned int i = 0; i < n; i++) {
		node->npu_phandle[i] = dt_cell(p, i);
		rc = check_phandle(dt, off, "ibm,npu", node->npu_phandle[i]);
		if (rc)
			return rc;
	}
	node->num_npus = n;
	return 0;
}

static bool is_bridge_class(uint32_t class)
{
	return class >> 8 == 0x0604 || class >> 8 == 0x0609;
}

/*
 * The PCIe port type, as the kernel would read it from the capability:
 * skiboot's tree does not say, so it follows from the position, as in a
 * scan.  ibm,pci-config-space-type 0 is conventional PCI.
 */
static enum pcie_port_type port_type(const struct ioda_topo_node *parent, bool bridge,
				     bool pcie)
{
	enum pcie_port_type up;

	if (!pcie)
		return PCIE_TYPE_NONE;
	if (!parent)
		return bridge ? PCIE_TYPE_ROOT_PORT : PCIE_TYPE_ENDPOINT;
	up = parent->pcie_type;
	if (up == PCIE_TYPE_PCI_BRIDGE || up == PCIE_TYPE_NONE)
		return PCIE_TYPE_NONE;
	if (!bridge)
		return PCIE_TYPE_ENDPOINT;
	return up == PCIE_TYPE_UPSTREAM ? PCIE_TYPE_DOWNSTREAM : PCIE_TYPE_UPSTREAM;
}

/* One function's own properties into @node; its bus (from reg) into *@bus. */
static int parse_function(struct dt *dt, int off, const struct ioda_topo_node *parent,
			  struct ioda_topo_node *node, unsigned int *bus)
{
	const fdt32_t *reg;
	unsigned int nreg;
	uint32_t vendor, device, class, cfg_type, actags;
	int rc;

	memset(node, 0, sizeof(*node));
	node->pos = (struct ioda_srcpos){ dt->topo->file, 0, 0 };
	node->secondary = node->subordinate = -1;
	if (fdt_get_path(dt->fdt, off, node->dt_path, sizeof(node->dt_path)))
		return dt_fail_node(dt, off, "path is longer than %d characters",
				    IODA_DT_PATH_MAX - 1);
	rc = dt_get_array(dt, off, "reg", OF_PCI_CELLS, &reg, &nreg);
	if (rc < 0)
		return rc;
	if (nreg == 0)
		return dt_fail_node(dt, off, rc ? "reg is empty" : "no reg");
	if (OF_PCI_SPACE(dt_cell(reg, 0)) != OF_SPACE_CONFIG || OF_PCI_REG(dt_cell(reg, 0)))
		return dt_fail_node(dt, off, "reg does not start with a config space address");
	*bus = OF_PCI_BUS(dt_cell(reg, 0));
	node->devfn = (uint8_t)OF_PCI_DEVFN(dt_cell(reg, 0));

	rc = dt_need_u32(dt, off, "vendor-id", &vendor);
	if (!rc)
		rc = dt_need_u32(dt, off, "device-id", &device);
	if (!rc)
		rc = dt_need_u32(dt, off, "class-code", &class);
	if (!rc)
		rc = dt_get_u32(dt, off, "ibm,pci-config-space-type", 1, &cfg_type);
	if (rc)
		return rc;
	if (vendor > 0xffff || device > 0xffff || class > 0xffffff)
		return dt_fail_node(dt, off, "vendor-id %#x, device-id %#x or class-code %#x "
				    "out of range", vendor, device, class);
	node->vendor = (uint16_t)vendor;
	node->device = (uint16_t)device;
	node->class = class;
	node->hdr_type = is_bridge_class(class) || fdt_first_subnode(dt->fdt, off) >= 0;
	node->pcie_type = port_type(parent, node->hdr_type, cfg_type != 0);
	node->phandle = fdt_get_phandle(dt->fdt, off);
	/* Config space (the AFU control DVSEC) in hardware; a property here. */
	rc = dt_get_u32(dt, off, "ioda,afu-actags", 0, &actags);
	if (rc)
		return rc;
	if (actags > 0xffff)
		return dt_fail_node(dt, off, "ioda,afu-actags %u out of range", actags);
	node->afu_actags = (uint16_t)actags;
	rc = parse_slot(dt, off, node);
	if (!rc)
		rc = parse_nvlink(dt, off, node);
	if (!rc)
		rc = parse_bars(dt, off, node->dt_path, node, *bus, reg, nreg);
	return rc;
}

/*
 * A bridge's secondary bus and what is below: bus-range when the node has
 * one (skiboot's don't), else the bus its children's reg put them on, and
 * the subordinate bus is left for the machine to close as a scan would.  A
 * bridge with neither keeps -1: the machine numbers it.
 */
static int parse_bridge(struct dt *dt, int off, struct ioda_topo_node *node, unsigned int bus,
			struct bus_limit lim, int *last)
{
	const char *what = "its siblings' bus";
	struct bus_limit below = lim;
	int busnr = -1, sub;
	const fdt32_t *p;
	int rc;

	rc = dt_get_cells(dt, off, "bus-range", 2, &p);
	if (rc < 0)
		return rc;
	if (rc) {
		unsigned int sec = dt_cell(p, 0), end = dt_cell(p, 1);
		char owner[IODA_DT_PATH_MAX];

		if (end < sec)
			return dt_fail_node(dt, off, "bus-range <%#x %#x> ends before it starts",
					    sec, end);
		if (sec <= bus)
			return dt_fail_node(dt, off, "bus-range starts at bus %02x, not after the "
					    "bridge's own bus %02x", sec, bus);
		if (sec < lim.lo || end > lim.hi) {
			dt_node_path(dt, lim.owner, owner, sizeof(owner));
			return dt_fail_node(dt, off, "bus-range %02x-%02x is outside bus-range "
					    "%02x-%02x of %s", sec, end, lim.lo, lim.hi, owner);
		}
		node->secondary = (int)sec;
		node->subordinate = (int)end;
		below = (struct bus_limit){ sec, end, off };
		busnr = (int)sec;
		what = "its bridge's secondary bus";
	}
	/* No deeper than IODA_DT_PATH_MAX / 2 levels: every node's path must fit. */
	rc = dt_parse_bus(dt, off, node, bus, &busnr, what, below, &sub);
	if (rc)
		return rc;
	if (node->secondary < 0)
		node->secondary = busnr;
	*last = node->subordinate >= 0 ? node->subordinate : sub;
	/* A PCIe "upstream port" with conventional devices below is a PCIe-to-PCI bridge. */
	if (node->pcie_type == PCIE_TYPE_UPSTREAM && node->children &&
	    node->children->pcie_type == PCIE_TYPE_NONE)
		node->pcie_type = PCIE_TYPE_PCI_BRIDGE;
	return 0;
}

/* Devices on a bus in devfn order, as a scan finds them. */
static void insert_sorted(struct ioda_topo_node **head, struct ioda_topo_node *node)
{
	while (*head && (*head)->devfn < node->devfn)
		head = &(*head)->next;
	node->next = *head;
	*head = node;
}

/* The last bus a bridge's subtree uses; -1 when it has none yet. */
static int bus_last(const struct ioda_topo_node *bridge)
{
	int last = bridge->secondary;

	if (bridge->subordinate >= 0)
		return bridge->subordinate;
	for (const struct ioda_topo_node *c = bridge->children; c; c = c->next) {
		int sub = c->hdr_type ? bus_last(c) : -1;

		last = sub > last ? sub : last;
	}
	return last;
}

/*
 * A complete bus: each function needs function 0 of its slot, a slot with
 * several is multifunction, and sibling bridges own disjoint bus ranges.
 */
static int finish_bus(struct dt *dt, struct ioda_topo_node *devices, unsigned int bus)
{
	for (struct ioda_topo_node *a = devices; a; a = a->next) {
		bool has_fn0 = PCI_FUNC(a->devfn) == 0;

		for (struct ioda_topo_node *b = devices; b; b = b->next) {
			if (b != a && PCI_SLOT(b->devfn) == PCI_SLOT(a->devfn)) {
				a->multifunction = true;
				has_fn0 |= PCI_FUNC(b->devfn) == 0;
			}
		}
		if (!has_fn0)
			return dt_fail_path(dt, a->dt_path,
					    "function %02x:%02x.%x has no function 0", bus,
					    PCI_SLOT(a->devfn), PCI_FUNC(a->devfn));
		for (const struct ioda_topo_node *b = devices; b != a; b = b->next) {
			int a_last = bus_last(a), b_last = bus_last(b);

			if (a->secondary >= 0 && b->secondary >= 0 && a->secondary <= b_last &&
			    b->secondary <= a_last)
				return dt_fail_path(dt, a->dt_path, "buses %02x-%02x overlap buses "
						    "%02x-%02x of %s", a->secondary, a_last,
						    b->secondary, b_last, b->dt_path);
		}
	}
	return 0;
}

/*
 * The functions below node @off (the PHB or @bridge) onto its device list.
 * They all sit on one bus: *@busnr, said by @bus_what, or when -1 the bus
 * the first one's reg names, which must be below the bridge and within
 * @lim.  *@last receives the highest bus used below (-1: no function).
 */
int dt_parse_bus(struct dt *dt, int off, struct ioda_topo_node *bridge,
		 unsigned int bridge_bus, int *busnr, const char *bus_what,
		 struct bus_limit lim, int *last)
{
	struct ioda_topo_node **head = bridge ? &bridge->children : &dt->phb->devices;
	int child;

	*last = -1;
	fdt_for_each_subnode(child, dt->fdt, off) {
		struct ioda_topo_node tmp, *node, *other;
		unsigned int bus = 0;
		int sub = -1, rc;

		rc = parse_function(dt, child, bridge, &tmp, &bus);
		if (rc)
			return rc;
		if (*busnr < 0) {
			char owner[IODA_DT_PATH_MAX];

			if (bus <= bridge_bus)
				return dt_fail_path(dt, tmp.dt_path,
						    "reg puts it on bus %02x, not after its "
						    "bridge's bus %02x", bus, bridge_bus);
			if (bus < lim.lo || bus > lim.hi) {
				dt_node_path(dt, lim.owner, owner, sizeof(owner));
				return dt_fail_path(dt, tmp.dt_path,
						    "reg puts it on bus %02x, outside bus-range "
						    "%02x-%02x of %s", bus, lim.lo, lim.hi, owner);
			}
			*busnr = (int)bus;
		} else if (bus != (unsigned int)*busnr) {
			return dt_fail_path(dt, tmp.dt_path,
					    "reg puts it on bus %02x, not on %s %02x", bus,
					    bus_what, *busnr);
		}
		for (other = *head; other; other = other->next)
			if (other->devfn == tmp.devfn)
				return dt_fail_path(dt, tmp.dt_path,
						    "duplicate device %02x:%02x.%x (also %s)", bus,
						    PCI_SLOT(tmp.devfn), PCI_FUNC(tmp.devfn),
						    other->dt_path);
		node = ioda_zalloc(dt->ctx, sizeof(*node));
		if (!node)
			return dt_oom(dt);
		*node = tmp;
		insert_sorted(head, node);
		if (*last < (int)bus)
			*last = (int)bus;
		if (!node->hdr_type)
			continue;
		rc = parse_bridge(dt, child, node, bus, lim, &sub);
		if (rc)
			return rc;
		if (*last < sub)
			*last = sub;
	}
	if (child != -FDT_ERR_NOTFOUND)
		return dt_fail_node(dt, off, "%s", fdt_strerror(child));
	return finish_bus(dt, *head, (unsigned int)(*busnr < 0 ? 0 : *busnr));
}
