/* Unit tests: logical messages and classification (SPEC §4.1, §4.2). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/mailfix.h"
#include "tracker/classify.h"
#include "tracker/logical.h"
#include "tracker/util.h"

static struct config *cfg_std(enum unknown_senders unknown)
{
	struct config *c = fx_config_new("support@example.com, @example.com");
	fx_calendar(c, "oslo", "Europe/Oslo", 0x1f, 8 * 60, 16 * 60);
	fx_policy(c, "standard", "oslo", fx_hours(4), fx_hours(8));
	/* Listed first so that "exact beats domain" is not "first wins". */
	fx_customer(c, "consumer", "Private customers", "@gmail.com", NULL);
	fx_customer(c, "acme", "ACME AS", "@acme.no, @Acme.com, CEO@gmail.com", "standard");
	c->defaults.unknown_senders = unknown;
	fx_config_done(c, "standard");
	return c;
}

/* The index gives what the linear search gives, for every kind of address. */
static void classify__customer_index_same_as_linear(void)
{
	struct config *c = fx_config_new("support@example.com");
	fx_customer(c, "first", "First", "@shared.no, boss@other.no", NULL);
	fx_customer(c, "second", "Second", "@Shared.NO, @other.no, BOSS@other.no", NULL);
	fx_customer(c, "third", "Third", "kari@shared.no, @third.se", NULL);
	fx_calendar(c, "oslo", "Europe/Oslo", 0x1f, 8 * 60, 16 * 60);
	fx_policy(c, "standard", "oslo", fx_hours(4), fx_hours(8));
	fx_config_done(c, "standard");
	struct customer_index *ix = customer_index_build(c);
	const char *addrs[] = { "boss@other.no", "Boss@Other.No", "x@other.no", "kari@shared.no",
				"KARI@SHARED.NO", "ola@shared.no", "a@third.se", "a@sub.third.se",
				"nobody@nowhere.com", "no-at-sign", "", "a@b@third.se", "@third.se",
				"third.se", NULL };
	for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++)
		CU_ASSERT_PTR_EQUAL(address_customer_ix(c, ix, addrs[i]), address_customer(c, addrs[i]));
	/* remembered per pointer: the second round answers from the memo */
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
			CU_ASSERT_PTR_EQUAL(address_customer_memo(c, ix, addrs[i]), address_customer(c, addrs[i]));
			CU_ASSERT_EQUAL(address_is_team_memo(c, ix, addrs[i]), address_is_team(c, addrs[i]));
			CU_ASSERT_EQUAL(address_is_team_memo(c, NULL, addrs[i]), address_is_team(c, addrs[i]));
		}
	CU_ASSERT_TRUE(address_is_team_memo(c, ix, "Support@Example.com"));
	/* spot checks of what both give */
	CU_ASSERT_PTR_EQUAL(address_customer_ix(c, ix, "Boss@Other.No"), &c->customers[0]);
	CU_ASSERT_PTR_EQUAL(address_customer_ix(c, ix, "x@other.no"), &c->customers[1]);
	CU_ASSERT_PTR_EQUAL(address_customer_ix(c, ix, "ola@shared.no"), &c->customers[0]);
	CU_ASSERT_PTR_EQUAL(address_customer_ix(c, ix, "kari@shared.no"), &c->customers[2]);
	CU_ASSERT_PTR_NULL(address_customer_ix(c, ix, "a@sub.third.se"));
	customer_index_free(&ix);
	CU_ASSERT_PTR_NULL(ix);
	fx_config_free(&c);
}

/* The stored reason text of the last classify_one() (its noise_value
 * pointed into the freed message). */
static char last_reason[CLASSIFY_REASON_MAX];

/* Classifies one message described by f. */
static struct classification classify_one(const struct config *c, struct fx_mail f)
{
	struct fx_box b = { 0 };
	struct logical_set set;
	struct classification cl;
	if (!f.id)
		f.id = "<one@test>";
	if (!f.internaldate)
		f.internaldate = "2026-04-01T08:00:00Z";
	fx_add(&b, &f);
	logical_fold(b.s, b.n, &set);
	CU_ASSERT_EQUAL_FATAL(set.n, 1);
	classify_message(c, &set.v[0], &cl);
	/* unassigned_addr points into the set, which is freed below: keep only
	 * whether it was set. */
	cl.unassigned_addr = cl.unassigned_addr ? "(set)" : NULL;
	CU_ASSERT_EQUAL(classify_reason(&cl, last_reason, sizeof last_reason), cl.noise != NOISE_NONE);
	cl.noise_value = NULL;
	logical_set_free(&set);
	fx_box_free(&b);
	return cl;
}

