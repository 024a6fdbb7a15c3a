/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loaders: every input a user brings (topology text, a device tree, a boot
 * log; a sysfs copy through ioda/import.h) becomes a struct ioda_topo, and
 * the machine is built from it.  A failed load frees everything it made.
 */
#ifndef IODA_LOAD_H
#define IODA_LOAD_H

#include <stddef.h>

#include <ioda/topo.h>

/*
 * An input format, as pciutils' struct pci_methods is an access method:
 * each format's file defines one, loader.c lists them, and nothing else
 * knows which formats exist.
 */
struct ioda_loader {
	const char *name; /* "topo", "dt", "log", as --as= takes them */
	const char *what; /* "topology text", in messages */
	enum ioda_input_kind kind;
	const char *const *exts; /* the extensions that pick it; NULL: what no other claims */
	/*
	 * Parses @len bytes of @buf (NUL-terminated) read from @file.
	 * Returns 0 and *out, or a negative errno with @err filled.
	 */
	int (*parse)(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		     struct ioda_topo **out, struct ioda_error *err);
};

/* The loader registered for @kind; NULL if this build has none. */
const struct ioda_loader *ioda_loader_for(enum ioda_input_kind kind);


/* Topology text. */
int ioda_topo_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		    struct ioda_topo **out, struct ioda_error *err);

/*
 * A list of functions in topology text (the statements a bridge block
 * holds: bridge, device and their blocks), as a slot brings them: what a
 * hot add adds.  @buf's first line is line @first_line of @file, which must
 * outlive the nodes (their positions borrow it).  @root_bus says the list
 * goes on a PHB's root bus (bridges default to root ports); otherwise on a
 * port's bus (bridges default to upstream ports).  Function 0 of a slot may
 * be missing: it may be on the bus already.  Returns 0 and *@out, or a
 * negative errno with @err ("file:line:col: message"), nothing allocated.
 */
int ioda_topo_parse_nodes(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			  unsigned int first_line, bool root_bus, struct ioda_topo_node **out,
			  struct ioda_error *err);

/*
 * A device tree: a flattened blob (.dtb, by its magic) or source, which is
 * compiled by running dtc.  Reads what the kernel reads on PowerNV: the PHB
 * nodes skiboot makes and the PCI function nodes below them.
 */
int ioda_dt_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		  struct ioda_topo **out, struct ioda_error *err);

/*
 * Whether a node's "compatible" string list (@len bytes, NUL-separated)
 * names a PHB the kernel probes; if so its type and generation (an
 * "ibm,powerN-" entry overrides the generation the ioda compatible implies).
 */
bool ioda_dt_phb_compat(const char *compat, size_t len, enum ioda_phb_type *type,
			enum ioda_phb_gen *gen);

/*
 * Reads the whole of @path into a NUL-terminated buffer from the context's
 * allocator (the caller frees it with ioda_free).  Negative errno and @err
 * ("PATH: reason") on failure; more than 64 MiB is -EFBIG.
 */
int ioda_read_file(struct ioda_ctx *ctx, const char *path, char **buf, size_t *len,
		   struct ioda_error *err);

/*
 * The built-in example machine: examples/power9.dts (six PHB4s, a switch,
 * NVMe, a multifunction NIC, two GPUs with their NVLinks on an NPU2, an
 * OpenCAPI card), as a device-tree blob.
 */
extern const unsigned char ioda_example_machine[];
extern const size_t ioda_example_machine_size;
extern const char ioda_example_machine_name[];

/* ---- the topology text format, written back ---- */

/*
 * Writes @topo as topology text that parses back to the same description
 * (docs/topology.md).  What the text cannot say is left out: NVLink and
 * OpenCAPI PHBs (a comment names them), firmware properties, AFU actags.
 * Returns 0, or -EIO when @f reports a write error.
 */
int ioda_topo_write(FILE *f, const struct ioda_topo *topo);
/* Writes a sibling list and all below it, as a block's body @depth tabs deep. */
int ioda_topo_write_nodes(FILE *f, const struct ioda_topo_node *nodes, unsigned int depth);

#endif
