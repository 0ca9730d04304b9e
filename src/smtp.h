/* smtp.h - handing messages to an SMTP server with libcurl, one connection for many messages */
#ifndef FU_SMTP_H
#define FU_SMTP_H

#include <stddef.h>

#include "fu.h"
#include "sendconf.h"

/* What became of one message. */
enum smtp_result {
	SMTP_SENT,      /* the server took it (250 after the data) */
	SMTP_TEMPORARY, /* try again later: a 4xx, a refused or broken connection before the data ended */
	SMTP_BOUNCE,    /* a 5xx on the recipient: the address is no good */
	SMTP_REJECTED,  /* a 5xx on anything else (the sender, the content): will not go as it is */
	SMTP_UNKNOWN,   /* the connection broke after the whole message was sent: it may have gone */
	SMTP_SETTINGS   /* the settings are wrong (login refused, a certificate not trusted, TLS
			   required and not offered): goes again like SMTP_TEMPORARY once they are
			   put right, and the pass stops */
};

struct smtp;

/*
 * A sender for conf's smtp_url, user, password and smtp_tls. Connects lazily and keeps the
 * connection for the next message. *out is freed with smtp_close() (which accepts NULL).
 * FU_EINPUT when no smtp_url is set; FU_ENOMEM.
 */
int smtp_open(struct fu_ctx *ctx, const struct sendconf *conf, struct smtp **out);
void smtp_close(struct smtp *s);

/*
 * Sends msg (len bytes, CRLF lines, a complete message) from `from` to `to` and says what
 * became of it in *result, with the server's words (or the connection's trouble) in why
 * (at most whylen bytes, NUL-terminated). Fails only on out-of-memory.
 */
int smtp_send(struct fu_ctx *ctx, struct smtp *s, const char *from, const char *to,
	      const char *msg, size_t len, int *result, char *why, size_t whylen);

#endif
