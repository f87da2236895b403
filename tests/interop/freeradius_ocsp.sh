#!/usr/bin/env bash
# FreeRADIUS as a relying party of anvil-ca's OCSP responder (RFC 6960; docs/revocation.md, "Relying parties
# tested"): Debian's FreeRADIUS 3.2 does EAP-TLS (RFC 5216) with OCSP checking of the client certificate, driven
# by wpa_supplicant's eapol_test. anvil-ca runs on loopback with its publication listener; the anvil client
# issues FreeRADIUS's server certificate (profile tls-server) and two client certificates (profile tls-client,
# extKeyUsage clientAuth). FreeRADIUS runs in the foreground as the test user, from a copy of
# /etc/freeradius/3.0 adapted in a temp dir (its own raddb, a free loopback port, the test's EAP and site
# configuration), and asks the OCSP URL named in each client certificate's authorityInfoAccess. Both certificates
# get Access-Accept; after `anvil revoke --reason 1` the revoked one gets Access-Reject (FreeRADIUS's OCSP check
# logs "revoked") and the other one is still accepted.
# Nothing is cached between the two runs: FreeRADIUS caches OCSP answers only when a virtual server is set up to
# (none is here), its TLS session cache is off (a resumed session would skip the certificate check), each
# eapol_test is a new TLS session, and FreeRADIUS sends a nonce, which anvil-ca answers with a freshly signed
# response (its cache only serves requests without one).
# Usage: freeradius_ocsp.sh PATH/TO/anvil PATH/TO/anvil-ca
set -euo pipefail
ANVIL_BIN=$1
ANVIL_CA=$2
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/anvil-radius-XXXXXX)
source "$HERE/lib.sh"

SYSTEM_RADDB=/etc/freeradius/3.0
command -v pebble-challtestsrv >/dev/null || fail "pebble-challtestsrv is not installed (scripts/install-deps)"
# /usr/sbin is not on every user's PATH.
FREERADIUS=$(command -v freeradius || true)
[ -z "$FREERADIUS" ] && [ -x /usr/sbin/freeradius ] && FREERADIUS=/usr/sbin/freeradius
[ -n "$FREERADIUS" ] || fail "freeradius is not installed (scripts/install-deps)"
command -v eapol_test >/dev/null || fail "eapol_test is not installed (package eapoltest, scripts/install-deps)"
# Debian keeps /etc/freeradius readable by root and the freerad group only.
[ -r "$SYSTEM_RADDB/radiusd.conf" ] || fail "cannot read $SYSTEM_RADDB (run as root or as a member of freerad)"

HTTP_PORT=$(free_port)
start_challtestsrv
start_anvil_ca "$ANVIL_CA"
STATE="$WORK/state"
LINEAGES="$STATE/lineages"
ANVIL=("$ANVIL_BIN" --state-dir "$STATE")
COMMON=(--server "$DIRECTORY" --ca-bundle "$ROOT_PEM" --http-address 127.0.0.1 --http-port "$HTTP_PORT")

step "anvil issue: FreeRADIUS's server certificate (tls-server) and two client certificates (tls-client)"
"${ANVIL[@]}" issue "${COMMON[@]}" --name radius -d radius.anvil.test --profile tls-server
for name in alice bob; do
  "${ANVIL[@]}" issue "${COMMON[@]}" --name "$name" -d "$name.anvil.test" --profile tls-client
done
for name in alice bob; do
  eku=$(openssl x509 -in "$LINEAGES/$name/cert.pem" -noout -ext extendedKeyUsage)
  grep -q "TLS Web Client Authentication" <<<"$eku" || fail "$name: the tls-client profile did not give clientAuth"
done
OCSP_URL=$(openssl x509 -in "$LINEAGES/alice/cert.pem" -noout -ext authorityInfoAccess | sed -n 's/^ *OCSP - URI://p')
[ "$OCSP_URL" = "$PUBLICATION_URL/ocsp" ] || fail "the client certificate names OCSP at '$OCSP_URL'"

step "FreeRADIUS: $SYSTEM_RADDB copied to a temp raddb, EAP-TLS with OCSP, a loopback port"
RADDB="$WORK/raddb"
RADIUS_PORT=$(free_port)
SECRET=$(openssl rand -hex 16)
mkdir -p "$WORK/radius-log" "$WORK/radius-run"
cp -R "$SYSTEM_RADDB/." "$RADDB"
chmod -R go-w "$RADDB"
# The test's own paths instead of /etc, /var/log and /var/run; no switch to the freerad user (the test user runs
# it, and freerad could not read the temp dir).
sed -i -e "s|^raddbdir = .*|raddbdir = $RADDB|" -e "s|^logdir = .*|logdir = $WORK/radius-log|" \
  -e "s|^run_dir = .*|run_dir = $WORK/radius-run|" -e 's/^\(\s*\)\(user\|group\) = freerad/\1#\2 = freerad/' \
  "$RADDB/radiusd.conf"
