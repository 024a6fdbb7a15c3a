/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource assignment at boot, as the PCI core does it on PowerNV, where the
 * kernel (PCI_REASSIGN_ALL_RSRC), not firmware, places every BAR and bridge
 * window.  Per PHB, pci_assign_unassigned_root_bus_resources():
 *
 *  1. scan-time state (pcibios_fixup_resources, pci_reassigndev_resource_
 *     alignment, sriov_init + pnv_pci_ioda_fixup_iov_resources): BARs at 0,
 *     memory BARs smaller than PAGE_SIZE start-aligned to it, IOV BARs of
 *     TotalVFs x VF size, expanded to the PE count for PE alignment;
 *  2. __pci_bus_size_bridges(): windows sized bottom up (pbus_size_io,
 *     pbus_size_mem: 64-bit prefetchable first, then the rest), aligned by
 *     window_alignment() = max(1M or 4K, pnv_pci_window_alignment());
 *     hotplug bridges and IOV BARs put optional sizes on realloc_head;
 *  3. __pci_bus_assign_resources(): a bus's resources sorted by alignment
 *     (pdev_sort_resources), placed first fit from the bottom of the parent
 *     window (allocate_resource), first with the optional sizes, then only
 *     what is required (__assign_resources_sorted), then each bridge's bus,
 *     then the bridge (pnv_pci_fixup_bridge_resources, pci_setup_bridge);
 *  4. with pci=realloc, failed resources' leaf bridges are released and
 *     everything is tried again, up to the bus depth + 1 times.
 *
 * Not modelled: pci_root_bus_distribute_available_resources() (it only acts
 * on hotplug bridges right below a root port), IO space (PHB3/4/5 have none:
 * every IO resource fails), transparent bridges, CardBus.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
};

static bool version_ge(const struct ioda_kernel *k, unsigned int major, unsigned int minor)
{
	return k->profile.major > major || (k->profile.major == major && k->profile.minor >= minor);
}

