// Storage of the CA's state behind narrow interfaces, one per kind of record (Boulder's SA split): the front
// end reads through the RA, the RA is the only writer of accounts, orders, authorizations and certificates;
// the CA itself sees no storage at all: it records an issuance through ca::IssuanceLog, which the RA
// implements with IssuanceStore (docs/architecture.md).
//
// Contract for every implementation (memory, SQLite, later PostgreSQL), checked by one conformance suite
// (storage/testing/): every method is thread-safe and atomic; "conditional" transitions change a record only
// if it is in the expected state and otherwise return kConflict without changing anything; a missing record
// is kNotFound; a write that returns OK is durable to the level the implementation was opened with. A write
// that takes an AuditEvent appends it in the same transaction as the change it records: both commit, or
// neither. Times are stored with one-second precision.
//
// This header is the `anvil_storage` interface target; the backends are the separate targets
// anvil_storage_memory and anvil_storage_sqlite, linked only by the composition roots and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"

namespace anvil::storage {

// The kNotFound every backend returns, word for word, for a missing object: "WHAT ID does not exist" (e.g.
// "order 7f3a does not exist"). The RA and the front end answer a request for another account's object with
// exactly this status, so a response never tells whether an object exists (docs/security.md).
inline Status NotFoundError(std::string_view what, std::string_view id) {
  return Error(Code::kNotFound, std::string(what) + " " + std::string(id) + " does not exist");
}

// A rate limit (RFC 8555 §6.6) that a write spends from or checks in its own transaction, so that a refused
// write changes nothing and limits hold across restarts and, on a shared database, across instances. Each key
// keeps one value, the generic cell rate algorithm's theoretical arrival time: `count` events per `period`,
// in bursts of up to `count` (docs/security.md).
struct RateLimit {
  enum class Mode {
    kSpend,   // count one event; refuse the write if the limit is exhausted
    kCheck,   // refuse the write if one more event would exceed the limit; count nothing
    kRecord,  // count one event; never refuse (e.g. a failed validation, checked later by kCheck)
  };
  std::string key;  // "orders:ACCOUNT", "accounts:IP", "failed:ACCOUNT:dns:NAME", "certificates:DOMAIN"
  int64_t count = 0;
  std::chrono::seconds period{0};
  Mode mode = Mode::kSpend;
  std::string what;  // for the refusal: "new orders per account"
};

struct AuditEvent {
  int64_t id = 0;  // assigned by the store, increasing
  TimePoint at;
  std::string
      kind;  // "certificate.issued", "certificate.revoked", "account.created", ... (docs/architecture.md)
  std::string account_id;
  std::string subject;  // serial, order id, ...
  std::string details_json;
  // The hash chain (storage/audit_chain.h), set by the store when it appends the record: the hash of the
  // record before it (64 zeros for the first) and this record's own hash, lowercase hex SHA-256.
  std::string prev_hash{};
  std::string hash{};
};

// The audit chain's head at some moment, signed (docs/audit.md): the record `head_id` had hash `head_hash`.
struct AuditAnchor {
  int64_t id = 0;  // assigned by the store, increasing
  TimePoint at;
  int64_t head_id = 0;
  std::string head_hash;
  std::string signer_der;  // the certificate whose key signed (an intermediate of the CA)
  std::string signature;   // over ca::AuditAnchorMessage(head_id, head_hash, at)
};

struct Account {
  std::string id;          // opaque, URL-safe
  std::string jwk_json;    // the account's public key, canonical JSON
  std::string thumbprint;  // RFC 7638 thumbprint of jwk_json (base64url); unique among accounts
  std::vector<std::string> contacts;
  acme::AccountStatus status = acme::AccountStatus::kValid;
  bool tos_agreed = false;
  std::string eab_kid;  // the External Account Binding key this account was created with, or empty
  TimePoint created_at;
  std::string policy{};  // the named policy an operator bound to this account (docs/policy.md), or empty
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Creates the account and appends `audit`. kConflict if an account already has this id or thumbprint. If
  // account.eab_kid is set, counts one use of that EAB key in the same transaction (its account_id is set on
  // the first) and appends an `eab.used` record after `audit`: kNotFound if the key does not exist,
  // kUnauthorized if it is revoked, expired at account.created_at or used up (internal::CheckEabUsable).
  // `limits` are applied in the same transaction at account.created_at: kRateLimited (with retry_after) and
  // nothing changes when one refuses. So for CreateOrder (at order.created_at), CompleteChallenge (at
  // validated_at) and BeginIssuance (at pending.created_at).
  virtual Status CreateAccount(const Account& account, const AuditEvent& audit,
                               const std::vector<RateLimit>& limits) = 0;
  Status CreateAccount(const Account& account, const AuditEvent& audit) { return CreateAccount(account, audit, {}); }
  virtual Result<Account> GetAccount(const std::string& id) = 0;
  virtual Result<Account> FindAccountByThumbprint(const std::string& thumbprint) = 0;
  // Replaces contacts and status (the only mutable fields besides the key) and appends `audit`.
  virtual Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                               acme::AccountStatus status, const AuditEvent& audit) = 0;
  // Key rollover (RFC 8555 §7.3.5), conditional on the current thumbprint, and appends `audit`. kConflict if
  // the account no longer has `old_thumbprint` or another account has the new key.
  virtual Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                                  const std::string& new_jwk_json, const std::string& new_thumbprint,
                                  const AuditEvent& audit) = 0;
  // Binds the named policy to the account ("" unbinds) and appends `audit`; kNotFound without the account.
  virtual Status SetAccountPolicy(const std::string& id, const std::string& policy, const AuditEvent& audit) = 0;
};

