// Device enrollment: the device side of device-attest-01 (draft-ietf-acme-device-attest-09 §5) for
// `anvil device enroll` (docs/agent.md, "Device enrollment").
//
// One order for one device identifier (permanent-identifier or hardware-module, §3-4). Its authorization is
// proved with a WebAuthn "tpm" attestation object (WebAuthn Level 2 §6.5, §8.3; no authData, §5): the TPM
// certifies the certificate key with its attestation key (AK) over SHA-256 of the key authorization, and the
// statement carries the AK certificate and chain the MDM or the TPM's vendor issued. The certificate key is a
// non-exportable key at a persistent TPM handle, made on the first enrollment and reused by every later one
// (a renewal is the same command run again: the same key, a fresh attestation). The CSR is signed in the TPM
// (crypto/tpm2_key.h) and names the device (a PermanentIdentifier or HardwareModuleName otherName) unless the
// draft's privacy-preserving mode leaves it out (§3.2, §4.2).
//
// A TPM without a resource manager (swtpm, /dev/tpm0) takes one connection at a time: the TpmDevice used to
// attest is closed before the key is loaded through OpenSSL's tpm2 provider, and that key is dropped before
// EnrollDevice returns.
//
// The ACME protocol is AcmeClient's; this file adds only what device-attest-01 needs. Files are written
// atomically (base/file.h).
//
// Thread-safety: the functions keep no state; EnrollDevice drives the AcmeClient it is given, which is not
// thread-safe, and uses the TPM exclusively while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "agent/acme_client.h"
#include "agent/issuer.h"
#include "agent/tpm/tpm_device.h"
#include "base/status.h"
#include "crypto/certificate.h"
#include "crypto/device_name.h"
#include "crypto/key.h"

