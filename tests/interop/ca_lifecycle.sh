#!/usr/bin/env bash
# The CA's lifecycle end to end (docs/ca-operations.md), on loopback: anvil-ca with its publication listener and
# the anvil client (http-01). A certificate from intermediate generation 1; `anvil-ca ca rotate` and a reload (SIGHUP);
# a certificate from generation 2; both verify with `openssl verify -crl_check_all` (each generation's CRL and
# the root's) and OCSP says good for both (each generation's own responder). `anvil-ca ca retire 1 --reason
# superseded` and another SIGHUP: the root's CRL lists generation 1, so -crl_check_all refuses its certificate
# ("certificate revoked" at depth 1) and still accepts generation 2's; renewalInfo puts generation 1's
# certificate's window in the past, and `anvil agent`, left alone, renews it onto generation 2; ca show tells
# the generations apart. Nothing here touches the client's configuration.
# Usage: ca_lifecycle.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-lifecycle-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA" $'[acme]\nari_retry_after = "2s"'
CONFIG=(--config "$WORK/anvil-ca.toml")
STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

aki() { openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | tail -n 1 | sed 's/keyid://I' | tr -d ' :' | tr 'A-F' 'a-f'; }
ski() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :' | tr 'A-F' 'a-f'; }
# fetch_crls CERT CHAIN: the CRL the leaf names and the root's CRL the intermediate names, as PEM in $WORK/crls.pem.
fetch_crls() {
  local leaf_crl root_crl
  leaf_crl=$(openssl x509 -in "$1" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
  root_crl=$(openssl x509 -in "$2" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
  [ "$root_crl" = "$PUBLICATION_URL/crl/root.crl" ] || fail "$2 names '$root_crl' for the root's CRL"
  for url in "$leaf_crl" "$root_crl"; do curl -sf "$url" | openssl crl -inform DER; done >"$WORK/crls.pem"
}
all_levels() {  # CERT CHAIN
  fetch_crls "$1" "$2"
  openssl verify -crl_check_all -CAfile "$ROOT_PEM" -untrusted "$2" -CRLfile "$WORK/crls.pem" "$1"
}
ocsp_good() {  # CERT CHAIN
  local url
  url=$(openssl x509 -in "$1" -noout -ext authorityInfoAccess | sed -n 's/^ *OCSP - URI://p')
  cat "$ROOT_PEM" "$2" >"$WORK/ocsp-cas.pem"
  openssl ocsp -issuer "$2" -cert "$1" -url "$url" -CAfile "$WORK/ocsp-cas.pem" 2>&1 | tee "$WORK/ocsp.txt"
  grep -q "$1: good" "$WORK/ocsp.txt" || fail "OCSP did not say good for $1"
}

step "generation 1 issues 'old'"
"${ANVIL[@]}" issue "${COMMON[@]}" --name old -d old.anvil.test
OLD="$STATE/lineages/old/cert.pem"
OLD_CHAIN="$STATE/lineages/old/chain.pem"
GEN1=$(ski "$WORK/anvil-data/ca/intermediate.pem")
[ "$(aki "$OLD")" = "$GEN1" ] || fail "'old' is not from generation 1"

step "anvil-ca ca rotate (root key online), SIGHUP (no restart): generation 2 issues 'new'"
"$ANVIL_CA" ca rotate "${CONFIG[@]}"
reload_anvil_ca
GEN2=$(ski "$WORK/anvil-data/ca/intermediate-2.pem")
"${ANVIL[@]}" issue "${COMMON[@]}" --name new -d new.anvil.test
NEW="$STATE/lineages/new/cert.pem"
NEW_CHAIN="$STATE/lineages/new/chain.pem"
[ "$(aki "$NEW")" = "$GEN2" ] || fail "'new' is not from generation 2"
cmp <(openssl x509 -in "$NEW_CHAIN" -outform DER) <(curl -sf "$(openssl x509 -in "$NEW" -noout -ext authorityInfoAccess |
  sed -n 's/^ *CA Issuers - URI://p')") || fail "caIssuers of 'new' does not serve generation 2"

step "both generations verify with every level's CRL, and OCSP says good for both"
all_levels "$OLD" "$OLD_CHAIN"
all_levels "$NEW" "$NEW_CHAIN"
ocsp_good "$OLD" "$OLD_CHAIN"
ocsp_good "$NEW" "$NEW_CHAIN"

step "anvil-ca ca retire 1 --reason superseded, SIGHUP (no restart)"
"$ANVIL_CA" ca retire 1 --reason superseded "${CONFIG[@]}" | tee "$WORK/retire.out"
grep -q "The root's CRL lists it" "$WORK/retire.out" || fail "ca retire did not sign the root's CRL"
reload_anvil_ca
"$ANVIL_CA" ca show "${CONFIG[@]}" | tee "$WORK/show.out"
grep -q "state:       not issuing, retired .* (superseded)" "$WORK/show.out" || fail "ca show: generation 1 not retired"
grep -q "state:       issuing" "$WORK/show.out" || fail "ca show: no generation issues"

step "the root's CRL lists generation 1: -crl_check_all refuses 'old' at depth 1 and accepts 'new'"
GEN1_SERIAL=$(openssl x509 -in "$WORK/anvil-data/ca/intermediate.pem" -noout -serial | cut -d= -f2)
curl -sf "$PUBLICATION_URL/crl/root.crl" | openssl crl -inform DER -noout -text | tee "$WORK/root-crl.txt"
grep -qi "Serial Number: $GEN1_SERIAL" "$WORK/root-crl.txt" || fail "the root's CRL does not list generation 1"
grep -A4 -i "Serial Number: $GEN1_SERIAL" "$WORK/root-crl.txt" | grep -q "Superseded" || fail "no reason superseded"
if all_levels "$OLD" "$OLD_CHAIN" >"$WORK/verify-old.out" 2>&1; then fail "'old' accepted after retirement"; fi
cat "$WORK/verify-old.out"
grep -q "error 23 at 1 depth lookup: certificate revoked" "$WORK/verify-old.out" || fail "not revoked at depth 1"
all_levels "$NEW" "$NEW_CHAIN"

step "renewalInfo: the window of 'old' is in the past, that of 'new' in the future"
window() {  # CERT: "START END" of its suggested window, in Unix seconds
  ari_window "$1" | python3 -c '
import datetime, json, sys
w = json.load(sys.stdin)["suggestedWindow"]
t = lambda s: int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())
print(t(w["start"]), t(w["end"]))'
}
now=$(date -u +%s)
read -r start end < <(window "$OLD")
[ "$end" -lt "$now" ] || fail "the ARI window of 'old' ends at $end, not in the past (now $now)"
read -r start end < <(window "$NEW")
[ "$start" -gt "$now" ] || fail "the ARI window of 'new' starts at $start, not in the future (now $now)"

step "anvil agent, left alone, renews 'old' onto generation 2"
"${ANVIL[@]}" agent --interval 3600 --jitter 0 >"$WORK/agent.out" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=($AGENT_PID)
renewed() { [ "$(aki "$OLD")" = "$GEN2" ]; }
wait_for "the agent's renewal of 'old'" 90 renewed || { cat "$WORK/agent.log"; fail "'old' was not renewed onto generation 2"; }
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "anvil agent exited with status $?"
cat "$WORK/agent.log"
all_levels "$OLD" "$STATE/lineages/old/chain.pem"
echo "PASS: rotation, retirement on the root's CRL, ARI renewal onto the new generation"
