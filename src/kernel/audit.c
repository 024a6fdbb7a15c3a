/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit: the kernel's PE state held against the PHB's tables and the
 * reference tracker.  Read-only; one line per violation, each naming the
 * PHB, the PE and the object.
 *
 * It takes the machine's lock for reading, then the kernel's lock, then
 * each PHB's lock for its tables (the order the hotplug path takes them),
 * so the PE state and the tree stay still while it looks.  Lookups may
 * still run on other threads: a reference taken between reading an
 * object's count and its holders would be reported, so audit when no
 * other thread takes references.
 *
 * A device removed while someone still holds it has left the tree but
 * stays in its PE until its last put (the kernel's rule before the
 * counted one): the audit finds it on the machine's removed list.
 */
#include <stdarg.h>
#include <stdio.h>

#include <ioda/config.h>
#include <ioda/eeh.h>
#include <ioda/hw.h>

#include "kernel_priv.h"

#define BITS_PER_LONG (8 * sizeof(unsigned long))

struct audit {
	struct ioda_kernel *k;
	ioda_audit_fn fn;
	void *arg;
	unsigned int n;
};

/* One PHB under audit: its live devices per PE, tallied by the tree walk. */
struct phb_audit {
	struct audit *a;
	struct ioda_phb *phb; /* NULL: a domain the kernel keeps no PE state for */
	struct ioda_phb_hw *hw;
	unsigned int members[IODA_PHB4_MAX_PES]; /* the hardware has no more PEs */
};

static void report(struct audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct audit *a, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int off = snprintf(line, sizeof(line), "audit: ");

	va_start(ap, fmt);
	vsnprintf(line + off, sizeof(line) - (size_t)off, fmt, ap);
	va_end(ap);
	a->n++;
	if (a->fn)
		a->fn(a->arg, line);
}

static const char *freeze_name(unsigned int state)
{
	static const char *const names[] = { "thawed", "MMIO-frozen", "DMA-frozen",
					     "frozen" };

	return names[state & 3];
}

/* A PE number no table may hold: not the reserved PE and not allocated. */
static bool pe_is_free(const struct ioda_phb *phb, unsigned int n)
{
	return n != IODA_INVALID_PE && n != phb->reserved_pe_idx && !ioda_pe_allocated(phb, n);
}

/* What a PE is about, for the lines: its bus or device, else its RID. */
static void pe_label(const struct ioda_pe *pe, char *buf, size_t len)
{
	if ((pe->flags & (IODA_PE_BUS | IODA_PE_BUS_ALL)) && pe->pbus)
		snprintf(buf, len, "bus %s", pe->pbus->ref.name);
	else if ((pe->flags & (IODA_PE_DEV | IODA_PE_VF)) && pe->pdev)
		snprintf(buf, len, "%s", pe->pdev->ref.name);
	else
		snprintf(buf, len, "RID %04x", pe->rid);
}

/* ---- references ------------------------------------------------------------------ */

static void add_holder(void *arg, const char *holder, unsigned int count, const char *file,
		       int line)
{
	*(unsigned long *)arg += count;
}

/* The object's count is what its holders hold: no get or put bypassed the tracker. */
static void audit_ref(struct audit *a, struct ioda_ref *ref)
{
	unsigned long held = 0;
	int count;

	if (!IODA_TRACKER)
		return;
	count = ioda_ref_count(ref);
	ioda_ref_for_each_holder(ref, add_holder, &held);
	if (count < 0 || (unsigned long)count != held)
		report(a, "%s %s has refcount %d, its holders hold %lu", ref->type->name,
		       ref->name, count, held);
}

/* ---- devices ---------------------------------------------------------------------- */

/*
 * Before 5.8 a device below a PCI-PCI bridge under a PCIe-to-PCI bridge
 * keeps the bus PE made for its bus first, while the bus-all PE made next
 * above takes its RIDs (pnv_ioda_setup_same_PE() skips devices with a PE):
 * the kernel's own split, not a fault.
 */
