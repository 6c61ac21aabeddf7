/* Integration tests of the derived layer against the harness's PostgreSQL:
 * sightings stored in shuffled batches, `recompute` through derive_store,
 * the rows of replyclock.sla_requests / sla_weekly checked against the pure
 * pipeline and against hand-computed expectations. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/mailfix.h"
#include "tests/lib/testlib.h"
#include "tracker/config.h"
#include "tracker/derive.h"
#include "tracker/derive_store.h"
#include "tracker/derive_store_p.h"
#include "tracker/store.h"
#include "tracker/util.h"

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
	"breach_remedy = one month free of charge\n"
	"[policy sameday]\n"
	"calendar = oslo\n"
	"first_response = same-day 12:00\n"
	"target = 90%\n"
	"[customer acme]\n"
	"name = ACME AS\n"
	"match = @acme.no, ceo@gmail.com\n"
	"policy = standard\n"
	"[customer fjord]\n"
	"name = Fjord Shipping\n"
	"match = @fjord.no\n"
	"policy = sameday\n"
	"[defaults]\n"
	"policy = standard\n"
	"[report]\n"
	"timezone = Europe/Oslo\n";

static char *conninfo;
static struct store *st;
static struct config *cfg;
static struct calendar_set cals;

static int suite_init(void)
{
	char *err = NULL;
	int applied = 0;
	if (testpg_create_db("derive", &conninfo) < 0)
		return 1;
	if (!(st = store_open(conninfo, &err)) || store_migrate(st, &applied, &err) != STORE_OK ||
	    !(cfg = config_parse(conf_text, "itest.conf", &err)) ||
	    calendar_set_build(cfg, &cals, &err) < 0) {
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
	store_close(&st);
	testpg_drop_db(&conninfo);
	return 0;
}

/* Stores the box's sightings folder by folder, in batches of `batch`,
 * visiting folders in the order given. */
static void store_box(const struct fx_box *b, size_t batch, bool sent_first, uint32_t uidvalidity)
{
	for (int pass = 0; pass < 2; pass++) {
		enum folder_role role = (pass == 0) == sent_first ? ROLE_SENT : ROLE_INBOUND;
		struct message *msgs = xcalloc(b->n, sizeof *msgs);
		const char *mailbox = NULL, *folder = NULL;
		size_t k = 0;
		for (size_t mb = 0; mb < b->n; mb++) {
			/* one folder per (mailbox, folder) of this role */
			if (b->s[mb].role != role)
				continue;
			if (mailbox && (strcmp(mailbox, b->s[mb].mailbox) || strcmp(folder, b->s[mb].folder)))
				continue;
			mailbox = b->s[mb].mailbox;
			folder = b->s[mb].folder;
			msgs[k++] = b->msgs[mb]; /* shallow: the box keeps ownership */
		}
		if (!k) {
			free(msgs);
			continue;
		}
		struct folder_state fs;
		char *err = NULL;
		CU_ASSERT_EQUAL_FATAL(store_folder_state(st, mailbox, folder, role, &fs, &err), STORE_OK);
		for (size_t done = 0; done < k;) {
			size_t n = k - done < batch ? k - done : batch, ins = 0;
			int rc = store_sightings(st, fs.folder_id, uidvalidity, msgs + done, n, msgs[done + n - 1].uid,
						 &ins, &err);
			if (rc != STORE_OK)
				fprintf(stderr, "store_sightings: %s\n", err);
			CU_ASSERT_EQUAL_FATAL(rc, STORE_OK);
			done += n;
		}
		free(msgs);
	}
}

static void ask(struct fx_box *b, const char *id, const char *from, const char *subject, const char *when)
{
	fx_add(b, &(struct fx_mail){ .id = id, .from = from, .to = "support@example.com",
				     .subject = subject, .date = when, .internaldate = when });
}

static void answer(struct fx_box *b, const char *id, const char *parent, const char *to,
		   const char *subject, const char *when)
{
	fx_add(b, &(struct fx_mail){ .id = id, .in_reply_to = parent, .references = parent,
				     .from = "support@example.com", .to = to, .subject = subject,
				     .role = ROLE_SENT, .date = when, .internaldate = when });
}

