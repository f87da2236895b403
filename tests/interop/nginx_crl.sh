#!/usr/bin/env bash
# nginx as a relying party of anvil-ca's CRLs (RFC 5280 §5; docs/revocation.md, "Relying parties tested"):
# Debian's nginx requires client certificates (`ssl_verify_client on`) and checks them against the CRLs in
# `ssl_crl`, which the test keeps current the way an operator's cron job would: curl fetches every CRL the client
# chain names from anvil-ca's plain-HTTP publication listener, the PEM file is replaced and nginx reloaded.
# anvil-ca and the anvil client run on loopback; the anvil client issues nginx's server certificate (tls-server)
# and two client certificates (tls-client, clientAuth), and revokes one of them (`anvil revoke --reason 1`).
# nginx runs in the foreground as the test user from a config file in the temp dir, on free loopback ports.
#
# nginx's `ssl_crl` sets X509_V_FLAG_CRL_CHECK_ALL: OpenSSL then wants a CRL for every certificate of the
# chain, the intermediate's from the root included, and refuses the chain with "unable to get certificate CRL"
# (error 3) without one. anvil-ca publishes the root's CRL at /crl/root.crl and the intermediate names it in its
# cRLDistributionPoints; the test fetches both CRLs from the URLs the chain names. Both client certificates get
# 200 (the response names the serial nginx saw); after the revocation and the CRL refresh the revoked one gets
# 400 "The SSL certificate error" with nginx logging "(23:certificate revoked)" at depth 0, and the other still
# gets 200.
# A second server block of the same nginx checks the same certificates with `ssl_ocsp leaf` (nginx >= 1.19)
# against the OCSP responder named in their authorityInfoAccess: what an nginx operator can use without a root
# CRL. No ssl_ocsp_cache: every handshake asks anvil-ca. Both certificates get 200; right after the revocation
# (no CRL refresh needed) the revoked one gets 400 with "client SSL certificate verify error: certificate
# revoked", and the other still gets 200.
# Usage: nginx_crl.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-nginx-XXXXXX)
source "$HERE/lib.sh"

command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
# /usr/sbin is not on every user's PATH.
NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || fail "nginx is not installed (scripts/install-deps)"

HTTP_PORT=$(free_port)
start_challtestsrv
PUBLICATION_EXTRA='crl_revocation_delay = "1s"' start_anvil_ca "$ANVIL_CA"
STATE="$WORK/state"
LINEAGES="$STATE/lineages"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

step "anvil issue: nginx's server certificate (tls-server) and two client certificates (tls-client)"
"${ANVIL[@]}" issue "${COMMON[@]}" --name web -d www.anvil.test --profile tls-server
for name in alice bob; do
  "${ANVIL[@]}" issue "${COMMON[@]}" --name "$name" -d "$name.anvil.test" --profile tls-client
done
INTERMEDIATE="$LINEAGES/alice/chain.pem"
serial() { openssl x509 -in "$LINEAGES/$1/cert.pem" -noout -serial | cut -d= -f2; }

step "the CRLs the client chain needs: the intermediate's (from the leaf) and the root's (from the intermediate)"
LEAF_CRL_URL=$(openssl x509 -in "$LINEAGES/alice/cert.pem" -noout -ext crlDistributionPoints | sed -n 's/^ *URI://p')
case "$LEAF_CRL_URL" in "$PUBLICATION_URL/crl/"*.crl) ;; *) fail "unexpected CRL distribution point '$LEAF_CRL_URL'" ;; esac
CRL_URLS=("$LEAF_CRL_URL")
ROOT_CRL_URL=$(openssl x509 -in "$INTERMEDIATE" -noout -ext crlDistributionPoints 2>/dev/null |
  sed -n 's/^ *URI://p' | head -n 1)
[ "$ROOT_CRL_URL" = "$PUBLICATION_URL/crl/root.crl" ] ||
  fail "the intermediate does not name the root's CRL (cRLDistributionPoints '$ROOT_CRL_URL')"
