#include "agent/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"

namespace anvil::agent {
namespace {

std::string Trimmed(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

// The pid the holder wrote, or "unknown" (it may not have written it yet).
std::string HolderPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? size_t(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  bool digits = !pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos;
  return digits ? pid : "unknown";
}

}  // namespace

std::string StateLock::PathFor(const std::string& root) { return Trimmed(root) + "/lock"; }

Result<StateLock> StateLock::TryAcquire(const std::string& root_in) {
  std::string root = Trimmed(root_in);
  if (root.empty()) return Error(Code::kInvalidArgument, "empty state directory");
  ANVIL_RETURN_IF_ERROR(MakeDirectories(root, 0700));
  std::string path = PathFor(root);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Error(Code::kIo, "cannot open the lock " + path + ": " + std::strerror(errno));
  StateLock lock(fd);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) {
      return Error(Code::kUnavailable, "another anvil (pid " + HolderPid(fd) + ") is using " + root);
    }
    return Error(Code::kIo, "cannot lock " + path + ": " + std::strerror(errno));
  }
  // Ours: say who holds it. Informational only (the lock is the flock, not the content).
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    return Error(Code::kIo, "cannot write " + path + ": " + std::strerror(errno));
  }
  return lock;
}

Result<StateLock> StateLock::Acquire(const std::string& root, std::chrono::seconds wait, const Clock& clock,
                                     Sleeper& sleeper, std::chrono::milliseconds poll) {
  const TimePoint deadline = clock.Now() + wait;
  for (;;) {
    auto lock = TryAcquire(root);
    if (lock.ok() || lock.status().code() != Code::kUnavailable) return lock;
    if (clock.Now() >= deadline) {
      if (wait.count() == 0) return lock;
      return Error(Code::kUnavailable,
                   lock.status().message() + " (waited " + std::to_string(wait.count()) + " s, --wait-lock)");
    }
    sleeper.Sleep(poll);
  }
}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);  // Releases the flock.
}

}  // namespace anvil::agent
