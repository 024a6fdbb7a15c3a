/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device-tree loader: reads what the PowerNV kernel reads from the tree
 * skiboot hands it.  PHBs are the nodes with an "ibm,ioda*-phb" compatible,
 * with the firmware properties of pnv_pci_init_ioda_phb(); below them sit
 * one node per PCI function, as core/pci.c makes them (reg = config address,
 * vendor-id, device-id, class-code), optionally with the BAR sizes of the OF
 * PCI binding in reg and their addresses in assigned-addresses.
 *
 * A blob is checked whole with libfdt before anything is read, so a bad
 * offset can only come from a property, and every property's length is
 * checked before its cells are.  Source is compiled by running dtc.
 *
 * This file reads the whole tree and compiles source with dtc; dt_prop.c
 * reads properties, dt_phb.c the PHBs and dt_pci.c the PCI functions below
 * them.
 */
#define _GNU_SOURCE /* pipe2, environ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libfdt.h>

#include <ioda/ctx.h>
#include <ioda/load.h>

#include "dt_priv.h"
#include "load_priv.h"

/* The kernel's MAX_PHBS: a PHB id below it is the PCI domain number. */
#define MAX_DOMAINS 0x10000

/* ---- the whole tree ------------------------------------------------------------ */

static bool domain_taken(const struct ioda_topo *topo, const struct ioda_topo_phb *upto,
			 uint64_t nr)
{
	for (const struct ioda_topo_phb *q = topo->phbs; q != upto; q = q->next)
		if ((uint64_t)q->domain == nr)
			return true;
	return false;
}

/*
 * The kernel's domain numbers (get_phb_number()): the OPAL PHB id when it
 * is below MAX_PHBS and still free, otherwise the lowest free number.
 */
static void assign_domains(struct ioda_topo *topo)
{
	for (struct ioda_topo_phb *phb = topo->phbs; phb; phb = phb->next) {
		uint64_t nr = phb->opal_id;

		if (nr >= MAX_DOMAINS || domain_taken(topo, phb, nr))
			for (nr = 0; domain_taken(topo, phb, nr); nr++)
				;
		phb->domain = (int)nr;
	}
}

/* A memory node's reg sizes, in the root's cells, add to memory_bytes. */
static int parse_memory(struct dt *dt, int off)
{
	int ac = fdt_address_cells(dt->fdt, 0), sc = fdt_size_cells(dt->fdt, 0);
	const fdt32_t *p;
	char a[16], b[16];
	unsigned int n;
	int rc;

	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return dt_fail_node(dt, off, "the root's #address-cells and #size-cells are %s and "
				    "%s, want 1 or 2",
				    dt_ncells_text(dt, 0, "#address-cells", a, sizeof(a)),
				    dt_ncells_text(dt, 0, "#size-cells", b, sizeof(b)));
	rc = dt_get_array(dt, off, "reg", (unsigned int)(ac + sc), &p, &n);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		const fdt32_t *e = p + i * (unsigned int)(ac + sc) + ac;
		uint64_t size = sc == 2 ? dt_cell64(e, 0) : dt_cell(e, 0);

		if (size > IODA_MAX_MEMORY - dt->topo->memory_bytes)
			return dt_fail_node(dt, off, "memory sizes add up to more than %lluT",
					    IODA_MAX_MEMORY >> 40);
		dt->topo->memory_bytes += size;
	}
	return 0;
}

