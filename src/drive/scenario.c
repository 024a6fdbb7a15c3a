/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scenarios (docs/scenarios.md): parsed whole into an array of steps, so
 * that a malformed file fails before anything runs, then run against a
 * booted machine.  Each step's log lines are printed as they come and kept
 * until the next step, for "expect line".  Words that name a device are
 * resolved at run time: a device may come and go between two steps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/hw.h>
#include <ioda/ioda.h>
#include <ioda/scenario.h>

#include "view/json_priv.h"
#include <ioda/show.h>

#define MAX_WORDS 16
#define MAX_LINE 4096
#define LABEL_MAX 31
/* The holder of the references the runner takes only for the length of a step. */
#define HOLDER "scenario"

enum step_kind {
	STEP_BOOT,
	STEP_HOT_ADD,
	STEP_HOT_REMOVE,
	STEP_DRIVER_BIND,
	STEP_DRIVER_UNBIND,
	STEP_ENABLE,
	STEP_EEH_INJECT,
	STEP_EEH_MAX_FREEZES,
	STEP_EEH_RECOVER,
	STEP_ADVANCE,
	STEP_SRIOV_ENABLE,
	STEP_SRIOV_DISABLE,
	STEP_TAKE,
	STEP_NPU_GPU,
	STEP_DROP,
	STEP_USE,
	STEP_DMA_MAP,
	STEP_DMA_UNMAP,
	STEP_DMA_FROM,
	STEP_DUMP,
	STEP_SHOW,
	STEP_EXPECT,
};

enum expect_kind {
	EX_PE,
	EX_GROUP,
	EX_REFS,
	EX_HOLDERS,
	EX_FREEZES,
	EX_FROZEN,
	EX_EXISTS,
	EX_RELEASED,
	EX_LINE,
	EX_NO_LINE,
	EX_COUNT,
	EX_ERROR,
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

/* "none" for a PE or a group. */
#define VAL_NONE (-1)

/* What a step acts on, as written; resolved at run time. */
enum target_form {
	T_NONE,
	T_BDF,	 /* DDDD:BB:DD.F */
	T_LABEL, /* a label of the machine's description */
	T_NAME,	 /* a name a take step made */
	T_BUS,	 /* DDDD:BB (hot add) */
	T_PE,	 /* DDDD:PE (eeh) */
};

struct target {
	enum target_form form;
	int domain;
	unsigned int bus, pe;
	uint8_t devfn;
	int name;
	char word[48]; /* as written, for messages and label lookups */
};

struct step {
	enum step_kind kind;
	unsigned int line;
	char *src; /* the line as written, for messages */
	struct target t;
	int name; /* take, drop, use, dma map/unmap, dma from NAME; -1 none */
	uint64_t num;
	int arg; /* driver kind, eeh kind, dma direction, write, expect kind */
	enum op op;
	int64_t want;
	char *text;		      /* driver name, expected line */
	struct ioda_topo_node *nodes; /* hot add */
};

/* A name made by take or dma map. */
struct sname {
	char *name;
	char *holder;	   /* "scenario NAME" */
	bool map;	   /* made by dma map */
	unsigned int held; /* while parsing: the line that holds it now, 0 none */
};

struct ioda_scenario {
	struct ioda_ctx *ctx;
	char *file;
	char *machine; /* resolved against the file's folder */
	enum ioda_input_kind machine_kind;
	char *kernel, *cmdline;
	unsigned int machine_line, kernel_line, cmdline_line, boot_line;
	struct step *steps;
	unsigned int nsteps, cap;
	struct sname *names;
	unsigned int nnames, names_cap;
};

/* ---- parsing ------------------------------------------------------------- */

struct word {
	const char *s; /* NUL-terminated, in the parser's scratch */
	bool quoted;
};

struct parser {
	struct ioda_ctx *ctx;
	struct ioda_scenario *s;
	struct ioda_error *err;
	unsigned int line;
	const char *line_start;
	size_t line_len;
	struct word w[MAX_WORDS];
	unsigned int n;
	unsigned int nkw;	   /* words that name the statement ("driver bind": 2) */
	size_t src_start, src_end; /* of the words in the line */
	char scratch[MAX_LINE + MAX_WORDS + 1];
	/* A hot add block being read: its step, depth and body. */
	int block_step;
	unsigned int block_depth, body_line;
	const char *body;
};

static int __attribute__((format(printf, 2, 3))) fail(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u: %s", p->s->file, p->line, msg);
	return -EINVAL;
}

static int oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->s->file);
	return -ENOMEM;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool word_is(const struct word *w, const char *s)
{
	return !w->quoted && strcmp(w->s, s) == 0;
}

/* Cuts the line into words; quoted strings lose their quotes and escapes. */
static int tokenize(struct parser *p, const char *s, size_t len)
{
	char *o = p->scratch;
	size_t i = 0;

	p->n = 0;
	if (len > MAX_LINE)
		return fail(p, "line too long (max %d characters)", MAX_LINE);
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 && !is_blank(s[k]))
			return fail(p, "unexpected control character 0x%02x", (unsigned char)s[k]);
	while (i < len && s[i] != '#') {
		struct word *w;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (p->n == MAX_WORDS)
			return fail(p, "too many words on one line (max %d)", MAX_WORDS);
		if (!p->n)
			p->src_start = i;
		w = &p->w[p->n++];
		w->s = o;
		w->quoted = s[i] == '"';
		if (w->quoted) {
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len &&
				    (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				else if (s[i] == '\\')
					return fail(p, "unknown escape in string");
				*o++ = s[i];
			}
			if (i++ == len)
				return fail(p, "unterminated string");
			if (i < len && !is_blank(s[i]) && s[i] != '#')
				return fail(p, "unexpected text after the closing quote");
		} else {
			while (i < len && !is_blank(s[i]) && s[i] != '#') {
				if (s[i] == '"')
					return fail(p, "unexpected '\"' inside a word");
				*o++ = s[i++];
			}
		}
		*o++ = '\0';
		p->src_end = i;
	}
	return 0;
}

static void *grow(struct ioda_ctx *ctx, void *array, unsigned int *cap, size_t size)
{
	unsigned int n = *cap ? 2 * *cap : 16;
	void *a = ioda_realloc(ctx, array, (size_t)n * size);

	if (a)
		*cap = n;
	return a;
}

static struct step *add_step(struct parser *p, enum step_kind kind)
{
	struct ioda_scenario *s = p->s;
	struct step *st;

	if (s->nsteps == s->cap) {
		struct step *a = grow(p->ctx, s->steps, &s->cap, sizeof(*a));

		if (!a)
			return NULL;
		s->steps = a;
	}
	st = &s->steps[s->nsteps];
	memset(st, 0, sizeof(*st));
	/* The line as written, from its first word to the end of its last. */
	st->src = ioda_strndup(p->ctx, p->line_start + p->src_start, p->src_end - p->src_start);
	if (!st->src)
		return NULL;
	s->nsteps++;
	st->kind = kind;
	st->line = p->line;
	st->name = -1;
	return st;
}

/* Decimal, or hex after 0x; the whole word. */
static bool scan_number(const char *s, uint64_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	char *end;

	if (!(hex ? strchr("0123456789abcdefABCDEF", *digits) : strchr("0123456789", *digits)) ||
	    !*digits)
		return false;
	errno = 0;
	*out = strtoull(digits, &end, hex ? 16 : 10);
	return !*end && !errno;
}

