/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PE table of a booted machine, for people (text) and programs (JSON). */
#ifndef IODA_SHOW_H
#define IODA_SHOW_H

#include <stdio.h>

#include <ioda/ioda.h>

/*
 * Per PHB, one line per allocated PE: number, kind (the dump_ioda_pe_state
 * flags), RID, device count, DMA windows, iommu group, M32 and M64
 * segments, freeze state, what the PE holds, its member devices.
 */
int ioda_show_text(struct ioda_kernel *k, FILE *out);
/* The same as one JSON document; -ENOMEM. */
int ioda_show_json(struct ioda_kernel *k, FILE *out);

/* A name for each event kind ("pe_bus", "dev_configured", ...), for JSON. */
const char *ioda_event_kind_name(enum ioda_event_kind kind);

/* Collects events as a JSON array; ioda_json_events_write() prints it. */
struct ioda_json_events;
struct ioda_json_events *ioda_json_events_new(void);
void ioda_json_events_add(void *arg, const struct ioda_event *ev); /* an ioda_event_fn */
/* Writes {"kernel": ..., "events": [...]} and frees; -ENOMEM if an add failed. */
int ioda_json_events_write(struct ioda_json_events *j, const char *kernel, FILE *out);
void ioda_json_events_free(struct ioda_json_events *j);

#endif
