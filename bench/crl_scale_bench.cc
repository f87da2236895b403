// crl_scale_bench: one issuer's CRL made end to end from SQLite, the way anvil-ca makes it (issue 14: "CRL
// generation for 1,000,000 certificates of which 100,000 revoked: measure time and memory").
//
// 1. Fill (a child process, so that its memory never counts below): the CA material is made in a temporary
//    data directory, OpenSqliteStore creates the database with the real schema (every migration), and
//    --certificates issued certificate rows of that intermediate are inserted, --revoked of them revoked,
//    with direct SQL into the store's own `certificates` table, in transactions of 100,000 rows. The store's
//    write API has no batch: each certificate costs its own transactions (account, order, challenge,
//    BeginIssuance, FinishIssuance: 870-960 issuances/s with one writer at synchronous=NORMAL,
//    `storage_bench --benchmark_filter=Normal`), about 20 minutes for 1,000,000, too slow to repeat. Only
//    the certificates table is filled; it has no foreign keys (docs/storage.md), and the CRL path reads
//    nothing else. Rows are as an issuance leaves them: a 16-octet random serial as ca::CertificateAuthority
//    makes it (lowercase hex), state "issued", the intermediate's subjectKeyIdentifier, 90-day validity
//    starting in the last 90 days (--expired-percent of them 90–180 days ago, so they have expired), the
//    intermediate's PEM as the chain, TBS and DER blobs of a P-256 leaf's size; revoked ones have a
//    revocation date between notBefore and now and a reason from {0, 1, 3, 4, 5, 9} in turn. A few rows are
//    read back through the store (GetCertificate) to check that the store reads what was written.
// 2. Measure (this process, fresh): the store is opened again as anvil-ca opens it (synchronous=FULL), the
//    query plan of the revoked-certificates page is printed and checked (the partial index, no full scan, no
//    sort), and publish::CrlUpdater::UpdateNow() — pages of ListRevokedCertificates, the CA's signature, the
//    durable cRLNumber, the atomic file write — is timed --updates times. Each reports wall time, entries,
//    CRL size, and the process's peak RSS over the call minus its RSS before (the allocator's free pages
//    returned to the kernel and VmHWM reset through /proc/self/clear_refs before each call). The first CRL
//    of a series lists every revoked certificate; later ones leave out those that expired before the
//    previous CRL (docs/revocation.md). Then the parts of an update, each alone: the page query through the
//    store, SignCrl over its entries, a cRLNumber commit and the file write. With --cold the database file is
//    dropped from the kernel's page cache before each of these (as after a reboot); otherwise it is read from
//    memory, as on a running CA.
// 3. Check: the CRL parses, is signed by the intermediate, lists exactly the expected serials in order, and
//    the file written is the CRL published. Any failure exits 1 (the ctest smoke relies on it); timings are
//    never judged.
//
// Usage: crl_scale_bench [--certificates N] [--revoked M] [--updates U] [--cold] [--json] (--help for all;
// --migration5-index measures with the index as it was before migration 6, for comparison).
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/time.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "crypto/crl.h"
#include "crypto/digest.h"
#include "publish/crl_updater.h"
#include "storage/sqlite/db.h"
#include "storage/sqlite/sqlite_rows.h"
#include "storage/sqlite/sqlite_store.h"

namespace anvil {
namespace {

using Steady = std::chrono::steady_clock;

struct Options {
  int64_t certificates = 1000000;
  int64_t revoked = 100000;
  int expired_percent = 5;
  int updates = 3;
  int page_size = 10000;
  uint64_t seed = 1;
  std::string dir;  // "" = a new temporary directory, removed at the end
  bool keep = false;
  bool json = false;
  bool cold = false;
  bool migration5_index = false;
};

constexpr int kReasons[] = {0, 1, 3, 4, 5, 9};  // the reasons RFC 8555 clients send; 0 has no reasonCode
constexpr int64_t kRowsPerTransaction = 100000;
constexpr int64_t kDay = 86400;

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string g_remove_on_failure;  // the temporary directory, removed by Die

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "crl_scale_bench: " << what << "\n";
  if (!g_remove_on_failure.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_remove_on_failure, ec);
  }
  std::exit(1);
}

