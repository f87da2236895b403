#include "revocation_publishing.h"

#include <utility>

#include "base/file.h"
#include "component_options.h"
#include "crypto/digest.h"
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

std::string RootCrlFile(const config::Config& config, int generation) {
  return config.data_dir + "/crl/" + ca::RootName(generation) + ".crl";
}

Status UpdateRootCrl(const config::Config& config, storage::RevocationListStore& store, ca::RootCrlSigner& root,
                     int generation, std::chrono::seconds lifetime, const Clock& clock) {
  ANVIL_RETURN_IF_ERROR(MakeDirectories(config.data_dir + "/crl", 0755));
  // A complete CRL of the root's certificates: no issuingDistributionPoint.
  publish::CrlUpdaterOptions options = CrlUpdaterOptionsFrom(config, "", RootCrlFile(config, generation));
  options.lifetime = lifetime;
  publish::CrlUpdater updater(options, store, root, clock);
  return updater.UpdateNow();
}

Result<std::unique_ptr<RevocationPublishing>> RevocationPublishing::Start(const config::Config& config,
                                                                          storage::Store& store,
                                                                          ca::CertificateAuthority& ca,
                                                                          const Clock& clock) {
  std::unique_ptr<RevocationPublishing> p(new RevocationPublishing(config, store, clock));
  const ca::CaMaterial& material = ca.material();
  p->intermediate_der_ = material.intermediate.ToDer();
  if (Status s = MakeDirectories(config.data_dir + "/crl", 0755); !s.ok()) return Context("CRL directory", s);
  ANVIL_RETURN_IF_ERROR(p->Reload(material, ca.issuers()));
  return p;
}

Status RevocationPublishing::Reload(const ca::CaMaterial& material, const std::vector<ca::IssuingCa*>& generations) {
  // One reload at a time; mu_ is taken only to look and to insert, so that revocations and the publication
  // listener never wait for a CRL being signed here.
  std::lock_guard reloading(reload_mu_);
  const auto published = [this](const std::string& key, bool root) {
    std::lock_guard lock(mu_);
    return root ? issuer_der_.contains(key) : crls_.contains(key);
  };
  const config::Config& config = config_;
  const bool ocsp = !config.publication.listen.empty() && config.publication.ocsp;
  for (ca::IssuingCa* issuer : generations) {
    const crypto::Certificate& cert = issuer->certificate();
    if (published(cert.subject_key_id(), false)) continue;
    const std::string id = publish::CrlUpdater::IssuerId(cert);
    // A generation holding imported certificates (which name other CRL distribution points, or none) gets a
    // complete CRL: an issuingDistributionPoint would put them out of its scope (RFC 5280 §6.3.3 b.2).
    const std::string idp = issuer->intermediate().holds_imported ? "" : issuer->urls().crl;
    auto updater = std::make_unique<publish::CrlUpdater>(CrlUpdaterOptionsFrom(config, idp, CrlFile(config, cert)),
                                                         store_, *issuer, clock_);
    // The first CRL before anything is served: revocations recorded before a stop are on it.
    if (Status s = updater->UpdateNow(); !s.ok()) return Context("CRL of " + id, s);
    std::unique_ptr<publish::OcspResponder> responder;
    if (ocsp) {
      publish::OcspResponderOptions options;
      options.response_lifetime = config.publication.ocsp_response_lifetime;
      options.responder_dir = config.data_dir + "/ocsp/" + id;
      responder = std::make_unique<publish::OcspResponder>(options, store_, *issuer, clock_);
      if (Status s = responder->Start(); !s.ok()) return Context("OCSP responder of " + id, s);
    }
    updater->Start();
    std::lock_guard lock(mu_);
    issuer_der_[id] = cert.ToDer();
    crls_[cert.subject_key_id()] = std::move(updater);
    if (responder) ocsp_[cert.subject_key_id()] = std::move(responder);
  }

  for (const ca::CaRoot& root : material.roots) {
    const std::string name = ca::RootName(root.generation);
    if (published(name, true)) continue;
    Result<ca::RootKey> key = ca::LoadRootKey(config.data_dir, "", config.ca.key_passphrase_value, root.generation);
    if (!key.ok() && key.status().code() != Code::kNotFound) return Context(name + " key", key.status());
    OnlineRoot online;
    if (key.ok()) {  // an offline root's CRL is signed by `ca root-crl`
      online.signer = std::make_unique<ca::RootCrlSigner>(root.certificate, key->key);
      online.crl = std::make_unique<publish::CrlUpdater>(
          CrlUpdaterOptionsFrom(config, "", RootCrlFile(config, root.generation)), store_, *online.signer, clock_);
      if (Status s = online.crl->UpdateNow(); !s.ok()) return Context(name + " CRL", s);
      online.crl->Start();
    }
    std::lock_guard lock(mu_);
    issuer_der_[name] = root.certificate.ToDer();
    if (root.cross_signed) issuer_der_[name + ".cross"] = root.cross_signed->ToDer();
    root_crl_files_[name] = RootCrlFile(config, root.generation);
    if (online.crl) online_roots_.push_back(std::move(online));
  }
  return Status::Ok();
}

