// Google Benchmark of one issuance's storage transactions on SQLite (WAL), per durability level and number of
// concurrent writers: account, order with one authorization, challenge start/complete, order ready →
// processing, pending certificate, issued, order valid. Shows what group commit buys under synchronous=FULL.
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/sqlite/sqlite_store.h"

namespace anvil::storage {
namespace {

std::unique_ptr<Store> g_store;
std::atomic<int64_t> g_next{0};
std::string g_dir;

void SetUp(Durability durability) {
  g_dir = (std::filesystem::temp_directory_path() / ("anvil-bench-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(g_dir);
  std::filesystem::create_directories(g_dir);
  g_store = std::move(*OpenSqliteStore({g_dir + "/bench.db", durability}));
}

void TearDown() {
  g_store.reset();
  std::filesystem::remove_all(g_dir);
}

// The durable writes of one issuance with a new account, as the RA makes them (docs/issuance.md): account,
// order, challenge outcome, and the issuance's two (BeginIssuance, FinishIssuance).
void OneIssuance(benchmark::State& state) {
  const TimePoint now = std::chrono::system_clock::now();
  for (auto _ : state) {
    std::string n = std::to_string(g_next++);
    Account a;
    a.id = "a" + n;
    a.jwk_json = "{}";
    a.thumbprint = "t" + n;
    a.created_at = now;
    Authorization z;
    z.id = "z" + n;
    z.account_id = a.id;
    z.identifier = {acme::IdentifierType::kDns, "n" + n + ".example"};
    z.expires = now + std::chrono::hours(1);
    z.created_at = now;
    z.challenges.push_back({"c", acme::ChallengeType::kHttp01, "tok" + n, acme::ChallengeStatus::kPending, {}, ""});
    Order o;
    o.id = "o" + n;
    o.account_id = a.id;
    o.identifiers = {z.identifier};
    o.authorization_ids = {z.id};
    o.expires = now + std::chrono::hours(1);
    o.created_at = now;
    CertificateRecord c;
    c.serial = "5e" + n;
    c.order_id = o.id;
    c.account_id = a.id;
    c.tbs_der = std::string(400, 't');
    c.not_before = now;
    c.not_after = now + std::chrono::hours(24 * 90);
    c.created_at = now;
    AuditEvent created{0, now, "account.created", a.id, a.id, "{}"};
    AuditEvent issued{0, now, "certificate.issued", a.id, c.serial, R"({"order_id":"o"})"};
    bool ok = g_store->CreateAccount(a, created).ok() && g_store->CreateOrder(o, {z}).ok() &&
              g_store->CompleteChallenge(z.id, "c", true, "", now, std::nullopt).ok() &&
              g_store->BeginIssuance(c, acme::OrderStatus::kPending).ok() &&
              g_store->FinishIssuance(c.serial, std::string(600, 'd'), issued).ok();
    if (!ok) state.SkipWithError("storage write failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void Full(benchmark::State& state) {
  if (state.thread_index() == 0) SetUp(Durability::kFull);
  OneIssuance(state);
  if (state.thread_index() == 0) TearDown();
}
void Normal(benchmark::State& state) {
  if (state.thread_index() == 0) SetUp(Durability::kNormal);
  OneIssuance(state);
  if (state.thread_index() == 0) TearDown();
}

BENCHMARK(Full)->Threads(1)->Threads(4)->Threads(16)->Threads(64)->UseRealTime()->MinTime(2.0);
BENCHMARK(Normal)->Threads(1)->Threads(16)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace anvil::storage

BENCHMARK_MAIN();
