#!/usr/bin/env bash
# The README's entry commands:
#   ./dev.sh serve   run the server on the embedded store (./data) with the fixtures, on :8080
#   ./dev.sh test    run the whole test suite
#   ./dev.sh cli …   any other lieux-communs command (load, export, validate, generate, harvest)
#   ./dev.sh bench   run the benchmarks (figures written under bench-results/)
#   ./dev.sh screens screenshots of the web pages under bench-results/screens/
# They install what a fresh Debian machine lacks (RocksDB's bindgen needs libclang) and keep the
# build in a target directory outside the clone, shared by serve and test.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lieux-communs-target}"

deps() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install the Rust toolchain (https://rustup.rs)" >&2
    exit 1
  fi
  if ! compgen -G "/usr/lib/llvm-*/lib/libclang*.so*" >/dev/null \
     && ! compgen -G "/usr/lib/*/libclang*.so*" >/dev/null; then
    echo "installing libclang-dev and a C++ compiler (needed to build RocksDB)" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq libclang-dev clang g++ >/dev/null
  fi
}

# The web interface's JavaScript and CSS libraries (web/package-lock.json), embedded in the
# binary at build time; the browser tests need Chromium and its WebDriver.
web_assets() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if ! command -v npm >/dev/null; then
    echo "installing nodejs and npm (the web interface's libraries come from the npm registry)" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq nodejs npm >/dev/null
  fi
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    npm ci --prefix web --ignore-scripts --no-audit --no-fund >/dev/null
  fi
}

browser() {
  if ! command -v chromedriver >/dev/null; then
    echo "installing chromium and chromium-driver (browser tests of the web interface)" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

case "${1:-}" in
  serve) shift; deps; web_assets; exec cargo run --bin lieux-communs -- serve "$@" ;;
  test)  shift; deps; web_assets; browser; exec cargo test --all-targets "$@" ;;
  screens)
    shift; deps; web_assets; browser
    mkdir -p bench-results/screens
    LIEUX_COMMUNS_SCREENS="$PWD/bench-results/screens" exec cargo test --test web_pages screenshots ;;
  cli)   shift; deps; web_assets; exec cargo run -q --bin lieux-communs -- "$@" ;;
  bench)
    shift; deps; web_assets
    # The API benchmark puts a load tool on the server; pyshacl is installed by the bench itself.
    if ! command -v wrk >/dev/null; then
      sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
      $sudo apt-get install -y -qq wrk python3-venv >/dev/null || echo "wrk not installed: the GET load figure will be missing" >&2
    fi
    # Measured on a release build, as a deployment runs: the first time, it compiles RocksDB
    # once more (10–25 minutes on 2 cores), next to the build of serve and test.
    exec cargo bench --bench bench -- "$@" ;;
  *) echo "usage: ./dev.sh serve|test|cli|bench|screens [args…]" >&2; exit 2 ;;
esac
