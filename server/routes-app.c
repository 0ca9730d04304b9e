/* routes-app.c - what the web app adds to the server: its embedded files and one-click outcomes */
#include "srv.h"

#include <stdio.h>
#include <string.h>

#include "agenda.h"
#include "app.h"
#include "datetime.h"
#include "engine.h"
#include "jview.h"
#include "record.h"

#include "banned.h"

/*
 * The app's pages run only our own script and style, talk only to this server, and may not
 * be framed: a strict Content-Security-Policy, so an escaping slip cannot run a script.
 */
#define APP_CSP                                                                              \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "    \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

int route_app_static(struct req *r)
{
	for (size_t i = 0; i < web_assets_count; i++) {
		const struct web_asset *a = &web_assets[i];

		if (strcmp(a->path, r->url) != 0)
			continue;
		if (http_text(r, 200, a->type, (const char *)a->body, a->len) != MHD_YES)
			return MHD_NO;
		http_header(r, "Content-Security-Policy", APP_CSP);
		http_header(r, "Referrer-Policy", "no-referrer");
		http_header(r, "X-Frame-Options", "DENY");
		return MHD_YES;
	}
	return http_problem(r, 404, "no such page", NULL);
}

/*
 * POST /api/v1/followups/{id}/outcome {"outcome": "...", "next": "YYYY-MM-DD", "note": "..."}:
 * how the open follow-up went, recorded as a touch through record_outcome (src/record.h);
 * "snoozed" with "next" puts it off. A rep may record only on contacts they see.
 */
int route_outcome(struct req *r)
{
	const char *id = r->param[0], *outcome, *next, *note;
	struct record_result res;
	struct playbook pb;
	struct contact c;
	int64_t contact_id;
	json_t *body, *reply;
	int rc;

	if (followup_id_parse(id, &contact_id))
		return http_problem(r, 404, "no such follow-up: ids look like F12-345", NULL);
	body = req_json(r, JSON_OBJECT);
	if (!body)
		return MHD_YES;
	outcome = json_string_value(json_object_get(body, "outcome"));
	next = json_string_value(json_object_get(body, "next"));
	note = json_string_value(json_object_get(body, "note"));
	if (!outcome) {
		json_decref(body);
		return http_problem(r, 422, "outcome: give one (text)", "/outcome");
	}
	contact_init(&c);
	rc = store_contact_get_id(&r->ctx, r->db, contact_id, &c);
	if (!rc && !account_sees_owner(&r->who, c.owner))
		rc = FU_ENOTFOUND;
	contact_release(&c);
	if (rc) {
		json_decref(body);
		return rc == FU_ENOTFOUND ? http_problem(r, 404, "no such follow-up", NULL) :
					    http_fail(r, rc);
	}
	playbook_init(&pb);
	rc = agenda_playbook(&r->ctx, r->db, &pb);
	if (!rc)
		rc = record_outcome(&r->ctx, r->db, &pb, id, outcome, next, note, r->now, &res);
	playbook_release(&pb);
	json_decref(body);
	if (rc == FU_EINPUT)
		return http_problem(r, 422, r->ctx.msg, NULL);
	if (rc)
		return http_fail(r, rc);
	reply = json_pack("{s:s, s:s, s:I, s:s}", "followup", id, "contact", res.key, "event",
			  (json_int_t)res.event_id, "channel", res.channel ? res.channel : "");
	return http_json(r, 201, reply);
}

/* GET /api/v1/now: the server's clock (fixed with --now in tests and demos), for date pickers. */
int route_now(struct req *r)
{
	char day[16];
	struct civil cv;

	dt_to_civil(r->now, &cv);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return http_json(r, 200, json_pack("{s:o, s:s}", "now", jview_time(r->now), "today", day));
}