static int parse_number(struct parser *p, const struct word *w, uint64_t max, uint64_t *out)
{
	if (w->quoted || !scan_number(w->s, out))
		return fail(p, "bad number '%s'", w->s);
	if (*out > max)
		return fail(p, "number '%s' out of range (max %" PRIu64 ")", w->s, max);
	return 0;
}

/*
 * Up to @max hex digits of @s, then @stop (or the end with '\0').
 * Returns where it stopped, past @stop, or NULL.
 */
static const char *hex_field(const char *s, unsigned int max, char stop, unsigned int *out)
{
	unsigned int n = 0;

	*out = 0;
	for (; n < max && *s && strchr("0123456789abcdefABCDEF", *s); s++, n++)
		*out = *out << 4 | (unsigned int)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
	if (!n || *s != stop)
		return NULL;
	return stop ? s + 1 : s;
}

static bool valid_label(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > LABEL_MAX)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    *s))
			return false;
	return true;
}

static int find_name(const struct ioda_scenario *s, const char *name)
{
	for (unsigned int i = 0; i < s->nnames; i++)
		if (strcmp(s->names[i].name, name) == 0)
			return (int)i;
	return -1;
}

enum {
	ALLOW_DEV = 1u << 0, /* BDF, label or taken name */
	ALLOW_BUS = 1u << 1, /* DDDD:BB */
	ALLOW_PE = 1u << 2,  /* DDDD:PE */
};

/* A device (or with @allow, a bus or a PE) as written. */
static int parse_target(struct parser *p, const struct word *w, unsigned int allow,
			struct target *t)
{
	unsigned int domain, bus, slot, fn;
	const char *rest;
	int name = find_name(p->s, w->s);

	memset(t, 0, sizeof(*t));
	snprintf(t->word, sizeof(t->word), "%s", w->s);
	if (name >= 0 && !p->s->names[name].map) {
		t->form = T_NAME;
		t->name = name;
		return 0;
	}
	if (!strchr(w->s, ':')) {
		if (w->quoted || !valid_label(w->s))
			return fail(
				p,
				"bad device '%s' (expected DDDD:BB:DD.F, a label or a taken name)",
				w->s);
		t->form = T_LABEL;
		return 0;
	}
	rest = hex_field(w->s, 4, ':', &domain);
	t->domain = (int)domain;
	if (rest && strchr(rest, ':')) {
		rest = hex_field(rest, 2, ':', &bus);
		rest = rest ? hex_field(rest, 2, '.', &slot) : NULL;
		rest = rest ? hex_field(rest, 1, '\0', &fn) : NULL;
		if (rest && slot <= 0x1f && fn <= 7) {
			t->form = T_BDF;
			t->bus = bus;
			t->devfn = PCI_DEVFN(slot, fn);
			return 0;
		}
	} else if (rest && (allow & ALLOW_BUS) && hex_field(rest, 2, '\0', &bus)) {
		t->form = T_BUS;
		t->bus = bus;
		return 0;
	} else if (rest && (allow & ALLOW_PE) && hex_field(rest, 5, '\0', &t->pe)) {
		t->form = T_PE;
		return 0;
	}
	if (allow & ALLOW_BUS)
		return fail(p, "bad target '%s' (expected DDDD:BB or a device)", w->s);
	if (allow & ALLOW_PE)
		return fail(p, "bad target '%s' (expected DDDD:PE or a device)", w->s);
	return fail(p, "bad device '%s' (expected DDDD:BB:DD.F, a label or a taken name)", w->s);
}

struct keyword {
	const char *name;
	int value;
};

static const struct keyword driver_kinds[] = {
	{"recovers", IODA_DRIVER_RECOVERS},
	{"no-handlers", IODA_DRIVER_NO_HANDLERS},
	{"disconnects", IODA_DRIVER_DISCONNECTS},
	{NULL, 0},
};

static const struct keyword eeh_kinds[] = {
	{"freeze", IODA_EEH_FREEZE},	   {"bad-dma", IODA_EEH_BAD_DMA},
	{"mmio-load", IODA_EEH_MMIO_LOAD}, {"dma-load", IODA_EEH_DMA_LOAD},
	{"fence", IODA_EEH_FENCE},	   {NULL, 0},
};

static const struct keyword dma_dirs[] = {
	{"bidirectional", IODA_DMA_BIDIRECTIONAL},
	{"to-device", IODA_DMA_TO_DEVICE},
	{"from-device", IODA_DMA_FROM_DEVICE},
	{NULL, 0},
};

static const struct keyword accesses[] = {
	{"read", 0},
	{"write", 1},
	{NULL, 0},
};

static const struct keyword yes_no[] = {
	{"yes", 1},
	{"no", 0},
	{NULL, 0},
};

static const struct keyword input_kinds[] = {
	{"topo", IODA_INPUT_TOPO},
	{"dt", IODA_INPUT_DT},
	{"log", IODA_INPUT_LOG},
	{NULL, 0},
};

static const struct keyword ops[] = {
	{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE},
	{">", OP_GT},  {">=", OP_GE}, {NULL, 0},
};

/* The errno names "expect error" takes. */
static const struct keyword errnos[] = {
	{"EPERM", EPERM},	    {"ENOENT", ENOENT}, {"EIO", EIO},	    {"ENXIO", ENXIO},
	{"ENOMEM", ENOMEM},	    {"EFAULT", EFAULT}, {"EBUSY", EBUSY},   {"EEXIST", EEXIST},
	{"ENODEV", ENODEV},	    {"EINVAL", EINVAL}, {"ENOSPC", ENOSPC}, {"ERANGE", ERANGE},
	{"EOPNOTSUPP", EOPNOTSUPP}, {NULL, 0},
};

/* Appends item @i of @n to a list in words: "a, b or c". */
static void join(char *buf, size_t size, size_t *len, const char *item, size_t i, size_t n)
{
	const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

	if (*len < size)
		*len += (size_t)snprintf(buf + *len, size - *len, "%s%s", sep, item);
}

static int parse_keyword(struct parser *p, const struct word *w, const char *what,
			 const struct keyword *kw, int *out)
{
	char expected[160] = "";
	size_t len = 0, n = 0;

	while (kw[n].name)
		n++;
	for (size_t i = 0; i < n; i++) {
		if (word_is(w, kw[i].name)) {
			*out = kw[i].value;
			return 0;
		}
		join(expected, sizeof(expected), &len, kw[i].name, i, n);
	}
	return fail(p, "unknown %s '%s' (expected %s)", what, w->s, expected);
}

/* A duration: N followed by s, m or h. */
static int parse_duration(struct parser *p, const struct word *w, uint64_t *out)
{
	static const struct {
		char unit;
		uint64_t seconds;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}};
	size_t len = strlen(w->s);
	char num[24];

	if (!w->quoted && len > 1 && len < sizeof(num)) {
		memcpy(num, w->s, len - 1);
		num[len - 1] = '\0';
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (w->s[len - 1] == units[i].unit && scan_number(num, out) &&
			    *out <= UINT64_MAX / units[i].seconds) {
				*out *= units[i].seconds;
				return 0;
			}
	}
	return fail(p, "bad duration '%s' (expected a number and s, m or h)", w->s);
}

