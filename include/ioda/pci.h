/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI device model: a machine owns PCI domains (one per PHB), each with a
 * tree of buses and devices.
 *
 * Ownership.  Every object is counted (struct ioda_ref).  A bus's device list
 * holds one reference on each device ("bus list"); a device holds one on its
 * bus ("pci_dev <name>"); a bridge holds one on its subordinate bus
 * ("bridge"), and a bus one on the bridge above it ("bus self") and on its
 * parent bus ("child bus").  Removal breaks the bridge/bus cycle.  Functions
 * named *_get_* / *_find_* return a reference the caller puts with the same
 * holder name; *_peek_* functions borrow and are valid only while the caller
 * holds a reference on the object they are called on.
 *
 * Concurrency contract.
 *  - Lookups (pci_get_*, pci_find_*), get and put may run on any thread,
 *    concurrently with hot add and hot remove.
 *  - Structural changes of one machine (add, remove) are serialized by the
 *    machine's lock, taken for writing; lookups take it for reading.
 *  - A removed object vanishes from lookups as soon as the remove returns;
 *    its memory is released at the last put, on whichever thread puts it.
 *  - No lock is taken on a plain read of a table (the hardware tables of
 *    later layers), and a reader holding a reference may read an object's
 *    immutable fields (IDs, BDF, class, BARs) without the lock.
 *  - Two machines share nothing; each has its own lock and context.
 */
#ifndef IODA_PCI_H
#define IODA_PCI_H

#include <pthread.h>
#include <stdint.h>

#include <ioda/list.h>
#include <ioda/ref.h>

struct ioda_topo;
struct ioda_topo_node;
struct ioda_error;

#define PCI_ANY_ID 0xffffu

#define PCI_DEVFN(slot, fn) ((uint8_t)((((slot)&0x1f) << 3) | ((fn)&0x07)))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn)&0x07)

/* Resource slots, as the kernel numbers them. */
enum {
	PCI_STD_NUM_BARS = 6,
	PCI_ROM_RESOURCE = 6,
	PCI_BRIDGE_IO_WINDOW = 7,
	PCI_BRIDGE_MEM_WINDOW = 8,
	PCI_BRIDGE_PREF_WINDOW = 9,
	PCI_NUM_RESOURCES = 10,
};

/* Resource flags (a subset of the kernel's IORESOURCE_*). */
enum {
	PCI_RES_IO = 1u << 0,
	PCI_RES_MEM = 1u << 1,
	PCI_RES_MEM64 = 1u << 2,
	PCI_RES_PREFETCH = 1u << 3,
	PCI_RES_ASSIGNED = 1u << 4, /* start holds an address */
};

struct pci_resource {
	uint64_t start; /* valid with PCI_RES_ASSIGNED */
	uint64_t size;  /* 0: resource absent */
	unsigned int flags;
};

/* PCIe port types (the PCI_EXP_TYPE_* values); NONE: conventional PCI. */
enum pcie_port_type {
	PCIE_TYPE_NONE = -1,
	PCIE_TYPE_ENDPOINT = 0x0,
	PCIE_TYPE_LEG_END = 0x1,
	PCIE_TYPE_ROOT_PORT = 0x4,
	PCIE_TYPE_UPSTREAM = 0x5,
	PCIE_TYPE_DOWNSTREAM = 0x6,
	PCIE_TYPE_PCI_BRIDGE = 0x7, /* PCIe to PCI/PCI-X bridge */
	PCIE_TYPE_PCIE_BRIDGE = 0x8,
	PCIE_TYPE_RC_END = 0x9,
	PCIE_TYPE_RC_EC = 0xa,
};

/*
 * A port's PCIe slot: Hot-Plug Capable (the slot capability's HPC bit, what
 * the kernel's is_hotplug_bridge follows), or not, or not said.
 */
enum pci_hotplug {
	PCI_HOTPLUG_UNKNOWN = 0, /* the description does not say */
	PCI_HOTPLUG_NO,
	PCI_HOTPLUG_YES,
};

