/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads a scenario file whole into its steps, a line at a time: the header
 * (machine, kernel, cmdline, boot), the action steps by their table, the
 * expects and hot add blocks; a malformed file fails before anything runs.
 */
#include <errno.h>
#include <string.h>

#include <ioda/eeh.h>

#include "scenario_priv.h"

static const struct keyword driver_kinds[] = {
	{"recovers", IODA_DRIVER_RECOVERS},
	{"no-handlers", IODA_DRIVER_NO_HANDLERS},
	{"disconnects", IODA_DRIVER_DISCONNECTS},
	{NULL, 0},
};

static const struct keyword eeh_kinds[] = {
	{"freeze", IODA_EEH_FREEZE},	   {"bad-dma", IODA_EEH_BAD_DMA},
	{"mmio-load", IODA_EEH_MMIO_LOAD}, {"dma-load", IODA_EEH_DMA_LOAD},
	{"fence", IODA_EEH_FENCE},	   {NULL, 0},
};

static const struct keyword dma_dirs[] = {
	{"bidirectional", IODA_DMA_BIDIRECTIONAL},
	{"to-device", IODA_DMA_TO_DEVICE},
	{"from-device", IODA_DMA_FROM_DEVICE},
	{NULL, 0},
};

static const struct keyword accesses[] = {
	{"read", 0},
	{"write", 1},
	{NULL, 0},
};

static const struct keyword on_off[] = {
	{"on", 1},
	{"off", 0},
	{NULL, 0},
};

static const struct keyword yes_no[] = {
	{"yes", 1},
	{"no", 0},
	{NULL, 0},
};

static const struct keyword input_kinds[] = {
	{"topo", IODA_INPUT_TOPO},
	{"dt", IODA_INPUT_DT},
	{"log", IODA_INPUT_LOG},
	{NULL, 0},
};

static const struct keyword ops[] = {
	{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE},
	{">", OP_GT},  {">=", OP_GE}, {NULL, 0},
};

/* The errno names "expect error" takes. */
static const struct keyword errnos[] = {
	{"EPERM", EPERM},	    {"ENOENT", ENOENT}, {"EIO", EIO},	    {"ENXIO", ENXIO},
	{"ENOMEM", ENOMEM},	    {"EFAULT", EFAULT}, {"EBUSY", EBUSY},   {"EEXIST", EEXIST},
	{"ENODEV", ENODEV},	    {"EINVAL", EINVAL}, {"ENOSPC", ENOSPC}, {"ERANGE", ERANGE},
	{"EOPNOTSUPP", EOPNOTSUPP}, {"ENOTTY", ENOTTY}, {"ENOMSG", ENOMSG}, {NULL, 0},
};

/* ---- header ---------------------------------------------------------------- */

static int header_once(struct parser *p, unsigned int *line)
{
	if (*line)
		return scenario_fail(p, "duplicate %s (first at line %u)", p->w[0].s, *line);
	if (p->s->boot_line)
		return scenario_fail(p, "%s must come before boot", p->w[0].s);
	*line = p->line;
	return 0;
}

/* PATH relative to the scenario's folder, unless absolute. */
static char *resolve_path(struct ioda_ctx *ctx, const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	size_t dir = slash && path[0] != '/' ? (size_t)(slash - file) + 1 : 0;
	char *out = ioda_zalloc(ctx, dir + strlen(path) + 1);

	if (out) {
		memcpy(out, file, dir);
		strcpy(out + dir, path);
	}
	return out;
}

static int parse_machine(struct parser *p)
{
	int rc = header_once(p, &p->s->machine_line), kind = IODA_INPUT_AUTO;

	if (!rc)
		rc = scenario_need(p, 1, "a path");
	if (!rc && p->n > 2) {
		if (!scenario_word_is(&p->w[2], "as"))
			return scenario_fail(p, "unexpected word '%s'", p->w[2].s);
		rc = scenario_need(p, 3, "an input kind after 'as'");
		if (!rc)
			rc = scenario_parse_keyword(p, &p->w[3], "input kind", input_kinds, &kind);
		if (!rc)
			rc = scenario_check_words(p, 4);
	}
	if (rc)
		return rc;
	p->s->machine_kind = (enum ioda_input_kind)kind;
	p->s->machine = resolve_path(p->ctx, p->s->file, p->w[1].s);
	return p->s->machine ? 0 : scenario_oom(p);
}

