/* auth.c - who a request is (Bearer token or session cookie), roles, CSRF, login and throttling */
#include "srv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "banned.h"

#define LOGIN_LIMIT 5          /* failures ... */
#define LOGIN_WINDOW (15 * 60) /* ... in this many seconds, per address and per name */
#define SESSION_COOKIE "fu_session"

/* The session cookie's value, or NULL (MHD parses the Cookie header). */
static const char *session_cookie(struct req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
}

static int unauthorized(struct req *r, const char *detail)
{
	if (r->route->flags & R_PAGE) { /* a person's browser: the login page, then back */
		page_login_redirect(r);
		return 0;
	}
	http_problem(r, 401, detail, NULL);
	http_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"followup\"");
	return 0;
}

/* 403: problem+json for the API, a page for a page. */
static int forbidden(struct req *r, const char *detail)
{
	if (r->route->flags & R_PAGE)
		page_error(r, 403, detail);
	else
		http_problem(r, 403, detail, NULL);
	return 0;
}

/* The CSRF token a session's change carries: the header, or a page's "csrf" form field. */
static const char *csrf_sent(struct req *r)
{
	const char *csrf = req_header(r, "X-CSRF-Token");
	const struct form *f;

	if (csrf || !(r->route->flags & R_PAGE))
		return csrf;
	f = req_form(r);
	return f ? form_get(f, "csrf") : NULL;
}

int auth_check(struct req *r)
{
	const char *h = req_header(r, MHD_HTTP_HEADER_AUTHORIZATION), *secret = NULL, *csrf;
	int rc;

	if (h) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return unauthorized(r, "use 'Authorization: Bearer TOKEN'");
		secret = h + 7;
	} else {
		secret = session_cookie(r);
	}
	if (!secret)
		return unauthorized(r, "log in, or send 'Authorization: Bearer TOKEN'");
	rc = account_token_check(&r->ctx, r->db, secret, TOKEN_API, r->now, &r->who);
	if (rc == FU_ENOTFOUND)
		return unauthorized(r, "the token or session is unknown, revoked or expired");
	if (rc) {
		http_fail(r, rc);
		return 0;
	}
	r->authed = 1;
	/* a browser's session must prove each change comes from our own page */
	if (r->who.session && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		csrf = csrf_sent(r);
		if (!csrf || !account_secret_equal(csrf, r->who.csrf))
			return forbidden(r, "a session's changes need the X-CSRF-Token header "
					    "(from login or GET /api/v1/me), or a page's csrf field");
	}
	if ((r->route->flags & R_WRITE) && r->who.read_only)
		return forbidden(r, "this token is read-only");
	if ((r->route->flags & R_ADMIN) && r->who.role != ROLE_ADMIN)
		return forbidden(r, "only an admin may do this");
	return 1;
}

int auth_login(struct req *r, const char *name, const char *password, char *csrf,
	       int64_t *retry_after)
{
	char token[ACCOUNT_TOKEN_LEN + 1], cookie[160], key[96];
	struct account who;
	int rc;

	*retry_after = 0;
	snprintf(key, sizeof(key), "name:%s", name);
	if (srv_throttled(r->srv, r->srv->logins, r->ip, LOGIN_LIMIT, LOGIN_WINDOW, r->now,
			  retry_after) ||
	    srv_throttled(r->srv, r->srv->logins, key, LOGIN_LIMIT, LOGIN_WINDOW, r->now,
			  retry_after)) {
		fu_err(&r->ctx, FU_EINPUT, "too many failed logins; wait and try again");
		return 429;
	}
	rc = account_password_check(&r->ctx, r->db, name, password, &who);
	if (rc == FU_EINPUT) {
		srv_throttle_fail(r->srv, r->srv->logins, r->ip, LOGIN_WINDOW, r->now);
		srv_throttle_fail(r->srv, r->srv->logins, key, LOGIN_WINDOW, r->now);
		fu_err(&r->ctx, FU_EINPUT, "wrong name or password");
		return 401;
	}
	if (!rc) {
		pthread_mutex_lock(&r->srv->write_mu);
		rc = account_token_add(&r->ctx, r->db, who.name, TOKEN_SESSION, 0, r->now, token,
				       csrf, NULL);
		pthread_mutex_unlock(&r->srv->write_mu);
	}
	if (rc)
		return rc == FU_EBUSY ? 503 : 500;
	srv_throttle_clear(r->srv, r->srv->logins, key);
	r->who = who;
	r->authed = 1;
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; "
		 "SameSite=Strict%s", token, ACCOUNT_SESSION_TTL,
		 r->srv->opts->tls_cert ? "; Secure" : "");
	sodium_memzero(token, sizeof(token));
	snprintf(r->cookie, sizeof(r->cookie), "%s", cookie);
	return 0;
}

int route_login(struct req *r)
{
	char csrf[ACCOUNT_TOKEN_LEN + 1];
	const char *name, *password;
	int64_t retry = 0;
	json_t *body = req_json(r, JSON_OBJECT);
	int status;

	if (!body)
		return MHD_YES;
	name = json_string_value(json_object_get(body, "name"));
	password = json_string_value(json_object_get(body, "password"));
	if (!name || !password || strlen(name) > ACCOUNT_NAME_MAX ||
	    strlen(password) > ACCOUNT_PASSWORD_MAX) {
		json_decref(body);
		return http_problem(r, 400, "give name and password (text)", !name ? "/name" :
										     "/password");
	}
	status = auth_login(r, name, password, csrf, &retry);
	json_decref(body);
	if (status == 429) {
		char s[32];

		http_problem(r, 429, r->ctx.msg, NULL);
		snprintf(s, sizeof(s), "%lld", (long long)retry);
		http_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
		return MHD_YES;
	}
	if (status == 401)
		return http_problem(r, 401, r->ctx.msg, NULL);
	if (status)
		return http_problem(r, status, "the server could not finish the request", NULL);
	http_json(r, 200, json_pack("{s:s, s:s, s:s, s:i}", "user", r->who.name, "role",
				    account_role_name(r->who.role), "csrf_token", csrf, "expires_in",
				    ACCOUNT_SESSION_TTL));
	http_header(r, MHD_HTTP_HEADER_SET_COOKIE, r->cookie);
	return MHD_YES;
}

int route_logout(struct req *r)
{
	int rc = store_token_revoke(&r->ctx, r->db, r->who.token_id, r->now);

	if (rc)
		return http_fail(r, rc);
	http_json(r, 200, json_pack("{s:b}", "logged_out", 1));
	auth_cookie_clear(r);
	return MHD_YES;
}

void auth_cookie_clear(struct req *r)
{
	if (r->who.session)
		http_header(r, MHD_HTTP_HEADER_SET_COOKIE,
			    r->srv->opts->tls_cert ?
				    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure" :
				    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

int route_me(struct req *r)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:b}", "user", r->who.name, "role",
			      account_role_name(r->who.role), "read_only", r->who.read_only,
			      "session", r->who.session);

	if (o && r->who.session)
		json_object_set_new(o, "csrf_token", json_string(r->who.csrf));
	return http_json(r, 200, o);
}
