#!/usr/bin/env bash
# Benchmarks the release binary on a seeded database and prints a Markdown table for
# docs/BENCHMARKS.md. Reads go through wrk (Debian package `wrk`); command timings use `date`.
#
#   bench/run.sh [CASES] [sqlite|postgres]        e.g. bench/run.sh 10000 sqlite
#
# PostgreSQL: set BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres); a database
# named sandbox_bench_<cases> is dropped and created. Only 127.0.0.1 is ever contacted.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES="${1:-10000}"
BACKEND="${2:-sqlite}"
PORT="${BENCH_PORT:-18181}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 2; }

cargo build --release --quiet
BIN=target/release/sandbox
WORK="$(mktemp -d)"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ "$BACKEND" = postgres ]; then
  ADMIN="${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  DB="sandbox_bench_${CASES}"
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -qc "CREATE DATABASE $DB"
  export DATABASE_URL="${ADMIN%/*}/$DB"
else
  export DATABASE_URL="sqlite://$WORK/bench.db"
fi
export SANDBOX_LOG=warn SANDBOX_MAIL_TRANSPORT=log SANDBOX__SCHEDULER__ENABLED=false SANDBOX_BIND="127.0.0.1:$PORT"

t0=$(date +%s.%N)
$BIN seed-demo --cases "$CASES" --seed 1 >/dev/null 2>&1
seed_s=$(echo "$(date +%s.%N) - $t0" | bc)

t0=$(date +%s.%N); $BIN verify-audit >/dev/null; verify_s=$(echo "$(date +%s.%N) - $t0" | bc)
t0=$(date +%s.%N); $BIN run-scheduler-once >/dev/null; sched_s=$(echo "$(date +%s.%N) - $t0" | bc)

$BIN serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"

TOKEN=$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"inspector1@demo.sandbox.example","password":"sandbox-demo-password-2026"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
REF=$(curl -sf "$BASE/api/v1/register?status=active&per_page=1" | sed 's/.*"reference":"\([^"]*\)".*/\1/')
CASE_ID=$(curl -sf "$BASE/api/v1/applications?inspector=me&per_page=1" -H "authorization: Bearer $TOKEN" | sed 's/^\[{"id":\([0-9]*\).*/\1/')

printf '| endpoint | requests/s | p50 | p99 |\n|---|---|---|---|\n'
run() {
  local name="$1"; shift
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" 2>&1)
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '| %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99"
}
run "register list (filtered, page 5)" "$BASE/api/v1/register?status=active&per_page=20&page=5"
run "trial page (JSON)" "$BASE/api/v1/register/$REF"
run "trial page (HTML)" "$BASE/register/$REF"
run "statistics (JSON)" "$BASE/api/v1/stats"
run "inspector's queue" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/applications?inspector=me&per_page=20"
run "case read" -H "authorization: Bearer $TOKEN" "$BASE/api/v1/applications/$CASE_ID"

peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
printf '\n| command | seconds |\n|---|---|\n| seed-demo --cases %s | %.1f |\n| verify-audit | %.2f |\n| run-scheduler-once | %.2f |\n' \
  "$CASES" "$seed_s" "$verify_s" "$sched_s"
printf '\nServer peak resident memory: %s MiB (%s, %s cases)\n' "$((peak_kb / 1024))" "$BACKEND" "$CASES"
