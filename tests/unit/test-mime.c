/* test-mime.c - messages as MIME text, message identities, and the private send settings */
#include "message.h"
#include "mime.h"
#include "mailtls.h"
#include "sendconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "banned.h"

static struct mail base(void)
{
	struct mail m;

	memset(&m, 0, sizeof(m));
	m.from_name = "Ana at Northwind";
	m.from_addr = "hello@northwind.example";
	m.to_name = "Sam Smith";
	m.to_addr = "sam@example.com";
	m.subject = "Thank you";
	m.text = "Hi Sam,\n\nsee you.\n";
	m.message_id = "fu.c1-0011223344556677@northwind.example";
	m.date = 1795597200; /* 2026-11-25 09:00:00 UTC, a Wednesday */
	return m;
}

static char *build(const struct mail *m, int *rc)
{
	struct fu_ctx ctx;
	struct buf b;

	fu_ctx_init(&ctx);
	buf_init(&b, 0);
	*rc = mime_build(&ctx, m, &b);
	if (*rc) {
		buf_release(&b);
		return strdup(ctx.msg);
	}
	return buf_detach(&b);
}

static void test_headers(void **state)
{
	struct mail m = base();
	int rc;
	char *s;

	(void)state;
	m.reply_to = "ana@northwind.example";
	m.automated = 1;
	s = build(&m, &rc);
	assert_int_equal(rc, FU_OK);
	assert_non_null(strstr(s, "From: Ana at Northwind <hello@northwind.example>\r\n"));
	assert_non_null(strstr(s, "To: Sam Smith <sam@example.com>\r\n"));
	assert_non_null(strstr(s, "Reply-To: ana@northwind.example\r\n"));
	assert_non_null(strstr(s, "Subject: Thank you\r\n"));
	assert_non_null(strstr(s, "Date: Wed, 25 Nov 2026 09:00:00 +0000\r\n"));
	assert_non_null(strstr(s, "Message-ID: <fu.c1-0011223344556677@northwind.example>\r\n"));
	assert_non_null(strstr(s, "Auto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: quoted-printable\r\n\r\nHi Sam,\r\n"));
	/* no unsubscribe headers on a message without a link (transactional) */
	assert_null(strstr(s, "List-Unsubscribe"));
	free(s);
}

static void test_utf8_and_specials(void **state)
{
	struct mail m = base();
	int rc;
	char *s;

	(void)state;
	m.to_name = "Zoë Ünal";
	m.from_name = "Smith, Jones \"and\" Co";
	m.subject = "Grüße";
	s = build(&m, &rc);
	assert_int_equal(rc, FU_OK);
	assert_non_null(strstr(s, "To: =?UTF-8?B?Wm/DqyDDnG5hbA==?= <sam@example.com>\r\n"));
	assert_non_null(strstr(s, "From: \"Smith, Jones \\\"and\\\" Co\" <hello@northwind.example>"));
	assert_non_null(strstr(s, "Subject: =?UTF-8?B?R3LDvMOfZQ==?="));
	free(s);
}

static void test_injection_refused(void **state)
{
	struct mail m;
	int rc;
	char *s;

	(void)state;
	m = base();
	m.subject = "hi\r\nBcc: victim@example.com";
	s = build(&m, &rc);
	assert_int_equal(rc, FU_EINPUT);
	assert_string_equal(s, "mail subject: line break in a header");
	free(s);
	m = base();
	m.to_name = "x\nBcc: y@example.com";
	s = build(&m, &rc);
	assert_int_equal(rc, FU_EINPUT);
	free(s);
	m = base();
	m.to_addr = "sam@example.com>, other@example.com";
	s = build(&m, &rc);
	assert_int_equal(rc, FU_EINPUT);
	assert_non_null(strstr(s, "mail to: "));
	free(s);
	assert_false(mime_addr_ok("no-at-sign"));
	assert_false(mime_addr_ok("a@b@c"));
	assert_false(mime_addr_ok("a b@c"));
	assert_true(mime_addr_ok("a.b+tag@c.example"));
}

