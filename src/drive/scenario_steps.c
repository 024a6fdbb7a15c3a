/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The step interpreter: finds the device a step names as the machine is now
 * (it may have come or gone since the file was read), drives the modelled
 * kernel with it, then lets the EEH event thread and the audit have their say.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/hw.h>
#include <ioda/ioda.h>

#include "scenario_priv.h"

struct label_search {
	const char *label;
	struct pci_dev *found;
};

static int match_label(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct label_search *ls = arg;

	if (strcmp(dev->label, ls->label))
		return 0;
	ls->found = pci_dev_get(dev, HOLDER);
	return 1;
}

/* The device @t names now, with a reference for HOLDER; NULL when none. */
struct pci_dev *scenario_get_dev(struct run *r, const struct target *t)
{
	struct label_search ls = {t->word, NULL};
	struct live_name *ln;

	switch (t->form) {
	case T_BDF:
		return pci_get_domain_bus_and_slot(r->m, t->domain, t->bus, t->devfn, HOLDER);
	case T_NAME:
		ln = &r->names[t->name];
		return ln->held ? pci_dev_get(ln->dev, HOLDER) : NULL;
	case T_LABEL:
		pci_walk_machine(r->m, match_label, &ls);
		return ls.found;
	default:
		return NULL;
	}
}

static struct ioda_phb_hw *hw_of(struct run *r, int domain)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(r->k, domain);

	return phb ? ioda_opal_phb(r->k->opal, phb->opal_id) : NULL;
}

/* A name whose take or map failed, or was undone, at run time. */
static int not_held(struct ioda_error *err, const struct sname *sn)
{
	ioda_error_set(err, "'%s' is not %s", sn->name, sn->map ? "mapped" : "held");
	return -ENOENT;
}

/* dma from: a DMA by the device, through the hardware; says what came of it. */
static int dma_from(struct run *r, const struct step *st, struct pci_dev *dev,
		    struct ioda_error *err)
{
	struct ioda_phb_hw *hw = hw_of(r, pci_dev_peek_domain_nr(dev));
	uint64_t addr = st->name >= 0 ? r->names[st->name].bus_addr : st->num;
	const char *what = st->arg ? "write" : "read";
	struct ioda_dma_result res = {0};
	int rc;

	if (!hw)
		return -ENODEV;
	if (st->name >= 0 && !r->names[st->name].held)
		return not_held(err, &r->s->names[st->name]);
	rc = ioda_hw_dma(hw, pci_dev_rid(dev), addr, st->arg, &res);
	if (!rc)
		scenario_note(r, "scenario: dma %s %s 0x%" PRIx64 ": PE#%x TVE#%u -> 0x%" PRIx64,
			      pci_dev_peek_name(dev), what, addr, res.pe, res.tve, res.sys_addr);
	else if (rc == -EFAULT)
		scenario_note(r, "scenario: dma %s %s 0x%" PRIx64 ": PE#%x fault: %s",
			      pci_dev_peek_name(dev), what, addr, res.pe,
			      ioda_hw_reason_name(res.reason));
	else if (rc == -EIO)
		scenario_note(r, "scenario: dma %s %s 0x%" PRIx64 ": dropped (DMA stopped)",
			      pci_dev_peek_name(dev), what, addr);
	return rc == -EFAULT || rc == -EIO ? 0 : rc;
}

static int hot_add(struct run *r, const struct step *st, struct pci_dev *dev,
		   struct ioda_error *err)
{
	struct pci_bus *bus;
	int rc = 0;

	if (dev && !dev->subordinate) {
		ioda_error_set(err, "%s is not a bridge", st->t.word);
		return -EINVAL;
	}
	bus = dev ? pci_bus_get(dev->subordinate, HOLDER)
		  : pci_find_bus(r->m, st->t.domain, st->t.bus, HOLDER);
	if (!bus)
		return -ENODEV;
	for (const struct ioda_topo_node *n = st->nodes; n && !rc; n = n->next)
		rc = ioda_hot_add(r->k, bus, n, NULL, NULL, err);
	pci_bus_put(bus, HOLDER);
	return rc;
}

/* Steps on a reference or a mapping the scenario holds. */
static int name_step(struct run *r, const struct step *st, struct pci_dev *dev,
		     struct ioda_error *err)
{
	const struct sname *sn = &r->s->names[st->name];
	struct live_name *ln = &r->names[st->name];
	const char *file = r->s->file;
	int line = (int)st->line, rc = 0;

