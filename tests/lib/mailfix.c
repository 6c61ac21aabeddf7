/* Test fixtures: messages and configurations built in memory (see mailfix.h). */
#include "tests/lib/mailfix.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

time_t fx_time(const char *s)
{
	struct tm tm = { 0 };
	int n = 0, oh = 0, om = 0;
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &n) != 6) {
		fprintf(stderr, "fixture: bad time '%s'\n", s);
		abort();
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	const char *z = s + n;
	if (*z == '+' || *z == '-') {
		if (sscanf(z + 1, "%d:%d", &oh, &om) != 2)
			abort();
		long off = oh * 3600L + om * 60L;
		t -= *z == '+' ? off : -off;
	} else if (*z != 'Z' && *z != '\0') {
		abort();
	}
	return t;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void strip_brackets(char *s)
{
	size_t len = strlen(s);
	if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
		memmove(s, s + 1, len - 2);
		s[len - 2] = '\0';
	}
}

/* Splits on any of seps, trims, drops empties; lower-cases when asked. */
static void split(struct strlist *l, const char *text, const char *seps, int lower, int brackets)
{
	if (!text)
		return;
	char *copy = xstrdup(text), *save = NULL;
	for (char *tok = strtok_r(copy, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
		str_trim(tok);
		if (!*tok)
			continue;
		char *v = xstrdup(tok);
		if (lower)
			for (char *p = v; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		if (brackets)
			strip_brackets(v);
		l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
		l->v[l->n++] = v;
	}
	free(copy);
}

static char *id_of(const char *s)
{
	if (!s)
		return NULL;
	char *v = xstrdup(s);
	strip_brackets(v);
	return v;
}

void fx_add(struct fx_box *b, const struct fx_mail *f)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->msgs = xrealloc(b->msgs, b->cap * sizeof *b->msgs);
		b->s = xrealloc(b->s, b->cap * sizeof *b->s);
	}
	struct message *m = &b->msgs[b->n];
	memset(m, 0, sizeof *m);
	m->uid = (uint32_t)b->n + 1;
	m->internaldate = f->internaldate ? fx_time(f->internaldate) : 0;
	m->message_id = id_of(f->id);
	m->in_reply_to = id_of(f->in_reply_to);
	split(&m->references, f->references, " \t", 0, 1);
	m->from_addr = f->from ? xstrdup(f->from) : NULL;
	for (char *p = m->from_addr; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	split(&m->to_addrs, f->to, ",", 1, 0);
	split(&m->cc_addrs, f->cc, ",", 1, 0);
	m->has_date = f->date != NULL;
	m->date = f->date ? fx_time(f->date) : 0;
	m->subject = dup_or_null(f->subject);
	m->auto_submitted = dup_or_null(f->auto_submitted);
	m->x_autoreply = dup_or_null(f->x_autoreply);
	m->x_autorespond = dup_or_null(f->x_autorespond);
	m->x_loop = dup_or_null(f->x_loop);
	m->x_auto_response_suppress = dup_or_null(f->x_auto_response_suppress);
	m->precedence = dup_or_null(f->precedence);
	m->list_id = dup_or_null(f->list_id);
	m->content_type = dup_or_null(f->content_type ? f->content_type : "text/plain");
	m->thread_index = dup_or_null(f->thread_index);
	b->n++;
	/* The sightings point into msgs, which may have moved: rebuild them. */
	for (size_t i = 0; i < b->n; i++)
		b->s[i].msg = &b->msgs[i];
	struct sighting *s = &b->s[b->n - 1];
	s->mailbox = f->mailbox ? f->mailbox : "support";
	s->role = f->role;
	s->folder = f->folder ? f->folder : f->role == ROLE_SENT ? "Sent" : "INBOX";
}

void fx_box_free(struct fx_box *b)
{
	for (size_t i = 0; i < b->n; i++)
		message_clear(&b->msgs[i]);
	free(b->msgs);
	free(b->s);
	memset(b, 0, sizeof *b);
}

void fx_box_truncate(struct fx_box *b, size_t n)
{
	for (size_t i = n; i < b->n; i++)
		message_clear(&b->msgs[i]);
	if (n < b->n)
		b->n = n;
}

struct sighting *fx_permuted(const struct fx_box *b, const size_t *perm)
{
	struct sighting *s = xmalloc((b->n ? b->n : 1) * sizeof *s);
	for (size_t i = 0; i < b->n; i++)
		s[i] = b->s[perm[i]];
	return s;
}

void fx_shuffle(size_t *perm, size_t n, unsigned long long *seed)
{
	for (size_t i = n; i > 1; i--) {
		*seed ^= *seed << 13;
		*seed ^= *seed >> 7;
		*seed ^= *seed << 17;
		size_t j = (size_t)(*seed % i), t = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = t;
	}
}

/* ---- configuration ---- */

struct config *fx_config_new(const char *team)
{
	struct config *c = xcalloc(1, sizeof *c);
	c->path = xstrdup("fixture.conf");
	split(&c->team_addresses, team, ",", 1, 0);
	c->defaults.thread_window = 14 * 86400L;
	c->defaults.unknown_senders = UNKNOWN_TRACK;
	c->defaults.arrival_time = ARRIVAL_INTERNALDATE;
	return c;
}

struct cfg_calendar *fx_calendar(struct config *c, const char *name, const char *tz,
				 unsigned days, int start_min, int end_min)
{
	c->calendars = xrealloc(c->calendars, (c->n_calendars + 1) * sizeof *c->calendars);
	struct cfg_calendar *cc = &c->calendars[c->n_calendars++];
	memset(cc, 0, sizeof *cc);
	cc->name = xstrdup(name);
	cc->timezone = xstrdup(tz);
	cc->hours = xcalloc(1, sizeof *cc->hours);
	cc->hours[0] = (struct hours_interval){ days, start_min, end_min };
	cc->n_hours = 1;
	return cc;
}

struct cfg_policy *fx_policy(struct config *c, const char *name, const char *calendar,
			     struct target first, struct target next)
{
	c->policies = xrealloc(c->policies, (c->n_policies + 1) * sizeof *c->policies);
	struct cfg_policy *p = &c->policies[c->n_policies++];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->calendar = xstrdup(calendar);
	p->first_response = first;
	p->next_reply = next;
	p->target_pct = 95;
	return p;
}

struct cfg_customer *fx_customer(struct config *c, const char *name, const char *display,
				 const char *match, const char *policy)
{
	c->customers = xrealloc(c->customers, (c->n_customers + 1) * sizeof *c->customers);
	struct cfg_customer *cu = &c->customers[c->n_customers++];
	memset(cu, 0, sizeof *cu);
	cu->name = xstrdup(name);
	cu->display_name = xstrdup(display ? display : name);
	split(&cu->match, match, ",", 1, 0);
	cu->policy = dup_or_null(policy);
	return cu;
}

static struct cfg_policy *find_policy(struct config *c, const char *name)
{
	for (size_t i = 0; name && i < c->n_policies; i++)
		if (!strcmp(c->policies[i].name, name))
			return &c->policies[i];
	return NULL;
}

void fx_config_done(struct config *c, const char *default_policy)
{
	c->defaults.policy = dup_or_null(default_policy);
	c->defaults.pol = find_policy(c, default_policy);
	for (size_t i = 0; i < c->n_policies; i++)
		for (size_t k = 0; k < c->n_calendars; k++)
			if (!strcmp(c->calendars[k].name, c->policies[i].calendar))
				c->policies[i].cal = &c->calendars[k];
	for (size_t i = 0; i < c->n_customers; i++) {
		struct cfg_policy *p = find_policy(c, c->customers[i].policy);
		c->customers[i].pol = p ? p : c->defaults.pol;
	}
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void fx_config_free(struct config **cp)
{
	struct config *c = *cp;
	if (!c)
		return;
	for (size_t i = 0; i < c->n_calendars; i++) {
		free(c->calendars[i].name);
		free(c->calendars[i].timezone);
		free(c->calendars[i].hours);
	}
	for (size_t i = 0; i < c->n_policies; i++) {
		free(c->policies[i].name);
		free(c->policies[i].calendar);
	}
	for (size_t i = 0; i < c->n_customers; i++) {
		free(c->customers[i].name);
		free(c->customers[i].display_name);
		strlist_free(&c->customers[i].match);
		free(c->customers[i].policy);
	}
	free(c->calendars);
	free(c->policies);
	free(c->customers);
	strlist_free(&c->team_addresses);
	free(c->defaults.policy);
	free(c->path);
	free(c);
	*cp = NULL;
}

struct target fx_hours(double h)
{
	return (struct target){ .kind = TARGET_DURATION, .seconds = (long)(h * 3600) };
}

struct target fx_same_day(int hour, int minute)
{
	return (struct target){ .kind = TARGET_SAME_DAY, .hour = hour, .minute = minute };
}

/* ---- pipeline ---- */

void fx_derive(const struct config *cfg, const struct sighting *s, size_t n, struct fx_derived *d)
{
	logical_fold(s, n, &d->set);
	d->cls = xcalloc(d->set.n ? d->set.n : 1, sizeof *d->cls);
	for (size_t i = 0; i < d->set.n; i++)
		classify_message(cfg, &d->set.v[i], &d->cls[i]);
	thread_build(cfg, &d->set, d->cls, &d->thr);
}

void fx_derived_free(struct fx_derived *d)
{
	thread_result_free(&d->thr);
	free(d->cls);
	logical_set_free(&d->set);
}

size_t fx_idx(const struct fx_derived *d, const char *id)
{
	long k = logical_find(&d->set, id);
	if (k < 0) {
		fprintf(stderr, "fixture: no message %s\n", id);
		abort();
	}
	return (size_t)k;
}

const char *fx_conv(const struct fx_derived *d, const char *id)
{
	return d->thr.convs[d->thr.conv_of[fx_idx(d, id)]].id;
}

char *fx_thread_dump(const struct fx_derived *d)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	for (size_t i = 0; i < d->set.n; i++) { /* the set is sorted by id */
		const struct classification *c = &d->cls[i];
		const struct conversation *cv = &d->thr.convs[d->thr.conv_of[i]];
		strbuf_appendf(&b, "%s %s %s %lld conv=%s via=%s cust=%s\n", d->set.v[i].message_id,
			       msg_class_name(c->cls), noise_reason_code(c->noise), (long long)c->time,
			       cv->id, thread_link_name(d->thr.link[i]),
			       cv->customer ? cv->customer->name
					    : cv->unassigned_addr ? cv->unassigned_addr : "-");
	}
	return strbuf_steal(&b);
}
