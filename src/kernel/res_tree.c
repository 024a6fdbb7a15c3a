/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource assignment's groundwork: the kernel's resource lists
 * (realloc_head, fail_head, head), the events it prints about resources,
 * the resource tree (kernel/resource.c) and a resource's alignment.
 */
#include <errno.h>
#include <string.h>

#include "resources_priv.h"

/* ---- lists ------------------------------------------------------------------ */

void ioda_res_list_push(struct list *l, struct rdev *d, struct rres *r, uint64_t add_size,
			uint64_t min_align)
{
	l->v[l->n++] = (struct entry){ r, d, r->start, r->end, add_size, min_align, r->flags };
}

int ioda_res_list_find(const struct list *l, const struct rres *r)
{
	for (unsigned int i = l->n; i-- > 0;)
		if (l->v[i].res == r)
			return (int)i;
	return -1;
}

void ioda_res_list_del(struct list *l, unsigned int i)
{
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
	l->n--;
}

void ioda_res_list_remove(struct list *l, const struct rres *r)
{
	int i = ioda_res_list_find(l, r);

	if (i >= 0)
		ioda_res_list_del(l, (unsigned int)i);
}

static const struct entry *list_get(const struct list *l, const struct rres *r)
{
	int i = ioda_res_list_find(l, r);

	return i >= 0 ? &l->v[i] : NULL;
}

uint64_t ioda_res_add_size_of(struct assign *a, const struct rres *r)
{
	const struct entry *e = a->use_realloc ? list_get(&a->realloc, r) : NULL;

	return e ? e->add_size : 0;
}

uint64_t ioda_res_add_align_of(struct assign *a, const struct rres *r)
{
	const struct entry *e = a->use_realloc ? list_get(&a->realloc, r) : NULL;

	return e ? e->min_align : 0;
}

/* ---- events --------------------------------------------------------------------- */

void ioda_res_emit(struct assign *a, const struct rdev *d, enum ioda_event_kind kind,
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

void ioda_res_emit_bridge_to(struct assign *a, const struct pci_bus *bus)
{
	struct ioda_event ev = { .kind = IODA_EV_BRIDGE_TO, .level = IODA_LOG_INFO };

	ev.domain = bus->domain->number;
	ev.rid = pci_dev_rid(bus->self);
	ev.a = bus->number;
	ev.b = bus->busn_end;
	ioda_emit(a->k, &ev);
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

void ioda_res_tree_release(struct rres *r)
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
void ioda_res_tree_release_children(struct rres *r)
{
	struct rres *c = r->child, *next;

	r->child = NULL;
	for (; c; c = next) {
		uint64_t size = rsize(c);

		next = c->sibling;
		c->parent = NULL;
		c->sibling = NULL;
		ioda_res_tree_release_children(c);
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
int ioda_res_tree_allocate(struct rres *root, struct rres *r, uint64_t size, uint64_t align)
{
	uint64_t start;

	if (!size || !find_gap(root, r->parent == root ? r : NULL, size, align, &start))
		return -EBUSY;
	if (r->parent) {
		bool inside = start <= r->start && start + size - 1 >= r->end;

		if (!inside && r->child)
			return -EBUSY;
		ioda_res_tree_release(r);
	}
	r->start = start;
	r->end = start + size - 1;
	tree_insert(root, r);
	return 0;
}

/* ---- alignment -------------------------------------------------------------------- */

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
uint64_t ioda_res_alignment(struct assign *a, const struct rdev *d, const struct rres *r)
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
