#!/usr/bin/env bash
# Revocation as a relying party sees it (RFC 5280 §5, RFC 6960, docs/revocation.md): anvil-ca with its
# publication listener on loopback, the anvil client issuing two certificates over http-01, and OpenSSL as the
# relying party. Each certificate names its CRL (cRLDistributionPoints), issuer and OCSP responder
# (authorityInfoAccess) on the plain-HTTP listener; the CRL fetched from there verifies both and `openssl
# ocsp` says good (POST, and GET with the request in the path); after `anvil revoke --reason 1` OCSP says
# revoked (keyCompromise) at once, the CRL lists the certificate within crl_revocation_delay, `openssl verify
# -crl_check` refuses it and still accepts the other, and so does -crl_check_all with the root's CRL (named by
# the intermediate's cRLDistributionPoints); the CRL in the data directory is the one served; after a
# restart the first CRL has a higher cRLNumber and still lists the revocation, and OCSP still says revoked.
# Usage: revocation_openssl.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-crl-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
PUBLICATION_EXTRA='crl_revocation_delay = "1s"' start_anvil_ca "$ANVIL_CA"
STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

for name in kept lost; do
  step "anvil issue: $name.anvil.test"
  "${ANVIL[@]}" issue "${COMMON[@]}" --name "$name" -d "$name.anvil.test"
done
CERT_KEPT="$STATE/lineages/kept/cert.pem"
CERT_LOST="$STATE/lineages/lost/cert.pem"
CHAIN="$STATE/lineages/kept/chain.pem"

step "the certificates name the publication listener for their CRL and issuer"
CRL_URL=$(openssl x509 -in "$CERT_KEPT" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
ISSUER_URL=$(openssl x509 -in "$CERT_KEPT" -noout -ext authorityInfoAccess | sed -n 's/^ *CA Issuers - URI://p')
echo "CRL: $CRL_URL; issuer: $ISSUER_URL"
case "$CRL_URL" in "$PUBLICATION_URL/crl/"*.crl) ;; *) fail "unexpected CRL distribution point '$CRL_URL'" ;; esac
case "$ISSUER_URL" in "$PUBLICATION_URL/ca/"*.der) ;; *) fail "unexpected caIssuers '$ISSUER_URL'" ;; esac
curl -sf "$ISSUER_URL" -o "$WORK/issuer.der"
cmp <(openssl x509 -in "$CHAIN" -outform DER) "$WORK/issuer.der" || fail "caIssuers does not serve the intermediate"
curl -sfI "$CRL_URL" | grep -qi '^content-type: application/pkix-crl' || fail "the CRL is not application/pkix-crl"
OCSP_URL=$(openssl x509 -in "$CERT_KEPT" -noout -ext authorityInfoAccess | sed -n 's/^ *OCSP - URI://p')
[ "$OCSP_URL" = "$PUBLICATION_URL/ocsp" ] || fail "unexpected OCSP URL '$OCSP_URL'"
cat "$ROOT_PEM" "$CHAIN" >"$WORK/cas.pem"
ocsp() {  # CERT: openssl ocsp against anvil-ca's responder (POST, with a nonce), output to stdout
  openssl ocsp -issuer "$CHAIN" -cert "$1" -url "$OCSP_URL" -CAfile "$WORK/cas.pem" -nonce 2>&1
}

fetch_crl() { curl -sf "$CRL_URL" -o "$WORK/crl.der" && openssl crl -inform DER -in "$WORK/crl.der" -out "$WORK/crl.pem"; }
crl_number() { openssl crl -in "$WORK/crl.pem" -noout -crlnumber | cut -d= -f2; }
relying_party() {  # CERT: openssl verify with the fetched CRL, the leaf's revocation checked
  openssl verify -crl_check -CAfile "$ROOT_PEM" -untrusted "$CHAIN" -CRLfile "$WORK/crl.pem" "$1"
}

step "before any revocation: the CRL verifies both certificates"
fetch_crl
openssl crl -in "$WORK/crl.pem" -noout -text | tee "$WORK/crl0.txt"
openssl crl -in "$WORK/crl.pem" -noout -verify -CAfile "$CHAIN" 2>&1 | grep -q "verify OK" ||
  fail "the CRL's signature does not verify with the intermediate"
grep -q "No Revoked Certificates" "$WORK/crl0.txt" || fail "a fresh CA's CRL lists certificates"
relying_party "$CERT_KEPT"
relying_party "$CERT_LOST"
FIRST_NUMBER=$(crl_number)

step "before any revocation: OCSP says good, over POST and over GET"
ocsp "$CERT_LOST" | tee "$WORK/ocsp0.txt"
grep -q "Response verify OK" "$WORK/ocsp0.txt" && grep -q "$CERT_LOST: good" "$WORK/ocsp0.txt" ||
  fail "OCSP did not say good"
