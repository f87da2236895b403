// The conformance suite (store_conformance.h): rate limits applied inside a write (storage::RateLimit). Every
// backend refuses the same write with the same kRateLimited and retry_after, and a refused write leaves
// nothing behind, not even the spend.
#include <chrono>
#include <string>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

RateLimit Limit(std::string key, int64_t count, std::chrono::seconds period,
                RateLimit::Mode mode = RateLimit::Mode::kSpend) {
  return RateLimit{std::move(key), count, period, mode, "new orders per account"};
}

Order OrderAt(const std::string& id, TimePoint at) {
  Order o = MakeOrder(id, "a1", {});
  o.created_at = at;
  return o;
}

TEST_P(StoreConformanceTest, AWriteOverItsRateLimitIsRateLimitedAndChangesNothing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  const std::vector<RateLimit> two_per_hour = {Limit("orders:a1", 2, hours(1))};
  ASSERT_OK(store_->CreateOrder(OrderAt("o1", kT0), {}, two_per_hour));
  ASSERT_OK(store_->CreateOrder(OrderAt("o2", kT0), {}, two_per_hour));
  Status third = store_->CreateOrder(OrderAt("o3", kT0), {}, two_per_hour);
  ASSERT_TRUE(HasCode(third, Code::kRateLimited));
  EXPECT_EQ(third.message(),
            "too many new orders per account (at most 2 per 1h); retry after 1800 s");
  EXPECT_EQ(third.retry_after(), 1800);
  EXPECT_TRUE(HasCode(store_->GetOrder("o3"), Code::kNotFound));
  // Another key is not affected; half an hour later one more is allowed (2 per hour: one every 30 minutes).
  ASSERT_OK(store_->CreateOrder(OrderAt("o4", kT0), {}, {Limit("orders:a2", 2, hours(1))}));
  EXPECT_TRUE(HasCode(store_->CreateOrder(OrderAt("o5", kT0 + minutes(29)), {}, two_per_hour),
                      Code::kRateLimited));
  ASSERT_OK(store_->CreateOrder(OrderAt("o6", kT0 + minutes(30)), {}, two_per_hour));
}

TEST_P(StoreConformanceTest, AWriteRefusedForItsOwnReasonSpendsNothing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  const std::vector<RateLimit> one_per_hour = {Limit("orders:a1", 1, hours(1))};
  ASSERT_OK(store_->CreateOrder(OrderAt("o1", kT0), {}));
  EXPECT_TRUE(HasCode(store_->CreateOrder(OrderAt("o1", kT0), {}, one_per_hour), Code::kConflict));
  ASSERT_OK(store_->CreateOrder(OrderAt("o2", kT0), {}, one_per_hour));
}

TEST_P(StoreConformanceTest, RecordedEventsNeverRefuseAndLaterChecksSeeThem) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  const std::string key = "failed:a1:dns:example.com";
  // Three failed validations recorded against a limit of two per hour: none of the completions is refused.
  for (const char* id : {"z1", "z2", "z3"}) {
    ASSERT_OK(store_->CreateOrder(OrderAt(std::string("o") + id, kT0), {MakeAuthorization(id, "a1", Dns("example.com"))}));
    ASSERT_OK(store_->CompleteChallenge(id, "c1", false, "{}", kT0, std::nullopt,
                                        {Limit(key, 2, hours(1), RateLimit::Mode::kRecord)}));
  }
  // A check refuses while the limit is exhausted and counts nothing itself.
  const std::vector<RateLimit> check = {Limit(key, 2, hours(1), RateLimit::Mode::kCheck)};
  EXPECT_TRUE(HasCode(store_->CreateOrder(OrderAt("late", kT0 + minutes(29)), {}, check), Code::kRateLimited));
  ASSERT_OK(store_->CreateOrder(OrderAt("later", kT0 + minutes(30)), {}, check));
  ASSERT_OK(store_->CreateOrder(OrderAt("again", kT0 + minutes(30)), {}, check));
}

TEST_P(StoreConformanceTest, RateLimitsApplyToAccountsAndIssuanceToo) {
  const std::vector<RateLimit> one_per_day = {Limit("accounts:192.0.2.1", 1, hours(24))};
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created"), one_per_day));
  EXPECT_TRUE(HasCode(store_->CreateAccount(MakeAccount("a2"), Note("account.created"), one_per_day),
                      Code::kRateLimited));
  EXPECT_TRUE(HasCode(store_->GetAccount("a2"), Code::kNotFound));
  EXPECT_EQ(AuditKinds(*store_), (std::vector<std::string>{"account.created"}));

  ASSERT_OK(store_->CreateOrder(OrderAt("o1", kT0), {}));
  ASSERT_OK(store_->CreateOrder(OrderAt("o2", kT0), {}));
  const std::vector<RateLimit> one_cert = {Limit("certificates:example.com", 1, hours(24))};
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  ASSERT_OK(store_->BeginIssuance(MakeCertificate("01", "o1", "a1"), OrderStatus::kReady, one_cert));
  EXPECT_TRUE(HasCode(store_->BeginIssuance(MakeCertificate("02", "o2", "a1"), OrderStatus::kReady, one_cert),
                      Code::kRateLimited));
  EXPECT_TRUE(HasCode(store_->GetCertificate("02"), Code::kNotFound));
  EXPECT_EQ(store_->GetOrder("o2")->status, OrderStatus::kReady);
}

}  // namespace
}  // namespace anvil::storage::testing
