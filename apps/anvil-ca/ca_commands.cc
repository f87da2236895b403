#include "ca_commands.h"

#include <iostream>

#include "base/file.h"
#include "base/time.h"
#include "ca/ca_lifecycle.h"
#include "ca/ca_material.h"
#include "ca/token_key.h"
#include "component_options.h"
#include "publish/crl_updater.h"
#include "publish/publication.h"
#include "inventory_import.h"
#include "revocation_publishing.h"
#include "storage/sqlite/sqlite_store.h"

namespace anvil::app {
namespace {

constexpr std::chrono::seconds kMaxRootCrlValidity{365 * 86400};

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca: " << what << ": " << status.ToString() << "\n";
  return 1;
}

void PrintCertificate(const std::string& label, const crypto::Certificate& cert, const std::string& path) {
  std::cout << label << ":\n"
            << "  path:        " << path << "\n"
            << "  subject:     " << cert.subject() << "\n"
            << "  issuer:      " << cert.issuer() << "\n"
            << "  serial:      " << cert.serial_hex() << "\n"
            << "  issuer ID:   " << publish::CrlUpdater::IssuerId(cert) << "\n"
            << "  not after:   " << FormatRfc3339(cert.not_after()) << "\n"
            << "  sha256:      " << ca::FingerprintText(cert) << "\n";
}

// The retired intermediate as a revoked certificate of its root, for that root's CRL; a repeated retirement
// finds it recorded already.
Status RecordRetirement(storage::Store& store, const crypto::Certificate& root, const ca::Intermediate& retired) {
  storage::CertificateRecord record;
  record.serial = retired.certificate.serial_hex();
  record.state = storage::CertificateState::kIssued;
  record.der = retired.certificate.ToDer();
  record.names = {retired.certificate.subject_common_name()};
  record.profile = "intermediate";
  record.authority_key_id = root.subject_key_id();
  record.not_before = retired.certificate.not_before();
  record.not_after = retired.certificate.not_after();
  record.created_at = retired.retired->at;
  record.revoked_at = retired.retired->at;
  record.revocation_reason = static_cast<int>(retired.retired->reason);
  storage::AuditEvent audit;
  audit.at = retired.retired->at;
  audit.kind = "intermediate.retired";
  audit.subject = record.serial;
  audit.details_json = "{\"generation\":" + std::to_string(retired.generation) + ",\"reason\":\"" +
                       ca::RetirementReasonName(retired.retired->reason) + "\"}";
  Status imported = store.ImportCertificate(record, audit);
  if (imported.code() != Code::kConflict) return imported;
  ANVIL_ASSIGN_OR_RETURN(storage::CertificateRecord existing, store.GetCertificate(record.serial));
  if (existing.authority_key_id == record.authority_key_id && existing.revoked_at) return Status::Ok();
  return imported;
}

}  // namespace

Result<std::unique_ptr<storage::Store>> OpenStore(const config::Config& config) {
  ANVIL_RETURN_IF_ERROR(MakeDirectories(config.data_dir, 0700));
  return storage::OpenSqliteStore({config.storage.path, storage::Durability::kFull});
}

int CaInit(const config::Config& config, const CaInitArgs& args) {
  SystemClock clock;
  Status s;
  if (!args.import_root.empty() || !args.import_intermediate.empty() || !args.import_key.empty()) {
    if (args.import_root.empty() || args.import_intermediate.empty() || args.import_key.empty()) {
      return Fail("ca init", Status(Code::kInvalidArgument,
                                    "--import-root, --import-intermediate and --import-key go together"));
    }
    if (!args.offline_root_key.empty()) {
      return Fail("ca init", Status(Code::kInvalidArgument, "an imported CA brings no root key: drop --offline-root"));
    }
    s = ca::ImportCa(config.data_dir, args.import_root, args.import_intermediate, args.import_key,
                     config.ca.key_passphrase_value);
  } else {
    s = MakeDirectories(config.data_dir, 0700);
    if (s.ok()) s = ca::CreateCa(config.data_dir, CaOptionsFrom(config), clock, args.offline_root_key);
  }
  if (!s.ok()) return Fail("ca init", s);
  std::cout << "CA ready in " << ca::CaPaths::In(config.data_dir).dir << "\n";
  if (!args.offline_root_key.empty()) {
    std::cout << "The root key is in " << args.offline_root_key
              << ": move it off this machine. anvil-ca never needs it to run; `ca rotate`, `ca retire` and `ca "
                 "root-crl` take it with --root-key.\n";
  }
  return 0;
}

