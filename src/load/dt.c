/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device-tree loader: reads what the PowerNV kernel reads from the tree
 * skiboot hands it.  PHBs are the nodes with an "ibm,ioda*-phb" compatible,
 * with the firmware properties of pnv_pci_init_ioda_phb(); below them sit
 * one node per PCI function, as core/pci.c makes them (reg = config address,
 * vendor-id, device-id, class-code), optionally with the BAR sizes of the OF
 * PCI binding in reg and their addresses in assigned-addresses.
 *
 * A blob is checked whole with libfdt before anything is read, so a bad
 * offset can only come from a property, and every property's length is
 * checked before its cells are.  Source is compiled by running dtc.
 */
#define _GNU_SOURCE /* pipe2, environ */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfdt.h>

#include <ioda/ctx.h>
#include <ioda/load.h>

/* The kernel's default when a PHB has no ibm,phb-diag-data-size (PNV_PCI_DIAG_BUF_SIZE). */
#define DIAG_DATA_SIZE_DEFAULT 8192
/* pnv_ioda_parse_m64_window() without ibm,opal-available-m64-ranges. */
#define M64_BARS_DEFAULT 16
/* The kernel's MAX_PHBS: a PHB id below it is the PCI domain number. */
#define MAX_DOMAINS 0x10000
/* As the topology text allows; real PHBs have up to 512. */
#define MAX_PES 65536
#define SZ_2G 0x80000000ull

/* An OF PCI address (phys.hi, phys.mid, phys.lo) and a size (2 cells). */
#define OF_PCI_CELLS 5
#define OF_PCI_PREFETCH 0x40000000u
#define OF_PCI_SPACE(hi) (((hi) >> 24) & 3)
#define OF_PCI_BUS(hi) (((hi) >> 16) & 0xff)
#define OF_PCI_DEVFN(hi) (((hi) >> 8) & 0xff)
#define OF_PCI_REG(hi) ((hi)&0xff)

enum { OF_SPACE_CONFIG, OF_SPACE_IO, OF_SPACE_MEM32, OF_SPACE_MEM64 };

struct dt {
	struct ioda_ctx *ctx;
	const char *file;
	struct ioda_error *err;
	const void *fdt;
	struct ioda_topo *topo;
	struct ioda_topo_phb *phb; /* the one being read */
};

/* Buses a subtree may use, and the node whose bus-range says so. */
struct bus_limit {
	unsigned int lo, hi;
	int owner;
};

/* ---- messages ---------------------------------------------------------- */

static int __attribute__((format(printf, 3, 0)))
vfail(struct dt *dt, const char *path, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (path)
		ioda_error_set(dt->err, "%s: %s: %s", dt->file, path, msg);
	else
		ioda_error_set(dt->err, "%s: %s", dt->file, msg);
	return -EINVAL;
}

/* "FILE: what is wrong" */
static int __attribute__((format(printf, 2, 3))) fail_file(struct dt *dt, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(dt, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* "FILE: PATH: what is wrong" */
static int __attribute__((format(printf, 3, 4)))
fail_path(struct dt *dt, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(dt, path, fmt, ap);
	va_end(ap);
	return rc;
}

/* The path of @off; one too long for @size ends in ".../NAME". */
static int node_path(const struct dt *dt, int off, char *buf, size_t size)
{
	int rc = fdt_get_path(dt->fdt, off, buf, (int)size);
	const char *name;

	if (rc) {
		name = fdt_get_name(dt->fdt, off, NULL);
		snprintf(buf, size, ".../%s", name ? name : "?");
	}
	return rc;
}

static int __attribute__((format(printf, 3, 4)))
fail_node(struct dt *dt, int off, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	int rc;

	node_path(dt, off, path, sizeof(path));
	va_start(ap, fmt);
	rc = vfail(dt, path, fmt, ap);
	va_end(ap);
	return rc;
}

static int oom(struct dt *dt)
{
	ioda_error_set(dt->err, "%s: out of memory", dt->file);
	return -ENOMEM;
}

/* ---- properties ---------------------------------------------------------- */

static uint32_t cell(const fdt32_t *p, unsigned int i)
{
	return fdt32_ld(&p[i]);
}

static uint64_t cell64(const fdt32_t *p, unsigned int i)
{
	return (uint64_t)cell(p, i) << 32 | cell(p, i + 1);
}

/*
 * Property @name as an array of @unit-cell entries: 1 and *@n entries when
 * present, 0 when absent, or an error.
 */
static int get_array(struct dt *dt, int off, const char *name, unsigned int unit,
		     const fdt32_t **p, unsigned int *n)
{
	int len;

	*p = fdt_getprop(dt->fdt, off, name, &len);
	*n = 0;
	if (!*p)
		return len == -FDT_ERR_NOTFOUND ? 0 : fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len % (int)(4 * unit))
		return fail_node(dt, off, "%s has %d bytes, not a multiple of %u", name, len,
				 4 * unit);
	*n = (unsigned int)len / (4 * unit);
	return 1;
}

/* Property @name of exactly @ncells cells: 1 when present, 0 when absent, or an error. */
static int get_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		     const fdt32_t **p)
{
	int len;

	*p = fdt_getprop(dt->fdt, off, name, &len);
	if (!*p)
		return len == -FDT_ERR_NOTFOUND ? 0 : fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len != (int)(4 * ncells))
		return fail_node(dt, off, "%s has %d bytes, want %u", name, len, 4 * ncells);
	return 1;
}

