/* Binary COPY rows (see pg_copy_bin.h). */
#include "tracker/pg_copy_bin.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/store_p.h"

/* Seconds from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
#define PG_EPOCH_OFFSET 946684800LL
#define PG_EPOCH_DAYS 10957
#define TEXT_OID 25
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define YEAR1_UNIX (-62135596800LL)
#define YEAR9999_END_UNIX 253402300799LL

static void put(struct strbuf *b, const void *p, size_t n)
{
	strbuf_append(b, p, n);
}

static void put16(struct strbuf *b, uint16_t v)
{
	unsigned char c[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	put(b, c, 2);
}

static void put32(struct strbuf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			       (unsigned char)v };
	put(b, c, 4);
}

static void put64(struct strbuf *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

void pgbin_header(struct strbuf *b)
{
	put(b, "PGCOPY\n\377\r\n\0", 11);
	put32(b, 0); /* flags: no OIDs */
	put32(b, 0); /* no header extension */
}

void pgbin_trailer(struct strbuf *b)
{
	put16(b, 0xffff);
}

void pgbin_row(struct strbuf *b, int n)
{
	put16(b, (uint16_t)n);
}

void pgbin_null(struct strbuf *b)
{
	put32(b, 0xffffffffu);
}

void pgbin_raw(struct strbuf *b, const void *p, size_t len)
{
	put32(b, (uint32_t)len);
	put(b, p, len);
}

/* One text value of length n (no NUL inside). */
static void text_n(struct strbuf *b, const char *v, size_t n)
{
	if (utf8_valid_n(v, n)) {
		put32(b, (uint32_t)n);
		put(b, v, n);
		return;
	}
	char *fixed = utf8_sanitize(v);
	size_t len = strlen(fixed);
	put32(b, (uint32_t)len);
	put(b, fixed, len);
	free(fixed);
}

void pgbin_text(struct strbuf *b, const char *v)
{
	if (!v)
		pgbin_null(b);
	else
		text_n(b, v, strlen(v));
}

void pgbin_bool(struct strbuf *b, bool v)
{
	put32(b, 1);
	put(b, v ? "\1" : "\0", 1);
}

void pgbin_int4(struct strbuf *b, int32_t v)
{
	put32(b, 4);
	put32(b, (uint32_t)v);
}

void pgbin_int8(struct strbuf *b, int64_t v)
{
	put32(b, 8);
	put64(b, (uint64_t)v);
}

void pgbin_timestamptz(struct strbuf *b, time_t t)
{
	int64_t s = (int64_t)t;
	put32(b, 8);
	if (s < YEAR1_UNIX || s > YEAR9999_END_UNIX)
		put64(b, (uint64_t)INT64_MAX); /* 'infinity' */
	else
		put64(b, (uint64_t)((s - PG_EPOCH_OFFSET) * 1000000));
}

void pgbin_date(struct strbuf *b, int64_t days)
{
	pgbin_int4(b, (int32_t)(days - PG_EPOCH_DAYS));
}

void pgbin_text_array(struct strbuf *b, const char *const *v, size_t n)
{
	size_t body = 0;
	bool clean = true;
	for (size_t i = 0; i < n && clean; i++) {
		size_t len = strlen(v[i]);
		clean = utf8_valid_n(v[i], len);
		body += 4 + len;
	}
	struct strbuf fixed; /* elements sanitised first: the length comes first */
	strbuf_init(&fixed, 0);
	if (!clean) {
		for (size_t i = 0; i < n; i++)
			text_n(&fixed, v[i], strlen(v[i]));
		body = fixed.len;
	}
	put32(b, (uint32_t)(n ? 20 + body : 12));
	put32(b, n ? 1 : 0);  /* dimensions */
	put32(b, 0);          /* no NULL elements */
	put32(b, TEXT_OID);
	if (n) {
		put32(b, (uint32_t)n);
		put32(b, 1);  /* lower bound */
	}
	if (!clean)
		put(b, fixed.s, fixed.len);
	else
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(v[i]);
			put32(b, (uint32_t)len);
			put(b, v[i], len);
		}
	strbuf_free(&fixed);
}
