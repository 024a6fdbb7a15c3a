/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the policy layer shared by its files. */
#ifndef IODA_KERNEL_PRIV_H
#define IODA_KERNEL_PRIV_H

#include <ioda/eeh.h>
#include <ioda/ioda.h>

#define HOLD_PE "pe"
#define HOLD_PHB "phb"

/* ---- events (kernel.c) ---- */
void ioda_emit(struct ioda_kernel *k, struct ioda_event *ev);
/* A PE line: the event gets the PE's prefix fields. */
void ioda_emit_pe(struct ioda_pe *pe, struct ioda_event *ev);
/* A pe_err()/pe_warn() line of its own text, with the PE prefix. */
void ioda_pe_printf(struct ioda_pe *pe, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A plain pr_warn()/pr_err() line. */
void ioda_printf(struct ioda_kernel *k, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A dev_info() line about @dev. */
void ioda_emit_dev(struct ioda_kernel *k, const struct pci_dev *dev, enum ioda_event_kind kind,
		   unsigned int pe, int n);

/* ---- PEs (pe.c) ---- */
struct ioda_pe *ioda_pe_alloc(struct ioda_phb *phb, unsigned int count);
void ioda_pe_reserve(struct ioda_phb *phb, unsigned int pe_number);
void ioda_pe_free(struct ioda_pe *pe);
void ioda_pe_free_or_retire(struct ioda_pe *pe);
/* pnv_ioda_reserve_m64_pe(bus, NULL, all) */
void ioda_reserve_m64_pes(struct ioda_phb *phb, struct pci_bus *bus, bool all);
/* pnv_ioda_setup_bus_PE(): NULL when there is nothing new to set up */
struct ioda_pe *ioda_setup_bus_pe(struct ioda_phb *phb, struct pci_bus *bus, bool all);
/* pnv_ioda_setup_pe_seg(): map the PE's M32 segments */
void ioda_setup_pe_seg(struct ioda_pe *pe);
/* Calls @fn for every device of a bus PE (recursively for BUS_ALL). */
void ioda_pe_for_each_dev(struct ioda_pe *pe, void (*fn)(struct ioda_pe *pe, struct pci_dev *dev,
							void *arg), void *arg);
bool ioda_pe_has_dma_device(struct ioda_pe *pe);

/*
 * pnv_pci_ioda_fixup_iov_resources()'s decision for a PF: each IOV BAR in
 * a segmented M64 BAR (expanded to @mul VFs, the PE count) or, too big for
 * that, in single-PE BARs; 5.9+ decides per BAR, K55 on the sum (all single,
 * @mul a power of two of VFs).  bad_bar >= 0: SR-IOV refused because of
 * that BAR (no_single: too small for single PE mode, else not M64).
 */
struct ioda_iov_plan {
	int bad_bar;
	bool no_single;
	bool single[PCI_STD_NUM_BARS];
	unsigned int mul;
};
void ioda_iov_plan(const struct ioda_kernel *k, const struct ioda_phb *phb,
		   const struct pci_sriov *iov, struct ioda_iov_plan *plan);
/*
 * EEH on a VF PE (eeh_rmv_device, eeh_add_virt_device): the VF device goes
 * and comes back; its PE, the PF and the other VFs stay.
 */
void ioda_sriov_remove_vf(struct ioda_kernel *k, struct ioda_pe *pe);
/* The enabled PF one of whose VFs has @devfn on @bus; NULL if none.  Machine lock held. */
const struct pci_dev *ioda_sriov_rid_owner(struct ioda_kernel *k, const struct pci_bus *bus,
					   uint8_t devfn);
int ioda_sriov_readd_vf(struct ioda_kernel *k, struct ioda_pe *pe);
/* SR-IOV disabled on every PF at or below @top, or on or below @bus (@top NULL). */
void ioda_sriov_disable_below(struct ioda_kernel *k, const struct pci_dev *top,
			      const struct pci_bus *bus);

int ioda_configure_pe(struct ioda_phb *phb, struct ioda_pe *pe);
void ioda_deconfigure_pe(struct ioda_phb *phb, struct ioda_pe *pe);

/* pnv_ioda_release_pe() */
void ioda_release_pe(struct ioda_pe *pe);
/* PE @n thawed, with its slaves when it is a master (pnv_ioda_unfreeze_pe()). */
void ioda_pe_unfreeze(struct ioda_phb *phb, unsigned int n);

/* ---- DMA (dma.c) ---- */
extern const struct ioda_table_group_ops ioda2_table_ops;
void ioda_setup_dma_pe(struct ioda_phb *phb, struct ioda_pe *pe);
/* Registers the PE's iommu group (the lowest free id); -1 on failure. */
int ioda_group_register(struct ioda_kernel *k, struct ioda_pe *pe);
void ioda_group_add_dev(struct ioda_kernel *k, struct ioda_pe *pe, struct pci_dev *dev);
void ioda_pe_dma_free(struct ioda_pe *pe);
/* pnv_pci_ioda2_release_pe_dma(): window 0 off, bypass off, group and table put. */
void ioda_release_pe_dma(struct ioda_pe *pe);

/* ---- flows (kernel.c), used again by hotplug ---- */
void ioda_dma_dev_setup(struct ioda_phb *phb, struct pci_dev *dev);
void ioda_bus_add_devices(struct ioda_phb *phb, struct pci_bus *bus);
void ioda_setup_bridge(struct ioda_phb *phb, struct pci_bus *bus);
void ioda_assign_bus_resources(struct ioda_phb *phb, struct pci_bus *bus);
void ioda_group_pe_devices(struct ioda_kernel *k, struct ioda_pe *pe);
/* ---- NVLink (npu.c) ---- */
void ioda_npu_setup_pes(struct ioda_phb *phb);
/* A GPU PE into its NPU's compound group (registered at first use); false if not a GPU's. */
bool ioda_npu_table_group(struct ioda_kernel *k, struct ioda_pe *pe);
/* The NPU links into their GPUs' groups (pnv_npu_compound_attach). */
void ioda_npu_setup_groups(struct ioda_kernel *k);
/* A device PE lets go of its device, per the refcount rule. */
void ioda_pe_put_dev(struct ioda_pe *pe);
/* TVE#0 of @pe (2*PE in the modelled tables) onto @tbl, silently: OPAL's code. */
int64_t ioda_map_window(struct ioda_pe *pe, const struct ioda_tce_table *tbl);
/*
 * An NVLink PE lets go of its GPU's table (TVE#0 off); every NVLink PE on the
 * table at @pa does, when the GPU's PE frees it (the compound group's last put).
 */
void ioda_npu_unshare_pe(struct ioda_pe *pe);
void ioda_npu_unshare_table(struct ioda_kernel *k, uint64_t pa);
/* OpenCAPI: the 5.5 boot-time device PEs, the 5.6+ enable hook, SPA teardown. */
void ioda_ocapi_setup_pes(struct ioda_phb *phb);
int ioda_ocapi_enable_device(struct ioda_phb *phb, struct pci_dev *dev);
void ioda_ocapi_release_pe(struct ioda_pe *pe);
/*
 * pnv_ioda_setup_dev_PE(): a PE of @dev alone (an NVLink link, an OpenCAPI
 * function), holding @dev under the counted rule, pinning it as @v55_pin
 * under v5.5; NULL (with the kernel's warning) when no PE is free.
 */
struct ioda_pe *ioda_setup_dev_pe(struct ioda_phb *phb, struct pci_dev *dev, const char *v55_pin);

/* The notifier the kernel installs on its machine. */
void ioda_install_notifier(struct ioda_kernel *k);

/* ---- resource assignment (resources.c) ---- */
/* Whether a device of the PHB has a memory BAR, ROM or IOV BAR without an address. */
bool ioda_phb_needs_assignment(const struct ioda_phb *phb);
/* Sizes and places every BAR and window of the PHB as the PCI core does; -ENOMEM. */
int ioda_assign_resources(struct ioda_phb *phb, const struct ioda_boot_opts *opts);

static inline bool ioda_pci_is_bridge(const struct pci_dev *dev)
{
	return dev->hdr_type == 1 || dev->hdr_type == 2;
}

/* skiboot's slots on @phb's pluggable bridges, as its PCI scan made them (php.c). */
int ioda_php_fw_slots(struct ioda_kernel *k, struct ioda_phb *phb);
/*
 * pnv_php's surprise removal: @dev's PE (and those below it) marked
 * isolated, so EEH leaves it alone, and frozen (eeh.c).
 */
void ioda_eeh_isolate_dev_pe(struct ioda_kernel *k, struct pci_dev *dev);
/* Whether a slot above @bus has its power off (nothing below answers), and its label. */
bool ioda_php_slot_off_above(struct ioda_kernel *k, const struct pci_bus *bus, char *label,
			     size_t len);
/* The audit's slot rule: nothing below a slot firmware has off (php.c). */
unsigned int ioda_php_audit(struct ioda_kernel *k, ioda_audit_fn fn, void *arg);
/* rmmod: every slot unregistered (php.c). */
void ioda_php_unload(struct ioda_kernel *k);

#endif
