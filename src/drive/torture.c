/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda torture: random operations on a generated machine, audited as they go.
 *
 * Each worker draws its operations from its own xorshift stream, so one
 * worker's run depends on its seed alone and replays exactly.  Workers hold
 * references, DMA mappings and removed subtrees across operations, which is
 * what the tracker and the audit are there to check.  With several workers
 * all of them meet at a barrier every audit_every operations; one audits
 * while the others wait.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/hw.h>
#include <ioda/ioda.h>
#include <ioda/opal.h>
#include <ioda/torture.h>

#define MAX_THREADS 64
#define SLOTS 8 /* held references, mappings and removed subtrees, per worker */

struct shared {
	const struct ioda_torture_opts *o;
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
	struct ioda_kernel *k;
	pthread_barrier_t barrier;
	pthread_mutex_t lock; /* failures and what is printed */
	unsigned long failures;
	atomic_ulong reports;
	bool nvlink;
	FILE *null; /* where show writes; NULL: no show */
	struct ioda_topo *booted; /* the machine as it booted, for the rescans */
};

enum op {
	OP_RESCAN,
	OP_LOOKUP, OP_TAKE, OP_DROP, OP_HOT_REMOVE, OP_HOT_ADD, OP_BIND, OP_UNBIND, OP_ENABLE,
	OP_EEH, OP_EEH_AGAIN, OP_EEH_RECOVER, OP_SRIOV, OP_SRIOV_DISABLE, OP_DMA_MAP,
	OP_DMA_UNMAP, OP_DMA_FROM, OP_NPU, OP_ON_HELD, OP_DUMP, OP_SHOW, OP_FIRMWARE, OP_ADVISE,
	OP_SLOT, OP_SLOT_CARD, OP_NR,
};

static const char *const op_names[OP_NR] = {
	"rescan", "lookup", "take", "drop", "hot remove", "hot add", "driver bind", "driver unbind",
	"enable", "eeh", "eeh again", "eeh recover", "sriov", "sriov disable", "dma map",
	"dma unmap", "dma from the device", "npu getters", "on a held device", "pe dump", "show",
	"firmware fails", "advise", "slot power", "slot card",
};

struct mapping {
	struct pci_dev *dev; /* held: "torture tN dma" */
	uint64_t bus_addr;
};

struct removed {
	struct pci_bus *bus; /* held: "torture tN removed" */
	struct ioda_topo_node *nodes;
};

struct worker {
	struct shared *sh;
	unsigned int id;
	uint64_t seed, rng;
	unsigned long ops, step;
	/* Holder names: each worker's own, so the tracker can tell them apart. */
	char h_take[32], h_dma[32], h_rm[32], h_tmp[32];
	uint32_t last_eeh; /* domain << 16 | RID of the last EEH error's device */
	unsigned long count[OP_NR];
	struct pci_dev *held[SLOTS];
	struct mapping maps[SLOTS];
	struct removed removed[SLOTS];
	pthread_t thread;
};

static uint64_t next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned int pick(struct worker *w, unsigned int n)
{
	return n ? (unsigned int)(next(&w->rng) % n) : 0;
}

/* A seed's stream never starts at zero, where xorshift stays. */
static uint64_t stream(uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;

	return s ? s : 1;
}

static void fail(struct worker *w, const char *op, const char *what)
{
	struct shared *sh = w->sh;

	pthread_mutex_lock(&sh->lock);
	sh->failures++;
	fprintf(sh->o->diag, "torture: seed %" PRIu64 " step %lu: %s: %s\n", w->seed, w->step,
		op, what);
	pthread_mutex_unlock(&sh->lock);
}

/* ---- the machine ------------------------------------------------------------ */

