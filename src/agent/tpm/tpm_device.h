// TpmDevice: the device side of TPM key attestation (draft-ietf-acme-device-attest, WebAuthn "tpm" format)
// through the TSS 2.0 Enhanced System API (tss2-esys) — a signing key kept at a persistent handle, and
// TPM2_Certify of that key by an attestation key (AK). No ACME here: `anvil device enroll` builds the
// attestation statement from what these calls return, and signs its CSR with the same key loaded through
// crypto::LoadTpm2Key (crypto/tpm2_key.h).
//
// The TPM is reached through a TCTI configuration string as tpm2-tools take it ("device:/dev/tpmrm0",
// "swtpm:host=127.0.0.1,port=2321", "" for the TSS default). Every object is used with empty authorization
// (password sessions): the keys made here have no auth value, and the AK is expected to have none either
// (tpm2_createak's default).
//
// A TPM without a resource manager (swtpm, /dev/tpm0) serves one connection at a time and keeps transient
// objects across connections: a TpmDevice flushes every transient object it creates before returning, and
// a second connection to such a TPM (another TpmDevice, crypto::LoadTpm2Key) waits until this one is closed.
//
// Thread-safety: thread-compatible. A TpmDevice is a move-only value; one thread at a time may use it. A
// moved-from TpmDevice may only be destroyed or assigned to.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::agent::tpm {

// The kind of signing key EnsureSigningKey makes.
enum class KeyAlg { kEccP256, kRsa2048 };

// TPM 2.0 constants the callers and tests need (TCG TPM 2.0 Library Part 2).
inline constexpr uint32_t kPersistentFirst = 0x81000000;  // the owner's persistent handles
inline constexpr uint32_t kPersistentLast = 0x817FFFFF;
inline constexpr uint32_t kAttrFixedTpm = 0x00000002;
inline constexpr uint32_t kAttrFixedParent = 0x00000010;
inline constexpr uint32_t kAttrSensitiveDataOrigin = 0x00000020;
inline constexpr uint32_t kAttrUserWithAuth = 0x00000040;
inline constexpr uint32_t kAttrRestricted = 0x00010000;
inline constexpr uint32_t kAttrDecrypt = 0x00020000;
inline constexpr uint32_t kAttrSign = 0x00040000;

// What TPM2_Certify returns, in the forms the attestation statement needs.
struct Certification {
  std::string certify_info;    // TPMS_ATTEST bytes (the TPM2B_ATTEST's buffer): WebAuthn's certInfo
  std::string signature_raw;   // RSA: the signature bytes; ECDSA: DER ECDSA-Sig-Value from r, s
  std::string signature_tpmt;  // the marshalled TPMT_SIGNATURE
  int cose_alg = 0;            // COSE algorithm of the signature: -7 ES256, -257 RS256, -37 PS256, ...
};

class TpmDevice {
 public:
  // Connects to the TPM `tcti` names (Tss2_TctiLdr_Initialize; "" is the TSS default list) and sends
  // TPM2_Startup(CLEAR), which a started TPM refuses with TPM_RC_INITIALIZE (taken as success).
  // kUnavailable when the TCTI cannot be loaded or the TPM does not answer.
  static Result<TpmDevice> Open(const std::string& tcti);

  TpmDevice(TpmDevice&&) noexcept;
  TpmDevice& operator=(TpmDevice&&) noexcept;
  TpmDevice(const TpmDevice&) = delete;
  TpmDevice& operator=(const TpmDevice&) = delete;
  ~TpmDevice();

  // The signing key at `persistent_handle` (0x81000000..0x817FFFFF), made if the handle is empty: under a
  // primary storage key of the owner hierarchy (the TCG SRK template, ECC P-256, flushed afterwards), an
  // unrestricted signing key with objectAttributes fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign
  // and scheme NULL (so any scheme the TPM supports may sign: OpenSSL picks ECDSA or RSASSA with SHA-256),
  // persisted with TPM2_EvictControl. Returns the marshalled TPMT_PUBLIC — the bytes the server hashes into
  // the key's TPM name. kInvalidArgument for a handle outside the owner's persistent range; kConflict when
  // the handle holds an object that is not such a key of `alg` (an AK, a decryption key, another algorithm).
  Result<std::string> EnsureSigningKey(uint32_t persistent_handle, KeyAlg alg);

  // TPM2_Certify of the object at `key_handle` by the restricted signing key at `ak_handle`, over
  // `qualifying_data` (at most 64 bytes: WebAuthn puts SHA-256 of the key authorization there). The AK
  // signs with its own scheme (inScheme TPM_ALG_NULL). kNotFound when a handle holds nothing;
  // kInvalidArgument when the AK signs with an algorithm that has no COSE identifier (SHA-1, SM2, ...).
  Result<Certification> Certify(uint32_t key_handle, uint32_t ak_handle, std::string_view qualifying_data);

  // The marshalled TPMT_PUBLIC of the object at `handle` (persistent or NV-less transient handle).
  // kNotFound when the handle holds nothing.
  Result<std::string> ReadPublic(uint32_t handle);

  struct Impl;  // ESYS and TCTI contexts (tpm_device.cc)

 private:
  explicit TpmDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::agent::tpm
