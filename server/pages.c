/* pages.c - the server-rendered pages: login, Today, contacts, lapsing, report, outbox (HTML, no script) */
#include "srv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "app.h"
#include "datetime.h"
#include "model.h"
#include "message.h"
#include "outbox.h"
#include "pages.h"
#include "playbook.h"
#include "record.h"

#include "banned.h"

/* ---- the layout and the answers ---- */

static const struct {
	int nav;
	const char *path, *label;
	int admin;
} nav_items[] = {
	{ NAV_TODAY, "/today", "Today", 0 },       { NAV_CONTACTS, "/contacts", "Contacts", 0 },
	{ NAV_LAPSED, "/lapsed", "Lapsing", 0 },   { NAV_REPORT, "/report", "Report", 1 },
	{ NAV_OUTBOX, "/outbox", "Outbox", 0 },    { NAV_PLAYBOOK, "/playbook", "Playbook", 1 },
	{ NAV_IMPORT, "/import", "Import", 1 },    { NAV_TEAM, "/team", "Team", 1 },
};

void page_csrf(struct html *h, struct req *r)
{
	if (!r->who.session)
		return;
	html_lit(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(h, r->who.csrf);
	html_lit(h, "\">");
}

void page_begin(struct html *h, struct req *r, const char *title, int nav)
{
	html_lit(h, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	html_text(h, title);
	html_lit(h, " · followup</title><link rel=\"stylesheet\" href=\"/app/app.css\">"
		    "<script src=\"/app/pages.js\" defer></script></head>\n"
		    "<body class=\"pages\"><a class=\"skip\" href=\"#main\">Skip to the content</a>\n");
	if (r->authed) {
		html_lit(h, "<header class=\"top\" id=\"top\"><a class=\"brand\" href=\"/today\">"
			    "followup</a><nav aria-label=\"Pages\">");
		for (size_t i = 0; i < sizeof(nav_items) / sizeof(nav_items[0]); i++) {
			if (nav_items[i].admin && r->who.role != ROLE_ADMIN)
				continue;
			html_lit(h, "<a href=\"");
			html_text(h, nav_items[i].path);
			html_lit(h, "\"");
			if (nav_items[i].nav == nav)
				html_lit(h, " aria-current=\"page\"");
			html_lit(h, ">");
			html_text(h, nav_items[i].label);
			html_lit(h, "</a>");
		}
		html_lit(h, "</nav><form class=\"search\" role=\"search\" method=\"get\" "
			    "action=\"/contacts\"><label for=\"q\" class=\"sr\">Search contacts</label>"
			    "<input id=\"q\" name=\"q\" type=\"search\" placeholder=\"Search contacts\" "
			    "value=\"");
		if (nav == NAV_CONTACTS)
			html_text(h, req_query(r, "q"));
		html_lit(h, "\"><button type=\"submit\">Search</button></form><div class=\"who\">"
			    "<span id=\"who\">");
		html_text(h, r->who.name);
		html_lit(h, " (");
		html_text(h, account_role_name(r->who.role));
		html_lit(h, ")</span>");
		if (r->who.session) {
			html_lit(h, " <form class=\"inline\" method=\"post\" action=\"/logout\">");
			page_csrf(h, r);
			html_lit(h, "<button type=\"submit\" class=\"link\">Log out</button></form>");
		}
		html_lit(h, "</div></header>\n");
	}
	html_lit(h, "<main id=\"main\" tabindex=\"-1\">\n");
}

void page_end(struct html *h)
{
	html_lit(h, "</main>\n</body></html>\n");
}

int page_send(struct req *r, struct html *h, int status)
{
	int ok;

	if (h->rc) {
		html_release(h);
		return http_problem(r, 500, "out of memory", NULL);
	}
	ok = http_text(r, status, "text/html; charset=utf-8", buf_cstr(&h->b), h->b.len);
	html_release(h);
	http_header(r, "Content-Security-Policy", APP_CSP);
	http_header(r, "Cache-Control", "no-store");
	http_header(r, "X-Content-Type-Options", "nosniff");
	http_header(r, "Referrer-Policy", "no-referrer");
	http_header(r, "X-Frame-Options", "DENY");
	return ok;
}

int page_error(struct req *r, int status, const char *detail)
{
	struct html h;
	const char *title = status == 403 ? "Not allowed" :
			    status == 404 ? "Not found" :
			    status >= 500 ? "Something went wrong" : "Not done";

	html_init(&h, &r->ctx);
	page_begin(&h, r, title, NAV_NONE);
	html_lit(&h, "<h1>");
	html_text(&h, title);
	html_lit(&h, "</h1><p class=\"error\" role=\"alert\">");
	html_text(&h, detail);
	html_lit(&h, "</p><p>Go back and try again, or <a href=\"/today\">see today</a>.</p>");
	page_end(&h);
	return page_send(r, &h, status);
}

int page_fail(struct req *r, int rc)
{
	switch (rc) {
	case FU_EINPUT:
	case FU_EUSAGE:
		return page_error(r, 422, r->ctx.msg);
	case FU_ENOTFOUND:
		return page_error(r, 404, r->ctx.msg);
	case FU_EACCESS:
		return page_error(r, 403, r->ctx.msg);
	default:
		return page_error(r, 500, "the server could not finish the request");
	}
}

/* A path of ours: "/x...", not "//host", no control characters, at most 512 bytes. */
static int local_path(const char *p)
{
	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\' || strlen(p) > 512)
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int page_see_other(struct req *r, const char *location)
{
	int ok = http_redirect(r, 303, local_path(location) ? location : "/today");

	http_header(r, "Cache-Control", "no-store");
	return ok;
}

int page_login_redirect(struct req *r)
{
	struct html h; /* only its escaping: the path becomes the login's next= */
	int ok;

	html_init(&h, &r->ctx);
	html_lit(&h, "/login");
	if (!strcmp(r->method, "GET")) {
		html_lit(&h, "?next=");
		html_url(&h, r->url, "/");
	}
	ok = h.rc ? http_problem(r, 500, "out of memory", NULL) :
		    http_redirect(r, 303, buf_cstr(&h.b));
	/* html_url left nothing to unescape: & and ' were percent-encoded */
	html_release(&h);
	http_header(r, "Cache-Control", "no-store");
	return ok;
}

void page_input(struct html *h, const char *type, const char *id, const char *name,
		const char *label, const char *value)
{
	html_lit(h, "<label for=\"");
	html_text(h, id);
	html_lit(h, "\">");
	html_text(h, label);
	html_lit(h, "</label><input type=\"");
	html_text(h, type);
	html_lit(h, "\" id=\"");
	html_text(h, id);
	html_lit(h, "\" name=\"");
	html_text(h, name);
	html_lit(h, "\" value=\"");
	html_text(h, value);
	html_lit(h, "\">");
}

const char *page_jtext(const json_t *o, const char *key, char *tmp, size_t n)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, n, "%.2f", json_real_value(v));
		return tmp;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	return NULL;
}

const char *page_field(struct req *r, const char *name)
{
	const struct form *f = req_form(r);
	const char *v = f ? form_get(f, name) : NULL;

	return v && *v ? v : NULL;
}

/* "2026-11-25T09:00:00Z" -> "2026-11-25 09:00 UTC" into out. */
static const char *when(const char *iso, char *out, size_t n)
{
	if (!iso || strlen(iso) < 16) {
		snprintf(out, n, "%s", iso ? iso : "");
		return out;
	}
	snprintf(out, n, "%.10s %.5s UTC", iso, iso + 11);
	return out;
}

/* The server's day (YYYY-MM-DD) into out (11 bytes or more). */
static void today_text(struct req *r, int64_t plus_days, char *out, size_t n)
{
	struct civil cv;

	dt_to_civil(r->now + plus_days * 86400, &cv);
	snprintf(out, n, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
}

/* ---- login and logout ---- */

static int login_page(struct req *r, int status, const char *error, const char *name)
{
	const char *next = req_query(r, "next");
	struct html h;

	html_init(&h, &r->ctx);
	page_begin(&h, r, "Log in", NAV_NONE);
	html_lit(&h, "<section class=\"login\"><h1>Log in to followup</h1>");
	if (error) {
		html_lit(&h, "<p class=\"error\" role=\"alert\">");
		html_text(&h, error);
		html_lit(&h, "</p>");
	}
	html_lit(&h, "<form method=\"post\" action=\"/login");
	if (local_path(next)) {
		html_lit(&h, "?next=");
		html_url(&h, next, "/");
	}
	html_lit(&h, "\">");
	page_input(&h, "text", "name", "name", "Name", name);
	html_lit(&h, "<label for=\"password\">Password</label><input type=\"password\" "
		     "id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
		     "<button type=\"submit\" class=\"primary\">Log in</button></form></section>");
	page_end(&h);
	return page_send(r, &h, status);
}

int page_login(struct req *r)
{
	return login_page(r, 200, NULL, NULL);
}

int page_login_post(struct req *r)
{
	char csrf[ACCOUNT_TOKEN_LEN + 1], s[32];
	const char *name = page_field(r, "name"), *password = page_field(r, "password");
	const char *next = req_query(r, "next");
	int64_t retry = 0;
	int status, ok;

	if (!name || !password || strlen(name) > ACCOUNT_NAME_MAX ||
	    strlen(password) > ACCOUNT_PASSWORD_MAX)
		return login_page(r, 400, "Give your name and password.", name);
	status = auth_login(r, name, password, csrf, &retry);
	if (status == 429) {
		ok = login_page(r, 429, "Too many failed logins: wait a few minutes and try again.",
				name);
		snprintf(s, sizeof(s), "%lld", (long long)retry);
		http_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
		return ok;
	}
	if (status == 401)
		return login_page(r, 401, "Wrong name or password.", name);
	if (status)
		return login_page(r, status, "The server could not log you in; try again.", name);
	ok = page_see_other(r, local_path(next) ? next : "/today");
	http_header(r, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	return ok;
}

int page_logout(struct req *r)
{
	int rc = store_token_revoke(&r->ctx, r->db, r->who.token_id, r->now), ok;

	if (rc)
		return page_fail(r, rc);
	ok = page_see_other(r, "/login");
	auth_cookie_clear(r);
	return ok;
}

/* ---- a follow-up's card (Today and the contact page) ---- */

static const struct {
	const char *value, *label;
} outcomes[] = {
	{ "reached", "Reached" }, { "voicemail", "Voicemail" }, { "no-answer", "No answer" },
	{ "won", "Won" },         { "no", "No" },               { "opted-out", "Opted out" },
};

/* tel: wants digits and +; everything else of a written number is left out. */
static void tel_href(struct html *h, const char *phone)
{
	char digits[64];
	size_t n = 0;

	for (; *phone && n + 1 < sizeof(digits); phone++)
		if ((*phone >= '0' && *phone <= '9') || *phone == '+')
			digits[n++] = *phone;
	digits[n] = '\0';
	html_url(h, digits, "+");
}

static void reach_links(struct html *h, const char *phone, const char *email)
{
	html_lit(h, "<div class=\"reach\">");
	if (phone && *phone) {
		html_lit(h, "<a class=\"button\" href=\"tel:");
		tel_href(h, phone);
		html_lit(h, "\">Call ");
		html_text(h, phone);
		html_lit(h, "</a>");
	}
	if (email && *email) {
		html_lit(h, "<a class=\"button\" href=\"mailto:");
		html_url(h, email, "@+");
		html_lit(h, "\">Write to ");
		html_text(h, email);
		html_lit(h, "</a>");
	}
	html_lit(h, "</div>");
}

/* The hidden field that brings the browser back to `back` after a post. */
static void back_field(struct html *h, const char *back)
{
	html_lit(h, "<input type=\"hidden\" name=\"back\" value=\"");
	html_text(h, back);
	html_lit(h, "\">");
}

/* The outcome, not-yet and snooze forms of follow-up fu, coming back to back. */
static void outcome_forms(struct html *h, struct req *r, const json_t *fu, const char *back)
{
	const char *id = json_string_value(json_object_get(fu, "id"));
	const char *name = json_string_value(json_object_get(fu, "name"));
	char tomorrow[16];

	if (!name)
		name = json_string_value(json_object_get(fu, "contact"));
	today_text(r, 1, tomorrow, sizeof(tomorrow));
	html_lit(h, "<div class=\"outcomes\"><form method=\"post\" action=\"/today/");
	html_url(h, id, NULL);
	html_lit(h, "/done\" aria-label=\"How it went with ");
	html_text(h, name);
	html_lit(h, "\">");
	page_csrf(h, r);
	back_field(h, back);
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		html_lit(h, "<button type=\"submit\" name=\"outcome\" value=\"");
		html_text(h, outcomes[i].value);
		html_lit(h, "\">");
		html_text(h, outcomes[i].label);
		html_lit(h, "</button>");
	}
	html_lit(h, "</form><form method=\"post\" action=\"/today/");
	html_url(h, id, NULL);
	html_lit(h, "/done\"><fieldset><legend>Not yet</legend>");
	page_csrf(h, r);
	back_field(h, back);
	html_lit(h, "<input type=\"hidden\" name=\"outcome\" value=\"not-yet\"><label for=\"next-");
	html_text(h, id);
	html_lit(h, "\">Check back on</label><input type=\"date\" required name=\"next\" id=\"next-");
	html_text(h, id);
	html_lit(h, "\" min=\"");
	html_text(h, tomorrow);
	html_lit(h, "\"><button type=\"submit\">Not yet</button></fieldset></form>"
		    "<form method=\"post\" action=\"/today/");
	html_url(h, id, NULL);
	html_lit(h, "/snooze\"><fieldset><legend>Snooze</legend>");
	page_csrf(h, r);
	back_field(h, back);
	html_lit(h, "<label for=\"until-");
	html_text(h, id);
	html_lit(h, "\">Until</label><input type=\"date\" required name=\"until\" id=\"until-");
	html_text(h, id);
	html_lit(h, "\" value=\"");
	html_text(h, tomorrow);
	html_lit(h, "\"><button type=\"submit\">Snooze</button></fieldset></form></div>");
}

/* One follow-up (jview_followup) as a card; heading is h2 on Today, h3 elsewhere. */
static void card(struct html *h, struct req *r, const json_t *fu, const char *back, int h2)
{
	const char *id = json_string_value(json_object_get(fu, "id"));
	const char *key = json_string_value(json_object_get(fu, "contact"));
	const char *name = json_string_value(json_object_get(fu, "name"));
	const json_t *reasons = json_object_get(fu, "reasons"), *rs;
	int overdue = json_is_true(json_object_get(fu, "overdue"));
	int escalated = json_is_true(json_object_get(fu, "escalated"));
	int automated = json_is_true(json_object_get(fu, "automated"));
	char t[64];
	size_t i;

	html_lit(h, "<li class=\"card");
	if (overdue)
		html_lit(h, " overdue");
	if (escalated)
		html_lit(h, " escalated");
	html_lit(h, "\" id=\"card-");
	html_text(h, id);
	html_lit(h, "\" data-id=\"");
	html_text(h, id);
	html_lit(h, "\"><div class=\"card-head\">");
	if (h2)
		html_lit(h, "<h2>");
	else
		html_lit(h, "<h3>");
	html_lit(h, "<a href=\"/contacts/");
	html_url(h, key, NULL);
	html_lit(h, "\">");
	html_text(h, name ? name : key);
	html_lit(h, "</a>");
	if (h2)
		html_lit(h, "</h2>");
	else
		html_lit(h, "</h3>");
	if (escalated)
		html_lit(h, "<span class=\"badge escalated\">escalated</span>");
	if (overdue)
		html_lit(h, "<span class=\"badge overdue\">overdue</span>");
	if (automated)
		html_lit(h, "<span class=\"badge auto\">automated</span>");
	html_lit(h, "<span class=\"muted\">due ");
	html_text(h, when(json_string_value(json_object_get(fu, "due")), t, sizeof(t)));
	if (json_is_string(json_object_get(fu, "owner"))) {
		html_lit(h, " · ");
		html_text(h, json_string_value(json_object_get(fu, "owner")));
	}
	html_lit(h, "</span></div>");
	reach_links(h, json_string_value(json_object_get(fu, "phone")),
		    json_string_value(json_object_get(fu, "email")));
	html_lit(h, "<ul class=\"reasons\">");
	json_array_foreach(reasons, i, rs) {
		const json_t *evs = json_object_get(rs, "events"), *ev;
		size_t k;

		html_lit(h, "<li>");
		html_text(h, json_string_value(json_object_get(rs, "why")));
		html_lit(h, " <span class=\"muted\">(");
		html_text(h, json_string_value(json_object_get(rs, "trigger")));
		json_array_foreach(evs, k, ev) {
			if (k)
				html_lit(h, ", ");
			else
				html_lit(h, "; events ");
			html_lit(h, "<a href=\"/contacts/");
			html_url(h, key, NULL);
			html_lit(h, "#e");
			html_textf(h, "%lld", (long long)json_integer_value(ev));
			html_lit(h, "\">#");
			html_textf(h, "%lld", (long long)json_integer_value(ev));
			html_lit(h, "</a>");
		}
		html_lit(h, ")</span></li>");
	}
	html_lit(h, "</ul><p class=\"say\">");
	html_text(h, json_string_value(json_object_get(fu, "say")));
	html_lit(h, "</p>");
	if (automated) {
		html_lit(h, "<p class=\"muted\">The outbox sends this one; see the Outbox page.</p>");
	} else {
		if (json_is_string(json_object_get(fu, "email"))) {
			html_lit(h, "<p><a class=\"button\" href=\"/today/");
			html_url(h, id, NULL);
			html_lit(h, "/email?back=");
			html_url(h, back, "/");
			html_lit(h, "\">Edit and send the e-mail</a></p>");
		}
		outcome_forms(h, r, fu, back);
	}
	html_lit(h, "</li>\n");
}

/* ---- Today ---- */

int page_today(struct req *r)
{
	struct agenda_opts o = { .now = r->now };
	const char *day = req_query(r, "day"), *owner = req_query(r, "owner");
	const char *show = req_query(r, "show");
	char daytext[16], today[16];
	struct civil cv;
	struct html h, back;
	json_t *items, *fu;
	int want = 0, rc;
	size_t i;

	if (owner && !*owner)
		owner = NULL;
	if (owner && strlen(owner) > FU_TEXT_MAX)
		return page_error(r, 400, "owner: too long");
	o.owner = owner;
	if (show && !strcmp(show, "automated"))
		want = 1;
	else if (show && !strcmp(show, "both"))
		want = -1;
	today_text(r, 0, today, sizeof(today));
	dt_to_civil(r->now, &cv);
	if (day && *day) {
		int64_t t;

		if (strlen(day) > 32 || dt_parse_iso(&r->ctx, day, 1, &t))
			return page_error(r, 400, "day: give a date as YYYY-MM-DD");
		dt_to_civil(t, &cv);
	}
	o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	snprintf(daytext, sizeof(daytext), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	rc = view_agenda(r, &o, want, 0, &items);
	if (rc)
		return page_fail(r, rc);
	/* where an outcome's post comes back to: this page with its filters */
	html_init(&back, &r->ctx);
	html_lit(&back, "/today?day=");
	html_url(&back, daytext, NULL);
	html_lit(&back, "&show=");
	html_text(&back, want == 1 ? "automated" : want < 0 ? "both" : "personal");
	if (owner) {
		html_lit(&back, "&owner=");
		html_url(&back, owner, NULL);
	}
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Today", NAV_TODAY);
	html_lit(&h, "<h1>");
	html_text(&h, strcmp(daytext, today) ? "Follow-ups due by " : "Today, ");
	html_text(&h, daytext);
	html_lit(&h, "</h1>");
	if (req_query(r, "sent"))
		html_lit(&h, "<p class=\"check ok\" role=\"status\">The e-mail went; the touch is "
			     "recorded.</p>");
	html_lit(&h, "<form class=\"filters\" method=\"get\" action=\"/today\" "
		     "aria-label=\"Filters\"><div class=\"field\">");
	page_input(&h, "date", "day", "day", "Day", daytext);
	html_lit(&h, "</div><div class=\"field\"><label for=\"show\">Messages</label>"
		     "<select id=\"show\" name=\"show\">");
	html_lit(&h, "<option value=\"personal\"");
	if (want == 0)
		html_lit(&h, " selected");
	html_lit(&h, ">personal</option><option value=\"automated\"");
	if (want == 1)
		html_lit(&h, " selected");
	html_lit(&h, ">automated</option><option value=\"both\"");
	if (want < 0)
		html_lit(&h, " selected");
	html_lit(&h, ">both</option></select></div>");
	if (r->who.role == ROLE_ADMIN) {
		html_lit(&h, "<div class=\"field\">");
		page_input(&h, "text", "owner", "owner", "Owner", owner);
		html_lit(&h, "</div>");
	}
	html_lit(&h, "<button type=\"submit\">Show</button></form>");
	if (json_array_size(items) == 0) {
		html_lit(&h, "<p class=\"empty\">Nothing due. See the <a href=\"/lapsed\">lapsing "
			     "customers</a>, or look at another day.</p>");
	} else {
		html_lit(&h, "<p class=\"summary\">");
		html_textf(&h, "%zu follow-up%s, most important first.", json_array_size(items),
			   json_array_size(items) == 1 ? "" : "s");
		html_lit(&h, "</p><ol class=\"cards\" id=\"today-cards\">");
		json_array_foreach(items, i, fu)
			card(&h, r, fu, buf_cstr(&back.b), 1);
		html_lit(&h, "</ol>");
	}
	page_end(&h);
	if (back.rc && !h.rc)
		h.rc = back.rc;
	html_release(&back);
	json_decref(items);
	return page_send(r, &h, 200);
}

/* POST /today/{id}/done (outcome, next, note) and /snooze (until): back to the page. */
static int page_record(struct req *r, int snooze)
{
	struct record_result res;
	const char *outcome = snooze ? "snoozed" : page_field(r, "outcome");
	const char *date = page_field(r, snooze ? "until" : "next");
	const char *note = page_field(r, "note"), *back = page_field(r, "back");
	int rc;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	if (!outcome)
		return page_error(r, 422, "choose how it went");
	if (!strcmp(outcome, "snoozed") && !snooze)
		return page_error(r, 422, "snooze with the Snooze button");
	if (!date && (snooze || !strcmp(outcome, "not-yet")))
		return page_error(r, 422, snooze ? "give the date to put it off to" :
						   "give the date to check back on");
	if (!snooze && strcmp(outcome, "not-yet") != 0)
		date = NULL; /* only "not yet" carries a date */
	rc = view_followup_record(r, r->param[0], outcome, date, note, &res);
	if (rc)
		return page_fail(r, rc);
	return page_see_other(r, back ? back : "/today");
}

int page_done(struct req *r)
{
	return page_record(r, 0);
}

int page_snooze(struct req *r)
{
	return page_record(r, 1);
}

/* ---- a personal e-mail from a card: edited, then sent once as the person's touch ---- */

static void option(struct html *h, const char *value, const char *label, int selected);

static int email_page(struct req *r, int status, const json_t *d, const char *error)
{
	const char *id = r->param[0], *back = req_query(r, "back");
	const char *subject = page_field(r, "subject"), *text = page_field(r, "text");
	struct html h;
	char tmp[16];

	if (!local_path(back))
		back = page_field(r, "back");
	if (!local_path(back))
		back = "/today";
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Write the e-mail", NAV_TODAY);
	html_lit(&h, "<h1>Write to ");
	html_text(&h, d ? page_jtext(d, "name", tmp, sizeof(tmp)) : NULL);
	if (d && !json_is_string(json_object_get(d, "name")))
		html_text(&h, json_string_value(json_object_get(d, "contact")));
	if (!d)
		html_lit(&h, "the contact");
	html_lit(&h, "</h1>");
	if (error) {
		html_lit(&h, "<p class=\"error\" role=\"alert\" id=\"email-error\">");
		html_text(&h, error);
		html_lit(&h, "</p>");
	}
	if (d) {
		html_lit(&h, "<form method=\"post\" class=\"stack\" aria-label=\"The e-mail\" action=\"/today/");
		html_url(&h, id, NULL);
		html_lit(&h, "/email\">");
		page_csrf(&h, r);
		back_field(&h, back);
		html_lit(&h, "<p>To <strong>");
		html_text(&h, json_string_value(json_object_get(d, "to")));
		html_lit(&h, "</strong>");
		if (json_is_string(json_object_get(d, "from_name"))) {
			html_lit(&h, ", from ");
			html_text(&h, json_string_value(json_object_get(d, "from_name")));
		}
		html_lit(&h, ". It goes once, now, and is recorded as your touch.</p>");
		page_input(&h, "text", "em-subject", "subject", "Subject",
			   subject ? subject : json_string_value(json_object_get(d, "subject")));
		html_lit(&h, "<label for=\"em-text\">Text</label><textarea id=\"em-text\" name=\"text\" "
			     "rows=\"14\" maxlength=\"");
		html_textf(&h, "%d", MESSAGE_TEXT_MAX);
		html_lit(&h, "\">");
		html_text(&h, text ? text : json_string_value(json_object_get(d, "text")));
		html_lit(&h, "</textarea><label for=\"em-outcome\">How it went (if you know)</label>"
			     "<select id=\"em-outcome\" name=\"outcome\">");
		option(&h, "", "(nothing yet)", 1);
		for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
			option(&h, outcomes[i].value, outcomes[i].label, 0);
		html_lit(&h, "</select><label for=\"em-note\">Internal note (never sent)</label>"
			     "<textarea id=\"em-note\" name=\"note\" rows=\"2\"></textarea><div "
			     "class=\"actions\"><button type=\"submit\" class=\"primary\">Send</button><a "
			     "href=\"");
		html_text(&h, back);
		html_lit(&h, "\">Back without sending</a></div></form>");
	} else {
		html_lit(&h, "<p><a href=\"");
		html_text(&h, back);
		html_lit(&h, "\">Back</a></p>");
	}
	page_end(&h);
	return page_send(r, &h, status);
}

int page_email(struct req *r)
{
	json_t *d;
	int rc = view_email_draft(r, r->param[0], &d), ok;

	if (rc == FU_EINPUT)
		return email_page(r, 409, NULL, r->ctx.msg);
	if (rc)
		return page_fail(r, rc);
	ok = email_page(r, 200, d, NULL);
	json_decref(d);
	return ok;
}

int page_email_send(struct req *r)
{
	struct outbox_personal q;
	const char *back = page_field(r, "back");
	struct buf to;
	json_t *o, *d;
	int rc, ok;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	memset(&q, 0, sizeof(q));
	q.followup_id = r->param[0];
	q.subject = page_field(r, "subject");
	q.text = page_field(r, "text");
	q.outcome = page_field(r, "outcome");
	q.note = page_field(r, "note");
	if (!q.text)
		return page_error(r, 422, "the text is empty: nothing to send");
	rc = view_email_send(r, &q, &o);
	if (rc == FU_EINPUT || (!rc && !json_is_true(json_object_get(o, "sent")))) {
		char why[FU_MSG_MAX + 64];

		if (rc)
			snprintf(why, sizeof(why), "Not sent: %s", r->ctx.msg);
		else
			snprintf(why, sizeof(why), "Not sent (%s): %s; no touch is recorded.",
				 json_string_value(json_object_get(o, "state")),
				 json_is_string(json_object_get(o, "why")) ?
					 json_string_value(json_object_get(o, "why")) : "no reason given");
		json_decref(rc ? NULL : o);
		fu_ctx_init(&r->ctx);
		/* the form again, as typed, when the draft can still be had */
		rc = view_email_draft(r, r->param[0], &d);
		ok = email_page(r, 422, rc ? NULL : d, why);
		if (!rc)
			json_decref(d);
		return ok;
	}
	if (rc)
		return page_fail(r, rc);
	json_decref(o);
	if (!local_path(back))
		back = "/today";
	buf_init(&to, 1024); /* a URL of ours (local_path), not HTML: nothing to escape */
	rc = buf_addf(&r->ctx, &to, "%s%ssent=1", back, strchr(back, '?') ? "&" : "?");
	ok = rc ? page_error(r, 500, "out of memory") : page_see_other(r, buf_cstr(&to));
	buf_release(&to);
	return ok;
}

/* ---- contacts: search and one contact ---- */

#define SEARCH_SHOWN 100

struct found {
	struct req *r;
	struct html *h;
	int n;
};

static int found_one(struct fu_ctx *ctx, void *arg, const struct contact *c,
		     const struct contact_state *st)
{
	struct found *f = arg;
	struct html *h = f->h;

	(void)ctx;
	if (!account_sees_owner(&f->r->who, c->owner))
		return FU_OK;
	if (f->n == SEARCH_SHOWN)
		return FU_EUSAGE; /* enough: stops the scan */
	f->n++;
	html_lit(h, "<li><a href=\"/contacts/");
	html_url(h, c->key, NULL);
	html_lit(h, "\">");
	html_text(h, c->name && *c->name ? c->name : c->key);
	html_lit(h, "</a> <span class=\"muted\">");
	html_text(h, c->key);
	html_lit(h, " · ");
	html_text(h, stage_name(contact_stage(st, f->r->now)));
	if (c->company && *c->company) {
		html_lit(h, " · ");
		html_text(h, c->company);
	}
	if (c->email && *c->email) {
		html_lit(h, " · ");
		html_text(h, c->email);
	}
	html_lit(h, " · ");
	html_text(h, c->owner && *c->owner ? c->owner : "unowned");
	html_lit(h, "</span></li>");
	return h->rc;
}

int page_contacts(struct req *r)
{
	const char *q = req_query(r, "q");
	struct contact_filter cf = { NULL, NULL };
	struct html h;
	struct found f = { r, &h, 0 };
	int rc;

	if (q && strlen(q) > FU_TEXT_MAX)
		return page_error(r, 400, "q: too long");
	cf.search = q && *q ? q : NULL;
	html_init(&h, &r->ctx);
	page_begin(&h, r, q && *q ? "Search" : "Contacts", NAV_CONTACTS);
	html_lit(&h, "<h1>");
	if (q && *q) {
		html_lit(&h, "Contacts matching “");
		html_text(&h, q);
		html_lit(&h, "”");
	} else {
		html_lit(&h, "Contacts");
	}
	html_lit(&h, "</h1><ul class=\"results\" id=\"results\">");
	rc = store_contacts_list(&r->ctx, r->db, &cf, found_one, &f);
	if (rc && rc != FU_EUSAGE) {
		html_release(&h);
		return page_fail(r, rc);
	}
	html_lit(&h, "</ul>");
	if (f.n == 0)
		html_lit(&h, "<p class=\"empty\">No contact matches. Search by name, e-mail, "
			     "company or key.</p>");
	else if (rc == FU_EUSAGE)
		html_lit(&h, "<p class=\"muted\">The first 100 are shown: search for more.</p>");
	page_end(&h);
	return page_send(r, &h, 200);
}

static const char *const profile_fields[][2] = {
	{ "name", "Name" }, { "email", "E-mail" }, { "phone", "Phone" },
	{ "company", "Company" }, { "tz", "Time zone" }, { "owner", "Owner" },
};

static void select_open(struct html *h, const char *id, const char *label)
{
	html_lit(h, "<label for=\"");
	html_text(h, id);
	html_lit(h, "\">");
	html_text(h, label);
	html_lit(h, "</label><select id=\"");
	html_text(h, id);
	html_lit(h, "\" name=\"");
	html_text(h, id + 2); /* "a-type" -> "type" */
	html_lit(h, "\">");
}

static void option(struct html *h, const char *value, const char *label, int selected)
{
	html_lit(h, "<option value=\"");
	html_text(h, value);
	html_lit(h, "\"");
	if (selected)
		html_lit(h, " selected");
	html_lit(h, ">");
	html_text(h, label);
	html_lit(h, "</option>");
}

static void timeline_item(struct html *h, const json_t *e)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *f[] = { "channel", "outcome", "amount", "ref" };
	char tmp[64], t[64];

	html_lit(h, "<li id=\"e");
	html_textf(h, "%lld", (long long)json_integer_value(json_object_get(e, "id")));
	html_lit(h, "\" data-type=\"");
	html_text(h, type);
	html_lit(h, "\"><span class=\"muted\">");
	html_text(h, when(json_string_value(json_object_get(e, "time")), t, sizeof(t)));
	html_lit(h, "</span><span><span class=\"type\">");
	html_text(h, type);
	html_lit(h, "</span>");
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		const char *v = page_jtext(e, f[k], tmp, sizeof(tmp));

		if (v) {
			html_lit(h, " · ");
			html_text(h, v);
		}
	}
	if (json_is_string(json_object_get(e, "due"))) {
		html_lit(h, " · due ");
		html_textn(h, json_string_value(json_object_get(e, "due")), 10);
	}
	if (json_is_string(json_object_get(e, "note"))) {
		html_lit(h, "<span class=\"note\"> ");
		if (type && !strcmp(type, "touch"))
			html_lit(h, "<span class=\"internal\">internal note: </span>");
		html_text(h, json_string_value(json_object_get(e, "note")));
		html_lit(h, "</span>");
	}
	if (json_is_string(json_object_get(e, "author"))) {
		html_lit(h, " <span class=\"muted\">by ");
		html_text(h, json_string_value(json_object_get(e, "author")));
		html_lit(h, "</span>");
	}
	html_lit(h, "</span></li>");
}

int page_contact(struct req *r)
{
	const char *key = r->param[0], *type = req_query(r, "type"), *saved = req_query(r, "saved");
	json_t *o, *c, *st, *events, *fu, *e, *v;
	struct html h, back;
	const char *k;
	char tmp[64];
	int rc;
	size_t i, shown = 0;

	rc = view_contact(r, key, 0, &o);
	if (rc)
		return page_fail(r, rc);
	if (type && !*type)
		type = NULL;
	c = json_object_get(o, "contact");
	st = json_object_get(o, "state");
	events = json_object_get(o, "events");
	fu = json_object_get(o, "followup");
	html_init(&back, &r->ctx);
	html_lit(&back, "/contacts/");
	html_url(&back, key, NULL);
	html_init(&h, &r->ctx);
	page_begin(&h, r, json_is_string(json_object_get(c, "name")) ?
				  json_string_value(json_object_get(c, "name")) : key, NAV_CONTACTS);
	html_lit(&h, "<h1>");
	html_text(&h, json_is_string(json_object_get(c, "name")) ?
			      json_string_value(json_object_get(c, "name")) : key);
	html_lit(&h, " <span class=\"muted\">");
	html_text(&h, key);
	html_lit(&h, " · ");
	html_text(&h, json_string_value(json_object_get(st, "stage")));
	html_lit(&h, "</span></h1>");
	reach_links(&h, json_string_value(json_object_get(c, "phone")),
		    json_string_value(json_object_get(c, "email")));
	if (saved) {
		html_lit(&h, "<p role=\"status\" class=\"check ok\">");
		html_text(&h, !strcmp(saved, "profile") ? "Saved the profile." :
			      !strcmp(saved, "event") ? "Added to the timeline." : "Saved.");
		html_lit(&h, "</p>");
	}
	html_lit(&h, "<section class=\"panel\" aria-labelledby=\"fu-h\"><h2 id=\"fu-h\">Open "
		     "follow-up</h2>");
	if (json_is_object(fu)) {
		html_lit(&h, "<ul class=\"cards\">");
		card(&h, r, fu, buf_cstr(&back.b), 0);
		html_lit(&h, "</ul>");
	} else {
		html_lit(&h, "<p class=\"muted\">Nothing is open for this contact now.</p>");
	}
	html_lit(&h, "</section><div class=\"grid2\"><section class=\"panel\"><h2>Profile</h2>"
		     "<form class=\"profile\" method=\"post\" aria-label=\"Profile\" action=\"");
	html_text(&h, buf_cstr(&back.b));
	html_lit(&h, "\">");
	page_csrf(&h, r);
	for (i = 0; i < sizeof(profile_fields) / sizeof(profile_fields[0]); i++) {
		char id[16];

		snprintf(id, sizeof(id), "p-%s", profile_fields[i][0]);
		page_input(&h, !strcmp(profile_fields[i][0], "email") ? "email" : "text", id,
			   profile_fields[i][0], profile_fields[i][1],
			   json_string_value(json_object_get(c, profile_fields[i][0])));
	}
	html_lit(&h, "<span></span><button type=\"submit\" class=\"primary\">Save the profile"
		     "</button></form></section><section class=\"panel\"><h2>State</h2>"
		     "<dl class=\"facts\">");
	json_object_foreach(st, k, v) {
		const char *text = page_jtext(st, k, tmp, sizeof(tmp));

		if (!text)
			continue;
		html_lit(&h, "<dt>");
		html_text(&h, k);
		html_lit(&h, "</dt><dd>");
		html_text(&h, text);
		html_lit(&h, "</dd>");
	}
	html_lit(&h, "</dl></section></div>");
	/* the timeline, newest first, filtered by type */
	html_lit(&h, "<section class=\"panel\" aria-labelledby=\"tl-h\"><h2 id=\"tl-h\">Timeline"
		     "</h2><form class=\"filters\" method=\"get\" action=\"");
	html_text(&h, buf_cstr(&back.b));
	html_lit(&h, "\"><div class=\"field\"><label for=\"tl-type\">Show</label>"
		     "<select id=\"tl-type\" name=\"type\">");
	option(&h, "", "every type", !type);
	for (int t = 0; t < EV__COUNT; t++)
		option(&h, event_type_name(t), event_type_name(t),
		       type && !strcmp(type, event_type_name(t)));
	html_lit(&h, "</select></div><button type=\"submit\">Show</button></form>"
		     "<ol class=\"timeline\" id=\"timeline\">");
	for (i = json_array_size(events); i-- > 0;) {
		e = json_array_get(events, i);
		if (type && strcmp(type, json_string_value(json_object_get(e, "type"))) != 0)
			continue;
		timeline_item(&h, e);
		shown++;
	}
	html_lit(&h, "</ol>");
	if (!shown)
		html_lit(&h, "<p class=\"muted\">No events of this type.</p>");
	/* add a note, a touch or any event */
	html_lit(&h, "</section><section class=\"panel\"><h2>Add a note, a touch or an event</h2>"
		     "<form class=\"stack\" method=\"post\" aria-label=\"Add to the timeline\" "
		     "action=\"");
	html_text(&h, buf_cstr(&back.b));
	html_lit(&h, "/events\">");
	page_csrf(&h, r);
	select_open(&h, "a-type", "Type");
	for (int t = 0; t < EV__COUNT; t++)
		if (t != EV_MESSAGE && t != EV_BOUNCE)
			option(&h, event_type_name(t), event_type_name(t), t == EV_TOUCH);
	html_lit(&h, "</select>");
	select_open(&h, "a-channel", "Channel");
	option(&h, "", "(none)", 1);
	for (int ch = 0; ch < CH__COUNT; ch++)
		if (ch != CH_AUTO_EMAIL && ch != CH_AUTO_WEBHOOK)
			option(&h, channel_name(ch), channel_name(ch), 0);
	option(&h, "web_form", "web_form", 0);
	html_lit(&h, "</select>");
	select_open(&h, "a-outcome", "Outcome (a touch)");
	option(&h, "", "(none)", 1);
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		option(&h, outcomes[i].value, outcomes[i].label, 0);
	html_lit(&h, "</select>");
	page_input(&h, "text", "a-amount", "amount", "Amount", NULL);
	page_input(&h, "text", "a-ref", "ref", "Reference", NULL);
	html_lit(&h, "<label for=\"a-note\">Note</label><textarea id=\"a-note\" name=\"note\">"
		     "</textarea><button type=\"submit\" class=\"primary\">Add</button></form>"
		     "</section>");
	page_end(&h);
	if (back.rc && !h.rc)
		h.rc = back.rc;
	html_release(&back);
	json_decref(o);
	return page_send(r, &h, 200);
}

/* 303 to the contact page of r->param[0], saying what was saved (?saved=what). */
static int back_to_contact(struct req *r, const char *what)
{
	struct html back; /* a URL: html_url leaves nothing HTML would escape */
	int ok;

	html_init(&back, &r->ctx);
	html_lit(&back, "/contacts/");
	html_url(&back, r->param[0], NULL);
	html_lit(&back, "?saved=");
	html_url(&back, what, NULL);
	ok = back.rc ? page_error(r, 500, "out of memory") : page_see_other(r, buf_cstr(&back.b));
	html_release(&back);
	return ok;
}

/* POST /contacts/{key}: the profile form, saved as POST /api/v1/contacts saves it. */
int page_contact_save(struct req *r)
{
	struct contact c;
	json_t *body;
	int rc, created;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	body = json_pack("{s:s}", "key", r->param[0]);
	for (size_t i = 0; body && i < sizeof(profile_fields) / sizeof(profile_fields[0]); i++) {
		const char *v = page_field(r, profile_fields[i][0]);

		if (v)
			json_object_set_new(body, profile_fields[i][0], json_string(v));
	}
	if (!body)
		return page_error(r, 500, "out of memory");
	/* the page edits a contact that is there: one the caller cannot see is not made */
	rc = view_contact_get(r, r->param[0], &c);
	if (!rc) {
		contact_release(&c);
		rc = view_contact_put(r, body, &created, &c);
	}
	json_decref(body);
	if (rc)
		return page_fail(r, rc);
	contact_release(&c);
	return back_to_contact(r, "profile");
}

/* POST /contacts/{key}/events: one event for the contact, recorded at now (record_event). */
int page_contact_event(struct req *r)
{
	struct event_text et = { 0 };
	struct record_result res;
	struct contact c;
	int rc;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	rc = view_contact_get(r, r->param[0], &c);
	if (rc)
		return page_fail(r, rc);
	contact_release(&c);
	et.contact = r->param[0];
	et.type = page_field(r, "type");
	et.channel = page_field(r, "channel");
	et.outcome = page_field(r, "outcome");
	et.amount = page_field(r, "amount");
	et.ref = page_field(r, "ref");
	et.note = page_field(r, "note");
	et.due = page_field(r, "due");
	if (!et.type)
		return page_error(r, 422, "type: choose what happened");
	rc = record_event(&r->ctx, r->db, &et, r->now, &res);
	if (rc)
		return page_fail(r, rc);
	srv_notify_contact(r, "event", res.key);
	return back_to_contact(r, "event");
}

/* ---- lapsing customers ---- */

int page_lapsed(struct req *r)
{
	json_t *o, *items, *it;
	struct html h;
	char tmp[64], t[64];
	size_t i;
	int rc = view_lapsed(r, &o);

	if (rc)
		return page_fail(r, rc);
	items = json_object_get(o, "items");
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Lapsing customers", NAV_LAPSED);
	html_lit(&h, "<h1>Lapsing customers</h1>");
	if (json_array_size(items) == 0) {
		html_lit(&h, "<p class=\"empty\">No regular customer is overdue for their next "
			     "order now.</p>");
	} else {
		html_lit(&h, "<p class=\"summary\">");
		html_textf(&h, "%zu regular customer%s waited longer than their rhythm says: "
			       "$%.2f a year at risk, most first.", json_array_size(items),
			   json_array_size(items) == 1 ? "" : "s",
			   json_real_value(json_object_get(o, "at_risk_per_year")));
		html_lit(&h, "</p><div class=\"scroll\"><table class=\"table\" id=\"lapsed\"><thead>"
			     "<tr><th scope=\"col\">Customer</th><th scope=\"col\">Owner</th>"
			     "<th scope=\"col\">Last purchase</th><th scope=\"col\">Usual gap</th>"
			     "<th scope=\"col\">Waited</th><th scope=\"col\">P(alive)</th>"
			     "<th scope=\"col\">At risk a year</th><th scope=\"col\">Why</th>"
			     "<th scope=\"col\">Follow-up</th></tr></thead><tbody>");
		json_array_foreach(items, i, it) {
			const char *key = json_string_value(json_object_get(it, "contact"));
			const char *name = json_string_value(json_object_get(it, "name"));
			const char *fu = json_string_value(json_object_get(it, "followup"));
			const json_t *pa = json_object_get(it, "p_alive");

			html_lit(&h, "<tr><th scope=\"row\"><a href=\"/contacts/");
			html_url(&h, key, NULL);
			html_lit(&h, "\">");
			html_text(&h, name ? name : key);
			html_lit(&h, "</a></th><td>");
			html_text(&h, page_jtext(it, "owner", tmp, sizeof(tmp)));
			html_lit(&h, "</td><td>");
			html_text(&h, when(json_string_value(json_object_get(it, "last_purchase")), t,
					   sizeof(t)));
			html_lit(&h, "</td><td>");
			html_textf(&h, "%.0f days", json_real_value(json_object_get(it, "usual_gap_days")));
			html_lit(&h, "</td><td>");
			html_textf(&h, "%.0f days", json_real_value(json_object_get(it, "waited_days")));
			html_lit(&h, "</td><td>");
			if (json_is_real(pa))
				html_textf(&h, "%.0f%%", json_real_value(pa) * 100.0);
			else
				html_lit(&h, "–");
			html_lit(&h, "</td><td>");
			html_textf(&h, "$%.2f", json_real_value(json_object_get(it, "at_risk_per_year")));
			html_lit(&h, "</td><td>");
			html_text(&h, json_string_value(json_object_get(it, "why")));
			html_lit(&h, "</td><td>");
			if (fu) {
				html_lit(&h, "<a href=\"/contacts/");
				html_url(&h, key, NULL);
				html_lit(&h, "#fu-h\">");
				html_text(&h, fu);
				html_lit(&h, "</a>");
			} else {
				html_lit(&h, "none open");
			}
			html_lit(&h, "</td></tr>");
		}
		html_lit(&h, "</tbody></table></div>");
	}
	page_end(&h);
	json_decref(o);
	return page_send(r, &h, 200);
}

/* ---- the report: charts drawn here as SVG ---- */

#define CHART_W 640
#define CHART_H 220
#define CHART_TOP 16
#define CHART_BOTTOM 40
#define CHART_LEFT 8

/*
 * One bar chart: a value per week (label), the value written over each bar with fmt (a
 * printf format of one double), the figure's caption under it. id names the figure.
 */
/* A bar's value as fmt writes it; "none" for a week without one (NaN), not a misleading 0. */
static void chart_value(struct html *h, const char *fmt, double v)
{
	if (isfinite(v))
		html_textf(h, fmt, v);
	else
		html_lit(h, "none");
}

static void bar_chart(struct html *h, const char *id, const char *title, const char *caption,
		      size_t n, const char *const *labels, const double *v, const char *fmt)
{
	double max = 0, bw, plot = CHART_H - CHART_TOP - CHART_BOTTOM;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > max)
			max = v[i];
	bw = n ? (double)(CHART_W - 2 * CHART_LEFT) / (double)n : 0;
	html_lit(h, "<figure class=\"panel\" id=\"");
	html_text(h, id);
	html_lit(h, "\"><h2 id=\"");
	html_text(h, id);
	html_lit(h, "-t\">");
	html_text(h, title);
	html_lit(h, "</h2><svg class=\"chart\" viewBox=\"0 0 ");
	html_textf(h, "%d %d", CHART_W, CHART_H);
	html_lit(h, "\" role=\"img\" aria-labelledby=\"");
	html_text(h, id);
	html_lit(h, "-t ");
	html_text(h, id);
	html_lit(h, "-c\"><line class=\"axis\" x1=\"0\" x2=\"");
	html_textf(h, "%d", CHART_W);
	html_lit(h, "\" y1=\"");
	html_textf(h, "%d", CHART_H - CHART_BOTTOM);
	html_lit(h, "\" y2=\"");
	html_textf(h, "%d", CHART_H - CHART_BOTTOM);
	html_lit(h, "\"/>");
	for (size_t i = 0; i < n; i++) {
		double val = isfinite(v[i]) && v[i] > 0 ? v[i] : 0;
		double bh = max > 0 ? val / max * plot : 0, x = CHART_LEFT + bw * (double)i;

		html_lit(h, "<rect class=\"bar\" x=\"");
		html_textf(h, "%.1f", x + bw * 0.15);
		html_lit(h, "\" y=\"");
		html_textf(h, "%.1f", CHART_H - CHART_BOTTOM - bh);
		html_lit(h, "\" width=\"");
		html_textf(h, "%.1f", bw * 0.7);
		html_lit(h, "\" height=\"");
		html_textf(h, "%.1f", bh);
		html_lit(h, "\"><title>");
		html_text(h, labels[i]);
		html_lit(h, ": ");
		chart_value(h, fmt, v[i]);
		html_lit(h, "</title></rect><text text-anchor=\"middle\" x=\"");
		html_textf(h, "%.1f", x + bw / 2);
		html_lit(h, "\" y=\"");
		html_textf(h, "%.1f", CHART_H - CHART_BOTTOM - bh - 4);
		html_lit(h, "\">");
		chart_value(h, fmt, v[i]);
		html_lit(h, "</text><text class=\"lab\" text-anchor=\"middle\" x=\"");
		html_textf(h, "%.1f", x + bw / 2);
		html_lit(h, "\" y=\"");
		html_textf(h, "%d", CHART_H - CHART_BOTTOM + 18);
		html_lit(h, "\">");
		html_textn(h, labels[i] + (strlen(labels[i]) >= 10 ? 5 : 0),
			   strlen(labels[i]) >= 10 ? 5 : strlen(labels[i]));
		html_lit(h, "</text>");
	}
	html_lit(h, "</svg><figcaption id=\"");
	html_text(h, id);
	html_lit(h, "-c\">");
	html_text(h, caption);
	html_lit(h, "</figcaption></figure>");
}

