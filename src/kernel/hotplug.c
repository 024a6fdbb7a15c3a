/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After boot: devices come and go.  Removal runs the PCI core's order
 * (pci_remove_bus_device: a bus's devices in list order, the bus, then the
 * bridge); a device leaves its iommu group at device_del and its PE when it
 * is freed (pcibios_release_device -> pnv_pci_release_device), so a PE is
 * released only when its last device is gone for good.  A rescan sets new
 * devices up as at boot.
 */
#include <errno.h>

#include <ioda/eeh.h>

#include "kernel_priv.h"

/* A device leaves its PE; the PE goes with its last device. */
static void leave_pe(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	struct ioda_pe *pe;

	if (!phb || dev->pe_number >= phb->total_pe_num)
		return;
	pe = &phb->pe_array[dev->pe_number];
	/* First, so a device seen again (EEH) never counts twice. */
	dev->pe_number = IODA_INVALID_PE;
	/* A link that joined its GPU's PE had its own RID mapped: unmap it. */
	if ((pe->flags & IODA_PE_DEV) && pci_dev_rid(dev) != pe->rid) {
		phb->pe_rmap[pci_dev_rid(dev)] = IODA_INVALID_PE;
		/* Failed, the RTT may still route the RID here: the PE is retired, not freed. */
		if (opal_pci_set_pe(k->opal, phb->opal_id, pe->pe_number, pci_dev_rid(dev),
				    OpalPciBusAll, OPAL_COMPARE_RID_DEVICE_NUMBER,
				    OPAL_COMPARE_RID_FUNCTION_NUMBER, OPAL_UNMAP_PE) != OPAL_SUCCESS)
			pe->hw_stale = true;
	}
	if (--pe->device_count == 0)
		ioda_release_pe(pe);
}

/* iommu_release_device(), at device_del. */
static void on_dev_removed(void *arg, struct pci_dev *dev)
{
	struct ioda_kernel *k = arg;
	struct ioda_pe *pe;

	pthread_mutex_lock(&k->lock);
	if (dev->iommu_group >= 0)
		ioda_emit_dev(k, dev, IODA_EV_DEV_GROUP_REMOVE, dev->pe_number, dev->iommu_group);
	dev->iommu_group = -1;
	/*
	 * The counted rule: a device PE's device leaves it when removed from
	 * its bus, not at its last put, which the PE's own reference holds off.
	 */
	pe = ioda_dev_peek_pe(k, dev);
	if (pe && (pe->flags & IODA_PE_DEV) && k->refcount == IODA_REFS_COUNTED)
		leave_pe(k, dev);
	/*
	 * A VF leaves its PE, which stays until SR-IOV is disabled; the kernel
	 * kept pointing at the VF, freed or not.
	 */
	if (pe && (pe->flags & IODA_PE_VF) && dev->is_virtfn) {
		dev->pe_number = IODA_INVALID_PE;
		if (pe->pdev == dev)
			pe->pdev = NULL;
		pe->device_count--;
	}
	pthread_mutex_unlock(&k->lock);
}

/* pnv_pci_release_device(), at the device's last put. */
static void on_dev_release(void *arg, struct pci_dev *dev)
{
	struct ioda_kernel *k = arg;
	struct ioda_phb *phb;

	/* Whichever thread puts last: its PE changes under the rescan lock. */
	ioda_lock_rescan_remove(k);
	pthread_mutex_lock(&k->lock);
	phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	/*
	 * A VF's PE goes with sriov_disable, not with the VF; the NVLink PHB's
	 * ops had no release_device: its links never leave their PE.
	 */
	if (phb && !dev->is_virtfn && phb->type != IODA_PNV_PHB_NPU_NVLINK)
		leave_pe(k, dev);
	pthread_mutex_unlock(&k->lock);
	ioda_unlock_rescan_remove(k);
}

