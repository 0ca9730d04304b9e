/* failalloc.c - allocation-failure injection: fails the Nth allocation of an operation, N = 1, 2, ... */
/*
 * Linked with -Wl,--wrap=malloc,... (Makefile: build/san/tests/failalloc), every allocation
 * that followup's own code makes (malloc, calloc, realloc, strdup, strndup, getline) and
 * every allocation jansson makes for it (json_set_alloc_funcs) goes through fa_fails(),
 * which counts them and fails the one numbered `fail_at`. With FAILALLOC_SQLITE=1 SQLite's
 * own allocations are counted and failed too (sqlite3_config(SQLITE_CONFIG_MALLOC)).
 *
 * Each operation below (create, import, store, agenda, agenda-threads, engine, mail) is run from the same starting
 * point with the 1st allocation failing, then the 2nd, and so on, until it runs through
 * without reaching the failing allocation. Every run that hit the failure must end in an
 * fu_rc other than FU_OK with a message, or (a best-effort step such as keeping a cache
 * gave way) succeed with exactly the result of the run without failures; it must leave
 * nothing leaked (LeakSanitizer) and not crash (ASan/UBSan stop the program, which then
 * names the operation and N: each operation runs in a child process). Its databases live in /dev/shm when there is one.
 *
 *   build/san/tests/failalloc [OPERATION...]     all operations, or the named ones
 *   FAILALLOC_DATA=DIR   where the scenario's files are (default tests/data)
 *   FAILALLOC_STEP=k     try only every kth N (default 1: every allocation)
 *   FAILALLOC_SQLITE=1   fail SQLite's allocations as well (much longer)
 *   FAILALLOC_VERBOSE=1  print each N and its error
 *   FAILALLOC_FROM=n     begin with the nth allocation (to look at one failure)
 *   FAILALLOC_TRACE=1    print the stack of each failing allocation
 *   FAILALLOC_LEAKS=each check for leaks after every run (by default once per operation,
 *                        and per run only when that check finds one)
 *
 * This is test code: the counter is the one global the wrappers can reach.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#include <sqlite3.h>

#include "agenda.h"
#include "derive.h"
#include "engine.h"
#include "fu.h"
#include "import.h"
#include "mailparse.h"
#include "playbook.h"
#include "receive.h"
#include "store.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *n, FILE *f);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_getline(char **line, size_t *n, FILE *f);

static struct {
	long count;      /* allocations since the operation began */
	long fail_at;    /* the allocation that fails (1-based); 0 = none */
	int hit;         /* the failing allocation was reached */
	const char *op;  /* the operation running, for a crash report */
	int trace;       /* print the stack of each failing allocation */
} fa;

/* 1 when this allocation is to fail (the agenda's worker threads allocate too). */
static int fa_fails(void)
{
	if (!__atomic_load_n(&fa.fail_at, __ATOMIC_RELAXED))
		return 0;
	if (__atomic_add_fetch(&fa.count, 1, __ATOMIC_RELAXED) != fa.fail_at)
		return 0;
	__atomic_store_n(&fa.hit, 1, __ATOMIC_RELAXED);
	if (fa.trace)
		__sanitizer_print_stack_trace();
	return 1;
}

void *__wrap_malloc(size_t n)
{
	return fa_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
	return fa_fails() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fa_fails() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fa_fails() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fa_fails() ? NULL : __real_strndup(s, n);
}

ssize_t __wrap_getline(char **line, size_t *n, FILE *f)
{
	if (fa_fails()) {
		errno = ENOMEM;
		return -1;
	}
	return __real_getline(line, n, f);
}

static void *json_alloc(size_t n)
{
	return __wrap_malloc(n);
}

/* ---- SQLite's allocator, counted (FAILALLOC_SQLITE=1) ---- */

static sqlite3_mem_methods sqlite_default;

static void *sq_malloc(int n)
{
	return fa_fails() ? NULL : sqlite_default.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
	return fa_fails() ? NULL : sqlite_default.xRealloc(p, n);
}

static void sq_free(void *p)
{
	sqlite_default.xFree(p);
}

static int sq_size(void *p)
{
	return sqlite_default.xSize(p);
}

static int sq_roundup(int n)
{
	return sqlite_default.xRoundup(n);
}

static int sq_init(void *arg)
{
	return sqlite_default.xInit(arg);
}

static void sq_shutdown(void *arg)
{
	sqlite_default.xShutdown(arg);
}

