/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands that live in files of their own, and what they share with ioda.c. */
#ifndef IODA_TOOLS_COMMANDS_H
#define IODA_TOOLS_COMMANDS_H

enum { EXIT_FINDING = 1, EXIT_USAGE = 2 };

/* One line "ioda: WHAT 'ARG' (see 'ioda CMD --help')"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *what, const char *arg);
/* getopt's '?' (an unknown option) or ':' (an option without its value). */
int option_error(char **argv, int opt);
/* Exactly one operand, named @what: -1 to go on, or the exit status. */
int one_operand(int argc, char **argv, const char *what);
/* A bad --kernel, before anything is loaded: EXIT_USAGE; -1 when good. */
int check_kernel(const char *cmd, const char *version);

int cmd_draw(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
