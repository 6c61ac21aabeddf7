/* The configuration mirror tables and the digest of what derived rows depend on. */
#include "tracker/derive_store.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

void derive_format_target(const struct target *t, char *buf, size_t size)
{
	if (t->kind == TARGET_SAME_DAY) {
		snprintf(buf, size, "same-day %02d:%02d", t->hour, t->minute);
		return;
	}
	if (t->kind != TARGET_DURATION) {
		snprintf(buf, size, "%s", "");
		return;
	}
	long s = t->seconds, h = s / 3600, m = s % 3600 / 60, sec = s % 60;
	int n = 0;
	buf[0] = '\0';
	if (h)
		n += snprintf(buf + n, size - (size_t)n, "%ldh", h);
	if (m && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "%ldm", m);
	if ((sec || s == 0) && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%lds", sec);
}

/* "mon-fri 08:00-16:00, sat 10:00-13:00" */
static void format_hours(const struct cfg_calendar *cc, struct strbuf *b)
{
	static const char *const day[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	for (size_t i = 0; i < cc->n_hours; i++) {
		const struct hours_interval *h = &cc->hours[i];
		if (i)
			strbuf_append(b, ", ", 2);
		bool first = true;
		for (int d = 0; d < 7; d++) {
			if (!(h->days & (1u << d)))
				continue;
			int e = d;
			while (e + 1 < 7 && (h->days & (1u << (e + 1))))
				e++;
			strbuf_appendf(b, "%s%s", first ? "" : ",", day[d]);
			if (e > d)
				strbuf_appendf(b, "-%s", day[e]);
			first = false;
			d = e;
		}
		strbuf_appendf(b, " %02d:%02d-%02d:%02d", h->start_min / 60, h->start_min % 60,
			       h->end_min / 60, h->end_min % 60);
	}
}

static const char *cal_digest(const struct calendar_set *cals, const char *name)
{
	for (size_t i = 0; i < cals->n; i++)
		if (!strcmp(calendar_name(cals->v[i]), name))
			return calendar_digest(cals->v[i]);
	return "";
}

static void add_list(struct strbuf *b, const char *label, const struct strlist *l)
{
	strbuf_appendf(b, "%s=", label);
	for (size_t i = 0; i < l->n; i++)
		strbuf_appendf(b, "%zu:%s;", strlen(l->v[i]), l->v[i]);
	strbuf_append(b, "\n", 1);
}

static void add_str(struct strbuf *b, const char *label, const char *s)
{
	strbuf_appendf(b, "%s=%zu:%s\n", label, s ? strlen(s) : 0, s ? s : "");
}

void derive_config_digest(const struct config *cfg, const struct calendar_set *cals, char out[65])
{
	struct strbuf b;
	char t1[32], t2[32];
	strbuf_init(&b, 0);
	/* v3: messages.unresolved_refs (sql/005; v2: subject_key, sql/004);
	 * rows derived by an older version lack it, so the changed digest
	 * makes the next poll recompute them. */
	strbuf_append(&b, "replyclock-derived-v3\n", 22);
	add_list(&b, "team", &cfg->team_addresses);
	add_str(&b, "default_policy", cfg->defaults.policy);
	strbuf_appendf(&b, "unknown=%d window=%ld arrival=%d\n", (int)cfg->defaults.unknown_senders,
		       cfg->defaults.thread_window, (int)cfg->defaults.arrival_time);
	add_str(&b, "report_tz", cfg->report.timezone);
	for (size_t i = 0; i < cfg->n_calendars; i++) {
		add_str(&b, "calendar", cfg->calendars[i].name);
		add_str(&b, "digest", cal_digest(cals, cfg->calendars[i].name));
	}
	for (size_t i = 0; i < cfg->n_policies; i++) {
		const struct cfg_policy *p = &cfg->policies[i];
		derive_format_target(&p->first_response, t1, sizeof t1);
		derive_format_target(&p->next_reply, t2, sizeof t2);
		add_str(&b, "policy", p->name);
		add_str(&b, "calendar", p->calendar);
		strbuf_appendf(&b, "first=%s next=%s pct=%.4f\n", t1, t2, p->target_pct);
	}
	for (size_t i = 0; i < cfg->n_customers; i++) {
		const struct cfg_customer *c = &cfg->customers[i];
		const struct cfg_policy *p = requests_policy(cfg, c);
		add_str(&b, "customer", c->name);
		add_str(&b, "display", c->display_name);
		add_list(&b, "match", &c->match);
		add_str(&b, "policy", p ? p->name : NULL);
	}
	unsigned char bin[32];
	gnutls_hash_fast(GNUTLS_DIG_SHA256, b.s, b.len, bin);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", bin[i]);
	strbuf_free(&b);
}

static char *array_of(const struct strlist *l)
{
	return pg_array_literal((const char *const *)l->v, l->n);
}

static const char sql_calendar[] =
	"INSERT INTO replyclock.calendars (name, timezone, hours, holidays, ignore_events, digest) "
	"VALUES ($1, $2, $3, $4::text[], $5::text[], $6)";

static int mirror_calendars(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			    char **err)
{
	int st = STORE_OK;
	for (size_t i = 0; i < cfg->n_calendars && st == STORE_OK; i++) {
		const struct cfg_calendar *cc = &cfg->calendars[i];
		struct strbuf hours;
		strbuf_init(&hours, 0);
		format_hours(cc, &hours);
		char *hol = array_of(&cc->holidays), *ign = array_of(&cc->ignore_events);
		const char *p[] = { cc->name, cc->timezone ? cc->timezone : "", hours.s ? hours.s : "",
				    hol, ign, cal_digest(cals, cc->name) };
		st = derive_exec(s, "mirroring calendars", sql_calendar, 6, p, err);
		free(hol);
		free(ign);
		strbuf_free(&hours);
	}
	return st;
}

static const char sql_policy[] =
	"INSERT INTO replyclock.policies (name, calendar, first_response, first_response_seconds, "
	"next_reply, next_reply_seconds, resolution, target_pct, breach_remedy) "
	"VALUES ($1, $2, $3, $4::bigint, $5, $6::bigint, $7, $8::numeric, $9)";

static const char *secs(const struct target *t, char *buf, size_t size)
{
	if (t->kind != TARGET_DURATION)
		return NULL;
	snprintf(buf, size, "%ld", t->seconds);
	return buf;
}

static int mirror_policies(struct store *s, const struct config *cfg, char **err)
{
	int st = STORE_OK;
	for (size_t i = 0; i < cfg->n_policies && st == STORE_OK; i++) {
		const struct cfg_policy *pol = &cfg->policies[i];
		char fr[32], nr[32], rs[32], frs[24], nrs[24], pct[32];
		derive_format_target(&pol->first_response, fr, sizeof fr);
		derive_format_target(&pol->next_reply, nr, sizeof nr);
		derive_format_target(&pol->resolution, rs, sizeof rs);
		snprintf(pct, sizeof pct, "%.2f", pol->target_pct);
		const char *p[] = { pol->name, pol->calendar, fr, secs(&pol->first_response, frs, sizeof frs),
				    *nr ? nr : NULL, secs(&pol->next_reply, nrs, sizeof nrs),
				    *rs ? rs : NULL, pct, pol->breach_remedy };
		st = derive_exec(s, "mirroring policies", sql_policy, 9, p, err);
	}
	return st;
}

static const char sql_customer[] =
	"INSERT INTO replyclock.customers (name, display_name, match, policy, report_to, configured) "
	"VALUES ($1, $2, $3::text[], $4, $5::text[], $6::boolean)";

static int mirror_customers(struct store *s, const struct config *cfg, char **err)
{
	int st = STORE_OK;
	for (size_t i = 0; i <= cfg->n_customers && st == STORE_OK; i++) {
		const struct cfg_customer *c = i < cfg->n_customers ? &cfg->customers[i] : NULL;
		if (c && !strcmp(c->name, REQUESTS_UNASSIGNED_KEY))
			continue; /* the pseudo-customer row below stands for it */
		const struct cfg_policy *pol = requests_policy(cfg, c);
		struct strlist none = { NULL, 0 };
		char *match = array_of(c ? &c->match : &none), *rep = array_of(c ? &c->report_to : &none);
		const char *p[] = { c ? c->name : REQUESTS_UNASSIGNED_KEY,
				    c ? (c->display_name ? c->display_name : c->name) : REQUESTS_UNASSIGNED_NAME,
				    match, pol ? pol->name : NULL, rep, c ? "true" : "false" };
		st = derive_exec(s, "mirroring customers", sql_customer, 6, p, err);
		free(match);
		free(rep);
	}
	return st;
}

static const char sql_state[] =
	"INSERT INTO replyclock.derived_state (key, value) VALUES "
	"('config_digest', $1), ('report_timezone', $2), "
	"('computed_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))";

int derive_mirror_write(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			char **err)
{
	char digest[65];
	derive_config_digest(cfg, cals, digest);
	const char *p[] = { digest, derive_report_tz(cfg) };
	int st = mirror_calendars(s, cfg, cals, err);
	if (st == STORE_OK)
		st = mirror_policies(s, cfg, err);
	if (st == STORE_OK)
		st = mirror_customers(s, cfg, err);
	if (st == STORE_OK)
		st = derive_exec(s, "recording the derived state", sql_state, 2, p, err);
	return st;
}

static const char sql_digest[] =
	"SELECT value FROM replyclock.derived_state WHERE key = 'config_digest'";

int derive_store_is_current(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			    bool *current, char **err)
{
	char digest[65];
	int st;
	derive_config_digest(cfg, cals, digest);
	PGresult *r = store_exec(s, "reading the derived state", sql_digest, 0, NULL, PGRES_TUPLES_OK,
				 &st, err);
	if (!r)
		return st;
	*current = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), digest);
	PQclear(r);
	return STORE_OK;
}
