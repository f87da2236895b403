#include "publish/publication.h"

namespace anvil::publish {
namespace {

http::Response Text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body) + "\n";
  return r;
}

http::Response Der(std::string_view type, std::string body) {
  http::Response r;
  r.headers.Set("Content-Type", std::string(type));
  // A CRL changes within publication.crl_revocation_delay of a revocation: caches may keep it a minute at
  // most.
  r.headers.Set("Cache-Control", "public, max-age=60, no-transform");
  r.body = std::move(body);
  return r;
}

}  // namespace

std::string CrlPath(const std::string& issuer_id) { return "/crl/" + issuer_id + ".crl"; }

http::Response Publication::Handle(const http::Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Text(405, "only GET and HEAD");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  if (request.path == kRootPath) return Der("application/pkix-cert", content_.root_der);
  if (request.path == kIntermediatePath) return Der("application/pkix-cert", content_.intermediate_der);
  for (const auto& [issuer_id, updater] : content_.crls) {
    if (request.path != CrlPath(issuer_id)) continue;
    std::shared_ptr<const std::string> crl = updater->Current();
    if (crl == nullptr) return Text(503, "no CRL yet");
    return Der("application/pkix-crl", *crl);
  }
  return Text(404, "not found");
}

}  // namespace anvil::publish
