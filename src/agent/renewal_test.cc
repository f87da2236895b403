#include "agent/renewal.h"

#include <gtest/gtest.h>

#include "agent/testing/fake_http_client.h"
#include "crypto/random.h"

namespace anvil::agent {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int64_t kIssued = 1'800'000'000;
constexpr int64_t kDay = 86400;

crypto::Certificate NinetyDayCert() {
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::CertificateTemplate t;
  t.serial = "\x01\x02\x03";
  t.not_before = FromUnixSeconds(kIssued);
  t.not_after = FromUnixSeconds(kIssued + 90 * kDay);
  t.dns_names = {"a.example"};
  t.subject.common_name = "a.example";
  return *crypto::IssueCertificate(t, key.public_key(), nullptr, key);
}

TEST(AgentDecideRenewal, WithoutAriDueInTheLastThird) {
  auto cert = NinetyDayCert();
  EXPECT_FALSE(DecideRenewal(cert, std::nullopt, FromUnixSeconds(kIssued + 59 * kDay), 0.5).due);
  auto d = DecideRenewal(cert, std::nullopt, FromUnixSeconds(kIssued + 61 * kDay), 0.5);
  EXPECT_TRUE(d.due);
  EXPECT_NE(d.reason.find("29 days left"), std::string::npos) << d.reason;
  EXPECT_EQ(d.renew_at, FromUnixSeconds(kIssued + 60 * kDay));
}

TEST(AgentDecideRenewal, AriPicksAnInstantInsideTheWindow) {
  auto cert = NinetyDayCert();
  RenewalInfo ari{FromUnixSeconds(kIssued + 10 * kDay), FromUnixSeconds(kIssued + 12 * kDay), "",
                  std::nullopt};
  auto early = DecideRenewal(cert, ari, FromUnixSeconds(kIssued + 9 * kDay), 0.0);
  EXPECT_FALSE(early.due);  // ARI overrides the lifetime rule in both directions.
  auto mid = DecideRenewal(cert, ari, FromUnixSeconds(kIssued + 11 * kDay), 0.25);
  EXPECT_TRUE(mid.due);
  EXPECT_EQ(mid.renew_at, FromUnixSeconds(kIssued + 10 * kDay + kDay / 2));
  EXPECT_FALSE(DecideRenewal(cert, ari, FromUnixSeconds(kIssued + 11 * kDay), 0.75).due);
  // Far into the lifetime but before the window: not due.
  RenewalInfo late{FromUnixSeconds(kIssued + 80 * kDay), FromUnixSeconds(kIssued + 85 * kDay), "",
                   std::nullopt};
  EXPECT_FALSE(DecideRenewal(cert, late, FromUnixSeconds(kIssued + 70 * kDay), 0.0).due);
}

TEST(AgentDecideRenewal, AnEarlierChoiceInsideTheWindowIsKept) {
  auto cert = NinetyDayCert();
  RenewalInfo ari{FromUnixSeconds(kIssued + 10 * kDay), FromUnixSeconds(kIssued + 12 * kDay), "",
                  std::nullopt};
  TimePoint chosen = FromUnixSeconds(kIssued + 11 * kDay + kDay / 2);
  auto d = DecideRenewal(cert, ari, FromUnixSeconds(kIssued + 11 * kDay), 0.0, chosen);
  EXPECT_FALSE(d.due);  // A fresh draw of 0.0 would have made it due.
  EXPECT_EQ(d.renew_at, chosen);
  // A choice outside a window that moved is redrawn.
  auto moved = DecideRenewal(cert, ari, FromUnixSeconds(kIssued + 11 * kDay), 0.0,
                             FromUnixSeconds(kIssued + 50 * kDay));
  EXPECT_TRUE(moved.due);
}

TEST(AgentDecideRenewal, WindowInThePastMeansNow) {
  auto cert = NinetyDayCert();
  RenewalInfo revoked{FromUnixSeconds(kIssued - 2 * kDay), FromUnixSeconds(kIssued - kDay), "", std::nullopt};
  auto d = DecideRenewal(cert, revoked, FromUnixSeconds(kIssued + kDay), 0.99);
  EXPECT_TRUE(d.due);
}

// A CA on the fake HTTP client that offers renewalInfo with the given window and Retry-After header, one
// day after the test certificates were issued (on a fake clock).
class FakeAriServer {
 public:
  static constexpr char kDir[] = "https://ca.test/dir";
  static constexpr char kAri[] = "https://ca.test/renewal-info";

