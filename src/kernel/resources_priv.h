/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of resource assignment (resources.c, res_*.c) share. */
#ifndef IODA_RESOURCES_PRIV_H
#define IODA_RESOURCES_PRIV_H

#include "kernel_priv.h"

/* The kernel's resource numbers with CONFIG_PCI_IOV. */
enum { R_ROM = 6, R_IOV = 7, R_WIN = 13, R_NUM = 16 };
enum { W_IO, W_MEM, W_PREF };

/* IORESOURCE_SIZEALIGN, STARTALIGN, UNSET, above the PCI_RES_* flags. */
enum { F_SIZEALIGN = 1u << 16, F_STARTALIGN = 1u << 17, F_UNSET = 1u << 18 };
#define F_TYPE (PCI_RES_IO | PCI_RES_MEM)
#define F_KIND (PCI_RES_IO | PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH)

#define SZ_1M 0x100000ull
#define SZ_32M 0x2000000ull
/* DEFAULT_HOTPLUG_{IO,MMIO,MMIO_PREF}_SIZE */
#define HP_IO 0x100ull
#define HP_MMIO 0x200000ull

/* A struct resource: a range in the tree of the PHB's windows. */
struct rres {
	uint64_t start, end;
	unsigned int flags;
	bool high; /* bus addresses above 4G (pci_high) */
	struct rres *parent, *child, *sibling;
};

enum iov_mode { IOV_SHARED, IOV_SINGLE };

struct rdev {
	struct pci_dev *pdev;
	struct rres res[R_NUM];
	bool iov_data;         /* pnv_iov_data: the IOV BARs can be mapped */
	unsigned int vfs_mul;  /* VFs each IOV BAR was expanded to */
	enum iov_mode iov_mode[PCI_STD_NUM_BARS];
};

/* A struct pci_dev_resource of the kernel's lists. */
struct entry {
	struct rres *res;
	struct rdev *dev;
	uint64_t start, end, add_size, min_align;
	unsigned int flags;
};

struct list {
	struct entry *v;
	unsigned int n;
};

struct assign {
	struct ioda_kernel *k;
	struct ioda_phb *phb;
	struct rdev *devs;
	unsigned int ndevs;
	/* pci_dev -> its index in devs + 1, open addressing: a search per lookup was quadratic. */
	unsigned int *hash, hash_mask;
	struct rres root[2]; /* the root bus: M32, M64 */
	/* The kernel adds at the head: the newest entry is the last here. */
	struct list realloc, fail, head, save, local;
	bool use_realloc; /* realloc_head is passed down */
	unsigned int style;
	uint64_t page;
	bool qemu;
	/* The command line's pci=: hotplug reserves, pci=realloc. */
	uint64_t hp_io, hp_mmio, hp_pref;
	bool pci_realloc;
};

static inline bool version_ge(const struct ioda_kernel *k, unsigned int major, unsigned int minor)
{
	return k->profile.major > major || (k->profile.major == major && k->profile.minor >= minor);
}

static inline uint64_t rsize(const struct rres *r)
{
	return r->end - r->start + 1;
}

static inline uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

static inline unsigned int dev_slot(const struct assign *a, const struct pci_dev *pdev)
{
	unsigned int i = (unsigned int)((uintptr_t)pdev >> 4) * 0x9e3779b1u & a->hash_mask;

	while (a->hash[i] && a->devs[a->hash[i] - 1].pdev != pdev)
		i = (i + 1) & a->hash_mask;
	return i;
}

static inline struct rdev *rdev_of(struct assign *a, const struct pci_dev *pdev)
{
	unsigned int h = a->hash[dev_slot(a, pdev)];

	return h ? &a->devs[h - 1] : NULL;
}

static inline unsigned int resno_of(const struct rdev *d, const struct rres *r)
{
	return (unsigned int)(r - d->res);
}

/* ---- lists and the resource tree (res_tree.c) ---- */
void ioda_res_list_push(struct list *l, struct rdev *d, struct rres *r, uint64_t add_size,
			uint64_t min_align);
int ioda_res_list_find(const struct list *l, const struct rres *r);
void ioda_res_list_del(struct list *l, unsigned int i);
void ioda_res_list_remove(struct list *l, const struct rres *r);
/* The optional size and alignment realloc_head holds for @r, 0 without. */
uint64_t ioda_res_add_size_of(struct assign *a, const struct rres *r);
uint64_t ioda_res_add_align_of(struct assign *a, const struct rres *r);
void ioda_res_emit(struct assign *a, const struct rdev *d, enum ioda_event_kind kind,
		   unsigned int resno, const struct rres *r);
void ioda_res_emit_bridge_to(struct assign *a, const struct pci_bus *bus);
void ioda_res_tree_release(struct rres *r);
/* __release_child_resources(): children keep their sizes, at 0. */
void ioda_res_tree_release_children(struct rres *r);
/* allocate_resource(), or reallocate_resource() for a placed @r. */
int ioda_res_tree_allocate(struct rres *root, struct rres *r, uint64_t size, uint64_t align);
/* pci_resource_alignment() */
uint64_t ioda_res_alignment(struct assign *a, const struct rdev *d, const struct rres *r);

/* ---- sizing (res_size.c) ---- */
/* pci_bus_for_each_resource(): the windows of the bridge above, or the PHB's. */
unsigned int ioda_res_bus_resources(struct assign *a, const struct pci_bus *bus, struct rres **out);
/* A real PHB4 root port's IO window, hardwired to 0: none to size. */
bool ioda_res_io_hardwired(const struct assign *a, const struct pci_dev *dev);
/* __pci_bus_size_bridges() */
void ioda_res_size_bridges(struct assign *a, const struct pci_bus *bus);

/* ---- placement (res_place.c) ---- */
void ioda_res_reset(struct rres *r);
/* pci_assign_unassigned_root_bus_resources() */
void ioda_res_assign_root(struct assign *a, const struct pci_bus *root, bool realloc);

#endif
