#include "agent/state_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <utility>

#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(AgentStateLock, ASecondHolderIsRefusedAtOnceNamingThePidAndTheDirectory) {
  anvil::testing::TempDir tmp;
  std::string root = tmp.path() + "/state";
  std::optional<StateLock> first;
  {
    auto lock = StateLock::TryAcquire(root);
    ASSERT_TRUE(lock.ok()) << lock.status().ToString();
    first.emplace(std::move(*lock));
  }
  struct stat st;
  ASSERT_EQ(::stat((root + "/lock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A second open file description of the same lock file, as another process would have.
  auto second = StateLock::TryAcquire(root + "/");
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "another anvil (pid " + std::to_string(::getpid()) + ") is using " + root);
  first.reset();
  EXPECT_TRUE(StateLock::TryAcquire(root).ok());
}

TEST(AgentStateLock, ALockHeldByAnotherProcessIsNamedByItsPidAndFreedWhenItExits) {
  anvil::testing::TempDir tmp;
  std::string root = tmp.path();
  std::string path = StateLock::PathFor(root);
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // Another anvil: takes the lock as StateLock does (system calls only), waits, exits.
    ::close(ready[0]);
    ::close(release[1]);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) _exit(1);
    char pid[16];
    int n = 0;
    for (pid_t p = ::getpid(); p > 0; p /= 10) pid[n++] = char('0' + p % 10);
    for (int i = 0; i < n / 2; ++i) std::swap(pid[i], pid[n - 1 - i]);
    if (::ftruncate(fd, 0) != 0 || ::write(fd, pid, n) != n) _exit(1);
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) _exit(1);
    (void)!::read(release[0], &c, 1);  // Returns at EOF: the parent closed its end.
    _exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  auto refused = StateLock::TryAcquire(root);
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("another anvil (pid " + std::to_string(child) + ")"),
            std::string::npos)
      << refused.status().message();
  ::close(release[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ::close(ready[0]);
  EXPECT_TRUE(StateLock::TryAcquire(root).ok());  // The kernel released it with the process.
}

// Releases `held` on its n-th sleep, as another anvil finishing its work would.
class ReleasingSleeper final : public Sleeper {
 public:
  ReleasingSleeper(FakeClock& clock, std::optional<StateLock>& held, int release_on)
      : clock_(clock), held_(held), release_on_(release_on) {}
  void Sleep(milliseconds d) override {
    clock_.Advance(d);
    if (++sleeps_ == release_on_) held_.reset();
  }
  int sleeps() const { return sleeps_; }

 private:
  FakeClock& clock_;
  std::optional<StateLock>& held_;
  int release_on_;
  int sleeps_ = 0;
};

TEST(AgentStateLock, WaitLockRetriesUntilTheHolderIsDone) {
  anvil::testing::TempDir tmp;
  std::optional<StateLock> held;
  held.emplace(std::move(*StateLock::TryAcquire(tmp.path())));
  FakeClock clock(FromUnixSeconds(0));
  ReleasingSleeper sleeper(clock, held, 3);
  auto lock = StateLock::Acquire(tmp.path(), seconds(10), clock, sleeper);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(sleeper.sleeps(), 3);
}

TEST(AgentStateLock, WaitLockGivesUpAfterItsTime) {
  anvil::testing::TempDir tmp;
  std::optional<StateLock> held;
  held.emplace(std::move(*StateLock::TryAcquire(tmp.path())));
  FakeClock clock(FromUnixSeconds(0));
  ReleasingSleeper sleeper(clock, held, 1000);
  auto lock = StateLock::Acquire(tmp.path(), seconds(1), clock, sleeper);
  EXPECT_EQ(lock.status().code(), Code::kUnavailable);
  EXPECT_NE(lock.status().message().find("(waited 1 s, --wait-lock)"), std::string::npos)
      << lock.status().message();
  EXPECT_EQ(sleeper.sleeps(), 4);  // Every 250 ms.
  FakeSleeper no_wait(clock);
  EXPECT_EQ(StateLock::Acquire(tmp.path(), seconds(0), clock, no_wait).status().message().find("waited"),
            std::string::npos);
  EXPECT_TRUE(no_wait.sleeps().empty());
}

}  // namespace
}  // namespace anvil::agent