static int parse_kernel(struct parser *p)
{
	struct ioda_profile profile;
	struct ioda_error e;
	int rc = header_once(p, &p->s->kernel_line);

	if (!rc)
		rc = scenario_need(p, 1, "a version");
	if (!rc)
		rc = scenario_check_words(p, 2);
	if (rc)
		return rc;
	if (ioda_profile_init(&profile, p->w[1].s, &e))
		return scenario_fail(p, "%s", e.msg);
	p->s->kernel = ioda_strdup(p->ctx, p->w[1].s);
	return p->s->kernel ? 0 : scenario_oom(p);
}

static int parse_cmdline(struct parser *p)
{
	int rc = header_once(p, &p->s->cmdline_line);

	if (!rc)
		rc = scenario_need(p, 1, "a double-quoted string");
	if (!rc && !p->w[1].quoted)
		rc = scenario_fail(p, "cmdline needs a double-quoted string");
	if (!rc)
		rc = scenario_check_words(p, 2);
	if (rc)
		return rc;
	p->s->cmdline = ioda_strdup(p->ctx, p->w[1].s);
	return p->s->cmdline ? 0 : scenario_oom(p);
}

static int parse_boot(struct parser *p)
{
	int rc;

	if (p->s->boot_line)
		return scenario_fail(p, "duplicate boot (first at line %u)", p->s->boot_line);
	if (!p->s->machine_line)
		return scenario_fail(p, "boot needs a machine line before it");
	rc = scenario_check_words(p, 1);
	if (rc)
		return rc;
	p->s->boot_line = p->line;
	return scenario_add_step(p, STEP_BOOT) ? 0 : scenario_oom(p);
}

/* ---- steps ------------------------------------------------------------------- */

static const struct stmt stmts[] = {
	{.w0 = "hot", .w1 = "add", .kind = STEP_HOT_ADD, .args = "B"},
	{.w0 = "hot", .w1 = "remove", .kind = STEP_HOT_REMOVE, .args = "D"},
	{.w0 = "driver",
	 .w1 = "bind",
	 .kind = STEP_DRIVER_BIND,
	 .args = "Dw[K",
	 .kw = driver_kinds,
	 .kw_what = "driver kind"},
	{.w0 = "driver", .w1 = "unbind", .kind = STEP_DRIVER_UNBIND, .args = "D"},
	{.w0 = "enable", .kind = STEP_ENABLE, .args = "D"},
	{.w0 = "eeh",
	 .w1 = "inject",
	 .kind = STEP_EEH_INJECT,
	 .args = "EK",
	 .kw = eeh_kinds,
	 .kw_what = "eeh error"},
	{.w0 = "eeh", .w1 = "max-freezes", .kind = STEP_EEH_MAX_FREEZES, .args = "N"},
	{.w0 = "eeh", .w1 = "recover", .kind = STEP_EEH_RECOVER, .args = "P"},
	{.w0 = "opal", .w1 = "fail", .kind = STEP_OPAL_FAIL, .args = "ON"},
	{.w0 = "advance", .kind = STEP_ADVANCE, .args = "T"},
	{.w0 = "sriov", .w1 = "enable", .kind = STEP_SRIOV_ENABLE, .args = "DN"},
	{.w0 = "sriov", .w1 = "disable", .kind = STEP_SRIOV_DISABLE, .args = "D"},
	{.w0 = "take", .kind = STEP_TAKE, .args = "nD"},
	{.w0 = "npu", .w1 = "gpu", .kind = STEP_NPU_GPU, .args = "nD"},
	{.w0 = "drop", .kind = STEP_DROP, .args = "h"},
	{.w0 = "use", .kind = STEP_USE, .args = "r"},
	{.w0 = "dma",
	 .w1 = "map",
	 .kind = STEP_DMA_MAP,
	 .args = "mDN[K",
	 .kw = dma_dirs,
	 .kw_what = "dma direction"},
	{.w0 = "dma", .w1 = "unmap", .kind = STEP_DMA_UNMAP, .args = "u"},
	{.w0 = "dma",
	 .w1 = "from",
	 .kind = STEP_DMA_FROM,
	 .args = "DA[K",
	 .kw = accesses,
	 .kw_what = "access"},
	{.w0 = "dump", .kind = STEP_DUMP, .args = "d"},
	{.w0 = "show", .kind = STEP_SHOW, .args = ""},
	{.w0 = "modprobe", .w1 = "pnv_php", .kind = STEP_PHP_LOAD, .args = ""},
	{.w0 = "slot",
	 .w1 = "power",
	 .kind = STEP_SLOT_POWER,
	 .args = "SK",
	 .kw = on_off,
	 .kw_what = "power state"},
	{.w0 = "slot",
	 .w1 = "attention",
	 .kind = STEP_SLOT_ATTENTION,
	 .args = "SK",
	 .kw = on_off,
	 .kw_what = "attention state"},
	{.w0 = "slot", .w1 = "pull", .kind = STEP_SLOT_PULL, .args = "S"},
	{.w0 = "slot", .w1 = "insert", .kind = STEP_SLOT_INSERT, .args = "S"},
	{.w0 = "slot", .w1 = "reset", .kind = STEP_SLOT_RESET, .args = "S"},
};

