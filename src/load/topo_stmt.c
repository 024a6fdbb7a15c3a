/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statements of topology text: one table says what each takes and
 * where it may go, and a parser each turns its line into a PHB, a PCI
 * function, a BAR, a bridge window or SR-IOV, checked against what the
 * open block already holds.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <ioda/ctx.h>

#include "topo_priv.h"

#define SZ_2K 0x800ull
#define SZ_2G 0x80000000ull

/* ---- statements and their attributes ------------------------------------ */

#define IN(kind) (1u << (kind))
/* ".attrs = ATTRS(table)" sets .nattrs too. */
#define ATTRS(table) table, .nattrs = sizeof(table) / sizeof((table)[0])

enum { MACHINE_MEMORY, MACHINE_MODEL, MACHINE_NR };
static const struct attr_spec machine_attrs[] = {
	[MACHINE_MEMORY] = {.name = "memory", .kind = ATTR_SIZE, .max = IODA_MAX_MEMORY},
	[MACHINE_MODEL] = {.name = "model", .kind = ATTR_STRING},
};

enum { PHB_GEN, PHB_CHIP, PHB_INDEX, PHB_PES, PHB_ID, PHB_M32, PHB_M64, PHB_NR };
static const struct attr_spec phb_attrs[] = {
	[PHB_GEN] = {.name = "gen", .kind = ATTR_ENUM, .required = true, .names = topo_gen_names},
	[PHB_CHIP] = {.name = "chip", .kind = ATTR_NUM, .max = 255},
	[PHB_INDEX] = {.name = "index", .kind = ATTR_NUM, .max = 255},
	[PHB_PES] = {.name = "pes", .kind = ATTR_NUM, .min = 1, .max = 65536},
	[PHB_ID] = {.name = "id", .kind = ATTR_NUM, .max = UINT64_MAX},
	[PHB_M32] = {.name = "m32", .kind = ATTR_WINDOW},
	[PHB_M64] = {.name = "m64", .kind = ATTR_WINDOW},
};

/* Bridges and devices share the layout; only bridges have bus=. */
enum { FN_CLASS, FN_TYPE, FN_LABEL, FN_MF, FN_BUS, FN_HOTPLUG, FN_SLOT, FN_SURPRISE, FN_POWER_CTL,
       FN_NR };
static const struct attr_spec bridge_attrs[] = {
	[FN_CLASS] = {.name = "class", .kind = ATTR_NUM, .hex = true, .max = 0xffffff},
	[FN_TYPE] = {.name = "type", .kind = ATTR_ENUM, .names = topo_bridge_types},
	[FN_LABEL] = {.name = "label", .kind = ATTR_LABEL},
	[FN_MF] = {.name = "mf", .kind = ATTR_FLAG},
	[FN_BUS] = {.name = "bus", .kind = ATTR_BUSES},
	[FN_HOTPLUG] = {.name = "hotplug", .kind = ATTR_ENUM, .names = topo_hotplug_names},
	[FN_SLOT] = {.name = "slot", .kind = ATTR_LABEL},
	[FN_SURPRISE] = {.name = "surprise", .kind = ATTR_ENUM, .names = topo_hotplug_names},
	[FN_POWER_CTL] = {.name = "power-ctl", .kind = ATTR_ENUM, .names = topo_hotplug_names},
};
static const struct attr_spec device_attrs[] = {
	[FN_CLASS] =
		{.name = "class", .kind = ATTR_NUM, .required = true, .hex = true, .max = 0xffffff},
	[FN_TYPE] = {.name = "type", .kind = ATTR_ENUM, .names = topo_device_types},
	[FN_LABEL] = {.name = "label", .kind = ATTR_LABEL},
	[FN_MF] = {.name = "mf", .kind = ATTR_FLAG},
};

