/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The input formats loader.c chooses from: each format's file defines its entry. */
#ifndef IODA_LOAD_PRIV_H
#define IODA_LOAD_PRIV_H

#include <ioda/load.h>

extern const struct ioda_loader ioda_topo_loader, ioda_dt_loader, ioda_log_loader;

/*
 * More than any machine's description, boot log or compiled tree:
 * /dev/zero, or a .dts that grows in dtc, must not take all memory.
 */
#define IODA_INPUT_MAX (64u << 20)

#endif
