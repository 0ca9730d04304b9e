/* account.c - users, password hashes, tokens kept only as hashes, sessions and web forms */
#include "account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model.h"

#include "banned.h"

static const char *const role_names[] = { "admin", "rep" };

const char *account_role_name(int role)
{
	return role == ROLE_ADMIN ? "admin" : role == ROLE_REP ? "rep" : NULL;
}

int account_role_parse(struct fu_ctx *ctx, const char *s, int *role)
{
	int i = s ? fu_name_index(role_names, 2, s) : -1;

	if (i < 0)
		return fu_err(ctx, FU_EINPUT, "role '%s': use admin or rep", s ? s : "");
	*role = i;
	return FU_OK;
}

int account_name_check(struct fu_ctx *ctx, const char *what, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > ACCOUNT_NAME_MAX)
		return fu_err(ctx, FU_EINPUT, "%s name: give 1 to %d characters", what,
			      ACCOUNT_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '@'))
			return fu_err(ctx, FU_EINPUT,
				      "%s name '%s': only letters, digits, '.', '_', '-' and '@'",
				      what, name);
	}
	return FU_OK;
}

static int crypto_ready(struct fu_ctx *ctx)
{
	if (sodium_init() < 0)
		return fu_err(ctx, FU_EINTERNAL, "libsodium cannot start");
	return FU_OK;
}

static int password_hash(struct fu_ctx *ctx, const char *password, char out[crypto_pwhash_STRBYTES])
{
	size_t n = strlen(password);

	if (n < ACCOUNT_PASSWORD_MIN || n > ACCOUNT_PASSWORD_MAX)
		return fu_err(ctx, FU_EINPUT, "password: give %d to %d characters",
			      ACCOUNT_PASSWORD_MIN, ACCOUNT_PASSWORD_MAX);
	if (crypto_ready(ctx))
		return ctx->rc;
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return fu_err(ctx, FU_ENOMEM, "out of memory hashing a password");
	return FU_OK;
}

int account_user_add(struct fu_ctx *ctx, struct store *s, const char *name, int role,
		     const char *password, int64_t now)
{
	char hash[crypto_pwhash_STRBYTES];
	struct store_user u = { 0 };
	int rc = account_name_check(ctx, "user", name);

	if (!rc && !account_role_name(role))
		rc = fu_err(ctx, FU_EINPUT, "user '%s': unknown role", name);
	if (!rc)
		rc = password_hash(ctx, password, hash);
	if (rc)
		return rc;
	u.name = (char *)name;
	u.role = (char *)account_role_name(role);
	u.created_at = now;
	return store_user_add(ctx, s, &u, hash);
}

int account_user_passwd(struct fu_ctx *ctx, struct store *s, const char *name,
			const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc = password_hash(ctx, password, hash);

	if (rc)
		return rc;
	return store_user_set_password(ctx, s, name, hash);
}

static void account_fill(struct account *who, int64_t user_id, const char *name, const char *role)
{
	memset(who, 0, sizeof(*who));
	who->user_id = user_id;
	snprintf(who->name, sizeof(who->name), "%s", name);
	who->role = role && strcmp(role, "admin") == 0 ? ROLE_ADMIN : ROLE_REP;
}

