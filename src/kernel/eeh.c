/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EEH on PowerNV: the backend finds frozen PEs and fenced PHBs through
 * OPAL (eeh-powernv.c: pnv_eeh_next_error) and the EEH core recovers them
 * (eeh_driver.c: eeh_handle_normal_event).  Each line says which of the two
 * prints it.  The EEH PE tree is the IODA PEs nested by their upstream
 * bridges; a PE's subtree is recovered with it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/hw.h>

#include "kernel_priv.h"

#define EEH_WINDOW_SECONDS 3600 /* eeh_pe_update_time_stamp: the count restarts after an hour */

/* pci_ers_result, ordered as eeh_result_priority() merges them. */
enum ers {
	ERS_NONE,
	ERS_NO_AER_DRIVER,
	ERS_RECOVERED,
	ERS_CAN_RECOVER,
	ERS_DISCONNECT,
	ERS_NEED_RESET,
};

static const char *const ers_name[] = {
	[ERS_NONE] = "none",
	[ERS_NO_AER_DRIVER] = "no AER driver",
	[ERS_RECOVERED] = "recovered",
	[ERS_CAN_RECOVER] = "can recover",
	[ERS_DISCONNECT] = "disconnect",
	[ERS_NEED_RESET] = "need reset",
};

/* ---- drivers, enable, clock ------------------------------------------------------------- */

/* A device's driver fields change and are read under the kernel lock. */
int ioda_driver_bind(struct ioda_kernel *k, struct pci_dev *dev, const char *name,
		     enum ioda_driver_kind kind)
{
	int rc = -EBUSY;
	bool removed;

