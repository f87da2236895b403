// Certificate download (RFC 8555 §7.4.2), revocation (§7.6) and renewal information (RFC 9773 §4).
#include "base/base64url.h"
#include "wfe/wfe_internal.h"

namespace anvil::wfe {
namespace {

// RFC 7468 §5: base64 of the DER in lines of 64 characters between the CERTIFICATE labels.
std::string PemCertificate(const std::string& der) {
  std::string b64 = base64::Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

}  // namespace

http::Response WebFrontEnd::Impl::Certificate(const http::Request& request, const std::string& serial,
                                              int alternate) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (!auth->post_as_get) return Problem(Error(Code::kMalformed, "download a certificate with POST-as-GET"));
  auto record = ra_.GetCertificate(serial);
  if (!record.ok()) return Problem(record.status());
  if (record->account_id != auth->account->id) return Problem(storage::NotFoundError("certificate", serial));
  // The alternate chains of the intermediate that issued it: through cross-signed roots, or configured.
  static const std::vector<std::string> kNone;
  const std::shared_ptr<const WfeIssuers> issuers = Issuers();
  const auto found = issuers->alternate_chains_pem.find(record->issuer_chain_pem);
  const auto& alternates = found == issuers->alternate_chains_pem.end() ? kNone : found->second;
  if (alternate > int(alternates.size())) return Problem(Error(Code::kNotFound, "no such alternate chain"));
  http::Response r;
  r.headers.Set("Content-Type", "application/pem-certificate-chain");
  // The stored DER is exactly what was signed; it is PEM-armoured directly rather than parsed again.
  r.body = PemCertificate(record->der) + (alternate == 0 ? record->issuer_chain_pem : alternates[alternate - 1]);
  // §7.4.2: each other chain is offered as Link rel="alternate".
  for (int i = 0; i <= int(alternates.size()); ++i) {
    if (i == alternate) continue;
    r.headers.Add("Link", "<" + CertificateUrl(serial) + (i == 0 ? "" : "/" + std::to_string(i)) +
                              ">;rel=\"alternate\"");
  }
  return r;
}

http::Response WebFrontEnd::Impl::RevokeCert(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kEither);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "revokeCert needs a payload"));
  auto payload = ParseRevokeCertPayload(auth->payload);
  if (!payload.ok()) return Problem(payload.status());
  const std::string& der = payload->certificate_der;
  const int reason = payload->reason;
  Status s = auth->account ? ra_.Revoke(der, reason, ra::RevocationRequester::kAccount, &*auth->account, nullptr)
                           : ra_.Revoke(der, reason, ra::RevocationRequester::kCertificateKey, nullptr, &*auth->jwk);
  if (!s.ok()) return Problem(s);
  return http::Response{200, {}, ""};
}

http::Response WebFrontEnd::Impl::RenewalInfo(const http::Request& request, const std::string& cert_id) {
  if (request.method != "GET" && request.method != "HEAD") {
    return Problem(Error(Code::kMethodNotAllowed, "renewalInfo is read with GET (RFC 9773 §4.1)"));
  }
  auto info = ra_.GetRenewalInfo(cert_id);
  if (!info.ok()) return Problem(info.status());
  http::Response r = Json(200, {{"suggestedWindow",
                                 {{"start", FormatRfc3339(info->window_start)}, {"end", FormatRfc3339(info->window_end)}}}});
  r.headers.Set("Retry-After", std::to_string(options_.ari_retry_after.count()));
  return r;
}

}  // namespace anvil::wfe