static void classify__exact_beats_domain(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	CU_ASSERT_PTR_EQUAL(address_customer(c, "ceo@gmail.com"), &c->customers[1]);
	CU_ASSERT_PTR_EQUAL(address_customer(c, "CEO@GMAIL.COM"), &c->customers[1]);
	CU_ASSERT_PTR_EQUAL(address_customer(c, "someone@gmail.com"), &c->customers[0]);
	CU_ASSERT_PTR_EQUAL(address_customer(c, "kari@acme.no"), &c->customers[1]);
	CU_ASSERT_PTR_EQUAL(address_customer(c, "ola@ACME.COM"), &c->customers[1]);
	struct classification cl = classify_one(c, (struct fx_mail){ .from = "CEO@gmail.com",
								     .to = "support@example.com" });
	CU_ASSERT_EQUAL(cl.cls, MSG_CUSTOMER);
	CU_ASSERT_PTR_EQUAL(cl.customer, &c->customers[1]);
	fx_config_free(&c);
}

static void classify__other_gmail_users_unassigned(void)
{
	/* Without a catch-all @gmail.com customer, other gmail users match nobody. */
	struct config *c = fx_config_new("support@example.com");
	fx_calendar(c, "oslo", "Europe/Oslo", 0x1f, 480, 960);
	fx_policy(c, "standard", "oslo", fx_hours(4), (struct target){ 0 });
	fx_customer(c, "acme", "ACME AS", "@acme.no, @acme.com, ceo@gmail.com", NULL);
	fx_config_done(c, "standard");
	struct classification cl = classify_one(c, (struct fx_mail){ .from = "per.hansen@gmail.com",
								     .to = "support@example.com" });
	CU_ASSERT_EQUAL(cl.cls, MSG_UNASSIGNED);
	CU_ASSERT_PTR_NULL(cl.customer);
	CU_ASSERT_PTR_NOT_NULL(cl.unassigned_addr);
	cl = classify_one(c, (struct fx_mail){ .from = "ceo@gmail.com", .to = "support@example.com" });
	CU_ASSERT_EQUAL(cl.cls, MSG_CUSTOMER);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl.customer);
	CU_ASSERT_STRING_EQUAL(cl.customer->name, "acme");
	fx_config_free(&c);
}

static void classify__domain_is_exact(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	CU_ASSERT_TRUE(address_matches("a@acme.no", "@acme.no"));
	CU_ASSERT_TRUE(address_matches("A@ACME.NO", "@acme.no"));
	CU_ASSERT_FALSE(address_matches("a@mail.acme.no", "@acme.no"));
	CU_ASSERT_FALSE(address_matches("a@acme.no.evil.com", "@acme.no"));
	CU_ASSERT_FALSE(address_matches("a@notacme.no", "@acme.no"));
	CU_ASSERT_FALSE(address_matches("ceo@gmail.com.au", "ceo@gmail.com"));
	CU_ASSERT_FALSE(address_matches("", "@acme.no"));
	CU_ASSERT_PTR_NULL(address_customer(c, "x@sub.acme.no"));
	CU_ASSERT_FALSE(address_is_team(c, "support@example.com.evil.org"));
	CU_ASSERT_FALSE(address_is_team(c, "eve@mail.example.com"));
	fx_config_free(&c);
}

static void classify__team_personal_address(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	/* Apple Mail from an agent's own account in the team domain. */
	struct classification cl = classify_one(
		c, (struct fx_mail){ .from = "kari.nordmann@example.com", .to = "kari@acme.no",
				     .cc = "support@example.com", .subject = "Re: Fakturafeil",
				     .role = ROLE_SENT, .mailbox = "kari" });
	CU_ASSERT_EQUAL(cl.cls, MSG_TEAM);
	CU_ASSERT_TRUE(cl.from_team);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl.customer);
	CU_ASSERT_STRING_EQUAL(cl.customer->name, "acme");
	fx_config_free(&c);
}

