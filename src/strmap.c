/* strmap.c - open-addressing (linear probing) string -> int64 hash map, SipHash-keyed */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "banned.h"

struct strmap_slot {
	char *key; /* NULL = empty */
	uint64_t hash;
	int64_t value;
};

_Static_assert(sizeof(((struct strmap *)0)->key) == crypto_shorthash_KEYBYTES, "strmap key size");

/* SipHash-2-4 of s under the map's key. */
static uint64_t hash_str(const struct strmap *m, const char *s)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)s, strlen(s), m->key);
	memcpy(&h, out, sizeof(h));
	return h;
}

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
	memset(m->key, 0, sizeof(m->key));
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *sl = &m->slots[i];

		if (!sl->key || (sl->hash == h && strcmp(sl->key, key) == 0))
			return sl;
	}
}

int strmap_get(const struct strmap *m, const char *key, int64_t *value)
{
	struct strmap_slot *sl;

	if (!m->cap)
		return 0;
	sl = find(m, key, hash_str(m, key));
	if (!sl->key)
		return 0;
	*value = sl->value;
	return 1;
}

static int grow(struct fu_ctx *ctx, struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *old = m->slots;
	size_t ocap = m->cap;

	if (!ocap) {
		/* the first table: draw the key (sodium_init may run any number of times) */
		if (sodium_init() < 0)
			return fu_err(ctx, FU_EINTERNAL, "libsodium cannot start: no hash key");
		randombytes_buf(m->key, sizeof(m->key));
	}

	m->slots = calloc(ncap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return fu_err(ctx, FU_ENOMEM, "out of memory growing a map to %zu entries", ncap);
	}
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].key)
			*find(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
	return FU_OK;
}

int strmap_put(struct fu_ctx *ctx, struct strmap *m, const char *key, int64_t value)
{
	struct strmap_slot *sl;
	uint64_t h;
	int rc;

	if ((m->len + 1) * 4 > m->cap * 3) {
		rc = grow(ctx, m);
		if (rc)
			return rc;
	}
	h = hash_str(m, key);
	sl = find(m, key, h);
	if (!sl->key) {
		sl->key = strdup(key);
		if (!sl->key)
			return fu_err(ctx, FU_ENOMEM, "out of memory copying a key");
		sl->hash = h;
		m->len++;
	}
	sl->value = value;
	return FU_OK;
}