static bool taken_over_by_all_pe(const struct ioda_phb *phb, const struct pci_dev *dev,
				 unsigned int own, unsigned int routed)
{
	const struct ioda_pe *pe = &phb->pe_array[own], *all;

	if (phb->kernel->profile.pe_at_device_add || routed >= phb->total_pe_num)
		return false;
	all = &phb->pe_array[routed];
	return (pe->flags & IODA_PE_BUS) && pe->pbus == dev->bus &&
	       (all->flags & IODA_PE_BUS_ALL) && all->pbus &&
	       dev->bus->number > all->pbus->number && dev->bus->number <= all->pbus->busn_end;
}

static void audit_dev(struct phb_audit *p, struct pci_dev *dev)
{
	struct ioda_phb *phb = p->phb;
	unsigned int n = dev->pe_number, rmap, rtt;
	uint16_t rid = pci_dev_rid(dev);
	const char *name = pci_dev_peek_name(dev);
	int domain = phb->domain->number;
	struct ioda_pe *pe;

	if (n == IODA_INVALID_PE)
		return;
	if (!ioda_pe_allocated(phb, n)) {
		report(p->a, "PHB %04x %s has PE#%x, which is free", domain, name, n);
		return;
	}
	pe = &phb->pe_array[n];
	p->members[n]++;
	rtt = ioda_hw_rtt_lookup(p->hw, rid);
	if (rtt != n && !taken_over_by_all_pe(phb, dev, n, rtt))
		report(p->a, "PHB %04x RID %04x (%s) maps to PE#%x in the RTT, its PE is %x", domain,
		       rid, name, rtt, n);
	rmap = phb->pe_rmap[rid];
	if (rmap == IODA_INVALID_PE)
		report(p->a, "PHB %04x RID %04x (%s) has no PE in the kernel's reverse map, "
		       "its PE is %x", domain, rid, name, n);
	else if (rmap != n && !taken_over_by_all_pe(phb, dev, n, rmap))
		report(p->a, "PHB %04x RID %04x (%s) maps to PE#%x in the kernel's reverse map, "
		       "its PE is %x", domain, rid, name, rmap, n);
	if (dev->iommu_group >= 0 && dev->iommu_group != pe->group)
		report(p->a, "PHB %04x %s is in iommu group %d, its PE#%x is in group %d", domain,
		       name, dev->iommu_group, n, pe->group);
}

static void audit_bus(struct phb_audit *p, struct pci_bus *bus)
{
	struct pci_dev *dev;

	audit_ref(p->a, &bus->ref);
	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		audit_ref(p->a, &dev->ref);
		if (p->phb)
			audit_dev(p, dev);
		if (dev->subordinate)
			audit_bus(p, dev->subordinate);
	}
}

/* ---- tables that map an index to a PE -------------------------------------------- */

struct pe_table {
	const char *what;  /* "RID": the entries, "RIDs" for a run */
	const char *where; /* "in the RTT" */
	bool hex;          /* RIDs in hex, segments and interrupts in decimal */
	unsigned int len;
	/* The PE of entry @i, or IODA_INVALID_PE for one not to check. */
	unsigned int (*entry)(const struct phb_audit *p, unsigned int i);
};

static void index_str(const struct pe_table *t, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, t->hex ? "%04x" : "%u", i);
}

/* Reports each run of entries that map to one free PE, as one line. */
static void audit_table(struct phb_audit *p, const struct pe_table *t)
{
	int domain = p->phb->domain->number;

	for (unsigned int i = 0, j; i < t->len; i = j) {
		unsigned int pe = t->entry(p, i);
		char first[8], last[8];

		for (j = i + 1; j < t->len && t->entry(p, j) == pe; j++)
			;
		/*
		 * An NPU's tables are a bigger PHB's: unmapped RIDs point at the
		 * hardware's own reserved PE, beyond the kernel's 16 (OpenCAPI: 8).
		 */
		if (!pe_is_free(p->phb, pe) ||
		    (p->phb->type != IODA_PNV_PHB_IODA2 && pe >= p->phb->total_pe_num))
			continue;
		index_str(t, i, first, sizeof(first));
		index_str(t, j - 1, last, sizeof(last));
		if (j - i == 1)
			report(p->a, "PHB %04x %s %s maps to free PE#%x %s", domain, t->what, first,
			       pe, t->where);
		else
			report(p->a, "PHB %04x %ss %s-%s map to free PE#%x %s", domain, t->what,
			       first, last, pe, t->where);
	}
}