#define REPORT_WEEKS 8

int page_report(struct req *r)
{
	json_t *o, *weeks, *owners, *w, *ow;
	const char *labels[REPORT_WEEKS];
	double speed[REPORT_WEEKS], touches[REPORT_WEEKS], risk[REPORT_WEEKS];
	char cap[256], tmp[64];
	struct html h;
	size_t n, i;
	int rc = view_report(r, REPORT_WEEKS, &o);

	if (rc)
		return page_fail(r, rc);
	weeks = json_object_get(o, "weeks");
	owners = json_object_get(o, "owners");
	n = json_array_size(weeks);
	if (n > REPORT_WEEKS)
		n = REPORT_WEEKS;
	for (i = 0; i < n; i++) {
		json_t *s;

		w = json_array_get(weeks, i);
		s = json_object_get(w, "speed_to_lead");
		labels[i] = json_string_value(json_object_get(w, "week"));
		if (!labels[i])
			labels[i] = "";
		speed[i] = json_integer_value(json_object_get(s, "answered")) ?
				   (double)json_integer_value(json_object_get(s, "median_seconds")) / 3600.0 :
				   NAN;
		touches[i] = (double)json_integer_value(json_object_get(w, "touches"));
		risk[i] = json_number_value(json_object_get(json_object_get(w, "lapsing"), "at_risk"));
	}
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Report", NAV_REPORT);
	html_lit(&h, "<h1>How the team follows up</h1>");
	if (n) {
		w = json_array_get(weeks, n - 1);
		long long waiting = (long long)json_integer_value(
			json_object_get(json_object_get(w, "speed_to_lead"), "unanswered"));

		if (isfinite(speed[n - 1]))
			snprintf(cap, sizeof(cap), "The leads of the 30 days to %s waited %.1f hours "
				 "for an answer (median); %lld are not answered yet.", labels[n - 1],
				 speed[n - 1], waiting);
		else
			snprintf(cap, sizeof(cap), "No lead of the 30 days to %s has been answered "
				 "yet; %lld are waiting.", labels[n - 1], waiting);
		bar_chart(&h, "chart-speed", "Speed to lead (median hours), week by week", cap, n,
			  labels, speed, "%.1f");
		snprintf(cap, sizeof(cap), "%lld of %lld active contacts were touched within the "
			 "%lld-day silence limit; %lld follow-ups are open, %lld overdue.",
			 (long long)json_integer_value(json_object_get(w, "touched_in_time")),
			 (long long)json_integer_value(json_object_get(w, "active")),
			 (long long)json_integer_value(json_object_get(w, "silence_days")),
			 (long long)json_integer_value(json_object_get(w, "open")),
			 (long long)json_integer_value(json_object_get(w, "overdue")));
		bar_chart(&h, "chart-touches", "Touches, week by week", cap, n, labels, touches,
			  "%.0f");
		snprintf(cap, sizeof(cap), "Lapsing regular customers put $%.0f a year at risk now.",
			 risk[n - 1]);
		bar_chart(&h, "chart-risk", "Revenue at risk from lapsing customers ($ a year)",
			  cap, n, labels, risk, "%.0f");
	}
	html_lit(&h, "<section class=\"panel\"><h2>Per owner, now</h2><div class=\"scroll\">"
		     "<table class=\"table\" id=\"report-owners\"><thead><tr><th scope=\"col\">Owner"
		     "</th><th scope=\"col\">Active</th><th scope=\"col\">Touched in time</th>"
		     "<th scope=\"col\">Open</th><th scope=\"col\">Overdue</th><th scope=\"col\">"
		     "Lapsing</th><th scope=\"col\">At risk a year</th><th scope=\"col\">Touches "
		     "this week</th></tr></thead><tbody>");
	json_array_foreach(owners, i, ow) {
		json_t *lap = json_object_get(ow, "lapsing"), *lw;
		const char *keys[] = { "active", "touched_in_time", "open", "overdue" };

		lw = json_array_get(json_object_get(ow, "weeks"),
				    json_array_size(json_object_get(ow, "weeks")) - 1);
		html_lit(&h, "<tr><th scope=\"row\">");
		html_text(&h, json_is_string(json_object_get(ow, "owner")) ?
				      json_string_value(json_object_get(ow, "owner")) : "(unowned)");
		html_lit(&h, "</th>");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			html_lit(&h, "<td>");
			html_text(&h, page_jtext(ow, keys[k], tmp, sizeof(tmp)));
			html_lit(&h, "</td>");
		}
		html_lit(&h, "<td>");
		html_text(&h, page_jtext(lap, "customers", tmp, sizeof(tmp)));
		html_lit(&h, "</td><td>");
		html_textf(&h, "$%.0f", json_number_value(json_object_get(lap, "at_risk")));
		html_lit(&h, "</td><td>");
		html_text(&h, page_jtext(lw, "touches", tmp, sizeof(tmp)));
		html_lit(&h, "</td></tr>");
	}
	html_lit(&h, "</tbody></table></div></section>");
	page_end(&h);
	json_decref(o);
	return page_send(r, &h, 200);
}

