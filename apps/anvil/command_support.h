// What the `anvil` subcommands share (commands.cc defines it; device_command.cc uses it too): the real clock,
// the libcurl ACME connection, the locked state directory, and the one-line failure report with its exit code
// (docs/agent.md, "Exit codes"). Composition helpers only; each call is independent (thread-compatible).
#pragma once

#include <string>

#include "agent/renewal_pass.h"
#include "agent/sleeper.h"
#include "agent/state_dir.h"
#include "agent/state_lock.h"
#include "base/status.h"
#include "base/time.h"
#include "commands.h"

namespace anvil::cli {

// Real time for a command: the clock and the waiting of its ACME client, solvers and issuer.
struct Realtime {
  SystemClock clock;
  agent::RealSleeper sleeper;
};

// An ACME client over libcurl for `server`, running on `time` (which must outlive it); -v logs its requests.
Result<agent::AcmeConnection> Connect(const GlobalOptions& g, const std::string& server,
                                      const std::string& ca_bundle, Realtime& time);

// The state directory's path: --state-dir or StateDir::DefaultRoot().
std::string StateRoot(const GlobalOptions& g);

// A state directory this process may change: its lock, held as long as the value lives (docs/agent.md).
struct LockedState {
  agent::StateLock lock;
  agent::StateDir dir;
};
// kUnavailable when another anvil holds it past --wait-lock (FailState turns that into exit 4).
Result<LockedState> OpenStateLocked(const GlobalOptions& g);

// Reports `s` ("anvil: error: TYPE: detail" on stderr; the --json failure document on stdout) and returns
// `code`.
int Fail(const GlobalOptions& g, const Status& s, int code = kExitFailure);
// A state directory that could not be opened: exit 4 when another anvil holds it, else 1.
int FailState(const GlobalOptions& g, const Status& s);

// --eab-hmac-key: base64url (RFC 8555 §7.3.4), or standard base64 as some CAs print it.
Result<std::string> DecodeHmacKey(const std::string& text);

}  // namespace anvil::cli
