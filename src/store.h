/* store.h - the storage interface: the append-only event log, contacts and derived state */
#ifndef FU_STORE_H
#define FU_STORE_H

#include <stdint.h>

#include "fu.h"
#include "model.h"

/*
 * All SQL lives behind this interface (store_sqlite.c is the first backend), so another
 * backend can be added without touching the callers. Every function returns FU_OK or a
 * result code with the message on ctx; strings returned inside structs are malloced and
 * freed by the caller through the struct's _release function.
 */
struct store;

#define STORE_SCHEMA_VERSION 7

enum store_mode {
	STORE_OPEN_EXISTING, /* fail with FU_ENOTFOUND when the file does not exist */
	STORE_OPEN_CREATE    /* create the file and schema when missing */
};

/*
 * Contention: readers never wait (WAL: they read the last committed state, also during an
 * import); a writer waits up to STORE_BUSY_TIMEOUT_MS for another writer to finish, then
 * fails with FU_EBUSY ("busy ... try again", exit 1). Two minutes: a first import of a
 * few million events holds the write lock for its whole transaction (all or nothing), and
 * an `event` typed meanwhile should wait for it rather than fail (t0014 saw 30 s run out
 * on a loaded machine).
 */
#define STORE_BUSY_TIMEOUT_MS 120000

/*
 * Opens (and migrates) the database at path. *out is freed with store_close(). FU_EINPUT
 * when path is a directory or not a followup database; FU_EACCESS when it cannot be
 * opened. A read-only file opens for reading: writes then fail with FU_EACCESS, except the
 * agenda's wake cache, which is silently not written (store_wake_set does nothing).
 */
int store_open(struct fu_ctx *ctx, const char *path, int mode, struct store **out);
void store_close(struct store *s);
/*
 * A second, read-only connection to the database of s (already migrated), for another
 * thread: each connection is used by one thread at a time. Freed with store_close().
 */
int store_open_reader(struct fu_ctx *ctx, const struct store *s, struct store **out);
int store_schema_version(struct fu_ctx *ctx, struct store *s, int *version);

/*
 * Transactions. store_rollback never fails (it is used on error paths). store_begin takes
 * the write lock at once; store_begin_read takes nothing until the first read (and a later
 * write in it fails with FU_EDB when another connection wrote in between).
 */
int store_begin(struct fu_ctx *ctx, struct store *s);
int store_begin_read(struct fu_ctx *ctx, struct store *s);
int store_commit(struct fu_ctx *ctx, struct store *s);
void store_rollback(struct store *s);
/*
 * How long a write waits for another writer: STORE_BUSY_TIMEOUT_MS normally; 0 for a write
 * that is only worth doing at once (a cache), which then fails with FU_EBUSY right away.
 */
void store_busy_wait(struct store *s, int ms);
/*
 * A savepoint inside the open transaction (one level: they do not nest), so that one part of
 * a larger transaction can be undone alone: store_savepoint_rollback undoes what was written
 * since store_savepoint and ends the savepoint (never fails); store_savepoint_release keeps it.
 */
int store_savepoint(struct fu_ctx *ctx, struct store *s);
int store_savepoint_release(struct fu_ctx *ctx, struct store *s);
void store_savepoint_rollback(struct store *s);
/*
 * Settings for a large batch, switched outside a transaction: a rollback journal instead
 * of WAL when no other connection is open, a bigger cache, and no foreign-key checks, so
 * callers in bulk mode must take contact ids from store_contact_ensure() only.
 */
void store_bulk_mode(struct store *s, int on);
/*
 * Settings for a connection that serves many requests for a long time (followup serve): a
 * 16 MiB page cache, so that the pages a request reads are mostly there from the last ones,
 * and the log copied back into the file (a checkpoint) after 64 MiB of it rather than 4 MiB:
 * the same hot pages (contact states, wakes) are written back once instead of again and again.
 */
void store_serving_mode(struct store *s);

/*
 * Inserts or updates a contact's profile by key. Fields that are NULL keep their stored
 * value; attrs (a JSON object) is merged key by key. Sets c->id. *created (if non-NULL)
 * is 1 when the contact is new.
 */
