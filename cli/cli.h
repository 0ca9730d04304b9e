/* cli.h - what every subcommand shares: the run context, the command entry, flags, output helpers */
#ifndef FU_CLI_H
#define FU_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "fu.h"
#include "sendconf.h"
#include "store.h"

/* One invocation: global options and the error context. Owned by main(). */
struct cli {
	const char *db_path; /* --db, $FOLLOWUP_DB, or followup.db */
	int64_t now;         /* --now, $FOLLOWUP_NOW, or the system clock (UTC seconds) */
	int now_fixed;       /* now came from --now or $FOLLOWUP_NOW */
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

/* Prints c's usage and help to f. */
void cli_print_help(FILE *f, const struct cmd *c);

/* Opens the database (must exist unless create). */
int cli_open(struct cli *cli, int create, struct store **s);

/*
 * Loads the send settings (sendconf.h) into *conf (sendconf_init()ed here; the caller
 * releases it): path, else $FOLLOWUP_SEND_CONFIG, else ~/.config/followup/send.conf when
 * it exists; the environment overrides them key by key. Defined in cmd-send.c.
 */
int cli_sendconf(struct cli *cli, const char *path, struct sendconf *conf);

/*
 * What a mail pass (send, receive, digest) works with: the send settings, the database,
 * and with --json the array its items are reported into. cli_mail_open loads the settings
 * (cli_sendconf, from config), opens the database and, when json, makes the array; on
 * failure m holds nothing to use but must still go to cli_mail_close, which frees all
 * three (m's members NULL/zero are fine). Defined in cmd-send.c.
 */
struct cli_mail {
	struct sendconf conf;
	struct store *s;
	json_t *list;
};
int cli_mail_open(struct cli *cli, const char *config, int json, struct cli_mail *m);
void cli_mail_close(struct cli_mail *m);

/*
 * Flags: every command declares its own as a table, ended by { NULL }, of booleans
 * (CLI_BOOL: *(int *)dst = 1 when given) and flags with a value (CLI_VALUE: *(const char
 * **)dst, from "--x VALUE" or "--x=VALUE"; a later one wins).
 */
struct cli_flag {
	const char *name;
	int takes_value;
	void *dst;
};
#define CLI_BOOL(name, p) { (name), 0, (p) }
#define CLI_VALUE(name, p) { (name), 1, (p) }

/*
 * If argv[*i] is one of flags, stores it, advances *i past its value and returns 1; 0 when
 * it is none of them; -1 (FU_EUSAGE "--x: needs a value" on ctx) when its value is missing.
 */
int cli_take_flag(struct cli *cli, int argc, char **argv, int *i, const struct cli_flag *flags);

/*
 * What a command takes: its flags, and room for up to maxpos positional words (a word not
 * starting with '-', or "-" alone) in pos[]. cli_parse sets npos, and help when -h/--help
 * was given (c's help is then printed and nothing else should be done).
 */
struct cli_args {
	const struct cli_flag *flags;
	const char **pos;
	int maxpos;
	int npos;
	int help;
};

/*
 * Parses argv[1..argc) (argv[0] is the command's name) for c into a. An unknown flag or a
 * positional word too many is a usage error (FU_EUSAGE, with c's usage line).
 */
int cli_parse(struct cli *cli, const struct cmd *c, int argc, char **argv, struct cli_args *a);

/*
 * A count given to flag: v as a whole number in [min, max] into *out, else a usage error
 * "FLAG: 'v' is not WHAT".
 */
int cli_count(struct cli *cli, const struct cmd *c, const char *flag, const char *v, long min,
	      long max, const char *what, long *out);

/*
 * --limit v (a whole number in [1, max]) into *out; nothing when v is NULL; else the usage
 * error of cli_count.
 */
int cli_limit(struct cli *cli, const struct cmd *c, const char *v, long max, int *out);

/* The usage error for an unknown flag or extra argument. */
int cli_usage_error(struct cli *cli, const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints s with control characters replaced by '?', so stored text cannot drive the terminal. */
void cli_put_safe(FILE *f, const char *s);
/* As cli_put_safe, but keeps line breaks, starting each new line with indent. */
void cli_put_text(FILE *f, const char *s, const char *indent);
/* Prints a JSON value (steals the reference) followed by a newline. */
int cli_put_json(struct cli *cli, json_t *v);
/* json helpers that give JSON null for absent values. */
/* {"NAME": COUNT, ...} of counts[0..n) named by name(i) (receive's verdicts, digest's states). */
json_t *cli_json_counts(const char *(*name)(int), const int *counts, int n);
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
