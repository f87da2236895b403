// The admin API's test fixture: a real CA in a temporary directory, the real RA over a memory store (wrapped so
// that a test can make audit writes fail), an Authenticator trusting the CA, and an AdminApi with every route;
// helpers record credentials, import certificates and send requests without sockets.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "admin/admin_api.h"
#include "admin/credentials.h"
#include "admin/handlers.h"
#include "ca/admin_certificate.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "component_options.h"
#include "config/config.h"
#include "crypto/digest.h"
#include "fakes/fake_validator.h"
#include "ra/registration_authority.h"
#include "storage/memory/memory_store.h"
#include "storage/testing/forwarding_store.h"
#include "support/temp_dir.h"

namespace anvil::admin::testing {

// A memory store whose audit appends fail while `fail_audit` is set.
class AuditFaultStore final : public storage::testing::ForwardingStore {
 public:
  AuditFaultStore() : ForwardingStore(storage::NewMemoryStore()) {}
  Status AppendAudit(const storage::AuditEvent& event) override {
    if (fail_audit) return Error(Code::kIo, "disk full (injected)");
    return ForwardingStore::AppendAudit(event);
  }
  bool fail_audit = false;
};

class FakeCaOperations final : public CaOperations {
 public:
  Result<std::optional<storage::AuditAnchor>> AnchorAudit() override {
    ++anchors;
    storage::AuditAnchor a;
    a.id = anchors;
    a.head_id = 7;
    a.head_hash = std::string(64, 'b');
    return std::optional<storage::AuditAnchor>(a);
  }
  Result<AuditCheck> VerifyAudit() override {
    AuditCheck c;
    c.holds = true;
    c.records = 3;
    c.head_id = 3;
    c.head_hash = std::string(64, 'c');
    return c;
  }
  Result<std::string> ReloadCa() override {
    ++reloads;
    return std::string("1 root(s), 1 intermediate generation(s)");
  }
  Result<std::vector<IssuerStatus>> Issuers() override {
    IssuerStatus intermediate{"ab12", "Test Intermediate", "ab12", FromUnixSeconds(1'900'000'000), true};
    intermediate.crl_this_update = FromUnixSeconds(1'800'000'000);
    intermediate.crl_next_update = FromUnixSeconds(1'800'086'400);
    return std::vector<IssuerStatus>{intermediate, {"root", "Test Root", "cd34", FromUnixSeconds(2'000'000'000)}};
  }
  int anchors = 0, reloads = 0;
};

class AdminApiTest : public ::testing::Test {
 protected:
  AdminApiTest() : clock_(std::chrono::system_clock::now()) {
    config_ = config::DefaultConfig();
    config::PolicyConfig devices;  // a named policy for the policy and EAB endpoints (docs/policy.md)
    devices.key_types.clear();
    devices.allowed_domains = {"*.devices.example"};
    config_.policies["devices"] = devices;
    EXPECT_TRUE(ca::CreateCa(dir_.path(), app::CaOptionsFrom(config_), clock_).ok());
    auto material = ca::LoadCa(dir_.path(), app::CaOptionsFrom(config_));
    EXPECT_TRUE(material.ok());
    material_ = std::make_unique<ca::CaMaterial>(*material);
    ca_ = std::make_unique<ca::CertificateAuthority>(*material_, clock_, "https://acme.test/ca/intermediate.der");
    auto policy = app::PoliciesFrom(config_);
    EXPECT_TRUE(policy.ok());
    ra_ = std::make_unique<ra::RegistrationAuthority>(app::RaOptionsFrom(config_), *policy, store_, validator_, *ca_,
                                                      clock_);
    authenticator_ = std::make_unique<Authenticator>(store_, std::vector<crypto::Certificate>{material_->root},
                                                     std::vector<crypto::Certificate>{material_->intermediate}, clock_);
    api_ = std::make_unique<AdminApi>(*authenticator_, *ra_);
    AddAllRoutes(*api_, HandlerDeps{store_, *ra_, ca_operations_, clock_});
  }

  // Records a token credential and returns the token.
  std::string AddToken(const std::string& name, const std::string& role) {
    NewToken token = MakeToken();
    storage::AdminCredential c{name, role, "token", token.id, token.sha256, "", clock_.Now(), std::nullopt};
    EXPECT_TRUE(store_.CreateAdminCredential(c, Note("admin.credential.created", name)).ok());
    return token.token;
  }

  // Issues an admin certificate from the CA; records it unless `record` is false. Returns its DER.
  std::string AddCertificate(const std::string& name, const std::string& role, bool record = true) {
    auto issued = ca::IssueAdminCertificate(*material_, name, std::chrono::hours(24), clock_.Now());
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    const std::string der = issued->certificate.ToDer();
    if (record) {
      storage::AdminCredential c{name, role,         "certificate", CertificateLookup(der), "",
                                 issued->certificate.serial_hex(), clock_.Now(), std::nullopt};
      EXPECT_TRUE(store_.CreateAdminCredential(c, Note("admin.credential.created", name)).ok());
    }
    return der;
  }

  // A certificate recorded issued for account "a1" (a real one: revocation reads its key).
  std::string ImportCertificate(const std::string& name) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    crypto::CertificateTemplate t;
    t.serial = ca::NewSerial();
    t.not_before = clock_.Now() - std::chrono::minutes(5);
    t.not_after = clock_.Now() + std::chrono::hours(24 * 90);
    t.dns_names = {name};
    t.ext_key_usages = {"serverAuth"};
    auto cert = crypto::IssueCertificate(t, key->public_key(), &material_->intermediate, material_->intermediate_key);
    EXPECT_TRUE(cert.ok());
    storage::CertificateRecord r;
    r.serial = cert->serial_hex();
    r.account_id = "a1";
    r.state = storage::CertificateState::kIssued;
    r.der = cert->ToDer();
    r.issuer_chain_pem = material_->intermediate.ToPem();
    r.names = {name};
    r.profile = "tls-server";
    r.authority_key_id = cert->authority_key_id();
    r.not_before = cert->not_before();
    r.not_after = cert->not_after();
    r.created_at = clock_.Now();
    EXPECT_TRUE(store_.ImportCertificate(r, Note("certificate.imported", r.serial)).ok());
    return r.serial;
  }

  storage::AuditEvent Note(std::string kind, std::string subject) {
    return storage::AuditEvent{0, clock_.Now(), std::move(kind), "", std::move(subject), "{}"};
  }

  // A request over TLS from 127.0.0.1 for `target` (path and query).
  static http::Request MakeRequest(const std::string& method, const std::string& target, const std::string& body) {
    http::Request r;
    r.method = method;
    r.target = target;
    const size_t q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string::npos ? "" : target.substr(q + 1);
    r.body = body;
    r.remote_address = "127.0.0.1";
    r.tls = true;
    return r;
  }

  http::Response Send(const std::string& method, const std::string& target, const std::string& token,
                      const std::string& body = "", const std::string& certificate_der = "") {
    http::Request r = MakeRequest(method, target, body);
    if (!token.empty()) r.headers.Add("Authorization", "Bearer " + token);
    r.client_certificate_der = certificate_der;
    return api_->Handle(r);
  }

  static nlohmann::json Json(const http::Response& r) {
    return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }

  // The details of the last audit record of `kind`.
  nlohmann::json LastAudit(const std::string& kind) {
    auto rows = store_.ListAudit(0, 1000);
    EXPECT_TRUE(rows.ok());
    nlohmann::json details;
    for (const auto& e : *rows) {
      if (e.kind == kind) details = nlohmann::json::parse(e.details_json);
    }
    return details;
  }

  anvil::testing::TempDir dir_;
  FakeClock clock_;
  config::Config config_;
  AuditFaultStore store_;
  anvil::testing::FakeValidator validator_;
  FakeCaOperations ca_operations_;
  std::unique_ptr<ca::CaMaterial> material_;
  std::unique_ptr<ca::CertificateAuthority> ca_;
  std::unique_ptr<ra::RegistrationAuthority> ra_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<AdminApi> api_;
};

}  // namespace anvil::admin::testing
