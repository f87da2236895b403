// Internal to storage/sqlite: the SQLite Store's class. Its machinery (reader pool, group-committing writer
// thread) is in sqlite_store.cc; its queries are in one file per kind of record: sqlite_accounts.cc
// (accounts, EAB keys, audit log), sqlite_orders.cc (orders, authorizations, challenges),
// sqlite_certificates.cc (certificates, the issuance transactions, CRL states), sqlite_inventory.cc (the
// inventory's listings and counts), sqlite_admin_credentials.cc (the admin API's credentials),
// sqlite_policy_definitions.cc (run-time policy definitions). Thread-safety as sqlite_store.h says.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/fiber.h"
#include "storage/internal/codec.h"
#include "storage/sqlite/account_cache.h"
#include "storage/sqlite/db.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/wal_checkpointer.h"

namespace anvil::storage::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
              std::unique_ptr<WalCheckpointer> checkpointer);
  ~SqliteStore() override;

  // ---- AccountStore (sqlite_accounts.cc) ----
  using AccountStore::CreateAccount;
  using IssuanceStore::BeginIssuance;
  using OrderStore::CompleteChallenge;
  using OrderStore::CreateOrder;
  Status CreateAccount(const Account& account, const AuditEvent& audit,
                       const std::vector<RateLimit>& limits) override;
  Result<Account> GetAccount(const std::string& id) override;
  Result<Account> FindAccountByThumbprint(const std::string& thumbprint) override;
  Status UpdateAccount(const std::string& id, const std::vector<std::string>& contacts,
                       acme::AccountStatus status, const AuditEvent& audit) override;
  Status ChangeAccountKey(const std::string& id, const std::string& old_thumbprint,
                          const std::string& new_jwk_json, const std::string& new_thumbprint,
                          const AuditEvent& audit) override;
  Status SetAccountPolicy(const std::string& id, const std::string& policy, const AuditEvent& audit) override;

  // ---- OrderStore (sqlite_orders.cc) ----
  Status CreateOrder(const Order& order, const std::vector<Authorization>& new_authorizations,
                     const std::vector<RateLimit>& limits, const AuditEvent* audit) override;
  Result<Order> GetOrder(const std::string& id) override;
  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id, const std::string& after_id,
                                                int limit) override;
  Result<std::vector<Order>> ListOrdersByStatus(acme::OrderStatus status, int limit) override;
  Status TransitionOrder(const std::string& id, acme::OrderStatus from, acme::OrderStatus to,
                         const std::string& error_json, const std::string& certificate_serial,
                         const AuditEvent* audit) override;
  Result<std::optional<Order>> FindOrderReplacing(const std::string& cert_id) override;
  Result<std::optional<Order>> FindReusableOrder(const std::string& account_id,
                                                 const std::vector<acme::Identifier>& identifiers,
                                                 const std::string& profile, TimePoint expires_after) override;
  Result<PendingCounts> CountPending(const std::string& account_id, TimePoint now) override;
  Status CreateAuthorization(const Authorization& authorization) override;
  Result<Authorization> GetAuthorization(const std::string& id) override;
  Result<std::optional<Authorization>> FindValidAuthorization(const std::string& account_id,
                                                              const acme::Identifier& identifier,
                                                              bool wildcard,
                                                              TimePoint expires_after) override;
  Status TransitionAuthorization(const std::string& id, acme::AuthorizationStatus from,
                                 acme::AuthorizationStatus to) override;
  Status StartChallenge(const std::string& authorization_id, const std::string& challenge_id) override;
  Status CompleteChallenge(const std::string& authorization_id, const std::string& challenge_id, bool valid,
                           const std::string& error_json, TimePoint validated_at,
                           std::optional<TimePoint> valid_until, const std::vector<RateLimit>& limits,
                           const AuditEvent* audit, const std::string& attestation_json) override;

  // ---- CertificateStore and IssuanceStore (sqlite_certificates.cc) ----
  Result<CertificateRecord> GetCertificate(const std::string& serial) override;
  Result<std::vector<CertificateRecord>> ListCertificatesForOrder(const std::string& order_id) override;
  Status RevokeCertificate(const std::string& serial, int reason, TimePoint at,
                           const AuditEvent& audit) override;
  Status ImportCertificate(const CertificateRecord& record, const AuditEvent& audit) override;
  Status BeginIssuance(const CertificateRecord& pending, acme::OrderStatus order_from,
                       const std::vector<RateLimit>& limits) override;
  Status FinishIssuance(const std::string& serial, const std::string& der, const AuditEvent& audit) override;
  Status AbandonIssuance(const std::string& serial, const std::string& order_error_json,
                         const AuditEvent& audit) override;

  // ---- RevocationListStore (sqlite_certificates.cc) ----
  Result<std::vector<RevokedCertificate>> ListRevokedCertificates(const std::string& authority_key_id,
                                                                  TimePoint not_after_after,
                                                                  const std::string& after_serial,
                                                                  int limit) override;
  Result<CrlState> GetCrlState(const std::string& issuer_id) override;
  Status AdvanceCrlState(const CrlState& next, int64_t previous_number) override;

  // ---- CertificateInventory (sqlite_inventory.cc) ----
  Result<CertificatePage> ListCertificates(const CertificateQuery& query) override;
  Result<CertificateCounts> CountCertificates(TimePoint now, std::chrono::seconds expiring_within) override;
  Result<int64_t> CountExpiringCertificates(TimePoint now, std::chrono::seconds within) override;
  Result<std::vector<ExpiryDay>> CountExpiryByDay(TimePoint now, std::chrono::seconds horizon) override;
  Result<std::vector<ActivityDay>> CountActivityByDay(TimePoint from, TimePoint to) override;
  Result<std::optional<TimePoint>> LastIssuedAt() override;
  Result<AccountPage> ListAccounts(const std::string& cursor, int limit) override;
  Result<std::vector<AuditEvent>> ListAuditForSubject(const std::string& subject, int64_t after_id,
                                                     int limit) override;

  // ---- AdminCredentialStore (sqlite_admin_credentials.cc) ----
  Status CreateAdminCredential(const AdminCredential& credential, const AuditEvent& audit) override;
  Result<AdminCredential> GetAdminCredential(const std::string& name) override;
  Result<AdminCredential> FindAdminCredential(const std::string& lookup) override;
  Result<std::vector<AdminCredential>> ListAdminCredentials() override;
  Status RevokeAdminCredential(const std::string& name, TimePoint at, const AuditEvent& audit) override;

  // ---- PolicyDefinitionStore (sqlite_policy_definitions.cc) ----
  Status CreatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override;
  Status UpdatePolicyDefinition(const PolicyDefinition& definition, const AuditEvent& audit) override;
  Status DeletePolicyDefinition(const std::string& name, TimePoint now, const AuditEvent& audit) override;
  Result<PolicyDefinitions> ListPolicyDefinitions() override;
  Result<int64_t> PolicyDefinitionsVersion() override;

  // ---- EabKeyStore, BlockedKeyStore and AuditLog (sqlite_accounts.cc) ----
  Status CreateEabKey(const EabKey& key, const AuditEvent& audit) override;
  Status RevokeEabKey(const std::string& kid, TimePoint at, const AuditEvent& audit) override;
  Result<EabKey> GetEabKey(const std::string& kid) override;
  Result<std::vector<EabKey>> ListEabKeys() override;
  Status BlockKey(const BlockedKey& key, const AuditEvent& audit) override;
  Result<BlockedKey> GetBlockedKey(const std::string& spki_sha256) override;
  Status AppendAudit(const AuditEvent& event) override;
  Status CheckWritable() override;
  Result<std::vector<AuditEvent>> ListAudit(int64_t after_id, int limit) override;
  Result<std::optional<AuditEvent>> LastAudit() override;
  Status AppendAuditAnchor(const AuditAnchor& anchor) override;
  Result<std::vector<AuditAnchor>> ListAuditAnchors() override;

 private:
  // A reader connection borrowed from the pool, returned on destruction.
  class ReaderLease {
   public:
    ReaderLease(SqliteStore* store, std::unique_ptr<Connection> connection)
        : store_(store), connection_(std::move(connection)) {}
    ReaderLease(ReaderLease&&) noexcept = default;
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (connection_ != nullptr) store_->ReturnReader(std::move(connection_));
    }
    Connection& connection() { return *connection_; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Connection> connection_;
  };

  Result<ReaderLease> AcquireReader();
  void ReturnReader(std::unique_ptr<Connection> connection);

  // Runs `body` on a reader connection; with `snapshot`, inside one read transaction so that several
  // statements see the same committed state.
  template <typename T, typename F>
  Result<T> Read(bool snapshot, F&& body) {
    ANVIL_ASSIGN_OR_RETURN(ReaderLease lease, AcquireReader());
    Connection& c = lease.connection();
    if (!snapshot) return body(c);
    ANVIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(c, Transaction::Kind::kRead));
    Result<T> result = body(c);
    if (!result.ok()) return result;
    ANVIL_RETURN_IF_ERROR(txn.Commit());
    return result;
  }

  // A single-row lookup by one text key.
  template <typename T, typename Decode>
  Result<T> ReadOne(std::string_view sql, const std::string& key, Decode decode, std::string_view what) {
    return Read<T>(false, [&](Connection& c) -> Result<T> {
      ANVIL_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
      s.BindText(1, key);
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return internal::NotFound(what, key);
      return decode(s);
    });
  }

  template <typename T, typename Decode>
  static Result<std::vector<T>> ReadAll(Statement& s, Decode decode) {
    std::vector<T> out;
    while (true) {
      ANVIL_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return out;
      ANVIL_ASSIGN_OR_RETURN(T value, decode(s));
      out.push_back(std::move(value));
    }
  }

  // Runs `body` on the writer connection inside a write transaction and returns once that transaction is
  // committed (durable to the configured level) or `body` failed (then its changes are rolled back).
  //
  // Group commit: writes queue up for the committer thread, which runs everything queued in ONE transaction,
  // each body under its own SAVEPOINT so a failing body rolls back alone, then COMMITs once (one WAL fsync
  // under synchronous=FULL) and wakes every writer of the batch; writes that arrive meanwhile form the next
  // batch. The wait is a fiber::Await: a handler on a fiber gives its thread back to the server while the
  // commit runs, a caller off a fiber blocks.
  template <typename F>
  Status Write(F&& body) {
    PendingWrite mine([&body](Connection& c) { return body(c); });
    fiber::Await([&](fiber::Wake wake) {
      mine.wake = std::move(wake);
      std::lock_guard lock(queue_mu_);
      queue_.push_back(&mine);
      committer_cv_.notify_one();
    });
    return mine.result;
  }

  struct PendingWrite {
    explicit PendingWrite(std::function<Status(Connection&)> b) : body(std::move(b)) {}
    std::function<Status(Connection&)> body;
    Status result = Status::Ok();
    fiber::Wake wake;
  };

  // The committer thread's loop: one batch at a time until the store is destroyed with nothing queued.
  void CommitLoop();
  // Runs on the committer thread only, so the writer connection is used by one thread.
  void RunBatch(const std::vector<PendingWrite*>& batch);
  Status RunSavepoint(std::string_view sql);

  static Status InsertAuthorization(Connection& c, const Authorization& authz);

  const SqliteOptions options_;

  std::mutex queue_mu_;  // guards queue_ and stopping_
  std::condition_variable committer_cv_;
  std::vector<PendingWrite*> queue_;
  bool stopping_ = false;
  std::unique_ptr<Connection> writer_;  // used only by the committer thread
  std::unique_ptr<WalCheckpointer> checkpointer_;  // hooked on writer_; reset before writer_ closes

  // GetAccount's cache (account_cache.h); 5 s bounds how long another process's account change goes unseen.
  AccountCache account_cache_{10000, std::chrono::seconds(5)};
  // Drops an account's cached entry when a write to it returns, committed or not.
  struct AccountWrite {
    AccountCache& cache;
    const std::string& id;
    ~AccountWrite() { cache.Invalidate(id); }
  };

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mu_
  int open_readers_ = 0;                                   // guarded by readers_mu_; idle + leased

  // Last: started once everything it uses exists (joined by the destructor).
  std::thread committer_;
};

}  // namespace anvil::storage::sqlite
