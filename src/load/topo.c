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
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ioda/ctx.h>
#include <ioda/load.h>

/* No statement needs more than a dozen words; the limit only bounds the array. */
#define MAX_TOKENS 32
/* A PCI hierarchy is at most 256 buses deep; real ones are a few levels. */
#define MAX_DEPTH 64

#define LABEL_SIZE sizeof(((struct ioda_topo_node *)NULL)->label)

#define SZ_2K 0x800ull
#define SZ_2G 0x80000000ull

struct pos {
	unsigned int line, col; /* line 0: not given */
};

struct tok {
	const char *s;
	size_t len;
	unsigned int col;
};

/* Prints a token with "%.*s". */
/* A word for a message: at most 64 bytes of it, so that a huge one keeps the line short. */
#define TOK(t) (int)((t)->len < 64 ? (t)->len : 64), (t)->s

/* BLK_BUS: the bus a node list (ioda_topo_parse_nodes) goes on; it has no '}'. */
enum block_kind { BLK_TOP, BLK_PHB, BLK_BRIDGE, BLK_DEVICE, BLK_BUS };

static const char *const block_names[] = {
	[BLK_PHB] = "phb",
	[BLK_BRIDGE] = "bridge",
	[BLK_DEVICE] = "device",
};

struct block {
	enum block_kind kind;
	struct pos opened;
	struct ioda_topo_node *node;  /* BLK_BRIDGE, BLK_DEVICE */
	struct ioda_topo_node **head; /* the bus's devices (phb and bridge) */
	struct ioda_topo_node **tail; /* where the next one goes */
	bool root_bus;                /* BLK_BUS: a PHB's root bus */
	struct pos res_pos[PCI_NUM_RESOURCES];
	struct pos vf_bar_pos[PCI_STD_NUM_BARS];
	struct pos sriov_pos;
};

struct parser {
	struct ioda_ctx *ctx;
	const char *file;
	struct ioda_error *err;
	struct ioda_topo *topo;
	struct ioda_topo_phb **phb_tail;
	struct pos machine_pos;
	unsigned int line;
	unsigned int depth; /* 0: top level; stack[depth - 1] is the open block */
	struct block stack[MAX_DEPTH];
};

static int __attribute__((format(printf, 4, 5)))
fail_at(struct parser *p, unsigned int line, unsigned int col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u:%u: %s", p->file, line, col, msg);
	return -EINVAL;
}

/* An error at token @t of the current line. */
#define fail(p, t, ...) fail_at(p, (p)->line, (t)->col, __VA_ARGS__)

static int oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->file);
	return -ENOMEM;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

static struct pos tok_pos(const struct parser *p, const struct tok *t)
{
	return (struct pos){p->line, t->col};
}

static struct ioda_srcpos srcpos(const struct parser *p, const struct tok *t)
{
	return (struct ioda_srcpos){p->topo->file, p->line, t->col};
}

/* Splits @t at its first @sep; false when there is none. */
static bool tok_split(const struct tok *t, char sep, struct tok *a, struct tok *b)
{
	const char *at = memchr(t->s, sep, t->len);
	size_t n;

	if (!at)
		return false;
	n = (size_t)(at - t->s);
	*a = (struct tok){t->s, n, t->col};
	*b = (struct tok){at + 1, t->len - n - 1, t->col + (unsigned int)n + 1};
	return true;
}

/* ---- numbers ---------------------------------------------------------- */

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 to @max_digits hex digits, no prefix (bus numbers, IDs, domains). */
static bool scan_hex(const struct tok *t, size_t max_digits, uint64_t *out)
{
	uint64_t v = 0;

	if (t->len == 0 || t->len > max_digits)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		int d = digit_value(t->s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return true;
}

/* Decimal, or hex after 0x: -EINVAL when malformed, -ERANGE past 64 bits. */
static int scan_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned int base = 10;
	bool overflow = false;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			overflow = true;
		v = v * base + (unsigned int)d;
	}
	*out = v;
	return overflow ? -ERANGE : 0;
}

static int parse_number(struct parser *p, const struct tok *t, uint64_t *out)
{
	int rc = scan_u64(t->s, t->len, out);

	if (rc == -ERANGE)
		return fail(p, t, "number '%.*s' does not fit in 64 bits", TOK(t));
	if (rc)
		return fail(p, t, "bad number '%.*s'", TOK(t));
	return 0;
}

