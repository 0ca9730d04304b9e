/* store_sqlite.c - the SQLite backend of store.h; the only file in followup that holds SQL */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "banned.h"

enum stmt_id {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_CONTACT_BY_KEY,
	ST_CONTACT_INSERT_KEY,
	ST_CONTACT_GET,
	ST_CONTACT_GET_ID,
	ST_CONTACT_UPSERT,
	ST_EVENT_INSERT,
	ST_EVENTS_OF_CONTACT,
	ST_EVENTS_SCAN,
	ST_PURCHASES_SCAN,
	ST_PURCHASE_SINCE,
	ST_STATE_PUT,
	ST_STATE_GET,
	ST_STATE_CLEAR,
	ST_STATE_FILL,
	ST_CONTACTS_LIST,
	ST_COUNT_CONTACTS,
	ST_COUNT_EVENTS,
	ST_MAX_CONTACT,
	ST_MAX_EVENT,
	ST_META_GET,
	ST_META_SET,
	ST_META_DELETE,
	ST_WAKE_EVERY,
	ST_WAKE_OWNER,
	ST_WAKE_ANY,
	ST_WAKE_SET,
	ST_WAKE_FORGET,
	ST_EVENT_SAME,
	ST_SAVEPOINT,
	ST_SAVEPOINT_RELEASE,
	ST_SAVEPOINT_ROLLBACK,
	ST_IDEM_GET,
	ST_IDEM_PUT,
	ST_IDEM_EXPIRE,
	ST_SESSION_EXPIRE,
	ST_CONTACT_GET_EMAIL,
	ST_EVENT_EXT_EXISTS,
	ST_TOKEN_FIND,
	ST_WAKE_FORGET_ONE,
	ST_WAKE_PROFILE,
	ST_WAKE_NEW_SINCE,
	ST__COUNT
};

/* A token with its user (read_token). */
#define TOKEN_COLS                                                                         \
	"t.id, t.user_id, u.name, u.role, t.kind, t.read_only, t.csrf, t.created_at, "       \
	"t.expires_at, t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id "

#define EVENT_COLS "id, ext_id, type, contact_id, time, amount, ref, due, channel, outcome, note"
/* The state's columns, from CONTACT_STATE_COLUMNS (model.h): names, s.names, placeholders. */
#define STATE_COL(name, kind) ", " #name
#define STATE_SCOL(name, kind) ", s." #name
#define STATE_PARAM(name, kind) ", ?"
#define STATE_COLS "contact_id" CONTACT_STATE_COLUMNS(STATE_COL)
#define CONTACT_COLS "c.id, c.key, c.name, c.email, c.phone, c.company, c.owner, c.tz, c.attrs"
#define CONTACT_NCOLS 9
/* A contact and its state (STATE_COLS from s), as read by read_contact and read_state. */
#define CONTACT_STATE_COLS                                                                    \
	CONTACT_COLS ", s.contact_id" CONTACT_STATE_COLUMNS(STATE_SCOL) " "                  \
	"FROM contacts c LEFT JOIN contact_state s ON s.contact_id = c.id "

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CONTACT_BY_KEY] = "SELECT id FROM contacts WHERE key = ?1",
	[ST_CONTACT_INSERT_KEY] = "INSERT INTO contacts(key) VALUES (?1)",
	[ST_CONTACT_GET] = "SELECT " CONTACT_COLS " FROM contacts c WHERE c.key = ?1",
	[ST_CONTACT_GET_ID] = "SELECT " CONTACT_COLS " FROM contacts c WHERE c.id = ?1",
	[ST_CONTACT_UPSERT] =
		"INSERT INTO contacts(key, name, email, phone, company, owner, tz, attrs) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		"ON CONFLICT(key) DO UPDATE SET "
		"name = coalesce(excluded.name, name), email = coalesce(excluded.email, email), "
		"phone = coalesce(excluded.phone, phone), "
		"company = coalesce(excluded.company, company), "
		"owner = coalesce(excluded.owner, owner), tz = coalesce(excluded.tz, tz), "
		"attrs = CASE WHEN excluded.attrs IS NULL THEN attrs WHEN attrs IS NULL "
		"THEN excluded.attrs ELSE json_patch(attrs, excluded.attrs) END "
		"RETURNING id, owner",
	[ST_EVENT_INSERT] =
		"INSERT OR IGNORE INTO events(ext_id, type, contact_id, time, amount, ref, due, "
		"channel, outcome, note, recorded_at, author) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	/* a timeline is shown: with who wrote each event (the engine's reads leave it out) */
	[ST_EVENTS_OF_CONTACT] = "SELECT " EVENT_COLS ", author"
				 " FROM events WHERE contact_id = ?1 ORDER BY time, id",
	[ST_EVENTS_SCAN] = "SELECT " EVENT_COLS " FROM events ORDER BY contact_id, time, id",
	/*
	 * a whole-table read in the order of the file (the (contact, time) index would visit
	 * the rows one by one), sorted in memory by store_purchases_scan: only the columns a
	 * purchase log needs ("+type": see ST_EVENT_SAME)
	 */
	[ST_PURCHASES_SCAN] = "SELECT id, contact_id, time, amount FROM events NOT INDEXED "
			      "WHERE +type = ?2 AND time <= ?1 ORDER BY id",
	[ST_PURCHASE_SINCE] = "SELECT EXISTS(SELECT 1 FROM events WHERE id > ?1 AND type = ?2 "
			      "AND time < ?3)",
	[ST_STATE_PUT] = "INSERT OR REPLACE INTO contact_state(" STATE_COLS ") VALUES (?"
			 CONTACT_STATE_COLUMNS(STATE_PARAM) ")",
	[ST_STATE_GET] = "SELECT " STATE_COLS " FROM contact_state WHERE contact_id = ?1",
	[ST_STATE_CLEAR] = "DELETE FROM contact_state",
	[ST_STATE_FILL] = "INSERT INTO contact_state(contact_id) SELECT id FROM contacts "
			  "WHERE id NOT IN (SELECT contact_id FROM contact_state)",
	[ST_CONTACTS_LIST] =
		"SELECT " CONTACT_STATE_COLS "WHERE (?1 IS NULL OR coalesce(c.owner, '') = ?1) AND (?2 IS NULL OR "
		"instr(lower(c.key || ' ' || coalesce(c.name, '') || ' ' || coalesce(c.email, '') "
		"|| ' ' || coalesce(c.company, '')), lower(?2)) > 0) ORDER BY c.key",
	[ST_COUNT_CONTACTS] = "SELECT count(*) FROM contacts",
	[ST_COUNT_EVENTS] = "SELECT type, count(*) FROM events GROUP BY type",
	[ST_MAX_CONTACT] = "SELECT coalesce(max(id), 0) FROM contacts",
	[ST_MAX_EVENT] = "SELECT coalesce(max(id), 0) FROM events",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
	[ST_META_DELETE] = "DELETE FROM meta WHERE key = ?1",
	[ST_WAKE_EVERY] = "SELECT " CONTACT_STATE_COLS "ORDER BY c.id",
	[ST_WAKE_OWNER] =
		"SELECT " CONTACT_STATE_COLS "WHERE c.id IN ("
		"SELECT contact_id FROM contact_wake WHERE owner = ?1 AND due_day <= ?2 "
		"UNION ALL SELECT contact_id FROM contact_wake WHERE owner = ?1 AND wake <= ?3 "
		"UNION ALL SELECT contact_id FROM contact_wake WHERE owner IN (?1, '') AND wake IS NULL "
		"UNION ALL SELECT contact_id FROM contact_wake WHERE esc <= ?4 AND +owner = '') "
		"ORDER BY c.id",
	/* one pass over the small wake table (an index each would slow every wake written) */
	[ST_WAKE_ANY] =
		"SELECT " CONTACT_STATE_COLS "WHERE c.id IN ("
		"SELECT contact_id FROM contact_wake WHERE due_day <= ?2 OR wake <= ?3 "
		"OR wake IS NULL) ORDER BY c.id",
	[ST_WAKE_SET] = "UPDATE contact_wake SET due_day = ?2, wake = ?3, esc = ?4 "
			"WHERE contact_id = ?1 AND (due_day IS NOT ?2 OR wake IS NOT ?3 OR esc IS NOT ?4)",
	[ST_WAKE_FORGET] = "UPDATE contact_wake SET due_day = NULL, wake = NULL, esc = NULL "
			   "WHERE wake IS NOT NULL",
	/* no index on e-mail: only a received message that names none of ours asks this */
	[ST_CONTACT_GET_EMAIL] = "SELECT " CONTACT_COLS " FROM contacts c "
				 "WHERE c.email = ?1 COLLATE NOCASE ORDER BY c.id LIMIT 1",
	[ST_EVENT_EXT_EXISTS] = "SELECT EXISTS(SELECT 1 FROM events WHERE ext_id = ?1)",
	/*
	 * "+type": with "type = ?2" the planner compares ?2 with the partial index's "type = 11"
	 * (events_message), which makes SQLite prepare the statement again at every new binding
	 * (74% of a re-import's time)
	 */
	[ST_EVENT_SAME] = "SELECT EXISTS(SELECT 1 FROM events WHERE ext_id = ?1 AND +type = ?2 "
			  "AND contact_id = ?3 AND time = ?4 AND amount IS ?5 AND ref IS ?6 "
			  "AND due IS ?7 AND channel IS ?8 AND outcome IS ?9 AND note IS ?10)",
	[ST_SAVEPOINT] = "SAVEPOINT one",
	[ST_SAVEPOINT_RELEASE] = "RELEASE one",
	[ST_SAVEPOINT_ROLLBACK] = "ROLLBACK TO one",
	[ST_IDEM_GET] = "SELECT status, body, body_hash IS NULL OR ?3 IS NULL OR body_hash = ?3 "
			"FROM idempotency WHERE key = ?1 AND user_id = ?2",
	[ST_IDEM_PUT] = "INSERT OR IGNORE INTO idempotency(key, user_id, status, body, created_at, "
			"body_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_IDEM_EXPIRE] = "DELETE FROM idempotency WHERE created_at < ?1",
	[ST_SESSION_EXPIRE] = "DELETE FROM tokens WHERE kind = 'session' AND (expires_at < ?1 OR "
			      "revoked_at IS NOT NULL)",
	/* every request's login: prepared once per connection */
	[ST_TOKEN_FIND] = "SELECT " TOKEN_COLS "WHERE t.hash = ?1 AND t.revoked_at IS NULL "
			  "AND (t.expires_at IS NULL OR t.expires_at > ?2)",
	/* an import's contacts in bulk (store_contacts_bulk_begin): what the wake triggers do */
	[ST_WAKE_FORGET_ONE] = "UPDATE contact_wake SET due_day = NULL, wake = NULL, esc = NULL "
			       "WHERE contact_id = ?1 AND wake IS NOT NULL",
	[ST_WAKE_PROFILE] = "UPDATE contact_wake SET owner = coalesce(?2, ''), due_day = NULL, "
			    "wake = NULL, esc = NULL WHERE contact_id = ?1",
	[ST_WAKE_NEW_SINCE] = "INSERT INTO contact_wake(contact_id, owner) "
			      "SELECT id, coalesce(owner, '') FROM contacts WHERE id > ?1",
};

