#include "base/core_dumps.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace anvil {
namespace {

// In a child, so that this test process stays dumpable for the others. The child reports by exit code.
TEST(CoreDumps, DisableCoreDumpsMakesTheProcessNonDumpableWithNoCoreLimit) {
  ASSERT_TRUE(IsDumpable());
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!DisableCoreDumps().ok()) _exit(1);
    if (IsDumpable()) _exit(2);
    rlimit core{};
    if (getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0) _exit(3);
    // The kernel gives a non-dumpable process's /proc files to root, whoever runs it (proc(5)).
    struct stat st {};
    if (geteuid() != 0 && (stat(("/proc/" + std::to_string(getpid()) + "/environ").c_str(), &st) != 0 || st.st_uid != 0)) {
      _exit(4);  // (as root the file is root's either way)
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: DisableCoreDumps failed, 2: still dumpable, 3: RLIMIT_CORE not 0, "
                                       "4: /proc/PID/environ not owned by root";
}

}  // namespace
}  // namespace anvil
