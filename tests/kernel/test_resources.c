/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource assignment: a machine described without addresses gets the ones
 * the kernel chooses, so the same PEs as with the kernel's addresses.
 */
#include "fixture.h"

#include <stdlib.h>

#include <ioda/ioda.h>

/* @text with every " @0x..." address cut, as a machine described by sizes only. */
static char *without_addresses(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	assert_non_null(out);
	for (const char *s = text; *s;) {
		if (s[0] == ' ' && s[1] == '@') {
			for (s += 2; *s && *s != '\n' && *s != ' ';)
				s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* @to (built as @from was) gets the addresses @from's boot assigned. */
static void copy_addresses(struct ioda_machine *from, struct ioda_machine *to)
{
	struct pci_dev *a = NULL, *b = NULL;

	for (;;) {
		a = pci_get_device(from, PCI_ANY_ID, PCI_ANY_ID, a, "test");
		b = pci_get_device(to, PCI_ANY_ID, PCI_ANY_ID, b, "test");
		assert_true(!a == !b);
		if (!a)
			return;
		memcpy(b->resource, a->resource, sizeof(a->resource));
		memcpy(b->sriov.vf_bar, a->sriov.vf_bar, sizeof(a->sriov.vf_bar));
	}
}

/* The lines of @l as assert_lines() wants them. */
static const char *const *given_lines(const struct lines *l)
{
	static const char *v[256];

	for (unsigned int i = 0; i < l->n; i++)
		v[i] = l->line[i];
	return v;
}

/* A resource line of the boot, by its text. */
struct res_lines {
	unsigned int n;
	char line[128][160];
};

static void collect_res(void *arg, const struct ioda_event *ev)
{
	struct res_lines *l = arg;
	char buf[160];

	ioda_event_format(ev, buf, sizeof(buf));
	if (ev->kind >= IODA_EV_RES_ASSIGNED && l->n < 128)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s", buf);
}

static bool has_line(const struct res_lines *l, const char *want)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (!strcmp(l->line[i], want))
			return true;
	return false;
}

/*
 * The QEMU p9 switch of the corpus, by sizes only: the kernel's addresses
 * (the fixture's, from the real log) come back, and with them the PEs.
 */
static void qemu_switch_without_addresses_gets_the_kernels(void **state)
{
	static const char qemu[] = "machine memory=4G model=\"IBM PowerNV (emulated by qemu)\"\n";
	char *bare = without_addresses(p9_switch), *text;
	struct booted given, derived = { 0 }, b2 = { 0 };
	struct ioda_boot_opts opts = { .kernel = "6.1" };
	struct res_lines res = { 0 };
	struct ioda_error err;
	struct pci_dev *dev;

	text = malloc(strlen(bare) + sizeof(qemu));
	assert_non_null(text);
	/* The fixture's first line is its machine line. */
	sprintf(text, "%s%s", qemu, strchr(bare, '\n') + 1);
	boot(&given, p9_switch, "6.1", NULL);
	derived.ctx = test_ctx_new(&derived.r);
	derived.m = test_machine(derived.ctx, text);
	assert_int_equal(ioda_kernel_boot(derived.m, &opts, collect_res, &res, &derived.k, &err), 0);
	assert_true(has_line(&res, "pci 0000:05:00.0: BAR 4: assigned "
				   "[mem 0x6000040000000-0x6000040003fff 64bit pref]"));
	assert_true(has_line(&res, "pci 0000:02:01.0: BAR 13: no space for [io  size 0x1000]"));
	assert_true(has_line(&res, "pci 0000:00:00.0:   bridge window "
				   "[mem 0x6000000000000-0x6003fbff0ffff 64bit pref]"));
	dev = pci_get_domain_bus_and_slot(derived.m, 0, 5, PCI_DEVFN(0, 1), "test");
	assert_int_equal(dev->resource[3].start, 0x600c000850000ull);
	assert_true(dev->resource[3].flags & PCI_RES_ASSIGNED);
	pci_dev_put(dev, "test");
	ioda_kernel_free(derived.k);
	/* The same machine with those addresses given: the PEs of the real kernel. */
	b2.ctx = test_ctx_new(&b2.r);
	b2.m = test_machine(b2.ctx, text);
	copy_addresses(derived.m, b2.m);
	assert_int_equal(ioda_kernel_boot(b2.m, &opts, collect, &b2.lines, &b2.k, &err), 0);
	assert_lines(&b2.lines, given_lines(&given.lines), given.lines.n);
	shutdown(&b2);
	derived.k = NULL;
	shutdown(&derived);
	shutdown(&given);
	free(text);
	free(bare);
}

static int load(struct ioda_ctx *ctx, const char *path, struct ioda_machine **m,
		struct ioda_error *err)
{
	return path ? ioda_load_machine(ctx, path, IODA_INPUT_AUTO, m, err)
		    : ioda_load_example(ctx, m, err);
}

/*
 * The example machines carry no addresses: their boot assigns, and a boot
 * on that assignment as given makes the same PEs and assigns nothing.
 */
static void example(const char *path)
{
	struct test_reports r, r2;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_boot_opts opts = { 0 };
	struct lines first = { 0 }, second = { 0 };
	struct res_lines res = { 0 };
	struct ioda_machine *m, *m2;
	struct ioda_kernel *k;
	struct ioda_error err;

	assert_int_equal(load(ctx, path, &m, &err), 0);
	assert_int_equal(ioda_kernel_boot(m, &opts, collect, &first, &k, &err), 0);
	ioda_kernel_free(k);
	for (int pass = 0; pass < 2; pass++) {
		struct ioda_ctx *ctx2 = test_ctx_new(&r2);

		assert_int_equal(load(ctx2, path, &m2, &err), 0);
		copy_addresses(m, m2);
		if (pass == 0) {
			assert_int_equal(ioda_kernel_boot(m2, &opts, collect_res, &res, &k, &err), 0);
			assert_int_equal(res.n, 0);
		} else {
			assert_int_equal(ioda_kernel_boot(m2, &opts, collect, &second, &k, &err), 0);
			assert_true(first.n > 0);
			assert_lines(&second, given_lines(&first), first.n);
		}
		ioda_kernel_free(k);
		assert_int_equal(ioda_machine_free(m2), 0);
		test_ctx_end_clean(ctx2);
	}
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

static void example_dts_pes_follow_its_assignment(void **state)
{
	example(NULL);
}

static void example_topo_pes_follow_its_assignment(void **state)
{
	example(IODA_SRCDIR "/examples/power9.topo");
}

/* --reassign places even what the description placed, as the kernel does. */
static void reassign_overrides_given_addresses(void **state)
{
	struct booted b = { 0 };
	struct ioda_boot_opts opts = { .kernel = "6.1", .reassign = true };
	struct res_lines res = { 0 };
	struct ioda_error err;

	b.ctx = test_ctx_new(&b.r);
	b.m = test_machine(b.ctx, p9_switch);
	assert_int_equal(ioda_kernel_boot(b.m, &opts, collect_res, &res, &b.k, &err), 0);
	/* Not QEMU: no hotplug slots, so 05:00.0's BAR lands at the window's bottom. */
	assert_true(has_line(&res, "pci 0000:05:00.0: BAR 4: assigned "
				   "[mem 0x6000000000000-0x6000000003fff 64bit pref]"));
	shutdown(&b);
}

/* A PHB3 with one SR-IOV NIC of 8 VFs whose VF BAR 0 is 1M of @vf_flags; its lines. */
static void boot_sriov(const char *vf_flags, struct res_lines *res)
{
	static const char fmt[] =
		"machine memory=4G\n"
		"phb 0000 gen=phb3 {\n"
		"	bridge 00.0 1014:03dc type=root-port {\n"
		"		device 00.0 15b3:1013 class=0x020000 {\n"
		"			bar 0 32M mem64 pref\n"
		"			sriov vfs=8\n"
		"			vf-bar 0 1M %s\n"
		"		}\n"
		"	}\n"
		"}\n";
	struct booted b = { 0 };
	struct ioda_boot_opts opts = { .kernel = "6.1" };
	struct ioda_error err;
	char topo[sizeof(fmt) + 32];

	snprintf(topo, sizeof(topo), fmt, vf_flags);
	b.ctx = test_ctx_new(&b.r);
	b.m = test_machine(b.ctx, topo);
	assert_int_equal(ioda_kernel_boot(b.m, &opts, collect_res, res, &b.k, &err), 0);
	shutdown(&b);
}

/* An IOV BAR that is not 64-bit prefetchable: SR-IOV refused, the rest placed. */
static void non_m64_vf_bar_is_refused(void **state)
{
	struct res_lines res = { 0 };

	boot_sriov("mem64", &res);
	assert_true(has_line(&res, "pci 0000:01:00.0: Don't support SR-IOV with non M64 VF BAR0: "
				   "[mem 0x00000000-0x007fffff 64bit]. "));
	assert_true(has_line(&res, "pci 0000:01:00.0: BAR 0: assigned "
				   "[mem 0x3d00000000000-0x3d00001ffffff 64bit pref]"));
}

/* VF BARs expanded to the PE count, placed first (the largest alignment) in M64. */
static void vf_bars_expanded_for_pe_alignment(void **state)
{
	struct res_lines res = { 0 };

	boot_sriov("mem64 pref", &res);
	assert_true(has_line(&res, "pci 0000:01:00.0: VF BAR0: [mem 0x00000000-0x0fffffff 64bit "
				   "pref] (expanded to 256 VFs for PE alignment)"));
	assert_true(has_line(&res, "pci 0000:01:00.0: BAR 7: assigned "
				   "[mem 0x3d00000000000-0x3d0000fffffff 64bit pref]"));
	assert_true(has_line(&res, "pci 0000:01:00.0: BAR 0: assigned "
				   "[mem 0x3d00010000000-0x3d00011ffffff 64bit pref]"));
}

/* A PHB3 switch with one empty port of each kind of slot; its lines under @kernel, @cmdline. */
static void boot_slots(const char *kernel, const char *cmdline, struct res_lines *res)
{
	static const char topo[] = "machine memory=4G\n"
				   "phb 0000 gen=phb3 {\n"
				   "	bridge 00.0 1014:03dc type=root-port {\n"
				   "		bridge 00.0 10b5:8732 type=upstream {\n"
				   "			bridge 01.0 10b5:8732 type=downstream hotplug=yes\n"
				   "			bridge 08.0 10b5:8732 type=downstream hotplug=no\n"
				   "			bridge 09.0 10b5:8732 type=downstream {\n"
				   "				device 00.0 1014:034a class=0x010400 {\n"
				   "					bar 0 64K mem64\n"
				   "				}\n"
				   "			}\n"
				   "		}\n"
				   "	}\n"
				   "}\n";
	struct booted b = { 0 };
	struct ioda_boot_opts opts = { .kernel = kernel, .cmdline = cmdline };
	struct ioda_error err;

	b.ctx = test_ctx_new(&b.r);
	b.m = test_machine(b.ctx, topo);
	assert_int_equal(ioda_kernel_boot(b.m, &opts, collect_res, res, &b.k, &err), 0);
	shutdown(&b);
}

static unsigned int lines_with(const struct res_lines *l, const char *part)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->n; i++)
		n += strstr(l->line[i], part) != NULL;
	return n;
}

/*
 * is_hotplug_bridge follows the slot's HPC bit: only the hot-plug port's
 * empty windows get the reserves (pci_hotplug_io_size 256 to a 4K IO
 * window, pci_hotplug_mmio_size and _pref_size 2M to the M32 and M64
 * segment), which its parents carry as children's add sizes.
 */
static void hotplug_reserves_go_to_hotplug_slots(void **state)
{
	struct res_lines res = { 0 };

	boot_slots("6.1", "", &res);
	assert_true(has_line(&res, "pci 0000:02:01.0: bridge window [io  0x1000-0x0fff] to "
				   "[bus 03] add_size 1000"));
	assert_true(has_line(&res, "pci 0000:02:01.0: bridge window [mem 0x10000000-0x0fffffff "
				   "64bit pref] to [bus 03] add_size 10000000 add_align 10000000"));
	assert_true(has_line(&res, "pci 0000:02:01.0: bridge window [mem 0x00800000-0x007fffff] "
				   "to [bus 03] add_size 800000 add_align 800000"));
	assert_int_equal(lines_with(&res, "pci 0000:02:08.0: bridge window"), 0);
	assert_true(has_line(&res, "pci 0000:00:00.0: bridge window [io  0x1000-0x0fff] to "
				   "[bus 01-05] add_size 1000"));
}

/*
 * pci=hpiosize, hpmemsize (both memory reserves), and from 5.7 hpmmiosize
 * and hpmmioprefsize; before 5.7 those two are unknown options, ignored.
 */
static void hotplug_reserve_sizes_come_from_the_command_line(void **state)
{
	static const struct {
		const char *kernel, *cmdline, *want;
	} cases[] = {
		{ "6.1", "pci=hpiosize=8K", "[io  0x1000-0x0fff] to [bus 03] add_size 2000" },
		{ "6.1", "pci=hpmemsize=16M",
		  "[mem 0x00800000-0x007fffff] to [bus 03] add_size 1000000 add_align 800000" },
		{ "6.1", "quiet pci=noaer,hpmmiosize=0x1000000",
		  "[mem 0x00800000-0x007fffff] to [bus 03] add_size 1000000 add_align 800000" },
		{ "5.6", "pci=hpmmiosize=16M",
		  "[mem 0x00800000-0x007fffff] to [bus 03] add_size 800000 add_align 800000" },
		{ "6.1", "pci=hpmmioprefsize=1G", "64bit pref] to [bus 03] add_size 40000000 " },
		{ "5.6", "pci=hpmemsize=1G", "64bit pref] to [bus 03] add_size 40000000 " },
		{ "5.6", "pci=hpmmioprefsize=1G", "64bit pref] to [bus 03] add_size 10000000 " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct res_lines res = { 0 };

		boot_slots(cases[i].kernel, cases[i].cmdline, &res);
		if (lines_with(&res, cases[i].want) != 1)
			fail_msg("%s '%s': no line with \"%s\"", cases[i].kernel, cases[i].cmdline,
				 cases[i].want);
	}
}

/* Every allocation of a boot that assigns may fail; nothing is left behind. */
static void assignment_fault_loop_leaves_nothing(void **state)
{
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_machine *m = test_machine(ctx, p9_switch);
	struct ioda_boot_opts opts = { .reassign = true };
	size_t bytes = ioda_mem_live_bytes(ctx);
	unsigned long i;

	for (i = 1; i < 100000; i++) {
		struct ioda_kernel *k;
		struct ioda_error err;
		unsigned long injected = ioda_fault_injected(ctx);

		ioda_fault_fail_nth(ctx, IODA_FAULT_ANY, i);
		if (!ioda_kernel_boot(m, &opts, NULL, NULL, &k, &err))
			ioda_kernel_free(k);
		assert_int_equal(ioda_mem_live_bytes(ctx), bytes);
		if (ioda_fault_injected(ctx) == injected)
			break;
	}
	assert_true(i > 50);
	ioda_fault_fail_nth(ctx, 0, 0);
	assert_int_equal(ioda_machine_free(m), 0);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_switch_without_addresses_gets_the_kernels),
		cmocka_unit_test(example_dts_pes_follow_its_assignment),
		cmocka_unit_test(example_topo_pes_follow_its_assignment),
		cmocka_unit_test(reassign_overrides_given_addresses),
		cmocka_unit_test(non_m64_vf_bar_is_refused),
		cmocka_unit_test(vf_bars_expanded_for_pe_alignment),
		cmocka_unit_test(hotplug_reserves_go_to_hotplug_slots),
		cmocka_unit_test(hotplug_reserve_sizes_come_from_the_command_line),
		cmocka_unit_test(assignment_fault_loop_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
