// The conformance suite (store_conformance.h): orders, authorizations and challenges.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

// ======================= orders and authorizations =======================

TEST_P(StoreConformanceTest, CreateOrderStoresOrderAndNewAuthorizations) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Authorization plain = MakeAuthorization("z1", "a1", Dns("example.com"));
  Authorization wild = MakeAuthorization("z2", "a1", Dns("example.com"), /*wildcard=*/true);
  wild.challenges = {MakeChallenge("only", ChallengeType::kDns01)};
  Authorization ip = MakeAuthorization("z3", "a1", Ip("2001:db8::1"));
  ip.challenges = {MakeChallenge("t", ChallengeType::kTlsAlpn01), MakeChallenge("h", ChallengeType::kHttp01)};
  Order order = MakeOrder("o1", "a1", {"z1", "z2", "z3"});
  order.identifiers = {Dns("example.com"), Dns("*.example.com"), Ip("2001:db8::1")};
  order.not_before = kT0;
  order.not_after = kT0 + 30 * kDay;
  order.profile = "shortlived";
  order.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(order, {plain, wild, ip}));

  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  ExpectSameOrder(*got, order);
  for (const Authorization& want : {plain, wild, ip}) {
    SCOPED_TRACE(want.id);
    Result<Authorization> authz = store_->GetAuthorization(want.id);
    ASSERT_OK(authz);
    ExpectSameAuthorization(*authz, want);
  }
}

TEST_P(StoreConformanceTest, CreateOrderCanReuseStoredAuthorizations) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}),
                                {MakeAuthorization("z1", "a1", Dns("example.com"))}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a1", {"z1"}), {}));
  Result<Order> got = store_->GetOrder("o2");
  ASSERT_OK(got);
  EXPECT_THAT(got->authorization_ids, ElementsAre("z1"));
}

TEST_P(StoreConformanceTest, CreateOrderWithoutOptionalTimesRoundTrips) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Order order = MakeOrder("o1", "a1");
  ASSERT_OK(store_->CreateOrder(order, {}));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->not_before, std::nullopt);
  EXPECT_EQ(got->not_after, std::nullopt);
  ExpectSameOrder(*got, order);
}

TEST_P(StoreConformanceTest, CreateOrderIsAtomic) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  // The second new authorization collides: neither the order nor the first new authorization may remain.
  Status status = store_->CreateOrder(
      MakeOrder("o2", "a1", {"z2", "z1"}),
      {MakeAuthorization("z2", "a1", Dns("b.example")), MakeAuthorization("z1", "a1", Dns("a.example"))});
  EXPECT_TRUE(HasCode(status, Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetOrder("o2"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z2"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderWithDuplicateIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  Order again = MakeOrder("o1", "a1");
  again.profile = "other";
  EXPECT_TRUE(HasCode(store_->CreateOrder(again, {}), Code::kConflict));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->profile, "");
}

TEST_P(StoreConformanceTest, CreateOrderWithDuplicateChallengeIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("example.com"));
  authz.challenges = {MakeChallenge("c", ChallengeType::kHttp01), MakeChallenge("c", ChallengeType::kDns01)};
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {authz}), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderForUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "nope"), {}), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateOrderWithAuthorizationOfUnknownAccountIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  EXPECT_TRUE(HasCode(store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}),
                                          {MakeAuthorization("z1", "nope", Dns("example.com"))}),
                      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetOrder("o1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAuthorizationStoresAPreAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("example.com"), /*wildcard=*/true);
  authz.challenges[0].validated_at = kT0;  // stored as given
  ASSERT_OK(store_->CreateAuthorization(authz));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  ExpectSameAuthorization(*got, authz);
  // Usable like any other: validated, then found for reuse.
  MakeValid(*store_, "z1");
  Result<std::optional<Authorization>> found =
      store_->FindValidAuthorization("a1", Dns("example.com"), true, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "z1");
}

TEST_P(StoreConformanceTest, CreateAuthorizationWithDuplicateIdIsConflict) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAuthorization(MakeAuthorization("z1", "a1", Dns("a.example"))));
  EXPECT_TRUE(
      HasCode(store_->CreateAuthorization(MakeAuthorization("z1", "a1", Dns("b.example"))), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->identifier, Dns("a.example"));
  // Also against authorizations created with an order.
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z2"}), {MakeAuthorization("z2", "a1", Dns("c.example"))}));
  EXPECT_TRUE(
      HasCode(store_->CreateAuthorization(MakeAuthorization("z2", "a1", Dns("c.example"))), Code::kConflict));
}

