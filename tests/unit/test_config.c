/* Unit tests of the configuration reader (SPEC §2): a full valid file, the
 * shipped example, bad files with their messages and lines, value parsers,
 * suggestions and secrets. */
#include "tracker/cli.h"
#include "tracker/config.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static char *write_file(const char *name, const char *content, size_t len, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, content, len) == (ssize_t)len);
	close(fd);
	CU_ASSERT_FATAL(chmod(path, mode) == 0);
	return path;
}

static struct config *parse_ok(const char *text)
{
	char *err = NULL;
	struct config *cfg = config_parse(text, "t.conf", &err);
	if (!cfg)
		fprintf(stderr, "\nunexpected error: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	CU_ASSERT_PTR_NULL(err);
	free(err);
	return cfg;
}

/* Parses text, expects failure with "t.conf:LINE: " and substring `want`. */
static void expect_error(const char *label, const char *text, int line, const char *want)
{
	char *err = NULL;
	struct config *cfg = config_parse(text, "t.conf", &err);
	CU_ASSERT_PTR_NULL(cfg);
	config_free(&cfg);
	char *prefix = line > 0 ? xasprintf("t.conf:%d: ", line) : xstrdup("t.conf: ");
	int ok = err && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, want) && !strchr(err, '\n');
	if (getenv("RC_SHOW_ERRORS"))
		fprintf(stderr, "%-28s %s\n", label, err ? err : "(none)");
	if (!ok)
		fprintf(stderr, "\n[%s] want '%s...%s', got '%s'\n", label, prefix, want, err ? err : "(none)");
	CU_ASSERT(ok);
	free(prefix);
	free(err);
}

/* 10 lines; bad snippets are appended from line 11. */
#define BASE \
	"[team]\n" \
	"addresses = support@example.com, @example.com\n" \
	"[calendar c]\n" \
	"timezone = Europe/Oslo\n" \
	"hours = mon-fri 08:00-16:00\n" \
	"[policy p]\n" \
	"calendar = c\n" \
	"first_response = 4h\n" \
	"[defaults]\n" \
	"policy = p\n"
#define BASE_LINES 10
#define MBX "[mailbox m]\nhost = imap.example.com\nusername = u\npassword_env = X\n"

