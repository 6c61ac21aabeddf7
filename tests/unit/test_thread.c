/* Unit tests: conversations (SPEC §4.3). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/mailfix.h"
#include "tracker/thread.h"
#include "tracker/util.h"

static struct config *cfg_std(void)
{
	struct config *c = fx_config_new("support@example.com, @example.com");
	fx_calendar(c, "oslo", "Europe/Oslo", 0x1f, 8 * 60, 16 * 60);
	fx_policy(c, "standard", "oslo", fx_hours(4), fx_hours(8));
	fx_customer(c, "acme", "ACME AS", "@acme.no, @acme.com, ceo@gmail.com", NULL);
	fx_customer(c, "fjord", "Fjord Shipping", "@fjord.no", NULL);
	fx_config_done(c, "standard");
	return c;
}

struct subj_row {
	const char *in, *want;
};

static void thread__subject_normalise(void)
{
	const struct subj_row rows[] = {
		{ "Re: Fakturafeil", "fakturafeil" },
		{ "RE: RE: Fakturafeil", "fakturafeil" },
		{ "SV: VS: Sv:Fakturafeil", "fakturafeil" },
		{ "AW: WG: Druckerproblem", "druckerproblem" },
		{ "Antw: Vb: Vraag over factuur", "vraag over factuur" },
		{ "Fwd: Fw: FW: Re: Login", "login" },
		{ "Re[2]: Login", "login" },
		{ "RE [3]: Login", "login" },
		{ "Re : Login", "login" },
		{ "  Re:   Login   fails\tagain  ", "login fails again" },
		{ "Re: \xc3\x86RLIG \xc3\x98L P\xc3\x85 \xc3\x89TAGE \xc3\x9c\xc3\x96\xc3\x84",
		  "\xc3\xa6rlig \xc3\xb8l p\xc3\xa5 \xc3\xa9tage \xc3\xbc\xc3\xb6\xc3\xa4" },
		{ "Re:\xc2\xa0Login", "login" }, /* NO-BREAK SPACE after the prefix */
		{ "Reply: Login", "reply: login" },
		{ "Revision of contract", "revision of contract" },
		{ "Vbx: Login", "vbx: login" },
		{ "Re[x]: Login", "re[x]: login" },
		{ "Login Re: help", "login re: help" },
		{ "Re: ", "" },
		{ "", "" },
		{ NULL, "" },
		{ "Price \xc3\x97 2", "price \xc3\x97 2" }, /* × is not a letter */
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		char *got = subject_normalise(rows[i].in);
		if (strcmp(got, rows[i].want) != 0)
			fprintf(stderr, "row %zu: '%s' -> '%s', want '%s'\n", i,
				rows[i].in ? rows[i].in : "(null)", got, rows[i].want);
		CU_ASSERT_STRING_EQUAL(got, rows[i].want);
		free(got);
	}
}

/* An ordinary support story in Outlook / Thunderbird / Gmail / Apple Mail
 * headers; every test below builds on some of it. */
