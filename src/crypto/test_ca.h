// Test helper for the crypto tests of things a CA signs besides certificates (crl_test.cc, ocsp_test.cc): a
// root and an intermediate whose keys are of one type, built with the certificate builder.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::crypto::test_ca {

// Now in whole seconds: X.509 times carry no fractions.
inline TimePoint WholeSecondsNow() {
  return FromUnixSeconds(ToUnixSeconds(std::chrono::system_clock::now()));
}

struct TestCa {
  PrivateKey root_key, issuer_key;
  Certificate root, issuer;
};

// "Anvil <name> Test Root" (serial 1, until 2061) and "Anvil <name> Test Intermediate" (serial 2, a year),
// both with keyCertSign and cRLSign, the intermediate with pathLen 0.
inline Result<TestCa> BuildTestCa(KeyType type, const std::string& name) {
  using std::chrono::hours;
  ANVIL_ASSIGN_OR_RETURN(PrivateKey root_key, PrivateKey::Generate(type));
  ANVIL_ASSIGN_OR_RETURN(PrivateKey issuer_key, PrivateKey::Generate(type));
  const TimePoint now = WholeSecondsNow();
  CertificateTemplate root_tmpl;
  root_tmpl.serial = std::string("\x01", 1);
  root_tmpl.subject = {
      .common_name = "Anvil " + name + " Test Root", .organization = "Anvil", .country = "DE"};
  root_tmpl.not_before = now - hours(1);
  root_tmpl.not_after = FromUnixSeconds(2871763200);  // 2061-01-01
  root_tmpl.is_ca = true;
  root_tmpl.path_length = 1;
  root_tmpl.digital_signature = false;
  root_tmpl.key_cert_sign = root_tmpl.crl_sign = true;
  ANVIL_ASSIGN_OR_RETURN(Certificate root,
                         IssueCertificate(root_tmpl, root_key.public_key(), nullptr, root_key));
  CertificateTemplate issuer_tmpl = root_tmpl;
  issuer_tmpl.serial = std::string("\x02", 1);
  issuer_tmpl.subject = {
      .common_name = "Anvil " + name + " Test Intermediate", .organization = "Anvil", .country = "DE"};
  issuer_tmpl.not_after = now + hours(24 * 365);
  issuer_tmpl.path_length = 0;
  ANVIL_ASSIGN_OR_RETURN(Certificate issuer,
                         IssueCertificate(issuer_tmpl, issuer_key.public_key(), &root, root_key));
  return TestCa{std::move(root_key), std::move(issuer_key), std::move(root), std::move(issuer)};
}

}  // namespace anvil::crypto::test_ca
