/* playbook.c - loads the YAML playbook: business hours, limits and the rules that turn triggers into follow-ups */
#include "playbook.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "datetime.h"
#include "field.h"
#include "message.h"
#include "template.h"
#include "tz.h"

#include "banned.h"

#define PLAYBOOK_MAX_BYTES (1024 * 1024)
#define PLAYBOOK_MAX_RULES 200
#define PLAYBOOK_MAX_STRING 4096
#define PLAYBOOK_MAX_BUSINESS_DAYS 365
#define PLAYBOOK_MAX_CALENDAR_DAYS 3650 /* after, expires: ten years */
#define PLAYBOOK_MAX_BUSINESS_TIME_DAYS 30 /* within 15m/2h, speed_to_lead: business time */
#define PLAYBOOK_MAX_HIGH_VALUE 1000000000000LL /* in currency units */
#define PATH_MAX_LEN 128
#define PLAYBOOK_MAX_DEPTH 16 /* nesting of mappings and lists; a playbook needs 3 */

static const char *const channel_names[CH__COUNT] = {
	[CH_CALL] = "call",
	[CH_EMAIL] = "email",
	[CH_VOICEMAIL] = "voicemail",
	[CH_LETTER] = "letter",
	[CH_MEETING] = "meeting",
	[CH_AUTO_EMAIL] = "auto_email",
	[CH_AUTO_WEBHOOK] = "auto_webhook",
};

const char *channel_name(int channel)
{
	if (channel < 0 || channel >= CH__COUNT)
		return NULL;
	return channel_names[channel];
}

int channel_parse(const char *s, int *channel)
{
	int i = fu_name_index(channel_names, CH__COUNT, s);

	if (i < 0)
		return -1;
	*channel = i;
	return 0;
}

int channel_is_personal(int channel)
{
	return channel >= 0 && channel < CH__COUNT && channel != CH_AUTO_EMAIL &&
	       channel != CH_AUTO_WEBHOOK;
}

void playbook_init(struct playbook *pb)
{
	memset(pb, 0, sizeof(*pb));
	bizhours_default(&pb->hours);
	pb->quiet.start = 20 * 60;
	pb->quiet.end = 8 * 60;
	pb->touches_per_week = 3;
	pb->silence_days = 27;
	pb->speed_to_lead = 15 * 60;
	pb->reply_within = 2 * 3600;
	pb->high_value = 1000 * 100;
	pb->clicks_window_days = 14;
	pb->digest_at = -1;
}

static void rule_release(struct rule *r)
{
	free(r->name);
	free(r->when_src);
	expr_free(r->when);
	free(r->say);
	free(r->subject);
}

void playbook_release(struct playbook *pb)
{
	int i;

	for (i = 0; i < pb->nrules; i++)
		rule_release(&pb->rules[i]);
	free(pb->rules);
	free(pb->name);
	free(pb->source);
	free(pb->default_tz);
	free(pb->business_name);
	for (i = 0; i < pb->ndigest_zones; i++) {
		free(pb->digest_zones[i].owner);
		free(pb->digest_zones[i].tz);
	}
	free(pb->digest_zones);
	free(pb->digest_tz);
	for (i = 0; i < pb->nskipped; i++)
		free(pb->skipped[i]);
	free(pb->skipped);
	playbook_init(pb);
}

int playbook_next_rule(const struct playbook *pb, int trigger, int from)
{
	int i;

	for (i = from < 0 ? 0 : from; i < pb->nrules; i++)
		if (pb->rules[i].trigger == trigger)
			return i;
	return -1;
}

struct warning_walk {
	const struct playbook *pb;
	int rule;
	int subject; /* the template walked is the rule's subject, not its say */
	void (*warn)(void *arg, const char *msg);
	void *arg;
	int n;
};

static void warn_field(void *arg, const char *name, int has_fallback, size_t column)
{
	struct warning_walk *ww = arg;
	const struct rule *r = &ww->pb->rules[ww->rule];
	const struct field_info *f = field_find(name, FIELD_SAY);
	char msg[FU_MSG_MAX];

	(void)column;
	if (!f || !f->can_be_empty || has_fallback || (f->full_for & (1u << r->trigger)))
		return;
	snprintf(msg, sizeof(msg),
		 "%s:%d:%d: rules[%d].%s: field '%s' can be empty for %s and has no fallback: "
		 "it would be left out (write {{%s|...}})",
		 ww->pb->name, ww->subject ? r->subject_line : r->say_line,
		 ww->subject ? r->subject_col : r->say_col, ww->rule,
		 ww->subject ? "subject" : "say", name, trigger_name(r->trigger), name);
	ww->warn(ww->arg, msg);
	ww->n++;
}

