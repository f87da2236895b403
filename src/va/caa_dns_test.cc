// CAA over real DNS: the c-ares resolver's CAA look-ups against pebble-challtestsrv (records, SERVFAIL) and
// BIND's named (the critical flag, CNAMEs, NXDOMAIN), and the production validator refusing a proven dns-01
// challenge whose CAA records name another CA. Loopback only; skipped when the peers are not installed.
#include <gtest/gtest.h>

#include "base/base64url.h"
#include "crypto/digest.h"
#include "support/named.h"
#include "va/network_validator.h"
#include "va/va_test_fixture.h"

namespace anvil::va {
namespace {

using testing::CaaCheckOf;

using std::chrono::milliseconds;

const std::vector<std::string> kUs = {"ca.anvil.test"};

class CaaChallTestSrvTest : public testing::ValidatorTest {};

TEST_F(CaaChallTestSrvTest, ResolverReadsEveryNameAtOnce) {
  ASSERT_TRUE(
      dns_->AddCaa("example.test", {{"issue", "ca.anvil.test"}, {"iodef", "mailto:a@example.test"}}).ok());
  auto sets = resolver_->LookupCaa({"www.example.test", "example.test"});
  ASSERT_EQ(sets.size(), 2u);
  ASSERT_TRUE(sets[0].ok()) << sets[0].status().ToString();
  EXPECT_TRUE(sets[0]->empty());
  ASSERT_TRUE(sets[1].ok()) << sets[1].status().ToString();
  ASSERT_EQ(sets[1]->size(), 2u);
  EXPECT_EQ((*sets[1])[0], (CaaRecord{0, "issue", "ca.anvil.test"}));
  EXPECT_EQ((*sets[1])[1], (CaaRecord{0, "iodef", "mailto:a@example.test"}));
}

TEST_F(CaaChallTestSrvTest, ParentRecordsDecideForChildren) {
  ASSERT_TRUE(dns_->AddCaa("example.test", {{"issue", "other.example"}}).ok());
  ASSERT_TRUE(dns_->AddCaa("ours.example.test", {{"issue", "ca.anvil.test"}}).ok());
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("a.b.ours.example.test"), kUs, *resolver_).ok());
  Status s = ValidateCaa(CaaCheckOf("a.b.theirs.example.test"), kUs, *resolver_);
  EXPECT_EQ(s.code(), Code::kCaa);
  EXPECT_EQ(s.message(), "CAA record for example.test prevents issuance: no issue property names this CA");
}

TEST_F(CaaChallTestSrvTest, ServfailRefusesWithDnsProblem) {
  ASSERT_TRUE(dns_->AddCaa("example.test", {{"issue", "ca.anvil.test"}}).ok());
  ASSERT_TRUE(dns_->SetServfail("broken.example.test").ok());
  Status s = ValidateCaa(CaaCheckOf("broken.example.test"), kUs, *resolver_);
  EXPECT_EQ(s.code(), Code::kDns);
  EXPECT_EQ(s.message(), "DNS problem: SERVFAIL looking up CAA for broken.example.test");
}

// Proven by dns-01, then refused by CAA: the challenge fails with the caa problem.
TEST_F(CaaChallTestSrvTest, ValidatorRefusesProvenChallengeWhenCaaNamesAnotherCa) {
  const std::string key_authorization = "tok_abc-123.thumbprint";
  const std::string digest = base64url::Encode(crypto::Sha256(key_authorization));
  ASSERT_TRUE(dns_->SetTxt("_acme-challenge.www.example.test", digest).ok());
  ASSERT_TRUE(
      dns_->AddCaa("example.test", {{"issue", "other.example"}, {"issuewild", "ca.anvil.test"}}).ok());
  ValidatorOptions options;
  options.caa_identities = kUs;
  auto request = Request(acme::ChallengeType::kDns01, acme::IdentifierType::kDns, "www.example.test");
  ValidationResult refused = RunOne(options, request);
  EXPECT_EQ(refused.status.code(), Code::kCaa);
  EXPECT_EQ(refused.status.message(),
            "CAA record for example.test prevents issuance: no issue property names this CA");
  // The wildcard authorization of the same name is allowed by issuewild.
  request.wildcard = true;
  EXPECT_TRUE(RunOne(options, request).status.ok());
  // Without CAA identities the CA does not look.
  EXPECT_TRUE(RunOne(ValidatorOptions{}, request).status.ok());
}

