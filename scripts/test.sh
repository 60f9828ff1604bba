#!/usr/bin/env bash
# Runs every check: format, lints, domain and router tests on SQLite and on PostgreSQL,
# then the Playwright journeys against a fresh release build and a fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# A one-off run gains nothing from incremental caches, which would double target/'s size.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> clippy (server side, browser side)"
# Packages one at a time: building the workspace together would unify `ssr` and `hydrate`.
cargo clippy -p domain --features server --all-targets -- -D warnings
cargo clippy -p pms --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

run_tests() {
  cargo test -p domain --features server
  cargo test -p app --features ssr
  cargo test -p pms
}

echo "==> tests on SQLite"
unset TEST_DATABASE_URL
run_tests

echo "==> tests on PostgreSQL"
scripts/postgres.sh
export TEST_DATABASE_URL="postgres://pms_test:pms_test@127.0.0.1:5432/postgres"
run_tests
unset TEST_DATABASE_URL

echo "==> release build and Playwright journeys"
cargo leptos build --release
(cd end2end && npx playwright test)