grep -q "^raddbdir = $RADDB\$" "$RADDB/radiusd.conf" || fail "radiusd.conf: raddbdir not replaced"
cat "$ROOT_PEM" "$LINEAGES/alice/chain.pem" >"$WORK/radius-cas.pem"
# Only the test's virtual server: the packaged ones listen on every address, on 1812/1813 and 18120.
rm -f "$RADDB"/sites-enabled/*
cat >"$RADDB/sites-enabled/anvil-test" <<CONF
server anvil-test {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $RADIUS_PORT
  }
  authorize {
    eap {
      ok = return
    }
  }
  authenticate {
    eap
  }
  post-auth {
    Post-Auth-Type REJECT {
      eap
    }
  }
}
CONF
cat >"$RADDB/clients.conf" <<CONF
client loopback {
  ipaddr = 127.0.0.1
  secret = $SECRET
}
CONF
# EAP-TLS only. OCSP: the responder named in the client certificate's authorityInfoAccess (no override, no
# fallback URL), a nonce, no soft failure: an unreachable responder or a bad answer rejects.
rm -f "$RADDB/mods-enabled/eap"
cat >"$RADDB/mods-enabled/eap" <<CONF
eap {
  default_eap_type = tls
  timer_expire = 60
  ignore_unknown_eap_types = no
  max_sessions = \${max_requests}
  tls-config tls-common {
    private_key_file = $LINEAGES/radius/key.pem
    certificate_file = $LINEAGES/radius/fullchain.pem
    ca_file = $WORK/radius-cas.pem
    cipher_list = "DEFAULT"
    tls_min_version = "1.2"
    tls_max_version = "1.2"
    cache {
      enable = no
    }
    verify {
    }
    ocsp {
      enable = yes
      override_cert_url = no
      use_nonce = yes
      timeout = 5
      softfail = no
    }
  }
  tls {
    tls = tls-common
  }
}
CONF

"$FREERADIUS" -X -d "$RADDB" >"$WORK/freeradius.log" 2>&1 &
RADIUS_PID=$!
PIDS+=($RADIUS_PID)
radius_ready() {
  kill -0 "$RADIUS_PID" || { cat "$WORK/freeradius.log"; fail "FreeRADIUS exited"; }
  grep -q "^Ready to process requests" "$WORK/freeradius.log"
}
wait_for "FreeRADIUS" 30 radius_ready || fail "FreeRADIUS did not start"
grep "Listening on auth address" "$WORK/freeradius.log"

# eap_tls NAME: EAP-TLS as NAME with its tls-client certificate; eapol_test's exit status, output in
# $WORK/eapol-NAME.N.out (N counts the runs).
RUNS=0
eap_tls() {
  local name=$1 conf="$WORK/eapol-$1.conf"
  RUNS=$((RUNS + 1))
  OUT="$WORK/eapol-$name.$RUNS.out"
  cat >"$conf" <<CONF
network={
  key_mgmt=IEEE8021X
  eap=TLS
  identity="$name.anvil.test"
  ca_cert="$ROOT_PEM"
  domain_match="radius.anvil.test"
  client_cert="$LINEAGES/$name/cert.pem"
  private_key="$LINEAGES/$name/key.pem"
  eapol_flags=0
}
CONF
  # Marks where this run's part of FreeRADIUS's log starts.
  RADIUS_LOG_FROM=$(($(wc -l <"$WORK/freeradius.log") + 1))
  timeout 30 eapol_test -c "$conf" -a 127.0.0.1 -p "$RADIUS_PORT" -s "$SECRET" -t 15 -r 0 >"$OUT" 2>&1
}
# FreeRADIUS's log lines of the last run. Read whole before grep: `grep -q` stops at the first match, and under
# pipefail the writer's SIGPIPE would fail the test.
radius_log_of_run() { RUN_LOG=$(tail -n "+$RADIUS_LOG_FROM" "$WORK/freeradius.log"); }
accepted() {  # NAME
  local rc=0
  eap_tls "$1" || rc=$?
  radius_log_of_run
  [ $rc -eq 0 ] || { tail -n 30 "$OUT"; tail -n 60 <<<"$RUN_LOG"; fail "$1: eapol_test exited $rc"; }
  grep -q "^SUCCESS$" "$OUT" || fail "$1: eapol_test did not print SUCCESS"
  grep -q "RADIUS message: code=2 (Access-Accept)" "$OUT" || fail "$1: no Access-Accept"
  grep -q "ocsp: Cert status: good" <<<"$RUN_LOG" || { grep -i ocsp <<<"$RUN_LOG"; fail "$1: OCSP did not say good"; }
  echo "$1: Access-Accept, OCSP good"
}

step "before the revocation: both client certificates get Access-Accept, OCSP says good"
accepted alice
grep -i "ocsp" <<<"$RUN_LOG"
grep -q "ocsp: Using responder URL \"$OCSP_URL\"" <<<"$RUN_LOG" ||
  fail "FreeRADIUS did not use the responder named in the certificate"
accepted bob

step "anvil revoke --reason 1 (keyCompromise): alice gets Access-Reject, bob still gets Access-Accept"
"${ANVIL[@]}" revoke --cert "$LINEAGES/alice/cert.pem" --reason 1
if eap_tls alice; then tail -n 30 "$OUT"; fail "alice: accepted after the revocation"; fi
radius_log_of_run
tail -n 5 "$OUT"
grep -q "^FAILURE$" "$OUT" || fail "alice: eapol_test did not print FAILURE"
grep -q "RADIUS message: code=3 (Access-Reject)" "$OUT" || fail "alice: no Access-Reject"
grep -i "ocsp" <<<"$RUN_LOG"
grep -q "ocsp: Cert status: revoked" <<<"$RUN_LOG" || fail "alice: FreeRADIUS's OCSP check did not say revoked"
grep -q "ocsp: Reason: keyCompromise" <<<"$RUN_LOG" || fail "alice: the revocation reason is not keyCompromise"
accepted bob
echo "PASS"
