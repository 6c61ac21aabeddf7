#!/bin/sh
# Report benchmark (`make bench`): REPORT_BENCH_CUSTOMERS customers (500)
# and REPORT_BENCH_N requests (1,000,000) spread over 2026, written straight
# into replyclock.requests with generate_series (about 95 % answered in
# time, 3 % late, 2 % never answered), then timed:
#   report --period 2026-W14                    (aggregate + store + text)
#   report --period 2026-01-01..2026-12-31 --format csv   (a whole year)
# Each is run 3 times; every run is stored, as in production. Targets:
# week <= 2 s, year <= 5 s. Runs itself inside the server harness.
set -eu
B=${B:-build}
if [ -z "${RC_TEST_DIR:-}" ]; then
	exec tests/harness/with-servers sh "$0" "$@"
fi
N=${REPORT_BENCH_N:-1000000}
C=${REPORT_BENCH_CUSTOMERS:-500}
D=$RC_TEST_DIR/report-bench
mkdir -p "$D"
psql -q "$RC_TEST_PG_ADMIN" -c "CREATE DATABASE rc_report_bench"
DB="host=127.0.0.1 port=$RC_TEST_PG_PORT user=test dbname=rc_report_bench"
{
	cat <<CONF
[database]
conninfo = $DB
[team]
addresses = @example.com
[calendar oslo]
timezone = Europe/Oslo
hours = mon-fri 08:00-16:00
[policy standard]
calendar = oslo
first_response = 4h
target = 95%
breach_remedy = one month free of charge
[defaults]
policy = standard
[report]
timezone = Europe/Oslo
CONF
	i=1
	while [ "$i" -le "$C" ]; do
		printf '[customer c%03d]\nname = Customer %03d AS\nmatch = @c%03d.example\n' "$i" "$i" "$i"
		i=$((i + 1))
	done
} >"$D/rc.conf"
R="$B/replyclock -q -c $D/rc.conf"
$R db migrate >/dev/null
$R recompute >/dev/null # the configuration mirror, so the rows count as current

t0=$(date +%s.%N)
psql -q -v ON_ERROR_STOP=1 "$DB" -v n="$N" -v c="$C" <<'SQL'
INSERT INTO replyclock.requests (opened_message_id, conversation_id, customer, customer_name,
	mailbox, kind, subject, opened_at, replied_message_id, replied_at, business_seconds,
	target_seconds, due_at, due_week, policy, calendar, calendar_digest)
SELECT 'q' || i || '@bench', 'q' || i || '@bench', cust, 'Customer ' || lpad(k::text, 3, '0') || ' AS',
       'bench', 'first_response', 'Bench request ' || i, opened,
       CASE WHEN answered THEN 'a' || i || '@example.com' END,
       CASE WHEN answered THEN opened + delay * interval '1 second' END,
       CASE WHEN answered THEN delay END,
       14400, opened + interval '4 hours',
       date_trunc('week', (opened + interval '4 hours') AT TIME ZONE 'Europe/Oslo')::date,
       'standard', 'oslo', 'bench'
FROM (SELECT i, k, 'c' || lpad(k::text, 3, '0') AS cust,
             timestamptz '2026-01-01 00:00+01' + (i::bigint * 31536000 / :n) * interval '1 second' AS opened,
             (i * 7919) % 100 >= 2 AS answered,
             CASE WHEN (i * 104729) % 100 < 3 THEN 14400 + (i * 31) % 20000 ELSE (i * 7907) % 14400 END AS delay
      FROM generate_series(1::bigint, :n) i, LATERAL (SELECT (i % :c) + 1 AS k) kk) g;
ANALYZE replyclock.requests;
SQL
t1=$(date +%s.%N)
echo "inserted $N requests for $C customers in $(echo "$t1 - $t0" | bc) s"

timed() {
	label=$1
	shift
	best=
	for k in 1 2 3; do
		a=$(date +%s.%N)
		$R report "$@" >"$D/out.$k"
		b=$(date +%s.%N)
		t=$(echo "$b - $a" | bc)
		printf '%s run %d: %.2f s\n' "$label" "$k" "$t"
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
	done
	printf '%s best: %.2f s (%s lines of output)\n' "$label" "$best" "$(wc -l <"$D/out.1")"
}
timed "week 2026-W14, text" --period 2026-W14
timed "year 2026, csv" --period 2026-01-01..2026-12-31 --format csv
psql -q "$DB" -Atc "SELECT 'stored: ' || count(*) || ' runs, ' ||
	(SELECT count(*) FROM replyclock.report_customers) || ' customer rows, ' ||
	(SELECT count(*) FROM replyclock.report_requests) || ' listed requests'
	FROM replyclock.report_runs"
psql -q "$DB" -Atc "SELECT 'W14: ' || sum(requests) || ' requests, ' || sum(met) || ' met, ' ||
	sum(breached) || ' breached, ' || sum(overdue) || ' overdue'
	FROM replyclock.report_customers WHERE run_id = 1"