int store_contact_upsert(struct fu_ctx *ctx, struct store *s, struct contact *c, int *created);

/* The id of the contact with key, creating a bare contact when missing. */
int store_contact_ensure(struct fu_ctx *ctx, struct store *s, const char *key, int64_t *id,
			 int *created);

/* Loads the contact with id into *c (contact_init()ed by the caller). FU_ENOTFOUND if none. */
int store_contact_get_id(struct fu_ctx *ctx, struct store *s, int64_t id, struct contact *c);

/* Loads the contact with key into *c (contact_init()ed by the caller). FU_ENOTFOUND if none. */
int store_contact_get(struct fu_ctx *ctx, struct store *s, const char *key, struct contact *c);

/*
 * The contact whose e-mail is email (ASCII case ignored; the oldest when several share it)
 * into *c (contact_init()ed by the caller). FU_ENOTFOUND if none.
 */
int store_contact_get_email(struct fu_ctx *ctx, struct store *s, const char *email,
			    struct contact *c);

/* *found: whether an event with ext_id is stored. */
int store_event_ext_exists(struct fu_ctx *ctx, struct store *s, const char *ext_id, int *found);

/*
 * Who the events this connection appends from now on are by (kept with each one, shown by
 * `show` and the API's timeline): "ana" (a web session), "ana (token 3)" (an API token,
 * by its id, never its secret), "form:site", "job:send", "cli:alice" (the CLI's OS user);
 * NULL or "" for unknown. At most STORE_AUTHOR_MAX bytes are kept. Not part of an event's
 * content (store_event_same).
 */
#define STORE_AUTHOR_MAX 160
void store_set_author(struct store *s, const char *author);

/*
 * Appends e (e->contact_id must be set, e->type valid, e->time set) by the connection's
 * author (store_set_author). Sets e->id. When e->ext_id is already stored nothing is
 * written and *inserted is 0. recorded_at is the clock's time of recording.
 */
int store_event_append(struct fu_ctx *ctx, struct store *s, struct event *e, int64_t recorded_at,
		       int *inserted);
/*
 * *same: whether an event with e->ext_id is stored with e's content (type, contact id,
 * time, amount, ref, due, channel, outcome, note; not when it was recorded).
 */
int store_event_same(struct fu_ctx *ctx, struct store *s, const struct event *e, int *same);

/*
 * A first bulk load: inside a transaction, when the event log is empty, drops its indexes
 * (*active = 1) so that appends are cheap; otherwise does nothing (*active = 0). While
 * active, store_event_append() does not see ids repeated within the batch; after the batch,
 * store_events_bulk_end() keeps only the first event of each repeated id (counting the
 * others in *dropped) and builds the indexes again. Rolling back undoes both.
 */
int store_events_bulk_begin(struct fu_ctx *ctx, struct store *s, int *active);
/*
 * When a repeated id came with other content, conflict[0] and conflict[1] are set to the
 * ids of the first such pair (earlier, later; else both 0), nothing is dropped, and the
 * caller must roll back.
 */
int store_events_bulk_end(struct fu_ctx *ctx, struct store *s, int64_t *dropped,
			  int64_t conflict[2]);

/*
 * Appends the n events ev[0..n) in order while a bulk load is active, many rows to a
 * statement, and sets each ev[i].id (ids ascend in the order given). Like appends in bulk
 * mode, no ext_id is checked here (store_events_bulk_end() does). The events are only read
 * during the call; the caller keeps ownership. On failure some of them may be stored: the
 * caller rolls the transaction back.
 */
int store_events_bulk_append(struct fu_ctx *ctx, struct store *s, struct event *ev, size_t n,
			     int64_t recorded_at);

/*
 * An import's contacts and states in bulk, inside its transaction: from
 * store_contacts_bulk_begin until store_contacts_bulk_end, the agenda's wake rows of new
 * contacts are not made one by one but together at the end (a profile or state written
 * for an older contact still forgets its wake at once). Call store_state_fill_missing
 * before the end. Rolling back undoes both.
 */
