/* webhook.h - messages POSTed as JSON to a business's own service, signed, with an idempotency key */
#ifndef FU_WEBHOOK_H
#define FU_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "sendconf.h"

/*
 * The signature header: "Followup-Signature: t=TIMESTAMP,v1=HEX", where HEX is the
 * HMAC-SHA256 (key: the webhook secret) of "TIMESTAMP.BODY", as a receiver recomputes it;
 * it should refuse a timestamp more than a few minutes old. Writes 64 hex digits and a NUL.
 */
#define WEBHOOK_SIG_HEX 65
void webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t len,
		  char out[WEBHOOK_SIG_HEX]);

struct webhook;

/*
 * A poster for conf's webhook_url and webhook_secret (both needed: FU_EINPUT otherwise).
 * *out is freed with webhook_close() (which accepts NULL).
 */
int webhook_open(struct fu_ctx *ctx, const struct sendconf *conf, struct webhook **out);
void webhook_close(struct webhook *w);

/*
 * POSTs body (JSON) signed at `now`, with "Idempotency-Key: key". *result is an
 * enum smtp_result (smtp.h): 2xx sent; 408, 429, 5xx or no connection temporary; another 4xx
 * rejected; the connection lost after the body went out unknown. why gets the status or the
 * trouble. Fails only on out-of-memory.
 */
int webhook_post(struct fu_ctx *ctx, struct webhook *w, const char *key, const char *body,
		 size_t len, int64_t now, int *result, char *why, size_t whylen);

#endif
