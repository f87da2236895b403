// Tests for VerifyAttestation's dispatch and the "apple", "android-key" and "step" formats: attestation
// authorities, leaf certificates with the formats' extensions (built with the test DER writer) and statements
// built with the CBOR encoder; the positive case and one negative test per check, each asserting
// badAttestationStatement and the detail that names the check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "attest/attestation.h"
#include "attest/formats.h"
#include "attest/testing/der_writer.h"
#include "attest/testing/pki.h"
#include "crypto/digest.h"

namespace anvil::attest {
namespace {

using namespace testing;  // NOLINT: the test helpers and the DER writer

const crypto::PrivateKey& RsaKey() {
  static const crypto::PrivateKey key = MustGenerate(crypto::KeyType::kRsa2048);
  return key;
}

// What every format's fixture shares: one authority, a device key, the challenge, and a hook on attStmt.
class FormatTest : public ::testing::Test {
 protected:
  FormatTest() {
    input_.token = "dEvIcE-tOkEn-0123456789";
    input_.key_authorization = input_.token + ".account-key-thumbprint";
    input_.now = WholeSecondsNow();
    leaf_tmpl_ = LeafTemplate("device key");
  }

  void SetExtension(const std::string& oid, std::string value) {
    std::erase_if(leaf_tmpl_.extra_extensions, [&](const auto& e) { return e.oid == oid; });
    leaf_tmpl_.extra_extensions.push_back(Extension(oid, std::move(value)));
  }
  void RemoveExtension(const std::string& oid) {
    std::erase_if(leaf_tmpl_.extra_extensions, [&](const auto& e) { return e.oid == oid; });
  }
  crypto::Certificate IssueLeaf() {
    leaf_ = MustIssue(leaf_tmpl_, key_->public_key(), &issuer_->ca, issuer_->ca_key);
    return *leaf_;
  }
  std::string Sign(crypto::DigestAlg digest, std::string_view data) {
    auto sig = key_->Sign(digest, data);
    EXPECT_TRUE(sig.ok());
    return sig.value_or("");
  }
  Result<Evidence> VerifyStatement(const std::string& fmt, CborValue::Map stmt) {
    if (hook_) hook_(stmt);
    input_.att_obj = AttObj(fmt, std::move(stmt));
    return VerifyAttestation(input_, anchors_);
  }

