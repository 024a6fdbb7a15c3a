/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PE numbers and their hardware: allocation (top-down, M64-pinned), the
 * RTT (opal_pci_set_pe), PELT-V, and the M32 segments.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel_priv.h"

#define BITS_PER_LONG (8 * sizeof(unsigned long))

static bool test_bit(unsigned int n, const unsigned long *map)
{
	return map[n / BITS_PER_LONG] & (1ul << (n % BITS_PER_LONG));
}

static void set_bit(unsigned int n, unsigned long *map)
{
	map[n / BITS_PER_LONG] |= 1ul << (n % BITS_PER_LONG);
}

static void clear_bit(unsigned int n, unsigned long *map)
{
	map[n / BITS_PER_LONG] &= ~(1ul << (n % BITS_PER_LONG));
}

/* pnv_ioda_init_pe(): a PE may have been left frozen by a previous user. */
static void init_pe(struct ioda_phb *phb, unsigned int n)
{
	struct ioda_pe *pe = &phb->pe_array[n];
	int64_t rc;

	memset(pe, 0, sizeof(*pe));
	pe->phb = phb;
	pe->pe_number = n;
	phb->eeh_isolated[n] = false; /* a new PE: a new EEH PE */
	pe->group = -1;
	pe->mve_number = -1;
	ioda_list_init(&pe->list);
	ioda_list_init(&pe->slaves);
	rc = opal_pci_eeh_freeze_clear(phb->kernel->opal, phb->opal_id, n,
				       OPAL_EEH_ACTION_CLEAR_FREEZE_ALL);
	if (rc != OPAL_SUCCESS && rc != OPAL_UNSUPPORTED)
		ioda_printf(phb->kernel, IODA_LOG_WARNING,
			    "pnv_ioda_init_pe: Error %lld unfreezing PHB#%x-PE#%x", (long long)rc,
			    phb->domain->number, n);
}

void ioda_pe_reserve(struct ioda_phb *phb, unsigned int n)
{
	if (n >= phb->total_pe_num)
		return;
	set_bit(n, phb->pe_alloc);
	init_pe(phb, n);
}

/* The highest run of @count free PE numbers, lowest of the run returned. */
struct ioda_pe *ioda_pe_alloc(struct ioda_phb *phb, unsigned int count)
{
	unsigned int run = 0;
	int pe;

	for (pe = (int)phb->total_pe_num - 1; pe >= 0; pe--) {
		/* A full word of PEs in use: past it at once (they go top-down). */
		if ((pe + 1) % (int)BITS_PER_LONG == 0 &&
		    phb->pe_alloc[pe / BITS_PER_LONG] == ~0ul) {
			run = 0;
			pe -= (int)BITS_PER_LONG - 1;
			continue;
		}
		if (test_bit((unsigned int)pe, phb->pe_alloc)) {
			run = 0;
			continue;
		}
		if (++run == count)
			break;
	}
	if (run != count)
		return NULL;
	for (unsigned int i = (unsigned int)pe; i < (unsigned int)pe + count; i++) {
		set_bit(i, phb->pe_alloc);
		init_pe(phb, i);
	}
	return &phb->pe_array[pe];
}

void ioda_pe_free(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;
	unsigned int n = pe->pe_number;

	memset(pe, 0, sizeof(*pe));
	clear_bit(n, phb->pe_alloc);
}

/*
 * pnv_pci_is_m64(): by address, not flags: the PCI core sometimes puts a
 * 64-bit prefetchable BAR in the 32-bit window.
 */
static bool res_is_m64(const struct ioda_phb *phb, const struct pci_resource *r)
{
	return phb->m64_size && r->start >= phb->m64_base && r->start < phb->m64_base + phb->m64_size;
}

static bool res_assigned(const struct pci_resource *r)
{
	return r->size && (r->flags & PCI_RES_ASSIGNED);
}

/*
 * A PE serving already (the reserved PE, the root bus's, another bus's)
 * keeps its M64 segment: only windows no firmware lays out (a made-up
 * log's) overlap so, and the kernel would wipe that PE, references and all.
 */
static bool pe_in_use(const struct ioda_phb *phb, uint64_t n)
{
	return n == phb->reserved_pe_idx || phb->pe_array[n].flags;
}

