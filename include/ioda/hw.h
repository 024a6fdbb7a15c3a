/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PHB hardware: one PHB's IODA tables and the paths that use them.
 *
 * A struct ioda_phb_hw holds what a PHB3 (POWER8, IODA2), PHB4 (POWER9,
 * IODA3) or PHB5 (POWER10, same tables as PHB4) holds, sized as the real
 * ones (skiboot include/phb3.h, include/phb4.h, hw/phb4.c
 * phb4_read_capabilities):
 *
 *   RTT     RID -> PE, 64K u16 entries, reset to the reserved PE
 *   PELT-V  per PE, a bitmap of the PEs frozen with it (skiboot layout:
 *           byte parent * num_pes / 8 + child / 8, bit 0x80 >> child % 8)
 *   TVT     two entries per PE: 2*PE+0 the TCE window, 2*PE+1 the bypass
 *   M32     segment -> PE (PHB3 M32DT, PHB4 MDT column A), 2 GB / num_pes
 *   M64     BARs (PHB3 16; PHB4/5 16 or 32 with BAR 0 being the M32 one),
 *           split (segment n = PE n) or single-PE
 *   MIST    interrupt (xive) -> PE
 *   PEST    per PE: MMIO frozen, DMA stopped; PEEV is their summary
 *
 * plus the PHB's fence and an error record (what froze, PE, RID, address,
 * reason) which OPAL returns as the diag data.  No IO space: PHB3/4/5 have
 * none.  TCE tables are not here: they live in system memory (struct
 * ioda_sysmem), where the kernel allocates them, and the PHB walks them.
 *
 * Locking.  Each PHB has one lock.  Table changes are made with it held
 * (the OPAL layer takes it as skiboot's wrappers take the PHB lock); the
 * access paths below take it themselves.  The RTT lookup is the exception:
 * it is a plain array load without the lock, as the hardware's RID
 * translation does, so a DMA racing with opal_pci_set_pe() sees the old or
 * the new PE number of its RID, never a torn one (entries are loaded and
 * stored whole, with relaxed atomics).
 *
 * Errors inside this layer are negative errno values.
 */
#ifndef IODA_HW_H
#define IODA_HW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ioda/ctx.h>
#include <ioda/spin.h>
#include <ioda/pci.h>

/* ---- system memory ------------------------------------------------------- */

/*
 * A machine's "physical memory" for the tables the kernel allocates and
 * hands to firmware by physical address (TCE tables).  Regions are
 * allocated naturally aligned (as alloc_pages), zeroed, from a fake
 * physical address space starting at IODA_SYSMEM_BASE, and freed
 * explicitly.  Words are stored in host byte order; use read64/write64.
 * The sysmem has its own lock; it may be taken under a PHB lock.
 */
struct ioda_sysmem;

#define IODA_SYSMEM_BASE 0x0000000100000000ull
#define IODA_SYSMEM_LIMIT 0x0001000000000000ull /* 2^48, the TVT's address reach */
#define IODA_PAGE_4K 0x1000ull

struct ioda_sysmem *ioda_sysmem_new(struct ioda_ctx *ctx);
/* Frees the sysmem and every region still allocated. */
void ioda_sysmem_free(struct ioda_sysmem *mem);
/*
 * A zeroed region of @size bytes (a power of two, at least 4K), aligned to
 * its size; its physical address in *pa.  -EINVAL, -ENOMEM, -ENOSPC.
 */
int ioda_sysmem_alloc(struct ioda_sysmem *mem, uint64_t size, uint64_t *pa);
/* Frees the region that starts at @pa; -ENOENT if there is none. */
int ioda_sysmem_release(struct ioda_sysmem *mem, uint64_t pa);
/* One aligned 64-bit word; -EFAULT when @pa is in no region or misaligned. */
int ioda_sysmem_read64(struct ioda_sysmem *mem, uint64_t pa, uint64_t *val);
int ioda_sysmem_write64(struct ioda_sysmem *mem, uint64_t pa, uint64_t val);
/*
 * The first non-zero word in [@pa, @end) of the region holding @pa: its
 * address in *found and its value in *val; -ENOENT when there is none.
 * Words never written are skipped without being read, so a walk over a
 * sparse table costs what the table holds, not its size.
 */
int ioda_sysmem_next_nonzero(struct ioda_sysmem *mem, uint64_t pa, uint64_t end,
			     uint64_t *found, uint64_t *val);
/* Regions allocated and their total size. */
size_t ioda_sysmem_regions(struct ioda_sysmem *mem);
uint64_t ioda_sysmem_bytes(struct ioda_sysmem *mem);

/* ---- fixed numbers ---------------------------------------------------- */

#define IODA_RTT_ENTRIES 0x10000u
#define IODA_PHB3_NUM_PES 256u
#define IODA_PHB4_MAX_PES 512u
#define IODA_PHB3_M64_BARS 16u
#define IODA_NUM_IRQS_DEFAULT 2048u	 /* PHB3 IVT_TABLE_ENTRIES; PHB4 0x7f8 MSIs + 8 LSIs */
#define IODA_M32_PCI_START 0x80000000ull /* skiboot M32_PCI_START */
#define IODA_M32_PCI_SIZE 0x80000000ull	 /* skiboot M32_PCI_SIZE */

/* Bit 59 of a DMA address selects TVE 2*PE+1 ("2 TVEs per PE" mode). */
#define IODA_TVE_SELECT_BIT (1ull << 59)
/* Highest end of a bypass window skiboot accepts. */
#define IODA_BYPASS_END_MAX 0x0003ffffffffffffull

/* TCE: bit 0 read, bit 1 write, the real address above the page offset. */
#define IODA_TCE_READ 0x1ull
#define IODA_TCE_WRITE 0x2ull
#define IODA_TCE_RPN_MASK 0x000ffffffffff000ull
#define IODA_TCE_MAX_LEVELS 5u

/* PEST bits; also the OPAL freeze states 1 (MMIO) and 2 (DMA). */
#define IODA_PEST_MMIO_FROZEN 0x1u
#define IODA_PEST_DMA_STOPPED 0x2u
#define IODA_PEST_FROZEN (IODA_PEST_MMIO_FROZEN | IODA_PEST_DMA_STOPPED)

/* ---- the tables ------------------------------------------------------- */

enum ioda_tve_kind {
	IODA_TVE_OFF,
	IODA_TVE_TCE,	 /* translated through a TCE table */
	IODA_TVE_BYPASS, /* untranslated: bus offset = system address */
};

struct ioda_tve {
	enum ioda_tve_kind kind;
	unsigned int levels;	 /* TCE: 1..5 */
	unsigned int page_shift; /* TCE: IO page size */
	uint64_t table_pa;	 /* TCE: top level, in system memory */
	uint64_t level_size;	 /* TCE: bytes of one level, as OPAL got it */
	uint64_t start, end;	 /* bypass: [start, end), bit 59 stripped */
};

enum ioda_m64_mode {
	IODA_M64_SPLIT,	    /* segmented: segment n belongs to PE n */
	IODA_M64_SINGLE_PE, /* the whole BAR belongs to one PE */
};

struct ioda_m64_bar {
	uint64_t base, size; /* CPU address; size 0 = not set */
	enum ioda_m64_mode mode;
	uint32_t pe; /* single-PE mode */
	bool enabled;
};

/* What an access was doing when it failed. */
enum ioda_hw_op {
	IODA_OP_DMA_READ,
	IODA_OP_DMA_WRITE,
	IODA_OP_MSI,
	IODA_OP_MMIO_LOAD,
	IODA_OP_MMIO_STORE,
	IODA_OP_CFG_READ,
	IODA_OP_CFG_WRITE,
};

enum ioda_hw_reason {
	IODA_ERR_NONE,
	IODA_ERR_NO_WINDOW,	/* the TVE is off */
	IODA_ERR_OUT_OF_WINDOW, /* past the TCE table or outside the bypass range */
	IODA_ERR_BAD_ADDRESS,	/* DMA address bits 60..63 set */
	IODA_ERR_TCE_INVALID,	/* a TCE (or an indirect one) without R|W */
	IODA_ERR_TCE_MEMORY,	/* a TCE level not in system memory */
	IODA_ERR_TCE_ACCESS,	/* permission: write to a read-only TCE, ... */
	IODA_ERR_MSI_PE,	/* the MSI's PE is not the sender's */
	IODA_ERR_MSI_RANGE,	/* no such interrupt */
	IODA_ERR_INJECTED,	/* matched the armed error injection */
};

const char *ioda_hw_op_name(enum ioda_hw_op op);
const char *ioda_hw_reason_name(enum ioda_hw_reason reason);

struct ioda_hw_error {
	bool valid;
	enum ioda_hw_op op;
	enum ioda_hw_reason reason;
	uint32_t pe;
	uint16_t rid;  /* DMA, MSI, config */
	uint64_t addr; /* bus address, CPU address, or the xive for an MSI */
};

struct ioda_pest {
	unsigned int state;	    /* IODA_PEST_* */
	struct ioda_hw_error cause; /* first error that froze it */
};

/* The PAPR error injection registers (skiboot *_err_inject_finalize). */
enum ioda_inject_kind {
	IODA_INJECT_NONE,
	IODA_INJECT_MMIO, /* outbound: CPU address */
	IODA_INJECT_CFG,  /* outbound config: bdfn in bits 44..59 */
	IODA_INJECT_DMA,  /* inbound: bus address */
};

struct ioda_inject {
	enum ioda_inject_kind kind;
	bool is_write;
	uint64_t addr, mask; /* matches when (a & mask) == (addr & mask) */
};

/* Config address field of the injection registers (PPC_BITMASK(4,19)). */
#define IODA_INJECT_CFG_SHIFT 44
#define IODA_INJECT_CFG_BUS_MASK (0xffull << 52)    /* PHB_PAPR_ERR_INJ_MASK_CFG */
#define IODA_INJECT_CFG_ALL_MASK (0xffffull << 44)  /* PHB_PAPR_ERR_INJ_MASK_CFG_ALL */
#define IODA_INJECT_MMIO_MASK 0x0000ffffffffffffull /* PHB_PAPR_ERR_INJ_ADDR_MMIO */

/* What a generation's tables are made of (src/hw/gen.c); PHB5 is PHB4's. */
struct ioda_hw_gen {
	unsigned int default_pes;
	bool (*num_pes_valid)(unsigned int n); /* PE counts the PHB can have */
	unsigned int (*m64_count)(unsigned int num_pes); /* M64 BARs (PHB4/5: MBT entries) */
	unsigned int lsi_irqs; /* IRQs at the end of the block kept for LSIs */
	unsigned int (*tce_cache_entries)(unsigned int num_pes); /* see tce_cache.c */
};

const struct ioda_hw_gen *ioda_hw_gen_of(enum ioda_phb_gen gen);

struct ioda_phb_params {
	enum ioda_phb_gen gen;
	unsigned int num_pes;  /* 0: 256 on PHB3, 512 on PHB4/5 */
	unsigned int num_irqs; /* 0: IODA_NUM_IRQS_DEFAULT */
	uint64_t m32_base;     /* CPU address of the M32 window (skiboot mm1) */
	uint64_t m64_base;     /* the PHB's M64 window (skiboot mm0) */
	uint64_t m64_size;
	bool opencapi;         /* an NPU2 OpenCAPI link: has a shared process area */
	bool npu;              /* an NPU2 (NVLink or OpenCAPI): its TCE cache is not modelled */
};

/*
 * The PHB's TCE cache: leaf TCEs the DMA path read, by TVE and IO page,
 * used until killed (tce_cache.c).  @ways entries per set.
 */
struct ioda_tce_cache_entry {
	uint32_t tve; /* TVT index + 1; 0: empty */
	uint32_t page_shift;
	uint64_t page; /* IO page number in the window */
	uint64_t tce;
};

#define IODA_TCE_CACHE_WAYS 4

struct ioda_tce_cache {
	struct ioda_tce_cache_entry *e; /* [sets * IODA_TCE_CACHE_WAYS] */
	uint8_t *victim;		/* [sets]: the next way to replace */
	uint16_t *per_pe;		/* [num_pes]: entries each PE has, so kills skip */
	unsigned int sets, used;
	unsigned long hits, misses;
};

/*
 * One PHB.  Read the fields with the lock held (or from the owning thread
 * when nothing runs concurrently); change them through the OPAL layer.
 */
struct ioda_phb_hw {
	struct ioda_ctx *ctx;
	struct ioda_sysmem *mem; /* borrowed: the machine's memory */
	ioda_spinlock_t lock; /* ioda_hw_lock(): held for one table operation or access */

	enum ioda_phb_gen gen;
	unsigned int num_pes;
	unsigned int reserved_pe; /* num_pes - 1 */
	unsigned int num_irqs;
	unsigned int m64_count; /* PHB3 16; PHB4/5 MBT size 16 or 32 */
	uint64_t m32_base, m32_segsize;
	uint64_t m64_base, m64_size;

	uint16_t *rtt;		  /* [IODA_RTT_ENTRIES], lock-free reads */
	uint8_t *peltv;		  /* [num_pes * num_pes / 8] */
	struct ioda_tve *tvt;	  /* [2 * num_pes] */
	uint16_t *m32_pe;	  /* [num_pes] */
	struct ioda_m64_bar *m64; /* [m64_count] */
	uint16_t *mist;		  /* [num_irqs] */
	/* OpenCAPI: the link's shared process area (0: disabled) and OTL PE mask. */
	bool opencapi;
	uint64_t spa_addr;
	uint8_t spa_pe_mask;
	unsigned long spa_cache_clears;
	struct ioda_pest *pest;	  /* [num_pes] */
	uint64_t *peev;		  /* [num_pes / 64], bit 63 - pe % 64 */
	struct ioda_tce_cache tce_cache;

	bool fenced;
	bool err_pending;		  /* an error not yet fetched by next_error */
	struct ioda_hw_error first_error; /* since the last clear */
	unsigned long nr_errors;
	struct ioda_inject inject;
};

/* The default PHB parameters of @gen (windows left 0). */
void ioda_phb_params_init(struct ioda_phb_params *p, enum ioda_phb_gen gen);

/*
 * Allocates a PHB's tables in their reset state.  -EINVAL for a PE count
 * the generation does not have (PHB3: 256; PHB4/5: 256 or 512), -ENOMEM.
 */
int ioda_hw_new(struct ioda_ctx *ctx, struct ioda_sysmem *mem, const struct ioda_phb_params *params,
		struct ioda_phb_hw **out);
void ioda_hw_destroy(struct ioda_phb_hw *phb);

void ioda_hw_lock(struct ioda_phb_hw *phb);
void ioda_hw_unlock(struct ioda_phb_hw *phb);

/* ---- table operations: the caller holds the lock ----------------------- */

/* The IODA table reset (OPAL_RESET_PCI_IODA_TABLE): every table to reset. */
void ioda_hw_reset_tables(struct ioda_phb_hw *phb);
/*
 * The complete reset: unfence, clear PEST/PEEV, the error record and the
 * injection; the other tables keep what software programmed (skiboot
 * restores them from its caches).
 */
void ioda_hw_complete_reset(struct ioda_phb_hw *phb);
/* A PHB fatal error: the PHB fences (every access fails). */
void ioda_hw_fence(struct ioda_phb_hw *phb);

/* Every RTT entry i with (i & mask) == (rid & mask) gets @pe. */
void ioda_hw_rtt_set(struct ioda_phb_hw *phb, uint16_t rid, uint16_t mask, uint16_t pe);
/* No lock needed (see the top of the file); inline, as every access starts here. */
static inline unsigned int ioda_hw_rtt_lookup(const struct ioda_phb_hw *phb, uint16_t rid)
{
	return __atomic_load_n(&phb->rtt[rid], __ATOMIC_RELAXED);
}

void ioda_hw_peltv_set(struct ioda_phb_hw *phb, unsigned int parent, unsigned int child, bool on);
bool ioda_hw_peltv_test(const struct ioda_phb_hw *phb, unsigned int parent, unsigned int child);

/* Sets PEST bits (@state, IODA_PEST_*); @cause is recorded if first. */
void ioda_hw_pe_freeze(struct ioda_phb_hw *phb, unsigned int pe, unsigned int state,
		       const struct ioda_hw_error *cause);
void ioda_hw_pe_unfreeze(struct ioda_phb_hw *phb, unsigned int pe, unsigned int state);
unsigned int ioda_hw_pe_state(const struct ioda_phb_hw *phb, unsigned int pe);
/* The same, taking the PHB's lock (the EEH and DMA paths write the PEST). */
unsigned int ioda_hw_pe_state_read(struct ioda_phb_hw *phb, unsigned int pe);
/*
 * TCE cache invalidation, the kinds both the PHB3 kill register (the
 * kernel's MMIO write) and OPAL's tce_kill give: every entry, every entry
 * of PE @pe, or the entries of @pe for @npages IO pages of 1 << @page_shift
 * from bus address @addr (the TVE select bit, 1 << 59, picks the window).
 */
enum ioda_tce_kill {
	IODA_TCE_KILL_ALL,
	IODA_TCE_KILL_PE,
	IODA_TCE_KILL_PAGES,
};
void ioda_hw_tce_cache_kill(struct ioda_phb_hw *phb, enum ioda_tce_kill kind, unsigned int pe,
			    uint64_t addr, unsigned int page_shift, uint64_t npages);
/*
 * The PHB3 TCE kill register (PHB_TCE_KILL, 0x210), written by the kernel
 * (pnv_pci_phb3_tce_invalidate*): takes the lock, as an MMIO store.
 */
void ioda_hw_tce_kill_reg(struct ioda_phb_hw *phb, enum ioda_tce_kill kind, unsigned int pe,
			  uint64_t addr, unsigned int page_shift, uint64_t npages);
/*
 * Each cached entry that differs from what its TVE's table holds now:
 * @fn gets the PE, the TVT index, the bus address and both TCEs (table 0
 * when the table no longer translates it).  Returns how many.
 */
typedef void (*ioda_stale_tce_fn)(void *arg, unsigned int pe, unsigned int tve, uint64_t addr,
				  uint64_t cached, uint64_t table);
unsigned int ioda_hw_tce_cache_check(struct ioda_phb_hw *phb, ioda_stale_tce_fn fn, void *arg);

/* Lowest frozen PE of the highest non-empty PEEV word (skiboot's scan); -1 if none. */
int ioda_hw_first_frozen_pe(const struct ioda_phb_hw *phb);
bool ioda_hw_any_frozen(const struct ioda_phb_hw *phb);
/* Forgets the error record (skiboot's err_clear). */
void ioda_hw_clear_errors(struct ioda_phb_hw *phb);

/* MSIs the PHB decodes: PHB3 the IVT's 2048; PHB4/5 num_irqs - 8 (LSIs). */
unsigned int ioda_hw_msi_count(const struct ioda_phb_hw *phb);

/* Window of a TCE TVE: IO page size << (log2(entries per level) * levels). */
uint64_t ioda_tve_window_size(const struct ioda_tve *tve);

/* ---- access paths: they take the lock ----------------------------------- */

struct ioda_dma_result {
	uint32_t pe;
	unsigned int tve;	    /* TVT index used */
	uint64_t sys_addr;	    /* on success */
	enum ioda_hw_reason reason; /* on -EFAULT */
};

/*
 * A DMA from @rid to bus address @addr.  0 with the system address;
 * -EIO when the PE's DMA is stopped (or the PHB fenced): dropped, nothing
 * new recorded; -EFAULT on a fault: no window, out of window, bad TCE,
 * permission, injection.  A fault freezes the PE (MMIO and DMA, as PHB4
 * does) and every PE in its PELT-V, and is recorded.
 */
int ioda_hw_dma(struct ioda_phb_hw *phb, uint16_t rid, uint64_t addr, bool is_write,
		struct ioda_dma_result *res);

enum ioda_mmio_window {
	IODA_MMIO_NONE,
	IODA_MMIO_M32,
	IODA_MMIO_M64,
};

struct ioda_mmio_result {
	enum ioda_mmio_window window;
	unsigned int bar;     /* M64 BAR */
	unsigned int segment; /* M32 or split M64 segment */
	uint32_t pe;
};

/*
 * A CPU load or store of @size bytes (1, 2, 4, 8) at CPU address @addr.
 * 0: it reaches the PE's device (*data untouched on a load); -EIO: the PE
 * is MMIO-frozen or the PHB fenced, or the access matched the armed
 * injection (which freezes the PE): a load reads all-ones, a store is
 * dropped; -ENXIO: in no window (a load reads all-ones); -EINVAL: size.
 */
int ioda_hw_mmio(struct ioda_phb_hw *phb, uint64_t addr, unsigned int size, bool is_write,
		 uint64_t *data, struct ioda_mmio_result *res);

/*
 * A config access to @rid: 0 or -EIO (PE MMIO-frozen, fenced, or the armed
 * config injection matched, which freezes the PE); the PE in *pe.
 */
int ioda_hw_cfg(struct ioda_phb_hw *phb, uint16_t rid, bool is_write, uint32_t *pe);

/*
 * An MSI from @rid to interrupt @xive.  0 when the interrupt belongs to
 * the sender's PE; -EIO when its DMA is stopped (MSIs are DMA writes);
 * -EFAULT when the xive is out of range or set to another PE: the PHB
 * records an MSI error and freezes the sender's PE (PEST ttype MSI).
 */
int ioda_hw_msi(struct ioda_phb_hw *phb, uint16_t rid, uint32_t xive, uint32_t *pe);

/* ---- dump ------------------------------------------------------------------ */

/*
 * Prints the PHB's tables, only what differs from reset, in a fixed order:
 * RTT runs, PELT-V, TVT, M32 runs, M64 BARs, MSI runs, frozen PEs, errors.
 * Takes the lock.
 */
void ioda_hw_dump(struct ioda_phb_hw *phb, FILE *out);

#endif