	/* device_del() took it off the driver core: nothing binds to it again. */
	pthread_rwlock_rdlock(&k->m->lock);
	removed = dev->removed;
	pthread_rwlock_unlock(&k->m->lock);
	if (removed)
		return -ENODEV;
	pthread_mutex_lock(&k->lock);
	if (!dev->driver[0]) {
		snprintf(dev->driver, sizeof(dev->driver), "%s", name);
		dev->driver_kind = (int)kind;
		rc = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ioda_driver_unbind(struct ioda_kernel *k, struct pci_dev *dev)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&k->lock);
	if (dev->driver[0]) {
		dev->driver[0] = '\0';
		rc = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

static int enable_device(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	int rc;

	/* A removed device has no driver to enable it, nor a PE to get (ENODEV). */
	if (dev->removed)
		return -ENODEV;
	if (phb && phb->type == IODA_PNV_PHB_NPU_OCAPI) {
		pthread_mutex_lock(&k->lock);
		rc = ioda_ocapi_enable_device(phb, dev);
		pthread_mutex_unlock(&k->lock);
		return rc;
	}
	/* pnv_pci_enable_device_hook(), since 5.8. */
	if (k->profile.pe_at_device_add && dev->pe_number == IODA_INVALID_PE) {
		ioda_printf(k, IODA_LOG_ERR, "pci %s: pci_enable_device() blocked, no PE assigned.",
			    pci_dev_peek_name(dev));
		return -ENODEV;
	}
	return 0;
}

int ioda_enable_device(struct ioda_kernel *k, struct pci_dev *dev)
{
	int rc;

	ioda_lock_rescan_remove(k);
	rc = enable_device(k, dev);
	ioda_unlock_rescan_remove(k);
	return rc;
}

void ioda_clock_advance(struct ioda_kernel *k, uint64_t seconds)
{
	ioda_lock_rescan_remove(k);
	k->clock += seconds;
	ioda_unlock_rescan_remove(k);
}

uint64_t ioda_clock_now(struct ioda_kernel *k)
{
	uint64_t now;

	ioda_lock_rescan_remove(k);
	now = k->clock;
	ioda_unlock_rescan_remove(k);
	return now;
}

void ioda_eeh_set_max_freezes(struct ioda_kernel *k, unsigned int n)
{
	ioda_lock_rescan_remove(k);
	k->eeh_max_freezes = n;
	ioda_unlock_rescan_remove(k);
}

int ioda_eeh_freeze_count(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_pe *pe;
	int n;

	ioda_lock_rescan_remove(k);
	pe = ioda_dev_peek_pe(k, dev);
	n = pe ? (int)pe->phb->eeh_freezes[pe->pe_number] : -ENODEV;
	ioda_unlock_rescan_remove(k);
	return n;
}

/* ---- injection ----------------------------------------------------------------------------- */

static struct ioda_phb_hw *hw_of(struct ioda_phb *phb)
{
	return ioda_opal_phb(phb->kernel->opal, phb->opal_id);
}

/* A member device of the PE, for accesses made on its behalf. */
struct first_dev {
	struct pci_dev *dev;
};

static void note_first(struct ioda_pe *pe, struct pci_dev *dev, void *arg)
{
	struct first_dev *f = arg;

	if (!f->dev && dev->hdr_type == 0)
		f->dev = dev;
}

/* The first memory BAR of @dev with an address, or 0. */
static uint64_t mmio_addr(const struct pci_dev *dev)
{
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		if ((dev->resource[i].flags & (PCI_RES_MEM | PCI_RES_ASSIGNED)) ==
		    (PCI_RES_MEM | PCI_RES_ASSIGNED))
			return dev->resource[i].start;
	return 0;
}
/* pnv_ioda_freeze_pe(): a compound PE freezes whole, the master then each slave. */
static int64_t freeze_pe(struct ioda_kernel *k, struct ioda_phb *phb, struct ioda_pe *pe)
{
	struct ioda_pe *slave;
	int64_t rc;

	if ((pe->flags & IODA_PE_SLAVE) && pe->master)
		pe = pe->master;
	rc = opal_pci_eeh_freeze_set(k->opal, phb->opal_id, pe->pe_number,
				     OPAL_EEH_ACTION_SET_FREEZE_ALL);
	if (rc == OPAL_SUCCESS && (pe->flags & IODA_PE_MASTER))
		ioda_list_for_each_entry(slave, &pe->slaves, list)
			opal_pci_eeh_freeze_set(k->opal, phb->opal_id, slave->pe_number,
						OPAL_EEH_ACTION_SET_FREEZE_ALL);
	return rc;
}


static int inject(struct ioda_kernel *k, struct ioda_phb *phb, struct ioda_pe *pe,
		  struct pci_dev *dev, enum ioda_eeh_inject kind)
{
	struct ioda_phb_hw *hw = hw_of(phb);
	struct ioda_dma_result dres;
	struct ioda_mmio_result mres;
	uint64_t data;
	uint32_t func = kind == IODA_EEH_MMIO_LOAD ? OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR
						   : OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_ADDR;
	int64_t rc;

	switch (kind) {
	case IODA_EEH_FENCE:
		/* A table operation: under the PHB's lock, as a DMA reads the fence. */
		ioda_hw_lock(hw);
		ioda_hw_fence(hw);
		ioda_hw_unlock(hw);
		return 0;
	case IODA_EEH_FREEZE:
		return freeze_pe(k, phb, pe) == OPAL_SUCCESS ? 0 : -EIO;
	case IODA_EEH_BAD_DMA:
		/* Past the end of the default window: no TVE maps it. */
		ioda_hw_dma(hw, dev ? pci_dev_rid(dev) : pe->rid, 0x0800000000000000ull - 0x1000,
			    true, &dres);
		return 0;
	case IODA_EEH_MMIO_LOAD:
	case IODA_EEH_DMA_LOAD:
		rc = opal_pci_err_inject(k->opal, phb->opal_id, pe->pe_number,
					 OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64, func, 0, 0);
		if (rc != OPAL_SUCCESS) {
			/* pnv_eeh_err_inject() */
			ioda_printf(k, IODA_LOG_ERR,
				    "pnv_eeh_err_inject: Failure %lld injecting error %d-%u to PHB#%x-PE#%x",
				    (long long)rc, OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64, func,
				    phb->domain->number, pe->pe_number);
			return -EOPNOTSUPP;
		}
		/* The next access of the PE's device trips it. */
		if (dev && kind == IODA_EEH_MMIO_LOAD && mmio_addr(dev))
			ioda_hw_mmio(hw, mmio_addr(dev), 4, false, &data, &mres);
		else if (dev)
			ioda_hw_dma(hw, pci_dev_rid(dev), 0, false, &dres);
		return 0;
	}
	return -EINVAL;
}

/* The PE's state is read under the rescan lock: no hotplug changes it meanwhile. */
int ioda_eeh_inject(struct ioda_kernel *k, struct pci_dev *dev, enum ioda_eeh_inject kind)
{
	struct ioda_pe *pe;
	int rc;

	ioda_lock_rescan_remove(k);
	pe = ioda_dev_peek_pe(k, dev);
	rc = pe ? inject(k, pe->phb, pe, dev, kind) : -ENODEV;
	ioda_unlock_rescan_remove(k);
	return rc;
}

int ioda_eeh_inject_pe(struct ioda_kernel *k, int domain, unsigned int n,
		       enum ioda_eeh_inject kind)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, domain);
	struct first_dev f = { NULL };
	int rc = -ENODEV;

