/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda hw: a booted machine's PHB hardware tables, as the kernel left them. */
#include <stdio.h>

#include <ioda/hw.h>
#include <ioda/ioda.h>
#include <ioda/json.h>

#include "commands.h"

static const char hw_usage[] =
	"Usage: ioda hw --phb=DOMAIN [--json] [--kernel=VERSION] [--cmdline=TEXT] [--as=KIND]\n"
	"               [MACHINE]\n"
	"\n"
	"Boots the machine, then dumps the hardware tables of the PHB of PCI domain\n"
	"DOMAIN, in hex as the kernel prints it (0030, or 0x30), as the kernel left them: RTT, PELT-V, TVT, M32 and M64 maps, MSI\n"
	"routing, frozen PEs.  Only entries that differ from reset are shown.\n"
	"--json prints them as one JSON document.\n";

static int do_hw(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(k, (int)c->phb);

	if (!phb) {
		fprintf(stderr, "ioda: the machine has no PHB %04lx\n", c->phb);
		return EXIT_USAGE;
	}
	if (c->json)
		return ioda_hw_json(ioda_opal_phb(k->opal, phb->opal_id), stdout) ? EXIT_USAGE : 0;
	ioda_hw_dump(ioda_opal_phb(k->opal, phb->opal_id), stdout);
	return 0;
}

int cmd_hw(int argc, char **argv)
{
	struct cli c = { .usage = hw_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_PHB | OPT_JSON);

	if (rc >= 0)
		return rc;
	if (c.phb < 0)
		return usage_error(argv[0], "missing", "--phb");
	return run(&c, true, false, do_hw);
}
