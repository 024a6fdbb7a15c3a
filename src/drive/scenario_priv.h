/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared inside the scenario files (src/drive/scenario_*.c) only.
 *
 * Scenarios (docs/scenarios.md): parsed whole into an array of steps, so
 * that a malformed file fails before anything runs, then run against a
 * booted machine.  Each step's log lines are printed as they come and kept
 * until the next step, for "expect line".  Words that name a device are
 * resolved at run time: a device may come and go between two steps.
 */
#ifndef IODA_SCENARIO_PRIV_H
#define IODA_SCENARIO_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <ioda/ioda.h>
#include <ioda/load.h>

#define MAX_WORDS 16
#define MAX_LINE 4096
/* The holder of the references the runner takes only for the length of a step. */
#define HOLDER "scenario"

enum step_kind {
	STEP_BOOT,
	STEP_HOT_ADD,
	STEP_HOT_REMOVE,
	STEP_DRIVER_BIND,
	STEP_DRIVER_UNBIND,
	STEP_ENABLE,
	STEP_EEH_INJECT,
	STEP_EEH_MAX_FREEZES,
	STEP_EEH_RECOVER,
	STEP_OPAL_FAIL,
	STEP_ADVANCE,
	STEP_SRIOV_ENABLE,
	STEP_SRIOV_DISABLE,
	STEP_TAKE,
	STEP_NPU_GPU,
	STEP_DROP,
	STEP_USE,
	STEP_DMA_MAP,
	STEP_DMA_UNMAP,
	STEP_DMA_FROM,
	STEP_DUMP,
	STEP_SHOW,
	STEP_PHP_LOAD,
	STEP_SLOT_POWER,
	STEP_SLOT_ATTENTION,
	STEP_SLOT_PULL,
	STEP_SLOT_INSERT,
	STEP_SLOT_RESET,
	STEP_EXPECT,
};

enum expect_kind {
	EX_PE,
	EX_GROUP,
	EX_REFS,
	EX_HOLDERS,
	EX_FREEZES,
	EX_FROZEN,
	EX_EXISTS,
	EX_RELEASED,
	EX_LINE,
	EX_NO_LINE,
	EX_COUNT,
	EX_ERROR,
	EX_AUDIT,
	EX_SLOT_POWERED,
	EX_SLOT_PRESENT,
	EX_SLOT_POPULATED,
	EX_SLOT_ATTENTION,
	EX_SLOT_DEVICES,
	EX_SLOTS,
};

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

/* "none" for a PE or a group. */
#define VAL_NONE (-1)

/* What a step acts on, as written; resolved at run time. */
enum target_form {
	T_NONE,
	T_BDF,	 /* DDDD:BB:DD.F */
	T_LABEL, /* a label of the machine's description */
	T_NAME,	 /* a name a take step made */
	T_BUS,	 /* DDDD:BB (hot add) */
	T_PE,	 /* DDDD:PE (eeh) */
};

struct target {
	enum target_form form;
	int domain;
	unsigned int bus, pe;
	uint8_t devfn;
	int name;
	char word[48]; /* as written, for messages and label lookups */
};

struct step {
	enum step_kind kind;
	unsigned int line;
	char *src; /* the line as written, for messages */
	struct target t;
	int name; /* take, drop, use, dma map/unmap, dma from NAME; -1 none */
	uint64_t num;
	int arg; /* driver kind, eeh kind, dma direction, write, expect kind */
	enum op op;
	int64_t want;
	char *text;		      /* driver name, expected line */
	struct ioda_topo_node *nodes; /* hot add */
};

/* A name made by take or dma map. */
struct sname {
	char *name;
	char *holder;	   /* "scenario NAME" */
	bool map;	   /* made by dma map */
	unsigned int held; /* while parsing: the line that holds it now, 0 none */
};

struct ioda_scenario {
	struct ioda_ctx *ctx;
	char *file;
	char *machine; /* resolved against the file's folder */
	enum ioda_input_kind machine_kind;
	char *kernel, *cmdline;
	unsigned int machine_line, kernel_line, cmdline_line, boot_line;
	struct step *steps;
	unsigned int nsteps, cap;
	struct sname *names;
	unsigned int nnames, names_cap;
};

