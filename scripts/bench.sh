#!/usr/bin/env bash
# Measures the figures recorded in docs/benchmarks.md against the release build:
# bundle sizes, first-load bytes of the dashboard, start-up to ready, idle RSS, and
# requests/s for sign-in and for an authenticated call. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v brotli >/dev/null || { apt-get update -qq && apt-get install -y -qq brotli >/dev/null; }
BIN=target/release/pms
PORT=3300
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role PARTNER_ADMIN >/dev/null

echo "## Bundle (target/site/pkg)"
for f in pms.wasm pms.js pms.css; do
  p=target/site/pkg/$f
  printf "%-9s raw %8d  gzip %8d  brotli %8d\n" "$f" "$(stat -c%s "$p")" "$(gzip -9c "$p" | wc -c)" "$(brotli -c -q 11 "$p" | wc -c)"
done

start=$(date +%s%N)
$BIN >/dev/null 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do sleep 0.005; done
echo "## Start-up to ready (fresh database, migrations applied): $(( ($(date +%s%N) - start) / 1000000 )) ms"

COOKIE=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "http://127.0.0.1:$PORT/api/login" | tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip')
echo "## First load of the dashboard, as sent (brotli where the browser accepts it)"
total=0
for path in / /pkg/pms.css /pkg/pms.js /pkg/pms.wasm; do
  n=$(curl -s -H "Accept: text/html" -H "Accept-Encoding: br" -H "Cookie: $COOKIE" -o - "http://127.0.0.1:$PORT$path" | wc -c)
  printf "%-14s %8d bytes\n" "$path" "$n"
  total=$((total + n))
done
echo "total          $total bytes"

sleep 1
echo "## RSS idle: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"

cat > "$DATA/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "email=bench@example.org&password=correct+horse+battery"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA
echo "## Sign-in (argon2id verify + session insert + audit row), wrk -t2 -c8 -d10s"
wrk -t2 -c8 -d10s -s "$DATA/login.lua" "http://127.0.0.1:$PORT/api/login" | grep -E "Requests/sec|Latency|Non-2xx"
cat > "$DATA/me.lua" <<LUA
wrk.method = "POST"
wrk.headers["Cookie"] = "$COOKIE"
LUA
echo "## Authenticated call /api/me (session lookup), wrk -t2 -c32 -d10s"
wrk -t2 -c32 -d10s -s "$DATA/me.lua" "http://127.0.0.1:$PORT/api/me" | grep -E "Requests/sec|Latency|Non-2xx"
echo "## RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
