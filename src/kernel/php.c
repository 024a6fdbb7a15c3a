/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pnv_php, the PowerNV PCI hotplug driver: slots from the device tree,
 * their power through OPAL (the completion awaited as an async message),
 * the firmware's device tree below a slot fetched at power on and the bus
 * rescanned; at power off the devices removed first.  And skiboot's side of
 * the boot: a slot on every pluggable bridge and on each OpenCAPI PHB, with
 * what is plugged in.  Each slot holds its bridge and its bus (holder
 * "pnv_php slot"), where the kernel's php_slot borrows them.  docs/slots.md
 * has each rule and its source.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/ioda.h>
#include <ioda/opal.h>

#include "kernel_priv.h"

#define HOLDER "pnv_php slot"

struct php_slot {
	char name[40];
	uint64_t id;
	uint32_t phandle;
	enum ioda_php_state state;
	bool power_state_check;
	unsigned int attention;
	bool surprise;
	bool has_irq;		   /* pnv_php_enable_irq() got an MSI: the slot's events */
	struct ioda_msi msi;
	struct pci_dev *bridge;	   /* held: HOLDER; NULL for a PHB's slot (OpenCAPI) */
	struct pci_bus *bus;	   /* held: HOLDER; the bridge's secondary bus, or the root bus */
	struct ioda_topo_node *dt; /* the firmware's tree fetched at power on */
};

struct ioda_php {
	struct php_slot *slots;
	unsigned int n;
};

static bool since(const struct ioda_kernel *k, unsigned int major, unsigned int minor)
{
	return k->profile.major > major || (k->profile.major == major && k->profile.minor >= minor);
}

/*
 * skiboot gives every node a phandle; one made up where the description has
 * none (and for a PHB's node, whose own the model does not keep).
 */
static uint32_t slot_phandle(const struct pci_dev *bridge, uint64_t phb_id)
{
	if (!bridge)
		return 0xf0000000u | (uint32_t)(phb_id & 0xfff) << 16 | 0xffffu;
	return bridge->phandle ? bridge->phandle
			       : 0xf0000000u | (uint32_t)(phb_id & 0xfff) << 16 | pci_dev_rid(bridge);
}

/* A bridge's label; an OpenCAPI PHB's: skiboot's default, "OPENCAPI-%04x" of its id. */
static void phb_slot_label(const struct pci_dev *bridge, uint64_t phb_id, char *buf, size_t len)
{
	if (bridge)
		snprintf(buf, len, "%s", bridge->slot.label);
	else
		snprintf(buf, len, "OPENCAPI-%04x", (unsigned int)phb_id);
}

static bool is_slot(const struct pci_dev *dev)
{
	return ioda_pci_is_bridge(dev) && dev->slot.pluggable && dev->slot.reset_by_fw &&
	       dev->slot.label[0];
}

/* ---- skiboot's slots, made at its scan ---------------------------------------------- */

struct fw_walk {
	struct ioda_kernel *k;
	struct ioda_phb *phb;
	int rc;
};

static int fw_slot(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct fw_walk *w = arg;
	struct ioda_topo_node *card = NULL;

	if (dev->bus->domain != w->phb->domain || !ioda_pci_is_bridge(dev) || !dev->slot.pluggable)
		return 0;
	/* What is plugged in: the functions on the bridge's secondary bus, as a scan finds them. */
	if (dev->subordinate) {
		w->rc = pci_describe_bus(w->k->ctx, dev->subordinate, &card);
		if (w->rc)
			return 1;
	}
	w->rc = ioda_opal_add_slot(w->k->opal, opal_pci_slot_id(w->phb->opal_id, pci_dev_rid(dev)),
				   slot_phandle(dev, w->phb->opal_id), &dev->slot, card);
	return w->rc != 0;
}

/*
 * An OpenCAPI PHB is a slot itself (skiboot's make_slot_hotpluggable()):
 * pluggable, its power "fake" (off fences the link), labelled by id.
 */
