#include "inventory_import.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <map>
#include <system_error>

#include "base/base64url.h"
#include "base/file.h"
#include "crypto/crl.h"

namespace anvil::app {
namespace {

// The files `paths` name: each file as it is, each directory's regular files in name order.
Result<std::vector<std::string>> Files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inside;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) inside.push_back(entry.path().string());
    }
    if (ec) return Error(Code::kIo, "reading " + path + ": " + ec.message());
    std::sort(inside.begin(), inside.end());
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

// A CRL file, DER or PEM ("X509 CRL").
Result<crypto::Crl> ReadCrl(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  const std::string begin = "-----BEGIN X509 CRL-----", end = "-----END X509 CRL-----";
  const size_t b = text.find(begin);
  if (b == std::string::npos) return crypto::Crl::FromDer(text);
  const size_t e = text.find(end, b);
  if (e == std::string::npos) return Error(Code::kInvalidArgument, path + ": unterminated PEM CRL");
  std::string body = text.substr(b + begin.size(), e - b - begin.size());
  std::erase_if(body, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
  ANVIL_ASSIGN_OR_RETURN(std::string der, base64::Decode(body));
  return crypto::Crl::FromDer(der);
}

struct Revocation {
  TimePoint at;
  int reason = 0;
};

}  // namespace

Result<InventorySummary> ImportInventory(const std::string& data_dir, storage::Store& store,
                                         const ca::CaMaterial& material,
                                         const std::vector<std::string>& paths,
                                         const std::vector<std::string>& crls, const Clock& clock) {
  // Revocations by (authority key ID, serial bytes), from CRLs each intermediate signed.
  std::map<std::pair<std::string, std::string>, Revocation> revoked;
  for (const std::string& path : crls) {
    ANVIL_ASSIGN_OR_RETURN(crypto::Crl crl, ReadCrl(path));
    const auto signer = std::find_if(material.intermediates.begin(), material.intermediates.end(),
                                     [&](const ca::Intermediate& i) {
                                       return crl.authority_key_id() == i.certificate.subject_key_id() &&
                                              crl.IsSignedBy(i.certificate.public_key());
                                     });
    if (signer == material.intermediates.end()) {
      return Error(Code::kInvalidArgument, path + ": not a CRL signed by one of the CA's intermediates");
    }
    for (const crypto::CrlEntry& entry : crl.entries()) {
      revoked[{crl.authority_key_id(), entry.serial}] = Revocation{entry.revoked_at, entry.reason};
    }
  }

  InventorySummary summary;
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> files, Files(paths));
  const TimePoint now = clock.Now();
  for (const std::string& file : files) {
    ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(file));
    auto certificates = crypto::Certificate::ChainFromPem(pem);
    if (!certificates.ok() || certificates->empty()) {
      summary.skipped.push_back(file + ": no PEM certificate");
      continue;
    }
    for (const crypto::Certificate& cert : *certificates) {
      const std::string what = file + " (serial " + cert.serial_hex() + ")";
      const auto issuer = std::find_if(material.intermediates.begin(), material.intermediates.end(),
                                       [&](const ca::Intermediate& i) {
                                         return cert.authority_key_id() == i.certificate.subject_key_id() &&
                                                cert.IsSignedBy(i.certificate.public_key());
                                       });
      if (cert.is_ca()) {
        summary.skipped.push_back(what + ": a CA certificate");
        continue;
      }
      if (issuer == material.intermediates.end()) {
        summary.skipped.push_back(what + ": not issued by one of the CA's intermediates");
        continue;
      }
      storage::CertificateRecord record;
      record.serial = cert.serial_hex();
      record.state = storage::CertificateState::kIssued;
      record.der = cert.ToDer();
      record.issuer_chain_pem = issuer->certificate.ToPem();
      record.names = cert.dns_names();
      for (const std::string& ip : cert.ip_addresses()) record.names.push_back(ip);
      record.profile = "imported";
      record.authority_key_id = cert.authority_key_id();
      record.not_before = cert.not_before();
      record.not_after = cert.not_after();
      record.created_at = now;
      if (auto it = revoked.find({record.authority_key_id, cert.serial_bytes()}); it != revoked.end()) {
        record.revoked_at = it->second.at;
        record.revocation_reason = it->second.reason;
      }
      storage::AuditEvent audit;
      audit.at = now;
      audit.kind = "certificate.imported";
      audit.subject = record.serial;
      audit.details_json = nlohmann::json{{"file", file}, {"revoked", record.revoked_at.has_value()}}.dump();
      Status imported = store.ImportCertificate(record, audit);
      if (imported.code() == Code::kConflict) {
        ++summary.already;
        continue;
      }
      ANVIL_RETURN_IF_ERROR(imported);
      // Before the next certificate: the generation's CRL drops its IDP (ca_material.h) once anvil-ca restarts.
      const std::string marker = ca::CaPaths::In(data_dir).Intermediate(issuer->generation, "imported");
      if (!FileExists(marker)) ANVIL_RETURN_IF_ERROR(WriteFileAtomic(marker, "", 0644));
      ++summary.imported;
      if (record.revoked_at) ++summary.revoked;
    }
  }
  return summary;
}

}  // namespace anvil::app
