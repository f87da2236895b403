#include "webhook/sender.h"

#include <gtest/gtest.h>

#include "webhook/signature.h"
#include "http/testing/https_receiver.h"

namespace anvil::webhook {
namespace {

SenderOptions OptionsFor(const http::testing::HttpsReceiver& receiver, const std::string& key) {
  SenderOptions o;
  o.url = receiver.url();
  o.ca_file = receiver.ca_file();
  o.secret_key = key;
  return o;
}

TEST(WebhookSender, PostsASignedEnvelopeOverVerifiedHttps) {
  http::testing::HttpsReceiver receiver;
  FakeClock clock(FromUnixSeconds(1800000000));
  const std::string key = *ParseSecret(NewSecret());
  auto sender = Sender::Create(OptionsFor(receiver, key), clock);
  ASSERT_TRUE(sender.ok()) << sender.status().ToString();
  auto response = (*sender)->Post("test.event", {{"n", 1}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);

  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::Request& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/json");
  const std::string id = r.headers.Get("webhook-id").value_or("");
  EXPECT_TRUE(id.starts_with("msg_")) << id;
  EXPECT_EQ(r.headers.Get("webhook-timestamp"), "1800000000");
  EXPECT_TRUE(Verify(key, id, 1800000000, r.body, r.headers.Get("webhook-signature").value_or("")));
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["type"], "test.event");
  EXPECT_EQ(body["timestamp"], FormatRfc3339(FromUnixSeconds(1800000000)));
  EXPECT_EQ(body["data"]["n"], 1);

  // A second event gets an id of its own.
  ASSERT_TRUE((*sender)->Post("test.event", {}).ok());
  EXPECT_NE(receiver.requests()[1].headers.Get("webhook-id"), id);
}

TEST(WebhookSender, AnUntrustedCertificateIsATlsError) {
  http::testing::HttpsReceiver receiver;
  FakeClock clock(FromUnixSeconds(1800000000));
  SenderOptions options = OptionsFor(receiver, *ParseSecret(NewSecret()));
  options.ca_file = "";  // the system store does not know the receiver's self-signed certificate
  auto sender = Sender::Create(options, clock);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ((*sender)->Post("test.event", {}).status().code(), Code::kTls);
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(WebhookSender, ASilentReceiverTimesOut) {
  http::testing::HttpsReceiver receiver;
  receiver.SetAnswer([](const http::Request&) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    return http::testing::HttpsReceiver::Json(200, "{}");
  });
  FakeClock clock(FromUnixSeconds(1800000000));
  SenderOptions options = OptionsFor(receiver, *ParseSecret(NewSecret()));
  options.timeout = std::chrono::milliseconds(300);
  auto sender = Sender::Create(options, clock);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ((*sender)->Post("test.event", {}).status().code(), Code::kTimeout);
}

TEST(WebhookSender, OnlyHttpsWithASecret) {
  FakeClock clock(FromUnixSeconds(1800000000));
  SenderOptions options;
  options.secret_key = "0123456789abcdef";
  options.url = "http://127.0.0.1:1/hook";
  EXPECT_EQ(Sender::Create(options, clock).status().code(), Code::kInvalidArgument);
  options.url = "https://127.0.0.1:1/hook";
  options.secret_key = "";
  EXPECT_EQ(Sender::Create(options, clock).status().code(), Code::kInvalidArgument);
  options.secret_key = "0123456789abcdef";
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(Sender::Create(options, clock).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::webhook
