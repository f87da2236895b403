// anvil-ca in-process on loopback (real SQLite store, CA, validator, HTTPS listener) driven by Anvil's own ACME
// client over HTTPS: accounts, orders for DNS and IP identifiers validated for real with http-01, dns-01 and
// tls-alpn-01, finalize, download, ARI, renewal with `replaces`, revocation, key rollover, and a restart that
// keeps everything. Names resolve through pebble-challtestsrv, the DNS server the test starts.
#include <gtest/gtest.h>

#include <memory>

#include "agent/acme_client.h"
#include "agent/http_client.h"
#include "agent/sleeper.h"
#include "agent/solvers/http01.h"
#include "agent/solvers/tls_alpn01.h"
#include "base/base64url.h"
#include "base/file.h"
#include "ca_server.h"
#include "config/config.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "support/temp_dir.h"
#include "support/challtestsrv.h"

namespace anvil {
namespace {

using agent::AcmeClient;

class IssuanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dns = anvil::testing::ChallTestSrv::Start();
    ASSERT_TRUE(dns.ok()) << dns.status().ToString();
    dns_ = std::move(*dns);
    auto http01 = agent::Http01StandaloneSolver::Start("127.0.0.1", 0);
    ASSERT_TRUE(http01.ok()) << http01.status().ToString();
    http01_ = std::move(*http01);
    auto alpn = agent::TlsAlpn01Solver::Start("127.0.0.1", 0);
    ASSERT_TRUE(alpn.ok()) << alpn.status().ToString();
    alpn_ = std::move(*alpn);
    auto port = anvil::testing::FreePort();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    StartServer();
    NewClient();
  }

