/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware: the OPAL PCI calls the kernel makes to program a PHB's
 * IODA tables, with skiboot's argument checks and return codes
 * (core/pci-opal.c, hw/phb3.c, hw/phb4.c; PHB5 is served by phb4.c).
 *
 * One struct ioda_opal per machine.  It owns the machine's system memory
 * (where the kernel puts TCE tables) and each PHB's hardware state, keyed
 * by the OPAL PHB id.  Every call does what skiboot's wrapper does:
 * OPAL_PARAMETER for an unknown PHB, OPAL_UNSUPPORTED when the PHB's
 * generation lacks the call; then passes the IODA_FAULT_OPAL fault point
 * (OPAL_HARDWARE when it fires, nothing changed); then runs under the PHB
 * lock with the generation's own checks.  Calls are named after the OPAL
 * API, with the firmware instance as first argument; the token is in the
 * comment.
 */
#ifndef IODA_OPAL_H
#define IODA_OPAL_H

#include <stdint.h>

#include <ioda/ctx.h>
#include <ioda/hw.h>
#include <ioda/topo.h>

/* Return codes (skiboot include/opal-api.h). */
#define OPAL_SUCCESS 0
#define OPAL_PARAMETER -1
#define OPAL_BUSY -2
#define OPAL_PARTIAL -3
#define OPAL_CONSTRAINED -4
#define OPAL_CLOSED -5
#define OPAL_HARDWARE -6
#define OPAL_UNSUPPORTED -7
#define OPAL_PERMISSION -8
#define OPAL_NO_MEM -9
#define OPAL_RESOURCE -10
#define OPAL_INTERNAL_ERROR -11
#define OPAL_BUSY_EVENT -12
#define OPAL_HARDWARE_FROZEN -13
#define OPAL_WRONG_STATE -14
#define OPAL_ASYNC_COMPLETION -15
#define OPAL_EMPTY -16
#define OPAL_TIMEOUT -33

/* Tokens of the calls modelled here. */
#define OPAL_PCI_EEH_FREEZE_STATUS 23
#define OPAL_PCI_EEH_FREEZE_CLEAR 26
#define OPAL_PCI_PHB_MMIO_ENABLE 27
#define OPAL_PCI_SET_PHB_MEM_WINDOW 28
#define OPAL_PCI_MAP_PE_MMIO_WINDOW 29
#define OPAL_PCI_SET_PE 31
#define OPAL_PCI_SET_PELTV 32
#define OPAL_PCI_SET_XIVE_PE 37
#define OPAL_GET_MSI_32 39
#define OPAL_GET_MSI_64 40
#define OPAL_PCI_MAP_PE_DMA_WINDOW 44
#define OPAL_PCI_MAP_PE_DMA_WINDOW_REAL 45
#define OPAL_PCI_RESET 49
#define OPAL_PCI_POLL 62
#define OPAL_PCI_NEXT_ERROR 60
#define OPAL_PCI_GET_PHB_DIAG_DATA2 64
#define OPAL_PCI_ERR_INJECT 96
#define OPAL_PCI_EEH_FREEZE_SET 97
#define OPAL_GET_DEVICE_TREE 118
#define OPAL_PCI_GET_PRESENCE_STATE 119
#define OPAL_PCI_GET_POWER_STATE 120
#define OPAL_PCI_SET_POWER_STATE 121
#define OPAL_PCI_TCE_KILL 126
#define OPAL_NPU_SPA_SETUP 159
#define OPAL_NPU_SPA_CLEAR_CACHE 160

enum OpalFreezeState {
	OPAL_EEH_STOPPED_NOT_FROZEN = 0,
	OPAL_EEH_STOPPED_MMIO_FREEZE = 1,
	OPAL_EEH_STOPPED_DMA_FREEZE = 2,
	OPAL_EEH_STOPPED_MMIO_DMA_FREEZE = 3,
	OPAL_EEH_STOPPED_RESET = 4,
	OPAL_EEH_STOPPED_TEMP_UNAVAIL = 5,
	OPAL_EEH_STOPPED_PERM_UNAVAIL = 6,
};

