/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit: silent on every machine the kernel set up itself, at boot and
 * after hotplug, and one exact line for each inconsistency a test makes on
 * purpose, so the audit itself is proven.
 */
#include "fixture.h"

#include <ioda/config.h>
#include <ioda/eeh.h>
#include <ioda/ioda.h>

#define MAX_VIOLATIONS 16

struct violations {
	unsigned int n;
	char line[MAX_VIOLATIONS][256];
};

static void collect_violation(void *arg, const char *line)
{
	struct violations *v = arg;

	if (v->n < MAX_VIOLATIONS)
		snprintf(v->line[v->n++], sizeof(v->line[0]), "%s", line);
}

/* The audit reports exactly @want, in order. */
static void assert_audit(struct booted *b, const char *const *want, unsigned int n)
{
	struct violations v = { 0 };
	unsigned int got = ioda_audit(b->k, collect_violation, &v);
	bool same = got == n;

	for (unsigned int i = 0; same && i < n; i++)
		same = strcmp(v.line[i], want[i]) == 0;
	if (same)
		return;
	for (unsigned int i = 0; i < v.n; i++)
		print_error("  got  %s\n", v.line[i]);
	for (unsigned int i = 0; i < n; i++)
		print_error("  want %s\n", want[i]);
	fail_msg("%u violations, want %u", got, n);
}

static void assert_silent(struct booted *b)
{
	assert_audit(b, NULL, 0);
}

/* A device the tree holds, borrowed. */
static struct pci_dev *peek_dev(struct booted *b, unsigned int bus, unsigned int devfn)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(b->m, 0, bus, devfn, "test");

	assert_non_null(dev);
	pci_dev_put(dev, "test");
	return dev;
}

static struct ioda_phb *phb0(struct booted *b)
{
	return ioda_kernel_peek_phb(b->k, 0);
}

/* ---- silent where the kernel did everything itself ----------------------------------- */

static void boot_file(struct booted *b, const char *path, const char *kernel)
{
	struct ioda_boot_opts opts = { .kernel = kernel };
	struct ioda_error err;

	b->ctx = test_ctx_new(&b->r);
	if (ioda_load_machine(b->ctx, path, IODA_INPUT_AUTO, &b->m, &err))
		fail_msg("load: %s", err.msg);
	if (ioda_kernel_boot(b->m, &opts, NULL, NULL, &b->k, &err))
		fail_msg("boot: %s", err.msg);
}

static void silent_on_the_examples(void **state)
{
	static const char *const paths[] = {
		IODA_SRCDIR "/examples/power9.dts",
		IODA_SRCDIR "/examples/power8.topo",
	};
	static const char *const kernels[] = { NULL, "5.3" };

	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int j = 0; j < 2; j++) {
			struct booted b;

			boot_file(&b, paths[i], kernels[j]);
			assert_silent(&b);
			shutdown(&b);
		}
	}
}

static const char nvme_slot[] =
	"phb 0000 gen=phb4 {\n"
	"	device 00.0 1b36:0010 class=0x010802 {\n"
	"		bar 0 16K mem64 @0x600c000400000\n"
	"	}\n"
	"}\n";

static void remove_dev(struct booted *b, unsigned int bus, unsigned int devfn)
{
	assert_int_equal(ioda_hot_remove(b->k, peek_dev(b, bus, devfn)), 0);
}

/* Boot, remove an endpoint, rescan it, remove the switch: silent after each step. */
static void silent_on_p9_switch_through_hotplug(void **state)
{
	static const char *const kernels[] = { "6.1", "5.3" };

	for (unsigned int i = 0; i < 2; i++) {
		struct ioda_topo *topo;
		struct pci_bus *bus4;
		struct ioda_error err;
		struct booted b;

		boot(&b, p9_switch, kernels[i], NULL);
		assert_silent(&b);
		remove_dev(&b, 4, 0);
		assert_silent(&b);
		topo = test_topo(b.ctx, nvme_slot);
		bus4 = pci_find_bus(b.m, 0, 4, "test");
		if (ioda_hot_add(b.k, bus4, topo->phbs->devices, NULL, "test", &err))
			fail_msg("hot add: %s", err.msg);
		pci_bus_put(bus4, "test");
		ioda_topo_free(b.ctx, topo);
		assert_silent(&b);
		remove_dev(&b, 1, 0);
		assert_silent(&b);
		shutdown(&b);
	}
}

