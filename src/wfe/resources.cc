// JSON of the ACME resources (RFC 8555 §7.1.1-7.1.5, RFC 9773 §3, draft-aaron-acme-profiles).
#include "wfe/wfe_internal.h"

namespace anvil::wfe {
namespace {

nlohmann::json IdentifierJson(const acme::Identifier& id) {
  return {{"type", acme::IdentifierTypeName(id.type)}, {"value", id.value}};
}

void AddError(nlohmann::json& j, const std::string& error_json) {
  if (error_json.empty()) return;
  auto problem = nlohmann::json::parse(error_json, nullptr, false);
  if (!problem.is_discarded()) j["error"] = std::move(problem);
}

}  // namespace

nlohmann::json WebFrontEnd::Impl::DirectoryJson() const {
  nlohmann::json meta = nlohmann::json::object();
  if (!options_.terms_of_service.empty()) meta["termsOfService"] = options_.terms_of_service;
  if (!options_.website.empty()) meta["website"] = options_.website;
  if (!options_.caa_identities.empty()) meta["caaIdentities"] = options_.caa_identities;
  meta["externalAccountRequired"] = options_.external_account_required;
  nlohmann::json profiles = nlohmann::json::object();
  for (const auto& [name, description] : options_.profiles) profiles[name] = description;
  meta["profiles"] = std::move(profiles);
  return {{"newNonce", Url(path::kNewNonce)},     {"newAccount", Url(path::kNewAccount)},
          {"newOrder", Url(path::kNewOrder)},     {"newAuthz", Url(path::kNewAuthz)},
          {"revokeCert", Url(path::kRevokeCert)}, {"keyChange", Url(path::kKeyChange)},
          {"renewalInfo", Url(path::kRenewalInfo)}, {"meta", std::move(meta)}};
}

nlohmann::json WebFrontEnd::Impl::AccountJson(const storage::Account& account) const {
  nlohmann::json j = {{"status", acme::StatusName(account.status)},
                      {"contact", account.contacts},
                      {"orders", AccountUrl(account.id) + "/orders"},
                      {"createdAt", FormatRfc3339(account.created_at)}};
  if (account.tos_agreed) j["termsOfServiceAgreed"] = true;
  auto key = nlohmann::json::parse(account.jwk_json, nullptr, false);
  if (!key.is_discarded()) j["key"] = std::move(key);
  return j;
}

nlohmann::json WebFrontEnd::Impl::OrderJson(const storage::Order& order) const {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : order.identifiers) ids.push_back(IdentifierJson(id));
  nlohmann::json authzs = nlohmann::json::array();
  for (const auto& a : order.authorization_ids) authzs.push_back(AuthzUrl(a));
  nlohmann::json j = {{"status", acme::StatusName(order.status)},
                      {"expires", FormatRfc3339(order.expires)},
                      {"identifiers", std::move(ids)},
                      {"authorizations", std::move(authzs)},
                      {"finalize", OrderUrl(order.id) + "/finalize"}};
  if (order.not_before) j["notBefore"] = FormatRfc3339(*order.not_before);
  if (order.not_after) j["notAfter"] = FormatRfc3339(*order.not_after);
  if (!order.profile.empty()) j["profile"] = order.profile;
  if (!order.replaces.empty()) j["replaces"] = order.replaces;
  if (order.status == acme::OrderStatus::kValid && !order.certificate_serial.empty()) {
    j["certificate"] = CertificateUrl(order.certificate_serial);
  }
  AddError(j, order.error_json);
  return j;
}

nlohmann::json WebFrontEnd::Impl::ChallengeJson(const storage::Authorization& authz,
                                               const storage::Challenge& c) const {
  nlohmann::json j = {{"type", acme::ChallengeTypeName(c.type)},
                      {"url", ChallengeUrl(authz.id, c.id)},
                      {"status", acme::StatusName(c.status)},
                      {"token", c.token}};
  if (c.validated_at && c.status == acme::ChallengeStatus::kValid) j["validated"] = FormatRfc3339(*c.validated_at);
  AddError(j, c.error_json);
  return j;
}

nlohmann::json WebFrontEnd::Impl::AuthorizationJson(const storage::Authorization& authz) const {
  nlohmann::json challenges = nlohmann::json::array();
  // §7.1.4: a valid authorization lists only the challenge that validated it.
  bool valid = authz.status == acme::AuthorizationStatus::kValid;
  for (const auto& c : authz.challenges) {
    if (!valid || c.status == acme::ChallengeStatus::kValid) challenges.push_back(ChallengeJson(authz, c));
  }
  nlohmann::json j = {{"identifier", IdentifierJson(authz.identifier)},
                      {"status", acme::StatusName(authz.status)},
                      {"expires", FormatRfc3339(authz.expires)},
                      {"challenges", std::move(challenges)}};
  if (authz.wildcard) j["wildcard"] = true;
  return j;
}

}  // namespace anvil::wfe
