/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel-format lines for policy events, exactly as the kernel prints them
 * (arch/powerpc/platforms/powernv/pci-ioda.c and the PCI/IOMMU cores).
 */
#include <inttypes.h>
#include <stdio.h>

#include <ioda/ioda.h>

/*
 * pe_level_printk()'s prefix: "pci PFIX: [PE# %.2x] ", where PFIX is the
 * device name for a device PE, "DDDD:BB" padded with five spaces for a bus
 * PE, and "DDDD:BB:%2x.%d" (slot space-padded) for a VF PE.
 */
static int pe_prefix(const struct ioda_event *ev, char *buf, size_t len)
{
	unsigned int bus = ev->rid >> 8, slot = (ev->rid >> 3) & 0x1f, fn = ev->rid & 7;

	if (ev->pe_flags & IODA_PE_DEV)
		return snprintf(buf, len, "pci %04x:%02x:%02x.%u: [PE# %.2x] ", ev->domain, bus,
				slot, fn, ev->pe);
	if (ev->pe_flags & IODA_PE_VF)
		return snprintf(buf, len, "pci %04x:%02x:%2x.%u: [PE# %.2x] ", ev->domain, bus,
				slot, fn, ev->pe);
	if (ev->pe_flags & (IODA_PE_BUS | IODA_PE_BUS_ALL))
		return snprintf(buf, len, "pci %04x:%02x     : [PE# %.2x] ", ev->domain, bus,
				ev->pe);
	/* A PE of no kind (the reserved one): the prefix is empty. */
	return snprintf(buf, len, "pci : [PE# %.2x] ", ev->pe);
}

/* dev_info() on a pci_dev: "pci DDDD:BB:DD.F: ". */
static int dev_prefix(const struct ioda_event *ev, char *buf, size_t len)
{
	return snprintf(buf, len, "pci %04x:%02x:%02x.%u: ", ev->domain, ev->rid >> 8,
			(ev->rid >> 3) & 0x1f, ev->rid & 7u);
}

/*
 * %pR of a memory or IO resource: "[mem 0x80000000-0x8000ffff 64bit pref]",
 * "[io  size 0x1000]" for one not placed; 4 hex digits at least for IO, 8
 * for memory (the kernel's io_spec and mem_spec).
 */
static int res_str(char *buf, size_t len, uint64_t a, uint64_t b, unsigned int m)
{
	int w = (m & PCI_RES_IO) ? 4 : 8;
	int n;

	if (m & IODA_RES_SIZE)
		n = snprintf(buf, len, "[%s size 0x%0*" PRIx64, (m & PCI_RES_IO) ? "io " : "mem", w,
			     a);
	else
		n = snprintf(buf, len, "[%s 0x%0*" PRIx64 "-0x%0*" PRIx64,
			     (m & PCI_RES_IO) ? "io " : "mem", w, a, w, b);
	return n + snprintf(buf + n, len > (size_t)n ? len - (size_t)n : 0, "%s%s]",
			    (m & PCI_RES_MEM64) ? " 64bit" : "",
			    (m & PCI_RES_PREFETCH) ? " pref" : "");
}

/*
 * pci_resource_name(): the 6.8 names ("BAR 0", "ROM", "VF BAR 0", "bridge
 * window"); before, "BAR n" with the kernel's resource number, where the
 * bridge windows are 13-15 with CONFIG_PCI_IOV (7-9 without).
 */
static void res_name(const struct ioda_event *ev, char *buf, size_t len)
{
	unsigned int n = (unsigned int)ev->n;

	if (!(ev->m & IODA_RES_NEW_NAMES))
		snprintf(buf, len, "BAR %u", n >= 13 && (ev->m & IODA_RES_NO_IOV) ? n - 6 : n);
	else if (n < 6)
		snprintf(buf, len, "BAR %u", n);
	else if (n == 6)
		snprintf(buf, len, "ROM");
	else if (n < 13)
		snprintf(buf, len, "VF BAR %u", n - 7);
	else
		snprintf(buf, len, "bridge window");
}

/* The assignment outcomes of pci_assign_resource(), in either order of name and verb. */
static int res_outcome(const struct ioda_event *ev, const char *old_verb, const char *new_verb,
		       char *buf, size_t len)
{
	char pfx[64], name[24], r[96];

	dev_prefix(ev, pfx, sizeof(pfx));
	res_name(ev, name, sizeof(name));
	res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
	if (ev->m & IODA_RES_NEW_NAMES)
		return snprintf(buf, len, "%s%s %s: %s", pfx, name, r, new_verb);
	return snprintf(buf, len, "%s%s: %s %s", pfx, name, old_verb, r);
}

