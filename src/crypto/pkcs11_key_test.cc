#include "crypto/pkcs11_key.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

#include "crypto/certificate.h"
#include "support/softhsm.h"

namespace anvil::crypto {
namespace {

constexpr char kPin[] = "123456";

TEST(Pkcs11UriTest, AcceptsTokenAndObject) {
  EXPECT_TRUE(CheckPkcs11KeyUri("pkcs11:token=anvil;object=intermediate-2;type=private").ok());
  EXPECT_TRUE(CheckPkcs11KeyUri("pkcs11:serial=1234abcd;id=%02").ok());
  EXPECT_TRUE(CheckPkcs11KeyUri("pkcs11:slot-id=3;object=k?module-name=softhsm2").ok());
}

TEST(Pkcs11UriTest, RefusesAPinInTheUri) {
  for (const char* uri : {"pkcs11:token=anvil;object=k;pin-value=1234", "pkcs11:token=anvil;object=k?pin-value=1234",
                          "pkcs11:token=anvil;object=k?pin-source=file:/etc/pin"}) {
    Status s = CheckPkcs11KeyUri(uri);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << uri;
    EXPECT_NE(s.message().find("no PIN"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("1234"), std::string::npos) << "the PIN is repeated: " << s.message();
  }
}

TEST(Pkcs11UriTest, RefusesUrisThatNameNoSingleKey) {
  EXPECT_EQ(CheckPkcs11KeyUri("file:/etc/key.pem").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckPkcs11KeyUri("pkcs11:object=k").code(), Code::kInvalidArgument);       // which token?
  EXPECT_EQ(CheckPkcs11KeyUri("pkcs11:token=anvil").code(), Code::kInvalidArgument);    // which key?
  EXPECT_EQ(CheckPkcs11KeyUri("pkcs11:token=anvil;object=k;type=public").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckPkcs11KeyUri("pkcs11:token=my token;object=k").code(), Code::kInvalidArgument);  // not %20
  EXPECT_EQ(CheckPkcs11KeyUri("pkcs11:token=anvil;object=k\n").code(), Code::kInvalidArgument);
  EXPECT_TRUE(IsPkcs11Uri("pkcs11:token=a"));
  EXPECT_FALSE(IsPkcs11Uri("/var/lib/anvil/ca/intermediate.key"));
}

// Two tokens made once per process (SoftHSM2 and libp11 see the tokens that exist when the module is first
// loaded): "anvil", holding an EC P-256 key "intermediate" (id 01) and an RSA key "rsa" (id 02), both made here
// and imported so that their public halves are known; and "locked-out", never logged in to, for the wrong PIN.
class Pkcs11KeyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::SoftHsm::Installed()) return;
    hsm_ = new testing::SoftHsm;
    ec_key_ = new PrivateKey(PrivateKey::Generate(KeyType::kEcP256).value());
    rsa_key_ = new PrivateKey(PrivateKey::Generate(KeyType::kRsa2048).value());
    for (Status s : {hsm_->InitToken("anvil", kPin), hsm_->InitToken("locked-out", kPin),
                     hsm_->ImportKey("anvil", kPin, "intermediate", "01", *ec_key_),
                     hsm_->ImportKey("anvil", kPin, "rsa", "02", *rsa_key_),
                     hsm_->ImportKey("locked-out", kPin, "intermediate", "01", *ec_key_)}) {
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  static void TearDownTestSuite() {
    delete hsm_;
    delete ec_key_;
    delete rsa_key_;
  }
  void SetUp() override {
    if (hsm_ == nullptr) GTEST_SKIP() << "softhsm2 is not installed (scripts/install-deps)";
  }

  static Result<PrivateKey> Load(const std::string& uri, const std::string& pin = kPin) {
    return LoadPkcs11Key(uri, hsm_->module(), pin);
  }

  static inline testing::SoftHsm* hsm_ = nullptr;
  static inline PrivateKey* ec_key_ = nullptr;
  static inline PrivateKey* rsa_key_ = nullptr;
};

TEST_F(Pkcs11KeyTest, LoadsTheTokensKeyWhoseSignaturesVerifyWithItsPublicKey) {
  auto key = Load("pkcs11:token=anvil;object=intermediate;type=private");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->public_key(), ec_key_->public_key());
  auto signature = key->Sign(DigestAlg::kSha256, "to be signed");
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_TRUE(ec_key_->public_key().Verify(DigestAlg::kSha256, "to be signed", *signature));
  // The private half stays in the token: there is nothing to export.
  EXPECT_EQ(key->ToPem(), "");
  EXPECT_FALSE(key->ToEncryptedPem("passphrase").ok());
}

TEST_F(Pkcs11KeyTest, LoadsAnRsaKeyById) {
  auto key = Load("pkcs11:token=anvil;id=%02");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->public_key(), rsa_key_->public_key());
  auto signature = key->Sign(DigestAlg::kSha256, "to be signed");
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_TRUE(rsa_key_->public_key().Verify(DigestAlg::kSha256, "to be signed", *signature));
}

