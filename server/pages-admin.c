/* pages-admin.c - the admins' server-rendered pages: playbook (check, what-if, save), import, team */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "agenda.h"
#include "datetime.h"
#include "import.h"
#include "jview.h"
#include "pages.h"
#include "playbook_store.h"

#include "banned.h"

/* ---- the playbook ---- */

/* The editor with yaml, and the three buttons: check, what-if (both keep nothing), save. */
static void playbook_editor(struct html *h, struct req *r, const char *yaml)
{
	html_lit(h, "<form method=\"post\" action=\"/playbook\" aria-label=\"Playbook\">");
	page_csrf(h, r);
	html_lit(h, "<label for=\"pb-yaml\">The playbook (YAML)</label><textarea id=\"pb-yaml\" "
		    "name=\"yaml\" class=\"code\" rows=\"24\" spellcheck=\"false\">");
	html_text(h, yaml);
	html_lit(h, "</textarea><div class=\"actions\"><button type=\"submit\" "
		    "formaction=\"/playbook/check\">Check</button><button type=\"submit\" "
		    "formaction=\"/playbook/whatif\">What would it change?</button><button "
		    "type=\"submit\" class=\"primary\">Save</button></div></form>");
}

/* "playbook:LINE:COLUMN: what" as a sentence naming the place. */
static void place(struct html *h, const char *msg)
{
	long line = 0, col = 0;

	if (sscanf(msg, "%*[^:]:%ld:%ld:", &line, &col) >= 1 && line > 0) {
		html_lit(h, "<strong>");
		if (col > 0)
			html_textf(h, "line %ld, column %ld", line, col);
		else
			html_textf(h, "line %ld", line);
		html_lit(h, ":</strong> ");
	}
	html_text(h, msg);
}

static void check_result(struct html *h, const json_t *chk)
{
	const json_t *errors = json_object_get(chk, "errors"), *warnings, *e;
	size_t i;

	if (json_is_true(json_object_get(chk, "ok"))) {
		html_lit(h, "<p class=\"check ok\" id=\"pb-check\" role=\"status\">");
		html_textf(h, "The playbook is good: %lld rules.",
			   (long long)json_integer_value(json_object_get(chk, "rules")));
		html_lit(h, "</p>");
	} else {
		html_lit(h, "<p class=\"check error\" id=\"pb-check\" role=\"alert\">");
		json_array_foreach(errors, i, e)
			place(h, json_string_value(json_object_get(e, "detail")));
		html_lit(h, "</p>");
	}
	warnings = json_object_get(chk, "warnings");
	if (json_array_size(warnings)) {
		html_lit(h, "<ul class=\"warnings\">");
		json_array_foreach(warnings, i, e) {
			html_lit(h, "<li>");
			place(h, json_string_value(json_object_get(e, "detail")));
			html_lit(h, "</li>");
		}
		html_lit(h, "</ul>");
	}
}