static int fw_phb_slot(struct ioda_kernel *k, struct ioda_phb *phb)
{
	struct pci_slot_desc desc = { .pluggable = true, .reset_by_fw = true };
	struct ioda_topo_node *card;
	int rc;

	phb_slot_label(NULL, phb->opal_id, desc.label, sizeof(desc.label));
	rc = pci_describe_bus(k->ctx, phb->domain->root_bus, &card);
	if (rc)
		return rc;
	return ioda_opal_add_slot(k->opal, phb->opal_id, slot_phandle(NULL, phb->opal_id), &desc,
				  card);
}

int ioda_php_fw_slots(struct ioda_kernel *k, struct ioda_phb *phb)
{
	struct fw_walk w = { k, phb, 0 };

	if (phb->type == IODA_PNV_PHB_NPU_OCAPI)
		return fw_phb_slot(k, phb);
	pci_walk_bus_locked(phb->domain->root_bus, fw_slot, &w);
	return w.rc;
}

/* ---- the driver ---------------------------------------------------------------------- */

/*
 * SLOT_WARN: about the slot's bridge, or its bus without one.  No driver
 * binds a PowerNV bridge (pnv_pci_init() sets pcie_ports_disabled: no
 * pcieport), so the prefix is the bus type's, "pci" (the oracle's 6.1).
 */
#define slot_warn(k, s, fmt, ...)                                                      \
	ioda_printf(k, IODA_LOG_WARNING, "%s %s: " fmt, (s)->bridge ? "pci" : "pci_bus", \
		    slot_owner(s), ##__VA_ARGS__)

/* "0000:02:03.0", or the root bus "0007:00" of a PHB's slot. */
static const char *slot_owner(const struct php_slot *s)
{
	return s->bridge ? pci_dev_peek_name(s->bridge) : s->bus->ref.name;
}

static struct php_slot *find_slot(struct ioda_php *php, const char *name)
{
	for (unsigned int i = 0; php && i < php->n; i++)
		if (!strcmp(php->slots[i].name, name))
			return &php->slots[i];
	return NULL;
}

static struct php_slot *find_slot_id(struct ioda_php *php, uint64_t id)
{
	for (unsigned int i = 0; i < php->n; i++)
		if (php->slots[i].id == id)
			return &php->slots[i];
	return NULL;
}

static uint64_t phb_id_of(struct ioda_kernel *k, const struct pci_dev *dev)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));

	return phb ? phb->opal_id : 0;
}

/* pnv_pci_get_presence_state / _power_state: -EIO when OPAL fails. */
static int get_presence(struct ioda_kernel *k, const struct php_slot *s, uint8_t *state)
{
	*state = OPAL_PCI_SLOT_EMPTY;
	if (opal_pci_get_presence_state(k->opal, s->id, state) != OPAL_SUCCESS) {
		slot_warn(k, s, "Error %d getting presence", -EIO);
		return -EIO;
	}
	return 0;
}

/* A failure reads as powered on: the caller's default stands. */
static uint8_t get_power(struct ioda_kernel *k, const struct php_slot *s)
{
	uint8_t state = OPAL_PCI_SLOT_POWER_ON;

	if (opal_pci_get_power_state(k->opal, s->id, &state) != OPAL_SUCCESS) {
		slot_warn(k, s, "Error %d getting power status", -EIO);
		return OPAL_PCI_SLOT_POWER_ON;
	}
	return state;
}

/*
 * pnv_php_set_slot_power_state(): OPAL, then (async) the message checked
 * against the slot's phandle and the state asked; then the device tree
 * below the slot dropped (off) or fetched (on).
 */
