/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's policy: what the PowerNV PCI code (pci-ioda.c) decides at
 * boot for each PHB, and the log lines it prints about it.
 *
 * A struct ioda_kernel is "the kernel running on a machine": it borrows the
 * machine (the PCI model), owns the firmware instance (OPAL, with the PHBs'
 * hardware tables) and, per PHB, the kernel's PE state (struct ioda_phb, the
 * kernel's pnv_phb).  Decisions are programmed into the hardware through
 * the OPAL calls, as the kernel does; what the kernel prints is reported as
 * typed events (struct ioda_event), which klog.c turns into the kernel's
 * exact lines.
 *
 * The rules changed over time; a struct ioda_profile selects the rules of
 * one kernel version (see profile.c for the boundaries and their commits).
 */
#ifndef IODA_IODA_H
#define IODA_IODA_H

#include <stdatomic.h>
#include <stdint.h>

#include <ioda/opal.h>
#include <ioda/pci.h>
#include <ioda/topo.h>

#define IODA_INVALID_PE 0xffffffffu

/* ---- kernel profiles --------------------------------------------------------- */

struct ioda_profile {
	char name[24];            /* as given: "5.3", "6.1.0-50-powerpc64le" */
	unsigned int major, minor;
	/*
	 * >= 5.8 (dc3d8f85bb57, 718d249aeadf): a bus's PE is configured when
	 * its first device is added ("Configuring PE for bus", "Configured
	 * PE#", "Added to existing PE#"), the root PE is reserved at PHB init
	 * and the iommu group is made at DMA set-up.  Before: PEs are made in
	 * the bridge set-up pass, root PE first, bus PEs in post-order; groups
	 * in the fixup pass.
	 */
	bool pe_at_device_add;
	bool release_print;     /* >= 5.8: "Releasing PE" */
	bool nvlink;            /* < 5.13: NVLink NPU support */
	bool ocapi_pe_at_enable; /* >= 5.6: OpenCAPI device PEs at pci_enable_device */
	/*
	 * >= 5.4 ("Create bigger default window with 64k IOMMU pages"): the
	 * default window is as large as the kernel's largest allocation allows,
	 * with TCE pages of PAGE_SIZE; before: min(2 GB, RAM) with 4K TCEs.
	 */
	bool big_default_window;
	unsigned int default_levels; /* POWERNV_IOMMU_DEFAULT_LEVELS */
	unsigned int page_shift;     /* PAGE_SHIFT: 16 (64K pages) or 12 */
};

/*
 * The profile of kernel @version ("5.3", "6.1.0-50-powerpc64le", "latest");
 * -EINVAL with @err set when it is not a version ioda models.
 */
int ioda_profile_init(struct ioda_profile *p, const char *version, struct ioda_error *err);

/* ---- the kernel's PE state ------------------------------------------------------ */

struct ioda_phb;
struct ioda_kernel;
struct ioda_php;
struct ioda_pe;

/* The TCE table of a DMA window, in the machine's system memory. */
struct ioda_tce_table {
	uint64_t pa;          /* top level */
	uint64_t bus_offset;  /* the window's first bus address: 0, or 1 << 59 for #1 */
	uint64_t window_size; /* bytes of bus address space */
	unsigned int page_shift;
	unsigned int levels;
	uint64_t level_size; /* bytes of one level */
	uint64_t hint;       /* where the next free-entry search starts */
	uint64_t hole_start, hole_end; /* TCE indexes kept free: the 32-bit MMIO hole */
};

/*
 * The kernel's iommu_table_group_ops: what is done to a PE's DMA windows
 * (#0, #1: TVE 2*PE+num), by the kernel at DMA set-up and release, by VFIO
 * for a guest.  Every IODA2/IODA3 PE has the PHB's (ioda2_table_ops).
 */
