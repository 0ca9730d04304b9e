/* import.c - contacts and events from CSV or JSON Lines, mapped, validated, stored all or nothing */
#include "import.h"
#include "message.h"
#include "outcome.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "csv.h"
#include "datetime.h"
#include "derive.h"
#include "model.h"
#include "strmap.h"
#include "tz.h"

#include "banned.h"

#define JSONL_LINE_MAX ((size_t)1 << 20)
#define MAX_FIELDS 16

/*
 * The values an event may carry (README, "What import accepts"): amounts from 0 to
 * 100,000,000,000.00, so that no sum of a contact's amounts can come near the int64 range
 * before millions of maximal ones (and those sums are checked besides, src/checked.h);
 * times and due dates in the years 1900 to 2199.
 */
#define AMOUNT_MAX_CENTS INT64_C(10000000000000)
#define YEAR_FIRST 1900
#define YEAR_LAST 2199

enum { EF_ID, EF_TYPE, EF_CONTACT, EF_TIME, EF_AMOUNT, EF_REF, EF_DUE, EF_CHANNEL, EF_OUTCOME,
       EF_NOTE, EF__COUNT };
enum { CF_KEY, CF_NAME, CF_EMAIL, CF_PHONE, CF_COMPANY, CF_OWNER, CF_TZ, CF__COUNT };

static const char *const event_fields[EF__COUNT] = {
	"id", "type", "contact", "time", "amount", "ref", "due", "channel", "outcome", "note"
};
static const char *const contact_fields[CF__COUNT] = {
	"key", "name", "email", "phone", "company", "owner", "tz"
};

void import_opts_init(struct import_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sep = IMPORT_SEP_DEFAULT;
	o->header = -1;
}

void import_result_init(struct import_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->bad_list, 0);
	buf_init(&r->ignored, 0);
}

void import_result_release(struct import_result *r)
{
	buf_release(&r->bad_list);
	buf_release(&r->ignored);
}

/* How the columns of one file become fields. Strings are malloced and owned here. */
struct mapping {
	int kind;
	int nfields;
	const char *const *names;
	char *col_name[MAX_FIELDS]; /* from --map / map file: a header name */
	int col_pos[MAX_FIELDS];    /* from --map / map file: 1-based position, 0 = none */
	int col[MAX_FIELDS];        /* resolved 0-based column, -1 = absent */
	int sep;
	int header;
	char *type;
	char *date_format;
};

static void mapping_release(struct mapping *m)
{
	for (int i = 0; i < MAX_FIELDS; i++)
		free(m->col_name[i]);
	free(m->type);
	free(m->date_format);
}

static int set_str(struct fu_ctx *ctx, char **dst, const char *v)
{
	char *p = strdup(v);

	if (!p)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a mapping");
	free(*dst);
	*dst = p;
	return FU_OK;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int import_sep_parse(struct fu_ctx *ctx, const char *v, int *sep)
{
	static const struct { const char *name; int sep; } names[] = {
		{ "comma", ',' }, { "semicolon", ';' }, { "tab", '\t' }, { "pipe", '|' },
		{ "whitespace", CSV_SEP_WHITESPACE }, { "ws", CSV_SEP_WHITESPACE },
		{ "\\t", '\t' },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(v, names[i].name) == 0) {
			*sep = names[i].sep;
			return FU_OK;
		}
	}
	if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') {
		*sep = (unsigned char)v[0];
		return FU_OK;
	}
	return fu_err(ctx, FU_EINPUT,
		      "separator '%.32s': use one character or comma, semicolon, tab, pipe, "
		      "whitespace", v);
}

/* One "field=column" assignment (from --map or a map file line). */
static int map_assign(struct fu_ctx *ctx, struct mapping *m, char *name, char *value)
{
	name = trim(name);
	value = trim(value);
	if (strcmp(name, "type") == 0 && m->kind == IMPORT_EVENTS && value[0] == '=') {
		/* "type==purchase": a fixed type */
		return set_str(ctx, &m->type, trim(value + 1));
	}
	for (int i = 0; i < m->nfields; i++) {
		if (strcmp(name, m->names[i]) != 0)
			continue;
		if (!*value)
			return fu_err(ctx, FU_EINPUT, "field '%s': no column given", name);
		if (strspn(value, "0123456789") == strlen(value)) {
			long pos = strtol(value, NULL, 10);

			if (pos < 1 || pos > 1024)
				return fu_err(ctx, FU_EINPUT, "field '%s': column %ld out of range",
					      name, pos);
			m->col_pos[i] = (int)pos;
			free(m->col_name[i]);
			m->col_name[i] = NULL;
			return FU_OK;
		}
		m->col_pos[i] = 0;
		return set_str(ctx, &m->col_name[i], value);
	}
	{
		struct buf known;
		int rc;

		buf_init(&known, 4096);
		for (int i = 0; i < m->nfields; i++)
			buf_addf(ctx, &known, "%s%s", i ? ", " : "", m->names[i]);
		rc = fu_err(ctx, FU_EINPUT, "unknown field '%.64s' (known: %s)", name,
			    buf_cstr(&known));
		buf_release(&known);
		return rc;
	}
}

static int parse_map_spec(struct fu_ctx *ctx, struct mapping *m, const char *spec)
{
	char *copy = strdup(spec), *p, *next, *eq;
	int rc = FU_OK;

	if (!copy)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading --map");
	for (p = copy; p && *p && !rc; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (!*trim(p))
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			rc = fu_err(ctx, FU_EINPUT, "--map: '%.64s': expected field=column", p);
			break;
		}
		*eq = '\0';
		rc = map_assign(ctx, m, p, eq + 1);
		if (rc)
			fu_err_prefix(ctx, "--map");
	}
	free(copy);
	return rc;
}

static int parse_map_file(struct fu_ctx *ctx, struct mapping *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	long lineno = 0;
	int rc = FU_OK;

	if (!f)
		return fu_err(ctx, FU_EINPUT, "%s: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		char *p, *eq, *name, *value;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = fu_err(ctx, FU_EINPUT, "%s:%ld: line too long", path, lineno);
			break;
		}
		p = trim(line);
		if (!*p || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			rc = fu_err(ctx, FU_EINPUT, "%s:%ld: expected 'name = value'", path, lineno);
			break;
		}
		*eq = '\0';
		name = trim(p);
		value = trim(eq + 1);
		if (strcmp(name, "separator") == 0) {
			rc = import_sep_parse(ctx, value, &m->sep);
		} else if (strcmp(name, "header") == 0) {
			if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
				m->header = 1;
			else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
				m->header = 0;
			else
				rc = fu_err(ctx, FU_EINPUT, "header '%.32s': use yes or no", value);
		} else if (strcmp(name, "date_format") == 0) {
			rc = dt_check_format(ctx, value);
			if (!rc)
				rc = set_str(ctx, &m->date_format, value);
		} else if (strcmp(name, "type") == 0 && m->kind == IMPORT_EVENTS &&
			   !strspn(value, "0123456789")) {
			int t;

			/* "type = purchase" is a fixed type; "type = 3" or a column name maps */
			if (event_type_parse(ctx, value, &t) == FU_OK)
				rc = set_str(ctx, &m->type, value);
			else
				rc = map_assign(ctx, m, name, value);
		} else {
			rc = map_assign(ctx, m, name, value);
		}
		if (rc)
			fu_err_prefix(ctx, "%s:%ld", path, lineno);
	}
	if (!rc && ferror(f))
		rc = fu_err(ctx, FU_EIO, "%s: read error", path);
	fclose(f);
	return rc;
}

