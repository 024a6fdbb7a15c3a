/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The input formats loader.c chooses from: each format's file defines its entry. */
#ifndef IODA_LOAD_PRIV_H
#define IODA_LOAD_PRIV_H

#include <ioda/load.h>

extern const struct ioda_loader ioda_topo_loader, ioda_dt_loader, ioda_log_loader;

#endif