	switch (st->kind) {
	case STEP_TAKE:
		ln->dev = pci_dev_get_at(dev, sn->holder, file, line);
		ln->held = true;
		return 0;
	case STEP_NPU_GPU:
		/*
		 * pnv_pci_get_gpu_dev(): counted under the counted rule; the
		 * borrowed pointer of the kernels up to 5.12 under v5.5/v5.6.
		 */
		if (r->o->refcount != IODA_REFS_COUNTED) {
			ln->dev = ioda_npu_peek_gpu(r->k, dev);
			ln->held = false;
			ln->borrowed = true;
		} else {
			ln->dev = ioda_npu_get_gpu(r->k, dev, sn->holder);
			ln->held = ln->dev != NULL;
		}
		return ln->dev ? 0 : -ENODEV;
	case STEP_DMA_MAP:
		rc = ioda_dma_map(r->k, dev, st->num, (enum ioda_dma_dir)st->arg, &ln->bus_addr);
		if (rc)
			return rc;
		ln->dev = pci_dev_get_at(dev, sn->holder, file, line);
		ln->held = true;
		scenario_note(r, "scenario: dma map %s: %s 0x%" PRIx64 " -> bus 0x%" PRIx64,
			      sn->name, pci_dev_peek_name(dev), st->num, ln->bus_addr);
		return 0;
	case STEP_DMA_UNMAP:
		if (!ln->held)
			return not_held(err, sn);
		rc = ioda_dma_unmap(r->k, ln->dev, ln->bus_addr);
		break;
	case STEP_USE:
		if (!ln->dev)
			return not_held(err, sn);
		r->in_use = true;
		rc = ioda_ref_use_at(&ln->dev->ref, sn->holder, file, line) ? 0 : -EFAULT;
		r->in_use = false;
		return rc;
	default: /* STEP_DROP */
		if (ln->borrowed)
			return 0; /* the consumer forgets a pointer it never counted */
		if (!ln->held)
			return not_held(err, sn);
		break;
	}
	/* Drop, unmap: the object stays known, for use and expect released. */
	ln->held = false;
	pci_dev_put_at(ln->dev, sn->holder, file, line);
	return rc;
}

static bool needs_dev(enum step_kind kind)
{
	switch (kind) {
	case STEP_HOT_REMOVE:
	case STEP_DRIVER_BIND:
	case STEP_DRIVER_UNBIND:
	case STEP_ENABLE:
	case STEP_SRIOV_ENABLE:
	case STEP_SRIOV_DISABLE:
	case STEP_TAKE:
	case STEP_NPU_GPU:
	case STEP_DMA_MAP:
	case STEP_DMA_FROM:
		return true;
	default:
		return false;
	}
}

static int act(struct run *r, const struct step *st, struct pci_dev *dev, struct ioda_error *err)
{
	struct ioda_kernel *k = r->k;

	switch (st->kind) {
	case STEP_HOT_ADD:
		return hot_add(r, st, dev, err);
	case STEP_HOT_REMOVE:
		return ioda_hot_remove(k, dev);
	case STEP_DRIVER_BIND:
		return ioda_driver_bind(k, dev, st->text, (enum ioda_driver_kind)st->arg);
	case STEP_DRIVER_UNBIND:
		return ioda_driver_unbind(k, dev);
	case STEP_ENABLE:
		return ioda_enable_device(k, dev);
	case STEP_EEH_INJECT:
		if (st->t.form == T_PE)
			return ioda_eeh_inject_pe(k, st->t.domain, st->t.pe,
						  (enum ioda_eeh_inject)st->arg);
		return ioda_eeh_inject(k, dev, (enum ioda_eeh_inject)st->arg);
	case STEP_EEH_MAX_FREEZES:
		ioda_eeh_set_max_freezes(k, (unsigned int)st->num);
		return 0;
	case STEP_EEH_RECOVER:
		return ioda_eeh_force_recover(k, st->t.domain, st->t.pe);
	case STEP_OPAL_FAIL:
		ioda_opal_fail_calls(k->opal, (unsigned int)st->arg,
				     st->num > UINT_MAX ? UINT_MAX : (unsigned int)st->num);
		return 0;
	case STEP_ADVANCE:
		ioda_clock_advance(k, st->num);
		return 0;
	case STEP_SRIOV_ENABLE:
		return ioda_sriov_enable(k, dev, (unsigned int)st->num);
	case STEP_SRIOV_DISABLE:
		return ioda_sriov_disable(k, dev);
	case STEP_DMA_FROM:
		return dma_from(r, st, dev, err);
	case STEP_DUMP:
		return ioda_dump_pe_state(k, st->t.domain);
	case STEP_SHOW:
		return ioda_show_text(k, r->o->out);
	case STEP_PHP_LOAD:
		return ioda_php_load(k);
	case STEP_SLOT_POWER:
		return ioda_php_set_power(k, st->t.word, st->arg);
	case STEP_SLOT_ATTENTION:
		return ioda_php_set_attention(k, st->t.word, (unsigned int)st->arg);
	case STEP_SLOT_PULL:
		return ioda_php_pull(k, st->t.word);
	case STEP_SLOT_INSERT:
		return ioda_php_insert(k, st->t.word, st->nodes);
	case STEP_SLOT_RESET:
		return ioda_php_reset(k, st->t.word);
	default:
		return name_step(r, st, dev, err);
	}
}

