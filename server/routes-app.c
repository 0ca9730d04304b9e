/* routes-app.c - what the web app adds to the server: its embedded files and the server's clock */
#include "srv.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "datetime.h"
#include "jview.h"

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

/* GET /api/v1/now: the server's clock (fixed with --now in tests and demos), for date pickers. */
int route_now(struct req *r)
{
	char day[16];
	struct civil cv;

	dt_to_civil(r->now, &cv);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return http_json(r, 200, json_pack("{s:o, s:s}", "now", jview_time(r->now), "today", day));
}