# RFC 6960 App. A.1 GET: the DER request, base64, percent-encoded, after the responder URL.
openssl ocsp -issuer "$CHAIN" -cert "$CERT_LOST" -no_nonce -reqout "$WORK/req.der" >/dev/null 2>&1
GET_PATH=$(python3 -c "import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],'rb').read()).decode(), safe=''))" "$WORK/req.der")
curl -sf "$OCSP_URL/$GET_PATH" -o "$WORK/resp-get.der"
openssl ocsp -respin "$WORK/resp-get.der" -issuer "$CHAIN" -cert "$CERT_LOST" -CAfile "$WORK/cas.pem" 2>&1 |
  tee "$WORK/ocsp-get.txt"
grep -q "$CERT_LOST: good" "$WORK/ocsp-get.txt" || fail "OCSP over GET did not say good"

step "anvil revoke --reason 1 (keyCompromise): the next CRL lists it within crl_revocation_delay"
"${ANVIL[@]}" revoke --cert "$CERT_LOST" --reason 1
LOST_SERIAL=$(openssl x509 -in "$CERT_LOST" -noout -serial | cut -d= -f2)
ocsp "$CERT_LOST" | tee "$WORK/ocsp1.txt"
grep -q "$CERT_LOST: revoked" "$WORK/ocsp1.txt" && grep -q "Reason: keyCompromise" "$WORK/ocsp1.txt" ||
  fail "OCSP did not say revoked (keyCompromise) right after the revocation"
ocsp "$CERT_KEPT" | grep -q "$CERT_KEPT: good" || fail "OCSP of the other certificate is not good"
listed() { fetch_crl && openssl crl -in "$WORK/crl.pem" -noout -text | grep -qi "Serial Number: $LOST_SERIAL"; }
wait_for "the revocation on the CRL" 30 listed || fail "the CRL does not list the revoked certificate"
openssl crl -in "$WORK/crl.pem" -noout -text | tee "$WORK/crl1.txt"
grep -A4 -i "Serial Number: $LOST_SERIAL" "$WORK/crl1.txt" | grep -q "Key Compromise" ||
  fail "the entry has no keyCompromise reasonCode"
[ "$(crl_number)" != "$FIRST_NUMBER" ] || fail "the cRLNumber did not change"

step "the relying party refuses the revoked certificate and accepts the other"
if relying_party "$CERT_LOST" >"$WORK/verify-lost.out" 2>&1; then cat "$WORK/verify-lost.out"; fail "revoked accepted"; fi
cat "$WORK/verify-lost.out"
grep -q "certificate revoked" "$WORK/verify-lost.out" || fail "openssl did not say 'certificate revoked'"
relying_party "$CERT_KEPT"

step "openssl verify -crl_check_all: the root's CRL, named by the intermediate, covers the intermediate"
ROOT_CRL_URL=$(openssl x509 -in "$CHAIN" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
[ "$ROOT_CRL_URL" = "$PUBLICATION_URL/crl/root.crl" ] || fail "unexpected root CRL URL '$ROOT_CRL_URL'"
curl -sf "$ROOT_CRL_URL" -o "$WORK/root-crl.der"
openssl crl -inform DER -in "$WORK/root-crl.der" -out "$WORK/root-crl.pem"
openssl crl -in "$WORK/root-crl.pem" -noout -verify -CAfile "$ROOT_PEM" 2>&1 | grep -q "verify OK" ||
  fail "the root CRL's signature does not verify with the root"
all_levels() {  # CERT: every level's revocation checked
  openssl verify -crl_check_all -CAfile "$ROOT_PEM" -untrusted "$CHAIN" -CRLfile "$WORK/crl.pem" \
    -CRLfile "$WORK/root-crl.pem" "$1"
}
all_levels "$CERT_KEPT"
if all_levels "$CERT_LOST" >"$WORK/verify-all.out" 2>&1; then fail "revoked accepted with -crl_check_all"; fi
grep -q "certificate revoked" "$WORK/verify-all.out" || fail "-crl_check_all did not say 'certificate revoked'"

step "the data directory holds the CRL being served"
ISSUER_ID=$(basename "$CRL_URL" .crl)
cmp "$WORK/anvil-data/crl/$ISSUER_ID.crl" "$WORK/crl.der" || fail "the CRL file differs from the served CRL"

step "restart: the first CRL has a higher number and still lists the revocation"
BEFORE=$(crl_number)
kill "$ANVIL_PID"; wait "$ANVIL_PID" 2>/dev/null || true
"$ANVIL_CA" serve --config "$WORK/anvil-ca.toml" >>"$WORK/anvil-ca.log" 2>&1 &
ANVIL_PID=$!
PIDS+=($ANVIL_PID)
wait_for "anvil-ca again" 30 curl -sf "$CRL_URL" -o /dev/null
fetch_crl
python3 -c "import sys; sys.exit(0 if int(sys.argv[2], 16) > int(sys.argv[1], 16) else 1)" "$BEFORE" "$(crl_number)" ||
  fail "cRLNumber $(crl_number) after the restart is not above $BEFORE"
openssl crl -in "$WORK/crl.pem" -noout -text | grep -qi "Serial Number: $LOST_SERIAL" || fail "revocation lost on restart"
if relying_party "$CERT_LOST" >/dev/null 2>&1; then fail "revoked accepted after the restart"; fi
ocsp "$CERT_LOST" | grep -q "$CERT_LOST: revoked" || fail "OCSP forgot the revocation across the restart"
echo "PASS"