/* Like get_cells(), but absence is an error too. */
static int need_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		      const fdt32_t **p)
{
	int rc = get_cells(dt, off, name, ncells, p);

	return rc ? rc : fail_node(dt, off, "no %s", name);
}

/* A one-cell property; @dflt when absent. */
static int get_u32(struct dt *dt, int off, const char *name, uint32_t dflt, uint32_t *out)
{
	const fdt32_t *p;
	int rc = get_cells(dt, off, name, 1, &p);

	*out = rc > 0 ? cell(p, 0) : dflt;
	return rc < 0 ? rc : 0;
}

static int need_u32(struct dt *dt, int off, const char *name, uint32_t *out)
{
	const fdt32_t *p;
	int rc = need_cells(dt, off, name, 1, &p);

	if (rc < 0)
		return rc;
	*out = cell(p, 0);
	return 0;
}

/* A string property, NUL-terminated within its length; NULL when absent. */
static int get_string(struct dt *dt, int off, const char *name, const char **out)
{
	int len;
	const char *s = fdt_getprop(dt->fdt, off, name, &len);

	*out = NULL;
	if (!s)
		return len == -FDT_ERR_NOTFOUND ? 0 : fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len == 0 || s[len - 1] != '\0')
		return fail_node(dt, off, "%s is not a string", name);
	*out = s;
	return 0;
}

/* of_device_is_available(): no status, "okay" or "ok". */
static int available(struct dt *dt, int off, bool *yes)
{
	const char *status;
	int rc = get_string(dt, off, "status", &status);

	*yes = !status || strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
	return rc;
}

/* ---- the PHB ------------------------------------------------------------ */

/* What the kernel probes, by the "ibm,ioda*" compatible (pnv_pci_init()). */
static const struct phb_kind {
	const char *compat;
	enum ioda_phb_type type;
	enum ioda_phb_gen gen; /* unless an "ibm,powerN-" compatible says otherwise */
} phb_kinds[] = {
	{ "ibm,ioda2-phb", IODA_PHB_PCIE, IODA_PHB3 },
	{ "ibm,ioda3-phb", IODA_PHB_PCIE, IODA_PHB4 },
	{ "ibm,ioda2-npu-phb", IODA_PHB_NPU_NVLINK, IODA_PHB3 },
	{ "ibm,ioda2-npu2-phb", IODA_PHB_NPU_NVLINK, IODA_PHB4 },
	{ "ibm,ioda2-npu2-opencapi-phb", IODA_PHB_NPU_OCAPI, IODA_PHB4 },
};

/* The processor names the generation: ibm,power8-pciex, ibm,power10-pau-opencapi-pciex... */
static const struct {
	const char *prefix;
	enum ioda_phb_gen gen;
} chip_gens[] = {
	{ "ibm,power8-", IODA_PHB3 },
	{ "ibm,power9-", IODA_PHB4 },
	{ "ibm,power10-", IODA_PHB5 },
};

bool ioda_dt_phb_compat(const char *compat, size_t len, enum ioda_phb_type *type,
			enum ioda_phb_gen *gen)
{
	const char *s = compat, *end = compat + len;
	size_t i = 0;

	while (i < sizeof(phb_kinds) / sizeof(phb_kinds[0]) &&
	       !fdt_stringlist_contains(compat, (int)len, phb_kinds[i].compat))
		i++;
	if (i == sizeof(phb_kinds) / sizeof(phb_kinds[0]))
		return false;
	*type = phb_kinds[i].type;
	*gen = phb_kinds[i].gen;
	for (; s < end; s += strnlen(s, (size_t)(end - s)) + 1) {
		size_t n = strnlen(s, (size_t)(end - s));

		for (size_t j = 0; j < sizeof(chip_gens) / sizeof(chip_gens[0]); j++) {
			size_t plen = strlen(chip_gens[j].prefix);

			if (n > plen && memcmp(s, chip_gens[j].prefix, plen) == 0) {
				*gen = chip_gens[j].gen;
				return true;
			}
		}
	}
	return true;
}

/*
 * "ranges": the first memory range is the M32 window (the kernel's
 * mem_resources[0]); PHB3/PHB4 have no I/O space.
 */
