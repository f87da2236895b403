// The CRL updater over a scripted revocation store and the real CA: what each CRL lists (RFC 5280 §5, and the
// expired-entry rule of docs/revocation.md), its numbering across updaters (restarts), paging, conflicts,
// failures, and the schedule — a CRL at each period and within revocation_delay of a revocation — driven by a
// fake steady clock. The SQLite store under it is tested by the storage conformance suite, and the whole
// chain end to end by tests/integration/revocation_test.cc.
#include "publish/crl_updater.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/file.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "crypto/crl.h"
#include "support/temp_dir.h"

namespace anvil::publish {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const TimePoint kT0 = FromUnixSeconds(1'800'000'000);
constexpr char kUrl[] = "http://crl.anvil.test/crl/x.crl";

// RevocationListStore with scripted contents: what a store holds, without the rest of a store.
class ScriptedRevocations final : public storage::RevocationListStore {
 public:
  struct Row {
    std::string authority_key_id;
    storage::RevokedCertificate certificate;
  };
  std::vector<Row> rows;
  std::map<std::string, storage::CrlState> states;
  int conflicts_to_inject = 0;
  Status list_error = Status::Ok();
  std::vector<TimePoint> cutoffs;  // not_after_after of each list call

  Result<std::vector<storage::RevokedCertificate>> ListRevokedCertificates(
      const std::string& authority_key_id, TimePoint not_after_after, const std::string& after_serial,
      int limit) override {
    if (!list_error.ok()) return list_error;
    cutoffs.push_back(not_after_after);
    std::vector<storage::RevokedCertificate> out;
    std::vector<Row> sorted = rows;
    std::sort(sorted.begin(), sorted.end(),
              [](const Row& a, const Row& b) { return a.certificate.serial < b.certificate.serial; });
    for (const Row& r : sorted) {
      if (r.authority_key_id != authority_key_id || r.certificate.not_after <= not_after_after) continue;
      if (r.certificate.serial <= after_serial) continue;
      if (static_cast<int>(out.size()) == limit) break;
      out.push_back(r.certificate);
    }
    return out;
  }
  Result<storage::CrlState> GetCrlState(const std::string& issuer_id) override {
    auto it = states.find(issuer_id);
    if (it == states.end()) return Error(Code::kNotFound, "no CRL state");
    return it->second;
  }
  Status AdvanceCrlState(const storage::CrlState& next, int64_t previous_number) override {
    if (conflicts_to_inject > 0) {
      --conflicts_to_inject;
      storage::CrlState& s = states[next.issuer_id];  // another writer advanced it meanwhile
      s.issuer_id = next.issuer_id;
      s.number = previous_number + 1;
      s.this_update = next.this_update;
      return Error(Code::kConflict, "advanced meanwhile");
    }
    auto it = states.find(next.issuer_id);
    if ((it == states.end() ? 0 : it->second.number) != previous_number)
      return Error(Code::kConflict, "stale");
    states[next.issuer_id] = next;
    return Status::Ok();
  }
};

class CrlUpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = ca::LoadOrCreateCa(dir_.path(), ca::CaOptions{}, clock_);
    ASSERT_TRUE(material.ok()) << material.status().ToString();
    ca_ = std::make_unique<ca::CertificateAuthority>(*material, clock_, "", kUrl);
    options_.distribution_point_url = kUrl;
    options_.output_path = dir_.path() + "/issuer.crl";
    options_.period = hours(1);
    options_.lifetime = hours(24);
    options_.revocation_delay = seconds(10);
  }

  // A revoked certificate of this CA (or of another issuer when `ours` is false).
  void Revoke(const std::string& serial, int reason, TimePoint not_after, bool ours = true) {
    store_.rows.push_back({ours ? ca_->CrlIssuer().subject_key_id() : std::string("other-aki"),
                           storage::RevokedCertificate{serial, kT0 - hours(1), reason, not_after}});
  }

  std::unique_ptr<CrlUpdater> Updater() {
    return std::make_unique<CrlUpdater>(options_, store_, *ca_, clock_, steady_);
  }

