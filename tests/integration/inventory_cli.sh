#!/usr/bin/env bash
# The inventory commands of issue 15 (docs/inventory.md) on the real binary: `cert list` with its filters,
# paging and formats, `cert show`, `cert revoke` through the RA (audited; the running server's first CRL lists
# it), `account list|show|deactivate`. Certificates come from openssl signing with the CA's intermediate and
# `ca import-inventory`; the one account is a row written with sqlite3 as the ACME server writes it.
# Usage: inventory_cli.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-inventory-XXXXXX)
source "$HERE/../interop/lib.sh"
D="$WORK/data"
DB="$D/anvil.db"

step "three certificates signed by the CA's intermediate, imported (one RSA, one expiring in 10 days)"
"$ANVIL_CA" ca init --data-dir "$D" >/dev/null
mkdir -p "$WORK/issued"
cat >"$WORK/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EXT
leaf() {  # name key-options SANs days
  openssl req -new $2 -nodes -keyout "$WORK/$1.key" -subj "/CN=$1" -out "$WORK/$1.csr" 2>/dev/null
  printf 'subjectAltName = %s\n' "$3" | cat "$WORK/leaf.ext" - >"$WORK/$1.ext"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$D/ca/intermediate.pem" -CAkey "$D/ca/intermediate.key" \
    -CAcreateserial -days "$4" -extfile "$WORK/$1.ext" -out "$WORK/issued/$1.pem" 2>/dev/null
  openssl x509 -in "$WORK/issued/$1.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
WWW=$(leaf www "$EC" "DNS:www.example.com,DNS:example.com" 90)
API=$(leaf api "-newkey rsa:2048" "DNS:api.example.org" 60)
SOON=$(leaf soon "$EC" "DNS:soon.example.net,IP:192.0.2.1" 10)
"$ANVIL_CA" ca import-inventory --data-dir "$D" "$WORK/issued" >/dev/null

step "cert list: every certificate, soonest expiry first, with status, key type and names"
"$ANVIL_CA" cert list --data-dir "$D" | tee "$WORK/list.txt"
[ "$(tail -n +2 "$WORK/list.txt" | cut -f1 | tr '\n' ' ')" = "$SOON $API $WWW " ] || fail "order or serials"
grep -q "^$SOON	expiring	.*	ECDSA P-256	imported	-	soon.example.net,192.0.2.1$" "$WORK/list.txt" || fail "soon row"
grep -q "^$API	valid	.*	RSA 2048	" "$WORK/list.txt" || fail "api row"

step "cert list filters: name suffix, substring, status, expiring window"
list() { "$ANVIL_CA" cert list --data-dir "$D" "$@" | tail -n +2 | cut -f1 | tr '\n' ' '; }
[ "$(list --name-suffix example.com)" = "$WWW " ] || fail "suffix"
[ "$(list --name-suffix .EXAMPLE.com)" = "$WWW " ] || fail "suffix, any case"
[ "$(list --name-contains ample.)" = "$SOON $API $WWW " ] || fail "substring"
[ "$(list --name-contains 0.2.1)" = "$SOON " ] || fail "substring of an IP address"
[ "$(list --status expiring)" = "$SOON " ] || fail "status expiring"
[ "$(list --expiring-within 5d)" = "" ] || fail "expiring within 5 days"
[ "$(list --expiring-within 70d)" = "$SOON $API " ] || fail "expiring within 70 days"
[ "$(list --status valid --profile imported)" = "$API $WWW " ] || fail "status valid, profile"

step "cert list pages with a keyset cursor (printed on stderr)"
"$ANVIL_CA" cert list --data-dir "$D" --limit 2 >"$WORK/p1.txt" 2>"$WORK/p1.err"
[ "$(tail -n +2 "$WORK/p1.txt" | wc -l)" = 2 ] || fail "page 1 size"
CURSOR=$(sed -n 's/^more: --cursor //p' "$WORK/p1.err")
[ -n "$CURSOR" ] || fail "no cursor"
[ "$(list --limit 2 --cursor "$CURSOR")" = "$WWW " ] || fail "page 2"

step "cert list --json and --csv carry every field"
"$ANVIL_CA" cert list --data-dir "$D" --json >"$WORK/list.json"
python3 - "$WORK/list.json" "$API" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["next_cursor"] == "", doc["next_cursor"]
api = [c for c in doc["certificates"] if c["serial"] == sys.argv[2]][0]
assert api["names"] == ["api.example.org"] and api["key_type"] == "RSA 2048", api
assert api["status"] == "valid" and api["profile"] == "imported" and api["revoked_at"] is None, api
assert "Anvil" in api["issuer"] and len(api["authority_key_id"]) == 40, api
for field in ("not_before", "not_after", "account", "eab_label", "order", "replaced_by"):
    assert field in api, field
PY
"$ANVIL_CA" cert list --data-dir "$D" --csv >"$WORK/list.csv"
head -1 "$WORK/list.csv" | grep -q "^serial,status,not_before,not_after,names,issuer," || fail "CSV header"
grep -q "^$WWW,valid,.*,www.example.com example.com,\"CN=" "$WORK/list.csv" || fail "CSV row quotes the issuer DN"

step "bad input is refused with a clear error"
expect_error() {  # message, args...
  local message=$1; shift
  if "$ANVIL_CA" "$@" --data-dir "$D" >/dev/null 2>"$WORK/err.txt"; then fail "accepted: $*"; fi
  grep -q "$message" "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "error for $*"; }
}
expect_error "name_contains needs at least 3 characters" cert list --name-contains ab
expect_error "unknown status \"soon\"" cert list --status soon
expect_error "malformed cursor" cert list --cursor nonsense
expect_error "limit must be between 1 and 1000" cert list --limit 0
expect_error "cannot go with --status revoked" cert list --status revoked --expiring-within 3d
expect_error "exclude each other" cert list --json --csv
expect_error "certificate abc does not exist" cert show abc
expect_error "is not hexadecimal" cert show xyz

step "cert show: the decoded certificate, chain and history; the serial with colons and capitals"
COLONS=$(openssl x509 -in "$WORK/issued/api.pem" -noout -serial | cut -d= -f2 | sed 's/../&:/g; s/:$//')
"$ANVIL_CA" cert show --data-dir "$D" "$COLONS" | tee "$WORK/show.txt"
grep -q "^serial: *$API$" "$WORK/show.txt" || fail "serial"
grep -q "^key: *RSA 2048$" "$WORK/show.txt" || fail "key"
grep -q "^names: *api.example.org$" "$WORK/show.txt" || fail "names"
grep -q "^chain:" "$WORK/show.txt" && grep -q "Anvil Intermediate" "$WORK/show.txt" || fail "chain"
grep -q "certificate.imported" "$WORK/show.txt" || fail "history"

step "cert revoke goes through the RA: audited, a second revocation refused"
expect_error "unknown revocation reason" cert revoke "$API" --reason compromised
expect_error "is not one for an end-entity certificate" cert revoke "$API" --reason cACompromise
"$ANVIL_CA" cert revoke --data-dir "$D" "$API" --reason superseded --note "ticket 7" | tee "$WORK/revoke.txt"
grep -q "revoked (superseded)" "$WORK/revoke.txt" || fail "revoke output"
expect_error "already revoked" cert revoke "$API" --reason keyCompromise
[ "$(list --status revoked)" = "$API " ] || fail "revoked listing"
"$ANVIL_CA" cert list --data-dir "$D" --status revoked | grep -q "revoked (superseded)" || fail "reason shown"
"$ANVIL_CA" cert show --data-dir "$D" "$API" >"$WORK/show2.txt"
grep -q "certificate.revoked.*\"note\":\"ticket 7\".*\"requester\":\"operator\"" "$WORK/show2.txt" ||
  { cat "$WORK/show2.txt"; fail "audit row of the revocation"; }

step "the server's first CRL lists the revocation the command recorded"
PORT=$(free_port)
PUB_PORT=$(free_port)
printf '[server]\nlisten = ["127.0.0.1:%s"]\nexternal_url = "https://localhost:%s"\n[publication]\nlisten = ["127.0.0.1:%s"]\ncrl_revocation_delay = "0s"\n' \
  "$PORT" "$PORT" "$PUB_PORT" >"$WORK/port.toml"
"$ANVIL_CA" serve --data-dir "$D" --config "$WORK/port.toml" >"$WORK/serve.log" 2>&1 &
SERVER=$!
PIDS+=($SERVER)
wait_for "anvil-ca" 30 curl -sf --cacert "$D/ca/root.pem" "https://localhost:$PORT/directory"
crl_lists() {  # serial: whether a CRL file lists it
  for crl in "$D"/crl/*.crl; do openssl crl -inform DER -in "$crl" -noout -text; done | tr "A-F" "a-f" >"$WORK/crls.txt"
  grep -i "serial number: 0*$1\$" "$WORK/crls.txt" >/dev/null
}
crl_lists "$API" || fail "no CRL lists $API"

step "the expiry watch names the certificate expiring within its window (14d) at start"
# Its first check runs on its own thread as the server starts.
expiry_logged() { grep -q "expiry watch: 1 certificate expires within 14d and is not replaced" "$WORK/serve.log"; }
wait_for "the expiry watch's first check" 30 expiry_logged || fail "expiry summary"
grep "expiry watch" "$WORK/serve.log"
grep -q "expiry watch: serial $SOON (soon.example.net, 192.0.2.1) of no account (imported) expires at " \
  "$WORK/serve.log" || fail "expiry line"

step "a revocation while the server runs reaches its CRL on SIGHUP"
"$ANVIL_CA" cert revoke --data-dir "$D" "$SOON" --reason keyCompromise >/dev/null
! crl_lists "$SOON" || fail "listed before SIGHUP (the test proves nothing)"
kill -HUP "$SERVER"
wait_for "the CRL listing $SOON" 20 crl_lists "$SOON"
grep -q "SIGHUP: CA reloaded: .*CRLs remade, OCSP caches emptied" "$WORK/serve.log" || fail "reload log line"
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true

step "accounts: list with the EAB label, show with its certificates, deactivate through the RA"
"$ANVIL_CA" eab create --data-dir "$D" --kid team-kid --comment "web team" >/dev/null
sqlite3 "$DB" "INSERT INTO accounts (id, jwk_json, thumbprint, contacts_json, status, tos_agreed, eab_kid, created_at)
  VALUES ('acct-1', '{}', 'thumb-1', '[\"mailto:web@example.com\"]', 'valid', 1,
  'team-kid', 1800000000); UPDATE eab_keys SET account_id = 'acct-1' WHERE kid = 'team-kid';
  UPDATE certificates SET account_id = 'acct-1' WHERE serial = '$WWW';"
"$ANVIL_CA" account list --data-dir "$D" | tee "$WORK/accounts.txt"
grep -q "^acct-1	valid	.*	team-kid (web team)	mailto:web@example.com$" "$WORK/accounts.txt" || fail "account row"
[ "$(list --account acct-1)" = "$WWW " ] || fail "account filter"
"$ANVIL_CA" cert list --data-dir "$D" --account acct-1 --json | grep -q '"eab_label": "web team"' || fail "EAB label"
"$ANVIL_CA" account show --data-dir "$D" acct-1 | tee "$WORK/account.txt"
grep -q "^EAB key: *team-kid (web team)$" "$WORK/account.txt" && grep -q "  $WWW  valid" "$WORK/account.txt" ||
  fail "account show"
"$ANVIL_CA" account deactivate --data-dir "$D" acct-1 --note "left" | grep -q "deactivated" || fail "deactivate"
"$ANVIL_CA" account show --data-dir "$D" acct-1 >"$WORK/account2.txt"
grep -q "^status: *deactivated$" "$WORK/account2.txt" || fail "status after deactivation"
grep -q "account.deactivated.*\"requester\":\"operator\"" "$WORK/account2.txt" || fail "deactivation audit row"
expect_error "is deactivated already" account deactivate acct-1
expect_error "account nobody does not exist" account show nobody
"$ANVIL_CA" account list --data-dir "$D" --json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert [a["id"] for a in doc["accounts"]] == ["acct-1"] and doc["accounts"][0]["status"] == "deactivated", doc'

echo
echo "PASS"
rm -rf "$WORK"
