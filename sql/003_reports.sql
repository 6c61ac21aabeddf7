-- 003_reports: the reports layer (SPEC §3.3): what each `replyclock report`
-- run computed, showed and mailed. Never overwritten: an auditor sees
-- exactly what was sent, to whom, when, and from which figures.
--
-- Written by reporter/report_store.c. A run and everything it showed are
-- inserted in one transaction; each mail attempt afterwards adds its own
-- rows to report_deliveries (so a retry after an SMTP failure is a new row
-- beside the failed one, never an update). UPDATE and DELETE are refused by
-- a trigger; purging old runs is a deliberate TRUNCATE by the database owner.
--
-- Figures follow SPEC §4.6 as of report_runs.as_of: a request belongs to the
-- period containing its due_at; replies after as_of count as absent and
-- requests opened after as_of as not yet existing. Business seconds (the
-- requests' business_seconds and the missed requests' late_business_seconds)
-- come from the calendar module in C; nothing here recomputes business time.

-- "Which reports were produced, for which period, judged at which instant,
-- from which configuration?"
CREATE TABLE replyclock.report_runs (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	period_label    text NOT NULL,
	period_start    timestamptz(0) NOT NULL,
	period_end      timestamptz(0) NOT NULL,
	timezone        text NOT NULL,
	as_of           timestamptz(0) NOT NULL,
	generated_at    timestamptz(0) NOT NULL,
	customer_filter text,
	format          text NOT NULL CHECK (format IN ('text', 'html', 'csv', 'json')),
	mail            boolean NOT NULL,
	force           boolean NOT NULL DEFAULT false,
	config_path     text NOT NULL,
	config_digest   text NOT NULL,
	derived_digest  text NOT NULL,
	derived_current boolean NOT NULL,
	CHECK (period_start < period_end)
);
CREATE INDEX report_runs_period_idx ON replyclock.report_runs (period_start, period_end, as_of);
COMMENT ON TABLE replyclock.report_runs IS
	'One row per `replyclock report` run: the period [period_start, period_end) in timezone, the instant as_of at which open requests were judged, when it ran, and with which configuration.';
COMMENT ON COLUMN replyclock.report_runs.period_label IS
	'The period as printed: 2026-W14, 2026-04, or 2026-04-01..2026-04-15.';
COMMENT ON COLUMN replyclock.report_runs.as_of IS
	'Judging instant (--as-of, default the time of the run). Re-running with the same period and as_of gives the same figures.';
COMMENT ON COLUMN replyclock.report_runs.customer_filter IS
	'The --customer NAME the run was limited to; NULL = every customer.';
COMMENT ON COLUMN replyclock.report_runs.format IS
	'What was printed on standard output (mails always carry text and HTML).';
COMMENT ON COLUMN replyclock.report_runs.config_digest IS
	'SHA-256 of the configuration file''s bytes at the time of the run.';
COMMENT ON COLUMN replyclock.report_runs.derived_digest IS
	'Digest of what the figures depend on (customers, policies, calendars incl. .ics bytes), as derive_config_digest computes it.';
COMMENT ON COLUMN replyclock.report_runs.derived_current IS
	'false when the stored requests had been computed from another configuration than derived_digest (a `replyclock recompute` was due): the figures used the older rows.';

-- "What did the report say about this customer?" One row per customer per
-- run, including customers with no request in the period (zeros, compliance
-- NULL).
CREATE TABLE replyclock.report_customers (
	run_id                  bigint NOT NULL REFERENCES replyclock.report_runs (id),
	customer                text NOT NULL,
	customer_name           text NOT NULL,
	policy                  text NOT NULL,
	requests                integer NOT NULL,
	met                     integer NOT NULL,
	breached                integer NOT NULL,
	overdue                 integer NOT NULL,
	pending                 integer NOT NULL,
	compliance_pct          numeric(5,2),
	target_pct              numeric(5,2) NOT NULL,
	target_met              boolean,
	remedy                  text,
	answered                integer NOT NULL,
	median_business_seconds numeric(14,1),
	p90_business_seconds    numeric(14,1),
	max_business_seconds    bigint,
	PRIMARY KEY (run_id, customer),
	CHECK (requests = met + breached + overdue + pending),
	CHECK ((compliance_pct IS NULL) = (met + breached + overdue = 0)),
	CHECK ((target_met IS NULL) = (compliance_pct IS NULL)),
	CHECK ((median_business_seconds IS NULL) = (answered = 0))
);
COMMENT ON TABLE replyclock.report_customers IS
	'Per customer and run, the figures the report showed (SPEC §4.6): requests due in the period, met / breached / overdue / pending at as_of, compliance_pct = 100 x met / (met + breached + overdue) rounded to 2 decimals (NULL when nothing was decided), the policy target, whether it was met, the remedy shown when it was missed, and median / p90 (percentile_cont, rounded to 0.1 s) / max business seconds over the answered requests.';
COMMENT ON COLUMN replyclock.report_customers.policy IS
	'The customer''s policy in the configuration of the run (its target_pct and breach_remedy were applied).';
COMMENT ON COLUMN replyclock.report_customers.answered IS
	'Requests of the period answered by as_of (met + breached): what the statistics are computed over.';

