#include "jose/jwk.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "jose/test_util.h"
#include "jose/test_vectors.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

using testing::MustGenerate;
using testing::Parse;

Code CodeFor(const json& jwk) { return Jwk::FromJson(jwk).status().code(); }

TEST(Jwk, Rfc7638ThumbprintVector) {
  auto jwk = Jwk::FromJson(Parse(vectors::kRfc7638Jwk));
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->Thumbprint(), vectors::kRfc7638Thumbprint);
  // Only the required members survive.
  json expected = Parse(vectors::kRfc7638Jwk);
  expected.erase("alg");
  expected.erase("kid");
  EXPECT_EQ(jwk->ToJson(), expected);
}

TEST(Jwk, Rfc8037OkpThumbprintVector) {
  auto jwk = Jwk::FromJson(Parse(vectors::kRfc8037PublicJwk));
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->Thumbprint(), vectors::kRfc8037Thumbprint);  // RFC 8037 A.3.
  EXPECT_EQ(jwk->ToJson(), Parse(vectors::kRfc8037PublicJwk));
  EXPECT_TRUE(jwk->Supports(Algorithm::kEdDsa));
  EXPECT_FALSE(jwk->Supports(Algorithm::kEs256));
  // A.1: the private key's public half is A.2's "x".
  auto priv = crypto::PrivateKey::FromPem(vectors::kRfc8037PrivatePem);
  ASSERT_TRUE(priv.ok());
  EXPECT_TRUE(Jwk::FromPublicKey(priv->public_key()) == *jwk);
}

TEST(Jwk, RoundTripsEveryKeyType) {
  for (auto type : {crypto::KeyType::kEcP256, crypto::KeyType::kEcP384, crypto::KeyType::kEcP521,
                    crypto::KeyType::kRsa2048, crypto::KeyType::kEd25519}) {
    auto key = MustGenerate(type);
    Jwk jwk = Jwk::FromPublicKey(key.public_key());
    auto again = Jwk::FromJson(jwk.ToJson());
    ASSERT_TRUE(again.ok()) << crypto::KeyTypeName(type) << ": " << again.status().ToString();
    EXPECT_TRUE(again->key() == key.public_key());
    EXPECT_EQ(again->Thumbprint(), jwk.Thumbprint());
    EXPECT_EQ(jwk.Thumbprint().size(), 43u);
    EXPECT_TRUE(jwk.Supports(DefaultAlgorithm(key.public_key())));
  }
}

TEST(Jwk, SupportsOnlyTheMatchingAlgorithm) {
  Jwk p256 = Jwk::FromPublicKey(MustGenerate(crypto::KeyType::kEcP256).public_key());
  Jwk p384 = Jwk::FromPublicKey(MustGenerate(crypto::KeyType::kEcP384).public_key());
  Jwk p521 = Jwk::FromPublicKey(MustGenerate(crypto::KeyType::kEcP521).public_key());
  EXPECT_TRUE(p256.Supports(Algorithm::kEs256));
  EXPECT_FALSE(p256.Supports(Algorithm::kEs384));
  EXPECT_FALSE(p256.Supports(Algorithm::kRs256));
  EXPECT_FALSE(p256.Supports(Algorithm::kHs256));
  EXPECT_TRUE(p384.Supports(Algorithm::kEs384));
  EXPECT_FALSE(p384.Supports(Algorithm::kEs256));
  EXPECT_TRUE(p521.Supports(Algorithm::kEs512));
  EXPECT_FALSE(p521.Supports(Algorithm::kEdDsa));
}

TEST(Jwk, RejectsPrivateMembers) {
  EXPECT_EQ(CodeFor(Parse(vectors::kRfc7520EcPrivateJwk)), Code::kBadPublicKey);
  json rsa = Parse(vectors::kRfc7638Jwk);
  for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "oth"}) {
    json with = rsa;
    with[member] = "AQAB";
    EXPECT_EQ(CodeFor(with), Code::kBadPublicKey) << member;
  }
  json oct = {{"kty", "oct"}, {"k", "AQAB"}};
  EXPECT_EQ(CodeFor(oct), Code::kBadPublicKey);
}

TEST(Jwk, RejectsBadRsaExponentsAndModuli) {
  json rsa = Parse(vectors::kRfc7638Jwk);
  auto with = [&](const char* member, json value) {
    json copy = rsa;
    copy[member] = std::move(value);
    return copy;
  };
  EXPECT_TRUE(Jwk::FromJson(rsa).ok());
  EXPECT_EQ(CodeFor(with("e", "AQ")), Code::kBadPublicKey);            // e = 1
  EXPECT_EQ(CodeFor(with("e", "Ag")), Code::kBadPublicKey);            // e = 2, even
  EXPECT_EQ(CodeFor(with("e", "AAEAAQ")), Code::kBadPublicKey);        // 65537 with a leading zero octet
  EXPECT_EQ(CodeFor(with("e", "")), Code::kBadPublicKey);              // empty
  EXPECT_EQ(CodeFor(with("e", "AQAB=")), Code::kBadPublicKey);         // padded
  EXPECT_EQ(CodeFor(with("e", 65537)), Code::kBadPublicKey);           // a number, not base64url
  EXPECT_EQ(CodeFor(with("e", "AQEBAQEBAQEB")), Code::kBadPublicKey);  // 72 bits
  EXPECT_TRUE(Jwk::FromJson(with("e", "Aw")).ok());                    // e = 3 is allowed
  auto n = base64url::Decode(rsa["n"].get<std::string>());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(CodeFor(with("n", base64url::Encode(std::string(1, '\0') + *n))), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor(with("n", base64url::Encode(n->substr(0, 128)))), Code::kBadPublicKey);  // 1024 bits
  json no_n = rsa;
  no_n.erase("n");
  EXPECT_EQ(CodeFor(no_n), Code::kBadPublicKey);
}