int ioda_event_format(const struct ioda_event *ev, char *buf, size_t len)
{
	char pfx[64], r[96];

	switch (ev->kind) {
	case IODA_EV_PHB_INIT:
		return snprintf(buf, len, "Initializing %s PHB (%s)", ev->text, ev->text2);
	case IODA_EV_PHB_M32_RANGE:
		return snprintf(buf, len, " MEM 0x%016" PRIx64 "..0x%016" PRIx64 " -> 0x%016" PRIx64 " ",
				ev->a, ev->b, ev->c);
	case IODA_EV_PHB_M64_RANGE:
		return snprintf(buf, len,
				" MEM 0x%016" PRIx64 "..0x%016" PRIx64 " -> 0x%016" PRIx64
				" (M64 #%d..%d)", ev->a, ev->b, ev->c, ev->n, ev->m);
	case IODA_EV_PHB_M64_DEFAULT:
		return snprintf(buf, len, " Using M64 #%d as default window", ev->n);
	case IODA_EV_PHB_PE_COUNTS:
		return snprintf(buf, len, "  %03d (%03d) PE's M32: 0x%" PRIx64 " [segment=0x%" PRIx64 "]",
				ev->n, ev->m, ev->a, ev->b);
	case IODA_EV_PHB_M64_SIZE:
		return snprintf(buf, len, "                 M64: 0x%" PRIx64 " [segment=0x%" PRIx64 "]",
				ev->a, ev->b);
	case IODA_EV_PHB_MSIS:
		return snprintf(buf, len, "  Allocated bitmap for %d MSIs (base IRQ 0x%" PRIx64 ")",
				ev->n, ev->a);
	case IODA_EV_BUS_CONFIGURING:
		return snprintf(buf, len, "pci_bus %04x:%02x: Configuring PE for bus", ev->domain,
				ev->rid >> 8);
	case IODA_EV_DEV_CONFIGURED:
		dev_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sConfigured PE#%x", pfx, ev->pe);
	case IODA_EV_DEV_ADDED:
		dev_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sAdded to existing PE#%x", pfx, ev->pe);
	case IODA_EV_DEV_GROUP_ADD:
		dev_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sAdding to iommu group %d", pfx, ev->n);
	case IODA_EV_DEV_GROUP_REMOVE:
		dev_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sRemoving from iommu group %d", pfx, ev->n);
	case IODA_EV_PE_BUS:
		pe_prefix(ev, pfx, sizeof(pfx));
		/* %pad: 0x and 16 hex digits */
		return snprintf(buf, len, "%sSecondary bus 0x%016" PRIx64 " associated with PE#%x",
				pfx, ev->a, ev->pe);
	case IODA_EV_PE_BUS_ALL:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len,
				"%sSecondary bus 0x%016" PRIx64 "..0x%016" PRIx64
				" associated with PE#%x", pfx, ev->a, ev->b, ev->pe);
	case IODA_EV_PE_DEV:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sAssociated device to PE", pfx);
	case IODA_EV_PE_TCE32:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sSetting up 32-bit TCE table at 0..%08" PRIx64, pfx,
				ev->a);
	case IODA_EV_PE_WINDOW:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sSetting up window#%d %" PRIx64 "..%" PRIx64 " pg=%" PRIx64,
				pfx, ev->n, ev->a, ev->b, ev->c);
	case IODA_EV_PE_BYPASS:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%s%sabling 64-bit DMA bypass", pfx, ev->n ? "En" : "Dis");
	case IODA_EV_PE_RELEASING:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sReleasing PE", pfx);
	case IODA_EV_PE_WINDOW_REMOVE:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%sRemoving DMA window #%d", pfx, ev->n);
	case IODA_EV_PE_MESSAGE:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%s%s", pfx, ev->text);
	case IODA_EV_PE_DUMP:
		pe_prefix(ev, pfx, sizeof(pfx));
		return snprintf(buf, len, "%srid: %04x dev count: %2d flags: %s%s%s%s%s%s", pfx,
				(unsigned int)ev->a, ev->n, ev->pe_flags & IODA_PE_DEV ? "dev " : "",
				ev->pe_flags & IODA_PE_BUS ? "bus " : "",
				ev->pe_flags & IODA_PE_BUS_ALL ? "all " : "",
				ev->pe_flags & IODA_PE_MASTER ? "master " : "",
				ev->pe_flags & IODA_PE_SLAVE ? "slave " : "",
				ev->pe_flags & IODA_PE_VF ? "vf " : "");
	case IODA_EV_MESSAGE:
		return snprintf(buf, len, "%s", ev->text);
	case IODA_EV_RES_ASSIGNED:
		return res_outcome(ev, "assigned", "assigned", buf, len);
	case IODA_EV_RES_NO_SPACE:
		return res_outcome(ev, "no space for", "can't assign; no space", buf, len);
	case IODA_EV_RES_FAILED:
		return res_outcome(ev, "failed to assign", "failed to assign", buf, len);
	case IODA_EV_BRIDGE_TO:
		dev_prefix(ev, pfx, sizeof(pfx));
		if (ev->a == ev->b)
			return snprintf(buf, len, "%sPCI bridge to [bus %02" PRIx64 "]", pfx, ev->a);
		return snprintf(buf, len, "%sPCI bridge to [bus %02" PRIx64 "-%02" PRIx64 "]", pfx,
				ev->a, ev->b);
	case IODA_EV_BRIDGE_WINDOW:
		dev_prefix(ev, pfx, sizeof(pfx));
		res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
		return snprintf(buf, len, "%s  bridge window %s", pfx, r);
	case IODA_EV_WINDOW_ADD_SIZE:
		dev_prefix(ev, pfx, sizeof(pfx));
		res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
		return snprintf(buf, len, "%sbridge window %s %s", pfx, r, ev->text);
	case IODA_EV_VF_EXPANDED:
		dev_prefix(ev, pfx, sizeof(pfx));
		res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
		return snprintf(buf, len, "%sVF BAR%d: %s (expanded to %" PRIu64
				" VFs for PE alignment)", pfx, ev->n, r, ev->c);
	case IODA_EV_VF_NON_M64:
		dev_prefix(ev, pfx, sizeof(pfx));
		res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
		return snprintf(buf, len, "%sDon't support SR-IOV with non M64 VF BAR%d: %s. ", pfx,
				ev->n, r);
	case IODA_EV_VF_NO_SINGLE:
		dev_prefix(ev, pfx, sizeof(pfx));
		res_str(r, sizeof(r), ev->a, ev->b, (unsigned int)ev->m);
		return snprintf(buf, len, "%sVF BAR%d: %s can't be mapped in single PE mode", pfx,
				ev->n, r);
	}
	return snprintf(buf, len, "?");
}
