/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy tests' machine and helpers: boot one, collect its PE lines. */
#ifndef IODA_TEST_FIXTURE_H
#define IODA_TEST_FIXTURE_H

#include "testutil.h"

#include <errno.h>
#include <stdlib.h>

#include <ioda/hw.h>
#include <ioda/ioda.h>

/*
 * QEMU powernv9 with a PCIe switch (corpus qemu/p9-switch), its BARs where
 * the 6.1 kernel put them.  Bus 05's virtio-rng has a 64-bit prefetchable
 * BAR in M64 segment 2.
 */
static const char p9_switch[] =
	"machine memory=4G\n"
	"phb 0000 gen=phb4 pes=512 {\n"
	"	bridge 00.0 1014:04c1 type=root-port {\n"
	"		bridge 00.0 104c:8232 type=upstream {\n"
	"			bridge 00.0 104c:8233 type=downstream {\n"
	"				device 00.0 8086:10d3 class=0x020000 {\n"
	"					bar 0 128K @0x600c000000000\n"
	"					bar 1 128K @0x600c000020000\n"
	"					bar 2 32 io\n"
	"					bar 3 16K @0x600c000040000\n"
	"				}\n"
	"			}\n"
	"			bridge 01.0 104c:8233 type=downstream {\n"
	"				device 00.0 1b36:0010 class=0x010802 {\n"
	"					bar 0 16K mem64 @0x600c000400000\n"
	"				}\n"
	"			}\n"
	"			bridge 02.0 104c:8233 type=downstream {\n"
	"				device 00.0 1af4:1044 class=0x00ff00 {\n"
	"					bar 1 4K @0x600c000840000\n"
	"					bar 4 16K mem64 pref @0x6000040000000\n"
	"				}\n"
	"				device 00.1 8086:10d3 class=0x020000 {\n"
	"					bar 0 128K @0x600c000800000\n"
	"					bar 1 128K @0x600c000820000\n"
	"					bar 3 16K @0x600c000850000\n"
	"				}\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"phb 0001 gen=phb4 pes=256 {\n\tbridge 00.0 1014:04c1 type=root-port\n}\n"
	"phb 0002 gen=phb4 pes=256 {\n\tbridge 00.0 1014:04c1 type=root-port\n}\n"
	"phb 0003 gen=phb4 pes=512 {\n\tbridge 00.0 1014:04c1 type=root-port\n}\n"
	"phb 0004 gen=phb4 pes=256 {\n\tbridge 00.0 1014:04c1 type=root-port\n}\n"
	"phb 0005 gen=phb4 pes=256 {\n\tbridge 00.0 1014:04c1 type=root-port\n}\n";

struct lines {
	unsigned int n;
	char line[256][160];
};

static inline bool is_pe_line(const char *l)
{
	return strstr(l, "[PE# ") || strstr(l, "Configuring PE for bus") ||
	       strstr(l, "Configured PE#") || strstr(l, "Added to existing PE#") ||
	       strstr(l, "Adding to iommu group") || strstr(l, "Associating to existing PE");
}

static inline void collect(void *arg, const struct ioda_event *ev)
{
	struct lines *l = arg;
	char buf[160];

	ioda_event_format(ev, buf, sizeof(buf));
	if (is_pe_line(buf) && l->n < 256)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s", buf);
}

static inline void assert_lines(const struct lines *got, const char *const *want, unsigned int n)
{
	for (unsigned int i = 0; i < n && i < got->n; i++)
		if (strcmp(got->line[i], want[i])) {
			print_error("line %u:\n  got  %s\n  want %s\n", i, got->line[i], want[i]);
			fail();
		}
	assert_int_equal(got->n, n);
}

struct booted {
	struct test_reports r;
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct lines lines;
};

static inline void boot(struct booted *b, const char *topo, const char *kernel, const char *cmdline)
{
	struct ioda_boot_opts opts = { .kernel = kernel, .cmdline = cmdline };
	struct ioda_error err;

	b->ctx = test_ctx_new(&b->r);
	b->m = test_machine(b->ctx, topo);
	b->lines.n = 0;
	if (ioda_kernel_boot(b->m, &opts, collect, &b->lines, &b->k, &err))
		fail_msg("boot: %s", err.msg);
}

static inline void shutdown(struct booted *b)
{
	ioda_kernel_free(b->k);
	assert_int_equal(ioda_machine_free(b->m), 0);
	test_ctx_end_clean(b->ctx);
}

#endif
