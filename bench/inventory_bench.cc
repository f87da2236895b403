// inventory_bench: the inventory's list queries (storage::CertificateInventory, issue 15) over a SQLite store
// of N issued certificates (1,000,000 by default), timed through the store's own API; docs/performance.md has
// the figures and the command.
//
// 1. Fill: OpenSqliteStore makes the file and its schema (every migration); the rows are then inserted with
//    direct SQL, 50,000 per transaction, together with their names through the store's own
//    InsertCertificateNames (storage/sqlite/sqlite_inventory.h), so every index the issuance path maintains
//    is there. The store's write API has no batch (one issuance is two commits), which would take an hour.
//    Each row carries a DER and TBS of a P-256 leaf's size and a chain of a PEM intermediate's, as issuance
//    stores them. Mix: 10,000 accounts (100 certificates each), 1,000 DNS zones (a name
//    host-I.zone-Z.example.com each, a second name alt-I.zone-Z.example.net for 30%), profiles classic (90%,
//    90 days), shortlived (5%, 7 days), tls-client (5%), notBefore within the last 120 days (so about a
//    quarter expired), 1% revoked, 40% of those expiring within 30 days replaced (ARI), 0.1% issued
//    under an older intermediate key (the issuer filter's rare case).
// 2. Each query: one warm-up, then --runs timed runs; the median and the extremes in ms, and the rows the
//    first page returned. The file is read from the page cache (a running CA's case).
// 3. Checks, so the smoke (ctest bench.inventory_smoke, 10,000 certificates) proves the instrument: every row
//    of every query passes the query's filters, and the counts add up to N.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "storage/sqlite/db.h"
#include "storage/sqlite/sqlite_inventory.h"
#include "storage/sqlite/sqlite_store.h"

namespace anvil {
namespace {

using Steady = std::chrono::steady_clock;
constexpr int64_t kDay = 86400;
constexpr int64_t kRowsPerTransaction = 50'000;

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "inventory_bench: " << what << "\n";
  std::exit(1);
}
void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}
double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Hex(uint64_t hi, uint64_t lo) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

struct Options {
  int64_t certificates = 1'000'000;
  int runs = 11;
  std::string dir;  // empty: a temporary directory, removed at the end
  uint64_t seed = 15;
};

