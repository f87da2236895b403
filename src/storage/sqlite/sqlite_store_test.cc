#include "storage/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "base/fiber.h"
#include "base/file.h"
#include "storage/sqlite/db.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_test_support.h"
#include "storage/testing/store_conformance.h"

namespace anvil::storage {
namespace {

using testing::StoreBackend;
using testing::StoreConformanceTest;

// A fresh directory under the system temp dir; the caller removes it.
std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "anvil-storage-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

void RemoveDir(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::unique_ptr<Store> NewTempSqliteStore() {
  std::string dir = MakeTempDir();
  if (dir.empty()) {
    ADD_FAILURE() << "mkdtemp failed";
    return nullptr;
  }
  SqliteOptions options;
  options.path = dir + "/anvil.db";
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    RemoveDir(dir);
    return nullptr;
  }
  return testing::WithCleanup(std::move(store).value(), [dir] { RemoveDir(dir); });
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"sqlite", &NewTempSqliteStore}),
                         testing::BackendName);

// ---- SQLite-specific behaviour ----

AuditEvent Audit(std::string kind) { return AuditEvent{0, FromUnixSeconds(1'800'000'000), std::move(kind), "a1", "s", "{}"}; }

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    path_ = dir_ + "/anvil.db";
  }
  void TearDown() override { RemoveDir(dir_); }

  Result<std::unique_ptr<Store>> Open(Durability durability = Durability::kFull) {
    SqliteOptions options;
    options.path = path_;
    options.durability = durability;
    options.clock = &clock_;
    return OpenSqliteStore(options);
  }

  // A raw connection for inspecting or tampering with the file.
  std::unique_ptr<sqlite::Connection> Raw() {
    auto c = sqlite::Connection::Open(path_, sqlite::Connection::Mode::kReadWrite, 1000);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }

  const TimePoint kT0 = FromUnixSeconds(1'800'000'000);
  FakeClock clock_{FromUnixSeconds(1'790'000'000)};
  std::string dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, ReopeningKeepsEverything) {
  {
    Result<std::unique_ptr<Store>> store = Open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Store& s = **store;
    EabKey key{"kid", std::string("k\0y", 3), "", "comment", kT0};
    ASSERT_TRUE(s.CreateEabKey(key, Audit("eab.created")).ok());
    Account account{"a1", "{}",  "thumb", {"mailto:a@example.com"}, acme::AccountStatus::kValid,
                    true, "kid", kT0};
    ASSERT_TRUE(s.CreateAccount(account, Audit("account.created")).ok());
    Authorization authz;
    authz.id = "z1";
    authz.account_id = "a1";
    authz.identifier = {acme::IdentifierType::kDns, "example.com"};
    authz.expires = kT0;
    authz.created_at = kT0;
    authz.challenges = {
        Challenge{"c1", acme::ChallengeType::kHttp01, "tok", acme::ChallengeStatus::kPending, {}, ""}};
    Order order;
    order.id = "o1";
    order.account_id = "a1";
    order.identifiers = {authz.identifier};
    order.authorization_ids = {"z1"};
    order.expires = kT0;
    order.created_at = kT0;
    ASSERT_TRUE(s.CreateOrder(order, {authz}).ok());
    CertificateRecord cert;
    cert.serial = "01";
    cert.order_id = "o1";
    cert.account_id = "a1";
    cert.not_before = kT0;
    cert.not_after = kT0;
    cert.created_at = kT0;
    ASSERT_TRUE(s.BeginIssuance(cert, acme::OrderStatus::kPending).ok());
    ASSERT_TRUE(s.FinishIssuance("01", "der", Audit("certificate.issued")).ok());
  }
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = **store;
  Result<Account> account = s.FindAccountByThumbprint("thumb");
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->eab_kid, "kid");
  Result<EabKey> key = s.GetEabKey("kid");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->hmac_key, std::string("k\0y", 3));
  EXPECT_EQ(key->account_id, "a1");
  Result<Order> order = s.GetOrder("o1");
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->authorization_ids, std::vector<std::string>{"z1"});
  Result<Authorization> authz = s.GetAuthorization("z1");
  ASSERT_TRUE(authz.ok());
  ASSERT_EQ(authz->challenges.size(), 1u);
  EXPECT_EQ(authz->challenges[0].token, "tok");
  Result<CertificateRecord> cert = s.GetCertificate("01");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->state, CertificateState::kIssued);
  EXPECT_EQ(cert->der, "der");
  Result<std::vector<AuditEvent>> audit = s.ListAudit(0, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 4u);
  EXPECT_EQ((*audit)[0].kind, "eab.created");
  EXPECT_EQ((*audit)[1].kind, "account.created");
  EXPECT_EQ((*audit)[2].kind, "eab.used");
  EXPECT_EQ((*audit)[3].kind, "certificate.issued");
  // Ids continue after a reopen.
  ASSERT_TRUE(s.AppendAudit(AuditEvent{0, kT0, "k", "", "", "{}"}).ok());
  audit = s.ListAudit((*audit)[3].id, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].id, 5);
}

