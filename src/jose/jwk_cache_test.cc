#include "jose/jwk_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "crypto/key.h"

namespace anvil::jose {
namespace {

std::string JwkText(crypto::KeyType type) {
  return Jwk::FromPublicKey(crypto::PrivateKey::Generate(type)->public_key()).ToJson().dump();
}

TEST(JwkCache, ReturnsTheKeyOfEachTextAndNeverAnotherOne) {
  JwkCache cache;
  std::string a = JwkText(crypto::KeyType::kEcP256), b = JwkText(crypto::KeyType::kEd25519);
  auto a1 = cache.Get(a), b1 = cache.Get(b), a2 = cache.Get(a);
  ASSERT_TRUE(a1.ok() && b1.ok() && a2.ok());
  EXPECT_EQ(a1->ToJson().dump(), a);
  EXPECT_EQ(b1->ToJson().dump(), b);
  EXPECT_TRUE(*a1 == *a2);
  EXPECT_FALSE(*a1 == *b1);
}

TEST(JwkCache, ErrorsAreReportedAndNotCached) {
  JwkCache cache;
  EXPECT_EQ(cache.Get("not json").status().code(), Code::kMalformed);
  EXPECT_EQ(cache.Get(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA"})").status().code(), Code::kBadPublicKey);
  EXPECT_EQ(cache.Get("not json").status().code(), Code::kMalformed);
}

TEST(JwkCache, StaysBoundedAndCorrectWhenFull) {
  JwkCache cache(2);
  std::vector<std::string> texts;
  for (int i = 0; i < 5; ++i) texts.push_back(JwkText(crypto::KeyType::kEcP256));
  for (int round = 0; round < 2; ++round) {
    for (const auto& t : texts) {
      auto jwk = cache.Get(t);
      ASSERT_TRUE(jwk.ok());
      EXPECT_EQ(jwk->ToJson().dump(), t);
    }
  }
}

TEST(JwkCache, ManyThreadsAtOnce) {
  JwkCache cache(3);
  std::vector<std::string> texts;
  for (int i = 0; i < 4; ++i) texts.push_back(JwkText(crypto::KeyType::kEcP256));
  std::vector<int> good(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string& text = texts[static_cast<size_t>((i + t) % 4)];
        auto jwk = cache.Get(text);
        if (jwk.ok() && jwk->ToJson().dump() == text) ++good[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int g : good) EXPECT_EQ(g, 200);
}

}  // namespace
}  // namespace anvil::jose
