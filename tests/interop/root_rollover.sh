#!/usr/bin/env bash
# Root rollover end to end (docs/ca-operations.md), on loopback: anvil-ca with its publication listener, the
# anvil client and Debian's certbot (http-01). A certificate under the first root; `anvil-ca ca rollover-root`
# and a restart: a second root, cross-signed by the first, and a new intermediate under it. Relying parties that
# trust only the first root (the clients' --ca-bundle, `openssl verify -CAfile root.pem`) and those that trust
# only the second validate: anvil-ca's own TLS chain runs through the cross-certificate; a certificate's default
# chain leads to the new root and its alternate chain (Link rel="alternate", picked by --preferred-chain in anvil
# and certbot) through the cross-certificate to the old one, with every level's CRL (-crl_check_all). The old
# root's certificate still verifies, and OCSP answers for the new intermediate.
# Usage: root_rollover.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-rollover-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA"
CONFIG=(--config "$WORK/anvil-ca.toml")
CA_DIR="$WORK/anvil-data/ca"
ROOT2_PEM="$CA_DIR/root-2.pem"
STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

# crl_urls CERT: the CRL distribution point CERT names, if any.
crl_urls() { openssl x509 -in "$1" -noout -ext crlDistributionPoints 2>/dev/null | sed -n 's/^ *URI://p'; }
# verify_all_levels ANCHOR CERT CHAIN: CERT chains to ANCHOR alone through CHAIN, every level checked against
# the CRL its issuer publishes (-crl_check_all), the CRLs fetched from the URLs the certificates name.
verify_all_levels() {
  local anchor=$1 cert=$2 chain=$3 n=0 url
  csplit -s -z -f "$WORK/level-" "$chain" '/-----BEGIN CERTIFICATE-----/' '{*}'
  : >"$WORK/crls.pem"
  for c in "$cert" "$WORK"/level-*; do
    for url in $(crl_urls "$c"); do curl -sf "$url" | openssl crl -inform DER >>"$WORK/crls.pem"; n=$((n + 1)); done
  done
  rm -f "$WORK"/level-*
  echo "$n CRL(s) for $cert through $chain to $anchor"
  openssl verify -crl_check_all -CAfile "$anchor" -untrusted "$chain" -CRLfile "$WORK/crls.pem" "$cert"
}
count_certs() { grep -c -- "-----BEGIN CERTIFICATE-----" "$1"; }

step "the first root issues 'before'"
"${ANVIL[@]}" issue "${COMMON[@]}" --name before -d before.anvil.test
BEFORE="$STATE/lineages/before"
verify_all_levels "$ROOT_PEM" "$BEFORE/cert.pem" "$BEFORE/chain.pem"

step "anvil-ca ca rollover-root (the first root's key online), restart"
"$ANVIL_CA" ca rollover-root "${CONFIG[@]}" | tee "$WORK/rollover.out"
grep -q "New root generation 2" "$WORK/rollover.out" || fail "ca rollover-root made no second root"
openssl verify -CAfile "$ROOT_PEM" "$CA_DIR/root-2.cross.pem" || fail "the cross-certificate does not chain to root 1"
openssl verify -CAfile "$ROOT2_PEM" "$ROOT2_PEM" || fail "root 2 is not self-signed"
cmp <(openssl x509 -in "$ROOT2_PEM" -noout -pubkey) <(openssl x509 -in "$CA_DIR/root-2.cross.pem" -noout -pubkey) ||
  fail "the cross-certificate certifies another key"
restart_anvil_ca  # its health check trusts only the first root: the TLS chain runs through the cross-certificate
curl -sf --cacert "$ROOT2_PEM" "$DIRECTORY" -o /dev/null || fail "a client trusting only root 2 cannot connect"
"$ANVIL_CA" ca show "${CONFIG[@]}" | tee "$WORK/show.out"
grep -q "^Root generation 2:" "$WORK/show.out" || fail "ca show does not list root 2"
grep -q "cross-signed by root generation 1" "$WORK/show.out" || fail "ca show does not tell the cross-certificate"

step "the publication listener serves both roots, the cross-certificate and both roots' CRLs"
cmp <(curl -sf "$PUBLICATION_URL/ca/root-2.der") <(openssl x509 -in "$ROOT2_PEM" -outform DER) || fail "/ca/root-2.der"
cmp <(curl -sf "$PUBLICATION_URL/ca/root-2.cross.der") <(openssl x509 -in "$CA_DIR/root-2.cross.pem" -outform DER) ||
  fail "/ca/root-2.cross.der"
