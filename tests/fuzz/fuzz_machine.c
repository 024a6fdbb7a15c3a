/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A machine description, named FUZZ_FILE so that the loader picks its
 * format by the extension: "fuzz.topo" (topology text) or "fuzz.dtb" (a
 * device-tree blob; never source, so that dtc never runs).  Parse, build
 * the machine, boot it, tear it down.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ioda_boot_opts opts = { 0 };
	struct ioda_machine *m;
	struct ioda_error err;
	struct fuzz f;

	fuzz_begin(&f, data, size);
	if (!ioda_load_machine_buf(f.ctx, FUZZ_FILE, f.text, f.len, IODA_INPUT_AUTO, &m, &err))
		fuzz_boot(m, &opts);
	fuzz_end(&f);
	return 0;
}