	ioda_lock_rescan_remove(k);
	if (phb && n < phb->total_pe_num) {
		ioda_pe_for_each_dev(&phb->pe_array[n], note_first, &f);
		rc = inject(k, phb, &phb->pe_array[n], f.dev, kind);
	}
	ioda_unlock_rescan_remove(k);
	return rc;
}

/* ---- the EEH PE tree ------------------------------------------------------------------------- */

/* The EEH PE above @pe: the PE of the bridge above its bus (eeh_pe_tree_insert). */
static struct ioda_pe *eeh_parent(struct ioda_pe *pe)
{
	const struct pci_dev *up = pe->pbus ? pe->pbus->self : pe->pdev ? pe->pdev->bus->self : NULL;

	if (!up || up->pe_number >= pe->phb->total_pe_num)
		return NULL;
	return &pe->phb->pe_array[up->pe_number];
}

static bool in_subtree(struct ioda_pe *root, struct ioda_pe *pe)
{
	for (; pe; pe = eeh_parent(pe))
		if (pe == root)
			return true;
	return false;
}

/* Calls @fn on each device of the subtree's PEs (eeh_for_each_pe + eeh_pe_for_each_dev). */
struct subtree_walk {
	struct ioda_kernel *k;
	struct ioda_pe *root;
	void (*fn)(struct ioda_kernel *k, struct pci_dev *dev, void *arg);
	void *arg;
};

static int subtree_cb(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct subtree_walk *w = arg;
	struct ioda_pe *pe = ioda_dev_peek_pe(w->k, dev);

	if (pe && in_subtree(w->root, pe))
		w->fn(w->k, dev, w->arg);
	return 0;
}

static void for_each_subtree_dev(struct ioda_kernel *k, struct ioda_pe *root,
				 void (*fn)(struct ioda_kernel *k, struct pci_dev *dev, void *arg),
				 void *arg)
{
	struct subtree_walk w = { k, root, fn, arg };

	/*
	 * The PE's slot may have been released by the recovery's hotplug and
	 * not set up again: then there is nothing of it to walk.  Other
	 * threads may hotplug meanwhile: the walk holds the machine lock.
	 */
	pthread_rwlock_rdlock(&k->m->lock);
	if (root->phb && root->phb->domain->root_bus)
		pci_walk_bus_locked(root->phb->domain->root_bus, subtree_cb, &w);
	pthread_rwlock_unlock(&k->m->lock);
}

/* ---- reports to drivers (eeh_pe_report) ------------------------------------------------------ */

