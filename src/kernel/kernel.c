/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The boot of the PowerNV PCI code: each PHB's init (pnv_pci_init_ioda_phb),
 * then the PE set-up in the flow of the kernel's version:
 *   < 5.8   pcibios_setup_bridge() for each bridge bus, children first
 *           (the PCI core's resource assignment order), the root PE at the
 *           first call; DMA right after each PE; iommu groups in the fixup
 *           pass (pnv_pci_ioda_setup_iommu_api), PHB by PHB, PE by PE.
 *   >= 5.8  pcibios_bus_add_device() for each device in pci_bus_add_devices()
 *           order (a bus's devices, then each bridge's bus): the first device
 *           of a bus configures the bus's PE; the first non-bridge device
 *           sets up its DMA and iommu group.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/hw.h>

#include "kernel_priv.h"

#define M32_PCI_BASE 0x80000000ull /* skiboot M32_PCI_START */
#define MSI_WINDOW 0x10000ull      /* the top 64K of M32 firmware keeps for MSIs */

/* ---- events ---------------------------------------------------------------------- */

void ioda_emit(struct ioda_kernel *k, struct ioda_event *ev)
{
	if (k->emit)
		k->emit(k->emit_arg, ev);
}

void ioda_emit_pe(struct ioda_pe *pe, struct ioda_event *ev)
{
	ev->domain = pe->phb->domain->number;
	ev->pe = pe->pe_number;
	ev->pe_flags = pe->flags;
	/* Only a device PE names its device; a VF PE prints its own RID. */
	ev->rid = (pe->flags & IODA_PE_DEV) && pe->pdev ? pci_dev_rid(pe->pdev) : pe->rid;
	if (!ev->level)
		ev->level = IODA_LOG_INFO;
	ioda_emit(pe->phb->kernel, ev);
}

void ioda_emit_dev(struct ioda_kernel *k, const struct pci_dev *dev, enum ioda_event_kind kind,
		   unsigned int pe, int n)
{
	struct ioda_event ev = { .kind = kind, .level = IODA_LOG_INFO };

	ev.domain = pci_dev_peek_domain_nr(dev);
	ev.rid = pci_dev_rid(dev);
	ev.pe = pe;
	ev.n = n;
	ioda_emit(k, &ev);
}

void ioda_pe_printf(struct ioda_pe *pe, int level, const char *fmt, ...)
{
	char msg[256];
	struct ioda_event ev = { .kind = IODA_EV_PE_MESSAGE, .level = level, .text = msg };
	va_list ap;

	if (!pe->phb->kernel->emit)
		return; /* nobody reads the log: no line to format */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_emit_pe(pe, &ev);
}

void ioda_printf(struct ioda_kernel *k, int level, const char *fmt, ...)
{
	char msg[256];
	struct ioda_event ev = { .kind = IODA_EV_MESSAGE, .level = level, .text = msg };
	va_list ap;

	if (!k->emit)
		return; /* nobody reads the log: no line to format */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_emit(k, &ev);
}

/* ---- skiboot's layout, for machines described without it -------------------- */

/* The PHB's node name as skiboot makes it, e.g. /pciex@600c3c0000000. */
static void phb_dt_path(const struct pci_domain *d, char *buf, size_t len)
{
	uint64_t base;

	if (d->gen == IODA_PHB3)
		base = 0x3fffe40000000ull + ((uint64_t)d->chip << 21);
	else
		base = 0x600c3c0000000ull + ((uint64_t)d->chip << 46);
	snprintf(buf, len, "/pciex@%llx", (unsigned long long)(base + d->index * 0x100000ull));
}

/* skiboot's phys map: the M32 and M64 windows of a PHB (hw/phys-map.c). */
static void phb_windows(const struct pci_domain *d, struct pci_resource *m32,
			struct pci_resource *m64)
{
	*m32 = d->m32;
	*m64 = d->m64;
	if (!m32->size) {
		m32->size = 0x80000000ull - MSI_WINDOW;
		m32->start = d->gen == IODA_PHB3
				     ? 0x3ff8000000000ull + d->index * 0x80000000ull
				     : 0x600c000000000ull + ((uint64_t)d->chip << 46) +
					       d->index * 0x80000000ull;
	}
	if (!m64->size) {
		if (d->gen == IODA_PHB3) {
			m64->size = 0x1000000000ull;
			m64->start = 0x3d00000000000ull + d->index * m64->size;
		} else {
			m64->size = 0x4000000000ull;
			m64->start = (d->index < 3 ? 0x6000000000000ull : 0x6020000000000ull) +
				     ((uint64_t)d->chip << 46) + (d->index % 3) * m64->size;
		}
	}
}

/* ---- PHB init -------------------------------------------------------------------- */

static void phb_free(struct ioda_phb *phb)
{
	struct ioda_ctx *ctx = phb->kernel->ctx;

	if (phb->pe_array) {
		for (unsigned int i = 0; i < phb->total_pe_num; i++) {
			struct ioda_pe *pe = &phb->pe_array[i];

			if (pe->pbus)
				pci_bus_put(pe->pbus, HOLD_PE);
			ioda_pe_put_dev(pe);
			ioda_pe_dma_free(pe);
		}
	}
	ioda_free(ctx, phb->pe_alloc);
	ioda_free(ctx, phb->pe_array);
	ioda_free(ctx, phb->pe_rmap);
	ioda_free(ctx, phb->m32_segmap);
	ioda_free(ctx, phb->m64_segmap);
	ioda_free(ctx, phb->msi_bitmap);
	ioda_free(ctx, phb->eeh_freezes);
	ioda_free(ctx, phb->eeh_tstamp);
	ioda_free(ctx, phb->eeh_isolated);
	pci_domain_put(phb->domain, HOLD_PHB);
	ioda_free(ctx, phb);
}

static unsigned int *invalid_array(struct ioda_ctx *ctx, size_t n)
{
	unsigned int *a = ioda_alloc(ctx, n * sizeof(*a)); /* n <= 64K: no overflow */

	if (a)
		memset(a, 0xff, n * sizeof(*a));
	return a;
}

static void phb_header(struct ioda_phb *phb, const struct pci_resource *m32,
		       const struct pci_resource *m64, unsigned int m64_first, unsigned int m64_count,
		       bool primary)
{
	struct ioda_kernel *k = phb->kernel;
	const struct pci_domain *d = phb->domain;
	char path[IODA_DT_PATH_MAX];
	struct ioda_event ev = { .level = IODA_LOG_INFO };

	bool npu = phb->type != IODA_PNV_PHB_IODA2;
	static const char *const names[] = {
		[IODA_PNV_PHB_IODA2] = "IODA2",
		[IODA_PNV_PHB_NPU_NVLINK] = "NPU_NVLINK",
		[IODA_PNV_PHB_NPU_OCAPI] = "NPU_OCAPI",
	};

	if (d->fw.valid && d->fw.path[0])
		snprintf(path, sizeof(path), "%s", d->fw.path);
	else
		phb_dt_path(d, path, sizeof(path));
	ev.kind = IODA_EV_PHB_INIT;
	ev.text = names[phb->type];
	ev.text2 = path;
	ioda_emit(k, &ev);
	ioda_printf(k, IODA_LOG_INFO, "PCI host bridge %s %s ranges:", path,
		    primary ? "(primary)" : "");
	ev.kind = IODA_EV_PHB_M32_RANGE;
	ev.a = m32->start;
	ev.b = m32->start + m32->size - 1;
	ev.c = npu ? m32->start : M32_PCI_BASE;
	ioda_emit(k, &ev);
	if (npu) {
		/* pnv_ioda_parse_m64_window(): only IODA1/IODA2 PHBs have one. */
		ioda_printf(k, IODA_LOG_INFO, "  Not support M64 window");
	} else {
		ev.kind = IODA_EV_PHB_M64_RANGE;
		ev.a = m64->start;
		ev.b = m64->start + m64->size - 1;
		ev.c = m64->start;
		ev.n = (int)m64_first;
		ev.m = (int)(m64_first + m64_count - 1);
		ioda_emit(k, &ev);
		ev.kind = IODA_EV_PHB_M64_DEFAULT;
		ev.n = (int)phb->m64_bar_idx;
		ioda_emit(k, &ev);
	}
	ev.kind = IODA_EV_PHB_PE_COUNTS;
	ev.n = (int)phb->total_pe_num;
	ev.m = (int)phb->reserved_pe_idx;
	ev.a = phb->m32_size;
	ev.b = phb->m32_segsize;
	ioda_emit(k, &ev);
	if (npu)
		return;
	ev.kind = IODA_EV_PHB_M64_SIZE;
	ev.a = phb->m64_size;
	ev.b = phb->m64_segsize;
	ioda_emit(k, &ev);
	ev.kind = IODA_EV_PHB_MSIS;
	ev.n = (int)phb->msi_count;
	ev.a = phb->msi_base;
	ioda_emit(k, &ev);
}

/* pnv_ioda2_init_m64(): the default M64 BAR covers the window, segmented. */
static void init_m64(struct ioda_phb *phb)
{
	struct ioda_opal *opal = phb->kernel->opal;
	const char *desc = "configuring";
	int64_t rc;

	rc = opal_pci_set_phb_mem_window(opal, phb->opal_id, OPAL_M64_WINDOW_TYPE,
					 (uint16_t)phb->m64_bar_idx, phb->m64_base, 0, phb->m64_size);
	if (rc == OPAL_SUCCESS) {
		desc = "enabling";
		rc = opal_pci_phb_mmio_enable(opal, phb->opal_id, OPAL_M64_WINDOW_TYPE,
					      (uint16_t)phb->m64_bar_idx, OPAL_ENABLE_M64_SPLIT);
	}
	if (rc != OPAL_SUCCESS) {
		ioda_printf(phb->kernel, IODA_LOG_WARNING, "  Failure %lld %s M64 BAR#%u",
			    (long long)rc, desc, phb->m64_bar_idx);
		opal_pci_phb_mmio_enable(opal, phb->opal_id, OPAL_M64_WINDOW_TYPE,
					 (uint16_t)phb->m64_bar_idx, OPAL_DISABLE_M64);
		phb->m64_size = 0; /* the kernel drops the M64 resource */
	}
}

static int phb_init(struct ioda_kernel *k, struct pci_domain *d, bool primary,
		    struct ioda_error *err)
{
	struct ioda_ctx *ctx = k->ctx;
	struct ioda_phb_params params;
	struct pci_resource m32, m64;
	struct ioda_phb *phb;
	unsigned int total, m64_first, m64_count;
	int64_t rc64;
	bool npu;
	int rc;

	phb = ioda_zalloc(ctx, sizeof(*phb));
	if (!phb)
		goto oom;
	k->phbs[k->nphbs++] = phb;
	phb->kernel = k;
	phb->domain = pci_domain_get(d, HOLD_PHB);
	/* NPUs (NVLink and OpenCAPI) map no M64, have no MSIs and no PELT-V. */
	npu = d->type != IODA_PHB_PCIE;
	phb->type = d->type == IODA_PHB_NPU_NVLINK ? IODA_PNV_PHB_NPU_NVLINK
		    : d->type == IODA_PHB_NPU_OCAPI ? IODA_PNV_PHB_NPU_OCAPI
						     : IODA_PNV_PHB_IODA2;
	phb->opal_id = d->opal_id;
	/* skiboot: an NPU2 has 16 PEs, an OpenCAPI link 8 (NPU2_MAX_PE_NUM). */
	total = d->num_pes ? d->num_pes
			   : phb->type == IODA_PNV_PHB_NPU_OCAPI ? 8
			   : npu ? 16 : d->gen == IODA_PHB3 ? 256 : 512;
	phb->total_pe_num = total;
	/* Firmware names the reserved PE; skiboot's PHB3/4 take the last. */
	phb->reserved_pe_idx = d->fw.valid ? d->fw.reserved_pe : total - 1;
	ioda_list_init(&phb->pe_list);
	phb->pe_alloc = ioda_calloc(ctx, (total + 63) / 64, sizeof(unsigned long));
	phb->pe_array = ioda_calloc(ctx, total, sizeof(struct ioda_pe));
	phb->pe_rmap = invalid_array(ctx, IODA_RTT_ENTRIES);
	phb->m32_segmap = invalid_array(ctx, total);
	phb->m64_segmap = invalid_array(ctx, total);
	phb->eeh_freezes = ioda_calloc(ctx, total, sizeof(*phb->eeh_freezes));
	phb->eeh_tstamp = ioda_calloc(ctx, total, sizeof(*phb->eeh_tstamp));
	phb->eeh_isolated = ioda_calloc(ctx, total, sizeof(*phb->eeh_isolated));
	if (!phb->pe_alloc || !phb->pe_array || !phb->pe_rmap || !phb->m32_segmap ||
	    !phb->m64_segmap || !phb->eeh_freezes || !phb->eeh_tstamp || !phb->eeh_isolated)
		goto oom;

	/*
	 * ibm,opal-msi-ranges, or skiboot's numbering: on P8 a block per chip and
	 * PHB; on P9 XIVE hands out blocks downwards from 0xff000, by PE count.
	 */
	if (phb->type == IODA_PNV_PHB_NPU_OCAPI) {
		phb->msi_count = 0; /* no ibm,opal-msi-ranges: the AFUs' interrupts are XIVE's */
	} else if (d->fw.valid && d->fw.msi_count) {
		phb->msi_count = d->fw.msi_count;
		phb->msi_base = d->fw.msi_base;
	} else if (d->gen == IODA_PHB3) {
		phb->msi_count = 2040;
		phb->msi_base = (d->chip << 13) + ((d->index + 1) << 11);
	} else {
		phb->msi_count = total == 512 ? 4088 : 2040;
		k->irq_top -= total == 512 ? 0x1000 : 0x800;
		phb->msi_base = (unsigned int)k->irq_top;
	}
	phb->msi_bitmap = ioda_calloc(ctx, phb->msi_count / 64 + 1, sizeof(unsigned long));
	if (!phb->msi_bitmap)
		goto oom;
	phb_windows(d, &m32, &m64);
	if (npu)
		m64 = (struct pci_resource){ 0 }; /* NPUs map no M64 */
	ioda_phb_params_init(&params, d->gen == IODA_PHB3 ? IODA_PHB3 : IODA_PHB4);
	/* An NPU2's 16 PEs are modelled by a PHB4's tables of the smallest size. */
	params.num_pes = npu ? 256 : total;
	params.opencapi = phb->type == IODA_PNV_PHB_NPU_OCAPI;
	params.npu = npu;
	params.m32_base = m32.start;
	params.m64_base = m64.start;
	params.m64_size = m64.size;
	/* ibm,opal-msi-ranges leaves out the PHB's 8 LSIs. */
	if (d->fw.valid && d->fw.msi_count && d->gen != IODA_PHB3)
		params.num_irqs = d->fw.msi_count + 8;
	rc = ioda_opal_add_phb(k->opal, phb->opal_id, &params);
	if (rc) {
		ioda_error_set(err, "PHB %04x: %s", d->number,
			       rc == -ENOMEM ? "out of memory" : "firmware refused the PHB");
		return rc;
	}
	phb->m32_size = m32.size + MSI_WINDOW;
	phb->m32_segsize = phb->m32_size / total;
	phb->m32_pci_base = M32_PCI_BASE;
	phb->m32_cpu_base = m32.start;
	phb->m64_base = m64.start;
	phb->m64_size = m64.size;
	phb->m64_segsize = m64.size / total;
	if (npu) {
		phb->m32_pci_base = m32.start; /* 1:1, no 2G offset */
		phb_header(phb, &m32, &m64, 0, 0, primary);
		goto reserve;
	}
	/* ibm,opal-available-m64-ranges: PHB4 keeps BAR 0 for M32; absent on PHB3: 0..15. */
	if (d->fw.valid) {
		m64_first = d->fw.m64_bar_first;
		m64_count = d->fw.m64_bar_count > 63 ? 63 : d->fw.m64_bar_count;
	} else {
		m64_first = d->gen == IODA_PHB3 ? 0 : 1;
		m64_count = d->gen == IODA_PHB3 ? 16 : (total == 512 ? 31 : 15);
	}
	phb->m64_bar_idx = m64_first + m64_count - 1;
	/* The default BAR is taken; the others are SR-IOV's to allocate. */
	phb->m64_bar_alloc = ~0ull;
	for (unsigned int i = m64_first; i < phb->m64_bar_idx && i < 64; i++)
		phb->m64_bar_alloc &= ~(1ull << i);
	phb_header(phb, &m32, &m64, m64_first, m64_count, primary);
reserve:
	/* The reserved PE, and the root PE next to it. */
	ioda_pe_reserve(phb, phb->reserved_pe_idx);
	if (phb->reserved_pe_idx == 0) {
		phb->root_pe_idx = 1;
		ioda_pe_reserve(phb, 1);
	} else if (phb->reserved_pe_idx == total - 1) {
		phb->root_pe_idx = total - 2;
		ioda_pe_reserve(phb, phb->root_pe_idx);
	} else {
		struct ioda_pe *root = ioda_pe_alloc(phb, 1);

		phb->root_pe_idx = root ? root->pe_number : IODA_INVALID_PE;
	}
	rc64 = opal_pci_reset(k->opal, phb->opal_id, OPAL_RESET_PCI_IODA_TABLE, OPAL_ASSERT_RESET);
	if (rc64 != OPAL_SUCCESS)
		ioda_printf(k, IODA_LOG_WARNING, "  OPAL Error %lld performing IODA table reset !",
			    (long long)rc64);
	if (!npu)
		init_m64(phb);
	return 0;
oom:
	ioda_error_set(err, "PHB %04x: out of memory", d->number);
	return -ENOMEM;
}

/* ---- the >= 5.8 flow: PEs at device add -------------------------------------------- */

static bool below_pcie_to_pci(const struct pci_bus *bus)
{
	return bus->self && bus->self->pcie_type == PCIE_TYPE_PCI_BRIDGE;
}

/* pnv_pci_configure_bus() */
static void configure_bus(struct ioda_phb *phb, struct pci_bus *bus)
{
	bool all = below_pcie_to_pci(bus);
	struct ioda_event ev = { .kind = IODA_EV_BUS_CONFIGURING, .level = IODA_LOG_INFO };
	struct ioda_pe *pe;

	ev.domain = phb->domain->number;
	ev.rid = (uint16_t)(bus->number << 8);
	ioda_emit(phb->kernel, &ev);
	if (ioda_list_empty(&bus->devices))
		return;
	ioda_reserve_m64_pes(phb, bus, all);
	pe = ioda_setup_bus_pe(phb, bus, all);
	if (pe)
		ioda_setup_pe_seg(pe);
}

/* pnv_pci_ioda_dma_dev_setup() */
void ioda_dma_dev_setup(struct ioda_phb *phb, struct pci_dev *dev)
{
	struct ioda_kernel *k = phb->kernel;
	uint16_t rid = pci_dev_rid(dev);
	unsigned int n = phb->pe_rmap[rid];
	struct ioda_pe *pe;

	if (n == IODA_INVALID_PE) {
		configure_bus(phb, dev->bus);
		n = phb->pe_rmap[rid];
		ioda_emit_dev(k, dev, IODA_EV_DEV_CONFIGURED, n == IODA_INVALID_PE ? 0xfffff : n, 0);
		if (n == IODA_INVALID_PE)
			return;
	} else {
		ioda_emit_dev(k, dev, IODA_EV_DEV_ADDED, n, 0);
	}
	pe = &phb->pe_array[n];
	if (!pe->dma_setup_done && !ioda_pci_is_bridge(dev))
		ioda_setup_dma_pe(phb, pe);
	dev->pe_number = n;
	pe->device_count++;
	ioda_group_add_dev(k, pe, dev);
}

/* pci_bus_add_devices(): the bus's devices, then each bridge's bus. */
void ioda_bus_add_devices(struct ioda_phb *phb, struct pci_bus *bus)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		ioda_dma_dev_setup(phb, dev);
	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->subordinate)
			ioda_bus_add_devices(phb, dev->subordinate);
}

