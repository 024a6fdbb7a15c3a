/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel boot logs: what `ioda replay` does (rebuild the machine, boot it
 * under the log's kernel, compare the PE lines), then the same from sizes
 * only (--resources), each torn down.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ioda/load.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ioda_replay_result res;
	struct ioda_error err;
	struct fuzz f;
	FILE *out = fopen("/dev/null", "w");

	if (!out)
		abort();
	fuzz_begin(&f, data, size);
	for (int resources = 0; resources <= 1; resources++) {
		const struct ioda_replay_opts opts = { .resources = resources };

		ioda_replay(f.ctx, "fuzz.log", f.text, f.len, &opts, out, &res, &err);
		ioda_replay_result_free(&res);
	}
	fuzz_end(&f);
	fclose(out);
	return 0;
}
