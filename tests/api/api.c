/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program outside the tree: built against the installed libioda.h and
 * libioda.so through `pkg-config --cflags --libs ioda`, as strict C11
 * (-std=c11 -pedantic) and beside pciutils' <pci/pci.h>, whose struct
 * pci_dev the library must not clash with.  It boots the built-in example
 * machine and walks what the library hands back: the PE table, the
 * passthrough advice for a GPU, a replay's result.
 */
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

#include <libioda.h>

/* Checks @cond, saying what the kernel would have done where it fails. */
#define EXPECT(cond, ...)                                       \
	do {                                                    \
		if (!(cond)) {                                  \
			fprintf(stderr, "api: " __VA_ARGS__);   \
			fputc('\n', stderr);                    \
			goto out;                               \
		}                                               \
	} while (0)

/* The PE whose functions include @bdf, or NULL. */
static const struct ioda_pe_info *pe_of(const struct ioda_show *s, const char *bdf)
{
	for (unsigned int i = 0; i < s->nphbs; i++)
		for (unsigned int n = 0; n < s->phbs[i].npes; n++) {
			const struct ioda_pe_info *pe = &s->phbs[i].pes[n];

			for (unsigned int d = 0; d < pe->ndevices; d++)
				if (!strcmp(pe->devices[d], bdf))
					return pe;
		}
	return NULL;
}

int main(void)
{
	/* NVLink needs a kernel before 5.13. */
	struct ioda_boot_opts opts = { .kernel = "5.12", .refcount = IODA_REFS_COUNTED };
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct ioda_error err = { "" };
	struct ioda_machine *m = NULL;
	struct ioda_kernel *k = NULL;
	struct ioda_show *show = NULL;
	struct ioda_advice *adv = NULL;
	const char *gpu[] = { "0003:01:00.0" };
	const char *none[] = { "0000:00:00.0" };
	const struct ioda_pe_info *pe;
	struct pci_filter filter; /* libpci's types beside libioda's */
	unsigned int nvlinks = 0;
	int rc = 1;

	pci_filter_init(NULL, &filter);
	EXPECT(ctx, "no context");
	EXPECT(!ioda_load_example(ctx, &m, &err), "%s", err.msg);
	EXPECT(!ioda_kernel_boot(m, &opts, NULL, NULL, &k, &err), "%s", err.msg);
	EXPECT(!ioda_show_text(k, stdout), "show failed");

	/* The switch's NVMe gets its bus PE, PE#1fb on the PHB4, and iommu group 0. */
	EXPECT(!ioda_show_read(k, &show), "no PE table");
	EXPECT(!strcmp(show->kernel, "5.12"), "booted %s", show->kernel);
	pe = pe_of(show, "0000:03:00.0");
	EXPECT(pe && pe->pe == 0x1fb && pe->iommu_group == 0 && (pe->flags & IODA_PE_BUS),
	       "0000:03:00.0 is not in bus PE#1fb, group 0");
	EXPECT(pe->window0 && pe->bypass, "PE#1fb has no 32-bit window and bypass");
	/* PHB 0000's three bays are hotplug slots; bay3 is empty and powered off. */
	EXPECT(show->phbs[0].nslots == 3 && !strcmp(show->phbs[0].slots[2].label, "bay3") &&
	       !show->phbs[0].slots[2].present && !show->phbs[0].slots[2].powered,
	       "PHB 0000's slots are not bay1-3 with bay3 empty");

	/* A GPU goes to a guest with its NVLinks, in their PEs, and the links' group. */
	EXPECT(!ioda_advise(k, gpu, 1, &adv, &err), "%s", err.msg);
	for (unsigned int i = 0; i < adv->nwith; i++)
		nvlinks += !!(adv->with[i].why & IODA_WHY_NVLINK_PEER);
	EXPECT(nvlinks >= 1, "the GPU's NVLinks do not go with it");
	EXPECT(adv->ngroups >= 1 && adv->nsteps > 3, "no host steps");
	ioda_advice_free(adv);
	adv = NULL;

	/* A root port has no iommu group: the advisor says why. */
	EXPECT(ioda_advise(k, none, 1, &adv, &err) == -19 /* ENODEV */ && strstr(err.msg, "bridge"),
	       "a root port was advised on: %s", err.msg);
	rc = 0;
out:
	ioda_advice_free(adv);
	ioda_show_free(show);
	ioda_kernel_free(k);
	if (m && ioda_machine_free(m))
		rc = 1;
	ioda_ctx_free(ctx);
	if (!rc)
		printf("api: libioda %s: PE table, advice and errors as the kernel gives them\n",
		       ioda_version());
	return rc;
}
