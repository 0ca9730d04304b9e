/* public.c - the endpoints without a login: web-form leads, calendar feeds */
#include "srv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agenda.h"
#include "datetime.h"
#include "import.h"
#include "jview.h"

#include "banned.h"

#define FORM_POSTS_LIMIT 10          /* posts from one address ... */
#define FORM_POSTS_WINDOW (10 * 60)  /* ... in this many seconds */
#define FORM_FIELD_MAX 4000

/* The fields a web form sends; "website" is the honeypot that people never see. */
enum { FF_NAME, FF_EMAIL, FF_PHONE, FF_COMPANY, FF_MESSAGE, FF_WEBSITE, FF__COUNT };
static const char *const form_fields[FF__COUNT] = {
	"name", "email", "phone", "company", "message", "website"
};

static int media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Splits an application/x-www-form-urlencoded body (NUL-terminated, changed in place) into
 * the known fields; unknown ones are ignored. Returns 0 on a repeated field.
 */
static int parse_urlencoded(char *body, const char *v[FF__COUNT])
{
	char *save = NULL;

	for (char *pair = body; pair && *pair; pair = save) {
		char *eq, *amp = strchr(pair, '&');
		int f;

		save = amp ? amp + 1 : NULL;
		if (amp)
			*amp = '\0';
		eq = strchr(pair, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (char *p = eq + 1; *p; p++)
			if (*p == '+')
				*p = ' ';
		MHD_http_unescape(pair);
		MHD_http_unescape(eq + 1);
		f = fu_name_index(form_fields, FF__COUNT, pair);
		if (f < 0)
			continue;
		if (v[f])
			return 0;
		v[f] = eq + 1;
	}
	return 1;
}

/* A lower-case copy of an e-mail address into out, or 0 when it does not look like one. */
static int email_key(const char *email, char *out, size_t n)
{
	const char *at = email ? strchr(email, '@') : NULL;
	size_t len = email ? strlen(email) : 0;

	if (!at || at == email || !strchr(at, '.') || len >= n || len > FU_KEY_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (email[i] && ((unsigned char)email[i] <= ' ' || email[i] == 0x7f))
			return 0;
		out[i] = (char)tolower((unsigned char)email[i]);
	}
	return 1;
}

static void cors(struct req *r, const struct store_form *f)
{
	const char *origin = req_header(r, "Origin");

	if (origin && f->origin && strcmp(origin, f->origin) == 0) {
		http_header(r, "Access-Control-Allow-Origin", f->origin);
		http_header(r, "Vary", "Origin");
	}
}

static int refuse(struct req *r, int status, const char *detail)
{
	pthread_mutex_lock(&r->srv->met_mu);
	r->srv->form_refused++;
	pthread_mutex_unlock(&r->srv->met_mu);
	return http_problem(r, status, detail, NULL);
}

/* Imports one JSON object as a row of kind; FU_EINPUT with "body:1: ..." on a bad value. */
static int import_one(struct req *r, int kind, json_t *row)
{
	struct import_opts o;
	struct import_result res;
	char *text = http_dump(row);
	FILE *f;
	int rc;

	if (!text)
		return fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	f = fmemopen(text, strlen(text), "r");
	if (!f) {
		free(text);
		return fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	}
	import_opts_init(&o);
	o.kind = kind;
	o.format = IMPORT_JSONL;
	o.now = r->now;
	import_result_init(&res);
	rc = import_stream(&r->ctx, r->db, f, "body", &o, &res);
	import_result_release(&res);
	fclose(f);
	free(text);
	return rc;
}

int route_form_post(struct req *r)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE), *v[FF__COUNT] = { 0 };
	const char *accept = req_header(r, MHD_HTTP_HEADER_ACCEPT);
	char key[FU_KEY_MAX + 1], when[40], ipkey[80];
	struct store_form form;
	struct contact c;
	struct event_text et = { 0 };
	struct event e;
	json_t *body = NULL, *row = NULL;
	int64_t retry;
	int rc, is_json = media_is(ct, "application/json"), exists;

	rc = store_form_get(&r->ctx, r->db, r->param[0], 1, &form);
	if (rc)
		return rc == FU_ENOTFOUND ? refuse(r, 404, "no such form") : http_fail(r, rc);
	snprintf(ipkey, sizeof(ipkey), "%s", r->ip);
	if (srv_throttled(r->srv, r->srv->forms, ipkey, FORM_POSTS_LIMIT, FORM_POSTS_WINDOW, r->now,
			  &retry)) {
		char s[32];

		store_form_release(&form);
		refuse(r, 429, "too many posts from this address; try again later");
		snprintf(s, sizeof(s), "%lld", (long long)retry);
		http_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
		return MHD_YES;
	}
	srv_throttle_fail(r->srv, r->srv->forms, ipkey, FORM_POSTS_WINDOW, r->now);
	if (is_json) {
		body = json_loadb(r->body.s ? r->body.s : "", r->body.len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(body)) {
			rc = 400;
		} else {
			for (int i = 0; i < FF__COUNT; i++) {
				json_t *x = json_object_get(body, form_fields[i]);

				v[i] = json_string_value(x);
				if (x && !v[i])
					rc = 400;
			}
		}
	} else if (media_is(ct, "application/x-www-form-urlencoded")) {
		if (buf_addc(&r->ctx, &r->body, '\0'))
			rc = 413;
		else if (!parse_urlencoded(r->body.s ? r->body.s : (char *)"", v))
			rc = 400;
	} else {
		rc = 415;
	}
	if (!rc && v[FF_WEBSITE] && *v[FF_WEBSITE])
		rc = 422; /* the honeypot: only a program fills a field nobody sees */
	for (int i = 0; !rc && i < FF__COUNT; i++) {
		if (v[i] && strlen(v[i]) > (i == FF_MESSAGE ? FORM_FIELD_MAX : 200))
			rc = 413;
	}
	if (!rc && !email_key(v[FF_EMAIL], key, sizeof(key)))
		rc = 422;
	if (rc) {
		json_decref(body);
		store_form_release(&form);
		return refuse(r, rc, rc == 415 ? "send the form as application/x-www-form-urlencoded "
						 "or application/json" :
				      rc == 413 ? "a field is too long" :
				      rc == 422 ? "give a valid e-mail address (and leave the hidden "
						  "field empty)" :
						  "the form's fields could not be read");
	}
	/* check the lead before storing anything: both writes then only fail on a fault */
	dt_format_iso(r->now, when, sizeof(when));
	et.type = "lead";
	et.contact = key;
	et.time = when;
	et.channel = "web_form";
	et.note = v[FF_MESSAGE] && *v[FF_MESSAGE] ? v[FF_MESSAGE] : NULL;
	rc = import_event_from_text(&r->ctx, &et, NULL, &e);
	if (rc) {
		json_decref(body);
		store_form_release(&form);
		return refuse(r, 422, r->ctx.msg);
	}
	contact_init(&c);
	exists = store_contact_get(&r->ctx, r->db, key, &c) == FU_OK;
	contact_release(&c);
	row = json_pack("{s:s, s:s}", "key", key, "email", v[FF_EMAIL]);
	if (row && v[FF_NAME] && *v[FF_NAME])
		json_object_set_new(row, "name", json_string(v[FF_NAME]));
	if (row && v[FF_PHONE] && *v[FF_PHONE])
		json_object_set_new(row, "phone", json_string(v[FF_PHONE]));
	if (row && v[FF_COMPANY] && *v[FF_COMPANY])
		json_object_set_new(row, "company", json_string(v[FF_COMPANY]));
	if (row && !exists && form.owner)
		json_object_set_new(row, "owner", json_string(form.owner));
	pthread_mutex_lock(&r->srv->write_mu);
	{
		char author[STORE_AUTHOR_MAX + 1];

		snprintf(author, sizeof(author), "form:%.100s", form.name);
		store_set_author(r->db, author); /* srv_db_put forgets it */
	}
	rc = row ? import_one(r, IMPORT_CONTACTS, row) : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	json_decref(row);
	row = json_pack("{s:s, s:s, s:s, s:s}", "type", "lead", "contact", key, "time", when,
			"channel", "web_form");
	if (!rc && row && et.note)
		json_object_set_new(row, "note", json_string(et.note));
	if (!rc)
		rc = row ? import_one(r, IMPORT_EVENTS, row) :
			   fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	pthread_mutex_unlock(&r->srv->write_mu);
	json_decref(row);
	json_decref(body);
	if (rc) {
		store_form_release(&form);
		return rc == FU_EINPUT ? refuse(r, 422, r->ctx.msg) : http_fail(r, rc);
	}
	srv_notify_contact(r, "enquiry", key);
	pthread_mutex_lock(&r->srv->met_mu);
	r->srv->form_leads++;
	pthread_mutex_unlock(&r->srv->met_mu);
	if (is_json || (accept && strstr(accept, "application/json"))) {
		http_json(r, 200, json_pack("{s:b}", "ok", 1));
	} else if (form.redirect) {
		http_redirect(r, 303, form.redirect);
	} else {
		static const char thanks[] =
			"<!doctype html><meta charset=utf-8><title>Thank you</title>"
			"<p>Thank you. We have your message and will get back to you soon.</p>\n";

		http_text(r, 200, "text/html; charset=utf-8", thanks, sizeof(thanks) - 1);
	}
	cors(r, &form);
	store_form_release(&form);
	return MHD_YES;
}

