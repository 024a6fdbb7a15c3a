/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One entry for every input format: read the file, pick the parser by
 * extension (or as told), build the machine.  Whatever fails, nothing
 * half-built survives.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "load_priv.h"

static const struct ioda_loader *const loaders[] = {
	&ioda_topo_loader,
	&ioda_dt_loader,
	&ioda_log_loader,
};

#define NR_LOADERS (sizeof(loaders) / sizeof(loaders[0]))

const struct ioda_loader *ioda_loader_for(enum ioda_input_kind kind)
{
	for (size_t i = 0; i < NR_LOADERS; i++)
		if (loaders[i]->kind == kind)
			return loaders[i];
	return NULL;
}

static bool has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);

	return n > e && strcmp(path + n - e, ext) == 0;
}

enum ioda_input_kind ioda_input_kind_of(const char *path)
{
	const struct ioda_loader *fallback = NULL;

	for (size_t i = 0; i < NR_LOADERS; i++) {
		const char *const *ext = loaders[i]->exts;

		if (!ext)
			fallback = loaders[i];
		for (; ext && *ext; ext++)
			if (has_ext(path, *ext))
				return loaders[i]->kind;
	}
	return fallback->kind;
}

int ioda_input_kind_parse(const char *s)
{
	for (size_t i = 0; i < NR_LOADERS; i++)
		if (strcmp(s, loaders[i]->name) == 0)
			return (int)loaders[i]->kind;
	return -1;
}

int ioda_load_machine_buf(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			  enum ioda_input_kind kind, struct ioda_machine **out,
			  struct ioda_error *err)
{
	const struct ioda_loader *loader;
	struct ioda_topo *topo = NULL;
	struct ioda_machine *m;
	int rc;

	*out = NULL;
	if (kind == IODA_INPUT_AUTO)
		kind = ioda_input_kind_of(file);
	loader = ioda_loader_for(kind);
	if (!loader) {
		ioda_error_set(err, "%s: input kind %d is not supported by this build (try --as=topo)",
			       file, (int)kind);
		return -EOPNOTSUPP;
	}
	rc = loader->parse(ctx, file, buf, len, &topo, err);
	if (rc)
		return rc;
	if (!topo->phbs) {
		ioda_error_set(err, "%s: describes no PHB", file);
		rc = -EINVAL;
		goto out_topo;
	}
	m = ioda_machine_new(ctx);
	if (!m) {
		ioda_error_set(err, "%s: out of memory", file);
		rc = -ENOMEM;
		goto out_topo;
	}
	rc = ioda_machine_populate(m, topo, err);
	if (rc) {
		ioda_machine_free(m);
		goto out_topo;
	}
	*out = m;
out_topo:
	ioda_topo_free(ctx, topo);
	return rc;
}

int ioda_read_file(struct ioda_ctx *ctx, const char *path, char **bufp, size_t *lenp,
		   struct ioda_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int rc = 0;

	if (!*path) {
		ioda_error_set(err, "ioda: empty file name");
		return -ENOENT;
	}
	f = fopen(path, "rb");
	if (!f) {
		ioda_error_set(err, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		ioda_error_set(err, "%s: is a directory", path);
		rc = -EISDIR;
		goto out;
	}
	for (;;) {
		size_t n;

		if (len > IODA_INPUT_MAX) {
			ioda_error_set(err, "%s: larger than %u MiB", path, IODA_INPUT_MAX >> 20);
			rc = -EFBIG;
			goto out;
		}
		if (cap - len < 4096) {
			char *nb = ioda_realloc(ctx, buf, cap ? 2 * cap : 65536);

			if (!nb) {
				ioda_error_set(err, "%s: out of memory", path);
				rc = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = cap ? 2 * cap : 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		ioda_error_set(err, "%s: read error", path);
		rc = -EIO;
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	ioda_free(ctx, buf);
	fclose(f);
	return rc;
}

int ioda_load_machine(struct ioda_ctx *ctx, const char *path, enum ioda_input_kind kind,
		      struct ioda_machine **out, struct ioda_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = ioda_read_file(ctx, path, &buf, &len, err);
	if (rc)
		return rc;
	rc = ioda_load_machine_buf(ctx, path, buf, len, kind, out, err);
	ioda_free(ctx, buf);
	return rc;
}

int ioda_load_example(struct ioda_ctx *ctx, struct ioda_machine **out, struct ioda_error *err)
{
	return ioda_load_machine_buf(ctx, ioda_example_machine_name,
				     (const char *)ioda_example_machine, ioda_example_machine_size,
				     IODA_INPUT_DT, out, err);
}
