#include "ra/limit_keys.h"

#include <gtest/gtest.h>

namespace anvil::ra {
namespace {

TEST(LimitKeys, ClientRangeIsTheIpv4AddressOrTheIpv6Slash64) {
  EXPECT_EQ(ClientRange("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ClientRange("2001:db8:1:2:a:b:c:d"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientRange("::1"), "::/64");
  EXPECT_EQ(ClientRange("not an address"), "not an address");
}

TEST(LimitKeys, RegisteredDomainIsTheLastTwoLabelsOrTheAddress) {
  using acme::IdentifierType;
  EXPECT_EQ(RegisteredDomain({IdentifierType::kDns, "www.corp.example.com"}), "example.com");
  EXPECT_EQ(RegisteredDomain({IdentifierType::kDns, "*.example.com"}), "example.com");
  EXPECT_EQ(RegisteredDomain({IdentifierType::kDns, "example.com"}), "example.com");
  EXPECT_EQ(RegisteredDomain({IdentifierType::kIp, "2001:db8::1"}), "2001:db8::1");
}

}  // namespace
}  // namespace anvil::ra
