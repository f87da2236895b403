// Tests for the "tpm" format (format_tpm.cc) through VerifyAttestation: a software "TPM" built from the
// TPM 2.0 marshal functions, an AK certificate issued by a test TPM manufacturer CA, the positive case and
// one negative test per check, each asserting badAttestationStatement and the detail that names the check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "attest/attestation.h"
#include "attest/der.h"
#include "attest/testing/der_writer.h"
#include "attest/testing/pki.h"
#include "attest/tpm2.h"
#include "crypto/digest.h"

namespace anvil::attest {
namespace {

using namespace testing;  // NOLINT: the test helpers and the DER writer

constexpr uint32_t kKeyAttributes =
    kTpmaFixedTpm | kTpmaFixedParent | kTpmaSensitiveDataOrigin | kTpmaUserWithAuth | kTpmaNoDa | kTpmaSign;
constexpr char kHwType[] = "1.3.6.1.4.1.99999.1";

// RSA keys take a while to generate; the tests share one (keys are immutable and thread-safe).
const crypto::PrivateKey& RsaAkKey() {
  static const crypto::PrivateKey key = MustGenerate(crypto::KeyType::kRsa2048);
  return key;
}

std::string TpmDirectoryName(bool manufacturer = true, bool model = true, bool version = true) {
  std::string rdns;
  if (manufacturer) rdns += Rdn("2.23.133.2.1", "id:414E5600");
  if (model) rdns += Rdn("2.23.133.2.2", "AnvilSoftTPM");
  if (version) rdns += Rdn("2.23.133.2.3", "id:00010002");
  return Explicit(4, {Tlv(kDerUniversal, true, kDerSequence, rdns)});
}

class TpmAttestation : public ::testing::Test {
 protected:
  TpmAttestation() {
    anchors_.tpm = {pki_.root};
    input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "TPM-SERIAL-1"};
    input_.token = "tOkEn-0123456789abcdefghij";
    input_.key_authorization = input_.token + ".thumbprint-of-the-account-key";
    input_.now = WholeSecondsNow();
    auto point = key_.public_key().ec_point();
    pub_.type = kTpmAlgEcc;
    pub_.object_attributes = kKeyAttributes;
    pub_.scheme = {kTpmAlgEcdsa, kTpmAlgSha256, 0};
    pub_.ecc.curve_id = kTpmEccNistP256;
    pub_.ecc.x = point->x;
    pub_.ecc.y = point->y;
    info_.qualified_signer = std::string("\x00\x0b", 2) + std::string(32, 'q');
    info_.clock_info = {123456, 7, 8, true};
    info_.firmware_version = 0x0001000200030004;
    ak_tmpl_ = LeafTemplate("");
    ak_tmpl_.subject = {};
    ak_tmpl_.ext_key_usages = {"2.23.133.8.3"};
    SetSan(GeneralNames(
        {TpmDirectoryName(), PermanentIdentifierName("TPM-SERIAL-1"), HardwareModuleName(kHwType, "HW-42")}));
  }

  void SetSan(const std::string& der, bool critical = true) {
    ak_tmpl_.extra_extensions = {Extension("2.5.29.17", der, critical)};
  }

  std::string Build() {
    const std::string pub_bytes = MarshalTpmtPublic(pub_);
    TpmsAttest info = info_;
    info.extra_data = extra_data_.value_or(crypto::Sha256(input_.key_authorization));
    info.certified_name = name_.value_or(TpmName(pub_).value_or(""));
    const std::string info_bytes = MarshalTpmsAttest(info);
    ak_ = MustIssue(ak_tmpl_, ak_key_->public_key(), &ak_issuer_->ca, ak_issuer_->ca_key);
    auto signed_info = ak_key_->Sign(crypto::DigestAlg::kSha256, info_bytes);
    EXPECT_TRUE(signed_info.ok());
    std::string sig = *signed_info;
    if (corrupt_sig_) sig[sig.size() / 2] ^= 1;
    if (tpmt_sig_) {
      TpmtSignature t;
      if (ak_key_->public_key().algorithm() == crypto::KeyAlgorithm::kRsa) {
        t.sig_alg = kTpmAlgRsassa;
        t.rsa_sig = sig;
      } else {
        auto rs = crypto::EcdsaDerToRaw(sig, crypto::Curve::kP256);
        EXPECT_TRUE(rs.ok()) << rs.status().ToString();
        t.sig_alg = kTpmAlgEcdsa;
        t.ecc_r = rs.value_or("").substr(0, 32);
        t.ecc_s = rs.value_or("").substr(32);
      }
      sig = MarshalTpmtSignature(t);
    }
    CborValue::Map stmt = {{Text("ver"), Text("2.0")},
                           {Text("alg"), CborValue::Int(alg_)},
                           {Text("x5c"), X5c({&*ak_, &ak_issuer_->ca})},
                           {Text("sig"), Bytes(sig)},
                           {Text("certInfo"), Bytes(info_bytes)},
                           {Text("pubArea"), Bytes(pub_bytes)}};
    if (hook_) hook_(stmt);
    return AttObj("tpm", std::move(stmt));
  }

