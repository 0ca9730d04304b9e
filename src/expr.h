/* expr.h - the small condition language of playbook rules ("nth >= 2 and amount > 500") */
#ifndef FU_EXPR_H
#define FU_EXPR_H

#include "fu.h"

/* Longest source expr_parse accepts, in bytes, and the deepest nesting of '(' and 'not'. */
#define EXPR_MAX_SRC 1024
#define EXPR_MAX_DEPTH 32

enum expr_kind {
	EXPR_NUM,
	EXPR_STR,
	EXPR_BOOL,
	EXPR_LIST /* list of strings, for tags */
};

/* A value a name stands for; only the fields of its kind are read. */
struct expr_value {
	int kind;                /* enum expr_kind */
	double num;              /* EXPR_NUM */
	const char *str;         /* EXPR_STR; NULL reads as "" */
	const char *const *list; /* EXPR_LIST */
	int nlist;               /* EXPR_LIST */
	int b;                   /* EXPR_BOOL */
};

/* Looks a name up; returns 0 and fills *out, or -1 if the name is unknown. Strings stay owned by the caller. */
typedef int (*expr_lookup_fn)(void *arg, const char *name, struct expr_value *out);

struct expr;

/*
 * Parses src. Grammar, loosest first:
 *   or   := and ('or' and)*
 *   and  := cmp ('and' cmp)*
 *   cmp  := not (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in') not)?
 *   not  := 'not' not | value
 *   value:= number (123, 4.5, -2) | 'string' | "string" | true | false | name | '(' or ')'
 * Names are [a-z_][a-z0-9_]*. 'not' binds tighter than comparisons (as C's '!'), so write
 * "not (nth > 2)" and "not ('vip' in tags)". Comparisons do not chain. Strings have no escapes;
 * use the other quote kind to include a quote. The empty string (or only spaces) means always.
 *
 * Returns FU_OK and sets *out (freed with expr_free). On failure *out is NULL and the result is
 * FU_EINPUT with "column N: what" (1-based byte column), e.g. "column 6: expected a value after
 * '>'", "column 1: unterminated string", "column 9: unexpected ')'", "column N: too deeply
 * nested" (more than EXPR_MAX_DEPTH), "expression longer than 1024 bytes"; or FU_ENOMEM.
 */
int expr_parse(struct fu_ctx *ctx, const char *src, struct expr **out);

/* Frees e and everything it owns; NULL is fine. */
void expr_free(struct expr *e);

/*
 * Evaluates e to true (1) or false (0) into *result, looking names up with fn(arg, ...) (fn may
 * be NULL: every name is then unknown). 'and' and 'or' stop early, so a name in a skipped branch
 * is not looked up. A bare value is true when it is nonzero, non-empty, true or a non-empty list.
 * Returns FU_OK, or FU_EINPUT with "unknown name 'x'", "cannot compare number with string",
 * "cannot use '<' on bool values", "'in' needs a string on the left, got number", "'in' needs a
 * list on the right, got string" (*result is then 0).
 */
int expr_eval(struct fu_ctx *ctx, const struct expr *e, expr_lookup_fn fn, void *arg, int *result);

/*
 * Checks every name used in e against the NULL-terminated list `known`. Returns FU_OK, or
 * FU_EINPUT "unknown name 'x' (known: a, b, ...)" for the first unknown one, or FU_ENOMEM.
 */
int expr_check_names(struct fu_ctx *ctx, const struct expr *e, const char *const *known);

/* The kind (enum expr_kind) a name's value always has, or -1 if the name is unknown. */
typedef int (*expr_kind_fn)(void *arg, const char *name);

/*
 * Checks, without evaluating, that every comparison of e can be evaluated whatever the
 * names' values: both sides of a comparison of one kind, '<' and the like not on bools,
 * no list but on the right of 'in', a string on its left. Returns FU_OK, or FU_EINPUT with
 * "column N: cannot compare string with number" (N the operator's 1-based byte column),
 * "column N: unknown name 'x'" and the other messages of expr_eval.
 */
int expr_check_types(struct fu_ctx *ctx, const struct expr *e, expr_kind_fn fn, void *arg);

#endif