static int parse_ranges(struct dt *dt, int off, struct ioda_topo_phb *phb)
{
	int parent_cells = fdt_address_cells(dt->fdt, fdt_parent_offset(dt->fdt, off));
	unsigned int unit, n;
	const fdt32_t *p;
	int rc;

	if (parent_cells < 1 || parent_cells > 2)
		return fail_node(dt, off, "the parent's #address-cells is %d, want 1 or 2",
				 parent_cells);
	unit = 3 + (unsigned int)parent_cells + 2;
	rc = get_array(dt, off, "ranges", unit, &p, &n);
	if (rc <= 0)
		return rc;
	for (unsigned int i = 0; i < n; i++, p += unit) {
		unsigned int space = OF_PCI_SPACE(cell(p, 0));
		uint64_t cpu = parent_cells == 2 ? cell64(p, 3) : cell(p, 3);
		uint64_t size = cell64(p, 3 + (unsigned int)parent_cells);

		if (space != OF_SPACE_MEM32 && space != OF_SPACE_MEM64)
			continue;
		if (size == 0 || size - 1 > UINT64_MAX - cpu)
			return fail_node(dt, off, "ranges entry %u: bad size %#" PRIx64, i, size);
		phb->m32 = (struct pci_resource){ cpu, size, PCI_RES_MEM | PCI_RES_ASSIGNED };
		if (space == OF_SPACE_MEM64)
			phb->m32.flags |= PCI_RES_MEM64;
		phb->fw.m32_pci_addr = cell64(p, 1);
		break;
	}
	return 0;
}

/* ibm,opal-m64-window = <pci_addr(2) cpu_addr(2) size(2)> */
static int parse_m64(struct dt *dt, int off, struct ioda_topo_phb *phb)
{
	const fdt32_t *p;
	uint64_t cpu, size;
	int rc = get_cells(dt, off, "ibm,opal-m64-window", 6, &p);

	if (rc <= 0)
		return rc;
	cpu = cell64(p, 2);
	size = cell64(p, 4);
	if (size == 0 || size - 1 > UINT64_MAX - cpu)
		return fail_node(dt, off, "ibm,opal-m64-window: bad size %#" PRIx64, size);
	phb->m64 = (struct pci_resource){
		cpu, size, PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH | PCI_RES_ASSIGNED
	};
	phb->fw.m64_pci_addr = cell64(p, 0);
	return 0;
}

