/* Private to the configuration reader (config*.c, secret.c): the key table
 * types, the parser state and the value parsers. */
#ifndef RC_CONFIG_P_H
#define RC_CONFIG_P_H

#include "tracker/config.h"

#include <stdint.h>

/* Longest value accepted (bytes after the '='). */
#define CFG_MAX_VALUE 4096
/* Largest configuration file read. */
#define CFG_MAX_FILE (1024 * 1024)
#define CFG_MAX_KEYS 24

/* How a key's value is parsed and stored. */
enum cfg_type {
	CT_STR,        /* char *, must not be empty */
	CT_STR_OPT,    /* char *, empty -> NULL */
	CT_CONNINFO,   /* char *, empty -> "" */
	CT_PATH,       /* char *, empty -> NULL, relative to the config file's directory */
	CT_LIST,       /* struct strlist */
	CT_PATHLIST,   /* struct strlist of paths */
	CT_ADDRS,      /* struct strlist of lower-cased addresses / @domains */
	CT_FROM,       /* char *, "Name <addr>" or addr */
	CT_PORT,       /* int 1-65535 */
	CT_SECURITY,   /* enum conn_security */
	CT_SECRET_FILE,
	CT_SECRET_ENV,
	CT_SECRET_CMD,
	CT_DATE,       /* time_t */
	CT_DURATION,   /* long seconds, > 0 */
	CT_DURATION0,  /* long seconds, >= 0 */
	CT_INTERVAL,   /* int seconds, > 0 */
	CT_BOOL,
	CT_TZ,         /* char *, IANA name */
	CT_HOURS,      /* struct hours_interval * + n_hours (calendar only) */
	CT_REF,        /* char *, name of another section, checked at the end */
	CT_TARGET,     /* struct target, required form */
	CT_TARGET_OPT, /* struct target, empty -> TARGET_NONE */
	CT_PCT,        /* double */
	CT_UNKNOWN,    /* enum unknown_senders */
	CT_ARRIVAL,    /* enum arrival_time */
	CT_SMTP_URL,   /* char * + smtp_host/smtp_port */
	CT_KEYWORD,    /* char *, IMAP keyword, empty -> NULL */
};

#define CFG_NO_LINE ((size_t)-1)

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off;       /* offset of the field in the section's struct */
	size_t line_off;  /* offset of an int that records the line, or CFG_NO_LINE */
	bool required;
};

enum cfg_section_kind {
	CS_DATABASE, CS_MAILBOX, CS_TEAM, CS_CALENDAR, CS_POLICY, CS_CUSTOMER,
	CS_DEFAULTS, CS_RESOLUTION, CS_ALERTS, CS_REPORT, CS__COUNT
};

struct cfg_section {
	const char *name;
	enum cfg_section_kind kind;
	bool named;              /* [kind NAME] */
	const struct cfg_key *keys;
	size_t n_keys;
};

/* Parser state: the file, the current section and which keys it has set. */
struct cfg_parser {
	struct config *cfg;
	const char *name;        /* file name for messages */
	char *dir;               /* directory of the file, for relative paths; NULL = "." */
	char *err;               /* first error, "FILE:LINE: ..." */
	int line;

	const struct cfg_section *sec;  /* NULL before the first header */
	void *base;              /* struct the current section's keys write into */
	int sec_line;
	int seen[CFG_MAX_KEYS];  /* line where each key of the section was set, 0 = not */
	int singleton_line[CS__COUNT];
};

/* One parsed value: its items (one for a scalar key). */
struct cfg_value {
	char **v;
	size_t n;
	bool quoted_any;
};

/* config.c */
void cfg_error(struct cfg_parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* config_keys.c */
const struct cfg_section *cfg_find_section(const char *kind);
const struct cfg_key *cfg_find_key(const struct cfg_section *sec, const char *key);
bool cfg_key_is_list(const struct cfg_key *k);
/* Best close match ("did you mean") among section kinds or a section's keys, or NULL. */
const char *cfg_suggest_section(const char *kind);
const char *cfg_suggest_key(const struct cfg_section *sec, const char *key);
/* Names the other sections that have this key ("[calendar] or [report]"), or NULL. Malloc'd. */
char *cfg_sections_with_key(const char *key);
int cfg_begin_section(struct cfg_parser *p, const struct cfg_section *sec, const char *name);
int cfg_end_section(struct cfg_parser *p);
int cfg_set_key(struct cfg_parser *p, const struct cfg_key *k, struct cfg_value *val);

/* config_check.c: defaults and cross-section rules after the whole file. */
int cfg_finish(struct cfg_parser *p);
/* Rules of [report] (SMTP); security_line is 0 when smtp_security was not set. */
int cfg_end_report(struct cfg_parser *p, int security_line);
void cfg_strlist_free(struct strlist *l);

/* config_values.c */
int cv_parse_hhmm(const char *s, size_t len, int allow24, int *minutes);
int cv_parse_target(const char *s, int allow_none, struct target *t, char **err);
int cv_parse_pct(const char *s, double *out, char **err);
int cv_parse_bool(const char *s, bool *out);
int cv_parse_date(const char *s, time_t *out);
int cv_parse_hours_list(const struct strlist *items, struct hours_interval **out, size_t *n, char **err);
int cv_check_address(char *s, char **err);
int cv_check_mailbox_address(const char *s, char **err);
int cv_check_timezone(const char *name);
int cv_is_loopback(const char *host);
int cv_parse_smtp_url(const char *url, char **host, int *port, int *implicit_tls, char **err);
int cv_check_keyword(const char *s);
int cv_check_name(const char *s);
size_t cv_levenshtein(const char *a, const char *b);

#endif