static void classify__internal_forward(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	/* Outlook "VS:" forward to a colleague, with the shared box in Cc. */
	struct classification cl = classify_one(
		c, (struct fx_mail){ .from = "support@example.com", .to = "ola.dev@example.com",
				     .cc = "Support@Example.com", .subject = "VS: Fakturafeil",
				     .thread_index = "AdnQ2kX3", .role = ROLE_SENT });
	CU_ASSERT_EQUAL(cl.cls, MSG_INTERNAL);
	CU_ASSERT_PTR_NULL(cl.customer);
	CU_ASSERT_PTR_NULL(cl.unassigned_addr);
	/* No To/Cc at all (Bcc only) is not an answer either. */
	cl = classify_one(c, (struct fx_mail){ .from = "support@example.com", .role = ROLE_SENT });
	CU_ASSERT_EQUAL(cl.cls, MSG_INTERNAL);
	fx_config_free(&c);
}

static void classify__team_customer_from_recipients(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	/* First To, then Cc: To holds an unknown partner, Cc the customer. */
	struct classification cl = classify_one(
		c, (struct fx_mail){ .from = "support@example.com", .to = "partner@vendor.org",
				     .cc = "kari@acme.no", .role = ROLE_SENT });
	CU_ASSERT_EQUAL(cl.cls, MSG_TEAM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl.customer);
	CU_ASSERT_STRING_EQUAL(cl.customer->name, "acme");
	/* To before Cc: the private customer in To wins over acme in Cc. */
	cl = classify_one(c, (struct fx_mail){ .from = "support@example.com", .to = "per@gmail.com",
					       .cc = "kari@acme.no", .role = ROLE_SENT });
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl.customer);
	CU_ASSERT_STRING_EQUAL(cl.customer->name, "consumer");
	/* Only an unknown outside recipient: a team message to an unassigned party. */
	cl = classify_one(c, (struct fx_mail){ .from = "support@example.com", .to = "x@unknown.org",
					       .role = ROLE_SENT });
	CU_ASSERT_EQUAL(cl.cls, MSG_TEAM);
	CU_ASSERT_PTR_NULL(cl.customer);
	CU_ASSERT_PTR_NOT_NULL(cl.unassigned_addr);
	fx_config_free(&c);
}

static void classify__unknown_sender_track_or_ignore(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	struct fx_mail f = { .from = "someone@unknown-firm.de", .to = "support@example.com",
			     .subject = "Anfrage" };
	CU_ASSERT_EQUAL(classify_one(c, f).cls, MSG_UNASSIGNED);
	c->defaults.unknown_senders = UNKNOWN_IGNORE;
	CU_ASSERT_EQUAL(classify_one(c, f).cls, MSG_IGNORED);
	/* A known customer is never ignored. */
	f.from = "kari@acme.no";
	CU_ASSERT_EQUAL(classify_one(c, f).cls, MSG_CUSTOMER);
	fx_config_free(&c);
}

struct noise_row {
	struct fx_mail f;
	enum noise_reason want;
};

