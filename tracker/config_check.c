/* Rules that span sections, checked once the whole configuration is read:
 * references between sections, the default policy, address overlaps, and
 * the SMTP settings of [report]. */
#include "tracker/config_p.h"
#include "tracker/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cfg_end_report(struct cfg_parser *p, int security_line)
{
	struct config *cfg = p->cfg;
	if (!cfg->report.smtp_url) {
		if (security_line || cfg->report.smtp_username || cfg->report.smtp_password.kind) {
			cfg_error(p, p->sec_line, "[report] has SMTP settings but no smtp_url; add smtp_url = "
				  "smtp://host or remove them");
			return -1;
		}
		return 0;
	}
	bool implicit = strncasecmp(cfg->report.smtp_url, "smtps://", 8) == 0;
	if (!security_line)
		cfg->report.smtp_security = implicit ? SEC_TLS : SEC_STARTTLS;
	else if (implicit && cfg->report.smtp_security != SEC_TLS) {
		cfg_error(p, security_line, "smtps:// means TLS from the start; use smtp_security = tls or "
			  "an smtp:// URL");
		return -1;
	}
	if (cfg->report.smtp_security == SEC_NONE && !cv_is_loopback(cfg->report.smtp_host)) {
		cfg_error(p, security_line, "smtp_security = none is allowed for loopback hosts only, not '%s'; "
			  "use starttls or tls", cfg->report.smtp_host);
		return -1;
	}
	if (!cfg->report.smtp_port)
		cfg->report.smtp_port = cfg->report.smtp_security == SEC_TLS ? 465 : 587;
	if (cfg->report.smtp_username && !cfg->report.smtp_password.kind) {
		cfg_error(p, p->sec_line, "[report] has smtp_username but no password; add "
			  "smtp_password_file, smtp_password_env or smtp_password_command");
		return -1;
	}
	if (!cfg->report.smtp_username && cfg->report.smtp_password.kind) {
		cfg_error(p, cfg->report.smtp_password.line, "%s is set but smtp_username is empty; add "
			  "smtp_username", cfg->report.smtp_password.key);
		return -1;
	}
	if (!cfg->report.from) {
		cfg_error(p, p->sec_line, "[report] has smtp_url but no from; add from = Name <address>");
		return -1;
	}
	return 0;
}

static int resolve_refs(struct cfg_parser *p)
{
	struct config *cfg = p->cfg;
	for (size_t i = 0; i < cfg->n_policies; i++) {
		struct cfg_policy *po = &cfg->policies[i];
		po->cal = config_calendar(cfg, po->calendar);
		if (!po->cal) {
			cfg_error(p, po->calendar_line, "policy '%s' uses calendar '%s', which is not defined; "
				  "add [calendar %s] or fix the name", po->name, po->calendar, po->calendar);
			return -1;
		}
	}
	if (cfg->defaults.policy) {
		cfg->defaults.pol = config_policy(cfg, cfg->defaults.policy);
		if (!cfg->defaults.pol) {
			cfg_error(p, cfg->defaults.policy_line, "[defaults] policy '%s' is not defined; add "
				  "[policy %s] or fix the name", cfg->defaults.policy, cfg->defaults.policy);
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_customers; i++) {
		struct cfg_customer *c = &cfg->customers[i];
		if (!c->policy) {
			c->pol = cfg->defaults.pol;
			if (!c->pol) {
				cfg_error(p, c->line, "customer '%s' has no policy and [defaults] names none; add "
					  "policy = NAME here or under [defaults]", c->name);
				return -1;
			}
			continue;
		}
		c->pol = config_policy(cfg, c->policy);
		if (!c->pol) {
			cfg_error(p, c->policy_line, "customer '%s' uses policy '%s', which is not defined; add "
				  "[policy %s] or fix the name", c->name, c->policy, c->policy);
			return -1;
		}
	}
	return 0;
}

/* True when address list entry `team` covers customer entry `cust`: the same
 * entry, or an exact customer address inside a team @domain. */
static bool covers(const char *team, const char *cust)
{
	if (strcmp(team, cust) == 0)
		return true;
	if (team[0] == '@' && cust[0] != '@') {
		const char *at = strchr(cust, '@');
		return at && strcmp(at, team) == 0;
	}
	return false;
}

static int check_matches(struct cfg_parser *p)
{
	struct config *cfg = p->cfg;
	for (size_t i = 0; i < cfg->n_customers; i++) {
		const struct cfg_customer *c = &cfg->customers[i];
		for (size_t m = 0; m < c->match.n; m++) {
			const char *a = c->match.v[m];
			for (size_t t = 0; t < cfg->team_addresses.n; t++)
				if (covers(cfg->team_addresses.v[t], a)) {
					cfg_error(p, c->match_line, "customer '%s' matches '%s', which is a team address "
						  "([team] %s); remove it from one of them", c->name, a,
						  cfg->team_addresses.v[t]);
					return -1;
				}
			for (size_t j = 0; j < i; j++)
				for (size_t k = 0; k < cfg->customers[j].match.n; k++)
					if (strcmp(cfg->customers[j].match.v[k], a) == 0) {
						cfg_error(p, c->match_line, "'%s' is matched by customers '%s' and "
							  "'%s'; an address belongs to one customer", a,
							  cfg->customers[j].name, c->name);
						return -1;
					}
		}
	}
	return 0;
}

int cfg_finish(struct cfg_parser *p)
{
	struct config *cfg = p->cfg;
	if (!cfg->db_conninfo)
		cfg->db_conninfo = xstrdup("");
	if (!cfg->report.timezone)
		cfg->report.timezone = xstrdup("UTC");
	if (resolve_refs(p) < 0 || check_matches(p) < 0)
		return -1;
	/* Unknown senders open requests under the default policy, so tracking
	 * them needs one; a config without mailboxes (e.g. only calendars, for
	 * `replyclock calendar`) tracks nothing and may omit it. */
	if (cfg->defaults.unknown_senders == UNKNOWN_TRACK && !cfg->defaults.pol && cfg->n_mailboxes > 0) {
		/* Name the [defaults] header, or else the first mailbox that will track them. */
		int line = p->singleton_line[CS_DEFAULTS] ? p->singleton_line[CS_DEFAULTS] : cfg->mailboxes[0].line;
		cfg_error(p, line, "unknown senders are tracked (unknown_senders = track, the default) but "
			  "[defaults] has no policy; add [defaults] policy = NAME, or unknown_senders = ignore");
		return -1;
	}
	return 0;
}