/* pci_remove_bus() -> pci_bus_release_busn_res() */
static void on_bus_removed(void *arg, struct pci_bus *bus)
{
	struct ioda_kernel *k = arg;

	if (!bus->parent)
		return; /* a root bus's range is the host bridge's */
	if (bus->busn_end != bus->number)
		ioda_printf(k, IODA_LOG_INFO, "pci_bus %04x:%02x: busn_res: [bus %02x-%02x] is released",
			    bus->domain->number, bus->number, bus->number, bus->busn_end);
	else
		ioda_printf(k, IODA_LOG_INFO, "pci_bus %04x:%02x: busn_res: [bus %02x] is released",
			    bus->domain->number, bus->number, bus->number);
}

void ioda_install_notifier(struct ioda_kernel *k)
{
	const struct pci_notifier n = {
		.arg = k,
		.dev_removed = on_dev_removed,
		.dev_release = on_dev_release,
		.bus_removed = on_bus_removed,
	};

	ioda_machine_set_notifier(k->m, &n);
}

/* Whether @dev is @top or below it. */
static bool below(const struct pci_dev *dev, const struct pci_dev *top)
{
	for (; dev; dev = dev->bus->self)
		if (dev == top)
			return true;
	return false;
}

/* Whether @dev is on @bus or below it. */
static bool on_or_below(const struct pci_dev *dev, const struct pci_bus *bus)
{
	for (; dev; dev = dev->bus->self)
		if (dev->bus == bus)
			return true;
	return false;
}

void ioda_sriov_disable_below(struct ioda_kernel *k, const struct pci_dev *top,
			      const struct pci_bus *bus)
{
	struct pci_dev *pf;

	do {
		struct pci_dev *pos;

		pf = NULL;
		ioda_machine_write_lock(k->m);
		ioda_list_for_each_entry(pos, &k->m->devices, all_node)
			if (pos->num_vfs && (top ? below(pos, top) : on_or_below(pos, bus))) {
				pf = pci_dev_get(pos, "hot remove");
				break;
			}
		ioda_machine_unlock(k->m);
		if (pf) {
			ioda_sriov_disable(k, pf);
			pci_dev_put(pf, "hot remove");
		}
	} while (pf);
}

int ioda_hot_remove(struct ioda_kernel *k, struct pci_dev *dev)
{
	int rc;

	ioda_lock_rescan_remove(k);
	/* A PF's driver disables SR-IOV before the PF goes (its remove()). */
	ioda_sriov_disable_below(k, dev, NULL);
	rc = pci_stop_and_remove(k->m, dev);
	ioda_unlock_rescan_remove(k);
	return rc;
}

/* The < 5.8 flow for a new subtree: bridge set-up, then groups for new PEs. */
static void setup_old_flow(struct ioda_phb *phb, struct pci_bus *bus, struct pci_dev *dev)
{
	struct ioda_kernel *k = phb->kernel;
	struct ioda_pe *pe;
	unsigned int n = phb->pe_rmap[bus->number << 8];

	/* A bus whose PE went with its last device: its bridge's set-up again. */
	if (n == IODA_INVALID_PE && bus->parent) {
		ioda_setup_bridge(phb, bus);
		n = phb->pe_rmap[bus->number << 8];
		if (n != IODA_INVALID_PE)
			dev->pe_number = n; /* counted by pnv_ioda_setup_same_PE */
	}

	/* A device joining a bus that has its PE (pnv_ioda_setup_same_PE). */
	if (n != IODA_INVALID_PE && dev->pe_number == IODA_INVALID_PE) {
		dev->pe_number = n;
		phb->pe_array[n].device_count++;
	}
	if (dev->subordinate) {
		ioda_assign_bus_resources(phb, dev->subordinate);
		ioda_setup_bridge(phb, dev->subordinate);
	}
	ioda_list_for_each_entry(pe, &phb->pe_list, list)
		ioda_group_pe_devices(k, pe);
	if (n != IODA_INVALID_PE)
		ioda_group_add_dev(k, &phb->pe_array[n], dev);
}