int playbook_warnings(const struct playbook *pb, void (*warn)(void *arg, const char *msg),
		      void *arg)
{
	struct warning_walk ww = { pb, 0, 0, warn, arg, 0 };

	for (ww.rule = 0; ww.rule < pb->nrules; ww.rule++) {
		struct fu_ctx tmp;

		fu_ctx_init(&tmp);
		/* checked when loaded: a syntax error cannot happen here */
		ww.subject = 0;
		(void)template_fields(&tmp, pb->rules[ww.rule].say, warn_field, &ww);
		ww.subject = 1;
		if (pb->rules[ww.rule].subject)
			(void)template_fields(&tmp, pb->rules[ww.rule].subject, warn_field, &ww);
	}
	return ww.n;
}

/* The state of one load: where messages point and the document being read. */
struct loader {
	struct fu_ctx *ctx;
	const char *name;
	yaml_document_t *doc;
	struct playbook *pb;
	int lenient; /* playbook_load_stored: a rule that fails is left out (pb->skipped) */
};

/* Records "NAME:LINE:COLUMN: PATH: what" for node n (PATH left out when empty); returns FU_EINPUT. */
static int fail(struct loader *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct loader *ld, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char what[FU_MSG_MAX];
	unsigned long line = n ? (unsigned long)n->start_mark.line + 1 : 1;
	unsigned long col = n ? (unsigned long)n->start_mark.column + 1 : 1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (path && *path)
		return fu_err(ld->ctx, FU_EINPUT, "%s:%lu:%lu: %s: %s", ld->name, line, col, path,
			      what);
	return fu_err(ld->ctx, FU_EINPUT, "%s:%lu:%lu: %s", ld->name, line, col, what);
}

/* Places the message a deeper function left on ctx at node n; out-of-memory stays as it is. */
static int fail_inner(struct loader *ld, const yaml_node_t *n, const char *path, int rc)
{
	char inner[FU_MSG_MAX];

	if (rc == FU_ENOMEM)
		return rc;
	memcpy(inner, ld->ctx->msg, sizeof(inner));
	inner[sizeof(inner) - 1] = '\0';
	return fail(ld, n, path, "%s", inner);
}

static int nomem(struct loader *ld)
{
	return fu_err(ld->ctx, FU_ENOMEM, "%s: out of memory", ld->name);
}

static int dup_str(struct loader *ld, const char *s, char **out)
{
	size_t n = strlen(s) + 1;

	*out = malloc(n);
	if (!*out)
		return nomem(ld);
	memcpy(*out, s, n);
	return FU_OK;
}

/* The text of a scalar node: at most PLAYBOOK_MAX_STRING bytes, no NUL inside. */
static int scalar(struct loader *ld, const yaml_node_t *n, const char *path, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(ld, n, path, "expected a single value, not a %s",
			    n->type == YAML_MAPPING_NODE ? "mapping" : "list");
	if (n->data.scalar.length > PLAYBOOK_MAX_STRING)
		return fail(ld, n, path, "longer than %d bytes", PLAYBOOK_MAX_STRING);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return fail(ld, n, path, "contains a NUL byte");
	*out = (const char *)n->data.scalar.value;
	return FU_OK;
}

static int scalar_dup(struct loader *ld, const yaml_node_t *n, const char *path, char **out)
{
	const char *s = NULL;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	free(*out);
	*out = NULL;
	return dup_str(ld, s, out);
}

/* A whole number in [lo, hi]. */
static int get_int(struct loader *ld, const yaml_node_t *n, const char *path, int lo, int hi,
		   int *out)
{
	const char *s = NULL, *p;
	long v = 0;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return fail(ld, n, path, "'%.64s' is not a whole number", s);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(ld, n, path, "'%.64s' is not a whole number", s);
		if (v < 1000000000L)
			v = v * 10 + (*p - '0');
	}
	if (*s == '-')
		v = -v;
	if (v < lo || v > hi)
		return fail(ld, n, path, "%.64s is not between %d and %d", s, lo, hi);
	*out = (int)v;
	return FU_OK;
}