  crypto::Crl CurrentOf(const CrlUpdater& u) {
    auto der = u.Current();
    EXPECT_NE(der, nullptr);
    auto crl = crypto::Crl::FromDer(der ? *der : "");
    EXPECT_TRUE(crl.ok()) << crl.status().ToString();
    return *crl;
  }

  static std::vector<std::string> Serials(const crypto::Crl& crl) {
    std::vector<std::string> serials;
    for (const auto& e : crl.entries()) serials.push_back(crypto::HexEncode(e.serial));
    return serials;
  }

  anvil::testing::TempDir dir_;
  FakeClock clock_{kT0};
  FakeSteadyClock steady_;
  ScriptedRevocations store_;
  std::unique_ptr<ca::CertificateAuthority> ca_;
  CrlUpdaterOptions options_;
};

TEST_F(CrlUpdaterTest, FirstCrlListsTheIssuersRevocationsSignedNumberedAndWritten) {
  Revoke("0a", 0, kT0 + hours(24 * 90));
  Revoke("0b", 1, kT0 + hours(24 * 90));
  Revoke("0c", 4, kT0 + hours(24 * 90));
  Revoke("0d", 1, kT0 + hours(24 * 90), /*ours=*/false);
  auto u = Updater();
  EXPECT_EQ(u->Current(), nullptr);
  EXPECT_EQ(u->CurrentThisUpdate(), std::nullopt);
  ASSERT_TRUE(u->UpdateNow().ok());
  EXPECT_EQ(u->CurrentThisUpdate(), kT0);
  crypto::Crl crl = CurrentOf(*u);
  EXPECT_EQ(crl.version(), 2);
  EXPECT_EQ(crl.crl_number(), std::string(1, '\x01'));
  EXPECT_EQ(crl.this_update(), kT0);
  EXPECT_EQ(crl.next_update(), kT0 + hours(24));
  EXPECT_EQ(crl.issuer(), ca_->CrlIssuer().subject());
  EXPECT_EQ(crl.authority_key_id(), ca_->CrlIssuer().subject_key_id());
  EXPECT_TRUE(crl.IsSignedBy(ca_->CrlIssuer().public_key()));
  ASSERT_TRUE(crl.issuing_distribution_point().has_value());
  EXPECT_EQ(crl.issuing_distribution_point()->url, kUrl);
  EXPECT_EQ(Serials(crl), (std::vector<std::string>{"0a", "0b", "0c"}));
  EXPECT_EQ(crl.entries()[0].reason, 0);
  EXPECT_EQ(crl.entries()[1].reason, 1);
  EXPECT_EQ(crl.entries()[2].reason, 4);
  EXPECT_EQ(crl.entries()[0].revoked_at, kT0 - hours(1));
  auto written = ReadFile(options_.output_path);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, *u->Current());
  EXPECT_EQ(u->issuer_id(), crypto::HexEncode(ca_->CrlIssuer().subject_key_id()));
}

TEST_F(CrlUpdaterTest, NumbersIncreaseAcrossUpdatersAndThisUpdateNeverRepeats) {
  auto first = Updater();
  ASSERT_TRUE(first->UpdateNow().ok());
  ASSERT_TRUE(first->UpdateNow().ok());  // same second: thisUpdate moves on by one
  EXPECT_EQ(CurrentOf(*first).crl_number(), std::string(1, '\x02'));
  EXPECT_EQ(CurrentOf(*first).this_update(), kT0 + seconds(1));
  EXPECT_EQ(first->CurrentThisUpdate(), kT0 + seconds(1));  // the published CRL's, for its age
  first.reset();
  auto restarted = Updater();  // a restart: the number comes from the store
  ASSERT_TRUE(restarted->UpdateNow().ok());
  EXPECT_EQ(CurrentOf(*restarted).crl_number(), std::string(1, '\x03'));
  // A clock stepped back does not move thisUpdate back.
  clock_.Set(kT0 - hours(5));
  ASSERT_TRUE(restarted->UpdateNow().ok());
  EXPECT_EQ(CurrentOf(*restarted).this_update(), kT0 + seconds(3));
}

