/* test-synth.c - unit tests for the synthetic business generator */
#include "synth.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "banned.h"

#define DAY 86400
#define MAX_FIELDS 16

/* One generated business, held in memory. */
struct out {
	char *contacts;
	size_t contacts_len;
	char *events;
	size_t events_len;
	struct synth_stats stats;
	int rc;
	struct fu_ctx ctx;
};

static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2026-03-05T14:22:00Z" -> seconds; -1 if malformed. */
static int64_t parse_time(const char *s)
{
	int y, mo, d, h, mi, se, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 20 || s[20] != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return -1;
	return days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + se;
}

static int is_date(const char *s)
{
	int y, m, d, n = 0;

	return sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && s[10] == '\0' &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int is_amount(const char *s)
{
	const char *dot = strchr(s, '.');
	const char *p;

	if (!dot || dot == s || strlen(dot) != 3)
		return 0;
	for (p = s; *p; p++)
		if (p != dot && (*p < '0' || *p > '9'))
			return 0;
	return 1;
}

/*
 * Splits one CSV record (no line breaks inside fields) into fields, unquoting in place.
 * Returns the field count, or -1 for a malformed quote.
 */
static int split_csv(char *line, char **f, int max)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		if (n == max)
			return -1;
		f[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return -1;
				if (*r == '"') {
					if (r[1] != '"')
						break;
					r++;
				}
				*w++ = *r++;
			}
			r++;
			if (*r && *r != ',')
				return -1;
		} else {
			while (*r && *r != ',') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		if (!*r) {
			*w = '\0';
			return n;
		}
		*w = '\0';
		r++;
	}
}

/* The next line of text (without its '\n') or NULL at the end; *pos advances. */
static char *next_line(char *text, size_t len, size_t *pos)
{
	char *s, *nl;

	if (*pos >= len)
		return NULL;
	s = text + *pos;
	nl = memchr(s, '\n', len - *pos);
	if (!nl) {
		*pos = len;
		return s;
	}
	*nl = '\0';
	*pos = (size_t)(nl - text) + 1;
	return s;
}

static void generate(struct out *o, int64_t contacts, int days, uint64_t seed, int64_t end)
{
	struct synth_opts opts = { .contacts = contacts, .end = end, .days = days, .seed = seed };
	FILE *cf, *ef;

	memset(o, 0, sizeof(*o));
	fu_ctx_init(&o->ctx);
	cf = open_memstream(&o->contacts, &o->contacts_len);
	ef = open_memstream(&o->events, &o->events_len);
	assert_non_null(cf);
	assert_non_null(ef);
	o->rc = synth_write(&o->ctx, &opts, cf, ef, &o->stats);
	assert_int_equal(fclose(cf), 0);
	assert_int_equal(fclose(ef), 0);
}

static void out_release(struct out *o)
{
	free(o->contacts);
	free(o->events);
}

static int64_t end_2026(void)
{
	return days_from_civil(2026, 11, 25) * DAY;
}

static void test_same_seed_same_bytes(void **state)
{
	struct out a, b;

	generate(&a, 300, 365, 42, end_2026());
	generate(&b, 300, 365, 42, end_2026());
	assert_int_equal(a.rc, FU_OK);
	assert_int_equal(b.rc, FU_OK);
	assert_int_equal(a.contacts_len, b.contacts_len);
	assert_int_equal(a.events_len, b.events_len);
	assert_memory_equal(a.contacts, b.contacts, a.contacts_len);
	assert_memory_equal(a.events, b.events, a.events_len);
	out_release(&a);
	out_release(&b);
}

static void test_other_seed_other_bytes(void **state)
{
	struct out a, b;

	generate(&a, 300, 365, 1, end_2026());
	generate(&b, 300, 365, 2, end_2026());
	assert_int_equal(a.rc, FU_OK);
	assert_int_equal(b.rc, FU_OK);
	assert_true(a.events_len != b.events_len || memcmp(a.events, b.events, a.events_len));
	assert_true(a.contacts_len != b.contacts_len || memcmp(a.contacts, b.contacts, a.contacts_len));
	out_release(&a);
	out_release(&b);
}