  Pki pki_ = MakePki("Attestation CA");
  Pki other_pki_ = MakePki("Other CA");
  const Pki* issuer_ = &pki_;
  crypto::PrivateKey ec_key_ = MustGenerate(crypto::KeyType::kEcP256);
  const crypto::PrivateKey* key_ = &ec_key_;
  crypto::CertificateTemplate leaf_tmpl_;
  std::optional<crypto::Certificate> leaf_;
  std::function<void(CborValue::Map&)> hook_;
  AttestationInput input_;
  TrustAnchors anchors_;
};

// ---- dispatch ----

class Dispatch : public FormatTest {
 protected:
  Result<Evidence> VerifyBytes(std::string bytes) {
    input_.att_obj = std::move(bytes);
    return VerifyAttestation(input_, anchors_);
  }
};

TEST_F(Dispatch, RefusesWhatIsNotAnAttestationObject) {
  ExpectBadPrefix(VerifyBytes("\xc0"), "attObj is not valid CBOR: CBOR at offset 0: tags are not accepted");
  ExpectBadPrefix(VerifyBytes(EncodeCbor(Text("x")) + "x"), "attObj is not valid CBOR: ");
  ExpectBad(VerifyBytes(EncodeCbor(CborValue::FromArray({}))), "attObj is not a CBOR map");
  ExpectBad(VerifyBytes(EncodeCbor(CborValue::FromMap({{Text("attStmt"), CborValue::FromMap({})}}))),
            "attObj.fmt is missing");
  ExpectBad(VerifyBytes(EncodeCbor(CborValue::FromMap({{Text("fmt"), Bytes("tpm")}}))),
            "attObj.fmt is not a text string");
  ExpectBad(VerifyBytes(EncodeCbor(CborValue::FromMap({{Text("fmt"), Text("tpm")}}))),
            "attObj.attStmt is missing");
  ExpectBad(
      VerifyBytes(EncodeCbor(CborValue::FromMap({{Text("fmt"), Text("tpm")}, {Text("attStmt"), Text("")}}))),
      "attObj.attStmt is not a map");
}

TEST_F(Dispatch, RefusesUnknownFormats) {
  ExpectBad(VerifyBytes(AttObj("packed", {})),
            "attObj.fmt \"packed\" is not a supported attestation format (tpm, apple, android-key, step)");
  ExpectBad(VerifyBytes(AttObj("none", {})),
            "attObj.fmt \"none\" is not a supported attestation format (tpm, apple, android-key, step)");
}

TEST_F(Dispatch, EveryFormatNeedsItsAnchors) {
  for (const char* fmt : {"tpm", "apple", "android-key", "step"}) {
    ExpectBad(VerifyBytes(AttObj(fmt, {})), std::string(fmt) + ": format not enabled");
  }
}

// ---- apple ----

constexpr char kAppleNonce[] = "1.2.840.113635.100.8.11.1";
constexpr char kAppleSerial[] = "1.2.840.113635.100.8.9.1";
constexpr char kAppleUdid[] = "1.2.840.113635.100.8.9.2";

class AppleAttestation : public FormatTest {
 protected:
  AppleAttestation() {
    anchors_.apple = {pki_.root};
    input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "C02XK1ABJGH5"};
    SetExtension(kAppleNonce, crypto::Sha256(input_.token));
    SetExtension(kAppleSerial, "C02XK1ABJGH5");
    SetExtension(kAppleUdid, "00008103-001A2B3C4D5E6F70");
    SetExtension("1.2.840.113635.100.8.10.1", "17.4.1");
    SetExtension("1.2.840.113635.100.8.10.2", "21.4.585");
  }
  Result<Evidence> Verify() {
    const crypto::Certificate leaf = IssueLeaf();
    return VerifyStatement("apple", {{Text("x5c"), X5c({&leaf, &issuer_->ca})}});
  }
};

TEST_F(AppleAttestation, VerifiesTheDeviceAndReportsTheEvidence) {
  auto evidence = Verify();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->format, "apple");
  EXPECT_EQ(evidence->public_key_der, key_->public_key().ToDer());
  EXPECT_EQ(evidence->identifiers,
            (std::vector<acme::Identifier>{
                {acme::IdentifierType::kPermanentIdentifier, "C02XK1ABJGH5"},
                {acme::IdentifierType::kPermanentIdentifier, "00008103-001A2B3C4D5E6F70"}}));
  EXPECT_EQ(evidence->chain_sha256,
            (std::vector<std::string>{crypto::HexEncode(leaf_->fingerprint_sha256()),
                                      crypto::HexEncode(pki_.ca.fingerprint_sha256()),
                                      crypto::HexEncode(pki_.root.fingerprint_sha256())}));
  EXPECT_EQ(evidence->claims["serial"], "C02XK1ABJGH5");
  EXPECT_EQ(evidence->claims["udid"], "00008103-001A2B3C4D5E6F70");
  EXPECT_EQ(evidence->claims["os_version"], "17.4.1");
  EXPECT_EQ(evidence->claims["sepos_version"], "21.4.585");
}

TEST_F(AppleAttestation, MatchesTheUdid) {
  input_.identifier.value = "00008103-001A2B3C4D5E6F70";
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AppleAttestation, RefusesAMissingX5c) {
  ExpectBad(VerifyStatement("apple", {}), "apple: attStmt.x5c is missing");
}

TEST_F(AppleAttestation, RefusesAChainToAnotherRoot) {
  issuer_ = &other_pki_;
  ExpectBadPrefix(Verify(), "apple: leaf certificate does not chain to a trusted root: ");
}

TEST_F(AppleAttestation, RefusesALeafWithoutNonce) {
  RemoveExtension(kAppleNonce);
  ExpectBad(Verify(), "apple: leaf certificate nonce extension (1.2.840.113635.100.8.11.1) is missing");
}

