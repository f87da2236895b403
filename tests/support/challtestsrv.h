// pebble-challtestsrv as a child process: the real DNS server of the tests that need one on loopback (the
// VA's dns-01 and address lookups, the agent's dns-01 propagation check, the integration test). DNS on
// 127.0.0.1:dns_port() (A queries answer 127.0.0.1 by default, AAAA nothing), records set through its
// management API; every challenge server of its own disabled. Depends on no Anvil component but base, so
// both server and client tests can use it.
//
// Thread-safety: methods may be called from the test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "support/loopback.h"  // FreePort

namespace anvil::testing {

inline constexpr char kChallTestSrvPath[] = "/usr/bin/pebble-challtestsrv";

class ChallTestSrv {
 public:
  // kUnavailable when the binary is missing (tests skip then); kIo when it does not answer DNS and its
  // management API within `timeout`. The child is killed by Stop() or the destructor, and by the kernel if
  // the test process dies (PR_SET_PDEATHSIG).
  static Result<std::unique_ptr<ChallTestSrv>> Start(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~ChallTestSrv();
  ChallTestSrv(const ChallTestSrv&) = delete;
  ChallTestSrv& operator=(const ChallTestSrv&) = delete;

  uint16_t dns_port() const { return dns_port_; }
  std::string dns_server() const { return "127.0.0.1:" + std::to_string(dns_port_); }

  // Management API calls (see pebble-challtestsrv's README). Host names without the trailing dot.
  Status SetTxt(const std::string& host, const std::string& value);  // adds a value
  Status ClearTxt(const std::string& host);
  Status SetServfail(const std::string& host);
  Status SetCname(const std::string& host, const std::string& target);
  Status AddA(const std::string& host, const std::vector<std::string>& addresses);
  Status AddAaaa(const std::string& host, const std::vector<std::string>& addresses);
  // CAA records at `host`, each (tag, value) with flags 0 (challtestsrv cannot set the critical flag).
  Status AddCaa(const std::string& host, const std::vector<std::pair<std::string, std::string>>& properties);
  Status ClearCaa(const std::string& host);

  void Stop();

 private:
  ChallTestSrv() = default;
  Status Post(const std::string& path, const std::string& json);
  Status WaitUntilReady(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  uint16_t dns_port_ = 0;
  uint16_t management_port_ = 0;
};

}  // namespace anvil::testing
