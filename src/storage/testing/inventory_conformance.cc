// The conformance suite (store_conformance.h): the inventory (CertificateInventory, issue 15): the
// certificate listing's filters, statuses, order and keyset paging, replaced_by from ARI `replaces`, the
// counts, the account listing and a subject's audit rows.
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "acme/certificate_id.h"
#include "storage/testing/conformance_util.h"

namespace anvil::storage::testing {
namespace {

// Judged at kNow with the default 30-day window: expiring means not_after in (kT0+20d, kT0+50d].
const TimePoint kNow = kT0 + 20 * kDay;

struct Spec {
  std::string serial;
  std::string account;
  std::vector<std::string> names;
  std::chrono::hours not_after_days;  // after kT0, in days
  std::string profile = "classic";
  std::string replaces{};  // a serial this certificate's order replaces (RFC 9773), or empty
  std::chrono::hours created_after{0};  // when it was recorded, after kT0
  std::string authority_key_id{};       // empty: MakeCertificate's
};

void Issue(Store& store, const Spec& spec) {
  if (!store.GetAccount(spec.account).ok()) {
    ASSERT_OK(store.CreateAccount(MakeAccount(spec.account), Note("account.created", spec.account)));
  }
  CertificateRecord cert = MakeCertificate(spec.serial, "o-" + spec.serial, spec.account);
  cert.names = spec.names;
  cert.profile = spec.profile;
  cert.not_after = kT0 + spec.not_after_days;
  cert.created_at = kT0 + spec.created_after;
  if (!spec.authority_key_id.empty()) cert.authority_key_id = spec.authority_key_id;
  Order order = MakeOrder(cert.order_id, spec.account);
  if (!spec.replaces.empty()) order.replaces = acme::CertificateId(cert.authority_key_id, spec.replaces);
  ASSERT_OK(store.CreateOrder(order, {}));
  ASSERT_OK(store.BeginIssuance(cert, OrderStatus::kPending));
  ASSERT_OK(store.FinishIssuance(cert.serial, "der-" + spec.serial, Note("certificate.issued", spec.serial)));
}

// 1a valid; 1b expired; 1c revoked; 1d expiring; 1e expiring but replaced by 1f (so valid); 1f valid;
// 10 pending (never listed).
void Fill(Store& store) {
  Issue(store, {"1a", "a1", {"www.example.com", "example.com"}, 90 * kDay});
  Issue(store, {"1b", "a1", {"api.example.org"}, 10 * kDay, "shortlived"});
  Issue(store, {"1c", "a2", {"badexample.com"}, 60 * kDay});
  ASSERT_OK(store.RevokeCertificate("1c", 1, kT0 + kDay, Note("certificate.revoked", "1c")));
  Issue(store, {"1d", "a2", {"192.0.2.1"}, 40 * kDay});
  Issue(store, {"1e", "a1", {"mail.example.net"}, 45 * kDay});
  Issue(store, {"1f", "a1", {"mail.example.net"}, 110 * kDay, "classic", "1e"});
  CertificateRecord pending = MakeCertificate("30", "o-30", "a1");
  pending.names = {"pending.example.com"};
  ASSERT_OK(store.CreateOrder(MakeOrder("o-30", "a1"), {}));
  ASSERT_OK(store.BeginIssuance(pending, OrderStatus::kPending));
}

CertificateQuery Query() {
  CertificateQuery q;
  q.now = kNow;
  return q;
}

std::vector<std::string> Serials(const Result<CertificatePage>& page) {
  std::vector<std::string> serials;
  EXPECT_TRUE(IsOk(page));
  if (page.ok()) {
    for (const CertificateRecord& r : page->certificates) serials.push_back(r.serial);
  }
  return serials;
}

std::vector<std::string> List(Store& store, CertificateQuery q) { return Serials(store.ListCertificates(q)); }

TEST_P(StoreConformanceTest, ListCertificatesListsIssuedCertificatesSoonestExpiryFirst) {
  Fill(*store_);
  Result<CertificatePage> page = store_->ListCertificates(Query());
  EXPECT_THAT(Serials(page), ElementsAre("1b", "1d", "1e", "1c", "1a", "1f"));
  ASSERT_OK(page);
  EXPECT_EQ(page->next_cursor, "");
  const CertificateRecord& first = page->certificates[0];
  EXPECT_EQ(first.account_id, "a1");
  EXPECT_EQ(first.order_id, "o-1b");
  EXPECT_EQ(first.der, "der-1b");
  EXPECT_EQ(first.profile, "shortlived");
  EXPECT_EQ(first.names, std::vector<std::string>{"api.example.org"});
  EXPECT_EQ(first.not_after, kT0 + 10 * kDay);
  EXPECT_EQ(first.tbs_der, "");  // not read by a listing
  EXPECT_EQ(page->certificates[3].revoked_at, kT0 + kDay);
  EXPECT_EQ(page->certificates[3].revocation_reason, 1);
}

TEST_P(StoreConformanceTest, ListCertificatesPagesWithTheNextCursorUntilItIsEmpty) {
  Fill(*store_);
  CertificateQuery q = Query();
  q.limit = 2;
  std::vector<std::string> all;
  for (int pages = 1;; ++pages) {
    Result<CertificatePage> page = store_->ListCertificates(q);
    ASSERT_OK(page);
    ASSERT_LE(page->certificates.size(), 2u);
    for (const CertificateRecord& r : page->certificates) all.push_back(r.serial);
    if (page->next_cursor.empty()) {
      EXPECT_EQ(pages, 3);
      break;
    }
    q.cursor = page->next_cursor;
  }
  EXPECT_THAT(all, ElementsAre("1b", "1d", "1e", "1c", "1a", "1f"));
}

TEST_P(StoreConformanceTest, ListCertificatesLatestFirstPagesBackwardsWithItsOwnCursor) {
  Fill(*store_);
  Issue(*store_, {"1ab", "a1", {"tie.example.com"}, 90 * kDay});  // ties 1a on not_after: 1ab before 1a
  CertificateQuery q = Query();
  q.latest_first = true;
  q.limit = 2;
  std::vector<std::string> all;
  for (int pages = 1;; ++pages) {
    Result<CertificatePage> page = store_->ListCertificates(q);
    ASSERT_OK(page);
    for (const CertificateRecord& r : page->certificates) all.push_back(r.serial);
    if (page->next_cursor.empty()) break;
    ASSERT_LT(pages, 10);
    q.cursor = page->next_cursor;
  }
  EXPECT_THAT(all, ElementsAre("1f", "1ab", "1a", "1c", "1e", "1d", "1b"));
  // With a status and a cursor: the expiring ones, latest first, one a page.
  CertificateQuery expiring = Query();
  expiring.latest_first = true;
  expiring.status = InventoryStatus::kExpiring;
  expiring.expiring_within = 30 * kDay;
  expiring.limit = 1;
  Result<CertificatePage> first = store_->ListCertificates(expiring);
  EXPECT_THAT(Serials(first), ElementsAre("1d"));
}

TEST_P(StoreConformanceTest, ListCertificatesFiltersByIssuer) {
  const std::string old_generation("\xaa\x01", 2), new_generation("\xbb\x02", 2);
  Issue(*store_, {"3a", "a1", {"a.example.com"}, 40 * kDay, "classic", "", std::chrono::hours(0), old_generation});
  Issue(*store_, {"3b", "a1", {"b.example.com"}, 50 * kDay, "classic", "", std::chrono::hours(0), new_generation});
  Issue(*store_, {"3c", "a2", {"c.example.com"}, 60 * kDay, "classic", "", std::chrono::hours(0), old_generation});
  CertificateQuery q = Query();
  q.authority_key_id = old_generation;
  EXPECT_THAT(List(*store_, q), ElementsAre("3a", "3c"));
  q.account_id = "a2";
  EXPECT_THAT(List(*store_, q), ElementsAre("3c"));
  q.account_id.clear();
  q.authority_key_id = new_generation;
  q.name_suffix = ".example.com";
  EXPECT_THAT(List(*store_, q), ElementsAre("3b"));
  q.authority_key_id = std::string("\xcc", 1);
  EXPECT_THAT(List(*store_, q), ElementsAre());
}

TEST_P(StoreConformanceTest, ListCertificatesCursorOrdersTiesOnNotAfterBySerial) {
  Issue(*store_, {"2b", "a1", {"b.example"}, 30 * kDay});
  Issue(*store_, {"2a", "a1", {"a.example"}, 30 * kDay});
  Issue(*store_, {"1c", "a1", {"c.example"}, 30 * kDay});
  CertificateQuery q = Query();
  q.limit = 1;
  Result<CertificatePage> page = store_->ListCertificates(q);
  EXPECT_THAT(Serials(page), ElementsAre("1c"));
  ASSERT_OK(page);
  q.cursor = page->next_cursor;
  q.limit = 5;
  EXPECT_THAT(List(*store_, q), ElementsAre("2a", "2b"));
}

TEST_P(StoreConformanceTest, ListCertificatesFiltersByStatusAtTheQueryTime) {
  Fill(*store_);
  CertificateQuery q = Query();
  q.status = InventoryStatus::kValid;
  EXPECT_THAT(List(*store_, q), ElementsAre("1e", "1a", "1f"));  // 1e expires soon, but was replaced
  q.status = InventoryStatus::kExpiring;
  EXPECT_THAT(List(*store_, q), ElementsAre("1d"));
  q.status = InventoryStatus::kExpired;
  EXPECT_THAT(List(*store_, q), ElementsAre("1b"));
  q.status = InventoryStatus::kRevoked;
  EXPECT_THAT(List(*store_, q), ElementsAre("1c"));
  q.status = InventoryStatus::kExpiring;
  q.expiring_within = 100 * kDay;
  EXPECT_THAT(List(*store_, q), ElementsAre("1d", "1a", "1f"));
  q.now = kT0 + 90 * kDay;  // 1a expires at exactly this second: expired
  q.status = InventoryStatus::kExpired;
  EXPECT_THAT(List(*store_, q), ElementsAre("1b", "1d", "1e", "1a"));
}

TEST_P(StoreConformanceTest, ListCertificatesFiltersByNameSuffix) {
  Fill(*store_);
  CertificateQuery q = Query();
  q.name_suffix = "example.com";
  EXPECT_THAT(List(*store_, q), ElementsAre("1c", "1a"));  // 1a once, though both its names end so
  q.name_suffix = ".EXAMPLE.com";
  EXPECT_THAT(List(*store_, q), ElementsAre("1a"));
  q.name_suffix = ".2.1";
  EXPECT_THAT(List(*store_, q), ElementsAre("1d"));
  q.name_suffix = "pending.example.com";
  EXPECT_THAT(List(*store_, q), IsEmpty());
  q.name_suffix = "www.example.co";
  EXPECT_THAT(List(*store_, q), IsEmpty());
}

TEST_P(StoreConformanceTest, ListCertificatesFiltersByNameSubstring) {
  Fill(*store_);
  CertificateQuery q = Query();
  q.name_contains = "ample";
  EXPECT_THAT(List(*store_, q), ElementsAre("1b", "1e", "1c", "1a", "1f"));
  q.name_contains = "EXAMPLE.ORG";
  EXPECT_THAT(List(*store_, q), ElementsAre("1b"));
  q.name_contains = "0.2.";
  EXPECT_THAT(List(*store_, q), ElementsAre("1d"));
  q.name_contains = "\"x\"";
  EXPECT_THAT(List(*store_, q), IsEmpty());
  // LIKE's wildcards are literal characters in a substring filter.
  q.name_contains = "ampl_";
  EXPECT_THAT(List(*store_, q), IsEmpty());
  q.name_contains = "am%le";
  EXPECT_THAT(List(*store_, q), IsEmpty());
  q.name_contains = "mple";
  q.name_suffix = ".com";
  EXPECT_THAT(List(*store_, q), ElementsAre("1c", "1a"));
}

TEST_P(StoreConformanceTest, ListCertificatesFiltersByAccountProfileAndNotAfterWindow) {
  Fill(*store_);
  CertificateQuery q = Query();
  q.account_id = "a2";
  EXPECT_THAT(List(*store_, q), ElementsAre("1d", "1c"));
  q.status = InventoryStatus::kRevoked;
  EXPECT_THAT(List(*store_, q), ElementsAre("1c"));
  q = Query();
  q.profile = "shortlived";
  EXPECT_THAT(List(*store_, q), ElementsAre("1b"));
  q.profile = "classic";
  q.account_id = "a1";
  q.name_suffix = ".net";
  EXPECT_THAT(List(*store_, q), ElementsAre("1e", "1f"));
  q = Query();
  q.not_after_from = kT0 + 40 * kDay;  // inclusive
  q.not_after_to = kT0 + 90 * kDay;    // exclusive
  EXPECT_THAT(List(*store_, q), ElementsAre("1d", "1e", "1c"));
  q.account_id = "nobody";
  EXPECT_THAT(List(*store_, q), IsEmpty());
}

TEST_P(StoreConformanceTest, FinishIssuanceOfAReplacingOrderRecordsReplacedBy) {
  Fill(*store_);
  Result<CertificateRecord> replaced = store_->GetCertificate("1e");
  ASSERT_OK(replaced);
  EXPECT_EQ(replaced->replaced_by, "1f");
  Result<CertificateRecord> renewal = store_->GetCertificate("1f");
  ASSERT_OK(renewal);
  EXPECT_EQ(renewal->replaced_by, "");
  // A `replaces` naming a serial of another authority, or no certificate, marks nothing.
  Account a = MakeAccount("a3");
  ASSERT_OK(store_->CreateAccount(a, Note("account.created", "a3")));
  Order order = MakeOrder("o-20", "a3");
  order.replaces = acme::CertificateId("other-aki", "1a");
  ASSERT_OK(store_->CreateOrder(order, {}));
  ASSERT_OK(store_->BeginIssuance(MakeCertificate("20", "o-20", "a3"), OrderStatus::kPending));
  ASSERT_OK(store_->FinishIssuance("20", "der", Note("certificate.issued", "20")));
  Result<CertificateRecord> untouched = store_->GetCertificate("1a");
  ASSERT_OK(untouched);
  EXPECT_EQ(untouched->replaced_by, "");
}

TEST_P(StoreConformanceTest, CountCertificatesPartitionsTheIssuedCertificatesByStatus) {
  Result<CertificateCounts> empty = store_->CountCertificates(kNow, 30 * kDay);
  ASSERT_OK(empty);
  EXPECT_EQ(empty->valid + empty->expiring + empty->expired + empty->revoked, 0);
  Fill(*store_);
  Result<CertificateCounts> counts = store_->CountCertificates(kNow, 30 * kDay);
  ASSERT_OK(counts);
  EXPECT_EQ(counts->valid, 3);
  EXPECT_EQ(counts->expiring, 1);
  EXPECT_EQ(counts->expired, 1);
  EXPECT_EQ(counts->revoked, 1);
  Result<int64_t> week = store_->CountExpiringCertificates(kNow, 7 * kDay);
  ASSERT_OK(week);
  EXPECT_EQ(*week, 0);
  Result<int64_t> month = store_->CountExpiringCertificates(kNow, 30 * kDay);
  ASSERT_OK(month);
  EXPECT_EQ(*month, 1);  // 1d; 1e is replaced, 1c revoked
  Result<int64_t> season = store_->CountExpiringCertificates(kNow, 100 * kDay);
  ASSERT_OK(season);
  EXPECT_EQ(*season, 3);
  EXPECT_TRUE(
      HasCode(store_->CountExpiringCertificates(kNow, std::chrono::seconds(0)), Code::kInvalidArgument));
}

// kT0 is 08:00 UTC, so kT0 + N days falls on UTC day kDay0 + N.
const int64_t kDay0 = ToUnixSeconds(kT0) / 86400;

TEST_P(StoreConformanceTest, CountExpiryByDayCountsUnrevokedCertificatesPerDayAndProfile) {
  Result<std::vector<ExpiryDay>> empty = store_->CountExpiryByDay(kNow, 100 * kDay);
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
  Fill(*store_);
  Issue(*store_, {"1g", "a2", {"device.example.com"}, 40 * kDay + std::chrono::hours(15), "devices"});
  Result<std::vector<ExpiryDay>> days = store_->CountExpiryByDay(kNow, 100 * kDay);
  ASSERT_OK(days);
  // 1b expired before kNow; 1c is revoked; 1e counts although 1f replaces it: it still expires.
  std::vector<std::tuple<int64_t, std::string, int64_t>> got;
  for (const ExpiryDay& d : *days) got.emplace_back(d.day, d.profile, d.count);
  EXPECT_THAT(got, ElementsAre(std::tuple{kDay0 + 40, "classic", 1}, std::tuple{kDay0 + 40, "devices", 1},
                               std::tuple{kDay0 + 45, "classic", 1}, std::tuple{kDay0 + 90, "classic", 1},
                               std::tuple{kDay0 + 110, "classic", 1}));
  // The horizon's end is inclusive, its start (now) exclusive.
  Result<std::vector<ExpiryDay>> edge = store_->CountExpiryByDay(kT0 + 45 * kDay, 45 * kDay);
  ASSERT_OK(edge);
  ASSERT_EQ(edge->size(), 1u);
  EXPECT_EQ((*edge)[0].day, kDay0 + 90);
  EXPECT_TRUE(HasCode(store_->CountExpiryByDay(kNow, std::chrono::seconds(0)), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->CountExpiryByDay(kNow, 401 * kDay), Code::kInvalidArgument));
}

TEST_P(StoreConformanceTest, CountActivityByDayCountsIssuancesAndRevocationsPerDay) {
  Result<std::optional<TimePoint>> none = store_->LastIssuedAt();
  ASSERT_OK(none);
  EXPECT_EQ(*none, std::nullopt);
  Issue(*store_, {"2a", "a1", {"a.example.com"}, 90 * kDay});
  Issue(*store_, {"2b", "a1", {"b.example.com"}, 90 * kDay, "classic", "", std::chrono::hours(24)});
  Issue(*store_, {"2c", "a1", {"c.example.com"}, 90 * kDay, "classic", "", std::chrono::hours(44)});
  ASSERT_OK(store_->RevokeCertificate("2a", 1, kT0 + kDay, Note("certificate.revoked", "2a")));
  CertificateRecord pending = MakeCertificate("2d", "o-2d", "a1");  // never issued: not counted
  pending.created_at = kT0 + kDay;
  ASSERT_OK(store_->CreateOrder(MakeOrder("o-2d", "a1"), {}));
  ASSERT_OK(store_->BeginIssuance(pending, OrderStatus::kPending));

  auto activity = [&](TimePoint from, TimePoint to) {
    std::vector<std::tuple<int64_t, int64_t, int64_t>> got;
    Result<std::vector<ActivityDay>> days = store_->CountActivityByDay(from, to);
    EXPECT_TRUE(IsOk(days));
    if (days.ok()) {
      for (const ActivityDay& d : *days) got.emplace_back(d.day, d.issued, d.revoked);
    }
    return got;
  };
  EXPECT_THAT(activity(kT0, kT0 + 3 * kDay),
              ElementsAre(std::tuple{kDay0, 1, 0}, std::tuple{kDay0 + 1, 1, 1}, std::tuple{kDay0 + 2, 1, 0}));
  // From is inclusive, to exclusive.
  EXPECT_THAT(activity(kT0 + std::chrono::seconds(1), kT0 + kDay),
              ElementsAre());
  EXPECT_THAT(activity(kT0 + kDay, kT0 + kDay + std::chrono::seconds(1)), ElementsAre(std::tuple{kDay0 + 1, 1, 1}));
  EXPECT_TRUE(HasCode(store_->CountActivityByDay(kT0, kT0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->CountActivityByDay(kT0, kT0 + 401 * kDay), Code::kInvalidArgument));

  Result<std::optional<TimePoint>> last = store_->LastIssuedAt();
  ASSERT_OK(last);
  EXPECT_EQ(*last, kT0 + std::chrono::hours(44));
}

TEST_P(StoreConformanceTest, ListCertificatesRefusesBadArguments) {
  CertificateQuery q = Query();
  q.limit = 0;
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  q.limit = kMaxCertificatePage + 1;
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  q = Query();
  q.name_contains = "ab";
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  q = Query();
  q.name_suffix = "a b";
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  q = Query();
  q.expiring_within = std::chrono::seconds(-1);
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  q = Query();
  q.not_after_from = kT0 + kDay;
  q.not_after_to = kT0;
  EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument));
  for (const char* cursor : {"x", "12", ".ab", "12.", "12.AB", "1x.ab", "12.ab'--"}) {
    q = Query();
    q.cursor = cursor;
    EXPECT_TRUE(HasCode(store_->ListCertificates(q), Code::kInvalidArgument)) << cursor;
  }
}

TEST_P(StoreConformanceTest, ListAccountsPagesInIdOrder) {
  for (const char* id : {"b2", "a1", "c3"})
    ASSERT_OK(store_->CreateAccount(MakeAccount(id), Note("account.created")));
  Result<AccountPage> first = store_->ListAccounts("", 2);
  ASSERT_OK(first);
  ASSERT_EQ(first->accounts.size(), 2u);
  EXPECT_EQ(first->accounts[0].id, "a1");
  ExpectSameAccount(first->accounts[1], MakeAccount("b2"));
  EXPECT_EQ(first->next_cursor, "b2");
  Result<AccountPage> second = store_->ListAccounts(first->next_cursor, 2);
  ASSERT_OK(second);
  ASSERT_EQ(second->accounts.size(), 1u);
  EXPECT_EQ(second->accounts[0].id, "c3");
  EXPECT_EQ(second->next_cursor, "");
  EXPECT_TRUE(HasCode(store_->ListAccounts("", 0), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->ListAccounts("", 1001), Code::kInvalidArgument));
}

TEST_P(StoreConformanceTest, ListAuditForSubjectListsOneSubjectsRowsInOrder) {
  ASSERT_OK(store_->AppendAudit(Note("certificate.issued", "1a")));
  ASSERT_OK(store_->AppendAudit(Note("certificate.issued", "1b")));
  ASSERT_OK(store_->AppendAudit(Note("certificate.revoked", "1a")));
  Result<std::vector<AuditEvent>> rows = store_->ListAuditForSubject("1a", 0, 10);
  ASSERT_OK(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].kind, "certificate.issued");
  EXPECT_EQ((*rows)[1].kind, "certificate.revoked");
  Result<std::vector<AuditEvent>> after = store_->ListAuditForSubject("1a", (*rows)[0].id, 1);
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].kind, "certificate.revoked");
  EXPECT_TRUE(HasCode(store_->ListAuditForSubject("1a", 0, 0), Code::kInvalidArgument));
}

}  // namespace
}  // namespace anvil::storage::testing
