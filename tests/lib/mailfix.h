/* Test fixtures for the tracker's pure logic: messages as real mail clients
 * write them, turned into struct message sightings, and configurations
 * filled by hand. Test-only; never linked into replyclock. */
#ifndef RC_TEST_MAILFIX_H
#define RC_TEST_MAILFIX_H

#include <stddef.h>
#include <time.h>

#include "tracker/classify.h"
#include "tracker/config.h"
#include "tracker/logical.h"
#include "tracker/message.h"
#include "tracker/thread.h"

/* One sighting described as header text. Lists are comma-separated
 * (references: white-space separated, with or without <>). Times are
 * "YYYY-MM-DDTHH:MM:SS" with "Z" or "+HH:MM"/"-HH:MM"; NULL = unknown. */
struct fx_mail {
	const char *id;
	const char *in_reply_to;
	const char *references;
	const char *from;
	const char *to;
	const char *cc;
	const char *subject;
	const char *date;
	const char *internaldate;
	const char *folder;        /* default "INBOX" or "Sent" by role */
	enum folder_role role;
	const char *mailbox;       /* default "support" */
	const char *auto_submitted;
	const char *x_autoreply;
	const char *x_autorespond;
	const char *x_loop;
	const char *x_auto_response_suppress;
	const char *precedence;
	const char *list_id;
	const char *content_type;
	const char *thread_index;
};

struct fx_box {
	struct message *msgs;
	struct sighting *s;
	size_t n, cap;
};

void fx_add(struct fx_box *b, const struct fx_mail *m);
void fx_box_free(struct fx_box *b);
/* Drops every sighting after the first n. */
void fx_box_truncate(struct fx_box *b, size_t n);
/* A copy of the sightings in an order given by perm (perm[i] = source index). */
struct sighting *fx_permuted(const struct fx_box *b, const size_t *perm);

/* Parses a fixture time; aborts the test program on a typo. */
time_t fx_time(const char *s);

/* A configuration built in memory (no file): the team, then policies and
 * customers; fx_config_done resolves the policy pointers. */
struct config *fx_config_new(const char *team);
struct cfg_calendar *fx_calendar(struct config *c, const char *name, const char *tz,
				 unsigned days, int start_min, int end_min);
struct cfg_policy *fx_policy(struct config *c, const char *name, const char *calendar,
			     struct target first, struct target next);
struct cfg_customer *fx_customer(struct config *c, const char *name, const char *display,
				 const char *match, const char *policy);
void fx_config_done(struct config *c, const char *default_policy);
void fx_config_free(struct config **c);

struct target fx_hours(double h);
struct target fx_same_day(int hour, int minute);

/* The pure pipeline up to threading. */
struct fx_derived {
	struct logical_set set;
	struct classification *cls;
	struct thread_result thr;
};
void fx_derive(const struct config *cfg, const struct sighting *s, size_t n, struct fx_derived *d);
void fx_derived_free(struct fx_derived *d);
/* Index of a Message-ID in the derived set; aborts when absent. */
size_t fx_idx(const struct fx_derived *d, const char *id);
/* The conversation id a message ended up in. */
const char *fx_conv(const struct fx_derived *d, const char *id);
/* A canonical text of the threading (one line per message, sorted), for
 * comparing runs. Malloc'd. */
char *fx_thread_dump(const struct fx_derived *d);

/* Deterministic pseudo-random permutation (xorshift), for property tests. */
void fx_shuffle(size_t *perm, size_t n, unsigned long long *seed);

#endif
