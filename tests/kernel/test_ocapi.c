/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OpenCAPI PHBs (spec §6.2, §2.5): a device PE per function, made by the
 * enable hook since 5.6 (in the PE set-up pass before), with no DMA and no
 * PELT-V, released on unplug and made again on replug; the link's actags
 * split among its functions; the SPA torn down with the PE; what each
 * reference rule pins (v5.5: the PE's never-dropped get; v5.6: nothing).
 */
#include "fixture.h"

#include <ioda/eeh.h>
#include <ioda/hw.h>
#include <ioda/opal.h>

#define OCAPI IODA_SRCDIR "/tests/kernel/data/ocapi.dts"

static void boot_ocapi(struct booted *b, const char *kernel, enum ioda_refcount_rule rule)
{
	struct ioda_boot_opts opts = { .kernel = kernel, .refcount = rule };
	struct ioda_error err;

	b->ctx = test_ctx_new(&b->r);
	if (ioda_load_machine(b->ctx, OCAPI, IODA_INPUT_AUTO, &b->m, &err))
		fail_msg("load: %s", err.msg);
	b->lines.n = 0;
	if (ioda_kernel_boot(b->m, &opts, collect, &b->lines, &b->k, &err))
		fail_msg("boot: %s", err.msg);
}

static struct pci_dev *fn_at(struct booted *b, unsigned int fn)
{
	struct pci_dev *d = pci_get_domain_bus_and_slot(b->m, 8, 0, PCI_DEVFN(0, fn), "test");

	assert_non_null(d);
	pci_dev_put(d, "test"); /* the bus list keeps it */
	return d;
}

static struct ioda_phb_hw *hw(struct booted *b)
{
	return ioda_opal_phb(b->k->opal, 8);
}

/* pnv_ocapi_enable_device_hook(): no PE at boot, one per function at enable, top-down. */
static void pe_on_enable_since_5_6(void **state)
{
	static const char *const want[] = {
		"pci 0008:00:00.0: [PE# 05] Associated device to PE",
		"pci 0008:00:00.1: [PE# 04] Associated device to PE",
	};
	struct booted b;

	boot_ocapi(&b, "6.1", IODA_REFS_COUNTED);
	assert_int_equal(b.lines.n, 0);
	assert_int_equal(fn_at(&b, 0)->pe_number, IODA_INVALID_PE);
	assert_int_equal(ioda_enable_device(b.k, fn_at(&b, 0)), 0);
	assert_int_equal(ioda_enable_device(b.k, fn_at(&b, 1)), 0);
	assert_int_equal(ioda_enable_device(b.k, fn_at(&b, 0)), 0); /* the PE stays */
	assert_lines(&b.lines, want, 2);
	/* The DEV compare triplet: only the function's own RID. */
	assert_int_equal(ioda_hw_rtt_lookup(hw(&b), 0x0000), 5);
	assert_int_equal(ioda_hw_rtt_lookup(hw(&b), 0x0001), 4);
	/* Modelled by a PHB4 of 256 PEs: its reserved PE is the table's last. */
	assert_int_equal(ioda_hw_rtt_lookup(hw(&b), 0x0002), hw(&b)->reserved_pe);
	assert_int_equal(ioda_audit(b.k, NULL, NULL), 0);
	shutdown(&b);
}

/* Up to 5.5 pnv_pci_ioda_setup_PEs() made them at boot. */
static void pe_at_boot_before_5_6(void **state)
{
	static const char *const want[] = {
		"pci 0008:00:00.0: [PE# 05] Associated device to PE",
		"pci 0008:00:00.1: [PE# 04] Associated device to PE",
	};
	struct booted b;

	boot_ocapi(&b, "5.2", IODA_REFS_COUNTED);
	assert_lines(&b.lines, want, 2);
	shutdown(&b);
}

/* pnv_ocxl_get_actag(): 32 + 48 desired > 64, so 64 x desired / 80 each, from 0. */
static void actags_split_per_link(void **state)
{
	struct ioda_ocxl_actag a0, a1;
	struct booted b;

	boot_ocapi(&b, "6.1", IODA_REFS_COUNTED);
	assert_int_equal(ioda_ocxl_get_actag(b.k, fn_at(&b, 1), &a1), 0);
	assert_int_equal(ioda_ocxl_get_actag(b.k, fn_at(&b, 0), &a0), 0);
	assert_int_equal(a0.base, 0);
	assert_int_equal(a0.enabled, 25);
	assert_int_equal(a0.supported, 32);
	assert_int_equal(a1.base, 25);
	assert_int_equal(a1.enabled, 38);
	assert_int_equal(a1.supported, 48);
	assert_int_equal(ioda_ocxl_get_pasid_count(b.k, fn_at(&b, 0)), IODA_OCXL_PASID_MAX);
	shutdown(&b);
}

/* Not an OpenCAPI function: -ENODEV. */
static void actags_only_on_opencapi(void **state)
{
	struct ioda_ocxl_actag a;
	struct booted b;
	struct pci_dev *d;

	boot(&b, p9_switch, "6.1", NULL);
	d = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "test");
	assert_int_equal(ioda_ocxl_get_actag(b.k, d, &a), -ENODEV);
	assert_int_equal(ioda_ocxl_spa_setup(b.k, d, 0x100000, 0), -ENODEV);
	pci_dev_put(d, "test");
	shutdown(&b);
}

