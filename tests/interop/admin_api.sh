#!/usr/bin/env bash
# The admin API of anvil-ca (docs/admin-api.md), end to end: anvil-ca with [admin] on loopback, one real
# certificate issued through ACME by the anvil client, administrators' client certificates and a bearer token
# made with `anvil-ca admin`, and the API driven with curl over mTLS: a viewer is refused a revocation (403), an
# operator revokes the ACME certificate and the revocation is visible (API, `anvil-ca cert list`), the token
# works until `anvil-ca admin revoke` (then 401), a revoked certificate credential is refused, a policy defined
# over the API and bound to the ACME account refuses the anvil client (and cannot be deleted until unbound), a
# policy defined with `anvil-ca policy define` is seen by the running server, the audit records name each caller,
# the console's reads (the overview, the issuers, the newest audit records, a certificate with its order's validation
# records, the issuer filter latest first), and every response is validated against the OpenAPI document anvil-ca
# serves.
# Usage: admin_api.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-admin-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
python3 -c 'import jsonschema' 2>/dev/null || fail "python3-jsonschema is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN="https://127.0.0.1:$ADMIN_PORT/admin/v1"
start_challtestsrv
start_anvil_ca "$ANVIL_CA" $'[admin]\nlisten = ["127.0.0.1:'"$ADMIN_PORT"$'"]'
wait_for "the admin listener" 10 bash -c "curl -s --cacert '$ROOT_PEM' -o /dev/null '$ADMIN/whoami'"
CA_ARGS=(--config "$WORK/anvil-ca.toml")
mkdir -p "$WORK/responses"
: >"$WORK/responses/manifest"

