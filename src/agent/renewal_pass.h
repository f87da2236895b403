// RenewalPass: one renewal pass over a state directory, as `anvil renew` runs it once and `anvil agent` on
// its schedule (docs/agent.md, Renewal and Scheduling).
//
// For each lineage (every one in the directory, in name order, or the one named) it loads lineage.toml,
// connects to the lineage's server, loads (or registers) the account and, when the lineage has a readable
// certificate, decides whether it is due (renewal.h: the ARI window, else the lifetime rule). A decision that
// is not due is saved in lineage.toml (ari_window, next_renewal: the instant drawn inside the window is kept
// while it stays there). A lineage that is due, forced, or has no readable certificate is issued anew through
// Issuer, with `replaces` when the server offers ARI and, if the server answers alreadyReplaced (RFC 9773
// §5), once more as a plain new order. A lineage's failure is counted and reported; the pass goes on with the
// next.
//
// Everything outside the protocol and the state directory is injected: the clock, the connection to a server
// (libcurl in the CLI, FakeHttpClient in tests), the solver a lineage asks for, the random draw inside ARI
// windows, and two observers called as each lineage is done. Exit codes are the CLI's (apps/anvil); a
// RenewalPassResult only counts.
//
// Thread-safety: thread-compatible; one Run at a time. The caller holds the state directory's StateLock for
// the whole pass.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/acme_client.h"
#include "http/client.h"
#include "agent/renewal.h"
#include "agent/solvers/solver.h"
#include "agent/state_dir.h"
#include "base/status.h"
#include "base/time.h"

namespace anvil::agent {

// A client for one ACME server. `http` is the transport `client` sends through, when the connection owns it
// (it may be null when the caller keeps the transport alive); `client` is destroyed first.
struct AcmeConnection {
  std::unique_ptr<http::Client> http;
  std::unique_ptr<AcmeClient> client;
};

// Connects to the ACME server whose directory is `directory_url`, trusting `ca_bundle` for its HTTPS (empty:
// the system store). The client should run on the pass's clock.
using AcmeConnector =
    std::function<Result<AcmeConnection>(const std::string& directory_url, const std::string& ca_bundle)>;

// The challenge solver `lineage` asks for (MakeSolver, issuer.h, in the CLI).
using SolverFactory = std::function<Result<std::unique_ptr<Solver>>(const LineageConfig& lineage)>;

// Receives one JSON event of a pass (json_output.h: "check", "renewed", "error").
using EventSink = std::function<void(nlohmann::json)>;

enum class LineageOutcome { kRenewed, kNotDue, kFailed };

// "renewed", "not due", "failed": the `result` of `renew --json` and of its stderr lines.
std::string_view LineageOutcomeName(LineageOutcome outcome);

struct LineageResult {
  std::string lineage;
  LineageOutcome outcome = LineageOutcome::kFailed;
  std::string detail;  // "serial HEX", the decision's reason, or the error (Status::ToString).
  std::optional<std::string> decision;  // The renewal decision's reason, when the certificate was checked.
  std::optional<nlohmann::json> certificate;  // The new certificate (CertificateJson), when renewed.
};

// `renew --json`'s element for one lineage: {"lineage", "result", "detail", "decision"?, "certificate"?}.
nlohmann::json LineageResultJson(const LineageResult& result);

struct RenewalPassResult {
  int renewed = 0;
  int failed = 0;
  std::vector<LineageResult> lineages;  // In the order they were checked.
  // The renewal decisions of the lineages whose certificate was checked (NextWakeUp's input); those acted
  // upon (due, or forced) are marked due: renewed or failed in this pass, their old schedule no longer
  // applies.
  std::vector<RenewalDecision> decisions;
};

struct RenewalPassOptions {
  std::string lineage;  // Only this lineage; empty: every lineage in the state directory.
  bool force = false;   // Renew even the lineages that are not due.
  // Called with each lineage's result as soon as it is known (may be empty).
  std::function<void(const LineageResult&)> on_result;
  // Called with each event as it happens (may be empty): "check" after a lineage's renewal check, then
  // "renewed" or "error" (with "lineage") once its result is known.
  EventSink on_event;
};

class RenewalPass {
 public:
  // `state` and `clock` must outlive the pass. `random01` returns a uniform draw in [0, 1) for each
  // certificate checked (the instant inside its ARI window).
  RenewalPass(StateDir& state, const Clock& clock, AcmeConnector connect, SolverFactory make_solver,
              std::function<double()> random01);

  // Runs one pass. Fails only when the lineages cannot be listed; each lineage's failure is in the result.
  Result<RenewalPassResult> Run(const RenewalPassOptions& options);

 private:
  // Checks lineage `name` and renews it if due; fills `result` (except on failure: its Status is returned,
  // with `result.decision` set if the check got that far) and adds its decision to `pass`.
  Status RenewLineage(const std::string& name, const RenewalPassOptions& options, RenewalPassResult& pass,
                      LineageResult& result);

  StateDir& state_;
  const Clock& clock_;
  AcmeConnector connect_;
  SolverFactory make_solver_;
  std::function<double()> random01_;
};

}  // namespace anvil::agent
