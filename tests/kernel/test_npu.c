/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NVLink on the AC922 (corpus log, Linux 5.2): links share their GPU's
 * device PE, the GPU<->link getters, and the references each rule pins
 * (spec §1.3): v5.5 pins a link for a new PE and again for a join, v5.6
 * pins every link once, the counted rule pins nothing and its PE lets go
 * when the device leaves its bus.
 */
#include "fixture.h"

#include <pthread.h>
#include <stdatomic.h>

#include <ioda/eeh.h>
#include <ioda/opal.h>

#define AC922 IODA_SRCDIR "/tests/conformance/corpus/ac922-witherspoon-5.2-npu-sriov.log"

static void boot_ac922(struct booted *b, enum ioda_refcount_rule rule)
{
	struct ioda_boot_opts opts = { .kernel = "5.2", .refcount = rule };
	struct ioda_error err;

	b->ctx = test_ctx_new(&b->r);
	if (ioda_load_machine(b->ctx, AC922, IODA_INPUT_LOG, &b->m, &err))
		fail_msg("load: %s", err.msg);
	b->lines.n = 0;
	if (ioda_kernel_boot(b->m, &opts, collect, &b->lines, &b->k, &err))
		fail_msg("boot: %s", err.msg);
}

static struct pci_dev *dev_at(struct booted *b, int domain, unsigned int bus, unsigned int devfn)
{
	struct pci_dev *d = pci_get_domain_bus_and_slot(b->m, domain, bus, devfn, "test");

	assert_non_null(d);
	pci_dev_put(d, "test"); /* the bus list keeps it */
	return d;
}

/* The getters follow the platform's wiring and hand out counted references. */
static void getters_return_counted_references(void **state)
{
	struct booted b;
	struct pci_dev *link, *gpu, *back;

	boot_ac922(&b, IODA_REFS_COUNTED);
	link = dev_at(&b, 6, 0, PCI_DEVFN(0, 1));
	gpu = ioda_npu_get_gpu(b.k, link, "consumer");
	assert_string_equal(pci_dev_peek_name(gpu), "0004:04:00.0");
	assert_int_equal(ioda_ref_holder_count(&gpu->ref, "consumer"), 1);
	back = ioda_gpu_get_npu(b.k, gpu, 2, "consumer");
	assert_string_equal(pci_dev_peek_name(back), "0006:00:00.2");
	assert_string_equal(pci_dev_peek_name(ioda_npu_peek_gpu(b.k, dev_at(&b, 7, 0, PCI_DEVFN(1, 0)))),
			    "0035:04:00.0");
	pci_dev_put(back, "consumer");
	pci_dev_put(gpu, "consumer");
	/* Both links of a GPU in one PE; the second GPU's in another. */
	assert_int_equal(link->pe_number, 0xd);
	assert_int_equal(dev_at(&b, 6, 0, PCI_DEVFN(1, 2))->pe_number, 0xc);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

static unsigned int holders(struct booted *b, int domain, unsigned int devfn, const char *h)
{
	return ioda_ref_holder_count(&dev_at(b, domain, 0, devfn)->ref, h);
}

/* What each rule pins on the links, and what teardown then reports. */
static void pins_per_rule(void **state)
{
	struct booted b;

	boot_ac922(&b, IODA_REFS_V5_5);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 0), "npu pe (v5.5, never put)"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "npu join (v5.5, never put)"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "npu pe (v5.5, never put)"), 0);
	ioda_kernel_free(b.k);
	/* 4 link PEs and 8 joins: 12 pinned links, each with its bus and domain. */
	assert_true(ioda_machine_free(b.m) >= 12);
	assert_int_equal(ioda_ctx_reports(b.ctx, IODA_REPORT_LEAK) >= 12, true);
	ioda_ctx_free(b.ctx);

	boot_ac922(&b, IODA_REFS_V5_6);
	for (unsigned int fn = 0; fn < 3; fn++)
		assert_int_equal(holders(&b, 7, PCI_DEVFN(1, fn), "nvlink pin (v5.6, never put)"), 1);
	assert_int_equal(holders(&b, 7, PCI_DEVFN(1, 0), "pe"), 0);
	ioda_kernel_free(b.k);
	assert_true(ioda_machine_free(b.m) >= 12);
	ioda_ctx_free(b.ctx);

	boot_ac922(&b, IODA_REFS_COUNTED);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 0), "pe"), 1);
	assert_int_equal(holders(&b, 6, PCI_DEVFN(0, 1), "pe"), 0);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

static int dma_from(struct booted *b, int domain, struct pci_dev *dev, uint64_t addr,
		    struct ioda_dma_result *res)
{
	struct ioda_phb *phb = ioda_kernel_peek_phb(b->k, domain);

