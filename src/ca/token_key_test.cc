#include "ca/token_key.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "ca/ca_lifecycle.h"
#include "ca/certificate_authority.h"
#include "ca/test_issuance.h"
#include "crypto/crl.h"
#include "support/softhsm.h"

namespace anvil::ca {
namespace {

constexpr char kPin[] = "424242";
constexpr char kUri[] = "pkcs11:token=anvil-ca;object=intermediate-2;type=private";

// A CA whose generation 2 is made for a key in a SoftHSM2 token ("anvil-ca", objects "intermediate-2" and
// "stranger"; the keys are made here and imported, so their public halves are known). The token store is made
// once per process, before the module is first loaded (support/softhsm.h).
class TokenKeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::SoftHsm::Installed()) return;
    hsm_ = new testing::SoftHsm;
    token_key_ = new crypto::PrivateKey(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value());
    const auto stranger = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
    for (Status s : {hsm_->InitToken("anvil-ca", kPin), hsm_->ImportKey("anvil-ca", kPin, "intermediate-2", "02", *token_key_),
                     hsm_->ImportKey("anvil-ca", kPin, "stranger", "03", stranger)}) {
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  static void TearDownTestSuite() {
    delete hsm_;
    delete token_key_;
  }
  void SetUp() override {
    if (hsm_ == nullptr) GTEST_SKIP() << "softhsm2 is not installed (scripts/install-deps)";
    options_.pkcs11_module = hsm_->module();
    options_.pkcs11_pin = kPin;
    ASSERT_TRUE(CreateCa(dir_.path(), options_, clock_).ok());
  }

  Result<Intermediate> RotateOnto(const std::string& uri) {
    RotateOptions rotate;
    rotate.key_uri = uri;
    return RotateIntermediate(dir_.path(), options_, rotate, clock_);
  }

  static inline testing::SoftHsm* hsm_ = nullptr;
  static inline crypto::PrivateKey* token_key_ = nullptr;
  testing::TempDir dir_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  CaOptions options_;
};

TEST_F(TokenKeyTest, RotationOntoATokenKeyWritesItsUriAndTheTokenSignsWhatTheGenerationIssues) {
  auto rotated = RotateOnto(kUri);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->certificate.public_key(), token_key_->public_key());
  const CaPaths paths = CaPaths::In(dir_.path());
  EXPECT_EQ(*ReadFile(paths.Intermediate(2, "key-uri")), std::string(kUri) + "\n");
  EXPECT_FALSE(FileExists(paths.Intermediate(2, "key")));

  auto material = LoadCa(dir_.path(), options_, clock_.Now());
  ASSERT_TRUE(material.ok()) << material.status().ToString();
  EXPECT_EQ(material->intermediate.subject_key_id(), rotated->certificate.subject_key_id());
  CertificateAuthority ca(*material, clock_, "");
  const crypto::Certificate leaf = IssueForTest(ca);
  EXPECT_TRUE(leaf.IsSignedBy(token_key_->public_key()));
  EXPECT_TRUE(crypto::VerifyChain(leaf, {rotated->certificate}, material->root, clock_.Now()).ok());
  // The generation's CRL is the token's signature too.
  crypto::CrlTemplate tmpl;
  tmpl.this_update = clock_.Now();
  tmpl.next_update = clock_.Now() + std::chrono::hours(1);
  tmpl.crl_number = "\x01";
  auto crl = ca.issuers().back()->SignCrl(tmpl);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_TRUE(crypto::Crl::FromDer(*crl)->IsSignedBy(token_key_->public_key()));
  // And generation 1, whose key is a file, signs its own CRL still, with the engine loaded.
  auto software_crl = ca.issuers().front()->SignCrl(tmpl);
  ASSERT_TRUE(software_crl.ok()) << software_crl.status().ToString();
  EXPECT_TRUE(crypto::Crl::FromDer(*software_crl)->IsSignedBy(material->intermediates.front().certificate.public_key()));
}

TEST_F(TokenKeyTest, EncryptKeysLeavesTheTokenGenerationAlone) {
  ASSERT_TRUE(RotateOnto(kUri).ok());
  options_.key_passphrase = "correct horse";
  auto files = EncryptKeys(dir_.path(), options_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->size(), 2u);  // root.key and intermediate.key
  EXPECT_TRUE(LoadCa(dir_.path(), options_, clock_.Now()).ok());
}

TEST_F(TokenKeyTest, WithoutAPinTheRotationNamesTheSettingAndWritesNothing) {
  options_.pkcs11_pin.clear();
  auto rotated = RotateOnto(kUri);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.status().code(), Code::kInvalidArgument);
  EXPECT_NE(rotated.status().message().find("ca.pkcs11_pin"), std::string::npos) << rotated.status().message();
  const CaPaths paths = CaPaths::In(dir_.path());
  EXPECT_FALSE(FileExists(paths.Intermediate(2, "key-uri")));
  EXPECT_FALSE(FileExists(paths.Intermediate(2, "pem")));
}

TEST_F(TokenKeyTest, AUriWithAPinIsRefused) {
  auto rotated = RotateOnto(std::string(kUri) + "?pin-value=" + kPin);
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(rotated.status().message().find(kPin), std::string::npos) << rotated.status().message();
}

TEST_F(TokenKeyTest, AKeyMissingFromTheTokenStopsTheLoadNamingTheFile) {
  ASSERT_TRUE(RotateOnto(kUri).ok());
  const CaPaths paths = CaPaths::In(dir_.path());
  ASSERT_TRUE(WriteKeyUriFile(paths.Intermediate(2, "key-uri"), "pkcs11:token=anvil-ca;object=gone").ok());
  auto material = LoadCa(dir_.path(), options_, clock_.Now());
  ASSERT_FALSE(material.ok());
  // Not kNotFound, which would make LoadOrCreateCa take the CA for absent.
  EXPECT_EQ(material.status().code(), Code::kInvalidArgument) << material.status().ToString();
  EXPECT_NE(material.status().message().find("intermediate-2.key-uri"), std::string::npos);
  EXPECT_NE(material.status().message().find("has no such private key"), std::string::npos);
  EXPECT_EQ(material.status().message().find(kPin), std::string::npos);
}

TEST_F(TokenKeyTest, ATokenKeyThatIsNotTheCertificatesIsRefused) {
  ASSERT_TRUE(RotateOnto(kUri).ok());
  const CaPaths paths = CaPaths::In(dir_.path());
  ASSERT_TRUE(WriteKeyUriFile(paths.Intermediate(2, "key-uri"), "pkcs11:token=anvil-ca;object=stranger").ok());
  auto material = LoadCa(dir_.path(), options_, clock_.Now());
  ASSERT_FALSE(material.ok());
  EXPECT_EQ(material.status().code(), Code::kInvalidArgument);
  EXPECT_NE(material.status().message().find("does not match"), std::string::npos) << material.status().message();
}

}  // namespace
}  // namespace anvil::ca