/*
 * A device removed while someone holds it stays in its PE until its last
 * put (the bus PE's count, pnv_pci_release_device()): the audit finds it
 * on the removed list and stays silent, before and after that put.
 */
static void silent_with_a_removed_device_still_held(void **state)
{
	struct pci_dev *nvme;
	struct ioda_pe *pe;
	struct booted b;

	boot(&b, p9_switch, "6.1", NULL);
	nvme = pci_dev_get(peek_dev(&b, 4, 0), "driver");
	pe = &phb0(&b)->pe_array[nvme->pe_number];
	remove_dev(&b, 4, 0);
	assert_int_equal(pe->device_count, 1);
	assert_silent(&b);
	pci_dev_put(nvme, "driver");
	assert_silent(&b);
	shutdown(&b);
}

/* ---- each inconsistency, made on purpose --------------------------------------------- */

/*
 * On p9_switch under 6.1, PHB 0000: reserved PE 1ff, root 1fe, bus 01..04
 * PEs 1fd..1fa, bus 05 the M64 PE 2; PE 5, 6 and 7 are free.  0000:04:00.0
 * (the NVMe) is alone in PE 1fa, iommu group 1.
 */
struct saved {
	void *ptr;
	int val;
};

struct corruption {
	const char *name;
	void (*apply)(struct booted *b, struct saved *s);
	/* Puts back what teardown needs; NULL: only tables the kernel frees whole. */
	void (*undo)(struct booted *b, struct saved *s);
	bool tracker_only; /* without the tracker, nothing to see */
	const char *want[2];
};

static struct ioda_opal *opal(struct booted *b)
{
	return b->k->opal;
}

static void rtt_to_reserved(struct booted *b, struct saved *s)
{
	assert_int_equal(opal_pci_set_pe(opal(b), 0, 0x1ff, 0x0400, OpalPciBusAll, 0, 0,
					 OPAL_MAP_PE), OPAL_SUCCESS);
}

static void rtt_to_free(struct booted *b, struct saved *s)
{
	assert_int_equal(opal_pci_set_pe(opal(b), 0, 5, 0x0600, OpalPciBusAll, 0, 0, OPAL_MAP_PE),
			 OPAL_SUCCESS);
}

static void rmap_nvme_set(struct booted *b, struct saved *s)
{
	phb0(b)->pe_rmap[0x0400] = 0x1fb;
}

static void rmap_nvme_undo(struct booted *b, struct saved *s)
{
	phb0(b)->pe_rmap[0x0400] = 0x1fa;
}

static void rmap_free_set(struct booted *b, struct saved *s)
{
	phb0(b)->pe_rmap[0x0700] = 5;
}

static void rmap_free_undo(struct booted *b, struct saved *s)
{
	phb0(b)->pe_rmap[0x0700] = IODA_INVALID_PE;
}

static void m32_to_free(struct booted *b, struct saved *s)
{
	assert_int_equal(opal_pci_map_pe_mmio_window(opal(b), 0, 5, OPAL_M32_WINDOW_TYPE, 0, 100),
			 OPAL_SUCCESS);
}

/* Segment 0 holds 0000:03:00.0's BAR 0: PE 1fb's. */
static void m32_to_other(struct booted *b, struct saved *s)
{
	assert_int_equal(phb0(b)->m32_segmap[0], 0x1fb);
	assert_int_equal(opal_pci_map_pe_mmio_window(opal(b), 0, 0x1fa, OPAL_M32_WINDOW_TYPE, 0, 0),
			 OPAL_SUCCESS);
}

