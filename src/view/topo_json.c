/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A machine's description as JSON: what ioda tree --json prints. */
#include <errno.h>

#include <ioda/json.h>

#include "json_priv.h"

static const char *port_type_name(enum pcie_port_type t, bool bridge)
{
	switch (t) {
	case PCIE_TYPE_ROOT_PORT:
		return "root-port";
	case PCIE_TYPE_UPSTREAM:
		return "upstream";
	case PCIE_TYPE_DOWNSTREAM:
		return "downstream";
	case PCIE_TYPE_PCI_BRIDGE:
		return "pcie-pci";
	case PCIE_TYPE_ENDPOINT:
		return "endpoint";
	case PCIE_TYPE_LEG_END:
		return "legacy";
	case PCIE_TYPE_RC_END:
		return "rc-endpoint";
	default:
		return bridge ? "pci-pci" : "pci";
	}
}

static json_object *bar_json(unsigned int idx, const struct pci_resource *r)
{
	json_object *o = json_object_new_object();
	const char *kind = r->flags & PCI_RES_IO ? "io" : r->flags & PCI_RES_MEM64 ? "mem64"
										 : "mem32";

	if (o && ioda_json_add(o, "index", json_object_new_int((int32_t)idx)) &&
	    ioda_json_add(o, "size", json_object_new_uint64(r->size)) &&
	    ioda_json_add(o, "kind", json_object_new_string(kind)) &&
	    ioda_json_add(o, "prefetchable", json_object_new_boolean(r->flags & PCI_RES_PREFETCH)) &&
	    (!(r->flags & PCI_RES_ASSIGNED) ||
	     ioda_json_add(o, "start", json_object_new_uint64(r->start))))
		return o;
	json_object_put(o);
	return NULL;
}

static json_object *nodes_json(const struct ioda_topo_node *n, int domain, int bus);

static json_object *node_json(const struct ioda_topo_node *n, int domain, int bus)
{
	json_object *o = json_object_new_object(), *bars = json_object_new_array();
	bool bridge = n->hdr_type == 1;
	char bdf[16], id[16];
	bool ok = o && bars;

	snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", domain, bus & 0xff, PCI_SLOT(n->devfn),
		 PCI_FUNC(n->devfn));
	snprintf(id, sizeof(id), "%04x:%04x", n->vendor, n->device);
	for (unsigned int i = 0; ok && i <= PCI_ROM_RESOURCE; i++)
		if (n->resource[i].size)
			ok = ioda_json_push(bars, bar_json(i, &n->resource[i]));
	ok = ok && ioda_json_add(o, "device", json_object_new_string(bdf)) &&
	     ioda_json_add(o, "id", json_object_new_string(id)) &&
	     ioda_json_add(o, "class", json_object_new_string(pci_class_name(n->class))) &&
	     ioda_json_add(o, "type", json_object_new_string(port_type_name(n->pcie_type, bridge)));
	if (ok && n->label[0])
		ok = ioda_json_add(o, "label", json_object_new_string(n->label));
	if (ok && n->sriov.total_vfs)
		ok = ioda_json_add(o, "sriov_vfs", json_object_new_int(n->sriov.total_vfs));
	/* A device tree's NVLink wiring: ibm,npu on a GPU, ibm,gpu on a link. */
	if (ok && n->phandle)
		ok = ioda_json_add(o, "phandle", json_object_new_int64(n->phandle));
	if (ok && n->gpu_phandle)
		ok = ioda_json_add(o, "gpu_phandle", json_object_new_int64(n->gpu_phandle));
	if (ok && n->num_npus) {
		json_object *links = json_object_new_array();

		for (unsigned int i = 0; links && i < n->num_npus; i++)
			if (!ioda_json_push(links, json_object_new_int64(n->npu_phandle[i]))) {
				json_object_put(links);
				links = NULL;
			}
		ok = ioda_json_add(o, "npu_phandles", links);
	}
	if (ok && bridge && n->secondary >= 0)
		ok = (!n->hotplug ||
		      ioda_json_add(o, "hotplug", json_object_new_boolean(n->hotplug == PCI_HOTPLUG_YES))) &&
		     ioda_json_add(o, "secondary", json_object_new_int(n->secondary)) &&
		     ioda_json_add(o, "subordinate", json_object_new_int(n->subordinate)) &&
		     ioda_json_add(o, "children", nodes_json(n->children, domain, n->secondary));
	if (!ok) {
		json_object_put(bars);
		json_object_put(o);
		return NULL;
	}
	if (!ioda_json_add(o, "bars", bars)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *nodes_json(const struct ioda_topo_node *n, int domain, int bus)
{
	json_object *a = json_object_new_array();

	for (; a && n; n = n->next)
		if (!ioda_json_push(a, node_json(n, domain, bus))) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *phb_json(const struct ioda_topo_phb *phb)
{
	static const char *const types[] = {"pcie", "nvlink", "opencapi"};
	json_object *o = json_object_new_object();

	if (o && ioda_json_add(o, "domain", json_object_new_int(phb->domain)) &&
	    ioda_json_add(o, "gen", json_object_new_string(ioda_phb_gen_word(phb->gen))) &&
	    ioda_json_add(o, "type", json_object_new_string(types[phb->type])) &&
	    ioda_json_add(o, "chip", json_object_new_int((int32_t)phb->chip)) &&
	    ioda_json_add(o, "index", json_object_new_int((int32_t)phb->index)) &&
	    ioda_json_add(o, "devices", nodes_json(phb->devices, phb->domain, 0)))
		return o;
	json_object_put(o);
	return NULL;
}

int ioda_topo_json(const struct ioda_topo *topo, FILE *out)
{
	json_object *o = ioda_json_doc("ioda-machine/1"), *phbs = json_object_new_array();
	bool ok = o && phbs;

	for (const struct ioda_topo_phb *phb = topo->phbs; ok && phb; phb = phb->next)
		ok = ioda_json_push(phbs, phb_json(phb));
	if (!ok || !ioda_json_add(o, "model", json_object_new_string(topo->model)) ||
	    !ioda_json_add(o, "memory", json_object_new_uint64(topo->memory_bytes))) {
		json_object_put(phbs);
		json_object_put(o);
		return -ENOMEM;
	}
	if (!ioda_json_add(o, "phbs", phbs)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
