/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operation x object x state matrix.  One boot finds an object of each
 * kind; then each cell (a state reached by some steps, an operation, alone,
 * twice or followed by its inverse) is written as a scenario and run in the
 * tolerant mode under the audit, on as many threads as asked, each run in a
 * context of its own.  A run passes when nothing but refusals that changed
 * nothing happened, the audit stayed silent and teardown found no leak but
 * those the refcount rule is known for (a device pinned by a "never put"
 * holder of v5.5/v5.6, with its bus and domain).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/matrix.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

#include "kernel/kernel_priv.h"

static const char *const kind_names[IODA_MX_KINDS] = {
	[IODA_MX_ROOT_PORT] = "root port",
	[IODA_MX_UPSTREAM] = "switch upstream port",
	[IODA_MX_DOWNSTREAM] = "switch downstream port",
	[IODA_MX_PCIE_TO_PCI] = "PCIe-to-PCI bridge",
	[IODA_MX_PCI_PCI] = "PCI-PCI bridge",
	[IODA_MX_ENDPOINT] = "endpoint",
	[IODA_MX_FUNCTION] = "multifunction function",
	[IODA_MX_PF] = "SR-IOV PF",
	[IODA_MX_VF] = "VF",
	[IODA_MX_GPU] = "GPU",
	[IODA_MX_NVLINK] = "NVLink link",
	[IODA_MX_OPENCAPI] = "OpenCAPI function",
	[IODA_MX_PHB] = "PHB",
};

const char *ioda_matrix_kind_name(enum ioda_matrix_kind kind)
{
	return (unsigned int)kind < IODA_MX_KINDS ? kind_names[kind] : "?";
}

/* One object: the words a scenario names it and its surroundings by. */
struct object {
	bool found;
	char dev[32];	 /* DDDD:BB:DD.F; the PHB: its root port */
	char pe[16];	 /* DDDD:PE, the object's PE at boot (the PHB: its root PE) */
	char bus[32];	 /* DDDD:BB, the bus it is on */
	char domain[8];	 /* DDDD */
	char *readd;	 /* its subtree as topology text, for a hot add block */
};

/*
 * The states an object is put in before the operation.  {T} is the object,
 * {P} its PE, {PF} the machine's PF; a state may rename the object (a name
 * held across its removal).
 */
struct state {
	const char *name;
	const char *steps;
	const char *target; /* the object's word afterwards; NULL: {T} still */
	bool device;	    /* needs the object to be a device (not the PHB) */
	bool pf;	    /* needs a PF on the machine */
};

static const struct state states[] = {
	{ "fresh", "", NULL, false, false },
	{ "bound", "driver bind {T} mx recovers\n", NULL, true, false },
	{ "bound without handlers", "driver bind {T} mx no-handlers\n", NULL, true, false },
	{ "recovered once", "eeh inject {T} freeze\n", NULL, true, false },
	{ "failed for good", "eeh max-freezes 0\neeh inject {T} freeze\n", NULL, true, false },
	{ "removed but held", "take held {T}\nhot remove {T}\n", "held", true, false },
	{ "after a PHB fence", "eeh inject {P} fence\n", NULL, false, false },
	{ "with VFs enabled", "sriov enable {PF} 2\n", NULL, false, true },
	/* The firmware failed to unmap its PE at removal: found again, beside a retired PE. */
	{ "re-added beside its retired PE",
	  "opal fail set_pe 1\nhot remove {T}\nopal fail set_pe 0\nhot add {B} {\n{ADD}}\n", NULL,
	  true, false },
};

#define NSTATES (sizeof(states) / sizeof(states[0]))

/* An operation, its inverse ("": none) and whether it needs a device. */
struct op {
	const char *name;
	const char *steps;
	const char *inverse;
	bool device;
};