int store_contacts_bulk_begin(struct fu_ctx *ctx, struct store *s);
int store_contacts_bulk_end(struct fu_ctx *ctx, struct store *s);

/* Callback for scans: return FU_OK to go on, anything else stops the scan and is returned. */
typedef int (*store_event_fn)(struct fu_ctx *ctx, void *arg, const struct event *e);

/* Every event of one contact, in (time, id) order. */
int store_events_of_contact(struct fu_ctx *ctx, struct store *s, int64_t contact_id,
			    store_event_fn fn, void *arg);
/* Every event, grouped by contact id ascending, each contact's in (time, id) order. */
int store_events_scan(struct fu_ctx *ctx, struct store *s, store_event_fn fn, void *arg);
/*
 * Every purchase at or before until, grouped by contact id ascending, in (time, id) order.
 * Only the id, type, contact id, time and amount of each are read (a purchase log's
 * columns); they are held in memory during the call (32 bytes a purchase).
 */
int store_purchases_scan(struct fu_ctx *ctx, struct store *s, int64_t until, store_event_fn fn,
			 void *arg);
/* *found: whether an event after after_id (by id) is a purchase made before `before`. */
int store_purchase_since(struct fu_ctx *ctx, struct store *s, int64_t after_id, int64_t before,
			 int *found);

/*
 * A forward cursor over the log for the timelines of many contacts taken in ascending id
 * order: consecutive contacts are read in one pass, a gap is crossed with one seek.
 * store_events_cursor_open sets *out (freed with store_events_cursor_close, which accepts
 * NULL); store_events_cursor_contact passes every event of contact_id in (time, id) order
 * to fn; ids must ascend from call to call. The events are borrowed for the call only.
 */
struct store_events_cursor;
int store_events_cursor_open(struct fu_ctx *ctx, struct store *s,
			     struct store_events_cursor **out);
int store_events_cursor_contact(struct fu_ctx *ctx, struct store_events_cursor *cur,
				int64_t contact_id, store_event_fn fn, void *arg);
void store_events_cursor_close(struct store_events_cursor *cur);

/* Derived state: write one (replacing), read one (FU_ENOTFOUND if none), clear all. */
int store_state_put(struct fu_ctx *ctx, struct store *s, const struct contact_state *st);
int store_state_get(struct fu_ctx *ctx, struct store *s, int64_t contact_id,
		    struct contact_state *st);
int store_state_clear(struct fu_ctx *ctx, struct store *s);
/* Contacts that have no state row get an empty one (contacts without events). */
int store_state_fill_missing(struct fu_ctx *ctx, struct store *s);

/* A contact with its state, as listed. */
typedef int (*store_contact_fn)(struct fu_ctx *ctx, void *arg, const struct contact *c,
				const struct contact_state *st);

struct contact_filter {
	const char *owner;   /* exact owner, "" for unowned, NULL for any */
	const char *search;  /* substring of key, name, email or company, or NULL */
};

/* Contacts matching f, ordered by key. */
int store_contacts_list(struct fu_ctx *ctx, struct store *s, const struct contact_filter *f,
			store_contact_fn fn, void *arg);

/*
 * The agenda's wake cache: derived, rebuildable, and only ever used to skip contacts that
 * cannot have changed (engine.h, struct engine_wake): per contact the local day its
 * follow-up is due on (days since the epoch, in the contact's zone), the instant it must be
 * looked at again, and the instant it could be escalated (STORE_WAKE_NEVER for never). All three become unknown whenever the contact's profile or
 * state is written, and for everyone with store_wake_forget_all().
 */
#define STORE_WAKE_NEVER INT64_MAX

struct store_wake {
	int64_t contact_id;
	int64_t due_day;
	int64_t wake;
	int64_t escalate;
};

struct wake_filter {
	int every;            /* every contact, whatever its wake */
	const char *owner;    /* owner ("" unowned), or NULL for any */
	int64_t due_day_by;   /* the owner's contacts due on a local day <= due_day_by ... */
	int64_t wake_by;      /* ... or wake <= wake_by */
	int64_t escalate_by;  /* with an owner: also any contact with escalate <= escalate_by */
};

