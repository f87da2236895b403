#!/usr/bin/env bash
# Named policies and the EAB key lifecycle (docs/policy.md) end to end, on loopback, with Debian's certbot:
# an EAB key made with `anvil-ca eab create --policy devices --uses 1` binds certbot's account to the policy
# "devices" (names *.devices.anvil.test, ec256 keys, 7 days); certbot gets a certificate cut to 7 days, and is
# refused a name outside the policy (rejectedIdentifier) and an RSA key (badCSR), each problem naming the policy,
# its binding and the rule; the used-up key binds no second account; `policy explain` names the deciding rule;
# another account is held by its profile's policy ("web") and then by a policy bound to it at run time; the key
# is revoked; the audit trail holds each step.
# Usage: policy_eab.sh PATH/TO/anvil-ca
set -euo pipefail
ANVIL_CA=$1
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-policy-XXXXXX)
source "$HERE/lib.sh"

command -v certbot >/dev/null || fail "certbot is not installed (scripts/install-deps)"
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA" "$(cat <<'TOML'
[policy]
allowed_domains = ["anvil.test"]
[policies.devices]
allowed_domains = ["*.devices.anvil.test"]
key_types = ["ec256"]
max_validity = "7d"
challenge_types = ["http-01"]
[policies.web]
denied_domains = ["secret.anvil.test"]
[profiles.tls-server]
policy = "web"
TOML
)"
CONFIG=(--config "$WORK/anvil-ca.toml")

export REQUESTS_CA_BUNDLE="$ROOT_PEM"
# refused WHO NAME TYPE DETAIL [ARGS...]: certbot is refused a certificate for NAME with problem TYPE, and
# anvil-ca's detail contains DETAIL (read from certbot's log: Debian's certbot 2.1 on Python 3.11 fails
# reporting ACME errors, see audit_trail.sh).
refused() {
  local who=$1 name=$2 type=$3 detail=$4
  shift 4
  if certbot_as "$who" certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" -d "$name" \
    --cert-name "refused-$name" "$@" >"$WORK/refused.out" 2>&1; then
    fail "certbot obtained a certificate for $name"
  fi
  grep -F "urn:ietf:params:acme:error:$type" "$WORK/$who/logs/letsencrypt.log" >/dev/null ||
    { cat "$WORK/refused.out"; fail "certbot did not receive $type for $name"; }
  grep -F -- "$detail" "$WORK/$who/logs/letsencrypt.log" >/dev/null ||
    fail "the problem for $name did not say: $detail"
  echo "refused as expected: $name ($type: $detail)"
}
account_of() {  # the account id of certbot's account WHO
  python3 - "$WORK/$1/config" <<'PY'
import glob, json, sys
regr = glob.glob(sys.argv[1] + "/accounts/*/directory/*/regr.json")[0]
print(json.load(open(regr))["uri"].rsplit("/", 1)[1])
PY
}

step "eab create: a one-use key bound to the policy devices"
"$ANVIL_CA" eab create "${CONFIG[@]}" --label "device 42" --policy devices --uses 1 --expires-in 1d --json \
  >"$WORK/eab.json"
KID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$WORK/eab.json")
HMAC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hmac_key"])' "$WORK/eab.json")

step "certbot registers with the key; a certificate inside the policy, cut to 7 days"
certbot_as device register --agree-tos -m device@anvil.test --eab-kid "$KID" --eab-hmac-key "$HMAC"
DEVICE=$(account_of device)
certbot_as device certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" \
  -d a.devices.anvil.test --cert-name a --key-type ecdsa --elliptic-curve secp256r1
python3 - "$WORK/device/config/live/a/cert.pem" <<'PY' || fail "the certificate is not cut to 7 days"
import subprocess, sys, datetime
out = subprocess.run(["openssl", "x509", "-in", sys.argv[1], "-noout", "-startdate", "-enddate"],
                     capture_output=True, text=True, check=True).stdout
dates = dict(line.split("=", 1) for line in out.strip().splitlines())
fmt = "%b %d %H:%M:%S %Y %Z"
life = datetime.datetime.strptime(dates["notAfter"], fmt) - datetime.datetime.strptime(dates["notBefore"], fmt)
print("lifetime", life)
assert life <= datetime.timedelta(days=7, minutes=1), life
PY

step "refusals name the policy, its binding and the rule"
refused device www.anvil.test rejectedIdentifier "policy devices (EAB key $KID), rule allowed_domains" \
  --key-type ecdsa --elliptic-curve secp256r1