static uint64_t rsize(const struct rres *r)
{
	return r->end - r->start + 1;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

static unsigned int dev_slot(const struct assign *a, const struct pci_dev *pdev)
{
	unsigned int i = (unsigned int)((uintptr_t)pdev >> 4) * 0x9e3779b1u & a->hash_mask;

	while (a->hash[i] && a->devs[a->hash[i] - 1].pdev != pdev)
		i = (i + 1) & a->hash_mask;
	return i;
}

static struct rdev *rdev_of(struct assign *a, const struct pci_dev *pdev)
{
	unsigned int h = a->hash[dev_slot(a, pdev)];

	return h ? &a->devs[h - 1] : NULL;
}

static unsigned int resno_of(const struct rdev *d, const struct rres *r)
{
	return (unsigned int)(r - d->res);
}

/* ---- lists ------------------------------------------------------------------ */

static void list_push(struct list *l, struct rdev *d, struct rres *r, uint64_t add_size,
		      uint64_t min_align)
{
	l->v[l->n++] = (struct entry){ r, d, r->start, r->end, add_size, min_align, r->flags };
}

static int list_find(const struct list *l, const struct rres *r)
{
	for (unsigned int i = l->n; i-- > 0;)
		if (l->v[i].res == r)
			return (int)i;
	return -1;
}

static void list_del(struct list *l, unsigned int i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

static void list_remove(struct list *l, const struct rres *r)
{
	int i = list_find(l, r);

	if (i >= 0)
		list_del(l, (unsigned int)i);
}

static const struct entry *list_get(const struct list *l, const struct rres *r)
{
	int i = list_find(l, r);

	return i >= 0 ? &l->v[i] : NULL;
}

/* ---- events --------------------------------------------------------------------- */

static void emit_res(struct assign *a, const struct rdev *d, enum ioda_event_kind kind,
		     unsigned int resno, const struct rres *r)
{
	struct ioda_event ev = { .kind = kind, .level = IODA_LOG_INFO };

	ev.domain = pci_dev_peek_domain_nr(d->pdev);
	ev.rid = pci_dev_rid(d->pdev);
	ev.n = (int)resno;
	ev.m = (int)((r->flags & F_KIND) | a->style);
	if (r->flags & F_UNSET) {
		ev.m |= IODA_RES_SIZE;
		ev.a = rsize(r);
	} else {
		ev.a = r->start;
		ev.b = r->end;
	}
	ioda_emit(a->k, &ev);
}

static void emit_bridge_to(struct assign *a, const struct pci_bus *bus)
{
	struct ioda_event ev = { .kind = IODA_EV_BRIDGE_TO, .level = IODA_LOG_INFO };

	ev.domain = bus->domain->number;
	ev.rid = pci_dev_rid(bus->self);
	ev.a = bus->number;
	ev.b = bus->busn_end;
	ioda_emit(a->k, &ev);
}

static void emit_add_size(struct assign *a, const struct rdev *d, const struct rres *r,
			  uint64_t add_size, uint64_t add_align)
{
	const struct pci_bus *b = d->pdev->subordinate;
	struct ioda_event ev = { .kind = IODA_EV_WINDOW_ADD_SIZE, .level = IODA_LOG_INFO };
	char tail[96], bus[16];
	int n;

	if (b->number == b->busn_end)
		snprintf(bus, sizeof(bus), "%02x", b->number);
	else
		snprintf(bus, sizeof(bus), "%02x-%02x", b->number, b->busn_end);
	n = snprintf(tail, sizeof(tail), "to [bus %s] add_size %llx", bus,
		     (unsigned long long)add_size);
	if (add_align)
		snprintf(tail + n, sizeof(tail) - (size_t)n, " add_align %llx",
			 (unsigned long long)add_align);
	ev.domain = pci_dev_peek_domain_nr(d->pdev);
	ev.rid = pci_dev_rid(d->pdev);
	ev.m = (int)((r->flags & F_KIND) | a->style);
	ev.a = r->start;
	ev.b = r->end;
	ev.text = tail;
	ioda_emit(a->k, &ev);
}

static void bus_printf(struct assign *a, const struct pci_bus *bus, const char *msg)
{
	ioda_printf(a->k, IODA_LOG_INFO, "pci_bus %04x:%02x: %s", bus->domain->number,
		    bus->number, msg);
}

/* ---- the resource tree (kernel/resource.c) ------------------------------------------ */

static void tree_insert(struct rres *parent, struct rres *r)
{
	struct rres **pp = &parent->child;

	while (*pp && (*pp)->start < r->start)
		pp = &(*pp)->sibling;
	r->sibling = *pp;
	*pp = r;
	r->parent = parent;
	r->high = parent->high;
}

static void tree_release(struct rres *r)
{
	struct rres **pp;

	if (!r->parent)
		return;
	for (pp = &r->parent->child; *pp; pp = &(*pp)->sibling) {
		if (*pp == r) {
			*pp = r->sibling;
			break;
		}
	}
	r->parent = NULL;
	r->sibling = NULL;
}

/* __release_child_resources(): children keep their sizes, at 0. */
static void tree_release_children(struct rres *r)
{
	struct rres *c = r->child, *next;

	r->child = NULL;
	for (; c; c = next) {
		uint64_t size = rsize(c);

		next = c->sibling;
		c->parent = NULL;
		c->sibling = NULL;
		tree_release_children(c);
		c->start = 0;
		c->end = size - 1;
	}
}

/*
 * __find_resource(): the first gap of @root, from the bottom, where @size
 * fits at @align; @old (being resized) counts as free.
 */
static bool find_gap(const struct rres *root, const struct rres *old, uint64_t size,
		     uint64_t align, uint64_t *out)
{
	const struct rres *c = root->child;
	uint64_t lo = root->start, hi, s;

	if (c && c->start == root->start) {
		lo = c == old ? old->start : c->end + 1;
		c = c->sibling;
	}
	for (;;) {
		hi = !c ? root->end : c == old ? c->end : c->start - 1;
		s = align_up(lo, align);
		if (hi >= lo && s >= lo && s + size - 1 >= s && s + size - 1 <= hi) {
			*out = s;
			return true;
		}
		if (!c || c->end == root->end)
			return false;
		if (c != old)
			lo = c->end + 1;
		c = c->sibling;
	}
}

/* allocate_resource(), or reallocate_resource() for a placed @r. */
static int tree_allocate(struct rres *root, struct rres *r, uint64_t size, uint64_t align)
{
	uint64_t start;

	if (!size || !find_gap(root, r->parent == root ? r : NULL, size, align, &start))
		return -EBUSY;
	if (r->parent) {
		bool inside = start <= r->start && start + size - 1 >= r->end;

		if (!inside && r->child)
			return -EBUSY;
		tree_release(r);
	}
	r->start = start;
	r->end = start + size - 1;
	tree_insert(root, r);
	return 0;
}

/* ---- alignment -------------------------------------------------------------------- */

static bool is_m64_flags(unsigned int flags)
{
	return (flags & (PCI_RES_MEM64 | PCI_RES_PREFETCH)) == (PCI_RES_MEM64 | PCI_RES_PREFETCH);
}

/* pnv_pci_iov_resource_alignment() (K55: max with the segment in single mode). */
static uint64_t iov_alignment(struct assign *a, const struct rdev *d, unsigned int i)
{
	uint64_t vf = d->pdev->sriov.vf_bar[i].size;

	if (!d->iov_data)
		return vf;
	if (d->iov_mode[i] == IOV_SINGLE)
		return version_ge(a->k, 5, 9) ? vf : max64(vf, a->phb->m64_segsize);
	return d->vfs_mul * vf;
}

/* pci_resource_alignment() */
static uint64_t res_alignment(struct assign *a, const struct rdev *d, const struct rres *r)
{
	unsigned int resno = resno_of(d, r);

	if (resno >= R_IOV && resno < R_WIN)
		return iov_alignment(a, d, resno - R_IOV);
	if (r->flags & F_SIZEALIGN)
		return rsize(r);
	if (r->flags & F_STARTALIGN)
		return r->start;
	return 0;
}

/* window_alignment(): the PCI core's 1M/4K, or pnv_pci_window_alignment() when larger. */
static uint64_t window_alignment(struct assign *a, const struct pci_bus *bus, unsigned int type)
{
	uint64_t align = (type & PCI_RES_MEM) ? SZ_1M : (type & PCI_RES_IO) ? 0x1000 : 1;
	uint64_t arch;
	unsigned int pci_bridges = 0;

	for (const struct pci_dev *br = bus->self; br; br = br->bus->self)
		if (br->pcie_type == PCIE_TYPE_PCI_BRIDGE && ++pci_bridges >= 2)
			return align;
	if (a->phb->m64_segsize && is_m64_flags(type))
		arch = a->phb->m64_segsize;
	else if (type & PCI_RES_MEM)
		arch = a->phb->m32_segsize;
	else
		arch = 0; /* no IO segments on PHB3/4/5 */
	return max64(align, arch);
}

/* ---- bus resources -------------------------------------------------------------------- */

/* pci_bus_for_each_resource(): the windows of the bridge above, or the PHB's. */
static unsigned int bus_resources(struct assign *a, const struct pci_bus *bus, struct rres **out)
{
	struct rdev *self = bus->self ? rdev_of(a, bus->self) : NULL;

	if (!self) {
		out[0] = &a->root[0];
		out[1] = &a->root[1];
		return 2;
	}
	for (unsigned int w = 0; w < 3; w++)
		out[w] = &self->res[R_WIN + w];
	return 3;
}

/* find_bus_resource_of_type() */
static struct rres *bus_resource_of_type(struct assign *a, const struct pci_bus *bus,
					 unsigned int mask, unsigned int type)
{
	struct rres *rs[3], *assigned = NULL;
	unsigned int n = bus_resources(a, bus, rs);

	for (unsigned int i = 0; i < n; i++) {
		if ((rs[i]->flags & mask) != type)
			continue;
		if (!rs[i]->parent)
			return rs[i];
		if (!assigned)
			assigned = rs[i];
	}
	return assigned;
}

static uint64_t add_size_of(struct assign *a, const struct rres *r)
{
	const struct entry *e = a->use_realloc ? list_get(&a->realloc, r) : NULL;

	return e ? e->add_size : 0;
}

static uint64_t add_align_of(struct assign *a, const struct rres *r)
{
	const struct entry *e = a->use_realloc ? list_get(&a->realloc, r) : NULL;

	return e ? e->min_align : 0;
}

/* ---- sizing (setup-bus.c) ---------------------------------------------------------------- */

/*
 * The root ports of real PHB4s hardwire their IO base and limit to 0: the
 * scan reads that as a window [io 0x0000-0x0fff], but the bridge has no IO
 * window the kernel could size (pci_read_bridge_windows: io_window 0).
 * QEMU's model of the same port has one.
 */
static bool io_hardwired(const struct assign *a, const struct pci_dev *dev)
{
	return !a->qemu && a->phb->domain->gen != IODA_PHB3 &&
	       dev->pcie_type == PCIE_TYPE_ROOT_PORT;
}

static bool is_hotplug_bridge(const struct assign *a, const struct pci_dev *dev)
{
	/* QEMU's root and downstream ports have hotplug slots (pciehp HotPlug+). */
	return a->qemu && (dev->pcie_type == PCIE_TYPE_ROOT_PORT ||
			   dev->pcie_type == PCIE_TYPE_DOWNSTREAM);
}

static uint64_t calc_size(uint64_t size, uint64_t min_size, uint64_t size1, uint64_t add_size,
			  uint64_t children_add, uint64_t old_size, uint64_t align)
{
	if (size < min_size)
		size = min_size;
	if (old_size == 1)
		old_size = 0;
	size = max64(size + size1, add_size) + children_add;
	return align_up(max64(size, old_size), align);
}

/*
 * The window's required size, start-aligned; the optional rest on
 * realloc_head with @add_align (IO windows print none: 0).
 */
static void set_window(struct assign *a, const struct pci_bus *bus, struct rres *b,
		       uint64_t min_align, uint64_t size0, uint64_t size1, uint64_t add_align)
{
	struct rdev *self = rdev_of(a, bus->self);

	b->start = min_align;
	b->end = min_align + size0 - 1;
	b->flags |= F_STARTALIGN;
	if (size1 > size0 && a->use_realloc) {
		list_push(&a->realloc, self, b, size1 - size0, add_align ? add_align : min_align);
		emit_add_size(a, self, b, size1 - size0, add_align);
	}
}

/* pbus_size_io() */
static void size_io(struct assign *a, const struct pci_bus *bus, uint64_t min_size,
		    uint64_t add_size)
{
	struct rres *b = bus_resource_of_type(a, bus, PCI_RES_IO, PCI_RES_IO);
	uint64_t size = 0, size1 = 0, children_add = 0, size0, min_align;
	struct pci_dev *dev;

	if (!b || b->parent)
		return;
	min_align = window_alignment(a, bus, PCI_RES_IO);
	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		struct rdev *d = rdev_of(a, dev);

		for (unsigned int i = 0; i < R_NUM; i++) {
			struct rres *r = &d->res[i];

			if (r->parent || !(r->flags & PCI_RES_IO))
				continue;
			if (rsize(r) < 0x400)
				size += rsize(r);
			else
				size1 += rsize(r);
			min_align = max64(min_align, res_alignment(a, d, r));
			children_add += add_size_of(a, r);
		}
	}
	size0 = calc_size(size, min_size, size1, 0, 0, rsize(b), min_align);
	if (a->use_realloc && (add_size || children_add))
		size1 = calc_size(size, min_size, size1, add_size, children_add, rsize(b),
				  min_align);
	else
		size1 = size0;
	if (!size0 && !size1) {
		b->flags = 0;
		return;
	}
	set_window(a, bus, b, min_align, size0, size1, 0);
}

/* calculate_mem_align() */
static uint64_t mem_align(const uint64_t *aligns, int max_order)
{
	uint64_t align = 0, min_align = 0;

	for (int order = 0; order <= max_order; order++) {
		uint64_t align1 = 1ull << (order + 20);

		if (!align)
			min_align = align1;
		else if (align_up(align + min_align, min_align) < align1)
			min_align = align1 >> 1;
		align += aligns[order];
	}
	return min_align;
}

/* pbus_size_mem(): -ENOSPC when the bus has no window of @type. */
static int size_mem(struct assign *a, const struct pci_bus *bus, unsigned int mask,
		    const unsigned int types[3], uint64_t min_size, uint64_t add_size)
{
	struct rres *b = bus_resource_of_type(a, bus, mask | PCI_RES_PREFETCH, types[0]);
	uint64_t aligns[24] = { 0 }, size = 0, children_add = 0, add_align = 0;
	uint64_t min_align, size0, size1;
	int max_order = 0;
	struct pci_dev *dev;

	if (!b)
		return -ENOSPC;
	if (b->parent)
		return 0;
	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		struct rdev *d = rdev_of(a, dev);

		for (unsigned int i = 0; i < R_NUM; i++) {
			struct rres *r = &d->res[i];
			unsigned int f = r->flags & mask;
			uint64_t align, r_size = rsize(r);
			int order;

			if (r->parent || (f != types[0] && f != types[1] && f != types[2]))
				continue;
			if (a->use_realloc && i >= R_IOV && i < R_WIN) {
				/* SR-IOV space is optional: it goes to realloc_head. */
				add_align = max64(res_alignment(a, d, r), add_align);
				r->end = r->start - 1;
				list_push(&a->realloc, d, r, r_size, 0);
				children_add += r_size;
				continue;
			}
			align = res_alignment(a, d, r);
			if (!align)
				continue;
			order = __builtin_ctzll(align) - 20;
			if (order < 0)
				order = 0;
			if (order >= 24) {
				r->flags = 0;
				continue;
			}
			size += max64(r_size, align);
			if (r_size <= align)
				aligns[order] += align;
			if (order > max_order)
				max_order = order;
			children_add += add_size_of(a, r);
			add_align = max64(add_align, add_align_of(a, r));
		}
	}
	min_align = max64(mem_align(aligns, max_order), window_alignment(a, bus, b->flags));
	size0 = calc_size(size, min_size, 0, 0, 0, rsize(b), min_align);
	add_align = max64(min_align, add_align);
	if (a->use_realloc && (add_size || children_add))
		size1 = calc_size(size, min_size, 0, add_size, children_add, rsize(b), add_align);
	else
		size1 = size0;
	if (!size0 && !size1) {
		b->flags = 0;
		return 0;
	}
	set_window(a, bus, b, min_align, size0, size1, add_align);
	return 0;
}

