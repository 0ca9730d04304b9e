/* click.c - tracked links: signed tokens for the links of a message, a click recorded as email_click */
#include "click.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "message.h"
#include "unsubscribe.h"

#include "banned.h"

#define MAC_HEX 32 /* the first 16 bytes of the HMAC, in hex */
#define KEY_NAME "click_key"

static int ends_link(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' ||
	       c == '>' || c == '"' || c == '\'';
}

/* The length of the link at p without the punctuation that ends the sentence after it. */
static size_t link_len(const char *p)
{
	size_t n = 0, open = 0, close = 0;

	while (!ends_link(p[n]))
		n++;
	for (size_t i = 0; i < n; i++) {
		open += p[i] == '(';
		close += p[i] == ')';
	}
	while (n > 0) {
		char c = p[n - 1];

		if (c == ')' && close > open) {
			close--;
		} else if (!strchr(".,;:!?", c)) {
			break;
		}
		n--;
	}
	return n;
}

size_t click_links(const char *text, click_link_fn fn, void *arg)
{
	size_t count = 0;
	const char *p = text;

	while (p && *p) {
		const char *h = strstr(p, "http");
		size_t scheme, len;

		if (!h)
			break;
		scheme = !strncmp(h, "https://", 8) ? 8 : !strncmp(h, "http://", 7) ? 7 : 0;
		/* a link starts a word: "xhttp://" is not one */
		if (!scheme || (h > text && !ends_link(h[-1]) && h[-1] != '(')) {
			p = h + 4;
			continue;
		}
		len = link_len(h);
		if (len <= scheme) {
			p = h + scheme;
			continue;
		}
		if (fn)
			fn(arg, count, h, len);
		count++;
		p = h + len;
	}
	return count;
}

static void mac_hex(const unsigned char key[SIGN_KEY_BYTES], const char *id, size_t n,
		    char out[MAC_HEX + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[MESSAGE_ID_MAX + 40];
	int len = snprintf(msg, sizeof(msg), "click:%s:%zu", id, n);
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, SIGN_KEY_BYTES);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, MAC_HEX + 1, mac, MAC_HEX / 2);
	sodium_memzero(&st, sizeof(st));
}

int click_token(struct fu_ctx *ctx, struct store *s, const char *id, size_t n,
		char out[CLICK_TOKEN_MAX])
{
	unsigned char key[SIGN_KEY_BYTES];
	char mac[MAC_HEX + 1];
	int64_t contact;
	int rc;

	if (strlen(id) >= MESSAGE_ID_MAX || message_identity_parse(id, &contact))
		return fu_err(ctx, FU_EINTERNAL, "click: '%.60s' is not a message identity", id);
	rc = sign_key_get(ctx, s, KEY_NAME, 1, key);
	if (rc)
		return rc;
	mac_hex(key, id, n, mac);
	sodium_memzero(key, sizeof(key));
	snprintf(out, CLICK_TOKEN_MAX, "%s-%zu-%s", id, n, mac);
	return FU_OK;
}

struct rewrite {
	struct fu_ctx *ctx;
	struct store *s;
	const char *base, *id, *text;
	struct buf *out;
	size_t done; /* bytes of text copied so far */
	int rc;
};

static void rewrite_one(void *arg, size_t n, const char *start, size_t len)
{
	struct rewrite *w = arg;
	char token[CLICK_TOKEN_MAX];
	size_t at = (size_t)(start - w->text), base = strlen(w->base);

	if (w->rc || n >= CLICK_LINKS_MAX)
		return;
	while (base > 0 && w->base[base - 1] == '/')
		base--;
	w->rc = buf_add(w->ctx, w->out, w->text + w->done, at - w->done);
	if (!w->rc)
		w->rc = click_token(w->ctx, w->s, w->id, n, token);
	if (!w->rc)
		w->rc = buf_addf(w->ctx, w->out, "%.*s/c/%s", (int)base, w->base, token);
	w->done = at + len;
}

int click_rewrite(struct fu_ctx *ctx, struct store *s, const char *base_url, const char *id,
		  const char *text, struct buf *out)
{
	struct rewrite w = { ctx, s, base_url, id, text, out, 0, FU_OK };

	click_links(text, rewrite_one, &w);
	if (w.rc)
		return w.rc;
	return buf_adds(ctx, out, text + w.done);
}

/* The text of message id as it was sent (its attempt's payload), malloced, or NULL. */
struct sent_text {
	char *text;
	int rc;
};

