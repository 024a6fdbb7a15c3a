/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The topology text parser; docs/topology.md describes the format.
 *
 * The input is read a line at a time and each line is cut into tokens that
 * point into the caller's buffer, so only the description itself is
 * allocated.  The words after a statement's positional arguments all go
 * through one table-driven attribute parser.  Open blocks sit on a fixed
 * stack that also remembers where each BAR, window and sriov line was
 * given, so that a duplicate can name the first one.
 *
 * This file keeps the open blocks and has the entry points; topo_lex.c
 * reads the words, topo_stmt.c the statements, and topo_write.c writes the
 * language back.
 */
#include <stdbool.h>
#include <string.h>

#include <ioda/ctx.h>

#include "load_priv.h"
#include "topo_priv.h"

static const char *const block_names[] = {
	[BLK_PHB] = "phb",
	[BLK_BRIDGE] = "bridge",
	[BLK_DEVICE] = "device",
};

/* ---- blocks ------------------------------------------------------------ */

struct block *topo_push_block(struct parser *p, enum block_kind kind, const struct tok *kw)
{
	struct block *b = &p->stack[p->depth++];

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->opened = topo_tok_pos(p, kw);
	return b;
}

/*
 * A bus is complete when its block closes: every function needs function 0
 * of its slot (unless @need_fn0 is false: a node list joins a bus whose
 * function 0 may be there already), and the functions of a slot with
 * several are multifunction.
 */
static int finish_bus(struct parser *p, struct ioda_topo_node *devices, bool need_fn0)
{
	for (struct ioda_topo_node *a = devices; a; a = a->next) {
		bool has_fn0 = PCI_FUNC(a->devfn) == 0;

		for (struct ioda_topo_node *b = devices; b; b = b->next) {
			if (b == a || PCI_SLOT(b->devfn) != PCI_SLOT(a->devfn))
				continue;
			a->multifunction = true;
			has_fn0 |= PCI_FUNC(b->devfn) == 0;
		}
		if (!has_fn0 && need_fn0)
			return topo_fail_at(p, a->pos.line, a->pos.col,
					    "device %02x.%x has no function 0 (%02x.0) on this bus",
					    PCI_SLOT(a->devfn), PCI_FUNC(a->devfn),
					    PCI_SLOT(a->devfn));
	}
	return 0;
}

int topo_close_block(struct parser *p, const struct tok *t)
{
	struct block *b = topo_cur_block(p);
	int rc = 0;

	if (!b || b->kind == BLK_BUS)
		return fail(p, t, "unexpected '}' with no open block");
	if (b->head)
		rc = finish_bus(p, *b->head, true);
	p->depth--;
	return rc;
}

/* ---- lines --------------------------------------------------------------- */

/*
 * Parses the lines of @buf; the blocks open on entry (@base of them) stay
 * open, the others must close.
 */
static int parse_lines(struct parser *p, const char *buf, size_t len, unsigned int base)
{
	size_t off = 0, line_len = 0;
	int rc;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		line_len = nl ? (size_t)(nl - (buf + off)) : len - off;
		p->line++;
		rc = topo_parse_line(p, buf + off, line_len);
		if (rc)
			return rc;
		off += line_len + 1;
	}
	if (p->depth > base) {
		const struct block *b = topo_cur_block(p);
		/* Where the file ends; a block is open, so it is not empty. */
		bool at_newline = buf[len - 1] == '\n';

		return topo_fail_at(p, at_newline ? p->line + 1 : p->line,
				    at_newline ? 1 : (unsigned int)line_len + 1,
				    "missing '}' for %s opened at %u:%u", block_names[b->kind],
				    b->opened.line, b->opened.col);
	}
	return 0;
}

int ioda_topo_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		    struct ioda_topo **out, struct ioda_error *err)
{
	struct parser p = {.ctx = ctx, .file = file, .err = err};
	int rc;

	*out = NULL;
	p.topo = ioda_zalloc(ctx, sizeof(*p.topo));
	if (!p.topo)
		return topo_oom(&p);
	p.topo->file = ioda_strdup(ctx, file);
	if (!p.topo->file) {
		rc = topo_oom(&p);
		goto err_free;
	}
	p.phb_tail = &p.topo->phbs;
	rc = parse_lines(&p, buf, len, 0);
	if (rc)
		goto err_free;
	*out = p.topo;
	return 0;

err_free:
	ioda_topo_free(ctx, p.topo);
	return rc;
}

/* ---- what a slot brings --------------------------------------------------- */

int ioda_topo_parse_nodes(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			  unsigned int first_line, bool root_bus, struct ioda_topo_node **out,
			  struct ioda_error *err)
{
	/* A PHB of no machine holds the list, so labels are checked as in a file. */
	struct ioda_topo_phb bus = {0};
	struct ioda_topo topo = {.file = (char *)file, .phbs = &bus};
	struct parser p = {.ctx = ctx, .file = file, .err = err, .topo = &topo};
	struct block *b;
	int rc;

	*out = NULL;
	p.line = first_line - 1;
	b = topo_push_block(&p, BLK_BUS, &(struct tok){"", 0, 1});
	b->head = b->tail = &bus.devices;
	b->root_bus = root_bus;
	rc = parse_lines(&p, buf, len, 1);
	if (!rc)
		rc = finish_bus(&p, bus.devices, false);
	if (rc) {
		ioda_topo_nodes_free(ctx, bus.devices);
		return rc;
	}
	*out = bus.devices;
	return 0;
}

/* The format's entry in the loader list (loader.c). */
static const char *const topo_exts[] = { ".topo", NULL };

const struct ioda_loader ioda_topo_loader = {
	.name = "topo",
	.what = "topology text",
	.kind = IODA_INPUT_TOPO,
	.exts = topo_exts,
	.parse = ioda_topo_parse,
};