/* __pci_bus_size_bridges() */
static void size_bridges(struct assign *a, const struct pci_bus *bus)
{
	const unsigned int mem = PCI_RES_MEM, pref = PCI_RES_MEM | PCI_RES_PREFETCH;
	uint64_t add_io = 0, add_mmio = 0, add_pref = 0;
	unsigned int mask = mem, prefmask = pref, types[3];
	struct pci_dev *dev;
	struct rdev *self;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->subordinate)
			size_bridges(a, dev->subordinate);
	if (!bus->self)
		return; /* powerpc does not size the host bridge's windows */
	self = rdev_of(a, bus->self);
	/* pci_bridge_check_ranges(): IO and 64-bit prefetchable windows. */
	if (!io_hardwired(a, bus->self))
		self->res[R_WIN + W_IO].flags |= PCI_RES_IO;
	self->res[R_WIN + W_MEM].flags |= PCI_RES_MEM;
	self->res[R_WIN + W_PREF].flags |= pref | PCI_RES_MEM64;
	if (is_hotplug_bridge(a, bus->self)) {
		add_io = HP_IO;
		add_mmio = add_pref = HP_MMIO;
	}
	size_io(a, bus, a->use_realloc ? 0 : add_io, add_io);
	types[1] = types[2] = 0;
	if (self->res[R_WIN + W_PREF].flags & PCI_RES_MEM64) {
		prefmask |= PCI_RES_MEM64;
		types[0] = types[1] = types[2] = prefmask;
		if (!size_mem(a, bus, prefmask, types, a->use_realloc ? 0 : add_pref, add_pref)) {
			mask = prefmask;
			types[1] = prefmask & ~PCI_RES_MEM64;
			types[2] = prefmask & ~PCI_RES_PREFETCH;
		} else {
			types[1] = 0;
		}
	}
	if (!types[1]) {
		prefmask &= ~PCI_RES_MEM64;
		types[0] = types[1] = types[2] = prefmask;
		if (!size_mem(a, bus, prefmask, types, a->use_realloc ? 0 : add_pref, add_pref))
			mask = prefmask;
		else
			add_mmio += add_pref;
		types[1] = types[2] = mem;
	}
	types[0] = mem;
	size_mem(a, bus, mask, types, a->use_realloc ? 0 : add_mmio, add_mmio);
}