/* The event log's indexes and delete guard; dropped and rebuilt around a first bulk load. */
#define SQL_EVENT_INDEXES                                                                  \
	"CREATE UNIQUE INDEX events_ext_id ON events(ext_id) WHERE ext_id IS NOT NULL;"      \
	"CREATE INDEX events_contact_time ON events(contact_id, time);"
#define SQL_EVENT_NO_DELETE                                                                \
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"                            \
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"

/* Schema version 1. Each later version adds one entry to migrations[]. */
static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE event_types(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT INTO event_types VALUES (0,'lead'),(1,'info_request'),(2,'email_click'),"
	"(3,'purchase'),(4,'invoice'),(5,'payment'),(6,'service'),(7,'appointment'),(8,'touch'),"
	"(9,'reply'),(10,'opt_out');"
	"CREATE TABLE contacts("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL UNIQUE,"
	" name TEXT, email TEXT, phone TEXT, company TEXT, owner TEXT, tz TEXT,"
	" attrs TEXT CHECK (attrs IS NULL OR json_valid(attrs)));"
	"CREATE INDEX contacts_owner ON contacts(owner);"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" ext_id TEXT,"
	" type INTEGER NOT NULL CHECK (type BETWEEN 0 AND 10),"
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	" time INTEGER NOT NULL,"
	" amount INTEGER, ref TEXT, due INTEGER, channel TEXT, outcome TEXT, note TEXT,"
	" recorded_at INTEGER NOT NULL);"
	SQL_EVENT_INDEXES
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	SQL_EVENT_NO_DELETE
	"CREATE TABLE contact_state("
	" contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),"
	" events INTEGER NOT NULL DEFAULT 0, first_event INTEGER, last_event INTEGER,"
	" lead_at INTEGER, purchases INTEGER NOT NULL DEFAULT 0,"
	" purchase_days INTEGER NOT NULL DEFAULT 0, first_purchase INTEGER,"
	" last_purchase INTEGER, spend INTEGER NOT NULL DEFAULT 0,"
	" invoices INTEGER NOT NULL DEFAULT 0, invoices_open INTEGER NOT NULL DEFAULT 0,"
	" open_amount INTEGER NOT NULL DEFAULT 0, payments INTEGER NOT NULL DEFAULT 0,"
	" paid_on_time INTEGER NOT NULL DEFAULT 0, paid_late INTEGER NOT NULL DEFAULT 0,"
	" services INTEGER NOT NULL DEFAULT 0, last_touch_in INTEGER, last_touch_out INTEGER,"
	" last_two_way INTEGER, opted_out_email INTEGER NOT NULL DEFAULT 0,"
	" do_not_contact INTEGER NOT NULL DEFAULT 0);";

/*
 * Version 2: the agenda's wake cache (see store.h). Every contact has a row, made with the
 * contact; writing a contact's profile or state makes its wake unknown (all NULL). The
 * owner is kept here ("" for none) so that indexes serve "owner = ? AND due <= ?" and
 * "owner = ? AND wake <= ?".
 */
/* The wake cache's triggers on contacts as they are since version 3 (made in v2 and v3). */
#define SQL_CONTACTS_WAKE_NEW                                                              \
	"CREATE TRIGGER contacts_wake_new AFTER INSERT ON contacts BEGIN"                     \
	" INSERT INTO contact_wake(contact_id, owner) VALUES (new.id, coalesce(new.owner, ''));" \
	" END;"
#define SQL_CONTACTS_WAKE_CHANGED                                                          \
	"CREATE TRIGGER contacts_wake_changed AFTER UPDATE ON contacts BEGIN"                 \
	" UPDATE contact_wake SET owner = coalesce(new.owner, ''), due_day = NULL, wake = NULL," \
	" esc = NULL WHERE contact_id = new.id; END;"
#define SQL_WAKE_FORGET_ROW_V2                                                             \
	"UPDATE contact_wake SET due = NULL, wake = NULL, esc = NULL"                         \
	" WHERE contact_id = new.contact_id AND wake IS NOT NULL;"
static const char schema_v2[] =
	"CREATE TABLE contact_wake("
	" contact_id INTEGER PRIMARY KEY REFERENCES contacts(id),"
	" owner TEXT NOT NULL DEFAULT '', due INTEGER, wake INTEGER, esc INTEGER);"
	"INSERT INTO contact_wake(contact_id, owner) SELECT id, coalesce(owner, '') FROM contacts;"
	"CREATE INDEX contact_wake_owner_due ON contact_wake(owner, due);"
	"CREATE INDEX contact_wake_owner_wake ON contact_wake(owner, wake);"
	"CREATE INDEX contact_wake_due ON contact_wake(due);"
	"CREATE INDEX contact_wake_wake ON contact_wake(wake);"
	"CREATE INDEX contact_wake_esc ON contact_wake(esc);"
	SQL_CONTACTS_WAKE_NEW
	"CREATE TRIGGER contacts_wake_changed AFTER UPDATE ON contacts BEGIN"
	" UPDATE contact_wake SET owner = coalesce(new.owner, ''), due = NULL, wake = NULL,"
	" esc = NULL WHERE contact_id = new.id; END;"
	"CREATE TRIGGER state_wake_new AFTER INSERT ON contact_state BEGIN " SQL_WAKE_FORGET_ROW_V2
	" END;"
	"CREATE TRIGGER state_wake_changed AFTER UPDATE ON contact_state BEGIN " SQL_WAKE_FORGET_ROW_V2
	" END;";

/*
 * Version 3: the wake cache keeps the local day a follow-up is due on (days since the epoch
 * in the contact's zone) instead of its instant, so that "due by the end of day D" is exact
 * in every zone (with instants it needed 14 hours of margin, which evaluated the next
 * morning's follow-ups of every zone east of UTC). A cache: every wake is forgotten. The
 * agenda of every owner reads the whole table instead of the indexes on due and wake alone,
 * which cost more to keep up on every wake written than they saved.
 */
#define SQL_WAKE_FORGET_ROW                                                                \
	"UPDATE contact_wake SET due_day = NULL, wake = NULL, esc = NULL"                     \
	" WHERE contact_id = new.contact_id AND wake IS NOT NULL;"
#define SQL_STATE_WAKE                                                                     \
	"CREATE TRIGGER state_wake_new AFTER INSERT ON contact_state BEGIN " SQL_WAKE_FORGET_ROW \
	" END;"                                                                               \
	"CREATE TRIGGER state_wake_changed AFTER UPDATE ON contact_state BEGIN " SQL_WAKE_FORGET_ROW \
	" END;"
static const char schema_v3[] =
	"DROP TRIGGER contacts_wake_changed;"
	"DROP TRIGGER state_wake_new;"
	"DROP TRIGGER state_wake_changed;"
	"DROP INDEX contact_wake_owner_due;"
	"DROP INDEX contact_wake_due;"
	"DROP INDEX contact_wake_wake;"
	"ALTER TABLE contact_wake RENAME COLUMN due TO due_day;"
	"UPDATE contact_wake SET due_day = NULL, wake = NULL, esc = NULL;"
	"CREATE INDEX contact_wake_owner_due_day ON contact_wake(owner, due_day);"
	SQL_CONTACTS_WAKE_CHANGED SQL_STATE_WAKE;

/*
 * Version 4: the event types message and bounce (the outbox, outbox.h). The log's CHECK on
 * the type named the first eleven; the table is copied once into one whose CHECK leaves the
 * range to the program (store_event_append refuses unknown types), so a new type needs no
 * copy again. The outbox reads its message events through a partial index.
 */
static const char schema_v4[] =
	"CREATE TABLE events_v4("
	" id INTEGER PRIMARY KEY,"
	" ext_id TEXT,"
	" type INTEGER NOT NULL CHECK (type >= 0),"
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	" time INTEGER NOT NULL,"
	" amount INTEGER, ref TEXT, due INTEGER, channel TEXT, outcome TEXT, note TEXT,"
	" recorded_at INTEGER NOT NULL);"
	"INSERT INTO events_v4 SELECT * FROM events;"
	"DROP TABLE events;"
	"ALTER TABLE events_v4 RENAME TO events;"
	SQL_EVENT_INDEXES
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	" BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	SQL_EVENT_NO_DELETE
	"INSERT INTO event_types VALUES (11,'message'),(12,'bounce');"
	"CREATE INDEX events_message ON events(ref, id) WHERE type = 11;";

/*
 * Version 5: the server's accounts (see "Accounts" at the end of store.h): users with their
 * password hashes, tokens (API, calendar, web session) kept only as hashes, web forms, and
 * the responses kept for Idempotency-Key replays.
 */
static const char schema_v5[] =
	"CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK (role IN ('admin', 'rep')), pwhash TEXT NOT NULL,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE tokens(id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('api', 'calendar', 'session')),"
	" hash TEXT NOT NULL UNIQUE, read_only INTEGER NOT NULL DEFAULT 0, csrf TEXT,"
	" created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);"
	"CREATE INDEX tokens_user ON tokens(user_id);"
	"CREATE TABLE forms(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" key TEXT NOT NULL UNIQUE, redirect TEXT, origin TEXT, owner TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE idempotency(key TEXT NOT NULL, user_id INTEGER NOT NULL, status INTEGER"
	" NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (key, user_id));";

/*
 * Version 6: who wrote each event (store_set_author): a user, a token by its id, a web form,
 * a server job or the CLI's OS user; NULL for the events written before. Not content: the
 * same event written again by someone else is still the same event.
 */
static const char schema_v6[] = "ALTER TABLE events ADD COLUMN author TEXT;";

/*
 * Version 7: a hash of the request's body kept with its Idempotency-Key, so that the key
 * reused with another body is refused instead of replayed (NULL for the keys kept before).
 */
static const char schema_v7[] = "ALTER TABLE idempotency ADD COLUMN body_hash TEXT;";

static const char *const migrations[] = { schema_v1, schema_v2, schema_v3, schema_v4,
						schema_v5, schema_v6, schema_v7 };

/* Rows in one statement of store_events_bulk_append(), and the parameters of one row. */
#define BULK_ROWS 128
#define EVENT_PARAMS 12

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST__COUNT];
	char *path;
	sqlite3_stmt *bulk_insert; /* BULK_ROWS rows; prepared by the first bulk append */
	int bulk_active;           /* between store_events_bulk_begin and _end */
	int readonly;              /* the file cannot be written: cache writes are skipped */
	int64_t bulk_last_id;      /* the id of the last event appended in bulk */
	int contacts_bulk;         /* between store_contacts_bulk_begin and _end: */
	int64_t contacts_before;   /* the largest contact id before it */
	int64_t contacts_max;      /* the largest contact id now */
	char author[STORE_AUTHOR_MAX + 1]; /* who the events appended now are by ("": unknown) */
};