static unsigned int rtt_entry(const struct phb_audit *p, unsigned int rid)
{
	return ioda_hw_rtt_lookup(p->hw, (uint16_t)rid);
}

static unsigned int rmap_entry(const struct phb_audit *p, unsigned int rid)
{
	return p->phb->pe_rmap[rid];
}

/* A segment the kernel never mapped holds the reset value 0, or the reserved PE once released. */
static unsigned int m32_entry(const struct phb_audit *p, unsigned int seg)
{
	unsigned int pe = p->hw->m32_pe[seg];
	/* The NVLink PHB's hardware has more segments than the kernel's PEs. */
	bool unmapped = seg >= p->phb->total_pe_num || p->phb->m32_segmap[seg] == IODA_INVALID_PE;

	if (unmapped && pe == 0)
		return IODA_INVALID_PE;
	return pe;
}

static unsigned int m32_segmap_entry(const struct phb_audit *p, unsigned int seg)
{
	return p->phb->m32_segmap[seg];
}

/* Only interrupts handed out: the kernel leaves the MIST alone when it frees them. */
static unsigned int mist_entry(const struct phb_audit *p, unsigned int xive)
{
	const unsigned long *used = p->phb->msi_bitmap;

	if (!(used[xive / BITS_PER_LONG] & (1ul << (xive % BITS_PER_LONG))))
		return IODA_INVALID_PE;
	return p->hw->mist[xive];
}

static void audit_tables(struct phb_audit *p)
{
	const struct pe_table tables[] = {
		{ "RID", "in the RTT", true, IODA_RTT_ENTRIES, rtt_entry },
		{ "RID", "in the kernel's reverse map", true, IODA_RTT_ENTRIES, rmap_entry },
		{ "M32 segment", "in the hardware", false, p->hw->num_pes, m32_entry },
		{ "M32 segment", "in the kernel's map", false, p->phb->total_pe_num,
		  m32_segmap_entry },
		{ "MSI", "in the MIST", false,
		  p->phb->msi_count < p->hw->num_irqs ? p->phb->msi_count : p->hw->num_irqs,
		  mist_entry },
	};
	int domain = p->phb->domain->number;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		audit_table(p, &tables[i]);
	for (unsigned int seg = 0; seg < p->phb->total_pe_num; seg++) {
		unsigned int want = p->phb->m32_segmap[seg], pe = p->hw->m32_pe[seg];

		if (want != IODA_INVALID_PE && pe != want && !pe_is_free(p->phb, pe))
			report(p->a, "PHB %04x M32 segment %u maps to PE#%x, the kernel's map says "
			       "PE#%x", domain, seg, pe, want);
	}
	for (unsigned int i = 0; i < p->hw->m64_count; i++) {
		const struct ioda_m64_bar *bar = &p->hw->m64[i];

		if (bar->enabled && bar->mode == IODA_M64_SINGLE_PE && pe_is_free(p->phb, bar->pe))
			report(p->a, "PHB %04x M64 BAR#%u (single PE) belongs to free PE#%x", domain,
			       i, bar->pe);
	}
}

/* ---- PEs --------------------------------------------------------------------------- */

static const char *tve_kind_name(enum ioda_tve_kind kind)
{
	static const char *const names[] = {
		[IODA_TVE_OFF] = "off", [IODA_TVE_TCE] = "tce", [IODA_TVE_BYPASS] = "bypass",
	};

	return names[kind];
}

