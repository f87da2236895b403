#!/usr/bin/env bash
# Interop of the `anvil` client with Debian's Pebble (Let's Encrypt's test CA), over loopback only:
#   http-01 standalone for two names; dns-01 through a hook writing TXT records into pebble-challtestsrv (a
#   wildcard and its base name) a few seconds late, so anvil's propagation check must wait, and a record that
#   never appears (propagation timeout); tls-alpn-01 standalone; an alternate chain chosen with --preferred-chain;
#   `renew --force` (new serial) and plain `renew` (nothing due: exit 3); account show and key rollover;
#   revoke by account key and by the certificate's own key (a second revocation surfaces alreadyRevoked); an IP
#   identifier; --csr; External Account Binding against a second Pebble that requires it.
# Pebble runs with PEBBLE_VA_NOSLEEP=1 and its default 5% nonce rejection, so badNonce retries are exercised.
# Every certificate is checked with `openssl verify` against the Pebble root it chains to.
# Usage: anvil_pebble.sh PATH/TO/anvil
set -euo pipefail
ANVIL_BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-pebble-XXXXXX)
source "$HERE/lib.sh"
exec 2> >(tee -a "$WORK/stderr.log" >&2)  # Keeps a copy of stderr to count badNonce retries at the end.

command -v pebble >/dev/null || fail "pebble is not installed (scripts/install-deps)"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
TLS_PORT=$(free_port)
start_challtestsrv  # DNS_PORT (A → 127.0.0.1, TXT via the management API) and MGMT_PORT

step "pebble on 127.0.0.1 with its own HTTPS certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/pebble-key.pem" \
  -out "$WORK/pebble-cert.pem" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