static int mapping_setup(struct fu_ctx *ctx, struct mapping *m, const struct import_opts *o)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->kind = o->kind;
	m->names = o->kind == IMPORT_EVENTS ? event_fields : contact_fields;
	m->nfields = o->kind == IMPORT_EVENTS ? EF__COUNT : CF__COUNT;
	m->sep = ',';
	m->header = 1;
	if (o->map_file) {
		rc = parse_map_file(ctx, m, o->map_file);
		if (rc)
			return rc;
	}
	if (o->map) {
		rc = parse_map_spec(ctx, m, o->map);
		if (rc)
			return rc;
	}
	if (o->sep != IMPORT_SEP_DEFAULT)
		m->sep = o->sep;
	if (o->header >= 0)
		m->header = o->header;
	if (o->fixed_type) {
		rc = set_str(ctx, &m->type, o->fixed_type);
		if (rc)
			return rc;
	}
	if (m->type) {
		int t;

		rc = event_type_parse(ctx, m->type, &t);
		if (rc)
			return fu_err_prefix(ctx, "--type");
	}
	if (o->date_format) {
		rc = dt_check_format(ctx, o->date_format);
		if (!rc)
			rc = set_str(ctx, &m->date_format, o->date_format);
		if (rc)
			return fu_err_prefix(ctx, "--date-format");
	}
	return FU_OK;
}

static int str_ieq_trim(const char *a, const char *b)
{
	size_t n;

	while (*a == ' ')
		a++;
	n = strlen(a);
	while (n && a[n - 1] == ' ')
		n--;
	return strlen(b) == n && strncasecmp(a, b, n) == 0;
}

/*
 * Resolves columns against a header (names, count) or, without one, positions only.
 * used[] marks columns taken by a field.
 */
static int mapping_resolve(struct fu_ctx *ctx, struct mapping *m, const char *name,
			   char **header, int ncols, int *used)
{
	for (int i = 0; i < m->nfields; i++) {
		m->col[i] = -1;
		if (m->col_pos[i]) {
			m->col[i] = m->col_pos[i] - 1;
		} else if (m->col_name[i] || header) {
			const char *want = m->col_name[i] ? m->col_name[i] : m->names[i];

			if (!header)
				return fu_err(ctx, FU_EINPUT,
					      "%s: field '%s' mapped to column '%s', but the file "
					      "has no header; give a position (%s=1)",
					      name, m->names[i], want, m->names[i]);
			for (int c = 0; c < ncols; c++) {
				if (str_ieq_trim(header[c], want)) {
					m->col[i] = c;
					break;
				}
			}
			if (m->col[i] < 0 && m->col_name[i])
				return fu_err(ctx, FU_EINPUT,
					      "%s:1: no column '%s' in the header (mapped to '%s')",
					      name, want, m->names[i]);
		}
		if (m->col[i] >= 0 && used && m->col[i] < ncols)
			used[m->col[i]] = 1;
	}
	if (m->kind == IMPORT_EVENTS) {
		if (m->col[EF_CONTACT] < 0)
			return fu_err(ctx, FU_EINPUT,
				      "%s: no 'contact' column (use --map contact=COLUMN)", name);
		if (m->col[EF_TIME] < 0)
			return fu_err(ctx, FU_EINPUT, "%s: no 'time' column (use --map time=COLUMN)",
				      name);
		if (m->col[EF_TYPE] < 0 && !m->type)
			return fu_err(ctx, FU_EINPUT,
				      "%s: no 'type' column (use --type TYPE or --map type=COLUMN)",
				      name);
	} else if (m->col[CF_KEY] < 0) {
		return fu_err(ctx, FU_EINPUT, "%s: no 'key' column (use --map key=COLUMN)", name);
	}
	return FU_OK;
}

/* ---- validation of single values ---- */

static int check_text(struct fu_ctx *ctx, const char *field, const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n > max)
		return fu_err(ctx, FU_EINPUT, "%s: longer than %zu bytes", field, max);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 && !(max >= FU_NOTE_MAX && (c == '\n' || c == '\t' || c == '\r')))
			return fu_err(ctx, FU_EINPUT, "%s: control character 0x%02x", field, c);
	}
	/* files were checked whole by their reader; a value typed by hand (`event`) was not */
	if (!utf8_valid(v, n))
		return fu_err(ctx, FU_EINPUT, "%s: invalid UTF-8", field);
	return FU_OK;
}

static const char *nz(const char *v)
{
	return v && *v ? v : NULL;
}

static int parse_time_field(struct fu_ctx *ctx, const char *field, const char *v,
			    const char *fmt, int64_t *out)
{
	int rc = fmt ? dt_parse_format(ctx, v, fmt, out) : dt_parse_iso(ctx, v, 0, out);

	if (!rc && (*out < dt_days_from_civil(YEAR_FIRST, 1, 1) * 86400 ||
		    *out >= dt_days_from_civil(YEAR_LAST + 1, 1, 1) * 86400))
		rc = fu_err(ctx, FU_EINPUT, "time \"%.64s\": outside the years %d to %d", v,
			    YEAR_FIRST, YEAR_LAST);
	/* the message already says `time "..."`; name other fields in front of it */
	if (rc && strcmp(field, "time") != 0)
		return fu_err_prefix(ctx, "%s", field);
	return rc;
}