/* TVE 2*PE holds the PE's TCE table, 2*PE+1 its bypass; a free PE has neither. */
static void audit_tvt(struct phb_audit *p, unsigned int n)
{
	const struct ioda_pe *pe = &p->phb->pe_array[n];
	bool alloc = ioda_pe_allocated(p->phb, n);
	uint64_t table = pe->tbl ? pe->tbl->pa : pe->shared_tbl_pa;
	const enum ioda_tve_kind want[2] = {
		alloc && table ? IODA_TVE_TCE : IODA_TVE_OFF,
		alloc && pe->tce_bypass_enabled ? IODA_TVE_BYPASS : IODA_TVE_OFF,
	};
	int domain = p->phb->domain->number;
	char label[48];

	/* What the firmware failed to undo is what makes a PE retired. */
	if (alloc && (pe->flags & IODA_PE_RETIRED))
		return;
	pe_label(pe, label, sizeof(label));
	for (unsigned int w = 0; w < 2; w++) {
		const struct ioda_tve *tve = &p->hw->tvt[2 * n + w];

		if (tve->kind != want[w] && !alloc)
			report(p->a, "PHB %04x TVE#%x is a %s window of free PE#%x", domain,
			       2 * n + w, tve_kind_name(tve->kind), n);
		else if (tve->kind != want[w])
			report(p->a, "PHB %04x PE#%x (%s) TVE#%x is %s, its DMA state wants %s",
			       domain, n, label, 2 * n + w, tve_kind_name(tve->kind),
			       tve_kind_name(want[w]));
		else if (want[w] == IODA_TVE_TCE && tve->table_pa != table)
			report(p->a, "PHB %04x PE#%x (%s) TVE#%x points at table %llx, its table "
			       "is at %llx", domain, n, label, 2 * n + w,
			       (unsigned long long)tve->table_pa, (unsigned long long)table);
	}
}

static void audit_pe(struct phb_audit *p, unsigned int n)
{
	struct ioda_phb *phb = p->phb;
	struct ioda_pe *pe = &phb->pe_array[n];
	int domain = phb->domain->number;
	char label[48];

	audit_tvt(p, n);
	if (!ioda_pe_allocated(phb, n))
		return;
	pe_label(pe, label, sizeof(label));
	/*
	 * Without a release_device, an NPU PE counts its links' pci_dns, which
	 * outlive the pci_devs: the RIDs it was given at boot, never taken back
	 * (the counted rule takes a link out when it is removed).
	 */
	if (phb->type == IODA_PNV_PHB_NPU_NVLINK && phb->kernel->refcount != IODA_REFS_COUNTED) {
		p->members[n] = 0;
		for (unsigned int rid = 0; rid < IODA_RTT_ENTRIES; rid++)
			p->members[n] += phb->pe_rmap[rid] == n;
	}
	if ((unsigned int)pe->device_count != p->members[n])
		report(p->a, "PHB %04x PE#%x (%s) has device count %d, %u live device%s",
		       domain, n, label, pe->device_count, p->members[n],
		       p->members[n] == 1 ? " has it" : "s have it");
	/*
	 * 6.1's pnv_ioda_release_pe() keeps the root PE allocated with its kind
	 * after pnv_ioda_deconfigure_pe() cleared its bus, off the PE list until
	 * the root bus is set up again: the kernel's own state, not a fault
	 * (its debugfs PE dump would oops on it; ioda's prints it).
	 */
	if ((pe->flags & (IODA_PE_BUS | IODA_PE_BUS_ALL)) && !pe->pbus &&
	    !(n == phb->root_pe_idx && ioda_list_empty(&pe->list)))
		report(p->a, "PHB %04x PE#%x (%s) is a bus PE with no bus", domain, n, label);
	/* A VF PE outlives a VF removed on its own, until SR-IOV is disabled. */
	if ((pe->flags & IODA_PE_DEV) && !pe->pdev)
		report(p->a, "PHB %04x PE#%x (%s) is a device PE with no device", domain, n, label);
	/* The reserved PE has no kind, nor has the root PE before its bus is set up. */
	/* NVLink PHBs keep PE#0 unused (an NPU erratum). */
	if (!pe->flags && n != phb->reserved_pe_idx && n != phb->root_pe_idx &&
	    !(phb->type == IODA_PNV_PHB_NPU_NVLINK && n == 0))
		report(p->a, "PHB %04x PE#%x is allocated with no kind", domain, n);
	if ((pe->flags & IODA_PE_SLAVE) && !pe->master)
		report(p->a, "PHB %04x PE#%x (%s) is a slave with no master", domain, n, label);
	/* By position: a freed master is zeroed, its number with it. */
	else if ((pe->flags & IODA_PE_SLAVE) &&
		 !ioda_pe_allocated(phb, (unsigned int)(pe->master - phb->pe_array)))
		report(p->a, "PHB %04x PE#%x (%s) is a slave of PE#%x, which is free", domain, n,
		       label, (unsigned int)(pe->master - phb->pe_array));
	/*
	 * A compound PE freezes through its master's PELT-V and thaws whole
	 * (pnv_ioda_unfreeze_pe()): a slave frozen otherwise than its master
	 * is one the recovery left behind.
	 */
	else if ((pe->flags & IODA_PE_SLAVE) &&
		 ioda_hw_pe_state(p->hw, n) != ioda_hw_pe_state(p->hw, pe->master->pe_number))
		report(p->a, "PHB %04x PE#%x (slave of PE#%x) is %s, its master is %s", domain, n,
		       pe->master->pe_number, freeze_name(ioda_hw_pe_state(p->hw, n)),
		       freeze_name(ioda_hw_pe_state(p->hw, pe->master->pe_number)));
	/* A removed bus is out of the tree: only its PE still reaches it. */
	if (pe->pbus && pe->pbus->removed)
		audit_ref(p->a, &pe->pbus->ref);
}

