// The composition of revocation publishing (docs/revocation.md, docs/ca-operations.md): one CRL updater and
// one OCSP responder per intermediate generation, each root's CRL (kept current here while that root's key is
// in the data directory; signed by `anvil-ca ca root-crl` when the root is offline), and what the publication
// listener serves of them. Thread-safe once Start has returned.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "admin/ca_operations.h"
#include "base/status.h"
#include "base/time.h"
#include "ca/ca_lifecycle.h"
#include "ca/certificate_authority.h"
#include "config/config.h"
#include "publish/crl_updater.h"
#include "publish/ocsp_responder.h"
#include "publish/publication.h"
#include "storage/store.h"

namespace anvil::app {

// The URLs the certificates of `intermediate` carry under `config`: with a publication listener, its caIssuers
// (IssuerPath), CRL and (publication.ocsp) OCSP URLs; without one, caIssuers on the ACME listener only.
ca::IssuerUrls UrlsFor(const config::Config& config, const crypto::Certificate& intermediate);
// <data_dir>/crl/ISSUER.crl, where every CRL of `issuer` is written.
std::string CrlFile(const config::Config& config, const crypto::Certificate& issuer);
// <data_dir>/crl/ROOT.crl (ca::RootName), the CRL of root generation `generation`.
std::string RootCrlFile(const config::Config& config, int generation);
// Root generation `generation`'s CRL, made now with the store's next number for that root's series and written
// to RootCrlFile: what `anvil-ca ca root-crl` and `ca retire` do with a root key, and what the server does while
// it holds one.
Status UpdateRootCrl(const config::Config& config, storage::RevocationListStore& store, ca::RootCrlSigner& root,
                     int generation, std::chrono::seconds lifetime, const Clock& clock);

class RevocationPublishing {
 public:
  // Makes every generation's first CRL (revocations recorded before a stop are on it), starts their
  // updaters, and the OCSP responders when publication.ocsp is on. `store`, `ca` and `clock` must outlive it.
  static Result<std::unique_ptr<RevocationPublishing>> Start(const config::Config& config, storage::Store& store,
                                                             ca::CertificateAuthority& ca, const Clock& clock);

  // After the CA's files were read again into `material` and `generations` (ca::CertificateAuthority::Prepare):
  // publishing starts for the generations and roots that are new, exactly as Start does; what was published
  // goes on. A generation whose retirement changed keeps its CRL updater and responder (the same key signs).
  Status Reload(const ca::CaMaterial& material, const std::vector<ca::IssuingCa*>& generations);

  // A certificate was revoked: its issuer's CRL is remade soon and its OCSP answer dropped.
  void Revoked(const storage::CertificateRecord& record);
  // Certificates may have been revoked by another process (`anvil-ca cert revoke`, docs/inventory.md): every
  // generation's CRL is remade soon and every OCSP cache emptied. On SIGHUP (CaServer::Reload).
  void RevokedElsewhere();
  // What the publication listener serves.
  publish::PublicationContent Content() const;
  // The thisUpdate of each CRL kept current here, by issuer ID (CrlUpdater::issuer_id: each intermediate
  // generation's and each online root's), once its first CRL exists: the CRL age metric.
  std::map<std::string, TimePoint> CrlThisUpdates() const;
  // The CA certificates served (publish::PublicationContent::issuer_der) with their CRLs' thisUpdate and
  // nextUpdate where one is kept current here: the admin API's overview.
  Result<std::vector<admin::IssuerStatus>> Issuers() const;

 private:
  RevocationPublishing(const config::Config& config, storage::Store& store, const Clock& clock)
      : config_(config), store_(store), clock_(clock) {}

  struct OnlineRoot {  // a root whose key is in the data directory keeps its CRL current
    std::unique_ptr<ca::RootCrlSigner> signer;
    std::unique_ptr<publish::CrlUpdater> crl;
  };

  const config::Config& config_;
  storage::Store& store_;
  const Clock& clock_;
  std::mutex reload_mu_;  // one Reload at a time
  // Guards the members below: Revoked and Content run on request threads, Reload on the signal's.
  mutable std::mutex mu_;
  std::string intermediate_der_;
  std::map<std::string, std::string> issuer_der_;                          // by issuer ID or root name
  std::map<std::string, std::string> root_crl_files_;                      // by root name
  std::map<std::string, std::unique_ptr<publish::CrlUpdater>> crls_;       // by authority key ID (raw)
  std::map<std::string, std::unique_ptr<publish::OcspResponder>> ocsp_;    // by authority key ID (raw)
  std::vector<OnlineRoot> online_roots_;
};

}  // namespace anvil::app
