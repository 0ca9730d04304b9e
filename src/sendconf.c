/* sendconf.c - the sending settings from an owner-only file and the environment */
#include "sendconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "mime.h"

#include "banned.h"

struct key {
	const char *name, *env;
	size_t off;
};

static const struct key keys[] = {
	{ "smtp_url", "FOLLOWUP_SMTP_URL", offsetof(struct sendconf, smtp_url) },
	{ "smtp_user", "FOLLOWUP_SMTP_USER", offsetof(struct sendconf, smtp_user) },
	{ "smtp_password", "FOLLOWUP_SMTP_PASSWORD", offsetof(struct sendconf, smtp_password) },
	{ "smtp_tls", "FOLLOWUP_SMTP_TLS", offsetof(struct sendconf, smtp_tls) },
	{ "smtp_ca_file", "FOLLOWUP_SMTP_CA_FILE", offsetof(struct sendconf, smtp_ca_file) },
	{ "from", "FOLLOWUP_MAIL_FROM", offsetof(struct sendconf, from) },
	{ "webhook_url", "FOLLOWUP_WEBHOOK_URL", offsetof(struct sendconf, webhook_url) },
	{ "webhook_secret", "FOLLOWUP_WEBHOOK_SECRET", offsetof(struct sendconf, webhook_secret) },
	{ "unsubscribe_url", "FOLLOWUP_UNSUBSCRIBE_URL", offsetof(struct sendconf, unsubscribe_url) },
	{ "imap_url", "FOLLOWUP_IMAP_URL", offsetof(struct sendconf, imap_url) },
	{ "imap_user", "FOLLOWUP_IMAP_USER", offsetof(struct sendconf, imap_user) },
	{ "imap_password", "FOLLOWUP_IMAP_PASSWORD", offsetof(struct sendconf, imap_password) },
	{ "imap_tls", "FOLLOWUP_IMAP_TLS", offsetof(struct sendconf, imap_tls) },
	{ "imap_ca_file", "FOLLOWUP_IMAP_CA_FILE", offsetof(struct sendconf, imap_ca_file) },
	{ "app_url", "FOLLOWUP_APP_URL", offsetof(struct sendconf, app_url) },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void sendconf_secret_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void sendconf_init(struct sendconf *c)
{
	memset(c, 0, sizeof(*c));
}

void sendconf_release(struct sendconf *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		char **p = (char **)((char *)c + keys[i].off);

		sendconf_secret_free(*p);
	}
	for (int i = 0; i < c->nowners; i++) {
		free(c->owners[i].name);
		free(c->owners[i].address);
	}
	free(c->owners);
	sendconf_init(c);
}

static int set(struct fu_ctx *ctx, char **dst, const char *v, size_t n)
{
	char *d = strndup(v, n);

	if (!d)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading the send settings");
	free(*dst);
	*dst = d;
	return FU_OK;
}

static int add_owner(struct fu_ctx *ctx, struct sendconf *c, const char *where, int line,
		     const char *name, size_t nn, const char *v, size_t vn)
{
	struct sendconf_owner *o;

	if (fu_grow(ctx, &c->owners, &c->cap_owners, (size_t)c->nowners + 1, sizeof(*c->owners), 4,
		    "reading the send settings"))
		return ctx->rc;
	o = &c->owners[c->nowners];
	o->name = strndup(name, nn);
	o->address = strndup(v, vn);
	if (!o->name || !o->address) {
		free(o->name);
		free(o->address);
		return fu_err(ctx, FU_ENOMEM, "out of memory reading the send settings");
	}
	c->nowners++;
	if (!mime_addr_ok(o->address))
		return fu_err(ctx, FU_EINPUT, "%s:%d: owner.%s: '%.80s' is not an address", where,
			      line, o->name, o->address);
	return FU_OK;
}

static const char *trim(const char *s, const char *end, size_t *n)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*n = (size_t)(end - s);
	return s;
}

static int parse(struct fu_ctx *ctx, const char *where, const char *text, struct sendconf *c)
{
	int line = 0, rc = FU_OK;

	for (const char *p = text; *p && !rc;) {
		const char *eol = strchr(p, '\n'), *eq, *k, *v;
		size_t kn, vn;

		if (!eol)
			eol = p + strlen(p);
		line++;
		k = trim(p, eol, &kn);
		p = *eol ? eol + 1 : eol;
		if (kn == 0 || k[0] == '#')
			continue;
		eq = memchr(k, '=', kn);
		if (!eq)
			return fu_err(ctx, FU_EINPUT, "%s:%d: expected key = value", where, line);
		v = trim(eq + 1, k + kn, &vn);
		k = trim(k, eq, &kn);
		if (kn > 6 && !strncmp(k, "owner.", 6)) {
			rc = add_owner(ctx, c, where, line, k + 6, kn - 6, v, vn);
			continue;
		}
		rc = FU_EINPUT;
		for (size_t i = 0; i < NKEYS && rc; i++) {
			if (strlen(keys[i].name) == kn && !strncmp(keys[i].name, k, kn))
				rc = set(ctx, (char **)((char *)c + keys[i].off), v, vn);
		}
		if (rc == FU_EINPUT)
			return fu_err(ctx, FU_EINPUT, "%s:%d: unknown key '%.*s'", where, line,
				      (int)(kn > 64 ? 64 : kn), k);
	}
	return rc;
}

