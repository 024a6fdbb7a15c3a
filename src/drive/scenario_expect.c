/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Expect steps and line matching: the values an expect reads off the model
 * and their comparison, "expect line" against the last action's log, and
 * --exact's account of the PE lines no expect named.
 */
#include <inttypes.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/hw.h>

#include "scenario_priv.h"

/* The lines --exact holds to account: what ioda replay compares, and the dump's. */
static bool is_pe_line(const char *line)
{
	return strstr(line, "PE#") || strstr(line, "Configuring PE") || strstr(line, "iommu group");
}

/* How often @text is among the first @n lines. */
static unsigned int count_lines(const struct run *r, size_t upto, const char *text)
{
	unsigned int n = 0;

	for (size_t off = 0; off < upto; off += strlen(r->lines + off) + 1)
		n += strcmp(r->lines + off, text) == 0;
	return n;
}

/* How many expect line steps right after @action want @text. */
static unsigned int count_expected(const struct step *action, const struct step *end,
				   const char *text)
{
	unsigned int n = 0;

	for (const struct step *e = action + 1; e < end && e->kind == STEP_EXPECT; e++)
		n += e->arg == EX_LINE && strcmp(e->text, text) == 0;
	return n;
}

/*
 * --exact: each PE line the last action printed must be one its expect line
 * steps name (as often as they name it); the others are findings.
 */
void scenario_check_exact(struct run *r)
{
	const struct step *end = r->s->steps + r->s->nsteps;

	if (!r->o->exact || !r->action)
		return;
	for (size_t off = 0; off < r->len; off += strlen(r->lines + off) + 1) {
		const char *line = r->lines + off;

		if (!is_pe_line(line) || count_lines(r, off + 1, line) <=
						 count_expected(r->action, end, line))
			continue;
		fprintf(r->o->diag, "%s:%u: unexpected line: \"%s\"\n", r->s->file,
			r->action->line, line);
		r->failures++;
	}
	r->action = NULL;
}

static void no_holder(void *arg, const char *holder, unsigned int count, const char *file, int line)
{
}

static unsigned int count_pes(const struct ioda_phb *phb)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < phb->total_pe_num; i++)
		n += ioda_pe_allocated(phb, i);
	return n;
}

/* Where the step printed @text at or after @from, or -1. */
static long find_line(const struct run *r, size_t from, const char *text)
{
	for (size_t off = from; off < r->len; off += strlen(r->lines + off) + 1)
		if (strcmp(r->lines + off, text) == 0)
			return (long)off;
	return -1;
}

/* The value an expect looks at; false (with @why) when there is none. */
static bool expect_value(struct run *r, const struct step *st, struct pci_dev *dev, int64_t *v,
			 const char **why)
{
	struct ioda_phb_hw *hw;
	struct ioda_phb *phb;
	struct ioda_pe *pe;

	if (st->arg == EX_EXISTS) {
		*v = dev != NULL;
		return true;
	}
	if (!dev) {
		*why = "no such device";
		return false;
	}
	pe = ioda_dev_peek_pe(r->k, dev);
	switch (st->arg) {
	case EX_PE:
		*v = pe ? (int64_t)pe->pe_number : VAL_NONE;
		return true;
	case EX_GROUP:
		*v = dev->iommu_group < 0 ? VAL_NONE : dev->iommu_group;
		return true;
	case EX_REFS: /* without the runner's own */
		*v = ioda_ref_count(&dev->ref) - 1;
		return true;
	case EX_HOLDERS:
		*v = (int64_t)ioda_ref_for_each_holder(&dev->ref, no_holder, NULL) - 1;
		return true;
	case EX_FREEZES:
		*v = ioda_eeh_freeze_count(r->k, dev);
		return true;
	default: /* EX_FROZEN */
		phb = pe ? pe->phb : NULL;
		hw = phb ? ioda_opal_phb(r->k->opal, phb->opal_id) : NULL;
		if (!hw) {
			*why = "the device has no PE";
			return false;
		}
		*v = hw->fenced || (ioda_hw_pe_state(hw, pe->pe_number) & IODA_PEST_FROZEN);
		return true;
	}
}

