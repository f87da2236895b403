#!/usr/bin/env bash
# make_ak.sh TCTI OUTDIR [--identifier SERIAL] [--ek-alg rsa|ecc] [--ak-handle HANDLE] [--ek-ca PEM]
#           [--ak-scheme ecdsa|rsassa|rsapss]
#
# The attestation CA's side of TPM attestation, done in one script for tests (loopback TPMs only, e.g. the
# swtpm of tests/support/swtpm.h; every file under OUTDIR):
#   1. an endorsement key (tpm2_createek; RSA-2048 by default, the template of swtpm_setup's EK certificate);
#      with --ek-ca, the EK certificate the manufacturer stored in the TPM's NV index (0x01c00002 for RSA,
#      0x01c0000a for ECC) must chain to those CA certificates and hold that very EK public key — the
#      attestation CA's reason to believe the TPM is genuine; and an attestation key (tpm2_createak:
#      restricted signing; ECC P-256 with ECDSA-SHA256 by default, --ak-scheme rsassa or rsapss for RSA-2048
#      with SHA-256) persisted at 0x81010002 (--ak-handle), replacing any object there;
#   2. proof that the EK and the AK are in the same TPM: a random secret wrapped to the EK public key and the
#      AK's name (tpm2_makecredential, done in software as a CA would), unwrapped by the TPM
#      (tpm2_activatecredential) and compared;
#   3. a test attestation CA made with openssl (OUTDIR/attestation-ca.pem, its key attestation-ca.key), and the
#      AK certificate it issues (OUTDIR/ak.pem): version 3, an EMPTY subject, a critical subjectAltName with a
#      directoryName of TPM manufacturer (2.23.133.2.1, "id:" + TPM_PT_MANUFACTURER), model (2.23.133.2.2, the
#      vendor strings) and version (2.23.133.2.3, "id:" + TPM_PT_FIRMWARE_VERSION_1) — read from the TPM — and,
#      with --identifier, an otherName PermanentIdentifier (1.3.6.1.5.5.7.8.3: SEQUENCE { identifierValue
#      UTF8String }); extendedKeyUsage 2.23.133.8.3 (tcg-kp-AIKCertificate), basicConstraints CA:FALSE.
#   OUTDIR/ak.handle holds the AK's handle ("0x81010002").
# A TPM without a resource manager keeps transient objects and sessions across connections: each step
# flushes what it loaded. Needs tpm2-tools and openssl. Exit status 0 on success; a message on stderr if not.
set -euo pipefail