TEST_P(StoreConformanceTest, CreateAuthorizationIsAtomic) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Authorization authz = MakeAuthorization("z1", "a1", Dns("a.example"));
  authz.challenges = {MakeChallenge("c", ChallengeType::kHttp01), MakeChallenge("c", ChallengeType::kDns01)};
  EXPECT_TRUE(HasCode(store_->CreateAuthorization(authz), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CreateAuthorizationForUnknownAccountIsNotFound) {
  EXPECT_TRUE(HasCode(store_->CreateAuthorization(MakeAuthorization("z1", "nope", Dns("a.example"))),
                      Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("z1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, UnknownOrderAndAuthorizationAreNotFound) {
  EXPECT_TRUE(HasCode(store_->GetOrder("nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetAuthorization("nope"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ListOrderIdsPagesInCreationOrder) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  // Ids deliberately not in lexical order; orders of the other account interleaved.
  for (const char* id : {"o-c", "o-a", "o-e", "o-b", "o-d"}) {
    ASSERT_OK(store_->CreateOrder(MakeOrder(id, "a1"), {}));
    ASSERT_OK(store_->CreateOrder(MakeOrder(std::string("x") + id, "a2"), {}));
  }
  Result<std::vector<std::string>> page = store_->ListOrderIds("a1", "", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-c", "o-a"));
  page = store_->ListOrderIds("a1", "o-a", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-e", "o-b"));
  page = store_->ListOrderIds("a1", "o-b", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-d"));
  page = store_->ListOrderIds("a1", "o-d", 2);
  ASSERT_OK(page);
  EXPECT_THAT(*page, IsEmpty());
  page = store_->ListOrderIds("a1", "", 100);
  ASSERT_OK(page);
  EXPECT_THAT(*page, ElementsAre("o-c", "o-a", "o-e", "o-b", "o-d"));
}

TEST_P(StoreConformanceTest, ListOrderIdsOfAccountWithoutOrdersIsEmpty) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Result<std::vector<std::string>> page = store_->ListOrderIds("a1", "", 10);
  ASSERT_OK(page);
  EXPECT_THAT(*page, IsEmpty());
}

TEST_P(StoreConformanceTest, ListOrderIdsAfterUnknownOrForeignOrderIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a2"), {}));
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "nope", 10), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "o2", 10), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ListingWithNonPositiveLimitIsInvalidArgument) {
  EXPECT_TRUE(HasCode(store_->ListOrderIds("a1", "", 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListOrdersByStatus(OrderStatus::kPending, 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListAudit(0, -1), Code::kInvalidArgument));
}

TEST_P(StoreConformanceTest, ListOrdersByStatusReturnsMatchingOrdersOldestFirst) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  for (const char* id : {"o3", "o1", "o4", "o2"}) ASSERT_OK(store_->CreateOrder(MakeOrder(id, "a1"), {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o5", "a2"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kReady, OrderStatus::kProcessing, "", "", nullptr));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kReady, OrderStatus::kProcessing, "", "", nullptr));

  Result<std::vector<Order>> processing = store_->ListOrdersByStatus(OrderStatus::kProcessing, 10);
  ASSERT_OK(processing);
  EXPECT_THAT(OrderIds(*processing), ElementsAre("o1", "o2"));
  EXPECT_EQ((*processing)[0].status, OrderStatus::kProcessing);
  Result<std::vector<Order>> pending = store_->ListOrdersByStatus(OrderStatus::kPending, 2);
  ASSERT_OK(pending);
  EXPECT_THAT(OrderIds(*pending), ElementsAre("o3", "o4"));
  Result<std::vector<Order>> valid = store_->ListOrdersByStatus(OrderStatus::kValid, 10);
  ASSERT_OK(valid);
  EXPECT_THAT(*valid, IsEmpty());
}

TEST_P(StoreConformanceTest, TransitionOrderIsConditional) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  // A second finalize racing with the first expects the old state.
  EXPECT_TRUE(
      HasCode(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", "", nullptr),
              Code::kConflict));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kReady);
  EXPECT_EQ(got->error_json, "");
}

TEST_P(StoreConformanceTest, TransitionUnknownOrderIsNotFound) {
  EXPECT_TRUE(
      HasCode(store_->TransitionOrder("nope", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr),
              Code::kNotFound));
}

TEST_P(StoreConformanceTest, TransitionOrderToInvalidStoresError) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  const std::string error = R"({"type":"urn:ietf:params:acme:error:unauthorized"})";
  ASSERT_OK(
      store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, error, "ignored", nullptr));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kInvalid);
  EXPECT_EQ(got->error_json, error);
  EXPECT_EQ(got->certificate_serial, "");
}

TEST_P(StoreConformanceTest, TransitionOrderToValidStoresSerial) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kReady, "ignored", "ignored",
                                    nullptr));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kReady, OrderStatus::kProcessing, "", "", nullptr));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kProcessing, OrderStatus::kValid, "ignored", "1a2b",
                                    nullptr));
  Result<Order> got = store_->GetOrder("o1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, OrderStatus::kValid);
  EXPECT_EQ(got->certificate_serial, "1a2b");
  EXPECT_EQ(got->error_json, "");
}

