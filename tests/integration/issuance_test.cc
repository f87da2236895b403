// anvil-ca in-process on loopback (real SQLite store, CA, validator, HTTPS listener) driven by Anvil's own ACME
// client over HTTPS: accounts, orders for DNS and IP identifiers validated for real with http-01, dns-01 and
// tls-alpn-01, finalize, download, ARI, renewal with `replaces`, revocation, key rollover, and a restart that
// keeps everything. Names resolve through pebble-challtestsrv, the DNS server the fixture starts.
#include <gtest/gtest.h>

#include "integration/issuance_fixture.h"

namespace anvil {
namespace {

using IssuanceTest = IssuanceFixture;

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