/* A number with an optional binary suffix K, M, G or T. */
static int parse_size(struct parser *p, const struct tok *t, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	const char *sfx = t->len ? memchr(suffixes, t->s[t->len - 1], 4) : NULL;
	unsigned int shift = sfx ? 10 * (unsigned int)(sfx - suffixes + 1) : 0;
	int rc = scan_u64(t->s, t->len - (sfx != NULL), out);

	if (rc == -EINVAL)
		return fail(p, t, "bad size '%.*s'", TOK(t));
	if (rc || *out > UINT64_MAX >> shift)
		return fail(p, t, "size '%.*s' does not fit in 64 bits", TOK(t));
	*out <<= shift;
	return 0;
}

/* ---- statements and their attributes ------------------------------------ */

struct enum_name {
	const char *name;
	int value;
};

enum attr_kind {
	ATTR_FLAG,   /* a bare word */
	ATTR_NUM,    /* a number in [min, max] */
	ATTR_SIZE,   /* a size; at most max when max is not 0 */
	ATTR_HEX16,  /* exactly four hex digits */
	ATTR_ENUM,   /* one of names[] */
	ATTR_STRING, /* "double-quoted" */
	ATTR_LABEL,  /* [A-Za-z0-9_.-]+ */
	ATTR_BUSES,  /* N or N-M, hex */
	ATTR_WINDOW, /* ADDR+SIZE */
	ATTR_ADDR,   /* @ADDR */
};

struct attr_spec {
	const char *name; /* "@" for ATTR_ADDR */
	enum attr_kind kind;
	bool required;
	bool hex; /* ATTR_NUM: print the range in hex */
	uint64_t min, max;
	const struct enum_name *names;
};

/* An attribute as given on the line. */
struct attr_val {
	bool given;
	unsigned int col, vcol; /* of the word, of its value */
	uint64_t num, num2;	/* value; BUSES: last bus; WINDOW: size */
	bool has_num2;		/* BUSES: a range was given */
	char str[64];		/* STRING, LABEL */
};

struct stmt;
typedef int (*stmt_fn)(struct parser *p, const struct stmt *st, const struct tok *t, unsigned int n,
		       bool opens);

enum block_rule { BLOCK_NEVER, BLOCK_MAY, BLOCK_MUST };

struct stmt {
	const char *name;
	unsigned int parents; /* IN(kind) of the blocks it may appear in */
	const char *where;    /* says the same in words */
	enum block_rule block;
	const char *args[2]; /* positional arguments, for "needs" messages */
	const struct attr_spec *attrs;
	unsigned int nattrs;
	stmt_fn parse;
};

#define IN(kind) (1u << (kind))
/* ".attrs = ATTRS(table)" sets .nattrs too. */
#define ATTRS(table) table, .nattrs = sizeof(table) / sizeof((table)[0])

static const struct enum_name gen_names[] = {
	{"phb3", IODA_PHB3},
	{"phb4", IODA_PHB4},
	{"phb5", IODA_PHB5},
	{NULL, 0},
};

static const struct enum_name bridge_types[] = {
	{"root-port", PCIE_TYPE_ROOT_PORT},   {"upstream", PCIE_TYPE_UPSTREAM},
	{"downstream", PCIE_TYPE_DOWNSTREAM}, {"pcie-pci", PCIE_TYPE_PCI_BRIDGE},
	{"pci-pci", PCIE_TYPE_NONE},	      {NULL, 0},
};

static const struct enum_name device_types[] = {
	{"endpoint", PCIE_TYPE_ENDPOINT},
	{"legacy", PCIE_TYPE_LEG_END},
	{"rc-endpoint", PCIE_TYPE_RC_END},
	{"pci", PCIE_TYPE_NONE},
	{NULL, 0},
};

static const struct enum_name window_kinds[] = {
	{"io", PCI_BRIDGE_IO_WINDOW},
	{"mem", PCI_BRIDGE_MEM_WINDOW},
	{"pref", PCI_BRIDGE_PREF_WINDOW},
	{NULL, 0},
};

enum { MACHINE_MEMORY, MACHINE_MODEL, MACHINE_NR };
static const struct attr_spec machine_attrs[] = {
	[MACHINE_MEMORY] = {.name = "memory", .kind = ATTR_SIZE, .max = IODA_MAX_MEMORY},
	[MACHINE_MODEL] = {.name = "model", .kind = ATTR_STRING},
};