  Result<Evidence> Verify() {
    input_.att_obj = Build();
    return VerifyAttestation(input_, anchors_);
  }

  void UseEcdsaAk() {
    ak_key_ = &ec_ak_key_;
    alg_ = -7;
  }

  Pki pki_ = MakePki("Anvil Test TPM Manufacturer");
  Pki other_pki_ = MakePki("Another TPM Manufacturer");
  const Pki* ak_issuer_ = &pki_;
  crypto::PrivateKey key_ = MustGenerate(crypto::KeyType::kEcP256);  // the attested key
  crypto::PrivateKey ec_ak_key_ = MustGenerate(crypto::KeyType::kEcP256);
  const crypto::PrivateKey* ak_key_ = &RsaAkKey();
  int64_t alg_ = -257;
  TpmtPublic pub_;
  TpmsAttest info_;
  std::optional<std::string> extra_data_, name_;
  crypto::CertificateTemplate ak_tmpl_;
  bool tpmt_sig_ = true, corrupt_sig_ = false;
  std::function<void(CborValue::Map&)> hook_;
  std::optional<crypto::Certificate> ak_;
  AttestationInput input_;
  TrustAnchors anchors_;
};

TEST_F(TpmAttestation, VerifiesACertifiedKeyAndReportsTheEvidence) {
  auto evidence = Verify();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->format, "tpm");
  EXPECT_EQ(evidence->public_key_der, key_.public_key().ToDer());
  ASSERT_EQ(evidence->identifiers.size(), 2u);
  EXPECT_EQ(evidence->identifiers[0],
            (acme::Identifier{acme::IdentifierType::kPermanentIdentifier, "TPM-SERIAL-1"}));
  EXPECT_EQ(evidence->identifiers[1],
            (acme::Identifier{acme::IdentifierType::kHardwareModule, std::string("HW-42/") + kHwType}));
  ASSERT_EQ(evidence->chain_sha256.size(), 3u);
  EXPECT_EQ(evidence->chain_sha256[0], crypto::HexEncode(ak_->fingerprint_sha256()));
  EXPECT_EQ(evidence->chain_sha256[1], crypto::HexEncode(pki_.ca.fingerprint_sha256()));
  EXPECT_EQ(evidence->chain_sha256[2], crypto::HexEncode(pki_.root.fingerprint_sha256()));
  EXPECT_EQ(evidence->claims["manufacturer"], "id:414E5600");
  EXPECT_EQ(evidence->claims["model"], "AnvilSoftTPM");
  EXPECT_EQ(evidence->claims["version"], "id:00010002");
  EXPECT_EQ(evidence->claims["firmware_version"], "0001000200030004");
  EXPECT_EQ(evidence->claims["name_alg"], "SHA-256");
  EXPECT_EQ(
      evidence->claims["key_attributes"],
      nlohmann::json({"fixedTPM", "fixedParent", "sensitiveDataOrigin", "userWithAuth", "noDA", "sign"}));
}

TEST_F(TpmAttestation, MatchesTheHardwareModuleName) {
  input_.identifier = {acme::IdentifierType::kHardwareModule, std::string("HW-42/") + kHwType};
  auto evidence = Verify();
  EXPECT_TRUE(evidence.ok()) << evidence.status().ToString();
}

