/* webhook.c - signed JSON POSTs through libcurl (HMAC-SHA256 with libsodium) */
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "smtp.h"

#include "banned.h"

struct webhook {
	CURL *curl;
	char *url, *secret;
};

void webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t len,
		  char out[WEBHOOK_SIG_HEX])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char ts[32];

	snprintf(ts, sizeof(ts), "%lld.", (long long)timestamp);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, WEBHOOK_SIG_HEX, mac, sizeof(mac));
}

int webhook_open(struct fu_ctx *ctx, const struct sendconf *conf, struct webhook **out)
{
	struct webhook *w;

	*out = NULL;
	if (!conf->webhook_url || !*conf->webhook_url)
		return fu_err(ctx, FU_EINPUT,
			      "send settings: no webhook_url (set it in the send settings file or "
			      "$FOLLOWUP_WEBHOOK_URL)");
	if (!conf->webhook_secret || strlen(conf->webhook_secret) < 16)
		return fu_err(ctx, FU_EINPUT,
			      "send settings: webhook_secret missing or shorter than 16 characters");
	if (strncmp(conf->webhook_url, "https://", 8) && strncmp(conf->webhook_url, "http://", 7))
		return fu_err(ctx, FU_EINPUT, "send settings: webhook_url must be http(s)://");
	w = calloc(1, sizeof(*w));
	if (!w)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening the webhook");
	w->url = strdup(conf->webhook_url);
	w->secret = strdup(conf->webhook_secret);
	w->curl = w->url && w->secret ? curl_easy_init() : NULL;
	if (!w->curl) {
		webhook_close(w);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening the webhook");
	}
	*out = w;
	return FU_OK;
}

void webhook_close(struct webhook *w)
{
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	free(w->url);
	if (w->secret) {
		sodium_memzero(w->secret, strlen(w->secret));
		free(w->secret);
	}
	free(w);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int webhook_post(struct fu_ctx *ctx, struct webhook *w, const char *key, const char *body,
		 size_t len, int64_t now, int *result, char *why, size_t whylen)
{
	struct curl_slist *h = NULL, *n;
	char sig[WEBHOOK_SIG_HEX], line[512], err[CURL_ERROR_SIZE] = "";
	curl_off_t sent = 0;
	long code = 0;
	CURLcode res;

	webhook_sign(w->secret, now, body, len, sig);
	h = curl_slist_append(NULL, "Content-Type: application/json");
	snprintf(line, sizeof(line), "Followup-Signature: t=%lld,v1=%s", (long long)now, sig);
	n = h ? curl_slist_append(h, line) : NULL;
	snprintf(line, sizeof(line), "Idempotency-Key: %s", key);
	if (n)
		n = curl_slist_append(n, line);
	if (!n) {
		curl_slist_free_all(h);
		return fu_err(ctx, FU_ENOMEM, "out of memory posting a webhook");
	}
	curl_easy_reset(w->curl);
	curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	res = curl_easy_perform(w->curl);
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(w->curl, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	if (res != CURLE_OK) {
		/* the whole body went and no answer came: it may have been taken */
		*result = sent >= (curl_off_t)len && code == 0 && len > 0 ? SMTP_UNKNOWN :
									     SMTP_TEMPORARY;
		snprintf(why, whylen, "%s", err[0] ? err : curl_easy_strerror(res));
		return FU_OK;
	}
	snprintf(why, whylen, "HTTP %ld", code);
	if (code >= 200 && code < 300)
		*result = SMTP_SENT;
	else if (code == 408 || code == 429 || code >= 500)
		*result = SMTP_TEMPORARY;
	else
		*result = SMTP_REJECTED;
	return FU_OK;
}
