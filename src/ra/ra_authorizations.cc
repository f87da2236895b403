// The RA's authorizations and challenges (RFC 8555 §7.5): pre-authorization, deactivation, challenge
// responses and the recording of validation outcomes.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "acme/problem.h"
#include "ra/ids.h"
#include "ra/limit_keys.h"
#include "ra/registration_authority.h"

namespace anvil::ra {

Result<storage::Authorization> RegistrationAuthority::MakeAuthorization(const std::string& account_id,
                                                                        const acme::Identifier& id,
                                                                        bool wildcard, TimePoint now,
                                                                        const EffectivePolicy& policy) {
  storage::Authorization authz;
  authz.id = NewId(now);
  authz.account_id = account_id;
  authz.identifier = acme::Identifier{id.type, id.authorization_value()};
  authz.wildcard = wildcard;
  authz.status = acme::AuthorizationStatus::kPending;
  authz.created_at = now;
  authz.expires = now + options_.pending_authorization_lifetime;
  std::vector<acme::ChallengeType> types;
  if (acme::IsDeviceIdentifierType(id.type)) {
    types = {acme::ChallengeType::kDeviceAttest01};  // draft-ietf-acme-device-attest-09 §5
  } else if (wildcard) {
    types = {acme::ChallengeType::kDns01};  // §7.1.3: wildcards only via dns-01
  } else if (id.type == acme::IdentifierType::kIp) {
    types = {acme::ChallengeType::kHttp01,
             acme::ChallengeType::kTlsAlpn01};  // RFC 8738 §7: no dns-01 for IPs
  } else {
    types = {acme::ChallengeType::kHttp01, acme::ChallengeType::kDns01, acme::ChallengeType::kTlsAlpn01};
  }
  std::erase_if(types, [&](acme::ChallengeType type) { return !policy.AllowsChallenge(type); });
  if (types.empty()) {
    std::string names;  // the policies that narrow the challenges, with their bindings
    for (const BoundPolicy& bound : policy.policies()) {
      if (bound.policy->rules().challenge_types.empty()) continue;
      names += (names.empty() ? "" : ", ") + bound.policy->name() + " (" + bound.binding + ")";
    }
    ReportPolicy("challenge_types");
    return Error(Code::kRejectedIdentifier, "policy " + names + ", rule challenge_types: no challenge type allowed can "
                                                "validate " + std::string(acme::IdentifierTypeName(id.type)) +
                                                " identifier \"" + id.value + "\"" +
                                                (wildcard ? " (a wildcard needs dns-01)" : ""));
  }
  for (auto type : types) {
    storage::Challenge c;
    c.id = NewId(now);
    c.type = type;
    c.token = NewToken();
    authz.challenges.push_back(std::move(c));
  }
  return authz;
}

Result<storage::Authorization> RegistrationAuthority::RefreshAuthorization(storage::Authorization authz) {
  using S = acme::AuthorizationStatus;
  if ((authz.status == S::kPending || authz.status == S::kValid) && authz.expires <= clock_.Now()) {
    Status s = store_.TransitionAuthorization(authz.id, authz.status, S::kExpired);
    if (!s.ok() && s.code() != Code::kConflict) return s;
    return store_.GetAuthorization(authz.id);
  }
  return authz;
}

Result<storage::Authorization> RegistrationAuthority::GetAuthorization(const std::string& id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, store_.GetAuthorization(id));
  return RefreshAuthorization(std::move(authz));
}

Result<storage::Authorization> RegistrationAuthority::NewAuthorization(const storage::Account& account,
                                                                       const std::string& type,
                                                                       const std::string& value) {
  ANVIL_ASSIGN_OR_RETURN(acme::IdentifierType t, acme::ParseIdentifierType(type));
  ANVIL_ASSIGN_OR_RETURN(acme::Identifier id, acme::NormalizeIdentifier(t, value));
  // §7.4.1: pre-authorization for a wildcard is not possible (no "*." in authorization identifiers).
  if (id.wildcard()) return Error(Code::kRejectedIdentifier, "newAuthz cannot be used for wildcard names");
  // Pre-authorization names no profile: the policies of the account bind it (the default, the EAB key's, the
  // account's); an order's profile may narrow them further when the authorization is used.
  ANVIL_ASSIGN_OR_RETURN(EffectivePolicy policy, PolicyFor(account, static_cast<const ProfileRules*>(nullptr)));
  // A device is attested for each certificate, so a pre-authorization would never be used; and an account
  // enrolled for one device has nothing else to pre-authorize.
  if (acme::IsDeviceIdentifierType(id.type)) {
    return Error(Code::kRejectedIdentifier, "device identifiers are not pre-authorized: order the certificate, and "
                                            "the device attests for it");
  }
  ANVIL_RETURN_IF_ERROR(CheckDeviceEnrollment(account, {id}, policy));
  const nlohmann::json what = {{"stage", "new-authz"}, {"identifiers", {RequestedIdentifier(type, value)}}};
  if (auto refusal = policy.RefuseIdentifier(id)) {
    nlohmann::json details = what;
    details["policy"] = refusal->policy;
    details["rule"] = refusal->rule;
    return Refused(account.id, "", details, PolicyRefused(*refusal, Code::kRejectedIdentifier));
  }
  auto made = MakeAuthorization(account.id, id, false, clock_.Now(), policy);
  if (!made.ok() && made.status().code() == Code::kRejectedIdentifier) {
    nlohmann::json details = what;
    details["rule"] = "challenge_types";  // the policies that narrowed them are named in the problem's detail
    return Refused(account.id, "", details, made.status());
  }
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, std::move(made));
  ANVIL_RETURN_IF_ERROR(store_.CreateAuthorization(authz));
  return authz;
}

