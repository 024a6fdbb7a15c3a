/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A PHB node of the device tree: the kind of PHB its compatible names, its
 * windows and the firmware properties pnv_pci_init_ioda_phb() reads, then
 * the functions below it (dt_pci.c).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <ioda/ctx.h>

#include "dt_priv.h"

/* The kernel's default when a PHB has no ibm,phb-diag-data-size (PNV_PCI_DIAG_BUF_SIZE). */
#define DIAG_DATA_SIZE_DEFAULT 8192
/* pnv_ioda_parse_m64_window() without ibm,opal-available-m64-ranges. */
#define M64_BARS_DEFAULT 16
/* As the topology text allows; real PHBs have up to 512. */
#define MAX_PES 65536

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
	int parent = fdt_parent_offset(dt->fdt, off);
	int parent_cells = fdt_address_cells(dt->fdt, parent);
	unsigned int unit, n;
	const fdt32_t *p;
	char text[16];
	int rc;

	if (parent_cells < 1 || parent_cells > 2)
		return dt_fail_node(dt, off, "the parent's #address-cells is %s, want 1 or 2",
				    dt_ncells_text(dt, parent, "#address-cells", text, sizeof(text)));
	unit = 3 + (unsigned int)parent_cells + 2;
	rc = dt_get_array(dt, off, "ranges", unit, &p, &n);
	if (rc <= 0)
		return rc;
	for (unsigned int i = 0; i < n; i++, p += unit) {
		unsigned int space = OF_PCI_SPACE(dt_cell(p, 0));
		uint64_t cpu = parent_cells == 2 ? dt_cell64(p, 3) : dt_cell(p, 3);
		uint64_t size = dt_cell64(p, 3 + (unsigned int)parent_cells);

		if (space != OF_SPACE_MEM32 && space != OF_SPACE_MEM64)
			continue;
		if (size == 0 || size - 1 > UINT64_MAX - cpu)
			return dt_fail_node(dt, off, "ranges entry %u: bad size %#" PRIx64, i,
					    size);
		phb->m32 = (struct pci_resource){ cpu, size, PCI_RES_MEM | PCI_RES_ASSIGNED };
		if (space == OF_SPACE_MEM64)
			phb->m32.flags |= PCI_RES_MEM64;
		phb->fw.m32_pci_addr = dt_cell64(p, 1);
		break;
	}
	return 0;
}

/* ibm,opal-m64-window = <pci_addr(2) cpu_addr(2) size(2)> */
static int parse_m64(struct dt *dt, int off, struct ioda_topo_phb *phb)
{
	const fdt32_t *p;
	uint64_t cpu, size;
	int rc = dt_get_cells(dt, off, "ibm,opal-m64-window", 6, &p);

	if (rc <= 0)
		return rc;
	cpu = dt_cell64(p, 2);
	size = dt_cell64(p, 4);
	if (size == 0 || size - 1 > UINT64_MAX - cpu)
		return dt_fail_node(dt, off, "ibm,opal-m64-window: bad size %#" PRIx64, size);
	phb->m64 = (struct pci_resource){
		cpu, size, PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH | PCI_RES_ASSIGNED
	};
	phb->fw.m64_pci_addr = dt_cell64(p, 0);
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
	rc = dt_get_u32(dt, off, "ibm,opal-num-pes", 1, &v);
	if (rc)
		return rc;
	if (v == 0 || v > MAX_PES)
		return dt_fail_node(dt, off, "ibm,opal-num-pes %u out of range (1..%u)", v,
				    MAX_PES);
	phb->num_pes = v;
	rc = dt_get_u32(dt, off, "ibm,opal-reserved-pe", 0, &v);
	if (rc)
		return rc;
	if (v >= phb->num_pes)
		return dt_fail_node(dt, off,
				    "ibm,opal-reserved-pe %u is not below ibm,opal-num-pes %u", v,
				    phb->num_pes);
	fw->reserved_pe = v;

	rc = dt_get_cells(dt, off, "ibm,opal-available-m64-ranges", 2, &p);
	if (rc < 0)
		return rc;
	fw->m64_bar_first = rc ? dt_cell(p, 0) : 0;
	fw->m64_bar_count = rc ? dt_cell(p, 1) : M64_BARS_DEFAULT;
	/* The kernel clamps a count over 63; a BAR past 63 or none at all is nonsense. */
	if (fw->m64_bar_count == 0 || fw->m64_bar_first > 63)
		return dt_fail_node(dt, off,
				    "ibm,opal-available-m64-ranges <%u %u> names no BAR in 0..63",
				    fw->m64_bar_first, fw->m64_bar_count);

	rc = dt_get_array(dt, off, "ibm,supported-tce-sizes", 1, &p, &n);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		if (dt_cell(p, i) > 63)
			return dt_fail_node(dt, off,
					    "ibm,supported-tce-sizes: page shift %u is over 63",
					    dt_cell(p, i));
		fw->tce_page_shifts |= 1ull << dt_cell(p, i);
	}

	rc = dt_get_cells(dt, off, "ibm,opal-msi-ranges", 2, &p);
	if (rc < 0)
		return rc;
	if (rc) {
		fw->msi_base = dt_cell(p, 0);
		fw->msi_count = dt_cell(p, 1);
	}
	rc = dt_get_u32(dt, off, "ibm,phb-diag-data-size", DIAG_DATA_SIZE_DEFAULT,
			&fw->diag_data_size);
	if (rc)
		return rc;

	rc = dt_get_cells(dt, off, "bus-range", 2, &p);
	if (rc < 0)
		return rc;
	fw->bus_first = rc ? dt_cell(p, 0) : 0;
	fw->bus_last = rc ? dt_cell(p, 1) : 0xff;
	/* The machine numbers a PHB's root bus 00, as skiboot's trees all do. */
	if (fw->bus_first != 0 || fw->bus_last > 0xff || fw->bus_last < fw->bus_first)
		return dt_fail_node(dt, off,
				    "bus-range <%#x %#x> must start at bus 00 and end by ff",
				    fw->bus_first, fw->bus_last);
	return 0;
}

