// Root rollover: a new root, its cross-certificate from the root before it, and an intermediate under it whose
// certificates validate to either root, through the default chain or the alternate one.
#include <gtest/gtest.h>

#include "base/file.h"
#include "ca/ca_lifecycle.h"
#include "ca/certificate_authority.h"
#include "ca/test_issuance.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

using std::chrono::hours;

class RootRolloverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.root_crl_base_url = "http://pki.example.com/crl";
    ASSERT_TRUE(CreateCa(dir_.path(), options_, clock_).ok());
  }

  CaMaterial Load() {
    auto material = LoadCa(dir_.path(), options_, clock_.Now());
    EXPECT_TRUE(material.ok()) << material.status().ToString();
    return std::move(material).value();
  }

  crypto::Certificate IssueNow(const CaMaterial& material) {
    CertificateAuthority ca(material, clock_, "");
    return IssueForTest(ca);
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  CaOptions options_;
};

TEST_F(RootRolloverTest, TheNewRootIsCrossSignedAndItsIntermediateValidatesToEitherRoot) {
  const CaMaterial before = Load();
  auto rolled = RolloverRoot(dir_.path(), options_, {}, clock_);
  ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
  EXPECT_EQ(rolled->root.generation, 2);
  EXPECT_EQ(rolled->root.certificate.subject_common_name(), "Anvil Root CA 2");
  EXPECT_TRUE(FileExists(dir_.path() + "/ca/root-2.key"));

  // The cross-certificate: the new root's name and key, issued by the old root, no longer valid than it, and
  // revocable on the old root's CRL.
  const crypto::Certificate& cross = *rolled->root.cross_signed;
  EXPECT_EQ(cross.subject(), rolled->root.certificate.subject());
  EXPECT_TRUE(cross.public_key() == rolled->root.certificate.public_key());
  EXPECT_EQ(cross.issuer(), before.root.subject());
  EXPECT_TRUE(cross.IsSignedBy(before.root.public_key()));
  EXPECT_TRUE(cross.is_ca());
  EXPECT_LE(cross.not_after(), before.root.not_after());
  EXPECT_NE(cross.ToDer().find("http://pki.example.com/crl/root.crl"), std::string::npos);

  const CaMaterial after = Load();
  ASSERT_EQ(after.roots.size(), 2u);
  EXPECT_EQ(after.root.fingerprint_sha256(), before.root.fingerprint_sha256());  // /ca/root.der stays
  ASSERT_EQ(after.intermediates.size(), 2u);
  const Intermediate& fresh = after.intermediates[1];
  EXPECT_EQ(fresh.root_generation, 2);
  EXPECT_EQ(after.intermediates[0].root_generation, 1);
  EXPECT_TRUE(after.intermediates[0].alternate_chains_pem.empty());
  EXPECT_EQ(after.Issuing(clock_.Now()), &fresh);
  // Its CRL distribution point is the new root's CRL.
  EXPECT_NE(fresh.certificate.ToDer().find("http://pki.example.com/crl/root-2.crl"), std::string::npos);
  ASSERT_EQ(fresh.alternate_chains_pem.size(), 1u);
  EXPECT_EQ(fresh.alternate_chains_pem[0], fresh.certificate.ToPem() + cross.ToPem());

  const crypto::Certificate leaf = IssueNow(after);
  // Default chain (the intermediate) to the new root; the alternate (intermediate + cross) to the old one.
  EXPECT_TRUE(crypto::VerifyChain(leaf, {fresh.certificate}, after.roots[1].certificate, clock_.Now()).ok());
  EXPECT_FALSE(crypto::VerifyChain(leaf, {fresh.certificate}, before.root, clock_.Now()).ok());
  auto alternate = crypto::Certificate::ChainFromPem(fresh.alternate_chains_pem[0]);
  ASSERT_TRUE(alternate.ok());
  Status to_old = crypto::VerifyChain(leaf, *alternate, before.root, clock_.Now());
  EXPECT_TRUE(to_old.ok()) << to_old.ToString();
}