/* The playbook page: the editor with yaml, then the check's or the what-if's result. */
static int playbook_page(struct req *r, int status, const char *yaml, const json_t *chk,
			 const json_t *wi, const char *refused)
{
	struct html h;

	html_init(&h, &r->ctx);
	page_begin(&h, r, "Playbook", NAV_PLAYBOOK);
	html_lit(&h, "<h1>Playbook</h1><p class=\"muted\">Check it, see what it would change "
		     "over the last 30 days, then save it: it is in effect at once.</p>");
	if (req_query(r, "saved"))
		html_lit(&h, "<p class=\"check ok\" role=\"status\">Saved: the playbook is in effect."
			     "</p>");
	if (refused) {
		html_lit(&h, "<p class=\"check error\" id=\"pb-check\" role=\"alert\">");
		place(&h, refused);
		html_lit(&h, "</p>");
	}
	if (chk)
		check_result(&h, chk);
	playbook_editor(&h, r, yaml);
	if (wi) {
		const json_t *days = json_object_get(wi, "days"), *owners, *over, *d, *x;
		long tot[2][2] = { { 0, 0 }, { 0, 0 } };
		const char *side[2] = { "old", "new" };
		size_t i;

		json_array_foreach(days, i, d)
			for (int k = 0; k < 2; k++) {
				x = json_object_get(d, side[k]);
				tot[k][0] += (long)json_integer_value(json_object_get(x, "personal"));
				tot[k][1] += (long)json_integer_value(json_object_get(x, "automated"));
			}
		html_lit(&h, "<section class=\"panel whatif\" id=\"whatif\"><h2>What it would have "
			     "changed over the last 30 days</h2><p id=\"whatif-summary\">");
		html_textf(&h, "Personal follow-ups: %ld now, %ld with this playbook. Automated "
			       "messages: %ld now, %ld with this playbook.",
			   tot[0][0], tot[1][0], tot[0][1], tot[1][1]);
		html_lit(&h, "</p><div class=\"scroll\"><table class=\"table\" id=\"whatif-days\">"
			     "<caption class=\"sr\">Follow-ups per day, now and with this playbook"
			     "</caption><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">"
			     "Personal now</th><th scope=\"col\">Personal new</th><th scope=\"col\">"
			     "Automated now</th><th scope=\"col\">Automated new</th></tr></thead>"
			     "<tbody>");
		json_array_foreach(days, i, d) {
			const json_t *o = json_object_get(d, "old"), *n = json_object_get(d, "new");
			long op = (long)json_integer_value(json_object_get(o, "personal"));
			long np = (long)json_integer_value(json_object_get(n, "personal"));
			long oa = (long)json_integer_value(json_object_get(o, "automated"));
			long na = (long)json_integer_value(json_object_get(n, "automated"));

			if (op != np || oa != na)
				html_lit(&h, "<tr class=\"differs\">");
			else
				html_lit(&h, "<tr>");
			html_lit(&h, "<th scope=\"row\">");
			html_text(&h, json_string_value(json_object_get(d, "day")));
			html_lit(&h, "</th><td>");
			html_textf(&h, "%ld</td><td>%ld</td><td>%ld</td><td>%ld", op, np, oa, na);
			html_lit(&h, "</td></tr>");
		}
		html_lit(&h, "</tbody></table></div><h3>Per owner, over the 30 days</h3><div "
			     "class=\"scroll\"><table class=\"table\" id=\"whatif-owners\"><thead><tr>"
			     "<th scope=\"col\">Owner</th><th scope=\"col\">Personal now</th><th "
			     "scope=\"col\">Personal new</th><th scope=\"col\">Automated now</th><th "
			     "scope=\"col\">Automated new</th></tr></thead><tbody>");
		owners = json_object_get(wi, "owners");
		json_array_foreach(owners, i, x) {
			long t[2][2] = { { 0, 0 }, { 0, 0 } };
			size_t k;

			json_array_foreach(json_object_get(x, "days"), k, d)
				for (int s = 0; s < 2; s++) {
					const json_t *c = json_object_get(d, side[s]);

					t[s][0] += (long)json_integer_value(json_object_get(c, "personal"));
					t[s][1] += (long)json_integer_value(json_object_get(c, "automated"));
				}
			html_lit(&h, "<tr><th scope=\"row\">");
			html_text(&h, json_is_string(json_object_get(x, "owner")) ?
					      json_string_value(json_object_get(x, "owner")) :
					      "(unowned)");
			html_lit(&h, "</th><td>");
			html_textf(&h, "%ld</td><td>%ld</td><td>%ld</td><td>%ld", t[0][0], t[1][0],
				   t[0][1], t[1][1]);
			html_lit(&h, "</td></tr>");
		}
		html_lit(&h, "</tbody></table></div>");
		over = json_object_get(wi, "over_budget");
		html_lit(&h, "<h3>Touched more than the weekly budget</h3><p>");
		html_textf(&h, "%lld contacts with this playbook (budget %lld a week; now %lld).",
			   (long long)json_integer_value(json_object_get(over, "count")),
			   (long long)json_integer_value(json_object_get(over, "budget_new")),
			   (long long)json_integer_value(json_object_get(over, "budget_old")));
		html_lit(&h, "</p><ul>");
		json_array_foreach(json_object_get(over, "items"), i, x) {
			const char *key = json_string_value(json_object_get(x, "contact"));
			const char *name = json_string_value(json_object_get(x, "name"));

			html_lit(&h, "<li><a href=\"/contacts/");
			html_url(&h, key, NULL);
			html_lit(&h, "\">");
			html_text(&h, name ? name : key);
			html_lit(&h, "</a> ");
			html_textf(&h, "(week of %s: %lld touches, now %lld)",
				   json_string_value(json_object_get(x, "week")),
				   (long long)json_integer_value(json_object_get(x, "new")),
				   (long long)json_integer_value(json_object_get(x, "old")));
			html_lit(&h, "</li>");
		}
		html_lit(&h, "</ul></section>");
	}
	page_end(&h);
	return page_send(r, &h, status);
}

int page_playbook(struct req *r)
{
	const struct playbook *pb;
	int rc = req_playbook(r, &pb), ok;

	ok = rc ? page_fail(r, rc) : playbook_page(r, 200, pb->source, NULL, NULL, NULL);
	req_playbook_put(r, pb);
	return ok;
}

static const char *posted_yaml(struct req *r)
{
	const struct form *f = req_form(r);

	return f ? form_get(f, "yaml") : NULL;
}