static int set_power(struct ioda_kernel *k, struct php_slot *s, uint8_t state)
{
	uint64_t token = opal_async_get_token(k->opal);
	uint8_t want = state;
	struct opal_msg msg;
	int64_t rc = opal_pci_set_power_state(k->opal, token, s->id, &want);
	int ret = 0;

	if (rc == OPAL_ASYNC_COMPLETION) {
		if (opal_async_wait_response(k->opal, token, &msg))
			ret = -EIO;
		else if (msg.params[1] != s->phandle || msg.params[2] != state ||
			 (!since(k, 5, 6) && msg.params[3])) {
			slot_warn(k, s, "Wrong msg (%lld, %lld, %lld)", (long long)msg.params[1],
				  (long long)msg.params[2], (long long)msg.params[3]);
			return -ENOMSG;
		} else if (msg.params[3]) {
			ret = -ENODEV;
		}
	} else if (rc != OPAL_SUCCESS) {
		ret = -EIO;
	}
	if (ret) {
		slot_warn(k, s, "Error %d powering %s", ret,
			  state == OPAL_PCI_SLOT_POWER_ON ? "on" : "off");
		return ret;
	}
	ioda_topo_nodes_free(k->ctx, s->dt);
	s->dt = NULL;
	if (state == OPAL_PCI_SLOT_POWER_OFF)
		return 0;
	if (opal_get_device_tree(k->opal, s->phandle, &s->dt) != OPAL_SUCCESS) {
		slot_warn(k, s, "Error %d getting FDT blob", -EIO);
		return -EIO;
	}
	return 0;
}

/* Devices taken for a removal, in the order they go. */
struct bus_devs {
	struct ioda_ctx *ctx;
	struct pci_dev **dev;
	unsigned int n, cap;
	bool oom;
};

static int count_below(void *arg, struct pci_dev *dev, unsigned int depth)
{
	unsigned int *n = arg;

	(*n)++;
	return 0;
}

static int register_slots(struct ioda_kernel *k, const struct pci_bus *top);

/*
 * pci_hp_add_devices(): the functions of the first node's device slot (its
 * pci_scan_slot() of PCI_SLOT(dn->child)), with all below them; the bus's
 * other slots come back only with a rescan of the PCI core (the oracle's
 * 6.1: a switch's upstream port slot brings back its first downstream
 * port only).
 */
static int rescan(struct ioda_kernel *k, struct php_slot *s)
{
	struct pci_bus *bus = s->bus;
	struct ioda_error err;

	for (const struct ioda_topo_node *n = s->dt; n; n = n->next) {
		if (PCI_SLOT(n->devfn) != PCI_SLOT(s->dt->devfn))
			continue;
		struct pci_dev *old = pci_get_domain_bus_and_slot(k->m, bus->domain->number,
								  bus->number, n->devfn, HOLDER);
		int rc = old ? 0 : ioda_hot_add(k, bus, n, NULL, HOLDER, &err);

		pci_dev_put(old, HOLDER);
		if (rc)
			return rc;
	}
	return 0;
}

/* pnv_php_enable(): @rescan false at registration (the boot's scan found them). */
static int enable(struct ioda_kernel *k, struct php_slot *s, bool rescan_bus)
{
	uint8_t presence, power;
	int rc;

	if (s->state != IODA_PHP_REGISTERED)
		return 0;
	rc = get_presence(k, s, &presence);
	if (rc)
		return rc;
	if (presence == OPAL_PCI_SLOT_EMPTY) {
		if (!s->power_state_check) {
			s->power_state_check = true;
			return 0;
		}
		goto scan;
	}
	if (!s->power_state_check) {
		s->power_state_check = true;
		if (get_power(k, s) != OPAL_PCI_SLOT_POWER_ON)
			return 0;
	}
	power = get_power(k, s);
	if (power != OPAL_PCI_SLOT_POWER_ON) {
		rc = set_power(k, s, OPAL_PCI_SLOT_POWER_ON);
		if (rc)
			return rc;
	}
scan:
	if (presence == OPAL_PCI_SLOT_PRESENT && rescan_bus) {
		if (s->bus->removed)
			return -ENODEV;
		rc = rescan(k, s);
		if (rc)
			return rc;
	}
	s->state = IODA_PHP_POPULATED;
	if (presence == OPAL_PCI_SLOT_PRESENT && rescan_bus)
		register_slots(k, s->bus);
	return 0;
}