/* ---- the < 5.8 flow: PEs at bridge set-up -------------------------------------------- */

/*
 * pnv_ioda_setup_same_PE(): the bus's devices (all below, for bus-all)
 * join, but a device already in a PE keeps it, with all below it: a bus
 * below a PCI-PCI bridge under a PCIe-to-PCI bridge got its own PE first
 * (the bridge pass runs bottom up), and the bus-all PE made next for the
 * buses above takes over its RIDs in the RTT while its devices stay.
 */
static void setup_same_pe(struct ioda_pe *pe, struct pci_bus *bus)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (dev->pe_number != IODA_INVALID_PE)
			continue;
		pe->device_count++;
		dev->pe_number = pe->pe_number;
		if ((pe->flags & IODA_PE_BUS_ALL) && dev->subordinate)
			setup_same_pe(pe, dev->subordinate);
	}
}

static struct ioda_pe *setup_bus_pe_old(struct ioda_phb *phb, struct pci_bus *bus, bool all)
{
	struct ioda_pe *pe = ioda_setup_bus_pe(phb, bus, all);

	if (pe)
		setup_same_pe(pe, bus);
	return pe;
}

/* pnv_pci_setup_bridge() */
void ioda_setup_bridge(struct ioda_phb *phb, struct pci_bus *bus)
{
	bool all = below_pcie_to_pci(bus);
	struct ioda_pe *pe;

	/* The root bus's PE comes before any other. */
	if (!phb->root_pe_populated) {
		pe = setup_bus_pe_old(phb, phb->domain->root_bus, false);
		if (pe) {
			phb->root_pe_idx = pe->pe_number;
			phb->root_pe_populated = true;
		}
	}
	if (ioda_list_empty(&bus->devices))
		return;
	ioda_reserve_m64_pes(phb, bus, all);
	pe = setup_bus_pe_old(phb, bus, all);
	if (!pe)
		return;
	ioda_setup_pe_seg(pe);
	/* K55 skips PEs of zero DMA weight: bridges only. */
	if (ioda_pe_has_dma_device(pe))
		ioda_setup_dma_pe(phb, pe);
}