/*
 * An NVLink link added again: the NPU PHB's ops have no dma_dev_setup and
 * its PEs are made only at boot (pnv_pci_ioda_setup_nvlink, from the fixup
 * pass).  The link's pci_dn outlived it with its PE number, and its RID
 * still routes there (no release_device deconfigured it): it is back in
 * that PE, uncounted and in no iommu group.  Under the counted rule the
 * link left its PE when removed, and its pci_dn's number with it: no PE.
 * The number is the pci_dn's, one per link: an old instance still held
 * (pinned by v5.5/v5.6) gives it up to the new one.
 */
static void npu_readd(struct ioda_phb *phb, struct pci_dev *dev)
{
	struct ioda_machine *m = phb->kernel->m;
	unsigned int n = phb->pe_rmap[pci_dev_rid(dev)];
	struct pci_dev *old;

	if (phb->kernel->refcount == IODA_REFS_COUNTED || n >= phb->total_pe_num ||
	    !(phb->pe_array[n].flags & IODA_PE_DEV))
		return;
	dev->pe_number = n;
	pthread_mutex_lock(&m->removed_lock);
	ioda_list_for_each_entry(old, &m->removed, all_node)
		if (old->bus->domain == dev->bus->domain && pci_dev_rid(old) == pci_dev_rid(dev))
			old->pe_number = IODA_INVALID_PE;
	pthread_mutex_unlock(&m->removed_lock);
}

static int hot_add(struct ioda_kernel *k, struct pci_bus *bus, const struct ioda_topo_node *node,
		   struct pci_dev **out, const char *holder, struct ioda_error *err)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, bus->domain->number);
	struct pci_dev *dev;
	int rc;

	char off[32];

	if (!phb) {
		ioda_error_set(err, "PHB %04x has no IODA state", bus->domain->number);
		return -ENODEV;
	}
	/* The link below a powered-off slot is down: config reads find nothing. */
	if (ioda_php_slot_off_above(k, bus, off, sizeof(off))) {
		ioda_error_set(err, "%04x:%02x: nothing answers below slot %s, which is powered off",
			       bus->domain->number, bus->number, off);
		return -ENODEV;
	}
	ioda_machine_write_lock(k->m);
	for (const struct ioda_topo_node *n = node; n; n = n->next) {
		const struct pci_dev *pf = ioda_sriov_rid_owner(k, bus, n->devfn);

		if (pf) {
			ioda_machine_unlock(k->m);
			ioda_error_set(err, "%04x:%02x:%02x.%d is a VF's RID of %s, whose VFs are "
				       "enabled: a rescan finds no function there",
				       bus->domain->number, bus->number, PCI_SLOT(n->devfn),
				       PCI_FUNC(n->devfn), pci_dev_peek_name(pf));
			return -EBUSY;
		}
	}
	rc = pci_hot_add_locked(k->m, bus, node, &dev, "ioda_hot_add", err);
	if (!rc) {
		pthread_mutex_lock(&k->lock);
		if (phb->type == IODA_PNV_PHB_NPU_OCAPI) {
			/*
			 * No dma_dev_setup: the PE comes at enable since 5.6;
			 * before, only the boot-time pass made them.
			 */
		} else if (phb->type == IODA_PNV_PHB_NPU_NVLINK) {
			npu_readd(phb, dev);
		} else if (k->profile.pe_at_device_add) {
			ioda_dma_dev_setup(phb, dev);
			if (dev->subordinate)
				ioda_bus_add_devices(phb, dev->subordinate);
		} else {
			setup_old_flow(phb, bus, dev);
		}
		pthread_mutex_unlock(&k->lock);
		if (out)
			*out = pci_dev_get(dev, holder);
		pci_dev_put(dev, "ioda_hot_add");
	}
	ioda_machine_unlock(k->m);
	return rc;
}

/* A rescan holds the rescan lock. */
int ioda_hot_add(struct ioda_kernel *k, struct pci_bus *bus, const struct ioda_topo_node *node,
		 struct pci_dev **out, const char *holder, struct ioda_error *err)
{
	int rc;

	ioda_lock_rescan_remove(k);
	rc = hot_add(k, bus, node, out, holder, err);
	ioda_unlock_rescan_remove(k);
	return rc;
}
