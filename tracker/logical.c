/* Folding sightings into logical messages, one per Message-ID (SPEC §3, §4.1). */
#include "tracker/logical.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

/* A sighting with its effective id, for sorting. */
struct keyed {
	uint64_t pre[2]; /* the id's first 16 bytes, big-endian, NUL-padded */
	const struct sighting *s;
	char *id;     /* the message's, or synthetic (owned: own) */
	bool own;
};

/* The first 16 bytes of s as two numbers that compare as strcmp() compares
 * those bytes; bytes after the NUL are 0. */
static void prefix_of(const char *s, uint64_t pre[2])
{
	pre[0] = pre[1] = 0;
	for (unsigned k = 0; k < 16 && s[k]; k++)
		pre[k / 8] |= (uint64_t)(unsigned char)s[k] << (56 - 8 * (k % 8));
}

/* strcmp(a->id, b->id), from the prefixes when they differ: most
 * comparisons of a million-id sort then read no string. */
static int id_cmp(const struct keyed *a, const struct keyed *b)
{
	for (unsigned k = 0; k < 2; k++)
		if (a->pre[k] != b->pre[k])
			return a->pre[k] < b->pre[k] ? -1 : 1;
	if ((a->pre[1] & 0xff) == 0) /* a NUL within the prefix: the ids are equal */
		return 0;
	return strcmp(a->id + 16, b->id + 16);
}

static int nullcmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Within one Message-ID the first sighting after this order gives the
 * headers and the mailbox: a cleanly parsed one, an inbound one (the shared
 * mailbox's view), then by name and UID so the pick never depends on input
 * order. */
static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = id_cmp(a, b);
	if (c)
		return c;
	const struct message *ma = a->s->msg, *mb = b->s->msg;
	if ((ma->parse_error != NULL) != (mb->parse_error != NULL))
		return ma->parse_error ? 1 : -1;
	if (a->s->role != b->s->role)
		return a->s->role == ROLE_INBOUND ? -1 : 1;
	if ((c = nullcmp(a->s->mailbox, b->s->mailbox)) || (c = nullcmp(a->s->folder, b->s->folder)))
		return c;
	if (ma->uid != mb->uid)
		return ma->uid < mb->uid ? -1 : 1;
	if (ma->internaldate != mb->internaldate)
		return ma->internaldate < mb->internaldate ? -1 : 1;
	return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	h ^= 0x1f; /* field separator, so ("ab","c") != ("a","bc") */
	h *= UINT64_C(1099511628211);
	return h;
}

char *logical_synthetic_id(const struct message *m)
{
	uint64_t h = UINT64_C(14695981039346656037);
	char date[32];
	snprintf(date, sizeof date, "%lld", m->has_date ? (long long)m->date : -1LL);
	h = fnv1a(h, m->from_addr);
	h = fnv1a(h, date);
	h = fnv1a(h, m->subject);
	for (size_t i = 0; i < m->to_addrs.n; i++)
		h = fnv1a(h, m->to_addrs.v[i]);
	return xasprintf("synthetic.%016" PRIx64 "@replyclock.invalid", h);
}

static void strlist_add_unique(struct strlist *l, const char *s)
{
	if (!s || l->n >= MSG_MAX_LIST_ITEMS)
		return;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return;
	if ((l->n & (l->n - 1)) == 0) /* 0, 1, 2, 4...: room for twice as many */
		l->v = xrealloc(l->v, (l->n ? 2 * l->n : 1) * sizeof *l->v);
	l->v[l->n++] = (char *)s;
}

/* A list that strlist_add_unique() would copy as it is: shared instead. */
static bool shareable(const struct strlist *l)
{
	if (l->n > MSG_MAX_LIST_ITEMS)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i])
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->v[i], l->v[j]) == 0)
				return false;
	}
	return true;
}

/* Turns a shared list into an owned copy with the room strlist_add_unique()
 * expects (the next power of two). */
static void own_list(struct strlist *l)
{
	size_t cap = 1;
	while (cap < l->n)
		cap *= 2;
	char **v = xmalloc(cap * sizeof *v);
	if (l->n)
		memcpy(v, l->v, l->n * sizeof *v);
	l->v = v;
}

