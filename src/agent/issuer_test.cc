#include "agent/issuer.h"

#include <gtest/gtest.h>

#include "agent/testing/fake_http_client.h"
#include "base/base64url.h"
#include "base/file.h"
#include "crypto/csr.h"
#include "crypto/random.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using nlohmann::json;
using testing::FakeHttpClient;
using testing::JsonResponse;
using testing::Problem;

constexpr char kBase[] = "https://ca.test";

// A scripted single-order ACME server on top of FakeHttpClient: one account, one order for the identifiers it
// is asked for, one authorization per identifier whose challenge becomes valid (or invalid) when answered,
// and a CA that signs the CSR.
class FakeAcme {
 public:
  explicit FakeAcme(FakeHttpClient& http) : http_(http) {
    ca_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    crypto::CertificateTemplate t;
    t.serial = "\x01";
    t.subject.common_name = "Fake Root";
    t.not_before = FromUnixSeconds(1'700'000'000);
    t.not_after = FromUnixSeconds(1'900'000'000);
    t.is_ca = true;
    t.key_cert_sign = true;
    root_.emplace(*crypto::IssueCertificate(t, ca_key_.public_key(), nullptr, ca_key_));
    http_.Script("GET", U("/dir"),
                 {JsonResponse(200, {{"newNonce", U("/nonce")},
                                     {"newAccount", U("/new-account")},
                                     {"newOrder", U("/new-order")},
                                     {"revokeCert", U("/revoke")}})});
    http::Headers h;
    h.Set("Replay-Nonce", "n0");
    http_.Script("HEAD", U("/nonce"), {HttpResponse{200, h, ""}});
    http_.Route("POST", U("/new-account"), [this](const testing::RecordedRequest&) {
      http::Headers loc;
      loc.Set("Location", U("/acct/1"));
      return JsonResponse(201, {{"status", "valid"}}, loc);
    });
    http_.Route("POST", U("/new-order"), [this](const testing::RecordedRequest& r) { return NewOrder(r); });
  }

  static std::string U(const std::string& path) { return kBase + path; }

  HttpResponse NewOrder(const testing::RecordedRequest& r) {
    json payload = json::parse(r.payload);
    last_new_order_ = payload;
    order_ = {{"status", "pending"},
              {"identifiers", payload["identifiers"]},
              {"finalize", U("/order/1/finalize")},
              {"authorizations", json::array()}};
    int i = 0;
    for (const auto& id : payload["identifiers"]) {
      std::string n = std::to_string(++i);
      std::string value = id["value"];
      bool wildcard = value.starts_with("*.");
      json authz = {
          {"status", "pending"},
          {"identifier", {{"type", id["type"]}, {"value", wildcard ? value.substr(2) : value}}},
          {"challenges",
           {{{"type", "http-01"}, {"url", U("/chall/" + n)}, {"token", "token" + n}, {"status", "pending"}},
            {{"type", "dns-01"},
             {"url", U("/chall/d" + n)},
             {"token", "dtoken" + n},
             {"status", "pending"}}}}};
      if (wildcard) authz["wildcard"] = true;
      order_["authorizations"].push_back(U("/authz/" + n));
      authzs_[n] = authz;
      http_.Route("POST", U("/authz/" + n),
                  [this, n](const testing::RecordedRequest&) { return JsonResponse(200, authzs_[n]); });
      auto answer = [this, n](const testing::RecordedRequest&) {
        presented_at_answer_ = presented_;
        json& a = authzs_[n];
        if (fail_validation_) {
          a["status"] = "invalid";
          a["challenges"][0]["status"] = "invalid";
          a["challenges"][0]["error"] = {{"type", "urn:ietf:params:acme:error:incorrectResponse"},
                                         {"detail", "wrong key authorization"}};
        } else {
          a["status"] = "valid";
          // As anvil-ca when the validation is quick; otherwise as Boulder: the response says pending.
          if (answer_with_outcome_) a["challenges"][0]["status"] = "valid";
        }
        return JsonResponse(200, a["challenges"][0]);
      };
      http_.Route("POST", U("/chall/" + n), answer);
      http_.Route("POST", U("/chall/d" + n), answer);
    }
    http_.Route("POST", U("/order/1"), [this](const testing::RecordedRequest&) {
      bool all_valid = true;
      for (auto& [k, a] : authzs_) all_valid &= a["status"] == "valid";
      if (order_["status"] == "pending" && all_valid) order_["status"] = "ready";
      return JsonResponse(200, order_);
    });
    http_.Route("POST", U("/order/1/finalize"),
                [this](const testing::RecordedRequest& req) { return Finalize(req); });
    http_.Route("POST", U("/cert/1"), [this](const testing::RecordedRequest&) {
      return HttpResponse{200, {}, leaf_pem_ + root_->ToPem()};
    });
    http::Headers loc;
    loc.Set("Location", U("/order/1"));
    return JsonResponse(201, order_, loc);
  }

  HttpResponse Finalize(const testing::RecordedRequest& r) {
    auto der = base64url::Decode(json::parse(r.payload)["csr"].get<std::string>());
    auto csr = crypto::Csr::FromDer(*der);
    crypto::CertificateTemplate t;
    t.serial = crypto::RandomBytes(16);
    t.serial[0] = 0x11;
    t.not_before = FromUnixSeconds(1'800'000'000);
    t.not_after = FromUnixSeconds(1'800'000'000 + 90 * 86400);
    t.dns_names = csr->dns_names();
    t.ip_addresses = csr->ip_addresses();
    leaf_pem_ = crypto::IssueCertificate(t, csr->public_key(), &*root_, ca_key_)->ToPem();
    order_["status"] = "processing";
    order_["certificate"] = U("/cert/1");
    json answer = order_;
    order_["status"] = "valid";  // The next poll sees it done.
    return JsonResponse(200, answer);
  }

  FakeHttpClient& http_;
  crypto::PrivateKey ca_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  std::optional<crypto::Certificate> root_;
  json order_, last_new_order_;
  std::map<std::string, json> authzs_;
  std::string leaf_pem_;
  bool fail_validation_ = false;
  bool answer_with_outcome_ = false;
  int presented_ = 0;
  int presented_at_answer_ = -1;
};

// A solver that records what it was asked to do.
class RecordingSolver final : public Solver {
 public:
  explicit RecordingSolver(std::string type, int* presented)
      : type_(std::move(type)), presented_(presented) {}
  std::string_view challenge_type() const override { return type_; }
  Status Present(const ChallengeTask& t) override {
    tasks.push_back(t);
    ++*presented_;
    return Status::Ok();
  }
  Status CleanUp(const ChallengeTask& t) override {
    cleaned.push_back(t.token);
    return Status::Ok();
  }
  std::vector<ChallengeTask> tasks;
  std::vector<std::string> cleaned;

 private:
  std::string type_;
  int* presented_;
};

class AgentIssuerTest : public ::testing::Test {
 protected:
  AgentIssuerTest() : clock_(FromUnixSeconds(1'800'000'000)), sleeper_(clock_), acme_(http_) {
    AcmeClientOptions o;
    o.directory_url = FakeAcme::U("/dir");
    client_ = std::make_unique<AcmeClient>(http_, clock_, sleeper_, o);
    state_ = std::make_unique<StateDir>(*StateDir::Open(tmp_.path()));
  }
  LineageConfig Lineage(std::vector<std::string> names, std::string challenge = "http-01") {
    LineageConfig l;
    l.name = "site";
    l.server = FakeAcme::U("/dir");
    l.names = std::move(names);
    l.challenge = std::move(challenge);
    return l;
  }

  anvil::testing::TempDir tmp_;
  FakeHttpClient http_;
  FakeClock clock_;
  FakeSleeper sleeper_;
  FakeAcme acme_;
  std::unique_ptr<AcmeClient> client_;
  std::unique_ptr<StateDir> state_;
};

TEST_F(AgentIssuerTest, RegistersAccountOnceAndStoresIt) {
  auto first = EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->url, FakeAcme::U("/acct/1"));
  AcmeClientOptions o;
  o.directory_url = FakeAcme::U("/dir");
  AcmeClient again(http_, clock_, sleeper_, o);
  auto second = EnsureAccount(again, *state_, FakeAcme::U("/dir"), {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->thumbprint, first->thumbprint);
  EXPECT_EQ(again.Thumbprint(), client_->Thumbprint());
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/new-account")), 1u);
}

TEST_F(AgentIssuerTest, IssuesAndInstallsAndRunsDeployHook) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  RecordingSolver solver("http-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  LineageConfig l = Lineage({"a.example", "b.example"});
  l.deploy_hook = "echo \"$ANVIL_LINEAGE_NAME $ANVIL_NAMES\" > " + tmp_.path() + "/deployed";
  auto result = issuer.Issue(l);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->deploy_hook_ran);
  EXPECT_EQ(*ReadFile(tmp_.path() + "/deployed"), "site a.example b.example\n");
  // All challenges were presented before the first was answered, and all were cleaned up.
  EXPECT_EQ(acme_.presented_at_answer_, 2);
  EXPECT_EQ(solver.cleaned.size(), 2u);
  EXPECT_EQ(solver.tasks[0].key_authorization, "token1." + client_->Thumbprint());
  LineageFiles f = state_->Files("site");
  auto cert = crypto::Certificate::FromPem(*ReadFile(f.cert));
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->dns_names(), (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_TRUE(cert->public_key() == crypto::PrivateKey::FromPem(*ReadFile(f.key))->public_key());
  EXPECT_EQ(*ReadFile(f.chain), acme_.root_->ToPem());
  auto saved = state_->LoadLineage("site");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->last_result, "ok");
  EXPECT_EQ(saved->names, l.names);
}

TEST_F(AgentIssuerTest, PollsAuthorizationsUnlessTheChallengeResponseSaysValid) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  RecordingSolver solver("http-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  ASSERT_TRUE(issuer.Issue(Lineage({"a.example"})).ok());
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/authz/1")), 2u);  // the fetch, then one poll

  acme_.answer_with_outcome_ = true;
  ASSERT_TRUE(issuer.Issue(Lineage({"a.example", "b.example"})).ok());
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/authz/1")), 3u);  // the fetch only
  EXPECT_EQ(http_.Count("POST", FakeAcme::U("/authz/2")), 1u);
  EXPECT_EQ(solver.cleaned.size(), 3u);
}

TEST_F(AgentIssuerTest, FailedValidationSurfacesChallengeErrorAndCleansUp) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  acme_.fail_validation_ = true;
  RecordingSolver solver("http-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  auto result = issuer.Issue(Lineage({"a.example"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kIncorrectResponse);
  EXPECT_NE(result.status().message().find("dns:a.example: incorrectResponse: wrong key authorization"),
            std::string::npos)
      << result.status().message();
  EXPECT_EQ(solver.cleaned.size(), 1u);
  EXPECT_FALSE(FileExists(state_->Files("site").cert));
  // A failed first issuance leaves no lineage behind for `renew --all`.
  EXPECT_EQ(state_->LoadLineage("site").status().code(), Code::kNotFound);
}

TEST_F(AgentIssuerTest, WildcardNeedsTheSolversChallengeType) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  RecordingSolver solver("tls-alpn-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  auto result = issuer.Issue(Lineage({"*.a.example"}));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no tls-alpn-01 challenge for *.dns:a.example"), std::string::npos)
      << result.status().message();
  RecordingSolver dns("dns-01", &acme_.presented_);
  Issuer dns_issuer(*client_, *state_, dns, clock_);
  auto ok = dns_issuer.Issue(Lineage({"*.a.example"}, "dns-01"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(dns.tasks[0].wildcard);
  EXPECT_EQ(dns.tasks[0].identifier.value, "a.example");
}

TEST_F(AgentIssuerTest, FailedDeployHookRollsBack) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  RecordingSolver solver("http-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  ASSERT_TRUE(issuer.Issue(Lineage({"a.example"})).ok());
  std::string first = *ReadFile(state_->Files("site").cert);
  LineageConfig l = Lineage({"a.example"});
  l.deploy_hook = "exit 4";
  auto second = issuer.Issue(l, "replaced-id");
  ASSERT_FALSE(second.ok());
  // An existing lineage records the failed attempt.
  EXPECT_NE(state_->LoadLineage("site")->last_result.find("deploy hook"), std::string::npos);
  EXPECT_NE(second.status().message().find("previous certificate restored"), std::string::npos);
  EXPECT_EQ(*ReadFile(state_->Files("site").cert), first);
  EXPECT_EQ(acme_.last_new_order_["replaces"], "replaced-id");
}

TEST_F(AgentIssuerTest, UserCsrIsSentAsIsAndNoKeyIsWritten) {
  ASSERT_TRUE(EnsureAccount(*client_, *state_, FakeAcme::U("/dir"), {}).ok());
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto csr = crypto::Csr::Create(*key, {"b.example", "a.example"}, {});
  ASSERT_TRUE(csr.ok());
  ASSERT_TRUE(WriteFileAtomic(tmp_.path() + "/own.csr", csr->ToPem(), 0644).ok());
  RecordingSolver solver("http-01", &acme_.presented_);
  Issuer issuer(*client_, *state_, solver, clock_);
  LineageConfig l = Lineage({"a.example", "b.example"});
  l.csr = tmp_.path() + "/own.csr";
  auto result = issuer.Issue(l);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->certificate.public_key() == key->public_key());
  EXPECT_FALSE(FileExists(state_->Files("site").key));
  // A CSR that does not name the lineage's names is refused before any order.
  LineageConfig other = Lineage({"a.example"});
  other.csr = l.csr;
  EXPECT_EQ(issuer.Issue(other).status().code(), Code::kInvalidArgument);
}

TEST(AgentIdentifiersFromNames, SplitsDnsAndIp) {
  auto ids = IdentifiersFromNames({"A.Example", "192.0.2.1", "2001:DB8::1", "a.example"});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ((*ids)[0], (acme::Identifier{acme::IdentifierType::kDns, "a.example"}));
  EXPECT_EQ((*ids)[1].type, acme::IdentifierType::kIp);
  EXPECT_EQ((*ids)[2].value, "2001:db8::1");
  EXPECT_FALSE(IdentifiersFromNames({"bad..name"}).ok());
}

}  // namespace
}  // namespace anvil::agent
