/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scenario language: malformed scenarios with their exact messages, node
 * lists in topology text (what hot add reads), runs with their exit status
 * and messages, every example scenario clean under --audit, and no leak
 * whichever allocation of the parser fails.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#define POWER8 IODA_SRCDIR "/examples/power8.topo"

static int parse(struct ioda_ctx *ctx, const char *text, struct ioda_scenario **s,
		 struct ioda_error *err)
{
	return ioda_scenario_parse(ctx, "t.scn", text, strlen(text), s, err);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"", "t.scn:1: no boot step"},
		{"machine m.topo\n", "t.scn:2: no boot step"},
		{"boot\n", "t.scn:1: boot needs a machine line before it"},
		{"frobnicate\n", "t.scn:1: unknown statement 'frobnicate'"},
		{"machine\n", "t.scn:1: machine needs a path"},
		{"machine a.topo\nmachine b.topo\n",
		 "t.scn:2: duplicate machine (first at line 1)"},
		{"machine a as xml\n",
		 "t.scn:1: unknown input kind 'xml' (expected topo, dt or log)"},
		{"machine a like topo\n", "t.scn:1: unexpected word 'like'"},
		{"machine a\nboot\nkernel 6.1\n", "t.scn:3: kernel must come before boot"},
		{"kernel 1.0\n",
		 "t.scn:1: kernel version '1.0' is outside what ioda models (5.0 .. 6.12)"},
		{"cmdline iommu=nobypass\n", "t.scn:1: cmdline needs a double-quoted string"},
		{"machine a\nboot\nboot\n", "t.scn:3: duplicate boot (first at line 2)"},
		{"machine a\nhot remove 0000:01:00.0\n", "t.scn:2: hot must come after boot"},
		{"machine a\nboot\nhot plug 0000:01:00.0\n",
		 "t.scn:3: unknown hot step 'plug' (expected add or remove)"},
		{"machine a\nboot\neeh\n", "t.scn:3: eeh needs inject, max-freezes or recover"},
		{"machine a\nboot\nhot remove\n", "t.scn:3: hot remove needs a device"},
		{"machine a\nboot\nhot remove 0000:01:00\n",
		 "t.scn:3: bad device '0000:01:00' (expected DDDD:BB:DD.F, a label or a taken "
		 "name)"},
		{"machine a\nboot\nhot remove 0000:01:20.0\n",
		 "t.scn:3: bad device '0000:01:20.0' (expected DDDD:BB:DD.F, a label or a taken "
		 "name)"},
		{"machine a\nboot\nenable nvme0 now\n", "t.scn:3: unexpected word 'now'"},
		{"machine a\nboot\nhot add 0000:02\n",
		 "t.scn:3: hot add needs '{' at the end of its line"},
		/* PowerNV slots: a name, a state, a card in a block. */
		{"machine a\nboot\nslot frob bay2\n",
		 "t.scn:3: unknown slot step 'frob' (expected power, attention, pull, insert or "
		 "reset)"},
		{"machine a\nboot\nslot power\n", "t.scn:3: slot power needs a slot"},
		{"machine a\nboot\nslot power bay2 maybe\n",
		 "t.scn:3: unknown power state 'maybe' (expected on or off)"},
		{"machine a\nboot\nslot insert bay3\n",
		 "t.scn:3: slot insert needs '{' at the end of its line"},
		{"machine a\nboot\nslot insert bay3 {\n}\n",
		 "t.scn:4: slot insert needs at least one device"},
		{"machine a\nboot\nexpect powered bay2 maybe\n",
		 "t.scn:3: unknown answer 'maybe' (expected yes or no)"},
		{"machine a\nboot\nhot add 0000:02 {\n}\n",
		 "t.scn:4: hot add needs at least one device"},
		{"machine a\nboot\nhot add 0000:02 {\n  device 00.0 1b36:0010 class=0x010802 "
		 "{\n}\n",
		 "t.scn:6: missing '}' for hot add opened at line 3"},
		{"machine a\nboot\nhot add 0000:02 {\n  device 00.0 1b36:0010\n}\n",
		 "t.scn:4:3: device needs class="},
		{"machine a\nboot\nhot add 0000:2:0 {\n",
		 "t.scn:3: bad target '0000:2:0' (expected DDDD:BB or a device)"},
		{"machine a\nboot\ndriver bind nvme0 nvme sometimes\n",
		 "t.scn:3: unknown driver kind 'sometimes' (expected recovers, no-handlers or "
		 "disconnects)"},
		{"machine a\nboot\neeh inject nvme0 melt\n",
		 "t.scn:3: unknown eeh error 'melt' (expected freeze, bad-dma, mmio-load, dma-load "
		 "or "
		 "fence)"},
		{"machine a\nboot\neeh recover nvme0\n",
		 "t.scn:3: bad PE 'nvme0' (expected DDDD:PE, hex)"},
		{"machine a\nboot\neeh max-freezes -1\n", "t.scn:3: bad number '-1'"},
		{"machine a\nboot\nopal\n", "t.scn:3: opal needs fail"},
		{"machine a\nboot\nexpect audit \"x\"\n",
		 "t.scn:3: expect audit must follow the step it checks"},
		{"machine a\nboot\nshow\nexpect audit x\n",
		 "t.scn:4: expect audit needs a double-quoted line"},
		{"machine a\nboot\nopal fail set_pe\n", "t.scn:3: opal fail needs a number"},
		{"machine a\nboot\nopal fail nope 1\n",
		 "t.scn:3: unknown OPAL call 'nope' (expected set_pe, set_peltv, "
		 "map_pe_dma_window, ...)"},
		{"machine a\nboot\nadvance 5y\n",
		 "t.scn:3: bad duration '5y' (expected a number and s, m or h)"},
		{"machine a\nboot\ndrop x\n", "t.scn:3: 'x' is not a take name"},
		{"machine a\nboot\ntake x nvme0\ntake x nvme1\n",
		 "t.scn:4: 'x' is already held at line 3"},
		{"machine a\nboot\ntake x nvme0\ndrop x\ndrop x\n", "t.scn:5: 'x' is not held"},
		{"machine a\nboot\ntake x nvme0\ndma map x nvme0 0x1000\n",
		 "t.scn:4: 'x' is already the name of a reference (line 3)"},
		{"machine a\nboot\ndma unmap b\n", "t.scn:3: 'b' is not a dma map name"},
		{"machine a\nboot\ndma map b nvme0 0x1000 sideways\n",
		 "t.scn:3: unknown dma direction 'sideways' (expected bidirectional, to-device or "
		 "from-device)"},
		{"machine a\nboot\ndump 12345\n",
		 "t.scn:3: bad domain '12345' (expected 1 to 4 hex digits)"},
		{"machine a\nexpect pe nvme0 == 1\n", "t.scn:2: expect must come after boot"},
		{"machine a\nboot\nexpect colour nvme0\n", "t.scn:3: unknown expect 'colour'"},
		{"machine a\nboot\nexpect pe nvme0 = 1\n",
		 "t.scn:3: unknown operator '=' (expected ==, !=, <, <=, > or >=)"},
		{"machine a\nboot\nexpect refs nvme0 == none\n", "t.scn:3: bad number 'none'"},
		{"machine a\nboot\nexpect pe nvme0 == 0xg\n",
		 "t.scn:3: bad PE number '0xg' (hex, as PE#fd prints it)"},
		{"machine a\nboot\nexpect pe nvme0 < none\n",
		 "t.scn:3: none compares with == or != only"},
		{"machine a\nboot\nexpect frozen nvme0 maybe\n",
		 "t.scn:3: unknown answer 'maybe' (expected yes or no)"},
		{"machine a\nboot\nexpect line Releasing\n",
		 "t.scn:3: expect line needs a double-quoted line"},
		{"machine a\nboot\nexpect line \"a\\tb\"\n", "t.scn:3: unknown escape in string"},
		{"machine a\nboot\nexpect line \"abc\n", "t.scn:3: unterminated string"},
		{"machine a\nboot\nexpect count 0000 pes == 3\n",
		 "t.scn:3: expected 'PEs' after the domain, not 'pes'"},
		{"machine a\nboot\nexpect error\n",
		 "t.scn:3: expect error must follow the step it checks"},
		{"machine a\nboot\nenable nvme0\nexpect error EWHAT\n",
		 "t.scn:4: unknown error 'EWHAT' (expected EPERM, ENOENT, EIO, ENXIO, ENOMEM, "
		 "EFAULT, "
		 "EBUSY, EEXIST, ENODEV, EINVAL, ENOSPC, ERANGE, EOPNOTSUPP, ENOTTY or ENOMSG)"},
		{"machine a\nboot\nshow\x01\n", "t.scn:3: unexpected control character 0x01"},
		{"machine a\nboot\nshow a b c d e f g h i j k l m n o p\n",
		 "t.scn:3: too many words on one line (max 16)"},
	};
	unsigned int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_reports r;
		struct ioda_ctx *ctx = test_ctx_new(&r);
		struct ioda_error err = {""};
		struct ioda_scenario *s = (void *)1;
		int rc = parse(ctx, cases[i].text, &s, &err);

		if (rc != -EINVAL || strcmp(err.msg, cases[i].msg)) {
			print_error("case %zu: rc %d, message\n  got  %s\n  want %s\n", i, rc,
				    err.msg, cases[i].msg);
			bad++;
		}
		assert_null(s);
		test_ctx_end_clean(ctx);
	}
	assert_int_equal(bad, 0);
}

