#!/usr/bin/env bash
# Triage inbox and admin dashboard under load, through the real server (release build).
#   scripts/bench-triage.sh                              # embedded SQLite in a temp directory
#   DATABASE_URL=postgres://... scripts/bench-triage.sh  # an EMPTY PostgreSQL database
# Seeds 50,000 partners (a fifth pending: about 10,000 inbox items) and measures the inbox,
# then seeds 50,000 more and measures the dashboard at 100,000 partners. wrk, 64 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
CONNS=${CONNS:-64}
DURATION=${DURATION:-15s}
BIN=target/release/pms
PORT=3302
DATA=$(mktemp -d)
PID=
trap 'test -n "$PID" && kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role PARTNER_ADMIN >/dev/null

seed() {
  local start
  start=$(date +%s%N)
  $BIN seed partners --count "$1" | tail -1
  echo "seeded $1 partners in $(( ($(date +%s%N) - start) / 1000000 )) ms"
}
start_server() {
  $BIN >/dev/null 2>&1 &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.05; done
  COOKIE=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "http://127.0.0.1:$PORT/api/login" | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')
}
stop_server() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
post() { # name, path, body
  cat > "$DATA/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "$3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$COOKIE"
LUA
  local total
  total=$(curl -sf -H "Content-Type: application/x-www-form-urlencoded" -H "Cookie: $COOKIE" -d "$3" "http://127.0.0.1:$PORT$2" | grep -o '"total":[0-9]*' | head -1 || true)
  echo "### $1 ($total)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/post.lua" "http://127.0.0.1:$PORT$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}
page() { # name, path
  cat > "$DATA/page.lua" <<LUA
wrk.headers["Cookie"] = "$COOKIE"
wrk.headers["Accept"] = "text/html"
LUA
  echo "### $1"
  curl -sf -o /dev/null -H "Cookie: $COOKIE" -H "Accept: text/html" -w "single request: %{time_total}s, %{size_download} bytes\n" "http://127.0.0.1:$PORT$2"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/page.lua" "http://127.0.0.1:$PORT$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
}

echo "## Inbox: 50,000 partners (${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite})"
seed 50000
start_server
post "inbox first page, oldest first, 25 rows" /api/inbox/list "query[page_size]=25"
post "inbox first page, newest first, 25 rows" /api/inbox/list "query[sort]=newest&query[page_size]=25"
post "inbox, one partner type, waiting 30+ days" /api/inbox/list "query[partner_type]=Device_Provider&query[min_age_days]=30&query[page_size]=25"
post "inbox page 20" /api/inbox/list "query[page]=20&query[page_size]=25"
page "server-rendered /admin/inbox" /admin/inbox
stop_server

echo "## Dashboard: 100,000 partners"
seed 50000
start_server
post "admin dashboard data" /api/dashboard/admin ""
page "server-rendered dashboard /" /
echo "## Memory after load: $(awk '/^(VmRSS)/ {printf "%s %s %s", $1, $2, $3}' /proc/$PID/status)"
