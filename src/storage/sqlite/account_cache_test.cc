#include "storage/sqlite/account_cache.h"

#include <gtest/gtest.h>

namespace anvil::storage::sqlite {
namespace {

using std::chrono::milliseconds;
using SteadyClock = AccountCache::SteadyClock;

Account MakeAccount(const std::string& id, const std::string& contact = "mailto:a@example.org") {
  Account a;
  a.id = id;
  a.jwk_json = R"({"kty":"EC"})";
  a.thumbprint = "tp-" + id;
  a.contacts = {contact};
  return a;
}

TEST(AccountCache, ReturnsWhatWasPut) {
  AccountCache cache(10, milliseconds(1000));
  EXPECT_FALSE(cache.Get("a"));
  cache.Put(MakeAccount("a"), cache.generation());
  auto got = cache.Get("a");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->thumbprint, "tp-a");
  EXPECT_EQ(got->contacts, std::vector<std::string>{"mailto:a@example.org"});
}

TEST(AccountCache, InvalidateDropsTheEntry) {
  AccountCache cache(10, milliseconds(1000));
  cache.Put(MakeAccount("a"), cache.generation());
  cache.Put(MakeAccount("b"), cache.generation());
  cache.Invalidate("a");
  EXPECT_FALSE(cache.Get("a"));
  EXPECT_TRUE(cache.Get("b"));
}

// A read that began before a write and finishes after it must not cache the row it read.
TEST(AccountCache, RefusesARowReadBeforeAWrite) {
  AccountCache cache(10, milliseconds(1000));
  const uint64_t before = cache.generation();
  cache.Invalidate("a");  // the write commits while the read is in flight
  cache.Put(MakeAccount("a", "mailto:old@example.org"), before);
  EXPECT_FALSE(cache.Get("a"));
  cache.Put(MakeAccount("a", "mailto:new@example.org"), cache.generation());  // a read after the write
  ASSERT_TRUE(cache.Get("a"));
  EXPECT_EQ(cache.Get("a")->contacts[0], "mailto:new@example.org");
}

TEST(AccountCache, EntriesExpire) {
  AccountCache cache(10, milliseconds(1000));
  const auto t0 = SteadyClock::now();
  cache.Put(MakeAccount("a"), cache.generation(), t0);
  EXPECT_TRUE(cache.Get("a", t0 + milliseconds(999)));
  EXPECT_FALSE(cache.Get("a", t0 + milliseconds(1000)));
  EXPECT_FALSE(cache.Get("a", t0));  // an expired entry is gone, not hidden
}

TEST(AccountCache, StartsAgainWhenFull) {
  AccountCache cache(2, milliseconds(1000));
  cache.Put(MakeAccount("a"), cache.generation());
  cache.Put(MakeAccount("b"), cache.generation());
  cache.Put(MakeAccount("b"), cache.generation());  // replacing an entry does not count as growth
  EXPECT_TRUE(cache.Get("a"));
  cache.Put(MakeAccount("c"), cache.generation());
  EXPECT_FALSE(cache.Get("a"));
  EXPECT_FALSE(cache.Get("b"));
  EXPECT_TRUE(cache.Get("c"));
}

TEST(AccountCache, ZeroCapacityCachesNothing) {
  AccountCache cache(0, milliseconds(1000));
  cache.Put(MakeAccount("a"), cache.generation());
  EXPECT_FALSE(cache.Get("a"));
}

}  // namespace
}  // namespace anvil::storage::sqlite