enum { PHB_GEN, PHB_CHIP, PHB_INDEX, PHB_PES, PHB_ID, PHB_M32, PHB_M64, PHB_NR };
static const struct attr_spec phb_attrs[] = {
	[PHB_GEN] = {.name = "gen", .kind = ATTR_ENUM, .required = true, .names = gen_names},
	[PHB_CHIP] = {.name = "chip", .kind = ATTR_NUM, .max = 255},
	[PHB_INDEX] = {.name = "index", .kind = ATTR_NUM, .max = 255},
	[PHB_PES] = {.name = "pes", .kind = ATTR_NUM, .min = 1, .max = 65536},
	[PHB_ID] = {.name = "id", .kind = ATTR_NUM, .max = UINT64_MAX},
	[PHB_M32] = {.name = "m32", .kind = ATTR_WINDOW},
	[PHB_M64] = {.name = "m64", .kind = ATTR_WINDOW},
};

/* Bridges and devices share the layout; only bridges have bus=. */
enum { FN_CLASS, FN_TYPE, FN_LABEL, FN_MF, FN_BUS, FN_NR };
static const struct attr_spec bridge_attrs[] = {
	[FN_CLASS] = {.name = "class", .kind = ATTR_NUM, .hex = true, .max = 0xffffff},
	[FN_TYPE] = {.name = "type", .kind = ATTR_ENUM, .names = bridge_types},
	[FN_LABEL] = {.name = "label", .kind = ATTR_LABEL},
	[FN_MF] = {.name = "mf", .kind = ATTR_FLAG},
	[FN_BUS] = {.name = "bus", .kind = ATTR_BUSES},
};
static const struct attr_spec device_attrs[] = {
	[FN_CLASS] =
		{.name = "class", .kind = ATTR_NUM, .required = true, .hex = true, .max = 0xffffff},
	[FN_TYPE] = {.name = "type", .kind = ATTR_ENUM, .names = device_types},
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

static int parse_enum(struct parser *p, const struct tok *t, const char *what,
		      const struct enum_name *names, int *out)
{
	char expected[128] = "";
	size_t len = 0;

	for (const struct enum_name *e = names; e->name; e++) {
		const char *sep = ", ";

		if (tok_is(t, e->name)) {
			*out = e->value;
			return 0;
		}
		if (e == names)
			sep = "";
		else if (!e[1].name)
			sep = " or ";
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%s", sep,
					e->name);
	}
	return fail(p, t, "unknown %s '%.*s' (expected %s)", what, TOK(t), expected);
}

static int parse_string(struct parser *p, const struct attr_spec *spec, const struct tok *t,
			char *out, size_t size)
{
	size_t i = 1, o = 0;

	/* The tokenizer saw the quotes balance: the closing one is in @t. */
	if (t->len < 2 || t->s[0] != '"')
		return fail(p, t, "%s must be a double-quoted string", spec->name);
	for (; t->s[i] != '"'; i++) {
		char c = t->s[i];

		if (c == '\\') {
			c = t->s[++i];
			if (c != '"' && c != '\\')
				return fail_at(p, p->line, t->col + (unsigned int)i - 1,
					       "unknown escape '\\%c' in string", c);
		}
		if (o == size - 1)
			return fail(p, t, "%s is longer than %zu characters", spec->name, size - 1);
		out[o++] = c;
	}
	if (i + 1 != t->len)
		return fail_at(p, p->line, t->col + (unsigned int)i + 1,
			       "unexpected text after the closing quote");
	out[o] = '\0';
	return 0;
}

static int parse_label(struct parser *p, const struct tok *t, char *out, size_t size)
{
	if (t->len >= size)
		return fail(p, t, "label '%.*s' is longer than %zu characters", TOK(t), size - 1);
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return fail(p, t,
				    "bad label '%.*s' (allowed: letters, digits, '_', '.', '-')",
				    TOK(t));
	}
	memcpy(out, t->s, t->len);
	out[t->len] = '\0';
	return 0;
}

static int parse_bus(struct parser *p, const struct tok *t, uint64_t *out)
{
	if (!scan_hex(t, 2, out) || *out == 0)
		return fail(p, t, "bad bus number '%.*s' (expected hex 01..ff)", TOK(t));
	return 0;
}

