/* A string pool for many small values that live and die together: bump
 * allocation from large blocks (one malloc per megabyte instead of one per
 * string) and optional interning, so a value that repeats (an address, a
 * Message-ID named by later References) is stored once. Freed as a whole. */
#ifndef RC_STRPOOL_H
#define RC_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct strpool;

struct strpool *strpool_new(void);
/* Frees every string of the pool, and the pool; NULLs *p. Accepts NULL. */
void strpool_free(struct strpool **p);

/* n bytes aligned for any object, valid until the pool is freed. */
void *strpool_alloc(struct strpool *p, size_t n);
/* A copy of the n bytes at s, NUL-terminated. */
char *strpool_strndup(struct strpool *p, const char *s, size_t n);
/* The pool's one copy of the n bytes at s (NUL-terminated): equal values
 * give the same pointer. *id (when id is not NULL) receives the value's
 * number: 0, 1, 2... in the order values were first interned. */
const char *strpool_intern(struct strpool *p, const char *s, size_t n, uint32_t *id);
/* How many distinct values were interned. */
size_t strpool_count(const struct strpool *p);

#endif