/* CORS preflight for fetch() from the form's own site. */
int route_form_preflight(struct req *r)
{
	struct store_form form;
	int rc = store_form_get(&r->ctx, r->db, r->param[0], 1, &form);

	if (rc)
		return rc == FU_ENOTFOUND ? http_problem(r, 404, "no such form", NULL) :
					    http_fail(r, rc);
	http_text(r, 204, NULL, "", 0);
	cors(r, &form);
	http_header(r, "Access-Control-Allow-Methods", "POST");
	http_header(r, "Access-Control-Allow-Headers", "Content-Type");
	http_header(r, "Access-Control-Max-Age", "600");
	store_form_release(&form);
	return MHD_YES;
}

/* ---- the calendar feed (RFC 5545) ---- */

/* Appends "NAME:value" with value's text escaped and lines folded at 75 octets. */
static int ics_line(struct fu_ctx *ctx, struct buf *b, const char *name, const char *value,
		    int escape)
{
	struct buf l;
	int rc = 0;
	size_t col = 0;

	buf_init(&l, 0);
	rc |= buf_addf(ctx, &l, "%s:", name);
	for (const char *p = value; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (escape && (ch == '\\' || ch == ';' || ch == ','))
			rc |= buf_addc(ctx, &l, '\\'), rc |= buf_addc(ctx, &l, (char)ch);
		else if (escape && ch == '\n')
			rc |= buf_adds(ctx, &l, "\\n");
		else if (ch >= 0x20 && ch != 0x7f)
			rc |= buf_addc(ctx, &l, (char)ch);
	}
	/* fold: CRLF and a space before octet 75 of each line, never inside a UTF-8 sequence */
	for (size_t i = 0; !rc && i < l.len; i++) {
		if (col >= 74 && ((unsigned char)l.s[i] & 0xC0) != 0x80) {
			rc |= buf_adds(ctx, b, "\r\n ");
			col = 1;
		}
		rc |= buf_addc(ctx, b, l.s[i]);
		col++;
	}
	rc |= buf_adds(ctx, b, "\r\n");
	buf_release(&l);
	return rc ? FU_ENOMEM : FU_OK;
}

