// The fixture of the in-process integration tests (issuance_test.cc, caa_test.cc): anvil-ca on loopback (real
// SQLite store, CA, validator, HTTPS listener) driven by Anvil's own ACME client over HTTPS; names resolve
// through pebble-challtestsrv, which the fixture starts, and challenges are answered by the agent's own
// http-01 and tls-alpn-01 solvers or TXT records set at challtestsrv.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/acme_client.h"
#include "http/client.h"
#include "agent/sleeper.h"
#include "agent/solvers/http01.h"
#include "agent/solvers/tls_alpn01.h"
#include "base/base64url.h"
#include "base/file.h"
#include "ca_server.h"
#include "config/config.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "support/challtestsrv.h"
#include "support/temp_dir.h"

namespace anvil {

using agent::AcmeClient;

class IssuanceFixture : public ::testing::Test {
 protected:
  // A test's own settings, applied before the configuration is finalized.
  virtual void Configure(config::Config& /*c*/) {}

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
    for (int attempt = 0; attempt < 20 && (publication_port_ == 0 || publication_port_ == port_); ++attempt) {
      auto p = anvil::testing::FreePort();
      ASSERT_TRUE(p.ok());
      publication_port_ = *p;
    }
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
    c.publication.listen = {{"127.0.0.1", publication_port_}};
    c.publication.crl_revocation_delay = std::chrono::seconds(1);
    Configure(c);
    ASSERT_TRUE(config::Finalize(c, "").ok());
    c.server.external_url = "https://localhost:" + std::to_string(port_);
    auto server = app::CaServer::Start(c, clock_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  void NewClient() {
    auto http = http::NewCurlClient({server_->root_certificate_path()});
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
                         : authz->wildcard                                   ? "dns-01"
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
  uint16_t publication_port_ = 0;  // plain HTTP: CRLs and CA certificates
  std::unique_ptr<anvil::testing::ChallTestSrv> dns_;
  std::unique_ptr<agent::Http01StandaloneSolver> http01_;
  std::unique_ptr<agent::TlsAlpn01Solver> alpn_;
  std::unique_ptr<app::CaServer> server_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<AcmeClient> client_;
  crypto::PrivateKey account_key_ = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
};

}  // namespace anvil