static const struct op ops[] = {
	{ "hot remove", "hot remove {T}\n", "hot add {B} {\n{ADD}}\n", true },
	{ "hot add", "hot add {B} {\n{ADD}}\n", "hot remove {T}\n", true },
	{ "driver bind", "driver bind {T} mx recovers\n", "driver unbind {T}\n", true },
	{ "driver bind without handlers", "driver bind {T} mx no-handlers\n",
	  "driver unbind {T}\n", true },
	{ "driver bind, disconnects", "driver bind {T} mx disconnects\n", "driver unbind {T}\n",
	  true },
	{ "driver unbind", "driver unbind {T}\n", "driver bind {T} mx recovers\n", true },
	{ "enable", "enable {T}\n", "", true },
	{ "eeh freeze", "eeh inject {T} freeze\n", "eeh recover {P}\n", true },
	{ "eeh bad DMA", "eeh inject {T} bad-dma\n", "eeh recover {P}\n", true },
	{ "eeh MMIO load", "eeh inject {T} mmio-load\n", "eeh recover {P}\n", true },
	{ "eeh DMA load", "eeh inject {T} dma-load\n", "eeh recover {P}\n", true },
	{ "eeh PE freeze", "eeh inject {P} freeze\n", "eeh recover {P}\n", false },
	{ "eeh PHB fence", "eeh inject {P} fence\n", "", false },
	{ "eeh recover", "eeh recover {P}\n", "", false },
	{ "sriov enable", "sriov enable {T} 2\n", "sriov disable {T}\n", true },
	{ "sriov disable", "sriov disable {T}\n", "sriov enable {T} 2\n", true },
	{ "reference take", "take t{N} {T}\n", "drop t{N}\n", true },
	{ "dma map", "dma map m{N} {T} 0x10000\n", "dma unmap m{N}\n", true },
	{ "dma from the device", "dma from {T} 0x0 write\n", "", true },
	{ "NVLink GPU lookup", "npu gpu g{N} {T}\n", "drop g{N}\n", true },
	{ "PE dump", "dump {D}\n", "", false },
	{ "show", "show\n", "", false },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

enum seq { SEQ_ONCE, SEQ_TWICE, SEQ_INVERSE, NSEQ };

struct matrix {
	const struct ioda_matrix_opts *o;
	struct ioda_ctx *ctx; /* owns the description and the objects' texts */
	struct ioda_topo *topo;
	struct object obj[IODA_MX_KINDS];
	char pf[32]; /* the PF whose VFs the "with VFs enabled" state makes */
	unsigned long cells;
	atomic_ulong next;
	pthread_mutex_t lock; /* @res and @o->diag */
	struct ioda_matrix_result *res;
};

/* ---- the objects --------------------------------------------------------------------------- */

static enum ioda_matrix_kind kind_of(struct ioda_kernel *k, const struct pci_dev *dev)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, pci_dev_peek_domain_nr(dev));

	if (phb && phb->type == IODA_PNV_PHB_NPU_NVLINK)
		return IODA_MX_NVLINK;
	if (phb && phb->type == IODA_PNV_PHB_NPU_OCAPI)
		return IODA_MX_OPENCAPI;
	if (dev->is_virtfn)
		return IODA_MX_VF;
	if (dev->hdr_type == 1) {
		switch (dev->pcie_type) {
		case PCIE_TYPE_ROOT_PORT:
			return IODA_MX_ROOT_PORT;
		case PCIE_TYPE_UPSTREAM:
			return IODA_MX_UPSTREAM;
		case PCIE_TYPE_DOWNSTREAM:
			return IODA_MX_DOWNSTREAM;
		case PCIE_TYPE_PCI_BRIDGE:
			return IODA_MX_PCIE_TO_PCI;
		default:
			return IODA_MX_PCI_PCI;
		}
	}
	if (dev->sriov.total_vfs)
		return IODA_MX_PF;
	if ((dev->class >> 8) == 0x0302)
		return IODA_MX_GPU;
	if (PCI_FUNC(dev->devfn))
		return IODA_MX_FUNCTION;
	return IODA_MX_ENDPOINT;
}

static void clear_labels(struct ioda_topo_node *n)
{
	for (; n; n = n->next) {
		n->label[0] = '\0';
		clear_labels(n->children);
	}
}

/* The device's subtree as topology text, labels left out (they name the old one). */
static char *readd_text(struct ioda_machine *m, const struct pci_dev *dev)
{
	struct ioda_topo_node *node = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (pci_describe_dev(m, dev, &node))
		return NULL;
	clear_labels(node);
	f = open_memstream(&text, &len);
	if (f) {
		ioda_topo_write_nodes(f, node, 1);
		if (fclose(f)) {
			free(text);
			text = NULL;
		}
	}
	ioda_topo_node_free(m->ctx, node);
	return text;
}

static void note_object(struct ioda_kernel *k, struct object *ob, const struct pci_dev *dev)
{
	struct ioda_pe *pe = ioda_dev_peek_pe(k, dev);
	int domain = pci_dev_peek_domain_nr(dev);

	ob->found = true;
	snprintf(ob->dev, sizeof(ob->dev), "%s", dev->ref.name);
	snprintf(ob->pe, sizeof(ob->pe), "%04x:%x", domain, pe ? pe->pe_number : 0);
	snprintf(ob->bus, sizeof(ob->bus), "%s", dev->bus->ref.name);
	snprintf(ob->domain, sizeof(ob->domain), "%04x", domain);
	ob->readd = readd_text(k->m, dev);
}

