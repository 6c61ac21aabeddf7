/* rc-gen: deterministic, streaming generator of realistic support-mailbox
 * traffic (Maildir, mboxrd, IMAP APPEND) with a truth file for tests.
 *
 * Conversations start day by day in time order; each is planned whole when
 * it starts and its messages wait in a min-heap keyed by (time, sequence)
 * until every later start is known to be later, so memory is bounded by the
 * conversations in flight, not by the total. Same seed + options → the same
 * bytes, whatever the output mode. */
#include <getopt.h>
#include <signal.h>

#include "gen/gen_model.h"
#include "gen/gen_out.h"
#include "gen/gen_render.h"
#include "gen/gen_text.h"

static const char *const kind_names[K_N] = {
    "customer",		  "followup",	    "customer_again", "team",
    "autoreply_customer", "autoreply_team", "bounce",	      "internal_forward",
};

/* Expected messages per conversation, measured with the default mix; used to
 * turn --messages into a conversation rate. */
#define MSGS_PER_CONV 3.56

struct opts {
	uint64_t seed;
	int customers, weeks;
	long messages;
	int64_t start;
	const char *team_domain, *mailbox_addr, *team_name, *tz, *policy;
	const char *truth, *config_snippet;
	struct imap_opts imap;
};

/* ---- World: customers, contacts, agents. */
static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		die(70, "out of memory");
	va_end(ap);
	return s;
}

static void make_person(struct rng *r, char *name, size_t n, char *local, size_t ln, int dots)
{
	const char *f = first_names[rng_range(r, 0, NELEM(first_names) - 1)];
	const char *l = last_names[rng_range(r, 0, NELEM(last_names) - 1)];
	char fa[64], la[64];
	snprintf(name, n, "%s %s", f, l);
	ascii_slug(f, fa, sizeof fa, 0);
	ascii_slug(l, la, sizeof la, 0);
	snprintf(local, ln, "%s%s%s", fa, dots ? "." : "", la);
}

static int pick_client(struct rng *r)
{
	double u = rng_unit(r);
	return u < 0.5 ? CL_OUTLOOK : u < 0.7 ? CL_GMAIL : u < 0.85 ? CL_APPLE : CL_THUNDERBIRD;
}

static void make_customer(struct customer *cu, int i, struct rng *r)
{
	int np = (int)NELEM(co_prefix), ns = (int)NELEM(co_suffix);
	char place[64], suffix[64];
	const char *sfx;
	unsigned extra;
	if (i % 7 == 3) {
		int k = i / 7, npl = (int)NELEM(places);
		sfx = co_suffix[(k / npl) % ns];
		extra = (unsigned)(k / (npl * ns));
		ascii_slug(places[k % npl], place, sizeof place, 0);
		cu->slug = extra ? dupf("%s%s%u", place, sfx, extra) : dupf("%s%s", place, sfx);
		snprintf(suffix, sizeof suffix, "%c%s", sfx[0] - 32, sfx + 1);
		cu->name = extra ? dupf("%s %s %u AS", places[k % npl], suffix, extra)
				 : dupf("%s %s AS", places[k % npl], suffix);
	} else {
		const char *pre = co_prefix[i % np];
		sfx = co_suffix[(i % np + i / np) % ns];
		extra = (unsigned)(i / (np * ns));
		cu->slug = extra ? dupf("%s%s%u", pre, sfx, extra) : dupf("%s%s", pre, sfx);
		cu->name = extra ? dupf("%c%s%s %u AS", pre[0] - 32, pre + 1, sfx, extra)
				 : dupf("%c%s%s AS", pre[0] - 32, pre + 1, sfx);
	}
	const char *tld = tlds[rng_range(r, 0, NELEM(tlds) - 1)];
	cu->domains[0] = dupf("%s.%s", cu->slug, tld);
	cu->ndomains = 1;
	if (i % 5 == 2) /* a few customers write from two domains */
		cu->domains[cu->ndomains++] =
		    dupf("%s.%s", cu->slug, strcmp(tld, "com") ? "com" : "no");
	int n = (int)rng_range(r, 1, 4);
	cu->contacts = calloc((size_t)n + 1, sizeof *cu->contacts);
	for (int j = 0; j < n; j++) {
		char name[128], local[128];
		make_person(r, name, sizeof name, local, sizeof local, 1);
		struct contact *ct = &cu->contacts[j];
		ct->name = dupf("%s", name);
		ct->addr = dupf("%s@%s", local, cu->domains[j % cu->ndomains]);
		ct->client = pick_client(r);
		double u = rng_unit(r);
		ct->lang = u < 0.8 ? 0 : u < 0.95 ? 1 : 2;
	}
	if (i == 0) { /* one customer contact writes from a personal Gmail address */
		struct contact *ct = &cu->contacts[n];
		char name[128], local[128];
		make_person(r, name, sizeof name, local, sizeof local, 1);
		ct->name = dupf("%s", name);
		ct->addr = dupf("%s.%d@gmail.com", local, 1950 + (int)rng_range(r, 0, 50));
		ct->client = CL_GMAIL;
		cu->gmail = ct->addr;
		n++;
	}
	cu->ncontacts = n;
	cu->skew = i % 9 == 4 ? (int)rng_range(r, -600, 600) : 0;
}

