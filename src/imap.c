/* imap.c - one IMAP mailbox read through libcurl: STATUS, UID SEARCH, FETCH, the unseen mark kept */
#include "imap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mailparse.h"
#include "mailtls.h"

#include "banned.h"

#define LIST_MAX (4 << 20) /* bytes of a SEARCH answer read */
#define LIST_SPAN 5000     /* UIDs searched in one command */
#define FLAGS_BATCH 16     /* messages whose flags are asked for in one command */

struct imap {
	CURL *curl;
	char *base;        /* "imap://host:port/" */
	char *path;        /* the mailbox as the URL writes it ("INBOX", "Shared%20Replies") */
	char *mailbox;     /* decoded ("Shared Replies") */
	char *user, *password, *ca_file;
	long tls;          /* CURLUSESSL_*, mailtls_mode */
	/* what the last request received */
	struct buf *sink;
	size_t sink_max;
	int sink_cut;
	char last[160];    /* the server's last line, for messages */
};

static int oom(struct fu_ctx *ctx)
{
	return fu_err(ctx, FU_ENOMEM, "out of memory reading the mailbox");
}

static char *dup_opt(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

/* Splits url into base and mailbox; FU_EINPUT when it is not imap[s]://host[/mailbox]. */
static int split_url(struct fu_ctx *ctx, struct imap *im, const char *url)
{
	const char *host, *slash, *path;
	size_t k = 0;
	int failed = 0;

	if (!strncmp(url, "imap://", 7))
		host = url + 7;
	else if (!strncmp(url, "imaps://", 8))
		host = url + 8;
	else
		return fu_err(ctx, FU_EINPUT, "send settings: imap_url must start imap:// or imaps://");
	slash = strchr(host, '/');
	if (slash == host || !*host)
		return fu_err(ctx, FU_EINPUT, "send settings: imap_url names no server");
	path = slash && slash[1] ? slash + 1 : "INBOX";
	if (strpbrk(path, ";?#"))
		return fu_err(ctx, FU_EINPUT,
			      "send settings: imap_url: give only the mailbox after the server "
			      "(imap://host/INBOX)");
	im->base = malloc((size_t)(slash ? slash - url : (ptrdiff_t)strlen(url)) + 2);
	im->path = dup_opt(path, &failed);
	im->mailbox = malloc(strlen(path) + 1);
	if (!im->base || !im->path || !im->mailbox || failed)
		return oom(ctx);
	snprintf(im->base, (size_t)(slash ? slash - url : (ptrdiff_t)strlen(url)) + 2, "%.*s/",
		 (int)(slash ? slash - url : (ptrdiff_t)strlen(url)), url);
	for (const char *p = path; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '%' && mail_hexval(p[1]) >= 0 && mail_hexval(p[2]) >= 0) {
			c = mail_hexval(p[1]) * 16 + mail_hexval(p[2]);
			p += 2;
		}
		/* the name goes inside a quoted string of a command: printable ASCII only */
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return fu_err(ctx, FU_EINPUT,
				      "send settings: imap_url: the mailbox name may hold printable "
				      "ASCII only, without quotes");
		im->mailbox[k++] = (char)c;
	}
	im->mailbox[k] = 0;
	return FU_OK;
}

int imap_open(struct fu_ctx *ctx, const struct sendconf *conf, struct imap **out)
{
	struct imap *im;
	int failed = 0, rc;

	*out = NULL;
	if (!conf->imap_url || !*conf->imap_url)
		return fu_err(ctx, FU_EINPUT,
			      "send settings: no imap_url (set it in the send settings file or "
			      "$FOLLOWUP_IMAP_URL)");
	im = calloc(1, sizeof(*im));
	if (!im)
		return oom(ctx);
	rc = split_url(ctx, im, conf->imap_url);
	if (rc) {
		imap_close(im);
		return rc;
	}
	im->user = dup_opt(conf->imap_user, &failed);
	im->password = dup_opt(conf->imap_password, &failed);
	im->ca_file = dup_opt(conf->imap_ca_file, &failed);
	im->tls = mailtls_mode(conf->imap_tls, conf->imap_password);
	im->curl = failed ? NULL : curl_easy_init();
	if (!im->curl) {
		imap_close(im);
		return oom(ctx);
	}
	*out = im;
	return FU_OK;
}

void imap_close(struct imap *im)
{
	if (!im)
		return;
	if (im->curl)
		curl_easy_cleanup(im->curl); /* says LOGOUT on a connection still open */
	free(im->base);
	free(im->path);
	free(im->mailbox);
	free(im->user);
	free(im->ca_file);
	sendconf_secret_free(im->password); /* a password does not linger in freed memory */
	free(im);
}