static void classify__noise_table(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	const struct noise_row rows[] = {
		/* Exchange out-of-office */
		{ { .from = "kari@acme.no", .subject = "Automatisk svar: Fakturafeil",
		    .auto_submitted = "auto-generated", .x_auto_response_suppress = "All" },
		  NOISE_AUTO_SUBMITTED },
		/* Gmail vacation responder */
		{ { .from = "ceo@gmail.com", .subject = "Re: Fakturafeil", .auto_submitted = "auto-replied" },
		  NOISE_AUTO_SUBMITTED },
		{ { .from = "kari@acme.no", .auto_submitted = "no" }, NOISE_NONE },
		{ { .from = "kari@acme.no", .auto_submitted = " No ; comment" }, NOISE_NONE },
		/* our own helpdesk's "we received your message" */
		{ { .from = "support@example.com", .to = "kari@acme.no", .x_autoreply = "yes" },
		  NOISE_X_AUTOREPLY },
		{ { .from = "kari@acme.no", .x_autorespond = "true" }, NOISE_X_AUTORESPOND },
		{ { .from = "kari@acme.no", .x_loop = "support@example.com" }, NOISE_X_LOOP },
		/* Outlook on a rule-generated message */
		{ { .from = "kari@acme.no", .x_auto_response_suppress = "All" }, NOISE_AUTO_RESPONSE_SUPPRESS },
		/* ... but Outlook's ordinary list is not noise */
		{ { .from = "kari@acme.no", .x_auto_response_suppress = "DR, RN, NRN, OOF, AutoReply" },
		  NOISE_NONE },
		{ { .from = "kari@acme.no", .precedence = "bulk" }, NOISE_PRECEDENCE },
		{ { .from = "kari@acme.no", .precedence = "Junk" }, NOISE_PRECEDENCE },
		{ { .from = "kari@acme.no", .precedence = "list" }, NOISE_PRECEDENCE },
		{ { .from = "kari@acme.no", .precedence = "auto_reply" }, NOISE_PRECEDENCE },
		{ { .from = "kari@acme.no", .precedence = "first-class" }, NOISE_NONE },
		{ { .from = "news@acme.no", .list_id = "<news.acme.no>" }, NOISE_LIST_ID },
		/* Postfix bounce */
		{ { .from = "MAILER-DAEMON@mx.acme.no",
		    .subject = "Undelivered Mail Returned to Sender",
		    .content_type = "multipart/report" },
		  NOISE_DAEMON_SENDER },
		{ { .from = "postmaster@acme.no" }, NOISE_DAEMON_SENDER },
		{ { .from = NULL }, NOISE_EMPTY_SENDER },
		{ { .from = "" }, NOISE_EMPTY_SENDER },
		/* a read receipt from a person's client */
		{ { .from = "kari@acme.no", .subject = "Read: Fakturafeil",
		    .content_type = "multipart/report" },
		  NOISE_REPORT },
		{ { .from = "postmaster-team@acme.no" }, NOISE_NONE },
		{ { .from = "kari@acme.no", .content_type = "multipart/mixed" }, NOISE_NONE },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		struct classification cl = classify_one(c, rows[i].f);
		if (cl.noise != rows[i].want)
			fprintf(stderr, "row %zu: got %s want %s\n", i, noise_reason_code(cl.noise),
				noise_reason_code(rows[i].want));
		CU_ASSERT_EQUAL(cl.noise, rows[i].want);
		CU_ASSERT_EQUAL(cl.cls == MSG_NOISE, rows[i].want != NOISE_NONE);
		CU_ASSERT_EQUAL(last_reason[0] != '\0', rows[i].want != NOISE_NONE);
	}
	/* The team's autoresponder is noise from the team, not an answer. */
	struct classification cl = classify_one(c, rows[4].f);
	CU_ASSERT_TRUE(cl.from_team);
	CU_ASSERT_STRING_EQUAL(last_reason, "X-Autoreply: yes");
	CU_ASSERT_STRING_EQUAL(noise_reason_code(cl.noise), "x_autoreply");
	fx_config_free(&c);
}

/* The stored reason text names the header and its value, as classify_noise()
 * explains it, and is cut to CLASSIFY_REASON_MAX - 1 bytes. */
static void classify__reason_text(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	char long_id[400];
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	struct message rows[] = {
		{ .from_addr = (char *)"kari@acme.no", .auto_submitted = (char *)"auto-replied" },
		{ .from_addr = (char *)"kari@acme.no", .precedence = (char *)"Bulk; x" },
		{ .from_addr = NULL },
		{ .from_addr = (char *)"mailer-daemon@mx.acme.no", .content_type = (char *)"multipart/report" },
		{ .from_addr = (char *)"kari@acme.no", .list_id = long_id },
		{ .from_addr = (char *)"kari@acme.no" },
	};
	const char *want[] = { "Auto-Submitted: auto-replied", "Precedence: Bulk; x", "From: (empty sender)",
			       "From: mailer-daemon@mx.acme.no", NULL, "" };
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		rows[i].message_id = (char *)"r@test";
		struct sighting sg = { &rows[i], "INBOX", "INBOX", ROLE_INBOUND };
		struct logical_set set;
		struct classification cl;
		char got[CLASSIFY_REASON_MAX], explained[CLASSIFY_REASON_MAX];
		logical_fold(&sg, 1, &set);
		classify_message(c, &set.v[0], &cl);
		bool noise = classify_reason(&cl, got, sizeof got);
		CU_ASSERT_EQUAL(noise, cl.noise != NOISE_NONE);
		CU_ASSERT_EQUAL(classify_noise(&rows[i], explained, sizeof explained), cl.noise);
		CU_ASSERT_STRING_EQUAL(got, explained);
		if (want[i])
			CU_ASSERT_STRING_EQUAL(got, want[i]);
		logical_set_free(&set);
	}
	/* the long List-Id: "List-Id: " and the first 150 x */
	struct sighting sg = { &rows[4], "INBOX", "INBOX", ROLE_INBOUND };
	struct logical_set set;
	struct classification cl;
	char got[CLASSIFY_REASON_MAX];
	logical_fold(&sg, 1, &set);
	classify_message(c, &set.v[0], &cl);
	classify_reason(&cl, got, sizeof got);
	CU_ASSERT_EQUAL(strlen(got), CLASSIFY_REASON_MAX - 1);
	CU_ASSERT_EQUAL(strncmp(got, "List-Id: xxx", 12), 0);
	logical_set_free(&set);
	fx_config_free(&c);
}