struct Challenge {
  std::string id;
  acme::ChallengeType type = acme::ChallengeType::kHttp01;
  std::string token;
  acme::ChallengeStatus status = acme::ChallengeStatus::kPending;
  std::optional<TimePoint> validated_at;
  std::string error_json;  // the problem document of a failed validation, or empty
  // device-attest-01 (docs/device-attestation.md): the verified evidence of a valid attestation, a JSON
  // object (format, the attested key's SPKI, the identities, claims, chain fingerprints); empty otherwise.
  std::string attestation_json{};
};

struct Authorization {
  std::string id;
  std::string account_id;
  acme::Identifier identifier;  // without the "*." of a wildcard (RFC 8555 §7.1.4)
  bool wildcard = false;
  acme::AuthorizationStatus status = acme::AuthorizationStatus::kPending;
  TimePoint expires;
  TimePoint created_at;
  std::vector<Challenge> challenges;  // in creation order
};

struct Order {
  std::string id;
  std::string account_id;
  acme::OrderStatus status = acme::OrderStatus::kPending;
  std::vector<acme::Identifier> identifiers;   // as requested (wildcards keep "*.")
  std::vector<std::string> authorization_ids;  // parallel to identifiers' authorization values
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  TimePoint expires;
  TimePoint created_at;
  std::string profile;
  std::string replaces;  // RFC 9773 certificate ID this order replaces, or empty
  std::string error_json;
  std::string certificate_serial;  // hex, set when the order becomes valid
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;
  // Creates the order and any new authorizations (those not already stored) in one transaction, and appends
  // `audit` when it is not null.
  virtual Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                             const std::vector<RateLimit>& limits, const AuditEvent* audit) = 0;
  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                     const std::vector<RateLimit>& limits) {
    return CreateOrder(order, new_authorizations, limits, nullptr);
  }
  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations) {
    return CreateOrder(order, new_authorizations, {}, nullptr);
  }
  virtual Result<Order> GetOrder(const std::string& id) = 0;
  // Orders of an account in creation order, starting after `after_id` (empty: from the first), at most
  // `limit`.
  virtual Result<std::vector<std::string>> ListOrderIds(const std::string& account_id,
                                                        const std::string& after_id, int limit) = 0;
  virtual Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) = 0;
  // Conditional transition from `from` to `to`. When `to` is kInvalid, error_json is stored; when kValid,
  // certificate_serial is stored. `audit`, when not null, is appended in the same transaction. (The moves to
  // processing and to valid of an issuance are IssuanceStore's.)
  virtual Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                                 const std::string& error_json, const std::string& certificate_serial,
                                 const AuditEvent* audit) = 0;
  // An order not in status invalid whose `replaces` equals cert_id (RFC 9773 §5), if any.
  virtual Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) = 0;
  // The newest pending or ready order of the account with exactly these identifiers (in this order) and this
  // profile, without notBefore, notAfter or `replaces`, that expires after `expires_after`; nullopt if none.
  // Identical pending orders are reused rather than multiplied (as Boulder does).
  virtual Result<std::optional<Order>> FindReusableOrder(const std::string& account_id,
                                                         const std::vector<acme::Identifier>& identifiers,
                                                         const std::string& profile, TimePoint expires_after) = 0;
  // The account's pending authorizations and its pending or ready orders that expire after `now`.
  struct PendingCounts {
    int64_t authorizations = 0;
    int64_t orders = 0;
  };
  virtual Result<PendingCounts> CountPending(const std::string& account_id, TimePoint now) = 0;

  // Creates one authorization outside any order (pre-authorization, RFC 8555 §7.4.1). kConflict on duplicate
  // id.
  virtual Status CreateAuthorization(const Authorization& authorization) = 0;
  virtual Result<Authorization> GetAuthorization(const std::string& id) = 0;
  // A valid authorization of this account for this identifier (and wildcard flag) that expires after
  // `expires_after`, latest-expiring first; nullopt if none.
  virtual Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                                      const acme::Identifier& identifier,
                                                                      bool wildcard,
                                                                      TimePoint expires_after) = 0;
  // Conditional authorization transition (deactivation, expiry, revocation).
  virtual Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                         acme::AuthorizationStatus to) = 0;
  // Challenge pending → processing, only while its authorization is pending and none of its other challenges
  // is processing (one validation decides an authorization; two started at once would leave the loser
  // processing for ever). kConflict otherwise.
  virtual Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) = 0;
  // Challenge pending|processing → valid|invalid and its authorization pending → valid|invalid, in one
  // transaction; kConflict when the challenge is decided, the authorization is not pending, or another of its
  // challenges is processing (that validation decides it). A challenge may complete from pending: the RA
  // records processing only for a validation that outlasts acme.challenge_wait. When valid and `valid_until`
  // is set, the authorization's expiry becomes `valid_until` (a validated authorization lives for the
  // configured authorization lifetime, not the pending one). `audit`, when not null, is appended.
  // `attestation_json` is stored on the challenge (Challenge::attestation_json) when valid.
  virtual Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id,
                                   bool valid, const std::string& error_json, TimePoint validated_at,
                                   std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits,
                                   const AuditEvent* audit, const std::string& attestation_json) = 0;
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits,
                           const AuditEvent* audit) {
    return CompleteChallenge(authorization_id, challenge_id, valid, error_json, validated_at, valid_until, limits,
                             audit, "");
  }
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits) {
    return CompleteChallenge(authorization_id, challenge_id, valid, error_json, validated_at, valid_until, limits,
                             nullptr, "");
  }
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until) {
    return CompleteChallenge(authorization_id, challenge_id, valid, error_json, validated_at, valid_until, {},
                             nullptr, "");
  }
};