/* pci_hp_register(): the name the label gives, "-1", "-2"... on a clash (make_slot_name). */
static void slot_name(const struct ioda_php *php, const char *label, char *name, size_t len)
{
	snprintf(name, len, "%s", label);
	for (unsigned int i = 1; find_slot((struct ioda_php *)php, name); i++)
		snprintf(name, len, "%s-%u", label, i);
}

/*
 * pnv_php_register_one() for @bridge's slot, or (@bridge NULL) @phb's own,
 * an OpenCAPI PHB's; a slot registered already is left (-EEXIST, silent).
 */
static int register_one(struct ioda_kernel *k, struct pci_dev *bridge, struct ioda_phb *phb)
{
	struct ioda_php *php = k->php;
	uint64_t phb_id = bridge ? phb_id_of(k, bridge) : phb->opal_id;
	uint64_t id = bridge ? opal_pci_slot_id(phb_id, pci_dev_rid(bridge)) : phb_id;
	struct pci_bus *bus = bridge ? bridge->subordinate : phb->domain->root_bus;
	char label[32];
	struct php_slot *grown, *s;
	int rc;

	if (find_slot_id(php, id) || !bus)
		return -EEXIST;
	grown = ioda_realloc(k->ctx, php->slots, (php->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	php->slots = grown;
	s = &php->slots[php->n];
	memset(s, 0, sizeof(*s));
	phb_slot_label(bridge, phb_id, label, sizeof(label));
	slot_name(php, label, s->name, sizeof(s->name));
	s->id = id;
	s->phandle = slot_phandle(bridge, phb_id);
	s->surprise = bridge && bridge->slot.surprise;
	s->bridge = bridge ? pci_dev_get(bridge, HOLDER) : NULL;
	s->bus = pci_bus_get(bus, HOLDER);
	s->state = IODA_PHP_REGISTERED;
	php->n++;
	rc = enable(k, s, false);
	if (rc) {
		/* pnv_php_register_one's unregister on error (its double put is not modelled). */
		if (s->bridge)
			pci_dev_put(s->bridge, HOLDER);
		pci_bus_put(s->bus, HOLDER);
		ioda_topo_nodes_free(k->ctx, s->dt);
		php->n--;
		return rc;
	}
	/* pnv_php_enable_irq(): a surprise slot's events come by an MSI of its bridge. */
	if (s->surprise)
		s->has_irq = !ioda_msi_setup(k, s->bridge, 1, true, &s->msi);
	return 0;
}

/* The candidates below @top (NULL: every PHB pnv_php scans), parent first. */
struct reg_walk {
	struct ioda_kernel *k;
	const struct pci_bus *top;
	struct pci_dev **devs;
	unsigned int n, cap;
	bool oom;
};

/* Whether @dev is on @top or on a bus below it. */
static bool below(const struct pci_dev *dev, const struct pci_bus *top)
{
	for (const struct pci_bus *b = dev->bus; b; b = b->parent)
		if (b == top)
			return true;
	return false;
}

static int reg_candidate(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct reg_walk *w = arg;
	struct ioda_phb *phb;

	if (!is_slot(dev) || (w->top && !below(dev, w->top)))
		return 0;
	phb = ioda_kernel_peek_phb(w->k, pci_dev_peek_domain_nr(dev));
	/* ibm,ioda2-phb (PHB3); ibm,ioda3-phb (PHB4/5) since 5.4. */
	if (!phb || phb->type != IODA_PNV_PHB_IODA2 ||
	    (dev->bus->domain->gen != IODA_PHB3 && !since(w->k, 5, 4)))
		return 0;
	if (w->n == w->cap) {
		unsigned int cap = w->cap ? 2 * w->cap : 16;
		struct pci_dev **grown = ioda_realloc(w->k->ctx, w->devs, cap * sizeof(*grown));

		if (!grown) {
			w->oom = true;
			return 1;
		}
		w->devs = grown;
		w->cap = cap;
	}
	w->devs[w->n++] = pci_dev_get(dev, HOLDER);
	return 0;
}

/* pnv_php_register(): each slot below @top (NULL: all), parent before child. */
static int register_slots(struct ioda_kernel *k, const struct pci_bus *top)
{
	struct reg_walk w = { .k = k, .top = top };

	pci_walk_machine(k->m, reg_candidate, &w);
	for (unsigned int i = 0; i < w.n; i++) {
		if (!w.oom)
			w.oom = register_one(k, w.devs[i], NULL) == -ENOMEM;
		pci_dev_put(w.devs[i], HOLDER);
	}
	ioda_free(k->ctx, w.devs);
	/* Since 5.6 each OpenCAPI PHB is a slot itself (ibm,ioda2-npu2-opencapi-phb). */
	for (unsigned int i = 0; !top && !w.oom && since(k, 5, 6) && i < k->nphbs; i++)
		if (k->phbs[i]->type == IODA_PNV_PHB_NPU_OCAPI)
			w.oom = register_one(k, NULL, k->phbs[i]) == -ENOMEM;
	return w.oom ? -ENOMEM : 0;
}

/* pnv_php_unregister_one() for @i; the slots after it move down. */
static void unregister_at(struct ioda_kernel *k, unsigned int i)
{
	struct ioda_php *php = k->php;
	struct php_slot *s = &php->slots[i];

	s->state = IODA_PHP_OFFLINE;
	if (s->has_irq)
		ioda_msi_teardown(k, s->bridge, &s->msi, 1);
	if (s->bridge)
		pci_dev_put(s->bridge, HOLDER);
	pci_bus_put(s->bus, HOLDER);
	ioda_topo_nodes_free(k->ctx, s->dt);
	memmove(s, s + 1, (php->n - i - 1) * sizeof(*s));
	php->n--;
}

/* pnv_php_unregister(): the slots below @top, children before parents. */
static void unregister_below(struct ioda_kernel *k, const struct pci_bus *top)
{
	for (unsigned int i = k->php->n; i-- > 0;)
		if (k->php->slots[i].bridge && below(k->php->slots[i].bridge, top))
			unregister_at(k, i);
}

/*
 * pci_hp_remove_devices()'s order, under the machine's lock: each child bus
 * first (in the list's order, recursively), then the bus's own devices last
 * to first.  Each is taken for the removal.
 */
static void removal_order(const struct pci_bus *bus, struct bus_devs *b)
{
	const struct pci_bus *child;
	struct pci_dev *dev;

	ioda_list_for_each_entry(child, &bus->children, node)
		removal_order(child, b);
	ioda_list_for_each_entry_reverse(dev, &bus->devices, bus_node) {
		if (b->n == b->cap) {
			unsigned int cap = b->cap ? 2 * b->cap : 16;
			struct pci_dev **grown = ioda_realloc(b->ctx, b->dev, cap * sizeof(*grown));

			if (!grown) {
				b->oom = true;
				return;
			}
			b->dev = grown;
			b->cap = cap;
		}
		b->dev[b->n++] = pci_dev_get(dev, HOLDER);
	}
}

/* pnv_php_disable_slot(). */
static int disable(struct ioda_kernel *k, struct php_slot *s)
{
	const struct pci_bus *bus = s->bus;
	struct bus_devs b = { .ctx = k->ctx };
	int rc;

	if (s->state != IODA_PHP_POPULATED &&
	    (!since(k, 5, 6) || s->state != IODA_PHP_REGISTERED))
		return 0;
	if (bus->removed)
		return -ENODEV;
	pthread_rwlock_rdlock(&k->m->lock);
	removal_order(bus, &b);
	pthread_rwlock_unlock(&k->m->lock);
	/* Out of memory: nothing removed, the slot as it was. */
	for (unsigned int i = 0; i < b.n; i++) {
		if (!b.oom)
			ioda_hot_remove(k, b.dev[i]);
		pci_dev_put(b.dev[i], HOLDER);
	}
	ioda_free(k->ctx, b.dev);
	if (b.oom)
		return -ENOMEM;
	unregister_below(k, bus);
	/* unregister_below() may move the slots: find this one again. */
	for (unsigned int i = 0; i < k->php->n; i++)
		if (k->php->slots[i].bus == bus)
			s = &k->php->slots[i];
	rc = set_power(k, s, OPAL_PCI_SLOT_POWER_OFF);
	s->state = IODA_PHP_REGISTERED;
	return rc;
}

int ioda_php_load(struct ioda_kernel *k)
{
	int rc;

	ioda_lock_rescan_remove(k);
	if (k->php) {
		ioda_unlock_rescan_remove(k);
		return -EEXIST;
	}
	k->php = ioda_zalloc(k->ctx, sizeof(*k->php));
	if (!k->php) {
		ioda_unlock_rescan_remove(k);
		return -ENOMEM;
	}
	ioda_printf(k, IODA_LOG_INFO, "PowerPC PowerNV PCI Hotplug Driver version: 0.1");
	rc = register_slots(k, NULL);
	ioda_unlock_rescan_remove(k);
	return rc;
}

void ioda_php_unload(struct ioda_kernel *k)
{
	if (!k->php)
		return;
	while (k->php->n)
		unregister_at(k, k->php->n - 1);
	ioda_free(k->ctx, k->php->slots);
	ioda_free(k->ctx, k->php);
	k->php = NULL;
}

static void info_of(struct ioda_kernel *k, const struct php_slot *s, struct ioda_php_slot_info *out)
{
	struct ioda_opal_slot_info fw;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", s->name);
	snprintf(out->bridge, sizeof(out->bridge), "%.15s", slot_owner(s));
	out->id = s->id;
	out->state = s->state;
	out->surprise = s->surprise;
	out->attention = s->attention;
	/* The sysfs files read what firmware has, not through a call that may fail. */
	if (!ioda_opal_slot_read(k->opal, s->id, &fw)) {
		out->present = fw.present;
		out->power = fw.powered;
	}
	pthread_rwlock_rdlock(&k->m->lock);
	if (!s->bus->removed)
		pci_walk_bus_locked(s->bus, count_below, &out->devices);
	pthread_rwlock_unlock(&k->m->lock);
}

bool ioda_php_slot_at(struct ioda_kernel *k, unsigned int i, struct ioda_php_slot_info *out)
{
	bool ok;

	ioda_lock_rescan_remove(k);
	ok = k->php && i < k->php->n;
	if (ok)
		info_of(k, &k->php->slots[i], out);
	ioda_unlock_rescan_remove(k);
	return ok;
}

int ioda_php_slot_find(struct ioda_kernel *k, const char *name, struct ioda_php_slot_info *out)
{
	struct php_slot *s;

	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s)
		info_of(k, s, out);
	ioda_unlock_rescan_remove(k);
	return s ? 0 : -ENOENT;
}

int ioda_php_set_power(struct ioda_kernel *k, const char *name, bool on)
{
	struct php_slot *s;
	int rc = -ENOENT;

	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s)
		rc = on ? enable(k, s, true) : disable(k, s);
	ioda_unlock_rescan_remove(k);
	return rc;
}