/* Each M64 segment a device's BARs (and ROM) touch: set in @map, or reserved. */
static void reserve_dev_m64(struct ioda_phb *phb, const struct pci_dev *dev, unsigned long *map)
{
	for (unsigned int i = 0; i <= PCI_ROM_RESOURCE; i++) {
		const struct pci_resource *r = &dev->resource[i];
		uint64_t sz = phb->m64_segsize, start, end;

		if (!res_assigned(r) || !res_is_m64(phb, r))
			continue;
		start = (r->start - phb->m64_base) / sz * sz;
		end = (r->start + r->size - 1 - phb->m64_base + sz - 1) / sz * sz;
		for (uint64_t seg = start / sz; seg < end / sz && seg < phb->total_pe_num; seg++) {
			if (pe_in_use(phb, seg))
				continue;
			if (map)
				set_bit((unsigned int)seg, map);
			else
				ioda_pe_reserve(phb, (unsigned int)seg);
		}
	}
}

static void walk_m64(struct ioda_phb *phb, const struct pci_bus *bus, unsigned long *map, bool all)
{
	const struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		reserve_dev_m64(phb, dev, map);
		if (all && dev->subordinate)
			walk_m64(phb, dev->subordinate, map, all);
	}
}

void ioda_reserve_m64_pes(struct ioda_phb *phb, struct pci_bus *bus, bool all)
{
	walk_m64(phb, bus, NULL, all);
}

/*
 * pnv_ioda_pick_m64_pe(): the bus's M64 segments make its PE; with several,
 * the lowest is the master and the others its slaves.
 */
static struct ioda_pe *pick_m64_pe(struct ioda_phb *phb, struct pci_bus *bus, bool all)
{
	unsigned long map[512 / (8 * sizeof(unsigned long))] = { 0 };
	struct ioda_pe *master = NULL;

	if (!bus->parent || phb->total_pe_num > 512)
		return NULL; /* the root bus never uses M64 */
	walk_m64(phb, bus, map, all);
	for (unsigned int i = 0; i < phb->total_pe_num; i++) {
		struct ioda_pe *pe = &phb->pe_array[i];

		/* Most buses have no M64 segment: whole empty words at a time. */
		if (!map[i / BITS_PER_LONG]) {
			i |= BITS_PER_LONG - 1;
			continue;
		}
		if (!test_bit(i, map))
			continue;
		phb->m64_segmap[i] = i;
		if (!master) {
			pe->flags |= IODA_PE_MASTER;
			ioda_list_init(&pe->slaves);
			master = pe;
		} else {
			pe->flags |= IODA_PE_SLAVE;
			pe->master = master;
			ioda_list_add_tail(&pe->list, &master->slaves);
		}
	}
	return master;
}

/* pnv_ioda_set_one_peltv(): an error in @parent freezes @child (and its slaves). */
static int set_one_peltv(struct ioda_phb *phb, struct ioda_pe *parent, struct ioda_pe *child)
{
	struct ioda_opal *opal = phb->kernel->opal;
	struct ioda_pe *slave;
	int64_t rc;

	rc = opal_pci_set_peltv(opal, phb->opal_id, parent->pe_number, child->pe_number,
				OPAL_ADD_PE_TO_DOMAIN);
	if (rc != OPAL_SUCCESS) {
		ioda_pe_printf(child, IODA_LOG_WARNING, "OPAL error %lld adding to parent PELTV",
			       (long long)rc);
		return -ENXIO;
	}
	if (!(child->flags & IODA_PE_MASTER))
		return 0;
	ioda_list_for_each_entry(slave, &child->slaves, list) {
		rc = opal_pci_set_peltv(opal, phb->opal_id, parent->pe_number, slave->pe_number,
					OPAL_ADD_PE_TO_DOMAIN);
		if (rc != OPAL_SUCCESS) {
			ioda_pe_printf(slave, IODA_LOG_WARNING, "OPAL error %lld adding to parent PELTV",
				       (long long)rc);
			return -ENXIO;
		}
	}
	return 0;
}

/*
 * pnv_ioda_unfreeze_pe() (and pnv_ioda_set_peltv()'s thaw): PE @n, then,
 * for a master, each slave.  By number: a PE freed since keeps none.
 */
void ioda_pe_unfreeze(struct ioda_phb *phb, unsigned int n)
{
	struct ioda_opal *opal = phb->kernel->opal;
	const struct ioda_pe *pe = &phb->pe_array[n];
	const struct ioda_pe *slave;

	opal_pci_eeh_freeze_clear(opal, phb->opal_id, n, OPAL_EEH_ACTION_CLEAR_FREEZE_ALL);
	if (pe->flags & IODA_PE_MASTER)
		ioda_list_for_each_entry(slave, &pe->slaves, list)
			opal_pci_eeh_freeze_clear(opal, phb->opal_id, slave->pe_number,
						  OPAL_EEH_ACTION_CLEAR_FREEZE_ALL);
}