/* ---- parsing ------------------------------------------------------------- */

struct word {
	const char *s; /* NUL-terminated, in the parser's scratch */
	bool quoted;
};

struct parser {
	struct ioda_ctx *ctx;
	struct ioda_scenario *s;
	struct ioda_error *err;
	unsigned int line;
	const char *line_start;
	size_t line_len;
	struct word w[MAX_WORDS];
	unsigned int n;
	unsigned int nkw;	   /* words that name the statement ("driver bind": 2) */
	size_t src_start, src_end; /* of the words in the line */
	char scratch[MAX_LINE + MAX_WORDS + 1];
	/* A hot add block being read: its step, depth and body. */
	int block_step;
	unsigned int block_depth, body_line;
	const char *body;
};

struct keyword {
	const char *name;
	int value;
};

/*
 * What follows a step's keywords, one letter a word:
 *   D device     B hot add target (bus or device)     E eeh target (device or PE)
 *   P DDDD:PE    N number     T duration    d domain  w a driver name
 *   n new take name     h held take name     r taken name
 *   m new dma map name  u mapped name        A bus address or mapped name
 *   [ the rest is optional: the step's keyword table, default its first entry
 *   K a word of the step's keyword table     S a hotplug slot's name
 */
struct stmt {
	const char *w0, *w1;
	enum step_kind kind;
	const char *args;
	const struct keyword *kw;
	const char *kw_what;
};

/* ---- scenario_words.c ---- */
int scenario_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int scenario_oom(struct parser *p);
bool scenario_word_is(const struct word *w, const char *s);
int scenario_tokenize(struct parser *p, const char *s, size_t len);
struct step *scenario_add_step(struct parser *p, enum step_kind kind);
int scenario_parse_number(struct parser *p, const struct word *w, uint64_t max, uint64_t *out);
/* A PE number: hex, 0x optional (PE#fd is "fd"). */
int scenario_parse_pe_number(struct parser *p, const struct word *w, uint64_t max, uint64_t *out);
int scenario_parse_keyword(struct parser *p, const struct word *w, const char *what,
			   const struct keyword *kw, int *out);
void scenario_join(char *buf, size_t size, size_t *len, const char *item, size_t i, size_t n);
int scenario_check_words(struct parser *p, unsigned int n);
int scenario_need(struct parser *p, unsigned int i, const char *what);
/* What an argument letter stands for, in "needs ..." messages. */
const char *scenario_arg_name(char a);
/* Word @w as argument letter @a of @st (@sm: the statement, for 'K'). */
int scenario_parse_arg(struct parser *p, const struct stmt *sm, char a, const struct word *w,
		       struct step *st);

/* ---- running ------------------------------------------------------------------ */

/* A name's state during a run. */
struct live_name {
	struct pci_dev *dev; /* take: kept after the drop, for use and released */
	bool held;
	bool borrowed;     /* npu gpu under the old rules: a pointer, no reference */
	uint64_t bus_addr; /* dma map */
};

struct run {
	const struct ioda_scenario *s;
	const struct ioda_scenario_opts *o;
	struct ioda_machine *m;
	struct ioda_kernel *k;
	struct live_name *names;
	const struct step *step;   /* running now */
	const struct step *action; /* the last action step, whose lines these are */
	char *lines;		 /* the last step's lines, each NUL-terminated */
	size_t len, cap;
	size_t matched; /* past the line the last expect line matched */
	bool oom;
	bool in_use; /* a use step: its report is its result */
	bool hold;   /* the boot step: lines kept, printed once the boot succeeds */
	unsigned int failures;
	int last_rc;
};

/* ---- scenario_run.c ---- */
void scenario_diag(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scenario_note(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scenario_on_violation(void *arg, const char *violation);
/* An audit finding an expect audit may claim: a line of the step's log. */
void scenario_log_violation(void *arg, const char *violation);

/* ---- scenario_steps.c ---- */
struct pci_dev *scenario_get_dev(struct run *r, const struct target *t);
void scenario_run_action(struct run *r, const struct step *st);

/* ---- scenario_expect.c ---- */
void scenario_check_exact(struct run *r);
void scenario_run_expect(struct run *r, const struct step *st);

#endif