/*
 * A PowerNV hotplug slot on a bridge, as skiboot describes it in the
 * bridge's device-tree node (pci_slot_add_dt_properties()); pnv_php takes
 * the bridges that are pluggable, reset by firmware and labelled.
 */
struct pci_slot_desc {
	char label[32];	  /* ibm,slot-label; "" when the bridge is no slot */
	bool pluggable;	  /* ibm,slot-pluggable */
	bool reset_by_fw; /* ibm,reset-by-firmware (skiboot sets it on every slot) */
	bool surprise;	  /* ibm,slot-surprise-pluggable */
	bool power_ctl;	  /* ibm,slot-power-ctl: power is switched (else only recorded) */
};

/* PHB generations. */
enum ioda_phb_gen {
	IODA_PHB3, /* POWER8, IODA2 */
	IODA_PHB4, /* POWER9, IODA3 */
	IODA_PHB5, /* POWER10 */
};

const char *ioda_phb_gen_name(enum ioda_phb_gen gen);
/* The same as topology text and JSON spell it: "phb4". */
const char *ioda_phb_gen_word(enum ioda_phb_gen gen);

struct pci_sriov {
	uint16_t total_vfs;
	uint16_t vf_offset, vf_stride;
	uint16_t vf_device;
	struct pci_resource vf_bar[PCI_STD_NUM_BARS]; /* per-VF sizes */
};

#define IODA_DT_PATH_MAX 128

/*
 * What firmware's PHB node tells the kernel beyond the common fields.  Only
 * a device tree gives it (@valid), with the kernel's defaults filled in for
 * absent properties; otherwise later layers use the generation's defaults.
 */
struct ioda_topo_fw {
	bool valid;
	unsigned int reserved_pe;                  /* ibm,opal-reserved-pe; absent: 0 */
	unsigned int m64_bar_first, m64_bar_count; /* ibm,opal-available-m64-ranges; 0, 16 */
	uint64_t tce_page_shifts;   /* ibm,supported-tce-sizes: bit n = 2^n pages; 0 absent */
	uint32_t msi_base, msi_count;              /* ibm,opal-msi-ranges; 0, 0 absent */
	uint32_t diag_data_size;                   /* ibm,phb-diag-data-size; 8192 */
	unsigned int bus_first, bus_last;          /* bus-range; 0, 0xff */
	/*
	 * PCI addresses of the windows (m32/m64.start are CPU addresses).  The
	 * kernel adds 64K back to the M32 size "ranges" gives; m32.size keeps
	 * the firmware's value.
	 */
	uint64_t m32_pci_addr, m64_pci_addr;
	char path[IODA_DT_PATH_MAX];
};

struct ioda_machine;
struct pci_bus;

struct pci_domain {
	struct ioda_ref ref;
	struct ioda_machine *machine;
	struct ioda_list node; /* machine->domains */
	int number;            /* PCI domain, 0000.. */
	enum ioda_phb_gen gen;
	int type;             /* enum ioda_phb_type: PCIe, NVLink NPU or OpenCAPI */
	unsigned int chip;    /* chip id */
	unsigned int index;   /* PHB index on its chip */
	unsigned int num_pes; /* 0: the generation's default */
	uint64_t opal_id;
	struct pci_resource m32, m64; /* windows, when the description gives them */
	struct ioda_topo_fw fw;       /* what a device tree said, when it did */
	struct pci_bus *root_bus;     /* held: "domain root" */
	struct pci_bus *bus_by_nr[256]; /* borrowed; changed under the machine lock */
};

struct pci_bus {
	struct ioda_ref ref;
	struct pci_domain *domain; /* held: "bus" */
	struct pci_bus *parent;    /* held: "child bus"; NULL for a root bus */
	struct pci_dev *self;      /* bridge above, held: "bus self"; NULL for root */
	struct ioda_list node;     /* parent->children */
	struct ioda_list devices;  /* struct pci_dev.bus_node, each held: "bus list" */
	struct ioda_list children; /* child buses */
	uint8_t number;
	uint8_t busn_end; /* subordinate: last bus number below */
	bool removed;
	uint64_t devfn_map[4]; /* the devfns on the bus: a slot check without a walk */
};

