/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domains, buses and devices: creation, lookups, hot add and hot remove.
 *
 * The tree is changed only with the machine lock held for writing; lookups
 * hold it for reading while they find an object and take their reference,
 * so an object found is never one being freed: unlinking happens under the
 * write lock, before the list's reference is dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pci_priv.h"

/* ---- object types and references ------------------------------------------ */

/* "pci_dev 0000:01:00.0", without printf: each device's add and release name it. */
static void dev_holder(const struct pci_dev *dev, char *buf, size_t len)
{
	static const char prefix[] = "pci_dev ";
	size_t n = strnlen(dev->ref.name, sizeof(dev->ref.name));

	if (n > len - sizeof(prefix))
		n = len - sizeof(prefix);
	memcpy(buf, prefix, sizeof(prefix) - 1);
	memcpy(buf + sizeof(prefix) - 1, dev->ref.name, n);
	buf[sizeof(prefix) - 1 + n] = '\0';
}

static void bus_release(struct ioda_ref *ref)
{
	struct pci_bus *bus = ioda_ref_object(ref);

	if (bus->self)
		pci_dev_put(bus->self, HOLD_BUS_SELF);
	if (bus->parent)
		pci_bus_put(bus->parent, HOLD_CHILD_BUS);
	pci_domain_put(bus->domain, HOLD_BUS);
}

static void dev_release(struct ioda_ref *ref)
{
	struct pci_dev *dev = ioda_ref_object(ref);
	struct ioda_machine *m = dev->bus->domain->machine;
	const struct pci_notifier *n = &m->notifier;
	char holder[IODA_HOLDER_MAX];

	if (dev->removed) {
		pthread_mutex_lock(&m->removed_lock);
		ioda_list_del(&dev->all_node);
		pthread_mutex_unlock(&m->removed_lock);
	}
	if (n->dev_release)
		n->dev_release(n->arg, dev);
	dev_holder(dev, holder, sizeof(holder));
	if (dev->physfn)
		pci_dev_put(dev->physfn, "virtfn");
	pci_bus_put(dev->bus, holder);
}

static const struct ioda_ref_type pci_domain_type = {
	.name = "pci_domain",
	.size = sizeof(struct pci_domain),
	.ref_offset = offsetof(struct pci_domain, ref),
};

static const struct ioda_ref_type pci_bus_type = {
	.name = "pci_bus",
	.size = sizeof(struct pci_bus),
	.ref_offset = offsetof(struct pci_bus, ref),
	.release = bus_release,
};

static const struct ioda_ref_type pci_dev_type = {
	.name = "pci_dev",
	.size = sizeof(struct pci_dev),
	.ref_offset = offsetof(struct pci_dev, ref),
	.release = dev_release,
};

/* get/put of each counted type: NULL-tolerant, as pci_dev_get() is. */
#define DEFINE_GET_PUT(type, prefix)                                                          \
	struct type *prefix##_get_at(struct type *obj, const char *holder, const char *file,  \
				     int line)                                                \
	{                                                                                     \
		if (obj)                                                                      \
			ioda_ref_get_at(&obj->ref, holder, file, line);                       \
		return obj;                                                                   \
	}                                                                                     \
	void prefix##_put_at(struct type *obj, const char *holder, const char *file, int line) \
	{                                                                                     \
		if (obj)                                                                      \
			ioda_ref_put_at(&obj->ref, holder, file, line);                       \
	}

DEFINE_GET_PUT(pci_dev, pci_dev)
DEFINE_GET_PUT(pci_bus, pci_bus)
DEFINE_GET_PUT(pci_domain, pci_domain)

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

static struct pci_dev *find_dev_locked(const struct pci_bus *bus, unsigned int devfn)
{
	struct pci_dev *dev;

	if (!(bus->devfn_map[devfn / 64] & 1ull << devfn % 64))
		return NULL;
	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->devfn == devfn)
			return dev;
	return NULL;
}