/* A name for take or dma map: new, or free again (dropped, unmapped). */
static int new_name(struct parser *p, const struct word *w, bool map, int *out)
{
	struct ioda_scenario *s = p->s;
	int i = find_name(s, w->s);
	struct sname *n;

	if (w->quoted || !valid_label(w->s) || strchr(w->s, ':'))
		return fail(p, "bad name '%s' (allowed: letters, digits, '_', '.', '-')", w->s);
	if (i >= 0) {
		n = &s->names[i];
		if (n->map != map)
			return fail(p, "'%s' is already the name of a %s (line %u)", w->s,
				    n->map ? "mapping" : "reference", n->held);
		if (n->held)
			return fail(p, "'%s' is already %s at line %u", w->s,
				    map ? "mapped" : "held", n->held);
		n->held = p->line;
		*out = i;
		return 0;
	}
	if (s->nnames == s->names_cap) {
		struct sname *a = grow(p->ctx, s->names, &s->names_cap, sizeof(*a));

		if (!a)
			return oom(p);
		s->names = a;
	}
	n = &s->names[s->nnames];
	memset(n, 0, sizeof(*n));
	n->name = ioda_strdup(p->ctx, w->s);
	n->holder = ioda_zalloc(p->ctx, sizeof(HOLDER) + strlen(w->s) + 1);
	if (!n->name || !n->holder) {
		ioda_free(p->ctx, n->name);
		ioda_free(p->ctx, n->holder);
		return oom(p);
	}
	sprintf(n->holder, HOLDER " %s", w->s);
	n->map = map;
	n->held = p->line;
	*out = (int)s->nnames++;
	return 0;
}

/* A name made earlier; @held: it must be held (or mapped) now. */
static int old_name(struct parser *p, const struct word *w, bool map, bool held, int *out)
{
	int i = find_name(p->s, w->s);

	if (i < 0 || p->s->names[i].map != map)
		return fail(p, "'%s' is not a %s name", w->s, map ? "dma map" : "take");
	if (held && !p->s->names[i].held)
		return fail(p, "'%s' is not %s", w->s, map ? "mapped" : "held");
	*out = i;
	return 0;
}

/* Only the words of the statement may be on the line. */
static int check_words(struct parser *p, unsigned int n)
{
	if (p->n > n)
		return fail(p, "unexpected word '%s'", p->w[n].s);
	return 0;
}

/* "STATEMENT needs WHAT" when word @i is missing. */
static int need(struct parser *p, unsigned int i, const char *what)
{
	char stmt[64] = "";
	size_t len = 0;

	if (p->n > i)
		return 0;
	for (unsigned int k = 0; k < p->nkw && k < p->n; k++)
		len += (size_t)snprintf(stmt + len, sizeof(stmt) - len, "%s%s", k ? " " : "",
					p->w[k].s);
	return fail(p, "%s needs %s", stmt, what);
}

/* ---- header ---------------------------------------------------------------- */

static int header_once(struct parser *p, unsigned int *line)
{
	if (*line)
		return fail(p, "duplicate %s (first at line %u)", p->w[0].s, *line);
	if (p->s->boot_line)
		return fail(p, "%s must come before boot", p->w[0].s);
	*line = p->line;
	return 0;
}

/* PATH relative to the scenario's folder, unless absolute. */
static char *resolve_path(struct ioda_ctx *ctx, const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	size_t dir = slash && path[0] != '/' ? (size_t)(slash - file) + 1 : 0;
	char *out = ioda_zalloc(ctx, dir + strlen(path) + 1);

	if (out) {
		memcpy(out, file, dir);
		strcpy(out + dir, path);
	}
	return out;
}

static int parse_machine(struct parser *p)
{
	int rc = header_once(p, &p->s->machine_line), kind = IODA_INPUT_AUTO;

	if (!rc)
		rc = need(p, 1, "a path");
	if (!rc && p->n > 2) {
		if (!word_is(&p->w[2], "as"))
			return fail(p, "unexpected word '%s'", p->w[2].s);
		rc = need(p, 3, "an input kind after 'as'");
		if (!rc)
			rc = parse_keyword(p, &p->w[3], "input kind", input_kinds, &kind);
		if (!rc)
			rc = check_words(p, 4);
	}
	if (rc)
		return rc;
	p->s->machine_kind = (enum ioda_input_kind)kind;
	p->s->machine = resolve_path(p->ctx, p->s->file, p->w[1].s);
	return p->s->machine ? 0 : oom(p);
}

static int parse_kernel(struct parser *p)
{
	struct ioda_profile profile;
	struct ioda_error e;
	int rc = header_once(p, &p->s->kernel_line);

	if (!rc)
		rc = need(p, 1, "a version");
	if (!rc)
		rc = check_words(p, 2);
	if (rc)
		return rc;
	if (ioda_profile_init(&profile, p->w[1].s, &e))
		return fail(p, "%s", e.msg);
	p->s->kernel = ioda_strdup(p->ctx, p->w[1].s);
	return p->s->kernel ? 0 : oom(p);
}

static int parse_cmdline(struct parser *p)
{
	int rc = header_once(p, &p->s->cmdline_line);

	if (!rc)
		rc = need(p, 1, "a double-quoted string");
	if (!rc && !p->w[1].quoted)
		rc = fail(p, "cmdline needs a double-quoted string");
	if (!rc)
		rc = check_words(p, 2);
	if (rc)
		return rc;
	p->s->cmdline = ioda_strdup(p->ctx, p->w[1].s);
	return p->s->cmdline ? 0 : oom(p);
}

static int parse_boot(struct parser *p)
{
	int rc;

	if (p->s->boot_line)
		return fail(p, "duplicate boot (first at line %u)", p->s->boot_line);
	if (!p->s->machine_line)
		return fail(p, "boot needs a machine line before it");
	rc = check_words(p, 1);
	if (rc)
		return rc;
	p->s->boot_line = p->line;
	return add_step(p, STEP_BOOT) ? 0 : oom(p);
}

/* ---- steps ------------------------------------------------------------------- */

/*
 * What follows a step's keywords, one letter a word:
 *   D device     B hot add target (bus or device)     E eeh target (device or PE)
 *   P DDDD:PE    N number     T duration    d domain  w a driver name
 *   n new take name     h held take name     r taken name
 *   m new dma map name  u mapped name        A bus address or mapped name
 *   [ the rest is optional: the step's keyword table, default its first entry
 *   K a word of the step's keyword table
 */
struct stmt {
	const char *w0, *w1;
	enum step_kind kind;
	const char *args;
	const struct keyword *kw;
	const char *kw_what;
};

static const struct stmt stmts[] = {
	{.w0 = "hot", .w1 = "add", .kind = STEP_HOT_ADD, .args = "B"},
	{.w0 = "hot", .w1 = "remove", .kind = STEP_HOT_REMOVE, .args = "D"},
	{.w0 = "driver",
	 .w1 = "bind",
	 .kind = STEP_DRIVER_BIND,
	 .args = "Dw[K",
	 .kw = driver_kinds,
	 .kw_what = "driver kind"},
	{.w0 = "driver", .w1 = "unbind", .kind = STEP_DRIVER_UNBIND, .args = "D"},
	{.w0 = "enable", .kind = STEP_ENABLE, .args = "D"},
	{.w0 = "eeh",
	 .w1 = "inject",
	 .kind = STEP_EEH_INJECT,
	 .args = "EK",
	 .kw = eeh_kinds,
	 .kw_what = "eeh error"},
	{.w0 = "eeh", .w1 = "max-freezes", .kind = STEP_EEH_MAX_FREEZES, .args = "N"},
	{.w0 = "eeh", .w1 = "recover", .kind = STEP_EEH_RECOVER, .args = "P"},
	{.w0 = "advance", .kind = STEP_ADVANCE, .args = "T"},
	{.w0 = "sriov", .w1 = "enable", .kind = STEP_SRIOV_ENABLE, .args = "DN"},
	{.w0 = "sriov", .w1 = "disable", .kind = STEP_SRIOV_DISABLE, .args = "D"},
	{.w0 = "take", .kind = STEP_TAKE, .args = "nD"},
	{.w0 = "npu", .w1 = "gpu", .kind = STEP_NPU_GPU, .args = "nD"},
	{.w0 = "drop", .kind = STEP_DROP, .args = "h"},
	{.w0 = "use", .kind = STEP_USE, .args = "r"},
	{.w0 = "dma",
	 .w1 = "map",
	 .kind = STEP_DMA_MAP,
	 .args = "mDN[K",
	 .kw = dma_dirs,
	 .kw_what = "dma direction"},
	{.w0 = "dma", .w1 = "unmap", .kind = STEP_DMA_UNMAP, .args = "u"},
	{.w0 = "dma",
	 .w1 = "from",
	 .kind = STEP_DMA_FROM,
	 .args = "DA[K",
	 .kw = accesses,
	 .kw_what = "access"},
	{.w0 = "dump", .kind = STEP_DUMP, .args = "d"},
	{.w0 = "show", .kind = STEP_SHOW, .args = ""},
};

