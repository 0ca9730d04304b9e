/* bench/synth.c - writes a synthetic business (contacts.csv, events.csv) into a directory for the benchmarks */
#include "synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "banned.h"

static void usage(FILE *f)
{
	fputs("usage: bench-synth --contacts N --days D --seed S --end YYYY-MM-DD --out DIR"
	      " [--owners N]\n", f);
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

int main(int argc, char **argv)
{
	struct synth_opts o = { .contacts = 1000, .days = 730, .seed = 1, .end = 0 };
	struct synth_stats stats;
	struct fu_ctx ctx;
	struct timespec t0, t1;
	const char *dir = NULL, *end = NULL;
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
		if (i + 1 >= argc) {
			fprintf(stderr, "bench-synth: '%s': unknown flag or missing value\n", a);
			usage(stderr);
			return 1;
		}
		if (!strcmp(a, "--contacts")) {
			bad |= parse_int(a, argv[++i], 1, 100000000, &v);
			o.contacts = v;
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
	if (fflush(stdout) || ferror(stdout))
		return 2;
	return 0;
}