refused device b.devices.anvil.test badCSR "policy devices (EAB key $KID), rule key_types" --key-type rsa
refused device other.example rejectedIdentifier "policy default (default), rule allowed_domains" \
  --key-type ecdsa --elliptic-curve secp256r1

step "the used-up key binds no second account"
if certbot_as second register --agree-tos -m second@anvil.test --eab-kid "$KID" --eab-hmac-key "$HMAC" \
  >"$WORK/second.out" 2>&1; then
  fail "a one-use EAB key bound a second account"
fi
grep -F "has been used 1 of 1 times" "$WORK/second/logs/letsencrypt.log" >/dev/null ||
  { cat "$WORK/second.out"; fail "the second registration was not refused as used up"; }

step "policy explain: the deciding rule, and exit 2 when refused"
"$ANVIL_CA" policy explain "${CONFIG[@]}" --account "$DEVICE" --name c.devices.anvil.test --key-type ec256 |
  tee "$WORK/explain-ok.out"
grep -q "^allowed$" "$WORK/explain-ok.out" || fail "explain did not allow c.devices.anvil.test"
set +e
"$ANVIL_CA" policy explain "${CONFIG[@]}" --account "$DEVICE" --name www.anvil.test >"$WORK/explain-no.out"
code=$?
set -e
cat "$WORK/explain-no.out"
[ "$code" = 2 ] || fail "explain exited $code for a refused name, not 2"
grep -q "policy devices (EAB key $KID)" "$WORK/explain-no.out" || fail "explain did not name the EAB key's policy"
grep -q "REFUSED by rule allowed_domains" "$WORK/explain-no.out" || fail "explain did not name the rule"
grep -q "challenges allowed: http-01$" "$WORK/explain-no.out" || fail "explain did not narrow the challenges"

step "an account without EAB: held by its profile's policy, then by one bound at run time"
certbot_as web register --agree-tos -m web@anvil.test
WEB=$(account_of web)
refused web db.secret.anvil.test rejectedIdentifier "policy web (profile tls-server), rule denied_domains"
certbot_as web certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$HTTP_PORT" -d www.anvil.test \
  --cert-name www
# Ids may begin with "-": "--" ends the options.
"$ANVIL_CA" account set-policy "${CONFIG[@]}" -- "$WEB" devices
# The running server reads accounts through a cache of at most 5 s (storage/sqlite/account_cache.h).
sleep 6
refused web www2.anvil.test rejectedIdentifier "policy devices (account $WEB), rule allowed_domains"
"$ANVIL_CA" account set-policy "${CONFIG[@]}" --clear -- "$WEB"

step "eab revoke, eab list"
"$ANVIL_CA" eab revoke "${CONFIG[@]}" -- "$KID"
"$ANVIL_CA" eab list "${CONFIG[@]}" --json >"$WORK/eab-list.json"
python3 - "$WORK/eab-list.json" "$KID" <<'PY' || fail "eab list"
import json, sys
keys = {k["kid"]: k for k in json.load(open(sys.argv[1]))["eab_keys"]}
k = keys[sys.argv[2]]
print(k)
assert k["state"] == "revoked" and k["uses"] == 1 and k["max_uses"] == 1 and k["policy"] == "devices", k
assert k["label"] == "device 42" and k["revoked"] and k["expires"], k
assert "hmac_key" not in k, "the HMAC key must be shown only at creation"
PY

step "the audit trail holds each step"
"$ANVIL_CA" audit export "${CONFIG[@]}" >"$WORK/export.jsonl"
python3 - "$WORK/export.jsonl" "$KID" "$DEVICE" "$WEB" <<'PY' || fail "audit records"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
kid, device, web = sys.argv[2:5]
def find(kind, subject=None):
    return [r for r in records if r["kind"] == kind and (subject is None or r["subject"] == subject)]
assert find("eab.created", kid) and find("eab.used", kid) and find("eab.revoked", kid)
used = find("eab.used", kid)[0]
assert used["account"] == device, used
details = used["details"]
assert details["use"] == 1 and details["policy"] == "devices", details
assert [r["details"]["policy"] for r in find("account.policy_set", web)] == ["devices", ""]
refusals = [r["details"] for r in find("order.refused")]
rules = {(p["policy"], p["rule"]) for d in refusals for p in d.get("policies", [])}
rules |= {(d["policy"], d["rule"]) for d in refusals if "policy" in d}
print(sorted(rules))
for want in [("devices", "allowed_domains"), ("devices", "key_types"), ("default", "allowed_domains"),
             ("web", "denied_domains")]:
    assert want in rules, want
PY
"$ANVIL_CA" audit verify "${CONFIG[@]}"
echo "PASS: named policies and the EAB key lifecycle"