static const char *arg_name(char a)
{
	switch (a) {
	case 'B':
		return "a bus or a bridge";
	case 'E':
		return "a device or DDDD:PE";
	case 'P':
		return "DDDD:PE";
	case 'N':
		return "a number";
	case 'T':
		return "a duration";
	case 'd':
		return "a domain";
	case 'w':
		return "a driver name";
	case 'n':
	case 'h':
	case 'r':
	case 'm':
	case 'u':
		return "a name";
	case 'A':
		return "an address or a mapping";
	case 'K':
		return "a kind";
	default:
		return "a device";
	}
}

static int parse_arg(struct parser *p, const struct stmt *sm, char a, const struct word *w,
		     struct step *st)
{
	uint64_t v;
	int rc;

	switch (a) {
	case 'D':
		return parse_target(p, w, 0, &st->t);
	case 'B':
		return parse_target(p, w, ALLOW_BUS, &st->t);
	case 'E':
		return parse_target(p, w, ALLOW_PE, &st->t);
	case 'P':
		rc = parse_target(p, w, ALLOW_PE, &st->t);
		if (!rc && st->t.form != T_PE)
			rc = fail(p, "bad PE '%s' (expected DDDD:PE, hex)", w->s);
		return rc;
	case 'N':
		return parse_number(p, w, UINT64_MAX, &st->num);
	case 'T':
		return parse_duration(p, w, &st->num);
	case 'd':
		if (w->quoted || !hex_field(w->s, 4, '\0', &st->t.pe))
			return fail(p, "bad domain '%s' (expected 1 to 4 hex digits)", w->s);
		st->t.domain = (int)st->t.pe;
		return 0;
	case 'w':
		st->text = ioda_strdup(p->ctx, w->s);
		return st->text ? 0 : oom(p);
	case 'n':
	case 'm':
		return new_name(p, w, a == 'm', &st->name);
	case 'h':
		rc = old_name(p, w, false, true, &st->name);
		if (!rc)
			p->s->names[st->name].held = 0;
		return rc;
	case 'u':
		rc = old_name(p, w, true, true, &st->name);
		if (!rc)
			p->s->names[st->name].held = 0;
		return rc;
	case 'r':
		return old_name(p, w, false, false, &st->name);
	case 'A':
		if (scan_number(w->s, &v) && !w->quoted) {
			st->num = v;
			return 0;
		}
		return old_name(p, w, true, true, &st->name);
	default: /* 'K' */
		return parse_keyword(p, w, sm->kw_what, sm->kw, &st->arg);
	}
}

static int parse_step(struct parser *p, const struct stmt *sm)
{
	unsigned int first = sm->w1 ? 2 : 1, i = first;
	bool optional = false, opens = false;
	struct step *st;
	int rc;

	if (!p->s->boot_line)
		return fail(p, "%s must come after boot", p->w[0].s);
	p->nkw = first;
	if (sm->kind == STEP_HOT_ADD) {
		if (p->n < 2 || !word_is(&p->w[p->n - 1], "{"))
			return fail(p, "hot add needs '{' at the end of its line");
		p->n--;
		opens = true;
	}
	st = add_step(p, sm->kind);
	if (!st)
		return oom(p);
	if (sm->kw)
		st->arg = sm->kw[0].value;
	for (const char *a = sm->args; *a; a++) {
		if (*a == '[') {
			optional = true;
			continue;
		}
		if (i >= p->n && optional)
			break;
		rc = need(p, i, arg_name(*a));
		if (!rc)
			rc = parse_arg(p, sm, *a, &p->w[i++], st);
		if (rc)
			return rc;
	}
	rc = check_words(p, i);
	if (rc)
		return rc;
	if (opens) {
		p->block_step = (int)(st - p->s->steps);
		p->block_depth = 1;
		p->body_line = p->line + 1;
		p->body = p->line_start + p->line_len + 1;
	}
	return 0;
}

/* ---- expect ---------------------------------------------------------------- */

struct expect_spec {
	const char *name;
	enum expect_kind kind;
	/* Words after the name: c (compare), y (yes|no), o (optional yes|no), s (string). */
	const char *form;
	bool none; /* the value may be none */
};

static const struct expect_spec expects[] = {
	{.name = "pe", .kind = EX_PE, .form = "Dc", .none = true},
	{.name = "group", .kind = EX_GROUP, .form = "Dc", .none = true},
	{.name = "refs", .kind = EX_REFS, .form = "Dc"},
	{.name = "holders", .kind = EX_HOLDERS, .form = "Dc"},
	{.name = "freezes", .kind = EX_FREEZES, .form = "Dc"},
	{.name = "frozen", .kind = EX_FROZEN, .form = "Dy"},
	{.name = "exists", .kind = EX_EXISTS, .form = "Dy"},
	{.name = "released", .kind = EX_RELEASED, .form = "ro"},
	{.name = "line", .kind = EX_LINE, .form = "s"},
	{.name = "count", .kind = EX_COUNT, .form = "dPc"},
	{.name = "error", .kind = EX_ERROR, .form = "e"},
};

/* OP N, or none (alone or after == / !=) where the value may be none. */
static int parse_compare(struct parser *p, const struct expect_spec *sp, unsigned int *i,
			 struct step *st)
{
	int op = OP_EQ, rc;
	uint64_t v;

	if (*i < p->n && sp->none && word_is(&p->w[*i], "none")) {
		(*i)++;
		st->op = OP_EQ;
		st->want = VAL_NONE;
		return 0;
	}
	rc = need(p, *i, "a comparison");
	if (!rc)
		rc = parse_keyword(p, &p->w[*i], "operator", ops, &op);
	if (!rc)
		rc = need(p, ++*i, "a number");
	if (rc)
		return rc;
	st->op = (enum op)op;
	if (sp->none && word_is(&p->w[*i], "none")) {
		if (op != OP_EQ && op != OP_NE)
			return fail(p, "none compares with == or != only");
		st->want = VAL_NONE;
	} else {
		rc = parse_number(p, &p->w[*i], INT64_MAX, &v);
		if (rc)
			return rc;
		st->want = (int64_t)v;
	}
	(*i)++;
	return 0;
}