/* The optional firmware properties, with the kernel's defaults. */
static int parse_phb_fw(struct dt *dt, int off, struct ioda_topo_phb *phb)
{
	struct ioda_topo_fw *fw = &phb->fw;
	unsigned int n;
	const fdt32_t *p;
	uint32_t v;
	int rc;

	fw->valid = true;
	rc = get_u32(dt, off, "ibm,opal-num-pes", 1, &v);
	if (rc)
		return rc;
	if (v == 0 || v > MAX_PES)
		return fail_node(dt, off, "ibm,opal-num-pes %u out of range (1..%u)", v, MAX_PES);
	phb->num_pes = v;
	rc = get_u32(dt, off, "ibm,opal-reserved-pe", 0, &v);
	if (rc)
		return rc;
	if (v >= phb->num_pes)
		return fail_node(dt, off,
				 "ibm,opal-reserved-pe %u is not below ibm,opal-num-pes %u", v,
				 phb->num_pes);
	fw->reserved_pe = v;

	rc = get_cells(dt, off, "ibm,opal-available-m64-ranges", 2, &p);
	if (rc < 0)
		return rc;
	fw->m64_bar_first = rc ? cell(p, 0) : 0;
	fw->m64_bar_count = rc ? cell(p, 1) : M64_BARS_DEFAULT;
	/* The kernel clamps a count over 63; a BAR past 63 or none at all is nonsense. */
	if (fw->m64_bar_count == 0 || fw->m64_bar_first > 63)
		return fail_node(dt, off,
				 "ibm,opal-available-m64-ranges <%u %u> names no BAR in 0..63",
				 fw->m64_bar_first, fw->m64_bar_count);

	rc = get_array(dt, off, "ibm,supported-tce-sizes", 1, &p, &n);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		if (cell(p, i) > 63)
			return fail_node(dt, off,
					 "ibm,supported-tce-sizes: page shift %u is over 63",
					 cell(p, i));
		fw->tce_page_shifts |= 1ull << cell(p, i);
	}

	rc = get_cells(dt, off, "ibm,opal-msi-ranges", 2, &p);
	if (rc < 0)
		return rc;
	if (rc) {
		fw->msi_base = cell(p, 0);
		fw->msi_count = cell(p, 1);
	}
	rc = get_u32(dt, off, "ibm,phb-diag-data-size", DIAG_DATA_SIZE_DEFAULT,
		     &fw->diag_data_size);
	if (rc)
		return rc;

	rc = get_cells(dt, off, "bus-range", 2, &p);
	if (rc < 0)
		return rc;
	fw->bus_first = rc ? cell(p, 0) : 0;
	fw->bus_last = rc ? cell(p, 1) : 0xff;
	/* The machine numbers a PHB's root bus 00, as skiboot's trees all do. */
	if (fw->bus_first != 0 || fw->bus_last > 0xff || fw->bus_last < fw->bus_first)
		return fail_node(dt, off, "bus-range <%#x %#x> must start at bus 00 and end by ff",
				 fw->bus_first, fw->bus_last);
	return 0;
}

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
	uint32_t hi = cell(e, 0);
	uint64_t addr = cell64(e, 1), size = cell64(e, 3), cpu = 0;
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
		return fail_path(dt, path, "%s entry %u is for %02x:%02x.%x, not %02x:%02x.%x",
				 prop, i, OF_PCI_BUS(hi), PCI_SLOT(OF_PCI_DEVFN(hi)),
				 PCI_FUNC(OF_PCI_DEVFN(hi)), bus, PCI_SLOT(node->devfn),
				 PCI_FUNC(node->devfn));
	if (space == OF_SPACE_CONFIG)
		return fail_path(dt, path, "%s entry %u is a config space address, not a BAR",
				 prop, i);
	if (reg == rom_reg && space == OF_SPACE_MEM32)
		idx = PCI_ROM_RESOURCE;
	else if (reg >= 0x10 && reg % 4 == 0 && (reg - 0x10) / 4 < nbars && reg != rom_reg)
		idx = (reg - 0x10) / 4;
	else
		return fail_path(dt, path, "%s entry %u: register %#04x is not a BAR%s", prop, i,
				 reg, reg == rom_reg ? " (a ROM is 32-bit memory)" : "");
	flags = space_flags[space];
	if ((hi & OF_PCI_PREFETCH) && space != OF_SPACE_IO && idx != PCI_ROM_RESOURCE)
		flags |= PCI_RES_PREFETCH;
	if (size == 0 || (size & (size - 1)))
		return fail_path(dt, path, "%s entry %u: size %#" PRIx64 " is not a power of two",
				 prop, i, size);
	if (!(flags & PCI_RES_MEM64) && size > SZ_2G)
		return fail_path(dt, path, "%s entry %u: size %#" PRIx64
				 " is too large for a 32-bit BAR", prop, i, size);
	if (assigned && (addr & (size - 1)))
		return fail_path(dt, path, "%s entry %u: address %#" PRIx64
				 " is not aligned to its size %#" PRIx64, prop, i, addr, size);
	if (assigned && !translate(dt->phb, flags, addr, size, &cpu))
		return fail_path(dt, path, "%s entry %u: %#" PRIx64 "+%#" PRIx64
				 " is outside the PHB's windows", prop, i, addr, size);

	cur = &res[idx];
	if (cur->size) {
		/* reg gave the size; assigned-addresses places the same BAR. */
		if (!assigned || (cur->flags & PCI_RES_ASSIGNED))
			return fail_path(dt, path, "%s entry %u: BAR %#04x is given twice", prop, i,
					 reg);
		if (cur->size != size || cur->flags != flags)
			return fail_path(dt, path, "%s entry %u: BAR %#04x differs from reg", prop,
					 i, reg);
	} else if (idx < PCI_ROM_RESOURCE) {
		if (idx > 0 && (res[idx - 1].flags & PCI_RES_MEM64))
			return fail_path(dt, path, "%s entry %u: BAR %#04x is the upper half of "
					 "64-bit BAR %#04x", prop, i, reg, reg - 4);
		if ((flags & PCI_RES_MEM64) && (idx + 1 == nbars || res[idx + 1].size))
			return fail_path(dt, path, "%s entry %u: 64-bit BAR %#04x has no room for "
					 "its upper half", prop, i, reg);
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
	rc = get_array(dt, off, "assigned-addresses", OF_PCI_CELLS, &p, &n);
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
		return fail_node(dt, off, "%s: no node has phandle %#x", name, ph);
	return 0;
}

