#!/usr/bin/env bash
# The README's entry commands:
#   ./dev.sh serve [ARGS…]      the server on the embedded store (./data) with the fixtures, on :8080
#   ./dev.sh test [ARGS…]       the whole test suite (what the repository holds, nothing outside it)
#   ./dev.sh conformance DIR    the W3C suites kept outside the repository (the folder of the W3C suites)
#   ./dev.sh cli COMMAND …      any other lieux-communs command (load, export, validate, generate, harvest)
#   ./dev.sh bench [WHICH]      the benchmarks (figures written under bench-results/): sparql, shacl,
#                               api; peers (Virtuoso side by side), fuzz, crash, soak
#   ./dev.sh deb                a Debian package of a release build (deploy/, Cargo.toml's metadata)
#   ./dev.sh samples DIR        every harvester on the real partner exports of DIR
#   ./dev.sh screens            screenshots of the web pages under bench-results/screens/
#   ./dev.sh deb-check          the package of the test build installed, run as its user, purged
# They install what a fresh Debian or Ubuntu machine lacks and keep the build in a target
# directory outside the clone, shared by every command.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lieux-communs-target}"

die() { echo "dev.sh: $*" >&2; exit 1; }

# bindgen (run by RocksDB's build) loads libclang.so, or libclang-N.so, at build time. The
# versioned libclang-cpp.so.N that other packages pull in is another library: it does not count.
have_libclang() {
  if [ -n "${LIBCLANG_PATH:-}" ]; then
    compgen -G "$LIBCLANG_PATH/libclang*.so*" >/dev/null && return 0
  fi
  local ldconfig
  ldconfig="$(command -v ldconfig || PATH="$PATH:/sbin:/usr/sbin" command -v ldconfig || true)"
  [ -n "$ldconfig" ] && "$ldconfig" -p | grep -Eq '[[:space:]]libclang(-[0-9.]+)?\.so[[:space:]]'
}

have_cxx() {
  command -v "${CXX:-c++}" >/dev/null || command -v g++ >/dev/null || command -v clang++ >/dev/null
}

# apt_install REASON PACKAGE…: installs with apt-get (through sudo when not root).
apt_install() {
  local reason="$1"; shift
  command -v apt-get >/dev/null \
    || die "$reason: install $* with your package manager, then run this command again"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "$reason: run 'apt-get install $*' as root, then this command again"
    sudo=sudo
  fi
  echo "dev.sh: installing $* ($reason)" >&2
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@" >/dev/null; } \
    || die "could not install $* ($reason): run 'sudo apt-get install $*' and try again"
}

deps() {
  command -v cargo >/dev/null \
    || die "cargo is missing: install the Rust toolchain (https://rustup.rs), then run this command again"
  local missing=()
  have_libclang || missing+=(libclang-dev)
  have_cxx || missing+=(g++)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "RocksDB's build needs libclang and a C++ compiler" "${missing[@]}"
    have_libclang || die "libclang.so is still not found: install libclang-dev or set LIBCLANG_PATH to its folder"
  fi
}

cargo_deb() {
  command -v cargo-deb >/dev/null || cargo install --locked cargo-deb
}

# Installs the package built from the test build, serves one request as the service's user with
# the installed configuration, and purges it. systemd runs the unit where it is the init system.
deb_check() {
  command -v dpkg >/dev/null || die "deb-check needs dpkg (Debian or Ubuntu)"
  # The test build's binary (built with the tests' features: `cargo build --bin` alone would
  # resolve other features for shared dependencies and compile RocksDB once more), packaged as
  # a release's would be (cargo-deb warns about the dev profile).
  cargo test --workspace --all-targets --no-run -q
  cargo deb -q --profile dev --no-build --no-strip --fast -o "$CARGO_TARGET_DIR/debian/" >/dev/null
  local deb; deb="$(ls -t "$CARGO_TARGET_DIR"/debian/lieux-communs_*.deb | head -1)"
  dpkg -i "$deb" >/dev/null
  if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/lieux-communs.service
  fi
  trap 'dpkg --purge lieux-communs >/dev/null 2>&1 || true' RETURN
  getent passwd lieux-communs >/dev/null || die "the package did not create the lieux-communs user"
  [ -f /etc/lieux-communs/config.toml ] || die "the package did not install /etc/lieux-communs/config.toml"
  local port=18931 store; store="$(mktemp -d)"; chown lieux-communs "$store"
  if [ -d /run/systemd/system ]; then
    systemctl start lieux-communs
    port=8080
  else
    setpriv --reuid=lieux-communs --regid=lieux-communs --init-groups \
      /usr/bin/lieux-communs serve --config /etc/lieux-communs/config.toml --store "$store/store" \
      --bind "127.0.0.1:$port" 2>"$store/log" &
  fi
  local answer="" i
  for i in $(seq 60); do
    answer="$(curl -fsS "http://127.0.0.1:$port/commons/aiguilleurs" -H 'Accept: application/ld+json' 2>/dev/null || true)"
    [ -n "$answer" ] && break
    sleep 1
  done
  if [ -d /run/systemd/system ]; then systemctl stop lieux-communs; else kill %1; wait %1 || true; fi
  rm -rf "$store"
  case "$answer" in
    *aiguilleurs*) echo "deb-check: $(basename "$deb") installed, served /commons/aiguilleurs, purged" ;;
    *) die "the installed service did not answer: $answer" ;;
  esac
}