enum class CertificateState { kPending, kIssued, kAbandoned };

struct CertificateRecord {
  std::string serial;  // lowercase hex of the serial number, without leading zeros; unique
  std::string order_id;
  std::string account_id;
  CertificateState state = CertificateState::kPending;
  std::string tbs_der;             // the to-be-signed certificate, recorded before signing
  std::string der;                 // the signed certificate (state kIssued)
  std::string issuer_chain_pem;    // the issuer chain served after the leaf
  std::vector<std::string> names;  // identifiers' values
  std::string profile;
  std::string authority_key_id;  // raw bytes, for RFC 9773 certificate IDs
  TimePoint not_before;
  TimePoint not_after;
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
  int revocation_reason = 0;
  // The serial of the certificate issued for a later order whose RFC 9773 `replaces` named this one (set by
  // FinishIssuance of that order), or empty. Ignored by BeginIssuance; ImportCertificate keeps it.
  std::string replaced_by;
};

// The inventory's statuses (docs/inventory.md), a partition of the issued certificates judged at a time `now`:
// revoked; else expired (notAfter <= now); else expiring (notAfter within the query's window and not
// replaced: nothing renewed it yet); else valid. Pending and abandoned records are never listed.
enum class InventoryStatus { kValid, kExpiring, kExpired, kRevoked };

