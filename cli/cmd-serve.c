/* cmd-serve.c - followup serve: run the HTTP server (server/) on the database */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sendconf.h"
#include "server.h"

#include "banned.h"

#define PEM_MAX (1024 * 1024)

struct ready_arg {
	const char *listen;
	int tls;
	const char *jobs; /* what the jobs do, in words */
};

static void ready(void *arg, int port)
{
	const struct ready_arg *a = arg;
	const char *colon = strrchr(a->listen, ':');

	fprintf(stderr, "followup serve: listening on %s://%.*s:%d (SIGTERM or Ctrl-C stops)\n",
		a->tls ? "https" : "http", (int)(colon - a->listen), a->listen, port);
	fprintf(stderr, "followup serve: background jobs %s\n", a->jobs);
}

/* The whole PEM file at path (malloced, NUL-terminated) for flag; fails clearly. */
static int read_pem(struct cli *cli, const char *flag, const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	char *text;

	*out = NULL;
	if (!f)
		return fu_err(&cli->ctx, errno == EACCES ? FU_EACCESS :
				  errno == ENOENT ? FU_ENOTFOUND : FU_EIO,
			      "%s %s: cannot read it: %s", flag, path, strerror(errno));
	text = malloc(PEM_MAX + 1);
	if (!text) {
		fclose(f);
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory reading %s", path);
	}
	n = fread(text, 1, PEM_MAX + 1, f);
	if (ferror(f) || n == 0 || n > PEM_MAX) {
		int empty = !ferror(f) && n == 0;

		fclose(f);
		free(text);
		return fu_err(&cli->ctx, empty || n > PEM_MAX ? FU_EINPUT : FU_EIO,
			      "%s %s: %s", flag, path,
			      empty ? "empty" : n > PEM_MAX ? "larger than 1 MiB: not a PEM file" :
							"cannot read it");
	}
	fclose(f);
	text[n] = '\0';
	if (!strstr(text, "-----BEGIN ")) {
		free(text);
		return fu_err(&cli->ctx, FU_EINPUT, "%s %s: not a PEM file (no '-----BEGIN' line)",
			      flag, path);
	}
	*out = text;
	return FU_OK;
}

static int run_serve(struct cli *cli, int argc, char **argv)
{
	struct server_opts o;
	struct sendconf conf;
	struct ready_arg ra;
	const char *threads = NULL, *send_config = NULL, *cert = NULL, *key = NULL;
	char *cert_pem = NULL, *key_pem = NULL;
	long n;
	int rc;
	const struct cli_flag flags[] = {
		CLI_VALUE("--listen", &o.listen), CLI_VALUE("--threads", &threads),
		CLI_BOOL("--no-jobs", &o.no_jobs), CLI_VALUE("--send-config", &send_config),
		CLI_VALUE("--tls-cert", &cert), CLI_VALUE("--tls-key", &key), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:8080";
	rc = cli_parse(cli, &cmd_serve, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (threads) {
		if (cli_count(cli, &cmd_serve, "--threads", threads, 1, 16, "1 to 16", &n))
			return cli->ctx.rc;
		o.threads = (int)n;
	}
	if (!strrchr(o.listen, ':'))
		return cli_usage_error(cli, &cmd_serve, "--listen: give ADDRESS:PORT");
	if ((cert != NULL) != (key != NULL))
		return cli_usage_error(cli, &cmd_serve, "give both --tls-cert and --tls-key");
	if (cert && (read_pem(cli, "--tls-cert", cert, &cert_pem) ||
		     read_pem(cli, "--tls-key", key, &key_pem))) {
		free(cert_pem);
		return cli->ctx.rc;
	}
	o.tls_cert = cert_pem;
	o.tls_key = key_pem;
	/* the sender's settings, found as 'followup send' finds them: for the sender job, and
	 * (also with --no-jobs) for a person's e-mail sent from a card */
	sendconf_init(&conf);
	rc = cli_sendconf(cli, send_config, &conf);
	if (rc)
		goto out;
	o.send = &conf;
	o.db_path = cli->db_path;
	/* a clock fixed with --now or $FOLLOWUP_NOW stays fixed; otherwise each request reads it */
	if (cli->now_fixed)
		o.now = cli->now;
	ra.listen = o.listen;
	ra.tls = cert != NULL;
	ra.jobs = o.no_jobs ? "are off (--no-jobs): run 'followup send' from cron" :
		  o.now ? "run only when asked (POST /api/v1/jobs/NAME/run): the clock is fixed" :
		  !(conf.smtp_url || conf.webhook_url) ?
			  "run; sending is off (no send settings: see 'followup send')" :
			  "run: sending every minute, the agenda at night, the models monthly";
	o.ready = ready;
	o.ready_arg = &ra;
	rc = server_run(&cli->ctx, &o);
out:
	sendconf_release(&conf);
	if (key_pem) {
		memset(key_pem, 0, strlen(key_pem)); /* the private key leaves no copy behind */
		free(key_pem);
	}
	free(cert_pem);
	return rc;
}

const struct cmd cmd_serve = {
	"serve", "run the HTTP server: the JSON API, web forms, calendar feeds, background jobs",
	"serve [--listen ADDRESS:PORT] [--threads N] [--tls-cert F --tls-key F] [--no-jobs]\n"
	"      [--send-config FILE]",
	"Serves the database to the team and to other programs until SIGTERM (or Ctrl-C):\n"
	"the JSON API under /api/v1 (users log in, programs send 'Authorization: Bearer\n"
	"TOKEN'; see 'followup user' and 'followup token'), web forms at /f/KEY ('followup\n"
	"form'), calendar feeds at /cal/TOKEN.ics, /health and /metrics. One line per request\n"
	"goes to stderr (method, path, status, time, user), and one per background job run.\n"
	"The jobs: the sender ('followup send') every minute, tomorrow's agenda every night at\n"
	"02:00 in the business's zone, and the models ('followup model fit') at the start of\n"
	"each month. With a fixed clock (--now) they run only when an admin asks\n"
	"(POST /api/v1/jobs/NAME/run).\n\n"
	"  --listen A:P        the IPv4 address and port (default 127.0.0.1:8080; port 0 picks\n"
	"                      a free one, printed when it listens)\n"
	"  --threads N         requests served at once, each with its own database\n"
	"                      connection (default 4)\n"
	"  --tls-cert F        HTTPS with this certificate (chain) in PEM, and\n"
	"  --tls-key F         its private key in PEM; session cookies are then Secure\n"
	"  --no-jobs           no background jobs (send from cron instead)\n"
	"  --send-config FILE  the sender's settings (the sender job; a person's e-mail from\n"
	"                      a card), as 'followup send --config' (default\n"
	"                      $FOLLOWUP_SEND_CONFIG, else ~/.config/followup/send.conf)",
	run_serve
};
