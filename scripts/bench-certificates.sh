#!/usr/bin/env bash
# Certificate checks and uploads under load, through the real server (release build).
#   scripts/bench-certificates.sh                       # embedded SQLite in a temp directory
#   DATABASE_URL=postgres://... scripts/bench-certificates.sh   # an EMPTY PostgreSQL database
# A partner admin stores the DEVICE root and intermediate of end2end/tests/fixtures/certs; a
# device provider of the matching organisation then checks (validation only) and uploads
# (validation, re-signing, history, audit and event, committed) its certificate under wrk.
# In-process figures without HTTP: cargo bench -p domain --features server --bench certificates
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
CONNS=${CONNS:-16}
DURATION=${DURATION:-15s}
BIN=target/release/pms
PORT=3303
DATA=$(mktemp -d)
PID=
trap 'test -n "$PID" && kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role PARTNER_ADMIN >/dev/null
$BIN >/dev/null 2>&1 &
PID=$!
URL=http://127.0.0.1:$PORT
until curl -sf "$URL/readyz" >/dev/null; do sleep 0.05; done
cookie() { tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip'; }
enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read(), safe=""))' "$1"; }
FIX=end2end/tests/fixtures/certs
ADMIN=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "$URL/api/login" | cookie)
for f in root intermediate; do
  curl -sf -o /dev/null -H "Cookie: $ADMIN" -d "domain=DEVICE&content=$(enc $FIX/$f.pem)" "$URL/api/certificates/ca/upload"
done
PARTNER=$(curl -s -i -d "email=lumen%40example.org&password=correct+horse+battery&confirm_password=correct+horse+battery&partner_id=lumen&organisation=Lumen+Devices+Ltd&partner_type=Device_Provider&phone=%2B91+80+1234&address=1+Main+St&language=eng" "$URL/api/partners/sign_up" | cookie)
BODY="content=$(enc $FIX/partner.pem)"

run() { # name, path
  cat > "$DATA/req.lua" <<LUA
wrk.method = "POST"
wrk.body = "$BODY"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$PARTNER"
LUA
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $PARTNER" -d "$BODY" "$URL$2")
  echo "### $1 ($2 answers $code)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/req.lua" "$URL$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}
echo "## wrk -t2 -c$CONNS -d$DURATION (${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite})"
run "check a partner certificate (parse, checks, trust store, webpki chain)" /api/certificates/mine/check
run "upload (renew) a partner certificate: validate, re-sign, store, audit, event" /api/certificates/mine/upload