TEST_F(SqliteStoreTest, RateLimitsAndBlockedKeysHoldAcrossRestarts) {
  const std::vector<RateLimit> one_per_day = {
      RateLimit{"accounts:192.0.2.1", 1, std::chrono::hours(24), RateLimit::Mode::kSpend, "new accounts per IP"}};
  {
    Result<std::unique_ptr<Store>> store = Open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Account account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0};
    ASSERT_TRUE((*store)->CreateAccount(account, Audit("account.created"), one_per_day).ok());
    ASSERT_TRUE((*store)->BlockKey(BlockedKey{std::string(64, 'c'), kT0, "test"}, Audit("key.blocked")).ok());
  }
  Result<std::unique_ptr<Store>> reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  Account second{"a2", "{}", "thumb2", {}, acme::AccountStatus::kValid, true, "", kT0 + std::chrono::hours(1)};
  Status refused = (*reopened)->CreateAccount(second, Audit("account.created"), one_per_day);
  EXPECT_EQ(refused.code(), Code::kRateLimited) << refused.ToString();
  EXPECT_EQ(refused.retry_after(), 23 * 3600);
  EXPECT_TRUE((*reopened)->GetBlockedKey(std::string(64, 'c')).ok());
}

// RFC 5280 §5.2.3: a series' CRL numbers increase across restarts, so its state and the revocations a CRL
// lists must be read back from the file.
TEST_F(SqliteStoreTest, CrlStatesAndRevocationsHoldAcrossRestarts) {
  const std::string aki("\x01\x00\xff", 3);
  {
    Result<std::unique_ptr<Store>> store = Open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Store& s = **store;
    ASSERT_TRUE(s.CreateAccount(Account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0},
                                Audit("account.created"))
                    .ok());
    Order order;
    order.id = "o1";
    order.account_id = "a1";
    order.identifiers = {{acme::IdentifierType::kDns, "example.com"}};
    order.expires = kT0;
    order.created_at = kT0;
    ASSERT_TRUE(s.CreateOrder(order, {}).ok());
    CertificateRecord cert;
    cert.serial = "7f";
    cert.order_id = "o1";
    cert.account_id = "a1";
    cert.authority_key_id = aki;
    cert.not_after = kT0 + std::chrono::hours(24 * 90);
    ASSERT_TRUE(s.BeginIssuance(cert, acme::OrderStatus::kPending).ok());
    ASSERT_TRUE(s.FinishIssuance("7f", "der", Audit("certificate.issued")).ok());
    ASSERT_TRUE(s.RevokeCertificate("7f", 1, kT0 + std::chrono::hours(1), Audit("certificate.revoked")).ok());
    ASSERT_TRUE(s.AdvanceCrlState(CrlState{"5a", 1, kT0}, 0).ok());
    ASSERT_TRUE(s.AdvanceCrlState(CrlState{"5a", 2, kT0 + std::chrono::hours(6)}, 1).ok());
  }
  Result<std::unique_ptr<Store>> reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  Store& s = **reopened;
  Result<CrlState> state = s.GetCrlState("5a");
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->number, 2);
  EXPECT_EQ(state->this_update, kT0 + std::chrono::hours(6));
  // The restarted publisher must go on from 2: neither the last advance again nor a new series from 0.
  EXPECT_EQ(s.AdvanceCrlState(CrlState{"5a", 2, kT0 + std::chrono::hours(12)}, 1).code(), Code::kConflict);
  EXPECT_EQ(s.AdvanceCrlState(CrlState{"5a", 1, kT0 + std::chrono::hours(12)}, 0).code(), Code::kConflict);
  EXPECT_TRUE(s.AdvanceCrlState(CrlState{"5a", 3, kT0 + std::chrono::hours(12)}, 2).ok());
  Result<std::vector<RevokedCertificate>> revoked = s.ListRevokedCertificates(aki, kT0, "", 10);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ((*revoked)[0].serial, "7f");
  EXPECT_EQ((*revoked)[0].revoked_at, kT0 + std::chrono::hours(1));
  EXPECT_EQ((*revoked)[0].reason, 1);
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedOnce) {
  ASSERT_TRUE(Open().ok());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(Open().ok());  // nothing new to apply
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  auto rows = raw->Prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(rows.ok());
  int expected = 1;
  while (true) {
    Result<bool> row = rows->Step();
    ASSERT_TRUE(row.ok());
    if (!*row) break;
    EXPECT_EQ(rows->ColumnInt(0), expected);
    EXPECT_EQ(rows->ColumnTime(1), FromUnixSeconds(1'790'000'000));  // first open, not the second
    ++expected;
  }
  EXPECT_EQ(expected - 1, sqlite::LatestSchemaVersion());
  Result<int> version = sqlite::CurrentSchemaVersion(*raw);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, sqlite::LatestSchemaVersion());
}

TEST_F(SqliteStoreTest, MigrationVersionsAreContiguous) {
  int expected = 1;
  for (const sqlite::Migration& m : sqlite::Migrations()) EXPECT_EQ(m.version, expected++) << m.description;
}

// EXPLAIN QUERY PLAN of ListRevokedCertificates' page query, one detail line per step.
std::vector<std::string> RevokedPagePlan(sqlite::Connection& c) {
  std::vector<std::string> lines;
  auto plan = c.Prepare(std::string("EXPLAIN QUERY PLAN ") + sqlite::kRevokedCertificatesPageSql);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return lines;
  plan->BindBlob(1, "aki").BindText(2, "").BindText(3, "issued").BindInt(4, 0).BindInt(5, 10000);
  while (true) {
    Result<bool> row = plan->Step();
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) break;
    lines.push_back(plan->ColumnText(3));
  }
  return lines;
}