/* __pci_bus_assign_resources(): a bridge's bus after everything below it. */
void ioda_assign_bus_resources(struct ioda_phb *phb, struct pci_bus *bus)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (!dev->subordinate)
			continue;
		ioda_assign_bus_resources(phb, dev->subordinate);
		ioda_setup_bridge(phb, dev->subordinate);
	}
}

static void group_add(struct ioda_pe *pe, struct pci_dev *dev, void *arg)
{
	ioda_group_add_dev(pe->phb->kernel, pe, dev);
}

/* A group for a PE with DMA and its devices (the < 5.8 fixup, per PE). */
void ioda_group_pe_devices(struct ioda_kernel *k, struct ioda_pe *pe)
{
	if (pe->group >= 0)
		return;
	/* pnv_try_setup_npu_table_group(): a GPU's PE joins its NPU's group. */
	if (!ioda_npu_table_group(k, pe) && !ioda_pe_has_dma_device(pe))
		return;
	if (pe->group < 0)
		ioda_group_register(k, pe);
	ioda_pe_for_each_dev(pe, group_add, NULL);
}

/* pnv_pci_ioda_setup_iommu_api(): a group per PE with DMA, in PE list order. */
static void setup_iommu_api(struct ioda_kernel *k)
{
	for (unsigned int i = 0; i < k->nphbs; i++) {
		struct ioda_phb *phb = k->phbs[i];
		struct ioda_pe *pe;

		if (phb->type != IODA_PNV_PHB_IODA2)
			continue;
		ioda_list_for_each_entry(pe, &phb->pe_list, list)
			ioda_group_pe_devices(k, pe);
	}
}

