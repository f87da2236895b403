#include "support/child_process.h"

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
#include <string_view>

namespace anvil::testing {

namespace {

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// This process's environment with `changes` applied ("NAME=VALUE" sets, "NAME" removes).
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  for (const std::string& change : changes) {
    const std::string_view name = NameOf(change);
    std::erase_if(env, [&](const std::string& e) { return NameOf(e) == name; });
    if (change.find('=') != std::string::npos) env.push_back(change);
  }
  return env;
}

std::vector<char*> NullTerminated(std::vector<std::string>& strings) {
  std::vector<char*> raw;
  for (std::string& s : strings) raw.push_back(s.data());
  raw.push_back(nullptr);
  return raw;
}

}  // namespace

Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const std::string& output,
                         const std::vector<std::string>& environment) {
  if (argv.empty()) return Error(Code::kInvalidArgument, "SpawnChild without a program");
  std::vector<std::string> args = argv;
  std::vector<char*> raw = NullTerminated(args);
  std::vector<std::string> env = ChildEnvironment(environment);
  std::vector<char*> envp = NullTerminated(env);
  const std::string out = output.empty() ? "/dev/null" : output;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Error(Code::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int in = open("/dev/null", O_RDONLY);
    const int log = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, STDIN_FILENO);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    execve(raw[0], raw.data(), envp.data());
    _exit(127);
  }
  return pid;
}

bool ChildExited(pid_t& pid) {
  if (pid <= 0) return true;
  int status;
  if (waitpid(pid, &status, WNOHANG) != pid) return false;
  pid = -1;
  return true;
}

void KillChild(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  pid = -1;
}

bool AnswersDns(uint16_t port) {
  static const unsigned char kQuery[] = {
      0x4e, 0x56, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 5, 'r',  'e',  'a',  'd',
      'y',  5,    'a',  'n',  'v',  'i',  'l',  4,    't',  'e',  's',  't',  0, 0x00, 0x01, 0x00, 0x01};
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

}  // namespace anvil::testing
