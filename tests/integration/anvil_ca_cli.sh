#!/usr/bin/env bash
# The anvil-ca administration commands on a fresh data directory: config example/check, ca init, ca show,
# import of an existing hierarchy, eab create/list, zero-configuration serve reusing its CA on a second start.
# Usage: anvil_ca_cli.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-cli-XXXXXX)
source "$HERE/../interop/lib.sh"

step "config example parses back with config check"
"$ANVIL_CA" config example >"$WORK/example.toml"
grep -q "^\[server\]" "$WORK/example.toml" || fail "example has no [server] table"
"$ANVIL_CA" config check --config "$WORK/example.toml" | grep -q "configuration OK"

step "an unknown key is an error naming the key"
printf '[acme]\nordr_lifetime = "7d"\n' >"$WORK/bad.toml"
if "$ANVIL_CA" config check --config "$WORK/bad.toml" 2>"$WORK/bad.err"; then fail "bad config accepted"; fi
grep -q "acme.ordr_lifetime" "$WORK/bad.err" || { cat "$WORK/bad.err"; fail "error does not name the key"; }

step "ca init creates the hierarchy; keys are 0600; a second init is refused"
"$ANVIL_CA" ca init --data-dir "$WORK/a"
[ "$(stat -c %a "$WORK/a/ca/root.key")" = 600 ] || fail "root key mode"
[ "$(stat -c %a "$WORK/a/ca/intermediate.key")" = 600 ] || fail "intermediate key mode"
if "$ANVIL_CA" ca init --data-dir "$WORK/a" 2>/dev/null; then fail "second ca init accepted"; fi
openssl verify -CAfile "$WORK/a/ca/root.pem" "$WORK/a/ca/intermediate.pem"
openssl x509 -in "$WORK/a/ca/root.pem" -noout -text | grep -q "NIST CURVE: P-384" || fail "root is not P-384"
openssl x509 -in "$WORK/a/ca/intermediate.pem" -noout -text | grep -q "NIST CURVE: P-256" || fail "intermediate is not P-256"