# call NAME EXPECTED_STATUS METHOD PATH_TEMPLATE TARGET CURL_ARGS...: one request; its body is kept as
# responses/NAME and listed in the manifest with its method, path template, status and content type, for the
# OpenAPI check at the end.
call() {
  local name=$1 expected=$2 method=$3 template=$4 target=$5; shift 5
  local out
  out=$(curl -s --cacert "$ROOT_PEM" -X "$method" -o "$WORK/responses/$name" -w '%{http_code} %{content_type}' \
    "$@" "$ADMIN$target")
  local status=${out%% *} type=${out#* }
  echo "$name: $method $target -> $status ($type)"
  [ "$status" = "$expected" ] || fail "$name: $method $target answered $status, not $expected: $(cat "$WORK/responses/$name")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$method" "$template" "$status" "$type" >>"$WORK/responses/manifest"
}
as() { echo --cert "$WORK/admins/$1.fullchain.pem" --key "$WORK/admins/$1.key"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

step "one certificate issued through ACME (anvil, http-01)"
"$ANVIL_BIN" --state-dir "$WORK/state" issue --server "$DIRECTORY" --ca-bundle "$ROOT_PEM" -m admin@anvil.test \
  --name one -d admin-api.anvil.test --http-address 127.0.0.1 --http-port "$HTTP_PORT"
verify_chain "$WORK/state/lineages/one/cert.pem" "$WORK/state/lineages/one/chain.pem"

step "administrators: alice (operator) and vera (viewer) certificates, a ci (viewer) token"
"$ANVIL_CA" admin cert issue "${CA_ARGS[@]}" --name alice --role operator --out "$WORK/admins"
"$ANVIL_CA" admin cert issue "${CA_ARGS[@]}" --name vera --role viewer --out "$WORK/admins"
TOKEN=$("$ANVIL_CA" admin token create "${CA_ARGS[@]}" --name ci --role viewer)
[[ "$TOKEN" =~ ^anvil_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]] || fail "unexpected token form: $TOKEN"
"$ANVIL_CA" admin list "${CA_ARGS[@]}"
! sqlite3 "$WORK/anvil-data/anvil.db" .dump 2>/dev/null | grep -qF "${TOKEN#anvil_*_}" || fail "the token is in the database"
openssl verify -CAfile "$ROOT_PEM" -untrusted "$WORK/admins/alice.fullchain.pem" "$WORK/admins/alice.crt"

step "who am I, over mTLS and with the token; the OpenAPI document"
call whoami-alice 200 GET /whoami /whoami $(as alice)
[ "$(json "$WORK/responses/whoami-alice" 'd["name"], d["role"], d["credential"]')" = "('alice', 'operator', 'certificate')" ] ||
  fail "whoami: $(cat "$WORK/responses/whoami-alice")"
call whoami-ci 200 GET /whoami /whoami -H "Authorization: Bearer $TOKEN"
call openapi 200 GET /openapi.json /openapi.json $(as vera)
cp "$WORK/responses/openapi" "$WORK/openapi.json"

step "no credential, an unknown token, or a certificate of this CA that is no admin credential: refused"
call anonymous 401 GET /certificates /certificates
call bad-token 401 GET /certificates /certificates -H "Authorization: Bearer anvil_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
# A certificate of this CA that is no admin credential (the ACME certificate has no clientAuth; anvil-ca's own
# TLS certificate neither): chaining to the CA grants nothing.
code=$(curl -s --cacert "$ROOT_PEM" -o /dev/null -w '%{http_code}' --cert "$WORK/state/lineages/one/cert.pem" \
  --key "$WORK/state/lineages/one/key.pem" "$ADMIN/certificates") || true
[ "$code" = 401 ] || [ "$code" = 000 ] || fail "the ACME certificate as a client certificate: $code"

step "listings: certificates, one certificate, accounts, EAB keys, the audit trail"
call certificates 200 GET /certificates /certificates $(as vera)
SERIAL=$(json "$WORK/responses/certificates" 'd["certificates"][0]["serial"]')
ACCOUNT=$(json "$WORK/responses/certificates" 'd["certificates"][0]["account"]')
[ "$(json "$WORK/responses/certificates" 'd["certificates"][0]["names"]')" = "['admin-api.anvil.test']" ] ||
  fail "the listing does not show the ACME certificate"
call certificates-filtered 200 GET /certificates "/certificates?name_suffix=.anvil.test&status=valid&limit=5" -H "Authorization: Bearer $TOKEN"
call certificate 200 GET '/certificates/{serial}' "/certificates/$SERIAL" $(as vera)
# The ACME certificate's order, its authorization and the validation record of the http-01 check.
[ "$(json "$WORK/responses/certificate" 'd["order_detail"]["authorizations"][0]["validations"][0]["details"]["validation_records"][0]["address_used"]')" = 127.0.0.1 ] ||
  fail "the certificate's validation record: $(cat "$WORK/responses/certificate")"
call certificates-latest 200 GET /certificates "/certificates?order=latest&issuer=$(json "$WORK/responses/certificate" 'd["authority_key_id"]')" $(as vera)
[ "$(json "$WORK/responses/certificates-latest" 'd["certificates"][0]["serial"]')" = "$SERIAL" ] ||
  fail "the issuer filter: $(cat "$WORK/responses/certificates-latest")"
call issuers 200 GET /issuers /issuers $(as vera)
call overview 200 GET /overview /overview $(as vera)
[ "$(json "$WORK/responses/overview" 'd["counts"]["valid"]')" = 1 ] || fail "the overview: $(cat "$WORK/responses/overview")"
call audit-head 200 GET /audit/head /audit/head $(as vera)
call audit-latest 200 GET /audit "/audit?before_id=$(( $(json "$WORK/responses/audit-head" 'd["head_id"]') + 1 ))&limit=5" $(as vera)
call accounts 200 GET /accounts /accounts $(as vera)
call account 200 GET '/accounts/{id}' "/accounts/$ACCOUNT" $(as vera)
call eab-keys-viewer 403 GET /eab-keys /eab-keys $(as vera)
call eab-create 201 POST /eab-keys /eab-keys $(as alice) -H 'Content-Type: application/json' -d '{"comment":"team A"}'
call eab-keys 200 GET /eab-keys /eab-keys $(as alice)
call audit-verify 200 GET /audit/verify /audit/verify $(as vera)
[ "$(json "$WORK/responses/audit-verify" 'd["holds"]')" = True ] || fail "the audit chain does not hold"
call not-found 404 GET '/certificates/{serial}' /certificates/abcdef $(as vera)
call bad-filter 400 GET /certificates "/certificates?status=lost" $(as vera)

step "a viewer is refused a revocation (403); the certificate stays valid"
call revoke-viewer 403 POST '/certificates/{serial}/revoke' "/certificates/$SERIAL/revoke" $(as vera) \
  -H 'Content-Type: application/json' -d '{"reason":"superseded"}'
grep -q 'urn:anvil:admin:forbidden' "$WORK/responses/revoke-viewer" || fail "403 without its problem type"
call revoke-token 403 POST '/certificates/{serial}/revoke' "/certificates/$SERIAL/revoke" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"reason":"superseded"}'
call anchor-operator 403 POST /audit/anchors /audit/anchors $(as alice)

step "the operator revokes the ACME certificate; the revocation is visible"
call revoke 200 POST '/certificates/{serial}/revoke' "/certificates/$SERIAL/revoke" $(as alice) \
  -H 'Content-Type: application/json' -d '{"reason":"superseded","note":"interop"}'
[ "$(json "$WORK/responses/revoke" 'd["status"], d["revocation_reason"]')" = "('revoked', 'superseded')" ] ||
  fail "revoke: $(cat "$WORK/responses/revoke")"
call revoked 200 GET /certificates "/certificates?status=revoked" $(as vera)
[ "$(json "$WORK/responses/revoked" 'd["certificates"][0]["serial"]')" = "$SERIAL" ] || fail "not listed as revoked"
call revoke-again 409 POST '/certificates/{serial}/revoke' "/certificates/$SERIAL/revoke" $(as alice) \
  -H 'Content-Type: application/json' -d '{"reason":"superseded"}'
"$ANVIL_CA" cert list "${CA_ARGS[@]}" --status revoked --json >"$WORK/cli-revoked.json"
[ "$(json "$WORK/cli-revoked.json" 'd["certificates"][0]["serial"]')" = "$SERIAL" ] || fail "anvil-ca cert list does not show it"
# The RA told the CRL updater: the intermediate's CRL lists it within crl_revocation_delay.
crl_lists_it() {
  curl -sf "$(openssl x509 -in "$WORK/state/lineages/one/cert.pem" -noout -ext crlDistributionPoints |
    grep -o 'http://[^ ]*')" -o "$WORK/crl.der" &&
    openssl crl -inform DER -in "$WORK/crl.der" -noout -text | tr -d ':' | tr 'A-F' 'a-f' | grep -q "${SERIAL}"
}
wait_for "the CRL to list the revoked certificate" 30 crl_lists_it || fail "the CRL does not list $SERIAL"