// A CRL pages through every revoked certificate of its issuer: one range of the partial index, in serial
// order, never the table (whose rows carry the DER and chain: one random page read per revoked certificate,
// crl_scale_bench), never a sort.
TEST_F(SqliteStoreTest, RevokedCertificatesAreListedFromTheCoveringIndexAlone) {
  ASSERT_TRUE(Open().ok());
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  const std::vector<std::string> plan = RevokedPagePlan(*raw);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].rfind("SEARCH certificates USING COVERING INDEX certificates_revoked_by_authority", 0),
            0u)
      << plan[0];
}

// Migration 6 rebuilds the index of migration 5 with more columns: a version-5 database's revocations are
// listed as before, through the new index.
TEST_F(SqliteStoreTest, RevocationsOfAVersion5DatabaseAreListedAfterMigration6) {
  const std::string aki("\x01\x02", 2);
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    sqlite::CreateDatabaseAtVersion(*raw, 5);
    // Issued and revoked (listed); issued; pending with a revocation time (never listed); another issuer's.
    // The columns of a version-5 database (ANVIL_CERTIFICATE_COLUMNS has grown since: migration 8).
    const std::string insert =
        "INSERT INTO certificates (serial, order_id, account_id, state, tbs_der, der, issuer_chain_pem, "
        "names_json, profile, authority_key_id, not_before, not_after, created_at, revoked_at, revocation_reason"
        ") VALUES (?, 'o', 'a', ?, x'', x'', '', '[]', 'p', ?, 0, 1900000000, 0, ?, ?)";
    struct Row {
      const char* serial;
      const char* state;
      std::string aki;
      bool revoked;
    };
    for (const Row& r : {Row{"0a", "issued", aki, true}, Row{"0b", "issued", aki, false},
                         Row{"0c", "pending", aki, true}, Row{"0d", "issued", "other", true}}) {
      auto s = raw->Prepare(insert);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      s->BindText(1, r.serial).BindText(2, r.state).BindBlob(3, r.aki);
      if (r.revoked) {
        s->BindTime(4, kT0).BindInt(5, 4);
      } else {
        s->BindNull(4).BindInt(5, 0);
      }
      ASSERT_TRUE(s->Run().ok());
    }
  }
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<std::vector<RevokedCertificate>> revoked = (*store)->ListRevokedCertificates(aki, kT0, "", 10);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ((*revoked)[0].serial, "0a");
  EXPECT_EQ((*revoked)[0].revoked_at, kT0);
  EXPECT_EQ((*revoked)[0].reason, 4);
  EXPECT_EQ((*revoked)[0].not_after, FromUnixSeconds(1'900'000'000));
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  Result<int> version = sqlite::CurrentSchemaVersion(*raw);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, sqlite::LatestSchemaVersion());
  const std::vector<std::string> plan = RevokedPagePlan(*raw);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("COVERING INDEX certificates_revoked_by_authority"), std::string::npos) << plan[0];
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsRefused) {
  ASSERT_TRUE(Open().ok());
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    auto insert = raw->Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)");
    ASSERT_TRUE(insert.ok());
    insert->BindInt(1, sqlite::LatestSchemaVersion() + 1);
    ASSERT_TRUE(insert->Run().ok());
  }
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos) << store.status().ToString();
}