/* ---- the outbox ---- */

static void outbox_row(struct html *h, struct req *r, const json_t *it)
{
	const char *state = json_string_value(json_object_get(it, "state"));
	const char *id = json_string_value(json_object_get(it, "id"));
	const char *key = json_string_value(json_object_get(it, "contact"));
	const char *cols[][2] = { { "channel", "Channel" }, { "to", "To" },
				  { "subject", "Subject" }, { "tries", "Tries" } };
	char tmp[64], t[64];
	int resend = !strcmp(state, "uncertain") || !strcmp(state, "failed") ||
		     !strcmp(state, "deferred") || !strcmp(state, "dropped");
	int drop = !strcmp(state, "uncertain") || !strcmp(state, "failed") ||
		   !strcmp(state, "deferred") || !strcmp(state, "queued");

	html_lit(h, "<tr data-state=\"");
	html_text(h, state);
	html_lit(h, "\"><th scope=\"row\" data-label=\"Message\">");
	html_text(h, id);
	html_lit(h, "</th><td data-label=\"State\"><span class=\"badge ob-");
	html_text(h, state);
	html_lit(h, "\">");
	html_text(h, state);
	html_lit(h, "</span></td><td data-label=\"Contact\">");
	if (key) {
		html_lit(h, "<a href=\"/contacts/");
		html_url(h, key, NULL);
		html_lit(h, "\">");
		html_text(h, key);
		html_lit(h, "</a>");
	}
	html_lit(h, "</td>");
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		html_lit(h, "<td data-label=\"");
		html_text(h, cols[k][1]);
		html_lit(h, "\">");
		html_text(h, page_jtext(it, cols[k][0], tmp, sizeof(tmp)));
		html_lit(h, "</td>");
	}
	html_lit(h, "<td data-label=\"Last\">");
	html_text(h, when(json_string_value(json_object_get(it, "last")), t, sizeof(t)));
	html_lit(h, "</td><td data-label=\"Why\"><span class=\"why\">");
	html_text(h, json_string_value(json_object_get(it, "why")));
	html_lit(h, "</span></td><td data-label=\"Decide\">");
	if (r->who.role == ROLE_ADMIN && (resend || drop)) {
		if (resend) {
			html_lit(h, "<form method=\"post\" action=\"/outbox/");
			html_url(h, id, NULL);
			html_lit(h, "/resend\">");
			page_csrf(h, r);
			html_lit(h, "<button type=\"submit\" aria-label=\"Send ");
			html_text(h, id);
			html_lit(h, " again\">Send again</button></form>");
		}
		if (drop) {
			html_lit(h, "<form method=\"post\" action=\"/outbox/");
			html_url(h, id, NULL);
			html_lit(h, "/drop\">");
			page_csrf(h, r);
			html_lit(h, "<button type=\"submit\" aria-label=\"Drop ");
			html_text(h, id);
			html_lit(h, "\">Drop</button></form>");
		}
	}
	html_lit(h, "</td></tr>");
}