struct report {
	struct ioda_pe *root;
	const char *what;
	enum ers result;
	bool merge;
};

/* eeh_edev_info(): "PCI DDDD:BB:DD.F#PEPE: EEH: ..." */
static void edev_info(struct ioda_kernel *k, const struct pci_dev *dev, const char *msg)
{
	ioda_printf(k, IODA_LOG_INFO, "PCI %s#%04x: EEH: %s", pci_dev_peek_name(dev),
		    dev->pe_number, msg);
}

/* What a driver's handler returns (permanent failure and resume report 'none'). */
static enum ers driver_answer(const struct pci_dev *dev, const char *what)
{
	if (!strcmp(what, "error_detected(IO frozen)"))
		return dev->driver_kind == IODA_DRIVER_DISCONNECTS ? ERS_DISCONNECT : ERS_NEED_RESET;
	if (!strcmp(what, "slot_reset()") || !strcmp(what, "mmio_enabled()"))
		return ERS_RECOVERED;
	return ERS_NONE;
}

static void report_dev_locked(struct ioda_kernel *k, struct pci_dev *dev, void *arg)
{
	struct report *r = arg;
	char msg[128];
	enum ers answer;

	if (!dev->driver[0]) {
		edev_info(k, dev, "no driver");
		return;
	}
	if (dev->driver_kind == IODA_DRIVER_NO_HANDLERS) {
		edev_info(k, dev, "driver not EEH aware");
		return;
	}
	snprintf(msg, sizeof(msg), "Invoking %s->%s", dev->driver, r->what);
	edev_info(k, dev, msg);
	answer = driver_answer(dev, r->what);
	snprintf(msg, sizeof(msg), "%s driver reports: '%s'", dev->driver, ers_name[answer]);
	edev_info(k, dev, msg);
	if (r->merge && answer > r->result)
		r->result = answer;
}

static void report_dev(struct ioda_kernel *k, struct pci_dev *dev, void *arg)
{
	pthread_mutex_lock(&k->lock);
	report_dev_locked(k, dev, arg);
	pthread_mutex_unlock(&k->lock);
}

static enum ers pe_report(struct ioda_kernel *k, struct ioda_pe *root, const char *name,
			  const char *call, enum ers result, bool merge)
{
	struct report r = { root, call, result, merge };

	ioda_printf(k, IODA_LOG_INFO, "EEH: Beginning: '%s'", name);
	for_each_subtree_dev(k, root, report_dev, &r);
	if (merge)
		ioda_printf(k, IODA_LOG_INFO,
			    "EEH: Finished:'%s' with aggregate recovery state:'%s'", name,
			    ers_name[r.result]);
	else
		ioda_printf(k, IODA_LOG_INFO, "EEH: Finished:'%s'", name);
	return r.result;
}

/* ---- reset and hotplug of the PE's bus ------------------------------------------------------- */

/* The devices of the PE's bus, described for the rescan, then removed. */
struct removed {
	struct ioda_topo_node *nodes[256];
	unsigned int n;
};

/*
 * The PE numbers of @root's subtree, taken before a hotplug releases them:
 * the kernel keeps its EEH PEs across the hotplug (EEH_PE_KEEP).
 */
struct subtree {
	unsigned long map[512 / (8 * sizeof(long))];
};

static void subtree_of(struct ioda_phb *phb, struct ioda_pe *root, struct subtree *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int n = 0; n < phb->total_pe_num && n < 512; n++)
		if (in_subtree(root, &phb->pe_array[n]))
			t->map[n / (8 * sizeof(long))] |= 1ul << (n % (8 * sizeof(long)));
}

/* A compound PE thaws whole, whichever of its PEs is named (pnv_ioda_unfreeze_pe()). */
static void unfreeze_pe(struct ioda_phb *phb, unsigned int n)
{
	const struct ioda_pe *pe = &phb->pe_array[n];

	if ((pe->flags & IODA_PE_SLAVE) && pe->master)
		n = pe->master->pe_number;
	ioda_pe_unfreeze(phb, n);
}