int account_password_check(struct fu_ctx *ctx, struct store *s, const char *name,
			   const char *password, struct account *who)
{
	char decoy_hash[crypto_pwhash_STRBYTES];
	struct store_user u;
	char *hash = NULL;
	size_t n = password ? strlen(password) : 0;
	int rc, ok;

	if (crypto_ready(ctx))
		return ctx->rc;
	rc = store_user_get(ctx, s, name ? name : "", &u, &hash);
	if (rc && rc != FU_ENOTFOUND)
		return rc;
	if (n > ACCOUNT_PASSWORD_MAX)
		n = 0;
	if (rc == FU_ENOTFOUND) {
		/* one hash as costly as a check, so the time taken does not tell which names
		 * exist */
		if (crypto_pwhash_str(decoy_hash, password ? password : "", n,
				      crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			return fu_err(ctx, FU_ENOMEM, "out of memory checking a password");
		return fu_err(ctx, FU_EINPUT, "wrong name or password");
	}
	ok = n > 0 && crypto_pwhash_str_verify(hash, password, n) == 0;
	if (ok)
		account_fill(who, u.id, u.name, u.role);
	store_user_release(&u);
	free(hash);
	return ok ? FU_OK : fu_err(ctx, FU_EINPUT, "wrong name or password");
}

/* A new random secret: "fu_" and the base64url text of 32 random bytes. */
static void secret_new(char out[ACCOUNT_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "fu_", 3);
	sodium_bin2base64(out + 3, ACCOUNT_TOKEN_LEN + 1 - 3, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* The hex BLAKE2b-256 hash of a secret: what the store keeps. */
static void secret_hash(const char *secret, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

static const char *const kind_names[] = { "api", "calendar", "session" };

int account_token_add(struct fu_ctx *ctx, struct store *s, const char *user, int kind,
		      int read_only, int64_t now, char *out, char *csrf, int64_t *id)
{
	struct store_token t = { 0 };
	struct store_user u;
	char hex[65];
	int rc;

	if (crypto_ready(ctx))
		return ctx->rc;
	rc = store_user_get(ctx, s, user, &u, NULL);
	if (rc)
		return rc;
	secret_new(out);
	secret_hash(out, hex);
	t.user_id = u.id;
	t.kind = (char *)kind_names[kind];
	t.read_only = read_only;
	t.created_at = now;
	t.expires_at = kind == TOKEN_SESSION ? now + ACCOUNT_SESSION_TTL : FU_TIME_NONE;
	if (kind == TOKEN_SESSION && csrf) {
		secret_new(csrf);
		t.csrf = csrf;
	}
	rc = store_token_add(ctx, s, &t, hex);
	store_user_release(&u);
	if (!rc && id)
		*id = t.id;
	return rc;
}

int account_token_check(struct fu_ctx *ctx, struct store *s, const char *secret, int kind,
			int64_t now, struct account *who)
{
	struct store_token t;
	char hex[65];
	int rc;

	if (!secret || strlen(secret) != ACCOUNT_TOKEN_LEN || strncmp(secret, "fu_", 3) != 0)
		return fu_err(ctx, FU_ENOTFOUND, "no such token");
	if (crypto_ready(ctx))
		return ctx->rc;
	secret_hash(secret, hex);
	rc = store_token_find(ctx, s, hex, now, &t);
	if (rc)
		return rc;
	if (kind == TOKEN_CALENDAR ? strcmp(t.kind, "calendar") != 0 :
				     strcmp(t.kind, "calendar") == 0) {
		store_token_release(&t);
		return fu_err(ctx, FU_ENOTFOUND, "no such token");
	}
	account_fill(who, t.user_id, t.user, t.role);
	who->token_id = t.id;
	who->read_only = t.read_only;
	who->session = strcmp(t.kind, "session") == 0;
	if (t.csrf)
		snprintf(who->csrf, sizeof(who->csrf), "%s", t.csrf);
	store_token_release(&t);
	return FU_OK;
}

int account_sees_owner(const struct account *who, const char *owner)
{
	return who->role == ROLE_ADMIN || !owner || !*owner || strcmp(owner, who->name) == 0;
}

int account_secret_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

static int url_check(struct fu_ctx *ctx, const char *what, const char *url)
{
	if (!url)
		return FU_OK;
	if (strlen(url) > FU_TEXT_MAX ||
	    (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return fu_err(ctx, FU_EINPUT, "%s '%s': give an http:// or https:// address", what,
			      url);
	for (const char *p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == 0x7f)
			return fu_err(ctx, FU_EINPUT, "%s '%s': a space or quote in the address",
				      what, url);
	}
	return FU_OK;
}

int account_form_add(struct fu_ctx *ctx, struct store *s, const char *name, const char *redirect,
		     const char *origin, const char *owner, int64_t now, char *out)
{
	struct store_form f = { 0 };
	int rc = account_name_check(ctx, "form", name);

	if (!rc)
		rc = url_check(ctx, "--redirect", redirect);
	if (!rc)
		rc = url_check(ctx, "--origin", origin);
	if (!rc && owner && strlen(owner) > FU_TEXT_MAX)
		rc = fu_err(ctx, FU_EINPUT, "--owner: longer than %d characters", FU_TEXT_MAX);
	if (rc)
		return rc;
	if (crypto_ready(ctx))
		return ctx->rc;
	secret_new(out);
	f.name = (char *)name;
	f.key = out;
	f.redirect = (char *)redirect;
	f.origin = (char *)origin;
	f.owner = (char *)owner;
	f.created_at = now;
	return store_form_add(ctx, s, &f);
}

int account_form_snippet(struct fu_ctx *ctx, struct buf *b, const char *base, const char *key)
{
	if (strchr(base, '"') || strchr(base, '<') || strchr(base, '>') || strchr(base, '&'))
		return fu_err(ctx, FU_EINPUT, "the server's address may not hold quotes, '<', '>' "
					      "or '&'");
	return buf_addf(ctx, b,
			"<form method=\"post\" action=\"%s/f/%s\">\n"
			"  <label>Name <input name=\"name\" maxlength=\"200\" required></label>\n"
			"  <label>E-mail <input name=\"email\" type=\"email\" maxlength=\"200\" "
			"required></label>\n"
			"  <label>Phone <input name=\"phone\" type=\"tel\" maxlength=\"50\"></label>\n"
			"  <label>Company <input name=\"company\" maxlength=\"200\"></label>\n"
			"  <label>Message <textarea name=\"message\" maxlength=\"4000\"></textarea>"
			"</label>\n"
			"  <div style=\"position:absolute;left:-10000px\" aria-hidden=\"true\">\n"
			"    <input name=\"website\" tabindex=\"-1\" autocomplete=\"off\">\n"
			"  </div>\n"
			"  <button type=\"submit\">Send</button>\n"
			"</form>\n", base, key);
}