/* pnv_ioda_set_peltv(pe, true): self, slaves, then every ancestor with a PE. */
static int set_peltv(struct ioda_phb *phb, struct ioda_pe *pe)
{
	const struct pci_dev *up = NULL;
	struct ioda_pe *slave;
	int ret;

	ioda_pe_unfreeze(phb, pe->pe_number);
	ret = set_one_peltv(phb, pe, pe);
	if (ret)
		return ret;
	if (pe->flags & IODA_PE_MASTER) {
		ioda_list_for_each_entry(slave, &pe->slaves, list) {
			ret = set_one_peltv(phb, slave, pe);
			if (ret)
				return ret;
		}
	}
	if (pe->flags & (IODA_PE_BUS | IODA_PE_BUS_ALL))
		up = pe->pbus->self;
	else if (pe->flags & IODA_PE_DEV)
		up = pe->pdev->bus->self;
	else if (pe->flags & IODA_PE_VF)
		up = pe->parent_dev;
	for (; up; up = up->bus->self) {
		if (up->pe_number < phb->total_pe_num) {
			ret = set_one_peltv(phb, &phb->pe_array[up->pe_number], pe);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* The bus compare that matches @count buses from a bus aligned to it. */
static uint8_t bus_compare(struct ioda_pe *pe, unsigned int count)
{
	switch (count) {
	case 1:
		return OpalPciBusAll;
	case 2:
		return OpalPciBus7Bits;
	case 4:
		return OpalPciBus6Bits;
	case 8:
		return OpalPciBus5Bits;
	case 16:
		return OpalPciBus4Bits;
	case 32:
		return OpalPciBus3Bits;
	}
	ioda_printf(pe->phb->kernel, IODA_LOG_ERR,
		    "pci_bus %04x:%02x: Number of subordinate buses %u unsupported",
		    pe->phb->domain->number, pe->pbus->number, count);
	return OpalPciBusAll; /* an exact match only */
}

/* pnv_ioda_configure_pe(): RTT, PELT-V, reverse map, MVE. */
/* The RTT match of a PE's RIDs: its bus (and those below), or its one function. */
struct rid_match {
	uint8_t bcomp, dcomp, fcomp;
	unsigned int rid_end; /* past the PE's last RID */
};

static struct rid_match pe_rid_match(struct ioda_pe *pe)
{
	unsigned int count = 1;

	if (!pe->pbus)
		return (struct rid_match){OpalPciBusAll, OPAL_COMPARE_RID_DEVICE_NUMBER,
					  OPAL_COMPARE_RID_FUNCTION_NUMBER, pe->rid + 1u};
	if (pe->flags & IODA_PE_BUS_ALL)
		count = pe->pbus->busn_end - pe->pbus->number + 1u;
	return (struct rid_match){bus_compare(pe, count), 0, 0, pe->rid + (count << 8)};
}

int ioda_configure_pe(struct ioda_phb *phb, struct ioda_pe *pe)
{
	struct rid_match m = pe_rid_match(pe);
	int64_t rc;

	rc = opal_pci_set_pe(phb->kernel->opal, phb->opal_id, pe->pe_number, pe->rid, m.bcomp,
			     m.dcomp, m.fcomp, OPAL_MAP_PE);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "OPAL error %lld trying to setup PELT table",
			       (long long)rc);
		return -ENXIO;
	}
	/* NPUs have no PELT-V (NVLink up to 5.12, OpenCAPI). */
	if (phb->type == IODA_PNV_PHB_IODA2)
		set_peltv(phb, pe); /* its result is ignored, as the kernel's */
	for (unsigned int rid = pe->rid; rid < m.rid_end && rid < IODA_RTT_ENTRIES; rid++)
		phb->pe_rmap[rid] = pe->pe_number;
	pe->mve_number = 0; /* IODA2: one MVE for all */
	return 0;
}

/* A compound PE's slaves go with their master. */
static void free_slaves(struct ioda_pe *pe)
{
	struct ioda_pe *slave, *tmp;

	if (!(pe->flags & IODA_PE_MASTER))
		return;
	ioda_list_for_each_entry_safe(slave, tmp, &pe->slaves, list) {
		ioda_list_del(&slave->list);
		ioda_pe_free(slave);
	}
}

struct ioda_pe *ioda_setup_bus_pe(struct ioda_phb *phb, struct pci_bus *bus, bool all)
{
	struct ioda_pe *pe = NULL;
	struct ioda_event ev = { .level = IODA_LOG_INFO };

	/* Partial hotplug: the bus still has its PE. */
	if (phb->pe_rmap[bus->number << 8] != IODA_INVALID_PE)
		return NULL;
	if (!bus->parent)
		pe = &phb->pe_array[phb->root_pe_idx];
	if (!pe)
		pe = pick_m64_pe(phb, bus, all);
	if (!pe)
		pe = ioda_pe_alloc(phb, 1);
	if (!pe) {
		ioda_printf(phb->kernel, IODA_LOG_WARNING,
			    "pnv_ioda_setup_bus_PE: Not enough PE# available for PCI bus %04x:%02x",
			    phb->domain->number, bus->number);
		return NULL;
	}
	pe->flags |= all ? IODA_PE_BUS_ALL : IODA_PE_BUS;
	pe->pbus = pci_bus_get(bus, HOLD_PE);
	pe->pdev = NULL;
	pe->mve_number = -1;
	pe->rid = (uint16_t)(bus->number << 8);
	ev.kind = all ? IODA_EV_PE_BUS_ALL : IODA_EV_PE_BUS;
	ev.a = bus->number;
	ev.b = bus->busn_end;
	ioda_emit_pe(pe, &ev);
	if (ioda_configure_pe(phb, pe)) {
		pci_bus_put(pe->pbus, HOLD_PE);
		pe->pbus = NULL;
		/*
		 * The root PE keeps its number, kind-less, for the next rescan:
		 * the kernel frees it, and its next root bus set-up takes the
		 * zeroed slot's PE#0.
		 */
		if (!bus->parent) {
			pe->flags = 0;
			return NULL;
		}
		/* The kernel frees the master only; its slaves would stay taken. */
		free_slaves(pe);
		ioda_pe_free(pe);
		return NULL;
	}
	ioda_list_add_tail(&pe->list, &phb->pe_list);
	return pe;
}

static void for_each_bus_dev(struct ioda_pe *pe, struct pci_bus *bus,
			     void (*fn)(struct ioda_pe *, struct pci_dev *, void *), void *arg)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		fn(pe, dev, arg);
		if ((pe->flags & IODA_PE_BUS_ALL) && dev->subordinate)
			for_each_bus_dev(pe, dev->subordinate, fn, arg);
	}
}