/* vf-bar takes the flags only: the table without its last entry. */
enum { BAR_MEM32, BAR_MEM64, BAR_IO, BAR_PREF, BAR_AT, BAR_NR };
static const struct attr_spec bar_attrs[] = {
	[BAR_MEM32] = {.name = "mem32", .kind = ATTR_FLAG},
	[BAR_MEM64] = {.name = "mem64", .kind = ATTR_FLAG},
	[BAR_IO] = {.name = "io", .kind = ATTR_FLAG},
	[BAR_PREF] = {.name = "pref", .kind = ATTR_FLAG},
	[BAR_AT] = {.name = "@", .kind = ATTR_ADDR},
};

enum { SRIOV_VFS, SRIOV_OFFSET, SRIOV_STRIDE, SRIOV_VF_DEVICE, SRIOV_NR };
static const struct attr_spec sriov_attrs[] = {
	[SRIOV_VFS] = {.name = "vfs", .kind = ATTR_NUM, .required = true, .min = 1, .max = 65535},
	[SRIOV_OFFSET] = {.name = "offset", .kind = ATTR_NUM, .min = 1, .max = 65535},
	[SRIOV_STRIDE] = {.name = "stride", .kind = ATTR_NUM, .min = 1, .max = 65535},
	[SRIOV_VF_DEVICE] = {.name = "vf-device", .kind = ATTR_HEX16},
};

static struct ioda_srcpos srcpos(const struct parser *p, const struct tok *t)
{
	return (struct ioda_srcpos){p->topo->file, p->line, t->col};
}

/* ---- statement parsers ---------------------------------------------------- */

static int parse_machine(struct parser *p, const struct stmt *st, const struct tok *t,
			 unsigned int n, bool opens)
{
	struct attr_val v[MACHINE_NR] = {0};
	int rc;

	if (p->machine_pos.line)
		return fail(p, &t[0], "duplicate machine (first at %u:%u)", p->machine_pos.line,
			    p->machine_pos.col);
	rc = topo_parse_attrs(p, st, t, 1, n, v);
	if (rc)
		return rc;
	p->machine_pos = topo_tok_pos(p, &t[0]);
	p->topo->memory_bytes = v[MACHINE_MEMORY].num;
	memcpy(p->topo->model, v[MACHINE_MODEL].str, sizeof(p->topo->model));
	return 0;
}

static int parse_phb(struct parser *p, const struct stmt *st, const struct tok *t, unsigned int n,
		     bool opens)
{
	struct attr_val v[PHB_NR] = {0};
	struct ioda_topo_phb *phb, *q;
	unsigned int chip, index = 0;
	uint64_t domain;
	struct block *b;
	int rc;

	if (!topo_scan_hex(&t[1], 4, &domain))
		return fail(p, &t[1], "bad domain '%.*s' (expected 1 to 4 hex digits)", TOK(&t[1]));
	for (q = p->topo->phbs; q; q = q->next)
		if (q->domain == (int)domain)
			return fail(p, &t[1], "duplicate phb %04x (first at %u:%u)", q->domain,
				    q->pos.line, q->pos.col);
	rc = topo_parse_attrs(p, st, t, 2, n, v);
	if (rc)
		return rc;
	chip = (unsigned int)v[PHB_CHIP].num;
	for (q = p->topo->phbs; q; q = q->next)
		index += q->chip == chip;
	if (v[PHB_INDEX].given)
		index = (unsigned int)v[PHB_INDEX].num;
	for (q = p->topo->phbs; q; q = q->next)
		if (q->chip == chip && q->index == index)
			return topo_fail_at(p, p->line,
					    v[PHB_INDEX].given ? v[PHB_INDEX].vcol : t[0].col,
					    "duplicate phb index %u on chip %u (first at %u:%u)",
					    index, chip, q->pos.line, q->pos.col);

	phb = ioda_zalloc(p->ctx, sizeof(*phb));
	if (!phb)
		return topo_oom(p);
	phb->pos = srcpos(p, &t[0]);
	phb->domain = (int)domain;
	phb->gen = (enum ioda_phb_gen)v[PHB_GEN].num;
	phb->chip = chip;
	phb->index = index;
	phb->num_pes = (unsigned int)v[PHB_PES].num;
	phb->opal_id = v[PHB_ID].given ? v[PHB_ID].num : domain;
	if (v[PHB_M32].given)
		phb->m32 = (struct pci_resource){v[PHB_M32].num, v[PHB_M32].num2,
						 PCI_RES_MEM | PCI_RES_ASSIGNED};
	if (v[PHB_M64].given)
		phb->m64 = (struct pci_resource){v[PHB_M64].num, v[PHB_M64].num2,
						 PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH |
							 PCI_RES_ASSIGNED};
	*p->phb_tail = phb;
	p->phb_tail = &phb->next;

	b = topo_push_block(p, BLK_PHB, &t[0]);
	b->head = b->tail = &phb->devices;
	return 0;
}

