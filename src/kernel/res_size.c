/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sizing of bridge windows bottom up, as setup-bus.c's __pci_bus_size_bridges()
 * does: what each window must hold, and the optional rest on realloc_head.
 */
#include <errno.h>
#include <stdio.h>

#include "resources_priv.h"

/* ---- window alignment ------------------------------------------------------------------- */

static bool is_m64_flags(unsigned int flags)
{
	return (flags & (PCI_RES_MEM64 | PCI_RES_PREFETCH)) == (PCI_RES_MEM64 | PCI_RES_PREFETCH);
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
unsigned int ioda_res_bus_resources(struct assign *a, const struct pci_bus *bus, struct rres **out)
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
	unsigned int n = ioda_res_bus_resources(a, bus, rs);

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

/* ---- sizing (setup-bus.c) ---------------------------------------------------------------- */

/*
 * The root ports of real PHB4s hardwire their IO base and limit to 0: the
 * scan reads that as a window [io 0x0000-0x0fff], but the bridge has no IO
 * window the kernel could size (pci_read_bridge_windows: io_window 0).
 * QEMU's model of the same port has one.
 */
bool ioda_res_io_hardwired(const struct assign *a, const struct pci_dev *dev)
{
	return !a->qemu && a->phb->domain->gen != IODA_PHB3 &&
	       dev->pcie_type == PCIE_TYPE_ROOT_PORT;
}

/* set_pcie_hotplug_bridge(): the slot's Hot-Plug Capable bit. */
static bool is_hotplug_bridge(const struct assign *a, const struct pci_dev *dev)
{
	if (dev->hotplug != PCI_HOTPLUG_UNKNOWN)
		return dev->hotplug == PCI_HOTPLUG_YES;
	/* Not said: QEMU's root and downstream ports have hotplug slots (pciehp HotPlug+). */
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
		ioda_res_list_push(&a->realloc, self, b, size1 - size0,
				   add_align ? add_align : min_align);
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
			min_align = max64(min_align, ioda_res_alignment(a, d, r));
			children_add += ioda_res_add_size_of(a, r);
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
				add_align = max64(ioda_res_alignment(a, d, r), add_align);
				r->end = r->start - 1;
				ioda_res_list_push(&a->realloc, d, r, r_size, 0);
				children_add += r_size;
				continue;
			}
			align = ioda_res_alignment(a, d, r);
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
			children_add += ioda_res_add_size_of(a, r);
			add_align = max64(add_align, ioda_res_add_align_of(a, r));
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
void ioda_res_size_bridges(struct assign *a, const struct pci_bus *bus)
{
	const unsigned int mem = PCI_RES_MEM, pref = PCI_RES_MEM | PCI_RES_PREFETCH;
	uint64_t add_io = 0, add_mmio = 0, add_pref = 0;
	unsigned int mask = mem, prefmask = pref, types[3];
	struct pci_dev *dev;
	struct rdev *self;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->subordinate)
			ioda_res_size_bridges(a, dev->subordinate);
	if (!bus->self)
		return; /* powerpc does not size the host bridge's windows */
	self = rdev_of(a, bus->self);
	/* pci_bridge_check_ranges(): IO and 64-bit prefetchable windows. */
	if (!ioda_res_io_hardwired(a, bus->self))
		self->res[R_WIN + W_IO].flags |= PCI_RES_IO;
	self->res[R_WIN + W_MEM].flags |= PCI_RES_MEM;
	self->res[R_WIN + W_PREF].flags |= pref | PCI_RES_MEM64;
	if (is_hotplug_bridge(a, bus->self)) {
		add_io = a->hp_io;
		add_mmio = a->hp_mmio;
		add_pref = a->hp_pref;
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
