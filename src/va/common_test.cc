#include "va/common.h"

#include <gtest/gtest.h>

#include "va/network_validator.h"

namespace anvil::va {
namespace {

TEST(VaCommon, ReverseDnsNameFormsInAddrArpaForIpv4) {
  EXPECT_EQ(*ReverseDnsName("1.2.3.4"), "4.3.2.1.in-addr.arpa");
  EXPECT_EQ(*ReverseDnsName("127.0.0.1"), "1.0.0.127.in-addr.arpa");
}

TEST(VaCommon, ReverseDnsNameFormsNibblesForIpv6) {
  // RFC 3596 §2.5's example address.
  EXPECT_EQ(*ReverseDnsName("4321:0:1:2:3:4:567:89ab"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
  EXPECT_EQ(*ReverseDnsName("::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

TEST(VaCommon, ReverseDnsNameRejectsNonAddresses) {
  EXPECT_EQ(ReverseDnsName("example.com").status().code(), Code::kMalformed);
  EXPECT_EQ(ReverseDnsName("1.2.3").status().code(), Code::kMalformed);
}

TEST(VaCommon, ConnectOrderPrefersFirstIpv6ThenFirstIpv4) {
  EXPECT_EQ(internal::ConnectOrder({"192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2"}),
            (std::vector<std::string>{"2001:db8::1", "192.0.2.1"}));
  EXPECT_EQ(internal::ConnectOrder({"192.0.2.1"}), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(internal::ConnectOrder({"::1"}), std::vector<std::string>{"::1"});
  EXPECT_TRUE(internal::ConnectOrder({"not-an-ip"}).empty());
}

TEST(VaCommon, QuoteForDetailEscapesAndTruncates) {
  EXPECT_EQ(internal::QuoteForDetail("ok"), "\"ok\"");
  EXPECT_EQ(internal::QuoteForDetail(std::string("a\"b\\c\n\x01<", 8)), "\"a\\\"b\\\\c\\n\\x01<\"");
  EXPECT_EQ(internal::QuoteForDetail(std::string(100, 'x')), "\"" + std::string(64, 'x') + "\"...");
}

TEST(VaCommon, TrimRemovesOnlyTrailing) {
  EXPECT_EQ(internal::TrimTrailingWhitespace(" a b \r\n\t "), " a b");
  EXPECT_EQ(internal::TrimTrailingWhitespace(""), "");
}

TEST(VaCommon, HostPortBracketsIpv6) {
  EXPECT_EQ(internal::HostPort("::1", 80), "[::1]:80");
  EXPECT_EQ(internal::HostPort("example.test", 8080), "example.test:8080");
}

}  // namespace
}  // namespace anvil::va
