#include "acme/certificate_id.h"

#include <gtest/gtest.h>

namespace anvil::acme {
namespace {

TEST(CertificateId, RoundTripsAuthorityKeyIdAndSerial) {
  std::string id = CertificateId("\x69\x88\x5B\x6B\x87\x46\x40\x41", "87654321");
  EXPECT_EQ(id, "aYhba4dGQEE.AIdlQyE");  // RFC 9773 §4.1: the serial's DER contents, 0x00 first.
  auto parsed = ParseCertificateId(id);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first, "\x69\x88\x5B\x6B\x87\x46\x40\x41");
  EXPECT_EQ(parsed->second, "87654321");
}

// A serial with its top bit set is a negative INTEGER, never a certificate's (RFC 5280 §4.1.2.2); a 21-octet
// one was accepted and then written back as 22 octets, which the parser refuses
// (tests/fuzz/acme_request_fuzzer).
TEST(CertificateId, RefusesANegativeSerial) {
  auto parsed = ParseCertificateId("s34By5ByNQ.ontact44444044444444632lQyE");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Code::kMalformed);
  EXPECT_EQ(ParseCertificateId("aYhba4dGQEE.h2VDIQ").status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace anvil::acme
