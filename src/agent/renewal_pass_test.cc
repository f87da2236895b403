#include "agent/renewal_pass.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "agent/json_output.h"
#include "agent/testing/fake_acme.h"
#include "agent/testing/fake_http_client.h"
#include "base/file.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using testing::FakeAcme;
using testing::FakeHttpClient;
using testing::RecordedRequest;
using testing::RecordingSolver;

constexpr int64_t kDay = 86400;
// The pass runs at the instant FakeAcme's certificates start: a renewed lineage gets 90 days from now.
constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z
constexpr char kDown[] = "https://down.test/dir";

// A state directory of lineages on FakeAcme (or on a server that cannot be reached), renewed on a fake clock.
class AgentRenewalPassTest : public ::testing::Test {
 protected:
  AgentRenewalPassTest()
      : clock_(FromUnixSeconds(kNow)), sleeper_(clock_), acme_(http_), state_(*StateDir::Open(tmp_.path())) {}

  // Stores lineage `name` for a.example with a certificate valid from `not_before` to `not_after` (days from
  // now), signed by FakeAcme's root; `with_cert` false stores the config only.
  void AddLineage(const std::string& name, int64_t not_before, int64_t not_after,
                  const std::string& server = FakeAcme::U("/dir"), bool with_cert = true) {
    LineageConfig l;
    l.name = name;
    l.server = server;
    l.names = {name + ".example"};
    l.challenge = "http-01";
    ASSERT_TRUE(state_.SaveLineage(l).ok());
    if (!with_cert) return;
    auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    crypto::CertificateTemplate t;
    t.serial = "\x05" + name;
    t.not_before = FromUnixSeconds(kNow + not_before * kDay);
    t.not_after = FromUnixSeconds(kNow + not_after * kDay);
    t.dns_names = l.names;
    auto cert = crypto::IssueCertificate(t, key.public_key(), &*acme_.root_, acme_.ca_key_);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    ASSERT_TRUE(state_.Install(name, cert->ToPem(), acme_.root_->ToPem(), key.ToPem()).ok());
  }

  RenewalPass Pass() {
    return RenewalPass(
        state_, clock_,
        [this](const std::string& url, const std::string&) -> Result<AcmeConnection> {
          connected_.push_back(url);
          if (url != FakeAcme::U("/dir")) return Error(Code::kConnection, "cannot connect to " + url);
          AcmeClientOptions o;
          o.directory_url = url;
          AcmeConnection c;  // The transport is the fixture's.
          c.client = std::make_unique<AcmeClient>(http_, clock_, sleeper_, o);
          return c;
        },
        [this](const LineageConfig& l) -> Result<std::unique_ptr<Solver>> {
          solved_.push_back(l.name);
          return std::unique_ptr<Solver>(std::make_unique<RecordingSolver>(l.challenge, &acme_.presented_));
        },
        [] { return 0.5; });
  }

  // Runs a pass, recording the results and events as they are reported.
  RenewalPassResult Run(RenewalPassOptions options = {}) {
    options.on_result = [this](const LineageResult& r) { reported_.push_back(LineageResultJson(r)); };
    options.on_event = [this](json e) { events_.push_back(std::move(e)); };
    auto pass = Pass().Run(options);
    EXPECT_TRUE(pass.ok()) << pass.status().ToString();
    return pass.ok() ? *pass : RenewalPassResult{};
  }

  std::string CertSerial(const std::string& name) {
    auto pem = ReadFile(state_.Files(name).cert);
    auto cert = pem.ok() ? crypto::Certificate::FromPem(*pem) : Result<crypto::Certificate>(pem.status());
    return cert.ok() ? cert->serial_hex() : cert.status().ToString();
  }

  static std::string At(int64_t days) { return FormatRfc3339(FromUnixSeconds(kNow + days * kDay)); }

  anvil::testing::TempDir tmp_;
  FakeHttpClient http_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  FakeAcme acme_;
  StateDir state_;
  std::vector<std::string> connected_, solved_;
  std::vector<json> reported_, events_;
};