TEST_F(TpmAttestation, MatchesAPermanentIdentifierWithItsAssigner) {
  SetSan(GeneralNames({TpmDirectoryName(), PermanentIdentifierName("TPM-SERIAL-1", "1.2.3.4")}));
  input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "TPM-SERIAL-1/1.2.3.4"};
  EXPECT_TRUE(Verify().ok());
  input_.identifier.value = "TPM-SERIAL-1";  // the assigner is part of the identity: octet for octet
  ExpectBad(Verify(),
            "tpm: the attested device identities (permanent-identifier:TPM-SERIAL-1/1.2.3.4) do not include "
            "permanent-identifier:TPM-SERIAL-1");
}

TEST_F(TpmAttestation, AcceptsAnEcdsaAkAndARawSignature) {
  UseEcdsaAk();
  EXPECT_TRUE(Verify().ok());
  tpmt_sig_ = false;  // the DER signature itself instead of a TPMT_SIGNATURE
  EXPECT_TRUE(Verify().ok());
  ak_key_ = &RsaAkKey();
  alg_ = -257;
  EXPECT_TRUE(Verify().ok());  // raw PKCS #1 v1.5
}

TEST_F(TpmAttestation, RefusesWhenTheFormatIsNotEnabled) {
  anchors_.tpm.clear();
  anchors_.apple = {pki_.root};
  ExpectBad(Verify(), "tpm: format not enabled");
}

TEST_F(TpmAttestation, RefusesAnotherVersion) {
  hook_ = [](CborValue::Map& s) { SetMember(s, "ver", Text("1.2")); };
  ExpectBad(Verify(), "tpm: attStmt.ver is not \"2.0\"");
}

TEST_F(TpmAttestation, RefusesAMissingMember) {
  for (const char* member : {"ver", "alg", "x5c", "sig", "certInfo", "pubArea"}) {
    hook_ = [&](CborValue::Map& s) { RemoveMember(s, member); };
    ExpectBad(Verify(), std::string("tpm: attStmt.") + member + " is missing");
  }
}

TEST_F(TpmAttestation, RefusesMembersOfTheWrongKind) {
  hook_ = [](CborValue::Map& s) { SetMember(s, "sig", Text("sig")); };
  ExpectBad(Verify(), "tpm: attStmt.sig is not a byte string");
  hook_ = [](CborValue::Map& s) { SetMember(s, "alg", Text("RS256")); };
  ExpectBad(Verify(), "tpm: attStmt.alg is not an integer");
  hook_ = [](CborValue::Map& s) { SetMember(s, "x5c", Bytes("cert")); };
  ExpectBad(Verify(), "tpm: attStmt.x5c is not an array");
  hook_ = [](CborValue::Map& s) { SetMember(s, "x5c", CborValue::FromArray({})); };
  ExpectBad(Verify(), "tpm: attStmt.x5c is empty");
  hook_ = [](CborValue::Map& s) { SetMember(s, "x5c", CborValue::FromArray({Text("cert")})); };
  ExpectBad(Verify(), "tpm: attStmt.x5c[0] is not a byte string");
}

TEST_F(TpmAttestation, RefusesAnX5cEntryThatIsNotACertificate) {
  hook_ = [this](CborValue::Map& s) {
    SetMember(s, "x5c", CborValue::FromArray({Bytes(ak_->ToDer()), Bytes("junk")}));
  };
  ExpectBadPrefix(Verify(), "tpm: attStmt.x5c[1] is not a certificate: ");
}

TEST_F(TpmAttestation, RefusesEcdaa) {
  hook_ = [](CborValue::Map& s) { SetMember(s, "ecdaaKeyId", Bytes("id")); };
  ExpectBad(Verify(), "tpm: attStmt.ecdaaKeyId (ECDAA) is not supported");
}

TEST_F(TpmAttestation, RefusesAPubAreaThatDoesNotParse) {
  hook_ = [this](CborValue::Map& s) { SetMember(s, "pubArea", Bytes(MarshalTpmtPublic(pub_) + "x")); };
  ExpectBad(Verify(), "tpm: pubArea does not parse: TPMT_PUBLIC: trailing bytes");
}