static int get_bool(struct loader *ld, const yaml_node_t *n, const char *path, int *out)
{
	const char *s = NULL;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	if (!strcmp(s, "true") || !strcmp(s, "yes")) {
		*out = 1;
		return FU_OK;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no")) {
		*out = 0;
		return FU_OK;
	}
	return fail(ld, n, path, "'%.64s' is not true or false", s);
}

/* A duration of at most max_days days (calendar or business time, as the key says). */
static int get_duration(struct loader *ld, const yaml_node_t *n, const char *path, int max_days,
			int64_t *out)
{
	const char *s = NULL;
	int64_t v = 0;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	rc = dt_parse_duration(ld->ctx, s, &v);
	if (rc)
		return fail_inner(ld, n, path, rc);
	if (v > (int64_t)max_days * 86400)
		return fail(ld, n, path, "'%.64s' is longer than %d days, the most a playbook allows",
			    s, max_days);
	*out = v;
	return FU_OK;
}

static int get_channel(struct loader *ld, const yaml_node_t *n, const char *path, int *out)
{
	const char *s = NULL;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	if (channel_parse(s, out))
		return fail(ld, n, path,
			    "unknown channel '%.64s' (known: call, email, voicemail, letter, meeting, auto_email, auto_webhook)",
			    s);
	return FU_OK;
}

/* An amount of money such as "1000" or "1000.50" in currency units, into cents. */
static int get_money(struct loader *ld, const yaml_node_t *n, const char *path, int64_t *out)
{
	const char *s = NULL, *p;
	int64_t units = 0, cents = 0;
	int ndec = 0;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		units = units * 10 + (*p - '0');
		if (units > PLAYBOOK_MAX_HIGH_VALUE)
			return fail(ld, n, path, "%.64s is too large", s);
	}
	if (p == s)
		goto bad;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && ndec < 2; p++, ndec++)
			cents = cents * 10 + (*p - '0');
		if (ndec == 0)
			goto bad;
		if (ndec == 1)
			cents *= 10;
	}
	if (*p)
		goto bad;
	*out = units * 100 + cents;
	return FU_OK;
bad:
	return fail(ld, n, path, "'%.64s' is not an amount like 1000 or 1000.50", s);
}

/*
 * Looks a mapping key up in the NULL-terminated keys (at most 32); "PREFIX.KEY: unknown key"
 * or "duplicate key" otherwise. Sets *idx and remembers the key in *seen.
 */
static int map_key(struct loader *ld, const yaml_node_t *key, const char *const *keys,
		   const char *prefix, unsigned *seen, int *idx)
{
	char path[PATH_MAX_LEN];
	const char *s = NULL;
	int rc, i;

	rc = scalar(ld, key, prefix, &s);
	if (rc)
		return rc;
	if (*prefix)
		snprintf(path, sizeof(path), "%s.%.64s", prefix, s);
	else
		snprintf(path, sizeof(path), "%.64s", s);
	for (i = 0; keys[i]; i++) {
		if (!strcmp(s, keys[i]))
			break;
	}
	if (!keys[i])
		return fail(ld, key, path, "unknown key");
	if (*seen & (1u << i))
		return fail(ld, key, path, "given twice");
	*seen |= 1u << i;
	*idx = i;
	return FU_OK;
}

static const yaml_node_t *node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(ld->doc, index);
}

static int expect_mapping(struct loader *ld, const yaml_node_t *n, const char *path)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(ld, n, path, "expected a mapping of keys to values");
	return FU_OK;
}

enum { BIZ_NAME, BIZ_HOURS, BIZ_QUIET, BIZ_TZ };
static const char *const business_keys[] = { "name", "hours", "quiet_hours", "timezone", NULL };

