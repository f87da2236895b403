#!/usr/bin/env bash
# Device enrollment with TPM attestation (docs/device-attestation.md) end to end, on loopback, without a TPM:
# a software TPM (swtpm) manufactured by swtpm_setup with a throwaway manufacturer CA (its EK certificate in
# NV); tests/device/make_ak.sh, the attestation CA's side: the EK certificate checked against that CA, an AK,
# make/activate credential proving the AK is in the same TPM, and the AK certificate naming the device
# SN-0042; then `anvil device enroll` against anvil-ca, which trusts the attestation CA:
#   - with the MDM's enrollment token (an EAB key bound to SN-0042): a certificate whose key is in the TPM and
#     whose subjectAltName is the PermanentIdentifier SN-0042, chaining to anvil-ca's root; renewed with the
#     same TPM key and a fresh attestation; the privacy-preserving mode (no device name);
#   - refused, each with its problem: no token and no MDM check (unauthorized), the token of another device
#     (unauthorized), a device the attestation does not name (badAttestationStatement), the MDM webhook saying
#     no (unauthorized, with its reason), an AK certificate from a CA anvil-ca does not trust
#     (badAttestationStatement);
#   - the evidence in the audit trail.
# Usage: device_tpm.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-device-XXXXXX)
source "$HERE/lib.sh"

for tool in swtpm swtpm_setup swtpm_localca tpm2_createak sqlite3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps)"
done
# The provider itself needs a TPM to load: look for its module.
MODULES=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
[ -f "$MODULES/tpm2.so" ] || fail "OpenSSL's tpm2 provider is not installed (tpm2-openssl)"

step "a software TPM, manufactured with an EK certificate from a throwaway manufacturer CA"
TPM_DIR="$WORK/tpm"
mkdir -p "$TPM_DIR/state" "$TPM_DIR/localca"
cat >"$TPM_DIR/swtpm_setup.conf" <<EOF
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $TPM_DIR/swtpm-localca.conf
create_certs_tool_options = $TPM_DIR/swtpm-localca.options
active_pcr_banks = sha256
EOF
cat >"$TPM_DIR/swtpm-localca.conf" <<EOF
statedir = $TPM_DIR/localca
signingkey = $TPM_DIR/localca/signkey.pem
issuercert = $TPM_DIR/localca/issuercert.pem
certserial = $TPM_DIR/localca/certserial
EOF
printf -- '--platform-manufacturer Anvil\n--platform-version 2.1\n--platform-model test\n' >"$TPM_DIR/swtpm-localca.options"
swtpm_setup --tpm2 --tpmstate "$TPM_DIR/state" --create-ek-cert --create-platform-cert --config "$TPM_DIR/swtpm_setup.conf" \
  --pcr-banks sha256 --logfile "$WORK/swtpm_setup.log" >/dev/null
# swtpm's TCTI finds the control channel on the TPM's port + 1.
for _ in $(seq 20); do
  TPM_PORT=$(free_port)
  CTRL_PORT=$((TPM_PORT + 1))
  if python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$CTRL_PORT" 2>/dev/null; then
    break
  fi
done
swtpm socket --tpm2 --server "type=tcp,port=$TPM_PORT,bindaddr=127.0.0.1" --ctrl "type=tcp,port=$CTRL_PORT,bindaddr=127.0.0.1" \
  --tpmstate "dir=$TPM_DIR/state" --flags not-need-init,startup-clear >"$WORK/swtpm.log" 2>&1 &
PIDS+=($!)
TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT"
wait_for "swtpm" 20 python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()" "$TPM_PORT"

step "the attestation CA: EK certificate checked, AK proven in the same TPM, AK certificate for SN-0042"
cat "$TPM_DIR/localca/swtpm-localca-rootca-cert.pem" "$TPM_DIR/localca/issuercert.pem" >"$WORK/manufacturer-ca.pem"
"$HERE/../device/make_ak.sh" "$TCTI" "$WORK/ak" --identifier SN-0042 --ek-ca "$WORK/manufacturer-ca.pem"
openssl x509 -in "$WORK/ak/ak.pem" -noout -ext subjectAltName,extendedKeyUsage

step "anvil-ca enrolling devices with an EAB key bound to each (no MDM check)"
DNS_PORT=$(free_port)
DEVICE_TOML="[device_attestation]
enabled = true
tpm_roots = \"$WORK/ak/attestation-ca.pem\""
start_anvil_ca "$ANVIL_CA" "$DEVICE_TOML"
CONFIG=(--config "$WORK/anvil-ca.toml")