TEST_F(AppleAttestation, RefusesANonceForAnotherChallenge) {
  SetExtension(kAppleNonce, crypto::Sha256(input_.key_authorization));  // Apple hashes the token alone
  ExpectBad(Verify(), "apple: leaf certificate nonce extension is not SHA-256 of the challenge token");
}

TEST_F(AppleAttestation, RefusesAnotherDevice) {
  input_.identifier.value = "C02XK1ABJGH6";
  ExpectBad(
      Verify(),
      "apple: the attested device identities (permanent-identifier:C02XK1ABJGH5, "
      "permanent-identifier:00008103-001A2B3C4D5E6F70) do not include permanent-identifier:C02XK1ABJGH6");
}

TEST_F(AppleAttestation, RefusesALeafNamingNoDevice) {
  RemoveExtension(kAppleSerial);
  RemoveExtension(kAppleUdid);
  ExpectBad(Verify(), "apple: the attestation names no device identity");
}

TEST_F(AppleAttestation, RefusesASerialThatIsNotText) {
  SetExtension(kAppleSerial, "\xc0\x80");
  ExpectBad(Verify(),
            "apple: serial number extension hex:c080 is not a usable device identifier (not UTF-8, empty, or "
            "containing \"/\")");
}

// ---- android-key ----

constexpr char kKeyDescription[] = "1.3.6.1.4.1.11129.2.1.17";

class AndroidKeyAttestation : public FormatTest {
 protected:
  AndroidKeyAttestation() {
    anchors_.android = {pki_.root};
    input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "ANDROID-SERIAL-9"};
    challenge_ = crypto::Sha256(input_.key_authorization);
    software_ = {Explicit(701, {Integer(1700000000000)}), Explicit(709, {OctetString("com.example.agent")})};
    tee_ = {Explicit(1, {Set({Integer(2), Integer(3)})}),  // SIGN, VERIFY
            Explicit(702, {Integer(0)}),                   // GENERATED
            Explicit(704, {Seq({OctetString(std::string(32, 'k')), Boolean(true), Enumerated(0),
                                OctetString(std::string(32, 'h'))})}),
            Explicit(705, {Integer(140000)}),
            Explicit(706, {Integer(202403)}),
            Explicit(713, {OctetString("ANDROID-SERIAL-9")})};
  }
  std::string KeyDescriptionDer() const {
    std::string software, tee;
    for (const auto& f : software_) software += f;
    for (const auto& f : tee_) tee += f;
    return Seq({Integer(200), Enumerated(attestation_level_), Integer(200), Enumerated(keymint_level_),
                OctetString(challenge_), OctetString(""), Tlv(kDerUniversal, true, kDerSequence, software),
                Tlv(kDerUniversal, true, kDerSequence, tee)});
  }
  // Replaces (or, with an empty `field`, removes) the tee entry whose DER starts like `prefix_of`.
  static void Replace(std::vector<std::string>& list, const std::string& like, const std::string& field) {
    std::erase_if(list, [&](const std::string& f) { return f.compare(0, like.size(), like) == 0; });
    if (!field.empty()) list.push_back(field);
  }
  Result<Evidence> Verify() {
    if (!raw_key_description_) SetExtension(kKeyDescription, KeyDescriptionDer());
    const crypto::Certificate leaf = IssueLeaf();
    const std::string sig = sig_ ? *sig_ : Sign(crypto::DigestAlg::kSha256, input_.key_authorization);
    return VerifyStatement("android-key", {{Text("alg"), CborValue::Int(alg_)},
                                           {Text("sig"), Bytes(sig)},
                                           {Text("x5c"), X5c({&leaf, &issuer_->ca, &issuer_->root})}});
  }

  int64_t alg_ = -7;
  std::optional<std::string> sig_;
  int64_t attestation_level_ = 1, keymint_level_ = 1;
  std::string challenge_;
  std::vector<std::string> software_, tee_;
  bool raw_key_description_ = false;
};

// The first octets of an [n] EXPLICIT field, to find it in a list.
std::string TagOf(uint32_t tag) { return Explicit(tag, {}).substr(0, tag < 31 ? 1 : tag < 128 ? 2 : 3); }

