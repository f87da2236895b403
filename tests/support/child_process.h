// Child processes for tests: a real peer (pebble-challtestsrv, named) started on loopback, killed by the test
// or, if the test process dies first, by the kernel; and the DNS probe that tells when such a peer answers.
// Thread-safety: call from the test thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace anvil::testing {

// Runs argv[0] (a path) with `argv`: stdin from /dev/null, stdout and stderr appended to `output` (/dev/null
// when empty), SIGKILLed when the calling thread ends (PR_SET_PDEATHSIG). The child's environment is this
// process's with `environment` applied in order: "NAME=VALUE" sets NAME, a bare "NAME" removes it. Everything
// is prepared before fork(), so the child only makes async-signal-safe calls before exec: a multi-threaded
// test process cannot leave it stuck on a lock another thread held at the fork.
Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const std::string& output = "",
                         const std::vector<std::string>& environment = {});
// Whether the child has exited; it is then reaped and `pid` becomes -1.
bool ChildExited(pid_t& pid);
// SIGKILLs and reaps the child (if `pid` > 0); `pid` becomes -1.
void KillChild(pid_t& pid);

// One DNS query for "ready.anvil.test" A (RFC 1035 §4.1) to 127.0.0.1:port: true when any response with the
// query's ID comes back within 200 ms, whatever its rcode.
bool AnswersDns(uint16_t port);

}  // namespace anvil::testing
