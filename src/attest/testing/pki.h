// Test-only helpers for the attestation tests: a root and an intermediate of some attestation authority, leaf
// certificates under them with the extensions a test needs, CBOR shorthands, and an assertion on a
// badAttestationStatement detail. Inline; each test owns its values (thread-compatible). Never linked into a
// library.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "attest/attestation.h"
#include "attest/cbor.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::attest::testing {

// Now in whole seconds: X.509 times carry no fractions.
inline TimePoint WholeSecondsNow() {
  return FromUnixSeconds(ToUnixSeconds(std::chrono::system_clock::now()));
}

inline crypto::PrivateKey MustGenerate(crypto::KeyType type) {
  auto key = crypto::PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return std::move(key).value();
}

inline crypto::Certificate MustIssue(const crypto::CertificateTemplate& tmpl,
                                     const crypto::PublicKey& subject_key, const crypto::Certificate* issuer,
                                     const crypto::PrivateKey& issuer_key) {
  auto cert = crypto::IssueCertificate(tmpl, subject_key, issuer, issuer_key);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return std::move(cert).value();
}

// An attestation authority: "<name> Root" and "<name> Intermediate" (pathLen 0), valid from an hour ago.
struct Pki {
  crypto::PrivateKey root_key, ca_key;
  crypto::Certificate root, ca;
};

inline Pki MakePki(const std::string& name, crypto::KeyType type = crypto::KeyType::kEcP256) {
  using std::chrono::hours;
  crypto::PrivateKey root_key = MustGenerate(type);
  crypto::PrivateKey ca_key = MustGenerate(type);
  const TimePoint now = WholeSecondsNow();
  crypto::CertificateTemplate tmpl;
  tmpl.serial = std::string("\x01", 1);
  tmpl.subject = {.common_name = name + " Root", .organization = "Anvil Tests"};
  tmpl.not_before = now - hours(1);
  tmpl.not_after = now + hours(24 * 365 * 10);
  tmpl.is_ca = true;
  tmpl.path_length = 1;
  tmpl.digital_signature = false;
  tmpl.key_cert_sign = tmpl.crl_sign = true;
  crypto::Certificate root = MustIssue(tmpl, root_key.public_key(), nullptr, root_key);
  tmpl.serial = std::string("\x02", 1);
  tmpl.subject.common_name = name + " Intermediate";
  tmpl.path_length = 0;
  crypto::Certificate ca = MustIssue(tmpl, ca_key.public_key(), &root, root_key);
  return Pki{std::move(root_key), std::move(ca_key), std::move(root), std::move(ca)};
}

// A leaf template: serial 0x1234, valid from an hour ago for a day, digitalSignature only.
inline crypto::CertificateTemplate LeafTemplate(std::string common_name) {
  crypto::CertificateTemplate tmpl;
  tmpl.serial = "\x12\x34";
  tmpl.subject.common_name = std::move(common_name);
  tmpl.not_before = WholeSecondsNow() - std::chrono::hours(1);
  tmpl.not_after = WholeSecondsNow() + std::chrono::hours(24);
  return tmpl;
}

// A non-critical extension with the given DER (or raw) value.
inline crypto::CertificateExtension Extension(std::string oid, std::string value, bool critical = false) {
  return crypto::CertificateExtension{std::move(oid), std::move(value), critical};
}

inline CborValue Text(std::string s) { return CborValue::Text(std::move(s)); }
inline CborValue Bytes(std::string s) { return CborValue::Bytes(std::move(s)); }
inline CborValue X5c(std::initializer_list<const crypto::Certificate*> certs) {
  CborValue::Array items;
  for (const auto* cert : certs) items.push_back(CborValue::Bytes(cert->ToDer()));
  return CborValue::FromArray(std::move(items));
}

// Sets (or adds) attStmt member `key`.
inline void SetMember(CborValue::Map& stmt, std::string_view key, CborValue value) {
  for (auto& [k, v] : stmt) {
    if (k == CborValue::Text(std::string(key))) {
      v = std::move(value);
      return;
    }
  }
  stmt.emplace_back(CborValue::Text(std::string(key)), std::move(value));
}
inline void RemoveMember(CborValue::Map& stmt, std::string_view key) {
  std::erase_if(stmt, [&](const auto& entry) { return entry.first == CborValue::Text(std::string(key)); });
}

// {"fmt": fmt, "attStmt": stmt} as CBOR.
inline std::string AttObj(std::string fmt, CborValue::Map stmt) {
  return EncodeCbor(CborValue::FromMap(
      {{Text("fmt"), Text(std::move(fmt))}, {Text("attStmt"), CborValue::FromMap(std::move(stmt))}}));
}

// The result is badAttestationStatement with exactly `detail`.
inline void ExpectBad(const Result<Evidence>& result, std::string_view detail) {
  ASSERT_FALSE(result.ok()) << "expected: " << detail;
  EXPECT_EQ(result.status().code(), Code::kBadAttestationStatement) << result.status().ToString();
  EXPECT_EQ(result.status().message(), detail);
}

// The result is badAttestationStatement and its detail starts with `prefix` (for details that carry
// OpenSSL's or a parser's reason after the check's name).
inline void ExpectBadPrefix(const Result<Evidence>& result, std::string_view prefix) {
  ASSERT_FALSE(result.ok()) << "expected: " << prefix;
  EXPECT_EQ(result.status().code(), Code::kBadAttestationStatement) << result.status().ToString();
  EXPECT_THAT(result.status().message(), ::testing::StartsWith(std::string(prefix)));
}

}  // namespace anvil::attest::testing