echo "root CRL: $ROOT_CRL_URL"
CRL_URLS+=("$ROOT_CRL_URL")

NGINX_DIR="$WORK/nginx"
mkdir -p "$NGINX_DIR/tmp"
# refresh_crls: what an operator's cron job does. Fetches every CRL over the publication listener, and replaces
# nginx's ssl_crl file (PEM, one CRL after the other) atomically. nginx reads it at start and on reload.
refresh_crls() {
  local url
  : >"$NGINX_DIR/crl.pem.new"
  for url in "${CRL_URLS[@]}"; do
    curl -sf "$url" -o "$WORK/fetched.der" || return 1
    openssl crl -inform DER -in "$WORK/fetched.der" >>"$NGINX_DIR/crl.pem.new" || return 1
  done
  mv "$NGINX_DIR/crl.pem.new" "$NGINX_DIR/crl.pem"
}
refresh_crls
cat "$ROOT_PEM" "$INTERMEDIATE" >"$NGINX_DIR/client-cas.pem"

CRL_PORT=$(free_port)
OCSP_PORT=$(free_port)
# The master process of an nginx started as root switches its workers to `user` (nobody by default).
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user $(id -un) $(id -gn);"
# server_block PORT REVOCATION_DIRECTIVE
server_block() {
  cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl;
    server_name www.anvil.test;
    ssl_certificate $LINEAGES/web/fullchain.pem;
    ssl_certificate_key $LINEAGES/web/key.pem;
    ssl_verify_client on;
    ssl_client_certificate $NGINX_DIR/client-cas.pem;
    ssl_verify_depth 2;
    $2
    location / {
      return 200 "serial \$ssl_client_serial\n";
    }
  }
CONF
}
cat >"$NGINX_DIR/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
# debug: OpenSSL's verify callback results per chain depth ("verify:0, error:23, depth:0"), and the OCSP answers;
# Debian builds nginx --with-debug.
error_log $WORK/nginx.log debug;
events {
  worker_connections 64;
}
http {
  access_log $WORK/nginx-access.log;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  default_type text/plain;
$(server_block "$CRL_PORT" "ssl_crl $NGINX_DIR/crl.pem;")
$(server_block "$OCSP_PORT" "ssl_ocsp leaf;")
}
CONF
NGINX_CMD=("$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$WORK/nginx.log")
"${NGINX_CMD[@]}" -t
step "nginx, ssl_verify_client on: ssl_crl (${#CRL_URLS[@]} CRL(s) from anvil-ca) on 127.0.0.1:$CRL_PORT," \
  "ssl_ocsp leaf on 127.0.0.1:$OCSP_PORT"
"${NGINX_CMD[@]}" -g 'daemon off;' &
NGINX_PID=$!
PIDS+=($NGINX_PID)
nginx_up() {
  kill -0 "$NGINX_PID" || fail "nginx exited"
  curl -s -o /dev/null --cacert "$ROOT_PEM" --resolve "www.anvil.test:$OCSP_PORT:127.0.0.1" \
    "https://www.anvil.test:$OCSP_PORT/"
}
wait_for "nginx" 20 nginx_up

# request NAME PORT: HTTPS GET with NAME's client certificate (the chain in fullchain.pem). Sets CODE and BODY,
# and LOG to nginx's log lines of this request.
request() {
  local from
  from=$(($(wc -l <"$WORK/nginx.log") + 1))
  CODE=$(curl -sS --cacert "$ROOT_PEM" --resolve "www.anvil.test:$2:127.0.0.1" \
    --cert "$LINEAGES/$1/fullchain.pem" --key "$LINEAGES/$1/key.pem" -o "$WORK/body" -w '%{http_code}' \
    "https://www.anvil.test:$2/") || fail "$1: curl failed"
  BODY=$(cat "$WORK/body")
  # nginx writes its log unbuffered: the request's lines are there when curl has the answer.
  LOG=$(tail -n "+$from" "$WORK/nginx.log")
}
verify_lines() { grep -o 'verify:[01], error:[0-9]*, depth:[0-9]' <<<"$LOG" | sort -u | tr '\n' ' '; }
# leaf_passed: OpenSSL's checks of the leaf (depth 0), its revocation check against the intermediate's CRL
# included, raised no error.
leaf_passed() { ! grep -q 'verify:0, error:[0-9]*, depth:0' <<<"$LOG"; }
expect_200() {  # NAME
  [ "$CODE" = 200 ] || { echo "$BODY"; fail "$1: HTTP $CODE, expected 200"; }
  [ "$BODY" = "serial $(serial "$1")" ] || fail "$1: nginx answered '$BODY'"
}
expect_400() {  # NAME
  [ "$CODE" = 400 ] || { echo "$BODY"; fail "$1: HTTP $CODE, expected 400"; }
  grep -q "The SSL certificate error" <<<"$BODY" || { echo "$BODY"; fail "$1: not nginx's certificate error page"; }
}