static int parse_expect_word(struct parser *p, const struct expect_spec *sp, char f,
			     unsigned int *i, struct step *st)
{
	const struct word *w = &p->w[*i];
	int v = 1, rc;

	switch (f) {
	case 'c':
		return parse_compare(p, sp, i, st);
	case 'o':
		if (*i >= p->n) {
			st->want = 1;
			return 0;
		}
		/* fall through */
	case 'y':
		rc = need(p, *i, "yes or no");
		if (!rc)
			rc = parse_keyword(p, w, "answer", yes_no, &v);
		st->want = v;
		break;
	case 's':
		rc = need(p, *i, "a double-quoted line");
		if (!rc && !w->quoted)
			rc = fail(p, "expect line needs a double-quoted line");
		if (!rc) {
			st->text = ioda_strdup(p->ctx, w->s);
			rc = st->text ? 0 : oom(p);
		}
		break;
	case 'e':
		if (*i >= p->n)
			return 0;
		rc = parse_keyword(p, w, "error", errnos, &v);
		st->want = v;
		break;
	case 'P':
		rc = need(p, *i, "'PEs'");
		if (!rc && !word_is(w, "PEs"))
			rc = fail(p, "expected 'PEs' after the domain, not '%s'", w->s);
		break;
	default: /* 'D', 'r', 'd' */
		rc = need(p, *i, arg_name(f));
		if (!rc)
			rc = parse_arg(p, NULL, f, w, st);
		break;
	}
	(*i)++;
	return rc;
}

static int parse_expect(struct parser *p)
{
	const struct expect_spec *sp = NULL;
	unsigned int i = 2;
	struct step *st;
	bool no = false;
	int rc;

	if (!p->s->boot_line)
		return fail(p, "expect must come after boot");
	rc = need(p, 1, "what to check");
	p->nkw = 2;
	if (rc)
		return rc;
	if (word_is(&p->w[1], "no") && p->n > 2 && word_is(&p->w[2], "line")) {
		no = true;
		i = 3;
		p->nkw = 3;
	}
	for (size_t k = 0; k < sizeof(expects) / sizeof(expects[0]) && !sp; k++)
		if (word_is(&p->w[i - 1], expects[k].name))
			sp = &expects[k];
	if (!sp || (no && sp->kind != EX_LINE))
		return fail(p, "unknown expect '%s'", p->w[1].s);
	if (sp->kind == EX_ERROR && (p->s->steps[p->s->nsteps - 1].kind == STEP_EXPECT ||
				     p->s->steps[p->s->nsteps - 1].kind == STEP_BOOT))
		return fail(p, "expect error must follow the step it checks");
	st = add_step(p, STEP_EXPECT);
	if (!st)
		return oom(p);
	st->arg = no ? EX_NO_LINE : (int)sp->kind;
	for (const char *f = sp->form; *f; f++) {
		rc = parse_expect_word(p, sp, *f, &i, st);
		if (rc)
			return rc;
	}
	return check_words(p, i);
}

/* "unknown statement", or for a known first word what may follow it. */
static int unknown_statement(struct parser *p)
{
	const char *second[4];
	char expected[128] = "";
	size_t len = 0, n = 0;

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
		if (word_is(&p->w[0], stmts[i].w0))
			second[n++] = stmts[i].w1;
	if (!n)
		return fail(p, "unknown statement '%s'", p->w[0].s);
	for (size_t i = 0; i < n; i++)
		join(expected, sizeof(expected), &len, second[i], i, n);
	if (p->n < 2)
		return fail(p, "%s needs %s", p->w[0].s, expected);
	return fail(p, "unknown %s step '%s' (expected %s)", p->w[0].s, p->w[1].s, expected);
}

/* ---- lines ---------------------------------------------------------------------- */

/* Inside a hot add block: the topology parser reads the body when it closes. */
static int block_line(struct parser *p)
{
	struct step *st = &p->s->steps[p->block_step];
	int rc;

	if (p->n == 1 && word_is(&p->w[0], "}"))
		p->block_depth--;
	else if (p->n && word_is(&p->w[p->n - 1], "{"))
		p->block_depth++;
	if (p->block_depth)
		return 0;
	if (p->line == p->body_line)
		return fail(p, "hot add needs at least one device");
	rc = ioda_topo_parse_nodes(p->ctx, p->s->file, p->body, (size_t)(p->line_start - p->body),
				   p->body_line, st->t.form == T_BUS && st->t.bus == 0, &st->nodes,
				   p->err);
	if (!rc && !st->nodes)
		rc = fail(p, "hot add needs at least one device");
	return rc;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	int rc;

	p->line_start = s;
	p->line_len = len;
	rc = tokenize(p, s, len);
	if (rc)
		return rc;
	if (p->block_depth)
		return block_line(p);
	if (!p->n)
		return 0;
	p->nkw = 1;
	if (word_is(&p->w[0], "machine"))
		return parse_machine(p);
	if (word_is(&p->w[0], "kernel"))
		return parse_kernel(p);
	if (word_is(&p->w[0], "cmdline"))
		return parse_cmdline(p);
	if (word_is(&p->w[0], "boot"))
		return parse_boot(p);
	if (word_is(&p->w[0], "expect"))
		return parse_expect(p);
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		const struct stmt *sm = &stmts[i];

		if (word_is(&p->w[0], sm->w0) &&
		    (!sm->w1 || (p->n > 1 && word_is(&p->w[1], sm->w1))))
			return parse_step(p, sm);
	}
	return unknown_statement(p);
}

void ioda_scenario_free(struct ioda_scenario *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->nsteps; i++) {
		ioda_free(s->ctx, s->steps[i].src);
		ioda_free(s->ctx, s->steps[i].text);
		ioda_topo_nodes_free(s->ctx, s->steps[i].nodes);
	}
	for (unsigned int i = 0; i < s->nnames; i++) {
		ioda_free(s->ctx, s->names[i].name);
		ioda_free(s->ctx, s->names[i].holder);
	}
	ioda_free(s->ctx, s->steps);
	ioda_free(s->ctx, s->names);
	ioda_free(s->ctx, s->machine);
	ioda_free(s->ctx, s->kernel);
	ioda_free(s->ctx, s->cmdline);
	ioda_free(s->ctx, s->file);
	ioda_free(s->ctx, s);
}

int ioda_scenario_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			struct ioda_scenario **out, struct ioda_error *err)
{
	struct parser *p = ioda_zalloc(ctx, sizeof(*p));
	size_t off = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (!p) {
		ioda_error_set(err, "%s: out of memory", file);
		return -ENOMEM;
	}
	p->ctx = ctx;
	p->err = err;
	p->s = ioda_zalloc(ctx, sizeof(*p->s));
	if (p->s) {
		p->s->ctx = ctx;
		p->s->file = ioda_strdup(ctx, file);
	}
	if (!p->s || !p->s->file) {
		ioda_error_set(err, "%s: out of memory", file);
		goto out;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t line_len = nl ? (size_t)(nl - (buf + off)) : len - off;

		p->line++;
		rc = parse_line(p, buf + off, line_len);
		if (rc)
			goto out;
		off += line_len + 1;
	}
	p->line++;
	if (p->block_depth)
		rc = fail(p, "missing '}' for hot add opened at line %u", p->body_line - 1);
	else if (!p->s->boot_line)
		rc = fail(p, "no boot step");
	else
		rc = 0;
out:
	if (rc)
		ioda_scenario_free(p->s);
	else
		*out = p->s;
	ioda_free(ctx, p);
	return rc;
}

