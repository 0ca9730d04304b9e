/* outcome.c - the table of touch outcomes and what each means */
#include "outcome.h"

#include <string.h>

#include "banned.h"

static const struct outcome_info outcomes[OUTCOME__COUNT] = {
	/*                name        conv att close opt date felt lead */
	[OUTCOME_NONE] = { NULL, 0, 0, 0, 0, 0, 1, 1, "a touch with no recorded result" },
	[OUTCOME_REACHED] = { "reached", 1, 0, 0, 0, 0, 1, 1, "we talked" },
	[OUTCOME_VOICEMAIL] = { "voicemail", 0, 1, 0, 0, 0, 1, 0, "left a message" },
	[OUTCOME_NO_ANSWER] = { "no-answer", 0, 1, 0, 0, 0, 1, 0, "tried, nobody answered" },
	[OUTCOME_NOT_YET] = { "not-yet", 1, 0, 0, 0, 1, 1, 1, "they asked us to check back on a date" },
	[OUTCOME_WON] = { "won", 1, 0, 1, 0, 0, 1, 1, "they said yes" },
	[OUTCOME_NO] = { "no", 1, 0, 1, 0, 0, 1, 1, "they said no" },
	[OUTCOME_OPTED_OUT] = { "opted-out", 0, 0, 1, 1, 0, 1, 1, "they want no more contact" },
	[OUTCOME_SNOOZED] = { "snoozed", 0, 0, 0, 0, 1, 0, 0, "put off until a date (not a touch)" },
};

const struct outcome_info *outcome_info(int o)
{
	if (o < 0 || o >= OUTCOME__COUNT)
		return &outcomes[OUTCOME_NONE];
	return &outcomes[o];
}

int outcome_of(const char *name)
{
	if (!name)
		return OUTCOME_NONE;
	for (int i = 1; i < OUTCOME__COUNT; i++)
		if (strcmp(outcomes[i].name, name) == 0)
			return i;
	return -1;
}

int outcome_parse(struct fu_ctx *ctx, const char *name, int *o)
{
	int v = name && *name ? outcome_of(name) : OUTCOME_NONE;

	if (v < 0)
		return fu_err(ctx, FU_EINPUT, "outcome: '%.64s' is not one of %s", name,
			      outcome_list(1));
	*o = v;
	return FU_OK;
}

const char *outcome_list(int with_snoozed)
{
	return with_snoozed ? "reached, voicemail, no-answer, not-yet, won, no, opted-out, snoozed"
			    : "reached, voicemail, no-answer, not-yet, won, no, opted-out";
}

int outcome_is_conversation(const char *name)
{
	int o = outcome_of(name);

	return o > 0 && outcomes[o].conversation;
}

int outcome_is_felt(const char *name)
{
	int o = outcome_of(name);

	return o >= 0 && outcomes[o].felt;
}

int outcome_answers_lead(const char *name)
{
	int o = outcome_of(name);

	return o >= 0 && outcomes[o].answers_lead;
}