/* The NVLink association: ibm,gpu on an NPU link, ibm,npu on a GPU. */
static int parse_nvlink(struct dt *dt, int off, struct ioda_topo_node *node)
{
	const fdt32_t *p;
	unsigned int n;
	int rc;

	rc = get_cells(dt, off, "ibm,gpu", 1, &p);
	if (rc > 0) {
		node->gpu_phandle = cell(p, 0);
		rc = check_phandle(dt, off, "ibm,gpu", node->gpu_phandle);
	}
	if (rc < 0)
		return rc;
	rc = get_array(dt, off, "ibm,npu", 1, &p, &n);
	if (rc <= 0)
		return rc;
	if (n > IODA_DT_MAX_NPUS)
		return fail_node(dt, off, "ibm,npu lists %u links, at most %d", n,
				 IODA_DT_MAX_NPUS);
	for (unsigned int i = 0; i < n; i++) {
		node->npu_phandle[i] = cell(p, i);
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
		return fail_node(dt, off, "path is longer than %d characters",
				 IODA_DT_PATH_MAX - 1);
	rc = get_array(dt, off, "reg", OF_PCI_CELLS, &reg, &nreg);
	if (rc < 0)
		return rc;
	if (nreg == 0)
		return fail_node(dt, off, rc ? "reg is empty" : "no reg");
	if (OF_PCI_SPACE(cell(reg, 0)) != OF_SPACE_CONFIG || OF_PCI_REG(cell(reg, 0)))
		return fail_node(dt, off, "reg does not start with a config space address");
	*bus = OF_PCI_BUS(cell(reg, 0));
	node->devfn = (uint8_t)OF_PCI_DEVFN(cell(reg, 0));

	rc = need_u32(dt, off, "vendor-id", &vendor);
	if (!rc)
		rc = need_u32(dt, off, "device-id", &device);
	if (!rc)
		rc = need_u32(dt, off, "class-code", &class);
	if (!rc)
		rc = get_u32(dt, off, "ibm,pci-config-space-type", 1, &cfg_type);
	if (rc)
		return rc;
	if (vendor > 0xffff || device > 0xffff || class > 0xffffff)
		return fail_node(dt, off, "vendor-id %#x, device-id %#x or class-code %#x "
				 "out of range", vendor, device, class);
	node->vendor = (uint16_t)vendor;
	node->device = (uint16_t)device;
	node->class = class;
	node->hdr_type = is_bridge_class(class) || fdt_first_subnode(dt->fdt, off) >= 0;
	node->pcie_type = port_type(parent, node->hdr_type, cfg_type != 0);
	node->phandle = fdt_get_phandle(dt->fdt, off);
	/* Config space (the AFU control DVSEC) in hardware; a property here. */
	rc = get_u32(dt, off, "ioda,afu-actags", 0, &actags);
	if (rc)
		return rc;
	if (actags > 0xffff)
		return fail_node(dt, off, "ioda,afu-actags %u out of range", actags);
	node->afu_actags = (uint16_t)actags;
	rc = parse_nvlink(dt, off, node);
	if (!rc)
		rc = parse_bars(dt, off, node->dt_path, node, *bus, reg, nreg);
	return rc;
}

static int parse_bus(struct dt *dt, int off, struct ioda_topo_node *bridge,
		     unsigned int bridge_bus, int *busnr, const char *bus_what,
		     struct bus_limit lim, int *last);

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

	rc = get_cells(dt, off, "bus-range", 2, &p);
	if (rc < 0)
		return rc;
	if (rc) {
		unsigned int sec = cell(p, 0), end = cell(p, 1);
		char owner[IODA_DT_PATH_MAX];

		if (end < sec)
			return fail_node(dt, off, "bus-range <%#x %#x> ends before it starts", sec,
					 end);
		if (sec <= bus)
			return fail_node(dt, off, "bus-range starts at bus %02x, not after the "
					 "bridge's own bus %02x", sec, bus);
		if (sec < lim.lo || end > lim.hi) {
			node_path(dt, lim.owner, owner, sizeof(owner));
			return fail_node(dt, off, "bus-range %02x-%02x is outside bus-range "
					 "%02x-%02x of %s", sec, end, lim.lo, lim.hi, owner);
		}
		node->secondary = (int)sec;
		node->subordinate = (int)end;
		below = (struct bus_limit){ sec, end, off };
		busnr = (int)sec;
		what = "its bridge's secondary bus";
	}
	/* No deeper than IODA_DT_PATH_MAX / 2 levels: every node's path must fit. */
	rc = parse_bus(dt, off, node, bus, &busnr, what, below, &sub);
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
			return fail_path(dt, a->dt_path, "function %02x:%02x.%x has no function 0",
					 bus, PCI_SLOT(a->devfn), PCI_FUNC(a->devfn));
		for (const struct ioda_topo_node *b = devices; b != a; b = b->next) {
			int a_last = bus_last(a), b_last = bus_last(b);

			if (a->secondary >= 0 && b->secondary >= 0 && a->secondary <= b_last &&
			    b->secondary <= a_last)
				return fail_path(dt, a->dt_path, "buses %02x-%02x overlap buses "
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
static int parse_bus(struct dt *dt, int off, struct ioda_topo_node *bridge,
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
				return fail_path(dt, tmp.dt_path,
						 "reg puts it on bus %02x, not after its bridge's "
						 "bus %02x", bus, bridge_bus);
			if (bus < lim.lo || bus > lim.hi) {
				node_path(dt, lim.owner, owner, sizeof(owner));
				return fail_path(dt, tmp.dt_path,
						 "reg puts it on bus %02x, outside bus-range "
						 "%02x-%02x of %s", bus, lim.lo, lim.hi, owner);
			}
			*busnr = (int)bus;
		} else if (bus != (unsigned int)*busnr) {
			return fail_path(dt, tmp.dt_path, "reg puts it on bus %02x, not on %s %02x",
					 bus, bus_what, *busnr);
		}
		for (other = *head; other; other = other->next)
			if (other->devfn == tmp.devfn)
				return fail_path(dt, tmp.dt_path, "duplicate device %02x:%02x.%x "
						 "(also %s)", bus, PCI_SLOT(tmp.devfn),
						 PCI_FUNC(tmp.devfn), other->dt_path);
		node = ioda_zalloc(dt->ctx, sizeof(*node));
		if (!node)
			return oom(dt);
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
		return fail_node(dt, off, "%s", fdt_strerror(child));
	return finish_bus(dt, *head, (unsigned int)(*busnr < 0 ? 0 : *busnr));
}

static int parse_phb(struct dt *dt, int off, enum ioda_phb_type type, enum ioda_phb_gen gen)
{
	struct ioda_topo_phb *phb, **tail;
	struct bus_limit lim;
	const fdt32_t *p;
	uint32_t chip, index;
	int busnr, last, rc;

	phb = ioda_zalloc(dt->ctx, sizeof(*phb));
	if (!phb)
		return oom(dt);
	for (tail = &dt->topo->phbs; *tail; tail = &(*tail)->next)
		;
	*tail = phb; /* from here on, the topo frees it */
	dt->phb = phb;
	phb->pos = (struct ioda_srcpos){ dt->topo->file, 0, 0 };
	phb->type = type;
	phb->gen = gen;
	if (fdt_get_path(dt->fdt, off, phb->fw.path, sizeof(phb->fw.path)))
		return fail_node(dt, off, "path is longer than %d characters",
				 IODA_DT_PATH_MAX - 1);

	rc = need_cells(dt, off, "ibm,opal-phbid", 2, &p);
	if (rc < 0)
		return rc;
	phb->opal_id = cell64(p, 0);
	for (const struct ioda_topo_phb *q = dt->topo->phbs; q != phb; q = q->next)
		if (q->opal_id == phb->opal_id)
			return fail_node(dt, off, "ibm,opal-phbid %#" PRIx64 " is already %s's",
					 phb->opal_id, q->fw.path);
	rc = get_u32(dt, off, "ibm,chip-id", 0, &chip);
	if (!rc)
		rc = get_u32(dt, off, "ibm,phb-index", 0, &index);
	if (rc)
		return rc;
	phb->chip = chip;
	phb->index = index;
	if (fdt_address_cells(dt->fdt, off) != 3 || fdt_size_cells(dt->fdt, off) != 2)
		return fail_node(dt, off, "#address-cells and #size-cells are %d and %d, "
				 "want 3 and 2 (a PCI bus)", fdt_address_cells(dt->fdt, off),
				 fdt_size_cells(dt->fdt, off));
	rc = parse_phb_fw(dt, off, phb);
	if (!rc)
		rc = parse_ranges(dt, off, phb);
	if (!rc)
		rc = parse_m64(dt, off, phb);
	if (rc)
		return rc;

	busnr = (int)phb->fw.bus_first;
	lim = (struct bus_limit){ phb->fw.bus_first, phb->fw.bus_last, off };
	return parse_bus(dt, off, NULL, 0, &busnr, "the root bus", lim, &last);
}

static bool domain_taken(const struct ioda_topo *topo, const struct ioda_topo_phb *upto,
			 uint64_t nr)
{
	for (const struct ioda_topo_phb *q = topo->phbs; q != upto; q = q->next)
		if ((uint64_t)q->domain == nr)
			return true;
	return false;
}

/*
 * The kernel's domain numbers (get_phb_number()): the OPAL PHB id when it
 * is below MAX_PHBS and still free, otherwise the lowest free number.
 */
static void assign_domains(struct ioda_topo *topo)
{
	for (struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next) {
		uint64_t nr = phb->opal_id;

		if (nr >= MAX_DOMAINS || domain_taken(topo, phb, nr))
			for (nr = 0; domain_taken(topo, phb, nr); nr++)
				;
		phb->domain = (int)nr;
	}
}

/* ---- the whole tree ------------------------------------------------------------ */

/* A memory node's reg sizes, in the root's cells, add to memory_bytes. */
static int parse_memory(struct dt *dt, int off)
{
	int ac = fdt_address_cells(dt->fdt, 0), sc = fdt_size_cells(dt->fdt, 0);
	const fdt32_t *p;
	unsigned int n;
	int rc;

	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return fail_node(dt, off, "the root's #address-cells and #size-cells are %d and "
				 "%d, want 1 or 2", ac, sc);
	rc = get_array(dt, off, "reg", (unsigned int)(ac + sc), &p, &n);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		const fdt32_t *e = p + i * (unsigned int)(ac + sc) + ac;
		uint64_t size = sc == 2 ? cell64(e, 0) : cell(e, 0);

		if (size > IODA_MAX_MEMORY - dt->topo->memory_bytes)
			return fail_node(dt, off, "memory sizes add up to more than %lluT",
					 IODA_MAX_MEMORY >> 40);
		dt->topo->memory_bytes += size;
	}
	return 0;
}

static int parse_tree(struct dt *dt)
{
	static const char memory[] = "memory";
	const char *model;
	int off, depth = 0, skip_below = -1, rc;

	rc = get_string(dt, 0, "model", &model);
	if (rc)
		return rc;
	snprintf(dt->topo->model, sizeof(dt->topo->model), "%s", model ? model : "");

	/* Depth drops to 0 past the root's last descendant. */
	for (off = fdt_next_node(dt->fdt, 0, &depth); off >= 0 && depth > 0;
	     off = fdt_next_node(dt->fdt, off, &depth)) {
		enum ioda_phb_type phb_type;
		enum ioda_phb_gen gen;
		const char *type;
		bool avail = false, phb;
		int len;

		/* Nothing inside a PHB is a PHB or memory. */
		if (skip_below >= 0 && depth > skip_below)
			continue;
		skip_below = -1;
		type = fdt_getprop(dt->fdt, off, "compatible", &len);
		phb = type && ioda_dt_phb_compat(type, (size_t)len, &phb_type, &gen);
		if (phb)
			skip_below = depth;
		type = fdt_getprop(dt->fdt, off, "device_type", &len);
		if (!phb && !(type && len == sizeof(memory) && memcmp(type, memory, len) == 0))
			continue;
		rc = available(dt, off, &avail);
		if (!rc && avail)
			rc = phb ? parse_phb(dt, off, phb_type, gen) : parse_memory(dt, off);
		if (rc)
			return rc;
	}
	if (off < 0 && off != -FDT_ERR_NOTFOUND)
		return fail_file(dt, "corrupt device tree blob: %s", fdt_strerror(off));
	assign_domains(dt->topo);
	return 0;
}

/* Everything is read from @fdt afterwards: check the whole blob first. */
static int check_blob(struct dt *dt, const void *fdt, size_t len)
{
	int rc;

	if (len < sizeof(struct fdt_header))
		return fail_file(dt, "truncated device tree blob (%zu bytes)", len);
	rc = fdt_check_header(fdt);
	if (rc)
		return fail_file(dt, "bad device tree blob header: %s", fdt_strerror(rc));
	/* libfdt 1.6's full check trips over the old formats' node names. */
	if (fdt_version(fdt) < 17)
		return fail_file(dt, "device tree blob version %u is too old (want 17)",
				 fdt_version(fdt));
	if (fdt_totalsize(fdt) > len)
		return fail_file(dt, "truncated device tree blob (%zu bytes, the header says %u)",
				 len, fdt_totalsize(fdt));
	rc = fdt_check_full(fdt, len);
	if (rc)
		return fail_file(dt, "corrupt device tree blob: %s", fdt_strerror(rc));
	return 0;
}

/* ---- compiling source with dtc ------------------------------------------------- */

struct dtc_run {
	char *out;
	size_t len, cap;
	char msg[256]; /* the start of dtc's stderr */
	size_t msg_len;
};

/* Reads what is ready on @fd: stdout into r->out, stderr's start into r->msg. */
static int drain(struct dt *dt, int fd, struct dtc_run *r, bool to_out, bool *eof)
{
	char scratch[4096], *at = scratch;
	size_t room = sizeof(scratch);
	ssize_t n;

	if (to_out) {
		if (r->cap - r->len < 4096) {
			size_t cap = r->cap ? 2 * r->cap : 65536;
			char *nb = ioda_realloc(dt->ctx, r->out, cap);

			if (!nb)
				return oom(dt);
			r->out = nb;
			r->cap = cap;
		}
		at = r->out + r->len;
		room = r->cap - r->len;
	}
	n = read(fd, at, room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : fail_file(dt, "reading from dtc: %s",
									 strerror(errno));
	*eof = n == 0;
	if (to_out) {
		r->len += (size_t)n;
	} else {
		size_t keep = sizeof(r->msg) - 1 - r->msg_len;

		keep = (size_t)n < keep ? (size_t)n : keep;
		memcpy(r->msg + r->msg_len, scratch, keep);
		r->msg_len += keep;
	}
	return 0;
}

/* Feeds @src to dtc's stdin while collecting its stdout and stderr. */
static int dtc_io(struct dt *dt, int in, int out, int errfd, const char *src, size_t len,
		  struct dtc_run *r)
{
	struct pollfd pfd[3] = {
		{ .fd = out, .events = POLLIN },
		{ .fd = errfd, .events = POLLIN },
		{ .fd = in, .events = POLLOUT },
	};
	size_t sent = 0;
	int rc = 0;

	if (len == 0) {
		shutdown(in, SHUT_WR);
		pfd[2].fd = -1;
	}
	while (!rc && (pfd[0].fd >= 0 || pfd[1].fd >= 0)) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno != EINTR)
				rc = fail_file(dt, "waiting for dtc: %s", strerror(errno));
			continue;
		}
		for (int i = 0; i < 2 && !rc; i++) {
			bool eof = false;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			rc = drain(dt, pfd[i].fd, r, i == 0, &eof);
			if (eof)
				pfd[i].fd = -1; /* the caller closes it */
		}
		if (pfd[2].fd >= 0 && pfd[2].revents) {
			/* No SIGPIPE when dtc stops reading early: it failed, and says why. */
			ssize_t n = send(in, src + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || sent == len) {
				shutdown(in, SHUT_WR);
				pfd[2].fd = -1;
			}
		}
	}
	return rc;
}

