#include "crypto/key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/openssl_cli_test_util.h"
#include "crypto/random.h"

namespace anvil::crypto {
namespace {

// `openssl ecparam -name prime256v1 -genkey`: an "EC PARAMETERS" block, then the SEC1 key.
constexpr char kSec1EcKeyPem[] = R"(-----BEGIN EC PARAMETERS-----
BggqhkjOPQMBBw==
-----END EC PARAMETERS-----
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIMASqgUcieNaVFkicyrSlcsvWSqjNqjUCpE3Krn0McvEoAoGCCqGSM49
AwEHoUQDQgAED1eTmiC8qx+iSS9MYcaL0W3vCyAK9OugBulxukW+KEBu+kSuu1Y9
Mf2uKBgj6r/Nw2ne8+XvyDhR67J0QCV2Ow==
-----END EC PRIVATE KEY-----
)";

// `openssl genrsa -traditional 1024`: PKCS #1 "RSA PRIVATE KEY".
constexpr char kPkcs1RsaKeyPem[] = R"(-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQC0UxD+HqRz/P5jwBNROExPt145iK1h2NUYkok0ue4vTpyKdV8E
1brUneWiTdJSuEpc8H7mED4nxhUaaz9dtgueTtN90cPhO6E9LGnIh17UiOktUbdS
h0haLVaD6uY8Ke26gMiA4zxL7APPOcNmPLjUFt/UZej7r5M7DtvhIUl5KwIDAQAB
AoGAGoY9caPAPO9x2+pc7Q2C7Bbk3UGlf0cN0Vd8pyzSRFMj45nwKB3oJW40YPNh
hJlnFtSpVd39xov0frZX08j7XEZhLaCbEqS3YzzegN7vriX+9CsBqih8WOJ9dhf4
upDVfptvTeBN1V+8k1N5iYpIygwuZt9zBD9/IFQVwcw2FEECQQDuG8Lr9g0i+DEl
16EVqZWGm9oES7tIAPf4uvoHPie9WA99d2yahae8z1kknvJ78cp3pxHtNTPJMAfV
ste5h909AkEAwd/Gv1USWWcwdCXdlIjsAORRjP/0dG45qKXu3s0w2cgIdygKu/lp
ZpokgEyvIxRA8F1unI5Ks4XVcsjanUvmhwJBAL+BaIargOlNQQo0oYRwvqhjFTg7
SMeir85HY+0LWp75AoxgzuKA+OXsxr+jb1esorEVmF92WM5JaSPBEaxQz+kCQAN+
Ydl+0fbUejYNnKGZmg8mDiYpUqFqfxV/7/8J2ZCDH0vuZ8sdYn3b1z6MozdRnR33
wQ+HLOdxSPhpkC73eC8CQCs8oyk7PsUIod+/o9LmTwUxHh3eoYBLZRQap5ZXk/m3
37yEOwTVmmVwoFUihfismGfLgDxyuOe3BKRddaLxEt8=
-----END RSA PRIVATE KEY-----
)";

// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc -pass pass:secret`.
constexpr char kEncryptedKeyPem[] = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAh9syST3w2NAAICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEHEUdhWtklSs6IT1h/88/LIEgZAR
ybJU9FhqS64lbbUoADvOW/Bl1Dx2kLdQwH0xRBkJ2++Oqm3ZMCFEGtvVYz5t4aqq
1p3p64uGQmiC1Vzti6OgeuVSUVHeG/GU+0HoeWe4pJSXSssF/TvLpHZaicGYRdxD
i2luv9MPtHRBYzdG/nddX8D8eFlO1LSNmujojqAD1mmGUoPFnpHrXJB6BZEjU4w=
-----END ENCRYPTED PRIVATE KEY-----
)";

class EveryKeyType : public testing::TestWithParam<KeyType> {};

