// The fixture of the RA's tests (registration_authority_test.cc, rate_limits_test.cc): the RA alone over a
// memory store behind a fault-injecting decorator, a fake CA that follows the issuance protocol without
// signing, and a fake validator; helpers that make accounts, orders and CSRs.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "crypto/csr.h"
#include "fakes/fake_issuer.h"
#include "fakes/fake_validator.h"
#include "ra/registration_authority.h"
#include "storage/memory/memory_store.h"
#include "storage/testing/forwarding_store.h"

namespace anvil::ra::testing_support {

using acme::AuthorizationStatus;
using acme::OrderStatus;
using storage::CertificateState;
using testing::FakeIssuer;
using testing::FakeValidator;

// Forwards to a memory store; injects the errors a test sets and counts order transitions.
class FaultyStore final : public storage::testing::ForwardingStore {
 public:
  FaultyStore() : ForwardingStore(storage::NewMemoryStore()) {}

  Status begin_error = Status::Ok();
  Status finish_error = Status::Ok();
  Status abandon_error = Status::Ok();
  Status account_error = Status::Ok();
  int order_transitions = 0;
  std::function<void()> before_finish;  // called at FinishIssuance, while the order is processing

  using ForwardingStore::BeginIssuance;
  using ForwardingStore::CreateAccount;
  Status BeginIssuance(const storage::CertificateRecord& pending, OrderStatus order_from,
                       const std::vector<storage::RateLimit>& limits) override {
    if (!begin_error.ok()) return begin_error;
    return ForwardingStore::BeginIssuance(pending, order_from, limits);
  }
  Status FinishIssuance(const std::string& serial, const std::string& der,
                        const storage::AuditEvent& a) override {
    if (before_finish) before_finish();
    if (!finish_error.ok()) return finish_error;
    return ForwardingStore::FinishIssuance(serial, der, a);
  }
  Status AbandonIssuance(const std::string& serial, const std::string& error,
                         const storage::AuditEvent& a) override {
    if (!abandon_error.ok()) return abandon_error;
    return ForwardingStore::AbandonIssuance(serial, error, a);
  }
  Status CreateAccount(const storage::Account& account, const storage::AuditEvent& a,
                       const std::vector<storage::RateLimit>& limits) override {
    if (!account_error.ok()) return account_error;
    return ForwardingStore::CreateAccount(account, a, limits);
  }
  Status TransitionOrder(const std::string& id, OrderStatus from, OrderStatus to,
                         const std::string& error_json, const std::string& serial,
                         const storage::AuditEvent* audit) override {
    ++order_transitions;
    return ForwardingStore::TransitionOrder(id, from, to, error_json, serial, audit);
  }
};

// The details of the newest audit record of `kind` in `store`; a test failure (and null) when there is none.
inline nlohmann::json LastAuditDetails(storage::Store& store, const std::string& kind) {
  auto events = store.ListAudit(0, 1000);
  EXPECT_TRUE(events.ok());
  if (!events.ok()) return nullptr;
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    if (it->kind == kind) return nlohmann::json::parse(it->details_json);
  }
  ADD_FAILURE() << "no " << kind << " record";
  return nullptr;
}

// Two profiles, no rate limits.
inline RaOptions Options() {
  RaOptions o;
  ProfileRules server;
  server.certificate.validity = std::chrono::hours(24 * 90);
  server.certificate.ext_key_usages = {"serverAuth"};
  o.profiles["tls-server"] = server;
  ProfileRules client;
  client.certificate.ext_key_usages = {"clientAuth"};
  client.identifier_types = {"dns"};
  o.profiles["tls-client"] = client;
  o.default_profile = "tls-server";
  return o;
}


class RegistrationAuthorityTest : public ::testing::Test {
 protected:
  explicit RegistrationAuthorityTest(RaOptions options = Options(), PolicySet policies = *Policy::Create(PolicyRules{}))
      : ra_(std::move(options), std::move(policies), store_, validator_, issuer_, clock_) {}

  storage::Account NewAccount() { return NewAccount(*crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)); }
  storage::Account NewAccount(const crypto::PrivateKey& key) {
    NewAccountRequest request{jose::Jwk::FromPublicKey(key.public_key()), {}, true, false, std::nullopt, "", ""};
    auto created = ra_.NewAccount(request);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->account : storage::Account{};
  }

  storage::Order NewOrder(const storage::Account& account, const std::vector<std::string>& names,
                          const std::string& profile = "") {
    NewOrderRequest request;
    for (const auto& n : names) request.identifiers.emplace_back("dns", n);
    request.profile = profile;
    auto order = ra_.NewOrder(account, request);
    EXPECT_TRUE(order.ok()) << order.status().ToString();
    return order.ok() ? *order : storage::Order{};
  }

  // Answers the first challenge of each of the order's authorizations; the fake validator decides.
  void RespondToAll(const storage::Account& account, const storage::Order& order) {
    for (const auto& authz_id : order.authorization_ids) {
      auto authz = ra_.GetAuthorization(authz_id);
      ASSERT_TRUE(authz.ok());
      ASSERT_TRUE(ra_.RespondToChallenge(account, authz_id, authz->challenges.front().id).ok());
    }
  }

  std::string Csr(const std::vector<std::string>& names) {
    return Csr(names, *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  }
  std::string Csr(const std::vector<std::string>& names, const crypto::PrivateKey& key) {
    auto csr = crypto::Csr::Create(key, names, {});
    EXPECT_TRUE(csr.ok());
    return csr->ToDer();
  }

  // An account with a ready order for a.example.com, its challenges answered.
  std::pair<storage::Account, storage::Order> ReadyOrder() {
    storage::Account account = NewAccount();
    storage::Order order = NewOrder(account, {"a.example.com"});
    RespondToAll(account, order);
    return {account, order};
  }

  std::vector<std::string> AuditKinds() {
    std::vector<std::string> kinds;
    auto events = store_.ListAudit(0, 100);
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) kinds.push_back(e.kind);
    return kinds;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  FaultyStore store_;
  FakeValidator validator_;
  FakeIssuer issuer_;
  RegistrationAuthority ra_;
};

}  // namespace anvil::ra::testing_support