static int parse_step(struct parser *p, const struct stmt *sm)
{
	unsigned int first = sm->w1 ? 2 : 1, i = first;
	bool optional = false, opens = false;
	struct step *st;
	int rc;

	if (!p->s->boot_line)
		return scenario_fail(p, "%s must come after boot", p->w[0].s);
	p->nkw = first;
	/* Steps with a block of topology text: the devices added, or the card. */
	if (sm->kind == STEP_HOT_ADD || sm->kind == STEP_SLOT_INSERT) {
		if (p->n < 2 || !scenario_word_is(&p->w[p->n - 1], "{"))
			return scenario_fail(p, "%s %s needs '{' at the end of its line", sm->w0,
					     sm->w1);
		p->n--;
		opens = true;
	}
	st = scenario_add_step(p, sm->kind);
	if (!st)
		return scenario_oom(p);
	if (sm->kw)
		st->arg = sm->kw[0].value;
	for (const char *a = sm->args; *a; a++) {
		if (*a == '[') {
			optional = true;
			continue;
		}
		if (i >= p->n && optional)
			break;
		rc = scenario_need(p, i, scenario_arg_name(*a));
		if (!rc)
			rc = scenario_parse_arg(p, sm, *a, &p->w[i++], st);
		if (rc)
			return rc;
	}
	rc = scenario_check_words(p, i);
	if (rc)
		return rc;
	if (opens) {
		p->block_step = (int)(st - p->s->steps);
		p->block_depth = 1;
		p->body_line = p->line + 1;
		p->body = p->line_start + p->line_len + 1;
	}
	return 0;
}

/* ---- expect ---------------------------------------------------------------- */

struct expect_spec {
	const char *name;
	enum expect_kind kind;
	/* Words after the name: c (compare), y (yes|no), o (optional yes|no), s (string). */
	const char *form;
	bool none; /* the value may be none */
};

