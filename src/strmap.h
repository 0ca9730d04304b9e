/* strmap.h - an open-addressing hash map from strings to 64-bit integers, with a keyed hash */
#ifndef FU_STRMAP_H
#define FU_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"

/*
 * Keys often come from imported files, so the hash is SipHash (libsodium's
 * crypto_shorthash) under a random key drawn for each map when it first grows: a crafted
 * file cannot make every key land in one slot. The map has no iteration, so the random key
 * never shows in any output.
 * strmap_init() allocates nothing; strmap_release() frees the table and the copied keys.
 */
struct strmap {
	struct strmap_slot *slots;
	size_t cap;   /* power of two, or 0 */
	size_t len;
	unsigned char key[16]; /* the hash key, drawn with the first table */
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
/* 1 and *value set when key is present, else 0. */
int strmap_get(const struct strmap *m, const char *key, int64_t *value);
/* Inserts or replaces; the key is copied. FU_ENOMEM on allocation failure. */
int strmap_put(struct fu_ctx *ctx, struct strmap *m, const char *key, int64_t value);

#endif
