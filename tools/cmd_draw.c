/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda draw: boots a machine and draws it with Graphviz.  The DOT text is
 * ours (src/io/draw.c); SVG and PNG come from running Graphviz's dot.
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioda/draw.h>
#include <ioda/eeh.h>
#include <ioda/ioda.h>

#include "commands.h"

#define HOLDER "ioda draw"
#define MAX_FREEZES 16

extern char **environ;

static const char draw_usage[] =
	"Usage: ioda draw [-o FILE.svg|FILE.png|FILE.dot] [--eeh-freeze=DDDD:BB:DD.F]...\n"
	"                 [--kernel=VERSION] [--cmdline=TEXT] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine and draws it: per chip its PHBs, each PHB's PEs (kind,\n"
	"bus, iommu group) and each PE's devices; NVLinks join GPUs to their NPU\n"
	"links; frozen PEs and fenced PHBs are red.  Without -o the Graphviz DOT\n"
	"text goes to stdout; -o writes FILE by its extension, .svg and .png by\n"
	"running Graphviz's dot (Debian: apt-get install graphviz).\n"
	"--eeh-freeze freezes the device's PE before drawing, as an EEH error does\n"
	"before the kernel notices it (repeatable).\n";

struct draw_opts {
	const char *out, *path;
	int kind;
	struct ioda_boot_opts boot;
	const char *freeze[MAX_FREEZES];
	unsigned int nfreeze;
};

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

/* Returns -1 to go on, or the exit status. */
static int parse(int argc, char **argv, struct draw_opts *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "eeh-freeze", required_argument, NULL, 'f' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!format_of(optarg))
				return usage_error(argv[0], "-o wants a .svg, .png or .dot file, not",
						   optarg);
			o->out = optarg;
			break;
		case 'f':
			if (o->nfreeze == MAX_FREEZES)
				return usage_error(argv[0], "too many --eeh-freeze (max 16) at", optarg);
			o->freeze[o->nfreeze++] = optarg;
			break;
		case 'k':
			rc = check_kernel(argv[0], optarg);
			if (rc >= 0)
				return rc;
			o->boot.kernel = optarg;
			break;
		case 'c':
			o->boot.cmdline = optarg;
			break;
		case 'a':
			o->kind = ioda_input_kind_parse(optarg);
			if (o->kind < 0)
				return usage_error(argv[0], "unknown input kind", optarg);
			break;
		case 'h':
			fputs(draw_usage, stdout);
			return 0;
		default:
			return option_error(argv, c);
		}
	}
	if (argc - optind > 1)
		return usage_error(argv[0], "unexpected argument", argv[optind + 1]);
	o->path = optind < argc ? argv[optind] : NULL;
	return -1;
}

/* The device named @bdf, counted; NULL when the machine has none. */
static struct pci_dev *find_dev(struct ioda_machine *m, const char *bdf)
{
	struct pci_dev *dev = NULL;

	while ((dev = pci_get_device(m, PCI_ANY_ID, PCI_ANY_ID, dev, HOLDER)))
		if (strcasecmp(pci_dev_peek_name(dev), bdf) == 0)
			return dev;
	return NULL;
}

static int freeze(struct ioda_kernel *k, const struct draw_opts *o)
{
	for (unsigned int i = 0; i < o->nfreeze; i++) {
		struct pci_dev *dev = find_dev(k->m, o->freeze[i]);
		int rc;

		if (!dev) {
			fprintf(stderr, "%s: no device %s\n", o->path ? o->path : ioda_example_machine_name,
				o->freeze[i]);
			return EXIT_USAGE;
		}
		rc = ioda_eeh_inject(k, dev, IODA_EEH_FREEZE);
		pci_dev_put(dev, HOLDER);
		if (rc) {
			fprintf(stderr, "ioda: %s: cannot freeze its PE: %s\n", o->freeze[i],
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

int cmd_draw(int argc, char **argv)
{
	struct draw_opts o = { .kind = IODA_INPUT_AUTO };
	struct ioda_error err = { "" };
	struct ioda_kernel *k = NULL;
	struct ioda_machine *m;
	struct ioda_ctx *ctx;
	int rc = parse(argc, argv, &o);

	if (rc >= 0)
		return rc;
	ctx = ioda_ctx_new();
	if (!ctx) {
		fputs("ioda: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	if (o.path)
		rc = ioda_load_machine(ctx, o.path, (enum ioda_input_kind)o.kind, &m, &err);
	else
		rc = ioda_load_example(ctx, &m, &err);
	if (!rc) {
		rc = ioda_kernel_boot(m, &o.boot, NULL, NULL, &k, &err);
		if (rc) {
			/* What the kernel refused is the machine's: say which. */
			struct ioda_error e = err;

			ioda_error_set(&err, "%s: %s", o.path ? o.path : ioda_example_machine_name,
				       e.msg);
			ioda_machine_free(m);
		}
	}
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		ioda_ctx_free(ctx);
		return EXIT_USAGE;
	}
	rc = freeze(k, &o);
	if (!rc)
		rc = output(k, o.out);
	ioda_kernel_free(k);
	if (ioda_machine_free(m) && !rc)
		rc = EXIT_FINDING;
	ioda_ctx_free(ctx);
	return rc;
}