int page_outbox(struct req *r)
{
	const char *want = req_query(r, "state"), *done = req_query(r, "done");
	json_t *o, *items, *counts, *it, *v;
	struct html h;
	const char *k;
	size_t i;
	int rc, state = -1;

	if (want && *want) {
		for (int s = 0; s < OB__COUNT; s++)
			if (!strcmp(want, outbox_state_name(s)))
				state = s;
		if (state < 0)
			return page_error(r, 400, "state: use queued, sending, sent, deferred, "
						  "bounced, failed, uncertain or dropped");
	}
	rc = view_outbox(r, state, &o);
	if (rc)
		return page_fail(r, rc);
	items = json_object_get(o, "items");
	counts = json_object_get(o, "counts");
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Outbox", NAV_OUTBOX);
	html_lit(&h, "<h1>Outbox</h1>");
	if (done) {
		html_lit(&h, "<p role=\"status\" class=\"check ok\">");
		html_text(&h, !strcmp(done, "resend") ? "The message will go again." :
						       "The message will not go.");
		html_lit(&h, "</p>");
	}
	html_lit(&h, "<form class=\"filters\" method=\"get\" action=\"/outbox\"><div "
		     "class=\"field\"><label for=\"ob-state\">State</label><select id=\"ob-state\" "
		     "name=\"state\">");
	option(&h, "", "every state", state < 0);
	json_object_foreach(counts, k, v) {
		char label[64];

		snprintf(label, sizeof(label), "%s (%lld)", k, (long long)json_integer_value(v));
		option(&h, k, label, want && !strcmp(want, k));
	}
	html_lit(&h, "</select></div><button type=\"submit\">Show</button></form>");
	if (json_is_integer(json_object_get(counts, "uncertain")) &&
	    json_integer_value(json_object_get(counts, "uncertain")) > 0)
		html_lit(&h, "<p class=\"warn\">Uncertain messages may or may not have gone: the "
			     "server stopped while sending them. Look, then send again or drop.</p>");
	if (json_array_size(items) == 0) {
		html_lit(&h, "<p class=\"empty\">No messages here.</p>");
	} else {
		html_lit(&h, "<div class=\"scroll\"><table class=\"table\" id=\"outbox\"><thead><tr>"
			     "<th scope=\"col\">Message</th><th scope=\"col\">State</th><th scope=\""
			     "col\">Contact</th><th scope=\"col\">Channel</th><th scope=\"col\">To</th>"
			     "<th scope=\"col\">Subject</th><th scope=\"col\">Tries</th><th scope=\""
			     "col\">Last</th><th scope=\"col\">Why</th><th scope=\"col\">Decide</th>"
			     "</tr></thead><tbody>");
		/* the uncertain ones first: they wait for a person */
		for (int pass = 0; pass < 2; pass++)
			json_array_foreach(items, i, it) {
				int unc = !strcmp(json_string_value(json_object_get(it, "state")),
						  "uncertain");

				if (unc == !pass)
					outbox_row(&h, r, it);
			}
		html_lit(&h, "</tbody></table></div>");
	}
	page_end(&h);
	json_decref(o);
	return page_send(r, &h, 200);
}

static int page_outbox_decide(struct req *r, int resend)
{
	int rc = view_outbox_decide(r, r->param[0], resend);

	if (rc == FU_EINPUT)
		return page_error(r, 409, r->ctx.msg);
	if (rc)
		return page_fail(r, rc);
	return page_see_other(r, resend ? "/outbox?done=resend" : "/outbox?done=drop");
}

int page_outbox_resend(struct req *r)
{
	return page_outbox_decide(r, 1);
}

int page_outbox_drop(struct req *r)
{
	return page_outbox_decide(r, 0);
}