/*
 * The contacts to evaluate, by id ascending, with their state (an empty one when none):
 * those f selects, and always those whose wake is unknown (with an owner, those of the
 * owner and the unowned ones: another owner's contacts never reach this owner's agenda).
 */
int store_wake_candidates(struct fu_ctx *ctx, struct store *s, const struct wake_filter *f,
			  store_contact_fn fn, void *arg);
/*
 * Stores n wakes (the caller's array is only read; a wake already stored is not written
 * again); call inside a transaction for speed.
 */
int store_wake_set(struct fu_ctx *ctx, struct store *s, const struct store_wake *v, size_t n);
/* Makes every contact's wake unknown (after `playbook use`, a rebuild, ...). */
int store_wake_forget_all(struct fu_ctx *ctx, struct store *s);

/* Counts: contacts, and events of each type (counts[EV__COUNT]). */
int store_count_contacts(struct fu_ctx *ctx, struct store *s, int64_t *n);
int store_count_events(struct fu_ctx *ctx, struct store *s, int64_t counts[EV__COUNT]);
/* Largest contact id so far (0 when none). */
int store_max_contact_id(struct fu_ctx *ctx, struct store *s, int64_t *id);
/* Largest event id so far (0 when none): the log only grows, so it names the log's extent. */
int store_max_event_id(struct fu_ctx *ctx, struct store *s, int64_t *id);

/*
 * The playbook in effect: store_playbook_get sets *yaml to the source kept by
 * store_playbook_set (malloced, the caller frees) or to NULL for the built-in playbook.
 * store_playbook_set keeps yaml (NULL: back to the built-in one) and makes every contact's
 * agenda wake unknown, in one transaction of its own: on failure nothing has changed.
 */
int store_playbook_get(struct fu_ctx *ctx, struct store *s, char **yaml);
int store_playbook_set(struct fu_ctx *ctx, struct store *s, const char *yaml);

/* Metadata key/value (e.g. "created_at"). *value is malloced or NULL when unset. */
int store_meta_get(struct fu_ctx *ctx, struct store *s, const char *key, char **value);
int store_meta_set(struct fu_ctx *ctx, struct store *s, const char *key, const char *value);
int store_meta_delete(struct fu_ctx *ctx, struct store *s, const char *key);

/*
 * The outbox (outbox.h): its history is the `message` events (type EV_MESSAGE, ref = the
 * message's identity), read through their own index. store_messages_scan passes every
 * message event, grouped by identity (ascending) and in id order within one;
 * store_messages_of those of one identity, in id order. Events are borrowed for the call.
 */
int store_messages_scan(struct fu_ctx *ctx, struct store *s, store_event_fn fn, void *arg);
int store_messages_of(struct fu_ctx *ctx, struct store *s, const char *identity,
		      store_event_fn fn, void *arg);

/*
 * ---- Accounts (the server's users, tokens, web forms) ----
 * Users have a role ("admin" or "rep") and a password hash (account.h makes it). Tokens
 * (kind "api", "calendar" or "session") are stored only as a hash of their secret; a
 * session also keeps its CSRF token and an expiry. Strings in these structs are malloced
 * and freed by the struct's _release function.
 */
struct store_user {
	int64_t id;
	char *name;
	char *role;
	int64_t created_at;
	int64_t tokens; /* live tokens of any kind (filled by store_users_list) */
};
void store_user_release(struct store_user *u);

/* Adds a user; FU_EINPUT "user 'x' already exists" when the name is taken. Sets u->id. */
int store_user_add(struct fu_ctx *ctx, struct store *s, struct store_user *u, const char *pwhash);
/* Loads a user by name (and its password hash into *pwhash, malloced, when non-NULL). */
int store_user_get(struct fu_ctx *ctx, struct store *s, const char *name, struct store_user *u,
		   char **pwhash);
int store_user_set_password(struct fu_ctx *ctx, struct store *s, const char *name,
			    const char *pwhash);