/* eeh_clear_pe_frozen_state(): the whole subtree thawed. */
static void thaw_subtree(struct ioda_kernel *k, struct ioda_phb *phb, const struct subtree *t)
{
	for (unsigned int n = 0; n < phb->total_pe_num && n < 512; n++)
		if (t->map[n / (8 * sizeof(long))] & (1ul << (n % (8 * sizeof(long)))))
			unfreeze_pe(phb, n);
}

/* pci_hp_remove_devices(bus): last device first; a PF's VFs go with it. */
static int remove_bus_devices(struct ioda_kernel *k, struct pci_bus *bus, struct removed *rm)
{
	ioda_sriov_disable_below(k, NULL, bus);
	ioda_machine_write_lock(k->m);
	while (!ioda_list_empty(&bus->devices) && rm->n < 256) {
		struct pci_dev *dev = ioda_list_entry(bus->devices.prev, struct pci_dev, bus_node);
		int rc = pci_describe_subtree(k->ctx, dev, &rm->nodes[rm->n]);

		if (rc) {
			ioda_machine_unlock(k->m);
			return rc;
		}
		rm->n++;
		pci_stop_and_remove_locked(k->m, dev);
	}
	ioda_machine_unlock(k->m);
	return 0;
}

/* pci_hp_add_devices(bus): the devices found again, in scan order. */
static void rescan_bus(struct ioda_kernel *k, struct pci_bus *bus, struct removed *rm)
{
	struct ioda_error err;

	while (rm->n) {
		struct ioda_topo_node *node = rm->nodes[--rm->n];

		if (ioda_hot_add(k, bus, node, NULL, NULL, &err))
			ioda_printf(k, IODA_LOG_ERR, "EEH: rescan of %s failed: %s",
				    bus->ref.name, err.msg);
		ioda_topo_node_free(k->ctx, node);
	}
}

/*
 * eeh_reset_device(): reset the PE (or PHB), restore, thaw; a hotplug
 * around it if asked.  @pe's slot may be released and set up again by the
 * hotplug: only its place in the array is used after that.
 */
static int reset_device(struct ioda_kernel *k, struct ioda_phb *phb, struct ioda_pe *pe,
			struct pci_bus *bus, bool hotplug)
{
	struct removed *rm = NULL;
	bool is_phb = !bus->parent;
	struct subtree t;
	int rc = 0;

	subtree_of(phb, pe, &t);
	if (hotplug && (pe->flags & IODA_PE_VF)) {
		ioda_sriov_remove_vf(k, pe);
	} else if (hotplug) {
		rm = ioda_zalloc(k->ctx, sizeof(*rm));
		if (!rm)
			return -ENOMEM;
		rc = remove_bus_devices(k, bus, rm);
	}
	if (!rc) {
		opal_pci_reset(k->opal, phb->opal_id,
			       is_phb ? OPAL_RESET_PHB_COMPLETE : OPAL_RESET_PCI_HOT,
			       OPAL_ASSERT_RESET);
		opal_pci_reset(k->opal, phb->opal_id,
			       is_phb ? OPAL_RESET_PHB_COMPLETE : OPAL_RESET_PCI_HOT,
			       OPAL_DEASSERT_RESET);
		thaw_subtree(k, phb, &t);
	}
	if (hotplug && !rc) {
		ioda_printf(k, IODA_LOG_INFO, "EEH: Sleep 5s ahead of complete hotplug");
		ioda_clock_advance(k, 5);
		if (rm)
			rescan_bus(k, bus, rm);
		else
			rc = ioda_sriov_readd_vf(k, pe);
	}
	if (rm) {
		while (rm->n)
			ioda_topo_node_free(k->ctx, rm->nodes[--rm->n]);
		ioda_free(k->ctx, rm);
	}
	return rc;
}

/* ---- eeh_handle_normal_event() --------------------------------------------------------------- */

