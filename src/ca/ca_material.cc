#include "ca/ca_material.h"

#include <arpa/inet.h>

#include <algorithm>

#include "base/file.h"
#include "base/strings.h"
#include "ca/token_key.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace anvil::ca {
namespace {

constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;
constexpr mode_t kDirMode = 0700;

bool IsIpLiteral(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

Result<crypto::Certificate> LoadCert(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  return crypto::Certificate::FromPem(pem);
}

Status WriteKeyAndCert(const std::string& key_path, const crypto::PrivateKey& key, const std::string& cert_path,
                       const std::string& cert_pem, const std::string& passphrase) {
  // Key first: a certificate on disk always has its key beside it.
  ANVIL_RETURN_IF_ERROR(WriteKeyFile(key_path, key, passphrase));
  return WriteFileAtomic(cert_path, cert_pem, kCertMode);
}

}  // namespace

Result<crypto::PrivateKey> ReadKeyFile(const std::string& path, const std::string& passphrase) {
  ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  const bool encrypted = pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos;
  Result<crypto::PrivateKey> key =
      passphrase.empty() ? crypto::PrivateKey::FromPem(pem) : crypto::PrivateKey::FromPem(pem, passphrase);
  crypto::Cleanse(pem);
  if (key.ok()) return key;
  return Error(key.status().code(), path + ": " + key.status().message() +
                                        (encrypted && passphrase.empty() ? " (set ca.key_passphrase)" : ""));
}

Status WriteKeyFile(const std::string& path, const crypto::PrivateKey& key, const std::string& passphrase) {
  if (passphrase.empty()) {
    std::string pem = key.ToPem();
    if (pem.empty()) return Error(Code::kInvalidArgument, path + ": the key cannot be exported (in a token?)");
    return WriteFileAtomic(path, pem, kKeyMode);
  }
  ANVIL_ASSIGN_OR_RETURN(std::string pem, key.ToEncryptedPem(passphrase));
  return WriteFileAtomic(path, pem, kKeyMode);
}

std::string NewSerial() {
  std::string serial = crypto::RandomBytes(16);
  serial[0] = char(serial[0] & 0x7f);
  if (serial[0] == 0) serial[0] = 1;
  return serial;
}

CaPaths CaPaths::In(const std::string& data_dir) {
  CaPaths p;
  p.dir = data_dir + "/ca";
  p.root_cert = p.dir + "/root.pem";
  p.root_key = p.dir + "/root.key";
  p.intermediate_cert = p.Intermediate(1, "pem");
  p.intermediate_key = p.Intermediate(1, "key");
  return p;
}

std::string CaPaths::Root(int generation, const std::string& suffix) const {
  return dir + "/" + RootName(generation) + "." + suffix;
}

std::string RootName(int generation) { return generation == 1 ? "root" : "root-" + std::to_string(generation); }

std::string RootCrlUrl(const CaOptions& options, int root_generation) {
  if (options.root_crl_base_url.empty()) return "";
  return options.root_crl_base_url + "/" + RootName(root_generation) + ".crl";
}

std::string CaPaths::Intermediate(int generation, const std::string& suffix) const {
  return dir + (generation == 1 ? "/intermediate." : "/intermediate-" + std::to_string(generation) + ".") + suffix;
}

Result<RetirementReason> ParseRetirementReason(const std::string& text) {
  for (RetirementReason r : {RetirementReason::kKeyCompromise, RetirementReason::kSuperseded,
                             RetirementReason::kCessationOfOperation}) {
    if (text == RetirementReasonName(r)) return r;
  }
  return Error(Code::kInvalidArgument,
               "retirement reason \"" + text + "\": keyCompromise, superseded or cessationOfOperation");
}

std::string RetirementReasonName(RetirementReason reason) {
  switch (reason) {
    case RetirementReason::kKeyCompromise:
      return "keyCompromise";
    case RetirementReason::kSuperseded:
      return "superseded";
    case RetirementReason::kCessationOfOperation:
      return "cessationOfOperation";
  }
  return "superseded";
}

bool IssuesAt(const Intermediate& intermediate, TimePoint now) {
  if (intermediate.retired || (intermediate.activate_at && now < *intermediate.activate_at)) return false;
  return now >= intermediate.certificate.not_before() && now < intermediate.certificate.not_after();
}

const Intermediate* IssuingOf(const std::vector<Intermediate>& intermediates, TimePoint now) {
  for (auto it = intermediates.rbegin(); it != intermediates.rend(); ++it) {
    if (IssuesAt(*it, now)) return &*it;
  }
  return nullptr;
}

const Intermediate* CaMaterial::Issuing(TimePoint now) const { return IssuingOf(intermediates, now); }

Result<crypto::Certificate> MakeIntermediate(const crypto::Certificate& root, int root_generation,
                                             const crypto::PrivateKey& root_key, const crypto::PublicKey& key,
                                             const CaOptions& options, TimePoint now) {
  crypto::CertificateTemplate inter;
  inter.serial = NewSerial();
  inter.subject = {options.intermediate_common_name, options.organization, "", ""};
  inter.not_before = now - std::chrono::hours(1);
  inter.not_after = std::min(now + options.intermediate_validity, root.not_after());
  inter.is_ca = true;
  inter.path_length = 0;
  inter.digital_signature = true;
  inter.key_cert_sign = true;
  inter.crl_sign = true;
  inter.ext_key_usages = {"serverAuth", "clientAuth"};
  inter.crl_url = RootCrlUrl(options, root_generation);
  return crypto::IssueCertificate(inter, key, &root, root_key);
}

Result<crypto::Certificate> MakeRoot(const crypto::PrivateKey& key, const std::string& common_name,
                                     const CaOptions& options, TimePoint now, const CaRoot* issuer,
                                     const crypto::PrivateKey* issuer_key) {
  crypto::CertificateTemplate root;
  root.serial = NewSerial();
  root.subject = {common_name, options.organization, "", ""};
  root.not_before = now - std::chrono::hours(1);
  root.not_after = now + options.root_validity;
  root.is_ca = true;
  root.digital_signature = true;
  root.key_cert_sign = true;
  root.crl_sign = true;
  if (issuer == nullptr) return crypto::IssueCertificate(root, key.public_key(), nullptr, key);
  // The cross-certificate: no longer valid than its issuer, revoked (if ever) on its issuer's CRL.
  root.not_after = std::min(root.not_after, issuer->certificate.not_after());
  root.crl_url = RootCrlUrl(options, issuer->generation);
  return crypto::IssueCertificate(root, key.public_key(), &issuer->certificate, *issuer_key);
}

Status CreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock,
                const std::string& offline_root_key) {
  CaPaths paths = CaPaths::In(data_dir);
  if (FileExists(paths.root_cert) || FileExists(paths.intermediate_cert)) {
    return Error(Code::kConflict, "a CA already exists in " + paths.dir);
  }
  if (!offline_root_key.empty() && FileExists(offline_root_key)) {
    return Error(Code::kConflict, offline_root_key + " exists already; the root key is never overwritten");
  }
  ANVIL_RETURN_IF_ERROR(MakeDirectories(paths.dir, kDirMode));
  TimePoint now = clock.Now();

  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey root_key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP384));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate root_cert, MakeRoot(root_key, options.root_common_name, options, now));

  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey int_key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate int_cert,
                         MakeIntermediate(root_cert, 1, root_key, int_key.public_key(), options, now));

  ANVIL_RETURN_IF_ERROR(WriteKeyAndCert(offline_root_key.empty() ? paths.root_key : offline_root_key, root_key,
                                        paths.root_cert, root_cert.ToPem(), options.key_passphrase));
  return WriteKeyAndCert(paths.intermediate_key, int_key, paths.intermediate_cert, int_cert.ToPem(),
                         options.key_passphrase);
}