Result<storage::Authorization> RegistrationAuthority::DeactivateAuthorization(const storage::Account& account,
                                                                              const std::string& id) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, GetAuthorization(id));
  if (authz.account_id != account.id) return storage::NotFoundError("authorization", id);
  using S = acme::AuthorizationStatus;
  // §7.5.2: only pending or valid authorizations can be deactivated.
  if (authz.status != S::kPending && authz.status != S::kValid) {
    return Error(Code::kMalformed, "an authorization in status " +
                                       std::string(acme::StatusName(authz.status)) +
                                       " cannot be deactivated");
  }
  Status s = store_.TransitionAuthorization(id, authz.status, S::kDeactivated);
  if (s.code() == Code::kConflict)
    return Error(Code::kMalformed, "the authorization changed concurrently; retry");
  ANVIL_RETURN_IF_ERROR(s);
  return store_.GetAuthorization(id);
}

Result<storage::Authorization> RegistrationAuthority::RespondToChallenge(const storage::Account& account,
                                                                         const std::string& authz_id,
                                                                         const std::string& challenge_id,
                                                                         const ChallengeResponse& response) {
  ANVIL_ASSIGN_OR_RETURN(storage::Authorization authz, GetAuthorization(authz_id));
  if (authz.account_id != account.id) return storage::NotFoundError("authorization", authz_id);
  auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                         [&](const storage::Challenge& c) { return c.id == challenge_id; });
  if (it == authz.challenges.end()) return Error(Code::kNotFound, "no such challenge");
  // An expired or deactivated authorization can never become valid (RFC 8555 §7.1.6: both states are final),
  // so a response to one of its challenges conflicts with its state and starts nothing: 409 malformed, as
  // every conflict here (Boulder answers an expired one 404 "Expired authorization"). Answering 200 with the
  // challenge still "pending" would send the client polling an authorization that cannot change.
  if (authz.status == acme::AuthorizationStatus::kExpired ||
      authz.status == acme::AuthorizationStatus::kDeactivated) {
    return Error(Code::kConflict, "the authorization is " + std::string(acme::StatusName(authz.status)) +
                                      "; place a new order");
  }
  // Responding again to a challenge that is already processing or finished is harmless: return the state.
  if (authz.status != acme::AuthorizationStatus::kPending || it->status != acme::ChallengeStatus::kPending) {
    return authz;
  }
  // One validation attempt per authorization at a time (as Boulder): another challenge already being
  // validated decides this authorization. A validation running here is recorded as processing only once it
  // outlasts acme.challenge_wait; until then ChallengeWaits knows it.
  for (const auto& other : authz.challenges) {
    if (other.status == acme::ChallengeStatus::kProcessing) return authz;
  }
  // draft-ietf-acme-device-attest-09 §5: the response carries the attestation object; without one there is
  // nothing to validate, and the challenge stays pending for a response that has it.
  if (it->type == acme::ChallengeType::kDeviceAttest01 && response.attestation_object.empty()) {
    return Error(Code::kMalformed, "a device-attest-01 response carries the attestation object in \"attObj\"");
  }
  std::string running;
  std::shared_ptr<ChallengeWaits::Ticket> ticket =
      challenge_waits_.Begin(account.id, authz.id, challenge_id, &running);
  if (ticket == nullptr) {
    for (auto& c : authz.challenges) {
      if (c.id == running) c.status = acme::ChallengeStatus::kProcessing;
    }
    return authz;
  }

  va::ValidationRequest request;
  request.type = it->type;
  request.identifier = authz.identifier;
  request.wildcard = authz.wildcard;
  request.token = it->token;
  request.key_authorization = acme::KeyAuthorization(it->token, account.thumbprint);
  request.account_uri = options_.account_url_prefix + account.id;
  if (it->type == acme::ChallengeType::kDeviceAttest01) request.attestation_object = response.attestation_object;
  Validating validating{authz.id,         challenge_id, account.id, authz.identifier, authz.wildcard, it->type,
                        FailedValidationsKey(account.id, authz.identifier), account.eab_kid};
  Status queued = validator_.Validate(std::move(request),
                                      [this, validating, ticket](va::ValidationResult result) {
                                        OnValidated(validating, std::move(result));
                                        challenge_waits_.Done(*ticket);
                                      });
  if (!queued.ok()) {
    // Nothing was tried (the validator's queue is full: rateLimited with Retry-After; or it is shutting
    // down): the challenge stays pending and the client may respond again. Recording a failure here would
    // invalidate the authorization, and count against the client's failed-validation limit, for the server's
    // load.
    challenge_waits_.Done(*ticket);
    if (queued.code() == Code::kRateLimited && options_.observer != nullptr) {
      options_.observer->RateLimited("validator_queue");
    }
    return queued;
  }
  // Usually the validation ends within milliseconds: answering with its outcome spares the client a poll, and
  // the challenge goes from pending to valid or invalid in one store write.
  if (challenge_waits_.Wait(*ticket)) return store_.GetAuthorization(authz.id);
  // It outlasted the wait: record it as processing (§7.1.6), unless it has been decided meanwhile.
  Status started = store_.StartChallenge(authz.id, challenge_id);
  if (started.code() == Code::kConflict) return store_.GetAuthorization(authz.id);
  ANVIL_RETURN_IF_ERROR(started);
  it->status = acme::ChallengeStatus::kProcessing;
  return authz;
}

