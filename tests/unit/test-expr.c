/* test-expr.c - unit and fuzz-style robustness tests for the condition language (src/expr.c) */
#include "expr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

#include "banned.h"

struct var {
	const char *name;
	struct expr_value v;
};

static const char *const tags[] = { "vip", "wholesale" };

/* The names every test can use; looked up by lookup() below. */
static const struct var vars[] = {
	{ "nth", { .kind = EXPR_NUM, .num = 3 } },
	{ "amount", { .kind = EXPR_NUM, .num = 750.5 } },
	{ "zero", { .kind = EXPR_NUM, .num = 0 } },
	{ "stage", { .kind = EXPR_STR, .str = "customer" } },
	{ "name", { .kind = EXPR_STR, .str = "O'Brien" } },
	{ "empty", { .kind = EXPR_STR, .str = "" } },
	{ "tags", { .kind = EXPR_LIST, .list = tags, .nlist = 2 } },
	{ "no_tags", { .kind = EXPR_LIST, .list = NULL, .nlist = 0 } },
	{ "vip", { .kind = EXPR_BOOL, .b = 1 } },
	{ "opted_out", { .kind = EXPR_BOOL, .b = 0 } },
	{ NULL, { 0 } },
};

static int lookup(void *arg, const char *name, struct expr_value *out)
{
	const struct var *v;

	for (v = arg; v->name; v++)
		if (!strcmp(v->name, name)) {
			*out = v->v;
			return 0;
		}
	return -1;
}

/* Parses and evaluates src, asserting both succeed; returns the result. */
static int eval(const char *src)
{
	struct fu_ctx ctx;
	struct expr *e;
	int rc, result = -1;

	fu_ctx_init(&ctx);
	rc = expr_parse(&ctx, src, &e);
	if (rc)
		print_error("parse '%s': %s\n", src, ctx.msg);
	assert_int_equal(rc, FU_OK);
	rc = expr_eval(&ctx, e, lookup, (void *)vars, &result);
	if (rc)
		print_error("eval '%s': %s\n", src, ctx.msg);
	assert_int_equal(rc, FU_OK);
	expr_free(e);
	return result;
}

#define assert_true_expr(src) assert_int_equal(eval(src), 1)
#define assert_false_expr(src) assert_int_equal(eval(src), 0)

/* Asserts src fails to parse with FU_EINPUT and exactly the message `want`. */
static void parse_err(const char *src, const char *want)
{
	struct fu_ctx ctx;
	struct expr *e = (struct expr *)&ctx;
	int rc;

	fu_ctx_init(&ctx);
	rc = expr_parse(&ctx, src, &e);
	if (rc == FU_OK)
		print_error("'%s' parsed\n", src);
	assert_int_equal(rc, FU_EINPUT);
	assert_null(e);
	assert_string_equal(ctx.msg, want);
}

/* Asserts src parses but fails to evaluate with FU_EINPUT and exactly `want`. */
static void eval_err(const char *src, const char *want)
{
	struct fu_ctx ctx;
	struct expr *e;
	int rc, result = -1;

	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, src, &e), FU_OK);
	rc = expr_eval(&ctx, e, lookup, (void *)vars, &result);
	if (rc == FU_OK)
		print_error("'%s' evaluated to %d\n", src, result);
	assert_int_equal(rc, FU_EINPUT);
	assert_int_equal(result, 0);
	assert_string_equal(ctx.msg, want);
	expr_free(e);
}

static void test_always(void **state)
{
	struct fu_ctx ctx;
	struct expr *e;
	int result = 0;

	(void)state;
	assert_true_expr("");
	assert_true_expr("   \t\n");
	assert_true_expr("true");
	assert_false_expr("false");
	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, NULL, &e), FU_OK);
	assert_int_equal(expr_eval(&ctx, e, NULL, NULL, &result), FU_OK);
	assert_int_equal(result, 1);
	expr_free(e);
	expr_free(NULL);
}

static void test_literals_and_truth(void **state)
{
	(void)state;
	assert_true_expr("1");
	assert_false_expr("0");
	assert_true_expr("0.5");
	assert_true_expr("-2");
	assert_true_expr("'x'");
	assert_false_expr("''");
	assert_false_expr("\"\"");
	assert_true_expr("nth");
	assert_false_expr("zero");
	assert_true_expr("stage");
	assert_false_expr("empty");
	assert_true_expr("tags");
	assert_false_expr("no_tags");
}

