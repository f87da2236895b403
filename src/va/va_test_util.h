// Test helpers for anvil_va, loopback only: pebble-challtestsrv (tests/support/challtestsrv.h), a scripted UDP
// DNS server for answers challtestsrv cannot give (NXDOMAIN, silence), a TCP
// listener that accepts and never answers, and a fixed-answer DnsResolver.
//
// Thread-safety: each helper owns its threads and sockets; methods are safe to call from the test thread
// while the helper serves.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "support/challtestsrv.h"
#include "va/dns_resolver.h"
#include "va/validator.h"

namespace anvil::va::testing {

// pebble-challtestsrv and FreePort live in tests/support (shared with the agent's and the integration tests).
using anvil::testing::ChallTestSrv;
using anvil::testing::FreePort;
using anvil::testing::kChallTestSrvPath;

// A UDP DNS server on 127.0.0.1 that answers every query with one rcode and no records, or never answers.
class ScriptedDnsServer {
 public:
  enum class Mode { kNxdomain, kSilent };
  static Result<std::unique_ptr<ScriptedDnsServer>> Start(Mode mode);
  ~ScriptedDnsServer();
  ScriptedDnsServer(const ScriptedDnsServer&) = delete;
  ScriptedDnsServer& operator=(const ScriptedDnsServer&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_.load(); }

 private:
  ScriptedDnsServer() = default;
  void Serve();
  Mode mode_ = Mode::kNxdomain;
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// A TCP listener that accepts connections, holds them open and never sends a byte (a hostile or wedged
// target). `first_accept()` becomes ready when the first connection is accepted.
class SilentTcpServer {
 public:
  static Result<std::unique_ptr<SilentTcpServer>> Start(const std::string& ip = "127.0.0.1");
  ~SilentTcpServer();
  SilentTcpServer(const SilentTcpServer&) = delete;
  SilentTcpServer& operator=(const SilentTcpServer&) = delete;
  uint16_t port() const { return port_; }
  std::shared_future<void> first_accept() const { return first_accept_; }
  int accepted() const { return accepted_.load(); }

 private:
  SilentTcpServer() = default;
  void Serve();
  int fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::promise<void> accepted_promise_;
  std::shared_future<void> first_accept_;
  std::vector<int> held_;
  std::thread thread_;
};

// A DnsResolver with fixed answers: names absent from `txt` and `addresses` are kDns NXDOMAIN; names absent
// from `caa` have no CAA records, names in `caa_servfail` fail with SERVFAIL.
class StaticResolver final : public DnsResolver {
 public:
  std::map<std::string, std::vector<std::string>> txt;
  std::map<std::string, std::vector<std::string>> addresses;
  std::map<std::string, std::vector<CaaRecord>> caa;
  std::set<std::string> caa_servfail;
  std::vector<std::string> caa_queried;  // every name LookupCaa was asked for, in order
  Result<std::vector<std::string>> LookupTxt(const std::string& name) override;
  Result<std::vector<std::string>> LookupAddresses(const std::string& name) override;
  std::vector<Result<std::vector<CaaRecord>>> LookupCaa(const std::vector<std::string>& names) override;
};

// A CAA check of `name` for account 7 of https://ca.anvil.test, validated by dns-01.
CaaCheck CaaCheckOf(std::string name, bool wildcard = false);

}  // namespace anvil::va::testing
