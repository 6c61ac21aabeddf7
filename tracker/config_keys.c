/* The table of configuration sections and keys (SPEC §2), in the style of
 * PgBouncer's cfparser: each key names its type and where it is stored, so
 * parsing, duplicate detection and "did you mean" all come from one place. */
#include "tracker/config_p.h"
#include "tracker/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MB(f) offsetof(struct cfg_mailbox, f)
#define CA(f) offsetof(struct cfg_calendar, f)
#define PO(f) offsetof(struct cfg_policy, f)
#define CU(f) offsetof(struct cfg_customer, f)
#define CF(f) offsetof(struct config, f)
#define NL CFG_NO_LINE

static const struct cfg_key database_keys[] = {
	{ "conninfo", CT_CONNINFO, CF(db_conninfo), NL, false },
};

static const struct cfg_key mailbox_keys[] = {
	{ "host", CT_STR, MB(host), MB(host_line), true },
	{ "port", CT_PORT, MB(port), NL, false },
	{ "security", CT_SECURITY, MB(security), NL, false },
	{ "ca_file", CT_PATH, MB(ca_file), NL, false },
	{ "username", CT_STR, MB(username), NL, true },
	{ "password_file", CT_SECRET_FILE, MB(password), NL, false },
	{ "password_env", CT_SECRET_ENV, MB(password), NL, false },
	{ "password_command", CT_SECRET_CMD, MB(password), NL, false },
	{ "oauth2_token_command", CT_SECRET_CMD, MB(oauth2_token), NL, false },
	{ "inbound_folders", CT_LIST, MB(inbound_folders), NL, false },
	{ "sent_folders", CT_LIST, MB(sent_folders), NL, false },
	{ "since", CT_DATE, MB(since), NL, false },
	{ "poll_interval", CT_INTERVAL, MB(poll_interval), NL, false },
	{ "idle", CT_BOOL, MB(idle), NL, false },
};

static const struct cfg_key team_keys[] = {
	{ "addresses", CT_ADDRS, CF(team_addresses), NL, false },
};

static const struct cfg_key calendar_keys[] = {
	{ "timezone", CT_TZ, CA(timezone), CA(timezone_line), true },
	{ "hours", CT_HOURS, CA(hours), CA(hours_line), true },
	{ "holidays", CT_PATHLIST, CA(holidays), CA(holidays_line), false },
	{ "ignore_events", CT_LIST, CA(ignore_events), CA(ignore_events_line), false },
};

static const struct cfg_key policy_keys[] = {
	{ "calendar", CT_REF, PO(calendar), PO(calendar_line), true },
	{ "first_response", CT_TARGET, PO(first_response), PO(first_response_line), true },
	{ "next_reply", CT_TARGET_OPT, PO(next_reply), NL, false },
	{ "resolution", CT_TARGET_OPT, PO(resolution), NL, false },
	{ "target", CT_PCT, PO(target_pct), NL, false },
	{ "breach_remedy", CT_STR_OPT, PO(breach_remedy), NL, false },
};

static const struct cfg_key customer_keys[] = {
	{ "name", CT_STR, CU(display_name), NL, false },
	{ "match", CT_ADDRS, CU(match), CU(match_line), true },
	{ "policy", CT_REF, CU(policy), CU(policy_line), false },
	{ "report_to", CT_ADDRS, CU(report_to), NL, false },
};

static const struct cfg_key defaults_keys[] = {
	{ "policy", CT_REF, CF(defaults.policy), CF(defaults.policy_line), false },
	{ "unknown_senders", CT_UNKNOWN, CF(defaults.unknown_senders), NL, false },
	{ "thread_window", CT_DURATION, CF(defaults.thread_window), NL, false },
	{ "arrival_time", CT_ARRIVAL, CF(defaults.arrival_time), NL, false },
};

static const struct cfg_key resolution_keys[] = {
	{ "resolved_keyword", CT_KEYWORD, CF(resolution.resolved_keyword), NL, false },
	{ "resolved_folders", CT_LIST, CF(resolution.resolved_folders), NL, false },
};