step "ca show prints subjects, fingerprints and expiry"
"$ANVIL_CA" ca show --data-dir "$WORK/a" | tee "$WORK/show.txt"
grep -q "Anvil Root CA" "$WORK/show.txt" && grep -q "sha256:" "$WORK/show.txt" || fail "ca show output"
fp=$(openssl x509 -in "$WORK/a/ca/root.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr 'A-F' 'a-f')
grep -q "$fp" "$WORK/show.txt" || fail "root fingerprint differs from openssl's"

step "ca init --import-* takes an existing root and intermediate"
"$ANVIL_CA" ca init --data-dir "$WORK/b" --import-root "$WORK/a/ca/root.pem" \
  --import-intermediate "$WORK/a/ca/intermediate.pem" --import-key "$WORK/a/ca/intermediate.key"
cmp "$WORK/a/ca/intermediate.pem" "$WORK/b/ca/intermediate.pem"
if "$ANVIL_CA" ca init --data-dir "$WORK/c" --import-root "$WORK/a/ca/root.pem" 2>/dev/null; then
  fail "partial import accepted"
fi

step "eab create prints a kid and key once; eab list shows it usable, no use of one made"
"$ANVIL_CA" eab create --data-dir "$WORK/a" --kid ops-team --comment "for ops" | tee "$WORK/eab.txt"
grep -q "^kid: *ops-team" "$WORK/eab.txt" && grep -q "^hmac key: " "$WORK/eab.txt" || fail "eab create output"
"$ANVIL_CA" eab list --data-dir "$WORK/a" | tee "$WORK/eab-list.txt"
grep -q "^ops-team	usable	uses 0/1	policy -	expires never	for ops$" "$WORK/eab-list.txt" || fail "eab list"
if "$ANVIL_CA" eab create --data-dir "$WORK/a" --kid ops-team 2>/dev/null; then fail "duplicate kid accepted"; fi

step "zero-configuration serve (ANVIL_DATA), then a second start reuses the CA"
PORT=$(free_port)
PUB_PORT=$(free_port)
printf '[server]\nlisten = ["127.0.0.1:%s"]\nexternal_url = "https://localhost:%s"\n[publication]\nlisten = ["127.0.0.1:%s"]\n' \
  "$PORT" "$PORT" "$PUB_PORT" >"$WORK/port.toml"
ANVIL_DATA="$WORK/z" "$ANVIL_CA" serve --config "$WORK/port.toml" >"$WORK/serve1.log" 2>&1 &
PID=$!
PIDS+=($PID)
wait_for "anvil-ca" 30 curl -sf --cacert "$WORK/z/ca/root.pem" "https://localhost:$PORT/directory"
grep -q "ACME directory:   https://localhost:$PORT/directory" "$WORK/serve1.log" || fail "directory URL not printed"
grep -q "certbot certonly" "$WORK/serve1.log" || fail "certbot line not printed"
# The CRL URL printed is served by the publication listener (plain HTTP) and parses as a CRL.
CRL_URL=$(sed -n 's/^  CRL: *//p' "$WORK/serve1.log")
case "$CRL_URL" in "http://127.0.0.1:$PUB_PORT/crl/"*.crl) ;; *) fail "CRL URL not printed: '$CRL_URL'" ;; esac
curl -sf "$CRL_URL" | openssl crl -inform DER -noout -text | grep -q "No Revoked Certificates" || fail "no CRL served"
first=$(openssl x509 -in "$WORK/z/ca/intermediate.pem" -noout -fingerprint -sha256)
# server.batch_scheduling (default true): every thread runs with SCHED_BATCH (policy 3: field 41 of stat,
# the 39th after the parenthesized name).
policies() { for t in /proc/"$1"/task/*; do sed 's/.*) //' "$t/stat" | awk '{print $39}'; done | sort -u | tr '\n' ' '; }
[ "$(policies $PID)" = "3 " ] || fail "threads not all SCHED_BATCH: policies $(policies $PID)"
[ "$(ls /proc/$PID/task | wc -l)" -gt 3 ] || fail "expected the server's threads to be running"
kill -TERM $PID; wait $PID
sed -i 's/^\[server\]$/[server]\nbatch_scheduling = false/' "$WORK/port.toml"
printf '[log]\nformat = "json"\n' >>"$WORK/port.toml"
ANVIL_DATA="$WORK/z" "$ANVIL_CA" serve --config "$WORK/port.toml" >"$WORK/serve2.log" 2>"$WORK/serve2.err" &
PID=$!
PIDS+=($PID)
wait_for "anvil-ca (second start)" 30 curl -sf --cacert "$WORK/z/ca/root.pem" "https://localhost:$PORT/directory"
[ "$first" = "$(openssl x509 -in "$WORK/z/ca/intermediate.pem" -noout -fingerprint -sha256)" ] || fail "CA re-created"
# TLS 1.1 is refused; TLS 1.2 is accepted.
if curl -s --tls-max 1.1 --cacert "$WORK/z/ca/root.pem" "https://localhost:$PORT/directory" >/dev/null 2>&1; then
  fail "TLS 1.1 accepted"
fi
curl -sf --tlsv1.2 --tls-max 1.2 --cacert "$WORK/z/ca/root.pem" "https://localhost:$PORT/directory" >/dev/null
[ "$(policies $PID)" = "0 " ] || fail "batch_scheduling = false: policies $(policies $PID)"
# What the transport refuses is an ACME problem document whose status member is the HTTP status, with a nonce
# (issue 13): a body over server.max_body_bytes (64 KiB) and a header block over server.max_header_bytes.
refusal() {  # STATUS CURL_ARGS...: checks one refused request
  local want=$1
  shift
  local code
  code=$(curl -s -o "$WORK/refusal.json" -D "$WORK/refusal.headers" -w '%{http_code}' \
    --cacert "$WORK/z/ca/root.pem" "$@") || true
  [ "$code" = "$want" ] || fail "expected $want, got $code"
  grep -qi '^content-type: application/problem+json' "$WORK/refusal.headers" || fail "$want: not a problem document"
  grep -qi '^replay-nonce: ' "$WORK/refusal.headers" || fail "$want: no Replay-Nonce"
  python3 - "$WORK/refusal.json" "$want" <<'PY' || fail "$want: wrong problem document"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["status"] == int(sys.argv[2]) and p["type"] == "urn:ietf:params:acme:error:malformed", p
PY
}
head -c 70000 /dev/zero | tr '\0' 'x' >"$WORK/big.body"
refusal 413 -X POST -H 'Content-Type: application/jose+json' --data-binary "@$WORK/big.body" \
  "https://localhost:$PORT/acme/new-order"
refusal 431 -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' 'h')" "https://localhost:$PORT/directory"
kill -TERM $PID; wait $PID
# log.format = "json": every log line is one JSON object with time, level and msg.
python3 - "$WORK/serve2.err" <<'PY' || fail "log lines are not JSON"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    j = json.loads(l)
    assert {"time", "level", "msg"} <= j.keys(), l
assert any("anvil-ca stopped" in json.loads(l)["msg"] for l in lines)
PY

step "an offline root: ca init --offline-root, then rotate, retire and root-crl with --root-key"
OFF="$WORK/offline"
"$ANVIL_CA" ca init --data-dir "$OFF" --offline-root "$WORK/root-offline.key" | tee "$WORK/offline-init.out"
[ ! -e "$OFF/ca/root.key" ] || fail "the offline root's key is in the data directory"
[ "$(stat -c %a "$WORK/root-offline.key")" = 600 ] || fail "offline root key mode"
"$ANVIL_CA" ca show --data-dir "$OFF" | grep -q "key:         offline" || fail "ca show does not say the root is offline"
if "$ANVIL_CA" ca rotate --data-dir "$OFF" 2>"$WORK/rotate.err"; then fail "rotate without the root key"; fi
grep -q -- "--root-key" "$WORK/rotate.err" || { cat "$WORK/rotate.err"; fail "rotate does not ask for --root-key"; }
if "$ANVIL_CA" ca retire 1 --reason superseded --data-dir "$OFF" 2>"$WORK/retire-alone.err"; then
  fail "the only intermediate was retired"
fi
grep -q "ca rotate" "$WORK/retire-alone.err" || { cat "$WORK/retire-alone.err"; fail "retire does not say to rotate"; }
"$ANVIL_CA" ca rotate --data-dir "$OFF" --root-key "$WORK/root-offline.key"
openssl verify -CAfile "$OFF/ca/root.pem" "$OFF/ca/intermediate-2.pem"
"$ANVIL_CA" ca retire 1 --reason keyCompromise --data-dir "$OFF" | tee "$WORK/retire.out"
grep -q "The root key is offline" "$WORK/retire.out" || fail "retire does not say how to sign the root's CRL"
"$ANVIL_CA" ca root-crl --data-dir "$OFF" --root-key "$WORK/root-offline.key" --validity 90d
openssl crl -inform DER -in "$OFF/crl/root.crl" -noout -verify -CAfile "$OFF/ca/root.pem" 2>&1 | grep -q "verify OK" ||
  fail "the root's CRL does not verify with the root"
SERIAL1=$(openssl x509 -in "$OFF/ca/intermediate.pem" -noout -serial | cut -d= -f2)
openssl crl -inform DER -in "$OFF/crl/root.crl" -noout -text >"$WORK/root-crl.txt"
grep -A4 -i "Serial Number: $SERIAL1" "$WORK/root-crl.txt" | grep -q "Key Compromise" ||
  { cat "$WORK/root-crl.txt"; fail "the root's CRL does not list generation 1 as keyCompromise"; }
if "$ANVIL_CA" ca root-crl --data-dir "$OFF" --root-key "$WORK/root-offline.key" --validity 400d 2>/dev/null; then
  fail "a root CRL valid 400 days was signed"
fi
if "$ANVIL_CA" ca root-crl --data-dir "$OFF" --root-key "$WORK/a/ca/root.key" 2>"$WORK/wrong-root.err"; then
  fail "another CA's root key signed the root's CRL"
fi
grep -q "is not the key of" "$WORK/wrong-root.err" || { cat "$WORK/wrong-root.err"; fail "wrong root key not named"; }

step "ca.key_passphrase: CA keys encrypted at rest, read by openssl, needed to start; ca encrypt-keys"
printf 'two words\n' >"$WORK/passphrase"
chmod 600 "$WORK/passphrase"
EPORT=$(free_port)
EPUB=$(free_port)
cat >"$WORK/enc.toml" <<TOML
data_dir = "$WORK/enc"
[server]
listen = ["127.0.0.1:$EPORT"]
external_url = "https://localhost:$EPORT"
[publication]
listen = ["127.0.0.1:$EPUB"]
[ca]
key_passphrase = "file:$WORK/passphrase"
TOML
"$ANVIL_CA" ca init --config "$WORK/enc.toml"
for key in root intermediate; do
  head -n 1 "$WORK/enc/ca/$key.key" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" || fail "$key.key is not encrypted"
  openssl pkey -in "$WORK/enc/ca/$key.key" -passin "file:$WORK/passphrase" -noout || fail "openssl cannot read $key.key"
done
if "$ANVIL_CA" ca show --data-dir "$WORK/enc" 2>"$WORK/nopass.err"; then fail "encrypted keys read without a passphrase"; fi
grep -q "ca.key_passphrase" "$WORK/nopass.err" || { cat "$WORK/nopass.err"; fail "the error does not name ca.key_passphrase"; }
"$ANVIL_CA" serve --config "$WORK/enc.toml" >"$WORK/enc-serve.log" 2>&1 &
PID=$!
PIDS+=($PID)
wait_for "anvil-ca with encrypted keys" 30 curl -sf --cacert "$WORK/enc/ca/root.pem" "https://localhost:$EPORT/directory"
curl -sf "http://127.0.0.1:$EPUB/crl/root.crl" | openssl crl -inform DER -noout || fail "no root CRL from the encrypted root"
kill -TERM $PID; wait $PID
if grep -q "two words" "$WORK/enc-serve.log"; then fail "the passphrase was logged"; fi
chmod 644 "$WORK/passphrase"
if "$ANVIL_CA" config check --config "$WORK/enc.toml" 2>"$WORK/mode.err"; then fail "a world-readable passphrase file was accepted"; fi
grep -q "chmod 600" "$WORK/mode.err" || { cat "$WORK/mode.err"; fail "the error does not say chmod 600"; }
chmod 600 "$WORK/passphrase"
# An existing plain CA, encrypted in place.
sed -i "s|^data_dir = .*|data_dir = \"$WORK/a\"|" "$WORK/enc.toml"
"$ANVIL_CA" ca encrypt-keys --config "$WORK/enc.toml" | tee "$WORK/encrypt.out"
grep -q "encrypted $WORK/a/ca/intermediate.key" "$WORK/encrypt.out" || fail "encrypt-keys did not report the key"
head -n 1 "$WORK/a/ca/root.key" | grep -q "BEGIN ENCRYPTED PRIVATE KEY" || fail "root.key not encrypted in place"
"$ANVIL_CA" ca show --config "$WORK/enc.toml" >/dev/null || fail "the encrypted CA does not load with its passphrase"

echo
echo "anvil-ca CLI: config, ca init/show/import/rotate/retire/root-crl (offline root), encrypted keys, eab, zero-config serve and restart, transport refusals: all passed"
