/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot log devices: the functions the kernel enumerated ("pci D:B:S.F:"
 * lines) and what the log teaches of their resources (BARs, ROMs, VF BARs,
 * bridge windows and bus ranges), plus skiboot's port type for each.  They
 * are collected flat; bootlog_tree.c hangs them into the tree.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bootlog_priv.h"

/* ---- devices ------------------------------------------------------------------- */

static struct dev *find_dev(struct parser *p, unsigned int domain, unsigned int bus,
			    unsigned int devfn)
{
	/* Consecutive lines mostly talk about one device: try the last one first. */
	for (unsigned int k = 0; k <= p->ndevs; k++) {
		unsigned int i = k ? p->ndevs - k : p->last_dev;
		struct dev *d;

		if (i >= p->ndevs)
			continue;
		d = &p->devs[i];
		if (d->bus == bus && d->node->devfn == devfn &&
		    p->hbs[d->hb].phb->domain == (int)domain) {
			p->last_dev = i;
			return d;
		}
	}
	return NULL;
}

/* "DDDD:BB:SS.F" of the current line. */
static const char *here(struct parser *p)
{
	snprintf(p->name, sizeof(p->name), "%04x:%02x:%02x.%u", p->domain, p->bus,
		 PCI_SLOT(p->devfn), PCI_FUNC(p->devfn));
	return p->name;
}

/* The device the current "pci D:B:S.F:" line is about; NULL with @err set if unknown. */
static struct dev *cur_dev(struct parser *p, const char *what)
{
	struct dev *d = find_dev(p, p->domain, p->bus, p->devfn);

	if (!d)
		fail(p, "%s for %s, which the log has not enumerated", what, here(p));
	return d;
}

static const struct {
	const char *name;
	enum pcie_port_type type;
} type_names[] = {
	{ "PCIe Endpoint", PCIE_TYPE_ENDPOINT },
	{ "PCIe Legacy Endpoint", PCIE_TYPE_LEG_END },
	{ "PCIe Root Port", PCIE_TYPE_ROOT_PORT },
	{ "PCIe Switch Upstream Port", PCIE_TYPE_UPSTREAM },
	{ "PCIe Switch Downstream Port", PCIE_TYPE_DOWNSTREAM },
	{ "PCIe to PCI/PCI-X bridge", PCIE_TYPE_PCI_BRIDGE },
	{ "PCI/PCI-X to PCIe bridge", PCIE_TYPE_PCIE_BRIDGE },
	{ "PCIe Root Complex Integrated Endpoint", PCIE_TYPE_RC_END },
	{ "PCIe Root Complex Event Collector", PCIE_TYPE_RC_EC },
	{ "conventional PCI endpoint", PCIE_TYPE_NONE },
	{ "conventional PCI bridge", PCIE_TYPE_NONE },
};

/* "[1014:04c1] type 01 class 0x060400" and, since 6.8, " PCIe Root Port". */
static int on_device(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct hb *hb = bootlog_find_hb(p, p->domain);
	struct ioda_topo_node *node;
	struct dev *d;

	if (!hb)
		return fail(p, "device %s is in domain %04x, which no PCI host bridge line "
			    "introduced", here(p), p->domain);
	d = find_dev(p, p->domain, p->bus, p->devfn);
	if (d)
		return fail(p, "duplicate device %s (first at line %u)", here(p), d->line);
	if (f->n[2] > 1)
		return fail(p, "device %s has header type %02x, which is not modelled", here(p),
			    (unsigned int)f->n[2]);
	if (f->n[3] > 0xffffff)
		return fail(p, "class %#llx of %s is wider than 24 bits",
			    (unsigned long long)f->n[3], here(p));
	if (!bootlog_grow(p, (void **)&p->devs, p->ndevs, &p->devs_cap, sizeof(*p->devs)))
		return bootlog_oom(p);
	node = ioda_zalloc(p->ctx, sizeof(*node));
	if (!node)
		return bootlog_oom(p);
	node->pos = (struct ioda_srcpos){ p->topo->file, p->line, p->col };
	node->devfn = (uint8_t)p->devfn;
	node->hdr_type = (uint8_t)f->n[2];
	node->vendor = (uint16_t)f->n[0];
	node->device = (uint16_t)f->n[1];
	node->class = (uint32_t)f->n[3];
	node->secondary = node->subordinate = -1;
	d = &p->devs[p->ndevs];
	memset(d, 0, sizeof(*d));
	d->node = node;
	d->hb = (unsigned int)(hb - p->hbs);
	d->bus = p->bus;
	d->line = p->line;
	p->last_dev = p->ndevs++;
	for (size_t i = 0; arg && i < ARRAY_SIZE(type_names); i++) {
		if (bootlog_eq(f->s[0].s, f->s[0].len, type_names[i].name)) {
			node->pcie_type = type_names[i].type;
			d->typed = true;
		}
	}
	return 0;
}