TEST_F(AndroidKeyAttestation, VerifiesTheKeyAndReportsTheEvidence) {
  auto evidence = Verify();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->format, "android-key");
  EXPECT_EQ(evidence->public_key_der, key_->public_key().ToDer());
  EXPECT_EQ(
      evidence->identifiers,
      (std::vector<acme::Identifier>{{acme::IdentifierType::kPermanentIdentifier, "ANDROID-SERIAL-9"}}));
  // x5c ends with the root itself: it is not listed twice.
  EXPECT_EQ(evidence->chain_sha256.size(), 3u);
  EXPECT_EQ(evidence->chain_sha256.back(), crypto::HexEncode(pki_.root.fingerprint_sha256()));
  EXPECT_EQ(evidence->claims["attestation_security_level"], "TrustedEnvironment");
  EXPECT_EQ(evidence->claims["keymaster_security_level"], "TrustedEnvironment");
  EXPECT_EQ(evidence->claims["attestation_version"], 200);
  EXPECT_EQ(evidence->claims["os_version"], 140000);
  EXPECT_EQ(evidence->claims["os_patch_level"], 202403);
  EXPECT_EQ(evidence->claims["device_locked"], true);
  EXPECT_EQ(evidence->claims["verified_boot_state"], "Verified");
}

TEST_F(AndroidKeyAttestation, AcceptsStrongBoxAndRsa) {
  attestation_level_ = keymint_level_ = 2;
  key_ = &RsaKey();
  alg_ = -257;
  auto evidence = Verify();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->claims["attestation_security_level"], "StrongBox");
}

TEST_F(AndroidKeyAttestation, RefusesAnAlgorithmOutsideTheList) {
  alg_ = -8;
  ExpectBad(Verify(), "android-key: attStmt.alg -8 is not one of ES256, RS256");
}

TEST_F(AndroidKeyAttestation, RefusesAnAlgorithmThatDoesNotFitTheKey) {
  alg_ = -257;
  ExpectBad(Verify(), "android-key: attStmt.alg RS256 does not fit the leaf certificate's key");
}

TEST_F(AndroidKeyAttestation, RefusesASignatureOverAnythingButTheKeyAuthorization) {
  sig_ = Sign(crypto::DigestAlg::kSha256, input_.token);
  ExpectBad(Verify(),
            "android-key: sig does not verify over the key authorization with the leaf certificate's key");
}

TEST_F(AndroidKeyAttestation, RefusesRevokedCertificates) {
  for (const char* serial : {"1234", "0002", "01"}) {  // leaf, intermediate, root (any case, leading zeros)
    anchors_.android_revoked_serials = {"ffff", serial};
    ExpectBadPrefix(Verify(), "android-key: certificate ");
  }
  anchors_.android_revoked_serials = {"2"};
  ExpectBad(Verify(), "android-key: certificate 2 is revoked (Android attestation status list)");
}

TEST_F(AndroidKeyAttestation, RefusesARevokedRootOutsideX5c) {
  anchors_.android_revoked_serials = {"1"};
  SetExtension(kKeyDescription, KeyDescriptionDer());
  const crypto::Certificate leaf = IssueLeaf();
  ExpectBad(VerifyStatement("android-key",
                            {{Text("alg"), CborValue::Int(-7)},
                             {Text("sig"), Bytes(Sign(crypto::DigestAlg::kSha256, input_.key_authorization))},
                             {Text("x5c"), X5c({&leaf, &pki_.ca})}}),
            "android-key: certificate 1 is revoked (Android attestation status list)");
}

TEST_F(AndroidKeyAttestation, RefusesAChainToAnotherRoot) {
  issuer_ = &other_pki_;
  ExpectBadPrefix(Verify(), "android-key: leaf certificate does not chain to a trusted root: ");
}

TEST_F(AndroidKeyAttestation, RefusesALeafWithoutKeyDescription) {
  raw_key_description_ = true;
  ExpectBad(Verify(),
            "android-key: leaf certificate KeyDescription extension (1.3.6.1.4.1.11129.2.1.17) is missing");
}