void Check(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.ToString());
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); -1 if absent.
int64_t ProcStatusKiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux ≥ 4.0, proc(5) clear_refs "5"); false when refused.
bool ResetPeakRss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

// Gives the allocator's free pages back to the kernel, so that the RSS before an update is what the process
// holds, and the update's peak is measured from there (jemalloc, which anvil-ca uses, keeps freed pages for
// seconds). Returns the allocator's name.
const char* ReturnFreeMemory() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  if (auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
    return "jemalloc";
  }
  malloc_trim(0);
  return "glibc";
}

// fdatasync of one file; false when it cannot be opened or synced.
bool SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fdatasync(fd) == 0;
  ::close(fd);
  return ok;
}

// Drops the file's pages from the kernel's page cache, so that the next reads go to the disk, as after a
// reboot (the fill has written them back: dirty pages cannot be dropped). Only this file: nothing else on the
// machine is affected. False when the file cannot be opened.
bool EvictFromPageCache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

// The serial's octets from the store's hex text, as the updater converts them.
std::string SerialBytes(const std::string& hex) {
  const std::string even = hex.size() % 2 == 0 ? hex : "0" + hex;
  std::string bytes;
  for (size_t i = 0; i < even.size(); i += 2)
    bytes += static_cast<char>(std::stoi(even.substr(i, 2), nullptr, 16));
  return bytes;
}

// A revoked row as the fill wrote it, for the checks of each CRL.
struct Revoked {
  std::string serial_hex;
  int64_t not_after;
};

std::string Paths(const std::string& dir, const char* leaf) { return dir + "/" + leaf; }