static void segmap_free_set(struct booted *b, struct saved *s)
{
	phb0(b)->m32_segmap[100] = 5;
}

static void segmap_free_undo(struct booted *b, struct saved *s)
{
	phb0(b)->m32_segmap[100] = IODA_INVALID_PE;
}

static void tve_for_free(struct booted *b, struct saved *s)
{
	assert_int_equal(opal_pci_map_pe_dma_window_real(opal(b), 0, 5, 11, 1ull << 59,
							 1ull << 32), OPAL_SUCCESS);
}

static void bypass_off(struct booted *b, struct saved *s)
{
	assert_int_equal(opal_pci_map_pe_dma_window_real(opal(b), 0, 0x1fa, 0x3f5, 0, 0),
			 OPAL_SUCCESS);
}

static void m64_single_for_free(struct booted *b, struct saved *s)
{
	struct ioda_opal *o = opal(b);

	assert_int_equal(opal_pci_set_phb_mem_window(o, 0, OPAL_M64_WINDOW_TYPE, 3,
						     phb0(b)->m64_base, 0, 0x100000), OPAL_SUCCESS);
	assert_int_equal(opal_pci_map_pe_mmio_window(o, 0, 5, OPAL_M64_WINDOW_TYPE, 3, 0),
			 OPAL_SUCCESS);
	assert_int_equal(opal_pci_phb_mmio_enable(o, 0, OPAL_M64_WINDOW_TYPE, 3,
						  OPAL_ENABLE_M64_NON_SPLIT), OPAL_SUCCESS);
}

static void msi_to_free(struct booted *b, struct saved *s)
{
	struct ioda_msi msi;

	assert_int_equal(ioda_msi_setup(b->k, peek_dev(b, 4, 0), 1, true, &msi), 0);
	assert_int_equal(opal_pci_set_xive_pe(opal(b), 0, 5, msi.xive), OPAL_SUCCESS);
}

static void count_bump(struct booted *b, struct saved *s)
{
	phb0(b)->pe_array[0x1fa].device_count++;
}

static void count_undo(struct booted *b, struct saved *s)
{
	phb0(b)->pe_array[0x1fa].device_count--;
}

/* A get that bypasses the tracker: the count moves, no holder does. */
static void refcount_poke(struct booted *b, struct saved *s)
{
	struct pci_dev *nvme = peek_dev(b, 4, 0);

	s->ptr = nvme;
	s->val = ioda_ref_count(&nvme->ref);
	ioda_refcount_inc(&nvme->ref.count);
}

static void refcount_undo(struct booted *b, struct saved *s)
{
	struct pci_dev *nvme = s->ptr;

	ioda_refcount_set(&nvme->ref.count, s->val);
}

static void pbus_clear_of(struct booted *b, struct saved *s, unsigned int n)
{
	struct ioda_pe *pe = &phb0(b)->pe_array[n];

	s->ptr = pe->pbus;
	pe->pbus = NULL;
}

static void pbus_clear(struct booted *b, struct saved *s)
{
	pbus_clear_of(b, s, 0x1fa);
}

static void pbus_undo(struct booted *b, struct saved *s)
{
	phb0(b)->pe_array[0x1fa].pbus = s->ptr;
}

/* Only the released root PE, off the PE list, may lack its bus. */
static void root_pbus_clear(struct booted *b, struct saved *s)
{
	pbus_clear_of(b, s, 0x1fe);
}

static void root_pbus_undo(struct booted *b, struct saved *s)
{
	phb0(b)->pe_array[0x1fe].pbus = s->ptr;
}

static void pe_number_free(struct booted *b, struct saved *s)
{
	peek_dev(b, 4, 0)->pe_number = 5;
}

static void pe_number_undo(struct booted *b, struct saved *s)
{
	peek_dev(b, 4, 0)->pe_number = 0x1fa;
}

static void group_other(struct booted *b, struct saved *s)
{
	peek_dev(b, 4, 0)->iommu_group = 3;
}

