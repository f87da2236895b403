#include "webhook/authorization_webhook.h"

#include <gtest/gtest.h>

#include "webhook/signature.h"
#include "http/testing/https_receiver.h"

namespace anvil::webhook {
namespace {

class AuthorizationWebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SenderOptions o;
    o.url = receiver_.url();
    o.ca_file = receiver_.ca_file();
    o.secret_key = key_;
    auto sender = Sender::Create(o, clock_);
    ASSERT_TRUE(sender.ok()) << sender.status().ToString();
    hook_ = std::make_unique<AuthorizationWebhook>(std::move(*sender));
    question_.stage = ra::AuthorizationQuestion::Stage::kFinalize;
    question_.account_id = "acct1";
    question_.contacts = {"mailto:ops@example.com"};
    question_.eab_kid = "kid1";
    question_.eab_label = "laptop fleet";
    question_.identifiers = {{acme::IdentifierType::kDns, "a.example.com"}, {acme::IdentifierType::kIp, "10.0.0.1"}};
    question_.profile = "tls-server";
    question_.order_id = "order1";
    question_.key_type = "ec256";
  }

  http::testing::HttpsReceiver receiver_;
  FakeClock clock_{FromUnixSeconds(1800000000)};
  std::string key_ = *ParseSecret(NewSecret());
  std::unique_ptr<AuthorizationWebhook> hook_;
  ra::AuthorizationQuestion question_;
};

TEST_F(AuthorizationWebhookTest, TheQuestionIsPostedSignedWithEverythingTheReceiverNeeds) {
  auto answer = hook_->Ask(question_);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->allowed);
  auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::Request& r = requests[0];
  ASSERT_TRUE(Verify(key_, r.headers.Get("webhook-id").value_or(""), 1800000000, r.body,
                     r.headers.Get("webhook-signature").value_or("")));
  auto event = nlohmann::json::parse(r.body);
  EXPECT_EQ(event["type"], "authorization.request");
  const nlohmann::json& d = event["data"];
  EXPECT_EQ(d["stage"], "finalize");
  EXPECT_EQ(d["account"]["id"], "acct1");
  EXPECT_EQ(d["account"]["contacts"], nlohmann::json::array({"mailto:ops@example.com"}));
  EXPECT_EQ(d["account"]["eab"]["label"], "laptop fleet");
  EXPECT_EQ(d["identifiers"][0], (nlohmann::json{{"type", "dns"}, {"value", "a.example.com"}}));
  EXPECT_EQ(d["identifiers"][1], (nlohmann::json{{"type", "ip"}, {"value", "10.0.0.1"}}));
  EXPECT_EQ(d["profile"], "tls-server");
  EXPECT_EQ(d["order"], "order1");
  EXPECT_EQ(d["key_type"], "ec256");
  EXPECT_TRUE(d["replaces"].is_null());
}

TEST_F(AuthorizationWebhookTest, ARefusalCarriesTheReceiversReason) {
  receiver_.SetAnswer([](const http::Request&) {
    return http::testing::HttpsReceiver::Json(200, R"({"allow": false, "reason": "no change ticket for a.example.com"})");
  });
  auto answer = hook_->Ask(question_);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_FALSE(answer->allowed);
  EXPECT_EQ(answer->reason, "no change ticket for a.example.com");
}

TEST_F(AuthorizationWebhookTest, AnythingButAnAnswerIsNoAnswer) {
  for (auto [status, body] : std::vector<std::pair<int, std::string>>{
           {500, R"({"allow": true})"}, {403, R"({"allow": false})"}, {200, "yes"}, {200, R"({"allow": "true"})"},
           {200, "[true]"}, {200, "{}"}}) {
    receiver_.SetAnswer([status, body](const http::Request&) { return http::testing::HttpsReceiver::Json(status, body); });
    auto answer = hook_->Ask(question_);
    EXPECT_EQ(answer.status().code(), Code::kUnavailable) << status << " " << body;
    EXPECT_NE(answer.status().message().find(receiver_.url()), std::string::npos);
  }
}

}  // namespace
}  // namespace anvil::webhook
