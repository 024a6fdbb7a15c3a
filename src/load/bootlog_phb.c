/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot log PHBs: the "Initializing ... PHB" headers and the lines under
 * them (what skiboot set up), and the host bridges with their root bus
 * resources (what the kernel made of it).  bootlog_tree.c pairs the two.
 */
#include <string.h>

#include "bootlog_priv.h"

/* ---- PHB headers ------------------------------------------------------------- */

int bootlog_on_phb_header(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct ioda_bootlog *log = p->log;
	struct ioda_bootlog_phb *h;

	if (!bootlog_grow(p, (void **)&log->phbs, log->nphbs, &p->phbs_cap, sizeof(*log->phbs)))
		return bootlog_oom(p);
	h = &log->phbs[log->nphbs];
	memset(h, 0, sizeof(*h));
	h->line = p->line;
	h->domain = -1;
	h->m64_bar_first = h->m64_bar_last = h->m64_default_bar = -1;
	bootlog_span_copy(h->type, sizeof(h->type), &f->s[0]);
	bootlog_span_copy(h->path, sizeof(h->path), &f->s[1]);
	p->cur_hdr = (int)log->nphbs++;
	return 0;
}

/* The lines after "Initializing ... PHB": each fills in the latest header. */
int bootlog_on_phb_line(struct parser *p, const struct fields *f, unsigned int what)
{
	struct ioda_bootlog_phb *h;
	const uint64_t *n = f->n;

	if (p->cur_hdr < 0)
		return 0;
	h = &p->log->phbs[p->cur_hdr];
	switch ((enum hdr_field)what) {
	case HDR_M32_RANGE:
	case HDR_M64_RANGE: {
		struct pci_resource *r = what == HDR_M32_RANGE ? &h->m32_cpu : &h->m64_cpu;

		if (n[1] < n[0] || n[1] - n[0] == UINT64_MAX)
			return 0;
		/* The first MEM line is M32: skiboot lists it before M64. */
		if (what == HDR_M32_RANGE && (h->m32_cpu.flags & PCI_RES_ASSIGNED))
			return 0;
		*r = (struct pci_resource){ n[0], n[1] - n[0] + 1, PCI_RES_MEM | PCI_RES_ASSIGNED };
		if (what == HDR_M32_RANGE) {
			h->m32_pci = n[2];
		} else {
			r->flags |= PCI_RES_MEM64 | PCI_RES_PREFETCH;
			h->m64_pci = n[2];
			h->m64_bar_first = (int)(n[3] & 0xff);
			h->m64_bar_last = (int)(n[4] & 0xff);
		}
		break;
	}
	case HDR_DEFAULT_BAR:
		h->m64_default_bar = (int)(n[0] & 0xff);
		break;
	case HDR_PES:
		h->num_pes = (unsigned int)(n[0] & 0xfffff);
		h->reserved_pe = (unsigned int)(n[1] & 0xfffff);
		h->m32_size = n[2];
		h->m32_segsize = n[3];
		break;
	case HDR_M64:
		h->m64_size = n[0];
		h->m64_segsize = n[1];
		break;
	case HDR_IO:
		h->io_size = n[0];
		h->io_segsize = n[1];
		break;
	case HDR_MSI:
		h->msi_count = (unsigned int)(n[0] & 0xffffff);
		h->msi_base = (unsigned int)(n[1] & 0xffffffff);
		break;
	}
	return 0;
}

/* ---- host bridges and root buses ---------------------------------------------- */

struct hb *bootlog_find_hb(struct parser *p, unsigned int domain)
{
	for (unsigned int i = 0; i < p->nhbs; i++)
		if (p->hbs[i].phb->domain == (int)domain)
			return &p->hbs[i];
	return NULL;
}

int bootlog_on_host_bridge(struct parser *p, const struct fields *f, unsigned int arg)
{
	unsigned int domain = (unsigned int)f->n[0];
	struct hb *hb = bootlog_find_hb(p, domain);
	struct ioda_topo_phb *phb;

	if (hb)
		return fail(p, "duplicate PCI host bridge for domain %04x (first at line %u)",
			    domain, hb->line);
	if (!bootlog_grow(p, (void **)&p->hbs, p->nhbs, &p->hbs_cap, sizeof(*p->hbs)))
		return bootlog_oom(p);
	phb = ioda_zalloc(p->ctx, sizeof(*phb));
	if (!phb)
		return bootlog_oom(p);
	phb->pos = (struct ioda_srcpos){ p->topo->file, p->line, p->col };
	phb->domain = (int)domain;
	phb->opal_id = domain; /* PowerNV numbers the domain after the OPAL PHB id */
	*p->phb_tail = phb;
	p->phb_tail = &phb->next;
	hb = &p->hbs[p->nhbs++];
	memset(hb, 0, sizeof(*hb));
	hb->phb = phb;
	hb->line = p->line;
	hb->root_bus = (unsigned int)f->n[1];
	hb->hdr = -1;
	return 0;
}

enum { ROOT_RES, ROOT_RES_BUS_ADDR, ROOT_NO_EXTCFG };

/* "pci_bus DDDD:BB: ..." */
static int on_root_res(struct parser *p, const struct fields *f, unsigned int what)
{
	struct hb *hb = bootlog_find_hb(p, p->domain);
	const struct res *r = &f->r;

	if (!hb)
		return 0;
	if (what == ROOT_NO_EXTCFG) {
		hb->conventional[p->bus / 8] |= (uint8_t)(1u << (p->bus % 8));
		return 0;
	}
	if (r->type == RES_BUS && !hb->has_busn) {
		hb->has_busn = true;
		hb->bus_first = (unsigned int)(r->start & 0xff);
		hb->bus_last = (unsigned int)(r->end & 0xff);
	} else if (r->type == RES_MEM && !r->sized) {
		bool m64 = r->flags & PCI_RES_PREFETCH;
		struct pci_resource *w = m64 ? &hb->m64 : &hb->m32;

		if (w->flags)
			return 0;
		*w = (struct pci_resource){ r->start, r->end - r->start + 1,
					    r->flags | PCI_RES_ASSIGNED };
		if (what == ROOT_RES_BUS_ADDR && !m64)
			hb->m32_pci = f->n[0];
	}
	return 0;
}

static const struct matcher pci_bus_lines[] = {
	{ "root bus resource %r (bus address [%x-%x])", on_root_res, ROOT_RES_BUS_ADDR },
	{ "root bus resource %r", on_root_res, ROOT_RES },
	{ "extended config space not accessible", on_root_res, ROOT_NO_EXTCFG },
};

/* "pci_bus DDDD:BB: ..." */
int bootlog_on_pci_bus(struct parser *p, const struct fields *f, unsigned int arg)
{
	p->domain = (unsigned int)f->n[0];
	p->bus = (unsigned int)f->n[1];
	return bootlog_dispatch(p, pci_bus_lines, ARRAY_SIZE(pci_bus_lines), f->s[0].s,
				f->s[0].s + f->s[0].len);
}