/* The first device of each kind, in tree order (borrowed: the walk's machine lives on). */
struct finder {
	struct ioda_kernel *k;
	const struct pci_dev *first[IODA_MX_KINDS];
};

static int find_one(void *arg, struct pci_dev *dev, unsigned int depth)
{
	struct finder *f = arg;
	enum ioda_matrix_kind kind = kind_of(f->k, dev);

	if (!f->first[kind])
		f->first[kind] = dev;
	return 0;
}

static void note_found(struct matrix *mx, struct finder *f)
{
	for (unsigned int kind = 0; kind < IODA_MX_KINDS; kind++)
		if (f->first[kind] && !mx->obj[kind].found)
			note_object(f->k, &mx->obj[kind], f->first[kind]);
}

static void quiet(void *arg, enum ioda_report_kind kind, const char *line)
{
}

static int load_topo(struct matrix *mx, struct ioda_error *err)
{
	const struct ioda_matrix_opts *o = mx->o;
	enum ioda_input_kind kind = o->machine ? ioda_input_kind_of(o->machine) : IODA_INPUT_DT;
	const struct ioda_loader *loader = ioda_loader_for(kind);
	const char *file = o->machine ? o->machine : ioda_example_machine_name;
	char *buf = NULL;
	size_t len = ioda_example_machine_size;
	int rc;

	if (!loader) {
		ioda_error_set(err, "%s: this build cannot read it", file);
		return -EOPNOTSUPP;
	}
	if (o->machine) {
		rc = ioda_read_file(mx->ctx, o->machine, &buf, &len, err);
		if (rc)
			return rc;
	}
	rc = loader->parse(mx->ctx, file, buf ? buf : (const char *)ioda_example_machine, len,
			   &mx->topo, err);
	ioda_free(mx->ctx, buf);
	return rc;
}

/* Boots the machine once and picks the first object of each kind, in tree order. */
static int find_objects(struct matrix *mx, struct ioda_error *err)
{
	struct ioda_boot_opts bo = { .kernel = mx->o->kernel, .refcount = mx->o->refcount };
	struct ioda_machine *m = ioda_machine_new(mx->ctx);
	struct object *phb = &mx->obj[IODA_MX_PHB];
	const struct pci_dev *rp, *pf;
	struct finder f = {0};
	int rc;

	if (!m)
		return -ENOMEM;
	rc = ioda_machine_populate(m, mx->topo, err);
	if (!rc)
		rc = ioda_kernel_boot(m, &bo, NULL, NULL, &f.k, err);
	if (rc)
		goto out;
	pci_walk_machine(m, find_one, &f);
	/* The PHB: the first root port's, named by its root PE. */
	rp = f.first[IODA_MX_ROOT_PORT];
	if (rp) {
		struct ioda_phb *p = ioda_kernel_peek_phb(f.k, pci_dev_peek_domain_nr(rp));

		f.first[IODA_MX_PHB] = rp;
		note_found(mx, &f);
		if (p)
			snprintf(phb->pe, sizeof(phb->pe), "%04x:%x", p->domain->number,
				 p->root_pe_idx);
	}
	note_found(mx, &f);
	/* The VFs exist once their PF enables them. */
	pf = f.first[IODA_MX_PF];
	if (pf) {
		snprintf(mx->pf, sizeof(mx->pf), "%s", pf->ref.name);
		if (!ioda_sriov_enable(f.k, (struct pci_dev *)pf, 2)) {
			pci_walk_machine(m, find_one, &f);
			note_found(mx, &f);
		}
	}
	ioda_kernel_free(f.k);
out:
	ioda_machine_free(m);
	return rc;
}

/* ---- the cells ----------------------------------------------------------------------------- */

struct cell {
	enum ioda_matrix_kind kind;
	unsigned int state, op;
	enum seq seq;
};

static void cell_of(unsigned long i, struct cell *c)
{
	c->seq = (enum seq)(i % NSEQ);
	i /= NSEQ;
	c->op = (unsigned int)(i % NOPS);
	i /= NOPS;
	c->state = (unsigned int)(i % NSTATES);
	c->kind = (enum ioda_matrix_kind)(i / NSTATES);
}

