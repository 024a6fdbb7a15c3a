/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * skiboot's PCI slots: what is plugged into a bridge's slot, its power and
 * the calls pnv_php makes on it.  Power on answers OPAL_ASYNC_COMPLETION
 * and queues the completion message, as skiboot does once the link is up
 * and its bus rescanned; the model completes at once, the kernel still
 * waits for the message.  A slot that is surprise-pluggable or has no
 * power control is only marked off (skiboot leaves the power on so that
 * presence keeps working).
 */
#include <errno.h>
#include <string.h>

#include "opal_priv.h"

struct opal_slot {
	struct ioda_list node;
	uint64_t id;
	uint32_t phandle;
	struct pci_slot_desc desc;
	struct ioda_topo_node *card; /* what is plugged in; NULL: empty */
	uint8_t power;		     /* OPAL_PCI_SLOT_POWER_*, as cached */
	bool switched_off;	     /* the power really off (PCC set) */
	bool scanned;		     /* its devices in the firmware's tree */
};

struct opal_queued_msg {
	struct ioda_list node;
	struct opal_msg msg;
};

void opal_slots_free(struct ioda_opal *opal)
{
	struct opal_slot *s, *ns;
	struct opal_queued_msg *m, *nm;

	ioda_list_for_each_entry_safe (s, ns, &opal->slots, node) {
		ioda_list_del(&s->node);
		ioda_topo_nodes_free(opal->ctx, s->card);
		ioda_free(opal->ctx, s);
	}
	ioda_list_for_each_entry_safe (m, nm, &opal->msgs, node) {
		ioda_list_del(&m->node);
		ioda_free(opal->ctx, m);
	}
}

/* Under opal->lock. */
static struct opal_slot *slot_find(struct ioda_opal *opal, uint64_t id)
{
	struct opal_slot *s;

	ioda_list_for_each_entry (s, &opal->slots, node)
		if (s->id == id)
			return s;
	return NULL;
}

int ioda_opal_add_slot(struct ioda_opal *opal, uint64_t slot_id, uint32_t phandle,
		       const struct pci_slot_desc *desc, struct ioda_topo_node *card)
{
	struct opal_slot *s = ioda_zalloc(opal->ctx, sizeof(*s));

	if (!s) {
		ioda_topo_nodes_free(opal->ctx, card);
		return -ENOMEM;
	}
	s->id = slot_id;
	s->phandle = phandle;
	s->desc = *desc;
	s->card = card;
	/* core/pci.c: a pluggable slot left empty by the scan is powered off. */
	s->power = card ? OPAL_PCI_SLOT_POWER_ON : OPAL_PCI_SLOT_POWER_OFF;
	s->switched_off = !card && desc->power_ctl && !desc->surprise;
	s->scanned = card != NULL;
	pthread_mutex_lock(&opal->lock);
	if (slot_find(opal, slot_id)) {
		pthread_mutex_unlock(&opal->lock);
		ioda_topo_nodes_free(opal->ctx, card);
		ioda_free(opal->ctx, s);
		return -EEXIST;
	}
	ioda_list_add_tail(&s->node, &opal->slots);
	pthread_mutex_unlock(&opal->lock);
	return 0;
}

int ioda_opal_slot_pull(struct ioda_opal *opal, uint64_t slot_id)
{
	struct ioda_topo_node *card = NULL;
	struct opal_slot *s;
	int rc = 0;

	pthread_mutex_lock(&opal->lock);
	s = slot_find(opal, slot_id);
	if (!s)
		rc = -ENOENT;
	else if (!s->card)
		rc = -EBUSY;
	else {
		card = s->card;
		s->card = NULL;
		s->scanned = false;
	}
	pthread_mutex_unlock(&opal->lock);
	ioda_topo_nodes_free(opal->ctx, card);
	return rc;
}

int ioda_opal_slot_insert(struct ioda_opal *opal, uint64_t slot_id, struct ioda_topo_node *card)
{
	struct opal_slot *s;
	int rc = 0;

	pthread_mutex_lock(&opal->lock);
	s = slot_find(opal, slot_id);
	if (!s)
		rc = -ENOENT;
	else if (s->card)
		rc = -EBUSY;
	else {
		s->card = card;
		card = NULL;
		/* Powered (a surprise slot's power stays on): the link comes up. */
		s->scanned = !s->switched_off;
	}
	pthread_mutex_unlock(&opal->lock);
	ioda_topo_nodes_free(opal->ctx, card);
	return rc;
}

