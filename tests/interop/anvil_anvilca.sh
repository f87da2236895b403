#!/usr/bin/env bash
# The anvil client against anvil-ca, over loopback only, with pebble-challtestsrv as the CA's DNS:
#   http-01 standalone (two names); dns-01 wildcard through a hook writing TXT into challtestsrv late (anvil
#   waits until challtestsrv answers it); tls-alpn-01;
#   `renew` with ARI (RFC 9773): nothing due while the suggested window is in the future (exit 3), due at once
#   after the certificate is revoked (the window moves into the past), renewed without --force and with
#   `replaces`; the state directory lock (a deploy hook's nested anvil is refused with exit 4); key rollover;
#   revoke by account key and by certificate key; `anvil --json agent`: JSON events, passes on start and SIGHUP,
#   the wake-up set by the server's renewalInfo Retry-After, a clean SIGTERM exit.
# Every certificate is checked with `openssl verify` against anvil-ca's root.
# Usage: anvil_anvilca.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-anvilca-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
TLS_ALPN_PORT=$(free_port)
start_challtestsrv
# A short renewalInfo Retry-After (RFC 9773 §4.3) so that the agent's schedule visibly follows it.
start_anvil_ca "$ANVIL_CA" $'[acme]\nari_retry_after = "90s"'

STATE="$WORK/state"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
LINEAGES="$STATE/lineages"
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM")
verify() {
  local dir="$LINEAGES/$1"
  verify_chain "$dir/cert.pem" "$dir/chain.pem"
  [ "$(openssl x509 -in "$dir/cert.pem" -noout -pubkey)" = "$(openssl pkey -in "$dir/key.pem" -pubout)" ] ||
    fail "$1: key does not match the certificate"
}
serial() { openssl x509 -in "$LINEAGES/$1/cert.pem" -noout -serial; }

step "anvil issue: two names via http-01 standalone on 127.0.0.1:$HTTP_PORT"
"${ANVIL[@]}" issue "${COMMON[@]}" -m admin@anvil.test --name two -d a.anvil.test -d b.anvil.test \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify two

step "anvil issue: wildcard via dns-01 (hook writes TXT into challtestsrv 2 s late; anvil waits until it is visible)"
cat >"$WORK/dns-hook.sh" <<HOOK
#!/usr/bin/env bash
set -e
case "\$1" in
  add) (sleep 2; curl -sf -X POST -d "{\"host\":\"\$2.\",\"value\":\"\$3\"}" http://127.0.0.1:$MGMT_PORT/set-txt) \
         >/dev/null 2>&1 & ;;
  remove) curl -sf -X POST -d "{\"host\":\"\$2.\"}" http://127.0.0.1:$MGMT_PORT/clear-txt ;;
esac
HOOK
chmod +x "$WORK/dns-hook.sh"
"${ANVIL[@]}" -v issue "${COMMON[@]}" --name wild -d '*.wild.anvil.test' --dns-hook "$WORK/dns-hook.sh" \
  --dns-resolver "127.0.0.1:$DNS_PORT" 2>"$WORK/wild.err"
verify wild
grep "dns-01:" "$WORK/wild.err"
grep -q "dns-01: TXT _acme-challenge.wild.anvil.test .* not yet visible" "$WORK/wild.err" &&
  grep -q "dns-01: TXT _acme-challenge.wild.anvil.test .* is visible" "$WORK/wild.err" ||
  fail "anvil did not wait for the TXT record to be visible at challtestsrv"

step "anvil issue: tls-alpn-01 standalone on 127.0.0.1:$TLS_ALPN_PORT; its deploy hook finds the state directory locked"
# The deploy hook runs while `issue` holds the state directory: a nested `renew` is refused at once (exit 4, the
# holder's pid named), `--wait-lock 1` gives up after a second, and the read-only `list` still works.
NESTED="$ANVIL_BIN --state-dir $STATE"
"${ANVIL[@]}" issue "${COMMON[@]}" --name alpn -d alpn.anvil.test --tls-alpn-address 127.0.0.1 \
  --tls-alpn-port "$TLS_ALPN_PORT" --deploy-hook "$NESTED renew --all 2>$WORK/nested.err; echo \$? >$WORK/nested.rc;
    $NESTED --wait-lock 1 revoke --cert \$ANVIL_CERT 2>$WORK/nested-wait.err; echo \$? >>$WORK/nested.rc;
    $NESTED list >$WORK/nested-list.out; echo \$? >>$WORK/nested.rc" &
ISSUE_PID=$!
wait $ISSUE_PID
verify alpn
cat "$WORK/nested.err" "$WORK/nested-wait.err"
[ "$(tr '\n' ' ' <"$WORK/nested.rc")" = "4 4 0 " ] || fail "nested commands exited $(tr '\n' ' ' <"$WORK/nested.rc"), expected 4 4 0"
grep -q "anvil: error: unavailable: another anvil (pid $ISSUE_PID) is using $STATE\$" "$WORK/nested.err" ||
  fail "the lock error does not name the holder's pid and the state directory"
grep -q "(waited 1 s, --wait-lock)" "$WORK/nested-wait.err" || fail "--wait-lock did not wait"
grep -q "^two$" "$WORK/nested-list.out" || fail "list did not work while the state directory was locked"

