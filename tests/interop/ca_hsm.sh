#!/usr/bin/env bash
# The intermediate key in a PKCS #11 token (docs/ca-operations.md, "Keep the intermediate key in a token"), end
# to end on loopback with Debian's SoftHSM2 as the token: anvil-ca makes its CA on first start; a token of the
# test's own (SOFTHSM2_CONF in the work directory) gets an EC P-256 key generated inside it by pkcs11-tool;
# `anvil-ca ca rotate --key-uri` makes generation 2 for that key and a restart makes it issue; the anvil client
# gets a certificate (http-01) that `openssl verify` accepts against the root, issued by generation 2, whose
# public key is the token's; generation 2's CRL and OCSP answers (its responder certificate signed in the
# token) verify with openssl; the data directory holds the key's URI and no key file of generation 2, and
# neither it nor anvil-ca's log holds the PIN.
# Usage: ca_hsm.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-hsm-XXXXXX)
source "$HERE/lib.sh"

MODULE=/usr/lib/softhsm/libsofthsm2.so
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
command -v softhsm2-util >/dev/null && [ -f "$MODULE" ] || fail "softhsm2 is not installed (scripts/install-deps)"
command -v pkcs11-tool >/dev/null || fail "pkcs11-tool is not installed (opensc, scripts/install-deps)"
openssl engine pkcs11 >/dev/null 2>&1 || fail "OpenSSL's pkcs11 engine is not installed (libengine-pkcs11-openssl)"

step "a SoftHSM2 token of this test's own, with an EC P-256 key generated inside it"
mkdir -p "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
PIN="pin-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"  # text no other file holds by chance
softhsm2-util --init-token --free --label anvil-hsm --so-pin 00000000 --pin "$PIN"
pkcs11-tool --module "$MODULE" --token-label anvil-hsm --login --pin "$PIN" \
  --keypairgen --key-type EC:prime256v1 --label intermediate-2 --id 02
pkcs11-tool --module "$MODULE" --token-label anvil-hsm --read-object --type pubkey --label intermediate-2 \
  -o "$WORK/token-pub.der"
install -m 600 /dev/null "$WORK/pin" && printf '%s\n' "$PIN" >"$WORK/pin"
KEY_URI="pkcs11:token=anvil-hsm;object=intermediate-2;type=private"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA" $'[ca]\npkcs11_module = "'"$MODULE"$'"\npkcs11_pin = "file:'"$WORK/pin"$'"'
CONFIG=(--config "$WORK/anvil-ca.toml")
DATA="$WORK/anvil-data"
STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

restart_anvil_ca() {
  kill "$ANVIL_PID"
  wait "$ANVIL_PID" 2>/dev/null || true
  "$ANVIL_CA" serve "${CONFIG[@]}" >>"$WORK/anvil-ca.log" 2>&1 &
  ANVIL_PID=$!
  PIDS+=($ANVIL_PID)
  wait_for "anvil-ca after the restart" 30 curl -sf --cacert "$ROOT_PEM" "$DIRECTORY" -o /dev/null
}
aki() { openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | tail -n 1 | sed 's/keyid://I' | tr -d ' :' | tr 'A-F' 'a-f'; }
ski() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :' | tr 'A-F' 'a-f'; }

step "anvil-ca ca rotate --key-uri: generation 2 for the token's key; restart"
"$ANVIL_CA" ca rotate "${CONFIG[@]}" --key-uri "$KEY_URI" | tee "$WORK/rotate.out"
grep -qF "key:         $KEY_URI" "$WORK/rotate.out" || fail "ca rotate does not name the token's key"
GEN2_PEM="$DATA/ca/intermediate-2.pem"
cmp <(openssl x509 -in "$GEN2_PEM" -noout -pubkey | openssl pkey -pubin -outform DER) "$WORK/token-pub.der" ||
  fail "generation 2 does not certify the token's public key"
restart_anvil_ca
"$ANVIL_CA" ca show "${CONFIG[@]}" | tee "$WORK/show.out"
grep -qF "key:         $KEY_URI (PKCS #11 token, $MODULE)" "$WORK/show.out" || fail "ca show does not give the key's URI"

