// dns-01 through RFC 2136 dynamic updates signed with TSIG (RFC 8945), for DNS servers that accept them
// (BIND, Knot, PowerDNS, ...). Present adds the TXT record "_acme-challenge.<domain>" with the challenge
// value (RFC 8555 §8.4), CleanUp deletes exactly that record (RFC 2136 §2.5.4: class NONE, TTL 0). The zone
// is given, or found by asking the server for the SOA of the record name (the owner of the SOA in the answer
// or authority section). The update goes to one server (the primary); after it, the optional
// PropagationChecker waits until DNS answers the value (by default the primary itself; secondaries or public
// resolvers can be asked instead), then an optional fixed delay is waited.
//
// Thread-safety: see solver.h. Uses ldns; no ldns type appears in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/sleeper.h"
#include "agent/solvers/dns_propagation.h"
#include "agent/solvers/solver.h"

namespace anvil::agent {

struct TsigKey {
  std::string name;                        // "acme-key." (a domain name)
  std::string algorithm = "hmac-sha256.";  // hmac-sha256., hmac-sha512., ...
  std::string secret_base64;
};

// "[ALG:]NAME:SECRET" (nsupdate -y) or the path of a BIND key file (key "NAME" { algorithm ALG; secret "S";
// };).
Result<TsigKey> ParseTsigKey(const std::string& spec);

struct Rfc2136Options {
  std::string server_address;  // IP literal
  uint16_t port = 53;
  std::string zone;  // Optional; found with an SOA query when empty.
  TsigKey key;       // Unsigned updates when key.name is empty.
  int ttl = 60;
  std::chrono::seconds timeout{10};
  std::chrono::seconds propagation_delay{0};  // Waited after the record is visible.
};

class Dns01Rfc2136Solver final : public Solver {
 public:
  Dns01Rfc2136Solver(Rfc2136Options options, Sleeper& sleeper,
                     std::unique_ptr<PropagationChecker> propagation = nullptr)
      : options_(std::move(options)), sleeper_(sleeper), propagation_(std::move(propagation)) {}
  std::string_view challenge_type() const override { return "dns-01"; }
  Status Present(const ChallengeTask& task) override;
  Status CleanUp(const ChallengeTask& task) override;

 private:
  Status Update(const ChallengeTask& task, bool add);
  Rfc2136Options options_;
  Sleeper& sleeper_;
  std::unique_ptr<PropagationChecker> propagation_;  // nullptr = no check
};

}  // namespace anvil::agent