# field KEY: the member KEY of the JSON object on stdin.
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# token DEVICE: an EAB key bound to DEVICE; sets KID and HMAC.
token() {
  local json
  json=$("$ANVIL_CA" eab create "${CONFIG[@]}" --device "$1" --label "MDM token for $1" --json)
  KID=$(field kid <<<"$json")
  HMAC=$(field hmac_key <<<"$json")
  [ "$(field device <<<"$json")" = "$1" ] || fail "the EAB key does not name its device: $json"
}
# enroll NAME IDENTIFIER [ARGS...]: anvil device enroll with this TPM, its own account key and output files.
enroll() {
  local name=$1 identifier=$2
  shift 2
  "$ANVIL_BIN" --state-dir "$WORK/state-$name" device enroll --server "$DIRECTORY" --ca-bundle "$ROOT_PEM" \
    --identifier "$identifier" --tpm-tcti "$TCTI" --ak-cert "$WORK/ak/ak.pem" --account-key "$WORK/$name.account.pem" \
    --cert-out "$WORK/$name.pem" --key-ref-out "$WORK/$name.keyref" "$@"
}
# refused NAME IDENTIFIER TYPE DETAIL [ARGS...]: the enrollment fails with problem TYPE whose detail holds DETAIL.
refused() {
  local name=$1 identifier=$2 type=$3 detail=$4
  shift 4
  if enroll "$name" "$identifier" "$@" >"$WORK/refused.out" 2>&1; then
    fail "$name: enrolled $identifier, which should have been refused"
  fi
  grep -F "error: $type" "$WORK/refused.out" >/dev/null || { cat "$WORK/refused.out"; fail "$name: not $type"; }
  grep -F -- "$detail" "$WORK/refused.out" >/dev/null || { cat "$WORK/refused.out"; fail "$name: the detail lacks: $detail"; }
  echo "refused as expected: $name ($type: $detail)"
}
# device_names CERT: the certificate's subjectAltName otherNames, as "type=value" lines (Python's asn1 walk
# would need a library: openssl asn1parse of the extension is read instead).
san_text() { openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null || true; }
tpm_public_key() {  # the public key of the TPM-resident key the key reference names
  (
    # shellcheck disable=SC1090
    . "$1"
    TPM2OPENSSL_TCTI="$TCTI" openssl pkey -provider tpm2 -provider default -in "$ANVIL_KEY_URI" -pubout
  )
}

step "no token, no MDM check: refused"
refused nobody permanent-identifier:SN-0042 unauthorized "has neither"

step "enrolled with the MDM's token for SN-0042"
token permanent-identifier:SN-0042
enroll laptop permanent-identifier:SN-0042 --eab-kid "$KID" --eab-hmac-key "$HMAC"
verify_chain "$WORK/laptop.pem" "$WORK/laptop.pem"
grep -q "^ANVIL_KEY_URI='handle:0x81000010'" "$WORK/laptop.keyref" || fail "the key reference does not name the TPM handle"
[ "$(openssl x509 -in "$WORK/laptop.pem" -noout -pubkey)" = "$(tpm_public_key "$WORK/laptop.keyref")" ] ||
  fail "the certificate's key is not the TPM's key"
san_text "$WORK/laptop.pem" | grep -q "othername: Permanent Identifier::" || fail "no PermanentIdentifier in the SAN"
# The otherName's value, octet for octet: the SAN extension's DER holds UTF8String "SN-0042".
openssl x509 -in "$WORK/laptop.pem" -outform DER | python3 -c '
import sys
der = sys.stdin.buffer.read()
assert b"\x06\x08\x2b\x06\x01\x05\x05\x07\x08\x03" in der, "id-on-permanentIdentifier missing"
assert b"\x0c\x07SN-0042" in der, "identifierValue SN-0042 missing"
'
openssl x509 -in "$WORK/laptop.pem" -noout -ext extendedKeyUsage | grep -q "TLS Web Client Authentication" ||
  fail "the device certificate is not for client authentication"
FIRST=$(openssl x509 -in "$WORK/laptop.pem" -noout -serial)

step "renewed: the same command, the same TPM key, a fresh attestation"
enroll laptop permanent-identifier:SN-0042
[ "$(openssl x509 -in "$WORK/laptop.pem" -noout -serial)" != "$FIRST" ] || fail "the renewal returned the same certificate"
[ "$(openssl x509 -in "$WORK/laptop.pem" -noout -pubkey)" = "$(tpm_public_key "$WORK/laptop.keyref")" ] ||
  fail "the renewed certificate's key is not the TPM's key"
