/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hotplug as Linux 6.1 ran it on QEMU powernv9 (corpus guest/p9-switch,
 * hotplug.txt): sysfs remove prints the iommu group removal, then the PE
 * release with its DMA teardown; a rescan prints the boot lines again with
 * the same PE numbers; a removed bridge releases its buses bottom-up.
 */
#include "fixture.h"

/* Each remove/rescan of the guest's hotplug.txt, as topology fragments. */
static const char nvme_slot[] =
	"phb 0000 gen=phb4 {\n"
	"	device 00.0 1b36:0010 class=0x010802 {\n"
	"		bar 0 16K mem64 @0x600c000400000\n"
	"	}\n"
	"}\n";

/* Function 1 of the slot: the description needs function 0 beside it. */
static const char nic_fn1[] =
	"phb 0000 gen=phb4 {\n"
	"	device 00.0 1af4:1044 class=0x00ff00\n"
	"	device 00.1 8086:10d3 class=0x020000 {\n"
	"		bar 0 128K @0x600c000800000\n"
	"		bar 1 128K @0x600c000820000\n"
	"		bar 3 16K @0x600c000850000\n"
	"	}\n"
	"}\n";

static const char dn1_port[] =
	"phb 0000 gen=phb4 {\n"
	"	bridge 01.0 104c:8233 type=downstream bus=04 {\n"
	"		device 00.0 1b36:0010 class=0x010802 {\n"
	"			bar 0 16K mem64 @0x600c000400000\n"
	"		}\n"
	"	}\n"
	"}\n";

static void remove_dev(struct booted *b, int bus, unsigned int devfn)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(b->m, 0, (unsigned int)bus, devfn, "test");

	assert_non_null(dev);
	b->lines.n = 0;
	assert_int_equal(ioda_hot_remove(b->k, dev), 0);
	pci_dev_put(dev, "test");
}

/* Adds the @nth device of a fragment's root bus on @bus. */
static void rescan_nth(struct booted *b, int bus, const char *frag, unsigned int nth)
{
	struct ioda_topo *topo = test_topo(b->ctx, frag);
	struct pci_bus *pbus = pci_find_bus(b->m, 0, (unsigned int)bus, "test");
	struct ioda_topo_node *node = topo->phbs->devices;
	struct ioda_error err;

	while (nth--)
		node = node->next;
	assert_non_null(pbus);
	b->lines.n = 0;
	if (ioda_hot_add(b->k, pbus, node, NULL, "test", &err))
		fail_msg("hot add: %s", err.msg);
	pci_bus_put(pbus, "test");
	ioda_topo_free(b->ctx, topo);
}

static void rescan(struct booted *b, int bus, const char *frag)
{
	rescan_nth(b, bus, frag, 0);
}

/* Every line the kernel printed for the step, busn_res lines included. */
static void collect_all(void *arg, const struct ioda_event *ev)
{
	struct lines *l = arg;
	char buf[160];

	ioda_event_format(ev, buf, sizeof(buf));
	if ((is_pe_line(buf) || strstr(buf, "busn_res") || strstr(buf, "iommu group")) &&
	    l->n < 256)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s", buf);
}

static void boot_hotplug(struct booted *b, const char *kernel)
{
	boot(b, p9_switch, kernel, NULL);
	b->k->emit = collect_all;
}

