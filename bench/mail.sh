#!/usr/bin/env bash
# Email delivery on its own: N pending emails in a fresh outbox, sent by `sandbox deliver-outbox`
# through the `smtp` transport to the SMTP sink (examples/smtp_sink.rs) on 127.0.0.1; prints the
# rate and checks that the sink received each email once and every row is marked sent.
#
#   bench/mail.sh [N] [sqlite|postgres]        # N defaults to 20000
#
# BENCH_BIN / BENCH_SINK: prebuilt binaries (otherwise built with --release). BENCH_PG_URL: an
# admin URL of a PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres); a database
# sandbox_bench_mail is made there and dropped. Settings pass through the environment (for example
# SANDBOX__MAIL__SEND_CONCURRENCY=16, SANDBOX__MAIL__BATCH_SIZE=100).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20000}"
BACKEND="${2:-sqlite}"
[ -n "${BENCH_BIN:-}" ] && [ -n "${BENCH_SINK:-}" ] || cargo build --release --quiet --bin sandbox --example smtp_sink
BIN="${BENCH_BIN:-target/release/sandbox}"
SINK="${BENCH_SINK:-target/release/examples/smtp_sink}"
WORK="$(mktemp -d)"
SINK_PID=""
cleanup() {
  [ -z "$SINK_PID" ] || kill "$SINK_PID" 2>/dev/null || true
  if [ "$BACKEND" = postgres ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS sandbox_bench_mail" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

case "$BACKEND" in
  sqlite)
    export DATABASE_URL="sqlite://$WORK/mail.db"
    SQL() { sqlite3 "$WORK/mail.db" "$1"; }
    SERIES="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N) SELECT i FROM n"
    ;;
  postgres)
    PG_ADMIN="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS sandbox_bench_mail" -c "CREATE DATABASE sandbox_bench_mail" >/dev/null
    export DATABASE_URL="${PG_ADMIN%/*}/sandbox_bench_mail"
    SQL() { psql -qtA "$DATABASE_URL" -c "$1"; }
    SERIES="SELECT i FROM generate_series(1, $N) AS n(i)"
    ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
export SANDBOX_ENV=development SANDBOX_LOG=warn
$BIN migrate >/dev/null
# A realistic message: the plain and HTML bodies of a reminder, about 2 KB.
text=$(printf 'A condition of trial SBX-2026-00042 is due on 12 January 2027.%.0s\n' $(seq 1 12))
html="<p>$(printf 'A condition of trial SBX-2026-00042 is due on 12 January 2027. %.0s' $(seq 1 12))</p>"
SQL "INSERT INTO outbound_emails (dedup_key, to_address, category, subject, body_text, body_html, message_id,
       status, attempts, next_attempt_at, created_at)
     SELECT 'bench:' || i, 'resident' || i || '@example.org', 'reminders', 'A condition is due soon',
       '$text', '$html', '<bench-' || i || '@sandbox.localhost>', 'pending', 0, '2026-01-01 00:00:00',
       '2026-01-01 00:00:00' FROM ($SERIES) AS s" >/dev/null

"$SINK" 0 >"$WORK/sink.out" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 50); do grep -qs '^listening' "$WORK/sink.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/sink.out")
[ -n "$port" ] || { echo "the SMTP sink did not start:"; cat "$WORK/sink.out"; exit 1; }

out=$(SANDBOX_MAIL_TRANSPORT=smtp SANDBOX_SMTP_URL="smtp://127.0.0.1:$port" $BIN deliver-outbox)
kill -TERM "$SINK_PID"; wait "$SINK_PID" || true; SINK_PID=""
received=$(sed -n 's/^received \([0-9]*\) messages$/\1/p' "$WORK/sink.out")
sent=$(echo "$out" | sed -n 's/^delivered \([0-9]*\) emails in \([0-9.]*\) s.*/\1/p')
secs=$(echo "$out" | sed -n 's/^delivered \([0-9]*\) emails in \([0-9.]*\) s.*/\2/p')
marked=$(SQL "SELECT count(*) FROM outbound_emails WHERE status = 'sent' AND sent_at IS NOT NULL")
rate=$(printf '%.0f' "$(echo "$sent / $secs" | bc -l)")
echo "$BACKEND: $sent of $N emails in $secs s = $rate emails/s; the sink received $received; $marked rows marked sent"
[ "$sent" = "$N" ] && [ "$received" = "$N" ] && [ "$marked" = "$N" ] || { echo "MISMATCH" >&2; exit 1; }