-- "Which requests did the report list, and how late were they?"
CREATE TABLE replyclock.report_requests (
	run_id                bigint NOT NULL,
	customer              text NOT NULL,
	listed                text NOT NULL CHECK (listed IN ('missed', 'still_open')),
	position              integer NOT NULL,
	opened_message_id     text NOT NULL,
	subject               text,
	opened_at             timestamptz(0) NOT NULL,
	due_at                timestamptz(0) NOT NULL,
	replied_at            timestamptz(0),
	status                text NOT NULL CHECK (status IN ('breached', 'overdue', 'pending')),
	late_business_seconds bigint,
	PRIMARY KEY (run_id, customer, listed, position),
	FOREIGN KEY (run_id, customer) REFERENCES replyclock.report_customers (run_id, customer),
	CHECK ((listed = 'missed') = (late_business_seconds IS NOT NULL))
);
COMMENT ON TABLE replyclock.report_requests IS
	'The requests a run listed: missed (breached, or overdue at as_of), worst first by position, with the business time from due_at to the reply or to as_of; and still_open (opened in the period, due after it, not answered at as_of; not counted).';
COMMENT ON COLUMN replyclock.report_requests.replied_at IS
	'The reply if it came by as_of; NULL = still open at as_of.';

-- "Was the report for this period mailed to X, when, with which
-- Message-ID — or why not?" One row per recipient per attempt.
CREATE TABLE replyclock.report_deliveries (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	run_id       bigint NOT NULL REFERENCES replyclock.report_runs (id),
	audience     text NOT NULL CHECK (audience IN ('team', 'customer')),
	customer     text,
	recipient    text NOT NULL,
	attempted_at timestamptz(0) NOT NULL,
	delivered    boolean NOT NULL,
	delivered_at timestamptz(0),
	message_id   text,
	error        text,
	CHECK (delivered = (delivered_at IS NOT NULL)),
	CHECK (delivered = (error IS NULL)),
	CHECK (NOT delivered OR message_id IS NOT NULL),
	CHECK ((audience = 'customer') = (customer IS NOT NULL))
);
CREATE INDEX report_deliveries_run_idx ON replyclock.report_deliveries (run_id);
COMMENT ON TABLE replyclock.report_deliveries IS
	'Each mail attempt per recipient: the run whose figures were sent, to whom, and either the Message-ID the SMTP server accepted (delivered) or the error (not delivered; the next `report --mail` for the period retries it).';
COMMENT ON COLUMN replyclock.report_deliveries.audience IS
	'team: the summary of every customer of the run, sent to [report] to; customer: the own summary of the customer named in column customer (only its data), sent to its report_to.';
COMMENT ON COLUMN replyclock.report_deliveries.recipient IS
	'The address as configured ([report] to or report_to), one row each.';
COMMENT ON COLUMN replyclock.report_deliveries.message_id IS
	'Message-ID of the mail (without angle brackets); several recipients of one mail share it.';

-- Append-only: a report that was shown or sent is never changed afterwards.
CREATE FUNCTION replyclock.reports_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'replyclock.% is append-only: reports are never changed after the fact', TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER report_runs_append_only BEFORE UPDATE OR DELETE ON replyclock.report_runs
	FOR EACH ROW EXECUTE FUNCTION replyclock.reports_append_only();
CREATE TRIGGER report_customers_append_only BEFORE UPDATE OR DELETE ON replyclock.report_customers
	FOR EACH ROW EXECUTE FUNCTION replyclock.reports_append_only();
CREATE TRIGGER report_requests_append_only BEFORE UPDATE OR DELETE ON replyclock.report_requests
	FOR EACH ROW EXECUTE FUNCTION replyclock.reports_append_only();
CREATE TRIGGER report_deliveries_append_only BEFORE UPDATE OR DELETE ON replyclock.report_deliveries
	FOR EACH ROW EXECUTE FUNCTION replyclock.reports_append_only();

-- "What are the current figures for this period and customer?" The run with
-- the latest as_of (then the latest run) per period and customer. Runs
-- limited to one customer count for that customer.
CREATE VIEW replyclock.report_latest AS
SELECT DISTINCT ON (r.period_start, r.period_end, c.customer)
       r.period_label, r.period_start, r.period_end, r.timezone, r.as_of, r.generated_at,
       r.id AS run_id,
       c.customer, c.customer_name, c.policy, c.requests, c.met, c.breached, c.overdue,
       c.pending, c.compliance_pct, c.target_pct, c.target_met, c.remedy,
       c.median_business_seconds, c.p90_business_seconds, c.max_business_seconds
FROM replyclock.report_customers c
JOIN replyclock.report_runs r ON r.id = c.run_id
ORDER BY r.period_start, r.period_end, c.customer, r.as_of DESC, r.id DESC;
COMMENT ON VIEW replyclock.report_latest IS
	'Per period and customer, the figures of the run judged at the latest as_of (ties: the latest run).';

-- "What exactly did we tell them?" Every delivered mail with the figures of
-- the run it carried, one row per recipient and customer shown (a team
-- summary shows every customer of its run; a customer's own summary only
-- that customer).
CREATE VIEW replyclock.report_mailed AS
SELECT d.recipient, d.audience, d.customer AS audience_customer, d.delivered_at, d.message_id,
       r.id AS run_id, r.period_label, r.period_start, r.period_end, r.as_of,
       c.customer, c.customer_name, c.requests, c.met, c.breached, c.overdue, c.pending,
       c.compliance_pct, c.target_pct, c.target_met, c.remedy
FROM replyclock.report_deliveries d
JOIN replyclock.report_runs r ON r.id = d.run_id
JOIN replyclock.report_customers c ON c.run_id = d.run_id
     AND (d.audience = 'team' OR c.customer = d.customer)
WHERE d.delivered;
COMMENT ON VIEW replyclock.report_mailed IS
	'Delivered report mails and the per-customer figures each carried: what a recipient was told, when, under which Message-ID.';

-- The report lists requests opened in its period but due after it ("still
-- open, due ..."); this index finds them without reading the whole table.
CREATE INDEX requests_opened_idx ON replyclock.requests (opened_at);