// Step 1, in a child process. Writes the revoked rows (serial hex and notAfter, one per line) to
// dir/revoked.txt for the parent's checks, and prints the fill's figures.
int Fill(const Options& o) {
  SystemClock clock;
  auto material = ca::LoadOrCreateCa(o.dir, ca::CaOptions{}, clock);
  if (!material.ok()) Die("CA material: " + material.status().ToString());
  const std::string aki = material->intermediate.subject_key_id();
  const std::string chain_pem = material->intermediate.ToPem();
  const std::string db_path = Paths(o.dir, "anvil.db");
  {
    // Creates the file and its schema, exactly as anvil-ca does.
    auto store = storage::OpenSqliteStore({db_path, storage::Durability::kFull});
    if (!store.ok()) Die("open store: " + store.status().ToString());
  }

  std::mt19937_64 rng(o.seed);
  // Exactly --revoked of the rows, chosen at random: the first M of a shuffled index.
  std::vector<uint32_t> order(static_cast<size_t>(o.certificates));
  std::iota(order.begin(), order.end(), 0u);
  for (int64_t i = 0; i < o.revoked; ++i) {
    std::uniform_int_distribution<int64_t> pick(i, o.certificates - 1);
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(pick(rng))]);
  }
  std::vector<bool> is_revoked(static_cast<size_t>(o.certificates), false);
  for (int64_t i = 0; i < o.revoked; ++i) is_revoked[order[static_cast<size_t>(i)]] = true;
  std::vector<uint32_t>().swap(order);

  // A P-256 leaf with one name, CRL, OCSP and caIssuers URLs is about 700 octets, its TBS about 620; their
  // contents are never read on the CRL path, their size shapes the table's pages.
  std::string blob(700, '\0');
  for (char& c : blob) c = static_cast<char>(rng());
  const std::string der = blob, tbs = blob.substr(0, 620);

  auto connection =
      storage::sqlite::Connection::Open(db_path, storage::sqlite::Connection::Mode::kReadWrite, 5000);
  if (!connection.ok()) Die("open for the fill: " + connection.status().ToString());
  storage::sqlite::Connection& c = **connection;
  // A fill, not a CA: nothing to lose on a crash, so no fsync; a larger page cache for the random serials.
  Check(c.Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -131072"), "pragmas");

  const int64_t now = ToUnixSeconds(clock.Now());
  std::uniform_int_distribution<int64_t> recent(0, 90 * kDay - 1), older(91 * kDay, 180 * kDay);
  std::uniform_int_distribution<int> percent(0, 99);
  std::ofstream revoked_out(Paths(o.dir, "revoked.txt"));
  std::vector<std::string> samples;  // a few serials to read back through the store
  int64_t expired = 0, expired_revoked = 0, reason_turn = 0;
  const Steady::time_point start = Steady::now();
  for (int64_t first = 0; first < o.certificates; first += kRowsPerTransaction) {
    auto txn = storage::sqlite::Transaction::Begin(c, storage::sqlite::Transaction::Kind::kWrite);
    if (!txn.ok()) Die("begin: " + txn.status().ToString());
    for (int64_t i = first; i < std::min(o.certificates, first + kRowsPerTransaction); ++i) {
      std::string serial(16, '\0');
      for (char& b : serial) b = static_cast<char>(rng());
      serial[0] = static_cast<char>(serial[0] & 0x7f);  // as ca::CertificateAuthority's NewSerial
      if (serial[0] == 0) serial[0] = 1;
      const std::string hex = crypto::SerialHex(serial);
      const bool is_expired = percent(rng) < o.expired_percent;
      const int64_t not_before = now - (is_expired ? older(rng) : recent(rng));
      const int64_t not_after = not_before + 90 * kDay;
      expired += is_expired ? 1 : 0;
      auto insert = c.Prepare(
          "INSERT INTO certificates (serial, order_id, account_id, state, tbs_der, der, issuer_chain_pem, "
          "names_json, profile, authority_key_id, not_before, not_after, created_at, revoked_at, "
          "revocation_reason) VALUES (?, ?, ?, 'issued', ?, ?, ?, ?, 'tls-server', ?, ?, ?, ?, ?, ?)");
      if (!insert.ok()) Die("prepare: " + insert.status().ToString());
      const std::string n = std::to_string(i);
      insert->BindText(1, hex)
          .BindText(2, "o" + n)
          .BindText(3, "a" + std::to_string(i % 1000))
          .BindBlob(4, tbs)
          .BindBlob(5, der)
          .BindText(6, chain_pem)
          .BindText(7, "[\"host-" + n + ".example.test\"]")
          .BindBlob(8, aki)
          .BindInt(9, not_before)
          .BindInt(10, not_after)
          .BindInt(11, not_before);
      if (is_revoked[static_cast<size_t>(i)]) {
        std::uniform_int_distribution<int64_t> when(not_before, std::min(now, not_after));
        insert->BindInt(12, when(rng)).BindInt(13, kReasons[reason_turn++ % std::size(kReasons)]);
        revoked_out << hex << ' ' << not_after << '\n';
        expired_revoked += is_expired ? 1 : 0;
      } else {
        insert->BindNull(12).BindInt(13, 0);
      }
      Check(insert->Run(), "insert row " + n);
      if (i % (o.certificates / 4 + 1) == 0 || (is_revoked[static_cast<size_t>(i)] && samples.size() < 8)) {
        samples.push_back(hex);
      }
    }
    Check(txn->Commit(), "commit");
  }
  const double fill_ms = Ms(Steady::now() - start);
  revoked_out.close();
  if (!revoked_out) Die("cannot write " + Paths(o.dir, "revoked.txt"));
  if (o.migration5_index) {
    // To compare with the index before migration 6, which did not cover the listing's columns.
    Check(c.Exec("DROP INDEX certificates_revoked_by_authority; "
                 "CREATE INDEX certificates_revoked_by_authority ON certificates(authority_key_id, serial) "
                 "WHERE revoked_at IS NOT NULL"),
          "migration 5's index");
  }
  connection->reset();

  // The store reads back what the fill wrote.
  auto store = storage::OpenSqliteStore({db_path, storage::Durability::kFull});
  if (!store.ok()) Die("reopen store: " + store.status().ToString());
  for (const std::string& serial : samples) {
    auto record = (*store)->GetCertificate(serial);
    if (!record.ok()) Die("read back " + serial + ": " + record.status().ToString());
    if (record->state != storage::CertificateState::kIssued || record->authority_key_id != aki ||
        record->issuer_chain_pem != chain_pem || record->der != der || record->names.size() != 1) {
      Die("read back " + serial + ": not the row written");
    }
  }
  store->reset();
  // The fill wrote without fsync: its gigabytes are still dirty in the page cache, and the update's first
  // fsync would wait for the file system to write them back. Written back here, and timed apart.
  const Steady::time_point sync_start = Steady::now();
  if (!SyncFile(db_path)) Die("fdatasync " + db_path);
  const double sync_ms = Ms(Steady::now() - sync_start);
  std::error_code ec;
  const auto db_bytes = std::filesystem::file_size(db_path, ec);
  std::printf(
      "fill: %lld certificates (%lld expired), %lld revoked (%lld of them expired) in %.0f ms "
      "(%.0f rows/s), written back in %.0f ms; database %.0f MiB\n",
      static_cast<long long>(o.certificates), static_cast<long long>(expired),
      static_cast<long long>(o.revoked), static_cast<long long>(expired_revoked), fill_ms,
      static_cast<double>(o.certificates) / (fill_ms / 1000.0), sync_ms,
      static_cast<double>(db_bytes) / (1024.0 * 1024.0));
  std::ofstream figures(Paths(o.dir, "fill.txt"));
  figures << fill_ms << ' ' << sync_ms << ' ' << expired << ' ' << expired_revoked << ' ' << db_bytes << '\n';
  return figures ? 0 : 1;
}

