// The "android-key" attestation statement format (WebAuthn Level 2 §8.4) with the key authorization as
// attToBeSigned (draft-ietf-acme-device-attest-09 §5): the attested key signs the key authorization, and
// Android's keystore certifies the key in the leaf certificate's KeyDescription extension (Android key
// attestation schema, attestation versions 3 and later), whose attestationChallenge is SHA-256 of the key
// authorization. The device's identity is the hardware-enforced attestationIdSerial. Pure function;
// thread-safe.
#include <map>

#include "attest/der.h"
#include "attest/formats.h"

namespace anvil::attest::internal {
namespace {

constexpr std::string_view kFmt = "android-key";
constexpr char kKeyDescriptionOid[] = "1.3.6.1.4.1.11129.2.1.17";

// AuthorizationList tags (each [n] EXPLICIT).
constexpr uint32_t kTagPurpose = 1, kTagAllApplications = 600, kTagOrigin = 702, kTagRootOfTrust = 704,
                   kTagOsVersion = 705, kTagOsPatchLevel = 706, kTagAttestationIdSerial = 713;
constexpr int64_t kPurposeSign = 2, kOriginGenerated = 0;
constexpr int64_t kSecuritySoftware = 0, kSecurityTrustedEnvironment = 1, kSecurityStrongBox = 2;

// One AuthorizationList: tag → the content of its [tag] EXPLICIT wrapper (one complete element).
using AuthorizationList = std::map<uint32_t, std::string_view>;

struct KeyDescription {
  int64_t attestation_version = 0, attestation_security_level = 0;
  int64_t keymaster_version = 0, keymaster_security_level = 0;
  std::string_view challenge;
  AuthorizationList software, tee;
};

Result<AuthorizationList> ParseAuthorizationList(DerReader& r) {
  ANVIL_ASSIGN_OR_RETURN(DerTlv seq, r.Expect(kDerUniversal, true, kDerSequence));
  AuthorizationList list;
  DerReader fields(seq.content);
  while (!fields.empty()) {
    ANVIL_ASSIGN_OR_RETURN(DerTlv field, fields.Next());
    if (field.cls != kDerContext || !field.constructed) {
      return Error(Code::kMalformed, "AuthorizationList entry is not an explicitly tagged field");
    }
    if (!list.emplace(field.tag, field.content).second) {
      return Error(Code::kMalformed,
                   "AuthorizationList tag [" + std::to_string(field.tag) + "] appears twice");
    }
  }
  return list;
}

Result<KeyDescription> ParseKeyDescription(std::string_view der) {
  DerReader outer(der);
  ANVIL_ASSIGN_OR_RETURN(DerTlv seq, outer.Expect(kDerUniversal, true, kDerSequence));
  ANVIL_RETURN_IF_ERROR(outer.ExpectEnd("KeyDescription"));
  DerReader r(seq.content);
  KeyDescription kd;
  ANVIL_ASSIGN_OR_RETURN(DerTlv v, r.Next());
  ANVIL_ASSIGN_OR_RETURN(kd.attestation_version, DerInteger(v));
  ANVIL_ASSIGN_OR_RETURN(v, r.Next());
  ANVIL_ASSIGN_OR_RETURN(kd.attestation_security_level, DerEnumerated(v));
  ANVIL_ASSIGN_OR_RETURN(v, r.Next());
  ANVIL_ASSIGN_OR_RETURN(kd.keymaster_version, DerInteger(v));
  ANVIL_ASSIGN_OR_RETURN(v, r.Next());
  ANVIL_ASSIGN_OR_RETURN(kd.keymaster_security_level, DerEnumerated(v));
  ANVIL_ASSIGN_OR_RETURN(v, r.Expect(kDerUniversal, false, kDerOctetString));
  kd.challenge = v.content;
  ANVIL_RETURN_IF_ERROR(r.Expect(kDerUniversal, false, kDerOctetString).status());  // uniqueId
  ANVIL_ASSIGN_OR_RETURN(kd.software, ParseAuthorizationList(r));
  ANVIL_ASSIGN_OR_RETURN(kd.tee, ParseAuthorizationList(r));
  ANVIL_RETURN_IF_ERROR(r.ExpectEnd("KeyDescription"));
  return kd;
}

// The single element inside a field's [tag] EXPLICIT wrapper.
Result<DerTlv> Inner(std::string_view content) { return ParseDer(content); }

Result<int64_t> IntegerField(const AuthorizationList& list, uint32_t tag) {
  ANVIL_ASSIGN_OR_RETURN(DerTlv tlv, Inner(list.at(tag)));
  return DerInteger(tlv);
}

// purpose [1] EXPLICIT SET OF INTEGER.
Result<bool> HasPurpose(const AuthorizationList& list, int64_t purpose) {
  auto it = list.find(kTagPurpose);
  if (it == list.end()) return false;
  ANVIL_ASSIGN_OR_RETURN(DerTlv set, Inner(it->second));
  if (set.cls != kDerUniversal || set.tag != kDerSet) return Error(Code::kMalformed, "purpose is not a SET");
  DerReader items(set.content);
  bool found = false;
  while (!items.empty()) {
    ANVIL_ASSIGN_OR_RETURN(DerTlv item, items.Next());
    ANVIL_ASSIGN_OR_RETURN(int64_t value, DerInteger(item));
    found = found || value == purpose;
  }
  return found;
}

std::string_view SecurityLevelName(int64_t level) {
  switch (level) {
    case kSecuritySoftware:
      return "Software";
    case kSecurityTrustedEnvironment:
      return "TrustedEnvironment";
    case kSecurityStrongBox:
      return "StrongBox";
    default:
      return "unknown";
  }
}

Status CheckSecurityLevel(std::string_view field, int64_t level) {
  if (level == kSecurityTrustedEnvironment || level == kSecurityStrongBox) return Status::Ok();
  return Bad(kFmt, "KeyDescription " + std::string(field) + " is " + std::string(SecurityLevelName(level)) +
                       ", not TrustedEnvironment or StrongBox");
}

// Strips leading zeros and lowercases a hex serial, so "00AB" and "ab" compare equal.
std::string NormalizeHexSerial(std::string_view hex) {
  std::string out;
  for (char c : hex) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? "0" : out.substr(first);
}

Status CheckNotRevoked(const crypto::Certificate& cert, const std::vector<std::string>& revoked) {
  const std::string serial = NormalizeHexSerial(cert.serial_hex());
  for (const std::string& entry : revoked) {
    if (NormalizeHexSerial(entry) == serial) {
      return Bad(kFmt, "certificate " + serial + " is revoked (Android attestation status list)");
    }
  }
  return Status::Ok();
}

// Best-effort claims from the hardware-enforced list: versions and the verified boot state.
void AddClaims(const KeyDescription& kd, nlohmann::json& claims) {
  claims["attestation_version"] = kd.attestation_version;
  claims["attestation_security_level"] = SecurityLevelName(kd.attestation_security_level);
  claims["keymaster_version"] = kd.keymaster_version;
  claims["keymaster_security_level"] = SecurityLevelName(kd.keymaster_security_level);
  for (const auto& [tag, name] :
       {std::pair{kTagOsVersion, "os_version"}, std::pair{kTagOsPatchLevel, "os_patch_level"}}) {
    if (kd.tee.count(tag) == 0) continue;
    if (auto v = IntegerField(kd.tee, tag); v.ok()) claims[name] = *v;
  }
  // rootOfTrust [704] SEQUENCE { verifiedBootKey OCTET STRING, deviceLocked BOOLEAN, verifiedBootState
  // ENUMERATED, ... }
  auto it = kd.tee.find(kTagRootOfTrust);
  if (it == kd.tee.end()) return;
  auto seq = Inner(it->second);
  if (!seq.ok() || seq->tag != kDerSequence) return;
  DerReader r(seq->content);
  auto key = r.Expect(kDerUniversal, false, kDerOctetString);
  auto locked = r.Next();
  auto state = r.Next();
  if (!key.ok() || !locked.ok() || !state.ok()) return;
  static constexpr std::string_view kStates[] = {"Verified", "SelfSigned", "Unverified", "Failed"};
  if (auto l = DerBoolean(*locked); l.ok()) claims["device_locked"] = *l;
  if (auto s = DerEnumerated(*state); s.ok() && *s >= 0 && *s < 4)
    claims["verified_boot_state"] = kStates[*s];
}

}  // namespace

Result<Evidence> VerifyAndroidKey(const CborValue& stmt, const AttestationInput& input,
                                  const TrustAnchors& anchors) {
  ANVIL_ASSIGN_OR_RETURN(const int64_t alg, StmtInt(kFmt, stmt, "alg"));
  ANVIL_ASSIGN_OR_RETURN(const std::string sig, StmtBytes(kFmt, stmt, "sig"));
  ANVIL_ASSIGN_OR_RETURN(const std::vector<crypto::Certificate> x5c, StmtX5c(kFmt, stmt));
  for (const auto& cert : x5c) ANVIL_RETURN_IF_ERROR(CheckNotRevoked(cert, anchors.android_revoked_serials));
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chain,
                         VerifyX5cChain(kFmt, x5c, anchors.android, input.now, "leaf certificate"));
  if (const crypto::Certificate* root = FindAnchor(x5c.back(), anchors.android); root != nullptr) {
    ANVIL_RETURN_IF_ERROR(CheckNotRevoked(*root, anchors.android_revoked_serials));
  }
  const crypto::Certificate& leaf = x5c.front();
  ANVIL_ASSIGN_OR_RETURN(
      const crypto::DigestAlg digest,
      CoseDigestForKey(kFmt, alg, {kCoseEs256, kCoseRs256}, leaf.public_key(), "the leaf certificate's key"));
  if (!leaf.public_key().Verify(digest, input.key_authorization, sig)) {
    return Bad(kFmt, "sig does not verify over the key authorization with the leaf certificate's key");
  }

