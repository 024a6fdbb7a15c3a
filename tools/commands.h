/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands that live in files of their own, and the exit codes they share. */
#ifndef IODA_TOOLS_COMMANDS_H
#define IODA_TOOLS_COMMANDS_H

enum { EXIT_FINDING = 1, EXIT_USAGE = 2 };

int cmd_draw(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
