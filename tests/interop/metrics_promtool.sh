#!/usr/bin/env bash
# The metrics listener of anvil-ca (docs/metrics.md), end to end: anvil-ca with [metrics] on loopback, one
# real issuance by the anvil client (http-01, names resolved by pebble-challtestsrv), /metrics scraped with
# curl before and after and checked by Prometheus' own `promtool check metrics` (no lint problem), the
# issuance, validation, request and store-commit metrics moved by it, the CRL age present; /healthz and /readyz
# 200, and /readyz 503 naming the store while another process holds the database's write lock.
# Usage: metrics_promtool.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-metrics-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
command -v promtool >/dev/null || fail "promtool is not installed (Debian package prometheus; scripts/install-deps)"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
METRICS_PORT=$(free_port)
METRICS="http://127.0.0.1:$METRICS_PORT"
start_challtestsrv
start_anvil_ca "$ANVIL_CA" $'[metrics]\nlisten = ["127.0.0.1:'"$METRICS_PORT"$'"]\ncertificate_count_period = "1s"'

# value FILE SAMPLE: the value of the sample line that starts with SAMPLE (name and labels exactly), or 0.
value() { awk -v s="$2" 'index($0, s " ") == 1 { print $NF; found = 1 } END { if (!found) print 0 }' "$1"; }
# check_exposition FILE: promtool parses it and finds no lint problem (it prints each problem and exits 1).
check_exposition() {
  local out
  out=$(promtool check metrics <"$1" 2>&1) || fail "promtool check metrics $1: $out"
  [ -z "$out" ] || fail "promtool check metrics $1 reported: $out"
}

step "/healthz and /readyz answer 200"
[ "$(curl -s -o "$WORK/healthz" -w '%{http_code}' "$METRICS/healthz")" = 200 ] || fail "/healthz: $(cat "$WORK/healthz")"
[ "$(curl -s -o "$WORK/readyz" -w '%{http_code}' "$METRICS/readyz")" = 200 ] || fail "/readyz: $(cat "$WORK/readyz")"
cat "$WORK/healthz" "$WORK/readyz"

step "/metrics before any issuance passes promtool check metrics"
curl -sf -D "$WORK/before.headers" "$METRICS/metrics" -o "$WORK/before.prom"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$WORK/before.headers" ||
  fail "wrong Content-Type: $(grep -i content-type "$WORK/before.headers")"
check_exposition "$WORK/before.prom"
[ "$(value "$WORK/before.prom" 'anvil_issuances_total{outcome="issued"}')" = 0 ] || fail "an issuance before any"

step "one issuance with the anvil client (http-01 on 127.0.0.1:$HTTP_PORT)"
"$ANVIL_BIN" --state-dir "$WORK/state" issue --server "$DIRECTORY" --ca-bundle "$ROOT_PEM" -m admin@anvil.test \
  --name one -d metrics.anvil.test --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify_chain "$WORK/state/lineages/one/cert.pem" "$WORK/state/lineages/one/chain.pem"

step "/metrics after the issuance passes promtool and counted it"
sleep 1.1  # metrics.certificate_count_period = 1s: the certificate gauges are counted again
curl -sf "$METRICS/metrics" -o "$WORK/after.prom"
check_exposition "$WORK/after.prom"
grep -E '^anvil_(issuances|validations|rate_limit|policy)|^anvil_http_requests_total|^anvil_store_commit_duration_seconds_count|^anvil_crl_age' \
  "$WORK/after.prom"
[ "$(value "$WORK/after.prom" 'anvil_issuances_total{outcome="issued"}')" = 1 ] || fail "issuances_total{issued} is not 1"
[ "$(value "$WORK/after.prom" 'anvil_issuances_total{outcome="abandoned"}')" = 0 ] || fail "an issuance was abandoned"
[ "$(value "$WORK/after.prom" 'anvil_validations_total{type="http-01",outcome="valid"}')" = 1 ] ||
  fail "validations_total{http-01,valid} is not 1"
for endpoint in new-account new-order authz challenge finalize certificate; do
  n=$(value "$WORK/after.prom" "anvil_http_requests_total{endpoint=\"$endpoint\",code=\"200\"}")
  n201=$(value "$WORK/after.prom" "anvil_http_requests_total{endpoint=\"$endpoint\",code=\"201\"}")
  [ $((n + n201)) -ge 1 ] || fail "no successful $endpoint request counted"
done
[ "$(value "$WORK/after.prom" 'anvil_http_request_duration_seconds_count{endpoint="finalize"}')" -ge 1 ] ||
  fail "no finalize latency observed"
before_commits=$(value "$WORK/before.prom" anvil_store_commit_duration_seconds_count)
after_commits=$(value "$WORK/after.prom" anvil_store_commit_duration_seconds_count)
[ "$after_commits" -gt "$before_commits" ] || fail "store commits did not move ($before_commits → $after_commits)"
grep -q '^anvil_crl_age_seconds{issuer="[0-9a-f]*"} ' "$WORK/after.prom" || fail "no CRL age"
grep '^anvil_certificates' "$WORK/after.prom"
[ "$(value "$WORK/before.prom" 'anvil_certificates{status="valid"}')" = 0 ] || fail "a valid certificate before any"
[ "$(value "$WORK/after.prom" 'anvil_certificates{status="valid"}')" = 1 ] || fail "certificates{valid} is not 1"
[ "$(value "$WORK/after.prom" 'anvil_certificates{status="revoked"}')" = 0 ] || fail "a revoked certificate"
grep -q '^anvil_certificates_expiring{within="30d"} 0$' "$WORK/after.prom" ||
  fail "a 90-day certificate counted as expiring within 30 days"
# No URL (with its ids) ever becomes a label.
! grep -q 'endpoint="/' "$WORK/after.prom" || fail "a URL path became an endpoint label"

step "/readyz is 503 naming the store while another process holds the database's write lock"
DB="$WORK/anvil-data/anvil.db"
# sqlite3 takes the write lock and keeps it until its input ends (15 s); anvil-ca's write waits out its busy
# timeout (5 s) and fails.
(echo "BEGIN EXCLUSIVE; SELECT 'locked';"; sleep 15; echo "ROLLBACK;") | sqlite3 "$DB" >"$WORK/locker.out" 2>&1 &
LOCKER=$!
PIDS+=($LOCKER)
wait_for "the lock" 10 grep -q locked "$WORK/locker.out"
sleep 1.1  # past the 1 s the last store check is kept
code=$(curl -s -o "$WORK/readyz-locked" -w '%{http_code}' --max-time 20 "$METRICS/readyz")
cat "$WORK/readyz-locked"
[ "$code" = 503 ] || fail "/readyz answered $code while the database was locked"
grep -q '^store: ' "$WORK/readyz-locked" || fail "/readyz did not name the store"
! grep -q '^ca_key: ' "$WORK/readyz-locked" || fail "/readyz named the CA key"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$METRICS/healthz")" = 200 ] || fail "/healthz failed while locked"
kill "$LOCKER" 2>/dev/null || true
wait "$LOCKER" 2>/dev/null || true
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$METRICS/readyz")" = 200 ]; }
wait_for "/readyz 200 once the lock is released" 20 ready

step "other paths and methods"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$METRICS/")" = 404 ] || fail "/ is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$METRICS/metrics")" = 405 ] || fail "POST /metrics is not 405"

echo
echo "metrics interop: OK"
