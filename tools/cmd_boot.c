/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda boot: boots a machine and prints the kernel's log. */
#include "commands.h"

static const char boot_usage[] =
	"Usage: ioda boot [--json] [--kernel=VERSION] [--cmdline=TEXT] [--reassign]\n"
	"                 [--as=topo|dt|log] [MACHINE]\n"
	"\n"
	"Boots the machine as the PowerNV PCI code of kernel VERSION does (default:\n"
	"the newest ioda models) and prints what that kernel prints about it: the\n"
	"PHB headers, the resource assignment where the machine gives no addresses\n"
	"(or everywhere with --reassign), each PE, its DMA windows and iommu groups.\n"
	"--cmdline gives the boot options that matter: iommu=nobypass, and pci=realloc,\n"
	"realloc=off, hpiosize=, hpmemsize=, hpmmiosize=, hpmmioprefsize= (the hotplug\n"
	"reserves of hot-plug ports).\n";

int cmd_boot(int argc, char **argv)
{
	struct cli c = { .usage = boot_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON);

	return rc >= 0 ? rc : run(&c, true, true, NULL);
}
