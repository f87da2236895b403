#include "agent/renewal_pass.h"

#include <utility>

#include "agent/issuer.h"
#include "agent/json_output.h"
#include "base/file.h"
#include "crypto/certificate.h"

namespace anvil::agent {
namespace {

Result<crypto::Certificate> ReadCertificate(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  return crypto::Certificate::FromPem(pem);
}

}  // namespace

std::string_view LineageOutcomeName(LineageOutcome outcome) {
  switch (outcome) {
    case LineageOutcome::kRenewed:
      return "renewed";
    case LineageOutcome::kNotDue:
      return "not due";
    case LineageOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

nlohmann::json LineageResultJson(const LineageResult& result) {
  nlohmann::json j = {{"lineage", result.lineage},
                      {"result", std::string(LineageOutcomeName(result.outcome))},
                      {"detail", result.detail}};
  if (result.decision) j["decision"] = *result.decision;
  if (result.certificate) j["certificate"] = *result.certificate;
  return j;
}

RenewalPass::RenewalPass(StateDir& state, const Clock& clock, AcmeConnector connect,
                         SolverFactory make_solver, std::function<double()> random01)
    : state_(state),
      clock_(clock),
      connect_(std::move(connect)),
      make_solver_(std::move(make_solver)),
      random01_(std::move(random01)) {}

Result<RenewalPassResult> RenewalPass::Run(const RenewalPassOptions& options) {
  std::vector<std::string> names;
  if (!options.lineage.empty()) {
    names.push_back(options.lineage);
  } else {
    ANVIL_ASSIGN_OR_RETURN(names, state_.ListLineages());
  }
  auto emit = [&options](nlohmann::json e) {
    if (options.on_event) options.on_event(std::move(e));
  };
  RenewalPassResult pass;
  for (const auto& name : names) {
    LineageResult result;
    result.lineage = name;
    Status s = RenewLineage(name, options, pass, result);
    if (!s.ok()) {
      result.outcome = LineageOutcome::kFailed;
      result.detail = s.ToString();
      ++pass.failed;
    } else if (result.outcome == LineageOutcome::kRenewed) {
      ++pass.renewed;
    }
    pass.lineages.push_back(result);
    if (options.on_result) options.on_result(result);
    if (!s.ok()) {
      emit(ErrorEvent(s, name));
    } else if (result.outcome == LineageOutcome::kRenewed) {
      emit(RenewedEvent(name, *result.certificate));
    }
  }
  return pass;
}

Status RenewalPass::RenewLineage(const std::string& name, const RenewalPassOptions& options,
                                 RenewalPassResult& pass, LineageResult& result) {
  ANVIL_ASSIGN_OR_RETURN(LineageConfig lineage, state_.LoadLineage(name));
  ANVIL_ASSIGN_OR_RETURN(AcmeConnection connection, connect_(lineage.server, lineage.ca_bundle));
  AcmeClient& client = *connection.client;
  ANVIL_RETURN_IF_ERROR(EnsureAccount(client, state_, lineage.server, {}).status());
  std::string replaces;
  // Without a readable certificate there is nothing to check: the lineage is issued anew.
  if (auto cert = ReadCertificate(state_.Files(name).cert); cert.ok()) {
    std::optional<TimePoint> previous_choice;
    if (auto t = ParseRfc3339(lineage.next_renewal); t.ok()) previous_choice = *t;
    ANVIL_ASSIGN_OR_RETURN(RenewalDecision decision,
                           CheckRenewal(client, *cert, clock_.Now(), random01_(), previous_choice));
    if (options.on_event) options.on_event(CheckEvent(name, decision));
    pass.decisions.push_back(decision);
    if (options.force) pass.decisions.back().due = true;
    result.decision = decision.reason;
    lineage.ari_window = decision.ari ? FormatRfc3339(decision.ari->window_start) + " .. " +
                                            FormatRfc3339(decision.ari->window_end)
                                      : "";
    lineage.next_renewal = FormatRfc3339(decision.renew_at);
    if (!decision.due && !options.force) {
      ANVIL_RETURN_IF_ERROR(state_.SaveLineage(lineage));
      result.outcome = LineageOutcome::kNotDue;
      result.detail = decision.reason;
      return Status::Ok();
    }
    replaces = decision.replaces;
    lineage.next_renewal.clear();  // Drawn afresh for the new certificate's window.
    lineage.ari_window.clear();
  }
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Solver> solver, make_solver_(lineage));
  Issuer issuer(client, state_, *solver, clock_);
  auto issued = issuer.Issue(lineage, replaces);
  if (!issued.ok() && !replaces.empty() && issued.status().code() == Code::kAlreadyReplaced) {
    issued = issuer.Issue(lineage, "");  // Already replaced (RFC 9773 §5): a plain new order.
  }
  if (!issued.ok()) return issued.status();
  result.outcome = LineageOutcome::kRenewed;
  result.detail = "serial " + issued->certificate.serial_hex();
  result.certificate = CertificateJson(issued->certificate, clock_.Now());
  return Status::Ok();
}

}  // namespace anvil::agent
