#!/usr/bin/env bash
# bench.smoke: anvil-bench completes 5 issuances with 2 workers against a local anvil-ca (real http-01 validation,
# names resolved by pebble-challtestsrv) and reports 5 issuances and 0 errors in its JSON. Proves the instrument
# works; performance is never asserted here.
# Usage: smoke.sh PATH/TO/anvil-bench PATH/TO/anvil-ca
set -euo pipefail
BENCH_BIN=$1
CA_BIN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-bench-smoke-XXXXXX)
source "$HERE/../tests/interop/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$CA_BIN"

"$BENCH_BIN" --directory "$DIRECTORY" --ca-bundle "$ROOT_PEM" --count 5 --workers 2 --http-port "$HTTP_PORT" \
  --server-pid "$ANVIL_PID" --json >"$WORK/result.json" 2>"$WORK/bench.log" || { cat "$WORK/bench.log"; exit 1; }
cat "$WORK/result.json"
python3 - "$WORK/result.json" <<'PY' || fail "anvil-bench did not report 5 issuances and 0 errors"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["issuances"] == 5 and r["errors"] == 0, (r["issuances"], r["errors"], r.get("first_error"))
assert r["latency_ms"]["count"] == 5 and "server_cpu_s" in r, r
for kind in ("newOrder", "authz", "challenge", "finalize", "certificate"):
    assert r["requests_ms"][kind]["count"] >= 5, kind
PY
echo "PASS: anvil-bench smoke (5 issuances, 0 errors)"