/*
 * dtc's first line says where in its input it failed: "Error: <stdin>:4.3-4
 * syntax error" becomes "FILE:4.3-4: syntax error"; other lines are quoted.
 */
static int dtc_failed(struct dt *dt, struct dtc_run *r, int status)
{
	static const char error[] = "Error: ", in[] = "<stdin>:";
	char *line = r->msg;

	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, error, sizeof(error) - 1) == 0)
		line += sizeof(error) - 1;
	if (strncmp(line, in, sizeof(in) - 1) == 0) {
		/* "LINE.COL[-[LINE.]COL]: what": ours are "file:LINE:COL: what". */
		const char *loc = line + sizeof(in) - 1, *what = loc + strcspn(loc, ": ");
		unsigned int l = 0, c = 0;

		what += strspn(what, ": ");
		if (sscanf(loc, "%u.%u", &l, &c) == 2 && l)
			ioda_error_set(dt->err, "%s:%u:%u: %s", dt->file, l, c, what);
		else
			ioda_error_set(dt->err, "%s: %s", dt->file, what);
		return -EINVAL;
	}
	if (line[0])
		return fail_file(dt, "cannot compile device tree source: %s", line);
	if (WIFSIGNALED(status))
		return fail_file(dt, "cannot compile device tree source: dtc killed by signal %d",
				 WTERMSIG(status));
	return fail_file(dt, "cannot compile device tree source: dtc exited with status %d",
			 WEXITSTATUS(status));
}