static int parse_tree(struct dt *dt)
{
	static const char memory[] = "memory";
	const char *model;
	int off, depth = 0, skip_below = -1, rc;

	rc = dt_get_string(dt, 0, "model", &model);
	if (rc)
		return rc;
	snprintf(dt->topo->model, sizeof(dt->topo->model), "%s", model ? model : "");

	/* Depth drops to 0 past the root's last descendant. */
	for (off = fdt_next_node(dt->fdt, 0, &depth); off >= 0 && depth > 0;
	     off = fdt_next_node(dt->fdt, off, &depth)) {
		enum ioda_phb_type phb_type;
		enum ioda_phb_gen gen;
		const char *type;
		bool avail = false, phb;
		int len;

		/* Nothing inside a PHB is a PHB or memory. */
		if (skip_below >= 0 && depth > skip_below)
			continue;
		skip_below = -1;
		type = fdt_getprop(dt->fdt, off, "compatible", &len);
		phb = type && ioda_dt_phb_compat(type, (size_t)len, &phb_type, &gen);
		if (phb)
			skip_below = depth;
		type = fdt_getprop(dt->fdt, off, "device_type", &len);
		if (!phb && !(type && len == sizeof(memory) && memcmp(type, memory, len) == 0))
			continue;
		rc = dt_available(dt, off, &avail);
		if (!rc && avail)
			rc = phb ? dt_parse_phb(dt, off, phb_type, gen) : parse_memory(dt, off);
		if (rc)
			return rc;
	}
	if (off < 0 && off != -FDT_ERR_NOTFOUND)
		return dt_fail_file(dt, "corrupt device tree blob: %s", fdt_strerror(off));
	assign_domains(dt->topo);
	return 0;
}

/* Everything is read from @fdt afterwards: check the whole blob first. */
static int check_blob(struct dt *dt, const void *fdt, size_t len)
{
	int rc;

	if (len < sizeof(struct fdt_header))
		return dt_fail_file(dt, "truncated device tree blob (%zu bytes)", len);
	rc = fdt_check_header(fdt);
	if (rc)
		return dt_fail_file(dt, "bad device tree blob header: %s", fdt_strerror(rc));
	/* libfdt 1.6's full check trips over the old formats' node names. */
	if (fdt_version(fdt) < 17)
		return dt_fail_file(dt, "device tree blob version %u is too old (want 17)",
				    fdt_version(fdt));
	if (fdt_totalsize(fdt) > len)
		return dt_fail_file(dt,
				    "truncated device tree blob (%zu bytes, the header says %u)",
				    len, fdt_totalsize(fdt));
	rc = fdt_check_full(fdt, len);
	if (rc)
		return dt_fail_file(dt, "corrupt device tree blob: %s", fdt_strerror(rc));
	return 0;
}

/* ---- compiling source with dtc ------------------------------------------------- */

/*
 * The tree must be the one file given: /incbin/ and /include/ would have dtc
 * read other files (/dev/zero, or anything readable) at ioda's expense.
 * Comments and strings are skipped; FILE:LINE:COL names the first.
 */
