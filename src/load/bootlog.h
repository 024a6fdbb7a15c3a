/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel boot logs as machine descriptions.
 *
 * A PowerNV boot log (dmesg with "[ time]" stamps, journalctl's
 * "Mon DD HH:MM:SS host kernel: " prefix, or bare; a serial console with
 * firmware lines first) says enough to rebuild the PCI side of the machine
 * the kernel saw: the PHBs it initialised, the host bridges, every function
 * it enumerated with its BARs, bridge windows and bus ranges, plus kernel
 * facts (version, command line, RAM, page size, CPU).  The loader reads
 * those and nothing of the PE set-up: the PE lines (the answer a replay is
 * scored against) are set aside verbatim and never used as input, so a log
 * with every PE line deleted gives the same description.  A line starting
 * "=====BEGIN" ends the boot (the QEMU oracle's console logs go on with
 * hotplug experiments there).
 *
 * A PHB whose header the log shows gets its struct ioda_topo_fw from it
 * (valid): reserved PE, M64 BAR range, MSIs, bus range, PCI addresses and
 * device-tree path; the log never prints the TCE sizes (left 0, absent) nor
 * the diag data size (the kernel's default, 8192).
 *
 * src/load/bootlog.c lists the rules that fill the gaps (PCIe port types,
 * PHB generation, which RAM line wins, which header is which PHB).
 */
#ifndef IODA_BOOTLOG_H
#define IODA_BOOTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioda/load.h>

/* What an "Initializing <type> PHB (<path>)" header and its lines said. */
struct ioda_bootlog_phb {
	unsigned int line;     /* of the "Initializing" line */
	char type[16];         /* as printed: IODA1, IODA2, NPU_NVLINK, NPU_OCAPI */
	char path[IODA_DT_PATH_MAX]; /* device-tree path, "/pciex@600c3c0000000" */
	int domain;            /* of the host bridge it became; -1: none did */
	unsigned int num_pes;  /* "512 (511) PE's": total, reserved; 0 when absent */
	unsigned int reserved_pe;
	uint64_t m32_size, m32_segsize;
	uint64_t m64_size, m64_segsize; /* 0: no M64 line ("Not support M64 window") */
	uint64_t io_size, io_segsize;
	/* The "ranges:" lines: CPU range (ASSIGNED when given) -> PCI address. */
	struct pci_resource m32_cpu, m64_cpu;
	uint64_t m32_pci, m64_pci;
	int m64_bar_first, m64_bar_last; /* "(M64 #1..31)"; -1: not told */
	int m64_default_bar;             /* "Using M64 #31 as default window"; -1 */
	unsigned int msi_count, msi_base; /* "Allocated bitmap for N MSIs (base IRQ B)" */
};

/* One PE line of the log: the text replay_score.py's PE pattern matched. */
struct ioda_bootlog_pe_line {
	unsigned int line;
	int domain;
	const char *text; /* from "pci" to the end of the line, trailing blanks cut */
	size_t len;       /* of text */
};

/* Where memory_bytes came from, best last. */
enum ioda_bootlog_mem_src {
	IODA_MEM_UNKNOWN,
	IODA_MEM_CRASHKERNEL, /* "Reserving ... (System RAM: NMB)" */
	IODA_MEM_MEMORY_LINE, /* "Memory: .../NK available": KiB */
	IODA_MEM_TOTAL_RAM,   /* "Top of RAM: ..., Total RAM: 0x..": bytes */
	IODA_MEM_PHYS_SIZE,   /* "phys_mem_size     = 0x...": bytes */
};

/* A CPU generation the log names; IODA_CPU_UNKNOWN when it names none. */
#define IODA_CPU_UNKNOWN (-1)

struct ioda_bootlog {
	/* "Linux version 6.2.0-rc6-P9 (...) ...": the release and the rest. */
	char kernel_version[64];
	int kver_major, kver_minor, kver_patch; /* 0 when not told */
	/*
	 * Without the banner, the release another line states: a trace's
	 * "Not tainted 6.1.0-50-..." or "Tainted: G W 5.19.0-...", a kernel
	 * image path in the command line ("/boot/vmlinux-5.3.8-..."); the first
	 * such line, its number and what it said.  0 when none.
	 */
	int told_major, told_minor;
	unsigned int told_line;
	char told_by[64];
	char *banner;  /* the whole text after "Linux version "; NULL if absent */
	char *cmdline; /* "Kernel command line: ..."; NULL if absent */
	uint64_t memory_bytes;
	enum ioda_bootlog_mem_src memory_src;
	/*
	 * The end of RAM ("Top of RAM", "node N: [mem a-b]"): on a two-socket
	 * POWER9 the second node sits at 32 TB, and the kernel sizes DMA
	 * windows from this end, not from the amount; 0 when not told.
	 */
	uint64_t memory_end;
	unsigned int page_size; /* PAGE_SIZE in bytes; 0 when not told */
	char model[64];         /* the device-tree model "Hardware name:" gives */
	char cpu[16];           /* "POWER9"; "" when not told */
	int cpu_gen;            /* enum ioda_phb_gen of the CPU, or IODA_CPU_UNKNOWN */
	struct ioda_bootlog_phb *phbs; /* PHB headers, in log order */
	unsigned int nphbs;
	struct ioda_bootlog_pe_line *pe_lines; /* in log order */
	unsigned int npe_lines;
	char *pe_text; /* storage of pe_lines[].text */
	/* The resource lines (replay_score.py's RES pattern), kept the same way. */
	struct ioda_bootlog_pe_line *res_lines;
	unsigned int nres_lines;
	char *res_text;
	/*
	 * How the kernel names resources: IODA_RES_NEW_NAMES when it scanned
	 * "BAR 0 [mem ...]" (6.8, and 6.1 stables), | IODA_RES_NO_IOV when its
	 * bridge windows are BARs 7-9 (see bootlog.c); IODA_RES_OLD_NAMES when
	 * it scanned "reg 0x10: [mem ...]"; 0 when it scanned no BAR.
	 */
	unsigned int res_style;
};

/* ioda_bootlog_read_opts() flags */
enum {
	/*
	 * Sizes only: no address from the log (resource lines, scanned BAR
	 * addresses, bridge windows), so that the kernel's assignment can be
	 * derived and held against the log's.
	 */
	IODA_BOOTLOG_SIZES_ONLY = 1u << 0,
};

/*
 * The loader entry (struct ioda_loader): the topology only.  Returns 0 and
 * *@out, or a negative errno with @err ("FILE:LINE: what" or "FILE: what")
 * and nothing allocated: -ENOMEM ("FILE: out of memory"), or -EINVAL when
 * the log contradicts itself (a device enumerated twice, a device on a bus
 * no bridge leads to, a resource line for a device never enumerated, ...)
 * or holds no "PCI host bridge to bus" line.  Lines it does not know are
 * ignored.
 */
int ioda_bootlog_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		       struct ioda_topo **out, struct ioda_error *err);

/* Both the topology and the log's own facts; either out pointer may be NULL. */
int ioda_bootlog_read(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		      struct ioda_topo **topo, struct ioda_bootlog **log, struct ioda_error *err);

/* The same with IODA_BOOTLOG_* @flags. */
int ioda_bootlog_read_opts(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			   unsigned int flags, struct ioda_topo **topo, struct ioda_bootlog **log,
			   struct ioda_error *err);

void ioda_bootlog_free(struct ioda_ctx *ctx, struct ioda_bootlog *log);

/*
 * The text after the timestamp or journalctl prefix of one line (@len
 * bytes, no newline): replay_score.py's STAMP.  *@len is updated.
 */
const char *ioda_bootlog_strip_stamp(const char *line, size_t *len);

/*
 * Where replay_score.py's PE pattern matches in a stamp-stripped line with
 * trailing blanks cut (the match runs to its end), or NULL.
 */
const char *ioda_bootlog_find_pe(const char *s, size_t len);

/* The same for replay_score.py's RES pattern (resource assignment outcomes). */
const char *ioda_bootlog_find_res(const char *s, size_t len);

#endif
