// Expiry notices against a real HTTPS receiver on loopback and a memory store: once per certificate (the audit
// record is the memory), only the expiring ones, again after a failed delivery.
#include "expiry_notices.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/memory/memory_store.h"
#include "storage/testing/conformance_util.h"
#include "webhook/signature.h"
#include "http/testing/https_receiver.h"

namespace anvil::app {
namespace {

using storage::testing::kDay;
using storage::testing::kT0;

class ExpiryNoticesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    webhook::SenderOptions o;
    o.url = receiver_.url();
    o.ca_file = receiver_.ca_file();
    o.secret_key = key_;
    auto sender = webhook::Sender::Create(o, clock_);
    ASSERT_TRUE(sender.ok()) << sender.status().ToString();
    sender_ = std::move(*sender);
    notices_ = std::make_unique<ExpiryNotices>(*store_, *sender_, clock_, 14 * kDay);
    ASSERT_TRUE(store_->CreateAccount(storage::testing::MakeAccount("a1"), storage::testing::Note("account.created", "a1"))
                    .ok());
  }

  void Issue(const std::string& serial, std::chrono::hours lifetime) {
    storage::CertificateRecord cert = storage::testing::MakeCertificate(serial, "o-" + serial, "a1");
    cert.names = {serial + ".example.com"};
    cert.not_after = kT0 + lifetime;
    ASSERT_TRUE(store_->CreateOrder(storage::testing::MakeOrder(cert.order_id, "a1"), {}).ok());
    ASSERT_TRUE(store_->BeginIssuance(cert, acme::OrderStatus::kPending).ok());
    ASSERT_TRUE(store_->FinishIssuance(serial, "der", storage::testing::Note("certificate.issued", serial)).ok());
  }

  std::vector<nlohmann::json> Events() {
    std::vector<nlohmann::json> out;
    for (const auto& r : receiver_.requests()) {
      EXPECT_TRUE(webhook::Verify(key_, r.headers.Get("webhook-id").value_or(""),
                                  std::stoll(r.headers.Get("webhook-timestamp").value_or("0")), r.body,
                                  r.headers.Get("webhook-signature").value_or("")));
      out.push_back(nlohmann::json::parse(r.body));
    }
    return out;
  }

  http::testing::HttpsReceiver receiver_;
  FakeClock clock_{kT0 + 80 * kDay};
  std::string key_ = *webhook::ParseSecret(webhook::NewSecret());
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
  std::unique_ptr<webhook::Sender> sender_;
  std::unique_ptr<ExpiryNotices> notices_;
};

TEST_F(ExpiryNoticesTest, EachExpiringCertificateIsToldOnceWithItsAccountsContacts) {
  Issue("1a", 90 * kDay);   // 10 days left: expiring
  Issue("1b", 200 * kDay);  // valid
  Issue("1c", 70 * kDay);   // expired
  auto sent = notices_->SendDue();
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 1);
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "certificate.expiring");
  const nlohmann::json& d = events[0]["data"];
  EXPECT_EQ(d["serial"], "1a");
  EXPECT_EQ(d["names"], nlohmann::json::array({"1a.example.com"}));
  EXPECT_EQ(d["not_after"], FormatRfc3339(kT0 + 90 * kDay));
  EXPECT_EQ(d["expires_in_seconds"], 10 * 86400);
  EXPECT_EQ(d["account"]["id"], "a1");
  EXPECT_EQ(d["account"]["contacts"], nlohmann::json::array({"mailto:admin@a1.example"}));

  // Recorded in the audit trail, and not sent again.
  auto audit = store_->ListAuditForSubject("1a", 0, 10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->back().kind, "certificate.expiry_notified");
  EXPECT_EQ(*notices_->SendDue(), 0);
  EXPECT_EQ(receiver_.requests().size(), 1u);

  // A certificate that enters the window later is told then.
  clock_.Advance(100 * kDay);
  Issue("1d", 190 * kDay);  // 10 days left at the new now
  EXPECT_EQ(*notices_->SendDue(), 1);
  EXPECT_EQ(Events().back()["data"]["serial"], "1d");
}

TEST_F(ExpiryNoticesTest, ANoticeTheReceiverRefusedIsSentAgainAtTheNextCheck) {
  Issue("2a", 85 * kDay);
  receiver_.SetAnswer([](const http::Request&) { return http::testing::HttpsReceiver::Json(503, "{}"); });
  EXPECT_EQ(*notices_->SendDue(), 0);
  receiver_.SetAnswer(nullptr);
  EXPECT_EQ(*notices_->SendDue(), 1);
  EXPECT_EQ(receiver_.requests().size(), 2u);
  EXPECT_EQ(*notices_->SendDue(), 0);
}

}  // namespace
}  // namespace anvil::app