struct ioda_table_group_ops {
	/* A table for window @num; -EINVAL for what the PHB cannot map, -ENOMEM. */
	int (*create_table)(struct ioda_pe *pe, int num, unsigned int page_shift,
			    uint64_t window_size, unsigned int levels, struct ioda_tce_table **out);
	/* Window @num onto @tbl, with the kernel's line; the OPAL code. */
	int64_t (*set_window)(struct ioda_pe *pe, int num, struct ioda_tce_table *tbl);
	/* Window @num off, with the kernel's line (the table stays the caller's). */
	void (*unset_window)(struct ioda_pe *pe, int num);
};

struct ioda_pe {
	unsigned int flags;
	struct ioda_phb *phb;
	unsigned int pe_number;
	int device_count;
	struct pci_bus *pbus; /* BUS/BUS_ALL: held, holder "pe" */
	struct pci_dev *pdev; /* DEV/VF */
	struct pci_dev *parent_dev; /* VF: its PF */
	uint16_t rid;
	struct ioda_pe *master;   /* SLAVE: its master */
	struct ioda_list slaves;  /* MASTER: its slaves (by list) */
	struct ioda_list list;    /* phb->pe_list, or master->slaves */
	int mve_number;
	bool dma_setup_done;
	bool tce_bypass_enabled;
	bool hw_stale; /* a teardown firmware call failed: retire, don't free */
	uint64_t tce_bypass_base;
	int group;                   /* iommu group id, -1: none */
	struct ioda_tce_table *tbl;  /* window 0 */
	const struct ioda_table_group_ops *table_ops; /* set at DMA set-up */
	uint64_t ocxl_spa;           /* OpenCAPI: the link's SPA set up through this PE, 0: none */
	uint64_t shared_tbl_pa;      /* NVLink: TVE#0 on its GPU PE's table (compound group) */
};

/* An OpenCAPI link's actags (pnv_ocxl's npu_link): split at the first request. */
#define IODA_OCXL_ACTAG_MAX 64
#define IODA_OCXL_PASID_MAX ((1 << 15) - 1)
struct ioda_ocxl_link {
	bool assigned;
	uint16_t desired[8], base[8], enabled[8]; /* by function */
};

enum ioda_pnv_phb_type {
	IODA_PNV_PHB_IODA2,      /* PHB3/4/5: the kernel calls them all IODA2 */
	IODA_PNV_PHB_NPU_NVLINK,
	IODA_PNV_PHB_NPU_OCAPI,
};

struct ioda_phb {
	struct ioda_kernel *kernel;
	struct pci_domain *domain; /* held, holder "phb" */
	enum ioda_pnv_phb_type type;
	uint64_t opal_id;
	unsigned int total_pe_num, reserved_pe_idx, root_pe_idx;
	unsigned long *pe_alloc;
	struct ioda_pe *pe_array;
	unsigned int *pe_rmap;    /* RID -> PE: the kernel's copy of the RTT */
	unsigned int *m32_segmap; /* M32 segment -> PE */
	unsigned int *m64_segmap; /* M64 segment -> PE */
	uint64_t m32_size, m32_segsize, m32_pci_base, m32_cpu_base;
	uint64_t m64_base, m64_size, m64_segsize;
	unsigned int m64_bar_idx;
	uint64_t m64_bar_alloc;
	struct ioda_list pe_list;
	bool root_pe_populated;
	unsigned int msi_base, msi_count; /* hwirq numbers of the PHB's MSIs */
	unsigned long *msi_bitmap;        /* MSIs handed out */
	/* The EEH PEs' freeze counts and stamps (struct eeh_pe), by PE number. */
	unsigned int *eeh_freezes;
	uint64_t *eeh_tstamp;
	bool *eeh_isolated; /* EEH_PE_ISOLATED: being recovered, or removed for good */
	struct ioda_ocxl_link ocxl_link[32]; /* OpenCAPI: by device number on the root bus */
};

/* PE @n's bit in the PHB's allocation map (any number: past the PHB's, false). */
static inline bool ioda_pe_allocated(const struct ioda_phb *phb, unsigned int n)
{
	const unsigned int bits = 8 * sizeof(unsigned long);

	return n < phb->total_pe_num && (phb->pe_alloc[n / bits] & (1ul << (n % bits)));
}

