// Issuer: one complete issuance for a lineage — account (load or register) → newOrder → solve every
// authorization → finalize with a fresh (or reused) key → download → choose the chain → install atomically →
// deploy hook (with rollback to the previous files if the hook fails).
//
// It composes the protocol (AcmeClient), the on-disk state (StateDir) and one challenge Solver; it owns none
// of them. Authorizations are presented all at once, then answered, then polled, and every presented
// challenge is cleaned up whatever happens.
//
// Thread-safety: not thread-safe (it drives one AcmeClient); one issuance at a time per Issuer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/acme_client.h"
#include "agent/sleeper.h"
#include "agent/solvers/solver.h"
#include "agent/state_dir.h"
#include "base/time.h"
#include "crypto/certificate.h"

namespace anvil::agent {

struct AccountOptions {
  std::vector<std::string> contact;
  bool agree_terms = true;
  std::string eab_kid;
  std::string eab_hmac_key;  // raw bytes (the CLI decodes base64url)
  bool create_if_missing = true;
};

// Loads the stored account for the client's server and sets it on `client`; registers one (new EC P-256 key)
// when none is stored and `create_if_missing`. kNotFound when none is stored and creation is off.
Result<AccountRecord> EnsureAccount(AcmeClient& client, StateDir& state, const std::string& directory_url,
                                    const AccountOptions& options);

// "example.com" → dns, "192.0.2.1" / "2001:db8::1" → ip (normalized as a CA would: RFC 8555 §7.1.3, RFC
// 8738).
Result<std::vector<acme::Identifier>> IdentifiersFromNames(const std::vector<std::string>& names);

// The solver a lineage asks for (by its challenge and solver options). Servers bind at once. A dns-01 solver
// waits after each add until DNS answers the value (dns_propagation.h), for at most
// `dns_propagation_timeout` seconds (0: no check), asking `dns_resolvers`, else the RFC 2136 server itself,
// else the system resolver. `log` receives that check's progress lines (may be empty).
Result<std::unique_ptr<Solver>> MakeSolver(const LineageConfig& lineage, const Clock& clock, Sleeper& sleeper,
                                           std::function<void(const std::string&)> log = {});

struct IssueResult {
  std::string lineage;
  LineageFiles files;
  crypto::Certificate certificate;
  std::string order_url;
  bool deploy_hook_ran = false;
};

class Issuer {
 public:
  // All collaborators must outlive the Issuer. The client must already have its account set (EnsureAccount).
  Issuer(AcmeClient& client, StateDir& state, Solver& solver, const Clock& clock)
      : client_(client), state_(state), solver_(solver), clock_(clock) {}

  // Issues for `lineage` and installs the result, saving its config so a later `renew` can repeat it.
  // `replaces` is the RFC 9773 certID of the certificate being replaced, or empty. For an existing lineage
  // the attempt and its outcome are recorded (last_attempt, last_result) whatever happens; a failed first
  // issuance saves nothing.
  Result<IssueResult> Issue(LineageConfig lineage, const std::string& replaces = "");

 private:
  Result<IssueResult> IssueOnce(const LineageConfig& lineage, const std::string& replaces);
  Status SolveAuthorizations(const Order& order);

  AcmeClient& client_;
  StateDir& state_;
  Solver& solver_;
  const Clock& clock_;
};

// Runs `command` with /bin/sh and the lineage in the environment (ANVIL_LINEAGE_NAME, ANVIL_LINEAGE_DIR,
// ANVIL_CERT, ANVIL_CHAIN, ANVIL_FULLCHAIN, ANVIL_KEY, ANVIL_NAMES, and certbot's
// RENEWED_LINEAGE/RENEWED_DOMAINS).
Status RunDeployHook(const std::string& command, const LineageConfig& lineage, const LineageFiles& files);

}  // namespace anvil::agent