TEST_F(TpmAttestation, RefusesACertInfoThatDoesNotParse) {
  hook_ = [](CborValue::Map& s) { SetMember(s, "certInfo", Bytes("\xff\x54\x43\x47\x80")); };
  ExpectBad(Verify(), "tpm: certInfo does not parse: TPMS_ATTEST: type truncated");
}

TEST_F(TpmAttestation, RefusesAnotherMagic) {
  info_.magic = 0xff544348;
  ExpectBad(Verify(), "tpm: certInfo magic is not TPM_GENERATED_VALUE");
}

TEST_F(TpmAttestation, RefusesACreationAttestationByName) {
  info_.type = kTpmStAttestCreation;
  info_.attested = std::string("\x00\x22\x00\x0b", 4) + std::string(32, 'n') + std::string("\x00\x20", 2) +
                   std::string(32, 'h');
  ExpectBad(Verify(),
            "tpm: certInfo is a creation attestation (TPM_ST_ATTEST_CREATION), not a certification");
}

TEST_F(TpmAttestation, RefusesOtherAttestationTypes) {
  info_.type = kTpmStAttestQuote;
  info_.attested = std::string(10, 'q');
  ExpectBad(Verify(), "tpm: certInfo type is not TPM_ST_ATTEST_CERTIFY");
}

TEST_F(TpmAttestation, RefusesAnAlgorithmOutsideTheList) {
  alg_ = -8;
  ExpectBad(Verify(), "tpm: attStmt.alg -8 is not one of RS256, ES256, PS256");
}

TEST_F(TpmAttestation, RefusesAnAlgorithmThatDoesNotFitTheAk) {
  alg_ = -7;  // ES256 with the RSA AK
  ExpectBad(Verify(), "tpm: attStmt.alg ES256 does not fit the AK certificate's key");
}

TEST_F(TpmAttestation, RefusesExtraDataThatIsNotTheKeyAuthorizationsHash) {
  extra_data_ = crypto::Sha256(input_.token);  // the token alone is not enough for this format
  ExpectBad(Verify(), "tpm: certInfo extraData is not SHA-256 of the key authorization");
}

TEST_F(TpmAttestation, RefusesACertifiedNameOfAnotherKey) {
  name_ = std::string("\x00\x0b", 2) + crypto::Sha256("another key");
  ExpectBad(Verify(), "tpm: certInfo attested name is not the name of pubArea");
}

TEST_F(TpmAttestation, RefusesASha1NameAlg) {
  pub_.name_alg = kTpmAlgSha1;
  name_ = "irrelevant";
  ExpectBad(Verify(), "tpm: pubArea TPMT_PUBLIC nameAlg: TPM hash SHA-1 is not accepted");
}

TEST_F(TpmAttestation, RefusesKeysWithoutTheRequiredAttributes) {
  const std::pair<uint32_t, std::string> required[] = {
      {kTpmaFixedTpm, "fixedTPM is not set"},
      {kTpmaFixedParent, "fixedParent is not set"},
      {kTpmaSensitiveDataOrigin, "sensitiveDataOrigin is not set"},
      {kTpmaSign, "sign is not set"}};
  for (const auto& [bit, detail] : required) {
    pub_.object_attributes = kKeyAttributes & ~bit;
    ExpectBad(Verify(), "tpm: pubArea objectAttributes: " + detail);
  }
  const std::pair<uint32_t, std::string> forbidden[] = {{kTpmaDecrypt, "decrypt is set"},
                                                        {kTpmaRestricted, "restricted is set"}};
  for (const auto& [bit, detail] : forbidden) {
    pub_.object_attributes = kKeyAttributes | bit;
    ExpectBad(Verify(), "tpm: pubArea objectAttributes: " + detail);
  }
}

TEST_F(TpmAttestation, RefusesAPubAreaKeyOffTheCurve) {
  pub_.ecc.y[31] ^= 1;
  ExpectBadPrefix(Verify(), "tpm: pubArea public key: ");
}

