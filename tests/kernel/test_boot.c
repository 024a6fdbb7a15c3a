/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot as the kernel does: PE numbers, the order of the lines and the tables
 * they program, held against what real kernels printed.
 */
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>

#include <ioda/hw.h>
#include <ioda/ioda.h>

/* Linux 6.1 on QEMU powernv9 printed exactly these PE lines (corpus qemu/p9-switch). */
static void v6_1_p9_switch_matches_the_real_kernel(void **state)
{
	static const char *const want[] = {
		"pci_bus 0000:00: Configuring PE for bus",
		"pci 0000:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe",
		"pci 0000:00:00.0: Configured PE#1fe",
		"pci_bus 0000:01: Configuring PE for bus",
		"pci 0000:01     : [PE# 1fd] Secondary bus 0x0000000000000001 associated with PE#1fd",
		"pci 0000:01:00.0: Configured PE#1fd",
		"pci_bus 0000:02: Configuring PE for bus",
		"pci 0000:02     : [PE# 1fc] Secondary bus 0x0000000000000002 associated with PE#1fc",
		"pci 0000:02:00.0: Configured PE#1fc",
		"pci 0000:02:01.0: Added to existing PE#1fc",
		"pci 0000:02:02.0: Added to existing PE#1fc",
		"pci_bus 0000:03: Configuring PE for bus",
		"pci 0000:03     : [PE# 1fb] Secondary bus 0x0000000000000003 associated with PE#1fb",
		"pci 0000:03:00.0: Configured PE#1fb",
		"pci 0000:03     : [PE# 1fb] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:03     : [PE# 1fb] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:03     : [PE# 1fb] Enabling 64-bit DMA bypass",
		"pci 0000:03:00.0: Adding to iommu group 0",
		"pci_bus 0000:04: Configuring PE for bus",
		"pci 0000:04     : [PE# 1fa] Secondary bus 0x0000000000000004 associated with PE#1fa",
		"pci 0000:04:00.0: Configured PE#1fa",
		"pci 0000:04     : [PE# 1fa] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:04     : [PE# 1fa] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:04     : [PE# 1fa] Enabling 64-bit DMA bypass",
		"pci 0000:04:00.0: Adding to iommu group 1",
		"pci_bus 0000:05: Configuring PE for bus",
		"pci 0000:05     : [PE# 02] Secondary bus 0x0000000000000005 associated with PE#2",
		"pci 0000:05:00.0: Configured PE#2",
		"pci 0000:05     : [PE# 02] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:05     : [PE# 02] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:05     : [PE# 02] Enabling 64-bit DMA bypass",
		"pci 0000:05:00.0: Adding to iommu group 2",
		"pci 0000:05:00.1: Added to existing PE#2",
		"pci 0000:05:00.1: Adding to iommu group 2",
		"pci_bus 0001:00: Configuring PE for bus",
		"pci 0001:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0001:00:00.0: Configured PE#fe",
		"pci_bus 0002:00: Configuring PE for bus",
		"pci 0002:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0002:00:00.0: Configured PE#fe",
		"pci_bus 0003:00: Configuring PE for bus",
		"pci 0003:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe",
		"pci 0003:00:00.0: Configured PE#1fe",
		"pci_bus 0004:00: Configuring PE for bus",
		"pci 0004:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0004:00:00.0: Configured PE#fe",
		"pci_bus 0005:00: Configuring PE for bus",
		"pci 0005:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0005:00:00.0: Configured PE#fe",
	};
	struct booted b;

	boot(&b, p9_switch, "6.1", NULL);
	assert_lines(&b.lines, want, sizeof(want) / sizeof(want[0]));
	shutdown(&b);
}

/*
 * Before 5.8 the bridge set-up pass makes the PEs: the root PE first, then
 * buses children first; DMA lines follow each PE; groups come last, from
 * the fixup pass.  The window is min(2 GB, RAM) with 4K TCEs before 5.4.
 */
