#!/usr/bin/env bash
# Walks MOSIP's partner onboarder with curl, call by call as its Postman collection makes them
# (tier A: modules print, abis and mobileid; tier B: mimoto-keybinding), against a fresh portal
# on an empty embedded database under PMS_PROFILE=mosip, then walks it again on the same
# database: every call of the second run must get the answer MOSIP gives a re-run.
# Usage: scripts/mosip-compat.sh   (PMS_BIN: the binary, default target/release/pms)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${PMS_BIN:-target/release/pms}
PORT=${MOSIP_COMPAT_PORT:-3991}
URL="http://127.0.0.1:$PORT"
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo leptos build --release --split)"; exit 1; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# MOSIP_COMPAT_PROFILE=portal shows what the portal's own rules refuse.
export PMS_DATA_DIR="$work/data" PMS_ADDR="127.0.0.1:$PORT" PMS_PROFILE="${MOSIP_COMPAT_PROFILE:-mosip}"
unset DATABASE_URL
ADMIN=admin@example.org ADMIN_PASSWORD="operator key 0123 zeta"
CLIENT=mosip-deployment-client CLIENT_SECRET="deployment-secret-$(head -c12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
KB_USER=mpartner-default-mimotokeybinding KB_PASSWORD=mimotokeybinding-kc-mockuserpassword
KB_POLICY=mpolicy-default-mimotokeybinding KB_GROUP=mpolicygroup-default-mimotokeybinding

# --- the instance: an admin (Keycloak's admin), MOSIP's deployment client, MOSIP's defaults ---
printf '%s\n' "$ADMIN_PASSWORD" | "$BIN" admin create --email "$ADMIN" --role PARTNER_ADMIN >/dev/null
printf '%s\n' "$CLIENT_SECRET" | "$BIN" client create --id "$CLIENT" --role PARTNER_ADMIN \
  --role GLOBAL_ADMIN --role ID_AUTHENTICATION --secret-stdin >/dev/null
"$BIN" seed mosip-defaults
"$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$URL/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

# --- certificates, made as MOSIP makes them (create-signing-certs.sh for tier B) ---
mkdir -p "$work/certs"
pair() { # name organisation: a self-signed CA:TRUE root and a leaf it signed (tier A's samples)
  local d="$work/certs/$1"; mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/root.key" -out "$d/root.pem" -days 1825 -sha256 \
    -subj "/C=IN/ST=KA/O=$2/CN=$2-Root" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/client.key" -out "$d/client.csr" -subj "/C=IN/ST=KA/O=$2/CN=$2" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment\n' >"$d/ext.cnf"
  openssl x509 -req -in "$d/client.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAcreateserial -days 1825 \
    -extfile "$d/ext.cnf" -out "$d/client.pem" 2>/dev/null
}
pair print IIITB; pair abis mpartner-default-abis; pair mobile residentapp-partner
kb="$work/certs/kb"; mkdir -p "$kb"
openssl genrsa -out "$kb/RootCA.key" 4096 2>/dev/null
openssl req -x509 -new -key "$kb/RootCA.key" -sha256 -days 1825 -out "$kb/RootCA.pem" \
  -subj "/C=IN/ST=Kar/L=Blr/O=IITB/CN=$KB_USER-Root" -addext "keyUsage=critical,digitalSignature,keyAgreement" \
  -addext "extendedKeyUsage=serverAuth" -addext "basicConstraints=critical,CA:true" 2>/dev/null
openssl genrsa -out "$kb/Client.key" 4096 2>/dev/null
openssl req -new -key "$kb/Client.key" -out "$kb/Client.csr" -subj "/C=IN/ST=Kar/L=Blr/O=IITB/CN=$KB_USER-Client" 2>/dev/null
printf 'basicConstraints = CA:FALSE\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer\nkeyUsage = critical, nonRepudiation, digitalSignature, keyEncipherment\n' >"$kb/v3.cnf"
openssl x509 -req -days 1825 -extfile "$kb/v3.cnf" -in "$kb/Client.csr" -CA "$kb/RootCA.pem" \
  -CAkey "$kb/RootCA.key" -CAcreateserial -out "$kb/Client.pem" 2>/dev/null