Status ImportCa(const std::string& data_dir, const std::string& root_cert_pem_path,
                const std::string& intermediate_cert_pem_path, const std::string& intermediate_key_pem_path,
                const std::string& key_passphrase) {
  CaPaths paths = CaPaths::In(data_dir);
  if (FileExists(paths.root_cert) || FileExists(paths.intermediate_cert)) {
    return Error(Code::kConflict, "a CA already exists in " + paths.dir);
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate root, LoadCert(root_cert_pem_path));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate inter, LoadCert(intermediate_cert_pem_path));
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, ReadKeyFile(intermediate_key_pem_path, key_passphrase));
  if (!root.is_ca() || !inter.is_ca()) return Error(Code::kInvalidArgument, "root and intermediate must be CA certificates");
  if (!inter.IsSignedBy(root.public_key())) {
    return Error(Code::kInvalidArgument, "the intermediate is not signed by the root");
  }
  if (!(key.public_key() == inter.public_key())) {
    return Error(Code::kInvalidArgument, "the intermediate key does not match the intermediate certificate");
  }
  ANVIL_RETURN_IF_ERROR(MakeDirectories(paths.dir, kDirMode));
  ANVIL_RETURN_IF_ERROR(WriteFileAtomic(paths.root_cert, root.ToPem(), kCertMode));
  return WriteKeyAndCert(paths.intermediate_key, key, paths.intermediate_cert, inter.ToPem(), key_passphrase);
}