TEST_P(EveryKeyType, GeneratesSignsVerifiesAndRoundTripsPem) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const PublicKey pub = key->public_key();
  const DigestAlg digest = DefaultDigestFor(pub);

  auto sig = key->Sign(digest, "hello");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(pub.Verify(digest, "hello", *sig));
  EXPECT_FALSE(pub.Verify(digest, "hellO", *sig));
  std::string bad = *sig;
  bad[bad.size() / 2] ^= 0x01;
  EXPECT_FALSE(pub.Verify(digest, "hello", bad));

  std::string pem = key->ToPem();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << pem;
  auto again = PrivateKey::FromPem(pem);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->public_key() == pub);
  auto sig2 = again->Sign(digest, "hello");
  ASSERT_TRUE(sig2.ok());
  EXPECT_TRUE(pub.Verify(digest, "hello", *sig2));

  auto from_der = PublicKey::FromDer(pub.ToDer());
  ASSERT_TRUE(from_der.ok()) << from_der.status().ToString();
  EXPECT_TRUE(*from_der == pub);
  auto from_pem = PublicKey::FromPem(pub.ToPem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status().ToString();
  EXPECT_TRUE(*from_pem == pub);
  EXPECT_EQ(pub.ToPem().rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
}

// ToDer builds the SubjectPublicKeyInfo itself (no OpenSSL encoder); it must be OpenSSL's encoding exactly.
TEST_P(EveryKeyType, SpkiIsByteForByteWhatOpenSslEncodes) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key.ok());
  const std::string pem = key->public_key().ToPem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  ASSERT_NE(bio, nullptr);
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  EVP_PKEY_free(pkey);
  ASSERT_GT(len, 0);
  std::string openssl_der(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  EXPECT_EQ(key->public_key().ToDer(), openssl_der);
  auto reparsed = PublicKey::FromDer(openssl_der);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(reparsed->ToDer(), openssl_der);
}