step "the anvil client gets a certificate: issued by generation 2, verified against the root"
"${ANVIL[@]}" issue "${COMMON[@]}" --name hsm -d hsm.anvil.test
CERT="$STATE/lineages/hsm/cert.pem"
CHAIN="$STATE/lineages/hsm/chain.pem"
[ "$(aki "$CERT")" = "$(ski "$GEN2_PEM")" ] || fail "the certificate is not from generation 2"
cmp <(openssl x509 -in "$CHAIN" -outform DER) <(openssl x509 -in "$GEN2_PEM" -outform DER) ||
  fail "the chain served is not generation 2"
openssl verify -CAfile "$ROOT_PEM" -untrusted "$CHAIN" "$CERT"
# The leaf's signature checked with the key read from the token itself, not only through the chain.
openssl x509 -in "$CERT" -outform DER >"$WORK/leaf.der"
python3 - "$WORK/leaf.der" "$WORK/tbs.der" "$WORK/sig.der" <<'PY'
import sys
def tlv(b, i):
    l = b[i + 1]; h = 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i + 2:i + 2 + n], "big"); h = 2 + n
    return i + h, l
d = open(sys.argv[1], "rb").read()
body, _ = tlv(d, 0)                        # Certificate SEQUENCE
tbs_start = body; s, l = tlv(d, body); tbs_end = s + l
s, l = tlv(d, tbs_end); alg_end = s + l    # signatureAlgorithm
s, l = tlv(d, alg_end)                     # signatureValue BIT STRING
open(sys.argv[2], "wb").write(d[tbs_start:tbs_end])
open(sys.argv[3], "wb").write(d[s + 1:s + l])
PY
openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$WORK/token-pub.der") \
  -signature "$WORK/sig.der" "$WORK/tbs.der" || fail "the leaf is not signed by the token's key"

step "generation 2's CRL and OCSP answers verify with openssl"
LEAF_CRL=$(openssl x509 -in "$CERT" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
ROOT_CRL=$(openssl x509 -in "$CHAIN" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
for url in "$LEAF_CRL" "$ROOT_CRL"; do curl -sf "$url" | openssl crl -inform DER; done >"$WORK/crls.pem"
openssl crl -in <(curl -sf "$LEAF_CRL") -inform DER -noout -CAfile <(cat "$ROOT_PEM" "$GEN2_PEM") 2>&1 |
  tee "$WORK/crl-verify.out"
grep -q "verify OK" "$WORK/crl-verify.out" || fail "generation 2's CRL does not verify"
openssl verify -crl_check_all -CAfile "$ROOT_PEM" -untrusted "$CHAIN" -CRLfile "$WORK/crls.pem" "$CERT"
OCSP_URL=$(openssl x509 -in "$CERT" -noout -ext authorityInfoAccess | sed -n 's/^ *OCSP - URI://p')
cat "$ROOT_PEM" "$CHAIN" >"$WORK/ocsp-cas.pem"
openssl ocsp -issuer "$CHAIN" -cert "$CERT" -url "$OCSP_URL" -CAfile "$WORK/ocsp-cas.pem" -resp_text \
  >"$WORK/ocsp.txt" 2>&1 || { cat "$WORK/ocsp.txt"; fail "openssl ocsp failed"; }
grep -q "Response verify OK" "$WORK/ocsp.txt" || { cat "$WORK/ocsp.txt"; fail "the OCSP response does not verify"; }
grep -q "$CERT: good" "$WORK/ocsp.txt" || fail "OCSP did not say good"

step "the data directory names the key and holds no key file of generation 2, and no PIN anywhere"
[ "$(cat "$DATA/ca/intermediate-2.key-uri")" = "$KEY_URI" ] || fail "intermediate-2.key-uri does not hold the URI"
[ ! -e "$DATA/ca/intermediate-2.key" ] || fail "generation 2 has a key file"
if grep -rqF "$PIN" "$DATA" "$WORK/anvil-ca.log" "$WORK/anvil-ca.toml"; then fail "the PIN was written somewhere"; fi
echo "PASS: generation 2 signs certificates, its CRL and its OCSP responder's certificate with the token's key"
