#include "storage/memory/memory_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "storage/audit_chain.h"
#include "storage/internal/codec.h"
#include "storage/internal/eab.h"
#include "storage/internal/inventory.h"
#include "storage/internal/rate_limit.h"
#include "storage/memory/memory_policy_definitions.h"

namespace anvil::storage {
namespace {

using internal::ChallengeConflict;
using internal::CheckLimit;
using internal::NotFound;
using internal::TruncateToSeconds;

std::optional<TimePoint> Truncate(const std::optional<TimePoint>& t) {
  if (!t.has_value()) return std::nullopt;
  return TruncateToSeconds(*t);
}

// Mirrors the SQLite store's decisions, including the order in which errors are detected, so that the two
// answer identically (the conformance suite checks it).
class MemoryStore final : public Store {
 public:
  MemoryStore() = default;

  // ---- AccountStore ----

  using AccountStore::CreateAccount;
  using IssuanceStore::BeginIssuance;
  using OrderStore::CompleteChallenge;
  using OrderStore::CreateOrder;

  Status CreateAccount(const Account& account, const AuditEvent& audit,
                       const std::vector<RateLimit>& limits) override {
    std::lock_guard lock(mu_);
    if (accounts_.contains(account.id) || account_by_thumbprint_.contains(account.thumbprint)) {
      return Error(Code::kConflict, "account " + account.id + " (id or key already in use)");
    }
    EabKey* eab = nullptr;
    if (!account.eab_kid.empty()) {
      auto it = eab_keys_.find(account.eab_kid);
      if (it == eab_keys_.end()) return NotFound("EAB key", account.eab_kid);
      ANVIL_RETURN_IF_ERROR(internal::CheckEabUsable(it->second, account.created_at));
      eab = &it->second;
    }
    ANVIL_ASSIGN_OR_RETURN(RatePlan plan, PlanRateLimits(limits, account.created_at));
    CommitRateLimits(plan);
    Account stored = account;
    stored.created_at = TruncateToSeconds(stored.created_at);
    accounts_.emplace(stored.id, stored);
    account_by_thumbprint_.emplace(stored.thumbprint, stored.id);
    Append(audit);
    if (eab != nullptr) {
      if (eab->account_id.empty()) eab->account_id = stored.id;
      ++eab->uses;
      Append(internal::EabUsedAudit(*eab, stored));
    }
    return Status::Ok();
  }

  Result<Account> GetAccount(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return NotFound("account", id);
    return it->second;
  }

  Result<Account> FindAccountByThumbprint(const std::string& thumbprint) override {
    std::lock_guard lock(mu_);
    auto it = account_by_thumbprint_.find(thumbprint);
    if (it == account_by_thumbprint_.end()) return NotFound("account with thumbprint", thumbprint);
    return accounts_.at(it->second);
  }

  Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                       acme::AccountStatus status, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return NotFound("account", id);
    it->second.contacts = contacts;
    it->second.status = status;
    Append(audit);
    return Status::Ok();
  }

  Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                          const std::string& new_jwk_json, const std::string& new_thumbprint,
                          const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return NotFound("account", id);
    if (it->second.thumbprint != old_thumbprint) {
      return Error(Code::kConflict, "account " + id + " no longer has the key being replaced");
    }
    auto holder = account_by_thumbprint_.find(new_thumbprint);
    if (holder != account_by_thumbprint_.end() && holder->second != id) {
      return Error(Code::kConflict, "new key of account " + id + " is already in use");
    }
    account_by_thumbprint_.erase(it->second.thumbprint);
    account_by_thumbprint_.emplace(new_thumbprint, id);
    it->second.jwk_json = new_jwk_json;
    it->second.thumbprint = new_thumbprint;
    Append(audit);
    return Status::Ok();
  }

  Status SetAccountPolicy(const std::string& id, const std::string& policy, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return NotFound("account", id);
    it->second.policy = policy;
    Append(audit);
    return Status::Ok();
  }

