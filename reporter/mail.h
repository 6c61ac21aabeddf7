/* Report mail: composing the MIME message (libetpan mailmime) and sending it
 * over SMTP (libetpan mailsmtp) with verified TLS. */
#ifndef RC_MAIL_H
#define RC_MAIL_H

#include <stddef.h>
#include <time.h>

#include "reporter/reporter_p.h"
#include "tracker/config.h"

/* Limits on what goes into headers (outside input is bounded). */
#define RC_MAIL_MAX_RCPT 100
#define RC_MAIL_MAX_HEADER 998

struct rc_mail_in {
	const char *from;              /* "Name <addr>" or "addr", as in [report] from */
	const char *const *to;         /* each "Name <addr>" or "addr" */
	size_t n_to;
	const char *subject;           /* UTF-8; RFC 2047-encoded when not plain ASCII */
	const char *text, *html;       /* UTF-8 bodies; html may be NULL (text only) */
	time_t date;
	const struct rc_tz *tz;        /* the Date header carries this zone's offset */
};

struct rc_mail_out {
	char *data;                    /* the message, CRLF line ends */
	size_t len;
	char *message_id;              /* without angle brackets */
	char *envelope_from;           /* addr-spec of From */
	char **rcpt;                   /* addr-specs of To */
	size_t n_rcpt;
};

/* Builds multipart/alternative (text/plain + text/html, UTF-8,
 * quoted-printable) with Date, Message-ID (random, @ the From domain), From,
 * To, Subject, MIME-Version and Auto-Submitted: auto-generated. 0, or -1
 * with *err (a bad address names itself). out is owned by the caller:
 * rc_mail_out_free(). */
int rc_mail_compose(const struct rc_mail_in *in, struct rc_mail_out *out, char **err);
void rc_mail_out_free(struct rc_mail_out *out);

/* s as a header value: unchanged when printable ASCII, else RFC 2047
 * encoded words (UTF-8, base64, each at most 75 characters) separated by
 * spaces. CR and LF become spaces either way. Malloc'd. */
char *rc_rfc2047_encode(const char *s);

/* Outcome classes of a delivery attempt, by what the caller should do. */
enum rc_smtp_fail {
	RC_SMTP_OK = 0,
	RC_SMTP_UNAVAILABLE,   /* refused, unreachable, dropped, timed out: try later (exit 69) */
	RC_SMTP_TLS,           /* certificate not trusted or TLS failed: fix the config */
	RC_SMTP_AUTH,          /* login refused: fix the credentials */
	RC_SMTP_REJECTED,      /* server refused sender, recipient or message */
	RC_SMTP_CONFIG,        /* incomplete [report] settings, secret unreadable */
};

/* Sends the message to its recipients over the [report] SMTP server.
 * Returns RC_SMTP_OK, or a class with *err naming the server. When
 * message is NULL it only connects, says EHLO, logs in and quits (check). */
enum rc_smtp_fail rc_smtp_send(const struct config *cfg, const struct rc_mail_out *message,
			       char **err);
/* The sysexits code for a failure class. */
int rc_smtp_exit_code(enum rc_smtp_fail f);

#endif