static void test_headers(void **state)
{
	static const char ch[] = "key,name,email,phone,company,owner,tz,segment\n";
	static const char eh[] = "id,type,contact,time,amount,ref,due,channel,outcome,note\n";
	struct out a;

	generate(&a, 5, 30, 9, end_2026());
	assert_int_equal(a.rc, FU_OK);
	assert_true(a.contacts_len > strlen(ch));
	assert_true(a.events_len > strlen(eh));
	assert_memory_equal(a.contacts, ch, strlen(ch));
	assert_memory_equal(a.events, eh, strlen(eh));
	out_release(&a);
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static void test_contact_rows(void **state)
{
	static const char *const owners[] = { "", "ana", "ben", "chloe", "dev", NULL };
	static const char *const segments[] = { "retail", "wholesale", "service", NULL };
	struct out a;
	char *f[MAX_FIELDS], *line;
	size_t pos = 0;
	int64_t rows = 0, unowned = 0, with_company = 0, quoted = 0;
	char want[16];

	generate(&a, 2000, 730, 5, end_2026());
	assert_int_equal(a.rc, FU_OK);
	line = next_line(a.contacts, a.contacts_len, &pos);
	while ((line = next_line(a.contacts, a.contacts_len, &pos))) {
		if (strchr(line, '"'))
			quoted++;
		assert_int_equal(split_csv(line, f, MAX_FIELDS), 8);
		snprintf(want, sizeof(want), "C%06lld", (long long)rows + 1);
		assert_string_equal(f[0], want);
		assert_true(strlen(f[1]) > 2 && strchr(f[1], ' '));
		assert_non_null(strchr(f[2], '@'));
		assert_true(in_list(f[5], owners));
		assert_non_null(strchr(f[6], '/'));
		assert_true(in_list(f[7], segments));
		unowned += !f[5][0];
		with_company += f[4][0] != '\0';
		rows++;
	}
	assert_int_equal(rows, 2000);
	assert_int_equal(a.stats.contacts, 2000);
	assert_true(unowned > 150 && unowned < 450);
	assert_true(with_company > 500 && with_company < 1100);
	assert_true(quoted > 0);
	out_release(&a);
}

/* Per-contact memory of invoice refs, reset when the contact changes. */
struct refs {
	char **v;
	int n, cap;
};

static void refs_clear(struct refs *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	r->n = 0;
}

static void refs_add(struct refs *r, const char *s)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = realloc(r->v, (size_t)r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	r->v[r->n] = strdup(s);
	assert_non_null(r->v[r->n]);
	r->n++;
}

static int refs_has(const struct refs *r, const char *s)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], s))
			return 1;
	return 0;
}

/* Checks every event row of one generated business; returns the number of rows. */
static int64_t check_events(struct out *a, int64_t end, int days)
{
	char *f[MAX_FIELDS], *line, prev_contact[32] = "", prev_id[32] = "";
	struct refs inv = { 0 };
	int64_t rows = 0, prev_t = INT64_MIN, t, start = end - (int64_t)days * DAY;
	int64_t contacts_seen = 0, special = 0;
	size_t pos = 0;
	int type, n;
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	line = next_line(a->events, a->events_len, &pos);
	while ((line = next_line(a->events, a->events_len, &pos))) {
		if (strchr(line, '"'))
			special++;
		n = split_csv(line, f, MAX_FIELDS);
		assert_int_equal(n, 10);
		/* ids are unique because they increase */
		assert_int_equal(f[0][0], 'E');
		assert_true(strlen(f[0]) > strlen(prev_id) ||
			    (strlen(f[0]) == strlen(prev_id) && strcmp(f[0], prev_id) > 0));
		snprintf(prev_id, sizeof(prev_id), "%s", f[0]);

		for (type = 0; type < EV__COUNT; type++) {
			static const char *const names[] = {
				"lead", "info_request", "email_click", "purchase", "invoice", "payment",
				"service", "appointment", "touch", "reply", "opt_out",
			};
			if (!strcmp(f[1], names[type]))
				break;
		}
		assert_true(type < EV__COUNT);

		t = parse_time(f[3]);
		assert_true(t != -1);
		assert_true(t >= start);
		if (type != EV_APPOINTMENT)
			assert_true(t <= end);

		if (strcmp(f[2], prev_contact)) {
			/* contacts come one after another, in key order */
			assert_true(strcmp(f[2], prev_contact) > 0);
			snprintf(prev_contact, sizeof(prev_contact), "%s", f[2]);
			refs_clear(&inv);
			prev_t = INT64_MIN;
			contacts_seen++;
		}
		assert_true(t >= prev_t);
		prev_t = t;

		if (type == EV_PURCHASE || type == EV_INVOICE || type == EV_PAYMENT)
			assert_true(is_amount(f[4]));
		else
			assert_string_equal(f[4], "");
		if (type == EV_PURCHASE)
			assert_true(!strncmp(f[5], "O-", 2));
		if (type == EV_INVOICE) {
			assert_true(!strncmp(f[5], "INV-", 4));
			assert_false(refs_has(&inv, f[5]));
			assert_true(is_date(f[6]));
			refs_add(&inv, f[5]);
		} else {
			assert_string_equal(f[6], "");
		}
		if (type == EV_PAYMENT)
			assert_true(refs_has(&inv, f[5]));
		if (type == EV_LEAD || type == EV_INFO_REQUEST) {
			static const char *const ch[] = { "call", "email", "web_form", NULL };

			assert_true(in_list(f[7], ch));
		}
		if (type == EV_TOUCH) {
			static const char *const ch[] = { "call", "email", "voicemail", "letter", "meeting", NULL };
			static const char *const oc[] = {
				"reached", "voicemail", "no-answer", "not-yet", "won", "no", NULL,
			};

			assert_true(in_list(f[7], ch));
			assert_true(in_list(f[8], oc));
		} else {
			assert_string_equal(f[8], "");
		}
		if (type == EV_OPT_OUT)
			assert_true(!strcmp(f[7], "email") || !strcmp(f[7], "all"));
		rows++;
	}
	assert_true(special > 0 || rows < 1000);
	assert_int_equal(contacts_seen, a->stats.contacts);
	refs_clear(&inv);
	free(inv.v);
	return rows;
}