int import_event_from_text(struct fu_ctx *ctx, const struct event_text *t,
			   const char *date_format, struct event *e)
{
	const char *id = nz(t->id), *key = nz(t->contact), *type = nz(t->type);
	int rc;

	event_init(e);
	if (id) {
		rc = check_text(ctx, "id", id, FU_TEXT_MAX);
		if (rc)
			return rc;
		e->ext_id = (char *)id;
	}
	if (!type)
		return fu_err(ctx, FU_EINPUT, "type: missing");
	rc = event_type_parse(ctx, type, &e->type);
	if (rc)
		return fu_err_prefix(ctx, "type");
	if (!key)
		return fu_err(ctx, FU_EINPUT, "contact: missing");
	rc = check_text(ctx, "contact", key, FU_KEY_MAX);
	if (rc)
		return rc;
	e->contact_key = (char *)key;
	if (!nz(t->time))
		return fu_err(ctx, FU_EINPUT, "time: missing");
	rc = parse_time_field(ctx, "time", t->time, date_format, &e->time);
	if (rc)
		return rc;
	if (nz(t->amount)) {
		rc = amount_parse(ctx, t->amount, &e->amount);
		if (rc)
			return fu_err_prefix(ctx, "amount");
		if (e->amount < 0)
			return fu_err(ctx, FU_EINPUT,
				      "amount \"%.64s\": negative (a refund is not an event followup "
				      "records; leave it out or note it on a touch)", t->amount);
		if (e->amount > AMOUNT_MAX_CENTS)
			return fu_err(ctx, FU_EINPUT, "amount \"%.64s\": more than %" PRId64 ".00",
				      t->amount, AMOUNT_MAX_CENTS / 100);
		e->has_amount = 1;
	}
	if (nz(t->due)) {
		rc = parse_time_field(ctx, "due", t->due, date_format, &e->due);
		if (rc)
			return rc;
	}
	{
		const char *const names[] = { "ref", "channel", "outcome" };
		const char *vals[] = { t->ref, t->channel, t->outcome };
		char **dst[] = { &e->ref, &e->channel, &e->outcome };

		for (int i = 0; i < 3; i++) {
			if (!nz(vals[i]))
				continue;
			rc = check_text(ctx, names[i], vals[i], FU_TEXT_MAX);
			if (rc)
				return rc;
			*dst[i] = (char *)vals[i];
		}
	}
	if (nz(t->note)) {
		/* a message's note is what it says and to whom, as JSON (outbox.h) */
		rc = check_text(ctx, "note", t->note,
				e->type == EV_MESSAGE ? FU_MESSAGE_NOTE_MAX : FU_NOTE_MAX);
		if (rc)
			return rc;
		e->note = (char *)t->note;
	}
	if (e->outcome) {
		int o;

		/* a message's outcome is a step of its life in the outbox (message.h) */
		if (e->type == EV_MESSAGE && message_outcome_of(e->outcome) < 0)
			return fu_err(ctx, FU_EINPUT, "outcome: '%.64s' is not a message's outcome",
				      e->outcome);
		if (e->type == EV_REPLY && strcmp(e->outcome, REPLY_AUTOMATIC) != 0)
			return fu_err(ctx, FU_EINPUT, "outcome: a reply's outcome can only be '%s'",
				      REPLY_AUTOMATIC);
		if (e->type != EV_TOUCH && e->type != EV_MESSAGE && e->type != EV_REPLY)
			return fu_err(ctx, FU_EINPUT, "outcome: only a touch has an outcome");
		rc = e->type == EV_TOUCH ? outcome_parse(ctx, e->outcome, &o) : FU_OK;
		if (rc)
			return rc;
	}
	if (e->type == EV_OPT_OUT && e->channel && strcmp(e->channel, "email") != 0 &&
	    strcmp(e->channel, "all") != 0)
		return fu_err(ctx, FU_EINPUT,
			      "channel: an opt_out is for 'email' or 'all', not '%.64s'", e->channel);
	/* an invoice's due date, a touch's agreed next date (not-yet, snoozed), a message's next try */
	if (e->due != FU_TIME_NONE && e->type != EV_INVOICE && e->type != EV_TOUCH &&
	    e->type != EV_MESSAGE)
		return fu_err(ctx, FU_EINPUT, "due: only an invoice or a touch has a due date");
	return FU_OK;
}

/* ---- the import run ---- */

/*
 * A contact touched by this import. Its state is folded as the rows stream in, as long as
 * its new events come in time order after everything it had before; otherwise it is marked
 * dirty and folded again from the store at the end.
 */
struct live {
	struct contact_state st;
	int dirty;
	int stored; /* an event of this import was stored for it (else its state is as it was) */
};

struct run {
	struct store *s;
	const struct import_opts *o;
	struct mapping m;
	struct import_result *r;
	const char *name;
	char **header;      /* copies of the header names, or NULL */
	int nheader;
	struct strmap keys; /* contact key -> index into live */
	struct live *live;
	size_t nlive, cap_live;
	struct tz_cache *zones;
	int bulk;           /* a first bulk load of the event log (store_events_bulk_begin) */
	int fatal;          /* the last row's error cannot be skipped (its event is stored) */
	struct bulk_row *bulk_rows; /* in a bulk load: where the event with id i + 1 came from */
	size_t nbulk, cap_bulk;
};

struct bulk_row {
	uint32_t line, col;
};

/*
 * Where a row and each of its fields start in the file: 1-based lines and byte columns
 * (0 = the field is absent from the row: its messages point at the row's start).
 */
struct row_place {
	long line;
	long field_line[MAX_FIELDS];
	long field_col[MAX_FIELDS];
};

/* The index in run->live of the contact with key, creating the contact when missing. */
static int live_for(struct fu_ctx *ctx, struct run *run, const char *key, size_t *idx)
{
	struct contact_state old;
	struct live *l;
	int64_t v, id;
	int created, rc;

	if (strmap_get(&run->keys, key, &v)) {
		*idx = (size_t)v;
		return FU_OK;
	}
	rc = store_contact_ensure(ctx, run->s, key, &id, &created);
	if (rc)
		return rc;
	if (created)
		run->r->contacts_new++;
	rc = fu_grow(ctx, &run->live, &run->cap_live, run->nlive + 1, sizeof(*run->live), 1024,
		     "importing");
	if (rc)
		return rc;
	l = &run->live[run->nlive];
	contact_state_init(&l->st, id);
	l->dirty = 0;
	l->stored = 0;
	if (!created) {
		/* a contact with earlier events: its open invoices are not in memory */
		rc = store_state_get(ctx, run->s, id, &old);
		if (rc == FU_ENOTFOUND)
			fu_ctx_init(ctx);
		else if (rc)
			return rc;
		else if (old.events > 0)
			l->dirty = 1;
	}
	rc = strmap_put(ctx, &run->keys, key, (int64_t)run->nlive);
	if (rc)
		return rc;
	*idx = run->nlive++;
	return FU_OK;
}

/* Stores the streamed states and folds the dirty contacts again from the store. */
static int live_finish(struct fu_ctx *ctx, struct run *run)
{
	int64_t *dirty = NULL;
	size_t ndirty = 0;
	int rc = FU_OK;

	for (size_t i = 0; i < run->nlive && !rc; i++) {
		struct live *l = &run->live[i];

		if (!l->stored)
			continue; /* every row of it was already stored: nothing changed */
		if (!l->dirty) {
			rc = store_state_put(ctx, run->s, &l->st);
			continue;
		}
		if (!dirty) {
			dirty = malloc(run->nlive * sizeof(*dirty));
			if (!dirty)
				return fu_err(ctx, FU_ENOMEM, "out of memory importing");
		}
		dirty[ndirty++] = l->st.contact_id;
	}
	if (!rc) {
		rc = derive_contacts(ctx, run->s, dirty, ndirty);
		if (rc == FU_EINPUT)
			fu_err_prefix(ctx, "%s", run->name);
	}
	free(dirty);
	return rc;
}

/* After a first bulk load: index, drop repeated ids, and refold if any were dropped. */
static int bulk_finish(struct fu_ctx *ctx, struct run *run)
{
	int64_t dropped, conflict[2];
	int rc = store_events_bulk_end(ctx, run->s, &dropped, conflict);

	if (rc)
		return rc;
	if (conflict[1]) {
		/* a later row repeats an earlier one's id with other content */
		size_t a = (size_t)conflict[0] - 1, b = (size_t)conflict[1] - 1;

		if (b < run->nbulk && a < run->nbulk)
			return fu_err(ctx, FU_EINPUT, "%s:%" PRIu32 ":%" PRIu32 ": field 'id': the "
				      "id of line %" PRIu32 " again, with other content (an event "
				      "is never changed; give the new one another id)", run->name,
				      run->bulk_rows[b].line, run->bulk_rows[b].col,
				      run->bulk_rows[a].line);
		return fu_err(ctx, FU_EINPUT, "%s: field 'id': an id appears twice with other "
			      "content", run->name);
	}
	if (!dropped)
		return FU_OK;
	run->r->duplicates += dropped;
	run->r->stored -= dropped;
	for (size_t i = 0; i < run->nlive; i++) {
		if (!run->live[i].dirty) {
			contact_state_release(&run->live[i].st);
			run->live[i].dirty = 1;
		}
	}
	return FU_OK;
}

