/* message.c - message identities and the table of a message's outcomes */
#include "message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fu.h"

#include "banned.h"

static const struct message_outcome_info outcomes[MSG__COUNT] = {
	[MSG_ATTEMPT] = { "attempt", 0, 0 },
	[MSG_SENT] = { "sent", 1, 1 },
	[MSG_DEFERRED] = { "deferred", 0, 0 },
	[MSG_FAILED] = { "failed", 0, 1 },
	[MSG_BOUNCED] = { "bounced", 0, 1 },
	[MSG_DROPPED] = { "dropped", 0, 1 },
	[MSG_RESEND] = { "resend", 0, 0 },
};

const struct message_outcome_info *message_outcome_info(int o)
{
	return o >= 0 && o < MSG__COUNT ? &outcomes[o] : NULL;
}

int message_outcome_of(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < MSG__COUNT; i++) {
		if (!strcmp(outcomes[i].name, name))
			return i;
	}
	return -1;
}

int message_outcome_felt(const char *ref, const char *name)
{
	int o = message_outcome_of(name);

	return o >= 0 && outcomes[o].felt && !message_is_personal(ref);
}

void message_identity(int64_t contact_id, const char *trigger, const char *rule, int64_t since,
		      char out[MESSAGE_ID_MAX])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	char num[48];

	/* the parts are separated by a NUL, which none of them contains */
	snprintf(num, sizeof(num), "%lld", (long long)contact_id);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)num, strlen(num) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)trigger, strlen(trigger) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)rule, strlen(rule) + 1);
	snprintf(num, sizeof(num), "%lld", (long long)since);
	crypto_hash_sha256_update(&st, (const unsigned char *)num, strlen(num));
	crypto_hash_sha256_final(&st, h);
	snprintf(out, MESSAGE_ID_MAX, "c%lld-%02x%02x%02x%02x%02x%02x%02x%02x", (long long)contact_id,
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

void message_identity_personal(int64_t contact_id, const char *followup_id,
			       char out[MESSAGE_ID_MAX])
{
	message_identity(contact_id, "personal", followup_id, 0, out);
	out[0] = 'p';
}

int message_is_personal(const char *s)
{
	return s && s[0] == 'p';
}

int message_identity_parse(const char *s, int64_t *contact_id)
{
	char *end;
	long long v;
	size_t n;

	if (!s || (s[0] != 'c' && s[0] != 'p'))
		return -1;
	v = strtoll(s + 1, &end, 10);
	if (end == s + 1 || *end != '-' || v <= 0)
		return -1;
	n = strspn(end + 1, "0123456789abcdef");
	if (n != 16 || end[1 + n])
		return -1;
	*contact_id = v;
	return 0;
}
