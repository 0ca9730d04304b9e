/* report.h - the business's figures: how well it follows up (`report`), its contacts by stage (`status`), its lapsing customers (`lapsed`) */
#ifndef FU_REPORT_H
#define FU_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "lapse.h"
#include "model.h"
#include "store.h"

/* How well the business follows up, at one moment. Plain values, nothing to free. */
struct report {
	/* speed to lead: from a lead to the first touch that answered it (a snooze does not),
	 * for the leads that came in the 30 days before the moment (a lead still waiting from
	 * before then is no longer counted: the figure says how the team answers now) */
	int64_t answered, unanswered;
	int64_t median_seconds, worst_seconds; /* 0 when none answered */
	/* contacts with events, neither do-not-contact nor dormant, and those among them
	 * touched (either way) within the playbook's silence limit */
	int64_t active, touched_in_time;
	int silence_days;
	/* the last 30 days: touches the customer felt, conversations among them, snoozes */
	int64_t touches, conversations, snoozed;
	/* open now: every follow-up, whatever its day, and the overdue ones */
	int64_t open, overdue;
	/* lapsing customers and yearly spend at risk, now and 30 days before */
	struct lapse_totals lapsing, lapsing_month_ago;
};

/*
 * The report at now: the playbook in effect gives the silence limit and the open agenda
 * (built with the lapse model of moment now, as the agenda is). Fails on store, playbook
 * or model errors; FU_ENOMEM.
 */
int report_build(struct fu_ctx *ctx, struct store *s, int64_t now, struct report *r);

/*
 * The report week by week and per owner, in one pass over the log (report_weeks_build).
 * A week is the moment at[k] = now - (weeks - 1 - k) x 7 days, oldest first; its figures
 * count the events up to that moment, as report_build at that moment counts them.
 */
#define REPORT_WEEKS_MAX 12

/* What the events up to one moment say, for the business or one owner's contacts. */
struct report_tally {
	int64_t answered, unanswered;           /* leads, as in struct report */
	int64_t median_seconds, worst_seconds;  /* 0 when none answered */
	int64_t touches, conversations, snoozed; /* the 30 days before the moment */
};

/* One owner's weeks ("" for the unowned contacts; malloced), and their figures at now. */
struct report_owner {
	char *owner;
	struct report_tally week[REPORT_WEEKS_MAX];
	int64_t active, touched_in_time;   /* today's state of their contacts */
	int64_t open, overdue;             /* their follow-ups open now */
	struct lapse_totals lapsing;       /* their customers lapsing now */
};

struct report_weeks {
	int weeks;
	int silence_days;
	int64_t at[REPORT_WEEKS_MAX];
	struct report_tally week[REPORT_WEEKS_MAX];        /* the business */
	struct lapse_totals lapsing[REPORT_WEEKS_MAX];     /* customers lapsing at each moment */
	int64_t active, touched_in_time, open, overdue;    /* at now, as in struct report */
	struct report_owner *owners;                       /* by name, "" first */
	size_t nowners, cap_owners;
};

/*
 * Fills *out (released by the caller with report_weeks_release, also on failure) for
 * `weeks` (1 to REPORT_WEEKS_MAX) moments ending at now: one scan of the log for the leads
 * and touches, the lapses of each moment with the lapse model of its month
 * (lapse_models_load), and the follow-ups open now from one agenda. Fails on store,
 * playbook or model errors, FU_EINPUT for a bad count, FU_ENOMEM.
 */
int report_weeks_build(struct fu_ctx *ctx, struct store *s, int64_t now, int weeks,
		       struct report_weeks *out);
void report_weeks_release(struct report_weeks *w);

/* Contacts by stage at one moment, and the events by type. Plain values. */
struct report_status {
	int64_t contacts;
	int64_t stage[STAGE__COUNT];
	int64_t opted_out_email, do_not_contact, invoices_open, paid_late;
	int64_t events;
	int64_t event_types[EV__COUNT];
};

/* The counts at now (stages depend on the clock). Fails on store errors. */
int report_status_build(struct fu_ctx *ctx, struct store *s, int64_t now,
			struct report_status *st);

/* One lapsing customer (lapse.h), named. Strings are malloced (NULL when the profile has none). */
struct report_lapsing {
	struct lapse_entry e;
	char *key, *name, *owner;
};

/*
 * The customers lapsing at now (lapse_list with the agenda's model of moment now), most
 * yearly spend at risk first, then by key: *out is malloced (NULL when none), *n its length;
 * report_lapsing_free() frees both. Nothing is kept on failure.
 */
int report_lapsing_list(struct fu_ctx *ctx, struct store *s, int64_t now,
			struct report_lapsing **out, size_t *n);
void report_lapsing_free(struct report_lapsing *v, size_t n);

#endif
