#!/usr/bin/env bash
# Two portal instances on one PostgreSQL under simulated users of every role, then the checks
# the README promises of several instances. Not a CI step (minutes of load); figures go in
# docs/benchmarks.md ("Soak").
#
#   scripts/soak.sh                          # 200 users, 300 s, instance B killed at 150 s
#   USERS=50 DURATION=60 scripts/soak.sh     # a short run
#
# Checks: no error (no 5xx, no unexpected status, no request both instances failed); a
# session made on one instance works on the other; every write acknowledged before the
# kill -9 (and after) is in the database; the daily check ran once for both instances (one
# warning and one mail per expiring certificate); the key-expiry job marked each expired key
# once (one event each). Prints requests/s, p50/p99 per call and each instance's memory.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-200}
DURATION=${DURATION:-300}
KILL_AT=${KILL_AT:-$((DURATION / 2))}
EXPIRING=${EXPIRING:-10}
scripts/setup.sh test >/dev/null
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
if [ ! -x target/release/pms ] || [ ! -f target/site/pkg/__wasm_split_manifest.json ]; then
  cargo leptos build --release --split
  target/release/pms assets compress
fi
scripts/postgres.sh
command -v openssl >/dev/null

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

ADMIN_URL="postgres://pms_test:pms_test@127.0.0.1:5432/postgres"
psql -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "DROP DATABASE IF EXISTS pms_soak WITH (FORCE)" -c "CREATE DATABASE pms_soak" >/dev/null
export DATABASE_URL="postgres://pms_test:pms_test@127.0.0.1:5432/pms_soak"
sql() { psql -qtA -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "$1"; }
# One CA key for both instances (they share the signing CAs in the database).
export PMS_CA_KEY=$(head -c 32 /dev/urandom | base64)
export LEPTOS_SITE_ROOT=target/site RUST_LOG=warn
export PMS_SMTP_URL="smtp://127.0.0.1:2526" PMS_MAIL_INTERVAL_SECS=2 PMS_NOTIFY_INTERVAL_SECS=3

# Certificates: one root (AUTH and DEVICE trust stores), a leaf per relying party, and leaves
# ending in 10 days for the providers the daily check must warn.
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key -out root.pem \
  -days 3650 -subj "/O=Soak/CN=Soak Root" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > leaf.ext
leaf() { # id, days
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -subj "/O=$1 Ltd/CN=$1" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA root.pem -CAkey root.key -CAcreateserial -days "$2" \
    -sha256 -extfile leaf.ext -out "$1.pem" 2>/dev/null
}
for i in $(seq 1 "$EXPIRING"); do leaf "soak-exp-$i" 10; done
for n in $(seq 1 2 "$USERS"); do leaf "soak-rp-$n" 365; done
node -e '
  const fs = require("fs");
  const read = (f) => fs.readFileSync(f, "utf8");
  const out = { root: read("root.pem"), expiring: {}, rp: {} };
  for (const f of fs.readdirSync(".").filter((f) => f.endsWith(".pem") && f !== "root.pem")) {
    const id = f.slice(0, -4);
    (id.startsWith("soak-exp-") ? out.expiring : out.rp)[id] = read(f);
  }
  fs.writeFileSync("certs.json", JSON.stringify(out));
'
cd - >/dev/null

SINK="$WORK/mail"
/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2526 -c aiosmtpd.handlers.Mailbox "$SINK" &
PIDS+=($!)

BIN=target/release/pms
PW="correct horse battery"
echo "$PW" | $BIN admin create --email admin@soak.example.org --role PARTNER_ADMIN >/dev/null
echo "$PW" | $BIN admin create --email policy@soak.example.org --role POLICYMANAGER >/dev/null
# Keys for the expiry check (ten approved relying parties of a seeded group).
$BIN seed api-keys --count 20 --secrets-file "$WORK/keys" >/dev/null

start() { # name, port -> pid in $STARTED
  mkdir -p "$WORK/$1"
  PMS_DATA_DIR="$WORK/$1" PMS_ADDR="127.0.0.1:$2" $BIN >>"$WORK/$1.log" 2>&1 &
  STARTED=$!
  until curl -sf "http://127.0.0.1:$2/readyz" >/dev/null; do sleep 0.1; done
}

echo "==> set-up through one instance"
start setup 3400
SETUP_PID=$STARTED
SOAK_A=http://127.0.0.1:3400 SOAK_B=http://127.0.0.1:3400 MODE=setup CERTS="$WORK/certs.json" \
  OUT="$WORK/out.world" node scripts/soak/driver.mjs
kill "$SETUP_PID"; wait "$SETUP_PID" 2>/dev/null || true
# Make both jobs due again, for the two instances to start together: today's daily check
# (the certificates ending in 10 days arrived after the set-up instance ran it) and the
# seeded keys' expiry.
sql "UPDATE job_leases SET last_run_day = NULL, last_weekly = NULL, lease_until = 0" >/dev/null
NOW_MS=$(($(date +%s) * 1000))
sql "UPDATE api_keys SET valid_to = $NOW_MS - 1000 WHERE status = 'ACTIVE'" >/dev/null
EXPIRED_KEYS=$(sql "SELECT count(*) FROM api_keys WHERE valid_to < $NOW_MS AND status = 'ACTIVE'")
EVENTS_BEFORE=$(sql "SELECT count(*) FROM outbox WHERE topic = 'APIKEY_UPDATED'")