void ioda_pe_for_each_dev(struct ioda_pe *pe,
			  void (*fn)(struct ioda_pe *, struct pci_dev *, void *), void *arg)
{
	if (pe->flags & IODA_PE_DEV)
		fn(pe, pe->pdev, arg);
	else if (pe->pbus)
		for_each_bus_dev(pe, pe->pbus, fn, arg);
}

static void note_dma_dev(struct ioda_pe *pe, struct pci_dev *dev, void *arg)
{
	if (dev->hdr_type == 0)
		*(bool *)arg = true;
}

/* The kernel's DMA weight is non-zero: some member has a normal header. */
bool ioda_pe_has_dma_device(struct ioda_pe *pe)
{
	bool any = false;

	ioda_pe_for_each_dev(pe, note_dma_dev, &any);
	return any;
}

/* Maps each M32 segment a memory resource covers to the PE (pnv_ioda_setup_pe_res). */
static void setup_pe_res(struct ioda_pe *pe, const struct pci_resource *r)
{
	struct ioda_phb *phb = pe->phb;
	uint64_t start, end, index;

	if (!res_assigned(r) || !(r->flags & PCI_RES_MEM) || res_is_m64(phb, r))
		return;
	if (r->start < phb->m32_cpu_base || r->start - phb->m32_cpu_base >= phb->m32_size)
		return;
	start = r->start - phb->m32_cpu_base + phb->m32_pci_base;
	end = start + r->size - 1;
	index = (start - phb->m32_pci_base) / phb->m32_segsize;
	while (index < phb->total_pe_num && start <= end) {
		int64_t rc;

		phb->m32_segmap[index] = pe->pe_number;
		rc = opal_pci_map_pe_mmio_window(phb->kernel->opal, phb->opal_id, pe->pe_number,
						 OPAL_M32_WINDOW_TYPE, 0, (uint16_t)index);
		if (rc != OPAL_SUCCESS) {
			ioda_printf(phb->kernel, IODA_LOG_ERR,
				    "pnv_ioda_setup_pe_res: Error %lld mapping M32 segment#%u to PE#%x",
				    (long long)rc, (unsigned int)index, pe->pe_number);
			/* The kernel keeps it in its map; the hardware never had it. */
			phb->m32_segmap[index] = IODA_INVALID_PE;
			return;
		}
		start += phb->m32_segsize;
		index++;
	}
}