struct pci_dev {
	struct ioda_ref ref;
	struct pci_bus *bus;         /* held: the device's name */
	struct pci_bus *subordinate; /* bridges: held "bridge"; NULL once removed */
	struct ioda_list bus_node;   /* bus->devices */
	struct ioda_list all_node;   /* machine->devices in add order, then ->removed */
	uint64_t seq;                /* add order, for pci_get_device() */
	uint8_t devfn;
	uint8_t hdr_type; /* 0 or 1 */
	bool multifunction;
	bool removed;
	uint16_t vendor, device;
	uint32_t class; /* 24 bits: base, sub, prog-if */
	enum pcie_port_type pcie_type;
	enum pci_hotplug hotplug; /* a port's slot */
	struct pci_slot_desc slot; /* a bridge's PowerNV hotplug slot */
	struct pci_resource resource[PCI_NUM_RESOURCES];
	struct pci_sriov sriov; /* total_vfs == 0: no SR-IOV capability */
	uint16_t afu_actags;    /* OpenCAPI AFU control DVSEC: actags desired, 0: no AFU */
	char label[32];         /* optional name from the description */
	/*
	 * The kernel's per-device state, owned by the policy layer: the PE
	 * number (pci_dn's pe_number) and the iommu group (-1: none).  Per
	 * device, not per BDF, so a device re-added while its old instance is
	 * still held never shares the old one's state.
	 */
	unsigned int pe_number;
	int iommu_group;
	/* The driver bound to the device ("" when none) and how it handles errors. */
	char driver[24];
	int driver_kind;
	/* SR-IOV: a VF's PF (held, holder "virtfn"); a PF's enabled VFs and IOV state. */
	struct pci_dev *physfn;
	bool is_virtfn;
	uint16_t num_vfs;
	void *iov_data; /* the policy's (the kernel's archdata.iov_data) */
	/*
	 * Bytes the policy moved each VF BAR from where the scan put it (the
	 * kernel's IOV resource shift while VFs are on); SR-IOV off puts it
	 * back, so a rescan finds it at start minus this.
	 */
	int64_t vf_bar_moved[PCI_STD_NUM_BARS];
	/* Device-tree links: an NVLink's GPU (ibm,gpu), a GPU's links (ibm,npu). */
	uint32_t phandle, gpu_phandle;
	uint32_t npu_phandle[8];
	unsigned int num_npus;
};

/*
 * What the layer above (the kernel's policy) hears of the model, in the
 * kernel's order: dev_removed when a device leaves its bus (device_del),
 * dev_release at its last put (pcibios_release_device), bus_removed when
 * a bus goes (pci_remove_bus).  Called with the machine lock held, except
 * dev_release, which runs on whichever thread puts last.
 */
struct pci_notifier {
	void *arg;
	void (*dev_removed)(void *arg, struct pci_dev *dev);
	void (*dev_release)(void *arg, struct pci_dev *dev);
	void (*bus_removed)(void *arg, struct pci_bus *bus);
};

struct ioda_machine {
	struct ioda_ctx *ctx; /* borrowed: outlives the machine */
	pthread_rwlock_t lock;
	struct ioda_list domains; /* each held: "machine" */
	struct ioda_list devices; /* all live devices, add order (borrowed) */
	/* Removed devices not yet released (borrowed), under removed_lock. */
	pthread_mutex_t removed_lock;
	struct ioda_list removed;
	uint64_t next_seq;
	uint64_t memory_bytes;
	char model[64];
	bool nvlink_wiring; /* links find their GPU by the platform's wiring, not phandles */
	struct pci_notifier notifier; /* set under the lock; NULL callbacks: none */
};

/* ---- machine ---------------------------------------------------------- */