static const struct ioda_topo_node *find_label(const struct ioda_topo_node *n, const char *label)
{
	for (; n; n = n->next) {
		const struct ioda_topo_node *found;

		if (strcmp(n->label, label) == 0)
			return n;
		found = find_label(n->children, label);
		if (found)
			return found;
	}
	return NULL;
}

static int parse_devfn(struct parser *p, const struct tok *t, uint8_t *devfn)
{
	struct tok slot, fn;
	uint64_t s, f;

	if (!topo_tok_split(t, '.', &slot, &fn) || !topo_scan_hex(&slot, 2, &s) || s > 0x1f ||
	    fn.len != 1 || fn.s[0] < '0' || fn.s[0] > '7')
		return fail(p, t, "bad devfn '%.*s' (expected SLOT.FN, slot 00..1f, fn 0..7)",
			    TOK(t));
	f = (uint64_t)(fn.s[0] - '0');
	*devfn = PCI_DEVFN(s, f);
	return 0;
}

static int parse_id(struct parser *p, const struct tok *t, uint16_t *vendor, uint16_t *device)
{
	struct tok vt, dt;
	uint64_t v, d;

	if (!topo_tok_split(t, ':', &vt, &dt) || vt.len != 4 || dt.len != 4 ||
	    !topo_scan_hex(&vt, 4, &v) || !topo_scan_hex(&dt, 4, &d))
		return fail(p, t, "bad id '%.*s' (expected vvvv:dddd, hex)", TOK(t));
	*vendor = (uint16_t)v;
	*device = (uint16_t)d;
	return 0;
}

/* Below a conventional PCI bridge everything is conventional PCI. */
static enum pcie_port_type default_type(const struct block *parent, bool bridge)
{
	enum pcie_port_type up;

	if (parent->kind == BLK_PHB || (parent->kind == BLK_BUS && parent->root_bus))
		return bridge ? PCIE_TYPE_ROOT_PORT : PCIE_TYPE_ENDPOINT;
	/* A card in a slot: the slot's port is a root or downstream port. */
	if (parent->kind == BLK_BUS)
		return bridge ? PCIE_TYPE_UPSTREAM : PCIE_TYPE_ENDPOINT;
	up = parent->node->pcie_type;
	if (up == PCIE_TYPE_PCI_BRIDGE || up == PCIE_TYPE_NONE)
		return PCIE_TYPE_NONE;
	if (!bridge)
		return PCIE_TYPE_ENDPOINT;
	return up == PCIE_TYPE_UPSTREAM ? PCIE_TYPE_DOWNSTREAM : PCIE_TYPE_UPSTREAM;
}