TEST_F(CrlUpdaterTest, AnExpiredEntryStaysUntilItWasOnOneCrlAfterExpiry) {
  Revoke("0e", 1, kT0 + hours(1));
  Revoke("0f", 1, kT0 + hours(24 * 90));
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());  // at T0: both listed
  EXPECT_EQ(Serials(CurrentOf(*u)), (std::vector<std::string>{"0e", "0f"}));
  clock_.Set(kT0 + hours(2));
  ASSERT_TRUE(u->UpdateNow().ok());  // the first CRL made after 0e expired still lists it
  EXPECT_EQ(Serials(CurrentOf(*u)), (std::vector<std::string>{"0e", "0f"}));
  clock_.Set(kT0 + hours(3));
  ASSERT_TRUE(u->UpdateNow().ok());  // it has been on one CRL past its expiry: dropped
  EXPECT_EQ(Serials(CurrentOf(*u)), (std::vector<std::string>{"0f"}));
  EXPECT_EQ(store_.cutoffs, (std::vector<TimePoint>{FromUnixSeconds(0), kT0, kT0 + hours(2)}));
}

TEST_F(CrlUpdaterTest, PagesAreReadToTheEnd) {
  options_.page_size = 2;
  for (const char* s : {"01", "02", "03", "04", "05"}) Revoke(s, 5, kT0 + hours(24));
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());
  EXPECT_EQ(Serials(CurrentOf(*u)).size(), 5u);
}

TEST_F(CrlUpdaterTest, AnotherWritersCrlIsReadAgainNotOverwritten) {
  store_.conflicts_to_inject = 1;
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());
  EXPECT_EQ(CurrentOf(*u).crl_number(), std::string(1, '\x02'));  // after the other writer's 1
}

TEST_F(CrlUpdaterTest, AFailureKeepsThePreviousCrl) {
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());
  auto before = u->Current();
  store_.list_error = Error(Code::kUnavailable, "database is locked");
  EXPECT_EQ(u->UpdateNow().code(), Code::kUnavailable);
  EXPECT_EQ(u->Current(), before);
  EXPECT_EQ(store_.states.begin()->second.number, 1);  // nothing recorded
}

TEST_F(CrlUpdaterTest, TheThreadMakesACrlEachPeriodAndSoonAfterARevocation) {
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());
  u->Start();
  // Waiting for the period.
  auto waiting = steady_.AwaitTimedWait();
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(*waiting, steady_.Now() + hours(1));
  // A revocation: a CRL at most revocation_delay later, not an hour later.
  Revoke("10", 1, kT0 + hours(24 * 90));
  u->Revoked();
  waiting = steady_.AwaitTimedWait();
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(*waiting, steady_.Now() + seconds(10));
  clock_.Set(kT0 + seconds(10));
  steady_.Advance(seconds(10));
  waiting = steady_.AwaitTimedWait();  // made, and waiting for the next period
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(*waiting, steady_.Now() + hours(1));
  EXPECT_EQ(CurrentOf(*u).crl_number(), std::string(1, '\x02'));
  EXPECT_EQ(Serials(CurrentOf(*u)), std::vector<std::string>{"10"});
  // The period passes: another CRL.
  clock_.Set(kT0 + hours(2));
  steady_.Advance(hours(1));
  ASSERT_TRUE(steady_.AwaitTimedWait().has_value());
  EXPECT_EQ(CurrentOf(*u).crl_number(), std::string(1, '\x03'));
}

TEST_F(CrlUpdaterTest, AFailedCrlIsRetriedAfterTheBackOff) {
  auto u = Updater();
  ASSERT_TRUE(u->UpdateNow().ok());
  u->Start();
  ASSERT_TRUE(steady_.AwaitTimedWait().has_value());
  store_.list_error = Error(Code::kUnavailable, "database is locked");
  u->Revoked();
  ASSERT_TRUE(steady_.AwaitTimedWait().has_value());
  steady_.Advance(seconds(10));
  auto waiting = steady_.AwaitTimedWait();  // failed: waits for the retry
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(*waiting, steady_.Now() + seconds(30));
  store_.list_error = Status::Ok();
  steady_.Advance(seconds(30));
  ASSERT_TRUE(steady_.AwaitTimedWait().has_value());
  EXPECT_EQ(CurrentOf(*u).crl_number(), std::string(1, '\x02'));
}

}  // namespace
}  // namespace anvil::publish
