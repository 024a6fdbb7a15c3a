/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda draw: the machine as DOT text.  One cluster per chip holds its
 * PHBs, and inside it one box per iommu group holds the group's PEs and
 * devices, whichever PHB they hang from (an NVLink GPU and its links are one
 * box: VFIO passes them together); edges go PHB -> PE -> device, and a
 * numbered NVLink edge joins each NPU link to its GPU.  A large machine is
 * laid out in columns of PHBs side by side, so that it keeps A4's shape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioda/ioda.h>
#include <ioda/hw.h>

#define HOLDER "ioda draw"

#define FROZEN_COLOR "#f4b6b6"
#define NVLINK_COLOR "#2e7d32"

struct draw {
	struct ioda_kernel *k;
	FILE *out;
	unsigned int chip; /* the cluster being written */
	int group;	   /* the group box being written; -1: the devices in none */
	bool *drawn;	   /* per iommu group: its box is written */
	int max_group;
	bool edges;	   /* the walk writes edges, not nodes */
	unsigned int *col; /* per PHB (k->phbs order): its column */
	unsigned int devs; /* devices of the machine */
	unsigned int joined; /* the column whose devices are joined to the next */
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
}

struct pe_of {
	int domain;
	unsigned int pe;
	int group;
};

static int pe_member_group(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct pe_of *p = arg;

	if (pci_dev_peek_domain_nr(dev) != p->domain || dev->pe_number != p->pe ||
	    dev->iommu_group < 0)
		return 0;
	p->group = dev->iommu_group;
	return 1;
}

/*
 * The box a PE goes in: its devices' iommu group (a GPU's PE before 5.8
 * has its group through the NPU's table, not its own), else none.
 */
static int pe_group(struct draw *d, const struct ioda_phb *phb, unsigned int n)
{
	struct pe_of p = { phb->domain->number, n, phb->pe_array[n].group };

	if (p.group < 0)
		pci_walk_machine(d->k->m, pe_member_group, &p);
	return p.group >= 0 ? p.group : -1;
}

/* The PEs of @phb in the group being written (or in none), their edges from the PHB. */
static void draw_pes(struct draw *d, const struct ioda_phb *phb)
{
	const struct pci_domain *dom = phb->domain;

	for (unsigned int n = 0; n < phb->total_pe_num; n++) {
		const struct ioda_pe *pe = &phb->pe_array[n];
		bool frozen;

		if (!ioda_pe_allocated(phb, n) || !pe->device_count)
			continue;
		/* Edges out of every box: an edge inside one pulls both ends in. */
		if (d->edges) {
			fprintf(d->out, "\t\"phb%04x\" -> \"pe%04x_%x\";\n", dom->number, dom->number,
				n);
			continue;
		}
		if (pe_group(d, phb, n) != d->group || (d->group < 0 && dom->chip != d->chip))
			continue;
		frozen = ioda_hw_pe_state_read(phb_hw(d->k, phb), n) & IODA_PEST_FROZEN;
		fprintf(d->out, "\t\t\"pe%04x_%x\" [label=\"PE#%x\\n%s", dom->number, n, n,
			pe_kind(pe->flags));
		if (pe->pbus)
			fprintf(d->out, " %s", pe->pbus->ref.name);
		fprintf(d->out, "%s\", shape=ellipse, fillcolor=\"%s\"%s];\n",
			frozen ? "\\nFROZEN" : "", frozen ? FROZEN_COLOR : "#fff2cc",
			frozen ? ", color=red, penwidth=2" : "");
	}
}

