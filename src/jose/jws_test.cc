#include "jose/jws.h"

#include <gtest/gtest.h>

#include "base/base64url.h"
#include "jose/test_util.h"
#include "jose/test_vectors.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

using testing::MustGenerate;
using testing::Parse;

// A flattened JWS with the given protected header and payload, and a signature that is valid only if
// `key` is given.
json MakeJws(const json& header, std::string_view payload, const crypto::PrivateKey* key = nullptr) {
  json jws = {{"protected", base64url::Encode(header.dump())},
              {"payload", base64url::Encode(payload)},
              {"signature", base64url::Encode("not a signature")}};
  if (key != nullptr) {
    auto sig = key->Sign(crypto::DigestAlg::kNone,
                         jws["protected"].get<std::string>() + "." + jws["payload"].get<std::string>());
    EXPECT_TRUE(sig.ok());
    jws["signature"] = base64url::Encode(*sig);
  }
  return jws;
}

class JwsParse : public ::testing::Test {
 protected:
  crypto::PrivateKey key_ = MustGenerate(crypto::KeyType::kEd25519);
  json jwk_ = Jwk::FromPublicKey(key_.public_key()).ToJson();
  json header_ = {
      {"alg", "EdDSA"}, {"jwk", jwk_}, {"nonce", "n0nce"}, {"url", "https://ca.example/acme/new-account"}};

  Code CodeFor(const json& header) { return ParseFlattened(MakeJws(header, "{}", &key_)).status().code(); }
};

TEST_F(JwsParse, AcceptsAWellFormedJws) {
  auto jws = ParseFlattened(MakeJws(header_, R"({"termsOfServiceAgreed":true})", &key_).dump());
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg, Algorithm::kEdDsa);
  ASSERT_TRUE(jws->header.jwk.has_value());
  EXPECT_TRUE(jws->header.jwk->key() == key_.public_key());
  EXPECT_FALSE(jws->header.kid.has_value());
  EXPECT_EQ(jws->header.nonce, "n0nce");
  EXPECT_EQ(jws->header.url, "https://ca.example/acme/new-account");
  EXPECT_EQ(jws->header.raw, header_);
  EXPECT_EQ(jws->payload, R"({"termsOfServiceAgreed":true})");
  EXPECT_TRUE(Verify(*jws, key_.public_key()).ok());
}

TEST_F(JwsParse, RejectsAlgNoneMacsAndUnknownAlgorithms) {
  for (const char* alg : {"none", "HS256", "HS384", "HS512", "ES257", "es256", "PS256", ""}) {
    json header = header_;
    header["alg"] = alg;
    auto result = ParseFlattened(MakeJws(header, "{}"));
    EXPECT_EQ(result.status().code(), Code::kBadSignatureAlgorithm) << alg;
    EXPECT_NE(result.status().message().find("ES256, ES384, ES512, RS256, EdDSA"), std::string::npos) << alg;
  }
  json no_alg = header_;
  no_alg.erase("alg");
  EXPECT_EQ(CodeFor(no_alg), Code::kMalformed);
  json number_alg = header_;
  number_alg["alg"] = 256;
  EXPECT_EQ(CodeFor(number_alg), Code::kMalformed);
}

TEST_F(JwsParse, RequiresExactlyOneOfJwkAndKid) {
  json both = header_;
  both["kid"] = "https://ca.example/acme/acct/1";
  EXPECT_EQ(CodeFor(both), Code::kMalformed);
  json neither = header_;
  neither.erase("jwk");
  EXPECT_EQ(CodeFor(neither), Code::kMalformed);
  json kid_only = neither;
  kid_only["kid"] = "https://ca.example/acme/acct/1";
  auto jws = ParseFlattened(MakeJws(kid_only, "{}", &key_));
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.kid, "https://ca.example/acme/acct/1");
  EXPECT_FALSE(jws->header.jwk.has_value());
  json kid_number = neither;
  kid_number["kid"] = 1;
  EXPECT_EQ(CodeFor(kid_number), Code::kMalformed);
}

