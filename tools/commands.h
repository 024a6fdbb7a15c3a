/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands, each in a file of its own, and what they share with ioda.c. */
#ifndef IODA_TOOLS_COMMANDS_H
#define IODA_TOOLS_COMMANDS_H

#include <stdbool.h>

#include <ioda/ioda.h>

enum { EXIT_FINDING = 1, EXIT_USAGE = 2 };

/* One line "ioda: WHAT 'ARG' (see 'ioda CMD --help')"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *what, const char *arg);
/* getopt's '?' (an unknown option) or ':' (an option without its value). */
int option_error(char **argv, int opt);
/* Exactly one operand, named @what: -1 to go on, or the exit status. */
int one_operand(int argc, char **argv, const char *what);
/* The same, then a new context for the command's work in *@ctx. */
int one_operand_ctx(int argc, char **argv, const char *what, struct ioda_ctx **ctx);
/* A whole number for an option, at most @max; false if it is not one. */
bool parse_count(const char *s, unsigned long long max, unsigned long long *out);
/* A bad --kernel, before anything is loaded: EXIT_USAGE; -1 when good. */
int check_kernel(const char *cmd, const char *version);

#define MAX_FREEZES 16
#define MAX_DEVICES 32

/* What a machine command was asked. */
struct cli {
	const char *cmd; /* the command's name, for usage errors */
	const char *usage;
	int kind;
	const char *path;
	struct ioda_boot_opts boot;
	long phb; /* --phb, -1 when not given */
	bool json, dump, topo;
	const char *subtree; /* --subtree BDF */
	const char *device[MAX_DEVICES]; /* --device BDF, repeated or comma-separated */
	unsigned int ndevice;
	unsigned int vfs;                /* groups --vfs N: VFs enabled on each PF first */
	char *device_text;               /* the copies the commas were cut in */
	const char *out;     /* draw -o FILE */
	const char *freeze[MAX_FREEZES]; /* draw --eeh-freeze BDF, in order */
	unsigned int nfreeze;
};

enum {
	OPT_BOOT = 1u << 0,
	OPT_PHB = 1u << 1,
	OPT_JSON = 1u << 2,
	OPT_DUMP = 1u << 3,
	OPT_TOPO = 1u << 4,
	OPT_DEVICE = 1u << 5,
	OPT_DRAW = 1u << 6, /* -o, --eeh-freeze */
};

/*
 * Parses the options machine commands share (@allowed: OPT_*).  Returns -1
 * to go on, or the exit status when the command is done (--help, an error).
 */
int parse_args(int argc, char **argv, struct cli *c, unsigned int allowed);
/*
 * Loads MACHINE (the built-in example without one), boots it when @boot is
 * set (printing the kernel's log when @log is), runs @fn on it, tears down.
 */
int run(struct cli *c, bool boot, bool log,
	int (*fn)(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k));
/* The kernel's log line for @ev on stdout; nothing when @arg is NULL (an ioda_event_fn). */
void print_event(void *arg, const struct ioda_event *ev);
/* The device a DDDD:BB:DD.F names, counted for "ioda"; NULL with *@rc the exit status. */
struct pci_dev *get_dev_arg(struct cli *c, struct ioda_machine *m, const char *bdf, int *rc);

int cmd_tree(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_hw(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_torture(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_host(int argc, char **argv);

#endif