/* One endpoint, switch, multifunction slot, SR-IOV NIC or PCI bridge below a root port. */
static void gen_slot(FILE *f, uint64_t *rng, const char *rp_id)
{
	/* Root ports are PowerNV slots, as QEMU's pcie.N under skiboot. */
	fprintf(f, "\tbridge 00.0 %s type=root-port slot=pcie {\n", rp_id);
	switch (next(rng) % 6) {
	case 0:
		break; /* an empty slot */
	case 1:
		fputs("\t\tdevice 00.0 144d:a822 class=0x010802 {\n\t\t\tbar 0 16K mem64\n\t\t}\n",
		      f);
		break;
	case 2:
		fputs("\t\tbridge 00.0 10b5:8725 type=upstream {\n", f);
		/* Every other port a hot-plug slot, and an empty one: sizing's reserves. */
		for (unsigned int i = 0, n = 1 + (unsigned int)(next(rng) % 3); i < n; i++)
			fprintf(f,
				"\t\t\tbridge %02x.0 10b5:8725 type=downstream%s {\n"
				"\t\t\t\tdevice 00.0 1b36:0010 class=0x010802 {\n"
				"\t\t\t\t\tbar 0 16K mem64\n\t\t\t\t}\n\t\t\t}\n",
				i + 1, i % 2 ? " hotplug=yes slot=bay" : "");
		fputs("\t\t\tbridge 08.0 10b5:8725 type=downstream hotplug=yes slot=bay\n\t\t}\n",
		      f);
		break;
	case 3:
		fputs("\t\tdevice 00.0 1af4:1044 class=0x00ff00 mf {\n"
		      "\t\t\tbar 1 4K\n\t\t\tbar 4 16K mem64 pref\n\t\t}\n"
		      "\t\tdevice 00.1 8086:10d3 class=0x020000 {\n\t\t\tbar 0 128K\n\t\t}\n",
		      f);
		break;
	case 4:
		fputs("\t\tdevice 00.0 15b3:1017 class=0x020000 {\n"
		      "\t\t\tbar 0 32M mem64 pref\n"
		      "\t\t\tsriov vfs=8 offset=1 stride=1 vf-device=1018\n"
		      "\t\t\tvf-bar 0 1M mem64 pref\n\t\t}\n",
		      f);
		break;
	default:
		fputs("\t\tbridge 00.0 1a03:1150 type=pcie-pci {\n"
		      "\t\t\tdevice 00.0 1a03:2000 class=0x030000 type=pci {\n"
		      "\t\t\t\tbar 0 32M\n\t\t\t\tbar 1 128K\n\t\t\t}\n\t\t}\n",
		      f);
		break;
	}
	fputs("\t}\n", f);
}