static void seg_dev(struct ioda_pe *pe, struct pci_dev *dev, void *arg)
{
	for (unsigned int i = 0; i <= PCI_ROM_RESOURCE; i++)
		setup_pe_res(pe, &dev->resource[i]);
	/* A bus-all PE owns the windows of the bridges inside it too. */
	if ((pe->flags & IODA_PE_BUS_ALL) && ioda_pci_is_bridge(dev))
		for (unsigned int i = PCI_BRIDGE_IO_WINDOW; i <= PCI_BRIDGE_PREF_WINDOW; i++)
			setup_pe_res(pe, &dev->resource[i]);
}

void ioda_setup_pe_seg(struct ioda_pe *pe)
{
	struct pci_dev *dev;

	/* Only the PE's own bus: the kernel walks pbus->devices, not below. */
	ioda_list_for_each_entry(dev, &pe->pbus->devices, bus_node)
		seg_dev(pe, dev, NULL);
}

/* pnv_ioda_free_pe_seg(): the PE's M32 segments go back to the reserved PE. */
static void release_pe_seg(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;

	for (unsigned int idx = 0; idx < phb->total_pe_num; idx++) {
		int64_t rc;

		if (phb->m32_segmap[idx] != pe->pe_number)
			continue;
		rc = opal_pci_map_pe_mmio_window(phb->kernel->opal, phb->opal_id,
						 phb->reserved_pe_idx, OPAL_M32_WINDOW_TYPE, 0,
						 (uint16_t)idx);
		if (rc != OPAL_SUCCESS) {
			ioda_pe_printf(pe, IODA_LOG_WARNING, "Error %lld unmapping (%d) segment#%u",
				       (long long)rc, OPAL_M32_WINDOW_TYPE, idx);
			pe->hw_stale = true; /* still the PE's, in both maps */
			continue;
		}
		phb->m32_segmap[idx] = IODA_INVALID_PE;
	}
}

/* pnv_ioda_unset_peltv(): out of every ancestor's PELT-V, thawed, then out of its own. */
static void unset_peltv(struct ioda_phb *phb, struct ioda_pe *pe, const struct pci_dev *parent)
{
	struct ioda_opal *opal = phb->kernel->opal;
	int64_t rc;

	for (; parent; parent = parent->bus->self)
		if (parent->pe_number < phb->total_pe_num)
			opal_pci_set_peltv(opal, phb->opal_id, parent->pe_number, pe->pe_number,
					   OPAL_REMOVE_PE_FROM_DOMAIN);
	opal_pci_eeh_freeze_clear(opal, phb->opal_id, pe->pe_number,
				  OPAL_EEH_ACTION_CLEAR_FREEZE_ALL);
	rc = opal_pci_set_peltv(opal, phb->opal_id, pe->pe_number, pe->pe_number,
				OPAL_REMOVE_PE_FROM_DOMAIN);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_WARNING, "OPAL error %lld remove self from PELTV",
			       (long long)rc);
		pe->hw_stale = true;
	}
}

/* pnv_ioda_deconfigure_pe(): reverse map, PELT-V and RTT undone; the PE lets go of its bus. */
void ioda_deconfigure_pe(struct ioda_phb *phb, struct ioda_pe *pe)
{
	struct rid_match m = pe_rid_match(pe);
	const struct pci_dev *parent;
	int64_t rc;

	if (pe->pbus)
		parent = pe->pbus->self;
	else if (pe->flags & IODA_PE_VF)
		parent = pe->parent_dev;
	else
		parent = pe->pdev ? pe->pdev->bus->self : NULL;
	for (unsigned int rid = pe->rid; rid < m.rid_end && rid < IODA_RTT_ENTRIES; rid++)
		phb->pe_rmap[rid] = IODA_INVALID_PE;
	if (phb->type == IODA_PNV_PHB_IODA2)
		unset_peltv(phb, pe, parent);
	rc = opal_pci_set_pe(phb->kernel->opal, phb->opal_id, pe->pe_number, pe->rid, m.bcomp,
			     m.dcomp, m.fcomp, OPAL_UNMAP_PE);
	if (rc) {
		ioda_pe_printf(pe, IODA_LOG_ERR, "OPAL error %lld trying to setup PELT table",
			       (long long)rc);
		pe->hw_stale = true;
	}
	if (pe->pbus)
		pci_bus_put(pe->pbus, HOLD_PE);
	ioda_pe_put_dev(pe);
	pe->pbus = NULL;
	pe->pdev = NULL;
	pe->parent_dev = NULL;
}