static int parse_buses(struct parser *p, const struct tok *t, struct attr_val *v)
{
	struct tok first, last;
	int rc;

	if (!tok_split(t, '-', &first, &last))
		return parse_bus(p, t, &v->num);
	rc = parse_bus(p, &first, &v->num);
	if (!rc)
		rc = parse_bus(p, &last, &v->num2);
	if (!rc && v->num2 < v->num)
		rc = fail(p, t, "bus range '%.*s' ends before it starts", TOK(t));
	v->has_num2 = true;
	return rc;
}

/* ADDR+SIZE, the PHB's windows. */
static int parse_window(struct parser *p, const struct tok *t, struct attr_val *v)
{
	struct tok addr, size;
	int rc;

	if (!tok_split(t, '+', &addr, &size))
		return fail(p, t, "bad window '%.*s' (expected ADDR+SIZE)", TOK(t));
	rc = parse_number(p, &addr, &v->num);
	if (!rc)
		rc = parse_size(p, &size, &v->num2);
	if (!rc && v->num2 == 0)
		rc = fail(p, &size, "window size must not be 0");
	if (!rc && v->num2 - 1 > UINT64_MAX - v->num)
		rc = fail(p, t, "window '%.*s' runs past the end of the address space", TOK(t));
	return rc;
}

static int parse_value(struct parser *p, const struct attr_spec *spec, const struct tok *t,
		       struct attr_val *v)
{
	int rc, e;

	switch (spec->kind) {
	case ATTR_NUM:
		rc = parse_number(p, t, &v->num);
		if (rc || (v->num >= spec->min && v->num <= spec->max))
			return rc;
		if (spec->hex)
			return fail(p, t, "%s %.*s out of range (%#" PRIx64 "..%#" PRIx64 ")",
				    spec->name, TOK(t), spec->min, spec->max);
		return fail(p, t, "%s %.*s out of range (%" PRIu64 "..%" PRIu64 ")", spec->name,
			    TOK(t), spec->min, spec->max);
	case ATTR_SIZE:
		rc = parse_size(p, t, &v->num);
		if (rc || !spec->max || v->num <= spec->max)
			return rc;
		return fail(p, t, "%s %.*s is more than %" PRIu64 "T", spec->name, TOK(t),
			    spec->max >> 40);
	case ATTR_HEX16:
		if (t->len != 4 || !scan_hex(t, 4, &v->num))
			return fail(p, t, "bad %s '%.*s' (expected 4 hex digits)", spec->name,
				    TOK(t));
		return 0;
	case ATTR_ENUM:
		rc = parse_enum(p, t, spec->name, spec->names, &e);
		if (!rc)
			v->num = (uint64_t)(int64_t)e;
		return rc;
	case ATTR_STRING:
		return parse_string(p, spec, t, v->str, sizeof(v->str));
	case ATTR_LABEL:
		return parse_label(p, t, v->str, LABEL_SIZE);
	case ATTR_BUSES:
		return parse_buses(p, t, v);
	case ATTR_WINDOW:
		return parse_window(p, t, v);
	case ATTR_ADDR:
		return parse_number(p, t, &v->num);
	case ATTR_FLAG: /* has no value: parse_attrs() checks */
		break;
	}
	return 0;
}

/*
 * Parses the words t[first..n) as @st's attributes into v[] (zeroed by the
 * caller): "name=value", a bare flag, or "@value".  Then checks that the
 * required ones were given.
 */
