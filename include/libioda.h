/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file libioda.h
 * @brief libioda: the PowerNV PCI IODA PE subsystem, as a library.
 *
 * The one header a program outside the tree includes (`pkg-config --cflags
 * --libs ioda`).  It compiles as C11 (`-std=c11 -pedantic`), as C++ and
 * beside pciutils' `<pci/pci.h>`: every type is prefixed, the machine's
 * objects are opaque, and what a program reads back (the PE table, the
 * passthrough advice, a replay's differences) comes as plain structures it
 * walks and frees.
 *
 * The life of a machine: a context (ioda_ctx_new()) owns allocation, fault
 * injection and the reference tracker; a machine is loaded into it
 * (ioda_load_machine(), ioda_load_example()); a kernel is booted on the
 * machine (ioda_kernel_boot()) and read (ioda_show_read(), ioda_advise(),
 * ioda_show_text(), ...); then ioda_kernel_free(), ioda_machine_free() and
 * ioda_ctx_free(), in that order.  Nothing is global: several contexts live
 * in one process, each used by one thread at a time.
 *
 * Errors are negative errno values; where a @c struct @c ioda_error is
 * passed, its message says what was wrong ("file:line: what").
 */
#ifndef LIBIODA_H
#define LIBIODA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Contexts, errors, fault injection
 * @{ */

/** A context: allocation accounting, fault hooks, the reference tracker. */
struct ioda_ctx;
/** A machine: its PHBs and PCI devices (loaded, not yet booted). */
struct ioda_machine;
/** The kernel booted on a machine: its PEs, DMA windows, iommu groups. */
struct ioda_kernel;

/** A message "file:line:col: what is wrong" (or "file: what is wrong"). */
struct ioda_error {
	char msg[512]; /**< NUL-terminated */
};

/** Kinds of fault point: each call of one kind advances its counter. */
enum ioda_fault_kind {
	IODA_FAULT_ALLOC = 1 << 0, /**< an allocation */
	IODA_FAULT_OPAL = 1 << 1,  /**< a firmware (OPAL) call */
};
/** Every kind of fault point. */
#define IODA_FAULT_ANY (IODA_FAULT_ALLOC | IODA_FAULT_OPAL)

/** Tracker report kinds, also the counters of ioda_ctx_reports(). */
enum ioda_report_kind {
	IODA_REPORT_LEAK,		 /**< a reference nobody dropped */
	IODA_REPORT_USE_AFTER_RELEASE, /**< a put or get on a released object */
	IODA_REPORT_PUT_BY_NON_HOLDER, /**< a put by a holder that has no reference */
	IODA_REPORT_SATURATED,	 /**< a count that saturated (refcount_t) */
	IODA_REPORT_NR		 /**< the number of kinds */
};

/** Receives each report line (no trailing newline). */
typedef void (*ioda_report_fn)(void *arg, enum ioda_report_kind kind, const char *line);

/**
 * A new context; reports go to stderr until ioda_ctx_set_report().
 * The context's own memory is not accounted and never fails by injection.
 * @return NULL only when the C library is out of memory.
 */
struct ioda_ctx *ioda_ctx_new(void);

/**
 * Frees the context: quarantined objects are freed.  Objects still live are
 * reported as leaks by ioda_ctx_check_leaks(), which callers run first.
 */
void ioda_ctx_free(struct ioda_ctx *ctx);

/** Sends the tracker's report lines to @p fn instead of stderr. */
void ioda_ctx_set_report(struct ioda_ctx *ctx, ioda_report_fn fn, void *arg);

/** Number of reports of @p kind made so far. */
unsigned long ioda_ctx_reports(const struct ioda_ctx *ctx, enum ioda_report_kind kind);

/**
 * Makes the @p n-th fault point (counted from now, among the @p kinds) fail;
 * n == 0 disarms.  Fault points of other kinds are counted but never fail.
 */
void ioda_fault_fail_nth(struct ioda_ctx *ctx, unsigned int kinds, unsigned long n);

/** Fault points of @p kinds passed since the context was made. */
unsigned long ioda_fault_calls(const struct ioda_ctx *ctx, unsigned int kinds);

/** Injected failures so far. */
unsigned long ioda_fault_injected(const struct ioda_ctx *ctx);

/** Live tracked references (sum over objects of their holders' counts). */
unsigned long ioda_ctx_live_refs(struct ioda_ctx *ctx);

/**
 * Reports every live reference as a leak ("ref-tracker: leak: ..."), one line
 * per holder.
 * @return the number of references reported.
 */
unsigned long ioda_ctx_check_leaks(struct ioda_ctx *ctx);

/** The library's version, "0.1.0". */
const char *ioda_version(void);

/** @} */

/** @name Loading a machine
 * @{ */

/** What a machine description is. */
enum ioda_input_kind {
	IODA_INPUT_AUTO, /**< by file extension */
	IODA_INPUT_TOPO, /**< topology text (.topo) */
	IODA_INPUT_DT,   /**< a device tree (.dts, .dtb) */
	IODA_INPUT_LOG   /**< anything else: a kernel boot log */
};

/** The kind a path's extension names (never IODA_INPUT_AUTO). */
enum ioda_input_kind ioda_input_kind_of(const char *path);

/** Parses "topo", "dt", "log". @return the kind, or -1 when unknown. */
int ioda_input_kind_parse(const char *s);

/**
 * Reads @p path and builds a machine from it.
 * @return 0 and *@p out, or a negative errno with @p err filled and nothing
 * left allocated.
 */
int ioda_load_machine(struct ioda_ctx *ctx, const char *path, enum ioda_input_kind kind,
		      struct ioda_machine **out, struct ioda_error *err);

/** As ioda_load_machine(), from @p len bytes at @p buf; @p file names it in messages. */
int ioda_load_machine_buf(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			  enum ioda_input_kind kind, struct ioda_machine **out,
			  struct ioda_error *err);

/**
 * The built-in example machine: a POWER9 with six PHB4s, a switch, NVMe, a
 * multifunction NIC, two GPUs with their NVLinks on an NPU2 and an OpenCAPI
 * card; as ioda_load_machine().
 */
int ioda_load_example(struct ioda_ctx *ctx, struct ioda_machine **out, struct ioda_error *err);

/**
 * Removes every device, bus and domain, drops the machine's references and
 * frees it (its kernel freed first).  Then reports every reference still
 * live in the context as a leak.
 * @return how many there were (0 for a clean teardown).
 */
unsigned long ioda_machine_free(struct ioda_machine *m);

/** @} */

/** @name Booting the kernel
 * @{ */

/** PE kinds (the kernel's PNV_IODA_PE_* flags), in ioda_pe_info::flags. */
enum {
	IODA_PE_DEV = 1 << 0,     /**< one device: NVLink link, OpenCAPI function */
	IODA_PE_BUS = 1 << 1,     /**< one bus */
	IODA_PE_BUS_ALL = 1 << 2, /**< a bus and every bus below it */
	IODA_PE_MASTER = 1 << 3,  /**< compound PE: the lowest M64 segment */
	IODA_PE_SLAVE = 1 << 4,   /**< compound PE: the other segments */
	IODA_PE_VF = 1 << 5,      /**< one SR-IOV VF */
	/**
	 * Released, but a firmware call undoing it failed: the hardware may
	 * still route to the number, so it is never handed out again.
	 */
	IODA_PE_RETIRED = 1 << 6
};

/**
 * Who holds the devices of device PEs (NVLink links, OpenCAPI functions).
 */
enum ioda_refcount_rule {
	/**
	 * The thread's best solution: a PE that names a device holds a counted
	 * reference, dropped when the device leaves its bus; the GPU<->NPU
	 * getters return counted references.
	 */
	IODA_REFS_COUNTED,
	/** A device PE takes its device and nothing drops it; the getters borrow. */
	IODA_REFS_V5_5,
	/** The upstream fix: device PEs borrow, each NVLink device pinned once. */
	IODA_REFS_V5_6
};

/** Parses "counted", "v5.5", "v5.6". @return the rule, or -1 when unknown. */
int ioda_refcount_rule_parse(const char *s);
/** The word ioda_refcount_rule_parse() takes for @p rule. */
const char *ioda_refcount_rule_name(enum ioda_refcount_rule rule);

/** Resource line style bits (ioda_boot_opts::res_style, ioda_event::m). */
enum {
	IODA_RES_SIZE = 1 << 8,       /**< unset: "[mem size 0x...]" */
	IODA_RES_NEW_NAMES = 1 << 9,  /**< "BAR 0 [mem ...]: assigned" (6.8+, some 6.1 stables) */
	IODA_RES_NO_IOV = 1 << 10,    /**< no CONFIG_PCI_IOV: bridge windows are BARs 7-9 */
	IODA_RES_OLD_NAMES = 1 << 11  /**< the old names asked for explicitly */
};

/** How the kernel is booted. */
struct ioda_boot_opts {
	const char *kernel;	/**< version ("5.3", "6.1"); NULL: the newest that runs the machine */
	const char *cmdline;	/**< the command line: iommu=nobypass, pci=... */
	unsigned int page_shift; /**< 0: the version's; 12 or 16 to override */
	uint64_t dram_end;	/**< 0: the machine's memory size */
	enum ioda_refcount_rule refcount; /**< who holds device PEs' devices */
	bool reassign;		/**< assign resources even where the machine gives addresses */
	/** Resource line style; 0: by version (new names from 6.8). */
	unsigned int res_style;
};

/** What the kernel prints: one kind per line format. */
enum ioda_event_kind {
	IODA_EV_PHB_INIT,	 /**< the PHB header; text: type name, text2: DT path */
	IODA_EV_PHB_M32_RANGE,	 /**< a..b -> c */
	IODA_EV_PHB_M64_RANGE,	 /**< a..b -> c, M64 \#n..m */
	IODA_EV_PHB_M64_DEFAULT, /**< n */
	IODA_EV_PHB_PE_COUNTS,	 /**< n PEs, m reserved, a M32 size, b segment */
	IODA_EV_PHB_M64_SIZE,	 /**< a size, b segment */
	IODA_EV_PHB_MSIS,	 /**< n MSIs, a base IRQ */
	IODA_EV_BUS_CONFIGURING, /**< rid: bus << 8 */
	IODA_EV_DEV_CONFIGURED,	 /**< rid: the device; pe */
	IODA_EV_DEV_ADDED,	 /**< rid; pe */
	IODA_EV_DEV_GROUP_ADD,	 /**< rid; n: group id */
	IODA_EV_DEV_GROUP_REMOVE, /**< rid; n: group id */
	IODA_EV_PE_BUS,		 /**< a: bus */
	IODA_EV_PE_BUS_ALL,	 /**< a..b: buses */
	IODA_EV_PE_DEV,		 /**< Associated device to PE */
	IODA_EV_PE_TCE32,	 /**< a: 32-bit window end */
	IODA_EV_PE_WINDOW,	 /**< n: window, a..b, c: page size */
	IODA_EV_PE_BYPASS,	 /**< n: 1 enabling, 0 disabling */
	IODA_EV_PE_RELEASING,	 /**< "Releasing PE" */
	IODA_EV_PE_WINDOW_REMOVE, /**< n: window */
	IODA_EV_PE_MESSAGE,	 /**< text: a pe_err/pe_warn line of its own */
	IODA_EV_PE_DUMP,	 /**< debugfs dump_ioda_pe_state: a rid, n dev count */
	IODA_EV_MESSAGE,	 /**< text: a plain pr_warn/pr_err line */
	IODA_EV_RES_ASSIGNED,	 /**< "BAR 0: assigned [mem ...]" (n BAR, a..b, m flags) */
	IODA_EV_RES_NO_SPACE,	 /**< "BAR 0: no space for [mem size ...]" */
	IODA_EV_RES_FAILED,	 /**< "BAR 0: failed to assign [mem size ...]" */
	IODA_EV_BRIDGE_TO,	 /**< "PCI bridge to [bus a-b]" */
	IODA_EV_BRIDGE_WINDOW,	 /**< "  bridge window [mem ...]" */
	IODA_EV_WINDOW_ADD_SIZE, /**< "bridge window [...] to [bus ..] add_size c" */
	IODA_EV_VF_EXPANDED,	 /**< n: VF BAR, c: VFs */
	IODA_EV_VF_NON_M64,	 /**< n: VF BAR */
	IODA_EV_VF_NO_SINGLE	 /**< n: VF BAR too small for single PE mode */
};

/** Kernel log levels of the lines. */
enum { IODA_LOG_ERR = 3, IODA_LOG_WARNING = 4, IODA_LOG_INFO = 6 };

/** One line the kernel prints, as data. */
struct ioda_event {
	enum ioda_event_kind kind; /**< its format */
	int level;		   /**< IODA_LOG_* */
	int domain;		   /**< the PHB's domain; -1 for none */
	uint16_t rid;		   /**< the device, bus (bus << 8) or PE's RID */
	unsigned int pe;	   /**< PE lines: the PE number */
	unsigned int pe_flags;	   /**< PE lines: its kind (IODA_PE_*), for the prefix */
	uint64_t a;		   /**< a number, by kind (the kinds' comments) */
	uint64_t b;		   /**< a number, by kind */
	uint64_t c;		   /**< a number, by kind */
	int n;			   /**< a number, by kind */
	int m;			   /**< a number, by kind */
	const char *text;	   /**< text, by kind; valid during the callback only */
	const char *text2;	   /**< more text, by kind; valid during the callback only */
};

/** Receives each line the kernel prints while booting and after. */
typedef void (*ioda_event_fn)(void *arg, const struct ioda_event *ev);

/**
 * The line the kernel prints for @p ev, without timestamp or level, e.g.
 * "pci 0000:01     : [PE# fd] Secondary bus 0x0000000000000001 associated
 * with PE#fd".
 * @return the length, as snprintf().
 */
int ioda_event_format(const struct ioda_event *ev, char *buf, size_t len);

/** The newest kernel version ioda models ("6.12"). */
const char *ioda_profile_newest(void);
/** The newest kernel version with NVLink (NPU) support ("5.12"). */
const char *ioda_profile_newest_nvlink(void);

/**
 * Boots a kernel on @p m: PHBs, PEs, DMA windows, iommu groups, as the
 * version's pci-ioda.c does; each line it prints goes to @p fn (may be NULL).
 * The kernel borrows @p m, which must outlive it.
 * @return 0 and *@p out, or a negative errno with @p err filled.
 */
int ioda_kernel_boot(struct ioda_machine *m, const struct ioda_boot_opts *opts,
		     ioda_event_fn fn, void *arg, struct ioda_kernel **out,
		     struct ioda_error *err);
/** Shuts the kernel down: its PEs released, the machine's devices put. */
void ioda_kernel_free(struct ioda_kernel *k);

/** @} */

/** @name The PE table (ioda show)
 * @{ */

/** Freeze state bits (ioda_pe_info::frozen). */
enum {
	IODA_FROZEN_MMIO = 1 << 0, /**< MMIO frozen */
	IODA_FROZEN_DMA = 1 << 1   /**< DMA stopped */
};

/** One PE, as ioda show lists it. */
struct ioda_pe_info {
	unsigned int pe;	  /**< the PE number */
	unsigned int flags;	  /**< IODA_PE_* bits; 0: the reserved PE */
	char kind[48];		  /**< the flags as words: "bus master", "reserved" */
	unsigned int rid;	  /**< the PE's RID (bus << 8 | devfn) */
	int device_count;	  /**< the kernel's count of its devices */
	int iommu_group;	  /**< -1: none */
	bool window0;		  /**< a 32-bit TCE window (#0) is set */
	uint64_t window0_size;	  /**< its size in bytes (from bus address 0) */
	uint64_t window0_page_size; /**< its TCE page size */
	unsigned int window0_levels; /**< its TCE table's levels */
	bool bypass;		  /**< the 64-bit bypass window is on */
	unsigned int frozen;	  /**< IODA_FROZEN_* bits */
	unsigned int nm32;	  /**< M32 segments of the PE ... */
	unsigned int *m32;	  /**< ... their numbers, ascending */
	unsigned int nm64;	  /**< M64 segments of the PE ... */
	unsigned int *m64;	  /**< ... their numbers, ascending */
	unsigned int ndevices;	  /**< functions whose PE it is ... */
	char (*devices)[16];	  /**< ... their names, "0000:01:00.0", in tree order */
	char holds[64];		  /**< the bus it holds a reference on; "" none */
};

/** A PowerNV hotplug slot on a PHB, as firmware (skiboot) describes it. */
struct ioda_slot_info {
	char label[32];	 /**< ibm,slot-label: pnv_php's slot name */
	char owner[16];	 /**< its bridge "0000:02:02.0", or the PHB's root bus "0007:00" */
	bool present;	 /**< a card in it */
	bool powered;	 /**< firmware's power state */
	bool surprise;	 /**< surprise-pluggable */
};

/** One PHB and its allocated PEs. */
struct ioda_phb_info {
	int domain;		  /**< the PCI domain */
	char gen[8];		  /**< "phb3", "phb4", "phb5", "npu2", ... */
	unsigned int total_pes;	  /**< PEs the PHB has */
	unsigned int reserved_pe; /**< the reserved PE's number */
	unsigned int root_pe;	  /**< the root PE's number */
	unsigned int npes;	  /**< allocated PEs ... */
	struct ioda_pe_info *pes; /**< ... by PE number */
	unsigned int nslots;	  /**< hotplug slots ... */
	struct ioda_slot_info *slots; /**< ... in the order firmware made them */
};

/** The PE table of a booted kernel: a snapshot, freed by ioda_show_free(). */
struct ioda_show {
	char kernel[24];	   /**< the kernel version booted */
	unsigned int nphbs;	   /**< PHBs ... */
	struct ioda_phb_info *phbs; /**< ... in domain order */
	struct ioda_ctx *ctx;	   /**< the allocator (not for the caller) */
};

/**
 * A snapshot of @p k's PE table (taken under the rescan lock, so consistent
 * while other threads hot-plug).
 * @return 0 and *@p out, or -ENOMEM.
 */
int ioda_show_read(struct ioda_kernel *k, struct ioda_show **out);
/** Frees a snapshot; NULL is fine. */
void ioda_show_free(struct ioda_show *s);

/** Writes the PE table as `ioda show` prints it. @return 0 or -EIO. */
int ioda_show_text(struct ioda_kernel *k, FILE *out);
/** Writes the PE table as `ioda show --json` (schema ioda-show/1). */
int ioda_show_json(struct ioda_kernel *k, FILE *out);

/** An event's kind as a JSON word ("pe_bus"). */
const char *ioda_event_kind_name(enum ioda_event_kind kind);

/** Collects events (an ioda_event_fn) for `ioda boot --json`. */
struct ioda_json_events;
/** A new collector; NULL when out of memory. */
struct ioda_json_events *ioda_json_events_new(void);
/** The ioda_event_fn that collects: pass the collector as its @p arg. */
void ioda_json_events_add(void *arg, const struct ioda_event *ev);
/** Writes the collected events (schema ioda-boot/1) for kernel version @p kernel. */
int ioda_json_events_write(struct ioda_json_events *j, const char *kernel, FILE *out);
/** Frees a collector; NULL is fine. */
void ioda_json_events_free(struct ioda_json_events *j);

/** @} */

/** @name iommu groups and passthrough advice (ioda groups)
 * @{ */

/** Writes the iommu groups as `ioda groups` prints them. */
int ioda_groups_text(struct ioda_kernel *k, FILE *out);
/** Writes them as `ioda groups --json` (schema ioda-groups/1). */
int ioda_groups_json(struct ioda_kernel *k, FILE *out);

/** Why a device goes to the guest with the devices asked about (bits). */
enum ioda_advice_why {
	IODA_WHY_SAME_PE = 1 << 0,     /**< the PHB cannot isolate it from the device */
	IODA_WHY_SAME_GROUP = 1 << 1,  /**< VFIO hands out whole groups */
	IODA_WHY_NVLINK_PEER = 1 << 2, /**< the GPU's NVLink, or the link's GPU */
	IODA_WHY_PEER_GROUP = 1 << 3   /**< in the iommu group of an NVLink peer */
};

/** A PCI function, as the advisor names it. */
struct ioda_device_info {
	char bdf[16];		/**< "0000:03:00.0" */
	uint16_t vendor;	/**< PCI vendor ID */
	uint16_t device;	/**< PCI device ID */
	uint32_t class_code;	/**< class, subclass, prog-if */
	char class_name[48];	/**< "Non-Volatile memory controller" */
	char name[160];		/**< vendor and device from pci.ids; "" unknown */
	char driver[24];	/**< the bound driver; "" none known */
	int domain;		/**< its PHB's domain */
	unsigned int pe;	/**< its PE number */
	int iommu_group;	/**< -1: none */
	unsigned int why;	/**< in ioda_advice::with: IODA_WHY_* bits; else 0 */
};

/** What must go to a guest with some devices, and how the host gives them. */
struct ioda_advice {
	char kernel[24];		  /**< the kernel version booted */
	unsigned int nasked;		  /**< the devices asked about ... */
	struct ioda_device_info *asked;	  /**< ... in the order asked */
	unsigned int nwith;		  /**< what goes with them ... */
	struct ioda_device_info *with;	  /**< ... in tree order, each with why */
	unsigned int whys;		  /**< the IODA_WHY_* bits of all of them */
	unsigned int nvfs;		  /**< VFs of asked PFs (each alone) ... */
	struct ioda_device_info *vfs;	  /**< ... in tree order */
	unsigned int nsteps;		  /**< the host's commands, as root ... */
	char (*steps)[256];		  /**< ... in order */
	unsigned int ngroups;		  /**< the groups the guest's container opens ... */
	int *groups;			  /**< ... /dev/vfio/N, N in first-use order */
	struct ioda_ctx *ctx;		  /**< the allocator (not for the caller) */
};

/**
 * Advises on passing the functions @p bdfs ("0000:03:00.0") of @p k to one
 * guest: the union of what must go with them and why, their VFs' PEs and
 * groups (enabled VFs), the host's vfio-pci steps and /dev/vfio groups.
 * @return 0 and *@p out; -ENOENT for a function the machine lacks, -ENODEV
 * for one with no iommu group (@p err says why), -ENOMEM.
 */
int ioda_advise(struct ioda_kernel *k, const char *const *bdfs, unsigned int n,
		struct ioda_advice **out, struct ioda_error *err);
/** Writes @p a as `ioda groups --device` prints it. */
int ioda_advice_text(const struct ioda_advice *a, FILE *out);
/** Writes @p a as `ioda groups --device --json` (schema ioda-groups/1). */
int ioda_advice_json(const struct ioda_advice *a, FILE *out);
/** Frees advice; NULL is fine. */
void ioda_advice_free(struct ioda_advice *a);

/** Writes the machine as a Graphviz picture (`ioda draw`). */
int ioda_draw_dot(struct ioda_kernel *k, FILE *out);

/** @} */

/** @name Replaying a boot log (ioda replay)
 * @{ */

/** How a log is replayed. */
struct ioda_replay_opts {
	const char *kernel; /**< NULL: the log's own version */
	bool derived_only;  /**< print ioda's PE lines, compare nothing */
	/**
	 * The resource lines instead: the machine rebuilt from sizes only, the
	 * kernel's assignment derived and held against the log's.
	 */
	bool resources;
};

/** What a line of a replay's result is. */
enum ioda_replay_line_kind {
	IODA_LINE_MISSING,    /**< the log's line, which ioda did not print */
	IODA_LINE_UNEXPECTED, /**< ioda's line, which the log does not have */
	IODA_LINE_DERIVED     /**< ioda's line (derived_only: nothing compared) */
};

/** A line of a replay's result. */
struct ioda_replay_line {
	enum ioda_replay_line_kind kind; /**< missing, unexpected or derived */
	int domain;			 /**< the PHB the line is about */
	char text[256];			 /**< the line, without timestamp or level */
};

/** One PHB's figures. */
struct ioda_replay_phb {
	int domain;	      /**< the PCI domain */
	unsigned int matched; /**< the log's lines ioda printed alike */
	unsigned int total;   /**< the log's lines */
	unsigned int extra;   /**< ioda's lines the log lacks */
};

/** What a replay found; ioda_replay_result_free() frees its arrays. */
struct ioda_replay_result {
	unsigned int matched; /**< the log's lines ioda printed alike */
	unsigned int total;   /**< the log's lines compared */
	unsigned int extra;   /**< ioda's lines the log lacks */
	unsigned int derived; /**< ioda's lines printed (derived_only) */
	/**
	 * When the log has no "Linux version" line and opts gave none: the
	 * kernel inferred and the clue that decided it; "" otherwise.
	 */
	char kernel_inferred[320];
	/** With resources: what the log lacks that assignment needs, a line each. */
	char missing[1024];
	unsigned int nphbs;		 /**< PHBs compared ... */
	struct ioda_replay_phb *phbs;	 /**< ... in domain order */
	unsigned int nlines;		 /**< the lines that differ (or, derived_only, all) ... */
	struct ioda_replay_line *lines;	 /**< ... PHB by PHB, in the diff's order */
	struct ioda_ctx *ctx;		 /**< the allocator (not for the caller) */
};

/**
 * Replays the boot log @p buf (@p len bytes, read from @p file): the machine
 * it describes is booted under its kernel and ioda's lines are held against
 * the log's, PHB by PHB.  The report (as `ioda replay` prints it) goes to
 * @p out, which may be NULL; the figures and the lines to @p res.
 * @return 0 (whether or not the lines agree: see @p res), or a negative
 * errno with @p err filled and nothing left in @p res to free.
 */
int ioda_replay(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		const struct ioda_replay_opts *opts, FILE *out, struct ioda_replay_result *res,
		struct ioda_error *err);
/** Writes a replay's result as `ioda replay --json` (schema ioda-replay/1). */
int ioda_replay_json(const char *file, const struct ioda_replay_opts *opts,
		     const struct ioda_replay_result *res, FILE *out);
/** Frees the arrays a replay put in @p res. */
void ioda_replay_result_free(struct ioda_replay_result *res);

/** @} */

/** @name Scenarios (ioda run)
 * @{ */

/** A parsed scenario. */
struct ioda_scenario;

/** Parses a scenario from @p len bytes at @p buf; @p file names it in messages. */
int ioda_scenario_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			struct ioda_scenario **out, struct ioda_error *err);
/** Reads and parses the scenario at @p path. */
int ioda_scenario_load(struct ioda_ctx *ctx, const char *path, struct ioda_scenario **out,
		       struct ioda_error *err);
/** Frees a scenario; NULL is fine. */
void ioda_scenario_free(struct ioda_scenario *s);

/** Counts of a tolerant run. */
struct ioda_scenario_stats {
	unsigned long steps;   /**< action steps run */
	unsigned long refused; /**< of them, refused by the kernel with nothing changed */
};

/** How a scenario runs. */
struct ioda_scenario_opts {
	const char *kernel; /**< overrides the scenario's kernel line; NULL: keep it */
	bool audit;	    /**< ioda's audit after every step */
	bool exact;	    /**< every PE line a step prints must be expected */
	enum ioda_refcount_rule refcount; /**< who holds device PEs' devices */
	/**
	 * A step the kernel refuses is counted in @c stats, not a failure, when
	 * it left the PEs, the tables and the references as they were.
	 */
	bool tolerant;
	struct ioda_scenario_stats *stats; /**< NULL: not counted */
	FILE *out;	    /**< the kernel's log and what show and dma print */
	FILE *diag;	    /**< failed expects and steps, audit violations */
	/** Builds the machine the machine line names; NULL: ioda_load_machine(). */
	int (*load_machine)(void *arg, struct ioda_ctx *ctx, const char *path,
			    enum ioda_input_kind kind, struct ioda_machine **out,
			    struct ioda_error *err);
	void *load_arg; /**< load_machine's @c arg */
};

/**
 * Runs a scenario.
 * @return 0 when every step and expect passed, 1 when some failed (on
 * @c diag), a negative errno with @p err filled when it could not run.
 */
int ioda_scenario_run(const struct ioda_scenario *s, const struct ioda_scenario_opts *opts,
		      struct ioda_error *err);
/** Writes a run's outcome as `ioda run --json` (schema ioda-run/1). */
int ioda_scenario_json(const char *file, int status, const char *log, const char *diag,
		       FILE *out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