// The status of an issued `record` at `now` (whole seconds), "expiring" meaning within `expiring_within`.
inline InventoryStatus InventoryStatusAt(const CertificateRecord& record, TimePoint now,
                                         std::chrono::seconds expiring_within) {
  if (record.revoked_at.has_value()) return InventoryStatus::kRevoked;
  const int64_t not_after = ToUnixSeconds(record.not_after), at = ToUnixSeconds(now);
  if (not_after <= at) return InventoryStatus::kExpired;
  if (not_after <= at + expiring_within.count() && record.replaced_by.empty()) return InventoryStatus::kExpiring;
  return InventoryStatus::kValid;
}

// One query over the issued certificates (CertificateInventory::ListCertificates). Every filter that is set
// must hold. Results are ordered by (not_after, serial), soonest expiry first; a page continues after the
// previous page's `next_cursor` (keyset paging: stable while certificates are added or revoked). The struct
// is what an admin HTTP handler fills from its query string as the CLI does from its flags.
struct CertificateQuery {
  TimePoint now;  // statuses and the expiring window are judged at this time (the caller's clock)
  std::string name_contains;  // a substring of one of its names, case-insensitive; at least 3 characters
  std::string name_suffix;    // one of its names ends with this (plain text: "example.com" matches
                              // "badexample.com"; write ".example.com" for subdomains only), case-insensitive
  std::string account_id;
  std::string profile;
  std::optional<InventoryStatus> status;
  std::chrono::seconds expiring_within{30 * 86400};  // what kExpiring means; > 0
  std::optional<TimePoint> not_after_from;  // not_after >= this (whole seconds)
  std::optional<TimePoint> not_after_to;    // not_after < this (whole seconds)
  std::string authority_key_id{};  // issued under this CA key identifier (raw bytes: the issuer's SKI)
  bool latest_first = false;       // the order reversed: latest expiry first (the cursor follows the order)
  std::string cursor;  // a previous page's next_cursor; empty: the first page
  int limit = 100;     // 1..kMaxCertificatePage
};
inline constexpr int kMaxCertificatePage = 1000;

struct CertificatePage {
  std::vector<CertificateRecord> certificates;  // issued records, tbs_der left empty
  std::string next_cursor;                      // empty when this is the last page
};

// Counts by status at `now` (the inventory's partition: they add up to every issued certificate).
struct CertificateCounts {
  int64_t valid = 0;
  int64_t expiring = 0;
  int64_t expired = 0;
  int64_t revoked = 0;
};

// The overview's counts (the console's; docs/inventory.md), per UTC day: `day` is days since 1970-01-01.
struct ExpiryDay {
  int64_t day = 0;
  std::string profile;
  int64_t count = 0;  // issued, unrevoked certificates of `profile` whose not_after falls on `day`
};
struct ActivityDay {
  int64_t day = 0;
  int64_t issued = 0;   // certificates recorded issued (their created_at) that day
  int64_t revoked = 0;  // certificates revoked (their revoked_at) that day
};

struct AccountPage {
  std::vector<Account> accounts;  // in id order (ids are time-ordered: creation order)
  std::string next_cursor;        // empty when this is the last page
};

