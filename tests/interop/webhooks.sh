#!/usr/bin/env bash
# Outgoing webhooks (docs/webhooks.md) end to end, on loopback, with Debian's certbot and a receiver written
# apart from anvil-ca (tests/interop/webhook_receiver.py: Python's ssl and hmac check the Standard Webhooks
# signature): the external authorization is asked before the order and before signing, with the account's
# contacts; it refuses a name (unauthorized, its reason in the problem); with the receiver down, anvil-ca fails
# closed (serverInternal); the expiry watch tells the receiver once of a certificate expiring within its window,
# with the account's contacts, and records it in the audit trail — not again after a restart.
# Usage: webhooks.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-webhooks-XXXXXX)
source "$HERE/lib.sh"

command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps)"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

step "the receiver: its own certificate, a secret from anvil-ca webhook new-secret"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=webhook receiver" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$WORK/receiver.key" -out "$WORK/receiver.pem" 2>/dev/null
"$ANVIL_CA" webhook new-secret >"$WORK/hook.secret"
grep -q '^whsec_' "$WORK/hook.secret" || fail "new-secret did not print a whsec_ secret"
RECEIVER_PORT=$(free_port)
EVENTS="$WORK/events.jsonl"
touch "$EVENTS"
start_receiver() {
  python3 "$HERE/webhook_receiver.py" "$RECEIVER_PORT" "$WORK/receiver.pem" "$WORK/receiver.key" \
    "$WORK/hook.secret" "$EVENTS" 2>>"$WORK/receiver.log" &
  RECEIVER_PID=$!
  PIDS+=($RECEIVER_PID)
  wait_for "the webhook receiver" 20 curl -s --cacert "$WORK/receiver.pem" -o /dev/null \
    "https://127.0.0.1:$RECEIVER_PORT/"
}
start_receiver
HOOK=$(cat <<TOML
url = "https://127.0.0.1:$RECEIVER_PORT/anvil"
secret_file = "$WORK/hook.secret"
ca_file = "$WORK/receiver.pem"
timeout = "3s"
TOML
)

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA" "$(cat <<TOML
[profiles.tls-server]
validity = "10d"
[expiry]
window = "14d"
[expiry.webhook]
$HOOK
[authorization.webhook]
$HOOK
TOML
)"
CONFIG=(--config "$WORK/anvil-ca.toml")

export REQUESTS_CA_BUNDLE="$ROOT_PEM"
cb() {
  certbot --non-interactive --server "$DIRECTORY" --config-dir "$WORK/config" --work-dir "$WORK/work" \
    --logs-dir "$WORK/logs" --no-random-sleep-on-renew "$@"
}
certonly() {  # certonly NAME: certbot asks for a certificate for NAME
  cb certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" -d "$1" --cert-name "$1" \
    --key-type ecdsa --elliptic-curve secp256r1
}
# refused NAME TYPE DETAIL: certbot is refused NAME with problem TYPE whose detail has DETAIL (read from its log:
# Debian's certbot 2.1 on Python 3.11 fails reporting ACME errors, see audit_trail.sh).
refused() {
  : >"$WORK/logs/letsencrypt.log"
  if certonly "$1" >"$WORK/refused.out" 2>&1; then fail "certbot obtained a certificate for $1"; fi
  grep -F "urn:ietf:params:acme:error:$2" "$WORK/logs/letsencrypt.log" >/dev/null ||
    { cat "$WORK/refused.out"; fail "certbot did not receive $2 for $1"; }
  grep -F -- "$3" "$WORK/logs/letsencrypt.log" >/dev/null || fail "the problem for $1 did not say: $3"
  echo "refused as expected: $1 ($2: $3)"
}
events() {  # events JQ-LIKE-PYTHON-EXPR: prints the events for which the Python expression on `e` is true
  python3 - "$EVENTS" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2]):
        print(json.dumps(e))
PY
}

step "certbot gets a certificate: the receiver was asked twice, with the account's contacts"
cb register --agree-tos -m ops@anvil.test
certonly ok.anvil.test
events 'e.get("type") == "authorization.request"' >"$WORK/asked.jsonl"
cat "$WORK/asked.jsonl"
python3 - "$WORK/asked.jsonl" <<'PY' || fail "the authorization requests are not as expected"
import json, sys
asked = [json.loads(l)["data"] for l in open(sys.argv[1])]
stages = [a["stage"] for a in asked]
assert stages == ["new-order", "finalize"], stages
for a in asked:
    assert a["identifiers"] == [{"type": "dns", "value": "ok.anvil.test"}], a
    assert a["account"]["contacts"] == ["mailto:ops@anvil.test"], a
    assert a["profile"] == "tls-server", a
assert asked[1]["key_type"] == "ec256" and asked[1]["order"], asked[1]
PY

step "the receiver refuses a name: unauthorized, with its reason"
refused forbidden.anvil.test unauthorized "refused this order: no change ticket for forbidden.anvil.test"

step "the receiver down: anvil-ca fails closed"
kill "$RECEIVER_PID"
wait "$RECEIVER_PID" 2>/dev/null || true
refused ok2.anvil.test serverInternal "authorization service did not answer"
start_receiver
certonly ok2.anvil.test

step "the audit trail holds the refusals"
"$ANVIL_CA" audit export "${CONFIG[@]}" >"$WORK/audit.jsonl"
python3 - "$WORK/audit.jsonl" <<'PY' || fail "the audit trail lacks the external refusals"
import json, sys
refusals = [json.loads(l) for l in open(sys.argv[1]) if '"order.refused"' in l]
details = [r.get("details", r) for r in refusals]
text = json.dumps(details)
assert "no change ticket for forbidden.anvil.test" in text, text
assert "error" in text and "external_authorization" in text, text
PY

step "the expiry watch tells the receiver once of each certificate expiring within 14 days"
restart_anvil_ca
notified() { [ "$(events 'e.get("type") == "certificate.expiring"' | wc -l)" -ge 2 ]; }
wait_for "two expiry notices" 30 notified || { tail -n 30 "$WORK/anvil-ca.log"; fail "no expiry notices"; }
events 'e.get("type") == "certificate.expiring"' | tee "$WORK/notices.jsonl"
python3 - "$WORK/notices.jsonl" "$WORK/config/live/ok.anvil.test/cert.pem" <<'PY' || fail "the notices are not as expected"
import json, subprocess, sys
notices = [json.loads(l)["data"] for l in open(sys.argv[1])]
serial = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-noout", "-serial"], capture_output=True,
                        text=True, check=True).stdout.strip().split("=")[1].lower().lstrip("0")
by_names = {tuple(n["names"]): n for n in notices}
assert set(by_names) == {("ok.anvil.test",), ("ok2.anvil.test",)}, by_names
ok = by_names[("ok.anvil.test",)]
assert ok["serial"] == serial, (ok["serial"], serial)
assert ok["account"]["contacts"] == ["mailto:ops@anvil.test"], ok
assert 0 < ok["expires_in_seconds"] <= 10 * 86400, ok
PY
"$ANVIL_CA" audit export "${CONFIG[@]}" | grep -c '"certificate.expiry_notified"' | grep -qx 2 ||
  fail "the audit trail does not hold two expiry notices"

step "after another restart no notice is sent twice"
restart_anvil_ca
sleep 2
[ "$(events 'e.get("type") == "certificate.expiring"' | wc -l)" = 2 ] || fail "a notice was sent twice"
grep -q '"bad"' "$EVENTS" && fail "the receiver saw a request whose signature did not verify"
"$ANVIL_CA" audit verify "${CONFIG[@]}" >/dev/null || fail "the audit chain does not verify"
echo "PASS"