step "an admin (token) anchors the audit chain and reloads the CA"
ADMIN_TOKEN=$("$ANVIL_CA" admin token create "${CA_ARGS[@]}" --name root --role admin)
call anchor 201 POST /audit/anchors /audit/anchors -H "Authorization: Bearer $ADMIN_TOKEN"
call reload 200 POST /ca/reload /ca/reload -H "Authorization: Bearer $ADMIN_TOKEN"

step "an admin defines a policy at run time and binds it to the ACME account; the anvil client is refused by it"
call policy-define-operator 403 PUT '/policies/{name}' /policies/partners $(as alice) -H 'Content-Type: application/json' -d '{}'
call policy-define-unknown 400 PUT '/policies/{name}' /policies/partners -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"allowed_domain":["partners.anvil.test"]}'
grep -q 'unknown field \\"allowed_domain\\"' "$WORK/responses/policy-define-unknown" ||
  fail "the 400 does not name the unknown field: $(cat "$WORK/responses/policy-define-unknown")"
call policy-define-default 409 PUT '/policies/{name}' /policies/default -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{}'
grep -q 'configuration file' "$WORK/responses/policy-define-default" || fail "the 409 does not say why"
call policy-define 201 PUT '/policies/{name}' /policies/partners -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"allowed_domains":["partners.anvil.test"],"max_identifiers":2}'
call policies 200 GET /policies /policies $(as alice)
[ "$(json "$WORK/responses/policies" '[(p["name"], p["source"]) for p in d["policies"]]')" = \
  "[('default', 'config'), ('partners', 'api')]" ] || fail "policies: $(cat "$WORK/responses/policies")"
