/* Threading logical messages into conversations (SPEC §4.3). */
#include "tracker/thread.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracker/strpool.h"
#include "tracker/util.h"

/* ---- subject normalisation ---- */

static const char *skip_space(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
			p += 2; /* NO-BREAK SPACE, common in Outlook subjects */
		else
			return p;
	}
}

/* If p starts with one reply/forward prefix ("Re:", "SV [3]:", "Fwd :"),
 * returns the position after its colon, else NULL. */
static const char *strip_prefix(const char *p)
{
	static const char *const words[] = { "re", "aw", "sv", "vs", "fwd", "fw", "wg", "antw", "vb" };
	switch (*p | 0x20) { /* most subjects start with no prefix's letter */
	case 'r': case 'a': case 's': case 'v': case 'f': case 'w':
		break;
	default:
		return NULL;
	}
	for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
		size_t len = strlen(words[w]);
		if (strncasecmp(p, words[w], len) != 0)
			continue;
		const char *q = skip_space(p + len);
		if (*q == '[' || *q == '(') {
			char close = *q == '[' ? ']' : ')';
			const char *d = q + 1;
			while (isdigit((unsigned char)*d))
				d++;
			if (d == q + 1 || *d != close)
				continue;
			q = skip_space(d + 1);
		}
		if (*q == ':')
			return q + 1;
	}
	return NULL;
}

/* Writes the normalised subject into out (room for strlen(subject) + 1);
 * returns its length. */