  FakeAriServer() : clock(FromUnixSeconds(kIssued + kDay)), sleeper(clock) {
    http.Script("GET", kDir,
                {testing::JsonResponse(200, {{"newNonce", "https://ca.test/nonce"},
                                             {"newAccount", "https://ca.test/new-account"},
                                             {"newOrder", "https://ca.test/new-order"},
                                             {"renewalInfo", kAri}})});
    AcmeClientOptions o;
    o.directory_url = kDir;
    client = std::make_unique<AcmeClient>(http, clock, sleeper, o);
  }

  // renewalInfo for `cert`: a window [start, end] (seconds after issuance) and Retry-After (omitted if
  // empty).
  void Ari(const crypto::Certificate& cert, int64_t start, int64_t end, const std::string& retry_after) {
    auto id = AcmeClient::RenewalCertId(cert);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    http::ClientResponse r = testing::JsonResponse(200, {{"suggestedWindow",
                                                  {{"start", FormatRfc3339(FromUnixSeconds(kIssued + start))},
                                                   {"end", FormatRfc3339(FromUnixSeconds(kIssued + end))}}}});
    if (!retry_after.empty()) r.headers.Set("Retry-After", retry_after);
    http.Script("GET", std::string(kAri) + "/" + *id, {r});
  }

  RenewalDecision Check(const crypto::Certificate& cert) {
    auto d = CheckRenewal(*client, cert, clock.Now(), 0.5);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : RenewalDecision{};
  }

