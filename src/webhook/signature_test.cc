#include "webhook/signature.h"

#include <gtest/gtest.h>

namespace anvil::webhook {
namespace {

// The example of the Standard Webhooks libraries' test suites (secret, id, timestamp, payload → signature).
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, MatchesTheStandardWebhooksExample) {
  auto key = ParseSecret(kSecret);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(Sign(*key, kId, kTimestamp, kBody), kSignature);
  EXPECT_TRUE(Verify(*key, kId, kTimestamp, kBody, kSignature));
}

TEST(WebhookSignature, VerifyFindsOneOfSeveralAndRejectsAnyChange) {
  auto key = *ParseSecret(kSecret);
  EXPECT_TRUE(Verify(key, kId, kTimestamp, kBody, "v1,bm90IGl0 " + std::string(kSignature)));
  EXPECT_FALSE(Verify(key, kId, kTimestamp, R"({"test": 2432232315})", kSignature));
  EXPECT_FALSE(Verify(key, kId, kTimestamp + 1, kBody, kSignature));
  EXPECT_FALSE(Verify(key, "msg_other", kTimestamp, kBody, kSignature));
  EXPECT_FALSE(Verify(*ParseSecret(NewSecret()), kId, kTimestamp, kBody, kSignature));
  EXPECT_FALSE(Verify(key, kId, kTimestamp, kBody, ""));
}

TEST(WebhookSignature, SecretsAreWhsecBase64OfEnoughBytes) {
  EXPECT_TRUE(ParseSecret(std::string(kSecret) + "\n").ok());  // a file's final newline
  EXPECT_EQ(ParseSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSecret("whsec_!!!").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseSecret("whsec_AAAA").status().code(), Code::kInvalidArgument);  // 3 bytes
  auto fresh = ParseSecret(NewSecret());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->size(), 32u);
  EXPECT_NE(NewSecret(), NewSecret());
}

}  // namespace
}  // namespace anvil::webhook