void RevocationPublishing::Revoked(const storage::CertificateRecord& record) {
  std::lock_guard lock(mu_);
  if (auto it = crls_.find(record.authority_key_id); it != crls_.end()) it->second->Revoked();
  if (auto it = ocsp_.find(record.authority_key_id); it != ocsp_.end()) it->second->Revoked(record.serial);
}

void RevocationPublishing::RevokedElsewhere() {
  std::lock_guard lock(mu_);
  for (const auto& [aki, updater] : crls_) updater->Revoked();
  for (const auto& [aki, responder] : ocsp_) responder->ForgetCachedResponses();
}

std::map<std::string, TimePoint> RevocationPublishing::CrlThisUpdates() const {
  std::lock_guard lock(mu_);
  std::map<std::string, TimePoint> out;
  auto add = [&out](const publish::CrlUpdater& updater) {
    if (std::optional<TimePoint> t = updater.CurrentThisUpdate()) out[updater.issuer_id()] = *t;
  };
  for (const auto& [aki, updater] : crls_) add(*updater);
  for (const OnlineRoot& root : online_roots_) add(*root.crl);
  return out;
}

Result<std::vector<admin::IssuerStatus>> RevocationPublishing::Issuers() const {
  const publish::PublicationContent content = Content();
  const std::map<std::string, TimePoint> this_updates = CrlThisUpdates();
  std::vector<admin::IssuerStatus> out;
  for (const auto& [id, der] : content.issuer_der) {
    ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromDer(der));
    admin::IssuerStatus status{id, cert.subject_common_name(), crypto::HexEncode(cert.subject_key_id()),
                               cert.not_after(), der == content.intermediate_der};
    if (status.name.empty()) status.name = cert.subject();
    if (auto it = this_updates.find(id); it != this_updates.end()) {
      status.crl_this_update = it->second;
      status.crl_next_update = it->second + config_.publication.crl_lifetime;
    }
    out.push_back(std::move(status));
  }
  return out;
}

publish::PublicationContent RevocationPublishing::Content() const {
  std::lock_guard lock(mu_);
  publish::PublicationContent content;
  content.intermediate_der = intermediate_der_;
  content.issuer_der = issuer_der_;
  for (const auto& [aki, updater] : crls_) content.crls[updater->issuer_id()] = updater.get();
  // Read from the files: `anvil-ca ca root-crl` and `ca retire` write them while anvil-ca runs.
  content.root_crl_files = root_crl_files_;
  for (const auto& [aki, responder] : ocsp_) content.ocsp.push_back(responder.get());
  return content;
}

}  // namespace anvil::app
