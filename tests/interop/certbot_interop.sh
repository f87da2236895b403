#!/usr/bin/env bash
# Interop with Debian's certbot against anvil-ca, over loopback only:
#   register; obtain one certificate for two names via http-01 (certbot standalone on a high port); renew it
#   (--force-renewal); revoke it; obtain a wildcard via dns-01 with manual hooks writing TXT records into
#   pebble-challtestsrv, which is also the DNS server anvil-ca resolves every name through.
# Each certificate is checked with `openssl verify` against anvil-ca's root.
# Usage: certbot_interop.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-certbot-XXXXXX)
source "$HERE/lib.sh"

command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps)"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA"

export REQUESTS_CA_BUNDLE="$ROOT_PEM"
CB=(certbot --non-interactive --server "$DIRECTORY" --config-dir "$WORK/le/config" --work-dir "$WORK/le/work"
    --logs-dir "$WORK/le/logs" --no-random-sleep-on-renew)
LIVE="$WORK/le/config/live"

step "certbot register"
"${CB[@]}" register --agree-tos -m admin@anvil.test

step "certbot certonly: two names via http-01 (standalone on 127.0.0.1:$HTTP_PORT)"
"${CB[@]}" certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" \
  -d a.anvil.test -d b.anvil.test --cert-name two
verify_chain "$LIVE/two/cert.pem" "$LIVE/two/chain.pem"
openssl x509 -in "$LIVE/two/cert.pem" -noout -ext subjectAltName | grep -q "DNS:a.anvil.test" || fail "SAN a"
openssl x509 -in "$LIVE/two/cert.pem" -noout -ext subjectAltName | grep -q "DNS:b.anvil.test" || fail "SAN b"
FIRST_SERIAL=$(openssl x509 -in "$LIVE/two/cert.pem" -noout -serial)

step "certbot renew --force-renewal"
"${CB[@]}" renew --force-renewal --cert-name two
verify_chain "$LIVE/two/cert.pem" "$LIVE/two/chain.pem"
SECOND_SERIAL=$(openssl x509 -in "$LIVE/two/cert.pem" -noout -serial)
[ "$FIRST_SERIAL" != "$SECOND_SERIAL" ] || fail "renewal did not produce a new certificate"
echo "renewed: $FIRST_SERIAL -> $SECOND_SERIAL"

step "renewalInfo (RFC 9773) before revocation: a window in the future"
BEFORE=$(ari_window "$LIVE/two/cert.pem")
echo "$BEFORE"

step "certbot revoke"
"${CB[@]}" revoke --cert-name two --reason keycompromise --no-delete-after-revoke
AFTER=$(ari_window "$LIVE/two/cert.pem")
echo "$AFTER"
python3 - "$AFTER" <<'PY' || fail "renewalInfo does not show the revocation"
import datetime, json, sys
w = json.loads(sys.argv[1])["suggestedWindow"]
end = datetime.datetime.fromisoformat(w["end"].replace("Z", "+00:00"))
assert end < datetime.datetime.now(datetime.timezone.utc), "window of a revoked certificate must be in the past"
PY

step "certbot certonly: wildcard via dns-01 (manual hooks write TXT into pebble-challtestsrv)"
cat >"$WORK/dns-auth.sh" <<HOOK
#!/usr/bin/env bash
curl -sf -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\",\"value\":\"\$CERTBOT_VALIDATION\"}" \
  http://127.0.0.1:$MGMT_PORT/set-txt
HOOK
cat >"$WORK/dns-cleanup.sh" <<HOOK
#!/usr/bin/env bash
curl -sf -X POST -d "{\"host\":\"_acme-challenge.\$CERTBOT_DOMAIN.\"}" http://127.0.0.1:$MGMT_PORT/clear-txt
HOOK
chmod +x "$WORK/dns-auth.sh" "$WORK/dns-cleanup.sh"
"${CB[@]}" certonly --manual --preferred-challenges dns --manual-auth-hook "$WORK/dns-auth.sh" \
  --manual-cleanup-hook "$WORK/dns-cleanup.sh" -d '*.wild.anvil.test' --cert-name wild
verify_chain "$LIVE/wild/cert.pem" "$LIVE/wild/chain.pem"
openssl x509 -in "$LIVE/wild/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:\*.wild.anvil.test' || fail "wildcard SAN"

step "anvil-ca shuts down cleanly on SIGTERM"
kill -TERM "$ANVIL_PID"
wait_for "anvil-ca to exit" 20 bash -c "! kill -0 $ANVIL_PID"
wait "$ANVIL_PID" || fail "anvil-ca exited with status $?"
grep -q "anvil-ca stopped" "$WORK/anvil-ca.log" || fail "no clean shutdown message"

echo
echo "certbot interop: register, http-01 (2 names), renew, ARI, revoke, dns-01 wildcard, shutdown: all passed"