PEBBLE_PORT=$(free_port)
PEBBLE_MGMT=$(free_port)
cat >"$WORK/pebble.json" <<JSON
{
  "pebble": {
    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT",
    "certificate": "$WORK/pebble-cert.pem",
    "privateKey": "$WORK/pebble-key.pem",
    "httpPort": $HTTP_PORT,
    "tlsPort": $TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
PEBBLE_VA_NOSLEEP=1 PEBBLE_ALTERNATE_ROOTS=1 pebble -config "$WORK/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT" \
  >"$WORK/pebble.log" 2>&1 &
PIDS+=($!)
DIRECTORY="https://127.0.0.1:$PEBBLE_PORT/dir"
CA_BUNDLE="$WORK/pebble-cert.pem"
wait_for "pebble" 30 curl -sf --cacert "$CA_BUNDLE" "$DIRECTORY" || { cat "$WORK/pebble.log"; exit 1; }
curl -sf --cacert "$CA_BUNDLE" "https://127.0.0.1:$PEBBLE_MGMT/roots/0" >"$WORK/root0.pem"
curl -sf --cacert "$CA_BUNDLE" "https://127.0.0.1:$PEBBLE_MGMT/roots/1" >"$WORK/root1.pem"
ALT_ROOT_CN=$(openssl x509 -in "$WORK/root1.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')
echo "alternate root: $ALT_ROOT_CN"

STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE" -v)  # -v: one stderr line per ACME request and badNonce retry
LINEAGES="$STATE/lineages"
# verify LINEAGE [ROOT]: the lineage's certificate chains to a Pebble root; key and certificate match.
verify() {
  local dir="$LINEAGES/$1" root=${2:-$WORK/root0.pem}
  openssl verify -CAfile "$root" -untrusted "$dir/chain.pem" "$dir/cert.pem" || fail "openssl verify $1"
  [ "$(openssl x509 -in "$dir/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$dir/key.pem" -pubout)" ] ||
    fail "$1: key does not match the certificate"
  [ "$(stat -c %a "$dir/key.pem")" = 600 ] || fail "$1: key.pem is not 0600"
}
serial() { openssl x509 -in "$LINEAGES/$1/cert.pem" -noout -serial; }
has_san() { openssl x509 -in "$LINEAGES/$1/cert.pem" -noout -ext subjectAltName | grep -qF "$2" || fail "$1: no SAN $2"; }

step "anvil issue: two names via http-01 standalone on 127.0.0.1:$HTTP_PORT"
"${ANVIL[@]}" --json issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" -m admin@anvil.test --name two \
  -d a.anvil.test -d b.anvil.test --http-address 127.0.0.1 --http-port "$HTTP_PORT" \
  --deploy-hook "echo deployed \$ANVIL_LINEAGE_NAME > $WORK/deployed" | tee "$WORK/issue.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["lineage"]=="two", d' "$WORK/issue.json"
verify two
has_san two DNS:a.anvil.test
has_san two DNS:b.anvil.test
grep -q "deployed two" "$WORK/deployed" || fail "deploy hook did not run"

step "anvil issue: wildcard and base name via dns-01 (hook writes TXT into challtestsrv 3 s late; anvil waits)"
# `add` returns at once and publishes 3 s later, like a DNS provider's API: anvil must ask DNS (challtestsrv, the
# resolver pebble uses) until the value is there before it tells pebble to validate.
cat >"$WORK/dns-hook.sh" <<HOOK
#!/usr/bin/env bash
set -e
case "\$1" in
  add) (sleep 3; curl -sf -X POST -d "{\"host\":\"\$2.\",\"value\":\"\$3\"}" http://127.0.0.1:$MGMT_PORT/set-txt) \
         >/dev/null 2>&1 & ;;
  remove) curl -sf -X POST -d "{\"host\":\"\$2.\"}" http://127.0.0.1:$MGMT_PORT/clear-txt ;;
esac
echo "\$@" >>"$WORK/dns-hook.log"
HOOK
chmod +x "$WORK/dns-hook.sh"
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name wild \
  -d '*.wild.anvil.test' -d wild.anvil.test --dns-hook "$WORK/dns-hook.sh" --key-type ec384 \
  --dns-resolver "127.0.0.1:$DNS_PORT" 2>"$WORK/wild.err"
cat "$WORK/wild.err"
verify wild
has_san wild 'DNS:*.wild.anvil.test'
grep -q "^add _acme-challenge.wild.anvil.test " "$WORK/dns-hook.log" || fail "dns hook add not called"
grep -q "^remove _acme-challenge.wild.anvil.test " "$WORK/dns-hook.log" || fail "dns hook remove not called"
grep -q "dns-01: TXT _acme-challenge.wild.anvil.test .* not yet visible at 127.0.0.1:$DNS_PORT" "$WORK/wild.err" ||
  fail "anvil did not wait for the TXT record"
[ "$(grep -c "dns-01: TXT _acme-challenge.wild.anvil.test .* is visible" "$WORK/wild.err")" = 2 ] ||
  fail "anvil did not see both TXT values before validation"
grep -q "^dns_resolvers = \\[ .127.0.0.1:$DNS_PORT. \\]" "$STATE/lineages/wild/lineage.toml" ||
  fail "--dns-resolver not kept for renewals"

step "dns-01: a record that never appears fails after --dns-propagation-timeout, naming record, value, resolver"
printf '#!/bin/sh\nexit 0\n' >"$WORK/lazy-hook.sh"
chmod +x "$WORK/lazy-hook.sh"
set +e
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name lazy -d lazy.anvil.test \
  --dns-hook "$WORK/lazy-hook.sh" --dns-resolver "127.0.0.1:$DNS_PORT" --dns-propagation-timeout 3 2>"$WORK/lazy.err"
rc=$?
set -e
grep -v "^anvil: POST\|^anvil: HEAD\|^anvil: GET" "$WORK/lazy.err" | tail -n 3
[ $rc -eq 1 ] || fail "a TXT record that never appeared exited $rc, expected 1"
grep -q 'error: dns: .*the TXT record _acme-challenge.lazy.anvil.test with value "[A-Za-z0-9_-]*" was not visible after 3 s .* at 127.0.0.1:'"$DNS_PORT"': no TXT record' "$WORK/lazy.err" ||
  fail "the propagation timeout error does not name the record, the value and the resolver"
[ ! -e "$LINEAGES/lazy" ] || fail "a failed first issuance left a lineage"

step "anvil issue: tls-alpn-01 standalone on 127.0.0.1:$TLS_PORT, RSA key, alternate chain"
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name alpn -d alpn.anvil.test \
  --tls-alpn-address 127.0.0.1 --tls-alpn-port "$TLS_PORT" --key-type rsa2048 --preferred-chain "$ALT_ROOT_CN"
verify alpn "$WORK/root1.pem"
openssl x509 -in "$LINEAGES/alpn/cert.pem" -noout -text | grep -q "rsaEncryption" || fail "alpn: not an RSA key"

step "anvil list --json"
"${ANVIL[@]}" --json list | tee "$WORK/list.json" | head -c 600; echo
python3 - "$WORK/list.json" <<'PY' || fail "list does not show the three lineages"
import json, sys
items = {e["lineage"]: e for e in json.load(open(sys.argv[1]))}
assert set(items) == {"two", "wild", "alpn"}, items.keys()
assert all(e["last_result"] == "ok" and e["certificate"]["days_left"] > 0 for e in items.values())
PY

step "anvil renew: nothing is due (exit 3), then --force renews (new serial)"
set +e
"${ANVIL[@]}" renew --all
rc=$?
set -e
[ $rc -eq 3 ] || fail "renew with nothing due exited $rc, expected 3"
FIRST=$(serial two)
"${ANVIL[@]}" renew two --force
SECOND=$(serial two)
[ "$FIRST" != "$SECOND" ] || fail "renewal did not produce a new certificate"
echo "renewed: $FIRST -> $SECOND"
verify two
[ -f "$LINEAGES/two/previous/cert.pem" ] || fail "previous certificate not kept"
[ "$(openssl x509 -in "$LINEAGES/two/previous/cert.pem" -noout -serial)" = "$FIRST" ] || fail "previous/ is not the old one"

step "anvil account show, then key rollover (RFC 8555 §7.3.5) and an issuance with the new key"
"${ANVIL[@]}" --json account show --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" | tee "$WORK/acct1.json"
"${ANVIL[@]}" --json account rollover --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" | tee "$WORK/acct2.json"
python3 - "$WORK/acct1.json" "$WORK/acct2.json" <<'PY' || fail "rollover kept the thumbprint or changed the account"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["url"] == b["url"] and a["thumbprint"] != b["thumbprint"], (a, b)
PY
"${ANVIL[@]}" renew wild --force
verify wild
"${ANVIL[@]}" --json account update --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" -m ops@anvil.test |
  tee "$WORK/acct3.json"
grep -q '"contact":\["mailto:ops@anvil.test"\]' "$WORK/acct3.json" || fail "account update did not change the contact"

step "anvil revoke: by account key, then by the certificate's own key with a reason"
"${ANVIL[@]}" revoke --cert "$LINEAGES/two/cert.pem"
set +e
"${ANVIL[@]}" revoke --cert "$LINEAGES/two/cert.pem" 2>"$WORK/again.err"
rc=$?
set -e
cat "$WORK/again.err"
[ $rc -eq 1 ] && grep -q "alreadyRevoked" "$WORK/again.err" || fail "second revocation did not surface alreadyRevoked"
"${ANVIL[@]}" revoke --cert "$LINEAGES/alpn/cert.pem" --key "$LINEAGES/alpn/key.pem" --reason 1 \
  --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE"

step "anvil issue: an IP identifier (RFC 8738) via http-01"
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name ip -d 127.0.0.1 \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify ip
has_san ip "IP Address:127.0.0.1"

step "anvil issue --csr: the user's own CSR and key (anvil never sees the key)"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/own-key.pem" \
  -out "$WORK/own.csr" -subj "/CN=csr.anvil.test" -addext "subjectAltName=DNS:csr.anvil.test" 2>/dev/null
"${ANVIL[@]}" issue --server "$DIRECTORY" --ca-bundle "$CA_BUNDLE" --name own --csr "$WORK/own.csr" \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT"
openssl verify -CAfile "$WORK/root0.pem" -untrusted "$LINEAGES/own/chain.pem" "$LINEAGES/own/cert.pem"
[ "$(openssl x509 -in "$LINEAGES/own/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$WORK/own-key.pem" -pubout)" ] ||
  fail "--csr: the certificate is not for the CSR's key"
[ ! -e "$LINEAGES/own/key.pem" ] || fail "--csr: a key.pem was written"

step "External Account Binding: a second pebble that requires it"
EAB_PORT=$(free_port)
EAB_MGMT=$(free_port)
EAB_KEY=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
sed -e "s/127.0.0.1:$PEBBLE_PORT/127.0.0.1:$EAB_PORT/" -e "s/127.0.0.1:$PEBBLE_MGMT/127.0.0.1:$EAB_MGMT/" \
  -e 's/"externalAccountBindingRequired": false/"externalAccountBindingRequired": true,\n    "externalAccountMACKeys": {"kid-1": "'$EAB_KEY'"}/' \
  "$WORK/pebble.json" >"$WORK/pebble-eab.json"
PEBBLE_VA_NOSLEEP=1 pebble -config "$WORK/pebble-eab.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$WORK/pebble-eab.log" 2>&1 &
PIDS+=($!)
EAB_DIRECTORY="https://127.0.0.1:$EAB_PORT/dir"
wait_for "pebble (EAB)" 30 curl -sf --cacert "$CA_BUNDLE" "$EAB_DIRECTORY" || { cat "$WORK/pebble-eab.log"; exit 1; }
set +e
"${ANVIL[@]}" account register --server "$EAB_DIRECTORY" --ca-bundle "$CA_BUNDLE" --agree-tos 2>"$WORK/noeab.err"
rc=$?
set -e
cat "$WORK/noeab.err"
[ $rc -eq 1 ] && grep -q externalAccountRequired "$WORK/noeab.err" || fail "registration without EAB was not refused"
"${ANVIL[@]}" account register --server "$EAB_DIRECTORY" --ca-bundle "$CA_BUNDLE" --agree-tos -m eab@anvil.test \
  --eab-kid kid-1 --eab-hmac-key "$EAB_KEY"
"${ANVIL[@]}" issue --server "$EAB_DIRECTORY" --ca-bundle "$CA_BUNDLE" --name eab -d eab.anvil.test \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT"
openssl x509 -in "$LINEAGES/eab/cert.pem" -noout -subject | grep -q eab.anvil.test || fail "no EAB certificate"

step "account deactivate: the EAB account is deactivated and no longer used"
"${ANVIL[@]}" --json account deactivate --server "$EAB_DIRECTORY" --ca-bundle "$CA_BUNDLE" | tee "$WORK/deact.json"
grep -q '"status":"deactivated"' "$WORK/deact.json" || fail "account not deactivated"
set +e
"${ANVIL[@]}" account show --server "$EAB_DIRECTORY" --ca-bundle "$CA_BUNDLE" 2>"$WORK/show.err"
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no account" "$WORK/show.err" || fail "a deactivated account is still used"

step "usage errors exit 2"
set +e
"${ANVIL[@]}" issue --server "$DIRECTORY" -d x.anvil.test 2>/dev/null
rc=$?
set -e
[ $rc -eq 2 ] || fail "issue without a solver exited $rc, expected 2"

echo "badNonce retries during this run (pebble rejects 5% of nonces): $(cat "$WORK"/*.err "$WORK/stderr.log" | grep -c "badNonce: retrying" || true)"
echo
echo "PASS: anvil against pebble (http-01, dns-01 wildcard, tls-alpn-01, IP, alternate chain, renew, rollover, revoke, EAB)"