/*
 * The error of the connection's last call, about `what` (detail: SQLite's message, or
 * another one). What is not a fault of followup gets its own code and a plain message:
 * contention past the busy timeout, a full disk, a read-only file, a file that is not a
 * database.
 */
static int db_fail(struct fu_ctx *ctx, struct store *s, const char *what, const char *detail)
{
	switch (sqlite3_errcode(s->db) & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return fu_err(ctx, FU_EBUSY, "%s: busy: another command (an import?) is writing; "
			      "waited %d s, try again", s->path, STORE_BUSY_TIMEOUT_MS / 1000);
	case SQLITE_FULL:
		return fu_err(ctx, FU_EIO, "%s: %s: the disk is full", s->path,
			      what);
	case SQLITE_READONLY:
		return fu_err(ctx, FU_EACCESS, "%s: %s: the database is read-only (reading commands "
			      "work; this one writes)", s->path, what);
	case SQLITE_NOTADB:
		return fu_err(ctx, FU_EINPUT, "%s: not a followup database (%s)", s->path, detail);
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return fu_err(ctx, FU_EACCESS, "%s: %s: %s", s->path, what, detail);
	default:
		return fu_err(ctx, FU_EDB, "%s: %s: %s", s->path, what, detail);
	}
}

static int db_err(struct fu_ctx *ctx, struct store *s, const char *what)
{
	return db_fail(ctx, s, what, sqlite3_errmsg(s->db));
}

/* The prepared statement id, prepared on first use and kept until store_close. */
static int stmt_get(struct fu_ctx *ctx, struct store *s, enum stmt_id id, sqlite3_stmt **out)
{
	*out = NULL;
	if (!s->stmt[id]) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->stmt[id], NULL) != SQLITE_OK)
			return db_err(ctx, s, "preparing a statement");
	}
	*out = s->stmt[id];
	return FU_OK;
}

static void stmt_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows. */
static int stmt_run(struct fu_ctx *ctx, struct store *s, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, id, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, what);
	return FU_OK;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t)
{
	if (t == FU_TIME_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, t);
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return FU_TIME_NONE;
	return sqlite3_column_int64(st, i);
}

/* Borrowed text: valid until the statement steps again. */
static char *col_text(sqlite3_stmt *st, int i)
{
	return (char *)sqlite3_column_text(st, i);
}

static int col_dup(struct fu_ctx *ctx, sqlite3_stmt *st, int i, char **out)
{
	const char *v = col_text(st, i);

	*out = NULL;
	if (!v)
		return FU_OK;
	*out = strdup(v);
	if (!*out)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a contact");
	return FU_OK;
}

static int exec_sql(struct fu_ctx *ctx, struct store *s, const char *sql, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = db_fail(ctx, s, what, msg ? msg : "unknown error");

		sqlite3_free(msg);
		return rc;
	}
	return FU_OK;
}

int store_schema_version(struct fu_ctx *ctx, struct store *s, int *version)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_err(ctx, s, "reading the schema version");
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "reading the schema version");
	return FU_OK;
}

static int migrate(struct fu_ctx *ctx, struct store *s)
{
	int version, rc;
	int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
	char sql[64];

	rc = store_schema_version(ctx, s, &version);
	if (rc)
		return rc;
	if (version > latest)
		return fu_err(ctx, FU_EINPUT,
			      "%s: schema version %d is newer than this program knows (%d); "
			      "upgrade followup",
			      s->path, version, latest);
	if (version == 0) {
		/* version 0 with tables: some other program's SQLite database, left alone */
		sqlite3_stmt *st;
		int tables;

		if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st,
				       NULL) != SQLITE_OK)
			return db_err(ctx, s, "reading the schema");
		rc = sqlite3_step(st);
		tables = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return db_err(ctx, s, "reading the schema");
		if (tables)
			return fu_err(ctx, FU_EINPUT, "%s: not a followup database (an SQLite file "
				      "of another program)", s->path);
	}
	if (version < latest && s->readonly)
		return fu_err(ctx, FU_EACCESS, "%s: the database is read-only and of an older schema "
			      "(%d); open it once where it can be written to upgrade it", s->path,
			      version);
	for (; version < latest; version++) {
		rc = exec_sql(ctx, s, "BEGIN IMMEDIATE", "starting a migration");
		if (rc)
			return rc;
		rc = exec_sql(ctx, s, migrations[version], "migrating the schema");
		if (!rc) {
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
			rc = exec_sql(ctx, s, sql, "migrating the schema");
		}
		if (!rc)
			rc = exec_sql(ctx, s, "COMMIT", "migrating the schema");
		if (rc) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return FU_OK;
}

/*
 * For a read-only file whose directory cannot take the WAL's -shm and -wal files and which
 * has none (read-only media, another user's directory): *uri, a malloced "file:" URI that
 * opens it as immutable, the only way SQLite reads such a WAL database. NULL otherwise.
 */
static int readonly_uri(struct fu_ctx *ctx, const char *path, char **uri)
{
	size_t n = strlen(path), k = 0;
	char *side, *dir, *slash;
	int can_create, exist;

	*uri = NULL;
	side = malloc(n + 5);
	dir = malloc(n + 2);
	if (!side || !dir) {
		free(side);
		free(dir);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", path);
	}
	memcpy(dir, path, n + 1);
	slash = strrchr(dir, '/');
	if (!slash)
		memcpy(dir, ".", 2);
	else
		slash[slash == dir] = '\0';
	can_create = access(dir, W_OK) == 0;
	snprintf(side, n + 5, "%s-shm", path);
	exist = access(side, R_OK) == 0;
	snprintf(side, n + 5, "%s-wal", path);
	exist = exist || access(side, F_OK) == 0;
	free(side);
	free(dir);
	if (can_create || exist)
		return FU_OK;
	*uri = malloc(3 * n + sizeof("file:?immutable=1"));
	if (!*uri)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", path);
	k = (size_t)snprintf(*uri, 6, "file:");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f)
			k += (size_t)snprintf(*uri + k, 4, "%%%02X", c);
		else
			(*uri)[k++] = (char)c;
	}
	memcpy(*uri + k, "?immutable=1", sizeof("?immutable=1"));
	return FU_OK;
}