/* An empty machine on @ctx; NULL when allocation fails. */
struct ioda_machine *ioda_machine_new(struct ioda_ctx *ctx);

/* Installs (or, with NULL, removes) the machine's notifier. */
void ioda_machine_set_notifier(struct ioda_machine *m, const struct pci_notifier *n);

/* Builds the PCI tree a topology describes; on error the machine must be freed. */
int ioda_machine_populate(struct ioda_machine *m, const struct ioda_topo *topo,
			  struct ioda_error *err);

/* ---- references ---------------------------------------------------------- */

/*
 * Each getter is a macro over its *_at() function so that the tracker
 * records the caller's file and line, not this header's.
 */
#define IODA_SITE __FILE__, __LINE__

struct pci_dev *pci_dev_get_at(struct pci_dev *dev, const char *holder, const char *file,
			       int line);
void pci_dev_put_at(struct pci_dev *dev, const char *holder, const char *file, int line);
struct pci_bus *pci_bus_get_at(struct pci_bus *bus, const char *holder, const char *file,
			       int line);
void pci_bus_put_at(struct pci_bus *bus, const char *holder, const char *file, int line);
struct pci_domain *pci_domain_get_at(struct pci_domain *d, const char *holder, const char *file,
				     int line);
void pci_domain_put_at(struct pci_domain *d, const char *holder, const char *file, int line);

#define pci_dev_get(dev, holder) pci_dev_get_at(dev, holder, IODA_SITE)
#define pci_dev_put(dev, holder) pci_dev_put_at(dev, holder, IODA_SITE)
#define pci_bus_get(bus, holder) pci_bus_get_at(bus, holder, IODA_SITE)
#define pci_bus_put(bus, holder) pci_bus_put_at(bus, holder, IODA_SITE)
#define pci_domain_get(d, holder) pci_domain_get_at(d, holder, IODA_SITE)
#define pci_domain_put(d, holder) pci_domain_put_at(d, holder, IODA_SITE)

/* ---- lookups: each returns a counted reference held by @holder ------------- */

/*
 * The kernel's iterator rule: returns the next device after @from (in add
 * order) matching @vendor/@device (PCI_ANY_ID matches all), with a reference
 * for @holder, and puts @from's reference (@holder's).  NULL at the end.
 * A @from removed meanwhile still marks the position.
 */
struct pci_dev *pci_get_device_at(struct ioda_machine *m, unsigned int vendor,
				  unsigned int device, struct pci_dev *from, const char *holder,
				  const char *file, int line);
struct pci_dev *pci_get_domain_bus_and_slot_at(struct ioda_machine *m, int domain,
					       unsigned int bus, unsigned int devfn,
					       const char *holder, const char *file, int line);
struct pci_bus *pci_find_bus_at(struct ioda_machine *m, int domain, unsigned int busnr,
				const char *holder, const char *file, int line);
struct pci_domain *pci_find_domain_at(struct ioda_machine *m, int domain, const char *holder,
				      const char *file, int line);

#define pci_get_device(m, vendor, device, from, holder)                                         \
	pci_get_device_at(m, vendor, device, from, holder, IODA_SITE)
#define pci_get_domain_bus_and_slot(m, domain, bus, devfn, holder)                              \
	pci_get_domain_bus_and_slot_at(m, domain, bus, devfn, holder, IODA_SITE)
#define pci_find_bus(m, domain, busnr, holder) pci_find_bus_at(m, domain, busnr, holder, IODA_SITE)
#define pci_find_domain(m, domain, holder) pci_find_domain_at(m, domain, holder, IODA_SITE)
/* The bus above @dev, counted. */
#define pci_dev_get_bus(dev, holder) pci_bus_get_at((dev)->bus, holder, IODA_SITE)
/* The bridge above @bus (NULL for a root bus), counted. */
#define pci_bus_get_bridge(bus, holder) pci_dev_get_at((bus)->self, holder, IODA_SITE)

/* ---- borrowing accessors ---------------------------------------------------- */