static int read_private(struct fu_ctx *ctx, const char *path, int required, char **text)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd;

	*text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return FU_OK;
		return fu_err(ctx, errno == ENOENT ? FU_ENOTFOUND : FU_EIO, "%s: %s", path,
			      strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return fu_err(ctx, FU_EIO, "%s: %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		close(fd);
		if (sb.st_uid != geteuid())
			return fu_err(ctx, FU_EINPUT, "%s: owned by another user; it holds passwords",
				      path);
		return fu_err(ctx, FU_EINPUT,
			      "%s: readable by others; it holds passwords (chmod 600 it)", path);
	}
	if (sb.st_size > 65536) {
		close(fd);
		return fu_err(ctx, FU_EINPUT, "%s: larger than 64 KiB", path);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", path);
	}
	n = read(fd, buf, (size_t)sb.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		return fu_err(ctx, FU_EIO, "%s: %s", path, strerror(errno));
	}
	buf[n] = 0;
	*text = buf;
	return FU_OK;
}

/* PROTO_tls none with a password on a PROTO:// URL (not PROTOs://) would send it in clear text. */
static int clear_text(struct fu_ctx *ctx, const char *proto, const char *url, const char *tls,
		      const char *password)
{
	char implicit[16];

	snprintf(implicit, sizeof(implicit), "%ss://", proto);
	if (!tls || strcmp(tls, "none") || !password || !*password || !url ||
	    !strncmp(url, implicit, strlen(implicit)))
		return FU_OK;
	return fu_err(ctx, FU_EINPUT, "send settings: %s_tls none with a password would send it "
		      "in clear text (use starttls, or %s in %s_url)", proto, implicit, proto);
}

int sendconf_load(struct fu_ctx *ctx, const char *path, int required, struct sendconf *c)
{
	char *text = NULL;
	int rc = FU_OK;

	if (path)
		rc = read_private(ctx, path, required, &text);
	if (!rc && text)
		rc = parse(ctx, path, text, c);
	sendconf_secret_free(text);
	for (size_t i = 0; i < NKEYS && !rc; i++) {
		const char *v = getenv(keys[i].env);

		if (v && *v)
			rc = set(ctx, (char **)((char *)c + keys[i].off), v, strlen(v));
	}
	if (!rc && c->app_url && strncmp(c->app_url, "https://", 8) &&
	    strncmp(c->app_url, "http://", 7))
		rc = fu_err(ctx, FU_EINPUT, "send settings: app_url '%.80s' is not an http(s) address",
			    c->app_url);
	/* the server's own unsubscribe page, unless another is named */
	if (!rc && c->app_url && !c->unsubscribe_url) {
		size_t n = strlen(c->app_url);

		while (n > 0 && c->app_url[n - 1] == '/')
			n--;
		c->unsubscribe_url = malloc(n + 3);
		if (!c->unsubscribe_url)
			rc = fu_err(ctx, FU_ENOMEM, "out of memory reading the send settings");
		else
			snprintf(c->unsubscribe_url, n + 3, "%.*s/u", (int)n, c->app_url);
	}
	if (!rc && c->from && !mime_addr_ok(c->from))
		rc = fu_err(ctx, FU_EINPUT, "send settings: from '%.80s' is not an address", c->from);
	if (!rc && c->smtp_tls && strcmp(c->smtp_tls, "starttls") && strcmp(c->smtp_tls, "try") &&
	    strcmp(c->smtp_tls, "none"))
		rc = fu_err(ctx, FU_EINPUT, "send settings: smtp_tls '%.20s' is not starttls, try or none",
			    c->smtp_tls);
	if (!rc && c->imap_tls && strcmp(c->imap_tls, "starttls") && strcmp(c->imap_tls, "try") &&
	    strcmp(c->imap_tls, "none"))
		rc = fu_err(ctx, FU_EINPUT, "send settings: imap_tls '%.20s' is not starttls, try or none",
			    c->imap_tls);
	if (!rc)
		rc = clear_text(ctx, "smtp", c->smtp_url, c->smtp_tls, c->smtp_password);
	if (!rc)
		rc = clear_text(ctx, "imap", c->imap_url, c->imap_tls, c->imap_password);
	return rc;
}

const char *sendconf_owner_address(const struct sendconf *c, const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < c->nowners; i++) {
		if (!strcmp(c->owners[i].name, name))
			return c->owners[i].address;
	}
	return mime_addr_ok(name) ? name : NULL;
}
