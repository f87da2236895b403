// The "tpm" attestation statement format (WebAuthn Level 2 §8.3) with the key authorization as attToBeSigned
// (draft-ietf-acme-device-attest-09 §5): a TPM2_Certify of the attested key by an attestation key (AK) whose
// certificate chains to a TPM root. Pure function; thread-safe.
#include <algorithm>
#include <cstdio>

#include "attest/formats.h"
#include "attest/tpm2.h"

namespace anvil::attest::internal {
namespace {

constexpr std::string_view kFmt = "tpm";

// TPMv2 EK/AK profile (TCG EK Credential Profile §3.2.9; WebAuthn §8.3.1): the AK certificate's
// subjectAltName directoryName names the TPM, and its EKU says it is an AK certificate.
constexpr char kSanOid[] = "2.5.29.17";
constexpr char kTpmManufacturerOid[] = "2.23.133.2.1";
constexpr char kTpmModelOid[] = "2.23.133.2.2";
constexpr char kTpmVersionOid[] = "2.23.133.2.3";
constexpr char kAkCertificateEku[] = "2.23.133.8.3";  // tcg-kp-AIKCertificate

// The TPMT_SIGNATURE sigAlg that goes with a COSE alg.
uint16_t SigAlgFor(int64_t alg) {
  switch (alg) {
    case kCoseRs256:
      return kTpmAlgRsassa;
    case kCosePs256:
      return kTpmAlgRsapss;
    default:
      return kTpmAlgEcdsa;
  }
}

// The key attributes a CSR's key needs: made inside this TPM and unable to leave it, and a plain signing key
// (a restricted key signs only TPM-generated data, never a CSR; a decrypt key is not for signing).
Status CheckKeyAttributes(const TpmtPublic& pub) {
  struct Rule {
    uint32_t bit;
    std::string_view name;
    bool required;
  };
  static constexpr Rule kRules[] = {{kTpmaFixedTpm, "fixedTPM", true},
                                    {kTpmaFixedParent, "fixedParent", true},
                                    {kTpmaSensitiveDataOrigin, "sensitiveDataOrigin", true},
                                    {kTpmaSign, "sign", true},
                                    {kTpmaDecrypt, "decrypt", false},
                                    {kTpmaRestricted, "restricted", false}};
  for (const Rule& rule : kRules) {
    if (pub.has(rule.bit) != rule.required) {
      return Bad(kFmt, "pubArea objectAttributes: " + std::string(rule.name) +
                           (rule.required ? " is not set" : " is set"));
    }
  }
  return Status::Ok();
}

nlohmann::json AttributeNames(uint32_t attributes) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kTpmaFixedTpm, "fixedTPM"},
      {kTpmaStClear, "stClear"},
      {kTpmaFixedParent, "fixedParent"},
      {kTpmaSensitiveDataOrigin, "sensitiveDataOrigin"},
      {kTpmaUserWithAuth, "userWithAuth"},
      {kTpmaAdminWithPolicy, "adminWithPolicy"},
      {kTpmaNoDa, "noDA"},
      {kTpmaEncryptedDuplication, "encryptedDuplication"},
      {kTpmaRestricted, "restricted"},
      {kTpmaDecrypt, "decrypt"},
      {kTpmaSign, "sign"}};
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [bit, name] : kNames) {
    if ((attributes & bit) != 0) names.push_back(name);
  }
  return names;
}

// The AK certificate's profile (WebAuthn §8.3.1); returns the subjectAltName it names the TPM in.
Result<SubjectAltName> CheckAkCertificate(const crypto::Certificate& ak) {
  if (ak.version() != 3) return Bad(kFmt, "AK certificate is not version 3");
  if (ak.subject_der() != std::string_view("\x30\x00", 2))
    return Bad(kFmt, "AK certificate subject is not empty");
  ANVIL_ASSIGN_OR_RETURN(crypto::CertificateExtension san,
                         RequireExtension(kFmt, ak, kSanOid, "AK certificate subjectAltName"));
  // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName is critical.
  if (!san.critical) return Bad(kFmt, "AK certificate subjectAltName is not critical");
  auto names = ParseSubjectAltName(san.value);
  if (!names.ok())
    return Bad(kFmt, "AK certificate subjectAltName does not parse: " + names.status().message());
  for (const auto& [oid, name] :
       {std::pair{kTpmManufacturerOid, "TPM manufacturer"}, std::pair{kTpmModelOid, "TPM model"},
        std::pair{kTpmVersionOid, "TPM version"}}) {
    const auto& attrs = names->directory_attributes;
    const std::string_view wanted = oid;  // clang 14 cannot capture a structured binding
    if (std::none_of(attrs.begin(), attrs.end(), [&](const auto& a) { return a.first == wanted; })) {
      return Bad(
          kFmt, "AK certificate subjectAltName directoryName has no " + std::string(name) + " (" + oid + ")");
    }
  }
  const std::vector<std::string> ekus = ak.ext_key_usages();
  if (std::find(ekus.begin(), ekus.end(), kAkCertificateEku) == ekus.end()) {
    return Bad(kFmt, "AK certificate extended key usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)");
  }
  if (ak.is_ca()) return Bad(kFmt, "AK certificate is a CA (basicConstraints cA is true)");
  return names;
}

std::string Attribute(const SubjectAltName& san, std::string_view oid) {
  for (const auto& [o, value] : san.directory_attributes) {
    if (o == oid) return Shown(value);
  }
  return "";
}

}  // namespace

