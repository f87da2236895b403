// TPM 2.0 structures a "tpm" attestation statement carries (WebAuthn Level 2 §8.3), parsed and marshalled as
// the TCG TPM 2.0 Library Part 2 lays them out: big-endian integers, TPM2B_* as a 16-bit size and that many
// octets, unions selected by the algorithm before them.
//
// Parsing is strict: every size is checked against the input and the structure's maximum, selectors outside
// what attestation uses are refused, and no trailing bytes are allowed. Failures are Code::kMalformed naming
// the structure and the field. Each parsed structure keeps its exact input in `raw` (what a name hashes and a
// signature covers). Marshal* writes the same layout from the fields (ignoring `raw`); tests use it to build
// attestation data with software keys.
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/key.h"

namespace anvil::attest {

// TPM_ALG_ID (Part 2 §6.3).
inline constexpr uint16_t kTpmAlgRsa = 0x0001, kTpmAlgSha1 = 0x0004, kTpmAlgAes = 0x0006,
                          kTpmAlgMgf1 = 0x0007, kTpmAlgSha256 = 0x000B, kTpmAlgSha384 = 0x000C,
                          kTpmAlgSha512 = 0x000D, kTpmAlgNull = 0x0010, kTpmAlgSm4 = 0x0013,
                          kTpmAlgRsassa = 0x0014, kTpmAlgRsaes = 0x0015, kTpmAlgRsapss = 0x0016,
                          kTpmAlgOaep = 0x0017, kTpmAlgEcdsa = 0x0018, kTpmAlgEcdh = 0x0019,
                          kTpmAlgEcdaa = 0x001A, kTpmAlgSm2 = 0x001B, kTpmAlgEcschnorr = 0x001C,
                          kTpmAlgEcmqv = 0x001D, kTpmAlgKdf1Sp800_56a = 0x0020, kTpmAlgKdf2 = 0x0021,
                          kTpmAlgKdf1Sp800_108 = 0x0022, kTpmAlgEcc = 0x0023, kTpmAlgCamellia = 0x0026;
// TPM_ECC_CURVE (§6.4).
inline constexpr uint16_t kTpmEccNistP256 = 0x0003, kTpmEccNistP384 = 0x0004, kTpmEccNistP521 = 0x0005;
// TPMA_OBJECT bits (§8.3).
inline constexpr uint32_t kTpmaFixedTpm = 0x2, kTpmaStClear = 0x4, kTpmaFixedParent = 0x10,
                          kTpmaSensitiveDataOrigin = 0x20, kTpmaUserWithAuth = 0x40,
                          kTpmaAdminWithPolicy = 0x80, kTpmaNoDa = 0x400, kTpmaEncryptedDuplication = 0x800,
                          kTpmaRestricted = 0x10000, kTpmaDecrypt = 0x20000, kTpmaSign = 0x40000;
// TPM_GENERATED_VALUE (§6.2) and TPM_ST attestation types (§6.9).
inline constexpr uint32_t kTpmGeneratedValue = 0xff544347;
inline constexpr uint16_t kTpmStAttestNv = 0x8014, kTpmStAttestCommandAudit = 0x8015,
                          kTpmStAttestSessionAudit = 0x8016, kTpmStAttestCertify = 0x8017,
                          kTpmStAttestQuote = 0x8018, kTpmStAttestTime = 0x8019,
                          kTpmStAttestCreation = 0x801A, kTpmStAttestNvDigest = 0x801C;

// TPMT_SYM_DEF_OBJECT (§11.1.7): algorithm TPM_ALG_NULL, or AES / SM4 / CAMELLIA with keyBits and mode.
struct TpmSymDef {
  uint16_t algorithm = kTpmAlgNull;
  uint16_t key_bits = 0, mode = 0;
};

// TPMT_RSA_SCHEME / TPMT_ECC_SCHEME / TPMT_KDF_SCHEME (§11.2): the scheme and its hash (0 for TPM_ALG_NULL
// and RSAES, which have no details); ECDAA also has a count.
struct TpmScheme {
  uint16_t scheme = kTpmAlgNull;
  uint16_t hash_alg = 0;
  uint16_t count = 0;
};

// TPMT_PUBLIC (§12.2.4), for TPM_ALG_RSA and TPM_ALG_ECC objects.
struct TpmtPublic {
  uint16_t type = kTpmAlgRsa;
  uint16_t name_alg = kTpmAlgSha256;  // SHA-256, SHA-384, SHA-512 or SHA-1 (parsed; weak_name_alg())
  uint32_t object_attributes = 0;
  std::string auth_policy;  // TPM2B_DIGEST
  TpmSymDef symmetric;
  TpmScheme scheme;
  struct Rsa {
    uint16_t key_bits = 0;
    uint32_t exponent = 0;  // 0 means 65537 (§12.2.3.5)
    std::string n;          // unique.rsa
  } rsa;
  struct Ecc {
    uint16_t curve_id = 0;
    TpmScheme kdf;
    std::string x, y;  // unique.ecc
  } ecc;
  std::string raw;  // the parsed bytes; empty when built by hand

