/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PCI device model, held to the kernel's rules: every lookup returns a
 * counted reference (pci_get_*, pci_find_*), the iterator puts what it was
 * given, a removed device vanishes from lookups at once but lives until its
 * last put, and two machines never see each other.
 */
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>

#include <ioda/pci.h>

static const char switch_box[] =
	"machine memory=8G\n"
	"phb 0000 gen=phb4 {\n"
	"	bridge 00.0 1014:04c1 type=root-port {\n"
	"		bridge 00.0 10b5:8725 type=upstream {\n"
	"			bridge 01.0 10b5:8725 type=downstream {\n"
	"				device 00.0 144d:a808 class=0x010802 {\n"
	"					bar 0 16K mem64\n"
	"				}\n"
	"			}\n"
	"			bridge 02.0 10b5:8725 type=downstream {\n"
	"				device 00.0 14e4:1657 class=0x020000\n"
	"				device 00.1 14e4:1657 class=0x020000\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"phb 0001 gen=phb4 {\n"
	"	bridge 00.0 1014:04c1 type=root-port\n"
	"}\n";

struct fixture {
	struct test_reports r;
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->ctx = test_ctx_new(&f->r);
	f->m = test_machine(f->ctx, switch_box);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ioda_machine_free(f->m), 0);
	test_ctx_end_clean(f->ctx);
	free(f);
	return 0;
}

static unsigned int bus_range(struct ioda_machine *m, int domain, unsigned int nr)
{
	struct pci_bus *bus = pci_find_bus(m, domain, nr, "test");
	unsigned int end;

	assert_non_null(bus);
	end = bus->busn_end;
	pci_bus_put(bus, "test");
	return end;
}

/* Firmware numbers buses depth-first; a bridge's range ends at its last bus. */
static void buses_numbered_depth_first(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *nvme = pci_get_domain_bus_and_slot(f->m, 0, 3, PCI_DEVFN(0, 0), "test");
	struct pci_dev *nic1 = pci_get_domain_bus_and_slot(f->m, 0, 4, PCI_DEVFN(0, 1), "test");

	assert_non_null(nvme);
	assert_non_null(nic1);
	assert_string_equal(pci_dev_peek_name(nvme), "0000:03:00.0");
	assert_int_equal(nvme->vendor, 0x144d);
	assert_int_equal(nvme->class, 0x010802);
	assert_int_equal(nvme->resource[0].size, 16384);
	assert_true(nic1->multifunction);
	assert_int_equal(pci_dev_rid(nic1), 0x0401);
	assert_int_equal(bus_range(f->m, 0, 1), 4); /* root port: 01-04 */
	assert_int_equal(bus_range(f->m, 0, 2), 4); /* upstream: 02-04 */
	assert_int_equal(bus_range(f->m, 0, 3), 3);
	assert_int_equal(bus_range(f->m, 0, 0), 0xff); /* root bus */
	assert_int_equal(bus_range(f->m, 1, 1), 1);    /* empty root port */
	pci_dev_put(nvme, "test");
	pci_dev_put(nic1, "test");
}

/* pci_get_domain_bus_and_slot() hands out a reference its caller holds. */
static void lookup_returns_counted_reference(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *dev = pci_get_domain_bus_and_slot(f->m, 0, 3, 0, "driver");
	struct pci_bus *bus;
	struct pci_dev *bridge;

	assert_non_null(dev);
	assert_int_equal(ioda_ref_holder_count(&dev->ref, "driver"), 1);
	assert_int_equal(ioda_ref_holder_count(&dev->ref, "bus list"), 1);
	assert_int_equal(ioda_ref_count(&dev->ref), 2);
	bus = pci_dev_get_bus(dev, "driver");
	assert_int_equal(ioda_ref_holder_count(&bus->ref, "driver"), 1);
	bridge = pci_bus_get_bridge(bus, "driver");
	assert_string_equal(pci_dev_peek_name(bridge), "0000:02:01.0");
	assert_int_equal(ioda_ref_holder_count(&bridge->ref, "driver"), 1);
	pci_dev_put(bridge, "driver");
	pci_bus_put(bus, "driver");
	pci_dev_put(dev, "driver");
	assert_int_equal(ioda_ref_count(&dev->ref), 1);
	/* Misses return NULL and take nothing. */
	assert_null(pci_get_domain_bus_and_slot(f->m, 0, 3, PCI_DEVFN(1, 0), "driver"));
	assert_null(pci_get_domain_bus_and_slot(f->m, 7, 0, 0, "driver"));
	assert_null(pci_find_bus(f->m, 0, 9, "driver"));
}