TEST_F(JwsParse, RejectsOtherSerializationsAndExtraMembers) {
  json jws = MakeJws(header_, "{}", &key_);
  json with_header = jws;
  with_header["header"] = {{"kid", "x"}};
  EXPECT_EQ(ParseFlattened(with_header).status().code(), Code::kMalformed);
  json general = {
      {"payload", jws["payload"]},
      {"signatures", json::array({{{"protected", jws["protected"]}, {"signature", jws["signature"]}}})}};
  EXPECT_EQ(ParseFlattened(general).status().code(), Code::kMalformed);
  json extra = jws;
  extra["extra"] = 1;
  EXPECT_EQ(ParseFlattened(extra).status().code(), Code::kMalformed);
  for (const char* member : {"protected", "payload", "signature"}) {
    json missing = jws;
    missing.erase(member);
    EXPECT_EQ(ParseFlattened(missing).status().code(), Code::kMalformed) << member;
    json number = jws;
    number[member] = 1;
    EXPECT_EQ(ParseFlattened(number).status().code(), Code::kMalformed) << member;
  }
  EXPECT_EQ(ParseFlattened("not json").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseFlattened("[]").status().code(), Code::kMalformed);
  EXPECT_EQ(ParseFlattened(std::string_view()).status().code(), Code::kMalformed);
  // The compact serialization is not JSON at all.
  EXPECT_EQ(ParseFlattened(jws["protected"].get<std::string>() + ".e30.c2ln").status().code(),
            Code::kMalformed);
}

TEST_F(JwsParse, DecodesBase64urlStrictly) {
  json jws = MakeJws(header_, "{}", &key_);
  auto with = [&](const char* member, std::string value) {
    json copy = jws;
    copy[member] = std::move(value);
    return ParseFlattened(copy).status().code();
  };
  const std::string payload = jws["payload"];
  EXPECT_EQ(with("payload", "e30="), Code::kMalformed);  // Padding.
  EXPECT_EQ(with("payload", "e3+/"), Code::kMalformed);  // Standard alphabet.
  EXPECT_EQ(with("payload", "e3 0"), Code::kMalformed);  // Whitespace.
  EXPECT_EQ(with("payload", "e31"), Code::kMalformed);   // Non-canonical trailing bits.
  EXPECT_EQ(with("signature", jws["signature"].get<std::string>() + "="), Code::kMalformed);
  EXPECT_EQ(with("protected", "!" + jws["protected"].get<std::string>()), Code::kMalformed);
  EXPECT_EQ(with("protected", base64url::Encode("[1]")), Code::kMalformed);  // Header not an object.
  EXPECT_EQ(with("protected", base64url::Encode("{\"alg\":")), Code::kMalformed);
  EXPECT_EQ(with("protected", ""), Code::kMalformed);
}

TEST_F(JwsParse, RejectsB64AndCrit) {
  json b64 = header_;
  b64["b64"] = false;
  EXPECT_EQ(CodeFor(b64), Code::kMalformed);
  json crit = header_;
  crit["crit"] = json::array({"exp"});
  EXPECT_EQ(CodeFor(crit), Code::kMalformed);
}

TEST_F(JwsParse, RejectsIllTypedNonceAndUrl) {
  json nonce = header_;
  nonce["nonce"] = 5;
  EXPECT_EQ(CodeFor(nonce), Code::kMalformed);
  json url = header_;
  url["url"] = json::object();
  EXPECT_EQ(CodeFor(url), Code::kMalformed);
}