static const struct expect_spec expects[] = {
	{.name = "pe", .kind = EX_PE, .form = "Dc", .none = true},
	{.name = "group", .kind = EX_GROUP, .form = "Dc", .none = true},
	{.name = "refs", .kind = EX_REFS, .form = "Dc"},
	{.name = "holders", .kind = EX_HOLDERS, .form = "Dc"},
	{.name = "freezes", .kind = EX_FREEZES, .form = "Dc"},
	{.name = "frozen", .kind = EX_FROZEN, .form = "Dy"},
	{.name = "exists", .kind = EX_EXISTS, .form = "Dy"},
	{.name = "released", .kind = EX_RELEASED, .form = "ro"},
	{.name = "line", .kind = EX_LINE, .form = "s"},
	{.name = "count", .kind = EX_COUNT, .form = "dPc"},
	{.name = "error", .kind = EX_ERROR, .form = "e"},
	{.name = "audit", .kind = EX_AUDIT, .form = "s"},
	{.name = "powered", .kind = EX_SLOT_POWERED, .form = "Sy"},
	{.name = "present", .kind = EX_SLOT_PRESENT, .form = "Sy"},
	{.name = "populated", .kind = EX_SLOT_POPULATED, .form = "Sy"},
	{.name = "attention", .kind = EX_SLOT_ATTENTION, .form = "Sy"},
	{.name = "slot-devices", .kind = EX_SLOT_DEVICES, .form = "Sc"},
	{.name = "slots", .kind = EX_SLOTS, .form = "c"},
};

/* @prefix then @s, from the context's allocator. */
static char *prefixed(struct ioda_ctx *ctx, const char *prefix, const char *s)
{
	size_t n = strlen(prefix) + strlen(s) + 1;
	char *t = ioda_alloc(ctx, n);

	if (t)
		snprintf(t, n, "%s%s", prefix, s);
	return t;
}

/* OP N, or none (alone or after == / !=) where the value may be none. */
static int parse_compare(struct parser *p, const struct expect_spec *sp, unsigned int *i,
			 struct step *st)
{
	int op = OP_EQ, rc;
	uint64_t v;

	if (*i < p->n && sp->none && scenario_word_is(&p->w[*i], "none")) {
		(*i)++;
		st->op = OP_EQ;
		st->want = VAL_NONE;
		return 0;
	}
	rc = scenario_need(p, *i, "a comparison");
	if (!rc)
		rc = scenario_parse_keyword(p, &p->w[*i], "operator", ops, &op);
	if (!rc)
		rc = scenario_need(p, ++*i, "a number");
	if (rc)
		return rc;
	st->op = (enum op)op;
	if (sp->none && scenario_word_is(&p->w[*i], "none")) {
		if (op != OP_EQ && op != OP_NE)
			return scenario_fail(p, "none compares with == or != only");
		st->want = VAL_NONE;
	} else {
		rc = sp->kind == EX_PE ? scenario_parse_pe_number(p, &p->w[*i], INT64_MAX, &v)
				       : scenario_parse_number(p, &p->w[*i], INT64_MAX, &v);
		if (rc)
			return rc;
		st->want = (int64_t)v;
	}
	(*i)++;
	return 0;
}

static int parse_expect_word(struct parser *p, const struct expect_spec *sp, char f,
			     unsigned int *i, struct step *st)
{
	const struct word *w = &p->w[*i];
	int v = 1, rc;

	switch (f) {
	case 'c':
		return parse_compare(p, sp, i, st);
	case 'o':
		if (*i >= p->n) {
			st->want = 1;
			return 0;
		}
		/* fall through */
	case 'y':
		rc = scenario_need(p, *i, "yes or no");
		if (!rc)
			rc = scenario_parse_keyword(p, w, "answer", yes_no, &v);
		st->want = v;
		break;
	case 's':
		rc = scenario_need(p, *i, "a double-quoted line");
		if (!rc && !w->quoted)
			rc = scenario_fail(p, "expect %s needs a double-quoted line", sp->name);
		if (!rc) {
			/* A finding is the line the audit prints. */
			st->text = sp->kind == EX_AUDIT ? prefixed(p->ctx, "audit: ", w->s)
							: ioda_strdup(p->ctx, w->s);
			rc = st->text ? 0 : scenario_oom(p);
		}
		break;
	case 'e':
		if (*i >= p->n)
			return 0;
		rc = scenario_parse_keyword(p, w, "error", errnos, &v);
		st->want = v;
		break;
	case 'P':
		rc = scenario_need(p, *i, "'PEs'");
		if (!rc && !scenario_word_is(w, "PEs"))
			rc = scenario_fail(p, "expected 'PEs' after the domain, not '%s'", w->s);
		break;
	default: /* 'D', 'r', 'd', 'S' */
		rc = scenario_need(p, *i, scenario_arg_name(f));
		if (!rc)
			rc = scenario_parse_arg(p, NULL, f, w, st);
		break;
	}
	(*i)++;
	return rc;
}