static int find_text(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct sent_text *t = arg;
	json_t *j;

	if (t->text || message_outcome_of(e->outcome) != MSG_ATTEMPT || !e->note)
		return FU_OK;
	j = json_loads(e->note, 0, NULL);
	if (j && json_string_value(json_object_get(j, "text"))) {
		t->text = strdup(json_string_value(json_object_get(j, "text")));
		if (!t->text)
			t->rc = fu_err(ctx, FU_ENOMEM, "out of memory reading a message");
	}
	json_decref(j);
	return t->rc;
}

struct nth {
	size_t want;
	const char *start;
	size_t len;
};

static void nth_link(void *arg, size_t n, const char *start, size_t len)
{
	struct nth *x = arg;

	if (n == x->want) {
		x->start = start;
		x->len = len;
	}
}

/* Splits "<identity>-<n>-<mac>" and checks the signature. */
static int check_token(struct fu_ctx *ctx, struct store *s, const char *token,
		       char id[MESSAGE_ID_MAX], size_t *n, int64_t *contact)
{
	unsigned char key[SIGN_KEY_BYTES];
	char mac[MAC_HEX + 1];
	const char *dash = strrchr(token, '-'), *num;
	char *end;
	unsigned long v;
	int rc;

	if (!dash || strlen(dash + 1) != MAC_HEX || dash == token)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	for (num = dash - 1; num > token && num[-1] != '-'; num--)
		;
	if (num == token || num[0] < '0' || num[0] > '9' || (size_t)(num - 1 - token) >= MESSAGE_ID_MAX)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	v = strtoul(num, &end, 10);
	if (end != dash || v >= CLICK_LINKS_MAX)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	memcpy(id, token, (size_t)(num - 1 - token));
	id[num - 1 - token] = '\0';
	if (message_identity_parse(id, contact))
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	rc = sign_key_get(ctx, s, KEY_NAME, 0, key);
	if (rc == FU_ENOTFOUND)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	if (rc)
		return rc;
	mac_hex(key, id, v, mac);
	sodium_memzero(key, sizeof(key));
	if (sodium_memcmp(mac, dash + 1, MAC_HEX) != 0)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	*n = v;
	return FU_OK;
}

/*
 * The message, link and contact of token: *url (malloced) the link, id the message, c the
 * contact (filled; the caller releases it). FU_EINPUT for a token that is not valid here.
 */
static int click_find(struct fu_ctx *ctx, struct store *s, const char *token,
		      char id[MESSAGE_ID_MAX], size_t *n, struct contact *c, char **url)
{
	struct sent_text sent = { NULL, FU_OK };
	struct nth link = { 0, NULL, 0 };
	int64_t contact;
	int rc;

	*url = NULL;
	if (strlen(token) >= CLICK_TOKEN_MAX)
		return fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	rc = check_token(ctx, s, token, id, &link.want, &contact);
	if (!rc)
		rc = store_messages_of(ctx, s, id, find_text, &sent);
	if (!rc && sent.text)
		click_links(sent.text, nth_link, &link);
	if (!rc && !link.start)
		rc = fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	if (!rc)
		rc = store_contact_get_id(ctx, s, contact, c);
	if (rc == FU_ENOTFOUND)
		rc = fu_err(ctx, FU_EINPUT, "click: the link is not valid");
	if (!rc) {
		*url = strndup(link.start, link.len);
		if (!*url)
			rc = fu_err(ctx, FU_ENOMEM, "out of memory following a link");
	}
	*n = link.want;
	free(sent.text);
	return rc;
}

int click_peek(struct fu_ctx *ctx, struct store *s, const char *token, char **url)
{
	char id[MESSAGE_ID_MAX];
	struct contact c;
	size_t n;
	int rc;

	contact_init(&c);
	rc = click_find(ctx, s, token, id, &n, &c, url);
	contact_release(&c);
	if (rc) {
		free(*url);
		*url = NULL;
	}
	return rc;
}

int click_follow(struct fu_ctx *ctx, struct store *s, const char *token, int64_t now,
		 char **url, struct record_result *r)
{
	char id[MESSAGE_ID_MAX], ext[MESSAGE_ID_MAX + 64];
	struct event_text t;
	struct contact c;
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	contact_init(&c);
	rc = click_find(ctx, s, token, id, &n, &c, url);
	if (!rc) {
		/* one event per message, link and minute: a double click is a duplicate */
		memset(&t, 0, sizeof(t));
		snprintf(ext, sizeof(ext), "click-%s-%zu-%lld", id, n, (long long)(now / 60));
		t.id = ext;
		t.type = "email_click";
		t.contact = c.key;
		t.channel = "email";
		t.ref = id;
		t.note = *url;
		rc = record_event(ctx, s, &t, now, r);
	}
	contact_release(&c);
	if (rc) {
		free(*url);
		*url = NULL;
	}
	return rc;
}
