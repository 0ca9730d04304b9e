/* test-template.c - unit tests for rendering and checking what-to-say templates (src/template.c) */
#include "template.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "banned.h"

/* name, value pairs ending with a NULL name: the fields lookup() knows */
static const char *const fields[] = {
	"first_name", "Ana",
	"owner", "Sam",
	"company", "",
	"last_order", "{{owner}}",
	"contact.city", "Porto",
	NULL,
};

static const char *lookup(void *arg, const char *name)
{
	const char *const *f;

	for (f = arg; *f; f += 2)
		if (!strcmp(*f, name))
			return f[1];
	return NULL;
}

/* Renders tpl after `prefix` already in the buffer; asserts success and the text `want`. */
static void render_prefixed(const char *prefix, const char *tpl, const char *want)
{
	struct fu_ctx ctx;
	struct buf out;
	int rc;

	fu_ctx_init(&ctx);
	buf_init(&out, 0);
	assert_int_equal(buf_adds(&ctx, &out, prefix), FU_OK);
	rc = template_render(&ctx, tpl, lookup, (void *)fields, &out);
	if (rc)
		print_error("'%s': %s\n", tpl, ctx.msg);
	assert_int_equal(rc, FU_OK);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

static void render(const char *tpl, const char *want)
{
	render_prefixed("", tpl, want);
}

/* Asserts rendering fails with `rc` and exactly the message `want`, leaving the buffer as it was. */
static void render_err_cap(const char *tpl, size_t cap, int want_rc, const char *want)
{
	struct fu_ctx ctx;
	struct buf out;
	int rc;

	fu_ctx_init(&ctx);
	buf_init(&out, cap);
	assert_int_equal(buf_adds(&ctx, &out, "> "), FU_OK);
	rc = template_render(&ctx, tpl, lookup, (void *)fields, &out);
	if (rc == FU_OK)
		print_error("'%s' rendered '%s'\n", tpl, buf_cstr(&out));
	assert_int_equal(rc, want_rc);
	assert_string_equal(ctx.msg, want);
	assert_string_equal(buf_cstr(&out), "> ");
	assert_int_equal(out.len, 2);
	buf_release(&out);
}

static void render_err(const char *tpl, const char *want)
{
	render_err_cap(tpl, 0, FU_EINPUT, want);
}

static void test_plain_text(void **state)
{
	(void)state;
	render("", "");
	render("no fields here", "no fields here");
	render("{ single } braces }} and a lone }}", "{ single } braces }} and a lone }}");
	render("{name}", "{name}");
	render("line one\nline two\n", "line one\nline two\n");
}

static void test_fields(void **state)
{
	(void)state;
	render("Hi {{first_name}}, it's {{owner}}.", "Hi Ana, it's Sam.");
	render("{{first_name}}", "Ana");
	render("{{first_name}}{{owner}}", "AnaSam");
	render("{{first_name}}}", "Ana}");
	render("{{contact.city}}", "Porto");
	/* an empty value without fallback is empty */
	render("[{{company}}]", "[]");
	/* values are not expanded again */
	render("{{last_order}}", "{{owner}}");
	render_prefixed("> ", "Hi {{first_name}}", "> Hi Ana");
}

static void test_spaces_in_braces(void **state)
{
	(void)state;
	render("{{ first_name }}", "Ana");
	render("{{\tfirst_name  }}!", "Ana!");
	render("{{ first_name\n}}", "Ana");
	render("{{ nickname | there }}", "there");
	render("{{nickname|  dear friend  }}", "dear friend");
}

static void test_fallbacks(void **state)
{
	(void)state;
	render("Hi {{nickname|there}}", "Hi there");
	render("Hi {{first_name|there}}", "Hi Ana");
	render("Dear {{company|your team}}", "Dear your team");
	render("[{{nickname|}}]", "[]");
	render("{{nickname|a|b}}", "a|b");
	render("{{nickname|{x}}}", "{x}");
}

static void test_unknown(void **state)
{
	struct fu_ctx ctx;
	struct buf out;

	(void)state;
	render_err("Hi {{nickname}}", "template: unknown field 'nickname'");
	render_err("Hi {{first_name}} from {{ team }}", "template: unknown field 'team'");

	/* without a lookup function only fallbacks render */
	fu_ctx_init(&ctx);
	buf_init(&out, 0);
	assert_int_equal(template_render(&ctx, "{{x|y}}", NULL, NULL, &out), FU_OK);
	assert_string_equal(buf_cstr(&out), "y");
	assert_int_equal(template_render(&ctx, "{{x}}", NULL, NULL, &out), FU_EINPUT);
	assert_string_equal(ctx.msg, "template: unknown field 'x'");
	assert_string_equal(buf_cstr(&out), "y");
	buf_release(&out);
}

static void test_syntax_errors(void **state)
{
	char tpl[100];

	(void)state;
	render_err("Hi {{first_name", "template: column 4: unterminated '{{'");
	render_err("{{first_name}} {{", "template: column 16: unterminated '{{'");
	render_err("{{a} and {b}", "template: column 1: unterminated '{{'");
	render_err("{{{{", "template: column 1: unterminated '{{'");
	render_err("{{{{first_name}}", "template: column 1: bad field name '{{first_name'");
	render_err("x {{}}", "template: column 3: bad field name ''");
	render_err("{{ |there}}", "template: column 1: bad field name ''");
	render_err("{{first name}}", "template: column 1: bad field name 'first name'");
	render_err("{{a {{first_name}}", "template: column 1: bad field name 'a {{first_name'");

	/* names of at most 64 bytes */
	memset(tpl, 'n', sizeof(tpl));
	memcpy(tpl, "{{", 2);
	memcpy(tpl + 2 + 64, "|x}}", 5);
	render(tpl, "x");
	tpl[2 + 64] = 'n';
	memcpy(tpl + 2 + 65, "}}", 3);
	render_err(tpl, "template: column 1: bad field name "
			"'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn'");
}

static void test_size_cap(void **state)
{
	struct fu_ctx ctx;
	struct buf out;

	(void)state;
	/* over the cap in the text, in a value, in a fallback */
	render_err_cap("Hi there, how are you", 10, FU_EINPUT, "text longer than the limit of 10 bytes");
	render_err_cap("Hi {{first_name}}, hello", 10, FU_EINPUT,
		       "text longer than the limit of 10 bytes");
	render_err_cap("Hi {{owner}}{{first_name}}", 10, FU_EINPUT,
		       "text longer than the limit of 10 bytes");
	render_err_cap("Hi {{x|everyone}}", 10, FU_EINPUT, "text longer than the limit of 10 bytes");

	/* exactly at the cap is fine */
	fu_ctx_init(&ctx);
	buf_init(&out, 6);
	assert_int_equal(template_render(&ctx, "Hi {{first_name}}", lookup, (void *)fields, &out),
			 FU_OK);
	assert_string_equal(buf_cstr(&out), "Hi Ana");
	buf_release(&out);
}

static void check_ok(const char *tpl, const char *const *known)
{
	struct fu_ctx ctx;
	int rc;

	fu_ctx_init(&ctx);
	rc = template_check(&ctx, tpl, known);
	if (rc)
		print_error("'%s': %s\n", tpl, ctx.msg);
	assert_int_equal(rc, FU_OK);
}

static void check_err(const char *tpl, const char *const *known, const char *want)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	assert_int_equal(template_check(&ctx, tpl, known), FU_EINPUT);
	assert_string_equal(ctx.msg, want);
}

