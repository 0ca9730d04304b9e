/* app.h - the web app: its embedded files (generated from server/web/) and the API it adds */
#ifndef FU_APP_H
#define FU_APP_H

#include <stddef.h>

/* One embedded file: the URL path it answers, its media type, its bytes (static, not freed). */
struct web_asset {
	const char *path;
	const char *type;
	const unsigned char *body;
	size_t len;
};

/* Made by scripts/embed-web.sh at build time (build/gen/webassets.c). */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/*
 * The app's pages (its files and the server-rendered ones, pages.c) run only our own script
 * and style, talk only to this server, and may not be framed: a strict
 * Content-Security-Policy, so an escaping slip cannot run a script.
 */
#define APP_CSP                                                                              \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "    \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

struct req;

/* The handlers of routes-app.c (rows in routes.c's table). */
int route_app_static(struct req *r);
int route_now(struct req *r);
int route_lapsed(struct req *r);
int route_report(struct req *r);

#endif