static const struct cfg_key alerts_keys[] = {
	{ "to", CT_ADDRS, CF(alerts.to), NL, false },
	{ "warn_before", CT_DURATION0, CF(alerts.warn_before), NL, false },
	{ "command", CT_STR_OPT, CF(alerts.command), NL, false },
};

static const struct cfg_key report_keys[] = {
	{ "timezone", CT_TZ, CF(report.timezone), NL, false },
	{ "smtp_url", CT_SMTP_URL, CF(report.smtp_url), CF(report.smtp_url_line), false },
	{ "smtp_security", CT_SECURITY, CF(report.smtp_security), NL, false },
	{ "smtp_username", CT_STR_OPT, CF(report.smtp_username), NL, false },
	{ "smtp_password_file", CT_SECRET_FILE, CF(report.smtp_password), NL, false },
	{ "smtp_password_env", CT_SECRET_ENV, CF(report.smtp_password), NL, false },
	{ "smtp_password_command", CT_SECRET_CMD, CF(report.smtp_password), NL, false },
	{ "from", CT_FROM, CF(report.from), NL, false },
	{ "to", CT_ADDRS, CF(report.to), NL, false },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct cfg_section sections[] = {
	{ "database", CS_DATABASE, false, database_keys, N(database_keys) },
	{ "mailbox", CS_MAILBOX, true, mailbox_keys, N(mailbox_keys) },
	{ "team", CS_TEAM, false, team_keys, N(team_keys) },
	{ "calendar", CS_CALENDAR, true, calendar_keys, N(calendar_keys) },
	{ "policy", CS_POLICY, true, policy_keys, N(policy_keys) },
	{ "customer", CS_CUSTOMER, true, customer_keys, N(customer_keys) },
	{ "defaults", CS_DEFAULTS, false, defaults_keys, N(defaults_keys) },
	{ "resolution", CS_RESOLUTION, false, resolution_keys, N(resolution_keys) },
	{ "alerts", CS_ALERTS, false, alerts_keys, N(alerts_keys) },
	{ "report", CS_REPORT, false, report_keys, N(report_keys) },
};

_Static_assert(N(mailbox_keys) <= CFG_MAX_KEYS, "seen[] too small");
_Static_assert(N(report_keys) <= CFG_MAX_KEYS, "seen[] too small");

const struct cfg_section *cfg_find_section(const char *kind)
{
	for (size_t i = 0; i < N(sections); i++)
		if (strcasecmp(sections[i].name, kind) == 0)
			return &sections[i];
	return NULL;
}

const struct cfg_key *cfg_find_key(const struct cfg_section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n_keys; i++)
		if (strcasecmp(sec->keys[i].name, key) == 0)
			return &sec->keys[i];
	return NULL;
}

bool cfg_key_is_list(const struct cfg_key *k)
{
	return k->type == CT_LIST || k->type == CT_PATHLIST || k->type == CT_ADDRS || k->type == CT_HOURS;
}

/* Closest candidate: Levenshtein distance <= 2, or one is a prefix of the other. */
static const char *closest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t d = cv_levenshtein(word, cands[i]);
		size_t cl = strlen(cands[i]);
		if (d > 2 && wl >= 3 && (strncasecmp(word, cands[i], wl < cl ? wl : cl) == 0))
			d = 2;
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

const char *cfg_suggest_section(const char *kind)
{
	const char *names[N(sections)];
	for (size_t i = 0; i < N(sections); i++)
		names[i] = sections[i].name;
	return closest(kind, names, N(sections));
}

const char *cfg_suggest_key(const struct cfg_section *sec, const char *key)
{
	const char *names[CFG_MAX_KEYS];
	for (size_t i = 0; i < sec->n_keys; i++)
		names[i] = sec->keys[i].name;
	return closest(key, names, sec->n_keys);
}

char *cfg_sections_with_key(const char *key)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	for (size_t i = 0; i < N(sections); i++) {
		if (!cfg_find_key(&sections[i], key))
			continue;
		strbuf_appendf(&b, "%s[%s]", b.len ? " or " : "", sections[i].name);
	}
	return b.len ? strbuf_steal(&b) : NULL;
}