/* A device of the group (or, with none, of the chip) being drawn, under its PE. */
static int draw_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct draw *d = arg;
	const struct pci_domain *dom = dev->bus->domain;
	const struct ioda_pe *pe = ioda_dev_peek_pe(d->k, dev);
	bool nvlink = dom->type == IODA_PHB_NPU_NVLINK || dev->num_npus;

	if (d->edges) {
		if (pe)
			fprintf(d->out, "\t\"pe%04x_%x\" -> \"%s\";\n", dom->number,
				pe->pe_number, pci_dev_peek_name(dev));
		else
			fprintf(d->out, "\t\"phb%04x\" -> \"%s\" [style=dashed];\n", dom->number,
				pci_dev_peek_name(dev));
		return 0;
	}
	if ((dev->iommu_group >= 0 ? dev->iommu_group : -1) != d->group ||
	    (d->group < 0 && dom->chip != d->chip))
		return 0;
	fprintf(d->out, "\t\t\"%s\" [label=\"%s\\n[%04x:%04x] %s", pci_dev_peek_name(dev),
		pci_dev_peek_name(dev), dev->vendor, dev->device, pci_class_name(dev->class));
	if (dev->label[0]) {
		fputs("\\n", d->out);
		put_escaped(d->out, dev->label);
	}
	fprintf(d->out, "\"%s];\n", nvlink ? ", fillcolor=\"#d5e8d4\"" : "");
	return 0;
}

/* Whether iommu group d->group has a device on the chip being drawn. */
static int group_here(void *arg, struct pci_dev *dev, unsigned int depth)
{
	const struct draw *d = arg;

	return dev->iommu_group == d->group && dev->bus->domain->chip == d->chip;
}

static int max_group(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct draw *d = arg;

	if (dev->iommu_group > d->max_group)
		d->max_group = dev->iommu_group;
	return 0;
}

/* The PEs and devices of d->group, all PHBs. */
static void draw_members(struct draw *d)
{
	for (unsigned int i = 0; i < d->k->nphbs; i++)
		draw_pes(d, d->k->phbs[i]);
	pci_walk_machine(d->k->m, draw_dev, d);
}

static void draw_chip(struct draw *d)
{
	fprintf(d->out, "\tsubgraph \"cluster_chip%u\" {\n\t\tlabel=\"chip %u\";\n", d->chip,
		d->chip);
	for (unsigned int i = 0; i < d->k->nphbs; i++)
		if (d->k->phbs[i]->domain->chip == d->chip)
			draw_phb(d, d->k->phbs[i]);
	/* A box per iommu group with a device here, drawn once. */
	for (d->group = 0; d->group <= d->max_group; d->group++) {
		if (d->drawn[d->group] || !pci_walk_machine(d->k->m, group_here, d))
			continue;
		d->drawn[d->group] = true;
		fprintf(d->out,
			"\tsubgraph \"cluster_group%d\" {\n\t\tlabel=\"iommu group %d\"; "
			"style=\"rounded,dashed\"; margin=4; fontsize=10; color=\"#6c8ebf\";\n",
			d->group, d->group);
		draw_members(d);
		fputs("\t}\n", d->out);
	}
	d->group = -1;
	draw_members(d);
	fputs("\t}\n", d->out);
}

/* Each NVLink link device, joined to the GPU it leads to. */
static void draw_nvlinks(struct draw *d)
{
	struct seen_gpu {
		const struct pci_dev *gpu; /* compared, never followed */
		unsigned int links;
	} seen[64];
	unsigned int nseen = 0;
	struct pci_dev *link = NULL;

	while ((link = pci_get_device(d->k->m, PCI_ANY_ID, PCI_ANY_ID, link, HOLDER))) {
		struct pci_dev *gpu;
		unsigned int n = 0;

		if (link->bus->domain->type != IODA_PHB_NPU_NVLINK)
			continue;
		gpu = ioda_npu_get_gpu(d->k, link, HOLDER);
		if (!gpu)
			continue;
		/*
		 * Its number among the GPU's links (the device tree's order), or,
		 * where no phandle tells (a boot log), the order they come in.
		 */
		while (n < gpu->num_npus && gpu->npu_phandle[n] != link->phandle)
			n++;
		if (n == gpu->num_npus) {
			unsigned int g = 0;

			while (g < nseen && seen[g].gpu != gpu)
				g++;
			if (g == nseen && nseen < sizeof(seen) / sizeof(seen[0]))
				seen[nseen++] = (struct seen_gpu){ gpu, 0 };
			n = g < nseen ? seen[g].links++ : 0;
		}
		fprintf(d->out,
			"\t\"%s\" -> \"%s\" [dir=none, color=\"" NVLINK_COLOR "\", penwidth=2, "
			"label=\"NVLink %u\", fontcolor=\"" NVLINK_COLOR "\"];\n",
			pci_dev_peek_name(gpu), pci_dev_peek_name(link), n);
		pci_dev_put(gpu, HOLDER);
	}
}