// The audit row is written in the transaction of the change it records: when the row cannot be written (here
// a trigger refuses every insert, as a full disk or a broken table would), the change is rolled back too.
TEST_F(SqliteStoreTest, AChangeWhoseAuditRowCannotBeWrittenIsNotMade) {
  Result<std::unique_ptr<Store>> opened = Open();
  ASSERT_TRUE(opened.ok());
  Store& s = **opened;
  Account account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0};
  ASSERT_TRUE(s.CreateAccount(account, Audit("account.created")).ok());
  Order order;
  order.id = "o1";
  order.account_id = "a1";
  order.identifiers = {{acme::IdentifierType::kDns, "example.com"}};
  order.expires = kT0;
  order.created_at = kT0;
  ASSERT_TRUE(s.CreateOrder(order, {}).ok());
  CertificateRecord cert;
  cert.serial = "01";
  cert.order_id = "o1";
  cert.account_id = "a1";
  ASSERT_TRUE(s.BeginIssuance(cert, acme::OrderStatus::kPending).ok());
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    ASSERT_TRUE(raw->Exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                          "BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
                    .ok());
  }
  EXPECT_FALSE(s.CreateAccount(Account{"a2", "{}", "thumb2", {}, acme::AccountStatus::kValid, true, "", kT0},
                               Audit("account.created"))
                   .ok());
  EXPECT_EQ(s.GetAccount("a2").status().code(), Code::kNotFound);
  EXPECT_FALSE(s.UpdateAccount("a1", {}, acme::AccountStatus::kDeactivated, Audit("account.deactivated")).ok());
  EXPECT_EQ(s.GetAccount("a1")->status, acme::AccountStatus::kValid);
  EXPECT_FALSE(s.FinishIssuance("01", "der", Audit("certificate.issued")).ok());
  EXPECT_EQ(s.GetCertificate("01")->state, CertificateState::kPending);
  EXPECT_EQ(s.GetOrder("o1")->status, acme::OrderStatus::kProcessing);
  EXPECT_FALSE(s.AbandonIssuance("01", "{}", Audit("certificate.abandoned")).ok());
  EXPECT_EQ(s.GetCertificate("01")->state, CertificateState::kPending);
  Order second = order;
  second.id = "o2";
  const AuditEvent created = Audit("order.created");
  EXPECT_FALSE(s.CreateOrder(second, {}, {}, &created).ok());
  EXPECT_EQ(s.GetOrder("o2").status().code(), Code::kNotFound);
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_TRUE(raw->Exec("DROP TRIGGER refuse_audit").ok());
  }
  ASSERT_TRUE(s.FinishIssuance("01", "der", Audit("certificate.issued")).ok());
  EXPECT_EQ(s.GetOrder("o1")->status, acme::OrderStatus::kValid);
}