static void v5_3_bus_pes_in_post_order(void **state)
{
	static const char *const want[] = {
		"pci 0000:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe",
		"pci 0000:03     : [PE# 1fd] Secondary bus 0x0000000000000003 associated with PE#1fd",
		"pci 0000:03     : [PE# 1fd] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:03     : [PE# 1fd] Setting up window#0 0..7fffffff pg=1000",
		"pci 0000:03     : [PE# 1fd] Enabling 64-bit DMA bypass",
		"pci 0000:04     : [PE# 1fc] Secondary bus 0x0000000000000004 associated with PE#1fc",
		"pci 0000:04     : [PE# 1fc] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:04     : [PE# 1fc] Setting up window#0 0..7fffffff pg=1000",
		"pci 0000:04     : [PE# 1fc] Enabling 64-bit DMA bypass",
		"pci 0000:05     : [PE# 02] Secondary bus 0x0000000000000005 associated with PE#2",
		"pci 0000:05     : [PE# 02] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:05     : [PE# 02] Setting up window#0 0..7fffffff pg=1000",
		"pci 0000:05     : [PE# 02] Enabling 64-bit DMA bypass",
		"pci 0000:02     : [PE# 1fb] Secondary bus 0x0000000000000002 associated with PE#1fb",
		"pci 0000:01     : [PE# 1fa] Secondary bus 0x0000000000000001 associated with PE#1fa",
		"pci 0001:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0002:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0003:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe",
		"pci 0004:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0005:00     : [PE# fe] Secondary bus 0x0000000000000000 associated with PE#fe",
		"pci 0000:03:00.0: Adding to iommu group 0",
		"pci 0000:04:00.0: Adding to iommu group 1",
		"pci 0000:05:00.0: Adding to iommu group 2",
		"pci 0000:05:00.1: Adding to iommu group 2",
	};
	struct booted b;

	boot(&b, p9_switch, "5.3", NULL);
	assert_lines(&b.lines, want, sizeof(want) / sizeof(want[0]));
	shutdown(&b);
}

/* iommu=nobypass leaves TVE#1 off: no "Enabling 64-bit DMA bypass". */
static void nobypass_leaves_tve1_off(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;

	boot(&b, p9_switch, "6.1", "quiet iommu=nobypass");
	for (unsigned int i = 0; i < b.lines.n; i++)
		assert_null(strstr(b.lines.line[i], "bypass"));
	hw = ioda_opal_phb(b.k->opal, 0);
	assert_int_equal(hw->tvt[2 * 0x1fb + 1].kind, IODA_TVE_OFF);
	assert_int_equal(hw->tvt[2 * 0x1fb].kind, IODA_TVE_TCE);
	shutdown(&b);
}

/*
 * The decisions reach the hardware: every RID of a bus maps to its PE in
 * the RTT, the bus-PE's TVEs are set, an M64-pinned PE owns its segment.
 */
static void tables_programmed_as_decided(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;
	struct pci_dev *nvme;

	boot(&b, p9_switch, "6.1", NULL);
	hw = ioda_opal_phb(b.k->opal, 0);
	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		assert_int_equal(ioda_hw_rtt_lookup(hw, (uint16_t)(0x300 | devfn)), 0x1fb);
		assert_int_equal(ioda_hw_rtt_lookup(hw, (uint16_t)(0x500 | devfn)), 2);
	}
	assert_int_equal(ioda_hw_rtt_lookup(hw, 0x0600), 511); /* unused: the reserved PE */
	assert_int_equal(hw->tvt[2 * 2 + 1].kind, IODA_TVE_BYPASS);
	/* PELT-V: bus 03's PE is frozen with the switch's and the root's PEs. */
	assert_true(ioda_hw_peltv_test(hw, 0x1fb, 0x1fb));
	assert_true(ioda_hw_peltv_test(hw, 0x1fc, 0x1fb));
	assert_true(ioda_hw_peltv_test(hw, 0x1fe, 0x1fb));
	assert_false(ioda_hw_peltv_test(hw, 0x1fb, 0x1fc));
	nvme = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "test");
	assert_int_equal(ioda_dev_peek_pe(b.k, nvme)->pe_number, 0x1fa);
	assert_int_equal(ioda_dev_peek_pe(b.k, nvme)->device_count, 1);
	pci_dev_put(nvme, "test");
	shutdown(&b);
}

static int dma(struct booted *b, uint16_t rid, uint64_t addr, bool write, uint64_t *sys)
{
	struct ioda_dma_result res;
	int rc = ioda_hw_dma(ioda_opal_phb(b->k->opal, 0), rid, addr, write, &res);

	*sys = res.sys_addr;
	return rc;
}

/*
 * The DMA API maps a page through the PE's TCE table; the PHB translates
 * the bus address back to it, with the permission the direction gave.  A
 * second-level TCE page is allocated at the first map (on demand, as the
 * kernel has done since 5.6); a write to a read-only TCE freezes the PE.
 */