# --- helpers ---
calls=0 failures=0
json() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
# field PATH: a value of the JSON on stdin ("" when absent or not JSON, so a check reports it).
field() { python3 -c 'import json,sys
try:
    v = json.load(sys.stdin)
    for k in sys.argv[1].split("."):
        v = v[int(k)] if isinstance(v, list) else (v or {}).get(k)
except Exception:
    v = None
print("" if v is None else v)' "$1"; }
now() { date -u +%FT%T.%3NZ; }
envelope() { printf '{"id":"string","version":"string","requesttime":"%s","metadata":{},"request":%s}' "$(now)" "$1"; }
# check NAME BODY REGEX: the body must match (the onboarder's tests search the raw text).
check() {
  calls=$((calls + 1))
  if printf '%s' "$2" | grep -Eq "$3"; then echo "  ok   $1"; else
    failures=$((failures + 1)); echo "  FAIL $1: expected /$3/ in: ${2:0:400}"; fi
}
# mosip METHOD PATH BODY [TOKEN]: a PMS call with newman's two cookies (the collection's
# placeholder, then the jar's); with TOKEN, the collection's own Cookie header carries it.
mosip() {
  local cookie="Authorization={Authentication token }"
  [ -n "${4:-}" ] && cookie="Authorization=$4"
  curl -s -X "$1" "$URL$2" -b "$work/jar" -c "$work/jar" -H "Cookie: $cookie" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
kc() { # METHOD PATH BODY TOKEN: Keycloak admin, answers as "STATUS BODY"
  curl -s -o "$work/kc" -w '%{http_code}' -X "$1" "$URL$2" -H "Authorization: Bearer $4" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"}; printf ' '; cat "$work/kc"
}
login_user() {
  mosip POST /v1/authmanager/authenticate/internal/useridPwd "$(envelope "{\"userName\":\"$KB_USER\",\"password\":\"$KB_PASSWORD\",\"appId\":\"partner\",\"clientId\":\"mosip-pms-client\",\"clientSecret\":\"x\"}")" \
    | field response.token
}

tier_a() { # module partner-id cert-dir [credential-type policy]
  echo "module $1"
  rm -f "$work/jar"
  local r
  r=$(mosip POST /v1/authmanager/authenticate/clientidsecretkey "$(envelope "{\"appId\":\"ida\",\"clientId\":\"$CLIENT\",\"secretKey\":\"$CLIENT_SECRET\"}")")
  check "authenticate-as-cert-manager" "$r" "Clientid and Token combination had been validated successfully"
  r=$(mosip POST /v1/partnermanager/partners/certificate/ca/upload "$(envelope "{\"certificateData\":$(json "$(cat "$3/root.pem")"),\"partnerDomain\":\"AUTH\"}")")
  check "upload-ca-certificate" "$r" "Certificate already exists in store|Upload Success\."
  r=$(mosip POST /v1/partnermanager/partners/certificate/upload "$(envelope "{\"certificateData\":$(json "$(cat "$3/client.pem")"),\"partnerDomain\":\"AUTH\",\"partnerId\":\"$2\"}")")
  check "upload-leaf-certificate (signedCertificateData)" "$(printf '%s' "$r" | field response.signedCertificateData)" "BEGIN CERTIFICATE"
  if [ -n "${4:-}" ]; then
    r=$(mosip POST "/v1/partnermanager/partners/$2/credentialtype/$4/policies/$5" "")
    check "mapping-partner-to-policy-credential-type" "$r" "Partner, policy and credentialType mapping done successfully"
  fi
}

tier_b() { # run number: the second run expects MOSIP's "already exists" answers
  echo "module mimoto-keybinding (run $1)"
  rm -f "$work/jar"
  local r admin uid token key
  admin=$(curl -s "$URL/auth/realms/master/protocol/openid-connect/token" -d grant_type=password \
    -d client_id=admin-cli --data-urlencode "username=$ADMIN" --data-urlencode "password=$ADMIN_PASSWORD" | field access_token)
  check "login-to-keycloak-as-admin" "$admin" "^ey"
  r=$(kc POST /auth/admin/realms/mosip/users "{\"username\":\"$KB_USER\",\"firstName\":\"Chaya\",\"lastName\":\"Rempel\",\"email\":\"chaya$1@example.com\",\"enabled\":true,\"credentials\":[{\"temporary\":false,\"type\":\"password\",\"value\":\"$KB_PASSWORD\"}]}" "$admin")
  check "create-user" "$r" "^201"
  uid=$(kc GET "/auth/admin/realms/mosip/users?username=$KB_USER" "" "$admin" | cut -d' ' -f2- | field 0.id)
  check "get-user-details" "$uid" "^[0-9a-f-]{36}$"
  r=$(kc GET /auth/admin/realms/mosip/roles "" "$admin")
  check "get-role-id-for-all-roles" "$r" '"name":"AUTH_PARTNER"'
  r=$(kc POST "/auth/admin/realms/mosip/users/$uid/role-mappings/realm" '[{"id":"PARTNER_ADMIN","name":"PARTNER_ADMIN"},{"id":"AUTH_PARTNER","name":"AUTH_PARTNER"}]' "$admin")
  check "assign-role-to-user" "$r" "^204"
  token=$(login_user)
  check "authenticate-as-policy-manager" "$token" "^ey"
  r=$(mosip POST /v1/policymanager/policies/group/new "$(envelope "{\"desc\":\"PolicyGroup\",\"name\":\"$KB_GROUP\"}")" "$token")
  local gid pid
  gid=$(printf '%s' "$r" | field response.id)
  [ "$1" = 1 ] && check "create-policy-group" "$gid" "." || check "create-policy-group (re-run)" "$r" "PMS_POL_014"
  r=$(mosip POST /v1/policymanager/policies "$(sed "s/{{policy-name}}/$KB_POLICY/g; s/{{policy-group-name}}/$KB_GROUP/g; s/{{\$isoTimestamp}}/$(now)/" scripts/mosip/keybinding-policy.json)" "$token")
  pid=$(printf '%s' "$r" | field response.id)
  if [ "$1" = 1 ]; then
    check "create-policy" "$(printf '%s' "$r" | field response.name)" "^$KB_POLICY$"
    r=$(mosip POST "/v1/policymanager/policies/$pid/group/$gid/publish" "" "$token")
    check "publish-policy-and-policy-group" "$r" '"status":"PUBLISHED"'
  else
    check "create-policy (re-run)" "$r" "PMS_POL_009"
  fi
  r=$(mosip POST /v1/partnermanager/partners "$(envelope "{\"address\":\"85608 Kathlyn Valleys\",\"contactNumber\":\"344-535-8262\",\"emailId\":\"Chaya.Rempel2$1@hotmail.com\",\"organizationName\":\"IITB\",\"partnerId\":\"$KB_USER\",\"partnerType\":\"Auth_Partner\",\"policyGroup\":\"$KB_GROUP\"}")" "$token")
  [ "$1" = 1 ] && check "partner-self-registration" "$r" '"status":"InProgress"' || check "partner-self-registration (re-run)" "$r" "PMS_PRT_051"
  token=$(login_user)
  r=$(mosip POST /v1/partnermanager/partners/certificate/ca/upload "$(envelope "{\"certificateData\":$(json "$(cat "$kb/RootCA.pem")"),\"partnerDomain\":\"Auth\"}")" "$token")
  check "upload-ca-certificate" "$r" "Certificate already exists in store|Upload Success\."
  r=$(mosip POST /v1/partnermanager/partners/certificate/upload "$(envelope "{\"certificateData\":$(json "$(cat "$kb/Client.pem")"),\"partnerDomain\":\"Auth\",\"partnerId\":\"$KB_USER\"}")" "$token")
  check "upload-leaf-certificate (signedCertificateData)" "$(printf '%s' "$r" | field response.signedCertificateData)" "BEGIN CERTIFICATE"
  r=$(mosip POST "/v1/partnermanager/partners/$KB_USER/policy/map" "$(envelope "{\"policyName\":\"$KB_POLICY\",\"useCaseDescription\":\"mapping partner to policy name\"}")" "$token")
  key=$(printf '%s' "$r" | field response.mappingkey)
  if [ "$1" = 1 ]; then
    check "partner_request_mapping_to_policyname" "$key" "."
    r=$(mosip PUT "/v1/partnermanager/partners/policy/$key" "$(envelope '{"status":"Approved"}')" "$token")
    check "approve-partner-mapping-to-policy" "$r" "Policy mapping approved successfully"
  else
    check "partner_request_mapping_to_policyname (re-run)" "$r" "PMS_PRT_060"
  fi
  token=$(login_user)
  r=$(mosip PATCH "/v1/partnermanager/partners/$KB_USER/generate/apikey" "$(envelope "{\"policyName\":\"$KB_POLICY\",\"label\":\"$uid\"}")" "$token")
  check "request-for-partner-apikey" "$(printf '%s' "$r" | field response.apiKey)" "^.{20,}$"
  r=$(kc DELETE "/auth/admin/realms/mosip/users/$uid" "" "$admin")
  check "delete-user" "$r" "^204"
}

for run in 1 2; do
  echo "== run $run"
  tier_a print mpartner-default-print "$work/certs/print"
  tier_a abis mpartner-default-abis "$work/certs/abis"
  tier_a mobileid mpartner-default-mobile "$work/certs/mobile" vercred mpolicy-default-mobile
  tier_b "$run"
done
echo "$calls checks, $failures failed"
[ "$failures" = 0 ]
