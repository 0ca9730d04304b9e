/* routes-ops.c - the API's operations (rows in routes.c): the outbox, the kept models, import bodies */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agenda.h"
#include "fit.h"
#include "import.h"
#include "jview.h"
#include "outbox.h"
#include "sendconf.h"

#include "banned.h"

/* ---- the outbox: as 'followup outbox', 'outbox resend ID', 'outbox drop ID' ---- */

/* Whether the caller may see the messages of contact id (a rep: their own and unowned). */
static int sees_contact(struct req *r, int64_t id, int *sees)
{
	struct contact c;
	int rc;

	*sees = 1;
	if (r->who.role == ROLE_ADMIN)
		return FU_OK;
	contact_init(&c);
	rc = store_contact_get_id(&r->ctx, r->db, id, &c);
	if (rc == FU_ENOTFOUND) {
		*sees = 0;
		rc = FU_OK;
	} else if (!rc) {
		*sees = account_sees_owner(&r->who, c.owner);
	}
	contact_release(&c);
	return rc;
}

/* The outbox as 'followup outbox' lists it (with queued: the agenda's due ones too) into *o. */
static int outbox_of(struct req *r, int queued, struct outbox *o)
{
	const struct playbook *pb;
	char lock[4096];
	int rc;

	outbox_lock_path(r->srv->opts->db_path, lock, sizeof(lock));
	rc = req_playbook(r, &pb);
	if (!rc)
		rc = outbox_list(&r->ctx, r->db, pb, r->now, lock, queued, o);
	req_playbook_put(r, pb);
	return rc;
}

/*
 * GET /api/v1/outbox?state=S: every message the outbox has taken and the automated ones due
 * now (queued), with how many are in each state; a rep gets those of the contacts they see.
 */
int route_outbox(struct req *r)
{
	const char *want = req_query(r, "state");
	json_t *o;
	int rc, state = -1;

	if (want) {
		for (int k = 0; k < OB__COUNT; k++)
			if (!strcmp(want, outbox_state_name(k)))
				state = k;
		if (state < 0)
			return http_problem(r, 400, "state: use queued, sending, sent, deferred, "
						    "bounced, failed, uncertain or dropped", NULL);
	}
	rc = view_outbox(r, state, &o);
	return rc ? http_fail(r, rc) : http_json(r, 200, o);
}

int view_outbox(struct req *r, int state, json_t **out)
{
	struct outbox o;
	json_t *items, *counts;
	int rc, n[OB__COUNT] = { 0 };

	*out = NULL;
	rc = outbox_of(r, 1, &o);
	if (rc)
		return rc;
	items = json_array();
	counts = json_object();
	for (int i = 0; !rc && items && counts && i < o.n; i++) {
		int sees;

		rc = sees_contact(r, o.v[i].contact_id, &sees);
		if (rc || !sees)
			continue;
		n[o.v[i].state]++;
		if ((state < 0 || o.v[i].state == state) &&
		    json_array_append_new(items, jview_outbox_item(&o.v[i])))
			rc = fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	}
	outbox_release(&o);
	for (int k = 0; !rc && counts && k < OB__COUNT; k++)
		json_object_set_new(counts, outbox_state_name(k), json_integer(n[k]));
	if (rc || !items || !counts) {
		json_decref(items);
		json_decref(counts);
		return rc ? rc : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	}
	*out = json_pack("{s:o, s:o}", "items", items, "counts", counts);
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}

int ops_outbox_metrics(struct req *r, struct buf *b)
{
	struct outbox o;
	int rc, n[OB__COUNT] = { 0 };

	/* the messages taken (their message events); those due and not taken yet are not
	 * counted here: that would evaluate the agenda at every scrape (GET /api/v1/outbox) */
	rc = outbox_of(r, 0, &o);
	if (rc)
		return rc;
	for (int i = 0; i < o.n; i++)
		n[o.v[i].state]++;
	outbox_release(&o);
	rc = buf_adds(&r->ctx, b, "# HELP followup_outbox_messages Messages the outbox has taken, by "
				  "state (uncertain ones wait for a person).\n"
				  "# TYPE followup_outbox_messages gauge\n");
	for (int k = 0; !rc && k < OB__COUNT; k++)
		rc = buf_addf(&r->ctx, b, "followup_outbox_messages{state=\"%s\"} %d\n",
			      outbox_state_name(k), n[k]);
	return rc;
}

/* POST /api/v1/outbox/{id}/resend and /drop (admins): a person's decision about a message. */
int view_outbox_decide(struct req *r, const char *id, int resend)
{
	char lock[4096];

	outbox_lock_path(r->srv->opts->db_path, lock, sizeof(lock));
	return resend ? outbox_resend(&r->ctx, r->db, id, r->now, lock) :
			outbox_drop(&r->ctx, r->db, id, r->now, lock);
}

static int outbox_decide(struct req *r, int resend)
{
	int rc = view_outbox_decide(r, r->param[0], resend);

	if (rc == FU_EINPUT)
		return http_problem(r, 409, r->ctx.msg, NULL);
	if (rc)
		return http_fail(r, rc);
	return http_json(r, 200, json_pack("{s:s, s:s}", "id", r->param[0], "done",
					   resend ? "resend" : "drop"));
}

