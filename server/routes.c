/* routes.c - THE route table of followup serve, and the JSON API's handlers (/api/v1) */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agenda.h"
#include "app.h"
#include "datetime.h"
#include "derive.h"
#include "import.h"
#include "ingest.h"
#include "jview.h"
#include "pages.h"
#include "playbook_store.h"
#include "record.h"
#include "whatif.h"

#include "banned.h"

#define KIB 1024
#define MIB (1024 * 1024)
#define LIST_LIMIT_MAX 500

static int route_health(struct req *r);
static int route_metrics(struct req *r);
static int route_contacts(struct req *r);
static int route_contact(struct req *r);
static int route_contact_put(struct req *r);
static int route_events_post(struct req *r);
static int route_agenda(struct req *r);
static int route_playbook_get(struct req *r);
static int route_playbook_put(struct req *r);
static int route_playbook_check(struct req *r);
static int route_playbook_whatif(struct req *r);
static int route_done(struct req *r);
static int route_snooze(struct req *r);

/*
 * Every route the server answers, in one table. Flags say who may call it (R_PUBLIC: no
 * login; R_ADMIN: admins), whether it writes (R_WRITE: read-only tokens are refused, and
 * it runs through the one writer) and the largest body it takes. The OpenAPI document
 * (/api/v1/openapi.json) is checked against this table by tests/e2e.
 */