static void group_undo(struct booted *b, struct saved *s)
{
	peek_dev(b, 4, 0)->iommu_group = 1;
}

/* Marks PE @n allocated with @flags, as if the kernel had taken it (PEs 5..7 are in word 0). */
static void fake_pe(struct booted *b, unsigned int n, unsigned int flags)
{
	phb0(b)->pe_alloc[0] |= 1ul << n;
	phb0(b)->pe_array[n].flags = flags;
}

static void fake_pe_undo(struct booted *b, struct saved *s)
{
	for (unsigned int n = 5; n <= 7; n++) {
		phb0(b)->pe_alloc[0] &= ~(1ul << n);
		memset(&phb0(b)->pe_array[n], 0, sizeof(struct ioda_pe));
	}
}

static void kindless_pe(struct booted *b, struct saved *s)
{
	fake_pe(b, 5, 0);
}

static void dev_pe_without_dev(struct booted *b, struct saved *s)
{
	fake_pe(b, 5, IODA_PE_DEV);
}

static void slave_of_free(struct booted *b, struct saved *s)
{
	fake_pe(b, 6, IODA_PE_SLAVE);
	phb0(b)->pe_array[6].master = &phb0(b)->pe_array[7];
}

static void slave_without_master(struct booted *b, struct saved *s)
{
	fake_pe(b, 6, IODA_PE_SLAVE);
}

static void free_pe_on_list(struct booted *b, struct saved *s)
{
	ioda_list_add_tail(&phb0(b)->pe_array[5].list, &phb0(b)->pe_list);
}

static void free_pe_on_list_undo(struct booted *b, struct saved *s)
{
	ioda_list_del(&phb0(b)->pe_array[5].list);
}