static void dma_map_translates_back(void **state)
{
	struct booted b;
	struct pci_dev *nvme;
	struct ioda_sysmem *mem;
	size_t regions;
	uint64_t bus, sys;

	boot(&b, p9_switch, "6.1", NULL);
	mem = ioda_opal_sysmem(b.k->opal);
	regions = ioda_sysmem_regions(mem);
	nvme = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "test");
	assert_int_equal(ioda_dma_map(b.k, nvme, 0x12345678, IODA_DMA_TO_DEVICE, &bus), 0);
	assert_int_equal(ioda_sysmem_regions(mem), regions + 1);
	assert_int_equal(bus & 0xffff, 0x5678);
	assert_int_equal(dma(&b, 0x0400, bus, false, &sys), 0);
	assert_int_equal(sys, 0x12345678);
	/* Another PE's RID reaches another table: nothing mapped there. */
	assert_int_equal(dma(&b, 0x0300, bus, false, &sys), -EFAULT);
	assert_int_equal(ioda_hw_pe_state(ioda_opal_phb(b.k->opal, 0), 0x1fb), IODA_PEST_FROZEN);
	/* The device writing to a page mapped to-device: frozen. */
	assert_int_equal(dma(&b, 0x0400, bus, true, &sys), -EFAULT);
	assert_int_equal(ioda_hw_pe_state(ioda_opal_phb(b.k->opal, 0), 0x1fa), IODA_PEST_FROZEN);
	assert_int_equal(ioda_dma_unmap(b.k, nvme, bus), 0);
	assert_int_equal(ioda_dma_unmap(b.k, nvme, bus), -EINVAL);
	pci_dev_put(nvme, "test");
	shutdown(&b);
}

/* Through the bypass window (TVE#1): bus address 1<<59 + x is memory x. */
static void bypass_is_identity_above_bit_59(void **state)
{
	struct booted b;
	uint64_t sys;

	boot(&b, p9_switch, "6.1", NULL);
	assert_int_equal(dma(&b, 0x0401, (1ull << 59) | 0xabc000, true, &sys), 0);
	assert_int_equal(sys, 0xabc000);
	/* Past the end of RAM (4G, a power of two): outside the window. */
	assert_int_equal(dma(&b, 0x0401, (1ull << 59) | (5ull << 30), true, &sys), -EFAULT);
	shutdown(&b);
}

/* Before 5.4 the window is one level of 4K TCEs over 2 GB: no extra level. */
static void v5_3_window_is_one_level_of_4k_tces(void **state)
{
	struct booted b;
	struct pci_dev *nvme;
	size_t regions;
	uint64_t bus, sys;

	boot(&b, p9_switch, "5.3", NULL);
	regions = ioda_sysmem_regions(ioda_opal_sysmem(b.k->opal));
	nvme = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "test");
	assert_int_equal(ioda_dma_map(b.k, nvme, 0x7000, IODA_DMA_BIDIRECTIONAL, &bus), 0);
	assert_int_equal(ioda_sysmem_regions(ioda_opal_sysmem(b.k->opal)), regions);
	assert_int_equal(dma(&b, 0x0400, bus, true, &sys), 0);
	assert_int_equal(sys, 0x7000);
	pci_dev_put(nvme, "test");
	shutdown(&b);
}

/*
 * Boot at every allocation and firmware call made to fail: either a clean
 * error, or the kernel's own way around it (a failed PELT-V or bypass call
 * is only logged); never a leak.
 */