TEST_F(AndroidKeyAttestation, RefusesAKeyDescriptionThatDoesNotParse) {
  raw_key_description_ = true;
  SetExtension(kKeyDescription, Seq({Integer(200)}));
  ExpectBadPrefix(Verify(), "android-key: KeyDescription does not parse: ");
  tee_.push_back(Explicit(702, {Integer(0)}));
  raw_key_description_ = false;
  ExpectBad(Verify(),
            "android-key: KeyDescription does not parse: AuthorizationList tag [702] appears twice");
}

TEST_F(AndroidKeyAttestation, RefusesAChallengeForAnotherKeyAuthorization) {
  challenge_ = crypto::Sha256(input_.token);
  ExpectBad(Verify(),
            "android-key: KeyDescription attestationChallenge is not SHA-256 of the key authorization");
}

TEST_F(AndroidKeyAttestation, RefusesSoftwareSecurityLevels) {
  attestation_level_ = 0;
  ExpectBad(Verify(),
            "android-key: KeyDescription attestationSecurityLevel is Software, not TrustedEnvironment or "
            "StrongBox");
  attestation_level_ = 1;
  keymint_level_ = 0;
  ExpectBad(
      Verify(),
      "android-key: KeyDescription keymasterSecurityLevel is Software, not TrustedEnvironment or StrongBox");
}

TEST_F(AndroidKeyAttestation, RefusesAKeyForAllApplications) {
  software_.push_back(Explicit(600, {Null()}));
  ExpectBad(Verify(), "android-key: KeyDescription allApplications [600] is present");
  software_.pop_back();
  Replace(tee_, TagOf(702), "");
  tee_.insert(tee_.begin() + 1, Explicit(600, {Null()}));
  tee_.push_back(Explicit(702, {Integer(0)}));
  ExpectBad(Verify(), "android-key: KeyDescription allApplications [600] is present");
}

TEST_F(AndroidKeyAttestation, RefusesAKeyNotGeneratedInTheTee) {
  Replace(tee_, TagOf(702), Explicit(702, {Integer(2)}));  // IMPORTED
  ExpectBad(Verify(), "android-key: KeyDescription teeEnforced origin [702] is not GENERATED (0)");
  Replace(tee_, TagOf(702), "");
  ExpectBad(Verify(), "android-key: KeyDescription teeEnforced origin [702] is not GENERATED (0)");
}

TEST_F(AndroidKeyAttestation, RefusesAKeyThatCannotSign) {
  Replace(tee_, TagOf(1), Explicit(1, {Set({Integer(0), Integer(1)})}));  // ENCRYPT, DECRYPT
  ExpectBad(Verify(), "android-key: KeyDescription teeEnforced purpose [1] does not include SIGN (2)");
  Replace(tee_, TagOf(1), "");
  ExpectBad(Verify(), "android-key: KeyDescription teeEnforced purpose [1] does not include SIGN (2)");
}

TEST_F(AndroidKeyAttestation, RefusesAKeyDescriptionNamingNoDevice) {
  Replace(tee_, TagOf(713), "");
  ExpectBad(Verify(), "android-key: the attestation names no device identity");
  Replace(tee_, TagOf(713), Explicit(713, {Utf8String("ANDROID-SERIAL-9")}));
  ExpectBad(Verify(),
            "android-key: KeyDescription teeEnforced attestationIdSerial [713] is not an OCTET STRING");
}

TEST_F(AndroidKeyAttestation, RefusesAnotherDevice) {
  input_.identifier.value = "ANDROID-SERIAL-8";
  ExpectBad(
      Verify(),
      "android-key: the attested device identities (permanent-identifier:ANDROID-SERIAL-9) do not include "
      "permanent-identifier:ANDROID-SERIAL-8");
}

// ---- step (YubiKey PIV) ----

constexpr char kYubikeySerial[] = "1.3.6.1.4.1.41482.3.7";

