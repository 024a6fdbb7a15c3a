/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the boot log loader shared by its files: the parser's
 * state, the scanner's results and the handlers the line table of
 * bootlog.c names.  bootlog.h holds what the loader gives out.
 */
#ifndef IODA_BOOTLOG_PRIV_H
#define IODA_BOOTLOG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bootlog.h"
#include <ioda/ctx.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
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
	/* Whether a port's slot is hot-plug capable: pciehp's Slot line says. */
	enum pci_hotplug slot;
	/* Bridges: the optional sizes of its "add_size" lines (io, mem, pref; 0: none). */
	uint64_t add_size[3];
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
	unsigned int foreign_line; /* the first line only another architecture prints; 0 */
	const char *foreign_arch;
	bool model_given;
	unsigned int line, col;   /* current line; column of its text */
	unsigned int domain, bus, devfn; /* of the current "pci D:B:S.F:" line */
	char name[32];                   /* its "DDDD:BB:SS.F", for messages */
};

struct matcher {
	const char *fmt;
	int (*fn)(struct parser *p, const struct fields *f, unsigned int arg);
	unsigned int arg;
};

/* The lines after a PHB header: the arg of bootlog_on_phb_line(). */
enum hdr_field { HDR_M32_RANGE, HDR_M64_RANGE, HDR_DEFAULT_BAR, HDR_PES, HDR_M64, HDR_IO, HDR_MSI };

/* One past an array that may be empty, and then NULL: NULL + 0 is undefined in C. */
#define END(arr, n) ((n) ? (arr) + (n) : (arr))

/* ---- the parser's frame (bootlog.c) ---- */
/* "FILE:LINE: what" in the error; -EINVAL. */
int bootlog_fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define fail(p, ...) bootlog_fail_at(p, (p)->line, __VA_ARGS__)
/* "FILE: out of memory"; -ENOMEM. */
int bootlog_oom(struct parser *p);
/* Room for one more element in *@arr; false (nothing changed) on failure. */
bool bootlog_grow(struct parser *p, void **arr, unsigned int n, unsigned int *cap, size_t size);

/* ---- line forms and the scanner (bootlog_line.c) ---- */
/* Inline: every character of a log passes through these (as in one file they were). */
/* Python's \s for ASCII, which str.rstrip() also strips. */
static inline bool bootlog_is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static inline bool bootlog_is_not_space(char c)
{
	return !bootlog_is_space(c);
}

static inline const char *bootlog_skip(const char *s, const char *end, bool (*cls)(char))
{
	while (s < end && cls(*s))
		s++;
	return s;
}

/* [s, s + n) is @word. */
static inline bool bootlog_eq(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

static inline bool bootlog_has_prefix(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
}
/* 1..16 digits (exactly @width when non-zero) of @base. */
const char *bootlog_scan_num(const char *s, const char *end, unsigned int base,
			     unsigned int width, uint64_t *out);
/* The strict scanf of the line tables (its formats: see bootlog_line.c). */
const char *bootlog_scan(const char *s, const char *end, const char *fmt, struct fields *f);
/* The whole of [s, end) matches @fmt (inline: every line tries many). */
static inline bool bootlog_match(const char *s, const char *end, const char *fmt,
				 struct fields *f)
{
	return bootlog_scan(s, end, fmt, f) == end;
}

/* Runs the first matcher of @table that matches all of [s, end); 0 if none does. */
static inline int bootlog_dispatch(struct parser *p, const struct matcher *table, size_t n,
				   const char *s, const char *end)
{
	struct fields f;

	for (size_t i = 0; i < n; i++)
		if (bootlog_match(s, end, table[i].fmt, &f))
			return table[i].fn(p, &f, table[i].arg);
	return 0;
}
void bootlog_span_copy(char *dst, size_t size, const struct span *sp);

/* ---- kernel facts (bootlog_kernel.c): line handlers, arg as in lines[] ---- */
int bootlog_on_version(struct parser *p, const struct fields *f, unsigned int arg);
int bootlog_on_cmdline(struct parser *p, const struct fields *f, unsigned int arg);
int bootlog_on_node_range(struct parser *p, const struct fields *f, unsigned int arg);
int bootlog_on_memory(struct parser *p, const struct fields *f, unsigned int src);
int bootlog_on_hash_table(struct parser *p, const struct fields *f, unsigned int rank);
int bootlog_on_pmu(struct parser *p, const struct fields *f, unsigned int rank);
int bootlog_on_isa(struct parser *p, const struct fields *f, unsigned int rank);
int bootlog_on_trace(struct parser *p, const struct fields *f, unsigned int arg);
int bootlog_on_hardware(struct parser *p, const struct fields *f, unsigned int rank);
int bootlog_on_foreign(struct parser *p, const struct fields *f, unsigned int arch);

/* ---- PHB headers and host bridges (bootlog_phb.c) ---- */
int bootlog_on_phb_header(struct parser *p, const struct fields *f, unsigned int arg);
int bootlog_on_phb_line(struct parser *p, const struct fields *f, unsigned int what);
/* The host bridge of @domain, or NULL. */
struct hb *bootlog_find_hb(struct parser *p, unsigned int domain);
int bootlog_on_host_bridge(struct parser *p, const struct fields *f, unsigned int arg);
/* "pci_bus DDDD:BB: ..." */
int bootlog_on_pci_bus(struct parser *p, const struct fields *f, unsigned int arg);

/* ---- devices and their resources (bootlog_dev.c) ---- */
/* "pci DDDD:BB:SS.F: ..." */
int bootlog_on_pci(struct parser *p, const struct fields *f, unsigned int arg);
/* A resource line (ioda_bootlog_find_res()'s) from @res: the line form it shows, if any. */
void bootlog_learn_res_form(struct parser *p, const char *res, const char *end);
/* "pcieport DDDD:BB:SS.F: pciehp: Slot #N ... HotPlug+ ..." (and the 4.x spelling). */
int bootlog_on_pciehp(struct parser *p, const struct fields *f, unsigned int arg);
/* A line of skiboot's PCI summary, [s, end) after its stamp. */
int bootlog_on_fw_summary(struct parser *p, const char *s, const char *end);

/* ---- the tree (bootlog_tree.c) ---- */
/* Once every line is read: PHBs filled in, the tree built, port types derived. */
int bootlog_finish(struct parser *p);

#endif