static void live_release(struct run *run)
{
	for (size_t i = 0; i < run->nlive; i++)
		contact_state_release(&run->live[i].st);
	free(run->live);
}

/*
 * The field a row's message is about: messages start with "field: " or with `field "`
 * (`time "2026-13-01": ...`). *skip is set to the length of the words that the placed
 * message says as "field 'x': " instead (also a `time ` after "due: ").
 */
static int field_of_message(const struct mapping *m, const char *msg, size_t *skip)
{
	*skip = 0;
	for (int i = 0; i < m->nfields; i++) {
		size_t n = strlen(m->names[i]);

		if (strncmp(msg, m->names[i], n) != 0)
			continue;
		if (msg[n] == ':' && msg[n + 1] == ' ') {
			*skip = n + 2;
			/* "due: time "x": ..." and "amount: amount "x": ..." say the field twice */
			if (strncmp(msg + *skip, "time \"", 6) == 0)
				*skip += 5;
			else if (strncmp(msg + *skip, m->names[i], n) == 0 &&
				 strncmp(msg + *skip + n, " \"", 2) == 0)
				*skip += n + 1;
			return i;
		}
		if (msg[n] == ' ' && msg[n + 1] == '"') {
			*skip = n + 1;
			return i;
		}
	}
	return -1;
}

/*
 * Gives the row's message on ctx its place, in the one form of every import error:
 * "file:line:column: field 'x': what" (or "file:line:column: what" when no field is named).
 */
static void place_error(struct fu_ctx *ctx, const char *name, const struct mapping *m,
			const struct row_place *p)
{
	size_t skip;
	int field = field_of_message(m, ctx->msg, &skip);
	long line = p->line, col = 1;

	if (field >= 0 && p->field_col[field] > 0) {
		line = p->field_line[field];
		col = p->field_col[field];
	}
	if (field >= 0) {
		memmove(ctx->msg, ctx->msg + skip, strlen(ctx->msg + skip) + 1);
		fu_err_prefix(ctx, "%s:%ld:%ld: field '%s'", name, line, col, m->names[field]);
	} else {
		fu_err_prefix(ctx, "%s:%ld:%ld", name, line, col);
	}
}

/* Where the fields of a CSV record start: the columns the mapping gives each field. */
static void csv_place(const struct mapping *m, const struct csv_record *rec,
		      struct row_place *p)
{
	p->line = rec->line;
	for (int i = 0; i < m->nfields; i++) {
		int c = m->col[i];

		p->field_line[i] = c >= 0 && c < rec->nfields ? rec->lines[c] : rec->line;
		p->field_col[i] = c >= 0 && c < rec->nfields ? rec->cols[c] : 0;
	}
}

/* Validates the mapped values v[] of one row into *e (strings borrowed from v). */
static int event_parse(struct fu_ctx *ctx, const struct mapping *m, const char **v,
		       struct event *e)
{
	struct event_text t = {
		v[EF_ID], m->type ? m->type : v[EF_TYPE], v[EF_CONTACT], v[EF_TIME],
		v[EF_AMOUNT], v[EF_REF], v[EF_DUE], v[EF_CHANNEL], v[EF_OUTCOME], v[EF_NOTE]
	};

	return import_event_from_text(ctx, &t, m->date_format, e);
}

/* Folds the stored event e into the streamed state of run->live[idx]. */
static int live_apply(struct fu_ctx *ctx, struct run *run, size_t idx, const struct event *e)
{
	struct live *l = &run->live[idx];

	l->stored = 1;
	if (!l->dirty && l->st.events && e->time < l->st.last_event) {
		/* out of time order: fold this contact from the store at the end */
		contact_state_release(&l->st);
		l->dirty = 1;
	}
	if (l->dirty)
		return FU_OK;
	return contact_state_apply(ctx, &l->st, e);
}

/*
 * In a bulk load, where the event with id (ids ascend from 1 in file order) came from, so
 * that an id repeated with other content can be named by its row when the load ends.
 */
static int bulk_note(struct fu_ctx *ctx, struct run *run, int64_t id, const struct row_place *p)
{
	struct bulk_row *b;
	int rc;

	if (id != (int64_t)run->nbulk + 1)
		return FU_OK; /* not in step: such a conflict is named without its row */
	rc = fu_grow(ctx, &run->bulk_rows, &run->cap_bulk, run->nbulk + 1, sizeof(*b), 4096,
		     "importing");
	if (rc)
		return rc;
	b = &run->bulk_rows[run->nbulk++];
	b->line = p->field_col[EF_ID] ? p->field_line[EF_ID] : p->line;
	b->col = p->field_col[EF_ID] ? p->field_col[EF_ID] : 1;
	return FU_OK;
}

/* A fold failure: the event is stored, so the error cannot be skipped. */
static int fold_failed(struct fu_ctx *ctx, struct run *run, const struct row_place *p, int rc)
{
	run->fatal = 1;
	if (rc == FU_EINPUT)
		place_error(ctx, run->name, &run->m, p);
	return rc;
}

/*
 * Stores one validated event (unless its id is already stored with the same content) and
 * folds it. Input errors come back placed at p.
 */
static int event_store(struct fu_ctx *ctx, struct run *run, struct event *e,
		       const struct row_place *p)
{
	size_t idx = 0;
	int inserted, same, rc;

	rc = live_for(ctx, run, e->contact_key, &idx);
	if (rc)
		return rc;
	e->contact_id = run->live[idx].st.contact_id;
	rc = store_event_append(ctx, run->s, e, run->o->now, &inserted);
	if (rc)
		return rc;
	if (!inserted) {
		rc = store_event_same(ctx, run->s, e, &same);
		if (rc)
			return rc;
		if (!same) {
			run->fatal = 1; /* the source disagrees with itself: not a row to skip */
			fu_err(ctx, FU_EINPUT, "id: '%.64s' is already stored with other content "
			       "(an event is never changed; give the new one another id)", e->ext_id);
			place_error(ctx, run->name, &run->m, p);
			return FU_EINPUT;
		}
		run->r->duplicates++;
		return FU_OK;
	}
	run->r->stored++;
	if (run->bulk) {
		rc = bulk_note(ctx, run, e->id, p);
		if (rc)
			return rc;
	}
	rc = live_apply(ctx, run, idx, e);
	return rc ? fold_failed(ctx, run, p, rc) : FU_OK;
}

static int event_row(struct fu_ctx *ctx, struct run *run, const char **v,
		     const struct row_place *p)
{
	struct event e;
	int rc = event_parse(ctx, &run->m, v, &e);

	if (rc) {
		if (rc == FU_EINPUT)
			place_error(ctx, run->name, &run->m, p);
		return rc;
	}
	return event_store(ctx, run, &e, p);
}

