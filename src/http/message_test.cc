#include "http/message.h"

#include <gtest/gtest.h>

namespace anvil::http {
namespace {

TEST(HttpHeaders, NamesAreCaseInsensitiveAndOrdered) {
  Headers h;
  h.Add("Link", "<a>;rel=up");
  h.Add("Content-Type", "text/plain");
  h.Add("link", "<b>;rel=index");
  EXPECT_EQ(h.Get("LINK"), "<a>;rel=up");
  EXPECT_EQ(h.GetAll("Link"), (std::vector<std::string>{"<a>;rel=up", "<b>;rel=index"}));
  EXPECT_EQ(h.Get("Missing"), std::nullopt);
  EXPECT_TRUE(h.GetAll("Missing").empty());
  ASSERT_EQ(h.entries().size(), 3u);
  EXPECT_EQ(h.entries()[2].first, "link");
}

TEST(HttpHeaders, SetReplacesEveryValueInPlace) {
  Headers h;
  h.Add("A", "1");
  h.Add("B", "2");
  h.Add("a", "3");
  h.Set("A", "4");
  ASSERT_EQ(h.entries().size(), 2u);
  EXPECT_EQ(h.entries()[0], (std::pair<std::string, std::string>{"A", "4"}));
  EXPECT_EQ(h.entries()[1].first, "B");
  h.Set("C", "5");
  EXPECT_EQ(h.entries().back().second, "5");
  EXPECT_EQ(h.Remove("b"), 1u);
  EXPECT_FALSE(h.Contains("B"));
}

TEST(HttpTarget, SplitsPathAndQueryWithoutDecoding) {
  auto t = ParseTarget("/acme/order/abc%2F?cursor=2&x=?");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/acme/order/abc%2F");
  EXPECT_EQ(t->query, "cursor=2&x=?");
  EXPECT_EQ(t->host, "");
  t = ParseTarget("/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/");
  EXPECT_EQ(t->query, "");
}

TEST(HttpTarget, AcceptsAbsoluteAndAsteriskFormRejectsOthers) {
  auto t = ParseTarget("http://Example.COM:8080/dir?x=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "example.com");
  EXPECT_EQ(t->path, "/dir");
  EXPECT_EQ(t->query, "x=1");
  t = ParseTarget("https://[::1]");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "[::1]");
  EXPECT_EQ(t->path, "/");
  EXPECT_EQ(ParseTarget("*")->path, "*");
  EXPECT_FALSE(ParseTarget("example.com:443"));
  EXPECT_FALSE(ParseTarget(""));
  EXPECT_FALSE(ParseTarget("relative/path"));
  EXPECT_FALSE(ParseTarget("http://bad host/"));
}

TEST(HttpHost, StripsPortAndLowercases) {
  EXPECT_EQ(HostFromAuthority("Example.com"), "example.com");
  EXPECT_EQ(HostFromAuthority("example.com:443"), "example.com");
  EXPECT_EQ(HostFromAuthority("example.com:"), "example.com");
  EXPECT_EQ(HostFromAuthority("127.0.0.1:8080"), "127.0.0.1");
  EXPECT_EQ(HostFromAuthority("[::1]:8080"), "[::1]");
  EXPECT_EQ(HostFromAuthority("[::1]"), "[::1]");
  EXPECT_FALSE(HostFromAuthority(""));
  EXPECT_FALSE(HostFromAuthority("a b"));
  EXPECT_FALSE(HostFromAuthority("host:99999"));
  EXPECT_FALSE(HostFromAuthority("host:8x"));
  EXPECT_FALSE(HostFromAuthority("[::1"));
  EXPECT_FALSE(HostFromAuthority("[zz]"));
}

}  // namespace
}  // namespace anvil::http
