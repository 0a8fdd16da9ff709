#!/usr/bin/env bash
# Load figures for docs/BENCHMARKS.md, against the release build on loopback:
# requests/s and p99 for /health, the signed-in dashboard (SSR) and a signed-in server-function
# read; the wasm bundle raw/gzip/brotli; the server's memory idle and after load.
#
#   ./bench/run.sh            (after ./scripts/run or ./scripts/test built the release)
#   DURATION=20s CONNECTIONS=64 ./bench/run.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/bench ./bench/run.sh   (an empty database)
#   DIGAME_BINARY=/tmp/other/release/digame ./bench/run.sh   (another build of the server, e.g.
#   with other profile settings, against the same site files)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DIGAME_BINARY=${DIGAME_BINARY:-target/release/digame}
[ -x "$DIGAME_BINARY" ] || { echo "no release build at $DIGAME_BINARY: run ./scripts/run or ./scripts/test build first"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: run ./scripts/setup"; exit 1; }

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# BENCH_DATABASE_URL=postgres://… runs the same against PostgreSQL (an empty database).
db_url=${BENCH_DATABASE_URL:-sqlite://$dir/bench.db}
case "$db_url" in postgres*) DATABASE_KIND=PostgreSQL ;; *) DATABASE_KIND=SQLite ;; esac
# The JSON API's per-caller limit is lifted so that the bearer-key read measures the read, not
# the 429s. The loopback client counts as a proxy so that the sign-in burst below can come from many
# addresses (the sign-in throttle counts per address).
DIGAME_DATA_DIR="$dir" DATABASE_URL="$db_url" DIGAME_LISTEN_ADDR="127.0.0.1:$port" \
  DIGAME_TRUSTED_PROXIES=127.0.0.1 DIGAME_REGISTRATIONS_PER_HOUR=100000 DIGAME_DEV_OUTBOX=true DIGAME_AI_DEMO=true DIGAME_API_REQUESTS_PER_MINUTE=1000000 \
  RUST_LOG=warn "$DIGAME_BINARY" serve >"$dir/server.log" 2>&1 &
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
# Its address confirmed from the development outbox (the tools and tokens wait for it), and a
# read-only personal token for the bearer-key read.
post_json() { curl -fsS -b "$dir/jar" -H 'accept: application/json' -H "origin: $base" "$@"; }
confirm=$(curl -fsS -b "$dir/jar" "$base/dev/outbox" | grep -o 'verify-email?token=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2)
post_json -o /dev/null --data-urlencode "token=$confirm" "$base/api/auth/verify-email"
bearer=$(post_json -d 'name=bench&expires_in_days=30&scope=read' "$base/api/tokens/create" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])')

cat >"$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
LUA

# The yardstick (issue 27): a bare Leptos 0.8 page — ../shared/bench/leptos-bare, the same
# stack with one page and no database read — built once into target/bench-bare and served
# beside the app, so every figure is "share of the bare page, same run". Without that folder,
# /health is the yardstick and the output says so.
bare_src=${BARE_SRC:-../shared/bench/leptos-bare}
bare_dir=$PWD/target/bench-bare
bare_base=
if [ -d "$bare_src" ]; then
  if [ ! -x "$bare_dir/target/release/spike" ]; then
    echo "building the bare Leptos page once into $bare_dir (about 8 minutes cold)"
    mkdir -p "$bare_dir" && cp -r "$bare_src"/. "$bare_dir"/
    # Its own Leptos settings (Cargo.toml), not the app's from scripts/env.sh.
    (cd "$bare_dir" && env -u LEPTOS_OUTPUT_NAME -u LEPTOS_SITE_ROOT -u LEPTOS_SITE_PKG_DIR -u LEPTOS_ENV \
      -u LEPTOS_HASH_FILES cargo leptos build --release >"$bare_dir/build.log" 2>&1) ||
      { echo "the bare page did not build: see $bare_dir/build.log"; exit 1; }
  fi
  bare_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  bare_base="http://127.0.0.1:$bare_port"
  (cd "$bare_dir" && LEPTOS_OUTPUT_NAME=spike LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=false LEPTOS_SITE_ADDR="127.0.0.1:$bare_port" LEPTOS_RELOAD_PORT=$((bare_port + 1)) \
    DATABASE_URL="sqlite://$dir/bare.db?mode=rwc" exec ./target/release/spike >"$dir/bare.log" 2>&1) &
  bare_pid=$!
  trap 'kill $pid $bare_pid 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 1 100); do curl -fsS "$bare_base/" >/dev/null 2>&1 && break; sleep 0.1; done
fi

