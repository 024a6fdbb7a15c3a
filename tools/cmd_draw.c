/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda draw: boots a machine and draws it with Graphviz.  The DOT text is
 * ours (src/view/draw.c); SVG and PNG come from running Graphviz's dot.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioda/ioda.h>
#include <ioda/eeh.h>

#include "commands.h"

extern char **environ;

static const char draw_usage[] =
	"Usage: ioda draw [-o FILE.svg|FILE.png|FILE.dot] [--eeh-freeze=DDDD:BB:DD.F]...\n"
	"                 [--kernel=VERSION] [--cmdline=TEXT] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine and draws it: per chip its PHBs, each PHB's PEs (kind,\n"
	"bus) and each PE's devices, boxed by iommu group across PHBs (a GPU and\n"
	"its NVLinks are one box); numbered NVLinks join GPUs to their NPU links;\n"
	"frozen PEs and fenced PHBs are red.  Without -o the Graphviz DOT\n"
	"text goes to stdout; -o writes FILE by its extension, .svg and .png by\n"
	"running Graphviz's dot (Debian: apt-get install graphviz).\n"
	"--eeh-freeze freezes the device's PE before drawing, as an EEH error does\n"
	"before the kernel notices it (repeatable).\n";

/* The -T format dot renders @path's extension to; "dot": ours as is; NULL: unknown. */
static const char *format_of(const char *path)
{
	static const char *const formats[] = { "svg", "png", "dot" };
	const char *ext = strrchr(path, '.');

	for (size_t i = 0; ext && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcasecmp(ext + 1, formats[i]) == 0)
			return formats[i];
	return NULL;
}

/* --eeh-freeze: each device's PE frozen, as an EEH error leaves it before the kernel notices. */
static int freeze(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	for (unsigned int i = 0; i < c->nfreeze; i++) {
		int rc;
		struct pci_dev *dev = get_dev_arg(c, m, c->freeze[i], &rc);

		if (!dev)
			return rc;
		rc = ioda_eeh_inject(k, dev, IODA_EEH_FREEZE);
		pci_dev_put(dev, "ioda");
		if (rc) {
			fprintf(stderr, "ioda: %s: cannot freeze its PE: %s\n", c->freeze[i],
				strerror(-rc));
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Feeds @dot to "dot -TFORMAT -o FILE"; a socket, so a dot that gave up raises no SIGPIPE. */
static int render(const char *file, const char *format, const char *dot, size_t len)
{
	char tflag[8];
	char *const argv[] = { "dot", tflag, "-o", (char *)file, NULL };
	posix_spawn_file_actions_t fa;
	int sv[2], rc, status = 0;
	pid_t pid;

	snprintf(tflag, sizeof(tflag), "-T%s", format);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, "ioda: cannot run dot: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (!rc) {
		rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
		if (!rc)
			rc = posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(sv[1]);
	if (rc) {
		close(sv[0]);
		if (rc == ENOENT)
			fprintf(stderr, "ioda: cannot write %s: Graphviz's dot program is not "
				"installed (Debian: apt-get install graphviz)\n", file);
		else
			fprintf(stderr, "ioda: cannot run dot: %s\n", strerror(rc));
		return EXIT_USAGE;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = send(sv[0], dot + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* dot ended early: its status says why */
		off += (size_t)n;
	}
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "ioda: dot failed writing %s (status %d)\n", file,
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return EXIT_USAGE;
	}
	return 0;
}

/* The DOT text to stdout, to a .dot file, or through dot to an image. */
static int output(struct ioda_kernel *k, const char *file)
{
	const char *format = file ? format_of(file) : "dot";
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!file)
		return ioda_draw_dot(k, stdout) ? EXIT_USAGE : 0;
	f = strcmp(format, "dot") == 0 ? fopen(file, "w") : open_memstream(&text, &len);
	if (!f) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	rc = ioda_draw_dot(k, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "%s: write error\n", file);
		rc = EXIT_USAGE;
	} else if (text) {
		rc = render(file, format, text, len);
	}
	free(text);
	return rc;
}

static int do_draw(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	int rc = freeze(c, m, k);

	return rc ? rc : output(k, c->out);
}

int cmd_draw(int argc, char **argv)
{
	struct cli c = { .usage = draw_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_DRAW);

	if (rc >= 0)
		return rc;
	if (c.out && !format_of(c.out))
		return usage_error(argv[0], "-o wants a .svg, .png or .dot file, not", c.out);
	return run(&c, true, false, do_draw);
}
