#include "webhook/authorization_webhook.h"

#include "webhook/allow_answer.h"

namespace anvil::webhook {

nlohmann::json AuthorizationWebhook::QuestionJson(const ra::AuthorizationQuestion& q) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : q.identifiers) {
    ids.push_back({{"type", acme::IdentifierTypeName(id.type)}, {"value", id.value}});
  }
  nlohmann::json account = {{"id", q.account_id}, {"contacts", q.contacts}};
  account["eab"] = q.eab_kid.empty() ? nlohmann::json(nullptr)
                                     : nlohmann::json{{"kid", q.eab_kid}, {"label", q.eab_label}};
  nlohmann::json data = {{"stage", ra::StageName(q.stage)}, {"account", account}, {"identifiers", ids},
                         {"profile", q.profile}};
  auto optional = [&](const char* key, const std::string& value) {
    data[key] = value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  optional("order", q.order_id);
  optional("key_type", q.key_type);
  optional("replaces", q.replaces);
  optional("not_before", q.not_before ? FormatRfc3339(*q.not_before) : "");
  optional("not_after", q.not_after ? FormatRfc3339(*q.not_after) : "");
  return data;
}

Result<ra::AuthorizationAnswer> AuthorizationWebhook::Ask(const ra::AuthorizationQuestion& question) {
  ANVIL_ASSIGN_OR_RETURN(AllowAnswer answer, ParseAllowAnswer(sender_->Post("authorization.request", QuestionJson(question)),
                                                              "authorization webhook", sender_->url()));
  return ra::AuthorizationAnswer{answer.allowed, std::move(answer.reason)};
}

}  // namespace anvil::webhook
