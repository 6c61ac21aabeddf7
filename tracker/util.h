/* Small helpers shared by every subsystem: allocation, strings, exit codes. */
#ifndef RC_UTIL_H
#define RC_UTIL_H

#include <stddef.h>
#include <stdarg.h>

/* Exit codes (sysexits.h values, named here so no module needs that header). */
enum rc_exit {
	RC_EX_OK = 0,
	RC_EX_USAGE = 64,
	RC_EX_DATAERR = 65,
	RC_EX_SOFTWARE = 70,
	RC_EX_UNAVAILABLE = 69,
	RC_EX_IOERR = 74,
	RC_EX_CONFIG = 78,
};

/* Allocation policy: replyclock is a short-lived command or a daemon whose
 * only sane reaction to running out of memory is to stop; these wrappers
 * abort with a message instead of returning NULL, so callers never check. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a malloc'd string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Frees *p and sets it to NULL; accepts NULL. */
void xfree(void *pp);

/* A growable string with a hard cap on its size (outside input is bounded). */
struct strbuf {
	char *s;
	size_t len, cap;
	size_t limit;    /* 0 = no limit; append beyond it fails */
};
void strbuf_init(struct strbuf *b, size_t limit);
int strbuf_append(struct strbuf *b, const char *s, size_t n); /* -1 when over limit */
int strbuf_appendf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *strbuf_steal(struct strbuf *b); /* returns the string (never NULL); b is reset */
void strbuf_free(struct strbuf *b);

/* Case-insensitive ASCII comparison helpers. */
int str_ieq(const char *a, const char *b);
/* Trims ASCII white space in place; returns s. */
char *str_trim(char *s);

#endif