/*
 * pnv_php_interrupt() and its event handler: the link change says added or
 * removed; on removal the first device's PE is isolated and frozen, then
 * the slot is disabled; on insertion it is enabled.
 */
static int slot_event(struct ioda_kernel *k, struct php_slot *s, bool added)
{
	if (!added) {
		struct pci_dev *first = NULL;

		pthread_rwlock_rdlock(&k->m->lock);
		if (!s->bus->removed && !ioda_list_empty(&s->bus->devices))
			first = pci_dev_get(ioda_list_entry(s->bus->devices.next, struct pci_dev,
							    bus_node),
					    HOLDER);
		pthread_rwlock_unlock(&k->m->lock);
		if (first)
			ioda_eeh_isolate_dev_pe(k, first);
		pci_dev_put(first, HOLDER);
	}
	ioda_printf(k, IODA_LOG_INFO, "pci %s: PCI slot [%s] %s (IRQ: %u)",
		    slot_owner(s), s->name, added ? "added" : "removed",
		    s->msi.hwirq);
	return added ? enable(k, s, true) : disable(k, s);
}

int ioda_php_pull(struct ioda_kernel *k, const char *name)
{
	struct php_slot *s;
	int rc = -ENOENT;

	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s)
		rc = ioda_opal_slot_pull(k->opal, s->id);
	if (!rc && s->has_irq)
		rc = slot_event(k, s, false);
	ioda_unlock_rescan_remove(k);
	return rc;
}