int dt_parse_phb(struct dt *dt, int off, enum ioda_phb_type type, enum ioda_phb_gen gen)
{
	struct ioda_topo_phb *phb, **tail;
	struct bus_limit lim;
	const fdt32_t *p;
	uint32_t chip, index;
	char a[16], b[16];
	int busnr, last, rc;

	phb = ioda_zalloc(dt->ctx, sizeof(*phb));
	if (!phb)
		return dt_oom(dt);
	for (tail = &dt->topo->phbs; *tail; tail = &(*tail)->next)
		;
	*tail = phb; /* from here on, the topo frees it */
	dt->phb = phb;
	phb->pos = (struct ioda_srcpos){ dt->topo->file, 0, 0 };
	phb->type = type;
	phb->gen = gen;
	if (fdt_get_path(dt->fdt, off, phb->fw.path, sizeof(phb->fw.path)))
		return dt_fail_node(dt, off, "path is longer than %d characters",
				    IODA_DT_PATH_MAX - 1);

	rc = dt_need_cells(dt, off, "ibm,opal-phbid", 2, &p);
	if (rc < 0)
		return rc;
	phb->opal_id = dt_cell64(p, 0);
	for (const struct ioda_topo_phb *q = dt->topo->phbs; q != phb; q = q->next)
		if (q->opal_id == phb->opal_id)
			return dt_fail_node(dt, off, "ibm,opal-phbid %#" PRIx64 " is already %s's",
					    phb->opal_id, q->fw.path);
	rc = dt_get_u32(dt, off, "ibm,chip-id", 0, &chip);
	if (!rc)
		rc = dt_get_u32(dt, off, "ibm,phb-index", 0, &index);
	if (rc)
		return rc;
	phb->chip = chip;
	phb->index = index;
	if (fdt_address_cells(dt->fdt, off) != 3 || fdt_size_cells(dt->fdt, off) != 2)
		return dt_fail_node(dt, off, "#address-cells and #size-cells are %s and %s, "
				    "want 3 and 2 (a PCI bus)",
				    dt_ncells_text(dt, off, "#address-cells", a, sizeof(a)),
				    dt_ncells_text(dt, off, "#size-cells", b, sizeof(b)));
	rc = parse_phb_fw(dt, off, phb);
	if (!rc)
		rc = parse_ranges(dt, off, phb);
	if (!rc)
		rc = parse_m64(dt, off, phb);
	if (rc)
		return rc;

	busnr = (int)phb->fw.bus_first;
	lim = (struct bus_limit){ phb->fw.bus_first, phb->fw.bus_last, off };
	return dt_parse_bus(dt, off, NULL, 0, &busnr, "the root bus", lim, &last);
}
