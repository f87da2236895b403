// Running hook programs (dns-01 hooks, deploy hooks) as child processes, with a time limit.
//
// The child gets the agent's environment plus `env`, its standard input from /dev/null and its standard
// output joined to the agent's standard error (so a hook's chatter never mixes into `--json` output on
// stdout). Nothing goes through a shell unless the caller asks for one (RunShell).
//
// Thread-safety: the functions are thread-safe (each child is waited for by its own pid).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace anvil::agent {

struct ProcessOptions {
  std::vector<std::pair<std::string, std::string>>
      env;  // Added to (or replacing in) the inherited environment.
  std::chrono::seconds timeout{300};
};

// Runs argv[0] (looked up in PATH if it has no '/') with `argv` and waits for it. Returns its exit code
// (0..255); kTimeout if it runs past the timeout (it is then killed with SIGKILL); kIo if it cannot be
// started or is killed by a signal.
Result<int> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options);
// /bin/sh -c command.
Result<int> RunShell(const std::string& command, const ProcessOptions& options);

}  // namespace anvil::agent