static const struct corruption corruptions[] = {
	{ "RTT entry to another PE", rtt_to_reserved, NULL, false,
	  { "audit: PHB 0000 RID 0400 (0000:04:00.0) maps to PE#1ff in the RTT, its PE is 1fa" } },
	{ "RTT entries to a free PE", rtt_to_free, NULL, false,
	  { "audit: PHB 0000 RIDs 0600-06ff map to free PE#5 in the RTT" } },
	{ "reverse map entry to another PE", rmap_nvme_set, rmap_nvme_undo, false,
	  { "audit: PHB 0000 RID 0400 (0000:04:00.0) maps to PE#1fb in the kernel's reverse map, "
	    "its PE is 1fa" } },
	{ "reverse map entry to a free PE", rmap_free_set, rmap_free_undo, false,
	  { "audit: PHB 0000 RID 0700 maps to free PE#5 in the kernel's reverse map" } },
	{ "M32 segment to a free PE", m32_to_free, NULL, false,
	  { "audit: PHB 0000 M32 segment 100 maps to free PE#5 in the hardware" } },
	{ "M32 segment to another PE", m32_to_other, NULL, false,
	  { "audit: PHB 0000 M32 segment 0 maps to PE#1fa, the kernel's map says PE#1fb" } },
	/* The hardware still holds its reset value 0 there: PE 0, free too. */
	{ "kernel's M32 map to a free PE", segmap_free_set, segmap_free_undo, false,
	  { "audit: PHB 0000 M32 segment 100 maps to free PE#0 in the hardware",
	    "audit: PHB 0000 M32 segment 100 maps to free PE#5 in the kernel's map" } },
	{ "TVE of a free PE", tve_for_free, NULL, false,
	  { "audit: PHB 0000 TVE#b is a bypass window of free PE#5" } },
	{ "bypass TVE off under an enabled bypass", bypass_off, NULL, false,
	  { "audit: PHB 0000 PE#1fa (bus 0000:04) TVE#3f5 is off, its DMA state wants bypass" } },
	{ "single-PE M64 BAR of a free PE", m64_single_for_free, NULL, false,
	  { "audit: PHB 0000 M64 BAR#3 (single PE) belongs to free PE#5" } },
	{ "MSI bound to a free PE", msi_to_free, NULL, false,
	  { "audit: PHB 0000 MSI 0 maps to free PE#5 in the MIST" } },
	{ "device count bumped", count_bump, count_undo, false,
	  { "audit: PHB 0000 PE#1fa (bus 0000:04) has device count 2, 1 live device has it" } },
	{ "reference taken behind the tracker", refcount_poke, refcount_undo, true,
	  { "audit: pci_dev 0000:04:00.0 has refcount 2, its holders hold 1" } },
	{ "bus PE's bus cleared", pbus_clear, pbus_undo, false,
	  { "audit: PHB 0000 PE#1fa (RID 0400) is a bus PE with no bus" } },
	{ "live root PE's bus cleared", root_pbus_clear, root_pbus_undo, false,
	  { "audit: PHB 0000 PE#1fe (RID 0000) is a bus PE with no bus" } },
	{ "device in a free PE", pe_number_free, pe_number_undo, false,
	  { "audit: PHB 0000 0000:04:00.0 has PE#5, which is free",
	    "audit: PHB 0000 PE#1fa (bus 0000:04) has device count 1, 0 live devices have it" } },
	{ "device in another iommu group", group_other, group_undo, false,
	  { "audit: PHB 0000 0000:04:00.0 is in iommu group 3, its PE#1fa is in group 1" } },
	{ "allocated PE of no kind", kindless_pe, fake_pe_undo, false,
	  { "audit: PHB 0000 PE#5 is allocated with no kind" } },
	{ "device PE with no device", dev_pe_without_dev, fake_pe_undo, false,
	  { "audit: PHB 0000 PE#5 (RID 0000) is a device PE with no device" } },
	{ "slave of a free master", slave_of_free, fake_pe_undo, false,
	  { "audit: PHB 0000 PE#6 (RID 0000) is a slave of PE#7, which is free" } },
	{ "slave with no master", slave_without_master, fake_pe_undo, false,
	  { "audit: PHB 0000 PE#6 (RID 0000) is a slave with no master" } },
	{ "free PE on the PE list", free_pe_on_list, free_pe_on_list_undo, false,
	  { "audit: PHB 0000 PE#5 is on the PE list but free" } },
};

static void catches_each_corruption(void **state)
{
	for (size_t i = 0; i < sizeof(corruptions) / sizeof(corruptions[0]); i++) {
		const struct corruption *c = &corruptions[i];
		unsigned int n = 0;
		struct saved s = { 0 };
		struct booted b;

		while (n < 2 && c->want[n])
			n++;
		if (c->tracker_only && !IODA_TRACKER)
			n = 0;
		print_message("corruption: %s\n", c->name);
		boot(&b, p9_switch, "6.1", NULL);
		c->apply(&b, &s);
		assert_audit(&b, c->want, n);
		if (c->undo) {
			c->undo(&b, &s);
			assert_silent(&b);
		}
		shutdown(&b);
	}
}

/* TVE 2*PE pointing at another PE's table: the line names both addresses. */
static void catches_a_tve_on_another_table(void **state)
{
	struct booted b;
	struct ioda_tce_table *t;
	char want[160];
	const char *wantp = want;

	boot(&b, p9_switch, "6.1", NULL);
	t = phb0(&b)->pe_array[0x1fb].tbl;
	assert_int_equal(opal_pci_map_pe_dma_window(opal(&b), 0, 0x1fa, 0x3f4, (uint16_t)t->levels,
						    t->pa, t->level_size, 1ull << t->page_shift),
			 OPAL_SUCCESS);
	snprintf(want, sizeof(want),
		 "audit: PHB 0000 PE#1fa (bus 0000:04) TVE#3f4 points at table %llx, its table is "
		 "at %llx", (unsigned long long)t->pa,
		 (unsigned long long)phb0(&b)->pe_array[0x1fa].tbl->pa);
	assert_audit(&b, &wantp, 1);
	shutdown(&b);
}