TEST_F(JwsParse, PropagatesBadPublicKeyFromTheJwk) {
  json with_d = header_;
  with_d["jwk"]["d"] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
  EXPECT_EQ(CodeFor(with_d), Code::kBadPublicKey);

  json rsa_jwk = Parse(vectors::kRfc7638Jwk);
  for (const char* e : {"AQ", "AAEAAQ", "Ag", ""}) {
    json header = header_;
    header["alg"] = "RS256";
    header["jwk"] = rsa_jwk;
    header["jwk"]["e"] = e;
    EXPECT_EQ(ParseFlattened(MakeJws(header, "{}")).status().code(), Code::kBadPublicKey) << e;
  }

  auto ec_key = MustGenerate(crypto::KeyType::kEcP256);
  auto point = ec_key.public_key().ec_point();
  ASSERT_TRUE(point.ok());
  std::string y = point->y;
  y[5] ^= 0x40;
  json off_curve = header_;
  off_curve["alg"] = "ES256";
  off_curve["jwk"] = {
      {"kty", "EC"}, {"crv", "P-256"}, {"x", base64url::Encode(point->x)}, {"y", base64url::Encode(y)}};
  EXPECT_EQ(ParseFlattened(MakeJws(off_curve, "{}")).status().code(), Code::kBadPublicKey);

  json not_object = header_;
  not_object["jwk"] = "key";
  EXPECT_EQ(CodeFor(not_object), Code::kMalformed);
}

// RFC 7517 §4.4: a JWK that names its algorithm verifies only JWSs of that algorithm.
TEST_F(JwsParse, AJwkThatNamesAnotherAlgorithmIsBadPublicKey) {
  json header = header_;
  header["jwk"]["alg"] = "ES256";
  auto parsed = ParseFlattened(MakeJws(header, "{}", &key_));
  EXPECT_EQ(parsed.status().code(), Code::kBadPublicKey);
  EXPECT_EQ(parsed.status().message(), "the JWK's \"alg\" (ES256) differs from the JWS's (EdDSA)");
  header["jwk"]["alg"] = "EdDSA";
  EXPECT_TRUE(ParseFlattened(MakeJws(header, "{}", &key_)).ok());
}

TEST_F(JwsParse, AllowMacAcceptsHmacAndSkipsTheJwkKidRule) {
  json header = {{"alg", "HS256"}, {"kid", "eab-kid"}, {"url", "https://ca.example/acme/new-account"}};
  auto jws = ParseFlattened(MakeJws(header, "{}"), /*allow_mac=*/true);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg, Algorithm::kHs256);
  header.erase("kid");
  EXPECT_TRUE(ParseFlattened(MakeJws(header, "{}"), /*allow_mac=*/true).ok());
  header["alg"] = "none";
  EXPECT_EQ(ParseFlattened(MakeJws(header, "{}"), true).status().code(), Code::kBadSignatureAlgorithm);
}

class JwsSign : public ::testing::TestWithParam<crypto::KeyType> {};

TEST_P(JwsSign, SignThenParseAndVerify) {
  auto key = MustGenerate(GetParam());
  const Algorithm alg = DefaultAlgorithm(key.public_key());
  json header = {
      {"kid", "https://ca.example/acme/acct/7"}, {"nonce", "abc"}, {"url", "https://ca.example/x"}};
  auto body = Sign(key, alg, header, R"({"status":"deactivated"})");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  auto jws = ParseFlattened(*body);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->header.alg, alg);
  EXPECT_EQ(jws->header.kid, "https://ca.example/acme/acct/7");
  EXPECT_EQ(jws->payload, R"({"status":"deactivated"})");
  Status ok = Verify(*jws, key.public_key());
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  if (key.public_key().algorithm() == crypto::KeyAlgorithm::kEc) {
    // JOSE form: r||s.
    EXPECT_EQ(jws->signature.size(), 2 * crypto::CurveCoordinateLength(*key.public_key().curve()));
  }

  // Another key of the same type does not verify it.
  auto other = MustGenerate(GetParam());
  EXPECT_EQ(Verify(*jws, other.public_key()).code(), Code::kMalformed);
  // A changed payload does not verify.
  ParsedJws tampered = *jws;
  tampered.payload_b64 = base64url::Encode(R"({"status":"valid"})");
  EXPECT_EQ(Verify(tampered, key.public_key()).code(), Code::kMalformed);
  EXPECT_EQ(Verify(tampered, key.public_key()).message(), "JWS signature verification failed");
  // A truncated signature does not verify.
  tampered = *jws;
  tampered.signature.pop_back();
  EXPECT_EQ(Verify(tampered, key.public_key()).code(), Code::kMalformed);
}

