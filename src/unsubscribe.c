/* unsubscribe.c - unsubscribe tokens signed with a key kept in the database */
#include "unsubscribe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "banned.h"

#define KEY_BYTES SIGN_KEY_BYTES
#define MAC_HEX 32 /* the first 16 bytes of the HMAC, in hex */

int sign_key_get(struct fu_ctx *ctx, struct store *s, const char *name, int create,
		 unsigned char key[SIGN_KEY_BYTES])
{
	char *hex = NULL, fresh[2 * SIGN_KEY_BYTES + 1];
	size_t n = 0;
	int rc = store_meta_get(ctx, s, name, &hex);

	if (rc)
		return rc;
	if (!hex) {
		if (!create)
			return fu_err(ctx, FU_ENOTFOUND, "%s: not made yet", name);
		randombytes_buf(key, SIGN_KEY_BYTES);
		sodium_bin2hex(fresh, sizeof(fresh), key, SIGN_KEY_BYTES);
		rc = store_meta_set(ctx, s, name, fresh);
		sodium_memzero(fresh, sizeof(fresh));
		return rc;
	}
	rc = sodium_hex2bin(key, SIGN_KEY_BYTES, hex, strlen(hex), NULL, &n, NULL) ||
	     n != SIGN_KEY_BYTES;
	sodium_memzero(hex, strlen(hex));
	free(hex);
	if (rc)
		return fu_err(ctx, FU_EINTERNAL, "%s: the stored key is damaged", name);
	return FU_OK;
}

/* The unsubscribe key; a token checked before any was made is not valid. */
static int get_key(struct fu_ctx *ctx, struct store *s, int create, unsigned char key[KEY_BYTES])
{
	int rc = sign_key_get(ctx, s, "unsubscribe_key", create, key);

	if (rc == FU_ENOTFOUND)
		return fu_err(ctx, FU_EINPUT, "unsubscribe: the token is not valid");
	return rc;
}

static void mac_hex(const unsigned char key[KEY_BYTES], int64_t contact_id, char what,
		    char out[MAC_HEX + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "unsubscribe:%lld:%c", (long long)contact_id, what);

	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, MAC_HEX + 1, mac, MAC_HEX / 2);
}

int unsubscribe_token(struct fu_ctx *ctx, struct store *s, int64_t contact_id, char what,
		      char out[UNSUBSCRIBE_TOKEN_MAX])
{
	unsigned char key[KEY_BYTES];
	char mac[MAC_HEX + 1];
	int rc = get_key(ctx, s, 1, key);

	if (rc)
		return rc;
	mac_hex(key, contact_id, what, mac);
	sodium_memzero(key, sizeof(key));
	snprintf(out, UNSUBSCRIBE_TOKEN_MAX, "%lld-%c-%s", (long long)contact_id, what, mac);
	return FU_OK;
}

int unsubscribe_check(struct fu_ctx *ctx, struct store *s, const char *token,
		      int64_t *contact_id, char *what)
{
	unsigned char key[KEY_BYTES];
	char mac[MAC_HEX + 1];
	long long id;
	char *end;
	int rc;

	id = strtoll(token, &end, 10);
	if (end == token || id <= 0 || end[0] != '-' || (end[1] != 'e' && end[1] != 'a') ||
	    end[2] != '-' || strlen(end + 3) != MAC_HEX)
		return fu_err(ctx, FU_EINPUT, "unsubscribe: the token is not valid");
	rc = get_key(ctx, s, 0, key);
	if (rc)
		return rc;
	mac_hex(key, id, end[1], mac);
	sodium_memzero(key, sizeof(key));
	if (sodium_memcmp(mac, end + 3, MAC_HEX) != 0)
		return fu_err(ctx, FU_EINPUT, "unsubscribe: the token is not valid");
	*contact_id = id;
	*what = end[1];
	return FU_OK;
}

int unsubscribe_apply(struct fu_ctx *ctx, struct store *s, const char *token, int64_t now,
		      struct record_result *r)
{
	char ext[UNSUBSCRIBE_TOKEN_MAX + 8];
	struct event_text t;
	struct contact c;
	int64_t id;
	char what = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = unsubscribe_check(ctx, s, token, &id, &what);
	if (rc)
		return rc;
	contact_init(&c);
	rc = store_contact_get_id(ctx, s, id, &c);
	if (rc == FU_ENOTFOUND)
		rc = fu_err(ctx, FU_EINPUT, "unsubscribe: the token is not valid");
	if (!rc) {
		memset(&t, 0, sizeof(t));
		snprintf(ext, sizeof(ext), "unsubscribe-%lld-%c", (long long)id, what);
		t.id = ext;
		t.type = "opt_out";
		t.contact = c.key;
		t.channel = what == 'e' ? "email" : "all";
		t.note = "unsubscribed with the link in a message";
		rc = record_event(ctx, s, &t, now, r);
	}
	contact_release(&c);
	return rc;
}