const struct route routes[] = {
	{ "GET", "/health", route_health, R_PUBLIC, 0, "whether the database can be read and written" },
	{ "POST", "/api/v1/login", route_login, R_PUBLIC, 4 * KIB, "log in: a session cookie and its CSRF token" },
	{ "POST", "/api/v1/logout", route_logout, R_WRITE, 0, "end this session (or revoke this token)" },
	{ "GET", "/api/v1/me", route_me, 0, 0, "who the caller is" },
	{ "GET", "/api/v1/contacts", route_contacts, 0, 0, "contacts, filtered, by key, a page at a time" },
	{ "POST", "/api/v1/contacts", route_contact_put, R_WRITE, 64 * KIB, "create or update a contact's profile" },
	{ "GET", "/api/v1/contacts/{key}", route_contact, 0, 0, "one contact: profile, state, timeline, open follow-up" },
	{ "POST", "/api/v1/events", route_events_post, R_WRITE | R_QUEUED, 16 * MIB, "record one event or a batch of up to 10,000, all or nothing" },
	{ "GET", "/api/v1/events/stream", route_events_stream, 0, 0, "live news for an open page: server-sent events naming the contacts that changed" },
	{ "GET", "/api/v1/agenda", route_agenda, 0, 0, "the follow-ups due by a day, most important first" },
	{ "POST", "/api/v1/followups/{id}/done", route_done, R_WRITE, 16 * KIB, "record how a follow-up went (a touch)" },
	{ "POST", "/api/v1/followups/{id}/snooze", route_snooze, R_WRITE, 16 * KIB, "put a follow-up off until a date" },
	{ "GET", "/api/v1/followups/{id}/email", route_email_draft, 0, 0, "the personal e-mail the agenda wrote for a follow-up, to edit" },
	{ "POST", "/api/v1/followups/{id}/email", route_email_send, R_WRITE, 64 * KIB, "send a follow-up's personal e-mail (edited), recorded as the person's touch" },
	{ "GET", "/api/v1/playbook", route_playbook_get, 0, 0, "the playbook in effect (YAML)" },
	{ "PUT", "/api/v1/playbook", route_playbook_put, R_WRITE | R_ADMIN, 1 * MIB, "check a playbook and put it in effect" },
	{ "POST", "/api/v1/playbook/check", route_playbook_check, R_ADMIN, 1 * MIB, "check a playbook as `playbook check` does, keeping nothing" },
	{ "POST", "/api/v1/playbook/whatif", route_playbook_whatif, R_ADMIN, 1 * MIB, "the last 30 days replayed under the playbook in effect and this one" },
	{ "GET", "/api/v1/now", route_now, 0, 0, "the server's clock (fixed with --now), for the web app" },
	{ "GET", "/api/v1/lapsed", route_lapsed, 0, 0, "regular customers lapsing now, most money at risk first" },
	{ "GET", "/api/v1/report", route_report, R_ADMIN, 0, "how well the team follows up, week by week" },
	{ "GET", "/api/v1/openapi.json", route_openapi, R_NODB, 0, "this API described in OpenAPI 3.1" },
	{ "GET", "/metrics", route_metrics, R_ADMIN, 0, "request counts and latencies, job runs (Prometheus text)" },
	{ "POST", "/api/v1/jobs/{name}/run", route_job_run, R_ADMIN, 0, "run a background job now (send, receive, digest, refresh, refit); answers when it has finished" },
	{ "GET", "/api/v1/outbox", route_outbox, 0, 0, "the automated messages and their states (followup outbox)" },
	{ "POST", "/api/v1/outbox/{id}/resend", route_outbox_resend, R_WRITE | R_ADMIN, 0, "an uncertain, failed, deferred or dropped message goes again" },
	{ "POST", "/api/v1/outbox/{id}/drop", route_outbox_drop, R_WRITE | R_ADMIN, 0, "a message will not go" },
	{ "GET", "/api/v1/models", route_models, 0, 0, "the customer-base model kept by model fit (followup model show)" },
	{ "POST", "/api/v1/import/{kind}", route_import, R_WRITE | R_ADMIN, 64 * MIB, "import contacts or events from a CSV or JSON Lines body, all or nothing" },
	{ "POST", "/f/{key}", route_form_post, R_PUBLIC, 16 * KIB, "a web form's enquiry: a new lead" },
	{ "OPTIONS", "/f/{key}", route_form_preflight, R_PUBLIC, 0, "CORS preflight for the form's own site" },
	{ "GET", "/cal/{token}.ics", route_calendar, R_PUBLIC, 0, "one owner's open follow-ups as an iCalendar feed" },
	{ "GET", "/c/{token}", route_click, R_PUBLIC, 0, "a tracked link of an e-mail: the click recorded, then on to the link (303)" },
	{ "GET", "/u", route_unsubscribe_page, R_PUBLIC, 0, "an e-mail's unsubscribe link (?token=): a page to confirm" },
	{ "POST", "/u", route_unsubscribe_post, R_PUBLIC, 1 * KIB, "unsubscribe (?token=): the page's button or an RFC 8058 one-click post" },
	{ "GET", "/u/{token}", route_unsubscribe_page, R_PUBLIC, 0, "an e-mail's unsubscribe link in the path form: a page to confirm" },
	{ "POST", "/u/{token}", route_unsubscribe_post, R_PUBLIC, 1 * KIB, "unsubscribe in the path form: the page's button or an RFC 8058 one-click post" },
	{ "GET", "/", route_app_static, R_PUBLIC | R_NODB, 0, "the web app's page" },
	{ "GET", "/app/*", route_app_static, R_PUBLIC | R_NODB, 0, "the web app's files" },
	/* the server-rendered pages (pages.c, pages-admin.c): HTML that works without script;
	 * their forms post with the session's CSRF token as the field "csrf", then 303 back */
	{ "GET", "/login", page_login, R_PUBLIC | R_PAGE | R_NODB, 0, "the login page" },
	{ "POST", "/login", page_login_post, R_PUBLIC | R_PAGE, 4 * KIB, "log in from the page: a session cookie, then Today" },
	{ "POST", "/logout", page_logout, R_WRITE | R_PAGE, 4 * KIB, "end this session, then the login page" },
	{ "GET", "/today", page_today, R_PAGE, 0, "Today: a card per follow-up due (?day=, ?show=, ?owner=)" },
	{ "POST", "/today/{id}/done", page_done, R_WRITE | R_PAGE, 16 * KIB, "record how a follow-up went (outcome, next, note)" },
	{ "POST", "/today/{id}/snooze", page_snooze, R_WRITE | R_PAGE, 16 * KIB, "put a follow-up off until a date" },
	{ "GET", "/today/{id}/email", page_email, R_PAGE, 0, "a follow-up's personal e-mail in a form, to edit and send" },
	{ "POST", "/today/{id}/email", page_email_send, R_WRITE | R_PAGE, 64 * KIB, "send the edited e-mail, recorded as the person's touch" },
	{ "GET", "/contacts", page_contacts, R_PAGE, 0, "the contacts found (?q=)" },
	{ "GET", "/contacts/{key}", page_contact, R_PAGE, 0, "one contact: follow-up, profile, state, timeline (?type=)" },
	{ "POST", "/contacts/{key}", page_contact_save, R_WRITE | R_PAGE, 64 * KIB, "save a contact's profile" },
	{ "POST", "/contacts/{key}/events", page_contact_event, R_WRITE | R_PAGE, 64 * KIB, "add a note, a touch or any event to a contact's timeline" },
	{ "GET", "/lapsed", page_lapsed, R_PAGE, 0, "the lapsing customers, most money at risk first" },
	{ "GET", "/report", page_report, R_ADMIN | R_PAGE, 0, "the report, drawn as charts" },
	{ "GET", "/outbox", page_outbox, R_PAGE, 0, "the outbox's messages by state (?state=)" },
	{ "POST", "/outbox/{id}/resend", page_outbox_resend, R_WRITE | R_ADMIN | R_PAGE, 4 * KIB, "a message goes again" },
	{ "POST", "/outbox/{id}/drop", page_outbox_drop, R_WRITE | R_ADMIN | R_PAGE, 4 * KIB, "a message will not go" },
	{ "GET", "/playbook", page_playbook, R_ADMIN | R_PAGE, 0, "the playbook in an editor" },
	{ "POST", "/playbook/check", page_playbook_check, R_ADMIN | R_PAGE, 1 * MIB, "check the edited playbook, keeping nothing" },
	{ "POST", "/playbook/whatif", page_playbook_whatif, R_ADMIN | R_PAGE, 1 * MIB, "the last 30 days under the edited playbook" },
	{ "POST", "/playbook", page_playbook_save, R_WRITE | R_ADMIN | R_PAGE, 1 * MIB, "check the edited playbook and put it in effect" },
	{ "GET", "/import", page_import, R_ADMIN | R_PAGE, 0, "the import form" },
	{ "POST", "/import/preview", page_import_preview, R_ADMIN | R_PAGE, 64 * MIB, "a file's first rows as they would be stored, and its bad rows" },
	{ "POST", "/import", page_import_run, R_WRITE | R_ADMIN | R_PAGE, 64 * MIB, "import a file, all or nothing" },
	{ "GET", "/team", page_team, R_ADMIN | R_PAGE, 0, "users, tokens, web forms" },
	{ "POST", "/team/users", page_team_user, R_WRITE | R_ADMIN | R_PAGE, 16 * KIB, "add a user" },
	{ "POST", "/team/tokens", page_team_token, R_WRITE | R_ADMIN | R_PAGE, 16 * KIB, "make an API token or a calendar feed, shown once" },
	{ "POST", "/team/tokens/{id}/revoke", page_team_revoke, R_WRITE | R_ADMIN | R_PAGE, 4 * KIB, "revoke a token" },
	{ "POST", "/team/forms", page_team_form, R_WRITE | R_ADMIN | R_PAGE, 16 * KIB, "add a web form" },
};
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

