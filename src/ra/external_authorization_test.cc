// The RA's external authorization (ra_external_authorization.cc): asked before an order is stored and before
// the finalize gate; a refusal or no answer refuses with the right problem, audited, and leaves a ready order
// ready; fail_open lets requests through, audited.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "jose/eab.h"
#include "ra/ra_test_fixture.h"

namespace anvil::ra {
namespace {

using acme::OrderStatus;
using testing_support::RegistrationAuthorityTest;

class FakeHook final : public AuthorizationHook {
 public:
  Result<AuthorizationAnswer> Ask(const AuthorizationQuestion& q) override {
    std::lock_guard lock(mu);
    questions.push_back(q);
    auto& answer = q.stage == AuthorizationQuestion::Stage::kNewOrder ? on_new_order : on_finalize;
    return answer;
  }
  std::mutex mu;
  std::vector<AuthorizationQuestion> questions;
  Result<AuthorizationAnswer> on_new_order = AuthorizationAnswer{true, ""};
  Result<AuthorizationAnswer> on_finalize = AuthorizationAnswer{true, ""};
};

// The hook must exist before the RA that points at it: a base constructed first.
struct HookHolder {
  FakeHook hook;
  bool fail_open = false;
};

RaOptions OptionsWith(FakeHook& hook, bool fail_open) {
  RaOptions o = testing_support::Options();
  o.authorization_hook = &hook;
  o.authorization_fail_open = fail_open;
  return o;
}

class ExternalAuthorizationTest : public HookHolder, public RegistrationAuthorityTest {
 protected:
  explicit ExternalAuthorizationTest(bool open = false)
      : HookHolder{{}, open}, RegistrationAuthorityTest(OptionsWith(hook, open)) {}

  Result<storage::Order> Order(const storage::Account& account, const std::vector<std::string>& names) {
    NewOrderRequest request;
    for (const auto& n : names) request.identifiers.emplace_back("dns", n);
    return ra_.NewOrder(account, request);
  }
  nlohmann::json LastAudit(const std::string& kind) { return testing_support::LastAuditDetails(store_, kind); }
  // A ready order whose new-order question the hook allowed.
  std::pair<storage::Account, storage::Order> Ready() {
    auto [account, order] = ReadyOrder();
    auto refreshed = ra_.GetOrder(order.id);
    EXPECT_EQ(refreshed->status, OrderStatus::kReady);
    return {account, *refreshed};
  }
};

TEST_F(ExternalAuthorizationTest, AskedBeforeTheOrderAndBeforeSigningWithWhatItNeeds) {
  auto [account, order] = Ready();
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, OrderStatus::kValid);

  ASSERT_EQ(hook.questions.size(), 2u);
  const AuthorizationQuestion& asked = hook.questions[0];
  EXPECT_EQ(asked.stage, AuthorizationQuestion::Stage::kNewOrder);
  EXPECT_EQ(asked.account_id, account.id);
  ASSERT_EQ(asked.identifiers.size(), 1u);
  EXPECT_EQ(asked.identifiers[0].value, "a.example.com");
  EXPECT_EQ(asked.profile, "tls-server");
  EXPECT_TRUE(asked.order_id.empty());
  const AuthorizationQuestion& signing = hook.questions[1];
  EXPECT_EQ(signing.stage, AuthorizationQuestion::Stage::kFinalize);
  EXPECT_EQ(signing.order_id, order.id);
  EXPECT_EQ(signing.key_type, "ec256");
  EXPECT_EQ(signing.account_id, account.id);
}

TEST_F(ExternalAuthorizationTest, ARefusedOrderIsUnauthorizedWithTheReasonAndAudited) {
  storage::Account account = NewAccount();
  hook.on_new_order = AuthorizationAnswer{false, "no ticket for a.example.com"};
  auto order = Order(account, {"a.example.com"});
  ASSERT_EQ(order.status().code(), Code::kUnauthorized);
  EXPECT_EQ(order.status().message(), "the CA's authorization service refused this order: no ticket for a.example.com");
  auto listed = ra_.ListOrders(account, "", 10);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());  // nothing stored
  nlohmann::json refused = LastAudit("order.refused");
  ASSERT_FALSE(refused.is_null());
  EXPECT_EQ(refused["stage"], "new-order");
  EXPECT_EQ(refused["external_authorization"], true);
  EXPECT_EQ(refused["reason"], "no ticket for a.example.com");
  EXPECT_EQ(refused["problem"]["type"], "urn:ietf:params:acme:error:unauthorized");
}

