// The RA tells its RaObserver (RaOptions::observer) of issuances, validations, rate-limit refusals and policy
// refusals, each with its fixed label (docs/metrics.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary
using ::testing::ElementsAre;

class RecordingObserver final : public RaObserver {
 public:
  void IssuanceEnded(std::string_view outcome) override { Add("issuance " + std::string(outcome)); }
  void ValidationEnded(std::string_view type, std::string_view outcome) override {
    Add("validation " + std::string(type) + " " + std::string(outcome));
  }
  void RateLimited(std::string_view limit) override { Add("rate-limited " + std::string(limit)); }
  void PolicyRefused(std::string_view rule) override { Add("policy " + std::string(rule)); }

  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  void Add(std::string e) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(e));
  }
  std::mutex mu_;
  std::vector<std::string> events_;
};

// A base constructed before the fixture's RA, which points at the observer.
struct ObserverHolder {
  RecordingObserver observer;
};

RaOptions ObservedOptions(RaObserver* observer) {
  RaOptions o = Options();
  o.limits.new_orders_per_account = {2, std::chrono::hours(1)};
  o.observer = observer;
  return o;
}

class RaObserverTest : protected ObserverHolder, public RegistrationAuthorityTest {
 protected:
  RaObserverTest() : RegistrationAuthorityTest(ObservedOptions(&observer)) {}
};

TEST_F(RaObserverTest, AnIssuanceReportsItsValidationAndItsOutcome) {
  auto [account, order] = ReadyOrder();
  ASSERT_TRUE(ra_.Finalize(account, order.id, Csr({"a.example.com"})).ok());
  EXPECT_THAT(observer.Events(), ElementsAre("validation http-01 valid", "issuance issued"));
}

TEST_F(RaObserverTest, AFailedValidationIsInvalidAndAFailedSigningAbandoned) {
  storage::Account account = NewAccount();
  validator_.set_result(Error(Code::kUnauthorized, "wrong key authorization"));
  storage::Order failing = NewOrder(account, {"b.example.com"});
  RespondToAll(account, failing);
  validator_.set_result(Status::Ok());
  storage::Order order = NewOrder(account, {"a.example.com"});
  RespondToAll(account, order);
  issuer_.set_fail_signing(true);
  EXPECT_FALSE(ra_.Finalize(account, order.id, Csr({"a.example.com"})).ok());
  EXPECT_THAT(observer.Events(),
              ElementsAre("validation http-01 invalid", "validation http-01 valid", "issuance abandoned"));
}

TEST_F(RaObserverTest, RateLimitRefusalsNameTheLimit) {
  storage::Account account = NewAccount();
  NewOrder(account, {"a.example.com"});
  NewOrder(account, {"b.example.com"});
  NewOrderRequest third;
  third.identifiers.emplace_back("dns", "c.example.com");
  ASSERT_EQ(ra_.NewOrder(account, third).status().code(), Code::kRateLimited);
  EXPECT_THAT(observer.Events(), ElementsAre("rate-limited new_orders_per_account"));
}

TEST_F(RaObserverTest, AFullValidatorQueueIsReportedAsValidatorQueue) {
  storage::Account account = NewAccount();
  storage::Order order = NewOrder(account, {"a.example.com"});
  validator_.set_refuse(true);
  auto authz = ra_.GetAuthorization(order.authorization_ids.front());
  ASSERT_TRUE(authz.ok());
  EXPECT_EQ(ra_.RespondToChallenge(account, authz->id, authz->challenges.front().id).status().code(),
            Code::kRateLimited);
  EXPECT_THAT(observer.Events(), ElementsAre("rate-limited validator_queue"));
}

TEST_F(RaObserverTest, PolicyRefusalsNameTheRule) {
  PolicyRules rules;
  rules.denied_domains = {"forbidden.example"};
  rules.allow_wildcards = false;
  rules.max_identifiers = 2;
  rules.key_types = {"ec384"};
  RegistrationAuthority ra(ObservedOptions(&observer), *Policy::Create(rules), store_, validator_, issuer_, clock_);
  storage::Account account = NewAccount();
  NewOrderRequest denied;
  denied.identifiers = {{"dns", "www.forbidden.example"}, {"dns", "*.example.com"}};
  EXPECT_EQ(ra.NewOrder(account, denied).status().code(), Code::kRejectedIdentifier);
  NewOrderRequest many;
  many.identifiers = {{"dns", "a.example.com"}, {"dns", "b.example.com"}, {"dns", "c.example.com"}};
  EXPECT_EQ(ra.NewOrder(account, many).status().code(), Code::kMalformed);
  EXPECT_EQ(ra.NewAuthorization(account, "dns", "x.forbidden.example").status().code(), Code::kRejectedIdentifier);
  NewOrderRequest ok;
  ok.identifiers = {{"dns", "a.example.com"}};
  auto order = ra.NewOrder(account, ok);
  ASSERT_TRUE(order.ok());
  for (const auto& authz_id : order->authorization_ids) {
    auto authz = ra.GetAuthorization(authz_id);
    ASSERT_TRUE(authz.ok());
    ASSERT_TRUE(ra.RespondToChallenge(account, authz_id, authz->challenges.front().id).ok());
  }
  EXPECT_EQ(ra.Finalize(account, order->id, Csr({"a.example.com"})).status().code(), Code::kBadCsr);  // P-256
  EXPECT_THAT(observer.Events(),
              ElementsAre("policy denied_domains", "policy allow_wildcards", "policy max_identifiers",
                          "policy denied_domains", "validation http-01 valid", "policy key_types"));
}

}  // namespace
}  // namespace anvil::ra
