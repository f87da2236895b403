#include "wfe/nonce_service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace anvil::wfe {
namespace {

TEST(NonceService, RedeemsOnceOnly) {
  FakeClock clock(std::chrono::system_clock::now());
  NonceService nonces(clock, std::chrono::seconds(60));
  std::string n = nonces.Issue();
  EXPECT_TRUE(nonces.Redeem(n));
  EXPECT_FALSE(nonces.Redeem(n));
  EXPECT_FALSE(nonces.Redeem("never-issued"));
}

TEST(NonceService, ExpiredNoncesAreRefused) {
  FakeClock clock(std::chrono::system_clock::now());
  NonceService nonces(clock, std::chrono::seconds(60));
  std::string n = nonces.Issue();
  clock.Advance(std::chrono::seconds(61));
  EXPECT_FALSE(nonces.Redeem(n));
}

TEST(NonceService, BoundedByForgettingTheOldest) {
  FakeClock clock(std::chrono::system_clock::now());
  NonceService nonces(clock, std::chrono::seconds(60), 16 * 4);
  std::vector<std::string> issued;
  for (int i = 0; i < 2000; ++i) issued.push_back(nonces.Issue());
  EXPECT_FALSE(nonces.Redeem(issued.front()));
  EXPECT_TRUE(nonces.Redeem(issued.back()));
}

TEST(NonceService, ConcurrentIssueAndRedeemNeverAcceptsTwice) {
  FakeClock clock(std::chrono::system_clock::now());
  NonceService nonces(clock, std::chrono::seconds(60));
  std::vector<std::string> issued;
  for (int i = 0; i < 1000; ++i) issued.push_back(nonces.Issue());
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (const auto& n : issued) accepted += nonces.Redeem(n) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1000);
}

}  // namespace
}  // namespace anvil::wfe
