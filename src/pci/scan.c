/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI core's scan: domains, buses and devices built from a machine
 * description (ioda/topo.h), at boot and at hot add, as the kernel's
 * pci_scan_child_bus() builds them from config space.  The description is
 * the hardware here; no input format is known (the loaders make it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pci_priv.h"

/* ---- creation ---------------------------------------------------------------- */

static int oom(struct ioda_error *err, const struct ioda_srcpos *pos)
{
	ioda_error_set(err, "%s: out of memory", pos->file ? pos->file : "ioda");
	return -ENOMEM;
}

static int pos_error(struct ioda_error *err, const struct ioda_srcpos *pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A semantic error at a description's position: "file:line:col: what". */
static int pos_error(struct ioda_error *err, const struct ioda_srcpos *pos, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos->file && pos->line)
		ioda_error_set(err, "%s:%u:%u: %s", pos->file, pos->line, pos->col, msg);
	else
		ioda_error_set(err, "%s: %s", pos->file ? pos->file : "ioda", msg);
	return -EINVAL;
}

/*
 * "dddd:bb" and "dddd:bb:ss.f" by hand: a boot names every bus and device,
 * and printf was a tenth of it.  Domains have at most 4 hex digits.
 */
static char *put_hex(char *p, unsigned int v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		p[i] = "0123456789abcdef"[v & 0xf];
	return p + digits;
}

static void name_bdf(struct ioda_ref *ref, int domain, unsigned int bus, int devfn)
{
	char *p = put_hex(ref->name, (unsigned int)domain, 4);

	*p++ = ':';
	p = put_hex(p, bus, 2);
	if (devfn >= 0) {
		*p++ = ':';
		p = put_hex(p, PCI_SLOT(devfn), 2);
		*p++ = '.';
		*p++ = (char)('0' + PCI_FUNC(devfn));
	}
	*p = '\0';
}

/* A bus below @parent (or a root bus when @self is NULL). */
static struct pci_bus *bus_create(struct pci_domain *d, struct pci_bus *parent,
				  struct pci_dev *self, unsigned int number)
{
	struct pci_bus *bus = ioda_obj_new(d->ref.ctx, &pci_bus_type,
					   self ? HOLD_BRIDGE : HOLD_DOMAIN_ROOT);

	if (!bus)
		return NULL;
	name_bdf(&bus->ref, d->number, number, -1);
	bus->domain = pci_domain_get(d, HOLD_BUS);
	bus->parent = pci_bus_get(parent, HOLD_CHILD_BUS);
	bus->self = pci_dev_get(self, HOLD_BUS_SELF);
	bus->number = (uint8_t)number;
	bus->busn_end = (uint8_t)number;
	ioda_list_init(&bus->devices);
	ioda_list_init(&bus->children);
	ioda_list_init(&bus->node);
	if (parent)
		ioda_list_add_tail(&bus->node, &parent->children);
	d->bus_by_nr[number] = bus;
	return bus;
}

static int add_scanned(struct ioda_machine *m, struct pci_bus *bus,
		       const struct ioda_topo_node *first, struct ioda_error *err);

/* Both given, and sharing an address. */
static bool windows_overlap(const struct pci_resource *a, const struct pci_resource *b)
{
	if (!(a->flags & b->flags & PCI_RES_ASSIGNED) || !a->size || !b->size)
		return false;
	return a->start <= b->start + (b->size - 1) && b->start <= a->start + (a->size - 1);
}

int pci_domain_create_locked(struct ioda_machine *m, const struct ioda_topo_phb *phb,
			     struct ioda_error *err)
{
	struct pci_domain *d, *pos;
	struct pci_bus *root;

	ioda_list_for_each_entry(pos, &m->domains, node)
		if (pos->number == phb->domain)
			return pos_error(err, &phb->pos, "duplicate PCI domain %04x",
					 (unsigned int)phb->domain);
	/* An address in both would decode to two PEs: no firmware lays a PHB out so. */
	if (windows_overlap(&phb->m32, &phb->m64))
		return pos_error(err, &phb->pos,
				 "the M32 window [%#" PRIx64 "-%#" PRIx64 "] overlaps the M64 window "
				 "[%#" PRIx64 "-%#" PRIx64 "]", phb->m32.start,
				 phb->m32.start + (phb->m32.size - 1), phb->m64.start,
				 phb->m64.start + (phb->m64.size - 1));
	d = ioda_obj_new(m->ctx, &pci_domain_type, HOLD_MACHINE);
	if (!d)
		return oom(err, &phb->pos);
	ioda_ref_set_name(&d->ref, "%04x", phb->domain);
	d->machine = m;
	d->number = phb->domain;
	d->gen = phb->gen;
	d->type = phb->type;
	d->chip = phb->chip;
	d->index = phb->index;
	d->num_pes = phb->num_pes;
	d->opal_id = phb->opal_id;
	d->m32 = phb->m32;
	d->m64 = phb->m64;
	d->fw = phb->fw;
	/* Keep domains in number order, as the tree prints them. */
	ioda_list_for_each_entry(pos, &m->domains, node)
		if (pos->number > d->number)
			break;
	ioda_list_add_tail(&d->node, &pos->node);
	root = bus_create(d, NULL, NULL, 0);
	if (!root)
		return oom(err, &phb->pos); /* the domain is linked: machine free drops it */
	root->busn_end = 0xff;
	d->root_bus = root;
	return add_scanned(m, root, phb->devices, err);
}

/* The lowest bus number in @bus's range not used by @bus or a bridge below it. */
static int free_bus_number(const struct pci_bus *bus, unsigned int from)
{
	const struct pci_bus *child;
	unsigned int n = from;
	bool moved = true, sorted = false;

	/*
	 * Past each range holding n, until a pass moves it no more; children
	 * in bus order (as they mostly are) need one pass: no range already
	 * passed can hold the n a later one gave.
	 */
	while (moved && !sorted && n <= bus->busn_end) {
		unsigned int prev = 0;

		moved = n == bus->number;
		n += moved;
		sorted = true;
		ioda_list_for_each_entry(child, &bus->children, node) {
			sorted &= child->number >= prev;
			prev = child->number;
			if (n >= child->number && n <= child->busn_end) {
				n = child->busn_end + 1u;
				moved = true;
			}
		}
	}
	return n <= bus->busn_end ? (int)n : -1;
}

static void dev_fill(struct pci_dev *dev, const struct ioda_topo_node *node)
{
	dev->devfn = node->devfn;
	dev->hdr_type = node->hdr_type;
	dev->multifunction = node->multifunction;
	dev->vendor = node->vendor;
	dev->device = node->device;
	dev->class = node->class;
	dev->afu_actags = node->afu_actags;
	dev->pcie_type = node->pcie_type;
	dev->hotplug = node->hotplug;
	dev->slot = node->slot;
	memcpy(dev->resource, node->resource, sizeof(dev->resource));
	dev->sriov = node->sriov;
	snprintf(dev->label, sizeof(dev->label), "%s", node->label);
	dev->phandle = node->phandle;
	dev->gpu_phandle = node->gpu_phandle;
	dev->num_npus = node->num_npus < 8 ? node->num_npus : 8;
	memcpy(dev->npu_phandle, node->npu_phandle, dev->num_npus * sizeof(dev->npu_phandle[0]));
}

static void dev_link(struct ioda_machine *m, struct pci_bus *bus, struct pci_dev *dev)
{
	/* Added last, as pci_device_add(): a rescanned device follows the others. */
	ioda_list_add_tail(&dev->bus_node, &bus->devices);
	bus->devfn_map[dev->devfn / 64] |= 1ull << dev->devfn % 64;
	dev->seq = ++m->next_seq;
	ioda_list_add_tail(&dev->all_node, &m->devices);
}

/* Adds the devices of a description list in devfn order, as a bus scan finds them. */
static int add_scanned(struct ioda_machine *m, struct pci_bus *bus,
		       const struct ioda_topo_node *first, struct ioda_error *err)
{
	const struct ioda_topo_node *by_devfn[256] = { NULL };

	/* In devfn order, as a scan finds them; of a devfn given twice, the first. */
	for (const struct ioda_topo_node *n = first; n; n = n->next)
		if (!by_devfn[n->devfn])
			by_devfn[n->devfn] = n;
	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		int rc = by_devfn[devfn] ? pci_add_locked(m, bus, by_devfn[devfn], NULL, NULL, err) : 0;

		if (rc)
			return rc;
	}
	return 0;
}