static int contact_row(struct fu_ctx *ctx, struct run *run, const char **v, const char *attrs)
{
	static const size_t max[CF__COUNT] = { FU_KEY_MAX, FU_TEXT_MAX, FU_TEXT_MAX, FU_TEXT_MAX,
					       FU_TEXT_MAX, FU_TEXT_MAX, FU_TEXT_MAX };
	struct contact c;
	char **dst[CF__COUNT];
	int created, rc;

	contact_init(&c);
	dst[CF_KEY] = &c.key;
	dst[CF_NAME] = &c.name;
	dst[CF_EMAIL] = &c.email;
	dst[CF_PHONE] = &c.phone;
	dst[CF_COMPANY] = &c.company;
	dst[CF_OWNER] = &c.owner;
	dst[CF_TZ] = &c.tz;
	if (!nz(v[CF_KEY]))
		return fu_err(ctx, FU_EINPUT, "key: missing");
	for (int i = 0; i < CF__COUNT; i++) {
		if (!nz(v[i]))
			continue;
		rc = check_text(ctx, contact_fields[i], v[i], max[i]);
		if (rc)
			return rc;
		*dst[i] = (char *)v[i];
	}
	if (c.email && (!strchr(c.email, '@') || strchr(c.email, ' ')))
		return fu_err(ctx, FU_EINPUT, "email: '%.64s' is not an e-mail address", c.email);
	if (c.tz) {
		const struct tz *z;

		rc = tz_cache_get(ctx, run->zones, c.tz, &z);
		if (rc == FU_ENOTFOUND)
			ctx->rc = rc = FU_EINPUT; /* an unknown zone is a bad value in this row */
		if (rc)
			return fu_err_prefix(ctx, "tz");
	}
	c.attrs = (char *)attrs;
	rc = store_contact_upsert(ctx, run->s, &c, &created);
	if (rc)
		return rc;
	run->r->stored++;
	if (created)
		run->r->contacts_new++;
	return FU_OK;
}

/*
 * Handles a row's failure (an input error's message already placed): fatal, or (with
 * --skip-bad, for input errors about a row whose event was not stored) listed and skipped.
 */
static int row_failed(struct fu_ctx *ctx, struct run *run, int rc)
{
	if (rc != FU_EINPUT || !run->o->skip_bad || run->fatal)
		return rc;
	run->r->bad++;
	if (run->r->bad <= IMPORT_BAD_LISTED) {
		struct fu_ctx tmp;

		fu_ctx_init(&tmp);
		if (buf_addf(&tmp, &run->r->bad_list, "%s\n", ctx->msg))
			return fu_err(ctx, tmp.rc, "%s", tmp.msg);
	}
	fu_ctx_init(ctx);
	return FU_OK;
}

/* Builds a JSON object of the columns not mapped to a field (contacts' attributes). */
static int attrs_json(struct fu_ctx *ctx, struct run *run, struct csv_record *rec,
		      const int *used, char **out)
{
	json_t *o;
	int any = 0;

	*out = NULL;
	if (!run->header)
		return FU_OK;
	o = json_object();
	if (!o)
		return fu_err(ctx, FU_ENOMEM, "out of memory building attributes");
	for (int c = 0; c < rec->nfields && c < run->nheader; c++) {
		if (used[c] || !*rec->fields[c] || !*run->header[c])
			continue;
		if (json_object_set_new(o, run->header[c], json_string(rec->fields[c]))) {
			json_decref(o);
			return fu_err(ctx, FU_EINPUT, "column '%.64s': not valid text",
				      run->header[c]);
		}
		any = 1;
	}
	if (any) {
		*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		if (!*out) {
			json_decref(o);
			return fu_err(ctx, FU_ENOMEM, "out of memory building attributes");
		}
	}
	json_decref(o);
	return FU_OK;
}

static int copy_header(struct fu_ctx *ctx, struct run *run, struct csv_record *rec)
{
	run->header = calloc((size_t)rec->nfields, sizeof(char *));
	if (!run->header)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading the header");
	run->nheader = rec->nfields;
	for (int i = 0; i < rec->nfields; i++) {
		run->header[i] = strdup(trim(rec->fields[i]));
		if (!run->header[i])
			return fu_err(ctx, FU_ENOMEM, "out of memory reading the header");
	}
	return FU_OK;
}

static int note_ignored(struct fu_ctx *ctx, struct run *run, const int *used)
{
	int rc;

	if (!run->header || run->m.kind != IMPORT_EVENTS)
		return FU_OK;
	for (int c = 0; c < run->nheader; c++) {
		if (used[c])
			continue;
		rc = buf_addf(ctx, &run->r->ignored, "%s%s", run->r->ignored.len ? ", " : "",
			      run->header[c]);
		if (rc)
			return rc;
	}
	return FU_OK;
}

/* Maps the columns of rec to the fields' values v[] (trimmed in place; NULL when absent). */
static void map_record(const struct mapping *m, struct csv_record *rec, const char **v)
{
	for (int i = 0; i < m->nfields; i++) {
		int c = m->col[i];

		v[i] = c >= 0 && c < rec->nfields ? trim(rec->fields[c]) : NULL;
	}
}

/*
 * Reading an events CSV takes two threads: a reader parses and validates the rows into
 * batches, and the importing thread (the only one that touches the store, the run and its
 * contacts) takes the batches in file order. A batch owns copies of its rows' strings, so
 * the reader fills the next batches while earlier ones are stored. Without a thread the
 * importing thread fills each batch itself.
 */
#define BATCH_ROWS 256
#define BATCHES 4
#define NO_TEXT ((size_t)-1)

enum { RS_EXT_ID, RS_CONTACT, RS_REF, RS_CHANNEL, RS_OUTCOME, RS_NOTE, RS__COUNT };

/* One row of a batch: a valid event, or the row's error (rc and msg). */
struct batch_row {
	struct event e;          /* strings point into the batch's text */
	const char *msg;         /* when rc: the message, in the batch's text */
	size_t off[RS__COUNT];   /* while filling: offsets of e's strings (or of msg) in text */
	struct row_place place;
	int rc;
};

struct batch {
	struct batch_row rows[BATCH_ROWS];
	size_t n;
	char *text;              /* the rows' strings and messages, each NUL-terminated */
	size_t len, cap;
	int last;                /* the input ends with this batch */
	int rc;                  /* the input could not be read past the rows: rc and msg */
	char msg[FU_MSG_MAX];
	struct batch *next;      /* in a queue of struct reader */
};

/* The reader of an events CSV and the queues between it and the importing thread. */
struct reader {
	struct csv_reader *csv;
	const struct mapping *m;
	const char *name;            /* the file's name in messages */
	struct csv_record *pending;  /* a row read before the reader started, or NULL */
	struct batch *all[BATCHES];
	struct batch *full, *full_tail; /* filled, in file order (under lock) */
	struct batch *free;          /* to fill (under lock) */
	int stop;                    /* the importing thread gave up (under lock) */
	int threaded;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* the importing thread's: the valid rows of one batch, in order */
	struct event good[BATCH_ROWS];
	size_t good_idx[BATCH_ROWS]; /* index into run->live */
	const struct row_place *good_place[BATCH_ROWS]; /* in the batch's rows */
};

