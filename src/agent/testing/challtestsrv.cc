#include "agent/testing/challtestsrv.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "agent/http_client.h"
#include "agent/solvers/dns_propagation.h"

namespace anvil::agent::testing {
namespace {

constexpr char kBinary[] = "/usr/bin/pebble-challtestsrv";

// Binds 127.0.0.1:port with `type`; the fd, or -1.
int Bind(int type, uint16_t port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

// A port free for both TCP and UDP on 127.0.0.1 at the time of the call.
Result<uint16_t> FreePort() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    int tcp = Bind(SOCK_STREAM, 0);
    if (tcp < 0) continue;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    getsockname(tcp, reinterpret_cast<sockaddr*>(&a), &len);
    uint16_t port = ntohs(a.sin_port);
    int udp = Bind(SOCK_DGRAM, port);
    close(tcp);
    if (udp >= 0) {
      close(udp);
      return port;
    }
  }
  return Error(Code::kIo, "no free port on 127.0.0.1");
}

}  // namespace

Result<std::unique_ptr<ChallTestSrv>> ChallTestSrv::Start(std::chrono::milliseconds timeout) {
  if (access(kBinary, X_OK) != 0)
    return Error(Code::kUnavailable, std::string(kBinary) + " is not installed");
  std::unique_ptr<ChallTestSrv> srv(new ChallTestSrv());
  ANVIL_ASSIGN_OR_RETURN(srv->dns_port_, FreePort());
  ANVIL_ASSIGN_OR_RETURN(srv->management_port_, FreePort());
  if (srv->dns_port_ == srv->management_port_) return Error(Code::kIo, "port collision");
  std::vector<std::string> args = {kBinary,
                                   "-dns01",
                                   "127.0.0.1:" + std::to_string(srv->dns_port_),
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
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Error(Code::kIo, "fork failed");
  if (pid == 0) {  // Async-signal-safe calls only until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    execv(kBinary, argv.data());
    _exit(127);
  }
  srv->pid_ = pid;
  // Ready when both its DNS answers and its management API takes a request; the child's sockets can only be
  // observed from outside, so poll them (bounded).
  auto lookup = NewLdnsTxtLookup(std::chrono::milliseconds(200));
  DnsServer dns{"127.0.0.1", srv->dns_port_};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      srv->pid_ = -1;
      return Error(Code::kIo, "pebble-challtestsrv exited at start-up");
    }
    if (lookup->LookupTxt("ready.anvil.test.", dns).ok() &&
        srv->Post("/clear-txt", R"({"host":"ready."})").ok()) {
      return srv;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(Code::kIo, "pebble-challtestsrv did not come up in time");
}

ChallTestSrv::~ChallTestSrv() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
}

Status ChallTestSrv::Post(const std::string& path, const std::string& body) {
  ANVIL_ASSIGN_OR_RETURN(auto http, NewCurlHttpClient({}));
  ANVIL_ASSIGN_OR_RETURN(
      HttpResponse r,
      http->Send("POST", "http://127.0.0.1:" + std::to_string(management_port_) + path, {}, body));
  if (r.status != 200) return Error(Code::kIo, path + ": HTTP " + std::to_string(r.status));
  return Status::Ok();
}

Status ChallTestSrv::SetTxt(const std::string& host, const std::string& value) {
  return Post("/set-txt", nlohmann::json{{"host", host + "."}, {"value", value}}.dump());
}

}  // namespace anvil::agent::testing
