/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel boot log loader.
 *
 * One pass over the log, a line at a time, nothing allocated for a line it
 * ignores.  Each line loses its stamp (replay_score.py's STAMP: "[ 1.2] ",
 * or journalctl's "Mon DD HH:MM:SS host kernel: ") and its trailing blanks;
 * a PE line (replay_score.py's PE pattern) is set aside and never read
 * further.  The rest go through tables of line formats (scan() below: a
 * strict scanf), so one handler serves every spelling a kernel version uses.
 * Devices are collected flat and the tree is built at the end, because the
 * kernel prints "PCI bridge to [bus a-b]" after the devices behind it.
 *
 * Rules for what the log does not spell out, checked on the corpus logs:
 *  - A PHB header ("Initializing IODA2 PHB (/pciex@...)" and its lines)
 *    belongs to the host bridge whose root bus M32 resource starts where the
 *    header's first "ranges" MEM line does; a header without that line takes
 *    the next host bridge in log order (the kernel probes in the same order).
 *  - RAM: "phys_mem_size = 0x.." beats "Total RAM: 0x.." (both bytes, both
 *    memblock_phys_mem_size()), which beat "Memory: a/bK" (KiB, present
 *    pages), which beats crashkernel's "(System RAM: NMB)".
 *  - PAGE_SIZE: "Dentry cache hash table entries: N (order: K, B bytes"
 *    prints the table size B and its order, so PAGE_SIZE = B >> K (the table
 *    is a power of two, pages or more); else the Dquot-cache line, which
 *    prints PAGE_SIZE << order.
 *  - CPU: "Hardware name: MODEL POWERn 0xPVR ..." (also the model), else
 *    "POWERn performance monitor hardware support registered", else
 *    "dt-cpu-ftrs: setup for ISA 3000" (POWER9) / 3100 (POWER10).  The PHB
 *    generation is the CPU's; when no line names the CPU, a header with
 *    "(M64 #1.." or more than 256 PEs is PHB4 (skiboot's PHB4 keeps M64 BAR
 *    0 for M32), otherwise PHB3.
 *  - PCIe port types, unless the device line names one (kernels >= 6.8):
 *    a bridge on the root bus is a root port, a function there an endpoint.
 *    A bus with "extended config space not accessible" is conventional PCI
 *    (the kernel prints it for every bus a root or switch port does not lead
 *    to); everything on it, and below a conventional bridge, is conventional.
 *    A PCIe bridge whose secondary bus is conventional is a PCIe-to-PCI
 *    bridge.  Other bridges alternate: below a root or downstream port an
 *    upstream port, below an upstream port a downstream port.
 *  - Resources: the last line about a BAR or window wins.  A scanned BAR at
 *    address 0 is unassigned (powerpc's pcibios fixup).  "PCI bridge to"
 *    starts a bridge's window list afresh: the windows are those listed after
 *    its last such line.  VF BAR sizes are the "contains BARn for N VFs"
 *    space divided by N, which is also TotalVFs.  The log does not give VF
 *    offset, stride or device ID: the topology text's defaults are used.
 *  - Multifunction: every function of a slot where the log shows several.
 *  - The log ends at a line starting "=====BEGIN": the QEMU oracle's console
 *    logs go on with hotplug and EEH experiments there, which re-add devices.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bootlog.h"
#include <ioda/ctx.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Ends the boot part of a console log (tests/conformance/corpus guest-*.log). */
#define BOOT_END "=====BEGIN"
#define MAX_NUMS 6
#define MAX_SPANS 3

struct span {
	const char *s;
	size_t len;
};

enum res_type { RES_OTHER, RES_IO, RES_MEM, RES_BUS };

/* A "%pR" resource: "[mem 0x1000-0x1fff 64bit pref]", "[io  size 0x100]", "[bus 01-05]". */
struct res {
	enum res_type type;
	bool sized; /* "size N": no address */
	uint64_t start, end;
	unsigned int flags; /* PCI_RES_IO/MEM/MEM64/PREFETCH */
};

struct fields {
	uint64_t n[MAX_NUMS];
	struct span s[MAX_SPANS];
	struct res r;
	unsigned int nn, ns;
};

/* A host bridge ("PCI host bridge to bus DDDD:BB"): one PHB of the topology. */
struct hb {
	struct ioda_topo_phb *phb;
	unsigned int line;
	unsigned int root_bus;
	struct pci_resource m32, m64; /* root bus resources */
	uint64_t m32_pci;
	bool has_busn;
	unsigned int bus_first, bus_last;
	int hdr; /* index of its PHB header; -1 */
	uint8_t conventional[256 / 8]; /* buses without extended config space */
	struct ioda_topo_node **tail;  /* root bus list, while the tree is built */
};

struct dev {
	struct ioda_topo_node *node;
	struct dev *parent;
	struct ioda_topo_node **tail; /* bridges: children list, while built */
	unsigned int hb, bus, line;
	bool typed; /* pcie_type is final */
};

/* A function of skiboot's "PCI Summary" (QEMU consoles carry it): its port type. */
struct fw_type {
	unsigned int domain, bus, devfn;
	uint16_t vendor, device;
	enum pcie_port_type type;
};

struct parser {
	struct ioda_ctx *ctx;
	const char *file;
	struct ioda_error *err;
	struct ioda_topo *topo;
	struct ioda_bootlog *log;
	struct ioda_topo_phb **phb_tail;
	struct hb *hbs;
	struct dev *devs;
	struct fw_type *fw_types;
	unsigned int nhbs, hbs_cap, ndevs, devs_cap, phbs_cap, pe_cap, res_cap;
	unsigned int nfw_types, fw_types_cap;
	size_t pe_text_len, pe_text_cap, res_text_len, res_text_cap;
	unsigned int flags; /* IODA_BOOTLOG_* */
	bool has_vfs;       /* the log shows an SR-IOV capability */
	int cur_hdr;              /* the PHB header being read; -1 */
	unsigned int last_dev;    /* lookup cache */
	int mem_rank, page_rank, cpu_rank;
	bool model_given;
	unsigned int line, col;   /* current line; column of its text */
	unsigned int domain, bus, devfn; /* of the current "pci D:B:S.F:" line */
	char name[32];                   /* its "DDDD:BB:SS.F", for messages */
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u: %s", p->file, line, msg);
	return -EINVAL;
}

#define fail(p, ...) fail_at(p, (p)->line, __VA_ARGS__)

/* One past an array that may be empty, and then NULL: NULL + 0 is undefined in C. */
#define END(arr, n) ((n) ? (arr) + (n) : (arr))

static int oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->file);
	return -ENOMEM;
}

/* Room for one more element in *@arr; false (nothing changed) on failure. */
static bool grow(struct parser *p, void **arr, unsigned int n, unsigned int *cap, size_t size)
{
	unsigned int ncap = *cap ? 2 * *cap : 16;
	void *na;

	if (n < *cap)
		return true;
	if (ncap <= *cap)
		return false;
	na = ioda_realloc(p->ctx, *arr, (size_t)ncap * size);
	if (!na)
		return false;
	*arr = na;
	*cap = ncap;
	return true;
}

/* ---- characters, stamps and the PE pattern ------------------------------ */

/* Python's \s for ASCII, which str.rstrip() also strips. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

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

static const char *skip(const char *s, const char *end, bool (*cls)(char))
{
	while (s < end && cls(*s))
		s++;
	return s;
}

/* [s, s + n) is @word. */
static bool eq(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

static bool has_prefix(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
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
	s = skip(s + 1, end, is_space);
	q = skip(s, end, is_digit);
	if (q == s || q == end || *q != '.')
		return NULL;
	s = skip(q + 1, end, is_digit);
	if (s == q + 1 || s == end || *s != ']')
		return NULL;
	return skip(s + 1, end, is_space);
}

static bool is_not_space(char c)
{
	return !is_space(c);
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
	q = skip(s, end, is_digit);
	if (q == s || q == end || *q++ != ' ')
		return NULL;
	for (int i = 0; i < 3; i++) {
		q = run(q, end, is_digit, 2);
		if (!q || q == end || *q++ != (i < 2 ? ':' : ' '))
			return NULL;
	}
	s = skip(q, end, is_not_space);
	if (s == q || !has_prefix(s, end, " kernel: "))
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

	if (has_prefix(s, end, "pci_bus ")) {
		static const char conf[] = ": Configuring PE for bus";

		q = pe_domain_bus(s + 8, end);
		return q && eq(q, (size_t)(end - q), conf);
	}
	if (!has_prefix(s, end, "pci "))
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
		q = has_prefix(q, end, "     ") ? q + 5 : NULL;
	}
	if (q && has_prefix(q, end, ": [PE# ")) {
		const char *h = skip(q + 7, end, is_lhex);

		if (h > q + 7 && has_prefix(h, end, "] "))
			return true;
	}
	if (dev && has_prefix(dev, end, ": "))
		for (size_t i = 0; i < ARRAY_SIZE(pe_dev_phrases); i++)
			if (has_prefix(dev + 2, end, pe_dev_phrases[i]))
				return true;
	return false;
}

/* The first place of [s, s + len) that starts "pci" and where @match_at matches. */
static const char *find_pci(const char *s, size_t len,
			    bool (*match_at)(const char *at, const char *end))
{
	const char *end = s + len, *p = s;

	while ((p = memchr(p, 'p', (size_t)(end - p)))) {
		if (has_prefix(p, end, "pci") && match_at(p, end))
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
	const char *q = has_prefix(s, end, "pci ") ? res_dev(s, end) : NULL;

	if (!q)
		return false;
	if (has_prefix(q, end, "  bridge window ["))
		return end[-1] == ']';
	if (has_prefix(q, end, "BAR ")) {
		const char *d = skip(q + 4, end, is_digit);

		if (d == q + 4)
			return false;
		q = d;
	} else if (has_prefix(q, end, "bridge window")) {
		q += strlen("bridge window");
	} else {
		return false;
	}
	if (has_prefix(q, end, " [")) {
		const char *c = memchr(q + 2, ']', (size_t)(end - q - 2));

		if (c && (!memchr(q + 2, '[', (size_t)(c - q - 2))) && has_prefix(c + 1, end, ": "))
			q = c + 1;
	}
	if (!has_prefix(q, end, ": "))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(res_outcomes); i++)
		if (has_prefix(q + 2, end, res_outcomes[i]))
			return true;
	return false;
}

const char *ioda_bootlog_find_res(const char *s, size_t len)
{
	return find_pci(s, len, res_match_at);
}

/* ---- the line scanner ---------------------------------------------------- */

/* 1..16 digits (exactly @width when non-zero) of @base. */
static const char *scan_num(const char *s, const char *end, unsigned int base, unsigned int width,
			    uint64_t *out)
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
	return scan_num(s + 2, end, 16, 0, out);
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
		if (eq(w, (size_t)(s - w), types[i].word)) {
			r->type = types[i].type;
			r->flags = types[i].flags;
		}
	if (s == w || s == end || *s != ' ')
		return NULL;
	while (s < end && *s == ' ')
		s++;
	if (has_prefix(s, end, "size ")) {
		s = scan_hex0x(s + 5, end, &size);
		if (!s || size == 0)
			return NULL;
		r->sized = true;
		r->end = size - 1;
	} else if (r->type == RES_BUS) {
		s = scan_num(s, end, 16, 0, &r->start);
		r->end = r->start;
		if (s && s < end && *s == '-')
			s = scan_num(s + 1, end, 16, 0, &r->end);
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
			if (eq(w, (size_t)(s - w), words[i].word))
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
static const char *scan(const char *s, const char *end, const char *fmt, struct fields *f)
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
				s = scan_num(s, end, conv == 'u' ? 10 : 16, width, &f->n[f->nn]);
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

/* The whole of [s, end) matches @fmt. */
static bool match(const char *s, const char *end, const char *fmt, struct fields *f)
{
	return scan(s, end, fmt, f) == end;
}

struct matcher {
	const char *fmt;
	int (*fn)(struct parser *p, const struct fields *f, unsigned int arg);
	unsigned int arg;
};

/* Runs the first matcher of @table that matches all of [s, end); 0 if none does. */
static int dispatch(struct parser *p, const struct matcher *table, size_t n, const char *s,
		    const char *end)
{
	struct fields f;

	for (size_t i = 0; i < n; i++)
		if (match(s, end, table[i].fmt, &f))
			return table[i].fn(p, &f, table[i].arg);
	return 0;
}

static void span_copy(char *dst, size_t size, const struct span *sp)
{
	size_t n = sp->len < size - 1 ? sp->len : size - 1;

	memcpy(dst, sp->s, n);
	dst[n] = '\0';
}

/* Whether a source of @rank may replace what *@best came from. */
static bool better(int *best, int rank)
{
	if (rank <= *best)
		return false;
	*best = rank;
	return true;
}

/* ---- kernel facts ---------------------------------------------------------- */

static int on_version(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct ioda_bootlog *log = p->log;
	const struct span *sp = &f->s[0];
	const char *s = sp->s, *end = sp->s + sp->len, *tok = skip(s, end, is_not_space);
	int *parts[] = { &log->kver_major, &log->kver_minor, &log->kver_patch };

	if (log->banner)
		return 0; /* a kexec'd log: the first kernel's banner */
	log->banner = ioda_strndup(p->ctx, s, sp->len);
	if (!log->banner)
		return oom(p);
	span_copy(log->kernel_version, sizeof(log->kernel_version),
		  &(struct span){ s, (size_t)(tok - s) });
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		uint64_t v;
		const char *q = scan_num(s, tok, 10, 0, &v);

		if (!q || v > 9999)
			break;
		*parts[i] = (int)v;
		if (q == tok || *q != '.')
			break;
		s = q + 1;
	}
	return 0;
}

static int on_cmdline(struct parser *p, const struct fields *f, unsigned int arg)
{
	const struct span *sp = &f->s[0];
	size_t lead = sp->len && sp->s[0] == ' ';

	if (p->log->cmdline)
		return 0;
	p->log->cmdline = ioda_strndup(p->ctx, sp->s + lead, sp->len - lead);
	return p->log->cmdline ? 0 : oom(p);
}

/* Which number of the line holds the RAM size, and its unit. */
static const struct {
	unsigned int idx, shift;
} mem_sources[] = {
	[IODA_MEM_CRASHKERNEL] = { 2, 20 },
	[IODA_MEM_MEMORY_LINE] = { 1, 10 },
	[IODA_MEM_TOTAL_RAM] = { 1, 0 },
	[IODA_MEM_PHYS_SIZE] = { 0, 0 },
};

/* The end of RAM (memblock_end_of_DRAM), which sizes DMA windows: the highest end seen. */
static int ram_end(struct parser *p, uint64_t end)
{
	if (end > IODA_MAX_MEMORY)
		return fail(p, "RAM ends at %#" PRIx64 ", beyond %lluT", end,
			    IODA_MAX_MEMORY >> 40);
	if (end > p->log->memory_end)
		p->log->memory_end = end;
	return 0;
}

/* "node   8: [mem 0x0000200000000000-0x00002007ffffffff]" */
static int on_node_range(struct parser *p, const struct fields *f, unsigned int arg)
{
	return f->n[2] != UINT64_MAX ? ram_end(p, f->n[2] + 1) : 0;
}

static int on_memory(struct parser *p, const struct fields *f, unsigned int src)
{
	uint64_t v = f->n[mem_sources[src].idx];
	int rc = src == IODA_MEM_TOTAL_RAM ? ram_end(p, f->n[0]) : 0; /* "Top of RAM" */

	if (rc)
		return rc;
	if (v > IODA_MAX_MEMORY >> mem_sources[src].shift)
		return fail(p, "RAM size is beyond %lluT", IODA_MAX_MEMORY >> 40);
	if (better(&p->mem_rank, (int)src)) {
		p->log->memory_bytes = v << mem_sources[src].shift;
		p->log->memory_src = src;
	}
	return 0;
}

/* arg: the rank; 2 (Dentry) prints B and ilog2(B / PAGE_SIZE), 1 (Dquot) PAGE_SIZE << order. */
static int on_hash_table(struct parser *p, const struct fields *f, unsigned int rank)
{
	uint64_t order = f->n[1], bytes = f->n[2], page;

	if (order > 40 || (bytes & (bytes - 1)) || bytes >> order == 0)
		return 0;
	page = bytes >> order;
	if (page >= 4096 && page <= (1u << 24) && better(&p->page_rank, (int)rank))
		p->log->page_size = (unsigned int)page;
	return 0;
}

static void set_cpu(struct parser *p, uint64_t n, int rank)
{
	static const int gens[] = { [8] = IODA_PHB3, [9] = IODA_PHB4, [10] = IODA_PHB5 };

	if (n < 8 || n >= ARRAY_SIZE(gens) || !better(&p->cpu_rank, rank))
		return;
	snprintf(p->log->cpu, sizeof(p->log->cpu), "POWER%u", (unsigned int)n);
	p->log->cpu_gen = gens[n];
}

static int on_pmu(struct parser *p, const struct fields *f, unsigned int rank)
{
	set_cpu(p, f->n[0], (int)rank);
	return 0;
}

static int on_isa(struct parser *p, const struct fields *f, unsigned int rank)
{
	if (f->n[0] >= 3000)
		set_cpu(p, f->n[0] >= 3100 ? 10 : 9, (int)rank);
	return 0;
}

/*
 * "Hardware name: T2P9D01 REV 1.01 POWER9 0x4e1202 opal:skiboot-bc106a0 PowerNV":
 * the device-tree model, the CPU name ("POWER8E (raw)" on older kernels),
 * the PVR, firmware and platform.  The CPU is the last POWERn word before
 * the PVR; the model is what precedes it.
 */
static int on_hardware(struct parser *p, const struct fields *f, unsigned int rank)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len, *cpu = NULL;
	uint64_t n = 0, gen;

	if (p->model_given)
		return 0;
	for (const char *w = s; w < end; w = skip(skip(w, end, is_not_space), end, is_space)) {
		if (has_prefix(w, end, "0x"))
			break;
		if (has_prefix(w, end, "POWER") && scan_num(w + 5, end, 10, 0, &gen)) {
			cpu = w;
			n = gen;
		}
	}
	if (!cpu)
		return 0;
	while (cpu > s && cpu[-1] == ' ')
		cpu--;
	span_copy(p->log->model, sizeof(p->log->model), &(struct span){ s, (size_t)(cpu - s) });
	p->model_given = true;
	set_cpu(p, n, (int)rank);
	return 0;
}