  ANVIL_ASSIGN_OR_RETURN(
      const crypto::CertificateExtension ext,
      RequireExtension(kFmt, leaf, kKeyDescriptionOid, "leaf certificate KeyDescription extension"));
  auto parsed = ParseKeyDescription(ext.value);
  if (!parsed.ok()) return Bad(kFmt, "KeyDescription does not parse: " + parsed.status().message());
  const KeyDescription& kd = *parsed;
  if (!crypto::ConstantTimeEquals(kd.challenge, crypto::Sha256(input.key_authorization))) {
    return Bad(kFmt, "KeyDescription attestationChallenge is not SHA-256 of the key authorization");
  }
  ANVIL_RETURN_IF_ERROR(CheckSecurityLevel("attestationSecurityLevel", kd.attestation_security_level));
  ANVIL_RETURN_IF_ERROR(CheckSecurityLevel("keymasterSecurityLevel", kd.keymaster_security_level));
  // WebAuthn §8.4.1: the key must be scoped to the application that asked for it.
  if (kd.software.count(kTagAllApplications) != 0 || kd.tee.count(kTagAllApplications) != 0) {
    return Bad(kFmt, "KeyDescription allApplications [600] is present");
  }
  auto origin =
      kd.tee.count(kTagOrigin) != 0 ? IntegerField(kd.tee, kTagOrigin) : Result<int64_t>(int64_t(-1));
  if (!origin.ok() || *origin != kOriginGenerated) {
    return Bad(kFmt, "KeyDescription teeEnforced origin [702] is not GENERATED (0)");
  }
  auto sign = HasPurpose(kd.tee, kPurposeSign);
  if (!sign.ok() || !*sign)
    return Bad(kFmt, "KeyDescription teeEnforced purpose [1] does not include SIGN (2)");

  Evidence evidence;
  evidence.public_key_der = leaf.public_key().ToDer();
  evidence.chain_sha256 = std::move(chain);
  if (auto it = kd.tee.find(kTagAttestationIdSerial); it != kd.tee.end()) {
    auto serial = Inner(it->second);
    if (!serial.ok() || serial->cls != kDerUniversal || serial->constructed ||
        serial->tag != kDerOctetString) {
      return Bad(kFmt, "KeyDescription teeEnforced attestationIdSerial [713] is not an OCTET STRING");
    }
    crypto::DeviceName name{crypto::DeviceName::Kind::kPermanentIdentifier, std::string(serial->content), ""};
    ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, DeviceIdentifier(kFmt, name, "attestationIdSerial"));
    evidence.identifiers.push_back(std::move(id));
  }
  AddClaims(kd, evidence.claims);
  return evidence;
}

}  // namespace anvil::attest::internal