int CaShow(const config::Config& config) {
  auto material = ca::LoadCa(config.data_dir, CaOptionsFrom(config));
  if (!material.ok()) return Fail("ca show", material.status());
  const ca::CaPaths paths = ca::CaPaths::In(config.data_dir);
  for (const ca::CaRoot& root : material->roots) {
    PrintCertificate(root.generation == 1 ? "Root" : "Root generation " + std::to_string(root.generation),
                     root.certificate, paths.Root(root.generation, "pem"));
    const std::string key = paths.Root(root.generation, "key");
    std::cout << "  key:         " << (FileExists(key) ? key : "offline") << "\n";
    if (root.cross_signed) {
      std::cout << "  cross-signed by root generation " << root.generation - 1 << ": "
                << paths.Root(root.generation, "cross.pem") << " (until "
                << FormatRfc3339(root.cross_signed->not_after()) << ")\n";
    }
  }
  const TimePoint now = SystemClock().Now();
  const ca::Intermediate* issuing = material->Issuing(now);
  for (const ca::Intermediate& i : material->intermediates) {
    PrintCertificate("Intermediate generation " + std::to_string(i.generation), i.certificate,
                     paths.Intermediate(i.generation, "pem"));
    std::string state = &i == issuing ? "issuing" : "not issuing";
    if (i.activate_at) state += ", active from " + FormatRfc3339(*i.activate_at);
    if (i.retired) {
      state += ", retired " + FormatRfc3339(i.retired->at) + " (" + ca::RetirementReasonName(i.retired->reason) + ")";
    }
    std::cout << "  root:        generation " << i.root_generation << "\n"
              << "  state:       " << state << "\n";
    // Where the key is: a file in the data directory, or the token a .key-uri names (ca/token_key.h).
    const std::string uri_path = paths.Intermediate(i.generation, "key-uri");
    if (auto uri = ca::ReadKeyUri(uri_path); FileExists(uri_path)) {
      std::cout << "  key:         " << (uri.ok() ? *uri : uri.status().message()) << " (PKCS #11 token, "
                << config.ca.pkcs11_module << ")\n";
    } else {
      std::cout << "  key:         " << paths.Intermediate(i.generation, "key") << "\n";
    }
  }
  return 0;
}

int CaRotate(const config::Config& config, const CaRotateArgs& args) {
  SystemClock clock;
  ca::RotateOptions rotate;
  rotate.root_key_path = args.root_key;
  rotate.key_uri = args.key_uri;
  if (!args.at.empty()) {
    auto at = ParseRfc3339(args.at);
    if (!at.ok()) return Fail("ca rotate --at", at.status());
    rotate.activate_at = *at;
  }
  auto made = ca::RotateIntermediate(config.data_dir, CaOptionsFrom(config), rotate, clock);
  if (!made.ok()) return Fail("ca rotate", made.status());
  PrintCertificate("New intermediate generation " + std::to_string(made->generation), made->certificate,
                   ca::CaPaths::In(config.data_dir).Intermediate(made->generation, "pem"));
  if (!args.key_uri.empty()) std::cout << "  key:         " << args.key_uri << " (PKCS #11 token)\n";
  std::cout << (made->activate_at ? "It issues from " + FormatRfc3339(*made->activate_at) + " once anvil-ca has read it"
                                  : "It issues once anvil-ca has read it")
            << " (`systemctl reload anvil-ca`, i.e. SIGHUP, or a restart)."
            << " The older generations keep signing the CRLs and OCSP answers of their certificates.\n";
  return 0;
}

int CaRolloverRoot(const config::Config& config, const CaRolloverRootArgs& args) {
  SystemClock clock;
  ca::RolloverOptions rollover{args.root_key, args.offline_root_key, args.common_name, std::nullopt};
  if (!args.at.empty()) {
    auto at = ParseRfc3339(args.at);
    if (!at.ok()) return Fail("ca rollover-root --at", at.status());
    rollover.activate_at = *at;
  }
  auto made = ca::RolloverRoot(config.data_dir, CaOptionsFrom(config), rollover, clock);
  if (!made.ok()) return Fail("ca rollover-root", made.status());
  const ca::CaPaths paths = ca::CaPaths::In(config.data_dir);
  const int root = made->root.generation;
  PrintCertificate("New root generation " + std::to_string(root), made->root.certificate, paths.Root(root, "pem"));
  PrintCertificate("Its cross-certificate from root generation " + std::to_string(root - 1), *made->root.cross_signed,
                   paths.Root(root, "cross.pem"));
  PrintCertificate("New intermediate generation " + std::to_string(made->intermediate.generation),
                   made->intermediate.certificate, paths.Intermediate(made->intermediate.generation, "pem"));
  if (!args.offline_root_key.empty()) {
    std::cout << "The new root's key is in " << args.offline_root_key << ": move it off this machine.\n";
  }
  std::cout << "Once anvil-ca has read it (`systemctl reload anvil-ca`, i.e. SIGHUP, or a restart), the new "
               "intermediate issues"
            << (made->intermediate.activate_at ? " from " + FormatRfc3339(*made->intermediate.activate_at) : "")
            << ": its certificates come with the chain to the new root, and with the cross-certificate as an "
               "alternate chain (Link rel=\"alternate\") for clients that trust only the older root. Distribute "
            << paths.Root(root, "pem") << " to the relying parties' trust stores.\n";
  return 0;
}