/* ---- PHB headers ------------------------------------------------------------- */

static int on_phb_header(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct ioda_bootlog *log = p->log;
	struct ioda_bootlog_phb *h;

	if (!grow(p, (void **)&log->phbs, log->nphbs, &p->phbs_cap, sizeof(*log->phbs)))
		return oom(p);
	h = &log->phbs[log->nphbs];
	memset(h, 0, sizeof(*h));
	h->line = p->line;
	h->domain = -1;
	h->m64_bar_first = h->m64_bar_last = h->m64_default_bar = -1;
	span_copy(h->type, sizeof(h->type), &f->s[0]);
	span_copy(h->path, sizeof(h->path), &f->s[1]);
	p->cur_hdr = (int)log->nphbs++;
	return 0;
}

enum hdr_field { HDR_M32_RANGE, HDR_M64_RANGE, HDR_DEFAULT_BAR, HDR_PES, HDR_M64, HDR_IO, HDR_MSI };

/* The lines after "Initializing ... PHB": each fills in the latest header. */
static int on_phb_line(struct parser *p, const struct fields *f, unsigned int what)
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

static struct hb *find_hb(struct parser *p, unsigned int domain)
{
	for (unsigned int i = 0; i < p->nhbs; i++)
		if (p->hbs[i].phb->domain == (int)domain)
			return &p->hbs[i];
	return NULL;
}