TEST_F(ExternalAuthorizationTest, ARefusedFinalizeLeavesTheOrderReadyForAnotherTry) {
  auto [account, order] = Ready();
  hook.on_finalize = AuthorizationAnswer{false, "change window closed"};
  auto refused = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_EQ(refused.status().code(), Code::kUnauthorized);
  EXPECT_NE(refused.status().message().find("refused this finalization: change window closed"), std::string::npos);
  EXPECT_EQ(ra_.GetOrder(order.id)->status, OrderStatus::kReady);
  EXPECT_EQ(LastAudit("order.refused")["stage"], "finalize");

  hook.on_finalize = AuthorizationAnswer{true, ""};
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  EXPECT_EQ(finalized->status, OrderStatus::kValid);
}

TEST_F(ExternalAuthorizationTest, NoAnswerFailsClosedWithARetryableServerError) {
  storage::Account account = NewAccount();
  hook.on_new_order = Error(Code::kUnavailable, "authorization webhook https://cmdb.test/: timed out");
  auto order = Order(account, {"a.example.com"});
  ASSERT_EQ(order.status().code(), Code::kServerInternal);
  EXPECT_EQ(order.status().retry_after(), 60);
  // The client is not told the service's address or error; the audit record is.
  EXPECT_EQ(order.status().message().find("cmdb"), std::string::npos);
  nlohmann::json refused = LastAudit("order.refused");
  EXPECT_NE(refused["error"].get<std::string>().find("timed out"), std::string::npos);

  hook.on_new_order = AuthorizationAnswer{true, ""};
  auto ready = Order(account, {"a.example.com"});
  ASSERT_TRUE(ready.ok());
  RespondToAll(account, *ready);
  hook.on_finalize = Error(Code::kUnavailable, "connection refused");
  auto finalized = ra_.Finalize(account, ready->id, Csr({"a.example.com"}));
  EXPECT_EQ(finalized.status().code(), Code::kServerInternal);
  EXPECT_EQ(ra_.GetOrder(ready->id)->status, OrderStatus::kReady);
}

class FailOpenTest : public ExternalAuthorizationTest {
 protected:
  FailOpenTest() : ExternalAuthorizationTest(/*open=*/true) {}
};

TEST_F(FailOpenTest, NoAnswerLetsTheRequestThroughAndIsAudited) {
  hook.on_new_order = Error(Code::kUnavailable, "connection refused");
  hook.on_finalize = Error(Code::kUnavailable, "connection refused");
  auto [account, order] = Ready();
  auto finalized = ra_.Finalize(account, order.id, Csr({"a.example.com"}));
  ASSERT_TRUE(finalized.ok()) << finalized.status().ToString();
  nlohmann::json unanswered = LastAudit("authorization.unanswered");
  ASSERT_FALSE(unanswered.is_null());
  EXPECT_EQ(unanswered["stage"], "finalize");
  EXPECT_EQ(unanswered["fail_open"], true);
  // A refusal is still a refusal when failing open.
  hook.on_new_order = AuthorizationAnswer{false, "no"};
  EXPECT_EQ(Order(account, {"b.example.com"}).status().code(), Code::kUnauthorized);
}

TEST_F(ExternalAuthorizationTest, TheEabKeysLabelIsInTheQuestion) {
  EabKeyRequest request;
  request.kid = "fleet-1";
  request.label = "laptop fleet";
  auto key = ra_.CreateEabKey(request);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto priv = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  const jose::Jwk jwk = jose::Jwk::FromPublicKey(priv->public_key());
  const std::string url = "https://ca.test/acme/new-account";
  auto eab = jose::SignEab(key->kid, key->hmac_key, jose::Algorithm::kHs256, jwk, url);
  ASSERT_TRUE(eab.ok());
  auto inner = jose::ParseFlattened(*eab, true);
  ASSERT_TRUE(inner.ok());
  auto created = ra_.NewAccount(NewAccountRequest{jwk, {"mailto:fleet@example.com"}, true, false, *inner, url, ""});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(Order(created->account, {"a.example.com"}).ok());
  ASSERT_EQ(hook.questions.size(), 1u);
  EXPECT_EQ(hook.questions[0].eab_kid, "fleet-1");
  EXPECT_EQ(hook.questions[0].eab_label, "laptop fleet");
  EXPECT_EQ(hook.questions[0].contacts, std::vector<std::string>{"mailto:fleet@example.com"});
}

}  // namespace
}  // namespace anvil::ra
