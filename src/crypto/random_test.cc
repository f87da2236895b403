#include "crypto/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace anvil::crypto {
namespace {

TEST(Random, ReturnsTheRequestedNumberOfDistinctBytes) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  std::string a = RandomBytes(16), b = RandomBytes(16);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
}

// Small draws come from a per-thread block; across many refills no draw repeats and sizes are exact.
TEST(Random, SmallDrawsAcrossBlockRefillsNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const size_t n = 15 + static_cast<size_t>(i % 3) * 8;  // 15, 23, 31: never aligned to the block size
    std::string r = RandomBytes(n);
    ASSERT_EQ(r.size(), n);
    EXPECT_TRUE(seen.insert(r).second) << "draw " << i << " repeated";
  }
}

TEST(Random, LargeAndBoundarySizes) {
  for (size_t n : {1u, 63u, 64u, 65u, 1024u, 5000u}) {
    std::string a = RandomBytes(n), b = RandomBytes(n);
    ASSERT_EQ(a.size(), n);
    ASSERT_EQ(b.size(), n);
    if (n >= 8) {
      EXPECT_NE(a, b) << n;
    }
  }
}

TEST(Random, ThreadsDrawDifferentBytes) {
  std::vector<std::string> draws(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < draws.size(); ++t) threads.emplace_back([&, t] { draws[t] = RandomBytes(16); });
  for (auto& t : threads) t.join();
  std::set<std::string> distinct(draws.begin(), draws.end());
  EXPECT_EQ(distinct.size(), draws.size());
}

// After fork the child must not repeat what the parent (which buffered a block before forking) hands out.
TEST(Random, ForkedChildDoesNotRepeatTheParentsBytes) {
  (void)RandomBytes(16);  // the parent now holds a partly used block
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string r = RandomBytes(16);
    _exit(write(fds[1], r.data(), r.size()) == 16 ? 0 : 1);
  }
  close(fds[1]);
  std::string parent = RandomBytes(16);
  std::string child(16, '\0');
  ASSERT_EQ(read(fds[0], child.data(), child.size()), 16);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(parent, child);
}

}  // namespace
}  // namespace anvil::crypto
