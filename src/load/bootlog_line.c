/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot log line forms: what the characters, the stamps and the lines of
 * each family look like.  The stamp stripper and the PE and resource
 * patterns (replay_score.py's STAMP, PE and RES, exported in bootlog.h)
 * and the strict scanf (bootlog_scan()) the loader's line tables are
 * written in.  Nothing here knows what a line means.
 */
#include <string.h>

#include "bootlog_priv.h"

/* ---- characters, stamps and the PE pattern ------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* [0-9a-f]: the PE pattern takes lowercase only. */
static bool is_lhex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "\d\d:" style: @n characters of class @cls. */
static const char *run(const char *s, const char *end, bool (*cls)(char), size_t n)
{
	for (size_t i = 0; i < n; i++, s++)
		if (s == end || !cls(*s))
			return NULL;
	return s;
}

/* \[\s*\d+\.\d+\]\s* */
static const char *dmesg_stamp(const char *s, const char *end)
{
	const char *q;

	if (s == end || *s != '[')
		return NULL;
	s = bootlog_skip(s + 1, end, bootlog_is_space);
	q = bootlog_skip(s, end, is_digit);
	if (q == s || q == end || *q != '.')
		return NULL;
	s = bootlog_skip(q + 1, end, is_digit);
	if (s == q + 1 || s == end || *s != ']')
		return NULL;
	return bootlog_skip(s + 1, end, bootlog_is_space);
}

/* \w{3} +\d+ \d\d:\d\d:\d\d \S+ kernel: */
static const char *journal_stamp(const char *s, const char *end)
{
	const char *q;

	s = run(s, end, is_word, 3);
	if (!s || s == end || *s != ' ')
		return NULL;
	while (s < end && *s == ' ')
		s++;
	q = bootlog_skip(s, end, is_digit);
	if (q == s || q == end || *q++ != ' ')
		return NULL;
	for (int i = 0; i < 3; i++) {
		q = run(q, end, is_digit, 2);
		if (!q || q == end || *q++ != (i < 2 ? ':' : ' '))
			return NULL;
	}
	s = bootlog_skip(q, end, bootlog_is_not_space);
	if (s == q || !bootlog_has_prefix(s, end, " kernel: "))
		return NULL;
	return s + strlen(" kernel: ");
}

const char *ioda_bootlog_strip_stamp(const char *line, size_t *len)
{
	const char *end = line + *len;
	const char *s = dmesg_stamp(line, end);

	if (!s)
		s = journal_stamp(line, end);
	if (!s)
		return line;
	*len = (size_t)(end - s);
	return s;
}

static const char *const pe_dev_phrases[] = {
	"Configured PE#",
	"Added to existing PE#",
	"Adding to iommu group",
	"Associating to existing PE",
};

/* "DDDD:BB" of the PE pattern, lowercase hex. */
static const char *pe_domain_bus(const char *s, const char *end)
{
	s = run(s, end, is_lhex, 4);
	if (!s || s == end || *s != ':')
		return NULL;
	return run(s + 1, end, is_lhex, 2);
}

static bool is_lhex_or_space(char c)
{
	return is_lhex(c) || c == ' ';
}

/* Whether one of the PE alternatives matches at @s (which starts "pci"). */
static bool pe_match_at(const char *s, const char *end)
{
	const char *q, *dev = NULL;

	if (bootlog_has_prefix(s, end, "pci_bus ")) {
		static const char conf[] = ": Configuring PE for bus";

		q = pe_domain_bus(s + 8, end);
		return q && bootlog_eq(q, (size_t)(end - q), conf);
	}
	if (!bootlog_has_prefix(s, end, "pci "))
		return false;
	q = pe_domain_bus(s + 4, end);
	if (!q)
		return false;
	/* (:[0-9a-f ]{2}\.\d|     ) */
	if (q < end && *q == ':') {
		const char *f = run(q + 1, end, is_lhex_or_space, 2);

		if (f && end - f >= 2 && f[0] == '.' && is_digit(f[1])) {
			if (run(q + 1, end, is_lhex, 2))
				dev = f + 2; /* a real BDF: the device phrases apply too */
			q = f + 2;
		} else {
			q = NULL;
		}
	} else {
		q = bootlog_has_prefix(q, end, "     ") ? q + 5 : NULL;
	}
	if (q && bootlog_has_prefix(q, end, ": [PE# ")) {
		const char *h = bootlog_skip(q + 7, end, is_lhex);

		if (h > q + 7 && bootlog_has_prefix(h, end, "] "))
			return true;
	}
	if (dev && bootlog_has_prefix(dev, end, ": "))
		for (size_t i = 0; i < ARRAY_SIZE(pe_dev_phrases); i++)
			if (bootlog_has_prefix(dev + 2, end, pe_dev_phrases[i]))
				return true;
	return false;
}

/* The first place of [s, s + len) that starts "pci" and where @match_at matches. */
static const char *find_pci(const char *s, size_t len,
			    bool (*match_at)(const char *at, const char *end))
{
	const char *end = s + len, *p = s;

	while ((p = memchr(p, 'p', (size_t)(end - p)))) {
		if (bootlog_has_prefix(p, end, "pci") && match_at(p, end))
			return p;
		p++;
	}
	return NULL;
}

const char *ioda_bootlog_find_pe(const char *s, size_t len)
{
	return find_pci(s, len, pe_match_at);
}

/* "pci DDDD:BB:SS.F: " of the RES pattern; where the text after it starts. */
static const char *res_dev(const char *s, const char *end)
{
	s = pe_domain_bus(s + 4, end);
	if (!s || s == end || *s != ':')
		return NULL;
	s = run(s + 1, end, is_lhex, 2);
	if (!s || end - s < 4 || s[0] != '.' || !is_digit(s[1]) || s[2] != ':' || s[3] != ' ')
		return NULL;
	return s + 4;
}

static const char *const res_outcomes[] = {
	"assigned", "no space for", "failed to assign", "can't assign",
};

/*
 * (BAR \d+|bridge window)( \[[^]]*\])?: (assigned|no space for|failed to
 * assign|can't assign).*  or  "  bridge window \[.*\]", to the line's end.
 */
static bool res_match_at(const char *s, const char *end)
{
	const char *q = bootlog_has_prefix(s, end, "pci ") ? res_dev(s, end) : NULL;

	if (!q)
		return false;
	if (bootlog_has_prefix(q, end, "  bridge window ["))
		return end[-1] == ']';
	if (bootlog_has_prefix(q, end, "BAR ")) {
		const char *d = bootlog_skip(q + 4, end, is_digit);

		if (d == q + 4)
			return false;
		q = d;
	} else if (bootlog_has_prefix(q, end, "bridge window")) {
		q += strlen("bridge window");
	} else {
		return false;
	}
	if (bootlog_has_prefix(q, end, " [")) {
		const char *c = memchr(q + 2, ']', (size_t)(end - q - 2));

		if (c && (!memchr(q + 2, '[', (size_t)(c - q - 2))) &&
		    bootlog_has_prefix(c + 1, end, ": "))
			q = c + 1;
	}
	if (!bootlog_has_prefix(q, end, ": "))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(res_outcomes); i++)
		if (bootlog_has_prefix(q + 2, end, res_outcomes[i]))
			return true;
	return false;
}