step "anvil issue --profile short-lived: the server's 7-day profile; an unknown profile is refused up front"
"${ANVIL[@]}" issue "${COMMON[@]}" --name short -d short.anvil.test --profile short-lived \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify short
python3 - "$LINEAGES/short/cert.pem" <<'PY' || fail "short-lived profile: not a 7-day certificate"
import subprocess, sys, datetime
out = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-startdate", "-enddate"], capture_output=True,
                     text=True, check=True).stdout.splitlines()
parse = lambda s: datetime.datetime.strptime(s.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
days = (parse(out[1]) - parse(out[0])).total_seconds() / 86400
assert 6.9 < days < 7.1, days
PY
set +e
"${ANVIL[@]}" issue "${COMMON[@]}" --name nope -d nope.anvil.test --profile no-such-profile \
  --http-address 127.0.0.1 --http-port "$HTTP_PORT" 2>"$WORK/profile.err"
rc=$?
set -e
cat "$WORK/profile.err"
[ $rc -eq 1 ] && grep -q "invalidProfile" "$WORK/profile.err" || fail "an unknown profile was not refused"

step "anvil renew: the ARI window is in the future, so nothing is due (exit 3)"
set +e
"${ANVIL[@]}" renew --all 2>"$WORK/renew1.err"
rc=$?
set -e
cat "$WORK/renew1.err"
[ $rc -eq 3 ] || fail "renew with nothing due exited $rc, expected 3"
grep -q "ARI window" "$WORK/renew1.err" || fail "renew did not use the server's renewalInfo"
"${ANVIL[@]}" list | tee "$WORK/list.txt"
grep -q "ARI window:" "$WORK/list.txt" || fail "list does not show the ARI window"

step "revoke 'two' by account key; its ARI window moves into the past; plain renew replaces it"
FIRST=$(serial two)
"${ANVIL[@]}" revoke --cert "$LINEAGES/two/cert.pem" --reason 4
"${ANVIL[@]}" renew two
SECOND=$(serial two)
[ "$FIRST" != "$SECOND" ] || fail "ARI renewal did not produce a new certificate"
echo "renewed through ARI: $FIRST -> $SECOND"
verify two

step "key rollover, then renew --force with the new key"
"${ANVIL[@]}" account rollover "${COMMON[@]}"
"${ANVIL[@]}" renew wild --force
verify wild

step "revoke by the certificate's own key"
"${ANVIL[@]}" revoke --cert "$LINEAGES/alpn/cert.pem" --key "$LINEAGES/alpn/key.pem" "${COMMON[@]}"

step "anvil --json agent: JSON events, a pass at start (renews the revoked 'alpn', reports a broken lineage),
another on SIGHUP, the next pass set by the ARI Retry-After (90 s) rather than --interval, a clean exit on SIGTERM"
mkdir -p "$LINEAGES/broken"
echo 'server = ' >"$LINEAGES/broken/lineage.toml"
"${ANVIL[@]}" --json agent --interval 3600 --jitter 0 >"$WORK/agent.out" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=($AGENT_PID)
wait_for "the first agent pass" 120 bash -c "[ \$(grep -c 'renewal pass finished' '$WORK/agent.log') -ge 1 ]"
kill -HUP "$AGENT_PID"
wait_for "the agent pass after SIGHUP" 60 bash -c "[ \$(grep -c 'renewal pass finished' '$WORK/agent.log') -ge 2 ]"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "anvil agent exited with status $?"
cat "$WORK/agent.log"
grep -q "stopping on signal" "$WORK/agent.log" || fail "anvil agent did not stop cleanly"
cat "$WORK/agent.out"
python3 - "$WORK/agent.out" <<'PY' || fail "the agent's JSON events are not what they should be"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]  # Every line is one JSON object.
kinds = [e["event"] for e in events]
assert all("time" in e for e in events), events
assert kinds[0] == "start" and kinds[-1] == "stop" and events[-1]["signal"] == 15, kinds
assert kinds.count("pass") == 2 and kinds.count("sleep") == 2 and kinds.count("reload") == 1, kinds
assert kinds.index("reload") > kinds.index("sleep"), kinds
checks = [e for e in events if e["event"] == "check"]
assert {e["lineage"] for e in checks} >= {"two", "wild", "short", "alpn"}, checks
assert all(isinstance(e["due"], bool) and e["renew_at"] and e["ari_window"] for e in checks), checks
assert all(e["retry_after"] == 90 and e["next_check"] for e in checks), checks
renewed = [e for e in events if e["event"] == "renewed"]
assert [e["lineage"] for e in renewed] == ["alpn"], renewed  # Revoked by its own key just before.
assert all(e["serial"] and e["not_after"] and e["certificate"]["serial"] == e["serial"] for e in renewed), renewed
errors = [e for e in events if e["event"] == "error"]
assert errors and all(e["lineage"] == "broken" and e["error"]["code"] == "invalidArgument" and e["error"]["message"]
                      for e in errors), errors
passes = [e for e in events if e["event"] == "pass"]
assert passes[0]["renewed"] == 1 and all(p["failed"] == 1 and p["exit_code"] == 1 for p in passes), passes
# The next pass is due when the server said to ask renewalInfo again (90 s), not after the 3600 s interval.
assert all(0 < e["seconds"] <= 90 for e in events if e["event"] == "sleep"), events
PY

echo
echo "PASS: anvil against anvil-ca (http-01, dns-01 wildcard, tls-alpn-01, ARI renew with replaces, lock, rollover, revoke, agent --json)"