TEST_P(EveryKeyType, ReportsAlgorithmBitsAndComponents) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key.ok());
  const PublicKey pub = key->public_key();
  switch (GetParam()) {
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521: {
      ASSERT_EQ(pub.algorithm(), KeyAlgorithm::kEc);
      ASSERT_TRUE(pub.curve().has_value());
      auto point = pub.ec_point();
      ASSERT_TRUE(point.ok());
      EXPECT_EQ(point->x.size(), CurveCoordinateLength(*pub.curve()));
      EXPECT_EQ(point->y.size(), CurveCoordinateLength(*pub.curve()));
      auto rebuilt = PublicKey::FromEcPoint(point->curve, point->x, point->y);
      ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
      EXPECT_TRUE(*rebuilt == pub);
      EXPECT_FALSE(pub.rsa_components().ok());
      EXPECT_FALSE(pub.ed25519_raw().ok());
      const int bits = GetParam() == KeyType::kEcP256 ? 256 : GetParam() == KeyType::kEcP384 ? 384 : 521;
      EXPECT_EQ(pub.bits(), bits);
      break;
    }
    case KeyType::kRsa2048:
    case KeyType::kRsa3072:
    case KeyType::kRsa4096: {
      ASSERT_EQ(pub.algorithm(), KeyAlgorithm::kRsa);
      EXPECT_FALSE(pub.curve().has_value());
      auto rsa = pub.rsa_components();
      ASSERT_TRUE(rsa.ok());
      EXPECT_EQ(rsa->e, std::string("\x01\x00\x01", 3));
      EXPECT_NE(rsa->n[0], '\0');
      auto rebuilt = PublicKey::FromRsa(rsa->n, rsa->e);
      ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
      EXPECT_TRUE(*rebuilt == pub);
      EXPECT_EQ(DefaultDigestFor(pub), DigestAlg::kSha256);
      const int bits = GetParam() == KeyType::kRsa2048 ? 2048 : GetParam() == KeyType::kRsa3072 ? 3072 : 4096;
      EXPECT_EQ(pub.bits(), bits);
      EXPECT_EQ(rsa->n.size() * 8, static_cast<size_t>(bits));
      break;
    }
    case KeyType::kEd25519: {
      ASSERT_EQ(pub.algorithm(), KeyAlgorithm::kEd25519);
      auto raw = pub.ed25519_raw();
      ASSERT_TRUE(raw.ok());
      EXPECT_EQ(raw->size(), 32u);
      auto rebuilt = PublicKey::FromEd25519(*raw);
      ASSERT_TRUE(rebuilt.ok());
      EXPECT_TRUE(*rebuilt == pub);
      EXPECT_EQ(pub.bits(), 256);
      EXPECT_EQ(DefaultDigestFor(pub), DigestAlg::kNone);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, EveryKeyType,
                         testing::Values(KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521,
                                         KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                                         KeyType::kEd25519),
                         [](const testing::TestParamInfo<KeyType>& param_info) {
                           return std::string(KeyTypeName(param_info.param));
                         });

TEST(KeyType, NamesRoundTrip) {
  for (auto t : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521, KeyType::kRsa2048, KeyType::kRsa3072,
                 KeyType::kRsa4096, KeyType::kEd25519}) {
    auto parsed = ParseKeyType(KeyTypeName(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(KeyTypeName(KeyType::kEcP256), "ec256");
  EXPECT_EQ(KeyTypeName(KeyType::kEd25519), "ed25519");
  EXPECT_EQ(ParseKeyType("rsa1024").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseKeyType("").status().code(), Code::kInvalidArgument);
}

TEST(PrivateKey, ReadsSec1AndPkcs1Pem) {
  auto ec = PrivateKey::FromPem(kSec1EcKeyPem);
  ASSERT_TRUE(ec.ok()) << ec.status().ToString();
  EXPECT_EQ(ec->public_key().curve(), Curve::kP256);
  auto rsa = PrivateKey::FromPem(kPkcs1RsaKeyPem);
  ASSERT_TRUE(rsa.ok()) << rsa.status().ToString();
  EXPECT_EQ(rsa->public_key().algorithm(), KeyAlgorithm::kRsa);
  EXPECT_EQ(rsa->public_key().bits(), 1024);
  // Written back as PKCS #8.
  auto again = PrivateKey::FromPem(rsa->ToPem());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->public_key() == rsa->public_key());
}

TEST(PrivateKey, RefusesEncryptedAndGarbagePem) {
  EXPECT_EQ(PrivateKey::FromPem(kEncryptedKeyPem).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromPem("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(
      PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").status().code(),
      Code::kInvalidArgument);
}

TEST(PrivateKey, AnEncryptedKeyRoundTripsOnlyWithItsPassphrase) {
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa2048, KeyType::kEd25519}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key.ok());
    auto pem = key->ToEncryptedPem("correct horse battery staple");
    ASSERT_TRUE(pem.ok()) << pem.status().ToString();
    EXPECT_NE(pem->find("-----BEGIN ENCRYPTED PRIVATE KEY-----"), std::string::npos);
    auto back = PrivateKey::FromPem(*pem, "correct horse battery staple");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(back->public_key() == key->public_key());

    auto without = PrivateKey::FromPem(*pem);
    EXPECT_EQ(without.status().code(), Code::kInvalidArgument);
    EXPECT_NE(without.status().message().find("no passphrase"), std::string::npos);
    auto wrong = PrivateKey::FromPem(*pem, "correct horse battery stapler");
    EXPECT_EQ(wrong.status().code(), Code::kInvalidArgument);
    EXPECT_NE(wrong.status().message().find("wrong passphrase"), std::string::npos);
  }
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  EXPECT_EQ(key->ToEncryptedPem("").status().code(), Code::kInvalidArgument);
  // An unencrypted key reads the same with a passphrase given.
  auto plain = PrivateKey::FromPem(key->ToPem(), "unused");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->public_key() == key->public_key());
}

TEST(PrivateKey, EncryptedPemIsWhatOpensslWritesAndReads) {
  cli_testing::CliTempDir dir("encrypted_key");
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  const std::string ours = dir.Write("ours.pem", *key->ToEncryptedPem("s3cret"));
  // PBES2 with PBKDF2 (hmacWithSHA256) and AES-256-CBC, as key.h says; openssl decrypts it.
  auto parsed = cli_testing::RunCommand("openssl asn1parse -in " + ours);
  EXPECT_NE(parsed.output.find("PBES2"), std::string::npos) << parsed.output;
  EXPECT_NE(parsed.output.find("PBKDF2"), std::string::npos) << parsed.output;
  EXPECT_NE(parsed.output.find("hmacWithSHA256"), std::string::npos) << parsed.output;
  EXPECT_NE(parsed.output.find("aes-256-cbc"), std::string::npos) << parsed.output;
  auto decrypted = cli_testing::RunCommand("openssl pkey -in " + ours + " -passin pass:s3cret -pubout");
  ASSERT_EQ(decrypted.exit_code, 0) << decrypted.output;
  EXPECT_NE(decrypted.output.find(key->public_key().ToPem()), std::string::npos);
  EXPECT_NE(cli_testing::RunCommand("openssl pkey -in " + ours + " -passin pass:wrong -noout").exit_code, 0);

  // And openssl's encrypted keys are read.
  const std::string theirs = dir.path() + "/theirs.pem";
  auto made = cli_testing::RunCommand("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 "
                                      "-aes-256-cbc -pass pass:other -out " + theirs);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto read = PrivateKey::FromPem(dir.Read("theirs.pem"), "other");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->public_key().curve(), Curve::kP384);
}

