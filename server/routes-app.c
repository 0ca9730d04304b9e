/* routes-app.c - what the web app adds to the server: its files, the server's clock, lapses and the report */
#include "srv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "app.h"
#include "datetime.h"
#include "jview.h"
#include "report.h"

#include "banned.h"

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

/* GET /api/v1/now: the server's clock (fixed with --now in tests and demos), for date pickers. */
int route_now(struct req *r)
{
	char day[16];
	struct civil cv;

	dt_to_civil(r->now, &cv);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return http_json(r, 200, json_pack("{s:o, s:s}", "now", jview_time(r->now), "today", day));
}

/* ---- lapsing customers and the report (src/report.h) ---- */

#define WHY_MAX 512

static json_t *finite_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/*
 * GET /api/v1/lapsed: the customers lapsing now that the caller sees, most yearly spend at
 * risk first (report_lapsing_list), each with its open follow-up's id when one is open.
 */
int view_lapsed(struct req *r, json_t **out)
{
	struct report_lapsing *v = NULL;
	const struct playbook *pb = NULL;
	size_t n = 0;
	double total = 0;
	json_t *items = json_array();
	int rc;

	*out = NULL;
	rc = items ? report_lapsing_list(&r->ctx, r->db, r->now, &v, &n) :
		     fu_err(&r->ctx, FU_ENOMEM, "out of memory");
	if (!rc)
		rc = req_playbook(r, &pb);
	/* one snapshot for the follow-ups and states of every customer listed, not one each */
	if (!rc)
		rc = store_begin_read(&r->ctx, r->db);
	for (size_t i = 0; !rc && i < n; i++) {
		const struct report_lapsing *l = &v[i];
		struct contact_state st;
		struct followup fu;
		char why[WHY_MAX];
		json_t *o;
		int open = 0;

		if (!account_sees_owner(&r->who, l->owner))
			continue;
		rc = agenda_contact(&r->ctx, r->db, pb, l->e.contact_id, r->now, &fu, &open);
		contact_state_init(&st, l->e.contact_id);
		if (!rc)
			rc = store_state_get(&r->ctx, r->db, l->e.contact_id, &st);
		if (rc == FU_ENOTFOUND) {
			contact_state_init(&st, l->e.contact_id);
			fu_ctx_init(&r->ctx);
			rc = FU_OK;
		}
		if (rc) {
			if (open)
				followup_release(&fu);
			break;
		}
		lapse_describe(&l->e.l, why, sizeof(why));
		o = json_pack("{s:s?, s:s?, s:s?, s:o, s:f, s:f, s:o, s:o, s:f, s:s, s:o}", "contact",
			      l->key, "name", l->name, "owner", l->owner, "last_purchase",
			      jview_time(l->e.last_purchase), "usual_gap_days", l->e.l.r.usual_gap,
			      "waited_days", l->e.l.r.waited, "p_wait", finite_or_null(l->e.l.r.p_wait),
			      "p_alive", finite_or_null(l->e.l.p_alive), "at_risk_per_year",
			      round(l->e.l.at_risk * 100.0) / 100.0, "why", why, "followup",
			      open ? json_string(fu.id) : json_null());
		/* when nothing is open, the page says when they were last reached or tried */
		if (o)
			json_object_set_new(o, "last_two_way", st.last_two_way == FU_TIME_NONE ?
							       json_null() : jview_time(st.last_two_way));
		if (o)
			json_object_set_new(o, "last_touch_out",
					    st.last_touch_out == FU_TIME_NONE ? json_null() :
										jview_time(st.last_touch_out));
		contact_state_release(&st);
		if (open)
			followup_release(&fu);
		if (!o || json_array_append_new(items, o))
			rc = fu_err(&r->ctx, FU_ENOMEM, "out of memory listing lapses");
		total += l->e.l.at_risk;
	}
	store_rollback(r->db);
	report_lapsing_free(v, n);
	req_playbook_put(r, pb);
	if (rc) {
		json_decref(items);
		return rc;
	}
	*out = json_pack("{s:f, s:o}", "at_risk_per_year", round(total * 100.0) / 100.0, "items",
			 items);
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}

