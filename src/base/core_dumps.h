// Core dumps of this process. anvil-ca turns them off at start (docs/ca-operations.md, "Keys in memory"):
// a dump would hold whatever a key left outside OpenSSL's secure heap, and the passphrase of the CA's keys.
// Thread-safety: process-wide settings; call at start, before other threads exist.
#pragma once

#include "base/status.h"

namespace anvil {

// prctl(PR_SET_DUMPABLE, 0): no core dump, and no ptrace or /proc/PID/mem, environ, fd/ ... by the same user
// (only by root with CAP_SYS_PTRACE); and RLIMIT_CORE 0, which also stops a dump where the kernel would dump a
// non-dumpable process anyway (fs.suid_dumpable = 2 with a core_pattern file). kInternal if either fails.
Status DisableCoreDumps();
// prctl(PR_GET_DUMPABLE) == 1.
bool IsDumpable();

}  // namespace anvil