/* ---- the root port removed: the 6.1 debugfs-oops state -------------------------------- */

/*
 * 6.1's pnv_ioda_release_pe() keeps the released root PE allocated with its
 * kind after pnv_ioda_deconfigure_pe() cleared its bus (the real kernel's
 * debugfs PE dump then oopsed).  That is the kernel's state, so the audit
 * accepts it; ioda show and the dump print it without touching the bus, and
 * a rescan of the root bus sets the PE up again.
 */
static void root_port_removed_keeps_a_bus_pe_with_no_bus(void **state)
{
	const struct ioda_pe *root;
	char *text = NULL;
	size_t len = 0;
	struct booted b;
	FILE *out;

	boot(&b, p9_switch, "6.1", NULL);
	remove_dev(&b, 0, 0);
	root = &phb0(&b)->pe_array[0x1fe];
	assert_true(phb0(&b)->pe_alloc[0x1fe / 64] & (1ul << (0x1fe % 64)));
	assert_true(root->flags & IODA_PE_BUS);
	assert_null(root->pbus);
	assert_silent(&b);
	out = open_memstream(&text, &len);
	assert_int_equal(ioda_show_text(b.k, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "  1fe   bus          0000    0"));
	free(text);
	b.lines.n = 0;
	assert_int_equal(ioda_dump_pe_state(b.k, 0), 0);
	assert_string_equal(b.lines.line[b.lines.n - 2],
			    "pci 0000:00     : [PE# 1fe] rid: 0000 dev count:  0 flags: bus ");
	shutdown(&b);
}

/* Before 5.8 the released root PE loses its kind with its bus: nothing stale. */
static void root_port_removed_before_5_8_is_clean(void **state)
{
	struct booted b;

	boot(&b, p9_switch, "5.3", NULL);
	remove_dev(&b, 0, 0);
	assert_silent(&b);
	shutdown(&b);
}

/*
 * A slot firmware powered off behind the kernel's back (pnv_php removes the
 * devices first): what is still below it is named.
 */
static void catches_a_device_below_a_powered_off_slot(void **state)
{
	static const char topo[] = "machine memory=4G\n"
				   "phb 0000 gen=phb4 pes=512 {\n"
				   "	bridge 00.0 1014:04c1 type=root-port slot=pcie.0 {\n"
				   "		device 00.0 1b36:0010 class=0x010802 {\n"
				   "			bar 0 16K mem64\n"
				   "		}\n"
				   "	}\n"
				   "}\n";
	static const char *const want[] = {
		"audit: slot pcie.0 (0000:00:00.0) is powered off, yet 0000:01:00.0 is below it",
	};
	struct ioda_phb *phb;
	struct opal_msg msg;
	struct booted b;
	uint8_t off = OPAL_PCI_SLOT_POWER_OFF;
	uint64_t token;

	boot(&b, topo, "6.1", NULL);
	assert_int_equal(ioda_php_load(b.k), 0);
	assert_silent(&b);
	phb = ioda_kernel_peek_phb(b.k, 0);
	token = opal_async_get_token(b.k->opal);
	assert_int_equal(opal_pci_set_power_state(b.k->opal, token,
						  opal_pci_slot_id(phb->opal_id, 0x0000), &off),
			 OPAL_ASYNC_COMPLETION);
	assert_int_equal(opal_async_wait_response(b.k->opal, token, &msg), 0);
	assert_audit(&b, want, 1);
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(silent_on_the_examples),
		cmocka_unit_test(silent_on_p9_switch_through_hotplug),
		cmocka_unit_test(silent_with_a_removed_device_still_held),
		cmocka_unit_test(catches_each_corruption),
		cmocka_unit_test(catches_a_tve_on_another_table),
		cmocka_unit_test(root_port_removed_keeps_a_bus_pe_with_no_bus),
		cmocka_unit_test(root_port_removed_before_5_8_is_clean),
		cmocka_unit_test(catches_a_device_below_a_powered_off_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
