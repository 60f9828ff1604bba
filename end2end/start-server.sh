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
create reset@example.org POLICYMANAGER "Remy Reset"
create twofa@example.org POLICYMANAGER "Toni Twofactor"
# Mail goes to a real SMTP server on this machine writing a maildir the journeys read (the
# password-reset link). It lives as long as the portal: exec keeps this shell's pid, and a
# watchdog ends the sink when that pid is gone. A sink left by an earlier run is ended first.
pkill -f "aiosmtpd -n -l 127.0.0.1:3125" 2>/dev/null || true
/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:3125 -c aiosmtpd.handlers.Mailbox "$DATA/mail" >/dev/null 2>&1 &
SINK=$!
( while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$SINK" 2>/dev/null ) >/dev/null 2>&1 </dev/null &
export PMS_SMTP_URL="smtp://127.0.0.1:3125" PMS_MAIL_INTERVAL_SECS=1
exec target/release/pms