/* ---- placement (setup-res.c) ---------------------------------------------------------------- */

enum { REGION_32, REGION_HIGH, REGION_64 };

/* pci_bus_alloc_from_region() */
static int alloc_from_region(struct assign *a, const struct pci_bus *bus, struct rres *r,
			     uint64_t size, uint64_t align, unsigned int type_mask, int region)
{
	struct rres *rs[3];
	unsigned int n = bus_resources(a, bus, rs);

	type_mask |= F_TYPE;
	for (unsigned int i = 0; i < n; i++) {
		struct rres *p = rs[i];

		if ((r->flags ^ p->flags) & type_mask)
			continue;
		if ((p->flags & PCI_RES_PREFETCH) && !(r->flags & PCI_RES_PREFETCH))
			continue;
		if ((region == REGION_32 && p->high) || (region == REGION_HIGH && !p->high))
			continue;
		if (!tree_allocate(p, r, size, align))
			return 0;
	}
	return -ENOMEM;
}

/* pci_bus_alloc_resource() */
static int bus_alloc(struct assign *a, const struct pci_bus *bus, struct rres *r, uint64_t size,
		     uint64_t align, unsigned int type_mask)
{
	if (r->flags & PCI_RES_MEM64) {
		if (!alloc_from_region(a, bus, r, size, align, type_mask, REGION_HIGH))
			return 0;
		return alloc_from_region(a, bus, r, size, align, type_mask, REGION_64);
	}
	return alloc_from_region(a, bus, r, size, align, type_mask, REGION_32);
}

/* __pci_assign_resource(): exact prefetch match, then 32-bit prefetchable, then any. */
static int place(struct assign *a, const struct rdev *d, struct rres *r, uint64_t size,
		 uint64_t align)
{
	const struct pci_bus *bus = d->pdev->bus;
	const unsigned int both = PCI_RES_PREFETCH | PCI_RES_MEM64;

	if (!bus_alloc(a, bus, r, size, align, both))
		return 0;
	if ((r->flags & both) == both && !bus_alloc(a, bus, r, size, align, PCI_RES_PREFETCH))
		return 0;
	if (r->flags & both)
		return bus_alloc(a, bus, r, size, align, 0);
	return -ENOMEM;
}

