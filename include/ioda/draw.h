/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A booted machine as a Graphviz graph (DOT text): chips, PHBs, PEs and
 * their devices, NVLinks between GPUs and their NPU links, frozen PEs and
 * fenced PHBs marked.  Rendering it is Graphviz's job (the dot program).
 */
#ifndef IODA_DRAW_H
#define IODA_DRAW_H

#include <stdio.h>

#include <ioda/ioda.h>

/* Writes the DOT graph of @k's machine; 0, or -EIO when @out fails. */
int ioda_draw_dot(struct ioda_kernel *k, FILE *out);

#endif
