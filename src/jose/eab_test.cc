#include "jose/eab.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "crypto/digest.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

constexpr char kUrl[] = "https://ca.example/acme/new-account";
constexpr char kKid[] = "kid-1";

class JwsEab : public ::testing::Test {
 protected:
  crypto::PrivateKey account_key_ = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
  Jwk account_jwk_ = Jwk::FromPublicKey(account_key_.public_key());
  std::string hmac_key_ = std::string("\x01\x02\x03 secret mac key bytes \xfe\xff", 27);

  ParsedJws Inner(Algorithm alg = Algorithm::kHs256, std::string_view url = kUrl) {
    auto eab = SignEab(kKid, hmac_key_, alg, account_jwk_, url);
    EXPECT_TRUE(eab.ok()) << eab.status().ToString();
    auto parsed = ParseFlattened(*eab, /*allow_mac=*/true);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return *parsed;
  }

  // An inner JWS with an arbitrary header, correctly MACed with hmac_key_.
  ParsedJws InnerWithHeader(const json& header) {
    const std::string protected_b64 = base64url::Encode(header.dump());
    const std::string payload_b64 = base64url::Encode(account_jwk_.ToJson().dump());
    json jws = {{"protected", protected_b64},
                {"payload", payload_b64},
                {"signature", base64url::Encode(crypto::Hmac(crypto::DigestAlg::kSha256, hmac_key_,
                                                             protected_b64 + "." + payload_b64))}};
    auto parsed = ParseFlattened(jws, true);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    return *parsed;
  }
};

TEST_F(JwsEab, SignThenVerify) {
  for (auto alg : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
    ParsedJws inner = Inner(alg);
    EXPECT_EQ(inner.header.alg, alg);
    auto kid = EabKid(inner, kUrl);
    ASSERT_TRUE(kid.ok()) << kid.status().ToString();
    EXPECT_EQ(*kid, kKid);
    Status ok = VerifyEab(inner, hmac_key_, account_jwk_);
    EXPECT_TRUE(ok.ok()) << ok.ToString();
    EXPECT_EQ(inner.signature.size(), crypto::DigestLength(DigestFor(alg)));
  }
}

TEST_F(JwsEab, ProtectedHeaderHasAlgKidAndUrlOnly) {
  auto eab = SignEab(kKid, hmac_key_, Algorithm::kHs256, account_jwk_, kUrl);
  ASSERT_TRUE(eab.ok());
  auto header = base64url::Decode((*eab)["protected"].get<std::string>());
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(json::parse(*header), json({{"alg", "HS256"}, {"kid", kKid}, {"url", kUrl}}));
  auto payload = base64url::Decode((*eab)["payload"].get<std::string>());
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(json::parse(*payload), account_jwk_.ToJson());
}

TEST_F(JwsEab, WrongKeyIsUnauthorized) {
  ParsedJws inner = Inner();
  EXPECT_EQ(VerifyEab(inner, "another key", account_jwk_).code(), Code::kUnauthorized);
  EXPECT_EQ(VerifyEab(inner, "", account_jwk_).code(), Code::kUnauthorized);
  ParsedJws tampered = inner;
  tampered.signature[0] ^= 0x01;
  EXPECT_EQ(VerifyEab(tampered, hmac_key_, account_jwk_).code(), Code::kUnauthorized);
}

TEST_F(JwsEab, WrongUrlIsUnauthorized) {
  EXPECT_EQ(EabKid(Inner(), "https://ca.example/acme/other").status().code(), Code::kUnauthorized);
  EXPECT_EQ(EabKid(InnerWithHeader({{"alg", "HS256"}, {"kid", kKid}}), kUrl).status().code(),
            Code::kUnauthorized);
}

TEST_F(JwsEab, AnotherAccountKeyIsUnauthorized) {
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifyEab(Inner(), hmac_key_, Jwk::FromPublicKey(other->public_key())).code(),
            Code::kUnauthorized);
}

TEST_F(JwsEab, HeaderRules) {
  EXPECT_EQ(EabKid(InnerWithHeader({{"alg", "HS256"}, {"kid", kKid}, {"url", kUrl}, {"nonce", "n"}}), kUrl)
                .status()
                .code(),
            Code::kMalformed);
  EXPECT_EQ(EabKid(InnerWithHeader({{"alg", "HS256"}, {"url", kUrl}}), kUrl).status().code(),
            Code::kMalformed);
  // The inner JWS signed with the account key instead of a MAC.
  auto signed_inner =
      SignJson(account_key_, Algorithm::kEs256, {{"kid", kKid}, {"url", kUrl}}, account_jwk_.ToJson().dump());
  ASSERT_TRUE(signed_inner.ok());
  auto parsed = ParseFlattened(*signed_inner, true);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(EabKid(*parsed, kUrl).status().code(), Code::kBadSignatureAlgorithm);
  EXPECT_EQ(VerifyEab(*parsed, hmac_key_, account_jwk_).code(), Code::kBadSignatureAlgorithm);
  // Without allow_mac, an EAB does not parse as a request JWS.
  auto eab = SignEab(kKid, hmac_key_, Algorithm::kHs256, account_jwk_, kUrl);
  ASSERT_TRUE(eab.ok());
  EXPECT_EQ(ParseFlattened(*eab).status().code(), Code::kBadSignatureAlgorithm);
}

TEST_F(JwsEab, SignEabRejectsBadArguments) {
  EXPECT_EQ(SignEab(kKid, hmac_key_, Algorithm::kEs256, account_jwk_, kUrl).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(SignEab(kKid, "", Algorithm::kHs256, account_jwk_, kUrl).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace anvil::jose