enum OpalEehFreezeActionToken {
	OPAL_EEH_ACTION_CLEAR_FREEZE_MMIO = 1,
	OPAL_EEH_ACTION_CLEAR_FREEZE_DMA = 2,
	OPAL_EEH_ACTION_CLEAR_FREEZE_ALL = 3,
	OPAL_EEH_ACTION_SET_FREEZE_MMIO = 1,
	OPAL_EEH_ACTION_SET_FREEZE_DMA = 2,
	OPAL_EEH_ACTION_SET_FREEZE_ALL = 3,
};

enum OpalPciStatusToken {
	OPAL_EEH_NO_ERROR = 0,
	OPAL_EEH_IOC_ERROR = 1,
	OPAL_EEH_PHB_ERROR = 2,
	OPAL_EEH_PE_ERROR = 3,
	OPAL_EEH_PE_MMIO_ERROR = 4,
	OPAL_EEH_PE_DMA_ERROR = 5,
};

enum OpalPciErrorSeverity {
	OPAL_EEH_SEV_NO_ERROR = 0,
	OPAL_EEH_SEV_IOC_DEAD = 1,
	OPAL_EEH_SEV_PHB_DEAD = 2,
	OPAL_EEH_SEV_PHB_FENCED = 3,
	OPAL_EEH_SEV_PE_ER = 4,
	OPAL_EEH_SEV_INF = 5,
};

enum OpalErrinjectType {
	OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR = 0,
	OPAL_ERR_INJECT_TYPE_IOA_BUS_ERR64 = 1,
};

enum OpalErrinjectFunc {
	OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_ADDR = 0,
	OPAL_ERR_INJECT_FUNC_IOA_LD_MEM_DATA = 1,
	OPAL_ERR_INJECT_FUNC_IOA_LD_IO_ADDR = 2,
	OPAL_ERR_INJECT_FUNC_IOA_LD_IO_DATA = 3,
	OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_ADDR = 4,
	OPAL_ERR_INJECT_FUNC_IOA_LD_CFG_DATA = 5,
	OPAL_ERR_INJECT_FUNC_IOA_ST_MEM_ADDR = 6,
	OPAL_ERR_INJECT_FUNC_IOA_ST_MEM_DATA = 7,
	OPAL_ERR_INJECT_FUNC_IOA_ST_IO_ADDR = 8,
	OPAL_ERR_INJECT_FUNC_IOA_ST_IO_DATA = 9,
	OPAL_ERR_INJECT_FUNC_IOA_ST_CFG_ADDR = 10,
	OPAL_ERR_INJECT_FUNC_IOA_ST_CFG_DATA = 11,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_ADDR = 12,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_DATA = 13,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_MASTER = 14,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_RD_TARGET = 15,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_ADDR = 16,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_DATA = 17,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_MASTER = 18,
	OPAL_ERR_INJECT_FUNC_IOA_DMA_WR_TARGET = 19,
};

enum OpalMemWindowType {
	OPAL_M32_WINDOW_TYPE = 1,
	OPAL_M64_WINDOW_TYPE = 2,
	OPAL_IO_WINDOW_TYPE = 3,
};

enum OpalPciBusCompare {
	OpalPciBusAny = 0,
	OpalPciBus3Bits = 2,
	OpalPciBus4Bits = 3,
	OpalPciBus5Bits = 4,
	OpalPciBus6Bits = 5,
	OpalPciBus7Bits = 6,
	OpalPciBusAll = 7,
};

enum OpalDeviceCompare {
	OPAL_IGNORE_RID_DEVICE_NUMBER = 0,
	OPAL_COMPARE_RID_DEVICE_NUMBER = 1,
};

enum OpalFuncCompare {
	OPAL_IGNORE_RID_FUNCTION_NUMBER = 0,
	OPAL_COMPARE_RID_FUNCTION_NUMBER = 1,
};

enum OpalPeAction {
	OPAL_UNMAP_PE = 0,
	OPAL_MAP_PE = 1,
};

enum OpalPeltvAction {
	OPAL_REMOVE_PE_FROM_DOMAIN = 0,
	OPAL_ADD_PE_TO_DOMAIN = 1,
};

enum OpalMmioWindowEnable {
	OPAL_DISABLE_M64 = 0,
	OPAL_ENABLE_M64_SPLIT = 1,
	OPAL_ENABLE_M64_NON_SPLIT = 2,
};