static int parse_expect(struct parser *p)
{
	const struct expect_spec *sp = NULL;
	unsigned int i = 2;
	struct step *st;
	bool no = false;
	int rc;

	if (!p->s->boot_line)
		return scenario_fail(p, "expect must come after boot");
	rc = scenario_need(p, 1, "what to check");
	p->nkw = 2;
	if (rc)
		return rc;
	if (scenario_word_is(&p->w[1], "no") && p->n > 2 && scenario_word_is(&p->w[2], "line")) {
		no = true;
		i = 3;
		p->nkw = 3;
	}
	for (size_t k = 0; k < sizeof(expects) / sizeof(expects[0]) && !sp; k++)
		if (scenario_word_is(&p->w[i - 1], expects[k].name))
			sp = &expects[k];
	if (!sp || (no && sp->kind != EX_LINE))
		return scenario_fail(p, "unknown expect '%s'", p->w[1].s);
	if (sp->kind == EX_ERROR && (p->s->steps[p->s->nsteps - 1].kind == STEP_EXPECT ||
				     p->s->steps[p->s->nsteps - 1].kind == STEP_BOOT))
		return scenario_fail(p, "expect error must follow the step it checks");
	if (sp->kind == EX_AUDIT && p->s->steps[p->s->nsteps - 1].kind == STEP_BOOT)
		return scenario_fail(p, "expect audit must follow the step it checks");
	st = scenario_add_step(p, STEP_EXPECT);
	if (!st)
		return scenario_oom(p);
	st->arg = no ? EX_NO_LINE : (int)sp->kind;
	for (const char *f = sp->form; *f; f++) {
		rc = parse_expect_word(p, sp, *f, &i, st);
		if (rc)
			return rc;
	}
	return scenario_check_words(p, i);
}

/* "unknown statement", or for a known first word what may follow it. */
static int unknown_statement(struct parser *p)
{
	const char *second[sizeof(stmts) / sizeof(stmts[0])];
	char expected[128] = "";
	size_t len = 0, n = 0;

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
		if (scenario_word_is(&p->w[0], stmts[i].w0))
			second[n++] = stmts[i].w1;
	if (!n)
		return scenario_fail(p, "unknown statement '%s'", p->w[0].s);
	for (size_t i = 0; i < n; i++)
		scenario_join(expected, sizeof(expected), &len, second[i], i, n);
	if (p->n < 2)
		return scenario_fail(p, "%s needs %s", p->w[0].s, expected);
	return scenario_fail(p, "unknown %s step '%s' (expected %s)", p->w[0].s, p->w[1].s,
			     expected);
}

/* ---- lines ---------------------------------------------------------------------- */

static const char *step_name(const struct step *st)
{
	return st->kind == STEP_SLOT_INSERT ? "slot insert" : "hot add";
}

