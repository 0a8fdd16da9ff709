#!/usr/bin/env bash
# The soak (issue 15): USERS virtual users (default 500) for SECONDS (default 300) against the
# release server on a fresh database, a mix of pages, server-function reads and writes, JSON
# API writes and AI tool calls (built-in test AI service); prints requests, p50/p99 per kind,
# server errors, lost writes and the server's memory (bench/soak/src/main.rs, a package of its own). A benchmark, not a
# test tier: the figures go in docs/BENCHMARKS.md.
#
#   ./bench/soak.sh                      (after ./scripts/test or ./scripts/run built the release)
#   USERS=100 SECONDS=60 ./bench/soak.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/soak ./bench/soak.sh   (an empty database)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
USERS=${USERS:-500}
SECONDS_TO_RUN=${SECONDS:-300}
[ -x target/release/digame ] || { echo "no release build: run ./scripts/test build first"; exit 1; }
cargo build --quiet --release -p soak

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
db_url=${BENCH_DATABASE_URL:-sqlite://$dir/soak.db}
# Limits that would turn most of the load into 429s are raised; the AI calls go to the
# built-in test service; every company is on the Enterprise plan (5,000 AI calls a day each).
DIGAME_DATA_DIR="$dir" DATABASE_URL="$db_url" DIGAME_LISTEN_ADDR="127.0.0.1:$port" \
  DIGAME_PUBLIC_URL="$base" DIGAME_AI_DEMO=true DIGAME_TRUSTED_PROXIES=127.0.0.1 DIGAME_DEV_OUTBOX=true DIGAME_DEFAULT_TIER=enterprise \
  DIGAME_REGISTRATIONS_PER_HOUR=100000 DIGAME_API_REQUESTS_PER_MINUTE=1000000 \
  DIGAME_AI_CALLS_PER_MINUTE=10000 RUST_LOG=warn \
  target/release/digame serve >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "database: ${db_url%%:*}; $USERS virtual users for $SECONDS_TO_RUN s"
target/release/soak "$base" "$pid" "$USERS" "$SECONDS_TO_RUN"
errors=$(grep -c -E " ERROR " "$dir/server.log" || true)
echo "server log: $errors ERROR lines"
