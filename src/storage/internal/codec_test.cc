#include "storage/internal/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace anvil::storage::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(StoreCodecTest, StringListRoundTripsAwkwardStrings) {
  std::vector<std::string> list = {"",
                                   "plain",
                                   "quote\" back\\slash /",
                                   std::string("nul\0ctl\x01\x1f", 9),
                                   "tab\tnl\ncr\r",
                                   "ünïcödé 例え 😀"};
  std::string json = EncodeStringList(list);
  Result<std::vector<std::string>> back = DecodeStringList(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, list);
}

TEST(StoreCodecTest, EncodesCompactJson) {
  EXPECT_EQ(EncodeStringList({}), "[]");
  EXPECT_EQ(EncodeStringList({"a", "b\"c"}), R"(["a","b\"c"])");
  EXPECT_EQ(JsonQuote(std::string("\x01", 1)), R"("\u0001")");
}

TEST(StoreCodecTest, DecodesForeignJsonArrays) {
  Result<std::vector<std::string>> got = DecodeStringList(" [ \"a\" , \"\\u00e9\\ud83d\\ude00\\/\" ] ");
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, ElementsAre("a", "é😀/"));
  got = DecodeStringList("[]");
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, IsEmpty());
}

TEST(StoreCodecTest, RejectsMalformedLists) {
  for (const char* bad : {"", "[", "]", "[\"a\"", "[\"a\",]", "[1]", "[\"a\"] x", "[\"\\x\"]",
                          "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\u12\"]", "{}", "[\"raw\ncontrol\"]"}) {
    EXPECT_EQ(DecodeStringList(bad).status().code(), Code::kInternal) << bad;
  }
}

TEST(StoreCodecTest, IdentifiersRoundTrip) {
  std::vector<acme::Identifier> ids = {{acme::IdentifierType::kDns, "*.example.com"},
                                       {acme::IdentifierType::kIp, "2001:db8::1"},
                                       {acme::IdentifierType::kIp, "192.0.2.1"}};
  Result<std::vector<acme::Identifier>> back = DecodeIdentifiers(EncodeIdentifiers(ids));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, ids);
  EXPECT_EQ(DecodeIdentifiers(R"(["nocolon"])").status().code(), Code::kInternal);
  EXPECT_EQ(DecodeIdentifiers(R"(["email:a@b"])").status().code(), Code::kInternal);
}

TEST(StoreCodecTest, EnumNamesRoundTrip) {
  for (auto s : {acme::OrderStatus::kPending, acme::OrderStatus::kReady, acme::OrderStatus::kProcessing,
                 acme::OrderStatus::kValid, acme::OrderStatus::kInvalid}) {
    EXPECT_EQ(*ParseOrderStatusName(Name(s)), s);
  }
  for (auto s : {acme::AuthorizationStatus::kPending, acme::AuthorizationStatus::kValid,
                 acme::AuthorizationStatus::kInvalid, acme::AuthorizationStatus::kDeactivated,
                 acme::AuthorizationStatus::kExpired, acme::AuthorizationStatus::kRevoked}) {
    EXPECT_EQ(*ParseAuthorizationStatusName(Name(s)), s);
  }
  for (auto s : {acme::ChallengeStatus::kPending, acme::ChallengeStatus::kProcessing,
                 acme::ChallengeStatus::kValid, acme::ChallengeStatus::kInvalid}) {
    EXPECT_EQ(*ParseChallengeStatusName(Name(s)), s);
  }
  for (auto s :
       {acme::AccountStatus::kValid, acme::AccountStatus::kDeactivated, acme::AccountStatus::kRevoked}) {
    EXPECT_EQ(*ParseAccountStatusName(Name(s)), s);
  }
  for (auto t :
       {acme::ChallengeType::kHttp01, acme::ChallengeType::kDns01, acme::ChallengeType::kTlsAlpn01}) {
    EXPECT_EQ(*ParseChallengeTypeName(Name(t)), t);
  }
  for (auto s : {CertificateState::kPending, CertificateState::kIssued, CertificateState::kAbandoned}) {
    EXPECT_EQ(*ParseCertificateStateName(Name(s)), s);
  }
  EXPECT_EQ(ParseOrderStatusName("bogus").status().code(), Code::kInternal);
}

}  // namespace
}  // namespace anvil::storage::internal
