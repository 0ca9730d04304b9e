/* http.c - request helpers (query, headers, JSON bodies) and responses, errors as problem+json */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "banned.h"

const char *req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const struct form *req_form(struct req *r)
{
	if (!r->form_read)
		r->form_read = form_parse(&r->ctx, req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE),
					  r->body.s, r->body.len, &r->form) ? -1 : 1;
	return r->form_read == 1 ? &r->form : NULL;
}

/* 1 when the request's media type (without parameters) is type. */
static int content_type_is(struct req *r, const char *type)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(type);

	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *req_json(struct req *r, int want)
{
	json_error_t err;
	json_t *v;
	char detail[300];

	if (!content_type_is(r, "application/json")) {
		http_problem(r, 415, "send the body as application/json", NULL);
		return NULL;
	}
	v = json_loadb(r->body.s ? r->body.s : "", r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		snprintf(detail, sizeof(detail), "body: line %d, column %d: %s", err.line,
			 err.column, err.text);
		http_problem(r, 400, detail, "");
		return NULL;
	}
	if (want >= 0 && json_typeof(v) != (json_type)want) {
		json_decref(v);
		http_problem(r, 400, want == JSON_OBJECT ? "body: give a JSON object" :
							  "body: give a JSON array", "");
		return NULL;
	}
	return v;
}

static void set_response(struct req *r, int status, struct MHD_Response *resp)
{
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->status = status;
	r->resp = resp;
}

void http_header(struct req *r, const char *name, const char *value)
{
	if (r->resp)
		MHD_add_response_header(r->resp, name, value);
}

static int respond(struct req *r, int status, const char *type, const char *text, size_t n,
		   int copy)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		n, (void *)text, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);

	if (!resp) {
		if (!copy)
			free((void *)text);
		r->status = 500;
		return MHD_NO;
	}
	set_response(r, status, resp);
	if (type)
		http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	http_header(r, "X-Content-Type-Options", "nosniff");
	http_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return MHD_YES;
}

char *http_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
}

int http_text(struct req *r, int status, const char *type, const char *text, size_t n)
{
	return respond(r, status, type, text, n, 1);
}

/* A strong ETag: the first 16 bytes of the body's BLAKE2b hash, in hex and quotes. */
static void etag_of(const char *text, size_t n, char out[36])
{
	unsigned char h[16];

	crypto_generichash(h, sizeof(h), (const unsigned char *)text, n, NULL, 0);
	out[0] = '"';
	sodium_bin2hex(out + 1, 33, h, sizeof(h));
	out[33] = '"';
	out[34] = '\0';
}

int http_json(struct req *r, int status, json_t *v)
{
	char *text = v ? http_dump(v) : NULL;
	char etag[36];
	const char *inm;
	int get = strcmp(r->method, "GET") == 0 && status == 200;

	json_decref(v);
	if (!text)
		return http_problem(r, 500, "out of memory", NULL);
	if (get) {
		etag_of(text, strlen(text), etag);
		inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
		if (inm && strstr(inm, etag)) {
			free(text);
			if (respond(r, 304, NULL, "", 0, 1) != MHD_YES)
				return MHD_NO;
			http_header(r, MHD_HTTP_HEADER_ETAG, etag);
			return MHD_YES;
		}
	}
	if (respond(r, status, "application/json", text, strlen(text), 0) != MHD_YES)
		return MHD_NO;
	if (get) {
		http_header(r, MHD_HTTP_HEADER_ETAG, etag);
		http_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
	}
	return MHD_YES;
}

int http_redirect(struct req *r, int status, const char *location)
{
	if (respond(r, status, NULL, "", 0, 1) != MHD_YES)
		return MHD_NO;
	http_header(r, MHD_HTTP_HEADER_LOCATION, location);
	return MHD_YES;
}

static const char *status_title(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

int http_problem(struct req *r, int status, const char *detail, const char *pointer)
{
	return http_problem_with(r, status, detail, pointer, NULL);
}

int http_problem_with(struct req *r, int status, const char *detail, const char *pointer,
		      json_t *extra)
{
	json_t *o = json_pack("{s:s, s:s, s:i}", "type", "about:blank", "title",
			      status_title(status), "status", status);
	char *text;

	if (o && detail)
		json_object_set_new(o, "detail", json_string(detail));
	if (o && pointer)
		json_object_set_new(o, "pointer", json_string(pointer));
	if (o && extra)
		json_object_update(o, extra);
	json_decref(extra);
	text = o ? http_dump(o) : NULL;
	json_decref(o);
	if (!text) {
		static const char oom[] = "{\"title\":\"Internal Server Error\",\"status\":500}";

		return respond(r, 500, "application/problem+json", oom, sizeof(oom) - 1, 1);
	}
	return respond(r, status, "application/problem+json", text, strlen(text), 0);
}

int http_fail(struct req *r, int rc)
{
	switch (rc) {
	case FU_EINPUT:
	case FU_EUSAGE:
		return http_problem(r, 400, r->ctx.msg, NULL);
	case FU_ENOTFOUND:
		return http_problem(r, 404, r->ctx.msg, NULL);
	default:
		/* the details of an internal fault go to the log, not to the client */
		return http_problem(r, rc == FU_EDB && strstr(r->ctx.msg, "locked") ? 503 : 500,
				    "the server could not finish the request", NULL);
	}
}