static int route_health(struct req *r)
{
	int version = 0, rc = store_schema_version(&r->ctx, r->db, &version);
	int writable = 0;

	if (!rc && store_begin(&r->ctx, r->db) == FU_OK) {
		writable = 1;
		store_rollback(r->db);
	}
	return http_json(r, rc || !writable ? 503 : 200,
			 json_pack("{s:s, s:b, s:b, s:i, s:o*}", "status",
				   rc || !writable ? "failing" : "ok", "database_readable", !rc,
				   "database_writable", writable, "schema", version, "jobs",
				   jobs_health(r->srv)));
}

static int route_metrics(struct req *r)
{
	char *text = srv_metrics_text(r->srv);
	struct buf b;
	int ok;

	if (!text)
		return http_problem(r, 500, "out of memory", NULL);
	buf_init(&b, 0);
	ok = buf_adds(&r->ctx, &b, text);
	free(text);
	if (!ok)
		ok = ops_outbox_metrics(r, &b);
	if (ok) {
		buf_release(&b);
		return http_fail(r, ok);
	}
	ok = http_text(r, 200, "text/plain; version=0.0.4", buf_cstr(&b), b.len);
	buf_release(&b);
	return ok;
}

/* ---- contacts ---- */

int view_contact_get(struct req *r, const char *key, struct contact *c)
{
	int rc;

	contact_init(c);
	rc = store_contact_get(&r->ctx, r->db, key, c);
	if (!rc && !account_sees_owner(&r->who, c->owner)) {
		contact_release(c);
		contact_init(c);
		rc = FU_ENOTFOUND;
	}
	if (rc == FU_ENOTFOUND)
		fu_err(&r->ctx, FU_ENOTFOUND, "no contact '%.300s'", key);
	return rc;
}

struct page {
	struct req *r;
	int stage;          /* -1 any */
	const char *after;  /* the cursor: keys after this one */
	long limit;
	long n;
	json_t *items;
	char next[FU_KEY_MAX + 1];
	int more;
};

#define PAGE_FULL 100 /* not an fu_rc: stops the scan once a page and one more are found */

static int page_one(struct fu_ctx *ctx, void *arg, const struct contact *c,
		    const struct contact_state *st)
{
	struct page *p = arg;
	json_t *o;

	if (!account_sees_owner(&p->r->who, c->owner))
		return FU_OK;
	if (p->after && strcmp(c->key, p->after) <= 0)
		return FU_OK;
	if (p->stage >= 0 && contact_stage(st, p->r->now) != p->stage)
		return FU_OK;
	if (p->n == p->limit) {
		p->more = 1;
		return PAGE_FULL;
	}
	o = jview_contact(c);
	if (!o || json_object_set_new(o, "state", jview_state(st, p->r->now)) ||
	    json_array_append_new(p->items, o))
		return fu_err(ctx, FU_ENOMEM, "out of memory listing contacts");
	snprintf(p->next, sizeof(p->next), "%s", c->key);
	p->n++;
	return FU_OK;
}

/* A count from the query: def when absent; -1 (answered 400) when not a number in [1, max]. */
static long query_count(struct req *r, const char *name, long def, long max)
{
	const char *v = req_query(r, name);
	char *end, detail[128];
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (*end || end == v || n < 1 || n > max) {
		snprintf(detail, sizeof(detail), "%s: give a count from 1 to %ld", name, max);
		http_problem(r, 400, detail, NULL);
		return -1;
	}
	return n;
}

/* A text parameter of at most max bytes; answers 400 and returns 0 when longer. */
static int query_text(struct req *r, const char *name, size_t max, const char **out)
{
	char detail[128];

	*out = req_query(r, name);
	if (*out && strlen(*out) > max) {
		snprintf(detail, sizeof(detail), "%s: longer than %zu bytes", name, max);
		http_problem(r, 400, detail, NULL);
		return 0;
	}
	return 1;
}

static int route_contacts(struct req *r)
{
	struct contact_filter f = { NULL, NULL };
	struct page p = { r, -1, NULL, 50, 0, NULL, "", 0 };
	const char *stage;
	json_t *o;
	int rc;

	if (!query_text(r, "owner", FU_TEXT_MAX, &f.owner) ||
	    !query_text(r, "search", FU_TEXT_MAX, &f.search) ||
	    !query_text(r, "cursor", FU_KEY_MAX, &p.after) ||
	    !query_text(r, "stage", 16, &stage))
		return MHD_YES;
	p.limit = query_count(r, "limit", 50, LIST_LIMIT_MAX);
	if (p.limit < 0)
		return MHD_YES;
	if (stage && stage_parse(stage, &p.stage))
		return http_problem(r, 400, "stage: use lead, customer, repeat or lapsed", NULL);
	if (f.owner && !account_sees_owner(&r->who, f.owner))
		return http_problem(r, 403, "a rep sees only their own and unowned contacts", NULL);
	p.items = json_array();
	if (!p.items)
		return http_problem(r, 500, "out of memory", NULL);
	rc = store_contacts_list(&r->ctx, r->db, &f, page_one, &p);
	if (rc && rc != PAGE_FULL) {
		json_decref(p.items);
		return http_fail(r, rc);
	}
	o = json_pack("{s:o, s:o}", "items", p.items, "next_cursor",
		      p.more ? json_string(p.next) : json_null());
	return http_json(r, 200, o);
}

struct timeline {
	json_t *events;
	int64_t skip;
};

