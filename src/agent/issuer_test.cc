#include "agent/issuer.h"

#include <gtest/gtest.h>

#include "agent/testing/fake_acme.h"
#include "agent/testing/fake_http_client.h"
#include "base/file.h"
#include "crypto/csr.h"
#include "support/temp_dir.h"

namespace anvil::agent {
namespace {

using testing::FakeAcme;
using testing::FakeHttpClient;
using testing::RecordingSolver;

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