int ioda_php_insert(struct ioda_kernel *k, const char *name, const struct ioda_topo_node *card)
{
	struct ioda_topo_node *copy;
	struct php_slot *s;
	int rc = -ENOENT;

	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s) {
		rc = ioda_topo_nodes_clone(k->ctx, card, &copy);
		if (!rc)
			rc = ioda_opal_slot_insert(k->opal, s->id, copy);
	}
	if (!rc && s->has_irq)
		rc = slot_event(k, s, true);
	ioda_unlock_rescan_remove(k);
	return rc;
}

int ioda_php_reset(struct ioda_kernel *k, const char *name)
{
	struct php_slot *s;
	int rc = -ENOENT;

	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s && (!since(k, 5, 4) || !s->bridge))
		rc = -ENOTTY;
	else if (s)
		/* pnv_eeh_bridge_reset(): ibm,reset-by-firmware, so OPAL's, asserted then polled. */
		rc = opal_pci_reset(k->opal, s->id, OPAL_RESET_PCI_HOT, OPAL_ASSERT_RESET) <
				     OPAL_SUCCESS ? -EIO : 0;
	ioda_unlock_rescan_remove(k);
	return rc;
}

int ioda_php_set_attention(struct ioda_kernel *k, const char *name, unsigned int state)
{
	struct php_slot *s;

	if (state > 1)
		return -EINVAL;
	ioda_lock_rescan_remove(k);
	s = find_slot(k->php, name);
	if (s)
		s->attention = state;
	ioda_unlock_rescan_remove(k);
	return s ? 0 : -ENOENT;
}