// The inventory of issue 15 (docs/inventory.md): read-only queries for operators, the CLI and the admin
// API. Every filter is answered from an index on SQLite; none scans the certificates table.
class CertificateInventory {
 public:
  virtual ~CertificateInventory() = default;
  // kInvalidArgument for a limit outside 1..kMaxCertificatePage, a name_contains shorter than 3 characters,
  // an expiring_within <= 0, or a cursor no page returned.
  virtual Result<CertificatePage> ListCertificates(const CertificateQuery& query) = 0;
  // Index-backed counts for gauges (docs/inventory.md has their cost). `expiring_within` as in the query.
  virtual Result<CertificateCounts> CountCertificates(TimePoint now, std::chrono::seconds expiring_within) = 0;
  // Issued certificates not revoked, not replaced, with now < not_after <= now + within: one index range.
  virtual Result<int64_t> CountExpiringCertificates(TimePoint now, std::chrono::seconds within) = 0;
  // Issued, unrevoked certificates with now < not_after <= now + horizon (replaced ones included: they still
  // expire), counted per UTC day of not_after and profile, in (day, profile) order; pairs with none are left
  // out. kInvalidArgument unless 0 < horizon <= 400 days.
  virtual Result<std::vector<ExpiryDay>> CountExpiryByDay(TimePoint now, std::chrono::seconds horizon) = 0;
  // Issuances and revocations per UTC day for from <= time < to, in day order; days with neither are left
  // out. An imported certificate counts on the day it was imported. kInvalidArgument unless from < to and the
  // span is at most 400 days.
  virtual Result<std::vector<ActivityDay>> CountActivityByDay(TimePoint from, TimePoint to) = 0;
  // When the newest issued certificate was recorded (created_at), or nullopt when none is.
  virtual Result<std::optional<TimePoint>> LastIssuedAt() = 0;
  // Accounts in id order after `cursor` (an account id; empty: from the first), at most `limit` (1..1000).
  virtual Result<AccountPage> ListAccounts(const std::string& cursor, int limit) = 0;
  // Audit rows whose subject is `subject` (a serial, an account id, ...), ids after `after_id`, oldest first.
  virtual Result<std::vector<AuditEvent>> ListAuditForSubject(const std::string& subject, int64_t after_id,
                                                             int limit) = 0;
};

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;
  virtual Result<CertificateRecord> GetCertificate(const std::string& serial) = 0;
  virtual Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) = 0;
  // Conditional on the certificate being issued and not yet revoked (kAlreadyRevoked if it is revoked,
  // kConflict if it is pending or abandoned); appends `audit`.
  virtual Status RevokeCertificate(const std::string& serial, int reason, TimePoint at,
                                   const AuditEvent& audit) = 0;
};

// Certificates recorded without an order (docs/ca-operations.md): an intermediate the root revoked, the
// certificates of an imported inventory.
class CertificateImport {
 public:
  virtual ~CertificateImport() = default;
  // Records `record` as it is and appends `audit`: it must be kIssued with its serial, DER and authority key
  // ID (kInvalidArgument otherwise); its revocation, if any, is kept. kConflict when the serial is recorded
  // already. Nothing changes on an error.
  virtual Status ImportCertificate(const CertificateRecord& record, const AuditEvent& audit) = 0;
};