static void test_event_rows(void **state)
{
	struct out a;
	int64_t rows, end = end_2026();

	generate(&a, 2000, 730, 3, end);
	assert_int_equal(a.rc, FU_OK);
	rows = check_events(&a, end, 730);
	assert_int_equal(rows, a.stats.events);
	assert_int_equal(a.stats.contacts, 2000);
	/* about 20 events per contact */
	assert_true(rows >= 10 * 2000 && rows <= 30 * 2000);
	out_release(&a);
}

static void test_odd_window(void **state)
{
	/* an end that is not midnight, a short window, a different seed */
	int64_t end = days_from_civil(2026, 3, 5) * DAY + 14 * 3600 + 30 * 60 + 7;
	struct out a;
	int64_t rows;

	generate(&a, 500, 30, 77, end);
	assert_int_equal(a.rc, FU_OK);
	rows = check_events(&a, end, 30);
	assert_int_equal(rows, a.stats.events);
	assert_true(rows > 500);
	out_release(&a);

	generate(&a, 50, 1, 78, end);
	assert_int_equal(a.rc, FU_OK);
	assert_int_equal(check_events(&a, end, 1), a.stats.events);
	out_release(&a);
}

static void test_all_types_appear(void **state)
{
	static const char *const names[] = {
		",lead,", ",info_request,", ",email_click,", ",purchase,", ",invoice,", ",payment,",
		",service,", ",appointment,", ",touch,", ",reply,", ",opt_out,",
	};
	struct out a;
	size_t i;

	generate(&a, 2000, 730, 11, end_2026());
	assert_int_equal(a.rc, FU_OK);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(strstr(a.events, names[i]));
	out_release(&a);
}

static void test_bad_options(void **state)
{
	struct synth_opts o = { .contacts = 0, .end = end_2026(), .days = 10, .seed = 1 };
	struct synth_stats st = { 5, 5 };
	struct fu_ctx ctx;
	FILE *f = tmpfile();

	assert_non_null(f);
	fu_ctx_init(&ctx);
	assert_int_equal(synth_write(&ctx, &o, f, f, &st), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "contacts"));
	assert_int_equal(st.events, 0);

	o.contacts = 10;
	o.days = 0;
	fu_ctx_init(&ctx);
	assert_int_equal(synth_write(&ctx, &o, f, f, NULL), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "days"));
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

static void test_write_error(void **state)
{
	struct synth_opts o = { .contacts = 2000, .end = end_2026(), .days = 365, .seed = 1 };
	struct fu_ctx ctx;
	FILE *full = fopen("/dev/full", "w");
	FILE *ok = tmpfile();

	if (!full) {
		if (ok)
			fclose(ok);
		skip();
		return;
	}
	assert_non_null(ok);
	fu_ctx_init(&ctx);
	assert_int_equal(synth_write(&ctx, &o, ok, full, NULL), FU_EIO);
	assert_true(!strncmp(ctx.msg, "writing events: ", 16));
	fclose(full);
	fclose(ok);
}

/* With opts.owners, owners are "o0001".."oN" (or empty), for benchmarks of many owners. */
static void test_many_owners(void **state)
{
	struct synth_opts o = { .contacts = 500, .end = end_2026(), .days = 365, .seed = 3,
				.owners = 20 };
	struct fu_ctx ctx;
	char *cbuf = NULL, *ebuf = NULL;
	size_t clen = 0, elen = 0;
	FILE *c = open_memstream(&cbuf, &clen), *e = open_memstream(&ebuf, &elen);
	int seen[21] = { 0 }, distinct = 0;
	char *line, *save = NULL;

	(void)state;
	fu_ctx_init(&ctx);
	assert_non_null(c);
	assert_non_null(e);
	assert_int_equal(synth_write(&ctx, &o, c, e, NULL), FU_OK);
	fclose(c);
	fclose(e);
	line = strtok_r(cbuf, "\n", &save); /* header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		/* key,name,email,phone,company,owner,...: the owner is after the fifth comma
		 * outside quotes; names and companies here hold no quoted commas but be safe */
		int commas = 0, quoted = 0;
		const char *p = line;

		for (; *p && commas < 5; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == ',' && !quoted)
				commas++;
		}
		if (*p == ',')
			continue; /* no owner */
		assert_int_equal(p[0], 'o');
		{
			int k = atoi(p + 1);

			assert_true(k >= 1 && k <= 20);
			distinct += !seen[k];
			seen[k] = 1;
		}
	}
	assert_int_equal(distinct, 20);
	free(cbuf);
	free(ebuf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_owners),
		cmocka_unit_test(test_same_seed_same_bytes),
		cmocka_unit_test(test_other_seed_other_bytes),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_contact_rows),
		cmocka_unit_test(test_event_rows),
		cmocka_unit_test(test_odd_window),
		cmocka_unit_test(test_all_types_appear),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