/* Grows one of the config's section arrays and returns the new zeroed entry. */
static void *append_entry(void **arr, size_t *n, size_t size)
{
	*arr = xrealloc(*arr, (*n + 1) * size);
	void *e = (char *)*arr + *n * size;
	memset(e, 0, size);
	(*n)++;
	return e;
}

/* Finds a named section of this kind already defined; returns its line or 0. */
static int existing_named(const struct config *cfg, enum cfg_section_kind kind, const char *name)
{
	switch (kind) {
	case CS_MAILBOX:
		for (size_t i = 0; i < cfg->n_mailboxes; i++)
			if (strcmp(cfg->mailboxes[i].name, name) == 0)
				return cfg->mailboxes[i].line;
		break;
	case CS_CALENDAR:
		for (size_t i = 0; i < cfg->n_calendars; i++)
			if (strcmp(cfg->calendars[i].name, name) == 0)
				return cfg->calendars[i].line;
		break;
	case CS_POLICY:
		for (size_t i = 0; i < cfg->n_policies; i++)
			if (strcmp(cfg->policies[i].name, name) == 0)
				return cfg->policies[i].line;
		break;
	case CS_CUSTOMER:
		for (size_t i = 0; i < cfg->n_customers; i++)
			if (strcmp(cfg->customers[i].name, name) == 0)
				return cfg->customers[i].line;
		break;
	default:
		break;
	}
	return 0;
}

static void *new_named(struct config *cfg, enum cfg_section_kind kind, const char *name, int line)
{
	switch (kind) {
	case CS_MAILBOX: {
		struct cfg_mailbox *m = append_entry((void **)&cfg->mailboxes, &cfg->n_mailboxes, sizeof *m);
		m->name = xstrdup(name);
		m->line = line;
		m->security = SEC_TLS;
		m->poll_interval = 60;
		m->idle = true;
		return m;
	}
	case CS_CALENDAR: {
		struct cfg_calendar *c = append_entry((void **)&cfg->calendars, &cfg->n_calendars, sizeof *c);
		c->name = xstrdup(name);
		c->line = line;
		return c;
	}
	case CS_POLICY: {
		struct cfg_policy *po = append_entry((void **)&cfg->policies, &cfg->n_policies, sizeof *po);
		po->name = xstrdup(name);
		po->line = line;
		po->target_pct = 100;
		return po;
	}
	default: {
		struct cfg_customer *cu = append_entry((void **)&cfg->customers, &cfg->n_customers, sizeof *cu);
		cu->name = xstrdup(name);
		cu->line = line;
		return cu;
	}
	}
}

int cfg_begin_section(struct cfg_parser *p, const struct cfg_section *sec, const char *name)
{
	if (sec->named) {
		if (!name) {
			cfg_error(p, p->line, "[%s] needs a name: write [%s NAME]", sec->name, sec->name);
			return -1;
		}
		if (cv_check_name(name) < 0) {
			cfg_error(p, p->line, "bad name '%.64s' for [%s]; use letters, digits, '_', '-' or '.' (at most 64)",
				  name, sec->name);
			return -1;
		}
		if (sec->kind == CS_CUSTOMER && strcmp(name, "unassigned") == 0) {
			cfg_error(p, p->line, "the customer name 'unassigned' is reserved for unknown senders; "
				  "choose another name");
			return -1;
		}
		int first = existing_named(p->cfg, sec->kind, name);
		if (first) {
			cfg_error(p, p->line, "duplicate section [%s %s] (first defined on line %d)", sec->name,
				  name, first);
			return -1;
		}
		p->base = new_named(p->cfg, sec->kind, name, p->line);
	} else {
		if (name) {
			cfg_error(p, p->line, "[%s] takes no name; write [%s]", sec->name, sec->name);
			return -1;
		}
		if (p->singleton_line[sec->kind]) {
			cfg_error(p, p->line, "duplicate section [%s] (first on line %d); merge them",
				  sec->name, p->singleton_line[sec->kind]);
			return -1;
		}
		p->singleton_line[sec->kind] = p->line;
		p->base = p->cfg;
	}
	p->sec = sec;
	p->sec_line = p->line;
	memset(p->seen, 0, sizeof p->seen);
	return 0;
}

