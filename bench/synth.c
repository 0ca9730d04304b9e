/*
 * bench/synth.c - writes a synthetic business (contacts.csv, events.csv) into a directory for
 * the benchmarks; with --shapes, the same events in the other shapes a user brings (issue 13);
 * with --few N, a business of N customers with a few purchases each
 */
#include "synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "csv.h"
#include "datetime.h"

#include "banned.h"

static void usage(FILE *f)
{
	fputs("usage: bench-synth --contacts N --days D --seed S --end YYYY-MM-DD --out DIR"
	      " [--owners N] [--shapes]\n"
	      "       bench-synth --few N --seed S --end YYYY-MM-DD --out DIR\n"
	      "--shapes also writes the events as events-time.csv (by time), events-shuffled.csv,\n"
	      "events.jsonl, events-mapped.csv (columns in another order, two more to ignore),\n"
	      "events-base.csv and events-day.csv (the last day before --end, and the rest).\n"
	      "--few writes few.csv: N customers, purchases only, 2.85 on average each.\n", f);
}

static int parse_int(const char *flag, const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "bench-synth: %s '%s': expected a whole number from %lld to %lld\n",
			flag, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

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

/* "YYYY-MM-DD" as midnight UTC. */
static int parse_date(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
	    m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))) {
		fprintf(stderr, "bench-synth: --end '%s': expected a date YYYY-MM-DD\n", s);
		return -1;
	}
	*out = days_from_civil(y, m, d) * 86400;
	return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "bench-synth: %s: %s\n", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	if (fclose(f)) {
		fprintf(stderr, "bench-synth: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the shapes of issue 13: the generated events read back and written other ways ---- */

/* The events file held in memory: each row's fields, one NUL-terminated string after another. */
struct rows {
	char *text;
	size_t len, cap;
	size_t *start; /* the row's first field in text */
	int64_t *time;
	size_t n, capn;
	int nfields;
	char *head[16];
};

static int rows_add(struct rows *r, const struct csv_record *rec, int64_t t)
{
	size_t need = 0;

	for (int i = 0; i < rec->nfields; i++)
		need += strlen(rec->fields[i]) + 1;
	if (r->len + need > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : (size_t)1 << 24;
		char *p;

		while (cap < r->len + need)
			cap *= 2;
		p = realloc(r->text, cap);
		if (!p)
			return -1;
		r->text = p;
		r->cap = cap;
	}
	if (r->n == r->capn) {
		size_t capn = r->capn ? r->capn * 2 : 65536;
		size_t *s = realloc(r->start, capn * sizeof(*s));
		int64_t *tm;

		if (!s)
			return -1;
		r->start = s;
		tm = realloc(r->time, capn * sizeof(*tm));
		if (!tm)
			return -1;
		r->time = tm;
		r->capn = capn;
	}
	r->start[r->n] = r->len;
	r->time[r->n++] = t;
	for (int i = 0; i < rec->nfields; i++) {
		size_t k = strlen(rec->fields[i]) + 1;

		memcpy(r->text + r->len, rec->fields[i], k);
		r->len += k;
	}
	return 0;
}

/* The fields of row i (nfields strings). */
static void row_fields(const struct rows *r, size_t i, const char **f)
{
	const char *p = r->text + r->start[i];

	for (int k = 0; k < r->nfields; k++) {
		f[k] = p;
		p += strlen(p) + 1;
	}
}

static int rows_read(const char *path, struct rows *r)
{
	struct fu_ctx ctx;
	struct csv_reader *rd;
	struct csv_record *rec;
	FILE *f = fopen(path, "rb");
	int tcol = -1, rc = 0;

	memset(r, 0, sizeof(*r));
	if (!f) {
		fprintf(stderr, "bench-synth: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fu_ctx_init(&ctx);
	if (csv_open(&ctx, f, path, NULL, &rd) || csv_next(&ctx, rd, &rec) || !rec ||
	    rec->nfields > 16) {
		fprintf(stderr, "bench-synth: %s: %s\n", path, ctx.msg);
		fclose(f);
		return -1;
	}
	r->nfields = rec->nfields;
	for (int i = 0; i < rec->nfields; i++) {
		r->head[i] = strdup(rec->fields[i]);
		if (!r->head[i])
			rc = -1;
		else if (!strcmp(rec->fields[i], "time"))
			tcol = i;
	}
	while (!rc && tcol >= 0 && !(rc = csv_next(&ctx, rd, &rec)) && rec) {
		int64_t t;

		if (rec->nfields != r->nfields || dt_parse_iso(&ctx, rec->fields[tcol], 0, &t))
			rc = -1;
		else
			rc = rows_add(r, rec, t);
	}
	if (rc || tcol < 0)
		fprintf(stderr, "bench-synth: %s: %s\n", path, ctx.msg[0] ? ctx.msg : "cannot read");
	csv_close(rd);
	fclose(f);
	return rc || tcol < 0 ? -1 : 0;
}

static void rows_free(struct rows *r)
{
	for (int i = 0; i < r->nfields; i++)
		free(r->head[i]);
	free(r->text);
	free(r->start);
	free(r->time);
}

static void csv_put(FILE *f, const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void json_put(FILE *f, const char *v)
{
	fputc('"', f);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Writes rows order[0..n) as CSV with the columns cols[] (-1: an ignored column, filled). */
static void write_csv(FILE *f, const struct rows *r, const size_t *order, size_t n,
		      const int *cols, int ncols)
{
	static const char *const extra[] = { "source", "campaign" };
	const char *v[16];
	int e = 0;

	for (int c = 0; c < ncols; c++) {
		fputs(c ? "," : "", f);
		fputs(cols[c] >= 0 ? r->head[cols[c]] : extra[e++ % 2], f);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		row_fields(r, order[i], v);
		e = 0;
		for (int c = 0; c < ncols; c++) {
			fputs(c ? "," : "", f);
			if (cols[c] >= 0)
				csv_put(f, v[cols[c]]);
			else
				fputs(e++ % 2 ? "spring-2026" : "crm-export", f);
		}
		fputc('\n', f);
	}
}

static void write_jsonl(FILE *f, const struct rows *r, const size_t *order, size_t n)
{
	const char *v[16];

	for (size_t i = 0; i < n; i++) {
		int any = 0;

		row_fields(r, order[i], v);
		fputc('{', f);
		for (int c = 0; c < r->nfields; c++) {
			if (!*v[c])
				continue;
			fputs(any++ ? "," : "", f);
			json_put(f, r->head[c]);
			fputc(':', f);
			json_put(f, v[c]);
		}
		fputs("}\n", f);
	}
}

struct keyed {
	int64_t time;
	size_t row;
};

static int by_time(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Writes one shape into dir/name; order[0..n) are rows (jsonl: JSON Lines, else cols). */
static int write_shape(const char *dir, const char *name, const struct rows *r,
		       const size_t *order, size_t n, const int *cols, int ncols)
{
	char path[4096];
	FILE *f = open_out(dir, name, path, sizeof(path));

	if (!f)
		return -1;
	if (cols)
		write_csv(f, r, order, n, cols, ncols);
	else
		write_jsonl(f, r, order, n);
	return close_out(f, path);
}

static int write_shapes(const char *dir, uint64_t seed, int64_t end)
{
	struct rows r;
	char path[4096];
	size_t *order, nday = 0, nbase = 0;
	int cols[18], mapped[18], nmapped = 0, rc = 0;
	/* another order, and two columns the import must ignore */
	static const char *const mapped_names[] = { "time", "", "contact", "type", "amount", "id",
						    "", "note", "ref", "outcome", "due", "channel" };

	snprintf(path, sizeof(path), "%s/events.csv", dir);
	if (rows_read(path, &r))
		return -1;
	order = malloc((r.n ? r.n : 1) * sizeof(*order));
	if (!order) {
		rows_free(&r);
		return -1;
	}
	for (int c = 0; c < r.nfields; c++)
		cols[c] = c;
	for (size_t k = 0; k < sizeof(mapped_names) / sizeof(mapped_names[0]); k++) {
		int c = -1;

		for (int j = 0; j < r.nfields && *mapped_names[k]; j++)
			if (!strcmp(r.head[j], mapped_names[k]))
				c = j;
		if (*mapped_names[k] && c < 0)
			continue;
		mapped[nmapped++] = c;
	}
	/* the last day before end: the daily import; everything else: the database before it */
	for (size_t i = 0; i < r.n; i++)
		if (r.time[i] >= end - 86400 && r.time[i] < end)
			order[nday++] = i;
	rc |= write_shape(dir, "events-day.csv", &r, order, nday, cols, r.nfields);
	for (size_t i = 0; i < r.n; i++)
		if (!(r.time[i] >= end - 86400 && r.time[i] < end))
			order[nbase++] = i;
	rc |= write_shape(dir, "events-base.csv", &r, order, nbase, cols, r.nfields);
	for (size_t i = 0; i < r.n; i++)
		order[i] = i;
	rc |= write_shape(dir, "events.jsonl", &r, order, r.n, NULL, 0);
	rc |= write_shape(dir, "events-mapped.csv", &r, order, r.n, mapped, nmapped);
	{
		struct keyed *k = malloc((r.n ? r.n : 1) * sizeof(*k));

		if (!k) {
			free(order);
			rows_free(&r);
			return -1;
		}
		for (size_t i = 0; i < r.n; i++)
			k[i] = (struct keyed){ r.time[i], i };
		qsort(k, r.n, sizeof(*k), by_time);
		for (size_t i = 0; i < r.n; i++)
			order[i] = k[i].row;
		free(k);
	}
	rc |= write_shape(dir, "events-time.csv", &r, order, r.n, cols, r.nfields);
	for (size_t i = r.n; i > 1; i--) {
		size_t j = (size_t)(splitmix(&seed) % i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	rc |= write_shape(dir, "events-shuffled.csv", &r, order, r.n, cols, r.nfields);
	printf("shapes: %zu events, %zu on the last day -> %s\n", r.n, nday, dir);
	free(order);
	rows_free(&r);
	return rc;
}

/*
 * A business of n customers who each bought a few times (1 + a geometric number more,
 * 2.85 on average) within the two years before end: purchases only, contacts created from
 * the events, as a shop's order export comes.
 */
static int write_few(const char *dir, int64_t n, uint64_t seed, int64_t end)
{
	char path[4096];
	FILE *f = open_out(dir, "few.csv", path, sizeof(path));
	int64_t id = 0;

	if (!f)
		return -1;
	fputs("id,type,contact,time,amount\n", f);
	for (int64_t c = 1; c <= n; c++) {
		int64_t t = end - 730 * 86400 + (int64_t)(splitmix(&seed) % (700 * 86400));

		do {
			char when[32];
			int64_t d = t / 86400, s = t % 86400, cents = 500 +
				(int64_t)(splitmix(&seed) % 20000);
			int y, m, dd;

			dt_civil_from_days(d, &y, &m, &dd);
			snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, dd,
				 (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
			fprintf(f, "P%09lld,purchase,K%08lld,%s,%lld.%02lld\n", (long long)++id,
				(long long)c, when, (long long)(cents / 100), (long long)(cents % 100));
			t += 86400 + (int64_t)(splitmix(&seed) % (120 * 86400));
		} while (t < end && splitmix(&seed) % 100 < 70); /* about 2.85 a customer, after the cut at end */
	}
	printf("few: %lld customers, %lld purchases -> %s\n", (long long)n, (long long)id, dir);
	return close_out(f, path);
}

int main(int argc, char **argv)
{
	struct synth_opts o = { .contacts = 1000, .days = 730, .seed = 1, .end = 0 };
	struct synth_stats stats;
	struct fu_ctx ctx;
	struct timespec t0, t1;
	const char *dir = NULL, *end = NULL;
	int64_t few = 0;
	int shapes = 0;
	char cpath[4096], epath[4096];
	FILE *cf, *ef;
	long long v;
	int i, rc, bad = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--shapes")) {
			shapes = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "bench-synth: '%s': unknown flag or missing value\n", a);
			usage(stderr);
			return 1;
		}
		if (!strcmp(a, "--contacts")) {
			bad |= parse_int(a, argv[++i], 1, 100000000, &v);
			o.contacts = v;
		} else if (!strcmp(a, "--few")) {
			bad |= parse_int(a, argv[++i], 1, 100000000, &v);
			few = v;
		} else if (!strcmp(a, "--days")) {
			bad |= parse_int(a, argv[++i], 1, 36600, &v);
			o.days = (int)v;
		} else if (!strcmp(a, "--owners")) {
			bad |= parse_int(a, argv[++i], 0, 9999, &v);
			o.owners = (int)v;
		} else if (!strcmp(a, "--seed")) {
			bad |= parse_int(a, argv[++i], 0, INT64_MAX, &v);
			o.seed = (uint64_t)v;
		} else if (!strcmp(a, "--end")) {
			end = argv[++i];
		} else if (!strcmp(a, "--out")) {
			dir = argv[++i];
		} else {
			fprintf(stderr, "bench-synth: '%s': unknown flag\n", a);
			usage(stderr);
			return 1;
		}
	}
	if (bad)
		return 1;
	if (!end || !dir) {
		fprintf(stderr, "bench-synth: --end and --out are required\n");
		usage(stderr);
		return 1;
	}
	if (parse_date(end, &o.end))
		return 1;
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "bench-synth: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	if (few)
		return write_few(dir, few, o.seed, o.end) ? 2 : 0;
	cf = open_out(dir, "contacts.csv", cpath, sizeof(cpath));
	if (!cf)
		return 2;
	ef = open_out(dir, "events.csv", epath, sizeof(epath));
	if (!ef) {
		fclose(cf);
		return 2;
	}

	fu_ctx_init(&ctx);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = synth_write(&ctx, &o, cf, ef, &stats);
	if (close_out(cf, cpath) | close_out(ef, epath))
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		fprintf(stderr, "bench-synth: %s\n", ctx.msg);
		return fu_exit_status(rc);
	}
	printf("contacts %lld events %lld in %.2fs -> %s\n", (long long)stats.contacts,
	       (long long)stats.events,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, dir);
	if (shapes && write_shapes(dir, o.seed, o.end))
		return 2;
	if (fflush(stdout) || ferror(stdout))
		return 2;
	return 0;
}