static int timeline_one(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct timeline *t = arg;

	if (t->skip > 0) {
		t->skip--;
		return FU_OK;
	}
	if (json_array_append_new(t->events, jview_event(e)))
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a timeline");
	return FU_OK;
}

int view_contact(struct req *r, const char *key, long last, json_t **out)
{
	struct contact c;
	struct contact_state st;
	const struct playbook *pb = NULL;
	struct followup fu;
	struct timeline t = { NULL, 0 };
	int rc, open = 0;

	*out = NULL;
	rc = view_contact_get(r, key, &c);
	if (rc)
		return rc;
	contact_state_init(&st, c.id);
	rc = store_begin_read(&r->ctx, r->db);
	if (!rc)
		rc = store_state_get(&r->ctx, r->db, c.id, &st);
	if (rc == FU_ENOTFOUND) {
		contact_state_init(&st, c.id);
		rc = FU_OK;
	}
	if (!rc && last && st.events > last)
		t.skip = st.events - last;
	t.events = json_array();
	if (!rc && !t.events)
		rc = fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	if (!rc)
		rc = store_events_of_contact(&r->ctx, r->db, c.id, timeline_one, &t);
	if (!rc)
		rc = req_playbook(r, &pb);
	if (!rc)
		rc = agenda_contact(&r->ctx, r->db, pb, c.id, r->now, &fu, &open);
	store_rollback(r->db);
	if (!rc) {
		*out = json_pack("{s:o, s:o, s:o, s:o}", "contact", jview_contact(&c), "state",
				 jview_state(&st, r->now), "events", t.events, "followup",
				 open ? jview_followup(&fu) : json_null());
		t.events = NULL;
		if (!*out)
			rc = fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	}
	if (open)
		followup_release(&fu);
	json_decref(t.events);
	req_playbook_put(r, pb);
	contact_state_release(&st);
	contact_release(&c);
	return rc;
}

static int route_contact(struct req *r)
{
	json_t *o;
	long last = query_count(r, "last", 0, 1000000);
	int rc;

	if (last < 0)
		return MHD_YES;
	rc = view_contact(r, r->param[0], last, &o);
	if (rc)
		return http_fail(r, rc);
	return http_json(r, 200, o);
}

/* "body:3: field: what" from the import of a body -> a problem pointing at item 3. */
static int import_problem(struct req *r, int rc, int array)
{
	const char *m = r->ctx.msg;
	char ptr[32];
	long line;

	if (rc != FU_EINPUT)
		return http_fail(r, rc);
	if (strncmp(m, "body:", 5) == 0 && (line = strtol(m + 5, NULL, 10)) > 0) {
		snprintf(ptr, sizeof(ptr), array ? "/%ld" : "", line - 1);
		return http_problem(r, 422, m, ptr);
	}
	return http_problem(r, 422, m, NULL);
}

/* Runs the import of text (JSON Lines) of kind into the store, as 'followup import' does. */
static int import_text(struct req *r, int kind, const char *text, size_t n,
		       struct import_result *res)
{
	struct import_opts o;
	FILE *f = fmemopen((void *)text, n, "r");
	int rc;

	if (!f)
		return fu_err(&r->ctx, FU_ENOMEM, "out of memory reading the body");
	import_opts_init(&o);
	o.kind = kind;
	o.format = IMPORT_JSONL;
	o.now = r->now;
	rc = import_stream(&r->ctx, r->db, f, "body", &o, res);
	fclose(f);
	return rc;
}

int view_contact_put(struct req *r, json_t *body, int *created, struct contact *out)
{
	struct import_result res;
	struct contact c;
	char keybuf[FU_KEY_MAX + 1];
	const char *key, *owner;
	char *line;
	int rc, exists;

	*created = 0;
	contact_init(out);
	key = json_string_value(json_object_get(body, "key"));
	if (!key || strlen(key) > FU_KEY_MAX)
		return fu_err(&r->ctx, FU_EUSAGE, "key: give the contact's key (text, at most 256 "
						  "bytes)");
	snprintf(keybuf, sizeof(keybuf), "%s", key);
	key = keybuf;
	owner = json_string_value(json_object_get(body, "owner"));
	contact_init(&c);
	rc = store_contact_get(&r->ctx, r->db, key, &c);
	exists = rc == FU_OK;
	if (rc && rc != FU_ENOTFOUND) {
		contact_release(&c);
		return rc;
	}
	/* a rep may only touch contacts they see, and only give them to themselves or nobody */
	if (exists && !account_sees_owner(&r->who, c.owner)) {
		contact_release(&c);
		return fu_err(&r->ctx, FU_ENOTFOUND, "no such contact");
	}
	contact_release(&c);
	if (owner && !account_sees_owner(&r->who, owner))
		return fu_err(&r->ctx, FU_EACCESS, "a rep may give a contact only to themselves");
	line = http_dump(body);
	if (!line)
		return fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	import_result_init(&res);
	rc = import_text(r, IMPORT_CONTACTS, line, strlen(line), &res);
	free(line);
	import_result_release(&res);
	if (rc)
		return rc;
	rc = view_contact_get(r, key, out);
	if (rc)
		return rc;
	*created = !exists;
	srv_notify(r->srv, "profile", out->key, out->name, out->owner);
	return FU_OK;
}

/* POST /api/v1/contacts: a profile object with "key", imported as one JSON Lines row. */
static int route_contact_put(struct req *r)
{
	struct contact c;
	json_t *body = req_json(r, JSON_OBJECT), *reply;
	int rc, created;

	if (!body)
		return MHD_YES;
	rc = view_contact_put(r, body, &created, &c);
	json_decref(body);
	if (rc == FU_EUSAGE)
		return http_problem(r, 422, r->ctx.msg, "/key");
	if (rc == FU_EACCESS)
		return http_problem(r, 403, r->ctx.msg, "/owner");
	if (rc == FU_EINPUT)
		return import_problem(r, rc, 0);
	if (rc)
		return http_fail(r, rc);
	reply = jview_contact(&c);
	contact_release(&c);
	return http_json(r, created ? 201 : 200, reply);
}