/*
 * Columns: a PHB after another goes to the next column once the columns
 * before hold their share of the devices.  About 20 device rows keep a
 * column's height to its width's A4 share (the AC922's 52 devices: two).
 */
static int count_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct draw *d = arg;

	d->devs++;
	return 0;
}

static unsigned int phb_index(const struct draw *d, const struct pci_domain *dom)
{
	unsigned int i = 0;

	while (i < d->k->nphbs && d->k->phbs[i]->domain != dom)
		i++;
	return i;
}

struct phb_devs {
	const struct pci_domain *dom;
	unsigned int n;
};

static int count_phb_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct phb_devs *p = arg;

	p->n += dev->bus->domain == p->dom;
	return 0;
}

static unsigned int split_columns(struct draw *d)
{
	unsigned int ncols = 1, col = 0, seen = 0;

	pci_walk_machine(d->k->m, count_dev, d);
	while (20u * (2 * ncols + 1) * (2 * ncols + 1) < 4u * d->devs)
		ncols++;
	for (unsigned int i = 0; i < d->k->nphbs; i++) {
		struct phb_devs p = { d->k->phbs[i]->domain, 0 };

		if (col + 1 < ncols && seen * ncols >= (col + 1) * d->devs)
			col++;
		d->col[i] = col;
		pci_walk_machine(d->k->m, count_phb_dev, &p);
		seen += p.n;
	}
	return col + 1;
}

/* Every device of column d->joined points (unseen) at the next column's anchor. */
static int join_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct draw *d = arg;

	if (d->col[phb_index(d, dev->bus->domain)] == d->joined)
		fprintf(d->out, "\t\"%s\" -> \"col%u\" [style=invis];\n", pci_dev_peek_name(dev),
			d->joined + 1);
	return 0;
}

/* Invisible edges that rank each column right of the one before (newrank). */
static void draw_columns(struct draw *d, unsigned int ncols)
{
	for (d->joined = 0; d->joined + 1 < ncols; d->joined++) {
		fprintf(d->out, "\t\"col%u\" [shape=point, style=invis];\n", d->joined + 1);
		pci_walk_machine(d->k->m, join_dev, d);
		for (unsigned int i = 0; i < d->k->nphbs; i++)
			if (d->col[i] == d->joined + 1)
				fprintf(d->out, "\t\"col%u\" -> \"phb%04x\" [style=invis];\n",
					d->joined + 1, d->k->phbs[i]->domain->number);
	}
}

int ioda_draw_dot(struct ioda_kernel *k, FILE *out)
{
	struct draw d = { .k = k, .out = out, .max_group = -1 };
	unsigned int ncols;
	int rc;

	pci_walk_machine(k->m, max_group, &d);
	d.drawn = calloc((size_t)d.max_group + 1, sizeof(*d.drawn));
	d.col = calloc(k->nphbs + 1, sizeof(*d.col));
	if (!d.drawn || !d.col) {
		free(d.drawn);
		free(d.col);
		return -ENOMEM;
	}
	ncols = split_columns(&d);
	/* newrank: the columns' edges rank nodes across the chips' and groups' boxes. */
	fputs("digraph ioda {\n"
	      "\tgraph [newrank=true, rankdir=LR, nodesep=0.06, ranksep=0.25, margin=0, "
	      "fontname=\"Helvetica\", fontsize=12, style=rounded, color=\"#999999\"];\n"
	      "\tnode [fontname=\"Helvetica\", fontsize=10, margin=\"0.05,0.02\", height=0.3, "
	      "shape=box, style=\"rounded,filled\", fillcolor=white];\n"
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
	d.edges = true;
	draw_members(&d);
	draw_nvlinks(&d);
	draw_columns(&d, ncols);
	fputs("}\n", out);
	free(d.drawn);
	free(d.col);
	rc = ferror(out) ? -EIO : 0;
	return rc;
}
