/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The operation x object x state matrix: every scenario operation on one
 * object of every kind a machine has (root port, switch ports, bridges,
 * endpoint, multifunction function, PF, VF, GPU, NVLink link, OpenCAPI
 * function, the PHB), in every state the model reaches (bound, frozen and
 * recovered, failed for good, removed but held, fenced PHB, VFs enabled,
 * ...), alone, twice in a row and followed by its inverse.  Each cell is a
 * generated scenario run under the audit in the tolerant mode: it must end
 * with a clean audit and no leak, each step either done or refused by the
 * kernel with nothing changed.  docs/policy.md lists the rules.
 */
#ifndef IODA_MATRIX_H
#define IODA_MATRIX_H

#include <stdio.h>

#include <ioda/ioda.h>

enum ioda_matrix_kind {
	IODA_MX_ROOT_PORT,
	IODA_MX_UPSTREAM,
	IODA_MX_DOWNSTREAM,
	IODA_MX_PCIE_TO_PCI,
	IODA_MX_PCI_PCI,
	IODA_MX_ENDPOINT,
	IODA_MX_FUNCTION, /* a function other than 0 of a multifunction device */
	IODA_MX_PF,
	IODA_MX_VF,
	IODA_MX_GPU,
	IODA_MX_NVLINK,
	IODA_MX_OPENCAPI,
	IODA_MX_PHB,
	IODA_MX_KINDS
};

struct ioda_matrix_opts {
	/* The machine: a file (as ioda boot reads it), NULL: the built-in example. */
	const char *machine;
	const char *kernel; /* the profile; NULL: the newest that runs the machine */
	enum ioda_refcount_rule refcount;
	unsigned int threads; /* 0 or 1: one */
	bool pairs;	      /* also each operation twice, and followed by its inverse */
	unsigned long only;   /* run only scenario number @only - 1 (0: all) */
	FILE *print;	      /* non-NULL: print each scenario's text here too */
	FILE *diag;	      /* each failing scenario: its text and findings */
};

struct ioda_matrix_result {
	unsigned int kinds;		  /* object kinds the machine has */
	unsigned long scenarios;	  /* generated and run */
	unsigned long failed;		  /* of them, failing */
	unsigned long steps;		  /* action steps run */
	unsigned long refused;		  /* of them, refused by the kernel, nothing changed */
	unsigned long kernel_leaks;	  /* runs whose leaks are the refcount rule's own */
	unsigned long per_kind[IODA_MX_KINDS]; /* scenarios per object kind */
	bool found[IODA_MX_KINDS];
};

const char *ioda_matrix_kind_name(enum ioda_matrix_kind kind);

/*
 * Finds the objects, generates every cell and runs it.  Returns 0 with
 * @res filled (failures are counted there), or a negative errno with @err
 * when the machine cannot be loaded or booted.
 */
int ioda_matrix_run(const struct ioda_matrix_opts *opts, struct ioda_matrix_result *res,
		    struct ioda_error *err);

#endif
