/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Machine descriptions: what firmware and config space hold, as plain data
 * (no counted objects).  Every input (topology text, device tree, boot log,
 * a sysfs copy) is turned into a struct ioda_topo by a loader (ioda/load.h);
 * the PCI core's scan builds devices from the nodes, at boot and at hot add,
 * as the kernel's scan reads config space.  All memory comes from the
 * context's hooked allocator.
 */
#ifndef IODA_TOPO_H
#define IODA_TOPO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ioda/pci.h>

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
	enum pci_hotplug hotplug; /* a port's slot: hot-plug capable */
	struct pci_slot_desc slot; /* a bridge's PowerNV hotplug slot */
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
/* A deep copy of a sibling list; -ENOMEM with *@out NULL. */
int ioda_topo_nodes_clone(struct ioda_ctx *ctx, const struct ioda_topo_node *list,
			  struct ioda_topo_node **out);

#endif