int store_open(struct fu_ctx *ctx, const char *path, int mode, struct store **out)
{
	struct store *s;
	char *uri = NULL;
	struct stat sb;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX; /* one connection, one thread */
	int rc;

	*out = NULL;
	if (mode == STORE_OPEN_EXISTING && stat(path, &sb) != 0)
		return fu_err(ctx, FU_ENOTFOUND,
			      "%s: no such database (run 'followup init' or 'make demo' first)", path);
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return fu_err(ctx, FU_EINPUT, "%s: %s, not a database file", path,
			      S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
	if (mode == STORE_OPEN_CREATE)
		flags |= SQLITE_OPEN_CREATE;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", path);
	s->path = strdup(path);
	if (!s->path) {
		free(s);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", path);
	}
	/*
	 * a file this user cannot write is opened read-only outright: SQLite then reads a WAL
	 * database even where it cannot make the -shm file beside it
	 */
	if (stat(path, &sb) == 0 && access(path, W_OK) != 0) {
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
		s->readonly = 1;
		rc = readonly_uri(ctx, path, &uri);
		if (rc)
			goto fail;
		if (uri)
			flags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &s->db, flags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		rc = s->db ? db_err(ctx, s, "opening") :
			     fu_err(ctx, FU_ENOMEM, "out of memory opening %s", path);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(s->db, "main") == 1)
		s->readonly = 1;
	/*
	 * WAL always, also during imports: readers go on reading the last committed state while
	 * a writer works, and writers queue behind one another (the busy timeout). The WAL file
	 * is cut back to 64 MiB after a checkpoint, so a big import does not leave it large.
	 */
	rc = exec_sql(ctx, s,
		      s->readonly ? "PRAGMA foreign_keys = ON;" :
				    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				    "PRAGMA journal_size_limit = 67108864; PRAGMA foreign_keys = ON;",
		      "setting up");
	if (rc)
		goto fail;
	rc = migrate(ctx, s);
	if (rc)
		goto fail;
	*out = s;
	return FU_OK;
fail:
	store_close(s);
	return rc;
}

int store_open_reader(struct fu_ctx *ctx, const struct store *s, struct store **out)
{
	struct store *r;
	char *uri = NULL;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", s->path);
	r->path = strdup(s->path);
	if (!r->path) {
		free(r);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening %s", s->path);
	}
	rc = s->readonly ? readonly_uri(ctx, r->path, &uri) : FU_OK;
	if (rc) {
		store_close(r);
		return rc;
	}
	rc = sqlite3_open_v2(uri ? uri : r->path, &r->db, SQLITE_OPEN_READONLY |
			     SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		rc = r->db ? db_err(ctx, r, "opening") :
			     fu_err(ctx, FU_ENOMEM, "out of memory opening %s", s->path);
		store_close(r);
		return rc;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, STORE_BUSY_TIMEOUT_MS);
	r->readonly = 1;
	*out = r;
	return FU_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_finalize(s->bulk_insert);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int store_begin(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_BEGIN, "starting a transaction");
}

int store_begin_read(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_BEGIN_READ, "starting a transaction");
}

int store_commit(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_COMMIT, "committing");
}

void store_rollback(struct store *s)
{
	s->contacts_bulk = 0; /* the triggers it dropped are back */
	s->bulk_active = 0;
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void store_busy_wait(struct store *s, int ms)
{
	sqlite3_busy_timeout(s->db, ms);
}

int store_savepoint(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_SAVEPOINT, "starting a savepoint");
}

int store_savepoint_release(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_SAVEPOINT_RELEASE, "releasing a savepoint");
}

void store_savepoint_rollback(struct store *s)
{
	struct fu_ctx ignored;

	fu_ctx_init(&ignored);
	/* back to the savepoint, then off the stack: the transaction around it goes on */
	if (stmt_run(&ignored, s, ST_SAVEPOINT_ROLLBACK, "rolling back a savepoint") == FU_OK)
		stmt_run(&ignored, s, ST_SAVEPOINT_RELEASE, "releasing a savepoint");
}

/*
 * Bulk mode takes a larger page cache and turns foreign-key checks off: callers in bulk
 * mode take contact ids only from store_contact_ensure() in the same transaction. The
 * journal stays WAL (it once switched to a rollback journal, which locked every reader out
 * for the whole import: issue 9).
 */
void store_bulk_mode(struct store *s, int on)
{
	sqlite3_exec(s->db,
		     on ? "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -32768; PRAGMA threads = 2;"
			  "PRAGMA temp_store = MEMORY" :
			  "PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000; PRAGMA threads = 0;"
			  "PRAGMA temp_store = DEFAULT",
		     NULL, NULL, NULL);
}

void store_serving_mode(struct store *s)
{
	sqlite3_exec(s->db, "PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 16384", NULL,
		     NULL, NULL);
}

int store_contact_upsert(struct fu_ctx *ctx, struct store *s, struct contact *c, int *created)
{
	sqlite3_stmt *st;
	int rc, was_new = 0;
	int64_t before = s->contacts_max;
	char *owner = NULL;

	if (!s->contacts_bulk) {
		rc = store_max_contact_id(ctx, s, &before);
		if (rc)
			return rc;
	}
	rc = stmt_get(ctx, s, ST_CONTACT_UPSERT, &st);
	if (rc)
		return rc;
	bind_text(st, 1, c->key);
	bind_text(st, 2, c->name);
	bind_text(st, 3, c->email);
	bind_text(st, 4, c->phone);
	bind_text(st, 5, c->company);
	bind_text(st, 6, c->owner);
	bind_text(st, 7, c->tz);
	bind_text(st, 8, c->attrs);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->id = sqlite3_column_int64(st, 0);
		was_new = c->id > before;
		if (s->contacts_bulk && !was_new && c->id <= s->contacts_before &&
		    sqlite3_column_type(st, 1) != SQLITE_NULL &&
		    col_dup(ctx, st, 1, &owner)) {
			stmt_done(st);
			return ctx->rc;
		}
		rc = sqlite3_step(st);
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(owner);
		return db_err(ctx, s, "writing a contact");
	}
	rc = FU_OK;
	if (s->contacts_bulk && was_new)
		s->contacts_max = c->id;
	if (s->contacts_bulk && !was_new && c->id <= s->contacts_before) {
		/* contacts_wake_changed's work, its trigger being dropped */
		rc = stmt_get(ctx, s, ST_WAKE_PROFILE, &st);
		if (!rc) {
			sqlite3_bind_int64(st, 1, c->id);
			bind_text(st, 2, owner);
			rc = sqlite3_step(st) == SQLITE_DONE ? FU_OK :
				db_err(ctx, s, "writing a contact");
			stmt_done(st);
		}
	}
	free(owner);
	if (rc)
		return rc;
	if (created)
		*created = was_new;
	return FU_OK;
}

int store_contact_ensure(struct fu_ctx *ctx, struct store *s, const char *key, int64_t *id,
			 int *created)
{
	sqlite3_stmt *st;
	int rc;

	if (created)
		*created = 0;
	rc = stmt_get(ctx, s, ST_CONTACT_BY_KEY, &st);
	if (rc)
		return rc;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		stmt_done(st);
		return FU_OK;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "looking up a contact");
	rc = stmt_get(ctx, s, ST_CONTACT_INSERT_KEY, &st);
	if (rc)
		return rc;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing a contact");
	*id = sqlite3_last_insert_rowid(s->db);
	if (s->contacts_bulk)
		s->contacts_max = *id;
	if (created)
		*created = 1;
	return FU_OK;
}

/* Fills c from columns first..first+8 of st, borrowing (copy=0) or copying the strings. */
static int read_contact(struct fu_ctx *ctx, sqlite3_stmt *st, int first, int copy,
			struct contact *c)
{
	char **f[] = { &c->key, &c->name, &c->email, &c->phone, &c->company,
		       &c->owner, &c->tz, &c->attrs };

	c->id = sqlite3_column_int64(st, first);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!copy) {
			*f[i] = col_text(st, first + 1 + (int)i);
		} else {
			int rc = col_dup(ctx, st, first + 1 + (int)i, f[i]);

			if (rc)
				return rc;
		}
	}
	return FU_OK;
}

/* Reads the one contact a bound ST_CONTACT_GET / ST_CONTACT_GET_ID statement finds. */
static int contact_get(struct fu_ctx *ctx, struct store *s, sqlite3_stmt *st, const char *what,
		       struct contact *c)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		rc = read_contact(ctx, st, 0, 1, c);
		stmt_done(st);
		if (rc)
			contact_release(c);
		return rc;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "reading a contact");
	return fu_err(ctx, FU_ENOTFOUND, "contact %s: not found", what);
}

int store_contact_get(struct fu_ctx *ctx, struct store *s, const char *key, struct contact *c)
{
	char what[FU_KEY_MAX + 8];
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_CONTACT_GET, &st);

	if (rc)
		return rc;
	bind_text(st, 1, key);
	snprintf(what, sizeof(what), "'%s'", key);
	return contact_get(ctx, s, st, what, c);
}

int store_contact_get_id(struct fu_ctx *ctx, struct store *s, int64_t id, struct contact *c)
{
	char what[32];
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_CONTACT_GET_ID, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof(what), "#%lld", (long long)id);
	return contact_get(ctx, s, st, what, c);
}

int store_contact_get_email(struct fu_ctx *ctx, struct store *s, const char *email,
			    struct contact *c)
{
	char what[FU_TEXT_MAX + 16];
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_CONTACT_GET_EMAIL, &st);

	if (rc)
		return rc;
	bind_text(st, 1, email);
	snprintf(what, sizeof(what), "with e-mail '%.300s'", email);
	return contact_get(ctx, s, st, what, c);
}

int store_event_ext_exists(struct fu_ctx *ctx, struct store *s, const char *ext_id, int *found)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_EVENT_EXT_EXISTS, &st);

	*found = 0;
	if (rc)
		return rc;
	bind_text(st, 1, ext_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*found = sqlite3_column_int(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "looking up an event id");
	return FU_OK;
}

/*
 * Binds e to the EVENT_PARAMS parameters from first on (the columns of ST_EVENT_INSERT),
 * the last two being recorded_at and author (NULL or "": unknown).
 */
static void bind_event(sqlite3_stmt *st, int first, const struct event *e, int64_t recorded_at,
		       const char *author)
{
	bind_text(st, first, e->ext_id);
	sqlite3_bind_int(st, first + 1, e->type);
	sqlite3_bind_int64(st, first + 2, e->contact_id);
	sqlite3_bind_int64(st, first + 3, e->time);
	if (e->has_amount)
		sqlite3_bind_int64(st, first + 4, e->amount);
	else
		sqlite3_bind_null(st, first + 4);
	bind_text(st, first + 5, e->ref);
	bind_time(st, first + 6, e->due);
	bind_text(st, first + 7, e->channel);
	bind_text(st, first + 8, e->outcome);
	bind_text(st, first + 9, e->note);
	sqlite3_bind_int64(st, first + 10, recorded_at);
	bind_text(st, first + 11, author && *author ? author : NULL);
}

void store_set_author(struct store *s, const char *author)
{
	snprintf(s->author, sizeof(s->author), "%s", author ? author : "");
}

