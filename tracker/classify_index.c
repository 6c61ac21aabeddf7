/* A sorted table of the customers' match patterns: address_customer() in
 * O(log n) for classifying many messages (a recompute of a million messages
 * against hundreds of customers spent a third of its derive time comparing
 * every address with every pattern); and a memo of the answers per
 * address pointer, for the interned addresses of a load. */
#include "tracker/classify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracker/util.h"

struct ix_entry {
	const char *key;   /* the address, or the domain without '@' */
	size_t cust;       /* index into cfg->customers */
};

/* What is known about one address pointer. */
struct memo {
	const char *addr;  /* NULL: empty slot */
	const struct cfg_customer *cust;
	bool team, team_known, cust_known;
};

struct customer_index {
	struct ix_entry *exact, *domain;
	size_t n_exact, n_domain;
	struct memo *memo;   /* open addressing by pointer */
	size_t memo_cap, memo_n;
};

/* By key (case-insensitive, as address_matches() compares), then by the
 * customer's place in the configuration: the first of equal keys wins. */
static int cmp_entry(const void *a, const void *b)
{
	const struct ix_entry *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);
	return c ? c : (x->cust > y->cust) - (x->cust < y->cust);
}

struct customer_index *customer_index_build(const struct config *cfg)
{
	struct customer_index *ix = xcalloc(1, sizeof *ix);
	size_t total = 0;
	for (size_t i = 0; i < cfg->n_customers; i++)
		total += cfg->customers[i].match.n;
	ix->exact = xcalloc(total ? total : 1, sizeof *ix->exact);
	ix->domain = xcalloc(total ? total : 1, sizeof *ix->domain);
	for (size_t i = 0; i < cfg->n_customers; i++) {
		const struct strlist *m = &cfg->customers[i].match;
		for (size_t j = 0; j < m->n; j++) {
			const char *p = m->v[j];
			if (!p || !*p)
				continue; /* matches nothing */
			if (p[0] == '@')
				ix->domain[ix->n_domain++] = (struct ix_entry){ p + 1, i };
			else
				ix->exact[ix->n_exact++] = (struct ix_entry){ p, i };
		}
	}
	qsort(ix->exact, ix->n_exact, sizeof *ix->exact, cmp_entry);
	qsort(ix->domain, ix->n_domain, sizeof *ix->domain, cmp_entry);
	return ix;
}

void customer_index_free(struct customer_index **ix)
{
	if (!*ix)
		return;
	free((*ix)->exact);
	free((*ix)->domain);
	free((*ix)->memo);
	free(*ix);
	*ix = NULL;
}

/* The first entry (lowest customer) whose key equals key, or NULL. */
static const struct ix_entry *first_equal(const struct ix_entry *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcasecmp(v[lo].key, key) == 0 ? &v[lo] : NULL;
}

const struct cfg_customer *address_customer_ix(const struct config *cfg, const struct customer_index *ix,
					       const char *addr)
{
	if (!ix)
		return address_customer(cfg, addr);
	if (!addr || !*addr)
		return NULL;
	const struct ix_entry *e = first_equal(ix->exact, ix->n_exact, addr);
	if (e)
		return &cfg->customers[e->cust];
	const char *at = strrchr(addr, '@');
	if (!at)
		return NULL;
	e = first_equal(ix->domain, ix->n_domain, at + 1);
	return e ? &cfg->customers[e->cust] : NULL;
}

static size_t ptr_hash(const char *p, size_t mask)
{
	return (size_t)(((uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static void memo_grow(struct customer_index *ix)
{
	size_t cap = ix->memo_cap ? 2 * ix->memo_cap : 1024;
	struct memo *v = xcalloc(cap, sizeof *v);
	for (size_t i = 0; i < ix->memo_cap; i++) {
		if (!ix->memo[i].addr)
			continue;
		size_t k = ptr_hash(ix->memo[i].addr, cap - 1);
		while (v[k].addr)
			k = (k + 1) & (cap - 1);
		v[k] = ix->memo[i];
	}
	free(ix->memo);
	ix->memo = v;
	ix->memo_cap = cap;
}

/* The entry of addr (not NULL), made when missing. */
static struct memo *memo_of(struct customer_index *ix, const char *addr)
{
	if (2 * (ix->memo_n + 1) > ix->memo_cap)
		memo_grow(ix);
	size_t k = ptr_hash(addr, ix->memo_cap - 1);
	while (ix->memo[k].addr && ix->memo[k].addr != addr)
		k = (k + 1) & (ix->memo_cap - 1);
	if (!ix->memo[k].addr) {
		ix->memo[k].addr = addr;
		ix->memo_n++;
	}
	return &ix->memo[k];
}

bool address_is_team_memo(const struct config *cfg, struct customer_index *ix, const char *addr)
{
	if (!ix || !addr)
		return address_is_team(cfg, addr);
	struct memo *m = memo_of(ix, addr);
	if (!m->team_known) {
		m->team = address_is_team(cfg, addr);
		m->team_known = true;
	}
	return m->team;
}

const struct cfg_customer *address_customer_memo(const struct config *cfg, struct customer_index *ix,
						 const char *addr)
{
	if (!ix || !addr)
		return address_customer_ix(cfg, ix, addr);
	struct memo *m = memo_of(ix, addr);
	if (!m->cust_known) {
		m->cust = address_customer_ix(cfg, ix, addr);
		m->cust_known = true;
	}
	return m->cust;
}