static int parse_attrs(struct parser *p, const struct stmt *st, const struct tok *t,
		       unsigned int first, unsigned int n, struct attr_val *v)
{
	for (unsigned int i = first; i < n; i++) {
		const struct tok *a = &t[i];
		const char *eq = memchr(a->s, '=', a->len);
		bool at = a->s[0] == '@', has_val = eq || at;
		struct tok name = {a->s, eq ? (size_t)(eq - a->s) : a->len, a->col};
		/* The value follows the '@', or the '=' after the name. */
		size_t off = at ? 1 : name.len + 1;
		struct tok key = {a->s, at ? 1 : name.len, a->col};
		const struct attr_spec *spec;
		unsigned int k;
		int rc;

		for (k = 0; k < st->nattrs; k++)
			if (tok_is(&key, st->attrs[k].name))
				break;
		if (k == st->nattrs)
			return fail(p, a, "unknown attribute '%.*s'", TOK(&name));
		spec = &st->attrs[k];
		if (v[k].given)
			return fail(p, a, "duplicate attribute '%s' (first at %u:%u)", spec->name,
				    p->line, v[k].col);
		v[k].given = true;
		v[k].col = a->col;
		if (spec->kind == ATTR_FLAG) {
			if (has_val)
				return fail(p, a, "'%s' takes no value", spec->name);
			continue;
		}
		if (!has_val || off == a->len)
			return fail(p, a, "attribute '%s' needs a value", spec->name);
		v[k].vcol = a->col + (unsigned int)off;
		rc = parse_value(p, spec, &(struct tok){a->s + off, a->len - off, v[k].vcol},
				 &v[k]);
		if (rc)
			return rc;
	}
	for (unsigned int k = 0; k < st->nattrs; k++)
		if (st->attrs[k].required && !v[k].given)
			return fail(p, &t[0], "%s needs %s=", st->name, st->attrs[k].name);
	return 0;
}

/* ---- blocks ------------------------------------------------------------ */

static struct block *cur_block(struct parser *p)
{
	return p->depth ? &p->stack[p->depth - 1] : NULL;
}

static struct block *push_block(struct parser *p, enum block_kind kind, const struct tok *kw)
{
	struct block *b = &p->stack[p->depth++];

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->opened = tok_pos(p, kw);
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
			return fail_at(p, a->pos.line, a->pos.col,
				       "device %02x.%x has no function 0 (%02x.0) on this bus",
				       PCI_SLOT(a->devfn), PCI_FUNC(a->devfn), PCI_SLOT(a->devfn));
	}
	return 0;
}

