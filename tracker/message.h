/* The message model: one sighting of a message in a folder, with the parsed
 * headers SPEC §3 and §4.2 need. intake/ fills it, the store saves it, the
 * tracker classifies and threads it. */
#ifndef RC_MESSAGE_H
#define RC_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tracker/config.h"

/* Limits on what outside input may put in one message (bounded buffers). */
#define MSG_MAX_HEADER_BYTES   (256 * 1024) /* raw header block kept */
#define MSG_MAX_FIELD_BYTES    4096         /* subject, one address, one id */
#define MSG_MAX_LIST_ITEMS     500          /* recipients, references */

enum folder_role { ROLE_INBOUND = 0, ROLE_SENT };

struct message {
	/* Where it was seen (filled by intake). */
	uint32_t uid;            /* 0 for imports */
	time_t internaldate;     /* 0 when unknown */
	uint32_t size;           /* RFC822.SIZE or file size */
	char **flags;            /* IMAP flags and keywords as sent, may be NULL */
	size_t n_flags;

	/* Parsed headers; strings are UTF-8, NULL when absent. */
	char *message_id;        /* without <>; synthetic when the header was missing */
	bool message_id_synthetic;
	char *in_reply_to;       /* first id of In-Reply-To, without <> */
	struct strlist references;   /* without <>, in header order */
	char *from_addr;         /* lower-cased addr-spec */
	char *from_name;         /* decoded display name */
	struct strlist to_addrs; /* lower-cased */
	struct strlist cc_addrs; /* lower-cased */
	time_t date;             /* Date header; valid when has_date */
	bool has_date;
	char *subject;           /* decoded from RFC 2047 */

	/* Noise signals (SPEC §4.2), raw header values. */
	char *auto_submitted;
	char *x_autoreply;
	char *x_autorespond;
	char *x_loop;
	char *x_auto_response_suppress;
	char *precedence;
	char *list_id;
	char *content_type;      /* the top-level type/subtype, lower-cased */
	char *thread_index;      /* Outlook's Thread-Index */

	char *raw_headers;       /* the header block as fetched (bounded) */
	size_t raw_headers_len;
	char *parse_error;       /* why something could not be parsed; NULL if clean */
};

/* Frees every field and zeroes *m (the struct itself is the caller's). */
void message_clear(struct message *m);

#endif