int ioda_scenario_load(struct ioda_ctx *ctx, const char *path, struct ioda_scenario **out,
		       struct ioda_error *err)
{
	char *buf;
	size_t len;
	int rc = ioda_read_file(ctx, path, &buf, &len, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = ioda_scenario_parse(ctx, path, buf, len, out, err);
	ioda_free(ctx, buf);
	return rc;
}

/* ---- running ------------------------------------------------------------------ */

/* A name's state during a run. */
struct live_name {
	struct pci_dev *dev; /* take: kept after the drop, for use and released */
	bool held;
	bool borrowed;     /* npu gpu under the old rules: a pointer, no reference */
	uint64_t bus_addr; /* dma map */
};

struct run {
	const struct ioda_scenario *s;
	const struct ioda_scenario_opts *o;
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct live_name *names;
	const struct step *step;   /* running now */
	const struct step *action; /* the last action step, whose lines these are */
	char *lines;		 /* the last step's lines, each NUL-terminated */
	size_t len, cap;
	size_t matched; /* past the line the last expect line matched */
	bool oom;
	bool in_use; /* a use step: its report is its result */
	unsigned int failures;
	int last_rc;
};

static void __attribute__((format(printf, 2, 3))) diag(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->o->diag, "%s:%u: ", r->s->file, r->step->line);
	va_start(ap, fmt);
	vfprintf(r->o->diag, fmt, ap);
	va_end(ap);
	fputc('\n', r->o->diag);
}

/* Prints a line of the log and keeps it for expect line. */
static void log_line(struct run *r, const char *line)
{
	size_t n = strlen(line) + 1;

	fprintf(r->o->out, "%s\n", line);
	if (r->len + n > r->cap) {
		size_t cap = 2 * (r->len + n);
		char *b = ioda_realloc(r->s->ctx, r->lines, cap);

		if (!b) {
			r->oom = true;
			return;
		}
		r->lines = b;
		r->cap = cap;
	}
	memcpy(r->lines + r->len, line, n);
	r->len += n;
}

static void __attribute__((format(printf, 2, 3))) note(struct run *r, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(r, line);
}

static void on_event(void *arg, const struct ioda_event *ev)
{
	char line[512];

	ioda_event_format(ev, line, sizeof(line));
	log_line(arg, line);
}

/* Tracker reports join the log; leaks are counted at teardown instead. */
static void on_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	struct run *r = arg;

	fprintf(r->o->diag, "%s\n", line);
	if (r->step)
		log_line(r, line);
	if (kind != IODA_REPORT_LEAK && !(kind == IODA_REPORT_USE_AFTER_RELEASE && r->in_use))
		r->failures++;
}

static void on_violation(void *arg, const char *violation)
{
	struct run *r = arg;

	diag(r, "%s", violation); /* it says "audit: " */
	r->failures++;
}

struct label_search {
	const char *label;
	struct pci_dev *found;
};

static int match_label(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct label_search *ls = arg;

	if (strcmp(dev->label, ls->label))
		return 0;
	ls->found = pci_dev_get(dev, HOLDER);
	return 1;
}

/* The device @t names now, with a reference for HOLDER; NULL when none. */
static struct pci_dev *get_dev(struct run *r, const struct target *t)
{
	struct label_search ls = {t->word, NULL};
	struct live_name *ln;

	switch (t->form) {
	case T_BDF:
		return pci_get_domain_bus_and_slot(r->m, t->domain, t->bus, t->devfn, HOLDER);
	case T_NAME:
		ln = &r->names[t->name];
		return ln->held ? pci_dev_get(ln->dev, HOLDER) : NULL;
	case T_LABEL:
		pci_walk_machine(r->m, match_label, &ls);
		return ls.found;
	default:
		return NULL;
	}
}

static struct ioda_phb_hw *hw_of(struct run *r, int domain)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(r->k, domain);

	return phb ? ioda_opal_phb(r->k->opal, phb->opal_id) : NULL;
}

/* A name whose take or map failed, or was undone, at run time. */
static int not_held(struct ioda_error *err, const struct sname *sn)
{
	ioda_error_set(err, "'%s' is not %s", sn->name, sn->map ? "mapped" : "held");
	return -ENOENT;
}

/* dma from: a DMA by the device, through the hardware; says what came of it. */
static int dma_from(struct run *r, const struct step *st, struct pci_dev *dev,
		    struct ioda_error *err)
{
	struct ioda_phb_hw *hw = hw_of(r, pci_dev_peek_domain_nr(dev));
	uint64_t addr = st->name >= 0 ? r->names[st->name].bus_addr : st->num;
	const char *what = st->arg ? "write" : "read";
	struct ioda_dma_result res = {0};
	int rc;

	if (!hw)
		return -ENODEV;
	if (st->name >= 0 && !r->names[st->name].held)
		return not_held(err, &r->s->names[st->name]);
	rc = ioda_hw_dma(hw, pci_dev_rid(dev), addr, st->arg, &res);
	if (!rc)
		note(r, "scenario: dma %s %s 0x%" PRIx64 ": PE#%x TVE#%u -> 0x%" PRIx64,
		     pci_dev_peek_name(dev), what, addr, res.pe, res.tve, res.sys_addr);
	else if (rc == -EFAULT)
		note(r, "scenario: dma %s %s 0x%" PRIx64 ": PE#%x fault: %s",
		     pci_dev_peek_name(dev), what, addr, res.pe, ioda_hw_reason_name(res.reason));
	else if (rc == -EIO)
		note(r, "scenario: dma %s %s 0x%" PRIx64 ": dropped (DMA stopped)",
		     pci_dev_peek_name(dev), what, addr);
	return rc == -EFAULT || rc == -EIO ? 0 : rc;
}

static int hot_add(struct run *r, const struct step *st, struct pci_dev *dev,
		   struct ioda_error *err)
{
	struct pci_bus *bus;
	int rc = 0;

	if (dev && !dev->subordinate) {
		ioda_error_set(err, "%s is not a bridge", st->t.word);
		return -EINVAL;
	}
	bus = dev ? pci_bus_get(dev->subordinate, HOLDER)
		  : pci_find_bus(r->m, st->t.domain, st->t.bus, HOLDER);
	if (!bus)
		return -ENODEV;
	for (const struct ioda_topo_node *n = st->nodes; n && !rc; n = n->next)
		rc = ioda_hot_add(r->k, bus, n, NULL, NULL, err);
	pci_bus_put(bus, HOLDER);
	return rc;
}

/* Steps on a reference or a mapping the scenario holds. */
static int name_step(struct run *r, const struct step *st, struct pci_dev *dev,
		     struct ioda_error *err)
{
	const struct sname *sn = &r->s->names[st->name];
	struct live_name *ln = &r->names[st->name];
	const char *file = r->s->file;
	int line = (int)st->line, rc = 0;

