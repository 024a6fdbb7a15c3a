/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioda import: a machine description from a copy of /sys/bus/pci/devices
 * and /proc/device-tree.  The device tree folder is packed into a blob and
 * read by the device tree loader, so PHB nodes mean what they mean there;
 * the functions come from sysfs, which has what firmware does not (config
 * space, SR-IOV, every function the kernel found).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include <ioda/ctx.h>
#include <ioda/import.h>

#define CFG_MAX 4096
#define TEXT_MAX 8192
#define PROP_MAX (16u << 20)
#define DT_DEPTH_MAX 32
#define FDT_MAX (256u << 20)
#define NEST_MAX 63 /* bridges below a PHB: the topology text's limit */

/* Linux's IORESOURCE_* bits, as the resource file prints them. */
#define IORESOURCE_MEM 0x200u
#define IORESOURCE_PREFETCH 0x2000u
#define IORESOURCE_MEM_64 0x100000u

/* The resource file's lines with CONFIG_PCI_IOV: BARs, ROM, 6 IOV BARs, ... */
#define RES_IOV_FIRST 7
#define RES_LINES_IOV 13

#define PCI_CAP_ID_EXP 0x10
#define PCI_EXT_CAP_ID_SRIOV 0x10

struct sysdev {
	unsigned int domain, bus;
	struct ioda_topo_node *node; /* owned until placed in its PHB's tree */
	uint64_t iov_size[PCI_STD_NUM_BARS]; /* IOV BARs: all VFs' space together */
};

struct import {
	struct ioda_ctx *ctx;
	struct ioda_error *err;
	char devdir[PATH_MAX];
	struct ioda_topo *topo;
	struct sysdev *devs;
	unsigned int ndevs;
};

static int oom(struct import *im)
{
	ioda_error_set(im->err, "%s: out of memory", im->devdir);
	return -ENOMEM;
}

static int fail_errno(struct import *im, const char *path, int e)
{
	ioda_error_set(im->err, "%s: %s", path, strerror(e));
	return -e;
}

/* @dir/@name into @path (PATH_MAX bytes); -ENAMETOOLONG with the message. */
static int join(struct import *im, char *path, const char *dir, const char *name)
{
	if (snprintf(path, PATH_MAX, "%s/%s", dir, name) < PATH_MAX)
		return 0;
	ioda_error_set(im->err, "%.200s/%.50s: path too long", dir, name);
	return -ENAMETOOLONG;
}

/*
 * Reads at most @size bytes of @dir/@name.  Returns 0, 1 when @optional
 * and absent, or a negative errno with the message set.
 */
