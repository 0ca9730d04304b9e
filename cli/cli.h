/* cli.h - what every subcommand shares: the run context, the command table entry, output helpers */
#ifndef FU_CLI_H
#define FU_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fu.h"
#include "store.h"

/* One invocation: global options and the error context. Owned by main(). */
struct cli {
	const char *db_path; /* --db, $FOLLOWUP_DB, or followup.db */
	int64_t now;         /* --now, $FOLLOWUP_NOW, or the system clock (UTC seconds) */
	FILE *out;
	struct fu_ctx ctx;
};

/* A subcommand: name, one-line summary, usage line, longer help, and its function. */
struct cmd {
	const char *name;
	const char *summary;
	const char *usage;
	const char *help;
	/* argv[0] is the command name. Returns an fu_rc; the message is on cli->ctx. */
	int (*run)(struct cli *cli, int argc, char **argv);
};

extern const struct cmd cmd_init, cmd_demo, cmd_import, cmd_contacts, cmd_show, cmd_event,
	cmd_agenda, cmd_done, cmd_snooze, cmd_playbook, cmd_report,
	cmd_status, cmd_rebuild, cmd_version, cmd_help;
extern const struct cmd cmd_model, cmd_lapsed;

/* The command table (NULL-terminated), defined in main.c; drives dispatch and help. */
extern const struct cmd *const commands[];
const struct cmd *cli_find(const char *name);
void cli_print_help(FILE *f, const struct cmd *c);

/* Opens the database (must exist unless create). */
int cli_open(struct cli *cli, int create, struct store **s);

/*
 * Flag parsing: at argv[*i], if it is `name` (or `name=value`), takes its value (from
 * the same word or the next) into *value and advances *i. Returns 1 if matched, 0 if
 * not, -1 (with the message on ctx) if the value is missing.
 */
int cli_flag_value(struct cli *cli, int argc, char **argv, int *i, const char *name,
		   const char **value);
/* 1 if argv[*i] is the boolean flag `name`. */
int cli_flag(char **argv, int i, const char *name);
/* The usage error for an unknown flag or extra argument. */
int cli_usage_error(struct cli *cli, const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 1 if argv[*i] is -h/--help (and prints the help). */
int cli_help_flag(struct cli *cli, const struct cmd *c, const char *arg);

/* Prints s with control characters replaced by '?', so stored text cannot drive the terminal. */
void cli_put_safe(FILE *f, const char *s);
/* As cli_put_safe, but keeps line breaks, starting each new line with indent. */
void cli_put_text(FILE *f, const char *s, const char *indent);
/* Prints a JSON value (steals the reference) followed by a newline. */
int cli_put_json(struct cli *cli, json_t *v);
/* json helpers that give JSON null for absent values. */
json_t *cli_json_str(const char *s);
json_t *cli_json_time(int64_t t);
json_t *cli_json_money(int64_t cents);

/* Formats t as "2026-03-05 14:22" UTC or "-" for FU_TIME_NONE. */
void cli_fmt_time(int64_t t, char *out, size_t n);



/* Derived state (and the stage at now) as a JSON object; NULL on out-of-memory. */
json_t *cli_json_state(const struct contact_state *st, int64_t now);
/* A contact's profile as a JSON object; NULL on out-of-memory. */
json_t *cli_json_contact(const struct contact *c);

struct followup;
/* A follow-up as the agenda's JSON object; NULL on out-of-memory. */
json_t *cli_followup_json(const struct followup *f);
/* Prints a follow-up as the agenda shows it, numbered n. */
void cli_followup_print(struct cli *cli, const struct followup *f, int n);

#endif