static int on_host_bridge(struct parser *p, const struct fields *f, unsigned int arg)
{
	unsigned int domain = (unsigned int)f->n[0];
	struct hb *hb = find_hb(p, domain);
	struct ioda_topo_phb *phb;

	if (hb)
		return fail(p, "duplicate PCI host bridge for domain %04x (first at line %u)",
			    domain, hb->line);
	if (!grow(p, (void **)&p->hbs, p->nhbs, &p->hbs_cap, sizeof(*p->hbs)))
		return oom(p);
	phb = ioda_zalloc(p->ctx, sizeof(*phb));
	if (!phb)
		return oom(p);
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
	struct hb *hb = find_hb(p, p->domain);
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
	struct hb *hb = find_hb(p, p->domain);
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
	if (!grow(p, (void **)&p->devs, p->ndevs, &p->devs_cap, sizeof(*p->devs)))
		return oom(p);
	node = ioda_zalloc(p->ctx, sizeof(*node));
	if (!node)
		return oom(p);
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
		if (eq(f->s[0].s, f->s[0].len, type_names[i].name)) {
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
		if (has_prefix(s, end, res_verbs[i].verb)) {
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
		q = scan(s, end, res_names[i].fmt, &f);
	if (!q)
		return 0;
	i--;
	if (has_prefix(q, end, ": ")) {
		/* 5.x: "NAME: VERB [res]" or "reg 0x10: [res]" */
		act = res_verb(q + 2, end, &v);
		if (act < 0) {
			if (!match(q + 2, end, "%r", &g))
				return 0;
			if (!p->log->res_style)
				p->log->res_style = IODA_RES_OLD_NAMES;
			return apply_res(p, res_names[i].kind, f.nn ? f.n[0] : 0, ACT_SCAN, &g.r);
		}
		if (!match(v, end, " %r", &g) && !(act == ACT_FAIL && scan(v, end, " %r", &g)))
			return 0;
	} else {
		/* 6.x: "NAME [res]" or "NAME [res]: VERB..." */
		v = scan(q, end, " %r", &g);
		if (!v)
			return 0;
		if (v == end && res_names[i].kind == RK_BAR && !p->log->res_style)
			p->log->res_style = IODA_RES_NEW_NAMES;
		if (v == end)
			act = ACT_SCAN;
		else if (!has_prefix(v, end, ": ") || (act = res_verb(v + 2, end, &q)) < 0 ||
			 (act == ACT_ASSIGN && q != end))
			return 0;
	}
	return apply_res(p, res_names[i].kind, f.nn ? f.n[0] : 0, (enum res_action)act, &g.r);
}

static const struct matcher pci_lines[] = {
	{ "[%4h:%4h] type %2h class %x", on_device, 0 },
	{ "[%4h:%4h] type %2h class %x %*", on_device, 1 },
	{ "PCI bridge to %r", on_bridge_to, 0 },
	{ "  bridge window %r", on_window, 0 },
	{ "VF(n) BAR%u space: %r (contains BAR%u for %u VFs)", on_vf_space, 0 },
	{ "VF BAR %u %r: contains BAR %u for %u VFs", on_vf_space, 0 },
};

static const struct matcher pci_bus_lines[] = {
	{ "root bus resource %r (bus address [%x-%x])", on_root_res, ROOT_RES_BUS_ADDR },
	{ "root bus resource %r", on_root_res, ROOT_RES },
	{ "extended config space not accessible", on_root_res, ROOT_NO_EXTCFG },
};

/* "pci DDDD:BB:SS.F: ..." */
static int on_pci(struct parser *p, const struct fields *f, unsigned int arg)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len;
	struct fields g;

	if (f->n[3] > 7)
		return 0;
	p->domain = (unsigned int)f->n[0];
	p->bus = (unsigned int)f->n[1];
	p->devfn = PCI_DEVFN(f->n[2], f->n[3]);
	for (size_t i = 0; i < ARRAY_SIZE(pci_lines); i++)
		if (match(s, end, pci_lines[i].fmt, &g))
			return pci_lines[i].fn(p, &g, pci_lines[i].arg);
	return on_res_line(p, s, end);
}

/* "pci_bus DDDD:BB: ..." */
static int on_pci_bus(struct parser *p, const struct fields *f, unsigned int arg)
{
	p->domain = (unsigned int)f->n[0];
	p->bus = (unsigned int)f->n[1];
	return dispatch(p, pci_bus_lines, ARRAY_SIZE(pci_bus_lines), f->s[0].s,
			f->s[0].s + f->s[0].len);
}

/* Every line the loader reads, most frequent first. */
static const struct matcher lines[] = {
	{ "pci %4h:%2h:%2h.%1u: %*", on_pci, 0 },
	{ "pci_bus %4h:%2h: %*", on_pci_bus, 0 },
	{ "PCI host bridge to bus %4h:%2h", on_host_bridge, 0 },
	{ "Initializing %s PHB (%s)", on_phb_header, 0 },
	{ "MEM %x..%x -> %x (M64 #%u..%u)", on_phb_line, HDR_M64_RANGE },
	{ "MEM %x..%x -> %x", on_phb_line, HDR_M32_RANGE },
	{ "Using M64 #%u as default window", on_phb_line, HDR_DEFAULT_BAR },
	{ "%u (%u) PE's M32: %x [segment=%x]", on_phb_line, HDR_PES },
	{ "M64: %x [segment=%x]", on_phb_line, HDR_M64 },
	{ "IO: %x [segment=%x]", on_phb_line, HDR_IO },
	{ "Allocated bitmap for %u MSIs (base IRQ %x)", on_phb_line, HDR_MSI },
	{ "Linux version %*", on_version, 0 },
	{ "Kernel command line:%*", on_cmdline, 0 },
	{ "Memory: %uK/%uK available%*", on_memory, IODA_MEM_MEMORY_LINE },
	{ "phys_mem_size%_= %x", on_memory, IODA_MEM_PHYS_SIZE },
	{ "Top of RAM: %x, Total RAM: %x", on_memory, IODA_MEM_TOTAL_RAM },
	{ "node%_%u: [mem %x-%x]", on_node_range, 0 },
	{ "Reserving %uMB of memory at %uMB for crashkernel (System RAM: %uMB)", on_memory,
	  IODA_MEM_CRASHKERNEL },
	{ "Hardware name: %*", on_hardware, 3 },
	{ "POWER%u performance monitor hardware support registered", on_pmu, 2 },
	{ "dt-cpu-ftrs: setup for ISA %u", on_isa, 1 },
	{ "Dentry cache hash table entries: %u (order: %u, %u bytes%*", on_hash_table, 2 },
	{ "VFS: Dquot-cache hash table entries: %u (order %u, %u bytes)", on_hash_table, 1 },
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Where a kind of verbatim line (PE lines, resource lines) is kept. */
struct kept {
	struct ioda_bootlog_pe_line **lines;
	unsigned int *n, *cap;
	char **text;
	size_t *len, *text_cap;
};

static int keep_line(struct parser *p, const struct kept *k, const char *s, size_t len)
{
	struct ioda_bootlog_pe_line *pl;
	struct fields f;

	if (!grow(p, (void **)k->lines, *k->n, k->cap, sizeof(**k->lines)))
		return oom(p);
	if (*k->text_cap - *k->len < len + 1) {
		size_t ncap = 2 * *k->text_cap + len + 4096;
		char *nt = ioda_realloc(p->ctx, *k->text, ncap);

		if (!nt)
			return oom(p);
		*k->text = nt;
		*k->text_cap = ncap;
	}
	memcpy(*k->text + *k->len, s, len);
	(*k->text)[*k->len + len] = '\0';
	pl = &(*k->lines)[(*k->n)++];
	/* The text pointer is set once the storage stops moving. */
	*pl = (struct ioda_bootlog_pe_line){ .line = p->line, .domain = -1, .len = len };
	if (scan(s, s + len, "pci %4h:", &f) || scan(s, s + len, "pci_bus %4h:", &f))
		pl->domain = (int)f.n[0];
	*k->len += len + 1;
	return 0;
}

static int add_pe_line(struct parser *p, const char *s, size_t len)
{
	const struct kept k = { &p->log->pe_lines, &p->log->npe_lines, &p->pe_cap,
				&p->log->pe_text, &p->pe_text_len, &p->pe_text_cap };

	return keep_line(p, &k, s, len);
}

static int add_res_line(struct parser *p, const char *s, size_t len)
{
	const struct kept k = { &p->log->res_lines, &p->log->nres_lines, &p->res_cap,
				&p->log->res_text, &p->res_text_len, &p->res_text_cap };

	return keep_line(p, &k, s, len);
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

static int on_fw_summary(struct parser *p, const char *s, const char *end)
{
	struct fields f;
	struct fw_type *t;

	if (!match(s, end, "PHB#%4h:%2h:%2h.%1u [%s] %4h %4h %*", &f) || f.n[3] > 7)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(fw_tags); i++) {
		if (!eq(f.s[0].s, f.s[0].len, fw_tags[i].tag))
			continue;
		if (!grow(p, (void **)&p->fw_types, p->nfw_types, &p->fw_types_cap,
			  sizeof(*p->fw_types)))
			return oom(p);
		t = &p->fw_types[p->nfw_types++];
		*t = (struct fw_type){ (unsigned int)f.n[0], (unsigned int)f.n[1],
				       PCI_DEVFN(f.n[2], f.n[3]), (uint16_t)f.n[4],
				       (uint16_t)f.n[5], fw_tags[i].type };
		break;
	}
	return 0;
}

static int parse_line(struct parser *p, const char *raw, size_t len)
{
	const char *s, *end, *pe, *res;
	int rc;

	/* As replay_score.py: rstrip(), then the stamp, then the PE pattern. */
	while (len && is_space(raw[len - 1]))
		len--;
	if (len > 2 && raw[0] == '[' && (s = memchr(raw, ']', len)) && s[-2] == ',' &&
	    (size_t)(s - raw) + 2 < len)
		return on_fw_summary(p, s + 2, raw + len);
	s = ioda_bootlog_strip_stamp(raw, &len);
	end = s + len;
	pe = ioda_bootlog_find_pe(s, len);
	if (pe)
		return add_pe_line(p, pe, (size_t)(end - pe));
	res = ioda_bootlog_find_res(s, len);
	if (res) {
		rc = add_res_line(p, res, (size_t)(end - res));
		if (rc || (p->flags & IODA_BOOTLOG_SIZES_ONLY))
			return rc;
	}
	s = skip(s, end, is_blank);
	p->col = (unsigned int)(s - raw) + 1;
	return dispatch(p, lines, ARRAY_SIZE(lines), s, end);
}

/* ---- the tree ------------------------------------------------------------------- */

static bool known_m32(const struct ioda_bootlog_phb *h, const struct hb *hb)
{
	return (h->m32_cpu.flags & PCI_RES_ASSIGNED) && hb->m32.flags;
}

static void pair(struct parser *p, struct hb *hb, unsigned int k)
{
	hb->hdr = (int)k;
	p->log->phbs[k].domain = hb->phb->domain;
}

/* Headers to host bridges: by M32 window where both tell it, else in log order. */
static void pair_headers(struct parser *p)
{
	struct ioda_bootlog *log = p->log;

	for (unsigned int i = 0; i < p->nhbs; i++)
		for (unsigned int k = 0; k < log->nphbs && p->hbs[i].hdr < 0; k++)
			if (log->phbs[k].domain < 0 && known_m32(&log->phbs[k], &p->hbs[i]) &&
			    log->phbs[k].m32_cpu.start == p->hbs[i].m32.start)
				pair(p, &p->hbs[i], k);
	for (unsigned int i = 0; i < p->nhbs; i++)
		for (unsigned int k = 0; k < log->nphbs && p->hbs[i].hdr < 0; k++)
			if (log->phbs[k].domain < 0 && !known_m32(&log->phbs[k], &p->hbs[i]))
				pair(p, &p->hbs[i], k);
}

static const struct {
	const char *name;
	enum ioda_phb_type type;
} phb_types[] = {
	{ "IODA2", IODA_PHB_PCIE },
	{ "NPU_NVLINK", IODA_PHB_NPU_NVLINK },
	{ "NPU_OCAPI", IODA_PHB_NPU_OCAPI },
};

/* The generation when no line names the CPU: PHB4 if any header looks like one. */
static enum ioda_phb_gen fallback_gen(const struct ioda_bootlog *log)
{
	for (unsigned int k = 0; k < log->nphbs; k++)
		if (log->phbs[k].m64_bar_first == 1 || log->phbs[k].num_pes > 256)
			return IODA_PHB4;
	return IODA_PHB3;
}

static int fill_phb(struct parser *p, struct hb *hb, unsigned int index)
{
	const struct ioda_bootlog *log = p->log;
	const struct ioda_bootlog_phb *h = hb->hdr >= 0 ? &log->phbs[hb->hdr] : NULL;
	struct ioda_topo_phb *phb = hb->phb;
	struct ioda_topo_fw *fw = &phb->fw;
	size_t i;

	phb->index = index;
	phb->gen = log->cpu_gen != IODA_CPU_UNKNOWN ? (enum ioda_phb_gen)log->cpu_gen
						    : fallback_gen(log);
	phb->m32 = hb->m32;
	phb->m64 = hb->m64;
	if (!h)
		return 0;
	for (i = 0; i < ARRAY_SIZE(phb_types); i++)
		if (strcmp(h->type, phb_types[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(phb_types))
		return fail_at(p, h->line,
			       "%s PHB %s is not modelled (only IODA2, NPU_NVLINK, NPU_OCAPI)",
			       h->type, h->path);
	phb->type = phb_types[i].type;
	phb->num_pes = h->num_pes;
	if (!phb->m32.size)
		phb->m32 = h->m32_cpu;
	/* The whole M64 window: the root bus resource lacks the reserved PEs' segments. */
	if (h->m64_cpu.size)
		phb->m64 = h->m64_cpu;
	fw->valid = true;
	fw->reserved_pe = h->reserved_pe;
	fw->m64_bar_first = h->m64_bar_first >= 0 ? (unsigned int)h->m64_bar_first : 0;
	fw->m64_bar_count = h->m64_bar_first >= 0 && h->m64_bar_last >= h->m64_bar_first
				    ? (unsigned int)(h->m64_bar_last - h->m64_bar_first + 1)
				    : 16;
	fw->msi_base = h->msi_base;
	fw->msi_count = h->msi_count;
	fw->diag_data_size = 8192; /* the kernel's default: logs do not print it */
	fw->bus_first = hb->has_busn ? hb->bus_first : 0;
	fw->bus_last = hb->has_busn ? hb->bus_last : 0xff;
	fw->m32_pci_addr = hb->m32_pci ? hb->m32_pci : h->m32_pci;
	fw->m64_pci_addr = h->m64_pci;
	snprintf(fw->path, sizeof(fw->path), "%s", h->path);
	return 0;
}

static bool conventional(const struct hb *hb, unsigned int bus)
{
	return hb->conventional[bus / 8] & (1u << (bus % 8));
}

/* The port type the tree implies (see the rules at the top). */
static void derive_type(struct parser *p, struct dev *d)
{
	const struct hb *hb = &p->hbs[d->hb];
	struct ioda_topo_node *node = d->node;
	bool bridge = node->hdr_type == 1;
	enum pcie_port_type up;

	if (d->typed)
		return;
	d->typed = true;
	for (const struct fw_type *t = p->fw_types; t < END(p->fw_types, p->nfw_types); t++) {
		if (t->domain == (unsigned int)hb->phb->domain && t->bus == d->bus &&
		    t->devfn == node->devfn && t->vendor == node->vendor &&
		    t->device == node->device) {
			node->pcie_type = t->type;
			return;
		}
	}
	if (!d->parent) {
		node->pcie_type = bridge ? PCIE_TYPE_ROOT_PORT : PCIE_TYPE_ENDPOINT;
		return;
	}
	derive_type(p, d->parent);
	up = d->parent->node->pcie_type;
	if (conventional(hb, d->bus) || up == PCIE_TYPE_PCI_BRIDGE || up == PCIE_TYPE_NONE)
		node->pcie_type = PCIE_TYPE_NONE;
	else if (!bridge)
		node->pcie_type = PCIE_TYPE_ENDPOINT;
	else if (node->secondary >= 0 && conventional(hb, (unsigned int)node->secondary))
		node->pcie_type = PCIE_TYPE_PCI_BRIDGE;
	else
		node->pcie_type = up == PCIE_TYPE_UPSTREAM ? PCIE_TYPE_DOWNSTREAM
							   : PCIE_TYPE_UPSTREAM;
}

static const char *bdf(const struct parser *p, const struct dev *d, char *buf, size_t size)
{
	snprintf(buf, size, "%04x:%02x:%02x.%u", (unsigned int)p->hbs[d->hb].phb->domain, d->bus,
		 PCI_SLOT(d->node->devfn), PCI_FUNC(d->node->devfn));
	return buf;
}

/* Hangs each device below the bridge whose secondary bus it is on, in log order. */
static int build_tree(struct parser *p, unsigned int h)
{
	struct hb *hb = &p->hbs[h];
	struct dev *by_sec[256] = { NULL };
	char a[16], b[16];

	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		int sec = d->node->secondary;

		if (d->hb != h || d->node->hdr_type != 1 || sec < 0)
			continue;
		if (by_sec[sec])
			return fail_at(p, d->line,
				       "bridges %s and %s (line %u) both lead to bus %02x",
				       bdf(p, d, a, sizeof(a)), bdf(p, by_sec[sec], b, sizeof(b)),
				       by_sec[sec]->line, (unsigned int)sec);
		by_sec[sec] = d;
		d->tail = &d->node->children;
	}
	hb->tail = &hb->phb->devices;
	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		struct ioda_topo_node ***tail = &hb->tail;

		if (d->hb != h)
			continue;
		if (d->bus != hb->root_bus) {
			d->parent = by_sec[d->bus];
			if (!d->parent)
				return fail_at(p, d->line, "device %s is on bus %02x, which no "
					       "\"PCI bridge to\" line leads to",
					       bdf(p, d, a, sizeof(a)), d->bus);
			tail = &d->parent->tail;
		}
		**tail = d->node;
		*tail = &d->node->next;
	}
	return 0;
}

/*
 * A release candidate built locally ("6.2.0-rc6-P9") is taken to lack
 * CONFIG_PCI_IOV, Kconfig's default; distribution ("5.3.8-11-default",
 * "6.1.0-50-powerpc64le") and linux-next builds have it.  A log that shows
 * an SR-IOV capability has it in any case.
 */
static bool local_rc(const char *release)
{
	return strstr(release, "-rc") && !strstr(release, "-next-");
}

static int finish(struct parser *p)
{
	struct ioda_bootlog *log = p->log;
	const char *text = log->pe_text;
	int rc;

	if (!p->nhbs) {
		ioda_error_set(p->err, "%s: no PCI host bridge found (is this a kernel boot log?)",
			       p->file);
		return -EINVAL;
	}
	pair_headers(p);
	for (unsigned int h = 0; h < p->nhbs; h++) {
		rc = fill_phb(p, &p->hbs[h], h);
		if (!rc)
			rc = build_tree(p, h);
		if (rc)
			return rc;
	}
	for (struct dev *d = p->devs; d < END(p->devs, p->ndevs); d++) {
		derive_type(p, d);
		for (struct dev *e = d + 1; e < END(p->devs, p->ndevs); e++) {
			if (e->hb == d->hb && e->bus == d->bus &&
			    PCI_SLOT(e->node->devfn) == PCI_SLOT(d->node->devfn))
				d->node->multifunction = e->node->multifunction = true;
		}
	}
	p->topo->memory_bytes = log->memory_bytes;
	memcpy(p->topo->model, log->model, sizeof(p->topo->model));
	p->topo->nvlink_wiring = true;
	for (unsigned int i = 0; i < log->npe_lines; i++) {
		log->pe_lines[i].text = text;
		text += log->pe_lines[i].len + 1;
	}
	text = log->res_text;
	for (unsigned int i = 0; i < log->nres_lines; i++) {
		log->res_lines[i].text = text;
		text += log->res_lines[i].len + 1;
	}
	if (log->res_style == IODA_RES_OLD_NAMES && !p->has_vfs && local_rc(log->kernel_version))
		log->res_style |= IODA_RES_NO_IOV;
	return 0;
}

/* ---- entry points ------------------------------------------------------------------ */

void ioda_bootlog_free(struct ioda_ctx *ctx, struct ioda_bootlog *log)
{
	if (!log)
		return;
	ioda_free(ctx, log->banner);
	ioda_free(ctx, log->cmdline);
	ioda_free(ctx, log->phbs);
	ioda_free(ctx, log->pe_lines);
	ioda_free(ctx, log->pe_text);
	ioda_free(ctx, log->res_lines);
	ioda_free(ctx, log->res_text);
	ioda_free(ctx, log);
}

/* Python's str.splitlines() breaks, ASCII part; "\r\n" is one. */
static bool is_break(char c)
{
	return c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e);
}

static int parse_lines(struct parser *p, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;

	p->line = 1;
	while (s < end) {
		const char *e = s;
		int rc;

		while (e < end && !is_break(*e))
			e++;
		/* The oracle's console logs go on with experiments after the boot. */
		if (has_prefix(s, e, BOOT_END))
			break;
		rc = parse_line(p, s, (size_t)(e - s));
		if (rc)
			return rc;
		if (e == end)
			break;
		if (*e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		/* Line numbers count newlines, as editors do. */
		p->line += *e == '\n';
		s = e + 1;
	}
	return 0;
}

int ioda_bootlog_read(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		      struct ioda_topo **topo, struct ioda_bootlog **log, struct ioda_error *err)
{
	return ioda_bootlog_read_opts(ctx, file, buf, len, 0, topo, log, err);
}

int ioda_bootlog_read_opts(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			   unsigned int flags, struct ioda_topo **topo, struct ioda_bootlog **log,
			   struct ioda_error *err)
{
	struct parser p = { .ctx = ctx, .file = file, .err = err, .cur_hdr = -1, .flags = flags };
	int rc = -ENOMEM;

	if (topo)
		*topo = NULL;
	if (log)
		*log = NULL;
	p.topo = ioda_zalloc(ctx, sizeof(*p.topo));
	p.log = ioda_zalloc(ctx, sizeof(*p.log));
	if (p.topo)
		p.topo->file = ioda_strdup(ctx, file);
	if (!p.topo || !p.log || !p.topo->file) {
		oom(&p);
		goto out;
	}
	p.log->cpu_gen = IODA_CPU_UNKNOWN;
	p.phb_tail = &p.topo->phbs;
	rc = parse_lines(&p, buf, len);
	if (!rc)
		rc = finish(&p);
	if (rc) {
		/* Nodes are owned by p.devs until the tree is whole. */
		for (unsigned int h = 0; h < p.nhbs; h++)
			p.hbs[h].phb->devices = NULL;
		for (unsigned int i = 0; i < p.ndevs; i++)
			ioda_free(ctx, p.devs[i].node);
		goto out;
	}
	if (topo) {
		*topo = p.topo;
		p.topo = NULL;
	}
	if (log) {
		*log = p.log;
		p.log = NULL;
	}
out:
	ioda_free(ctx, p.hbs);
	ioda_free(ctx, p.devs);
	ioda_free(ctx, p.fw_types);
	ioda_topo_free(ctx, p.topo);
	ioda_bootlog_free(ctx, p.log);
	return rc;
}

int ioda_bootlog_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		       struct ioda_topo **out, struct ioda_error *err)
{
	return ioda_bootlog_read(ctx, file, buf, len, out, NULL, err);
}
