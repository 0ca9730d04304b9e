/* smtp.c - SMTP submission through libcurl: TLS, authentication, one connection reused */
#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mailtls.h"

#include "banned.h"

struct smtp {
	CURL *curl;
	char *url, *user, *password, *ca_file;
	long tls; /* CURLUSESSL_*, mailtls_mode */
	/* the message being sent */
	const char *msg;
	size_t len, off;
	/* what the conversation reached */
	char last_cmd[8];    /* the last command's verb: MAIL, RCPT, DATA, ... */
	int data_done;       /* the whole message was handed over */
	int answered_after;  /* the server answered after that */
	char reply[256];     /* the server's last reply line */
	int fail_code;       /* the first 4xx or 5xx reply: its code, */
	char fail_cmd[8];    /* the command it answered, */
	char fail_reply[256]; /* and its words */
};

static char *dup_opt(const char *s, int *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

int smtp_open(struct fu_ctx *ctx, const struct sendconf *conf, struct smtp **out)
{
	struct smtp *s;
	int oom = 0;

	*out = NULL;
	if (!conf->smtp_url || !*conf->smtp_url)
		return fu_err(ctx, FU_EINPUT,
			      "send settings: no smtp_url (set it in the send settings file or "
			      "$FOLLOWUP_SMTP_URL)");
	if (strncmp(conf->smtp_url, "smtp://", 7) && strncmp(conf->smtp_url, "smtps://", 8))
		return fu_err(ctx, FU_EINPUT, "send settings: smtp_url must start smtp:// or smtps://");
	s = calloc(1, sizeof(*s));
	if (!s)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening the mail connection");
	s->url = dup_opt(conf->smtp_url, &oom);
	s->user = dup_opt(conf->smtp_user, &oom);
	s->password = dup_opt(conf->smtp_password, &oom);
	s->ca_file = dup_opt(conf->smtp_ca_file, &oom);
	s->tls = mailtls_mode(conf->smtp_tls, conf->smtp_password);
	s->curl = oom ? NULL : curl_easy_init();
	if (!s->curl) {
		smtp_close(s);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening the mail connection");
	}
	*out = s;
	return FU_OK;
}

void smtp_close(struct smtp *s)
{
	if (!s)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl); /* says QUIT on a connection still open */
	free(s->url);
	free(s->user);
	free(s->ca_file);
	sendconf_secret_free(s->password); /* a password does not linger in freed memory */
	free(s);
}

static size_t read_msg(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp *s = arg;
	size_t room = size * nitems, n = s->len - s->off;

	if (n > room)
		n = room;
	memcpy(buf, s->msg + s->off, n);
	s->off += n;
	if (n == 0)
		s->data_done = 1;
	return n;
}

/* Follows the conversation: the last command sent, and the server's last reply. */
static int watch(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp *s = arg;
	size_t n = 0;

	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		while (n < size && n < sizeof(s->last_cmd) - 1 && data[n] >= 'A' && data[n] <= 'Z') {
			s->last_cmd[n] = data[n];
			n++;
		}
		if (n)
			s->last_cmd[n] = 0;
	} else if (type == CURLINFO_HEADER_IN) {
		if (s->data_done)
			s->answered_after = 1;
		for (; n < size && n < sizeof(s->reply) - 1 && data[n] != '\r' && data[n] != '\n';
		     n++)
			s->reply[n] = (data[n] >= ' ' && data[n] < 127) ? data[n] : '?';
		s->reply[n] = 0;
		if (!s->fail_code && n >= 3 && (s->reply[0] == '4' || s->reply[0] == '5')) {
			s->fail_code = atoi(s->reply);
			memcpy(s->fail_cmd, s->last_cmd, sizeof(s->fail_cmd));
			memcpy(s->fail_reply, s->reply, sizeof(s->fail_reply));
		}
	}
	return 0;
}

/*
 * 1 when a failure says the settings are wrong rather than the message or the moment, with
 * words a person can act on in why: a login refused, a certificate not trusted, TLS required
 * and not to be had. Nothing of such a conversation reached the data.
 */
static int settings_trouble(const struct smtp *s, CURLcode res, const char *err, char *why,
			    size_t whylen)
{
	switch (res) {
	case CURLE_LOGIN_DENIED:
		snprintf(why, whylen, "the server refused the login of smtp_user '%.64s' (%s): "
			 "check smtp_user and smtp_password", s->user ? s->user : "",
			 s->fail_reply[0] ? s->fail_reply : err);
		return 1;
	default:
		return mailtls_trouble(res, "smtp", err, why, whylen);
	}
}

int smtp_send(struct fu_ctx *ctx, struct smtp *s, const char *from, const char *to,
	      const char *msg, size_t len, int *result, char *why, size_t whylen)
{
	struct curl_slist *rcpt = NULL;
	char err[CURL_ERROR_SIZE] = "";
	char addr[320];
	long code = 0;
	CURLcode res;
	CURL *c = s->curl;

	snprintf(addr, sizeof(addr), "<%s>", to);
	rcpt = curl_slist_append(NULL, addr);
	if (!rcpt)
		return fu_err(ctx, FU_ENOMEM, "out of memory sending mail");
	snprintf(addr, sizeof(addr), "<%s>", from);
	s->msg = msg;
	s->len = len;
	s->off = 0;
	s->data_done = s->answered_after = 0;
	s->last_cmd[0] = s->reply[0] = 0;
	s->fail_code = 0;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	if (s->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
	if (s->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
	mailtls_setopt(c, s->tls, s->ca_file);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_msg);
	curl_easy_setopt(c, CURLOPT_READDATA, s);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, watch);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpt);
	s->msg = NULL;
	if (res == CURLE_OK) {
		*result = SMTP_SENT;
		snprintf(why, whylen, "%s", s->reply);
		return FU_OK;
	}
	if (settings_trouble(s, res, err[0] ? err : curl_easy_strerror(res), why, whylen)) {
		*result = SMTP_SETTINGS;
		return FU_OK;
	}
	if (s->data_done && !s->answered_after) {
		*result = SMTP_UNKNOWN;
		snprintf(why, whylen, "the connection broke after the message was sent: %s",
			 err[0] ? err : curl_easy_strerror(res));
		return FU_OK;
	}
	if (s->fail_code)
		code = s->fail_code;
	if (code >= 500 && code < 600)
		*result = !strcmp(s->fail_cmd, "RCPT") ? SMTP_BOUNCE : SMTP_REJECTED;
	else
		*result = SMTP_TEMPORARY;
	if (s->fail_code)
		snprintf(why, whylen, "%s", s->fail_reply);
	else
		snprintf(why, whylen, "%s", err[0] ? err : curl_easy_strerror(res));
	return FU_OK;
}
