/* `replyclock db migrate|status`: apply and show the schema migrations. */
#include "tracker/commands.h"
#include "tracker/log.h"
#include "tracker/migrations.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void db_usage(FILE *f)
{
	fprintf(f, "usage: replyclock db migrate   apply the pending schema migrations\n"
		   "       replyclock db status    show applied and known migrations\n\n"
		   "Both read [database] conninfo from the configuration file. Migrations need a\n"
		   "role that owns the database (no superuser); concurrent runs wait for each other.\n"
		   "Exit: 0 ok, 69 server unavailable, 78 configuration, 65 database newer than\n"
		   "this replyclock or migrated by a different build.\n");
}

/* sysexits code for a store failure. */
static int exit_for(int st)
{
	return st == STORE_FINAL ? RC_EX_DATAERR : RC_EX_UNAVAILABLE;
}

/* Loads the configuration and connects (without checking the schema). */
static struct store *open_for_db(const struct cli *cli, int *code)
{
	struct config *cfg = cli_load_config(cli, code);
	if (!cfg)
		return NULL;
	char *err = NULL;
	struct store *s = store_open(cfg->db_conninfo, &err);
	config_free(&cfg);
	if (!s) {
		log_error("%s", err);
		free(err);
		*code = RC_EX_UNAVAILABLE;
	}
	return s;
}

static int db_migrate(struct store *s)
{
	char *err = NULL;
	int applied = 0, now = 0, known = 0;
	int r = store_migrate(s, &applied, &err);
	if (r == STORE_OK)
		r = store_schema_version(s, &now, &known, &err);
	if (r != STORE_OK) {
		if (applied)
			log_error("applied %d migration(s) before this failure", applied);
		log_error("%s", err);
		free(err);
		return exit_for(r);
	}
	if (applied)
		printf("applied %d migration(s); schema is at migration %d\n", applied, now);
	else
		printf("nothing to apply; schema is at migration %d\n", now);
	return RC_EX_OK;
}

static const char sql_status[] =
	"SELECT number, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	" FROM replyclock.schema_migrations WHERE number = $1";

/* Prints one line per known migration: applied when, or pending. */
static int print_known(struct store *s, char **err)
{
	for (size_t i = 0; i < rc_migrations_count; i++) {
		char num[16];
		snprintf(num, sizeof num, "%d", rc_migrations[i].number);
		const char *params[] = { num };
		int st;
		PGresult *r = store_exec(s, "reading migration status", sql_status, 1, params,
					 PGRES_TUPLES_OK, &st, err);
		if (!r)
			return st;
		printf("  %-24s %s%s\n", rc_migrations[i].name,
		       PQntuples(r) ? "applied " : "pending", PQntuples(r) ? PQgetvalue(r, 0, 1) : "");
		PQclear(r);
	}
	return STORE_OK;
}

static int db_status(struct store *s)
{
	char *err = NULL;
	int applied, known;
	int r = store_schema_version(s, &applied, &known, &err);
	if (r == STORE_OK) {
		printf("database schema is at migration %d; this replyclock knows %d\n", applied, known);
		if (applied)
			r = print_known(s, &err);
	}
	if (r == STORE_OK)
		r = store_check_schema(s, &err);
	if (r == STORE_BEHIND) {
		printf("%s\n", err);
		free(err);
		return RC_EX_OK;
	}
	if (r != STORE_OK) {
		log_error("%s", err);
		free(err);
		return exit_for(r);
	}
	printf("up to date\n");
	return RC_EX_OK;
}

int cmd_db(const struct cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		db_usage(stdout);
		return RC_EX_OK;
	}
	if (argc != 2 || (strcmp(argv[1], "migrate") && strcmp(argv[1], "status"))) {
		db_usage(stderr);
		return RC_EX_USAGE;
	}
	int code = RC_EX_OK;
	struct store *s = open_for_db(cli, &code);
	if (!s)
		return code;
	code = !strcmp(argv[1], "migrate") ? db_migrate(s) : db_status(s);
	store_close(&s);
	return code;
}
