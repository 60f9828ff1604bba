#!/usr/bin/env bash
# Partners list under load, through the real server (release build), with N seeded partners.
#   N=100000 scripts/bench-partners.sh            # embedded SQLite in a temp directory
#   DATABASE_URL=postgres://... scripts/bench-partners.sh   # an EMPTY PostgreSQL database
# Prints seeding time, then wrk figures (p50/p99, requests/s) at 64 connections for each view.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
N=${N:-100000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-15s}
BIN=target/release/pms
PORT=3301
DATA=$(mktemp -d)
PID=
trap 'test -n "$PID" && kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role PARTNER_ADMIN >/dev/null
echo "## Seeding $N partners (${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite})"
start=$(date +%s%N)
$BIN seed partners --count "$N" | tail -1
echo "seeded in $(( ($(date +%s%N) - start) / 1000000 )) ms"

$BIN >/dev/null 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
COOKIE=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "http://127.0.0.1:$PORT/api/login" | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')

run() { # name, body
  cat > "$DATA/list.lua" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$COOKIE"
LUA
  # One request first: show how many rows matched, and fail loudly if the call is refused.
  local total
  total=$(curl -sf -H "Content-Type: application/x-www-form-urlencoded" -H "Cookie: $COOKIE" -d "$2" "http://127.0.0.1:$PORT/api/partners" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
  echo "### $1 (matches: $total)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/list.lua" "http://127.0.0.1:$PORT/api/partners" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}
# The baseline of the same run: the cheapest signed-in call (the session resolved, one row).
cat > "$DATA/me.lua" <<LUA
wrk.method = "POST"
wrk.headers["Cookie"] = "$COOKIE"
LUA
echo "## baseline: /api/me, wrk -t2 -c$CONNS -d$DURATION"
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/me.lua" "http://127.0.0.1:$PORT/api/me" \
  | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
echo "## /api/partners, wrk -t2 -c$CONNS -d$DURATION"
run "status + type filter, newest first, 50 rows, page 3" "query[status]=APPROVED&query[partner_type]=Auth_Partner&query[sort]=-created&query[page_size]=50&query[page]=3"
run "status filter, by organisation, 50 rows" "query[status]=PENDING&query[sort]=organisation&query[page_size]=50"
run "all partners, by id, 50 rows, page 100" "query[sort]=id&query[page_size]=50&query[page]=100"
run "free text on id/organisation/email, 50 rows" "query[q]=nimbus&query[page_size]=50"

echo "## MOSIP's GET /v1/partnermanager/admin-partners next to the same query through the server function"
TOKEN=$(curl -s -H 'Content-Type: application/json' \
  -d '{"id":"","version":"1.0","request":{"userName":"bench@example.org","password":"correct horse battery"}}' \
  "http://127.0.0.1:$PORT/v1/authmanager/authenticate/internal/useridPwd" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["response"]["token"])')
cat > "$DATA/mosip.lua" <<LUA
wrk.headers["Cookie"] = "Authorization=$TOKEN"
LUA
mosip() { # name, query
  local total
  total=$(curl -sf -H "Cookie: Authorization=$TOKEN" "http://127.0.0.1:$PORT/v1/partnermanager/admin-partners?$2" | sed -n 's/.*"totalResults":\([0-9]*\).*/\1/p')
  echo "### $1 (matches: $total)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/mosip.lua" "http://127.0.0.1:$PORT/v1/partnermanager/admin-partners?$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}
mosip "admin-partners: active, newest first, 50 rows, page 3" "isActive=true&sortFieldName=createdDateTime&sortType=desc&pageSize=50&pageNo=2"
run "server function: the same query" "query[active]=true&query[sort]=-created&query[page_size]=50&query[page]=3"
mosip "admin-partners: orgName contains, by partnerId, 50 rows" "orgName=nimbus&sortFieldName=partnerId&sortType=asc&pageSize=50"
run "server function: the same query" "query[organisation_contains]=nimbus&query[sort]=id&query[page_size]=50"

echo "## Server-rendered page GET /admin/partners?status=APPROVED&type=Auth_Partner&size=50"
cat > "$DATA/page.lua" <<LUA
wrk.headers["Cookie"] = "$COOKIE"
wrk.headers["Accept"] = "text/html"
LUA
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/page.lua" "http://127.0.0.1:$PORT/admin/partners?status=APPROVED&type=Auth_Partner&size=50" \
  | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
echo "## Memory after load: $(awk '/^(VmRSS|RssAnon|RssFile)/ {printf "%s %s %s  ", $1, $2, $3}' /proc/$PID/status)"
echo "(RssFile includes the memory-mapped database: shared page cache, not heap.)"