namespace anvil::agent {

inline constexpr uint32_t kDefaultDeviceKeyHandle = 0x81000010;
inline constexpr uint32_t kDefaultAkHandle = 0x81010002;
inline constexpr char kDeviceAttest01[] = "device-attest-01";

// "permanent-identifier:SERIAL[/OID]" or "hardware-module:SERIAL/OID" → the ACME identifier, checked against
// the draft's ABNF (acme::NormalizeIdentifier, no normalization). kInvalidArgument naming what is wrong.
Result<acme::Identifier> ParseDeviceIdentifier(std::string_view text);
// The identifier as a subjectAltName otherName: "SN/1.2.3" → {value "SN", oid "1.2.3"} (§3.2, §4.2).
crypto::DeviceName DeviceNameOf(const acme::Identifier& identifier);

// "0x81000010" (the "0x" optional) → a persistent handle of the owner (0x81000000..0x817FFFFF);
// kInvalidArgument otherwise. HandleUri(0x81000010) == "handle:0x81000010" (crypto::LoadTpm2Key's form).
Result<uint32_t> ParsePersistentHandle(std::string_view text);
std::string HandleUri(uint32_t handle);

// The attestation object of the "tpm" format (WebAuthn §8.3) as CBOR: {"fmt": "tpm", "attStmt": {"ver":
// "2.0", "alg": COSE alg, "x5c": [AK certificate DER, chain DER...], "sig": the AK's signature (RSA bytes or
// DER ECDSA-Sig-Value), "certInfo": TPMS_ATTEST, "pubArea": TPMT_PUBLIC}} — no authData (§5).
std::string TpmAttestationObject(const std::string& pub_area, const tpm::Certification& certification,
                                 const std::vector<crypto::Certificate>& ak_chain);

struct TpmKeyOptions {
  std::string tcti;  // TCTI configuration string ("" = the TSS default)
  uint32_t key_handle = kDefaultDeviceKeyHandle;
  uint32_t ak_handle = kDefaultAkHandle;
  tpm::KeyAlg key_alg = tpm::KeyAlg::kEccP256;
  std::vector<crypto::Certificate> ak_chain;  // the AK certificate first, then its chain (x5c)
};

// Opens the TPM, makes the signing key at `key_handle` if the handle is empty (else checks it is one),
// certifies it with the AK over SHA-256(key_authorization), closes the TPM and returns the attestation
// object. Before asking the TPM to certify, the AK certificate's key is compared with the AK in the TPM
// (kInvalidArgument when they differ: the server would refuse the signature with a less useful message).
Result<std::string> AttestTpmKey(const TpmKeyOptions& options, std::string_view key_authorization);
// The signing key only (made if missing): for an enrollment whose authorization needs no attestation.
Status EnsureTpmKey(const TpmKeyOptions& options);

// The key reference file (--key-ref-out): KEY='VALUE' lines that a shell (`.`) and a systemd
// EnvironmentFile= both read, so a TLS server started with it finds the key through OpenSSL's tpm2 provider:
//   ANVIL_KEY_URI     "handle:0x81000010" (TPM; an OSSL_STORE URI) or "file:/abs/key.pem" (--software-key)
//   ANVIL_KEY_FILE    --software-key only: the PEM file's absolute path
//   TPM2OPENSSL_TCTI  TPM only, when a TCTI was given: the variable the tpm2 provider reads it from
//   ANVIL_CERT        the certificate chain's absolute path (--cert-out)
struct KeyReference {
  std::string uri;
  std::string file;  // software keys
  std::string tcti;
  std::string cert;
};
// kInvalidArgument when a value holds a quote or a line break (it could not be read back).
Result<std::string> FormatKeyReference(const KeyReference& reference);

// A software key kept as PEM at `path` (0600): read if the file exists, else made (EC P-256) and written.
Result<crypto::PrivateKey> LoadOrCreateKeyFile(const std::string& path);

// The account of the key in `key_file` (LoadOrCreateKeyFile): looked up with onlyReturnExisting, so that a
// renewal does not spend the MDM's one-time EAB token again, and registered (with EAB when given, the terms
// of service agreed) only when the server knows no account for the key. Sets the key and kid on `client`.
Result<Account> EnsureAccountForKeyFile(AcmeClient& client, const std::string& key_file,
                                        const AccountOptions& options);

struct DeviceEnrollOptions {
  acme::Identifier identifier;  // permanent-identifier or hardware-module
  // TPM (the default): the key, AK and chain. software_key: a plain key at software_key_file instead, and no
  // attestation — the server must then offer another challenge (or consider the authorization valid).
  TpmKeyOptions tpm;
  bool software_key = false;
  std::string software_key_file;
  bool privacy = false;  // no device name in the CSR (§3.2, §4.2 privacy-preserving mode)
  std::string profile;   // draft-aaron-acme-profiles; empty = the server's default
  std::function<void(const std::string&)> log;  // progress lines (`anvil -v`); may be empty
};

struct DeviceEnrollResult {
  std::vector<crypto::Certificate> chain;  // the leaf first, as the server sent the default chain
  std::string key_uri;                     // "handle:0x81000010" or "file:/abs/key.pem"
  std::string order_url;
  // How the authorization was proved: "device-attest-01", another challenge type (--software-key), or ""
  // when the server already considered it valid.
  std::string validated_by;
};

// newOrder for the identifier → its authorization (device-attest-01 with the TPM's attestation object, or
// another offered challenge answered with {} for --software-key) → polling until valid → CSR signed by the
// certificate key → finalize → the default certificate chain, whose leaf must hold that key. The client
// must have its account set (EnsureAccount, EnsureAccountForKeyFile). A refused attestation is the
// authorization's error as the server sent it (badAttestationStatement with its detail), prefixed with the
// challenge and identifier. --software-key against a server that offers only device-attest-01 fails with
// kUnsupportedIdentifier before anything is answered.
Result<DeviceEnrollResult> EnrollDevice(AcmeClient& client, const DeviceEnrollOptions& options);

// Writes the chain (PEM, leaf first; 0644) to `cert_out` and the key reference (0644; it holds no secret) to
// `key_ref_out`, each atomically; `tcti` goes into the reference for TPM keys.
Status WriteEnrollmentFiles(const DeviceEnrollResult& result, const std::string& tcti,
                            const std::string& cert_out, const std::string& key_ref_out);

}  // namespace anvil::agent
