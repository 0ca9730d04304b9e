/* http.h - one request's context, the route table entry, and the response helpers (problem+json) */
#ifndef FU_HTTP_H
#define FU_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "account.h"
#include "buf.h"
#include "form.h"
#include "fu.h"
#include "store.h"

struct srv;
struct req;

/* Route flags: who may call it and what it does. */
enum {
	R_PUBLIC = 1,  /* no login (web form, calendar with its token, login, health) */
	R_WRITE = 2,   /* changes data: read-only tokens get 403; serialised through one writer */
	R_ADMIN = 4,   /* admins only */
	R_NODB = 8,    /* needs no database connection */
	R_QUEUED = 16, /* with R_WRITE: writes through the event writer's queue (ingest.h), not the lock */
	R_PAGE = 32    /* a server-rendered page (pages.c): HTML answers, a login page instead of
			* 401, the CSRF token also as the form's "csrf" field; not in the OpenAPI document */
};

/* One row of the route table (routes.c): method, path pattern, handler, flags, body limit. */
struct route {
	const char *method;
	const char *path;     /* literal segments and {name} parameters; a final "*" matches the rest */
	int (*fn)(struct req *r);
	int flags;
	size_t max_body;      /* bytes; 0 for no body at all */
	const char *summary;  /* one line for the OpenAPI document */
};

extern const struct route routes[];
extern const size_t routes_count;

#define REQ_PARAMS 4

struct req {
	struct srv *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const struct route *route; /* NULL when none matched */
	const char *param[REQ_PARAMS]; /* path parameters in order (point into pbuf) */
	char pbuf[1024];
	struct buf body;
	int body_too_big;
	int64_t now;
	double started;            /* monotonic seconds */
	char ip[64];
	struct account who;
	int authed;
	struct store *db;          /* borrowed for the request (NULL with R_NODB) */
	struct form form;          /* a page's form post, read once by req_form */
	int form_read;             /* 1: read; -1: unreadable (the message on ctx) */
	char cookie[160];          /* auth_login: the session cookie to set */
	struct fu_ctx ctx;
	/* the response */
	int status;
	struct MHD_Response *resp;
};

/* A query-string value, or NULL. */
const char *req_query(struct req *r, const char *name);
/*
 * The body as a page's form post (urlencoded or multipart), read once and freed with the
 * request; NULL when it cannot be read (FU_EINPUT with the message on r->ctx).
 */
const struct form *req_form(struct req *r);
/* A request header, or NULL. */
const char *req_header(struct req *r, const char *name);
/*
 * The body as a JSON value (object or array as asked by want: JSON_OBJECT, JSON_ARRAY, or -1
 * for either), after checking the content type; answers 400/415 itself and returns NULL.
 */
json_t *req_json(struct req *r, int want);

/*
 * Responses. Each sets r->status and r->resp and returns MHD_YES (or MHD_NO when out of
 * memory, which closes the connection). http_json steals v; on a GET it adds an ETag and
 * answers 304 when If-None-Match matches.
 */
int http_json(struct req *r, int status, json_t *v);
int http_text(struct req *r, int status, const char *type, const char *text, size_t n);
int http_redirect(struct req *r, int status, const char *location);
/* application/problem+json (RFC 9457): title from the status; pointer (or NULL) names the field. */
int http_problem(struct req *r, int status, const char *detail, const char *pointer);
/* As http_problem, with the members of extra (stolen; may be NULL) added. */
int http_problem_with(struct req *r, int status, const char *detail, const char *pointer,
		      json_t *extra);
/* The problem for a failed core call: FU_EINPUT 400 (422 with unprocessable), ENOTFOUND 404, else 500. */
int http_fail(struct req *r, int rc);
/* Adds a header to the response made by the last helper (no-op without one). */
void http_header(struct req *r, const char *name, const char *value);

/* JSON text of v in the server's one style (compact, ASCII); malloced, NULL on out-of-memory. */
char *http_dump(const json_t *v);

#endif
