/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay of a real boot log: rebuild the machine from what the log says
 * before the PE set-up, boot it under the log's kernel, and hold the PE
 * lines ioda derives against the ones the log holds.
 *
 * Matching is by multiset, per PHB, as ../shared/tools/replay_score.py
 * scores it; the diff shows the order as well.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/bootlog.h"
#include <ioda/ioda.h>
#include <ioda/load.h>

#include "view/json_priv.h"

/* A growable list of owned lines. */
struct lines {
	struct ioda_ctx *ctx;
	const char *(*find)(const char *s, size_t len); /* the lines kept: PE or resource */
	char **v;
	unsigned int n, cap;
	bool oom;
};

static void lines_add(struct lines *l, const char *s, size_t len)
{
	if (l->oom)
		return;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 256;
		char **nv = ioda_realloc(l->ctx, l->v, cap * sizeof(*nv));

		if (!nv) {
			l->oom = true;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = ioda_strndup(l->ctx, s, len);
	if (!l->v[l->n])
		l->oom = true;
	else
		l->n++;
}

static void lines_free(struct lines *l)
{
	for (unsigned int i = 0; i < l->n; i++)
		ioda_free(l->ctx, l->v[i]);
	ioda_free(l->ctx, l->v);
}

/* Keeps the PE (or resource) lines of the boot, as the kernel would print them. */
static void collect(void *arg, const struct ioda_event *ev)
{
	struct lines *l = arg;
	char buf[256];
	int len = ioda_event_format(ev, buf, sizeof(buf));

	if (len > 0 && (size_t)len < sizeof(buf) && l->find(buf, (size_t)len))
		lines_add(l, buf, (size_t)len);
}

/* The PCI domain a PE line is about: "pci DDDD:" or "pci_bus DDDD:". */
static int line_domain(const char *s)
{
	const char *p = strchr(s, ' ');

	return p ? (int)strtol(p + 1, NULL, 16) : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of @l about @domain, in order, borrowed into @out. */
static unsigned int of_domain(const struct lines *l, int domain, char **out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->n; i++)
		if (line_domain(l->v[i]) == domain)
			out[n++] = l->v[i];
	return n;
}

/* Size of the multiset intersection of @a and @b (sorted in place). */
static unsigned int common(char **a, unsigned int na, char **b, unsigned int nb)
{
	unsigned int i = 0, j = 0, n = 0;

	qsort(a, na, sizeof(*a), cmp_str);
	qsort(b, nb, sizeof(*b), cmp_str);
	while (i < na && j < nb) {
		int c = strcmp(a[i], b[j]);

		n += c == 0;
		i += c <= 0;
		j += c >= 0;
	}
	return n;
}

/* The report, when the caller wants one. */
static void __attribute__((format(printf, 2, 3))) say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

/* Appends a line to the result; false when out of memory. */
static bool res_line(struct ioda_replay_result *res, enum ioda_replay_line_kind kind, int domain,
		     const char *text)
{
	struct ioda_replay_line *l = ioda_realloc(res->ctx, res->lines,
						  (res->nlines + 1) * sizeof(*l));

	if (!l)
		return false;
	res->lines = l;
	l += res->nlines++;
	l->kind = kind;
	l->domain = domain;
	snprintf(l->text, sizeof(l->text), "%s", text);
	return true;
}

/* A unified diff (one hunk) of @a (the log) against @b (ioda), by LCS. */
static int print_diff(struct ioda_ctx *ctx, FILE *out, int domain, char **a, unsigned int na,
		      char **b, unsigned int nb, struct ioda_replay_result *res)
{
	size_t w = (size_t)nb + 1;
	unsigned int *lcs = ioda_calloc(ctx, ((size_t)na + 1) * w, sizeof(*lcs));
	unsigned int i = 0, j = 0;
	bool ok = true;

	if (!lcs)
		return -ENOMEM;
	for (unsigned int x = na; x-- > 0;) {
		for (unsigned int y = nb; y-- > 0;) {
			unsigned int down = lcs[(x + 1) * w + y], right = lcs[x * w + y + 1];

			lcs[x * w + y] = !strcmp(a[x], b[y]) ? lcs[(x + 1) * w + y + 1] + 1
							     : (down > right ? down : right);
		}
	}
	say(out, "--- PHB %04x (log)\n+++ PHB %04x (ioda)\n@@ -1,%u +1,%u @@\n", domain, domain,
	    na, nb);
	while (ok && (i < na || j < nb)) {
		if (i < na && j < nb && !strcmp(a[i], b[j])) {
			say(out, " %s\n", a[i++]);
			j++;
		} else if (j < nb && (i == na || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
			say(out, "+%s\n", b[j]);
			ok = res_line(res, IODA_LINE_UNEXPECTED, domain, b[j++]);
		} else {
			say(out, "-%s\n", a[i]);
			ok = res_line(res, IODA_LINE_MISSING, domain, a[i++]);
		}
	}
	ioda_free(ctx, lcs);
	return ok ? 0 : -ENOMEM;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Per PHB, then in total: matched/total, extras, and a diff where they differ. */
static int compare(struct ioda_ctx *ctx, const struct lines *want, const struct lines *got,
		   const char *what, FILE *out, struct ioda_replay_result *res)
{
	unsigned int n = want->n + got->n, ndom = 0;
	int *doms = ioda_calloc(ctx, n + 1, sizeof(*doms));
	char **a = ioda_calloc(ctx, want->n + 1, sizeof(*a));
	char **b = ioda_calloc(ctx, got->n + 1, sizeof(*b));
	int rc = 0;

	res->phbs = ioda_calloc(ctx, n + 1, sizeof(*res->phbs));
	if (!doms || !a || !b || !res->phbs) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < want->n; i++)
		doms[ndom++] = line_domain(want->v[i]);
	for (unsigned int i = 0; i < got->n; i++)
		doms[ndom++] = line_domain(got->v[i]);
	qsort(doms, ndom, sizeof(*doms), cmp_int);
	for (unsigned int i = 0; i < ndom && !rc; i++) {
		unsigned int na, nb, m;

		if (i && doms[i] == doms[i - 1])
			continue;
		na = of_domain(want, doms[i], a);
		nb = of_domain(got, doms[i], b);
		if (na && nb) {
			/* A diff needs the lines in order: compare copies. */
			char **sa = ioda_calloc(ctx, na, sizeof(*sa));
			char **sb = ioda_calloc(ctx, nb, sizeof(*sb));

			if (!sa || !sb) {
				ioda_free(ctx, sa);
				ioda_free(ctx, sb);
				rc = -ENOMEM;
				break;
			}
			memcpy(sa, a, na * sizeof(*a));
			memcpy(sb, b, nb * sizeof(*b));
			m = common(sa, na, sb, nb);
			ioda_free(ctx, sa);
			ioda_free(ctx, sb);
		} else {
			m = 0;
		}
		say(out, "PHB %04x: %u/%u %s match, %u extra\n", doms[i], m, na, what, nb - m);
		res->matched += m;
		res->total += na;
		res->extra += nb - m;
		res->phbs[res->nphbs++] = (struct ioda_replay_phb){ doms[i], m, na, nb - m };
		if (m != na || m != nb)
			rc = print_diff(ctx, out, doms[i], a, na, b, nb, res);
	}
out:
	ioda_free(ctx, doms);
	ioda_free(ctx, a);
	ioda_free(ctx, b);
	return rc;
}

/* ---- the kernel of a log without its banner ------------------------------------------ */

#define VER(a, b) ((a) * 1000u + (b))

static bool has_phb_type(const struct ioda_topo *topo, enum ioda_phb_type type)
{
	for (const struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next)
		if (phb->type == type)
			return true;
	return false;
}

static bool has_nvlink(const struct ioda_topo *topo, const struct ioda_bootlog *log)
{
	return has_phb_type(topo, IODA_PHB_NPU_NVLINK);
}

static bool has_ocapi(const struct ioda_topo *topo, const struct ioda_bootlog *log)
{
	return has_phb_type(topo, IODA_PHB_NPU_OCAPI);
}

/* VF PEs in the log: the SR-IOV rules matter. */
static bool has_vf_pes(const struct ioda_topo *topo, const struct ioda_bootlog *log)
{
	for (unsigned int i = 0; i < log->npe_lines; i++)
		if (strstr(log->pe_lines[i].text, "] VF "))
			return true;
	return false;
}

static bool always(const struct ioda_topo *topo, const struct ioda_bootlog *log)
{
	return true;
}

/*
 * The version boundaries of the rules a replay applies (src/kernel/profile.c,
 * sriov.c), each with the machines it matters for and a line that tells.
 */
static const struct kernel_rule {
	unsigned int since;
	const char *what;
	const char *told_by;
	bool (*applies)(const struct ioda_topo *topo, const struct ioda_bootlog *log);
} kernel_rules[] = {
	{ VER(5, 4), "the default DMA window (PAGE_SIZE TCEs since 5.4, 4K before)",
	  "\"[PE# n] Setting up window#0 ... pg=...\"", always },
	{ VER(5, 6), "when OpenCAPI functions get their PE (at enable since 5.6)",
	  "a kernel version", has_ocapi },
	{ VER(5, 8), "the PE set-up flow (at device add since 5.8)",
	  "\"Configuring PE for bus\", or a bus PE line without it", always },
	{ VER(5, 9), "the SR-IOV M64 rule (per IOV BAR since 5.9)", "a kernel version",
	  has_vf_pes },
	{ VER(5, 13), "NVLink support (removed in 5.13)", "an NVLink PHB", has_nvlink },
};

struct kernel_range {
	unsigned int lo, hi;
	char why[160];
};

static void narrow(struct kernel_range *r, unsigned int lo, unsigned int hi, unsigned int line,
		   const char *text, size_t len)
{
	size_t off = strlen(r->why);

	if (lo > r->lo)
		r->lo = lo;
	if (hi < r->hi)
		r->hi = hi;
	snprintf(r->why + off, sizeof(r->why) - off, "%sline %u \"%.*s\"", off ? ", " : "", line,
		 (int)(len > 60 ? 60 : len), text);
}

/* What the log's lines say of its kernel, most telling first. */
static void read_clues(const struct ioda_topo *topo, const struct ioda_bootlog *log,
		       struct kernel_range *r)
{
	bool new_flow = false;
	const struct ioda_bootlog_pe_line *bus = NULL, *win = NULL;

	r->lo = VER(5, 0);
	r->hi = VER(6, 99);
	r->why[0] = '\0';
	if (log->told_line) {
		unsigned int v = VER((unsigned int)log->told_major, (unsigned int)log->told_minor);

		narrow(r, v, v, log->told_line, log->told_by, strlen(log->told_by));
		return;
	}
	for (unsigned int i = 0; i < log->npe_lines; i++) {
		const struct ioda_bootlog_pe_line *l = &log->pe_lines[i];

		if (strstr(l->text, "Configuring PE for bus") || strstr(l->text, ": Configured PE#") ||
		    strstr(l->text, ": Added to existing PE#")) {
			if (!new_flow)
				narrow(r, VER(5, 8), r->hi, l->line, l->text, l->len);
			new_flow = true;
		} else if (!bus && strstr(l->text, "Secondary bus")) {
			bus = l;
		} else if (!win && strstr(l->text, "Setting up window#0")) {
			win = l;
		}
	}
	if (bus && !new_flow) /* 5.8+ configures every bus PE it prints */
		narrow(r, r->lo, VER(5, 7), bus->line, bus->text, bus->len);
	if (win) {
		const char *pg = strstr(win->text, "pg=");
		bool small = pg && !strncmp(pg, "pg=1000", 7) && (pg[7] == '\0' || pg[7] == ' ');

		/* Before 5.4 always 4K TCEs; since, PAGE_SIZE ones (64K unless the log says 4K). */
		if (!small)
			narrow(r, VER(5, 4), r->hi, win->line, win->text, win->len);
		else if (log->page_size != 4096)
			narrow(r, r->lo, VER(5, 3), win->line, win->text, win->len);
	}
	if (has_nvlink(topo, log))
		r->hi = r->hi < VER(5, 12) ? r->hi : VER(5, 12);
}

/*
 * The kernel of a log without a banner: the narrowest range its lines
 * allow, then the oldest version of it if every rule that matters to this
 * machine is the same across the range; else which rule is undecided.
 */
static int infer_kernel(const char *file, const struct ioda_topo *topo,
			const struct ioda_bootlog *log, char *version, size_t vlen,
			struct ioda_replay_result *res, struct ioda_error *err)
{
	struct kernel_range r;

	read_clues(topo, log, &r);
	if (r.lo > r.hi) {
		ioda_error_set(err, "%s: no \"Linux version\" line, and its lines disagree on the "
			       "kernel (%s): give --kernel=VERSION", file, r.why);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(kernel_rules) / sizeof(kernel_rules[0]); i++) {
		const struct kernel_rule *k = &kernel_rules[i];

		if (k->applies(topo, log) && r.lo < k->since && k->since <= r.hi) {
			ioda_error_set(err, "%s: no \"Linux version\" line, and nothing in it decides %s"
				       " (%s would): give --kernel=VERSION", file, k->what,
				       k->told_by);
			return -EINVAL;
		}
	}
	snprintf(version, vlen, "%u.%u", r.lo / 1000, r.lo % 1000);
	if (r.lo == r.hi)
		snprintf(res->kernel_inferred, sizeof(res->kernel_inferred),
			 "no \"Linux version\" line: kernel %s, from %s", version, r.why);
	else if (r.hi >= VER(6, 12))
		snprintf(res->kernel_inferred, sizeof(res->kernel_inferred),
			 "no \"Linux version\" line: kernel %s (any later one replays alike), from %s",
			 version, r.why[0] ? r.why : "no clue");
	else
		snprintf(res->kernel_inferred, sizeof(res->kernel_inferred),
			 "no \"Linux version\" line: kernel %s (any up to %u.%u replays alike), from %s",
			 version, r.hi / 1000, r.hi % 1000, r.why[0] ? r.why : "no clue");
	return 0;
}

static void __attribute__((format(printf, 2, 3)))
note_missing(struct ioda_replay_result *res, const char *fmt, ...)
{
	size_t n = strlen(res->missing);
	va_list ap;

	if (n + 2 >= sizeof(res->missing))
		return;
	va_start(ap, fmt);
	vsnprintf(res->missing + n, sizeof(res->missing) - n, fmt, ap);
	va_end(ap);
	n = strlen(res->missing);
	if (n + 1 < sizeof(res->missing))
		strcpy(res->missing + n, "\n");
}

/*
 * What the assignment needs and the log does not say. A BAR the log
 * assigns (its standard BARs 0-5) needs its size from the scan; a root or
 * downstream port needs its slot, which pciehp's Slot line or its add_size
 * lines tell, and whose absence says "no reserve" wherever the log shows
 * the assignment at all (its lines print at one level). QEMU's ports are
 * known.
 */
static void report_missing(struct ioda_machine *m, const struct ioda_bootlog *log, bool qemu,
			   struct ioda_replay_result *res)
{
	struct pci_dev *dev = NULL;

	for (unsigned int i = 0; i < log->nres_lines; i++) {
		const struct ioda_bootlog_pe_line *l = &log->res_lines[i];
		unsigned int dom, bus, slot, fn, bar;
		struct pci_dev *d;

		if (sscanf(l->text, "pci %x:%x:%x.%u: BAR %u", &dom, &bus, &slot, &fn, &bar) != 5 ||
		    bar >= PCI_STD_NUM_BARS || slot > 31 || fn > 7)
			continue;
		d = pci_get_domain_bus_and_slot(m, (int)dom, bus, PCI_DEVFN(slot, fn), "replay");
		if (!d || (d->hdr_type == 1 && bar > 1) || d->resource[bar].size) {
			pci_dev_put(d, "replay");
			continue;
		}
		note_missing(res, "line %u assigns BAR %u of %04x:%02x:%02x.%u, but no line sizes it "
			     "(the scan's \"reg 0x%x\" or \"BAR %u [...]\"): PHB %04x's assignment "
			     "depends on it", l->line, bar, dom, bus, slot, fn, 0x10 + 4 * bar, bar, dom);
		pci_dev_put(d, "replay");
	}
	char ports[400] = "";
	size_t n = 0;
	unsigned int left = 0;

	while (!qemu && !log->nres_lines &&
	       (dev = pci_get_device(m, PCI_ANY_ID, PCI_ANY_ID, dev, "replay"))) {
		if ((dev->pcie_type != PCIE_TYPE_ROOT_PORT &&
		     dev->pcie_type != PCIE_TYPE_DOWNSTREAM) ||
		    dev->hotplug != PCI_HOTPLUG_UNKNOWN)
			continue;
		if (n + 16 >= sizeof(ports)) {
			left++;
			continue;
		}
		n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%04x:%02x:%02x.%u",
				      n ? ", " : "", pci_dev_peek_domain_nr(dev), dev->bus->number,
				      PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
	}
	if (!n)
		return;
	if (left)
		snprintf(ports + n, sizeof(ports) - n, " and %u more", left);
	note_missing(res, "no line says whether these ports' slots are hot-plug capable "
		     "(pciehp's \"Slot #\" line, or an add_size line), so they are taken as not, "
		     "and their windows and what is placed after them depend on it: %s", ports);
}

/*
 * A log of a kernel newer than the newest model is replayed as that model,
 * and says so: --kernel refuses such a version, a log cannot be asked to.
 */
static void newest_for(char *version, size_t vlen, struct ioda_replay_result *res)
{
	unsigned int major = 0, minor = 0, nmajor = 0, nminor = 0;
	size_t n = strlen(res->kernel_inferred);

	if (sscanf(version, "%u.%u", &major, &minor) != 2 ||
	    sscanf(ioda_profile_newest(), "%u.%u", &nmajor, &nminor) != 2 ||
	    VER(major, minor) <= VER(nmajor, nminor))
		return;
	snprintf(res->kernel_inferred + n, sizeof(res->kernel_inferred) - n,
		 "%skernel %u.%u is newer than ioda's models: replayed as %s, the newest "
		 "(what changed after it is not modelled)", n ? "; " : "", major, minor,
		 ioda_profile_newest());
	snprintf(version, vlen, "%s", ioda_profile_newest());
}

int ioda_replay(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		const struct ioda_replay_opts *opts, FILE *out, struct ioda_replay_result *res,
		struct ioda_error *err)
{
	struct ioda_topo *topo = NULL;
	struct ioda_bootlog *log = NULL;
	struct ioda_machine *m = NULL;
	struct ioda_kernel *k = NULL;
	bool resources = opts && opts->resources;
	const char *(*find)(const char *, size_t) = resources ? ioda_bootlog_find_res
								: ioda_bootlog_find_pe;
	struct lines want = { .ctx = ctx, .find = find }, got = { .ctx = ctx, .find = find };
	const struct ioda_bootlog_pe_line *kept;
	unsigned int nkept;
	struct ioda_boot_opts boot = { 0 };
	struct ioda_error e;
	char version[24];
	int rc;

	memset(res, 0, sizeof(*res));
	res->ctx = ctx;
	rc = ioda_bootlog_read_opts(ctx, file, buf, len, resources ? IODA_BOOTLOG_SIZES_ONLY : 0,
				    &topo, &log, err);
	if (rc)
		return rc;
	boot.reassign = resources;
	boot.res_style = log->res_style;
	boot.kernel = opts ? opts->kernel : NULL;
	if (!boot.kernel) {
		if (log->kver_major)
			snprintf(version, sizeof(version), "%d.%d", log->kver_major,
				 log->kver_minor);
		else if ((rc = infer_kernel(file, topo, log, version, sizeof(version), res, err)))
			goto out;
		newest_for(version, sizeof(version), res);
		boot.kernel = version;
	}
	boot.cmdline = log->cmdline;
	if (log->page_size)
		boot.page_shift = (unsigned int)__builtin_ctz(log->page_size);
	boot.dram_end = log->memory_end ? log->memory_end : log->memory_bytes;
	rc = -ENOMEM;
	m = ioda_machine_new(ctx);
	if (!m)
		goto oom;
	rc = ioda_machine_populate(m, topo, err);
	if (rc)
		goto out;
	if (resources)
		report_missing(m, log, strstr(topo->model, "emulated by qemu") != NULL, res);
	rc = ioda_kernel_boot(m, &boot, collect, &got, &k, &e);
	if (rc) {
		ioda_error_set(err, "%s: %s", file, e.msg);
		goto out;
	}
	rc = -ENOMEM;
	if (got.oom)
		goto oom;
	res->derived = got.n;
	if (opts && opts->derived_only) {
		for (unsigned int i = 0; i < got.n; i++) {
			say(out, "%s\n", got.v[i]);
			if (!res_line(res, IODA_LINE_DERIVED, line_domain(got.v[i]), got.v[i]))
				goto oom;
		}
		rc = 0;
		goto out;
	}
	kept = resources ? log->res_lines : log->pe_lines;
	nkept = resources ? log->nres_lines : log->npe_lines;
	for (unsigned int i = 0; i < nkept; i++)
		lines_add(&want, kept[i].text, kept[i].len);
	if (want.oom)
		goto oom;
	rc = compare(ctx, &want, &got, resources ? "assignments" : "PE lines", out, res);
	if (rc)
		goto oom;
	if (resources)
		say(out, "resources: %u/%u assignments match\n", res->matched, res->total);
	else
		say(out, "replay: %u/%u PE lines match, %u extra\n", res->matched, res->total,
		    res->extra);
	goto out;
oom:
	ioda_error_set(err, "%s: out of memory", file);
out:
	if (rc)
		ioda_replay_result_free(res);
	lines_free(&want);
	lines_free(&got);
	ioda_kernel_free(k);
	if (m)
		ioda_machine_free(m);
	ioda_bootlog_free(ctx, log);
	ioda_topo_free(ctx, topo);
	return rc;
}

void ioda_replay_result_free(struct ioda_replay_result *res)
{
	if (!res->ctx)
		return;
	ioda_free(res->ctx, res->phbs);
	ioda_free(res->ctx, res->lines);
	res->phbs = NULL;
	res->lines = NULL;
	res->nphbs = res->nlines = 0;
}

/* Per PHB its figures and the lines only the log has ("missing") and only ioda ("unexpected"). */
static json_object *phbs_json(const struct ioda_replay_result *res)
{
	json_object *phbs = json_object_new_array();

	for (unsigned int i = 0; phbs && i < res->nphbs; i++) {
		const struct ioda_replay_phb *p = &res->phbs[i];
		json_object *o = json_object_new_object(), *miss = json_object_new_array();
		json_object *unex = json_object_new_array();
		bool ok = o && miss && unex;

		for (unsigned int l = 0; ok && l < res->nlines; l++)
			if (res->lines[l].domain == p->domain)
				ok = ioda_json_push(res->lines[l].kind == IODA_LINE_MISSING ? miss : unex,
						    json_object_new_string(res->lines[l].text));
		ok = ok && ioda_json_add(o, "domain", json_object_new_int(p->domain)) &&
		     ioda_json_add(o, "matched", json_object_new_int((int32_t)p->matched)) &&
		     ioda_json_add(o, "total", json_object_new_int((int32_t)p->total)) &&
		     ioda_json_add(o, "extra", json_object_new_int((int32_t)p->extra));
		/* Only where the PHB differs, as the report's diff. */
		if (ok && json_object_array_length(miss)) {
			ok = ioda_json_add(o, "missing", miss);
			miss = NULL;
		}
		if (ok && json_object_array_length(unex)) {
			ok = ioda_json_add(o, "unexpected", unex);
			unex = NULL;
		}
		json_object_put(miss);
		json_object_put(unex);
		if (!ok || !ioda_json_push(phbs, o)) {
			if (!ok)
				json_object_put(o);
			json_object_put(phbs);
			return NULL;
		}
	}
	return phbs;
}

static json_object *derived_json(const struct ioda_replay_result *res)
{
	json_object *lines = json_object_new_array();

	for (unsigned int l = 0; lines && l < res->nlines; l++)
		if (!ioda_json_push(lines, json_object_new_string(res->lines[l].text))) {
			json_object_put(lines);
			return NULL;
		}
	return lines;
}

int ioda_replay_json(const char *file, const struct ioda_replay_opts *opts,
		     const struct ioda_replay_result *res, FILE *out)
{
	const char *what = opts->derived_only ? "derived" : opts->resources ? "resources" : "pe";
	json_object *o = ioda_json_doc("ioda-replay/1");
	bool ok = o;

	if (!ok || !ioda_json_add(o, "log", json_object_new_string(file)) ||
	    !ioda_json_add(o, "compared", json_object_new_string(what)) ||
	    !ioda_json_add(o, "matched", json_object_new_int((int32_t)res->matched)) ||
	    !ioda_json_add(o, "total", json_object_new_int((int32_t)res->total)) ||
	    !ioda_json_add(o, "extra", json_object_new_int((int32_t)res->extra)) ||
	    !ioda_json_add(o, opts->derived_only ? "derived" : "phbs",
			   opts->derived_only ? derived_json(res) : phbs_json(res)) ||
	    !ioda_json_add_or_null(o, "kernel_inferred",
				   json_object_new_string(res->kernel_inferred),
				   !res->kernel_inferred[0]) ||
	    !ioda_json_add(o, "missing", ioda_json_lines(res->missing))) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
