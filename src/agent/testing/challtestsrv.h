// pebble-challtestsrv as a child process, for agent tests that need a real DNS server on loopback (the dns-01
// propagation check). DNS on 127.0.0.1:dns_port(), TXT records set through its management API; every other
// challenge server disabled. The same idea as src/va/va_test_util.h, kept here because the agent links no
// server component.
//
// Thread-safety: methods may be called from the test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace anvil::agent::testing {

class ChallTestSrv {
 public:
  // kUnavailable when /usr/bin/pebble-challtestsrv is missing (tests skip then); kIo when it does not come up
  // within `timeout`. The child is killed by the destructor, and by the kernel if the test dies.
  static Result<std::unique_ptr<ChallTestSrv>> Start(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~ChallTestSrv();
  ChallTestSrv(const ChallTestSrv&) = delete;
  ChallTestSrv& operator=(const ChallTestSrv&) = delete;

  uint16_t dns_port() const { return dns_port_; }
  // Adds `value` to the TXT records of `host` (no trailing dot).
  Status SetTxt(const std::string& host, const std::string& value);

 private:
  ChallTestSrv() = default;
  Status Post(const std::string& path, const std::string& body);

  pid_t pid_ = -1;
  uint16_t dns_port_ = 0;
  uint16_t management_port_ = 0;
};

}  // namespace anvil::agent::testing