static void boot_fault_loop_leaves_nothing(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = test_machine(ctx, p9_switch);
	size_t bytes = ioda_mem_live_bytes(ctx);
	unsigned long i;

	for (i = 1; i < 100000; i++) {
		struct ioda_kernel *k;
		struct ioda_error err;
		int rc;
		unsigned long injected = ioda_fault_injected(ctx);

		ioda_fault_fail_nth(ctx, IODA_FAULT_ANY, i);
		rc = ioda_kernel_boot(m, NULL, NULL, NULL, &k, &err);
		if (rc == 0)
			ioda_kernel_free(k);
		assert_int_equal(ioda_mem_live_bytes(ctx), bytes);
		if (ioda_fault_injected(ctx) == injected)
			break; /* the boot has fewer fault points than i */
	}
	assert_true(i > 50);
	ioda_fault_fail_nth(ctx, 0, 0);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

/* Each boundary of the profiles, as the kernel's history has it. */
static void profiles_follow_the_kernels_history(void **state)
{
	static const struct {
		const char *version;
		bool at_add, nvlink, big_window;
		unsigned int levels;
	} cases[] = {
		{ "5.2", false, true, false, 1 },  { "5.3.8-11-default", false, true, false, 1 },
		{ "5.4", false, true, true, 1 },   { "5.6", false, true, true, 2 },
		{ "5.7", false, true, true, 2 },   { "5.8", true, true, true, 2 },
		{ "5.12", true, true, true, 2 },   { "5.13", true, false, true, 2 },
		{ "6.1.0-50-powerpc64le", true, false, true, 2 }, { "latest", true, false, true, 2 },
	};
	struct ioda_profile p;
	struct ioda_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ioda_profile_init(&p, cases[i].version, &err), 0);
		assert_int_equal(p.pe_at_device_add, cases[i].at_add);
		assert_int_equal(p.release_print, cases[i].at_add);
		assert_int_equal(p.nvlink, cases[i].nvlink);
		assert_int_equal(p.big_default_window, cases[i].big_window);
		assert_int_equal(p.default_levels, cases[i].levels);
	}
	assert_int_equal(ioda_profile_init(&p, "4.19", &err), -EINVAL);
	assert_string_equal(err.msg, "kernel version '4.19' is outside what ioda models (5.0 .. 6.12)");
	assert_int_equal(ioda_profile_init(&p, "six", &err), -EINVAL);
	assert_string_equal(err.msg, "kernel version 'six' is not MAJOR.MINOR[...]");
}

/*
 * A bus whose 64-bit BARs span several M64 segments gets a compound PE:
 * the lowest segment is the master, the others its slaves, and the RTT and
 * PELT-V cover them all.
 */
static void bar_over_two_segments_makes_a_compound_pe(void **state)
{
	static const char text[] =
		"machine memory=4G\n"
		"phb 0000 gen=phb4 pes=512 {\n"
		"	bridge 00.0 1014:04c1 type=root-port {\n"
		"		device 00.0 10de:1db1 class=0x030200 {\n"
		"			bar 1 1G mem64 pref @0x6000040000000\n"
		"		}\n"
		"	}\n"
		"}\n";
	static const char *const want[] = {
		"pci_bus 0000:00: Configuring PE for bus",
		"pci 0000:00     : [PE# 1fe] Secondary bus 0x0000000000000000 associated with PE#1fe",
		"pci 0000:00:00.0: Configured PE#1fe",
		"pci_bus 0000:01: Configuring PE for bus",
		"pci 0000:01     : [PE# 02] Secondary bus 0x0000000000000001 associated with PE#2",
		"pci 0000:01:00.0: Configured PE#2",
		"pci 0000:01     : [PE# 02] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:01     : [PE# 02] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:01     : [PE# 02] Enabling 64-bit DMA bypass",
		"pci 0000:01:00.0: Adding to iommu group 0",
	};
	struct booted b;
	struct ioda_phb *phb;
	struct ioda_phb_hw *hw;

	boot(&b, text, "6.1", NULL);
	assert_lines(&b.lines, want, sizeof(want) / sizeof(want[0]));
	phb = ioda_kernel_peek_phb(b.k, 0);
	hw = ioda_opal_phb(b.k->opal, 0);
	/* 1G over 512M segments from segment 2: PEs 2 (master) and 3 (slave). */
	assert_true(phb->pe_array[2].flags & IODA_PE_MASTER);
	assert_true(phb->pe_array[3].flags & IODA_PE_SLAVE);
	assert_ptr_equal(phb->pe_array[3].master, &phb->pe_array[2]);
	assert_int_equal(phb->m64_segmap[2], 2);
	assert_int_equal(phb->m64_segmap[3], 3);
	/* A freeze of the slave freezes the master, and the other way. */
	assert_true(ioda_hw_peltv_test(hw, 3, 2));
	assert_true(ioda_hw_peltv_test(hw, 2, 3));
	shutdown(&b);
}

/*
 * Below a PCIe-to-PCI bridge the PE covers the bus and all below it (the
 * bridge may use the secondary bus number as RID), with a bus compare that
 * matches the whole range.
 */
