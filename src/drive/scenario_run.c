/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runner: loads and boots the machine, takes the steps in turn,
 * captures the log (printed as it comes, kept for the expects), counts the
 * findings and lets go of what the scenario still holds at its end; and
 * the JSON form of a run.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <ioda/eeh.h>

#include "view/json_priv.h"
#include "scenario_priv.h"

void __attribute__((format(printf, 2, 3))) scenario_diag(struct run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->o->diag, "%s:%u: ", r->s->file, r->step->line);
	va_start(ap, fmt);
	vfprintf(r->o->diag, fmt, ap);
	va_end(ap);
	fputc('\n', r->o->diag);
}

/* Prints a line of the log and keeps it for expect line. */
static void log_line(struct run *r, const char *line)
{
	size_t n = strlen(line) + 1;

	if (!r->hold)
		fprintf(r->o->out, "%s\n", line);
	if (r->len + n > r->cap) {
		size_t cap = 2 * (r->len + n);
		char *b = ioda_realloc(r->s->ctx, r->lines, cap);

		if (!b) {
			r->oom = true;
			return;
		}
		r->lines = b;
		r->cap = cap;
	}
	memcpy(r->lines + r->len, line, n);
	r->len += n;
}

void __attribute__((format(printf, 2, 3))) scenario_note(struct run *r, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(r, line);
}

static void on_event(void *arg, const struct ioda_event *ev)
{
	char line[512];

	ioda_event_format(ev, line, sizeof(line));
	log_line(arg, line);
}

/* Tracker reports join the log; leaks are counted at teardown instead. */
static void on_report(void *arg, enum ioda_report_kind kind, const char *line)
{
	struct run *r = arg;

	fprintf(r->o->diag, "%s\n", line);
	if (r->step)
		log_line(r, line);
	if (kind != IODA_REPORT_LEAK && !(kind == IODA_REPORT_USE_AFTER_RELEASE && r->in_use))
		r->failures++;
}

void scenario_on_violation(void *arg, const char *violation)
{
	struct run *r = arg;

	scenario_diag(r, "%s", violation); /* it says "audit: " */
	r->failures++;
}

void scenario_log_violation(void *arg, const char *violation)
{
	log_line(arg, violation);
}

static int boot(struct run *r, const struct step *st, struct ioda_error *err)
{
	const struct ioda_scenario *s = r->s;
	struct ioda_boot_opts bo = {
		.kernel = r->o->kernel ? r->o->kernel : s->kernel,
		.cmdline = s->cmdline,
		.refcount = r->o->refcount,
	};
	struct ioda_error e = {""};
	int rc;

	r->len = 0;
	r->matched = 0;
	if (r->o->load_machine)
		rc = r->o->load_machine(r->o->load_arg, s->ctx, s->machine, s->machine_kind, &r->m,
					&e);
	else
		rc = ioda_load_machine(s->ctx, s->machine, s->machine_kind, &r->m, &e);
	if (rc) {
		ioda_error_set(err, "%s:%u: %s", s->file, s->machine_line, e.msg);
		return rc;
	}
	/* A machine refused part-way prints nothing of the PHBs before. */
	r->hold = true;
	rc = ioda_kernel_boot(r->m, &bo, on_event, r, &r->k, &e);
	r->hold = false;
	for (size_t at = 0; !rc && at < r->len; at += strlen(r->lines + at) + 1)
		fprintf(r->o->out, "%s\n", r->lines + at);
	if (rc) {
		ioda_machine_free(r->m);
		r->m = NULL;
		ioda_error_set(err, "%s:%u: %s", s->file, st->line, e.msg);
		return rc;
	}
	ioda_eeh_poll(r->k);
	if (r->o->audit)
		ioda_audit(r->k, scenario_on_violation, r);
	return 0;
}