usage() {
  echo "usage: $0 TCTI OUTDIR [--identifier SERIAL] [--ek-alg rsa|ecc] [--ak-handle HANDLE] [--ek-ca PEM]" \
    "[--ak-scheme ecdsa|rsassa|rsapss]" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
export TPM2TOOLS_TCTI="$1"
out="$2"
shift 2
identifier=""
ek_alg=rsa
ak_handle=0x81010002
ek_ca=""
ak_scheme=ecdsa
while [[ $# -gt 0 ]]; do
  case "$1" in
    --identifier) [[ $# -ge 2 ]] || usage; identifier="$2"; shift 2 ;;
    --ek-alg) [[ $# -ge 2 ]] || usage; ek_alg="$2"; shift 2 ;;
    --ak-handle) [[ $# -ge 2 ]] || usage; ak_handle="$2"; shift 2 ;;
    --ek-ca) [[ $# -ge 2 ]] || usage; ek_ca="$2"; shift 2 ;;
    --ak-scheme) [[ $# -ge 2 ]] || usage; ak_scheme="$2"; shift 2 ;;
    *) usage ;;
  esac
done
case "$ek_alg" in rsa|ecc) ;; *) usage ;; esac
case "$ak_scheme" in ecdsa|rsassa|rsapss) ;; *) usage ;; esac
# The identifier goes into an openssl configuration file: no characters that file would read as syntax.
if [[ -n "$identifier" && ! "$identifier" =~ ^[A-Za-z0-9._:/+-]+$ ]]; then
  echo "make_ak.sh: --identifier may hold only letters, digits and ._:/+-" >&2
  exit 2
fi
mkdir -p "$out"
work="$out/make_ak.work"
rm -rf "$work"
mkdir -p "$work"

flush() {
  tpm2_flushcontext -t >/dev/null 2>&1 || true
  tpm2_flushcontext -s >/dev/null 2>&1 || true
  tpm2_flushcontext -l >/dev/null 2>&1 || true
}
trap flush EXIT
flush

# --- 1. EK and AK ---------------------------------------------------------------------------------------
tpm2_createek -c "$work/ek.ctx" -G "$ek_alg" -u "$work/ek.pub" >/dev/null
flush
if [[ -n "$ek_ca" ]]; then
  ek_index=0x01c00002
  [[ "$ek_alg" == ecc ]] && ek_index=0x01c0000a
  tpm2_nvread "$ek_index" -o "$work/ek-cert.der" >/dev/null
  flush
  # NV holds the DER, possibly padded: openssl reads the first certificate and ignores what follows.
  openssl x509 -inform DER -in "$work/ek-cert.der" -out "$work/ek-cert.pem" 2>/dev/null ||
    { echo "make_ak.sh: NV index $ek_index holds no EK certificate" >&2; exit 1; }
  # The EK certificate's root is the first certificate of --ek-ca; the others are intermediates.
  awk '/BEGIN CERTIFICATE/{n++} n==1' "$ek_ca" >"$work/ek-root.pem"
  awk '/BEGIN CERTIFICATE/{n++} n>1' "$ek_ca" >"$work/ek-intermediates.pem"
  untrusted=()
  [[ -s "$work/ek-intermediates.pem" ]] && untrusted=(-untrusted "$work/ek-intermediates.pem")
  # -partial_chain is not needed: the root is self-signed. TPM EK certificates carry a critical SAN of TPM
  # attributes and no subject; openssl verify accepts that.
  openssl verify -CAfile "$work/ek-root.pem" "${untrusted[@]}" "$work/ek-cert.pem" >"$work/ek-verify.out" 2>&1 ||
    { cat "$work/ek-verify.out" >&2; echo "make_ak.sh: the EK certificate does not chain to --ek-ca" >&2; exit 1; }
  tpm2_readpublic -c "$work/ek.ctx" -f pem -o "$work/ek-public.pem" >/dev/null
  flush
  if [[ "$(openssl x509 -in "$work/ek-cert.pem" -noout -pubkey)" != "$(openssl pkey -pubin -in "$work/ek-public.pem")" ]]; then
    echo "make_ak.sh: the EK certificate is for another key than this TPM's EK" >&2
    exit 1
  fi
fi
ak_alg=ecc
[[ "$ak_scheme" == ecdsa ]] || ak_alg=rsa
tpm2_createak -C "$work/ek.ctx" -c "$work/ak.ctx" -G "$ak_alg" -g sha256 -s "$ak_scheme" -u "$work/ak.pub" -n "$work/ak.name" \
  >/dev/null
flush
if tpm2_getcap handles-persistent | grep -qi "^- $ak_handle\$"; then
  tpm2_evictcontrol -C o -c "$ak_handle" >/dev/null
fi
tpm2_evictcontrol -C o -c "$work/ak.ctx" "$ak_handle" >/dev/null
flush
tpm2_readpublic -c "$ak_handle" -f pem -o "$work/ak_public.pem" >/dev/null

# --- 2. Credential activation: EK and AK in the same TPM ---------------------------------------------------
openssl rand -out "$work/secret.bin" 32
ak_name_hex=$(od -An -v -tx1 "$work/ak.name" | tr -d ' \n')
tpm2_makecredential -T none -u "$work/ek.pub" -s "$work/secret.bin" -n "$ak_name_hex" -o "$work/credential.bin" \
  >/dev/null 2>"$work/makecredential.err"
tpm2_startauthsession --policy-session -S "$work/session.ctx" >/dev/null
tpm2_policysecret -S "$work/session.ctx" -c e >/dev/null
tpm2_activatecredential -c "$ak_handle" -C "$work/ek.ctx" -i "$work/credential.bin" -o "$work/activated.bin" \
  -P "session:$work/session.ctx" >/dev/null
tpm2_flushcontext "$work/session.ctx" >/dev/null 2>&1 || true
flush
if ! cmp -s "$work/secret.bin" "$work/activated.bin"; then
  echo "make_ak.sh: the TPM did not recover the credential: the EK and the AK are not in the same TPM" >&2
  exit 1
fi

# --- 3. Attestation CA and AK certificate ------------------------------------------------------------------
# The TPM's identity from its fixed properties (TPM 2.0 Part 2 §6.13): raw values printed as "raw: 0x...".
property() {
  tpm2_getcap properties-fixed | awk -v name="$1:" '$1 == name { getline; print $2; exit }'
}
hex8() { printf '%08X' "$(( $1 ))"; }
vendor_text() {
  local text="" raw
  for n in 1 2 3 4; do
    raw=$(property "TPM2_PT_VENDOR_STRING_$n")
    [[ -n "$raw" && "$raw" != 0x0 ]] || continue
    text+=$(printf '%08x' "$(( raw ))" | sed 's/\(..\)/\\x\1/g' | xargs -0 printf '%b' | tr -d '\0')
  done
  # Only characters that mean nothing to openssl's configuration syntax.
  echo "$text" | tr -cd 'A-Za-z0-9 ._-' | tr -s ' ' | sed 's/^ *//; s/ *$//'
}
manufacturer="id:$(hex8 "$(property TPM2_PT_MANUFACTURER)")"
model=$(vendor_text)
[[ -n "$model" ]] || model=unknown
version="id:$(hex8 "$(property TPM2_PT_FIRMWARE_VERSION_1)")"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$out/attestation-ca.key" \
  -out "$out/attestation-ca.pem" -days 3650 -subj "/O=Anvil test/CN=Anvil test attestation CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# dirName entries are named "x.OID": openssl skips up to the first dot (the "1.organizationName" convention),
# and a bare dotted OID would lose its first arc.
{
  echo "[ak]"
  echo "basicConstraints = critical, CA:FALSE"
  echo "keyUsage = critical, digitalSignature"
  echo "extendedKeyUsage = 2.23.133.8.3"
  echo "subjectKeyIdentifier = hash"
  echo "authorityKeyIdentifier = keyid"
  echo "subjectAltName = critical, @san"
  echo "[san]"
  echo "dirName.1 = tpm"
  [[ -z "$identifier" ]] || echo "otherName.1 = 1.3.6.1.5.5.7.8.3;SEQUENCE:permanent_identifier"
  echo "[tpm]"
  echo "x.2.23.133.2.1 = $manufacturer"
  echo "x.2.23.133.2.2 = $model"
  echo "x.2.23.133.2.3 = $version"
  echo "[permanent_identifier]"
  echo "identifierValue = UTF8:$identifier"
} >"$work/ak.ext"

# -new -subj /: a certificate from no request (the AK is restricted: it cannot sign one) with an empty subject.
openssl x509 -new -subj / -force_pubkey "$work/ak_public.pem" -CA "$out/attestation-ca.pem" \
  -CAkey "$out/attestation-ca.key" -set_serial "0x$(openssl rand -hex 8)" -days 365 -extfile "$work/ak.ext" -extensions ak -out "$out/ak.pem" 2>"$work/x509.err" || {
  cat "$work/x509.err" >&2
  exit 1
}
echo "$ak_handle" >"$out/ak.handle"
