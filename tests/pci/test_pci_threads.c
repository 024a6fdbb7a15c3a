/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The concurrency contract of include/ioda/pci.h: lookups, get and put on
 * one thread while another hot-removes and re-adds a switch subtree.  Run
 * under ThreadSanitizer (build-tsan) and ASan (build-asan): a reader never
 * sees freed memory, and the machine ends with no reference left.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include <ioda/pci.h>

#define ROUNDS 300

static const char box[] =
	"phb 0 gen=phb4 {\n"
	"	bridge 00.0 1014:04c1 type=root-port bus=01-08 {\n"
	"		bridge 00.0 10b5:8725 type=upstream bus=02-08 {\n"
	"			bridge 01.0 10b5:8725 type=downstream bus=03 {\n"
	"				device 00.0 144d:a808 class=0x010802\n"
	"			}\n"
	"			bridge 02.0 10b5:8725 type=downstream bus=04 {\n"
	"				device 00.0 14e4:1657 class=0x020000\n"
	"				device 00.1 14e4:1657 class=0x020000\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n";

/* The downstream port and NIC that come and go. */
static const char slot[] =
	"phb 0 gen=phb4 {\n"
	"	bridge 02.0 10b5:8725 type=downstream bus=04 {\n"
	"		device 00.0 14e4:1657 class=0x020000\n"
	"		device 00.1 14e4:1657 class=0x020000\n"
	"	}\n"
	"}\n";

struct shared {
	struct ioda_machine *m;
	atomic_bool stop;
	unsigned long seen;
};

static void *reader(void *arg)
{
	struct shared *s = arg;

	while (!atomic_load(&s->stop)) {
		struct pci_dev *dev = pci_get_domain_bus_and_slot(s->m, 0, 4, 1, "reader");
		struct pci_dev *it = NULL;

		if (dev) {
			struct pci_bus *bus = pci_dev_get_bus(dev, "reader");

			/* Fields of a held device are readable without the lock. */
			if (dev->vendor == 0x14e4 && bus->number == 4)
				s->seen++;
			pci_bus_put(bus, "reader");
			pci_dev_put(dev, "reader");
		}
		while ((it = pci_get_device(s->m, 0x14e4, PCI_ANY_ID, it, "iter")) != NULL)
			s->seen += it->devfn <= 1;
	}
	return NULL;
}

static void lookups_race_hot_add_and_remove(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct shared s = { .m = test_machine(ctx, box) };
	struct ioda_topo *topo = test_topo(ctx, slot);
	struct pci_bus *bus2 = pci_find_bus(s.m, 0, 2, "hotplug");
	pthread_t t;
	struct ioda_error err;

	assert_int_equal(pthread_create(&t, NULL, reader, &s), 0);
	for (int i = 0; i < ROUNDS; i++) {
		struct pci_dev *port = pci_get_domain_bus_and_slot(s.m, 0, 2, PCI_DEVFN(2, 0),
								   "hotplug");

		assert_non_null(port);
		assert_int_equal(pci_stop_and_remove(s.m, port), 0);
		pci_dev_put(port, "hotplug");
		assert_int_equal(pci_hot_add(s.m, bus2, topo->phbs->devices, NULL, "hotplug", &err),
				 0);
	}
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
	pci_bus_put(bus2, "hotplug");
	ioda_topo_free(ctx, topo);
	assert_int_equal(ioda_machine_free(s.m), 0);
	assert_int_equal(r.n, 0);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookups_race_hot_add_and_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