static char *make_path(const struct cfg_parser *p, const char *v)
{
	if (v[0] == '/' || !p->dir)
		return xstrdup(v);
	return xasprintf("%s/%s", p->dir, v);
}

static int set_secret(struct cfg_parser *p, const struct cfg_key *k, struct secret_ref *ref, const char *v,
		      enum secret_kind kind)
{
	if (!*v)
		return 0; /* "smtp_password_file =" means no such source */
	if (ref->kind != SECRET_NONE) {
		cfg_error(p, p->line, "%s conflicts with %s on line %d; give only one source for this secret",
			  k->name, ref->key, ref->line);
		return -1;
	}
	ref->kind = kind;
	ref->value = kind == SECRET_FILE ? make_path(p, v) : xstrdup(v);
	ref->line = p->line;
	ref->key = k->name;
	return 0;
}

static int set_security(struct cfg_parser *p, enum conn_security *out, const char *v)
{
	static const char *const names[] = { "tls", "starttls", "none" };
	for (int i = 0; i < 3; i++)
		if (strcasecmp(v, names[i]) == 0) {
			*out = (enum conn_security)i;
			return 0;
		}
	cfg_error(p, p->line, "bad security '%s'; write tls, starttls or none", v);
	return -1;
}

static void take_list(struct strlist *dst, struct cfg_value *val)
{
	cfg_strlist_free(dst);
	dst->v = val->v;
	dst->n = val->n;
	val->v = NULL;
	val->n = 0;
}

static int set_list(struct cfg_parser *p, const struct cfg_key *k, void *field, struct cfg_value *val)
{
	struct strlist *l = field;
	char *err = NULL;
	if (k->type == CT_ADDRS) {
		for (size_t i = 0; i < val->n; i++)
			if (cv_check_address(val->v[i], &err) < 0) {
				cfg_error(p, p->line, "%s: %s", k->name, err);
				free(err);
				return -1;
			}
	} else if (k->type == CT_PATHLIST) {
		for (size_t i = 0; i < val->n; i++) {
			char *abs = make_path(p, val->v[i]);
			free(val->v[i]);
			val->v[i] = abs;
		}
	} else if (k->type == CT_HOURS) {
		struct cfg_calendar *c = p->base;
		if (cv_parse_hours_list(&(struct strlist){ val->v, val->n }, &c->hours, &c->n_hours, &err) < 0) {
			cfg_error(p, p->line, "hours: %s", err);
			free(err);
			return -1;
		}
		return 0;
	}
	take_list(l, val);
	return 0;
}

/* Scalar types whose value is a plain string. */
static int set_string(struct cfg_parser *p, const struct cfg_key *k, char **field, const char *v)
{
	char *err = NULL;
	switch (k->type) {
	case CT_STR:
	case CT_REF:
		if (!*v) {
			cfg_error(p, p->line, "%s is empty; give a value or remove the line", k->name);
			return -1;
		}
		break;
	case CT_TZ:
		if (cv_check_timezone(v) < 0) {
			cfg_error(p, p->line, "unknown time zone '%s'; use an IANA name such as Europe/Oslo "
				  "(see /usr/share/zoneinfo)", v);
			return -1;
		}
		break;
	case CT_FROM:
		if (*v && cv_check_mailbox_address(v, &err) < 0) {
			cfg_error(p, p->line, "from: %s", err);
			free(err);
			return -1;
		}
		break;
	case CT_KEYWORD:
		if (*v && cv_check_keyword(v) < 0) {
			cfg_error(p, p->line, "'%s' is not an IMAP keyword; use letters, digits and '$' without "
				  "spaces, e.g. $Resolved", v);
			return -1;
		}
		break;
	default:
		break;
	}
	free(*field);
	if (!*v && k->type != CT_STR && k->type != CT_REF && k->type != CT_CONNINFO)
		*field = NULL;
	else
		*field = k->type == CT_PATH ? make_path(p, v) : xstrdup(v);
	return 0;
}

