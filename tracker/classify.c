/* Classification of logical messages: team, customer, noise... (SPEC §4.2). */
#include "tracker/classify.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at ? at + 1 : NULL;
}

bool address_matches(const char *addr, const char *pattern)
{
	if (!addr || !pattern || !*addr || !*pattern)
		return false;
	if (pattern[0] == '@') {
		const char *d = domain_of(addr);
		return d && strcasecmp(d, pattern + 1) == 0;
	}
	return strcasecmp(addr, pattern) == 0;
}

bool address_is_team(const struct config *cfg, const char *addr)
{
	for (size_t i = 0; i < cfg->team_addresses.n; i++)
		if (address_matches(addr, cfg->team_addresses.v[i]))
			return true;
	return false;
}

const struct cfg_customer *address_customer(const struct config *cfg, const char *addr)
{
	const struct cfg_customer *by_domain = NULL;
	if (!addr || !*addr)
		return NULL;
	for (size_t i = 0; i < cfg->n_customers; i++) {
		const struct cfg_customer *c = &cfg->customers[i];
		for (size_t j = 0; j < c->match.n; j++) {
			const char *p = c->match.v[j];
			if (!address_matches(addr, p))
				continue;
			if (p[0] != '@')
				return c; /* exact beats any domain */
			if (!by_domain)
				by_domain = c;
		}
	}
	return by_domain;
}

/* The header each noise reason names in its explanation. */
static const char *reason_header(enum noise_reason r)
{
	static const char *const names[] = {
		"",	  "Auto-Submitted", "X-Autoreply", "X-Autorespond", "X-Loop", "X-Auto-Response-Suppress",
		"Precedence", "List-Id",    "From",	   "From",	    "Content-Type",
	};
	return (unsigned)r < sizeof names / sizeof *names ? names[r] : "?";
}

/* Copies a header value into text as "Name: value", bounded. */
static void say(char *text, size_t size, const char *name, const char *value)
{
	if (text && size)
		snprintf(text, size, "%s: %s", name, value ? value : "");
}

/* The first token of a header value (up to ';', ',' or white space),
 * lower-cased into buf. */
static const char *first_token(const char *v, char *buf, size_t size)
{
	size_t n = 0;
	while (*v && isspace((unsigned char)*v))
		v++;
	while (*v && *v != ';' && *v != ',' && !isspace((unsigned char)*v) && n + 1 < size)
		buf[n++] = (char)tolower((unsigned char)*v++);
	buf[n] = '\0';
	return buf;
}

/* X-Auto-Response-Suppress is a list (e.g. "DR, OOF, AutoReply"); only the
 * value All marks the message as automatic. */
static bool list_has_all(const char *v)
{
	char tok[16];
	while (*v) {
		while (*v == ',' || isspace((unsigned char)*v))
			v++;
		first_token(v, tok, sizeof tok);
		if (strcmp(tok, "all") == 0)
			return true;
		while (*v && *v != ',')
			v++;
	}
	return false;
}

static bool present(const char *v)
{
	if (!v)
		return false;
	while (*v && isspace((unsigned char)*v))
		v++;
	return *v != '\0';
}

static enum noise_reason sender_noise(const struct message *m, const char **value)
{
	const char *from = m->from_addr;
	if (!present(from)) {
		*value = "(empty sender)";
		return NOISE_EMPTY_SENDER;
	}
	const char *at = strchr(from, '@');
	size_t local = at ? (size_t)(at - from) : strlen(from);
	if ((local == 13 && strncasecmp(from, "mailer-daemon", 13) == 0) ||
	    (local == 10 && strncasecmp(from, "postmaster", 10) == 0)) {
		*value = from;
		return NOISE_DAEMON_SENDER;
	}
	return NOISE_NONE;
}

/* The noise reason and (in *value) the header value that shows it. */
static enum noise_reason noise_of(const struct message *m, const char **value)
{
	char tok[32];
	*value = NULL;
	if (present(m->auto_submitted) && strcmp(first_token(m->auto_submitted, tok, sizeof tok), "no") != 0) {
		*value = m->auto_submitted;
		return NOISE_AUTO_SUBMITTED;
	}
	if (present(m->x_autoreply)) {
		*value = m->x_autoreply;
		return NOISE_X_AUTOREPLY;
	}
	if (present(m->x_autorespond)) {
		*value = m->x_autorespond;
		return NOISE_X_AUTORESPOND;
	}
	if (present(m->x_loop)) {
		*value = m->x_loop;
		return NOISE_X_LOOP;
	}
	if (m->x_auto_response_suppress && list_has_all(m->x_auto_response_suppress)) {
		*value = m->x_auto_response_suppress;
		return NOISE_AUTO_RESPONSE_SUPPRESS;
	}
	if (m->precedence) {
		first_token(m->precedence, tok, sizeof tok);
		if (!strcmp(tok, "bulk") || !strcmp(tok, "junk") || !strcmp(tok, "list") ||
		    !strcmp(tok, "auto_reply")) {
			*value = m->precedence;
			return NOISE_PRECEDENCE;
		}
	}
	if (present(m->list_id)) {
		*value = m->list_id;
		return NOISE_LIST_ID;
	}
	enum noise_reason r = sender_noise(m, value);
	if (r != NOISE_NONE)
		return r;
	if (m->content_type && strncasecmp(m->content_type, "multipart/report", 16) == 0) {
		*value = m->content_type;
		return NOISE_REPORT;
	}
	return NOISE_NONE;
}

