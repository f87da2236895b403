#include "agent/json_output.h"

#include <gtest/gtest.h>

#include "crypto/key.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

constexpr int64_t kT = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr int64_t kDay = 86400;

TEST(AgentErrorJson, CarriesSubproblemsAndRetryAfterOnlyWhenPresent) {
  EXPECT_EQ(ErrorJson(Error(Code::kIo, "cannot read x")),
            (json{{"code", "io"}, {"message", "cannot read x"}}));
  Status s = Error(Code::kRateLimited, "too many");
  s.AddSubproblem({"dns", "a.example", Code::kCaa, "forbidden"}).set_retry_after(120);
  EXPECT_EQ(
      ErrorJson(s),
      (json{{"code", "rateLimited"},
            {"message", "too many"},
            {"subproblems", {{{"identifier", "dns:a.example"}, {"code", "caa"}, {"message", "forbidden"}}}},
            {"retry_after", 120}}));
}

TEST(AgentErrorJson, AnErrorEventNamesItsLineageUnlessPassWide) {
  Status s = Error(Code::kConnection, "refused");
  json error = {{"code", "connection"}, {"message", "refused"}};
  EXPECT_EQ(ErrorEvent(s, "site"), (json{{"event", "error"}, {"lineage", "site"}, {"error", error}}));
  EXPECT_EQ(ErrorEvent(s), (json{{"event", "error"}, {"error", error}}));
}

TEST(AgentCertificateJson, NamesDnsThenIpAndCountsWholeDaysLeft) {
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::CertificateTemplate t;
  t.serial = "\x0a\x0b";
  t.subject.common_name = "Test Issuer";
  t.not_before = FromUnixSeconds(kT);
  t.not_after = FromUnixSeconds(kT + 90 * kDay);
  t.dns_names = {"a.example"};
  t.ip_addresses = {"192.0.2.1"};
  auto cert = crypto::IssueCertificate(t, key.public_key(), nullptr, key);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  // 29.5 days before notAfter: 29 whole days.
  EXPECT_EQ(CertificateJson(*cert, FromUnixSeconds(kT + 60 * kDay + kDay / 2)),
            (json{{"serial", "a0b"},
                  {"issuer", "CN=Test Issuer"},
                  {"names", {"a.example", "192.0.2.1"}},
                  {"not_before", "2027-01-15T08:00:00Z"},
                  {"not_after", "2027-04-15T08:00:00Z"},
                  {"days_left", 29}}));
  json certificate = CertificateJson(*cert, FromUnixSeconds(kT));
  EXPECT_EQ(RenewedEvent("site", certificate), (json{{"event", "renewed"},
                                                     {"lineage", "site"},
                                                     {"serial", "a0b"},
                                                     {"not_after", "2027-04-15T08:00:00Z"},
                                                     {"certificate", certificate}}));
}

TEST(AgentCheckEvent, ShowsTheAriWindowAndRecheckOnlyWhenTheServerGaveThem) {
  RenewalDecision d;
  d.due = false;
  d.reason = "not yet";
  d.renew_at = FromUnixSeconds(kT + kDay);
  EXPECT_EQ(CheckEvent("site", d), (json{{"event", "check"},
                                         {"lineage", "site"},
                                         {"due", false},
                                         {"renew_at", "2027-01-16T08:00:00Z"},
                                         {"reason", "not yet"}}));
  d.ari = RenewalInfo{FromUnixSeconds(kT), FromUnixSeconds(kT + 2 * kDay), "", seconds(3600)};
  d.retry_after = seconds(3600);
  d.next_check = FromUnixSeconds(kT) + hours(1);
  EXPECT_EQ(CheckEvent("site", d),
            (json{{"event", "check"},
                  {"lineage", "site"},
                  {"due", false},
                  {"renew_at", "2027-01-16T08:00:00Z"},
                  {"reason", "not yet"},
                  {"ari_window", {{"start", "2027-01-15T08:00:00Z"}, {"end", "2027-01-17T08:00:00Z"}}},
                  {"retry_after", 3600},
                  {"next_check", "2027-01-15T09:00:00Z"}}));
}

}  // namespace
}  // namespace anvil::agent