namespace {

// Generation `generation`'s certificate, key and state files.
Result<Intermediate> LoadIntermediate(const CaPaths& paths, int generation, const std::vector<CaRoot>& roots,
                                      const CaOptions& options) {
  const std::string cert_path = paths.Intermediate(generation, "pem");
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert, LoadCert(cert_path));
  // A key in a PKCS #11 token is named by its URI instead of a key file (ca/token_key.h).
  const bool in_token = FileExists(paths.Intermediate(generation, "key-uri"));
  const std::string key_path = paths.Intermediate(generation, in_token ? "key-uri" : "key");
  Result<crypto::PrivateKey> loaded = in_token ? ReadKeyUriFile(key_path, options)
                                                : ReadKeyFile(key_path, options.key_passphrase);
  // A generation whose key is missing (its file, or the key in its token) is broken, not absent: kNotFound
  // would tell LoadOrCreateCa that there is no CA, and it would try to make one.
  if (!loaded.ok() && loaded.status().code() == Code::kNotFound) {
    return Error(Code::kInvalidArgument, loaded.status().message());
  }
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, std::move(loaded));
  if (!(key.public_key() == cert.public_key())) {
    return Error(Code::kInvalidArgument, key_path + " does not match " + cert_path);
  }
  const CaRoot* root = nullptr;
  for (const CaRoot& r : roots) {
    if (cert.IsSignedBy(r.certificate.public_key())) root = &r;
  }
  if (!cert.is_ca() || root == nullptr) {
    return Error(Code::kInvalidArgument, cert_path + " is not a CA certificate signed by a root");
  }
  Intermediate out{generation, std::move(cert), std::move(key), std::nullopt, std::nullopt,
                   FileExists(paths.Intermediate(generation, "imported")), root->generation, {}};
  // Through root N's cross-certificate to root N-1, then on through N-1's to N-2, and so on: one alternate
  // chain per older root.
  std::string chain = out.certificate.ToPem();
  for (int g = root->generation; g > 1; --g) {
    chain += roots[g - 1].cross_signed->ToPem();
    out.alternate_chains_pem.push_back(chain);
  }
  if (auto text = ReadFile(paths.Intermediate(generation, "activate")); text.ok()) {
    auto at = ParseRfc3339(TrimAsciiWhitespace(*text));
    if (!at.ok()) return Error(Code::kInvalidArgument, paths.Intermediate(generation, "activate") + ": " + at.status().message());
    out.activate_at = *at;
  }
  if (auto text = ReadFile(paths.Intermediate(generation, "retired")); text.ok()) {
    const std::string line(TrimAsciiWhitespace(*text));
    const size_t space = line.find(' ');
    auto at = ParseRfc3339(line.substr(0, space));
    auto reason = ParseRetirementReason(space == std::string::npos ? "" : line.substr(space + 1));
    if (!at.ok() || !reason.ok()) {
      return Error(Code::kInvalidArgument,
                   paths.Intermediate(generation, "retired") + ": expected \"RFC3339-TIME REASON\"");
    }
    out.retired = Retirement{*at, *reason};
  }
  return out;
}

}  // namespace