static void guest_p9_switch_remove_and_rescan_an_endpoint(void **state)
{
	static const char *const removed[] = {
		"pci 0000:04:00.0: Removing from iommu group 1",
		"pci 0000:04     : [PE# 1fa] Releasing PE",
		"pci 0000:04     : [PE# 1fa] Removing DMA window #0",
		"pci 0000:04     : [PE# 1fa] Disabling 64-bit DMA bypass",
	};
	static const char *const rescanned[] = {
		"pci_bus 0000:04: Configuring PE for bus",
		"pci 0000:04     : [PE# 1fa] Secondary bus 0x0000000000000004 associated with PE#1fa",
		"pci 0000:04:00.0: Configured PE#1fa",
		"pci 0000:04     : [PE# 1fa] Setting up 32-bit TCE table at 0..80000000",
		"pci 0000:04     : [PE# 1fa] Setting up window#0 0..ffffffff pg=10000",
		"pci 0000:04     : [PE# 1fa] Enabling 64-bit DMA bypass",
		"pci 0000:04:00.0: Adding to iommu group 1",
	};
	static const char *const removed_fn1[] = {
		"pci 0000:05:00.1: Removing from iommu group 2",
	};
	static const char *const rescanned_fn1[] = {
		"pci 0000:05:00.1: Added to existing PE#2",
		"pci 0000:05:00.1: Adding to iommu group 2",
	};
	struct booted b;

	boot_hotplug(&b, "6.1");
	remove_dev(&b, 4, 0);
	assert_lines(&b.lines, removed, 4);
	rescan(&b, 4, nvme_slot);
	assert_lines(&b.lines, rescanned, 7);
	/* One function of a shared PE: only the group line; the PE stays. */
	remove_dev(&b, 5, 1);
	assert_lines(&b.lines, removed_fn1, 1);
	rescan_nth(&b, 5, nic_fn1, 1);
	assert_lines(&b.lines, rescanned_fn1, 2);
	shutdown(&b);
}

static void guest_p9_switch_remove_a_switch_releases_bottom_up(void **state)
{
	static const char *const removed_port[] = {
		"pci 0000:04:00.0: Removing from iommu group 1",
		"pci 0000:04     : [PE# 1fa] Releasing PE",
		"pci 0000:04     : [PE# 1fa] Removing DMA window #0",
		"pci 0000:04     : [PE# 1fa] Disabling 64-bit DMA bypass",
		"pci_bus 0000:04: busn_res: [bus 04] is released",
	};
	/* After the rescan 02:01.0 is last on bus 02: removed after 02:02.0. */
	static const char *const removed_switch[] = {
		"pci 0000:03:00.0: Removing from iommu group 0",
		"pci 0000:03     : [PE# 1fb] Releasing PE",
		"pci 0000:03     : [PE# 1fb] Removing DMA window #0",
		"pci 0000:03     : [PE# 1fb] Disabling 64-bit DMA bypass",
		"pci_bus 0000:03: busn_res: [bus 03] is released",
		"pci 0000:05:00.0: Removing from iommu group 2",
		"pci 0000:05:00.1: Removing from iommu group 2",
		"pci 0000:05     : [PE# 02] Releasing PE",
		"pci 0000:05     : [PE# 02] Removing DMA window #0",
		"pci 0000:05     : [PE# 02] Disabling 64-bit DMA bypass",
		"pci_bus 0000:05: busn_res: [bus 05] is released",
		"pci 0000:04:00.0: Removing from iommu group 1",
		"pci 0000:04     : [PE# 1fa] Releasing PE",
		"pci 0000:04     : [PE# 1fa] Removing DMA window #0",
		"pci 0000:04     : [PE# 1fa] Disabling 64-bit DMA bypass",
		"pci_bus 0000:04: busn_res: [bus 04] is released",
		"pci 0000:02     : [PE# 1fc] Releasing PE",
		"pci_bus 0000:02: busn_res: [bus 02-05] is released",
		"pci 0000:01     : [PE# 1fd] Releasing PE",
	};
	struct booted b;

	boot_hotplug(&b, "6.1");
	remove_dev(&b, 2, PCI_DEVFN(1, 0));
	assert_lines(&b.lines, removed_port, 5);
	rescan(&b, 2, dn1_port);
	assert_string_equal(b.lines.line[0], "pci 0000:02:01.0: Added to existing PE#1fc");
	remove_dev(&b, 1, 0);
	assert_lines(&b.lines, removed_switch, sizeof(removed_switch) / sizeof(removed_switch[0]));
	shutdown(&b);
}

/* What a hotplug cycle must give back: PE numbers, tables, references. */
struct snapshot {
	unsigned long alloc[8];
	uint16_t rtt[IODA_RTT_ENTRIES];
	unsigned long refs;
	size_t bytes;
};

