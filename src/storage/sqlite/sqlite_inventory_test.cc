// The SQLite inventory's own promises (the behaviour every backend shares is in the conformance suite,
// storage/testing/inventory_conformance.cc): each listing is driven by an index, never a scan of the
// certificates table; the migration fills names and replaced_by for a database that already has certificates.
#include "storage/sqlite/sqlite_inventory.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acme/certificate_id.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/sqlite_test_support.h"

namespace anvil::storage {
namespace {

const TimePoint kT0 = FromUnixSeconds(1'800'000'000);

class SqliteInventoryTest : public sqlite::SqliteFileTest {
 protected:

  Result<std::unique_ptr<Store>> Open(int name_index_limit = 5000) {
    SqliteOptions options;
    options.path = path_;
    options.clock = &clock_;
    options.name_index_limit = name_index_limit;
    return OpenSqliteStore(options);
  }

  // EXPLAIN QUERY PLAN of the listing `query` compiles to, one detail line per step.
  std::vector<std::string> Plan(sqlite::Connection& c, const CertificateQuery& query,
                                sqlite::NameDriver driver) {
    std::vector<std::string> lines;
    Result<internal::CheckedQuery> checked = internal::CheckCertificateQuery(query);
    EXPECT_TRUE(checked.ok()) << checked.status().ToString();
    if (!checked.ok()) return lines;
    const sqlite::InventorySql sql = sqlite::CertificateListSql(*checked, driver);
    auto plan = c.Prepare("EXPLAIN QUERY PLAN " + sql.sql);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString() << "\n" << sql.sql;
    if (!plan.ok()) return lines;
    sqlite::BindAll(*plan, sql);
    while (true) {
      Result<bool> row = plan->Step();
      EXPECT_TRUE(row.ok()) << row.status().ToString();
      if (!row.ok() || !*row) break;
      lines.push_back(plan->ColumnText(3));
    }
    return lines;
  }

  FakeClock clock_{kT0};
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

// Each way a listing is driven reads one index range in the listing's order (no scan of the certificates
// table and, but for the name filters, no sort); the name filters read the name indexes and then each
// certificate by its primary key.
TEST_F(SqliteInventoryTest, EveryListingIsDrivenByAnIndexNotAScan) {
  ASSERT_TRUE(Open().ok());
  std::unique_ptr<sqlite::Connection> raw = Raw();
  ASSERT_NE(raw, nullptr);
  struct Case {
    const char* what;
    CertificateQuery query;
    const char* index;  // the plan line that must be there
    bool sorted;        // whether a sort is expected (the name filters)
    sqlite::NameDriver driver = sqlite::NameDriver::kNone;
  };
  auto q = [] {
    CertificateQuery query;
    query.now = kT0;
    query.cursor = "1800000000.ab";  // a deep page: the range starts at the cursor
    return query;
  };
  std::vector<Case> cases;
  cases.push_back({"all", q(), "SEARCH c USING INDEX certificates_inventory (not_after>?)", false});
  CertificateQuery expiring = q();
  expiring.status = InventoryStatus::kExpiring;
  cases.push_back({"expiring", expiring,
                   "SEARCH c USING INDEX certificates_inventory (not_after>? AND not_after<?)", false});
  CertificateQuery expired = q();
  expired.status = InventoryStatus::kExpired;
  expired.cursor.clear();
  cases.push_back({"expired", expired, "SEARCH c USING INDEX certificates_inventory (not_after<?)", false});
  CertificateQuery revoked = q();
  revoked.status = InventoryStatus::kRevoked;
  cases.push_back({"revoked", revoked, "SEARCH c USING INDEX certificates_inventory_revoked", false});
  CertificateQuery account = q();
  account.account_id = "a1";
  account.status = InventoryStatus::kValid;
  cases.push_back(
      {"account", account, "SEARCH c USING INDEX certificates_inventory_by_account (account_id=?", false});
  CertificateQuery profile = q();
  profile.profile = "classic";
  cases.push_back(
      {"profile", profile, "SEARCH c USING INDEX certificates_inventory_by_profile (profile=?", false});
  CertificateQuery suffix = q();
  suffix.name_suffix = ".example.com";
  cases.push_back({"suffix", suffix,
                   "SEARCH certificate_names USING PRIMARY KEY (reversed_name>? AND reversed_name<?)", true,
                   sqlite::NameDriver::kSuffix});
  CertificateQuery contains = q();
  contains.name_contains = "example";
  cases.push_back({"contains", contains, "SCAN certificate_names_fts VIRTUAL TABLE INDEX 0:L0", true,
                   sqlite::NameDriver::kContains});
  CertificateQuery both = contains;
  both.name_suffix = ".com";
  both.account_id = "a1";
  cases.push_back({"suffix and substring", both, "SEARCH certificate_names USING PRIMARY KEY", true,
                   sqlite::NameDriver::kSuffix});
  // A broad name filter walks the listing's order and checks each certificate's names.
  cases.push_back({"broad suffix and substring", both,
                   "SEARCH c USING INDEX certificates_inventory_by_account (account_id=? AND not_after>?)",
                   false});
  CertificateQuery broad = q();
  broad.name_suffix = ".com";
  cases.push_back(
      {"broad suffix", broad, "SEARCH c USING INDEX certificates_inventory (not_after>?)", false});
  // The issuer is checked on the index entries (migration 14); latest first reads the same ranges backwards.
  CertificateQuery issuer = q();
  issuer.authority_key_id = std::string("\x01\x02", 2);
  cases.push_back({"issuer", issuer, "SEARCH c USING INDEX certificates_inventory (not_after>?)", false});
  CertificateQuery latest = q();
  latest.latest_first = true;
  cases.push_back({"latest first", latest, "SEARCH c USING INDEX certificates_inventory (not_after<?)", false});
  CertificateQuery latest_expiring = latest;
  latest_expiring.status = InventoryStatus::kExpiring;
  cases.push_back({"latest first, expiring", latest_expiring,
                   "SEARCH c USING INDEX certificates_inventory (not_after>? AND not_after<?)", false});

  for (const Case& c : cases) {
    const std::vector<std::string> plan = Plan(*raw, c.query, c.driver);
    const std::string text = Joined(plan);
    EXPECT_NE(text.find(c.index), std::string::npos) << c.what << ":\n" << text;
    for (const std::string& line : plan) {
      EXPECT_NE(line, "SCAN c") << c.what << ":\n" << text;
      EXPECT_NE(line.rfind("SCAN certificates", 0), 0u) << c.what << ":\n" << text;
      EXPECT_NE(line.rfind("SCAN certificate_names ", 0), 0u) << c.what << ":\n" << text;
    }
    if (c.sorted) {
      EXPECT_NE(text.find("SEARCH c USING INDEX sqlite_autoindex_certificates_1 (serial=?)"),
                std::string::npos)
          << c.what << ":\n"
          << text;
    } else {
      EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << c.what << ":\n" << text;
    }
  }
}

// The two plans of a name filter (sqlite_inventory.h, NameDriver) list the same certificates: one store
// starts from the name indexes, the other, on the same file, walks the listing's order and checks each one's
// names.
TEST_F(SqliteInventoryTest, NameFiltersListTheSameFromTheNameIndexesAsInOrder) {
  Result<std::unique_ptr<Store>> indexed = Open();
  ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
  Result<std::unique_ptr<Store>> in_order = Open(0);
  ASSERT_TRUE(in_order.ok()) << in_order.status().ToString();
  Store& store = **indexed;
  ASSERT_TRUE(store
                  .CreateAccount(Account{"a1", "{}", "t1", {}, acme::AccountStatus::kValid, true, "", kT0},
                                 AuditEvent{0, kT0, "account.created", "a1", "a1", "{}"})
                  .ok());
  const std::vector<std::vector<std::string>> names = {{"www.example.com", "example.com"},
                                                       {"api.example.org"},
                                                       {"badexample.com"},
                                                       {"192.0.2.1"},
                                                       {"Mail.Example.NET"}};
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string serial = std::to_string(i + 1), order = "o" + serial;
    Order o;
    o.id = order;
    o.account_id = "a1";
    o.expires = o.created_at = kT0;
    ASSERT_TRUE(store.CreateOrder(o, {}).ok());
    CertificateRecord cert;
    cert.serial = serial;
    cert.order_id = order;
    cert.account_id = "a1";
    cert.names = names[i];
    cert.authority_key_id = "aki";
    cert.not_before = kT0;
    cert.not_after = kT0 + std::chrono::hours(24 * (10 + static_cast<int>(i)));
    ASSERT_TRUE(store.BeginIssuance(cert, acme::OrderStatus::kPending).ok());
    ASSERT_TRUE(
        store.FinishIssuance(serial, "der", AuditEvent{0, kT0, "certificate.issued", "a1", serial, "{}"})
            .ok());
  }
  struct Filter {
    std::string suffix, contains;
    std::vector<std::string> want;
  };
  for (const Filter& f : std::vector<Filter>{{"example.com", "", {"1", "3"}},
                                             {".example.com", "", {"1"}},
                                             {"", "ample", {"1", "2", "3", "5"}},
                                             {"", "mail.exa", {"5"}},
                                             {".net", "ail", {"5"}},
                                             {"com", "bad", {"3"}},
                                             {"", "0.2.", {"4"}},
                                             {"", "%_%", {}}}) {
    CertificateQuery query;
    query.now = kT0;
    query.name_suffix = f.suffix;
    query.name_contains = f.contains;
    for (Store* s : {indexed->get(), in_order->get()}) {
      Result<CertificatePage> page = s->ListCertificates(query);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      std::vector<std::string> got;
      for (const CertificateRecord& r : page->certificates) got.push_back(r.serial);
      EXPECT_EQ(got, f.want) << "suffix " << f.suffix << ", contains " << f.contains
                             << (s == indexed->get() ? ", from the name indexes" : ", in order");
    }
  }
}

// A database of version 6 with certificates: the inventory migration indexes their names and records the
// replacement that a valid order's `replaces` names.
TEST_F(SqliteInventoryTest, TheMigrationFillsNamesAndReplacedByForExistingCertificates) {
  const std::string aki("\x01\x02", 2);
  {
    std::unique_ptr<sqlite::Connection> raw = Raw();
    ASSERT_NE(raw, nullptr);
    sqlite::CreateDatabaseAtVersion(*raw, 6);
    ASSERT_TRUE(raw->Exec("INSERT INTO accounts VALUES ('a1', '{}', 't1', '[]', 'valid', 1, NULL, 0)").ok());
    const std::string replaces = acme::CertificateId(aki, "1a");
    ASSERT_TRUE(
        raw->Exec("INSERT INTO orders (id, account_id, status, identifiers_json, authorization_ids_json, "
                  "expires, created_at, profile, replaces, error_json, certificate_serial) VALUES "
                  "('o2', 'a1', 'valid', '[]', '[]', 0, 0, 'p', '" +
                  replaces + "', '', '1b')")
            .ok());
    for (const char* row : {"('1a', 'o1', '[\"WWW.Example.com\",\"example.com\"]', 1900000000)",
                            "('1b', 'o2', '[\"www.example.com\"]', 1910000000)"}) {
      ASSERT_TRUE(
          raw->Exec(std::string("INSERT INTO certificates (serial, order_id, names_json, not_after, "
                                "account_id, state, tbs_der, der, issuer_chain_pem, profile, "
                                "authority_key_id, not_before, created_at, revocation_reason) "
                                "SELECT s, o, n, t, 'a1', 'issued', x'', x'30', '', 'p', x'0102', 0, 0, 0 "
                                "FROM (SELECT column1 AS s, column2 AS o, column3 AS n, column4 AS t "
                                "FROM (VALUES ") +
                    row + "))")
              .ok());
    }
  }
  Result<std::unique_ptr<Store>> store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<CertificateRecord> replaced = (*store)->GetCertificate("1a");
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->replaced_by, "1b");
  CertificateQuery query;
  query.now = kT0;
  query.name_suffix = "www.example.com";
  Result<CertificatePage> page = (*store)->ListCertificates(query);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->certificates.size(), 2u);
  EXPECT_EQ(page->certificates[0].serial, "1a");
  EXPECT_EQ(page->certificates[1].serial, "1b");
  query.name_suffix.clear();
  query.name_contains = "ple.c";
  page = (*store)->ListCertificates(query);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->certificates.size(), 2u);
  query.name_contains.clear();
  query.status = InventoryStatus::kExpiring;
  query.expiring_within = std::chrono::hours(24 * 10000);
  page = (*store)->ListCertificates(query);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->certificates.size(), 1u);  // 1a was replaced
  EXPECT_EQ(page->certificates[0].serial, "1b");
}

}  // namespace
}  // namespace anvil::storage
