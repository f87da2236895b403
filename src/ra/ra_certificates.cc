// The RA's certificates: download (RFC 8555 §7.4.2), revocation (§7.6), renewal information (RFC 9773).
#include <nlohmann/json.hpp>

#include "crypto/certificate.h"
#include "ra/registration_authority.h"

namespace anvil::ra {

Result<storage::CertificateRecord> RegistrationAuthority::GetCertificate(const std::string& serial) {
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateRecord record, store_.GetCertificate(serial));
  // A certificate still being signed answers like one that does not exist.
  if (record.state != storage::CertificateState::kIssued) return storage::NotFoundError("certificate", serial);
  return record;
}

namespace {
constexpr int kKeyCompromise = 1;  // RFC 5280 §5.3.1 CRLReason

// What an operator may state for an end-entity certificate: a subscriber's reasons and privilegeWithdrawn (9).
// Not cACompromise or aACompromise (CA certificates), certificateHold (no holds: a revocation is final) or
// removeFromCRL (delta CRLs).
bool IsOperatorRevocationReason(int code) { return acme::IsSubscriberRevocationReason(code) || code == 9; }
}  // namespace

Status RegistrationAuthority::Revoke(const std::string& certificate_der, int reason,
                                     RevocationRequester requester, const storage::Account* account,
                                     const jose::Jwk* certificate_key) {
  auto cert = crypto::Certificate::FromDer(certificate_der);
  if (!cert.ok()) return Error(Code::kMalformed, "the certificate to revoke cannot be parsed");
  auto record = store_.GetCertificate(cert->serial_hex());
  if (!record.ok() || record->state != storage::CertificateState::kIssued || record->der != certificate_der) {
    return Error(Code::kNotFound, "the certificate was not issued by this CA");
  }
  if (!acme::IsSubscriberRevocationReason(reason)) {
    return Error(Code::kBadRevocationReason,
                 "revocation reason " + std::to_string(reason) +
                     " is not one a subscriber may give (0, 1, 3, 4 or 5: RFC 5280 §5.3.1)");
  }
  if (requester == RevocationRequester::kCertificateKey) {
    if (certificate_key == nullptr || !(certificate_key->key() == cert->public_key())) {
      return Error(Code::kUnauthorized, "the request is not signed by the certificate's key");
    }
  } else {
    if (account == nullptr) return Error(Code::kUnauthorized, "no account");
    if (record->account_id != account->id) {
      // §7.6: an account that holds valid authorizations for all the certificate's names may revoke it too.
      TimePoint now = clock_.Now();
      for (const auto& name : record->names) {
        auto ip = acme::NormalizeIdentifier(acme::IdentifierType::kIp, name);
        acme::Identifier id = ip.ok() ? *ip : acme::Identifier{acme::IdentifierType::kDns, name};
        ANVIL_ASSIGN_OR_RETURN(
            auto authz,
            store_.FindValidAuthorization(account->id, acme::Identifier{id.type, id.authorization_value()},
                                          id.wildcard(), now));
        if (!authz) {
          return Error(Code::kUnauthorized,
                       "the account neither owns the certificate nor holds authorizations for " + name);
        }
      }
    }
  }
  nlohmann::json details = {
      {"reason", reason},
      {"requester", requester == RevocationRequester::kAccount ? "account" : "certificate key"}};
  if (account != nullptr) details["requester_account"] = account->id;
  return RecordRevocation(*record, cert->public_key(), reason, details.dump());
}

Status RegistrationAuthority::RevokeByOperator(const std::string& serial, int reason, const std::string& note,
                                               const std::string& requester) {
  if (!IsOperatorRevocationReason(reason)) {
    return Error(Code::kBadRevocationReason,
                 "revocation reason " + std::to_string(reason) +
                     " is not one for an end-entity certificate (0, 1, 3, 4, 5 or 9: RFC 5280 §5.3.1)");
  }
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateRecord record, GetCertificate(serial));
  if (record.revoked_at) return Error(Code::kAlreadyRevoked, "certificate " + serial + " is already revoked");
  auto cert = crypto::Certificate::FromDer(record.der);
  if (!cert.ok()) return Error(Code::kInternal, "the stored certificate " + serial + " cannot be parsed");
  nlohmann::json details = {{"reason", reason}, {"requester", requester}};
  if (!note.empty()) details["note"] = note;
  return RecordRevocation(record, cert->public_key(), reason, details.dump());
}

Status RegistrationAuthority::RecordRevocation(const storage::CertificateRecord& revoked,
                                               const crypto::PublicKey& key, int reason,
                                               const std::string& details_json) {
  if (reason == kKeyCompromise) {
    // The key is refused for every future certificate and account (docs/security.md). Blocked before the
    // revocation is recorded, so a crash between the two leaves a blocked key and a client whose retried
    // revocation completes, never a certificate revoked for keyCompromise whose key can be certified again.
    const std::string source = "certificate " + revoked.serial + " was revoked for keyCompromise";
    storage::AuditEvent blocked = Audit("key.blocked", revoked.account_id, revoked.serial, details_json);
    ANVIL_RETURN_IF_ERROR(store_.BlockKey(storage::BlockedKey{BlockedKeyId(key), blocked.at, source}, blocked));
  }
  storage::AuditEvent audit = Audit("certificate.revoked", revoked.account_id, revoked.serial, details_json);
  Status s = store_.RevokeCertificate(revoked.serial, reason, audit.at, audit);
  if (s.code() == Code::kAlreadyRevoked)
    return Error(Code::kAlreadyRevoked, "the certificate is already revoked");
  if (s.ok() && revocation_listener_) revocation_listener_(revoked);
  return s;
}

Result<RenewalInfo> RegistrationAuthority::GetRenewalInfo(const std::string& cert_id) {
  ANVIL_ASSIGN_OR_RETURN(auto parsed, ParseCertificateId(cert_id));
  auto record = store_.GetCertificate(parsed.second);
  if (!record.ok() || record->state != storage::CertificateState::kIssued ||
      record->authority_key_id != parsed.first) {
    return Error(Code::kNotFound, "no certificate with this ID");
  }
  TimePoint now = clock_.Now();
  bool retired_issuer = false;
  {
    std::lock_guard lock(retired_mu_);
    retired_issuer = retired_authority_key_ids_.contains(record->authority_key_id);
  }
  if (record->revoked_at || retired_issuer) {
    // RFC 9773 §4.2: a window in the past tells the client to renew immediately; so for a revoked
    // certificate and for every certificate of a retired intermediate.
    return RenewalInfo{now - std::chrono::hours(2), now - std::chrono::hours(1)};
  }
  auto life = record->not_after - record->not_before;
  // The window covers the middle of the last third of the lifetime (day 60-67 of a 90-day certificate is
  // not exact; this is 2/3..7/9), leaving clients time to retry before expiry.
  TimePoint start = record->not_before + life * 2 / 3;
  TimePoint end = record->not_before + life * 7 / 9;
  return RenewalInfo{start, end};
}

}  // namespace anvil::ra
