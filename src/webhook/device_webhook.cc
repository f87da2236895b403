#include "webhook/device_webhook.h"

#include "webhook/allow_answer.h"

namespace anvil::webhook {

nlohmann::json DeviceWebhook::QuestionJson(const ra::DeviceQuestion& q) {
  nlohmann::json evidence = nlohmann::json::parse(q.evidence_json, nullptr, /*allow_exceptions=*/false);
  if (evidence.is_discarded()) evidence = nullptr;
  return {{"account", {{"id", q.account_id}, {"eab_kid", q.eab_kid.empty() ? nlohmann::json(nullptr)
                                                                            : nlohmann::json(q.eab_kid)}}},
          {"identifier", {{"type", acme::IdentifierTypeName(q.identifier.type)}, {"value", q.identifier.value}}},
          {"attestation", std::move(evidence)}};
}

Result<ra::DeviceAnswer> DeviceWebhook::Ask(const ra::DeviceQuestion& question) {
  ANVIL_ASSIGN_OR_RETURN(AllowAnswer answer, ParseAllowAnswer(sender_->Post("device.check", QuestionJson(question)),
                                                              "device webhook", sender_->url()));
  return ra::DeviceAnswer{answer.allowed, std::move(answer.reason)};
}

}  // namespace anvil::webhook
