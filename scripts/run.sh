#!/usr/bin/env bash
# Builds the portal (release) and starts it on the embedded SQLite database in ./data.
# Extra arguments go to the server, e.g. scripts/run.sh --addr 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# --split: every page group is its own WASM chunk (app/src/routes.rs).
cargo leptos build --release --split
export LEPTOS_SITE_ROOT="$PWD/target/site"
target/release/pms assets compress
echo "==> To create the first partner admin from another shell:"
echo "    target/release/pms admin create --email you@example.org --role PARTNER_ADMIN"
exec target/release/pms "$@"
