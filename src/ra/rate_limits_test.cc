// The RA's bounds (RFC 8555 §6.6, limits.* of docs/configuration.md): rate limits, each refusal rateLimited
// with a Retry-After and a detail naming the limit, creating nothing, counted in the store so that a new RA
// over the same store (a restart) keeps them; caps on an account's open orders and pending authorizations;
// identical open orders reused.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary
using std::chrono::hours;

RaOptions LimitedOptions() {
  RaOptions o = Options();
  o.limits.new_accounts_per_ip = {2, hours(1)};
  o.limits.new_orders_per_account = {3, hours(3)};
  o.limits.failed_validations_per_identifier = {2, hours(1)};
  o.limits.certificates_per_domain = {2, hours(24 * 7)};
  return o;
}

class RateLimitTest : public RegistrationAuthorityTest {
 protected:
  RateLimitTest() : RegistrationAuthorityTest(LimitedOptions()) {}

  Result<NewAccountResult> NewAccountFrom(const std::string& address) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    NewAccountRequest request{jose::Jwk::FromPublicKey(key->public_key()), {}, true, false, std::nullopt, "",
                              address};
    return ra_.NewAccount(request);
  }
  Result<storage::Order> TryOrder(const storage::Account& account, const std::string& name) {
    NewOrderRequest request;
    request.identifiers.emplace_back("dns", name);
    return ra_.NewOrder(account, request);
  }
};

TEST_F(RateLimitTest, NewAccountsPerAddressAreLimitedAndCountedPerIpv6Slash64) {
  ASSERT_TRUE(NewAccountFrom("192.0.2.1").ok());
  ASSERT_TRUE(NewAccountFrom("192.0.2.1").ok());
  auto third = NewAccountFrom("192.0.2.1");
  ASSERT_EQ(third.status().code(), Code::kRateLimited);
  EXPECT_EQ(third.status().message(),
            "too many new accounts from one IP address (at most 2 per 1h); retry after 1800 s");
  EXPECT_EQ(third.status().retry_after(), 1800);
  EXPECT_TRUE(NewAccountFrom("192.0.2.2").ok());
  ASSERT_TRUE(NewAccountFrom("2001:db8:1:2::1").ok());
  ASSERT_TRUE(NewAccountFrom("2001:db8:1:2::2").ok());
  EXPECT_EQ(NewAccountFrom("2001:db8:1:2:ffff::9").status().code(), Code::kRateLimited);
  EXPECT_TRUE(NewAccountFrom("2001:db8:1:3::1").ok());
}

TEST_F(RateLimitTest, NewOrdersPerAccountAreLimitedAndHoldAcrossARestart) {
  storage::Account account = NewAccount();
  for (const char* name : {"a.example.com", "b.example.com", "c.example.com"}) {
    ASSERT_TRUE(TryOrder(account, name).ok()) << name;
  }
  auto fourth = TryOrder(account, "d.example.com");
  ASSERT_EQ(fourth.status().code(), Code::kRateLimited);
  EXPECT_EQ(fourth.status().retry_after(), 3600);
  auto listed = ra_.ListOrders(account, "", 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);  // the refused order was not created
  // Another account has its own count.
  EXPECT_TRUE(TryOrder(NewAccount(), "d.example.com").ok());
  // A new RA over the same store (anvil-ca restarted) finds the count where it was.
  RegistrationAuthority restarted(LimitedOptions(), *Policy::Create(PolicyRules{}), store_, validator_, issuer_,
                                  clock_);
  NewOrderRequest request;
  request.identifiers.emplace_back("dns", "d.example.com");
  EXPECT_EQ(restarted.NewOrder(account, request).status().code(), Code::kRateLimited);
  clock_.Advance(hours(1));
  EXPECT_TRUE(restarted.NewOrder(account, request).ok());
}

TEST_F(RateLimitTest, FailedValidationsForAnIdentifierStopNewOrdersForIt) {
  storage::Account account = NewAccount();
  validator_.set_result(Error(Code::kIncorrectResponse, "wrong key authorization"));
  for (int i = 0; i < 2; ++i) RespondToAll(account, NewOrder(account, {"flaky.example.com"}));
  auto refused = TryOrder(account, "flaky.example.com");
  ASSERT_EQ(refused.status().code(), Code::kRateLimited);
  EXPECT_EQ(refused.status().message(),
            "too many failed validations for this identifier (at most 2 per 1h); retry after 1800 s");
  // Other identifiers, and other accounts for this one, are not affected.
  EXPECT_TRUE(TryOrder(account, "steady.example.com").ok());
  EXPECT_TRUE(TryOrder(NewAccount(), "flaky.example.com").ok());
}

