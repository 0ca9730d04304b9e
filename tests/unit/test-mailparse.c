/* test-mailparse.c - received mail read as it comes: replies, quoted history, encodings, autoreplies, DSNs */
#include "mailparse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derive.h"
#include "message.h"
#include "receive.h"
#include "record.h"
#include "store_fixture.h"

#include "banned.h"

/* Parses a message written with "\n" lines, as mail servers often store it. */
static void parse(const char *raw, struct mail_parsed *m)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	assert_int_equal(mail_parse(&ctx, raw, strlen(raw), 0, m), FU_OK);
}

/* The same message with CRLF line ends, as IMAP hands it over. */
static char *crlf(const char *s)
{
	char *d = malloc(strlen(s) * 2 + 1), *p = d;

	assert_non_null(d);
	for (; *s; s++) {
		if (*s == '\n')
			*p++ = '\r';
		*p++ = *s;
	}
	*p = 0;
	return d;
}

static const char gmail_reply[] =
	"Return-Path: <sam.smith@gmail.example>\n"
	"Received: from mail-lf1.google.example (mail-lf1.google.example [203.0.113.5])\n"
	"\tby mx.northwind.example with ESMTPS id 4Fz; Wed, 25 Nov 2026 10:31:02 +0000\n"
	"MIME-Version: 1.0\n"
	"References: <fu.c12-3f0a9d1e5b7c2a44@northwind.example>\n"
	"In-Reply-To: <fu.c12-3f0a9d1e5b7c2a44@northwind.example>\n"
	"From: Sam Smith <sam.smith@gmail.example>\n"
	"Date: Wed, 25 Nov 2026 11:30:47 +0100\n"
	"Message-ID: <CAJx1=abc123@mail.gmail.example>\n"
	"Subject: Re: Thank you for getting in touch\n"
	"To: \"ana at Northwind Supplies\" <hello@northwind.example>\n"
	"Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\n"
	"\n"
	"--000000000000a1b2c3\n"
	"Content-Type: text/plain; charset=\"UTF-8\"\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Hi Ana,\n"
	"\n"
	"Yes please =E2=80=93 send the price list. We would need about 40 units, deliver=\n"
	"ed by Friday.\n"
	"> I think you meant 40, not 14?\n"
	"Right, 40.\n"
	"\n"
	"Thanks,\n"
	"Sam\n"
	"\n"
	"On Wed, 25 Nov 2026 at 10:00, ana at Northwind Supplies <\n"
	"hello@northwind.example> wrote:\n"
	"\n"
	"> Hi Sam,\n"
	">\n"
	"> Thank you for getting in touch.\n"
	"\n"
	"--000000000000a1b2c3\n"
	"Content-Type: text/html; charset=\"UTF-8\"\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"<div dir=3D\"ltr\">Hi Ana, (the HTML copy)</div>\n"
	"--000000000000a1b2c3--\n";

static void test_reply_with_quoted_history(void **state)
{
	struct mail_parsed m;
	char *raw = crlf(gmail_reply);

	(void)state;
	parse(raw, &m);
	assert_int_equal(m.kind, MAIL_PERSONAL);
	assert_string_equal(m.from, "sam.smith@gmail.example");
	assert_string_equal(m.message_id, "CAJx1=abc123@mail.gmail.example");
	assert_int_equal(m.nrefs, 1); /* In-Reply-To and References name the same one */
	assert_string_equal(m.refs[0], "fu.c12-3f0a9d1e5b7c2a44@northwind.example");
	assert_string_equal(m.subject, "Re: Thank you for getting in touch");
	/* 11:30:47 +0100 is 10:30:47 UTC */
	assert_int_equal(m.date, (int64_t)1795602647);
	/* the plain part, decoded, the quoted line and the attribution with all after it gone */
	assert_string_equal(m.text, "Hi Ana,\n\nYes please \xe2\x80\x93 send the price list. We "
				    "would need about 40 units, delivered by Friday.\nRight, "
				    "40.\n\nThanks,\nSam");
	assert_int_equal(m.truncated, 0);
	mail_parsed_release(&m);
	free(raw);
}

