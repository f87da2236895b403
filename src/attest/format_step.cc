// The "step" attestation statement format: a YubiKey PIV attestation (Yubico's PIV attestation certificate
// and its intermediate, the key's slot certificate signed by the YubiKey's attestation key) as smallstep's
// client sends it and step-ca verifies it. attToBeSigned is the key authorization (draft-ietf-acme-device-
// attest-09 §5), signed by the attested key itself; `sig` is that signature wrapped once more as a CBOR byte
// string. The device's identity is the YubiKey serial number (an INTEGER extension), as decimal text. Pure
// function; thread-safe.
#include "attest/der.h"
#include "attest/formats.h"

namespace anvil::attest::internal {
namespace {

constexpr std::string_view kFmt = "step";
// Yubico PIV attestation extensions (developers.yubico.com/PIV/Introduction/PIV_attestation.html).
constexpr char kFirmwareOid[] = "1.3.6.1.4.1.41482.3.3";  // three octets: major, minor, patch
constexpr char kSerialOid[] = "1.3.6.1.4.1.41482.3.7";    // INTEGER
constexpr char kPolicyOid[] = "1.3.6.1.4.1.41482.3.8";    // two octets: PIN policy, touch policy

}  // namespace

Result<Evidence> VerifyStep(const CborValue& stmt, const AttestationInput& input,
                            const TrustAnchors& anchors) {
  ANVIL_ASSIGN_OR_RETURN(const int64_t alg, StmtInt(kFmt, stmt, "alg"));
  ANVIL_ASSIGN_OR_RETURN(const std::string wrapped_sig, StmtBytes(kFmt, stmt, "sig"));
  ANVIL_ASSIGN_OR_RETURN(const std::vector<crypto::Certificate> x5c, StmtX5c(kFmt, stmt));
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> chain,
                         VerifyX5cChain(kFmt, x5c, anchors.yubikey, input.now, "leaf certificate"));
  const crypto::Certificate& leaf = x5c.front();
  ANVIL_ASSIGN_OR_RETURN(const crypto::DigestAlg digest,
                         CoseDigestForKey(kFmt, alg, {kCoseEs256, kCoseRs256, kCoseEdDsa}, leaf.public_key(),
                                          "the leaf certificate's key"));
  auto inner = DecodeCbor(wrapped_sig);
  auto sig = inner.ok() ? inner->AsBytes("sig") : Result<std::string>(inner.status());
  if (!sig.ok()) return Bad(kFmt, "attStmt.sig does not hold a CBOR byte string");
  if (!leaf.public_key().Verify(digest, input.key_authorization, *sig)) {
    return Bad(kFmt, "sig does not verify over the key authorization with the leaf certificate's key");
  }
  ANVIL_ASSIGN_OR_RETURN(
      const crypto::CertificateExtension serial_ext,
      RequireExtension(kFmt, leaf, kSerialOid, "leaf certificate YubiKey serial number extension"));
  auto tlv = ParseDer(serial_ext.value);
  auto serial = tlv.ok() ? DerInteger(*tlv) : Result<int64_t>(tlv.status());
  if (!serial.ok() || *serial < 0)
    return Bad(kFmt, "YubiKey serial number extension is not a non-negative INTEGER");

  Evidence evidence;
  evidence.public_key_der = leaf.public_key().ToDer();
  evidence.chain_sha256 = std::move(chain);
  evidence.identifiers.push_back({acme::IdentifierType::kPermanentIdentifier, std::to_string(*serial)});
  evidence.claims["serial"] = *serial;
  ANVIL_ASSIGN_OR_RETURN(const auto firmware, FindExtension(kFmt, leaf, kFirmwareOid));
  if (firmware && firmware->value.size() == 3) {
    const auto& v = firmware->value;
    evidence.claims["firmware"] = std::to_string(uint8_t(v[0])) + "." + std::to_string(uint8_t(v[1])) + "." +
                                  std::to_string(uint8_t(v[2]));
  }
  ANVIL_ASSIGN_OR_RETURN(const auto policy, FindExtension(kFmt, leaf, kPolicyOid));
  if (policy && policy->value.size() == 2) {
    static constexpr std::string_view kPin[] = {"default", "never", "once", "always"};
    static constexpr std::string_view kTouch[] = {"default", "never", "always", "cached"};
    const auto pin = uint8_t(policy->value[0]), touch = uint8_t(policy->value[1]);
    evidence.claims["pin_policy"] = pin < 4 ? std::string(kPin[pin]) : std::to_string(pin);
    evidence.claims["touch_policy"] = touch < 4 ? std::string(kTouch[touch]) : std::to_string(touch);
  }
  return evidence;
}

}  // namespace anvil::attest::internal