static void config__full_file_every_field(void)
{
	char *pw = write_file("support.password", "pw\n", 3, 0600);
	char *text = xasprintf(
		"# comment line\n"
		"; another comment\n"
		"[database]\n"
		"conninfo = dbname=replyclock host=/run/pg   # the store\n"
		"\n"
		"[mailbox support]\n"
		"host = IMAP.example.com\n"
		"port = 9993\n"
		"security = tls\n"
		"ca_file =\n"
		"username = support@example.com\n"
		"password_file = %s\n"
		"inbound_folders = INBOX, \"Support, urgent\"\n"
		"sent_folders = \"Sent Items\"\n"
		"since = 2026-01-01\n"
		"poll_interval = 2m\n"
		"idle = no\n"
		"[mailbox agent]\n"
		"host = 127.0.0.1\n"
		"security = none\n"
		"username = kari\n"
		"oauth2_token_command = /usr/local/bin/fetch-token kari\n"
		"inbound_folders =\n"
		"[team]\n"
		"addresses = Support@Example.com, @example.com\n"
		"[calendar oslo]\n"
		"timezone = Europe/Oslo\n"
		"hours = mon-thu 08:00-16:00, fri 08:00-15:00, sat 10:00-13:00\n"
		"holidays = /etc/replyclock/holidays/norway.ics, closures.ics\n"
		"ignore_events = Sommertid*, Vintertid*, Morsdag, Farsdag\n"
		"[policy standard]\n"
		"calendar = oslo\n"
		"first_response = 4h\n"
		"next_reply = 8h\n"
		"resolution = same-day 12:00\n"
		"target = 95%%\n"
		"breach_remedy = one month free of charge\n"
		"[policy fast]\n"
		"calendar = oslo\n"
		"first_response = 1h30m\n"
		"[customer acme]\n"
		"name = ACME AS\n"
		"match = @ACME.no, ceo@gmail.com\n"
		"policy = fast\n"
		"report_to = kari@acme.no\n"
		"[customer beta]\n"
		"match = @beta.no\n"
		"[defaults]\n"
		"policy = standard\n"
		"unknown_senders = ignore\n"
		"thread_window = 7d\n"
		"arrival_time = date\n"
		"[resolution]\n"
		"resolved_keyword = $Resolved\n"
		"resolved_folders = Done, Archive/Done\n"
		"[alerts]\n"
		"to = support-oncall@example.com\n"
		"warn_before = 45m\n"
		"command = /usr/local/bin/page \"#oncall\"\n"
		"[report]\n"
		"timezone = Europe/Oslo\n"
		"smtp_url = smtp://mail.example.com\n"
		"smtp_username = sla\n"
		"smtp_password_env = SMTP_PW\n"
		"from = SLA reports <sla@example.com>\n"
		"to = support-leads@example.com, boss@example.com\n",
		pw);
	char *name = xasprintf("%s/replyclock.conf", tmpdir);
	struct config *cfg;
	char *err = NULL;
	cfg = config_parse(text, name, &err);
	if (!cfg)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->path, name);
	CU_ASSERT_EQUAL(strlen(cfg->digest), 64);
	CU_ASSERT_STRING_EQUAL(cfg->db_conninfo, "dbname=replyclock host=/run/pg");

	CU_ASSERT_EQUAL_FATAL(cfg->n_mailboxes, 2);
	const struct cfg_mailbox *m = config_mailbox(cfg, "support");
	CU_ASSERT_PTR_EQUAL_FATAL(m, &cfg->mailboxes[0]);
	CU_ASSERT_EQUAL(m->line, 6);
	CU_ASSERT_STRING_EQUAL(m->host, "IMAP.example.com");
	CU_ASSERT_EQUAL(m->port, 9993);
	CU_ASSERT_EQUAL(m->security, SEC_TLS);
	CU_ASSERT_PTR_NULL(m->ca_file);
	CU_ASSERT_STRING_EQUAL(m->username, "support@example.com");
	CU_ASSERT_EQUAL(m->password.kind, SECRET_FILE);
	CU_ASSERT_STRING_EQUAL(m->password.value, pw);
	CU_ASSERT_EQUAL(m->password.line, 12);
	CU_ASSERT_STRING_EQUAL(m->password.key, "password_file");
	CU_ASSERT_EQUAL(m->oauth2_token.kind, SECRET_NONE);
	CU_ASSERT_EQUAL_FATAL(m->inbound_folders.n, 2);
	CU_ASSERT_STRING_EQUAL(m->inbound_folders.v[0], "INBOX");
	CU_ASSERT_STRING_EQUAL(m->inbound_folders.v[1], "Support, urgent");
	CU_ASSERT_EQUAL_FATAL(m->sent_folders.n, 1);
	CU_ASSERT_STRING_EQUAL(m->sent_folders.v[0], "Sent Items");
	CU_ASSERT(m->sent_folders_set);
	CU_ASSERT_EQUAL(m->since, 1767225600); /* 2026-01-01T00:00:00Z */
	CU_ASSERT_EQUAL(m->poll_interval, 120);
	CU_ASSERT_FALSE(m->idle);

	const struct cfg_mailbox *a = config_mailbox(cfg, "agent");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->security, SEC_NONE);
	CU_ASSERT_EQUAL(a->port, 143);
	CU_ASSERT_EQUAL(a->password.kind, SECRET_NONE);
	CU_ASSERT_EQUAL(a->oauth2_token.kind, SECRET_COMMAND);
	CU_ASSERT_STRING_EQUAL(a->oauth2_token.value, "/usr/local/bin/fetch-token kari");
	CU_ASSERT_STRING_EQUAL(a->oauth2_token.key, "oauth2_token_command");
	CU_ASSERT_EQUAL(a->inbound_folders.n, 0);
	CU_ASSERT_EQUAL(a->sent_folders.n, 0);
	CU_ASSERT_FALSE(a->sent_folders_set);
	CU_ASSERT_EQUAL(a->since, 0);
	CU_ASSERT_EQUAL(a->poll_interval, 60);
	CU_ASSERT(a->idle);
	CU_ASSERT_PTR_NULL(config_mailbox(cfg, "nope"));

	CU_ASSERT_EQUAL_FATAL(cfg->team_addresses.n, 2);
	CU_ASSERT_STRING_EQUAL(cfg->team_addresses.v[0], "support@example.com");
	CU_ASSERT_STRING_EQUAL(cfg->team_addresses.v[1], "@example.com");

	CU_ASSERT_EQUAL_FATAL(cfg->n_calendars, 1);
	const struct cfg_calendar *c = config_calendar(cfg, "oslo");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->line, 26);
	CU_ASSERT_STRING_EQUAL(c->timezone, "Europe/Oslo");
	CU_ASSERT_EQUAL(c->timezone_line, 27);
	CU_ASSERT_EQUAL(c->hours_line, 28);
	CU_ASSERT_EQUAL_FATAL(c->n_hours, 3);
	CU_ASSERT_EQUAL(c->hours[0].days, 0x0f);
	CU_ASSERT_EQUAL(c->hours[0].start_min, 480);
	CU_ASSERT_EQUAL(c->hours[0].end_min, 960);
	CU_ASSERT_EQUAL(c->hours[1].days, 0x10);
	CU_ASSERT_EQUAL(c->hours[1].end_min, 900);
	CU_ASSERT_EQUAL(c->hours[2].days, 0x20);
	CU_ASSERT_EQUAL(c->hours[2].start_min, 600);
	CU_ASSERT_EQUAL(c->hours[2].end_min, 780);
	CU_ASSERT_EQUAL_FATAL(c->holidays.n, 2);
	CU_ASSERT_STRING_EQUAL(c->holidays.v[0], "/etc/replyclock/holidays/norway.ics");
	char *rel = xasprintf("%s/closures.ics", tmpdir);
	CU_ASSERT_STRING_EQUAL(c->holidays.v[1], rel);
	free(rel);
	CU_ASSERT_EQUAL(c->holidays_line, 29);
	CU_ASSERT_EQUAL_FATAL(c->ignore_events.n, 4);
	CU_ASSERT_STRING_EQUAL(c->ignore_events.v[0], "Sommertid*");
	CU_ASSERT_STRING_EQUAL(c->ignore_events.v[3], "Farsdag");

	CU_ASSERT_EQUAL_FATAL(cfg->n_policies, 2);
	const struct cfg_policy *po = config_policy(cfg, "standard");
	CU_ASSERT_PTR_NOT_NULL_FATAL(po);
	CU_ASSERT_STRING_EQUAL(po->calendar, "oslo");
	CU_ASSERT_PTR_EQUAL(po->cal, c);
	CU_ASSERT_EQUAL(po->first_response.kind, TARGET_DURATION);
	CU_ASSERT_EQUAL(po->first_response.seconds, 4 * 3600);
	CU_ASSERT_EQUAL(po->next_reply.kind, TARGET_DURATION);
	CU_ASSERT_EQUAL(po->next_reply.seconds, 8 * 3600);
	CU_ASSERT_EQUAL(po->resolution.kind, TARGET_SAME_DAY);
	CU_ASSERT_EQUAL(po->resolution.hour, 12);
	CU_ASSERT_EQUAL(po->resolution.minute, 0);
	CU_ASSERT_DOUBLE_EQUAL(po->target_pct, 95.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(po->breach_remedy, "one month free of charge");
	const struct cfg_policy *fast = config_policy(cfg, "fast");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
	CU_ASSERT_EQUAL(fast->first_response.seconds, 5400);
	CU_ASSERT_EQUAL(fast->next_reply.kind, TARGET_NONE);
	CU_ASSERT_EQUAL(fast->resolution.kind, TARGET_NONE);
	CU_ASSERT_DOUBLE_EQUAL(fast->target_pct, 100.0, 1e-9);
	CU_ASSERT_PTR_NULL(fast->breach_remedy);

	CU_ASSERT_EQUAL_FATAL(cfg->n_customers, 2);
	const struct cfg_customer *cu = config_customer(cfg, "acme");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cu);
	CU_ASSERT_STRING_EQUAL(cu->display_name, "ACME AS");
	CU_ASSERT_EQUAL_FATAL(cu->match.n, 2);
	CU_ASSERT_STRING_EQUAL(cu->match.v[0], "@acme.no");
	CU_ASSERT_STRING_EQUAL(cu->match.v[1], "ceo@gmail.com");
	CU_ASSERT_STRING_EQUAL(cu->policy, "fast");
	CU_ASSERT_PTR_EQUAL(cu->pol, fast);
	CU_ASSERT_EQUAL_FATAL(cu->report_to.n, 1);
	CU_ASSERT_STRING_EQUAL(cu->report_to.v[0], "kari@acme.no");
	const struct cfg_customer *beta = config_customer(cfg, "beta");
	CU_ASSERT_PTR_NOT_NULL_FATAL(beta);
	CU_ASSERT_STRING_EQUAL(beta->display_name, "beta");
	CU_ASSERT_PTR_NULL(beta->policy);
	CU_ASSERT_PTR_EQUAL(beta->pol, po);
	CU_ASSERT_EQUAL(beta->report_to.n, 0);

	CU_ASSERT_STRING_EQUAL(cfg->defaults.policy, "standard");
	CU_ASSERT_PTR_EQUAL(cfg->defaults.pol, po);
	CU_ASSERT_EQUAL(cfg->defaults.unknown_senders, UNKNOWN_IGNORE);
	CU_ASSERT_EQUAL(cfg->defaults.thread_window, 7 * 86400);
	CU_ASSERT_EQUAL(cfg->defaults.arrival_time, ARRIVAL_DATE);
	CU_ASSERT_STRING_EQUAL(cfg->resolution.resolved_keyword, "$Resolved");
	CU_ASSERT_EQUAL_FATAL(cfg->resolution.resolved_folders.n, 2);
	CU_ASSERT_STRING_EQUAL(cfg->resolution.resolved_folders.v[1], "Archive/Done");
	CU_ASSERT_EQUAL_FATAL(cfg->alerts.to.n, 1);
	CU_ASSERT_STRING_EQUAL(cfg->alerts.to.v[0], "support-oncall@example.com");
	CU_ASSERT_EQUAL(cfg->alerts.warn_before, 45 * 60);
	CU_ASSERT_STRING_EQUAL(cfg->alerts.command, "/usr/local/bin/page \"#oncall\"");
	CU_ASSERT_STRING_EQUAL(cfg->report.timezone, "Europe/Oslo");
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_url, "smtp://mail.example.com");
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_host, "mail.example.com");
	CU_ASSERT_EQUAL(cfg->report.smtp_port, 587);
	CU_ASSERT_EQUAL(cfg->report.smtp_security, SEC_STARTTLS);
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_username, "sla");
	CU_ASSERT_EQUAL(cfg->report.smtp_password.kind, SECRET_ENV);
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_password.value, "SMTP_PW");
	CU_ASSERT_STRING_EQUAL(cfg->report.from, "SLA reports <sla@example.com>");
	CU_ASSERT_EQUAL_FATAL(cfg->report.to.n, 2);
	CU_ASSERT_STRING_EQUAL(cfg->report.to.v[1], "boss@example.com");

	/* The password file named there is usable as it is (mode 0600). */
	char *secret = NULL;
	CU_ASSERT_EQUAL(secret_resolve(cfg, &m->password, &secret, &err), 0);
	CU_ASSERT_STRING_EQUAL(secret ? secret : "", "pw");
	free(secret);
	config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg);
	config_free(&cfg); /* NULL is fine */
	unlink(pw);
	free(pw);
	free(name);
	free(text);
}

