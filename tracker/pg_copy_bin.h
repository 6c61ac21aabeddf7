/* Rows for COPY ... FROM STDIN (FORMAT binary), built in a strbuf.
 *
 * Why binary: on a million-message recompute the server parsed the text
 * format's timestamps, arrays and escapes for seconds (4.0 s vs 2.7 s for
 * the messages table), and the client spent as long formatting them.
 * Layout per PostgreSQL's "Binary Format" of COPY: a header, then per row
 * a 16-bit field count and per field a 32-bit length (-1 = NULL) and the
 * type's binary send format, big-endian; a trailer of -1. Each value must
 * be of the column's exact type (an int4 column takes pgbin_int4 only). */
#ifndef RC_PG_COPY_BIN_H
#define RC_PG_COPY_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tracker/util.h"

void pgbin_header(struct strbuf *b);
void pgbin_trailer(struct strbuf *b);
/* Starts a row of n fields. */
void pgbin_row(struct strbuf *b, int n);
void pgbin_null(struct strbuf *b);
/* A field already in its type's binary send format (len bytes at p). */
void pgbin_raw(struct strbuf *b, const void *p, size_t len);
/* text; NULL pointer = SQL NULL. Invalid UTF-8 is replaced by U+FFFD (the
 * server would refuse the whole COPY). */
void pgbin_text(struct strbuf *b, const char *v);
void pgbin_bool(struct strbuf *b, bool v);
void pgbin_int4(struct strbuf *b, int32_t v);
void pgbin_int8(struct strbuf *b, int64_t v);
/* timestamptz from a Unix time (whole seconds); instants outside years
 * 1..9999 are written as 'infinity', as the text writer did. */
void pgbin_timestamptz(struct strbuf *b, time_t t);
/* date from days since 1970-01-01. */
void pgbin_date(struct strbuf *b, int64_t days);
/* text[] of n elements (one dimension; NULL elements not allowed, an empty
 * list is '{}'). */
void pgbin_text_array(struct strbuf *b, const char *const *v, size_t n);

#endif
