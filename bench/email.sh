#!/usr/bin/env bash
# Email analysis of generated mbox files (aim: 100,000 messages under 5 s, and peak memory
# that stays flat from 10k to 100k messages: the file is streamed, never held whole). Each
# size runs in its own process so its peak memory is its own. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
for n in 10000 50000 100000; do
  cargo run --quiet --release --no-default-features --features ssr --example email_analysis -- "$n"
done