static void build_world(struct world *w, const struct opts *o, struct rng *r)
{
	static const char *const agent_names[] = {
	    "Kari Nordmann", "Øyvind Lie", "Silje Bakke", "Mats Holm", "Åsmund Vik",
	};
	w->seed = o->seed;
	w->team_domain = o->team_domain;
	w->mailbox_addr = o->mailbox_addr;
	w->team_display = o->team_name;
	w->ncust = o->customers;
	w->cust = calloc((size_t)w->ncust, sizeof *w->cust);
	double cum = 0;
	for (int i = 0; i < w->ncust; i++) {
		make_customer(&w->cust[i], i, r);
		cum += 1.0 / pow(i + 1, 0.6); /* a few big customers, a long tail */
		w->cust[i].cum = cum;
	}
	w->nagents = (int)NELEM(agent_names);
	w->agents = calloc((size_t)w->nagents, sizeof *w->agents);
	for (int i = 0; i < w->nagents; i++) {
		char local[64];
		ascii_slug(agent_names[i], local, sizeof local, 0);
		for (char *p = local; *p; p++)
			if (*p == ' ')
				*p = '.';
		w->agents[i].name = (char *)agent_names[i];
		w->agents[i].addr = dupf("%s@%s", local, w->team_domain);
		w->agents[i].client = i == 3 ? CL_THUNDERBIRD : CL_OUTLOOK;
	}
}

static void free_world(struct world *w)
{
	for (int i = 0; i < w->ncust; i++) {
		struct customer *cu = &w->cust[i];
		for (int j = 0; j < cu->ncontacts; j++) {
			free(cu->contacts[j].name);
			free(cu->contacts[j].addr);
		}
		free(cu->contacts);
		free(cu->slug);
		free(cu->name);
		free(cu->domains[0]);
		free(cu->domains[1]);
	}
	free(w->cust);
	for (int i = 0; i < w->nagents; i++)
		free(w->agents[i].addr);
	free(w->agents);
}

/* ---- Planning one conversation (all randomness from the main stream). */
static int add_plan(struct conv *c, int kind, int64_t t, int parent, int who)
{
	struct plan *p = &c->plans[c->nplans];
	memset(p, 0, sizeof *p);
	p->t = t;
	p->kind = (int8_t)kind;
	p->parent = (int8_t)parent;
	p->who = (int8_t)who;
	p->to_agent = -1;
	p->folders = F_INBOX;
	return c->nplans++;
}

/* An inbound message: Date written by the sender's clock before arrival. */
static void inbound(struct plan *p, struct rng *r, int skew)
{
	p->date_back = (int32_t)(rng_range(r, 2, 90) + skew);
}

static int pick_refs(struct rng *r, double none, double irt)
{
	double u = rng_unit(r);
	return u < none ? R_NONE : u < none + irt ? R_IRT_ONLY : R_FULL;
}

/* Business-time reply delay; an evening message sometimes gets an on-call answer. */
static int64_t reply_time(struct rng *r, int64_t tc)
{
	if (!in_work_hours(tc) && rng_chance(r, 0.2))
		return tc + rng_range(r, 600, 5400);
	double secs = rng_lognormal(r, 1.3 * 3600, 1.1);
	if (secs < 180)
		secs = 180;
	if (secs > 6 * 8 * 3600)
		secs = 6 * 8 * 3600;
	return add_business(tc, (int64_t)secs) + rng_range(r, 0, 59);
}

/* When a customer writes again: hours to days later, mostly in working hours. */
static int64_t customer_after(struct rng *r, int64_t t)
{
	double gap = rng_lognormal(r, 6 * 3600, 1.3);
	if (gap < 600)
		gap = 600;
	if (gap > 9 * DAY)
		gap = 9 * DAY;
	int64_t x = t + (int64_t)gap;
	if (!in_work_hours(x) && rng_chance(r, 0.8))
		x = next_open(x) + rng_range(r, 0, 6 * 3600);
	return x;
}

static int customer_who(struct rng *r, const struct world *w, const struct conv *c)
{
	if (c->cust < 0 || !rng_chance(r, 0.1))
		return c->plans[0].who;
	return (int)rng_range(r, 0, w->cust[c->cust].ncontacts - 1);
}