// The writes of an issuance (docs/issuance.md), each one transaction spanning a certificate and its order, so
// that no order is processing without a certificate record and no certificate is issued while its order is
// not valid. The RA calls them when the CA records through ca::IssuanceLog.
class IssuanceStore {
 public:
  virtual ~IssuanceStore() = default;
  // The issuance's first write and its single gate: the record's order `order_from` → kProcessing, and the
  // certificate recorded kPending with its serial and TBS (whatever state, DER or revocation the record holds
  // is ignored). kOrderNotReady when the order is not `order_from` (a concurrent or repeated finalize won);
  // kNotFound when there is no such order; kConflict on a duplicate serial. Nothing changes on an error.
  virtual Status BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from,
                               const std::vector<RateLimit>& limits) = 0;
  Status BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from) {
    return BeginIssuance(pending, order_from, {});
  }
  // The last write: certificate kPending → kIssued with the signed DER, its order kProcessing → kValid with
  // this serial, and `audit`. When the order's `replaces` is an RFC 9773 certificate ID naming a recorded
  // certificate of the same authority key ID, that certificate's replaced_by becomes this serial. kConflict when the certificate is not pending or the order not processing;
  // kNotFound when there is no such certificate or order. Nothing changes on an error.
  virtual Status FinishIssuance(const std::string& serial, const std::string& der,
                                const AuditEvent& audit) = 0;
  // Signing failed, or the process died before FinishIssuance: certificate kPending → kAbandoned (the record
  // stays, the TBS says what might have been signed), its order kProcessing → kInvalid with
  // `order_error_json` if it is still processing, and `audit`. kConflict when the certificate is not pending;
  // kNotFound when there is no such certificate.
  virtual Status AbandonIssuance(const std::string& serial, const std::string& order_error_json,
                                 const AuditEvent& audit) = 0;
};

// An External Account Binding key (RFC 8555 §7.3.4) and its lifecycle (docs/policy.md): it binds at most
// max_uses accounts (0 = any number), until expires_at, unless revoked.
struct EabKey {
  std::string kid;
  std::string hmac_key;    // raw bytes
  std::string account_id;  // the first account bound with it; empty while unused
  std::string comment;     // the label an operator gave it
  TimePoint created_at;
  std::string policy{};  // the named policy of every account bound with it, or empty
  std::optional<TimePoint> expires_at{};
  int64_t max_uses = 1;
  int64_t uses = 0;
  std::optional<TimePoint> revoked_at{};
  // An enrollment token for one device (docs/device-attestation.md): the identifier (IdentifierText form,
  // "permanent-identifier:SERIAL") every order of the accounts bound with this key must be for; empty for a
  // key not tied to a device.
  std::string device_identifier{};
};

class EabKeyStore {
 public:
  virtual ~EabKeyStore() = default;
  // Stores the key and appends `audit`. kConflict on a duplicate kid.
  virtual Status CreateEabKey(const EabKey& key, const AuditEvent& audit) = 0;
  // Sets revoked_at and appends `audit`: kNotFound without the key, kConflict if it is revoked already.
  // Accounts already bound keep working (deactivate them to stop them).
  virtual Status RevokeEabKey(const std::string& kid, TimePoint at, const AuditEvent& audit) = 0;
  virtual Result<EabKey> GetEabKey(const std::string& kid) = 0;
  virtual Result<std::vector<EabKey>> ListEabKeys() = 0;
};

// The administrators of the admin API (docs/admin-api.md): one record per credential, a client certificate
// anvil-ca issued (`anvil-ca admin cert issue`) or a bearer token (`anvil-ca admin token create`), with the name
// and role a request presenting it acts as. A certificate that chains to the CA grants nothing unless it is
// recorded here and not revoked (the CA issues ACME clients' certificates too). A token is never stored: only
// its SHA-256. Records are never deleted; a revoked one keeps its name.
struct AdminCredential {
  std::string name;  // unique among all credentials, revoked ones included
  std::string role;  // "viewer", "operator" or "admin" (admin/roles.h); the store does not interpret it
  std::string kind;  // "certificate" or "token"
  // How a presented credential finds its record, unique: a certificate's lowercase hex SHA-256 of its DER; a
  // token's public id (the part before its secret).
  std::string lookup;
  std::string token_sha256;        // a token: lowercase hex SHA-256 of the whole token; else empty
  std::string certificate_serial;  // a certificate: its serial, lowercase hex; else empty
  TimePoint created_at;
  std::optional<TimePoint> revoked_at;
};

