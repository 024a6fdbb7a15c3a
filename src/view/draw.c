/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda draw: the machine as DOT text.  One cluster per chip holds its
 * PHBs, their PEs and the PEs' devices; edges go PHB -> PE -> device, and
 * an NVLink edge joins each NPU link to its GPU.
 */
#include <errno.h>
#include <stdio.h>

#include <ioda/draw.h>
#include <ioda/hw.h>

#define HOLDER "ioda draw"

#define FROZEN_COLOR "#f4b6b6"
#define NVLINK_COLOR "#2e7d32"

struct draw {
	struct ioda_kernel *k;
	FILE *out;
	unsigned int chip; /* the cluster being written */
};

/* A DOT string's body: only '"' and '\' need a backslash. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static struct ioda_phb_hw *phb_hw(struct ioda_kernel *k, const struct ioda_phb *phb)
{
	return ioda_opal_phb(k->opal, phb->opal_id);
}

static const char *pe_kind(unsigned int flags)
{
	if (flags & IODA_PE_RETIRED)
		return "retired";
	if (flags & IODA_PE_VF)
		return "VF";
	if (flags & IODA_PE_DEV)
		return "device";
	if (flags & IODA_PE_BUS_ALL)
		return "buses";
	return flags & IODA_PE_BUS ? "bus" : "reserved";
}

static const char *phb_kind(const struct pci_domain *d)
{
	switch (d->type) {
	case IODA_PHB_NPU_NVLINK:
		return "NVLink NPU";
	case IODA_PHB_NPU_OCAPI:
		return "OpenCAPI";
	default:
		return ioda_phb_gen_name(d->gen);
	}
}

static void draw_phb(struct draw *d, const struct ioda_phb *phb)
{
	const struct pci_domain *dom = phb->domain;
	bool fenced = phb_hw(d->k, phb)->fenced;

	fprintf(d->out,
		"\t\t\"phb%04x\" [label=\"PHB %04x\\n%s, %u PEs%s\", shape=box3d, "
		"fillcolor=\"%s\"];\n",
		dom->number, dom->number, phb_kind(dom), phb->total_pe_num,
		fenced ? "\\nFENCED" : "", fenced ? FROZEN_COLOR : "#dae8fc");
	for (unsigned int n = 0; n < phb->total_pe_num; n++) {
		const struct ioda_pe *pe = &phb->pe_array[n];
		bool frozen = ioda_hw_pe_state(phb_hw(d->k, phb), n) & IODA_PEST_FROZEN;

		if (!ioda_pe_allocated(phb, n) || !pe->device_count)
			continue;
		fprintf(d->out, "\t\t\"pe%04x_%x\" [label=\"PE#%x\\n%s", dom->number, n, n,
			pe_kind(pe->flags));
		if (pe->pbus)
			fprintf(d->out, " %s", pe->pbus->ref.name);
		if (pe->group >= 0)
			fprintf(d->out, "\\niommu group %d", pe->group);
		fprintf(d->out, "%s\", shape=ellipse, fillcolor=\"%s\"%s];\n",
			frozen ? "\\nFROZEN" : "", frozen ? FROZEN_COLOR : "#fff2cc",
			frozen ? ", color=red, penwidth=2" : "");
		fprintf(d->out, "\t\t\"phb%04x\" -> \"pe%04x_%x\";\n", dom->number, dom->number, n);
	}
}

/* A device of the chip being drawn, under its PE (or its PHB when it has none). */
static int draw_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct draw *d = arg;
	const struct pci_domain *dom = dev->bus->domain;
	const struct ioda_pe *pe = ioda_dev_peek_pe(d->k, dev);
	bool nvlink = dom->type == IODA_PHB_NPU_NVLINK || dev->num_npus;

	if (dom->chip != d->chip)
		return 0;
	fprintf(d->out, "\t\t\"%s\" [label=\"%s\\n[%04x:%04x] %s", pci_dev_peek_name(dev),
		pci_dev_peek_name(dev), dev->vendor, dev->device, pci_class_name(dev->class));
	if (dev->label[0]) {
		fputs("\\n", d->out);
		put_escaped(d->out, dev->label);
	}
	fprintf(d->out, "\"%s];\n", nvlink ? ", fillcolor=\"#d5e8d4\"" : "");
	if (pe)
		fprintf(d->out, "\t\t\"pe%04x_%x\" -> \"%s\";\n", dom->number, pe->pe_number,
			pci_dev_peek_name(dev));
	else
		fprintf(d->out, "\t\t\"phb%04x\" -> \"%s\" [style=dashed];\n", dom->number,
			pci_dev_peek_name(dev));
	return 0;
}

static void draw_chip(struct draw *d)
{
	fprintf(d->out, "\tsubgraph \"cluster_chip%u\" {\n\t\tlabel=\"chip %u\";\n", d->chip,
		d->chip);
	for (unsigned int i = 0; i < d->k->nphbs; i++)
		if (d->k->phbs[i]->domain->chip == d->chip)
			draw_phb(d, d->k->phbs[i]);
	pci_walk_machine(d->k->m, draw_dev, d);
	fputs("\t}\n", d->out);
}

/* Each NVLink link device, joined to the GPU it leads to. */
static void draw_nvlinks(struct draw *d)
{
	struct pci_dev *link = NULL;

	while ((link = pci_get_device(d->k->m, PCI_ANY_ID, PCI_ANY_ID, link, HOLDER))) {
		struct pci_dev *gpu;

		if (link->bus->domain->type != IODA_PHB_NPU_NVLINK)
			continue;
		gpu = ioda_npu_get_gpu(d->k, link, HOLDER);
		if (!gpu)
			continue;
		fprintf(d->out,
			"\t\"%s\" -> \"%s\" [dir=none, color=\"" NVLINK_COLOR "\", penwidth=2, "
			"label=\"NVLink\", fontcolor=\"" NVLINK_COLOR "\", constraint=false];\n",
			pci_dev_peek_name(gpu), pci_dev_peek_name(link));
		pci_dev_put(gpu, HOLDER);
	}
}

int ioda_draw_dot(struct ioda_kernel *k, FILE *out)
{
	struct draw d = { k, out, 0 };

	fputs("digraph ioda {\n"
	      "\tgraph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, style=rounded, "
	      "color=\"#999999\"];\n"
	      "\tnode [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", "
	      "fillcolor=white];\n"
	      "\tedge [color=\"#666666\", fontname=\"Helvetica\", fontsize=9];\n",
	      out);
	if (k->m->model[0]) {
		fputs("\tlabel=\"", out);
		put_escaped(out, k->m->model);
		fputs("\";\n\tlabelloc=t;\n", out);
	}
	/* One cluster per chip, at the chip's first PHB. */
	for (unsigned int i = 0; i < k->nphbs; i++) {
		unsigned int j = 0;

		d.chip = k->phbs[i]->domain->chip;
		while (j < i && k->phbs[j]->domain->chip != d.chip)
			j++;
		if (j == i)
			draw_chip(&d);
	}
	draw_nvlinks(&d);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}