static void story(struct fx_box *b)
{
	/* acme writes from Outlook */
	fx_add(b, &(struct fx_mail){ .id = "<AM0PR02MB5555A1@AM0PR02MB5555.eurprd02.prod.outlook.com>",
				     .from = "kari@acme.no", .to = "support@example.com",
				     .subject = "Fakturafeil", .thread_index = "AdnQ2kX3",
				     .date = "2026-04-01T09:09:50+02:00",
				     .internaldate = "2026-04-01T07:10:00Z" });
	/* Thunderbird answer from the shared box */
	fx_add(b, &(struct fx_mail){ .id = "<3f9e1c2a-1111-4a4a-9b9b-0c0c0c0c0c0c@example.com>",
				     .in_reply_to = "<AM0PR02MB5555A1@AM0PR02MB5555.eurprd02.prod.outlook.com>",
				     .references = "<AM0PR02MB5555A1@AM0PR02MB5555.eurprd02.prod.outlook.com>",
				     .from = "support@example.com", .to = "kari@acme.no",
				     .subject = "Re: Fakturafeil", .role = ROLE_SENT,
				     .internaldate = "2026-04-01T08:30:00Z" });
	/* Outlook reply that lost In-Reply-To and References */
	fx_add(b, &(struct fx_mail){ .id = "<AM0PR02MB5555B2@AM0PR02MB5555.eurprd02.prod.outlook.com>",
				     .from = "kari@acme.no", .to = "support@example.com",
				     .subject = "SV: Fakturafeil", .thread_index = "AdnQ2kX3AAAB",
				     .internaldate = "2026-04-03T12:00:00Z" });
	/* fjord (Apple Mail) happens to use the same subject */
	fx_add(b, &(struct fx_mail){ .id = "<5F1C6B9A-2D3E-4F50-8A9B-0C1D2E3F4A5B@fjord.no>",
				     .from = "lars@fjord.no", .to = "support@example.com",
				     .subject = "Fakturafeil", .internaldate = "2026-04-02T09:00:00Z" });
	/* acme, three weeks after the last message, same subject, no references */
	fx_add(b, &(struct fx_mail){ .id = "<AM0PR02MB5555C3@AM0PR02MB5555.eurprd02.prod.outlook.com>",
				     .from = "kari@acme.no", .to = "support@example.com",
				     .subject = "Fakturafeil", .internaldate = "2026-04-24T12:00:01Z" });
	/* Gmail reply by acme's CEO whose In-Reply-To names a message we never
	 * saw, but whose References end with our answer */
	fx_add(b, &(struct fx_mail){ .id = "<CAJx9f=Q1w2e3r4t5y6u7i8o9p@mail.gmail.com>",
				     .in_reply_to = "<not-in-our-mailbox@acme.no>",
				     .references = "<AM0PR02MB5555A1@AM0PR02MB5555.eurprd02.prod.outlook.com> "
						   "<3f9e1c2a-1111-4a4a-9b9b-0c0c0c0c0c0c@example.com> "
						   "<not-in-our-mailbox@acme.no>",
				     .from = "ceo@gmail.com", .to = "support@example.com",
				     .cc = "kari@acme.no", .subject = "Re: Fakturafeil – haster",
				     .internaldate = "2026-04-02T10:00:00Z" });
}

#define A1 "AM0PR02MB5555A1@AM0PR02MB5555.eurprd02.prod.outlook.com"
#define A2 "3f9e1c2a-1111-4a4a-9b9b-0c0c0c0c0c0c@example.com"
#define A3 "AM0PR02MB5555B2@AM0PR02MB5555.eurprd02.prod.outlook.com"
#define F1 "5F1C6B9A-2D3E-4F50-8A9B-0C1D2E3F4A5B@fjord.no"
#define A4 "AM0PR02MB5555C3@AM0PR02MB5555.eurprd02.prod.outlook.com"
#define G1 "CAJx9f=Q1w2e3r4t5y6u7i8o9p@mail.gmail.com"

/* Each message's subject key is its normalised subject (NULL when that is
 * empty), one pointer per distinct key. */
