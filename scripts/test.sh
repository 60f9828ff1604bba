#!/usr/bin/env bash
# Runs every check: format, lints, domain and router tests on SQLite and on PostgreSQL,
# then the Playwright journeys against a fresh release build and a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's wall time, printed at the end (the README's test section records them).
TIMES=()
step() {
  local name=$1 start=$SECONDS
  shift
  echo "==> $name"
  "$@"
  TIMES+=("$(printf '%5ds  %s' $((SECONDS - start)) "$name")")
}
trap 'echo "==> step times"; printf "%s\n" "${TIMES[@]}"' EXIT
step "set-up (tools, Chromium, PostgreSQL)" scripts/setup.sh test
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# A one-off run gains nothing from incremental caches, which would double target/'s size.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

step "cargo fmt --check" cargo fmt --all -- --check

# Packages one at a time: building the workspace together would unify `ssr` and `hydrate`.
step "clippy domain" cargo clippy -p domain --features server --all-targets -- -D warnings
step "clippy server" cargo clippy -p pms --all-targets -- -D warnings
step "clippy browser" cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

run_tests() {
  cargo test -p domain --features server
  cargo test -p app --features ssr
  cargo test -p pms
}

unset TEST_DATABASE_URL
step "tests on SQLite" run_tests

scripts/postgres.sh
export TEST_DATABASE_URL="postgres://pms_test:pms_test@127.0.0.1:5432/postgres"
step "tests on PostgreSQL" run_tests
unset TEST_DATABASE_URL

# --split: every page group is its own WASM chunk (app/src/routes.rs).
step "release build" cargo leptos build --release --split
step "precompress assets" target/release/pms assets compress
playwright() { (cd end2end && npx playwright test); }
step "Playwright journeys" playwright
# The same binary on PostgreSQL: its start-up, the smoke walk of every page of every role and
# a journey per role (admin, policy manager, relying party, device and FTM providers) and
# two-factor sign-in.
playwright_pg() {
  (cd end2end && E2E_DATABASE_URL="postgres://pms_test:pms_test@127.0.0.1:5432/postgres" \
    npx playwright test auth.spec.ts policies.spec.ts relying-party.spec.ts devices.spec.ts two-factor.spec.ts zz-smoke.spec.ts)
}
step "Playwright journeys on PostgreSQL" playwright_pg
step "MOSIP onboarder walk" scripts/mosip-compat.sh
step "first-load budget" scripts/bundle-budget.sh