call policy-bind 200 POST '/accounts/{id}/policy' "/accounts/$ACCOUNT/policy" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"policy":"partners"}'
# The account anvil registered above is bound now: a name outside partners.anvil.test is refused at newOrder.
if "$ANVIL_BIN" --state-dir "$WORK/state" issue --server "$DIRECTORY" --ca-bundle "$ROOT_PEM" -m admin@anvil.test \
  --name two -d elsewhere.anvil.test --http-address 127.0.0.1 --http-port "$HTTP_PORT" >"$WORK/refused.out" 2>&1; then
  fail "anvil got a certificate outside the account's policy"
fi
grep -q "policy partners (account $ACCOUNT), rule allowed_domains" "$WORK/refused.out" ||
  fail "the refusal does not name the policy and rule: $(cat "$WORK/refused.out")"
call policy-explain 200 GET /policies/explain "/policies/explain?account=$ACCOUNT&name=elsewhere.anvil.test" $(as vera)
[ "$(json "$WORK/responses/policy-explain" '[(v["policy"], v["rule"]) for v in d["verdicts"] if v["rule"]]')" = \
  "[('partners', 'allowed_domains')]" ] || fail "explain: $(cat "$WORK/responses/policy-explain")"

step "the policy cannot be deleted while bound; unbound, it is deleted"
call policy-delete-bound 409 DELETE '/policies/{name}' /policies/partners -H "Authorization: Bearer $ADMIN_TOKEN"
grep -q "account $ACCOUNT" "$WORK/responses/policy-delete-bound" || fail "the 409 does not name the account"
call policy-unbind 200 POST '/accounts/{id}/policy' "/accounts/$ACCOUNT/policy" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d '{"policy":""}'
call policy-delete 200 DELETE '/policies/{name}' /policies/partners -H "Authorization: Bearer $ADMIN_TOKEN"
call policy-delete-again 404 DELETE '/policies/{name}' /policies/partners -H "Authorization: Bearer $ADMIN_TOKEN"

step "a policy defined with the command line is seen by the running server within a second"
echo '{"identifier_types":["dns"],"max_identifiers":1}' >"$WORK/lab-rules.json"
"$ANVIL_CA" policy define "${CA_ARGS[@]}" lab --rules-file "$WORK/lab-rules.json"
seen_lab() {
  curl -sf --cacert "$ROOT_PEM" $(as alice) "$ADMIN/policies" -o "$WORK/policies-now.json" &&
    [ "$(json "$WORK/policies-now.json" '[p["source"] for p in d["policies"] if p["name"] == "lab"]')" = "['api']" ]
}
wait_for "the server to see the policy lab" 5 seen_lab || fail "the server does not see the policy lab"
"$ANVIL_CA" policy list "${CA_ARGS[@]}" | grep -q '^lab (defined at run time)' || fail "policy list does not show lab"
echo '{"allowed_domain":[]}' >"$WORK/bad-rules.json"
! "$ANVIL_CA" policy define "${CA_ARGS[@]}" bad --rules-file "$WORK/bad-rules.json" 2>"$WORK/bad-rules.err" ||
  fail "policy define took an unknown field"
grep -q 'unknown field "allowed_domain"' "$WORK/bad-rules.err" || fail "policy define: $(cat "$WORK/bad-rules.err")"
"$ANVIL_CA" policy delete "${CA_ARGS[@]}" lab

step "revoked credentials are refused (401): the ci token, vera's certificate"
"$ANVIL_CA" admin revoke "${CA_ARGS[@]}" ci
"$ANVIL_CA" admin revoke "${CA_ARGS[@]}" vera
call revoked-token 401 GET /whoami /whoami -H "Authorization: Bearer $TOKEN"
call revoked-cert 401 GET /whoami /whoami $(as vera)
grep -q 'revoked' "$WORK/responses/revoked-cert" || fail "the 401 does not say the credential was revoked"
"$ANVIL_CA" admin list "${CA_ARGS[@]}" --json >"$WORK/admins.json"
[ "$(json "$WORK/admins.json" '[c["name"] for c in d if c["revoked_at"]]')" = "['vera', 'ci']" ] ||
  fail "admin list: $(cat "$WORK/admins.json")"