class AdminCredentialStore {
 public:
  virtual ~AdminCredentialStore() = default;
  // Records `credential` (not revoked, whatever it holds) and appends `audit`. kConflict when its name or
  // lookup is taken, kInvalidArgument when either is empty; nothing changes on an error.
  virtual Status CreateAdminCredential(const AdminCredential& credential, const AuditEvent& audit) = 0;
  // kNotFound ("admin credential NAME does not exist").
  virtual Result<AdminCredential> GetAdminCredential(const std::string& name) = 0;
  // The credential whose lookup is `lookup`; kNotFound ("admin credential LOOKUP does not exist").
  virtual Result<AdminCredential> FindAdminCredential(const std::string& lookup) = 0;
  // Every credential, revoked ones included, in creation order.
  virtual Result<std::vector<AdminCredential>> ListAdminCredentials() = 0;
  // Conditional on the credential not being revoked: records `at` and appends `audit`. kNotFound; kConflict
  // when it is revoked already.
  virtual Status RevokeAdminCredential(const std::string& name, TimePoint at, const AuditEvent& audit) = 0;
};

// A named issuance policy defined at run time (`PUT /admin/v1/policies/{name}`, `anvil-ca policy define`;
// docs/policy.md, "Policies defined at run time"), beside those of the configuration file. The store keeps
// the rules as the JSON text it is given and does not interpret them: the RA validates them before a write and
// builds the policy from them when it loads.
struct PolicyDefinition {
  std::string name;
  std::string rules_json;  // a JSON object: the rule fields of docs/policy.md (ra/policy_json.h)
  TimePoint created_at;
  std::string created_by;  // the requester: "operator", "admin:NAME"
  TimePoint updated_at;    // = created_at until the rules are replaced
  std::string updated_by;
};

// Every definition, and the version of the set they form (PolicyDefinitionStore::PolicyDefinitionsVersion)
// read in the same snapshot.
struct PolicyDefinitions {
  int64_t version = 0;
  std::vector<PolicyDefinition> definitions;  // in name order
};

class PolicyDefinitionStore {
 public:
  virtual ~PolicyDefinitionStore() = default;
  // Records `definition` and appends `audit`. kConflict when a definition has its name; kInvalidArgument when
  // the name is empty. Nothing changes on an error.
  virtual Status CreatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) = 0;
  // Replaces rules_json, updated_at and updated_by of the definition named definition.name (its created_at and
  // created_by stay) and appends `audit`. kNotFound ("policy definition NAME does not exist").
  virtual Status UpdatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) = 0;
  // Deletes the definition and appends `audit`, unless the policy still binds a request: kConflict naming the
  // first binder found when a valid account has it as its own policy, a valid account was created with an EAB
  // key that has it, or an EAB key usable at `now` (internal::CheckEabUsable) has it. Checked in the delete's
  // transaction, so a binding written by another process either precedes the check or follows the delete.
  // kNotFound without the definition. Nothing changes on an error.
  virtual Status DeletePolicyDefinition(const std::string& name, TimePoint now, const AuditEvent& audit) = 0;
  virtual Result<PolicyDefinitions> ListPolicyDefinitions() = 0;
  // A number that grows with every committed create, update or delete of a definition, by any process on the
  // database (0 before the first): one cheap read, for a server that reloads the definitions when it moved.
  virtual Result<int64_t> PolicyDefinitionsVersion() = 0;
};

// Keys refused for every future certificate and account (docs/security.md; Boulder's blockedKeys): a key is
// added when a certificate with it is revoked for keyCompromise, and never removed.
struct BlockedKey {
  std::string spki_sha256;  // lowercase hex SHA-256 of the DER SubjectPublicKeyInfo; unique
  TimePoint added_at;
  std::string source;  // why, e.g. "certificate 3f... revoked for keyCompromise"
};

class BlockedKeyStore {
 public:
  virtual ~BlockedKeyStore() = default;
  // Idempotent: blocking a blocked key keeps the first record, appends nothing and returns OK. A new block
  // appends `audit` in the same transaction.
  virtual Status BlockKey(const BlockedKey& key, const AuditEvent& audit) = 0;
  // kNotFound when the key is not blocked.
  virtual Result<BlockedKey> GetBlockedKey(const std::string& spki_sha256) = 0;
};

