// dns-01 (RFC 8555 §8.4) with TXT records served by pebble-challtestsrv.
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "crypto/digest.h"
#include "va/va_test_fixture.h"

namespace anvil::va {
namespace {

using acme::ChallengeType;
using acme::IdentifierType;
using std::chrono::milliseconds;

constexpr char kKeyAuthorization[] = "tok_abc-123.thumbprint";

class Dns01Test : public testing::ValidatorTest {
 protected:
  ValidationResult Run(const std::string& name, IdentifierType type = IdentifierType::kDns) {
    return RunOne(ValidatorOptions{},
                  Request(ChallengeType::kDns01, type, name, "tok_abc-123", kKeyAuthorization));
  }
  const std::string expected_ = base64url::Encode(crypto::Sha256(kKeyAuthorization));
};

TEST_F(Dns01Test, Valid) {
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", expected_).ok());
  ValidationResult r = Run("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].hostname, "example.test");
}

TEST_F(Dns01Test, ValidAmongOtherRecords) {
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", "left-over-from-yesterday").ok());
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", expected_).ok());
  EXPECT_TRUE(Run("example.test").status.ok());
}

TEST_F(Dns01Test, WildcardIsValidatedAtTheBaseName) {
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", expected_).ok());
  ValidationResult r = Run("*.example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST_F(Dns01Test, ValueThroughCnameIsValid) {
  ASSERT_TRUE(dns_->SetTxt("example.test.acme-delegation.test", expected_).ok());
  ASSERT_TRUE(dns_->SetCname("_acme-challenge.example.test", "example.test.acme-delegation.test").ok());
  ValidationResult r = Run("example.test");
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST_F(Dns01Test, WrongValueIsIncorrectResponseCountingRecords) {
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", "wrong").ok());
  ValidationResult r = Run("example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_EQ(r.status.message(),
            "Incorrect TXT record \"wrong\" found at _acme-challenge.example.test: 1 record, none matching");

  ASSERT_TRUE(dns_->ClearTxt("_acme-challenge.example.test").ok());
  for (const char* v : {"a", "b", "c"}) ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", v).ok());
  r = Run("example.test");
  EXPECT_EQ(r.status.code(), Code::kIncorrectResponse);
  EXPECT_NE(
      r.status.message().find("(and 2 more) found at _acme-challenge.example.test: 3 records, none matching"),
      std::string::npos)
      << r.status.message();
}

TEST_F(Dns01Test, ValueWithWhitespaceIsNotAccepted) {
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.example.test", expected_ + " ").ok());
  EXPECT_EQ(Run("example.test").status.code(), Code::kIncorrectResponse);
}

TEST_F(Dns01Test, NoRecordIsUnauthorized) {
  ValidationResult r = Run("example.test");
  EXPECT_EQ(r.status.code(), Code::kUnauthorized);
  EXPECT_EQ(r.status.message(), "No TXT record found at _acme-challenge.example.test");
}

TEST_F(Dns01Test, ServfailIsDnsProblem) {
  ASSERT_TRUE(dns_->SetServfail("_acme-challenge.example.test").ok());
  ValidationResult r = Run("example.test");
  EXPECT_EQ(r.status.code(), Code::kDns);
  EXPECT_EQ(r.status.message(), "DNS problem: SERVFAIL looking up TXT for _acme-challenge.example.test");
}

TEST_F(Dns01Test, IpIdentifierIsMalformed) {
  ValidationResult r = Run("127.0.0.1", IdentifierType::kIp);
  EXPECT_EQ(r.status.code(), Code::kMalformed);
  EXPECT_EQ(r.status.message(), "dns-01 cannot validate an IP identifier (RFC 8738 §7)");
}

// pebble-challtestsrv cannot answer NXDOMAIN; a scripted server does.
TEST(Dns01, NxdomainIsDnsProblem) {
  auto server = testing::ScriptedDnsServer::Start(testing::ScriptedDnsServer::Mode::kNxdomain);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto resolver =
      NewCaresResolver({.server = (*server)->address(), .timeout = milliseconds(2000), .tries = 1});
  ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
  ValidationRequest request;
  request.type = ChallengeType::kDns01;
  request.identifier = {IdentifierType::kDns, "missing.test"};
  request.token = "tok";
  request.key_authorization = "tok.thumb";
  ValidationResult r = ValidateDns01(request, **resolver);
  EXPECT_EQ(r.status.code(), Code::kDns);
  EXPECT_EQ(r.status.message(), "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.missing.test");
}

}  // namespace
}  // namespace anvil::va