int store_event_append(struct fu_ctx *ctx, struct store *s, struct event *e, int64_t recorded_at,
		       int *inserted)
{
	sqlite3_stmt *st;
	int rc;

	/* INSERT OR IGNORE would swallow the type CHECK too: refuse a bad type here */
	if (e->type < 0 || e->type >= EV__COUNT)
		return fu_err(ctx, FU_EINTERNAL, "event type %d out of range", e->type);
	rc = stmt_get(ctx, s, ST_EVENT_INSERT, &st);
	if (rc)
		return rc;
	bind_event(st, 1, e, recorded_at, s->author);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "appending an event");
	*inserted = sqlite3_changes(s->db) > 0;
	e->id = *inserted ? sqlite3_last_insert_rowid(s->db) : 0;
	return FU_OK;
}

int store_event_same(struct fu_ctx *ctx, struct store *s, const struct event *e, int *same)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_EVENT_SAME, &st);

	*same = 0;
	if (rc)
		return rc;
	/* recorded_at and author, the 11th and 12th, are not content: no such parameters */
	bind_event(st, 1, e, 0, NULL);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*same = sqlite3_column_int(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "comparing an event");
	return FU_OK;
}

static void read_event(sqlite3_stmt *st, struct event *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->ext_id = col_text(st, 1);
	e->type = sqlite3_column_int(st, 2);
	e->contact_id = sqlite3_column_int64(st, 3);
	e->contact_key = NULL;
	e->time = sqlite3_column_int64(st, 4);
	e->has_amount = sqlite3_column_type(st, 5) != SQLITE_NULL;
	e->amount = e->has_amount ? sqlite3_column_int64(st, 5) : 0;
	e->ref = col_text(st, 6);
	e->due = col_time(st, 7);
	e->channel = col_text(st, 8);
	e->outcome = col_text(st, 9);
	e->note = col_text(st, 10);
	e->author = sqlite3_column_count(st) > 11 ? col_text(st, 11) : NULL;
}

/* Steps st to the end, passing each row as a borrowed event to fn. */
static int scan_events(struct fu_ctx *ctx, struct store *s, sqlite3_stmt *st, store_event_fn fn,
		       void *arg)
{
	struct event e;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_event(st, &e);
		rc = fn(ctx, arg, &e);
		if (rc) {
			stmt_done(st);
			return rc;
		}
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "reading events");
	return FU_OK;
}

int store_events_of_contact(struct fu_ctx *ctx, struct store *s, int64_t contact_id,
			    store_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_EVENTS_OF_CONTACT, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, contact_id);
	return scan_events(ctx, s, st, fn, arg);
}

int store_events_scan(struct fu_ctx *ctx, struct store *s, store_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_EVENTS_SCAN, &st);

	if (rc)
		return rc;
	return scan_events(ctx, s, st, fn, arg);
}

/* A purchase as store_purchases_scan sorts it (amount -1: none). */
struct purchase_row {
	int64_t contact_id, time, id, amount;
};

static int purchase_cmp(const void *a, const void *b)
{
	const struct purchase_row *x = a, *y = b;

	if (x->contact_id != y->contact_id)
		return x->contact_id < y->contact_id ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/*
 * One read of the table in id order, then a sort in memory (none when the rows came in
 * order already, as a file exported contact by contact gives them): SQLite's sorter spilled
 * whole rows to temporary files, 7-9 s for 2.85 million purchases.
 */
int store_purchases_scan(struct fu_ctx *ctx, struct store *s, int64_t until, store_event_fn fn,
			 void *arg)
{
	struct purchase_row *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	struct event e;
	int rc = stmt_get(ctx, s, ST_PURCHASES_SCAN, &st), sorted = 1;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, until);
	sqlite3_bind_int(st, 2, EV_PURCHASE);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct purchase_row *r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;

			r = ncap < SIZE_MAX / sizeof(*v) ? realloc(v, ncap * sizeof(*v)) : NULL;
			if (!r) {
				stmt_done(st);
				free(v);
				return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
			}
			v = r;
			cap = ncap;
		}
		r = &v[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->contact_id = sqlite3_column_int64(st, 1);
		r->time = sqlite3_column_int64(st, 2);
		r->amount = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
								 sqlite3_column_int64(st, 3);
		if (n > 1 && sorted && purchase_cmp(&v[n - 2], r) > 0)
			sorted = 0;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return db_err(ctx, s, "reading purchases");
	}
	if (!sorted)
		qsort(v, n, sizeof(*v), purchase_cmp);
	rc = FU_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		event_init(&e);
		e.id = v[i].id;
		e.type = EV_PURCHASE;
		e.contact_id = v[i].contact_id;
		e.time = v[i].time;
		e.has_amount = v[i].amount >= 0;
		e.amount = e.has_amount ? v[i].amount : 0;
		rc = fn(ctx, arg, &e);
	}
	free(v);
	return rc;
}

int store_purchase_since(struct fu_ctx *ctx, struct store *s, int64_t after_id, int64_t before,
			 int *found)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_PURCHASE_SINCE, &st);

	*found = 1;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int(st, 2, EV_PURCHASE);
	sqlite3_bind_int64(st, 3, before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*found = sqlite3_column_int(st, 0) != 0;
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "looking for new purchases");
	return FU_OK;
}

struct store_events_cursor {
	struct store *s;
	sqlite3_stmt *st;
	int pending;         /* st holds a row not yet passed on */
	int64_t pending_id;  /* its contact id */
	int done;            /* st has no more rows */
};

int store_events_cursor_open(struct fu_ctx *ctx, struct store *s,
			     struct store_events_cursor **out)
{
	struct store_events_cursor *cur = calloc(1, sizeof(*cur));

	*out = NULL;
	if (!cur)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading events");
	cur->s = s;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT " EVENT_COLS " FROM events WHERE contact_id >= ?1 "
			       "ORDER BY contact_id, time, id",
			       -1, &cur->st, NULL) != SQLITE_OK) {
		free(cur);
		return db_err(ctx, s, "preparing a statement");
	}
	cur->done = 1;
	*out = cur;
	return FU_OK;
}

/* Steps the cursor to its next row; FU_OK with cur->done set at the end. */
static int cursor_step(struct fu_ctx *ctx, struct store_events_cursor *cur)
{
	int rc = sqlite3_step(cur->st);

	cur->pending = rc == SQLITE_ROW;
	cur->done = !cur->pending;
	if (rc == SQLITE_ROW)
		cur->pending_id = sqlite3_column_int64(cur->st, 3);
	else if (rc != SQLITE_DONE)
		return db_err(ctx, cur->s, "reading events");
	return FU_OK;
}

int store_events_cursor_contact(struct fu_ctx *ctx, struct store_events_cursor *cur,
				int64_t contact_id, store_event_fn fn, void *arg)
{
	struct event e;
	int rc;

	if (!cur->pending || cur->pending_id < contact_id) {
		/* behind (or at the end of an earlier range): seek */
		sqlite3_reset(cur->st);
		sqlite3_bind_int64(cur->st, 1, contact_id);
		rc = cursor_step(ctx, cur);
		if (rc)
			return rc;
	}
	while (cur->pending && cur->pending_id == contact_id) {
		read_event(cur->st, &e);
		rc = fn(ctx, arg, &e);
		if (rc)
			return rc;
		rc = cursor_step(ctx, cur);
		if (rc)
			return rc;
	}
	return FU_OK;
}

void store_events_cursor_close(struct store_events_cursor *cur)
{
	if (!cur)
		return;
	sqlite3_finalize(cur->st);
	free(cur);
}

/* Binding and reading one column of each kind of CONTACT_STATE_COLUMNS. */
#define BIND_COUNT(st, i, v) sqlite3_bind_int64(st, i, v)
#define BIND_MONEY(st, i, v) sqlite3_bind_int64(st, i, v)
#define BIND_TIME(st, i, v) bind_time(st, i, v)
#define BIND_FLAG(st, i, v) sqlite3_bind_int(st, i, v)
#define COLUMN_COUNT(st, i) sqlite3_column_int64(st, i)
#define COLUMN_MONEY(st, i) sqlite3_column_int64(st, i)
#define COLUMN_TIME(st, i) col_time(st, i)
#define COLUMN_FLAG(st, i) sqlite3_column_int(st, i)

int store_state_put(struct fu_ctx *ctx, struct store *s, const struct contact_state *cst)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_STATE_PUT, &st), i = 1;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, i++, cst->contact_id);
#define X(name, kind) BIND_##kind(st, i++, cst->name);
	CONTACT_STATE_COLUMNS(X)
#undef X
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing contact state");
	if (s->contacts_bulk && cst->contact_id <= s->contacts_before) {
		/* state_wake_new's work, its trigger being dropped */
		rc = stmt_get(ctx, s, ST_WAKE_FORGET_ONE, &st);
		if (rc)
			return rc;
		sqlite3_bind_int64(st, 1, cst->contact_id);
		rc = sqlite3_step(st);
		stmt_done(st);
		if (rc != SQLITE_DONE)
			return db_err(ctx, s, "writing contact state");
	}
	return FU_OK;
}

/* Reads a state from columns first.. of st; a NULL contact_id column gives an empty state. */
static void read_state(sqlite3_stmt *st, int first, int64_t contact_id, struct contact_state *cs)
{
	int i = first + 1;

	contact_state_init(cs, contact_id);
	if (sqlite3_column_type(st, first) == SQLITE_NULL)
		return;
#define X(name, kind) cs->name = COLUMN_##kind(st, i++);
	CONTACT_STATE_COLUMNS(X)
#undef X
}

int store_state_get(struct fu_ctx *ctx, struct store *s, int64_t contact_id,
		    struct contact_state *cs)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_STATE_GET, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, contact_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_state(st, 0, contact_id, cs);
		stmt_done(st);
		return FU_OK;
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "reading contact state");
	contact_state_init(cs, contact_id);
	return fu_err(ctx, FU_ENOTFOUND, "no state for contact %lld", (long long)contact_id);
}

int store_state_clear(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_STATE_CLEAR, "clearing contact state");
}

int store_state_fill_missing(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_STATE_FILL, "adding contact state");
}

