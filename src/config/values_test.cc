#include "config/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "support/temp_dir.h"

namespace anvil::config::internal {
namespace {

using ::testing::StartsWith;

TEST(ConfigValuesTest, QuoteEscapesLikeTomlBasicStrings) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote(std::string("t\tn\nz\0e", 7)), "\"t\\tn\\nz\\u0000e\"");
  EXPECT_EQ(Quote("\x7f"), "\"\\u007F\"");
  EXPECT_EQ(Quote("é"), "\"é\"");
}

TEST(ConfigValuesTest, IpLiterals) {
  EXPECT_TRUE(IsIpv4Literal("192.0.2.1"));
  EXPECT_FALSE(IsIpv4Literal("192.0.2.01"));
  EXPECT_FALSE(IsIpv4Literal("192.0.2"));
  EXPECT_FALSE(IsIpv4Literal("::1"));
  EXPECT_TRUE(IsIpv6Literal("::1"));
  EXPECT_TRUE(IsIpv6Literal("2001:db8::1"));
  EXPECT_FALSE(IsIpv6Literal("[::1]"));
  EXPECT_FALSE(IsIpv6Literal("fe80::1%eth0"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_TRUE(IsUnspecifiedAddress("0.0.0.0"));
  EXPECT_TRUE(IsUnspecifiedAddress("::"));
  EXPECT_TRUE(IsUnspecifiedAddress("0::0"));
  EXPECT_FALSE(IsUnspecifiedAddress("::1"));
  EXPECT_FALSE(IsUnspecifiedAddress("localhost"));
}

TEST(ConfigValuesTest, ParsesHostPort) {
  Result<ListenAddress> a = ParseHostPort("localhost:14000", false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 14000);
  a = ParseHostPort("[::1]:443", false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 443);
  a = ParseHostPort("127.0.0.1:0", true);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 0);
  EXPECT_EQ(ParseHostPort("127.0.0.1:0", false).status().message(), "port 0 out of range (1..65535)");
  for (const char* bad : {"", "host", "host:", ":", "[::1]", "[::1]443", "[::1:443", "host:-1", "host:+1",
                          "host:123456", "host: 1", "[]:1"}) {
    EXPECT_FALSE(ParseHostPort(bad, true).ok()) << bad;
  }
}

TEST(ConfigValuesTest, UrlForListenAddress) {
  EXPECT_EQ(UrlForListenAddress({"localhost", 14000}), "https://localhost:14000");
  EXPECT_EQ(UrlForListenAddress({"0.0.0.0", 443}), "https://localhost:443");
  EXPECT_EQ(UrlForListenAddress({"::", 443}), "https://localhost:443");
  EXPECT_EQ(UrlForListenAddress({"::1", 443}), "https://[::1]:443");
  EXPECT_EQ(UrlForListenAddress({"10.1.2.3", 8443}), "https://10.1.2.3:8443");
}

TEST(ConfigValuesTest, DnsNamesAreLowerCasedAndChecked) {
  std::string name = "WWW.Example.COM";
  ASSERT_TRUE(NormalizeDnsName(name).ok());
  EXPECT_EQ(name, "www.example.com");
  for (std::string good : {"localhost", "a-b.example", "xn--bcher-kva.example", "1.example", "a.b.c.d.e"}) {
    EXPECT_TRUE(NormalizeDnsName(good).ok()) << good;
  }
  for (std::string bad :
       std::vector<std::string>{"", ".", "example.com.", ".example.com", "a..b", "-a.example", "a-.example",
                                "under_score.example", "*.example.com", "sp ace.example", "1.2.3",
                                "10.0.0.300", std::string(64, 'a') + ".example", "bücher.example"}) {
    EXPECT_FALSE(NormalizeDnsName(bad).ok()) << bad;
  }
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  long_name += "com";  // 259 octets
  EXPECT_FALSE(NormalizeDnsName(long_name).ok());
  std::string idn = "bücher.example";
  EXPECT_THAT(NormalizeDnsName(idn).message(), ::testing::HasSubstr("xn--"));
}

TEST(ConfigValuesTest, Cidrs) {
  for (const char* good :
       {"10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "2001:db8::/32", "::/0", "::1/128", "fd00::/8"}) {
    EXPECT_TRUE(CheckCidr(good).ok()) << good;
  }
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/08", "10.0.0/8", "/8", "2001:db8::/129",
        "10.0.0.0/33", "10.0.0.0/-1", "example.com/8", "10.0.0.1/8", "2001:db8::1/64"}) {
    EXPECT_FALSE(CheckCidr(bad).ok()) << bad;
  }
  EXPECT_EQ(CheckCidr("2001:db8::1/64").message(),
            "\"2001:db8::1/64\" has host bits set; did you mean \"2001:db8::/64\"?");
  EXPECT_EQ(CheckCidr("192.168.1.77/20").message(),
            "\"192.168.1.77/20\" has host bits set; did you mean \"192.168.0.0/20\"?");
}