static bool applies(const struct matrix *mx, const struct cell *c)
{
	const struct object *ob = &mx->obj[c->kind];
	const struct state *st = &states[c->state];
	const struct op *op = &ops[c->op];
	bool phb = c->kind == IODA_MX_PHB;

	if (!ob->found || (phb && (st->device || op->device)))
		return false;
	if (st->pf && (!mx->pf[0] || c->kind == IODA_MX_VF))
		return false; /* a VF's every state has its PF's VFs enabled */
	if (c->seq == SEQ_INVERSE && !*op->inverse)
		return false;
	return c->seq == SEQ_ONCE || mx->o->pairs;
}

/* Appends @tmpl to @f with its words filled in; @n makes names unique. */
static void expand(FILE *f, const char *tmpl, const struct object *ob, const char *target,
		   const char *pf, unsigned int n)
{
	static const struct {
		const char *key;
		size_t len;
	} keys[] = { { "{T}", 3 }, { "{P}", 3 }, { "{B}", 3 }, { "{D}", 3 },
		     { "{PF}", 4 }, { "{ADD}", 5 }, { "{N}", 3 } };

	while (*tmpl) {
		unsigned int i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(tmpl, keys[i].key, keys[i].len))
				break;
		switch (i) {
		case 0: fputs(target, f); break;
		case 1: fputs(ob->pe, f); break;
		case 2: fputs(ob->bus, f); break;
		case 3: fputs(ob->domain, f); break;
		case 4: fputs(pf, f); break;
		case 5: fputs(ob->readd ? ob->readd : "", f); break;
		case 6: fprintf(f, "%u", n); break;
		default: fputc(*tmpl++, f); continue;
		}
		tmpl += keys[i].len;
	}
}