/* Inside a hot add block: the topology parser reads the body when it closes. */
static int block_line(struct parser *p)
{
	struct step *st = &p->s->steps[p->block_step];
	int rc;

	if (p->n == 1 && scenario_word_is(&p->w[0], "}"))
		p->block_depth--;
	else if (p->n && scenario_word_is(&p->w[p->n - 1], "{"))
		p->block_depth++;
	if (p->block_depth)
		return 0;
	if (p->line == p->body_line)
		return scenario_fail(p, "%s needs at least one device", step_name(st));
	rc = ioda_topo_parse_nodes(p->ctx, p->s->file, p->body, (size_t)(p->line_start - p->body),
				   p->body_line, st->t.form == T_BUS && st->t.bus == 0, &st->nodes,
				   p->err);
	if (!rc && !st->nodes)
		rc = scenario_fail(p, "%s needs at least one device", step_name(st));
	return rc;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	int rc;

	p->line_start = s;
	p->line_len = len;
	rc = scenario_tokenize(p, s, len);
	if (rc)
		return rc;
	if (p->block_depth)
		return block_line(p);
	if (!p->n)
		return 0;
	p->nkw = 1;
	if (scenario_word_is(&p->w[0], "machine"))
		return parse_machine(p);
	if (scenario_word_is(&p->w[0], "kernel"))
		return parse_kernel(p);
	if (scenario_word_is(&p->w[0], "cmdline"))
		return parse_cmdline(p);
	if (scenario_word_is(&p->w[0], "boot"))
		return parse_boot(p);
	if (scenario_word_is(&p->w[0], "expect"))
		return parse_expect(p);
	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		const struct stmt *sm = &stmts[i];

		if (scenario_word_is(&p->w[0], sm->w0) &&
		    (!sm->w1 || (p->n > 1 && scenario_word_is(&p->w[1], sm->w1))))
			return parse_step(p, sm);
	}
	return unknown_statement(p);
}

void ioda_scenario_free(struct ioda_scenario *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->nsteps; i++) {
		ioda_free(s->ctx, s->steps[i].src);
		ioda_free(s->ctx, s->steps[i].text);
		ioda_topo_nodes_free(s->ctx, s->steps[i].nodes);
	}
	for (unsigned int i = 0; i < s->nnames; i++) {
		ioda_free(s->ctx, s->names[i].name);
		ioda_free(s->ctx, s->names[i].holder);
	}
	ioda_free(s->ctx, s->steps);
	ioda_free(s->ctx, s->names);
	ioda_free(s->ctx, s->machine);
	ioda_free(s->ctx, s->kernel);
	ioda_free(s->ctx, s->cmdline);
	ioda_free(s->ctx, s->file);
	ioda_free(s->ctx, s);
}

int ioda_scenario_parse(struct ioda_ctx *ctx, const char *file, const char *buf, size_t len,
			struct ioda_scenario **out, struct ioda_error *err)
{
	struct parser *p = ioda_zalloc(ctx, sizeof(*p));
	size_t off = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (!p) {
		ioda_error_set(err, "%s: out of memory", file);
		return -ENOMEM;
	}
	p->ctx = ctx;
	p->err = err;
	p->s = ioda_zalloc(ctx, sizeof(*p->s));
	if (p->s) {
		p->s->ctx = ctx;
		p->s->file = ioda_strdup(ctx, file);
	}
	if (!p->s || !p->s->file) {
		ioda_error_set(err, "%s: out of memory", file);
		goto out;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t line_len = nl ? (size_t)(nl - (buf + off)) : len - off;

		p->line++;
		rc = parse_line(p, buf + off, line_len);
		if (rc)
			goto out;
		off += line_len + 1;
	}
	p->line++;
	if (p->block_depth)
		rc = scenario_fail(p, "missing '}' for hot add opened at line %u",
				   p->body_line - 1);
	else if (!p->s->boot_line)
		rc = scenario_fail(p, "no boot step");
	else
		rc = 0;
out:
	if (rc)
		ioda_scenario_free(p->s);
	else
		*out = p->s;
	ioda_free(ctx, p);
	return rc;
}

int ioda_scenario_load(struct ioda_ctx *ctx, const char *path, struct ioda_scenario **out,
		       struct ioda_error *err)
{
	char *buf;
	size_t len;
	int rc = ioda_read_file(ctx, path, &buf, &len, err);

	*out = NULL;
	if (rc)
		return rc;
	rc = ioda_scenario_parse(ctx, path, buf, len, out, err);
	ioda_free(ctx, buf);
	return rc;
}