static int64_t slot_value(int kind, const struct ioda_php_slot_info *slot)
{
	switch (kind) {
	case EX_SLOT_POWERED:
		return slot->power;
	case EX_SLOT_PRESENT:
		return slot->present;
	case EX_SLOT_POPULATED:
		return slot->state == IODA_PHP_POPULATED;
	case EX_SLOT_ATTENTION:
		return slot->attention;
	default: /* EX_SLOT_DEVICES */
		return slot->devices;
	}
}

static bool compare(enum op op, int64_t a, int64_t b)
{
	switch (op) {
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_LT:
		return a < b;
	case OP_LE:
		return a <= b;
	case OP_GT:
		return a > b;
	default:
		return a >= b;
	}
}

void scenario_run_expect(struct run *r, const struct step *st)
{
	const struct live_name *ln = &r->names[st->name < 0 ? 0 : st->name];
	const char *why = NULL, *what = st->src + strlen("expect ");
	struct ioda_php_slot_info slot;
	struct pci_dev *dev = NULL;
	struct ioda_phb *phb;
	int64_t v = 0;
	long at;
	bool ok;

	switch (st->arg) {
	case EX_LINE: /* in the order the step printed them */
		at = find_line(r, r->matched, st->text);
		ok = at >= 0;
		why = find_line(r, 0, st->text) < 0 ? "the step printed no such line"
						    : "printed before the line expected above it";
		if (ok)
			r->matched = (size_t)at + strlen(st->text) + 1;
		break;
	case EX_NO_LINE:
		ok = find_line(r, 0, st->text) < 0;
		why = "the step printed it";
		break;
	case EX_AUDIT: /* the audit after the step found it */
		ok = find_line(r, 0, st->text) >= 0;
		why = "the audit found no such thing";
		break;
	case EX_ERROR:
		ok = r->last_rc && (!st->want || r->last_rc == -st->want);
		if (!ok)
			why = r->last_rc ? strerror(-r->last_rc) : "the step succeeded";
		break;
	case EX_RELEASED:
		ok = ln->dev && ioda_ref_released(&ln->dev->ref) == (st->want != 0);
		why = !ln->dev ? "it was never taken" : st->want ? "it is live" : "it is released";
		break;
	case EX_SLOTS:
		for (v = 0; ioda_php_slot_at(r->k, (unsigned int)v, &slot);)
			v++;
		ok = compare(st->op, v, st->want);
		break;
	case EX_SLOT_POWERED:
	case EX_SLOT_PRESENT:
	case EX_SLOT_POPULATED:
	case EX_SLOT_ATTENTION:
	case EX_SLOT_DEVICES:
		ok = !ioda_php_slot_find(r->k, st->t.word, &slot);
		why = "no such slot (is pnv_php loaded?)";
		if (!ok)
			break;
		why = NULL;
		v = slot_value(st->arg, &slot);
		ok = st->arg == EX_SLOT_DEVICES ? compare(st->op, v, st->want) : v == st->want;
		break;
	case EX_COUNT:
		phb = ioda_kernel_peek_phb(r->k, st->t.domain);
		why = phb ? NULL : "no such PHB";
		v = phb ? count_pes(phb) : 0;
		ok = phb && compare(st->op, v, st->want);
		break;
	default:
		dev = scenario_get_dev(r, &st->t);
		ok = expect_value(r, st, dev, &v, &why);
		if (ok && (st->arg == EX_FROZEN || st->arg == EX_EXISTS))
			ok = v == st->want;
		else if (ok)
			ok = compare(st->op, v, st->want);
		if (dev)
			pci_dev_put(dev, HOLDER);
		break;
	}
	if (ok)
		return;
	r->failures++;
	if (why)
		scenario_diag(r, "expect failed: %s: %s", what, why);
	else if (v == VAL_NONE)
		scenario_diag(r, "expect failed: %s: got none", what);
	else
		scenario_diag(r, "expect failed: %s: got %" PRId64 " (0x%" PRIx64 ")", what, v,
			      (uint64_t)v);
}
