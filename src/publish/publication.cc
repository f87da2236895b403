#include "publish/publication.h"

#include <optional>

#include "base/base64url.h"
#include "base/file.h"

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

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding; nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexDigit(text[i + 1]), low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace

std::string CrlPath(const std::string& issuer_id) { return "/crl/" + issuer_id + ".crl"; }

std::string IssuerPath(const std::string& issuer_id) { return "/ca/" + issuer_id + ".der"; }

std::shared_ptr<const PublicationContent> Publication::Content() const {
  std::lock_guard lock(mu_);
  return content_;
}

void Publication::Update(PublicationContent content) {
  auto next = std::make_shared<const PublicationContent>(std::move(content));
  std::lock_guard lock(mu_);
  content_ = std::move(next);
}

http::Response Publication::Ocsp(const PublicationContent& content, const http::Request& request) const {
  std::string der;  // empty (answered malformedRequest) when the GET path does not decode
  if (request.path == kOcspPath) {
    if (request.method != "POST") {
      http::Response r = Text(405, "OCSP requests are POSTed here, or sent with GET to /ocsp/BASE64");
      r.headers.Set("Allow", "POST");
      return r;
    }
    der = request.body;
  } else {
    if (request.method != "GET" && request.method != "HEAD") {
      http::Response r = Text(405, "only GET and HEAD");
      r.headers.Set("Allow", "GET, HEAD");
      return r;
    }
    const std::string_view encoded = std::string_view(request.path).substr(std::string_view("/ocsp/").size());
    if (std::optional<std::string> text = PercentDecode(encoded)) {
      if (Result<std::string> decoded = base64::Decode(*text); decoded.ok()) der = std::move(*decoded);
    }
  }
  http::Response r;
  r.headers.Set("Content-Type", "application/ocsp-response");
  // RFC 5019 §6: GET responses may be cached; a revocation must still be seen within a minute.
  if (request.method != "POST") r.headers.Set("Cache-Control", "public, max-age=60, no-transform");
  Result<crypto::OcspRequest> parsed = crypto::ParseOcspRequest(der);
  if (!parsed.ok()) {
    r.body = crypto::OcspErrorResponse(crypto::OcspResponseStatus::kMalformedRequest);
    return r;
  }
  for (OcspResponder* responder : content.ocsp) {
    if (!responder->Answers(*parsed)) continue;
    r.body = responder->Respond(*parsed);
    return r;
  }
  // RFC 5019 §2.2.3: a CertID of an issuer not served here (or CertIDs of several issuers).
  r.body = crypto::OcspErrorResponse(crypto::OcspResponseStatus::kUnauthorized);
  return r;
}

http::Response Publication::Handle(const http::Request& request) const {
  const std::shared_ptr<const PublicationContent> held = Content();
  const PublicationContent& content = *held;
  if (!content.ocsp.empty() && (request.path == kOcspPath || request.path.starts_with("/ocsp/"))) {
    return Ocsp(content, request);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Text(405, "only GET and HEAD");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  if (request.path == kIntermediatePath) return Der("application/pkix-cert", content.intermediate_der);
  // /ca/ID.der and /crl/ID.crl (IssuerPath, CrlPath): the ID between the prefix and the suffix.
  const std::string_view path = request.path;
  if (path.starts_with("/ca/") && path.ends_with(".der")) {
    auto it = content.issuer_der.find(std::string(path.substr(4, path.size() - 8)));
    if (it != content.issuer_der.end()) return Der("application/pkix-cert", it->second);
  }
  if (path.starts_with("/crl/") && path.ends_with(".crl")) {
    const std::string id(path.substr(5, path.size() - 9));
    if (auto it = content.crls.find(id); it != content.crls.end()) {
      std::shared_ptr<const std::string> crl = it->second->Current();
      if (crl == nullptr) return Text(503, "no CRL yet");
      return Der("application/pkix-crl", *crl);
    }
    if (auto it = content.root_crl_files.find(id); it != content.root_crl_files.end()) {
      Result<std::string> crl = ReadFile(it->second);
      if (!crl.ok()) return Text(503, "no root CRL yet: sign one with `anvil-ca ca root-crl`");
      return Der("application/pkix-crl", std::move(*crl));
    }
  }
  return Text(404, "not found");
}

}  // namespace anvil::publish