/*
 * What a refused step must leave as it found it: the PEs (ioda show), every
 * PHB's tables and the live references.  NULL when out of memory.
 */
static char *snapshot(struct run *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	ioda_show_text(r->k, f);
	for (unsigned int i = 0; i < r->k->nphbs; i++)
		ioda_hw_dump(ioda_opal_phb(r->k->opal, r->k->phbs[i]->opal_id), f);
	fprintf(f, "live references: %zu\n", ioda_ctx_live_refs(r->s->ctx));
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Tolerant runs: a refusal that changed nothing is counted, one that did fails. */
static bool refused_cleanly(struct run *r, const struct step *st, const char *before,
			    const char *why)
{
	char *after = snapshot(r);
	bool same = before && after && !strcmp(before, after);

	if (!same && before && after)
		scenario_diag(r, "%s: refused (%s) but changed the state", st->src, why);
	free(after);
	return same || !before || !after;
}

/* An action step: its lines, then the EEH event thread's, then the audit. */
/* Whether an expect audit follows @st, among the expects right after it. */
static bool audit_expected(const struct run *r, const struct step *st, const char *finding)
{
	for (const struct step *e = st + 1; e < r->s->steps + r->s->nsteps && e->kind == STEP_EXPECT;
	     e++)
		if (e->arg == EX_AUDIT && (!finding || !strcmp(e->text, finding)))
			return true;
	return false;
}

/*
 * The audit after a step: with --audit a finding fails the run, unless an
 * expect audit right after the step claims it; then (with --audit or not)
 * the findings join the step's log and any not claimed fails the run.
 */
static void audit_step(struct run *r, const struct step *st)
{
	size_t from = r->len;

	if (!audit_expected(r, st, NULL)) {
		if (r->o->audit)
			ioda_audit(r->k, scenario_on_violation, r);
		return;
	}
	ioda_audit(r->k, scenario_log_violation, r);
	for (size_t at = from; at < r->len; at += strlen(r->lines + at) + 1)
		if (!audit_expected(r, st, r->lines + at)) {
			scenario_diag(r, "%s", r->lines + at);
			r->failures++;
		}
}

void scenario_run_action(struct run *r, const struct step *st)
{
	struct ioda_error err = {""};
	const struct step *next = st + 1;
	struct pci_dev *dev = NULL;
	char *before = NULL;
	int rc = 0;

	scenario_check_exact(r);
	r->action = st;
	r->len = 0;
	r->matched = 0;
	if (r->o->tolerant)
		before = snapshot(r);
	if (needs_dev(st->kind) || (st->kind == STEP_HOT_ADD && st->t.form != T_BUS) ||
	    (st->kind == STEP_EEH_INJECT && st->t.form != T_PE)) {
		dev = scenario_get_dev(r, &st->t);
		if (!dev) {
			ioda_error_set(&err, "no device %s", st->t.word);
			rc = -ENODEV;
		}
	}
	if (!rc)
		rc = act(r, st, dev, &err);
	if (dev)
		pci_dev_put(dev, HOLDER);
	if (rc && r->o->tolerant) {
		if (!refused_cleanly(r, st, before, err.msg[0] ? err.msg : strerror(-rc)))
			r->failures++;
		else if (r->o->stats)
			r->o->stats->refused++;
	}
	free(before);
	if (r->o->stats)
		r->o->stats->steps++;
	ioda_eeh_poll(r->k);
	r->last_rc = rc;
	if (rc && !r->o->tolerant &&
	    !(next < r->s->steps + r->s->nsteps && next->kind == STEP_EXPECT &&
	      next->arg == EX_ERROR)) {
		scenario_diag(r, "%s: %s", st->src, err.msg[0] ? err.msg : strerror(-rc));
		r->failures++;
	}
	audit_step(r, st);
}
