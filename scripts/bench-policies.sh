#!/usr/bin/env bash
# Policies under load, through the real server (release build), with N seeded policies.
#   N=20000 scripts/bench-policies.sh            # embedded SQLite in a temp directory
#   DATABASE_URL=postgres://... scripts/bench-policies.sh   # an EMPTY PostgreSQL database
# Prints seeding time, then wrk figures (p50/p99, requests/s) for the list views, the
# editor's live schema check, and the server-rendered list page.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
N=${N:-20000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-15s}
BIN=target/release/pms
PORT=3302
DATA=$(mktemp -d)
PID=
trap 'test -n "$PID" && kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role POLICYMANAGER >/dev/null
echo "## Seeding $N policies (${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite})"
$BIN seed policies --count "$N" | tail -1

$BIN >/dev/null 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
COOKIE=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "http://127.0.0.1:$PORT/api/login" | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')
GROUP=$(curl -sf -H "Cookie: $COOKIE" -d "query[q]=seed-policies-7&query[page_size]=1" "http://127.0.0.1:$PORT/api/policy_groups" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')

run() { # name, path, body
  cat > "$DATA/req.lua" <<LUA
wrk.method = "POST"
wrk.body = "$3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$COOKIE"
LUA
  # One request first, so a refused call fails loudly instead of being measured.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: application/x-www-form-urlencoded" -H "Cookie: $COOKIE" -d "$3" "http://127.0.0.1:$PORT$2")
  echo "### $1 ($2 answers $code)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/req.lua" "http://127.0.0.1:$PORT$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}
echo "## wrk -t2 -c$CONNS -d$DURATION"
run "policies: status + type, newest first, 50 rows, page 3" /api/policies "query[status]=PUBLISHED&query[policy_type]=Auth&query[sort]=-updated&query[page_size]=50&query[page]=3"
run "policies: one group, by name, 50 rows" /api/policies "query[group]=$GROUP&query[sort]=name&query[page_size]=50"
run "policies: all, by name, 50 rows, page 100" /api/policies "query[sort]=name&query[page_size]=50&query[page]=100"
run "policies: name contains, 50 rows" /api/policies "query[q]=kyc+policy+1&query[page_size]=50"
run "policy groups with counts, 50 rows" /api/policy_groups "query[page_size]=50"
DOC=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps(json.load(open("domain/tests/fixtures/mosip/policies/datashare-digitalcard.json")))))' 2>/dev/null || echo "")
test -n "$DOC" || DOC=$(sed 's/%/%25/g; s/&/%26/g; s/+/%2B/g; s/ /+/g' domain/tests/fixtures/mosip/policies/auth-full.json | tr -d '\n')
run "live schema check of a reference data-share policy" /api/policies/validate "policy_type=DataShare&document=$DOC"

echo "## Server-rendered page GET /policies?status=PUBLISHED&type=Auth&size=50"
cat > "$DATA/page.lua" <<LUA
wrk.headers["Cookie"] = "$COOKIE"
wrk.headers["Accept"] = "text/html"
LUA
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/page.lua" "http://127.0.0.1:$PORT/policies?status=PUBLISHED&type=Auth&size=50" \
  | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