  testing::FakeHttpClient http;
  FakeClock clock;
  FakeSleeper sleeper;
  std::unique_ptr<AcmeClient> client;
};

TEST(AgentAriSchedule, TheServersRetryAfterSetsTheNextCheckWithinOneMinuteAndOneDay) {
  auto cert = NinetyDayCert();
  FakeAriServer server;
  server.Ari(cert, 60 * kDay, 62 * kDay, "21600");
  RenewalDecision d = server.Check(cert);
  EXPECT_FALSE(d.due);
  EXPECT_EQ(d.retry_after, seconds(21600));
  EXPECT_EQ(d.next_check, server.clock.Now() + hours(6));

  FakeAriServer fresh;
  fresh.Ari(cert, 60 * kDay, 62 * kDay, "5");
  EXPECT_EQ(fresh.Check(cert).retry_after, minutes(1));  // RFC 9773 §4.3: under a minute counts as a minute.
  FakeAriServer slow;
  slow.Ari(cert, 60 * kDay, 62 * kDay, std::to_string(30 * kDay));
  EXPECT_EQ(slow.Check(cert).retry_after, hours(24));  // Over a day counts as a day.
  FakeAriServer silent;
  silent.Ari(cert, 60 * kDay, 62 * kDay, "");
  RenewalDecision none = silent.Check(cert);
  EXPECT_TRUE(none.ari.has_value());
  EXPECT_FALSE(none.retry_after.has_value());
  EXPECT_FALSE(none.next_check.has_value());
}

TEST(AgentAriSchedule, TheAgentWakesAtTheEarliestRecheckOrRenewalTimeWithinItsInterval) {
  auto a = NinetyDayCert(), b = NinetyDayCert(), c = NinetyDayCert();
  FakeAriServer server;
  FakeClock& clock = server.clock;
  auto Ari = [&server](auto&&... args) { server.Ari(args...); };
  auto Check = [&server](const crypto::Certificate& cert) { return server.Check(cert); };
  Ari(a, 60 * kDay, 62 * kDay, "7200");           // re-check in 2 h
  Ari(b, kDay + 3600, kDay + 3 * 3600, "86400");  // renewal time inside the next 3 h (0.5: in 2 h)
  Ari(c, 0, kDay / 2, "600");                     // window over: due now, renewed in this pass
  std::vector<RenewalDecision> pass = {Check(a), Check(b), Check(c)};
  ASSERT_TRUE(pass[2].due);
  const TimePoint now = clock.Now();
  EXPECT_EQ(pass[1].renew_at, now + hours(2));
  // Both in 2 h; c's 10-minute re-check does not count (it was due and handled in the pass).
  EXPECT_EQ(NextWakeUp(pass, now, hours(12)), now + hours(2));
  EXPECT_EQ(NextWakeUp(pass, now, hours(1)), now + hours(1));  // The interval bounds it.
  EXPECT_EQ(NextWakeUp({pass[0]}, now, hours(12)), now + hours(2));
  EXPECT_EQ(NextWakeUp({}, now, hours(12)), now + hours(12));
  // The wake-up comes from the decisions, not from when they were made: a pass that took 90 minutes.
  clock.Advance(minutes(90));
  EXPECT_EQ(NextWakeUp(pass, clock.Now(), hours(12)), now + hours(2));
  clock.Advance(hours(2));
  EXPECT_EQ(NextWakeUp(pass, clock.Now(), hours(12)), clock.Now() + seconds(1));  // Never a busy loop.
}

TEST(AgentAriJitter, AtMostTheMaximumAndATenthOfTheWait) {
  EXPECT_EQ(Jitter(hours(12), hours(1), 0.0), seconds(0));
  EXPECT_EQ(Jitter(hours(12), hours(1), 0.999999), hours(1));
  EXPECT_EQ(Jitter(hours(12), hours(1), 0.5), seconds(1800));
  EXPECT_EQ(Jitter(minutes(10), hours(1), 0.999999), minutes(1));  // A tenth of a short wait.
  EXPECT_EQ(Jitter(hours(12), seconds(0), 0.7), seconds(0));
  EXPECT_EQ(Jitter(seconds(5), hours(1), 0.9), seconds(0));
}

TEST(AgentAriSchedule, TheNextPassComesAtTheWholeSecondAfterTheWakeUpPlusJitter) {
  const TimePoint now = FromUnixSeconds(kIssued);
  // Not due: its renewal time, 2 h and half a second from now, brings the pass earlier.
  RenewalDecision soon;
  soon.renew_at = now + hours(2) + std::chrono::milliseconds(500);
  // Due: renewed (or failed) in the pass, it does not count.
  RenewalDecision handled;
  handled.due = true;
  handled.renew_at = now - hours(1);

  // 7201 s (rounded up), plus half of the jitter bound min(1 h, 720 s): int(0.5 * 721) = 360 s.
  NextPass next = ScheduleNextPass({soon, handled}, now, hours(12), hours(1), 0.5);
  EXPECT_EQ(next.wait, seconds(7561));
  EXPECT_EQ(next.at, now + seconds(7561));
  // Without a decision that brings it earlier: the interval, and the whole jitter at most.
  next = ScheduleNextPass({handled}, now, hours(12), hours(1), 0.999999);
  EXPECT_EQ(next.wait, hours(13));
  EXPECT_EQ(next.at, now + hours(13));
  EXPECT_EQ(ScheduleNextPass({}, now, hours(12), seconds(0), 0.7).wait, hours(12));
  // A renewal time already reached by the end of the pass: one second, never a busy loop.
  EXPECT_EQ(ScheduleNextPass({soon}, now + hours(3), hours(12), hours(1), 0.5).wait, seconds(1));
}

}  // namespace
}  // namespace anvil::agent