VALID=$(sqlite3 "$WORK/anvil-data/anvil.db" "SELECT count(*) FROM audit_log WHERE kind = 'authorization.valid'")
[ "$VALID" -ge 2 ] || fail "the renewal did not attest again ($VALID authorization.valid records)"

step "the privacy-preserving mode: no device name in the CSR, none in the certificate"
enroll laptop permanent-identifier:SN-0042 --privacy
san_text "$WORK/laptop.pem" | grep -q "Permanent Identifier" && fail "the privacy-preserving certificate names the device"
openssl x509 -in "$WORK/laptop.pem" -noout -subject | grep -Eq "CN ?= ?[0-9a-f]{32}$" ||
  fail "the privacy-preserving certificate's subject is not the key's digest"

step "the token of another device"
token permanent-identifier:SN-0043
refused other-token permanent-identifier:SN-0042 unauthorized "is for permanent-identifier:SN-0043" \
  --eab-kid "$KID" --eab-hmac-key "$HMAC"
step "a device the attestation does not name (this TPM's AK certificate names SN-0042)"
token permanent-identifier:SN-0043
refused impostor permanent-identifier:SN-0043 badAttestationStatement "do not include permanent-identifier:SN-0043" \
  --eab-kid "$KID" --eab-hmac-key "$HMAC"

step "the evidence is in the audit trail"
sqlite3 "$WORK/anvil-data/anvil.db" "SELECT details_json FROM audit_log WHERE kind = 'authorization.valid' LIMIT 1" |
  python3 -c '
import json, sys
d = json.load(sys.stdin)
a = d["attestation"]
assert d["type"] == "device-attest-01", d
assert a["format"] == "tpm" and len(a["chain_sha256"]) >= 2, a
assert a["identifiers"] == ["permanent-identifier:SN-0042"] and len(a["public_key"]) > 80, a
' || fail "authorization.valid does not hold the attestation's evidence"
"$ANVIL_CA" audit verify "${CONFIG[@]}" >/dev/null || fail "the audit chain does not verify"

step "the MDM check as a webhook: it sees the verified attestation and decides"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=mdm" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/receiver.key" -out "$WORK/receiver.pem" 2>/dev/null
"$ANVIL_CA" webhook new-secret >"$WORK/hook.secret"
RECEIVER_PORT=$(free_port)
EVENTS="$WORK/events.jsonl"
touch "$EVENTS"
python3 "$HERE/webhook_receiver.py" "$RECEIVER_PORT" "$WORK/receiver.pem" "$WORK/receiver.key" "$WORK/hook.secret" \
  "$EVENTS" 2>>"$WORK/receiver.log" &
PIDS+=($!)
wait_for "the MDM receiver" 20 curl -s --cacert "$WORK/receiver.pem" -o /dev/null "https://127.0.0.1:$RECEIVER_PORT/"
cat >>"$WORK/anvil-ca.toml" <<EOF
[device_attestation.webhook]
url = "https://127.0.0.1:$RECEIVER_PORT/device-check"
secret_file = "$WORK/hook.secret"
ca_file = "$WORK/receiver.pem"
timeout = "3s"
EOF
restart_anvil_ca
enroll mdm permanent-identifier:SN-0042
python3 - "$EVENTS" <<'PY' || fail "the MDM webhook was not asked with the attestation"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
checks = [e for e in events if e.get("type") == "device.check"]
assert checks and checks[0]["data"]["identifier"]["value"] == "SN-0042", events
assert checks[0]["data"]["attestation"]["format"] == "tpm", checks[0]
PY
echo SN-0042 >"$EVENTS.deny"
refused mdm-says-no permanent-identifier:SN-0042 unauthorized "SN-0042 is not enrolled in the MDM"

step "an AK certificate from a CA anvil-ca does not trust"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=another attestation CA" \
  -keyout "$WORK/other-ca.key" -out "$WORK/other-ca.pem" 2>/dev/null
sed -i "s|^tpm_roots = .*|tpm_roots = \"$WORK/other-ca.pem\"|" "$WORK/anvil-ca.toml"
rm -f "$EVENTS.deny"
restart_anvil_ca
refused untrusted permanent-identifier:SN-0042 badAttestationStatement "tpm: AK certificate does not chain to a trusted root"

echo
echo "device_tpm: OK"