TEST(PrivateKey, SignRejectsADigestThatDoesNotFitTheKey) {
  auto ed = PrivateKey::Generate(KeyType::kEd25519);
  auto ec = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(ed.ok() && ec.ok());
  EXPECT_EQ(ed->Sign(DigestAlg::kSha256, "x").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ec->Sign(DigestAlg::kNone, "x").status().code(), Code::kInvalidArgument);
  auto sig = ec->Sign(DigestAlg::kSha256, "x");
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(ec->public_key().Verify(DigestAlg::kNone, "x", *sig));
  EXPECT_FALSE(ec->public_key().Verify(DigestAlg::kSha384, "x", *sig));
}

TEST(PublicKey, FromEcPointRejectsAPointNotOnTheCurve) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  auto point = key->public_key().ec_point();
  ASSERT_TRUE(point.ok());
  std::string y = point->y;
  y.back() ^= 0x01;
  auto off_curve = PublicKey::FromEcPoint(Curve::kP256, point->x, y);
  EXPECT_EQ(off_curve.status().code(), Code::kBadPublicKey);
  // (0, 0) is not on P-256 either; nor is a coordinate longer than the field.
  EXPECT_EQ(
      PublicKey::FromEcPoint(Curve::kP256, std::string(32, '\0'), std::string(32, '\0')).status().code(),
      Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromEcPoint(Curve::kP256, point->x + "x", point->y).status().code(),
            Code::kBadPublicKey);
  // The right point on the wrong curve.
  EXPECT_EQ(PublicKey::FromEcPoint(Curve::kP384, point->x, point->y).status().code(), Code::kBadPublicKey);
}

TEST(PublicKey, FromRsaRejectsBadExponentsAndModuli) {
  auto key = PrivateKey::Generate(KeyType::kRsa2048);
  ASSERT_TRUE(key.ok());
  auto rsa = key->public_key().rsa_components();
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(PublicKey::FromRsa(rsa->n, std::string("\x01", 1)).status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromRsa(rsa->n, std::string("\x01\x00\x00", 3)).status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromRsa(rsa->n, "").status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromRsa(rsa->n, std::string(9, '\x01')).status().code(), Code::kBadPublicKey);
  std::string even_n = rsa->n;
  even_n.back() &= static_cast<char>(0xfe);
  EXPECT_EQ(PublicKey::FromRsa(even_n, rsa->e).status().code(), Code::kBadPublicKey);
  // A leading zero byte is ignored.
  auto padded = PublicKey::FromRsa(std::string(1, '\0') + rsa->n, rsa->e);
  ASSERT_TRUE(padded.ok());
  EXPECT_TRUE(*padded == key->public_key());
}

// An uncompressed P-256 SPKI is 27 bytes of header, then 0x04 || X || Y.
TEST(PublicKey, FromDerRefusesAnEcPointOffTheCurve) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  std::string der = key->public_key().ToDer();
  ASSERT_EQ(der.size(), 91u);
  der.back() = static_cast<char>(der.back() ^ 0x01);  // y + 1 or y - 1: no longer on the curve
  EXPECT_EQ(PublicKey::FromDer(der).status().code(), Code::kBadPublicKey);
}

TEST(PublicKey, FromDerReadsACompressedEcPoint) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  const std::string der = key->public_key().ToDer();
  auto point = key->public_key().ec_point();
  ASSERT_TRUE(point.ok());
  const bool y_odd = (static_cast<unsigned char>(point->y.back()) & 1) != 0;
  // SEQUENCE { AlgorithmIdentifier (the same 21 bytes), BIT STRING { 0, 0x02|parity, X } }
  std::string compressed = std::string("\x30\x39", 2) + der.substr(2, 21) + std::string("\x03\x22\x00", 3) +
                           static_cast<char>(y_odd ? 0x03 : 0x02) + point->x;
  auto parsed = PublicKey::FromDer(compressed);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(*parsed == key->public_key());
}

