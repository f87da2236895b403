// For the CA's tests: an IssuanceLog that records nothing durable, and one certificate issued with it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "ca/certificate_authority.h"
#include "crypto/certificate.h"
#include "crypto/key.h"

namespace anvil::ca {

class TestIssuanceLog final : public IssuanceLog {
 public:
  Status Record(const PendingCertificate&) override { return Status::Ok(); }
  Status Complete(const std::string&, const std::string&) override { return Status::Ok(); }
  Status Abandon(const std::string&, const Status&) override { return Status::Ok(); }
};

// The certificate `ca` issues now for `name` (a fresh P-256 key, profile "tls-server"); a test failure (then
// the test stops at the failed Result's value()) when it issues none.
inline crypto::Certificate IssueForTest(CertificateAuthority& ca, const std::string& name = "a.example.com") {
  IssuanceRequest r{crypto::PrivateKey::Generate(crypto::KeyType::kEcP256)->public_key(),
                    {{acme::IdentifierType::kDns, name}},
                    CertificateProfile{.name = "tls-server"},
                    std::nullopt,
                    std::nullopt};
  TestIssuanceLog log;
  auto issued = ca.Issue(r, log);
  EXPECT_TRUE(issued.ok()) << issued.status().ToString();
  return crypto::Certificate::FromDer(issued.value().der).value();
}

}  // namespace anvil::ca
