// Csr::FromDer reads requests with Anvil's own DER reader (csr.cc); these tests hold it to OpenSSL's verdict
// (d2i_X509_REQ + X509_REQ_verify) on requests OpenSSL builds, and on every one-bit corruption of them.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/csr.h"

namespace anvil::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Req = std::unique_ptr<X509_REQ, ReqFree>;

struct Shape {
  const char* name;
  Pkey (*make_key)();
  const EVP_MD* (*md)();  // nullptr: Ed25519
  bool challenge_password = false;
  bool extensions = true;
  bool ms_extensions = false;
};

Pkey Ec(const char* curve) { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }
Pkey P256() { return Ec("P-256"); }
Pkey P384() { return Ec("P-384"); }
Pkey Rsa() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})); }
Pkey Ed() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }
const EVP_MD* NoDigest() { return nullptr; }

std::string Build(const Shape& shape, EVP_PKEY* key) {
  Req req(X509_REQ_new());
  X509_REQ_set_version(req.get(), X509_REQ_VERSION_1);
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("a.example"), -1, -1, 0);
  X509_REQ_set_pubkey(req.get(), key);
  if (shape.challenge_password) {
    X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_UTF8,
                              reinterpret_cast<const unsigned char*>("secret"), -1);
  }
  if (shape.extensions) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts, X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                                     "DNS:a.example,DNS:b.example,IP:192.0.2.7"));
    if (shape.ms_extensions) {
      X509_REQ_add_extensions_nid(req.get(), exts, NID_ms_ext_req);
    } else {
      X509_REQ_add_extensions(req.get(), exts);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  if (X509_REQ_sign(req.get(), key, shape.md()) <= 0) return {};
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// OpenSSL's verdict: parses, no trailing data, and the self-signature verifies.
bool OpenSslAccepts(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  Req req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return false;
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  const bool ok = key != nullptr && X509_REQ_verify(req.get(), key) == 1;
  ERR_clear_error();
  return ok;
}

bool AnvilAccepts(const std::string& der) {
  auto csr = Csr::FromDer(der);
  return csr.ok() && csr->VerifySignature();
}

const Shape kShapes[] = {
    {"p256-sha256", &P256, &EVP_sha256},
    {"p384-sha384-challenge-password", &P384, &EVP_sha384, true},
    {"p256-sha512-no-attributes", &P256, &EVP_sha512, false, false},
    {"p256-ms-extension-request", &P256, &EVP_sha256, false, true, true},
    {"rsa-sha256", &Rsa, &EVP_sha256},
    {"rsa-sha384-challenge-password", &Rsa, &EVP_sha384, true},
    {"ed25519", &Ed, &NoDigest},
};

class CsrShapes : public testing::TestWithParam<Shape> {};

TEST_P(CsrShapes, ReadsWhatOpenSslBuildsAsOpenSslDoes) {
  Pkey key = GetParam().make_key();
  ASSERT_TRUE(key);
  const std::string der = Build(GetParam(), key.get());
  ASSERT_FALSE(der.empty());
  ASSERT_TRUE(OpenSslAccepts(der));
  auto csr = Csr::FromDer(der);
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_TRUE(csr->VerifySignature());
  EXPECT_EQ(csr->subject_common_name(), "a.example");
  EXPECT_EQ(csr->ToDer(), der);
  if (GetParam().extensions) {
    EXPECT_EQ(csr->dns_names(), (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(csr->ip_addresses(), std::vector<std::string>{"192.0.2.7"});
  } else {
    EXPECT_TRUE(csr->dns_names().empty());
  }
  // The PEM form reads back to the same request.
  auto again = Csr::FromPem(csr->ToPem());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToDer(), der);
}

// Every single-bit corruption: Anvil never accepts one OpenSSL refuses, accepts none at all, and never
// crashes (this test runs under ASan/UBSan in `make test`). Anvil is the stricter of the two in one place:
// OpenSSL ignores the parameters of an RSA PKCS #1 v1.5 signature algorithm, which RFC 4055 §5 requires to
// be NULL; Anvil refuses anything but NULL or absent there.
TEST_P(CsrShapes, EveryOneBitCorruptionGetsOpenSslsVerdict) {
  Pkey key = GetParam().make_key();
  ASSERT_TRUE(key);
  const std::string der = Build(GetParam(), key.get());
  ASSERT_FALSE(der.empty());
  int accepted = 0;
  for (size_t i = 0; i < der.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string bad = der;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      const bool anvil = AnvilAccepts(bad);
      if (anvil) {
        EXPECT_TRUE(OpenSslAccepts(bad)) << "byte " << i << " bit " << bit;
        ++accepted;
      }
    }
  }
  EXPECT_EQ(accepted, 0);
}

INSTANTIATE_TEST_SUITE_P(Csr, CsrShapes, testing::ValuesIn(kShapes),
                         [](const testing::TestParamInfo<Shape>& param) {
                           std::string name = param.param.name;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

// A signature algorithm that does not fit the key, or one outside ECDSA/RSA PKCS #1 v1.5 with SHA-2 and
// Ed25519 (RSA-PSS here), is refused when the request is read.
TEST(CsrSignatureAlgorithm, RsaPssAndMismatchesAreBadCsr) {
  Pkey rsa = Rsa();
  ASSERT_TRUE(rsa);
  Req req(X509_REQ_new());
  X509_REQ_set_pubkey(req.get(), rsa.get());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, rsa.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_GT(X509_REQ_sign_ctx(req.get(), ctx), 0);
  EVP_MD_CTX_free(ctx);
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  std::string pss(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  auto parsed = Csr::FromDer(pss);
  EXPECT_EQ(parsed.status().code(), Code::kBadCsr);
  EXPECT_NE(parsed.status().message().find("not supported"), std::string::npos) << parsed.status().message();

  // An EC request whose algorithm identifier claims RSA: swap in sha256WithRSAEncryption's identifier.
  Pkey ec = P256();
  std::string der_ec = Build(kShapes[0], ec.get());
  const std::string ecdsa_sha256("\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 12);
  const std::string rsa_sha256("\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b\x05\x00", 15);
  const size_t at = der_ec.rfind(ecdsa_sha256);
  ASSERT_NE(at, std::string::npos);
  // The outer SEQUENCE's content with the identifier swapped, wrapped again (it grew by 3 bytes).
  const size_t header = 2 + (static_cast<unsigned char>(der_ec[1]) & 0x7f);
  ASSERT_EQ(static_cast<unsigned char>(der_ec[1]), 0x82);  // 256..65535 bytes of content
  const std::string content =
      der_ec.substr(header, at - header) + rsa_sha256 + der_ec.substr(at + ecdsa_sha256.size());
  std::string mismatched = std::string("\x30\x82", 2) + static_cast<char>(content.size() >> 8) +
                           static_cast<char>(content.size() & 0xff) + content;
  auto refused = Csr::FromDer(mismatched);
  EXPECT_EQ(refused.status().code(), Code::kBadCsr);
  EXPECT_NE(refused.status().message().find("does not fit"), std::string::npos) << refused.status().message();
}

// The signature covers only the request info, so the algorithm identifier can be re-encoded with NULL
// parameters (as some encoders write them) and the request still verifies.
TEST(CsrSignatureAlgorithm, EcdsaWithNullParametersIsAccepted) {
  Pkey ec = P256();
  const std::string der = Build(kShapes[0], ec.get());
  const std::string absent("\x30\x0a\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02", 12);
  const std::string null("\x30\x0c\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02\x05\x00", 14);
  const size_t at = der.rfind(absent);
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(static_cast<unsigned char>(der[1]), 0x82);
  const std::string content = der.substr(4, at - 4) + null + der.substr(at + absent.size());
  const std::string with_null = std::string("\x30\x82", 2) + static_cast<char>(content.size() >> 8) +
                                static_cast<char>(content.size() & 0xff) + content;
  auto csr = Csr::FromDer(with_null);
  ASSERT_TRUE(csr.ok()) << csr.status().ToString();
  EXPECT_TRUE(csr->VerifySignature());
}

}  // namespace
}  // namespace anvil::crypto