static int sqlite_counted(void)
{
	static sqlite3_mem_methods m = { sq_malloc, sq_free, sq_realloc, sq_size, sq_roundup,
					 sq_init, sq_shutdown, NULL };

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) != SQLITE_OK)
		return -1;
	/* lookaside memory would hide most of SQLite's small allocations from the counter */
	if (sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK)
		return -1;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

/* ---- the operations ---- */

/*
 * What an operation produced, in a few words (counts, due times, reasons), so that a run
 * that reports success although an allocation failed can be compared with the run in which
 * none failed: a success must mean the same result (a best-effort cache that was not
 * written is fine; a follow-up computed in the wrong zone is not).
 */
struct print {
	char s[16384];
	size_t len;
};

static void fp_add(struct print *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fp_add(struct print *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->len >= sizeof(p->s) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->s + p->len, sizeof(p->s) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n < sizeof(p->s) - p->len ? (size_t)n : sizeof(p->s) - p->len - 1;
}

static void fp_followup(struct print *p, const struct followup *f)
{
	fp_add(p, "%s %s due %lld p%d ch%d o%d e%d a%d:", f->id, f->key ? f->key : "-",
	       (long long)f->due, f->priority, f->channel, f->overdue, f->escalated, f->automated);
	for (int i = 0; i < f->nreasons; i++) {
		const struct reason *r = &f->reasons[i];

		fp_add(p, " [t%d due %lld ch%d p%d %s; says %zu bytes]", r->trigger, (long long)r->due,
		       r->channel, r->priority, r->why, strlen(r->say));
	}
	fp_add(p, "\n");
}

struct env {
	const char *data;        /* tests/data */
	char dir[256];           /* a private temporary directory */
	char empty[300];         /* a database with its schema and nothing else */
	char ready[300];         /* a database with the scenario imported, the starting point */
	char work[300];          /* the database an operation works on */
	int64_t now;
};

static void remove_db(const char *path)
{
	char p[320];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char b[65536];
	size_t n;
	int rc = in && out ? 0 : -1;

	while (!rc && (n = fread(b, 1, sizeof(b), in)) > 0)
		rc = fwrite(b, 1, n, out) == n ? 0 : -1;
	if (in)
		fclose(in);
	if (out && fclose(out))
		rc = -1;
	return rc;
}

static int import_one(struct fu_ctx *ctx, struct store *s, const struct env *env, int kind,
		      const char *file, const char *map_file, struct print *fp)
{
	struct import_opts o;
	struct import_result r;
	char path[512], map[512];
	int rc;

	import_opts_init(&o);
	o.kind = kind;
	o.now = env->now;
	if (map_file) {
		snprintf(map, sizeof(map), "%s/%s", env->data, map_file);
		o.map_file = map;
	}
	snprintf(path, sizeof(path), "%s/%s", env->data, file);
	import_result_init(&r);
	rc = import_file(ctx, s, path, &o, &r);
	if (!rc && fp)
		fp_add(fp, "%s: %lld rows, %lld stored, %lld repeated, %lld new\n", file,
		       (long long)r.rows, (long long)r.stored, (long long)r.duplicates,
		       (long long)r.contacts_new);
	import_result_release(&r);
	return rc;
}

/* the scenario every trigger appears in, a JSON Lines file and a shop's export through a map */
static int import_all(struct fu_ctx *ctx, struct store *s, const struct env *env, struct print *fp)
{
	int rc = import_one(ctx, s, env, IMPORT_CONTACTS, "agenda-contacts.csv", NULL, fp);

	if (!rc)
		rc = import_one(ctx, s, env, IMPORT_EVENTS, "agenda-events.csv", NULL, fp);
	if (!rc)
		rc = import_one(ctx, s, env, IMPORT_EVENTS, "events.jsonl", NULL, fp);
	if (!rc)
		rc = import_one(ctx, s, env, IMPORT_EVENTS, "shop-export.txt", "shop.map", fp);
	return rc;
}

/* a copy of the database `from` opened as the operation's */
static int open_copy(struct fu_ctx *ctx, const struct env *env, const char *from, struct store **s)
{
	remove_db(env->work);
	if (copy_file(from, env->work))
		return fu_err(ctx, FU_EIO, "%s: cannot copy the starting database", env->work);
	return store_open(ctx, env->work, STORE_OPEN_EXISTING, s);
}

static int open_ready(struct fu_ctx *ctx, const struct env *env, struct store **s)
{
	return open_copy(ctx, env, env->ready, s);
}

/* create: a new database with its schema */
static int op_create(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct store *s;
	int rc;

	remove_db(env->work);
	rc = store_open(ctx, env->work, STORE_OPEN_CREATE, &s);
	if (!rc)
		store_close(s);
	return rc;
}

/* import: every file of the scenario into an empty database */
static int op_import(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct store *s;
	int rc = open_copy(ctx, env, env->empty, &s);

	if (rc)
		return rc;
	rc = import_all(ctx, s, env, fp);
	store_close(s);
	return rc;
}

/* store: rebuild every contact's state, list contacts, keep a playbook and read it back */
static int op_store(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct store *s;
	int64_t contacts, events;
	char *yaml = NULL;
	int rc = open_ready(ctx, env, &s);

	if (rc)
		return rc;
	rc = derive_all(ctx, s, &contacts, &events);
	if (!rc)
		rc = store_playbook_set(ctx, s, playbook_default_yaml);
	if (!rc)
		rc = store_playbook_get(ctx, s, &yaml);
	if (!rc)
		fp_add(fp, "%lld contacts, %lld events, playbook %s\n", (long long)contacts,
		       (long long)events, yaml && !strcmp(yaml, playbook_default_yaml) ? "kept" : "lost");
	free(yaml);
	store_close(s);
	return rc;
}

/* the playbook in effect, then the whole agenda (engine over every contact) */
static int agenda_with(struct fu_ctx *ctx, const struct env *env, const struct agenda_opts *o,
		       struct print *fp)
{
	struct playbook pb;
	struct agenda a;
	struct store *s;
	int rc = open_ready(ctx, env, &s);

	if (rc)
		return rc;
	playbook_init(&pb);
	rc = agenda_playbook(ctx, s, &pb);
	if (!rc)
		rc = agenda_build(ctx, s, &pb, o, &a);
	if (!rc) {
		for (int i = 0; i < a.n; i++)
			fp_followup(fp, &a.v[i]);
		agenda_release(&a);
	}
	playbook_release(&pb);
	store_close(s);
	return rc;
}

/* agenda: on the caller's thread alone */
static int op_agenda(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct agenda_opts o = { .now = env->now, .all = 1, .full = 1, .jobs = 1 };

	return agenda_with(ctx, env, &o, fp);
}

/*
 * agenda-threads: the same agenda evaluated on two worker threads with their own
 * connections. Which allocation is the Nth depends on the threads' timing, so the runs
 * differ from one time to the next; each must still end cleanly with the same result.
 */
static int op_agenda_threads(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct agenda_opts o = { .now = env->now, .all = 1, .full = 1, .jobs = 2, .parallel_min = 1 };

	return agenda_with(ctx, env, &o, fp);
}

/* engine: one contact's follow-up at a time (agenda_contact): the lapsed buyer (1) and
 * the new lead with three reasons (4) */
static int op_engine(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct playbook pb;
	struct store *s;
	int rc = open_ready(ctx, env, &s);

	if (rc)
		return rc;
	playbook_init(&pb);
	rc = playbook_load_default(ctx, &pb);
	for (int64_t id = 1; !rc && id <= 4; id += 3) {
		struct followup f;
		int open;

		rc = agenda_contact(ctx, s, &pb, id, env->now, &f, &open);
		if (!rc && open) {
			fp_followup(fp, &f);
			followup_release(&f);
		}
	}
	playbook_release(&pb);
	store_close(s);
	return rc;
}

/* received mail: a multipart reply (QP, Latin-1 base64, encoded words), a DSN, parsed
 * and classified against the scenario's contacts (a dry run: nothing is recorded) */
static const char *const mails[] = {
	"From: =?ISO-8859-1?Q?Ada_Br=F6ok?= <ada@example.com>\r\n"
	"Subject: =?UTF-8?B?UmU6IHByaWNlcw==?= =?ISO-8859-1?Q?_f=FCr_M=E4rz?=\r\n"
	"Message-ID: <r1@example.com>\r\nIn-Reply-To: <fu.c1-0011223344556677@shop.example>\r\n"
	"References: <a@x> <b@y>\r\nDate: Wed, 25 Nov 2026 10:30:00 +0100\r\n"
	"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
	"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
	"quoted-printable\r\n\r\nYes =E2=80=93 forty.\r\n> old\r\n\r\nOn Tue, Ana wrote:\r\n> hi\r\n"
	"--b\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
	"base64\r\n\r\nPHA+R3L832U8L3A+\r\n--b--\r\n",
	"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <d1@mx.example>\r\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
	"--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
	"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
	"Final-Recipient: rfc822; bo@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	"Diagnostic-Code: smtp; 550 no such user\r\n\r\n"
	"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <fu.c2-0011223344556677@x>\r\n"
	"\r\n--r--\r\n",
};

static int op_mail(struct fu_ctx *ctx, const struct env *env, struct print *fp)
{
	struct sendconf conf;
	struct store *s;
	int rc = open_ready(ctx, env, &s);

	sendconf_init(&conf);
	for (size_t i = 0; !rc && i < sizeof(mails) / sizeof(mails[0]); i++) {
		struct mail_parsed m;
		struct receive_item it;

		rc = mail_parse(ctx, mails[i], strlen(mails[i]), 0, &m);
		if (rc)
			break;
		fp_add(fp, "kind %d from %s id %s refs %d subject [%s] text [%s] dsn %s %s %s %s\n",
		       m.kind, m.from ? m.from : "-", m.message_id ? m.message_id : "-", m.nrefs,
		       m.subject ? m.subject : "-", m.text, m.dsn.action ? m.dsn.action : "-",
		       m.dsn.recipient ? m.dsn.recipient : "-",
		       m.dsn.diagnostic ? m.dsn.diagnostic : "-",
		       m.dsn.original_id ? m.dsn.original_id : "-");
		mail_parsed_release(&m);
		rc = receive_message(ctx, s, &conf, env->now, "mb", 1, (uint32_t)i + 1, mails[i],
				     strlen(mails[i]), 0, 1, &it);
		if (!rc)
			fp_add(fp, "verdict %d contact %s why %s\n", it.verdict, it.contact, it.why);
	}
	store_close(s);
	return rc;
}

static const struct op {
	const char *name;
	int (*run)(struct fu_ctx *ctx, const struct env *env, struct print *fp);
} ops[] = {
	{ "create", op_create },
	{ "import", op_import },
	{ "store", op_store },
	{ "agenda", op_agenda },
	{ "agenda-threads", op_agenda_threads },
	{ "engine", op_engine },
	{ "mail", op_mail },
};

/* The allocation failing in the run under way, where the parent process can read it after a crash. */
static long *running;

/* Runs op with the 1st, 2nd, ... allocation failing; 0 when every run ended cleanly. */
static int check_op(const struct op *op, const struct env *env, long from, long step, int verbose,
		    int leaks_each, char *self)
{
	long n, runs = 0, recovered = 0;

	static struct print want, got;
	struct fu_ctx ctx;

	fa.op = op->name;
	fu_ctx_init(&ctx);
	want.len = 0;
	want.s[0] = '\0';
	if (op->run(&ctx, env, &want)) {
		fprintf(stderr, "failalloc: %s fails with no allocation failing: %s\n", op->name,
			ctx.msg);
		return 1;
	}
	for (n = from;; n += step) {
		int rc;

		fu_ctx_init(&ctx);
		got.len = 0;
		got.s[0] = '\0';
		fa.count = 0;
		fa.hit = 0;
		fa.fail_at = n;
		*running = n;
		rc = op->run(&ctx, env, &got);
		fa.fail_at = 0;
		runs++;
		if (verbose)
			fprintf(stderr, "failalloc: %s, allocation %ld failing: rc %d%s%s\n", op->name, n,
				rc, rc ? ": " : "", rc ? ctx.msg : "");
		if (!fa.hit) {
			if (rc) {
				fprintf(stderr, "failalloc: %s fails without any allocation failing: %s\n",
					op->name, ctx.msg);
				return 1;
			}
			break;
		}
		if (rc == FU_OK && strcmp(got.s, want.s) != 0) {
			fprintf(stderr, "failalloc: %s: allocation %ld failed, yet it reported success "
				"with another result:\n--- without failures:\n%s--- with it:\n%s", op->name,
				n, want.s, got.s);
			return 1;
		}
		if (rc == FU_OK) {
			/* a best-effort step (a cache not written) gave way: the same result */
			recovered++;
			continue;
		}
		if (!ctx.msg[0]) {
			fprintf(stderr, "failalloc: %s: allocation %ld failed: rc %d without a message\n",
				op->name, n, rc);
			return 1;
		}
		if (leaks_each && __lsan_do_recoverable_leak_check()) {
			fprintf(stderr, "failalloc: %s leaks after allocation %ld failed (%s)\n", op->name,
				n, ctx.msg);
			return 1;
		}
	}
	if (!leaks_each && __lsan_do_recoverable_leak_check()) {
		/* a leak check costs more than a run: once per operation, then again per run to
		 * name the allocation (in a fresh process: the leaks found stay leaked here) */
		char *again[] = { self, (char *)op->name, NULL };

		fprintf(stderr, "failalloc: %s leaks; looking for the failing allocation behind it\n",
			op->name);
		fflush(NULL);
		setenv("FAILALLOC_LEAKS", "each", 1);
		execv("/proc/self/exe", again);
		return 1;
	}
	printf("failalloc: ok %s: %ld runs, each failing one of its %ld allocations in turn%s; "
	       "%ld gave the same result without the allocation\n", op->name, runs - 1, fa.count,
	       step > 1 ? " (every kth)" : "", recovered);
	return 0;
}

/* check_op in a child process, so that a crash is reported with the allocation behind it. */
static int run_op(const struct op *op, const struct env *env, long from, long step, int verbose,
		  int leaks_each, char *self)
{
	pid_t pid;
	int status;

	fflush(NULL);
	*running = 0;
	pid = fork();
	if (pid < 0) {
		perror("failalloc: fork");
		return 1;
	}
	if (pid == 0) {
		int failed = check_op(op, env, from, step, verbose, leaks_each, self);

		fflush(NULL);
		_exit(failed ? 3 : 0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("failalloc: waitpid");
		return 1;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3))
		return WEXITSTATUS(status) != 0;
	fprintf(stderr, "failalloc: %s crashed (%s %d) with allocation %ld failing; "
		"FAILALLOC_FROM=%ld FAILALLOC_TRACE=1 %s %s shows where\n", op->name,
		WIFSIGNALED(status) ? "signal" : "exit status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), *running, *running,
		self, op->name);
	return 1;
}

int main(int argc, char **argv)
{
	const char *data = getenv("FAILALLOC_DATA"), *e;
	long step = (e = getenv("FAILALLOC_STEP")) ? atol(e) : 1;
	long from = (e = getenv("FAILALLOC_FROM")) ? atol(e) : 1;
	int verbose = (e = getenv("FAILALLOC_VERBOSE")) && *e == '1';
	int leaks_each = (e = getenv("FAILALLOC_LEAKS")) && !strcmp(e, "each");
	struct env env = { .data = data ? data : "tests/data", .now = 1795597200 /* 2026-11-25T09:00Z */ };
	struct fu_ctx ctx;
	struct store *s;
	int failed = 0;

	if (step < 1)
		step = 1;
	if (from < 1)
		from = 1;
	fa.trace = (e = getenv("FAILALLOC_TRACE")) && *e == '1';
	if ((e = getenv("FAILALLOC_SQLITE")) && *e == '1' && sqlite_counted()) {
		fprintf(stderr, "failalloc: cannot count SQLite's allocations\n");
		return 2;
	}
	json_set_alloc_funcs(json_alloc, free);
	running = mmap(NULL, sizeof(*running), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (running == MAP_FAILED) {
		perror("failalloc: mmap");
		return 2;
	}
	/* a database in memory-backed /dev/shm costs no disk writes */
	e = getenv("TMPDIR");
	if (!e)
		e = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(env.dir, sizeof(env.dir), "%s/failalloc.XXXXXX", e);
	if (!mkdtemp(env.dir)) {
		perror("failalloc: mkdtemp");
		return 2;
	}
	snprintf(env.ready, sizeof(env.ready), "%s/ready.db", env.dir);
	snprintf(env.work, sizeof(env.work), "%s/work.db", env.dir);
	snprintf(env.empty, sizeof(env.empty), "%s/empty.db", env.dir);
	/* the starting points, made without failures */
	fu_ctx_init(&ctx);
	if (store_open(&ctx, env.empty, STORE_OPEN_CREATE, &s) == FU_OK)
		store_close(s);
	if (ctx.rc || store_open(&ctx, env.ready, STORE_OPEN_CREATE, &s) ||
	    (import_all(&ctx, s, &env, NULL) ? (store_close(s), 1) : (store_close(s), 0))) {
		fprintf(stderr, "failalloc: setting up: %s\n", ctx.msg);
		return 2;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int want = argc < 2;

		for (int k = 1; k < argc; k++)
			want |= !strcmp(argv[k], ops[i].name);
		/* a leak stays leaked: after the first failure the others would repeat it */
		if (want && !failed)
			failed |= run_op(&ops[i], &env, from, step, verbose, leaks_each, argv[0]);
	}
	remove_db(env.work);
	remove_db(env.empty);
	remove_db(env.ready);
	rmdir(env.dir);
	return failed ? 3 : 0; /* 3: a check failed (a sanitizer's own exit status is 1) */
}
