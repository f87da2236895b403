#include "revocation_publishing.h"

#include <utility>

#include "base/file.h"
#include "component_options.h"
#include "wfe/wfe.h"

namespace anvil::app {
namespace {

Status Context(const std::string& what, const Status& s) { return Status(s.code(), what + ": " + s.message()); }

}  // namespace

ca::IssuerUrls UrlsFor(const config::Config& config, const crypto::Certificate& intermediate) {
  const std::string id = publish::CrlUpdater::IssuerId(intermediate);
  ca::IssuerUrls urls;
  if (config.publication.listen.empty()) {
    urls.ca_issuers = config.server.external_url + wfe::WebFrontEnd::IssuerPath(id);
    return urls;
  }
  const std::string& base = config.publication.external_url;
  urls.ca_issuers = base + publish::IssuerPath(id);
  urls.crl = base + publish::CrlPath(id);
  if (config.publication.ocsp) urls.ocsp = base + publish::kOcspPath;
  return urls;
}

std::string CrlFile(const config::Config& config, const crypto::Certificate& issuer) {
  return config.data_dir + "/crl/" + publish::CrlUpdater::IssuerId(issuer) + ".crl";
}

std::string RootCrlFile(const config::Config& config) { return config.data_dir + "/crl/root.crl"; }

Status UpdateRootCrl(const config::Config& config, storage::RevocationListStore& store, ca::RootCrlSigner& root,
                     std::chrono::seconds lifetime, const Clock& clock) {
  ANVIL_RETURN_IF_ERROR(MakeDirectories(config.data_dir + "/crl", 0755));
  // A complete CRL of the root's certificates: no issuingDistributionPoint.
  publish::CrlUpdaterOptions options = CrlUpdaterOptionsFrom(config, "", RootCrlFile(config));
  options.lifetime = lifetime;
  publish::CrlUpdater updater(options, store, root, clock);
  return updater.UpdateNow();
}

Result<std::unique_ptr<RevocationPublishing>> RevocationPublishing::Start(const config::Config& config,
                                                                          storage::Store& store,
                                                                          ca::CertificateAuthority& ca,
                                                                          const Clock& clock) {
  std::unique_ptr<RevocationPublishing> p(new RevocationPublishing());
  const ca::CaMaterial& material = ca.material();
  p->root_der_ = material.root.ToDer();
  p->intermediate_der_ = material.intermediate.ToDer();
  p->root_crl_file_ = RootCrlFile(config);
  if (Status s = MakeDirectories(config.data_dir + "/crl", 0755); !s.ok()) return Context("CRL directory", s);

  const bool ocsp = !config.publication.listen.empty() && config.publication.ocsp;
  for (const auto& issuer : ca.issuers()) {
    const crypto::Certificate& cert = issuer->certificate();
    const std::string id = publish::CrlUpdater::IssuerId(cert);
    p->issuer_der_[id] = cert.ToDer();
    // A generation holding imported certificates (which name other CRL distribution points, or none) gets a
    // complete CRL: an issuingDistributionPoint would put them out of its scope (RFC 5280 §6.3.3 b.2).
    const std::string idp = issuer->intermediate().holds_imported ? "" : issuer->urls().crl;
    auto updater = std::make_unique<publish::CrlUpdater>(CrlUpdaterOptionsFrom(config, idp, CrlFile(config, cert)),
                                                         store, *issuer, clock);
    // The first CRL before anything is served: revocations recorded before a stop are on it.
    if (Status s = updater->UpdateNow(); !s.ok()) return Context("CRL of " + id, s);
    updater->Start();
    p->crls_[cert.subject_key_id()] = std::move(updater);
    if (!ocsp) continue;
    publish::OcspResponderOptions options;
    options.response_lifetime = config.publication.ocsp_response_lifetime;
    options.responder_dir = config.data_dir + "/ocsp/" + id;
    auto responder = std::make_unique<publish::OcspResponder>(options, store, *issuer, clock);
    if (Status s = responder->Start(); !s.ok()) return Context("OCSP responder of " + id, s);
    p->ocsp_[cert.subject_key_id()] = std::move(responder);
  }

  Result<crypto::PrivateKey> root_key = ca::LoadRootKey(config.data_dir, "", config.ca.key_passphrase_value);
  if (!root_key.ok() && root_key.status().code() != Code::kNotFound) return Context("root key", root_key.status());
  if (root_key.ok()) {  // an online root keeps its CRL current; an offline one's is signed by `ca root-crl`
    p->root_signer_ = std::make_unique<ca::RootCrlSigner>(material.root, *root_key);
    p->root_crl_ = std::make_unique<publish::CrlUpdater>(CrlUpdaterOptionsFrom(config, "", p->root_crl_file_), store,
                                                         *p->root_signer_, clock);
    if (Status s = p->root_crl_->UpdateNow(); !s.ok()) return Context("root CRL", s);
    p->root_crl_->Start();
  }
  return p;
}

void RevocationPublishing::Revoked(const storage::CertificateRecord& record) {
  if (auto it = crls_.find(record.authority_key_id); it != crls_.end()) it->second->Revoked();
  if (auto it = ocsp_.find(record.authority_key_id); it != ocsp_.end()) it->second->Revoked(record.serial);
}

publish::PublicationContent RevocationPublishing::Content() const {
  publish::PublicationContent content;
  content.root_der = root_der_;
  content.intermediate_der = intermediate_der_;
  content.issuer_der = issuer_der_;
  for (const auto& [aki, updater] : crls_) content.crls[updater->issuer_id()] = updater.get();
  // Read from the file: `anvil-ca ca root-crl` and `ca retire` write it while anvil-ca runs.
  content.root_crl_file = root_crl_file_;
  for (const auto& [aki, responder] : ocsp_) content.ocsp.push_back(responder.get());
  return content;
}

}  // namespace anvil::app