TEST_F(SqliteStoreTest, FilesAreCreatedWithMode0600) {
  ::mode_t old_umask = ::umask(022);  // a typical umask, which alone would give 0644
  Result<std::unique_ptr<Store>> store = Open();
  ::umask(old_umask);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->AppendAudit(AuditEvent{0, kT0, "k", "", "", "{}"}).ok());
  ASSERT_TRUE((*store)->ListAudit(0, 1).ok());  // a reader connection too
  EXPECT_EQ(ModeOf(path_), 0600u);
  ASSERT_TRUE(std::filesystem::exists(path_ + "-wal"));
  ASSERT_TRUE(std::filesystem::exists(path_ + "-shm"));
  EXPECT_EQ(ModeOf(path_ + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(path_ + "-shm"), 0600u);
}

TEST_F(SqliteStoreTest, LooseExistingFileIsTightenedTo0600) {
  ASSERT_TRUE(Open().ok());
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ModeOf(path_), 0600u);
}

TEST_F(SqliteStoreTest, EveryDurabilityLevelOpensAndWrites) {
  for (Durability d : {Durability::kFull, Durability::kNormal, Durability::kOff}) {
    Result<std::unique_ptr<Store>> store = Open(d);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->AppendAudit(AuditEvent{0, kT0, "k", "", "", "{}"}).ok());
  }
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok());
  Result<std::vector<AuditEvent>> audit = (*store)->ListAudit(0, 10);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->size(), 3u);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  Result<std::unique_ptr<Store>> first = Open();
  Result<std::unique_ptr<Store>> second = Open();
  ASSERT_TRUE(first.ok() && second.ok());
  Account account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0};
  ASSERT_TRUE((*first)->CreateAccount(account, Audit("account.created")).ok());
  EXPECT_TRUE((*second)->GetAccount("a1").ok());
  EXPECT_EQ((*second)->CreateAccount(account, Audit("account.created")).code(), Code::kConflict);
}

TEST_F(SqliteStoreTest, MoreConcurrentReadersThanConnectionsAllSucceed) {
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok());
  Account account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0};
  ASSERT_TRUE((*store)->CreateAccount(account, Audit("account.created")).ok());
  constexpr int kThreads = 32;  // well above the reader pool's size
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {  // not GetAccount: the store answers that from its cache
        if (!(*store)->FindAccountByThumbprint("thumb").ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// A write made on a fiber suspends it (the committer thread commits) instead of blocking its thread: the
// fiber's Resume returns before the write has been committed, and the wake resumes it with the result.
TEST_F(SqliteStoreTest, WriteOnAFiberSuspendsItUntilCommitted) {
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok());
  std::mutex mu;
  std::condition_variable cv;
  int scheduled = 0;
  constexpr int kFibers = 10;
  std::vector<std::unique_ptr<fiber::Fiber>> fibers;
  std::vector<Status> results(kFibers, Status::Ok());
  for (int i = 0; i < kFibers; ++i) {
    fibers.push_back(std::make_unique<fiber::Fiber>(
        [&, i] {
          const std::string id = "a" + std::to_string(i);
          results[static_cast<size_t>(i)] = (*store)->CreateAccount(
              Account{id, "{}", "thumb" + id, {}, acme::AccountStatus::kValid, true, "", kT0}, Audit("account.created"));
        },
        [&] {
          std::lock_guard lock(mu);
          ++scheduled;
          cv.notify_all();
        }));
  }
  for (auto& f : fibers) ASSERT_FALSE(f->Resume());  // each is waiting for its commit
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return scheduled == kFibers; }));
  }
  for (auto& f : fibers) EXPECT_TRUE(f->Resume());
  for (int i = 0; i < kFibers; ++i) {
    EXPECT_TRUE(results[static_cast<size_t>(i)].ok()) << results[static_cast<size_t>(i)].ToString();
    EXPECT_TRUE((*store)->FindAccountByThumbprint("thumba" + std::to_string(i)).ok()) << i;
  }
}