static void test_outlook_history_and_signature(void **state)
{
	struct mail_parsed m;

	(void)state;
	parse("From: cy@example.com\n"
	      "Subject: RE: your invoice\n"
	      "Content-Type: text/plain; charset=windows-1252\n"
	      "Content-Transfer-Encoding: quoted-printable\n"
	      "\n"
	      "We paid it yesterday =96 please check.\n"
	      "\n"
	      "-- \n"
	      "Cy Direct, Direct Ltd\n"
	      "________________________________\n"
	      "From: Northwind <hello@northwind.example>\n"
	      "Sent: Tuesday, 24 November 2026 09:00\n"
	      "Subject: A reminder about your invoice\n",
	      &m);
	assert_string_equal(m.text, "We paid it yesterday \xe2\x80\x93 please check.");
	assert_int_equal(m.charset_unknown, 0);
	mail_parsed_release(&m);
	parse("From: cy@example.com\n"
	      "\n"
	      "Fine by me.\n"
	      "\n"
	      "-----Original Message-----\n"
	      "From: ana\n",
	      &m);
	assert_string_equal(m.text, "Fine by me.");
	mail_parsed_release(&m);
}

static void test_base64_latin1_and_encoded_subject(void **state)
{
	struct mail_parsed m;

	(void)state;
	/* "Grüße aus München\n" in ISO-8859-1, base64 */
	parse("From: =?ISO-8859-1?Q?J=FCrgen?= <juergen@example.de>\n"
	      "Subject: =?UTF-8?B?QmVzdGVsbHVuZw==?= =?ISO-8859-1?Q?_f=FCr_M=E4rz?=\n"
	      "Message-ID: <x1@example.de>\n"
	      "Content-Type: text/plain; charset=iso-8859-1\n"
	      "Content-Transfer-Encoding: base64\n"
	      "\n"
	      "R3L832UgYXVzIE38bmNoZW4K\n",
	      &m);
	assert_string_equal(m.from, "juergen@example.de");
	assert_string_equal(m.subject, "Bestellung f\xc3\xbcr M\xc3\xa4rz");
	assert_string_equal(m.text, "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen");
	mail_parsed_release(&m);
	/* a charset nobody knows: its bytes replaced, and said so */
	parse("From: a@example.com\nContent-Type: text/plain; charset=x-unknown-7\n\nok \xff!\n",
	      &m);
	assert_int_equal(m.charset_unknown, 1);
	assert_string_equal(m.text, "ok \xef\xbf\xbd!");
	mail_parsed_release(&m);
}

static void test_html_only(void **state)
{
	struct mail_parsed m;

	(void)state;
	parse("From: a@example.com\n"
	      "Content-Type: text/html; charset=utf-8\n"
	      "\n"
	      "<html><head><style>p {color: red}</style></head><body>"
	      "<p>Tom &amp; Jerry&nbsp;say hi</p><div>second line</div>"
	      "<blockquote>old quoted text</blockquote></body></html>\n",
	      &m);
	assert_string_equal(m.text, "Tom & Jerry say hi\nsecond line");
	mail_parsed_release(&m);
}

static void test_automatic_answers(void **state)
{
	static const char *const cases[] = {
		"From: al@example.com\nAuto-Submitted: auto-replied (vacation)\nSubject: Re: hi\n\nAway.\n",
		"From: al@example.com\nX-Autoreply: yes\nSubject: Re: hi\n\nAway.\n",
		"From: al@example.com\nPrecedence: auto_reply\nSubject: Re: hi\n\nAway.\n",
		"From: al@example.com\nSubject: Automatic reply: Thank you\n\nAway until Monday.\n",
		"From: al@example.com\nSubject: Out of Office: Thank you\n\nAway.\n",
	};
	struct mail_parsed m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse(cases[i], &m);
		if (m.kind != MAIL_AUTOMATIC)
			print_error("case %zu was not seen as automatic\n", i);
		assert_int_equal(m.kind, MAIL_AUTOMATIC);
		assert_true(m.auto_why[0] != 0);
		mail_parsed_release(&m);
	}
	/* "no" is a person's message */
	parse("From: al@example.com\nAuto-Submitted: no\nSubject: Re: hi\n\nYes.\n", &m);
	assert_int_equal(m.kind, MAIL_PERSONAL);
	mail_parsed_release(&m);
}