/* ---- boot ------------------------------------------------------------------------- */

/* The newest kernel that supports the machine: NVLink went away in 5.13. */
static const char *newest_for(struct ioda_machine *m)
{
	struct pci_domain *d;

	ioda_list_for_each_entry(d, &m->domains, node)
		if (d->type == IODA_PHB_NPU_NVLINK)
			return ioda_profile_newest_nvlink();
	return ioda_profile_newest();
}

static bool cmdline_has(const char *cmdline, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = cmdline; p && (p = strstr(p, opt)) != NULL; p += n)
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

int ioda_kernel_boot(struct ioda_machine *m, const struct ioda_boot_opts *opts,
		     ioda_event_fn fn, void *arg, struct ioda_kernel **out,
		     struct ioda_error *err)
{
	static const struct ioda_boot_opts none;
	struct ioda_kernel *k;
	struct pci_domain *d;
	unsigned int n = 0;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &none;
	k = ioda_zalloc(m->ctx, sizeof(*k));
	if (!k) {
		ioda_error_set(err, "out of memory");
		return -ENOMEM;
	}
	k->ctx = m->ctx;
	k->m = m;
	k->emit = fn;
	k->emit_arg = arg;
	k->irq_top = 0xff000;
	k->eeh_max_freezes = 5; /* the EEH core's default */
	k->refcount = opts->refcount;
	for (unsigned int i = 0; i < 16; i++)
		k->npu_group[i] = -1;
	{
		/* Recursive: a PE's release can free a bridge whose PE goes too. */
		pthread_mutexattr_t attr;

		pthread_mutexattr_init(&attr);
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&k->lock, &attr);
		pthread_mutex_init(&k->rescan_lock, &attr);
		pthread_mutexattr_destroy(&attr);
	}
	rc = ioda_profile_init(&k->profile, opts->kernel ? opts->kernel : newest_for(m), err);
	if (rc)
		goto fail;
	if (opts->page_shift)
		k->profile.page_shift = opts->page_shift;
	k->nobypass = cmdline_has(opts->cmdline, "iommu=nobypass");
	k->dram_end = opts->dram_end ? opts->dram_end
				     : (m->memory_bytes ? m->memory_bytes : 1ull << 32);
	if (k->dram_end < IODA_MIN_MEMORY || k->dram_end > IODA_MAX_MEMORY) {
		ioda_error_set(err, "RAM ends at %#llx, outside %lluM..%lluT",
			       (unsigned long long)k->dram_end, IODA_MIN_MEMORY >> 20,
			       IODA_MAX_MEMORY >> 40);
		rc = -EINVAL;
		goto fail;
	}
	k->opal = ioda_opal_new(m->ctx);
	ioda_list_for_each_entry(d, &m->domains, node)
		n++;
	k->phbs = ioda_calloc(m->ctx, n ? n : 1, sizeof(*k->phbs));
	if (!k->opal || !k->phbs) {
		ioda_error_set(err, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}

	pthread_rwlock_wrlock(&m->lock);
	/* Refused before any PHB is set up, so that nothing is printed first. */
	ioda_list_for_each_entry(d, &m->domains, node) {
		if (d->type == IODA_PHB_NPU_NVLINK && !k->profile.nvlink) {
			ioda_error_set(err, "PHB %04x: NVLink PHB, and kernel %s has no NVLink support (removed in 5.13)",
				       d->number, k->profile.name);
			rc = -EINVAL;
			break;
		}
	}
	ioda_list_for_each_entry(d, &m->domains, node) {
		if (rc)
			break;
		rc = phb_init(k, d, k->nphbs == 0, err);
	}
	/* pcibios_resource_survey(): where firmware gave no address, the kernel places. */
	for (unsigned int i = 0; !rc && i < k->nphbs; i++) {
		if (opts->reassign || ioda_phb_needs_assignment(k->phbs[i]))
			rc = ioda_assign_resources(k->phbs[i], opts);
		if (rc)
			ioda_error_set(err, "out of memory");
	}
	/*
	 * skiboot's slots, with what its scan found in each.  Made once the
	 * resources are placed: a power cycle's rescan is assigned the same
	 * addresses again, which the model's hot add takes from the card.
	 */
	for (unsigned int i = 0; !rc && i < k->nphbs; i++) {
		rc = ioda_php_fw_slots(k, k->phbs[i]);
		if (rc)
			ioda_error_set(err, "out of memory");
	}
	for (unsigned int i = 0; !rc && i < k->nphbs; i++) {
		struct ioda_phb *phb = k->phbs[i];

		if (phb->type != IODA_PNV_PHB_IODA2)
			continue;
		if (k->profile.pe_at_device_add)
			ioda_bus_add_devices(phb, phb->domain->root_bus);
		else
			ioda_assign_bus_resources(phb, phb->domain->root_bus);
	}
	/*
	 * pnv_pci_ioda_setup_PEs(): the NVLink PHBs' device PEs, in the fixup;
	 * up to 5.5 the OpenCAPI functions' too (since, at enable).
	 */
	for (unsigned int i = 0; !rc && i < k->nphbs; i++) {
		if (k->phbs[i]->type == IODA_PNV_PHB_NPU_NVLINK)
			ioda_npu_setup_pes(k->phbs[i]);
		else if (k->phbs[i]->type == IODA_PNV_PHB_NPU_OCAPI &&
			 !k->profile.ocapi_pe_at_enable)
			ioda_ocapi_setup_pes(k->phbs[i]);
	}
	if (!rc && !k->profile.pe_at_device_add)
		setup_iommu_api(k);
	if (!rc)
		ioda_npu_setup_groups(k);
	pthread_rwlock_unlock(&m->lock);
	if (rc)
		goto fail;
	ioda_install_notifier(k);
	*out = k;
	return 0;
fail:
	ioda_kernel_free(k);
	return rc;
}

