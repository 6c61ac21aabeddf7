/* Private interface shared by the files of intake/ (header parsing, the IMAP
 * session, poll and import). Nothing outside intake/ includes this. */
#ifndef RC_INTAKE_P_H
#define RC_INTAKE_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracker/config.h"
#include "tracker/message.h"
#include "tracker/store.h"

/* ---- headers.c ---- */

/* The header fields replyclock needs (SPEC §3, §4.2), upper-case, NULL
 * terminated: the IMAP fetch asks for exactly these. */
extern const char *const headers_wanted[];

/* Parses a header block (any bytes: NULs, 8-bit, broken folding, any size;
 * parsing stops at the first empty line) into the header fields of *m:
 * message_id (synthetic when missing), in_reply_to, references, from, to,
 * cc, date, subject (RFC 2047 decoded), noise headers, raw_headers,
 * parse_error. Every string it sets is valid UTF-8 without NUL and bounded
 * by the MSG_MAX_* limits. Never fails; what it could not read is named in
 * m->parse_error. Fields already in *m are overwritten (clear it first). */
void headers_parse(const char *buf, size_t len, struct message *m);

/* Returns a malloc'd copy of s[0..len) that is valid UTF-8 without NUL:
 * NUL and invalid sequences become U+FFFD; at most `cap` bytes (cut on a
 * character boundary). *changed (may be NULL) tells whether bytes were replaced. */
char *utf8_sanitize(const char *s, size_t len, size_t cap, bool *changed);

#endif