static const char postfix_dsn[] =
	"Return-Path: <>\n"
	"From: MAILER-DAEMON@mx.example (Mail Delivery System)\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"To: hello@northwind.example\n"
	"Auto-Submitted: auto-replied\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"8C0A21234.1764064922/mx.example\"\n"
	"Message-Id: <20261125095202.8C0A21234@mx.example>\n"
	"Date: Wed, 25 Nov 2026 09:52:02 +0000 (UTC)\n"
	"\n"
	"This is a MIME-encapsulated message.\n"
	"\n"
	"--8C0A21234.1764064922/mx.example\n"
	"Content-Description: Notification\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n"
	"I'm sorry to have to inform you that your message could not\n"
	"be delivered to one or more recipients.\n"
	"\n"
	"--8C0A21234.1764064922/mx.example\n"
	"Content-Description: Delivery report\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example\n"
	"X-Postfix-Queue-ID: 8C0A21234\n"
	"Arrival-Date: Wed, 25 Nov 2026 09:52:01 +0000 (UTC)\n"
	"\n"
	"Final-Recipient: rfc822; ok@example.com\n"
	"Action: delayed\n"
	"Status: 4.4.1\n"
	"\n"
	"Final-Recipient: rfc822; bo@example.com\n"
	"Original-Recipient: rfc822;bo@example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mail.example.com\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <bo@example.com>: Recipient address\n"
	"    rejected: User unknown in virtual mailbox table\n"
	"\n"
	"--8C0A21234.1764064922/mx.example\n"
	"Content-Description: Undelivered Message\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: ben at Northwind Supplies <hello@northwind.example>\n"
	"To: Bo Bounce <bo@example.com>\n"
	"Subject: Thank you for getting in touch\n"
	"Message-ID: <fu.c3-e14b148fe6ab820d@northwind.example>\n"
	"\n"
	"Hi Bo,\n"
	"\n"
	"--8C0A21234.1764064922/mx.example--\n";

static void test_delivery_status_notification(void **state)
{
	struct mail_parsed m;

	(void)state;
	parse(postfix_dsn, &m);
	assert_int_equal(m.kind, MAIL_DSN);
	/* the failed recipient, not the delayed one before it */
	assert_string_equal(m.dsn.action, "failed");
	assert_string_equal(m.dsn.recipient, "bo@example.com");
	assert_string_equal(m.dsn.status, "5.1.1");
	assert_string_equal(m.dsn.diagnostic, "550 5.1.1 <bo@example.com>: Recipient address "
					      "rejected: User unknown in virtual mailbox table");
	assert_string_equal(m.dsn.original_id, "fu.c3-e14b148fe6ab820d@northwind.example");
	assert_string_equal(m.from, "MAILER-DAEMON@mx.example"); /* the comment dropped */
	mail_parsed_release(&m);
}

static void test_limits_and_garbage(void **state)
{
	struct mail_parsed m;
	struct fu_ctx ctx;
	size_t n = 3 * MAIL_TEXT_MAX;
	char *big = malloc(n + 64);
	const char junk[] = "\x01\x02: \n\n\x80\xff\x00 x";

	(void)state;
	assert_non_null(big);
	memcpy(big, "From: a@example.com\n\n", 21);
	for (size_t i = 21; i < n; i++)
		big[i] = (i % 50) ? "\xc3\xa9"[i % 2] : '\n'; /* é, é, ... cut anywhere */
	big[n] = 0;
	parse(big, &m);
	assert_true(strlen(m.text) <= MAIL_TEXT_MAX);
	assert_int_equal(m.truncated, 1);
	assert_non_null(strstr(m.text, " [...]"));
	mail_parsed_release(&m);
	free(big);
	/* anything at all is read, never refused */
	fu_ctx_init(&ctx);
	assert_int_equal(mail_parse(&ctx, junk, sizeof(junk) - 1, 1, &m), FU_OK);
	assert_int_equal(m.truncated, 1);
	for (const char *p = m.text; *p; p++)
		assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
	mail_parsed_release(&m);
	/* an unterminated multipart and a missing boundary */
	parse("Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nhalf",
	      &m);
	assert_string_equal(m.text, "half");
	mail_parsed_release(&m);
	parse("Content-Type: multipart/mixed\n\n--zz\n\nlost\n", &m);
	assert_string_equal(m.text, "");
	mail_parsed_release(&m);
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(mail_parse_date("Wed, 25 Nov 2026 09:00:00 +0000"), (int64_t)1795597200);
	assert_int_equal(mail_parse_date("25 Nov 2026 04:00:00 -0500"), (int64_t)1795597200);
	assert_int_equal(mail_parse_date("Wed, 25 Nov 26 01:00 PST"), (int64_t)1795597200);
	assert_int_equal(mail_parse_date("Wed, 25 Nov 2026 09:00:00 GMT (UTC)"), (int64_t)1795597200);
	assert_true(mail_parse_date("yesterday") == FU_TIME_NONE);
	assert_true(mail_parse_date("31 Feb 2026 10:00 +0000") == FU_TIME_NONE);
}