/* Week of 2026-03-30 (Monday) to 2026-04-03, Oslo CEST. */
static void week14(struct fx_box *b)
{
	ask(b, "<q1@acme.no>", "kari@acme.no", "Fakturafeil \"Q1\", {urgent}", "2026-04-01T09:10:00+02:00");
	answer(b, "<a1@example.com>", "<q1@acme.no>", "kari@acme.no", "SV: Fakturafeil", "2026-04-01T10:40:00+02:00");
	ask(b, "<q2@acme.no>", "ola@acme.no", "VPN", "2026-04-01T14:00:00+02:00");
	answer(b, "<a2@example.com>", "<q2@acme.no>", "ola@acme.no, per@example.com", "Re: VPN",
	       "2026-04-02T10:00:01+02:00");
	ask(b, "<q3@fjord.no>", "lars@fjord.no", "Container", "2026-04-02T11:00:00+02:00");
	answer(b, "<a3@example.com>", "<q3@fjord.no>", "lars@fjord.no", "Re: Container", "2026-04-02T15:00:00+02:00");
	ask(b, "<q4@unknown.org>", "anna@unknown.org", "Tilbud", "2026-04-02T09:00:00+02:00");
	/* out-of-office and an internal forward: stored, classified, not counted */
	fx_add(b, &(struct fx_mail){ .id = "<ooo@acme.no>", .in_reply_to = "<a1@example.com>",
				     .from = "kari@acme.no", .to = "support@example.com",
				     .subject = "Automatisk svar: SV: Fakturafeil", .auto_submitted = "auto-replied",
				     .internaldate = "2026-04-01T10:40:05+02:00" });
	fx_add(b, &(struct fx_mail){ .id = "<fw@example.com>", .references = "<q4@unknown.org>",
				     .from = "support@example.com", .to = "sales@example.com",
				     .subject = "VS: Tilbud", .role = ROLE_SENT,
				     .internaldate = "2026-04-02T09:30:00+02:00" });
	/* the reply CC'd to the shared mailbox: also in INBOX */
	fx_add(b, &(struct fx_mail){ .id = "<a3@example.com>", .in_reply_to = "<q3@fjord.no>",
				     .references = "<q3@fjord.no>", .from = "support@example.com",
				     .to = "lars@fjord.no", .cc = "support@example.com", .subject = "Re: Container",
				     .internaldate = "2026-04-02T15:00:09+02:00" });
}