/* ---- events ---- */

/* A problem about event i of the body (array: pointed at as /i, else the body itself). */
static int event_problem(struct req *r, int status, int array, size_t i, const char *field,
			 const char *detail)
{
	char ptr[64];

	snprintf(ptr, sizeof(ptr), array ? "/%zu%s%s" : "%.0zu%s%s", i, field ? "/" : "",
		 field ? field : "");
	return http_problem(r, status, detail, ptr);
}

#define NOTICES_MAX 20 /* contacts named one by one in a batch's notices; more: "many" */

/*
 * Tells the open pages which contacts a stored batch touched (srv_notify), by the kind of
 * their event: a lead, a reply, an information request, or any other event. A batch of
 * more contacts is one notice that names nobody.
 */
static void notify_events(struct req *r, json_t *body)
{
	json_t *list = json_is_array(body) ? body : json_object_get(body, "events");
	const char *seen[NOTICES_MAX];
	size_t n = 0, count = json_is_array(list) ? json_array_size(list) : 1;

	for (size_t i = 0; i < count; i++) {
		json_t *e = json_is_array(list) ? json_array_get(list, i) : body;
		const char *key = json_string_value(json_object_get(e, "contact"));
		size_t k;

		if (!key)
			continue;
		for (k = 0; k < n && strcmp(seen[k], key) != 0; k++)
			;
		if (k < n)
			continue;
		if (n == NOTICES_MAX) {
			srv_notify(r->srv, "many", NULL, NULL, NULL);
			return;
		}
		seen[n++] = key;
	}
	for (size_t i = 0, k = 0; i < count && k < n; i++) {
		json_t *e = json_is_array(list) ? json_array_get(list, i) : body;
		const char *key = json_string_value(json_object_get(e, "contact"));
		const char *type = json_string_value(json_object_get(e, "type"));

		if (!key || strcmp(key, seen[k]) != 0)
			continue;
		k++;
		srv_notify_contact(r, type && (!strcmp(type, "lead") || !strcmp(type, "reply") ||
					       !strcmp(type, "info_request")) ? type : "event", key);
	}
}

/*
 * POST /api/v1/events: one event object, an array, or {"events": [...]}, checked here (on
 * this request's thread) and stored by the event writer (ingest.h), all or nothing, with
 * the Idempotency-Key in the same transaction.
 */
static int route_events_post(struct req *r)
{
	const char *idem = req_header(r, "Idempotency-Key");
	char hash[INGEST_BODY_HASH_SIZE];
	struct ingest_req in = { 0 };
	char author[STORE_AUTHOR_MAX + 1];
	struct ingest_batch b;
	struct event_text *texts;
	json_t *body, *list, *events;
	char *reply;
	size_t n, bad;
	int rc, array = 1, found = 0, status = 0;

	if (idem && (strlen(idem) == 0 || strlen(idem) > INGEST_KEY_MAX))
		return http_problem(r, 400, "Idempotency-Key: give 1 to 200 characters", NULL);
	if (idem) {
		/* a replay is answered from a reader; the writer looks again in its transaction */
		ingest_body_hash(r->body.s ? r->body.s : "", r->body.len, hash);
		rc = store_idem_get(&r->ctx, r->db, idem, r->who.user_id, hash, &found, &status,
				    &reply);
		if (rc)
			return http_fail(r, rc);
		if (found == STORE_IDEM_OTHER_BODY) {
			free(reply);
			return http_problem(r, 422, INGEST_KEY_REUSED, NULL);
		}
		if (found) {
			rc = http_text(r, status, "application/json", reply, strlen(reply));
			free(reply);
			http_header(r, "Idempotent-Replayed", "true");
			return rc;
		}
	}
	body = req_json(r, -1);
	if (!body)
		return MHD_YES;
	list = body;
	events = json_object_get(body, "events");
	if (json_is_object(body) && json_is_array(events))
		list = events;
	else if (json_is_object(body))
		array = 0;
	n = array ? json_array_size(list) : 1;
	if (n == 0 || n > INGEST_BATCH_MAX) {
		json_decref(body);
		return http_problem(r, 422, "give 1 to 10000 events", "");
	}
	texts = calloc(n, sizeof(*texts));
	if (!texts) {
		json_decref(body);
		return http_problem(r, 500, "out of memory", NULL);
	}
	for (size_t i = 0; i < n; i++) {
		rc = ingest_event_from_json(&r->ctx, array ? json_array_get(list, i) : list,
					    &texts[i]);
		if (rc) {
			free(texts);
			json_decref(body);
			return rc == FU_EINPUT ? event_problem(r, 422, array, i, NULL, r->ctx.msg) :
						 http_fail(r, rc);
		}
	}
	rc = ingest_batch_check(&r->ctx, texts, n, r->now, &b, &bad);
	if (!rc) {
		srv_author_text(r, author, sizeof(author));
		in.batch = &b;
		in.idem_key = idem;
		in.idem_hash = idem ? hash : NULL;
		in.who = &r->who;
		in.author = author;
		in.now = r->now;
		ingest_submit(r->srv->ingest, &in);
		rc = in.rc;
		bad = in.bad;
		r->ctx = in.ctx;
		ingest_batch_release(&b);
	}
	free(texts);
	if (!rc && !in.replayed)
		notify_events(r, body);
	json_decref(body); /* the texts pointed into it */
	if (rc == FU_ENOTFOUND && bad != SIZE_MAX)
		return event_problem(r, 404, array, bad, "contact", r->ctx.msg);
	if (rc == FU_EINPUT && bad != SIZE_MAX)
		return event_problem(r, 422, array, bad, NULL, r->ctx.msg);
	if (rc == FU_EINPUT)
		return http_problem(r, 422, r->ctx.msg, NULL);
	if (rc)
		return http_fail(r, rc);
	rc = http_text(r, in.status, "application/json", in.reply, strlen(in.reply));
	if (in.replayed)
		http_header(r, "Idempotent-Replayed", "true");
	free(in.reply);
	return rc;
}