/* Under opal->lock. */
static void info_fill(const struct opal_slot *s, struct ioda_opal_slot_info *out)
{
	out->id = s->id;
	out->desc = s->desc;
	out->present = s->card != NULL;
	out->powered = s->power == OPAL_PCI_SLOT_POWER_ON;
	out->switched_off = s->switched_off;
}

int ioda_opal_slot_read(struct ioda_opal *opal, uint64_t slot_id, struct ioda_opal_slot_info *out)
{
	struct opal_slot *s;

	pthread_mutex_lock(&opal->lock);
	s = slot_find(opal, slot_id);
	if (s)
		info_fill(s, out);
	pthread_mutex_unlock(&opal->lock);
	return s ? 0 : -ENOENT;
}

uint64_t opal_async_get_token(struct ioda_opal *opal)
{
	uint64_t token;

	pthread_mutex_lock(&opal->lock);
	token = ++opal->next_token;
	pthread_mutex_unlock(&opal->lock);
	return token;
}

int opal_async_wait_response(struct ioda_opal *opal, uint64_t token, struct opal_msg *msg)
{
	struct opal_queued_msg *m, *n;
	int rc = -ENOENT;

	pthread_mutex_lock(&opal->lock);
	ioda_list_for_each_entry_safe (m, n, &opal->msgs, node)
		if (m->msg.params[0] == token) {
			*msg = m->msg;
			ioda_list_del(&m->node);
			ioda_free(opal->ctx, m);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&opal->lock);
	return rc;
}

/*
 * The common entry of the slot calls: the PHB the id names (its fault hook
 * and failing calls, its lock), then the slot, under opal->lock.  On
 * OPAL_SUCCESS both are held; slot_exit() lets go.
 */
static int64_t slot_enter(struct ioda_opal *opal, uint64_t id, unsigned int token,
			  struct ioda_phb_hw **phb, struct opal_slot **slot)
{
	int64_t rc = opal_enter(opal, id & 0xffff, token, phb);

	if (rc)
		return rc;
	pthread_mutex_lock(&opal->lock);
	*slot = slot_find(opal, id);
	if (!*slot) {
		pthread_mutex_unlock(&opal->lock);
		opal_exit(*phb);
		return OPAL_PARAMETER;
	}
	return OPAL_SUCCESS;
}

static void slot_exit(struct ioda_opal *opal, struct ioda_phb_hw *phb)
{
	pthread_mutex_unlock(&opal->lock);
	opal_exit(phb);
}

int64_t opal_pci_get_presence_state(struct ioda_opal *opal, uint64_t id, uint8_t *state)
{
	struct ioda_phb_hw *phb;
	struct opal_slot *s;
	int64_t rc;

	if (!state)
		return OPAL_PARAMETER;
	rc = slot_enter(opal, id, OPAL_PCI_GET_PRESENCE_STATE, &phb, &s);
	if (rc)
		return rc;
	*state = s->card ? OPAL_PCI_SLOT_PRESENT : OPAL_PCI_SLOT_EMPTY;
	slot_exit(opal, phb);
	return OPAL_SUCCESS;
}

/* pcie_slot_get_power_state: the cached state, not the hardware's. */
int64_t opal_pci_get_power_state(struct ioda_opal *opal, uint64_t id, uint8_t *state)
{
	struct ioda_phb_hw *phb;
	struct opal_slot *s;
	int64_t rc;

	if (!state)
		return OPAL_PARAMETER;
	rc = slot_enter(opal, id, OPAL_PCI_GET_POWER_STATE, &phb, &s);
	if (rc)
		return rc;
	*state = s->power;
	slot_exit(opal, phb);
	return OPAL_SUCCESS;
}

/* Under opal->lock: the completion message; false when out of memory. */
static bool queue_msg(struct ioda_opal *opal, uint64_t token, const struct opal_slot *s,
		      uint8_t power, int64_t result)
{
	struct opal_queued_msg *m = ioda_zalloc(opal->ctx, sizeof(*m));

	if (!m)
		return false;
	m->msg.msg_type = OPAL_MSG_ASYNC_COMP;
	m->msg.params[0] = token;
	m->msg.params[1] = s->phandle;
	m->msg.params[2] = power;
	m->msg.params[3] = (uint64_t)result;
	ioda_list_add_tail(&m->node, &opal->msgs);
	return true;
}

