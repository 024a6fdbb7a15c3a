/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words of a scenario line: the tokenizer, the error that names the
 * line, and the readers of numbers, devices, keywords and names that the
 * statements (scenario_parse.c) are made of, down to a step's arguments
 * by their letters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_priv.h"

#define LABEL_MAX 31

int __attribute__((format(printf, 2, 3))) scenario_fail(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u: %s", p->s->file, p->line, msg);
	return -EINVAL;
}

int scenario_oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->s->file);
	return -ENOMEM;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

bool scenario_word_is(const struct word *w, const char *s)
{
	return !w->quoted && strcmp(w->s, s) == 0;
}

/* Cuts the line into words; quoted strings lose their quotes and escapes. */
int scenario_tokenize(struct parser *p, const char *s, size_t len)
{
	char *o = p->scratch;
	size_t i = 0;

	p->n = 0;
	if (len > MAX_LINE)
		return scenario_fail(p, "line too long (max %d characters)", MAX_LINE);
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 && !is_blank(s[k]))
			return scenario_fail(p, "unexpected control character 0x%02x",
					     (unsigned char)s[k]);
	while (i < len && s[i] != '#') {
		struct word *w;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (p->n == MAX_WORDS)
			return scenario_fail(p, "too many words on one line (max %d)", MAX_WORDS);
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
					return scenario_fail(p, "unknown escape in string");
				*o++ = s[i];
			}
			if (i++ == len)
				return scenario_fail(p, "unterminated string");
			if (i < len && !is_blank(s[i]) && s[i] != '#')
				return scenario_fail(p, "unexpected text after the closing quote");
		} else {
			while (i < len && !is_blank(s[i]) && s[i] != '#') {
				if (s[i] == '"')
					return scenario_fail(p, "unexpected '\"' inside a word");
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

struct step *scenario_add_step(struct parser *p, enum step_kind kind)
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

/* A PE number: hex, as the kernel prints it (PE#fd), 0x optional. */
int scenario_parse_pe_number(struct parser *p, const struct word *w, uint64_t max, uint64_t *out)
{
	const char *digits = w->s + ((w->s[0] == '0' && (w->s[1] == 'x' || w->s[1] == 'X')) ? 2 : 0);
	char *end;

	errno = 0;
	if (w->quoted || !*digits || !strchr("0123456789abcdefABCDEF", *digits) ||
	    (*out = strtoull(digits, &end, 16), *end) || errno)
		return scenario_fail(p, "bad PE number '%s' (hex, as PE#fd prints it)", w->s);
	if (*out > max)
		return scenario_fail(p, "PE number '%s' out of range (max %" PRIx64 ")", w->s, max);
	return 0;
}

int scenario_parse_number(struct parser *p, const struct word *w, uint64_t max, uint64_t *out)
{
	if (w->quoted || !scan_number(w->s, out))
		return scenario_fail(p, "bad number '%s'", w->s);
	if (*out > max)
		return scenario_fail(p, "number '%s' out of range (max %" PRIu64 ")", w->s, max);
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
			return scenario_fail(
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
		return scenario_fail(p, "bad target '%s' (expected DDDD:BB or a device)", w->s);
	if (allow & ALLOW_PE)
		return scenario_fail(p, "bad target '%s' (expected DDDD:PE or a device)", w->s);
	return scenario_fail(p, "bad device '%s' (expected DDDD:BB:DD.F, a label or a taken name)",
			     w->s);
}

/* Appends item @i of @n to a list in words: "a, b or c". */
void scenario_join(char *buf, size_t size, size_t *len, const char *item, size_t i, size_t n)
{
	const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

	if (*len < size)
		*len += (size_t)snprintf(buf + *len, size - *len, "%s%s", sep, item);
}

int scenario_parse_keyword(struct parser *p, const struct word *w, const char *what,
			   const struct keyword *kw, int *out)
{
	char expected[160] = "";
	size_t len = 0, n = 0;

	while (kw[n].name)
		n++;
	for (size_t i = 0; i < n; i++) {
		if (scenario_word_is(w, kw[i].name)) {
			*out = kw[i].value;
			return 0;
		}
		scenario_join(expected, sizeof(expected), &len, kw[i].name, i, n);
	}
	return scenario_fail(p, "unknown %s '%s' (expected %s)", what, w->s, expected);
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
	return scenario_fail(p, "bad duration '%s' (expected a number and s, m or h)", w->s);
}

/* A name for take or dma map: new, or free again (dropped, unmapped). */
static int new_name(struct parser *p, const struct word *w, bool map, int *out)
{
	struct ioda_scenario *s = p->s;
	int i = find_name(s, w->s);
	struct sname *n;

	if (w->quoted || !valid_label(w->s) || strchr(w->s, ':'))
		return scenario_fail(p, "bad name '%s' (allowed: letters, digits, '_', '.', '-')",
				     w->s);
	if (i >= 0) {
		n = &s->names[i];
		if (n->map != map)
			return scenario_fail(p, "'%s' is already the name of a %s (line %u)", w->s,
					     n->map ? "mapping" : "reference", n->held);
		if (n->held)
			return scenario_fail(p, "'%s' is already %s at line %u", w->s,
					     map ? "mapped" : "held", n->held);
		n->held = p->line;
		*out = i;
		return 0;
	}
	if (s->nnames == s->names_cap) {
		struct sname *a = grow(p->ctx, s->names, &s->names_cap, sizeof(*a));

		if (!a)
			return scenario_oom(p);
		s->names = a;
	}
	n = &s->names[s->nnames];
	memset(n, 0, sizeof(*n));
	n->name = ioda_strdup(p->ctx, w->s);
	n->holder = ioda_zalloc(p->ctx, sizeof(HOLDER) + strlen(w->s) + 1);
	if (!n->name || !n->holder) {
		ioda_free(p->ctx, n->name);
		ioda_free(p->ctx, n->holder);
		return scenario_oom(p);
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
		return scenario_fail(p, "'%s' is not a %s name", w->s, map ? "dma map" : "take");
	if (held && !p->s->names[i].held)
		return scenario_fail(p, "'%s' is not %s", w->s, map ? "mapped" : "held");
	*out = i;
	return 0;
}

/* Only the words of the statement may be on the line. */
int scenario_check_words(struct parser *p, unsigned int n)
{
	if (p->n > n)
		return scenario_fail(p, "unexpected word '%s'", p->w[n].s);
	return 0;
}

/* "STATEMENT needs WHAT" when word @i is missing. */
int scenario_need(struct parser *p, unsigned int i, const char *what)
{
	char stmt[64] = "";
	size_t len = 0;

	if (p->n > i)
		return 0;
	for (unsigned int k = 0; k < p->nkw && k < p->n; k++)
		len += (size_t)snprintf(stmt + len, sizeof(stmt) - len, "%s%s", k ? " " : "",
					p->w[k].s);
	return scenario_fail(p, "%s needs %s", stmt, what);
}

const char *scenario_arg_name(char a)
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
	case 'S':
		return "a slot";
	case 'O':
		return "an OPAL call";
	default:
		return "a device";
	}
}

int scenario_parse_arg(struct parser *p, const struct stmt *sm, char a, const struct word *w,
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
			rc = scenario_fail(p, "bad PE '%s' (expected DDDD:PE, hex)", w->s);
		return rc;
	case 'N':
		return scenario_parse_number(p, w, UINT64_MAX, &st->num);
	case 'O':
		st->arg = w->quoted ? 0 : (int)ioda_opal_token_of(w->s);
		if (!st->arg)
			return scenario_fail(p, "unknown OPAL call '%s' (expected set_pe, "
					     "set_peltv, map_pe_dma_window, ...)", w->s);
		return 0;
	case 'T':
		return parse_duration(p, w, &st->num);
	case 'd':
		if (w->quoted || !hex_field(w->s, 4, '\0', &st->t.pe))
			return scenario_fail(p, "bad domain '%s' (expected 1 to 4 hex digits)",
					     w->s);
		st->t.domain = (int)st->t.pe;
		return 0;
	case 'w':
		st->text = ioda_strdup(p->ctx, w->s);
		return st->text ? 0 : scenario_oom(p);
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
	case 'S': /* /sys/bus/pci/slots/NAME: resolved when run */
		if (strlen(w->s) >= sizeof(st->t.word))
			return scenario_fail(p, "slot name '%s' is too long", w->s);
		strcpy(st->t.word, w->s);
		return 0;
	case 'A':
		if (scan_number(w->s, &v) && !w->quoted) {
			st->num = v;
			return 0;
		}
		return old_name(p, w, true, true, &st->name);
	default: /* 'K' */
		return scenario_parse_keyword(p, w, sm->kw_what, sm->kw, &st->arg);
	}
}
