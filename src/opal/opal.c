/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firmware instance, the call wrapper, and the EEH calls: freeze
 * status/set/clear, next error, diag data, reset.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <ioda/list.h>
#include <ioda/opal.h>

#include "opal_priv.h"

struct ioda_opal *ioda_opal_new(struct ioda_ctx *ctx)
{
	struct ioda_opal *opal = ioda_zalloc(ctx, sizeof(*opal));

	if (!opal)
		return NULL;
	opal->mem = ioda_sysmem_new(ctx);
	if (!opal->mem) {
		ioda_free(ctx, opal);
		return NULL;
	}
	opal->ctx = ctx;
	pthread_mutex_init(&opal->lock, NULL);
	ioda_list_init(&opal->phbs);
	ioda_list_init(&opal->slots);
	ioda_list_init(&opal->msgs);
	return opal;
}

void ioda_opal_free(struct ioda_opal *opal)
{
	struct opal_phb *p, *n;

	if (!opal)
		return;
	ioda_list_for_each_entry_safe (p, n, &opal->phbs, node) {
		ioda_list_del(&p->node);
		ioda_hw_destroy(p->hw);
		ioda_free(opal->ctx, p);
	}
	opal_slots_free(opal);
	ioda_sysmem_free(opal->mem);
	pthread_mutex_destroy(&opal->lock);
	ioda_free(opal->ctx, opal);
}

static struct opal_phb *opal_find(struct ioda_opal *opal, uint64_t id)
{
	struct opal_phb *p;

	/* The last one found first: the calls of a PHB's set-up come in runs. */
	if (opal->last && opal->last->id == id)
		return opal->last;
	ioda_list_for_each_entry (p, &opal->phbs, node)
		if (p->id == id)
			return opal->last = p;
	return NULL;
}