static int load_business(struct loader *ld, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	struct playbook *pb = ld->pb;
	unsigned seen = 0;
	int rc, idx;

	rc = expect_mapping(ld, map, "business");
	if (rc)
		return rc;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);
		char path[PATH_MAX_LEN];
		const char *s = NULL;

		rc = map_key(ld, key, business_keys, "business", &seen, &idx);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "business.%s", business_keys[idx]);
		rc = scalar(ld, val, path, &s);
		if (rc)
			return rc;
		switch (idx) {
		case BIZ_NAME:
			rc = scalar_dup(ld, val, path, &pb->business_name);
			if (rc)
				return rc;
			break;
		case BIZ_HOURS:
			rc = bizhours_parse(ld->ctx, s, &pb->hours);
			if (rc)
				return fail_inner(ld, val, path, rc);
			break;
		case BIZ_QUIET:
			rc = quiet_hours_parse(ld->ctx, s, &pb->quiet);
			if (rc)
				return fail_inner(ld, val, path, rc);
			break;
		case BIZ_TZ: {
			struct tz *z = NULL;

			rc = tz_load(ld->ctx, s, &z);
			if (rc)
				return fail_inner(ld, val, path, rc);
			tz_free(z);
			rc = scalar_dup(ld, val, path, &pb->default_tz);
			if (rc)
				return rc;
			break;
		}
		}
	}
	return FU_OK;
}

enum { LIM_TOUCHES, LIM_SILENCE, LIM_SPEED, LIM_HIGH, LIM_CLICKS, LIM_REPLY };
static const char *const limit_keys[] = {
	"touches_per_week", "silence_days", "speed_to_lead", "high_value", "click_window_days",
	"reply_within", NULL
};

static int load_limits(struct loader *ld, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	struct playbook *pb = ld->pb;
	unsigned seen = 0;
	int rc, idx;

	rc = expect_mapping(ld, map, "limits");
	if (rc)
		return rc;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);
		char path[PATH_MAX_LEN];

		rc = map_key(ld, key, limit_keys, "limits", &seen, &idx);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "limits.%s", limit_keys[idx]);
		switch (idx) {
		case LIM_TOUCHES:
			rc = get_int(ld, val, path, 1, 100, &pb->touches_per_week);
			break;
		case LIM_SILENCE:
			rc = get_int(ld, val, path, 1, 3650, &pb->silence_days);
			break;
		case LIM_SPEED:
			rc = get_duration(ld, val, path, PLAYBOOK_MAX_BUSINESS_TIME_DAYS,
					  &pb->speed_to_lead);
			break;
		case LIM_HIGH:
			rc = get_money(ld, val, path, &pb->high_value);
			break;
		case LIM_REPLY:
			rc = get_duration(ld, val, path, PLAYBOOK_MAX_BUSINESS_TIME_DAYS,
					  &pb->reply_within);
			break;
		case LIM_CLICKS:
			rc = get_int(ld, val, path, 1, 3650, &pb->clicks_window_days);
			break;
		}
		if (rc)
			return rc;
	}
	return FU_OK;
}

/* A rule's `within`: business seconds ("15m"), business days ("2bd") or "end_of_day". */
static int get_within(struct loader *ld, const yaml_node_t *n, const char *path, struct rule *r)
{
	const char *s = NULL, *p;
	int64_t v = 0;
	int rc;

	rc = scalar(ld, n, path, &s);
	if (rc)
		return rc;
	if (!strcmp(s, "end_of_day")) {
		r->within_kind = WITHIN_END_OF_DAY;
		r->within = 0;
		return FU_OK;
	}
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v <= PLAYBOOK_MAX_BUSINESS_DAYS)
			v = v * 10 + (*p - '0');
	}
	if (p > s && !strcmp(p, "bd")) {
		if (v > PLAYBOOK_MAX_BUSINESS_DAYS)
			return fail(ld, n, path, "%.64s is more than %d business days", s,
				    PLAYBOOK_MAX_BUSINESS_DAYS);
		r->within_kind = WITHIN_BUSINESS_DAYS;
		r->within = v;
		return FU_OK;
	}
	rc = dt_parse_duration(ld->ctx, s, &r->within);
	if (rc == FU_ENOMEM)
		return rc;
	if (rc)
		return fail(ld, n, path,
			    "'%.64s' is not business time (15m, 2h), business days (2bd) or end_of_day",
			    s);
	if (r->within > (int64_t)PLAYBOOK_MAX_BUSINESS_TIME_DAYS * 86400)
		return fail(ld, n, path, "'%.64s' is longer than %d days, the most a playbook allows "
			    "(write business days: 2bd)", s, PLAYBOOK_MAX_BUSINESS_TIME_DAYS);
	r->within_kind = WITHIN_BUSINESS_SECS;
	return FU_OK;
}

