/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fault sweep: for each operation, count its fault points (allocations
 * and OPAL calls: N), then for i = 1..N run it again from a fresh machine
 * with the i-th made to fail, and hold the outcome to what the kernel
 * promises: a clean error (a negative errno) or the kernel's own fallback
 * (success), the machine passing ioda_audit(), no tracker report, and a
 * teardown that leaves zero live references and zero live bytes.
 *
 *   fault-sweep [--full] [--op NAME] [--verbose] SRCDIR
 *
 * Without --full each operation runs on a small machine (make check); with
 * it, on the example machines (make faults).  Prints per operation
 * "fault-sweep OP: N injected, C clean", then the totals; exit 0 when C = N.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioda/eeh.h>
#include <ioda/host.h>
#include <ioda/import.h>
#include <ioda/ioda.h>
#include <ioda/load.h>

/* A PCIe switch with a multifunction slot and an SR-IOV NIC: the small machine. */
static const char small_topo[] =
	"machine memory=4G\n"
	"phb 0000 gen=phb4 pes=512 {\n"
	"	bridge 00.0 1014:04c1 type=root-port {\n"
	"		bridge 00.0 104c:8232 type=upstream {\n"
	"			bridge 00.0 104c:8233 type=downstream slot=bay2 {\n"
	"				device 00.0 1b36:0010 class=0x010802 label=nvme0 {\n"
	"					bar 0 16K mem64\n"
	"				}\n"
	"			}\n"
	"			bridge 01.0 104c:8233 type=downstream {\n"
	"				device 00.0 1af4:1044 class=0x00ff00 mf {\n"
	"					bar 1 4K\n"
	"					bar 4 16K mem64 pref\n"
	"				}\n"
	"				device 00.1 8086:10d3 class=0x020000 {\n"
	"					bar 0 128K\n"
	"				}\n"
	"			}\n"
	"		}\n"
	"	}\n"
	"}\n"
	"phb 0001 gen=phb4 pes=256 {\n"
	"	bridge 00.0 1014:04c1 type=root-port {\n"
	"		device 00.0 15b3:1017 class=0x020000 label=mlx0 {\n"
	"			bar 0 32M mem64 pref\n"
	"			sriov vfs=4 offset=1 stride=1 vf-device=1018\n"
	"			vf-bar 0 32M mem64 pref\n"
	"		}\n"
	"	}\n"
	"}\n";

struct sweep;

/*
 * One operation: @prep builds its starting point (never faulted), @run is
 * swept.  @machine (full sweep only) is a topology text under the source
 * tree instead of the example machine.
 */
struct op {
	const char *name;
	int (*prep)(struct sweep *s);
	int (*run)(struct sweep *s);
	const char *machine;
};

struct sweep {
	const char *srcdir;
	bool full, verbose;
	const char *kernel; /* the profile booted; NULL: the newest for the machine */
	const char *machine; /* the operation's machine (struct op) */
	/* The input of the load operations, read once. */
	char *topo, *log, *rlog;
	size_t topo_len, log_len, rlog_len;
	const char *log_name;
	/* One attempt's state. */
	struct ioda_ctx *ctx;
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct pci_dev *dev;	      /* the operation's device, held "fault sweep" */
	struct pci_bus *bus;	      /* hot add: where, held "fault sweep" */
	struct ioda_topo_node *nodes; /* hot add: what */
	unsigned long reports, violations;
	char first[256]; /* the first report or violation, for the message */
};

static void note(struct sweep *s, const char *line)
{
	if (!s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", line);
}

static void on_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	struct sweep *s = arg;

	s->reports++;
	note(s, line);
}

