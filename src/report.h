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
	/* speed to lead: from a lead to the first touch that answered it (a snooze does not) */
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