  // ---- OrderStore ----

  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                     const std::vector<RateLimit>& limits, const AuditEvent* audit) override {
    std::lock_guard lock(mu_);
    // Validate everything first: nothing may be stored unless everything is.
    if (order_seq_.contains(order.id)) return Error(Code::kConflict, "order " + order.id + " already exists");
    if (!accounts_.contains(order.account_id)) return NotFound("account", order.account_id);
    std::set<std::string> batch;
    for (const Authorization& authz : new_authorizations) {
      if (batch.contains(authz.id))
        return Error(Code::kConflict, "authorization " + authz.id + " already exists");
      ANVIL_RETURN_IF_ERROR(CheckNewAuthorization(authz));
      batch.insert(authz.id);
    }
    ANVIL_ASSIGN_OR_RETURN(RatePlan plan, PlanRateLimits(limits, order.created_at));
    CommitRateLimits(plan);
    Order stored = order;
    stored.not_before = Truncate(stored.not_before);
    stored.not_after = Truncate(stored.not_after);
    stored.expires = TruncateToSeconds(stored.expires);
    stored.created_at = TruncateToSeconds(stored.created_at);
    int64_t seq = ++last_order_seq_;
    order_seq_.emplace(stored.id, seq);
    orders_.emplace(seq, std::move(stored));
    for (const Authorization& authz : new_authorizations) InsertAuthorization(authz);
    if (audit != nullptr) Append(*audit);
    return Status::Ok();
  }

  Result<Order> GetOrder(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = order_seq_.find(id);
    if (it == order_seq_.end()) return NotFound("order", id);
    return orders_.at(it->second);
  }

  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id, const std::string& after_id,
                                                int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    std::lock_guard lock(mu_);
    int64_t after_seq = 0;
    if (!after_id.empty()) {
      auto it = order_seq_.find(after_id);
      if (it == order_seq_.end() || orders_.at(it->second).account_id != account_id) {
        return NotFound("order", after_id + " of account " + account_id);
      }
      after_seq = it->second;
    }
    // A linear scan is fine for tests; the SQLite store uses an index.
    std::vector<std::string> ids;
    for (auto it = orders_.upper_bound(after_seq);
         it != orders_.end() && static_cast<int>(ids.size()) < limit; ++it) {
      if (it->second.account_id == account_id) ids.push_back(it->second.id);
    }
    return ids;
  }

  Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    std::lock_guard lock(mu_);
    std::vector<Order> out;
    for (auto it = orders_.begin(); it != orders_.end() && static_cast<int>(out.size()) < limit; ++it) {
      if (it->second.status == status) out.push_back(it->second);
    }
    return out;
  }

  Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                         const std::string& error_json, const std::string& certificate_serial,
                         const AuditEvent* audit) override {
    std::lock_guard lock(mu_);
    auto it = order_seq_.find(id);
    if (it == order_seq_.end()) return NotFound("order", id);
    Order& order = orders_.at(it->second);
    if (order.status != from) {
      return Error(Code::kConflict, "order " + id + " is not " + std::string(internal::Name(from)));
    }
    order.status = to;
    if (to == acme::OrderStatus::kInvalid) order.error_json = error_json;
    if (to == acme::OrderStatus::kValid) order.certificate_serial = certificate_serial;
    if (audit != nullptr) Append(*audit);
    return Status::Ok();
  }

  Result<std::optional<Order>> FindReusableOrder(const std::string& account_id,
                                                 const std::vector<acme::Identifier>& identifiers,
                                                 const std::string& profile, TimePoint expires_after) override {
    std::lock_guard lock(mu_);
    for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {  // newest first, as the SQLite store
      const Order& o = it->second;
      if (o.account_id == account_id && IsOpen(o.status) && o.identifiers == identifiers && o.profile == profile &&
          !o.not_before && !o.not_after && o.replaces.empty() && o.expires > expires_after) {
        return std::optional<Order>(o);
      }
    }
    return std::optional<Order>();
  }

  Result<PendingCounts> CountPending(const std::string& account_id, TimePoint now) override {
    std::lock_guard lock(mu_);
    PendingCounts counts;
    for (const auto& [seq, o] : orders_) {
      if (o.account_id == account_id && IsOpen(o.status) && o.expires > now) ++counts.orders;
    }
    for (const auto& [id, a] : authorizations_) {
      if (a.account_id == account_id && a.status == acme::AuthorizationStatus::kPending && a.expires > now) {
        ++counts.authorizations;
      }
    }
    return counts;
  }

  static bool IsOpen(acme::OrderStatus s) { return s == acme::OrderStatus::kPending || s == acme::OrderStatus::kReady; }

  Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) override {
    std::lock_guard lock(mu_);
    if (cert_id.empty()) return std::optional<Order>();
    for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {  // newest first, as the SQLite store
      if (it->second.replaces == cert_id && it->second.status != acme::OrderStatus::kInvalid) {
        return std::optional<Order>(it->second);
      }
    }
    return std::optional<Order>();
  }

  Status CreateAuthorization(const Authorization& authorization) override {
    std::lock_guard lock(mu_);
    ANVIL_RETURN_IF_ERROR(CheckNewAuthorization(authorization));
    InsertAuthorization(authorization);
    return Status::Ok();
  }

  Result<Authorization> GetAuthorization(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = authorizations_.find(id);
    if (it == authorizations_.end()) return NotFound("authorization", id);
    return it->second;
  }

  Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                              const acme::Identifier& identifier,
                                                              bool wildcard,
                                                              TimePoint expires_after) override {
    std::lock_guard lock(mu_);
    int64_t cutoff = ToUnixSeconds(expires_after);  // compared in whole seconds, as the database does
    const Authorization* best = nullptr;
    for (const auto& [id, authz] : authorizations_) {
      if (authz.account_id != account_id || authz.identifier != identifier || authz.wildcard != wildcard ||
          authz.status != acme::AuthorizationStatus::kValid || ToUnixSeconds(authz.expires) <= cutoff) {
        continue;
      }
      if (best == nullptr || authz.expires > best->expires) best = &authz;
    }
    if (best == nullptr) return std::optional<Authorization>();
    return std::optional<Authorization>(*best);
  }

  Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                 acme::AuthorizationStatus to) override {
    std::lock_guard lock(mu_);
    auto it = authorizations_.find(id);
    if (it == authorizations_.end()) return NotFound("authorization", id);
    if (it->second.status != from) {
      return Error(Code::kConflict, "authorization " + id + " is not " + std::string(internal::Name(from)));
    }
    it->second.status = to;
    return Status::Ok();
  }

  Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) override {
    std::lock_guard lock(mu_);
    ANVIL_ASSIGN_OR_RETURN(auto found, FindChallenge(authorization_id, challenge_id));
    auto [authz, ch] = found;
    if (authz->status != acme::AuthorizationStatus::kPending ||
        ch->status != acme::ChallengeStatus::kPending) {
      return ChallengeConflict(authorization_id, challenge_id);
    }
    for (const Challenge& other : authz->challenges) {
      if (other.status == acme::ChallengeStatus::kProcessing)
        return ChallengeConflict(authorization_id, challenge_id);
    }
    ch->status = acme::ChallengeStatus::kProcessing;
    return Status::Ok();
  }

  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits,
                           const AuditEvent* audit, const std::string& attestation_json) override {
    std::lock_guard lock(mu_);
    ANVIL_ASSIGN_OR_RETURN(auto found, FindChallenge(authorization_id, challenge_id));
    auto [authz, ch] = found;
    if (authz->status != acme::AuthorizationStatus::kPending ||
        (ch->status != acme::ChallengeStatus::kPending && ch->status != acme::ChallengeStatus::kProcessing)) {
      return ChallengeConflict(authorization_id, challenge_id);
    }
    for (const Challenge& other : authz->challenges) {
      if (&other != ch && other.status == acme::ChallengeStatus::kProcessing) {
        return ChallengeConflict(authorization_id, challenge_id);
      }
    }
    ANVIL_ASSIGN_OR_RETURN(RatePlan plan, PlanRateLimits(limits, validated_at));
    CommitRateLimits(plan);
    ch->status = valid ? acme::ChallengeStatus::kValid : acme::ChallengeStatus::kInvalid;
    ch->validated_at = TruncateToSeconds(validated_at);
    ch->error_json = error_json;
    ch->attestation_json = valid ? attestation_json : std::string();
    authz->status = valid ? acme::AuthorizationStatus::kValid : acme::AuthorizationStatus::kInvalid;
    if (valid && valid_until) authz->expires = TruncateToSeconds(*valid_until);
    if (audit != nullptr) Append(*audit);
    return Status::Ok();
  }

  // ---- CertificateStore ----

  Result<CertificateRecord> GetCertificate(const std::string& serial) override {
    std::lock_guard lock(mu_);
    auto it = certificates_.find(serial);
    if (it == certificates_.end()) return NotFound("certificate", serial);
    return it->second;
  }

  Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) override {
    std::lock_guard lock(mu_);
    std::vector<CertificateRecord> out;
    for (const std::string& serial : certificate_order_) {
      const CertificateRecord& cert = certificates_.at(serial);
      if (cert.order_id == order_id) out.push_back(cert);
    }
    return out;
  }

  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at,
                           const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    auto it = certificates_.find(serial);
    if (it == certificates_.end()) return NotFound("certificate", serial);
    CertificateRecord& cert = it->second;
    if (cert.state != CertificateState::kIssued || cert.revoked_at.has_value()) {
      return CertificateConflict(cert, "issued");
    }
    cert.revoked_at = TruncateToSeconds(at);
    cert.revocation_reason = reason;
    Append(audit);
    return Status::Ok();
  }

  Status ImportCertificate(const CertificateRecord& record, const AuditEvent& audit) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckImportable(record));
    std::lock_guard lock(mu_);
    if (certificates_.contains(record.serial)) {
      return Error(Code::kConflict, "certificate serial " + record.serial + " is recorded already");
    }
    CertificateRecord stored = record;
    stored.not_before = TruncateToSeconds(stored.not_before);
    stored.not_after = TruncateToSeconds(stored.not_after);
    stored.created_at = TruncateToSeconds(stored.created_at);
    if (stored.revoked_at) stored.revoked_at = TruncateToSeconds(*stored.revoked_at);
    certificates_.emplace(record.serial, std::move(stored));
    Append(audit);
    return Status::Ok();
  }

  // ---- IssuanceStore: every check before any change, so a refusal changes nothing ----

  Status BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from,
                       const std::vector<RateLimit>& limits) override {
    std::lock_guard lock(mu_);
    ANVIL_ASSIGN_OR_RETURN(Order * order, FindOrder(pending.order_id));
    if (order->status != order_from) {
      return Error(Code::kOrderNotReady,
                   "order " + order->id + " is not " + std::string(acme::StatusName(order_from)));
    }
    if (certificates_.contains(pending.serial)) {
      return Error(Code::kConflict, "certificate serial " + pending.serial + " already exists");
    }
    ANVIL_ASSIGN_OR_RETURN(RatePlan plan, PlanRateLimits(limits, pending.created_at));
    CommitRateLimits(plan);
    CertificateRecord stored = pending;
    stored.state = CertificateState::kPending;
    stored.der.clear();
    stored.revoked_at.reset();
    stored.revocation_reason = 0;
    stored.replaced_by.clear();
    stored.not_before = TruncateToSeconds(stored.not_before);
    stored.not_after = TruncateToSeconds(stored.not_after);
    stored.created_at = TruncateToSeconds(stored.created_at);
    certificates_.emplace(stored.serial, std::move(stored));
    certificate_order_.push_back(pending.serial);
    order->status = acme::OrderStatus::kProcessing;
    return Status::Ok();
  }

  Status FinishIssuance(const std::string& serial, const std::string& der, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    ANVIL_ASSIGN_OR_RETURN(CertificateRecord * cert, FindPendingCertificate(serial));
    ANVIL_ASSIGN_OR_RETURN(Order * order, FindOrder(cert->order_id));
    if (order->status != acme::OrderStatus::kProcessing) {
      return Error(Code::kConflict, "order " + order->id + " is not processing");
    }
    order->status = acme::OrderStatus::kValid;
    order->certificate_serial = serial;
    cert->state = CertificateState::kIssued;
    cert->der = der;
    if (auto replaced = internal::ReplacedCertificate(order->replaces)) {
      auto it = certificates_.find(replaced->second);
      if (it != certificates_.end() && it->second.authority_key_id == replaced->first) {
        it->second.replaced_by = serial;
      }
    }
    Append(audit);
    return Status::Ok();
  }

  Status AbandonIssuance(const std::string& serial, const std::string& order_error_json,
                         const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    ANVIL_ASSIGN_OR_RETURN(CertificateRecord * cert, FindPendingCertificate(serial));
    cert->state = CertificateState::kAbandoned;
    auto seq = order_seq_.find(cert->order_id);
    if (seq != order_seq_.end()) {
      Order& order = orders_.at(seq->second);
      if (order.status == acme::OrderStatus::kProcessing) {
        order.status = acme::OrderStatus::kInvalid;
        order.error_json = order_error_json;
      }
    }
    Append(audit);
    return Status::Ok();
  }

  // ---- rate limits (storage::RateLimit, internal/rate_limit.h) ----

  using RatePlan = std::vector<std::pair<std::string, int64_t>>;
  // Requires mu_. The values `limits` would store at `now`, or the first refusal; changes nothing.
  Result<RatePlan> PlanRateLimits(const std::vector<RateLimit>& limits, TimePoint now) const {
    RatePlan plan;
    for (const RateLimit& limit : limits) {
      auto it = rate_tats_.find(limit.key);
      std::optional<int64_t> stored;
      if (it != rate_tats_.end()) stored = it->second;
      ANVIL_ASSIGN_OR_RETURN(std::optional<int64_t> tat, internal::DecideRateLimit(limit, stored, now));
      if (tat) plan.emplace_back(limit.key, *tat);
    }
    return plan;
  }
  // Requires mu_.
  void CommitRateLimits(const RatePlan& plan) {
    for (const auto& [key, tat] : plan) rate_tats_[key] = tat;
  }

  // ---- BlockedKeyStore ----

  Status BlockKey(const BlockedKey& key, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    if (blocked_keys_.contains(key.spki_sha256)) return Status::Ok();  // the first record stands
    BlockedKey stored = key;
    stored.added_at = TruncateToSeconds(key.added_at);
    blocked_keys_.emplace(stored.spki_sha256, std::move(stored));
    Append(audit);
    return Status::Ok();
  }

  Result<BlockedKey> GetBlockedKey(const std::string& spki_sha256) override {
    std::lock_guard lock(mu_);
    auto it = blocked_keys_.find(spki_sha256);
    if (it == blocked_keys_.end()) return NotFound("blocked key", spki_sha256);
    return it->second;
  }

  // ---- RevocationListStore ----

  Result<std::vector<RevokedCertificate>> ListRevokedCertificates(const std::string& authority_key_id,
                                                                  TimePoint not_after_after,
                                                                  const std::string& after_serial,
                                                                  int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    std::lock_guard lock(mu_);
    int64_t cutoff = ToUnixSeconds(not_after_after);  // compared in whole seconds, as the database does
    // A scan and a sort are fine for tests; the SQLite store walks a partial index in serial order.
    std::vector<RevokedCertificate> out;
    for (const auto& [serial, cert] : certificates_) {
      if (cert.state != CertificateState::kIssued || !cert.revoked_at.has_value() ||
          cert.authority_key_id != authority_key_id || ToUnixSeconds(cert.not_after) <= cutoff ||
          serial <= after_serial) {
        continue;
      }
      out.push_back(RevokedCertificate{serial, *cert.revoked_at, cert.revocation_reason, cert.not_after});
    }
    std::sort(out.begin(), out.end(),
              [](const RevokedCertificate& a, const RevokedCertificate& b) { return a.serial < b.serial; });
    if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
    return out;
  }

  Result<CrlState> GetCrlState(const std::string& issuer_id) override {
    std::lock_guard lock(mu_);
    auto it = crl_states_.find(issuer_id);
    if (it == crl_states_.end()) return NotFound("CRL series", issuer_id);
    return it->second;
  }

  Status AdvanceCrlState(const CrlState& next, int64_t previous_number) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckCrlAdvance(next, previous_number));
    std::lock_guard lock(mu_);
    auto it = crl_states_.find(next.issuer_id);
    int64_t stored = it == crl_states_.end() ? 0 : it->second.number;
    if (stored != previous_number) return internal::CrlStateConflict(next.issuer_id, previous_number);
    CrlState state = next;
    state.this_update = TruncateToSeconds(state.this_update);
    crl_states_[state.issuer_id] = state;
    return Status::Ok();
  }

  // ---- EabKeyStore ----

  Status CreateEabKey(const EabKey& key, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    if (eab_keys_.contains(key.kid)) return Error(Code::kConflict, "EAB key " + key.kid + " already exists");
    if (!key.account_id.empty() && !accounts_.contains(key.account_id))
      return NotFound("account", key.account_id);
    EabKey stored = key;
    stored.created_at = TruncateToSeconds(stored.created_at);
    if (stored.expires_at) stored.expires_at = TruncateToSeconds(*stored.expires_at);
    if (stored.revoked_at) stored.revoked_at = TruncateToSeconds(*stored.revoked_at);
    eab_keys_.emplace(stored.kid, std::move(stored));
    eab_order_.push_back(key.kid);
    Append(audit);
    return Status::Ok();
  }

  Status RevokeEabKey(const std::string& kid, TimePoint at, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    auto it = eab_keys_.find(kid);
    if (it == eab_keys_.end()) return NotFound("EAB key", kid);
    if (it->second.revoked_at) return Error(Code::kConflict, "EAB key " + kid + " is revoked already");
    it->second.revoked_at = TruncateToSeconds(at);
    Append(audit);
    return Status::Ok();
  }

  Result<EabKey> GetEabKey(const std::string& kid) override {
    std::lock_guard lock(mu_);
    auto it = eab_keys_.find(kid);
    if (it == eab_keys_.end()) return NotFound("EAB key", kid);
    return it->second;
  }

  Result<std::vector<EabKey>> ListEabKeys() override {
    std::lock_guard lock(mu_);
    std::vector<EabKey> out;
    out.reserve(eab_order_.size());
    for (const std::string& kid : eab_order_) out.push_back(eab_keys_.at(kid));
    return out;
  }

  // ---- AdminCredentialStore ----

  Status CreateAdminCredential(const AdminCredential& credential, const AuditEvent& audit) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckAdminCredential(credential));
    std::lock_guard lock(mu_);
    for (const AdminCredential& c : admin_credentials_) {
      if (c.name == credential.name || c.lookup == credential.lookup) {
        return internal::AdminCredentialConflict(credential.name);
      }
    }
    AdminCredential stored = credential;
    stored.created_at = TruncateToSeconds(stored.created_at);
    stored.revoked_at.reset();
    admin_credentials_.push_back(std::move(stored));
    Append(audit);
    return Status::Ok();
  }

  Result<AdminCredential> GetAdminCredential(const std::string& name) override {
    std::lock_guard lock(mu_);
    for (const AdminCredential& c : admin_credentials_) {
      if (c.name == name) return c;
    }
    return NotFound("admin credential", name);
  }

  Result<AdminCredential> FindAdminCredential(const std::string& lookup) override {
    std::lock_guard lock(mu_);
    for (const AdminCredential& c : admin_credentials_) {
      if (c.lookup == lookup) return c;
    }
    return NotFound("admin credential", lookup);
  }

  Result<std::vector<AdminCredential>> ListAdminCredentials() override {
    std::lock_guard lock(mu_);
    return admin_credentials_;
  }

  Status RevokeAdminCredential(const std::string& name, TimePoint at, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    for (AdminCredential& c : admin_credentials_) {
      if (c.name != name) continue;
      if (c.revoked_at) return internal::AdminCredentialRevoked(name);
      c.revoked_at = TruncateToSeconds(at);
      Append(audit);
      return Status::Ok();
    }
    return NotFound("admin credential", name);
  }

  // ---- PolicyDefinitionStore (memory_policy_definitions.cc) ----

  Status CreatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    ANVIL_RETURN_IF_ERROR(policy_definitions_.Create(definition));
    Append(audit);
    return Status::Ok();
  }

  Status UpdatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    ANVIL_RETURN_IF_ERROR(policy_definitions_.Update(definition));
    Append(audit);
    return Status::Ok();
  }

  Status DeletePolicyDefinition(const std::string& name, TimePoint now, const AuditEvent& audit) override {
    std::lock_guard lock(mu_);
    ANVIL_RETURN_IF_ERROR(policy_definitions_.Delete(name, now, accounts_, eab_keys_));
    Append(audit);
    return Status::Ok();
  }

  Result<PolicyDefinitions> ListPolicyDefinitions() override {
    std::lock_guard lock(mu_);
    return policy_definitions_.List();
  }

  Result<int64_t> PolicyDefinitionsVersion() override {
    std::lock_guard lock(mu_);
    return policy_definitions_.version();
  }

  // ---- AuditLog ----

  // Memory always takes writes.
  Status CheckWritable() override { return Status::Ok(); }

  Status AppendAudit(const AuditEvent& event) override {
    std::lock_guard lock(mu_);
    Append(event);
    return Status::Ok();
  }

  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override {
    ANVIL_RETURN_IF_ERROR(CheckLimit(limit));
    std::lock_guard lock(mu_);
    std::vector<AuditEvent> out;
    // Ids are 1..n at positions 0..n-1.
    size_t start = after_id < 0 ? 0 : static_cast<size_t>(after_id);
    for (size_t i = start; i < audit_.size() && static_cast<int>(out.size()) < limit; ++i)
      out.push_back(audit_[i]);
    return out;
  }

  Result<std::optional<AuditEvent>> LastAudit() override {
    std::lock_guard lock(mu_);
    if (audit_.empty()) return std::optional<AuditEvent>();
    return std::optional<AuditEvent>(audit_.back());
  }

  Status AppendAuditAnchor(const AuditAnchor& anchor) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckAuditAnchor(anchor));
    std::lock_guard lock(mu_);
    AuditAnchor a = anchor;
    a.id = static_cast<int64_t>(anchors_.size()) + 1;
    a.at = TruncateToSeconds(a.at);
    anchors_.push_back(std::move(a));
    return Status::Ok();
  }

  Result<std::vector<AuditAnchor>> ListAuditAnchors() override {
    std::lock_guard lock(mu_);
    return anchors_;
  }

  // ---- CertificateInventory: scans, fine for tests; SQLite answers each from an index ----

  Result<CertificatePage> ListCertificates(const CertificateQuery& query) override {
    ANVIL_ASSIGN_OR_RETURN(internal::CheckedQuery checked, internal::CheckCertificateQuery(query));
    std::lock_guard lock(mu_);
    std::vector<CertificateRecord> matching;
    for (const auto& [serial, cert] : certificates_) {
      if (internal::Matches(cert, checked)) matching.push_back(cert);
    }
    return internal::MakePage(std::move(matching), checked.query.limit, checked.query.latest_first);
  }

  Result<CertificateCounts> CountCertificates(TimePoint now, std::chrono::seconds expiring_within) override {
    CertificateQuery query;
    query.now = now;
    query.expiring_within = expiring_within;
    ANVIL_RETURN_IF_ERROR(internal::CheckCertificateQuery(query).status());
    std::lock_guard lock(mu_);
    CertificateCounts counts;
    for (const auto& [serial, cert] : certificates_) {
      if (cert.state != CertificateState::kIssued) continue;
      switch (InventoryStatusAt(cert, now, expiring_within)) {
        case InventoryStatus::kValid: ++counts.valid; break;
        case InventoryStatus::kExpiring: ++counts.expiring; break;
        case InventoryStatus::kExpired: ++counts.expired; break;
        case InventoryStatus::kRevoked: ++counts.revoked; break;
      }
    }
    return counts;
  }

  Result<int64_t> CountExpiringCertificates(TimePoint now, std::chrono::seconds within) override {
    ANVIL_ASSIGN_OR_RETURN(CertificateCounts counts, CountCertificates(now, within));
    return counts.expiring;
  }

  Result<std::vector<ExpiryDay>> CountExpiryByDay(TimePoint now, std::chrono::seconds horizon) override {
    ANVIL_ASSIGN_OR_RETURN(internal::DaySpan span, internal::CheckDaySpan(now, now + horizon));
    std::lock_guard lock(mu_);
    std::map<std::pair<int64_t, std::string>, int64_t> counts;
    for (const auto& [serial, cert] : certificates_) {
      const int64_t not_after = ToUnixSeconds(cert.not_after);
      if (cert.state == CertificateState::kIssued && !cert.revoked_at && not_after > span.from && not_after <= span.to) {
        ++counts[{internal::UtcDay(not_after), cert.profile}];
      }
    }
    std::vector<ExpiryDay> out;
    for (const auto& [key, count] : counts) out.push_back({key.first, key.second, count});
    return out;
  }

  Result<std::vector<ActivityDay>> CountActivityByDay(TimePoint from, TimePoint to) override {
    ANVIL_ASSIGN_OR_RETURN(internal::DaySpan span, internal::CheckDaySpan(from, to));
    std::lock_guard lock(mu_);
    std::map<int64_t, ActivityDay> days;
    auto in_span = [&](int64_t t) { return t >= span.from && t < span.to; };
    for (const auto& [serial, cert] : certificates_) {
      if (cert.state != CertificateState::kIssued) continue;
      if (const int64_t created = ToUnixSeconds(cert.created_at); in_span(created)) {
        ++days[internal::UtcDay(created)].issued;
      }
      if (cert.revoked_at) {
        if (const int64_t revoked = ToUnixSeconds(*cert.revoked_at); in_span(revoked)) {
          ++days[internal::UtcDay(revoked)].revoked;
        }
      }
    }
    std::vector<ActivityDay> out;
    for (auto& [day, activity] : days) {
      activity.day = day;
      out.push_back(activity);
    }
    return out;
  }

  Result<std::optional<TimePoint>> LastIssuedAt() override {
    std::lock_guard lock(mu_);
    std::optional<TimePoint> last;
    for (const auto& [serial, cert] : certificates_) {
      if (cert.state == CertificateState::kIssued && (!last || cert.created_at > *last)) last = cert.created_at;
    }
    return last;
  }

  Result<AccountPage> ListAccounts(const std::string& cursor, int limit) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckInventoryLimit(limit));
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, account] : accounts_) {
      if (id > cursor) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    AccountPage page;
    for (const std::string& id : ids) {
      if (page.accounts.size() == static_cast<size_t>(limit)) {
        page.next_cursor = page.accounts.back().id;
        break;
      }
      page.accounts.push_back(accounts_.at(id));
    }
    return page;
  }

  Result<std::vector<AuditEvent>> ListAuditForSubject(const std::string& subject, int64_t after_id,
                                                     int limit) override {
    ANVIL_RETURN_IF_ERROR(internal::CheckInventoryLimit(limit));
    std::lock_guard lock(mu_);
    std::vector<AuditEvent> out;
    for (const AuditEvent& e : audit_) {
      if (static_cast<int>(out.size()) == limit) break;
      if (e.id > after_id && e.subject == subject) out.push_back(e);
    }
    return out;
  }

 private:
  using ChallengeRef = std::pair<Authorization*, Challenge*>;

  // What inserting `authz` would violate: kConflict for a used id (its own or a challenge's twice), kNotFound
  // for an unknown account.
  Status CheckNewAuthorization(const Authorization& authz) const {
    if (authorizations_.contains(authz.id)) {
      return Error(Code::kConflict, "authorization " + authz.id + " already exists");
    }
    if (!accounts_.contains(authz.account_id)) return NotFound("account", authz.account_id);
    std::set<std::string> challenge_ids;
    for (const Challenge& ch : authz.challenges) {
      if (!challenge_ids.insert(ch.id).second) {
        return Error(Code::kConflict, "challenge " + authz.id + "/" + ch.id + " already exists");
      }
    }
    return Status::Ok();
  }

  void InsertAuthorization(const Authorization& authz) {
    Authorization a = authz;
    a.expires = TruncateToSeconds(a.expires);
    a.created_at = TruncateToSeconds(a.created_at);
    for (Challenge& ch : a.challenges) ch.validated_at = Truncate(ch.validated_at);
    authorizations_.emplace(a.id, std::move(a));
  }

  Result<ChallengeRef> FindChallenge(const std::string& authorization_id, const std::string& challenge_id) {
    auto it = authorizations_.find(authorization_id);
    if (it != authorizations_.end()) {
      for (Challenge& ch : it->second.challenges) {
        if (ch.id == challenge_id) return ChallengeRef(&it->second, &ch);
      }
    }
    return NotFound("challenge", authorization_id + "/" + challenge_id);
  }

  static Status CertificateConflict(const CertificateRecord& cert, std::string_view expected) {
    if (cert.revoked_at.has_value()) {
      return Error(Code::kAlreadyRevoked, "certificate " + cert.serial + " is already revoked");
    }
    return Error(Code::kConflict, "certificate " + cert.serial + " is " +
                                      std::string(internal::Name(cert.state)) + ", not " +
                                      std::string(expected));
  }

  // Requires mu_.
  Result<Order*> FindOrder(const std::string& id) {
    auto seq = order_seq_.find(id);
    if (seq == order_seq_.end()) return NotFound("order", id);
    return &orders_.at(seq->second);
  }

  // Requires mu_. kNotFound, or CertificateConflict when the certificate is not pending.
  Result<CertificateRecord*> FindPendingCertificate(const std::string& serial) {
    auto it = certificates_.find(serial);
    if (it == certificates_.end()) return NotFound("certificate", serial);
    if (it->second.state != CertificateState::kPending) return CertificateConflict(it->second, "pending");
    return &it->second;
  }

  // Requires mu_.
  void Append(const AuditEvent& event) {
    AuditEvent e = event;
    e.id = static_cast<int64_t>(audit_.size()) + 1;
    e.at = TruncateToSeconds(e.at);
    e.prev_hash = audit_.empty() ? AuditGenesisHash() : audit_.back().hash;
    e.hash = AuditRecordHash(e);
    audit_.push_back(std::move(e));
  }

  std::mutex mu_;
  // All guarded by mu_.
  std::unordered_map<std::string, Account> accounts_;
  std::unordered_map<std::string, std::string> account_by_thumbprint_;
  std::map<int64_t, Order> orders_;  // by creation sequence
  std::unordered_map<std::string, int64_t> order_seq_;
  int64_t last_order_seq_ = 0;
  std::unordered_map<std::string, Authorization> authorizations_;
  std::unordered_map<std::string, CertificateRecord> certificates_;
  std::vector<std::string> certificate_order_;
  std::unordered_map<std::string, EabKey> eab_keys_;
  std::unordered_map<std::string, BlockedKey> blocked_keys_;
  std::unordered_map<std::string, CrlState> crl_states_;
  std::unordered_map<std::string, int64_t> rate_tats_;  // rate-limit key → theoretical arrival time (ms)
  std::vector<std::string> eab_order_;
  std::vector<AuditEvent> audit_;
  std::vector<AuditAnchor> anchors_;
  std::vector<AdminCredential> admin_credentials_;  // in creation order (few: a scan is fine)
  MemoryPolicyDefinitions policy_definitions_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace anvil::storage
