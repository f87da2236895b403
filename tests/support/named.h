// BIND 9's named (Debian's bind9) as a child process: an authoritative server on 127.0.0.1 for one zone
// written by the test, for answers pebble-challtestsrv cannot give (CAA records with flags, any record type
// in master-file syntax). Recursion off; an unknown name in the zone is NXDOMAIN, a name outside it REFUSED.
//
// Thread-safety: methods may be called from the test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace anvil::testing {

inline constexpr char kNamedPath[] = "/usr/sbin/named";

class NamedServer {
 public:
  // Serves zone `origin` (no trailing dot) whose records are `records`, in master-file syntax relative to
  // the origin ("@ CAA 0 issue \"ca.test\""); the SOA and NS records are added. kUnavailable when named is
  // not installed (tests skip then); kIo when it does not answer within `timeout` (its log is in the
  // message).
  static Result<std::unique_ptr<NamedServer>> Start(
      const std::string& origin, const std::string& records,
      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~NamedServer();
  NamedServer(const NamedServer&) = delete;
  NamedServer& operator=(const NamedServer&) = delete;

  std::string dns_server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  NamedServer() = default;

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string dir_;
};

}  // namespace anvil::testing