static void test_quoted_printable(void **state)
{
	struct fu_ctx ctx;
	struct buf b;
	char line[200];

	(void)state;
	fu_ctx_init(&ctx);
	buf_init(&b, 0);
	assert_int_equal(mime_qp(&ctx, "a=b é\n.dot\nFrom here\ntrailing \n", &b), FU_OK);
	assert_string_equal(buf_cstr(&b),
			    "a=3Db =C3=A9\r\n=2Edot\r\n=46rom here\r\ntrailing=20\r\n");
	buf_reset(&b);
	/* long lines are broken softly, never past 76 characters */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	assert_int_equal(mime_qp(&ctx, line, &b), FU_OK);
	for (const char *p = buf_cstr(&b), *e; *p; p = e + 2) {
		e = strstr(p, "\r\n");
		if (!e)
			e = p + strlen(p) - 2;
		assert_true(e - p <= 76);
		if (!*e)
			break;
	}
	buf_release(&b);
}

static void test_unsubscribe_headers(void **state)
{
	struct mail m = base();
	int rc;
	char *s;

	(void)state;
	m.unsubscribe_url = "https://shop.example/u?t=abc";
	s = build(&m, &rc);
	assert_int_equal(rc, FU_OK);
	assert_non_null(strstr(s, "List-Unsubscribe: <https://shop.example/u?t=abc>\r\n"));
	assert_non_null(strstr(s, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	free(s);
}

static void test_identity(void **state)
{
	char a[MESSAGE_ID_MAX], b[MESSAGE_ID_MAX];
	int64_t id = 0;

	(void)state;
	message_identity(12, "new_lead", "auto reply", 1000, a);
	message_identity(12, "new_lead", "auto reply", 1000, b);
	assert_string_equal(a, b); /* stable */
	assert_int_equal(strncmp(a, "c12-", 4), 0);
	assert_int_equal(message_identity_parse(a, &id), 0);
	assert_int_equal(id, 12);
	/* each part makes a different message */
	message_identity(13, "new_lead", "auto reply", 1000, b);
	assert_string_not_equal(a, b);
	message_identity(12, "silence", "auto reply", 1000, b);
	assert_string_not_equal(a, b);
	message_identity(12, "new_lead", "auto reply 2", 1000, b);
	assert_string_not_equal(a, b);
	message_identity(12, "new_lead", "auto reply", 1001, b);
	assert_string_not_equal(a, b);
	assert_int_equal(message_identity_parse("c12-xyz", &id), -1);
	assert_int_equal(message_identity_parse("F12-3", &id), -1);
	assert_int_equal(message_outcome_felt(a, "sent"), 1);
	assert_int_equal(message_outcome_felt(a, "attempt"), 0);
	assert_int_equal(message_outcome_felt(a, NULL), 0);
	/* a personal message: its own identity; its touch counts, not its message events */
	message_identity_personal(12, "F12-40", b);
	assert_int_equal(strncmp(b, "p12-", 4), 0);
	assert_int_equal(message_is_personal(b), 1);
	assert_int_equal(message_is_personal(a), 0);
	assert_int_equal(message_identity_parse(b, &id), 0);
	assert_int_equal(id, 12);
	assert_int_equal(message_outcome_felt(b, "sent"), 0);
	message_identity_personal(12, "F12-41", a);
	assert_string_not_equal(a, b);
}

static void test_sendconf_private(void **state)
{
	char dir[] = "/tmp/fu-test-mime-XXXXXX", path[64];
	struct sendconf c;
	struct fu_ctx ctx;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/send.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# settings\nsmtp_url = smtp://mail.example:587\nsmtp_password = s3cret\n"
	      "from = hello@shop.example\nowner.ana = ana@shop.example\n", f);
	fclose(f);
	unsetenv("FOLLOWUP_SMTP_URL");
	unsetenv("FOLLOWUP_SMTP_PASSWORD");
	unsetenv("FOLLOWUP_MAIL_FROM");
	/* readable by others: refused */
	chmod(path, 0644);
	fu_ctx_init(&ctx);
	sendconf_init(&c);
	assert_int_equal(sendconf_load(&ctx, path, 1, &c), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "readable by others"));
	sendconf_release(&c);
	chmod(path, 0600);
	fu_ctx_init(&ctx);
	assert_int_equal(sendconf_load(&ctx, path, 1, &c), FU_OK);
	assert_string_equal(c.smtp_url, "smtp://mail.example:587");
	assert_string_equal(c.smtp_password, "s3cret");
	assert_string_equal(sendconf_owner_address(&c, "ana"), "ana@shop.example");
	assert_null(sendconf_owner_address(&c, "ben"));
	sendconf_release(&c);
	/* the environment wins key by key */
	setenv("FOLLOWUP_SMTP_URL", "smtps://other.example", 1);
	assert_int_equal(sendconf_load(&ctx, path, 1, &c), FU_OK);
	assert_string_equal(c.smtp_url, "smtps://other.example");
	assert_string_equal(c.from, "hello@shop.example");
	sendconf_release(&c);
	unsetenv("FOLLOWUP_SMTP_URL");
	/* unknown keys are errors, with the line */
	f = fopen(path, "a");
	fputs("smtp_pasword = typo\n", f);
	fclose(f);
	fu_ctx_init(&ctx);
	assert_int_equal(sendconf_load(&ctx, path, 1, &c), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, ":6: unknown key 'smtp_pasword'"));
	sendconf_release(&c);
	unlink(path);
	rmdir(dir);
}