/* PHB3s of a POWER8, or PHB4s or PHB5s: two to six of them. */
char *ioda_torture_topology(uint64_t seed, size_t *len)
{
	static const struct {
		const char *gen, *rp;
		unsigned int pes;
	} gens[] = {
		{"phb3", "1014:03dc", 256},
		{"phb4", "1014:04c1", 512},
		{"phb5", "1014:0652", 512},
	};
	uint64_t rng = stream(seed);
	unsigned int g = (unsigned int)(next(&rng) % 3), n = 2 + (unsigned int)(next(&rng) % 5);
	char *text = NULL;
	FILE *f;

	if (seed % 3 == 0)
		return NULL;
	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	fputs("machine memory=4G\n", f);
	for (unsigned int i = 0; i < n; i++) {
		fprintf(f, "phb %04x gen=%s pes=%u {\n", i, gens[g].gen,
			g && i % 3 ? 256 : gens[g].pes);
		gen_slot(f, &rng, gens[g].rp);
		fputs("}\n", f);
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static void on_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	struct shared *sh = arg;

	atomic_fetch_add(&sh->reports, 1);
	pthread_mutex_lock(&sh->lock);
	fprintf(sh->o->diag, "torture: %s\n", line);
	pthread_mutex_unlock(&sh->lock);
}

/* ---- operations ------------------------------------------------------------- */

/*
 * The rare objects, which a uniform pick seldom reaches: root ports and
 * other bridges, VFs, NVLink links and OpenCAPI functions (every function
 * of the NPU PHBs' root buses), GPUs.
 */
static bool rare(const struct pci_dev *dev)
{
	return dev->hdr_type == 1 || dev->is_virtfn || !dev->bus->parent ||
	       (dev->class >> 8) == 0x0302;
}

struct find {
	unsigned int n, want;
	struct pci_dev *dev;
	const char *holder;
	bool rare_only;
};

static int find_nth(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct find *f = arg;

	if (f->rare_only && !rare(dev))
		return 0;
	if (f->n++ != f->want)
		return 0;
	f->dev = pci_dev_get(dev, f->holder);
	return 1;
}

/*
 * A random device of the machine as it stands, counted for @holder; NULL if
 * none.  One pick in three is among the rare objects.
 */
static struct pci_dev *get_random_dev(struct worker *w, const char *holder)
{
	struct find f = {.want = UINT32_MAX, .holder = holder, .rare_only = !pick(w, 3)};

	pci_walk_machine(w->sh->m, find_nth, &f);
	if (!f.n && f.rare_only) {
		f.rare_only = false;
		pci_walk_machine(w->sh->m, find_nth, &f);
	}
	f.want = pick(w, f.n);
	f.n = 0;
	pci_walk_machine(w->sh->m, find_nth, &f);
	return f.dev;
}

/* Slots of held things, by their first member: a pointer, NULL when free. */
static int free_slot(void *const *slots, size_t stride)
{
	for (int i = 0; i < SLOTS; i++)
		if (!*(void *const *)((const char *)slots + (size_t)i * stride))
			return i;
	return -1;
}

static int used_slot(struct worker *w, void *const *slots, size_t stride)
{
	int start = (int)pick(w, SLOTS);

	for (int i = 0; i < SLOTS; i++) {
		int j = (start + i) % SLOTS;

		if (*(void *const *)((const char *)slots + (size_t)j * stride))
			return j;
	}
	return -1;
}

#define FREE_SLOT(arr) free_slot((void *const *)&(arr)[0], sizeof((arr)[0]))
#define USED_SLOT(w, arr) used_slot(w, (void *const *)&(arr)[0], sizeof((arr)[0]))

static void op_take(struct worker *w)
{
	int i = FREE_SLOT(w->held);

	if (i >= 0)
		w->held[i] = get_random_dev(w, w->h_take);
}

static void op_drop(struct worker *w)
{
	int i = USED_SLOT(w, w->held);

	if (i < 0)
		return;
	/* What it holds may have been removed meanwhile: still valid, and used once more. */
	ioda_ref_use(&w->held[i]->ref, w->h_take);
	pci_dev_put(w->held[i], w->h_take);
	w->held[i] = NULL;
}

static void op_hot_remove(struct worker *w, struct pci_dev *dev)
{
	struct removed *r;
	int i = FREE_SLOT(w->removed);

	/* A rescan never finds a VF again: nothing to keep. */
	if (i < 0 || dev->is_virtfn) {
		ioda_hot_remove(w->sh->k, dev);
		return;
	}
	r = &w->removed[i];
	if (pci_describe_dev(w->sh->m, dev, &r->nodes))
		return;
	r->bus = pci_dev_get_bus(dev, w->h_rm);
	if (ioda_hot_remove(w->sh->k, dev)) {
		ioda_topo_nodes_free(w->sh->ctx, r->nodes);
		pci_bus_put(r->bus, w->h_rm);
		r->nodes = NULL;
		r->bus = NULL;
	}
}

/* A rescan finds what was removed; its bus may be gone, or its slot taken again. */
static void op_hot_add(struct worker *w)
{
	struct ioda_error err;
	struct removed *r;
	int i = USED_SLOT(w, w->removed);

	if (i < 0)
		return;
	r = &w->removed[i];
	ioda_hot_add(w->sh->k, r->bus, r->nodes, NULL, NULL, &err);
	ioda_topo_nodes_free(w->sh->ctx, r->nodes);
	pci_bus_put(r->bus, w->h_rm);
	r->nodes = NULL;
	r->bus = NULL;
}

static void op_dma_map(struct worker *w, struct pci_dev *dev)
{
	struct mapping *mp;
	int i = FREE_SLOT(w->maps);

	if (i < 0)
		return;
	mp = &w->maps[i];
	if (ioda_dma_map(w->sh->k, dev, (uint64_t)pick(w, 1u << 14) << 16,
			 (enum ioda_dma_dir)pick(w, 3), &mp->bus_addr))
		return;
	mp->dev = pci_dev_get(dev, w->h_dma);
}

static void op_dma_unmap(struct worker *w)
{
	int i = USED_SLOT(w, w->maps);

	if (i < 0)
		return;
	ioda_dma_unmap(w->sh->k, w->maps[i].dev, w->maps[i].bus_addr);
	pci_dev_put(w->maps[i].dev, w->h_dma);
	w->maps[i].dev = NULL;
}

static void op_npu(struct worker *w, struct pci_dev *dev)
{
	struct pci_dev *other = ioda_npu_get_gpu(w->sh->k, dev, w->h_tmp);

	if (other)
		pci_dev_put(other, w->h_tmp);
	other = ioda_gpu_get_npu(w->sh->k, dev, pick(w, 3), w->h_tmp);
	if (other)
		pci_dev_put(other, w->h_tmp);
}

/* Whether @bus has a function at @devfn. */
static bool has_devfn(struct pci_bus *bus, uint8_t devfn)
{
	const struct pci_dev *dev;

	ioda_list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->devfn == devfn)
			return true;
	return false;
}

