// SPDX-License-Identifier: GPL-2.0-or-later
// libioda from C++ (-std=c++17 -pedantic): the header's extern "C" and its
// plain types; a machine is booted and its PEs counted through the API.
#include <cstdio>
#include <memory>

#include <libioda.h>

int main()
{
	std::unique_ptr<ioda_ctx, void (*)(ioda_ctx *)> ctx(ioda_ctx_new(), ioda_ctx_free);
	ioda_error err{};
	ioda_machine *m = nullptr;
	ioda_kernel *k = nullptr;
	ioda_show *s = nullptr;
	ioda_boot_opts opts{};
	unsigned int pes = 0;

	if (!ctx || ioda_load_example(ctx.get(), &m, &err) ||
	    ioda_kernel_boot(m, &opts, nullptr, nullptr, &k, &err) || ioda_show_read(k, &s)) {
		std::fprintf(stderr, "api++: %s\n", err.msg);
		return 1;
	}
	for (unsigned int i = 0; i < s->nphbs; i++)
		pes += s->phbs[i].npes;
	std::printf("api++: %u PHBs, %u PEs under %s\n", s->nphbs, pes, s->kernel);
	ioda_show_free(s);
	ioda_kernel_free(k);
	return ioda_machine_free(m) || !pes ? 1 : 0;
}
