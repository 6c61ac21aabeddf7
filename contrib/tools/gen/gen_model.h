/* rc-gen, header-only part 2: the generator's model (customers, team,
 * conversations and their planned messages) shared by planning, rendering
 * and the output sinks. */
#ifndef RC_GEN_MODEL_H
#define RC_GEN_MODEL_H

#include <stdint.h>
#include <stdio.h>

enum client { CL_OUTLOOK, CL_GMAIL, CL_APPLE, CL_THUNDERBIRD, CL_N };

/* Kinds as written in the truth file (kind_names in rc-gen.c). */
enum kind {
	K_CUSTOMER,	      /* opens a conversation */
	K_FOLLOWUP,	      /* customer writes again before any reply */
	K_CUSTOMER_AGAIN,     /* customer writes after a team reply */
	K_TEAM,		      /* team reply to the customer */
	K_AUTOREPLY_CUSTOMER, /* out-of-office from the customer (noise) */
	K_AUTOREPLY_TEAM,     /* our autoresponder's acknowledgement (noise) */
	K_BOUNCE,	      /* MAILER-DAEMON / postmaster report (noise) */
	K_INTERNAL_FORWARD,   /* team → team, answers nothing */
	K_N
};

/* Folder placement of one message. */
enum folders { F_INBOX = 1, F_SENT = 2, F_BOTH = 3 };

/* How a reply refers to its parent. */
enum refs { R_FULL, R_IRT_ONLY, R_NONE };

struct contact {
	char *name; /* UTF-8 display name */
	char *addr;
	int client;
	int lang; /* 0 Norwegian, 1 English, 2 German */
};

struct customer {
	char *slug; /* config name: [customer SLUG] */
	char *name; /* UTF-8 company name */
	char *domains[2];
	int ndomains;
	char *gmail; /* exact personal address, or NULL */
	struct contact *contacts;
	int ncontacts;
	int skew;   /* seconds the contacts' clocks are off (Date header) */
	double cum; /* cumulative activity weight (customer choice) */
};

struct agent {
	char *name;
	char *addr;
	int client;
};

#define MAXPLAN 28

struct plan {
	int64_t t;	   /* SLA instant: Sent INTERNALDATE if in Sent, else INBOX's */
	int32_t date_back; /* Date header = t - date_back */
	int16_t inbox_lag; /* F_BOTH: INBOX copy arrives t + inbox_lag */
	int8_t kind, parent, refs, folders;
	int8_t who;	    /* contact index (customer side) or agent index (team) */
	int8_t from_shared; /* team: From is the shared mailbox address */
	int8_t cc_shared;   /* team: Cc to the shared mailbox */
	int8_t to_agent;    /* internal forward: agent index, -1 = shared mailbox */
	int8_t variant;	    /* small per-message style choice */
};

struct conv {
	uint64_t no;		/* conversation number, 1-based in start order */
	int cust;		/* customer index, -1 = unknown sender */
	struct contact unknown; /* the sender when cust == -1 */
	int subj;		/* subjects[] index */
	unsigned subj_num;
	int nplans, pending;
	/* request state, updated at emit time in time order */
	int open_idx, nreq;
	char uname[64], uaddr[96]; /* storage of `unknown` */
	struct plan plans[];	   /* nplans (MAXPLAN while planning) */
};

struct world {
	uint64_t seed;
	const char *team_domain, *mailbox_addr, *team_display;
	struct customer *cust;
	int ncust;
	struct agent *agents;
	int nagents;
};

#endif
