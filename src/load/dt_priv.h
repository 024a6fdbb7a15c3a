/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared inside the device-tree loader (src/load/dt*.c): its state, the OF
 * PCI address format, and the messages and property readers every part of
 * it uses.
 */
#ifndef IODA_DT_PRIV_H
#define IODA_DT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libfdt.h>

#include <ioda/load.h>

/* An OF PCI address (phys.hi, phys.mid, phys.lo) and a size (2 cells). */
#define OF_PCI_CELLS 5
#define OF_PCI_PREFETCH 0x40000000u
#define OF_PCI_SPACE(hi) (((hi) >> 24) & 3)
#define OF_PCI_BUS(hi) (((hi) >> 16) & 0xff)
#define OF_PCI_DEVFN(hi) (((hi) >> 8) & 0xff)
#define OF_PCI_REG(hi) ((hi)&0xff)

enum { OF_SPACE_CONFIG, OF_SPACE_IO, OF_SPACE_MEM32, OF_SPACE_MEM64 };

struct dt {
	struct ioda_ctx *ctx;
	const char *file;
	struct ioda_error *err;
	const void *fdt;
	struct ioda_topo *topo;
	struct ioda_topo_phb *phb; /* the one being read */
};

/* Buses a subtree may use, and the node whose bus-range says so. */
struct bus_limit {
	unsigned int lo, hi;
	int owner;
};

/* ---- dt_prop.c: messages and properties --------------------------------- */

int __attribute__((format(printf, 2, 3))) dt_fail_file(struct dt *dt, const char *fmt, ...);
int __attribute__((format(printf, 3, 4)))
dt_fail_path(struct dt *dt, const char *path, const char *fmt, ...);
int dt_node_path(const struct dt *dt, int off, char *buf, size_t size);
int __attribute__((format(printf, 3, 4)))
dt_fail_node(struct dt *dt, int off, const char *fmt, ...);
int dt_oom(struct dt *dt);

static inline uint32_t dt_cell(const fdt32_t *p, unsigned int i)
{
	return fdt32_ld(&p[i]);
}

static inline uint64_t dt_cell64(const fdt32_t *p, unsigned int i)
{
	return (uint64_t)dt_cell(p, i) << 32 | dt_cell(p, i + 1);
}

int dt_get_array(struct dt *dt, int off, const char *name, unsigned int unit,
		 const fdt32_t **p, unsigned int *n);
int dt_get_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		 const fdt32_t **p);
int dt_need_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		  const fdt32_t **p);
int dt_get_u32(struct dt *dt, int off, const char *name, uint32_t dflt, uint32_t *out);
int dt_need_u32(struct dt *dt, int off, const char *name, uint32_t *out);
int dt_get_string(struct dt *dt, int off, const char *name, const char **out);
int dt_available(struct dt *dt, int off, bool *yes);
/*
 * A node's #address-cells or #size-cells (@name) as the blob holds it, for a
 * message: libfdt answers an error code for a value it refuses (over 4).
 */
const char *dt_ncells_text(const struct dt *dt, int off, const char *name, char *buf,
			   size_t size);

/* ---- dt_phb.c: a PHB node ------------------------------------------------- */

int dt_parse_phb(struct dt *dt, int off, enum ioda_phb_type type, enum ioda_phb_gen gen);

/* ---- dt_pci.c: the PCI functions below it --------------------------------- */

int dt_parse_bus(struct dt *dt, int off, struct ioda_topo_node *bridge,
		 unsigned int bridge_bus, int *busnr, const char *bus_what,
		 struct bus_limit lim, int *last);

#endif
