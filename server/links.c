/* links.c - the links in sent e-mails: tracked clicks (/c/TOKEN) and the unsubscribe pages (/u) */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "click.h"
#include "unsubscribe.h"

#include "banned.h"

/* The pages load nothing and run nothing; their one form posts back here. */
#define PAGE_CSP "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* Appends s with the characters that mean something in HTML escaped. */
static int html_add(struct fu_ctx *ctx, struct buf *b, const char *s)
{
	int rc = FU_OK;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '&': rc = buf_adds(ctx, b, "&amp;"); break;
		case '<': rc = buf_adds(ctx, b, "&lt;"); break;
		case '>': rc = buf_adds(ctx, b, "&gt;"); break;
		case '"': rc = buf_adds(ctx, b, "&quot;"); break;
		case '\'': rc = buf_adds(ctx, b, "&#39;"); break;
		default: rc = buf_addc(ctx, b, *s); break;
		}
	}
	return rc;
}

/*
 * A small page: title, one paragraph, and (when token is given) the form that confirms the
 * unsubscribe of token. Every text is escaped; nobody may frame it or cache it.
 */
static int page(struct req *r, int status, const char *title, const char *text,
		const char *token)
{
	struct buf b;
	int rc, ok;

	buf_init(&b, 64 * 1024);
	rc = buf_adds(&r->ctx, &b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				   "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	rc = rc ? rc : html_add(&r->ctx, &b, title);
	rc = rc ? rc : buf_adds(&r->ctx, &b, "</title></head>\n<body><h1>");
	rc = rc ? rc : html_add(&r->ctx, &b, title);
	rc = rc ? rc : buf_adds(&r->ctx, &b, "</h1>\n<p>");
	rc = rc ? rc : html_add(&r->ctx, &b, text);
	rc = rc ? rc : buf_adds(&r->ctx, &b, "</p>\n");
	if (token) {
		rc = rc ? rc : buf_adds(&r->ctx, &b, "<form method=\"post\" action=\"/u/");
		rc = rc ? rc : html_add(&r->ctx, &b, token);
		rc = rc ? rc : buf_adds(&r->ctx, &b,
					"\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
					"value=\"One-Click\"><button type=\"submit\">Unsubscribe"
					"</button></form>\n");
	}
	rc = rc ? rc : buf_adds(&r->ctx, &b, "</body></html>\n");
	if (rc) {
		buf_release(&b);
		return http_problem(r, 500, "out of memory", NULL);
	}
	ok = http_text(r, status, "text/html; charset=utf-8", b.s, b.len);
	buf_release(&b);
	http_header(r, "Content-Security-Policy", PAGE_CSP);
	http_header(r, "Cache-Control", "no-store");
	http_header(r, "X-Content-Type-Options", "nosniff");
	http_header(r, "Referrer-Policy", "no-referrer");
	return ok;
}

static int page_not_valid(struct req *r)
{
	return page(r, 404, "This link is not valid",
		    "The link may have been cut short when it was copied. Nothing was changed.",
		    NULL);
}

static int page_failed(struct req *r)
{
	return page(r, 503, "Please try again",
		    "Something went wrong on our side and nothing was changed. Please try the link "
		    "again in a few minutes.", NULL);
}

/*
 * GET /c/{token}: a tracked link; the click is recorded, then the reader goes on to it. A HEAD
 * (a link scanner, a prefetcher) gets the same answer and records nothing.
 */
int route_click(struct req *r)
{
	struct record_result res;
	char *url = NULL;
	int rc = strcmp(r->method, "HEAD") == 0 ?
			 click_peek(&r->ctx, r->db, r->param[0], &url) :
			 click_follow(&r->ctx, r->db, r->param[0], r->now, &url, &res),
	    ok;

	if (rc == FU_EINPUT)
		return page_not_valid(r);
	if (rc)
		return page_failed(r);
	ok = http_redirect(r, 303, url);
	http_header(r, "Cache-Control", "no-store");
	http_header(r, "Referrer-Policy", "no-referrer");
	free(url);
	return ok;
}

/* The token of /u/{token} or of /u?token=... (NULL when there is none). */
static const char *req_unsub_token(struct req *r)
{
	return r->param[0] ? r->param[0] : req_query(r, "token");
}

/*
 * GET /u/{token} or /u?token=...: asks before it records anything (link checkers open links
 * too). The page's button posts to the path form.
 */
int route_unsubscribe_page(struct req *r)
{
	const char *token = req_unsub_token(r);
	int64_t contact;
	char what;
	int rc;

	if (!token || strlen(token) >= UNSUBSCRIBE_TOKEN_MAX)
		return page_not_valid(r);
	rc = unsubscribe_check(&r->ctx, r->db, token, &contact, &what);
	if (rc == FU_EINPUT)
		return page_not_valid(r);
	if (rc)
		return page_failed(r);
	return page(r, 200, "Unsubscribe",
		    what == 'e' ? "Press the button and we will send you no more e-mails of this kind." :
				  "Press the button and we will send you no more automated messages.",
		    token);
}

/*
 * POST /u/{token} or /u?token=...: the page's button, or a mail client's RFC 8058 one-click
 * post (body "List-Unsubscribe=One-Click"). The signed token is the authority: no login, no
 * CSRF token.
 */
int route_unsubscribe_post(struct req *r)
{
	const char *token = req_unsub_token(r);
	struct record_result res;
	int rc;

	if (!token || strlen(token) >= UNSUBSCRIBE_TOKEN_MAX)
		return page_not_valid(r);
	rc = unsubscribe_apply(&r->ctx, r->db, token, r->now, &res);
	if (rc == FU_EINPUT)
		return page_not_valid(r);
	if (rc)
		return page_failed(r);
	return page(r, 200, "You are unsubscribed",
		    "We will send you no more of these messages. If this was a mistake, just reply "
		    "to one of our e-mails and tell us.", NULL);
}
