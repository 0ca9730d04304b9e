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
	/* zones loaded once for many runs (borrowed; tz_cache_new_shared when several threads
	 * use it), or NULL: the run loads its own */
	struct tz_cache *zones;
	/*
	 * now is the system's clock, read when the run began: when the wake cache was saved at a
	 * later moment (another run, the event writer, which read the same clock after this run
	 * read it and before its snapshot began), the run takes that moment as now instead of
	 * evaluating every contact (a cache is valid only from the moment it was saved)
	 */
	int live_clock;
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

/*
 * The wakes of contacts ids[0..n) (sorted, distinct) at now, found with pb and stored in the
 * caller's open write transaction, right after their state was written: so that the agenda's
 * cache stays valid for them instead of their wakes being unknown until an agenda run can
 * save them (the server's event writer calls it for the contacts of each group). Done only
 * when the cache was filled with this playbook, the same wake rules and rhythm prior (else
 * the next agenda run evaluates everyone anyway); zones as in struct agenda_opts (NULL: its
 * own). The cache's clock is moved on to now when it is earlier, as an agenda run does. Fails
 * on store errors and out-of-memory (the caller may go on: wakes not written stay unknown).
 */
int agenda_wake_contacts(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
			 struct tz_cache *zones, const int64_t *ids, size_t n, int64_t now);

/*
 * The playbook in effect parsed once and shared read-only by several threads (the server's
 * requests and its event writer): agenda_playbooks_get gives the one agenda_playbook would
 * load, parsed again only when the stored text differs from the one it was parsed from;
 * each one given is handed back with agenda_playbooks_put (a playbook replaced meanwhile is
 * freed when its last user puts it back). Guarded by a mutex of its own; free it when no
 * thread uses it any more.
 */
struct agenda_playbooks;
struct agenda_playbooks *agenda_playbooks_new(void);
void agenda_playbooks_free(struct agenda_playbooks *c);
int agenda_playbooks_get(struct fu_ctx *ctx, struct agenda_playbooks *c, struct store *s,
			 const struct playbook **pb);
void agenda_playbooks_put(struct agenda_playbooks *c, const struct playbook *pb);

#endif