// The builder makes only version 3 certificates: this one is the AK certificate with its version field set
// to v2 and signed again by the intermediate's key.
TEST_F(TpmAttestation, RefusesAnAkCertificateThatIsNotVersion3) {
  hook_ = [this](CborValue::Map& s) {
    const std::string cert_der = ak_->ToDer();
    DerReader outer(ParseDer(cert_der)->content);
    const DerTlv tbs = *outer.Next();
    const DerTlv sig_alg = *outer.Next();
    std::string v2 = std::string(tbs.whole);
    const size_t version = v2.find(std::string("\xa0\x03\x02\x01\x02", 5));
    ASSERT_LT(version, 8u);
    v2[version + 4] = 1;
    auto sig = pki_.ca_key.Sign(crypto::DigestAlg::kSha256, v2);
    ASSERT_TRUE(sig.ok());
    auto v2_cert = crypto::Certificate::FromDer(
        Seq({v2, sig_alg.whole, Tlv(kDerUniversal, false, kDerBitString, std::string(1, '\0') + *sig)}));
    ASSERT_TRUE(v2_cert.ok()) << v2_cert.status().ToString();
    ASSERT_EQ(v2_cert->version(), 2);
    SetMember(s, "x5c", X5c({&*v2_cert, &pki_.ca}));
  };
  ExpectBad(Verify(), "tpm: AK certificate is not version 3");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateWithASubject) {
  ak_tmpl_.subject.common_name = "AK";
  ExpectBad(Verify(), "tpm: AK certificate subject is not empty");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateWithoutSubjectAltName) {
  ak_tmpl_.extra_extensions.clear();
  ExpectBad(Verify(), "tpm: AK certificate subjectAltName (2.5.29.17) is missing");
}

TEST_F(TpmAttestation, RefusesANonCriticalSubjectAltName) {
  SetSan(GeneralNames({TpmDirectoryName(), PermanentIdentifierName("TPM-SERIAL-1")}), false);
  ExpectBad(Verify(), "tpm: AK certificate subjectAltName is not critical");
}

TEST_F(TpmAttestation, RefusesASubjectAltNameThatDoesNotParse) {
  SetSan(GeneralNames({PermanentIdentifierName("TPM-SERIAL-1")}) + "x");
  ExpectBadPrefix(Verify(), "tpm: AK certificate subjectAltName does not parse: ");
  // A HardwareModuleName whose serial is not an OCTET STRING.
  SetSan(GeneralNames(
      {TpmDirectoryName(), OtherName("1.3.6.1.5.5.7.8.4", Seq({Oid(kHwType), Utf8String("HW-42")}))}));
  ExpectBadPrefix(Verify(), "tpm: AK certificate subjectAltName does not parse: ");
}

