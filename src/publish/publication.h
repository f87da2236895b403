// Publication: the plain-HTTP front end relying parties use (docs/revocation.md) — the issuer's current CRL,
// its OCSP responder and the CA certificates, nothing else; the ACME API stays HTTPS-only on its own listener.
//
//   GET|HEAD /crl/ISSUER.crl       an intermediate's current CRL (its CrlUpdater's), application/pkix-crl
//   GET|HEAD /crl/ROOT.crl         a root's CRL ("root", "root-2", ...: ca::RootName), read from the file anvil-ca
//                                  or `anvil-ca ca root-crl` writes
//   GET|HEAD /ca/ROOT.der          each root certificate, application/pkix-cert (RFC 2585 §4.1)
//   GET|HEAD /ca/ROOT.cross.der    each root after the first cross-signed by the root before it
//   GET|HEAD /ca/intermediate.der  the intermediate that issued when anvil-ca started
//   GET|HEAD /ca/ISSUER.der        each intermediate generation (caIssuers of the certificates it issued, RFC
//                                  5280 §4.2.2.1)
//   POST /ocsp                     an OCSP request (RFC 6960 App. A.1), answered application/ocsp-response by
//                                  the responder of the issuer its CertIDs name
//   GET|HEAD /ocsp/BASE64          the same, the request's DER base64- and percent-encoded in the path
//
// Anything else is 404, another method 405 with Allow. A pure function of the request over the updaters (and
// the content last given); thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/message.h"
#include "publish/crl_updater.h"
#include "publish/ocsp_responder.h"

namespace anvil::publish {

struct PublicationContent {
  std::string intermediate_der;
  // Served at /ca/ID.der: each intermediate generation by CrlUpdater::IssuerId, each root by ca::RootName and
  // each cross-signed root by RootName + ".cross".
  std::map<std::string, std::string> issuer_der;
  std::map<std::string, const CrlUpdater*> crls;   // by CrlUpdater::issuer_id()
  // Each root's CRL file by ca::RootName, read at each request (`anvil-ca ca root-crl` writes it).
  std::map<std::string, std::string> root_crl_files;
  std::vector<OcspResponder*> ocsp;                // one per issuer; empty: no /ocsp
};

// The paths, for the URLs put into certificates (base URL + path).
std::string CrlPath(const std::string& issuer_id);
std::string IssuerPath(const std::string& issuer_id);
inline constexpr char kRootPath[] = "/ca/root.der";
inline constexpr char kIntermediatePath[] = "/ca/intermediate.der";
inline constexpr char kOcspPath[] = "/ocsp";

class Publication {
 public:
  explicit Publication(PublicationContent content)
      : content_(std::make_shared<const PublicationContent>(std::move(content))) {}
  http::Response Handle(const http::Request& request) const;
  // Serves `content` from now on (the CA's generations after a reload); requests under way finish with what
  // they began with. The updaters and responders either names must outlive the Publication.
  void Update(PublicationContent content);

 private:
  std::shared_ptr<const PublicationContent> Content() const;
  http::Response Ocsp(const PublicationContent& content, const http::Request& request) const;

  mutable std::mutex mu_;  // held only to copy or replace content_
  std::shared_ptr<const PublicationContent> content_;
};

}  // namespace anvil::publish