int page_playbook_check(struct req *r)
{
	const char *yaml = posted_yaml(r);
	json_t *chk;
	int rc, ok;

	if (!yaml)
		return page_error(r, 422, "yaml: give the playbook's text");
	rc = view_playbook_check(r, yaml, &chk);
	if (rc)
		return page_fail(r, rc);
	ok = playbook_page(r, 200, yaml, chk, NULL, NULL);
	json_decref(chk);
	return ok;
}

int page_playbook_whatif(struct req *r)
{
	const char *yaml = posted_yaml(r);
	json_t *wi;
	int rc, refused, ok;

	if (!yaml)
		return page_error(r, 422, "yaml: give the playbook's text");
	rc = view_whatif(r, yaml, &refused, &wi);
	if (refused)
		return playbook_page(r, 422, yaml, NULL, NULL, r->ctx.msg);
	if (rc)
		return page_fail(r, rc);
	ok = playbook_page(r, 200, yaml, NULL, wi, NULL);
	json_decref(wi);
	return ok;
}

/* POST /playbook: saved after the same check as PUT /api/v1/playbook (playbook_store_use_text). */
int page_playbook_save(struct req *r)
{
	const char *yaml = posted_yaml(r);
	struct playbook pb;
	int rc;

	if (!yaml)
		return page_error(r, 422, "yaml: give the playbook's text");
	playbook_init(&pb);
	rc = playbook_store_use_text(&r->ctx, r->db, "playbook", yaml, &pb);
	playbook_release(&pb);
	if (rc == FU_EINPUT)
		return playbook_page(r, 422, yaml, NULL, NULL, r->ctx.msg);
	if (rc)
		return page_fail(r, rc);
	srv_notify(r->srv, "many", NULL, NULL, NULL);
	return page_see_other(r, "/playbook?saved=1");
}

/* ---- import ---- */

#define IMPORT_PREVIEW_ROWS 20
#define IMPORT_REFILL_MAX (1024 * 1024) /* a text up to this size comes back in the form */

/* What the import form sent: the file (or the pasted text) and the import's options. */
struct import_post {
	const char *text;
	size_t len;
	char name[128];  /* the file's name in messages, or "pasted" */
	struct import_opts o;
};

/* Reads the form into *p; 0 (after answering) when it cannot. */
static int import_read(struct req *r, struct import_post *p)
{
	const struct form *f = req_form(r);
	const struct form_field *file = f ? form_field(f, "file") : NULL;
	const char *kind = page_field(r, "kind"), *format = page_field(r, "format");
	const char *sep = page_field(r, "separator"), *header = page_field(r, "header");

	if (!f) {
		page_error(r, 400, r->ctx.msg);
		return 0;
	}
	import_opts_init(&p->o);
	p->o.now = r->now;
	p->o.kind = kind && !strcmp(kind, "contacts") ? IMPORT_CONTACTS : IMPORT_EVENTS;
	p->o.map = page_field(r, "map");
	p->o.fixed_type = p->o.kind == IMPORT_EVENTS ? page_field(r, "type") : NULL;
	p->o.date_format = page_field(r, "date_format");
	if (sep && import_sep_parse(&r->ctx, sep, &p->o.sep)) {
		page_error(r, 422, r->ctx.msg);
		return 0;
	}
	if (header && !strcmp(header, "no"))
		p->o.header = 0;
	if (file && file->filename && *file->filename && file->len) {
		p->text = file->value;
		p->len = file->len;
		snprintf(p->name, sizeof(p->name), "%.100s", file->filename);
	} else {
		p->text = page_field(r, "text");
		p->len = p->text ? strlen(p->text) : 0;
		snprintf(p->name, sizeof(p->name), "pasted");
	}
	if (!p->text || !p->len) {
		page_error(r, 422, "choose a file, or paste the rows");
		return 0;
	}
	if (format && !strcmp(format, "csv")) {
		p->o.format = IMPORT_CSV;
	} else if (format && !strcmp(format, "jsonl")) {
		p->o.format = IMPORT_JSONL;
	} else {
		/* by the file's name, else by its first character */
		size_t i = 0;

		while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\n' || p->text[i] == '\r'))
			i++;
		p->o.format = strstr(p->name, ".jsonl") || strstr(p->name, ".ndjson") ||
					      (i < p->len && p->text[i] == '{') ? IMPORT_JSONL :
										  IMPORT_CSV;
	}
	return 1;
}