static void clear_windows(struct ioda_topo_node *node)
{
	for (unsigned int i = PCI_BRIDGE_IO_WINDOW; i <= PCI_BRIDGE_PREF_WINDOW; i++)
		node->resource[i] = (struct pci_resource){ 0 };
}

/* "PCI bridge to [bus 01-05]": bus numbers, and the start of a window list. */
static int on_bridge_to(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct dev *d = cur_dev(p, "PCI bridge line");
	const struct res *r = &f->r;

	if (!d)
		return -EINVAL;
	if (r->type != RES_BUS)
		return 0;
	if (d->node->hdr_type != 1)
		return fail(p, "PCI bridge line for %s, which is not a bridge (type 00 at line %u)",
			    here(p), d->line);
	if (r->start <= p->bus || r->end > 0xff)
		return fail(p, "bridge %s on bus %02x cannot lead to [bus %02llx-%02llx]", here(p),
			    p->bus, (unsigned long long)r->start, (unsigned long long)r->end);
	d->node->secondary = (int)r->start;
	d->node->subordinate = (int)r->end;
	clear_windows(d->node);
	return 0;
}

enum res_kind { RK_REG, RK_BAR, RK_ROM, RK_VF, RK_WINDOW };
enum res_action { ACT_SCAN, ACT_ASSIGN, ACT_FAIL };

/* The resource slot a line names, or NULL when this device has no such slot. */
static struct pci_resource *res_slot(struct ioda_topo_node *node, enum res_kind kind, uint64_t idx,
				     const struct res *r, bool *vf)
{
	bool bridge = node->hdr_type == 1;

	*vf = false;
	switch (kind) {
	case RK_REG: /* config offsets: BARs at 0x10.., the ROM at 0x30 (0x38 on bridges) */
		if (idx == (bridge ? 0x38u : 0x30u))
			return &node->resource[PCI_ROM_RESOURCE];
		if (idx < 0x10 || idx >= 0x10u + 4 * (bridge ? 2 : PCI_STD_NUM_BARS) || idx % 4)
			return NULL; /* an SR-IOV BAR: the VF(n) line tells it better */
		return &node->resource[(idx - 0x10) / 4];
	case RK_BAR: /* the kernel's resource numbers */
		if (idx <= PCI_ROM_RESOURCE)
			return idx < 2 || !bridge || idx == PCI_ROM_RESOURCE ? &node->resource[idx]
									      : NULL;
		if (!bridge)
			return idx < 7u + PCI_STD_NUM_BARS
				       ? (*vf = true, &node->sriov.vf_bar[idx - 7])
				       : NULL;
		/* Bridge windows are 7..9, or 13..15 when the kernel has SR-IOV. */
		if (idx >= 13 && idx <= 15)
			idx -= 6;
		return idx <= PCI_BRIDGE_PREF_WINDOW ? &node->resource[idx] : NULL;
	case RK_ROM:
		return &node->resource[PCI_ROM_RESOURCE];
	case RK_VF:
		*vf = true;
		return bridge || idx >= PCI_STD_NUM_BARS ? NULL : &node->sriov.vf_bar[idx];
	case RK_WINDOW:
		if (!bridge)
			return NULL;
		if (r->type == RES_IO)
			return &node->resource[PCI_BRIDGE_IO_WINDOW];
		return &node->resource[(r->flags & PCI_RES_PREFETCH) ? PCI_BRIDGE_PREF_WINDOW
								     : PCI_BRIDGE_MEM_WINDOW];
	}
	return NULL;
}

