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

# Builds the release server and the optimised WebAssembly bundle.
build_release() {
  cargo leptos build --release --split && precompress_site
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