TEST_F(RateLimitTest, CertificatesPerRegisteredDomainAreLimitedAtFinalize) {
  storage::Account account = NewAccount();
  for (const char* name : {"a.example.com", "b.example.com"}) {
    storage::Order order = NewOrder(account, {name});
    RespondToAll(account, order);
    ASSERT_TRUE(ra_.Finalize(account, order.id, Csr({name})).ok()) << name;
  }
  storage::Order third = NewOrder(NewAccount(), {"c.example.com"});
  storage::Account third_account = *store_.GetAccount(third.account_id);
  RespondToAll(third_account, third);
  auto refused = ra_.Finalize(third_account, third.id, Csr({"c.example.com"}));
  ASSERT_EQ(refused.status().code(), Code::kRateLimited);
  EXPECT_EQ(refused.status().message(),
            "too many certificates for this registered domain (at most 2 per 7d); retry after 302400 s");
  EXPECT_EQ(ra_.GetOrder(third.id)->status, OrderStatus::kReady);  // nothing recorded: the client may retry
  EXPECT_EQ(issuer_.requests().size(), 3u);  // the CA was asked, but its first write was refused
  auto certs = store_.ListCertificatesForOrder(third.id);
  ASSERT_TRUE(certs.ok());
  EXPECT_TRUE(certs->empty());
  // Another registered domain is not affected.
  storage::Order other = NewOrder(account, {"www.example.net"});
  RespondToAll(account, other);
  EXPECT_TRUE(ra_.Finalize(account, other.id, Csr({"www.example.net"})).ok());
}

RaOptions CappedOptions() {
  RaOptions o = Options();
  o.limits.pending_authorizations_per_account = 3;
  o.limits.pending_orders_per_account = 2;
  return o;
}

class PendingCapTest : public RegistrationAuthorityTest {
 protected:
  PendingCapTest() : RegistrationAuthorityTest(CappedOptions()) {}
  Result<storage::Order> TryOrder(const storage::Account& account, std::vector<std::string> names) {
    NewOrderRequest request;
    for (auto& n : names) request.identifiers.emplace_back("dns", std::move(n));
    return ra_.NewOrder(account, request);
  }
};

TEST_F(PendingCapTest, AnIdenticalOpenOrderIsReturnedInsteadOfANewOne) {
  storage::Account account = NewAccount();
  auto first = TryOrder(account, {"a.example.com", "b.example.com"});
  ASSERT_TRUE(first.ok());
  auto again = TryOrder(account, {"a.example.com", "b.example.com"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->authorization_ids, first->authorization_ids);
  // Another account, or a requested validity, gets an order of its own.
  EXPECT_NE(TryOrder(NewAccount(), {"a.example.com", "b.example.com"})->id, first->id);
  NewOrderRequest with_validity;
  with_validity.identifiers = {{"dns", "a.example.com"}, {"dns", "b.example.com"}};
  with_validity.not_after = clock_.Now() + std::chrono::hours(24);
  auto own = ra_.NewOrder(account, with_validity);
  ASSERT_EQ(own.status().code(), Code::kRateLimited);  // it would exceed the pending-authorization cap of 3
  // Once the order is invalid it is not reused.
  ASSERT_TRUE(ra_.DeactivateAuthorization(account, first->authorization_ids[0]).ok());
  auto fresh = TryOrder(account, {"c.example.com"});
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(fresh->id, first->id);
}

TEST_F(PendingCapTest, PendingAuthorizationsAndOrdersPerAccountAreCapped) {
  storage::Account account = NewAccount();
  ASSERT_TRUE(TryOrder(account, {"a.example.com", "b.example.com"}).ok());
  auto over = TryOrder(account, {"c.example.com", "d.example.com"});
  ASSERT_EQ(over.status().code(), Code::kRateLimited);
  EXPECT_EQ(over.status().message(),
            "too many pending authorizations (at most 3 per account); answer or deactivate some first");
  ASSERT_TRUE(TryOrder(account, {"c.example.com"}).ok());  // exactly at the cap
  auto third = TryOrder(account, {"a.example.com"});       // a third open order
  ASSERT_EQ(third.status().code(), Code::kRateLimited);
  EXPECT_EQ(third.status().message(), "too many pending orders (at most 2 per account); finalize or abandon some first");
  // Finishing an order makes room.
  auto listed = ra_.ListOrders(account, "", 10);
  ASSERT_TRUE(listed.ok());
  storage::Order first = *ra_.GetOrder(listed->front());
  RespondToAll(account, first);
  ASSERT_TRUE(ra_.Finalize(account, first.id, Csr({"a.example.com", "b.example.com"})).ok());
  EXPECT_TRUE(TryOrder(account, {"e.example.com"}).ok());
}

}  // namespace
}  // namespace anvil::ra