// One revoked certificate as a CRL lists it (RFC 5280 §5.1.2.6).
struct RevokedCertificate {
  std::string serial;  // lowercase hex, as CertificateRecord::serial
  TimePoint revoked_at;
  int reason = 0;  // RFC 5280 §5.3.1 CRLReason
  TimePoint not_after;
};

// The state of one issuer's series of CRLs: the last CRL's number and thisUpdate (RFC 5280 §5.2.3: CRL
// numbers strictly increase for a given issuer and scope, across restarts).
struct CrlState {
  std::string issuer_id;  // names the series, e.g. lowercase hex of the issuer's subjectKeyIdentifier
  int64_t number = 0;     // cRLNumber of the last CRL published
  TimePoint this_update;  // its thisUpdate
};

// What a CRL publisher reads and writes (issue 14, RFC 5280 §5; docs/storage.md): the revoked certificates of
// one issuer, and each series' last CRL number, advanced conditionally so that two publishers never both
// number a CRL from the same predecessor.
class RevocationListStore {
 public:
  virtual ~RevocationListStore() = default;
  // Issued, revoked certificates whose authority_key_id is `authority_key_id` (raw bytes, as
  // CertificateRecord::authority_key_id) and whose not_after is later than `not_after_after` (whole seconds),
  // ordered by serial (byte order of the hex text), starting after `after_serial` ("" = from the start), at
  // most `limit` (> 0). Pending and abandoned records are never listed. kInvalidArgument for limit <= 0.
  virtual Result<std::vector<RevokedCertificate>> ListRevokedCertificates(const std::string& authority_key_id,
                                                                          TimePoint not_after_after,
                                                                          const std::string& after_serial,
                                                                          int limit) = 0;
  // kNotFound when no CRL of this series was ever recorded.
  virtual Result<CrlState> GetCrlState(const std::string& issuer_id) = 0;
  // Records `next` as the series' last CRL, conditional on the stored number being `previous_number` (0 = no
  // CRL recorded yet): kConflict when it is not (another writer advanced it), and nothing changes.
  // kInvalidArgument when next.number <= previous_number or next.issuer_id is empty. Durable before it
  // returns (the publisher publishes only after).
  virtual Status AdvanceCrlState(const CrlState& next, int64_t previous_number) = 0;
};

// Append-only: nothing here, or anywhere in the store, changes or deletes a record. A record's id, prev_hash
// and hash are assigned in the transaction that appends it (AuditRecordHash, storage/audit_chain.h).
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Status AppendAudit(const AuditEvent& event) = 0;
  // Records with id > after_id in id order, at most `limit` (> 0; kInvalidArgument otherwise).
  virtual Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) = 0;
  // The newest record, or nullopt when there is none.
  virtual Result<std::optional<AuditEvent>> LastAudit() = 0;
  // Records `anchor` (its id is assigned). kInvalidArgument when head_id or head_hash is empty.
  virtual Status AppendAuditAnchor(const AuditAnchor& anchor) = 0;
  // Every anchor, oldest first.
  virtual Result<std::vector<AuditAnchor>> ListAuditAnchors() = 0;
};

// Whether the store can take writes now: the metrics listener's /readyz (docs/metrics.md).
class StoreHealth {
 public:
  virtual ~StoreHealth() = default;
  // Runs one write transaction that leaves every record as it was, through the same path as every write
  // (for SQLite: the committer, a durable commit): OK, or the error a write would meet now (kIo for a full
  // disk or a read-only file, kUnavailable for a lock held by another process).
  virtual Status CheckWritable() = 0;
};

// The whole store. Implementations: storage/memory (tests), storage/sqlite (default), later storage/postgres.
class Store : public AccountStore,
              public OrderStore,
              public CertificateStore,
              public CertificateImport,
              public IssuanceStore,
              public EabKeyStore,
              public AdminCredentialStore,
              public PolicyDefinitionStore,
              public BlockedKeyStore,
              public RevocationListStore,
              public AuditLog,
              public CertificateInventory,
              public StoreHealth {};

}  // namespace anvil::storage
