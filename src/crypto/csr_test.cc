#include "crypto/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace anvil::crypto {
namespace {

using testing::ElementsAre;

// `openssl req -new -key k -subj /CN=extra.example -addext "subjectAltName=DNS:extra.example,
// email:admin@example.com" -addext basicConstraints=CA:TRUE -addext keyUsage=digitalSignature`.
constexpr char kCsrWithExtraExtensionsPem[] = R"(-----BEGIN CERTIFICATE REQUEST-----
MIIBKzCB0wIBADAYMRYwFAYDVQQDDA1leHRyYS5leGFtcGxlMFkwEwYHKoZIzj0C
AQYIKoZIzj0DAQcDQgAED1eTmiC8qx+iSS9MYcaL0W3vCyAK9OugBulxukW+KEBu
+kSuu1Y9Mf2uKBgj6r/Nw2ne8+XvyDhR67J0QCV2O6BZMFcGCSqGSIb3DQEJDjFK
MEgwKwYDVR0RBCQwIoINZXh0cmEuZXhhbXBsZYERYWRtaW5AZXhhbXBsZS5jb20w
DAYDVR0TBAUwAwEB/zALBgNVHQ8EBAMCB4AwCgYIKoZIzj0EAwIDRwAwRAIgIr8+
lkjZtZRLep6gJsWDfblE7hu3WVUfp+ylGE3OW88CIAtS6/Y4bUVKWW4e8foadJ8B
1cYeHqQm77u6aiE7+gEF
-----END CERTIFICATE REQUEST-----
)";

TEST(Csr, CreateThenFromDerRoundTripsNamesAndKey) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  auto csr = Csr::Create(*key, {"example.com", "www.example.com"}, {"192.0.2.1", "2001:DB8:0:0:0:0:0:1"},
                         "example.com");
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  auto parsed = Csr::FromDer(csr->ToDer());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->VerifySignature());
  EXPECT_TRUE(parsed->public_key() == key->public_key());
  EXPECT_EQ(parsed->subject_common_name(), "example.com");
  EXPECT_THAT(parsed->dns_names(), ElementsAre("example.com", "www.example.com"));
  // IPv6 comes back in RFC 5952 canonical form.
  EXPECT_THAT(parsed->ip_addresses(), ElementsAre("192.0.2.1", "2001:db8::1"));
  EXPECT_TRUE(parsed->other_requested_extension_oids().empty());
  EXPECT_TRUE(parsed->other_san_entries().empty());
  EXPECT_EQ(parsed->ToDer(), csr->ToDer());
}

TEST(Csr, PemRoundTrip) {
  auto key = PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_TRUE(key.ok());
  auto csr = Csr::Create(*key, {"a.example"}, {});
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  std::string pem = csr->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u);
  auto parsed = Csr::FromPem(pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->VerifySignature());
  EXPECT_EQ(parsed->ToDer(), csr->ToDer());
  EXPECT_EQ(parsed->subject_common_name(), "");
  EXPECT_THAT(parsed->dns_names(), ElementsAre("a.example"));
}

TEST(Csr, WorksWithRsaKeys) {
  auto key = PrivateKey::Generate(KeyType::kRsa2048);
  ASSERT_TRUE(key.ok());
  auto csr = Csr::Create(*key, {"rsa.example"}, {"::1"});
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_TRUE(csr->VerifySignature());
  EXPECT_THAT(csr->ip_addresses(), ElementsAre("::1"));
}

TEST(Csr, VerifySignatureFailsAfterFlippingASignatureByte) {
  auto key = PrivateKey::Generate(KeyType::kEcP384);
  ASSERT_TRUE(key.ok());
  auto csr = Csr::Create(*key, {"example.org"}, {});
  ASSERT_TRUE(csr.ok());
  std::string der = csr->ToDer();
  der.back() ^= 0x01;  // The last byte belongs to s of the ECDSA-Sig-Value.
  auto tampered = Csr::FromDer(der);
  ASSERT_TRUE(tampered.ok()) << tampered.status().ToString();
  EXPECT_FALSE(tampered->VerifySignature());
}

TEST(Csr, GarbageIsBadCsr) {
  EXPECT_EQ(Csr::FromDer("").status().code(), Code::kBadCsr);
  EXPECT_EQ(Csr::FromDer(std::string_view()).status().code(), Code::kBadCsr);
  EXPECT_EQ(Csr::FromPem(std::string_view()).status().code(), Code::kBadCsr);
  EXPECT_EQ(Csr::FromDer("definitely not DER").status().code(), Code::kBadCsr);
  EXPECT_EQ(Csr::FromPem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
                .status()
                .code(),
            Code::kBadCsr);
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  auto csr = Csr::Create(*key, {"example.com"}, {});
  ASSERT_TRUE(csr.ok());
  EXPECT_EQ(Csr::FromDer(csr->ToDer() + "x").status().code(), Code::kBadCsr);
  EXPECT_EQ(Csr::FromDer(csr->ToDer().substr(0, 40)).status().code(), Code::kBadCsr);
}

TEST(Csr, ReportsOtherExtensionsAndSanTypes) {
  auto csr = Csr::FromPem(kCsrWithExtraExtensionsPem);
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_TRUE(csr->VerifySignature());
  EXPECT_EQ(csr->subject_common_name(), "extra.example");
  EXPECT_THAT(csr->dns_names(), ElementsAre("extra.example"));
  EXPECT_THAT(csr->other_san_entries(), ElementsAre("email:admin@example.com"));
  EXPECT_THAT(csr->other_requested_extension_oids(), ElementsAre("2.5.29.19", "2.5.29.15"));
}

// `openssl req -new -key k -subj "/CN=a.example.com/CN=evil.example.net" -addext subjectAltName=DNS:a.example.com`.
constexpr char kCsrWithTwoCommonNamesPem[] = R"(-----BEGIN CERTIFICATE REQUEST-----
MIIBGDCBwAIBADAzMRYwFAYDVQQDDA1hLmV4YW1wbGUuY29tMRkwFwYDVQQDDBBl
dmlsLmV4YW1wbGUubmV0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtSN7Ncou
a9BleB+pAD4shYp2THfAfMvRhz9KYrXsbIWimNR/E8+eSnZvIEhSc4auL483AwSw
L2ZmFHrHUCybk6ArMCkGCSqGSIb3DQEJDjEcMBowGAYDVR0RBBEwD4INYS5leGFt
cGxlLmNvbTAKBggqhkjOPQQDAgNHADBEAiBEUgP+kXEzaBkpKFaRexggkYuDcsBb
CfQT9h2zZAYBMAIgNeneAnEb3+1NkzpyFuzTxCXDJP6rgku/+fn85FHR0SM=
-----END CERTIFICATE REQUEST-----
)";

TEST(Csr, ASubjectWithTwoCommonNamesIsBadCsr) {
  auto csr = Csr::FromPem(kCsrWithTwoCommonNamesPem);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.status().code(), Code::kBadCsr);
  EXPECT_EQ(csr.status().message(), "CSR subject has more than one commonName");
}

TEST(Csr, CreateRejectsBadInput) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(Csr::Create(*key, {}, {"300.1.1.1"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(*key, {}, {"fe80::1%eth0"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(*key, {}, {std::string("192.0.2.1\0.5", 13)}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(*key, {""}, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(*key,
                        {"b\xc3\xbc"
                         "cher.example"},
                        {})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Csr::Create(*key, {"example.com"}, {}, std::string(65, 'a')).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::crypto