int route_outbox_resend(struct req *r)
{
	return outbox_decide(r, 1);
}

int route_outbox_drop(struct req *r)
{
	return outbox_decide(r, 0);
}

/* ---- a person's own e-mail from a card: as 'followup done ID --send --edit' ---- */

/* The server's send settings, or none (sendconf_init()ed by the caller) when it has none. */
static const struct sendconf *send_settings(struct req *r, struct sendconf *none)
{
	return r->srv->opts->send ? r->srv->opts->send : none;
}

int view_email_draft(struct req *r, const char *id, json_t **out)
{
	struct outbox_draft d;
	struct sendconf none;
	int rc = view_followup_check(r, id);

	*out = NULL;
	sendconf_init(&none);
	outbox_draft_init(&d);
	if (!rc)
		rc = outbox_personal_draft(&r->ctx, r->db, NULL, send_settings(r, &none), id, r->now,
					   &d);
	if (!rc) {
		*out = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "followup",
				 d.followup, "message", d.id, "contact", d.key, "name", d.name, "to",
				 d.to, "from", d.from_addr, "from_name", d.from_name, "reply_to",
				 d.reply_to, "subject", d.subject ? d.subject : "", "text",
				 d.text ? d.text : "");
		if (!*out)
			rc = fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	}
	outbox_draft_release(&d);
	sendconf_release(&none);
	return rc;
}

int view_email_send(struct req *r, const struct outbox_personal *req, json_t **out)
{
	struct outbox_personal_result res;
	struct outbox_personal q = *req;
	struct sendconf none;
	char lock[4096];
	int rc = view_followup_check(r, req->followup_id);

	*out = NULL;
	sendconf_init(&none);
	if (!rc && (!r->srv->opts->send || !r->srv->opts->send->smtp_url ||
		    !*r->srv->opts->send->smtp_url))
		rc = fu_err(&r->ctx, FU_EINPUT, "this server cannot send e-mail: it has no send "
						"settings (smtp_url; see 'followup send')");
	outbox_lock_path(r->srv->opts->db_path, lock, sizeof(lock));
	q.lock_path = lock;
	q.now = r->now;
	if (!rc)
		rc = outbox_send_personal(&r->ctx, r->db, NULL, send_settings(r, &none), &q, &res);
	sendconf_release(&none);
	if (rc)
		return rc;
	if (res.state == OB_SENT)
		srv_notify_contact(r, "done", res.key);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s?, s:o}", "followup", req->followup_id,
			 "contact", res.key, "message", res.id, "state",
			 outbox_state_name(res.state), "sent", res.state == OB_SENT, "to", res.to,
			 "why", res.why[0] ? res.why : NULL, "next_try", jview_time(res.next_try));
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}

/* GET /api/v1/followups/{id}/email: the personal e-mail the agenda wrote, to edit. */
int route_email_draft(struct req *r)
{
	json_t *o;
	int rc = view_email_draft(r, r->param[0], &o);

	if (rc == FU_EINPUT)
		return http_problem(r, 409, r->ctx.msg, NULL);
	return rc ? http_fail(r, rc) : http_json(r, 200, o);
}

/*
 * POST /api/v1/followups/{id}/email {subject, text, outcome, next, note}: sent once, consent
 * checked now, recorded as the person's touch (201); a message the mail server did not take
 * is 502 with what became of it (deferred, bounced, failed, uncertain), and no touch.
 */
int route_email_send(struct req *r)
{
	struct outbox_personal q;
	json_t *body = req_json(r, JSON_OBJECT), *o;
	const char *f[] = { "subject", "text", "outcome", "next", "note" };
	const char *v[5];
	int rc;

	if (!body)
		return MHD_YES;
	for (int i = 0; i < 5; i++) {
		json_t *x = json_object_get(body, f[i]);
		char ptr[16];

		v[i] = json_string_value(x);
		if (x && !json_is_null(x) && !v[i]) {
			json_decref(body);
			snprintf(ptr, sizeof(ptr), "/%s", f[i]);
			return http_problem(r, 422, "subject, text, outcome, next and note are text",
					    ptr);
		}
	}
	memset(&q, 0, sizeof(q));
	q.followup_id = r->param[0];
	q.subject = v[0];
	q.text = v[1];
	q.outcome = v[2];
	q.next = v[3];
	q.note = v[4];
	rc = view_email_send(r, &q, &o);
	json_decref(body);
	if (rc == FU_EINPUT)
		return http_problem(r, 422, r->ctx.msg, NULL);
	if (rc)
		return http_fail(r, rc);
	if (!json_is_true(json_object_get(o, "sent")))
		return http_problem_with(r, 502, "the mail server did not take the message: no touch "
					 "recorded", NULL, o);
	return http_json(r, 201, o);
}

/* ---- the models: as 'followup model show' ---- */