/* The import form, filled with what was sent (p may be NULL). */
static void import_form(struct html *h, struct req *r, const struct import_post *p)
{
	const char *kind = page_field(r, "kind"), *format = page_field(r, "format");
	const char *header = page_field(r, "header");

	html_lit(h, "<form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\" "
		    "class=\"stack\" aria-label=\"Import\">");
	page_csrf(h, r);
	html_lit(h, "<label for=\"im-kind\">What the rows are</label><select id=\"im-kind\" "
		    "name=\"kind\"><option value=\"events\">events</option><option value=\""
		    "contacts\"");
	if (kind && !strcmp(kind, "contacts"))
		html_lit(h, " selected");
	html_lit(h, ">contacts</option></select><label for=\"im-file\">File (CSV or JSON Lines)"
		    "</label><input type=\"file\" id=\"im-file\" name=\"file\" accept=\".csv,.jsonl,"
		    ".ndjson,.txt,text/csv\"><label for=\"im-text\">Or paste the rows</label>"
		    "<textarea id=\"im-text\" name=\"text\" rows=\"8\" spellcheck=\"false\">");
	if (p && p->len <= IMPORT_REFILL_MAX && strlen(p->text) == p->len)
		html_textn(h, p->text, p->len);
	html_lit(h, "</textarea><label for=\"im-format\">Format</label><select id=\"im-format\" "
		    "name=\"format\"><option value=\"\">by the file's name or first line</option>"
		    "<option value=\"csv\"");
	if (format && !strcmp(format, "csv"))
		html_lit(h, " selected");
	html_lit(h, ">CSV</option><option value=\"jsonl\"");
	if (format && !strcmp(format, "jsonl"))
		html_lit(h, " selected");
	html_lit(h, ">JSON Lines</option></select>");
	page_input(h, "text", "im-map", "map", "Map columns (field=column, ...)",
		   page_field(r, "map"));
	page_input(h, "text", "im-type", "type", "Type of every row (events without a type column)",
		   page_field(r, "type"));
	page_input(h, "text", "im-date", "date_format", "Date format (empty: ISO 8601)",
		   page_field(r, "date_format"));
	page_input(h, "text", "im-sep", "separator", "Separator (empty: comma)",
		   page_field(r, "separator"));
	html_lit(h, "<label for=\"im-header\">First line</label><select id=\"im-header\" "
		    "name=\"header\"><option value=\"yes\">names the columns</option><option "
		    "value=\"no\"");
	if (header && !strcmp(header, "no"))
		html_lit(h, " selected");
	html_lit(h, ">is data (columns by position)</option></select><div class=\"actions\">"
		    "<button type=\"submit\" formaction=\"/import/preview\">Preview</button><button "
		    "type=\"submit\" class=\"primary\">Import all</button></div></form>");
}

struct preview {
	struct html *h;
	struct store *db;
	int n;
};

static int preview_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct preview *p = arg;
	json_t *o;
	const char *cols[] = { "type", "time", "channel", "outcome", "amount", "ref", "note" };
	char tmp[64];

	if (p->n == IMPORT_PREVIEW_ROWS)
		return FU_EUSAGE; /* enough */
	o = jview_event(e);
	if (!o)
		return fu_err(ctx, FU_ENOMEM, "out of memory");
	p->n++;
	html_lit(p->h, "<tr><th scope=\"row\">");
	if (e->contact_key) {
		html_text(p->h, e->contact_key);
	} else {
		struct contact c;

		contact_init(&c);
		if (!store_contact_get_id(ctx, p->db, e->contact_id, &c))
			html_text(p->h, c.key);
		contact_release(&c);
	}
	html_lit(p->h, "</th>");
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		html_lit(p->h, "<td>");
		html_text(p->h, page_jtext(o, cols[k], tmp, sizeof(tmp)));
		html_lit(p->h, "</td>");
	}
	html_lit(p->h, "</tr>");
	json_decref(o);
	return p->h->rc;
}

static int preview_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			   const struct contact_state *st)
{
	struct preview *p = arg;
	const char *v[] = { c->name, c->email, c->phone, c->company, c->owner, c->tz };

	(void)ctx;
	(void)st;
	if (p->n == IMPORT_PREVIEW_ROWS)
		return FU_EUSAGE;
	p->n++;
	html_lit(p->h, "<tr><th scope=\"row\">");
	html_text(p->h, c->key);
	html_lit(p->h, "</th>");
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		html_lit(p->h, "<td>");
		html_text(p->h, v[k]);
		html_lit(p->h, "</td>");
	}
	html_lit(p->h, "</tr>");
	return p->h->rc;
}

int page_import(struct req *r)
{
	struct html h;

	html_init(&h, &r->ctx);
	page_begin(&h, r, "Import", NAV_IMPORT);
	html_lit(&h, "<h1>Import</h1><p class=\"muted\">Contacts or events from a CSV or JSON "
		     "Lines file, all or nothing: one bad row imports nothing. Preview first: it "
		     "shows the first rows as they would be stored and every bad row with its line "
		     "and column.</p>");
	import_form(&h, r, NULL);
	page_end(&h);
	return page_send(r, &h, 200);
}

