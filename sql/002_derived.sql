-- 002_derived: the derived layer (SPEC §3): the configuration mirrored into
-- tables, the classification of every logical message, conversations and
-- requests (SLA clocks), and the two audit views.
--
-- Everything here is a function of the facts (001) plus the configuration:
-- `replyclock recompute` deletes and rewrites these tables in one
-- transaction (tracker/derive_store.c), and running it twice changes
-- nothing. After a poll or import batch only the conversations the new
-- messages can touch are rewritten (derive_store_update), with the same
-- result as a full recompute. Business time is computed in C by the calendar module only; the
-- views read stored results and never recompute it.
--
-- Instants are timestamptz(0) (whole seconds). Message-IDs are stored without
-- angle brackets, as everywhere in replyclock.

-- ---- configuration mirror -------------------------------------------------

CREATE TABLE replyclock.calendars (
	name          text PRIMARY KEY,
	timezone      text NOT NULL,
	hours         text NOT NULL,
	holidays      text[] NOT NULL DEFAULT '{}',
	ignore_events text[] NOT NULL DEFAULT '{}',
	digest        text NOT NULL
);
COMMENT ON TABLE replyclock.calendars IS
	'Each [calendar NAME] of the configuration as of the last recompute. digest = SHA-256 of its settings and .ics files: requests.calendar_digest tells which version judged a request.';

CREATE TABLE replyclock.policies (
	name                   text PRIMARY KEY,
	calendar               text NOT NULL,
	first_response         text NOT NULL,
	first_response_seconds bigint,
	next_reply             text,
	next_reply_seconds     bigint,
	resolution             text,
	target_pct             numeric(5,2) NOT NULL,
	breach_remedy          text
);
COMMENT ON TABLE replyclock.policies IS
	'Each [policy NAME]: targets as written ("4h", "same-day 12:00") and, for durations, in business seconds (NULL for same-day rules).';

CREATE TABLE replyclock.customers (
	name         text PRIMARY KEY,
	display_name text NOT NULL,
	match        text[] NOT NULL DEFAULT '{}',
	policy       text,
	report_to    text[] NOT NULL DEFAULT '{}',
	configured   boolean NOT NULL
);
COMMENT ON TABLE replyclock.customers IS
	'Each [customer NAME] with its match list and effective policy (its own, else [defaults] policy); plus the row "unassigned" (configured = false) for senders that match no customer.';

CREATE TABLE replyclock.derived_state (
	key   text PRIMARY KEY,
	value text NOT NULL
);
COMMENT ON TABLE replyclock.derived_state IS
	'Facts about the last recompute: config_digest (what the derived rows were computed from; poll compares it to notice a changed customer, policy or calendar), report_timezone (for requests.due_week), computed_at.';

-- ---- per logical message ---------------------------------------------------

