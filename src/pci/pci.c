/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domains, buses and devices: counted objects, removal, lookups, walks.
 * Building them from a description is scan.c.
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
void pci_dev_holder(const struct pci_dev *dev, char *buf, size_t len)
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
	pci_dev_holder(dev, holder, sizeof(holder));
	if (dev->physfn)
		pci_dev_put(dev->physfn, "virtfn");
	pci_bus_put(dev->bus, holder);
}

const struct ioda_ref_type pci_domain_type = {
	.name = "pci_domain",
	.size = sizeof(struct pci_domain),
	.ref_offset = offsetof(struct pci_domain, ref),
};

const struct ioda_ref_type pci_bus_type = {
	.name = "pci_bus",
	.size = sizeof(struct pci_bus),
	.ref_offset = offsetof(struct pci_bus, ref),
	.release = bus_release,
};

const struct ioda_ref_type pci_dev_type = {
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

/* ---- removal --------------------------------------------------------------------- */

/* pci_remove_bus_device(): each device of the bus in list order, then the bus. */
static void remove_bus_locked(struct ioda_machine *m, struct pci_bus *bus)
{
	struct pci_dev *dev, *n;

	ioda_list_for_each_entry_safe(dev, n, &bus->devices, bus_node)
		pci_remove_dev_locked(m, dev);
	ioda_list_del(&bus->node);
	bus->domain->bus_by_nr[bus->number] = NULL;
	bus->removed = true;
	if (m->notifier.bus_removed)
		m->notifier.bus_removed(m->notifier.arg, bus);
}

void pci_remove_dev_locked(struct ioda_machine *m, struct pci_dev *dev)
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
	pci_remove_dev_locked(m, dev);
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

/* ---- lookups ------------------------------------------------------------------------- */

struct pci_dev *pci_find_dev_locked(const struct pci_bus *bus, unsigned int devfn)
{
	struct pci_dev *dev;

	if (!(bus->devfn_map[devfn / 64] & 1ull << devfn % 64))
		return NULL;
	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->devfn == devfn)
			return dev;
	return NULL;
}

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
		dev = pci_dev_get_at(pci_find_dev_locked(b, devfn), holder, file, line);
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