const char *imap_mailbox(const struct imap *im)
{
	return im->mailbox;
}

/* Keeps what the server sends, up to sink_max bytes; the rest is counted as cut. */
static size_t take(char *data, size_t size, size_t nmemb, void *arg)
{
	struct imap *im = arg;
	size_t n = size * nmemb, room = im->sink_max - im->sink->len;
	struct fu_ctx tmp;

	fu_ctx_init(&tmp);
	if (n > room) {
		im->sink_cut = 1;
		if (room && buf_add(&tmp, im->sink, data, room))
			return 0;
		return n;
	}
	if (buf_add(&tmp, im->sink, data, n))
		return 0; /* out of memory: the transfer stops */
	return n;
}

/* The server's last line, kept for an error message (no credentials ever pass here). */
static int watch(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct imap *im = arg;
	size_t n = 0;

	(void)c;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (; n < size && n < sizeof(im->last) - 1 && data[n] != '\r' && data[n] != '\n'; n++)
		im->last[n] = (data[n] >= ' ' && data[n] < 127) ? data[n] : '?';
	im->last[n] = 0;
	return 0;
}

/*
 * One request: url (relative to base), with the custom command cmd (NULL for a FETCH by
 * URL), its answer into out (at most max bytes; *cut when there was more).
 */
static int request(struct fu_ctx *ctx, struct imap *im, const char *url, const char *cmd,
		   struct buf *out, size_t max, int *cut)
{
	char err[CURL_ERROR_SIZE] = "", full[2048], why[CURL_ERROR_SIZE + 200];
	CURL *c = im->curl;
	CURLcode res;

	snprintf(full, sizeof(full), "%s%s", im->base, url);
	im->sink = out;
	im->sink_max = max;
	im->sink_cut = 0;
	im->last[0] = 0;
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, cmd);
	if (im->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, im->user);
	if (im->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, im->password);
	mailtls_setopt(c, im->tls, im->ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, im);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, watch);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, im);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	res = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	im->sink = NULL;
	if (cut)
		*cut = im->sink_cut;
	if (res == CURLE_OK)
		return FU_OK;
	if (res == CURLE_OUT_OF_MEMORY)
		return oom(ctx);
	if (res == CURLE_LOGIN_DENIED)
		return fu_err(ctx, FU_EINPUT, "imap: %s%s the login was refused (imap_user, "
			      "imap_password)", im->base, im->path);
	if (mailtls_trouble(res, "imap", err[0] ? err : curl_easy_strerror(res), why, sizeof(why)))
		return fu_err(ctx, FU_EINPUT, "imap: %s%s: %s", im->base, im->path, why);
	return fu_err(ctx, FU_EIO, "imap: %s%s: %s%s%s", im->base, im->path,
		      err[0] ? err : curl_easy_strerror(res), im->last[0] ? "; the server said: " : "",
		      im->last);
}

/* The number after `word ` in s, or 0. */
static uint32_t number_after(const char *s, const char *word)
{
	const char *p = strstr(s, word);

	if (!p)
		return 0;
	p += strlen(word);
	while (*p == ' ')
		p++;
	return (uint32_t)strtoul(p, NULL, 10);
}

int imap_status(struct fu_ctx *ctx, struct imap *im, uint32_t *validity, uint32_t *next)
{
	struct buf b;
	char cmd[600];
	int rc;

	buf_init(&b, 0);
	snprintf(cmd, sizeof(cmd), "STATUS \"%s\" (UIDVALIDITY UIDNEXT)", im->mailbox);
	rc = request(ctx, im, "", cmd, &b, 65536, NULL);
	if (!rc) {
		*validity = number_after(buf_cstr(&b), "UIDVALIDITY");
		*next = number_after(buf_cstr(&b), "UIDNEXT");
		if (!*validity)
			rc = fu_err(ctx, FU_EIO, "imap: %s%s: the server gave no UIDVALIDITY",
				    im->base, im->path);
	}
	buf_release(&b);
	return rc;
}

static int cmp_msg(const void *a, const void *b)
{
	const struct imap_msg *x = a, *y = b;

	return (x->uid > y->uid) - (x->uid < y->uid);
}

/* Marks the messages of v that the FETCH FLAGS answer in text says are \Seen. */
static void read_flags(const char *text, struct imap_msg *v, int n)
{
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char line[512];
		uint32_t uid;

		snprintf(line, sizeof(line), "%.*s", (int)(len < 511 ? len : 511), p);
		uid = number_after(line, "UID ");
		for (int i = 0; uid && i < n; i++) {
			if (v[i].uid == uid)
				v[i].seen = strstr(line, "\\Seen") != NULL;
		}
		p = e ? e + 1 : NULL;
	}
}