/* pci_assign_resource() */
static int assign_res(struct assign *a, const struct rdev *d, struct rres *r)
{
	unsigned int resno = resno_of(d, r);
	uint64_t align;

	r->flags |= F_UNSET;
	align = res_alignment(a, d, r);
	if (!align)
		return -EINVAL; /* "bogus alignment": the sizing skipped it already */
	if (place(a, d, r, rsize(r), align)) {
		/* pci_revert_fw_address(): PowerNV keeps no firmware address. */
		emit_res(a, d, IODA_EV_RES_NO_SPACE, resno, r);
		emit_res(a, d, IODA_EV_RES_FAILED, resno, r);
		return -ENOMEM;
	}
	r->flags &= ~(F_UNSET | F_STARTALIGN);
	emit_res(a, d, IODA_EV_RES_ASSIGNED, resno, r);
	return 0;
}

/* pci_reassign_resource(): grow a placed resource by @add. */
static void reassign_res(struct assign *a, const struct rdev *d, struct rres *r, uint64_t add,
			 uint64_t align)
{
	unsigned int flags = r->flags;

	if (!r->parent || place(a, d, r, rsize(r) + add, align)) {
		r->flags = flags;
		return;
	}
	r->flags &= ~(F_UNSET | F_STARTALIGN);
}

static void reset_res(struct rres *r)
{
	r->start = r->end = 0;
	r->flags = 0;
}

/* assign_requested_resources_sorted() */
static void assign_requested(struct assign *a, struct list *fail)
{
	for (unsigned int i = 0; i < a->head.n; i++) {
		struct entry *e = &a->head.v[i];

		if (!rsize(e->res) || !assign_res(a, e->dev, e->res))
			continue;
		/* A ROM that will not be enabled is no failure. */
		if (fail && resno_of(e->dev, e->res) != R_ROM)
			list_push(fail, e->dev, e->res, 0, 0);
		reset_res(e->res);
	}
}

/* reassign_resources_sorted(): the optional sizes of what is in head. */
static void reassign_sorted(struct assign *a)
{
	for (unsigned int i = a->realloc.n; i-- > 0;) {
		struct entry e = a->realloc.v[i];
		struct rres *r = e.res;

		if (r->flags) {
			if (list_find(&a->head, r) < 0)
				continue;
			if (!rsize(r)) {
				r->start = e.min_align;
				r->end = r->start + e.add_size - 1;
				if (assign_res(a, e.dev, r))
					reset_res(r);
			} else {
				r->flags |= e.flags & (F_STARTALIGN | F_SIZEALIGN);
				reassign_res(a, e.dev, r, e.add_size, e.min_align);
			}
		}
		list_del(&a->realloc, i);
	}
}

/* pci_need_to_release() */
static bool need_release(unsigned int mask, const struct rres *r)
{
	if (r->flags & PCI_RES_IO)
		return mask & PCI_RES_IO;
	if (r->flags & PCI_RES_PREFETCH)
		return (mask & PCI_RES_PREFETCH) ||
		       ((mask & PCI_RES_MEM) && !(r->parent->flags & PCI_RES_PREFETCH));
	return mask & PCI_RES_MEM;
}

/* The head entry's new place: before the first with a smaller alignment. */
static void head_resort(struct assign *a, unsigned int i, uint64_t align)
{
	struct entry e = a->head.v[i];

	for (unsigned int j = 0; j < a->head.n; j++) {
		if (align > res_alignment(a, a->head.v[j].dev, a->head.v[j].res)) {
			if (j < i) {
				memmove(&a->head.v[j + 1], &a->head.v[j], (i - j) * sizeof(e));
				a->head.v[j] = e;
			}
			return;
		}
	}
}

/* The optional sizes added, re-sorted for the larger alignments they bring. */
static void head_add_optional(struct assign *a)
{
	/* save holds the head's order before any move. */
	for (unsigned int k = 0; k < a->save.n; k++) {
		struct rres *r = a->save.v[k].res;
		uint64_t add_align;
		int i = list_find(&a->head, r);

		r->end += add_size_of(a, r);
		if (!(r->flags & F_STARTALIGN))
			continue;
		add_align = add_align_of(a, r);
		if (add_align > r->start) {
			uint64_t size = rsize(r);

			r->start = add_align;
			r->end = add_align + size - 1;
			head_resort(a, (unsigned int)i, add_align);
		}
	}
}

/* __assign_resources_sorted() */
static void assign_sorted(struct assign *a)
{
	unsigned int fail_mask = 0;

	a->save.n = a->local.n = 0;
	if (!a->use_realloc || !a->realloc.n)
		goto requested;
	for (unsigned int i = 0; i < a->head.n; i++)
		list_push(&a->save, a->head.v[i].dev, a->head.v[i].res, 0, 0);
	head_add_optional(a);
	assign_requested(a, &a->local);
	if (!a->local.n) {
		for (unsigned int i = 0; i < a->head.n; i++)
			list_remove(&a->realloc, a->head.v[i].res);
		a->head.n = 0;
		return;
	}
	for (unsigned int i = 0; i < a->local.n; i++)
		fail_mask |= a->local.v[i].flags;
	fail_mask &= PCI_RES_IO | PCI_RES_MEM | PCI_RES_PREFETCH;
	for (unsigned int i = a->head.n; i-- > 0;) {
		struct rres *r = a->head.v[i].res;

		if (r->parent && !need_release(fail_mask, r)) {
			list_remove(&a->realloc, r);
			list_remove(&a->save, r);
			list_del(&a->head, i);
		}
	}
	for (unsigned int i = 0; i < a->head.n; i++)
		tree_release(a->head.v[i].res);
	for (unsigned int i = 0; i < a->save.n; i++) {
		struct entry *s = &a->save.v[i];

		s->res->start = s->start;
		s->res->end = s->end;
		s->res->flags = s->flags;
	}
requested:
	assign_requested(a, &a->fail);
	if (a->use_realloc)
		reassign_sorted(a);
	a->head.n = 0;
}