  bool has(uint32_t attribute) const { return (object_attributes & attribute) == attribute; }
  bool weak_name_alg() const { return name_alg == kTpmAlgSha1; }
};

// TPMS_CLOCK_INFO (§10.11.1).
struct TpmsClockInfo {
  uint64_t clock = 0;
  uint32_t reset_count = 0, restart_count = 0;
  bool safe = false;
};

// TPMS_ATTEST (§10.12.12). The magic is kept as read (the verifier checks it equals kTpmGeneratedValue, so
// that failure is reported by name); for TPM_ST_ATTEST_CERTIFY the TPMS_CERTIFY_INFO is parsed, for every
// other type the attested bytes are kept unparsed in `attested`.
struct TpmsAttest {
  uint32_t magic = kTpmGeneratedValue;
  uint16_t type = kTpmStAttestCertify;
  std::string qualified_signer;  // TPM2B_NAME
  std::string extra_data;        // TPM2B_DATA
  TpmsClockInfo clock_info;
  uint64_t firmware_version = 0;
  std::string certified_name, certified_qualified_name;  // TPMS_CERTIFY_INFO (type CERTIFY only)
  std::string attested;                                  // the other types' TPMU_ATTEST, unparsed
  std::string raw;
};

// TPMT_SIGNATURE (§11.3.4): RSASSA, RSAPSS or ECDSA.
struct TpmtSignature {
  uint16_t sig_alg = kTpmAlgRsassa;
  uint16_t hash_alg = kTpmAlgSha256;
  std::string rsa_sig;       // RSASSA / RSAPSS: TPM2B_PUBLIC_KEY_RSA
  std::string ecc_r, ecc_s;  // ECDSA: TPM2B_ECC_PARAMETER each
  std::string raw;
};

Result<TpmtPublic> ParseTpmtPublic(std::string_view bytes);
Result<TpmsAttest> ParseTpmsAttest(std::string_view bytes);
Result<TpmtSignature> ParseTpmtSignature(std::string_view bytes);

std::string MarshalTpmtPublic(const TpmtPublic& pub);
std::string MarshalTpmsAttest(const TpmsAttest& attest);
std::string MarshalTpmtSignature(const TpmtSignature& sig);

// The object's Name (Part 1 §16): nameAlg (2 octets) || H_nameAlg(TPMT_PUBLIC), over `raw` (or the
// marshalled fields when `raw` is empty). kMalformed for a SHA-1 nameAlg, which is refused.
Result<std::string> TpmName(const TpmtPublic& pub);
// The public key: RSA (n must be keyBits long; exponent 0 → 65537) or ECC on P-256, P-384 or P-521.
// kMalformed for anything else; the crypto layer's kBadPublicKey (an off-curve point, an even modulus) passes
// through.
Result<crypto::PublicKey> TpmPublicKey(const TpmtPublic& pub);
// The signature as crypto::PublicKey::Verify takes it: RSA → the signature octets; ECDSA → the DER
// ECDSA-Sig-Value (RFC 3279 §2.2.3) of r and s.
std::string RawSignature(const TpmtSignature& sig);
// The digest a TPM_ALG_ID hash names, if crypto has it (SHA-256/384/512); kMalformed otherwise.
Result<crypto::DigestAlg> TpmDigest(uint16_t hash_alg);

}  // namespace anvil::attest
