# Shared by scripts/run, scripts/test and bench/: where the built site is, and the tools on PATH.
# shellcheck shell=bash
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export LEPTOS_OUTPUT_NAME=digame
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_ENV=PROD

# Builds the release server and the optimised WebAssembly bundle.
build_release() {
  cargo leptos build --release --split
}