// EXPLAIN QUERY PLAN of the page query, one line per step.
std::vector<std::string> QueryPlan(const std::string& db_path) {
  auto connection =
      storage::sqlite::Connection::Open(db_path, storage::sqlite::Connection::Mode::kReadOnly, 5000);
  if (!connection.ok()) Die("open for the query plan: " + connection.status().ToString());
  auto plan =
      (*connection)
          ->Prepare(std::string("EXPLAIN QUERY PLAN ") + storage::sqlite::kRevokedCertificatesPageSql);
  if (!plan.ok()) Die("EXPLAIN QUERY PLAN: " + plan.status().ToString());
  plan->BindBlob(1, "x").BindText(2, "").BindText(3, "issued").BindInt(4, 0).BindInt(5, 10000);
  std::vector<std::string> lines;
  while (true) {
    auto row = plan->Step();
    if (!row.ok()) Die("EXPLAIN QUERY PLAN: " + row.status().ToString());
    if (!*row) break;
    lines.push_back(plan->ColumnText(3));
  }
  return lines;
}

struct Update {
  double ms;
  size_t entries;
  size_t crl_bytes;
  int64_t rss_before_kib;
  int64_t peak_delta_kib;  // VmHWM over the call minus VmRSS before it
  int64_t peak_kib;        // VmHWM after the call (since the reset before it)
};

