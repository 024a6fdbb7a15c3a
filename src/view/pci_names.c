/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vendor and device names from the PCI ID database through pciutils' libpci
 * (pci_lookup_name(), pci.ids).  Its own file: libpci's <pci/pci.h> defines
 * a struct pci_dev of its own, so nothing here sees ioda's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "pci_names.h"

struct ioda_pci_names {
	struct pci_access *pacc;
};

static void quiet(char *msg, ...)
{
}

/* libpci's error hook may not return; it is only called when libpci runs out of memory. */
static void __attribute__((noreturn)) fatal(char *msg, ...)
{
	fprintf(stderr, "libpci: %s\n", msg);
	abort();
}

struct ioda_pci_names *ioda_pci_names_new(void)
{
	struct ioda_pci_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->pacc = pci_alloc();
	if (!n->pacc) {
		free(n);
		return NULL;
	}
	/*
	 * pci_init() is not called (no device is read), so the message hooks it
	 * would set are ours: a missing pci.ids is no error, the names are only
	 * left out.
	 */
	n->pacc->warning = quiet;
	n->pacc->debug = quiet;
	n->pacc->error = fatal;
	/* pci.ids alone: udev's hwdb would bring libudev in, and it leaks. */
	pci_set_param(n->pacc, "hwdb.disable", "1");
	return n;
}

bool ioda_pci_names_lookup(struct ioda_pci_names *n, unsigned int vendor, unsigned int device,
			   char *buf, size_t len)
{
	const char *s;

	if (!n || !len)
		return false;
	s = pci_lookup_name(n->pacc, buf, (int)len,
			    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, vendor,
			    device);
	/* Without the database libpci answers "Device 1db1": that is no name. */
	return s && strncmp(s, "Device ", 7) && strncmp(s, "Vendor ", 7);
}

void ioda_pci_names_free(struct ioda_pci_names *n)
{
	if (!n)
		return;
	pci_cleanup(n->pacc);
	free(n);
}