static void thread__subject_keys(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	story(&b);
	fx_add(&b, &(struct fx_mail){ .id = "<empty@acme.no>", .from = "kari@acme.no", .to = "support@example.com",
				      .subject = " Re:  ", .internaldate = "2026-04-05T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<none@acme.no>", .from = "kari@acme.no", .to = "support@example.com",
				      .internaldate = "2026-04-05T09:00:00Z" });
	fx_derive(c, b.s, b.n, &d);
	for (size_t i = 0; i < d.set.n; i++) {
		char *want = subject_normalise(d.set.v[i].hdr->subject);
		if (*want) {
			CU_ASSERT_STRING_EQUAL(d.thr.subject_key[i], want);
		} else {
			CU_ASSERT_PTR_NULL(d.thr.subject_key[i]);
		}
		free(want);
	}
	CU_ASSERT_PTR_NULL(d.thr.subject_key[fx_idx(&d, "empty@acme.no")]);
	CU_ASSERT_PTR_NULL(d.thr.subject_key[fx_idx(&d, "none@acme.no")]);
	CU_ASSERT_STRING_EQUAL(d.thr.subject_key[fx_idx(&d, A3)], "fakturafeil");
	CU_ASSERT_PTR_EQUAL(d.thr.subject_key[fx_idx(&d, A3)], d.thr.subject_key[fx_idx(&d, F1)]);
	CU_ASSERT_STRING_EQUAL(d.thr.subject_key[fx_idx(&d, G1)], "fakturafeil – haster");
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__story(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	story(&b);
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_EQUAL(d.thr.n_convs, 3);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, A1), A1);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, A2), A1);
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, A2)], LINK_IN_REPLY_TO);
	/* lost references: same customer, same subject, 2 days later */
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, A3), A1);
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, A3)], LINK_SUBJECT);
	/* another customer's identical subject: its own conversation */
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, F1), F1);
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, F1)], LINK_NEW);
	CU_ASSERT_PTR_EQUAL(d.thr.convs[d.thr.conv_of[fx_idx(&d, F1)]].customer, &c->customers[1]);
	/* older than the window (last message 04-03 12:00, this 04-24): new */
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, A4), A4);
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, A4)], LINK_NEW);
	/* References last to first: the unknown id is skipped, our answer found */
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, G1), A1);
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, G1)], LINK_REFERENCES);
	const struct conversation *cv = &d.thr.convs[d.thr.conv_of[fx_idx(&d, A1)]];
	CU_ASSERT_PTR_EQUAL(cv->customer, &c->customers[0]);
	CU_ASSERT_EQUAL_FATAL(cv->n_members, 4);
	/* members in time order */
	CU_ASSERT_STRING_EQUAL(d.set.v[cv->members[0]].message_id, A1);
	CU_ASSERT_STRING_EQUAL(d.set.v[cv->members[1]].message_id, A2);
	CU_ASSERT_STRING_EQUAL(d.set.v[cv->members[2]].message_id, G1);
	CU_ASSERT_STRING_EQUAL(d.set.v[cv->members[3]].message_id, A3);
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__in_reply_to_beats_references(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	fx_add(&b, &(struct fx_mail){ .id = "<k1@acme.no>", .from = "kari@acme.no", .subject = "Printer",
				      .internaldate = "2026-04-01T07:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<k2@acme.no>", .from = "kari@acme.no", .subject = "VPN",
				      .internaldate = "2026-04-01T07:05:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<k3@acme.no>", .from = "kari@acme.no", .subject = "Re: VPN",
				      .in_reply_to = "<k1@acme.no>", .references = "<k2@acme.no>",
				      .internaldate = "2026-04-01T07:10:00Z" });
	/* References: the last known one wins over earlier ones */
	fx_add(&b, &(struct fx_mail){ .id = "<k4@acme.no>", .from = "kari@acme.no", .subject = "x",
				      .references = "<k2@acme.no> <k1@acme.no> <gone@acme.no>",
				      .internaldate = "2026-04-01T07:15:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_EQUAL(d.thr.n_convs, 2);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "k3@acme.no"), "k1@acme.no");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "k4@acme.no"), "k1@acme.no");
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, "k4@acme.no")], LINK_REFERENCES);
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__window_edges(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	fx_add(&b, &(struct fx_mail){ .id = "<w1@acme.no>", .from = "kari@acme.no", .subject = "Backup",
				      .internaldate = "2026-04-01T08:00:00Z" });
	/* exactly 14 days later: still within the window */
	fx_add(&b, &(struct fx_mail){ .id = "<w2@acme.no>", .from = "kari@acme.no", .subject = "RE: backup",
				      .internaldate = "2026-04-15T08:00:00Z" });
	/* the customer's out-of-office inside the thread does not keep it alive */
	fx_add(&b, &(struct fx_mail){ .id = "<w3@acme.no>", .from = "ola@acme.no", .subject = "Re: Backup",
				      .in_reply_to = "<w2@acme.no>", .auto_submitted = "auto-replied",
				      .internaldate = "2026-04-20T08:00:00Z" });
	/* one second more than 14 days after w2: new conversation */
	fx_add(&b, &(struct fx_mail){ .id = "<w4@acme.no>", .from = "kari@acme.no", .subject = "Backup",
				      .internaldate = "2026-04-29T08:00:01Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "w2@acme.no"), "w1@acme.no");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "w3@acme.no"), "w1@acme.no");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "w4@acme.no"), "w4@acme.no");
	fx_derived_free(&d);
	/* a shorter window splits the first pair too */
	c->defaults.thread_window = 86400;
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "w2@acme.no"), "w2@acme.no");
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__team_message_joins_by_recipient(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	fx_add(&b, &(struct fx_mail){ .id = "<t1@fjord.no>", .from = "lars@fjord.no", .subject = "Tilgang",
				      .internaldate = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<t2@acme.no>", .from = "kari@acme.no", .subject = "Tilgang",
				      .internaldate = "2026-04-01T08:01:00Z" });
	/* an answer to fjord from a client that sets no references */
	fx_add(&b, &(struct fx_mail){ .id = "<t3@example.com>", .from = "per@example.com",
				      .to = "lars@fjord.no", .subject = "SV: Tilgang", .role = ROLE_SENT,
				      .internaldate = "2026-04-01T09:00:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "t3@example.com"), "t1@fjord.no");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "t2@acme.no"), "t2@acme.no");
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__conversation_customer(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	/* The team writes first to acme; an unknown consultant answers in the
	 * thread; later kari from acme. The conversation belongs to acme's... */
	fx_add(&b, &(struct fx_mail){ .id = "<o1@example.com>", .from = "support@example.com",
				      .to = "kari@acme.no", .subject = "Planlagt vedlikehold",
				      .role = ROLE_SENT, .internaldate = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<o2@consult.io>", .from = "nils@consult.io",
				      .to = "support@example.com", .in_reply_to = "<o1@example.com>",
				      .subject = "Re: Planlagt vedlikehold", .internaldate = "2026-04-01T09:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<o3@acme.no>", .from = "kari@acme.no",
				      .to = "support@example.com", .in_reply_to = "<o2@consult.io>",
				      .subject = "Re: Planlagt vedlikehold", .internaldate = "2026-04-01T10:00:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_EQUAL_FATAL(d.thr.n_convs, 1);
	/* ...first customer message is the consultant's (unassigned), so it is
	 * an unassigned conversation: SPEC "customer of its first customer message". */
	CU_ASSERT_PTR_NULL(d.thr.convs[0].customer);
	CU_ASSERT_STRING_EQUAL(d.thr.convs[0].unassigned_addr, "nils@consult.io");
	CU_ASSERT_TRUE(d.thr.convs[0].has_customer_msg);
	CU_ASSERT_STRING_EQUAL(d.thr.convs[0].id, "o1@example.com");
	fx_derived_free(&d);
	/* Without the consultant: kari's reply makes it acme's. */
	fx_box_truncate(&b, 1);
	fx_add(&b, &(struct fx_mail){ .id = "<o4@acme.no>", .from = "kari@acme.no",
				      .to = "support@example.com", .in_reply_to = "<o1@example.com>",
				      .subject = "Re: Planlagt vedlikehold", .internaldate = "2026-04-01T10:00:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_EQUAL_FATAL(d.thr.n_convs, 1);
	CU_ASSERT_PTR_EQUAL(d.thr.convs[0].customer, &c->customers[0]);
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__unknown_senders_do_not_share_subjects(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	fx_add(&b, &(struct fx_mail){ .id = "<u1@a.org>", .from = "anna@a.org", .subject = "Question",
				      .internaldate = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<u2@b.org>", .from = "bob@b.org", .subject = "Question",
				      .internaldate = "2026-04-01T08:05:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<u3@a.org>", .from = "anna@a.org", .subject = "Re: Question",
				      .internaldate = "2026-04-01T08:10:00Z" });
	/* empty subjects never thread by subject */
	fx_add(&b, &(struct fx_mail){ .id = "<e1@acme.no>", .from = "kari@acme.no", .subject = "",
				      .internaldate = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<e2@acme.no>", .from = "kari@acme.no", .subject = "Re:",
				      .internaldate = "2026-04-01T08:20:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "u2@b.org"), "u2@b.org");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "u3@a.org"), "u1@a.org");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "e2@acme.no"), "e2@acme.no");
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void thread__reference_loop_and_skew(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	/* Broken mail naming each other, and a reply stamped before its parent. */
	fx_add(&b, &(struct fx_mail){ .id = "<l1@x>", .from = "kari@acme.no", .subject = "Loop",
				      .in_reply_to = "<l2@x>", .internaldate = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<l2@x>", .from = "kari@acme.no", .subject = "Other",
				      .in_reply_to = "<l3@x>", .internaldate = "2026-04-01T08:01:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<l3@x>", .from = "kari@acme.no", .subject = "Third",
				      .in_reply_to = "<l1@x>", .internaldate = "2026-04-01T08:02:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<self@x>", .from = "kari@acme.no", .subject = "Self",
				      .in_reply_to = "<self@x>", .internaldate = "2026-04-01T08:03:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<early@example.com>", .from = "support@example.com",
				      .to = "lars@fjord.no", .in_reply_to = "<late@fjord.no>",
				      .subject = "Re: Skew", .role = ROLE_SENT,
				      .internaldate = "2026-04-01T07:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = "<late@fjord.no>", .from = "lars@fjord.no", .subject = "Skew",
				      .internaldate = "2026-04-01T07:30:00Z" });
	fx_derive(c, b.s, b.n, &d);
	CU_ASSERT_EQUAL(d.thr.n_convs, 3);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "l2@x"), "l1@x");
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "l3@x"), "l1@x");
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, "l1@x")], LINK_NEW); /* the loop is cut at its earliest */
	CU_ASSERT_EQUAL(d.thr.link[fx_idx(&d, "self@x")], LINK_NEW);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "late@fjord.no"), "early@example.com");
	fx_derived_free(&d);
	fx_box_free(&b);
	fx_config_free(&c);
}

/* A bigger mixed mailbox for the order properties. */
static void mixed(struct fx_box *b)
{
	story(b);
	char id[64], irt[64], when[32], subj[64];
	for (int i = 0; i < 40; i++) {
		const char *from = i % 3 == 0 ? "kari@acme.no" : i % 3 == 1 ? "lars@fjord.no" : "x@unknown.org";
		snprintf(id, sizeof id, "<m%d@gen>", i);
		snprintf(subj, sizeof subj, "%sCase %d", i % 4 ? "" : "Re: ", i % 7);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:00:00Z", 1 + i % 20, 6 + i % 10);
		fx_add(b, &(struct fx_mail){ .id = id, .from = from, .to = "support@example.com",
					     .subject = subj, .internaldate = when });
		snprintf(irt, sizeof irt, "<m%d@gen>", i);
		snprintf(id, sizeof id, "<r%d@example.com>", i);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:30:00Z", 1 + i % 20, 6 + i % 10);
		fx_add(b, &(struct fx_mail){ .id = id, .from = "support@example.com", .to = from,
					     .in_reply_to = i % 5 ? irt : NULL, .subject = subj,
					     .role = ROLE_SENT, .internaldate = when });
		if (i % 6 == 0) /* the same reply also delivered to INBOX */
			fx_add(b, &(struct fx_mail){ .id = id, .from = "support@example.com", .to = from,
						     .cc = "support@example.com",
						     .in_reply_to = i % 5 ? irt : NULL, .subject = subj,
						     .internaldate = "2026-04-25T00:00:00Z" });
	}
	/* identical instants, tie broken by Message-ID */
	fx_add(b, &(struct fx_mail){ .id = "<tie-b@acme.no>", .from = "kari@acme.no", .subject = "Tie",
				     .internaldate = "2026-04-05T08:00:00Z" });
	fx_add(b, &(struct fx_mail){ .id = "<tie-a@acme.no>", .from = "kari@acme.no", .subject = "Tie",
				     .internaldate = "2026-04-05T08:00:00Z" });
}

static void thread__shuffled_orders_identical(void)
{
	struct config *c = cfg_std();
	struct fx_box b = { 0 };
	struct fx_derived d;
	mixed(&b);
	fx_derive(c, b.s, b.n, &d);
	char *want = fx_thread_dump(&d);
	CU_ASSERT_STRING_EQUAL(fx_conv(&d, "tie-b@acme.no"), "tie-a@acme.no");
	fx_derived_free(&d);
	/* running twice gives the same */
	fx_derive(c, b.s, b.n, &d);
	char *again = fx_thread_dump(&d);
	CU_ASSERT_STRING_EQUAL(again, want);
	free(again);
	fx_derived_free(&d);
	size_t *perm = xmalloc(b.n * sizeof *perm);
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	int same = 0;
	for (int run = 0; run < 50; run++) {
		for (size_t i = 0; i < b.n; i++)
			perm[i] = i;
		fx_shuffle(perm, b.n, &seed);
		struct sighting *s = fx_permuted(&b, perm);
		fx_derive(c, s, b.n, &d);
		char *got = fx_thread_dump(&d);
		same += strcmp(got, want) == 0;
		free(got);
		fx_derived_free(&d);
		free(s);
	}
	CU_ASSERT_EQUAL(same, 50);
	free(perm);
	free(want);
	fx_box_free(&b);
	fx_config_free(&c);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("thread", NULL, NULL);
	CU_add_test(s, "thread__subject_normalise", thread__subject_normalise);
	CU_add_test(s, "thread__story", thread__story);
	CU_add_test(s, "thread__subject_keys", thread__subject_keys);
	CU_add_test(s, "thread__in_reply_to_beats_references", thread__in_reply_to_beats_references);
	CU_add_test(s, "thread__window_edges", thread__window_edges);
	CU_add_test(s, "thread__team_message_joins_by_recipient", thread__team_message_joins_by_recipient);
	CU_add_test(s, "thread__conversation_customer", thread__conversation_customer);
	CU_add_test(s, "thread__unknown_senders_do_not_share_subjects",
		    thread__unknown_senders_do_not_share_subjects);
	CU_add_test(s, "thread__reference_loop_and_skew", thread__reference_loop_and_skew);
	CU_add_test(s, "thread__shuffled_orders_identical", thread__shuffled_orders_identical);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