cmp <(curl -sf "$PUBLICATION_URL/ca/root.der") <(openssl x509 -in "$ROOT_PEM" -outform DER) || fail "/ca/root.der"
curl -sf "$PUBLICATION_URL/crl/root-2.crl" | openssl crl -inform DER -noout -verify -CAfile "$ROOT2_PEM" ||
  fail "root 2's CRL is not signed by root 2"
curl -sf "$PUBLICATION_URL/crl/root.crl" | openssl crl -inform DER -noout -verify -CAfile "$ROOT_PEM" ||
  fail "root 1's CRL is not signed by root 1"

step "anvil: the default chain leads to root 2, the alternate one (--preferred-chain) to root 1"
"${ANVIL[@]}" issue "${COMMON[@]}" --name default -d default.anvil.test
DEFAULT="$STATE/lineages/default"
[ "$(count_certs "$DEFAULT/chain.pem")" = 1 ] || fail "the default chain is not the intermediate alone"
[ "$(crl_urls "$DEFAULT/chain.pem")" = "$PUBLICATION_URL/crl/root-2.crl" ] || fail "the intermediate names no root-2 CRL"
verify_all_levels "$ROOT2_PEM" "$DEFAULT/cert.pem" "$DEFAULT/chain.pem"
if openssl verify -CAfile "$ROOT_PEM" -untrusted "$DEFAULT/chain.pem" "$DEFAULT/cert.pem" 2>/dev/null; then
  fail "the default chain verified to root 1 without the cross-certificate"
fi
"${ANVIL[@]}" issue "${COMMON[@]}" --name cross -d cross.anvil.test --preferred-chain "Anvil Root CA"
CROSS="$STATE/lineages/cross"
[ "$(count_certs "$CROSS/chain.pem")" = 2 ] || fail "the alternate chain is not intermediate + cross-certificate"
verify_all_levels "$ROOT_PEM" "$CROSS/cert.pem" "$CROSS/chain.pem"
verify_all_levels "$ROOT2_PEM" "$CROSS/cert.pem" "$CROSS/chain.pem"

step "certbot (trusting root 1 only): default chain and --preferred-chain"
export REQUESTS_CA_BUNDLE="$ROOT_PEM"
CB=(certbot --non-interactive --server "$DIRECTORY" --config-dir "$WORK/le/config" --work-dir "$WORK/le/work"
    --logs-dir "$WORK/le/logs" --agree-tos -m admin@anvil.test --standalone --http-01-address 127.0.0.1
    --http-01-port "$HTTP_PORT")
"${CB[@]}" certonly -d cb-default.anvil.test --cert-name cb-default
"${CB[@]}" certonly -d cb-cross.anvil.test --cert-name cb-cross --preferred-chain "Anvil Root CA"
LIVE="$WORK/le/config/live"
verify_all_levels "$ROOT2_PEM" "$LIVE/cb-default/cert.pem" "$LIVE/cb-default/chain.pem"
[ "$(count_certs "$LIVE/cb-cross/chain.pem")" = 2 ] || fail "certbot did not take the alternate chain"
verify_all_levels "$ROOT_PEM" "$LIVE/cb-cross/cert.pem" "$LIVE/cb-cross/chain.pem"

step "the first root's certificate still verifies; OCSP answers for the new intermediate"
verify_all_levels "$ROOT_PEM" "$BEFORE/cert.pem" "$BEFORE/chain.pem"
OCSP_URL=$(openssl x509 -in "$DEFAULT/cert.pem" -noout -ext authorityInfoAccess | sed -n 's/^ *OCSP - URI://p')
cat "$ROOT2_PEM" "$DEFAULT/chain.pem" >"$WORK/ocsp-cas.pem"
openssl ocsp -issuer "$DEFAULT/chain.pem" -cert "$DEFAULT/cert.pem" -url "$OCSP_URL" -CAfile "$WORK/ocsp-cas.pem" \
  2>&1 | tee "$WORK/ocsp.txt"
grep -q "$DEFAULT/cert.pem: good" "$WORK/ocsp.txt" || fail "OCSP did not say good for the new intermediate's certificate"
echo "PASS: root rollover with a cross-signed alternate chain, validated from either root"