static void on_violation(void *arg, const char *line)
{
	struct sweep *s = arg;

	s->violations++;
	note(s, line);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* ---- operations ------------------------------------------------------------------- */

static int load(struct sweep *s)
{
	struct ioda_error err;
	char path[4096];

	if (s->full && s->machine) {
		snprintf(path, sizeof(path), "%s/%s", s->srcdir, s->machine);
		return ioda_load_machine(s->ctx, path, IODA_INPUT_TOPO, &s->m, &err);
	}
	if (s->full)
		return ioda_load_example(s->ctx, &s->m, &err);
	return ioda_load_machine_buf(s->ctx, "small.topo", s->topo, s->topo_len, IODA_INPUT_TOPO,
				     &s->m, &err);
}

static int load_topo(struct sweep *s)
{
	struct ioda_error err;

	return ioda_load_machine_buf(s->ctx, "sweep.topo", s->topo, s->topo_len, IODA_INPUT_TOPO,
				     &s->m, &err);
}

static int load_dt(struct sweep *s)
{
	struct ioda_error err;

	return ioda_load_example(s->ctx, &s->m, &err);
}

static int load_log(struct sweep *s)
{
	struct ioda_error err;

	return ioda_load_machine_buf(s->ctx, s->log_name, s->log, s->log_len, IODA_INPUT_LOG,
				     &s->m, &err);
}

/*
 * ioda replay --resources on the P8 log, its hot-plug ports told by add_size
 * lines, one scan line cut so that the report of what it lacks runs too.
 */
static int replay_resources(struct sweep *s)
{
	const struct ioda_replay_opts opts = { .resources = true };
	struct ioda_replay_result res;
	struct ioda_error err;
	FILE *out = fopen("/dev/null", "w");
	int rc;

	if (!out)
		return -errno;
	rc = ioda_replay(s->ctx, "p8.log", s->rlog, s->rlog_len, &opts, out, &res, &err);
	fclose(out);
	if (!rc && !strstr(res.missing, "BAR 2 of 0001:08:00.0")) {
		note(s, "the replay did not say which BAR it lacks");
		s->violations++;
	}
	ioda_replay_result_free(&res);
	return rc;
}

/* ioda host's reading of a host: the POWER9 copy as its root. */
static int host_read(struct sweep *s)
{
	struct ioda_host *h;
	struct ioda_error err;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/tests/load/data/sysfs-p9", s->srcdir);
	rc = ioda_host_read(s->ctx, path, NULL, &h, &err);
	if (!rc)
		ioda_host_free(s->ctx, h);
	return rc;
}

/* ioda import's work: the POWER9 sysfs copy, then a machine built from it. */
static int import_sysfs(struct sweep *s)
{
	struct ioda_topo *topo;
	struct ioda_error err;
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/tests/load/data/sysfs-p9", s->srcdir);
	rc = ioda_import_sysfs(s->ctx, path, NULL, &topo, &err);
	if (rc)
		return rc;
	s->m = ioda_machine_new(s->ctx);
	rc = s->m ? ioda_machine_populate(s->m, topo, &err) : -ENOMEM;
	ioda_topo_free(s->ctx, topo);
	return rc;
}

static int boot(struct sweep *s)
{
	struct ioda_boot_opts opts = {.kernel = s->kernel};
	struct ioda_error err;

	return ioda_kernel_boot(s->m, &opts, NULL, NULL, &s->k, &err);
}

static int prep_boot(struct sweep *s)
{
	return load(s);
}

/* Loads, boots and takes the device at @bdf. */
static int prep_dev(struct sweep *s, int domain, unsigned int bus, unsigned int devfn)
{
	int rc = load(s);

	if (!rc)
		rc = boot(s);
	if (rc)
		return rc;
	s->dev = pci_get_domain_bus_and_slot(s->m, domain, bus, devfn, "fault sweep");
	return s->dev ? 0 : -ENODEV;
}

/* The switch port with the multifunction slot below it (0000:02:01.0). */
static int prep_bridge(struct sweep *s)
{
	return prep_dev(s, 0, 2, PCI_DEVFN(s->full ? 2 : 1, 0));
}

/* Removed and let go: the PEs are released at the last put, inside the sweep. */
static int hot_remove(struct sweep *s)
{
	int rc = ioda_hot_remove(s->k, s->dev);

	pci_dev_put(s->dev, "fault sweep");
	s->dev = NULL;
	return rc;
}

/* The bridge removed: what it was, and the bus it was on, to add it back. */
static int prep_hot_add(struct sweep *s)
{
	int rc = prep_bridge(s);

	if (!rc)
		rc = pci_describe_dev(s->m, s->dev, &s->nodes);
	if (!rc) {
		s->bus = pci_dev_get_bus(s->dev, "fault sweep");
		rc = ioda_hot_remove(s->k, s->dev);
	}
	return rc;
}

static int hot_add(struct sweep *s)
{
	struct ioda_error err;

	return ioda_hot_add(s->k, s->bus, s->nodes, NULL, NULL, &err);
}

/* The first NVMe drive (0000:03:00.0 on both machines). */
static int prep_nvme(struct sweep *s)
{
	return prep_dev(s, 0, 3, PCI_DEVFN(0, 0));
}

/* A page mapped: TCE levels allocated on demand, the TCE killed. */
static int dma_map(struct sweep *s)
{
	uint64_t bus_addr;

	return ioda_dma_map(s->k, s->dev, 0x10000000, IODA_DMA_BIDIRECTIONAL, &bus_addr);
}

/* An NVMe drive with a recovering driver, its PE frozen, not yet found. */
static int prep_eeh(struct sweep *s)
{
	int rc = prep_nvme(s);

	if (!rc)
		rc = ioda_driver_bind(s->k, s->dev, "nvme", IODA_DRIVER_RECOVERS);
	if (!rc)
		rc = ioda_eeh_inject(s->k, s->dev, IODA_EEH_FREEZE);
	return rc;
}

/* The event thread's pass: its count of events handled is not an error. */
static int eeh_recover(struct sweep *s)
{
	int rc = ioda_eeh_poll(s->k);

	return rc < 0 ? rc : 0;
}

/* The ConnectX (full: 0004:01:00.0, small: 0001:01:00.0) with no VFs yet. */
static int prep_sriov(struct sweep *s)
{
	return prep_dev(s, s->full ? 4 : 1, 1, PCI_DEVFN(0, 0));
}

/* The first 82599 of the POWER8 example (0001:01:00.0), on PHB3 M64 rules. */
static int prep_sriov_p8(struct sweep *s)
{
	return prep_dev(s, 1, 1, PCI_DEVFN(0, 0));
}

static int sriov_enable(struct sweep *s)
{
	return ioda_sriov_enable(s->k, s->dev, 4);
}

/* The GPU on PHB 3 of the example, with its three NVLinks. */
static int prep_gpu(struct sweep *s)
{
	return prep_dev(s, 3, 1, PCI_DEVFN(0, 0));
}

/* The OpenCAPI function of the example (0007:00:00.0). */
static int prep_ocapi(struct sweep *s)
{
	return prep_dev(s, 7, 0, PCI_DEVFN(0, 0));
}

/* Enabled (its PE, since 5.6), with its link's process area set up. */
static int ocapi_enable(struct sweep *s)
{
	int rc = ioda_enable_device(s->k, s->dev);

	if (!rc)
		rc = ioda_ocxl_spa_setup(s->k, s->dev, 0x2000000, 4);
	return rc;
}

static int prep_ocapi_enabled(struct sweep *s)
{
	int rc = prep_ocapi(s);

	return rc ? rc : ocapi_enable(s);
}

static int prep_booted(struct sweep *s)
{
	int rc = load(s);

	return rc ? rc : boot(s);
}

/* libioda's PE table: a snapshot of every PHB's PEs, made and freed. */
static int show_read(struct sweep *s)
{
	struct ioda_show *show;
	int rc = ioda_show_read(s->k, &show);

	ioda_show_free(show);
	return rc;
}

/* The advisor on a GPU (its NVLinks and their group go with it) and an NVMe. */
static int advise(struct sweep *s)
{
	const char *devs[] = { "0003:01:00.0", "0000:03:00.0" };
	struct ioda_advice *a;
	struct ioda_error err;
	int rc = ioda_advise(s->k, devs, 2, &a, &err);

	/* Not under an injected failure: what came back must be whole. */
	if (!rc && a->nwith != 3) {
		note(s, "the GPU's three NVLinks do not go with it");
		s->violations++;
	}
	ioda_advice_free(a);
	return rc;
}

static int slot_load(struct sweep *s)
{
	return ioda_php_load(s->k);
}

/* pnv_php loaded on the booted machine. */
static int prep_slots(struct sweep *s)
{
	int rc = prep_booted(s);

	return rc ? rc : ioda_php_load(s->k);
}

/* A bay powered off and on through its slot: the drive leaves and comes back. */
static int slot_cycle(struct sweep *s)
{
	struct ioda_php_slot_info slot;
	int rc = ioda_php_set_power(s->k, "bay2", false);

	if (!rc)
		rc = ioda_php_set_power(s->k, "bay2", true);
	/*
	 * Only without an injection: a failing power query reads as "on" in
	 * pnv_php (it warns and does not power the slot), as the kernel does.
	 */
	if (!rc && !ioda_fault_injected(s->ctx) &&
	    (ioda_php_slot_find(s->k, "bay2", &slot) || slot.devices != 1)) {
		note(s, "bay2's drive did not come back");
		s->violations++;
	}
	return rc;
}

/* A drive pushed into the surprise bay and pulled out: enabled, then isolated and disabled. */
static int slot_surprise(struct sweep *s)
{
	static const char card[] = "device 00.0 144d:a822 class=0x010802 {\n\tbar 0 16K mem64\n}\n";
	struct ioda_topo_node *nodes;
	struct ioda_error err;
	int rc = ioda_topo_parse_nodes(s->ctx, "card.topo", card, sizeof(card) - 1, 1, false,
				       &nodes, &err);

	if (rc)
		return rc;
	rc = ioda_php_insert(s->k, "bay3", nodes);
	ioda_topo_nodes_free(s->ctx, nodes);
	if (!rc)
		rc = ioda_php_pull(s->k, "bay3");
	return rc;
}

static const struct op small_ops[] = {
	{.name = "load-topo", .prep = NULL, .run = load_topo},
	{.name = "boot", .prep = prep_boot, .run = boot},
	{.name = "hot-remove", .prep = prep_bridge, .run = hot_remove},
	{.name = "hot-add", .prep = prep_hot_add, .run = hot_add},
	{.name = "eeh-recovery", .prep = prep_eeh, .run = eeh_recover},
	{.name = "sriov-enable", .prep = prep_sriov, .run = sriov_enable},
	{.name = "dma-map", .prep = prep_nvme, .run = dma_map},
	{.name = "import", .prep = NULL, .run = import_sysfs},
	{.name = "show-read", .prep = prep_booted, .run = show_read},
	{.name = "slot-cycle", .prep = prep_slots, .run = slot_cycle},
};

static const struct op full_ops[] = {
	{.name = "load-topo", .prep = NULL, .run = load_topo},
	{.name = "load-dt", .prep = NULL, .run = load_dt},
	{.name = "load-log", .prep = NULL, .run = load_log},
	{.name = "import", .prep = NULL, .run = import_sysfs},
	{.name = "replay-resources", .prep = NULL, .run = replay_resources},
	{.name = "host-read", .prep = NULL, .run = host_read},
	{.name = "boot", .prep = prep_boot, .run = boot},
	{.name = "hot-remove", .prep = prep_bridge, .run = hot_remove},
	{.name = "hot-add", .prep = prep_hot_add, .run = hot_add},
	{.name = "eeh-recovery", .prep = prep_eeh, .run = eeh_recover},
	{.name = "sriov-enable", .prep = prep_sriov, .run = sriov_enable, .machine = "examples/power9.topo"},
	{.name = "sriov-enable-p8", .prep = prep_sriov_p8, .run = sriov_enable, .machine = "examples/power8.topo"},
	{.name = "dma-map", .prep = prep_nvme, .run = dma_map},
	{.name = "npu-unplug", .prep = prep_gpu, .run = hot_remove},
	{.name = "ocapi-enable", .prep = prep_ocapi, .run = ocapi_enable},
	{.name = "ocapi-unplug", .prep = prep_ocapi_enabled, .run = hot_remove},
	{.name = "show-read", .prep = prep_booted, .run = show_read},
	{.name = "advise", .prep = prep_booted, .run = advise},
	{.name = "slot-load", .prep = prep_booted, .run = slot_load},
	{.name = "slot-cycle", .prep = prep_slots, .run = slot_cycle},
	{.name = "slot-surprise", .prep = prep_slots, .run = slot_surprise},
};

/* Cuts the line of @text holding @what, in place. */
static void cut_line(char *text, size_t *len, const char *what)
{
	char *at = strstr(text, what), *start, *end;

	if (!at)
		return;
	for (start = at; start > text && start[-1] != '\n';)
		start--;
	end = strchr(at, '\n');
	end = end ? end + 1 : text + *len;
	memmove(start, end, (size_t)(text + *len - end) + 1);
	*len -= (size_t)(end - start);
}

/* ---- the sweep ------------------------------------------------------------------- */

/* Puts everything the attempt holds, tears it down; false if anything was left. */
static bool teardown(struct sweep *s)
{
	bool clean;

	if (s->dev)
		pci_dev_put(s->dev, "fault sweep");
	if (s->bus)
		pci_bus_put(s->bus, "fault sweep");
	ioda_topo_nodes_free(s->ctx, s->nodes);
	ioda_kernel_free(s->k);
	if (s->m)
		ioda_machine_free(s->m);
	else
		ioda_ctx_check_leaks(s->ctx);
	clean = !s->reports && !ioda_ctx_live_refs(s->ctx) && !ioda_mem_live_bytes(s->ctx);
	if (!clean && !s->first[0])
		snprintf(s->first, sizeof(s->first), "%zu bytes left live",
			 ioda_mem_live_bytes(s->ctx));
	ioda_ctx_free(s->ctx);
	s->ctx = NULL;
	s->m = NULL;
	s->k = NULL;
	s->dev = NULL;
	s->bus = NULL;
	s->nodes = NULL;
	return clean;
}

/*
 * One attempt with fault point @nth failing (0: none).  Returns the fault
 * points the operation passed, or -1 when its preparation failed.  *@clean
 * says whether the outcome held.
 */
static long attempt(struct sweep *s, const struct op *op, unsigned long nth, bool *clean,
		    bool *injected, int *result)
{
	unsigned long before;
	int rc = 0;

	s->ctx = ioda_ctx_new();
	if (!s->ctx)
		return -1;
	s->machine = op->machine;
	s->reports = s->violations = 0;
	s->first[0] = '\0';
	ioda_ctx_set_report(s->ctx, on_report, s);
	if (op->prep)
		rc = op->prep(s);
	if (rc) {
		fprintf(stderr, "fault-sweep %s: preparation failed: %s\n", op->name,
			strerror(-rc));
		teardown(s);
		return -1;
	}
	before = ioda_fault_calls(s->ctx, IODA_FAULT_ANY);
	ioda_fault_fail_nth(s->ctx, IODA_FAULT_ANY, nth);
	rc = op->run(s);
	*result = rc;
	*injected = ioda_fault_injected(s->ctx) > 0;
	ioda_fault_fail_nth(s->ctx, 0, 0);
	before = ioda_fault_calls(s->ctx, IODA_FAULT_ANY) - before;
	if (rc > 0) {
		note(s, "a positive return, not an errno");
		s->violations++;
	}
	if (s->k)
		ioda_audit(s->k, on_violation, s);
	*clean = !s->violations && teardown(s);
	if (!*clean || s->verbose)
		fprintf(stderr, "fault-sweep %s: fault #%lu: rc %d, %s%s\n", op->name, nth, rc,
			*clean ? "clean" : "NOT CLEAN: ", *clean ? "" : s->first);
	return (long)before;
}

/* Sweeps @op; adds to the totals.  Returns false if any injection was not clean. */
static bool sweep_op(struct sweep *s, const struct op *op, unsigned long *total,
		     unsigned long *total_clean)
{
	unsigned long n, clean_count = 0;
	bool clean, injected;
	int rc;
	long calls = attempt(s, op, 0, &clean, &injected, &rc);
	time_t shown = time(NULL);

	if (calls < 0 || !clean || rc) {
		printf("fault-sweep %s: the operation itself fails (%s)\n", op->name,
		       rc ? strerror(-rc) : "not clean");
		return false;
	}
	n = (unsigned long)calls;
	for (unsigned long i = 1; i <= n; i++) {
		if (attempt(s, op, i, &clean, &injected, &rc) < 0)
			return false;
		clean_count += clean && injected;
		/* A long operation says how far it is, on a terminal, every 5 s. */
		if (isatty(STDOUT_FILENO) && time(NULL) - shown >= 5) {
			shown = time(NULL);
			printf("fault-sweep %s: %lu of %lu injected so far\n", op->name, i, n);
			fflush(stdout);
		}
	}
	printf("fault-sweep %s: %lu injected, %lu clean\n", op->name, n, clean_count);
	fflush(stdout);
	*total += n;
	*total_clean += clean_count;
	return clean_count == n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"full", no_argument, NULL, 'f'},
		{"op", required_argument, NULL, 'o'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	struct sweep s = {0};
	const char *only = NULL;
	const struct op *ops;
	unsigned long total = 0, total_clean = 0;
	size_t nops;
	char path[4096];
	bool ok = true;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			s.full = true;
		else if (c == 'o')
			only = optarg;
		else if (c == 'v')
			s.verbose = true;
		else
			return 2;
	}
	if (optind != argc - 1) {
		fputs("usage: fault-sweep [--full] [--op NAME] [--verbose] SRCDIR\n", stderr);
		return 2;
	}
	s.srcdir = argv[optind];
	ops = s.full ? full_ops : small_ops;
	nops = s.full ? sizeof(full_ops) / sizeof(full_ops[0])
		      : sizeof(small_ops) / sizeof(small_ops[0]);
	if (s.full) {
		snprintf(path, sizeof(path), "%s/examples/power8.topo", s.srcdir);
		s.topo = read_all(path, &s.topo_len);
		s.log_name = "tests/conformance/corpus/talos2-t1000-6.2.log";
		snprintf(path, sizeof(path), "%s/%s", s.srcdir, s.log_name);
		s.log = read_all(path, &s.log_len);
		snprintf(path, sizeof(path), "%s/tests/conformance/corpus/p8-ltc-ci3-5.19-next.log",
			 s.srcdir);
		s.rlog = read_all(path, &s.rlog_len);
		if (!s.topo || !s.log || !s.rlog) {
			fprintf(stderr, "fault-sweep: %s: %s\n", path, strerror(errno));
			free(s.topo);
			free(s.log);
			return 2;
		}
		cut_line(s.rlog, &s.rlog_len, "0001:08:00.0: reg 0x18:");
	} else {
		s.topo = strdup(small_topo);
		s.topo_len = strlen(small_topo);
		if (!s.topo)
			return 2;
	}
	for (size_t i = 0; i < nops; i++)
		if (!only || strcmp(only, ops[i].name) == 0)
			ok &= sweep_op(&s, &ops[i], &total, &total_clean);
	printf("fault-sweep: %lu injected, %lu clean\n", total, total_clean);
	free(s.topo);
	free(s.log);
	free(s.rlog);
	return ok && total == total_clean ? 0 : 1;
}