/* ---- agenda ---- */

/*
 * agenda_build_current for a request: with the server's shared playbook (parsed once) and
 * zones, and on the live clock unless the server's is fixed.
 */
int req_playbook(struct req *r, const struct playbook **pb)
{
	*pb = NULL;
	return agenda_playbooks_get(&r->ctx, r->srv->playbooks, r->db, pb);
}

void req_playbook_put(struct req *r, const struct playbook *pb)
{
	agenda_playbooks_put(r->srv->playbooks, pb);
}

static int build_agenda(struct req *r, struct agenda_opts *o, struct agenda *a)
{
	const struct playbook *pb;
	int rc;

	o->zones = r->srv->zones;
	o->live_clock = r->srv->opts->now == 0;
	rc = req_playbook(r, &pb);
	if (!rc)
		rc = agenda_build(&r->ctx, r->db, pb, o, a);
	req_playbook_put(r, pb);
	return rc;
}

int view_agenda(struct req *r, struct agenda_opts *o, int want, long limit, json_t **out)
{
	struct agenda a;
	json_t *items;
	int rc;

	*out = NULL;
	if (r->who.role != ROLE_ADMIN) {
		if (o->owner && strcmp(o->owner, r->who.name) != 0)
			return fu_err(&r->ctx, FU_EACCESS, "a rep sees only their own agenda");
		o->owner = r->who.name;
	}
	o->now = r->now;
	o->jobs = 1;
	rc = build_agenda(r, o, &a);
	if (rc)
		return rc;
	items = json_array();
	for (int i = 0; items && i < a.n; i++) {
		if (want >= 0 && a.v[i].automated != want)
			continue;
		if (limit && (long)json_array_size(items) == limit)
			break;
		if (json_array_append_new(items, jview_followup(&a.v[i]))) {
			json_decref(items);
			items = NULL;
		}
	}
	agenda_release(&a);
	if (!items)
		return fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	*out = items;
	return FU_OK;
}

static int route_agenda(struct req *r)
{
	struct agenda_opts o = { .now = r->now };
	struct civil cv;
	char daytext[16];
	const char *day, *automated, *all;
	json_t *items;
	int rc, want = -1; /* automated: -1 both, 0 personal only, 1 automated only */
	long limit;

	if (!query_text(r, "owner", FU_TEXT_MAX, &o.owner) || !query_text(r, "day", 32, &day) ||
	    !query_text(r, "automated", 8, &automated) || !query_text(r, "all", 8, &all))
		return MHD_YES;
	limit = query_count(r, "limit", 0, 1000000);
	if (limit < 0)
		return MHD_YES;
	if (automated && !strcmp(automated, "true"))
		want = 1;
	else if (automated && !strcmp(automated, "false"))
		want = 0;
	else if (automated)
		return http_problem(r, 400, "automated: use true or false", NULL);
	o.all = all && !strcmp(all, "true");
	dt_to_civil(r->now, &cv);
	if (day) {
		int64_t t;

		if (dt_parse_iso(&r->ctx, day, 1, &t)) {
			fu_err_prefix(&r->ctx, "day");
			return http_problem(r, 400, r->ctx.msg, NULL);
		}
		dt_to_civil(t, &cv);
	}
	o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	rc = view_agenda(r, &o, want, limit, &items);
	if (rc == FU_EACCESS)
		return http_problem(r, 403, r->ctx.msg, NULL);
	if (rc)
		return http_fail(r, rc);
	snprintf(daytext, sizeof(daytext), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return http_json(r, 200, json_pack("{s:s, s:o}", "day", daytext, "items", items));
}

/* ---- playbook ---- */

static int route_playbook_get(struct req *r)
{
	const struct playbook *pb;
	int rc = req_playbook(r, &pb), ok;

	ok = rc ? http_fail(r, rc) :
		  http_json(r, 200, json_pack("{s:s, s:i, s:s}", "name", pb->name, "rules",
					      pb->nrules, "yaml", pb->source));
	req_playbook_put(r, pb);
	return ok;
}

/*
 * A playbook in the body: the YAML text (application/yaml or text/yaml), or JSON {"yaml":
 * "..."} with null for the built-in playbook (*yaml = NULL, allowed only when may_be_null).
 * *body (freed by the caller with json_decref) holds the JSON the text points into. Answers
 * the problem itself and returns 0 on a bad body.
 */
static int playbook_body(struct req *r, int may_be_null, json_t **body, const char **yaml)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);

	*body = NULL;
	if (ct && (!strncasecmp(ct, "application/yaml", 16) || !strncasecmp(ct, "text/yaml", 9))) {
		if (buf_addc(&r->ctx, &r->body, '\0')) {
			http_problem(r, 413, "the playbook is too large", NULL);
			return 0;
		}
		*yaml = r->body.s ? r->body.s : "";
		return 1;
	}
	*body = req_json(r, JSON_OBJECT);
	if (!*body)
		return 0;
	*yaml = json_string_value(json_object_get(*body, "yaml"));
	if (!*yaml && !(may_be_null && json_is_null(json_object_get(*body, "yaml")))) {
		json_decref(*body);
		*body = NULL;
		http_problem(r, 422, may_be_null ? "yaml: give the playbook's text, or null for "
						   "the built-in one" :
						   "yaml: give the playbook's text", "/yaml");
		return 0;
	}
	return 1;
}