TEST_F(Pkcs11KeyTest, SignsACertificateAsTheIssuer) {
  auto key = Load("pkcs11:token=anvil;object=intermediate");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  CertificateTemplate ca;
  ca.serial = "\x01\x02";
  ca.subject.common_name = "Token CA";
  ca.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
  ca.not_after = ca.not_before + std::chrono::hours(48);
  ca.is_ca = true;
  ca.key_cert_sign = true;
  auto ca_cert = IssueCertificate(ca, key->public_key(), nullptr, *key);
  ASSERT_TRUE(ca_cert.ok()) << ca_cert.status().ToString();
  EXPECT_TRUE(ca_cert->IsSignedBy(ec_key_->public_key()));
}

// certificates are signed from many threads at once (every network thread, the CRL updater): libp11 takes a
// session per operation. Every signature of 8 threads signing at once must verify.
TEST_F(Pkcs11KeyTest, SignsFromManyThreadsAtOnce) {
  auto key = Load("pkcs11:token=anvil;object=intermediate");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  constexpr int kThreads = 8;
  constexpr int kEach = 250;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string data = "thread " + std::to_string(t) + " signature " + std::to_string(i);
        auto signature = key->Sign(DigestAlg::kSha256, data);
        if (!signature.ok() || !ec_key_->public_key().Verify(DigestAlg::kSha256, data, *signature)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failures.load(), 0);
  std::cout << kThreads * kEach << " signatures (and verifications) from " << kThreads << " threads in " << seconds
            << " s\n";
}

TEST_F(Pkcs11KeyTest, ASecondLoadOfTheSameKeyWorks) {
  ASSERT_TRUE(Load("pkcs11:token=anvil;object=intermediate").ok());
  auto again = Load("pkcs11:token=anvil;object=intermediate");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->public_key(), ec_key_->public_key());
}

TEST_F(Pkcs11KeyTest, AWrongPinIsUnauthorizedAndNotRepeated) {
  auto key = Load("pkcs11:token=locked-out;object=intermediate", "987654");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kUnauthorized) << key.status().ToString();
  EXPECT_NE(key.status().message().find("refused the PIN"), std::string::npos) << key.status().message();
  EXPECT_EQ(key.status().message().find("987654"), std::string::npos) << key.status().message();
}

TEST_F(Pkcs11KeyTest, AMissingObjectIsNotFound) {
  auto key = Load("pkcs11:token=anvil;object=no-such-key");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kNotFound);
  EXPECT_NE(key.status().message().find("has no such private key"), std::string::npos) << key.status().message();
  EXPECT_EQ(key.status().message().find(kPin), std::string::npos) << key.status().message();
}

TEST_F(Pkcs11KeyTest, AMissingTokenIsNotFound) {
  auto key = Load("pkcs11:token=no-such-token;object=intermediate");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kNotFound);
  EXPECT_NE(key.status().message().find("no token of"), std::string::npos) << key.status().message();
}

TEST_F(Pkcs11KeyTest, AMissingModuleIsNotFound) {
  auto key = LoadPkcs11Key("pkcs11:token=anvil;object=intermediate", hsm_->dir() + "/no-module.so", kPin);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kNotFound);
  EXPECT_NE(key.status().message().find("no PKCS #11 module at"), std::string::npos) << key.status().message();
}

TEST_F(Pkcs11KeyTest, AnEmptyPinIsRefusedBeforeTheToken) {
  auto key = Load("pkcs11:token=anvil;object=intermediate", "");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::crypto