struct ioda_kernel {
	struct ioda_ctx *ctx;
	struct ioda_machine *m; /* borrowed */
	struct ioda_opal *opal; /* owned: the firmware */
	struct ioda_profile profile;
	bool nobypass;
	uint64_t dram_end;
	struct ioda_phb **phbs;
	unsigned int nphbs;
	_Atomic(struct ioda_phb *) last_phb; /* the latest found by domain: lookups come in runs */
	uint64_t *group_ids;      /* iommu group ids in use (an IDA: lowest free first) */
	unsigned int group_words; /* of group_ids, grown as needed */
	unsigned int group_free;  /* no free id in the words below this one */
	uint64_t irq_top;      /* P9: where the next PHB's MSI block ends */
	pthread_mutex_t lock;  /* PE state changed after boot (a device's last put) */
	/*
	 * pci_lock_rescan_remove(): hotplug, SR-IOV, EEH recovery and the
	 * release of a device's PE at its last put, one at a time; also the
	 * EEH clock and limits.  Outermost: before the machine's lock and @lock.
	 */
	pthread_mutex_t rescan_lock;
	uint64_t clock;        /* seconds, the virtual clock */
	enum ioda_refcount_rule refcount;
	int npu_group[16];     /* < 5.8: the compound iommu group of each NPU PHB, -1 none */
	unsigned int eeh_max_freezes;
	ioda_event_fn emit;
	void *emit_arg;
	struct ioda_php *php; /* pnv_php, once loaded (php.c); under rescan_lock */
};

/*
 * pci_lock_rescan_remove(): hotplug, EEH recovery, SR-IOV and a device's
 * last put change PEs under it; whoever reads the PE table while other
 * threads run (show, the PE dump) holds it too.
 */
static inline void ioda_lock_rescan_remove(struct ioda_kernel *k)
{
	pthread_mutex_lock(&k->rescan_lock);
}

static inline void ioda_unlock_rescan_remove(struct ioda_kernel *k)
{
	pthread_mutex_unlock(&k->rescan_lock);
}

/*
 * debugfs PCIxxxx/dump_ioda_pe_state (v5.6+): one line per allocated PE of
 * the PHB of @domain, in PE number order, as the kernel prints them.
 * -ENOENT when there is no such PHB.
 */
int ioda_dump_pe_state(struct ioda_kernel *k, int domain);

/* ---- after boot: hotplug ---------------------------------------------------------- */

/*
 * Hot add (a slot's rescan): the device @node describes, with its subtree,
 * appears on @bus and is set up as at boot under the profile's flow.
 * *@out (if non-NULL) gets a reference for @holder.
 */
int ioda_hot_add(struct ioda_kernel *k, struct pci_bus *bus, const struct ioda_topo_node *node,
		 struct pci_dev **out, const char *holder, struct ioda_error *err);
/*
 * Hot remove (pci_stop_and_remove_bus_device): @dev and all below it, in
 * the kernel's order; each device leaves its iommu group when removed and
 * its PE when freed (pcibios_release_device), and a PE with no device left
 * is released ("Releasing PE", DMA off, segments back to the reserved PE,
 * RTT and PELT-V undone, number freed; the root PE keeps its number).
 */
int ioda_hot_remove(struct ioda_kernel *k, struct pci_dev *dev);

/* ---- PowerNV hotplug slots (drivers/pci/hotplug/pnv_php.c) ------------------------- */

/* A slot's state, as pnv_php keeps it (PNV_PHP_STATE_*). */
enum ioda_php_state {
	IODA_PHP_INITIALIZED,
	IODA_PHP_REGISTERED, /* registered; nothing (or nothing powered) in it */
	IODA_PHP_POPULATED,  /* enabled: powered, its devices scanned */
	IODA_PHP_OFFLINE,    /* being unregistered */
};