enum {
	R_NAME, R_TRIGGER, R_WHEN, R_ACTION, R_ACTION_LOW, R_AFTER, R_WITHIN, R_EXPIRES,
	R_PRIORITY, R_TRANSACTIONAL, R_SAY, R_SUBJECT
};
static const char *const rule_keys[] = {
	"name", "trigger", "when", "action", "action_low_value", "after", "within", "expires",
	"priority", "transactional", "say", "subject", NULL
};

/* Checks the names of a condition or a template against the field table (field.h). */
static int check_names(struct loader *ld, const struct expr *e, const char *tpl, int where)
{
	const char **names = malloc(((size_t)field_count() + 1) * sizeof(*names));
	int rc;

	if (!names)
		return nomem(ld);
	field_names(where, names, field_count() + 1);
	rc = e ? expr_check_names(ld->ctx, e, names) : template_check(ld->ctx, tpl, names);
	free(names);
	return rc;
}

static int field_kind(void *arg, const char *name)
{
	(void)arg;
	return field_expr_kind(name);
}

static int rule_when(struct loader *ld, const yaml_node_t *val, const char *path, struct rule *r)
{
	const char *s = NULL;
	int rc;

	rc = scalar(ld, val, path, &s);
	if (rc)
		return rc;
	free(r->when_src);
	r->when_src = NULL;
	expr_free(r->when);
	r->when = NULL;
	rc = expr_parse(ld->ctx, s, &r->when);
	if (rc)
		return fail_inner(ld, val, path, rc);
	if (!r->when)
		return FU_OK; /* empty: always */
	rc = check_names(ld, r->when, NULL, FIELD_WHEN);
	if (!rc)
		rc = expr_check_types(ld->ctx, r->when, field_kind, NULL);
	if (rc)
		return fail_inner(ld, val, path, rc);
	return dup_str(ld, s, &r->when_src);
}

/*
 * A template a rule says (say, subject): not empty (`empty` tells what to write), one line
 * when `one_line`, at most max bytes (0: the scalar's own limit), its merge fields in the
 * field table; where it starts into *line and *col.
 */
static int rule_template(struct loader *ld, const yaml_node_t *val, const char *path,
			 const char *empty, int one_line, size_t max, int *line, int *col,
			 char **dst)
{
	const char *s = NULL;
	int rc;

	rc = scalar(ld, val, path, &s);
	if (rc)
		return rc;
	if (!*s)
		return fail(ld, val, path, "empty: %s", empty);
	if (one_line && strpbrk(s, "\r\n"))
		return fail(ld, val, path, "more than one line");
	if (max && strlen(s) > max)
		return fail(ld, val, path, "longer than %zu bytes", max);
	*line = (int)val->start_mark.line + 1;
	*col = (int)val->start_mark.column + 1;
	rc = check_names(ld, NULL, s, FIELD_SAY);
	if (rc)
		return fail_inner(ld, val, path, rc);
	return scalar_dup(ld, val, path, dst);
}