class StepAttestation : public FormatTest {
 protected:
  StepAttestation() {
    anchors_.yubikey = {pki_.root};
    input_.identifier = {acme::IdentifierType::kPermanentIdentifier, "12345678"};
    SetExtension("1.3.6.1.4.1.41482.3.3", "\x05\x04\x03");
    SetExtension(kYubikeySerial, Integer(12345678));
    SetExtension("1.3.6.1.4.1.41482.3.8", "\x02\x03");
  }
  Result<Evidence> Verify() {
    const crypto::Certificate leaf = IssueLeaf();
    const crypto::DigestAlg digest = alg_ == -8 ? crypto::DigestAlg::kNone : crypto::DigestAlg::kSha256;
    std::string sig = sig_ ? *sig_ : Sign(digest, input_.key_authorization);
    if (wrap_sig_) sig = EncodeCbor(Bytes(sig));  // smallstep's client CBOR-encodes the signature
    return VerifyStatement("step", {{Text("x5c"), X5c({&leaf, &issuer_->ca})},
                                    {Text("alg"), CborValue::Int(alg_)},
                                    {Text("sig"), Bytes(sig)}});
  }

  int64_t alg_ = -7;
  std::optional<std::string> sig_;
  bool wrap_sig_ = true;
};

TEST_F(StepAttestation, VerifiesTheYubikeyAndReportsTheEvidence) {
  auto evidence = Verify();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  EXPECT_EQ(evidence->format, "step");
  EXPECT_EQ(evidence->public_key_der, key_->public_key().ToDer());
  EXPECT_EQ(evidence->identifiers,
            (std::vector<acme::Identifier>{{acme::IdentifierType::kPermanentIdentifier, "12345678"}}));
  EXPECT_EQ(evidence->chain_sha256.size(), 3u);
  EXPECT_EQ(evidence->claims["serial"], 12345678);
  EXPECT_EQ(evidence->claims["firmware"], "5.4.3");
  EXPECT_EQ(evidence->claims["pin_policy"], "once");
  EXPECT_EQ(evidence->claims["touch_policy"], "cached");
}

TEST_F(StepAttestation, AcceptsRsaAndEd25519Keys) {
  key_ = &RsaKey();
  alg_ = -257;
  EXPECT_TRUE(Verify().ok());
  const crypto::PrivateKey ed = MustGenerate(crypto::KeyType::kEd25519);
  key_ = &ed;
  alg_ = -8;
  auto evidence = Verify();
  EXPECT_TRUE(evidence.ok()) << evidence.status().ToString();
}

TEST_F(StepAttestation, RefusesAnAlgorithmOutsideTheList) {
  alg_ = -37;
  ExpectBad(Verify(), "step: attStmt.alg -37 is not one of ES256, RS256, EdDSA");
}

TEST_F(StepAttestation, RefusesAnAlgorithmThatDoesNotFitTheKey) {
  alg_ = -8;
  sig_ = "irrelevant";
  ExpectBad(Verify(), "step: attStmt.alg EdDSA does not fit the leaf certificate's key");
}

TEST_F(StepAttestation, RefusesASignatureThatIsNotWrapped) {
  wrap_sig_ = false;
  ExpectBad(Verify(), "step: attStmt.sig does not hold a CBOR byte string");
}

TEST_F(StepAttestation, RefusesASignatureOverAnythingButTheKeyAuthorization) {
  sig_ = Sign(crypto::DigestAlg::kSha256, input_.token);
  ExpectBad(Verify(), "step: sig does not verify over the key authorization with the leaf certificate's key");
}

TEST_F(StepAttestation, RefusesAChainToAnotherRoot) {
  issuer_ = &other_pki_;
  ExpectBadPrefix(Verify(), "step: leaf certificate does not chain to a trusted root: ");
}

TEST_F(StepAttestation, RefusesALeafWithoutSerial) {
  RemoveExtension(kYubikeySerial);
  ExpectBad(Verify(),
            "step: leaf certificate YubiKey serial number extension (1.3.6.1.4.1.41482.3.7) is missing");
}

TEST_F(StepAttestation, RefusesASerialThatIsNotANonNegativeInteger) {
  for (const std::string& bad : {Integer(-5), OctetString("12345678"), Integer(12345678) + "x"}) {
    SetExtension(kYubikeySerial, bad);
    ExpectBad(Verify(), "step: YubiKey serial number extension is not a non-negative INTEGER");
  }
}

TEST_F(StepAttestation, RefusesAnotherDevice) {
  input_.identifier.value = "12345679";
  ExpectBad(Verify(),
            "step: the attested device identities (permanent-identifier:12345678) do not include "
            "permanent-identifier:12345679");
}