/*
 * POST /import/preview: the rows imported, as `followup import --skip-bad` would, into a
 * database in memory (nothing kept): the bad rows with their line and column, the first
 * rows as stored.
 */
int page_import_preview(struct req *r)
{
	struct import_post p;
	struct import_result res;
	struct store *mem = NULL;
	struct fu_ctx mctx;
	struct html h;
	struct preview pv = { &h, NULL, 0 };
	FILE *f;
	int rc;

	if (!import_read(r, &p))
		return MHD_YES;
	p.o.skip_bad = 1;
	import_result_init(&res);
	fu_ctx_init(&mctx);
	rc = store_open(&mctx, ":memory:", STORE_OPEN_CREATE, &mem);
	f = rc ? NULL : fmemopen((void *)p.text, p.len, "r");
	if (!rc && !f)
		rc = fu_err(&mctx, FU_ENOMEM, "out of memory");
	if (!rc)
		rc = import_stream(&mctx, mem, f, p.name, &p.o, &res);
	pv.db = mem;
	if (f)
		fclose(f);
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Import: preview", NAV_IMPORT);
	html_lit(&h, "<h1>Import: preview</h1>");
	if (rc == FU_EINPUT) {
		html_lit(&h, "<p class=\"error\" role=\"alert\" id=\"im-errors\">");
		html_text(&h, mctx.msg);
		html_lit(&h, "</p>");
	} else if (rc) {
		html_lit(&h, "<p class=\"error\" role=\"alert\">The preview could not be made.</p>");
	} else {
		html_lit(&h, "<p class=\"summary\" id=\"im-summary\">");
		html_textf(&h, "%lld rows read: %lld good, %lld bad. Nothing is imported yet.",
			   (long long)res.rows, (long long)(res.rows - res.bad), (long long)res.bad);
		if (res.ignored.len) {
			html_lit(&h, " Columns not used: ");
			html_text(&h, buf_cstr(&res.ignored));
			html_lit(&h, ".");
		}
		html_lit(&h, "</p>");
		if (res.bad) {
			const char *s = buf_cstr(&res.bad_list);

			html_lit(&h, "<h2>Bad rows (the import takes all or nothing: fix them first)</h2>"
				     "<ul class=\"error\" id=\"im-errors\" role=\"alert\">");
			while (*s) {
				size_t n = strcspn(s, "\n");

				html_lit(&h, "<li>");
				html_textn(&h, s, n);
				html_lit(&h, "</li>");
				s += n + (s[n] == '\n');
			}
			html_lit(&h, "</ul>");
		}
		html_lit(&h, "<h2>The first rows as they would be stored</h2><div class=\"scroll\">"
			     "<table class=\"table\" id=\"im-preview\"><thead><tr>");
		if (p.o.kind == IMPORT_EVENTS)
			html_lit(&h, "<th scope=\"col\">Contact</th><th scope=\"col\">Type</th><th "
				     "scope=\"col\">Time</th><th scope=\"col\">Channel</th><th scope=\""
				     "col\">Outcome</th><th scope=\"col\">Amount</th><th scope=\"col\">"
				     "Ref</th><th scope=\"col\">Note</th>");
		else
			html_lit(&h, "<th scope=\"col\">Key</th><th scope=\"col\">Name</th><th "
				     "scope=\"col\">E-mail</th><th scope=\"col\">Phone</th><th scope=\""
				     "col\">Company</th><th scope=\"col\">Owner</th><th scope=\"col\">"
				     "Zone</th>");
		html_lit(&h, "</tr></thead><tbody>");
		if (p.o.kind == IMPORT_EVENTS) {
			rc = store_events_scan(&mctx, mem, preview_event, &pv);
		} else {
			struct contact_filter cf = { NULL, NULL };

			rc = store_contacts_list(&mctx, mem, &cf, preview_contact, &pv);
		}
		if (rc == FU_EUSAGE)
			rc = FU_OK;
		html_lit(&h, "</tbody></table></div>");
	}
	import_result_release(&res);
	store_close(mem);
	if (rc && rc != FU_EINPUT) {
		html_release(&h);
		r->ctx = mctx;
		return page_fail(r, rc);
	}
	html_lit(&h, "<h2>Import</h2>");
	if (p.len > IMPORT_REFILL_MAX)
		html_lit(&h, "<p>Choose the file again to import it.</p>");
	import_form(&h, r, &p);
	page_end(&h);
	return page_send(r, &h, 200);
}

