/* Unit tests: SLA requests (SPEC §4.4, with §4.5 due instants and §4.6 as-of). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/mailfix.h"
#include "tracker/calendar.h"
#include "tracker/config.h"
#include "tracker/derive.h"
#include "tracker/requests.h"
#include "tracker/util.h"

/* 2026-04-01 is a Wednesday; Oslo is on CEST (UTC+2). No holidays here:
 * the calendar suite tests closures. */
static const char *const conf_text =
	"[team]\n"
	"addresses = support@example.com, @example.com\n"
	"[calendar oslo]\n"
	"timezone = Europe/Oslo\n"
	"hours = mon-fri 08:00-16:00\n"
	"[policy standard]\n"
	"calendar = oslo\n"
	"first_response = 4h\n"
	"next_reply = 8h\n"
	"target = 95%\n"
	"[policy sameday]\n"
	"calendar = oslo\n"
	"first_response = same-day 12:00\n"
	"[customer acme]\n"
	"name = ACME AS\n"
	"match = @acme.no, @acme.com, ceo@gmail.com\n"
	"policy = standard\n"
	"[customer fjord]\n"
	"name = Fjord Shipping\n"
	"match = @fjord.no\n"
	"policy = sameday\n"
	"[defaults]\n"
	"policy = standard\n"
	"unknown_senders = track\n"
	"thread_window = 14d\n";

static struct config *cfg;
static struct calendar_set cals;

static int suite_init(void)
{
	char *err = NULL;
	cfg = config_parse(conf_text, "requests.conf", &err);
	if (!cfg || calendar_set_build(cfg, &cals, &err) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		free(err);
		return 1;
	}
	return 0;
}

static int suite_clean(void)
{
	calendar_set_free(&cals);
	config_free(&cfg);
	return 0;
}

#define FAR_FUTURE ((time_t)4102444800) /* 2100-01-01: judge with everything known */