Result<std::vector<CaRoot>> LoadRoots(const std::string& data_dir) {
  const CaPaths paths = CaPaths::In(data_dir);
  std::vector<CaRoot> roots;
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate first, LoadCert(paths.root_cert));
  roots.push_back(CaRoot{1, std::move(first), std::nullopt});
  for (int generation = 2; FileExists(paths.Root(generation, "pem")); ++generation) {
    ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert, LoadCert(paths.Root(generation, "pem")));
    const std::string cross_path = paths.Root(generation, "cross.pem");
    ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cross, LoadCert(cross_path));
    const crypto::Certificate& previous = roots.back().certificate;
    if (!cert.is_ca() || !cert.IsSignedBy(cert.public_key()) || !(cross.public_key() == cert.public_key()) ||
        cross.subject() != cert.subject() || !cross.IsSignedBy(previous.public_key())) {
      return Error(Code::kInvalidArgument, cross_path + " is not " + paths.Root(generation, "pem") +
                                               " cross-signed by root generation " + std::to_string(generation - 1));
    }
    roots.push_back(CaRoot{generation, std::move(cert), std::move(cross)});
  }
  return roots;
}

Result<CaMaterial> LoadCa(const std::string& data_dir, const CaOptions& options, TimePoint now) {
  CaPaths paths = CaPaths::In(data_dir);
  if (!FileExists(paths.intermediate_cert)) return Error(Code::kNotFound, "no CA in " + paths.dir);
  ANVIL_ASSIGN_OR_RETURN(std::vector<CaRoot> roots, LoadRoots(data_dir));
  std::vector<Intermediate> intermediates;
  // A generation exists once its certificate does; anything of it that is missing or wrong then stops the
  // start (a missing key file must not make the generation, and those after it, vanish).
  for (int generation = 1; generation == 1 || FileExists(paths.Intermediate(generation, "pem")); ++generation) {
    ANVIL_ASSIGN_OR_RETURN(Intermediate loaded, LoadIntermediate(paths, generation, roots, options));
    intermediates.push_back(std::move(loaded));
  }
  const Intermediate* issuing = IssuingOf(intermediates, now);
  if (issuing == nullptr) {
    return Error(Code::kInvalidArgument,
                 "no intermediate in " + paths.dir +
                     " can issue now (all retired, expired or not yet active): run `anvil-ca ca rotate`");
  }
  crypto::Certificate issuing_cert = issuing->certificate;
  crypto::PrivateKey issuing_key = issuing->key;
  crypto::Certificate first_root = roots.front().certificate;
  CaMaterial material{std::move(first_root), std::move(roots), std::move(intermediates), std::move(issuing_cert),
                      std::move(issuing_key), {}};
  if (!options.cross_signed_chain.empty()) {
    ANVIL_ASSIGN_OR_RETURN(std::string pem, ReadFile(options.cross_signed_chain));
    ANVIL_ASSIGN_OR_RETURN(auto chain, crypto::Certificate::ChainFromPem(pem));
    if (chain.empty() || !(chain.front().public_key() == material.intermediate.public_key())) {
      return Error(Code::kInvalidArgument,
                   "ca.cross_signed_chain: the first certificate must certify the issuing intermediate's key");
    }
    material.alternate_chains_pem.push_back(pem);
  }
  return material;
}

