/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine descriptions and the loaders that produce them.
 *
 * Every input (topology text, device tree, boot log) is parsed into a
 * struct ioda_topo: plain description data, no counted objects.  The
 * machine is then built from it (ioda_machine_populate), so each input
 * format needs only a parser.  All memory comes from the context's hooked
 * allocator; a failed load frees everything it made.
 */
#ifndef IODA_TOPO_H
#define IODA_TOPO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ioda/pci.h>

/* A message "file:line:col: what is wrong" (or "file: what is wrong"). */
struct ioda_error {
	char msg[512];
};

void ioda_error_set(struct ioda_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Where a description came from, for semantic errors found later. */
struct ioda_srcpos {
	const char *file; /* borrowed from the topo (topo->file) */
	unsigned int line, col;
};

/* skiboot links a GPU to at most 6 NVLink bricks; the kernel indexes up to 8. */
#define IODA_DT_MAX_NPUS 8

/* One PCI function; bridges have children on their secondary bus. */
struct ioda_topo_node {
	struct ioda_srcpos pos;
	uint8_t devfn;
	uint8_t hdr_type;
	bool multifunction;
	uint16_t vendor, device;
	uint32_t class;
	enum pcie_port_type pcie_type;
	struct pci_resource resource[PCI_NUM_RESOURCES];
	struct pci_sriov sriov;
	uint16_t afu_actags; /* ioda,afu-actags: an OpenCAPI AFU's desired actags */
	int secondary, subordinate; /* bridges; -1: assign */
	char label[32];
	/* From a device tree (zero otherwise): the node and the NVLink links. */
	char dt_path[IODA_DT_PATH_MAX];
	uint32_t phandle;
	uint32_t gpu_phandle;                   /* ibm,gpu: an NPU link's GPU */
	uint32_t npu_phandle[IODA_DT_MAX_NPUS]; /* ibm,npu: a GPU's NPU links */
	unsigned int num_npus;
	struct ioda_topo_node *children; /* bridges: devices on the secondary bus */
	struct ioda_topo_node *next;     /* sibling */
};

/* The kernel's PHB type, from the node's "ibm,ioda*" compatible. */
enum ioda_phb_type {
	IODA_PHB_PCIE,       /* ibm,ioda2-phb (PHB3), ibm,ioda3-phb (PHB4, PHB5) */
	IODA_PHB_NPU_NVLINK, /* ibm,ioda2-npu-phb (P8), ibm,ioda2-npu2-phb (P9) */
	IODA_PHB_NPU_OCAPI,  /* ibm,ioda2-npu2-opencapi-phb */
};

struct ioda_topo_phb {
	struct ioda_srcpos pos;
	int domain;
	enum ioda_phb_gen gen;
	enum ioda_phb_type type;
	unsigned int chip, index, num_pes;
	uint64_t opal_id;
	struct pci_resource m32, m64;
	struct ioda_topo_fw fw;
	struct ioda_topo_node *devices; /* on the root bus */
	struct ioda_topo_phb *next;
};

/*
 * The most RAM a machine may end at: book3s64's MAX_PHYSMEM_BITS.  Beyond
 * it the DMA bypass window (RAM rounded up to a power of two, at 1 << 59)
 * would not fit in 64 bits.  The loaders reject more.
 */
#define IODA_MAX_MEMORY (1ull << 51)
/* The least a kernel boots with: less would not fill one page of TCEs. */
#define IODA_MIN_MEMORY (1ull << 24)

struct ioda_topo {
	char *file; /* name used in messages */
	uint64_t memory_bytes;
	char model[64];
	/* No ibm,gpu phandles (a boot log): the platform's NVLink wiring applies. */
	bool nvlink_wiring;
	struct ioda_topo_phb *phbs;
};

void ioda_topo_free(struct ioda_ctx *ctx, struct ioda_topo *topo);
void ioda_topo_node_free(struct ioda_ctx *ctx, struct ioda_topo_node *node);
/* Frees a sibling list (as ioda_topo_parse_nodes() returns) with all below it. */
void ioda_topo_nodes_free(struct ioda_ctx *ctx, struct ioda_topo_node *list);

/*
 * Writes @topo as topology text that parses back to the same description
 * (docs/topology.md).  What the text cannot say is left out: NVLink and
 * OpenCAPI PHBs (a comment names them), firmware properties, AFU actags.
 * Returns 0, or -EIO when @f reports a write error.
 */
int ioda_topo_write(FILE *f, const struct ioda_topo *topo);
/* The description as one JSON document (ioda tree --json); -ENOMEM, -EIO. */
int ioda_topo_json(const struct ioda_topo *topo, FILE *out);
/* Writes a sibling list and all below it, as a block's body @depth tabs deep. */
int ioda_topo_write_nodes(FILE *f, const struct ioda_topo_node *nodes, unsigned int depth);

/* ---- loaders ---------------------------------------------------------------- */

enum ioda_input_kind {
	IODA_INPUT_AUTO, /* by file extension */
	IODA_INPUT_TOPO, /* .topo */
	IODA_INPUT_DT,   /* .dts, .dtb */
	IODA_INPUT_LOG,  /* anything else: a kernel boot log */
};

struct ioda_loader {
	const char *name; /* "topo", "dt", "log", as --as= takes them */
	enum ioda_input_kind kind;
	/*
	 * Parses @len bytes of @buf (NUL-terminated) read from @file.
	 * Returns 0 and *out, or a negative errno with @err filled.
	 */
	int (*parse)(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
		     struct ioda_topo **out, struct ioda_error *err);
};

/* The loader registered for @kind; NULL if this build has none. */
const struct ioda_loader *ioda_loader_for(enum ioda_input_kind kind);

/* The kind a path's extension names (never AUTO). */
enum ioda_input_kind ioda_input_kind_of(const char *path);

/* Parses "topo", "dt", "log"; -1 when unknown. */
int ioda_input_kind_parse(const char *s);

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
 * Reads @path and builds a machine from it.  On error returns a negative
 * errno, fills @err and leaves nothing allocated.
 */
int ioda_load_machine(struct ioda_ctx *ctx, const char *path, enum ioda_input_kind kind,
		      struct ioda_machine **out, struct ioda_error *err);
/* Same, from memory; @file names it in messages. */
int ioda_load_machine_buf(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			  enum ioda_input_kind kind, struct ioda_machine **out,
			  struct ioda_error *err);

/*
 * The built-in example machine: examples/power9.dts (six PHB4s, a switch,
 * NVMe, a multifunction NIC, two GPUs with their NVLinks on an NPU2, an
 * OpenCAPI card), as a device-tree blob.
 */
extern const unsigned char ioda_example_machine[];
extern const size_t ioda_example_machine_size;
extern const char ioda_example_machine_name[];

/* Builds the built-in example machine; as ioda_load_machine(). */
int ioda_load_example(struct ioda_ctx *ctx, struct ioda_machine **out, struct ioda_error *err);

#endif
