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
# Single sign-on against a real OpenID provider (the certified npm oidc-provider, see
# end2end/oidc/provider.mjs) on 127.0.0.1:3130, ended with the portal like the sink; one
# started by an earlier run is ended first (by the pid it left).
OIDC_PID="end2end/.tmp/oidc.pid"
if [ -f "$OIDC_PID" ] && ps -p "$(cat "$OIDC_PID")" -o args= 2>/dev/null | grep -q oidc/provider.mjs; then
  kill "$(cat "$OIDC_PID")"
fi
node end2end/oidc/provider.mjs >"$DATA/oidc.log" 2>&1 &
OIDC=$!
echo "$OIDC" >"$OIDC_PID"
( while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$OIDC" 2>/dev/null ) >/dev/null 2>&1 </dev/null &
export PMS_SSO_ISSUER="http://127.0.0.1:3130" PMS_SSO_CLIENT_ID="pms-portal" \
  PMS_SSO_CLIENT_SECRET="e2e-portal-secret-not-for-production" PMS_SSO_BUTTON="Sign in with Test ID" \
  PMS_SSO_ROLE_MAP="PARTNER_ADMIN=pms-admin,POLICYMANAGER=pms-policy"
# A second portal on :3101 where operators must use single sign-on (their passwords are
# refused), on its own SQLite database, with the SSO admin holding a password there.
(
  unset DATABASE_URL
  export PMS_DATA_DIR="$DATA/sso-only" PMS_ADDR="127.0.0.1:3101" PMS_SSO_REQUIRED_FOR_OPERATORS=true
  unset PMS_SMTP_URL
  mkdir -p "$PMS_DATA_DIR"
  create sso-admin@example.org PARTNER_ADMIN "Sunny Single"
  exec target/release/pms >"$DATA/sso-only.log" 2>&1
) &
SSO_ONLY=$!
( while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$SSO_ONLY" 2>/dev/null ) >/dev/null 2>&1 </dev/null &
exec target/release/pms
