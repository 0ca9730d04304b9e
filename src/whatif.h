/* whatif.h - the last 30 days replayed under two playbooks: the follow-ups each would have asked for */
#ifndef FU_WHATIF_H
#define FU_WHATIF_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "playbook.h"
#include "store.h"

#define WHATIF_DAYS 30

/* The two playbooks compared: the one in effect and the one proposed. */
enum { WHATIF_OLD, WHATIF_NEW };

/* Follow-ups on one day's agenda (due by the end of that day), for a person or automated. */
struct whatif_count {
	int64_t personal, automated;
	int64_t fresh; /* of them, those that were not on the day before's agenda */
};

/* One owner's days ("" for the unowned contacts; malloced). */
struct whatif_owner {
	char *owner;
	struct whatif_count day[WHATIF_DAYS][2];
};

/*
 * A contact that, under one of the playbooks, would have more follow-ups come due in some
 * seven days running than that playbook's limits.touches_per_week allows (follow-ups made
 * only of transactional reminders or answers to what they asked are left out, as the
 * budget leaves them out). Strings are malloced; name and owner may be NULL.
 */
struct whatif_over {
	char *key, *name, *owner;
	int most[2];          /* the most follow-ups in seven days running, under each playbook */
	int64_t week_start;   /* the first day (UTC, days since the epoch) of the busiest seven
			       * days under the new playbook (under the old one when it is not over) */
};

struct whatif {
	int64_t now;
	int64_t first_day;                    /* UTC day (days since the epoch) of day[0] */
	int budget[2];                        /* each playbook's touches_per_week (0: no limit) */
	struct whatif_count day[WHATIF_DAYS][2];  /* the whole business */
	struct whatif_owner *owners;          /* by owner name, "" first */
	size_t nowners, cap_owners;
	struct whatif_over *over;             /* most[NEW] descending, then key */
	size_t nover, cap_over;
	int64_t contacts;                     /* contacts with events by now */
	int64_t errors[2];                    /* contact-days on which a rule failed on the data */
};

void whatif_init(struct whatif *w);
void whatif_release(struct whatif *w);

/*
 * Replays the WHATIF_DAYS days that end at now under pb_old and pb_new, from the same log
 * and clocks: for each day, the clock is now minus whole days, each contact's state is
 * folded from its events up to that clock (an event counts from its time on) and the engine
 * gives its follow-up under each playbook with the lapse model of that moment (the store's
 * for now's month, fitted without being kept for an earlier month). A follow-up counts on
 * a day when it is open and due by the end of that UTC day in the contact's zone, as the
 * agenda counts it; nobody works the replayed days, so only the outcomes in the log close
 * anything. The profile (owner, zone) is today's. *out is whatif_init()ed here and released
 * by the caller. A contact on which a rule fails is counted in errors and left out of that
 * day. Fails on store errors and FU_ENOMEM. Nothing is written but the lapse model
 * of now's month, kept as the agenda keeps it.
 */
int whatif_run(struct fu_ctx *ctx, struct store *s, const struct playbook *pb_old,
	       const struct playbook *pb_new, int64_t now, struct whatif *out);

#endif