int CaRetire(const config::Config& config, const CaRetireArgs& args) {
  SystemClock clock;
  auto reason = ca::ParseRetirementReason(args.reason);
  if (!reason.ok()) return Fail("ca retire --reason", reason.status());
  auto retired = ca::RetireIntermediate(config.data_dir, CaOptionsFrom(config), args.generation, *reason, clock);
  if (!retired.ok()) return Fail("ca retire", retired.status());
  // Only the roots: the intermediates' keys were read (and decrypted) once already, by RetireIntermediate.
  auto roots = ca::LoadRoots(config.data_dir);
  if (!roots.ok()) return Fail("ca retire", roots.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  const int root_generation = retired->root_generation;
  const ca::CaRoot* root = &(*roots)[root_generation - 1];  // LoadRoots: generation g at index g - 1
  if (Status s = RecordRetirement(**store, root->certificate, *retired); !s.ok()) return Fail("ca retire", s);
  std::cout << "Intermediate generation " << args.generation << " retired ("
            << ca::RetirementReasonName(*reason) << ") at " << FormatRfc3339(retired->retired->at) << ".\n";

  auto root_key = ca::LoadRootKey(config.data_dir, args.root_key, config.ca.key_passphrase_value, root_generation);
  if (root_key.ok()) {
    ca::RootCrlSigner signer(root->certificate, root_key->key);
    if (Status s = UpdateRootCrl(config, **store, signer, root_generation, config.publication.crl_lifetime, clock);
        !s.ok()) {
      return Fail("root CRL", s);
    }
    std::cout << "The root's CRL lists it: " << RootCrlFile(config, root_generation) << "\n";
  } else if (root_key.status().code() == Code::kNotFound && args.root_key.empty()) {
    std::cout << "The root key is offline: sign the root's CRL with `anvil-ca ca root-crl --root-key PATH`.\n";
  } else {
    return Fail("root key", root_key.status());
  }
  std::cout << "Reload anvil-ca (`systemctl reload anvil-ca`, i.e. SIGHUP) or restart it: the generation then "
               "issues no more, and renewalInfo (RFC 9773) asks every "
               "certificate it issued to renew now.\n";
  return 0;
}

int CaRootCrl(const config::Config& config, const CaRootCrlArgs& args) {
  SystemClock clock;
  auto validity = config::ParseDuration(args.validity);
  if (!validity.ok()) return Fail("ca root-crl --validity", validity.status());
  if (*validity <= std::chrono::seconds(0) || *validity > kMaxRootCrlValidity) {
    return Fail("ca root-crl --validity", Status(Code::kInvalidArgument, "must be more than 0s and at most 365d"));
  }
  auto root_key = ca::LoadRootKey(config.data_dir, args.root_key, config.ca.key_passphrase_value);
  if (!root_key.ok()) return Fail("root key", root_key.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  const int generation = root_key->root.generation;
  ca::RootCrlSigner signer(root_key->root.certificate, root_key->key);
  if (Status s = UpdateRootCrl(config, **store, signer, generation, *validity, clock); !s.ok()) {
    return Fail("root CRL", s);
  }
  std::cout << "CRL of " << ca::RootName(generation) << " written to " << RootCrlFile(config, generation) << ", valid until "
            << FormatRfc3339(clock.Now() + *validity) << ": sign the next one before then.\n";
  return 0;
}

int CaEncryptKeys(const config::Config& config) {
  auto files = ca::EncryptKeys(config.data_dir, CaOptionsFrom(config));
  if (!files.ok()) return Fail("ca encrypt-keys", files.status());
  for (const std::string& file : *files) std::cout << "encrypted " << file << "\n";
  std::cout << "anvil-ca now needs ca.key_passphrase (" << config.ca.key_passphrase << ") to start. An offline "
               "root key is not touched: encrypt it where it is kept (openssl pkcs8 -topk8 -v2 aes-256-cbc).\n";
  return 0;
}

int CaImportInventory(const config::Config& config, const CaImportInventoryArgs& args) {
  SystemClock clock;
  auto material = ca::LoadCa(config.data_dir, CaOptionsFrom(config));
  if (!material.ok()) return Fail("ca import-inventory", material.status());
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("storage", store.status());
  auto summary = ImportInventory(config.data_dir, **store, *material, args.paths, args.crls, clock);
  if (!summary.ok()) return Fail("ca import-inventory", summary.status());
  for (const std::string& skipped : summary->skipped) std::cout << "skipped " << skipped << "\n";
  std::cout << "imported " << summary->imported << " certificate(s), " << summary->revoked << " of them revoked; "
            << summary->already << " recorded already; " << summary->skipped.size() << " skipped.\n";
  if (summary->imported > 0) {
    std::cout << "Restart anvil-ca: its CRL of the intermediate then covers them (complete, without an "
                 "issuingDistributionPoint) and lists the revoked ones; OCSP answers for all of them now.\n";
  }
  return 0;
}

}  // namespace anvil::app