static void test_numbers(void **state)
{
	(void)state;
	assert_true_expr("nth >= 2 and amount > 500");
	assert_false_expr("nth >= 4 and amount > 500");
	assert_true_expr("nth == 3");
	assert_false_expr("nth != 3");
	assert_true_expr("nth < 3.5");
	assert_false_expr("nth < 3");
	assert_true_expr("nth <= 3");
	assert_true_expr("nth > 2.99");
	assert_false_expr("nth > 3");
	assert_true_expr("nth >= 3");
	assert_true_expr("amount == 750.5");
	assert_true_expr("-2 < 0");
	assert_true_expr("-2.5 < -2");
	assert_true_expr("007 == 7");
	assert_true_expr("nth>=2and amount>500");
}

static void test_strings(void **state)
{
	(void)state;
	assert_true_expr("stage == 'customer'");
	assert_true_expr("stage == \"customer\"");
	assert_false_expr("stage != \"customer\"");
	assert_true_expr("stage != 'lead'");
	assert_true_expr("name == \"O'Brien\"");
	assert_true_expr("'say \"hi\"' != \"say 'hi'\"");
	assert_true_expr("'a' < 'b'");
	assert_true_expr("'2026-01-31' < '2026-02-01'");
	assert_true_expr("'b' >= 'b' and 'b' <= 'b' and 'c' > 'b'");
	assert_true_expr("'' == empty");
	assert_true_expr("'not and or' == 'not and or'");
}

static void test_bools(void **state)
{
	(void)state;
	assert_true_expr("vip");
	assert_false_expr("opted_out");
	assert_true_expr("not opted_out");
	assert_true_expr("vip and not opted_out");
	assert_true_expr("vip == true");
	assert_true_expr("opted_out == false");
	assert_true_expr("opted_out != true");
	assert_false_expr("vip == opted_out");
	assert_true_expr("not not vip");
}

static void test_precedence(void **state)
{
	(void)state;
	/* and binds tighter than or */
	assert_true_expr("true or false and false");
	assert_false_expr("(true or false) and false");
	assert_true_expr("false and false or true");
	assert_false_expr("false and (false or true)");
	/* comparisons bind tighter than and/or */
	assert_true_expr("nth > 2 or nth < 0 and false");
	assert_true_expr("nth == 3 and stage == 'customer'");
	/* not binds tighter than and/or */
	assert_false_expr("not false and false");
	assert_true_expr("not true or true");
	assert_false_expr("not (true or true)");
	/* not binds tighter than comparisons: (not zero) == true */
	assert_true_expr("not zero == true");
	assert_false_expr("not (zero == 0)");
	eval_err("not nth > 2", "cannot compare bool with number");
	/* comparisons do not chain */
	parse_err("1 < 2 == true", "column 7: unexpected '=='");
}

static void test_parentheses(void **state)
{
	(void)state;
	assert_true_expr("(nth > 2)");
	assert_true_expr("((((true))))");
	assert_false_expr("not (nth > 2)");
	assert_true_expr("(nth > 2) == true");
	assert_true_expr("( vip or opted_out ) and ( 'vip' in tags )");
	assert_false_expr("not ('vip' in tags)");
}