static void audit_phb(struct phb_audit *p)
{
	struct ioda_phb *phb = p->phb;
	struct ioda_pe *pe;

	ioda_hw_lock(p->hw);
	audit_tables(p);
	for (unsigned int n = 0; n < phb->total_pe_num; n++)
		audit_pe(p, n);
	ioda_hw_unlock(p->hw);
	ioda_list_for_each_entry(pe, &phb->pe_list, list)
		if (!ioda_pe_allocated(phb, (unsigned int)(pe - phb->pe_array)))
			report(p->a, "PHB %04x PE#%x is on the PE list but free",
			       phb->domain->number, (unsigned int)(pe - phb->pe_array));
}

static void note_stale_tce(void *arg, unsigned int pe, unsigned int tve, uint64_t addr,
			   uint64_t cached, uint64_t table)
{
	struct phb_audit *p = arg;

	report(p->a, "PHB %04x stale TCE for PE#%x at %#llx (TVE#%u): cached %#llx, table %#llx",
	       p->phb->domain->number, pe, (unsigned long long)addr, tve,
	       (unsigned long long)cached, (unsigned long long)table);
}

static void audit_domain(struct audit *a, struct pci_domain *d)
{
	struct phb_audit p = { .a = a, .phb = ioda_kernel_peek_phb(a->k, d->number) };
	struct pci_dev *dev;

	if (p.phb)
		p.hw = ioda_opal_phb(a->k->opal, p.phb->opal_id);
	audit_ref(a, &d->ref);
	if (d->root_bus)
		audit_bus(&p, d->root_bus);
	pthread_mutex_lock(&a->k->m->removed_lock);
	ioda_list_for_each_entry(dev, &a->k->m->removed, all_node) {
		if (dev->bus->domain != d)
			continue;
		audit_ref(a, &dev->ref);
		if (p.phb)
			audit_dev(&p, dev);
	}
	pthread_mutex_unlock(&a->k->m->removed_lock);
	if (p.phb)
		audit_phb(&p);
	/* A TCE changed without its kill: the device still translates through the old one. */
	if (p.hw)
		ioda_hw_tce_cache_check(p.hw, note_stale_tce, &p);
}

unsigned int ioda_audit(struct ioda_kernel *k, ioda_audit_fn fn, void *arg)
{
	struct audit a = { .k = k, .fn = fn, .arg = arg };
	struct pci_domain *d;

	a.n = ioda_php_audit(k, fn, arg);
	pthread_rwlock_rdlock(&k->m->lock);
	pthread_mutex_lock(&k->lock);
	ioda_list_for_each_entry(d, &k->m->domains, node)
		audit_domain(&a, d);
	pthread_mutex_unlock(&k->lock);
	pthread_rwlock_unlock(&k->m->lock);
	return a.n;
}
