/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Beside the peer: the real kernel's boot of one topology in QEMU powernv
 * (the oracle, ../shared/oracle/README.md) against ioda's boot of the same
 * topology.  QEMU runs the whole machine, firmware and kernel, until the
 * kernel panics for want of a root file system just after PCI set-up; ioda
 * loads the topology text and boots it.  Wall time for both (QEMU is
 * another process).  Without qemu-system-ppc64 or a kernel image
 * (IODA_ORACLE_KERNEL, or the README's /tmp/k/root/boot/vmlinux-*), it
 * says so and goes on.
 */
#define _GNU_SOURCE /* open_memstream */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#include "bench.h"

#define ORACLE "tests/conformance/qemu/oracle-3-0"

static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* The kernel image the oracle boots, from malloc; NULL when none. */
static char *oracle_kernel(void)
{
	const char *env = getenv("IODA_ORACLE_KERNEL");
	glob_t g;
	char *k = NULL;

	if (env && *env)
		return access(env, R_OK) == 0 ? strdup(env) : NULL;
	if (glob("/tmp/k/root/boot/vmlinux-*", 0, NULL, &g) == 0 && g.gl_pathc)
		k = strdup(g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return k;
}

/* The oracle's command line for the topology, KERNEL and the disk image filled in. */
static char *qemu_command(const char *srcdir, const char *kernel, const char *dir)
{
	char path[4096], *line = NULL, *cmd = NULL;
	size_t cap = 0, len = 0;
	FILE *f, *out;

	if (snprintf(path, sizeof(path), "%s/" ORACLE ".qemu", srcdir) >= (int)sizeof(path) ||
	    !(f = fopen(path, "r")))
		return NULL;
	out = open_memstream(&cmd, &len);
	if (getline(&line, &cap, f) > 0 && out) {
		fprintf(out, "cd '%s' && timeout 300 ", dir);
		for (const char *p = line; *p && *p != '\n'; p++) {
			if (!strncmp(p, "KERNEL", 6)) {
				fprintf(out, "'%s'", kernel);
				p += 5;
			} else {
				fputc(*p, out);
			}
		}
		fputs(" >/dev/null 2>&1", out);
	}
	if (out)
		fclose(out);
	fclose(f);
	free(line);
	return cmd;
}

/* Boots the oracle topology in ioda @n times; wall ns per boot. */
static double ioda_boot_ns(const char *srcdir, int n)
{
	char path[4096];
	double t0, t = 0;

	if (snprintf(path, sizeof(path), "%s/" ORACLE ".topo", srcdir) >= (int)sizeof(path))
		bench_die("peer", "source path too long");
	for (int i = 0; i < n; i++) {
		struct ioda_ctx *ctx = ioda_ctx_new();
		struct ioda_machine *m;
		struct ioda_kernel *k;
		struct ioda_error err;

		if (!ctx)
			bench_die("peer", "out of memory");
		t0 = wall_ns();
		if (ioda_load_machine(ctx, path, IODA_INPUT_TOPO, &m, &err) ||
		    ioda_kernel_boot(m, NULL, NULL, NULL, &k, &err))
			bench_die("peer", err.msg);
		t += wall_ns() - t0;
		ioda_kernel_free(k);
		ioda_machine_free(m);
		ioda_ctx_free(ctx);
	}
	return t / n;
}

void bench_peer(struct bench *b)
{
	char dir[] = "/tmp/ioda-bench-qemu-XXXXXX", *kernel, *cmd, note[96], img_path[64],
							       log_path[64];
	double qemu, ioda;
	FILE *img;

	if (b->quick) /* the smoke run of make check: a QEMU boot is 10 s and more */
		return;
	kernel = oracle_kernel();
	if (!on_path("qemu-system-ppc64") || !kernel) {
		fprintf(stderr, "ioda-bench: peer: %s: the boot beside QEMU powernv is skipped\n",
			kernel ? "qemu-system-ppc64 is not installed"
			       : "no kernel image (IODA_ORACLE_KERNEL, /tmp/k/root/boot/vmlinux-*)");
		free(kernel);
		return;
	}
	if (!mkdtemp(dir))
		bench_die("peer", "cannot make a directory");
	cmd = qemu_command(b->srcdir, kernel, dir);
	/* The topology's NVMe drive wants a backing file; QEMU writes the console log. */
	snprintf(img_path, sizeof(img_path), "%s/nvd0.img", dir);
	snprintf(log_path, sizeof(log_path), "%s/console.log", dir);
	img = fopen(img_path, "w");
	if (!cmd || !img || ftruncate(fileno(img), 1 << 20))
		bench_die("peer", "cannot set up the QEMU run");
	fclose(img);
	qemu = wall_ns();
	if (system(cmd) == -1)
		bench_die("peer", "cannot run QEMU");
	qemu = wall_ns() - qemu;
	ioda = ioda_boot_ns(b->srcdir, b->quick ? 1 : 20);
	snprintf(note, sizeof(note), "oracle-3-0: QEMU powernv8 + Linux %.1f s, ioda %.2f ms",
		 qemu / 1e9, ioda / 1e6);
	bench_add(b, "peer.qemu_boot", qemu / ioda, "x", BENCH_INFO, 0, qemu / ioda, note);
	unlink(img_path);
	unlink(log_path);
	rmdir(dir);
	free(cmd);
	free(kernel);
}