TEST_F(AgentRenewalPassTest, RenewsTheDueLineageSkipsTheOneNotDueAndGoesOnAfterAFailure) {
  AddLineage("a-down", -80, 10, kDown);  // due, but its server cannot be reached
  AddLineage("b-due", -80, 10);          // 10 of 90 days left: due since day -20
  AddLineage("c-fresh", -10, 80);        // 80 of 90 days left: due on day 50
  const std::string fresh_serial = CertSerial("c-fresh");

  RenewalPassResult pass = Run();

  EXPECT_EQ(pass.renewed, 1);
  EXPECT_EQ(pass.failed, 1);
  EXPECT_EQ(connected_, (std::vector<std::string>{kDown, FakeAcme::U("/dir"), FakeAcme::U("/dir")}));
  EXPECT_EQ(solved_, (std::vector<std::string>{"b-due"}));
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/new-order")), 1u);
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/new-account")), 1u);  // Registered once, then loaded.

  const std::string renewed_serial = CertSerial("b-due");
  ASSERT_EQ(renewed_serial.size(), 32u);  // FakeAcme's 16 random bytes, the first 0x11.
  EXPECT_TRUE(renewed_serial.starts_with("11")) << renewed_serial;
  const json certificate = {{"serial", renewed_serial},   {"issuer", "CN=Fake Root"},
                            {"names", {"b-due.example"}}, {"not_before", At(0)},
                            {"not_after", At(90)},        {"days_left", 90}};
  const std::string due_reason = "10 days left of 90: due (less than a third of the lifetime left)";
  const std::string fresh_reason = "80 days left of 90: due at " + At(50);
  const json results = {
      {{"lineage", "a-down"},
       {"result", "failed"},
       {"detail", "connection: cannot connect to https://down.test/dir"}},
      {{"lineage", "b-due"},
       {"result", "renewed"},
       {"detail", "serial " + renewed_serial},
       {"decision", due_reason},
       {"certificate", certificate}},
      {{"lineage", "c-fresh"}, {"result", "not due"}, {"detail", fresh_reason}, {"decision", fresh_reason}},
  };
  EXPECT_EQ(json(reported_), results);
  ASSERT_EQ(pass.lineages.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(LineageResultJson(pass.lineages[i]), results[i]) << i;

  const json error = {{"code", "connection"}, {"message", "cannot connect to https://down.test/dir"}};
  EXPECT_EQ(events_, (std::vector<json>{
                         {{"event", "error"}, {"lineage", "a-down"}, {"error", error}},
                         {{"event", "check"},
                          {"lineage", "b-due"},
                          {"due", true},
                          {"renew_at", At(-20)},
                          {"reason", due_reason}},
                         {{"event", "renewed"},
                          {"lineage", "b-due"},
                          {"serial", renewed_serial},
                          {"not_after", At(90)},
                          {"certificate", certificate}},
                         {{"event", "check"},
                          {"lineage", "c-fresh"},
                          {"due", false},
                          {"renew_at", At(50)},
                          {"reason", fresh_reason}},
                     }));

  // The decisions schedule the next pass: the due one was handled, the other is due on day 50.
  ASSERT_EQ(pass.decisions.size(), 2u);
  EXPECT_TRUE(pass.decisions[0].due);
  EXPECT_FALSE(pass.decisions[1].due);
  EXPECT_EQ(pass.decisions[1].renew_at, FromUnixSeconds(kNow + 50 * kDay));

  // lineage.toml: the renewed lineage's schedule is drawn afresh next time, the other keeps its renewal time.
  auto due = state_.LoadLineage("b-due");
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->next_renewal, "");
  EXPECT_EQ(due->last_result, "ok");
  auto fresh = state_.LoadLineage("c-fresh");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->next_renewal, At(50));
  EXPECT_EQ(fresh->ari_window, "");
  EXPECT_EQ(CertSerial("c-fresh"), fresh_serial);
}

