/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Torture: random operations on a generated machine (hotplug, drivers, EEH
 * of every kind and again on the last PE hit, forced recovery, SR-IOV enable
 * and disable, DMA, references held across operations and operations on
 * held devices that may be gone, NVLink getters, the PE dump), one pick of
 * a device in three among the rare ones (bridges, root ports, VFs, NPU
 * functions, GPUs), with
 * ioda_audit() every few operations and at the end.  One thread's run is a
 * function of its seed: a failure names the seed and the step, and the same
 * seed replays it.
 */
#ifndef IODA_TORTURE_H
#define IODA_TORTURE_H

#include <stdint.h>
#include <stdio.h>

#include <ioda/load.h>

struct ioda_torture_opts {
	uint64_t seed;
	unsigned long ops;	   /* in all, shared out among the threads */
	unsigned int threads;	   /* 1: deterministic */
	unsigned long audit_every; /* operations per thread between audits; 0: only at the end */
	FILE *out;		   /* progress and the last line */
	FILE *diag;		   /* each failure */
	bool verbose;		   /* each operation, on @out */
};

/*
 * Generates a machine from the seed (PHB3, PHB4 or PHB5 with switches,
 * multifunction slots, SR-IOV and conventional PCI below a bridge; every
 * third seed the example POWER9 with its NVLinks and OpenCAPI card), boots
 * it and runs the operations.  Prints how many of each operation ran, then
 * "torture: N ops, F failures" last.
 * Returns the number of failures, or a negative errno with @err when the
 * machine could not be built.
 */
/*
 * The topology text of seed @seed's machine, from malloc (free() it), or
 * NULL for the seeds that run the example machine (and when out of memory).
 */
char *ioda_torture_topology(uint64_t seed, size_t *len);

long ioda_torture_run(const struct ioda_torture_opts *opts, struct ioda_error *err);

#endif