/* GET /api/v1/models: {"model": the model kept by the last 'model fit' (or the refit job), or null}. */
int route_models(struct req *r)
{
	json_t *m = NULL;
	int rc = fit_kept(&r->ctx, r->db, &m);

	if (rc == FU_ENOTFOUND)
		return http_json(r, 200, json_pack("{s:n}", "model"));
	if (rc)
		return http_fail(r, rc);
	return http_json(r, 200, json_pack("{s:o}", "model", m));
}

/* ---- import bodies: as 'followup import contacts|events FILE' ---- */

/* 1 when the request's media type (without parameters) is one of types (NULL-ended). */
static int media_in(struct req *r, const char *const *types)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);

	for (; ct && *types; types++) {
		size_t n = strlen(*types);

		if (!strncasecmp(ct, *types, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return 1;
	}
	return 0;
}

/*
 * The problem for an import that failed on its input: 422, and the place of a bad row as
 * members of their own when the message has it ("body:LINE:COLUMN: field 'x': what", the
 * column a byte position for JSON Lines and a column number for CSV): line, column, field.
 */
static int import_problem_at(struct req *r)
{
	const char *m = r->ctx.msg, *f = strstr(m, "field '"), *q;
	json_t *extra = json_object();
	long line = 0, column = 0;
	int n = sscanf(m, "body:%ld:%ld:", &line, &column);

	if (extra && n >= 1 && line > 0)
		json_object_set_new(extra, "line", json_integer(line));
	if (extra && n == 2 && column > 0)
		json_object_set_new(extra, "column", json_integer(column));
	if (extra && f && (q = strchr(f + 7, '\'')) != NULL)
		json_object_set_new(extra, "field", json_stringn(f + 7, (size_t)(q - f - 7)));
	return http_problem_with(r, 422, m, NULL, extra);
}

/*
 * POST /api/v1/import/{contacts|events} (admins): the body is the file (text/csv, or JSON
 * Lines as application/x-ndjson or application/jsonl; format=csv|jsonl says it otherwise),
 * with the CLI's options as query parameters: map, type, date_format, separator, header=no.
 * One transaction: a bad row imports nothing (422 with its line and column).
 */
int route_import(struct req *r)
{
	static const char *const csv[] = { "text/csv", NULL };
	static const char *const jsonl[] = { "application/x-ndjson", "application/jsonl",
					     "application/jsonlines", NULL };
	const char *format = req_query(r, "format"), *sep = req_query(r, "separator"),
		   *header = req_query(r, "header"), *kind = r->param[0];
	struct import_opts o;
	struct import_result res;
	json_t *out;
	FILE *f;
	int rc;

	import_opts_init(&o);
	if (!strcmp(kind, "contacts"))
		o.kind = IMPORT_CONTACTS;
	else if (!strcmp(kind, "events"))
		o.kind = IMPORT_EVENTS;
	else
		return http_problem(r, 404, "import contacts or events", NULL);
	if (format && !strcmp(format, "csv"))
		o.format = IMPORT_CSV;
	else if (format && !strcmp(format, "jsonl"))
		o.format = IMPORT_JSONL;
	else if (format)
		return http_problem(r, 400, "format: use csv or jsonl", NULL);
	else if (media_in(r, csv))
		o.format = IMPORT_CSV;
	else if (media_in(r, jsonl))
		o.format = IMPORT_JSONL;
	else
		return http_problem(r, 415, "send the file as text/csv or application/x-ndjson "
					    "(JSON Lines), or say which with format=csv|jsonl", NULL);
	o.map = req_query(r, "map");
	o.fixed_type = req_query(r, "type");
	o.date_format = req_query(r, "date_format");
	if ((o.map && strlen(o.map) > 4096) || (o.fixed_type && strlen(o.fixed_type) > 64) ||
	    (o.date_format && strlen(o.date_format) > 64))
		return http_problem(r, 400, "map, type, date_format: too long", NULL);
	if (o.fixed_type && o.kind == IMPORT_CONTACTS)
		return http_problem(r, 400, "type: is for events", NULL);
	if (sep && import_sep_parse(&r->ctx, sep, &o.sep))
		return http_problem(r, 400, r->ctx.msg, NULL);
	if (header && strcmp(header, "yes") && strcmp(header, "no"))
		return http_problem(r, 400, "header: use yes or no", NULL);
	if (header)
		o.header = !strcmp(header, "yes");
	if (r->body.len == 0)
		return http_problem(r, 400, "the body is empty: send the file's text", NULL);
	o.now = r->now;
	f = fmemopen(r->body.s, r->body.len, "r");
	if (!f)
		return http_problem(r, 500, "out of memory", NULL);
	import_result_init(&res);
	rc = import_stream(&r->ctx, r->db, f, "body", &o, &res);
	fclose(f);
	if (rc) {
		import_result_release(&res);
		return rc == FU_EINPUT ? import_problem_at(r) : http_fail(r, rc);
	}
	out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "kind", kind, "rows",
			(json_int_t)res.rows, "stored", (json_int_t)res.stored, "duplicates",
			(json_int_t)res.duplicates, "contacts_new", (json_int_t)res.contacts_new,
			"ignored_columns", buf_cstr(&res.ignored));
	import_result_release(&res);
	return http_json(r, 201, out);
}
