// Solver: makes one kind of ACME challenge answerable (RFC 8555 §8) for the time an authorization is
// validated.
//
// The issuer calls Present for every authorization of an order before it tells the server to validate, and
// CleanUp for each of them afterwards, whatever the outcome. Implementations: http-01 standalone server and
// webroot (http01.h), dns-01 hook (dns01_hook.h), tls-alpn-01 standalone server (tls_alpn01.h).
//
// Thread-safety: Present and CleanUp may be called from one thread at a time; servers a solver runs answer
// validation requests from their own threads and are safe against concurrent Present/CleanUp.
#pragma once

#include <string>
#include <string_view>

#include "acme/types.h"
#include "base/status.h"

namespace anvil::agent {

struct ChallengeTask {
  acme::Identifier identifier;  // The authorization's identifier (without "*." for wildcards).
  bool wildcard = false;
  std::string token;
  std::string key_authorization;  // token "." thumbprint (§8.1)
};

class Solver {
 public:
  virtual ~Solver() = default;
  // "http-01", "dns-01" or "tls-alpn-01".
  virtual std::string_view challenge_type() const = 0;
  // Makes the challenge answerable. Errors name what failed (bind, write, hook exit code).
  virtual Status Present(const ChallengeTask& task) = 0;
  // Removes what Present put in place. Safe to call for a task that was never presented.
  virtual Status CleanUp(const ChallengeTask& task) = 0;
};

}  // namespace anvil::agent