  void StartServer() {
    config::Config c = config::DefaultConfig();
    c.data_dir = dir_.path();
    c.server.listen = {{"127.0.0.1", port_}};
    c.server.worker_threads = 4;
    c.validation.http_port = http01_->port();
    c.validation.tls_alpn_port = alpn_->port();
    c.validation.dns_resolver = dns_->dns_server();
    c.validation.timeout = std::chrono::seconds(5);
    c.validation.workers = 4;
    c.storage.durability = "normal";
    ASSERT_TRUE(config::Finalize(c, "").ok());
    c.server.external_url = "https://localhost:" + std::to_string(port_);
    auto server = app::CaServer::Start(c, clock_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  void NewClient() {
    auto http = agent::NewCurlHttpClient({server_->root_certificate_path()});
    ASSERT_TRUE(http.ok()) << http.status().ToString();
    http_ = std::move(*http);
    agent::AcmeClientOptions options;
    options.directory_url = server_->directory_url();
    options.poll_initial_delay = std::chrono::milliseconds(50);
    options.poll_timeout = std::chrono::seconds(30);
    client_ = std::make_unique<AcmeClient>(*http_, clock_, sleeper_, options);
  }

  void Register(crypto::KeyType type = crypto::KeyType::kEcP256) {
    account_key_ = *crypto::PrivateKey::Generate(type);
    client_->SetAccountKey(account_key_);
    auto account = client_->NewAccount({{"mailto:ops@anvil.test"}, true, false, "", ""});
    ASSERT_TRUE(account.ok()) << account.status().ToString();
  }

  // Solves every authorization of `order` with the challenge type given for its identifier type.
  void Solve(const agent::Order& order, const std::string& dns_type = "http-01") {
    for (const auto& url : order.authorizations) {
      auto authz = client_->FetchAuthorization(url);
      ASSERT_TRUE(authz.ok()) << authz.status().ToString();
      if (authz->status == acme::AuthorizationStatus::kValid) continue;
      std::string type = authz->identifier.type == acme::IdentifierType::kIp ? "tls-alpn-01"
                         : authz->wildcard                                    ? "dns-01"
                                                                              : dns_type;
      const agent::Challenge* challenge = authz->FindChallenge(type);
      ASSERT_NE(challenge, nullptr) << type;
      agent::ChallengeTask task{authz->identifier, authz->wildcard, challenge->token,
                                acme::KeyAuthorization(challenge->token, client_->Thumbprint())};
      if (type == "http-01") {
        ASSERT_TRUE(http01_->Present(task).ok());
      } else if (type == "tls-alpn-01") {
        ASSERT_TRUE(alpn_->Present(task).ok());
      } else {
        ASSERT_TRUE(dns_->SetTxt("_acme-challenge." + authz->identifier.value,
                                 base64url::Encode(crypto::Sha256(task.key_authorization)))
                        .ok());
      }
      ASSERT_TRUE(client_->RespondToChallenge(challenge->url).ok());
      auto done = client_->PollAuthorization(url);
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      ASSERT_EQ(done->status, acme::AuthorizationStatus::kValid) << done->raw.dump();
    }
  }

  // Orders, solves, finalizes and downloads; returns the leaf.
  crypto::Certificate Issue(const std::vector<acme::Identifier>& ids, const std::string& replaces = "",
                            const std::string& dns_type = "http-01") {
    auto order = client_->NewOrder({ids, "", replaces});
    EXPECT_TRUE(order.ok()) << order.status().ToString();
    if (!order.ok()) return *crypto::Certificate::FromPem("");
    Solve(*order, dns_type);
    auto ready = client_->PollOrder(order->url);
    EXPECT_TRUE(ready.ok() && ready->status == acme::OrderStatus::kReady);
    std::vector<std::string> dns, ips;
    for (const auto& id : ids) (id.type == acme::IdentifierType::kDns ? dns : ips).push_back(id.value);
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    auto csr = crypto::Csr::Create(*key, dns, ips);
    auto valid = client_->Finalize(*ready, csr->ToDer());
    EXPECT_TRUE(valid.ok()) << valid.status().ToString();
    auto chains = client_->DownloadCertificateChains(valid->certificate);
    EXPECT_TRUE(chains.ok()) << chains.status().ToString();
    auto chain = crypto::Certificate::ChainFromPem(chains->front());
    EXPECT_TRUE(chain.ok() && chain->size() == 2);
    auto root = crypto::Certificate::FromPem(*ReadFile(server_->root_certificate_path()));
    EXPECT_TRUE(crypto::VerifyChain((*chain)[0], {(*chain)[1]}, *root, clock_.Now()).ok());
    return (*chain)[0];
  }

  static acme::Identifier Dns(const std::string& v) { return {acme::IdentifierType::kDns, v}; }
  static acme::Identifier Ip(const std::string& v) { return {acme::IdentifierType::kIp, v}; }

  testing::TempDir dir_;
  SystemClock clock_;
  agent::RealSleeper sleeper_;
  uint16_t port_ = 0;
  std::unique_ptr<anvil::testing::ChallTestSrv> dns_;
  std::unique_ptr<agent::Http01StandaloneSolver> http01_;
  std::unique_ptr<agent::TlsAlpn01Solver> alpn_;
  std::unique_ptr<app::CaServer> server_;
  std::unique_ptr<agent::HttpClient> http_;
  std::unique_ptr<AcmeClient> client_;
  crypto::PrivateKey account_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
};

TEST_F(IssuanceTest, Http01ForTwoNamesThenRenewWithReplacesThenRevoke) {
  Register();
  crypto::Certificate first = Issue({Dns("a.anvil.test"), Dns("b.anvil.test")});
  EXPECT_EQ(first.dns_names().size(), 2u);

  auto info = client_->FetchRenewalInfo(first);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_GT(info->window_start, clock_.Now());
  EXPECT_LT(info->window_end, first.not_after());

  auto cert_id = AcmeClient::RenewalCertId(first);
  ASSERT_TRUE(cert_id.ok());
  crypto::Certificate second = Issue({Dns("a.anvil.test"), Dns("b.anvil.test")}, *cert_id);
  EXPECT_NE(first.serial_hex(), second.serial_hex());
  // The first certificate is replaced now: a second replacement is refused (RFC 9773 §5).
  auto again = client_->NewOrder({{Dns("a.anvil.test")}, "", *cert_id});
  EXPECT_EQ(again.status().code(), Code::kAlreadyReplaced) << again.status().ToString();

  ASSERT_TRUE(client_->Revoke(second, 4).ok());
  EXPECT_EQ(client_->Revoke(second, 4).code(), Code::kAlreadyRevoked);
  auto revoked_info = client_->FetchRenewalInfo(second);
  ASSERT_TRUE(revoked_info.ok());
  EXPECT_LT(revoked_info->window_end, clock_.Now());
}

TEST_F(IssuanceTest, Dns01WildcardAndTlsAlpn01ForAnIpAddress) {
  Register(crypto::KeyType::kEcP384);
  crypto::Certificate wild = Issue({Dns("*.wild.anvil.test"), Dns("wild.anvil.test")}, "", "dns-01");
  EXPECT_EQ(wild.dns_names().size(), 2u);
  crypto::Certificate ip = Issue({Ip("127.0.0.1")});
  EXPECT_EQ(ip.ip_addresses(), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(IssuanceTest, FailedHttp01MakesTheOrderInvalidWithTheValidatorsDetail) {
  Register();
  auto order = client_->NewOrder({{Dns("nobody.anvil.test")}, "", ""});
  ASSERT_TRUE(order.ok());
  auto authz = client_->FetchAuthorization(order->authorizations[0]);
  const agent::Challenge* challenge = authz->FindChallenge("http-01");
  // Nothing presented: the solver answers 404.
  ASSERT_TRUE(client_->RespondToChallenge(challenge->url).ok());
  auto done = client_->PollAuthorization(order->authorizations[0]);
  ASSERT_FALSE(done.ok() && done->status == acme::AuthorizationStatus::kValid);
  auto fetched = client_->FetchAuthorization(order->authorizations[0]);
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->status, acme::AuthorizationStatus::kInvalid);
  auto error = fetched->FirstError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), Code::kUnauthorized);
  auto final_order = client_->FetchOrder(order->url);
  EXPECT_EQ(final_order->status, acme::OrderStatus::kInvalid);
}

TEST_F(IssuanceTest, KeyRolloverThenRestartKeepsAccountsAndCertificates) {
  Register();
  crypto::Certificate cert = Issue({Dns("keep.anvil.test")});
  auto new_key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  ASSERT_TRUE(client_->KeyRollover(*new_key).ok());
  std::string kid = client_->kid();

  server_->Stop();
  server_.reset();
  StartServer();
  NewClient();
  client_->SetAccountKey(*new_key, kid);
  auto account = client_->FetchAccount();
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_EQ(account->status, acme::AccountStatus::kValid);
  // The certificate issued before the restart is still known (ARI answers for it).
  EXPECT_TRUE(client_->FetchRenewalInfo(cert).ok());
  // A valid authorization survives the restart and is reused.
  auto order = client_->NewOrder({{Dns("keep.anvil.test")}, "", ""});
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->status, acme::OrderStatus::kReady);
}

}  // namespace
}  // namespace anvil