/* The strings of e that a batch keeps, in RS_ order. */
static void event_strings(struct event *e, char **f[RS__COUNT])
{
	f[RS_EXT_ID] = &e->ext_id;
	f[RS_CONTACT] = &e->contact_key;
	f[RS_REF] = &e->ref;
	f[RS_CHANNEL] = &e->channel;
	f[RS_OUTCOME] = &e->outcome;
	f[RS_NOTE] = &e->note;
}

/* Copies s (NULL is fine) into b's text, setting *off. */
static int batch_keep(struct fu_ctx *ctx, struct batch *b, const char *s, size_t *off)
{
	size_t n;

	*off = NO_TEXT;
	if (!s)
		return FU_OK;
	n = strlen(s) + 1;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : (size_t)64 << 10;
		char *p;

		while (cap - b->len < n)
			cap *= 2;
		p = realloc(b->text, cap);
		if (!p)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading rows");
		b->text = p;
		b->cap = cap;
	}
	memcpy(b->text + b->len, s, n);
	*off = b->len;
	b->len += n;
	return FU_OK;
}

/* Parses one record into row (its strings into b's text); FU_OK or the row's placed error. */
static int batch_row_parse(struct fu_ctx *ctx, const struct reader *rd, struct batch *b,
			   struct batch_row *row, struct csv_record *rec)
{
	const char *v[MAX_FIELDS];
	char **f[RS__COUNT];
	int rc;

	row->rc = FU_OK;
	csv_place(rd->m, rec, &row->place);
	map_record(rd->m, rec, v);
	rc = event_parse(ctx, rd->m, v, &row->e);
	if (rc) {
		if (rc == FU_EINPUT)
			place_error(ctx, rd->name, rd->m, &row->place);
		return rc;
	}
	event_strings(&row->e, f);
	for (int i = 0; i < RS__COUNT && !rc; i++)
		rc = batch_keep(ctx, b, *f[i], &row->off[i]);
	return rc;
}

/* Points the rows' strings into the text, which no longer moves. */
static void batch_seal(struct batch *b)
{
	char **f[RS__COUNT];

	for (size_t i = 0; i < b->n; i++) {
		struct batch_row *row = &b->rows[i];

		if (row->rc) {
			row->msg = b->text + row->off[0];
			continue;
		}
		event_strings(&row->e, f);
		for (int k = 0; k < RS__COUNT; k++)
			*f[k] = row->off[k] == NO_TEXT ? NULL : b->text + row->off[k];
	}
}

/* The reader's side: parses rows into b until it is full or the input ends. */
static void batch_fill(struct reader *rd, struct batch *b)
{
	struct fu_ctx ctx;
	struct csv_record *rec;

	b->n = 0;
	b->len = 0;
	b->last = 0;
	b->rc = FU_OK;
	fu_ctx_init(&ctx);
	while (b->n < BATCH_ROWS) {
		struct batch_row *row;

		rec = rd->pending;
		rd->pending = NULL;
		if (!rec && csv_next(&ctx, rd->csv, &rec)) {
			b->rc = ctx.rc;
			memcpy(b->msg, ctx.msg, sizeof(b->msg));
		}
		if (!rec) {
			b->last = 1;
			break;
		}
		row = &b->rows[b->n++];
		row->rc = batch_row_parse(&ctx, rd, b, row, rec);
		if (!row->rc)
			continue;
		if (batch_keep(&ctx, b, ctx.msg, &row->off[0])) {
			b->n--;
			b->rc = ctx.rc;
			memcpy(b->msg, ctx.msg, sizeof(b->msg));
			b->last = 1;
			break;
		}
		fu_ctx_init(&ctx);
	}
	batch_seal(b);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct batch *b;
	int last = 0;

	while (!last) {
		pthread_mutex_lock(&rd->lock);
		while (!rd->free && !rd->stop)
			pthread_cond_wait(&rd->cond, &rd->lock);
		b = rd->stop ? NULL : rd->free;
		if (b)
			rd->free = b->next;
		pthread_mutex_unlock(&rd->lock);
		if (!b)
			break;
		batch_fill(rd, b);
		last = b->last;
		pthread_mutex_lock(&rd->lock);
		b->next = NULL;
		if (rd->full_tail)
			rd->full_tail->next = b;
		else
			rd->full = b;
		rd->full_tail = b;
		pthread_cond_broadcast(&rd->cond);
		pthread_mutex_unlock(&rd->lock);
	}
	return NULL;
}

/*
 * Sets up rd on csv (pending: a row already read, or NULL) and starts its thread, or
 * falls back to reading on the caller's thread. reader_stop() frees what this allocates.
 */
static int reader_start(struct fu_ctx *ctx, struct reader *rd, struct csv_reader *csv,
			const struct mapping *m, const char *name, struct csv_record *pending)
{
	memset(rd, 0, sizeof(*rd));
	rd->csv = csv;
	rd->m = m;
	rd->name = name;
	rd->pending = pending;
	for (int i = 0; i < BATCHES; i++) {
		rd->all[i] = calloc(1, sizeof(*rd->all[i]));
		if (!rd->all[i])
			return fu_err(ctx, FU_ENOMEM, "out of memory importing");
		rd->all[i]->next = rd->free;
		rd->free = rd->all[i];
	}
	if (pthread_mutex_init(&rd->lock, NULL))
		return FU_OK;
	if (pthread_cond_init(&rd->cond, NULL)) {
		pthread_mutex_destroy(&rd->lock);
		return FU_OK;
	}
	rd->threaded = !pthread_create(&rd->thread, NULL, reader_main, rd);
	if (!rd->threaded) {
		pthread_cond_destroy(&rd->cond);
		pthread_mutex_destroy(&rd->lock);
	}
	return FU_OK;
}

/* The next batch in file order; the last one has ->last set. */
static struct batch *reader_get(struct reader *rd)
{
	struct batch *b;

	if (!rd->threaded) {
		b = rd->all[0];
		batch_fill(rd, b);
		return b;
	}
	pthread_mutex_lock(&rd->lock);
	while (!rd->full)
		pthread_cond_wait(&rd->cond, &rd->lock);
	b = rd->full;
	rd->full = b->next;
	if (!rd->full)
		rd->full_tail = NULL;
	pthread_mutex_unlock(&rd->lock);
	return b;
}

/* Gives a batch taken with reader_get() back to be filled again. */
static void reader_put(struct reader *rd, struct batch *b)
{
	if (!rd->threaded)
		return;
	pthread_mutex_lock(&rd->lock);
	b->next = rd->free;
	rd->free = b;
	pthread_cond_broadcast(&rd->cond);
	pthread_mutex_unlock(&rd->lock);
}

/* Stops and joins the thread (wherever it is in the input) and frees the batches. */
static void reader_stop(struct reader *rd)
{
	if (rd->threaded) {
		pthread_mutex_lock(&rd->lock);
		rd->stop = 1;
		pthread_cond_broadcast(&rd->cond);
		pthread_mutex_unlock(&rd->lock);
		pthread_join(rd->thread, NULL);
		pthread_cond_destroy(&rd->cond);
		pthread_mutex_destroy(&rd->lock);
	}
	for (int i = 0; i < BATCHES; i++) {
		if (rd->all[i])
			free(rd->all[i]->text);
		free(rd->all[i]);
	}
}