static int read_file(struct import *im, const char *dir, const char *name, char *buf,
		     size_t size, size_t *len, bool optional)
{
	char path[PATH_MAX];
	ssize_t n = 0;
	int fd = join(im, path, dir, name);

	if (fd)
		return fd;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return optional && errno == ENOENT ? 1 : fail_errno(im, path, errno);
	*len = 0;
	while (*len < size && (n = read(fd, buf + *len, size - *len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		*len += (size_t)n;
	}
	if (n < 0) {
		n = errno;
		close(fd);
		return fail_errno(im, path, (int)n);
	}
	close(fd);
	if (*len == size) {
		ioda_error_set(im->err, "%s: larger than %zu bytes", path, size);
		return -EFBIG;
	}
	return 0;
}

/* A text attribute: tar pads sysfs files to 4096 bytes with NULs; drop them. */
static int read_text(struct import *im, const char *dir, const char *name, char *buf,
		     size_t size, bool optional)
{
	size_t len;
	int rc = read_file(im, dir, name, buf, size - 1, &len, optional);

	if (rc)
		return rc;
	while (len && (buf[len - 1] == '\0' || buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return 0;
}

/* "0x1014" (base 16) or "3" (base 10), at most @max. 1: absent and @optional. */
static int read_number(struct import *im, const char *dir, const char *name, int base,
		       unsigned long max, unsigned long *out, bool optional)
{
	char buf[TEXT_MAX], *end;
	int rc = read_text(im, dir, name, buf, sizeof(buf), optional);

	if (rc)
		return rc;
	errno = 0;
	*out = strtoul(buf, &end, base);
	if (buf[0] >= '0' && buf[0] <= '9' && !*end && !errno && *out <= max)
		return 0;
	for (end = buf; *end >= ' ' && *end <= '~'; end++)
		;
	ioda_error_set(im->err, "%s/%s: want a %s number up to %#lx, got '%.20s'", dir, name,
		       base == 16 ? "hex" : "decimal", max, *end ? "(not text)" : buf);
	return -EINVAL;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * One line of the resource file: BARs 0-5 (a bridge: 0-1), the ROM and the
 * IOV BARs.  Sizes only; I/O BARs are left out (no I/O space on PowerNV).
 */
static int add_resource(struct import *im, const char *path, unsigned int line,
			struct sysdev *sd, unsigned int i, bool iov, uint64_t size,
			uint64_t flags)
{
	struct ioda_topo_node *node = sd->node;
	unsigned int nbars = node->hdr_type == 1 ? 2 : PCI_STD_NUM_BARS;
	struct pci_resource *res;

	if (!(flags & IORESOURCE_MEM) || !size)
		return 0;
	if (iov && i >= RES_IOV_FIRST && i < RES_IOV_FIRST + PCI_STD_NUM_BARS) {
		sd->iov_size[i - RES_IOV_FIRST] = size;
		return 0;
	}
	if (i >= nbars && i != PCI_ROM_RESOURCE)
		return 0;
	if (!is_pow2(size) || size < (i == PCI_ROM_RESOURCE ? 2048u : 16u)) {
		ioda_error_set(im->err, "%s:%u: BAR size %#" PRIx64 " is not a power of two of "
			       "at least %s", path, line, size, i == PCI_ROM_RESOURCE ? "2K" : "16");
		return -EINVAL;
	}
	res = &node->resource[i];
	res->size = size;
	res->flags = PCI_RES_MEM;
	if (i != PCI_ROM_RESOURCE && (flags & IORESOURCE_MEM_64))
		res->flags |= PCI_RES_MEM64;
	if (i != PCI_ROM_RESOURCE && (flags & IORESOURCE_PREFETCH))
		res->flags |= PCI_RES_PREFETCH;
	return 0;
}

static int read_resources(struct import *im, const char *dir, struct sysdev *sd)
{
	char buf[TEXT_MAX], path[PATH_MAX];
	unsigned int nlines = 1, i = 0;
	const char *p = buf;
	int rc = read_text(im, dir, "resource", buf, sizeof(buf), true);

	if (rc)
		return rc < 0 ? rc : 0;
	join(im, path, dir, "resource"); /* read_text() joined it */
	for (const char *q = buf; (q = strchr(q, '\n')); q++)
		nlines++;
	for (; *p && !rc; i++) {
		uint64_t start, end, flags;
		int n = 0;

		if (sscanf(p, "%" SCNx64 " %" SCNx64 " %" SCNx64 "%n", &start, &end, &flags, &n) != 3 ||
		    (p[n] != '\n' && p[n] != '\0') || end < start) {
			ioda_error_set(im->err, "%s:%u: want 'START END FLAGS' in hex", path, i + 1);
			return -EINVAL;
		}
		p += n + (p[n] == '\n');
		rc = add_resource(im, path, i + 1, sd, i, nlines >= RES_LINES_IOV,
				  end ? end - start + 1 : 0, flags);
	}
	return rc;
}

static unsigned int cfg16(const uint8_t *c, unsigned int off)
{
	return c[off] | (unsigned int)c[off + 1] << 8;
}

static uint32_t cfg32(const uint8_t *c, unsigned int off)
{
	return cfg16(c, off) | (uint32_t)cfg16(c, off + 2) << 16;
}

/* The SR-IOV capability: counts, routing, VF device ID, VF BAR kinds. */
static void read_sriov(const uint8_t *c, unsigned int off, struct pci_sriov *sr)
{
	sr->total_vfs = (uint16_t)cfg16(c, off + 0x0e);
	sr->vf_offset = (uint16_t)cfg16(c, off + 0x14);
	/* The stride is unused, and may read 0, with one VF. */
	sr->vf_stride = (uint16_t)(cfg16(c, off + 0x16) ? cfg16(c, off + 0x16) : 1);
	sr->vf_device = (uint16_t)cfg16(c, off + 0x1a);
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		uint32_t v = cfg32(c, off + 0x24 + 4 * i);

		if (v & 1)
			continue;
		sr->vf_bar[i].flags = PCI_RES_MEM | ((v & 8) ? PCI_RES_PREFETCH : 0);
		if (((v >> 1) & 3) == 2)
			sr->vf_bar[i++].flags |= PCI_RES_MEM64; /* and its upper half */
	}
}

/* Header type, port type (the PCIe capability) and SR-IOV, from config space. */
static int read_config(struct import *im, const char *dir, struct ioda_topo_node *node,
		       bool *is_vf)
{
	uint8_t c[CFG_MAX + 1];
	unsigned int ptr, off = 0x100;
	size_t len;
	int rc = read_file(im, dir, "config", (char *)c, sizeof(c), &len, false);

	if (rc)
		return rc;
	if (len < 64) {
		ioda_error_set(im->err, "%s/config: %zu bytes, want at least the 64-byte header",
			       dir, len);
		return -EINVAL;
	}
	/* A VF's own vendor and device registers read all ones. */
	*is_vf = cfg16(c, 0) == 0xffff;
	node->hdr_type = c[0x0e] & 0x7f;
	node->multifunction = c[0x0e] & 0x80;
	if (node->hdr_type > 1) {
		ioda_error_set(im->err, "%s/config: header type %u is neither a device (0) nor "
			       "a bridge (1)", dir, node->hdr_type);
		return -EINVAL;
	}
	node->pcie_type = PCIE_TYPE_NONE;
	ptr = (cfg16(c, 0x06) & 0x10) ? c[0x34] & 0xfcu : 0;
	if (ptr + 4 > len) {
		ioda_error_set(im->err, "%s/config: only %zu bytes, the capabilities are past "
			       "them (copy config space as root)", dir, len);
		return -EINVAL;
	}
	for (unsigned int n = 0; ptr >= 0x40 && ptr + 4 <= len && n < 48; n++) {
		if (c[ptr] == PCI_CAP_ID_EXP) {
			node->pcie_type = (enum pcie_port_type)((cfg16(c, ptr + 2) >> 4) & 0xf);
			break;
		}
		ptr = c[ptr + 1] & 0xfcu;
	}
	for (unsigned int n = 0; off >= 0x100 && off + 0x40 <= len && n < 128; n++) {
		uint32_t h = cfg32(c, off);

		if ((h & 0xffff) == PCI_EXT_CAP_ID_SRIOV) {
			read_sriov(c, off, &node->sriov);
			break;
		}
		off = (h >> 20) & 0xffc;
	}
	return 0;
}

/* A bridge's buses: the sysfs files (decimal), else config space. */
static int read_buses(struct import *im, const char *dir, struct ioda_topo_node *node)
{
	static const char *const names[] = { "secondary_bus_number", "subordinate_bus_number" };
	int *bus[] = { &node->secondary, &node->subordinate };
	uint8_t c[CFG_MAX + 1];
	size_t len;

	for (unsigned int i = 0; i < 2; i++) {
		unsigned long v;
		int rc = read_number(im, dir, names[i], 10, 0xff, &v, true);

		if (rc == 1) {
			/* read_config() saw at least the header. */
			rc = read_file(im, dir, "config", (char *)c, sizeof(c), &len, false);
			v = c[0x19 + i];
		}
		if (rc < 0)
			return rc;
		*bus[i] = (int)v;
	}
	if (node->secondary == 0 || node->subordinate < node->secondary) {
		ioda_error_set(im->err, "%s: bus range %02x-%02x is not a range below the bridge",
			       dir, node->secondary, node->subordinate);
		return -EINVAL;
	}
	return 0;
}

/* "DDDD:BB:DD.F", as sysfs names functions. */
static bool parse_bdf(const char *name, unsigned int *domain, unsigned int *bus, uint8_t *devfn)
{
	unsigned int slot, fn;
	int n = 0;

	if (strlen(name) != 12 || strspn(name, "0123456789abcdefABCDEF:.") != 12 ||
	    sscanf(name, "%4x:%2x:%2x.%1u%n", domain, bus, &slot, &fn, &n) != 4 || n != 12 ||
	    slot > 0x1f || fn > 7)
		return false;
	*devfn = PCI_DEVFN(slot, fn);
	return true;
}

static int read_device(struct import *im, const char *name, struct sysdev *sd, bool *is_vf)
{
	struct ioda_topo_node *node = sd->node;
	char dir[PATH_MAX];
	unsigned long v[3];
	static const char *const ids[] = { "vendor", "device", "class" };
	static const unsigned long max[] = { 0xffff, 0xffff, 0xffffff };
	int rc = join(im, dir, im->devdir, name);

	for (unsigned int i = 0; i < 3 && !rc; i++)
		rc = read_number(im, dir, ids[i], 16, max[i], &v[i], false);
	if (rc)
		return rc;
	node->vendor = (uint16_t)v[0];
	node->device = (uint16_t)v[1];
	node->class = (uint32_t)v[2];
	node->secondary = node->subordinate = -1;
	rc = read_config(im, dir, node, is_vf);
	if (!rc && !*is_vf)
		rc = read_resources(im, dir, sd);
	if (!rc && !*is_vf && node->hdr_type == 1)
		rc = read_buses(im, dir, node);
	return rc;
}

static int by_bdf(const void *a, const void *b)
{
	const struct sysdev *x = a, *y = b;
	uint32_t kx = x->domain << 16 | x->bus << 8 | x->node->devfn;
	uint32_t ky = y->domain << 16 | y->bus << 8 | y->node->devfn;

	return (kx > ky) - (kx < ky);
}

/* Every function folder but the VFs, sorted by domain, bus and devfn. */
static int read_devices(struct import *im)
{
	DIR *d = opendir(im->devdir);
	unsigned int cap = 0;
	struct dirent *e;
	int rc = 0;

	if (!d)
		return fail_errno(im, im->devdir, errno);
	while (!rc && (e = readdir(d))) {
		struct sysdev sd = { 0 };
		uint8_t devfn;
		bool is_vf = false;

		if (!parse_bdf(e->d_name, &sd.domain, &sd.bus, &devfn))
			continue;
		if (im->ndevs == cap) {
			void *p = ioda_realloc(im->ctx, im->devs, (cap * 2 + 16) * sizeof(*im->devs));

			if (!p) {
				rc = oom(im);
				break;
			}
			im->devs = p;
			cap = cap * 2 + 16;
		}
		sd.node = ioda_zalloc(im->ctx, sizeof(*sd.node));
		if (!sd.node) {
			rc = oom(im);
			break;
		}
		sd.node->devfn = devfn;
		rc = read_device(im, e->d_name, &sd, &is_vf);
		if (rc || is_vf)
			ioda_topo_node_free(im->ctx, sd.node);
		else
			im->devs[im->ndevs++] = sd;
	}
	closedir(d);
	if (!rc && !im->ndevs) {
		ioda_error_set(im->err, "%s: no PCI functions (want folders named DDDD:BB:DD.F, "
			       "as in /sys/bus/pci/devices)", im->devdir);
		rc = -ENOENT;
	}
	if (!rc)
		qsort(im->devs, im->ndevs, sizeof(*im->devs), by_bdf);
	return rc;
}

/* ---- the device tree folder, as a blob ----------------------------------------- */

/* Adds @path's files as properties, then its folders as nodes (FDT wants that order). */
static int pack_node(struct import *im, void *fdt, const char *path, const char *name,
		     unsigned int depth)
{
	DIR *d;
	struct dirent *e;
	int rc;

	if (depth > DT_DEPTH_MAX) {
		ioda_error_set(im->err, "%s: nested deeper than %d nodes", path, DT_DEPTH_MAX);
		return -ELOOP;
	}
	d = opendir(path);
	if (!d)
		return fail_errno(im, path, errno);
	rc = fdt_begin_node(fdt, name);
	for (int pass = 0; pass < 2 && !rc; pass++, rewinddir(d)) {
		while (!rc && (e = readdir(d))) {
			char sub[PATH_MAX];
			struct stat st;
			char *buf;
			size_t len;

			if (e->d_name[0] == '.')
				continue;
			rc = join(im, sub, path, e->d_name);
			if (rc || lstat(sub, &st))
				continue;
			if (pass == 1 && S_ISDIR(st.st_mode)) {
				rc = pack_node(im, fdt, sub, e->d_name, depth + 1);
				continue;
			}
			if (pass == 1 || !S_ISREG(st.st_mode))
				continue;
			if ((uint64_t)st.st_size >= PROP_MAX) {
				ioda_error_set(im->err, "%s: a property larger than %u bytes", sub,
					       PROP_MAX);
				rc = -EFBIG;
				break;
			}
			buf = ioda_alloc(im->ctx, (size_t)st.st_size + 1);
			if (!buf) {
				rc = oom(im);
				break;
			}
			rc = read_file(im, path, e->d_name, buf, (size_t)st.st_size + 1, &len, false);
			if (!rc)
				rc = fdt_property(fdt, e->d_name, buf, (int)len);
			ioda_free(im->ctx, buf);
		}
	}
	if (!rc)
		rc = fdt_end_node(fdt);
	closedir(d);
	return rc;
}

/* Packs @dt_dir and reads it as the device tree loader does. */
static int read_device_tree(struct import *im, const char *dt_dir, struct ioda_topo **out)
{
	size_t size = 1u << 20;
	void *fdt = NULL;
	int rc;

	do {
		ioda_free(im->ctx, fdt);
		size *= 2;
		fdt = ioda_alloc(im->ctx, size);
		if (!fdt)
			return oom(im);
		rc = fdt_create(fdt, (int)size);
		if (!rc)
			rc = fdt_finish_reservemap(fdt);
		if (!rc)
			rc = pack_node(im, fdt, dt_dir, "", 0);
		if (!rc)
			rc = fdt_finish(fdt);
	} while (rc == -FDT_ERR_NOSPACE && !im->err->msg[0] && size < FDT_MAX);
	/* Our own failures have a message; libfdt's are its codes. */
	if (rc && !im->err->msg[0]) {
		ioda_error_set(im->err, "%s: cannot pack it as a device tree: %s", dt_dir,
			       fdt_strerror(rc));
		rc = -EINVAL;
	}
	if (!rc)
		rc = ioda_dt_parse(im->ctx, dt_dir, fdt, fdt_totalsize(fdt), out, im->err);
	ioda_free(im->ctx, fdt);
	return rc;
}

/* ---- PHBs and their trees ---------------------------------------------------------- */

/* Without a device tree node, the root port names the PHB; an NPU its link functions. */
static int phb_from_devices(struct import *im, const struct sysdev *first,
			    const struct sysdev *end, struct ioda_topo_phb *phb)
{
	static const struct {
		uint16_t device;
		enum ioda_phb_gen gen;
	} roots[] = { { 0x03dc, IODA_PHB3 }, { 0x04c1, IODA_PHB4 }, { 0x0652, IODA_PHB5 } };

	for (const struct sysdev *sd = first; sd < end; sd++) {
		if (sd->node->vendor != 0x1014)
			continue;
		if (sd->node->device == 0x04ea) {
			phb->type = IODA_PHB_NPU_NVLINK;
			phb->gen = IODA_PHB4;
			return 0;
		}
		for (size_t i = 0; sd->bus == first->bus && i < sizeof(roots) / sizeof(roots[0]); i++)
			if (sd->node->device == roots[i].device && sd->node->hdr_type == 1) {
				phb->gen = roots[i].gen;
				return 0;
			}
	}
	ioda_error_set(im->err, "%s: domain %04x: no device tree node for its PHB, and no IBM "
		       "root port (1014:03dc, 1014:04c1 or 1014:0652) to tell its generation",
		       im->devdir, first->domain);
	return -EINVAL;
}

static struct ioda_topo_phb *find_phb(struct ioda_topo *topo, unsigned int domain)
{
	struct ioda_topo_phb *phb = topo->phbs;

	while (phb && (unsigned int)phb->domain != domain)
		phb = phb->next;
	return phb;
}

static int new_phb(struct import *im, const struct sysdev *first, const struct sysdev *end,
		   struct ioda_topo_phb **out)
{
	struct ioda_topo_phb *phb = ioda_zalloc(im->ctx, sizeof(*phb)), **tail;
	int rc;

	if (!phb)
		return oom(im);
	phb->domain = (int)first->domain;
	phb->opal_id = first->domain;
	rc = phb_from_devices(im, first, end, phb);
	if (rc) {
		ioda_free(im->ctx, phb);
		return rc;
	}
	/* Chip unknown: 0, at the first free index. */
	for (tail = &im->topo->phbs; *tail; tail = &(*tail)->next)
		if ((*tail)->chip == 0 && (*tail)->index >= phb->index)
			phb->index = (*tail)->index + 1;
	*tail = phb;
	*out = phb;
	return 0;
}

/* The device tree's node at @devfn on bus @want (its NVLink phandles), or NULL. */
static const struct ioda_topo_node *dt_node(const struct ioda_topo_node *list, int bus, int want,
					    uint8_t devfn)
{
	for (const struct ioda_topo_node *n = list; n; n = n->next) {
		const struct ioda_topo_node *hit;

		if (bus == want && n->devfn == devfn)
			return n;
		hit = n->secondary > bus ? dt_node(n->children, n->secondary, want, devfn) : NULL;
		if (hit)
			return hit;
	}
	return NULL;
}

/*
 * A VF BAR's size per VF: PowerNV expands a 64-bit prefetchable IOV BAR to
 * one VF BAR per PE (pnv_pci_ioda_fixup_iov_resources), the PCI core to
 * TotalVFs of them.
 */
static void vf_bar_sizes(struct sysdev *sd, const struct ioda_topo_phb *phb)
{
	struct pci_sriov *sr = &sd->node->sriov;
	uint64_t pes = phb->num_pes ? phb->num_pes : phb->gen == IODA_PHB3 ? 256 : 512;

	for (unsigned int i = 0; sr->total_vfs && i < PCI_STD_NUM_BARS; i++) {
		struct pci_resource *r = &sr->vf_bar[i];
		uint64_t size = sd->iov_size[i];
		bool expanded = (r->flags & PCI_RES_MEM64) && (r->flags & PCI_RES_PREFETCH) &&
				!(size % pes) && is_pow2(size / pes) && size / pes >= 16;

		r->size = expanded ? size / pes : size % sr->total_vfs ? 0 : size / sr->total_vfs;
		if (!is_pow2(r->size) || r->size < 16)
			*r = (struct pci_resource){ 0 };
	}
}

/* Moves the functions on @bus of [first, end) into @list, bridges with their subtrees. */
static int place(struct import *im, struct sysdev *first, struct sysdev *end, unsigned int bus,
		 struct ioda_topo_node **list, unsigned int depth)
{
	for (struct sysdev *sd = first; sd < end; sd++) {
		struct ioda_topo_node *node = sd->node;
		int rc;

		if (sd->bus != bus || !node)
			continue;
		sd->node = NULL;
		*list = node;
		list = &node->next;
		if (node->hdr_type != 1 || node->secondary <= (int)bus)
			continue;
		if (depth == NEST_MAX) {
			ioda_error_set(im->err, "%s/%04x:%02x:%02x.%u: bridges nested deeper than %d",
				       im->devdir, sd->domain, bus, PCI_SLOT(node->devfn),
				       PCI_FUNC(node->devfn), NEST_MAX);
			return -EINVAL;
		}
		rc = place(im, first, end, (unsigned int)node->secondary, &node->children,
			   depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

/* One domain's functions, [first, end): its PHB and its tree. */
static int build_domain(struct import *im, struct sysdev *first, struct sysdev *end)
{
	struct ioda_topo_phb *phb = find_phb(im->topo, first->domain);
	int rc = phb ? 0 : new_phb(im, first, end, &phb);

	if (rc)
		return rc;
	for (struct sysdev *sd = first; sd < end; sd++) {
		const struct ioda_topo_node *dt = dt_node(phb->devices, 0, (int)sd->bus,
							  sd->node->devfn);

		if (dt) {
			struct ioda_topo_node *n = sd->node;

			memcpy(n->dt_path, dt->dt_path, sizeof(n->dt_path));
			n->phandle = dt->phandle;
			n->gpu_phandle = dt->gpu_phandle;
			memcpy(n->npu_phandle, dt->npu_phandle, sizeof(n->npu_phandle));
			n->num_npus = dt->num_npus;
		}
		vf_bar_sizes(sd, phb);
	}
	/* sysfs has every function the kernel found: firmware's list goes. */
	ioda_topo_nodes_free(im->ctx, phb->devices);
	phb->devices = NULL;
	rc = place(im, first, end, first->bus, &phb->devices, 0);
	for (struct sysdev *sd = first; !rc && sd < end; sd++)
		if (sd->node) {
			ioda_error_set(im->err, "%s/%04x:%02x:%02x.%u: no bridge leads to bus %02x",
				       im->devdir, sd->domain, sd->bus, PCI_SLOT(sd->node->devfn),
				       PCI_FUNC(sd->node->devfn), sd->bus);
			rc = -EINVAL;
		}
	return rc;
}

/* By domain: the device tree folder's order is the file system's. */
static void sort_phbs(struct ioda_topo *topo)
{
	struct ioda_topo_phb *sorted = NULL, *phb, **at;

	while ((phb = topo->phbs)) {
		topo->phbs = phb->next;
		for (at = &sorted; *at && (*at)->domain < phb->domain; at = &(*at)->next)
			;
		phb->next = *at;
		*at = phb;
	}
	topo->phbs = sorted;
}

static void set_file(struct ioda_topo_node *list, const char *file)
{
	for (; list; list = list->next) {
		list->pos.file = file;
		set_file(list->children, file);
	}
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int ioda_import_sysfs(struct ioda_ctx *ctx, const char *dir, const char *dt_dir,
		      struct ioda_topo **out, struct ioda_error *err)
{
	struct import im = { .ctx = ctx, .err = err };
	char dt_found[PATH_MAX], *dt_file;
	unsigned int i, j;
	int rc;

	*out = NULL;
	err->msg[0] = '\0';
	/* The root of a copy, or the devices folder itself. */
	if (join(&im, im.devdir, dir, "sys/bus/pci/devices") ||
	    join(&im, dt_found, dir, "proc/device-tree"))
		return -ENAMETOOLONG;
	if (!is_dir(im.devdir)) {
		memcpy(im.devdir, dir, strlen(dir) + 1); /* shorter than the join above */
		dt_found[0] = '\0';
	}
	if (!dt_dir && dt_found[0] && is_dir(dt_found))
		dt_dir = dt_found;
	if (!is_dir(im.devdir))
		return fail_errno(&im, im.devdir, errno ? errno : ENOTDIR);

	rc = dt_dir ? read_device_tree(&im, dt_dir, &im.topo) : 0;
	if (!rc && !im.topo) {
		im.topo = ioda_zalloc(ctx, sizeof(*im.topo));
		rc = im.topo ? 0 : oom(&im);
	}
	if (rc)
		return rc;
	dt_file = im.topo->file;
	im.topo->file = ioda_strdup(ctx, im.devdir);
	rc = im.topo->file ? read_devices(&im) : oom(&im);
	for (i = 0; !rc && i < im.ndevs; i = j) {
		for (j = i; j < im.ndevs && im.devs[j].domain == im.devs[i].domain; j++)
			;
		rc = build_domain(&im, &im.devs[i], &im.devs[j]);
	}
	for (i = 0; i < im.ndevs; i++)
		ioda_topo_node_free(ctx, im.devs[i].node);
	ioda_free(ctx, im.devs);
	/* Positions name the copy; firmware's functions of a PHB sysfs has none of go. */
	for (struct ioda_topo_phb *phb = im.topo->phbs; phb; phb = phb->next) {
		if (phb->devices && phb->devices->pos.file) {
			ioda_topo_nodes_free(ctx, phb->devices);
			phb->devices = NULL;
		}
		phb->pos.file = im.topo->file;
		set_file(phb->devices, im.topo->file);
	}
	ioda_free(ctx, dt_file);
	sort_phbs(im.topo);
	if (rc) {
		ioda_topo_free(ctx, im.topo);
		return rc;
	}
	*out = im.topo;
	return 0;
}
