#!/usr/bin/env bash
# dns-01 by RFC 2136 dynamic update with TSIG: BIND (named, Debian's bind9) on loopback is authoritative for
# anvil.test (wildcard A → 127.0.0.1) and accepts updates signed with one TSIG key; Pebble resolves through it.
# anvil issues a wildcard + base name certificate by updating the zone (key from a BIND key file, zone found by an
# SOA query; each record checked at named, the default resolver of the propagation check, before validation), the
# TXT records are gone afterwards, a renewal repeats it (key given inline, zone given), and an update signed with
# a wrong key fails with the server's answer in a one-line error.
# Usage: anvil_rfc2136.sh PATH/TO/anvil
set -euo pipefail
ANVIL_BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-rfc2136-XXXXXX)
source "$HERE/lib.sh"

command -v named >/dev/null || fail "named is not installed (bind9; scripts/install-deps)"
command -v pebble >/dev/null || fail "pebble is not installed (scripts/install-deps)"

step "named on 127.0.0.1, zone anvil.test updatable with TSIG key acme-key."
NAMED_PORT=$(free_port)
mkdir -p "$WORK/named"
tsig-keygen -a hmac-sha256 acme-key. >"$WORK/tsig.key"
SECRET=$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$WORK/tsig.key")
cat >"$WORK/named/anvil.test.zone" <<ZONE
\$TTL 60
@   IN SOA ns.anvil.test. admin.anvil.test. 1 60 60 600 60
@   IN NS  ns.anvil.test.
ns  IN A   127.0.0.1
*   IN A   127.0.0.1
ZONE
cat >"$WORK/named.conf" <<CONF
options {
  directory "$WORK/named";
  pid-file "$WORK/named/named.pid";
  listen-on port $NAMED_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
};
controls { };
include "$WORK/tsig.key";
zone "anvil.test" {
  type primary;
  file "$WORK/named/anvil.test.zone";
  allow-update { key "acme-key."; };
};
CONF
named -g -c "$WORK/named.conf" >"$WORK/named.log" 2>&1 &
PIDS+=($!)
wait_for "named" 30 dig +short +time=1 +tries=1 -p "$NAMED_PORT" @127.0.0.1 ns.anvil.test A || { cat "$WORK/named.log"; exit 1; }

step "pebble resolving through named"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/pebble-key.pem" \
  -out "$WORK/pebble-cert.pem" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
PEBBLE_PORT=$(free_port)
PEBBLE_MGMT=$(free_port)
cat >"$WORK/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT",
  "certificate": "$WORK/pebble-cert.pem", "privateKey": "$WORK/pebble-key.pem", "httpPort": $(free_port),
  "tlsPort": $(free_port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
PEBBLE_VA_NOSLEEP=1 pebble -config "$WORK/pebble.json" -dnsserver "127.0.0.1:$NAMED_PORT" >"$WORK/pebble.log" 2>&1 &
PIDS+=($!)
DIRECTORY="https://127.0.0.1:$PEBBLE_PORT/dir"
CA_BUNDLE="$WORK/pebble-cert.pem"
wait_for "pebble" 30 curl -sf --cacert "$CA_BUNDLE" "$DIRECTORY" || { cat "$WORK/pebble.log"; exit 1; }
curl -sf --cacert "$CA_BUNDLE" "https://127.0.0.1:$PEBBLE_MGMT/roots/0" >"$WORK/root.pem"

STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
LINEAGE="$STATE/lineages/dyn"
txt() { dig +short -p "$NAMED_PORT" @127.0.0.1 _acme-challenge.dyn.anvil.test TXT; }

step "anvil issue: wildcard + base name by RFC 2136 (key file, zone found by SOA query)"
"${ANVIL[@]}" -v issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name dyn -d '*.dyn.anvil.test' \
  -d dyn.anvil.test --rfc2136-server "127.0.0.1:$NAMED_PORT" --tsig-key "$WORK/tsig.key" 2>"$WORK/dyn.err"
# The propagation check asks the primary that took the update (the default resolver for RFC 2136).
[ "$(grep -c "dns-01: TXT _acme-challenge.dyn.anvil.test .* is visible" "$WORK/dyn.err")" = 2 ] ||
  { cat "$WORK/dyn.err"; fail "anvil did not check both TXT values at named"; }
openssl verify -CAfile "$WORK/root.pem" -untrusted "$LINEAGE/chain.pem" "$LINEAGE/cert.pem" || fail "openssl verify"
openssl x509 -in "$LINEAGE/cert.pem" -noout -ext subjectAltName | grep -qF 'DNS:*.dyn.anvil.test' || fail "no wildcard SAN"
[ -z "$(txt)" ] || fail "TXT records left behind: $(txt)"
grep -q "updating zone 'anvil.test/IN': adding an RR at '_acme-challenge.dyn.anvil.test' TXT" "$WORK/named.log" ||
  fail "named saw no signed update"

step "renew --force: the stored lineage repeats the updates"
FIRST=$(openssl x509 -in "$LINEAGE/cert.pem" -noout -serial)
"${ANVIL[@]}" renew dyn --force
[ "$FIRST" != "$(openssl x509 -in "$LINEAGE/cert.pem" -noout -serial)" ] || fail "no new certificate"

step "inline key with an explicit zone works; a wrong secret is refused by the server"
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name inline -d inline.anvil.test \
  --rfc2136-server "127.0.0.1:$NAMED_PORT" --rfc2136-zone anvil.test --tsig-key "hmac-sha256:acme-key.:$SECRET"
set +e
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name bad -d bad.anvil.test \
  --rfc2136-server "127.0.0.1:$NAMED_PORT" --tsig-key "hmac-sha256:acme-key.:c2VjcmV0c2VjcmV0c2VjcmV0" 2>"$WORK/bad.err"
rc=$?
set -e
cat "$WORK/bad.err"
[ $rc -eq 1 ] && grep -q "RFC 2136 add" "$WORK/bad.err" || fail "a wrongly signed update was not reported"

echo
echo "PASS: anvil dns-01 by RFC 2136 + TSIG against BIND, with pebble"