Result<CaMaterial> LoadCa(const std::string& data_dir, const CaOptions& options) {
  return LoadCa(data_dir, options, SystemClock().Now());
}

Result<CaMaterial> LoadOrCreateCa(const std::string& data_dir, const CaOptions& options, const Clock& clock) {
  auto loaded = LoadCa(data_dir, options, clock.Now());
  if (loaded.ok() || loaded.status().code() != Code::kNotFound) return loaded;
  ANVIL_RETURN_IF_ERROR(CreateCa(data_dir, options, clock));
  return LoadCa(data_dir, options, clock.Now());
}

std::string IssuerChainPem(const CaMaterial& ca) {
  // After a root rollover the chain runs through the cross-certificates to the oldest root: clients that
  // trust only it connect, and those that trust a newer root stop there (path building looks for a trusted
  // issuer first: OpenSSL's X509_V_FLAG_TRUSTED_FIRST, its default since 1.1.0).
  std::string issuer_chain = ca.intermediate.ToPem();
  for (const Intermediate& i : ca.intermediates) {
    if (i.certificate.fingerprint_sha256() == ca.intermediate.fingerprint_sha256() && !i.alternate_chains_pem.empty()) {
      issuer_chain = i.alternate_chains_pem.back();
    }
  }
  return issuer_chain;
}

Result<std::pair<std::string, std::string>> LoadOrIssueServerTls(const std::string& data_dir, const CaMaterial& ca,
                                                                 const std::vector<std::string>& names,
                                                                 const Clock& clock) {
  std::string dir = data_dir + "/tls";
  std::string cert_path = dir + "/server.pem", key_path = dir + "/server.key";
  TimePoint now = clock.Now();
  auto existing_pem = ReadFile(cert_path);
  auto existing_key = ReadFile(key_path);
  if (existing_pem.ok() && existing_key.ok()) {
    auto chain = crypto::Certificate::ChainFromPem(*existing_pem);
    if (chain.ok() && !chain->empty()) {
      const crypto::Certificate& leaf = chain->front();
      auto dns = leaf.dns_names();
      auto ips = leaf.ip_addresses();
      bool covers = std::all_of(names.begin(), names.end(), [&](const std::string& n) {
        return std::find(dns.begin(), dns.end(), n) != dns.end() || std::find(ips.begin(), ips.end(), n) != ips.end();
      });
      auto life = leaf.not_after() - leaf.not_before();
      bool fresh = leaf.not_after() - now > life / 3;
      bool same_issuer = leaf.IsSignedBy(ca.intermediate.public_key());
      if (covers && fresh && same_issuer) return std::make_pair(*existing_pem, *existing_key);
    }
  }
  ANVIL_RETURN_IF_ERROR(MakeDirectories(dir, kDirMode));
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  crypto::CertificateTemplate t;
  t.serial = NewSerial();
  t.not_before = now - std::chrono::minutes(5);
  t.not_after = std::min(now + std::chrono::hours(24 * 90), ca.intermediate.not_after());
  for (const auto& n : names) (IsIpLiteral(n) ? t.ip_addresses : t.dns_names).push_back(n);
  t.digital_signature = true;
  t.ext_key_usages = {"serverAuth"};
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate leaf,
                         crypto::IssueCertificate(t, key.public_key(), &ca.intermediate, ca.intermediate_key));
  std::string chain_pem = leaf.ToPem() + IssuerChainPem(ca);
  ANVIL_RETURN_IF_ERROR(WriteKeyAndCert(key_path, key, cert_path, chain_pem, ""));  // re-made, never encrypted
  return std::make_pair(chain_pem, key.ToPem());
}

std::string FingerprintText(const crypto::Certificate& cert) {
  std::string hex = crypto::HexEncode(cert.fingerprint_sha256());
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

}  // namespace anvil::ca
