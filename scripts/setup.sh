#!/usr/bin/env bash
# Installs what building, running and testing the portal need, skipping what is present.
# Usage: scripts/setup.sh [run|test]   (run: build tools only; test: also Chromium and PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-test}"
CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"

apt_packages=()
if [ "$MODE" = test ]; then
  command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || apt_packages+=(postgresql)
  # The JWK tests generate RSA keys with it (ring cannot).
  command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
  # scripts/mosip-compat.sh walks MOSIP's onboarder with curl.
  command -v curl >/dev/null 2>&1 || apt_packages+=(curl)
  # The mail queue tests deliver to a real SMTP sink on localhost.
  # Debian's own python3 (a pyenv shim may shadow it on PATH).
  /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || apt_packages+=(python3-aiosmtpd)
fi
# libpq links into the binary (PostgreSQL support) in every mode.
dpkg -s libpq-dev >/dev/null 2>&1 || apt_packages+=(libpq-dev)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "==> apt-get install ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# Build tools, not the product: their own release profiles ask for whole-program LTO in one
# codegen unit (cargo-leptos: about 28 CPU-minutes even without it), which buys nothing for a
# tool that runs seconds per build. Lighter settings for these two installs only.
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_INCREMENTAL=0 cargo install "$@"
}

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  echo "==> cargo install cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once per machine)"
  # --ignore-rust-version: a locked dependency asks for a newer rustc than this machine's.
  tool_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --ignore-rust-version
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "==> cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: a dependency in its lock file is no longer on the registry.
  tool_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt (npm binaryen; Debian's older one breaks hydration) and Playwright.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  echo "==> npm ci (end2end)"
  (cd end2end && npm ci --no-audit --no-fund)
fi