/* Gives a new bridge its secondary bus and builds the devices below it. */
static int bridge_populate(struct ioda_machine *m, struct pci_bus *bus, struct pci_dev *dev,
			   const struct ioda_topo_node *node, struct ioda_error *err)
{
	struct pci_domain *d = bus->domain;
	struct pci_bus *sec;
	int nr = node->secondary, rc;
	unsigned int last;

	if (nr < 0) {
		nr = free_bus_number(bus, bus->number + 1u);
		if (nr < 0)
			return pos_error(err, &node->pos, "no free bus number below bus %02x for this bridge",
					 bus->number);
	} else if ((unsigned int)nr <= bus->number || (unsigned int)nr > bus->busn_end) {
		return pos_error(err, &node->pos, "bus %02x is outside the parent's range [bus %02x]",
				 (unsigned int)nr, bus->number);
	} else if (free_bus_number(bus, (unsigned int)nr) != nr) {
		return pos_error(err, &node->pos, "bus %02x is already in use", (unsigned int)nr);
	}
	sec = bus_create(d, bus, dev, (unsigned int)nr);
	if (!sec)
		return oom(err, &node->pos);
	dev->subordinate = sec;
	/* Below us until told otherwise: everything up to the parent's end. */
	sec->busn_end = node->subordinate >= 0 ? (uint8_t)node->subordinate : bus->busn_end;
	if (node->subordinate >= 0 &&
	    (node->subordinate < nr || (unsigned int)node->subordinate > bus->busn_end))
		return pos_error(err, &node->pos, "subordinate bus %02x is outside [bus %02x-..]",
				 (unsigned int)node->subordinate, (unsigned int)nr);
	rc = add_scanned(m, sec, node->children, err);
	if (rc)
		return rc;
	if (node->subordinate < 0) {
		/* As firmware's depth-first scan: the range ends at the last bus used. */
		const struct pci_bus *c;

		last = sec->number;
		ioda_list_for_each_entry(c, &sec->children, node)
			if (c->busn_end > last)
				last = c->busn_end;
		sec->busn_end = (uint8_t)last;
	}
	return 0;
}