# The web interface's JavaScript and CSS libraries (web/package-lock.json), embedded in the
# binary at build time; the browser tests need Chromium and its WebDriver.
web_assets() {
  command -v npm >/dev/null \
    || apt_install "the web interface's libraries come from the npm registry" nodejs npm
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    npm ci --prefix web --ignore-scripts --no-audit --no-fund >/dev/null \
      || die "npm ci --prefix web failed: check that the npm registry is reachable, then run this command again"
  fi
}

browser() {
  command -v chromedriver >/dev/null \
    || apt_install "the browser tests of the web interface" chromium chromium-driver
}

case "${1:-}" in
  serve) shift; deps; web_assets; exec cargo run --bin lieux-communs -- serve "$@" ;;
  test)
    shift; deps; web_assets; browser
    cargo test --workspace --all-targets "$@"
    exec cargo test --workspace --doc "$@" ;;
  screens)
    shift; deps; web_assets; browser
    mkdir -p bench-results/screens
    LIEUX_COMMUNS_SCREENS="$PWD/bench-results/screens" exec cargo test --test web_pages screenshots ;;
  cli)   shift; deps; web_assets; exec cargo run -q --bin lieux-communs -- "$@" ;;
  conformance)
    shift
    [ $# -eq 1 ] || die "usage: ./dev.sh conformance SUITES_FOLDER (the folder of the W3C suites)"
    [ -d "$1" ] || die "the suites folder $1 does not exist"
    suites="$(cd "$1" && pwd)"
    deps; web_assets
    # SHACL Core through the SHACL crate's own runner; SPARQL Protocol and Graph Store against
    # the real server. Each fails when its manifest is missing or its score drops.
    status=0
    cargo run -q -p lieux-communs-shacl --example w3c -- "$suites/shacl" || status=1
    cargo run -q --example conformance -- "$suites" || status=1
    exit $status ;;
  bench)
    shift; deps; web_assets
    # The API benchmark puts a load tool on the server; pyshacl is installed by the bench itself.
    command -v wrk >/dev/null || apt_install "the API benchmark drives the server with wrk" wrk python3-venv
    # Measured on a release build, as a deployment runs: the first time, it compiles RocksDB
    # once more (10–25 minutes on 2 cores), next to the build of serve and test.
    case "${1:-}" in
      # peers installs Virtuoso from Debian's packages itself; fuzz, crash and soak drive the
      # server's surfaces and its process.
      peers|fuzz|crash|soak) which="$1"; shift; exec cargo bench --bench "$which" -- "$@" ;;
      *) exec cargo bench --bench bench -- "$@" ;;
    esac ;;
  samples)
    shift
    [ $# -eq 1 ] || die "usage: ./dev.sh samples FOLDER (real partner exports, kept outside the repository)"
    [ -d "$1" ] || die "the samples folder $1 does not exist"
    deps; web_assets; exec cargo run -q --bin lieux-communs -- samples "$1" ;;
  deb) shift; deps; web_assets; cargo_deb; exec cargo deb "$@" ;;
  deb-check) shift; deps; web_assets; cargo_deb; deb_check ;;
  *) echo "usage: ./dev.sh serve|test|conformance DIR|cli|bench|samples DIR|screens|deb|deb-check [args…]" >&2; exit 2 ;;
esac
