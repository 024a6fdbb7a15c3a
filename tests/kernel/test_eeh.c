/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EEH as the 6.1 kernel ran it on QEMU powernv9 (corpus guest/p9-switch,
 * eeh.txt) and as eeh_driver.c decides: a PE whose devices have no driver
 * is recovered by removing and re-adding them; an EEH-aware driver gets a
 * reset without hotplug; past eeh_max_freezes within an hour the devices
 * are removed for good; a freeze spread by PELT-V is recovered from the
 * top-most frozen PE; a fenced PHB is reset and its PEs made again.
 */
#include "fixture.h"

#include <ioda/eeh.h>

static void collect_all(void *arg, const struct ioda_event *ev)
{
	struct lines *l = arg;
	char buf[160];

	ioda_event_format(ev, buf, sizeof(buf));
	if (l->n < 256)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s", buf);
}

static void boot_eeh(struct booted *b)
{
	boot(b, p9_switch, "6.1", NULL);
	b->k->emit = collect_all;
	b->lines.n = 0;
}

static bool has_line(const struct lines *l, const char *want)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (!strcmp(l->line[i], want))
			return true;
	return false;
}

static void assert_has(const struct lines *l, const char *want)
{
	if (has_line(l, want))
		return;
	for (unsigned int i = 0; i < l->n; i++)
		print_error("  %s\n", l->line[i]);
	fail_msg("missing line \"%s\"", want);
}

static struct pci_dev *dev_at(struct booted *b, unsigned int bus, unsigned int devfn)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(b->m, 0, bus, devfn, "test");

	assert_non_null(dev);
	pci_dev_put(dev, "test"); /* the bus list keeps it; borrowed for the test */
	return dev;
}

/* eeh_force_recover 0:1fa with no driver bound: what the guest printed. */
static void force_recover_without_driver_is_a_hotplug(void **state)
{
	static const char *const want[] = {
		"EEH: Recovering PHB#0-PE#1fa",
		"EEH: PE location: N/A, PHB location: N/A",
		"EEH: Frozen PHB#0-PE#1fa detected",
		"EEH: This PCI device has failed 1 times in the last hour and will be permanently disabled after 5 failures.",
		"EEH: Notify device drivers to shutdown",
		"EEH: Beginning: 'error_detected(IO frozen)'",
		"PCI 0000:04:00.0#01fa: EEH: no driver",
		"EEH: Finished:'error_detected(IO frozen)' with aggregate recovery state:'none'",
		"EEH: Collect temporary log",
		"EEH: Reset with hotplug activity",
		"pci 0000:04:00.0: Removing from iommu group 1",
		"pci 0000:04     : [PE# 1fa] Releasing PE",
		"pci 0000:04     : [PE# 1fa] Removing DMA window #0",
		"pci 0000:04     : [PE# 1fa] Disabling 64-bit DMA bypass",
		"EEH: Sleep 5s ahead of complete hotplug",
		"pci_bus 0000:04: Configuring PE for bus",
		"pci 0000:04     : [PE# 1fa] Secondary bus 0x0000000000000004 associated with PE#1fa",
		"pci 0000:04:00.0: Configured PE#1fa",
		"pci 0000:04     : [PE# 1fa] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:04     : [PE# 1fa] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:04     : [PE# 1fa] Enabling 64-bit DMA bypass",
		"pci 0000:04:00.0: Adding to iommu group 1",
		"EEH: Notify device driver to resume",
		"EEH: Beginning: 'resume'",
		"PCI 0000:04:00.0#01fa: EEH: no driver",
		"EEH: Finished:'resume'",
		"EEH: Recovery successful.",
	};
	struct booted b;

	boot_eeh(&b);
	assert_int_equal(ioda_eeh_force_recover(b.k, 0, 0x1fa), 0);
	assert_lines(&b.lines, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(ioda_clock_now(b.k), 5);
	shutdown(&b);
}

/* An EEH-aware driver: reset without hotplug, the device keeps its PE, thawed. */
static void aware_driver_recovers_without_hotplug(void **state)
{
	struct booted b;
	struct pci_dev *nvme;

	boot_eeh(&b);
	nvme = dev_at(&b, 4, 0);
	assert_int_equal(ioda_driver_bind(b.k, nvme, "nvme", IODA_DRIVER_RECOVERS), 0);
	assert_int_equal(ioda_eeh_inject(b.k, nvme, IODA_EEH_FREEZE), 0);
	assert_int_equal(ioda_hw_pe_state(ioda_opal_phb(b.k->opal, 0), 0x1fa), IODA_PEST_FROZEN);
	assert_int_equal(ioda_eeh_poll(b.k), 1);
	assert_has(&b.lines, "EEH: Frozen PE#1fa on PHB#0 detected");
	assert_has(&b.lines, "PCI 0000:04:00.0#01fa: EEH: Invoking nvme->error_detected(IO frozen)");
	assert_has(&b.lines, "PCI 0000:04:00.0#01fa: EEH: nvme driver reports: 'need reset'");
	assert_has(&b.lines, "EEH: Reset without hotplug activity");
	assert_has(&b.lines, "EEH: Finished:'slot_reset' with aggregate recovery state:'recovered'");
	assert_has(&b.lines, "EEH: Recovery successful.");
	assert_false(has_line(&b.lines, "pci 0000:04     : [PE# 1fa] Releasing PE"));
	assert_int_equal(ioda_hw_pe_state(ioda_opal_phb(b.k->opal, 0), 0x1fa), 0);
	assert_false(nvme->removed);
	assert_int_equal(ioda_eeh_freeze_count(b.k, nvme), 1);
	assert_int_equal(ioda_eeh_poll(b.k), 0);
	shutdown(&b);
}

/* The sixth freeze within an hour: removed for good, its PE released. */
static void past_max_freezes_devices_are_removed(void **state)
{
	struct booted b;
	struct pci_dev *nvme;

	boot_eeh(&b);
	nvme = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "test");
	ioda_driver_bind(b.k, nvme, "nvme", IODA_DRIVER_RECOVERS);
	for (int i = 0; i < 5; i++) {
		ioda_eeh_inject(b.k, nvme, IODA_EEH_FREEZE);
		assert_int_equal(ioda_eeh_poll(b.k), 1);
		ioda_clock_advance(b.k, 60);
	}
	assert_int_equal(ioda_eeh_freeze_count(b.k, nvme), 5);
	b.lines.n = 0;
	ioda_eeh_inject(b.k, nvme, IODA_EEH_FREEZE);
	assert_int_equal(ioda_eeh_poll(b.k), 1);
	assert_has(&b.lines, "EEH: PHB#0-PE#1fa has failed 6 times in the last hour and has been permanently disabled.");
	assert_has(&b.lines, "EEH: Unable to recover from failure from PHB#0-PE#1fa.");
	assert_has(&b.lines, "PCI 0000:04:00.0#01fa: EEH: nvme driver reports: 'none'");
	assert_true(nvme->removed);
	/* The PE goes with the device's last reference, ours. */
	assert_false(has_line(&b.lines, "pci 0000:04     : [PE# 1fa] Releasing PE"));
	assert_int_equal(ioda_eeh_poll(b.k), 0); /* removed: no event any more */
	pci_dev_put(nvme, "test");
	assert_has(&b.lines, "pci 0000:04     : [PE# 1fa] Releasing PE");
	shutdown(&b);
}

