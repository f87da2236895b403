// Authentication of admin API callers (admin/credentials.h): tokens found by id and compared by hash, client
// certificates that must both chain to the CA and be recorded, revocation, and what is refused with 401.
#include "admin/credentials.h"

#include <gtest/gtest.h>

#include "admin/admin_test_fixture.h"
#include "crypto/test_ca.h"

namespace anvil::admin {
namespace {

using testing::AdminApiTest;

TEST(AdminTokens, AreHighEntropyAndOnlyTheirIdIsReadable) {
  NewToken a = MakeToken(), b = MakeToken();
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(a.token.size(), 6u + 16 + 1 + 43);
  EXPECT_TRUE(a.token.starts_with("anvil_" + a.id + "_"));
  EXPECT_EQ(a.sha256, crypto::HexEncode(crypto::Sha256(a.token)));
  auto id = TokenId(a.token);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, a.id);
  for (const std::string& bad : std::vector<std::string>{"", "anvil_", a.token + "x", a.token.substr(1), "anvil_ZZZZZZZZZZZZZZZZ" + a.token.substr(22),
                                a.token.substr(0, 22) + "!" + a.token.substr(23)}) {
    EXPECT_EQ(TokenId(bad).status().code(), Code::kUnauthorized) << bad;
  }
}

class AuthenticatorTest : public AdminApiTest {
 protected:
  Result<Caller> With(const std::string& authorization, const std::string& certificate_der = "") {
    http::Request r;
    if (!authorization.empty()) r.headers.Add("Authorization", authorization);
    r.client_certificate_der = certificate_der;
    return authenticator_->Authenticate(r);
  }
};

TEST_F(AuthenticatorTest, ARecordedTokenAuthenticatesWithItsNameAndRole) {
  const std::string token = AddToken("ci", "viewer");
  auto caller = With("Bearer " + token);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->name, "ci");
  EXPECT_EQ(caller->role, Role::kViewer);
  EXPECT_EQ(caller->credential, "token");
  EXPECT_TRUE(With("bearer " + token).ok());  // the scheme is case-insensitive (RFC 6750 §2.1)
}

TEST_F(AuthenticatorTest, AWrongSecretAnUnknownTokenOrAnotherSchemeIsUnauthorized) {
  const std::string token = AddToken("ci", "operator");
  std::string wrong = token;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(With("Bearer " + wrong).status().code(), Code::kUnauthorized);
  EXPECT_EQ(With("Bearer " + MakeToken().token).status().code(), Code::kUnauthorized);
  EXPECT_EQ(With("Basic " + token).status().code(), Code::kUnauthorized);
  EXPECT_EQ(With("Bearer").status().code(), Code::kUnauthorized);
  EXPECT_EQ(With("").status().code(), Code::kUnauthorized);
}

TEST_F(AuthenticatorTest, ARevokedTokenIsUnauthorized) {
  const std::string token = AddToken("ci", "admin");
  ASSERT_TRUE(store_.RevokeAdminCredential("ci", clock_.Now(), Note("admin.credential.revoked", "ci")).ok());
  auto caller = With("Bearer " + token);
  EXPECT_EQ(caller.status().code(), Code::kUnauthorized);
  EXPECT_NE(caller.status().message().find("revoked"), std::string::npos) << caller.status().message();
}

TEST_F(AuthenticatorTest, ARecordedAdminCertificateAuthenticates) {
  const std::string der = AddCertificate("alice", "operator");
  auto caller = With("", der);
  ASSERT_TRUE(caller.ok()) << caller.status().ToString();
  EXPECT_EQ(caller->name, "alice");
  EXPECT_EQ(caller->role, Role::kOperator);
  EXPECT_EQ(caller->credential, "certificate");
}

TEST_F(AuthenticatorTest, ACertificateOfTheCaThatIsNotRecordedGrantsNothing) {
  // As an ACME client's tls-client certificate would: it chains to the CA, with clientAuth, but is no credential.
  const std::string der = AddCertificate("mallory", "admin", /*record=*/false);
  auto caller = With("", der);
  EXPECT_EQ(caller.status().code(), Code::kUnauthorized);
  EXPECT_NE(caller.status().message().find("is not an admin credential"), std::string::npos);
}

TEST_F(AuthenticatorTest, ARecordedCertificateOfAnotherCaOrRevokedIsUnauthorized) {
  auto other = crypto::test_ca::BuildTestCa(crypto::KeyType::kEcP256, "Other");
  ASSERT_TRUE(other.ok());
  const std::string foreign = other->issuer.ToDer();
  storage::AdminCredential c{"eve", "admin", "certificate", CertificateLookup(foreign), "", "2", clock_.Now(),
                             std::nullopt};
  ASSERT_TRUE(store_.CreateAdminCredential(c, Note("admin.credential.created", "eve")).ok());
  auto caller = With("", foreign);
  EXPECT_EQ(caller.status().code(), Code::kUnauthorized);
  EXPECT_NE(caller.status().message().find("does not chain"), std::string::npos) << caller.status().message();

  const std::string der = AddCertificate("bob", "viewer");
  ASSERT_TRUE(store_.RevokeAdminCredential("bob", clock_.Now(), Note("admin.credential.revoked", "bob")).ok());
  EXPECT_EQ(With("", der).status().code(), Code::kUnauthorized);
  EXPECT_EQ(With("", "garbage").status().code(), Code::kUnauthorized);
}

TEST_F(AuthenticatorTest, ATokenRecordWithAnUnknownRoleIsRefused) {
  const std::string token = AddToken("odd", "superuser");
  EXPECT_EQ(With("Bearer " + token).status().code(), Code::kUnauthorized);
}

}  // namespace
}  // namespace anvil::admin