enum OpalPciResetScope {
	OPAL_RESET_PHB_COMPLETE = 1,
	OPAL_RESET_PCI_LINK = 2,
	OPAL_RESET_PHB_ERROR = 3,
	OPAL_RESET_PCI_HOT = 4,
	OPAL_RESET_PCI_FUNDAMENTAL = 5,
	OPAL_RESET_PCI_IODA_TABLE = 6,
};

enum OpalPciResetState {
	OPAL_DEASSERT_RESET = 0,
	OPAL_ASSERT_RESET = 1,
};

enum OpalPciTceKill {
	OPAL_PCI_TCE_KILL_PAGES = 0,
	OPAL_PCI_TCE_KILL_PE = 1,
	OPAL_PCI_TCE_KILL_ALL = 2,
};

enum {
	OPAL_PHB_ERROR_DATA_VERSION_1 = 1,
	OPAL_PHB_ERROR_DATA_TYPE_PHB3 = 2,
	OPAL_PHB_ERROR_DATA_TYPE_PHB4 = 3,
};

/*
 * What opal_pci_get_phb_diag_data2() fills: the common header of skiboot's
 * OpalIoPhb3/4ErrorData (the PHB4 type for PHB5 too), then the model's
 * error record in place of the register dump, and the PEST per PE.
 */
struct ioda_opal_diag {
	uint32_t version; /* OPAL_PHB_ERROR_DATA_VERSION_1 */
	uint32_t io_type; /* OPAL_PHB_ERROR_DATA_TYPE_PHB3 / _PHB4 */
	uint32_t len;	  /* sizeof(struct ioda_opal_diag) */
	uint32_t fenced;
	uint32_t num_pes;
	uint64_t nr_errors;
	struct ioda_hw_error first;	 /* first error since the last clear */
	uint8_t pest[IODA_PHB4_MAX_PES]; /* IODA_PEST_* per PE */
};

struct ioda_opal;

/* A firmware instance with empty system memory and no PHB; NULL on ENOMEM. */
struct ioda_opal *ioda_opal_new(struct ioda_ctx *ctx);
/* Frees the PHBs' state and the system memory with what is left in it. */
void ioda_opal_free(struct ioda_opal *opal);
/*
 * Adds a PHB with its tables in their reset state.  -EEXIST for a used id,
 * -EINVAL for a bad PE count (see ioda_hw_new), -ENOMEM.
 */
int ioda_opal_add_phb(struct ioda_opal *opal, uint64_t phb_id,
		      const struct ioda_phb_params *params);
/* The PHB's hardware (borrowed, lives as long as the instance), or NULL. */
struct ioda_phb_hw *ioda_opal_phb(struct ioda_opal *opal, uint64_t phb_id);
/* The machine's system memory (borrowed). */
struct ioda_sysmem *ioda_opal_sysmem(struct ioda_opal *opal);
/*
 * A firmware that fails: the next @n calls of @token (on any PHB) return
 * OPAL_HARDWARE with nothing changed, as a call failing by injection does;
 * @n == 0 disarms.  One token at a time: arming another disarms the last.
 * For the states only a failing firmware reaches (a retired PE).
 */
void ioda_opal_fail_calls(struct ioda_opal *opal, unsigned int token, unsigned int n);
/* The token of the call named @name ("set_pe", "map_pe_dma_window", ...), or 0. */
unsigned int ioda_opal_token_of(const char *name);

/* 31: map (or unmap to the reserved PE) the RIDs that match bdfn under the compares. */
int64_t opal_pci_set_pe(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			uint64_t bus_dev_func, uint8_t bus_compare, uint8_t dev_compare,
			uint8_t func_compare, uint8_t pe_action);
/* 32: an error in parent_pe freezes child_pe too (state 1) or not (0). */
int64_t opal_pci_set_peltv(struct ioda_opal *opal, uint64_t phb_id, uint32_t parent_pe,
			   uint32_t child_pe, uint8_t state);
/* 29: M32 segment -> PE, or an M64 BAR to single-PE mode for the PE. */
int64_t opal_pci_map_pe_mmio_window(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				    uint16_t window_type, uint16_t window_num,
				    uint16_t segment_num);