/* Steps a bound CONTACT_STATE_COLS statement to the end, passing each row to fn (borrowed). */
static int scan_contacts(struct fu_ctx *ctx, struct store *s, sqlite3_stmt *st,
			 store_contact_fn fn, void *arg, const char *what)
{
	struct contact c;
	struct contact_state cs;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_contact(ctx, st, 0, 0, &c);
		read_state(st, CONTACT_NCOLS, c.id, &cs);
		rc = fn(ctx, arg, &c, &cs);
		if (rc) {
			stmt_done(st);
			return rc;
		}
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, what);
	return FU_OK;
}

int store_contacts_list(struct fu_ctx *ctx, struct store *s, const struct contact_filter *f,
			store_contact_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_CONTACTS_LIST, &st);

	if (rc)
		return rc;
	bind_text(st, 1, f ? f->owner : NULL);
	bind_text(st, 2, f ? f->search : NULL);
	return scan_contacts(ctx, s, st, fn, arg, "listing contacts");
}

int store_wake_candidates(struct fu_ctx *ctx, struct store *s, const struct wake_filter *f,
			  store_contact_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, f->every ? ST_WAKE_EVERY : f->owner ? ST_WAKE_OWNER : ST_WAKE_ANY,
			  &st);

	if (rc)
		return rc;
	if (!f->every) {
		bind_text(st, 1, f->owner);
		sqlite3_bind_int64(st, 2, f->due_day_by);
		sqlite3_bind_int64(st, 3, f->wake_by);
		sqlite3_bind_int64(st, 4, f->escalate_by);
	}
	return scan_contacts(ctx, s, st, fn, arg, "listing contacts to evaluate");
}

int store_wake_set(struct fu_ctx *ctx, struct store *s, const struct store_wake *v, size_t n)
{
	sqlite3_stmt *st;
	int rc;

	if (s->readonly)
		return FU_OK; /* a cache: a read-only database goes without it */
	rc = stmt_get(ctx, s, ST_WAKE_SET, &st);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, v[i].contact_id);
		sqlite3_bind_int64(st, 2, v[i].due_day);
		sqlite3_bind_int64(st, 3, v[i].wake);
		sqlite3_bind_int64(st, 4, v[i].escalate);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			stmt_done(st);
			return db_err(ctx, s, "writing wakes");
		}
	}
	stmt_done(st);
	return FU_OK;
}

int store_wake_forget_all(struct fu_ctx *ctx, struct store *s)
{
	return stmt_run(ctx, s, ST_WAKE_FORGET, "forgetting wakes");
}

static int count_one(struct fu_ctx *ctx, struct store *s, enum stmt_id id, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, id, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "counting");
	return FU_OK;
}

int store_count_contacts(struct fu_ctx *ctx, struct store *s, int64_t *n)
{
	return count_one(ctx, s, ST_COUNT_CONTACTS, n);
}

int store_max_contact_id(struct fu_ctx *ctx, struct store *s, int64_t *id)
{
	return count_one(ctx, s, ST_MAX_CONTACT, id);
}

int store_max_event_id(struct fu_ctx *ctx, struct store *s, int64_t *id)
{
	return count_one(ctx, s, ST_MAX_EVENT, id);
}

int store_count_events(struct fu_ctx *ctx, struct store *s, int64_t counts[EV__COUNT])
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_COUNT_EVENTS, &st);

	if (rc)
		return rc;
	memset(counts, 0, sizeof(int64_t) * EV__COUNT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int t = sqlite3_column_int(st, 0);

		if (t >= 0 && t < EV__COUNT)
			counts[t] = sqlite3_column_int64(st, 1);
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "counting events");
	return FU_OK;
}

int store_meta_get(struct fu_ctx *ctx, struct store *s, const char *key, char **value)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_META_GET, &st);

	*value = NULL;
	if (rc)
		return rc;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = col_dup(ctx, st, 0, value) ? -1 : SQLITE_DONE;
	stmt_done(st);
	if (rc == -1)
		return ctx->rc;
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "reading metadata");
	return FU_OK;
}

int store_meta_set(struct fu_ctx *ctx, struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_META_SET, &st);

	if (rc)
		return rc;
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing metadata");
	return FU_OK;
}

int store_events_bulk_begin(struct fu_ctx *ctx, struct store *s, int *active)
{
	sqlite3_stmt *st;
	int rc, empty;

	*active = 0;
	s->bulk_active = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT NOT EXISTS (SELECT 1 FROM events)", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(ctx, s, "checking the event log");
	rc = sqlite3_step(st);
	empty = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_err(ctx, s, "checking the event log");
	if (!empty)
		return FU_OK;
	rc = exec_sql(ctx, s,
		      "DROP INDEX events_ext_id; DROP INDEX events_contact_time;"
		      "DROP TRIGGER events_no_delete;",
		      "preparing a bulk load");
	if (rc)
		return rc;
	*active = 1;
	s->bulk_active = 1;
	s->bulk_last_id = 0; /* the log is empty: rowids start at 1 */
	return FU_OK;
}

/* Prepares the BULK_ROWS-row insert of store_events_bulk_append(). */
static int bulk_prepare(struct fu_ctx *ctx, struct store *s)
{
	static const char head[] = "INSERT INTO events(ext_id, type, contact_id, time, amount, ref, "
				   "due, channel, outcome, note, recorded_at, author) VALUES ";
	static const char row[] = "(?,?,?,?,?,?,?,?,?,?,?,?),";
	char sql[sizeof(head) + BULK_ROWS * (sizeof(row) - 1)];
	size_t n = sizeof(head) - 1;

	memcpy(sql, head, n);
	for (int i = 0; i < BULK_ROWS; i++) {
		memcpy(sql + n, row, sizeof(row) - 1);
		n += sizeof(row) - 1;
	}
	sql[n - 1] = '\0'; /* the last row's comma */
	if (sqlite3_prepare_v3(s->db, sql, (int)n, SQLITE_PREPARE_PERSISTENT, &s->bulk_insert,
			       NULL) != SQLITE_OK)
		return db_err(ctx, s, "preparing a statement");
	return FU_OK;
}

/*
 * Runs st (rows events already bound) and sets their ids. In a bulk load every rowid is
 * the largest so far plus one, so the rows took the ids after the last one; checked
 * against what SQLite reports.
 */
static int bulk_step(struct fu_ctx *ctx, struct store *s, sqlite3_stmt *st, struct event *ev,
		     size_t rows)
{
	int rc = sqlite3_step(st);
	int64_t last;

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "appending events");
	last = sqlite3_last_insert_rowid(s->db);
	if (sqlite3_changes(s->db) != (int)rows || last != s->bulk_last_id + (int64_t)rows)
		return fu_err(ctx, FU_EINTERNAL, "%s: appending events: ids %lld.. expected, "
			      "%lld last", s->path, (long long)(s->bulk_last_id + 1), (long long)last);
	for (size_t i = 0; i < rows; i++)
		ev[i].id = s->bulk_last_id + 1 + (int64_t)i;
	s->bulk_last_id = last;
	return FU_OK;
}

int store_events_bulk_append(struct fu_ctx *ctx, struct store *s, struct event *ev, size_t n,
			     int64_t recorded_at)
{
	sqlite3_stmt *st;
	size_t i = 0;
	int rc;

	if (!s->bulk_active)
		return fu_err(ctx, FU_EINTERNAL, "bulk append outside a bulk load");
	for (size_t k = 0; k < n; k++)
		if (ev[k].type < 0 || ev[k].type >= EV__COUNT)
			return fu_err(ctx, FU_EINTERNAL, "event type %d out of range", ev[k].type);
	if (n >= BULK_ROWS && !s->bulk_insert) {
		rc = bulk_prepare(ctx, s);
		if (rc)
			return rc;
	}
	/* whole statements of BULK_ROWS rows (every parameter bound anew), then one by one */
	for (; n - i >= BULK_ROWS; i += BULK_ROWS) {
		for (int r = 0; r < BULK_ROWS; r++)
			bind_event(s->bulk_insert, 1 + EVENT_PARAMS * r, &ev[i + (size_t)r],
				   recorded_at, s->author);
		rc = bulk_step(ctx, s, s->bulk_insert, ev + i, BULK_ROWS);
		if (rc)
			return rc;
	}
	if (i == n)
		return FU_OK;
	rc = stmt_get(ctx, s, ST_EVENT_INSERT, &st);
	if (rc)
		return rc;
	for (; i < n; i++) {
		bind_event(st, 1, &ev[i], recorded_at, s->author);
		rc = bulk_step(ctx, s, st, ev + i, 1);
		if (rc)
			break;
	}
	sqlite3_clear_bindings(st);
	return rc;
}

/*
 * After a bulk load that repeated an id: the first pair (earlier id, later id) of events
 * with one ext_id and different content, by the later id; zeros when every repeat is equal.
 */
static int bulk_conflict(struct fu_ctx *ctx, struct store *s, int64_t conflict[2])
{
	sqlite3_stmt *st;
	int rc;

	conflict[0] = conflict[1] = 0;
	rc = exec_sql(ctx, s, "CREATE INDEX events_ext_id_repeat ON events(ext_id) "
		      "WHERE ext_id IS NOT NULL", "looking for repeated ids");
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT a.id, b.id FROM events b JOIN events a ON a.ext_id = b.ext_id "
			       "AND a.id < b.id WHERE b.ext_id IS NOT NULL AND (a.type IS NOT b.type "
			       "OR a.contact_id IS NOT b.contact_id OR a.time IS NOT b.time "
			       "OR a.amount IS NOT b.amount OR a.ref IS NOT b.ref OR a.due IS NOT b.due "
			       "OR a.channel IS NOT b.channel OR a.outcome IS NOT b.outcome "
			       "OR a.note IS NOT b.note) ORDER BY b.id, a.id LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(ctx, s, "looking for repeated ids");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		conflict[0] = sqlite3_column_int64(st, 0);
		conflict[1] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(ctx, s, "looking for repeated ids");
	return exec_sql(ctx, s, "DROP INDEX events_ext_id_repeat", "looking for repeated ids");
}

