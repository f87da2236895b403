// The RA's part of device attestation (draft-ietf-acme-device-attest-09, docs/device-attestation.md): who may
// order a certificate for a device (an EAB key bound to that device, the MDM check), the MDM check after a
// verified attestation, and finalize's checks of the CSR against the attestation (the attested key, the
// device names octet for octet or none at all).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/base64url.h"
#include "ra/registration_authority.h"

namespace anvil::ra {
namespace {

bool AnyDevice(const std::vector<acme::Identifier>& identifiers) {
  return std::any_of(identifiers.begin(), identifiers.end(),
                     [](const acme::Identifier& id) { return acme::IsDeviceIdentifierType(id.type); });
}

// The ACME value of a device name read from a CSR (§3.2, §4.2: the UTF-8 representation reconstructed).
acme::Identifier IdentifierOf(const crypto::DeviceName& name) {
  const bool module = name.kind == crypto::DeviceName::Kind::kHardwareModule;
  return acme::Identifier{module ? acme::IdentifierType::kHardwareModule : acme::IdentifierType::kPermanentIdentifier,
                          name.oid.empty() ? name.value : name.value + "/" + name.oid};
}

}  // namespace

std::string RegistrationAuthority::DeviceProfileFor(const NewOrderRequest& request) const {
  if (!request.profile.empty() || !options_.device.enabled || options_.device.profile.empty()) return request.profile;
  for (const auto& [type, value] : request.identifiers) {
    auto parsed = acme::ParseIdentifierType(type);
    if (!parsed.ok() || !acme::IsDeviceIdentifierType(*parsed)) return request.profile;
  }
  return options_.device.profile;
}

Status RegistrationAuthority::CheckDeviceEnrollment(const storage::Account& account,
                                                    const std::vector<acme::Identifier>& identifiers,
                                                    const EffectivePolicy& policy) {
  const std::string& bound = policy.device_binding();  // the device the account's EAB key is for, if any
  if (!AnyDevice(identifiers) && bound.empty()) return Status::Ok();
  if (AnyDevice(identifiers) && !options_.device.enabled) {
    return Error(Code::kUnsupportedIdentifier,
                 "this CA does not enroll devices (permanent-identifier and hardware-module are not enabled)");
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : identifiers) ids.push_back(acme::IdentifierText(id));
  if (!bound.empty()) {
    // The MDM's token is good for its device only: every identifier of the order must be that device.
    for (const auto& id : identifiers) {
      if (acme::IdentifierText(id) == bound) continue;
      ReportPolicy("device_binding");
      return Refused(account.id, "",
                     {{"stage", "new-order"}, {"identifiers", ids}, {"rule", "device_binding"},
                      {"eab_kid", account.eab_kid}},
                     Error(Code::kUnauthorized, "the account's enrollment token (EAB key " + account.eab_kid +
                                                    ") is for " + bound + ", not " + acme::IdentifierText(id)));
    }
    return Status::Ok();
  }
  if (options_.device.check != nullptr) return Status::Ok();  // the MDM check decides after the attestation
  ReportPolicy("device_binding");
  return Refused(account.id, "", {{"stage", "new-order"}, {"identifiers", ids}, {"rule", "device_binding"}},
                 Error(Code::kUnauthorized,
                       "a device is enrolled with an enrollment token for that device (an EAB key bound to it) or "
                       "an MDM check, and this account has neither"));
}

Status RegistrationAuthority::AskDeviceCheck(const Validating& v, const std::string& evidence_json) {
  DeviceCheck* check = options_.device.check;
  if (check == nullptr) return Status::Ok();
  DeviceQuestion question;
  question.account_id = v.account_id;
  question.identifier = v.identifier;
  question.evidence_json = evidence_json;
  question.eab_kid = v.eab_kid;
  Result<DeviceAnswer> answer = check->Ask(question);
  if (!answer.ok()) {
    spdlog::error("MDM check: no answer for {} of account {} ({}); refused", acme::IdentifierText(v.identifier),
                  v.account_id, answer.status().ToString());
    return Error(Code::kUnauthorized, "the device management check did not answer; the device is refused (fail "
                                      "closed)");
  }
  if (!answer->allowed) {
    ReportPolicy("device_check");
    return Error(Code::kUnauthorized, "the device management check refused " + acme::IdentifierText(v.identifier) +
                                          (answer->reason.empty() ? "" : ": " + answer->reason));
  }
  return Status::Ok();
}

Result<bool> RegistrationAuthority::CheckCsrDevices(const storage::Order& order, const crypto::Csr& csr,
                                                    const crypto::PublicKey& key) {
  std::vector<acme::Identifier> wanted;
  for (const auto& id : order.identifiers) {
    if (acme::IsDeviceIdentifierType(id.type)) wanted.push_back(id);
  }
  const std::vector<crypto::DeviceName> names = csr.device_names();
  if (wanted.empty()) {
    if (names.empty()) return false;
    return Error(Code::kBadCsr, "the CSR names a device (" + acme::IdentifierText(IdentifierOf(names.front())) +
                                    ") this order is not for");
  }
  // §3.2/§4.2: the CSR SHOULD carry exactly the order's device identifiers, octet for octet, and MAY omit them
  // (privacy-preserving mode: the certificate then names no device).
  bool named = !names.empty();
  if (named) {
    std::vector<acme::Identifier> got;
    for (const auto& name : names) got.push_back(IdentifierOf(name));
    auto sorted = [](std::vector<acme::Identifier> v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      return v;
    };
    if (sorted(got) != sorted(wanted)) {
      std::string shown;
      for (const auto& g : got) shown += (shown.empty() ? "" : ", ") + acme::IdentifierText(g);
      return Error(Code::kBadCsr, "the CSR's device names (" + shown +
                                      ") are not the order's device identifiers, octet for octet (or leave them out)");
    }
  }
  // §9 (the three-way binding): the certified key is the key the attestation proved to be in the device.
  const std::string key_der = key.ToDer();
  for (size_t i = 0; i < order.identifiers.size() && i < order.authorization_ids.size(); ++i) {
    if (!acme::IsDeviceIdentifierType(order.identifiers[i].type)) continue;
    ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, store_.GetAuthorization(order.authorization_ids[i]));
    std::string attested;
    for (const auto& challenge : authz.challenges) {
      if (challenge.type != acme::ChallengeType::kDeviceAttest01 || challenge.attestation_json.empty()) continue;
      auto evidence = nlohmann::json::parse(challenge.attestation_json, nullptr, false);
      if (evidence.is_object() && evidence.contains("public_key") && evidence["public_key"].is_string()) {
        auto der = base64url::Decode(evidence["public_key"].get<std::string>());
        if (der.ok()) attested = *der;
      }
    }
    if (attested.empty()) {
      return Error(Code::kUnauthorized, "the authorization of " + acme::IdentifierText(order.identifiers[i]) +
                                            " holds no attested key: attest the device again (new order)");
    }
    if (attested != key_der) {
      return Error(Code::kBadCsr, "the CSR's key is not the key attested for " +
                                      acme::IdentifierText(order.identifiers[i]));
    }
  }
  return named;
}

std::vector<acme::Identifier> RegistrationAuthority::CertifiedIdentifiers(const storage::Order& order,
                                                                         bool device_names) {
  if (device_names) return order.identifiers;
  std::vector<acme::Identifier> out;
  for (const auto& id : order.identifiers) {
    if (!acme::IsDeviceIdentifierType(id.type)) out.push_back(id);
  }
  return out;
}

}  // namespace anvil::ra