static void snap(struct booted *b, struct snapshot *s)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(b->k, 0);
	struct ioda_phb_hw *hw = ioda_opal_phb(b->k->opal, 0);

	memset(s, 0, sizeof(*s));
	memcpy(s->alloc, phb->pe_alloc, (phb->total_pe_num + 7) / 8);
	for (unsigned int rid = 0; rid < IODA_RTT_ENTRIES; rid++)
		s->rtt[rid] = (uint16_t)ioda_hw_rtt_lookup(hw, (uint16_t)rid);
	s->refs = ioda_ctx_live_refs(b->ctx);
	s->bytes = ioda_mem_live_bytes(b->ctx);
}

/* Hot add then remove leaves the machine as it booted, in both flows. */
static void hot_add_then_remove_is_a_no_op(void **state)
{
	static const char *const kernels[] = { "6.1", "5.3" };
	static const char slot[] =
		"phb 0000 gen=phb4 {\n"
		"	bridge 03.0 104c:8233 type=downstream {\n"
		"		device 00.0 1b36:0010 class=0x010802 {\n"
		"			bar 0 16K mem64 @0x600c000a00000\n"
		"		}\n"
		"	}\n"
		"}\n";

	for (unsigned int i = 0; i < 2; i++) {
		struct snapshot *before = calloc(1, sizeof(*before));
		struct snapshot *after = calloc(1, sizeof(*after));
		struct booted b;
		struct pci_bus *bus2;
		struct pci_dev *port;
		struct ioda_topo *topo;
		struct ioda_error err;

		boot_hotplug(&b, kernels[i]);
		snap(&b, before);
		topo = test_topo(b.ctx, slot);
		bus2 = pci_find_bus(b.m, 0, 2, "test");
		/* The switch's range ends at bus 05: make room as a hotplug slot would. */
		bus2->busn_end = 6;
		bus2->self->bus->busn_end = 6;
		assert_int_equal(ioda_hot_add(b.k, bus2, topo->phbs->devices, &port, "test", &err), 0);
		assert_int_equal(port->subordinate->number, 6);
		assert_int_not_equal(ioda_dev_peek_pe(b.k, port)->pe_number, IODA_INVALID_PE);
		assert_int_equal(ioda_hot_remove(b.k, port), 0);
		pci_dev_put(port, "test");
		bus2->busn_end = 5;
		bus2->self->bus->busn_end = 5;
		pci_bus_put(bus2, "test");
		ioda_topo_free(b.ctx, topo);
		snap(&b, after);
		assert_memory_equal(before->alloc, after->alloc, sizeof(before->alloc));
		assert_memory_equal(before->rtt, after->rtt, sizeof(before->rtt));
		assert_int_equal(before->refs, after->refs);
		assert_int_equal(before->bytes, after->bytes);
		free(before);
		free(after);
		shutdown(&b);
	}
}

/*
 * A reader that still holds a removed device keeps its PE: the kernel
 * releases a PE at the device's last put (pcibios_release_device).
 */
static void pe_released_at_the_last_put(void **state)
{
	struct booted b;
	struct pci_dev *nvme;

	boot_hotplug(&b, "6.1");
	nvme = pci_get_domain_bus_and_slot(b.m, 0, 4, 0, "reader");
	remove_dev(&b, 4, 0);
	assert_int_equal(b.lines.n, 1); /* only the group removal */
	assert_int_equal(ioda_dev_peek_pe(b.k, nvme)->pe_number, 0x1fa);
	pci_dev_put(nvme, "reader");
	assert_int_equal(b.lines.n, 4);
	assert_string_equal(b.lines.line[1], "pci 0000:04     : [PE# 1fa] Releasing PE");
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_p9_switch_remove_and_rescan_an_endpoint),
		cmocka_unit_test(guest_p9_switch_remove_a_switch_releases_bottom_up),
		cmocka_unit_test(hot_add_then_remove_is_a_no_op),
		cmocka_unit_test(pe_released_at_the_last_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