/* POST /import: the same import as POST /api/v1/import/{kind}, all or nothing. */
int page_import_run(struct req *r)
{
	struct import_post p;
	struct import_result res;
	struct html h;
	FILE *f;
	int rc, status = 200;

	if (!import_read(r, &p))
		return MHD_YES;
	f = fmemopen((void *)p.text, p.len, "r");
	if (!f)
		return page_error(r, 500, "out of memory");
	import_result_init(&res);
	rc = import_stream(&r->ctx, r->db, f, p.name, &p.o, &res);
	fclose(f);
	if (rc && rc != FU_EINPUT) {
		import_result_release(&res);
		return page_fail(r, rc);
	}
	if (!rc)
		srv_notify(r->srv, "many", NULL, NULL, NULL);
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Import", NAV_IMPORT);
	html_lit(&h, "<h1>Import</h1>");
	if (rc) {
		status = 422;
		html_lit(&h, "<p class=\"error\" role=\"alert\" id=\"im-errors\">Nothing was imported: ");
		html_text(&h, r->ctx.msg);
		html_lit(&h, "</p>");
	} else {
		html_lit(&h, "<p class=\"check ok\" role=\"status\" id=\"im-done\">");
		html_textf(&h, "Imported %lld rows: %lld stored, %lld already there, %lld new "
			       "contacts.", (long long)res.rows, (long long)res.stored,
			   (long long)res.duplicates, (long long)res.contacts_new);
		html_lit(&h, "</p>");
	}
	import_result_release(&res);
	import_form(&h, r, rc ? &p : NULL);
	page_end(&h);
	return page_send(r, &h, status);
}

/* ---- the team: users, tokens, web forms ---- */

struct team {
	struct req *r;
	struct html *h;
	struct buf *users; /* the users' names, one a line, for the token form */
};

static int team_user(struct fu_ctx *ctx, void *arg, const struct store_user *u)
{
	struct team *t = arg;
	char when[40];

	dt_format_iso(u->created_at, when, sizeof(when));
	html_lit(t->h, "<tr><th scope=\"row\">");
	html_text(t->h, u->name);
	html_lit(t->h, "</th><td>");
	html_text(t->h, u->role);
	html_lit(t->h, "</td><td>");
	html_textn(t->h, when, 10);
	html_lit(t->h, "</td><td>");
	html_textf(t->h, "%lld", (long long)u->tokens);
	html_lit(t->h, "</td></tr>");
	if (!t->h->rc)
		t->h->rc = buf_addf(ctx, t->users, "%s\n", u->name);
	return t->h->rc;
}

static int team_token(struct fu_ctx *ctx, void *arg, const struct store_token *k)
{
	struct team *t = arg;
	char when[40];

	(void)ctx;
	dt_format_iso(k->created_at, when, sizeof(when));
	html_lit(t->h, "<tr><th scope=\"row\">");
	html_textf(t->h, "%lld", (long long)k->id);
	html_lit(t->h, "</th><td>");
	html_text(t->h, k->user);
	html_lit(t->h, "</td><td>");
	html_text(t->h, k->kind);
	html_text(t->h, k->read_only ? " (read-only)" : "");
	html_lit(t->h, "</td><td>");
	html_textn(t->h, when, 10);
	html_lit(t->h, "</td><td>");
	if (k->revoked_at != FU_TIME_NONE) {
		dt_format_iso(k->revoked_at, when, sizeof(when));
		html_lit(t->h, "revoked ");
		html_textn(t->h, when, 10);
	} else {
		html_lit(t->h, "<form method=\"post\" action=\"/team/tokens/");
		html_textf(t->h, "%lld", (long long)k->id);
		html_lit(t->h, "/revoke\">");
		page_csrf(t->h, t->r);
		html_lit(t->h, "<button type=\"submit\" aria-label=\"Revoke token ");
		html_textf(t->h, "%lld", (long long)k->id);
		html_lit(t->h, "\">Revoke</button></form>");
	}
	html_lit(t->h, "</td></tr>");
	return t->h->rc;
}

/* The server's address as the browser sees it (the Host header), for snippets and feeds. */
static void base_url(struct req *r, char *out, size_t n)
{
	const char *host = req_header(r, MHD_HTTP_HEADER_HOST);

	snprintf(out, n, "%s://%.200s", r->srv->opts->tls_cert ? "https" : "http",
		 host && !strpbrk(host, "\"<>&' /\\") ? host : "127.0.0.1:8080");
}

