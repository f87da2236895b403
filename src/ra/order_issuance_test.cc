#include "ra/order_issuance.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/memory/memory_store.h"

namespace anvil::ra {
namespace {

using acme::OrderStatus;

class OrderIssuanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::Account account{"acct", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", clock_.Now()};
    ASSERT_TRUE(
        store_->CreateAccount(account, {0, clock_.Now(), "account.created", "acct", "acct", "{}"}).ok());
    order_.id = "ord";
    order_.account_id = "acct";
    order_.identifiers = {{acme::IdentifierType::kDns, "a.example.com"}};
    order_.created_at = clock_.Now();
    order_.expires = clock_.Now() + std::chrono::hours(1);
    ASSERT_TRUE(store_->CreateOrder(order_, {}).ok());
  }

  ca::PendingCertificate Pending(const std::string& serial) {
    ca::PendingCertificate p;
    p.serial = serial;
    p.tbs_der = "tbs-" + serial;
    p.issuer_chain_pem = "chain";
    p.names = {"a.example.com"};
    p.profile = "tls-server";
    p.authority_key_id = "aki";
    p.not_before = clock_.Now();
    p.not_after = clock_.Now() + std::chrono::hours(24);
    return p;
  }

  FakeClock clock_{FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
  storage::Order order_;
};

TEST_F(OrderIssuanceTest, RecordBindsThePendingCertificateToTheOrderAndStartsIt) {
  OrderIssuance log(*store_, clock_, order_, OrderStatus::kPending);
  ASSERT_TRUE(log.Record(Pending("0a")).ok());
  auto cert = store_->GetCertificate("0a");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->order_id, "ord");
  EXPECT_EQ(cert->account_id, "acct");
  EXPECT_EQ(cert->state, storage::CertificateState::kPending);
  EXPECT_EQ(cert->tbs_der, "tbs-0a");
  EXPECT_EQ(cert->issuer_chain_pem, "chain");
  EXPECT_EQ(cert->profile, "tls-server");
  EXPECT_EQ(cert->authority_key_id, "aki");
  EXPECT_EQ(cert->created_at, clock_.Now());
  EXPECT_EQ(store_->GetOrder("ord")->status, OrderStatus::kProcessing);
  // The gate: a second issuance expecting the order pending records nothing.
  OrderIssuance late(*store_, clock_, order_, OrderStatus::kPending);
  EXPECT_EQ(late.Record(Pending("0b")).code(), Code::kOrderNotReady);
  EXPECT_EQ(store_->GetCertificate("0b").status().code(), Code::kNotFound);
}

TEST_F(OrderIssuanceTest, CompleteIssuesTheCertificateAndAuditsItWithTheOrder) {
  OrderIssuance log(*store_, clock_, order_, OrderStatus::kPending);
  ASSERT_TRUE(log.Record(Pending("0a")).ok());
  ASSERT_TRUE(log.Complete("0a", "der").ok());
  EXPECT_EQ(store_->GetOrder("ord")->status, OrderStatus::kValid);
  EXPECT_EQ(store_->GetCertificate("0a")->der, "der");
  auto events = store_->ListAudit(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->back().kind, "certificate.issued");
  EXPECT_EQ(events->back().account_id, "acct");
  EXPECT_EQ(events->back().subject, "0a");
  EXPECT_EQ(events->back().details_json, R"({"order_id":"ord"})");
}

TEST_F(OrderIssuanceTest, AbandonInvalidatesTheOrderWithoutTheInternalDetailButAuditsIt) {
  OrderIssuance log(*store_, clock_, order_, OrderStatus::kPending);
  ASSERT_TRUE(log.Record(Pending("0a")).ok());
  ASSERT_TRUE(log.Abandon("0a", Error(Code::kIo, "disk /dev/sda1 full")).ok());
  auto order = store_->GetOrder("ord");
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->status, OrderStatus::kInvalid);
  auto problem = nlohmann::json::parse(order->error_json);
  EXPECT_EQ(problem["type"], "urn:ietf:params:acme:error:serverInternal");
  EXPECT_EQ(order->error_json.find("sda1"), std::string::npos);
  auto events = store_->ListAudit(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().kind, "certificate.abandoned");
  EXPECT_NE(events->back().details_json.find("sda1"), std::string::npos);
}

}  // namespace
}  // namespace anvil::ra