/*
 * Unplug releases the PE (no DMA, no PELT-V: the RTT entry goes back to the
 * reserved PE) and the SPA set up through it; replug and enable make a new
 * PE, the same number again.
 */
static void release_on_unplug_and_reuse_on_replug(void **state)
{
	struct ioda_topo_node *node;
	struct pci_dev *fn0, *again;
	struct pci_bus *root;
	struct ioda_error err;
	struct booted b;

	boot_ocapi(&b, "6.1", IODA_REFS_COUNTED);
	fn0 = fn_at(&b, 0);
	assert_int_equal(ioda_enable_device(b.k, fn0), 0);
	assert_int_equal(ioda_ocxl_spa_setup(b.k, fn0, 0x2000000, 4), 0);
	assert_int_equal(ioda_ocxl_spa_setup(b.k, fn0, 0x3000000, 4), -EBUSY);
	assert_int_equal(ioda_ocxl_spa_clear_cache(b.k, fn0, 17), 0);
	assert_int_equal(hw(&b)->spa_addr, 0x2000000);
	assert_int_equal(pci_describe_subtree(b.ctx, fn0, &node), 0);
	node->next = NULL;
	assert_int_equal(ioda_hot_remove(b.k, fn0), 0);
	assert_int_equal(hw(&b)->spa_addr, 0);
	assert_int_equal(ioda_hw_rtt_lookup(hw(&b), 0x0000), hw(&b)->reserved_pe);
	assert_false(ioda_kernel_peek_phb(b.k, 8)->pe_alloc[0] & (1ul << 5));
	assert_int_equal(ioda_audit(b.k, NULL, NULL), 0);

	root = pci_find_bus(b.m, 8, 0, "test");
	if (ioda_hot_add(b.k, root, node, &again, "test", &err))
		fail_msg("hot add: %s", err.msg);
	pci_bus_put(root, "test");
	ioda_topo_node_free(b.ctx, node);
	assert_int_equal(again->pe_number, IODA_INVALID_PE);
	assert_int_equal(ioda_enable_device(b.k, again), 0);
	assert_int_equal(again->pe_number, 5);
	pci_dev_put(again, "test");
	assert_int_equal(ioda_audit(b.k, NULL, NULL), 0);
	shutdown(&b);
}

/* Spec §1.3: v5.5's PE pins each function for good; v5.6 pins none, counted holds "pe". */
static void pins_per_rule(void **state)
{
	struct booted b;

	boot_ocapi(&b, "5.2", IODA_REFS_V5_5);
	assert_int_equal(ioda_ref_holder_count(&fn_at(&b, 0)->ref, "ocapi pe (v5.5, never put)"), 1);
	assert_int_equal(ioda_hot_remove(b.k, fn_at(&b, 0)), 0);
	/* Pinned: never released, so its PE stays. */
	assert_true(ioda_kernel_peek_phb(b.k, 8)->pe_alloc[0] & (1ul << 5));
	ioda_kernel_free(b.k);
	assert_true(ioda_machine_free(b.m) >= 2);
	ioda_ctx_free(b.ctx);

	boot_ocapi(&b, "5.6", IODA_REFS_V5_6);
	assert_int_equal(ioda_enable_device(b.k, fn_at(&b, 0)), 0);
	assert_int_equal(ioda_ref_holder_count(&fn_at(&b, 0)->ref, "pe"), 0);
	assert_int_equal(ioda_hot_remove(b.k, fn_at(&b, 0)), 0);
	assert_false(ioda_kernel_peek_phb(b.k, 8)->pe_alloc[0] & (1ul << 5));
	shutdown(&b);

	boot_ocapi(&b, "6.1", IODA_REFS_COUNTED);
	assert_int_equal(ioda_enable_device(b.k, fn_at(&b, 0)), 0);
	assert_int_equal(ioda_ref_holder_count(&fn_at(&b, 0)->ref, "pe"), 1);
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pe_on_enable_since_5_6),
		cmocka_unit_test(pe_at_boot_before_5_6),
		cmocka_unit_test(actags_split_per_link),
		cmocka_unit_test(actags_only_on_opencapi),
		cmocka_unit_test(release_on_unplug_and_reuse_on_replug),
		cmocka_unit_test(pins_per_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
