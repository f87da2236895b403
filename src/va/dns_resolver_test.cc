#include "va/dns_resolver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "va/va_test_util.h"

namespace anvil::va {
namespace {

using std::chrono::milliseconds;

class VaResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto srv = testing::ChallTestSrv::Start();
    if (srv.status().code() == Code::kUnavailable) GTEST_SKIP() << srv.status().ToString();
    ASSERT_TRUE(srv.ok()) << srv.status().ToString();
    srv_ = std::move(srv).value();
    auto resolver =
        NewCaresResolver({.server = srv_->dns_server(), .timeout = milliseconds(3000), .tries = 2});
    ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
    resolver_ = std::move(resolver).value();
  }
  void TearDown() override {
    resolver_.reset();
    if (srv_) srv_->Stop();
  }

  std::unique_ptr<testing::ChallTestSrv> srv_;
  std::unique_ptr<DnsResolver> resolver_;
};

TEST_F(VaResolverTest, LookupTxtReturnsEveryRecord) {
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.example.test", "first").ok());
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.example.test", "second").ok());
  auto txt = resolver_->LookupTxt("_acme-challenge.example.test");
  ASSERT_TRUE(txt.ok()) << txt.status().ToString();
  std::vector<std::string> got = *txt;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"first", "second"}));
}

TEST_F(VaResolverTest, LookupTxtOfNameWithoutTxtIsEmpty) {
  auto txt = resolver_->LookupTxt("_acme-challenge.nothing.test");
  ASSERT_TRUE(txt.ok()) << txt.status().ToString();
  EXPECT_TRUE(txt->empty());
}

TEST_F(VaResolverTest, LookupTxtFollowsCname) {
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.delegated.test", "through-alias").ok());
  ASSERT_TRUE(srv_->SetCname("_acme-challenge.alias.test", "_acme-challenge.delegated.test").ok());
  auto txt = resolver_->LookupTxt("_acme-challenge.alias.test");
  ASSERT_TRUE(txt.ok()) << txt.status().ToString();
  EXPECT_EQ(*txt, std::vector<std::string>{"through-alias"});
}

TEST_F(VaResolverTest, ServfailIsDnsProblemNamingNameAndRcode) {
  ASSERT_TRUE(srv_->SetServfail("broken.test").ok());
  auto txt = resolver_->LookupTxt("broken.test");
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(txt.status().code(), Code::kDns);
  EXPECT_EQ(txt.status().message(), "DNS problem: SERVFAIL looking up TXT for broken.test");
}

TEST_F(VaResolverTest, LookupAddressesReturnsAThenAaaa) {
  ASSERT_TRUE(srv_->AddA("dual.test", {"127.0.0.2"}).ok());
  ASSERT_TRUE(srv_->AddAaaa("dual.test", {"::1"}).ok());
  auto addresses = resolver_->LookupAddresses("dual.test");
  ASSERT_TRUE(addresses.ok()) << addresses.status().ToString();
  EXPECT_EQ(*addresses, (std::vector<std::string>{"127.0.0.2", "::1"}));

  auto by_default = resolver_->LookupAddresses("anything.test");
  ASSERT_TRUE(by_default.ok()) << by_default.status().ToString();
  EXPECT_EQ(*by_default, std::vector<std::string>{"127.0.0.1"});
}

TEST_F(VaResolverTest, LookupAddressesOfServfailNameIsDnsProblem) {
  ASSERT_TRUE(srv_->SetServfail("broken.test").ok());
  auto addresses = resolver_->LookupAddresses("broken.test");
  ASSERT_FALSE(addresses.ok());
  EXPECT_EQ(addresses.status().code(), Code::kDns);
  EXPECT_EQ(addresses.status().message(), "DNS problem: SERVFAIL looking up A for broken.test");
}

TEST_F(VaResolverTest, ConcurrentLookupsFromManyThreads) {
  ASSERT_TRUE(srv_->SetTxt("_acme-challenge.busy.test", "v").ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto txt = resolver_->LookupTxt("_acme-challenge.busy.test");
        if (txt.ok() && *txt == std::vector<std::string>{"v"}) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST(VaResolver, NxdomainIsDnsProblemNamingNameAndRcode) {
  auto server = testing::ScriptedDnsServer::Start(testing::ScriptedDnsServer::Mode::kNxdomain);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto resolver =
      NewCaresResolver({.server = (*server)->address(), .timeout = milliseconds(2000), .tries = 1});
  ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
  auto txt = (*resolver)->LookupTxt("_acme-challenge.missing.test");
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(txt.status().code(), Code::kDns);
  EXPECT_EQ(txt.status().message(), "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.missing.test");

  auto addresses = (*resolver)->LookupAddresses("missing.test");
  ASSERT_FALSE(addresses.ok());
  EXPECT_EQ(addresses.status().message(), "DNS problem: NXDOMAIN looking up A for missing.test");
}

TEST(VaResolver, SilentServerTimesOutWithinTheBound) {
  auto server = testing::ScriptedDnsServer::Start(testing::ScriptedDnsServer::Mode::kSilent);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto resolver =
      NewCaresResolver({.server = (*server)->address(), .timeout = milliseconds(600), .tries = 2});
  ASSERT_TRUE(resolver.ok()) << resolver.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  auto txt = (*resolver)->LookupTxt("slow.test");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(txt.ok());
  EXPECT_EQ(txt.status().code(), Code::kDns);
  EXPECT_EQ(txt.status().message(), "DNS problem: query timed out looking up TXT for slow.test");
  EXPECT_LT(took, milliseconds(2500));  // 600 ms plus generous scheduling slack
  EXPECT_GE((*server)->queries(), 2);   // the retry was sent
}

TEST(VaResolver, RejectsBadOptions) {
  EXPECT_EQ(NewCaresResolver({.server = "not an address"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(NewCaresResolver({.server = "127.0.0.1:53", .timeout = milliseconds(0)}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(NewCaresResolver({.server = "127.0.0.1:53", .tries = 0}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(NewCaresResolver({.server = "[::1]:53"}).ok());
}

}  // namespace
}  // namespace anvil::va
