/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology text writer: a description back in the language the parser
 * reads (docs/topology.md), with the parser's own words for enum values
 * (topo_names.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "topo_priv.h"

static void indent(FILE *f, unsigned int depth)
{
	while (depth--)
		fputc('\t', f);
}

static const char *enum_name_of(const struct enum_name *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

/* A size with the largest binary suffix that divides it exactly. */
static const char *fmt_size(char *buf, size_t len, uint64_t v)
{
	static const char suffix[] = "KMGT";
	int k = -1;

	while (k < 3 && v && !(v & 0x3ff)) {
		v >>= 10;
		k++;
	}
	if (k < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, suffix[k]);
	return buf;
}

static void write_bar(FILE *f, unsigned int depth, const char *stmt, int idx,
		      const struct pci_resource *r, bool with_addr)
{
	char size[32];

	indent(f, depth);
	fprintf(f, "%s ", stmt);
	if (idx == PCI_ROM_RESOURCE)
		fputs("rom", f);
	else
		fprintf(f, "%d", idx);
	fprintf(f, " %s", fmt_size(size, sizeof(size), r->size));
	if (r->flags & PCI_RES_IO)
		fputs(" io", f);
	else if (idx != PCI_ROM_RESOURCE && (r->flags & PCI_RES_MEM64))
		fputs(" mem64", f);
	if (idx != PCI_ROM_RESOURCE && (r->flags & PCI_RES_PREFETCH))
		fputs(" pref", f);
	if (with_addr && (r->flags & PCI_RES_ASSIGNED))
		fprintf(f, " @%#" PRIx64, r->start);
	fputc('\n', f);
}

static bool node_has_body(const struct ioda_topo_node *n)
{
	for (int i = 0; i < PCI_NUM_RESOURCES; i++)
		if (n->resource[i].size)
			return true;
	return n->sriov.total_vfs || n->children;
}

static void write_node(FILE *f, const struct ioda_topo_node *n, unsigned int depth)
{
	bool bridge = n->hdr_type == 1;
	const char *type =
		enum_name_of(bridge ? topo_bridge_types : topo_device_types, n->pcie_type);
	unsigned int nbars = bridge ? 2 : PCI_STD_NUM_BARS;

	indent(f, depth);
	fprintf(f, "%s %02x.%x %04x:%04x", bridge ? "bridge" : "device",
		PCI_SLOT(n->devfn), PCI_FUNC(n->devfn), n->vendor, n->device);
	if (type)
		fprintf(f, " type=%s", type);
	if (bridge && n->secondary >= 0) {
		fprintf(f, " bus=%02x", n->secondary);
		if (n->subordinate > n->secondary)
			fprintf(f, "-%02x", n->subordinate);
	}
	if (!bridge || n->class != 0x060400)
		fprintf(f, " class=%#08x", n->class);
	if (n->hotplug)
		fprintf(f, " hotplug=%s", enum_name_of(topo_hotplug_names, n->hotplug));
	if (n->slot.label[0] && n->slot.pluggable && n->slot.reset_by_fw)
		fprintf(f, " slot=%s%s%s", n->slot.label, n->slot.surprise ? " surprise=yes" : "",
			n->slot.power_ctl ? "" : " power-ctl=no");
	if (n->label[0])
		fprintf(f, " label=%s", n->label);
	if (n->multifunction)
		fputs(" mf", f);
	if (!node_has_body(n)) {
		fputc('\n', f);
		return;
	}
	fputs(" {\n", f);
	for (unsigned int i = 0; i < nbars; i++)
		if (n->resource[i].size)
			write_bar(f, depth + 1, "bar", (int)i, &n->resource[i], true);
	if (n->resource[PCI_ROM_RESOURCE].size)
		write_bar(f, depth + 1, "bar", PCI_ROM_RESOURCE, &n->resource[PCI_ROM_RESOURCE],
			  true);
	for (int w = PCI_BRIDGE_IO_WINDOW; bridge && w <= PCI_BRIDGE_PREF_WINDOW; w++) {
		const struct pci_resource *r = &n->resource[w];

		if (!r->size || !(r->flags & PCI_RES_ASSIGNED))
			continue;
		indent(f, depth + 1);
		fprintf(f, "window %s %#" PRIx64 "-%#" PRIx64 "\n",
			enum_name_of(topo_window_kinds, w), r->start, r->start + r->size - 1);
	}
	if (n->sriov.total_vfs) {
		indent(f, depth + 1);
		fprintf(f, "sriov vfs=%u offset=%u stride=%u vf-device=%04x\n", n->sriov.total_vfs, n->sriov.vf_offset, n->sriov.vf_stride,
			n->sriov.vf_device);
		for (int i = 0; i < PCI_STD_NUM_BARS; i++)
			if (n->sriov.vf_bar[i].size)
				write_bar(f, depth + 1, "vf-bar", i, &n->sriov.vf_bar[i], false);
	}
	ioda_topo_write_nodes(f, n->children, depth + 1);
	indent(f, depth);
	fputs("}\n", f);
}

int ioda_topo_write_nodes(FILE *f, const struct ioda_topo_node *nodes, unsigned int depth)
{
	for (; nodes; nodes = nodes->next)
		write_node(f, nodes, depth);
	return ferror(f) ? -EIO : 0;
}

static void write_window_attr(FILE *f, const char *name, const struct pci_resource *r)
{
	char size[32];

	if (r->size)
		fprintf(f, " %s=%#" PRIx64 "+%s", name, r->start, fmt_size(size, sizeof(size), r->size));
}

int ioda_topo_write(FILE *f, const struct ioda_topo *topo)
{
	const struct ioda_topo_phb *phb;
	char size[32];

	if (topo->memory_bytes || topo->model[0]) {
		fputs("machine", f);
		if (topo->memory_bytes)
			fprintf(f, " memory=%s",
				fmt_size(size, sizeof(size), topo->memory_bytes));
		if (topo->model[0]) {
			fputs(" model=\"", f);
			for (const char *s = topo->model; *s; s++)
				fprintf(f, "%s%c", *s == '"' || *s == '\\' ? "\\" : "", *s);
			fputc('"', f);
		}
		fputc('\n', f);
	}
	for (phb = topo->phbs; phb; phb = phb->next) {
		if (phb->type != IODA_PHB_PCIE) {
			fprintf(f, "# phb %04x: an %s PHB, which topology text cannot describe\n",
				phb->domain,
				phb->type == IODA_PHB_NPU_NVLINK ? "NVLink NPU" : "OpenCAPI");
			continue;
		}
		fprintf(f, "phb %04x gen=%s chip=%u index=%u", phb->domain,
			enum_name_of(topo_gen_names, phb->gen), phb->chip, phb->index);
		if (phb->num_pes)
			fprintf(f, " pes=%u", phb->num_pes);
		if (phb->opal_id != (uint64_t)phb->domain)
			fprintf(f, " id=%#" PRIx64, phb->opal_id);
		write_window_attr(f, "m32", &phb->m32);
		write_window_attr(f, "m64", &phb->m64);
		fputs(" {\n", f);
		ioda_topo_write_nodes(f, phb->devices, 1);
		fputs("}\n", f);
	}
	return ferror(f) ? -EIO : 0;
}