# Each figure as a share of the yardstick's rate (the first run), for the targets in
# docs/BENCHMARKS.md.
base_rps=
base_name=
run() { # name, url, extra wrk args...
  local name=$1 url=$2
  shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p99 non2xx share
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  [ -n "$base_rps" ] || { base_rps=$rps; base_name=$name; }
  share=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.1f%%", 100 * a / b }')
  printf '%-44s %10s req/s  %7s of the yardstick   p99 %8s   non-2xx %s\n' "$name" "$rps" "$share" "$p99" "${non2xx:-0}"
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION each, release build, ${DATABASE_KIND:-SQLite}"
if [ -n "$bare_base" ]; then
  echo "yardstick: the bare Leptos page ($bare_src), served beside the app in this run"
  run "GET / of the bare Leptos page (yardstick)" "$bare_base/"
else
  echo "yardstick: /health ($bare_src is missing, so the bare Leptos page is not measured)"
fi
run "GET /health" "$base/health"
run "GET /login (signed out)" "$base/login"
run "GET / (signed-in dashboard, SSR)" "$base/" -H "Cookie: $cookie"
run "GET /settings/security (signed in)" "$base/settings/security" -H "Cookie: $cookie"
run "GET /settings/api-keys (signed in)" "$base/settings/api-keys" -H "Cookie: $cookie"
run "GET /admin/members (signed in)" "$base/admin/members" -H "Cookie: $cookie"
run "POST /api/auth/me (signed-in server fn)" "$base/api/auth/me" -H "Cookie: $cookie" -s "$dir/post.lua"
run "POST /api/keys/list (signed-in server fn)" "$base/api/keys/list" -H "Cookie: $cookie" -s "$dir/post.lua"
run "GET /api/v1/settings/api-keys (bearer token)" "$base/api/v1/settings/api-keys" -H "Authorization: Bearer $bearer"
# Static files, as a browser's first load asks for them (the hashed stylesheet, brotli) and the
# favicon: streamed bodies, which stalled on delayed ACKs before TCP_NODELAY.
css=$( (cd target/site/pkg && ls digame.*.css 2>/dev/null || true) | head -1)
[ -z "$css" ] || run "GET /pkg/digame.HASH.css (br)" "$base/pkg/$css" -H 'Accept-Encoding: br'
run "GET /favicon.svg" "$base/favicon.svg"

# Issue 10: 50 people signing in at once (Argon2 on the blocking pool) beside the dashboard's
# load, each from an address of their own; the dashboard's p99 then, against its quiet p99
# above. (One account signing in 50 times at once would meet its own sign-in throttle.)
seq 0 49 | xargs -P 4 -I{} curl -fsS -o /dev/null -H 'content-type: application/json' \
  -d "{\"email\":\"burst.{}.$$@example.com\",\"password\":\"amber-kettle-orbit-73\"}" \
  "$base/api/v1/auth/register"
cat >"$dir/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = "$base"
local n = 0
request = function()
  n = n + 1
  local who = n % 50
  wrk.headers["X-Forwarded-For"] = "10.1." .. who .. "." .. math.random(1, 254)
  return wrk.format(nil, nil, nil, "email=burst." .. who .. ".$$%40example.com&password=amber-kettle-orbit-73&next=")
end
LUA
wrk -t1 -c50 -d"$DURATION" --latency -s "$dir/login.lua" "$base/api/auth/login" >"$dir/logins.out" &
logins=$!
sleep 0.5
run "GET / (dashboard) during 50 sign-ins" "$base/" -H "Cookie: $cookie"
wait $logins
printf '%-44s %10s req/s  (sign-ins)            p99 %8s   non-2xx %s\n' "POST /api/auth/login, 50 connections" \
  "$(awk '/Requests\/sec/ {print $2}' "$dir/logins.out")" "$(awk '$1 == "99%" {print $2}' "$dir/logins.out")" \
  "$(awk '/Non-2xx/ {print $5}' "$dir/logins.out")"
loaded_rss=$(rss_kib)

pkg=target/site/pkg
wasm=$( (ls "$pkg"/digame.*.wasm "$pkg"/digame.wasm 2>/dev/null || true) | head -1)
raw=$(stat -c %s "$wasm")
br=$(brotli -q 11 -c "$wasm" | wc -c)
served=$(curl -fsS -H 'accept-encoding: br' -o /dev/null -w '%{size_download}' "$base/pkg/$(basename "$wasm")")
chunks=$( (ls "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm 2>/dev/null || true) | wc -l)
echo
printf 'main wasm (%s): %d KB raw, %d KB brotli -q 11, %d KB as served (br); %d chunks loaded on demand\n' \
  "$(basename "$wasm")" $((raw / 1024)) $((br / 1024)) $((served / 1024)) "$chunks"
printf 'server memory (RSS): %d MB idle after start, %d MB after the load\n' $((idle_rss / 1024)) $((loaded_rss / 1024))

echo
echo "first load per page (fresh headless Chromium, as served):"
node bench/first-load.mjs "$base" "bench.$$@example.com" 'amber-kettle-orbit-73'