/* Removes a user and every token of theirs; FU_ENOTFOUND when there is none. */
int store_user_remove(struct fu_ctx *ctx, struct store *s, const char *name);
typedef int (*store_user_fn)(struct fu_ctx *ctx, void *arg, const struct store_user *u);
/* Every user by name. */
int store_users_list(struct fu_ctx *ctx, struct store *s, store_user_fn fn, void *arg);

struct store_token {
	int64_t id;
	int64_t user_id;
	char *user;       /* the user's name and role (read only) */
	char *role;
	char *kind;       /* "api", "calendar" or "session" */
	int read_only;
	char *csrf;       /* sessions: the CSRF token form posts must carry */
	int64_t created_at;
	int64_t expires_at; /* FU_TIME_NONE for never */
	int64_t revoked_at; /* FU_TIME_NONE while live */
};
void store_token_release(struct store_token *t);

/* Stores a token for t->user_id with hash (hex); sets t->id. */
int store_token_add(struct fu_ctx *ctx, struct store *s, struct store_token *t, const char *hash);
/* The live token (not revoked, not expired at now) with hash; FU_ENOTFOUND when none. */
int store_token_find(struct fu_ctx *ctx, struct store *s, const char *hash, int64_t now,
		     struct store_token *t);
/* Revokes token id (of any kind) at now; FU_ENOTFOUND when no live token has that id. */
int store_token_revoke(struct fu_ctx *ctx, struct store *s, int64_t id, int64_t now);
typedef int (*store_token_fn)(struct fu_ctx *ctx, void *arg, const struct store_token *t);
/* Every token that is not a session (revoked ones too), of one user (NULL: all) by id. */
int store_tokens_list(struct fu_ctx *ctx, struct store *s, const char *user, store_token_fn fn,
		      void *arg);

struct store_form {
	int64_t id;
	char *name;
	char *key;      /* the public key in /f/KEY */
	char *redirect; /* the thank-you page, or NULL */
	char *origin;   /* the site allowed to post with fetch (CORS), or NULL */
	char *owner;    /* the owner of the leads it makes, or NULL */
	int64_t created_at;
};
void store_form_release(struct store_form *f);
/* Adds a form; FU_EINPUT when the name is taken. */
int store_form_add(struct fu_ctx *ctx, struct store *s, struct store_form *f);
/* Loads a form by name (by_key = 0) or by its key (by_key = 1); FU_ENOTFOUND when none. */
int store_form_get(struct fu_ctx *ctx, struct store *s, const char *name_or_key, int by_key,
		   struct store_form *f);
int store_form_remove(struct fu_ctx *ctx, struct store *s, const char *name);
typedef int (*store_form_fn)(struct fu_ctx *ctx, void *arg, const struct store_form *f);
int store_forms_list(struct fu_ctx *ctx, struct store *s, store_form_fn fn, void *arg);

/*
 * The response kept for an Idempotency-Key of one user with a hash of the request's body
 * (text; NULL: none): *found = 0 when none, else STORE_IDEM_SAME or STORE_IDEM_OTHER_BODY
 * (the key was kept with another body hash; a key or a call without one matches any), and
 * *status and *body (malloced) are the first answer. store_idem_put keeps one (first one
 * wins).
 */
#define STORE_IDEM_SAME 1
#define STORE_IDEM_OTHER_BODY 2
int store_idem_get(struct fu_ctx *ctx, struct store *s, const char *key, int64_t user_id,
		   const char *body_hash, int *found, int *status, char **body);
int store_idem_put(struct fu_ctx *ctx, struct store *s, const char *key, int64_t user_id,
		   const char *body_hash, int status, const char *body, int64_t now);

/*
 * Housekeeping: removes web sessions that expired before sessions_before (and revoked ones)
 * and the idempotency answers kept since before idem_before; *sessions and *idem receive
 * how many rows went.
 */
int store_expire(struct fu_ctx *ctx, struct store *s, int64_t sessions_before,
		 int64_t idem_before, int64_t *sessions, int64_t *idem);

/* A consistent copy of the whole database into the file at path (SQLite's online backup). */
int store_backup(struct fu_ctx *ctx, struct store *s, const char *path);

#endif
