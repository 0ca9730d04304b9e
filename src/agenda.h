/* agenda.h - every open follow-up of a business at one moment, most important first */
#ifndef FU_AGENDA_H
#define FU_AGENDA_H

#include <stdint.h>

#include "engine.h"
#include "fu.h"
#include "lapse.h"
#include "playbook.h"
#include "store.h"

struct agenda_opts {
	const char *owner;  /* this owner's follow-ups and escalated unowned new leads; NULL = all */
	int64_t now;
	int64_t day;        /* include follow-ups due on or before this local day (days since epoch) */
	int all;            /* include everything open, whatever its due day */
	int full;           /* evaluate every contact, not only those the wake cache names */
	int jobs;           /* threads evaluating contacts: 0 for one per processor (at most 8),
			     * 1 for none besides the caller's */
	size_t parallel_min; /* fewer candidates than this (in a batch of 8192) are evaluated
			      * by the caller alone; 0 for the default, 2048 */
	/* a seam for tests: called once, just before the workers open their connections */
	void (*before_workers)(void *arg);
	void *before_workers_arg;
	/* the customer base's lapse model of moment now (borrowed), or NULL: agenda_build fits
	 * it from the store's purchases up to now */
	const struct lapse_model *lapse;
};

/* A contact whose follow-up could not be worked out (a rule failed on its data). */
struct agenda_error {
	int64_t contact_id;
	char *key;          /* the contact's key (malloced) */
	char *msg;          /* what failed, naming the playbook and the rule (malloced) */
};

struct agenda {
	struct followup *v;
	int n;
	size_t cap;
	int64_t contacts;   /* contacts evaluated */
	struct agenda_error *errors; /* in contact id order; agenda_release frees them */
	int nerrors;
	size_t cap_errors;
	/* agenda_build_current: the stored playbook's rules left out (playbook_load_stored),
	 * each its message; agenda_release frees them */
	char **skipped;
	int nskipped;
};

void agenda_init(struct agenda *a);
void agenda_release(struct agenda *a);

/*
 * Evaluates the contacts with the playbook at opts->now and collects the follow-ups due by
 * opts->day in the contact's own zone (unknown zones fall back to the playbook's), sorted by
 * priority (higher first), then the yearly spend a lapse puts at risk (more first), then due
 * time, then contact key. The lapse model is fitted once for the run (or taken from opts).
 * *out is agenda_init()ed here and released by the caller. A contact whose evaluation fails
 * on its own data (a rule's condition or template, FU_EINPUT) does not fail the agenda: it is
 * listed in out->errors, every other contact's follow-up is still there, and it is evaluated
 * again on the next run. Fails on store errors and out-of-memory.
 *
 * Only the contacts whose follow-up could have appeared or changed are evaluated: the
 * store's wake cache (store.h) says which, and every contact evaluated has its wake stored
 * again in the same transaction. The cache is not used (every contact is evaluated and
 * the cache filled anew) with opts->full, after another playbook, wake rules or rhythm
 * prior (new purchases), and when opts->now is earlier than the clock the cache was filled at. When the wakes cannot be
 * written (a read-only database, or another writer moved the log on meanwhile) the agenda
 * is still returned and the cache stays as it was.
 */
int agenda_build(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		 const struct agenda_opts *opts, struct agenda *out);

/*
 * The follow-up open now for one contact (by id), whatever its due day: *open = 0 when none.
 * The lapse model is fitted from the store's purchases up to now, as the agenda does.
 * FU_ENOTFOUND when there is no such contact.
 */
int agenda_contact(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		   int64_t contact_id, int64_t now, struct followup *out, int *open);

/*
 * The zone a contact's days are counted in: its own, else the playbook's, else UTC (a stored
 * zone that fails to load is skipped), from zones (which owns it). Out of memory is an
 * error, not a reason to fall back to another zone.
 */
int agenda_zone(struct fu_ctx *ctx, struct tz_cache *zones, const struct playbook *pb,
		const struct contact *c, const struct tz **out);

/*
 * The open follow-up named followup_id ("F12-345", as the agenda names it) at now, in *out
 * (release it with followup_release on success; nothing to release on failure). FU_EINPUT
 * when the id is malformed, nothing is open for the contact, or its follow-up has changed
 * since (its id differs); FU_ENOTFOUND when there is no such contact.
 */
int agenda_followup(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		    const char *followup_id, int64_t now, struct followup *out);

/*
 * Loads the playbook in effect: the one stored with `playbook use` (playbook_load_stored: a
 * rule that a newer check refuses is left out, in pb->skipped), else the built-in one.
 */
int agenda_playbook(struct fu_ctx *ctx, struct store *s, struct playbook *pb);

/*
 * agenda_build with the playbook in effect (agenda_playbook), loaded and released here: the
 * day's agenda as every front end asks for it. Fails as either does.
 */
int agenda_build_current(struct fu_ctx *ctx, struct store *s, const struct agenda_opts *opts,
			 struct agenda *a);

#endif