/*
 * echo 1 > /sys/bus/pci/rescan, for one root port: what was below it at
 * boot and is missing now (removed, or lost to EEH) is found again.
 */
static void op_rescan(struct worker *w)
{
	const struct ioda_topo_phb *phb = w->sh->booted->phbs;
	struct ioda_error err;
	struct pci_dev *rp;

	for (unsigned int i = pick(w, 8); phb && i; i--)
		phb = phb->next ? phb->next : w->sh->booted->phbs;
	if (!phb || !phb->devices || !phb->devices->hdr_type)
		return;
	rp = pci_get_domain_bus_and_slot(w->sh->m, phb->domain, 0, phb->devices->devfn,
					 w->h_tmp);
	if (!rp)
		return;
	for (const struct ioda_topo_node *n = phb->devices->children; n; n = n->next) {
		struct ioda_topo_node one = *n;
		struct pci_bus *bus = NULL;

		/* The root port may go meanwhile (EEH on another thread): hold its bus. */
		pthread_rwlock_rdlock(&w->sh->m->lock);
		if (rp->subordinate && !has_devfn(rp->subordinate, n->devfn))
			bus = pci_bus_get(rp->subordinate, w->h_tmp);
		pthread_rwlock_unlock(&w->sh->m->lock);
		one.next = NULL; /* this function and what is below it */
		if (bus) {
			ioda_hot_add(w->sh->k, bus, &one, NULL, NULL, &err);
			pci_bus_put(bus, w->h_tmp);
		}
	}
	pci_dev_put(rp, w->h_tmp);
}

/* --verbose: each operation and the device it picked. */
static void trace(struct worker *w, enum op op, struct pci_dev *dev)
{
	struct shared *sh = w->sh;

	if (!sh->o->verbose)
		return;
	pthread_mutex_lock(&sh->lock);
	fprintf(sh->o->out, "torture: seed %" PRIu64 " step %lu: %s %s\n", w->seed, w->step,
		op_names[op], dev ? pci_dev_peek_name(dev) : "");
	pthread_mutex_unlock(&sh->lock);
}

/* An EEH error of a random kind (fences seldom) in @dev's PE; the event thread runs. */
static void op_eeh(struct worker *w, struct pci_dev *dev)
{
	static const enum ioda_eeh_inject kinds[] = {
		IODA_EEH_FREEZE, IODA_EEH_FREEZE, IODA_EEH_BAD_DMA, IODA_EEH_BAD_DMA,
		IODA_EEH_MMIO_LOAD, IODA_EEH_DMA_LOAD, IODA_EEH_FENCE,
	};
	struct ioda_kernel *k = w->sh->k;

	ioda_eeh_inject(k, dev, kinds[pick(w, sizeof(kinds) / sizeof(kinds[0]))]);
	ioda_eeh_poll(k);
	w->last_eeh = pci_dev_rid(dev) | (uint32_t)pci_dev_peek_domain_nr(dev) << 16;
}

/*
 * A DMA by the device through its PHB, at a bus address the worker mapped
 * (perhaps for another device) or anywhere: a fault freezes the PE.
 */
static void op_dma_from(struct worker *w, struct pci_dev *dev)
{
	struct ioda_kernel *k = w->sh->k;
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));
	int i = USED_SLOT(w, w->maps);
	uint64_t addr = i >= 0 ? w->maps[i].bus_addr : (uint64_t)pick(w, 1u << 16) << 12;
	struct ioda_dma_result res;

	if (!phb)
		return;
	ioda_hw_dma(ioda_opal_phb(k->opal, phb->opal_id), pci_dev_rid(dev), addr, pick(w, 2),
		    &res);
	ioda_eeh_poll(k);
}

