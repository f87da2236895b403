#!/usr/bin/env bash
# The operator's web console (docs/console.md) in a real browser: Debian's chromium, headless, driven by
# playwright-core (tests/browser/console_test.mjs) against a real anvil-ca on loopback that real clients have
# just populated — anvil over http-01 (profiles tls-server, short-lived, tls-client, a renewal), certbot (an
# account with a certificate, a spare account) — with an operator token, a viewer token and an admin client
# certificate made with `anvil-ca admin`.
#   1. node console_test.mjs operator: an unauthenticated visitor sees only the log-in page; the operator logs in,
#      finds a certificate by name, revokes it behind the confirmation, sees it revoked in the list and the audit
#      log, deactivates the spare account, creates an enrollment token and hands its kid and HMAC key back in a
#      file; CSRF-less POSTs are refused; axe-core finds nothing on any page; screenshots of every page.
#   2. here: `anvil issue --eab-kid/--eab-hmac-key` with that token succeeds, and the certificate carries it.
#   3. node console_test.mjs viewer: the token shows used up and is revoked; log-out ends the session; the viewer
#      sees no revoke, deactivate or create control and a forged POST with its session and CSRF token gets 403;
#      the admin certificate logs in with the certificate.
# Skips (77) only when chromium or tests/browser/node_modules is missing and CI is not set.
# Usage: console.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CHROMIUM=${ANVIL_CHROMIUM:-/usr/bin/chromium}

missing=()
[ -x "$CHROMIUM" ] || missing+=("chromium ($CHROMIUM)")
command -v node >/dev/null || missing+=("node")
command -v zbarimg >/dev/null || missing+=("zbarimg (zbar-tools)")
{ [ -f "$HERE/node_modules/playwright-core/package.json" ] && [ -f "$HERE/node_modules/axe-core/axe.min.js" ]; } ||
  missing+=("tests/browser/node_modules (npm ci in tests/browser)")
if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${CI:-}" ]; then
    echo "FAIL: missing ${missing[*]}: scripts/install-deps installs them" >&2
    exit 1
  fi
  echo "SKIP: missing ${missing[*]}: run scripts/install-deps"
  exit 77
fi

WORK=$(mktemp -d /tmp/anvil-console-XXXXXX)
source "$HERE/../interop/lib.sh"

command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps)"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