static char *query(const char *sql)
{
	PGconn *c = testpg_connect(conninfo);
	PGresult *r = PQexec(c, sql);
	struct strbuf b;
	strbuf_init(&b, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		strbuf_appendf(&b, "ERROR %s", PQresultErrorMessage(r));
	for (int i = 0; i < PQntuples(r); i++) {
		for (int j = 0; j < PQnfields(r); j++)
			strbuf_appendf(&b, "%s%s", j ? "|" : "", PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
		strbuf_append(&b, "\n", 1);
	}
	PQclear(r);
	PQfinish(c);
	return strbuf_steal(&b);
}

static void recompute(struct derive_stats *stats)
{
	char *err = NULL;
	int rc = derive_store_recompute(st, cfg, &cals, stats, &err);
	if (rc != STORE_OK)
		fprintf(stderr, "recompute: %s\n", err);
	free(err);
	CU_ASSERT_EQUAL_FATAL(rc, STORE_OK);
}

static const char q_requests[] =
	"SELECT customer, customer_name, mailbox, conversation_id, kind, subject, opened_message_id, "
	"extract(epoch FROM opened_at)::bigint, replied_message_id, extract(epoch FROM replied_at)::bigint, "
	"business_seconds, target_seconds, extract(epoch FROM due_at)::bigint, status, policy, calendar "
	"FROM replyclock.sla_requests ORDER BY opened_at, opened_message_id";

static void derive__recompute_fills_sla_requests(void)
{
	struct fx_box b = { 0 };
	struct derive_stats stats;
	week14(&b);
	store_box(&b, 3, true, 7); /* Sent before INBOX, small batches */
	recompute(&stats);
	CU_ASSERT_EQUAL(stats.sightings, b.n);
	CU_ASSERT_EQUAL(stats.messages, b.n - 1);
	CU_ASSERT_EQUAL(stats.requests, 4);
	char *got = query(q_requests);
	const char *want =
		"acme|ACME AS|support|q1@acme.no|first_response|Fakturafeil \"Q1\", {urgent}|q1@acme.no|"
		"1775027400|a1@example.com|1775032800|5400|14400|1775041800|met|standard|oslo\n"
		"acme|ACME AS|support|q2@acme.no|first_response|VPN|q2@acme.no|"
		"1775044800|a2@example.com|1775116801|14401|14400|1775116800|breached|standard|oslo\n"
		"unassigned|Unassigned senders|support|q4@unknown.org|first_response|Tilbud|q4@unknown.org|"
		"1775113200|NULL|NULL|NULL|14400|1775127600|overdue|standard|oslo\n"
		"fjord|Fjord Shipping|support|q3@fjord.no|first_response|Container|q3@fjord.no|"
		"1775120400|a3@example.com|1775134800|14400|NULL|1775138400|met|sameday|oslo\n";
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "got:\n%s", got);
	free(got);
	/* why did the out-of-office not count? */
	got = query("SELECT class, noise_reason, reason, conversation_id, thread_link FROM replyclock.messages "
		    "WHERE message_id IN ('ooo@acme.no', 'fw@example.com', 'a3@example.com') ORDER BY message_id");
	CU_ASSERT_STRING_EQUAL(got, "team|NULL|NULL|q3@fjord.no|in_reply_to\n"
				    "internal|NULL|NULL|q4@unknown.org|references\n"
				    "noise|auto_submitted|Auto-Submitted: auto-replied|q1@acme.no|in_reply_to\n");
	free(got);
	/* the subject key as threading normalised it */
	got = query("SELECT subject_key FROM replyclock.messages "
		    "WHERE message_id IN ('q1@acme.no', 'a1@example.com', 'a3@example.com', 'fw@example.com') "
		    "ORDER BY message_id");
	CU_ASSERT_STRING_EQUAL(got, "fakturafeil\ncontainer\ntilbud\nfakturafeil \"q1\", {urgent}\n");
	free(got);
	got = query("SELECT sightings, seen_inbound, seen_sent FROM replyclock.messages WHERE message_id = 'a3@example.com'");
	CU_ASSERT_STRING_EQUAL(got, "2|t|t\n");
	free(got);
	fx_box_free(&b);
}

static void derive__weekly_view(void)
{
	/* runs after the test above: same rows */
	char *got = query("SELECT customer, week, requests, met, breached, overdue, pending, compliance_pct, "
			  "target_pct, target_met, median_business_seconds, p90_business_seconds, "
			  "max_business_seconds FROM replyclock.sla_weekly ORDER BY customer, week");
	const char *want = "acme|2026-03-30|2|1|1|0|0|50.00|95.00|f|9900.5|13500.9|14401\n"
			   "fjord|2026-03-30|1|1|0|0|0|100.00|90.00|t|14400.0|14400.0|14400\n"
			   "unassigned|2026-03-30|1|0|0|1|0|0.00|95.00|f|NULL|NULL|NULL\n";
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "got:\n%s", got);
	free(got);
	got = query("SELECT count(*) FROM replyclock.sla_weekly WHERE week = '2026-03-30'");
	CU_ASSERT_STRING_EQUAL(got, "3\n");
	free(got);
	got = query("SELECT name, display_name, policy, configured FROM replyclock.customers ORDER BY name");
	CU_ASSERT_STRING_EQUAL(got, "acme|ACME AS|standard|t\nfjord|Fjord Shipping|sameday|t\n"
				    "unassigned|Unassigned senders|standard|f\n");
	free(got);
	got = query("SELECT name, first_response, first_response_seconds, next_reply, target_pct FROM "
		    "replyclock.policies ORDER BY name");
	CU_ASSERT_STRING_EQUAL(got, "sameday|same-day 12:00|NULL|NULL|90.00\nstandard|4h|14400|8h|95.00\n");
	free(got);
	got = query("SELECT hours, length(digest) FROM replyclock.calendars");
	CU_ASSERT_STRING_EQUAL(got, "mon-fri 08:00-16:00|64\n");
	free(got);
}

