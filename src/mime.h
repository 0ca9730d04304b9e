/* mime.h - an e-mail message as RFC 5322 / MIME text: UTF-8, quoted-printable, safe headers */
#ifndef FU_MIME_H
#define FU_MIME_H

#include <stdint.h>

#include "buf.h"
#include "fu.h"

/*
 * What one message says and to whom. Every string is UTF-8 and only read. Names may be
 * NULL; addresses are plain addr-specs ("ana@shop.example").
 */
struct mail {
	const char *from_name, *from_addr;
	const char *reply_to;          /* an address, or NULL */
	const char *to_name, *to_addr;
	const char *subject;
	const char *text;              /* the body, plain text with "\n" line ends */
	const char *message_id;        /* "local@domain", without the angle brackets */
	int64_t date;                  /* seconds since the epoch (written in UTC) */
	int automated;                 /* adds Auto-Submitted: auto-generated */
	const char *unsubscribe_url;   /* https link for RFC 8058 one-click, or NULL (transactional) */
	const char *unsubscribe_mailto; /* an address for the mailto: form, or NULL */
};

/*
 * Appends the message m to out: headers (non-ASCII words as RFC 2047 encoded words, line
 * breaks in any value refused), a text/plain UTF-8 body in quoted-printable, CRLF line ends.
 * FU_EINPUT names the bad field ("mail to: 'x' is not an address", "mail subject: line
 * break"); FU_ENOMEM. On failure out may hold part of the message.
 */
int mime_build(struct fu_ctx *ctx, const struct mail *m, struct buf *out);

/* Appends s as quoted-printable (lines of at most 76 characters, CRLF line ends). */
int mime_qp(struct fu_ctx *ctx, const char *s, struct buf *out);

/* 1 when s looks like one addr-spec we can put in a header: local@domain, printable ASCII. */
int mime_addr_ok(const char *s);

#endif