static int close_block(struct parser *p, const struct tok *t)
{
	struct block *b = cur_block(p);
	int rc = 0;

	if (!b || b->kind == BLK_BUS)
		return fail(p, t, "unexpected '}' with no open block");
	if (b->head)
		rc = finish_bus(p, *b->head, true);
	p->depth--;
	return rc;
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
	rc = parse_attrs(p, st, t, 1, n, v);
	if (rc)
		return rc;
	p->machine_pos = tok_pos(p, &t[0]);
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

	if (!scan_hex(&t[1], 4, &domain))
		return fail(p, &t[1], "bad domain '%.*s' (expected 1 to 4 hex digits)", TOK(&t[1]));
	for (q = p->topo->phbs; q; q = q->next)
		if (q->domain == (int)domain)
			return fail(p, &t[1], "duplicate phb %04x (first at %u:%u)", q->domain,
				    q->pos.line, q->pos.col);
	rc = parse_attrs(p, st, t, 2, n, v);
	if (rc)
		return rc;
	chip = (unsigned int)v[PHB_CHIP].num;
	for (q = p->topo->phbs; q; q = q->next)
		index += q->chip == chip;
	if (v[PHB_INDEX].given)
		index = (unsigned int)v[PHB_INDEX].num;
	for (q = p->topo->phbs; q; q = q->next)
		if (q->chip == chip && q->index == index)
			return fail_at(p, p->line,
				       v[PHB_INDEX].given ? v[PHB_INDEX].vcol : t[0].col,
				       "duplicate phb index %u on chip %u (first at %u:%u)", index,
				       chip, q->pos.line, q->pos.col);

	phb = ioda_zalloc(p->ctx, sizeof(*phb));
	if (!phb)
		return oom(p);
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

	b = push_block(p, BLK_PHB, &t[0]);
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

	if (!tok_split(t, '.', &slot, &fn) || !scan_hex(&slot, 2, &s) || s > 0x1f || fn.len != 1 ||
	    fn.s[0] < '0' || fn.s[0] > '7')
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

	if (!tok_split(t, ':', &vt, &dt) || vt.len != 4 || dt.len != 4 || !scan_hex(&vt, 4, &v) ||
	    !scan_hex(&dt, 4, &d))
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
	struct block *parent = cur_block(p), *b;
	struct ioda_topo_node *node;
	struct attr_val v[FN_NR] = {0};
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
		rc = parse_attrs(p, st, t, 3, n, v);
	if (rc)
		return rc;
	if (v[FN_LABEL].given) {
		for (struct ioda_topo_phb *phb = p->topo->phbs; phb; phb = phb->next) {
			const struct ioda_topo_node *other =
				find_label(phb->devices, v[FN_LABEL].str);

			if (other)
				return fail_at(p, p->line, v[FN_LABEL].vcol,
					       "duplicate label '%s' (first at %u:%u)",
					       v[FN_LABEL].str, other->pos.line, other->pos.col);
		}
	}

	node = ioda_zalloc(p->ctx, sizeof(*node));
	if (!node)
		return oom(p);
	node->pos = srcpos(p, &t[0]);
	node->devfn = devfn;
	node->hdr_type = bridge;
	node->multifunction = v[FN_MF].given;
	node->vendor = vendor;
	node->device = device;
	node->class = (uint32_t)(v[FN_CLASS].given ? v[FN_CLASS].num : 0x060400);
	node->pcie_type = v[FN_TYPE].given ? (enum pcie_port_type)(int64_t)v[FN_TYPE].num
					   : default_type(parent, bridge);
	node->secondary = v[FN_BUS].given ? (int)v[FN_BUS].num : -1;
	node->subordinate = v[FN_BUS].has_num2 ? (int)v[FN_BUS].num2 : -1;
	memcpy(node->label, v[FN_LABEL].str, sizeof(node->label));
	*parent->tail = node;
	parent->tail = &node->next;

	if (opens) {
		b = push_block(p, bridge ? BLK_BRIDGE : BLK_DEVICE, &t[0]);
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

			return fail_at(p, p->line, a_later ? a->col : b->col,
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
	struct block *b = cur_block(p);
	bool vf = strcmp(st->name, "vf-bar") == 0;
	bool rom = !vf && tok_is(&t[1], "rom");
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
		if (scan_u64(t[1].s, t[1].len, &num) || num >= nbars)
			return fail(p, &t[1], "bad %s index '%.*s' (expected 0..%u%s)", st->name,
				    TOK(&t[1]), nbars - 1, vf ? "" : " or rom");
		idx = (unsigned int)num;
	}
	rc = parse_size(p, &t[2], &size);
	if (!rc)
		rc = parse_attrs(p, st, t, 3, n, v);
	if (!rc)
		rc = bar_flags(p, v, &flags);
	if (rc)
		return rc;
	if (rom) {
		for (unsigned int k = BAR_MEM32; k <= BAR_PREF; k++)
			if (v[k].given)
				return fail_at(p, p->line, v[k].col, "a rom takes no flags");
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
		return fail_at(p, p->line, v[BAR_AT].vcol,
			       "address %#" PRIx64 " is not aligned to the size %#" PRIx64,
			       v[BAR_AT].num, size);

	res[idx].size = size;
	res[idx].flags = flags;
	if (v[BAR_AT].given) {
		res[idx].start = v[BAR_AT].num;
		res[idx].flags |= PCI_RES_ASSIGNED;
	}
	given[idx] = tok_pos(p, &t[0]);
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
	struct block *b = cur_block(p);
	struct pci_resource *res;
	struct tok first, last;
	uint64_t start, end;
	int rc, idx;

	rc = parse_enum(p, &t[1], "window kind", window_kinds, &idx);
	if (rc)
		return rc;
	res = &b->node->resource[idx];
	if (res->size)
		return fail(p, &t[1], "duplicate window %.*s (first at %u:%u)", TOK(&t[1]),
			    b->res_pos[idx].line, b->res_pos[idx].col);
	if (!tok_split(&t[2], '-', &first, &last))
		return fail(p, &t[2], "bad window range '%.*s' (expected START-END)", TOK(&t[2]));
	rc = parse_number(p, &first, &start);
	if (!rc)
		rc = parse_number(p, &last, &end);
	if (!rc)
		rc = parse_attrs(p, st, t, 3, n, NULL);
	if (rc)
		return rc;
	if (end < start)
		return fail(p, &t[2], "window range '%.*s' ends before it starts", TOK(&t[2]));
	if (end - start == UINT64_MAX)
		return fail(p, &t[2], "window range '%.*s' covers the whole address space",
			    TOK(&t[2]));
	*res = (struct pci_resource){start, end - start + 1, flags[idx] | PCI_RES_ASSIGNED};
	b->res_pos[idx] = tok_pos(p, &t[0]);
	return 0;
}

static int parse_sriov(struct parser *p, const struct stmt *st, const struct tok *t, unsigned int n,
		       bool opens)
{
	struct block *b = cur_block(p);
	struct pci_sriov *sriov = &b->node->sriov;
	struct attr_val v[SRIOV_NR] = {0};
	int rc;

	if (b->sriov_pos.line)
		return fail(p, &t[0], "duplicate sriov (first at %u:%u)", b->sriov_pos.line,
			    b->sriov_pos.col);
	rc = parse_attrs(p, st, t, 1, n, v);
	if (rc)
		return rc;
	sriov->total_vfs = (uint16_t)v[SRIOV_VFS].num;
	sriov->vf_offset = (uint16_t)(v[SRIOV_OFFSET].given ? v[SRIOV_OFFSET].num : 1);
	sriov->vf_stride = (uint16_t)(v[SRIOV_STRIDE].given ? v[SRIOV_STRIDE].num : 1);
	sriov->vf_device =
		v[SRIOV_VF_DEVICE].given ? (uint16_t)v[SRIOV_VF_DEVICE].num : b->node->device;
	b->sriov_pos = tok_pos(p, &t[0]);
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

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Cuts a line into tokens; a '#' outside a string ends it. */
static int tokenize(struct parser *p, const char *s, size_t len, struct tok *toks, unsigned int *np)
{
	unsigned int n = 0;
	size_t i = 0;

	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 && !is_blank(s[k]))
			return fail_at(p, p->line, (unsigned int)k + 1,
				       "unexpected control character 0x%02x", (unsigned char)s[k]);
	while (i < len) {
		size_t start = i;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (n == MAX_TOKENS)
			return fail_at(p, p->line, (unsigned int)i + 1,
				       "too many words on one line (max %d)", MAX_TOKENS);
		while (i < len && !is_blank(s[i]) && s[i] != '#') {
			if (s[i] == '"') {
				size_t quote = i++;

				while (i < len && s[i] != '"')
					i += s[i] == '\\' && i + 1 < len ? 2 : 1;
				if (i >= len)
					return fail_at(p, p->line, (unsigned int)quote + 1,
						       "unterminated string");
			}
			i++;
		}
		toks[n++] = (struct tok){s + start, i - start, (unsigned int)start + 1};
	}
	*np = n;
	return 0;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	enum block_kind cur = p->depth ? p->stack[p->depth - 1].kind : BLK_TOP;
	struct tok t[MAX_TOKENS];
	const struct stmt *st = NULL;
	unsigned int n = 0, nargs;
	bool opens = false;
	int rc;

	rc = tokenize(p, s, len, t, &n);
	if (rc || n == 0)
		return rc;
	if (tok_is(&t[0], "}")) {
		if (n > 1)
			return fail(p, &t[1], "unexpected text after '}'");
		return close_block(p, &t[0]);
	}
	if (n > 1 && tok_is(&t[n - 1], "{")) {
		opens = true;
		n--;
	}
	for (unsigned int i = 0; i < n; i++)
		if (tok_is(&t[i], "{"))
			return fail(p, &t[i],
				    i ? "'{' must be the last word on the line"
				      : "'{' must follow a statement on its line");
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]) && !st; i++)
		if (tok_is(&t[0], stmts[i].name))
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
		rc = parse_line(p, buf + off, line_len);
		if (rc)
			return rc;
		off += line_len + 1;
	}
	if (p->depth > base) {
		const struct block *b = cur_block(p);
		/* Where the file ends; a block is open, so it is not empty. */
		bool at_newline = buf[len - 1] == '\n';

		return fail_at(p, at_newline ? p->line + 1 : p->line,
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
		return oom(&p);
	p.topo->file = ioda_strdup(ctx, file);
	if (!p.topo->file) {
		rc = oom(&p);
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

/* ---- freeing ------------------------------------------------------------- */

/* Frees a sibling list and everything below it, without recursion. */
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
	b = push_block(&p, BLK_BUS, &(struct tok){"", 0, 1});
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

/* ---- writer -------------------------------------------------------------- */

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
	const char *type = enum_name_of(bridge ? bridge_types : device_types, n->pcie_type);
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
		fprintf(f, "window %s %#" PRIx64 "-%#" PRIx64 "\n", enum_name_of(window_kinds, w),
			r->start, r->start + r->size - 1);
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
			enum_name_of(gen_names, phb->gen), phb->chip, phb->index);
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