/* The team reply and what it triggers (extra reply, out-of-office, bounce). */
static int plan_reply(struct conv *c, struct rng *r, const struct world *w, int last_cust,
		      int64_t tr)
{
	int skew = c->cust >= 0 ? w->cust[c->cust].skew : 0;
	int ri = add_plan(c, K_TEAM, tr, last_cust, (int)rng_range(r, 0, w->nagents - 1));
	struct plan *p = &c->plans[ri];
	p->folders = F_SENT;
	p->date_back = (int32_t)rng_range(r, 0, 2);
	p->from_shared = rng_chance(r, 0.7);
	p->refs = (int8_t)(c->cust < 0 ? R_FULL : pick_refs(r, 0.1, 0.1));
	p->variant = (int8_t)rng_range(r, 0, 3);
	double u = rng_unit(r);
	if (u < 0.03) { /* sent from the shared mailbox, Cc'd to it: Sent and INBOX */
		p->cc_shared = 1, p->from_shared = 1, p->folders = F_BOTH;
		p->inbox_lag = (int16_t)rng_range(r, 1, 20);
	} else if (u < 0.06) { /* an agent's own account, Cc to the shared box: INBOX only */
		p->cc_shared = 1, p->from_shared = 0, p->folders = F_INBOX;
	}
	if (rng_chance(r, 0.05)) {
		int e = add_plan(c, K_TEAM, tr + rng_range(r, 120, 1800), ri, c->plans[ri].who);
		c->plans[e].folders = F_SENT, c->plans[e].from_shared = c->plans[ri].from_shared;
		c->plans[e].variant = (int8_t)rng_range(r, 0, 3);
	}
	if (c->plans[ri].from_shared && rng_chance(r, 0.05)) {
		int a = add_plan(c, K_AUTOREPLY_CUSTOMER, tr + rng_range(r, 5, 120), ri,
				 c->plans[last_cust].who);
		inbound(&c->plans[a], r, skew);
		c->plans[a].refs = (int8_t)pick_refs(r, 0.5, 0.2);
		c->plans[a].variant = (int8_t)rng_range(r, 0, 3);
	} else if (c->plans[ri].from_shared && rng_chance(r, 0.025)) {
		int b = add_plan(c, K_BOUNCE, tr + rng_range(r, 2, 300), ri, 0);
		c->plans[b].variant = (int8_t)rng_range(r, 0, 1);
		c->plans[b].date_back = (int32_t)rng_range(r, 0, 3);
		c->plans[b].refs = c->plans[b].variant ? R_IRT_ONLY : R_NONE;
	}
	return ri;
}

static void plan_conv(struct conv *c, struct rng *r, const struct world *w, int64_t t0)
{
	int skew = c->cust >= 0 ? w->cust[c->cust].skew : 0;
	int who = c->cust >= 0 ? (int)rng_range(r, 0, w->cust[c->cust].ncontacts - 1) : 0;
	int last = add_plan(c, K_CUSTOMER, t0, -1, who);
	inbound(&c->plans[last], r, skew);
	c->plans[last].variant = (int8_t)rng_range(r, 0, 3);
	if (rng_chance(r, 0.3)) {
		int a = add_plan(c, K_AUTOREPLY_TEAM, t0 + rng_range(r, 3, 40), last, 0);
		c->plans[a].folders = F_SENT;
	}
	int64_t tc = t0;
	for (int round = 0; round < 4 && c->nplans + 8 <= MAXPLAN; round++) {
		if (rng_chance(r, round == 0 ? 0.05 : 0.12)) { /* never answered */
			if (rng_chance(r, 0.4)) {
				int f = add_plan(c, K_FOLLOWUP, customer_after(r, tc), last,
						 customer_who(r, w, c));
				inbound(&c->plans[f], r, skew);
				c->plans[f].refs = (int8_t)pick_refs(r, 0.15, 0.1);
				c->plans[f].variant = (int8_t)rng_range(r, 0, 5);
			}
			return;
		}
		int64_t tr = reply_time(r, tc);
		if (tr - tc > 1800 && rng_chance(r, tr - tc > DAY ? 0.45 : 0.12)) {
			int64_t tf = tc + (int64_t)((double)(tr - tc) * (0.3 + 0.6 * rng_unit(r)));
			last = add_plan(c, K_FOLLOWUP, tf, last, customer_who(r, w, c));
			inbound(&c->plans[last], r, skew);
			c->plans[last].refs = (int8_t)pick_refs(r, 0.15, 0.1);
			c->plans[last].variant = (int8_t)rng_range(r, 0, 5);
		}
		if (tr - c->plans[last].t > 1200 && rng_chance(r, 0.06)) {
			int64_t tf = c->plans[last].t + (tr - c->plans[last].t) / 2;
			int f = add_plan(c, K_INTERNAL_FORWARD, tf, last,
					 (int)rng_range(r, 0, w->nagents - 1));
			struct plan *p = &c->plans[f];
			p->folders = F_SENT;
			p->date_back = (int32_t)rng_range(r, 0, 2);
			p->to_agent =
			    (int8_t)((p->who + 1 + rng_range(r, 0, w->nagents - 2)) % w->nagents);
			if (rng_chance(r, 0.3)) /* forwarded to the shared address: INBOX too */
				p->to_agent = -1, p->folders = F_BOTH,
				p->inbox_lag = (int16_t)rng_range(r, 1, 20);
		}
		int ri = plan_reply(c, r, w, last, tr);
		if (!rng_chance(r, 0.35))
			return;
		tc = customer_after(r, c->plans[c->nplans - 1].t);
		last = add_plan(c, K_CUSTOMER_AGAIN, tc, ri, customer_who(r, w, c));
		inbound(&c->plans[last], r, skew);
		c->plans[last].refs = (int8_t)pick_refs(r, 0.15, 0.1);
		c->plans[last].variant = (int8_t)rng_range(r, 0, 5);
	}
}

