#include "webhook/device_webhook.h"

#include <gtest/gtest.h>

#include "http/testing/https_receiver.h"
#include "webhook/signature.h"

namespace anvil::webhook {
namespace {

class DeviceWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SenderOptions o;
    o.url = receiver_.url();
    o.ca_file = receiver_.ca_file();
    o.secret_key = key_;
    auto sender = Sender::Create(o, clock_);
    ASSERT_TRUE(sender.ok()) << sender.status().ToString();
    check_ = std::make_unique<DeviceWebhook>(std::move(*sender));
    question_.account_id = "acct1";
    question_.eab_kid = "mdm-token-1";
    question_.identifier = {acme::IdentifierType::kPermanentIdentifier, "C02X1234"};
    question_.evidence_json =
        R"({"format":"tpm","public_key":"MFkw","identifiers":["permanent-identifier:C02X1234"],)"
        R"("chain_sha256":["aa","bb"],"claims":{"manufacturer":"id:49424D00"}})";
  }

  http::testing::HttpsReceiver receiver_;
  FakeClock clock_{FromUnixSeconds(1800000000)};
  std::string key_ = *ParseSecret(NewSecret());
  std::unique_ptr<DeviceWebhook> check_;
  ra::DeviceQuestion question_;
};

TEST_F(DeviceWebhookTest, TheVerifiedAttestationIsPostedSigned) {
  auto answer = check_->Ask(question_);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->allowed);  // the test receiver allows by default
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::Request& r = requests[0];
  ASSERT_TRUE(Verify(key_, r.headers.Get("webhook-id").value_or(""), 1800000000, r.body,
                     r.headers.Get("webhook-signature").value_or("")));
  auto event = nlohmann::json::parse(r.body);
  EXPECT_EQ(event["type"], "device.check");
  const nlohmann::json& d = event["data"];
  EXPECT_EQ(d["account"]["id"], "acct1");
  EXPECT_EQ(d["account"]["eab_kid"], "mdm-token-1");
  EXPECT_EQ(d["identifier"], (nlohmann::json{{"type", "permanent-identifier"}, {"value", "C02X1234"}}));
  EXPECT_EQ(d["attestation"]["format"], "tpm");
  EXPECT_EQ(d["attestation"]["chain_sha256"], nlohmann::json::array({"aa", "bb"}));
  EXPECT_EQ(d["attestation"]["claims"]["manufacturer"], "id:49424D00");
}

TEST_F(DeviceWebhookTest, ARefusalCarriesTheReceiversReason) {
  receiver_.SetAnswer([](const http::Request&) {
    return http::testing::HttpsReceiver::Json(200, R"({"allow": false, "reason": "C02X1234 is retired in Jamf"})");
  });
  auto answer = check_->Ask(question_);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->allowed);
  EXPECT_EQ(answer->reason, "C02X1234 is retired in Jamf");
}

TEST_F(DeviceWebhookTest, AnythingButAnAnswerIsNoAnswer) {
  for (auto [status, body] : std::vector<std::pair<int, std::string>>{
           {500, R"({"allow": true})"}, {200, "yes"}, {200, R"({"allow": 1})"}, {200, "{}"}}) {
    receiver_.SetAnswer(
        [status, body](const http::Request&) { return http::testing::HttpsReceiver::Json(status, body); });
    auto answer = check_->Ask(question_);
    EXPECT_EQ(answer.status().code(), Code::kUnavailable) << status << " " << body;
    EXPECT_NE(answer.status().message().find("device webhook"), std::string::npos);
  }
}

}  // namespace
}  // namespace anvil::webhook
