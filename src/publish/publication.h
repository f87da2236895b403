// Publication: the plain-HTTP front end relying parties use (docs/revocation.md) — the issuer's current CRL,
// its OCSP responder and the CA certificates, nothing else; the ACME API stays HTTPS-only on its own listener.
//
//   GET|HEAD /crl/ISSUER.crl       the CrlUpdater's current CRL, application/pkix-crl (RFC 2585 §4.2)
//   GET|HEAD /ca/root.der          the root certificate, application/pkix-cert (RFC 2585 §4.1)
//   GET|HEAD /ca/intermediate.der  the intermediate (caIssuers of issued certificates, RFC 5280 §4.2.2.1)
//   POST /ocsp                     an OCSP request (RFC 6960 App. A.1), answered application/ocsp-response
//   GET|HEAD /ocsp/BASE64          the same, the request's DER base64- and percent-encoded in the path
//
// Anything else is 404, another method 405 with Allow. A pure function of the request over the updaters;
// thread-safe.
#pragma once

#include <map>
#include <string>

#include "http/message.h"
#include "publish/crl_updater.h"
#include "publish/ocsp_responder.h"

namespace anvil::publish {

struct PublicationContent {
  std::string root_der;
  std::string intermediate_der;
  std::map<std::string, const CrlUpdater*> crls;  // by CrlUpdater::issuer_id()
  OcspResponder* ocsp = nullptr;                   // null: no /ocsp
};

// The paths, for the URLs put into certificates (base URL + path).
std::string CrlPath(const std::string& issuer_id);
inline constexpr char kRootPath[] = "/ca/root.der";
inline constexpr char kIntermediatePath[] = "/ca/intermediate.der";
inline constexpr char kOcspPath[] = "/ocsp";

class Publication {
 public:
  explicit Publication(PublicationContent content) : content_(std::move(content)) {}
  http::Response Handle(const http::Request& request) const;

 private:
  http::Response Ocsp(const http::Request& request) const;

  const PublicationContent content_;
};

}  // namespace anvil::publish