static size_t normalise_into(const char *subject, char *out)
{
	const char *p = subject ? subject : "", *next;
	for (;;) {
		p = skip_space(p);
		if (!(next = strip_prefix(p)))
			break;
		p = next;
	}
	char *o = out;
	while (*p) {
		const char *q = skip_space(p);
		if (q != p) {
			if (*q && o != out)
				*o++ = ' ';
			p = q;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (c == 0xc3 && (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9e &&
		    (unsigned char)p[1] != 0x97) {
			/* U+00C0..U+00DE (but not U+00D7 ×) lower-case by +0x20: ÆØÅÉÜÖÄ... */
			*o++ = (char)0xc3;
			*o++ = (char)((unsigned char)p[1] + 0x20);
			p += 2;
		} else {
			*o++ = (char)tolower(c);
			p++;
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}

char *subject_normalise(const char *subject)
{
	char *out = xmalloc((subject ? strlen(subject) : 0) + 1);
	normalise_into(subject, out);
	return out;
}

const char *thread_link_name(enum thread_link l)
{
	static const char *const names[] = { "new", "in_reply_to", "references", "subject" };
	return (unsigned)l < sizeof names / sizeof *names ? names[l] : "?";
}

/* ---- threading ---- */

/* How many messages ahead the loops over the set ask for the memory they
 * will read: headers and strings lie scattered over the loaded rows, and a
 * million cache misses one after another cost more than the work. */
#define AHEAD 8

/* Starts loading the headers of message i + 2 * AHEAD and the string at
 * offset off of the headers of message i + AHEAD (loaded one round ago). */
static void prefetch_hdr(const struct logical_set *set, size_t i, size_t off)
{
	if (i + 2 * AHEAD < set->n)
		__builtin_prefetch(set->v[i + 2 * AHEAD].hdr);
	if (i + AHEAD < set->n) {
		const char *p = *(const char *const *)((const char *)set->v[i + AHEAD].hdr + off);
		if (p)
			__builtin_prefetch(p);
	}
}

/* Zeroed memory whose first touch is a write: calloc's fresh pages are
 * mapped on the first read and copied on the first write, two faults a
 * page for arrays that are read (counted, probed) before they are written. */
static void *zeroed(size_t n, size_t size)
{
	void *p = xmalloc(n * size);
	memset(p, 0, n * size);
	return p;
}

struct work {
	const struct config *cfg;
	const struct logical_set *set;
	const struct classification *cls;
	size_t n;
	size_t *rank;        /* position of each message in (time, id) order */
	size_t *order;       /* the messages in that order: order[rank[i]] == i */
	long *parent;        /* reference parent, -1 none */
	size_t *root;
	long *subj_group;    /* equal normalised subjects share a group; -1 empty */
	enum thread_link *link;
	struct id_slot *ids; /* Message-ID hash table */
	size_t ids_mask;
};

struct conv_build {
	size_t *members;
	size_t n, cap;
	long first_cust;     /* earliest customer-side member, -1 */
	long first_party;    /* earliest member with a party, -1 */
};

/* A message's time as an unsigned key that sorts like the signed time. */
struct timed {
	uint64_t key;
	size_t i;
};

/* Stable LSD radix sort of v by key, a byte at a time (tmp: room for n);
 * passes over a byte that all keys share are skipped. */
static void radix_sort(struct timed *v, struct timed *tmp, size_t n)
{
	struct timed *src = v, *dst = tmp;
	for (unsigned shift = 0; n && shift < 64; shift += 8) {
		size_t count[256] = { 0 };
		for (size_t k = 0; k < n; k++)
			count[(src[k].key >> shift) & 0xff]++;
		if (count[(src[0].key >> shift) & 0xff] == n)
			continue;
		size_t pos = 0;
		for (unsigned b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = pos;
			pos += c;
		}
		for (size_t k = 0; k < n; k++)
			dst[count[(src[k].key >> shift) & 0xff]++] = src[k];
		struct timed *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

/* Ranks by (time, Message-ID). The set is sorted by Message-ID and the
 * sort is stable, so messages of equal time stay in Message-ID order. */
static void rank_messages(struct work *w)
{
	struct timed *v = xmalloc((w->n ? w->n : 1) * sizeof *v), *tmp = xmalloc((w->n ? w->n : 1) * sizeof *v);
	for (size_t i = 0; i < w->n; i++)
		v[i] = (struct timed){ (uint64_t)w->cls[i].time ^ (UINT64_C(1) << 63), i };
	radix_sort(v, tmp, w->n);
	for (size_t r = 0; r < w->n; r++) {
		w->order[r] = v[r].i;
		w->rank[v[r].i] = r;
	}
	free(v);
	free(tmp);
}

struct id_slot {
	const char *id;      /* the set's Message-ID (read without the set) */
	uint32_t idx;        /* index + 1 into the set, 0 empty */
	uint32_t hash;
};

static uint32_t id_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* A hash table of the set's Message-IDs: what logical_find() answers, for
 * the million lookups of the references without a binary search each. */
static void index_ids(struct work *w)
{
	size_t cap = 16;
	while (cap < 2 * w->n)
		cap *= 2;
	w->ids = zeroed(cap, sizeof *w->ids);
	w->ids_mask = cap - 1;
	uint32_t *hash = xmalloc((w->n ? w->n : 1) * sizeof *hash);
	for (size_t i = 0; i < w->n; i++) {
		if (i + AHEAD < w->n)
			__builtin_prefetch(w->set->v[i + AHEAD].message_id);
		hash[i] = id_hash(w->set->v[i].message_id);
	}
	for (size_t i = 0; i < w->n; i++) {
		if (i + AHEAD < w->n)
			__builtin_prefetch(&w->ids[hash[i + AHEAD] & w->ids_mask]);
		uint32_t h = hash[i];
		size_t k = h & w->ids_mask;
		while (w->ids[k].idx)
			k = (k + 1) & w->ids_mask;
		w->ids[k] = (struct id_slot){ w->set->v[i].message_id, (uint32_t)(i + 1), h };
	}
	free(hash);
}

static long find_hashed(const struct work *w, const char *id, uint32_t h)
{
	for (size_t k = h & w->ids_mask; w->ids[k].idx; k = (k + 1) & w->ids_mask) {
		const char *cand = w->ids[k].id;
		/* loaded ids are interned: the same pointer, mostly */
		if (w->ids[k].hash == h && (cand == id || strcmp(cand, id) == 0))
			return (long)w->ids[k].idx - 1;
	}
	return -1;
}

static long find_id(const struct work *w, const char *id)
{
	return id ? find_hashed(w, id, id_hash(id)) : -1;
}

static long known(const struct work *w, const char *id, size_t self)
{
	long k = find_id(w, id);
	return k == (long)self ? -1 : k;
}

static void find_parents(struct work *w)
{
	uint32_t *hash = xmalloc((w->n ? w->n : 1) * sizeof *hash);
	for (size_t i = 0; i < w->n; i++) { /* In-Reply-To hashes first: then the table can be prefetched */
		prefetch_hdr(w->set, i, offsetof(struct message, in_reply_to));
		const char *irt = w->set->v[i].hdr->in_reply_to;
		hash[i] = irt ? id_hash(irt) : 0;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (i + AHEAD < w->n)
			__builtin_prefetch(&w->ids[hash[i + AHEAD] & w->ids_mask]);
		const struct message *m = w->set->v[i].hdr;
		long p = m->in_reply_to ? find_hashed(w, m->in_reply_to, hash[i]) : -1;
		if (p == (long)i)
			p = -1;
		w->link[i] = p >= 0 ? LINK_IN_REPLY_TO : LINK_NEW;
		for (size_t r = m->references.n; p < 0 && r-- > 0;) {
			p = known(w, m->references.v[r], i);
			if (p >= 0)
				w->link[i] = LINK_REFERENCES;
		}
		w->parent[i] = p;
	}
	free(hash);
}

/* Follows parents from i, pushing unvisited nodes; returns the node where
 * the walk stopped (-1 at a root). */
static long walk(struct work *w, size_t i, unsigned char *state, size_t *path, size_t *top)
{
	long cur = (long)i;
	*top = 0;
	while (cur >= 0 && state[cur] == 0) {
		state[cur] = 1;
		path[(*top)++] = (size_t)cur;
		cur = w->parent[cur];
	}
	return cur;
}

/* Reference loops (possible in hostile or broken mail) are cut at their
 * earliest message, which then becomes the root. */
static void find_roots(struct work *w)
{
	unsigned char *state = zeroed(w->n ? w->n : 1, 1);
	size_t *path = xmalloc((w->n ? w->n : 1) * sizeof *path), top;
	for (size_t i = 0; i < w->n; i++) {
		if (state[i])
			continue;
		long stop = walk(w, i, state, path, &top);
		if (stop >= 0 && state[stop] == 1) {
			size_t p = 0, min = (size_t)stop;
			while (path[p] != (size_t)stop)
				p++;
			for (; p < top; p++)
				if (w->rank[path[p]] < w->rank[min])
					min = path[p];
			w->parent[min] = -1;
			w->link[min] = LINK_NEW;
			for (p = 0; p < top; p++)
				state[path[p]] = 0;
			walk(w, i, state, path, &top);
		}
		for (size_t k = top; k-- > 0;) {
			size_t node = path[k];
			w->root[node] = w->parent[node] < 0 ? node : w->root[w->parent[node]];
			state[node] = 2;
		}
	}
	free(state);
	free(path);
}

/* Normalises every subject into out's keys (interned: equal subjects share
 * one copy and one number, the group) and numbers the distinct non-empty
 * ones; returns the count. */
static size_t group_subjects(struct work *w, struct thread_result *out)
{
	char *buf = NULL;
	size_t cap = 0;
	out->keys = strpool_new();
	out->subject_key = zeroed(w->n ? w->n : 1, sizeof *out->subject_key);
	for (size_t i = 0; i < w->n; i++) {
		prefetch_hdr(w->set, i, offsetof(struct message, subject));
		const char *subject = w->set->v[i].hdr->subject;
		size_t len = subject ? strlen(subject) : 0;
		if (len + 1 > cap) {
			cap = 2 * len + 64;
			buf = xrealloc(buf, cap);
		}
		size_t n = normalise_into(subject, buf);
		uint32_t g;
		w->subj_group[i] = -1;
		if (n) {
			out->subject_key[i] = strpool_intern(out->keys, buf, n, &g);
			w->subj_group[i] = (long)g;
		}
	}
	free(buf);
	return strpool_count(out->keys);
}

static bool has_party(const struct classification *c)
{
	return c->customer || c->unassigned_addr;
}

static bool same_party(const struct classification *a, const struct classification *b)
{
	if (a->customer || b->customer)
		return a->customer == b->customer;
	return a->unassigned_addr && b->unassigned_addr &&
	       strcasecmp(a->unassigned_addr, b->unassigned_addr) == 0;
}

static void conv_add(const struct work *w, struct conv_build *c, size_t i)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4;
		c->members = xrealloc(c->members, c->cap * sizeof *c->members);
	}
	c->members[c->n++] = i;
	if (classification_is_customer_side(&w->cls[i]) &&
	    (c->first_cust < 0 || w->rank[i] < w->rank[c->first_cust]))
		c->first_cust = (long)i;
	if (has_party(&w->cls[i]) && (c->first_party < 0 || w->rank[i] < w->rank[c->first_party]))
		c->first_party = (long)i;
}

static const struct classification *conv_party(const struct work *w, const struct conv_build *c)
{
	long p = c->first_cust >= 0 ? c->first_cust : c->first_party;
	return p >= 0 ? &w->cls[p] : NULL;
}

/* The latest customer/team message of c at or before t, or -1 if none
 * lies within the window before t. */
static long last_alive(const struct work *w, const struct conv_build *c, time_t t)
{
	long best = -1;
	for (size_t k = 0; k < c->n; k++) {
		size_t i = c->members[k];
		const struct classification *ci = &w->cls[i];
		if (!classification_counts_for_thread(ci) || ci->time > t ||
		    t - ci->time > w->cfg->defaults.thread_window)
			continue;
		if (best < 0 || w->rank[i] > w->rank[best])
			best = (long)i;
	}
	return best;
}

/* Registry of conversations per subject group. */
struct registry {
	size_t **v;
	size_t *n;
};

static long subject_match(const struct work *w, const struct registry *reg,
			  const struct conv_build *convs, size_t root)
{
	long g = w->subj_group[root], best = -1, best_msg = -1;
	const struct classification *rc = &w->cls[root];
	if (g < 0 || !has_party(rc))
		return -1;
	for (size_t k = 0; k < reg->n[g]; k++) {
		size_t c = reg->v[g][k];
		const struct classification *pc = conv_party(w, &convs[c]);
		if (!pc || !same_party(pc, rc))
			continue;
		long last = last_alive(w, &convs[c], rc->time);
		if (last >= 0 && (best_msg < 0 || w->rank[last] > w->rank[best_msg])) {
			best = (long)c;
			best_msg = last;
		}
	}
	return best;
}

static void reg_add(struct registry *reg, long g, size_t conv)
{
	if (g < 0)
		return;
	for (size_t k = 0; k < reg->n[g]; k++)
		if (reg->v[g][k] == conv)
			return;
	reg->v[g] = xrealloc(reg->v[g], (reg->n[g] + 1) * sizeof **reg->v);
	reg->v[g][reg->n[g]++] = conv;
}

/* The messages in the order the trees are placed: trees by the rank of
 * their root, the root first (it opens its tree), then the others by rank.
 * A counting sort over the rank order. Returns a malloc'd array of n. */
static size_t *tree_order(const struct work *w)
{
	size_t m = w->n ? w->n : 1;
	size_t *idx = xmalloc(m * sizeof *idx), *next = zeroed(m, sizeof *next), pos = 0;
	for (size_t i = 0; i < w->n; i++)
		next[w->root[i]]++; /* tree sizes, by root */
	for (size_t r = 0; r < w->n; r++) {
		size_t i = w->order[r];
		if (w->root[i] != i)
			continue;
		size_t size = next[i];
		idx[pos] = i;
		next[i] = pos + 1; /* where its next member goes */
		pos += size;
	}
	for (size_t r = 0; r < w->n; r++) {
		size_t i = w->order[r];
		if (w->root[i] != i)
			idx[next[w->root[i]]++] = i;
	}
	free(next);
	return idx;
}

/* Walks the reference trees in the order of their roots and places each
 * into a conversation; returns the number of conversations built. */
static size_t place_trees(struct work *w, size_t n_groups, struct conv_build **out)
{
	struct registry reg = { zeroed(n_groups + 1, sizeof *reg.v), zeroed(n_groups + 1, sizeof *reg.n) };
	struct conv_build *convs = NULL;
	size_t n_convs = 0, *idx = tree_order(w);
	long cur = -1;
	for (size_t k = 0; k < w->n; k++) {
		size_t i = idx[k], root = w->root[i];
		if (i == root) { /* the first member of its tree in this order */
			cur = subject_match(w, &reg, convs, root);
			if (cur >= 0)
				w->link[root] = LINK_SUBJECT;
			else {
				convs = xrealloc(convs, (n_convs + 1) * sizeof *convs);
				convs[n_convs] = (struct conv_build){ NULL, 0, 0, -1, -1 };
				cur = (long)n_convs++;
			}
			reg_add(&reg, w->subj_group[root], (size_t)cur);
		}
		conv_add(w, &convs[cur], i);
	}
	for (size_t g = 0; g < n_groups; g++)
		free(reg.v[g]);
	free(reg.v);
	free(reg.n);
	free(idx);
	*out = convs;
	return n_convs;
}

/* A conversation's id is its first member's Message-ID, and the set is
 * sorted by Message-ID: comparing the members' indexes compares the ids. */
static int conv_id_cmp(const void *pa, const void *pb)
{
	const struct conversation *a = pa, *b = pb;
	return a->members[0] < b->members[0] ? -1 : a->members[0] > b->members[0];
}

static int rank_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct work *w = ctx;
	size_t a = w->rank[*(const size_t *)pa], b = w->rank[*(const size_t *)pb];
	return a < b ? -1 : a > b;
}

static void finish(struct work *w, struct conv_build *cb, size_t n_convs, struct thread_result *out)
{
	out->convs = xcalloc(n_convs ? n_convs : 1, sizeof *out->convs);
	out->n_convs = n_convs;
	for (size_t c = 0; c < n_convs; c++) {
		struct conversation *cv = &out->convs[c];
		qsort_r(cb[c].members, cb[c].n, sizeof *cb[c].members, rank_cmp, w);
		cv->members = cb[c].members;
		cv->n_members = cb[c].n;
		cv->id = w->set->v[cv->members[0]].message_id;
		cv->has_customer_msg = cb[c].first_cust >= 0;
		const struct classification *p = conv_party(w, &cb[c]);
		if (p) {
			cv->customer = p->customer;
			cv->unassigned_addr = p->customer ? NULL : p->unassigned_addr;
		}
	}
	qsort(out->convs, n_convs, sizeof *out->convs, conv_id_cmp);
	for (size_t c = 0; c < n_convs; c++)
		for (size_t k = 0; k < out->convs[c].n_members; k++)
			out->conv_of[out->convs[c].members[k]] = c;
}

void thread_build(const struct config *cfg, const struct logical_set *set,
		  const struct classification *cls, struct thread_result *out)
{
	size_t n = set->n, m = n ? n : 1;
	struct work w = { cfg, set, cls, n, xmalloc(m * sizeof(size_t)), xmalloc(m * sizeof(size_t)),
			  xmalloc(m * sizeof(long)),
			  xmalloc(m * sizeof(size_t)), xmalloc(m * sizeof(long)),
			  xcalloc(m, sizeof(enum thread_link)), NULL, 0 };
	rank_messages(&w);
	index_ids(&w);
	find_parents(&w);
	free(w.ids);
	find_roots(&w);
	size_t groups = group_subjects(&w, out);
	struct conv_build *cb;
	size_t n_convs = place_trees(&w, groups, &cb);
	out->conv_of = xcalloc(m, sizeof *out->conv_of);
	out->link = w.link;
	finish(&w, cb, n_convs, out);
	free(cb);
	free(w.rank);
	free(w.order);
	free(w.parent);
	free(w.root);
	free(w.subj_group);
}

void thread_result_free(struct thread_result *r)
{
	for (size_t c = 0; c < r->n_convs; c++)
		free(r->convs[c].members);
	free(r->convs);
	free(r->conv_of);
	free(r->link);
	free(r->subject_key);
	strpool_free(&r->keys);
	memset(r, 0, sizeof *r);
}
