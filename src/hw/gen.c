/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the tables of each PHB generation are made of, in one place (skiboot
 * reads the same facts per driver: hw/phb3.c, hw/phb4.c, the latter also
 * driving POWER10's PHB5).  Code asks the generation, never tests for one.
 */
#include <ioda/hw.h>

static bool phb3_num_pes_valid(unsigned int n)
{
	return n == IODA_PHB3_NUM_PES;
}

static unsigned int phb3_m64_count(unsigned int num_pes)
{
	return IODA_PHB3_M64_BARS;
}

static bool phb4_num_pes_valid(unsigned int n)
{
	return n == 256 || n == IODA_PHB4_MAX_PES;
}

/* skiboot phb4_read_capabilities: the MBT has 32 entries on 512-PE PHBs. */
static unsigned int phb4_m64_count(unsigned int num_pes)
{
	return num_pes >= 512 ? 32 : 16;
}

/*
 * TCE cache sizes: no document gives them.  PHB3: 64, the IODA2 TCAM/TDR
 * tables' index range in QEMU's pnv_phb3 (their index mask is 63); PHB4
 * and PHB5: 1024 on a 512-PE PHB, 512 on a 256-PE one, the IODA3
 * TCAM/TDR index masks of QEMU's pnv_phb4 (skiboot's phb4_dump_ioda_table
 * sizes both tables 1024), and "1024 TCEs or so" in the kernel's own words
 * (KVM: PPC: Fix TCE handling for VFIO, 5.18).
 */
static unsigned int phb3_tce_cache_entries(unsigned int num_pes)
{
	return 64;
}

static unsigned int phb4_tce_cache_entries(unsigned int num_pes)
{
	return num_pes >= 512 ? 1024 : 512;
}

static const struct ioda_hw_gen phb3_gen = {
	.default_pes = IODA_PHB3_NUM_PES,
	.num_pes_valid = phb3_num_pes_valid,
	.m64_count = phb3_m64_count,
	.lsi_irqs = 0, /* the IVT size bounds MSIs */
	.tce_cache_entries = phb3_tce_cache_entries,
};

static const struct ioda_hw_gen phb4_gen = {
	.default_pes = IODA_PHB4_MAX_PES,
	.num_pes_valid = phb4_num_pes_valid,
	.m64_count = phb4_m64_count,
	.lsi_irqs = 8, /* the last 8 of the block */
	.tce_cache_entries = phb4_tce_cache_entries,
};

const struct ioda_hw_gen *ioda_hw_gen_of(enum ioda_phb_gen gen)
{
	return gen == IODA_PHB3 ? &phb3_gen : &phb4_gen;
}