/* bridge and device: one PCI function on the bus of the open block. */
static int parse_function(struct parser *p, const struct stmt *st, const struct tok *t,
			  unsigned int n, bool opens)
{
	bool bridge = strcmp(st->name, "bridge") == 0;
	struct block *parent = topo_cur_block(p), *b;
	struct ioda_topo_node *node;
	struct attr_val v[FN_NR] = {0};
	enum pcie_port_type type;
	uint16_t vendor = 0, device = 0;
	uint8_t devfn = 0;
	int rc;

	rc = parse_devfn(p, &t[1], &devfn);
	if (rc)
		return rc;
	for (node = *parent->head; node; node = node->next)
		if (node->devfn == devfn)
			return fail(
				p, &t[1], "duplicate device %02x.%x on this bus (first at %u:%u)",
				PCI_SLOT(devfn), PCI_FUNC(devfn), node->pos.line, node->pos.col);
	rc = parse_id(p, &t[2], &vendor, &device);
	if (!rc)
		rc = topo_parse_attrs(p, st, t, 3, n, v);
	if (rc)
		return rc;
	if (v[FN_LABEL].given) {
		for (struct ioda_topo_phb *phb = p->topo->phbs; phb; phb = phb->next) {
			const struct ioda_topo_node *other =
				find_label(phb->devices, v[FN_LABEL].str);

			if (other)
				return topo_fail_at(p, p->line, v[FN_LABEL].vcol,
						    "duplicate label '%s' (first at %u:%u)",
						    v[FN_LABEL].str, other->pos.line,
						    other->pos.col);
		}
	}

	type = v[FN_TYPE].given ? (enum pcie_port_type)(int64_t)v[FN_TYPE].num
				: default_type(parent, bridge);
	/* Only a root or downstream port implements a PCIe slot. */
	if (v[FN_HOTPLUG].given && type != PCIE_TYPE_ROOT_PORT && type != PCIE_TYPE_DOWNSTREAM)
		return topo_fail_at(p, p->line, v[FN_HOTPLUG].vcol,
				    "hotplug= is a root or downstream port's slot");

	if (!v[FN_SLOT].given && (v[FN_SURPRISE].given || v[FN_POWER_CTL].given))
		return topo_fail_at(p, p->line, v[v[FN_SURPRISE].given ? FN_SURPRISE : FN_POWER_CTL].vcol,
				    "surprise= and power-ctl= describe a slot: give slot=NAME");

	node = ioda_zalloc(p->ctx, sizeof(*node));
	if (!node)
		return topo_oom(p);
	node->pos = srcpos(p, &t[0]);
	node->devfn = devfn;
	node->hdr_type = bridge;
	node->multifunction = v[FN_MF].given;
	node->vendor = vendor;
	node->device = device;
	node->class = (uint32_t)(v[FN_CLASS].given ? v[FN_CLASS].num : 0x060400);
	node->pcie_type = type;
	node->hotplug = (enum pci_hotplug)v[FN_HOTPLUG].num;
	node->secondary = v[FN_BUS].given ? (int)v[FN_BUS].num : -1;
	node->subordinate = v[FN_BUS].has_num2 ? (int)v[FN_BUS].num2 : -1;
	memcpy(node->label, v[FN_LABEL].str, sizeof(node->label));
	if (v[FN_SLOT].given) {
		/* As skiboot's slot properties: pluggable, reset by firmware, labelled. */
		memcpy(node->slot.label, v[FN_SLOT].str, sizeof(node->slot.label));
		node->slot.pluggable = node->slot.reset_by_fw = true;
		node->slot.surprise = v[FN_SURPRISE].num == PCI_HOTPLUG_YES;
		node->slot.power_ctl = v[FN_POWER_CTL].num != PCI_HOTPLUG_NO;
	}
	*parent->tail = node;
	parent->tail = &node->next;

	if (opens) {
		b = topo_push_block(p, bridge ? BLK_BRIDGE : BLK_DEVICE, &t[0]);
		b->node = node;
		if (bridge)
			b->head = b->tail = &node->children;
	}
	return 0;
}

/* The flags shared by bar and vf-bar, checked for conflicts. */
static int bar_flags(struct parser *p, const struct attr_val *v, unsigned int *flags)
{
	static const unsigned char conflicts[][2] = {
		{BAR_MEM32, BAR_MEM64},
		{BAR_IO, BAR_MEM32},
		{BAR_IO, BAR_MEM64},
		{BAR_IO, BAR_PREF},
	};

	for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
		const struct attr_val *a = &v[conflicts[i][0]], *b = &v[conflicts[i][1]];

		if (a->given && b->given) {
			bool a_later = a->col > b->col;

			return topo_fail_at(p, p->line, a_later ? a->col : b->col,
					    "'%s' cannot be combined with '%s'",
					    bar_attrs[conflicts[i][!a_later]].name,
					    bar_attrs[conflicts[i][a_later]].name);
		}
	}
	if (v[BAR_IO].given)
		*flags = PCI_RES_IO;
	else
		*flags = PCI_RES_MEM | (v[BAR_MEM64].given ? PCI_RES_MEM64 : 0) |
			 (v[BAR_PREF].given ? PCI_RES_PREFETCH : 0);
	return 0;
}

