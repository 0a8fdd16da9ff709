#!/usr/bin/env bash
# Lighthouse (issue 27's targets: at least 95 in each category on every page) on every page,
# signed out and signed in (the account's address confirmed and the tool keys stored, so the
# tool pages show their panels), against the release build on loopback, with Debian's Chromium. Lighthouse's
# defaults: a mobile device, simulated slow 4G and a 4× slower CPU. Prints the four category
# scores and the main timings per page; the figures go in docs/BENCHMARKS.md.
#
#   ./bench/lighthouse.sh        (after ./scripts/run or ./scripts/test built the release)
#
# Lighthouse itself (npm, pinned in bench/lighthouse/package.json) is installed on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -x target/release/digame ] || { echo "no release build: run ./scripts/run or ./scripts/test build first"; exit 1; }
chrome=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chrome" ] || { echo "no Chromium at $chrome: run ./scripts/setup"; exit 1; }
[ -x bench/lighthouse/node_modules/.bin/lighthouse ] ||
  (cd bench/lighthouse && npm ci --no-audit --no-fund --silent)

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
DIGAME_DATA_DIR="$dir" DATABASE_URL="sqlite://$dir/lighthouse.db" DIGAME_LISTEN_ADDR="127.0.0.1:$port" \
  DIGAME_DEV_OUTBOX=true DIGAME_AI_DEMO=true RUST_LOG=warn target/release/digame serve >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done

# A signed-in person for the dashboard (registration signs in).
curl -fsS -c "$dir/jar" -H 'accept: application/json' -H "origin: $base" -o /dev/null \
  --data-urlencode 'name=Lighthouse User' --data-urlencode "email=lighthouse.$$@example.com" \
  --data-urlencode 'password=amber-kettle-orbit-73' --data-urlencode 'company=Lighthouse Co' \
  "$base/api/auth/register"
cookie=$(awk '$6 ~ /digame_session$/ {print $6 "=" $7}' "$dir/jar")
[ -n "$cookie" ] || { echo "could not sign in for Lighthouse"; exit 1; }
# The address confirmed from the development outbox and a key stored for each tool.
post() { curl -fsS -b "$dir/jar" -H 'accept: application/json' -H "origin: $base" -o /dev/null "$@"; }
confirm=$(curl -fsS -b "$dir/jar" "$base/dev/outbox" | grep -o 'verify-email?token=[A-Za-z0-9_-]*' | head -1 | cut -d= -f2)
post --data-urlencode "token=$confirm" "$base/api/auth/verify-email"
for key in writing_service_key communication_style_service_key meeting_insights_service_key \
  email_analysis_service_key language_learning_api_key; do
  post --data-urlencode origin=new --data-urlencode "name=$key" \
    --data-urlencode value=sk-lighthouse-0123456789abcdef --data-urlencode expires_on= "$base/api/keys/save"
done

audit() { # name, path, extra lighthouse args...
  local name=$1 path=$2
  shift 2
  local tries=0
  # Lighthouse now and then fails to record a page load's trace (NO_NAVSTART) on a busy host:
  # once more before giving up.
  until bench/lighthouse/node_modules/.bin/lighthouse "$base$path" --quiet \
    --chrome-path="$chrome" --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output-path="$dir/report.json" "$@" >/dev/null 2>"$dir/lighthouse.log"; do
    tries=$((tries + 1))
    [ "$tries" -lt 2 ] || { cat "$dir/lighthouse.log"; exit 1; }
  done
  python3 - "$name" "$dir/report.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
c, a = r["categories"], r["audits"]
score = lambda k: round(c[k]["score"] * 100)
ms = lambda k: a[k]["numericValue"]
print(f"{name:<28} performance {score('performance'):>3}  accessibility {score('accessibility'):>3}  "
      f"best practices {score('best-practices'):>3}  SEO {score('seo'):>3}   "
      f"FCP {ms('first-contentful-paint') / 1000:.1f} s  LCP {ms('largest-contentful-paint') / 1000:.1f} s  "
      f"TBT {ms('total-blocking-time'):.0f} ms  CLS {a['cumulative-layout-shift']['numericValue']:.3f}")
for k in ("performance", "accessibility", "best-practices", "seo"):
    for ref in c[k]["auditRefs"]:
        au = a[ref["id"]]
        if ref["weight"] > 0 and au.get("score") is not None and au["score"] < 0.9:
            print(f"    {k}: {au['title']} ({au.get('displayValue', au['score'])})")
PY
}

echo "Lighthouse $(bench/lighthouse/node_modules/.bin/lighthouse --version), mobile defaults, release build on loopback"
# SIGNED_OUT / SIGNED_IN name other pages (space-separated) to audit only those.
for path in ${SIGNED_OUT-/login /register}; do audit "$path (signed out)" "$path"; done
for path in ${SIGNED_IN-/ /settings/security /settings/api-keys /settings/profile /onboarding \
  /admin/features /admin/members /admin/audit /admin/ai /admin/tokens /admin/onboarding \
  /tools/writing /tools/style /tools/meetings /tools/language /tools/email /tools/tasks}; do
  audit "$path" "$path" --extra-headers="{\"Cookie\": \"$cookie\"}"
done
