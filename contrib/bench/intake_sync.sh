#!/bin/sh
# Intake benchmark (`make bench`): generates N messages (INTAKE_BENCH_N,
# default 100000) with rc-gen into a folder of the harness Dovecot, then
# measures (a) a bare fetch of the same header fields by Python's imaplib,
# which stores nothing, and (b) replyclock's first sync of the folder into
# PostgreSQL (poll --once over TLS), with its peak RSS; then (c) an
# incremental sync with nothing new. Runs itself inside the server harness.
set -eu
B=${B:-build}
if [ -z "${RC_TEST_DIR:-}" ]; then
	exec tests/harness/with-servers sh "$0" "$@"
fi
N=${INTAKE_BENCH_N:-100000}
D=$RC_TEST_DIR/intake-bench
mkdir -p "$D"
psql -q "$RC_TEST_PG_ADMIN" -c "CREATE DATABASE rc_intake_bench"
install -m 600 "$RC_TEST_IMAP_PASSWORD_FILE" "$D/imap.pw"
cat >"$D/rc.conf" <<CONF
[database]
conninfo = host=127.0.0.1 port=$RC_TEST_PG_PORT user=test dbname=rc_intake_bench
[mailbox support]
host = 127.0.0.1
port = $RC_TEST_IMAPS_PORT
security = tls
ca_file = $RC_TEST_CA_FILE
username = $RC_TEST_IMAP_USER
password_file = $D/imap.pw
inbound_folders = Bench
sent_folders =
[team]
addresses = @example.com
[calendar c]
timezone = Europe/Oslo
hours = mon-fri 08:00-16:00
[policy p]
calendar = c
first_response = 4h
[defaults]
policy = p
CONF
"$B/replyclock" -q -c "$D/rc.conf" db migrate >/dev/null
# rc-gen writes inbound mail to the Maildir root and replies to .Sent;
# only the inbound part (about 53 %) is used, so ask for more.
"$B/rc-gen" --seed 7 --messages $((N * 19 / 10)) --weeks 104 --customers 200 --maildir "$D/gen" >/dev/null
mv "$D/gen" "$RC_TEST_MAILDIR/.Bench"
[ -n "${RC_TEST_SRV_UID:-}" ] && [ "$(id -u)" = 0 ] &&
	chown -R "$RC_TEST_SRV_UID:$RC_TEST_SRV_GID" "$RC_TEST_MAILDIR/.Bench"
doveadm -c "$RC_TEST_DOVECOT_CONF" mailbox status -u "$RC_TEST_IMAP_USER" messages Bench

/usr/bin/python3 - <<'PY'
import imaplib, os, ssl, time
ctx = ssl.create_default_context(cafile=os.environ["RC_TEST_CA_FILE"])
t = time.time()
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["RC_TEST_IMAPS_PORT"]), ssl_context=ctx)
M.login(os.environ["RC_TEST_IMAP_USER"], os.environ["RC_TEST_IMAP_PASSWORD"])
M.select("Bench", readonly=True)
typ, data = M.uid("FETCH", "1:*", "(UID INTERNALDATE RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS "
    "(MESSAGE-ID IN-REPLY-TO REFERENCES FROM TO CC DATE SUBJECT AUTO-SUBMITTED X-AUTOREPLY "
    "X-AUTORESPOND X-LOOP X-AUTO-RESPONSE-SUPPRESS PRECEDENCE LIST-ID CONTENT-TYPE THREAD-INDEX)])")
n = sum(1 for d in data if isinstance(d, tuple))
dt = time.time() - t
print("bare fetch (imaplib, stores nothing): %d messages in %.2f s = %.0f messages/s" % (n, dt, n / dt))
open(os.environ["RC_TEST_DIR"] + "/intake-bench/bare.txt", "w").write("%f\n" % (n / dt))
M.logout()
PY

/usr/bin/time -f "%e %M" -o "$D/time.txt" "$B/replyclock" -c "$D/rc.conf" poll --once 2>"$D/poll.log"
read -r secs rss_kb <"$D/time.txt"
rows=$(psql -At "host=127.0.0.1 port=$RC_TEST_PG_PORT user=test dbname=rc_intake_bench" \
	-c "SELECT count(*) FROM replyclock.sightings")
awk -v n="$rows" -v s="$secs" -v kb="$rss_kb" -v bare="$(cat "$D/bare.txt")" 'BEGIN {
	r = n / s
	printf "replyclock first sync into PostgreSQL: %d messages in %.2f s = %.0f messages/s, peak RSS %.1f MiB\n", n, s, r, kb / 1024
	printf "ratio bare fetch / replyclock: %.2f\n", bare / r }'
/usr/bin/time -f "%e" -o "$D/time2.txt" "$B/replyclock" -c "$D/rc.conf" poll --once 2>/dev/null
echo "incremental sync, nothing new: $(cat "$D/time2.txt") s (one EXAMINE round trip)"
