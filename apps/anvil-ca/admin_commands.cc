#include "admin_commands.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "admin/credentials.h"
#include "admin/roles.h"
#include "base/file.h"
#include "ca/admin_certificate.h"
#include "ca/ca_material.h"
#include "ca_commands.h"
#include "component_options.h"
#include "storage/store.h"

namespace anvil::app {
namespace {

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca admin " << what << ": " << status.ToString() << "\n";
  return 1;
}

// A name is what audit records and `admin revoke` use: letters, digits and ".-_@", 1 to 64 of them.
Status CheckName(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 64 && name.find_first_not_of(
                                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                            "0123456789.-_@") == std::string::npos;
  if (!ok) {
    return Error(Code::kInvalidArgument, "name \"" + name + "\": 1 to 64 letters, digits, '.', '-', '_' or '@'");
  }
  return Status::Ok();
}

Status CheckRole(const std::string& role) {
  if (!admin::ParseRole(role)) {
    return Error(Code::kInvalidArgument, "role \"" + role + "\": viewer, operator or admin");
  }
  return Status::Ok();
}

storage::AuditEvent CreatedRecord(const storage::AdminCredential& c, TimePoint now) {
  nlohmann::json details = {{"role", c.role}, {"credential", c.kind}, {"requester", "operator"}};
  if (!c.certificate_serial.empty()) details["serial"] = c.certificate_serial;
  return storage::AuditEvent{0, now, "admin.credential.created", "", c.name, details.dump()};
}

}  // namespace

int AdminCertIssue(const config::Config& config, const AdminCertIssueArgs& args) {
  if (Status s = CheckName(args.name); !s.ok()) return Fail("cert issue", s);
  if (Status s = CheckRole(args.role); !s.ok()) return Fail("cert issue", s);
  if (args.out_dir.empty()) return Fail("cert issue", Error(Code::kInvalidArgument, "--out DIR is required"));
  auto validity = config::ParseDuration(args.validity);
  if (!validity.ok()) return Fail("cert issue", Error(Code::kInvalidArgument, "--validity: " + validity.status().message()));
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("cert issue", store.status());
  // A taken name fails before anything is signed or written.
  if (auto existing = (*store)->GetAdminCredential(args.name); existing.ok()) {
    return Fail("cert issue", Error(Code::kConflict, "admin credential " + args.name + " already exists"));
  }
  auto material = ca::LoadCa(config.data_dir, CaOptionsFrom(config));
  if (!material.ok()) return Fail("cert issue", material.status());
  SystemClock clock;
  const TimePoint now = clock.Now();
  auto issued = ca::IssueAdminCertificate(*material, args.name, *validity, now);
  if (!issued.ok()) return Fail("cert issue", issued.status());
  const std::string base = (std::filesystem::path(args.out_dir) / args.name).string();
  const std::string cert_pem = issued->certificate.ToPem();
  if (Status s = MakeDirectories(args.out_dir, 0700); !s.ok()) return Fail("cert issue", s);
  for (const auto& [path, text, mode] :
       {std::tuple<std::string, std::string, mode_t>{base + ".key", issued->key.ToPem(), 0600},
        {base + ".crt", cert_pem, 0644},
        {base + ".fullchain.pem", cert_pem + issued->issuer_chain_pem, 0644}}) {
    if (Status s = WriteFileAtomic(path, text, mode); !s.ok()) return Fail("cert issue", s);
  }
  storage::AdminCredential credential;
  credential.name = args.name;
  credential.role = args.role;
  credential.kind = std::string(admin::kCertificateCredential);
  credential.lookup = admin::CertificateLookup(issued->certificate.ToDer());
  credential.certificate_serial = issued->certificate.serial_hex();
  credential.created_at = now;
  if (Status s = (*store)->CreateAdminCredential(credential, CreatedRecord(credential, now)); !s.ok()) {
    // Unrecorded, the certificate grants nothing; its files go too.
    for (const char* suffix : {".key", ".crt", ".fullchain.pem"}) std::filesystem::remove(base + suffix);
    return Fail("cert issue", s);
  }
  std::cout << "Admin credential " << args.name << " (" << args.role << "): certificate serial "
            << credential.certificate_serial << ", valid until " << FormatRfc3339(issued->certificate.not_after())
            << "\n  key:        " << base << ".key\n  certificate: " << base << ".crt\n  with chain: " << base
            << ".fullchain.pem\n  trust:      " << ca::CaPaths::In(config.data_dir).root_cert
            << " (the admin listener's certificate chains to it)\n";
  return 0;
}

int AdminTokenCreate(const config::Config& config, const AdminTokenCreateArgs& args) {
  if (Status s = CheckName(args.name); !s.ok()) return Fail("token create", s);
  if (Status s = CheckRole(args.role); !s.ok()) return Fail("token create", s);
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("token create", store.status());
  admin::NewToken token = admin::MakeToken();
  storage::AdminCredential credential;
  credential.name = args.name;
  credential.role = args.role;
  credential.kind = std::string(admin::kTokenCredential);
  credential.lookup = token.id;
  credential.token_sha256 = token.sha256;
  credential.created_at = SystemClock().Now();
  if (Status s = (*store)->CreateAdminCredential(credential, CreatedRecord(credential, credential.created_at));
      !s.ok()) {
    return Fail("token create", s);
  }
  // Shown once: only its SHA-256 is stored.
  std::cout << token.token << "\n";
  std::cerr << "Admin credential " << args.name << " (" << args.role
            << "): the token above is shown once; send it as \"Authorization: Bearer TOKEN\".\n";
  return 0;
}

int AdminList(const config::Config& config, bool json) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("list", store.status());
  auto all = (*store)->ListAdminCredentials();
  if (!all.ok()) return Fail("list", all.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const storage::AdminCredential& c : *all) {
      out.push_back({{"name", c.name},
                     {"role", c.role},
                     {"credential", c.kind},
                     {"serial", c.certificate_serial},
                     {"created_at", FormatRfc3339(c.created_at)},
                     {"revoked_at", c.revoked_at ? nlohmann::json(FormatRfc3339(*c.revoked_at)) : nlohmann::json()}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "NAME\tROLE\tCREDENTIAL\tCREATED\tREVOKED\n";
  for (const storage::AdminCredential& c : *all) {
    std::cout << c.name << "\t" << c.role << "\t" << c.kind
              << (c.certificate_serial.empty() ? "" : " " + c.certificate_serial) << "\t"
              << FormatRfc3339(c.created_at) << "\t" << (c.revoked_at ? FormatRfc3339(*c.revoked_at) : "-") << "\n";
  }
  return 0;
}

int AdminRevoke(const config::Config& config, const std::string& name) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("revoke", store.status());
  const TimePoint now = SystemClock().Now();
  storage::AuditEvent audit{0, now, "admin.credential.revoked", "", name, R"({"requester":"operator"})"};
  if (Status s = (*store)->RevokeAdminCredential(name, now, audit); !s.ok()) return Fail("revoke", s);
  std::cout << "Admin credential " << name << " revoked: the admin API refuses it from its next request.\n";
  return 0;
}

}  // namespace anvil::app