struct first_dev {
	char name[16];
};

static int first_dev(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct first_dev *f = arg;

	snprintf(f->name, sizeof(f->name), "%.15s", pci_dev_peek_name(dev));
	return 1;
}

unsigned int ioda_php_audit(struct ioda_kernel *k, ioda_audit_fn fn, void *arg)
{
	unsigned int n = 0;

	ioda_lock_rescan_remove(k);
	for (unsigned int i = 0; k->php && i < k->php->n; i++) {
		const struct php_slot *s = &k->php->slots[i];
		struct ioda_opal_slot_info fw;
		struct first_dev f = { "" };
		char line[200];

		if (ioda_opal_slot_read(k->opal, s->id, &fw) || !fw.switched_off)
			continue;
		pthread_rwlock_rdlock(&k->m->lock);
		if (!s->bus->removed)
			pci_walk_bus_locked(s->bus, first_dev, &f);
		pthread_rwlock_unlock(&k->m->lock);
		if (!f.name[0])
			continue;
		snprintf(line, sizeof(line), "audit: slot %s (%s) is powered off, yet %s is below it",
			 s->name, slot_owner(s), f.name);
		n++;
		if (fn)
			fn(arg, line);
	}
	ioda_unlock_rescan_remove(k);
	return n;
}

bool ioda_php_slot_off_above(struct ioda_kernel *k, const struct pci_bus *bus, char *label,
			     size_t len)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, bus->domain->number);
	struct ioda_opal_slot_info fw;

	for (; bus && bus->self; bus = bus->parent) {
		const struct pci_dev *bridge = bus->self;
		uint64_t id = opal_pci_slot_id(phb_id_of(k, bridge), pci_dev_rid(bridge));

		if (bridge->slot.pluggable && !ioda_opal_slot_read(k->opal, id, &fw) &&
		    fw.switched_off) {
			snprintf(label, len, "%s", bridge->slot.label);
			return true;
		}
	}
	/* A PHB's own slot (OpenCAPI): off fences its link. */
	if (phb && !ioda_opal_slot_read(k->opal, phb->opal_id, &fw) && fw.switched_off) {
		phb_slot_label(NULL, phb->opal_id, label, len);
		return true;
	}
	return false;
}