/*
 * A torn-down PE's number back to the allocator, or, when a firmware call
 * undoing it failed, kept allocated with the PE empty: nothing reuses what
 * the hardware may still route.
 */
void ioda_pe_free_or_retire(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;
	unsigned int n = pe->pe_number;

	if (!pe->hw_stale) {
		ioda_pe_free(pe);
		return;
	}
	ioda_pe_printf(pe, IODA_LOG_WARNING, "Kept out of use: the firmware may still route to it");
	memset(pe, 0, sizeof(*pe));
	pe->phb = phb;
	pe->pe_number = n;
	pe->flags = IODA_PE_RETIRED;
	pe->group = -1;
	pe->mve_number = -1;
	ioda_list_init(&pe->list);
	ioda_list_init(&pe->slaves);
}

void ioda_release_pe(struct ioda_pe *pe)
{
	struct ioda_phb *phb = pe->phb;
	struct ioda_kernel *k = phb->kernel;

	if (k->profile.release_print) {
		struct ioda_event ev = { .kind = IODA_EV_PE_RELEASING, .level = IODA_LOG_INFO };

		ioda_emit_pe(pe, &ev);
	}
	ioda_list_del(&pe->list);
	if (phb->type == IODA_PNV_PHB_IODA2)
		ioda_release_pe_dma(pe);
	ioda_npu_unshare_pe(pe);
	ioda_ocapi_release_pe(pe);
	release_pe_seg(pe);
	ioda_deconfigure_pe(phb, pe);
	free_slaves(pe);
	/*
	 * The root PE keeps its number, to be set up again by a rescan; since
	 * 5.8 it also keeps its kind with no bus (what made 6.1's debugfs dump
	 * oops after a root port was removed); before, it was only marked
	 * unpopulated.
	 */
	if (pe->pe_number == phb->root_pe_idx) {
		phb->root_pe_populated = false;
		if (!k->profile.pe_at_device_add)
			pe->flags = 0;
		pe->hw_stale = false;
		return;
	}
	ioda_pe_free_or_retire(pe);
}

void ioda_pe_put_dev(struct ioda_pe *pe)
{
	if ((pe->flags & IODA_PE_DEV) && pe->pdev && pe->phb->kernel->refcount == IODA_REFS_COUNTED)
		pci_dev_put(pe->pdev, HOLD_PE);
}

struct ioda_pe *ioda_setup_dev_pe(struct ioda_phb *phb, struct pci_dev *dev, const char *v55_pin)
{
	struct ioda_kernel *k = phb->kernel;
	struct ioda_event ev = { .kind = IODA_EV_PE_DEV, .level = IODA_LOG_INFO };
	struct ioda_pe *pe = ioda_pe_alloc(phb, 1);

	if (!pe) {
		ioda_printf(k, IODA_LOG_WARNING, "%s: Not enough PE# available, disabling device",
			    pci_dev_peek_name(dev));
		return NULL;
	}
	if (k->refcount == IODA_REFS_V5_5)
		pci_dev_get(dev, v55_pin);
	else if (k->refcount == IODA_REFS_COUNTED)
		pci_dev_get(dev, HOLD_PE);
	pe->flags = IODA_PE_DEV;
	pe->pdev = dev;
	pe->pbus = NULL;
	pe->mve_number = -1;
	pe->rid = pci_dev_rid(dev);
	ioda_emit_pe(pe, &ev);
	if (ioda_configure_pe(phb, pe)) {
		/* The v5.5 error path put its reference: the only put it had. */
		if (k->refcount == IODA_REFS_V5_5)
			pci_dev_put(dev, v55_pin);
		ioda_pe_put_dev(pe);
		ioda_pe_free(pe);
		return NULL;
	}
	ioda_list_add_tail(&pe->list, &phb->pe_list);
	dev->pe_number = pe->pe_number;
	pe->device_count++;
	return pe;
}