static void classify__reply_cc_shared_mailbox_is_one_message(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	struct fx_box b = { 0 };
	/* Thunderbird reply, Cc to the shared box: once in Sent, once in INBOX
	 * (delivered a few seconds later). */
	struct fx_mail f = { .id = "<8c1b2d3e-aa11-4f2e-9e0f-3d2a1b0c9d8e@example.com>",
			     .from = "support@example.com", .to = "kari@acme.no",
			     .cc = "support@example.com", .subject = "Re: Fakturafeil",
			     .date = "2026-04-01T10:00:00+02:00" };
	f.role = ROLE_INBOUND;
	f.internaldate = "2026-04-01T08:00:07Z";
	fx_add(&b, &f);
	f.role = ROLE_SENT;
	f.internaldate = "2026-04-01T08:00:01Z";
	f.cc = "support@example.com, ola@acme.no";
	fx_add(&b, &f);
	struct logical_set set;
	logical_fold(b.s, b.n, &set);
	CU_ASSERT_EQUAL_FATAL(set.n, 1);
	struct logical_msg *lm = &set.v[0];
	CU_ASSERT_STRING_EQUAL(lm->message_id, "8c1b2d3e-aa11-4f2e-9e0f-3d2a1b0c9d8e@example.com");
	CU_ASSERT_TRUE(lm->seen_inbound && lm->seen_sent);
	CU_ASSERT_EQUAL(lm->n_sightings, 2);
	CU_ASSERT_EQUAL(lm->cc.n, 2); /* merged, without duplicates */
	struct classification cl;
	classify_message(c, lm, &cl);
	CU_ASSERT_EQUAL(cl.cls, MSG_TEAM);
	CU_ASSERT_EQUAL(cl.time, fx_time("2026-04-01T08:00:01Z")); /* the Sent INTERNALDATE */
	/* Seen only in INBOX (the agent answered from elsewhere): INBOX time. */
	lm->sent_internaldate = 0;
	classify_message(c, lm, &cl);
	CU_ASSERT_EQUAL(cl.time, fx_time("2026-04-01T08:00:07Z"));
	/* Imported with no INTERNALDATE: the Date header. */
	lm->inbound_internaldate = 0;
	classify_message(c, lm, &cl);
	CU_ASSERT_EQUAL(cl.time, fx_time("2026-04-01T08:00:00Z"));
	logical_set_free(&set);
	fx_box_free(&b);
	fx_config_free(&c);
}

/* The set is sorted by Message-ID byte by byte (strcmp) and unique, also
 * for ids that share long prefixes, end inside the first 16 bytes, or
 * carry bytes above 0x7f; duplicates fold whatever the input order. */
static void classify__fold_orders_ids_bytewise(void)
{
	static const char *const ids[] = {
		"AM0PR07MB4E897C6597B38@AM0PR07MB3750.eurprd03.prod.outlook.com",
		"AM0PR07MB4E897C6597B38@AM0PR07MB3750.eurprd03.prod.outlook.co",
		"AM0PR07MB4E897C6597B39@AM0PR07MB3750.eurprd03.prod.outlook.com",
		"AM0PR07MB4E897C6", "AM0PR07MB4E897C", "AM0PR07MB4E897C65", "AM0PR07M", "AM0PR07", "a",
		"b\xc3\xb8@x", "b\x7f@x", "AM0PR07MB4E897C6597B38@AM0PR07MB3750.eurprd03.prod.outlook.com",
		"AM0PR07MB4E897C6", "a",
	};
	enum { N = sizeof ids / sizeof *ids };
	struct message m[N];
	struct sighting sg[N];
	memset(m, 0, sizeof m);
	for (size_t i = 0; i < N; i++) {
		size_t j = (i * 5) % N; /* a shuffled order: 5 and N are coprime */
		m[i].message_id = (char *)ids[j];
		m[i].uid = (uint32_t)i + 1;
		sg[i] = (struct sighting){ &m[i], "INBOX", "INBOX", ROLE_INBOUND };
	}
	struct logical_set set;
	logical_fold(sg, N, &set);
	CU_ASSERT_EQUAL(set.n, N - 3); /* three ids were given twice */
	for (size_t i = 1; i < set.n; i++)
		CU_ASSERT_TRUE(strcmp(set.v[i - 1].message_id, set.v[i].message_id) < 0);
	size_t twice = 0;
	for (size_t i = 0; i < set.n; i++) {
		CU_ASSERT_FALSE(set.v[i].own_id);
		twice += set.v[i].n_sightings == 2;
	}
	CU_ASSERT_EQUAL(twice, 3);
	logical_set_free(&set);
}