TEST_F(TpmAttestation, RefusesASubjectAltNameWithoutTheTpmsDescription) {
  SetSan(GeneralNames({TpmDirectoryName(false, true, true), PermanentIdentifierName("TPM-SERIAL-1")}));
  ExpectBad(Verify(),
            "tpm: AK certificate subjectAltName directoryName has no TPM manufacturer (2.23.133.2.1)");
  SetSan(GeneralNames({TpmDirectoryName(true, false, true), PermanentIdentifierName("TPM-SERIAL-1")}));
  ExpectBad(Verify(), "tpm: AK certificate subjectAltName directoryName has no TPM model (2.23.133.2.2)");
  SetSan(GeneralNames({TpmDirectoryName(true, true, false), PermanentIdentifierName("TPM-SERIAL-1")}));
  ExpectBad(Verify(), "tpm: AK certificate subjectAltName directoryName has no TPM version (2.23.133.2.3)");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateWithoutTheAkEku) {
  ak_tmpl_.ext_key_usages = {"clientAuth"};
  ExpectBad(Verify(), "tpm: AK certificate extended key usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateThatIsACa) {
  ak_tmpl_.is_ca = true;
  ak_tmpl_.key_cert_sign = true;
  ExpectBad(Verify(), "tpm: AK certificate is a CA (basicConstraints cA is true)");
}

TEST_F(TpmAttestation, RefusesASignatureThatDoesNotVerify) {
  corrupt_sig_ = true;
  ExpectBad(Verify(), "tpm: sig does not verify over certInfo with the AK certificate's key");
  tpmt_sig_ = false;
  ExpectBad(Verify(), "tpm: sig does not verify over certInfo with the AK certificate's key");
}

TEST_F(TpmAttestation, RefusesASignatureOverOtherBytes) {
  hook_ = [this](CborValue::Map& s) {
    TpmsAttest info = info_;
    info.extra_data = crypto::Sha256(input_.key_authorization);
    info.certified_name = *TpmName(pub_);
    info.firmware_version += 1;  // certInfo differs from what was signed
    SetMember(s, "certInfo", Bytes(MarshalTpmsAttest(info)));
  };
  ExpectBad(Verify(), "tpm: sig does not verify over certInfo with the AK certificate's key");
}

TEST_F(TpmAttestation, RefusesAPkcs1SignatureClaimingToBePs256) {
  alg_ = -37;  // the AK signed RSASSA-PKCS1-v1_5; PS256 is verified as RSASSA-PSS (a real PSS AK: tpm_attestation_test)
  ExpectBad(Verify(), "tpm: sig does not verify over certInfo with the AK certificate's key");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateFromAnotherManufacturer) {
  ak_issuer_ = &other_pki_;
  ExpectBadPrefix(Verify(), "tpm: AK certificate does not chain to a trusted root: ");
}

TEST_F(TpmAttestation, RefusesAnExpiredAkCertificate) {
  input_.now = WholeSecondsNow() + std::chrono::hours(48);
  ExpectBadPrefix(Verify(), "tpm: AK certificate does not chain to a trusted root: ");
}

TEST_F(TpmAttestation, RefusesAnX5cThatIsNotAChain) {
  // The certificate after the AK certificate did not issue it (WebAuthn §8.3.1: each certificate is issued by
  // the next); refused by name before the chain is built.
  anchors_.tpm = {pki_.root, other_pki_.root};
  hook_ = [this](CborValue::Map& s) { SetMember(s, "x5c", X5c({&*ak_, &other_pki_.ca})); };
  ExpectBad(Verify(), "tpm: attStmt.x5c is not a chain: certificate 0 is not issued by 1");
}

TEST_F(TpmAttestation, RefusesAnotherDevice) {
  input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "TPM-SERIAL-2"};
  ExpectBad(Verify(),
            "tpm: the attested device identities (permanent-identifier:TPM-SERIAL-1, hardware-module:HW-42/" +
                std::string(kHwType) + ") do not include permanent-identifier:TPM-SERIAL-2");
  // Same serial, other type: a permanent identifier is not a hardware module.
  input_.identifier = {acme::IdentifierType::kHardwareModule, "TPM-SERIAL-1/" + std::string(kHwType)};
  ExpectBadPrefix(Verify(), "tpm: the attested device identities (");
}

TEST_F(TpmAttestation, RefusesAnAkCertificateNamingNoDevice) {
  // A PermanentIdentifier without identifierValue names nobody (RFC 4043 allows it; the draft needs the
  // value).
  SetSan(GeneralNames({TpmDirectoryName(), OtherName("1.3.6.1.5.5.7.8.3", Seq({Oid("1.2.3.4")}))}));
  ExpectBad(Verify(), "tpm: the attestation names no device identity");
}

TEST_F(TpmAttestation, RefusesADeviceNameThatCannotBeAnAcmeIdentifier) {
  // "A/1.2.3" without an assigner must not pass for serial "A" with assigner 1.2.3.
  SetSan(GeneralNames({TpmDirectoryName(), PermanentIdentifierName("TPM-SERIAL-1/1.2.3")}));
  input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "TPM-SERIAL-1/1.2.3"};
  ExpectBad(
      Verify(),
      "tpm: AK certificate subjectAltName device name TPM-SERIAL-1/1.2.3 is not a usable device identifier "
      "(not UTF-8, empty, or containing \"/\")");
  SetSan(GeneralNames({TpmDirectoryName(), HardwareModuleName(kHwType, "\xff\xfe")}));
  ExpectBad(Verify(),
            "tpm: AK certificate subjectAltName device name hex:fffe is not a usable device identifier "
            "(not UTF-8, empty, or containing \"/\")");
}

}  // namespace
}  // namespace anvil::attest