/* "playbook:LINE:COLUMN: what" -> {detail, line, column} (0 and 0 when it names no place). */
static json_t *playbook_place(const char *msg)
{
	long line = 0, col = 0;

	if (sscanf(msg, "%*[^:]:%ld:%ld:", &line, &col) < 1)
		line = col = 0;
	return json_pack("{s:s, s:I, s:I}", "detail", msg, "line", (json_int_t)line, "column",
			 (json_int_t)col);
}

/* A playbook refused (FU_EINPUT on r->ctx): 422 with its line and column, for an editor. */
static int playbook_refused(struct req *r)
{
	json_t *place = playbook_place(r->ctx.msg);

	if (place)
		json_object_del(place, "detail");
	return http_problem_with(r, 422, r->ctx.msg, NULL, place);
}

/*
 * PUT /api/v1/playbook: the playbook in the body (playbook_body), checked as 'playbook check'
 * checks a file; an error is 422 with its line and column.
 */
static int route_playbook_put(struct req *r)
{
	struct playbook pb;
	json_t *body;
	const char *yaml;
	int rc;

	if (!playbook_body(r, 1, &body, &yaml))
		return MHD_YES;
	playbook_init(&pb);
	rc = yaml ? playbook_store_use_text(&r->ctx, r->db, "playbook", yaml, &pb) :
		    playbook_store_use(&r->ctx, r->db, NULL, &pb);
	json_decref(body);
	if (rc == FU_EINPUT) {
		playbook_release(&pb);
		return playbook_refused(r);
	}
	if (rc) {
		playbook_release(&pb);
		return http_fail(r, rc);
	}
	rc = http_json(r, 200, json_pack("{s:s, s:i}", "name", pb.name, "rules", pb.nrules));
	playbook_release(&pb);
	return rc;
}

static void add_warning(void *arg, const char *msg)
{
	json_array_append_new(arg, playbook_place(msg));
}

/*
 * POST /api/v1/playbook/check (admins): the playbook in the body checked as 'playbook check'
 * checks a file, nothing kept. Always 200 for a playbook read: {ok, rules, errors: [{detail,
 * line, column}], warnings: [...]}, so that an editor can check as its user types.
 */
int view_playbook_check(struct req *r, const char *yaml, json_t **out)
{
	struct playbook pb;
	json_t *errors, *warnings;
	int rc;

	*out = NULL;
	playbook_init(&pb);
	rc = playbook_load_string(&r->ctx, "playbook", yaml, &pb);
	if (rc && rc != FU_EINPUT) {
		playbook_release(&pb);
		return rc;
	}
	errors = json_array();
	warnings = json_array();
	if (rc)
		json_array_append_new(errors, playbook_place(r->ctx.msg));
	else
		playbook_warnings(&pb, add_warning, warnings);
	*out = json_pack("{s:b, s:i, s:o, s:o}", "ok", !rc, "rules", rc ? 0 : pb.nrules, "errors",
			 errors, "warnings", warnings);
	playbook_release(&pb);
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}

static int route_playbook_check(struct req *r)
{
	json_t *body, *o;
	const char *yaml;
	int rc;

	if (!playbook_body(r, 0, &body, &yaml))
		return MHD_YES;
	rc = view_playbook_check(r, yaml, &o);
	json_decref(body);
	if (rc)
		return http_fail(r, rc);
	return http_json(r, 200, o);
}

static json_t *whatif_counts(const struct whatif_count c[2])
{
	json_t *o = json_object();

	for (int k = 0; o && k < 2; k++)
		json_object_set_new(o, k == WHATIF_OLD ? "old" : "new",
				    json_pack("{s:I, s:I, s:I}", "personal", (json_int_t)c[k].personal,
					      "automated", (json_int_t)c[k].automated, "fresh",
					      (json_int_t)c[k].fresh));
	return o;
}