/* Adds the UIDs of a "* SEARCH 3 4 9" answer in text that are above after to *v. */
static int read_search(struct fu_ctx *ctx, const char *text, uint32_t after, struct imap_msg **v,
		       int *n, size_t *cap)
{
	const char *p = strstr(text, "* SEARCH");

	for (p = p ? p + 8 : NULL; p && *p;) {
		char *end;
		unsigned long uid;

		while (*p == ' ')
			p++;
		uid = strtoul(p, &end, 10);
		if (end == p)
			break;
		p = end;
		/* "N:*" answers with the last message even when its UID is below N */
		if (uid <= after || uid > UINT32_MAX)
			continue;
		if (fu_grow(ctx, v, cap, (size_t)*n + 1, sizeof(**v), 64, "reading the mailbox"))
			return ctx->rc;
		(*v)[*n].uid = (uint32_t)uid;
		(*v)[*n].seen = 1; /* unless FETCH FLAGS says otherwise, leave the flags be */
		(*n)++;
	}
	return FU_OK;
}

int imap_list(struct fu_ctx *ctx, struct imap *im, uint32_t after, uint32_t next, int max,
	      struct imap_msg **v, int *n)
{
	struct buf b;
	char cmd[1024];
	size_t cap = 0;
	uint64_t lo = (uint64_t)after + 1;
	int rc = FU_OK;

	*v = NULL;
	*n = 0;
	buf_init(&b, 0);
	/*
	 * libcurl keeps a custom command's answer within its header limit (300 KiB, counted
	 * over and over as the lines come): the UIDs are asked for a span at a time, and the
	 * flags for a few messages at a time
	 */
	while (!rc && (max <= 0 || *n < max) && lo <= UINT32_MAX && (!next || lo < next)) {
		uint64_t hi = lo + LIST_SPAN - 1;

		buf_reset(&b);
		if (next)
			snprintf(cmd, sizeof(cmd), "UID SEARCH UID %llu:%llu", (unsigned long long)lo,
				 (unsigned long long)(hi > UINT32_MAX ? UINT32_MAX : hi));
		else
			snprintf(cmd, sizeof(cmd), "UID SEARCH UID %llu:*", (unsigned long long)lo);
		rc = request(ctx, im, im->path, cmd, &b, LIST_MAX, NULL);
		if (!rc)
			rc = read_search(ctx, buf_cstr(&b), after, v, n, &cap);
		if (!next)
			break;
		lo = hi + 1;
	}
	if (!rc && *n) {
		qsort(*v, (size_t)*n, sizeof(**v), cmp_msg);
		if (max > 0 && *n > max)
			*n = max;
	}
	for (int i = 0; !rc && i < *n; i += FLAGS_BATCH) {
		size_t k = (size_t)snprintf(cmd, sizeof(cmd), "UID FETCH ");

		for (int j = i; j < *n && j < i + FLAGS_BATCH; j++)
			k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, "%s%lu", j > i ? "," : "",
					      (unsigned long)(*v)[j].uid);
		snprintf(cmd + k, sizeof(cmd) - k, " (UID FLAGS)");
		buf_reset(&b);
		rc = request(ctx, im, im->path, cmd, &b, LIST_MAX, NULL);
		if (!rc)
			read_flags(buf_cstr(&b), *v + i, *n - i < FLAGS_BATCH ? *n - i : FLAGS_BATCH);
	}
	buf_release(&b);
	if (rc) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

int imap_fetch(struct fu_ctx *ctx, struct imap *im, const struct imap_msg *msg,
	       struct buf *out, int *cut)
{
	char url[1200], cmd[96];
	struct buf ignore;
	int rc;

	/* one byte more than we keep tells us whether the message is longer */
	snprintf(url, sizeof(url), "%s/;UID=%lu;PARTIAL=0.%d", im->path, (unsigned long)msg->uid,
		 MAIL_RAW_MAX + 1);
	rc = request(ctx, im, url, NULL, out, MAIL_RAW_MAX + 1, cut);
	if (!rc && out->len > MAIL_RAW_MAX) {
		out->len = MAIL_RAW_MAX;
		out->s[out->len] = 0;
		*cut = 1;
	}
	if (rc || msg->seen)
		return rc;
	buf_init(&ignore, 0);
	snprintf(cmd, sizeof(cmd), "UID STORE %lu -FLAGS.SILENT (\\Seen)", (unsigned long)msg->uid);
	rc = request(ctx, im, im->path, cmd, &ignore, 65536, NULL);
	buf_release(&ignore);
	return rc;
}
