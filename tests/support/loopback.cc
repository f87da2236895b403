#include "support/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>

namespace anvil::testing {
namespace {

constexpr int kLowestPort = 10000;
constexpr time_t kStaleSeconds = 3600;

int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (!(in >> low)) return 32768;
  return low;
}

bool Bindable(uint16_t port) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    const int fd = BindLoopback(type, port);
    if (fd < 0) return false;
    close(fd);
  }
  return true;
}

// Claims `port` for this test run by creating its directory; a claim older than an hour is taken back.
bool Reserve(const std::string& directory, uint16_t port) {
  const std::string path = directory + "/" + std::to_string(port);
  if (mkdir(path.c_str(), 0700) == 0) return true;
  if (errno != EEXIST) return false;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || time(nullptr) - st.st_mtime <= kStaleSeconds) return false;
  return utime(path.c_str(), nullptr) == 0;
}

}  // namespace

int BindLoopback(int type, uint16_t port) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

Result<uint16_t> FreePort() {
  const int high = EphemeralLow() - 1;
  if (high - kLowestPort < 1000) {  // No room below the ephemeral range on this machine: let the kernel choose.
    for (int attempt = 0; attempt < 20; ++attempt) {
      const int tcp = BindLoopback(SOCK_STREAM);
      if (tcp < 0) return Error(Code::kIo, "bind 127.0.0.1:0 failed");
      const uint16_t port = LocalPort(tcp);
      close(tcp);
      if (Bindable(port)) return port;
    }
    return Error(Code::kIo, "no free port on 127.0.0.1");
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string directory = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/anvil-test-ports";
  mkdir(directory.c_str(), 0777);  // Shared with the shell scenarios' picks; EEXIST is the usual case.
  std::random_device seed;
  std::mt19937 rng(seed());
  std::uniform_int_distribution<int> pick(kLowestPort, high);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<uint16_t>(pick(rng));
    if (Bindable(port) && Reserve(directory, port)) return port;
  }
  return Error(Code::kIo, "no free port on 127.0.0.1 below the ephemeral range");
}

}  // namespace anvil::testing