static void below_pcie_to_pci_bridge_one_pe_for_all_buses(void **state)
{
	static const char text[] =
		"machine memory=4G\n"
		"phb 0000 gen=phb4 pes=256 {\n"
		"	bridge 00.0 1014:04c1 type=root-port {\n"
		"		bridge 00.0 1a03:1150 type=pcie-pci bus=02-03 {\n"
		"			device 00.0 1a03:2000 class=0x030000\n"
		"			bridge 01.0 3388:0021 type=pci-pci bus=03 {\n"
		"				device 00.0 1234:0001 class=0x020000\n"
		"			}\n"
		"		}\n"
		"	}\n"
		"}\n";
	struct booted b;
	struct ioda_phb_hw *hw;
	struct pci_dev *deep;

	boot(&b, text, "6.1", NULL);
	assert_string_equal(b.lines.line[6], "pci_bus 0000:02: Configuring PE for bus");
	assert_string_equal(b.lines.line[7],
			    "pci 0000:02     : [PE# fc] Secondary bus 0x0000000000000002..0x0000000000000003 associated with PE#fc");
	hw = ioda_opal_phb(b.k->opal, 0);
	assert_int_equal(ioda_hw_rtt_lookup(hw, 0x0200), 0xfc);
	assert_int_equal(ioda_hw_rtt_lookup(hw, 0x03ff), 0xfc);
	deep = pci_get_domain_bus_and_slot(b.m, 0, 3, 0, "test");
	assert_int_equal(ioda_dev_peek_pe(b.k, deep)->pe_number, 0xfc);
	assert_true(ioda_dev_peek_pe(b.k, deep)->flags & IODA_PE_BUS_ALL);
	pci_dev_put(deep, "test");
	shutdown(&b);
}

/*
 * MSIs come in an aligned block of the PHB's numbers, each bound to the
 * device's PE: the PHB takes the write from that PE's RIDs only, and an MSI
 * from another PE freezes the sender.
 */
static void msis_are_bound_to_the_pe(void **state)
{
	struct booted b;
	struct pci_dev *nic0, *nic1;
	struct ioda_msi m0[3], m1[1];
	struct ioda_phb_hw *hw;
	uint32_t pe;

	boot(&b, p9_switch, "6.1", NULL);
	hw = ioda_opal_phb(b.k->opal, 0);
	nic0 = pci_get_domain_bus_and_slot(b.m, 0, 5, 0, "test");
	nic1 = pci_get_domain_bus_and_slot(b.m, 0, 3, 0, "test");
	assert_int_equal(ioda_msi_setup(b.k, nic0, 3, true, m0), 0);
	assert_int_equal(m0[0].xive, 0);
	assert_int_equal(m0[2].xive, 2);
	assert_int_equal(m0[0].hwirq, 0xfe000); /* the PHB's base IRQ */
	assert_int_equal(ioda_msi_setup(b.k, nic1, 1, false, m1), 0);
	assert_int_equal(m1[0].xive, 4); /* after the block of four */
	assert_int_equal(ioda_hw_msi(hw, 0x0500, m0[1].xive, &pe), 0);
	assert_int_equal(pe, 2);
	assert_int_equal(ioda_hw_msi(hw, 0x0300, m0[1].xive, &pe), -EFAULT);
	assert_int_equal(ioda_hw_pe_state(hw, 0x1fb), IODA_PEST_FROZEN);
	ioda_msi_teardown(b.k, nic0, m0, 3);
	assert_int_equal(ioda_msi_setup(b.k, nic1, 2, false, m0), 0);
	assert_int_equal(m0[0].xive, 0); /* the freed block is reused */
	pci_dev_put(nic0, "test");
	pci_dev_put(nic1, "test");
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v6_1_p9_switch_matches_the_real_kernel),
		cmocka_unit_test(v5_3_bus_pes_in_post_order),
		cmocka_unit_test(nobypass_leaves_tve1_off),
		cmocka_unit_test(tables_programmed_as_decided),
		cmocka_unit_test(boot_fault_loop_leaves_nothing),
		cmocka_unit_test(dma_map_translates_back),
		cmocka_unit_test(bypass_is_identity_above_bit_59),
		cmocka_unit_test(v5_3_window_is_one_level_of_4k_tces),
		cmocka_unit_test(profiles_follow_the_kernels_history),
		cmocka_unit_test(msis_are_bound_to_the_pe),
		cmocka_unit_test(bar_over_two_segments_makes_a_compound_pe),
		cmocka_unit_test(below_pcie_to_pci_bridge_one_pe_for_all_buses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
