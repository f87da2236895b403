// Tests for the TPM 2.0 structures (tpm2.h): exact layouts, round trips with software keys, names, public
// keys, signatures, and the strict parser's refusals (every truncation, trailing bytes, bad selectors).
#include "attest/tpm2.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/digest.h"

namespace anvil::attest {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(char(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

crypto::PrivateKey MustGenerate(crypto::KeyType type) {
  auto key = crypto::PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

constexpr uint32_t kSigningKeyAttributes =
    kTpmaFixedTpm | kTpmaFixedParent | kTpmaSensitiveDataOrigin | kTpmaUserWithAuth | kTpmaNoDa | kTpmaSign;

TpmtPublic EccPublic(const crypto::PublicKey& key) {
  TpmtPublic p;
  p.type = kTpmAlgEcc;
  p.name_alg = kTpmAlgSha256;
  p.object_attributes = kSigningKeyAttributes;
  p.scheme = {kTpmAlgEcdsa, kTpmAlgSha256, 0};
  auto point = key.ec_point();
  EXPECT_TRUE(point.ok());
  p.ecc.curve_id = point->curve == crypto::Curve::kP256 ? kTpmEccNistP256 : kTpmEccNistP384;
  p.ecc.x = point->x;
  p.ecc.y = point->y;
  return p;
}

TpmtPublic RsaPublic(const crypto::PublicKey& key) {
  TpmtPublic p;
  p.type = kTpmAlgRsa;
  p.object_attributes = kSigningKeyAttributes;
  auto rsa = key.rsa_components();
  EXPECT_TRUE(rsa.ok());
  p.rsa.key_bits = static_cast<uint16_t>(rsa->n.size() * 8);
  p.rsa.n = rsa->n;
  return p;
}

// Part 2 §12.2.4 field order, written out by hand for a P-256 signing key.
TEST(TpmtPublic, MarshalsTheEccLayout) {
  TpmtPublic p;
  p.type = kTpmAlgEcc;
  p.name_alg = kTpmAlgSha256;
  p.object_attributes = 0x00050072;  // fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|sign
  p.scheme = {kTpmAlgEcdsa, kTpmAlgSha256, 0};
  p.ecc.curve_id = kTpmEccNistP256;
  p.ecc.x = std::string(32, '\x11');
  p.ecc.y = std::string(32, '\x22');
  const std::string expected = Hex("0023"
                                   "000b"
                                   "00050072"
                                   "0000"
                                   "0010"
                                   "0018000b"
                                   "0003"
                                   "0010") +
                               Hex("0020") + p.ecc.x + Hex("0020") + p.ecc.y;
  EXPECT_EQ(MarshalTpmtPublic(p), expected);
  auto parsed = ParseTpmtPublic(expected);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->raw, expected);
  EXPECT_TRUE(parsed->has(kTpmaRestricted | kTpmaSign));
  EXPECT_FALSE(parsed->has(kTpmaDecrypt));
  EXPECT_EQ(parsed->ecc.kdf.scheme, kTpmAlgNull);
}

TEST(TpmtPublic, MarshalsTheRsaLayoutWithSymmetricAndScheme) {
  TpmtPublic p;
  p.type = kTpmAlgRsa;
  p.name_alg = kTpmAlgSha384;
  p.object_attributes = 0x00030072;
  p.auth_policy = std::string(32, '\xaa');
  p.symmetric = {kTpmAlgAes, 128, 0x0043};  // AES-128-CFB, as a storage key's parameters
  p.scheme = {kTpmAlgRsaes, 0, 0};          // no details
  p.rsa.key_bits = 16;
  p.rsa.exponent = 3;
  p.rsa.n = "\xc3\x55";
  const std::string expected = Hex("0001"
                                   "000c"
                                   "00030072"
                                   "0020") +
                               p.auth_policy +
                               Hex("0006"
                                   "0080"
                                   "0043"
                                   "0015"
                                   "0010"
                                   "00000003"
                                   "0002"
                                   "c355");
  EXPECT_EQ(MarshalTpmtPublic(p), expected);
  auto parsed = ParseTpmtPublic(expected);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->symmetric.key_bits, 128);
  EXPECT_EQ(parsed->symmetric.mode, 0x0043);
  EXPECT_EQ(parsed->auth_policy, p.auth_policy);
  EXPECT_EQ(parsed->rsa.exponent, 3u);
  EXPECT_EQ(parsed->rsa.n, p.rsa.n);
}

TEST(TpmtPublic, EcdaaSchemeCarriesACount) {
  TpmtPublic p = EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key());
  p.scheme = {kTpmAlgEcdaa, kTpmAlgSha256, 7};
  p.ecc.kdf = {kTpmAlgKdf1Sp800_108, kTpmAlgSha256, 0};
  auto parsed = ParseTpmtPublic(MarshalTpmtPublic(p));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->scheme.count, 7);
  EXPECT_EQ(parsed->ecc.kdf.scheme, kTpmAlgKdf1Sp800_108);
  EXPECT_EQ(parsed->ecc.kdf.hash_alg, kTpmAlgSha256);
}