static void run(const struct fx_box *b, time_t as_of, struct derived *d)
{
	char *err = NULL;
	int rc = derive_all(cfg, &cals, b->s, b->n, as_of, d, &err);
	if (rc < 0)
		fprintf(stderr, "derive_all: %s\n", err);
	free(err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static const struct request *req_opened_by(const struct derived *d, const char *id)
{
	for (size_t k = 0; k < d->req.n; k++)
		if (!strcmp(d->req.v[k].opened_message_id, id))
			return &d->req.v[k];
	return NULL;
}

#define T fx_time

static size_t fx_idx_d(const struct derived *d, const char *id)
{
	long k = logical_find(&d->set, id);
	CU_ASSERT_FATAL(k >= 0);
	return (size_t)k;
}

/* A customer message and our answer, Outlook to Thunderbird. */
static void ask(struct fx_box *b, const char *id, const char *from, const char *subject,
		const char *when)
{
	fx_add(b, &(struct fx_mail){ .id = id, .from = from, .to = "support@example.com",
				     .subject = subject, .date = when, .internaldate = when,
				     .thread_index = "AdnQ2kX3" });
}

static void answer(struct fx_box *b, const char *id, const char *parent, const char *to,
		   const char *subject, const char *when)
{
	fx_add(b, &(struct fx_mail){ .id = id, .in_reply_to = parent, .references = parent,
				     .from = "support@example.com", .to = to, .subject = subject,
				     .role = ROLE_SENT, .date = when, .internaldate = when });
}

static void requests__first_response_met(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Fakturafeil", "2026-04-01T09:10:00+02:00");
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "SV: Fakturafeil",
	       "2026-04-01T10:40:00+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	const struct request *r = &d.req.v[0];
	CU_ASSERT_STRING_EQUAL(r->customer_key, "acme");
	CU_ASSERT_STRING_EQUAL(r->customer_name, "ACME AS");
	CU_ASSERT_STRING_EQUAL(r->mailbox, "support");
	CU_ASSERT_STRING_EQUAL(r->conversation_id, "q1@acme.no");
	CU_ASSERT_EQUAL(r->kind, REQ_FIRST_RESPONSE);
	CU_ASSERT_STRING_EQUAL(r->subject, "Fakturafeil");
	CU_ASSERT_STRING_EQUAL(r->opened_message_id, "q1@acme.no");
	CU_ASSERT_EQUAL(r->opened_at, T("2026-04-01T09:10:00+02:00"));
	CU_ASSERT_TRUE(r->replied);
	CU_ASSERT_STRING_EQUAL(r->replied_message_id, "a1@example.com");
	CU_ASSERT_EQUAL(r->replied_at, T("2026-04-01T10:40:00+02:00"));
	CU_ASSERT_EQUAL(r->business_seconds, 5400);
	CU_ASSERT_EQUAL(r->target_seconds, 4 * 3600);
	CU_ASSERT_TRUE(r->has_due);
	CU_ASSERT_EQUAL(r->due_at, T("2026-04-01T13:10:00+02:00"));
	CU_ASSERT_EQUAL(r->status, REQ_MET);
	CU_ASSERT_STRING_EQUAL(r->policy, "standard");
	CU_ASSERT_STRING_EQUAL(r->calendar, "oslo");
	CU_ASSERT_EQUAL(strlen(r->calendar_digest), 64);
	CU_ASSERT_PTR_NULL(r->error);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__due_overnight_boundary(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	/* 14:00 Wednesday + 4h = 2h Wednesday, 2h Thursday: due Thursday 10:00. */
	ask(&b, "<q1@acme.no>", "kari@acme.no", "A", "2026-04-01T14:00:00+02:00");
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: A", "2026-04-02T10:00:00+02:00");
	ask(&b, "<q2@acme.no>", "kari@acme.no", "B", "2026-04-01T14:00:00+02:00");
	answer(&b, "<a2@example.com>", "<q2@acme.no>", "kari@acme.no", "Re: B", "2026-04-02T10:00:01+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 2);
	const struct request *r1 = req_opened_by(&d, "q1@acme.no"), *r2 = req_opened_by(&d, "q2@acme.no");
	CU_ASSERT_FATAL(r1 && r2);
	CU_ASSERT_EQUAL(r1->due_at, T("2026-04-02T10:00:00+02:00"));
	CU_ASSERT_EQUAL(r1->business_seconds, 4 * 3600);
	CU_ASSERT_EQUAL(r1->status, REQ_MET); /* a reply at the due second is on time */
	CU_ASSERT_EQUAL(r2->business_seconds, 4 * 3600 + 1);
	CU_ASSERT_EQUAL(r2->status, REQ_BREACHED);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__follow_up_does_not_move_clock(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "VPN nede", "2026-04-01T09:00:00+02:00");
	/* Apple Mail follow-up from a colleague at acme, in the thread */
	fx_add(&b, &(struct fx_mail){ .id = "<0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@acme.no>",
				      .in_reply_to = "<q1@acme.no>", .references = "<q1@acme.no>",
				      .from = "ola@acme.no", .to = "support@example.com",
				      .subject = "Re: VPN nede", .internaldate = "2026-04-01T11:00:00+02:00" });
	answer(&b, "<a1@example.com>", "<0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@acme.no>",
	       "kari@acme.no, ola@acme.no", "Re: VPN nede", "2026-04-01T12:00:00+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_EQUAL(d.req.v[0].opened_at, T("2026-04-01T09:00:00+02:00"));
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 3 * 3600);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].replied_message_id, "a1@example.com");
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__automatic_mail_neither_opens_nor_answers(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Passord", "2026-04-01T09:00:00+02:00");
	/* our own "we received your message" */
	fx_add(&b, &(struct fx_mail){ .id = "<auto-1@example.com>", .in_reply_to = "<q1@acme.no>",
				      .from = "support@example.com", .to = "kari@acme.no",
				      .subject = "Re: Passord [#1234]", .x_autoreply = "yes",
				      .auto_submitted = "auto-replied", .role = ROLE_SENT,
				      .internaldate = "2026-04-01T09:00:02+02:00" });
	/* a bounce of that autoresponse to a colleague */
	fx_add(&b, &(struct fx_mail){ .id = "<bounce-1@mx.acme.no>", .from = "MAILER-DAEMON@mx.acme.no",
				      .to = "support@example.com", .subject = "Undelivered Mail Returned to Sender",
				      .content_type = "multipart/report",
				      .internaldate = "2026-04-01T09:00:05+02:00" });
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: Passord",
	       "2026-04-01T10:00:00+02:00");
	/* kari's Exchange out-of-office to our answer */
	fx_add(&b, &(struct fx_mail){ .id = "<ooo-1@acme.no>", .in_reply_to = "<a1@example.com>",
				      .from = "kari@acme.no", .to = "support@example.com",
				      .subject = "Automatisk svar: Re: Passord",
				      .auto_submitted = "auto-generated", .x_auto_response_suppress = "All",
				      .internaldate = "2026-04-01T10:00:03+02:00" });
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].replied_message_id, "a1@example.com");
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 3600);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__internal_and_team_only_do_not_answer(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Eksport", "2026-04-01T09:00:00+02:00");
	/* Outlook forward to a colleague */
	fx_add(&b, &(struct fx_mail){ .id = "<fw-1@example.com>", .references = "<q1@acme.no>",
				      .from = "support@example.com", .to = "ola.dev@example.com",
				      .subject = "VS: Eksport", .role = ROLE_SENT,
				      .internaldate = "2026-04-01T09:30:00+02:00" });
	/* the colleague answers the team only (reply-all within the team) */
	fx_add(&b, &(struct fx_mail){ .id = "<dev-1@example.com>", .in_reply_to = "<fw-1@example.com>",
				      .from = "ola.dev@example.com", .to = "support@example.com",
				      .cc = "per@example.com", .subject = "SV: VS: Eksport",
				      .internaldate = "2026-04-01T10:00:00+02:00" });
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "SV: Eksport",
	       "2026-04-01T11:00:00+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].replied_message_id, "a1@example.com");
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 2 * 3600);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__reply_cc_shared_mailbox(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Lisens", "2026-04-01T09:00:00+02:00");
	struct fx_mail r = { .id = "<a1@example.com>", .in_reply_to = "<q1@acme.no>",
			     .from = "support@example.com", .to = "kari@acme.no",
			     .cc = "support@example.com", .subject = "Re: Lisens" };
	r.role = ROLE_INBOUND; /* delivered to INBOX a little later */
	r.internaldate = "2026-04-01T09:45:09+02:00";
	fx_add(&b, &r);
	r.role = ROLE_SENT;
	r.internaldate = "2026-04-01T09:45:00+02:00";
	fx_add(&b, &r);
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL(d.set.n, 2);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_EQUAL(d.req.v[0].replied_at, T("2026-04-01T09:45:00+02:00"));
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 45 * 60);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__next_reply(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Rapport", "2026-04-01T09:00:00+02:00");
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: Rapport",
	       "2026-04-01T10:00:00+02:00");
	/* kari writes again after the answer (Gmail from the CEO in Cc) */
	fx_add(&b, &(struct fx_mail){ .id = "<CAK1x@mail.gmail.com>", .in_reply_to = "<a1@example.com>",
				      .references = "<q1@acme.no> <a1@example.com>", .from = "ceo@gmail.com",
				      .to = "support@example.com", .cc = "kari@acme.no",
				      .subject = "Re: Rapport", .internaldate = "2026-04-01T15:00:00+02:00" });
	/* fjord: same-day policy without next_reply */
	ask(&b, "<f1@fjord.no>", "lars@fjord.no", "Container", "2026-04-01T09:00:00+02:00");
	answer(&b, "<fa1@example.com>", "<f1@fjord.no>", "lars@fjord.no", "Re: Container",
	       "2026-04-01T09:30:00+02:00");
	fx_add(&b, &(struct fx_mail){ .id = "<f2@fjord.no>", .in_reply_to = "<fa1@example.com>",
				      .from = "lars@fjord.no", .to = "support@example.com",
				      .subject = "Re: Container", .internaldate = "2026-04-01T13:00:00+02:00" });
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 4);
	const struct request *n1 = req_opened_by(&d, "CAK1x@mail.gmail.com");
	CU_ASSERT_PTR_NOT_NULL_FATAL(n1);
	CU_ASSERT_EQUAL(n1->kind, REQ_NEXT_REPLY);
	CU_ASSERT_STRING_EQUAL(n1->customer_key, "acme");
	CU_ASSERT_EQUAL(n1->target_seconds, 8 * 3600);
	/* 1h Wednesday, 7h Thursday: due Thursday 15:00 */
	CU_ASSERT_EQUAL(n1->due_at, T("2026-04-02T15:00:00+02:00"));
	CU_ASSERT_FALSE(n1->replied);
	CU_ASSERT_EQUAL(n1->business_seconds, -1);
	CU_ASSERT_EQUAL(n1->status, REQ_OVERDUE);
	CU_ASSERT_EQUAL(req_opened_by(&d, "q1@acme.no")->kind, REQ_FIRST_RESPONSE);
	const struct request *f2 = req_opened_by(&d, "f2@fjord.no");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
	CU_ASSERT_EQUAL(f2->kind, REQ_NEXT_REPLY);
	CU_ASSERT_EQUAL(f2->target.kind, TARGET_SAME_DAY);
	CU_ASSERT_EQUAL(f2->target_seconds, -1);
	CU_ASSERT_STRING_EQUAL(f2->policy, "sameday");
	/* 13:00 is after the 12:00 cut-off: due at Thursday's close */
	CU_ASSERT_EQUAL(f2->due_at, T("2026-04-02T16:00:00+02:00"));
	const struct request *f1 = req_opened_by(&d, "f1@fjord.no");
	CU_ASSERT_EQUAL(f1->due_at, T("2026-04-01T16:00:00+02:00"));
	CU_ASSERT_EQUAL(f1->status, REQ_MET);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__unknown_sender(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<u1@unknown.org>", "anna@unknown.org", "Tilbud?", "2026-04-01T09:00:00+02:00");
	ask(&b, "<g1@gmail.com>", "per.hansen@gmail.com", "Hei", "2026-04-01T09:00:00+02:00");
	ask(&b, "<g2@gmail.com>", "ceo@gmail.com", "Hei", "2026-04-01T09:00:00+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 3);
	const struct request *r = req_opened_by(&d, "u1@unknown.org");
	CU_ASSERT_STRING_EQUAL(r->customer_key, "unassigned");
	CU_ASSERT_STRING_EQUAL(r->customer_name, "Unassigned senders");
	CU_ASSERT_STRING_EQUAL(r->policy, "standard");
	CU_ASSERT_STRING_EQUAL(req_opened_by(&d, "g1@gmail.com")->customer_key, "unassigned");
	CU_ASSERT_STRING_EQUAL(req_opened_by(&d, "g2@gmail.com")->customer_key, "acme");
	derived_free(&d);
	cfg->defaults.unknown_senders = UNKNOWN_IGNORE;
	run(&b, FAR_FUTURE, &d);
	cfg->defaults.unknown_senders = UNKNOWN_TRACK;
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].opened_message_id, "g2@gmail.com");
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__ignored_sender_inside_customer_conversation(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	cfg->defaults.unknown_senders = UNKNOWN_IGNORE;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Integrasjon", "2026-04-01T09:00:00+02:00");
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no, nils@consult.io", "Re: Integrasjon",
	       "2026-04-01T10:00:00+02:00");
	/* acme's consultant (matches no customer) answers in acme's thread: acts for acme */
	fx_add(&b, &(struct fx_mail){ .id = "<c1@consult.io>", .in_reply_to = "<a1@example.com>",
				      .from = "nils@consult.io", .to = "support@example.com",
				      .subject = "Re: Integrasjon", .internaldate = "2026-04-01T11:00:00+02:00" });
	run(&b, FAR_FUTURE, &d);
	cfg->defaults.unknown_senders = UNKNOWN_TRACK;
	CU_ASSERT_EQUAL_FATAL(d.req.n, 2);
	const struct request *r = req_opened_by(&d, "c1@consult.io");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->kind, REQ_NEXT_REPLY);
	CU_ASSERT_STRING_EQUAL(r->customer_key, "acme");
	CU_ASSERT_EQUAL(d.cls[fx_idx_d(&d, "c1@consult.io")].cls, MSG_IGNORED);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__team_member_personal_address_answers(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Skriver", "2026-04-01T09:00:00+02:00");
	/* Apple Mail in the agent's own mailbox, Sent folder only */
	fx_add(&b, &(struct fx_mail){ .id = "<B1C2D3E4-0000-4000-8000-000000000001@example.com>",
				      .in_reply_to = "<q1@acme.no>", .references = "<q1@acme.no>",
				      .from = "marte.olsen@example.com", .to = "kari@acme.no",
				      .subject = "Re: Skriver", .role = ROLE_SENT, .mailbox = "marte",
				      .folder = "Sent Messages", .internaldate = "2026-04-01T09:20:00+02:00" });
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].replied_message_id,
			       "B1C2D3E4-0000-4000-8000-000000000001@example.com");
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 20 * 60);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__as_of(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Server", "2026-04-01T09:00:00+02:00");
	answer(&b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: Server",
	       "2026-04-01T14:00:00+02:00");
	ask(&b, "<q2@acme.no>", "kari@acme.no", "Skriver", "2026-04-01T15:00:00+02:00");
	/* before the reply and before due (13:00): pending */
	run(&b, T("2026-04-01T12:00:00+02:00"), &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_FALSE(d.req.v[0].replied);
	CU_ASSERT_PTR_NULL(d.req.v[0].replied_message_id);
	CU_ASSERT_EQUAL(d.req.v[0].status, REQ_PENDING);
	derived_free(&d);
	/* after due, before the reply: overdue */
	run(&b, T("2026-04-01T13:30:00+02:00"), &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_EQUAL(d.req.v[0].status, REQ_OVERDUE);
	CU_ASSERT_EQUAL(request_status_at(&d.req.v[0], T("2026-04-01T12:59:59+02:00")), REQ_PENDING);
	CU_ASSERT_EQUAL(request_status_at(&d.req.v[0], T("2026-04-01T13:00:00+02:00")), REQ_PENDING);
	CU_ASSERT_EQUAL(request_status_at(&d.req.v[0], T("2026-04-01T13:00:01+02:00")), REQ_OVERDUE);
	derived_free(&d);
	/* the reply counts from its own second on */
	run(&b, T("2026-04-01T14:00:00+02:00"), &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_EQUAL(d.req.v[0].status, REQ_BREACHED);
	derived_free(&d);
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL(d.req.n, 2);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__conversation_started_by_team(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	fx_add(&b, &(struct fx_mail){ .id = "<n1@example.com>", .from = "support@example.com",
				      .to = "kari@acme.no", .subject = "Nyhetsbrev april", .role = ROLE_SENT,
				      .internaldate = "2026-04-01T09:00:00+02:00" });
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL(d.req.n, 0);
	derived_free(&d);
	/* kari answers it: a first_response request for acme */
	fx_add(&b, &(struct fx_mail){ .id = "<n2@acme.no>", .in_reply_to = "<n1@example.com>",
				      .from = "kari@acme.no", .to = "support@example.com",
				      .subject = "Re: Nyhetsbrev april", .internaldate = "2026-04-01T10:00:00+02:00" });
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_EQUAL(d.req.v[0].kind, REQ_FIRST_RESPONSE);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].conversation_id, "n1@example.com");
	CU_ASSERT_FALSE(d.req.v[0].replied); /* n1 was before the opening */
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__reply_must_be_after_opening(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	/* A team message stamped the same second as the question (a server-side
	 * rule without automatic-mail headers) is not "sent after" it. */
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Samme sekund", "2026-04-01T09:00:00+02:00");
	answer(&b, "<q2-rule@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: Samme sekund",
	       "2026-04-01T09:00:00+02:00");
	answer(&b, "<q3@example.com>", "<q1@acme.no>", "kari@acme.no", "Re: Samme sekund",
	       "2026-04-01T09:00:01+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].replied_message_id, "q3@example.com");
	CU_ASSERT_EQUAL(d.req.v[0].business_seconds, 1);
	derived_free(&d);
	fx_box_free(&b);
}

static void requests__untimed_message_opens_nothing(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	/* imported without INTERNALDATE and with an unparsable Date */
	fx_add(&b, &(struct fx_mail){ .id = "<nodate@acme.no>", .from = "kari@acme.no",
				      .to = "support@example.com", .subject = "Uten dato" });
	ask(&b, "<q1@acme.no>", "kari@acme.no", "Med dato", "2026-04-01T09:00:00+02:00");
	run(&b, FAR_FUTURE, &d);
	CU_ASSERT_EQUAL_FATAL(d.req.n, 1);
	CU_ASSERT_STRING_EQUAL(d.req.v[0].opened_message_id, "q1@acme.no");
	derived_free(&d);
	fx_box_free(&b);
}

/* A canonical text of all requests, for comparing runs. */
static char *dump(const struct derived *d)
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	for (size_t k = 0; k < d->req.n; k++) {
		const struct request *r = &d->req.v[k];
		strbuf_appendf(&sb, "%s %s %s %s %lld %s %lld %lld %lld %s %s %s\n", r->conversation_id,
			       r->customer_key, request_kind_name(r->kind), r->opened_message_id,
			       (long long)r->opened_at, r->replied_message_id ? r->replied_message_id : "-",
			       (long long)r->replied_at, (long long)r->business_seconds,
			       (long long)r->due_at, request_status_name(r->status), r->policy, r->mailbox);
	}
	return strbuf_steal(&sb);
}

static void mixed(struct fx_box *b)
{
	char id[64], irt[64], when[40], subj[64];
	for (int i = 0; i < 60; i++) {
		const char *from = i % 3 == 0 ? "kari@acme.no" : i % 3 == 1 ? "lars@fjord.no" : "x@unknown.org";
		int day = 1 + i % 15, hour = 6 + i % 12;
		snprintf(id, sizeof id, "<m%d@gen>", i);
		snprintf(subj, sizeof subj, "%sCase %d", i % 4 ? "" : "Re: ", i % 9);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:%02d:00+02:00", day, hour, i % 60);
		ask(b, id, from, subj, when);
		if (i % 7 == 3)
			continue; /* never answered */
		snprintf(irt, sizeof irt, "<m%d@gen>", i);
		snprintf(id, sizeof id, "<r%d@example.com>", i);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:%02d:00+02:00", day + i % 2, 8 + i % 9, 30);
		struct fx_mail r = { .id = id, .from = "support@example.com", .to = from,
				     .in_reply_to = i % 5 ? irt : NULL, .subject = subj, .role = ROLE_SENT,
				     .internaldate = when };
		fx_add(b, &r);
		if (i % 4 == 0) { /* also delivered to INBOX */
			r.role = ROLE_INBOUND;
			r.cc = "support@example.com";
			fx_add(b, &r);
		}
		if (i % 6 == 1) { /* the customer writes again */
			snprintf(id, sizeof id, "<m%d-again@gen>", i);
			snprintf(irt, sizeof irt, "<r%d@example.com>", i);
			snprintf(when, sizeof when, "2026-04-%02dT15:00:00+02:00", day + 2);
			fx_add(b, &(struct fx_mail){ .id = id, .from = from, .in_reply_to = irt,
						     .subject = subj, .internaldate = when });
		}
	}
}

static void requests__shuffled_orders_identical(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	mixed(&b);
	run(&b, T("2026-04-12T12:00:00+02:00"), &d);
	char *want = dump(&d);
	/* a non-trivial mix: every status but overdue, both kinds */
	CU_ASSERT(d.req.n > 25);
	CU_ASSERT_PTR_NOT_NULL(strstr(want, " met "));
	CU_ASSERT_PTR_NOT_NULL(strstr(want, " breached "));
	CU_ASSERT_PTR_NOT_NULL(strstr(want, " pending "));
	CU_ASSERT_PTR_NOT_NULL(strstr(want, " next_reply "));
	CU_ASSERT_PTR_NOT_NULL(strstr(want, " unassigned "));
	derived_free(&d);
	run(&b, T("2026-04-12T12:00:00+02:00"), &d);
	char *again = dump(&d);
	CU_ASSERT_STRING_EQUAL(again, want);
	free(again);
	derived_free(&d);
	size_t *perm = xmalloc(b.n * sizeof *perm);
	unsigned long long seed = 0xdeadbeefcafef00dULL;
	int same = 0;
	for (int run_no = 0; run_no < 50; run_no++) {
		for (size_t i = 0; i < b.n; i++)
			perm[i] = i;
		fx_shuffle(perm, b.n, &seed);
		struct sighting *s = fx_permuted(&b, perm);
		char *err = NULL;
		CU_ASSERT_EQUAL_FATAL(derive_all(cfg, &cals, s, b.n, T("2026-04-12T12:00:00+02:00"), &d, &err), 0);
		char *got = dump(&d);
		same += strcmp(got, want) == 0;
		free(got);
		derived_free(&d);
		free(s);
	}
	CU_ASSERT_EQUAL(same, 50);
	free(perm);
	free(want);
	fx_box_free(&b);
}

static void requests__missing_calendar_is_an_error(void)
{
	struct fx_box b = { 0 };
	struct derived d;
	ask(&b, "<q1@acme.no>", "kari@acme.no", "X", "2026-04-01T09:00:00+02:00");
	struct calendar_set none = { NULL, 0 };
	char *err = NULL;
	CU_ASSERT_EQUAL(derive_all(cfg, &none, b.s, b.n, FAR_FUTURE, &d, &err), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "calendar 'oslo'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "requests.conf"));
	free(err);
	fx_box_free(&b);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("requests", suite_init, suite_clean);
	CU_add_test(s, "requests__first_response_met", requests__first_response_met);
	CU_add_test(s, "requests__due_overnight_boundary", requests__due_overnight_boundary);
	CU_add_test(s, "requests__follow_up_does_not_move_clock", requests__follow_up_does_not_move_clock);
	CU_add_test(s, "requests__automatic_mail_neither_opens_nor_answers",
		    requests__automatic_mail_neither_opens_nor_answers);
	CU_add_test(s, "requests__internal_and_team_only_do_not_answer",
		    requests__internal_and_team_only_do_not_answer);
	CU_add_test(s, "requests__reply_cc_shared_mailbox", requests__reply_cc_shared_mailbox);
	CU_add_test(s, "requests__next_reply", requests__next_reply);
	CU_add_test(s, "requests__unknown_sender", requests__unknown_sender);
	CU_add_test(s, "requests__ignored_sender_inside_customer_conversation",
		    requests__ignored_sender_inside_customer_conversation);
	CU_add_test(s, "requests__team_member_personal_address_answers",
		    requests__team_member_personal_address_answers);
	CU_add_test(s, "requests__as_of", requests__as_of);
	CU_add_test(s, "requests__conversation_started_by_team", requests__conversation_started_by_team);
	CU_add_test(s, "requests__reply_must_be_after_opening", requests__reply_must_be_after_opening);
	CU_add_test(s, "requests__untimed_message_opens_nothing", requests__untimed_message_opens_nothing);
	CU_add_test(s, "requests__shuffled_orders_identical", requests__shuffled_orders_identical);
	CU_add_test(s, "requests__missing_calendar_is_an_error", requests__missing_calendar_is_an_error);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