TEST_P(JwsSign, PostAsGetHasAnEmptyPayload) {
  auto key = MustGenerate(GetParam());
  auto jws_json =
      SignJson(key, DefaultAlgorithm(key.public_key()), {{"kid", "k"}, {"url", "u"}, {"nonce", "n"}}, "");
  ASSERT_TRUE(jws_json.ok()) << jws_json.status().ToString();
  EXPECT_EQ((*jws_json)["payload"], "");
  auto jws = ParseFlattened(*jws_json);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ(jws->payload_b64, "");
  EXPECT_EQ(jws->payload, "");
  EXPECT_TRUE(Verify(*jws, key.public_key()).ok());
}

INSTANTIATE_TEST_SUITE_P(Keys, JwsSign,
                         ::testing::Values(crypto::KeyType::kEcP256, crypto::KeyType::kEcP384,
                                           crypto::KeyType::kEcP521, crypto::KeyType::kRsa2048,
                                           crypto::KeyType::kEd25519),
                         [](const ::testing::TestParamInfo<crypto::KeyType>& param_info) {
                           return std::string(crypto::KeyTypeName(param_info.param));
                         });

TEST(JwsVerify, RejectsAnAlgorithmThatDoesNotFitTheKey) {
  auto p256 = MustGenerate(crypto::KeyType::kEcP256);
  auto p384 = MustGenerate(crypto::KeyType::kEcP384);
  auto body = Sign(p256, Algorithm::kEs256, {{"kid", "k"}}, "{}");
  ASSERT_TRUE(body.ok());
  auto jws = ParseFlattened(*body);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(Verify(*jws, p384.public_key()).code(), Code::kBadSignatureAlgorithm);
  auto rsa = Jwk::FromJson(Parse(vectors::kRfc7638Jwk));
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(Verify(*jws, rsa->key()).code(), Code::kBadSignatureAlgorithm);
  ParsedJws mac = *jws;
  mac.header.alg = Algorithm::kHs256;
  EXPECT_EQ(Verify(mac, p256.public_key()).code(), Code::kBadSignatureAlgorithm);
}