TEST_F(AgentRenewalPassTest, ForceRenewsOnlyTheNamedLineageAndMarksItsDecisionDue) {
  AddLineage("b-due", -80, 10);
  AddLineage("c-fresh", -10, 80);
  const std::string due_serial = CertSerial("b-due");

  RenewalPassOptions options;
  options.lineage = "c-fresh";
  options.force = true;
  RenewalPassResult pass = Run(options);

  EXPECT_EQ(pass.renewed, 1);
  EXPECT_EQ(pass.failed, 0);
  EXPECT_EQ(connected_, (std::vector<std::string>{FakeAcme::U("/dir")}));
  ASSERT_EQ(pass.lineages.size(), 1u);
  EXPECT_EQ(pass.lineages[0].lineage, "c-fresh");
  EXPECT_EQ(pass.lineages[0].outcome, LineageOutcome::kRenewed);
  EXPECT_EQ(pass.lineages[0].decision, "80 days left of 90: due at " + At(50));
  // The check still says not due; the decision the agent schedules from says it was acted upon.
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0]["due"], false);
  EXPECT_EQ(events_[1]["event"], "renewed");
  ASSERT_EQ(pass.decisions.size(), 1u);
  EXPECT_TRUE(pass.decisions[0].due);
  EXPECT_EQ(CertSerial("b-due"), due_serial);
  EXPECT_EQ(pass.lineages[0].detail, "serial " + CertSerial("c-fresh"));
}

TEST_F(AgentRenewalPassTest, ALineageWithoutACertificateIsIssuedWithoutACheck) {
  AddLineage("new", 0, 0, FakeAcme::U("/dir"), /*with_cert=*/false);

  RenewalPassResult pass = Run();

  EXPECT_EQ(pass.renewed, 1);
  ASSERT_EQ(pass.lineages.size(), 1u);
  EXPECT_EQ(pass.lineages[0].outcome, LineageOutcome::kRenewed);
  EXPECT_FALSE(pass.lineages[0].decision.has_value());
  EXPECT_TRUE(pass.decisions.empty());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0]["event"], "renewed");
  EXPECT_EQ(CertSerial("new").size(), 32u);
}

TEST_F(AgentRenewalPassTest, AnAlreadyReplacedCertificateIsRenewedByAPlainNewOrder) {
  // The server offers ARI; its window for b-due is over (due now) and it refuses `replaces` (RFC 9773 §5).
  http_.Route("GET", FakeAcme::U("/dir"), [](const RecordedRequest&) {
    return testing::JsonResponse(200, {{"newNonce", FakeAcme::U("/nonce")},
                                       {"newAccount", FakeAcme::U("/new-account")},
                                       {"newOrder", FakeAcme::U("/new-order")},
                                       {"renewalInfo", FakeAcme::U("/renewal-info")}});
  });
  AddLineage("b-due", -10, 80);
  auto cert = crypto::Certificate::FromPem(*ReadFile(state_.Files("b-due").cert));
  ASSERT_TRUE(cert.ok());
  auto id = AcmeClient::RenewalCertId(*cert);
  ASSERT_TRUE(id.ok());
  http_.Script("GET", FakeAcme::U("/renewal-info/") + *id,
               {testing::JsonResponse(200, {{"suggestedWindow", {{"start", At(-3)}, {"end", At(-2)}}}})});
  std::vector<json> orders;
  http_.Route("POST", FakeAcme::U("/new-order"), [this, &orders](const RecordedRequest& r) {
    orders.push_back(json::parse(r.payload));
    if (orders.back().contains("replaces")) return testing::Problem(409, "alreadyReplaced", "replaced");
    return acme_.NewOrder(r);
  });

  RenewalPassResult pass = Run();

  EXPECT_EQ(pass.renewed, 1);
  EXPECT_EQ(pass.failed, 0);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0]["replaces"], *id);
  EXPECT_FALSE(orders[1].contains("replaces"));
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0]["ari_window"], (json{{"start", At(-3)}, {"end", At(-2)}}));
  EXPECT_EQ(events_[0]["due"], true);
  EXPECT_EQ(events_[1]["event"], "renewed");
  EXPECT_EQ(state_.LoadLineage("b-due")->ari_window, "");
}

TEST_F(AgentRenewalPassTest, FailsOnlyWhenTheLineagesCannotBeListed) {
  ASSERT_TRUE(std::filesystem::remove(tmp_.path() + "/lineages"));
  ASSERT_TRUE(WriteFileAtomic(tmp_.path() + "/lineages", "not a directory", 0644).ok());
  auto pass = Pass().Run({});
  ASSERT_FALSE(pass.ok());
  EXPECT_EQ(pass.status().code(), Code::kIo);
  EXPECT_TRUE(connected_.empty());
}

}  // namespace
}  // namespace anvil::agent