/* The device the last EEH error hit, again: repeated freezes of one PE. */
static struct pci_dev *get_last_eeh_dev(struct worker *w)
{
	if (w->last_eeh == UINT32_MAX)
		return NULL;
	return pci_get_domain_bus_and_slot(w->sh->m, (int)(w->last_eeh >> 16),
					   (w->last_eeh >> 8) & 0xff, w->last_eeh & 0xff,
					   w->h_tmp);
}

/* An operation on a device the worker holds, which may have been removed meanwhile. */
static void op_on_held(struct worker *w)
{
	struct ioda_kernel *k = w->sh->k;
	int i = used_slot(w, (void *const *)w->held, sizeof(w->held[0]));
	struct pci_dev *dev;

	if (i < 0)
		return;
	dev = w->held[i];
	switch (pick(w, 5)) {
	case 0:
		ioda_driver_bind(k, dev, "torture", IODA_DRIVER_RECOVERS);
		break;
	case 1:
		ioda_enable_device(k, dev);
		break;
	case 2:
		op_eeh(w, dev);
		break;
	case 3:
		op_dma_map(w, dev);
		break;
	default:
		ioda_hot_remove(k, dev);
		break;
	}
}

/*
 * The next call of one of the calls that set up or tear down a PE fails
 * (on whichever thread makes it): PEs retired, windows and segments left
 * unmapped, thaws that do not happen — the states only a failing firmware
 * reaches.  Not tce_kill: the kernel ignores its failure, and the stale
 * TCE it leaves is an audit finding by design (docs/policy.md).
 */
static void op_firmware_fails(struct worker *w)
{
	static const unsigned int calls[] = {
		OPAL_PCI_SET_PE,	    OPAL_PCI_SET_PELTV,		     OPAL_PCI_MAP_PE_MMIO_WINDOW,
		OPAL_PCI_MAP_PE_DMA_WINDOW, OPAL_PCI_MAP_PE_DMA_WINDOW_REAL, OPAL_PCI_EEH_FREEZE_CLEAR,
		OPAL_PCI_PHB_MMIO_ENABLE,
	};

	ioda_opal_fail_calls(w->sh->k->opal, calls[pick(w, sizeof(calls) / sizeof(calls[0]))], 1);
}

/* A random slot of pnv_php's; false when it has none, or it went meanwhile. */
static bool pick_slot(struct worker *w, struct ioda_php_slot_info *slot)
{
	unsigned int n = 0;

	while (ioda_php_slot_at(w->sh->k, n, slot))
		n++;
	return n && ioda_php_slot_at(w->sh->k, pick(w, n), slot);
}

/* A slot operation's answer that no other thread explains. */
static void slot_fail(struct worker *w, const char *op, const char *slot, int rc)
{
	char what[96];

	snprintf(what, sizeof(what), "%s: %s", slot, strerror(-rc));
	fail(w, op, what);
}

/*
 * A slot's power toggled through pnv_php (echo 0|1 > .../power): a
 * populated slot goes off, any other on.  The kernel's answers to a slot
 * another thread emptied or removed: -ENODEV, -ENOENT (gone with its parent
 * slot), -EIO (a firmware call failing on purpose).
 */
static void op_slot(struct worker *w)
{
	struct ioda_php_slot_info slot;
	int rc;

	if (!pick_slot(w, &slot))
		return;
	rc = ioda_php_set_power(w->sh->k, slot.name, slot.state != IODA_PHP_POPULATED);
	if (rc && rc != -ENODEV && rc != -ENOENT && rc != -EIO)
		slot_fail(w, "slot power", slot.name, rc);
}

/*
 * A card pulled out of a random slot, or an NVMe drive pushed into an empty
 * one (the hardware; a surprise slot's interrupt tells pnv_php).  -EBUSY
 * when another thread emptied or filled it first, -ENOENT when the slot
 * went with its parent's.
 */