TEST_F(CaaChallTestSrvTest, CheckCaaAnswersOnTheValidatorsFiber) {
  ASSERT_TRUE(dns_->AddCaa("example.test", {{"issue", "ca.anvil.test; validationmethods=http-01"}}).ok());
  ValidatorOptions options;
  options.caa_identities = kUs;
  auto validator = NewValidator(options, resolver_);
  auto check = [&](acme::ChallengeType method) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    CaaCheck c = CaaCheckOf("example.test");
    c.method = method;
    Status queued = validator->CheckCaa(c, [promise](Status s) { promise->set_value(std::move(s)); });
    if (!queued.ok()) return queued;
    if (future.wait_for(kBound) != std::future_status::ready) return Error(Code::kInternal, "no answer");
    return future.get();
  };
  EXPECT_TRUE(check(acme::ChallengeType::kHttp01).ok());
  Status dns01 = check(acme::ChallengeType::kDns01);
  EXPECT_EQ(dns01.code(), Code::kCaa);
  EXPECT_EQ(dns01.message(),
            "CAA record for example.test prevents issuance: the issue property naming this CA: its "
            "validationmethods do not include dns-01");
}

// named serves what challtestsrv cannot: flags, CNAMEs to CAA records, NXDOMAIN below a CAA record.
class CaaNamedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto named = anvil::testing::NamedServer::Start("caa.test", R"(@ CAA 0 issue "ca.anvil.test"
critical CAA 0 issue "ca.anvil.test"
critical CAA 128 tbs "unknown"
reserved CAA 1 tbs "unknown"
reserved CAA 0 issue "ca.anvil.test"
theirs CAA 0 issue "other.example"
alias CNAME theirs
mixed CAA 0 ISSUE "ca.anvil.test"
)");
    if (named.status().code() == Code::kUnavailable) GTEST_SKIP() << named.status().ToString();
    ASSERT_TRUE(named.ok()) << named.status().ToString();
    named_ = std::move(named).value();
    auto resolver =
        NewCaresResolver({.server = named_->dns_server(), .timeout = milliseconds(3000), .tries = 2});
    ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
    resolver_ = std::move(resolver).value();
  }

  std::unique_ptr<anvil::testing::NamedServer> named_;
  std::unique_ptr<DnsResolver> resolver_;
};

TEST_F(CaaNamedTest, CriticalUnknownPropertyForbids) {
  Status s = ValidateCaa(CaaCheckOf("critical.caa.test"), kUs, *resolver_);
  EXPECT_EQ(s.code(), Code::kCaa);
  EXPECT_EQ(s.message(),
            "CAA record for critical.caa.test prevents issuance: unknown critical property \"tbs\"");
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("reserved.caa.test"), kUs, *resolver_).ok());
}

TEST_F(CaaNamedTest, CnameIsFollowedAndNxdomainClimbs) {
  Status alias = ValidateCaa(CaaCheckOf("alias.caa.test"), kUs, *resolver_);
  EXPECT_EQ(alias.code(), Code::kCaa);
  EXPECT_EQ(alias.message(),
            "CAA record for alias.caa.test prevents issuance: no issue property names this CA");
  // www.caa.test does not exist (NXDOMAIN): the zone apex decides.
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("www.caa.test"), kUs, *resolver_).ok());
  // Tags match case-insensitively.
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("mixed.caa.test"), kUs, *resolver_).ok());
}

TEST_F(CaaNamedTest, RefusedAboveTheZoneIsIrrelevantBelowAFoundRrset) {
  // named is authoritative for caa.test only: "test" is REFUSED, but the RRset at caa.test decides first.
  EXPECT_TRUE(ValidateCaa(CaaCheckOf("www.caa.test"), kUs, *resolver_).ok());
  // A name with no RRset on the way up reaches the refusal: the records are unknown, so no issuance.
  Status s = ValidateCaa(CaaCheckOf("www.elsewhere.test"), kUs, *resolver_);
  EXPECT_EQ(s.code(), Code::kDns);
  EXPECT_EQ(s.message(), "DNS problem: REFUSED looking up CAA for www.elsewhere.test");
}

}  // namespace
}  // namespace anvil::va