/* Freezes more than an hour apart never add up (eeh_pe_update_time_stamp). */
static void the_count_restarts_after_an_hour(void **state)
{
	struct booted b;
	struct pci_dev *nvme;

	boot_eeh(&b);
	nvme = dev_at(&b, 4, 0);
	ioda_driver_bind(b.k, nvme, "nvme", IODA_DRIVER_RECOVERS);
	for (int i = 0; i < 8; i++) {
		ioda_clock_advance(b.k, 2 * 3600);
		ioda_eeh_inject(b.k, nvme, IODA_EEH_FREEZE);
		assert_int_equal(ioda_eeh_poll(b.k), 1);
		assert_int_equal(ioda_eeh_freeze_count(b.k, nvme), 1);
	}
	assert_false(nvme->removed);
	shutdown(&b);
}

/*
 * A bad DMA from the switch's downstream port freezes bus 02's PE, and
 * PELT-V freezes the PEs below it with it; recovery starts from the top.
 */
static void pelt_v_child_frozen_with_its_parent(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;

	boot_eeh(&b);
	hw = ioda_opal_phb(b.k->opal, 0);
	assert_int_equal(ioda_eeh_inject(b.k, dev_at(&b, 2, 0), IODA_EEH_BAD_DMA), 0);
	assert_int_equal(ioda_hw_pe_state(hw, 0x1fc), IODA_PEST_FROZEN);
	assert_int_equal(ioda_hw_pe_state(hw, 0x1fb), IODA_PEST_FROZEN);
	assert_int_equal(ioda_hw_pe_state(hw, 2), IODA_PEST_FROZEN);
	assert_int_equal(ioda_hw_pe_state(hw, 0x1fd), 0); /* the parent is not */
	ioda_eeh_poll(b.k);
	assert_has(&b.lines, "EEH: Recovering PHB#0-PE#1fc");
	for (unsigned int pe = 0; pe < 512; pe++)
		assert_int_equal(ioda_hw_pe_state(hw, pe), 0);
	/* The downstream ports' buses came back with their PE numbers. */
	assert_int_equal(ioda_dev_peek_pe(b.k, dev_at(&b, 5, 1))->pe_number, 2);
	shutdown(&b);
}

/* A fenced PHB: the complete reset, every device removed and found again. */
static void fenced_phb_recovered(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;

	boot_eeh(&b);
	hw = ioda_opal_phb(b.k->opal, 0);
	assert_int_equal(ioda_eeh_inject(b.k, dev_at(&b, 3, 0), IODA_EEH_FENCE), 0);
	assert_int_equal(ioda_eeh_poll(b.k), 1);
	assert_has(&b.lines, "EEH: Fenced PHB#0 detected, location: N/A");
	assert_has(&b.lines, "pci 0000:00     : [PE# 1fe] Releasing PE");
	assert_has(&b.lines, "pci 0000:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe");
	assert_has(&b.lines, "EEH: Recovery successful.");
	assert_false(hw->fenced);
	assert_int_equal(ioda_dev_peek_pe(b.k, dev_at(&b, 4, 0))->pe_number, 0x1fa);
	shutdown(&b);
}

/* PHB4 refuses MMIO error injection, as the guest's err_injct showed. */
static void phb4_refuses_mmio_injection(void **state)
{
	struct booted b;

	boot_eeh(&b);
	assert_int_equal(ioda_eeh_inject(b.k, dev_at(&b, 4, 0), IODA_EEH_MMIO_LOAD), -EOPNOTSUPP);
	assert_has(&b.lines, "pnv_eeh_err_inject: Failure -7 injecting error 1-0 to PHB#0-PE#1fa");
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(force_recover_without_driver_is_a_hotplug),
		cmocka_unit_test(aware_driver_recovers_without_hotplug),
		cmocka_unit_test(past_max_freezes_devices_are_removed),
		cmocka_unit_test(the_count_restarts_after_an_hour),
		cmocka_unit_test(pelt_v_child_frozen_with_its_parent),
		cmocka_unit_test(fenced_phb_recovered),
		cmocka_unit_test(phb4_refuses_mmio_injection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