static void op_slot_card(struct worker *w)
{
	static const char card[] = "device 00.0 144d:a822 class=0x010802 {\n\tbar 0 16K mem64\n}\n";
	struct ioda_kernel *k = w->sh->k;
	struct ioda_php_slot_info slot;
	struct ioda_topo_node *nodes;
	struct ioda_error err;
	int rc;

	if (!pick_slot(w, &slot))
		return;
	if (slot.present) {
		rc = ioda_php_pull(k, slot.name);
	} else {
		rc = ioda_topo_parse_nodes(w->sh->ctx, "card.topo", card, sizeof(card) - 1, 1, false,
					   &nodes, &err);
		if (!rc) {
			rc = ioda_php_insert(k, slot.name, nodes);
			ioda_topo_nodes_free(w->sh->ctx, nodes);
		}
	}
	if (rc && rc != -EBUSY && rc != -ENOENT && rc != -ENODEV && rc != -EIO)
		slot_fail(w, "slot card", slot.name, rc);
}

/*
 * The passthrough advisor on a device another thread may be removing: it
 * answers, or says the device is gone or has no group; never a stale one.
 */
static void op_advise(struct worker *w, struct pci_dev *dev)
{
	const char *bdf = pci_dev_peek_name(dev);
	struct ioda_advice *a;
	struct ioda_error err;
	int rc = ioda_advise(w->sh->k, &bdf, 1, &a, &err);

	if (rc && rc != -ENODEV && rc != -ENOENT)
		fail(w, "advise", err.msg);
	else if (!rc && a->asked[0].iommu_group < 0)
		fail(w, "advise", "a device without an iommu group was advised on");
	ioda_advice_free(a);
}

static void run_op(struct worker *w, enum op op)
{
	struct ioda_kernel *k = w->sh->k;
	struct pci_dev *dev = NULL;

	switch (op) {
	case OP_TAKE:
		trace(w, op, NULL);
		return op_take(w);
	case OP_DROP:
		trace(w, op, NULL);
		return op_drop(w);
	case OP_HOT_ADD:
		trace(w, op, NULL);
		return op_hot_add(w);
	case OP_DMA_UNMAP:
		trace(w, op, NULL);
		return op_dma_unmap(w);
	case OP_RESCAN:
		trace(w, op, NULL);
		return op_rescan(w);
	case OP_ON_HELD:
		trace(w, op, NULL);
		return op_on_held(w);
	case OP_FIRMWARE:
		trace(w, op, NULL);
		return op_firmware_fails(w);
	case OP_SLOT:
		trace(w, op, NULL);
		return op_slot(w);
	case OP_SLOT_CARD:
		trace(w, op, NULL);
		return op_slot_card(w);
	case OP_SHOW:
		trace(w, op, NULL);
		if (w->sh->null)
			ioda_show_text(k, w->sh->null);
		return;
	case OP_EEH_AGAIN:
		dev = get_last_eeh_dev(w);
		break;
	default:
		dev = get_random_dev(w, w->h_tmp);
		break;
	}
	if (!dev)
		return;
	trace(w, op, dev);
	switch (op) {
	case OP_HOT_REMOVE:
		op_hot_remove(w, dev);
		break;
	case OP_BIND:
		ioda_driver_bind(k, dev, "torture", (enum ioda_driver_kind)pick(w, 3));
		break;
	case OP_UNBIND:
		ioda_driver_unbind(k, dev);
		break;
	case OP_ENABLE:
		ioda_enable_device(k, dev);
		break;
	case OP_EEH:
	case OP_EEH_AGAIN:
		op_eeh(w, dev);
		break;
	case OP_EEH_RECOVER: {
		/* The PE number as debugfs would be told it: read under the rescan lock. */
		unsigned int pe;

		ioda_lock_rescan_remove(k);
		pe = dev->pe_number;
		ioda_unlock_rescan_remove(k);
		if (pe != IODA_INVALID_PE)
			ioda_eeh_force_recover(k, pci_dev_peek_domain_nr(dev), pe);
		break;
	}
	case OP_SRIOV:
		if (dev->sriov.total_vfs && ioda_sriov_enable(k, dev, 1 + pick(w, 4)) == -EBUSY)
			ioda_sriov_disable(k, dev);
		break;
	case OP_SRIOV_DISABLE:
		ioda_sriov_disable(k, dev);
		break;
	case OP_DMA_MAP:
		op_dma_map(w, dev);
		break;
	case OP_NPU:
		op_npu(w, dev);
		break;
	case OP_DMA_FROM:
		op_dma_from(w, dev);
		break;
	case OP_DUMP:
		ioda_dump_pe_state(k, pci_dev_peek_domain_nr(dev));
		break;
	case OP_ADVISE:
		op_advise(w, dev);
		break;
	default: /* OP_LOOKUP: the get and put are the operation */
		break;
	}
	pci_dev_put(dev, w->h_tmp);
}

