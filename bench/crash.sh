#!/usr/bin/env bash
# Crash consistency, long form: 20 rounds (or CRASH_ROUNDS) of writers creating drafts while the
# service is killed with SIGKILL at a random moment and restarted, on SQLite and then PostgreSQL
# (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres). Every acknowledged
# write must be there afterwards and `verify-audit` must pass. CI runs the same test with 3 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
export CRASH_ROUNDS="${CRASH_ROUNDS:-20}"
echo "== SQLite, $CRASH_ROUNDS rounds"
cargo test --test api crash -- --nocapture
echo "== PostgreSQL, $CRASH_ROUNDS rounds"
TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" cargo test --test api crash -- --nocapture