static int check_bar_size(struct parser *p, const struct tok *t, uint64_t size, unsigned int flags,
			  bool rom)
{
	if (size == 0 || (size & (size - 1)))
		return fail(p, t, "size '%.*s' is not a power of two", TOK(t));
	if (rom && size < SZ_2K)
		return fail(p, t, "size '%.*s' is too small (a rom is at least 2K)", TOK(t));
	if ((flags & PCI_RES_IO) && size < 4)
		return fail(p, t, "size '%.*s' is too small (an io bar is at least 4)", TOK(t));
	if ((flags & PCI_RES_MEM) && size < 16)
		return fail(p, t, "size '%.*s' is too small (a memory bar is at least 16)", TOK(t));
	if (!(flags & PCI_RES_MEM64) && size > SZ_2G)
		return fail(p, t, "size '%.*s' is too large for a 32-bit bar (max 2G)", TOK(t));
	return 0;
}

/*
 * BAR @idx of @nbars must be free, and not the upper half of a 64-bit BAR
 * below it; a 64-bit BAR also takes @idx + 1.
 */
static int check_bar_slot(struct parser *p, const struct tok *t, const char *what,
			  const struct pci_resource *res, const struct pos *given,
			  unsigned int nbars, unsigned int idx, bool is64)
{
	if (res[idx].size)
		return fail(p, t, "duplicate %s %u (first at %u:%u)", what, idx, given[idx].line,
			    given[idx].col);
	if (idx > 0 && (res[idx - 1].flags & PCI_RES_MEM64))
		return fail(p, t, "%s %u is the upper half of 64-bit %s %u", what, idx, what,
			    idx - 1);
	if (is64 && idx + 1 == nbars)
		return fail(p, t, "64-bit %s %u has no room for its upper half", what, idx);
	if (is64 && res[idx + 1].size)
		return fail(p, t, "64-bit %s %u overlaps %s %u (at %u:%u)", what, idx, what,
			    idx + 1, given[idx + 1].line, given[idx + 1].col);
	return 0;
}

/* bar and vf-bar. */
static int parse_bar(struct parser *p, const struct stmt *st, const struct tok *t, unsigned int n,
		     bool opens)
{
	struct block *b = topo_cur_block(p);
	bool vf = strcmp(st->name, "vf-bar") == 0;
	bool rom = !vf && topo_tok_is(&t[1], "rom");
	unsigned int nbars = b->kind == BLK_BRIDGE ? 2 : PCI_STD_NUM_BARS;
	struct pci_resource *res = vf ? b->node->sriov.vf_bar : b->node->resource;
	struct pos *given = vf ? b->vf_bar_pos : b->res_pos;
	struct attr_val v[BAR_NR] = {0};
	unsigned int flags = 0, idx = PCI_ROM_RESOURCE;
	uint64_t num, size;
	int rc;

	if (vf && !b->sriov_pos.line)
		return fail(p, &t[0], "vf-bar needs an sriov line before it");
	if (!rom) {
		if (topo_scan_u64(t[1].s, t[1].len, &num) || num >= nbars)
			return fail(p, &t[1], "bad %s index '%.*s' (expected 0..%u%s)", st->name,
				    TOK(&t[1]), nbars - 1, vf ? "" : " or rom");
		idx = (unsigned int)num;
	}
	rc = topo_parse_size(p, &t[2], &size);
	if (!rc)
		rc = topo_parse_attrs(p, st, t, 3, n, v);
	if (!rc)
		rc = bar_flags(p, v, &flags);
	if (rc)
		return rc;
	if (rom) {
		for (unsigned int k = BAR_MEM32; k <= BAR_PREF; k++)
			if (v[k].given)
				return topo_fail_at(p, p->line, v[k].col, "a rom takes no flags");
		if (res[idx].size)
			return fail(p, &t[1], "duplicate rom (first at %u:%u)", given[idx].line,
				    given[idx].col);
	} else {
		rc = check_bar_slot(p, &t[1], st->name, res, given, nbars, idx,
				    flags & PCI_RES_MEM64);
		if (rc)
			return rc;
	}
	rc = check_bar_size(p, &t[2], size, flags, rom);
	if (rc)
		return rc;
	if (v[BAR_AT].given && (v[BAR_AT].num & (size - 1)))
		return topo_fail_at(p, p->line, v[BAR_AT].vcol,
				    "address %#" PRIx64 " is not aligned to the size %#" PRIx64,
				    v[BAR_AT].num, size);

	res[idx].size = size;
	res[idx].flags = flags;
	if (v[BAR_AT].given) {
		res[idx].start = v[BAR_AT].num;
		res[idx].flags |= PCI_RES_ASSIGNED;
	}
	given[idx] = topo_tok_pos(p, &t[0]);
	return 0;
}

