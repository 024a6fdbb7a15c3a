/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda groups: a booted machine's iommu groups, and what goes to a guest with a device. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ioda/eeh.h>
#include <ioda/groups.h>
#include <ioda/load.h>

#include "commands.h"

static const char groups_usage[] =
	"Usage: ioda groups [--json] [--device=DDDD:BB:DD.F]... [--vfs=N] [--kernel=VERSION]\n"
	"                   [--cmdline=TEXT] [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine and lists its iommu groups: each group's devices with\n"
	"their PE (DDDD:PE), IDs and class.  VFIO passes whole groups to a guest.\n"
	"\n"
	"--device answers \"what else must I pass through with this device?\" (repeat\n"
	"it, or give BDF,BDF, for several: the union): every\n"
	"device that must go to the same guest, and why: the same PE (the PHB\n"
	"isolates PEs, not functions), the same iommu group, an NVLink peer (a GPU\n"
	"and its links on the NPU), or the iommu group of such a peer.  Exit 1 when\n"
	"the device has no iommu group (a bridge, a device without a PE), saying why:\n"
	"it cannot be passed through.  Names come from the PCI ID database (pci.ids);\n"
	"then the host's steps: vfio-pci takes each function, and the guest's VFIO\n"
	"container opens each group's /dev/vfio/N.  --vfs=N enables N VFs on each\n"
	"SR-IOV device asked about first, as its driver would, and lists each VF\n"
	"with the PE and iommu group it gets: a VF goes to a guest on its own.\n";

static int do_groups(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	struct pci_dev *devs[MAX_DEVICES];
	unsigned int n = 0;
	int rc = 0;

	if (!c->ndevice) {
		rc = c->json ? ioda_groups_json(k, stdout) : ioda_groups_text(k, stdout);
		return rc ? EXIT_USAGE : 0;
	}
	for (; n < c->ndevice; n++) {
		const char *why;

		devs[n] = get_dev_arg(c, m, c->device[n], &rc);
		if (!devs[n])
			break;
		/* --vfs: the PF's VFs first, each with the PE and group the kernel gives it. */
		if (c->vfs && devs[n]->sriov.total_vfs && !devs[n]->num_vfs) {
			rc = ioda_sriov_enable(k, devs[n], c->vfs);
			if (rc) {
				fprintf(stderr, "%s: %s: enabling %u VFs failed: %s\n",
					c->path ? c->path : ioda_example_machine_name, c->device[n],
					c->vfs, strerror(-rc));
				rc = EXIT_FINDING;
				n++;
				break;
			}
		}
		why = ioda_groups_why_none(devs[n]);
		if (why) {
			fprintf(stderr, "%s: %s has no iommu group, so it cannot be passed through: %s\n",
				c->path ? c->path : ioda_example_machine_name, c->device[n], why);
			rc = EXIT_FINDING;
			n++;
			break;
		}
	}
	if (!rc) {
		const char *bdfs[MAX_DEVICES];
		struct ioda_advice *a;
		struct ioda_error err = { "" };

		for (unsigned int i = 0; i < n; i++)
			bdfs[i] = pci_dev_peek_name(devs[i]);
		rc = ioda_advise(k, bdfs, n, &a, &err);
		if (rc)
			fprintf(stderr, "%s: %s\n", c->path ? c->path : ioda_example_machine_name,
				err.msg);
		else
			rc = c->json ? ioda_advice_json(a, stdout) : ioda_advice_text(a, stdout);
		ioda_advice_free(a);
		rc = rc ? EXIT_USAGE : 0;
	}
	while (n--)
		if (devs[n])
			pci_dev_put(devs[n], "ioda");
	return rc;
}

int cmd_groups(int argc, char **argv)
{
	struct cli c = { .usage = groups_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON | OPT_DEVICE);

	return rc >= 0 ? rc : run(&c, true, false, do_groups);
}