/*
 * Imports the rows of one batch. In a bulk load the valid rows go to the store together
 * and are folded, in order, once they have their ids.
 */
static int batch_import(struct fu_ctx *ctx, struct run *run, struct reader *rd,
			struct batch *b)
{
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < b->n; i++) {
		struct batch_row *row = &b->rows[i];

		run->r->rows++;
		if (row->rc) {
			rc = fu_err(ctx, row->rc, "%s", row->msg);
		} else if (!run->bulk) {
			rc = event_store(ctx, run, &row->e, &row->place);
		} else {
			rc = live_for(ctx, run, row->e.contact_key, &rd->good_idx[n]);
			if (!rc) {
				rd->good[n] = row->e;
				rd->good[n].contact_id = run->live[rd->good_idx[n]].st.contact_id;
				rd->good_place[n++] = &row->place;
			}
		}
		if (rc) {
			rc = row_failed(ctx, run, rc);
			if (rc)
				return rc;
		}
	}
	if (!n)
		return FU_OK;
	rc = store_events_bulk_append(ctx, run->s, rd->good, n, run->o->now);
	if (rc)
		return fu_err_prefix(ctx, "%s:%ld", run->name, rd->good_place[0]->line);
	for (size_t k = 0; k < n; k++) {
		run->r->stored++;
		rc = bulk_note(ctx, run, rd->good[k].id, rd->good_place[k]);
		if (rc)
			return rc;
		rc = live_apply(ctx, run, rd->good_idx[k], &rd->good[k]);
		if (rc)
			return fold_failed(ctx, run, rd->good_place[k], rc);
	}
	return FU_OK;
}

/* The rows of an events CSV after its header (pending: the first row, already read). */
static int run_csv_events(struct fu_ctx *ctx, struct run *run, struct csv_reader *csv,
			  struct csv_record *pending)
{
	struct reader *rd = malloc(sizeof(*rd));
	struct batch *b;
	int rc, last;

	if (!rd)
		return fu_err(ctx, FU_ENOMEM, "out of memory importing");
	rc = reader_start(ctx, rd, csv, &run->m, run->name, pending);
	while (!rc) {
		b = reader_get(rd);
		rc = batch_import(ctx, run, rd, b);
		if (!rc && b->rc)
			rc = fu_err(ctx, b->rc, "%s", b->msg);
		last = b->last;
		reader_put(rd, b);
		if (last)
			break;
	}
	reader_stop(rd);
	free(rd);
	return rc;
}

/* The rows of a contacts CSV (pending: the first row, already read, or NULL). */
static int run_csv_contacts(struct fu_ctx *ctx, struct run *run, struct csv_reader *csv,
			    struct csv_record *rec, const int *used)
{
	const char *v[MAX_FIELDS];
	int rc = FU_OK;

	if (!rec)
		rc = csv_next(ctx, csv, &rec);
	while (!rc && rec) {
		char *attrs = NULL;

		run->r->rows++;
		map_record(&run->m, rec, v);
		rc = attrs_json(ctx, run, rec, used, &attrs);
		if (!rc)
			rc = contact_row(ctx, run, v, attrs);
		free(attrs);
		if (rc == FU_EINPUT) {
			struct row_place place;

			csv_place(&run->m, rec, &place);
			place_error(ctx, run->name, &run->m, &place);
		}
		if (rc) {
			rc = row_failed(ctx, run, rc);
			if (rc)
				break;
		}
		rc = csv_next(ctx, csv, &rec);
	}
	return rc;
}

static int run_csv(struct fu_ctx *ctx, struct run *run, FILE *f)
{
	struct csv_opts co = { 0 };
	struct csv_reader *rd = NULL;
	struct csv_record *rec;
	int *used = NULL;
	int rc, ncols;

	co.sep = run->m.sep;
	rc = csv_open(ctx, f, run->name, &co, &rd);
	if (rc)
		return rc;
	rc = csv_next(ctx, rd, &rec);
	if (rc || !rec)
		goto out;
	/* the first record resolves the mapping: a header, or the first row */
	ncols = rec->nfields;
	if (run->m.header) {
		rc = copy_header(ctx, run, rec);
		if (rc)
			goto out;
	}
	used = calloc((size_t)ncols + 1, sizeof(int));
	if (!used) {
		rc = fu_err(ctx, FU_ENOMEM, "out of memory importing");
		goto out;
	}
	rc = mapping_resolve(ctx, &run->m, run->name, run->header, ncols, used);
	if (!rc)
		rc = note_ignored(ctx, run, used);
	if (rc)
		goto out;
	if (run->m.header)
		rec = NULL;
	if (run->m.kind == IMPORT_EVENTS)
		rc = run_csv_events(ctx, run, rd, rec);
	else
		rc = run_csv_contacts(ctx, run, rd, rec, used);
out:
	free(used);
	csv_close(rd);
	return rc;
}

int import_json_text(struct fu_ctx *ctx, const char *k, const json_t *val, char *out, size_t n,
		     const char **res)
{
	if (json_is_string(val)) {
		*res = json_string_value(val);
	} else if (json_is_integer(val)) {
		snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
		*res = out;
	} else if (json_is_real(val)) {
		snprintf(out, n, "%.15g", json_real_value(val));
		*res = out;
	} else if (json_is_null(val)) {
		*res = NULL;
	} else {
		return fu_err(ctx, FU_EINPUT, "%s: must be a string or a number", k);
	}
	return FU_OK;
}

/* The byte after the JSON string that starts at p (a quote), or e. */
static const char *json_skip_string(const char *p, const char *e)
{
	for (p++; p < e && *p != '"'; p++) {
		if (*p == '\\')
			p++;
	}
	return p < e ? p + 1 : e;
}

/* The ',' or '}' that ends the member value starting at p, or e. */
static const char *json_skip_value(const char *p, const char *e)
{
	int depth = 0;

	while (p < e) {
		if (*p == '"') {
			p = json_skip_string(p, e);
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (!depth)
				return p;
			depth--;
		} else if (*p == ',' && !depth) {
			return p;
		}
		p++;
	}
	return e;
}