static void test_in(void **state)
{
	(void)state;
	assert_true_expr("'vip' in tags");
	assert_true_expr("\"wholesale\" in tags");
	assert_false_expr("'retail' in tags");
	assert_false_expr("'VIP' in tags");
	assert_false_expr("'vip' in no_tags");
	assert_false_expr("stage in tags");
	assert_true_expr("'vip' in tags and not ('retail' in tags)");
	eval_err("nth in tags", "'in' needs a string on the left, got number");
	eval_err("'vip' in stage", "'in' needs a list on the right, got string");
	eval_err("not 'vip' in tags", "'in' needs a string on the left, got bool");
	eval_err("tags == tags", "cannot use '==' on list values (use 'in')");
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_err("nth >", "column 6: expected a value after '>'");
	parse_err("'abc", "column 1: unterminated string");
	parse_err("nth >= 2)", "column 9: unexpected ')'");
	parse_err("stage == \"lead", "column 10: unterminated string");
	parse_err("stage == 'lead\"", "column 10: unterminated string");
	parse_err(")", "column 1: unexpected ')'");
	parse_err("and", "column 1: unexpected 'and'");
	parse_err("nth and", "column 8: expected a value after 'and'");
	parse_err("nth or )", "column 8: expected a value after 'or'");
	parse_err("not", "column 4: expected a value after 'not'");
	parse_err("()", "column 2: expected a value after '('");
	parse_err("'vip' in", "column 9: expected a value after 'in'");
	parse_err("(nth > 2", "column 9: missing ')' for '(' at column 1");
	parse_err("((nth > 2)", "column 11: missing ')' for '(' at column 1");
	parse_err("(nth > 2 3)", "column 10: unexpected '3'");
	parse_err("nth 2", "column 5: unexpected '2'");
	parse_err("1 < 2 < 3", "column 7: unexpected '<'");
	parse_err("nth = 2", "column 5: unexpected '=' (use '==')");
	parse_err("nth ! 2", "column 5: unexpected '!' (use 'not' or '!=')");
	parse_err("Nth > 2", "column 1: unexpected character 'N' (names are lowercase)");
	parse_err("nth > 2 # c", "column 9: unexpected character '#'");
	parse_err("- 2", "column 1: unexpected character '-'");
	parse_err("nth > 4.", "column 7: malformed number '4.'");
	parse_err("nth > 4.x", "column 7: malformed number '4.'");
	parse_err("nth >\x01", "column 6: unexpected byte 0x01");
	parse_err("nth > \xc3\xa9", "column 7: unexpected byte 0xc3");
	parse_err("1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "column 3: unexpected 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
}

static void test_limits(void **state)
{
	char src[EXPR_MAX_SRC + 2];
	size_t i;

	(void)state;
	/* exactly 1024 bytes parse, 1025 do not */
	memset(src, ' ', EXPR_MAX_SRC);
	memcpy(src + EXPR_MAX_SRC - 4, "true", 4);
	src[EXPR_MAX_SRC] = '\0';
	assert_true_expr(src);
	src[EXPR_MAX_SRC] = ' ';
	src[EXPR_MAX_SRC + 1] = '\0';
	parse_err(src, "expression longer than 1024 bytes");

	/* numbers of at most 63 characters */
	memset(src, '1', 63);
	src[63] = '\0';
	assert_true_expr(src);
	src[63] = '1';
	src[64] = '\0';
	parse_err(src, "column 1: number too long");

	/* depth: 32 parentheses, 32 nots, or any mix of them, and no more */
	for (i = 0; i < 32; i++) {
		src[i] = '(';
		src[32 + 4 + i] = ')';
	}
	memcpy(src + 32, "true", 4);
	src[68] = '\0';
	assert_true_expr(src);
	memmove(src + 1, src, 69);
	src[0] = '(';
	parse_err(src, "column 33: too deeply nested");

	src[0] = '\0';
	for (i = 0; i < 32; i++)
		memcpy(src + 4 * i, "not ", 5);
	memcpy(src + 128, "false", 6);
	assert_false_expr(src);
	memmove(src + 4, src, 134);
	memcpy(src, "not ", 4);
	parse_err(src, "column 129: too deeply nested");

	for (i = 0; i < 16; i++)
		memcpy(src + 5 * i, "not (", 5);
	memcpy(src + 80, "true", 4);
	memset(src + 84, ')', 16);
	src[100] = '\0';
	assert_true_expr(src);
	memmove(src + 1, src, 101);
	src[0] = '(';
	parse_err(src, "column 81: too deeply nested");

	/* depth is nesting, not count: many groups side by side are fine */
	for (i = 0; i < 40; i++)
		memcpy(src + 11 * i, i ? " or (false)" : "(false)    ", 11);
	src[440] = '\0';
	assert_false_expr(src);
}

static void test_eval_errors(void **state)
{
	struct fu_ctx ctx;
	struct expr *e;
	int result = -1;

	(void)state;
	eval_err("x > 1", "unknown name 'x'");
	eval_err("nth > 1 and bogus", "unknown name 'bogus'");
	eval_err("nth == 'a'", "cannot compare number with string");
	eval_err("stage < 3", "cannot compare string with number");
	eval_err("vip == 1", "cannot compare bool with number");
	eval_err("tags == 'vip'", "cannot compare list with string");
	eval_err("vip < true", "cannot use '<' on bool values");
	eval_err("vip >= opted_out", "cannot use '>=' on bool values");
	/* and/or stop early, so a skipped name is not looked up */
	assert_false_expr("false and bogus");
	assert_true_expr("true or bogus");
	eval_err("true and bogus", "unknown name 'bogus'");
	eval_err("false or bogus", "unknown name 'bogus'");

	/* without a lookup function every name is unknown */
	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, "nth > 1", &e), FU_OK);
	assert_int_equal(expr_eval(&ctx, e, NULL, NULL, &result), FU_EINPUT);
	assert_string_equal(ctx.msg, "unknown name 'nth'");
	assert_int_equal(result, 0);
	expr_free(e);
}

