#include "support/challtestsrv.h"

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
#include <thread>

#include "support/loopback.h"

namespace anvil::testing {
namespace {

using Clock = std::chrono::steady_clock;

Status Errno(const std::string& what) { return Error(Code::kIo, what + ": " + std::strerror(errno)); }

// One DNS query for "ready.anvil.test" A (RFC 1035 §4.1) to 127.0.0.1:port; true when any answer with the
// query's ID comes back within 200 ms.
bool AnswersDns(uint16_t port) {
  static const unsigned char kQuery[] = {0x4e, 0x56, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         5,    'r',  'e',  'a',  'd',  'y',  5,    'a',  'n',  'v',  'i',  'l',
                                         4,    't',  'e',  's',  't',  0,    0x00, 0x01, 0x00, 0x01};
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (sendto(fd, kQuery, sizeof kQuery, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
      static_cast<ssize_t>(sizeof kQuery)) {
    pollfd p{fd, POLLIN, 0};
    unsigned char reply[512];
    if (poll(&p, 1, 200) == 1) {
      ssize_t n = recv(fd, reply, sizeof reply, 0);
      ok = n >= 12 && reply[0] == kQuery[0] && reply[1] == kQuery[1] && (reply[2] & 0x80) != 0;
    }
  }
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

}  // namespace

Result<uint16_t> FreePort() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int tcp = BindLoopback(SOCK_STREAM);
    if (tcp < 0) return Errno("bind 127.0.0.1:0");
    const uint16_t port = LocalPort(tcp);
    const int udp = BindLoopback(SOCK_DGRAM, port);
    close(tcp);
    if (udp >= 0) {
      close(udp);
      return port;
    }
  }
  return Error(Code::kIo, "no free port on 127.0.0.1");
}

Result<std::unique_ptr<ChallTestSrv>> ChallTestSrv::Start(std::chrono::milliseconds timeout) {
  if (access(kChallTestSrvPath, X_OK) != 0) {
    return Error(Code::kUnavailable, std::string(kChallTestSrvPath) + " is not installed");
  }
  std::unique_ptr<ChallTestSrv> srv(new ChallTestSrv());
  ANVIL_ASSIGN_OR_RETURN(srv->dns_port_, FreePort());
  // FreePort closes what it bound, so the kernel may hand the same port out twice in a row: pick again.
  for (int attempt = 0; attempt < 20; ++attempt) {
    ANVIL_ASSIGN_OR_RETURN(srv->management_port_, FreePort());
    if (srv->management_port_ != srv->dns_port_) break;
  }
  if (srv->management_port_ == srv->dns_port_) return Error(Code::kIo, "port collision");
  std::vector<std::string> args = {kChallTestSrvPath,
                                   "-dns01",
                                   srv->dns_server(),
                                   "-management",
                                   "127.0.0.1:" + std::to_string(srv->management_port_),
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
  while (Clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Error(Code::kIo, "pebble-challtestsrv exited at start-up");
    }
    if (AnswersDns(dns_port_) && Post("/clear-txt", R"({"host":"ready.anvil.test."})").ok()) return Status::Ok();
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

}  // namespace anvil::testing
