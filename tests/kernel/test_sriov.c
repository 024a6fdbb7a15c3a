/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV as pci-sriov.c does it: a contiguous run of VF PEs, the IOV BAR
 * in a segmented M64 BAR shifted so VF i sits in the segment of PE base+i
 * (or a single-PE M64 BAR per VF when VF BARs are big), the VFs set up as
 * devices of their PEs; disable gives everything back.
 */
#include "fixture.h"

#include <ioda/eeh.h>

#define PF_MACHINE(vfbar)                                                                         \
	"machine memory=4G\n"                                                                     \
	"phb 0000 gen=phb4 pes=512 {\n"                                                           \
	"	bridge 00.0 1014:04c1 type=root-port {\n"                                         \
	"		device 00.0 15b3:1017 class=0x020000 {\n"                                 \
	"			bar 0 32M mem64 pref\n"                                           \
	"			sriov vfs=8 offset=2 stride=1 vf-device=1018\n"                   \
	"			vf-bar 0 " vfbar "\n"                                             \
	"		}\n"                                                                      \
	"		device 00.1 15b3:1017 class=0x020000 {\n"                                 \
	"			bar 0 32M mem64 pref\n"                                           \
	"		}\n"                                                                      \
	"	}\n"                                                                              \
	"}\n"

static const char shared_mode[] = PF_MACHINE("8M mem64 pref");
static const char single_mode[] = PF_MACHINE("256M mem64 pref");
static const char not_m64[] = PF_MACHINE("8M");

static struct pci_dev *pf_of(struct booted *b)
{
	struct pci_dev *pf = pci_get_domain_bus_and_slot(b->m, 0, 1, 0, "test");

	assert_non_null(pf);
	pci_dev_put(pf, "test"); /* the bus list keeps it */
	return pf;
}

/* The M64 BARs that are enabled, as a bit mask. */
static uint64_t enabled_m64(struct booted *b)
{
	struct ioda_phb_hw *hw = ioda_opal_phb(b->k->opal, 0);
	uint64_t mask = 0;

	for (unsigned int i = 0; i < hw->m64_count; i++)
		if (hw->m64[i].enabled)
			mask |= 1ull << i;
	return mask;
}

static void vf_pes_contiguous_and_each_vf_bar_in_its_segment(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;
	struct pci_dev *pf;

	boot(&b, shared_mode, "6.1", NULL);
	hw = ioda_opal_phb(b.k->opal, 0);
	pf = pf_of(&b);
	b.lines.n = 0;
	assert_int_equal(ioda_sriov_enable(b.k, pf, 4), 0);
	assert_int_equal(pf->num_vfs, 4);
	for (unsigned int i = 0; i < 4; i++) {
		struct pci_dev *vf = pci_get_domain_bus_and_slot(b.m, 0, 1, 2 + i, "test");
		struct ioda_mmio_result res;
		uint64_t data;

		assert_non_null(vf);
		assert_true(vf->is_virtfn);
		assert_ptr_equal(vf->physfn, pf);
		assert_int_equal(vf->pe_number, 0x1fa + i);
		assert_true(ioda_dev_peek_pe(b.k, vf)->flags & IODA_PE_VF);
		assert_int_equal(ioda_hw_rtt_lookup(hw, pci_dev_rid(vf)), 0x1fa + i);
		/* The VF's BAR decodes to its own PE through the segmented BAR. */
		assert_int_equal(ioda_hw_mmio(hw, vf->resource[0].start, 4, false, &data, &res), 0);
		assert_int_equal(res.pe, 0x1fa + i);
		assert_int_equal(vf->iommu_group, 1 + (int)i);
		pci_dev_put(vf, "test");
	}
	assert_string_equal(b.lines.line[0], "pci 0000:01: 0.2: [PE# 1fa] VF 0000:01:00.2 associated with PE#1fa");
	assert_int_equal(ioda_sriov_enable(b.k, pf, 2), -EINVAL); /* already on */
	assert_int_equal(ioda_sriov_disable(b.k, pf), 0);
	assert_null(pci_get_domain_bus_and_slot(b.m, 0, 1, 2, "test"));
	shutdown(&b);
}

/* Enable and disable, again and again: nothing stays behind. */
static void enable_disable_cycles_leave_nothing(void **state)
{
	struct booted b;
	struct pci_dev *pf;
	unsigned long alloc[8], refs;
	uint64_t bars;
	size_t bytes;

	boot(&b, shared_mode, "6.1", NULL);
	pf = pf_of(&b);
	memcpy(alloc, ioda_kernel_peek_phb(b.k, 0)->pe_alloc, sizeof(alloc));
	refs = ioda_ctx_live_refs(b.ctx);
	bytes = ioda_mem_live_bytes(b.ctx);
	bars = enabled_m64(&b);
	for (unsigned int n = 1; n <= 8; n++) {
		assert_int_equal(ioda_sriov_enable(b.k, pf, n), 0);
		assert_int_equal(ioda_sriov_disable(b.k, pf), 0);
	}
	assert_memory_equal(alloc, ioda_kernel_peek_phb(b.k, 0)->pe_alloc, sizeof(alloc));
	assert_int_equal(ioda_ctx_live_refs(b.ctx), refs);
	assert_int_equal(ioda_mem_live_bytes(b.ctx), bytes);
	assert_int_equal(enabled_m64(&b), bars);
	shutdown(&b);
}

