// The RA's side of CAA (RFC 8659 §3, RFC 8657): what a validation request tells the VA (wildcard, account
// URL), and the re-check before finalize of authorizations validated longer ago than caa_recheck_after:
// refused with the VA's problem and one subproblem per identifier, the order left ready, nothing signed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary
using std::chrono::hours;

constexpr char kAccountUrls[] = "https://ca.anvil.test/acme/acct/";

RaOptions CaaOptions(bool check_caa = true) {
  RaOptions o = Options();
  o.check_caa = check_caa;
  o.caa_recheck_after = hours(8);
  o.account_url_prefix = kAccountUrls;
  return o;
}

class CaaRecheckTest : public RegistrationAuthorityTest {
 protected:
  CaaRecheckTest() : RegistrationAuthorityTest(CaaOptions()) {}

  // An account whose order for `names` is ready, its authorizations validated now.
  std::pair<storage::Account, storage::Order> Ready(const std::vector<std::string>& names) {
    storage::Account account = NewAccount();
    storage::Order order = NewOrder(account, names);
    RespondToAll(account, order);
    return {account, order};
  }
};

TEST_F(CaaRecheckTest, ValidationRequestCarriesWildcardAndAccountUrl) {
  auto [account, order] = Ready({"*.example.com"});
  ASSERT_EQ(validator_.seen().size(), 1u);
  const va::ValidationRequest request = validator_.seen().front();
  EXPECT_EQ(request.identifier.value, "example.com");
  EXPECT_TRUE(request.wildcard);
  EXPECT_EQ(request.account_uri, kAccountUrls + account.id);
}

TEST_F(CaaRecheckTest, RecentAuthorizationsAreNotCheckedAgain) {
  auto [account, order] = Ready({"a.example.com"});
  clock_.Advance(hours(8));  // exactly the window: still recent
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_TRUE(validator_.caa_seen().empty());
}

TEST_F(CaaRecheckTest, StaleAuthorizationsAreCheckedWithTheirMethodAndAccount) {
  auto [account, order] = Ready({"a.example.com", "*.b.example.com"});
  clock_.Advance(hours(9));
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com", "*.b.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, OrderStatus::kValid);
  std::vector<va::CaaCheck> checks = validator_.caa_seen();
  ASSERT_EQ(checks.size(), 2u);
  std::sort(checks.begin(), checks.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  EXPECT_EQ(checks[0].name, "a.example.com");
  EXPECT_FALSE(checks[0].wildcard);
  EXPECT_EQ(checks[1].name, "b.example.com");
  EXPECT_TRUE(checks[1].wildcard);
  // The method of the challenge RespondToAll answered: a wildcard's only challenge is dns-01.
  EXPECT_EQ(checks[0].method, acme::ChallengeType::kHttp01);
  EXPECT_EQ(checks[1].method, acme::ChallengeType::kDns01);
  for (const auto& c : checks) EXPECT_EQ(c.account_uri, kAccountUrls + account.id);
}

TEST_F(CaaRecheckTest, AForbiddingRecordRefusesFinalizeAndLeavesTheOrderReady) {
  auto [account, order] = Ready({"a.example.com", "c.example.com"});
  clock_.Advance(hours(9));
  validator_.set_caa_result("c.example.com",
                            Error(Code::kCaa,
                                  "CAA record for example.com prevents issuance: no issue property "
                                  "names this CA"));
  auto refused = ra_.Finalize(account, order.id, Csr({"a.example.com", "c.example.com"}));
  ASSERT_EQ(refused.status().code(), Code::kCaa);
  EXPECT_EQ(refused.status().message(),
            "CAA record for example.com prevents issuance: no issue property names this CA");
  ASSERT_EQ(refused.status().subproblems().size(), 1u);
  EXPECT_EQ(refused.status().subproblems()[0].identifier_value, "c.example.com");
  EXPECT_EQ(refused.status().subproblems()[0].code, Code::kCaa);
  EXPECT_TRUE(issuer_.requests().empty());
  auto still = ra_.GetOrder(order.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, OrderStatus::kReady);
  // Once the records permit it, the same order is finalized.
  validator_.set_caa_result("c.example.com", Status::Ok());
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com", "c.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, OrderStatus::kValid);
}

TEST_F(CaaRecheckTest, SeveralFailuresAreSubproblemsUnderOneProblem) {
  auto [account, order] = Ready({"a.example.com", "*.b.example.com"});
  clock_.Advance(hours(9));
  validator_.set_caa_result("a.example.com",
                            Error(Code::kDns, "DNS problem: SERVFAIL looking up CAA for a.example.com"));
  validator_.set_caa_result("b.example.com",
                            Error(Code::kCaa, "CAA record for b.example.com prevents issuance"));
  auto refused = ra_.Finalize(account, order.id, Csr({"a.example.com", "*.b.example.com"}));
  ASSERT_EQ(refused.status().code(), Code::kCaa);
  EXPECT_EQ(refused.status().message(),
            "several identifiers failed the CAA check before issuance; see subproblems");
  ASSERT_EQ(refused.status().subproblems().size(), 2u);
  std::set<std::string> values;
  const Status status = refused.status();  // status() returns a copy: keep it for the loop
  for (const auto& sub : status.subproblems()) values.insert(sub.identifier_value);
  EXPECT_EQ(values, (std::set<std::string>{"a.example.com", "*.b.example.com"}));
}

TEST_F(CaaRecheckTest, AFullValidatorQueueRefusesFinalizeAsRateLimited) {
  auto [account, order] = Ready({"a.example.com"});
  clock_.Advance(hours(9));
  validator_.set_refuse(true);
  auto refused = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  EXPECT_EQ(refused.status().code(), Code::kRateLimited);
  EXPECT_TRUE(issuer_.requests().empty());
}

class CaaOffTest : public RegistrationAuthorityTest {
 protected:
  CaaOffTest() : RegistrationAuthorityTest(CaaOptions(/*check_caa=*/false)) {}
};

TEST_F(CaaOffTest, NothingIsCheckedAgainWhenCaaIsOff) {
  auto [account, order] = ReadyOrder();
  clock_.Advance(hours(9));
  validator_.set_caa_result("a.example.com", Error(Code::kCaa, "would refuse"));
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_TRUE(validator_.caa_seen().empty());
}

}  // namespace
}  // namespace anvil::ra