TEST(ConfigValuesTest, Oids) {
  for (const char* good : {"1.3.6.1.5.5.7.3.1", "2.5.29.37.0", "0.9", "1.39", "2.999.1",
                           "2.25.329800735698586629295641978511506172918"}) {
    EXPECT_TRUE(CheckOid(good).ok()) << good;
  }
  for (const char* bad : {"", "1", "3.1", "1.40", "0.100", "1..2", "1.2.", ".1.2", "1.02", "01.2", "a.b"}) {
    EXPECT_FALSE(CheckOid(bad).ok()) << bad;
  }
}

TEST(ConfigValuesTest, Urls) {
  EXPECT_TRUE(CheckUrl("https://example.com", false).ok());
  EXPECT_TRUE(CheckUrl("https://example.com/tos?v=2#top", false).ok());
  EXPECT_TRUE(CheckUrl("http://example.com", true).ok());
  EXPECT_FALSE(CheckUrl("http://example.com", false).ok());
  EXPECT_FALSE(CheckUrl("https:///path", false).ok());
  EXPECT_FALSE(CheckUrl("https://exa mple.com", false).ok());
  EXPECT_FALSE(CheckUrl("HTTPS://example.com", false).ok());

  std::string url = "https://ca.example:8443/acme//";
  ASSERT_TRUE(NormalizeBaseUrl(url).ok());
  EXPECT_EQ(url, "https://ca.example:8443/acme");
  url = "https://[::1]:14000/";
  ASSERT_TRUE(NormalizeBaseUrl(url).ok());
  EXPECT_EQ(url, "https://[::1]:14000");
  for (std::string bad :
       {"https://user@ca.example", "https://ca.example/#x", "https://ca.example?x", "ca.example"}) {
    EXPECT_THAT(NormalizeBaseUrl(bad).message(), StartsWith("expected ")) << bad;
  }
}

// ca.key_passphrase's sources. The environment is this process's: each variable is restored afterwards.
class PassphraseTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv("ANVIL_TEST_PASSPHRASE");
    ::unsetenv("CREDENTIALS_DIRECTORY");
  }
  std::string Write(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir_.path() + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(path, text, mode).ok());
    return path;
  }
  anvil::testing::TempDir dir_;
};

TEST_F(PassphraseTest, AFileOfMode0600GivesItsTextWithoutTheTrailingNewline) {
  EXPECT_EQ(*ReadPassphrase("file:" + Write("p", "correct horse\n", 0600)), "correct horse");
  EXPECT_EQ(*ReadPassphrase("file:" + Write("crlf", "two words\r\n", 0400)), "two words");
  EXPECT_EQ(*ReadPassphrase("file:" + Write("inner", "a\nb\n", 0600)), "a\nb");
  auto open = ReadPassphrase("file:" + Write("open", "secret\n", 0644));
  EXPECT_EQ(open.status().code(), Code::kInvalidArgument);
  EXPECT_NE(open.status().message().find("chmod 600"), std::string::npos);
  EXPECT_EQ(open.status().message().find("secret"), std::string::npos);
  auto missing = ReadPassphrase("file:" + dir_.path() + "/nope");
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("ca.key_passphrase"), std::string::npos);
  EXPECT_EQ(ReadPassphrase("file:" + Write("empty", "\n", 0600)).status().code(), Code::kInvalidArgument);
}

TEST_F(PassphraseTest, AnEnvironmentVariableOrASystemdCredential) {
  EXPECT_EQ(ReadPassphrase("env:ANVIL_TEST_PASSPHRASE").status().code(), Code::kInvalidArgument);
  ::setenv("ANVIL_TEST_PASSPHRASE", "from the environment", 1);
  EXPECT_EQ(*ReadPassphrase("env:ANVIL_TEST_PASSPHRASE"), "from the environment");
  ::setenv("ANVIL_TEST_PASSPHRASE", "", 1);
  EXPECT_EQ(ReadPassphrase("env:ANVIL_TEST_PASSPHRASE").status().code(), Code::kInvalidArgument);

  auto no_dir = ReadPassphrase("credential:anvil-key");
  EXPECT_EQ(no_dir.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_dir.status().message().find("CREDENTIALS_DIRECTORY"), std::string::npos);
  Write("anvil-key", "from systemd", 0400);
  ::setenv("CREDENTIALS_DIRECTORY", dir_.path().c_str(), 1);
  EXPECT_EQ(*ReadPassphrase("credential:anvil-key"), "from systemd");
  EXPECT_EQ(ReadPassphrase("credential:other").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ReadPassphrase("plain-text").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::config::internal