static int apply_res(struct parser *p, enum res_kind kind, uint64_t idx, enum res_action act,
		     const struct res *r)
{
	struct dev *d = cur_dev(p, "resource line");
	struct pci_resource *slot;
	uint64_t size = r->end - r->start + 1;
	bool vf;

	if (!d)
		return -EINVAL;
	if ((r->type != RES_MEM && r->type != RES_IO) || size == 0)
		return 0;
	slot = res_slot(d->node, kind, idx, r, &vf);
	if (!slot)
		return 0;
	if (vf && act != ACT_SCAN) {
		/* An IOV resource holds all VFs: only its start says something per VF. */
		slot->start = act == ACT_ASSIGN ? r->start : 0;
		slot->flags = (slot->flags & ~PCI_RES_ASSIGNED) |
			      (act == ACT_ASSIGN && slot->size ? PCI_RES_ASSIGNED : 0);
		return 0;
	}
	slot->size = size;
	slot->start = act == ACT_FAIL || r->sized ? 0 : r->start;
	if (p->flags & IODA_BOOTLOG_SIZES_ONLY)
		slot->start = 0;
	slot->flags = r->flags;
	if (act == ACT_ASSIGN || (act == ACT_SCAN && slot->start))
		slot->flags |= PCI_RES_ASSIGNED;
	return 0;
}

/* "  bridge window [mem ...]", listed after "PCI bridge to". */
static int on_window(struct parser *p, const struct fields *f, unsigned int arg)
{
	return apply_res(p, RK_WINDOW, 0, ACT_SCAN, &f->r);
}

/* "VF(n) BAR0 space: [mem ...] (contains BAR0 for 8 VFs)" and the 6.x spelling. */
static int on_vf_space(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct dev *d = cur_dev(p, "VF BAR line");
	const struct res *r = &f->r;
	uint64_t idx = f->n[0], nvfs = f->n[2], total = r->end - r->start + 1;
	struct pci_resource *slot;

	if (!d)
		return -EINVAL;
	if (d->node->hdr_type != 0 || idx >= PCI_STD_NUM_BARS || f->n[1] != idx || nvfs == 0 ||
	    nvfs > 0xffff || r->type != RES_MEM || r->sized || total % nvfs)
		return 0;
	slot = &d->node->sriov.vf_bar[idx];
	p->has_vfs = true;
	if (p->flags & IODA_BOOTLOG_SIZES_ONLY)
		*slot = (struct pci_resource){ 0, total / nvfs, r->flags };
	else
		*slot = (struct pci_resource){ r->start, total / nvfs,
					       r->flags | (r->start ? PCI_RES_ASSIGNED : 0) };
	if (!d->node->sriov.total_vfs) {
		d->node->sriov.total_vfs = (uint16_t)nvfs;
		d->node->sriov.vf_offset = 1;
		d->node->sriov.vf_stride = 1;
		d->node->sriov.vf_device = d->node->device;
	}
	return 0;
}

/*
 * The resource lines of every kernel: a name ("reg 0x10", "BAR 0", "ROM",
 * "VF BAR 0", "bridge window"), then either the 5.x order ("BAR 0: assigned
 * [mem ...]", "reg 0x10: [mem ...]") or the 6.x one ("BAR 0 [mem ...]",
 * "BAR 0 [mem ...]: assigned").
 */
static const struct {
	const char *fmt;
	enum res_kind kind;
} res_names[] = {
	{ "reg 0x%h", RK_REG },
	{ "BAR %u", RK_BAR },
	{ "ROM", RK_ROM },
	{ "VF BAR %u", RK_VF },
	{ "bridge window", RK_WINDOW },
};

static const struct {
	const char *verb;
	enum res_action act;
} res_verbs[] = {
	{ "assigned", ACT_ASSIGN },
	{ "no space for", ACT_FAIL },
	{ "failed to assign", ACT_FAIL },
	{ "can't assign", ACT_FAIL },
};