TEST_P(StoreConformanceTest, FindOrderReplacingIgnoresInvalidOrders) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  Result<std::optional<Order>> found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);

  Order failed = MakeOrder("o1", "a1");
  failed.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(failed, {}));
  ASSERT_OK(store_->TransitionOrder("o1", OrderStatus::kPending, OrderStatus::kInvalid, "{}", "", nullptr));
  found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);

  Order retry = MakeOrder("o2", "a1");
  retry.replaces = "aki.serial";
  ASSERT_OK(store_->CreateOrder(retry, {}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o3", "a1"), {}));  // replaces nothing
  found = store_->FindOrderReplacing("aki.serial");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  ExpectSameOrder(**found, retry);

  found = store_->FindOrderReplacing("other.serial");
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindOrderReplacing("");  // orders that replace nothing must not match
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
}

TEST_P(StoreConformanceTest, FindValidAuthorizationReturnsLatestExpiringMatch) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  auto authz = [](const std::string& id, const std::string& account, Identifier identifier, bool wildcard,
                  TimePoint expires) {
    Authorization a = MakeAuthorization(id, account, std::move(identifier), wildcard);
    a.expires = expires;
    return a;
  };
  std::vector<Authorization> all = {
      authz("soon", "a1", Dns("example.com"), false, kT0 + 10 * kDay),
      authz("late", "a1", Dns("example.com"), false, kT0 + 20 * kDay),
      authz("mid", "a1", Dns("example.com"), false, kT0 + 15 * kDay),
      authz("pending", "a1", Dns("example.com"), false, kT0 + 30 * kDay),    // stays pending
      authz("wild", "a1", Dns("example.com"), true, kT0 + 25 * kDay),        // wildcard
      authz("foreign", "a2", Dns("example.com"), false, kT0 + 40 * kDay),    // other account
      authz("othername", "a1", Dns("example.org"), false, kT0 + 40 * kDay),  // other name
      authz("ip", "a1", Ip("192.0.2.1"), false, kT0 + 40 * kDay),            // other type
  };
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1"), all));
  for (const char* id : {"soon", "late", "mid", "wild", "foreign", "othername", "ip"}) MakeValid(*store_, id);

  Result<std::optional<Authorization>> found =
      store_->FindValidAuthorization("a1", Dns("example.com"), false, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "late");
  EXPECT_EQ((*found)->status, AuthorizationStatus::kValid);
  EXPECT_EQ((*found)->expires, kT0 + 20 * kDay);
  ASSERT_EQ((*found)->challenges.size(), 2u);
  EXPECT_EQ((*found)->challenges[0].status, ChallengeStatus::kValid);

  // Expiry cut-off: strictly after `expires_after`.
  found = store_->FindValidAuthorization("a1", Dns("example.com"), false, kT0 + 20 * kDay);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("a1", Dns("example.com"), false,
                                         kT0 + 20 * kDay - std::chrono::seconds(1));
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "late");

  found = store_->FindValidAuthorization("a1", Dns("example.com"), true, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "wild");

  found = store_->FindValidAuthorization("a1", Ip("192.0.2.1"), false, kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "ip");

  found = store_->FindValidAuthorization("a1", Dns("192.0.2.1"), false, kT0);  // type matters
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("a2", Dns("example.org"), false, kT0);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
  found = store_->FindValidAuthorization("nobody", Dns("example.com"), false, kT0);
  ASSERT_OK(found);
  EXPECT_EQ(*found, std::nullopt);
}