/* 28: an M64 BAR's base and size (pci_addr unused, as skiboot). */
int64_t opal_pci_set_phb_mem_window(struct ioda_opal *opal, uint64_t phb_id, uint16_t window_type,
				    uint16_t window_num, uint64_t addr, uint64_t pci_addr,
				    uint64_t size);
/* 27: enable an M64 BAR split or single-PE, or disable it. */
int64_t opal_pci_phb_mmio_enable(struct ioda_opal *opal, uint64_t phb_id, uint16_t window_type,
				 uint16_t window_num, uint16_t enable);
/* 44: TVE window_id (2*PE+0/1) to a TCE table; size 0 disables. */
int64_t opal_pci_map_pe_dma_window(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				   uint16_t window_id, uint16_t tce_levels, uint64_t tce_table_addr,
				   uint64_t tce_table_size, uint64_t tce_page_size);
/* 45: TVE window_id to untranslated [start, start + size); size 0 disables. */
int64_t opal_pci_map_pe_dma_window_real(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
					uint16_t window_id, uint64_t pci_start_addr,
					uint64_t pci_mem_size);
/* 126: TCE cache invalidation (PHB4/5; PHB3 kernels write the register). */
int64_t opal_pci_tce_kill(struct ioda_opal *opal, uint64_t phb_id, uint32_t kill_type,
			  uint64_t pe_number, uint32_t tce_size, uint64_t dma_addr,
			  uint32_t npages);
/* 23: a PE's freeze state; phb_status is the deprecated argument, ignored. */
int64_t opal_pci_eeh_freeze_status(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				   uint8_t *freeze_state, uint16_t *pci_error_type,
				   uint64_t *phb_status);
/* 26: thaw MMIO and/or DMA of a PE. */
int64_t opal_pci_eeh_freeze_clear(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				  uint64_t eeh_action_token);
/* 97: freeze MMIO and/or DMA of a PE. */
int64_t opal_pci_eeh_freeze_set(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				uint64_t eeh_action_token);
/* 96: arm the PAPR error injection for a PE's next matching access. */
int64_t opal_pci_err_inject(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			    uint32_t type, uint32_t func, uint64_t addr, uint64_t mask);
/* 49: reset; id is the PHB slot id (the PHB id). */
int64_t opal_pci_reset(struct ioda_opal *opal, uint64_t id, uint8_t reset_scope,
		       uint8_t assert_state);
/* 64: the diag data (struct ioda_opal_diag) into a buffer of at least its size. */
int64_t opal_pci_get_phb_diag_data2(struct ioda_opal *opal, uint64_t phb_id, void *diag_buffer,
				    uint64_t diag_buffer_len);
/* 60: the next error: a fenced PHB, else the first frozen PE. */
int64_t opal_pci_next_error(struct ioda_opal *opal, uint64_t phb_id, uint64_t *first_frozen_pe,
			    uint16_t *pci_error_type, uint16_t *severity);
/* 37: interrupt xive_num belongs to pe_number. */
int64_t opal_pci_set_xive_pe(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
			     uint32_t xive_num);
/* 39: the 32-bit MSI address and data of xive_num. */
int64_t opal_get_msi_32(struct ioda_opal *opal, uint64_t phb_id, uint32_t mve_number,
			uint32_t xive_num, uint8_t msi_range, uint32_t *msi_address,
			uint32_t *message_data);
/* 40: the 64-bit MSI address and data of xive_num. */
int64_t opal_get_msi_64(struct ioda_opal *opal, uint64_t phb_id, uint32_t mve_number,
			uint32_t xive_num, uint8_t msi_range, uint64_t *msi_address,
			uint32_t *message_data);
/*
 * 159: an OpenCAPI link's shared process area at addr (4K aligned; 0
 * disables it) with the OTL PE mask; OPAL_BUSY when already in that state.
 */
int64_t opal_npu_spa_setup(struct ioda_opal *opal, uint64_t phb_id, uint32_t bdfn, uint64_t addr,
			   uint64_t pe_mask);
/* 160: drops process element pe_handle from the link's SPA cache. */
int64_t opal_npu_spa_clear_cache(struct ioda_opal *opal, uint64_t phb_id, uint32_t bdfn,
				 uint64_t pe_handle);

/* ---- PCI slots (skiboot core/pci-slot.c, core/pcie-slot.c, core/pci-opal.c) ---------- */

