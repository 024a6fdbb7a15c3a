/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot log inference: the kernel facts a log states (version and banner,
 * command line, RAM amount and end, PAGE_SIZE, CPU and model).  Where
 * several lines tell the same fact, a rank says which one wins (the rules
 * at the top of bootlog.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include "bootlog_priv.h"

/* ---- kernel facts ---------------------------------------------------------- */

/* Whether a source of @rank may replace what *@best came from. */
static bool better(int *best, int rank)
{
	if (rank <= *best)
		return false;
	*best = rank;
	return true;
}

int bootlog_on_version(struct parser *p, const struct fields *f, unsigned int arg)
{
	struct ioda_bootlog *log = p->log;
	const struct span *sp = &f->s[0];
	const char *s = sp->s, *end = sp->s + sp->len;
	const char *tok = bootlog_skip(s, end, bootlog_is_not_space);
	int *parts[] = { &log->kver_major, &log->kver_minor, &log->kver_patch };

	if (log->banner)
		return 0; /* a kexec'd log: the first kernel's banner */
	log->banner = ioda_strndup(p->ctx, s, sp->len);
	if (!log->banner)
		return bootlog_oom(p);
	bootlog_span_copy(log->kernel_version, sizeof(log->kernel_version),
			  &(struct span){ s, (size_t)(tok - s) });
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		uint64_t v;
		const char *q = bootlog_scan_num(s, tok, 10, 0, &v);

		if (!q || v > 9999)
			break;
		*parts[i] = (int)v;
		if (q == tok || *q != '.')
			break;
		s = q + 1;
	}
	return 0;
}

/*
 * "MAJOR.MINOR" at @s (before @end) into the log's told version, with what
 * said it; false when @s holds no release.
 */
static bool tell_version(struct parser *p, const char *s, const char *end, const char *what)
{
	struct ioda_bootlog *log = p->log;
	uint64_t major, minor;
	const char *q = bootlog_scan_num(s, end, 10, 0, &major);

	if (!q || q == end || *q != '.' || major < 2 || major > 99 ||
	    !(q = bootlog_scan_num(q + 1, end, 10, 0, &minor)) || minor > 999)
		return false;
	if (log->told_line)
		return true; /* the first one says it */
	log->told_major = (int)major;
	log->told_minor = (int)minor;
	log->told_line = p->line;
	/* The release, as the banner would give it (a local -rc build tells its IOV BARs). */
	if (!log->banner)
		bootlog_span_copy(log->kernel_version, sizeof(log->kernel_version),
				  &(struct span){ s, (size_t)(bootlog_skip(s, end, bootlog_is_not_space) - s) });
	snprintf(log->told_by, sizeof(log->told_by), "%s%.*s", what,
		 (int)(bootlog_skip(s, end, bootlog_is_not_space) - s), s);
	return true;
}

/*
 * A trace's "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-50-... #1":
 * the release follows "Not tainted " or "Tainted: " and its flags.
 */
int bootlog_on_trace(struct parser *p, const struct fields *f, unsigned int arg)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len;

	for (const char *w = s; w < end; w++) {
		if (bootlog_has_prefix(w, end, "Not tainted "))
			return tell_version(p, w + 12, end, "Not tainted "), 0;
		if (bootlog_has_prefix(w, end, "Tainted: ")) {
			for (w += 9; w < end && (*w == ' ' || (*w >= 'A' && *w <= 'Z')); w++)
				;
			return tell_version(p, w, end, "Tainted: "), 0;
		}
	}
	return 0;
}

int bootlog_on_cmdline(struct parser *p, const struct fields *f, unsigned int arg)
{
	const struct span *sp = &f->s[0];
	size_t lead = sp->len && sp->s[0] == ' ';

	if (p->log->cmdline)
		return 0;
	/* BOOT_IMAGE=/boot/vmlinux-5.3.8-11-default: the image's release. */
	for (const char *w = sp->s, *end = sp->s + sp->len; w < end; w++)
		if ((bootlog_has_prefix(w, end, "vmlinux-") || bootlog_has_prefix(w, end, "vmlinuz-")) &&
		    tell_version(p, w + 8, end, "vmlinux-"))
			break;
	p->log->cmdline = ioda_strndup(p->ctx, sp->s + lead, sp->len - lead);
	return p->log->cmdline ? 0 : bootlog_oom(p);
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
int bootlog_on_node_range(struct parser *p, const struct fields *f, unsigned int arg)
{
	return f->n[2] != UINT64_MAX ? ram_end(p, f->n[2] + 1) : 0;
}

int bootlog_on_memory(struct parser *p, const struct fields *f, unsigned int src)
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
int bootlog_on_hash_table(struct parser *p, const struct fields *f, unsigned int rank)
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

int bootlog_on_pmu(struct parser *p, const struct fields *f, unsigned int rank)
{
	set_cpu(p, f->n[0], (int)rank);
	return 0;
}

int bootlog_on_isa(struct parser *p, const struct fields *f, unsigned int rank)
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
int bootlog_on_hardware(struct parser *p, const struct fields *f, unsigned int rank)
{
	const char *s = f->s[0].s, *end = s + f->s[0].len, *cpu = NULL;
	uint64_t n = 0, gen;

	if (p->model_given)
		return 0;
	for (const char *w = s; w < end;
	     w = bootlog_skip(bootlog_skip(w, end, bootlog_is_not_space), end, bootlog_is_space)) {
		if (bootlog_has_prefix(w, end, "0x"))
			break;
		if (bootlog_has_prefix(w, end, "POWER") &&
		    bootlog_scan_num(w + 5, end, 10, 0, &gen)) {
			cpu = w;
			n = gen;
		}
	}
	if (!cpu)
		return 0;
	while (cpu > s && cpu[-1] == ' ')
		cpu--;
	bootlog_span_copy(p->log->model, sizeof(p->log->model),
			  &(struct span){ s, (size_t)(cpu - s) });
	p->model_given = true;
	set_cpu(p, n, (int)rank);
	return 0;
}

/* A line only x86 (arg 0) or ARM (1) prints: the first is kept for the refusal. */
int bootlog_on_foreign(struct parser *p, const struct fields *f, unsigned int arch)
{
	if (!p->foreign_line) {
		p->foreign_line = p->line;
		p->foreign_arch = arch ? "ARM" : "x86";
	}
	return 0;
}
