/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scenarios: parse, then run on the example machine the machine line names
 * (power8.topo, power9.topo, or power9.dts, the built-in one), served from
 * memory: no input reaches the file system, and the line's "as" is ignored
 * so that dtc never runs.  Teardown leaves nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tools/embed.py's arrays, made from examples/ by meson. */
extern const unsigned char fuzz_power8_topo[], fuzz_power9_topo[];
extern const size_t fuzz_power8_topo_size, fuzz_power9_topo_size;

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static int load_machine(void *arg, struct ioda_ctx *ctx, const char *path,
			enum ioda_input_kind kind, struct ioda_machine **out,
			struct ioda_error *err)
{
	if (ends_with(path, "/power9.dts"))
		return ioda_load_example(ctx, out, err);
	if (ends_with(path, "/power8.topo"))
		return ioda_load_machine_buf(ctx, path, (const char *)fuzz_power8_topo,
					     fuzz_power8_topo_size, IODA_INPUT_TOPO, out, err);
	if (ends_with(path, "/power9.topo"))
		return ioda_load_machine_buf(ctx, path, (const char *)fuzz_power9_topo,
					     fuzz_power9_topo_size, IODA_INPUT_TOPO, out, err);
	ioda_error_set(err, "%s: %s", path, strerror(ENOENT));
	return -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ioda_scenario *s;
	struct ioda_error err;
	struct fuzz f;
	FILE *out = fopen("/dev/null", "w");
	struct ioda_scenario_opts opts = {
		.out = out,
		.diag = out,
		.load_machine = load_machine,
	};

	if (!out)
		abort();
	fuzz_begin(&f, data, size);
	if (!ioda_scenario_parse(f.ctx, "examples/scenarios/fuzz.scn", f.text, f.len, &s, &err)) {
		ioda_scenario_run(s, &opts, &err);
		ioda_scenario_free(s);
	}
	fuzz_end(&f);
	fclose(out);
	return 0;
}
