#!/usr/bin/env bash
# Starts the release build on a fresh database with the accounts the journeys sign in with.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="end2end/.tmp/data"
rm -rf "$DATA"
mkdir -p "$DATA"
export PMS_DATA_DIR="$DATA" LEPTOS_SITE_ROOT="target/site" PMS_ADDR="127.0.0.1:3100"
# The events journey subscribes a receiver on this machine and waits for a dead letter.
export PMS_WEBSUB_ALLOW_HOSTS="127.0.0.1" PMS_EVENT_RETRY_SECS=6
# Journeys must not depend on whatever DATABASE_URL the shell has. E2E_DATABASE_URL (a
# PostgreSQL server's maintenance database) runs them on a fresh PostgreSQL database instead.
unset DATABASE_URL
if [ -n "${E2E_DATABASE_URL:-}" ]; then
  psql -q -v ON_ERROR_STOP=1 "$E2E_DATABASE_URL" \
    -c "DROP DATABASE IF EXISTS pms_e2e WITH (FORCE)" -c "CREATE DATABASE pms_e2e" >/dev/null
  export DATABASE_URL="${E2E_DATABASE_URL%/*}/pms_e2e"
fi
PW="correct horse battery"
create() { echo "$PW" | target/release/pms admin create --email "$1" --role "$2" --name "$3" >/dev/null; }
create admin@example.org PARTNER_ADMIN "Ada Admin"
create policy@example.org POLICYMANAGER "Pat Policy"
create partner@example.org AUTH_PARTNER "Rita Relying"
create locked@example.org POLICYMANAGER "Lou Locked"
exec target/release/pms
