// A Store that forwards every call to another one: the base of test decorators that change a few calls (fault
// injection, counting, a cleanup when the store goes away) and pass the rest through. Thread-safe if the
// inner store is; it does not own the inner store unless given a unique_ptr.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/store.h"

namespace anvil::storage::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(&inner) {}
  explicit ForwardingStore(std::unique_ptr<Store> owned) : owned_(std::move(owned)), inner_(owned_.get()) {}

  using AccountStore::CreateAccount;
  using IssuanceStore::BeginIssuance;
  using OrderStore::CompleteChallenge;
  using OrderStore::CreateOrder;
  Status CreateAccount(const Account& a, const AuditEvent& audit, const std::vector<RateLimit>& limits) override {
    return inner_->CreateAccount(a, audit, limits);
  }
  Result<Account> GetAccount(const std::string& id) override { return inner_->GetAccount(id); }
  Result<Account> FindAccountByThumbprint(const std::string& t) override {
    return inner_->FindAccountByThumbprint(t);
  }
  Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                       acme::AccountStatus status, const AuditEvent& audit) override {
    return inner_->UpdateAccount(id, contacts, status, audit);
  }
  Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                          const std::string& new_jwk_json, const std::string& new_thumbprint,
                          const AuditEvent& audit) override {
    return inner_->ChangeAccountKey(id, old_thumbprint, new_jwk_json, new_thumbprint, audit);
  }
  Status SetAccountPolicy(const std::string& id, const std::string& policy, const AuditEvent& audit) override {
    return inner_->SetAccountPolicy(id, policy, audit);
  }

  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                     const std::vector<RateLimit>& limits, const AuditEvent* audit) override {
    return inner_->CreateOrder(order, new_authorizations, limits, audit);
  }
  Result<Order> GetOrder(const std::string& id) override { return inner_->GetOrder(id); }
  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id, const std::string& after_id,
                                                int limit) override {
    return inner_->ListOrderIds(account_id, after_id, limit);
  }
  Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) override {
    return inner_->ListOrdersByStatus(status, limit);
  }
  Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                         const std::string& error_json, const std::string& certificate_serial,
                         const AuditEvent* audit) override {
    return inner_->TransitionOrder(id, from, to, error_json, certificate_serial, audit);
  }
  Result<std::optional<Order>> FindReusableOrder(const std::string& account_id,
                                                 const std::vector<acme::Identifier>& identifiers,
                                                 const std::string& profile, TimePoint expires_after) override {
    return inner_->FindReusableOrder(account_id, identifiers, profile, expires_after);
  }
  Result<PendingCounts> CountPending(const std::string& account_id, TimePoint now) override {
    return inner_->CountPending(account_id, now);
  }
  Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) override {
    return inner_->FindOrderReplacing(cert_id);
  }
  Status CreateAuthorization(const Authorization& authorization) override {
    return inner_->CreateAuthorization(authorization);
  }
  Result<Authorization> GetAuthorization(const std::string& id) override {
    return inner_->GetAuthorization(id);
  }
  Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                              const acme::Identifier& identifier,
                                                              bool wildcard,
                                                              TimePoint expires_after) override {
    return inner_->FindValidAuthorization(account_id, identifier, wildcard, expires_after);
  }
  Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                 acme::AuthorizationStatus to) override {
    return inner_->TransitionAuthorization(id, from, to);
  }
  Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) override {
    return inner_->StartChallenge(authorization_id, challenge_id);
  }
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits,
                           const AuditEvent* audit, const std::string& attestation_json) override {
    return inner_->CompleteChallenge(authorization_id, challenge_id, valid, error_json, validated_at,
                                     valid_until, limits, audit, attestation_json);
  }

  Result<CertificateRecord> GetCertificate(const std::string& serial) override {
    return inner_->GetCertificate(serial);
  }
  Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) override {
    return inner_->ListCertificatesForOrder(order_id);
  }
  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at,
                           const AuditEvent& audit) override {
    return inner_->RevokeCertificate(serial, reason, at, audit);
  }
  Status ImportCertificate(const CertificateRecord& record, const AuditEvent& audit) override {
    return inner_->ImportCertificate(record, audit);
  }

  Status BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from,
                       const std::vector<RateLimit>& limits) override {
    return inner_->BeginIssuance(pending, order_from, limits);
  }
  Status FinishIssuance(const std::string& serial, const std::string& der, const AuditEvent& audit) override {
    return inner_->FinishIssuance(serial, der, audit);
  }
  Status AbandonIssuance(const std::string& serial, const std::string& order_error_json,
                         const AuditEvent& audit) override {
    return inner_->AbandonIssuance(serial, order_error_json, audit);
  }

  Status CreateAdminCredential(const AdminCredential& credential, const AuditEvent& audit) override {
    return inner_->CreateAdminCredential(credential, audit);
  }
  Result<AdminCredential> GetAdminCredential(const std::string& name) override {
    return inner_->GetAdminCredential(name);
  }
  Result<AdminCredential> FindAdminCredential(const std::string& lookup) override {
    return inner_->FindAdminCredential(lookup);
  }
  Result<std::vector<AdminCredential>> ListAdminCredentials() override { return inner_->ListAdminCredentials(); }
  Status RevokeAdminCredential(const std::string& name, TimePoint at, const AuditEvent& audit) override {
    return inner_->RevokeAdminCredential(name, at, audit);
  }
  Status CreatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override {
    return inner_->CreatePolicyDefinition(definition, audit);
  }
  Status UpdatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override {
    return inner_->UpdatePolicyDefinition(definition, audit);
  }
  Status DeletePolicyDefinition(const std::string& name, TimePoint now, const AuditEvent& audit) override {
    return inner_->DeletePolicyDefinition(name, now, audit);
  }
  Result<PolicyDefinitions> ListPolicyDefinitions() override { return inner_->ListPolicyDefinitions(); }
  Result<int64_t> PolicyDefinitionsVersion() override { return inner_->PolicyDefinitionsVersion(); }
  Status CreateEabKey(const EabKey& key, const AuditEvent& audit) override {
    return inner_->CreateEabKey(key, audit);
  }
  Status RevokeEabKey(const std::string& kid, TimePoint at, const AuditEvent& audit) override {
    return inner_->RevokeEabKey(kid, at, audit);
  }
  Result<EabKey> GetEabKey(const std::string& kid) override { return inner_->GetEabKey(kid); }
  Result<std::vector<EabKey>> ListEabKeys() override { return inner_->ListEabKeys(); }
  Status BlockKey(const BlockedKey& key, const AuditEvent& audit) override { return inner_->BlockKey(key, audit); }
  Result<BlockedKey> GetBlockedKey(const std::string& spki_sha256) override {
    return inner_->GetBlockedKey(spki_sha256);
  }
  Result<std::vector<RevokedCertificate>> ListRevokedCertificates(const std::string& authority_key_id,
                                                                  TimePoint not_after_after,
                                                                  const std::string& after_serial,
                                                                  int limit) override {
    return inner_->ListRevokedCertificates(authority_key_id, not_after_after, after_serial, limit);
  }
  Result<CrlState> GetCrlState(const std::string& issuer_id) override {
    return inner_->GetCrlState(issuer_id);
  }
  Status AdvanceCrlState(const CrlState& next, int64_t previous_number) override {
    return inner_->AdvanceCrlState(next, previous_number);
  }
  Status AppendAudit(const AuditEvent& event) override { return inner_->AppendAudit(event); }
  Status CheckWritable() override { return inner_->CheckWritable(); }
  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override {
    return inner_->ListAudit(after_id, limit);
  }
  Result<std::optional<AuditEvent>> LastAudit() override { return inner_->LastAudit(); }
  Status AppendAuditAnchor(const AuditAnchor& anchor) override { return inner_->AppendAuditAnchor(anchor); }
  Result<std::vector<AuditAnchor>> ListAuditAnchors() override { return inner_->ListAuditAnchors(); }
  Result<CertificatePage> ListCertificates(const CertificateQuery& query) override {
    return inner_->ListCertificates(query);
  }
  Result<CertificateCounts> CountCertificates(TimePoint now, std::chrono::seconds expiring_within) override {
    return inner_->CountCertificates(now, expiring_within);
  }
  Result<int64_t> CountExpiringCertificates(TimePoint now, std::chrono::seconds within) override {
    return inner_->CountExpiringCertificates(now, within);
  }
  Result<std::vector<ExpiryDay>> CountExpiryByDay(TimePoint now, std::chrono::seconds horizon) override {
    return inner_->CountExpiryByDay(now, horizon);
  }
  Result<std::vector<ActivityDay>> CountActivityByDay(TimePoint from, TimePoint to) override {
    return inner_->CountActivityByDay(from, to);
  }
  Result<std::optional<TimePoint>> LastIssuedAt() override { return inner_->LastIssuedAt(); }
  Result<AccountPage> ListAccounts(const std::string& cursor, int limit) override {
    return inner_->ListAccounts(cursor, limit);
  }
  Result<std::vector<AuditEvent>> ListAuditForSubject(const std::string& subject, int64_t after_id,
                                                     int limit) override {
    return inner_->ListAuditForSubject(subject, after_id, limit);
  }

 protected:
  // Destroys an owned inner store now (a later call would crash); for decorators whose own destructor must
  // run after the inner store is gone.
  void DestroyInner() {
    owned_.reset();
    inner_ = nullptr;
  }

 private:
  std::unique_ptr<Store> owned_;
  Store* inner_;
};

}  // namespace anvil::storage::testing
