#include "va/va_test_util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
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

uint16_t LocalPort(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

bool CanConnect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JsonStrings(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + JsonString(v[i]);
  return out + "]";
}

// Closes a pair of pipe fds used to wake a poll loop.
void ClosePipe(int (&p)[2]) {
  for (int& fd : p) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

}  // namespace

Result<uint16_t> FreePort() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    ANVIL_ASSIGN_OR_RETURN(int tcp, BindLoopback(SOCK_STREAM, "127.0.0.1", 0));
    const uint16_t port = LocalPort(tcp);
    auto udp = BindLoopback(SOCK_DGRAM, "127.0.0.1", port);
    close(tcp);
    if (udp.ok()) {
      close(*udp);
      return port;
    }
  }
  return Error(Code::kIo, "no free port on 127.0.0.1");
}

// ---- ChallTestSrv ----

Result<std::unique_ptr<ChallTestSrv>> ChallTestSrv::Start(std::chrono::milliseconds timeout) {
  if (access(kChallTestSrvPath, X_OK) != 0) {
    return Error(Code::kUnavailable, std::string(kChallTestSrvPath) + " is not installed");
  }
  std::unique_ptr<ChallTestSrv> srv(new ChallTestSrv());
  ANVIL_ASSIGN_OR_RETURN(srv->dns_port_, FreePort());
  ANVIL_ASSIGN_OR_RETURN(srv->management_port_, FreePort());
  if (srv->management_port_ == srv->dns_port_) return Error(Code::kIo, "port collision");
  const std::string dns = "127.0.0.1:" + std::to_string(srv->dns_port_);
  const std::string management = "127.0.0.1:" + std::to_string(srv->management_port_);
  std::vector<std::string> args = {kChallTestSrvPath,
                                   "-dns01",
                                   dns,
                                   "-management",
                                   management,
                                   "-http01",
                                   "",
                                   "-https01",
                                   "",
                                   "-tlsalpn01",
                                   "",
                                   "-defaultIPv4",
                                   "127.0.0.1",
                                   "-defaultIPv6",
                                   ""};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execv(kChallTestSrvPath, argv.data());
    _exit(127);
  }
  srv->pid_ = pid;
  ANVIL_RETURN_IF_ERROR(srv->WaitUntilReady(timeout));
  return srv;
}

Status ChallTestSrv::WaitUntilReady(std::chrono::milliseconds timeout) {
  // The child's sockets can only be observed from outside: poll them, bounded, with a short back-off.
  const auto deadline = Clock::now() + timeout;
  auto resolver =
      NewCaresResolver({.server = dns_server(), .timeout = std::chrono::milliseconds(500), .tries = 1});
  if (!resolver.ok()) return resolver.status();
  bool management_up = false;
  while (Clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error(Code::kIo, "pebble-challtestsrv exited at start-up");
    }
    if (!management_up) management_up = CanConnect(management_port_);
    if (management_up && (*resolver)->LookupAddresses("ready.anvil.test").ok()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(Code::kIo, "pebble-challtestsrv did not come up in time");
}

ChallTestSrv::~ChallTestSrv() { Stop(); }

void ChallTestSrv::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status ChallTestSrv::Post(const std::string& path, const std::string& json) {
  CURL* h = curl_easy_init();
  if (h == nullptr) return Error(Code::kInternal, "curl_easy_init");
  const std::string url = "http://127.0.0.1:" + std::to_string(management_port_) + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return Error(Code::kIo, path + ": " + curl_easy_strerror(rc));
  if (status != 200) return Error(Code::kIo, path + ": HTTP " + std::to_string(status));
  return Status::Ok();
}

Status ChallTestSrv::SetTxt(const std::string& host, const std::string& value) {
  return Post("/set-txt", "{\"host\":" + JsonString(host + ".") + ",\"value\":" + JsonString(value) + "}");
}
Status ChallTestSrv::ClearTxt(const std::string& host) {
  return Post("/clear-txt", "{\"host\":" + JsonString(host + ".") + "}");
}
Status ChallTestSrv::SetServfail(const std::string& host) {
  return Post("/set-servfail", "{\"host\":" + JsonString(host + ".") + "}");
}
Status ChallTestSrv::SetCname(const std::string& host, const std::string& target) {
  return Post("/set-cname",
              "{\"host\":" + JsonString(host + ".") + ",\"target\":" + JsonString(target + ".") + "}");
}
Status ChallTestSrv::AddA(const std::string& host, const std::vector<std::string>& addresses) {
  return Post("/add-a",
              "{\"host\":" + JsonString(host + ".") + ",\"addresses\":" + JsonStrings(addresses) + "}");
}
Status ChallTestSrv::AddAaaa(const std::string& host, const std::vector<std::string>& addresses) {
  return Post("/add-aaaa",
              "{\"host\":" + JsonString(host + ".") + ",\"addresses\":" + JsonStrings(addresses) + "}");
}

// ---- ScriptedDnsServer ----

Result<std::unique_ptr<ScriptedDnsServer>> ScriptedDnsServer::Start(Mode mode) {
  std::unique_ptr<ScriptedDnsServer> s(new ScriptedDnsServer());
  s->mode_ = mode;
  ANVIL_ASSIGN_OR_RETURN(s->fd_, BindLoopback(SOCK_DGRAM, "127.0.0.1", 0));
  s->port_ = LocalPort(s->fd_);
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
  s->port_ = LocalPort(s->fd_);
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

}  // namespace anvil::va::testing
