// The web front end: one handler per ACME resource (RFC 8555 §7), JWS authentication (§6.2-6.4), nonces
// (§6.5), problem documents (§6.7) and the headers every response carries (Replay-Nonce, Link rel="index",
// Location, Retry-After, Cache-Control). It is a pure function http::Request → http::Response over the RA, so
// the whole API is testable without sockets. Reads go through the RA so derived state is current; the front end
// never writes storage itself. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "http/message.h"
#include "ra/registration_authority.h"
#include "wfe/nonce_service.h"

namespace anvil::wfe {

struct WfeOptions {
  std::string base_url;  // "https://localhost:14000", no trailing slash
  std::string root_pem, intermediate_pem, intermediate_der;  // served under /ca/ and the AIA URL
  std::vector<std::string> alternate_chains_pem;             // RFC 8555 §7.4.2 alternates
};

class WebFrontEnd {
 public:
  WebFrontEnd(WfeOptions options, ra::RegistrationAuthority& ra, NonceService& nonces);
  ~WebFrontEnd();

  http::Response Handle(const http::Request& request);

  // The AIA caIssuers URL of the intermediate, for the CA to embed.
  static std::string AiaPath() { return "/ca/intermediate.der"; }
  static std::string DirectoryPath() { return "/directory"; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace anvil::wfe