crl_accepted() {  # NAME: the certificate is not revoked
  request "$1" "$CRL_PORT"
  echo "ssl_crl, $1: HTTP $CODE; verify callback: $(verify_lines)"
  expect_200 "$1"
  leaf_passed || fail "$1: the leaf failed its check at depth 0"
}
crl_refused() {  # NAME: the certificate is revoked
  request "$1" "$CRL_PORT"
  echo "ssl_crl, $1: HTTP $CODE; verify callback: $(verify_lines)"
  expect_400 "$1"
  grep -q 'verify:0, error:23, depth:0' <<<"$LOG" || fail "$1: OpenSSL did not find the leaf revoked (error 23)"
  grep -q "client SSL certificate verify error: (23:certificate revoked)" <<<"$LOG" ||
    fail "$1: nginx did not log '(23:certificate revoked)'"
}
ocsp_accepted() {  # NAME
  request "$1" "$OCSP_PORT"
  echo "ssl_ocsp, $1: HTTP $CODE"
  expect_200 "$1"
  grep -q "ssl ocsp response, good" <<<"$LOG" || fail "$1: nginx's OCSP check did not say good"
}
ocsp_refused() {  # NAME
  request "$1" "$OCSP_PORT"
  echo "ssl_ocsp, $1: HTTP $CODE"
  expect_400 "$1"
  grep -q "ssl ocsp response, revoked" <<<"$LOG" || fail "$1: nginx's OCSP check did not say revoked"
  grep -q "client SSL certificate verify error: certificate revoked" <<<"$LOG" ||
    fail "$1: nginx did not log 'certificate revoked'"
}

step "before the revocation: nginx accepts both client certificates"
for name in alice bob; do
  crl_accepted "$name"
  ocsp_accepted "$name"
done

step "anvil revoke --reason 1 (keyCompromise): ssl_ocsp refuses alice at once, and still accepts bob"
"${ANVIL[@]}" revoke --cert "$LINEAGES/alice/cert.pem" --reason 1
ocsp_refused alice
ocsp_accepted bob

step "the cron job waits for the CRL to list alice's certificate, and reloads nginx"
ALICE_SERIAL=$(serial alice)
listed() {
  refresh_crls || return 1
  local text
  text=$(openssl crl -in "$NGINX_DIR/crl.pem" -noout -text)
  grep -qi "Serial Number: $ALICE_SERIAL" <<<"$text"
}
wait_for "the revocation on the CRL" 30 listed || fail "the CRL does not list alice's certificate"
from=$(($(wc -l <"$WORK/nginx.log") + 1))
"${NGINX_CMD[@]}" -s reload
# The reload is done when the new worker runs and the old one has stopped accepting connections.
reloaded() {
  local log
  log=$(tail -n "+$from" "$WORK/nginx.log")
  grep -q "start worker process" <<<"$log" && grep -q "gracefully shutting down" <<<"$log"
}
wait_for "nginx's reload" 20 reloaded || fail "nginx did not reload"

step "after the CRL refresh: ssl_crl refuses alice's certificate and still accepts bob's"
crl_refused alice
crl_accepted bob

echo "PASS"