/* pdev_sort_resources(): by alignment, largest first, stable. */
static void sort_resources(struct assign *a, struct rdev *d)
{
	uint32_t class = d->pdev->class >> 8;

	if (class == 0x0000 || class == 0x0600)
		return; /* classless devices and host bridges are left alone */
	for (unsigned int i = 0; i < R_NUM; i++) {
		struct rres *r = &d->res[i];
		uint64_t align;
		unsigned int j;

		if (!r->flags || r->parent)
			continue;
		align = res_alignment(a, d, r);
		if (!align)
			continue;
		for (j = 0; j < a->head.n; j++)
			if (align > res_alignment(a, a->head.v[j].dev, a->head.v[j].res))
				break;
		memmove(&a->head.v[j + 1], &a->head.v[j], (a->head.n - j) * sizeof(*a->head.v));
		a->head.n++;
		a->head.v[j] = (struct entry){ .res = r, .dev = d };
	}
}

static bool near_root(const struct pci_dev *bridge)
{
	return !bridge->bus->self || !bridge->bus->self->bus->self;
}

/*
 * pnv_pci_fixup_bridge_resources(): the root port and the bridge below it
 * get the PHB's whole windows, M32 less its top 1M.  The kernel's MSI flag
 * stays set once a memory window was seen, so a prefetchable window after
 * it loses the same (960K) at its top.
 */
static void fixup_bridge(struct assign *a, struct rdev *br)
{
	bool msi_region = false;

	if (!near_root(br->pdev))
		return;
	for (unsigned int w = 0; w < 3; w++) {
		struct rres *r = &br->res[R_WIN + w], *win;

		if (!r->flags || !r->parent || (r->flags & PCI_RES_IO))
			continue;
		if (a->phb->m64_segsize && r->start >= a->phb->m64_base &&
		    r->start < a->phb->m64_base + a->phb->m64_size) {
			win = &a->root[1];
		} else {
			win = &a->root[0];
			msi_region = true;
		}
		r->start = win->start;
		r->end = win->end;
		if (msi_region)
			r->end = r->end + 0x10000 - SZ_1M;
	}
}

/* __pci_setup_bridge(): "PCI bridge to" and the windows of @type. */
static void setup_bridge(struct assign *a, const struct pci_bus *bus, unsigned int type)
{
	static const unsigned int kinds[] = { PCI_RES_IO, PCI_RES_MEM, PCI_RES_PREFETCH };
	struct rdev *br = rdev_of(a, bus->self);

	emit_bridge_to(a, bus);
	for (unsigned int w = 0; w < 3; w++)
		if ((type & kinds[w]) && (br->res[R_WIN + w].flags & kinds[w]))
			emit_res(a, br, IODA_EV_BRIDGE_WINDOW, R_WIN + w, &br->res[R_WIN + w]);
}

/* __pci_bus_assign_resources() */
static void assign_bus(struct assign *a, const struct pci_bus *bus)
{
	struct pci_dev *dev;

	a->head.n = 0;
	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		sort_resources(a, rdev_of(a, dev));
	assign_sorted(a);
	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (!dev->subordinate)
			continue;
		assign_bus(a, dev->subordinate);
		fixup_bridge(a, rdev_of(a, dev));
		setup_bridge(a, dev->subordinate, PCI_RES_IO | PCI_RES_MEM | PCI_RES_PREFETCH);
	}
}

/* ---- pci=realloc: release and retry (pci_bus_release_bridge_resources) ------------------ */

static bool is_pci_bridge_class(const struct pci_dev *dev)
{
	return dev->class >> 8 == 0x0604;
}

/* pci_bridge_release_resources() */
static void release_bridge_window(struct assign *a, const struct pci_bus *bus, unsigned int type)
{
	struct rdev *br = rdev_of(a, bus->self);
	struct rres *pref = &br->res[R_WIN + W_PREF], *r;
	unsigned int w, old_flags;

	if (type & PCI_RES_IO)
		w = W_IO;
	else if (!(type & PCI_RES_PREFETCH))
		w = W_MEM;
	else if ((type & PCI_RES_MEM64) && (pref->flags & PCI_RES_MEM64))
		w = W_PREF;
	else if (!(pref->flags & PCI_RES_MEM64) && (pref->flags & PCI_RES_PREFETCH))
		w = W_PREF;
	else
		w = W_MEM;
	r = &br->res[R_WIN + w];
	if (!r->parent)
		return;
	tree_release_children(r);
	tree_release(r);
	old_flags = r->flags & F_KIND;
	r->end = rsize(r) - 1;
	r->start = 0;
	r->flags = 0;
	setup_bridge(a, bus, (old_flags & PCI_RES_PREFETCH) ? PCI_RES_PREFETCH : old_flags);
	r->flags = old_flags;
}

static void release_bridges(struct assign *a, const struct pci_bus *bus, unsigned int type,
			    bool whole)
{
	bool leaf = true;
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (!dev->subordinate)
			continue;
		leaf = false;
		if (is_pci_bridge_class(dev) && whole)
			release_bridges(a, dev->subordinate, type, whole);
	}
	if (bus->self && is_pci_bridge_class(bus->self) && (whole || leaf))
		release_bridge_window(a, bus, type);
}

static unsigned int bus_depth(const struct pci_bus *bus)
{
	unsigned int depth = 0;
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (dev->subordinate) {
			unsigned int d = bus_depth(dev->subordinate) + 1;

			depth = d > depth ? d : depth;
		}
	}
	return depth;
}

/* ---- scan-time state --------------------------------------------------------------------- */