/* Compiles source with "dtc -I dts -O dtb -o - -q"; *@blob from the context. */
static int compile(struct dt *dt, const char *src, size_t len, char **blob, size_t *blob_len)
{
	static char *const argv[] = { "dtc", "-I", "dts", "-O", "dtb", "-o", "-", "-q", NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	struct dtc_run r = { 0 };
	int rc, status = 0;
	pid_t pid;

	/* stdin is a socket so that writing to a dtc which gave up cannot raise SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) || pipe2(out, O_CLOEXEC) ||
	    pipe2(errp, O_CLOEXEC)) {
		rc = fail_file(dt, "cannot run dtc: %s", strerror(errno));
		goto out_close;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc) {
		rc = fail_file(dt, "cannot run dtc: %s", strerror(rc));
		goto out_close;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, in[1], 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	if (!rc)
		rc = posix_spawnp(&pid, "dtc", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT) {
		rc = fail_file(dt, "cannot compile device tree source: dtc not found "
			       "(install device-tree-compiler)");
		goto out_close;
	}
	if (rc) {
		rc = fail_file(dt, "cannot run dtc: %s", strerror(rc));
		goto out_close;
	}
	close(in[1]);
	close(out[1]);
	close(errp[1]);
	in[1] = out[1] = errp[1] = -1;

	rc = dtc_io(dt, in[0], out[0], errp[0], src, len, &r);
	/* On an error dtc sees end of input or a closed stdout, and ends. */
	close(in[0]);
	close(out[0]);
	close(errp[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc)
		goto out_free;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		rc = dtc_failed(dt, &r, status);
		goto out_free;
	}
	*blob = r.out;
	*blob_len = r.len;
	return 0;

out_close:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
out_free:
	ioda_free(dt->ctx, r.out);
	return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The blob in memory of our own (libfdt wants it aligned): copied, or compiled. */
static int get_blob(struct dt *dt, const char *buf, size_t len, char **blob, size_t *blob_len)
{
	static const unsigned char magic[4] = { 0xd0, 0x0d, 0xfe, 0xed };

	if (len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) == 0) {
		*blob = ioda_zalloc(dt->ctx, len);
		if (!*blob)
			return oom(dt);
		memcpy(*blob, buf, len);
		*blob_len = len;
		return 0;
	}
	if (!has_suffix(dt->file, ".dtb"))
		return compile(dt, buf, len, blob, blob_len);
	if (len < sizeof(magic))
		return fail_file(dt, "truncated device tree blob (%zu bytes)", len);
	return fail_file(dt, "not a device tree blob (magic %02x%02x%02x%02x, want d00dfeed)",
			 (unsigned char)buf[0], (unsigned char)buf[1], (unsigned char)buf[2],
			 (unsigned char)buf[3]);
}

int ioda_dt_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		  struct ioda_topo **out, struct ioda_error *err)
{
	struct dt dt = { .ctx = ctx, .file = file, .err = err };
	char *blob = NULL;
	size_t blob_len = 0;
	int rc;

	*out = NULL;
	rc = get_blob(&dt, buf, len, &blob, &blob_len);
	if (rc)
		return rc;
	rc = check_blob(&dt, blob, blob_len);
	if (rc)
		goto out;
	dt.fdt = blob;
	dt.topo = ioda_zalloc(ctx, sizeof(*dt.topo));
	if (!dt.topo) {
		rc = oom(&dt);
		goto out;
	}
	dt.topo->file = ioda_strdup(ctx, file);
	rc = dt.topo->file ? parse_tree(&dt) : oom(&dt);
	if (rc) {
		ioda_topo_free(ctx, dt.topo);
		goto out;
	}
	*out = dt.topo;
out:
	ioda_free(ctx, blob);
	return rc;
}