// ---- shared helpers (formats.h) ----

TEST(SubjectAltName, ReadsDeviceNamesAndDirectoryAttributes) {
  const std::string san = GeneralNames(
      {DnsName("device.example"), PermanentIdentifierName("PI-1"), PermanentIdentifierName("PI-2", "1.2.3"),
       OtherName("1.3.6.1.4.1.311.20.2.3", Utf8String("upn@example")),  // another otherName: skipped
       OtherName("1.3.6.1.5.5.7.8.3", Seq({Oid("1.2.3")})),             // no identifierValue: names nobody
       HardwareModuleName("1.2.3.4", "HW"),
       Explicit(4, {Seq({Set({Seq({Oid("2.23.133.2.1"), Utf8String("id:1")}),
                             Seq({Oid("2.23.133.2.2"), PrintableString("model")})}),
                        Set({Seq({Oid("2.5.4.5"), Integer(7)})})})})});  // a non-string value: skipped
  auto parsed = internal::ParseSubjectAltName(san);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  using Kind = crypto::DeviceName::Kind;
  EXPECT_EQ(parsed->devices, (std::vector<crypto::DeviceName>{{Kind::kPermanentIdentifier, "PI-1", ""},
                                                              {Kind::kPermanentIdentifier, "PI-2", "1.2.3"},
                                                              {Kind::kHardwareModule, "HW", "1.2.3.4"}}));
  EXPECT_EQ(parsed->directory_attributes,
            (std::vector<std::pair<std::string, std::string>>{{"2.23.133.2.1", "id:1"}, {"2.23.133.2.2", "model"}}));
}

TEST(SubjectAltName, RefusesWhatIsNotGeneralNames) {
  for (const std::string& bad :
       {GeneralNames({}), GeneralNames({Tlv(kDerContext, false, 4, "x")}), GeneralNames({Utf8String("x")}),
        GeneralNames({Tlv(kDerContext, true, 2, "")}), GeneralNames({Explicit(4, {Seq({Set({})})})}),
        GeneralNames({OtherName("1.3.6.1.5.5.7.8.3", Seq({Utf8String("A"), Oid("1.2"), Oid("1.3")}))}),
        Set({DnsName("a.example")})}) {
    auto parsed = internal::ParseSubjectAltName(bad);
    EXPECT_FALSE(parsed.ok()) << crypto::HexEncode(bad);
    EXPECT_EQ(parsed.status().code(), Code::kMalformed);
  }
}

TEST(Shown, KeepsTextAndHexesTheRest) {
  EXPECT_EQ(internal::Shown("C02XK1ABJGH5"), "C02XK1ABJGH5");
  EXPECT_EQ(internal::Shown("\xc3\xbc"), "\xc3\xbc");
  EXPECT_EQ(internal::Shown(std::string("a\nb")), "hex:610a62");
  EXPECT_EQ(internal::Shown("\xff"), "hex:ff");
  EXPECT_EQ(internal::Shown(std::string(40, '\xff')), "hex:" + std::string(64, 'f') + "...");
  // Cut at 64 octets, on a character boundary.
  const std::string long_text = std::string(63, 'a') + "\xc3\xbc" + "tail";
  EXPECT_EQ(internal::Shown(long_text), std::string(63, 'a') + "...");
}

TEST(CheckIdentity, ComparesTypeAndValueOctetForOctet) {
  const std::vector<acme::Identifier> named = {{acme::IdentifierType::kPermanentIdentifier, "Ab1"}};
  EXPECT_TRUE(internal::CheckIdentity("x", {acme::IdentifierType::kPermanentIdentifier, "Ab1"}, named).ok());
  EXPECT_EQ(internal::CheckIdentity("x", {acme::IdentifierType::kPermanentIdentifier, "ab1"}, named).code(),
            Code::kBadAttestationStatement);
  EXPECT_EQ(internal::CheckIdentity("x", {acme::IdentifierType::kHardwareModule, "Ab1"}, named).code(),
            Code::kBadAttestationStatement);
}

}  // namespace
}  // namespace anvil::attest