	memset(res, 0, sizeof(*res));
	return ioda_hw_dma(ioda_opal_phb(b->k->opal, phb->opal_id), pci_dev_rid(dev), addr, false,
			   res);
}

/*
 * POWER9 compound table group (npu-dma.c: "the NPU devices all point to
 * the same iommu table as the parent PCI device"; pnv_npu_set_window(npe,
 * 0, gpe->table_group.tables[0]), pnv_npu_compound_attach): a GPU's PE and
 * its NVLink links' PE share one table, so a TCE mapped through the GPU's
 * PE translates for the links' RIDs on the NPU PHB too; a link of another
 * GPU sits in another PE, with another table, and does not reach the page.
 */
static void links_share_their_gpus_table_group(void **state)
{
	struct booted b;
	struct pci_dev *gpu, *other;
	struct ioda_dma_result res;
	struct ioda_tve *gtve;
	const uint64_t phys = 0x12345678;
	uint64_t bus;

	boot_ac922(&b, IODA_REFS_COUNTED);
	gpu = dev_at(&b, 4, 4, 0);
	other = dev_at(&b, 6, 0, PCI_DEVFN(1, 0));
	assert_ptr_equal(ioda_npu_peek_gpu(b.k, dev_at(&b, 6, 0, 0)), gpu);
	assert_ptr_not_equal(ioda_npu_peek_gpu(b.k, other), gpu);
	assert_non_null(ioda_npu_peek_gpu(b.k, other));
	assert_int_equal(ioda_dma_map(b.k, gpu, phys, IODA_DMA_TO_DEVICE, &bus), 0);
	/* The GPU itself reaches the page through its PE's TVE#0. */
	assert_int_equal(dma_from(&b, 4, gpu, bus, &res), 0);
	assert_int_equal(res.pe, gpu->pe_number);
	assert_int_equal(res.tve, 2 * gpu->pe_number);
	assert_int_equal(res.sys_addr, phys);
	gtve = &ioda_opal_phb(b.k->opal, ioda_kernel_peek_phb(b.k, 4)->opal_id)->tvt[res.tve];
	for (unsigned int fn = 0; fn < 3; fn++) {
		struct pci_dev *link = dev_at(&b, 6, 0, PCI_DEVFN(0, fn));
		struct ioda_phb_hw *npu = ioda_opal_phb(b.k->opal, ioda_kernel_peek_phb(b.k, 6)->opal_id);
		struct ioda_tve *ltve = &npu->tvt[2 * link->pe_number];
		int rc = dma_from(&b, 6, link, bus, &res);

		/* The DMA from each link lands on the GPU's page... */
		if (rc)
			print_error("%s: DMA 0x%llx: rc %d, PE#%x %s; NPU TVE#%u kind %d\n",
				    pci_dev_peek_name(link), (unsigned long long)bus, rc, res.pe,
				    ioda_hw_reason_name(res.reason), 2 * link->pe_number, ltve->kind);
		assert_int_equal(rc, 0);
		assert_int_equal(res.pe, link->pe_number);
		assert_int_equal(res.tve, 2 * link->pe_number);
		assert_int_equal(res.sys_addr, phys);
		/* ...through the GPU's own table on the links' TVE#0. */
		assert_int_equal(ltve->kind, IODA_TVE_TCE);
		assert_int_equal(ltve->table_pa, gtve->table_pa);
	}
	/* The other GPU's link: its own PE and table, not this page. */
	assert_int_not_equal(other->pe_number, dev_at(&b, 6, 0, 0)->pe_number);
	if (dma_from(&b, 6, other, bus, &res) == 0)
		assert_int_not_equal(res.sys_addr, phys);
	assert_int_equal(ioda_dma_unmap(b.k, gpu, bus), 0);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

/*
 * Unplug under the counted rule: the links leave their PE when removed
 * (the PE's own reference never holds them back), and a consumer's GPU
 * reference keeps the GPU valid, released exactly at its put.
 */
static void unplug_under_a_held_reference(void **state)
{
	struct booted b;
	struct pci_dev *gpu;

	boot_ac922(&b, IODA_REFS_COUNTED);
	gpu = ioda_npu_get_gpu(b.k, dev_at(&b, 6, 0, 0), "consumer");
	for (unsigned int fn = 0; fn < 3; fn++)
		assert_int_equal(ioda_hot_remove(b.k, dev_at(&b, 6, 0, PCI_DEVFN(0, fn))), 0);
	assert_false(ioda_kernel_peek_phb(b.k, 6)->pe_array[0xd].flags & IODA_PE_DEV);
	assert_int_equal(ioda_hot_remove(b.k, gpu), 0);
	assert_null(pci_get_domain_bus_and_slot(b.m, 4, 4, 0, "test"));
	assert_false(ioda_ref_released(&gpu->ref));
	assert_true(ioda_ref_use(&gpu->ref, "consumer"));
	pci_dev_put(gpu, "consumer");
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

struct unplug_race {
	struct booted *b;
	struct pci_dev *link;
	pthread_barrier_t held;	 /* A has its reference: B may remove */
	atomic_bool removed;	 /* B removed everything and checked */
	/* A's record */
	struct pci_dev *gpu;
	unsigned long uses, uses_after_remove;
	bool use_failed, released_before_put, released_after_put;
	/* B's record */
	int rc[4];
	struct pci_dev *looked_up; /* the GPU's lookup after the remove */
	bool released_at_remove;
};

/* A: a consumer holding the link's GPU, using it while it is unplugged. */
static void *unplug_consumer(void *arg)
{
	struct unplug_race *u = arg;
	struct pci_dev *gpu = ioda_npu_get_gpu(u->b->k, u->link, "consumer");

	u->gpu = gpu;
	pthread_barrier_wait(&u->held);
	if (!gpu)
		return NULL;
	for (;;) {
		bool after = atomic_load(&u->removed);

		/* vendor and class never change: readable while held, without the lock */
		if (!ioda_ref_use(&gpu->ref, "consumer") || gpu->vendor != 0x10de)
			u->use_failed = true;
		u->uses++;
		if (after && ++u->uses_after_remove == 16)
			break;
	}
	u->released_before_put = ioda_ref_released(&gpu->ref);
	pci_dev_put(gpu, "consumer");
	u->released_after_put = ioda_ref_released(&gpu->ref);
	return NULL;
}

/* B: the hot-unplug of the links, then of the GPU. */
static void *unplug_remover(void *arg)
{
	struct unplug_race *u = arg;
	struct booted *b = u->b;
	struct pci_dev *links[3];

	for (unsigned int fn = 0; fn < 3; fn++) {
		links[fn] = pci_get_domain_bus_and_slot(b->m, 6, 0, PCI_DEVFN(0, fn), "remover");
		pci_dev_put(links[fn], "remover");
	}
	pthread_barrier_wait(&u->held);
	if (!u->gpu)
		return NULL;
	for (unsigned int fn = 0; fn < 3; fn++)
		u->rc[fn] = ioda_hot_remove(b->k, links[fn]);
	u->rc[3] = ioda_hot_remove(b->k, u->gpu);
	u->looked_up = pci_get_domain_bus_and_slot(b->m, 4, 4, 0, "remover");
	if (u->looked_up)
		pci_dev_put(u->looked_up, "remover");
	u->released_at_remove = ioda_ref_released(&u->gpu->ref);
	atomic_store(&u->removed, true);
	return NULL;
}

/*
 * The same unplug with the consumer on its own thread (pnv_pci_get_gpu_dev
 * callers in nvidia-style drivers race the slot's removal): the GPU leaves
 * lookups as soon as it is removed, the consumer's reference keeps it
 * usable across the removal, and it is released at the consumer's put.
 */
static void unplug_races_a_held_reference(void **state)
{
	struct booted b;
	struct unplug_race u = { .b = &b };
	pthread_t a, r;

	boot_ac922(&b, IODA_REFS_COUNTED);
	u.link = dev_at(&b, 6, 0, 0);
	assert_int_equal(pthread_barrier_init(&u.held, NULL, 2), 0);
	assert_int_equal(pthread_create(&a, NULL, unplug_consumer, &u), 0);
	assert_int_equal(pthread_create(&r, NULL, unplug_remover, &u), 0);
	pthread_join(r, NULL);
	pthread_join(a, NULL);
	pthread_barrier_destroy(&u.held);
	assert_non_null(u.gpu);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(u.rc[i], 0);
	assert_null(u.looked_up);
	assert_false(u.released_at_remove);
	assert_false(u.use_failed);
	assert_int_equal(u.uses_after_remove, 16);
	assert_false(u.released_before_put);
	assert_true(u.released_after_put);
	assert_false(ioda_kernel_peek_phb(b.k, 6)->pe_array[0xd].flags & IODA_PE_DEV);
	ioda_kernel_free(b.k);
	assert_int_equal(ioda_machine_free(b.m), 0);
	test_ctx_end_clean(b.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(getters_return_counted_references),
		cmocka_unit_test(pins_per_rule),
		cmocka_unit_test(unplug_under_a_held_reference),
		cmocka_unit_test(links_share_their_gpus_table_group),
		cmocka_unit_test(unplug_races_a_held_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