/* The strings are the sightings': only the array is the set's, if that. */
static void strlist_free(struct strlist *l, bool owned)
{
	if (owned)
		free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void earliest(time_t *slot, time_t t)
{
	if (t != 0 && (*slot == 0 || t < *slot))
		*slot = t;
}

/* Adds sighting k (already in sorted order) to logical message lm. */
static void absorb(struct logical_msg *lm, const struct keyed *k)
{
	const struct message *m = k->s->msg;
	bool first = lm->n_sightings++ == 0;
	if (first) {
		lm->hdr = m;
		lm->mailbox = k->s->mailbox;
	}
	if (k->s->role == ROLE_INBOUND) {
		lm->seen_inbound = true;
		earliest(&lm->inbound_internaldate, m->internaldate);
	} else {
		lm->seen_sent = true;
		earliest(&lm->sent_internaldate, m->internaldate);
	}
	/* Most messages have one sighting: their lists are the sighting's. */
	if (first && shareable(&m->to_addrs) && shareable(&m->cc_addrs)) {
		lm->to = m->to_addrs;
		lm->cc = m->cc_addrs;
		return;
	}
	if (!lm->lists_owned) {
		if (!first) {
			own_list(&lm->to);
			own_list(&lm->cc);
		}
		lm->lists_owned = true;
	}
	for (size_t i = 0; i < m->to_addrs.n; i++)
		strlist_add_unique(&lm->to, m->to_addrs.v[i]);
	for (size_t i = 0; i < m->cc_addrs.n; i++)
		strlist_add_unique(&lm->cc, m->cc_addrs.v[i]);
}

void logical_fold(const struct sighting *s, size_t n, struct logical_set *out)
{
	out->v = NULL;
	out->n = 0;
	if (n == 0)
		return;
	struct keyed *k = xmalloc(n * sizeof *k);
	for (size_t i = 0; i < n; i++) {
		k[i].s = &s[i];
		k[i].own = !s[i].msg->message_id || !*s[i].msg->message_id;
		k[i].id = k[i].own ? logical_synthetic_id(s[i].msg) : s[i].msg->message_id;
		prefix_of(k[i].id, k[i].pre);
	}
	qsort(k, n, sizeof *k, keyed_cmp);
	out->v = xmalloc(n * sizeof *out->v); /* each written whole before it is read */
	for (size_t i = 0, first = 0; i < n; i++) {
		/* k[first] opened the current message; its id is the set's now */
		if (i == 0 || id_cmp(&k[first], &k[i]) != 0) {
			first = i;
			out->v[out->n++] = (struct logical_msg){ .message_id = k[i].id, .own_id = k[i].own };
			k[i].own = false;
		}
		absorb(&out->v[out->n - 1], &k[i]);
		if (k[i].own)
			free(k[i].id);
	}
	free(k);
	if (out->n < n) /* duplicates folded: give the rest back */
		out->v = xrealloc(out->v, out->n * sizeof *out->v);
}

void logical_set_free(struct logical_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].own_id)
			free(set->v[i].message_id);
		strlist_free(&set->v[i].to, set->v[i].lists_owned);
		strlist_free(&set->v[i].cc, set->v[i].lists_owned);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

long logical_find(const struct logical_set *set, const char *message_id)
{
	size_t lo = 0, hi = set->n;
	if (!message_id)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->v[mid].message_id, message_id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

time_t logical_time(const struct logical_msg *m, bool team_side, enum arrival_time at)
{
	time_t date = m->hdr && m->hdr->has_date ? m->hdr->date : 0;
	if (team_side) {
		if (m->sent_internaldate)
			return m->sent_internaldate;
		if (m->inbound_internaldate)
			return m->inbound_internaldate;
		return date;
	}
	if (at == ARRIVAL_DATE && date)
		return date;
	if (m->inbound_internaldate)
		return m->inbound_internaldate;
	if (m->sent_internaldate)
		return m->sent_internaldate;
	return date;
}