step "the audit records name each caller"
call audit 200 GET /audit "/audit?after_id=0&limit=1000" $(as alice)
python3 - "$WORK/responses/audit" "$SERIAL" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))["records"]
serial = sys.argv[2]
def find(pred, what):
    for r in records:
        if pred(r):
            return r
    sys.exit(f"FAIL: no audit record: {what}")
req = lambda r: r["kind"] == "admin.request"
find(lambda r: req(r) and r["details"]["caller"] == {"name": "vera", "role": "viewer", "credential": "certificate"}
     and r["details"]["path"].endswith("/revoke") and r["details"]["status"] == 403 and r["details"]["outcome"] == "forbidden",
     "vera's refused revocation")
find(lambda r: req(r) and r["details"]["caller"] == {"name": "alice", "role": "operator", "credential": "certificate"}
     and r["details"]["path"] == f"/admin/v1/certificates/{serial}/revoke" and r["details"]["status"] == 200,
     "alice's revocation")
find(lambda r: r["kind"] == "certificate.revoked" and r["subject"] == serial and r["details"]["requester"] == "admin:alice"
     and r["details"]["note"] == "interop", "the revocation naming alice")
find(lambda r: req(r) and r["details"]["caller"] == {"name": "ci", "role": "viewer", "credential": "token"}, "ci's calls")
find(lambda r: req(r) and r["details"]["caller"] is None and r["details"]["status"] == 401, "an unauthenticated call")
find(lambda r: r["kind"] == "admin.credential.revoked" and r["subject"] == "vera", "vera's credential revoked")
find(lambda r: r["kind"] == "policy.defined" and r["subject"] == "partners" and r["details"]["requester"] == "admin:root"
     and r["details"]["rules"]["allowed_domains"] == ["partners.anvil.test"], "the policy defined by root")
find(lambda r: r["kind"] == "policy.deleted" and r["subject"] == "partners" and r["details"]["requester"] == "admin:root",
     "the policy deleted by root")
find(lambda r: r["kind"] == "policy.defined" and r["subject"] == "lab" and r["details"]["requester"] == "operator",
     "the policy defined with the command line")
print(f"{len(records)} audit records; each caller named")
PY
"$ANVIL_CA" audit verify "${CA_ARGS[@]}"

step "every response matches the OpenAPI document anvil-ca serves"
python3 - "$WORK/openapi.json" "$WORK/responses" <<'PY'
import json, os, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
folder = sys.argv[2]
assert doc["openapi"].startswith("3.1."), doc["openapi"]
assert doc["servers"][0]["url"] == "/admin/v1"
# Every $ref in the document resolves.
def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)
def resolve(ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node
for ref in refs(doc):
    resolve(ref)
for path, item in doc["paths"].items():
    for method, op in item.items():
        assert op.get("x-anvil-role") in ("viewer", "operator", "admin"), (method, path)
        assert "401" in op["responses"] and "403" in op["responses"], (method, path)
checked = 0
for line in open(os.path.join(folder, "manifest")):
    name, method, template, status, ctype = line.rstrip("\n").split("\t")
    op = doc["paths"][template][method.lower()]
    response = op["responses"].get(status)
    assert response is not None, f"{name}: {method} {template} answered {status}, which the document does not describe"
    if "$ref" in response:
        response = resolve(response["$ref"])
    media = ctype.split(";")[0].strip()
    content = response["content"]
    assert media in content, f"{name}: content type {media}, the document says {list(content)}"
    schema = dict(content[media]["schema"])
    schema["components"] = doc["components"]
    body = json.load(open(os.path.join(folder, name)))
    try:
        jsonschema.Draft202012Validator(schema).validate(body)
    except jsonschema.ValidationError as e:
        sys.exit(f"FAIL: {name} ({method} {template} {status}) does not match the document: {e.message} at {list(e.absolute_path)}")
    checked += 1
print(f"{checked} responses match the OpenAPI document")
PY

echo
echo "admin API interop: OK"