/* pnv_pci_ioda_fixup_iov_resources(), in the rules of the kernel's version. */
static void fixup_iov(struct assign *a, struct rdev *d)
{
	const struct pci_sriov *iov = &d->pdev->sriov;
	bool split = version_ge(a->k, 5, 9);
	struct ioda_iov_plan plan;
	unsigned int mul;

	ioda_iov_plan(a->k, a->phb, iov, &plan);
	if (plan.bad_bar >= 0) {
		emit_res(a, d, plan.no_single ? IODA_EV_VF_NO_SINGLE : IODA_EV_VF_NON_M64,
			 (unsigned int)plan.bad_bar, &d->res[R_IOV + plan.bad_bar]);
		goto disable;
	}
	mul = plan.mul;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		d->iov_mode[i] = plan.single[i] ? IOV_SINGLE : IOV_SHARED;
	d->iov_data = true;
	d->vfs_mul = mul;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		struct rres *r = &d->res[R_IOV + i];
		struct ioda_event ev = { .kind = IODA_EV_VF_EXPANDED, .level = IODA_LOG_INFO };

		if (!r->flags || (split && d->iov_mode[i] == IOV_SINGLE))
			continue;
		r->end = r->start + iov->vf_bar[i].size * mul - 1;
		ev.domain = pci_dev_peek_domain_nr(d->pdev);
		ev.rid = pci_dev_rid(d->pdev);
		ev.n = (int)i;
		ev.m = (int)((r->flags & F_KIND) | a->style);
		ev.a = r->start;
		ev.b = r->end;
		ev.c = mul;
		ioda_emit(a->k, &ev);
	}
	return;
disable:
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		reset_res(&d->res[R_IOV + i]);
}

/*
 * The state the scan leaves: every BAR unset at 0 (PCI_REASSIGN_ALL_RSRC),
 * memory BARs below PAGE_SIZE start-aligned to it, bridge windows empty, IOV
 * BARs of all VFs.
 */
static void scan_dev(struct assign *a, struct rdev *d)
{
	const struct pci_dev *pdev = d->pdev;

	for (unsigned int i = 0; i <= R_ROM; i++) {
		const struct pci_resource *m = &pdev->resource[i];
		struct rres *r = &d->res[i];

		if (!m->size)
			continue;
		r->flags = (m->flags & F_KIND) | F_SIZEALIGN | F_UNSET;
		r->start = 0;
		r->end = m->size - 1;
		if ((r->flags & PCI_RES_MEM) && m->size < a->page) {
			r->flags = (r->flags & ~F_SIZEALIGN) | F_STARTALIGN;
			r->start = a->page;
			r->end = a->page + m->size - 1;
		}
	}
	for (unsigned int w = 0; w < 3; w++)
		d->res[R_WIN + w] = (struct rres){ .end = UINT64_MAX };
	if (!pdev->sriov.total_vfs || ioda_pci_is_bridge(pdev))
		return;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct pci_resource *vf = &pdev->sriov.vf_bar[i];

		if (vf->size)
			d->res[R_IOV + i] = (struct rres){
				.end = vf->size * pdev->sriov.total_vfs - 1,
				.flags = (vf->flags & F_KIND) | F_SIZEALIGN,
			};
	}
	fixup_iov(a, d);
}

/* What the scan printed: bridges, and the IO window real PHB4 root ports read as set. */
static void scan_bus(struct assign *a, const struct pci_bus *bus, unsigned int *n)
{
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		struct rdev *d = &a->devs[(*n)++];

		d->pdev = dev;
		a->hash[dev_slot(a, dev)] = *n;
		scan_dev(a, d);
		if (!dev->subordinate)
			continue;
		scan_bus(a, dev->subordinate, n);
		emit_bridge_to(a, dev->subordinate);
		if (io_hardwired(a, dev)) {
			struct rres io = { .end = 0xfff, .flags = PCI_RES_IO };

			emit_res(a, d, IODA_EV_BRIDGE_WINDOW, R_WIN + W_IO, &io);
		}
	}
}

static unsigned int count_devs(const struct pci_bus *bus)
{
	unsigned int n = 0;
	struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		n++;
		if (dev->subordinate)
			n += count_devs(dev->subordinate);
	}
	return n;
}

/* The result, into the machine: where each BAR, IOV BAR and window landed. */
static void write_back(struct assign *a)
{
	for (unsigned int i = 0; i < a->ndevs; i++) {
		struct rdev *d = &a->devs[i];
		struct pci_dev *pdev = d->pdev;

		for (unsigned int j = 0; j <= R_ROM; j++) {
			struct pci_resource *m = &pdev->resource[j];

			m->start = d->res[j].parent ? d->res[j].start : 0;
			m->flags = (m->flags & ~PCI_RES_ASSIGNED) |
				   (d->res[j].parent ? PCI_RES_ASSIGNED : 0);
		}
		for (unsigned int j = 0; j < PCI_STD_NUM_BARS; j++) {
			struct pci_resource *m = &pdev->sriov.vf_bar[j];
			struct rres *r = &d->res[R_IOV + j];

			m->start = r->parent ? r->start : 0;
			m->flags = (m->flags & ~PCI_RES_ASSIGNED) | (r->parent ? PCI_RES_ASSIGNED : 0);
		}
		if (!pdev->subordinate)
			continue;
		for (unsigned int w = 0; w < 3; w++) {
			struct rres *r = &d->res[R_WIN + w];

			pdev->resource[PCI_BRIDGE_IO_WINDOW + w] =
				r->parent ? (struct pci_resource){ r->start, rsize(r),
								   (r->flags & F_KIND) |
									   PCI_RES_ASSIGNED }
					  : (struct pci_resource){ 0 };
		}
	}
}