static void derive__recompute_twice_changes_nothing(void)
{
	struct derive_stats stats;
	char *before = query(q_requests);
	char *msgs = query("SELECT * FROM replyclock.messages ORDER BY message_id");
	char *convs = query("SELECT * FROM replyclock.conversations ORDER BY id");
	/* loaded 2 rows at a time: many FETCHes, one always in flight */
	size_t saved = derive_load_fetch_rows;
	derive_load_fetch_rows = 2;
	recompute(&stats);
	derive_load_fetch_rows = saved;
	CU_ASSERT(stats.sightings > 2 * 3);
	char *after = query(q_requests);
	char *msgs2 = query("SELECT * FROM replyclock.messages ORDER BY message_id");
	char *convs2 = query("SELECT * FROM replyclock.conversations ORDER BY id");
	CU_ASSERT_STRING_EQUAL(after, before);
	CU_ASSERT_STRING_EQUAL(msgs2, msgs);
	CU_ASSERT_STRING_EQUAL(convs2, convs);
	free(before);
	free(after);
	free(msgs);
	free(msgs2);
	free(convs);
	free(convs2);
}

static void derive__config_change_is_noticed(void)
{
	bool current = false;
	char *err = NULL;
	CU_ASSERT_EQUAL_FATAL(derive_store_is_current(st, cfg, &cals, &current, &err), STORE_OK);
	CU_ASSERT_TRUE(current);
	struct config *changed = config_parse(conf_text, "itest.conf", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(changed);
	changed->policies[0].first_response.seconds = 2 * 3600; /* standard: 4h -> 2h */
	CU_ASSERT_EQUAL(derive_store_is_current(st, changed, &cals, &current, &err), STORE_OK);
	CU_ASSERT_FALSE(current);
	config_free(&changed);
}

/* The stored, reloaded facts give exactly what the pure pipeline gives
 * from the same messages in memory, whatever the batch and folder order. */
static void derive__store_roundtrip_matches_pure(void)
{
	struct fx_box b = { 0 };
	struct derive_stats stats;
	char id[64], irt[64], when[40], subj[64];
	for (int i = 0; i < 120; i++) {
		const char *from = i % 3 == 0 ? "kari@acme.no" : i % 3 == 1 ? "lars@fjord.no" : "x@unknown.org";
		snprintf(id, sizeof id, "<gen%d@x>", i);
		snprintf(subj, sizeof subj, "Sak %d, \"del\" {%d}", i % 11, i % 3);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:%02d:00+02:00", 1 + i % 25, 6 + i % 12, i % 60);
		ask(&b, id, from, subj, when);
		if (i % 5 == 2)
			continue;
		snprintf(irt, sizeof irt, "<gen%d@x>", i);
		snprintf(id, sizeof id, "<rep%d@example.com>", i);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:30:00+02:00", 1 + i % 25 + i % 2, 8 + i % 9);
		answer(&b, id, i % 4 ? irt : NULL, from, subj, when);
	}
	store_box(&b, 17, false, 8); /* a new UIDVALIDITY: UIDs restart */
	recompute(&stats);
	struct derived d;
	char *err = NULL;
	CU_ASSERT_EQUAL_FATAL(derive_all(cfg, &cals, b.s, b.n, (time_t)253402300799, &d, &err), 0);
	/* everything stored so far (the week14 rows too) is in the database;
	 * compare this box's requests only */
	struct strbuf want;
	strbuf_init(&want, 0);
	for (size_t k = 0; k < d.req.n; k++) {
		const struct request *r = &d.req.v[k];
		strbuf_appendf(&want, "%s|%s|%s|%lld|%s|%lld\n", r->opened_message_id, r->customer_key,
			       request_kind_name(r->kind), (long long)r->due_at,
			       r->replied ? r->replied_message_id : "NULL",
			       (long long)(r->replied ? r->business_seconds : -1));
	}
	char *got = query("SELECT opened_message_id, customer, kind, extract(epoch FROM due_at)::bigint, "
			  "coalesce(replied_message_id, 'NULL'), coalesce(business_seconds, -1) "
			  "FROM replyclock.requests WHERE opened_message_id LIKE 'gen%' "
			  "ORDER BY opened_at, opened_message_id");
	CU_ASSERT(d.req.n > 50);
	CU_ASSERT_STRING_EQUAL(got, want.s);
	free(got);
	strbuf_free(&want);
	derived_free(&d);
	fx_box_free(&b);
}

static char *query_on(const char *ci, const char *sql)
{
	char *saved = conninfo, *out;
	conninfo = (char *)ci;
	out = query(sql);
	conninfo = saved;
	return out;
}

static char *dump_derived(const char *ci)
{
	char *m = query_on(ci, "SELECT * FROM replyclock.messages ORDER BY message_id");
	char *c = query_on(ci, "SELECT * FROM replyclock.conversations ORDER BY id");
	char *r = query_on(ci, "SELECT * FROM replyclock.sla_requests ORDER BY opened_message_id");
	char *all = xasprintf("%s--\n%s--\n%s", m, c, r);
	free(m);
	free(c);
	free(r);
	return all;
}

/* A mailbox with every shape the update must get right: replies synced
 * before their questions, second sightings of known messages, subject
 * fallbacks, noise, several customers and unknown senders. */
static void busy_box(struct fx_box *b)
{
	char id[64], irt[64], when[40], subj[64];
	week14(b);
	for (int i = 0; i < 90; i++) {
		const char *from = i % 4 == 0 ? "kari@acme.no" : i % 4 == 1 ? "lars@fjord.no"
				 : i % 4 == 2 ? "x@unknown.org" : "ceo@gmail.com";
		snprintf(id, sizeof id, "<b%d@x>", i);
		snprintf(subj, sizeof subj, "%sTema %d", i % 3 ? "" : "SV: ", i % 8);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:%02d:00+02:00", 1 + i % 28, 7 + i % 10, i % 60);
		ask(b, id, from, subj, when);
		if (i % 6 == 5)
			continue;
		snprintf(irt, sizeof irt, "<b%d@x>", i);
		snprintf(id, sizeof id, "<br%d@example.com>", i);
		snprintf(when, sizeof when, "2026-04-%02dT%02d:15:00+02:00", 1 + i % 28 + i % 3 / 2, 8 + i % 8);
		answer(b, id, i % 5 ? irt : NULL, from, subj, when);
		if (i % 7 == 0) /* the CC'd copy in INBOX */
			fx_add(b, &(struct fx_mail){ .id = id, .in_reply_to = i % 5 ? irt : NULL,
						     .from = "support@example.com", .to = from,
						     .cc = "support@example.com", .subject = subj,
						     .internaldate = when });
		if (i % 9 == 2) { /* an out-of-office to the answer, and the customer again */
			snprintf(irt, sizeof irt, "<br%d@example.com>", i);
			snprintf(id, sizeof id, "<ooo%d@x>", i);
			fx_add(b, &(struct fx_mail){ .id = id, .in_reply_to = irt, .from = from,
						     .subject = subj, .auto_submitted = "auto-replied",
						     .internaldate = when });
			snprintf(id, sizeof id, "<again%d@x>", i);
			snprintf(when, sizeof when, "2026-04-%02dT15:45:00+02:00", 2 + i % 28);
			fx_add(b, &(struct fx_mail){ .id = id, .in_reply_to = irt, .from = from,
						     .subject = subj, .internaldate = when });
		}
	}
	/* isolated pairs: a question, and 9 days later the same subject without
	 * references (joins only through the window rule) */
	for (int k = 0; k < 12; k++) {
		const char *from = k % 3 == 0 ? "kari@acme.no" : k % 3 == 1 ? "lars@fjord.no" : "y@unknown.org";
		snprintf(subj, sizeof subj, "Isolert %d", k);
		snprintf(id, sizeof id, "<iso%d-a@x>", k);
		snprintf(when, sizeof when, "2026-05-%02dT09:00:00+02:00", 1 + k);
		ask(b, id, from, subj, when);
		snprintf(id, sizeof id, "<iso%d-b@x>", k);
		snprintf(when, sizeof when, "2026-05-%02dT09:00:00+02:00", 10 + k);
		ask(b, id, from, subj, when);
	}
}

/* Stores sightings perm[from..to) in one go per folder, as a poll batch. */
static void store_batch(struct store *s2, const struct fx_box *b, const size_t *perm, size_t from,
			size_t to, uint32_t uidvalidity)
{
	for (int role = 0; role < 2; role++) {
		struct message *msgs = xcalloc(to - from + 1, sizeof *msgs);
		size_t k = 0;
		uint32_t last = 0;
		for (size_t i = from; i < to; i++)
			if ((int)b->s[perm[i]].role == role) {
				msgs[k++] = b->msgs[perm[i]];
				last = b->msgs[perm[i]].uid > last ? b->msgs[perm[i]].uid : last;
			}
		if (k) {
			struct folder_state fs;
			size_t ins;
			char *err = NULL;
			CU_ASSERT_EQUAL_FATAL(store_folder_state(s2, "support", role ? "Sent" : "INBOX",
								 (enum folder_role)role, &fs, &err), STORE_OK);
			CU_ASSERT_EQUAL_FATAL(store_sightings(s2, fs.folder_id, uidvalidity, msgs, k, last,
							      &ins, &err), STORE_OK);
		}
		free(msgs);
	}
}

static void derive__incremental_equals_recompute(void)
{
	struct fx_box b = { 0 };
	busy_box(&b);
	unsigned long long seed = 0x2545f4914f6cdd1dULL;
	size_t *perm = xmalloc(b.n * sizeof *perm);
	const char **ids = xmalloc(b.n * sizeof *ids);
	for (int round = 0; round < 3; round++) {
		char *ci = NULL, *err = NULL;
		int applied;
		struct derive_stats stats;
		CU_ASSERT_EQUAL_FATAL(testpg_create_db("derive_inc", &ci), 0);
		struct store *s2 = store_open(ci, &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
		CU_ASSERT_EQUAL_FATAL(store_migrate(s2, &applied, &err), STORE_OK);
		CU_ASSERT_EQUAL_FATAL(derive_store_recompute(s2, cfg, &cals, &stats, &err), STORE_OK);
		for (size_t i = 0; i < b.n; i++)
			perm[i] = i;
		fx_shuffle(perm, b.n, &seed);
		for (size_t done = 0; done < b.n;) {
			/* round 0: polls of 1-3 messages; then batches of up to 23 */
			size_t k = 1 + (size_t)(seed % (round == 0 ? 3 : 23));
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if (done + k > b.n)
				k = b.n - done;
			store_batch(s2, &b, perm, done, done + k, 11);
			for (size_t i = 0; i < k; i++)
				ids[i] = b.msgs[perm[done + i]].message_id;
			int rc = derive_store_update(s2, cfg, &cals, ids, k, &stats, &err);
			if (rc != STORE_OK)
				fprintf(stderr, "update: %s\n", err);
			CU_ASSERT_EQUAL_FATAL(rc, STORE_OK);
			done += k;
		}
		char *inc = dump_derived(ci);
		CU_ASSERT_EQUAL_FATAL(derive_store_recompute(s2, cfg, &cals, &stats, &err), STORE_OK);
		char *full = dump_derived(ci);
		CU_ASSERT(strlen(full) > 5000);
		CU_ASSERT_STRING_EQUAL(inc, full);
		if (strcmp(inc, full)) {
			FILE *f1 = fopen("/tmp/derive_inc.txt", "w"), *f2 = fopen("/tmp/derive_full.txt", "w");
			if (f1 && f2) {
				fputs(inc, f1);
				fputs(full, f2);
			}
			if (f1)
				fclose(f1);
			if (f2)
				fclose(f2);
		}
		free(inc);
		free(full);
		store_close(&s2);
		testpg_drop_db(&ci);
	}
	free(ids);
	free(perm);
	fx_box_free(&b);
}

/* After a policy change the next batch triggers a full recompute whose
 * requests carry the new target; an unchanged configuration updates. */
static void derive__after_batch_recomputes_on_change(void)
{
	char *err = NULL;
	bool recomputed = true;
	struct derive_stats stats;
	struct fx_box b = { 0 };
	ask(&b, "<late1@acme.no>", "kari@acme.no", "Etter endring", "2026-06-01T09:00:00+02:00");
	store_box(&b, 10, false, 21);
	const char *ids[] = { "late1@acme.no" };
	CU_ASSERT_EQUAL_FATAL(derive_store_after_batch(st, cfg, &cals, ids, 1, &recomputed, &stats, &err),
			      STORE_OK);
	CU_ASSERT_FALSE(recomputed);
	CU_ASSERT(stats.messages < 10); /* only what the batch touches */
	struct config *changed = config_parse(conf_text, "itest.conf", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(changed);
	changed->policies[0].first_response.seconds = 2 * 3600;
	CU_ASSERT_EQUAL_FATAL(derive_store_after_batch(st, changed, &cals, ids, 1, &recomputed, &stats, &err),
			      STORE_OK);
	CU_ASSERT_TRUE(recomputed);
	char *got = query("SELECT target_seconds, extract(epoch FROM due_at - opened_at)::bigint "
			  "FROM replyclock.sla_requests WHERE opened_message_id = 'late1@acme.no'");
	CU_ASSERT_STRING_EQUAL(got, "7200|7200\n");
	free(got);
	got = query("SELECT first_response FROM replyclock.policies WHERE name = 'standard'");
	CU_ASSERT_STRING_EQUAL(got, "2h\n");
	free(got);
	/* back to the suite's configuration for the tests that follow */
	CU_ASSERT_EQUAL(derive_store_after_batch(st, cfg, &cals, ids, 1, &recomputed, &stats, &err), STORE_OK);
	CU_ASSERT_TRUE(recomputed);
	config_free(&changed);
	fx_box_free(&b);
}

/* `replyclock recompute` from the command line, on the same database. */
static void derive__recompute_command(void)
{
	char *dir = testdir_new("derive-cli");
	char *text = xasprintf("[database]\nconninfo = \"%s\"\n%s", conninfo, conf_text);
	char *path = testfile_write(dir, "replyclock.conf", text, 0600);
	char *before = query(q_requests);
	struct testrun_result res;
	CU_ASSERT_EQUAL_FATAL(testrun_rc(&res, NULL, "-c", path, "recompute", NULL), 0);
	if (res.status != 0)
		fprintf(stderr, "stderr: %s\n", res.err);
	CU_ASSERT_EQUAL(res.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.out, "recomputed "));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.out, " requests "));
	testrun_free(&res);
	char *after = query(q_requests);
	CU_ASSERT_STRING_EQUAL(after, before);
	/* an unknown customer is a usage error that changes nothing */
	CU_ASSERT_EQUAL_FATAL(testrun_rc(&res, NULL, "-c", path, "recompute", "--customer", "nosuch", NULL), 0);
	CU_ASSERT_EQUAL(res.status, 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.err, "nosuch"));
	testrun_free(&res);
	CU_ASSERT_EQUAL_FATAL(testrun_rc(&res, NULL, "-c", path, "recompute", "--bogus", NULL), 0);
	CU_ASSERT_EQUAL(res.status, 64);
	testrun_free(&res);
	free(before);
	free(after);
	free(path);
	free(text);
	testdir_remove(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(derive__recompute_fills_sla_requests),
		TESTCASE(derive__weekly_view),
		TESTCASE(derive__recompute_twice_changes_nothing),
		TESTCASE(derive__config_change_is_noticed),
		TESTCASE(derive__store_roundtrip_matches_pure),
		TESTCASE(derive__after_batch_recomputes_on_change),
		TESTCASE(derive__recompute_command),
		TESTCASE(derive__incremental_equals_recompute),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "derive", suite_init, suite_clean, tests);
}