struct ioda_php_slot_info {
	char name[40];	  /* /sys/bus/pci/slots/NAME: the label, "-N" added on a clash */
	char bridge[16];  /* the bridge the slot is on, "DDDD:BB:DD.F" */
	uint64_t id;	  /* PCI_SLOT_ID(phb, bdfn) */
	enum ioda_php_state state;
	bool present;	  /* firmware's presence (a card in it) */
	bool power;	  /* firmware's power state (on) */
	bool surprise;	  /* ibm,slot-surprise-pluggable */
	unsigned int attention; /* 0 off, 1 on */
	unsigned int devices;	/* functions below the slot's bridge */
};

/*
 * modprobe pnv_php: registers every PowerNV slot (a bridge below a PHB
 * whose node is pluggable, reset by firmware and labelled; PHB4/5 since
 * 5.4), parent before child, and enables each as at boot: a slot with a
 * powered card is POPULATED, an empty or powered-off one REGISTERED.
 * -EEXIST when loaded.
 */
int ioda_php_load(struct ioda_kernel *k);
/* The slots, in registration order; false past the last. */
bool ioda_php_slot_at(struct ioda_kernel *k, unsigned int i, struct ioda_php_slot_info *out);
/* By name; -ENOENT. */
int ioda_php_slot_find(struct ioda_kernel *k, const char *name, struct ioda_php_slot_info *out);
/*
 * echo 1|0 > /sys/bus/pci/slots/NAME/power: enable (power on, the
 * firmware's device tree below the slot fetched, the bus rescanned, PEs set
 * up, nested slots registered) or disable (devices removed with their PEs,
 * nested slots unregistered, power off, the device tree dropped).  The
 * kernel's errors: -ENODEV (firmware reported failure), -ENOMSG (a wrong
 * completion), -EIO (an OPAL call failed); -ENOENT for no such slot.
 */
int ioda_php_set_power(struct ioda_kernel *k, const char *name, bool on);
/*
 * The card in slot @name pulled out, or @card (copied) pushed in: the
 * hardware changes; a surprise-pluggable slot's interrupt then tells
 * pnv_php, which disables the slot (the PE of its first device isolated and
 * frozen first, as EEH must leave it) or enables it.  Another slot hears
 * nothing.  -ENOENT, -EBUSY (the slot is empty, or occupied).
 */
int ioda_php_pull(struct ioda_kernel *k, const char *name);
int ioda_php_insert(struct ioda_kernel *k, const char *name, const struct ioda_topo_node *card);
/*
 * pnv_php's reset_slot (since 5.4; -ENOTTY before, and for a PHB's slot):
 * the bridge's secondary bus reset, done by firmware (OPAL's hot reset of
 * the slot) as the bridge is reset by firmware; -EIO when OPAL fails.
 */
int ioda_php_reset(struct ioda_kernel *k, const char *name);
/* echo N > .../attention: 0 off, 1 on (since 5.4 written to the slot's control register). */
int ioda_php_set_attention(struct ioda_kernel *k, const char *name, unsigned int state);

/* ---- NVLink (npu-dma.c, up to 5.12) ------------------------------------------------ */

/*
 * The GPU an NVLink link device leads to (pnv_pci_get_gpu_dev), as a counted
 * reference held by @holder; NULL when the link has none.  The links of a
 * GPU, by index (pnv_pci_get_npu_dev), likewise.
 */
struct pci_dev *ioda_npu_get_gpu(struct ioda_kernel *k, struct pci_dev *link,
				 const char *holder);
struct pci_dev *ioda_gpu_get_npu(struct ioda_kernel *k, struct pci_dev *gpu, unsigned int index,
				 const char *holder);
/*
 * The same, borrowed, as the kernels up to 5.12 returned them: valid only
 * while something else keeps the device alive (the old rules' pins).
 */
struct pci_dev *ioda_npu_peek_gpu(struct ioda_kernel *k, struct pci_dev *link);
struct pci_dev *ioda_gpu_peek_npu(struct ioda_kernel *k, struct pci_dev *gpu, unsigned int index);

/* ---- OpenCAPI (pci-ioda.c, ocxl.c) ------------------------------------------------ */

