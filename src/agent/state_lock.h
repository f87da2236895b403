// StateLock: one `anvil` at a time changes a state directory. An exclusive flock(2) on <root>/lock, taken
// without blocking; the holder writes its pid into the file so that the one refused can name it. The lock
// belongs to the open file description: it is released when the StateLock is destroyed, or by the kernel when
// the process dies (no stale lock after a crash). The descriptor is close-on-exec, so hooks and the daemons
// they start never inherit it.
//
// Thread-safety: a StateLock is a move-only value owned by one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "agent/sleeper.h"
#include "base/status.h"
#include "base/time.h"

namespace anvil::agent {

class StateLock {
 public:
  // Creates `root` (0700) if missing and takes the lock. kUnavailable "another anvil (pid N) is using ROOT"
  // when another process (or another StateLock of this one) holds it; kIo when the file cannot be opened.
  static Result<StateLock> TryAcquire(const std::string& root);
  // TryAcquire, retried every `poll` while the lock is held, until `wait` has passed (then the kUnavailable
  // of the last try, saying how long it waited).
  static Result<StateLock> Acquire(const std::string& root, std::chrono::seconds wait, const Clock& clock,
                                   Sleeper& sleeper,
                                   std::chrono::milliseconds poll = std::chrono::milliseconds(250));

  StateLock(StateLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  // The lock file of a state directory.
  static std::string PathFor(const std::string& root);

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace anvil::agent