static json_t *day_text(int64_t day)
{
	char t[16];
	struct civil cv;

	dt_to_civil(day * 86400, &cv);
	snprintf(t, sizeof(t), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return json_string(t);
}

/* The replay (whatif.h) as JSON: days, owners' days, the contacts over the budget (the first max). */
static json_t *whatif_json(const struct whatif *w, size_t max)
{
	json_t *days = json_array(), *owners = json_array(), *over = json_array();

	for (int d = 0; days && d < WHATIF_DAYS; d++) {
		json_t *o = whatif_counts(w->day[d]);

		json_object_set_new(o, "day", day_text(w->first_day + d));
		json_array_append_new(days, o);
	}
	for (size_t i = 0; owners && i < w->nowners; i++) {
		json_t *od = json_array();

		for (int d = 0; od && d < WHATIF_DAYS; d++)
			json_array_append_new(od, whatif_counts(w->owners[i].day[d]));
		json_array_append_new(owners, json_pack("{s:o, s:o}", "owner",
							w->owners[i].owner[0] ?
								json_string(w->owners[i].owner) :
								json_null(),
							"days", od));
	}
	for (size_t i = 0; over && i < w->nover && i < max; i++) {
		const struct whatif_over *o = &w->over[i];

		json_array_append_new(over, json_pack("{s:s?, s:s?, s:s?, s:i, s:i, s:o}", "contact",
						      o->key, "name", o->name, "owner", o->owner,
						      "old", o->most[WHATIF_OLD], "new",
						      o->most[WHATIF_NEW], "week", day_text(o->week_start)));
	}
	return json_pack("{s:o, s:o, s:o, s:{s:i, s:i, s:I, s:o}, s:I, s:{s:I, s:I}}", "days", days,
			 "owners", owners, "now", jview_time(w->now), "over_budget", "budget_old",
			 w->budget[WHATIF_OLD], "budget_new", w->budget[WHATIF_NEW], "count",
			 (json_int_t)w->nover, "items", over, "contacts", (json_int_t)w->contacts,
			 "errors", "old", (json_int_t)w->errors[WHATIF_OLD], "new",
			 (json_int_t)w->errors[WHATIF_NEW]);
}

#define WHATIF_OVER_SHOWN 100

/*
 * POST /api/v1/playbook/whatif (admins): the last 30 days replayed under the playbook in
 * effect and the one in the body (whatif_run), nothing kept. A playbook that does not load
 * is 422 with its line and column.
 */
int view_whatif(struct req *r, const char *yaml, int *refused, json_t **out)
{
	struct playbook old, pb;
	struct whatif w;
	int rc;

	*out = NULL;
	playbook_init(&old);
	playbook_init(&pb);
	rc = playbook_load_string(&r->ctx, "playbook", yaml, &pb);
	*refused = rc == FU_EINPUT;
	if (!rc)
		rc = agenda_playbook(&r->ctx, r->db, &old);
	if (!rc)
		rc = whatif_run(&r->ctx, r->db, &old, &pb, r->now, &w);
	playbook_release(&old);
	playbook_release(&pb);
	if (rc)
		return rc;
	*out = whatif_json(&w, WHATIF_OVER_SHOWN);
	whatif_release(&w);
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}

static int route_playbook_whatif(struct req *r)
{
	json_t *body, *o;
	const char *yaml;
	int rc, refused;

	if (!playbook_body(r, 0, &body, &yaml))
		return MHD_YES;
	rc = view_whatif(r, yaml, &refused, &o);
	json_decref(body);
	if (refused)
		return playbook_refused(r);
	if (rc)
		return http_fail(r, rc);
	return http_json(r, 200, o);
}

/* ---- follow-ups: done and snooze ---- */

int view_followup_check(struct req *r, const char *id)
{
	struct contact c;
	int64_t contact_id;
	int rc;

	if (followup_id_parse(id, &contact_id))
		return fu_err(&r->ctx, FU_ENOTFOUND, "no such follow-up");
	contact_init(&c);
	rc = store_contact_get_id(&r->ctx, r->db, contact_id, &c);
	if (rc == FU_OK && !account_sees_owner(&r->who, c.owner))
		rc = fu_err(&r->ctx, FU_ENOTFOUND, "no such follow-up");
	contact_release(&c);
	return rc;
}

int view_followup_record(struct req *r, const char *id, const char *outcome, const char *date,
			 const char *note, struct record_result *res)
{
	struct playbook pb;
	int rc = view_followup_check(r, id);

	playbook_init(&pb);
	if (!rc)
		rc = agenda_playbook(&r->ctx, r->db, &pb);
	if (!rc)
		rc = record_outcome(&r->ctx, r->db, &pb, id, outcome, date, note, r->now, res);
	playbook_release(&pb);
	if (!rc)
		srv_notify_contact(r, strcmp(outcome, "snoozed") ? "done" : "snoozed", res->key);
	return rc;
}

/*
 * Records the outcome of follow-up r->param[0] with the text fields of the body: `outcome`
 * (NULL: the body's "outcome"), the date field date_field ("next" for done, "until" for
 * snooze), and "note". A rep may only record on contacts they see.
 */
static int record_followup(struct req *r, const char *outcome, const char *date_field)
{
	struct record_result res;
	json_t *body = req_json(r, JSON_OBJECT), *o;
	const char *date, *note;
	int rc;

	if (!body)
		return MHD_YES;
	if (!outcome)
		outcome = json_string_value(json_object_get(body, "outcome"));
	date = json_string_value(json_object_get(body, date_field));
	note = json_string_value(json_object_get(body, "note"));
	if (!outcome) {
		json_decref(body);
		return http_problem(r, 422, "outcome: give how it went (reached, voicemail, "
					    "no-answer, not-yet, won, no, opted-out)", "/outcome");
	}
	if (!strcmp(date_field, "next") && !strcmp(outcome, "snoozed")) {
		json_decref(body);
		return http_problem(r, 422, "outcome: snooze with POST .../snooze", "/outcome");
	}
	if (!strcmp(date_field, "until") && !date) {
		json_decref(body);
		return http_problem(r, 422, "until: give the date to put it off to", "/until");
	}
	rc = view_followup_record(r, r->param[0], outcome, date, note, &res);
	if (rc) {
		json_decref(body);
		if (rc == FU_EINPUT)
			return http_problem(r, strstr(r->ctx.msg, "has changed") ? 409 : 422,
					    r->ctx.msg, NULL);
		return http_fail(r, rc);
	}
	o = json_pack("{s:s, s:s, s:I, s:s}", "followup", r->param[0], "contact", res.key,
		      "event", (json_int_t)res.event_id, "outcome", outcome);
	json_decref(body); /* outcome may point into it */
	return http_json(r, 201, o);
}

static int route_done(struct req *r)
{
	return record_followup(r, NULL, "next");
}

static int route_snooze(struct req *r)
{
	return record_followup(r, "snoozed", "until");
}
