/* account.h - the team's accounts: users and roles, passwords, API and calendar tokens, web sessions, web forms */
#ifndef FU_ACCOUNT_H
#define FU_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fu.h"
#include "store.h"

#define ACCOUNT_NAME_MAX 64
#define ACCOUNT_PASSWORD_MIN 8
#define ACCOUNT_PASSWORD_MAX 1024
/* a token's text: "fu_" and 43 characters of base64url (32 random bytes) */
#define ACCOUNT_TOKEN_LEN 46
#define ACCOUNT_SESSION_TTL (12 * 3600)

enum account_role { ROLE_ADMIN, ROLE_REP };

/*
 * Who a request acts as, once a token or a session is checked. Fixed-size, nothing to free.
 * A rep sees and works their own contacts (owner = their name) and the unowned ones.
 */
struct account {
	int64_t user_id;
	int64_t token_id;
	char name[ACCOUNT_NAME_MAX + 1];
	int role;       /* enum account_role */
	int read_only;  /* a read-only API token */
	int session;    /* a web session (form posts must carry csrf) */
	char csrf[ACCOUNT_TOKEN_LEN + 1];
};

/* "admin" / "rep"; account_role_parse gives FU_EINPUT for anything else. */
const char *account_role_name(int role);
int account_role_parse(struct fu_ctx *ctx, const char *s, int *role);

/* Checks a user or form name: 1 to 64 of letters, digits, '.', '_', '-', '@'. */
int account_name_check(struct fu_ctx *ctx, const char *what, const char *name);

/* Adds a user with an argon2id hash of password (libsodium crypto_pwhash_str). */
int account_user_add(struct fu_ctx *ctx, struct store *s, const char *name, int role,
		     const char *password, int64_t now);
int account_user_passwd(struct fu_ctx *ctx, struct store *s, const char *name,
			const char *password);

/*
 * Checks name and password. FU_EINPUT "wrong name or password" when either is wrong (the
 * same answer and about the same time for an unknown name); fills *who.
 */
int account_password_check(struct fu_ctx *ctx, struct store *s, const char *name,
			   const char *password, struct account *who);

enum token_kind { TOKEN_API, TOKEN_CALENDAR, TOKEN_SESSION };

/*
 * Makes a token of kind for user: out (ACCOUNT_TOKEN_LEN + 1 bytes) receives its secret,
 * which is shown once and never stored (only its hash is). A session expires after
 * ACCOUNT_SESSION_TTL and gets a CSRF token in csrf (ACCOUNT_TOKEN_LEN + 1 bytes, or NULL
 * for other kinds). *id (if non-NULL) is the token's id, for revoking it.
 */
int account_token_add(struct fu_ctx *ctx, struct store *s, const char *user, int kind,
		      int read_only, int64_t now, char *out, char *csrf, int64_t *id);

/*
 * The account a token's secret stands for, if it is live and of kind (a calendar token
 * only opens the calendar; API tokens and sessions are both accepted for kind TOKEN_API).
 * FU_ENOTFOUND when the secret is unknown, revoked or expired.
 */
int account_token_check(struct fu_ctx *ctx, struct store *s, const char *secret, int kind,
			int64_t now, struct account *who);

/* 1 when who may see a contact with this owner (NULL or "" for unowned). */
int account_sees_owner(const struct account *who, const char *owner);

/* Constant-time comparison of two NUL-terminated secrets: 1 when equal. */
int account_secret_equal(const char *a, const char *b);

/*
 * Adds a web form: a random public key (out, ACCOUNT_TOKEN_LEN + 1 bytes), the thank-you
 * page (redirect) and the site allowed to post with fetch (origin), each NULL or an
 * http(s) URL; owner (or NULL) is given the leads.
 */
int account_form_add(struct fu_ctx *ctx, struct store *s, const char *name, const char *redirect,
		     const char *origin, const char *owner, int64_t now, char *out);

/*
 * Appends to b the HTML to paste into the business's site for the form with key, posting
 * to base (the server's public address, e.g. "https://crm.example.com"): name, e-mail,
 * phone, company, message, and the honeypot field "website" hidden and left empty.
 * FU_EINPUT when base holds a quote, '<', '>' or '&'.
 */
int account_form_snippet(struct fu_ctx *ctx, struct buf *b, const char *base, const char *key);

#endif