void ioda_kernel_free(struct ioda_kernel *k)
{
	struct pci_dev *dev;

	if (!k)
		return;
	if (k->m->notifier.arg == k)
		ioda_machine_set_notifier(k->m, NULL);
	/* The PFs' IOV state is the kernel's (archdata). */
	ioda_list_for_each_entry(dev, &k->m->devices, all_node) {
		ioda_free(k->ctx, dev->iov_data);
		dev->iov_data = NULL;
	}
	ioda_php_unload(k);
	for (unsigned int i = 0; i < k->nphbs; i++)
		phb_free(k->phbs[i]);
	ioda_free(k->ctx, k->phbs);
	ioda_free(k->ctx, k->group_ids);
	ioda_opal_free(k->opal);
	pthread_mutex_destroy(&k->lock);
	pthread_mutex_destroy(&k->rescan_lock);
	ioda_free(k->ctx, k);
}

struct ioda_phb *ioda_kernel_peek_phb(struct ioda_kernel *k, int domain)
{
	struct ioda_phb *last = atomic_load_explicit(&k->last_phb, memory_order_relaxed);

	/* A walk per device made a boot grow as PHBs squared. */
	if (last && last->domain->number == domain)
		return last;
	for (unsigned int i = 0; i < k->nphbs; i++) {
		if (k->phbs[i]->domain->number == domain) {
			atomic_store_explicit(&k->last_phb, k->phbs[i], memory_order_relaxed);
			return k->phbs[i];
		}
	}
	return NULL;
}

struct ioda_pe *ioda_dev_peek_pe(struct ioda_kernel *k, const struct pci_dev *dev)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));

	return phb && dev->pe_number < phb->total_pe_num ? &phb->pe_array[dev->pe_number] : NULL;
}

int ioda_dump_pe_state(struct ioda_kernel *k, int domain)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, domain);

	if (!phb)
		return -ENOENT;
	/* The PE state holds still under the rescan lock, as for every other reader. */
	ioda_lock_rescan_remove(k);
	for (unsigned int n = 0; n < phb->total_pe_num; n++) {
		struct ioda_pe *pe = &phb->pe_array[n];
		struct ioda_event ev = { .kind = IODA_EV_PE_DUMP, .level = IODA_LOG_WARNING };

		if (!ioda_pe_allocated(phb, n))
			continue;
		ev.a = pe->rid;
		ev.n = pe->device_count;
		/*
		 * The reserved PE was only reserved: it has no number of its own
		 * yet.  Written only there: a live PE's are read by its DMA paths.
		 */
		if (pe->pe_number != n || pe->phb != phb) {
			pe->pe_number = n;
			pe->phb = phb;
		}
		ioda_emit_pe(pe, &ev);
	}
	ioda_unlock_rescan_remove(k);
	return 0;
}