static void ics_time(int64_t t, char out[20])
{
	struct civil c;

	dt_to_civil(t, &c);
	snprintf(out, 20, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour, c.min,
		 c.sec);
}

static int ics_event(struct fu_ctx *ctx, struct buf *b, const struct followup *f, int64_t now)
{
	char t[20], uid[80], summary[FU_TEXT_MAX + 64];
	struct buf why;
	int rc = 0;

	buf_init(&why, 0);
	for (int i = 0; i < f->nreasons; i++)
		rc |= buf_addf(ctx, &why, "%s%s", i ? "\n" : "", f->reasons[i].why);
	if (f->phone || f->email)
		rc |= buf_addf(ctx, &why, "\nreach: %s%s%s", f->phone ? f->phone : "",
			       f->phone && f->email ? ", " : "", f->email ? f->email : "");
	rc |= buf_adds(ctx, b, "BEGIN:VEVENT\r\n");
	snprintf(uid, sizeof(uid), "%s@followup", f->id);
	rc |= ics_line(ctx, b, "UID", uid, 0);
	ics_time(now, t);
	rc |= ics_line(ctx, b, "DTSTAMP", t, 0);
	ics_time(f->due, t);
	rc |= ics_line(ctx, b, "DTSTART", t, 0);
	ics_time(f->due + 15 * 60, t);
	rc |= ics_line(ctx, b, "DTEND", t, 0);
	snprintf(summary, sizeof(summary), "%s: %s", channel_name(f->channel),
		 f->name ? f->name : f->key);
	rc |= ics_line(ctx, b, "SUMMARY", summary, 1);
	rc |= ics_line(ctx, b, "DESCRIPTION", buf_cstr(&why), 1);
	snprintf(summary, sizeof(summary), "/api/v1/contacts/%s", f->key);
	rc |= ics_line(ctx, b, "X-FOLLOWUP-CONTACT", summary, 1);
	rc |= buf_adds(ctx, b, "END:VEVENT\r\n");
	buf_release(&why);
	return rc ? FU_ENOMEM : FU_OK;
}

int route_calendar(struct req *r)
{
	struct agenda_opts o = { .now = r->now, .all = 1, .jobs = 1 };
	struct agenda a;
	struct buf b;
	int rc;

	rc = account_token_check(&r->ctx, r->db, r->param[0], TOKEN_CALENDAR, r->now, &r->who);
	if (rc)
		return rc == FU_ENOTFOUND ? http_problem(r, 404, "no such calendar", NULL) :
					    http_fail(r, rc);
	r->authed = 1;
	o.owner = r->who.name;
	rc = agenda_build_current(&r->ctx, r->db, &o, &a);
	if (rc)
		return http_fail(r, rc);
	buf_init(&b, 0);
	rc = buf_adds(&r->ctx, &b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
				   "PRODID:-//followup//followup serve//EN\r\nCALSCALE:GREGORIAN\r\n");
	if (!rc)
		rc = ics_line(&r->ctx, &b, "X-WR-CALNAME", "follow-ups", 1);
	for (int i = 0; !rc && i < a.n; i++) {
		if (!a.v[i].automated)
			rc = ics_event(&r->ctx, &b, &a.v[i], r->now);
	}
	if (!rc)
		rc = buf_adds(&r->ctx, &b, "END:VCALENDAR\r\n");
	agenda_release(&a);
	if (rc) {
		buf_release(&b);
		return http_fail(r, rc);
	}
	rc = http_text(r, 200, "text/calendar; charset=utf-8", buf_cstr(&b), b.len);
	buf_release(&b);
	return rc;
}