/* The bus whose devices the PE's recovery removes and re-adds (eeh_pe_bus_get). */
static struct pci_bus *pe_bus(struct ioda_pe *pe)
{
	return pe->pbus ? pe->pbus : pe->pdev ? pe->pdev->bus : NULL;
}

struct counts {
	unsigned int devices, aware;
};

static void count_dev(struct ioda_kernel *k, struct pci_dev *dev, void *arg)
{
	struct counts *c = arg;

	c->devices++;
}

static void recover_failed(struct ioda_kernel *k, struct ioda_pe *pe, struct pci_bus *bus)
{
	struct ioda_phb *phb = pe->phb;
	struct removed *rm = ioda_zalloc(k->ctx, sizeof(*rm));

	ioda_printf(k, IODA_LOG_ERR, "EEH: Unable to recover from failure from PHB#%x-PE#%x.",
		    phb->domain->number, pe->pe_number);
	ioda_printf(k, IODA_LOG_ERR, "Please try reseating or replacing it");
	pe_report(k, pe, "error_detected(permanent failure)", "error_detected(permanent failure)",
		  ERS_NONE, false);
	/* The devices go for good: removed, not re-added (a VF PE: its VF). */
	if (pe->flags & IODA_PE_VF)
		ioda_sriov_remove_vf(k, pe);
	else if (rm && !remove_bus_devices(k, bus, rm))
		while (rm->n)
			ioda_topo_node_free(k->ctx, rm->nodes[--rm->n]);
	ioda_free(k->ctx, rm);
}

static void handle_normal_event(struct ioda_kernel *k, struct ioda_pe *pe, bool traced)
{
	struct ioda_phb *phb = pe->phb;
	struct pci_bus *bus = pe_bus(pe);
	struct counts c = { 0, 0 };
	enum ers result;
	unsigned int n = pe->pe_number;

	if (!bus) {
		ioda_printf(k, IODA_LOG_ERR, "eeh_handle_normal_event: Cannot find PCI bus for PHB#%x-PE#%x",
			    phb->domain->number, n);
		return;
	}
	for_each_subtree_dev(k, pe, count_dev, &c);
	if (!c.devices)
		return; /* pr_debug: nothing to recover */
	/* A bus reference: the recovery removes and re-adds the devices on it. */
	pci_bus_get(bus, "eeh recovery");
	ioda_printf(k, IODA_LOG_ERR, "EEH: Recovering PHB#%x-PE#%x", phb->domain->number, n);
	ioda_printf(k, IODA_LOG_ERR, "EEH: PE location: N/A, PHB location: N/A");
	if (traced)
		ioda_printf(k, IODA_LOG_ERR, "EEH: Frozen PHB#%x-PE#%x detected",
			    phb->domain->number, n);
	/* eeh_pe_update_time_stamp() */
	if (k->clock - phb->eeh_tstamp[n] > EEH_WINDOW_SECONDS) {
		phb->eeh_tstamp[n] = k->clock;
		phb->eeh_freezes[n] = 0;
	}
	if (++phb->eeh_freezes[n] > k->eeh_max_freezes) {
		ioda_printf(k, IODA_LOG_ERR,
			    "EEH: PHB#%x-PE#%x has failed %u times in the last hour and has been permanently disabled.",
			    phb->domain->number, n, phb->eeh_freezes[n]);
		recover_failed(k, pe, bus);
		goto out;
	}
	ioda_printf(k, IODA_LOG_WARNING,
		    "EEH: This PCI device has failed %u times in the last hour and will be permanently disabled after %u failures.",
		    phb->eeh_freezes[n], k->eeh_max_freezes);
	ioda_printf(k, IODA_LOG_INFO, "EEH: Notify device drivers to shutdown");
	result = pe_report(k, pe, "error_detected(IO frozen)", "error_detected(IO frozen)",
			   ERS_NONE, true);
	if (result == ERS_DISCONNECT) {
		recover_failed(k, pe, bus);
		goto out;
	}
	ioda_printf(k, IODA_LOG_INFO, "EEH: Collect temporary log");
	if (result == ERS_NONE) {
		ioda_printf(k, IODA_LOG_INFO, "EEH: Reset with hotplug activity");
		if (reset_device(k, phb, pe, bus, true)) {
			recover_failed(k, pe, bus);
			goto out;
		}
	}
	if (result == ERS_NEED_RESET) {
		ioda_printf(k, IODA_LOG_INFO, "EEH: Reset without hotplug activity");
		reset_device(k, phb, pe, bus, false);
		result = pe_report(k, pe, "slot_reset", "slot_reset()", ERS_NONE, true);
	}
	if (result == ERS_RECOVERED || result == ERS_NONE) {
		ioda_printf(k, IODA_LOG_INFO, "EEH: Notify device driver to resume");
		pe_report(k, pe, "resume", "resume()", ERS_NONE, false);
		ioda_printf(k, IODA_LOG_INFO, "EEH: Recovery successful.");
		phb->eeh_isolated[n] = false;
		goto out;
	}
	recover_failed(k, pe, bus);
out:
	pci_bus_put(bus, "eeh recovery");
}