int64_t opal_pci_set_power_state(struct ioda_opal *opal, uint64_t async_token, uint64_t id,
				 uint8_t *state)
{
	struct ioda_phb_hw *phb;
	struct opal_slot *s;
	bool async;
	int64_t rc;

	if (!state)
		return OPAL_PARAMETER;
	rc = slot_enter(opal, id, OPAL_PCI_SET_POWER_STATE, &phb, &s);
	if (rc)
		return rc;
	switch (*state) {
	case OPAL_PCI_SLOT_POWER_OFF:
		if (!(id & OPAL_PCI_SLOT_ID_PREFIX)) {
			/* An OpenCAPI PHB's: the brick fenced, the adapter held in reset, at once. */
			s->power = OPAL_PCI_SLOT_POWER_OFF;
			s->switched_off = true;
			s->scanned = false;
			rc = OPAL_SUCCESS;
			break;
		}
		/* pcie_slot_set_power_state: only a power-controlled, non-surprise slot switches. */
		async = s->power != OPAL_PCI_SLOT_POWER_OFF && s->desc.power_ctl &&
			!s->desc.surprise;
		if (async && !queue_msg(opal, async_token, s, OPAL_PCI_SLOT_POWER_OFF, 0)) {
			rc = OPAL_NO_MEM;
			break;
		}
		s->power = OPAL_PCI_SLOT_POWER_OFF;
		s->switched_off |= async;
		s->scanned = false;
		rc = async ? OPAL_ASYNC_COMPLETION : OPAL_SUCCESS;
		break;
	case OPAL_PCI_SLOT_POWER_ON:
		/* Then the link: up only with a card in the slot. */
		if (!queue_msg(opal, async_token, s, OPAL_PCI_SLOT_POWER_ON,
			       s->card ? OPAL_SUCCESS : OPAL_HARDWARE)) {
			rc = OPAL_NO_MEM;
			break;
		}
		s->power = OPAL_PCI_SLOT_POWER_ON;
		s->switched_off = false;
		s->scanned = s->card != NULL;
		rc = OPAL_ASYNC_COMPLETION;
		break;
	case OPAL_PCI_SLOT_OFFLINE:
	case OPAL_PCI_SLOT_ONLINE:
		s->scanned = *state == OPAL_PCI_SLOT_ONLINE && s->card && !s->switched_off;
		rc = OPAL_SUCCESS;
		break;
	default:
		rc = OPAL_PARAMETER;
	}
	slot_exit(opal, phb);
	return rc;
}

int64_t opal_get_device_tree(struct ioda_opal *opal, uint32_t phandle,
			     struct ioda_topo_node **out)
{
	struct opal_slot *s;
	int64_t rc = OPAL_PARAMETER;

	*out = NULL;
	if (opal_call_fails(opal, OPAL_GET_DEVICE_TREE))
		return OPAL_HARDWARE;
	pthread_mutex_lock(&opal->lock);
	ioda_list_for_each_entry (s, &opal->slots, node) {
		if (s->phandle != phandle)
			continue;
		rc = OPAL_SUCCESS;
		if (s->scanned && ioda_topo_nodes_clone(opal->ctx, s->card, out))
			rc = OPAL_NO_MEM;
		break;
	}
	pthread_mutex_unlock(&opal->lock);
	return rc;
}

int64_t opal_slot_reset(struct ioda_opal *opal, uint64_t id, uint8_t scope, uint8_t assert_state)
{
	struct ioda_phb_hw *phb;
	struct opal_slot *s;
	int64_t rc;

	rc = slot_enter(opal, id, OPAL_PCI_RESET, &phb, &s);
	if (rc)
		return rc;
	if (assert_state != OPAL_ASSERT_RESET && assert_state != OPAL_DEASSERT_RESET)
		rc = OPAL_PARAMETER;
	else if (scope != OPAL_RESET_PCI_HOT && scope != OPAL_RESET_PCI_FUNDAMENTAL)
		rc = OPAL_UNSUPPORTED;
	slot_exit(opal, phb);
	return rc;
}

bool ioda_opal_slot_at(struct ioda_opal *opal, uint64_t phb_id, unsigned int i,
		       struct ioda_opal_slot_info *out)
{
	struct opal_slot *s;
	bool found = false;

	pthread_mutex_lock(&opal->lock);
	ioda_list_for_each_entry (s, &opal->slots, node) {
		if ((s->id & 0xffff) != phb_id || i--)
			continue;
		info_fill(s, out);
		found = true;
		break;
	}
	pthread_mutex_unlock(&opal->lock);
	return found;
}