/* VF BARs above a quarter of the M64 segment: a single-PE M64 BAR per VF. */
static void big_vf_bars_get_single_pe_m64_bars(void **state)
{
	struct booted b;
	struct ioda_phb_hw *hw;
	unsigned int single = 0;

	boot(&b, single_mode, "6.1", NULL);
	hw = ioda_opal_phb(b.k->opal, 0);
	b.lines.n = 0;
	assert_int_equal(ioda_sriov_enable(b.k, pf_of(&b), 3), 0);
	for (unsigned int i = 0; i < hw->m64_count; i++)
		if (hw->m64[i].enabled && hw->m64[i].mode == IODA_M64_SINGLE_PE) {
			assert_true(hw->m64[i].pe >= 0x1fb && hw->m64[i].pe <= 0x1fd);
			single++;
		}
	assert_int_equal(single, 3);
	/* No segmented BAR, so no shift. */
	for (unsigned int i = 0; i < b.lines.n; i++)
		assert_null(strstr(b.lines.line[i], "shifted"));
	/* Left enabled: the kernel's teardown frees the PF's IOV state. */
	shutdown(&b);
}

/* The kernel's refusals. */
static void refusals(void **state)
{
	struct booted b;

	boot(&b, not_m64, "6.1", NULL);
	b.lines.n = 0;
	assert_int_equal(ioda_sriov_enable(b.k, pf_of(&b), 2), -ENOSPC);
	assert_int_equal(ioda_sriov_enable(b.k, pf_of(&b), 9), -EINVAL);
	shutdown(&b);
}

/* Removing a PF with VFs on: its driver turns SR-IOV off first. */
static void removing_the_pf_disables_its_vfs(void **state)
{
	struct booted b;
	struct pci_dev *pf;

	boot(&b, shared_mode, "6.1", NULL);
	pf = pci_get_domain_bus_and_slot(b.m, 0, 1, 0, "test");
	assert_int_equal(ioda_sriov_enable(b.k, pf, 4), 0);
	assert_int_equal(ioda_hot_remove(b.k, pf), 0);
	assert_null(pci_get_domain_bus_and_slot(b.m, 0, 1, 3, "test"));
	assert_int_equal(pf->num_vfs, 0);
	pci_dev_put(pf, "test");
	shutdown(&b);
}

/*
 * A root port removed with VFs on and found again by a rescan: the rescan
 * probes functions, and a VF is none (pci_iov_add_virtfn() made it), so
 * the PF comes back with SR-IOV off (its IOV BAR where the shift of
 * pnv_pci_vf_resource_shift() found it, so VFs enable again), its sibling
 * with it, and nothing at the VFs' RIDs.  (The torture found the removed
 * port's description carrying its VFs as plain functions: M64 PEs reserved
 * for their BARs stayed allocated with no kind.)
 */
static void rescan_finds_the_pf_not_its_vfs(void **state)
{
	struct booted b;
	struct ioda_topo_node *nodes;
	struct ioda_error err;
	struct pci_dev *rp, *pf, *sibling;
	struct pci_bus *root;

	boot(&b, shared_mode, "6.1", NULL);
	assert_int_equal(ioda_sriov_enable(b.k, pf_of(&b), 4), 0);
	rp = pci_get_domain_bus_and_slot(b.m, 0, 0, 0, "test");
	root = pci_dev_get_bus(rp, "test");
	assert_int_equal(pci_describe_dev(b.m, rp, &nodes), 0);
	assert_int_equal(ioda_hot_remove(b.k, rp), 0);
	pci_dev_put(rp, "test");
	assert_int_equal(ioda_hot_add(b.k, root, nodes, NULL, NULL, &err), 0);
	ioda_topo_nodes_free(b.ctx, nodes);
	pci_bus_put(root, "test");
	pf = pf_of(&b);
	assert_int_equal(pf->num_vfs, 0);
	for (unsigned int fn = 2; fn < 6; fn++)
		assert_null(pci_get_domain_bus_and_slot(b.m, 0, 1, fn, "test"));
	sibling = pci_get_domain_bus_and_slot(b.m, 0, 1, 1, "test");
	assert_non_null(sibling);
	pci_dev_put(sibling, "test");
	assert_int_equal(ioda_audit(b.k, NULL, NULL), 0);
	/* And it still enables. */
	assert_int_equal(ioda_sriov_enable(b.k, pf, 4), 0);
	assert_int_equal(ioda_audit(b.k, NULL, NULL), 0);
	shutdown(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vf_pes_contiguous_and_each_vf_bar_in_its_segment),
		cmocka_unit_test(enable_disable_cycles_leave_nothing),
		cmocka_unit_test(big_vf_bars_get_single_pe_m64_bars),
		cmocka_unit_test(refusals),
		cmocka_unit_test(removing_the_pf_disables_its_vfs),
		cmocka_unit_test(rescan_finds_the_pf_not_its_vfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