TEST_P(StoreConformanceTest, TransitionAuthorizationIsConditional) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(
      store_->TransitionAuthorization("z1", AuthorizationStatus::kPending, AuthorizationStatus::kExpired),
      Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kDeactivated);
  EXPECT_TRUE(HasCode(
      store_->TransitionAuthorization("nope", AuthorizationStatus::kPending, AuthorizationStatus::kExpired),
      Code::kNotFound));
}

TEST_P(StoreConformanceTest, StartChallengeMovesPendingChallengeToProcessing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c2"));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kPending);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kProcessing);
  // Not pending any more.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, OnlyOneChallengeOfAnAuthorizationIsProcessingAtATime) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // The other challenge cannot start while c1's validation decides the authorization...
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);  // never left processing
  // ...nor afterwards: the authorization is no longer pending.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, ConcurrentStartsOfDifferentChallengesHaveOneWinner) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> threads;
  for (const char* id : {"c1", "c2"}) {
    threads.emplace_back([&, id] {
      Status s = store_->StartChallenge("z1", id);
      if (s.ok()) ++ok;
      if (s.code() == Code::kConflict) ++conflict;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 1);
}

TEST_P(StoreConformanceTest, StartChallengeOfUnknownChallengeIsNotFound) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "nope"), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->StartChallenge("nope", "c1"), Code::kNotFound));
}

TEST_P(StoreConformanceTest, StartChallengeRequiresPendingAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c1"), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeValidUpdatesChallengeAndAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(
      store_->CompleteChallenge("z1", "c1", true, "", kT0 + std::chrono::milliseconds(1500), std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_EQ(got->challenges[0].validated_at, kT0 + std::chrono::seconds(1));
  EXPECT_EQ(got->challenges[0].error_json, "");
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);
  // The authorization is decided: its other challenge cannot start any more.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c2"), Code::kConflict));
}

TEST_P(StoreConformanceTest, CompleteChallengeValidExtendsExpiryOnlyWhenValid) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(
      MakeOrder("o1", "a1", {"z1", "z2"}),
      {MakeAuthorization("z1", "a1", Dns("a.example")), MakeAuthorization("z2", "a1", Dns("b.example"))}));
  Result<Authorization> before = store_->GetAuthorization("z1");
  ASSERT_OK(before);
  const TimePoint later = kT0 + std::chrono::hours(24 * 30);
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, later));
  EXPECT_EQ(store_->GetAuthorization("z1")->expires, later);
  ASSERT_OK(store_->StartChallenge("z2", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z2", "c1", false, "{}", kT0, later));
  EXPECT_EQ(store_->GetAuthorization("z2")->expires, before->expires);
}

TEST_P(StoreConformanceTest, CompleteChallengeInvalidStoresErrorOnBoth) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c2"));
  const std::string error = R"({"type":"urn:ietf:params:acme:error:dns","detail":"NXDOMAIN"})";
  ASSERT_OK(store_->CompleteChallenge("z1", "c2", false, error, kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kInvalid);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kInvalid);
  EXPECT_EQ(got->challenges[1].error_json, error);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeRequiresAnUndecidedChallenge) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c1", false, "{}", kT0, std::nullopt),
                      Code::kConflict));  // decided
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kValid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kValid);
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "nope", true, "", kT0, std::nullopt), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("nope", "c1", true, "", kT0, std::nullopt), Code::kNotFound));
}

TEST_P(StoreConformanceTest, CompleteChallengeFromPendingDecidesTheAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(
      store_->CompleteChallenge("z1", "c1", false, "{}", kT0, std::nullopt));  // never recorded processing
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kInvalid);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kInvalid);
  // Decided: neither a late StartChallenge nor another completion changes it.
  EXPECT_TRUE(HasCode(store_->StartChallenge("z1", "c1"), Code::kConflict));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c2", true, "", kT0, std::nullopt), Code::kConflict));
}

TEST_P(StoreConformanceTest, CompleteChallengeRefusesWhileAnotherChallengeIsProcessing) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // c1's validation decides the authorization; a result for c2 must not leave c1 processing for ever.
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c2", true, "", kT0, std::nullopt), Code::kConflict));
  ASSERT_OK(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->challenges[1].status, ChallengeStatus::kPending);
}