static void test_check(void **state)
{
	static const char *const known[] = { "first_name", "owner", "company", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	check_ok("", known);
	check_ok("no fields", none);
	check_ok("Hi {{first_name}}, {{ owner }} here from {{company|us}}", known);
	check_err("Hi {{ nickname | there }}", known,
		  "template: unknown field 'nickname' (known: first_name, owner, company)");
	check_err("{{first_name}} {{firstname}}", known,
		  "template: unknown field 'firstname' (known: first_name, owner, company)");
	check_err("{{first_name}}", none, "template: unknown field 'first_name' (known: none)");
	check_err("{{first_name}}", NULL, "template: unknown field 'first_name' (known: none)");
	check_err("Hi {{first_name", known, "template: column 4: unterminated '{{'");
	check_err("{{first_name}} {{", known, "template: column 16: unterminated '{{'");
	check_err("{{}}", known, "template: column 1: bad field name ''");
}

struct seen {
	char text[256];
};

static void note_field(void *arg, const char *name, int has_fallback, size_t column)
{
	struct seen *sn = arg;
	size_t n = strlen(sn->text);

	snprintf(sn->text + n, sizeof(sn->text) - n, "%s%s@%zu%s", n ? " " : "", name, column,
		 has_fallback ? "|" : "");
}

/* template_fields names each field, where it starts and whether it has a fallback */
static void test_fields_walk(void **state)
{
	struct fu_ctx ctx;
	struct seen sn = { "" };

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(template_fields(&ctx, "Hi {{first_name}}, {{ owner | us }}!", note_field,
					 &sn), FU_OK);
	assert_string_equal(sn.text, "first_name@4 owner@20|");
	assert_int_equal(template_fields(&ctx, "Hi {{first_name", note_field, &sn), FU_EINPUT);
	assert_string_equal(ctx.msg, "template: column 4: unterminated '{{'");
}

/* an empty field renders as empty text; a fallback stands in for it */
static void test_empty_field(void **state)
{
	(void)state;
	render("Hi {{company}}.", "Hi .");
	render("Hi {{company|there}}.", "Hi there.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_spaces_in_braces),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_fields_walk),
		cmocka_unit_test(test_empty_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