CREATE TABLE replyclock.messages (
	message_id      text PRIMARY KEY,
	mailbox         text NOT NULL,
	sightings       integer NOT NULL,
	seen_inbound    boolean NOT NULL,
	seen_sent       boolean NOT NULL,
	from_addr       text,
	subject         text,
	class           text NOT NULL CHECK (class IN ('customer', 'unassigned', 'ignored', 'team', 'internal', 'noise')),
	noise_reason    text,
	reason          text,
	from_team       boolean NOT NULL,
	customer        text,
	party_addr      text,
	at              timestamptz(0),
	conversation_id text NOT NULL,
	thread_link     text NOT NULL CHECK (thread_link IN ('new', 'in_reply_to', 'references', 'subject')),
	refs            text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX messages_conversation_idx ON replyclock.messages (conversation_id, at);
-- "Which stored messages name this new one?" (a reply synced before its
-- question: the Sent folder may sync before INBOX).
-- fastupdate off: a recompute inserts every row at once, and a pending list
-- that large makes each later lookup scan it (seconds instead of
-- milliseconds) until a vacuum merges it.
CREATE INDEX messages_refs_idx ON replyclock.messages USING gin (refs) WITH (fastupdate = off);
COMMENT ON TABLE replyclock.messages IS
	'One row per logical message (one Message-ID, however many folders it was seen in): who wrote it and why it counts or not. Answers "why did this message not count?".';
COMMENT ON COLUMN replyclock.messages.class IS
	'customer | unassigned (no customer matched, unknown_senders = track) | ignored (unknown_senders = ignore) | team (from the team to someone outside it) | internal (team to team only) | noise (automatic mail; see noise_reason).';
COMMENT ON COLUMN replyclock.messages.noise_reason IS
	'auto_submitted, x_autoreply, x_autorespond, x_loop, auto_response_suppress, precedence, list_id, empty_sender, daemon_sender, report; NULL unless class = noise.';
COMMENT ON COLUMN replyclock.messages.reason IS
	'The header that made it noise, as "Name: value".';
COMMENT ON COLUMN replyclock.messages.customer IS
	'The customer (config name) the message belongs to: the sender''s, or for team mail the first To then Cc recipient matching a customer. NULL when none.';
COMMENT ON COLUMN replyclock.messages.party_addr IS
	'For a sender or recipient that matches no customer: that address (threading keeps unknown senders apart by address).';
COMMENT ON COLUMN replyclock.messages.at IS
	'The instant that counts (SPEC §4.1): arrival for customer-side mail, send time for team mail.';
COMMENT ON COLUMN replyclock.messages.refs IS
	'In-Reply-To followed by References: the ids this message names (used to find what a new message touches).';
COMMENT ON COLUMN replyclock.messages.thread_link IS
	'How it joined its conversation: new, in_reply_to, references, or subject (same customer, same normalised subject, within thread_window).';

CREATE TABLE replyclock.conversations (
	id                   text PRIMARY KEY,
	customer             text,
	unassigned_addr      text,
	has_customer_message boolean NOT NULL,
	subject              text,
	first_at             timestamptz(0),
	last_at              timestamptz(0),
	messages             integer NOT NULL
);
CREATE INDEX conversations_customer_idx ON replyclock.conversations (customer, last_at);
CREATE INDEX conversations_unassigned_idx ON replyclock.conversations (unassigned_addr, last_at)
	WHERE unassigned_addr IS NOT NULL;
COMMENT ON TABLE replyclock.conversations IS
	'Conversations (SPEC §4.3). id = Message-ID of its first message. customer = config name of the customer of its first customer message, "unassigned" for an unknown sender, NULL when nobody outside the team wrote or was written to.';

-- ---- requests (SLA clocks) ----------------------------------------------------

CREATE TABLE replyclock.requests (
	opened_message_id  text PRIMARY KEY,
	conversation_id    text NOT NULL,
	customer           text NOT NULL,
	customer_name      text NOT NULL,
	mailbox            text NOT NULL,
	kind               text NOT NULL CHECK (kind IN ('first_response', 'next_reply')),
	subject            text,
	opened_at          timestamptz(0) NOT NULL,
	replied_message_id text,
	replied_at         timestamptz(0),
	business_seconds   bigint,
	target_seconds     bigint,
	same_day_cutoff    text,
	due_at             timestamptz(0),
	due_week           date,
	policy             text NOT NULL,
	calendar           text NOT NULL,
	calendar_digest    text NOT NULL,
	error              text,
	CHECK ((replied_at IS NULL) = (replied_message_id IS NULL)),
	CHECK ((replied_at IS NULL) = (business_seconds IS NULL))
);
CREATE INDEX requests_week_idx ON replyclock.requests (due_week, customer);
CREATE INDEX requests_due_idx ON replyclock.requests (due_at);
CREATE INDEX requests_conversation_idx ON replyclock.requests (conversation_id, opened_at);
CREATE INDEX requests_open_idx ON replyclock.requests (due_at) WHERE replied_at IS NULL;
COMMENT ON TABLE replyclock.requests IS
	'One row per request (SPEC §4.4), computed with every stored message counted; the views judge open ones at now(). A report --as-of T reproduces the state at T by treating replies after T as absent and requests opened after T as not yet existing (threading never looks ahead, so this equals a computation as of T).';
COMMENT ON COLUMN replyclock.requests.same_day_cutoff IS
	'For a same-day rule, its cut-off "HH:MM" (target_seconds is then NULL).';
COMMENT ON COLUMN replyclock.requests.due_week IS
	'Monday (in [report] timezone) of the ISO week containing due_at: the week the request is counted in (SPEC §4.6).';
COMMENT ON COLUMN replyclock.requests.calendar_digest IS
	'Digest of the calendar version (settings + .ics bytes) that computed due_at and business_seconds.';
COMMENT ON COLUMN replyclock.requests.error IS
	'Why due_at is missing (the calendar has no open time within reach); NULL normally.';

-- ---- audit views -------------------------------------------------------------

-- "Show me every request, how long it took in business time, and whether it
-- was on time." Column names are a contract (SPEC §3); later columns are extra.
CREATE VIEW replyclock.sla_requests AS
SELECT r.customer,
       r.customer_name,
       r.mailbox,
       r.conversation_id,
       r.kind,
       r.subject,
       r.opened_message_id,
       r.opened_at,
       r.replied_message_id,
       r.replied_at,
       r.business_seconds,
       r.target_seconds,
       r.due_at,
       CASE
         WHEN r.replied_at IS NOT NULL THEN
           CASE WHEN r.due_at IS NULL OR r.replied_at <= r.due_at THEN 'met' ELSE 'breached' END
         WHEN r.due_at IS NOT NULL AND date_trunc('second', now()) > r.due_at THEN 'overdue'
         ELSE 'pending'
       END AS status,
       r.policy,
       r.calendar,
       r.calendar_digest,
       r.same_day_cutoff,
       r.due_week
FROM replyclock.requests r;
COMMENT ON VIEW replyclock.sla_requests IS
	'One row per request: customer, when it was opened and answered, business seconds to the reply (NULL while open), due instant, status (met | breached, or pending | overdue judged at now()), and the policy and calendar that judged it.';

-- "How did each customer do, week by week?" One row per customer and ISO
-- week (Monday in [report] timezone) in which at least one of its requests
-- is due; both kinds counted together.
CREATE VIEW replyclock.sla_weekly AS
SELECT w.customer,
       w.week,
       w.requests,
       w.met,
       w.breached,
       w.overdue,
       w.pending,
       CASE WHEN w.met + w.breached + w.overdue = 0 THEN NULL
            ELSE round(100.0 * w.met / (w.met + w.breached + w.overdue), 2)
       END AS compliance_pct,
       round(p.target_pct, 2) AS target_pct,
       CASE WHEN w.met + w.breached + w.overdue = 0 THEN NULL
            ELSE round(100.0 * w.met / (w.met + w.breached + w.overdue), 2) >= p.target_pct
       END AS target_met,
       w.median_business_seconds,
       w.p90_business_seconds,
       w.max_business_seconds
FROM (
	SELECT s.customer,
	       s.due_week AS week,
	       count(*) AS requests,
	       count(*) FILTER (WHERE s.status = 'met') AS met,
	       count(*) FILTER (WHERE s.status = 'breached') AS breached,
	       count(*) FILTER (WHERE s.status = 'overdue') AS overdue,
	       count(*) FILTER (WHERE s.status = 'pending') AS pending,
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_seconds)::numeric, 1) AS median_business_seconds,
	       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY s.business_seconds)::numeric, 1) AS p90_business_seconds,
	       max(s.business_seconds) AS max_business_seconds
	FROM replyclock.sla_requests s
	WHERE s.due_week IS NOT NULL
	GROUP BY s.customer, s.due_week
) w
LEFT JOIN replyclock.customers c ON c.name = w.customer
LEFT JOIN replyclock.policies p ON p.name = c.policy;
COMMENT ON VIEW replyclock.sla_weekly IS
	'Per customer and ISO week of due_at: requests, met, breached, overdue, pending (open ones judged at now()), compliance_pct = 100 x met / (met + breached + overdue) rounded to 2 decimals (NULL when nothing is decided), the customer''s policy target and whether it was met, and median / p90 (percentile_cont, rounded to 0.1 s) / max business seconds over answered requests.';