// GetAccount is served from the store's account cache; the store's own account writes must show at once.
TEST_F(SqliteStoreTest, CachedAccountReadsSeeTheStoresOwnWrites) {
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok());
  Account account{"a1", "{}", "thumb", {"mailto:a@example.com"}, acme::AccountStatus::kValid, true, "", kT0};
  ASSERT_TRUE((*store)->CreateAccount(account, Audit("account.created")).ok());
  ASSERT_TRUE((*store)->GetAccount("a1").ok());  // now cached
  ASSERT_TRUE((*store)->UpdateAccount("a1", {"mailto:b@example.com"}, acme::AccountStatus::kDeactivated, Audit("account.updated")).ok());
  Result<Account> updated = (*store)->GetAccount("a1");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->contacts, std::vector<std::string>{"mailto:b@example.com"});
  EXPECT_EQ(updated->status, acme::AccountStatus::kDeactivated);
  ASSERT_TRUE((*store)->ChangeAccountKey("a1", "thumb", R"({"new":1})", "thumb2", Audit("account.key_changed")).ok());
  Result<Account> rolled = (*store)->GetAccount("a1");
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(rolled->jwk_json, R"({"new":1})");
  EXPECT_EQ(rolled->thumbprint, "thumb2");
  // A failed conditional write leaves the (re-read) account as it is.
  EXPECT_EQ((*store)->ChangeAccountKey("a1", "thumb", "{}", "thumb3", Audit("account.key_changed")).code(), Code::kConflict);
  EXPECT_EQ((*store)->GetAccount("a1")->thumbprint, "thumb2");
}

// Readers racing a stream of updates never leave an older version cached: once the writer is done, every
// read returns its last write.
TEST_F(SqliteStoreTest, CachedAccountReadsRacingUpdatesEndOnTheLastWrite) {
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok());
  Account account{"a1", "{}", "thumb", {"mailto:0@example.com"}, acme::AccountStatus::kValid, true, "", kT0};
  ASSERT_TRUE((*store)->CreateAccount(account, Audit("account.created")).ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        if (!(*store)->GetAccount("a1").ok()) ++failures;
      }
    });
  }
  constexpr int kUpdates = 40;
  for (int i = 1; i <= kUpdates; ++i) {
    const std::string contact = "mailto:" + std::to_string(i) + "@example.com";
    ASSERT_TRUE((*store)->UpdateAccount("a1", {contact}, acme::AccountStatus::kValid, Audit("account.updated")).ok());
    Result<Account> read = (*store)->GetAccount("a1");
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->contacts, std::vector<std::string>{contact}) << "after update " << i;
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ((*store)->GetAccount("a1")->contacts,
              std::vector<std::string>{"mailto:" + std::to_string(kUpdates) + "@example.com"});
  }
}

// /readyz (docs/metrics.md): a database another process holds locked cannot take a write, and CheckWritable
// says so once the busy timeout has passed; released, it is writable again.
TEST_F(SqliteStoreTest, CheckWritableFailsWhileAnotherConnectionHoldsTheWriteLock) {
  SqliteOptions options;
  options.path = path_;
  options.busy_timeout_ms = 50;
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CheckWritable().ok());
  std::unique_ptr<sqlite::Connection> other = Raw();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Exec("BEGIN EXCLUSIVE").ok());
  Status locked = (*store)->CheckWritable();
  EXPECT_EQ(locked.code(), Code::kUnavailable) << locked.ToString();
  ASSERT_TRUE(other->Exec("ROLLBACK").ok());
  EXPECT_TRUE((*store)->CheckWritable().ok());
}

