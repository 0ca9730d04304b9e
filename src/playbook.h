/* playbook.h - the rules that turn triggers into follow-ups, read from a YAML playbook */
#ifndef FU_PLAYBOOK_H
#define FU_PLAYBOOK_H

#include <stdint.h>

#include "bizhours.h"
#include "buf.h"
#include "expr.h"
#include "fu.h"
#include "trigger.h"


/* How a follow-up is made: by a person (call ... meeting) or an automated e-mail. */
enum channel {
	CH_CALL, CH_EMAIL, CH_VOICEMAIL, CH_LETTER, CH_MEETING, CH_AUTO_EMAIL,
	CH_AUTO_WEBHOOK, /* an automated message POSTed to the business's own service (outbox.h) */
	CH__COUNT
};
const char *channel_name(int channel);
int channel_parse(const char *s, int *channel);
int channel_is_personal(int channel);

/* When a follow-up is due, relative to its trigger's time (see playbook_due in engine). */
enum within_kind {
	WITHIN_NONE,          /* due at the trigger time (after `after`), moved into business hours */
	WITHIN_BUSINESS_SECS, /* due after `within` seconds of open business time */
	WITHIN_BUSINESS_DAYS, /* due at the opening `within` business days later */
	WITHIN_END_OF_DAY     /* due at the close of the same business day */
};

struct rule {
	char *name;
	int trigger;          /* enum trigger */
	char *when_src;       /* the condition as written, or NULL for always */
	struct expr *when;    /* parsed condition, or NULL for always */
	int action;           /* enum channel for high-value contacts (everyone when action_low < 0) */
	int action_low;       /* enum channel for contacts below limits.high_value, or -1 */
	int64_t after;        /* calendar seconds after the trigger before it is due (e.g. 7d) */
	int within_kind;      /* enum within_kind */
	int64_t within;       /* seconds (WITHIN_BUSINESS_SECS) or days (WITHIN_BUSINESS_DAYS) */
	int64_t expires;      /* calendar seconds after the trigger when an unanswered one is dropped; 0 = never */
	int priority;         /* 0-100, higher first */
	int transactional;    /* an invoice or appointment reminder: outside the pressure budget */
	char *say;            /* the template of what to say */
	char *subject;        /* the template of an e-mail's subject, or NULL (outbox_subject) */
	int line;             /* line in the playbook where the rule starts */
	int say_line, say_col; /* where its `say` starts */
	int subject_line, subject_col; /* where its `subject` starts */
};

struct playbook {
	char *name;                 /* file name, or "built-in" */
	char *source;               /* the YAML text in effect (for `playbook show`) */
	char *business_name;        /* business.name (merge field business_name), or NULL */
	struct bizhours hours;      /* business.hours, default mon-fri 09:00-17:00 */
	struct quiet_hours quiet;   /* business.quiet_hours, default 20:00-08:00 */
	char *default_tz;           /* business.timezone: for contacts without one (default UTC) */
	int touches_per_week;       /* limits.touches_per_week, default 3 */
	int silence_days;           /* limits.silence_days, default 27 */
	int64_t speed_to_lead;      /* limits.speed_to_lead seconds, default 15 min (business time) */
	int64_t reply_within;       /* limits.reply_within seconds, default 2 h (business time) */
	int64_t high_value;         /* limits.high_value: yearly spend in cents from which follow-ups are personal */
	int clicks_window_days;     /* limits.click_window_days: clicks older than this are ignored, default 14 */
	struct rule *rules;
	int nrules;
	/* digest: each owner's morning e-mail of their day (digest.h) */
	int digest_at;              /* digest.at: minutes after the owner's local midnight; -1: none */
	char *digest_tz;            /* digest.timezone: the owners' zone, or NULL for business.timezone */
	struct playbook_zone {
		char *owner, *tz;
	} *digest_zones;            /* digest.owners: an owner's own zone */
	int ndigest_zones;
	/* playbook_load_stored only: the rules left out because they no longer pass the check,
	 * each its message ("stored playbook:12:5: rules[2].when: ..."; malloced) */
	char **skipped;
	int nskipped;
};

/* Owner's zone for the digest: digest.owners, else digest.timezone, else business.timezone. */
const char *playbook_owner_zone(const struct playbook *pb, const char *owner);

void playbook_init(struct playbook *pb);
void playbook_release(struct playbook *pb);

/*
 * Loads a playbook from YAML text; `name` is used in messages. Every error is FU_EINPUT with
 * "NAME:LINE:COLUMN: what" (e.g. "shop.yaml:12:5: rules[2].trigger: unknown trigger 'buy'
 * (known: new_lead, ...)"); unknown keys are errors too. On failure pb is left released.
 */
int playbook_load_string(struct fu_ctx *ctx, const char *name, const char *yaml,
			 struct playbook *pb);
/*
 * Loads the playbook kept in the store, which passed the check of the version that kept
 * it: as playbook_load_string, except that a rule a newer, stricter check refuses is left
 * out and its message kept in pb->skipped, so one bad rule never takes every follow-up
 * down. Fails as playbook_load_string on anything outside the rules, and when no rule is
 * left.
 */
int playbook_load_stored(struct fu_ctx *ctx, const char *name, const char *yaml,
			 struct playbook *pb);
/* Reads the file at path (at most 1 MiB) and loads it as playbook_load_string. */
int playbook_load_file(struct fu_ctx *ctx, const char *path, struct playbook *pb);
/* Loads the playbook built into the program (src/playbook_default.c). */
int playbook_load_default(struct fu_ctx *ctx, struct playbook *pb);
/* The built-in playbook's YAML text. */
extern const char playbook_default_yaml[];

/*
 * What `playbook check` warns about in a loaded playbook without refusing it: a field of a
 * `say` that can be empty for its rule's trigger (field.h) and has no fallback renders as
 * nothing. Calls warn(arg, msg) for each, msg "NAME:LINE:COLUMN: rules[I].say: field 'x'
 * can be empty ...", and returns how many there were.
 */
int playbook_warnings(const struct playbook *pb, void (*warn)(void *arg, const char *msg),
		      void *arg);

/* The rules for a trigger, in file order: sets *first to the index of the first match at or after `from`, -1 when none. */
int playbook_next_rule(const struct playbook *pb, int trigger, int from);

#endif