static int team_form(struct fu_ctx *ctx, void *arg, const struct store_form *f)
{
	struct team *t = arg;
	char base[256];
	struct buf snippet;

	base_url(t->r, base, sizeof(base));
	buf_init(&snippet, 0);
	if (!t->h->rc)
		t->h->rc = account_form_snippet(ctx, &snippet, base, f->key);
	html_lit(t->h, "<section class=\"panel\" id=\"form-");
	html_text(t->h, f->name);
	html_lit(t->h, "\"><h3>");
	html_text(t->h, f->name);
	html_lit(t->h, "</h3><dl class=\"facts\"><dt>Posts to</dt><dd>/f/");
	html_text(t->h, f->key);
	html_lit(t->h, "</dd><dt>Owner of its leads</dt><dd>");
	html_text(t->h, f->owner ? f->owner : "unowned");
	html_lit(t->h, "</dd><dt>Thank-you page</dt><dd>");
	html_text(t->h, f->redirect ? f->redirect : "our own short page");
	html_lit(t->h, "</dd><dt>Site allowed to post with fetch</dt><dd>");
	html_text(t->h, f->origin ? f->origin : "none");
	html_lit(t->h, "</dd></dl><label for=\"snippet-");
	html_text(t->h, f->name);
	html_lit(t->h, "\">The HTML to paste into your site</label><textarea readonly rows=\"12\" "
		       "class=\"code\" id=\"snippet-");
	html_text(t->h, f->name);
	html_lit(t->h, "\">");
	html_text(t->h, buf_cstr(&snippet));
	html_lit(t->h, "</textarea></section>");
	buf_release(&snippet);
	return t->h->rc;
}

/* The team page; shown (may be NULL) is a secret made just now, shown this once. */
static int team_page(struct req *r, const char *shown, int calendar)
{
	const char *done = req_query(r, "done");
	struct buf users;
	struct html h;
	struct team t = { r, &h, &users };
	int rc;

	buf_init(&users, 0);
	html_init(&h, &r->ctx);
	page_begin(&h, r, "Team", NAV_TEAM);
	html_lit(&h, "<h1>Team</h1>");
	if (done) {
		html_lit(&h, "<p class=\"check ok\" role=\"status\">");
		html_text(&h, !strcmp(done, "user") ? "The user was added." :
			      !strcmp(done, "revoked") ? "The token was revoked." :
			      !strcmp(done, "form") ? "The web form was added: paste its HTML into "
						      "your site." : "Done.");
		html_lit(&h, "</p>");
	}
	if (shown) {
		char base[256];

		base_url(r, base, sizeof(base));
		html_lit(&h, "<section class=\"panel warn\" id=\"new-token\"><h2>");
		html_text(&h, calendar ? "The new calendar feed" : "The new API token");
		html_lit(&h, "</h2><p>Copy it now: it is shown only this once.</p>");
		if (calendar) {
			html_lit(&h, "<p><label for=\"tok\">Subscribe to this address</label></p>"
				     "<input readonly id=\"tok\" class=\"code\" size=\"80\" value=\"");
			html_text(&h, base);
			html_lit(&h, "/cal/");
			html_text(&h, shown);
			html_lit(&h, ".ics\">");
		} else {
			html_lit(&h, "<p><label for=\"tok\">Send it as "
				     "<code>Authorization: Bearer TOKEN</code></label></p><input readonly "
				     "id=\"tok\" class=\"code\" size=\"60\" value=\"");
			html_text(&h, shown);
			html_lit(&h, "\">");
		}
		html_lit(&h, "</section>");
	}
	html_lit(&h, "<section class=\"panel\"><h2>Users</h2><div class=\"scroll\"><table "
		     "class=\"table\" id=\"users\"><thead><tr><th scope=\"col\">Name</th><th "
		     "scope=\"col\">Role</th><th scope=\"col\">Since</th><th scope=\"col\">Live "
		     "tokens</th></tr></thead><tbody>");
	rc = store_users_list(&r->ctx, r->db, team_user, &t);
	html_lit(&h, "</tbody></table></div><h3>Add a user</h3><form method=\"post\" action=\""
		     "/team/users\" class=\"profile\" aria-label=\"Add a user\">");
	page_csrf(&h, r);
	page_input(&h, "text", "u-name", "name", "Name", NULL);
	html_lit(&h, "<label for=\"u-role\">Role</label><select id=\"u-role\" name=\"role\">"
		     "<option value=\"rep\">rep</option><option value=\"admin\">admin</option>"
		     "</select><label for=\"u-pass\">Password (8 characters or more)</label><input "
		     "type=\"password\" id=\"u-pass\" name=\"password\" autocomplete=\"new-password\">"
		     "<span></span><button type=\"submit\" class=\"primary\">Add the user</button>"
		     "</form></section>");
	html_lit(&h, "<section class=\"panel\"><h2>API tokens and calendar feeds</h2><div class=\""
		     "scroll\"><table class=\"table\" id=\"tokens\"><thead><tr><th scope=\"col\">Id"
		     "</th><th scope=\"col\">User</th><th scope=\"col\">Kind</th><th scope=\"col\">"
		     "Made</th><th scope=\"col\">Revoke</th></tr></thead><tbody>");
	if (!rc)
		rc = store_tokens_list(&r->ctx, r->db, NULL, team_token, &t);
	html_lit(&h, "</tbody></table></div><h3>Make a token</h3><form method=\"post\" action=\""
		     "/team/tokens\" class=\"profile\" aria-label=\"Make a token\">");
	page_csrf(&h, r);
	html_lit(&h, "<label for=\"t-user\">For</label><select id=\"t-user\" name=\"user\">");
	for (const char *s = buf_cstr(&users); *s;) {
		size_t n = strcspn(s, "\n");

		html_lit(&h, "<option>");
		html_textn(&h, s, n);
		html_lit(&h, "</option>");
		s += n + (s[n] == '\n');
	}
	html_lit(&h, "</select><label for=\"t-kind\">Kind</label><select id=\"t-kind\" name=\"kind\">"
		     "<option value=\"api\">API token</option><option value=\"read-only\">API token, "
		     "read-only</option><option value=\"calendar\">calendar feed</option></select>"
		     "<span></span><button type=\"submit\" class=\"primary\">Make the token</button>"
		     "</form></section>");
	html_lit(&h, "<section class=\"panel\"><h2>Web forms</h2>");
	if (!rc)
		rc = store_forms_list(&r->ctx, r->db, team_form, &t);
	html_lit(&h, "<h3>Add a web form</h3><form method=\"post\" action=\"/team/forms\" class=\""
		     "profile\" aria-label=\"Add a web form\">");
	page_csrf(&h, r);
	page_input(&h, "text", "f-name", "name", "Name", NULL);
	page_input(&h, "text", "f-owner", "owner", "Owner of its leads (empty: unowned)", NULL);
	page_input(&h, "url", "f-redirect", "redirect", "Thank-you page (optional)", NULL);
	page_input(&h, "url", "f-origin", "origin", "Site allowed to post with fetch (optional)",
		   NULL);
	html_lit(&h, "<span></span><button type=\"submit\" class=\"primary\">Add the form</button>"
		     "</form></section>");
	page_end(&h);
	buf_release(&users);
	if (rc) {
		html_release(&h);
		return page_fail(r, rc);
	}
	return page_send(r, &h, shown ? 201 : 200);
}