/* ---- Heap of pending messages, ordered by (time, sequence). */
struct hent {
	int64_t t;
	uint64_t seq;
	struct conv *c;
	int idx;
};

struct heap {
	struct hent *v;
	size_t n, cap, peak;
	uint64_t seq;
};

static int hless(const struct hent *a, const struct hent *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(struct heap *h, struct conv *c, int idx)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = realloc(h->v, h->cap * sizeof *h->v);
		if (!h->v)
			die(70, "out of memory");
	}
	size_t i = h->n++;
	struct hent e = {c->plans[idx].t, h->seq++, c, idx};
	while (i > 0 && hless(&e, &h->v[(i - 1) / 2])) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = e;
	if (h->n > h->peak)
		h->peak = h->n;
}

static struct hent heap_pop(struct heap *h)
{
	struct hent top = h->v[0], last = h->v[--h->n];
	size_t i = 0;
	for (;;) {
		size_t k = 2 * i + 1;
		if (k >= h->n)
			break;
		if (k + 1 < h->n && hless(&h->v[k + 1], &h->v[k]))
			k++;
		if (!hless(&h->v[k], &last))
			break;
		h->v[i] = h->v[k];
		i = k;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

/* ---- Emitting: request state (truth), sinks. */
struct gen {
	struct world w;
	struct opts o;
	struct rng r;
	struct heap h;
	struct sinks s;
	FILE *truth;
	int64_t end;
	uint64_t emitted, convs, per_kind[K_N], per_folder[3];
	size_t live_convs, peak_convs;
	struct buf msg, tmp, subj, ids[3];
};

static const char *cust_slug(const struct gen *g, const struct conv *c)
{
	return c->cust >= 0 ? g->w.cust[c->cust].slug : "unassigned";
}

static void put_addrs(FILE *f, const char *const *a, int n)
{
	if (n == 0)
		fputs("-", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", a[i]);
}

static const char *const refs_names[] = {"full", "irt", "none"};
static const char *const folder_names[] = {"", "INBOX", "Sent", "Sent+INBOX"};

static void write_truth(struct gen *g, struct conv *c, int idx, const char *opens, int answers)
{
	const struct plan *p = &c->plans[idx];
	struct parties pt;
	FILE *f = g->truth;
	parties_of(&pt, &g->w, c, idx);
	for (int i = 0; i < 3; i++)
		buf_reset(&g->ids[i]);
	msg_id(&g->ids[0], &g->w, c, idx);
	if (p->parent >= 0)
		msg_id(&g->ids[1], &g->w, c, p->parent);
	if (answers >= 0)
		msg_id(&g->ids[2], &g->w, c, answers);
	fprintf(f, "%llu\t%s\t%s\t%s\t%llu\t%s\t", (unsigned long long)g->emitted, g->ids[0].s,
		kind_names[(int)p->kind], cust_slug(g, c), (unsigned long long)c->no,
		folder_names[(int)p->folders]);
	int64_t inbox_t = p->folders == F_BOTH ? p->t + p->inbox_lag : p->t;
	fprintf(f, "%lld\t", (long long)p->t);
	if (p->folders & F_SENT)
		fprintf(f, "%lld\t", (long long)p->t);
	else
		fputs("-\t", f);
	if (p->folders & F_INBOX)
		fprintf(f, "%lld\t", (long long)inbox_t);
	else
		fputs("-\t", f);
	fprintf(f, "%lld\t%s\t", (long long)(p->t - p->date_back), pt.from_addr);
	put_addrs(f, pt.to_addr, pt.nto);
	fputc('\t', f);
	put_addrs(f, pt.cc_addr, pt.ncc);
	fprintf(f, "\t%s\t%s\t%s\t%s\t%s\t%s\n", p->parent >= 0 ? g->ids[1].s : "-",
		p->parent >= 0 ? refs_names[(int)p->refs] : "-", opens,
		answers >= 0 ? g->ids[2].s : "-",
		p->kind == K_TEAM ? (answers >= 0 ? "1" : "0") : "-", g->subj.s);
}

static void emit(struct gen *g, struct conv *c, int idx)
{
	const struct plan *p = &c->plans[idx];
	const char *opens = "-";
	int answers = -1;
	switch (p->kind) { /* SPEC 4.4, in time order within the conversation */
	case K_CUSTOMER:
	case K_FOLLOWUP:
	case K_CUSTOMER_AGAIN:
		if (c->open_idx < 0) {
			opens = c->nreq++ ? "next_reply" : "first_response";
			c->open_idx = idx;
		}
		break;
	case K_TEAM:
		if (c->open_idx >= 0) {
			answers = c->open_idx;
			c->open_idx = -1;
		}
		break;
	default:
		break;
	}
	g->emitted++;
	g->per_kind[(int)p->kind]++;
	buf_reset(&g->subj);
	subject_of(&g->subj, &g->w, c, idx);
	render_message(&g->msg, &g->w, c, idx, g->subj.s, &g->tmp);
	struct parties pt;
	parties_of(&pt, &g->w, c, idx);
	if (p->folders & F_SENT) {
		sinks_put(&g->s, 1, p->t, pt.from_addr, g->msg.s, g->msg.len);
		g->per_folder[1]++;
	}
	if (p->folders & F_INBOX) {
		int64_t t = p->folders == F_BOTH ? p->t + p->inbox_lag : p->t;
		sinks_put(&g->s, 0, t, pt.from_addr, g->msg.s, g->msg.len);
		g->per_folder[0]++;
	}
	if (g->truth)
		write_truth(g, c, idx, opens, answers);
}

static void pop_one(struct gen *g)
{
	struct hent e = heap_pop(&g->h);
	if (e.t < g->end)
		emit(g, e.c, e.idx);
	if (--e.c->pending == 0) {
		free(e.c);
		g->live_convs--;
	}
}

static int pick_customer(struct gen *g)
{
	if (rng_chance(&g->r, 0.04))
		return -1;
	double u = rng_unit(&g->r) * g->w.cust[g->w.ncust - 1].cum;
	int lo = 0, hi = g->w.ncust - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (g->w.cust[mid].cum < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void start_conv(struct gen *g, struct conv *scratch, int64_t t0)
{
	memset(scratch, 0, sizeof *scratch + MAXPLAN * sizeof(struct plan));
	scratch->no = ++g->convs;
	scratch->cust = pick_customer(g);
	scratch->open_idx = -1;
	if (scratch->cust < 0) {
		char local[64];
		make_person(&g->r, scratch->uname, sizeof scratch->uname, local, sizeof local, 0);
		snprintf(scratch->uaddr, sizeof scratch->uaddr, "%s%d@%s", local,
			 (int)rng_range(&g->r, 1, 999),
			 freemail[rng_range(&g->r, 0, NELEM(freemail) - 1)]);
		scratch->unknown.client = pick_client(&g->r);
		scratch->unknown.name = scratch->uname;
		scratch->unknown.addr = scratch->uaddr;
	}
	scratch->subj = (int)rng_range(&g->r, 0, NELEM(subjects) - 1);
	scratch->subj_num = (unsigned)rng_range(&g->r, 1000, 99999);
	plan_conv(scratch, &g->r, &g->w, t0);
	size_t sz = sizeof *scratch + (size_t)scratch->nplans * sizeof(struct plan);
	struct conv *c = malloc(sz);
	if (!c)
		die(70, "out of memory");
	memcpy(c, scratch, sz);
	c->unknown.name = c->uname; /* repoint into the copy */
	c->unknown.addr = c->uaddr;
	c->pending = c->nplans;
	g->live_convs++;
	if (g->live_convs > g->peak_convs)
		g->peak_convs = g->live_convs;
	for (int i = 0; i < c->nplans; i++)
		heap_push(&g->h, c, i);
}

/* Start times of one local day: mostly working hours, some evenings/early. */
static int day_starts(struct gen *g, int64_t day0, int wday, double per_weekday, int64_t **out,
		      size_t *cap)
{
	int weekend = wday == 0 || wday == 6;
	long k = rng_poisson(&g->r, per_weekday * (weekend ? 0.07 : 1.0));
	if ((size_t)k > *cap) {
		*cap = (size_t)k * 2;
		*out = realloc(*out, *cap * sizeof **out);
		if (!*out)
			die(70, "out of memory");
	}
	for (long i = 0; i < k; i++) {
		double u = rng_unit(&g->r);
		int64_t secs;
		if (weekend)
			secs = rng_range(&g->r, 9 * 3600, 22 * 3600);
		else if (u < 0.84)
			secs = rng_range(&g->r, WORK_START_H * 3600, WORK_END_H * 3600 - 1);
		else if (u < 0.96)
			secs = rng_range(&g->r, WORK_END_H * 3600, 23 * 3600);
		else
			secs = rng_range(&g->r, 5 * 3600, WORK_START_H * 3600 - 1);
		(*out)[i] = day0 + secs;
	}
	/* insertion sort is enough: a day has few starts relative to the work */
	for (long i = 1; i < k; i++) {
		int64_t v = (*out)[i];
		long j = i - 1;
		while (j >= 0 && (*out)[j] > v) {
			(*out)[j + 1] = (*out)[j];
			j--;
		}
		(*out)[j + 1] = v;
	}
	return (int)k;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void run(struct gen *g)
{
	struct tm st = local_tm(g->o.start);
	int days = g->o.weeks * 7;
	double per_weekday = (double)g->o.messages / MSGS_PER_CONV / (g->o.weeks * (5 + 2 * 0.07));
	struct conv *scratch = malloc(sizeof *scratch + MAXPLAN * sizeof(struct plan));
	int64_t *starts = NULL;
	size_t cap = 0;
	g->end = local_at(st.tm_year + 1900, st.tm_mon, st.tm_mday + days, 0, 0);
	for (int d = 0; d < days; d++) {
		int64_t day0 = local_at(st.tm_year + 1900, st.tm_mon, st.tm_mday + d, 0, 0);
		int k = day_starts(g, day0, (st.tm_wday + d) % 7, per_weekday, &starts, &cap);
		if (k > 64)
			qsort(starts, (size_t)k, sizeof *starts, cmp_i64);
		for (int i = 0; i < k; i++) {
			while (g->h.n && g->h.v[0].t < starts[i])
				pop_one(g);
			start_conv(g, scratch, starts[i]);
		}
	}
	while (g->h.n)
		pop_one(g);
	free(starts);
	free(scratch);
}

/* [team] and [customer NAME] sections for the generated world. */
static void write_config(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die(74, "cannot create %s: %s", path, strerror(errno));
	fprintf(f,
		"# Generated by rc-gen --seed %llu --customers %d\n\n[team]\naddresses = %s, @%s\n",
		(unsigned long long)g->o.seed, g->o.customers, g->o.mailbox_addr, g->o.team_domain);
	for (int i = 0; i < g->w.ncust; i++) {
		const struct customer *cu = &g->w.cust[i];
		fprintf(f, "\n[customer %s]\nname = %s\nmatch = @%s", cu->slug, cu->name,
			cu->domains[0]);
		if (cu->ndomains > 1)
			fprintf(f, ", @%s", cu->domains[1]);
		if (cu->gmail)
			fprintf(f, ", %s", cu->gmail);
		fprintf(f, "\npolicy = %s\n", g->o.policy);
	}
	if (fclose(f) != 0)
		die(74, "cannot write %s: %s", path, strerror(errno));
}

static const char usage[] =
    "usage: rc-gen [options]\n"
    "  --seed N              PRNG seed (default 1); same seed + options = same bytes\n"
    "  --customers N         number of customers (default 8)\n"
    "  --weeks N             span in weeks (default 4)\n"
    "  --messages N          approximate total (default 30 per customer and week)\n"
    "  --start YYYY-MM-DD    first local day (default 2026-01-05)\n"
    "  --timezone TZ         working hours mon-fri 08-16 in this zone (default Europe/Oslo)\n"
    "  --team-domain D       (default example.com)\n"
    "  --mailbox-address A   the shared support address (default support@DOMAIN)\n"
    "  --team-name NAME      display name of the shared address (default \"Support\")\n"
    "  --policy NAME         policy named in the config snippet (default standard)\n"
    "  --maildir DIR         Maildir++: INBOX = DIR, sent = DIR/.Sent\n"
    "  --mbox-inbound FILE --mbox-sent FILE   mboxrd files (LF; --mbox-crlf keeps CRLF)\n"
    "  --imap HOST:PORT --user U --password-env VAR [--tls|--starttls] [--ca-file F]\n"
    "  --imap-inbox NAME --imap-sent NAME     target folders (default INBOX, Sent)\n"
    "  --truth FILE          TSV record of every message\n"
    "  --config-snippet FILE [team] and [customer NAME] sections\n"
    "  --stats               print counts, peak heap and conversations to stderr\n";

static int64_t parse_date(const char *s)
{
	int y, m, d;
	char extra;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		die(64, "--start: expected YYYY-MM-DD, got \"%s\"", s);
	return local_at(y, m - 1, d, 0, 0);
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		die(64, "--%s: expected a number in %ld..%ld, got \"%s\"", opt, lo, hi, s);
	return v;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die(74, "cannot create %s: %s", path, strerror(errno));
	return f;
}

static void close_out(FILE *f, const char *path)
{
	if (f && fclose(f) != 0)
		die(74, "cannot write %s: %s", path, strerror(errno));
}

static void parse_args(struct gen *g, int argc, char **argv, int *stats)
{
	enum {
		O_SEED = 256,
		O_CUST,
		O_WEEKS,
		O_MSGS,
		O_START,
		O_TZ,
		O_TDOM,
		O_MBOX_ADDR,
		O_TNAME,
		O_POLICY,
		O_MAILDIR,
		O_MBOX_IN,
		O_MBOX_SENT,
		O_MBOX_CRLF,
		O_IMAP,
		O_USER,
		O_PWENV,
		O_TLS,
		O_STARTTLS,
		O_CA,
		O_IMAP_IN,
		O_IMAP_SENT,
		O_TRUTH,
		O_CONF,
		O_STATS,
		O_HELP
	};
	static const struct option lo[] = {
	    {"seed", 1, 0, O_SEED},
	    {"customers", 1, 0, O_CUST},
	    {"weeks", 1, 0, O_WEEKS},
	    {"messages", 1, 0, O_MSGS},
	    {"start", 1, 0, O_START},
	    {"timezone", 1, 0, O_TZ},
	    {"team-domain", 1, 0, O_TDOM},
	    {"mailbox-address", 1, 0, O_MBOX_ADDR},
	    {"team-name", 1, 0, O_TNAME},
	    {"policy", 1, 0, O_POLICY},
	    {"maildir", 1, 0, O_MAILDIR},
	    {"mbox-inbound", 1, 0, O_MBOX_IN},
	    {"mbox-sent", 1, 0, O_MBOX_SENT},
	    {"mbox-crlf", 0, 0, O_MBOX_CRLF},
	    {"imap", 1, 0, O_IMAP},
	    {"user", 1, 0, O_USER},
	    {"password-env", 1, 0, O_PWENV},
	    {"tls", 0, 0, O_TLS},
	    {"starttls", 0, 0, O_STARTTLS},
	    {"ca-file", 1, 0, O_CA},
	    {"imap-inbox", 1, 0, O_IMAP_IN},
	    {"imap-sent", 1, 0, O_IMAP_SENT},
	    {"truth", 1, 0, O_TRUTH},
	    {"config-snippet", 1, 0, O_CONF},
	    {"stats", 0, 0, O_STATS},
	    {"help", 0, 0, O_HELP},
	    {0, 0, 0, 0},
	};
	struct opts *o = &g->o;
	const char *start = "2026-01-05", *imap = NULL, *mbox_in = NULL, *mbox_sent = NULL;
	static char mbox_addr[256];
	int c;
	o->seed = 1, o->customers = 8, o->weeks = 4, o->messages = -1;
	o->tz = "Europe/Oslo", o->team_domain = "example.com", o->team_name = "Support";
	o->policy = "standard";
	g->s.imap_folder[0] = "INBOX", g->s.imap_folder[1] = "Sent";
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_SEED:
			o->seed = (uint64_t)parse_num("seed", optarg, 0, 0x7fffffffffffffffL);
			break;
		case O_CUST:
			o->customers = (int)parse_num("customers", optarg, 1, 100000);
			break;
		case O_WEEKS:
			o->weeks = (int)parse_num("weeks", optarg, 1, 5200);
			break;
		case O_MSGS:
			o->messages = parse_num("messages", optarg, 1, 100000000);
			break;
		case O_START:
			start = optarg;
			break;
		case O_TZ:
			o->tz = optarg;
			break;
		case O_TDOM:
			o->team_domain = optarg;
			break;
		case O_MBOX_ADDR:
			o->mailbox_addr = optarg;
			break;
		case O_TNAME:
			o->team_name = optarg;
			break;
		case O_POLICY:
			o->policy = optarg;
			break;
		case O_MAILDIR:
			g->s.maildir = optarg;
			break;
		case O_MBOX_IN:
			mbox_in = optarg;
			break;
		case O_MBOX_SENT:
			mbox_sent = optarg;
			break;
		case O_MBOX_CRLF:
			g->s.mbox_crlf = 1;
			break;
		case O_IMAP:
			imap = optarg;
			break;
		case O_USER:
			o->imap.user = optarg;
			break;
		case O_PWENV:
			o->imap.password_env = optarg;
			break;
		case O_TLS:
			o->imap.tls = 1;
			break;
		case O_STARTTLS:
			o->imap.starttls = 1;
			break;
		case O_CA:
			o->imap.ca_file = optarg;
			break;
		case O_IMAP_IN:
			g->s.imap_folder[0] = optarg;
			break;
		case O_IMAP_SENT:
			g->s.imap_folder[1] = optarg;
			break;
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_CONF:
			o->config_snippet = optarg;
			break;
		case O_STATS:
			*stats = 1;
			break;
		case O_HELP:
			fputs(usage, stdout);
			exit(0);
		default:
			fprintf(stderr, "rc-gen: unknown or incomplete option \"%s\"\n%s",
				argv[optind - 1], usage);
			exit(64);
		}
	}
	if (optind < argc)
		die(64, "unexpected argument \"%s\" (see --help)", argv[optind]);
	if (!!mbox_in != !!mbox_sent)
		die(64, "--mbox-inbound and --mbox-sent go together");
	if (!o->mailbox_addr) {
		snprintf(mbox_addr, sizeof mbox_addr, "support@%s", o->team_domain);
		o->mailbox_addr = mbox_addr;
	}
	if (o->messages < 0)
		o->messages = 30L * o->customers * o->weeks;
	/* Working hours are local to --timezone; this standalone tool may own TZ. */
	char tzpath[512];
	snprintf(tzpath, sizeof tzpath, "/usr/share/zoneinfo/%s", o->tz);
	if (access(tzpath, R_OK) != 0)
		die(64, "--timezone: unknown time zone \"%s\" (no %s)", o->tz, tzpath);
	setenv("TZ", o->tz, 1);
	tzset();
	o->start = parse_date(start);
	if (mbox_in) {
		g->s.mbox[0] = open_out(mbox_in), g->s.mbox_path[0] = mbox_in;
		g->s.mbox[1] = open_out(mbox_sent), g->s.mbox_path[1] = mbox_sent;
	}
	if (imap) {
		const char *colon = strrchr(imap, ':');
		if (!colon || !o->imap.user)
			die(64, "--imap HOST:PORT needs --user and --password-env");
		static char host[256];
		snprintf(host, sizeof host, "%.*s", (int)(colon - imap), imap);
		o->imap.host = host;
		o->imap.port = (int)parse_num("imap port", colon + 1, 1, 65535);
	}
}

int main(int argc, char **argv)
{
	static struct gen g;
	int stats = 0;
	signal(SIGPIPE, SIG_IGN);
	parse_args(&g, argc, argv, &stats);
	rng_seed(&g.r, g.o.seed);
	build_world(&g.w, &g.o, &g.r);
	if (g.o.config_snippet)
		write_config(&g, g.o.config_snippet);
	if (g.s.maildir)
		maildir_create(g.s.maildir);
	if (g.o.truth) {
		g.truth = open_out(g.o.truth);
		fputs("#seq\tmessage_id\tkind\tcustomer\tconv\tfolders\ttime\tsent_internaldate\t"
		      "inbox_internaldate\tdate_header\tfrom\tto\tcc\tparent_message_"
		      "id\trefs\topens\t"
		      "answers\tfirst_reply\tsubject\n",
		      g.truth);
	}
	if (g.o.imap.host)
		imap_open(&g.s, &g.o.imap);
	run(&g);
	imap_close(&g.s);
	close_out(g.truth, g.o.truth);
	close_out(g.s.mbox[0], g.s.mbox_path[0]);
	close_out(g.s.mbox[1], g.s.mbox_path[1]);
	if (stats) {
		fprintf(stderr,
			"rc-gen: %llu messages in %llu conversations (INBOX %llu, Sent %llu);"
			" peak heap %zu, peak live conversations %zu\n",
			(unsigned long long)g.emitted, (unsigned long long)g.convs,
			(unsigned long long)g.per_folder[0], (unsigned long long)g.per_folder[1],
			g.h.peak, g.peak_convs);
		for (int k = 0; k < K_N; k++)
			fprintf(stderr, "  %-20s %llu\n", kind_names[k],
				(unsigned long long)g.per_kind[k]);
	}
	free(g.h.v);
	free(g.msg.s), free(g.tmp.s), free(g.subj.s), free(g.s.tmp.s);
	for (int i = 0; i < 3; i++)
		free(g.ids[i].s);
	free_world(&g.w);
	return 0;
}
