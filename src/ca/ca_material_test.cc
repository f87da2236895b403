#include "ca/ca_material.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/file.h"
#include "ca/ca_lifecycle.h"
#include "support/temp_dir.h"

namespace anvil::ca {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

class CaMaterialTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  SystemClock clock_;
  CaOptions config_;
};

TEST_F(CaMaterialTest, CreatesRootAndIntermediateWithPrivateKeyFiles) {
  ASSERT_TRUE(CreateCa(dir_.path(), config_, clock_).ok());
  auto paths = CaPaths::In(dir_.path());
  EXPECT_EQ(ModeOf(paths.root_key), 0600u);
  EXPECT_EQ(ModeOf(paths.intermediate_key), 0600u);
  auto ca = LoadCa(dir_.path(), config_);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  EXPECT_TRUE(ca->root.is_ca());
  EXPECT_TRUE(ca->intermediate.is_ca());
  EXPECT_EQ(ca->root.public_key().curve(), crypto::Curve::kP384);
  EXPECT_EQ(ca->intermediate.public_key().curve(), crypto::Curve::kP256);
  EXPECT_TRUE(ca->root.IsSignedBy(ca->root.public_key()));
  EXPECT_TRUE(ca->intermediate.IsSignedBy(ca->root.public_key()));
  EXPECT_EQ(ca->intermediate.authority_key_id(), ca->root.subject_key_id());
  EXPECT_EQ(ca->root.subject_common_name(), "Anvil Root CA");
  auto years = std::chrono::duration_cast<std::chrono::hours>(ca->root.not_after() - ca->root.not_before()).count() / 24 / 365;
  EXPECT_EQ(years, 10);
  EXPECT_TRUE(crypto::VerifyChain(ca->intermediate, {}, ca->root, clock_.Now()).ok());
}

TEST_F(CaMaterialTest, SecondStartReusesTheCa) {
  auto first = LoadOrCreateCa(dir_.path(), config_, clock_);
  auto second = LoadOrCreateCa(dir_.path(), config_, clock_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(FingerprintText(first->intermediate), FingerprintText(second->intermediate));
  EXPECT_EQ(CreateCa(dir_.path(), config_, clock_).code(), Code::kConflict);
}

TEST_F(CaMaterialTest, AGenerationWhoseKeyIsMissingStopsTheStartNamingTheFile) {
  ASSERT_TRUE(LoadOrCreateCa(dir_.path(), config_, clock_).ok());
  ASSERT_TRUE(RotateIntermediate(dir_.path(), config_, {}, clock_).ok());
  const CaPaths paths = CaPaths::In(dir_.path());
  for (int generation : {2, 1}) {
    SCOPED_TRACE(generation);
    ASSERT_TRUE(std::filesystem::remove(paths.Intermediate(generation, "key")));
    // Broken, not absent: neither the later generations vanish nor does LoadOrCreateCa try to make a CA.
    auto loaded = LoadOrCreateCa(dir_.path(), config_, clock_);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument) << loaded.status().ToString();
    EXPECT_NE(loaded.status().message().find(paths.Intermediate(generation, "key")), std::string::npos)
        << loaded.status().message();
  }
}

TEST_F(CaMaterialTest, ImportsAnExistingHierarchyAndChecksIt) {
  testing::TempDir source;
  ASSERT_TRUE(CreateCa(source.path(), config_, clock_).ok());
  auto src = CaPaths::In(source.path());
  ASSERT_TRUE(ImportCa(dir_.path(), src.root_cert, src.intermediate_cert, src.intermediate_key).ok());
  auto imported = LoadCa(dir_.path(), config_);
  ASSERT_TRUE(imported.ok());
  EXPECT_FALSE(FileExists(CaPaths::In(dir_.path()).root_key));  // the root key is never needed
  // A key that does not belong to the intermediate is refused.
  testing::TempDir other, target;
  ASSERT_TRUE(CreateCa(other.path(), config_, clock_).ok());
  Status bad = ImportCa(target.path(), src.root_cert, src.intermediate_cert, CaPaths::In(other.path()).intermediate_key);
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  // An intermediate not signed by the root is refused.
  bad = ImportCa(target.path(), CaPaths::In(other.path()).root_cert, src.intermediate_cert, src.intermediate_key);
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
}

TEST_F(CaMaterialTest, ServerTlsCertificateIsReusedUntilNamesChange) {
  auto ca = LoadOrCreateCa(dir_.path(), config_, clock_);
  ASSERT_TRUE(ca.ok());
  auto first = LoadOrIssueServerTls(dir_.path(), *ca, {"localhost", "127.0.0.1", "::1"}, clock_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto chain = crypto::Certificate::ChainFromPem(first->first);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].dns_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ((*chain)[0].ip_addresses().size(), 2u);
  EXPECT_TRUE(crypto::VerifyChain((*chain)[0], {(*chain)[1]}, ca->root, clock_.Now()).ok());
  EXPECT_EQ(ModeOf(dir_.path() + "/tls/server.key"), 0600u);
  auto again = LoadOrIssueServerTls(dir_.path(), *ca, {"localhost", "127.0.0.1"}, clock_);
  EXPECT_EQ(again->first, first->first);
  auto more = LoadOrIssueServerTls(dir_.path(), *ca, {"localhost", "acme.internal"}, clock_);
  EXPECT_NE(more->first, first->first);
}

}  // namespace
}  // namespace anvil::ca