int page_team(struct req *r)
{
	return team_page(r, NULL, 0);
}

int page_team_user(struct req *r)
{
	const char *name = page_field(r, "name"), *role = page_field(r, "role");
	const char *password = page_field(r, "password");
	int rc, rl = ROLE_REP;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	if (!name || !password)
		return page_error(r, 422, "give the user's name and a password");
	rc = role ? account_role_parse(&r->ctx, role, &rl) : FU_OK;
	if (!rc)
		rc = account_user_add(&r->ctx, r->db, name, rl, password, r->now);
	if (rc)
		return page_fail(r, rc);
	return page_see_other(r, "/team?done=user");
}

int page_team_token(struct req *r)
{
	char secret[ACCOUNT_TOKEN_LEN + 1];
	const char *user = page_field(r, "user"), *kind = page_field(r, "kind");
	int calendar = kind && !strcmp(kind, "calendar"), rc, ok;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	if (!user)
		return page_error(r, 422, "choose whose token it is");
	rc = account_token_add(&r->ctx, r->db, user, calendar ? TOKEN_CALENDAR : TOKEN_API,
			       kind && !strcmp(kind, "read-only"), r->now, secret, NULL, NULL);
	if (rc)
		return page_fail(r, rc);
	ok = team_page(r, secret, calendar);
	memset(secret, 0, sizeof(secret));
	return ok;
}

int page_team_revoke(struct req *r)
{
	char *end;
	long long id = strtoll(r->param[0], &end, 10);
	int rc;

	if (*end || end == r->param[0] || id <= 0)
		return page_error(r, 404, "no such token");
	rc = store_token_revoke(&r->ctx, r->db, id, r->now);
	if (rc)
		return page_fail(r, rc);
	return page_see_other(r, "/team?done=revoked");
}

int page_team_form(struct req *r)
{
	char key[ACCOUNT_TOKEN_LEN + 1];
	const char *name = page_field(r, "name");
	int rc;

	if (!req_form(r))
		return page_error(r, 400, r->ctx.msg);
	if (!name)
		return page_error(r, 422, "give the form a name");
	rc = account_form_add(&r->ctx, r->db, name, page_field(r, "redirect"),
			      page_field(r, "origin"), page_field(r, "owner"), r->now, key);
	if (rc)
		return page_fail(r, rc);
	return page_see_other(r, "/team?done=form");
}
