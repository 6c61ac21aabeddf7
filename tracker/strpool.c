/* Bump allocation and interning of strings that are freed together (see strpool.h). */
#include "tracker/strpool.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

/* Large enough that malloc hands out whole pages (mmap) which the kernel
 * fills on first touch only; small enough not to waste much at the end. */
#define BLOCK_SIZE ((size_t)1 << 20)

struct block {
	struct block *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

struct slot {
	const char *s;   /* NULL: empty */
	uint32_t hash, id;
};

struct strpool {
	struct block *head;
	struct slot *slots;
	size_t cap, count;  /* cap is a power of two (or 0) */
};

struct strpool *strpool_new(void)
{
	return xcalloc(1, sizeof(struct strpool));
}

void strpool_free(struct strpool **pp)
{
	struct strpool *p = *pp;
	if (!p)
		return;
	for (struct block *b = p->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(p->slots);
	free(p);
	*pp = NULL;
}

void *strpool_alloc(struct strpool *p, size_t n)
{
	const size_t align = alignof(max_align_t);
	n = (n + align - 1) & ~(align - 1);
	struct block *b = p->head;
	size_t off = b ? (b->used + align - 1) & ~(align - 1) : 0;
	if (b && off <= b->size && b->size - off >= n) {
		b->used = off + n;
		return b->data + off;
	}
	if (b && n > BLOCK_SIZE / 4) { /* an outsize value: the current block stays the one to fill */
		struct block *big = xmalloc(sizeof *big + n);
		big->used = big->size = n;
		big->next = b->next;
		b->next = big;
		return big->data;
	}
	size_t size = n > BLOCK_SIZE - sizeof *b ? n : BLOCK_SIZE - sizeof *b;
	struct block *nb = xmalloc(sizeof *nb + size);
	nb->used = n;
	nb->size = size;
	nb->next = b;
	p->head = nb;
	return nb->data;
}

/* Strings need no alignment: packed, they take a third less room. */
char *strpool_strndup(struct strpool *p, const char *s, size_t n)
{
	struct block *b = p->head;
	char *r;
	if (b && b->size - b->used >= n + 1) {
		r = (char *)b->data + b->used;
		b->used += n + 1;
	} else
		r = strpool_alloc(p, n + 1);
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* FNV-1a, 32 bits. */
static uint32_t hash_of(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void grow(struct strpool *p)
{
	size_t cap = p->cap ? 2 * p->cap : 1024;
	/* Written before read: calloc's fresh pages would be faulted in twice
	 * (mapped on the first probe, copied on the first insert). */
	struct slot *v = xmalloc(cap * sizeof *v);
	memset(v, 0, cap * sizeof *v);
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->slots[i].s)
			continue;
		size_t k = p->slots[i].hash & (cap - 1);
		while (v[k].s)
			k = (k + 1) & (cap - 1);
		v[k] = p->slots[i];
	}
	free(p->slots);
	p->slots = v;
	p->cap = cap;
}

const char *strpool_intern(struct strpool *p, const char *s, size_t n, uint32_t *id)
{
	if (2 * (p->count + 1) > p->cap)
		grow(p);
	uint32_t h = hash_of(s, n);
	size_t k = h & (p->cap - 1);
	for (; p->slots[k].s; k = (k + 1) & (p->cap - 1)) {
		const struct slot *e = &p->slots[k];
		if (e->hash == h && strncmp(e->s, s, n) == 0 && e->s[n] == '\0') {
			if (id)
				*id = e->id;
			return e->s;
		}
	}
	p->slots[k] = (struct slot){ strpool_strndup(p, s, n), h, (uint32_t)p->count };
	if (id)
		*id = (uint32_t)p->count;
	p->count++;
	return p->slots[k].s;
}

size_t strpool_count(const struct strpool *p)
{
	return p->count;
}
