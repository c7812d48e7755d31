#!/usr/bin/env bash
# Benchmarks the release binary on a seeded database and prints Markdown tables for
# docs/BENCHMARKS.md. Reads and writes go through wrk (Debian package `wrk`), JSON is read with jq,
# command timings use `date` and bc.
#
#   bench/run.sh [CASES] [sqlite|postgres]        e.g. bench/run.sh 10000 sqlite
#
# 1. seed-demo, verify-audit and one scheduler pass, timed.
# 2. Reads: each endpoint for BENCH_DURATION (10s) with 2 threads and BENCH_CONNECTIONS (16),
#    among them register searches for a rare term (a reference) and a common one.
# 3. Writes, each one transaction with its audit event and outbox rows:
#    create draft  POST /api/v1/applications as the demo innovator, for BENCH_DURATION
#                  (bench/create_draft.lua; the body is bench/draft.json, complete enough to submit);
#    submit        POST /api/v1/applications/{id}/submit, each of those drafts once (bench/submit.lua);
#    assign        POST /api/v1/applications/{id}/assign by the demo admin, each submitted case once
#                  (bench/assign.lua). Any non-2xx answer or socket error fails the run (exit 1).
# 4. Email delivery: the service stops, an SMTP sink (examples/smtp_sink.rs) listens on 127.0.0.1 and
#    `sandbox deliver-outbox --max BENCH_EMAILS` (5000) sends it what the scheduler pass and the
#    writes queued.
#
# The service runs with the email worker off, so that the outbox keeps what the run queues.
# BENCH_BIN / BENCH_SINK: use these binaries instead of building target/release/sandbox and
# target/release/examples/smtp_sink. BENCH_PORT (18181) and BENCH_SMTP_PORT (BENCH_PORT + 1).
# BENCH_KEEP=1 keeps the working folder (service and sink logs, ids, error answers).
# BENCH_READS_ONLY=1: only the reads table (no timings of verify-audit and the scheduler, no
# writes, no email delivery): a quick look at a kept database.
# BENCH_SQLITE_DB=FILE (SQLite only): measure this database, seeded earlier with the same CASES,
# instead of seeding a new one (the run's writes are added to it; seeding a million cases takes
# minutes). Keep one with BENCH_KEEP=1 and copy its bench.db first.
# PostgreSQL: set BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres); a database
# named sandbox_bench_<cases> is dropped and created. Only 127.0.0.1 is ever contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-10000}"
BACKEND="${2:-sqlite}"
PORT="${BENCH_PORT:-18181}"
SMTP_PORT="${BENCH_SMTP_PORT:-$((PORT + 1))}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
# Upper bound for the submit and assign runs, which end by themselves once every id is used.
WRITE_LIMIT="${BENCH_WRITE_LIMIT:-600s}"
# How many emails of the outbox (filled by the writes and the scheduler pass) delivery sends.
EMAILS="${BENCH_EMAILS:-5000}"
for tool in wrk jq bc curl; do
  command -v "$tool" >/dev/null || { echo "install $tool (apt-get install $tool)"; exit 2; }
done

# One cargo invocation for both: built separately, the example's dev-dependencies change the
# features of shared crates and each build would undo the other's.
[ -n "${BENCH_BIN:-}" ] && [ -n "${BENCH_SINK:-}" ] || cargo build --release --quiet --bin sandbox --example smtp_sink
BIN="${BENCH_BIN:-target/release/sandbox}"
SINK="${BENCH_SINK:-target/release/examples/smtp_sink}"
WORK="$(mktemp -d)"
SERVER="" SINK_PID=""
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  [ -z "$SINK_PID" ] || kill "$SINK_PID" 2>/dev/null || true
  if [ -n "${BENCH_KEEP:-}" ]; then echo "kept $WORK (logs, ids, errors)" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
FAILURES=()

if [ "$BACKEND" = postgres ]; then
  ADMIN="${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  DB="sandbox_bench_${CASES}"
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -qc "CREATE DATABASE $DB"
  export DATABASE_URL="${ADMIN%/*}/$DB"
