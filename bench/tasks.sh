#!/usr/bin/env bash
# Task prioritization on generated tasks (aim: 10,000 tasks under 50 ms): the same code the
# tasks page runs (`suggestions_for`), timed in-process over 21 runs, release build.
set -euo pipefail
cd "$(dirname "$0")/.."
for n in 1000 10000; do
  cargo run --quiet --release --no-default-features --features ssr --example prioritize -- "$n"
done
