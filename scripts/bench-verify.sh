#!/usr/bin/env bash
# The API key verification endpoint under load, next to a bare axum handler in the same run.
#   scripts/bench-verify.sh                        # embedded SQLite in a temp directory
#   DATABASE_URL=postgres://... scripts/bench-verify.sh   # an EMPTY PostgreSQL database
# Seeds KEYS live API keys (default 100,000) with `pms seed api-keys`, issues a service token,
# then runs wrk with CONNS connections (default 64) presenting a random seeded key per request.
# The bare handler parses the same JSON body and answers a fixed JSON (no middleware, no DB):
# the ratio of the two is the figure that travels between machines.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
KEYS=${KEYS:-100000}
CONNS=${CONNS:-64}
DURATION=${DURATION:-20s}
BIN=target/release/pms
[ -x "$BIN" ] || cargo leptos build --release --split
cargo build --release -q -p bare-axum
PORT=3304
BARE_PORT=3311
DATA=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$DATA"' EXIT
export PMS_DATA_DIR=$DATA LEPTOS_SITE_ROOT=target/site PMS_ADDR=127.0.0.1:$PORT RUST_LOG=warn
echo "correct horse battery" | $BIN admin create --email bench@example.org --role PARTNER_ADMIN >/dev/null
$BIN seed api-keys --count "$KEYS" --secrets-file "$DATA/keys.txt"
$BIN >/dev/null 2>&1 &
PIDS+=($!)
target/release/bare-axum 127.0.0.1:$BARE_PORT &
PIDS+=($!)
URL=http://127.0.0.1:$PORT
until curl -sf "$URL/readyz" >/dev/null; do sleep 0.05; done
until curl -s -o /dev/null "http://127.0.0.1:$BARE_PORT/"; do sleep 0.05; done
cookie() { tr -d '\r' | sed -n 's/^set-cookie: \([^;]*\).*/\1/Ip'; }
ADMIN=$(curl -s -i -d "email=bench@example.org&password=correct+horse+battery" "$URL/api/login" | cookie)
TOKEN=$(curl -sf -H "Cookie: $ADMIN" -d "name=bench" "$URL/api/service-tokens/issue" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
cat > "$DATA/req.lua" <<LUA
local keys = {}
for line in io.lines("$DATA/keys.txt") do keys[#keys + 1] = line end
math.randomseed(os.time())
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer $TOKEN" }
request = function()
  local k = keys[math.random(#keys)]
  return wrk.format("POST", "/api/v1/apikeys/verify", headers, '{"apiKey":"' .. k .. '"}')
end
LUA
FIRST=$(head -1 "$DATA/keys.txt")
check=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"apiKey\":\"$FIRST\"}" "$URL/api/v1/apikeys/verify" | head -c 80)
echo "## $KEYS keys, wrk -t2 -c$CONNS -d$DURATION (${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite}); sample answer: $check…"
for target in "portal $URL" "bare-axum http://127.0.0.1:$BARE_PORT"; do
  set -- $target
  echo "### $1"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$DATA/req.lua" "$2" \
    | grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors"
done
