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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/bootlog.h"
#include <ioda/ioda.h>
#include <ioda/replay.h>

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

/* A unified diff (one hunk) of @a (the log) against @b (ioda), by LCS. */
static int print_diff(struct ioda_ctx *ctx, FILE *out, int domain, char **a, unsigned int na,
		      char **b, unsigned int nb)
{
	size_t w = (size_t)nb + 1;
	unsigned int *lcs = ioda_calloc(ctx, ((size_t)na + 1) * w, sizeof(*lcs));
	unsigned int i = 0, j = 0;

	if (!lcs)
		return -ENOMEM;
	for (unsigned int x = na; x-- > 0;) {
		for (unsigned int y = nb; y-- > 0;) {
			unsigned int down = lcs[(x + 1) * w + y], right = lcs[x * w + y + 1];

			lcs[x * w + y] = !strcmp(a[x], b[y]) ? lcs[(x + 1) * w + y + 1] + 1
							     : (down > right ? down : right);
		}
	}
	fprintf(out, "--- PHB %04x (log)\n+++ PHB %04x (ioda)\n@@ -1,%u +1,%u @@\n", domain, domain,
		na, nb);
	while (i < na || j < nb) {
		if (i < na && j < nb && !strcmp(a[i], b[j])) {
			fprintf(out, " %s\n", a[i++]);
			j++;
		} else if (j < nb && (i == na || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
			fprintf(out, "+%s\n", b[j++]);
		} else {
			fprintf(out, "-%s\n", a[i++]);
		}
	}
	ioda_free(ctx, lcs);
	return 0;
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

	if (!doms || !a || !b) {
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
		fprintf(out, "PHB %04x: %u/%u %s match, %u extra\n", doms[i], m, na, what, nb - m);
		res->matched += m;
		res->total += na;
		res->extra += nb - m;
		if (m != na || m != nb)
			rc = print_diff(ctx, out, doms[i], a, na, b, nb);
	}
out:
	ioda_free(ctx, doms);
	ioda_free(ctx, a);
	ioda_free(ctx, b);
	return rc;
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
	rc = ioda_bootlog_read_opts(ctx, file, buf, len, resources ? IODA_BOOTLOG_SIZES_ONLY : 0,
				    &topo, &log, err);
	if (rc)
		return rc;
	boot.reassign = resources;
	boot.res_style = log->res_style;
	boot.kernel = opts ? opts->kernel : NULL;
	if (!boot.kernel) {
		if (!log->kver_major) {
			ioda_error_set(err, "%s: no \"Linux version\" line: give --kernel=VERSION",
				       file);
			rc = -EINVAL;
			goto out;
		}
		snprintf(version, sizeof(version), "%d.%d", log->kver_major, log->kver_minor);
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
		for (unsigned int i = 0; i < got.n; i++)
			fprintf(out, "%s\n", got.v[i]);
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
		fprintf(out, "resources: %u/%u assignments match\n", res->matched, res->total);
	else
		fprintf(out, "replay: %u/%u PE lines match, %u extra\n", res->matched,
			res->total, res->extra);
	goto out;
oom:
	ioda_error_set(err, "%s: out of memory", file);
out:
	lines_free(&want);
	lines_free(&got);
	ioda_kernel_free(k);
	if (m)
		ioda_machine_free(m);
	ioda_bootlog_free(ctx, log);
	ioda_topo_free(ctx, topo);
	return rc;
}

int ioda_replay_json(const char *file, const struct ioda_replay_opts *opts,
		     const struct ioda_replay_result *res, const char *report, FILE *out)
{
	const char *what = opts->derived_only ? "derived" : opts->resources ? "resources" : "pe";
	json_object *o = json_object_new_object(), *lines = ioda_json_lines(report);
	bool ok = o && lines;

	if (!ok || !ioda_json_add(o, "log", json_object_new_string(file)) ||
	    !ioda_json_add(o, "compared", json_object_new_string(what)) ||
	    !ioda_json_add(o, "matched", json_object_new_int((int32_t)res->matched)) ||
	    !ioda_json_add(o, "total", json_object_new_int((int32_t)res->total)) ||
	    !ioda_json_add(o, "extra", json_object_new_int((int32_t)res->extra))) {
		json_object_put(lines);
		json_object_put(o);
		return -ENOMEM;
	}
	if (!ioda_json_add(o, "report", lines)) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
