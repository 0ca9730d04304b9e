/* server.h - followup serve: the HTTP server for the team, the website's forms and calendars */
#ifndef FU_SERVER_H
#define FU_SERVER_H

#include <stdint.h>
#include <stdio.h>

#include "fu.h"
#include "sendconf.h"

struct server_opts {
	const char *db_path;
	const char *listen;  /* "ADDRESS:PORT" (IPv4), e.g. "127.0.0.1:8080" */
	int64_t now;         /* a fixed clock (tests), or 0 for the system clock */
	int threads;         /* request threads (and database connections); 0 for 4 */
	FILE *log;           /* one line per request and per job run; stderr when NULL */
	int no_jobs;         /* run no background jobs (send from cron instead) */
	/* where the sender's messages go (borrowed); NULL, or one without smtp_url and
	 * webhook_url: the sender job is off */
	const struct sendconf *send;
	/* TLS: the certificate (chain) and private key in PEM, as text (borrowed); NULL for
	 * plain HTTP */
	const char *tls_cert, *tls_key;
	/* called once the socket listens (with the port), e.g. to print where; may be NULL */
	void (*ready)(void *arg, int port);
	void *ready_arg;
};

/*
 * Serves until SIGTERM or SIGINT, then stops taking connections, lets the requests it
 * accepted finish and closes the database. Returns FU_OK after a clean stop, or a failure
 * to start (bad address, port taken, no database) with the message on ctx. The caller's
 * thread must not be a request thread: SIGTERM and SIGINT are blocked in it and waited for.
 */
int server_run(struct fu_ctx *ctx, const struct server_opts *opts);

#endif