/* The scenario of cell @c; from malloc. */
static char *cell_text(const struct matrix *mx, const struct cell *c, size_t *len)
{
	const struct object *ob = &mx->obj[c->kind];
	const struct state *st = &states[c->state];
	const struct op *op = &ops[c->op];
	const char *target = st->target ? st->target : ob->dev;
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	fprintf(f, "# %s, %s: %s%s\nmachine matrix\nboot\n", kind_names[c->kind], st->name,
		op->name, c->seq == SEQ_TWICE ? ", twice" : c->seq == SEQ_INVERSE ? ", undone" : "");
	if (c->kind == IODA_MX_VF)
		expand(f, "sriov enable {PF} 2\n", ob, target, mx->pf, 0);
	expand(f, st->steps, ob, ob->dev, mx->pf, 0);
	expand(f, op->steps, ob, target, mx->pf, 1);
	if (c->seq == SEQ_TWICE)
		expand(f, op->steps, ob, target, mx->pf, 2);
	else if (c->seq == SEQ_INVERSE)
		expand(f, op->inverse, ob, target, mx->pf, 1);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- running a cell ------------------------------------------------------------------------ */

static int serve_machine(void *arg, struct ioda_ctx *ctx, const char *path,
			 enum ioda_input_kind kind, struct ioda_machine **out, struct ioda_error *err)
{
	const struct matrix *mx = arg;
	struct ioda_machine *m = ioda_machine_new(ctx);
	int rc;

	if (!m)
		return -ENOMEM;
	rc = ioda_machine_populate(m, mx->topo, err);
	if (rc) {
		ioda_machine_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Whether every finding is a leak the refcount rule is known for: a device
 * held by a "never put" holder (v5.5, v5.6), and the bus and domain the
 * leaked devices keep.  Counted references leak nothing.
 */
static bool only_rule_leaks(const char *diag, enum ioda_refcount_rule rule)
{
	bool dev_leak = false;

	if (rule == IODA_REFS_COUNTED || !*diag)
		return false;
	for (const char *l = diag; *l; l = strchr(l, '\n') + 1) {
		static const char leak[] = "ref-tracker: leak: ";

		if (!starts(l, leak))
			return false;
		l += sizeof(leak) - 1;
		if (starts(l, "pci_dev ")) {
			const char *nl = strchr(l, '\n');
			const char *np = strstr(l, "never put");

			if (!np || np > nl)
				return false;
			dev_leak = true;
		} else if (!starts(l, "pci_bus ") && !starts(l, "pci_domain ")) {
			return false;
		}
	}
	return dev_leak;
}

static void run_cell(struct matrix *mx, unsigned long i, FILE *null,
		     struct ioda_matrix_result *mine)
{
	struct ioda_scenario_stats stats = {0};
	struct ioda_scenario_opts so = {
		.kernel = mx->o->kernel, .audit = true, .tolerant = true,
		.refcount = mx->o->refcount, .out = null, .stats = &stats,
		.load_machine = serve_machine, .load_arg = mx,
	};
	struct ioda_error err = {""};
	struct ioda_scenario *s = NULL;
	struct ioda_ctx *ctx;
	char *text, *diag = NULL, file[40];
	size_t len, dlen = 0;
	struct cell c;
	bool rule_leaks;
	int rc = -ENOMEM;

	cell_of(i, &c);
	if (!applies(mx, &c))
		return;
	text = cell_text(mx, &c, &len);
	ctx = ioda_ctx_new();
	so.diag = open_memstream(&diag, &dlen);
	snprintf(file, sizeof(file), "matrix-%lu.scn", i + 1);
	if (text && ctx && so.diag) {
		rc = ioda_scenario_parse(ctx, file, text, len, &s, &err);
		if (!rc)
			rc = ioda_scenario_run(s, &so, &err);
		if (rc < 0)
			fprintf(so.diag, "%s\n", err.msg);
		ioda_scenario_free(s);
	}
	if (so.diag)
		fclose(so.diag);
	if (ctx) {
		/* Leaks were reported by the run; what is left goes quietly. */
		if (!rc && (ioda_ctx_live_refs(ctx) || ioda_mem_live_bytes(ctx)))
			rc = 1;
		ioda_ctx_set_report(ctx, quiet, NULL);
		ioda_ctx_free(ctx);
	}
	rule_leaks = rc == 1 && diag && only_rule_leaks(diag, mx->o->refcount);
	mine->scenarios++;
	mine->per_kind[c.kind]++;
	mine->steps += stats.steps;
	mine->refused += stats.refused;
	if (rule_leaks)
		mine->kernel_leaks++;
	else if (rc)
		mine->failed++;
	pthread_mutex_lock(&mx->lock);
	if (mx->o->print)
		fprintf(mx->o->print, "# ---- scenario %lu\n%s", i + 1, text ? text : "");
	if (rc && !rule_leaks && mx->o->diag)
		fprintf(mx->o->diag, "matrix: scenario %lu fails:\n%s%s", i + 1,
			text ? text : "(out of memory)\n", diag ? diag : "");
	pthread_mutex_unlock(&mx->lock);
	free(diag);
	free(text);
}

static void *worker(void *arg)
{
	struct matrix *mx = arg;
	struct ioda_matrix_result mine = {0};
	FILE *null = fopen("/dev/null", "w");
	unsigned long i;

	if (!null)
		return NULL;
	while ((i = atomic_fetch_add(&mx->next, 1)) < mx->cells)
		if (!mx->o->only || i + 1 == mx->o->only)
			run_cell(mx, i, null, &mine);
	fclose(null);
	pthread_mutex_lock(&mx->lock);
	mx->res->scenarios += mine.scenarios;
	mx->res->failed += mine.failed;
	mx->res->steps += mine.steps;
	mx->res->refused += mine.refused;
	mx->res->kernel_leaks += mine.kernel_leaks;
	for (unsigned int k = 0; k < IODA_MX_KINDS; k++)
		mx->res->per_kind[k] += mine.per_kind[k];
	pthread_mutex_unlock(&mx->lock);
	return NULL;
}

int ioda_matrix_run(const struct ioda_matrix_opts *o, struct ioda_matrix_result *res,
		    struct ioda_error *err)
{
	struct matrix mx = { .o = o, .res = res, .cells = IODA_MX_KINDS * NSTATES * NOPS * NSEQ };
	unsigned int nthreads = o->threads > 1 ? o->threads : 1, started = 0;
	pthread_t th[64];
	int rc;

	memset(res, 0, sizeof(*res));
	mx.ctx = ioda_ctx_new();
	if (!mx.ctx)
		return -ENOMEM;
	pthread_mutex_init(&mx.lock, NULL);
	/* The finding boot is no cell: what v5.5/v5.6 leak there goes unsaid. */
	ioda_ctx_set_report(mx.ctx, quiet, NULL);
	rc = load_topo(&mx, err);
	if (!rc)
		rc = find_objects(&mx, err);
	if (rc)
		goto out;
	for (unsigned int k = 0; k < IODA_MX_KINDS; k++) {
		res->found[k] = mx.obj[k].found;
		res->kinds += mx.obj[k].found;
	}
	if (nthreads > sizeof(th) / sizeof(th[0]))
		nthreads = sizeof(th) / sizeof(th[0]);
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, &mx))
			break;
	if (!started)
		worker(&mx);
	for (unsigned int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
out:
	for (unsigned int k = 0; k < IODA_MX_KINDS; k++)
		free(mx.obj[k].readd);
	ioda_topo_free(mx.ctx, mx.topo);
	pthread_mutex_destroy(&mx.lock);
	ioda_ctx_free(mx.ctx);
	return rc;
}
