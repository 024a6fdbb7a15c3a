/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Life after boot beyond hotplug: drivers, EEH error recovery, SR-IOV, the
 * virtual clock, and the audit of the kernel's state against the hardware.
 *
 * EEH runs as the kernel's does on PowerNV: a freeze (injected, or caused
 * by a bad DMA or MMIO in the hardware model) is found through OPAL's
 * next-error and freeze-status calls (eeh-powernv.c), then the EEH core
 * (eeh_driver.c) reports to bound drivers, resets, thaws and resumes; a
 * device whose driver cannot recover is removed and re-added through the
 * hotplug path, and after eeh_max_freezes freezes within an hour (on the
 * virtual clock) its devices are removed for good.
 */
#ifndef IODA_EEH_H
#define IODA_EEH_H

#include <ioda/ioda.h>

/* ---- drivers -------------------------------------------------------------------- */

enum ioda_driver_kind {
	IODA_DRIVER_RECOVERS,    /* error handlers that recover ('need reset', then 'recovered') */
	IODA_DRIVER_NO_HANDLERS, /* bound, without error handlers: removed and re-added */
	IODA_DRIVER_DISCONNECTS, /* handlers that give up ('disconnect'): removed for good */
};

/* Binds a driver named @name to @dev; -EBUSY if one is bound. */
int ioda_driver_bind(struct ioda_kernel *k, struct pci_dev *dev, const char *name,
		     enum ioda_driver_kind kind);
/* Unbinds it; -ENOENT if none is. */
int ioda_driver_unbind(struct ioda_kernel *k, struct pci_dev *dev);

/*
 * pci_enable_device(): since 5.8 the powernv hook refuses a device with no
 * PE ("pci_enable_device() blocked, no PE assigned."): -ENODEV then.
 */
int ioda_enable_device(struct ioda_kernel *k, struct pci_dev *dev);

/* ---- EEH ---------------------------------------------------------------------------- */

enum ioda_eeh_inject {
	IODA_EEH_FREEZE,    /* the PE frozen (MMIO and DMA), as opal_pci_eeh_freeze_set */
	IODA_EEH_BAD_DMA,   /* a device DMA to a bus address no window maps: the PHB freezes */
	IODA_EEH_MMIO_LOAD, /* opal_pci_err_inject MMIO load (PHB3; PHB4/5 refuse it) */
	IODA_EEH_DMA_LOAD,  /* opal_pci_err_inject DMA read (PHB3; PHB4/5 refuse it) */
	IODA_EEH_FENCE,     /* the whole PHB fenced */
};

/*
 * Injects an error into the PE of @dev (or, for a fence, its PHB).  The
 * freeze is only found by the next ioda_eeh_poll(), as the kernel finds it
 * through its event thread.  Returns 0, or the OPAL refusal as -EOPNOTSUPP.
 */
int ioda_eeh_inject(struct ioda_kernel *k, struct pci_dev *dev, enum ioda_eeh_inject kind);
/* The same for PE @pe of PHB @domain. */
int ioda_eeh_inject_pe(struct ioda_kernel *k, int domain, unsigned int pe,
		       enum ioda_eeh_inject kind);

/*
 * The EEH event thread, once: every PHB asked for its next error, each
 * frozen PE (or fenced PHB) recovered or removed.  Returns the number of
 * events handled.
 */
int ioda_eeh_poll(struct ioda_kernel *k);

/* debugfs eeh_force_recover "DOMAIN:PE": recover the PE now, frozen or not. */
int ioda_eeh_force_recover(struct ioda_kernel *k, int domain, unsigned int pe);

/* eeh_max_freezes (default 5) and the freeze count of a device's PE. */
void ioda_eeh_set_max_freezes(struct ioda_kernel *k, unsigned int n);
int ioda_eeh_freeze_count(struct ioda_kernel *k, struct pci_dev *dev);

/* The virtual clock EEH's one-hour window runs on, in seconds. */
void ioda_clock_advance(struct ioda_kernel *k, uint64_t seconds);
uint64_t ioda_clock_now(struct ioda_kernel *k);

/* ---- SR-IOV --------------------------------------------------------------------------- */

/*
 * sriov_enable(): @nvfs VFs of @pf, a VF PE each, their VF BARs mapped
 * through M64 (single-PE or segmented mode, as the kernel decides) and each
 * VF in an iommu group.  Negative errno with the kernel's refusal printed.
 */
int ioda_sriov_enable(struct ioda_kernel *k, struct pci_dev *pf, unsigned int nvfs);
/* sriov_disable(): the VFs and their PEs, M64 BARs and groups go. */
int ioda_sriov_disable(struct ioda_kernel *k, struct pci_dev *pf);

/* ---- audit ------------------------------------------------------------------------------ */

/*
 * Checks the kernel's state against the hardware and the tracker: every RID
 * of a live device maps to its PE in the RTT; no RTT, TVT, M32, M64 or MSI
 * entry points at a free PE; each PE's device count equals its devices; each
 * object's refcount equals the sum of its holders; a bus PE has its bus.
 * Calls @fn with one line per violation and returns their number.
 */
typedef void (*ioda_audit_fn)(void *arg, const char *violation);
unsigned int ioda_audit(struct ioda_kernel *k, ioda_audit_fn fn, void *arg);

#endif
