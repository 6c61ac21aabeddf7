/* Conversations (SPEC §4.3): In-Reply-To, then References last to first,
 * then the normalised subject of the same customer within thread_window.
 *
 * thread_build() is a function of the whole set of logical messages: it
 * never depends on the order in which they were fetched. Messages are
 * considered in (time, Message-ID) order; reference links form trees, and a
 * tree whose root names no known message joins an earlier conversation by
 * subject or starts a new one. */
#ifndef RC_THREAD_H
#define RC_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "tracker/classify.h"
#include "tracker/config.h"
#include "tracker/logical.h"

struct strpool;

/* How a message came to be in its conversation (stored for audits). */
enum thread_link {
	LINK_NEW = 0,      /* started the conversation */
	LINK_IN_REPLY_TO,  /* its In-Reply-To names a message in it */
	LINK_REFERENCES,   /* one of its References does */
	LINK_SUBJECT,      /* same customer, same normalised subject, within the window */
};

struct conversation {
	const char *id;          /* Message-ID of its first message (points into the set) */
	/* The customer of its first customer message; NULL with unassigned_addr
	 * set for an unknown sender; both NULL when no message names a party.
	 * Without a customer message: the party of its first message that has one. */
	const struct cfg_customer *customer;
	const char *unassigned_addr;
	bool has_customer_msg;   /* a customer or unassigned message is in it */
	size_t *members;         /* indices into the set, sorted by (time, Message-ID); owned */
	size_t n_members;
};

struct thread_result {
	struct conversation *convs;  /* sorted by id; owned */
	size_t n_convs;
	size_t *conv_of;             /* per message of the set: index into convs */
	enum thread_link *link;      /* per message of the set */
	/* Per message of the set: its normalised subject (subject_normalise()),
	 * NULL when that is empty. Equal keys are one pointer, owned by keys. */
	const char **subject_key;
	struct strpool *keys;
};

/* Threads the n = set->n messages, cls[i] classifying set->v[i]. Pointers
 * in the result point into set and cfg. Free with thread_result_free. */
void thread_build(const struct config *cfg, const struct logical_set *set,
		  const struct classification *cls, struct thread_result *out);
void thread_result_free(struct thread_result *r);

/* The normalised subject: reply/forward prefixes (Re, Aw, Sv, Vs, Fwd, Fw,
 * WG, Antw, Vb, with optional [n] counters) stripped repeatedly, case folded
 * (ASCII and Latin-1 letters such as ÆØÅ), white space collapsed. NULL
 * gives "". Malloc'd. */
char *subject_normalise(const char *subject);

const char *thread_link_name(enum thread_link l);

#endif