int pci_add_locked(struct ioda_machine *m, struct pci_bus *bus, const struct ioda_topo_node *node,
		   struct pci_dev **out, const char *out_holder, struct ioda_error *err)
{
	struct pci_dev *dev;
	char holder[IODA_HOLDER_MAX];
	int rc;

	if (pci_find_dev_locked(bus, node->devfn))
		return pos_error(err, &node->pos, "slot %02x.%x is already occupied on this bus",
				 PCI_SLOT(node->devfn), PCI_FUNC(node->devfn));
	dev = ioda_obj_new(m->ctx, &pci_dev_type, HOLD_BUS_LIST);
	if (!dev)
		return oom(err, &node->pos);
	name_bdf(&dev->ref, bus->domain->number, bus->number, node->devfn);
	dev_fill(dev, node);
	dev->pe_number = 0xffffffffu;
	dev->iommu_group = -1;
	pci_dev_holder(dev, holder, sizeof(holder));
	dev->bus = pci_bus_get(bus, holder);
	ioda_list_init(&dev->bus_node);
	ioda_list_init(&dev->all_node);
	dev_link(m, bus, dev);
	if (node->hdr_type == 1) {
		rc = bridge_populate(m, bus, dev, node, err);
		if (rc) {
			pci_remove_dev_locked(m, dev);
			return rc;
		}
	}
	if (out)
		*out = pci_dev_get(dev, out_holder);
	return 0;
}

/* The machine a description describes: its memory, model and every PHB's tree. */
int ioda_machine_populate(struct ioda_machine *m, const struct ioda_topo *topo,
			  struct ioda_error *err)
{
	const struct ioda_topo_phb *phb;
	int rc = 0;

	m->memory_bytes = topo->memory_bytes;
	snprintf(m->model, sizeof(m->model), "%s", topo->model);
	m->nvlink_wiring = topo->nvlink_wiring;
	pthread_rwlock_wrlock(&m->lock);
	for (phb = topo->phbs; phb && !rc; phb = phb->next)
		rc = pci_domain_create_locked(m, phb, err);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

/* ---- hot add ----------------------------------------------------------------- */

int pci_hot_add_locked(struct ioda_machine *m, struct pci_bus *bus,
		       const struct ioda_topo_node *node, struct pci_dev **out, const char *holder,
		       struct ioda_error *err)
{
	if (bus->removed)
		return pos_error(err, &node->pos, "bus %02x has been removed", bus->number);
	return pci_add_locked(m, bus, node, out, holder, err);
}

int pci_hot_add(struct ioda_machine *m, struct pci_bus *bus, const struct ioda_topo_node *node,
		struct pci_dev **out, const char *holder, struct ioda_error *err)
{
	int rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = pci_hot_add_locked(m, bus, node, out, holder, err);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}
