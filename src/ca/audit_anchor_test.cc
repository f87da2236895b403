#include "ca/audit_anchor.h"

#include <gtest/gtest.h>

#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

class AuditAnchorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = LoadOrCreateCa(dir_.path(), CaOptions{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    material_ = std::make_unique<CaMaterial>(*material);
    ca_ = std::make_unique<CertificateAuthority>(*material, clock_, "https://acme.test/ca/intermediate.der");
  }
  std::vector<crypto::Certificate> Roots() const { return {material_->root}; }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<CaMaterial> material_;
  std::unique_ptr<CertificateAuthority> ca_;
  const std::string kHash = std::string(64, 'c');
};

TEST_F(AuditAnchorTest, TheMessageNamesHeadAndTimeAndIsNeverDer) {
  std::string m = AuditAnchorMessage(42, "ab", FromUnixSeconds(1'800'000'000));
  EXPECT_EQ(m, "anvil-audit-anchor-v1\n42\nab\n1800000000");
  EXPECT_NE(m[0], '\x30');
}

TEST_F(AuditAnchorTest, AnAnchorSignedByTheIssuingGenerationVerifiesAgainstTheRoot) {
  Result<SignedAuditAnchor> a = ca_->SignAuditAnchor(7, kHash);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->signer_der, material_->intermediate.ToDer());
  EXPECT_EQ(a->at, FromUnixSeconds(ToUnixSeconds(a->at)));
  EXPECT_TRUE(VerifyAuditAnchor(a->signer_der, a->signature, 7, kHash, a->at, Roots()).ok());
}

TEST_F(AuditAnchorTest, AnythingChangedFailsVerification) {
  Result<SignedAuditAnchor> a = ca_->SignAuditAnchor(7, kHash);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Status other_id = VerifyAuditAnchor(a->signer_der, a->signature, 8, kHash, a->at, Roots());
  EXPECT_EQ(other_id.code(), Code::kUnauthorized);
  EXPECT_NE(other_id.message().find("the signature does not verify with the key of Anvil Intermediate CA"),
            std::string::npos)
      << other_id.ToString();
  EXPECT_FALSE(VerifyAuditAnchor(a->signer_der, a->signature, 7, std::string(64, 'd'), a->at, Roots()).ok());
  EXPECT_FALSE(
      VerifyAuditAnchor(a->signer_der, a->signature, 7, kHash, a->at + std::chrono::seconds(1), Roots()).ok());
  std::string flipped = a->signature;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(VerifyAuditAnchor(a->signer_der, flipped, 7, kHash, a->at, Roots()).ok());
  EXPECT_FALSE(VerifyAuditAnchor("not DER", a->signature, 7, kHash, a->at, Roots()).ok());
}

// Someone who rewrites the database can sign with a key of their own; its certificate chains to no root here.
TEST_F(AuditAnchorTest, AnAnchorSignedByAnotherCaIsRefused) {
  testing::TempDir other_dir;
  auto other = LoadOrCreateCa(other_dir.path(), CaOptions{}, clock_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Result<SignedAuditAnchor> a =
      SignAuditAnchor(other->intermediate, other->intermediate_key, 7, kHash, clock_.Now());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(VerifyAuditAnchor(a->signer_der, a->signature, 7, kHash, a->at, {other->root}).ok());
  Status s = VerifyAuditAnchor(a->signer_der, a->signature, 7, kHash, a->at, Roots());
  EXPECT_EQ(s.code(), Code::kUnauthorized);
  EXPECT_NE(s.message().find("does not chain to a root of this CA"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace anvil::ca
