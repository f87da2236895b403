// A key revoked for keyCompromise is never trusted or certified again (docs/security.md, Boulder's
// blockedKeys): neither as a new account's key, nor as a key rollover's new key, nor in a CSR. Other reasons
// and refused revocations block nothing.
#include <gtest/gtest.h>

#include <string>

#include "wfe/wfe_test_fixture.h"

namespace anvil::wfe {
namespace {

using namespace testing_support;  // NOLINT(build/namespaces): the fixture and its vocabulary

class KeyCompromiseTest : public WfeTest {
 protected:
  // Issues a certificate for `name` with `cert_key` to the account `kid` and revokes it for `reason`, signed
  // by the account. Returns the revocation's HTTP status.
  int IssueAndRevoke(const std::string& kid, const std::string& name, const crypto::PrivateKey& cert_key,
                     int reason) {
    crypto::Certificate leaf = FinalizeAndDownload(kid, ReadyOrder(kid, DnsIds({name.c_str()})), {name}, &cert_key);
    Json payload = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", reason}};
    return h_.Post("/acme/revoke-cert", payload, key_, kid).status;
  }
  // Finalizes a fresh ready order for `name` with a CSR of `csr_key`.
  http::Response FinalizeWith(const std::string& kid, const std::string& name, const crypto::PrivateKey& csr_key) {
    std::string order_url = ReadyOrder(kid, DnsIds({name.c_str()}));
    return h_.Post(WfeHarness::PathOf(order_url) + "/finalize", Json{{"csr", CsrFor({name}, &csr_key)}}, key_, kid);
  }
};

TEST_F(KeyCompromiseTest, AKeyRevokedForKeyCompromiseIsRefusedEverywhere) {
  std::string kid = h_.NewAccount(key_);
  auto cert_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_EQ(IssueAndRevoke(kid, "a.example.com", cert_key, /*keyCompromise*/ 1), 200);

  auto again = FinalizeWith(kid, "b.example.com", cert_key);
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_EQ(ProblemType(again), Err("badCSR"));
  EXPECT_NE(BodyJson(again)["detail"].get<std::string>().find(
                "the CSR's key is refused: the key is blocked since certificate "),
            std::string::npos)
      << again.body;

  TestKey compromised{cert_key, jose::Algorithm::kEs256};
  auto account = h_.Post("/acme/new-account", Json{{"termsOfServiceAgreed", true}}, compromised);
  EXPECT_EQ(account.status, 400) << account.body;
  EXPECT_EQ(ProblemType(account), Err("badPublicKey"));

  // Key rollover to the compromised key (RFC 8555 §7.3.5): the inner JWS is signed by the new key.
  Json inner_header = {{"jwk", compromised.jwk().ToJson()}, {"url", std::string(anvil::testing::kBaseUrl) + "/acme/key-change"}};
  Json inner_payload = {{"account", kid}, {"oldKey", key_.jwk().ToJson()}};
  auto inner = jose::Sign(compromised.key, compromised.alg, inner_header, inner_payload.dump());
  ASSERT_TRUE(inner.ok());
  auto rollover = h_.Post("/acme/key-change", Json::parse(*inner), key_, kid);
  EXPECT_EQ(rollover.status, 400) << rollover.body;
  EXPECT_EQ(ProblemType(rollover), Err("badPublicKey"));

  // The audit log says why.
  auto events = h_.store().ListAudit(0, 100);
  ASSERT_TRUE(events.ok());
  int blocked = 0;
  for (const auto& e : *events) blocked += e.kind == "key.blocked";
  EXPECT_EQ(blocked, 1);
}

TEST_F(KeyCompromiseTest, OtherReasonsAndRefusedRevocationsBlockNothing) {
  std::string kid = h_.NewAccount(key_);
  auto superseded_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_EQ(IssueAndRevoke(kid, "a.example.com", superseded_key, /*superseded*/ 4), 200);
  EXPECT_EQ(FinalizeWith(kid, "b.example.com", superseded_key).status, 200);

  // A stranger's keyCompromise revocation is refused and blocks nothing.
  auto cert_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::Certificate leaf =
      FinalizeAndDownload(kid, ReadyOrder(kid, DnsIds({"c.example.com"})), {"c.example.com"}, &cert_key);
  TestKey stranger = TestKey::Make();
  std::string stranger_kid = h_.NewAccount(stranger);
  Json payload = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", 1}};
  EXPECT_EQ(ProblemType(h_.Post("/acme/revoke-cert", payload, stranger, stranger_kid)), Err("unauthorized"));
  EXPECT_EQ(FinalizeWith(kid, "d.example.com", cert_key).status, 200);
}

TEST_F(KeyCompromiseTest, RevocationSignedByTheCertificateKeyBlocksItToo) {
  std::string kid = h_.NewAccount(key_);
  auto cert_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  crypto::Certificate leaf =
      FinalizeAndDownload(kid, ReadyOrder(kid, DnsIds({"a.example.com"})), {"a.example.com"}, &cert_key);
  TestKey by_cert{cert_key, jose::Algorithm::kEs256};
  Json payload = {{"certificate", base64url::Encode(leaf.ToDer())}, {"reason", 1}};
  ASSERT_EQ(h_.Post("/acme/revoke-cert", payload, by_cert).status, 200);
  EXPECT_EQ(ProblemType(FinalizeWith(kid, "b.example.com", cert_key)), Err("badCSR"));
}

}  // namespace
}  // namespace anvil::wfe