static int set_enum(struct cfg_parser *p, const struct cfg_key *k, void *field, const char *v)
{
	if (k->type == CT_UNKNOWN) {
		if (strcasecmp(v, "track") == 0 || strcasecmp(v, "ignore") == 0) {
			*(enum unknown_senders *)field = strcasecmp(v, "track") == 0 ? UNKNOWN_TRACK : UNKNOWN_IGNORE;
			return 0;
		}
		cfg_error(p, p->line, "bad unknown_senders '%s'; write track or ignore", v);
		return -1;
	}
	if (strcasecmp(v, "internaldate") == 0 || strcasecmp(v, "date") == 0) {
		*(enum arrival_time *)field = strcasecmp(v, "date") == 0 ? ARRIVAL_DATE : ARRIVAL_INTERNALDATE;
		return 0;
	}
	cfg_error(p, p->line, "bad arrival_time '%s'; write internaldate or date", v);
	return -1;
}

static int set_duration(struct cfg_parser *p, const struct cfg_key *k, void *field, const char *v)
{
	long d = config_parse_duration(v);
	if (d < 0) {
		cfg_error(p, p->line, "bad duration '%s' for %s; write e.g. 30s, 90m, 4h, 2h30m or 14d", v, k->name);
		return -1;
	}
	if (d == 0 && k->type != CT_DURATION0) {
		cfg_error(p, p->line, "%s must be more than zero", k->name);
		return -1;
	}
	if (k->type == CT_INTERVAL) {
		if (d > 86400) {
			cfg_error(p, p->line, "%s '%s' is longer than a day; use at most 1d", k->name, v);
			return -1;
		}
		*(int *)field = (int)d;
	} else {
		*(long *)field = d;
	}
	return 0;
}

static int set_scalar(struct cfg_parser *p, const struct cfg_key *k, void *field, const char *v)
{
	char *err = NULL, *end;
	long n;
	switch (k->type) {
	case CT_CONNINFO:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return 0;
	case CT_PORT:
		n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 65535) {
			cfg_error(p, p->line, "bad port '%s'; give a number from 1 to 65535", v);
			return -1;
		}
		*(int *)field = (int)n;
		return 0;
	case CT_SECURITY:
		return set_security(p, field, v);
	case CT_SECRET_FILE:
		return set_secret(p, k, field, v, SECRET_FILE);
	case CT_SECRET_ENV:
		return set_secret(p, k, field, v, SECRET_ENV);
	case CT_SECRET_CMD:
		return set_secret(p, k, field, v, SECRET_COMMAND);
	case CT_DATE:
		if (!*v) {
			*(time_t *)field = 0; /* "since =": no limit */
			return 0;
		}
		if (cv_parse_date(v, field) < 0) {
			cfg_error(p, p->line, "bad date '%s' for %s; write YYYY-MM-DD, e.g. 2026-01-01", v, k->name);
			return -1;
		}
		return 0;
	case CT_DURATION:
	case CT_DURATION0:
	case CT_INTERVAL:
		return set_duration(p, k, field, v);
	case CT_BOOL:
		if (cv_parse_bool(v, field) < 0) {
			cfg_error(p, p->line, "bad %s '%s'; write yes or no", k->name, v);
			return -1;
		}
		return 0;
	case CT_TARGET:
	case CT_TARGET_OPT:
		if (cv_parse_target(v, k->type == CT_TARGET_OPT, field, &err) < 0)
			break;
		return 0;
	case CT_PCT:
		if (cv_parse_pct(v, field, &err) < 0)
			break;
		return 0;
	case CT_UNKNOWN:
	case CT_ARRIVAL:
		return set_enum(p, k, field, v);
	case CT_SMTP_URL: {
		struct config *cfg = p->cfg;
		int tls;
		free(cfg->report.smtp_host);
		cfg->report.smtp_host = NULL;
		if (!*v)
			return set_string(p, k, field, v);
		if (cv_parse_smtp_url(v, &cfg->report.smtp_host, &cfg->report.smtp_port, &tls, &err) < 0)
			break;
		return set_string(p, k, field, v);
	}
	default:
		return set_string(p, k, field, v);
	}
	cfg_error(p, p->line, "%s: %s", k->name, err);
	free(err);
	return -1;
}

