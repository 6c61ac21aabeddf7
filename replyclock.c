/* replyclock: main() parses the global options and dispatches to a subcommand. */
#include "intake/intake.h"
#include "reporter/reporter.h"
#include "tracker/cli.h"
#include "tracker/commands.h"
#include "tracker/log.h"
#include "tracker/util.h"
#include "check.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RC_VERSION
#define RC_VERSION "0.1.0"
#endif

#define DEFAULT_CONFIG "/etc/replyclock/replyclock.conf"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
} commands[] = {
	{ "poll", cmd_poll, "sync the mailboxes, then update SLA clocks (daemon unless --once)" },
	{ "import", cmd_import, "import mbox files or Maildir folders" },
	{ "recompute", cmd_recompute, "rebuild conversations and SLA clocks from stored messages" },
	{ "report", cmd_report, "compute, store, print and mail compliance for a period" },
	{ "calendar", cmd_calendar, "show a calendar's open hours and closures, or compute with it" },
	{ "check", cmd_check, "validate the configuration and reach every server" },
	{ "db", cmd_db, "database administration: `db migrate`" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: replyclock [-c FILE] [-v|-q] COMMAND [ARGS]\n\n"
		   "Measures how fast a support team answers e-mail, in business time.\n\n"
		   "Global options:\n"
		   "  -c FILE     configuration file (default $REPLYCLOCK_CONFIG or %s)\n"
		   "  -v          more logging (repeat for debug)\n"
		   "  -q          only warnings and errors\n"
		   "  --help      this text\n"
		   "  --version   print the version\n\n"
		   "Commands:\n", DEFAULT_CONFIG);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s  %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun `replyclock COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	/* libetpan writes without MSG_NOSIGNAL: a peer that hangs up must give
	 * an error return, not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	struct cli cli = { .config_path = NULL, .verbosity = 0 };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return RC_EX_OK;
		} else if (!strcmp(a, "--version")) {
			printf("replyclock %s\n", RC_VERSION);
			return RC_EX_OK;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (++i >= argc) {
				fprintf(stderr, "replyclock: %s needs a file name\n", a);
				return RC_EX_USAGE;
			}
			cli.config_path = argv[i];
		} else if (!strncmp(a, "-v", 2) && strspn(a + 1, "v") == strlen(a + 1)) {
			cli.verbosity += (int)strlen(a + 1);
		} else if (!strcmp(a, "-q")) {
			cli.verbosity = -1;
		} else {
			fprintf(stderr, "replyclock: unknown option '%s' (see replyclock --help)\n", a);
			return RC_EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return RC_EX_USAGE;
	}
	if (!cli.config_path)
		cli.config_path = getenv("REPLYCLOCK_CONFIG");
	if (!cli.config_path || !*cli.config_path)
		cli.config_path = DEFAULT_CONFIG;
	log_init(cli.verbosity);

	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(&cli, argc - i, argv + i);
	fprintf(stderr, "replyclock: unknown command '%s' (see replyclock --help)\n", argv[i]);
	return RC_EX_USAGE;
}