TEST_F(SqliteStoreTest, OnCommitIsToldOfEachGroupCommit) {
  std::mutex mu;
  std::vector<size_t> commits;
  SqliteOptions options;
  options.path = path_;
  options.on_commit = [&](std::chrono::nanoseconds elapsed, size_t writes) {
    EXPECT_GE(elapsed.count(), 0);
    std::lock_guard lock(mu);
    commits.push_back(writes);
  };
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->CheckWritable().ok());
  ASSERT_TRUE((*store)->AppendAudit(Audit("test.event")).ok());
  std::lock_guard lock(mu);
  EXPECT_EQ(commits, (std::vector<size_t>{1, 1}));
}

TEST_F(SqliteStoreTest, BadOptionsAreInvalidArgument) {
  SqliteOptions options;
  EXPECT_EQ(OpenSqliteStore(options).status().code(), Code::kInvalidArgument);
  options.path = ":memory:";
  EXPECT_EQ(OpenSqliteStore(options).status().code(), Code::kInvalidArgument);
  options.path = path_;
  options.busy_timeout_ms = -1;
  EXPECT_EQ(OpenSqliteStore(options).status().code(), Code::kInvalidArgument);
}

TEST_F(SqliteStoreTest, MissingDirectoryIsIo) {
  SqliteOptions options;
  options.path = dir_ + "/missing/anvil.db";
  EXPECT_EQ(OpenSqliteStore(options).status().code(), Code::kIo);
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream out(path_);
    out << "this is not an SQLite database, just some text that is long enough to fill a header........";
  }
  Result<std::unique_ptr<Store>> store = Open();
  EXPECT_FALSE(store.ok());
}

// Issue 13: an existing file is never replaced by a new database; it is refused as it is, naming the file.
TEST_F(SqliteStoreTest, AnEmptyExistingFileIsRefusedNotStartedAfresh) {
  { std::ofstream out(path_); }
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInternal);
  EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().ToString();
  EXPECT_NE(store.status().message().find("empty"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(std::filesystem::file_size(path_), 0u);
  EXPECT_EQ(ModeOf(path_), 0644u);  // untouched
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(SqliteStoreTest, GarbageInPlaceOfTheDatabaseIsRefusedNamingTheFileAndKeptAsItIs) {
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  ASSERT_TRUE(WriteFileAtomic(path_, garbage, 0600).ok());
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().ToString();
  EXPECT_NE(store.status().message().find("not an SQLite database"), std::string::npos);
  EXPECT_EQ(*ReadFile(path_), garbage);
}

TEST_F(SqliteStoreTest, ATruncatedDatabaseIsRefusedNamingTheFile) {
  {
    Result<std::unique_ptr<Store>> store = Open();
    ASSERT_TRUE(store.ok());
    Account account{"a1", "{}", "thumb", {}, acme::AccountStatus::kValid, true, "", kT0};
    ASSERT_TRUE((*store)->CreateAccount(account, Audit("account.created")).ok());
  }  // closing the last connection checkpoints and removes the WAL
  ASSERT_FALSE(std::filesystem::exists(path_ + "-wal"));
  const auto size = std::filesystem::file_size(path_);
  ASSERT_GT(size, 3 * 4096u);
  std::filesystem::resize_file(path_, 3 * 4096);
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInternal);
  EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().ToString();
  EXPECT_NE(store.status().message().find("truncated"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(std::filesystem::file_size(path_), 3 * 4096u);
}

TEST_F(SqliteStoreTest, ADirectoryInPlaceOfTheDatabaseIsIoNamingIt) {
  ASSERT_TRUE(std::filesystem::create_directory(path_));
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kIo);
  EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().ToString();
  EXPECT_TRUE(std::filesystem::is_directory(path_));
}

}  // namespace
}  // namespace anvil::storage