TEST(TpmtPublic, EccKeyRoundTripsToTheSameKey) {
  for (auto type : {crypto::KeyType::kEcP256, crypto::KeyType::kEcP384}) {
    const crypto::PublicKey key = MustGenerate(type).public_key();
    auto parsed = ParseTpmtPublic(MarshalTpmtPublic(EccPublic(key)));
    ASSERT_TRUE(parsed.ok());
    auto back = TpmPublicKey(*parsed);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == key);
  }
}

TEST(TpmtPublic, RsaExponentZeroMeans65537) {
  const crypto::PublicKey key = MustGenerate(crypto::KeyType::kRsa2048).public_key();
  TpmtPublic p = RsaPublic(key);
  auto parsed = ParseTpmtPublic(MarshalTpmtPublic(p));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->rsa.exponent, 0u);
  auto back = TpmPublicKey(*parsed);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == key);
  p.rsa.exponent = 65537;  // the same key, spelled out
  EXPECT_TRUE(*TpmPublicKey(p) == key);
  p.rsa.exponent = 3;
  EXPECT_FALSE(*TpmPublicKey(p) == key);
}

TEST(TpmtPublic, PublicKeyRefusesInconsistentParameters) {
  TpmtPublic rsa = RsaPublic(MustGenerate(crypto::KeyType::kRsa2048).public_key());
  rsa.rsa.key_bits = 3072;
  auto r = TpmPublicKey(rsa);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMalformed);
  EXPECT_NE(r.status().message().find("keyBits"), std::string::npos);

  TpmtPublic ecc = EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key());
  ecc.ecc.curve_id = 0x0010;  // TPM_ECC_BN_P256
  EXPECT_NE(TpmPublicKey(ecc).status().message().find("curveID"), std::string::npos);
  ecc.ecc.curve_id = kTpmEccNistP256;
  ecc.ecc.y[31] ^= 1;  // off the curve
  EXPECT_EQ(TpmPublicKey(ecc).status().code(), Code::kBadPublicKey);
}

TEST(TpmtPublic, EveryTruncationAndTrailingByteIsRefused) {
  for (const TpmtPublic& p : {EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key()),
                              RsaPublic(MustGenerate(crypto::KeyType::kRsa2048).public_key())}) {
    const std::string bytes = MarshalTpmtPublic(p);
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = ParseTpmtPublic(bytes.substr(0, n));
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.status().code(), Code::kMalformed) << n;
      EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << n << r.status().message();
    }
    auto trailing = ParseTpmtPublic(bytes + '\0');
    ASSERT_FALSE(trailing.ok());
    EXPECT_EQ(trailing.status().message(), "TPMT_PUBLIC: trailing bytes");
  }
}

TEST(TpmtPublic, RefusesSelectorsOutsideAttestation) {
  const TpmtPublic good = EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key());
  auto message = [](const TpmtPublic& p) { return ParseTpmtPublic(MarshalTpmtPublic(p)).status().message(); };
  TpmtPublic p = good;
  p.type = 0x0008;  // TPM_ALG_KEYEDHASH
  EXPECT_NE(message(p).find("type 0x0008 is not RSA or ECC"), std::string::npos);
  p = good;
  p.name_alg = kTpmAlgNull;
  EXPECT_NE(message(p).find("nameAlg 0x0010 is not a hash"), std::string::npos);
  p = good;
  p.symmetric = {0x000A /* XOR */, 0, 0};
  EXPECT_NE(message(p).find("symmetric.algorithm"), std::string::npos);
  p = good;
  p.scheme = {kTpmAlgRsassa, kTpmAlgSha256, 0};  // an RSA scheme on an ECC key
  EXPECT_NE(message(p).find("scheme 0x0014 is not supported"), std::string::npos);
  p = good;
  p.scheme = {kTpmAlgEcdsa, kTpmAlgAes, 0};
  EXPECT_NE(message(p).find("scheme.hashAlg 0x0006 is not a hash"), std::string::npos);
  p = good;
  p.ecc.kdf = {kTpmAlgEcdsa, kTpmAlgSha256, 0};
  EXPECT_NE(message(p).find("kdf 0x0018 is not supported"), std::string::npos);
  p = good;
  p.auth_policy = std::string(65, 'x');
  EXPECT_NE(message(p).find("authPolicy larger than 64 octets"), std::string::npos);
  p = good;
  p.ecc.x = std::string(67, 'x');
  EXPECT_NE(message(p).find("unique.ecc.x larger than 66 octets"), std::string::npos);
  TpmtPublic rsa = RsaPublic(MustGenerate(crypto::KeyType::kRsa2048).public_key());
  rsa.rsa.n = std::string(513, 'x');
  EXPECT_NE(message(rsa).find("unique.rsa larger than 512 octets"), std::string::npos);
}

