#include "va/va_test_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/loopback.h"

namespace anvil::va::testing {
namespace {

using Clock = std::chrono::steady_clock;

Status Errno(const std::string& what) { return Error(Code::kIo, what + ": " + std::strerror(errno)); }

Result<int> BindLoopback(int type, const std::string& ip, uint16_t port) {
  const bool v6 = ip.find(':') != std::string::npos;
  const int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, ip.c_str(), &a.sin6_addr);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    Status s = Errno("bind " + ip + ":" + std::to_string(port));
    close(fd);
    return s;
  }
  return fd;
}

// Closes a pair of pipe fds used to wake a poll loop.
void ClosePipe(int (&p)[2]) {
  for (int& fd : p) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

}  // namespace

// ---- ScriptedDnsServer ----

Result<std::unique_ptr<ScriptedDnsServer>> ScriptedDnsServer::Start(Mode mode) {
  std::unique_ptr<ScriptedDnsServer> s(new ScriptedDnsServer());
  s->mode_ = mode;
  ANVIL_ASSIGN_OR_RETURN(s->fd_, BindLoopback(SOCK_DGRAM, "127.0.0.1", 0));
  s->port_ = anvil::testing::LocalPort(s->fd_);
  if (pipe2(s->wake_, O_CLOEXEC) != 0) return Errno("pipe2");
  s->thread_ = std::thread([p = s.get()] { p->Serve(); });
  return s;
}

ScriptedDnsServer::~ScriptedDnsServer() {
  if (thread_.joinable()) {
    (void)!write(wake_[1], "x", 1);
    thread_.join();
  }
  ClosePipe(wake_);
  if (fd_ >= 0) close(fd_);
}

void ScriptedDnsServer::Serve() {
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    unsigned char buf[1500];
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 12) continue;
    ++queries_;
    if (mode_ == Mode::kSilent) continue;
    // Echo the header and question only: QR, the query's RD, RA, rcode 3 (NXDOMAIN), no records.
    size_t end = 12;
    while (end < static_cast<size_t>(n) && buf[end] != 0) end += buf[end] + 1;
    end += 1 + 4;
    if (end > static_cast<size_t>(n)) continue;
    buf[2] = static_cast<unsigned char>(0x80 | (buf[2] & 0x01));
    buf[3] = 0x80 | 3;
    buf[4] = 0, buf[5] = 1;                   // qdcount
    for (int i = 6; i < 12; ++i) buf[i] = 0;  // an/ns/ar counts
    sendto(fd_, buf, end, 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
}

// ---- SilentTcpServer ----

Result<std::unique_ptr<SilentTcpServer>> SilentTcpServer::Start(const std::string& ip) {
  std::unique_ptr<SilentTcpServer> s(new SilentTcpServer());
  ANVIL_ASSIGN_OR_RETURN(s->fd_, BindLoopback(SOCK_STREAM, ip, 0));
  if (listen(s->fd_, 64) != 0) return Errno("listen");
  s->port_ = anvil::testing::LocalPort(s->fd_);
  if (pipe2(s->wake_, O_CLOEXEC) != 0) return Errno("pipe2");
  s->first_accept_ = s->accepted_promise_.get_future().share();
  s->thread_ = std::thread([p = s.get()] { p->Serve(); });
  return s;
}

SilentTcpServer::~SilentTcpServer() {
  if (thread_.joinable()) {
    (void)!write(wake_[1], "x", 1);
    thread_.join();
  }
  for (int fd : held_) close(fd);
  ClosePipe(wake_);
  if (fd_ >= 0) close(fd_);
}

void SilentTcpServer::Serve() {
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    held_.push_back(c);
    if (accepted_.fetch_add(1) == 0) accepted_promise_.set_value();
  }
}

// ---- StaticResolver ----

Result<std::vector<std::string>> StaticResolver::LookupTxt(const std::string& name) {
  auto it = txt.find(name);
  if (it == txt.end()) return Error(Code::kDns, "DNS problem: NXDOMAIN looking up TXT for " + name);
  return it->second;
}

Result<std::vector<std::string>> StaticResolver::LookupAddresses(const std::string& name) {
  auto it = addresses.find(name);
  if (it == addresses.end()) return Error(Code::kDns, "DNS problem: NXDOMAIN looking up A for " + name);
  return it->second;
}

std::vector<Result<std::vector<CaaRecord>>> StaticResolver::LookupCaa(const std::vector<std::string>& names) {
  std::vector<Result<std::vector<CaaRecord>>> out;
  for (const std::string& name : names) {
    caa_queried.push_back(name);
    if (caa_servfail.count(name) != 0) {
      out.push_back(Error(Code::kDns, "DNS problem: SERVFAIL looking up CAA for " + name));
      continue;
    }
    auto it = caa.find(name);
    out.push_back(it == caa.end() ? std::vector<CaaRecord>{} : it->second);
  }
  return out;
}

CaaCheck CaaCheckOf(std::string name, bool wildcard) {
  CaaCheck c;
  c.name = std::move(name);
  c.wildcard = wildcard;
  c.account_uri = "https://ca.anvil.test/acme/acct/7";
  c.method = acme::ChallengeType::kDns01;
  return c;
}

}  // namespace anvil::va::testing