	switch (st->kind) {
	case STEP_TAKE:
		ln->dev = pci_dev_get_at(dev, sn->holder, file, line);
		ln->held = true;
		return 0;
	case STEP_NPU_GPU:
		/*
		 * pnv_pci_get_gpu_dev(): counted under the counted rule; the
		 * borrowed pointer of the kernels up to 5.12 under v5.5/v5.6.
		 */
		if (r->o->refcount != IODA_REFS_COUNTED) {
			ln->dev = ioda_npu_peek_gpu(r->k, dev);
			ln->held = false;
			ln->borrowed = true;
		} else {
			ln->dev = ioda_npu_get_gpu(r->k, dev, sn->holder);
			ln->held = ln->dev != NULL;
		}
		return ln->dev ? 0 : -ENODEV;
	case STEP_DMA_MAP:
		rc = ioda_dma_map(r->k, dev, st->num, (enum ioda_dma_dir)st->arg, &ln->bus_addr);
		if (rc)
			return rc;
		ln->dev = pci_dev_get_at(dev, sn->holder, file, line);
		ln->held = true;
		note(r, "scenario: dma map %s: %s 0x%" PRIx64 " -> bus 0x%" PRIx64, sn->name,
		     pci_dev_peek_name(dev), st->num, ln->bus_addr);
		return 0;
	case STEP_DMA_UNMAP:
		if (!ln->held)
			return not_held(err, sn);
		rc = ioda_dma_unmap(r->k, ln->dev, ln->bus_addr);
		break;
	case STEP_USE:
		if (!ln->dev)
			return not_held(err, sn);
		r->in_use = true;
		rc = ioda_ref_use_at(&ln->dev->ref, sn->holder, file, line) ? 0 : -EFAULT;
		r->in_use = false;
		return rc;
	default: /* STEP_DROP */
		if (ln->borrowed)
			return 0; /* the consumer forgets a pointer it never counted */
		if (!ln->held)
			return not_held(err, sn);
		break;
	}
	/* Drop, unmap: the object stays known, for use and expect released. */
	ln->held = false;
	pci_dev_put_at(ln->dev, sn->holder, file, line);
	return rc;
}

static bool needs_dev(enum step_kind kind)
{
	switch (kind) {
	case STEP_HOT_REMOVE:
	case STEP_DRIVER_BIND:
	case STEP_DRIVER_UNBIND:
	case STEP_ENABLE:
	case STEP_SRIOV_ENABLE:
	case STEP_SRIOV_DISABLE:
	case STEP_TAKE:
	case STEP_NPU_GPU:
	case STEP_DMA_MAP:
	case STEP_DMA_FROM:
		return true;
	default:
		return false;
	}
}

static int act(struct run *r, const struct step *st, struct pci_dev *dev, struct ioda_error *err)
{
	struct ioda_kernel *k = r->k;

	switch (st->kind) {
	case STEP_HOT_ADD:
		return hot_add(r, st, dev, err);
	case STEP_HOT_REMOVE:
		return ioda_hot_remove(k, dev);
	case STEP_DRIVER_BIND:
		return ioda_driver_bind(k, dev, st->text, (enum ioda_driver_kind)st->arg);
	case STEP_DRIVER_UNBIND:
		return ioda_driver_unbind(k, dev);
	case STEP_ENABLE:
		return ioda_enable_device(k, dev);
	case STEP_EEH_INJECT:
		if (st->t.form == T_PE)
			return ioda_eeh_inject_pe(k, st->t.domain, st->t.pe,
						  (enum ioda_eeh_inject)st->arg);
		return ioda_eeh_inject(k, dev, (enum ioda_eeh_inject)st->arg);
	case STEP_EEH_MAX_FREEZES:
		ioda_eeh_set_max_freezes(k, (unsigned int)st->num);
		return 0;
	case STEP_EEH_RECOVER:
		return ioda_eeh_force_recover(k, st->t.domain, st->t.pe);
	case STEP_ADVANCE:
		ioda_clock_advance(k, st->num);
		return 0;
	case STEP_SRIOV_ENABLE:
		return ioda_sriov_enable(k, dev, (unsigned int)st->num);
	case STEP_SRIOV_DISABLE:
		return ioda_sriov_disable(k, dev);
	case STEP_DMA_FROM:
		return dma_from(r, st, dev, err);
	case STEP_DUMP:
		return ioda_dump_pe_state(k, st->t.domain);
	case STEP_SHOW:
		return ioda_show_text(k, r->o->out) ? -EIO : 0;
	default:
		return name_step(r, st, dev, err);
	}
}

/* The lines --exact holds to account: what ioda replay compares, and the dump's. */
static bool is_pe_line(const char *line)
{
	return strstr(line, "PE#") || strstr(line, "Configuring PE") || strstr(line, "iommu group");
}

/* How often @text is among the first @n lines. */
static unsigned int count_lines(const struct run *r, size_t upto, const char *text)
{
	unsigned int n = 0;

	for (size_t off = 0; off < upto; off += strlen(r->lines + off) + 1)
		n += strcmp(r->lines + off, text) == 0;
	return n;
}

/* How many expect line steps right after @action want @text. */
static unsigned int count_expected(const struct step *action, const struct step *end,
				   const char *text)
{
	unsigned int n = 0;

	for (const struct step *e = action + 1; e < end && e->kind == STEP_EXPECT; e++)
		n += e->arg == EX_LINE && strcmp(e->text, text) == 0;
	return n;
}

/*
 * --exact: each PE line the last action printed must be one its expect line
 * steps name (as often as they name it); the others are findings.
 */
static void check_exact(struct run *r)
{
	const struct step *end = r->s->steps + r->s->nsteps;

	if (!r->o->exact || !r->action)
		return;
	for (size_t off = 0; off < r->len; off += strlen(r->lines + off) + 1) {
		const char *line = r->lines + off;

		if (!is_pe_line(line) || count_lines(r, off + 1, line) <=
						 count_expected(r->action, end, line))
			continue;
		fprintf(r->o->diag, "%s:%u: unexpected line: \"%s\"\n", r->s->file,
			r->action->line, line);
		r->failures++;
	}
	r->action = NULL;
}

/* An action step: its lines, then the EEH event thread's, then the audit. */
static void run_action(struct run *r, const struct step *st)
{
	struct ioda_error err = {""};
	const struct step *next = st + 1;
	struct pci_dev *dev = NULL;
	int rc = 0;

	check_exact(r);
	r->action = st;
	r->len = 0;
	r->matched = 0;
	if (needs_dev(st->kind) || (st->kind == STEP_HOT_ADD && st->t.form != T_BUS) ||
	    (st->kind == STEP_EEH_INJECT && st->t.form != T_PE)) {
		dev = get_dev(r, &st->t);
		if (!dev) {
			ioda_error_set(&err, "no device %s", st->t.word);
			rc = -ENODEV;
		}
	}
	if (!rc)
		rc = act(r, st, dev, &err);
	if (dev)
		pci_dev_put(dev, HOLDER);
	ioda_eeh_poll(r->k);
	r->last_rc = rc;
	if (rc && !(next < r->s->steps + r->s->nsteps && next->kind == STEP_EXPECT &&
		    next->arg == EX_ERROR)) {
		diag(r, "%s: %s", st->src, err.msg[0] ? err.msg : strerror(-rc));
		r->failures++;
	}
	if (r->o->audit)
		ioda_audit(r->k, on_violation, r);
}

static void no_holder(void *arg, const char *holder, unsigned int count, const char *file, int line)
{
}

static unsigned int count_pes(const struct ioda_phb *phb)
{
	const unsigned int bits = 8 * sizeof(*phb->pe_alloc);
	unsigned int n = 0;

	for (unsigned int i = 0; i < phb->total_pe_num; i++)
		n += (phb->pe_alloc[i / bits] >> (i % bits)) & 1;
	return n;
}

/* Where the step printed @text at or after @from, or -1. */
static long find_line(const struct run *r, size_t from, const char *text)
{
	for (size_t off = from; off < r->len; off += strlen(r->lines + off) + 1)
		if (strcmp(r->lines + off, text) == 0)
			return (long)off;
	return -1;
}

