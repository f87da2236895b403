// The request payload parsers alone (the front end's use of them is wfe_test.cc's).
#include "wfe/payloads.h"

#include <gtest/gtest.h>

namespace anvil::wfe {
namespace {

using Json = nlohmann::json;

TEST(ParseNewOrderPayload, ReadsIdentifiersTimesProfileAndReplaces) {
  auto order = ParseNewOrderPayload(Json{{"identifiers", {{{"type", "dns"}, {"value", "a.example"}}}},
                                         {"notBefore", "2026-01-01T00:00:00Z"},
                                         {"profile", "tls-server"},
                                         {"replaces", "aYhba4dGQEE.AIdlQyE"}});
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->identifiers, (std::vector<IdentifierPair>{{"dns", "a.example"}}));
  EXPECT_EQ(order->not_before, ParseRfc3339("2026-01-01T00:00:00Z").value());
  EXPECT_FALSE(order->not_after);
  EXPECT_EQ(order->profile, "tls-server");
  EXPECT_EQ(order->replaces, "aYhba4dGQEE.AIdlQyE");
}

// A year a TimePoint cannot hold overflowed a signed conversion in ParseRfc3339 (undefined behaviour, found
// by tests/fuzz/acme_request_fuzzer); now the client's time is malformed.
TEST(ParseNewOrderPayload, ATimeOutsideTheClocksRangeIsMalformed) {
  auto order =
      ParseNewOrderPayload(Json{{"identifiers", Json::array()}, {"notAfter", "0026-01-08T00:00:00.5+01:00"}});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().code(), Code::kMalformed);
  EXPECT_EQ(order.status().message().rfind("\"notAfter\": invalid RFC 3339 timestamp", 0), 0u);
}

TEST(ParseRevokeCertPayload, AReasonOutsideAByteBecomesMinusOneAndANonIntegerIsBadRevocationReason) {
  auto wide = ParseRevokeCertPayload(Json{{"certificate", "MAM"}, {"reason", 4096}});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->reason, -1);
  EXPECT_EQ(ParseRevokeCertPayload(Json{{"certificate", "MAM"}, {"reason", "1"}}).status().code(),
            Code::kBadRevocationReason);
}

TEST(ParseAccountUpdatePayload, OnlyValidOrDeactivatedStatus) {
  EXPECT_TRUE(ParseAccountUpdatePayload(Json{{"status", "deactivated"}}).ok());
  EXPECT_EQ(ParseAccountUpdatePayload(Json{{"status", "revoked"}}).status().code(), Code::kMalformed);
  EXPECT_EQ(ParseAccountUpdatePayload(Json{{"contact", "mailto:a@example.com"}}).status().code(),
            Code::kMalformed);
}

}  // namespace
}  // namespace anvil::wfe