static void config__defaults(void)
{
	struct config *cfg = parse_ok(BASE MBX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	const struct cfg_mailbox *m = &cfg->mailboxes[0];
	CU_ASSERT_EQUAL(m->port, 993);
	CU_ASSERT_EQUAL(m->security, SEC_TLS);
	CU_ASSERT_EQUAL_FATAL(m->inbound_folders.n, 1);
	CU_ASSERT_STRING_EQUAL(m->inbound_folders.v[0], "INBOX");
	CU_ASSERT_FALSE(m->sent_folders_set);
	CU_ASSERT_EQUAL(m->poll_interval, 60);
	CU_ASSERT(m->idle);
	CU_ASSERT_STRING_EQUAL(cfg->db_conninfo, "");
	CU_ASSERT_EQUAL(cfg->defaults.thread_window, 14 * 86400);
	CU_ASSERT_EQUAL(cfg->defaults.unknown_senders, UNKNOWN_TRACK);
	CU_ASSERT_EQUAL(cfg->defaults.arrival_time, ARRIVAL_INTERNALDATE);
	CU_ASSERT_EQUAL(cfg->alerts.warn_before, 30 * 60);
	CU_ASSERT_PTR_NULL(cfg->alerts.command);
	CU_ASSERT_STRING_EQUAL(cfg->report.timezone, "UTC");
	CU_ASSERT_PTR_NULL(cfg->report.smtp_url);
	CU_ASSERT_PTR_NULL(cfg->resolution.resolved_keyword);
	CU_ASSERT_DOUBLE_EQUAL(cfg->policies[0].target_pct, 100.0, 1e-9);
	config_free(&cfg);

	/* starttls: port 143; smtps:// gives port 465 and TLS. */
	cfg = parse_ok(BASE "[mailbox m]\nhost = h\nsecurity = starttls\nusername = u\npassword_env = X\n"
			    "[report]\nsmtp_url = smtps://mail.example.com/\nfrom = a@example.com\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->mailboxes[0].port, 143);
	CU_ASSERT_EQUAL(cfg->report.smtp_port, 465);
	CU_ASSERT_EQUAL(cfg->report.smtp_security, SEC_TLS);
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_host, "mail.example.com");
	config_free(&cfg);

	/* Loopback SMTP without TLS, IPv6 literal with a port. */
	cfg = parse_ok(BASE "[report]\nsmtp_url = smtp://[::1]:2525\nsmtp_security = none\nfrom = a@example.com\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->report.smtp_host, "::1");
	CU_ASSERT_EQUAL(cfg->report.smtp_port, 2525);
	CU_ASSERT_EQUAL(cfg->report.smtp_security, SEC_NONE);
	config_free(&cfg);

	/* Empty optional values mean "not set". */
	cfg = parse_ok(BASE MBX "since =\nca_file =\n[report]\nsmtp_url =\nfrom =\nsmtp_username =\n"
			    "smtp_password_file =\n[alerts]\ncommand =\nto =\n[resolution]\nresolved_keyword =\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->mailboxes[0].since, 0);
	CU_ASSERT_PTR_NULL(cfg->mailboxes[0].ca_file);
	CU_ASSERT_PTR_NULL(cfg->report.smtp_url);
	CU_ASSERT_PTR_NULL(cfg->report.smtp_host);
	CU_ASSERT_PTR_NULL(cfg->report.from);
	CU_ASSERT_PTR_NULL(cfg->report.smtp_username);
	CU_ASSERT_EQUAL(cfg->report.smtp_password.kind, SECRET_NONE);
	CU_ASSERT_PTR_NULL(cfg->alerts.command);
	CU_ASSERT_EQUAL(cfg->alerts.to.n, 0);
	CU_ASSERT_PTR_NULL(cfg->resolution.resolved_keyword);
	config_free(&cfg);

	/* Only calendars (for `replyclock calendar`): no default policy needed. */
	cfg = parse_ok("[calendar c]\ntimezone = UTC\nhours = mon 00:00-24:00\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->calendars[0].hours[0].end_min, 1440);
	config_free(&cfg);
}

static void config__quotes_and_comments(void)
{
	struct config *cfg = parse_ok(
		BASE
		"[calendar q]\n"
		"timezone = UTC   ; comment\n"
		"hours = sun-mon 10:00-11:00\n"
		"ignore_events = \"a, b\", \"x # y\", \"q\\\"uote\", \"back\\\\slash\",plain#tag  # comment\n"
		"[policy r]\n"
		"calendar = q\n"
		"first_response = \"same-day 16:30\"\n"
		"breach_remedy = 10%; rebate, next month\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	const struct cfg_calendar *q = config_calendar(cfg, "q");
	CU_ASSERT_STRING_EQUAL(q->timezone, "UTC");
	CU_ASSERT_EQUAL(q->hours[0].days, 0x41); /* sun-mon wraps: Sunday and Monday */
	CU_ASSERT_EQUAL_FATAL(q->ignore_events.n, 5);
	CU_ASSERT_STRING_EQUAL(q->ignore_events.v[0], "a, b");
	CU_ASSERT_STRING_EQUAL(q->ignore_events.v[1], "x # y");
	CU_ASSERT_STRING_EQUAL(q->ignore_events.v[2], "q\"uote");
	CU_ASSERT_STRING_EQUAL(q->ignore_events.v[3], "back\\slash");
	CU_ASSERT_STRING_EQUAL(q->ignore_events.v[4], "plain#tag");
	const struct cfg_policy *r = config_policy(cfg, "r");
	CU_ASSERT_EQUAL(r->first_response.kind, TARGET_SAME_DAY);
	CU_ASSERT_EQUAL(r->first_response.hour, 16);
	CU_ASSERT_EQUAL(r->first_response.minute, 30);
	CU_ASSERT_STRING_EQUAL(r->breach_remedy, "10%; rebate, next month");
	config_free(&cfg);
}

struct bad_case {
	const char *label;
	const char *text;
	int line;            /* absolute when whole, else relative to the appended snippet */
	const char *want;
	bool whole;          /* text is the whole file, BASE not prepended */
};

static const struct bad_case bad_cases[] = {
	{ "unknown key", "[mailbox m]\nhots = x\n", 2, "unknown key 'hots' in [mailbox]; did you mean 'host'?", false },
	{ "unknown section", "[mailbx m]\n", 1, "unknown section [mailbx]; did you mean 'mailbox'?", false },
	{ "key in wrong section", "[alerts]\ntimezone = UTC\n", 2, "it goes in [calendar] or [report]", false },
	{ "misplaced not misspelt", "[customer x]\nmatch = @x.no\nto = a@x.no\n", 3,
	  "key 'to' does not belong in [customer]; it goes in [alerts] or [report]", false },
	{ "duplicate key", "[mailbox m]\nhost = a\nhost = b\n", 3, "duplicate key 'host' in [mailbox] (first set on line 12)", false },
	{ "duplicate named section", "[calendar c]\ntimezone = UTC\nhours = mon 08:00-09:00\n", 1,
	  "duplicate section [calendar c] (first defined on line 3)", false },
	{ "duplicate singleton", "[defaults]\n", 1, "duplicate section [defaults] (first on line 9)", false },
	{ "missing host", "[mailbox m]\nusername = u\npassword_env = X\n", 1, "[mailbox m] has no 'host'", false },
	{ "missing username", "[mailbox m]\nhost = h\npassword_env = X\n", 1, "[mailbox m] has no 'username'", false },
	{ "missing password", "[mailbox m]\nhost = h\nusername = u\n", 1, "has no password source", false },
	{ "two secret sources", "[mailbox m]\nhost = h\nusername = u\npassword_env = X\npassword_file = /x\n", 5,
	  "password_file conflicts with password_env on line 14", false },
	{ "password and oauth2", "[mailbox m]\nhost = h\nusername = u\npassword_env = X\noauth2_token_command = t\n", 5,
	  "keep one way to log in", false },
	{ "security none remote", "[mailbox m]\nhost = imap.example.com\nsecurity = none\nusername = u\npassword_env = X\n",
	  3, "loopback hosts only, not 'imap.example.com'", false },
	{ "port range", "[mailbox m]\nport = 70000\n", 2, "bad port '70000'", false },
	{ "port zero", "[mailbox m]\nport = 0\n", 2, "bad port '0'", false },
	{ "bad enum security", "[mailbox m]\nsecurity = ssl\n", 2, "bad security 'ssl'; write tls, starttls or none", false },
	{ "bad boolean", "[mailbox m]\nidle = maybe\n", 2, "bad idle 'maybe'; write yes or no", false },
	{ "bad date", "[mailbox m]\nsince = 2026-02-30\n", 2, "bad date '2026-02-30'", false },
	{ "duration with words", "[mailbox m]\npoll_interval = 4 hours\n", 2, "bad duration '4 hours'", false },
	{ "zero interval", "[mailbox m]\npoll_interval = 0s\n", 2, "poll_interval must be more than zero", false },
	{ "no folder", MBX "inbound_folders =\nsent_folders =\n", 1, "[mailbox m] has no folder to read", false },
	{ "negative target", "[policy q]\ncalendar = c\nfirst_response = -1h\n", 3, "bad target '-1h'", false },
	{ "zero target", "[policy q]\ncalendar = c\nfirst_response = 0h\n", 3, "target '0h' is zero", false },
	{ "bad same-day", "[policy q]\ncalendar = c\nfirst_response = same-day 25:00\n", 3, "bad cut-off in 'same-day 25:00'", false },
	{ "target over 100", "[policy q]\ntarget = 101%\n", 2, "bad percentage '101%'", false },
	{ "target without %", "[policy q]\ntarget = 95\n", 2, "bad percentage '95'", false },
	{ "missing first_response", "[policy q]\ncalendar = c\n", 1, "[policy q] has no 'first_response'", false },
	{ "undefined calendar", "[policy q]\ncalendar = nope\nfirst_response = 1h\n", 2,
	  "policy 'q' uses calendar 'nope', which is not defined", false },
	{ "undefined policy", "[customer x]\nmatch = @x.no\npolicy = gold\n", 3, "customer 'x' uses policy 'gold'", false },
	{ "unknown time zone", "[calendar d]\ntimezone = Mars/Olympus\n", 2, "unknown time zone 'Mars/Olympus'", false },
	{ "missing hours", "[calendar d]\ntimezone = UTC\n", 1, "[calendar d] has no 'hours'", false },
	{ "hours reversed", "[calendar d]\nhours = mon-fri 16:00-08:00\n", 2, "ends before it starts", false },
	{ "hours bad day", "[calendar d]\nhours = mo-fr 08:00-16:00\n", 2, "bad days in 'mo-fr 08:00-16:00'", false },
	{ "hours bad time", "[calendar d]\nhours = mon 8:00-16:00\n", 2, "bad time range", false },
	{ "bad address", "[customer x]\nmatch = acme.no\n", 2, "'acme.no' is not an address", false },
	{ "customer is team", "[customer x]\nmatch = @acme.no, Support@Example.com\n", 2,
	  "customer 'x' matches 'support@example.com', which is a team address", false },
	{ "customer inside team domain", "[customer x]\nmatch = bob@example.com\n", 2, "which is a team address ([team] @example.com)", false },
	{ "two customers one address", "[customer x]\nmatch = @x.no\n[customer y]\nmatch = @x.no\n", 4,
	  "'@x.no' is matched by customers 'x' and 'y'", false },
	{ "missing match", "[customer x]\npolicy = p\n", 1, "[customer x] has no 'match'", false },
	{ "reserved customer", "[customer unassigned]\n", 1, "reserved for unknown senders", false },
	{ "bad keyword", "[resolution]\nresolved_keyword = a b\n", 2, "is not an IMAP keyword", false },
	{ "bad unknown_senders", "unknown_senders = maybe\n", 1, "bad unknown_senders 'maybe'; write track or ignore", false },
	{ "bad arrival_time", "arrival_time = header\n", 1, "bad arrival_time 'header'; write internaldate or date", false },
	{ "zero thread_window", "thread_window = 0d\n", 1, "thread_window must be more than zero", false },
	{ "smtp url scheme", "[report]\nsmtp_url = http://mail.example.com\n", 2, "smtp_url: 'http://mail.example.com' must start with smtp:// (STARTTLS) or smtps://", false },
	{ "smtp url credentials", "[report]\nsmtp_url = smtp://u:pw@mail.example.com\n", 2, "smtp_url: the URL must not contain a user name", false },
	{ "smtps with starttls", "[report]\nsmtp_url = smtps://m.example.com\nsmtp_security = starttls\nfrom = a@b.no\n", 3,
	  "smtps:// means TLS", false },
	{ "smtp none remote", "[report]\nsmtp_url = smtp://m.example.com\nsmtp_security = none\nfrom = a@b.no\n", 3,
	  "loopback hosts only", false },
	{ "report without from", "[report]\nsmtp_url = smtp://m.example.com\n", 1, "has smtp_url but no from", false },
	{ "smtp user without password", "[report]\nsmtp_url = smtp://m.example.com\nfrom = a@b.no\nsmtp_username = u\n", 1,
	  "smtp_username but no password", false },
	{ "bad from", "[report]\nfrom = SLA <sla>\n", 2, "from: 'sla' is not an address", false },
	{ "bad alert address", "[alerts]\nto = oncall\n", 2, "to: 'oncall' is not an address", false },
	{ "missing closing quote", "[alerts]\ncommand = \"abc\n", 2, "missing closing quote", false },
	{ "text after quote", "[alerts]\ncommand = \"abc\" def\n", 2, "text after the closing quote", false },
	{ "empty list item", "[resolution]\nresolved_folders = a,,b\n", 2, "empty item in a comma-separated list", false },
	{ "trailing comma", "[resolution]\nresolved_folders = a, b,\n", 2, "empty item", false },
	{ "line without =", "[alerts]\nwarn_before 30m\n", 2, "line without '='", false },
	{ "section typo", "[alerts]\n[defaults2]\n", 2, "unknown section [defaults2]; did you mean 'defaults'?", false },
	{ "non-utf8", "[alerts]\nto = caf\xe9@example.com\n", 2, "not UTF-8", false },
	{ "named singleton", "[team x]\n", 1, "[team] takes no name", false },
	{ "unnamed mailbox", "[mailbox]\n", 1, "[mailbox] needs a name", false },
	{ "bad header", "[alerts\n", 1, "section header without ']'", false },
	{ "empty host", "[mailbox m]\nhost =\n", 2, "host is empty", false },
	{ "bad section name", "[customer a/b]\n", 1, "bad name 'a/b' for [customer]", false },
	{ "long key", "[alerts]\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n", 2,
	  "bad key name before '='", false },
	{ "key outside section", "host = x\n[team]\n", 1, "key 'host' outside any section", true },
	{ "customer without policy", "[calendar c]\ntimezone = UTC\nhours = mon 08:00-09:00\n[policy p]\ncalendar = c\n"
	  "first_response = 1h\n[customer x]\nmatch = @x.no\n", 7, "customer 'x' has no policy and [defaults] names none", true },
	{ "tracked without default", "[calendar c]\ntimezone = UTC\nhours = mon 08:00-09:00\n[defaults]\nthread_window = 1d\n"
	  MBX, 4, "unknown senders are tracked", true },
	{ "tracked no defaults section", MBX, 1, "[defaults] has no policy", true },
	{ "default policy undefined", "[defaults]\npolicy = gold\n", 2, "[defaults] policy 'gold' is not defined", true },
};

static void config__bad_files(void)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *bc = &bad_cases[i];
		char *text = bc->whole ? xstrdup(bc->text) : xasprintf("%s%s", BASE, bc->text);
		int line = bc->whole || bc->line == 0 ? bc->line : BASE_LINES + bc->line;
		expect_error(bc->label, text, line, bc->want);
		free(text);
	}
}

/* An extra calendar that no policy uses is fine. */
static void config__calendar_only_ok(void)
{
	struct config *cfg = parse_ok(BASE "[calendar d]\ntimezone = UTC\nhours = mon 08:00-09:00\n");
	CU_ASSERT_EQUAL(cfg ? cfg->n_calendars : 0, 2);
	config_free(&cfg);
}

static void config__value_too_long(void)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_appendf(&b, "%s[alerts]\ncommand = ", BASE);
	for (int i = 0; i < 4097; i++)
		strbuf_append(&b, "x", 1);
	strbuf_append(&b, "\n", 1);
	expect_error("too long", b.s, BASE_LINES + 2, "value of 'command' is too long (more than 4096 bytes)");
	/* Exactly 4096 bytes is accepted. */
	b.s[b.len - 2] = '\n';
	b.s[b.len - 1] = '\0';
	struct config *cfg = parse_ok(b.s);
	CU_ASSERT_EQUAL(cfg ? strlen(cfg->alerts.command) : 0, 4096);
	config_free(&cfg);
	strbuf_free(&b);
}

static void config__suggestions(void)
{
	expect_error("hots", BASE "[mailbox m]\nhots = imap\n", BASE_LINES + 2, "did you mean 'host'?");
	expect_error("pasword", BASE "[mailbox m]\npasword_file = /x\n", BASE_LINES + 2, "did you mean 'password_file'?");
	expect_error("timezon", BASE "[calendar d]\ntimezon = UTC\n", BASE_LINES + 2, "did you mean 'timezone'?");
	expect_error("calender", BASE "[calender d]\n", BASE_LINES + 1, "did you mean 'calendar'?");
	expect_error("prefix", BASE "[mailbox m]\ninbound = INBOX\n", BASE_LINES + 2, "did you mean 'inbound_folders'?");
	/* Nothing close: no suggestion at all. */
	char *err = NULL;
	struct config *cfg = config_parse(BASE "[mailbox m]\nxyzzy = 1\n", "t.conf", &err);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NULL(strstr(err, "did you mean"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'xyzzy' in [mailbox]"));
	free(err);
}

static void config__durations(void)
{
	static const struct { const char *s; long want; } rows[] = {
		{ "4h", 14400 }, { "90m", 5400 }, { "2h30m", 9000 }, { "45s", 45 }, { "14d", 1209600 },
		{ "1d2h", 93600 }, { "1d2h3m4s", 93784 }, { "0h", 0 }, { "0s", 0 }, { "60s", 60 },
		{ "4 hours", -1 }, { "-1h", -1 }, { "", -1 }, { "4", -1 }, { "h", -1 }, { "30m2h", -1 },
		{ "4h4h", -1 }, { "4H", -1 }, { " 4h", -1 }, { "4h ", -1 }, { "1.5h", -1 }, { "+4h", -1 },
		{ "99999999999d", -1 }, { "4w", -1 }, { "3651d", -1 }, { "3650d", 3650L * 86400 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		long got = config_parse_duration(rows[i].s);
		if (got != rows[i].want)
			fprintf(stderr, "\nduration '%s': got %ld want %ld\n", rows[i].s, got, rows[i].want);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
	CU_ASSERT_EQUAL(config_parse_duration(NULL), -1);
}

static void config__hours(void)
{
	static const struct {
		const char *s;
		size_t n;
		struct hours_interval first, last;
		const char *err;
	} rows[] = {
		{ "mon-fri 08:00-16:00", 1, { 0x1f, 480, 960 }, { 0x1f, 480, 960 }, NULL },
		{ "mon-thu 08:00-16:00, fri 08:00-15:00, sat 10:00-13:00", 3, { 0x0f, 480, 960 }, { 0x20, 600, 780 }, NULL },
		{ "sat-sun 00:00-24:00", 1, { 0x60, 0, 1440 }, { 0x60, 0, 1440 }, NULL },
		{ "fri-mon 09:00-10:00", 1, { 0x71, 540, 600 }, { 0x71, 540, 600 }, NULL },
		{ "MON 09:05-09:06", 1, { 0x01, 545, 546 }, { 0x01, 545, 546 }, NULL },
		{ "mon-fri 08:00-12:00 13:00-16:00", 2, { 0x1f, 480, 720 }, { 0x1f, 780, 960 }, NULL },
		{ "wed 23:59-24:00", 1, { 0x04, 1439, 1440 }, { 0x04, 1439, 1440 }, NULL },
		{ "mon 08:00-08:00", 0, { 0 }, { 0 }, "ends before it starts" },
		{ "mon 22:00-06:00", 0, { 0 }, { 0 }, "written as two" },
		{ "mon 24:00-24:00", 0, { 0 }, { 0 }, "bad time range" },
		{ "mon 08:00-24:01", 0, { 0 }, { 0 }, "bad time range" },
		{ "mon 08:60-09:00", 0, { 0 }, { 0 }, "bad time range" },
		{ "mon 8-16", 0, { 0 }, { 0 }, "bad time range" },
		{ "monday 08:00-16:00", 0, { 0 }, { 0 }, "bad days" },
		{ "mon-xyz 08:00-16:00", 0, { 0 }, { 0 }, "bad days" },
		{ "mon", 0, { 0 }, { 0 }, "no time range" },
		{ "08:00-16:00", 0, { 0 }, { 0 }, "bad days" },
		{ "", 0, { 0 }, { 0 }, "no open hours" },
		/* overlaps are kept for the calendar to merge (SPEC 4.5) */
		{ "mon-wed 08:00-12:00, wed 11:00-13:00", 2, { 0x07, 480, 720 }, { 0x04, 660, 780 }, NULL },
		{ "mon-fri 08:00-12:00, mon-fri 12:00-16:00", 2, { 0x1f, 480, 720 }, { 0x1f, 720, 960 }, NULL },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct hours_interval *v = NULL;
		size_t n = 0;
		char *err = NULL;
		int r = config_parse_hours(rows[i].s, &v, &n, &err);
		if (rows[i].err) {
			CU_ASSERT_EQUAL(r, -1);
			int ok = err && strstr(err, rows[i].err);
			if (!ok)
				fprintf(stderr, "\nhours '%s': want error '%s', got '%s'\n", rows[i].s, rows[i].err,
					err ? err : "(none)");
			CU_ASSERT(ok);
		} else {
			CU_ASSERT_EQUAL_FATAL(r, 0);
			CU_ASSERT_EQUAL_FATAL(n, rows[i].n);
			CU_ASSERT_EQUAL(v[0].days, rows[i].first.days);
			CU_ASSERT_EQUAL(v[0].start_min, rows[i].first.start_min);
			CU_ASSERT_EQUAL(v[0].end_min, rows[i].first.end_min);
			CU_ASSERT_EQUAL(v[n - 1].days, rows[i].last.days);
			CU_ASSERT_EQUAL(v[n - 1].start_min, rows[i].last.start_min);
			CU_ASSERT_EQUAL(v[n - 1].end_min, rows[i].last.end_min);
		}
		free(v);
		free(err);
	}
}

static void config__targets_and_values(void)
{
	static const struct { const char *v; bool ok; int kind; long secs; int h, m; } rows[] = {
		{ "4h", true, TARGET_DURATION, 14400, 0, 0 },
		{ "same-day 12:00", true, TARGET_SAME_DAY, 0, 12, 0 },
		{ "same-day  09:30", true, TARGET_SAME_DAY, 0, 9, 30 },
		{ "same-day 24:00", true, TARGET_SAME_DAY, 0, 24, 0 },
		{ "same-day 00:00", false, 0, 0, 0, 0 },
		{ "same-day", false, 0, 0, 0, 0 },
		{ "same-day12:00", false, 0, 0, 0, 0 },
		{ "next-day 12:00", false, 0, 0, 0, 0 },
		{ "4 hours", false, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *text = xasprintf("%s[policy q]\ncalendar = c\nfirst_response = %s\n", BASE, rows[i].v);
		char *err = NULL;
		struct config *cfg = config_parse(text, "t.conf", &err);
		CU_ASSERT_EQUAL(cfg != NULL, rows[i].ok);
		if (cfg) {
			const struct cfg_policy *q = config_policy(cfg, "q");
			CU_ASSERT_EQUAL(q->first_response.kind, rows[i].kind);
			CU_ASSERT_EQUAL(q->first_response.seconds, rows[i].secs);
			CU_ASSERT_EQUAL(q->first_response.hour, rows[i].h);
			CU_ASSERT_EQUAL(q->first_response.minute, rows[i].m);
		} else {
			CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "t.conf:13: ") : NULL);
		}
		config_free(&cfg);
		free(err);
		free(text);
	}
	/* Booleans and percentages. */
	static const char *const bools[] = { "yes", "no", "true", "false", "on", "off", "1", "0", "YES" };
	for (size_t i = 0; i < 9; i++) {
		char *text = xasprintf("%s%sidle = %s\n", BASE, MBX, bools[i]);
		struct config *cfg = parse_ok(text);
		CU_ASSERT_EQUAL(cfg ? cfg->mailboxes[0].idle : -1, i % 2 == 0);
		config_free(&cfg);
		free(text);
	}
	static const struct { const char *v; double pct; } pcts[] = { { "0%", 0 }, { "99.5%", 99.5 }, { "100%", 100 } };
	for (size_t i = 0; i < 3; i++) {
		char *text = xasprintf("%s[policy q]\ncalendar = c\nfirst_response = 1h\ntarget = %s\n", BASE, pcts[i].v);
		struct config *cfg = parse_ok(text);
		CU_ASSERT_DOUBLE_EQUAL(cfg ? config_policy(cfg, "q")->target_pct : -1, pcts[i].pct, 1e-9);
		config_free(&cfg);
		free(text);
	}
	/* Loopback hosts that allow security = none. */
	static const char *const loop[] = { "localhost", "127.0.0.1", "127.1.2.3", "::1" };
	for (size_t i = 0; i < 4; i++) {
		char *text = xasprintf("%s[mailbox m]\nhost = %s\nsecurity = none\nusername = u\npassword_env = X\n",
				       BASE, loop[i]);
		struct config *cfg = parse_ok(text);
		CU_ASSERT_EQUAL(cfg ? cfg->mailboxes[0].port : 0, 143);
		config_free(&cfg);
		free(text);
	}
	expect_error("128.0.0.1", BASE "[mailbox m]\nhost = 128.0.0.1\nsecurity = none\nusername = u\npassword_env = X\n",
		     BASE_LINES + 3, "loopback hosts only");
}

static void config__load_file_errors(void)
{
	char *err = NULL;
	struct config *cfg = config_load("/nonexistent/replyclock.conf", &err);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/replyclock.conf: cannot open the configuration file"));
	free(err);
	err = NULL;

	static const char nul[] = "[team]\naddresses = a@b.no\n[alerts]\nto = x\0y@b.no\n";
	char *path = write_file("nul.conf", nul, sizeof nul - 1, 0644);
	cfg = config_load(path, &err);
	CU_ASSERT_PTR_NULL(cfg);
	char *want = xasprintf("%s:4: NUL byte", path);
	CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, want) : NULL);
	free(want);
	free(err);
	err = NULL;
	unlink(path);
	free(path);

	/* The digest is SHA-256 of the bytes, the same via a file or a string. */
	static const char small[] = "[database]\nconninfo = dbname=x\n";
	path = write_file("small.conf", small, sizeof small - 1, 0644);
	cfg = config_load(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	/* sha256sum of those bytes */
	CU_ASSERT_STRING_EQUAL(cfg->digest, "9d41cedec81ae228c21862cc87c8950d6aa895c9d599aac536752e001be0f783");
	CU_ASSERT_STRING_EQUAL(cfg->db_conninfo, "dbname=x");
	config_free(&cfg);
	cfg = config_parse(small, "x", &err);
	CU_ASSERT_STRING_EQUAL(cfg->digest, "9d41cedec81ae228c21862cc87c8950d6aa895c9d599aac536752e001be0f783");
	config_free(&cfg);
	unlink(path);
	free(path);

	/* A directory is not a configuration file. */
	cfg = config_load(tmpdir, &err);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "not a regular file") : NULL);
	free(err);
}

static void config__example_file_parses(void)
{
	char *err = NULL;
	struct config *cfg = config_load("contrib/replyclock.conf.example", &err);
	if (!cfg)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(cfg->n_mailboxes, 2);
	CU_ASSERT_EQUAL(cfg->n_calendars, 2);
	CU_ASSERT_EQUAL(cfg->n_policies, 2);
	CU_ASSERT_EQUAL(cfg->n_customers, 2);
	const struct cfg_mailbox *kari = config_mailbox(cfg, "kari");
	CU_ASSERT_PTR_NOT_NULL_FATAL(kari);
	CU_ASSERT_EQUAL(kari->inbound_folders.n, 0);
	CU_ASSERT_STRING_EQUAL(kari->sent_folders.v[0], "Sent Items");
	CU_ASSERT_EQUAL(kari->port, 143);
	const struct cfg_customer *acme = config_customer(cfg, "acme");
	CU_ASSERT_PTR_NOT_NULL_FATAL(acme);
	CU_ASSERT_STRING_EQUAL(acme->pol->name, "standard");
	CU_ASSERT_STRING_EQUAL(acme->pol->cal->timezone, "Europe/Oslo");
	CU_ASSERT_EQUAL(config_calendar(cfg, "london")->n_hours, 2);
	CU_ASSERT_EQUAL(cfg->report.smtp_port, 587);
	CU_ASSERT_PTR_NULL(cfg->report.smtp_username);
	CU_ASSERT_EQUAL(cfg->report.smtp_password.kind, SECRET_NONE);
	CU_ASSERT_PTR_NULL(cfg->alerts.command);
	config_free(&cfg);
}

/* Resolves ref, expects failure whose message has `want` and lacks `secret`. */
static void expect_secret_error(const struct config *cfg, const struct secret_ref *ref, const char *want,
				const char *secret)
{
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(secret_resolve(cfg, ref, &out, &err), -1);
	CU_ASSERT_PTR_NULL(out);
	free(out);
	int ok = err && strstr(err, want) && strstr(err, "t.conf:7: ");
	if (!ok)
		fprintf(stderr, "\nsecret: want '%s', got '%s'\n", want, err ? err : "(none)");
	CU_ASSERT(ok);
	if (secret)
		CU_ASSERT_PTR_NULL(err ? strstr(err, secret) : NULL);
	free(err);
}

static char *resolve_ok(const struct config *cfg, const struct secret_ref *ref)
{
	char *out = NULL, *err = NULL;
	int r = secret_resolve(cfg, ref, &out, &err);
	if (r)
		fprintf(stderr, "\nsecret error: %s\n", err);
	CU_ASSERT_EQUAL(r, 0);
	free(err);
	return out;
}

static void config__secrets(void)
{
	struct config cfg = { .path = "t.conf" };
	struct secret_ref ref = { .kind = SECRET_FILE, .line = 7, .key = "password_file" };

	char *p644 = write_file("open.password", "topsecret\n", 10, 0644);
	ref.value = p644;
	expect_secret_error(&cfg, &ref, "is readable by group or others", "topsecret");
	char *want = xasprintf("chmod 600 %s", p644);
	expect_secret_error(&cfg, &ref, want, "topsecret");
	free(want);
	char *p640 = write_file("group.password", "topsecret\n", 10, 0640);
	ref.value = p640;
	expect_secret_error(&cfg, &ref, "mode 0640", "topsecret");

	static const struct { const char *content; const char *want; } files[] = {
		{ "topsecret\n", "topsecret" }, { "topsecret", "topsecret" }, { "top secret \n\n", "top secret \n" },
		{ "crlf\r\n", "crlf\r" }, { " lead", " lead" },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = write_file("ok.password", files[i].content, strlen(files[i].content), 0600);
		ref.value = p;
		char *got = resolve_ok(&cfg, &ref);
		CU_ASSERT_STRING_EQUAL(got ? got : "", files[i].want);
		free(got);
		unlink(p);
		free(p);
	}
	char *pempty = write_file("empty.password", "\n", 1, 0600);
	ref.value = pempty;
	expect_secret_error(&cfg, &ref, "the secret is empty", NULL);
	ref.value = "/nonexistent/pw";
	expect_secret_error(&cfg, &ref, "cannot open /nonexistent/pw", NULL);

	ref.kind = SECRET_ENV;
	ref.key = "password_env";
	setenv("RC_TEST_SECRET", "envsecret", 1);
	ref.value = "RC_TEST_SECRET";
	char *got = resolve_ok(&cfg, &ref);
	CU_ASSERT_STRING_EQUAL(got ? got : "", "envsecret");
	free(got);
	setenv("RC_TEST_SECRET", "", 1);
	expect_secret_error(&cfg, &ref, "environment variable RC_TEST_SECRET is empty", NULL);
	unsetenv("RC_TEST_SECRET");
	expect_secret_error(&cfg, &ref, "environment variable RC_TEST_SECRET is not set", NULL);

	ref.kind = SECRET_COMMAND;
	ref.key = "password_command";
	ref.value = "printf 'cmdsecret\\n'";
	got = resolve_ok(&cfg, &ref);
	CU_ASSERT_STRING_EQUAL(got ? got : "", "cmdsecret");
	free(got);
	ref.value = "echo topsecret; exit 3";
	expect_secret_error(&cfg, &ref, "password_command: the command exited with status 3", "topsecret");
	ref.value = "true";
	expect_secret_error(&cfg, &ref, "the command printed nothing", NULL);
	ref.value = "kill -9 $$";
	expect_secret_error(&cfg, &ref, "killed by signal 9", NULL);
	ref.value = "head -c 70000 /dev/zero | tr '\\0' x";
	expect_secret_error(&cfg, &ref, "printed more than 65536 bytes", NULL);

	unlink(p644);
	unlink(p640);
	unlink(pempty);
	free(p644);
	free(p640);
	free(pempty);
}

/* A secret typed into the file by mistake is never echoed back. */
static void config__secret_never_in_errors(void)
{
	static const char *const texts[] = {
		BASE "[mailbox m]\npassword = hunter2secret\n",
		BASE "[mailbox m]\nhunter2secret\n",
		BASE "[mailbox m]\nhunter2secret # x = 1\n",
		BASE "[report]\nsmtp_password = hunter2secret\n",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *err = NULL;
		struct config *cfg = config_parse(texts[i], "t.conf", &err);
		CU_ASSERT_PTR_NULL(cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:12: "));
		CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
		free(err);
	}
}

static void config__crlf_and_bom(void)
{
	struct config *cfg = parse_ok("\xef\xbb\xbf[database]\r\nconninfo = dbname=x\r\n[alerts]\r\nto = a@b.no, c@d.no\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_STRING_EQUAL(cfg->db_conninfo, "dbname=x");
	CU_ASSERT_EQUAL_FATAL(cfg->alerts.to.n, 2);
	CU_ASSERT_STRING_EQUAL(cfg->alerts.to.v[1], "c@d.no");
	config_free(&cfg);
	/* UTF-8 is fine in values. */
	cfg = parse_ok(BASE "[customer x]\nname = Bl\xc3\xa5" "b\xc3\xa6r AS\nmatch = @x.no\n");
	CU_ASSERT_STRING_EQUAL(cfg ? cfg->customers[0].display_name : "", "Bl\xc3\xa5" "b\xc3\xa6r AS");
	config_free(&cfg);
	/* Overlong encodings and surrogates are not UTF-8. */
	expect_error("overlong", BASE "[alerts]\ncommand = \xc0\xaf\n", BASE_LINES + 2, "not UTF-8");
	expect_error("surrogate", BASE "[alerts]\ncommand = \xed\xa0\x80\n", BASE_LINES + 2, "not UTF-8");
}

struct captured {
	struct strbuf all;
	int lines;
};

static void capture_sink(enum log_level lvl, const char *line, void *ud)
{
	struct captured *c = ud;
	(void)lvl;
	strbuf_appendf(&c->all, "%s\n", line);
	c->lines++;
}

/* What `-c FILE` does with a bad file: one logged line naming FILE:LINE,
 * exit code 78, and never the secret that was typed into the file. */
static void config__cli_exit_78_no_secret_logged(void)
{
	static const char text[] = "[mailbox m]\nhost = h\nusername = u\npassword = hunter2secret\n";
	char *path = write_file("bad.conf", text, sizeof text - 1, 0600);
	struct captured cap = { .lines = 0 };
	strbuf_init(&cap.all, 0);
	log_set_sink(capture_sink, &cap);
	struct cli cli = { .config_path = path, .verbosity = 0 };
	int code = 0;
	struct config *cfg = cli_load_config(&cli, &code);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(code, 78);
	CU_ASSERT_EQUAL(cap.lines, 1);
	char *want = xasprintf("%s:4: unknown key 'password' in [mailbox]; did you mean 'password_file'?", path);
	CU_ASSERT_PTR_NOT_NULL(cap.all.s ? strstr(cap.all.s, want) : NULL);
	free(want);

	/* Resolving secrets logs nothing, and failures do not carry the secret. */
	struct config fake = { .path = path };
	struct secret_ref ref = { .kind = SECRET_COMMAND, .value = "echo hunter2secret; exit 1", .line = 4,
				  .key = "password_command" };
	char *out = NULL, *err = NULL;
	CU_ASSERT_EQUAL(secret_resolve(&fake, &ref, &out, &err), -1);
	CU_ASSERT_PTR_NULL(err ? strstr(err, "hunter2") : (char *)1);
	free(err);
	ref.value = "echo hunter2secret";
	CU_ASSERT_EQUAL(secret_resolve(&fake, &ref, &out, &err), 0);
	free(out);
	log_set_sink(NULL, NULL);
	CU_ASSERT_EQUAL(cap.lines, 1);
	CU_ASSERT_PTR_NULL(strstr(cap.all.s ? cap.all.s : "", "hunter2"));
	strbuf_free(&cap.all);
	unlink(path);
	free(path);
}

/* Random edits of the example file: every result is a config or one
 * "FILE:..." line, never a crash (run this suite under ASan too). */
static void config__mutations_never_crash(void)
{
	FILE *f = fopen("contrib/replyclock.conf.example", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char base[16384];
	size_t len = fread(base, 1, sizeof base - 1, f);
	fclose(f);
	base[len] = '\0';
	static const char pool[] = "[]=,\"#;\\ \n\t@:-0123456789abchms%\xc3\xff";
	unsigned seed = 12345;
	int ok = 0, bad = 0;
	for (int i = 0; i < 3000; i++) {
		char text[sizeof base];
		memcpy(text, base, len + 1);
		int edits = 1 + rand_r(&seed) % 4;
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)rand_r(&seed) % len;
			char c = pool[(size_t)rand_r(&seed) % (sizeof pool - 1)];
			if (rand_r(&seed) % 3 == 0)
				memmove(text + at, text + at + 1, len - at); /* delete a byte */
			else
				text[at] = c;
		}
		char *err = NULL;
		struct config *cfg = config_parse(text, "m.conf", &err);
		CU_ASSERT((cfg == NULL) != (err == NULL));
		if (err) {
			CU_ASSERT_EQUAL(strncmp(err, "m.conf:", 7), 0);
			CU_ASSERT_PTR_NULL(strchr(err, '\n'));
			bad++;
		} else {
			ok++;
		}
		config_free(&cfg);
		free(err);
	}
	CU_ASSERT(bad > 1000); /* the edits do break most files... */
	CU_ASSERT(ok > 0);     /* ...but not all (e.g. inside comments) */
}

/* The README's short configuration must stay a valid file. */
static void config__readme_example_parses(void)
{
	FILE *f = fopen("README.md", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct strbuf ini;
	strbuf_init(&ini, 0);
	char line[1024];
	int in_block = 0, blocks = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "```ini", 6)) {
			in_block = 1;
			blocks++;
		} else if (!strncmp(line, "```", 3)) {
			in_block = 0;
		} else if (in_block) {
			strbuf_append(&ini, line, strlen(line));
		}
	}
	fclose(f);
	CU_ASSERT_EQUAL(blocks, 1);
	char *err = NULL;
	struct config *cfg = config_parse(ini.s ? ini.s : "", "README.md", &err);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	if (!cfg)
		fprintf(stderr, "README config: %s\n", err);
	else
		CU_ASSERT_EQUAL(cfg->n_customers, 1);
	config_free(&cfg);
	free(err);
	strbuf_free(&ini);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/rc-config-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "config__full_file_every_field", config__full_file_every_field);
	CU_add_test(s, "config__defaults", config__defaults);
	CU_add_test(s, "config__quotes_and_comments", config__quotes_and_comments);
	CU_add_test(s, "config__bad_files", config__bad_files);
	CU_add_test(s, "config__calendar_only_ok", config__calendar_only_ok);
	CU_add_test(s, "config__value_too_long", config__value_too_long);
	CU_add_test(s, "config__suggestions", config__suggestions);
	CU_add_test(s, "config__durations", config__durations);
	CU_add_test(s, "config__hours", config__hours);
	CU_add_test(s, "config__targets_and_values", config__targets_and_values);
	CU_add_test(s, "config__load_file_errors", config__load_file_errors);
	CU_add_test(s, "config__example_file_parses", config__example_file_parses);
	CU_add_test(s, "config__secrets", config__secrets);
	CU_add_test(s, "config__secret_never_in_errors", config__secret_never_in_errors);
	CU_add_test(s, "config__crlf_and_bom", config__crlf_and_bom);
	CU_add_test(s, "config__mutations_never_crash", config__mutations_never_crash);
	CU_add_test(s, "config__cli_exit_78_no_secret_logged", config__cli_exit_78_no_secret_logged);
	CU_add_test(s, "config__readme_example_parses", config__readme_example_parses);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	rmdir(tmpdir);
	return failures ? 1 : 0;
}