/* Lets go of everything the worker still holds. */
static void worker_release(struct worker *w)
{
	for (int i = 0; i < SLOTS; i++) {
		if (w->held[i])
			pci_dev_put(w->held[i], w->h_take);
		if (w->maps[i].dev) {
			ioda_dma_unmap(w->sh->k, w->maps[i].dev, w->maps[i].bus_addr);
			pci_dev_put(w->maps[i].dev, w->h_dma);
		}
		if (w->removed[i].bus) {
			ioda_topo_nodes_free(w->sh->ctx, w->removed[i].nodes);
			pci_bus_put(w->removed[i].bus, w->h_rm);
		}
	}
	memset(w->held, 0, sizeof(w->held));
	memset(w->maps, 0, sizeof(w->maps));
	memset(w->removed, 0, sizeof(w->removed));
}

static void on_violation(void *arg, const char *line)
{
	fail(arg, "audit", line);
}

/* All workers meet; one audits. */
static void meet(struct worker *w)
{
	struct shared *sh = w->sh;
	int rc = 1;

	if (sh->o->threads > 1)
		rc = pthread_barrier_wait(&sh->barrier);
	if (rc == PTHREAD_BARRIER_SERIAL_THREAD || sh->o->threads <= 1)
		ioda_audit(sh->k, on_violation, w);
	if (sh->o->threads > 1)
		pthread_barrier_wait(&sh->barrier);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	/* The NVLink getters only where there are links; hot remove less often. */
	static const unsigned char weights[OP_NR] = {
		[OP_RESCAN] = 2, [OP_LOOKUP] = 3, [OP_TAKE] = 3, [OP_DROP] = 3, [OP_HOT_REMOVE] = 2,
		[OP_HOT_ADD] = 3, [OP_BIND] = 2, [OP_UNBIND] = 2, [OP_ENABLE] = 1,
		[OP_EEH] = 2, [OP_EEH_AGAIN] = 1, [OP_EEH_RECOVER] = 1, [OP_SRIOV] = 2,
		[OP_SRIOV_DISABLE] = 1, [OP_DMA_MAP] = 3, [OP_DMA_UNMAP] = 3, [OP_NPU] = 2,
		[OP_ON_HELD] = 2, [OP_DUMP] = 1, [OP_FIRMWARE] = 1, [OP_DMA_FROM] = 2,
		[OP_SHOW] = 1, [OP_ADVISE] = 1, [OP_SLOT] = 2, [OP_SLOT_CARD] = 1,
	};
	unsigned int total = 0;

	for (int i = 0; i < OP_NR; i++)
		total += i == OP_NPU && !sh->nvlink ? 0 : weights[i];
	for (w->step = 1; w->step <= w->ops; w->step++) {
		unsigned int r = pick(w, total);
		unsigned long before = atomic_load(&sh->reports);
		enum op op = 0;

		while (r >= (op == OP_NPU && !sh->nvlink ? 0u : weights[op])) {
			r -= op == OP_NPU && !sh->nvlink ? 0u : weights[op];
			op++;
		}
		run_op(w, op);
		w->count[op]++;
		if (atomic_load(&sh->reports) != before)
			fail(w, op_names[op], "the tracker reported (above)");
		if (sh->o->audit_every && w->step % sh->o->audit_every == 0)
			meet(w);
	}
	worker_release(w);
	return NULL;
}

