#include "ca/ca_lifecycle.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "ca/certificate_authority.h"
#include "ca/test_issuance.h"
#include "crypto/crl.h"
#include "crypto/key.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

using std::chrono::hours;

class CaLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CreateCa(dir_.path(), options_, clock_).ok()); }

  CaMaterial Load() {
    auto material = LoadCa(dir_.path(), options_, clock_.Now());
    EXPECT_TRUE(material.ok()) << material.status().ToString();
    return std::move(material).value();
  }

  crypto::Certificate IssueWith(CertificateAuthority& ca) { return IssueForTest(ca); }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  CaOptions options_;
};

TEST_F(CaLifecycleTest, RotationMakesTheNextGenerationWhichIssuesWhileTheOldOneStillSignsItsCrls) {
  const CaMaterial before = Load();
  auto rotated = RotateIntermediate(dir_.path(), options_, {}, clock_);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->generation, 2);
  EXPECT_TRUE(FileExists(dir_.path() + "/ca/intermediate-2.pem"));
  EXPECT_TRUE(rotated->certificate.IsSignedBy(before.root.public_key()));
  EXPECT_NE(rotated->certificate.subject_key_id(), before.intermediate.subject_key_id());

  CaMaterial after = Load();
  ASSERT_EQ(after.intermediates.size(), 2u);
  EXPECT_EQ(after.intermediate.subject_key_id(), rotated->certificate.subject_key_id());
  CertificateAuthority ca(after, clock_, "");
  const crypto::Certificate leaf = IssueWith(ca);
  EXPECT_EQ(leaf.authority_key_id(), rotated->certificate.subject_key_id());
  EXPECT_TRUE(crypto::VerifyChain(leaf, {rotated->certificate}, after.root, clock_.Now()).ok());
  // Generation 1 signs its own CRL still.
  ASSERT_EQ(ca.issuers().size(), 2u);
  crypto::CrlTemplate tmpl;
  tmpl.this_update = clock_.Now();
  tmpl.next_update = clock_.Now() + hours(1);
  tmpl.crl_number = "\x01";
  auto crl = ca.issuers()[0]->SignCrl(tmpl);
  ASSERT_TRUE(crl.ok());
  EXPECT_TRUE(crypto::Crl::FromDer(*crl)->IsSignedBy(before.intermediate.public_key()));

  EXPECT_EQ(RotateIntermediate(dir_.path(), options_, {}, clock_)->generation, 3);
  EXPECT_EQ(Load().intermediates.size(), 3u);
}

TEST_F(CaLifecycleTest, AReloadTakesRotationAndRetirementWithoutANewCa) {
  CertificateAuthority ca(Load(), clock_, "");
  IssuingCa* first = ca.issuers().front();
  auto rotated = RotateIntermediate(dir_.path(), options_, {}, clock_);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(IssueWith(ca).authority_key_id(), first->certificate().subject_key_id());  // not read yet

  ca.Reload(Load());
  ASSERT_EQ(ca.issuers().size(), 2u);
  EXPECT_EQ(ca.issuers().front(), first);  // an unchanged generation keeps its IssuingCa
  EXPECT_EQ(IssueWith(ca).authority_key_id(), rotated->certificate.subject_key_id());

  // Retire generation 2: generation 1 issues again; generation 2's new IssuingCa says so, and its former one
  // (which a CRL updater may hold) still signs.
  IssuingCa* second = ca.issuers().back();
  ASSERT_TRUE(RetireIntermediate(dir_.path(), options_, 2, RetirementReason::kKeyCompromise, clock_).ok());
  ca.Reload(Load());
  EXPECT_NE(ca.issuers().back(), second);
  EXPECT_TRUE(ca.issuers().back()->intermediate().retired.has_value());
  EXPECT_EQ(IssueWith(ca).authority_key_id(), first->certificate().subject_key_id());
  crypto::CrlTemplate tmpl;
  tmpl.this_update = clock_.Now();
  tmpl.next_update = clock_.Now() + hours(1);
  tmpl.crl_number = "\x02";
  auto crl = second->SignCrl(tmpl);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_TRUE(crypto::Crl::FromDer(*crl)->IsSignedBy(rotated->certificate.public_key()));
}

TEST_F(CaLifecycleTest, AScheduledGenerationIssuesFromItsActivationTime) {
  RotateOptions rotate;
  rotate.activate_at = clock_.Now() + hours(2);
  auto rotated = RotateIntermediate(dir_.path(), options_, rotate, clock_);
  ASSERT_TRUE(rotated.ok());
  CaMaterial material = Load();
  EXPECT_EQ(material.intermediates[1].activate_at, rotate.activate_at);
  EXPECT_EQ(material.intermediate.subject_key_id(), material.intermediates[0].certificate.subject_key_id());

  CertificateAuthority ca(material, clock_, "");
  EXPECT_EQ(IssueWith(ca).authority_key_id(), material.intermediates[0].certificate.subject_key_id());
  clock_.Advance(hours(2));
  EXPECT_EQ(IssueWith(ca).authority_key_id(), rotated->certificate.subject_key_id());
}

