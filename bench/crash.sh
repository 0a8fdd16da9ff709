#!/usr/bin/env bash
# Crash safety, 30 kills: tests/it/crash.rs with CRASH_ROUNDS=30 on SQLite, then on PostgreSQL
# when 127.0.0.1:5432 answers. Each round SIGKILLs the server in the middle of acknowledged
# writes (sign-ups, onboarding saves, key saves), starts it again on the same database and
# checks every acknowledged write is there. Prints each round's counts.
set -euo pipefail
cd "$(dirname "$0")/.."
export CRASH_ROUNDS="${CRASH_ROUNDS:-30}"
echo "== SQLite, $CRASH_ROUNDS kills"
cargo nextest run --features ssr --test it crash:: --no-capture
admin="postgres://postgres@127.0.0.1:5432/postgres"
if psql "$admin" -qtAc 'select 1' >/dev/null 2>&1; then
  db="digame_crash_$$"
  psql "$admin" -qc "CREATE DATABASE $db"
  trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
  echo "== PostgreSQL, $CRASH_ROUNDS kills"
  DIGAME_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
    cargo nextest run --features ssr --test it crash:: --no-capture
else
  echo "PostgreSQL part skipped: nothing answered on 127.0.0.1:5432"
fi