void RegistrationAuthority::OnValidated(const Validating& v, va::ValidationResult result) {
  const std::string& authz_id = v.authz_id;
  const std::string& challenge_id = v.challenge_id;
  if (result.status.ok() && v.type == acme::ChallengeType::kDeviceAttest01) {
    // The attestation is verified; the device management service has the last word (fail closed).
    Status allowed = AskDeviceCheck(v, result.attestation_json);
    if (!allowed.ok()) result.status = allowed;
  }
  bool valid = result.status.ok();
  if (options_.observer != nullptr) {
    options_.observer->ValidationEnded(acme::ChallengeTypeName(v.type), valid ? "valid" : "invalid");
  }
  std::string error = valid ? "" : acme::ProblemJson(result.status).dump();
  TimePoint now = clock_.Now();
  std::vector<storage::RateLimit> limits;
  if (!valid) {
    // Counted in the same transaction as the failure; newOrder checks the count (limits.*).
    AddLimit(limits, options_.limits.failed_validations_per_identifier, v.failures_key,
             storage::RateLimit::Mode::kRecord, "failed validations for this identifier");
  }
  nlohmann::json records = nlohmann::json::array();
  for (const va::ValidationRecord& r : result.records) {
    nlohmann::json record = {{"hostname", r.hostname},
                             {"port", r.port},
                             {"addresses_resolved", r.addresses_resolved},
                             {"address_used", r.address_used}};
    if (!r.url.empty()) record["url"] = r.url;
    if (!r.addresses_tried.empty()) record["addresses_tried"] = r.addresses_tried;
    records.push_back(std::move(record));
  }
  nlohmann::json details = {{"challenge", challenge_id},
                            {"type", acme::ChallengeTypeName(v.type)},
                            {"identifier", acme::IdentifierText({v.identifier.type, (v.wildcard ? "*." : "") +
                                                                                        v.identifier.value})},
                            {"validation_records", std::move(records)}};
  if (!valid) details["error"] = acme::ProblemJson(result.status);
  // The evidence is kept with the authorization and in the audit trail (docs/device-attestation.md).
  if (!result.attestation_json.empty()) {
    details["attestation"] = nlohmann::json::parse(result.attestation_json, nullptr, false);
  }
  storage::AuditEvent audit =
      Audit(valid ? "authorization.valid" : "authorization.invalid", v.account_id, authz_id, details.dump());
  Status s = store_.CompleteChallenge(authz_id, challenge_id, valid, error, now,
                                      now + options_.authorization_lifetime, limits, &audit,
                                      valid ? result.attestation_json : std::string());
  // kConflict: the authorization was deactivated or expired meanwhile; nothing to record. Any other failure
  // leaves the challenge undecided (the client may respond again) and nobody waits for this callback's
  // result, so the operator hears of it here.
  if (!s.ok() && s.code() != Code::kConflict) {
    spdlog::error("recording the validation of challenge {}/{} failed: {}", authz_id, challenge_id,
                  s.ToString());
  }
}

}  // namespace anvil::ra