int ioda_opal_add_phb(struct ioda_opal *opal, uint64_t phb_id, const struct ioda_phb_params *params)
{
	struct opal_phb *p;
	int rc;

	p = ioda_zalloc(opal->ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->id = phb_id;
	rc = ioda_hw_new(opal->ctx, opal->mem, params, &p->hw);
	if (rc)
		goto err_free;
	pthread_mutex_lock(&opal->lock);
	if (opal_find(opal, phb_id)) {
		pthread_mutex_unlock(&opal->lock);
		rc = -EEXIST;
		goto err_hw;
	}
	ioda_list_add_tail(&p->node, &opal->phbs);
	pthread_mutex_unlock(&opal->lock);
	return 0;

err_hw:
	ioda_hw_destroy(p->hw);
err_free:
	ioda_free(opal->ctx, p);
	return rc;
}

struct ioda_phb_hw *ioda_opal_phb(struct ioda_opal *opal, uint64_t phb_id)
{
	struct opal_phb *p;

	pthread_mutex_lock(&opal->lock);
	p = opal_find(opal, phb_id);
	pthread_mutex_unlock(&opal->lock);
	return p ? p->hw : NULL;
}

struct ioda_sysmem *ioda_opal_sysmem(struct ioda_opal *opal)
{
	return opal->mem;
}

void ioda_opal_fail_calls(struct ioda_opal *opal, unsigned int token, unsigned int n)
{
	pthread_mutex_lock(&opal->lock);
	opal->fail_token = n ? token : 0;
	atomic_store(&opal->fail_left, n);
	pthread_mutex_unlock(&opal->lock);
}

static const struct {
	const char *name;
	unsigned int token;
} call_names[] = {
	{ "eeh_freeze_status", OPAL_PCI_EEH_FREEZE_STATUS },
	{ "eeh_freeze_clear", OPAL_PCI_EEH_FREEZE_CLEAR },
	{ "eeh_freeze_set", OPAL_PCI_EEH_FREEZE_SET },
	{ "phb_mmio_enable", OPAL_PCI_PHB_MMIO_ENABLE },
	{ "set_phb_mem_window", OPAL_PCI_SET_PHB_MEM_WINDOW },
	{ "map_pe_mmio_window", OPAL_PCI_MAP_PE_MMIO_WINDOW },
	{ "set_pe", OPAL_PCI_SET_PE },
	{ "set_peltv", OPAL_PCI_SET_PELTV },
	{ "set_xive_pe", OPAL_PCI_SET_XIVE_PE },
	{ "get_msi_32", OPAL_GET_MSI_32 },
	{ "get_msi_64", OPAL_GET_MSI_64 },
	{ "map_pe_dma_window", OPAL_PCI_MAP_PE_DMA_WINDOW },
	{ "map_pe_dma_window_real", OPAL_PCI_MAP_PE_DMA_WINDOW_REAL },
	{ "reset", OPAL_PCI_RESET },
	{ "next_error", OPAL_PCI_NEXT_ERROR },
	{ "get_phb_diag_data2", OPAL_PCI_GET_PHB_DIAG_DATA2 },
	{ "err_inject", OPAL_PCI_ERR_INJECT },
	{ "tce_kill", OPAL_PCI_TCE_KILL },
	{ "npu_spa_setup", OPAL_NPU_SPA_SETUP },
	{ "npu_spa_clear_cache", OPAL_NPU_SPA_CLEAR_CACHE },
	{ "get_presence_state", OPAL_PCI_GET_PRESENCE_STATE },
	{ "get_power_state", OPAL_PCI_GET_POWER_STATE },
	{ "set_power_state", OPAL_PCI_SET_POWER_STATE },
	{ "get_device_tree", OPAL_GET_DEVICE_TREE },
};

unsigned int ioda_opal_token_of(const char *name)
{
	for (size_t i = 0; i < sizeof(call_names) / sizeof(call_names[0]); i++)
		if (!strcmp(name, call_names[i].name))
			return call_names[i].token;
	return 0;
}

/* The next call of @token fails, if one was asked for. */
static bool fails_by_request(struct ioda_opal *opal, unsigned int token)
{
	bool fail = false;

	if (!atomic_load_explicit(&opal->fail_left, memory_order_relaxed))
		return false;
	pthread_mutex_lock(&opal->lock);
	if (atomic_load(&opal->fail_left) && opal->fail_token == token) {
		fail = true;
		atomic_fetch_sub(&opal->fail_left, 1);
	}
	pthread_mutex_unlock(&opal->lock);
	return fail;
}

bool opal_call_fails(struct ioda_opal *opal, unsigned int token)
{
	return ioda_fault_point(opal->ctx, IODA_FAULT_OPAL) || fails_by_request(opal, token);
}

int64_t opal_enter(struct ioda_opal *opal, uint64_t phb_id, unsigned int token,
		   struct ioda_phb_hw **phb)
{
	struct ioda_phb_hw *hw = ioda_opal_phb(opal, phb_id);

	if (!hw)
		return OPAL_PARAMETER;
	if (token == OPAL_PCI_TCE_KILL && !opal_phb_ops(hw)->tce_kill)
		return OPAL_UNSUPPORTED;
	if (opal_call_fails(opal, token))
		return OPAL_HARDWARE;
	ioda_hw_lock(hw);
	*phb = hw;
	return OPAL_SUCCESS;
}

void opal_exit(struct ioda_phb_hw *phb)
{
	ioda_hw_unlock(phb);
}

/* phb3/phb4_eeh_freeze_status (the wrapper passes severity NULL). */
int64_t opal_pci_eeh_freeze_status(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				   uint8_t *freeze_state, uint16_t *pci_error_type,
				   uint64_t *phb_status)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	if (!freeze_state || !pci_error_type)
		return OPAL_PARAMETER;
	rc = opal_enter(opal, phb_id, OPAL_PCI_EEH_FREEZE_STATUS, &phb);
	if (rc)
		return rc;
	*freeze_state = OPAL_EEH_STOPPED_NOT_FROZEN;
	*pci_error_type = OPAL_EEH_NO_ERROR;
	if (phb->fenced) {
		*freeze_state = OPAL_EEH_STOPPED_MMIO_DMA_FREEZE;
		*pci_error_type = OPAL_EEH_PHB_ERROR;
	} else if (pe_number < phb->num_pes && ioda_hw_pe_state(phb, pe_number)) {
		/*
		 * skiboot does not range-check the PE here; the hardware
		 * reads some PEEV word.  The model reads none: not frozen.
		 */
		phb->err_pending = true;
		*freeze_state = (uint8_t)ioda_hw_pe_state(phb, pe_number);
	}
	opal_exit(phb);
	return OPAL_SUCCESS;
}

/* phb3/phb4_eeh_freeze_clear: neither the PE nor the token is checked. */
int64_t opal_pci_eeh_freeze_clear(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				  uint64_t eeh_action_token)
{
	struct ioda_phb_hw *phb;
	unsigned int state = 0;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_EEH_FREEZE_CLEAR, &phb);
	if (rc)
		return rc;
	if (phb->fenced) {
		rc = OPAL_HARDWARE;
		goto out;
	}
	/* The error registers are PHB-wide: any clear resets them. */
	if (phb->nr_errors)
		ioda_hw_clear_errors(phb);
	if (eeh_action_token & OPAL_EEH_ACTION_CLEAR_FREEZE_MMIO)
		state |= IODA_PEST_MMIO_FROZEN;
	if (eeh_action_token & OPAL_EEH_ACTION_CLEAR_FREEZE_DMA)
		state |= IODA_PEST_DMA_STOPPED;
	if (pe_number < phb->num_pes)
		ioda_hw_pe_unfreeze(phb, pe_number, state);
	phb->err_pending = ioda_hw_any_frozen(phb);
out:
	opal_exit(phb);
	return rc;
}

