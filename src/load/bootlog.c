/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel boot log loader.
 *
 * One pass over the log, a line at a time, nothing allocated for a line it
 * ignores.  Each line loses its stamp (replay_score.py's STAMP: "[ 1.2] ",
 * or journalctl's "Mon DD HH:MM:SS host kernel: ") and its trailing blanks;
 * a PE line (replay_score.py's PE pattern) is set aside and never read
 * further.  The rest go through tables of line formats (bootlog_scan(): a
 * strict scanf), so one handler serves every spelling a kernel version uses.
 * Devices are collected flat and the tree is built at the end, because the
 * kernel prints "PCI bridge to [bus a-b]" after the devices behind it.
 *
 * This file is that pass, each line to its handler (lines[] below), the PE
 * and resource lines kept verbatim, and the entry points.  The line forms
 * and the scanner are in bootlog_line.c; the handlers in bootlog_kernel.c
 * (kernel facts), bootlog_phb.c (PHB headers, host bridges) and
 * bootlog_dev.c (devices, resources); the tree is built in bootlog_tree.c.
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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bootlog_priv.h"
#include "load_priv.h"

/* Ends the boot part of a console log (tests/conformance/corpus guest-*.log). */
#define BOOT_END "=====BEGIN"

int __attribute__((format(printf, 3, 4)))
bootlog_fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioda_error_set(p->err, "%s:%u: %s", p->file, line, msg);
	return -EINVAL;
}

int bootlog_oom(struct parser *p)
{
	ioda_error_set(p->err, "%s: out of memory", p->file);
	return -ENOMEM;
}

/* Room for one more element in *@arr; false (nothing changed) on failure. */
bool bootlog_grow(struct parser *p, void **arr, unsigned int n, unsigned int *cap, size_t size)
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

/* ---- each line to its handler ---------------------------------------------- */

/* Every line the loader reads, most frequent first. */
static const struct matcher lines[] = {
	{ "pci %4h:%2h:%2h.%1u: %*", bootlog_on_pci, 0 },
	{ "pci_bus %4h:%2h: %*", bootlog_on_pci_bus, 0 },
	{ "PCI host bridge to bus %4h:%2h", bootlog_on_host_bridge, 0 },
	{ "Initializing %s PHB (%s)", bootlog_on_phb_header, 0 },
	{ "MEM %x..%x -> %x (M64 #%u..%u)", bootlog_on_phb_line, HDR_M64_RANGE },
	{ "MEM %x..%x -> %x", bootlog_on_phb_line, HDR_M32_RANGE },
	{ "Using M64 #%u as default window", bootlog_on_phb_line, HDR_DEFAULT_BAR },
	{ "%u (%u) PE's M32: %x [segment=%x]", bootlog_on_phb_line, HDR_PES },
	{ "M64: %x [segment=%x]", bootlog_on_phb_line, HDR_M64 },
	{ "IO: %x [segment=%x]", bootlog_on_phb_line, HDR_IO },
	{ "Allocated bitmap for %u MSIs (base IRQ %x)", bootlog_on_phb_line, HDR_MSI },
	{ "pcieport %4h:%2h:%2h.%1u: pciehp: Slot #%u %*", bootlog_on_pciehp, 0 },
	{ "pciehp %4h:%2h:%2h.%1u:pcie%u: Slot #%u %*", bootlog_on_pciehp, 0 },
	{ "Linux version %*", bootlog_on_version, 0 },
	{ "Kernel command line:%*", bootlog_on_cmdline, 0 },
	{ "CPU: %u PID: %u Comm: %*", bootlog_on_trace, 0 },
	{ "Memory: %uK/%uK available%*", bootlog_on_memory, IODA_MEM_MEMORY_LINE },
	{ "phys_mem_size%_= %x", bootlog_on_memory, IODA_MEM_PHYS_SIZE },
	{ "Top of RAM: %x, Total RAM: %x", bootlog_on_memory, IODA_MEM_TOTAL_RAM },
	{ "node%_%u: [mem %x-%x]", bootlog_on_node_range, 0 },
	{ "Reserving %uMB of memory at %uMB for crashkernel (System RAM: %uMB)", bootlog_on_memory,
	  IODA_MEM_CRASHKERNEL },
	{ "Hardware name: %*", bootlog_on_hardware, 3 },
	{ "POWER%u performance monitor hardware support registered", bootlog_on_pmu, 2 },
	{ "dt-cpu-ftrs: setup for ISA %u", bootlog_on_isa, 1 },
	{ "Dentry cache hash table entries: %u (order: %u, %u bytes%*",
	  bootlog_on_hash_table, 2 },
	{ "VFS: Dquot-cache hash table entries: %u (order %u, %u bytes)",
	  bootlog_on_hash_table, 1 },
	/* Lines only other architectures print: what a log of theirs is told by. */
	{ "x86/%*", bootlog_on_foreign, 0 },
	{ "BIOS-e820: %*", bootlog_on_foreign, 0 },
	{ "DMI: %*", bootlog_on_foreign, 0 },
	{ "ACPI: %*", bootlog_on_foreign, 0 },
	{ "Booting Linux on physical CPU %*", bootlog_on_foreign, 1 },
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

	if (!bootlog_grow(p, (void **)k->lines, *k->n, k->cap, sizeof(**k->lines)))
		return bootlog_oom(p);
	if (*k->text_cap - *k->len < len + 1) {
		size_t ncap = 2 * *k->text_cap + len + 4096;
		char *nt = ioda_realloc(p->ctx, *k->text, ncap);

		if (!nt)
			return bootlog_oom(p);
		*k->text = nt;
		*k->text_cap = ncap;
	}
	memcpy(*k->text + *k->len, s, len);
	(*k->text)[*k->len + len] = '\0';
	pl = &(*k->lines)[(*k->n)++];
	/* The text pointer is set once the storage stops moving. */
	*pl = (struct ioda_bootlog_pe_line){ .line = p->line, .domain = -1, .len = len };
	if (bootlog_scan(s, s + len, "pci %4h:", &f) ||
	    bootlog_scan(s, s + len, "pci_bus %4h:", &f))
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

static int parse_line(struct parser *p, const char *raw, size_t len)
{
	const char *s, *end, *pe, *res;
	int rc;

	/* As replay_score.py: rstrip(), then the stamp, then the PE pattern. */
	while (len && bootlog_is_space(raw[len - 1]))
		len--;
	if (len > 2 && raw[0] == '[' && (s = memchr(raw, ']', len)) && s[-2] == ',' &&
	    (size_t)(s - raw) + 2 < len)
		return bootlog_on_fw_summary(p, s + 2, raw + len);
	s = ioda_bootlog_strip_stamp(raw, &len);
	end = s + len;
	pe = ioda_bootlog_find_pe(s, len);
	if (pe)
		return add_pe_line(p, pe, (size_t)(end - pe));
	res = ioda_bootlog_find_res(s, len);
	if (res) {
		bootlog_learn_res_form(p, res, end);
		rc = add_res_line(p, res, (size_t)(end - res));
		if (rc || (p->flags & IODA_BOOTLOG_SIZES_ONLY))
			return rc;
	}
	s = bootlog_skip(s, end, is_blank);
	p->col = (unsigned int)(s - raw) + 1;
	return bootlog_dispatch(p, lines, ARRAY_SIZE(lines), s, end);
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
		if (bootlog_has_prefix(s, e, BOOT_END))
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
		bootlog_oom(&p);
		goto out;
	}
	p.log->cpu_gen = IODA_CPU_UNKNOWN;
	p.phb_tail = &p.topo->phbs;
	rc = parse_lines(&p, buf, len);
	if (!rc)
		rc = bootlog_finish(&p);
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

/* The format's entry in the loader list (loader.c): whatever no other claims. */
const struct ioda_loader ioda_log_loader = {
	.name = "log",
	.what = "kernel boot log",
	.kind = IODA_INPUT_LOG,
	.exts = NULL,
	.parse = ioda_bootlog_parse,
};
