#!/usr/bin/env bash
# Migrating an existing CA into anvil-ca (docs/ca-operations.md, "Migrate an existing CA"), with OpenSSL as the
# old CA and as the relying party, on loopback. The old CA's intermediate signed three leaf certificates with
# `openssl x509 -req` and revoked one (keyCompromise) on a CRL made by `openssl ca -gencrl`. anvil-ca imports
# the root, intermediate and key (`ca init --import-*`), then the inventory (`ca import-inventory DIR --crl
# old.crl`): the three are recorded, the revoked one revoked; a CA certificate and a foreign certificate in the
# same directory are skipped; a second import records nothing twice. Served: anvil-ca's CRL of the imported
# intermediate is complete (no issuingDistributionPoint, which would leave the imported certificates out of its
# scope) and lists the revoked certificate (keyCompromise), `openssl verify -crl_check` refuses it and
# accepts the others, and `openssl ocsp` says good and revoked.
# Usage: ca_migration.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-migration-XXXXXX)
source "$HERE/lib.sh"

OLD="$WORK/old"
step "the old CA: root, intermediate, three leaves signed by openssl, one revoked on its CRL"
"$ANVIL_CA" ca init --data-dir "$OLD" >/dev/null
mkdir -p "$WORK/issued"
cat >"$WORK/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EXT
for name in a b c; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$name.key" \
    -subj "/CN=$name.example.net" -addext "subjectAltName=DNS:$name.example.net" -out "$WORK/$name.csr" 2>/dev/null
  printf 'subjectAltName = DNS:%s.example.net\n' "$name" | cat "$WORK/leaf.ext" - >"$WORK/$name.ext"
  openssl x509 -req -in "$WORK/$name.csr" -CA "$OLD/ca/intermediate.pem" -CAkey "$OLD/ca/intermediate.key" \
    -CAcreateserial -days 30 -extfile "$WORK/$name.ext" -out "$WORK/issued/$name.pem" 2>/dev/null
done
B_SERIAL=$(openssl x509 -in "$WORK/issued/b.pem" -noout -serial | cut -d= -f2)
B_END=$(openssl x509 -in "$WORK/issued/b.pem" -noout -enddate | cut -d= -f2)
mkdir -p "$WORK/oldca"
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=b.example.net\n' \
  "$(date -u -d "$B_END" +%y%m%d%H%M%SZ)" "$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)" "$B_SERIAL" >"$WORK/oldca/index.txt"
echo 01 >"$WORK/oldca/crlnumber"
cat >"$WORK/oldca/ca.cnf" <<CNF
[ca]
default_ca = old
[old]
database = $WORK/oldca/index.txt
crlnumber = $WORK/oldca/crlnumber
certificate = $OLD/ca/intermediate.pem
private_key = $OLD/ca/intermediate.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF
openssl ca -config "$WORK/oldca/ca.cnf" -gencrl -out "$WORK/old.crl" 2>/dev/null
openssl crl -in "$WORK/old.crl" -noout -text | grep -qi "Serial Number: $B_SERIAL" || fail "the old CRL does not list b"
# In the same directory: a CA certificate and a certificate of another CA, which are not imported.
cp "$OLD/ca/intermediate.pem" "$WORK/issued/intermediate.pem"
"$ANVIL_CA" ca init --data-dir "$WORK/other" >/dev/null
openssl x509 -req -in "$WORK/a.csr" -CA "$WORK/other/ca/intermediate.pem" -CAkey "$WORK/other/ca/intermediate.key" \
  -CAcreateserial -days 30 -extfile "$WORK/a.ext" -out "$WORK/issued/foreign.pem" 2>/dev/null

NEW="$WORK/new"
step "anvil-ca ca init --import-*, then ca import-inventory with the old CRL"
"$ANVIL_CA" ca init --data-dir "$NEW" --import-root "$OLD/ca/root.pem" \
  --import-intermediate "$OLD/ca/intermediate.pem" --import-key "$OLD/ca/intermediate.key"
"$ANVIL_CA" ca import-inventory --data-dir "$NEW" "$WORK/issued" --crl "$WORK/old.crl" | tee "$WORK/import.out"
grep -q "imported 3 certificate(s), 1 of them revoked; 0 recorded already; 2 skipped." "$WORK/import.out" ||
  fail "unexpected import summary"
