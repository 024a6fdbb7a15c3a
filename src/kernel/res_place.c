/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Placement of what the sizing asked for, as setup-res.c and
 * __pci_bus_assign_resources() do, and pci=realloc's release and retry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "resources_priv.h"

/* ---- placement (setup-res.c) ---------------------------------------------------------------- */

enum { REGION_32, REGION_HIGH, REGION_64 };

/* pci_bus_alloc_from_region() */
static int alloc_from_region(struct assign *a, const struct pci_bus *bus, struct rres *r,
			     uint64_t size, uint64_t align, unsigned int type_mask, int region)
{
	struct rres *rs[3];
	unsigned int n = ioda_res_bus_resources(a, bus, rs);

	type_mask |= F_TYPE;
	for (unsigned int i = 0; i < n; i++) {
		struct rres *p = rs[i];

		if ((r->flags ^ p->flags) & type_mask)
			continue;
		if ((p->flags & PCI_RES_PREFETCH) && !(r->flags & PCI_RES_PREFETCH))
			continue;
		if ((region == REGION_32 && p->high) || (region == REGION_HIGH && !p->high))
			continue;
		if (!ioda_res_tree_allocate(p, r, size, align))
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
	align = ioda_res_alignment(a, d, r);
	if (!align)
		return -EINVAL; /* "bogus alignment": the sizing skipped it already */
	if (place(a, d, r, rsize(r), align)) {
		/* pci_revert_fw_address(): PowerNV keeps no firmware address. */
		ioda_res_emit(a, d, IODA_EV_RES_NO_SPACE, resno, r);
		ioda_res_emit(a, d, IODA_EV_RES_FAILED, resno, r);
		return -ENOMEM;
	}
	r->flags &= ~(F_UNSET | F_STARTALIGN);
	ioda_res_emit(a, d, IODA_EV_RES_ASSIGNED, resno, r);
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

void ioda_res_reset(struct rres *r)
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
			ioda_res_list_push(fail, e->dev, e->res, 0, 0);
		ioda_res_reset(e->res);
	}
}

/* reassign_resources_sorted(): the optional sizes of what is in head. */
static void reassign_sorted(struct assign *a)
{
	for (unsigned int i = a->realloc.n; i-- > 0;) {
		struct entry e = a->realloc.v[i];
		struct rres *r = e.res;

		if (r->flags) {
			if (ioda_res_list_find(&a->head, r) < 0)
				continue;
			if (!rsize(r)) {
				r->start = e.min_align;
				r->end = r->start + e.add_size - 1;
				if (assign_res(a, e.dev, r))
					ioda_res_reset(r);
			} else {
				r->flags |= e.flags & (F_STARTALIGN | F_SIZEALIGN);
				reassign_res(a, e.dev, r, e.add_size, e.min_align);
			}
		}
		ioda_res_list_del(&a->realloc, i);
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
		if (align > ioda_res_alignment(a, a->head.v[j].dev, a->head.v[j].res)) {
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
		int i = ioda_res_list_find(&a->head, r);

		r->end += ioda_res_add_size_of(a, r);
		if (!(r->flags & F_STARTALIGN))
			continue;
		add_align = ioda_res_add_align_of(a, r);
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
		ioda_res_list_push(&a->save, a->head.v[i].dev, a->head.v[i].res, 0, 0);
	head_add_optional(a);
	assign_requested(a, &a->local);
	if (!a->local.n) {
		for (unsigned int i = 0; i < a->head.n; i++)
			ioda_res_list_remove(&a->realloc, a->head.v[i].res);
		a->head.n = 0;
		return;
	}
	for (unsigned int i = 0; i < a->local.n; i++)
		fail_mask |= a->local.v[i].flags;
	fail_mask &= PCI_RES_IO | PCI_RES_MEM | PCI_RES_PREFETCH;
	for (unsigned int i = a->head.n; i-- > 0;) {
		struct rres *r = a->head.v[i].res;

		if (r->parent && !need_release(fail_mask, r)) {
			ioda_res_list_remove(&a->realloc, r);
			ioda_res_list_remove(&a->save, r);
			ioda_res_list_del(&a->head, i);
		}
	}
	for (unsigned int i = 0; i < a->head.n; i++)
		ioda_res_tree_release(a->head.v[i].res);
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
		align = ioda_res_alignment(a, d, r);
		if (!align)
			continue;
		for (j = 0; j < a->head.n; j++)
			if (align > ioda_res_alignment(a, a->head.v[j].dev, a->head.v[j].res))
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

	ioda_res_emit_bridge_to(a, bus);
	for (unsigned int w = 0; w < 3; w++)
		if ((type & kinds[w]) && (br->res[R_WIN + w].flags & kinds[w]))
			ioda_res_emit(a, br, IODA_EV_BRIDGE_WINDOW, R_WIN + w, &br->res[R_WIN + w]);
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
	ioda_res_tree_release_children(r);
	ioda_res_tree_release(r);
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

static void bus_printf(struct assign *a, const struct pci_bus *bus, const char *msg)
{
	ioda_printf(a->k, IODA_LOG_INFO, "pci_bus %04x:%02x: %s", bus->domain->number,
		    bus->number, msg);
}

/* pci_assign_unassigned_root_bus_resources() */
void ioda_res_assign_root(struct assign *a, const struct pci_bus *root, bool realloc)
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
		ioda_res_size_bridges(a, root);
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
