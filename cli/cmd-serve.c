/* cmd-serve.c - followup serve: run the HTTP server (server/) on the database */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include "server.h"

#include "banned.h"

static void ready(void *arg, int port)
{
	const char *listen = arg;
	const char *colon = strrchr(listen, ':');

	fprintf(stderr, "followup serve: listening on http://%.*s:%d (SIGTERM or Ctrl-C stops)\n",
		(int)(colon - listen), listen, port);
	fprintf(stderr, "followup serve: background jobs are not built yet: run 'followup send' "
			"from cron to send the automated messages\n");
}

static int run_serve(struct cli *cli, int argc, char **argv)
{
	struct server_opts o;
	const char *threads = NULL;
	long n;
	int rc;
	const struct cli_flag flags[] = {
		CLI_VALUE("--listen", &o.listen), CLI_VALUE("--threads", &threads), { NULL, 0, NULL }
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
	o.db_path = cli->db_path;
	/* a clock fixed with --now or $FOLLOWUP_NOW stays fixed; otherwise each request reads it */
	if (cli->now_fixed)
		o.now = cli->now;
	o.ready = ready;
	o.ready_arg = (void *)o.listen;
	return server_run(&cli->ctx, &o);
}

const struct cmd cmd_serve = {
	"serve", "run the HTTP server: the JSON API, web forms, calendar feeds",
	"serve [--listen ADDRESS:PORT] [--threads N]",
	"Serves the database to the team and to other programs until SIGTERM (or Ctrl-C):\n"
	"the JSON API under /api/v1 (users log in, programs send 'Authorization: Bearer\n"
	"TOKEN'; see 'followup user' and 'followup token'), web forms at /f/KEY ('followup\n"
	"form'), calendar feeds at /cal/TOKEN.ics, /health and /metrics. One line per request\n"
	"goes to stderr: method, path, status, time, user.\n\n"
	"  --listen A:P   the IPv4 address and port (default 127.0.0.1:8080; port 0 picks a\n"
	"                 free one, printed when it listens)\n"
	"  --threads N    requests served at once, each with its own database connection\n"
	"                 (default 4)",
	run_serve
};
