#!/bin/sh
# Tracker benchmark (`make bench`): TRACKER_BENCH_N generated messages
# (default 1,000,000: about 300,000 conversations) in PostgreSQL, then
#   (a) `replyclock recompute` of everything (goal >= 50,000 messages/s),
#   (b) the incremental derived update after an import batch of 500 new
#       inbound messages (goal <= 100 ms; taken from the update's own debug
#       line, so it excludes parsing and storing the facts): four batches in
#       one process, as a polling daemon runs them on one connection; the
#       first also pays for the new server backend warming up (catalog
#       caches, mapping shared memory), so the figure is the median of the
#       other three, and the first is shown beside it,
#   (c) SELECT * FROM replyclock.sla_weekly WHERE week = ... (goal <= 50 ms),
#   (d) the start-of-poll heal check (messages whose derived rows lag).
# Facts are loaded with rc-gen --mbox-* and `replyclock import`. Runs itself
# inside the server harness.
set -eu
B=${B:-build}
if [ -z "${RC_TEST_DIR:-}" ]; then
	exec tests/harness/with-servers sh "$0" "$@"
fi
N=${TRACKER_BENCH_N:-1000000}
# The harness server runs with PostgreSQL's default shared_buffers (128MB),
# made for small test databases; a database of this size (about 3 GB) is
# run with more (the PostgreSQL manual suggests a quarter of the RAM).
SB=${TRACKER_BENCH_SHARED_BUFFERS:-1GB}
psql -q "$RC_TEST_PG_ADMIN" -c "ALTER SYSTEM SET shared_buffers = '$SB'"
"$RC_TEST_HARNESS" stop pg >/dev/null && "$RC_TEST_HARNESS" start pg >/dev/null
echo "PostgreSQL shared_buffers: $(psql -At "$RC_TEST_PG_ADMIN" -c "SHOW shared_buffers") (TRACKER_BENCH_SHARED_BUFFERS)"
D=$RC_TEST_DIR/tracker-bench
mkdir -p "$D"
DB="host=127.0.0.1 port=$RC_TEST_PG_PORT user=test dbname=rc_tracker_bench"
psql -q "$RC_TEST_PG_ADMIN" -c "CREATE DATABASE rc_tracker_bench"

"$B/rc-gen" --seed 3 --messages "$N" --weeks 52 --customers 500 --start 2025-01-06 \
	--mbox-inbound "$D/in.mbox" --mbox-sent "$D/sent.mbox" --config-snippet "$D/customers.conf" >/dev/null
# Hold back the newest 2,000 inbound messages: the four batches of (b).
total=$(grep -c '^From ' "$D/in.mbox")
awk -v keep=$((total - 2000)) -v head="$D/in.head" -v tail="$D/in.tail" \
	'/^From / { n++ } { print > (n <= keep ? head : tail) }' "$D/in.mbox"

cat >"$D/rc.conf" <<CONF
[database]
conninfo = $DB
[calendar oslo]
timezone = Europe/Oslo
hours = mon-fri 08:00-16:00
holidays = $(pwd)/contrib/holidays/norway.ics
[policy standard]
calendar = oslo
first_response = 4h
next_reply = 8h
target = 95%
[defaults]
policy = standard
[report]
timezone = Europe/Oslo
CONF
cat "$D/customers.conf" >>"$D/rc.conf"
"$B/replyclock" -q -c "$D/rc.conf" db migrate >/dev/null

t0=$(date +%s.%N)
"$B/replyclock" -q -c "$D/rc.conf" import --mailbox support --role inbound "$D/in.head"
"$B/replyclock" -q -c "$D/rc.conf" import --mailbox support --role sent "$D/sent.mbox"
t1=$(date +%s.%N)
rows=$(psql -At "$DB" -c "SELECT count(*) FROM replyclock.sightings")
echo "facts: $rows sightings imported (and derived) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

psql -q "$DB" -c "VACUUM ANALYZE"
"$B/replyclock" -vv -c "$D/rc.conf" recompute 2>"$D/recompute.log" | tee "$D/recompute.txt"
sed -n 's/.*debug: recompute: /    /p' "$D/recompute.log"
awk '{ for (i = 1; i <= NF; i++) if ($i == "in") s = $(i + 1) }
     END { n = $2; printf "(a) recompute: %.0f messages/s (goal >= 50000)\n", n / s }' "$D/recompute.txt"

"$B/replyclock" -vv -c "$D/rc.conf" import --mailbox support --role inbound "$D/in.tail" 2>"$D/tail.log"
grep "derived update\|derived rows" "$D/tail.log" | sed 's/.*debug: /    /'
grep "derived update for" "$D/tail.log" | awk '{ for (i = 1; i <= NF; i++) if ($i == "in") t[++n] = $(i + 1) * 1000 }
     END { a = t[2]; b = t[3]; c = t[4]
           med = a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b))
           printf "(b) incremental update of one 500-message batch: median %.0f ms of batches 2-4 (%.0f, %.0f, %.0f; goal <= 100 ms); batch 1 on a new connection %.0f ms\n", med, a, b, c, t[1] }'

week=$(psql -At "$DB" -c "SELECT due_week FROM replyclock.requests GROUP BY due_week ORDER BY count(*) DESC LIMIT 1")
best=$(for i in 1 2 3 4 5; do
	psql -At "$DB" -c '\timing on' -c "SELECT * FROM replyclock.sla_weekly WHERE week = '$week'" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
done | sort -n | head -1)
echo "(c) SELECT * FROM replyclock.sla_weekly WHERE week = '$week': best of 5 $best ms (goal <= 50 ms)"

best=$(for i in 1 2 3; do
	psql -At "$DB" -c '\timing on' -c "SELECT (SELECT count(*) FROM replyclock.sightings) =
		(SELECT coalesce(sum(sightings), 0) FROM replyclock.messages)" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
done | sort -n | head -1)
echo "(d) heal check at poll start (do derived counts add up?): best of 3 $best ms"