/* What hot add reads: a bus's functions in topology text. */
static void test_node_lists(void **state)
{
	static const char slot[] = "# a switch in a slot\n"
				   "bridge 00.0 10b5:8725 {\n"
				   "\tbridge 01.0 10b5:8725 {\n"
				   "\t\tdevice 00.0 144d:a822 class=0x010802 label=nvme9\n"
				   "\t}\n"
				   "}\n"
				   "device 00.1 8086:10d3 class=0x020000\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_error err = {""};
	struct ioda_topo_node *nodes;

	/* Below a port: a bridge is a switch's upstream port; fn 1 needs no fn 0 here. */
	assert_int_equal(
		ioda_topo_parse_nodes(ctx, "f", slot, strlen(slot), 10, false, &nodes, &err), 0);
	assert_int_equal(nodes->pcie_type, PCIE_TYPE_UPSTREAM);
	assert_int_equal(nodes->pos.line, 11);
	assert_int_equal(nodes->children->pcie_type, PCIE_TYPE_DOWNSTREAM);
	assert_string_equal(nodes->children->children->label, "nvme9");
	assert_int_equal(nodes->next->devfn, PCI_DEVFN(0, 1));
	assert_true(nodes->next->multifunction);
	ioda_topo_nodes_free(ctx, nodes);

	/* On a root bus: a root port. */
	assert_int_equal(ioda_topo_parse_nodes(ctx, "f", slot, strlen(slot), 1, true, &nodes, &err),
			 0);
	assert_int_equal(nodes->pcie_type, PCIE_TYPE_ROOT_PORT);
	ioda_topo_nodes_free(ctx, nodes);

	assert_int_equal(ioda_topo_parse_nodes(ctx, "f", "}\n", 2, 5, false, &nodes, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "f:5:1: unexpected '}' with no open block");
	assert_int_equal(ioda_topo_parse_nodes(ctx, "f", "bar 0 4K\n", 9, 5, false, &nodes, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "f:5:1: bar must be inside a device or bridge block");
	assert_int_equal(ioda_topo_parse_nodes(ctx, "f", "bridge 00.0 1014:04c1 {\n", 24, 7, false,
					       &nodes, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "f:8:1: missing '}' for bridge opened at 7:1");
	assert_null(nodes);
	test_ctx_end_clean(ctx);
}

/* Runs @text; returns the exit status, with what it printed in @out and @diag. */
static int run_text(const char *text, const struct ioda_scenario_opts *o, char **out, char **diag)
{
	struct ioda_ctx *ctx = ioda_ctx_new();
	struct ioda_scenario_opts opts = *o;
	struct ioda_error err = {""};
	struct ioda_scenario *s;
	size_t olen, dlen;
	int rc;

	opts.out = open_memstream(out, &olen);
	opts.diag = open_memstream(diag, &dlen);
	rc = parse(ctx, text, &s, &err);
	if (rc)
		fail_msg("parse: %s", err.msg);
	rc = ioda_scenario_run(s, &opts, &err);
	if (rc < 0)
		fprintf(opts.diag, "%s\n", err.msg);
	ioda_scenario_free(s);
	fclose(opts.out);
	fclose(opts.diag);
	assert_int_equal(ioda_ctx_live_refs(ctx), 0);
	assert_int_equal(ioda_mem_live_bytes(ctx), 0);
	ioda_ctx_free(ctx);
	return rc;
}

static void test_run(void **state)
{
	static const char ok[] = "machine " POWER8 "\n"
				 "boot\n"
				 "expect line \"pci 0001:01:00.0: Adding to iommu group 1\"\n"
				 "expect pe eth0 == 0xfd\n"
				 /* PE numbers are hex, as PE#fd prints them; 0x optional. */
				 "expect pe eth0 == fd\n"
				 "expect pe eth0 != 253\n"
				 "expect group eth1 == 1\n"
				 "take t eth0\n"
				 "expect refs eth0 > 1\n"
				 "hot remove eth0\n"
				 "expect exists eth0 no\n"
				 "expect released t no\n"
				 "drop t\n"
				 "expect released t\n"
				 "use t\n"
				 "expect error EFAULT\n";
	static const char bad[] = "machine " POWER8 "\n"
				  "boot\n"
				  "expect pe eth0 == 7\n"
				  "expect line \"no such line\"\n"
				  "hot remove 0001:09:00.0\n"
				  "take t eth1\n";
	struct ioda_scenario_opts opts = {0};
	char *out, *diag;

	assert_int_equal(run_text(ok, &opts, &out, &diag), 0);
	assert_non_null(strstr(out, "pci 0001:01:00.0: Removing from iommu group 1\n"));
	assert_non_null(strstr(diag, "ref-tracker: use after release: "));
	free(out);
	free(diag);

	assert_int_equal(run_text(bad, &opts, &out, &diag), 1);
	assert_string_equal(diag, "t.scn:3: expect failed: pe eth0 == 7: got 253 (0xfd)\n"
				  "t.scn:4: expect failed: line \"no such line\": the step printed "
				  "no such line\n"
				  "t.scn:5: hot remove 0001:09:00.0: no device 0001:09:00.0\n"
				  "t.scn: 't' is still held at the end\n");
	free(out);
	free(diag);

	/* A machine that cannot be loaded is bad input. */
	assert_int_equal(run_text("machine /nonexistent.topo\nboot\n", &opts, &out, &diag),
			 -ENOENT);
	assert_string_equal(diag, "t.scn:1: /nonexistent.topo: No such file or directory\n");
	free(out);
	free(diag);
}

/* Every scenario of a folder parses and runs clean under the audit. */
static void run_folder(const char *dir)
{
	struct ioda_scenario_opts opts = {.audit = true};
	struct dirent *e;
	DIR *d = opendir(dir);
	unsigned int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		struct ioda_ctx *ctx = ioda_ctx_new();
		struct ioda_error err = {""};
		struct ioda_scenario *s;
		size_t len = strlen(e->d_name), olen, dlen;
		char path[512], *out, *diag;
		int rc;

		if (len < 4 || strcmp(e->d_name + len - 4, ".scn")) {
			ioda_ctx_free(ctx);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		opts.out = open_memstream(&out, &olen);
		opts.diag = open_memstream(&diag, &dlen);
		rc = ioda_scenario_load(ctx, path, &s, &err);
		if (!rc)
			rc = ioda_scenario_run(s, &opts, &err);
		fclose(opts.out);
		fclose(opts.diag);
		if (rc)
			fail_msg("%s: %d %s%s", path, rc, rc < 0 ? err.msg : "", diag);
		ioda_scenario_free(s);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
		ioda_ctx_free(ctx);
		free(out);
		free(diag);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

static void test_examples(void **state)
{
	run_folder(IODA_SRCDIR "/examples/scenarios");
	run_folder(IODA_SRCDIR "/tests/scenarios");
	run_folder(IODA_SRCDIR "/tests/adversary");
}

/* Whichever allocation of the parser fails: a clean error, nothing left. */
static void test_alloc_failures(void **state)
{
	static const char text[] = "machine ../power8.topo as topo\n"
				   "kernel 6.1\n"
				   "cmdline \"iommu=nobypass\"\n"
				   "boot\n"
				   "take a eth0\n"
				   "hot add 0001:01 {\n"
				   "\tdevice 01.0 1b36:0010 class=0x010802 {\n"
				   "\t\tbar 0 16K mem64\n"
				   "\t}\n"
				   "}\n"
				   "dma map b eth1 0x1000 to-device\n"
				   "driver bind eth1 tg3 no-handlers\n"
				   "expect line \"x\"\n"
				   "opal fail set_pe 1\n"
				   "drop a\n"
				   "expect audit \"y\"\n"
				   "dma unmap b\n";
	struct test_reports r;
	struct ioda_ctx *ctx = test_ctx_new(&r);
	struct ioda_scenario *s;
	unsigned long n;

	for (n = 1;; n++) {
		struct ioda_error err = {""};
		int rc;

		ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, n);
		rc = parse(ctx, text, &s, &err);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg, "t.scn: out of memory");
		assert_null(s);
		assert_int_equal(ioda_mem_live_bytes(ctx), 0);
		assert_int_equal(ioda_mem_live_blocks(ctx), 0);
	}
	ioda_fault_fail_nth(ctx, IODA_FAULT_ALLOC, 0);
	assert_true(n > 20);
	ioda_scenario_free(s);
	test_ctx_end_clean(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_node_lists),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
