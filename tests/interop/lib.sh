# Shared helpers for the interop scenarios: free loopback ports, process cleanup, bounded waits.
# Everything listens on 127.0.0.1 only; every process started is stopped by the EXIT trap.

PIDS=()
cleanup() {
  local rc=$? pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # 77: the scenario skipped itself (ctest SKIP_RETURN_CODE), with its reason already printed.
  if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "${WORK:-}" ]; then
    # Show what the servers said, so a CI failure can be understood from its output alone.
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "----- last lines of $log" >&2
      tail -n 40 "$log" >&2
    done
  fi
  if [ -n "${WORK:-}" ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT

# free_port: a port free on 127.0.0.1 (TCP and UDP), below the ephemeral range and reserved against the tests
# running alongside (tests/support/free_port.py says why).
ANVIL_FREE_PORT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../support" && pwd)/free_port.py"
free_port() {
  python3 "$ANVIL_FREE_PORT"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds or the time is up.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}

# certbot_as NAME ARGS...: certbot against start_anvil_ca's DIRECTORY, trusting ROOT_PEM, with configuration, work
# and log directories of its own under $WORK/NAME (so one ACME account per NAME).
certbot_as() {
  local who=$1
  shift
  REQUESTS_CA_BUNDLE="$ROOT_PEM" certbot --non-interactive --server "$DIRECTORY" --config-dir "$WORK/$who/config" \
    --work-dir "$WORK/$who/work" --logs-dir "$WORK/$who/logs" --no-random-sleep-on-renew "$@"
}

step() { echo; echo "=== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_challtestsrv: DNS (A → 127.0.0.1, TXT via the management API) on $DNS_PORT, management on $MGMT_PORT.
start_challtestsrv() {
  DNS_PORT=$(free_port)
  MGMT_PORT=$(free_port)
  pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$MGMT_PORT" -http01 "" -https01 "" \
    -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$WORK/challtestsrv.log" 2>&1 &
  PIDS+=($!)
  # A well-formed request: challtestsrv answers 400 to a clear-txt without a host, and the wait then ran out
  # its 20 s on every start.
  wait_for "pebble-challtestsrv" 20 curl -sf -X POST -d '{"host":"ready.anvil.test."}' \
    "http://127.0.0.1:$MGMT_PORT/clear-txt"
}

# start_anvil_ca BINARY EXTRA_TOML: anvil-ca on $ACME_PORT with names resolved through challtestsrv, and its
# publication listener (CRLs, CA certificates over plain HTTP) on $PUBLICATION_PORT when the binary has one,
# with the [publication] keys in $PUBLICATION_EXTRA (if set) added to it.
start_anvil_ca() {
  local bin=$1 extra=${2:-}
  ACME_PORT=$(free_port)
  PUBLICATION_PORT=$(free_port)
  PUBLICATION_URL="http://127.0.0.1:$PUBLICATION_PORT"
  local publication=""
  # Read whole before grep: `grep -q` stops at the first match, and under pipefail the writer's SIGPIPE would
  # fail the test.
  local example
  example=$("$bin" config example)
  if grep -q '^\[publication\]' <<<"$example"; then
    publication=$'[publication]\nlisten = ["127.0.0.1:'"$PUBLICATION_PORT"$'"]\n'"${PUBLICATION_EXTRA:-}"
  fi
  mkdir -p "$WORK/anvil-data"
  cat >"$WORK/anvil-ca.toml" <<TOML
data_dir = "$WORK/anvil-data"
[server]
listen = ["127.0.0.1:$ACME_PORT"]
external_url = "https://localhost:$ACME_PORT"
[log]
level = "debug"
[validation]
http_port = ${HTTP_PORT:-80}
tls_alpn_port = ${TLS_ALPN_PORT:-443}
dns_resolver = "127.0.0.1:$DNS_PORT"
timeout = "10s"
$publication
$extra
TOML
  ANVIL_CA_BIN=$bin
  "$bin" serve --config "$WORK/anvil-ca.toml" >"$WORK/anvil-ca.log" 2>&1 &
  ANVIL_PID=$!
  PIDS+=($ANVIL_PID)
  ROOT_PEM="$WORK/anvil-data/ca/root.pem"
  DIRECTORY="https://localhost:$ACME_PORT/directory"
  wait_for "anvil-ca" 30 curl -sf --cacert "$ROOT_PEM" "$DIRECTORY" || { cat "$WORK/anvil-ca.log"; return 1; }
}

# restart_anvil_ca: stops the anvil-ca start_anvil_ca started and starts it again with the same configuration
# (what `anvil-ca ca rotate`, `ca retire` and `ca rollover-root` need).
restart_anvil_ca() {
  kill "$ANVIL_PID"
  wait "$ANVIL_PID" 2>/dev/null || true
  "$ANVIL_CA_BIN" serve --config "$WORK/anvil-ca.toml" >>"$WORK/anvil-ca.log" 2>&1 &
  ANVIL_PID=$!
  PIDS+=($ANVIL_PID)
  wait_for "anvil-ca after the restart" 30 curl -sf --cacert "$ROOT_PEM" "$DIRECTORY" -o /dev/null ||
    { tail -n 30 "$WORK/anvil-ca.log"; return 1; }
}

# reload_anvil_ca: SIGHUP to the anvil-ca start_anvil_ca started, which reads its CA's files again; returns
# once its log says it did.
reload_anvil_ca() {
  local before
  before=$(grep -c "CA reloaded" "$WORK/anvil-ca.log" || true)
  kill -HUP "$ANVIL_PID"
  reloaded() { [ "$(grep -c "CA reloaded" "$WORK/anvil-ca.log" || true)" -gt "$before" ]; }
  wait_for "anvil-ca's reload" 30 reloaded || { tail -n 30 "$WORK/anvil-ca.log"; return 1; }
  grep "CA reloaded" "$WORK/anvil-ca.log" | tail -n 1
}

# verify_chain CERT CHAIN: the certificate chains to anvil-ca's root.
verify_chain() {
  openssl verify -CAfile "$ROOT_PEM" -untrusted "$2" "$1" || fail "openssl verify $1"
}

# ari_window CERT: prints the RFC 9773 suggested window of CERT from anvil-ca's renewalInfo.
ari_window() {
  local cert=$1 aki serial id
  # The key identifier is the last line of the extension's text, e.g. "    AB:CD:..." or "keyid:AB:CD:...".
  aki=$(openssl x509 -in "$cert" -noout -ext authorityKeyIdentifier | tail -n 1 | sed 's/keyid://I' | tr -d ' :')
  serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
  id=$(python3 - "$aki" "$serial" <<'PY'
import base64, sys
aki = bytes.fromhex(sys.argv[1])
serial = bytes.fromhex(sys.argv[2] if len(sys.argv[2]) % 2 == 0 else "0" + sys.argv[2])
if serial[0] & 0x80: serial = b"\0" + serial
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
print(b64(aki) + "." + b64(serial))
PY
)
  curl -sf --cacert "$ROOT_PEM" "https://localhost:$ACME_PORT/acme/renewal-info/$id"
}
