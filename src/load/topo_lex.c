/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words of topology text: a line cut into tokens, and the numbers,
 * sizes, names, strings, labels and "name=value" attributes read from them.
 * The statement parsers (topo_stmt.c) get values; a malformed word is
 * reported here, at its column.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ioda/ctx.h>

#include "topo_priv.h"

#define LABEL_SIZE sizeof(((struct ioda_topo_node *)NULL)->label)

int __attribute__((format(printf, 4, 5)))
topo_fail_at(struct parser *p, unsigned int line, unsigned int col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u:%u: %s", p->file, line, col, msg);
	return -EINVAL;
}

int topo_oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->file);
	return -ENOMEM;
}

/* Splits @t at its first @sep; false when there is none. */
bool topo_tok_split(const struct tok *t, char sep, struct tok *a, struct tok *b)
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
bool topo_scan_hex(const struct tok *t, size_t max_digits, uint64_t *out)
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
int topo_scan_u64(const char *s, size_t len, uint64_t *out)
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

int topo_parse_number(struct parser *p, const struct tok *t, uint64_t *out)
{
	int rc = topo_scan_u64(t->s, t->len, out);

	if (rc == -ERANGE)
		return fail(p, t, "number '%.*s' does not fit in 64 bits", TOK(t));
	if (rc)
		return fail(p, t, "bad number '%.*s'", TOK(t));
	return 0;
}

/* A number with an optional binary suffix K, M, G or T. */
int topo_parse_size(struct parser *p, const struct tok *t, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	const char *sfx = t->len ? memchr(suffixes, t->s[t->len - 1], 4) : NULL;
	unsigned int shift = sfx ? 10 * (unsigned int)(sfx - suffixes + 1) : 0;
	int rc = topo_scan_u64(t->s, t->len - (sfx != NULL), out);

	if (rc == -EINVAL)
		return fail(p, t, "bad size '%.*s'", TOK(t));
	if (rc || *out > UINT64_MAX >> shift)
		return fail(p, t, "size '%.*s' does not fit in 64 bits", TOK(t));
	*out <<= shift;
	return 0;
}

/* ---- attributes ---------------------------------------------------------- */

int topo_parse_enum(struct parser *p, const struct tok *t, const char *what,
		    const struct enum_name *names, int *out)
{
	char expected[128] = "";
	size_t len = 0;

	for (const struct enum_name *e = names; e->name; e++) {
		const char *sep = ", ";

		if (topo_tok_is(t, e->name)) {
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
				return topo_fail_at(p, p->line, t->col + (unsigned int)i - 1,
						    "unknown escape '\\%c' in string", c);
		}
		if (o == size - 1)
			return fail(p, t, "%s is longer than %zu characters", spec->name, size - 1);
		out[o++] = c;
	}
	if (i + 1 != t->len)
		return topo_fail_at(p, p->line, t->col + (unsigned int)i + 1,
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
	if (!topo_scan_hex(t, 2, out) || *out == 0)
		return fail(p, t, "bad bus number '%.*s' (expected hex 01..ff)", TOK(t));
	return 0;
}

static int parse_buses(struct parser *p, const struct tok *t, struct attr_val *v)
{
	struct tok first, last;
	int rc;

	if (!topo_tok_split(t, '-', &first, &last))
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

	if (!topo_tok_split(t, '+', &addr, &size))
		return fail(p, t, "bad window '%.*s' (expected ADDR+SIZE)", TOK(t));
	rc = topo_parse_number(p, &addr, &v->num);
	if (!rc)
		rc = topo_parse_size(p, &size, &v->num2);
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
		rc = topo_parse_number(p, t, &v->num);
		if (rc || (v->num >= spec->min && v->num <= spec->max))
			return rc;
		if (spec->hex)
			return fail(p, t, "%s %.*s out of range (%#" PRIx64 "..%#" PRIx64 ")",
				    spec->name, TOK(t), spec->min, spec->max);
		return fail(p, t, "%s %.*s out of range (%" PRIu64 "..%" PRIu64 ")", spec->name,
			    TOK(t), spec->min, spec->max);
	case ATTR_SIZE:
		rc = topo_parse_size(p, t, &v->num);
		if (rc || !spec->max || v->num <= spec->max)
			return rc;
		return fail(p, t, "%s %.*s is more than %" PRIu64 "T", spec->name, TOK(t),
			    spec->max >> 40);
	case ATTR_HEX16:
		if (t->len != 4 || !topo_scan_hex(t, 4, &v->num))
			return fail(p, t, "bad %s '%.*s' (expected 4 hex digits)", spec->name,
				    TOK(t));
		return 0;
	case ATTR_ENUM:
		rc = topo_parse_enum(p, t, spec->name, spec->names, &e);
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
		return topo_parse_number(p, t, &v->num);
	case ATTR_FLAG: /* has no value: topo_parse_attrs() checks */
		break;
	}
	return 0;
}

/*
 * Parses the words t[first..n) as @st's attributes into v[] (zeroed by the
 * caller): "name=value", a bare flag, or "@value".  Then checks that the
 * required ones were given.
 */
int topo_parse_attrs(struct parser *p, const struct stmt *st, const struct tok *t,
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
			if (topo_tok_is(&key, st->attrs[k].name))
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

/* ---- lines --------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Cuts a line into tokens; a '#' outside a string ends it. */
int topo_tokenize(struct parser *p, const char *s, size_t len, struct tok *toks, unsigned int *np)
{
	unsigned int n = 0;
	size_t i = 0;

	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 && !is_blank(s[k]))
			return topo_fail_at(p, p->line, (unsigned int)k + 1,
					    "unexpected control character 0x%02x",
					    (unsigned char)s[k]);
	while (i < len) {
		size_t start = i;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (n == MAX_TOKENS)
			return topo_fail_at(p, p->line, (unsigned int)i + 1,
					    "too many words on one line (max %d)", MAX_TOKENS);
		while (i < len && !is_blank(s[i]) && s[i] != '#') {
			if (s[i] == '"') {
				size_t quote = i++;

				while (i < len && s[i] != '"')
					i += s[i] == '\\' && i + 1 < len ? 2 : 1;
				if (i >= len)
					return topo_fail_at(p, p->line, (unsigned int)quote + 1,
							    "unterminated string");
			}
			i++;
		}
		toks[n++] = (struct tok){s + start, i - start, (unsigned int)start + 1};
	}
	*np = n;
	return 0;
}