/* The TLS policy of both mail connections: a password never goes where TLS is not required. */
static void test_mail_tls_policy(void **state)
{
	struct {
		const char *setting, *password;
		long mode;
	} cases[] = {
		{ NULL, NULL, CURLUSESSL_TRY },       { "try", "", CURLUSESSL_TRY },
		{ NULL, "pw", CURLUSESSL_ALL },       { "try", "pw", CURLUSESSL_ALL },
		{ "starttls", NULL, CURLUSESSL_ALL }, { "none", NULL, CURLUSESSL_NONE },
	};
	char why[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = mailtls_mode(cases[i].setting, cases[i].password);

		if (got != cases[i].mode)
			fail_msg("case %zu (tls %s, password %s): mode %ld, wanted %ld", i,
				 cases[i].setting ? cases[i].setting : "unset",
				 cases[i].password ? cases[i].password : "unset", got, cases[i].mode);
	}
	assert_int_equal(mailtls_trouble(CURLE_PEER_FAILED_VERIFICATION, "imap", "bad", why,
					 sizeof(why)), 1);
	assert_non_null(strstr(why, "imap_ca_file"));
	assert_int_equal(mailtls_trouble(CURLE_COULDNT_CONNECT, "imap", "x", why, sizeof(why)), 0);
}

/* imap_tls none with a password on imap:// is refused as smtp_tls is; imaps:// is fine. */
static void test_sendconf_clear_text(void **state)
{
	struct sendconf c;
	struct fu_ctx ctx;

	(void)state;
	setenv("FOLLOWUP_IMAP_URL", "imap://mail.example/INBOX", 1);
	setenv("FOLLOWUP_IMAP_PASSWORD", "pw", 1);
	setenv("FOLLOWUP_IMAP_TLS", "none", 1);
	fu_ctx_init(&ctx);
	sendconf_init(&c);
	assert_int_equal(sendconf_load(&ctx, NULL, 0, &c), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "imap_tls none with a password would send it in clear text"));
	sendconf_release(&c);
	setenv("FOLLOWUP_IMAP_URL", "imaps://mail.example/INBOX", 1);
	fu_ctx_init(&ctx);
	assert_int_equal(sendconf_load(&ctx, NULL, 0, &c), FU_OK);
	sendconf_release(&c);
	unsetenv("FOLLOWUP_IMAP_URL");
	unsetenv("FOLLOWUP_IMAP_PASSWORD");
	unsetenv("FOLLOWUP_IMAP_TLS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_utf8_and_specials),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_unsubscribe_headers),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_sendconf_private),
		cmocka_unit_test(test_mail_tls_policy),
		cmocka_unit_test(test_sendconf_clear_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