static int load_rule(struct loader *ld, const yaml_node_t *map, int i, struct rule *r)
{
	const yaml_node_pair_t *pair;
	char prefix[32];
	unsigned seen = 0;
	int rc, idx;

	snprintf(prefix, sizeof(prefix), "rules[%d]", i);
	r->line = (int)map->start_mark.line + 1;
	rc = expect_mapping(ld, map, prefix);
	if (rc)
		return rc;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);
		char path[PATH_MAX_LEN];
		const char *s = NULL;

		rc = map_key(ld, key, rule_keys, prefix, &seen, &idx);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "%s.%s", prefix, rule_keys[idx]);
		switch (idx) {
		case R_NAME:
			rc = scalar_dup(ld, val, path, &r->name);
			break;
		case R_TRIGGER:
			rc = scalar(ld, val, path, &s);
			if (!rc && trigger_parse(s, &r->trigger)) {
				char known[512];

				trigger_list(known, sizeof(known));
				rc = fail(ld, val, path, "unknown trigger '%.64s' (known: %s)", s, known);
			}
			break;
		case R_WHEN:
			rc = rule_when(ld, val, path, r);
			break;
		case R_ACTION:
			rc = get_channel(ld, val, path, &r->action);
			break;
		case R_ACTION_LOW:
			rc = get_channel(ld, val, path, &r->action_low);
			break;
		case R_AFTER:
			rc = get_duration(ld, val, path, PLAYBOOK_MAX_CALENDAR_DAYS, &r->after);
			break;
		case R_WITHIN:
			rc = get_within(ld, val, path, r);
			break;
		case R_EXPIRES:
			rc = get_duration(ld, val, path, PLAYBOOK_MAX_CALENDAR_DAYS, &r->expires);
			break;
		case R_PRIORITY:
			rc = get_int(ld, val, path, 0, 100, &r->priority);
			break;
		case R_TRANSACTIONAL:
			rc = get_bool(ld, val, path, &r->transactional);
			break;
		case R_SAY:
			rc = rule_template(ld, val, path, "write what to say", 0, 0, &r->say_line,
					   &r->say_col, &r->say);
			break;
		case R_SUBJECT:
			/* an e-mail's subject: one line, merge fields as in say */
			rc = rule_template(ld, val, path, "write a subject or leave the key out", 1,
					   MESSAGE_SUBJECT_MAX, &r->subject_line, &r->subject_col,
					   &r->subject);
			break;
		}
		if (rc)
			return rc;
	}
	for (idx = 0; idx < 3; idx++) {
		static const int required[3] = { R_TRIGGER, R_ACTION, R_SAY };
		char path[PATH_MAX_LEN];

		if (seen & (1u << required[idx]))
			continue;
		snprintf(path, sizeof(path), "%s.%s", prefix, rule_keys[required[idx]]);
		return fail(ld, map, path, "missing");
	}
	if (!r->name)
		return dup_str(ld, trigger_name(r->trigger), &r->name);
	return FU_OK;
}

/* Leaves out the rule just loaded (the last), keeping the message on ctx in pb->skipped. */
static int skip_rule(struct loader *ld, struct rule *r)
{
	struct playbook *pb = ld->pb;
	char **grown, *msg = strdup(ld->ctx->msg);

	grown = msg ? realloc(pb->skipped, ((size_t)pb->nskipped + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(msg);
		return nomem(ld);
	}
	pb->skipped = grown;
	pb->skipped[pb->nskipped++] = msg;
	rule_release(r);
	memset(r, 0, sizeof(*r));
	pb->nrules--;
	fu_ctx_init(ld->ctx);
	return FU_OK;
}

static int load_rules(struct loader *ld, const yaml_node_t *seq)
{
	struct playbook *pb = ld->pb;
	const yaml_node_item_t *item;
	long n;
	int rc;

	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(ld, seq, "rules", "expected a list of rules");
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (n == 0)
		return fail(ld, seq, "rules", "no rules: a playbook needs at least one");
	if (n > PLAYBOOK_MAX_RULES)
		return fail(ld, seq, "rules", "%ld rules, more than %d", n, PLAYBOOK_MAX_RULES);
	pb->rules = calloc((size_t)n, sizeof(*pb->rules));
	if (!pb->rules)
		return nomem(ld);
	for (item = seq->data.sequence.items.start; item < seq->data.sequence.items.top; item++) {
		struct rule *r = &pb->rules[pb->nrules++];

		r->trigger = -1;
		r->action = -1;
		r->action_low = -1;
		r->within_kind = WITHIN_NONE;
		r->priority = 50;
		rc = load_rule(ld, node_at(ld, *item), (int)(item - seq->data.sequence.items.start), r);
		if (rc == FU_EINPUT && ld->lenient)
			rc = skip_rule(ld, r);
		if (rc)
			return rc;
	}
	if (pb->nrules == 0)
		return fail(ld, seq, "rules", "no rule passes the check (the first: %s)",
			    pb->skipped[0]);
	return FU_OK;
}

/* A zone name that tz_load knows, kept in *out; the error at the node otherwise. */
static int get_zone(struct loader *ld, const yaml_node_t *n, const char *path, char **out)
{
	struct tz *z = NULL;
	const char *s = NULL;
	int rc = scalar(ld, n, path, &s);

	if (rc)
		return rc;
	rc = tz_load(ld->ctx, s, &z);
	if (rc)
		return fail_inner(ld, n, path, rc);
	tz_free(z);
	return scalar_dup(ld, n, path, out);
}

/* digest.owners: a mapping of owner names to their zones. */
static int load_digest_owners(struct loader *ld, const yaml_node_t *map)
{
	struct playbook *pb = ld->pb;
	const yaml_node_pair_t *pair;
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	int rc = expect_mapping(ld, map, "digest.owners");

	if (rc)
		return rc;
	pb->digest_zones = calloc(n ? n : 1, sizeof(*pb->digest_zones));
	if (!pb->digest_zones)
		return nomem(ld);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);
		struct playbook_zone *z = &pb->digest_zones[pb->ndigest_zones];
		char path[PATH_MAX_LEN];
		const char *owner = NULL;

		rc = scalar(ld, key, "digest.owners", &owner);
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "digest.owners.%.64s", owner);
		if (!*owner)
			return fail(ld, key, path, "an empty owner");
		for (int i = 0; i < pb->ndigest_zones; i++) {
			if (!strcmp(pb->digest_zones[i].owner, owner))
				return fail(ld, key, path, "given twice");
		}
		rc = scalar_dup(ld, key, path, &z->owner);
		if (rc)
			return rc;
		pb->ndigest_zones++; /* released with the playbook, whatever comes next */
		rc = get_zone(ld, val, path, &z->tz);
		if (rc)
			return rc;
	}
	return FU_OK;
}

