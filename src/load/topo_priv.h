/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared inside the topology text parser and writer (src/load/topo_*.c):
 * the parser's state, tokens and attribute tables, and the words for enum
 * values that the writer writes back.
 */
#ifndef IODA_TOPO_PRIV_H
#define IODA_TOPO_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ioda/load.h>

/* No statement needs more than a dozen words; the limit only bounds the array. */
#define MAX_TOKENS 32
/* A PCI hierarchy is at most 256 buses deep; real ones are a few levels. */
#define MAX_DEPTH 64

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

/* The words for enum values (topo_names.c): the parser reads them, the writer writes them. */
extern const struct enum_name topo_gen_names[];
extern const struct enum_name topo_bridge_types[];
extern const struct enum_name topo_hotplug_names[];
extern const struct enum_name topo_device_types[];
extern const struct enum_name topo_window_kinds[];

/* ---- topo_lex.c: messages, tokens, numbers, attributes, lines -------------- */

int __attribute__((format(printf, 4, 5)))
topo_fail_at(struct parser *p, unsigned int line, unsigned int col, const char *fmt, ...);

/* An error at token @t of the current line. */
#define fail(p, t, ...) topo_fail_at(p, (p)->line, (t)->col, __VA_ARGS__)

int topo_oom(struct parser *p);

static inline bool topo_tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

static inline struct pos topo_tok_pos(const struct parser *p, const struct tok *t)
{
	return (struct pos){p->line, t->col};
}

bool topo_tok_split(const struct tok *t, char sep, struct tok *a, struct tok *b);
bool topo_scan_hex(const struct tok *t, size_t max_digits, uint64_t *out);
int topo_scan_u64(const char *s, size_t len, uint64_t *out);
int topo_parse_number(struct parser *p, const struct tok *t, uint64_t *out);
int topo_parse_size(struct parser *p, const struct tok *t, uint64_t *out);
int topo_parse_enum(struct parser *p, const struct tok *t, const char *what,
		    const struct enum_name *names, int *out);
int topo_parse_attrs(struct parser *p, const struct stmt *st, const struct tok *t,
		     unsigned int first, unsigned int n, struct attr_val *v);
int topo_tokenize(struct parser *p, const char *s, size_t len, struct tok *toks,
		  unsigned int *np);

/* ---- topo_stmt.c: the statements ------------------------------------------- */

int topo_parse_line(struct parser *p, const char *s, size_t len);

/* ---- topo_parse.c: the open blocks ----------------------------------------- */

static inline struct block *topo_cur_block(struct parser *p)
{
	return p->depth ? &p->stack[p->depth - 1] : NULL;
}

struct block *topo_push_block(struct parser *p, enum block_kind kind, const struct tok *kw);
int topo_close_block(struct parser *p, const struct tok *t);

#endif