TEST(PublicKey, FromDerRejectsGarbageAndTrailingData) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(PublicKey::FromDer("garbage").status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromDer(std::string_view()).status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromPem(std::string_view()).status().code(), Code::kBadPublicKey);
  EXPECT_EQ(EcdsaDerToRaw(std::string_view(), Curve::kP256).status().code(), Code::kMalformed);
  EXPECT_EQ(PublicKey::FromDer(key->public_key().ToDer() + "x").status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromPem("nothing").status().code(), Code::kBadPublicKey);
  EXPECT_EQ(PublicKey::FromEd25519(std::string(31, 'a')).status().code(), Code::kBadPublicKey);
}

TEST(PublicKey, EqualityComparesKeyMaterial) {
  auto a = PrivateKey::Generate(KeyType::kEcP256);
  auto b = PrivateKey::Generate(KeyType::kEcP256);
  auto c = PrivateKey::Generate(KeyType::kEd25519);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(a->public_key() == a->public_key());
  EXPECT_FALSE(a->public_key() == b->public_key());
  EXPECT_FALSE(a->public_key() == c->public_key());
}

TEST(Ecdsa, DerAndRawRoundTrip) {
  for (auto [type, curve] :
       {std::pair{KeyType::kEcP256, Curve::kP256}, std::pair{KeyType::kEcP384, Curve::kP384},
        std::pair{KeyType::kEcP521, Curve::kP521}}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key.ok());
    const DigestAlg digest = DefaultDigestFor(key->public_key());
    // Several signatures, so that some r or s has a high bit set or a leading zero byte.
    for (int i = 0; i < 8; ++i) {
      auto der = key->Sign(digest, "payload");
      ASSERT_TRUE(der.ok());
      auto raw = EcdsaDerToRaw(*der, curve);
      ASSERT_TRUE(raw.ok()) << raw.status().ToString();
      EXPECT_EQ(raw->size(), 2 * CurveCoordinateLength(curve));
      auto back = EcdsaRawToDer(*raw);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, *der);
      EXPECT_TRUE(key->public_key().Verify(digest, "payload", *back));
    }
  }
}

TEST(Ecdsa, RejectsWrongLengthsAndGarbage) {
  EXPECT_EQ(EcdsaRawToDer(std::string(63, 'a')).status().code(), Code::kMalformed);
  EXPECT_EQ(EcdsaRawToDer("").status().code(), Code::kMalformed);
  EXPECT_EQ(EcdsaDerToRaw("garbage", Curve::kP256).status().code(), Code::kMalformed);
  // A P-521 signature does not fit P-256.
  auto key = PrivateKey::Generate(KeyType::kEcP521);
  ASSERT_TRUE(key.ok());
  auto der = key->Sign(DigestAlg::kSha512, "x");
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(EcdsaDerToRaw(*der, Curve::kP256).status().code(), Code::kMalformed);
  EXPECT_EQ(EcdsaDerToRaw(*der + "x", Curve::kP521).status().code(), Code::kMalformed);
}

TEST(PrivateKey, SignsAndVerifiesFromManyThreadsAtOnce) {
  // The class comment promises that one key may be shared between threads.
  for (auto type : {KeyType::kEcP256, KeyType::kRsa2048, KeyType::kEd25519}) {
    const PrivateKey key = PrivateKey::Generate(type).value();
    const PublicKey pub = key.public_key();
    const DigestAlg digest = DefaultDigestFor(pub);
    std::vector<std::thread> threads;
    std::vector<int> good(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 10; ++i) {
          const std::string data = "message " + std::to_string(t) + "/" + std::to_string(i);
          auto sig = key.Sign(digest, data);
          if (sig.ok() && pub.Verify(digest, data, *sig) && PublicKey::FromDer(pub.ToDer()).ok()) ++good[t];
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 4; ++t) EXPECT_EQ(good[t], 10) << KeyTypeName(type);
  }
}

}  // namespace
}  // namespace anvil::crypto
