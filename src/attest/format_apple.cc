// The "apple" attestation statement format: Apple's managed device attestation (ACME payload on iOS, iPadOS,
// macOS, tvOS), as step-ca verifies it. Apple's attestation CA certifies the device key before the account
// key is known, so attToBeSigned is the token alone (draft-ietf-acme-device-attest-09 §5): the leaf
// certificate's freshness code extension holds SHA-256 of the token. The device's identity is its serial
// number and UDID, each an extension whose extnValue holds the UTF-8 text. Pure function; thread-safe.
#include <tuple>

#include "attest/formats.h"

namespace anvil::attest::internal {
namespace {

constexpr std::string_view kFmt = "apple";
constexpr char kSerialOid[] = "1.2.840.113635.100.8.9.1";
constexpr char kUdidOid[] = "1.2.840.113635.100.8.9.2";
constexpr char kOsVersionOid[] = "1.2.840.113635.100.8.10.1";
constexpr char kSepOsVersionOid[] = "1.2.840.113635.100.8.10.2";
constexpr char kNonceOid[] = "1.2.840.113635.100.8.11.1";  // freshness code

}  // namespace

Result<Evidence> VerifyApple(const CborValue& stmt, const AttestationInput& input,
                             const TrustAnchors& anchors) {
  ANVIL_ASSIGN_OR_RETURN(const std::vector<crypto::Certificate> x5c, StmtX5c(kFmt, stmt));
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chain,
                         VerifyX5cChain(kFmt, x5c, anchors.apple, input.now, "leaf certificate"));
  const crypto::Certificate& leaf = x5c.front();
  ANVIL_ASSIGN_OR_RETURN(const crypto::CertificateExtension nonce,
                         RequireExtension(kFmt, leaf, kNonceOid, "leaf certificate nonce extension"));
  if (!crypto::ConstantTimeEquals(nonce.value, crypto::Sha256(input.token))) {
    return Bad(kFmt, "leaf certificate nonce extension is not SHA-256 of the challenge token");
  }

  Evidence evidence;
  evidence.public_key_der = leaf.public_key().ToDer();
  evidence.chain_sha256 = std::move(chain);
  for (const auto& [oid, claim, what] : {std::tuple{kSerialOid, "serial", "serial number extension"},
                                         std::tuple{kUdidOid, "udid", "UDID extension"}}) {
    ANVIL_ASSIGN_OR_RETURN(const auto ext, FindExtension(kFmt, leaf, oid));
    if (!ext) continue;
    crypto::DeviceName name{crypto::DeviceName::Kind::kPermanentIdentifier, ext->value, ""};
    ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, DeviceIdentifier(kFmt, name, what));
    evidence.identifiers.push_back(std::move(id));
    evidence.claims[claim] = ext->value;
  }
  for (const auto& [oid, claim] :
       {std::pair{kOsVersionOid, "os_version"}, std::pair{kSepOsVersionOid, "sepos_version"}}) {
    ANVIL_ASSIGN_OR_RETURN(const auto ext, FindExtension(kFmt, leaf, oid));
    if (ext) evidence.claims[claim] = Shown(ext->value);
  }
  return evidence;
}

}  // namespace anvil::attest::internal
