#include "agent/solvers/dns01_hook.h"

#include "agent/process.h"
#include "base/base64url.h"
#include "crypto/digest.h"

namespace anvil::agent {

std::string Dns01RecordName(const acme::Identifier& identifier) {
  return "_acme-challenge." + identifier.authorization_value();
}

std::string Dns01RecordValue(std::string_view key_authorization) {
  return base64url::Encode(crypto::Sha256(key_authorization));
}

Status Dns01HookSolver::Run(const char* action, const ChallengeTask& task) {
  std::string name = Dns01RecordName(task.identifier);
  std::string value = Dns01RecordValue(task.key_authorization);
  ProcessOptions options;
  options.timeout = timeout_;
  options.env = {{"ANVIL_DNS_ACTION", action},
                 {"ANVIL_DNS_NAME", name},
                 {"ANVIL_DNS_VALUE", value},
                 {"ANVIL_DOMAIN", task.identifier.authorization_value()},
                 {"ANVIL_TOKEN", task.token}};
  ANVIL_ASSIGN_OR_RETURN(int code, RunProcess({hook_, action, name, value}, options));
  if (code != 0) {
    return Error(Code::kDns, "dns hook " + hook_ + " " + action + " " + name + " exited with status " +
                                 std::to_string(code));
  }
  return Status::Ok();
}

Status Dns01HookSolver::Present(const ChallengeTask& task) {
  if (task.identifier.type != acme::IdentifierType::kDns) {
    return Error(Code::kUnsupportedIdentifier, "dns-01 cannot validate IP identifiers (RFC 8738 §7)");
  }
  ANVIL_RETURN_IF_ERROR(Run("add", task));
  if (propagation_) {
    ANVIL_RETURN_IF_ERROR(
        propagation_->WaitForTxt(Dns01RecordName(task.identifier), Dns01RecordValue(task.key_authorization)));
  }
  if (propagation_delay_.count() > 0) sleeper_.Sleep(propagation_delay_);
  return Status::Ok();
}

Status Dns01HookSolver::CleanUp(const ChallengeTask& task) {
  if (task.identifier.type != acme::IdentifierType::kDns) return Status::Ok();
  return Run("remove", task);
}

}  // namespace anvil::agent
