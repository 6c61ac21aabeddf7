/* `replyclock check`: one line per check (config, calendars, database, each
 * IMAP mailbox, SMTP); changes nothing; non-zero exit if any check fails. */
#include "check.h"
#include "intake/intake.h"
#include "reporter/reporter.h"
#include "tracker/calendar.h"
#include "tracker/store.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check_run {
	int exit_code;   /* the first failure's exit code; 0 while all pass */
	int failed;
};

/* Prints one result line; `detail` is consumed. */
static void report_line(struct check_run *run, int code, const char *what, char *detail)
{
	printf("%-4s %-28s %s\n", code == 0 ? "ok" : "FAIL", what, detail ? detail : "");
	fflush(stdout);
	if (code != 0) {
		run->failed++;
		if (!run->exit_code)
			run->exit_code = code;
	}
	free(detail);
}

static void check_calendars(struct check_run *run, const struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_calendars; i++) {
		const struct cfg_calendar *cc = &cfg->calendars[i];
		char *what = xasprintf("calendar %s", cc->name);
		char *err = NULL;
		struct calendar *cal = calendar_build(cc, &err);
		if (cal)
			report_line(run, 0, what,
				    xasprintf("%s, %zu holiday file(s), digest %.12s", cc->timezone,
					      cc->holidays.n, calendar_digest(cal)));
		else
			report_line(run, RC_EX_CONFIG, what, err ? err : xstrdup("cannot build"));
		err = NULL;
		calendar_free(&cal);
		free(what);
	}
}

static void check_database(struct check_run *run, const struct config *cfg)
{
	char *err = NULL;
	struct store *s = store_open(cfg->db_conninfo, &err);
	if (!s) {
		report_line(run, RC_EX_UNAVAILABLE, "database", err);
		return;
	}
	int applied = 0, known = 0;
	int r = store_schema_version(s, &applied, &known, &err);
	if (r == STORE_OK)
		r = store_check_schema(s, &err);
	if (r == STORE_OK)
		report_line(run, 0, "database", xasprintf("reachable, schema at migration %d", applied));
	else
		report_line(run, r == STORE_BEHIND ? RC_EX_CONFIG : RC_EX_UNAVAILABLE, "database", err);
	store_close(&s);
}

static void check_mailboxes(struct check_run *run, const struct config *cfg, const char *only)
{
	for (size_t i = 0; i < cfg->n_mailboxes; i++) {
		const struct cfg_mailbox *mb = &cfg->mailboxes[i];
		if (only && strcmp(only, mb->name))
			continue;
		char *what = xasprintf("imap %s", mb->name);
		char *err = NULL;
		int r = intake_check_mailbox(cfg, mb, &err);
		report_line(run, r, what,
			    r == 0 ? xasprintf("logged in to %s:%d as %s", mb->host, mb->port, mb->username)
				   : err);
		if (r == 0)
			free(err);
		free(what);
	}
}

static void check_smtp(struct check_run *run, const struct config *cfg)
{
	if (!cfg->report.smtp_url) {
		report_line(run, 0, "smtp", xstrdup("not configured ([report] smtp_url is empty)"));
		return;
	}
	char *err = NULL;
	int r = reporter_check_smtp(cfg, &err);
	report_line(run, r, "smtp",
		    r == 0 ? xasprintf("%s:%d accepts a session", cfg->report.smtp_host, cfg->report.smtp_port)
			   : err);
	if (r == 0)
		free(err);
}

static void check_usage(FILE *f)
{
	fprintf(f, "usage: replyclock check [--mailbox NAME]\n"
		   "Validates the configuration and the .ics files, connects to PostgreSQL, logs in\n"
		   "to each IMAP mailbox and the SMTP server. One line per check; changes nothing.\n");
}

int cmd_check(const struct cli *cli, int argc, char **argv)
{
	const char *only = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			check_usage(stdout);
			return RC_EX_OK;
		} else if (!strcmp(argv[i], "--mailbox") && i + 1 < argc) {
			only = argv[++i];
		} else {
			check_usage(stderr);
			return RC_EX_USAGE;
		}
	}
	struct check_run run = { 0, 0 };
	char *err = NULL;
	struct config *cfg = config_load(cli->config_path, &err);
	if (!cfg) {
		report_line(&run, RC_EX_CONFIG, "config", err);
		return run.exit_code;
	}
	report_line(&run, 0, "config",
		    xasprintf("%s: %zu mailbox(es), %zu calendar(s), %zu customer(s)", cfg->path,
			      cfg->n_mailboxes, cfg->n_calendars, cfg->n_customers));
	if (only && !config_mailbox(cfg, only))
		report_line(&run, RC_EX_USAGE, "mailbox", xasprintf("no [mailbox %s] in %s", only, cfg->path));
	check_calendars(&run, cfg);
	check_database(&run, cfg);
	check_mailboxes(&run, cfg, only);
	check_smtp(&run, cfg);
	config_free(&cfg);
	if (run.failed)
		printf("%d check(s) failed\n", run.failed);
	return run.exit_code;
}
