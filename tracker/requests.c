/* SLA clocks: requests opened and answered within conversations (SPEC §4.4). */
#include "tracker/requests.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

const char *request_kind_name(enum request_kind k)
{
	return k == REQ_NEXT_REPLY ? "next_reply" : "first_response";
}

const char *request_status_name(enum request_status s)
{
	static const char *const names[] = { "met", "breached", "pending", "overdue" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

static const struct cfg_policy *policy_by_name(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name && i < cfg->n_policies; i++)
		if (strcmp(cfg->policies[i].name, name) == 0)
			return &cfg->policies[i];
	return NULL;
}

const struct cfg_policy *requests_policy(const struct config *cfg, const struct cfg_customer *c)
{
	if (c && c->policy)
		return c->pol && !strcmp(c->pol->name, c->policy) ? c->pol : policy_by_name(cfg, c->policy);
	if (cfg->defaults.pol)
		return cfg->defaults.pol;
	return policy_by_name(cfg, cfg->defaults.policy);
}

static const struct calendar *find_calendar(const struct calendar_set *cals, const char *name)
{
	for (size_t i = 0; name && i < cals->n; i++)
		if (strcmp(calendar_name(cals->v[i]), name) == 0)
			return cals->v[i];
	return NULL;
}

enum request_status request_status_at(const struct request *r, time_t t)
{
	if (r->replied)
		return !r->has_due || r->replied_at <= r->due_at ? REQ_MET : REQ_BREACHED;
	return r->has_due && t > r->due_at ? REQ_OVERDUE : REQ_PENDING;
}

/* Everything a clock needs to be judged, looked up once per conversation. */
struct judge {
	const struct cfg_customer *customer;
	const struct cfg_policy *pol;
	const struct calendar *cal;
};

static int find_judge(const struct config *cfg, const struct calendar_set *cals,
		      const struct cfg_customer *customer, struct judge *j, char **err)
{
	const char *who = customer ? customer->name : REQUESTS_UNASSIGNED_KEY;
	j->customer = customer;
	j->pol = requests_policy(cfg, customer);
	if (!j->pol) {
		*err = xasprintf("%s: customer %s has no policy and [defaults] policy is not set",
				 cfg->path ? cfg->path : "configuration", who);
		return -1;
	}
	j->cal = find_calendar(cals, j->pol->calendar);
	if (!j->cal) {
		*err = xasprintf("%s: calendar '%s' of policy '%s' is not loaded",
				 cfg->path ? cfg->path : "configuration",
				 j->pol->calendar ? j->pol->calendar : "(none)", j->pol->name);
		return -1;
	}
	return 0;
}

static struct target rule_for(const struct cfg_policy *pol, enum request_kind kind)
{
	if (kind == REQ_NEXT_REPLY && pol->next_reply.kind != TARGET_NONE)
		return pol->next_reply;
	return pol->first_response;
}

static void set_due(struct request *r, const struct calendar *cal)
{
	char *e = NULL;
	int rc;
	if (r->target.kind == TARGET_DURATION)
		rc = calendar_due_at(cal, r->opened_at, r->target.seconds, &r->due_at, &e);
	else if (r->target.kind == TARGET_SAME_DAY)
		rc = calendar_same_day_due(cal, r->opened_at, r->target.hour, r->target.minute,
					   &r->due_at, &e);
	else {
		rc = -1;
		e = xasprintf("policy %s has no response target", r->policy);
	}
	r->has_due = rc == 0;
	if (rc != 0) {
		r->due_at = 0;
		r->error = e ? e : xstrdup("no due instant");
	} else
		free(e);
}

static void open_request(struct request *r, const struct judge *j, const struct thread_result *thr,
			 size_t conv, const struct logical_set *set, const struct classification *cls,
			 size_t i, enum request_kind kind)
{
	memset(r, 0, sizeof *r);
	r->conv = conv;
	r->conversation_id = thr->convs[conv].id;
	r->customer = j->customer;
	r->customer_key = j->customer ? j->customer->name : REQUESTS_UNASSIGNED_KEY;
	r->customer_name = j->customer ? (j->customer->display_name ? j->customer->display_name
								   : j->customer->name)
				       : REQUESTS_UNASSIGNED_NAME;
	r->mailbox = set->v[i].mailbox;
	r->kind = kind;
	r->opened_idx = i;
	r->opened_message_id = set->v[i].message_id;
	r->subject = set->v[i].hdr->subject;
	r->opened_at = cls[i].time;
	r->business_seconds = -1;
	r->policy = j->pol->name;
	r->target = rule_for(j->pol, kind);
	r->target_seconds = r->target.kind == TARGET_DURATION ? r->target.seconds : -1;
	r->calendar = calendar_name(j->cal);
	r->calendar_digest = calendar_digest(j->cal);
	set_due(r, j->cal);
}

static void answer_request(struct request *r, const struct calendar *cal,
			   const struct logical_set *set, const struct classification *cls, size_t i)
{
	r->replied = true;
	r->replied_idx = i;
	r->replied_message_id = set->v[i].message_id;
	r->replied_at = cls[i].time;
	r->business_seconds = calendar_business_seconds(cal, r->opened_at, r->replied_at);
}

/* A message that opens a request when none is open: a customer's or an
 * unknown sender's; an ignored sender's only inside a real customer's
 * conversation, where it acts for that customer (SPEC §4.3). */
static bool opens(const struct classification *c, const struct conversation *cv)
{
	if (classification_is_customer_side(c))
		return true;
	return c->cls == MSG_IGNORED && cv->has_customer_msg && cv->customer != NULL;
}

static bool has_outside_recipient(const struct config *cfg, const struct logical_msg *lm)
{
	for (size_t i = 0; i < lm->to.n; i++)
		if (!address_is_team(cfg, lm->to.v[i]))
			return true;
	for (size_t i = 0; i < lm->cc.n; i++)
		if (!address_is_team(cfg, lm->cc.v[i]))
			return true;
	return false;
}

struct acc {
	struct request *v;
	size_t n, cap;
};

static struct request *acc_new(struct acc *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	return &a->v[a->n++];
}

static int conversation_requests(const struct config *cfg, const struct calendar_set *cals,
				 const struct logical_set *set, const struct classification *cls,
				 const struct thread_result *thr, size_t conv, time_t as_of,
				 struct acc *acc, char **err)
{
	const struct conversation *cv = &thr->convs[conv];
	struct judge j;
	long open = -1; /* index in acc of the open request */
	size_t made = 0;
	if (!cv->has_customer_msg)
		return 0; /* nobody ever asked: the team wrote first and nobody replied */
	if (find_judge(cfg, cals, cv->customer, &j, err) < 0)
		return -1;
	for (size_t k = 0; k < cv->n_members; k++) {
		size_t i = cv->members[k];
		const struct classification *c = &cls[i];
		if (c->time > as_of)
			break; /* members are in time order */
		if (c->time == 0)
			continue; /* no INTERNALDATE and no usable Date: cannot be timed */
		if (open < 0 && opens(c, cv)) {
			open = (long)acc->n;
			open_request(acc_new(acc), &j, thr, conv, set, cls, i,
				     made++ ? REQ_NEXT_REPLY : REQ_FIRST_RESPONSE);
		} else if (open >= 0 && c->cls == MSG_TEAM && c->time > acc->v[open].opened_at &&
			   has_outside_recipient(cfg, &set->v[i])) {
			answer_request(&acc->v[open], j.cal, set, cls, i);
			open = -1;
		}
	}
	return 0;
}

/* By (opened_at, opened_message_id): the set is sorted by Message-ID and a
 * message opens at most one request, so comparing the opening messages'
 * indexes compares their ids. */
static int request_cmp(const void *pa, const void *pb)
{
	const struct request *a = pa, *b = pb;
	if (a->opened_at != b->opened_at)
		return a->opened_at < b->opened_at ? -1 : 1;
	return a->opened_idx < b->opened_idx ? -1 : a->opened_idx > b->opened_idx;
}

int requests_compute(const struct config *cfg, const struct calendar_set *cals,
		     const struct logical_set *set, const struct classification *cls,
		     const struct thread_result *thr, time_t as_of, struct request_list *out,
		     char **err)
{
	struct acc acc = { 0 };
	out->v = NULL;
	out->n = 0;
	for (size_t c = 0; c < thr->n_convs; c++)
		if (conversation_requests(cfg, cals, set, cls, thr, c, as_of, &acc, err) < 0) {
			struct request_list tmp = { acc.v, acc.n };
			request_list_free(&tmp);
			return -1;
		}
	for (size_t k = 0; k < acc.n; k++)
		acc.v[k].status = request_status_at(&acc.v[k], as_of);
	if (acc.n > 1)
		qsort(acc.v, acc.n, sizeof *acc.v, request_cmp);
	out->v = acc.v;
	out->n = acc.n;
	return 0;
}

void request_list_free(struct request_list *l)
{
	for (size_t k = 0; k < l->n; k++)
		free(l->v[k].error);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