/* pci_get_device() walks in add order, putting @from and getting the next. */
static void iterator_puts_from_and_gets_next(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *dev = NULL, *prev = NULL;
	const char *const want[] = { "0000:00:00.0", "0000:01:00.0", "0000:02:01.0",
				     "0000:03:00.0", "0000:02:02.0", "0000:04:00.0",
				     "0000:04:00.1", "0001:00:00.0" };
	unsigned int n = 0;

	while ((dev = pci_get_device(f->m, PCI_ANY_ID, PCI_ANY_ID, dev, "iter")) != NULL) {
		assert_true(n < 8);
		assert_string_equal(pci_dev_peek_name(dev), want[n]);
		assert_int_equal(ioda_ref_holder_count(&dev->ref, "iter"), 1);
		if (prev)
			assert_int_equal(ioda_ref_holder_count(&prev->ref, "iter"), 0);
		prev = dev;
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(ioda_ref_holder_count(&prev->ref, "iter"), 0);

	/* Vendor/device match. */
	n = 0;
	dev = NULL;
	while ((dev = pci_get_device(f->m, 0x14e4, 0x1657, dev, "iter")) != NULL)
		n++;
	assert_int_equal(n, 2);
}

/* The iterator continues past a device removed while it was the cursor. */
static void iterator_survives_removal_of_cursor(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *dev = pci_get_device(f->m, 0x144d, PCI_ANY_ID, NULL, "iter");

	assert_non_null(dev);
	assert_int_equal(pci_stop_and_remove(f->m, dev), 0);
	dev = pci_get_device(f->m, PCI_ANY_ID, PCI_ANY_ID, dev, "iter");
	assert_string_equal(pci_dev_peek_name(dev), "0000:02:02.0");
	pci_dev_put(dev, "iter");
}

/*
 * Hot remove while a reader holds a reference: the device leaves lookups at
 * once, stays valid for the reader, and is released exactly at its put.
 */
static void remove_under_reference_releases_at_last_put(void **state)
{
	struct fixture *f = *state;
	struct pci_dev *nic = pci_get_domain_bus_and_slot(f->m, 0, 4, 1, "reader");
	struct pci_dev *port = pci_get_domain_bus_and_slot(f->m, 0, 2, PCI_DEVFN(2, 0), "hotplug");
	struct pci_bus *bus4;

	assert_non_null(nic);
	assert_int_equal(pci_stop_and_remove(f->m, port), 0);
	assert_int_equal(pci_stop_and_remove(f->m, port), -ENOENT);
	pci_dev_put(port, "hotplug");
	assert_true(ioda_ref_released(&port->ref) == false); /* bus 04 holds its bridge */

	assert_null(pci_get_domain_bus_and_slot(f->m, 0, 4, 1, "reader2"));
	assert_null(pci_find_bus(f->m, 0, 4, "reader2"));
	assert_true(nic->removed);
	/* The reader's device still has its bus; that bus its bridge. */
	bus4 = pci_dev_peek_bus(nic);
	assert_int_equal(bus4->number, 4);
	assert_string_equal(pci_dev_peek_name(bus4->self), "0000:02:02.0");
	assert_int_equal(ioda_ref_count(&nic->ref), 1);
	assert_false(ioda_ref_released(&nic->ref));

	pci_dev_put(nic, "reader");
	assert_true(ioda_ref_released(&nic->ref));
	/* The chain above it went with it: bus 04, then its bridge. */
	assert_true(ioda_ref_released(&bus4->ref));
	assert_true(ioda_ref_released(&port->ref));
	assert_int_equal(f->r.n, 0);
}

/* A bridge subtree hot-added takes free bus numbers; removing it restores all. */
static void hot_add_then_remove_restores_machine(void **state)
{
	struct fixture *f = *state;
	size_t bytes = ioda_mem_live_bytes(f->ctx);
	unsigned long refs = ioda_ctx_live_refs(f->ctx);
	struct ioda_topo *topo = test_topo(f->ctx,
		"phb 0000 gen=phb4 {\n"
		"	bridge 01.0 1014:04c1 type=root-port {\n"
		"		device 00.0 10de:1db1 class=0x030200 label=gpu {\n"
		"			bar 0 16M\n"
		"			bar 1 32G mem64 pref\n"
		"		}\n"
		"	}\n"
		"}\n");
	struct pci_bus *root = pci_find_bus(f->m, 1, 0, "slot");
	struct pci_dev *port, *gpu;
	struct ioda_error err;

	assert_int_equal(pci_hot_add(f->m, root, topo->phbs->devices, &port, "slot", &err), 0);
	assert_string_equal(pci_dev_peek_name(port), "0001:00:01.0");
	assert_int_equal(port->subordinate->number, 2);
	gpu = pci_get_domain_bus_and_slot(f->m, 1, 2, 0, "test");
	assert_non_null(gpu);
	assert_string_equal(gpu->label, "gpu");
	assert_int_equal(gpu->resource[1].flags, PCI_RES_MEM | PCI_RES_MEM64 | PCI_RES_PREFETCH);
	pci_dev_put(gpu, "test");

	/* The same slot twice is refused, and nothing is added. */
	assert_int_equal(pci_hot_add(f->m, root, topo->phbs->devices, NULL, "slot", &err), -EINVAL);
	assert_string_equal(err.msg, "frag.topo:2:2: slot 01.0 is already occupied on this bus");

	assert_int_equal(pci_stop_and_remove(f->m, port), 0);
	pci_dev_put(port, "slot");
	pci_bus_put(root, "slot");
	ioda_topo_free(f->ctx, topo);
	assert_null(pci_find_bus(f->m, 1, 2, "test"));
	assert_int_equal(ioda_ctx_live_refs(f->ctx), refs);
	assert_int_equal(ioda_mem_live_bytes(f->ctx), bytes);
}

/* Two machines in one process share nothing. */
static void two_machines_are_independent(void **state)
{
	struct fixture *f = *state;
	struct test_reports r2;
	struct ioda_ctx *ctx2 = test_ctx_new(&r2);
	struct ioda_machine *m2 = test_machine(ctx2, switch_box);
	struct pci_dev *a = pci_get_domain_bus_and_slot(f->m, 0, 3, 0, "test");
	struct pci_dev *b = pci_get_domain_bus_and_slot(m2, 0, 3, 0, "test");

	assert_ptr_not_equal(a, b);
	assert_int_equal(pci_stop_and_remove(m2, b), 0);
	assert_null(pci_get_domain_bus_and_slot(m2, 0, 3, 0, "test"));
	/* The first machine still has its device, untouched. */
	assert_false(a->removed);
	pci_dev_put(b, "test");
	pci_dev_put(a, "test");
	assert_int_equal(ioda_machine_free(m2), 0);
	test_ctx_end_clean(ctx2);
}

/* A reference kept past teardown is reported as a leak by holder and site. */
static void leak_reported_at_machine_teardown(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = test_machine(ctx, switch_box);
	int line = __LINE__ + 1;
	struct pci_dev *dev = pci_get_domain_bus_and_slot(m, 0, 3, 0, "forgetful driver");
	char want[200];

	assert_non_null(dev);
	/* The device, and through it its bus and every bridge and bus above. */
	assert_true(ioda_machine_free(m) > 1);
	snprintf(want, sizeof(want),
		 "ref-tracker: leak: pci_dev 0000:03:00.0 held by forgetful driver at "
		 "tests/pci/test_pci.c:%d", line);
	assert_report(&r, want);
	ioda_ctx_free(ctx);
}

/* Loading fails cleanly at every allocation: an error, and nothing left. */
static void load_fault_loop_leaves_nothing(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	unsigned long i;

	for (i = 1;; i++) {
		struct ioda_machine *m;
		struct ioda_error err = { "" };
		int rc;

		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, i);
		rc = ioda_load_machine_buf(ctx, "box.topo", switch_box, sizeof(switch_box) - 1,
					   IODA_INPUT_TOPO, &m, &err);
		if (rc == 0) {
			assert_int_equal(ioda_machine_free(m), 0);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg, "box.topo: out of memory");
		assert_null(m);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
		assert_int_equal(ioda_ctx_live_refs(ctx), 0);
	}
	assert_true(i > 20);
	assert_int_equal(r.n, 0);
	test_ctx_end_clean(ctx);
}