static int parse_bridge_window(struct parser *p, const struct stmt *st, const struct tok *t,
			       unsigned int n, bool opens)
{
	static const unsigned int flags[] = {
		[PCI_BRIDGE_IO_WINDOW] = PCI_RES_IO,
		[PCI_BRIDGE_MEM_WINDOW] = PCI_RES_MEM,
		[PCI_BRIDGE_PREF_WINDOW] = PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH,
	};
	struct block *b = topo_cur_block(p);
	struct pci_resource *res;
	struct tok first, last;
	uint64_t start, end;
	int rc, idx;

	rc = topo_parse_enum(p, &t[1], "window kind", topo_window_kinds, &idx);
	if (rc)
		return rc;
	res = &b->node->resource[idx];
	if (res->size)
		return fail(p, &t[1], "duplicate window %.*s (first at %u:%u)", TOK(&t[1]),
			    b->res_pos[idx].line, b->res_pos[idx].col);
	if (!topo_tok_split(&t[2], '-', &first, &last))
		return fail(p, &t[2], "bad window range '%.*s' (expected START-END)", TOK(&t[2]));
	rc = topo_parse_number(p, &first, &start);
	if (!rc)
		rc = topo_parse_number(p, &last, &end);
	if (!rc)
		rc = topo_parse_attrs(p, st, t, 3, n, NULL);
	if (rc)
		return rc;
	if (end < start)
		return fail(p, &t[2], "window range '%.*s' ends before it starts", TOK(&t[2]));
	if (end - start == UINT64_MAX)
		return fail(p, &t[2], "window range '%.*s' covers the whole address space",
			    TOK(&t[2]));
	*res = (struct pci_resource){start, end - start + 1, flags[idx] | PCI_RES_ASSIGNED};
	b->res_pos[idx] = topo_tok_pos(p, &t[0]);
	return 0;
}

static int parse_sriov(struct parser *p, const struct stmt *st, const struct tok *t, unsigned int n,
		       bool opens)
{
	struct block *b = topo_cur_block(p);
	struct pci_sriov *sriov = &b->node->sriov;
	struct attr_val v[SRIOV_NR] = {0};
	int rc;

	if (b->sriov_pos.line)
		return fail(p, &t[0], "duplicate sriov (first at %u:%u)", b->sriov_pos.line,
			    b->sriov_pos.col);
	rc = topo_parse_attrs(p, st, t, 1, n, v);
	if (rc)
		return rc;
	sriov->total_vfs = (uint16_t)v[SRIOV_VFS].num;
	sriov->vf_offset = (uint16_t)(v[SRIOV_OFFSET].given ? v[SRIOV_OFFSET].num : 1);
	sriov->vf_stride = (uint16_t)(v[SRIOV_STRIDE].given ? v[SRIOV_STRIDE].num : 1);
	sriov->vf_device =
		v[SRIOV_VF_DEVICE].given ? (uint16_t)v[SRIOV_VF_DEVICE].num : b->node->device;
	b->sriov_pos = topo_tok_pos(p, &t[0]);
	return 0;
}