TEST_F(CaLifecycleTest, RetiringNeedsAnotherIssuerAndStopsTheGenerationFromIssuing) {
  auto alone = RetireIntermediate(dir_.path(), options_, 1, RetirementReason::kSuperseded, clock_);
  EXPECT_EQ(alone.status().code(), Code::kInvalidArgument);
  EXPECT_NE(alone.status().message().find("rotate"), std::string::npos);
  EXPECT_FALSE(FileExists(dir_.path() + "/ca/intermediate.retired"));

  ASSERT_TRUE(RotateIntermediate(dir_.path(), options_, {}, clock_).ok());
  auto retired = RetireIntermediate(dir_.path(), options_, 1, RetirementReason::kKeyCompromise, clock_);
  ASSERT_TRUE(retired.ok()) << retired.status().ToString();
  ASSERT_TRUE(retired->retired.has_value());
  EXPECT_EQ(retired->retired->reason, RetirementReason::kKeyCompromise);
  EXPECT_EQ(retired->retired->at, FromUnixSeconds(1'800'000'000));

  CaMaterial material = Load();
  ASSERT_TRUE(material.intermediates[0].retired.has_value());
  EXPECT_EQ(material.intermediates[0].retired->at, FromUnixSeconds(1'800'000'000));
  EXPECT_EQ(material.Issuing(clock_.Now())->generation, 2);

  // Again for the same reason: the recorded retirement; for another reason or an unknown generation: refused.
  clock_.Advance(hours(1));
  auto again = RetireIntermediate(dir_.path(), options_, 1, RetirementReason::kKeyCompromise, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->retired->at, FromUnixSeconds(1'800'000'000));
  EXPECT_EQ(RetireIntermediate(dir_.path(), options_, 1, RetirementReason::kSuperseded, clock_).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(RetireIntermediate(dir_.path(), options_, 7, RetirementReason::kSuperseded, clock_).status().code(),
            Code::kNotFound);
  // The last issuer cannot go.
  EXPECT_EQ(RetireIntermediate(dir_.path(), options_, 2, RetirementReason::kSuperseded, clock_).status().code(),
            Code::kInvalidArgument);
}

TEST_F(CaLifecycleTest, LoadingRefusesAMaterialWithNoIssuerAndBadStateFiles) {
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/ca/intermediate.retired", "2027-01-01T00:00:00Z superseded\n", 0644)
                  .ok());
  auto none = LoadCa(dir_.path(), options_, clock_.Now());
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_NE(none.status().message().find("rotate"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/ca/intermediate.retired", "yesterday\n", 0644).ok());
  EXPECT_EQ(LoadCa(dir_.path(), options_, clock_.Now()).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/ca/intermediate.retired", "2027-01-01T00:00:00Z tired\n", 0644).ok());
  EXPECT_EQ(LoadCa(dir_.path(), options_, clock_.Now()).status().code(), Code::kInvalidArgument);
}

TEST_F(CaLifecycleTest, AnOfflineRootKeyIsNeededOnlyToRotateAndMustBeTheRootsKey) {
  testing::TempDir offline_dir, elsewhere;
  const std::string root_key = elsewhere.path() + "/root.key";
  ASSERT_TRUE(CreateCa(offline_dir.path(), options_, clock_, root_key).ok());
  EXPECT_FALSE(FileExists(offline_dir.path() + "/ca/root.key"));
  EXPECT_TRUE(FileExists(root_key));
  EXPECT_TRUE(LoadCa(offline_dir.path(), options_, clock_.Now()).ok());  // the server never needs it
  // Never overwritten.
  testing::TempDir third;
  EXPECT_EQ(CreateCa(third.path(), options_, clock_, root_key).code(), Code::kConflict);

  auto without = RotateIntermediate(offline_dir.path(), options_, {}, clock_);
  EXPECT_EQ(without.status().code(), Code::kNotFound);
  EXPECT_NE(without.status().message().find("--root-key"), std::string::npos);
  RotateOptions wrong;
  wrong.root_key_path = dir_.path() + "/ca/root.key";  // another CA's root
  EXPECT_EQ(RotateIntermediate(offline_dir.path(), options_, wrong, clock_).status().code(),
            Code::kInvalidArgument);
  RotateOptions right;
  right.root_key_path = root_key;
  CaOptions with_crl = options_;
  with_crl.root_crl_base_url = "http://pki.example.com/crl";
  auto rotated = RotateIntermediate(offline_dir.path(), with_crl, right, clock_);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  // The root CRL's URL is in the certificate (cRLDistributionPoints, an IA5String in the DER).
  EXPECT_NE(rotated->certificate.ToDer().find("http://pki.example.com/crl/root.crl"), std::string::npos);
}

TEST_F(CaLifecycleTest, TheRootSignsItsCrl) {
  auto key = LoadRootKey(dir_.path(), "");
  ASSERT_TRUE(key.ok());
  const CaMaterial material = Load();
  EXPECT_EQ(key->root.generation, 1);
  RootCrlSigner signer(material.root, key->key);
  crypto::CrlTemplate tmpl;
  tmpl.this_update = clock_.Now();
  tmpl.next_update = clock_.Now() + hours(24);
  tmpl.crl_number = "\x05";
  tmpl.entries.push_back({material.intermediate.serial_bytes(), clock_.Now(), 1});
  auto der = signer.SignCrl(tmpl);
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto crl = crypto::Crl::FromDer(*der);
  ASSERT_TRUE(crl.ok());
  EXPECT_TRUE(crl->IsSignedBy(material.root.public_key()));
  EXPECT_EQ(crl->authority_key_id(), material.root.subject_key_id());
  ASSERT_EQ(crl->entries().size(), 1u);
  EXPECT_EQ(crl->entries()[0].reason, 1);
}

TEST_F(CaLifecycleTest, KeysEncryptedWithAPassphraseOpenOnlyWithIt) {
  testing::TempDir encrypted_dir;
  CaOptions secret = options_;
  secret.key_passphrase = "hunter2 hunter2";
  ASSERT_TRUE(CreateCa(encrypted_dir.path(), secret, clock_).ok());
  const CaPaths paths = CaPaths::In(encrypted_dir.path());
  for (const std::string& key : {paths.root_key, paths.intermediate_key}) {
    EXPECT_EQ(ReadFile(key)->rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0), 0u) << key;
  }
  EXPECT_TRUE(LoadCa(encrypted_dir.path(), secret, clock_.Now()).ok());
  auto without = LoadCa(encrypted_dir.path(), options_, clock_.Now());
  EXPECT_EQ(without.status().code(), Code::kInvalidArgument);
  EXPECT_NE(without.status().message().find(paths.intermediate_key), std::string::npos);
  EXPECT_NE(without.status().message().find("ca.key_passphrase"), std::string::npos);
  CaOptions wrong = options_;
  wrong.key_passphrase = "hunter3";
  EXPECT_EQ(LoadCa(encrypted_dir.path(), wrong, clock_.Now()).status().code(), Code::kInvalidArgument);
  // The secret appears in no message.
  EXPECT_EQ(LoadCa(encrypted_dir.path(), wrong, clock_.Now()).status().message().find("hunter"), std::string::npos);

  // Rotation decrypts the root key and encrypts the new one; retirement reads every key.
  EXPECT_EQ(RotateIntermediate(encrypted_dir.path(), options_, {}, clock_).status().code(), Code::kInvalidArgument);
  auto rotated = RotateIntermediate(encrypted_dir.path(), secret, {}, clock_);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(ReadFile(paths.Intermediate(2, "key"))->rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0), 0u);
  EXPECT_TRUE(RetireIntermediate(encrypted_dir.path(), secret, 1, RetirementReason::kSuperseded, clock_).ok());
  EXPECT_TRUE(LoadRootKey(encrypted_dir.path(), "", secret.key_passphrase).ok());
  EXPECT_EQ(LoadRootKey(encrypted_dir.path(), "").status().code(), Code::kInvalidArgument);
}

TEST_F(CaLifecycleTest, EncryptKeysEncryptsAPlainCaInPlace) {
  ASSERT_TRUE(RotateIntermediate(dir_.path(), options_, {}, clock_).ok());
  EXPECT_EQ(EncryptKeys(dir_.path(), options_).status().code(), Code::kInvalidArgument);  // no passphrase
  CaOptions secret = options_;
  secret.key_passphrase = "s3cret";
  const CaMaterial before = Load();
  auto files = EncryptKeys(dir_.path(), secret);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const CaPaths paths = CaPaths::In(dir_.path());
  EXPECT_EQ(*files, (std::vector<std::string>{paths.root_key, paths.intermediate_key, paths.Intermediate(2, "key")}));
  auto after = LoadCa(dir_.path(), secret, clock_.Now());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->intermediates[0].key.public_key() == before.intermediates[0].key.public_key());
  EXPECT_FALSE(LoadCa(dir_.path(), options_, clock_.Now()).ok());
  // Again: every key opens with the passphrase and stays as it is; with another passphrase nothing changes.
  EXPECT_TRUE(EncryptKeys(dir_.path(), secret).ok());
  CaOptions other = options_;
  other.key_passphrase = "other";
  const std::string root_before = *ReadFile(paths.root_key);
  EXPECT_EQ(EncryptKeys(dir_.path(), other).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*ReadFile(paths.root_key), root_before);
}

}  // namespace
}  // namespace anvil::ca
