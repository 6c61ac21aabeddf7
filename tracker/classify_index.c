/* A sorted table of the customers' match patterns: address_customer() in
 * O(log n) for classifying many messages (a recompute of a million messages
 * against hundreds of customers spent a third of its derive time comparing
 * every address with every pattern). */
#include "tracker/classify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracker/util.h"

struct ix_entry {
	const char *key;   /* the address, or the domain without '@' */
	size_t cust;       /* index into cfg->customers */
};

struct customer_index {
	struct ix_entry *exact, *domain;
	size_t n_exact, n_domain;
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
