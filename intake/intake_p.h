/* Private interface shared by the files of intake/ (header parsing, the IMAP
 * session, poll and import). Nothing outside intake/ includes this. */
#ifndef RC_INTAKE_P_H
#define RC_INTAKE_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
 * cc, date, subject (RFC 2047 decoded), noise headers, raw_headers (the
 * bytes as given, cut at MSG_MAX_HEADER_BYTES), parse_error. Every other
 * string it sets is valid UTF-8 without NUL and bounded by MSG_MAX_*. Never fails; what it could not read is named in
 * m->parse_error. Fields already in *m are overwritten (clear it first). */
void headers_parse(const char *buf, size_t len, struct message *m);
/* A wall-clock date with its zone ("HHMM" as a decimal int, e.g. -500) to an
 * instant; -1 when any field is out of range (then *out is untouched). */
int intake_wall_to_epoch(int year, int month, int day, int hour, int min, int sec, int zone,
			 time_t *out);

/* Returns a malloc'd copy of s[0..len) that is valid UTF-8 without NUL:
 * NUL and invalid sequences become U+FFFD; at most `cap` bytes (cut on a
 * character boundary). *changed (may be NULL) tells whether bytes were replaced. */
char *hdr_clean_utf8(const char *s, size_t len, size_t cap, bool *changed);

#endif

/* ---- imap_session.c: one logged-in IMAP connection to one mailbox ---- */

#include <signal.h>

/* What the caller should do after a failure; decided once, in
 * imap_classify(), where libetpan answers (STYLE.md, isync's TEMP/FINAL). */
enum imap_result {
	IMAP_OK = 0,
	IMAP_TEMP = -1,    /* refused, dropped, timed out, BYE: reconnect with backoff */
	IMAP_AUTH = -2,    /* login or token refused: final until config/secret changes */
	IMAP_CERT = -3,    /* certificate not trusted, no STARTTLS, cleartext off loopback */
	IMAP_FOLDER = -4,  /* a configured folder cannot be examined: configuration */
	IMAP_STORE = -5,   /* the database failed; see imap_sync_folder's *store_status */
	IMAP_STOPPED = -6, /* SIGTERM/SIGINT arrived */
	IMAP_CONFIG = -7,  /* secret unreadable, cleartext to a non-loopback host */
};

/* The exit code (sysexits) for a failure class. */
int imap_exit_code(int cls);

/* Set by the signal handler of poll/import; every loop checks it. The
 * write end of intake_stop_pipe wakes poll() sleeps (-1 when unused). */
extern volatile sig_atomic_t intake_stop;
extern int intake_stop_pipe[2];

/* Seconds for connect, TLS handshake and every read (libetpan's timeout). */
#define IMAP_TIMEOUT_SECONDS 30
/* UIDs per UID FETCH (and per store transaction). */
#define IMAP_FETCH_BATCH 500

struct imap_session;
struct mailimap;

/* The session keeps pointers to cfg and mb; they must outlive it. */
struct imap_session *imap_session_new(const struct config *cfg, const struct cfg_mailbox *mb);
/* Logs out when connected, frees, sets *s = NULL; accepts NULL. */
void imap_session_free(struct imap_session **s);
/* Connects (TLS / STARTTLS / cleartext to loopback only), verifies the
 * certificate, logs in. Returns IMAP_OK or a failure class with a malloc'd
 * one-line *err naming the mailbox, server and the server's answer. */
int imap_session_open(struct imap_session *s, char **err);
bool imap_session_connected(const struct imap_session *s);
/* The folders to sync: the configured inbound folders, and the sent folders
 * (configured, or those the server marks \Sent per RFC 6154). Fills the two
 * lists (caller frees the strings and arrays). */
int imap_session_folders(struct imap_session *s, struct strlist *inbound, struct strlist *sent,
			 char **err);
bool imap_session_has_idle(const struct imap_session *s);
/* EXAMINEs folder unless it is the one open; fills uidvalidity/uidnext. */
int imap_session_examine(struct imap_session *s, const char *folder, uint32_t *uidvalidity,
			 uint32_t *uidnext, uint32_t *exists, char **err);
/* IDLEs on folder for at most timeout_ms, or until intake_stop. Returns 1
 * when the server reported new messages, 0 on time-out, or a failure class. */
int imap_session_idle(struct imap_session *s, const char *folder, int timeout_ms, char **err);
/* Translates a libetpan return code into an imap_result, and on failure
 * sets *err to "mailbox NAME (host:port): WHAT: reason [server answer]". */
int imap_classify(struct imap_session *s, int r, const char *what, char **err);
struct mailimap *imap_session_imap(struct imap_session *s);
const struct cfg_mailbox *imap_session_mailbox(const struct imap_session *s);

/* ---- imap_sync.c: incremental UID sync of one folder into the store ---- */

struct deriver;

struct sync_stats {
	size_t fetched;        /* messages received from the server */
	size_t inserted;       /* new sightings stored */
	double seconds;
};

/* Brings the stored sightings of folder up to date (first sync back to
 * mb->since, then new UIDs only; a changed UIDVALIDITY re-reads the folder),
 * one store transaction per fetched batch, each followed by deriver_batch()
 * (dv may be NULL). On IMAP_STORE, *store_status
 * tells whether to wait (STORE_WAIT) or give up. */
int imap_sync_folder(struct imap_session *s, struct store *st, struct deriver *dv,
		     const char *folder, enum folder_role role, struct sync_stats *stats,
		     int *store_status, char **err);

/* ---- deriver.c: the derived layer after each stored batch ---- */

struct deriver;
struct calendar_set;
/* One per thread that stores batches; cfg, cals and who must outlive it. */
struct deriver *deriver_new(const struct config *cfg, const struct calendar_set *cals, const char *who);
void deriver_free(struct deriver **d);
/* Called after a batch's facts committed (d may be NULL): updates the
 * derived rows for the batch's Message-IDs in a transaction of its own. A
 * failure is logged once and the ids stay pending for the next call. */
void deriver_batch(struct deriver *d, struct store *st, const struct message *msgs, size_t n);
/* End of a sync round or import: what is still pending (a deferred
 * recompute after many messages, ids of a failed update). STORE_* status. */
int deriver_flush(struct deriver *d, struct store *st);
/* Start of poll: recompute after a configuration/calendar change, or catch
 * up messages whose derived update an earlier run could not make. */
int deriver_heal(struct deriver *d, struct store *st);

/* ---- shared by poll and import ---- */
void strlist_free_items(struct strlist *l);
