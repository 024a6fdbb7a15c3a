/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device-tree loader's messages, which name the file and the node, and
 * its property readers: each checks a property's length before its cells
 * are read, so a malformed tree gives a message, never a bad read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <ioda/ctx.h>

#include "dt_priv.h"

/* ---- messages ---------------------------------------------------------- */

static int __attribute__((format(printf, 3, 0)))
vfail(struct dt *dt, const char *path, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (path)
		ioda_error_set(dt->err, "%s: %s: %s", dt->file, path, msg);
	else
		ioda_error_set(dt->err, "%s: %s", dt->file, msg);
	return -EINVAL;
}

/* "FILE: what is wrong" */
int __attribute__((format(printf, 2, 3))) dt_fail_file(struct dt *dt, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(dt, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

/* "FILE: PATH: what is wrong" */
int __attribute__((format(printf, 3, 4)))
dt_fail_path(struct dt *dt, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(dt, path, fmt, ap);
	va_end(ap);
	return rc;
}

/* The path of @off; one too long for @size ends in ".../NAME". */
int dt_node_path(const struct dt *dt, int off, char *buf, size_t size)
{
	int rc = fdt_get_path(dt->fdt, off, buf, (int)size);
	const char *name;

	if (rc) {
		name = fdt_get_name(dt->fdt, off, NULL);
		snprintf(buf, size, ".../%s", name ? name : "?");
	}
	return rc;
}

int __attribute__((format(printf, 3, 4)))
dt_fail_node(struct dt *dt, int off, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	int rc;

	dt_node_path(dt, off, path, sizeof(path));
	va_start(ap, fmt);
	rc = vfail(dt, path, fmt, ap);
	va_end(ap);
	return rc;
}

int dt_oom(struct dt *dt)
{
	ioda_error_set(dt->err, "%s: out of memory", dt->file);
	return -ENOMEM;
}

/* ---- properties ---------------------------------------------------------- */

/*
 * Property @name as an array of @unit-cell entries: 1 and *@n entries when
 * present, 0 when absent, or an error.
 */
int dt_get_array(struct dt *dt, int off, const char *name, unsigned int unit,
		 const fdt32_t **p, unsigned int *n)
{
	int len;

	*p = fdt_getprop(dt->fdt, off, name, &len);
	*n = 0;
	if (!*p)
		return len == -FDT_ERR_NOTFOUND ? 0 : dt_fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len % (int)(4 * unit))
		return dt_fail_node(dt, off, "%s has %d bytes, not a multiple of %u", name, len,
				    4 * unit);
	*n = (unsigned int)len / (4 * unit);
	return 1;
}

/* Property @name of exactly @ncells cells: 1 when present, 0 when absent, or an error. */
int dt_get_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		 const fdt32_t **p)
{
	int len;

	*p = fdt_getprop(dt->fdt, off, name, &len);
	if (!*p)
		return len == -FDT_ERR_NOTFOUND ? 0 : dt_fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len != (int)(4 * ncells))
		return dt_fail_node(dt, off, "%s has %d bytes, want %u", name, len, 4 * ncells);
	return 1;
}

/* Like dt_get_cells(), but absence is an error too. */
int dt_need_cells(struct dt *dt, int off, const char *name, unsigned int ncells,
		  const fdt32_t **p)
{
	int rc = dt_get_cells(dt, off, name, ncells, p);

	return rc ? rc : dt_fail_node(dt, off, "no %s", name);
}

/* A one-cell property; @dflt when absent. */
int dt_get_u32(struct dt *dt, int off, const char *name, uint32_t dflt, uint32_t *out)
{
	const fdt32_t *p;
	int rc = dt_get_cells(dt, off, name, 1, &p);

	*out = rc > 0 ? dt_cell(p, 0) : dflt;
	return rc < 0 ? rc : 0;
}

int dt_need_u32(struct dt *dt, int off, const char *name, uint32_t *out)
{
	const fdt32_t *p;
	int rc = dt_need_cells(dt, off, name, 1, &p);

	if (rc < 0)
		return rc;
	*out = dt_cell(p, 0);
	return 0;
}

/* A string property, NUL-terminated within its length; NULL when absent. */
int dt_get_string(struct dt *dt, int off, const char *name, const char **out)
{
	int len;
	const char *s = fdt_getprop(dt->fdt, off, name, &len);

	*out = NULL;
	if (!s)
		return len == -FDT_ERR_NOTFOUND ? 0 : dt_fail_node(dt, off, "%s: %s", name,
								 fdt_strerror(len));
	if (len == 0 || s[len - 1] != '\0')
		return dt_fail_node(dt, off, "%s is not a string", name);
	*out = s;
	return 0;
}

/* of_device_is_available(): no status, "okay" or "ok". */
int dt_available(struct dt *dt, int off, bool *yes)
{
	const char *status;
	int rc = dt_get_string(dt, off, "status", &status);

	*yes = !status || strcmp(status, "okay") == 0 || strcmp(status, "ok") == 0;
	return rc;
}

const char *dt_ncells_text(const struct dt *dt, int off, const char *name, char *buf,
			   size_t size)
{
	int v = strcmp(name, "#address-cells") == 0 ? fdt_address_cells(dt->fdt, off)
						     : fdt_size_cells(dt->fdt, off);
	const fdt32_t *p;
	int len;

	if (v >= 0) {
		snprintf(buf, size, "%d", v);
		return buf;
	}
	p = fdt_getprop(dt->fdt, off, name, &len);
	if (p && len == 4)
		snprintf(buf, size, "%u", fdt32_to_cpu(*p));
	else
		snprintf(buf, size, "malformed");
	return buf;
}