const char *ioda_bootlog_find_res(const char *s, size_t len)
{
	return find_pci(s, len, res_match_at);
}

/* ---- the line scanner ---------------------------------------------------- */

/* 1..16 digits (exactly @width when non-zero) of @base. */
const char *bootlog_scan_num(const char *s, const char *end, unsigned int base,
			     unsigned int width, uint64_t *out)
{
	const char *start = s;
	uint64_t v = 0;

	for (; s < end; s++) {
		int d = hex_value(*s);

		if (d < 0 || (unsigned int)d >= base || (width && (size_t)(s - start) == width))
			break;
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			return NULL;
		v = v * base + (unsigned int)d;
	}
	if (s == start || (width && (unsigned int)(s - start) != width))
		return NULL;
	*out = v;
	return s;
}

static const char *scan_hex0x(const char *s, const char *end, uint64_t *out)
{
	if (end - s < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return NULL;
	return bootlog_scan_num(s + 2, end, 16, 0, out);
}

static const char *scan_res(const char *s, const char *end, struct res *r)
{
	static const struct {
		const char *word;
		enum res_type type;
		unsigned int flags;
	} types[] = {
		{ "io", RES_IO, PCI_RES_IO },
		{ "mem", RES_MEM, PCI_RES_MEM },
		{ "bus", RES_BUS, 0 },
	}, words[] = {
		{ "64bit", RES_MEM, PCI_RES_MEM64 },
		{ "pref", RES_MEM, PCI_RES_PREFETCH },
	};
	const char *w;
	uint64_t size;

	memset(r, 0, sizeof(*r));
	if (s == end || *s++ != '[')
		return NULL;
	w = s;
	while (s < end && *s != ' ' && *s != ']')
		s++;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (bootlog_eq(w, (size_t)(s - w), types[i].word)) {
			r->type = types[i].type;
			r->flags = types[i].flags;
		}
	if (s == w || s == end || *s != ' ')
		return NULL;
	while (s < end && *s == ' ')
		s++;
	if (bootlog_has_prefix(s, end, "size ")) {
		s = scan_hex0x(s + 5, end, &size);
		if (!s || size == 0)
			return NULL;
		r->sized = true;
		r->end = size - 1;
	} else if (r->type == RES_BUS) {
		s = bootlog_scan_num(s, end, 16, 0, &r->start);
		r->end = r->start;
		if (s && s < end && *s == '-')
			s = bootlog_scan_num(s + 1, end, 16, 0, &r->end);
	} else {
		s = scan_hex0x(s, end, &r->start);
		if (s && s < end && *s == '-')
			s = scan_hex0x(s + 1, end, &r->end);
		else
			s = NULL;
	}
	if (!s || r->end < r->start)
		return NULL;
	while (s < end && *s == ' ') {
		w = ++s;
		while (s < end && *s != ' ' && *s != ']')
			s++;
		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			if (bootlog_eq(w, (size_t)(s - w), words[i].word))
				r->flags |= words[i].flags;
	}
	if (s == end || *s != ']')
		return NULL;
	return s + 1;
}

/*
 * A strict scanf: literal characters match themselves; %u decimal, %x 0x-hex,
 * %h bare hex (a width digit asks for exactly that many digits), %s one or
 * more characters up to the next literal of the format, %r a resource, %_
 * any number of spaces, %* the rest of the line.  Returns where the match
 * ends, or NULL.
 */
const char *bootlog_scan(const char *s, const char *end, const char *fmt, struct fields *f)
{
	f->nn = f->ns = 0;
	while (*fmt && s) {
		unsigned int width = 0;
		const char *b = s;
		char conv;

		if (*fmt != '%') {
			if (s == end || *s != *fmt)
				return NULL;
			s++;
			fmt++;
			continue;
		}
		for (fmt++; is_digit(*fmt); fmt++)
			width = width * 10 + (unsigned int)(*fmt - '0');
		conv = *fmt++;
		switch (conv) {
		case 'u':
		case 'x':
		case 'h':
			if (f->nn == MAX_NUMS)
				return NULL;
			if (conv == 'x')
				s = scan_hex0x(s, end, &f->n[f->nn]);
			else
				s = bootlog_scan_num(s, end, conv == 'u' ? 10 : 16, width,
						     &f->n[f->nn]);
			f->nn++;
			break;
		case 's':
		case '*':
			/* %s stops at the next literal; %* and a last %s take the rest. */
			if (conv == '*' || !*fmt || *fmt == '%')
				s = end;
			else
				while (s < end && *s != *fmt)
					s++;
			if ((conv == 's' && s == b) || f->ns == MAX_SPANS)
				return NULL;
			f->s[f->ns++] = (struct span){ b, (size_t)(s - b) };
			break;
		case '_':
			while (s < end && *s == ' ')
				s++;
			break;
		case 'r':
			s = scan_res(s, end, &f->r);
			break;
		default:
			return NULL;
		}
	}
	return s;
}

void bootlog_span_copy(char *dst, size_t size, const struct span *sp)
{
	size_t n = sp->len < size - 1 ? sp->len : size - 1;

	memcpy(dst, sp->s, n);
	dst[n] = '\0';
}
