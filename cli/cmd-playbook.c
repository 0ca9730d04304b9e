/* cmd-playbook.c - followup playbook show|check|use: the rules in effect */
#include "commands.h"

#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "playbook_store.h"
#include "whatif.h"

#include "banned.h"

static void put_warning(void *arg, const char *msg)
{
	(void)arg;
	fputs("followup: warning: ", stderr);
	cli_put_safe(stderr, msg);
	fputc('\n', stderr);
}

static void put_day(FILE *out, int64_t day)
{
	struct civil cv;

	dt_to_civil(day * 86400, &cv);
	fprintf(out, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
}

/* `playbook whatif FILE`: the replay of whatif_run, old against new, as plain columns. */
static void put_whatif(struct cli *cli, const struct whatif *w)
{
	FILE *out = cli->out;
	int64_t tot[2][2] = { { 0, 0 }, { 0, 0 } };

	fprintf(out, "day         personal old new   automated old new   new that day old new\n");
	for (int d = 0; d < WHATIF_DAYS; d++) {
		const struct whatif_count *c = w->day[d];

		put_day(out, w->first_day + d);
		fprintf(out, "  %12lld %4lld   %13lld %4lld   %16lld %4lld\n",
			(long long)c[0].personal, (long long)c[1].personal, (long long)c[0].automated,
			(long long)c[1].automated, (long long)c[0].fresh, (long long)c[1].fresh);
	}
	fprintf(out, "\nowner        personal old new   automated old new   (summed over the %d days)\n",
		WHATIF_DAYS);
	for (size_t i = 0; i < w->nowners; i++) {
		memset(tot, 0, sizeof(tot));
		for (int d = 0; d < WHATIF_DAYS; d++)
			for (int k = 0; k < 2; k++) {
				tot[k][0] += w->owners[i].day[d][k].personal;
				tot[k][1] += w->owners[i].day[d][k].automated;
			}
		fputs("  ", out);
		cli_put_safe(out, w->owners[i].owner[0] ? w->owners[i].owner : "(unowned)");
		fprintf(out, "\t%lld %lld\t%lld %lld\n", (long long)tot[0][0], (long long)tot[1][0],
			(long long)tot[0][1], (long long)tot[1][1]);
	}
	fprintf(out, "\n%zu contacts over the weekly budget (old %d, new %d a week):\n", w->nover,
		w->budget[0], w->budget[1]);
	for (size_t i = 0; i < w->nover; i++) {
		fputs("  ", out);
		cli_put_safe(out, w->over[i].key);
		fprintf(out, "\t%d old, %d new in the 7 days from ", w->over[i].most[0],
			w->over[i].most[1]);
		put_day(out, w->over[i].week_start);
		fputc('\n', out);
	}
	if (w->errors[0] || w->errors[1])
		fprintf(out, "rules failed on %lld (old) and %lld (new) contact-days\n",
			(long long)w->errors[0], (long long)w->errors[1]);
}

static int run_whatif(struct cli *cli, const char *file, struct playbook *pb)
{
	struct playbook old;
	struct whatif w;
	struct store *s;
	int rc = playbook_load_file(&cli->ctx, file, pb);

	if (rc)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	playbook_init(&old);
	rc = agenda_playbook(&cli->ctx, s, &old);
	if (!rc)
		rc = whatif_run(&cli->ctx, s, &old, pb, cli->now, &w);
	store_close(s);
	playbook_release(&old);
	if (!rc) {
		put_whatif(cli, &w);
		whatif_release(&w);
	}
	return rc;
}

static int run_playbook(struct cli *cli, int argc, char **argv)
{
	struct playbook pb;
	struct store *s;
	const char *pos[2] = { NULL, NULL }, *verb, *file;
	int builtin = 0, rc;
	const struct cli_flag flags[] = { CLI_BOOL("--default", &builtin), { NULL, 0, NULL } };
	struct cli_args a = { flags, pos, 2, 0, 0 };

	rc = cli_parse(cli, &cmd_playbook, argc, argv, &a);
	if (rc || a.help)
		return rc;
	verb = pos[0];
	file = pos[1];
	if (!verb)
		return cli_usage_error(cli, &cmd_playbook, "show, check FILE, or use FILE|--default");
	if (strcmp(verb, "show") && strcmp(verb, "check") && strcmp(verb, "use") &&
	    strcmp(verb, "whatif"))
		return cli_usage_error(cli, &cmd_playbook, "'%s': use show, check, whatif or use",
				       verb);
	if (builtin && strcmp(verb, "use"))
		return cli_usage_error(cli, &cmd_playbook, "--default goes with use");
	playbook_init(&pb);
	if (!strcmp(verb, "check")) {
		if (!file)
			return cli_usage_error(cli, &cmd_playbook, "check needs one FILE");
		rc = playbook_load_file(&cli->ctx, file, &pb);
		if (!rc) {
			int n = playbook_warnings(&pb, put_warning, cli);

			fprintf(cli->out, "%s: ok, %d rules", file, pb.nrules);
			fprintf(cli->out, n ? ", %d warning%s\n" : "\n", n, n == 1 ? "" : "s");
		}
		playbook_release(&pb);
		return rc;
	}
	if (!strcmp(verb, "whatif")) {
		if (!file)
			return cli_usage_error(cli, &cmd_playbook, "whatif needs one FILE");
		rc = run_whatif(cli, file, &pb);
		playbook_release(&pb);
		return rc;
	}
	if (!strcmp(verb, "show")) {
		if (file)
			return cli_usage_error(cli, &cmd_playbook, "show takes no arguments");
		rc = cli_open(cli, 0, &s);
		if (rc)
			return rc;
		rc = agenda_playbook(&cli->ctx, s, &pb);
		store_close(s);
		if (!rc)
			fprintf(cli->out, "# playbook in effect: %s\n%s", pb.name, pb.source);
		playbook_release(&pb);
		return rc;
	}
	if (!file == !builtin)
		return cli_usage_error(cli, &cmd_playbook, "use needs FILE or --default");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = playbook_store_use(&cli->ctx, s, file, &pb);
	store_close(s);
	if (!rc && builtin)
		fprintf(cli->out, "using the built-in playbook\n");
	else if (!rc)
		fprintf(cli->out, "using %s (%d rules)\n", file, pb.nrules);
	playbook_release(&pb);
	return rc;
}

const struct cmd cmd_playbook = {
	"playbook", "show, check or choose the rules that make follow-ups",
	"playbook show | check FILE | whatif FILE | use FILE | use --default",
	"The playbook is a YAML file of business hours, limits (touches per week, days of\n"
	"silence, speed to lead) and rules: for each trigger, a condition, the action (a call,\n"
	"an e-mail, ... or an automated e-mail for contacts of lower value), the timing, the\n"
	"priority and what to say. A default playbook is built in.\n\n"
	"  show        print the playbook in effect\n"
	"  check FILE  validate FILE; errors name file:line:column\n"
	"  whatif FILE the last 30 days replayed under the playbook in effect and FILE:\n"
	"              follow-ups per day and per owner, old against new, and the contacts\n"
	"              that would get more than the weekly touch budget\n"
	"  use FILE    validate FILE and keep it in the database as the playbook in effect\n"
	"  use --default  go back to the built-in playbook",
	run_playbook
};
