/* Logical messages (SPEC §3, §4.1): the sightings of one Message-ID in any
 * number of folders and mailboxes folded into one message, with the
 * INTERNALDATEs the arrival / send time rules need. Pure: no I/O. */
#ifndef RC_LOGICAL_H
#define RC_LOGICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tracker/config.h"
#include "tracker/message.h"

/* One sighting as the store hands it over: the parsed message and where it
 * was seen. Nothing here is owned by the tracker. */
struct sighting {
	const struct message *msg;
	const char *mailbox;
	const char *folder;
	enum folder_role role;
};

struct logical_msg {
	/* The Message-ID: a sighting's (not owned), or a synthetic one when no
	 * sighting had one (then owned: own_id). */
	char *message_id;
	const struct message *hdr;   /* headers of the representative sighting (not owned) */
	const char *mailbox;         /* mailbox of the representative (not owned) */
	time_t inbound_internaldate; /* earliest INTERNALDATE in an inbound folder; 0 unknown */
	time_t sent_internaldate;    /* earliest INTERNALDATE in a sent folder; 0 unknown */
	/* Union over sightings, deduplicated. The strings are the sightings'
	 * messages'; the arrays too (one sighting's lists, shared) unless
	 * lists_owned. */
	struct strlist to, cc;
	size_t n_sightings;
	bool seen_inbound, seen_sent;
	bool own_id, lists_owned;    /* together: a million of these, no padding between */
};

/* Sorted by message_id (strcmp), unique. */
struct logical_set {
	struct logical_msg *v;
	size_t n;
};

/* Folds n sightings into *out (which the caller frees with
 * logical_set_free). The result does not depend on the order of the input.
 * The sightings' messages must outlive the set. */
void logical_fold(const struct sighting *s, size_t n, struct logical_set *out);
void logical_set_free(struct logical_set *set);

/* Index of the message with this id, or -1. */
long logical_find(const struct logical_set *set, const char *message_id);

/* The instant of a message per SPEC §4.1: team_side selects the send-time
 * rule (sent INTERNALDATE, else inbound INTERNALDATE, else Date), otherwise
 * the arrival rule (inbound INTERNALDATE, else any INTERNALDATE, else Date;
 * or the Date header first when arrival_time = date). 0 when nothing is
 * known. */
time_t logical_time(const struct logical_msg *m, bool team_side, enum arrival_time at);

/* The synthetic Message-ID for a message that has none, derived from its
 * headers only so every sighting of it gets the same one. Malloc'd. */
char *logical_synthetic_id(const struct message *m);

#endif
