/* mailparse.h - reading a received e-mail: headers, MIME parts, its words, and what kind of mail it is */
#ifndef FU_MAILPARSE_H
#define FU_MAILPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"

/* Limits on what one message can make us hold. */
#define MAIL_RAW_MAX (1 << 20)    /* bytes of a message read; the rest is cut (`truncated`) */
#define MAIL_TEXT_MAX 2000        /* bytes of words kept from a message (UTF-8, cut on a character) */
#define MAIL_REFS_MAX 64          /* message ids kept from In-Reply-To and References */
#define MAIL_HEADERS_MAX 400      /* header fields read; more are ignored */
#define MAIL_PARTS_MAX 100        /* MIME parts looked at */
#define MAIL_DEPTH_MAX 8          /* multipart nesting followed */

enum mail_kind {
	MAIL_PERSONAL,  /* written by a person (as far as the headers tell) */
	MAIL_AUTOMATIC, /* an automatic answer: out of office, an autoresponder, bulk */
	MAIL_DSN        /* a delivery status notification (multipart/report; delivery-status) */
};

/* What a delivery status notification says about its first recipient. */
struct mail_dsn {
	char *recipient;   /* Final-Recipient (else Original-Recipient) address, or NULL */
	char *action;      /* failed, delayed, delivered, relayed, expanded (lowercase), or NULL */
	char *status;      /* "5.1.1", or NULL */
	char *diagnostic;  /* Diagnostic-Code, or NULL */
	char *original_id; /* the Message-ID of the returned message (without <>), or NULL */
};

/*
 * One message as read. Every string is malloced UTF-8 without control characters (but
 * "\n" and "\t" in text) and freed by mail_parsed_release(); NULL when absent.
 */
struct mail_parsed {
	char *from;          /* the sender's address (addr-spec of From), or NULL */
	char *message_id;    /* without <> */
	char *refs[MAIL_REFS_MAX]; /* In-Reply-To's ids, then References', without <>, no repeats */
	int nrefs;
	char *subject;       /* encoded words decoded */
	int64_t date;        /* the Date header, or FU_TIME_NONE */
	int kind;            /* enum mail_kind */
	char auto_why[96];   /* for MAIL_AUTOMATIC: the header that says so ("Auto-Submitted: auto-replied") */
	struct mail_dsn dsn; /* for MAIL_DSN */
	char *text;          /* the words: the text/plain part (else the HTML's text), decoded,
			      * quoted history trimmed, at most MAIL_TEXT_MAX bytes; "" when none */
	int truncated;       /* the message (input_cut) or its words were cut */
	int charset_unknown; /* the words came in a charset we could not convert: bytes replaced */
};

void mail_parsed_init(struct mail_parsed *m);
void mail_parsed_release(struct mail_parsed *m);

/*
 * Reads the message raw[0..len) (CRLF or LF lines; need not be NUL-terminated) into *m
 * (mail_parsed_init()ed here). input_cut says raw is the first part of a longer message.
 * Anything malformed is read as well as it can be, never refused: fails only with FU_ENOMEM.
 */
int mail_parse(struct fu_ctx *ctx, const char *raw, size_t len, int input_cut,
	       struct mail_parsed *m);

/*
 * The person's own words of a reply in text (UTF-8, "\n" lines), rewritten in place: quoted
 * lines ("> ...") dropped, and everything from an attribution ("On ... wrote:"), an
 * "-----Original Message-----" block, an Outlook header block or a signature ("-- ") on
 * cut; blank lines at both ends removed and runs of them kept to one.
 */
void mail_trim_quoted(char *text);

/*
 * Decodes quoted-printable (soft line breaks, =XX) or base64 (whitespace and junk ignored)
 * from in[0..n) into a malloced *out of *outlen bytes (NUL-terminated). FU_ENOMEM only.
 */
int mail_decode_qp(struct fu_ctx *ctx, const char *in, size_t n, char **out, size_t *outlen);
int mail_decode_base64(struct fu_ctx *ctx, const char *in, size_t n, char **out, size_t *outlen);

/* The value of a hexadecimal digit, or -1. */
int mail_hexval(int c);

/* The UTC time of an RFC 5322 date ("Wed, 25 Nov 2026 09:00:00 +0100"); FU_TIME_NONE if unreadable. */
int64_t mail_parse_date(const char *s);

#endif