TEST(JwsSignErrors, RejectsBadArguments) {
  auto p256 = MustGenerate(crypto::KeyType::kEcP256);
  EXPECT_EQ(Sign(p256, Algorithm::kEs384, {{"kid", "k"}}, "{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Sign(p256, Algorithm::kHs256, {{"kid", "k"}}, "{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Sign(p256, Algorithm::kEs256, json::array(), "{}").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Sign(p256, Algorithm::kEs256, {{"kid", "bad \xff utf-8"}}, "{}").status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(Sign(p256, Algorithm::kEs256, nullptr, "{}").ok());
}

// RFC 8037 Appendix A.4 (signing) and A.5 (validation).
TEST(JwsRfc8037, Ed25519SignatureIsExact) {
  auto key = crypto::PrivateKey::FromPem(vectors::kRfc8037PrivatePem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto jwk = Jwk::FromJson(Parse(vectors::kRfc8037PublicJwk));
  ASSERT_TRUE(jwk.ok());
  ASSERT_TRUE(key->public_key() == jwk->key());  // The PEM is A.1's key.

  auto jws = SignJson(*key, Algorithm::kEdDsa, json::object(), vectors::kRfc8037Payload);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ((*jws)["protected"], vectors::kRfc8037Protected);
  EXPECT_EQ((*jws)["payload"], vectors::kRfc8037PayloadB64);
  EXPECT_EQ((*jws)["signature"], vectors::kRfc8037Signature);

  // A.5: the RFC's JWS verifies with A.2's public key. It has neither jwk nor kid, which ACME would refuse,
  // so it is assembled by hand.
  ParsedJws parsed;
  parsed.header.alg = Algorithm::kEdDsa;
  parsed.protected_b64 = vectors::kRfc8037Protected;
  parsed.payload_b64 = vectors::kRfc8037PayloadB64;
  parsed.signature_b64 = vectors::kRfc8037Signature;
  parsed.signature = base64url::Decode(vectors::kRfc8037Signature).value();
  EXPECT_TRUE(Verify(parsed, jwk->key()).ok());
  parsed.signature[0] ^= 0x01;
  EXPECT_EQ(Verify(parsed, jwk->key()).code(), Code::kMalformed);
}

// RFC 7520 §4.1: RS256 (PKCS #1 v1.5) is deterministic, so the signature must match byte for byte.
TEST(JwsRfc7520, Rs256SignatureIsExact) {
  auto key = crypto::PrivateKey::FromPem(vectors::kRfc7520RsaPrivatePem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto jwk = Jwk::FromJson(Parse(vectors::kRfc7520RsaPublicJwk));
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  ASSERT_TRUE(key->public_key() == jwk->key());

  const std::string payload = base64url::Decode(vectors::kRfc7520PayloadB64).value();
  ASSERT_EQ(payload.substr(0, 5), "It\xe2\x80\x99");
  auto jws = SignJson(*key, Algorithm::kRs256, {{"kid", "bilbo.baggins@hobbiton.example"}}, payload);
  ASSERT_TRUE(jws.ok()) << jws.status().ToString();
  EXPECT_EQ((*jws)["protected"], vectors::kRfc7520Rs256Protected);
  EXPECT_EQ((*jws)["payload"], vectors::kRfc7520PayloadB64);
  EXPECT_EQ((*jws)["signature"], vectors::kRfc7520Rs256Signature);

  // The RFC's flattened form (Figure 16) parses and verifies.
  json flattened = {{"protected", vectors::kRfc7520Rs256Protected},
                    {"payload", vectors::kRfc7520PayloadB64},
                    {"signature", vectors::kRfc7520Rs256Signature}};
  auto parsed = ParseFlattened(flattened);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->header.kid, "bilbo.baggins@hobbiton.example");
  EXPECT_TRUE(Verify(*parsed, jwk->key()).ok());
}

// RFC 7520 §4.3: ES512 is randomized, so verify the RFC's signature, then sign and verify our own.
TEST(JwsRfc7520, Es512VerifiesTheRfcSignatureAndOurOwn) {
  json private_jwk = Parse(vectors::kRfc7520EcPrivateJwk);
  EXPECT_EQ(Jwk::FromJson(private_jwk).status().code(), Code::kBadPublicKey);  // It has "d".
  json public_jwk = private_jwk;
  public_jwk.erase("d");
  auto jwk = Jwk::FromJson(public_jwk);
  ASSERT_TRUE(jwk.ok()) << jwk.status().ToString();
  EXPECT_EQ(jwk->key().curve(), crypto::Curve::kP521);

  json flattened = {{"protected", vectors::kRfc7520Es512Protected},
                    {"payload", vectors::kRfc7520PayloadB64},
                    {"signature", vectors::kRfc7520Es512Signature}};
  auto parsed = ParseFlattened(flattened.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->header.alg, Algorithm::kEs512);
  EXPECT_EQ(parsed->signature.size(), 132u);
  Status ok = Verify(*parsed, jwk->key());
  EXPECT_TRUE(ok.ok()) << ok.ToString();

  auto key = crypto::PrivateKey::FromPem(vectors::kRfc7520EcPrivatePem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  ASSERT_TRUE(key->public_key() == jwk->key());
  const std::string payload = base64url::Decode(vectors::kRfc7520PayloadB64).value();
  auto ours = Sign(*key, Algorithm::kEs512, {{"kid", "bilbo.baggins@hobbiton.example"}}, payload);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  auto ours_parsed = ParseFlattened(*ours);
  ASSERT_TRUE(ours_parsed.ok());
  EXPECT_EQ(ours_parsed->protected_b64, vectors::kRfc7520Es512Protected);
  EXPECT_TRUE(Verify(*ours_parsed, jwk->key()).ok());
}

}  // namespace
}  // namespace anvil::jose