int Measure(const Options& o) {
  const std::string db_path = Paths(o.dir, "anvil.db");
  std::vector<Revoked> revoked;
  {
    std::ifstream in(Paths(o.dir, "revoked.txt"));
    Revoked r;
    while (in >> r.serial_hex >> r.not_after) revoked.push_back(r);
  }
  double fill_ms = 0, sync_ms = 0;
  int64_t expired = 0, expired_revoked = 0, db_bytes = 0;
  std::ifstream(Paths(o.dir, "fill.txt")) >> fill_ms >> sync_ms >> expired >> expired_revoked >> db_bytes;
  if (static_cast<int64_t>(revoked.size()) != o.revoked) Die("the fill's list of revoked rows is incomplete");
  // The CRL's order: serials compared as unsigned integers. All are 16 octets with a non-zero first octet, so
  // the hex texts have 31 or 32 digits; shorter sorts first.
  std::sort(revoked.begin(), revoked.end(), [](const Revoked& a, const Revoked& b) {
    return a.serial_hex.size() != b.serial_hex.size() ? a.serial_hex.size() < b.serial_hex.size()
                                                      : a.serial_hex < b.serial_hex;
  });

  // "SEARCH certificates USING [COVERING] INDEX certificates_revoked_by_authority (authority_key_id=? AND
  // serial>?)" is a range of one issuer's revoked rows; "SCAN certificates" would read every row, and "USE
  // TEMP B-TREE FOR ORDER BY" would sort all revoked rows before the first page. COVERING: the table is not
  // read.
  const std::vector<std::string> plan = QueryPlan(db_path);
  bool indexed = !plan.empty();
  for (const std::string& line : plan) {
    std::printf("query plan: %s\n", line.c_str());
    if (line.find("SCAN") != std::string::npos || line.find("TEMP B-TREE") != std::string::npos ||
        line.find("INDEX certificates_revoked_by_authority") == std::string::npos) {
      indexed = false;
    }
  }
  if (!indexed) Die("the revoked-certificates page query does not use certificates_revoked_by_authority");

  SystemClock clock;
  auto material = ca::LoadOrCreateCa(o.dir, ca::CaOptions{}, clock);
  if (!material.ok()) Die("CA material: " + material.status().ToString());
  const crypto::Certificate intermediate = material->intermediate;
  ca::CertificateAuthority authority(*material, clock, "");
  auto store = storage::OpenSqliteStore({db_path, storage::Durability::kFull});
  if (!store.ok()) Die("open store: " + store.status().ToString());

  publish::CrlUpdaterOptions options;
  const std::string issuer_id = publish::CrlUpdater::IssuerId(intermediate);
  options.distribution_point_url = "http://127.0.0.1:14080/crl/" + issuer_id + ".crl";
  Check(MakeDirectories(Paths(o.dir, "crl"), 0755), "CRL directory");
  options.output_path = Paths(o.dir, "crl") + "/" + issuer_id + ".crl";
  options.page_size = o.page_size;
  publish::CrlUpdater updater(options, **store, authority, clock);

  const bool can_reset = ResetPeakRss();
  const char* allocator = "";
  std::vector<Update> updates;
  TimePoint previous_this_update = FromUnixSeconds(0);
  for (int u = 0; u < o.updates; ++u) {
    if (o.cold && !EvictFromPageCache(db_path)) Die("cannot evict " + db_path + " from the page cache");
    allocator = ReturnFreeMemory();
    if (can_reset) ResetPeakRss();
    const int64_t rss_before = ProcStatusKiB("VmRSS"), hwm_before = ProcStatusKiB("VmHWM");
    const Steady::time_point start = Steady::now();
    Check(updater.UpdateNow(), "UpdateNow");
    const double ms = Ms(Steady::now() - start);
    const int64_t hwm_after = ProcStatusKiB("VmHWM");
    const std::shared_ptr<const std::string> der = updater.Current();
    // Without the reset, only growth of the process's all-time peak is visible.
    const int64_t delta = std::max<int64_t>(0, can_reset ? hwm_after - rss_before : hwm_after - hwm_before);

    // Checks, outside the measured interval.
    auto crl = crypto::Crl::FromDer(*der);
    if (!crl.ok()) Die("the CRL does not parse: " + crl.status().ToString());
    if (!crl->IsSignedBy(intermediate.public_key())) Die("the CRL is not signed by the intermediate");
    const std::vector<crypto::CrlEntry> entries = crl->entries();
    std::vector<std::string> expected;
    for (const Revoked& r : revoked) {
      if (r.not_after > ToUnixSeconds(previous_this_update)) expected.push_back(r.serial_hex);
    }
    if (entries.size() != expected.size()) {
      Die("CRL " + std::to_string(u + 1) + " lists " + std::to_string(entries.size()) +
          " entries, expected " + std::to_string(expected.size()));
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      if (crypto::SerialHex(entries[i].serial) != expected[i])
        Die("CRL entry " + std::to_string(i) + " is not in order");
    }
    auto file = ReadFile(options.output_path);
    if (!file.ok() || *file != *der) Die("the CRL file is not the CRL published");
    previous_this_update = crl->this_update();
    updates.push_back({ms, entries.size(), der->size(), rss_before, delta, hwm_after});
    std::printf(
        "update %d%s: %.0f ms, %zu entries, CRL %zu bytes (%.2f MiB), RSS before %.1f MiB, peak RSS "
        "delta %.1f MiB%s, peak RSS %.1f MiB\n",
        u + 1, o.cold ? " (cold)" : "", ms, entries.size(), der->size(),
        static_cast<double>(der->size()) / (1024.0 * 1024.0), static_cast<double>(rss_before) / 1024.0,
        static_cast<double>(delta) / 1024.0,
        can_reset ? "" : " (VmHWM not resettable: growth of the process peak)",
        static_cast<double>(hwm_after) / 1024.0);
  }

  // The parts of an update, each alone, to see where its time goes: the page query through the store, as the
  // first CRL reads it (every revoked row), then the CA's signature over those entries.
  if (o.cold && !EvictFromPageCache(db_path)) Die("cannot evict " + db_path + " from the page cache");
  Steady::time_point start = Steady::now();
  crypto::CrlTemplate tmpl;
  std::string after;
  while (true) {
    auto page = (*store)->ListRevokedCertificates(intermediate.subject_key_id(), FromUnixSeconds(0), after,
                                                  o.page_size);
    if (!page.ok()) Die("ListRevokedCertificates: " + page.status().ToString());
    for (const storage::RevokedCertificate& r : *page) {
      tmpl.entries.push_back({SerialBytes(r.serial), r.revoked_at, r.reason});
    }
    if (page->size() < static_cast<size_t>(o.page_size)) break;
    after = page->back().serial;
  }
  const double list_ms = Ms(Steady::now() - start);
  if (static_cast<int64_t>(tmpl.entries.size()) != o.revoked) {
    Die("the page query listed " + std::to_string(tmpl.entries.size()));
  }
  tmpl.this_update = previous_this_update + std::chrono::seconds(1);
  tmpl.next_update = tmpl.this_update + options.lifetime;
  tmpl.crl_number = std::string(1, '\x7f');
  tmpl.distribution_point_url = options.distribution_point_url;
  start = Steady::now();
  auto signed_crl = authority.SignCrl(tmpl);
  const double sign_ms = Ms(Steady::now() - start);
  if (!signed_crl.ok()) Die("SignCrl: " + signed_crl.status().ToString());
  std::printf("allocator: %s (free pages returned to the kernel before each update)\n", allocator);
  std::printf(
      "page query alone%s: %zu revoked certificates in %.0f ms (pages of %d); signing them alone: %.0f ms\n",
      o.cold ? " (cold)" : "", tmpl.entries.size(), list_ms, o.page_size, sign_ms);
  // And the two durable writes: a cRLNumber commit (of another series) and the CRL's atomic file write.
  start = Steady::now();
  Check((*store)->AdvanceCrlState({"crl-scale-bench", 1, tmpl.this_update}, 0), "AdvanceCrlState");
  const double commit_ms = Ms(Steady::now() - start);
  start = Steady::now();
  Check(WriteFileAtomic(Paths(o.dir, "crl") + "/scratch.crl", *signed_crl, 0644), "WriteFileAtomic");
  const double write_ms = Ms(Steady::now() - start);
  std::printf("cRLNumber commit alone: %.1f ms; CRL file written alone: %.1f ms\n", commit_ms, write_ms);

  if (o.json) {
    std::ostringstream j;
    j << "{\"certificates\": " << o.certificates << ", \"revoked\": " << o.revoked
      << ", \"expired\": " << expired << ", \"expired_revoked\": " << expired_revoked
      << ", \"fill_ms\": " << fill_ms << ", \"fill_sync_ms\": " << sync_ms
      << ", \"database_bytes\": " << db_bytes << ", \"cold\": " << (o.cold ? "true" : "false")
      << ", \"list_ms\": " << list_ms << ", \"sign_ms\": " << sign_ms << ", \"commit_ms\": " << commit_ms
      << ", \"write_ms\": " << write_ms << ", \"query_plan\": [";
    for (size_t i = 0; i < plan.size(); ++i) j << (i ? ", " : "") << "\"" << plan[i] << "\"";
    j << "], \"updates\": [";
    for (size_t i = 0; i < updates.size(); ++i) {
      const Update& u = updates[i];
      j << (i ? ", " : "") << "{\"ms\": " << u.ms << ", \"entries\": " << u.entries
        << ", \"crl_bytes\": " << u.crl_bytes << ", \"rss_before_kib\": " << u.rss_before_kib
        << ", \"peak_rss_delta_kib\": " << u.peak_delta_kib << ", \"peak_rss_kib\": " << u.peak_kib << "}";
    }
    j << "]}";
    std::printf("%s\n", j.str().c_str());
  }
  return 0;
}

}  // namespace
}  // namespace anvil

