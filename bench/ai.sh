#!/usr/bin/env bash
# What Digame adds to an AI call over calling the AI service directly (p50/p99), and
# concurrent tool calls per second, against the built-in test AI service, release build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --no-default-features --features ssr --example ai_overhead