/* ---- pnv_eeh_next_error() ------------------------------------------------------------------ */

/* The top-most frozen PE above @pe (the EEH core recovers from there). */
static struct ioda_pe *top_frozen(struct ioda_phb *phb, struct ioda_pe *pe)
{
	struct ioda_phb_hw *hw = hw_of(phb);

	/* The PEST under the PHB's lock: a device's DMA freezes PEs meanwhile. */
	ioda_hw_lock(hw);
	for (struct ioda_pe *up = eeh_parent(pe); up; up = eeh_parent(up))
		if (ioda_hw_pe_state(hw, up->pe_number))
			pe = up;
	ioda_hw_unlock(hw);
	return pe;
}

/*
 * Whether the EEH core has PEs by number on @phb.  Since 5.8 a device is
 * probed for EEH when added (pnv_eeh_probe reads pe_rmap for its PE
 * address), and an NVLink PHB's PEs come later, from the fixup pass
 * (pnv_pci_ioda_setup_nvlink): its links share one EEH PE of no number, so
 * a frozen NPU PE is "non-existing" to pnv_eeh_get_pe(), cleared and not
 * recovered, and eeh_force_recover finds no PE.  Before 5.8 the probe came
 * after the fixup.
 */
static bool eeh_knows(const struct ioda_phb *phb)
{
	return phb->type != IODA_PNV_PHB_NPU_NVLINK || !phb->kernel->profile.pe_at_device_add;
}

/*
 * eeh_pe_get() finds PE @n: allocated, of a kind, by its master's number (a
 * compound PE's slaves have no EEH PE of their own).  A retired PE has
 * none: its devices left, and the kernel freed the PE with them.
 */
static bool has_eeh_pe(const struct ioda_phb *phb, unsigned int n)
{
	return ioda_pe_allocated(phb, n) &&
	       (phb->pe_array[n].flags & ~(IODA_PE_SLAVE | IODA_PE_RETIRED)) && eeh_knows(phb);
}