static void check_names(const char *src, const char *const *known, const char *want)
{
	struct fu_ctx ctx;
	struct expr *e;
	int rc;

	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, src, &e), FU_OK);
	rc = expr_check_names(&ctx, e, known);
	if (!want) {
		if (rc)
			print_error("'%s': %s\n", src, ctx.msg);
		assert_int_equal(rc, FU_OK);
	} else {
		assert_int_equal(rc, FU_EINPUT);
		assert_string_equal(ctx.msg, want);
	}
	expr_free(e);
}

/* nth, amount: numbers; stage: a string; tags: a list; has_email: a bool */
static int kinds(void *arg, const char *name)
{
	(void)arg;
	if (!strcmp(name, "nth") || !strcmp(name, "amount"))
		return EXPR_NUM;
	if (!strcmp(name, "stage"))
		return EXPR_STR;
	if (!strcmp(name, "tags"))
		return EXPR_LIST;
	if (!strcmp(name, "has_email"))
		return EXPR_BOOL;
	return -1;
}

static void check_types(const char *src, const char *want)
{
	struct fu_ctx ctx;
	struct expr *e;
	int rc;

	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, src, &e), FU_OK);
	rc = expr_check_types(&ctx, e, kinds, NULL);
	if (!want) {
		if (rc)
			fail_msg("'%s': %s", src, ctx.msg);
	} else {
		if (rc != FU_EINPUT)
			fail_msg("'%s': no error, expected '%s'", src, want);
		assert_string_equal(ctx.msg, want);
	}
	expr_free(e);
}

/* issue 9 item 4: a comparison that can never be evaluated is found before any contact is */
static void test_check_types(void **state)
{
	(void)state;
	check_types("", NULL);
	check_types("nth >= 2 and amount > 500.5 or stage == 'lead'", NULL);
	check_types("'vip' in tags and not has_email and has_email == true", NULL);
	check_types("tags and stage and nth", NULL); /* bare values are truths */
	check_types("stage > 3", "column 7: cannot compare string with number");
	check_types("tags == 3", "column 6: cannot compare list with number");
	check_types("tags == tags", "column 6: cannot use '==' on list values (use 'in')");
	check_types("nth > 1 and (has_email < true)", "column 24: cannot use '<' on bool values");
	check_types("3 in tags", "column 3: 'in' needs a string on the left, got number");
	check_types("stage in stage", "column 7: 'in' needs a list on the right, got string");
	/* a branch evaluation would skip is checked too */
	check_types("true or (nth == 'x')", "column 14: cannot compare number with string");
	check_types("(nth > 1) == 2", "column 11: cannot compare bool with number");
	check_types("bogus > 1", "column 1: unknown name 'bogus'");
}