int store_events_bulk_end(struct fu_ctx *ctx, struct store *s, int64_t *dropped,
			  int64_t conflict[2])
{
	char *msg = NULL;
	int rc;

	*dropped = 0;
	conflict[0] = conflict[1] = 0;
	s->bulk_active = 0;
	/*
	 * the index builds sort every event: on disk, not in memory (bulk mode keeps temporary
	 * data in memory for the statement journals of the rows; this connection has no
	 * temporary tables, so the setting can change inside the transaction)
	 */
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	rc = sqlite3_exec(s->db, SQL_EVENT_INDEXES, NULL, NULL, &msg);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		/* the batch repeated an id: keep the first event with each id, as appends do */
		sqlite3_free(msg);
		msg = NULL;
		rc = bulk_conflict(ctx, s, conflict);
		if (rc || conflict[1])
			return rc;
		rc = exec_sql(ctx, s,
			      "DELETE FROM events WHERE ext_id IS NOT NULL AND id NOT IN "
			      "(SELECT min(id) FROM events WHERE ext_id IS NOT NULL GROUP BY ext_id)",
			      "removing repeated event ids");
		if (rc)
			return rc;
		*dropped = sqlite3_changes64(s->db);
		rc = exec_sql(ctx, s, "DROP INDEX IF EXISTS events_contact_time;" SQL_EVENT_INDEXES,
			      "indexing events");
		if (rc)
			return rc;
	} else if (rc != SQLITE_OK) {
		rc = db_fail(ctx, s, "indexing events", msg ? msg : "failed");
		sqlite3_free(msg);
		return rc;
	}
	return exec_sql(ctx, s, SQL_EVENT_NO_DELETE, "restoring the event log's guard");
}

/*
 * Every contact written with a trigger that makes its wake row, and every state with one
 * that forgets its wake: a statement journal and two more b-tree writes for each. During
 * an import the triggers are dropped; store_contact_upsert, store_contact_ensure and
 * store_state_put do their work for the contacts there were before, and the new contacts'
 * wake rows are made together at the end.
 */
int store_contacts_bulk_begin(struct fu_ctx *ctx, struct store *s)
{
	int rc;

	if (s->contacts_bulk)
		return FU_OK;
	rc = store_max_contact_id(ctx, s, &s->contacts_before);
	if (!rc)
		rc = exec_sql(ctx, s,
			      "DROP TRIGGER contacts_wake_new; DROP TRIGGER contacts_wake_changed;"
			      "DROP TRIGGER state_wake_new; DROP TRIGGER state_wake_changed;",
			      "preparing a bulk load");
	if (rc)
		return rc;
	s->contacts_max = s->contacts_before;
	s->contacts_bulk = 1;
	return FU_OK;
}

int store_contacts_bulk_end(struct fu_ctx *ctx, struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (!s->contacts_bulk)
		return FU_OK;
	s->contacts_bulk = 0;
	rc = stmt_get(ctx, s, ST_WAKE_NEW_SINCE, &st);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, s->contacts_before);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing contacts");
	return exec_sql(ctx, s, SQL_CONTACTS_WAKE_NEW SQL_CONTACTS_WAKE_CHANGED SQL_STATE_WAKE,
			"restoring the contacts' triggers");
}

int store_meta_delete(struct fu_ctx *ctx, struct store *s, const char *key)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_META_DELETE, &st);

	if (rc)
		return rc;
	bind_text(st, 1, key);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing metadata");
	return FU_OK;
}

/* The metadata key of the playbook in effect (absent: the built-in one). */
#define META_PLAYBOOK "playbook"

int store_playbook_get(struct fu_ctx *ctx, struct store *s, char **yaml)
{
	return store_meta_get(ctx, s, META_PLAYBOOK, yaml);
}

int store_playbook_set(struct fu_ctx *ctx, struct store *s, const char *yaml)
{
	int rc = store_begin(ctx, s);

	if (rc)
		return rc;
	rc = yaml ? store_meta_set(ctx, s, META_PLAYBOOK, yaml) :
		    store_meta_delete(ctx, s, META_PLAYBOOK);
	/* the agenda's wakes were found with the old rules */
	if (!rc)
		rc = store_wake_forget_all(ctx, s);
	if (!rc)
		rc = store_commit(ctx, s);
	if (rc)
		store_rollback(s);
	return rc;
}

/* ---- the outbox's message events (store.h, "The outbox") ---- */

/* the partial index events_message names the type by number */
_Static_assert(EV_MESSAGE == 11, "schema_v4's events_message index names type 11");

static int messages_query(struct fu_ctx *ctx, struct store *s, const char *sql,
			  const char *identity, store_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(ctx, s, "reading the outbox");
	if (identity)
		sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
	rc = scan_events(ctx, s, st, fn, arg);
	sqlite3_finalize(st);
	return rc;
}

int store_messages_scan(struct fu_ctx *ctx, struct store *s, store_event_fn fn, void *arg)
{
	return messages_query(ctx, s,
			      "SELECT " EVENT_COLS " FROM events INDEXED BY events_message "
			      "WHERE type = 11 ORDER BY ref, id",
			      NULL, fn, arg);
}

int store_messages_of(struct fu_ctx *ctx, struct store *s, const char *identity,
		      store_event_fn fn, void *arg)
{
	return messages_query(ctx, s,
			      "SELECT " EVENT_COLS " FROM events INDEXED BY events_message "
			      "WHERE type = 11 AND ref = ?1 ORDER BY id",
			      identity, fn, arg);
}

/*
 * ---- Accounts: users, tokens, web forms, idempotency keys, backup ----
 * These statements run a few times per request at most, so they are prepared per call
 * instead of joining the cached table above.
 */

static int acc_prepare(struct fu_ctx *ctx, struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_err(ctx, s, "preparing an account statement");
	}
	return FU_OK;
}

/* Steps a statement that returns no rows and finalizes it; constraint failures are FU_EINPUT. */
static int acc_finish(struct fu_ctx *ctx, struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return FU_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return fu_err(ctx, FU_EINPUT, "%s", what);
	return db_err(ctx, s, what);
}

void store_user_release(struct store_user *u)
{
	free(u->name);
	free(u->role);
	memset(u, 0, sizeof(*u));
}

