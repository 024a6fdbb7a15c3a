/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ioda show: boots a machine and prints its PE table, or the debugfs PE dump. */
#include <ioda/ioda.h>

#include "commands.h"

static const char show_usage[] =
	"Usage: ioda show [--json|--dump] [--kernel=VERSION] [--cmdline=TEXT] [--as=KIND]\n"
	"                 [MACHINE]\n"
	"\n"
	"Boots the machine and prints its PE table: per PHB, each allocated PE with\n"
	"its kind (the kernel's flags), RID, device count, iommu group, DMA windows,\n"
	"M32 and M64 segments, freeze state and member devices.  --dump prints what\n"
	"debugfs PCIxxxx/dump_ioda_pe_state prints, line for line.\n";

static void print_dump(void *arg, const struct ioda_event *ev)
{
	if (ev->kind == IODA_EV_PE_DUMP)
		print_event(arg, ev);
}

static int do_show(struct cli *c, struct ioda_machine *m, struct ioda_kernel *k)
{
	if (c->json)
		return ioda_show_json(k, stdout) ? EXIT_USAGE : 0;
	if (!c->dump)
		return ioda_show_text(k, stdout) ? EXIT_USAGE : 0;
	k->emit = print_dump;
	k->emit_arg = stdout;
	for (unsigned int i = 0; i < k->nphbs; i++)
		ioda_dump_pe_state(k, k->phbs[i]->domain->number);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct cli c = { .usage = show_usage };
	int rc = parse_args(argc, argv, &c, OPT_BOOT | OPT_JSON | OPT_DUMP);

	if (rc >= 0)
		return rc;
	if (c.json && c.dump)
		return usage_error(argv[0], "choose one of", "--json --dump");
	return run(&c, true, false, do_show);
}
