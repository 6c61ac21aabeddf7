/* Helpers shared by the renderers: UTF-8 walking, display width, escaping
 * for text, HTML, CSV and JSON. Invalid UTF-8 becomes U+FFFD everywhere, so
 * every output is valid UTF-8 whatever a subject contained. */
#ifndef RC_RENDER_UTIL_H
#define RC_RENDER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracker/util.h"

/* Appends a C string. */
static inline void rc_put(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, __builtin_strlen(s));
}

/* Decodes one code point at *p (advancing); invalid sequences give U+FFFD
 * and consume one byte. */
uint32_t rc_utf8_next(const char **p);
void rc_utf8_put(struct strbuf *b, uint32_t cp);
/* Terminal columns of a code point: 0 for combining marks, 2 for wide
 * East Asian and emoji, else 1. */
int rc_cp_width(uint32_t cp);
/* Display width of s with control characters counted as one space. */
size_t rc_text_width(const char *s);
/* Appends s in exactly `width` columns: control characters become spaces,
 * longer text is cut and ends in "…", shorter is padded (right-aligned when
 * right). */
void rc_text_cell(struct strbuf *b, const char *s, int width, bool right);
/* Appends s with &<>"' escaped (and controls other than tab as spaces). */
void rc_html_escape(struct strbuf *b, const char *s);
/* Appends s as a JSON string literal, quotes included. */
void rc_json_string(struct strbuf *b, const char *s);
/* Appends s as an RFC 4180 field (quoted when it holds , " CR LF or
 * starts/ends with a space). */
void rc_csv_field(struct strbuf *b, const char *s);

#endif