/* ---- receive_message on a store: who it is about, what it records, and only once ---- */

static void add_contact(struct fixture *fx, const char *key, const char *email)
{
	struct contact c;

	contact_init(&c);
	c.key = (char *)key;
	c.email = (char *)email;
	c.tz = (char *)"Europe/London";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
}

static int count_type(struct fixture *fx, int type)
{
	int64_t counts[EV__COUNT];

	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	return (int)counts[type];
}

static void test_receive_message(void **state)
{
	struct fixture *fx = *state;
	struct receive_item it;
	struct sendconf conf;
	char raw[2048], id[MESSAGE_ID_MAX];
	int64_t now = 1795600800; /* 2026-11-25T10:00:00Z */

	sendconf_init(&conf);
	conf.from = (char *)"hello@northwind.example";
	add_contact(fx, "S1", "sam@example.com");
	add_contact(fx, "B1", "bo@example.com");
	/* a message the outbox sent to B1 (contact id 2) */
	message_identity(2, "new_lead", "welcome", 1795596600, id);
	{
		struct event_text t = { 0 };
		struct record_result r;
		char ext[80];

		snprintf(ext, sizeof(ext), "%s/sent/1", id);
		t.id = ext;
		t.type = "message";
		t.contact = "B1";
		t.time = "2026-11-25T09:00:00Z";
		t.ref = id;
		t.channel = "email";
		t.outcome = "sent";
		OK(fx, record_event(&fx->ctx, fx->s, &t, now, &r));
	}
	/* a reply from the contact's address */
	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, receive_message(&fx->ctx, fx->s, &conf, now, "mb", 7, 1, gmail_reply,
			       strlen(gmail_reply), 0, 0, &it));
	OK(fx, store_commit(&fx->ctx, fx->s));
	/* not from sam@example.com, and c12 is no message of ours: nobody */
	assert_int_equal(it.verdict, RV_UNKNOWN);
	snprintf(raw, sizeof(raw), "From: Sam <SAM@example.com>\nMessage-ID: <r1@x>\n"
		 "Date: Wed, 25 Nov 2026 09:30:00 +0000\n\nYes please.\n");
	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, receive_message(&fx->ctx, fx->s, &conf, now, "mb", 7, 2, raw, strlen(raw), 0, 0, &it));
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(it.verdict, RV_REPLY);
	assert_string_equal(it.contact, "S1");
	assert_int_equal(count_type(fx, EV_REPLY), 1);
	/* the same message again (a crash before its UID was remembered): nothing more */
	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, receive_message(&fx->ctx, fx->s, &conf, now, "mb", 7, 9, raw, strlen(raw), 0, 0, &it));
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(it.verdict, RV_ALREADY);
	assert_int_equal(count_type(fx, EV_REPLY), 1);
	/* the DSN of the message to B1: a bounce of the address and of the message */
	{
		char *dsn = strdup(postfix_dsn), *p = strstr(dsn, "fu.c3-e14b148fe6ab820d");

		assert_non_null(p);
		memcpy(p + 3, id, strlen(id)); /* same length: c2-<16 hex> is as long as c3-... */
		OK(fx, store_begin(&fx->ctx, fx->s));
		OK(fx, receive_message(&fx->ctx, fx->s, &conf, now, "mb", 7, 3, dsn, strlen(dsn), 0,
				       0, &it));
		OK(fx, store_commit(&fx->ctx, fx->s));
		free(dsn);
	}
	assert_int_equal(it.verdict, RV_BOUNCE);
	assert_string_equal(it.contact, "B1");
	assert_int_equal(count_type(fx, EV_BOUNCE), 1);
	assert_int_equal(count_type(fx, EV_MESSAGE), 2);
	/* our own copy is left alone */
	snprintf(raw, sizeof(raw), "From: hello@northwind.example\nTo: sam@example.com\n\nHi\n");
	OK(fx, receive_message(&fx->ctx, fx->s, &conf, now, "mb", 7, 4, raw, strlen(raw), 0, 1, &it));
	assert_int_equal(it.verdict, RV_OURS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_with_quoted_history),
		cmocka_unit_test(test_outlook_history_and_signature),
		cmocka_unit_test(test_base64_latin1_and_encoded_subject),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_automatic_answers),
		cmocka_unit_test(test_delivery_status_notification),
		cmocka_unit_test(test_limits_and_garbage),
		cmocka_unit_test(test_dates),
		cmocka_unit_test_setup_teardown(test_receive_message, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
