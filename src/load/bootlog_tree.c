/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot log tree: once the log is read, the PHB headers are paired with the
 * host bridges, each PHB is filled in, the flat device list becomes the
 * tree below the host bridges and the port types the log does not name are
 * derived (the rules at the top of bootlog.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bootlog_priv.h"

/* ---- the tree ------------------------------------------------------------------- */

static bool known_m32(const struct ioda_bootlog_phb *h, const struct hb *hb)
{
	return (h->m32_cpu.flags & PCI_RES_ASSIGNED) && hb->m32.flags;
}

static void pair(struct parser *p, struct hb *hb, unsigned int k)
{
	hb->hdr = (int)k;
	p->log->phbs[k].domain = hb->phb->domain;
}

/* Headers to host bridges: by M32 window where both tell it, else in log order. */
static void pair_headers(struct parser *p)
{
	struct ioda_bootlog *log = p->log;

	for (unsigned int i = 0; i < p->nhbs; i++)
		for (unsigned int k = 0; k < log->nphbs && p->hbs[i].hdr < 0; k++)
			if (log->phbs[k].domain < 0 && known_m32(&log->phbs[k], &p->hbs[i]) &&
			    log->phbs[k].m32_cpu.start == p->hbs[i].m32.start)
				pair(p, &p->hbs[i], k);
	for (unsigned int i = 0; i < p->nhbs; i++)
		for (unsigned int k = 0; k < log->nphbs && p->hbs[i].hdr < 0; k++)
			if (log->phbs[k].domain < 0 && !known_m32(&log->phbs[k], &p->hbs[i]))
				pair(p, &p->hbs[i], k);
}

static const struct {
	const char *name;
	enum ioda_phb_type type;
} phb_types[] = {
	{ "IODA2", IODA_PHB_PCIE },
	{ "NPU_NVLINK", IODA_PHB_NPU_NVLINK },
	{ "NPU_OCAPI", IODA_PHB_NPU_OCAPI },
};

/* The generation when no line names the CPU: PHB4 if any header looks like one. */
static enum ioda_phb_gen fallback_gen(const struct ioda_bootlog *log)
{
	for (unsigned int k = 0; k < log->nphbs; k++)
		if (log->phbs[k].m64_bar_first == 1 || log->phbs[k].num_pes > 256)
			return IODA_PHB4;
	return IODA_PHB3;
}

static int fill_phb(struct parser *p, struct hb *hb, unsigned int index)
{
	const struct ioda_bootlog *log = p->log;
	const struct ioda_bootlog_phb *h = hb->hdr >= 0 ? &log->phbs[hb->hdr] : NULL;
	struct ioda_topo_phb *phb = hb->phb;
	struct ioda_topo_fw *fw = &phb->fw;
	size_t i;

	phb->index = index;
	phb->gen = log->cpu_gen != IODA_CPU_UNKNOWN ? (enum ioda_phb_gen)log->cpu_gen
						    : fallback_gen(log);
	phb->m32 = hb->m32;
	phb->m64 = hb->m64;
	if (!h)
		return 0;
	for (i = 0; i < ARRAY_SIZE(phb_types); i++)
		if (strcmp(h->type, phb_types[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(phb_types))
		return bootlog_fail_at(p, h->line,
				       "%s PHB %s is not modelled "
				       "(only IODA2, NPU_NVLINK, NPU_OCAPI)",
				       h->type, h->path);
	phb->type = phb_types[i].type;
	phb->num_pes = h->num_pes;
	if (!phb->m32.size)
		phb->m32 = h->m32_cpu;
	/* The whole M64 window: the root bus resource lacks the reserved PEs' segments. */
	if (h->m64_cpu.size)
		phb->m64 = h->m64_cpu;
	fw->valid = true;
	fw->reserved_pe = h->reserved_pe;
	fw->m64_bar_first = h->m64_bar_first >= 0 ? (unsigned int)h->m64_bar_first : 0;
	fw->m64_bar_count = h->m64_bar_first >= 0 && h->m64_bar_last >= h->m64_bar_first
				    ? (unsigned int)(h->m64_bar_last - h->m64_bar_first + 1)
				    : 16;
	fw->msi_base = h->msi_base;
	fw->msi_count = h->msi_count;
	fw->diag_data_size = 8192; /* the kernel's default: logs do not print it */
	fw->bus_first = hb->has_busn ? hb->bus_first : 0;
	fw->bus_last = hb->has_busn ? hb->bus_last : 0xff;
	fw->m32_pci_addr = hb->m32_pci ? hb->m32_pci : h->m32_pci;
	fw->m64_pci_addr = h->m64_pci;
	snprintf(fw->path, sizeof(fw->path), "%s", h->path);
	return 0;
}

static bool conventional(const struct hb *hb, unsigned int bus)
{
	return hb->conventional[bus / 8] & (1u << (bus % 8));
}

/* The port type the tree implies (see the rules at the top of bootlog.c). */
static void derive_type(struct parser *p, struct dev *d)
{
	const struct hb *hb = &p->hbs[d->hb];
	struct ioda_topo_node *node = d->node;
	bool bridge = node->hdr_type == 1;
	enum pcie_port_type up;

	if (d->typed)
		return;
	d->typed = true;
	for (const struct fw_type *t = p->fw_types; t < END(p->fw_types, p->nfw_types); t++) {
		if (t->domain == (unsigned int)hb->phb->domain && t->bus == d->bus &&
		    t->devfn == node->devfn && t->vendor == node->vendor &&
		    t->device == node->device) {
			node->pcie_type = t->type;
			return;
		}
	}
	if (!d->parent) {
		node->pcie_type = bridge ? PCIE_TYPE_ROOT_PORT : PCIE_TYPE_ENDPOINT;
		return;
	}
	derive_type(p, d->parent);
	up = d->parent->node->pcie_type;
	if (conventional(hb, d->bus) || up == PCIE_TYPE_PCI_BRIDGE || up == PCIE_TYPE_NONE)
		node->pcie_type = PCIE_TYPE_NONE;
	else if (!bridge)
		node->pcie_type = PCIE_TYPE_ENDPOINT;
	else if (node->secondary >= 0 && conventional(hb, (unsigned int)node->secondary))
		node->pcie_type = PCIE_TYPE_PCI_BRIDGE;
	else
		node->pcie_type = up == PCIE_TYPE_UPSTREAM ? PCIE_TYPE_DOWNSTREAM
							   : PCIE_TYPE_UPSTREAM;
}

static const char *bdf(const struct parser *p, const struct dev *d, char *buf, size_t size)
{
	snprintf(buf, size, "%04x:%02x:%02x.%u", (unsigned int)p->hbs[d->hb].phb->domain, d->bus,
		 PCI_SLOT(d->node->devfn), PCI_FUNC(d->node->devfn));
	return buf;
}

/* Hangs each device below the bridge whose secondary bus it is on, in log order. */
static int build_tree(struct parser *p, unsigned int h)
{
	struct hb *hb = &p->hbs[h];
	struct dev *by_sec[256] = { NULL };
	char a[16], b[16];

	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		int sec = d->node->secondary;

		if (d->hb != h || d->node->hdr_type != 1 || sec < 0)
			continue;
		if (by_sec[sec])
			return bootlog_fail_at(p, d->line,
					       "bridges %s and %s (line %u) both lead to bus %02x",
					       bdf(p, d, a, sizeof(a)),
					       bdf(p, by_sec[sec], b, sizeof(b)),
					       by_sec[sec]->line, (unsigned int)sec);
		by_sec[sec] = d;
		d->tail = &d->node->children;
	}
	hb->tail = &hb->phb->devices;
	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		struct ioda_topo_node ***tail = &hb->tail;

		if (d->hb != h)
			continue;
		if (d->bus != hb->root_bus) {
			d->parent = by_sec[d->bus];
			if (!d->parent)
				return bootlog_fail_at(p, d->line,
						       "device %s is on bus %02x, which no "
						       "\"PCI bridge to\" line leads to",
						       bdf(p, d, a, sizeof(a)), d->bus);
			tail = &d->parent->tail;
		}
		**tail = d->node;
		*tail = &d->node->next;
	}
	return 0;
}

/*
 * Whether a port's slot is hot-plug capable (the kernel's is_hotplug_bridge,
 * which sizing gives a hotplug reserve): pciehp's Slot line says; else an
 * add_size line that nothing below the port explains. Optional sizes come
 * from a hotplug reserve, from IOV BARs (memory only) and from the bridges
 * below, whose own add_size lines the kernel sums; IO adds are 4K multiples,
 * so an IO add over the children's sum is the port's reserve exactly. A
 * memory add over the sum can also be alignment, which only counts when the
 * window holds less than the reserve, where it is the reserve again.
 */
static void derive_hotplug(struct parser *p, struct dev *d)
{
	uint64_t below[3] = { 0 };
	bool iov = false;

	if (d->node->pcie_type != PCIE_TYPE_ROOT_PORT &&
	    d->node->pcie_type != PCIE_TYPE_DOWNSTREAM)
		return;
	if (d->slot) {
		d->node->hotplug = d->slot;
		return;
	}
	for (const struct dev *c = p->devs; c < END(p->devs, p->ndevs); c++) {
		if (c->parent != d)
			continue;
		iov |= c->node->sriov.total_vfs != 0;
		for (int w = 0; w < 3; w++)
			below[w] += c->add_size[w];
	}
	for (int w = 0; w < 3; w++)
		if (d->add_size[w] > below[w] && (w == 0 || !iov))
			d->node->hotplug = PCI_HOTPLUG_YES;
}

/*
 * A release candidate built locally ("6.2.0-rc6-P9") is taken to lack
 * CONFIG_PCI_IOV, Kconfig's default; distribution ("5.3.8-11-default",
 * "6.1.0-50-powerpc64le") and linux-next builds have it.  A log that shows
 * an SR-IOV capability has it in any case.
 */
static bool local_rc(const char *release)
{
	return strstr(release, "-rc") && !strstr(release, "-next-");
}

int bootlog_finish(struct parser *p)
{
	struct ioda_bootlog *log = p->log;
	const char *text = log->pe_text;
	int rc;

	if (!p->nhbs) {
		ioda_error_set(p->err, "%s: no PCI host bridge found (is this a kernel boot log?)",
			       p->file);
		return -EINVAL;
	}
	/*
	 * No PHB header, no POWER CPU, and a line only another architecture
	 * prints: its host bridges are not a PowerNV PHB's, and inventing one
	 * would replay a machine that never was.
	 */
	if (!log->nphbs && log->cpu_gen == IODA_CPU_UNKNOWN && p->foreign_line) {
		ioda_error_set(p->err, "%s:%u: a boot log of an %s machine, not of a PowerNV host "
			       "(no PHB header, no POWER CPU)", p->file, p->foreign_line,
			       p->foreign_arch);
		return -EINVAL;
	}
	pair_headers(p);
	for (unsigned int h = 0; h < p->nhbs; h++) {
		rc = fill_phb(p, &p->hbs[h], h);
		if (!rc)
			rc = build_tree(p, h);
		if (rc)
			return rc;
	}
	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++)
		derive_type(p, d);
	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		derive_hotplug(p, d);
		for (struct dev *e = d + 1; e < END(p->devs, p->ndevs); e++) {
			if (e->hb == d->hb && e->bus == d->bus &&
			    PCI_SLOT(e->node->devfn) == PCI_SLOT(d->node->devfn))
				d->node->multifunction = e->node->multifunction = true;
		}
	}
	p->topo->memory_bytes = log->memory_bytes;
	memcpy(p->topo->model, log->model, sizeof(p->topo->model));
	p->topo->nvlink_wiring = true;
	for (unsigned int i = 0; i < log->npe_lines; i++) {
		log->pe_lines[i].text = text;
		text += log->pe_lines[i].len + 1;
	}
	text = log->res_text;
	for (unsigned int i = 0; i < log->nres_lines; i++) {
		log->res_lines[i].text = text;
		text += log->res_lines[i].len + 1;
	}
	if (log->res_style == IODA_RES_OLD_NAMES && !p->has_vfs && local_rc(log->kernel_version))
		log->res_style |= IODA_RES_NO_IOV;
	return 0;
}