static int check_one_file(struct dt *dt, const char *s, size_t len)
{
	static const char *const directives[] = { "/incbin/", "/include/" };
	unsigned int line = 1;
	const char *bol = s, *end = s + len;

	for (const char *p = s; p < end; p++) {
		if (*p == '\n') {
			line++;
			bol = p + 1;
		} else if (*p == '"') {
			while (++p < end && *p != '"' && *p != '\n')
				p += *p == '\\' && p + 1 < end;
			p -= p < end && *p == '\n'; /* the newline counts */
		} else if (*p == '/' && p + 1 < end && p[1] == '/') {
			while (p + 1 < end && p[1] != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n') {
					line++;
					bol = p + 1;
				}
			p++;
		} else if (*p == '/') {
			for (size_t i = 0; i < 2; i++) {
				size_t n = strlen(directives[i]);

				if ((size_t)(end - p) < n || memcmp(p, directives[i], n) != 0)
					continue;
				ioda_error_set(dt->err, "%s:%u:%u: %s reads another file: give the "
					       "whole tree in this one", dt->file, line,
					       (unsigned int)(p - bol) + 1, directives[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

struct dtc_run {
	char *out;
	size_t len, cap;
	char msg[256]; /* the start of dtc's stderr */
	size_t msg_len;
};

/* Reads what is ready on @fd: stdout into r->out, stderr's start into r->msg. */
static int drain(struct dt *dt, int fd, struct dtc_run *r, bool to_out, bool *eof)
{
	char scratch[4096], *at = scratch;
	size_t room = sizeof(scratch);
	ssize_t n;

	if (to_out) {
		if (r->cap - r->len < 4096) {
			size_t cap = r->cap ? 2 * r->cap : 65536;
			char *nb = ioda_realloc(dt->ctx, r->out, cap);

			if (!nb)
				return dt_oom(dt);
			r->out = nb;
			r->cap = cap;
		}
		at = r->out + r->len;
		room = r->cap - r->len;
	}
	n = read(fd, at, room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN
			       ? 0
			       : dt_fail_file(dt, "reading from dtc: %s", strerror(errno));
	*eof = n == 0;
	if (to_out) {
		r->len += (size_t)n;
		if (r->len > IODA_INPUT_MAX)
			return dt_fail_file(dt, "the compiled tree is larger than %u MiB",
					    IODA_INPUT_MAX >> 20);
	} else {
		size_t keep = sizeof(r->msg) - 1 - r->msg_len;

		keep = (size_t)n < keep ? (size_t)n : keep;
		memcpy(r->msg + r->msg_len, scratch, keep);
		r->msg_len += keep;
	}
	return 0;
}

/* Feeds @src to dtc's stdin while collecting its stdout and stderr. */
static int dtc_io(struct dt *dt, int in, int out, int errfd, const char *src, size_t len,
		  struct dtc_run *r)
{
	struct pollfd pfd[3] = {
		{ .fd = out, .events = POLLIN },
		{ .fd = errfd, .events = POLLIN },
		{ .fd = in, .events = POLLOUT },
	};
	size_t sent = 0;
	int rc = 0;

	if (len == 0) {
		shutdown(in, SHUT_WR);
		pfd[2].fd = -1;
	}
	while (!rc && (pfd[0].fd >= 0 || pfd[1].fd >= 0)) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno != EINTR)
				rc = dt_fail_file(dt, "waiting for dtc: %s", strerror(errno));
			continue;
		}
		for (int i = 0; i < 2 && !rc; i++) {
			bool eof = false;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			rc = drain(dt, pfd[i].fd, r, i == 0, &eof);
			if (eof)
				pfd[i].fd = -1; /* the caller closes it */
		}
		if (pfd[2].fd >= 0 && pfd[2].revents) {
			/* No SIGPIPE when dtc stops reading early: it failed, and says why. */
			ssize_t n = send(in, src + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || sent == len) {
				shutdown(in, SHUT_WR);
				pfd[2].fd = -1;
			}
		}
	}
	return rc;
}

/*
 * dtc's first line says where in its input it failed: "Error: <stdin>:4.3-4
 * syntax error" becomes "FILE:4.3-4: syntax error"; other lines are quoted.
 */
static int dtc_failed(struct dt *dt, struct dtc_run *r, int status)
{
	static const char error[] = "Error: ", in[] = "<stdin>:";
	char *line = r->msg;

	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, error, sizeof(error) - 1) == 0)
		line += sizeof(error) - 1;
	if (strncmp(line, in, sizeof(in) - 1) == 0) {
		/* "LINE.COL[-[LINE.]COL]: what": ours are "file:LINE:COL: what". */
		const char *loc = line + sizeof(in) - 1, *what = loc + strcspn(loc, ": ");
		unsigned int l = 0, c = 0;

		what += strspn(what, ": ");
		if (sscanf(loc, "%u.%u", &l, &c) == 2 && l)
			ioda_error_set(dt->err, "%s:%u:%u: %s", dt->file, l, c, what);
		else
			ioda_error_set(dt->err, "%s: %s", dt->file, what);
		return -EINVAL;
	}
	if (line[0])
		return dt_fail_file(dt, "cannot compile device tree source: %s", line);
	if (WIFSIGNALED(status))
		return dt_fail_file(dt,
				    "cannot compile device tree source: dtc killed by signal %d",
				    WTERMSIG(status));
	return dt_fail_file(dt, "cannot compile device tree source: dtc exited with status %d",
			    WEXITSTATUS(status));
}

/* Compiles source with "dtc -I dts -O dtb -o - -q"; *@blob from the context. */
static int compile(struct dt *dt, const char *src, size_t len, char **blob, size_t *blob_len)
{
	static char *const argv[] = { "dtc", "-I", "dts", "-O", "dtb", "-o", "-", "-q", NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	struct dtc_run r = { 0 };
	int rc, status = 0;
	pid_t pid;

	rc = check_one_file(dt, src, len);
	if (rc)
		return rc;

	/* stdin is a socket so that writing to a dtc which gave up cannot raise SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) || pipe2(out, O_CLOEXEC) ||
	    pipe2(errp, O_CLOEXEC)) {
		rc = dt_fail_file(dt, "cannot run dtc: %s", strerror(errno));
		goto out_close;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc) {
		rc = dt_fail_file(dt, "cannot run dtc: %s", strerror(rc));
		goto out_close;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, in[1], 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	if (!rc)
		rc = posix_spawnp(&pid, "dtc", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT) {
		rc = dt_fail_file(dt, "cannot compile device tree source: dtc not found "
				  "(install device-tree-compiler)");
		goto out_close;
	}
	if (rc) {
		rc = dt_fail_file(dt, "cannot run dtc: %s", strerror(rc));
		goto out_close;
	}
	close(in[1]);
	close(out[1]);
	close(errp[1]);
	in[1] = out[1] = errp[1] = -1;

	rc = dtc_io(dt, in[0], out[0], errp[0], src, len, &r);
	/* On an error dtc sees end of input or a closed stdout, and ends. */
	close(in[0]);
	close(out[0]);
	close(errp[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc)
		goto out_free;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		rc = dtc_failed(dt, &r, status);
		goto out_free;
	}
	*blob = r.out;
	*blob_len = r.len;
	return 0;

out_close:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
out_free:
	ioda_free(dt->ctx, r.out);
	return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The blob in memory of our own (libfdt wants it aligned): copied, or compiled. */
static int get_blob(struct dt *dt, const char *buf, size_t len, char **blob, size_t *blob_len)
{
	static const unsigned char magic[4] = { 0xd0, 0x0d, 0xfe, 0xed };

	if (len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) == 0) {
		*blob = ioda_zalloc(dt->ctx, len);
		if (!*blob)
			return dt_oom(dt);
		memcpy(*blob, buf, len);
		*blob_len = len;
		return 0;
	}
	if (!has_suffix(dt->file, ".dtb"))
		return compile(dt, buf, len, blob, blob_len);
	if (len < sizeof(magic))
		return dt_fail_file(dt, "truncated device tree blob (%zu bytes)", len);
	return dt_fail_file(dt, "not a device tree blob (magic %02x%02x%02x%02x, want d00dfeed)",
			    (unsigned char)buf[0], (unsigned char)buf[1], (unsigned char)buf[2],
			    (unsigned char)buf[3]);
}

int ioda_dt_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		  struct ioda_topo **out, struct ioda_error *err)
{
	struct dt dt = { .ctx = ctx, .file = file, .err = err };
	char *blob = NULL;
	size_t blob_len = 0;
	int rc;

	*out = NULL;
	rc = get_blob(&dt, buf, len, &blob, &blob_len);
	if (rc)
		return rc;
	rc = check_blob(&dt, blob, blob_len);
	if (rc)
		goto out;
	dt.fdt = blob;
	dt.topo = ioda_zalloc(ctx, sizeof(*dt.topo));
	if (!dt.topo) {
		rc = dt_oom(&dt);
		goto out;
	}
	dt.topo->file = ioda_strdup(ctx, file);
	rc = dt.topo->file ? parse_tree(&dt) : dt_oom(&dt);
	if (rc) {
		ioda_topo_free(ctx, dt.topo);
		goto out;
	}
	*out = dt.topo;
out:
	ioda_free(ctx, blob);
	return rc;
}

/* The format's entry in the loader list (loader.c). */
static const char *const dt_exts[] = { ".dts", ".dtb", NULL };

const struct ioda_loader ioda_dt_loader = {
	.name = "dt",
	.what = "device tree",
	.kind = IODA_INPUT_DT,
	.exts = dt_exts,
	.parse = ioda_dt_parse,
};