grep -q "intermediate.pem .*: a CA certificate" "$WORK/import.out" || fail "the CA certificate was not skipped"
grep -q "foreign.pem .*: not issued by one of the CA's intermediates" "$WORK/import.out" ||
  fail "the foreign certificate was not skipped"
"$ANVIL_CA" ca import-inventory --data-dir "$NEW" "$WORK/issued/a.pem" "$WORK/issued/b.pem" | tee "$WORK/again.out"
grep -q "imported 0 certificate(s), 0 of them revoked; 2 recorded already; 0 skipped." "$WORK/again.out" ||
  fail "a second import recorded something again"
if "$ANVIL_CA" ca import-inventory --data-dir "$NEW" "$WORK/issued" --crl "$WORK/other/ca/intermediate.pem" \
  2>"$WORK/badcrl.err"; then fail "a file that is no CRL of the CA was accepted"; fi

step "anvil-ca serves the imported inventory: its CRL lists b, OCSP answers for all three"
ACME_PORT=$(free_port)
PUBLICATION_PORT=$(free_port)
PUBLICATION_URL="http://127.0.0.1:$PUBLICATION_PORT"
cat >"$WORK/new.toml" <<TOML
data_dir = "$NEW"
[server]
listen = ["127.0.0.1:$ACME_PORT"]
external_url = "https://localhost:$ACME_PORT"
[publication]
listen = ["127.0.0.1:$PUBLICATION_PORT"]
TOML
"$ANVIL_CA" serve --config "$WORK/new.toml" >"$WORK/anvil-ca.log" 2>&1 &
ANVIL_PID=$!
PIDS+=($ANVIL_PID)
ISSUER_ID=$(openssl x509 -in "$OLD/ca/intermediate.pem" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' :' |
  tr 'A-F' 'a-f')
wait_for "anvil-ca" 30 curl -sf "$PUBLICATION_URL/crl/$ISSUER_ID.crl" -o "$WORK/new-crl.der"
openssl crl -inform DER -in "$WORK/new-crl.der" -out "$WORK/new-crl.pem"
openssl crl -in "$WORK/new-crl.pem" -noout -text | tee "$WORK/new-crl.txt"
grep -A4 -i "Serial Number: $B_SERIAL" "$WORK/new-crl.txt" | grep -q "Key Compromise" ||
  fail "anvil-ca's CRL does not list b as keyCompromise"
# Complete: an issuingDistributionPoint would put the imported certificates (which name no such URL) out of its
# scope, and OpenSSL would answer "different CRL scope" (error 44).
if grep -q "Issuing Distribution Point" "$WORK/new-crl.txt"; then fail "the CRL is scoped by an IDP"; fi
[ -e "$NEW/ca/intermediate.imported" ] || fail "the generation is not marked as holding imported certificates"
verify() { openssl verify -crl_check -CAfile "$OLD/ca/root.pem" -untrusted "$OLD/ca/intermediate.pem" \
  -CRLfile "$WORK/new-crl.pem" "$WORK/issued/$1.pem"; }
verify a
verify c
if verify b >"$WORK/verify-b.out" 2>&1; then fail "b accepted"; fi
grep -q "certificate revoked" "$WORK/verify-b.out" || fail "openssl did not say b is revoked"
cat "$OLD/ca/root.pem" "$OLD/ca/intermediate.pem" >"$WORK/cas.pem"
ocsp() { openssl ocsp -issuer "$OLD/ca/intermediate.pem" -cert "$WORK/issued/$1.pem" -url "$PUBLICATION_URL/ocsp" \
  -CAfile "$WORK/cas.pem" 2>&1; }
ocsp a | tee "$WORK/ocsp-a.txt"
grep -q "issued/a.pem: good" "$WORK/ocsp-a.txt" || fail "OCSP did not say good for a"
ocsp b | tee "$WORK/ocsp-b.txt"
grep -q "issued/b.pem: revoked" "$WORK/ocsp-b.txt" && grep -q "Reason: keyCompromise" "$WORK/ocsp-b.txt" ||
  fail "OCSP did not say revoked (keyCompromise) for b"
echo "PASS: an existing CA's root, intermediate and inventory imported; its revocations carried over"