/* The root bus's windows: M32, and M64 less the reserved and root PEs' segments. */
static void root_windows(struct assign *a)
{
	struct ioda_phb *phb = a->phb;
	struct rres *m32 = &a->root[0], *m64 = &a->root[1];

	m32->start = phb->m32_cpu_base;
	m32->end = phb->m32_cpu_base + phb->m32_size - 0x10000 - 1;
	m32->flags = PCI_RES_MEM;
	if (!phb->m64_size)
		return;
	m64->start = phb->m64_base;
	m64->end = phb->m64_base + phb->m64_size - 1;
	m64->flags = PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH;
	m64->high = true;
	if (phb->reserved_pe_idx == 0)
		m64->start += 2 * phb->m64_segsize;
	else if (phb->reserved_pe_idx == phb->total_pe_num - 1)
		m64->end -= 2 * phb->m64_segsize;
}

/* pci_assign_unassigned_root_bus_resources() */
static void assign_root(struct assign *a, const struct pci_bus *root, bool realloc)
{
	unsigned int tries = 1, tried = 0;
	char msg[80];

	if (realloc) {
		unsigned int depth = bus_depth(root);

		tries = depth + 1;
		snprintf(msg, sizeof(msg), "max bus depth: %u pci_try_num: %u", depth, tries);
		bus_printf(a, root, msg);
	}
	for (;;) {
		a->use_realloc = tried + 1 == tries;
		size_bridges(a, root);
		assign_bus(a, root);
		tried++;
		if (!a->fail.n)
			return;
		if (tried >= tries) {
			if (!realloc)
				bus_printf(a, root, "Some PCI device resources are unassigned, "
						    "try booting with pci=realloc");
			a->fail.n = 0;
			return;
		}
		snprintf(msg, sizeof(msg), "No. %u try to assign unassigned res", tried + 1);
		bus_printf(a, root, msg);
		for (unsigned int i = a->fail.n; i-- > 0;) {
			struct entry *e = &a->fail.v[i];

			release_bridges(a, e->dev->pdev->bus, e->flags & F_KIND, tried + 1 > 2);
		}
		for (unsigned int i = a->fail.n; i-- > 0;) {
			struct entry *e = &a->fail.v[i];
			unsigned int resno = resno_of(e->dev, e->res);

			e->res->start = e->start;
			e->res->end = e->end;
			e->res->flags = e->flags;
			if (ioda_pci_is_bridge(e->dev->pdev) && resno >= R_WIN)
				e->res->flags = 0;
		}
		a->fail.n = 0;
	}
}

static bool cmdline_realloc(const char *cmdline)
{
	for (const char *p = cmdline; p && (p = strstr(p, "pci=")); p += 4) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		for (const char *q = p + 4; *q && *q != ' '; q = *q == ',' ? q + 1 : q) {
			size_t n = strcspn(q, ", ");

			if ((n == 7 && !strncmp(q, "realloc", 7)) ||
			    (n == 10 && !strncmp(q, "realloc=on", 10)))
				return true;
			q += n;
		}
	}
	return false;
}

/* Memory without an address; IO never has one on PowerNV (no IO space). */
static bool unplaced(const struct pci_resource *r)
{
	return r->size && (r->flags & PCI_RES_MEM) && !(r->flags & PCI_RES_ASSIGNED);
}

static int dev_unplaced(void *arg, struct pci_dev *dev, unsigned int depth)
{
	for (unsigned int i = 0; i <= PCI_ROM_RESOURCE; i++)
		if (unplaced(&dev->resource[i]))
			return 1;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS && dev->sriov.total_vfs; i++)
		if (unplaced(&dev->sriov.vf_bar[i]))
			return 1;
	return 0;
}

/* The PHB's own tree only: a walk of the machine's devices per PHB grew as PHBs squared. */
bool ioda_phb_needs_assignment(const struct ioda_phb *phb)
{
	return pci_walk_bus_locked(phb->domain->root_bus, dev_unplaced, NULL) != 0;
}

int ioda_assign_resources(struct ioda_phb *phb, const struct ioda_boot_opts *opts)
{
	struct ioda_kernel *k = phb->kernel;
	struct pci_bus *root = phb->domain->root_bus;
	struct assign a = { .k = k, .phb = phb };
	unsigned int n = 0, cap;
	struct entry *pool;

	a.ndevs = count_devs(root);
	cap = (a.ndevs + 1) * R_NUM;
	a.hash_mask = 1;
	while (a.hash_mask < 2 * (a.ndevs + 1))
		a.hash_mask <<= 1;
	a.devs = ioda_calloc(k->ctx, a.ndevs + 1, sizeof(*a.devs));
	a.hash = ioda_calloc(k->ctx, a.hash_mask--, sizeof(*a.hash));
	/* Entries are written before they are read (the lists grow from 0). */
	pool = ioda_alloc(k->ctx, 5 * (size_t)cap * sizeof(*pool));
	if (!a.devs || !a.hash || !pool) {
		ioda_free(k->ctx, a.devs);
		ioda_free(k->ctx, a.hash);
		ioda_free(k->ctx, pool);
		return -ENOMEM;
	}
	a.realloc.v = pool;
	a.fail.v = pool + cap;
	a.head.v = pool + 2 * cap;
	a.save.v = pool + 3 * cap;
	a.local.v = pool + 4 * cap;
	a.page = 1ull << k->profile.page_shift;
	a.qemu = strstr(k->m->model, "emulated by qemu") != NULL;
	a.style = opts->res_style & (IODA_RES_NEW_NAMES | IODA_RES_NO_IOV);
	if (!(opts->res_style & (IODA_RES_NEW_NAMES | IODA_RES_OLD_NAMES)) &&
	    version_ge(k, 6, 8))
		a.style |= IODA_RES_NEW_NAMES;
	root_windows(&a);
	scan_bus(&a, root, &n);
	assign_root(&a, root, cmdline_realloc(opts->cmdline));
	write_back(&a);
	ioda_free(k->ctx, pool);
	ioda_free(k->ctx, a.hash);
	ioda_free(k->ctx, a.devs);
	return 0;
}