/* Valid while the caller holds @dev. */
static inline struct pci_bus *pci_dev_peek_bus(const struct pci_dev *dev)
{
	return dev->bus;
}

static inline int pci_dev_peek_domain_nr(const struct pci_dev *dev)
{
	return dev->bus->domain->number;
}

/* "DDDD:BB:DD.F", valid while the caller holds @dev. */
static inline const char *pci_dev_peek_name(const struct pci_dev *dev)
{
	return dev->ref.name;
}

static inline uint16_t pci_dev_rid(const struct pci_dev *dev)
{
	return (uint16_t)(dev->bus->number << 8 | dev->devfn);
}

/*
 * Visits every device of the machine depth-first (domains in number order,
 * devices in devfn order, a bridge before its subtree) under the read lock.
 * @fn borrows the device for the call only.  Stops and returns the first
 * non-zero value @fn returns.
 */
typedef int (*pci_walk_fn)(void *arg, struct pci_dev *dev, unsigned int depth);
int pci_walk_machine(struct ioda_machine *m, pci_walk_fn fn, void *arg);
/* The same below one bus, for a caller that already excludes changes. */
int pci_walk_bus_locked(struct pci_bus *bus, pci_walk_fn fn, void *arg);

/* ---- hot add / remove -------------------------------------------------------- */

/*
 * Hot add: builds the device @node describes (and for a bridge its whole
 * subtree) on @bus.  Bus numbers not given are taken depth-first from the
 * free numbers in @bus's range.  On success *@out (if non-NULL) receives a
 * reference for @holder.  On error nothing was added.
 */
int pci_hot_add(struct ioda_machine *m, struct pci_bus *bus, const struct ioda_topo_node *node,
		struct pci_dev **out, const char *holder, struct ioda_error *err);
/* The same, with the machine's write lock already held (ioda_machine_write_lock). */
int pci_hot_add_locked(struct ioda_machine *m, struct pci_bus *bus,
		       const struct ioda_topo_node *node, struct pci_dev **out, const char *holder,
		       struct ioda_error *err);
/* The same for hot remove. */
int pci_stop_and_remove_locked(struct ioda_machine *m, struct pci_dev *dev);

/* Structural changes made of several steps hold the machine's lock for writing. */
void ioda_machine_write_lock(struct ioda_machine *m);
void ioda_machine_unlock(struct ioda_machine *m);

/*
 * Hot remove of @dev and, for a bridge, everything below it, deepest first.
 * The removed objects vanish from lookups at once and are released at their
 * last put.  The caller's own reference on @dev stays the caller's.
 * Returns -ENOENT if @dev was already removed.
 */
int pci_stop_and_remove(struct ioda_machine *m, struct pci_dev *dev);

/*
 * A description of @dev and everything below it, as a rescan would find it
 * again (its bus numbers, BARs with their addresses); freed with
 * ioda_topo_node_free().  -ENOMEM.  The caller holds the machine lock;
 * pci_describe_dev() takes it.
 */
int pci_describe_subtree(struct ioda_ctx *ctx, const struct pci_dev *dev,
			 struct ioda_topo_node **out);
int pci_describe_dev(struct ioda_machine *m, const struct pci_dev *dev,
		     struct ioda_topo_node **out);
/*
 * The functions on @bus (VFs left out: the PF's driver makes them), each
 * with what is below it, as a sibling list in bus order; NULL for none.
 * -ENOMEM with nothing left.  The caller holds the machine lock.
 */
int pci_describe_bus(struct ioda_ctx *ctx, const struct pci_bus *bus,
		     struct ioda_topo_node **out);

/*
 * A description of the whole machine as it stands (its PHBs and every
 * device present), freed with ioda_topo_free(); -ENOMEM.
 */
int pci_describe_machine(struct ioda_machine *m, struct ioda_topo **out);

/* Class name as lspci prints it ("Non-Volatile memory controller"). */
const char *pci_class_name(uint32_t class);

#endif