enum noise_reason classify_noise(const struct message *m, char *text, size_t size)
{
	const char *value;
	enum noise_reason r = noise_of(m, &value);
	if (text && size)
		text[0] = '\0';
	if (r != NOISE_NONE)
		say(text, size, reason_header(r), value);
	return r;
}

bool classify_reason(const struct classification *c, char *buf, size_t size)
{
	if (size)
		buf[0] = '\0';
	if (c->noise == NOISE_NONE)
		return false;
	say(buf, size, reason_header(c->noise), c->noise_value);
	return true;
}

static const char *first_outside(const struct config *cfg, struct customer_index *ix,
				 const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!address_is_team_memo(cfg, ix, l->v[i]))
			return l->v[i];
	return NULL;
}

/* For mail from the team: whom it is for (SPEC §4.3: first To then Cc
 * recipient matching a customer; failing that the first outside address,
 * as an unassigned party). */
static void team_party(const struct config *cfg, struct customer_index *ix,
		       const struct logical_msg *lm, struct classification *out)
{
	const struct strlist *lists[2] = { &lm->to, &lm->cc };
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++) {
			const char *a = lists[k]->v[i];
			if (address_is_team_memo(cfg, ix, a))
				continue;
			out->customer = address_customer_memo(cfg, ix, a);
			if (out->customer)
				return;
		}
	out->unassigned_addr = first_outside(cfg, ix, &lm->to);
	if (!out->unassigned_addr)
		out->unassigned_addr = first_outside(cfg, ix, &lm->cc);
}

void classify_message(const struct config *cfg, const struct logical_msg *lm,
		      struct classification *out)
{
	classify_message_ix(cfg, NULL, lm, out);
}

void classify_message_ix(const struct config *cfg, struct customer_index *ix,
			 const struct logical_msg *lm, struct classification *out)
{
	const struct message *m = lm->hdr;
	memset(out, 0, sizeof *out);
	out->from_team = address_is_team_memo(cfg, ix, m->from_addr);
	if (out->from_team) {
		team_party(cfg, ix, lm, out);
		out->cls = out->customer || out->unassigned_addr ? MSG_TEAM : MSG_INTERNAL;
	} else {
		out->customer = address_customer_memo(cfg, ix, m->from_addr);
		if (out->customer)
			out->cls = MSG_CUSTOMER;
		else {
			out->unassigned_addr = present(m->from_addr) ? m->from_addr : NULL;
			out->cls = cfg->defaults.unknown_senders == UNKNOWN_IGNORE ? MSG_IGNORED
										    : MSG_UNASSIGNED;
		}
	}
	out->noise = noise_of(m, &out->noise_value);
	if (out->noise != NOISE_NONE)
		out->cls = MSG_NOISE;
	out->time = logical_time(lm, out->from_team, cfg->defaults.arrival_time);
}

const char *msg_class_name(enum msg_class c)
{
	static const char *const names[] = { "customer", "unassigned", "ignored",
					     "team",     "internal",   "noise" };
	return (unsigned)c < sizeof names / sizeof *names ? names[c] : "?";
}

const char *noise_reason_code(enum noise_reason r)
{
	static const char *const names[] = {
		"",	     "auto_submitted", "x_autoreply",	"x_autorespond",
		"x_loop",    "auto_response_suppress", "precedence", "list_id",
		"empty_sender", "daemon_sender",  "report",
	};
	return (unsigned)r < sizeof names / sizeof *names ? names[r] : "?";
}

bool classification_is_customer_side(const struct classification *c)
{
	return c->cls == MSG_CUSTOMER || c->cls == MSG_UNASSIGNED;
}

bool classification_counts_for_thread(const struct classification *c)
{
	return c->cls == MSG_CUSTOMER || c->cls == MSG_UNASSIGNED || c->cls == MSG_TEAM;
}
