#include "base/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace anvil {

Status DisableCoreDumps() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Error(Code::kInternal, std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno));
  }
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return Error(Code::kInternal, std::string("setrlimit(RLIMIT_CORE, 0): ") + std::strerror(errno));
  }
  return Status::Ok();
}

bool IsDumpable() { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1; }

}  // namespace anvil
