/* Who wrote a logical message (SPEC §4.2): team, a customer (which one),
 * unassigned, ignored, internal, or noise with its reason; and the instant
 * that counts for it (SPEC §4.1). Pure functions over the config. */
#ifndef RC_CLASSIFY_H
#define RC_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tracker/config.h"
#include "tracker/logical.h"

enum msg_class {
	MSG_CUSTOMER = 0, /* From matches a customer's match list */
	MSG_UNASSIGNED,   /* From matches nothing; unknown_senders = track */
	MSG_IGNORED,      /* From matches nothing; unknown_senders = ignore */
	MSG_TEAM,         /* From matches [team]; some To/Cc recipient outside the team */
	MSG_INTERNAL,     /* From matches [team]; no To/Cc recipient outside the team */
	MSG_NOISE,        /* automatic mail: neither opens nor answers */
};

enum noise_reason {
	NOISE_NONE = 0,
	NOISE_AUTO_SUBMITTED,
	NOISE_X_AUTOREPLY,
	NOISE_X_AUTORESPOND,
	NOISE_X_LOOP,
	NOISE_AUTO_RESPONSE_SUPPRESS,
	NOISE_PRECEDENCE,
	NOISE_LIST_ID,
	NOISE_EMPTY_SENDER,
	NOISE_DAEMON_SENDER,
	NOISE_REPORT,
};

/* Room for the stored reason text, NUL included (classify_reason()). */
#define CLASSIFY_REASON_MAX 160

struct classification {
	enum msg_class cls;
	enum noise_reason noise;          /* NOISE_NONE unless cls == MSG_NOISE */
	/* The header value that made it noise (points into the logical message,
	 * or is a constant); NULL when not noise. The reason text is formatted
	 * from noise and this only when stored: a million messages do not each
	 * carry a buffer for it. */
	const char *noise_value;
	bool from_team;                   /* sender matches [team] (also for team noise) */
	/* The customer the message belongs to: the sender's customer, or for a
	 * message from the team the first To then Cc recipient that matches a
	 * customer. NULL when none (then unassigned_addr may name the unknown
	 * party: the sender, or the team's first outside recipient). */
	const struct cfg_customer *customer;
	const char *unassigned_addr;      /* points into the logical message; NULL when none */
	time_t time;                      /* arrival (customer side) or send time (team side) */
};

/* Classifies lm. The pointers in *out point into cfg and lm. */
void classify_message(const struct config *cfg, const struct logical_msg *lm,
		      struct classification *out);

/* The noise reason of a header set, NOISE_NONE when it is a person's mail;
 * text (may be NULL) receives a short explanation, truncated to size. */
enum noise_reason classify_noise(const struct message *m, char *text, size_t size);

/* The explanation of c's noise reason, as stored: "Auto-Submitted:
 * auto-replied", "X-Autoreply: yes", truncated to size (CLASSIFY_REASON_MAX
 * for the stored length). Returns false with buf "" when c is not noise. */
bool classify_reason(const struct classification *c, char *buf, size_t size);

/* addr (an addr-spec) against one pattern: an exact address or "@domain"
 * (that domain exactly); case-insensitive. */
bool address_matches(const char *addr, const char *pattern);
bool address_is_team(const struct config *cfg, const char *addr);
/* The customer an address belongs to: an exact address match beats a
 * domain match; among equals the first in the configuration. NULL: none. */
const struct cfg_customer *address_customer(const struct config *cfg, const char *addr);

/* The customers' match patterns sorted for lookup (tracker/classify_index.c),
 * for classifying many messages: the *_ix functions give what the plain
 * ones give (ix NULL: they are the plain ones). The index points into cfg. */
struct customer_index;
struct customer_index *customer_index_build(const struct config *cfg);
void customer_index_free(struct customer_index **ix);
const struct cfg_customer *address_customer_ix(const struct config *cfg, const struct customer_index *ix,
					       const char *addr);
void classify_message_ix(const struct config *cfg, struct customer_index *ix,
			 const struct logical_msg *lm, struct classification *out);
/* address_is_team() and address_customer(), remembered per address pointer
 * for the index's lifetime: addresses loaded from the store are interned,
 * so a million messages ask about a few thousand pointers. The strings
 * must not change while the index lives. ix NULL: the plain functions. */
bool address_is_team_memo(const struct config *cfg, struct customer_index *ix, const char *addr);
const struct cfg_customer *address_customer_memo(const struct config *cfg, struct customer_index *ix,
						 const char *addr);

/* Stable lower-case names for storage and reports. */
const char *msg_class_name(enum msg_class c);
const char *noise_reason_code(enum noise_reason r);

/* True for classes that can open a request (customer side, a person). */
bool classification_is_customer_side(const struct classification *c);
/* True for messages whose time keeps a conversation alive for the subject
 * rule: customer, unassigned or team messages (not noise, internal, ignored). */
bool classification_counts_for_thread(const struct classification *c);

#endif