int64_t opal_pci_eeh_freeze_set(struct ioda_opal *opal, uint64_t phb_id, uint64_t pe_number,
				uint64_t eeh_action_token)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	rc = opal_enter(opal, phb_id, OPAL_PCI_EEH_FREEZE_SET, &phb);
	if (rc)
		return rc;
	if (pe_number >= phb->num_pes || (eeh_action_token != OPAL_EEH_ACTION_SET_FREEZE_MMIO &&
					  eeh_action_token != OPAL_EEH_ACTION_SET_FREEZE_DMA &&
					  eeh_action_token != OPAL_EEH_ACTION_SET_FREEZE_ALL))
		rc = OPAL_PARAMETER;
	else
		ioda_hw_pe_freeze(phb, pe_number, (unsigned int)eeh_action_token, NULL);
	opal_exit(phb);
	return rc;
}

/*
 * phb3/phb4_eeh_next_error.  A fenced PHB is reported as PHB3 does (its
 * LEM check); PHB4's next_error sees a fence only through CAPP recovery,
 * which is not modelled.  Otherwise the first frozen PE is the lowest one
 * in the highest non-empty PEEV word.
 */
int64_t opal_pci_next_error(struct ioda_opal *opal, uint64_t phb_id, uint64_t *first_frozen_pe,
			    uint16_t *pci_error_type, uint16_t *severity)
{
	struct ioda_phb_hw *phb;
	int64_t rc;
	int pe;

	if (!first_frozen_pe || !pci_error_type || !severity)
		return OPAL_PARAMETER;
	rc = opal_enter(opal, phb_id, OPAL_PCI_NEXT_ERROR, &phb);
	if (rc)
		return rc;
	*first_frozen_pe = (uint64_t)-1;
	*pci_error_type = OPAL_EEH_NO_ERROR;
	*severity = OPAL_EEH_SEV_NO_ERROR;
	pe = ioda_hw_first_frozen_pe(phb);
	if (phb->fenced) {
		*pci_error_type = OPAL_EEH_PHB_ERROR;
		*severity = OPAL_EEH_SEV_PHB_FENCED;
	} else if (pe >= 0) {
		*first_frozen_pe = (uint64_t)pe;
		*pci_error_type = OPAL_EEH_PE_ERROR;
		*severity = OPAL_EEH_SEV_PE_ER;
	}
	phb->err_pending = phb->fenced || pe >= 0;
	opal_exit(phb);
	return OPAL_SUCCESS;
}

int64_t opal_pci_get_phb_diag_data2(struct ioda_opal *opal, uint64_t phb_id, void *diag_buffer,
				    uint64_t diag_buffer_len)
{
	struct ioda_opal_diag *d = diag_buffer;
	struct ioda_phb_hw *phb;
	int64_t rc;

	if (!diag_buffer)
		return OPAL_PARAMETER;
	rc = opal_enter(opal, phb_id, OPAL_PCI_GET_PHB_DIAG_DATA2, &phb);
	if (rc)
		return rc;
	if (diag_buffer_len < sizeof(*d)) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	memset(d, 0, sizeof(*d));
	d->version = OPAL_PHB_ERROR_DATA_VERSION_1;
	d->io_type = opal_phb_ops(phb)->diag_io_type;
	d->len = sizeof(*d);
	d->fenced = phb->fenced;
	d->num_pes = phb->num_pes;
	d->nr_errors = phb->nr_errors;
	d->first = phb->first_error;
	for (unsigned int pe = 0; pe < phb->num_pes; pe++)
		d->pest[pe] = (uint8_t)ioda_hw_pe_state(phb, pe);
out:
	opal_exit(phb);
	return rc;
}

/*
 * core/pci-opal.c opal_pci_reset on a PHB slot.  The resets complete at
 * once (no positive "poll again" delay).  Hot and fundamental resets
 * touch the link only, which the tables do not see.
 */
int64_t opal_pci_reset(struct ioda_opal *opal, uint64_t id, uint8_t reset_scope,
		       uint8_t assert_state)
{
	struct ioda_phb_hw *phb;
	int64_t rc;

	if (id & OPAL_PCI_SLOT_ID_PREFIX)
		return opal_slot_reset(opal, id, reset_scope, assert_state);
	rc = opal_enter(opal, id, OPAL_PCI_RESET, &phb);
	if (rc)
		return rc;
	if (assert_state != OPAL_ASSERT_RESET && assert_state != OPAL_DEASSERT_RESET) {
		rc = OPAL_PARAMETER;
		goto out;
	}
	switch (reset_scope) {
	case OPAL_RESET_PHB_COMPLETE:
		if (assert_state == OPAL_ASSERT_RESET)
			ioda_hw_complete_reset(phb);
		break;
	case OPAL_RESET_PCI_FUNDAMENTAL:
	case OPAL_RESET_PCI_HOT:
		break;
	case OPAL_RESET_PCI_IODA_TABLE:
		if (assert_state == OPAL_ASSERT_RESET)
			ioda_hw_reset_tables(phb);
		break;
	case OPAL_RESET_PHB_ERROR:
		/* papr_errinjct_reset: the injection is sticky until this. */
		if (assert_state == OPAL_ASSERT_RESET)
			memset(&phb->inject, 0, sizeof(phb->inject));
		break;
	default:
		rc = OPAL_UNSUPPORTED;
	}
out:
	opal_exit(phb);
	return rc;
}