TEST(TpmName, IsNameAlgThenTheDigestOfTheExactBytes) {
  TpmtPublic p = EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key());
  const std::string bytes = MarshalTpmtPublic(p);
  auto parsed = ParseTpmtPublic(bytes);
  ASSERT_TRUE(parsed.ok());
  auto name = TpmName(*parsed);
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, Hex("000b") + crypto::Sha256(bytes));
  EXPECT_EQ(*TpmName(p), *name);  // built by hand: the marshalled fields

  p.name_alg = kTpmAlgSha384;
  const std::string bytes384 = MarshalTpmtPublic(p);
  EXPECT_EQ(*TpmName(*ParseTpmtPublic(bytes384)),
            Hex("000c") + crypto::Digest(crypto::DigestAlg::kSha384, bytes384));
}

TEST(TpmName, Sha1NameAlgIsParsedButRefused) {
  TpmtPublic p = EccPublic(MustGenerate(crypto::KeyType::kEcP256).public_key());
  p.name_alg = kTpmAlgSha1;
  auto parsed = ParseTpmtPublic(MarshalTpmtPublic(p));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->weak_name_alg());
  auto name = TpmName(*parsed);
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().code(), Code::kMalformed);
  EXPECT_NE(name.status().message().find("SHA-1"), std::string::npos);
}

TpmsAttest CertifyInfo() {
  TpmsAttest a;
  a.qualified_signer = Hex("000b") + std::string(32, 'q');
  a.extra_data = std::string(32, 'e');
  a.clock_info = {0x0102030405060708, 9, 10, true};
  a.firmware_version = 0x1122334455667788;
  a.certified_name = Hex("000b") + std::string(32, 'n');
  a.certified_qualified_name = Hex("000b") + std::string(32, 'Q');
  return a;
}

TEST(TpmsAttest, MarshalsTheCertifyLayout) {
  const TpmsAttest a = CertifyInfo();
  const std::string expected = Hex("ff544347"
                                   "8017"
                                   "0022") +
                               a.qualified_signer + Hex("0020") + a.extra_data +
                               Hex("0102030405060708"
                                   "00000009"
                                   "0000000a"
                                   "01"
                                   "1122334455667788"
                                   "0022") +
                               a.certified_name + Hex("0022") + a.certified_qualified_name;
  EXPECT_EQ(MarshalTpmsAttest(a), expected);
  auto parsed = ParseTpmsAttest(expected);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->magic, kTpmGeneratedValue);
  EXPECT_EQ(parsed->type, kTpmStAttestCertify);
  EXPECT_EQ(parsed->extra_data, a.extra_data);
  EXPECT_EQ(parsed->clock_info.clock, a.clock_info.clock);
  EXPECT_EQ(parsed->clock_info.reset_count, 9u);
  EXPECT_EQ(parsed->clock_info.restart_count, 10u);
  EXPECT_TRUE(parsed->clock_info.safe);
  EXPECT_EQ(parsed->firmware_version, a.firmware_version);
  EXPECT_EQ(parsed->certified_name, a.certified_name);
  EXPECT_EQ(parsed->certified_qualified_name, a.certified_qualified_name);
  EXPECT_EQ(parsed->raw, expected);
}

TEST(TpmsAttest, KeepsMagicAndOtherTypesUnparsed) {
  TpmsAttest a = CertifyInfo();
  a.magic = 0x12345678;
  a.type = kTpmStAttestCreation;
  a.attested = Hex("0022") + std::string(34, 'o') + Hex("0020") + std::string(32, 'h');
  auto parsed = ParseTpmsAttest(MarshalTpmsAttest(a));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->magic, 0x12345678u);
  EXPECT_EQ(parsed->type, kTpmStAttestCreation);
  EXPECT_EQ(parsed->attested, a.attested);
  EXPECT_TRUE(parsed->certified_name.empty());
}

TEST(TpmsAttest, RefusesTruncationTrailingBytesAndBadFields) {
  const std::string bytes = MarshalTpmsAttest(CertifyInfo());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = ParseTpmsAttest(bytes.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), Code::kMalformed) << n;
  }
  EXPECT_EQ(ParseTpmsAttest(bytes + 'x').status().message(), "TPMS_ATTEST: trailing bytes");
  std::string unsafe = bytes;
  unsafe[4 + 2 + 36 + 34 + 16] = 2;  // clockInfo.safe
  EXPECT_EQ(ParseTpmsAttest(unsafe).status().message(), "TPMS_ATTEST: clockInfo.safe is not YES or NO");
  TpmsAttest big = CertifyInfo();
  big.extra_data = std::string(67, 'x');
  EXPECT_EQ(ParseTpmsAttest(MarshalTpmsAttest(big)).status().message(),
            "TPMS_ATTEST: extraData larger than 66 octets");
}