/* Semantic errors of a description point at the offending line. */
static void bus_number_conflicts_are_errors(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	static const char text[] =
		"phb 0 gen=phb3 {\n"
		"	bridge 00.0 1014:03dc bus=01-02\n"
		"	bridge 01.0 1014:03dc bus=02\n"
		"}\n";
	struct ioda_machine *m;
	struct ioda_error err;

	assert_int_equal(ioda_load_machine_buf(ctx, "c.topo", text, sizeof(text) - 1,
					       IODA_INPUT_AUTO, &m, &err), -EINVAL);
	assert_string_equal(err.msg, "c.topo:3:2: bus 02 is already in use");
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(buses_numbered_depth_first, setup, teardown),
		cmocka_unit_test_setup_teardown(lookup_returns_counted_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(iterator_puts_from_and_gets_next, setup, teardown),
		cmocka_unit_test_setup_teardown(iterator_survives_removal_of_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(remove_under_reference_releases_at_last_put, setup,
						teardown),
		cmocka_unit_test_setup_teardown(hot_add_then_remove_restores_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(two_machines_are_independent, setup, teardown),
		cmocka_unit_test(leak_reported_at_machine_teardown),
		cmocka_unit_test(load_fault_loop_leaves_nothing),
		cmocka_unit_test(bus_number_conflicts_are_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