static void remove_locked(struct ioda_machine *m, struct pci_dev *dev);

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

	if (find_dev_locked(bus, node->devfn))
		return pos_error(err, &node->pos, "slot %02x.%x is already occupied on this bus",
				 PCI_SLOT(node->devfn), PCI_FUNC(node->devfn));
	dev = ioda_obj_new(m->ctx, &pci_dev_type, HOLD_BUS_LIST);
	if (!dev)
		return oom(err, &node->pos);
	name_bdf(&dev->ref, bus->domain->number, bus->number, node->devfn);
	dev_fill(dev, node);
	dev->pe_number = 0xffffffffu;
	dev->iommu_group = -1;
	dev_holder(dev, holder, sizeof(holder));
	dev->bus = pci_bus_get(bus, holder);
	ioda_list_init(&dev->bus_node);
	ioda_list_init(&dev->all_node);
	dev_link(m, bus, dev);
	if (node->hdr_type == 1) {
		rc = bridge_populate(m, bus, dev, node, err);
		if (rc) {
			remove_locked(m, dev);
			return rc;
		}
	}
	if (out)
		*out = pci_dev_get(dev, out_holder);
	return 0;
}

/* ---- removal --------------------------------------------------------------------- */

/* pci_remove_bus_device(): each device of the bus in list order, then the bus. */
static void remove_bus_locked(struct ioda_machine *m, struct pci_bus *bus)
{
	struct pci_dev *dev, *n;

	ioda_list_for_each_entry_safe(dev, n, &bus->devices, bus_node)
		remove_locked(m, dev);
	ioda_list_del(&bus->node);
	bus->domain->bus_by_nr[bus->number] = NULL;
	bus->removed = true;
	if (m->notifier.bus_removed)
		m->notifier.bus_removed(m->notifier.arg, bus);
}

static void remove_locked(struct ioda_machine *m, struct pci_dev *dev)
{
	struct pci_bus *sec = dev->subordinate;

	if (sec) {
		remove_bus_locked(m, sec);
		/* Breaks the bridge <-> bus cycle. */
		dev->subordinate = NULL;
		pci_bus_put(sec, HOLD_BRIDGE);
	}
	ioda_list_del(&dev->bus_node);
	dev->bus->devfn_map[dev->devfn / 64] &= ~(1ull << dev->devfn % 64);
	ioda_list_del(&dev->all_node);
	pthread_mutex_lock(&m->removed_lock);
	ioda_list_add_tail(&dev->all_node, &m->removed);
	dev->removed = true;
	pthread_mutex_unlock(&m->removed_lock);
	if (m->notifier.dev_removed)
		m->notifier.dev_removed(m->notifier.arg, dev);
	pci_dev_put(dev, HOLD_BUS_LIST);
}

int pci_stop_and_remove_locked(struct ioda_machine *m, struct pci_dev *dev)
{
	if (dev->removed)
		return -ENOENT;
	remove_locked(m, dev);
	return 0;
}