/* The value an expect looks at; false (with @why) when there is none. */
static bool expect_value(struct run *r, const struct step *st, struct pci_dev *dev, int64_t *v,
			 const char **why)
{
	struct ioda_phb_hw *hw;
	struct ioda_phb *phb;
	struct ioda_pe *pe;

	if (st->arg == EX_EXISTS) {
		*v = dev != NULL;
		return true;
	}
	if (!dev) {
		*why = "no such device";
		return false;
	}
	pe = ioda_dev_peek_pe(r->k, dev);
	switch (st->arg) {
	case EX_PE:
		*v = pe ? (int64_t)pe->pe_number : VAL_NONE;
		return true;
	case EX_GROUP:
		*v = dev->iommu_group < 0 ? VAL_NONE : dev->iommu_group;
		return true;
	case EX_REFS: /* without the runner's own */
		*v = ioda_ref_count(&dev->ref) - 1;
		return true;
	case EX_HOLDERS:
		*v = (int64_t)ioda_ref_for_each_holder(&dev->ref, no_holder, NULL) - 1;
		return true;
	case EX_FREEZES:
		*v = ioda_eeh_freeze_count(r->k, dev);
		return true;
	default: /* EX_FROZEN */
		phb = pe ? pe->phb : NULL;
		hw = phb ? ioda_opal_phb(r->k->opal, phb->opal_id) : NULL;
		if (!hw) {
			*why = "the device has no PE";
			return false;
		}
		*v = hw->fenced || (ioda_hw_pe_state(hw, pe->pe_number) & IODA_PEST_FROZEN);
		return true;
	}
}

static bool compare(enum op op, int64_t a, int64_t b)
{
	switch (op) {
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	default:
		return a >= b;
	}
}

static void run_expect(struct run *r, const struct step *st)
{
	const struct live_name *ln = &r->names[st->name < 0 ? 0 : st->name];
	const char *why = NULL, *what = st->src + strlen("expect ");
	struct pci_dev *dev = NULL;
	struct ioda_phb *phb;
	int64_t v = 0;
	long at;
	bool ok;

	switch (st->arg) {
	case EX_LINE: /* in the order the step printed them */
		at = find_line(r, r->matched, st->text);
		ok = at >= 0;
		why = find_line(r, 0, st->text) < 0 ? "the step printed no such line"
						    : "printed before the line expected above it";
		if (ok)
			r->matched = (size_t)at + strlen(st->text) + 1;
		break;
	case EX_NO_LINE:
		ok = find_line(r, 0, st->text) < 0;
		why = "the step printed it";
		break;
	case EX_ERROR:
		ok = r->last_rc && (!st->want || r->last_rc == -st->want);
		if (!ok)
			why = r->last_rc ? strerror(-r->last_rc) : "the step succeeded";
		break;
	case EX_RELEASED:
		ok = ln->dev && ioda_ref_released(&ln->dev->ref) == (st->want != 0);
		why = !ln->dev ? "it was never taken" : st->want ? "it is live" : "it is released";
		break;
	case EX_COUNT:
		phb = ioda_kernel_peek_phb(r->k, st->t.domain);
		why = phb ? NULL : "no such PHB";
		v = phb ? count_pes(phb) : 0;
		ok = phb && compare(st->op, v, st->want);
		break;
	default:
		dev = get_dev(r, &st->t);
		ok = expect_value(r, st, dev, &v, &why);
		if (ok && (st->arg == EX_FROZEN || st->arg == EX_EXISTS))
			ok = v == st->want;
		else if (ok)
			ok = compare(st->op, v, st->want);
		if (dev)
			pci_dev_put(dev, HOLDER);
		break;
	}
	if (ok)
		return;
	r->failures++;
	if (why)
		diag(r, "expect failed: %s: %s", what, why);
	else if (v == VAL_NONE)
		diag(r, "expect failed: %s: got none", what);
	else
		diag(r, "expect failed: %s: got %" PRId64 " (0x%" PRIx64 ")", what, v, (uint64_t)v);
}

static int boot(struct run *r, const struct step *st, struct ioda_error *err)
{
	const struct ioda_scenario *s = r->s;
	struct ioda_boot_opts bo = {
		.kernel = r->o->kernel ? r->o->kernel : s->kernel,
		.cmdline = s->cmdline,
		.refcount = r->o->refcount,
	};
	struct ioda_error e = {""};
	int rc;

	r->len = 0;
	r->matched = 0;
	if (r->o->load_machine)
		rc = r->o->load_machine(r->o->load_arg, s->ctx, s->machine, s->machine_kind, &r->m,
					&e);
	else
		rc = ioda_load_machine(s->ctx, s->machine, s->machine_kind, &r->m, &e);
	if (rc) {
		ioda_error_set(err, "%s:%u: %s", s->file, s->machine_line, e.msg);
		return rc;
	}
	rc = ioda_kernel_boot(r->m, &bo, on_event, r, &r->k, &e);
	if (rc) {
		ioda_machine_free(r->m);
		r->m = NULL;
		ioda_error_set(err, "%s:%u: %s", s->file, st->line, e.msg);
		return rc;
	}
	ioda_eeh_poll(r->k);
	if (r->o->audit)
		ioda_audit(r->k, on_violation, r);
	return 0;
}

/* What the scenario still holds at its end is its own leak: say so, then let go. */
static void release_names(struct run *r)
{
	const struct ioda_scenario *s = r->s;

	for (unsigned int i = 0; i < s->nnames; i++) {
		struct live_name *ln = &r->names[i];

		if (!ln->held)
			continue;
		fprintf(r->o->diag, "%s: '%s' is still %s at the end\n", s->file, s->names[i].name,
			s->names[i].map ? "mapped" : "held");
		r->failures++;
		if (s->names[i].map)
			ioda_dma_unmap(r->k, ln->dev, ln->bus_addr);
		pci_dev_put(ln->dev, s->names[i].holder);
	}
}

int ioda_scenario_run(const struct ioda_scenario *s, const struct ioda_scenario_opts *opts,
		      struct ioda_error *err)
{
	struct run r = {.s = s, .o = opts};
	int rc = 0;

	r.names = ioda_calloc(s->ctx, s->nnames + 1, sizeof(*r.names));
	if (!r.names) {
		ioda_error_set(err, "%s: out of memory", s->file);
		return -ENOMEM;
	}
	ioda_ctx_set_report(s->ctx, on_report, &r);
	for (unsigned int i = 0; i < s->nsteps && !rc; i++) {
		const struct step *st = &s->steps[i];

		r.step = st;
		if (st->kind == STEP_BOOT)
			rc = boot(&r, st, err);
		else if (st->kind == STEP_EXPECT)
			run_expect(&r, st);
		else
			run_action(&r, st);
		if (!rc && r.oom) {
			ioda_error_set(err, "%s:%u: out of memory", s->file, st->line);
			rc = -ENOMEM;
		}
	}
	r.step = NULL;
	check_exact(&r);
	if (r.k) {
		release_names(&r);
		ioda_kernel_free(r.k);
	}
	if (r.m && ioda_machine_free(r.m))
		r.failures++;
	ioda_ctx_set_report(s->ctx, NULL, NULL);
	ioda_free(s->ctx, r.lines);
	ioda_free(s->ctx, r.names);
	if (rc)
		return rc;
	return r.failures ? 1 : 0;
}

int ioda_scenario_json(const char *file, int status, const char *log, const char *diag,
		       FILE *out)
{
	json_object *o = json_object_new_object();

	if (!o || !ioda_json_add(o, "scenario", json_object_new_string(file)) ||
	    !ioda_json_add(o, "status", json_object_new_int(status)) ||
	    !ioda_json_add(o, "log", ioda_json_lines(log)) ||
	    !ioda_json_add(o, "findings", ioda_json_lines(diag))) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
