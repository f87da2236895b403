// Fuzzes device-attest-01's attestation object (docs/device-attestation.md): the CBOR decoder and encoder
// (attest/cbor.h), the TPM 2.0 structure parsers (attest/tpm2.h) and attest::VerifyAttestation with every
// format enabled, as anvil-ca's validator runs it on a client's "attObj".
//
// Invariants: a refusal is badAttestationStatement (the VA's only refusal of an attestation); nothing built
// from random bytes verifies (it would need a signature chaining to the fuzzer's own root); the strict CBOR
// decoder accepts only canonical input, so what it decodes encodes back to the same bytes; the TPM parsers
// read every byte, so marshalling what they parsed gives the input back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "attest/attestation.h"
#include "attest/cbor.h"
#include "attest/tpm2.h"
#include "crypto/certificate.h"
#include "fuzz_check.h"

namespace {

using namespace anvil;

const attest::TrustAnchors& Anchors() {
  static const attest::TrustAnchors anchors = [] {
    crypto::PrivateKey key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
    crypto::CertificateTemplate t;
    t.serial = "\x01";
    t.subject.common_name = "fuzz attestation root";
    t.not_before = FromUnixSeconds(1'700'000'000);
    t.not_after = FromUnixSeconds(1'900'000'000);
    t.is_ca = true;
    t.key_cert_sign = true;
    crypto::Certificate root = crypto::IssueCertificate(t, key.public_key(), nullptr, key).value();
    attest::TrustAnchors a;
    a.tpm = a.apple = a.android = a.yubikey = {root};
    a.android_revoked_serials = {"1", "deadbeef"};
    return a;
  }();
  return anchors;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  auto decoded = attest::DecodeCbor(input);
  if (decoded.ok()) {
    FUZZ_CHECK(attest::EncodeCbor(*decoded) == input, "CBOR that decodes does not encode back to itself");
  } else {
    fuzz::CheckClientRefusal(decoded.status(), "DecodeCbor");
  }

  for (const acme::Identifier& id : {acme::Identifier{acme::IdentifierType::kPermanentIdentifier, "SN-0042"},
                                      acme::Identifier{acme::IdentifierType::kHardwareModule, "AB/2.23.133.1.2"}}) {
    auto verdict = attest::VerifyAttestation(
        {input, id, "token", "token.thumbprint", FromUnixSeconds(1'800'000'000)}, Anchors());
    FUZZ_CHECK(!verdict.ok(), "random bytes verified as an attestation");
    FUZZ_CHECK(verdict.status().code() == Code::kBadAttestationStatement, verdict.status().ToString());
  }

  if (auto pub = attest::ParseTpmtPublic(input); pub.ok()) {
    FUZZ_CHECK(attest::MarshalTpmtPublic(*pub) == input, "TPMT_PUBLIC does not marshal back to its bytes");
    (void)attest::TpmName(*pub);
    (void)attest::TpmPublicKey(*pub);
  }
  if (auto info = attest::ParseTpmsAttest(input); info.ok()) {
    FUZZ_CHECK(attest::MarshalTpmsAttest(*info) == input, "TPMS_ATTEST does not marshal back to its bytes");
  }
  if (auto sig = attest::ParseTpmtSignature(input); sig.ok()) {
    (void)attest::RawSignature(*sig);
  }
  return 0;
}