/*
 * The actags of an OpenCAPI function (pnv_ocxl_get_actag): at the first
 * request on a link its 64 actags are split among the functions' desired
 * counts (each gets what it asked for when they fit, else 64 x desired /
 * total), consecutive from 0 in function order.  -ENODEV: not a function of
 * an OpenCAPI PHB.
 */
struct ioda_ocxl_actag {
	uint16_t base, enabled, supported;
};
int ioda_ocxl_get_actag(struct ioda_kernel *k, struct pci_dev *dev, struct ioda_ocxl_actag *out);
/* PASIDs of the function (pnv_ocxl_get_pasid_count): 32767 for an AFU, else -EINVAL. */
int ioda_ocxl_get_pasid_count(struct ioda_kernel *k, struct pci_dev *dev);
/*
 * The link's shared process area (pnv_ocxl_spa_setup): kept with the
 * function's PE and torn down (opal_npu_spa_setup(.., 0, 0)) when the PE
 * is released.  -ENODEV without a PE, -EBUSY when the link has one, -EINVAL
 * for a bad address or mask; clear_cache drops one process element.
 */
int ioda_ocxl_spa_setup(struct ioda_kernel *k, struct pci_dev *dev, uint64_t spa_addr,
			unsigned int pe_mask);
int ioda_ocxl_spa_release(struct ioda_kernel *k, struct pci_dev *dev);
int ioda_ocxl_spa_clear_cache(struct ioda_kernel *k, struct pci_dev *dev, unsigned int pe_handle);

/* ---- the DMA mapping API ------------------------------------------------------ */

enum ioda_dma_dir {
	IODA_DMA_TO_DEVICE,     /* the device reads: TCE read-only */
	IODA_DMA_FROM_DEVICE,   /* the device writes: TCE write-only */
	IODA_DMA_BIDIRECTIONAL,
};

/*
 * Maps the IOMMU page holding system address @phys for @dev in its PE's
 * default window (TVE#0), allocating TCE levels on demand, and returns the
 * bus address the device uses; the PHB translates it back.  -ENODEV when the
 * device has no PE with a window, -ENOSPC when the window is full, -ENOMEM.
 */
int ioda_dma_map(struct ioda_kernel *k, struct pci_dev *dev, uint64_t phys,
		 enum ioda_dma_dir dir, uint64_t *bus_addr);
/* Clears the TCE of @bus_addr and invalidates it; -EINVAL if it was not mapped. */
int ioda_dma_unmap(struct ioda_kernel *k, struct pci_dev *dev, uint64_t bus_addr);

/* ---- MSIs --------------------------------------------------------------------- */

struct ioda_msi {
	uint32_t hwirq;   /* the interrupt number */
	uint32_t xive;    /* the PHB's interrupt index: hwirq - msi_base */
	uint64_t address; /* what the device writes to ... */
	uint32_t data;    /* ... and the value */
};

/*
 * pnv_setup_msi_irqs(): @nvec MSIs for @dev from its PHB's bitmap (an
 * aligned power-of-two block, as msi_bitmap_alloc_hwirqs), each bound to
 * the device's PE (opal_pci_set_xive_pe) with its address and data
 * (opal_get_msi_32/64).  -ENODEV without a PE, -ENOSPC when none are left,
 * -EIO when firmware refuses (nothing kept).
 */
int ioda_msi_setup(struct ioda_kernel *k, struct pci_dev *dev, unsigned int nvec, bool is_64,
		   struct ioda_msi *out);
/* Gives the MSIs back to the PHB's bitmap. */
void ioda_msi_teardown(struct ioda_kernel *k, struct pci_dev *dev, const struct ioda_msi *msi,
		       unsigned int nvec);

/* The PE a device belongs to, or NULL (borrowed: valid while the kernel lives). */
struct ioda_pe *ioda_dev_peek_pe(struct ioda_kernel *k, const struct pci_dev *dev);
/* The kernel's PHB state of a PCI domain, or NULL (borrowed). */
struct ioda_phb *ioda_kernel_peek_phb(struct ioda_kernel *k, int domain);

#endif