/* To/Cc of a logical message: one sighting's lists as they are (shared
 * when free of duplicates), merged without duplicates over sightings. */
static void classify__fold_merges_recipient_lists(void)
{
	char *one[] = { "kari@acme.no", "ola@acme.no" }, *dup[] = { "a@x.no", "b@x.no", "a@x.no" },
	     *other[] = { "ola@acme.no", "per@acme.no" }, *cc[] = { "c@x.no" };
	struct message m[4] = {
		{ .message_id = "1@t", .uid = 1, .to_addrs = { one, 2 }, .cc_addrs = { cc, 1 } },
		{ .message_id = "2@t", .uid = 2, .to_addrs = { dup, 3 } },
		{ .message_id = "3@t", .uid = 3, .to_addrs = { one, 2 } },
		{ .message_id = "3@t", .uid = 4, .to_addrs = { other, 2 }, .cc_addrs = { cc, 1 } },
	};
	struct sighting sg[4];
	for (size_t i = 0; i < 4; i++)
		sg[i] = (struct sighting){ &m[i], "INBOX", "INBOX", ROLE_INBOUND };
	struct logical_set set;
	logical_fold(sg, 4, &set);
	CU_ASSERT_EQUAL_FATAL(set.n, 3);
	CU_ASSERT_FALSE(set.v[0].lists_owned);
	CU_ASSERT_PTR_EQUAL(set.v[0].to.v, m[0].to_addrs.v);
	CU_ASSERT_EQUAL(set.v[0].cc.n, 1);
	CU_ASSERT_TRUE(set.v[1].lists_owned); /* a@x.no twice */
	CU_ASSERT_EQUAL_FATAL(set.v[1].to.n, 2);
	CU_ASSERT_STRING_EQUAL(set.v[1].to.v[0], "a@x.no");
	CU_ASSERT_STRING_EQUAL(set.v[1].to.v[1], "b@x.no");
	CU_ASSERT_TRUE(set.v[2].lists_owned); /* two sightings */
	CU_ASSERT_EQUAL_FATAL(set.v[2].to.n, 3);
	CU_ASSERT_STRING_EQUAL(set.v[2].to.v[0], "kari@acme.no");
	CU_ASSERT_STRING_EQUAL(set.v[2].to.v[1], "ola@acme.no");
	CU_ASSERT_STRING_EQUAL(set.v[2].to.v[2], "per@acme.no");
	CU_ASSERT_EQUAL(set.v[2].cc.n, 1);
	CU_ASSERT_PTR_NOT_EQUAL(set.v[2].to.v, one); /* the sighting's list is untouched */
	CU_ASSERT_EQUAL(m[2].to_addrs.n, 2);
	logical_set_free(&set);
}

static void classify__arrival_time_rule(void)
{
	struct config *c = cfg_std(UNKNOWN_TRACK);
	struct fx_box b = { 0 };
	/* The sender's clock is 20 minutes fast. */
	fx_add(&b, &(struct fx_mail){ .id = "<a@acme.no>", .from = "kari@acme.no",
				      .to = "support@example.com", .date = "2026-04-01T10:20:00+02:00",
				      .internaldate = "2026-04-01T08:00:00Z" });
	struct logical_set set;
	struct classification cl;
	logical_fold(b.s, b.n, &set);
	classify_message(c, &set.v[0], &cl);
	CU_ASSERT_EQUAL(cl.time, fx_time("2026-04-01T08:00:00Z"));
	c->defaults.arrival_time = ARRIVAL_DATE;
	classify_message(c, &set.v[0], &cl);
	CU_ASSERT_EQUAL(cl.time, fx_time("2026-04-01T08:20:00Z"));
	logical_set_free(&set);
	fx_box_free(&b);
	fx_config_free(&c);
}