TEST(Jwk, RejectsBadEcKeys) {
  auto key = MustGenerate(crypto::KeyType::kEcP256);
  json ec = Jwk::FromPublicKey(key.public_key()).ToJson();
  auto with = [&](const char* member, json value) {
    json copy = ec;
    copy[member] = std::move(value);
    return copy;
  };
  auto point = key.public_key().ec_point();
  ASSERT_TRUE(point.ok());
  std::string y = point->y;
  y.back() ^= 0x01;
  EXPECT_EQ(CodeFor(with("y", base64url::Encode(y))), Code::kBadPublicKey);  // Not on the curve.
  EXPECT_EQ(CodeFor(with("x", base64url::Encode(point->x.substr(1)))), Code::kBadPublicKey);  // 31 bytes.
  EXPECT_EQ(CodeFor(with("x", base64url::Encode(std::string(1, '\0') + point->x))), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor(with("crv", "P-384")), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor(with("crv", "secp256k1")), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor(with("x", json::array())), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor(with("x", "a+b/")), Code::kBadPublicKey);
  json no_y = ec;
  no_y.erase("y");
  EXPECT_EQ(CodeFor(no_y), Code::kBadPublicKey);
}

TEST(Jwk, RejectsOtherKeyTypesAndNonObjects) {
  EXPECT_EQ(CodeFor(json::array()), Code::kMalformed);
  EXPECT_EQ(CodeFor("EC"), Code::kMalformed);
  EXPECT_EQ(CodeFor(json::object()), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor({{"kty", 1}}), Code::kBadPublicKey);
  EXPECT_EQ(CodeFor({{"kty", "DSA"}}), Code::kBadPublicKey);
  json ed448 = Parse(vectors::kRfc8037PublicJwk);
  ed448["crv"] = "Ed448";
  EXPECT_EQ(CodeFor(ed448), Code::kBadPublicKey);
  json short_ed = Parse(vectors::kRfc8037PublicJwk);
  short_ed["x"] = "AAAA";
  EXPECT_EQ(CodeFor(short_ed), Code::kBadPublicKey);
}

// RFC 7517 §4.2-4.4: a key declared for something else than verifying signatures verifies no ACME request.
TEST(Jwk, OptionalMembersMustDescribeASigningKey) {
  json base = Parse(vectors::kRfc8037PublicJwk);
  auto with = [&](const char* member, json value) {
    json copy = base;
    copy[member] = std::move(value);
    return Jwk::FromJson(copy);
  };
  auto expect_refused = [](const Result<Jwk>& r, const std::string& detail) {
    EXPECT_EQ(r.status().code(), Code::kBadPublicKey) << r.status().ToString();
    EXPECT_NE(r.status().message().find(detail), std::string::npos) << r.status().ToString();
  };
  expect_refused(with("use", "enc"), "\"use\" must be \"sig\"");
  expect_refused(with("use", 1), "\"use\" must be \"sig\"");
  expect_refused(with("key_ops", json::array({"sign", "encrypt"})), "does not include \"verify\"");
  expect_refused(with("key_ops", json::array()), "does not include \"verify\"");
  expect_refused(with("key_ops", "verify"), "must be an array of strings");
  expect_refused(with("key_ops", json::array({"verify", 7})), "must be an array of strings");
  expect_refused(with("alg", json::array()), "\"alg\" must be a string");
  auto declared = with("alg", "EdDSA");
  ASSERT_TRUE(declared.ok());
  EXPECT_EQ(declared->declared_alg(), "EdDSA");
  EXPECT_EQ(Jwk::FromJson(base)->declared_alg(), "");
}

TEST(Jwk, IgnoresUnknownMembers) {
  json jwk = Parse(vectors::kRfc8037PublicJwk);
  jwk["use"] = "sig";
  jwk["key_ops"] = json::array({"verify"});
  jwk["x5c"] = json::array();
  auto parsed = Jwk::FromJson(jwk);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Thumbprint(), vectors::kRfc8037Thumbprint);
}

TEST(JwkAlgorithm, NamesRoundTrip) {
  for (auto alg : {Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512, Algorithm::kRs256,
                   Algorithm::kEdDsa, Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
    EXPECT_EQ(ParseAlgorithm(AlgorithmName(alg)), alg);
  }
  EXPECT_EQ(AlgorithmName(Algorithm::kEdDsa), "EdDSA");
  EXPECT_EQ(AlgorithmName(Algorithm::kHs256), "HS256");
  EXPECT_FALSE(ParseAlgorithm("none").has_value());
  EXPECT_FALSE(ParseAlgorithm("es256").has_value());
  EXPECT_FALSE(ParseAlgorithm("PS256").has_value());
}

}  // namespace
}  // namespace anvil::jose
