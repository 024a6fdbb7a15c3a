/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals of the PCI model shared by its files. */
#ifndef IODA_PCI_PRIV_H
#define IODA_PCI_PRIV_H

#include <ioda/pci.h>
#include <ioda/topo.h>

/* Holder names used for the model's own references. */
#define HOLD_MACHINE "machine"
#define HOLD_DOMAIN_ROOT "domain root"
#define HOLD_BUS_LIST "bus list"
#define HOLD_BRIDGE "bridge"
#define HOLD_BUS_SELF "bus self"
#define HOLD_CHILD_BUS "child bus"
#define HOLD_BUS "bus"

/* Creates a domain with its root bus, linked into @m (write lock held). */
int pci_domain_create_locked(struct ioda_machine *m, const struct ioda_topo_phb *phb,
			     struct ioda_error *err);
/* Builds @node's device (and subtree) on @bus (write lock held). */
int pci_add_locked(struct ioda_machine *m, struct pci_bus *bus, const struct ioda_topo_node *node,
		   struct pci_dev **out, const char *out_holder, struct ioda_error *err);
/* The object types of the model's counted objects (pci.c). */
extern const struct ioda_ref_type pci_domain_type, pci_bus_type, pci_dev_type;
/* "pci_dev 0000:01:00.0": the holder name a device's own references use. */
void pci_dev_holder(const struct pci_dev *dev, char *buf, size_t len);
/* The device at @devfn on @bus, borrowed (lock held). */
struct pci_dev *pci_find_dev_locked(const struct pci_bus *bus, unsigned int devfn);
/* Unlinks @dev and everything below it, dropping the list's references (write lock held). */
void pci_remove_dev_locked(struct ioda_machine *m, struct pci_dev *dev);
/* Removes every device of every domain and unlinks the domains (write lock held). */
void pci_remove_all_locked(struct ioda_machine *m);

#endif
