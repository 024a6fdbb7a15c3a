/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scenarios: a machine, a kernel, and what happens to them after boot
 * (hotplug, drivers, EEH, SR-IOV, references, DMA), with expectations on
 * the state and the log.  docs/scenarios.md describes the language.
 *
 * A scenario is parsed whole into a list of steps first, so a malformed
 * file fails before anything runs; then ioda_scenario_run() loads the
 * machine, boots it and runs the steps, printing the kernel's log.
 */
#ifndef IODA_SCENARIO_H
#define IODA_SCENARIO_H

#include <stdio.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

struct ioda_scenario;

/*
 * Parses @len bytes of @buf (NUL-terminated), read from @file; relative
 * machine paths resolve against @file's folder.  Returns 0 and *@out, or a
 * negative errno with @err ("file:line: message"), nothing left allocated.
 */
int ioda_scenario_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			struct ioda_scenario **out, struct ioda_error *err);
/* Reads @path and parses it; as ioda_scenario_parse(). */
int ioda_scenario_load(struct ioda_ctx *ctx, const char *path, struct ioda_scenario **out,
		       struct ioda_error *err);
void ioda_scenario_free(struct ioda_scenario *s);

/* What a run's action steps came to (accumulated). */
struct ioda_scenario_stats {
	unsigned long steps;   /* action steps run */
	unsigned long refused; /* of them, refused by the kernel with nothing changed */
};

struct ioda_scenario_opts {
	const char *kernel; /* overrides the scenario's kernel line; NULL: keep it */
	bool audit;	    /* ioda_audit() after every step */
	bool exact;	    /* every PE line a step prints must be expected */
	enum ioda_refcount_rule refcount; /* who holds device PEs' devices (--refcount) */
	/*
	 * The matrix's mode: a step the kernel refuses (its call fails) is
	 * counted in @stats, not a failure, when it left the PEs, the PHBs'
	 * tables and the references as they were (else it fails the run, as
	 * "refused but changed ..."); what the scenario still holds at its end
	 * is let go quietly.
	 */
	bool tolerant;
	struct ioda_scenario_stats *stats; /* NULL: not counted */
	FILE *out;	    /* the kernel's log and what show and dma print */
	FILE *diag;	    /* failed expects and steps, audit violations */
	/*
	 * Builds the machine the machine line names (@path resolved, @kind as
	 * the line says); NULL: ioda_load_machine().  A caller that keeps its
	 * machines in memory (the fuzzer) serves them from there.
	 */
	int (*load_machine)(void *arg, struct ioda_ctx *ctx, const char *path,
			    enum ioda_input_kind kind, struct ioda_machine **out,
			    struct ioda_error *err);
	void *load_arg;
};

/*
 * Loads the machine, boots it and runs every step; the EEH event thread
 * runs after each step.  Returns 0 when every expect held, no step failed
 * unexpectedly, no audit found anything and teardown found no live
 * reference; 1 otherwise; a negative errno with @err when the machine or
 * the kernel cannot be set up.  The scenario can be run again.  During the
 * run the context's tracker reports go to @opts->diag (and into the step's
 * lines, for expect line); after it, to the default again.
 */
int ioda_scenario_run(const struct ioda_scenario *s, const struct ioda_scenario_opts *opts,
		      struct ioda_error *err);

/*
 * A run's result as one JSON document: the scenario, its exit status, the
 * kernel's log (@log) and the findings (@diag), each as lines.  -ENOMEM, -EIO.
 */
int ioda_scenario_json(const char *file, int status, const char *log, const char *diag,
		       FILE *out);

#endif
