/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reverse of the scan: the machine as it stands, described (ioda tree
 * --topo), as a rescan would find it again.  VFs are left out: they are no
 * function of the bus a rescan probes but the PF driver's, added by
 * pci_iov_add_virtfn() and gone with SR-IOV disabled, which the PF found
 * again comes up with.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pci_priv.h"

int pci_describe_bus(struct ioda_ctx *ctx, const struct pci_bus *bus,
		     struct ioda_topo_node **out)
{
	struct ioda_topo_node **tail = out;
	const struct pci_dev *dev;
	int rc;

	*out = NULL;
	ioda_list_for_each_entry(dev, &bus->devices, bus_node) {
		if (dev->is_virtfn)
			continue;
		rc = pci_describe_subtree(ctx, dev, tail);
		if (rc) {
			ioda_topo_nodes_free(ctx, *out);
			*out = NULL;
			return rc;
		}
		tail = &(*tail)->next;
	}
	return 0;
}

int pci_describe_subtree(struct ioda_ctx *ctx, const struct pci_dev *dev,
			 struct ioda_topo_node **out)
{
	struct ioda_topo_node *node = ioda_zalloc(ctx, sizeof(*node));
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
	node->hotplug = dev->hotplug;
	node->slot = dev->slot;
	memcpy(node->resource, dev->resource, sizeof(node->resource));
	node->sriov = dev->sriov;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++)
		node->sriov.vf_bar[i].start -= (uint64_t)dev->vf_bar_moved[i];
	snprintf(node->label, sizeof(node->label), "%s", dev->label);
	node->secondary = node->subordinate = -1;
	if (dev->subordinate) {
		node->secondary = dev->subordinate->number;
		node->subordinate = dev->subordinate->busn_end;
		rc = pci_describe_bus(ctx, dev->subordinate, &node->children);
		if (rc) {
			ioda_topo_node_free(ctx, node);
			return rc;
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
	return pci_describe_bus(ctx, d->root_bus, &phb->devices);
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
