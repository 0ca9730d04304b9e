/* checked.h - overflow-checked arithmetic for money, counts and durations */
#ifndef FU_CHECKED_H
#define FU_CHECKED_H

#include <stdint.h>

/*
 * Each returns 0 and stores the exact result in *out, or returns 1 (and leaves *out
 * unchanged) when the result does not fit an int64_t. Callers turn the 1 into an error
 * that names the value (an input error when the operands came from the user), or use the
 * saturating forms where a documented bound is the rule.
 */
static inline int ck_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return 1;
	*out = r;
	return 0;
}

static inline int ck_sub(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return 1;
	*out = r;
	return 0;
}

static inline int ck_mul(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return 1;
	*out = r;
	return 0;
}

/* a + b, held at INT64_MAX or INT64_MIN when it would overflow. */
static inline int64_t ck_add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* a * b, held at INT64_MAX or INT64_MIN when it would overflow. */
static inline int64_t ck_mul_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

#endif