int cfg_set_key(struct cfg_parser *p, const struct cfg_key *k, struct cfg_value *val)
{
	size_t idx = (size_t)(k - p->sec->keys);
	if (p->seen[idx]) {
		cfg_error(p, p->line, "duplicate key '%s' in [%s] (first set on line %d); keep one",
			  k->name, p->sec->name, p->seen[idx]);
		return -1;
	}
	p->seen[idx] = p->line;
	void *field = (char *)p->base + k->off;
	if (k->line_off != CFG_NO_LINE)
		*(int *)((char *)p->base + k->line_off) = p->line;
	if (cfg_key_is_list(k))
		return set_list(p, k, field, val);
	/* A scalar CT_STR_OPT (e.g. breach_remedy) keeps commas literally. */
	return set_scalar(p, k, field, val->n ? val->v[0] : "");
}

static int seen_line(const struct cfg_parser *p, const char *key)
{
	const struct cfg_key *k = cfg_find_key(p->sec, key);
	return k ? p->seen[k - p->sec->keys] : 0;
}

static int end_mailbox(struct cfg_parser *p, struct cfg_mailbox *m)
{
	if (m->password.kind == SECRET_NONE && m->oauth2_token.kind == SECRET_NONE) {
		cfg_error(p, p->sec_line, "[mailbox %s] has no password source; add password_file, "
			  "password_env, password_command or oauth2_token_command", m->name);
		return -1;
	}
	if (m->password.kind != SECRET_NONE && m->oauth2_token.kind != SECRET_NONE) {
		cfg_error(p, m->oauth2_token.line, "[mailbox %s] has both %s (line %d) and "
			  "oauth2_token_command; keep one way to log in", m->name, m->password.key,
			  m->password.line);
		return -1;
	}
	if (m->security == SEC_NONE && !cv_is_loopback(m->host)) {
		cfg_error(p, seen_line(p, "security"), "security = none sends the password in clear text; "
			  "it is allowed for loopback hosts only, not '%s': use tls or starttls", m->host);
		return -1;
	}
	if (!m->port)
		m->port = m->security == SEC_TLS ? 993 : 143;
	if (!seen_line(p, "inbound_folders")) {
		m->inbound_folders.v = xcalloc(1, sizeof(char *));
		m->inbound_folders.v[0] = xstrdup("INBOX");
		m->inbound_folders.n = 1;
	}
	m->sent_folders_set = seen_line(p, "sent_folders") != 0;
	if (m->inbound_folders.n == 0 && m->sent_folders_set && m->sent_folders.n == 0) {
		cfg_error(p, p->sec_line, "[mailbox %s] has no folder to read: inbound_folders and "
			  "sent_folders are both empty", m->name);
		return -1;
	}
	return 0;
}

/* Checks the section just finished: required keys and rules within it. */
int cfg_end_section(struct cfg_parser *p)
{
	if (!p->sec)
		return 0;
	for (size_t i = 0; i < p->sec->n_keys; i++) {
		const struct cfg_key *k = &p->sec->keys[i];
		if (k->required && !p->seen[i]) {
			cfg_error(p, p->sec_line, "[%s%s%s] has no '%s'; add %s = ...", p->sec->name,
				  p->sec->named ? " " : "", p->sec->named ? *(char **)p->base : "", k->name,
				  k->name);
			return -1;
		}
	}
	switch (p->sec->kind) {
	case CS_MAILBOX:
		return end_mailbox(p, p->base);
	case CS_REPORT:
		return cfg_end_report(p, seen_line(p, "smtp_security"));
	case CS_CUSTOMER: {
		struct cfg_customer *c = p->base;
		if (c->match.n == 0) {
			cfg_error(p, c->match_line, "match is empty; list the customer's addresses or @domains");
			return -1;
		}
		if (!c->display_name)
			c->display_name = xstrdup(c->name);
		return 0;
	}
	default:
		return 0;
	}
}