static int build(struct shared *sh, struct ioda_error *err)
{
	/* Odd seeds boot with reserves large enough to make M32 tight, and realloc. */
	struct ioda_boot_opts bo = {
		.kernel = "6.1",
		.cmdline = sh->o->seed % 2 ? "pci=hpmemsize=256M,realloc" : NULL,
	};
	size_t len = 0;
	char *text;
	int rc;

	sh->nvlink = sh->o->seed % 3 == 0;
	if (sh->nvlink) {
		rc = ioda_load_example(sh->ctx, &sh->m, err);
		bo.kernel = NULL; /* the newest with NVLink */
	} else {
		text = ioda_torture_topology(sh->o->seed, &len);
		if (!text) {
			ioda_error_set(err, "torture: out of memory");
			return -ENOMEM;
		}
		rc = ioda_load_machine_buf(sh->ctx, "torture.topo", text, len, IODA_INPUT_TOPO,
					   &sh->m, err);
		free(text);
	}
	if (!rc) {
		rc = ioda_kernel_boot(sh->m, &bo, NULL, NULL, &sh->k, err);
		if (!rc)
			rc = pci_describe_machine(sh->m, &sh->booted);
		if (!rc)
			rc = ioda_php_load(sh->k);
		if (rc) {
			ioda_kernel_free(sh->k);
			sh->k = NULL;
			ioda_machine_free(sh->m);
			sh->m = NULL;
			if (rc == -ENOMEM)
				ioda_error_set(err, "torture: out of memory");
		}
	}
	return rc;
}

long ioda_torture_run(const struct ioda_torture_opts *o, struct ioda_error *err)
{
	struct shared sh = {.o = o};
	unsigned int threads = o->threads ? o->threads : 1;
	unsigned long per = o->ops / threads, leaks;
	struct worker *w;
	long rc;

	if (threads > MAX_THREADS) {
		ioda_error_set(err, "torture: at most %d threads", MAX_THREADS);
		return -EINVAL;
	}
	w = calloc(threads, sizeof(*w));
	sh.ctx = ioda_ctx_new();
	if (!w || !sh.ctx) {
		free(w);
		ioda_ctx_free(sh.ctx);
		ioda_error_set(err, "torture: out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&sh.lock, NULL);
	sh.null = fopen("/dev/null", "w");
	ioda_ctx_set_report(sh.ctx, on_report, &sh);
	rc = build(&sh, err);
	if (rc)
		goto out;
	pthread_barrier_init(&sh.barrier, NULL, threads);
	for (unsigned int i = 0; i < threads; i++) {
		w[i] = (struct worker){.sh = &sh, .id = i, .ops = per, .last_eeh = UINT32_MAX};
		w[i].seed = threads == 1 ? o->seed : o->seed * 1000 + i;
		w[i].rng = stream(w[i].seed);
		snprintf(w[i].h_take, sizeof(w[i].h_take), "torture t%u take", i);
		snprintf(w[i].h_dma, sizeof(w[i].h_dma), "torture t%u dma", i);
		snprintf(w[i].h_rm, sizeof(w[i].h_rm), "torture t%u removed", i);
		snprintf(w[i].h_tmp, sizeof(w[i].h_tmp), "torture t%u lookup", i);
		if (threads > 1)
			fprintf(o->out, "torture: thread %u: seed %" PRIu64 ", %lu ops\n", i,
				w[i].seed, per);
	}
	if (threads == 1) {
		worker_main(&w[0]);
	} else {
		for (unsigned int i = 0; i < threads; i++)
			pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
		for (unsigned int i = 0; i < threads; i++)
			pthread_join(w[i].thread, NULL);
	}
	pthread_barrier_destroy(&sh.barrier);
	ioda_opal_fail_calls(sh.k->opal, 0, 0); /* the firmware well again for the teardown */
	w[0].step = per;
	ioda_audit(sh.k, on_violation, &w[0]);
	ioda_topo_free(sh.ctx, sh.booted);
	ioda_kernel_free(sh.k);
	leaks = ioda_machine_free(sh.m);
	if (leaks)
		fail(&w[0], "teardown", "references left (above)");
	if (ioda_mem_live_bytes(sh.ctx))
		fail(&w[0], "teardown", "memory left live");
	fprintf(o->out, "torture: by operation:");
	for (unsigned int op = 0; op < OP_NR; op++) {
		unsigned long n = 0;

		for (unsigned int i = 0; i < threads; i++)
			n += w[i].count[op];
		fprintf(o->out, "%s %s %lu", op ? "," : "", op_names[op], n);
	}
	fprintf(o->out, "\n");
	fprintf(o->out, "torture: %lu ops, %lu failures\n", per * threads, sh.failures);
	rc = (long)sh.failures;
out:
	if (sh.null)
		fclose(sh.null);
	ioda_ctx_free(sh.ctx);
	pthread_mutex_destroy(&sh.lock);
	free(w);
	return rc;
}
