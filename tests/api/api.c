/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program outside the tree: built against the installed headers and
 * libioda.so through `pkg-config --cflags --libs ioda`, it boots the
 * built-in example machine, prints its PE table and checks a PE the
 * kernel gives: what a user of the library does, through its ABI only.
 */
#include <stdio.h>

#include <ioda/ioda.h>
#include <ioda/load.h>
#include <ioda/pci.h>
#include <ioda/show.h>

int main(void)
{
	struct ioda_boot_opts opts = { .kernel = "5.12" }; /* NVLink: before 5.13 */
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct ioda_error err = { "" };
	struct ioda_machine *m = NULL;
	struct ioda_kernel *k = NULL;
	struct pci_dev *nvme;
	int rc = 1;

	if (!ctx || ioda_load_example(ctx, &m, &err) ||
	    ioda_kernel_boot(m, &opts, NULL, NULL, &k, &err)) {
		fprintf(stderr, "api: %s\n", err.msg);
		goto out;
	}
	if (ioda_show_text(k, stdout))
		goto out;
	nvme = pci_get_domain_bus_and_slot(m, 0, 3, PCI_DEVFN(0, 0), "api");
	if (nvme && nvme->pe_number == 0x1fb && nvme->iommu_group == 0)
		rc = 0;
	else
		fprintf(stderr, "api: 0000:03:00.0 is not in PE#1fb, group 0\n");
	pci_dev_put(nvme, "api");
out:
	ioda_kernel_free(k);
	if (m && ioda_machine_free(m))
		rc = 1;
	ioda_ctx_free(ctx);
	return rc;
}