TEST_F(RootRolloverTest, EachRolloverChainsThroughEveryOlderRoot) {
  ASSERT_TRUE(RolloverRoot(dir_.path(), options_, {}, clock_).ok());
  auto third = RolloverRoot(dir_.path(), options_, {}, clock_);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->root.generation, 3);
  const CaMaterial material = Load();
  ASSERT_EQ(material.roots.size(), 3u);
  const Intermediate& newest = material.intermediates.back();
  EXPECT_EQ(newest.root_generation, 3);
  ASSERT_EQ(newest.alternate_chains_pem.size(), 2u);  // to root 2, and on to root 1
  const crypto::Certificate leaf = IssueNow(material);
  for (size_t i = 0; i < 2; ++i) {
    auto chain = crypto::Certificate::ChainFromPem(newest.alternate_chains_pem[i]);
    ASSERT_TRUE(chain.ok());
    const crypto::Certificate& anchor = material.roots[1 - i].certificate;
    Status s = crypto::VerifyChain(leaf, *chain, anchor, clock_.Now());
    EXPECT_TRUE(s.ok()) << "to root " << 2 - i << ": " << s.ToString();
  }
}

TEST_F(RootRolloverTest, AnOfflineRootsKeyIsNeededAndTheNewOneCanStayOfflineToo) {
  testing::TempDir offline;
  testing::TempDir vault;
  const std::string old_key = vault.path() + "/root-1.key";
  ASSERT_TRUE(CreateCa(offline.path(), options_, clock_, old_key).ok());
  auto without = RolloverRoot(offline.path(), options_, {}, clock_);
  EXPECT_EQ(without.status().code(), Code::kNotFound);
  EXPECT_NE(without.status().message().find("--root-key"), std::string::npos);

  RolloverOptions wrong;
  wrong.root_key_path = dir_.path() + "/ca/root.key";  // another CA's root
  EXPECT_EQ(RolloverRoot(offline.path(), options_, wrong, clock_).status().code(), Code::kInvalidArgument);

  RolloverOptions right;
  right.root_key_path = old_key;
  right.offline_root_key = vault.path() + "/root-2.key";
  right.common_name = "Example Root R2";
  auto rolled = RolloverRoot(offline.path(), options_, right, clock_);
  ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
  EXPECT_EQ(rolled->root.certificate.subject_common_name(), "Example Root R2");
  EXPECT_FALSE(FileExists(offline.path() + "/ca/root-2.key"));
  EXPECT_TRUE(FileExists(vault.path() + "/root-2.key"));
  // The new root's key is never overwritten by another rollover.
  EXPECT_EQ(RolloverRoot(offline.path(), options_, right, clock_).status().code(), Code::kInvalidArgument);
  RolloverOptions again = right;
  again.root_key_path = right.offline_root_key;
  EXPECT_EQ(RolloverRoot(offline.path(), options_, again, clock_).status().code(), Code::kConflict);

  // Each key is matched to its root.
  auto second = LoadRootKey(offline.path(), vault.path() + "/root-2.key");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->root.generation, 2);
  EXPECT_EQ(LoadRootKey(offline.path(), old_key, "", 2).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(LoadRootKey(offline.path(), "", "", 2).status().code(), Code::kNotFound);
}

TEST_F(RootRolloverTest, ACrossCertificateFromAnotherRootIsRefusedAtLoad) {
  ASSERT_TRUE(RolloverRoot(dir_.path(), options_, {}, clock_).ok());
  testing::TempDir other;
  ASSERT_TRUE(CreateCa(other.path(), options_, clock_).ok());
  ASSERT_TRUE(RolloverRoot(other.path(), options_, {}, clock_).ok());
  auto foreign = ReadFile(other.path() + "/ca/root-2.cross.pem");
  ASSERT_TRUE(foreign.ok());
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/ca/root-2.cross.pem", *foreign, 0644).ok());
  auto loaded = LoadCa(dir_.path(), options_, clock_.Now());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("root-2.cross.pem"), std::string::npos);
}

TEST_F(RootRolloverTest, EncryptKeysCoversEveryRootKeyInTheDataDirectory) {
  ASSERT_TRUE(RolloverRoot(dir_.path(), options_, {}, clock_).ok());
  CaOptions secret = options_;
  secret.key_passphrase = "correct horse";
  auto files = EncryptKeys(dir_.path(), secret);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_NE(std::find(files->begin(), files->end(), dir_.path() + "/ca/root-2.key"), files->end());
  EXPECT_EQ(ReadFile(dir_.path() + "/ca/root-2.key")->rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0), 0u);
  auto key = LoadRootKey(dir_.path(), "", secret.key_passphrase);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->root.generation, 2);
}

}  // namespace
}  // namespace anvil::ca