int store_user_add(struct fu_ctx *ctx, struct store *s, struct store_user *u, const char *pwhash)
{
	sqlite3_stmt *st;
	char what[FU_KEY_MAX + 64];
	int rc = acc_prepare(ctx, s,
			     "INSERT INTO users(name, role, pwhash, created_at) VALUES (?1, ?2, ?3, ?4)",
			     &st);

	if (rc)
		return rc;
	bind_text(st, 1, u->name);
	bind_text(st, 2, u->role);
	bind_text(st, 3, pwhash);
	sqlite3_bind_int64(st, 4, u->created_at);
	snprintf(what, sizeof(what), "user '%.*s' already exists", FU_KEY_MAX, u->name);
	rc = acc_finish(ctx, s, st, what);
	if (!rc)
		u->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int read_user(struct fu_ctx *ctx, sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	u->created_at = sqlite3_column_int64(st, 3);
	u->tokens = sqlite3_column_int64(st, 4);
	if (col_dup(ctx, st, 1, &u->name) || col_dup(ctx, st, 2, &u->role)) {
		store_user_release(u);
		return ctx->rc;
	}
	return FU_OK;
}

int store_user_get(struct fu_ctx *ctx, struct store *s, const char *name, struct store_user *u,
		   char **pwhash)
{
	sqlite3_stmt *st;
	int rc = acc_prepare(ctx, s,
			     "SELECT id, name, role, created_at, 0, pwhash FROM users WHERE name = ?1",
			     &st);

	memset(u, 0, sizeof(*u));
	if (pwhash)
		*pwhash = NULL;
	if (rc)
		return rc;
	bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = read_user(ctx, st, u);
		if (!rc && pwhash && col_dup(ctx, st, 5, pwhash)) {
			store_user_release(u);
			rc = ctx->rc;
		}
	} else if (rc == SQLITE_DONE) {
		rc = fu_err(ctx, FU_ENOTFOUND, "no user '%.*s'", FU_KEY_MAX, name);
	} else {
		rc = db_err(ctx, s, "reading a user");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Runs an UPDATE or DELETE with one text and an optional second text; FU_ENOTFOUND if no row. */
static int acc_change(struct fu_ctx *ctx, struct store *s, const char *sql, const char *a,
		      const char *b, const char *notfound)
{
	sqlite3_stmt *st;
	int rc = acc_prepare(ctx, s, sql, &st);

	if (rc)
		return rc;
	bind_text(st, 1, a);
	if (b)
		bind_text(st, 2, b);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "writing an account");
	if (sqlite3_changes(s->db) == 0)
		return fu_err(ctx, FU_ENOTFOUND, "%s", notfound);
	return FU_OK;
}

int store_user_set_password(struct fu_ctx *ctx, struct store *s, const char *name,
			    const char *pwhash)
{
	char nf[FU_KEY_MAX + 32];

	snprintf(nf, sizeof(nf), "no user '%.*s'", FU_KEY_MAX, name);
	return acc_change(ctx, s, "UPDATE users SET pwhash = ?2 WHERE name = ?1", name, pwhash, nf);
}

int store_user_remove(struct fu_ctx *ctx, struct store *s, const char *name)
{
	char nf[FU_KEY_MAX + 32];

	snprintf(nf, sizeof(nf), "no user '%.*s'", FU_KEY_MAX, name);
	return acc_change(ctx, s, "DELETE FROM users WHERE name = ?1", name, NULL, nf);
}

int store_users_list(struct fu_ctx *ctx, struct store *s, store_user_fn fn, void *arg)
{
	sqlite3_stmt *st;
	struct store_user u;
	int step = SQLITE_DONE;
	int rc = acc_prepare(ctx, s,
			     "SELECT id, name, role, created_at, (SELECT count(*) FROM tokens t "
			     "WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.kind != 'session') "
			     "FROM users u ORDER BY name",
			     &st);

	if (rc)
		return rc;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_user(ctx, st, &u);
		if (rc)
			break;
		rc = fn(ctx, arg, &u);
		store_user_release(&u);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(ctx, s, "listing users");
	sqlite3_finalize(st);
	return rc;
}

void store_token_release(struct store_token *t)
{
	free(t->user);
	free(t->role);
	free(t->kind);
	free(t->csrf);
	memset(t, 0, sizeof(*t));
}

int store_token_add(struct fu_ctx *ctx, struct store *s, struct store_token *t, const char *hash)
{
	sqlite3_stmt *st;
	int rc = acc_prepare(ctx, s,
			     "INSERT INTO tokens(user_id, kind, hash, read_only, csrf, created_at, "
			     "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			     &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, t->user_id);
	bind_text(st, 2, t->kind);
	bind_text(st, 3, hash);
	sqlite3_bind_int(st, 4, t->read_only);
	bind_text(st, 5, t->csrf);
	sqlite3_bind_int64(st, 6, t->created_at);
	bind_time(st, 7, t->expires_at);
	rc = acc_finish(ctx, s, st, "storing a token");
	if (!rc)
		t->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int read_token(struct fu_ctx *ctx, sqlite3_stmt *st, struct store_token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->user_id = sqlite3_column_int64(st, 1);
	t->read_only = sqlite3_column_int(st, 5);
	t->created_at = sqlite3_column_int64(st, 7);
	t->expires_at = col_time(st, 8);
	t->revoked_at = col_time(st, 9);
	if (col_dup(ctx, st, 2, &t->user) || col_dup(ctx, st, 3, &t->role) ||
	    col_dup(ctx, st, 4, &t->kind) || col_dup(ctx, st, 6, &t->csrf)) {
		store_token_release(t);
		return ctx->rc;
	}
	return FU_OK;
}

int store_token_find(struct fu_ctx *ctx, struct store *s, const char *hash, int64_t now,
		     struct store_token *t)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_TOKEN_FIND, &st);

	memset(t, 0, sizeof(*t));
	if (rc)
		return rc;
	bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_token(ctx, st, t);
	else if (rc == SQLITE_DONE)
		rc = fu_err(ctx, FU_ENOTFOUND, "no such token");
	else
		rc = db_err(ctx, s, "reading a token");
	stmt_done(st);
	return rc;
}

int store_token_revoke(struct fu_ctx *ctx, struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int rc = acc_prepare(ctx, s,
			     "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
			     &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "revoking a token");
	if (sqlite3_changes(s->db) == 0)
		return fu_err(ctx, FU_ENOTFOUND, "no live token #%lld", (long long)id);
	return FU_OK;
}

int store_tokens_list(struct fu_ctx *ctx, struct store *s, const char *user, store_token_fn fn,
		      void *arg)
{
	sqlite3_stmt *st;
	struct store_token t;
	int step = SQLITE_DONE;
	int rc = acc_prepare(ctx, s,
			     "SELECT " TOKEN_COLS "WHERE t.kind != 'session' AND (?1 IS NULL OR "
			     "u.name = ?1) ORDER BY t.id",
			     &st);

	if (rc)
		return rc;
	bind_text(st, 1, user);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_token(ctx, st, &t);
		if (rc)
			break;
		rc = fn(ctx, arg, &t);
		store_token_release(&t);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(ctx, s, "listing tokens");
	sqlite3_finalize(st);
	return rc;
}

void store_form_release(struct store_form *f)
{
	free(f->name);
	free(f->key);
	free(f->redirect);
	free(f->origin);
	free(f->owner);
	memset(f, 0, sizeof(*f));
}

int store_form_add(struct fu_ctx *ctx, struct store *s, struct store_form *f)
{
	sqlite3_stmt *st;
	char what[FU_KEY_MAX + 64];
	int rc = acc_prepare(ctx, s,
			     "INSERT INTO forms(name, key, redirect, origin, owner, created_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			     &st);

	if (rc)
		return rc;
	bind_text(st, 1, f->name);
	bind_text(st, 2, f->key);
	bind_text(st, 3, f->redirect);
	bind_text(st, 4, f->origin);
	bind_text(st, 5, f->owner);
	sqlite3_bind_int64(st, 6, f->created_at);
	snprintf(what, sizeof(what), "form '%.*s' already exists", FU_KEY_MAX, f->name);
	rc = acc_finish(ctx, s, st, what);
	if (!rc)
		f->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

#define FORM_COLS "id, name, key, redirect, origin, owner, created_at FROM forms "

static int read_form(struct fu_ctx *ctx, sqlite3_stmt *st, struct store_form *f)
{
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->created_at = sqlite3_column_int64(st, 6);
	if (col_dup(ctx, st, 1, &f->name) || col_dup(ctx, st, 2, &f->key) ||
	    col_dup(ctx, st, 3, &f->redirect) || col_dup(ctx, st, 4, &f->origin) ||
	    col_dup(ctx, st, 5, &f->owner)) {
		store_form_release(f);
		return ctx->rc;
	}
	return FU_OK;
}

int store_form_get(struct fu_ctx *ctx, struct store *s, const char *name_or_key, int by_key,
		   struct store_form *f)
{
	sqlite3_stmt *st;
	int rc = acc_prepare(ctx, s,
			     by_key ? "SELECT " FORM_COLS "WHERE key = ?1" :
				      "SELECT " FORM_COLS "WHERE name = ?1",
			     &st);

	memset(f, 0, sizeof(*f));
	if (rc)
		return rc;
	bind_text(st, 1, name_or_key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_form(ctx, st, f);
	else if (rc == SQLITE_DONE)
		rc = by_key ? fu_err(ctx, FU_ENOTFOUND, "no such form") :
			      fu_err(ctx, FU_ENOTFOUND, "no form '%.*s'", FU_KEY_MAX, name_or_key);
	else
		rc = db_err(ctx, s, "reading a form");
	sqlite3_finalize(st);
	return rc;
}

int store_form_remove(struct fu_ctx *ctx, struct store *s, const char *name)
{
	char nf[FU_KEY_MAX + 32];

	snprintf(nf, sizeof(nf), "no form '%.*s'", FU_KEY_MAX, name);
	return acc_change(ctx, s, "DELETE FROM forms WHERE name = ?1", name, NULL, nf);
}

int store_forms_list(struct fu_ctx *ctx, struct store *s, store_form_fn fn, void *arg)
{
	sqlite3_stmt *st;
	struct store_form f;
	int step = SQLITE_DONE;
	int rc = acc_prepare(ctx, s, "SELECT " FORM_COLS "ORDER BY name", &st);

	if (rc)
		return rc;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = read_form(ctx, st, &f);
		if (rc)
			break;
		rc = fn(ctx, arg, &f);
		store_form_release(&f);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(ctx, s, "listing forms");
	sqlite3_finalize(st);
	return rc;
}

int store_idem_get(struct fu_ctx *ctx, struct store *s, const char *key, int64_t user_id,
		   const char *body_hash, int *found, int *status, char **body)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_IDEM_GET, &st);

	*found = 0;
	*body = NULL;
	if (rc)
		return rc;
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, user_id);
	bind_text(st, 3, body_hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = sqlite3_column_int(st, 2) ? STORE_IDEM_SAME : STORE_IDEM_OTHER_BODY;
		*status = sqlite3_column_int(st, 0);
		rc = col_dup(ctx, st, 1, body) ? ctx->rc : FU_OK;
	} else if (rc == SQLITE_DONE) {
		rc = FU_OK;
	} else {
		rc = db_err(ctx, s, "reading an idempotency key");
	}
	stmt_done(st);
	return rc;
}

int store_idem_put(struct fu_ctx *ctx, struct store *s, const char *key, int64_t user_id,
		   const char *body_hash, int status, const char *body, int64_t now)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, ST_IDEM_PUT, &st);

	if (rc)
		return rc;
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int(st, 3, status);
	bind_text(st, 4, body);
	sqlite3_bind_int64(st, 5, now);
	bind_text(st, 6, body_hash);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "keeping an idempotency key");
	return FU_OK;
}

/* Runs a bound DELETE and counts what it removed into *n. */
static int expire_run(struct fu_ctx *ctx, struct store *s, enum stmt_id id, int64_t before,
		      int64_t *n)
{
	sqlite3_stmt *st;
	int rc = stmt_get(ctx, s, id, &st);

	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, before);
	rc = sqlite3_step(st);
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_err(ctx, s, "removing expired rows");
	*n = sqlite3_changes(s->db);
	return FU_OK;
}

int store_expire(struct fu_ctx *ctx, struct store *s, int64_t sessions_before,
		 int64_t idem_before, int64_t *sessions, int64_t *idem)
{
	int rc = expire_run(ctx, s, ST_SESSION_EXPIRE, sessions_before, sessions);

	if (!rc)
		rc = expire_run(ctx, s, ST_IDEM_EXPIRE, idem_before, idem);
	return rc;
}

int store_backup(struct fu_ctx *ctx, struct store *s, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = fu_err(ctx, FU_EIO, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return rc;
	}
	b = sqlite3_backup_init(dst, "main", s->db, "main");
	if (!b) {
		rc = fu_err(ctx, FU_EIO, "%s: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return rc;
	}
	/* a few pages at a time, so that writers are held up only briefly */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = fu_err(ctx, FU_EIO, "%s: backup: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return rc;
	}
	rc = sqlite3_errcode(dst) == SQLITE_OK ? FU_OK :
						 fu_err(ctx, FU_EIO, "%s: backup: %s", path,
							sqlite3_errmsg(dst));
	sqlite3_close(dst);
	return rc;
}
