/* The configuration model (SPEC §2) and its file reader.
 *
 * config_load() reads and validates the whole file; every later stage gets a
 * `const struct config *` passed down (no globals). Secrets are never stored
 * in the struct: only where to get them (struct secret_ref), resolved on
 * demand by secret_resolve(). */
#ifndef RC_CONFIG_H
#define RC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* A list of strings from a comma-separated value. */
struct strlist {
	char **v;
	size_t n;
};

enum conn_security { SEC_TLS = 0, SEC_STARTTLS, SEC_NONE };

enum secret_kind { SECRET_NONE = 0, SECRET_FILE, SECRET_ENV, SECRET_COMMAND };

/* Where a secret comes from. `value` is the path, variable name or command. */
struct secret_ref {
	enum secret_kind kind;
	char *value;
	int line;          /* line of the key in the config file, for errors */
	const char *key;   /* the key name, e.g. "password_file" (static string) */
};

/* Weekly open interval in local wall time: days is a bit set, bit 0 = Monday
 * .. bit 6 = Sunday; minutes since local midnight, end may be 1440 (24:00),
 * start < end. */
struct hours_interval {
	unsigned days;
	int start_min, end_min;
};

enum target_kind { TARGET_NONE = 0, TARGET_DURATION, TARGET_SAME_DAY };

/* A response target: a business duration ("4h", "2h30m") or "same-day HH:MM". */
struct target {
	enum target_kind kind;
	long seconds;       /* TARGET_DURATION */
	int hour, minute;   /* TARGET_SAME_DAY: the cut-off */
};

struct cfg_mailbox {
	char *name;
	int line;                   /* line of the [mailbox NAME] header */
	char *host;
	int port;                   /* default 993 for tls, 143 otherwise */
	enum conn_security security;
	char *ca_file;              /* NULL when empty */
	char *username;
	struct secret_ref password;     /* password_file / password_env / password_command */
	struct secret_ref oauth2_token; /* oauth2_token_command (SECRET_COMMAND) */
	struct strlist inbound_folders; /* default: INBOX; may be empty when set empty */
	struct strlist sent_folders;    /* empty + !sent_folders_set: use RFC 6154 \Sent */
	bool sent_folders_set;
	time_t since;               /* 0 = no limit; else UTC midnight of the date */
	int poll_interval;          /* seconds, default 60 */
	bool idle;                  /* default yes */
	int host_line;
};

struct cfg_calendar {
	char *name;
	int line;
	char *timezone;             /* IANA name, required */
	int timezone_line;
	struct hours_interval *hours;
	size_t n_hours;
	int hours_line;
	struct strlist holidays;    /* .ics paths */
	int holidays_line;
	struct strlist ignore_events; /* SUMMARY globs */
	int ignore_events_line;
};

struct cfg_policy {
	char *name;
	int line;
	char *calendar;             /* name of a [calendar] (validated) */
	const struct cfg_calendar *cal;
	struct target first_response;   /* required */
	struct target next_reply;       /* optional: kind TARGET_NONE */
	struct target resolution;       /* optional */
	double target_pct;          /* default 100 */
	char *breach_remedy;        /* NULL when unset */
	int calendar_line;          /* line of `calendar =` */
	int first_response_line;
};

struct cfg_customer {
	char *name;                 /* the config name */
	int line;
	char *display_name;         /* `name =`; defaults to the config name */
	struct strlist match;       /* lower-cased: exact addresses and @domains */
	char *policy;               /* NULL: [defaults] policy */
	const struct cfg_policy *pol; /* resolved policy (customer's or default) */
	struct strlist report_to;
	int match_line;             /* line of `match =` */
	int policy_line;            /* line of `policy =`; 0 when unset */
};

enum unknown_senders { UNKNOWN_TRACK = 0, UNKNOWN_IGNORE };
enum arrival_time { ARRIVAL_INTERNALDATE = 0, ARRIVAL_DATE };

struct config {
	char *path;                 /* the file read */
	char digest[65];            /* SHA-256 hex of the file's bytes */

	char *db_conninfo;          /* "" = PG* environment */

	struct cfg_mailbox *mailboxes;
	size_t n_mailboxes;

	struct strlist team_addresses;  /* lower-cased */

	struct cfg_calendar *calendars;
	size_t n_calendars;
	struct cfg_policy *policies;
	size_t n_policies;
	struct cfg_customer *customers;
	size_t n_customers;

	struct {
		char *policy;
		const struct cfg_policy *pol;
		enum unknown_senders unknown_senders;
		long thread_window;      /* seconds, default 14d */
		enum arrival_time arrival_time;
		int policy_line;         /* 0 when unset */
	} defaults;

	struct {
		char *resolved_keyword;  /* NULL when unset */
		struct strlist resolved_folders;
	} resolution;

	struct {
		struct strlist to;
		long warn_before;        /* seconds, default 30m */
		char *command;           /* NULL when unset */
	} alerts;

	struct {
		char *timezone;          /* default UTC */
		char *smtp_url;          /* NULL when unset */
		char *smtp_host;         /* parsed from smtp_url */
		int smtp_port;
		enum conn_security smtp_security;
		char *smtp_username;
		struct secret_ref smtp_password;
		char *from;
		struct strlist to;
		int smtp_url_line;       /* 0 when unset */
	} report;
};

/* Reads and validates `path`. On failure returns NULL and sets *err to a
 * malloc'd message "FILE:LINE: what is wrong (hint)". The caller owns the
 * result; free it with config_free(). */
struct config *config_load(const char *path, char **err);
/* Same, from a string (tests); `name` stands for the file name in messages. */
struct config *config_parse(const char *text, const char *name, char **err);
void config_free(struct config **cfg);

/* Parses "4h", "90m", "2h30m", "45s", "14d", "1d2h" into seconds; -1 if bad.
 * Units d/h/m/s, each at most once, largest first, no spaces or signs; "0h"
 * gives 0 (callers refuse it where zero makes no sense). */
long config_parse_duration(const char *s);

/* Parses "mon-fri 08:00-16:00, sat 10:00-13:00" (the whole `hours` value,
 * comma-separated items) into a malloc'd array. Returns 0, or -1 with a
 * malloc'd *err (no file/line prefix). See config_values.c for the syntax. */
int config_parse_hours(const char *s, struct hours_interval **out, size_t *n, char **err);

/* Fetches a secret: reads the file (refused when group/other may read it;
 * one trailing newline dropped), the environment variable, or the command's
 * standard output. Returns 0 and a malloc'd *out, or -1 with *err naming
 * the config file, line and key but never the secret. */
int secret_resolve(const struct config *cfg, const struct secret_ref *ref, char **out, char **err);

const struct cfg_mailbox *config_mailbox(const struct config *cfg, const char *name);
const struct cfg_calendar *config_calendar(const struct config *cfg, const char *name);
const struct cfg_policy *config_policy(const struct config *cfg, const char *name);
const struct cfg_customer *config_customer(const struct config *cfg, const char *name);

#endif
