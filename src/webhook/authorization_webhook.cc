#include "webhook/authorization_webhook.h"

namespace anvil::webhook {
namespace {

constexpr size_t kMaxReason = 512;  // a reason longer than this is cut: it goes into a problem document

Status NoAnswer(const Sender& sender, const std::string& why) {
  return Error(Code::kUnavailable, "authorization webhook " + sender.url() + ": " + why);
}

}  // namespace

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
  auto response = sender_->Post("authorization.request", QuestionJson(question));
  if (!response.ok()) return NoAnswer(*sender_, response.status().message());
  if (response->status != 200) {
    return NoAnswer(*sender_, "answered HTTP " + std::to_string(response->status) + " (an answer is 200)");
  }
  auto body = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("allow") || !body["allow"].is_boolean()) {
    return NoAnswer(*sender_, "the answer is not a JSON object with a boolean \"allow\"");
  }
  ra::AuthorizationAnswer answer;
  answer.allowed = body["allow"].get<bool>();
  if (body.contains("reason") && body["reason"].is_string()) {
    answer.reason = body["reason"].get<std::string>().substr(0, kMaxReason);
  }
  return answer;
}

}  // namespace anvil::webhook