int main(int argc, char** argv) {
  anvil::Options o;
  CLI::App app{"One CRL made end to end from SQLite (publish::CrlUpdater::UpdateNow), timed"};
  app.add_option("--certificates", o.certificates, "issued certificates in the store")
      ->check(CLI::Range(1, 4000000));
  app.add_option("--revoked", o.revoked, "how many of them are revoked")->check(CLI::NonNegativeNumber);
  app.add_option("--expired-percent", o.expired_percent, "percentage of certificates already expired")
      ->check(CLI::Range(0, 100));
  app.add_option("--updates", o.updates, "CRLs made one after the other")->check(CLI::Range(1, 100));
  app.add_option("--page-size", o.page_size, "CrlUpdaterOptions::page_size")->check(CLI::Range(1, 1000000));
  app.add_option("--seed", o.seed, "seed of the fill's pseudo-random choices");
  app.add_option("--dir", o.dir, "an empty directory to work in (default: a new one in $TMPDIR, removed)");
  app.add_flag("--keep", o.keep, "keep the directory (with the database and the CRL)");
  app.add_flag("--json", o.json, "also print the figures as one JSON line");
  app.add_flag(
      "--migration5-index", o.migration5_index,
      "replace the index of revoked certificates by migration 5's, which does not cover the listing");
  app.add_flag("--cold", o.cold,
               "evict the database file from the kernel's page cache before each measurement");
  CLI11_PARSE(app, argc, argv);
  if (o.revoked > o.certificates) anvil::Die("--revoked exceeds --certificates");

  const bool temporary = o.dir.empty();
  if (temporary) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "anvil-crl-scale-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) anvil::Die("mkdtemp failed");
    o.dir = tmpl;
    if (!o.keep) anvil::g_remove_on_failure = o.dir;
  } else {
    std::filesystem::create_directories(o.dir);
    if (!std::filesystem::is_empty(o.dir)) anvil::Die(o.dir + " is not empty");
  }
  std::fflush(stdout);
  // The fill in a child, so that its allocations (the page cache, the shuffled index) are not this process's.
  const pid_t child = fork();
  if (child < 0) anvil::Die("fork failed");
  if (child == 0) {
    const int rc = anvil::Fill(o);
    std::fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    anvil::Die("the fill failed");
  }
  const int rc = anvil::Measure(o);
  std::fflush(stdout);
  if (!o.keep) {
    std::error_code ec;
    std::filesystem::remove_all(o.dir, ec);
  } else {
    std::printf("kept %s\n", o.dir.c_str());
  }
  return rc;
}
