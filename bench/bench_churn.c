/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Churn on the example machine: an NVMe drive hot removed and added back
 * (its PE released and made again), and a freeze injected into it and
 * recovered by its driver through the EEH event thread.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ioda/load.h>
#include <ioda/eeh.h>

#include "bench.h"

struct churn {
	struct ioda_kernel *k;
	struct ioda_machine *m;
	int domain;
	unsigned int busnr, devfn;
	struct ioda_topo_node *slot; /* what a rescan finds in the slot */
};

static struct pci_dev *churn_dev(struct churn *c)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(c->m, c->domain, c->busnr, c->devfn,
							  "bench");

	if (!dev)
		bench_die("churn", "the NVMe drive is gone");
	return dev;
}

static double run_hotplug(void *arg, long n)
{
	struct churn *c = arg;
	struct pci_bus *bus = pci_find_bus(c->m, c->domain, c->busnr, "bench");
	double t0 = bench_now_ns();
	struct ioda_error err;

	for (long i = 0; i < n; i++) {
		struct pci_dev *dev = churn_dev(c);

		if (ioda_hot_remove(c->k, dev))
			bench_die("churn", "hot remove failed");
		pci_dev_put(dev, "bench");
		if (ioda_hot_add(c->k, bus, c->slot, NULL, "bench", &err))
			bench_die("churn", err.msg);
	}
	t0 = bench_now_ns() - t0;
	pci_bus_put(bus, "bench");
	return t0;
}

static double run_eeh(void *arg, long n)
{
	struct churn *c = arg;
	struct pci_dev *dev = churn_dev(c);
	double t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		/* Two hours apart: the freeze count never reaches eeh_max_freezes. */
		ioda_clock_advance(c->k, 7200);
		if (ioda_eeh_inject(c->k, dev, IODA_EEH_FREEZE) || ioda_eeh_poll(c->k) != 1)
			bench_die("churn", "the freeze was not recovered");
	}
	t0 = bench_now_ns() - t0;
	pci_dev_put(dev, "bench");
	return t0;
}

/* The drive's slot in topology text, its BAR where it is now. */
static void churn_setup(struct ioda_ctx *ctx, struct churn *c)
{
	struct pci_dev *dev = pci_get_device(c->m, 0x144d, 0xa822, NULL, "bench");
	struct ioda_error err;
	char text[256];

	if (!dev)
		bench_die("churn", "the example machine has no NVMe drive");
	c->domain = pci_dev_peek_domain_nr(dev);
	c->busnr = pci_dev_peek_bus(dev)->number;
	c->devfn = dev->devfn;
	snprintf(text, sizeof(text),
		 "device %02x.%x 144d:a822 class=0x010802 {\n\tbar 0 %" PRIu64
		 " mem64 @0x%" PRIx64 "\n}\n",
		 PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn), dev->resource[0].size,
		 dev->resource[0].start);
	if (ioda_topo_parse_nodes(ctx, "bench-slot", text, strlen(text), 1, false, &c->slot, &err))
		bench_die("churn", err.msg);
	pci_dev_put(dev, "bench");
}

void bench_churn(struct bench *b)
{
	long n = b->quick ? 2 : 2000;
	int rounds = b->quick ? 1 : 5;
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct churn c = { 0 };
	struct ioda_error err;
	struct pci_dev *dev;
	double ns;

	if (!ctx || ioda_load_example(ctx, &c.m, &err) ||
	    ioda_kernel_boot(c.m, NULL, NULL, NULL, &c.k, &err))
		bench_die("churn", ctx ? err.msg : "out of memory");
	churn_setup(ctx, &c);
	ns = bench_median_ns(run_hotplug, &c, n, rounds);
	bench_add(b, "churn.hotplug", 1e9 / ns, "/s", BENCH_INFO, 0, -1,
		  "NVMe remove + add cycles, example machine");
	dev = churn_dev(&c);
	if (ioda_driver_bind(c.k, dev, "nvme", IODA_DRIVER_RECOVERS))
		bench_die("churn", "cannot bind a driver");
	pci_dev_put(dev, "bench");
	ns = bench_median_ns(run_eeh, &c, n, rounds);
	bench_add(b, "churn.eeh", 1e9 / ns, "/s", BENCH_INFO, 0, -1,
		  "freeze inject + recover cycles, example machine");
	ioda_topo_nodes_free(ctx, c.slot);
	ioda_kernel_free(c.k);
	ioda_machine_free(c.m);
	ioda_ctx_free(ctx);
}
