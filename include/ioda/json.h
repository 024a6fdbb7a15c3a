/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON views: a machine description and a PHB's hardware tables as documents. */
#ifndef IODA_JSON_H
#define IODA_JSON_H

#include <stdio.h>

#include <ioda/hw.h>
#include <ioda/topo.h>

/* The description as one JSON document (ioda tree --json); -ENOMEM, -EIO. */
int ioda_topo_json(const struct ioda_topo *topo, FILE *out);

/* A PHB's tables (what ioda_hw_dump() prints) as one JSON document; -ENOMEM, -EIO. */
int ioda_hw_json(struct ioda_phb_hw *phb, FILE *out);

#endif
