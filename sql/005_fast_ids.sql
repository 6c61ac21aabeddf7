-- 005_fast_ids: faster recompute and incremental update on millions of rows.
--
-- 1. Identifiers (Message-IDs, conversation ids, normalised subjects) compare
--    byte-wise (COLLATE "C"): they are not words of a language, and the
--    database's default collation (en_US.UTF-8, C.UTF-8 ...) makes PostgreSQL
--    sort them with strcoll and without abbreviated keys, which made building
--    and probing their indexes about twice as slow. The facts' message_id
--    too: a comparison of two columns of different collations could not use
--    either's index.
-- 2. The GIN index on every message's refs (most of a recompute's index build
--    time) gives way to one on unresolved_refs: only the ids a message names
--    that are not in its own conversation. A new message can change a stored
--    message's thread only if that message names it while it was unknown, and
--    an unknown id is never in the conversation: so these are all the update
--    needs to look up, and they are few (the question quoted from before the
--    mailbox was polled; a link threading did not follow).
-- 3. conversations_customer_idx goes: no query uses it, and every update
--    rewrote its entries.
-- 4. No statistics on columns no query filters or groups by: ANALYZE after a
--    recompute reads less.
--
-- The views depend on the requests columns, so they are dropped and created
-- again unchanged. The derived layer's version in the configuration digest
-- changed with this migration (derive_mirror.c): the first poll or import
-- after the upgrade recomputes everything, which fills unresolved_refs.

DROP VIEW replyclock.sla_weekly;
DROP VIEW replyclock.sla_requests;
DROP INDEX replyclock.messages_refs_idx;
-- Nothing looks conversations up by customer any more (the update finds
-- them by subject key, then by id), and every update moves last_at.
DROP INDEX replyclock.conversations_customer_idx;

ALTER TABLE replyclock.sightings
	ALTER COLUMN message_id TYPE text COLLATE "C";
ALTER TABLE replyclock.messages
	ALTER COLUMN message_id TYPE text COLLATE "C",
	ALTER COLUMN conversation_id TYPE text COLLATE "C",
	ALTER COLUMN subject_key TYPE text COLLATE "C",
	ALTER COLUMN refs TYPE text[] COLLATE "C",
	ADD COLUMN unresolved_refs text[] COLLATE "C";
ALTER TABLE replyclock.conversations
	ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE replyclock.requests
	ALTER COLUMN opened_message_id TYPE text COLLATE "C",
	ALTER COLUMN conversation_id TYPE text COLLATE "C",
	ALTER COLUMN replied_message_id TYPE text COLLATE "C";

COMMENT ON COLUMN replyclock.messages.unresolved_refs IS
	'The ids of refs that name no message of this conversation (NULL when there are none): what a later message must be looked up by to find the stored messages that name it.';
-- The update's subject lookup wants only the conversation of each match:
-- with it in the index the lookup need not visit the table (rows written
-- by a recompute are all-visible: COPY FREEZE).
DROP INDEX replyclock.messages_subject_key_idx;
CREATE INDEX messages_subject_key_idx ON replyclock.messages (subject_key) INCLUDE (conversation_id)
	WHERE subject_key IS NOT NULL;

CREATE INDEX messages_unresolved_refs_idx ON replyclock.messages USING gin (unresolved_refs)
	WITH (fastupdate = off) WHERE unresolved_refs IS NOT NULL;

ALTER TABLE replyclock.messages
	ALTER COLUMN sightings SET STATISTICS 0,
	ALTER COLUMN seen_inbound SET STATISTICS 0,
	ALTER COLUMN seen_sent SET STATISTICS 0,
	ALTER COLUMN from_addr SET STATISTICS 0,
	ALTER COLUMN subject SET STATISTICS 0,
	ALTER COLUMN noise_reason SET STATISTICS 0,
	ALTER COLUMN reason SET STATISTICS 0,
	ALTER COLUMN thread_link SET STATISTICS 0,
	ALTER COLUMN refs SET STATISTICS 0;
ALTER TABLE replyclock.conversations
	ALTER COLUMN subject SET STATISTICS 0,
	ALTER COLUMN has_customer_message SET STATISTICS 0,
	ALTER COLUMN first_at SET STATISTICS 0;
ALTER TABLE replyclock.requests
	ALTER COLUMN customer_name SET STATISTICS 0,
	ALTER COLUMN subject SET STATISTICS 0,
	ALTER COLUMN replied_message_id SET STATISTICS 0,
	ALTER COLUMN business_seconds SET STATISTICS 0,
	ALTER COLUMN target_seconds SET STATISTICS 0,
	ALTER COLUMN same_day_cutoff SET STATISTICS 0,
	ALTER COLUMN calendar_digest SET STATISTICS 0,
	ALTER COLUMN error SET STATISTICS 0;

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