/* What the scenario still holds at its end is its own leak: say so, then let go. */
static void release_names(struct run *r)
{
	const struct ioda_scenario *s = r->s;

	for (unsigned int i = 0; i < s->nnames; i++) {
		struct live_name *ln = &r->names[i];

		if (!ln->held)
			continue;
		if (!r->o->tolerant) {
			fprintf(r->o->diag, "%s: '%s' is still %s at the end\n", s->file,
				s->names[i].name, s->names[i].map ? "mapped" : "held");
			r->failures++;
		}
		if (s->names[i].map)
			ioda_dma_unmap(r->k, ln->dev, ln->bus_addr);
		pci_dev_put(ln->dev, s->names[i].holder);
	}
}

int ioda_scenario_run(const struct ioda_scenario *s, const struct ioda_scenario_opts *opts,
		      struct ioda_error *err)
{
	struct run r = {.s = s, .o = opts};
	int rc = 0;

	r.names = ioda_calloc(s->ctx, s->nnames + 1, sizeof(*r.names));
	if (!r.names) {
		ioda_error_set(err, "%s: out of memory", s->file);
		return -ENOMEM;
	}
	ioda_ctx_set_report(s->ctx, on_report, &r);
	for (unsigned int i = 0; i < s->nsteps && !rc; i++) {
		const struct step *st = &s->steps[i];

		r.step = st;
		if (st->kind == STEP_BOOT)
			rc = boot(&r, st, err);
		else if (st->kind == STEP_EXPECT)
			scenario_run_expect(&r, st);
		else
			scenario_run_action(&r, st);
		if (!rc && r.oom) {
			ioda_error_set(err, "%s:%u: out of memory", s->file, st->line);
			rc = -ENOMEM;
		}
	}
	r.step = NULL;
	scenario_check_exact(&r);
	if (r.k) {
		release_names(&r);
		ioda_kernel_free(r.k);
	}
	if (r.m && ioda_machine_free(r.m))
		r.failures++;
	ioda_ctx_set_report(s->ctx, NULL, NULL);
	ioda_free(s->ctx, r.lines);
	ioda_free(s->ctx, r.names);
	if (rc)
		return rc;
	return r.failures ? 1 : 0;
}

/*
 * A finding as an object: "FILE:LINE: message" (the scenario's expectations)
 * gives the source and the line; "tool: message" (the tracker's, the
 * audit's) the source alone.
 */
static json_object *finding_json(const char *s, size_t len)
{
	json_object *o = json_object_new_object();
	const char *c = memchr(s, ':', len), *msg = s;
	unsigned int line = 0;
	int n = 0;

	if (c && sscanf(c, ":%u: %n", &line, &n) == 1 && n)
		msg = c + n;
	else if (c && c + 1 < s + len && c[1] == ' ')
		msg = c + 2;
	else
		c = NULL;
	if (!o || !ioda_json_add_or_null(o, "source", json_object_new_string_len(s, c ? (int)(c - s) : 0), !c) ||
	    !ioda_json_add_or_null(o, "line", json_object_new_int((int32_t)line), !line) ||
	    !ioda_json_add(o, "message", json_object_new_string_len(msg, (int)(s + len - msg)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *findings_json(const char *diag)
{
	json_object *a = json_object_new_array();

	for (const char *s = diag; a && s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (len && !ioda_json_push(a, finding_json(s, len))) {
			json_object_put(a);
			return NULL;
		}
		s = nl ? nl + 1 : NULL;
	}
	return a;
}

int ioda_scenario_json(const char *file, int status, const char *log, const char *diag,
		       FILE *out)
{
	json_object *o = ioda_json_doc("ioda-run/1");

	if (!o || !ioda_json_add(o, "scenario", json_object_new_string(file)) ||
	    !ioda_json_add(o, "status", json_object_new_int(status)) ||
	    !ioda_json_add(o, "log", ioda_json_lines(log)) ||
	    !ioda_json_add(o, "findings", findings_json(diag))) {
		json_object_put(o);
		return -ENOMEM;
	}
	return ioda_json_write(o, out);
}