# Screenshots and the browser's console messages: beside the build (the binary's build folder) unless told.
ANVIL_ARTIFACTS=${ANVIL_ARTIFACTS:-$(cd "$(dirname "$ANVIL_CA")/../.." && pwd)/browser-artifacts}
mkdir -p "$ANVIL_ARTIFACTS"
rm -f "$ANVIL_ARTIFACTS"/*.png "$ANVIL_ARTIFACTS"/*.log
export ANVIL_ARTIFACTS

HTTP_PORT=$(free_port)
ADMIN_PORT=$(free_port)
CONSOLE="https://127.0.0.1:$ADMIN_PORT"
start_challtestsrv
start_anvil_ca "$ANVIL_CA" $'[admin]\nlisten = ["127.0.0.1:'"$ADMIN_PORT"$'"]'
wait_for "the admin listener" 10 curl -sf --cacert "$ROOT_PEM" -o /dev/null "$CONSOLE/console/login"
CA_ARGS=(--config "$WORK/anvil-ca.toml")

# issue STATE NAME ARGS...: anvil issue over http-01 with the account of state directory STATE.
issue() {
  local state=$1 name=$2
  shift 2
  "$ANVIL_BIN" --state-dir "$WORK/$state" issue --server "$DIRECTORY" --ca-bundle "$ROOT_PEM" -m ops@anvil.test \
    --name "$name" --http-address 127.0.0.1 --http-port "$HTTP_PORT" "$@"
}

step "anvil: tls-server certificates (one with two names), a short-lived one renewed, a tls-client one"
issue ops web -d web.console.anvil.test -d www.console.anvil.test
issue ops keep -d keep.console.anvil.test
issue ops short -d short.console.anvil.test --profile short-lived
"$ANVIL_BIN" --state-dir "$WORK/ops" renew short --force
issue ops client -d client.console.anvil.test --profile tls-client
verify_chain "$WORK/ops/lineages/web/cert.pem" "$WORK/ops/lineages/web/chain.pem"

step "certbot: an account with a certificate for two names, and a spare account"
export REQUESTS_CA_BUNDLE="$ROOT_PEM"
certbot_as certbot register --agree-tos -m certbot@anvil.test
certbot_as certbot certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" \
  -d certbot-a.anvil.test -d certbot-b.anvil.test --cert-name pair
verify_chain "$WORK/certbot/config/live/pair/cert.pem" "$WORK/certbot/config/live/pair/chain.pem"
certbot_as spare register --agree-tos -m spare@anvil.test

step "administrators: an operator token, a viewer token, an admin client certificate"
OPERATOR_TOKEN=$("$ANVIL_CA" admin token create "${CA_ARGS[@]}" --name console-operator --role operator)
VIEWER_TOKEN=$("$ANVIL_CA" admin token create "${CA_ARGS[@]}" --name console-viewer --role viewer)
"$ANVIL_CA" admin cert issue "${CA_ARGS[@]}" --name console-admin --role admin --out "$WORK/admins"

export CONSOLE_URL="$CONSOLE" ROOT_PEM ACME_DIRECTORY="$DIRECTORY" OPERATOR_TOKEN VIEWER_TOKEN \
  OPERATOR_NAME=console-operator VIEWER_NAME=console-viewer ADMIN_CERT_NAME=console-admin \
  ADMIN_CERT="$WORK/admins/console-admin.fullchain.pem" ADMIN_KEY="$WORK/admins/console-admin.key" \
  REVOKE_NAME=web.console.anvil.test KEEP_NAME=keep.console.anvil.test SHORT_NAME=short.console.anvil.test \
  SPARE_CONTACT=mailto:spare@anvil.test EAB_NAME=eab.console.anvil.test EAB_OUT="$WORK/eab.json" QR_OUT="$WORK/qr.png" \
  CHROMIUM
# The node script's own bound (per phase); ctest's TIMEOUT bounds the whole scenario.
node_phase() {
  timeout 300 node "$HERE/console_test.mjs" "$1" || fail "console_test.mjs $1 failed (exit $?)"
}

step "the browser, as the operator (and an unauthenticated visitor first)"
node_phase operator

step "anvil issue with the enrollment token the console created: the command line it showed, as pasted"
[ -s "$WORK/eab.json" ] || fail "the browser test wrote no enrollment token"
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
# The QR code the page showed, read from the browser's picture of it by a real reader (zbar): the anvil line.
[ -s "$WORK/qr.png" ] || fail "the browser test saved no picture of the QR code"
SCANNED=$(zbarimg --quiet --raw "$WORK/qr.png") || fail "zbarimg found no QR code in the page's picture"
[ "$SCANNED" = "$(json "$WORK/eab.json" anvil)" ] || fail "the QR code says '$SCANNED', not the anvil line"
cp "$WORK/qr.png" "$ANVIL_ARTIFACTS/operator-qr-code.png"
echo "the QR code reads as the anvil line"
EAB_KID=$(json "$WORK/eab.json" kid)
EAB_HMAC=$(json "$WORK/eab.json" hmac_key)
[ -n "$EAB_KID" ] && [ -n "$EAB_HMAC" ] || fail "no kid or HMAC key in $(cat "$WORK/eab.json")"
# "anvil issue --server URL --eab-kid=KID --eab-hmac-key=KEY -d NAME": run with this anvil, NAME replaced, and
# what this machine needs besides (a state directory of its own, so a new account the token binds; the root to
# trust; the http-01 listener).
read -ra SHOWN <<<"$(json "$WORK/eab.json" anvil)"
[ "${SHOWN[0]}" = anvil ] && [ "${SHOWN[1]}" = issue ] && [ "${SHOWN[-2]}" = -d ] ||
  fail "unexpected command line: ${SHOWN[*]}"
"$ANVIL_BIN" --state-dir "$WORK/eab" "${SHOWN[@]:1:${#SHOWN[@]}-2}" "$EAB_NAME" --ca-bundle "$ROOT_PEM" \
  -m device@anvil.test --name eab --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify_chain "$WORK/eab/lineages/eab/cert.pem" "$WORK/eab/lineages/eab/chain.pem"
curl -sf --cacert "$ROOT_PEM" -H "Authorization: Bearer $OPERATOR_TOKEN" \
  "$CONSOLE/admin/v1/certificates?name_contains=$EAB_NAME" -o "$WORK/eab-certs.json"
python3 - "$WORK/eab-certs.json" "$EAB_KID" <<'PY' || fail "the certificate does not carry the console's token"
import json, sys
certs = json.load(open(sys.argv[1]))["certificates"]
assert len(certs) == 1, certs
assert certs[0]["eab_kid"] == sys.argv[2], certs[0]
print("issued with the console's token:", certs[0]["serial"], certs[0]["eab_kid"], certs[0]["eab_label"])
PY
export EAB_KID

step "the browser, after the token's use: the operator again, the viewer, the admin certificate"
node_phase viewer

echo
echo "screenshots and browser messages: $ANVIL_ARTIFACTS"
ls "$ANVIL_ARTIFACTS"
echo
echo "console browser test: OK"