int pci_stop_and_remove(struct ioda_machine *m, struct pci_dev *dev)
{
	int rc;

	pthread_rwlock_wrlock(&m->lock);
	rc = pci_stop_and_remove_locked(m, dev);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

void ioda_machine_write_lock(struct ioda_machine *m)
{
	pthread_rwlock_wrlock(&m->lock);
}

void ioda_machine_unlock(struct ioda_machine *m)
{
	pthread_rwlock_unlock(&m->lock);
}

void pci_remove_all_locked(struct ioda_machine *m)
{
	struct pci_domain *d, *n;

	ioda_list_for_each_entry_safe(d, n, &m->domains, node) {
		if (d->root_bus) {
			remove_bus_locked(m, d->root_bus);
			pci_bus_put(d->root_bus, HOLD_DOMAIN_ROOT);
			d->root_bus = NULL;
		}
		ioda_list_del(&d->node);
		pci_domain_put(d, HOLD_MACHINE);
	}
}

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

/* ---- lookups ------------------------------------------------------------------------- */

static struct pci_domain *find_domain_locked(struct ioda_machine *m, int domain)
{
	struct pci_domain *d;

	ioda_list_for_each_entry(d, &m->domains, node)
		if (d->number == domain)
			return d;
	return NULL;
}

static struct pci_bus *find_bus_locked(struct ioda_machine *m, int domain, unsigned int busnr)
{
	struct pci_domain *d = find_domain_locked(m, domain);

	return d && busnr < 256 ? d->bus_by_nr[busnr] : NULL;
}

struct pci_domain *pci_find_domain_at(struct ioda_machine *m, int domain, const char *holder,
				      const char *file, int line)
{
	struct pci_domain *d;

	pthread_rwlock_rdlock(&m->lock);
	d = pci_domain_get_at(find_domain_locked(m, domain), holder, file, line);
	pthread_rwlock_unlock(&m->lock);
	return d;
}

struct pci_bus *pci_find_bus_at(struct ioda_machine *m, int domain, unsigned int busnr,
				const char *holder, const char *file, int line)
{
	struct pci_bus *bus;

	pthread_rwlock_rdlock(&m->lock);
	bus = pci_bus_get_at(find_bus_locked(m, domain, busnr), holder, file, line);
	pthread_rwlock_unlock(&m->lock);
	return bus;
}

struct pci_dev *pci_get_domain_bus_and_slot_at(struct ioda_machine *m, int domain,
					       unsigned int bus, unsigned int devfn,
					       const char *holder, const char *file, int line)
{
	struct pci_bus *b;
	struct pci_dev *dev = NULL;

	pthread_rwlock_rdlock(&m->lock);
	b = find_bus_locked(m, domain, bus);
	if (b)
		dev = pci_dev_get_at(find_dev_locked(b, devfn), holder, file, line);
	pthread_rwlock_unlock(&m->lock);
	return dev;
}

struct pci_dev *pci_get_device_at(struct ioda_machine *m, unsigned int vendor,
				  unsigned int device, struct pci_dev *from, const char *holder,
				  const char *file, int line)
{
	struct pci_dev *found = NULL;
	uint64_t after = from ? from->seq : 0;
	struct ioda_list *pos;

	pthread_rwlock_rdlock(&m->lock);
	/*
	 * Sequence numbers, not list links, when @from has been removed; while
	 * it is listed, on from it, so a walk over every match stays linear.
	 */
	pos = from && !from->removed ? from->all_node.next : m->devices.next;
	for (; pos != &m->devices; pos = pos->next) {
		struct pci_dev *dev = ioda_list_entry(pos, struct pci_dev, all_node);

		if (dev->seq <= after)
			continue;
		if ((vendor == PCI_ANY_ID || dev->vendor == vendor) &&
		    (device == PCI_ANY_ID || dev->device == device)) {
			found = pci_dev_get_at(dev, holder, file, line);
			break;
		}
	}
	pthread_rwlock_unlock(&m->lock);
	pci_dev_put_at(from, holder, file, line);
	return found;
}

/* ---- walking ------------------------------------------------------------------------- */

static int walk_bus(const struct pci_bus *bus, unsigned int depth, pci_walk_fn fn, void *arg);

int pci_walk_bus_locked(struct pci_bus *bus, pci_walk_fn fn, void *arg)
{
	return walk_bus(bus, 0, fn, arg);
}

static int walk_bus(const struct pci_bus *bus, unsigned int depth, pci_walk_fn fn, void *arg)
{
	struct pci_dev *dev;
	int rc;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		rc = fn(arg, dev, depth);
		if (rc)
			return rc;
		if (dev->subordinate) {
			rc = walk_bus(dev->subordinate, depth + 1, fn, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int pci_walk_machine(struct ioda_machine *m, pci_walk_fn fn, void *arg)
{
	struct pci_domain *d;
	int rc = 0;

	pthread_rwlock_rdlock(&m->lock);
	ioda_list_for_each_entry(d, &m->domains, node) {
		rc = d->root_bus ? walk_bus(d->root_bus, 0, fn, arg) : 0;
		if (rc)
			break;
	}
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

int pci_describe_subtree(struct ioda_ctx *ctx, const struct pci_dev *dev,
			 struct ioda_topo_node **out)
{
	struct ioda_topo_node *node = ioda_zalloc(ctx, sizeof(*node)), **tail;
	const struct pci_dev *child;
	int rc;

	*out = NULL;
	if (!node)
		return -ENOMEM;
	node->devfn = dev->devfn;
	node->hdr_type = dev->hdr_type;
	node->multifunction = dev->multifunction;
	node->vendor = dev->vendor;
	node->device = dev->device;
	node->class = dev->class;
	node->afu_actags = dev->afu_actags;
	node->pcie_type = dev->pcie_type;
	memcpy(node->resource, dev->resource, sizeof(node->resource));
	node->sriov = dev->sriov;
	snprintf(node->label, sizeof(node->label), "%s", dev->label);
	node->secondary = node->subordinate = -1;
	if (dev->subordinate) {
		node->secondary = dev->subordinate->number;
		node->subordinate = dev->subordinate->busn_end;
		tail = &node->children;
		ioda_list_for_each_entry(child, &dev->subordinate->devices, bus_node) {
			rc = pci_describe_subtree(ctx, child, tail);
			if (rc) {
				ioda_topo_node_free(ctx, node);
				return rc;
			}
			tail = &(*tail)->next;
		}
	}
	*out = node;
	return 0;
}

int pci_describe_dev(struct ioda_machine *m, const struct pci_dev *dev,
		     struct ioda_topo_node **out)
{
	int rc;

	pthread_rwlock_rdlock(&m->lock);
	rc = pci_describe_subtree(m->ctx, dev, out);
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

static int describe_domain(struct ioda_ctx *ctx, const struct pci_domain *d,
			   struct ioda_topo_phb **out)
{
	struct ioda_topo_phb *phb = ioda_zalloc(ctx, sizeof(*phb));
	struct ioda_topo_node **tail;
	const struct pci_dev *dev;
	int rc;

	*out = phb;
	if (!phb)
		return -ENOMEM;
	phb->domain = d->number;
	phb->gen = d->gen;
	phb->type = (enum ioda_phb_type)d->type;
	phb->chip = d->chip;
	phb->index = d->index;
	phb->num_pes = d->num_pes;
	phb->opal_id = d->opal_id;
	phb->m32 = d->m32;
	phb->m64 = d->m64;
	phb->fw = d->fw;
	tail = &phb->devices;
	ioda_list_for_each_entry(dev, &d->root_bus->devices, bus_node) {
		rc = pci_describe_subtree(ctx, dev, tail);
		if (rc)
			return rc;
		tail = &(*tail)->next;
	}
	return 0;
}

int pci_describe_machine(struct ioda_machine *m, struct ioda_topo **out)
{
	struct ioda_topo *topo = ioda_zalloc(m->ctx, sizeof(*topo));
	struct ioda_topo_phb **tail;
	const struct pci_domain *d;
	int rc = 0;

	*out = NULL;
	if (!topo)
		return -ENOMEM;
	topo->file = ioda_strdup(m->ctx, "machine");
	if (!topo->file) {
		ioda_topo_free(m->ctx, topo);
		return -ENOMEM;
	}
	topo->memory_bytes = m->memory_bytes;
	memcpy(topo->model, m->model, sizeof(topo->model));
	topo->nvlink_wiring = m->nvlink_wiring;
	tail = &topo->phbs;
	pthread_rwlock_rdlock(&m->lock);
	ioda_list_for_each_entry(d, &m->domains, node) {
		rc = describe_domain(m->ctx, d, tail);
		if (rc)
			break;
		tail = &(*tail)->next;
	}
	pthread_rwlock_unlock(&m->lock);
	if (rc) {
		ioda_topo_free(m->ctx, topo);
		return rc;
	}
	*out = topo;
	return 0;
}