static void test_check_names(void **state)
{
	static const char *const known[] = { "nth", "amount", "tags", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	check_names("nth > 2 and 'vip' in tags", known, NULL);
	check_names("", known, NULL);
	check_names("true or amount > 5", known, NULL);
	check_names("nth > 2 and amout > 5", known,
		    "unknown name 'amout' (known: nth, amount, tags)");
	/* names in branches evaluation would skip are checked too */
	check_names("true or not (bogus == 1)", known,
		    "unknown name 'bogus' (known: nth, amount, tags)");
	check_names("'nth' == 'x'", none, NULL);
	check_names("nth", none, "unknown name 'nth' (known: none)");
	check_names("nth", NULL, "unknown name 'nth' (known: none)");
}

/* xorshift64*: a fixed-seed generator so the fuzz inputs are the same on every run */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void put(char *src, size_t size, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (*n + len + 1 > size)
		return;
	memcpy(src + *n, s, len);
	*n += len;
	src[*n] = '\0';
}

/* Appends a pseudo-random well-formed expression of at most `depth` levels. */
static void grammatical(uint64_t *seed, char *src, size_t size, size_t *n, int depth)
{
	static const char *const values[] = {
		"nth", "amount", "zero", "stage", "tags", "no_tags", "vip", "opted_out", "x",
		"'vip'", "\"a'b\"", "''", "1", "4.5", "-2", "0", "true", "false",
	};
	static const char *const joins[] = {
		" and ", " or ", " == ", " != ", " < ", " <= ", " > ", " >= ", " in ",
	};
	uint64_t r = next_rand(seed);

	if (depth <= 0 || r % 3 == 0) {
		put(src, size, n, values[next_rand(seed) % (sizeof(values) / sizeof(values[0]))]);
	} else if (r % 3 == 1) {
		put(src, size, n, next_rand(seed) % 2 ? "not (" : "(");
		grammatical(seed, src, size, n, depth - 1);
		put(src, size, n, ")");
	} else {
		grammatical(seed, src, size, n, depth - 1);
		put(src, size, n, joins[next_rand(seed) % (sizeof(joins) / sizeof(joins[0]))]);
		grammatical(seed, src, size, n, depth - 1);
	}
}

/*
 * Builds a pseudo-random input: a well-formed expression (sometimes with one byte changed),
 * tokens of the language glued together, or raw bytes.
 */
static void garbage(uint64_t *seed, char *src, size_t size)
{
	static const char *const pieces[] = {
		"nth", "amount", "stage", "tags", "vip", "x", "not ", " and ", " or ", " in ", "(",
		")", "==", "!=", "<", "<=", ">", ">=", "'vip'", "\"a'b\"", "'", "\"", "1", "4.5",
		"-2", "4.", "true", "false", " ", "=", "!", "#", "\t", "zero", "no_tags", "Z",
	};
	size_t n = 0, len = 1 + next_rand(seed) % 60;
	uint64_t mode = next_rand(seed) % 4;

	src[0] = '\0';
	if (mode == 0) {
		while (n < len && n + 1 < size)
			src[n++] = (char)(1 + next_rand(seed) % 255);
		src[n] = '\0';
	} else if (mode == 1) {
		while (len--)
			put(src, size, &n,
			    pieces[next_rand(seed) % (sizeof(pieces) / sizeof(pieces[0]))]);
	} else {
		grammatical(seed, src, size, &n, 1 + (int)(next_rand(seed) % 6));
		if (mode == 3 && n)
			src[next_rand(seed) % n] = (char)(1 + next_rand(seed) % 127);
	}
}

static void test_fuzz(void **state)
{
	static const char *const known[] = { "nth", "amount", "tags", NULL };
	uint64_t seed = 0x5eed1234abcdULL;
	struct fu_ctx ctx;
	struct expr *e;
	char src[512];
	int i, rc, result, parsed = 0, failed = 0, evaluated = 0;

	(void)state;
	for (i = 0; i < 2000; i++) {
		garbage(&seed, src, sizeof(src));
		fu_ctx_init(&ctx);
		rc = expr_parse(&ctx, src, &e);
		if (rc) {
			assert_int_equal(rc, FU_EINPUT);
			assert_null(e);
			assert_true(!strncmp(ctx.msg, "column ", 7));
			failed++;
			continue;
		}
		parsed++;
		result = -1;
		rc = expr_eval(&ctx, e, lookup, (void *)vars, &result);
		assert_true(rc == FU_OK || rc == FU_EINPUT);
		assert_true(result == 0 || result == 1);
		evaluated += rc == FU_OK;
		rc = expr_check_names(&ctx, e, known);
		assert_true(rc == FU_OK || rc == FU_EINPUT);
		expr_free(e);
	}
	/* the generator reaches both sides */
	assert_true(parsed > 50);
	assert_true(failed > 50);
	assert_true(evaluated > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_always),
		cmocka_unit_test(test_literals_and_truth),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_parentheses),
		cmocka_unit_test(test_in),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_eval_errors),
		cmocka_unit_test(test_check_names),
		cmocka_unit_test(test_check_types),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