static const struct stmt stmts[] = {
	{.name = "machine",
	 .parents = IN(BLK_TOP),
	 .where = "at top level",
	 .attrs = ATTRS(machine_attrs),
	 .parse = parse_machine},
	{.name = "phb",
	 .parents = IN(BLK_TOP),
	 .where = "at top level",
	 .block = BLOCK_MUST,
	 .args = {"a domain"},
	 .attrs = ATTRS(phb_attrs),
	 .parse = parse_phb},
	{.name = "bridge",
	 .parents = IN(BLK_PHB) | IN(BLK_BRIDGE) | IN(BLK_BUS),
	 .where = "inside a phb or bridge block",
	 .block = BLOCK_MAY,
	 .args = {"a devfn", "a vendor:device id"},
	 .attrs = ATTRS(bridge_attrs),
	 .parse = parse_function},
	{.name = "device",
	 .parents = IN(BLK_PHB) | IN(BLK_BRIDGE) | IN(BLK_BUS),
	 .where = "inside a phb or bridge block",
	 .block = BLOCK_MAY,
	 .args = {"a devfn", "a vendor:device id"},
	 .attrs = ATTRS(device_attrs),
	 .parse = parse_function},
	{.name = "bar",
	 .parents = IN(BLK_BRIDGE) | IN(BLK_DEVICE),
	 .where = "inside a device or bridge block",
	 .args = {"an index", "a size"},
	 .attrs = ATTRS(bar_attrs),
	 .parse = parse_bar},
	{.name = "window",
	 .parents = IN(BLK_BRIDGE),
	 .where = "inside a bridge block",
	 .args = {"a kind", "a range"},
	 .parse = parse_bridge_window},
	{.name = "sriov",
	 .parents = IN(BLK_DEVICE),
	 .where = "inside a device block",
	 .attrs = ATTRS(sriov_attrs),
	 .parse = parse_sriov},
	{.name = "vf-bar",
	 .parents = IN(BLK_DEVICE),
	 .where = "inside a device block",
	 .args = {"an index", "a size"},
	 .attrs = bar_attrs,
	 .nattrs = BAR_AT, /* the flags, without @ADDR */
	 .parse = parse_bar},
};

/* ---- lines --------------------------------------------------------------- */

int topo_parse_line(struct parser *p, const char *s, size_t len)
{
	enum block_kind cur = p->depth ? p->stack[p->depth - 1].kind : BLK_TOP;
	struct tok t[MAX_TOKENS];
	const struct stmt *st = NULL;
	unsigned int n = 0, nargs;
	bool opens = false;
	int rc;

	rc = topo_tokenize(p, s, len, t, &n);
	if (rc || n == 0)
		return rc;
	if (topo_tok_is(&t[0], "}")) {
		if (n > 1)
			return fail(p, &t[1], "unexpected text after '}'");
		return topo_close_block(p, &t[0]);
	}
	if (n > 1 && topo_tok_is(&t[n - 1], "{")) {
		opens = true;
		n--;
	}
	for (unsigned int i = 0; i < n; i++)
		if (topo_tok_is(&t[i], "{"))
			return fail(p, &t[i],
				    i ? "'{' must be the last word on the line"
				      : "'{' must follow a statement on its line");
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]) && !st; i++)
		if (topo_tok_is(&t[0], stmts[i].name))
			st = &stmts[i];
	if (!st)
		return fail(p, &t[0], "unknown statement '%.*s'", TOK(&t[0]));
	if (!(st->parents & IN(cur)))
		return fail(p, &t[0], "%s must be %s", st->name, st->where);
	for (nargs = 0; nargs < 2 && st->args[nargs]; nargs++)
		if (n <= 1 + nargs)
			return fail(p, &t[0], "%s needs %s", st->name, st->args[nargs]);
	if (opens && st->block == BLOCK_NEVER)
		return fail(p, &t[n], "%s does not open a block", st->name);
	if (!opens && st->block == BLOCK_MUST)
		return fail(p, &t[0], "%s needs '{' at the end of its line", st->name);
	if (opens && p->depth == MAX_DEPTH)
		return fail(p, &t[n], "blocks nested too deeply (max %d)", MAX_DEPTH);
	return st->parse(p, st, t, n, opens);
}