Result<Evidence> VerifyTpm(const CborValue& stmt, const AttestationInput& input,
                           const TrustAnchors& anchors) {
  ANVIL_ASSIGN_OR_RETURN(const std::string ver, StmtText(kFmt, stmt, "ver"));
  if (ver != "2.0") return Bad(kFmt, "attStmt.ver is not \"2.0\"");
  ANVIL_ASSIGN_OR_RETURN(const int64_t alg, StmtInt(kFmt, stmt, "alg"));
  ANVIL_ASSIGN_OR_RETURN(const std::vector<crypto::Certificate> x5c, StmtX5c(kFmt, stmt));
  ANVIL_ASSIGN_OR_RETURN(const std::string sig, StmtBytes(kFmt, stmt, "sig"));
  ANVIL_ASSIGN_OR_RETURN(const std::string cert_info_bytes, StmtBytes(kFmt, stmt, "certInfo"));
  ANVIL_ASSIGN_OR_RETURN(const std::string pub_area_bytes, StmtBytes(kFmt, stmt, "pubArea"));
  // WebAuthn Level 2 removed ECDAA; only x5c attestation is verified.
  if (stmt.Find("ecdaaKeyId") != nullptr) return Bad(kFmt, "attStmt.ecdaaKeyId (ECDAA) is not supported");

  auto pub_area = ParseTpmtPublic(pub_area_bytes);
  if (!pub_area.ok()) return Bad(kFmt, "pubArea does not parse: " + pub_area.status().message());
  auto cert_info = ParseTpmsAttest(cert_info_bytes);
  if (!cert_info.ok()) return Bad(kFmt, "certInfo does not parse: " + cert_info.status().message());
  if (cert_info->magic != kTpmGeneratedValue) return Bad(kFmt, "certInfo magic is not TPM_GENERATED_VALUE");
  if (cert_info->type == kTpmStAttestCreation) {
    return Bad(kFmt, "certInfo is a creation attestation (TPM_ST_ATTEST_CREATION), not a certification");
  }
  if (cert_info->type != kTpmStAttestCertify) {
    return Bad(kFmt, "certInfo type is not TPM_ST_ATTEST_CERTIFY");
  }

  const crypto::Certificate& ak = x5c.front();
  ANVIL_ASSIGN_OR_RETURN(const crypto::DigestAlg digest,
                         CoseDigestForKey(kFmt, alg, {kCoseRs256, kCoseEs256, kCosePs256}, ak.public_key(),
                                          "the AK certificate's key"));
  // attToBeSigned is the key authorization (draft §5); extraData is its hash under alg's hash (§8.3.1).
  if (!crypto::ConstantTimeEquals(cert_info->extra_data, crypto::Digest(digest, input.key_authorization))) {
    return Bad(kFmt, "certInfo extraData is not SHA-256 of the key authorization");
  }
  auto name = TpmName(*pub_area);
  if (!name.ok()) return Bad(kFmt, "pubArea " + name.status().message());
  if (cert_info->certified_name != *name)
    return Bad(kFmt, "certInfo attested name is not the name of pubArea");
  ANVIL_RETURN_IF_ERROR(CheckKeyAttributes(*pub_area));
  auto key = TpmPublicKey(*pub_area);
  if (!key.ok()) return Bad(kFmt, "pubArea public key: " + key.status().message());

  ANVIL_ASSIGN_OR_RETURN(const SubjectAltName san, CheckAkCertificate(ak));

  std::string signature = sig;
  if (auto tpmt = ParseTpmtSignature(sig); tpmt.ok() && tpmt->sig_alg == SigAlgFor(alg)) {
    signature = RawSignature(*tpmt);
  }
  const bool verified = alg == kCosePs256 ? ak.public_key().VerifyRsaPss(digest, cert_info_bytes, signature)
                                          : ak.public_key().Verify(digest, cert_info_bytes, signature);
  if (!verified) {
    return Bad(kFmt, "sig does not verify over certInfo with the AK certificate's key");
  }
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chain,
                         VerifyX5cChain(kFmt, x5c, anchors.tpm, input.now, "AK certificate"));

  Evidence evidence;
  evidence.public_key_der = key->ToDer();
  evidence.chain_sha256 = std::move(chain);
  for (const crypto::DeviceName& device : san.devices) {
    ANVIL_ASSIGN_OR_RETURN(acme::Identifier id,
                           DeviceIdentifier(kFmt, device, "AK certificate subjectAltName device name"));
    evidence.identifiers.push_back(std::move(id));
  }
  char firmware[20];
  std::snprintf(firmware, sizeof firmware, "%016llx",
                static_cast<unsigned long long>(cert_info->firmware_version));
  evidence.claims = {{"manufacturer", Attribute(san, kTpmManufacturerOid)},
                     {"model", Attribute(san, kTpmModelOid)},
                     {"version", Attribute(san, kTpmVersionOid)},
                     {"firmware_version", firmware},
                     {"key_attributes", AttributeNames(pub_area->object_attributes)},
                     {"name_alg", pub_area->name_alg == kTpmAlgSha256   ? "SHA-256"
                                  : pub_area->name_alg == kTpmAlgSha384 ? "SHA-384"
                                                                        : "SHA-512"}};
  return evidence;
}

}  // namespace anvil::attest::internal