static const char *json_skip_blank(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/*
 * Where the values of the mapped keys start in the JSON object text[0..len) (already
 * parsed, so valid), as columns counted from base. Keys written with escapes are not
 * matched: their values point at the row's start.
 */
static void jsonl_place(const struct mapping *m, const char *base, const char *text,
			size_t len, long line, struct row_place *pl)
{
	const char *p = json_skip_blank(text, text + len), *e = text + len, *k, *ke;

	memset(pl, 0, sizeof(*pl));
	pl->line = line;
	if (p >= e || *p++ != '{')
		return;
	for (;;) {
		p = json_skip_blank(p, e);
		if (p >= e || *p != '"')
			return;
		k = p + 1;
		p = json_skip_string(p, e);
		ke = p - 1;
		p = json_skip_blank(p, e);
		if (p >= e || *p++ != ':')
			return;
		p = json_skip_blank(p, e);
		for (int i = 0; i < m->nfields && k < ke; i++) {
			const char *want = m->col_name[i] ? m->col_name[i] : m->names[i];

			if (strlen(want) == (size_t)(ke - k) && memcmp(want, k, (size_t)(ke - k)) == 0) {
				pl->field_line[i] = line;
				pl->field_col[i] = (long)(p - base) + 1;
			}
		}
		p = json_skip_value(p, e);
		if (p >= e || *p++ != ',')
			return;
	}
}

/* One line's JSON object text[0..len): validated and imported (errors placed on ctx). */
static int jsonl_row(struct fu_ctx *ctx, struct run *run, const char *base, const char *text,
		     size_t len, long lineno)
{
	char num[MAX_FIELDS][40];
	const char *v[MAX_FIELDS] = { 0 };
	struct row_place place;
	json_error_t jerr;
	json_t *o, *attrs = NULL, *val;
	const char *k;
	char *attrs_text = NULL;
	int rc = FU_OK;

	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: invalid JSON: %s", run->name, lineno,
			      (long)(text - base) + (jerr.position > 0 ? jerr.position : 1),
			      jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: expected a JSON object", run->name,
			      lineno, (long)(text - base) + 1);
	}
	jsonl_place(&run->m, base, text, len, lineno, &place);
	json_object_foreach(o, k, val) {
		int field = -1;

		for (int i = 0; i < run->m.nfields; i++) {
			const char *want = run->m.col_name[i] ? run->m.col_name[i] : run->m.names[i];

			if (strcmp(k, want) == 0)
				field = i;
		}
		if (field >= 0) {
			rc = import_json_text(ctx, run->m.names[field], val, num[field], sizeof(num[0]),
				       &v[field]);
		} else if (run->m.kind == IMPORT_CONTACTS && json_is_string(val)) {
			if (!attrs)
				attrs = json_object();
			if (!attrs || json_object_set(attrs, k, val))
				rc = fu_err(ctx, FU_ENOMEM, "out of memory building attributes");
		}
		if (rc)
			break;
	}
	if (rc == FU_EINPUT)
		place_error(ctx, run->name, &run->m, &place);
	if (!rc && run->m.kind == IMPORT_EVENTS) {
		rc = event_row(ctx, run, v, &place);
	} else if (!rc) {
		if (attrs) {
			attrs_text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
			if (!attrs_text)
				rc = fu_err(ctx, FU_ENOMEM, "out of memory building attributes");
		}
		if (!rc)
			rc = contact_row(ctx, run, v, attrs_text);
		if (rc == FU_EINPUT)
			place_error(ctx, run->name, &run->m, &place);
	}
	free(attrs_text);
	json_decref(attrs);
	json_decref(o);
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * A JSON Lines file: one object a line. Every byte is accounted for: a line that cannot be
 * read whole (a NUL byte, too long, not JSON) is an error of that line, like a bad value,
 * so --skip-bad lists it. A UTF-8 byte order mark before the first line is skipped.
 */
static int run_jsonl(struct fu_ctx *ctx, struct run *run, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = FU_OK;

	for (int i = 0; i < run->m.nfields; i++) {
		run->m.col[i] = -1;
		if (run->m.col_pos[i]) {
			free(line);
			return fu_err(ctx, FU_EINPUT,
				      "%s: JSON Lines map fields by key, not by position ('%s')",
				      run->name, run->m.names[i]);
		}
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		const char *base = line, *nul;
		size_t len = (size_t)n, lead = 0;

		lineno++;
		if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			base += 3;
			len -= 3;
		}
		while (len && is_blank(base[len - 1]))
			len--;
		while (lead < len && is_blank(base[lead]))
			lead++;
		if (lead == len)
			continue;
		run->r->rows++;
		nul = memchr(base, '\0', len);
		if (nul)
			rc = fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: NUL byte in input", run->name,
				    lineno, (long)(nul - base) + 1);
		else if (len > JSONL_LINE_MAX)
			rc = fu_err(ctx, FU_EINPUT, "%s:%ld:1: line longer than %zu bytes",
				    run->name, lineno, JSONL_LINE_MAX);
		else
			rc = jsonl_row(ctx, run, base, base + lead, len - lead, lineno);
		if (rc) {
			rc = row_failed(ctx, run, rc);
			if (rc)
				break;
		}
	}
	/* getline() also ends with -1 when it runs out of memory: only EOF is the end */
	if (!rc && (ferror(f) || !feof(f)))
		rc = errno == ENOMEM ? fu_err(ctx, FU_ENOMEM, "%s: out of memory reading it", run->name) :
				       fu_err(ctx, FU_EIO, "%s: read error: %s", run->name, strerror(errno));
	free(line);
	return rc;
}

static int is_jsonl_name(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0 ||
		       strcmp(dot, ".json") == 0);
}

int import_stream(struct fu_ctx *ctx, struct store *s, FILE *f, const char *name,
		  const struct import_opts *opts, struct import_result *r)
{
	struct run run;
	int rc, jsonl;

	memset(&run, 0, sizeof(run));
	run.s = s;
	run.o = opts;
	run.r = r;
	run.name = name;
	strmap_init(&run.keys);
	rc = mapping_setup(ctx, &run.m, opts);
	if (rc)
		goto out;
	run.zones = tz_cache_new();
	if (!run.zones) {
		rc = fu_err(ctx, FU_ENOMEM, "out of memory importing");
		goto out;
	}
	jsonl = opts->format == IMPORT_JSONL ||
		(opts->format == IMPORT_AUTO && is_jsonl_name(name));
	store_bulk_mode(s, 1);
	rc = store_begin(ctx, s);
	if (!rc) {
		int bulk = 0;

		rc = store_contacts_bulk_begin(ctx, s);
		if (!rc && opts->kind == IMPORT_EVENTS)
			rc = store_events_bulk_begin(ctx, s, &bulk);
		run.bulk = bulk;
		if (!rc)
			rc = jsonl ? run_jsonl(ctx, &run, f) : run_csv(ctx, &run, f);
		if (!rc && bulk)
			rc = bulk_finish(ctx, &run);
		if (!rc)
			rc = live_finish(ctx, &run);
		if (!rc)
			rc = store_state_fill_missing(ctx, s);
		if (!rc)
			rc = store_contacts_bulk_end(ctx, s);
		if (!rc)
			rc = store_commit(ctx, s);
		if (rc)
			store_rollback(s);
	}
	store_bulk_mode(s, 0);
out:
	if (rc) {
		r->stored = 0;
		r->duplicates = 0;
		r->contacts_new = 0;
	}
	for (int i = 0; i < run.nheader; i++)
		free(run.header[i]);
	free(run.header);
	live_release(&run);
	free(run.bulk_rows);
	strmap_release(&run.keys);
	tz_cache_free(run.zones);
	mapping_release(&run.m);
	return rc;
}

int import_file(struct fu_ctx *ctx, struct store *s, const char *path,
		const struct import_opts *opts, struct import_result *r)
{
	struct stat sb;
	FILE *f;
	int rc;

	if (strcmp(path, "-") == 0)
		return import_stream(ctx, s, stdin, "stdin", opts, r);
	f = fopen(path, "rb");
	if (!f)
		return fu_err(ctx, errno == ENOENT ? FU_ENOTFOUND : FU_EINPUT, "%s: %s", path,
			      strerror(errno));
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		return fu_err(ctx, FU_EINPUT, "%s: a directory, not a file to import", path);
	}
	rc = import_stream(ctx, s, f, path, opts, r);
	fclose(f);
	return rc;
}