TEST_P(StoreConformanceTest, CompleteChallengeRequiresPendingAuthorization) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(
      store_->CreateOrder(MakeOrder("o1", "a1", {"z1"}), {MakeAuthorization("z1", "a1", Dns("a.example"))}));
  ASSERT_OK(store_->StartChallenge("z1", "c1"));
  // Deactivated by the client while validation ran.
  ASSERT_OK(store_->TransitionAuthorization("z1", AuthorizationStatus::kPending,
                                            AuthorizationStatus::kDeactivated));
  EXPECT_TRUE(HasCode(store_->CompleteChallenge("z1", "c1", true, "", kT0, std::nullopt), Code::kConflict));
  Result<Authorization> got = store_->GetAuthorization("z1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status, AuthorizationStatus::kDeactivated);
  EXPECT_EQ(got->challenges[0].status, ChallengeStatus::kProcessing);
}

// ======================= open orders: reuse and counts =======================

TEST_P(StoreConformanceTest, FindReusableOrderFindsOnlyAnIdenticalOpenOrder) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  const std::vector<Identifier> ids = {Dns("example.com")};
  Order older = MakeOrder("o1", "a1");
  Order newer = MakeOrder("o2", "a1");
  Order validity = MakeOrder("o3", "a1");
  validity.not_after = kT0 + kDay;
  Order replacing = MakeOrder("o4", "a1");
  replacing.replaces = "aki.serial";
  Order other_profile = MakeOrder("o5", "a1");
  other_profile.profile = "short-lived";
  Order other_account = MakeOrder("o6", "a2");
  for (const Order& o : {older, newer, validity, replacing, other_profile, other_account}) {
    ASSERT_OK(store_->CreateOrder(o, {}));
  }
  Result<std::optional<Order>> found = store_->FindReusableOrder("a1", ids, "", kT0);
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "o2");  // the newest
  // Not another identifier list, profile or account; not one that expires too soon; not once it moved on.
  EXPECT_FALSE(store_->FindReusableOrder("a1", {Dns("example.com"), Dns("www.example.com")}, "", kT0)->has_value());
  EXPECT_EQ((*store_->FindReusableOrder("a1", ids, "short-lived", kT0))->id, "o5");
  EXPECT_EQ((*store_->FindReusableOrder("a2", ids, "", kT0))->id, "o6");
  EXPECT_FALSE(store_->FindReusableOrder("a1", ids, "", kT0 + 7 * kDay)->has_value());
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kReady, "", "", nullptr));
  EXPECT_EQ((*store_->FindReusableOrder("a1", ids, "", kT0))->id, "o2");  // ready is open too
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kReady, OrderStatus::kInvalid, "{}", "", nullptr));
  EXPECT_EQ((*store_->FindReusableOrder("a1", ids, "", kT0))->id, "o1");
}

TEST_P(StoreConformanceTest, CountPendingCountsOpenOrdersAndPendingAuthorizationsOfOneAccount) {
  ASSERT_OK(store_->CreateAccount(MakeAccount("a1"), Note("account.created")));
  ASSERT_OK(store_->CreateAccount(MakeAccount("a2"), Note("account.created")));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o1", "a1", {"z1", "z2"}),
                                {MakeAuthorization("z1", "a1", Dns("a.example.com")),
                                 MakeAuthorization("z2", "a1", Dns("b.example.com"))}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o2", "a1", {"z3"}), {MakeAuthorization("z3", "a1", Dns("c.example.com"))}));
  ASSERT_OK(store_->CreateOrder(MakeOrder("o3", "a2", {"z4"}), {MakeAuthorization("z4", "a2", Dns("d.example.com"))}));
  MakeValid(*store_, "z1");
  ASSERT_OK(store_->TransitionOrder("o2", OrderStatus::kPending, OrderStatus::kInvalid, "{}", "", nullptr));
  Result<OrderStore::PendingCounts> counts = store_->CountPending("a1", kT0);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->orders, 1);          // o1; o2 is invalid, o3 is a2's
  EXPECT_EQ(counts->authorizations, 2);  // z2, z3; z1 is valid, z4 is a2's
  Result<OrderStore::PendingCounts> later = store_->CountPending("a1", kT0 + 7 * kDay);
  ASSERT_OK(later);
  EXPECT_EQ(later->orders, 0);  // expired ones do not count
  EXPECT_EQ(later->authorizations, 0);
}

}  // namespace
}  // namespace anvil::storage::testing
