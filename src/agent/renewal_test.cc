#include "agent/renewal.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace anvil::agent {
namespace {

using std::chrono::hours;

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

}  // namespace
}  // namespace anvil::agent