int route_lapsed(struct req *r)
{
	json_t *o;
	int rc = view_lapsed(r, &o);

	return rc ? http_fail(r, rc) : http_json(r, 200, o);
}

static json_t *day_of(int64_t at)
{
	char day[16];
	struct civil cv;

	dt_to_civil(at, &cv);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return json_string(day);
}

static json_t *tally_json(const struct report_tally *t)
{
	return json_pack("{s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:I}", "speed_to_lead", "answered",
			 (json_int_t)t->answered, "unanswered", (json_int_t)t->unanswered,
			 "median_seconds", (json_int_t)t->median_seconds, "worst_seconds",
			 (json_int_t)t->worst_seconds, "touches", (json_int_t)t->touches,
			 "conversations", (json_int_t)t->conversations, "snoozed",
			 (json_int_t)t->snoozed);
}

/* The report_weeks of src/report.h as JSON: weeks oldest first, then each owner's. */
static json_t *report_json(const struct report_weeks *w)
{
	json_t *weeks = json_array(), *owners = json_array();

	for (int k = 0; weeks && k < w->weeks; k++) {
		json_t *o = tally_json(&w->week[k]);

		json_object_set_new(o, "week", day_of(w->at[k]));
		json_object_set_new(o, "lapsing", json_pack("{s:I, s:f}", "customers",
							    (json_int_t)w->lapsing[k].customers,
							    "at_risk", w->lapsing[k].at_risk));
		/* today's state and open follow-ups: report.h has them at now only */
		json_object_set_new(o, "active", json_integer(w->active));
		json_object_set_new(o, "touched_in_time", json_integer(w->touched_in_time));
		json_object_set_new(o, "silence_days", json_integer(w->silence_days));
		json_object_set_new(o, "open", json_integer(w->open));
		json_object_set_new(o, "overdue", json_integer(w->overdue));
		json_array_append_new(weeks, o);
	}
	for (size_t i = 0; owners && i < w->nowners; i++) {
		const struct report_owner *ow = &w->owners[i];
		json_t *list = json_array();

		for (int k = 0; list && k < w->weeks; k++)
			json_array_append_new(list, tally_json(&ow->week[k]));
		json_array_append_new(owners,
				      json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:{s:I, s:f}}",
						"owner", ow->owner[0] ? json_string(ow->owner) : json_null(),
						"weeks", list, "active", (json_int_t)ow->active,
						"touched_in_time", (json_int_t)ow->touched_in_time,
						"open", (json_int_t)ow->open, "overdue",
						(json_int_t)ow->overdue, "lapsing", "customers",
						(json_int_t)ow->lapsing.customers, "at_risk",
						ow->lapsing.at_risk));
	}
	return json_pack("{s:o, s:o}", "weeks", weeks, "owners", owners);
}

/*
 * GET /api/v1/report?weeks=N (admins): the report week by week (report_weeks_build: at now
 * and the same moment of each of the N - 1 weeks before, oldest first) and per owner, for
 * charts. A past week's figures count the events up to that moment; the open follow-ups and
 * the share touched in time are today's.
 */
int route_report(struct req *r)
{
	const char *v = req_query(r, "weeks");
	long weeks = 8;
	json_t *o;
	int rc;

	if (v) {
		char *end;

		weeks = strtol(v, &end, 10);
		if (*end || end == v || weeks < 1 || weeks > REPORT_WEEKS_MAX)
			return http_problem(r, 400, "weeks: give a count from 1 to 12", NULL);
	}
	rc = view_report(r, (int)weeks, &o);
	return rc ? http_fail(r, rc) : http_json(r, 200, o);
}

int view_report(struct req *r, int weeks, json_t **out)
{
	struct report_weeks w;
	int rc = report_weeks_build(&r->ctx, r->db, r->now, weeks, &w);

	*out = NULL;
	if (!rc)
		*out = report_json(&w);
	report_weeks_release(&w);
	if (rc)
		return rc;
	return *out ? FU_OK : fu_err(&r->ctx, FU_ENOMEM, "out of memory");
}
