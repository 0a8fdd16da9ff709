#!/usr/bin/env bash
# Load figures for docs/BENCHMARKS.md, against the release build on loopback:
# requests/s and p99 for /health, the signed-in dashboard (SSR) and a signed-in server-function
# read; the wasm bundle raw/gzip/brotli; the server's memory idle and after load.
#
#   ./bench/run.sh            (after ./scripts/run or ./scripts/test built the release)
#   DURATION=20s CONNECTIONS=64 ./bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
[ -x target/release/digame ] || { echo "no release build: run ./scripts/run or ./scripts/test build first"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: run ./scripts/setup"; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
DIGAME_DATA_DIR="$dir" DATABASE_URL="sqlite://$dir/bench.db" DIGAME_LISTEN_ADDR="127.0.0.1:$port" \
  RUST_LOG=warn target/release/digame serve >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
idle_rss=$(rss_kib)

# One signed-in session for the authenticated runs.
curl -fsS -c "$dir/jar" -H 'accept: application/json' -o /dev/null \
  --data-urlencode 'name=Bench User' --data-urlencode "email=bench.$$@example.com" \
  --data-urlencode 'password=amber-kettle-orbit-73' --data-urlencode 'company=Bench Co' \
  "$base/api/auth/register"
cookie=$(awk '$6 == "digame_session" {print "digame_session=" $7}' "$dir/jar")
[ -n "$cookie" ] || { echo "could not sign in for the benchmark"; exit 1; }

cat >"$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
LUA

run() { # name, url, extra wrk args...
  local name=$1 url=$2
  shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-42s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION each, release build, SQLite"
run "GET /health" "$base/health"
run "GET / (signed-in dashboard, SSR)" "$base/" -H "Cookie: $cookie"
run "POST /api/auth/me (signed-in server fn)" "$base/api/auth/me" -H "Cookie: $cookie" -s "$dir/post.lua"
loaded_rss=$(rss_kib)

wasm=target/site/pkg/digame.wasm
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
br=$(brotli -q 11 -c "$wasm" | wc -c)
served=$(curl -fsS -H 'accept-encoding: br' -o /dev/null -w '%{size_download}' "$base/pkg/digame.wasm")
echo
printf 'wasm bundle: %d KB raw, %d KB gzip -9, %d KB brotli -q 11, %d KB as served (br)\n' \
  $((raw / 1024)) $((gz / 1024)) $((br / 1024)) $((served / 1024))
printf 'server memory (RSS): %d MB idle after start, %d MB after the load\n' $((idle_rss / 1024)) $((loaded_rss / 1024))