enum { DIG_AT, DIG_TZ, DIG_OWNERS };
static const char *const digest_keys[] = { "at", "timezone", "owners", NULL };

/* digest: at "HH:MM" in each owner's zone, the zones. */
static int load_digest(struct loader *ld, const yaml_node_t *map)
{
	const yaml_node_pair_t *pair;
	struct playbook *pb = ld->pb;
	unsigned seen = 0;
	int rc, idx;

	rc = expect_mapping(ld, map, "digest");
	if (rc)
		return rc;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);
		const char *s = NULL;
		int h, m, k = 0;

		rc = map_key(ld, key, digest_keys, "digest", &seen, &idx);
		if (rc)
			return rc;
		switch (idx) {
		case DIG_AT:
			rc = scalar(ld, val, "digest.at", &s);
			if (rc)
				return rc;
			if (sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || h < 0 || h > 23 ||
			    m < 0 || m > 59 || strlen(s) != 5)
				return fail(ld, val, "digest.at", "'%.64s' is not a time like 08:00", s);
			pb->digest_at = h * 60 + m;
			break;
		case DIG_TZ:
			rc = get_zone(ld, val, "digest.timezone", &pb->digest_tz);
			break;
		case DIG_OWNERS:
			rc = load_digest_owners(ld, val);
			break;
		}
		if (rc)
			return rc;
	}
	if (!(seen & (1u << DIG_AT)))
		return fail(ld, map, "digest.at", "missing: when the digest goes, like \"08:00\"");
	return FU_OK;
}

const char *playbook_owner_zone(const struct playbook *pb, const char *owner)
{
	for (int i = 0; owner && i < pb->ndigest_zones; i++) {
		if (!strcmp(pb->digest_zones[i].owner, owner))
			return pb->digest_zones[i].tz;
	}
	return pb->digest_tz ? pb->digest_tz : pb->default_tz;
}

enum { TOP_BUSINESS, TOP_LIMITS, TOP_RULES, TOP_DIGEST };
static const char *const top_keys[] = { "business", "limits", "rules", "digest", NULL };

static int load_document(struct loader *ld)
{
	const yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	const yaml_node_pair_t *pair;
	unsigned seen = 0;
	int rc = FU_OK, idx;

	if (!root)
		return fail(ld, NULL, "rules", "missing: the playbook is empty");
	if (root->type != YAML_MAPPING_NODE)
		return fail(ld, root, "", "expected a mapping with business, limits and rules");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = node_at(ld, pair->key), *val = node_at(ld, pair->value);

		rc = map_key(ld, key, top_keys, "", &seen, &idx);
		if (rc)
			return rc;
		switch (idx) {
		case TOP_BUSINESS:
			rc = load_business(ld, val);
			break;
		case TOP_LIMITS:
			rc = load_limits(ld, val);
			break;
		case TOP_RULES:
			rc = load_rules(ld, val);
			break;
		case TOP_DIGEST:
			rc = load_digest(ld, val);
			break;
		}
		if (rc)
			return rc;
	}
	if (!(seen & (1u << TOP_RULES)))
		return fail(ld, root, "rules", "missing: a playbook needs at least one rule");
	return FU_OK;
}