TEST(TpmtSignature, EcdsaBecomesDerThatVerifies) {
  const crypto::PrivateKey key = MustGenerate(crypto::KeyType::kEcP256);
  const std::string data = "certInfo bytes";
  auto der = key.Sign(crypto::DigestAlg::kSha256, data);
  ASSERT_TRUE(der.ok());
  auto rs = crypto::EcdsaDerToRaw(*der, crypto::Curve::kP256);
  ASSERT_TRUE(rs.ok());
  TpmtSignature s;
  s.sig_alg = kTpmAlgEcdsa;
  s.hash_alg = kTpmAlgSha256;
  s.ecc_r = rs->substr(0, 32);
  s.ecc_s = rs->substr(32);
  const std::string bytes = MarshalTpmtSignature(s);
  EXPECT_EQ(bytes.substr(0, 6), Hex("0018"
                                    "000b"
                                    "0020"));
  auto parsed = ParseTpmtSignature(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(RawSignature(*parsed), *der);
  EXPECT_TRUE(key.public_key().Verify(crypto::DigestAlg::kSha256, data, RawSignature(*parsed)));
}

TEST(TpmtSignature, EcdsaIntegersAreMinimalAndPositive) {
  TpmtSignature s;
  s.sig_alg = kTpmAlgEcdsa;
  s.ecc_r = Hex("0000ff");  // leading zeros dropped, a zero octet added for the high bit
  s.ecc_s = Hex("0000");
  EXPECT_EQ(RawSignature(s), Hex("3007"
                                 "020200ff"
                                 "020100"));
  s.ecc_r = std::string(66, '\xff');
  s.ecc_s = std::string(66, '\xff');
  const std::string der = RawSignature(s);
  EXPECT_EQ(der.substr(0, 3), Hex("30818a"));  // 2 × (2 + 67) octets: the long length form
  EXPECT_EQ(der.size(), 3u + 138u);
}

TEST(TpmtSignature, RsaSignatureIsTheOctets) {
  const crypto::PrivateKey key = MustGenerate(crypto::KeyType::kRsa2048);
  auto sig = key.Sign(crypto::DigestAlg::kSha256, "x");
  ASSERT_TRUE(sig.ok());
  TpmtSignature s;
  s.sig_alg = kTpmAlgRsassa;
  s.hash_alg = kTpmAlgSha256;
  s.rsa_sig = *sig;
  auto parsed = ParseTpmtSignature(MarshalTpmtSignature(s));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(RawSignature(*parsed), *sig);
  EXPECT_EQ(parsed->raw, MarshalTpmtSignature(s));
}

TEST(TpmtSignature, RefusesOtherAlgorithmsTruncationAndTrailingBytes) {
  TpmtSignature s;
  s.sig_alg = 0x001C;  // ECSCHNORR
  EXPECT_NE(ParseTpmtSignature(MarshalTpmtSignature(s)).status().message().find("sigAlg 0x001c"),
            std::string::npos);
  s.sig_alg = kTpmAlgRsassa;
  s.hash_alg = kTpmAlgNull;
  EXPECT_NE(ParseTpmtSignature(MarshalTpmtSignature(s)).status().message().find("hash 0x0010 is not a hash"),
            std::string::npos);
  s.hash_alg = kTpmAlgSha256;
  s.rsa_sig = std::string(256, 's');
  const std::string bytes = MarshalTpmtSignature(s);
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(ParseTpmtSignature(bytes.substr(0, n)).ok()) << n;
  EXPECT_EQ(ParseTpmtSignature(bytes + 'x').status().message(), "TPMT_SIGNATURE: trailing bytes");
}

TEST(TpmDigest, MapsTheHashesCryptoHas) {
  EXPECT_EQ(*TpmDigest(kTpmAlgSha256), crypto::DigestAlg::kSha256);
  EXPECT_EQ(*TpmDigest(kTpmAlgSha384), crypto::DigestAlg::kSha384);
  EXPECT_EQ(*TpmDigest(kTpmAlgSha512), crypto::DigestAlg::kSha512);
  EXPECT_EQ(TpmDigest(kTpmAlgSha1).status().code(), Code::kMalformed);
  EXPECT_EQ(TpmDigest(kTpmAlgNull).status().code(), Code::kMalformed);
}

}  // namespace
}  // namespace anvil::attest
