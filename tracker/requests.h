/* Requests, i.e. SLA clocks (SPEC §4.4): opened by a customer message when
 * its conversation has none open, answered by the first qualifying team
 * message; judged by the customer's policy and its calendar. Business time
 * comes from the calendar module only. Pure: no I/O. */
#ifndef RC_REQUESTS_H
#define RC_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tracker/calendar.h"
#include "tracker/classify.h"
#include "tracker/config.h"
#include "tracker/logical.h"
#include "tracker/thread.h"

enum request_kind { REQ_FIRST_RESPONSE = 0, REQ_NEXT_REPLY };
enum request_status { REQ_MET = 0, REQ_BREACHED, REQ_PENDING, REQ_OVERDUE };

/* The built calendars, found by calendar_name(). Whether the set owns them
 * depends on who made it (derive.h's calendar_set_build does). */
struct calendar_set {
	struct calendar **v;
	size_t n;
};

#define REQUESTS_UNASSIGNED_KEY  "unassigned"
#define REQUESTS_UNASSIGNED_NAME "Unassigned senders"

struct request {
	size_t conv;                 /* index into the thread result's convs */
	const char *conversation_id;
	const struct cfg_customer *customer; /* NULL: unassigned */
	const char *customer_key;    /* config name, or "unassigned" */
	const char *customer_name;   /* display name, or "Unassigned senders" */
	const char *mailbox;         /* where the opening message was seen */
	enum request_kind kind;

	size_t opened_idx;           /* index into the logical set */
	const char *opened_message_id;
	const char *subject;         /* of the opening message, as written; may be NULL */
	time_t opened_at;

	bool replied;
	size_t replied_idx;          /* valid when replied */
	const char *replied_message_id; /* NULL while open */
	time_t replied_at;           /* 0 while open */
	int64_t business_seconds;    /* -1 while open */

	const char *policy;          /* the policy's name */
	struct target target;        /* the rule applied (first_response or next_reply) */
	long target_seconds;         /* -1 for a same-day rule */
	const char *calendar;        /* calendar name */
	const char *calendar_digest; /* which version of it judged this request */

	bool has_due;                /* false only when the calendar has no open time in reach */
	time_t due_at;
	enum request_status status;  /* judged at the as_of instant */
	char *error;                 /* why due_at is missing; owned, NULL normally */
};

/* Sorted by (opened_at, opened_message_id). */
struct request_list {
	struct request *v;
	size_t n;
};

/* Computes every request from the threaded messages as of instant as_of
 * (messages whose time is unknown, 0, neither open nor answer):
 * only messages whose time is <= as_of count, and open requests are judged
 * pending / overdue at as_of. Returns 0, or -1 with a malloc'd *err when a
 * policy or its calendar cannot be found (a configuration the loader should
 * have refused). Pointers in the result point into cfg, cals, set and thr.
 * Free with request_list_free. */
int requests_compute(const struct config *cfg, const struct calendar_set *cals,
		     const struct logical_set *set, const struct classification *cls,
		     const struct thread_result *thr, time_t as_of, struct request_list *out,
		     char **err);
void request_list_free(struct request_list *l);

/* The status of r judged at instant t (for open requests; answered ones
 * are met or breached whatever t is). */
enum request_status request_status_at(const struct request *r, time_t t);

/* The policy that applies to a customer (NULL: unassigned): its own, else
 * [defaults] policy. NULL when neither is configured. */
const struct cfg_policy *requests_policy(const struct config *cfg, const struct cfg_customer *c);

const char *request_kind_name(enum request_kind k);
const char *request_status_name(enum request_status s);

#endif