/* Records "NAME:LINE:COLUMN: what" for a place in the text; returns FU_EINPUT. */
static int fail_mark(struct loader *ld, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_mark(struct loader *ld, const yaml_mark_t *m, const char *fmt, ...)
{
	char what[FU_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fu_err(ld->ctx, FU_EINPUT, "%s:%lu:%lu: %s", ld->name, (unsigned long)m->line + 1,
		      (unsigned long)m->column + 1, what);
}

static int yaml_fail(struct loader *ld, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return nomem(ld);
	return fail_mark(ld, &p->problem_mark, "yaml: %s", p->problem ? p->problem : "cannot parse");
}

/*
 * A first pass over the events: stops at the first syntax error, at nesting deeper than
 * PLAYBOOK_MAX_DEPTH (libyaml slows down sharply on deep nesting, so hostile input is cut
 * short here) and at a second document, which is almost always a mistake.
 */
static int check_shape(struct loader *ld, const char *yaml, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = FU_OK, done;

	if (!yaml_parser_initialize(&parser))
		return nomem(ld);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	do {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yaml_fail(ld, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = fail_mark(ld, &ev.start_mark, "yaml: only one document is allowed");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > PLAYBOOK_MAX_DEPTH)
				rc = fail_mark(ld, &ev.start_mark, "yaml: nested more than %d levels deep",
					       PLAYBOOK_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	} while (!rc && !done);
	yaml_parser_delete(&parser);
	return rc;
}

static int load_text(struct fu_ctx *ctx, const char *name, const char *yaml, int lenient,
		     struct playbook *pb)
{
	struct loader ld = { ctx, name, NULL, pb, lenient };
	yaml_parser_t parser;
	yaml_document_t doc;
	size_t len = strlen(yaml);
	int rc;

	playbook_init(pb);
	if (len > PLAYBOOK_MAX_BYTES)
		return fu_err(ctx, FU_EINPUT, "%s: larger than 1 MiB", name);
	rc = check_shape(&ld, yaml, len);
	if (rc)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return nomem(&ld);
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(&ld, &parser);
		goto out_parser;
	}
	ld.doc = &doc;
	rc = dup_str(&ld, name, &pb->name);
	if (!rc)
		rc = dup_str(&ld, yaml, &pb->source);
	if (!rc)
		rc = dup_str(&ld, "UTC", &pb->default_tz);
	if (!rc)
		rc = load_document(&ld);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	if (rc)
		playbook_release(pb);
	return rc;
}

int playbook_load_string(struct fu_ctx *ctx, const char *name, const char *yaml,
			 struct playbook *pb)
{
	return load_text(ctx, name, yaml, 0, pb);
}

int playbook_load_stored(struct fu_ctx *ctx, const char *name, const char *yaml,
			 struct playbook *pb)
{
	return load_text(ctx, name, yaml, 1, pb);
}

int playbook_load_file(struct fu_ctx *ctx, const char *path, struct playbook *pb)
{
	struct stat sb;
	char *text;
	size_t n;
	FILE *f;
	int rc;

	playbook_init(pb);
	f = fopen(path, "rb");
	if (!f)
		return fu_err(ctx, errno == ENOENT ? FU_ENOTFOUND : FU_EINPUT, "%s: %s", path,
			      strerror(errno));
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		return fu_err(ctx, FU_EINPUT, "%s: a directory, not a playbook file", path);
	}
	text = malloc(PLAYBOOK_MAX_BYTES + 2);
	if (!text) {
		fclose(f);
		return fu_err(ctx, FU_ENOMEM, "%s: out of memory", path);
	}
	n = fread(text, 1, PLAYBOOK_MAX_BYTES + 1, f);
	if (ferror(f)) {
		rc = fu_err(ctx, FU_EIO, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (n > PLAYBOOK_MAX_BYTES) {
		rc = fu_err(ctx, FU_EINPUT, "%s: larger than 1 MiB", path);
		goto out;
	}
	if (memchr(text, '\0', n)) {
		rc = fu_err(ctx, FU_EINPUT, "%s: contains a NUL byte: not a text file", path);
		goto out;
	}
	text[n] = '\0';
	rc = playbook_load_string(ctx, path, text, pb);
out:
	free(text);
	fclose(f);
	return rc;
}

int playbook_load_default(struct fu_ctx *ctx, struct playbook *pb)
{
	return playbook_load_string(ctx, "built-in", playbook_default_yaml, pb);
}
