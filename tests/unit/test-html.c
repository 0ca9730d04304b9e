/* test-html.c - the pages' HTML builder (server/html.c) and form reader (server/form.c) */
#include "html.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "form.h"

#include "banned.h"

/* Each data value comes out escaped: text and attributes share one escaping. */
static void test_text_escaped(void **state)
{
	struct fu_ctx ctx;
	struct html h;

	(void)state;
	fu_ctx_init(&ctx);
	html_init(&h, &ctx);
	html_lit(&h, "<p title=\"");
	html_text(&h, "\" onmouseover='x' a=\"");
	html_lit(&h, "\">");
	html_text(&h, "<script>alert(1)</script> & co");
	html_text(&h, NULL);
	html_textf(&h, " %d%s", 42, "<b>");
	html_lit(&h, "</p>");
	assert_int_equal(h.rc, FU_OK);
	assert_string_equal(buf_cstr(&h.b),
			    "<p title=\"&quot; onmouseover=&#39;x&#39; a=&quot;\">&lt;script&gt;alert(1)"
			    "&lt;/script&gt; &amp; co 42&lt;b&gt;</p>");
	html_release(&h);
}

/* A NUL inside a value never reaches the page; a long formatted text is whole. */
static void test_nul_and_long(void **state)
{
	struct fu_ctx ctx;
	struct html h;
	char big[1000];

	(void)state;
	fu_ctx_init(&ctx);
	html_init(&h, &ctx);
	html_textn(&h, "a\0b<", 4);
	assert_string_equal(buf_cstr(&h.b), "a\xef\xbf\xbd" "b&lt;");
	memset(big, '&', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	html_textf(&h, "%s", big);
	assert_int_equal(h.rc, FU_OK);
	assert_int_equal(h.b.len, 9 + 5 * (sizeof(big) - 1));
	html_release(&h);
}

/* URL parts: only the unreserved characters and those kept stay; the rest are %XX. */
static void test_url(void **state)
{
	struct fu_ctx ctx;
	struct html h;

	(void)state;
	fu_ctx_init(&ctx);
	html_init(&h, &ctx);
	html_url(&h, "a b/c?d=e&f\"<'>é", NULL);
	html_lit(&h, "|");
	html_url(&h, "+1 (555) x@y.z", "+@");
	html_lit(&h, "|");
	html_url(&h, "/today?x", "/");
	assert_int_equal(h.rc, FU_OK);
	assert_string_equal(buf_cstr(&h.b), "a%20b%2Fc%3Fd%3De%26f%22%3C%27%3E%C3%A9|"
					    "+1%20%28555%29%20x@y.z|/today%3Fx");
	html_release(&h);
}

/* After the first failure (over the cap) nothing more is written and rc stays. */
static void test_sticky_failure(void **state)
{
	struct fu_ctx ctx;
	struct html h;

	(void)state;
	fu_ctx_init(&ctx);
	html_init(&h, &ctx);
	h.b.cap = 8;
	html_text(&h, "0123456789");
	assert_int_not_equal(h.rc, FU_OK);
	html_lit(&h, "x");
	assert_int_not_equal(h.rc, FU_OK);
	html_release(&h);
}

static void test_form_urlencoded(void **state)
{
	struct fu_ctx ctx;
	struct form f;
	const char body[] = "csrf=fu_a%2Bb&note=a+b%26c%3Cd%3E&empty=&bare&bad=%zz%4&note=second";

	(void)state;
	fu_ctx_init(&ctx);
	form_init(&f);
	assert_int_equal(form_parse(&ctx, "application/x-www-form-urlencoded; charset=UTF-8", body,
				    strlen(body), &f), FU_OK);
	assert_string_equal(form_get(&f, "csrf"), "fu_a+b");
	assert_string_equal(form_get(&f, "note"), "a b&c<d>"); /* the first of two */
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "bare"), "");
	assert_string_equal(form_get(&f, "bad"), "%zz%4");
	assert_null(form_get(&f, "missing"));
	form_release(&f);
	assert_int_equal(form_parse(&ctx, "text/plain", body, strlen(body), &f), FU_EINPUT);
	form_release(&f);
}

static void test_form_multipart(void **state)
{
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
		"Content-Type: text/csv\r\n\r\nk,v\r\n1,--XyZ-not-a-boundary\r\n\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n"
		"--XyZ--\r\n";
	struct fu_ctx ctx;
	struct form f;
	const struct form_field *file;

	(void)state;
	fu_ctx_init(&ctx);
	form_init(&f);
	assert_int_equal(form_parse(&ctx, "multipart/form-data; boundary=XyZ", body,
				    sizeof(body) - 1, &f), FU_OK);
	assert_string_equal(form_get(&f, "csrf"), "tok");
	file = form_field(&f, "file");
	assert_non_null(file);
	assert_string_equal(file->filename, "a.csv");
	assert_int_equal(file->len, strlen("k,v\r\n1,--XyZ-not-a-boundary\r\n"));
	assert_memory_equal(file->value, "k,v\r\n1,--XyZ-not-a-boundary\r\n", file->len);
	assert_string_equal(form_get(&f, "text"), "");
	form_release(&f);
	/* cut short, or without a boundary: refused */
	assert_int_equal(form_parse(&ctx, "multipart/form-data; boundary=XyZ", body, 60, &f),
			 FU_EINPUT);
	form_release(&f);
	assert_int_equal(form_parse(&ctx, "multipart/form-data", body, sizeof(body) - 1, &f),
			 FU_EINPUT);
	form_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_escaped),
		cmocka_unit_test(test_nul_and_long),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_sticky_failure),
		cmocka_unit_test(test_form_urlencoded),
		cmocka_unit_test(test_form_multipart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