/* The action a verb at @s names, and where it ends; -1 if none. */
static int res_verb(const char *s, const char *end, const char **after)
{
	for (size_t i = 0; i < ARRAY_SIZE(res_verbs); i++) {
		if (bootlog_has_prefix(s, end, res_verbs[i].verb)) {
			*after = s + strlen(res_verbs[i].verb);
			return (int)res_verbs[i].act;
		}
	}
	return -1;
}

static int on_res_line(struct parser *p, const char *s, const char *end)
{
	struct fields f, g;
	const char *q = NULL, *v;
	size_t i;
	int act;

	for (i = 0; i < ARRAY_SIZE(res_names) && !q; i++)
		q = bootlog_scan(s, end, res_names[i].fmt, &f);
	if (!q)
		return 0;
	i--;
	if (bootlog_has_prefix(q, end, ": ")) {
		/* 5.x: "NAME: VERB [res]" or "reg 0x10: [res]" */
		act = res_verb(q + 2, end, &v);
		if (act < 0) {
			if (!bootlog_match(q + 2, end, "%r", &g))
				return 0;
			if (!p->log->res_style)
				p->log->res_style = IODA_RES_OLD_NAMES;
			return apply_res(p, res_names[i].kind, f.nn ? f.n[0] : 0, ACT_SCAN, &g.r);
		}
		if (!bootlog_match(v, end, " %r", &g) &&
		    !(act == ACT_FAIL && bootlog_scan(v, end, " %r", &g)))
			return 0;
	} else {
		/* 6.x: "NAME [res]" or "NAME [res]: VERB..." */
		v = bootlog_scan(q, end, " %r", &g);
		if (!v)
			return 0;
		if (v == end && res_names[i].kind == RK_BAR && !p->log->res_style)
			p->log->res_style = IODA_RES_NEW_NAMES;
		if (v == end)
			act = ACT_SCAN;
		else if (!bootlog_has_prefix(v, end, ": ") ||
			 (act = res_verb(v + 2, end, &q)) < 0 || (act == ACT_ASSIGN && q != end))
			return 0;
	}
	return apply_res(p, res_names[i].kind, f.nn ? f.n[0] : 0, (enum res_action)act, &g.r);
}

/*
 * The names an assignment line uses tell the kernel's resource line form
 * as well as a scan line does: "BAR 14: assigned" is the old one,
 * "bridge window [...]: assigned", "BAR 0 [...]: assigned", "ROM [...]"
 * the 6.8 one (which Debian's 6.1 has too). Read for the form only: a log
 * whose devices have no BAR to scan (bridges alone) still tells it.
 */
void bootlog_learn_res_form(struct parser *p, const char *res, const char *end)
{
	struct fields f;
	const char *q = bootlog_scan(res, end, "pci %4h:%2h:%2h.%1u: ", &f);

	if (p->log->res_style || !q)
		return;
	if (bootlog_has_prefix(q, end, "bridge window [") || bootlog_has_prefix(q, end, "ROM [") ||
	    bootlog_has_prefix(q, end, "VF BAR ") ||
	    (bootlog_scan(q, end, "BAR %u [", &f)))
		p->log->res_style = IODA_RES_NEW_NAMES;
	else if (bootlog_scan(q, end, "BAR %u: ", &f))
		p->log->res_style = IODA_RES_OLD_NAMES;
}

/*
 * "bridge window [io  0x1000-0x0fff] to [bus 03-07] add_size 1000": the
 * optional size sizing put on realloc_head. Read for one thing only, which
 * bridge has a hotplug reserve (bootlog_tree.c), never as a size to use.
 */
static int on_add_size(struct parser *p, const struct fields *f, unsigned int arg)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len;
	const char *close = memchr(s, ']', (size_t)(end - s)), *at;
	struct dev *d = find_dev(p, p->domain, p->bus, p->devfn);
	uint64_t add;
	int w;

	/* An empty window prints as [mem 0x100000-0xfffff]: no %r, it is end < start. */
	at = close ? memmem(close, (size_t)(end - close), "] add_size ", 11) : NULL;
	if (!d || !at || !bootlog_scan_num(at + 11, end, 16, 0, &add))
		return 0;
	if (bootlog_has_prefix(s, close, "io "))
		w = 0;
	else if (bootlog_has_prefix(s, close, "mem "))
		w = memmem(s, (size_t)(close - s), " pref", 5) ? 2 : 1;
	else
		return 0;
	d->add_size[w] = add;
	return 0;
}

