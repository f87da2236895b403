#include "agent/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace anvil::agent {
namespace {

// pidfd_open(2) (Linux 5.3): lets us wait for the child with a timeout via poll(2) instead of sleeping.
int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

Result<int> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty() || argv[0].empty()) return Error(Code::kInvalidArgument, "empty command");
  std::map<std::string, std::string> env_map;
  std::vector<std::string> env_order;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string k = kv.substr(0, eq);
    if (!env_map.count(k)) env_order.push_back(k);
    env_map[k] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : options.env) {
    if (!env_map.count(k)) env_order.push_back(k);
    env_map[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& k : env_order) env_strings.push_back(k + "=" + env_map[k]);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Error(Code::kIo, "cannot run " + argv[0] + ": " + std::strerror(rc));

  int pidfd = PidfdOpen(pid);
  bool timed_out = false;
  if (pidfd >= 0) {
    struct pollfd pfd = {pidfd, POLLIN, 0};
    int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout).count());
    int n;
    do {
      n = poll(&pfd, 1, ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      timed_out = true;
      kill(pid, SIGKILL);
    }
    close(pidfd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error(Code::kIo, "waitpid: " + std::string(std::strerror(errno)));
  }
  if (timed_out) {
    return Error(Code::kTimeout,
                 argv[0] + " did not finish within " + std::to_string(options.timeout.count()) + " s");
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return Error(Code::kIo, argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status)));
}

Result<int> RunShell(const std::string& command, const ProcessOptions& options) {
  return RunProcess({"/bin/sh", "-c", command}, options);
}

}  // namespace anvil::agent