int64_t Fill(const Options& o, const std::string& db_path, int64_t now) {
  {
    auto store = storage::OpenSqliteStore({db_path, storage::Durability::kOff});
    if (!store.ok()) Die("open store: " + store.status().ToString());
  }
  auto connection =
      storage::sqlite::Connection::Open(db_path, storage::sqlite::Connection::Mode::kReadWrite, 5000);
  if (!connection.ok()) Die("open for the fill: " + connection.status().ToString());
  storage::sqlite::Connection& c = **connection;
  Check(c.Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144"), "pragmas");
  std::mt19937_64 rng(o.seed);
  std::string der(700, '\0'), tbs(620, '\0');
  for (char& ch : der) ch = static_cast<char>(rng());
  for (char& ch : tbs) ch = static_cast<char>(rng());
  const std::string chain =
      "-----BEGIN CERTIFICATE-----\n" + std::string(640, 'A') + "\n-----END CERTIFICATE-----\n";
  // Issued under one intermediate key, but 0.1% under an older one (a generation being retired).
  const std::string aki(20, '\x42'), old_aki(20, '\x43');
  std::uniform_int_distribution<int64_t> age(0, 120 * kDay - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  int64_t expiring_replaced = 0;
  std::string previous_serial = "1";
  for (int64_t first = 0; first < o.certificates; first += kRowsPerTransaction) {
    auto txn = storage::sqlite::Transaction::Begin(c, storage::sqlite::Transaction::Kind::kWrite);
    if (!txn.ok()) Die("begin: " + txn.status().ToString());
    for (int64_t i = first; i < std::min(o.certificates, first + kRowsPerTransaction); ++i) {
      const std::string serial = Hex((rng() >> 1) | (uint64_t{1} << 62), rng());  // 128 bits, no leading zero
      const std::string n = std::to_string(i), zone = std::to_string(i % 1000);
      std::vector<std::string> names = {"host-" + n + ".zone-" + zone + ".example.com"};
      if (percent(rng) < 30) names.push_back("alt-" + n + ".zone-" + zone + ".example.net");
      std::string names_json = "[";
      for (const std::string& name : names)
        names_json += (names_json.size() > 1 ? ",\"" : "\"") + name + "\"";
      names_json += "]";
      const char* profile = i % 20 == 0 ? "shortlived" : i % 20 == 1 ? "tls-client" : "classic";
      const int64_t not_before = now - age(rng);
      const int64_t not_after = not_before + (i % 20 == 0 ? 7 : 90) * kDay;
      const bool revoked = percent(rng) < 1;
      const bool replaced = !revoked && not_after > now && not_after <= now + 30 * kDay && percent(rng) < 40;
      expiring_replaced += replaced ? 1 : 0;
      char account[16];
      std::snprintf(account, sizeof account, "acct-%05lld", static_cast<long long>(i % 10000));
      auto insert = c.Prepare(
          "INSERT INTO certificates (serial, order_id, account_id, state, tbs_der, der, issuer_chain_pem, "
          "names_json, profile, authority_key_id, not_before, not_after, created_at, revoked_at, "
          "revocation_reason, replaced_by) VALUES (?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!insert.ok()) Die("prepare: " + insert.status().ToString());
      insert->BindText(1, serial)
          .BindText(2, "order-" + n)
          .BindText(3, account)
          .BindBlob(4, tbs)
          .BindBlob(5, der)
          .BindText(6, chain)
          .BindText(7, names_json)
          .BindText(8, profile)
          .BindBlob(9, i % 1000 == 999 ? old_aki : aki)
          .BindInt(10, not_before)
          .BindInt(11, not_after)
          .BindInt(12, not_before);
      if (revoked) {
        insert->BindInt(13, std::min(now, not_after) - 3600).BindInt(14, 4);
      } else {
        insert->BindNull(13).BindInt(14, 0);
      }
      insert->BindTextOrNull(15, replaced ? previous_serial : "");
      Check(insert->Run(), "insert");
      Check(storage::sqlite::InsertCertificateNames(c, serial, names), "names");
      previous_serial = serial;
    }
    Check(txn->Commit(), "commit");
  }
  Check(c.Exec("PRAGMA wal_checkpoint(TRUNCATE)"), "checkpoint");
  return expiring_replaced;
}

struct Query {
  std::string what;
  storage::CertificateQuery query;
  int runs = 0;  // 0: Options::runs
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Whether `r` passes the filters of `q` (the store was asked for exactly these).
bool Passes(const storage::CertificateRecord& r, const storage::CertificateQuery& q) {
  auto any = [&](auto&& test) { return std::any_of(r.names.begin(), r.names.end(), test); };
  if (!q.name_suffix.empty() && !any([&](const std::string& n) { return n.ends_with(q.name_suffix); }))
    return false;
  if (!q.name_contains.empty() &&
      !any([&](const std::string& n) { return n.find(q.name_contains) != n.npos; })) {
    return false;
  }
  if (!q.account_id.empty() && r.account_id != q.account_id) return false;
  if (!q.profile.empty() && r.profile != q.profile) return false;
  if (!q.authority_key_id.empty() && r.authority_key_id != q.authority_key_id) return false;
  if (q.status && storage::InventoryStatusAt(r, q.now, q.expiring_within) != *q.status) return false;
  return true;
}

}  // namespace
}  // namespace anvil

int main(int argc, char** argv) {
  using namespace anvil;  // NOLINT(build/namespaces): a benchmark's main
  CLI::App app{"inventory_bench: the inventory's list queries over N certificates in SQLite"};
  Options o;
  app.add_option("--certificates", o.certificates, "how many certificates (default 1,000,000)");
  app.add_option("--runs", o.runs, "timed runs per query (default 11)");
  app.add_option("--dir", o.dir, "keep the database in this directory (reused when it has one)");
  CLI11_PARSE(app, argc, argv);
  if (o.certificates < 1000 || o.runs < 1) Die("--certificates must be at least 1000 and --runs at least 1");

  const bool temporary = o.dir.empty();
  if (temporary) {
    std::string pattern = (std::filesystem::temp_directory_path() / "anvil-inventory-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) Die("mkdtemp");
    o.dir = pattern;
  }
  const std::string db_path = o.dir + "/anvil.db";
  const int64_t now = ToUnixSeconds(SystemClock().Now());
  if (!std::filesystem::exists(db_path)) {
    const Steady::time_point start = Steady::now();
    const int64_t replaced = Fill(o, db_path, now);
    const double seconds = Ms(Steady::now() - start) / 1000;
    std::printf(
        "fill: %lld certificates in %.1f s (%.0f rows/s), %lld expiring ones replaced; database %.0f MiB\n",
        static_cast<long long>(o.certificates), seconds, static_cast<double>(o.certificates) / seconds,
        static_cast<long long>(replaced),
        static_cast<double>(std::filesystem::file_size(db_path)) / (1 << 20));
  }
  auto store = storage::OpenSqliteStore({db_path, storage::Durability::kFull});
  if (!store.ok()) Die("open: " + store.status().ToString());

  auto q = [&] {
    storage::CertificateQuery query;
    query.now = FromUnixSeconds(now);
    query.limit = 100;
    return query;
  };
  std::vector<Query> queries;
  queries.push_back({"first page, no filter", q()});
  {
    Query deep{"deep page (cursor at now + 30 d), no filter", q()};
    deep.query.cursor = std::to_string(now + 30 * kDay) + ".0";
    queries.push_back(deep);
  }
  auto with = [&](std::string what, auto&& set, int runs = 0) {
    Query one{std::move(what), q(), runs};
    set(one.query);
    queries.push_back(one);
  };
  with("name suffix .zone-123.example.com", [](auto& x) { x.name_suffix = ".zone-123.example.com"; });
  with(
      "name suffix .example.com (every certificate)", [](auto& x) { x.name_suffix = ".example.com"; }, 3);
  const std::string host = "host-" + std::to_string(o.certificates / 2 + 7) + ".";
  with("name substring " + host, [&](auto& x) { x.name_contains = host; });
  with("name substring zone-123.", [](auto& x) { x.name_contains = "zone-123."; });
  with(
      "name substring example (every certificate)", [](auto& x) { x.name_contains = "example"; }, 3);
  with("account acct-01234", [](auto& x) { x.account_id = "acct-01234"; });
  with("account acct-01234, status valid", [](auto& x) {
    x.account_id = "acct-01234";
    x.status = storage::InventoryStatus::kValid;
  });
  with("expiring within 30 days", [](auto& x) { x.status = storage::InventoryStatus::kExpiring; });
  with("expiring within 30 days, deep page (cursor at now + 20 d)", [&](auto& x) {
    x.status = storage::InventoryStatus::kExpiring;
    x.cursor = std::to_string(now + 20 * kDay) + ".0";
  });
  with("status revoked", [](auto& x) { x.status = storage::InventoryStatus::kRevoked; });
  with("status expired", [](auto& x) { x.status = storage::InventoryStatus::kExpired; });
  with("profile shortlived", [](auto& x) { x.profile = "shortlived"; });
  with("latest expiry first, no filter", [](auto& x) { x.latest_first = true; });
  with("issuer of 99.9% of the certificates", [](auto& x) { x.authority_key_id = std::string(20, '\x42'); });
  with("issuer of 0.1% (an older generation)", [](auto& x) { x.authority_key_id = std::string(20, '\x43'); });
  with("issuer of 0.1%, status valid", [](auto& x) {
    x.authority_key_id = std::string(20, '\x43');
    x.status = storage::InventoryStatus::kValid;
  });

  std::printf("\n%-58s %9s %9s %9s %5s\n", "query (limit 100)", "median ms", "min ms", "max ms", "rows");
  for (const Query& query : queries) {
    const int runs = query.runs > 0 ? std::min(query.runs, o.runs) : o.runs;
    auto first = (*store)->ListCertificates(query.query);  // warm-up, and the rows checked
    if (!first.ok()) Die(query.what + ": " + first.status().ToString());
    for (const storage::CertificateRecord& r : first->certificates) {
      if (!Passes(r, query.query))
        Die(query.what + ": certificate " + r.serial + " does not pass the filters");
    }
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
      const Steady::time_point start = Steady::now();
      auto page = (*store)->ListCertificates(query.query);
      times.push_back(Ms(Steady::now() - start));
      if (!page.ok()) Die(query.what + ": " + page.status().ToString());
    }
    std::printf("%-58s %9.2f %9.2f %9.2f %5zu\n", query.what.c_str(), Median(times),
                *std::min_element(times.begin(), times.end()), *std::max_element(times.begin(), times.end()),
                first->certificates.size());
  }

  auto timed = [&](const char* what, auto&& call) {
    std::vector<double> times;
    for (int i = 0; i < o.runs; ++i) {
      const Steady::time_point start = Steady::now();
      call();
      times.push_back(Ms(Steady::now() - start));
    }
    std::printf("%-58s %9.2f %9.2f %9.2f\n", what, Median(times),
                *std::min_element(times.begin(), times.end()), *std::max_element(times.begin(), times.end()));
  };
  storage::CertificateCounts counts;
  timed("CountCertificates (by status)", [&] {
    auto c = (*store)->CountCertificates(FromUnixSeconds(now), std::chrono::hours(24 * 30));
    if (!c.ok()) Die("count: " + c.status().ToString());
    counts = *c;
  });
  int64_t week = 0, month = 0;
  timed("CountExpiringCertificates 7 d", [&] {
    auto c = (*store)->CountExpiringCertificates(FromUnixSeconds(now), std::chrono::hours(24 * 7));
    if (!c.ok()) Die("count: " + c.status().ToString());
    week = *c;
  });
  timed("CountExpiringCertificates 30 d", [&] {
    auto c = (*store)->CountExpiringCertificates(FromUnixSeconds(now), std::chrono::hours(24 * 30));
    if (!c.ok()) Die("count: " + c.status().ToString());
    month = *c;
  });
  // The console's overview (admin API GET /overview): the expiry timeline, the activity per day, the last
  // issuance.
  int64_t on_timeline = 0, issued = 0, revoked = 0;
  timed("CountExpiryByDay 90 d (timeline by profile)", [&] {
    auto days = (*store)->CountExpiryByDay(FromUnixSeconds(now), std::chrono::hours(24 * 90));
    if (!days.ok()) Die("timeline: " + days.status().ToString());
    on_timeline = 0;
    for (const storage::ExpiryDay& d : *days) on_timeline += d.count;
  });
  timed("CountActivityByDay 30 d", [&] {
    auto days = (*store)->CountActivityByDay(FromUnixSeconds(now - 29 * kDay), FromUnixSeconds(now + 1));
    if (!days.ok()) Die("activity: " + days.status().ToString());
  });
  timed("CountActivityByDay 120 d (every certificate)", [&] {
    auto days = (*store)->CountActivityByDay(FromUnixSeconds(now - 120 * kDay), FromUnixSeconds(now + 1));
    if (!days.ok()) Die("activity: " + days.status().ToString());
    issued = revoked = 0;
    for (const storage::ActivityDay& d : *days) {
      issued += d.issued;
      revoked += d.revoked;
    }
  });
  timed("LastIssuedAt", [&] {
    auto last = (*store)->LastIssuedAt();
    if (!last.ok() || !*last) Die("last issuance");
  });
  std::printf(
      "\ncounts: valid %lld, expiring %lld, expired %lld, revoked %lld; expiring within 7 d %lld, 30 d "
      "%lld\n",
      static_cast<long long>(counts.valid), static_cast<long long>(counts.expiring),
      static_cast<long long>(counts.expired), static_cast<long long>(counts.revoked),
      static_cast<long long>(week), static_cast<long long>(month));
  if (counts.valid + counts.expiring + counts.expired + counts.revoked != o.certificates ||
      month != counts.expiring || week > month) {
    Die("the counts do not add up");
  }
  // Every lifetime is at most 90 days: the timeline holds every unexpired, unrevoked certificate; every
  // certificate was issued in the last 120 days, and revoked (if it was) in them too.
  std::printf("overview: %lld on the 90-day timeline, %lld issued and %lld revoked in 120 days\n",
              static_cast<long long>(on_timeline), static_cast<long long>(issued), static_cast<long long>(revoked));
  if (on_timeline != counts.valid + counts.expiring || issued != o.certificates || revoked != counts.revoked) {
    Die("the overview's counts do not add up");
  }
  store->reset();
  if (temporary) std::filesystem::remove_all(o.dir);
  return 0;
}