static void classify__fold_is_order_independent(void)
{
	struct fx_box b = { 0 };
	fx_add(&b, &(struct fx_mail){ .id = "<x@a>", .from = "kari@acme.no", .to = "support@example.com",
				      .internaldate = "2026-04-01T08:00:00Z", .mailbox = "support" });
	fx_add(&b, &(struct fx_mail){ .id = "<x@a>", .from = "kari@acme.no", .to = "ola@example.com",
				      .internaldate = "2026-04-01T07:59:00Z", .mailbox = "ola" });
	fx_add(&b, &(struct fx_mail){ .id = NULL, .from = "kari@acme.no", .subject = "no id",
				      .date = "2026-04-01T08:00:00Z" });
	fx_add(&b, &(struct fx_mail){ .id = NULL, .from = "kari@acme.no", .subject = "no id",
				      .date = "2026-04-01T08:00:00Z", .role = ROLE_SENT });
	size_t perm[4] = { 3, 2, 1, 0 };
	struct sighting *rev = fx_permuted(&b, perm);
	struct logical_set s1, s2;
	logical_fold(b.s, b.n, &s1);
	logical_fold(rev, b.n, &s2);
	CU_ASSERT_EQUAL_FATAL(s1.n, 2); /* the synthetic ids agree across sightings */
	CU_ASSERT_EQUAL_FATAL(s2.n, 2);
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_STRING_EQUAL(s1.v[i].message_id, s2.v[i].message_id);
		CU_ASSERT_STRING_EQUAL(s1.v[i].mailbox, s2.v[i].mailbox);
		CU_ASSERT_PTR_EQUAL(s1.v[i].hdr, s2.v[i].hdr);
		CU_ASSERT_EQUAL(s1.v[i].inbound_internaldate, s2.v[i].inbound_internaldate);
		CU_ASSERT_EQUAL(s1.v[i].to.n, s2.v[i].to.n);
	}
	long x = logical_find(&s1, "x@a");
	CU_ASSERT_FATAL(x >= 0);
	CU_ASSERT_EQUAL(s1.v[x].inbound_internaldate, fx_time("2026-04-01T07:59:00Z"));
	CU_ASSERT_STRING_EQUAL(s1.v[x].mailbox, "ola");
	CU_ASSERT_EQUAL(s1.v[x].to.n, 2);
	CU_ASSERT_EQUAL(logical_find(&s1, "nope"), -1);
	logical_set_free(&s1);
	logical_set_free(&s2);
	free(rev);
	fx_box_free(&b);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("classify", NULL, NULL);
	CU_add_test(s, "classify__exact_beats_domain", classify__exact_beats_domain);
	CU_add_test(s, "classify__customer_index_same_as_linear", classify__customer_index_same_as_linear);
	CU_add_test(s, "classify__other_gmail_users_unassigned", classify__other_gmail_users_unassigned);
	CU_add_test(s, "classify__domain_is_exact", classify__domain_is_exact);
	CU_add_test(s, "classify__team_personal_address", classify__team_personal_address);
	CU_add_test(s, "classify__internal_forward", classify__internal_forward);
	CU_add_test(s, "classify__team_customer_from_recipients", classify__team_customer_from_recipients);
	CU_add_test(s, "classify__unknown_sender_track_or_ignore", classify__unknown_sender_track_or_ignore);
	CU_add_test(s, "classify__noise_table", classify__noise_table);
	CU_add_test(s, "classify__reason_text", classify__reason_text);
	CU_add_test(s, "classify__fold_orders_ids_bytewise", classify__fold_orders_ids_bytewise);
	CU_add_test(s, "classify__fold_merges_recipient_lists", classify__fold_merges_recipient_lists);
	CU_add_test(s, "classify__reply_cc_shared_mailbox_is_one_message",
		    classify__reply_cc_shared_mailbox_is_one_message);
	CU_add_test(s, "classify__arrival_time_rule", classify__arrival_time_rule);
	CU_add_test(s, "classify__fold_is_order_independent", classify__fold_is_order_independent);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