elif [ -n "${BENCH_SQLITE_DB:-}" ]; then
  export DATABASE_URL="sqlite://$BENCH_SQLITE_DB"
else
  export DATABASE_URL="sqlite://$WORK/bench.db"
fi
# The statistics are computed once when the service starts and kept for the run: recomputed every
# minute as in production, a million cases' statistics would take a core in the middle of whichever
# row is being measured then.
export SANDBOX_LOG=warn SANDBOX_MAIL_TRANSPORT=log SANDBOX__SCHEDULER__ENABLED=false SANDBOX__MAIL__WORKER=false \
  SANDBOX__STATS__CACHE_SECONDS=86400 SANDBOX_BIND="127.0.0.1:$PORT"

t0=$(date +%s.%N)
if [ -n "${BENCH_SQLITE_DB:-}" ] && [ "$BACKEND" != postgres ]; then
  seed_s="(seeded before)"
else
  $BIN seed-demo --cases "$CASES" --seed 1 >/dev/null 2>&1
  seed_s=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
fi

if [ -z "${BENCH_READS_ONLY:-}" ]; then
  t0=$(date +%s.%N); $BIN verify-audit >/dev/null; verify_s=$(echo "$(date +%s.%N) - $t0" | bc)
  t0=$(date +%s.%N); $BIN run-scheduler-once >/dev/null; sched_s=$(echo "$(date +%s.%N) - $t0" | bc)
fi

$BIN serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/healthz" >/dev/null || { echo "the service did not start:"; cat "$WORK/serve.log"; exit 1; }
# The service computes the statistics in the background when it starts; measure once they exist
# (the first reader waits for them), not while that first computation competes for the cores.
curl -sf -o /dev/null --max-time 600 "$BASE/api/v1/stats" || { echo "statistics failed"; exit 1; }

