// http-01 solvers (RFC 8555 §8.3): serve the key authorization at
// http://<domain>/.well-known/acme-challenge/<token>, either from our own small HTTP server (standalone) or
// by writing the file into a directory another web server already serves (webroot).
//
// Thread-safety: see solver.h. The standalone server answers from its own threads; its token table is
// guarded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/solvers/solver.h"
#include "http/server.h"

namespace anvil::agent {

inline constexpr char kAcmeChallengePath[] = "/.well-known/acme-challenge/";

// Listens on exactly the address it is given (plain HTTP) from Start until destruction.
class Http01StandaloneSolver final : public Solver {
 public:
  // kIo when the address cannot be bound. port 0 = an ephemeral port (tests); see port().
  static Result<std::unique_ptr<Http01StandaloneSolver>> Start(const std::string& address, uint16_t port);
  ~Http01StandaloneSolver() override;

  std::string_view challenge_type() const override { return "http-01"; }
  Status Present(const ChallengeTask& task) override;
  Status CleanUp(const ChallengeTask& task) override;
  uint16_t port() const;

 private:
  Http01StandaloneSolver() = default;
  http::Response Handle(const http::Request& request);

  std::mutex mu_;
  std::map<std::string, std::string> tokens_;  // token → key authorization
  std::unique_ptr<http::Server> server_;
};

// Writes <webroot>/.well-known/acme-challenge/<token> (mode 0644, directories 0755) and removes it in
// CleanUp.
class Http01WebrootSolver final : public Solver {
 public:
  explicit Http01WebrootSolver(std::string webroot) : webroot_(std::move(webroot)) {}
  std::string_view challenge_type() const override { return "http-01"; }
  Status Present(const ChallengeTask& task) override;
  Status CleanUp(const ChallengeTask& task) override;
  std::string PathFor(const std::string& token) const;

 private:
  std::string webroot_;
};

// A token is base64url (§8.1); anything else could escape the challenge directory.
bool IsValidToken(std::string_view token);

}  // namespace anvil::agent