/* One event of one PHB; false when it has none left. */
static bool next_error(struct ioda_kernel *k, struct ioda_phb *phb)
{
	uint64_t frozen;
	uint16_t type, sev;
	struct ioda_pe *pe;
	int64_t rc;

	rc = opal_pci_next_error(k->opal, phb->opal_id, &frozen, &type, &sev);
	if (rc != OPAL_SUCCESS || type == OPAL_EEH_NO_ERROR)
		return false;
	if (type == OPAL_EEH_PHB_ERROR) {
		struct ioda_pe *root = &phb->pe_array[phb->root_pe_idx];

		ioda_printf(k, IODA_LOG_INFO, "EEH: Fenced PHB#%x detected, location: N/A",
			    phb->domain->number);
		/* The PHB's EEH PE: every device of the root bus. */
		ioda_printf(k, IODA_LOG_ERR, "EEH: Recovering PHB#%x, location: N/A",
			    phb->domain->number);
		ioda_printf(k, IODA_LOG_INFO, "EEH: Reset with hotplug activity");
		reset_device(k, phb, root, phb->domain->root_bus, true);
		ioda_printf(k, IODA_LOG_INFO, "EEH: Recovery successful.");
		return true;
	}
	pe = &phb->pe_array[frozen < phb->total_pe_num ? frozen : 0];
	if (pe->flags & IODA_PE_SLAVE)
		pe = pe->master;
	if (frozen >= phb->total_pe_num || !has_eeh_pe(phb, pe->pe_number)) {
		ioda_printf(k, IODA_LOG_INFO, "EEH: Clear non-existing PHB#%x-PE#%llx",
			    phb->domain->number, (unsigned long long)frozen);
		ioda_printf(k, IODA_LOG_INFO, "EEH: PHB location: N/A");
		opal_pci_eeh_freeze_clear(k->opal, phb->opal_id, frozen,
					  OPAL_EEH_ACTION_CLEAR_FREEZE_ALL);
		return true;
	}
	/* pnv_eeh_get_pe(): the (compound) PE frozen whole first, unless isolated already. */
	if (!phb->eeh_isolated[pe->pe_number])
		freeze_pe(k, phb, pe);
	pe = top_frozen(phb, pe);
	/* Already being recovered, or removed for good: not an event. */
	if (phb->eeh_isolated[pe->pe_number])
		return false;
	ioda_printf(k, IODA_LOG_ERR, "EEH: Frozen PE#%x on PHB#%x detected", pe->pe_number,
		    phb->domain->number);
	ioda_printf(k, IODA_LOG_ERR, "EEH: PE location: N/A, PHB location: N/A");
	phb->eeh_isolated[pe->pe_number] = true;
	handle_normal_event(k, pe, false);
	return true;
}

int ioda_eeh_poll(struct ioda_kernel *k)
{
	int handled = 0;

	/*
	 * The kernel's EEH thread, under the rescan lock: no hotplug, SR-IOV
	 * change or PE release runs meanwhile.
	 */
	ioda_lock_rescan_remove(k);
	for (unsigned int i = 0; i < k->nphbs; i++)
		/* Bounded: a PE that stays frozen is reported once per poll. */
		for (unsigned int guard = 0; guard < k->phbs[i]->total_pe_num; guard++) {
			if (!next_error(k, k->phbs[i]))
				break;
			handled++;
		}
	ioda_unlock_rescan_remove(k);
	return handled;
}

int ioda_eeh_force_recover(struct ioda_kernel *k, int domain, unsigned int n)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, domain);

	ioda_lock_rescan_remove(k);
	if (!phb || !has_eeh_pe(phb, n)) {
		ioda_unlock_rescan_remove(k);
		return -ENODEV;
	}
	handle_normal_event(k, &phb->pe_array[n], true);
	ioda_unlock_rescan_remove(k);
	return 0;
}

void ioda_eeh_isolate_dev_pe(struct ioda_kernel *k, struct pci_dev *dev)
{
	struct ioda_pe *pe = ioda_dev_peek_pe(k, dev);
	struct ioda_phb *phb;

	if (!pe)
		return;
	phb = pe->phb;
	if ((pe->flags & IODA_PE_SLAVE) && pe->master)
		pe = pe->master;
	/* eeh_pe_mark_isolated(): the PE and every PE below it. */
	for (unsigned int n = 0; n < phb->total_pe_num; n++)
		if (ioda_pe_allocated(phb, n) && in_subtree(pe, &phb->pe_array[n]))
			phb->eeh_isolated[n] = true;
	/* eeh_pe_set_option(EEH_OPT_FREEZE_PE). */
	freeze_pe(k, phb, pe);
}