login() {
  curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1@demo.sandbox.example\",\"password\":\"sandbox-demo-password-2026\"}" | jq -r .access_token
}
TOKEN=$(login inspector1)
# A page session for inspector1: the sign-in form's token, then the session cookie it sets.
page_session() {
  local jar="$WORK/$1.cookies" csrf
  csrf=$(curl -sf -c "$jar" "$BASE/sign-in" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
  curl -sf -o /dev/null -b "$jar" -c "$jar" "$BASE/sign-in" -H "origin: $BASE" \
    --data-urlencode "csrf_token=$csrf" --data-urlencode "email=$1@demo.sandbox.example" \
    --data-urlencode "password=sandbox-demo-password-2026"
  awk '$6 ~ /sandbox_session$/ {print $6 "=" $7}' "$jar"
}
PAGE_COOKIE=$(page_session inspector1)
REF=$(curl -sf "$BASE/api/v1/register?status=active&per_page=1" | sed 's/.*"reference":"\([^"]*\)".*/\1/')
CASE_ID=$(curl -sf "$BASE/api/v1/applications?inspector=me&per_page=1" -H "authorization: Bearer $TOKEN" | sed 's/^\[{"id":\([0-9]*\).*/\1/')

# One Markdown row from wrk's output: name | requests/s | p50 | p99 [| requests | non-2xx].
# Any answer >= 400 or socket error is marked in the row and fails the run at the end; for writes,
# ERRORS (a file the Lua script wrote, "status problem" a line) says what the answers were.
row() {
  local name="$1" out="$2" writes="${3:-}" errors="${4:-}"
  local rps p50 p99 requests bad sockets
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  bad=$(echo "$out" | awk '/Non-2xx or 3xx responses/ {print $NF}')
  bad="${bad:-0}"
  sockets=$(echo "$out" | sed -n 's/.*Socket errors: //p')
  if [ "$bad" != 0 ] || [ -n "$sockets" ]; then
    FAILURES+=("$name: $bad non-2xx${sockets:+, socket errors $sockets}")
    if [ -s "$errors" ]; then
      while read -r line; do FAILURES+=("    $line"); done < <(sed 's/,\{0,1\}"request_id":"[^"]*"//' "$errors" | sort | uniq -c | sort -rn | head -5)
    fi
    [ -n "$writes" ] || name="$name **($bad non-2xx${sockets:+, socket errors $sockets})**"
  fi
  if [ -n "$writes" ]; then
    [ -z "$sockets" ] || bad="$bad **(socket errors $sockets)**"
    [ "$bad" = 0 ] || bad="**$bad**"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$requests" "$bad"
  else
    printf '| %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99"
  fi
}

printf '| endpoint | requests/s | p50 | p99 |\n|---|---|---|---|\n'
run() {
  local name="$1"; shift
  row "$name" "$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)"
}
run "register list (filtered, page 5)" "$BASE/api/v1/register?status=active&per_page=20&page=5"
run "register list (oldest decision first)" "$BASE/api/v1/register?sort=oldest&per_page=20"
# Searches: one entry (a reference), and a word in every seeded title ("<intervention> trial <n>
# in <place>"): both must cost the same at any size.
run "register search, rare (a reference)" "$BASE/api/v1/register?q=$REF&per_page=20"
run "register search, common (\"trial\", in every title)" "$BASE/api/v1/register?q=trial&per_page=20"
run "register search page (HTML, a zone's name)" "$BASE/register?q=harbourside"
run "trial page (JSON)" "$BASE/api/v1/register/$REF"
run "trial page (HTML)" "$BASE/register/$REF"
run "statistics (JSON)" "$BASE/api/v1/stats"
run "inspector's queue" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/applications?inspector=me&per_page=20"
run "queue by target date (JSON)" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/applications?sort=target&per_page=20"
run "casework queue page (HTML, Unassigned)" -H "cookie: $PAGE_COOKIE" "$BASE/casework"
run "casework queue page (HTML, All, page 3)" -H "cookie: $PAGE_COOKIE" "$BASE/casework?tab=all&page=3"
run "case read" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/applications/$CASE_ID"
peak_reads_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
if [ -n "${BENCH_READS_ONLY:-}" ]; then
  printf '\nServer peak resident memory: %s MiB after the reads (%s, %s cases)\n' "$((peak_reads_kb / 1024))" "$BACKEND" "$CASES"
  [ ${#FAILURES[@]} -eq 0 ] || { printf 'FAILED: %s\n' "${FAILURES[@]}" >&2; exit 1; }
  exit 0
fi

# ---- writes
INNOVATOR=$(login innovator1)
ADMIN_TOKEN=$(login admin)
INSPECTOR_ID=$(curl -sf "$BASE/api/v1/me" -H "authorization: Bearer $TOKEN" | jq .id)

# A draft that submission will accept: an open zone, a provision allowed there and not retired, a
# duration within its longest trial, the zone's community ownership, a start date ahead.
curl -sf "$BASE/api/v1/zones?per_page=100" >"$WORK/zones.json"
curl -sf "$BASE/api/v1/provisions" >"$WORK/provisions.json"
jq --slurpfile provisions "$WORK/provisions.json" --arg start "$(date -d '+60 days' +%F)" '
  ($provisions[0] | map(select(.retired | not) | {key: .code, value: .max_trial_months}) | from_entries) as $months
  | first(.[] | select(.accepting_applications) | . as $z
      | first($z.allowed_provisions[] | select($months[.] != null)) as $code
      | {zone: $z.id, code: $code, months: ([$months[$code], 12] | min),
         pct: ([$z.min_community_ownership_pct, 51] | max)}) as $pick
  | input
  | .zone_id = $pick.zone | .proposed_start_date = $start | .proposed_duration_months = $pick.months
  | .community_ownership_pct = $pick.pct | .requested_derogations[0].provision_code = $pick.code
' "$WORK/zones.json" bench/draft.json >"$WORK/draft.json"

# One draft first, the same way: its id is where the run's drafts start (ids only grow, and only
# this innovator creates applications from here on), and its ETag is every new draft's version.
status=$(curl -s -o "$WORK/probe.json" -D "$WORK/probe.h" -w '%{http_code}' "$BASE/api/v1/applications" \
  -H "authorization: Bearer $INNOVATOR" -H 'content-type: application/json' --data-binary @"$WORK/draft.json")
[ "$status" = 201 ] || { echo "creating a draft answered $status:"; cat "$WORK/probe.json"; echo; exit 1; }
FIRST_ID=$(jq .id "$WORK/probe.json")
DRAFT_ETAG=$(awk 'tolower($1)=="etag:" {print $2}' "$WORK/probe.h" | tr -d '\r')

# The ids of the innovator's applications in STATUS from FIRST_ID on, ascending, one a line.
own_ids() {
  local status="$1" file="$2" page=1 json
  : >"$file"
  while :; do
    json=$(curl -sf "$BASE/api/v1/applications?status=$status&per_page=100&page=$page" -H "authorization: Bearer $INNOVATOR")
    echo "$json" | jq --argjson from "$FIRST_ID" '.[] | select(.id >= $from) | .id' >>"$file"
    [ "$(echo "$json" | jq --argjson from "$FIRST_ID" 'length == 100 and all(.[]; .id >= $from)')" = true ] || break
    page=$((page + 1))
  done
  # A page boundary can shift if a row arrives while paging: never list an id twice.
  sort -n -u -o "$file" "$file"
}

# Runs SCRIPT (once_per_id.lua) over the ids in FILE, each exactly once, and prints its row.
once_each() {
  local name="$1" script="$2" file="$3"; shift 3
  local n threads
  n=$(wc -l <"$file")
  if [ "$n" = 0 ]; then
    FAILURES+=("$name: no cases to act on")
    printf '| %s | – | – | – | 0 | – |\n' "$name"
    return
  fi
  threads=$((n < 2 ? n : 2))
  rm -rf "$WORK/done" "$WORK/done.errors" && mkdir "$WORK/done"
  local out
  out=$(wrk -t"$threads" -c"$CONNECTIONS" -d"$WRITE_LIMIT" --timeout 30s --latency "$@" -s "$script" "$BASE" \
    -- "$file" "$threads" "$WORK/done" 2>&1)
  local sent
  sent=$(echo "$out" | awk '/requests in/ {print $1}')
  [ "$sent" = "$n" ] || FAILURES+=("$name: $sent answers for $n cases (lost responses; see BENCH_WRITE_LIMIT)")
  row "$name" "$out" writes "$WORK/done.errors"
}

printf '\n| write (with its audit event and outbox rows) | requests/s | p50 | p99 | requests | non-2xx |\n'
printf '|---|---|---|---|---|---|\n'
row "create draft (innovator)" "$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency \
  -H "authorization: Bearer $INNOVATOR" -s bench/create_draft.lua "$BASE/api/v1/applications" \
  -- "$WORK/draft.json" "$WORK/create.errors" 2>&1)" writes "$WORK/create.errors"
# wrk stops at the deadline but the service finishes the requests it had accepted; let them land
# before listing, so that the list is complete and does not shift while it is paged.
sleep 3
own_ids draft "$WORK/drafts.txt"
once_each "submit (innovator)" bench/submit.lua "$WORK/drafts.txt" \
  -H "authorization: Bearer $INNOVATOR" -H "if-match: $DRAFT_ETAG"
own_ids submitted "$WORK/submitted.txt"
SUBMITTED_ETAG=$(curl -sf -o /dev/null -D - "$BASE/api/v1/applications/$FIRST_ID" -H "authorization: Bearer $ADMIN_TOKEN" |
  awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
export BENCH_INSPECTOR_ID="$INSPECTOR_ID"
once_each "assign (admin)" bench/assign.lua "$WORK/submitted.txt" \
  -H "authorization: Bearer $ADMIN_TOKEN" -H "if-match: $SUBMITTED_ETAG" -H 'content-type: application/json'
echo
echo "Drafts created: $(wc -l <"$WORK/drafts.txt") (ids from $FIRST_ID; the first by curl); submitted: $(wc -l <"$WORK/submitted.txt")."

# ---- email delivery
outbox=$(curl -sf -o /dev/null -D - "$BASE/api/v1/admin/outbox?status=pending&per_page=1" \
  -H "authorization: Bearer $ADMIN_TOKEN" | tr -d '\r' | awk '
    tolower($1)=="x-total-count:" {n=$2} tolower($1)=="x-total-count-capped:" && $2=="true" {c="≥ "} END {print c n}')
peak_writes_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
kill "$SERVER"
wait "$SERVER" || true
SERVER=""

t0=$(date +%s.%N); $BIN verify-audit >/dev/null || FAILURES+=("verify-audit after the writes failed")
verify2_s=$(echo "$(date +%s.%N) - $t0" | bc)

printf '\n| email delivery (`deliver-outbox` → SMTP on 127.0.0.1) | pending in outbox | delivered | seconds | emails/s | sink received |\n'
printf '|---|---|---|---|---|---|\n'
if ! $BIN deliver-outbox --help >/dev/null 2>&1; then
  printf '| not measured: %s has no deliver-outbox command | %s | – | – | – | – |\n' "$BIN" "$outbox"
  FAILURES+=("email delivery not measured: $BIN has no deliver-outbox")
else
  "$SINK" "$SMTP_PORT" >"$WORK/sink.out" 2>&1 &
  SINK_PID=$!
  for _ in $(seq 1 50); do grep -qs '^listening' "$WORK/sink.out" && break; sleep 0.1; done
  grep -q '^listening' "$WORK/sink.out" || { echo "the SMTP sink did not start:"; cat "$WORK/sink.out"; exit 1; }
  echo "delivering the outbox ($outbox emails pending) to the SMTP sink on 127.0.0.1:$SMTP_PORT…" >&2
  deliver_rc=0
  delivered=$(SANDBOX_MAIL_TRANSPORT=smtp SANDBOX_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" $BIN deliver-outbox --max "$EMAILS" 2>&1) ||
    deliver_rc=$?
  if kill -TERM "$SINK_PID" 2>/dev/null; then
    wait "$SINK_PID" || true
  else
    FAILURES+=("the SMTP sink had exited before the delivery ended: $(tail -n 3 "$WORK/sink.out" | tr '\n' ' ')")
  fi
  SINK_PID=""
  received=$(sed -n 's/^received \([0-9]*\) messages$/\1/p' "$WORK/sink.out")
  sent=$(echo "$delivered" | sed -n 's/^delivered \([0-9]*\) emails in \([0-9.]*\) s.*/\1/p')
  secs=$(echo "$delivered" | sed -n 's/^delivered \([0-9]*\) emails in \([0-9.]*\) s.*/\2/p')
  if [ -z "$sent" ]; then
    FAILURES+=("deliver-outbox: $delivered")
    printf '| **failed (exit %s)** | %s | – | – | – | %s |\n' "$deliver_rc" "$outbox" "${received:-?}"
  else
    rate=–
    [ "$(echo "$secs > 0" | bc)" = 0 ] || rate=$(printf '%.0f' "$(echo "$sent / $secs" | bc -l)")
    [ "$deliver_rc" = 0 ] || FAILURES+=("deliver-outbox exited $deliver_rc: $delivered")
    [ "$received" = "$sent" ] || FAILURES+=("the sink received ${received:-?} of $sent emails")
    printf '| %s | %s | %s | %s | %s | %s |\n' "deliver-outbox" "$outbox" "$sent" "$secs" "$rate" "${received:-?}"
  fi
fi

printf '\n| command | seconds |\n|---|---|\n| seed-demo --cases %s | %s |\n| verify-audit | %.2f |\n| run-scheduler-once | %.2f |\n| verify-audit (after the writes) | %.2f |\n' \
  "$CASES" "$seed_s" "$verify_s" "$sched_s" "$verify2_s"
printf '\nServer peak resident memory: %s MiB after the reads, %s MiB after the writes (%s, %s cases)\n' \
  "$((peak_reads_kb / 1024))" "$((peak_writes_kb / 1024))" "$BACKEND" "$CASES"

if [ "${#FAILURES[@]}" -gt 0 ]; then
  printf '\nFAILED:\n' >&2
  printf '  - %s\n' "${FAILURES[@]}" >&2
  if [ -s "$WORK/serve.log" ]; then
    printf '\nThe service logged (last 20 lines):\n' >&2
    tail -n 20 "$WORK/serve.log" >&2
  fi
  exit 1
fi