echo "==> $USERS users for $DURATION s on two instances; kill -9 of B at $KILL_AT s"
start a 3401 &
S1=$!
start b 3402 &
S2=$!
wait "$S1" "$S2"
PID_A=$(ss -ltnp "sport = :3401" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
PID_B=$(ss -ltnp "sport = :3402" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
PIDS+=("$PID_A" "$PID_B")
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
PEAK_A=0; PEAK_B=0
(
  sleep "$KILL_AT"
  kill -9 "$PID_B"
  echo "kill -9 of B at $(date +%T)"
  sleep 5
  PMS_DATA_DIR="$WORK/b" PMS_ADDR="127.0.0.1:3402" $BIN >>"$WORK/b.log" 2>&1 &
  echo "B restarted"
) &
KILLER=$!
SOAK_A=http://127.0.0.1:3401 SOAK_B=http://127.0.0.1:3402 MODE=run USERS="$USERS" DURATION="$DURATION" \
  CERTS="$WORK/certs.json" OUT="$WORK/out" ACKS="$WORK/acks" node scripts/soak/driver.mjs &
DRIVER=$!
while kill -0 "$DRIVER" 2>/dev/null; do
  a=$(rss "$PID_A"); [ "$a" -gt "$PEAK_A" ] && PEAK_A=$a
  b=$(rss "$(ss -ltnp 'sport = :3402' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)")
  [ "${b:-0}" -gt "$PEAK_B" ] && PEAK_B=$b
  sleep 2
done
FAILED=0
wait "$DRIVER" || FAILED=1
wait "$KILLER" || true
PIDS+=("$(ss -ltnp 'sport = :3402' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)")
sleep 5 # the mail sender's last pass

echo "==> checks"
check() { # description, expected, actual
  if [ "$2" = "$3" ]; then echo "ok   $1 ($3)"; else echo "FAIL $1: expected $2, got $3"; FAILED=1; fi
}
missing() { # kind, table, column -> acknowledged ids of kind not in table
  local ids
  ids=$(grep "\"kind\":\"$1\"" "$WORK/acks" | sed 's/.*"id":"\([^"]*\)".*/\1/' | sort -u)
  [ -z "$ids" ] && { echo 0; return; }
  # Thousands of ids: a file, not an argument.
  { printf "SELECT count(*) FROM %s WHERE %s IN (" "$2" "$3"; printf "'%s'," $ids | sed 's/,$//'; echo ");"; } > "$WORK/q.sql"
  echo $(( $(echo "$ids" | wc -l) - $(psql -qtA -v ON_ERROR_STOP=1 "$DATABASE_URL" -f "$WORK/q.sql") ))
}
touch "$WORK/acks"
echo "acknowledged writes: $(wc -l < "$WORK/acks")"
check "acknowledged partners all stored" 0 "$(missing partner partners id)"
check "acknowledged policy groups all stored" 0 "$(missing policy_group policy_groups id)"
check "acknowledged policies all stored" 0 "$(missing policy policies id)"
check "acknowledged SBIs all stored" 0 "$(missing sbi sbis id)"
check "acknowledged policy requests all stored" 0 "$(missing policy_request policy_requests id)"
lost_phones=0
while IFS= read -r line; do
  id=$(echo "$line" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  phone=$(echo "$line" | sed 's/.*"phone":"\([^"]*\)".*/\1/')
  # The last acknowledged phone of a partner is the stored one.
  last=$(grep "\"partner_phone\",\"id\":\"$id\"" "$WORK/acks" | tail -1 | sed 's/.*"phone":"\([^"]*\)".*/\1/')
  [ "$phone" = "$last" ] || continue
  [ "$(sql "SELECT phone FROM partners WHERE id = '$id'")" = "$phone" ] || lost_phones=$((lost_phones + 1))
done < <(grep '"kind":"partner_phone"' "$WORK/acks" || true)
check "last acknowledged profile change of each partner stored" 0 "$lost_phones"
check "one warning per expiring certificate (daily check ran once)" "$EXPIRING" "$(sql "SELECT count(*) FROM notifications WHERE account_id IN (SELECT id FROM accounts WHERE email LIKE 'soak-exp-%')")"
check "one mail per warned provider" "$EXPIRING" "$(grep -l '^To: soak-exp-' "$SINK"/new/* 2>/dev/null | wc -l)"
check "each queued mail sent once" "$(sql "SELECT count(*) FROM mail_queue WHERE status = 'SENT'")" "$(ls "$SINK/new" 2>/dev/null | wc -l)"
check "each expired key marked once (one event each)" "$EXPIRED_KEYS" "$(( $(sql "SELECT count(*) FROM outbox WHERE topic = 'APIKEY_UPDATED'") - EVENTS_BEFORE ))"
check "no key left active past its end" 0 "$(sql "SELECT count(*) FROM api_keys WHERE status = 'ACTIVE' AND valid_to < $NOW_MS")"
echo "peak RSS: A $((PEAK_A / 1024)) MB, B $((PEAK_B / 1024)) MB (B: before or after its restart)"
grep -h -i "panic" "$WORK"/*.log && { echo "FAIL a panic in an instance's log"; FAILED=1; }
exit $FAILED