static const struct matcher pci_lines[] = {
	{ "[%4h:%4h] type %2h class %x", on_device, 0 },
	{ "[%4h:%4h] type %2h class %x %*", on_device, 1 },
	{ "PCI bridge to %r", on_bridge_to, 0 },
	{ "  bridge window %r", on_window, 0 },
	{ "bridge window [%*", on_add_size, 0 },
	{ "VF(n) BAR%u space: %r (contains BAR%u for %u VFs)", on_vf_space, 0 },
	{ "VF BAR %u %r: contains BAR %u for %u VFs", on_vf_space, 0 },
};

/* "pci DDDD:BB:SS.F: ..." */
int bootlog_on_pci(struct parser *p, const struct fields *f, unsigned int arg)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len;
	struct fields g;

	if (f->n[3] > 7)
		return 0;
	p->domain = (unsigned int)f->n[0];
	p->bus = (unsigned int)f->n[1];
	p->devfn = PCI_DEVFN(f->n[2], f->n[3]);
	for (size_t i = 0; i < ARRAY_SIZE(pci_lines); i++)
		if (bootlog_match(s, end, pci_lines[i].fmt, &g))
			return pci_lines[i].fn(p, &g, pci_lines[i].arg);
	return on_res_line(p, s, end);
}

int bootlog_on_pciehp(struct parser *p, const struct fields *f, unsigned int arg)
{
	const struct span *rest = &f->s[0];
	struct dev *d;

	if (f->n[3] > 7)
		return 0;
	d = find_dev(p, (unsigned int)f->n[0], (unsigned int)f->n[1],
		     PCI_DEVFN(f->n[2], f->n[3]));
	if (d && memmem(rest->s, rest->len, "HotPlug+", 8))
		d->slot = PCI_HOTPLUG_YES;
	else if (d && memmem(rest->s, rest->len, "HotPlug-", 8))
		d->slot = PCI_HOTPLUG_NO;
	return 0;
}

/*
 * skiboot's "[   10.472373872,5] PHB#0001:01:00.0 [PCIB] 1b36 0001 R:00 ..."
 * names each function's port type, which the kernel's lines do not: a
 * conventional PCI-PCI bridge [PCIB] and a PCIe-to-PCI bridge [ETOX] both
 * have a conventional bus below.
 */
static const struct {
	const char *tag;
	enum pcie_port_type type;
} fw_tags[] = {
	{ "EP  ", PCIE_TYPE_ENDPOINT }, { "LGCY", PCIE_TYPE_LEG_END },
	{ "ROOT", PCIE_TYPE_ROOT_PORT }, { "SWUP", PCIE_TYPE_UPSTREAM },
	{ "SWDN", PCIE_TYPE_DOWNSTREAM }, { "ETOX", PCIE_TYPE_PCI_BRIDGE },
	{ "XTOE", PCIE_TYPE_PCIE_BRIDGE }, { "RINT", PCIE_TYPE_RC_END },
	{ "EVTC", PCIE_TYPE_RC_EC }, { "PCIB", PCIE_TYPE_NONE }, { "PCID", PCIE_TYPE_NONE },
};

int bootlog_on_fw_summary(struct parser *p, const char *s, const char *end)
{
	struct fields f;
	struct fw_type *t;

	if (!bootlog_match(s, end, "PHB#%4h:%2h:%2h.%1u [%s] %4h %4h %*", &f) || f.n[3] > 7)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(fw_tags); i++) {
		if (!bootlog_eq(f.s[0].s, f.s[0].len, fw_tags[i].tag))
			continue;
		if (!bootlog_grow(p, (void **)&p->fw_types, p->nfw_types, &p->fw_types_cap,
				  sizeof(*p->fw_types)))
			return bootlog_oom(p);
		t = &p->fw_types[p->nfw_types++];
		*t = (struct fw_type){ (unsigned int)f.n[0], (unsigned int)f.n[1],
				       PCI_DEVFN(f.n[2], f.n[3]), (uint16_t)f.n[4],
				       (uint16_t)f.n[5], fw_tags[i].type };
		break;
	}
	return 0;
}