enum { OPAL_PCI_SLOT_EMPTY = 0, OPAL_PCI_SLOT_PRESENT = 1 };
enum {
	OPAL_PCI_SLOT_POWER_OFF = 0,
	OPAL_PCI_SLOT_POWER_ON = 1,
	OPAL_PCI_SLOT_OFFLINE = 2, /* the firmware's own devices below only */
	OPAL_PCI_SLOT_ONLINE = 3,
};
#define OPAL_MSG_ASYNC_COMP 0

/* A bridge's slot id: PCI_SLOT_ID(phb, bdfn); a PHB's own slot is its bare id. */
#define OPAL_PCI_SLOT_ID_PREFIX 0x8000000000000000ull
static inline uint64_t opal_pci_slot_id(uint64_t phb_id, uint16_t bdfn)
{
	return OPAL_PCI_SLOT_ID_PREFIX | (uint64_t)bdfn << 16 | phb_id;
}

/* struct opal_msg: an async completion is params {token, slot phandle, power state, rc}. */
struct opal_msg {
	uint32_t msg_type;
	uint64_t params[8];
};

/*
 * A bridge's slot as skiboot's PCI scan makes it (pcie_slot_create and the
 * platform's slot table): @card is what is plugged in, taken (NULL: the
 * slot is empty).  skiboot powers an empty slot off at boot.  -EEXIST,
 * -ENOMEM (the card is freed either way on error).
 */
int ioda_opal_add_slot(struct ioda_opal *opal, uint64_t slot_id, uint32_t phandle,
		       const struct pci_slot_desc *desc, struct ioda_topo_node *card);
/* A card pulled from the slot, or one pushed in (@card taken); -ENOENT, -EBUSY. */
int ioda_opal_slot_pull(struct ioda_opal *opal, uint64_t slot_id);
int ioda_opal_slot_insert(struct ioda_opal *opal, uint64_t slot_id, struct ioda_topo_node *card);

/*
 * A slot as firmware has it, read without an OPAL call (no fault hook):
 * for what looks at the machine (show, the driver's sysfs files, the audit,
 * the scan).
 */
struct ioda_opal_slot_info {
	uint64_t id;
	struct pci_slot_desc desc;
	bool present;	   /* a card in it */
	bool powered;	   /* the power state firmware reports (cached) */
	/*
	 * The power really off: nothing below answers.  A surprise or
	 * uncontrolled slot "powered off" is still on, its card answering.
	 */
	bool switched_off;
};

/* Slot @slot_id; -ENOENT. */
int ioda_opal_slot_read(struct ioda_opal *opal, uint64_t slot_id, struct ioda_opal_slot_info *out);
/* The slots of PHB @phb_id in the order skiboot made them; false past the last. */
bool ioda_opal_slot_at(struct ioda_opal *opal, uint64_t phb_id, unsigned int i,
		       struct ioda_opal_slot_info *out);

/* opal_async_get_token_interruptible(): a fresh token. */
uint64_t opal_async_get_token(struct ioda_opal *opal);
/* opal_async_wait_response(): the message for @token, taken; -ENOENT when none came. */
int opal_async_wait_response(struct ioda_opal *opal, uint64_t token, struct opal_msg *msg);

int64_t opal_pci_get_presence_state(struct ioda_opal *opal, uint64_t id, uint8_t *state);
int64_t opal_pci_get_power_state(struct ioda_opal *opal, uint64_t id, uint8_t *state);
/*
 * Power on always completes asynchronously (the link trained, the bus
 * rescanned, then the message: rc 0, or OPAL_HARDWARE when no link comes
 * up, as for an empty slot); power off too where the slot switches power
 * and is not surprise-pluggable, else at once.  Off and on remove and
 * rescan the firmware's devices (the device tree below the slot).
 */
int64_t opal_pci_set_power_state(struct ioda_opal *opal, uint64_t async_token, uint64_t id,
				 uint8_t *state);
/*
 * opal_get_device_tree(phandle): the nodes below the slot whose node has
 * @phandle (not the node itself), as the firmware scanned them, in *@out
 * (the caller frees them; NULL when none).  OPAL_PARAMETER for a phandle
 * that is no slot's.
 */
int64_t opal_get_device_tree(struct ioda_opal *opal, uint32_t phandle,
			     struct ioda_topo_node **out);

#endif
