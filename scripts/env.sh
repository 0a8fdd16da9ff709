# Shared by scripts/run, scripts/test and bench/: where the built site is, and the tools on PATH.
# shellcheck shell=bash
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export LEPTOS_OUTPUT_NAME=digame
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_ENV=PROD
export LEPTOS_HASH_FILES=true
# The API fuzz tier's schemathesis, installed by ./scripts/setup.
export SCHEMATHESIS_VENV=target/tools/schemathesis
# The client-generation tier's openapi-python-client (scripts/clients), installed by ./scripts/setup.
export OPENAPI_PYTHON_CLIENT_VENV=target/tools/openapi-python-client
# The SCIM conformance tier's scim2-tester (scripts/scim-check.py), installed by ./scripts/setup.
export SCIM_TESTER_VENV=target/tools/scim2-tester

# Builds the release server and the optimised WebAssembly bundle (./scripts/run, bench/).
build_release() {
  leptos_build target/release-build.log --release --split
}

# What the browser and API tiers of ./scripts/test run: the site exactly as the release build
# makes it (the optimised, split WebAssembly bundle, its JS and CSS, hashed and precompressed)
# served by the server built in the dev profile. That server is the binary the integration
# tests' build links anyway (cargo builds a package's binaries for its integration tests), so
# a test run compiles the server's dependencies once instead of a second time with full
# optimisation, which was half of CI. The site's hash.txt is written to target/release, and
# the test server is pointed there, relative to its own folder (TEST_SERVER_ENV: Leptos reads
# LEPTOS_HASH_FILE over Cargo.toml's settings, LEPTOS_HASH_FILE_NAME without Cargo.toml).
TEST_SERVER=target/debug/digame
TEST_SERVER_ENV=(LEPTOS_HASH_FILE=../release/hash.txt LEPTOS_HASH_FILE_NAME=../release/hash.txt)
build_for_tests() {
  # The same cargo command and features as the test build (`cargo nextest run --features ssr
  # --lib --test it`), so nothing is compiled again after it ran.
  cargo test --no-run --features ssr --lib --test it || return 1
  leptos_build target/site-build.log --release --split --frontend-only
}

# `cargo leptos build` with the given flags, then the precompressed copies. One CI run saw
# cargo-leptos stop with an error that no rerun reproduced (stop 19: a fresh clone of the same
# code built fine here three times), so a failed build is tried once more; the first failure's
# own error lines are printed first, so the cause is on record even when the retry passes.
leptos_build() {
  local log=$1
  shift
  mkdir -p target
  cargo leptos build "$@" 2>&1 | tee "$log"
  if [ "${PIPESTATUS[0]}" = 0 ]; then
    precompress_site
    return
  fi
  echo
  echo "cargo leptos build $* failed; its error lines:"
  grep -n -i -E "error|panicked|failed" "$log" | grep -v -E "^[0-9]+: +Compiling" | head -40
  echo "trying it once more"
  cargo leptos build "$@" && precompress_site
}

# Brotli (quality 11) and gzip (-9) copies of the built files, served as they are by the
# server (tower-http ServeDir's precompressed support), so nothing is compressed per request.
precompress_site() {
  local f
  for f in "$LEPTOS_SITE_ROOT/$LEPTOS_SITE_PKG_DIR"/*.{js,wasm,css,json}; do
    [ -f "$f" ] || continue
    brotli -f -q 11 -o "$f.br" "$f" && gzip -f -9 -k "$f" || return 1
  done
}
