// The RA's external authorization (ra/authorization_hook.h, docs/policy.md "External authorization"): the
// question put together from the account and the order, and what an answer — or its absence — does.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "ra/registration_authority.h"

namespace anvil::ra {

Status RegistrationAuthority::AskExternalAuthorization(AuthorizationQuestion question,
                                                       const storage::Account& account) {
  AuthorizationHook* hook = options_.authorization_hook;
  if (hook == nullptr) return Status::Ok();
  question.account_id = account.id;
  question.contacts = account.contacts;
  if (!account.eab_kid.empty()) {
    question.eab_kid = account.eab_kid;
    auto key = store_.GetEabKey(account.eab_kid);
    if (key.ok()) {
      question.eab_label = key->comment;
    } else if (key.status().code() != Code::kNotFound) {
      return key.status();
    }
  }
  const char* stage = StageName(question.stage);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : question.identifiers) ids.push_back(acme::IdentifierText(id));
  nlohmann::json details = {{"stage", stage}, {"profile", question.profile}, {"identifiers", ids},
                            {"external_authorization", true}};
  Result<AuthorizationAnswer> answer = hook->Ask(question);
  if (!answer.ok()) {
    details["error"] = answer.status().ToString();
    if (options_.authorization_fail_open) {
      spdlog::warn("external authorization: no answer for the {} of account {} ({}); allowed (fail_open)", stage,
                   account.id, answer.status().ToString());
      details["fail_open"] = true;
      return store_.AppendAudit(Audit("authorization.unanswered", account.id, question.order_id, details.dump()));
    }
    spdlog::error("external authorization: no answer for the {} of account {} ({}); refused", stage, account.id,
                  answer.status().ToString());
    ReportPolicy("external_authorization");
    // Not the client's fault and not final: a server error it may retry (RFC 8555 §6.7 serverInternal).
    Status why(Code::kServerInternal,
               "the CA's authorization service did not answer; the request is refused until it does (try again "
               "later)");
    why.set_retry_after(60);
    return Refused(account.id, question.order_id, details, why);
  }
  if (answer->allowed) return Status::Ok();
  ReportPolicy("external_authorization");
  details["reason"] = answer->reason;
  std::string detail = "the CA's authorization service refused this " +
                       std::string(question.stage == AuthorizationQuestion::Stage::kNewOrder ? "order" : "finalization");
  if (!answer->reason.empty()) detail += ": " + answer->reason;
  return Refused(account.id, question.order_id, details, Status(Code::kUnauthorized, detail));
}

}  // namespace anvil::ra
