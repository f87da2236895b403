#include "ca/certificate_authority.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "base/crash_point.h"
#include "crypto/digest.h"

namespace anvil::ca {
namespace {

constexpr int kSerialAttempts = 3;

}  // namespace

IssuingCa::IssuingCa(Intermediate intermediate, IssuerUrls urls, const Clock& clock)
    : intermediate_(std::move(intermediate)),
      urls_(std::move(urls)),
      chain_pem_(intermediate_.certificate.ToPem()),
      clock_(clock) {}

Result<std::string> IssuingCa::SignCrl(const crypto::CrlTemplate& tmpl) {
  return crypto::SignCrl(tmpl, intermediate_.certificate, intermediate_.key);
}

Result<crypto::Certificate> IssuingCa::IssueOcspResponder(const crypto::PublicKey& key, TimePoint not_after) {
  const crypto::Certificate& issuer = intermediate_.certificate;
  crypto::CertificateTemplate t;
  t.serial = NewSerial();
  t.subject.common_name = issuer.subject_common_name() + " OCSP responder";
  t.subject.organization = "";
  const TimePoint now = clock_.Now();
  t.not_before = FromUnixSeconds(ToUnixSeconds(now - std::chrono::minutes(1)));
  t.not_after = FromUnixSeconds(ToUnixSeconds(std::min(not_after, issuer.not_after())));
  if (t.not_after <= t.not_before) return Error(Code::kServerInternal, "the issuing CA certificate has expired");
  t.digital_signature = true;
  t.ext_key_usages = {"OCSPSigning"};  // id-kp-OCSPSigning (RFC 6960 §4.2.2.2)
  t.ocsp_no_check = true;              // RFC 6960 §4.2.2.2.1: relying parties need not check it
  return crypto::IssueCertificate(t, key, &issuer, intermediate_.key);
}

CertificateAuthority::CertificateAuthority(CaMaterial material, const Clock& clock, const UrlsFor& urls)
    : material_(std::move(material)), clock_(clock), urls_(urls) {
  Reload(material_);
  for (IssuingCa* i : current_) {
    if (i->certificate().fingerprint_sha256() == material_.intermediate.fingerprint_sha256()) loaded_ = i;
  }
  if (loaded_ == nullptr) {  // material made by hand, without its generations
    all_.push_back(std::make_unique<IssuingCa>(
        Intermediate{1, material_.intermediate, material_.intermediate_key, std::nullopt, std::nullopt, false, 1, {}},
        urls_(material_.intermediate), clock_));
    loaded_ = all_.back().get();
    current_.push_back(loaded_);
  }
}

CertificateAuthority::CertificateAuthority(CaMaterial material, const Clock& clock, std::string aia_url,
                                           std::string crl_url, std::string ocsp_url)
    // By value: the CA keeps the function for the generations a reload brings.
    : CertificateAuthority(std::move(material), clock, [aia_url, crl_url, ocsp_url](const crypto::Certificate&) {
        return IssuerUrls{aia_url, crl_url, ocsp_url};
      }) {}

namespace {

bool SameGeneration(const Intermediate& a, const Intermediate& b) {
  const auto retired_at = [](const Intermediate& i) { return i.retired ? std::optional(i.retired->at) : std::nullopt; };
  return a.certificate.fingerprint_sha256() == b.certificate.fingerprint_sha256() && a.activate_at == b.activate_at &&
         retired_at(a) == retired_at(b) && a.holds_imported == b.holds_imported;
}

}  // namespace

std::vector<IssuingCa*> CertificateAuthority::Prepare(const CaMaterial& material) {
  std::lock_guard lock(mu_);
  std::vector<IssuingCa*> next;
  for (const Intermediate& i : material.intermediates) {
    IssuingCa* kept = nullptr;
    for (IssuingCa* c : current_) {
      if (SameGeneration(c->intermediate(), i)) kept = c;
    }
    if (kept == nullptr) {
      all_.push_back(std::make_unique<IssuingCa>(i, urls_(i.certificate), clock_));
      kept = all_.back().get();
    }
    next.push_back(kept);
  }
  return next;
}

void CertificateAuthority::Use(std::vector<IssuingCa*> generations) {
  std::lock_guard lock(mu_);
  current_ = std::move(generations);
}

std::vector<IssuingCa*> CertificateAuthority::issuers() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<SignedAuditAnchor> IssuingCa::SignAuditAnchor(int64_t head_id, std::string_view head_hash) const {
  return ca::SignAuditAnchor(intermediate_.certificate, intermediate_.key, head_id, head_hash, clock_.Now());
}

Result<SignedAuditAnchor> CertificateAuthority::SignAuditAnchor(int64_t head_id,
                                                                std::string_view head_hash) const {
  const IssuingCa* issuer = IssuingAt(clock_.Now());
  if (issuer == nullptr) return Error(Code::kServerInternal, "no intermediate generation issues now");
  return issuer->SignAuditAnchor(head_id, head_hash);
}

const IssuingCa* CertificateAuthority::IssuingAt(TimePoint now) const {
  std::lock_guard lock(mu_);
  for (auto it = current_.rbegin(); it != current_.rend(); ++it) {
    if (IssuesAt((*it)->intermediate(), now)) return *it;
  }
  return nullptr;
}

Status CertificateAuthority::CheckSigningKey(TimePoint now) const {
  const IssuingCa* issuer = IssuingAt(now);
  if (issuer == nullptr) {
    return Error(Code::kServerInternal, "no intermediate can issue now (all retired, expired or not yet active)");
  }
  constexpr std::string_view kMessage = "anvil-ca readiness check";
  const crypto::PublicKey key = issuer->certificate().public_key();
  const crypto::DigestAlg digest =
      key.algorithm() == crypto::KeyAlgorithm::kEd25519 ? crypto::DigestAlg::kNone : crypto::DigestAlg::kSha256;
  ANVIL_ASSIGN_OR_RETURN(std::string signature, issuer->intermediate().key.Sign(digest, kMessage));
  if (!key.Verify(digest, kMessage, signature)) {
    return Error(Code::kInternal, "generation " + std::to_string(issuer->intermediate().generation) +
                                      ": the key's signature does not match its certificate");
  }
  return Status::Ok();
}

Result<crypto::CertificateTemplate> CertificateAuthority::BuildTemplate(const IssuanceRequest& request,
                                                                        const IssuingCa& issuer,
                                                                        TimePoint now) const {
  crypto::CertificateTemplate t;
  t.not_before = request.not_before.value_or(now - request.profile.backdate);
  t.not_after = request.not_after.value_or(t.not_before + request.profile.validity);
  // Never outlive the issuer (RFC 5280 §6.1.3 would make the tail of the validity unverifiable).
  t.not_after = std::min(t.not_after, issuer.certificate().not_after());
  // Whole seconds, as X.509 times hold them, so the record says exactly what the certificate says.
  t.not_before = FromUnixSeconds(ToUnixSeconds(t.not_before));
  t.not_after = FromUnixSeconds(ToUnixSeconds(t.not_after));
  if (t.not_after <= t.not_before)
    return Error(Code::kServerInternal, "the issuing CA certificate has expired");
  for (const auto& id : request.identifiers) {
    switch (id.type) {
      case acme::IdentifierType::kDns: t.dns_names.push_back(id.value); break;
      case acme::IdentifierType::kIp: t.ip_addresses.push_back(id.value); break;
      case acme::IdentifierType::kPermanentIdentifier:
      case acme::IdentifierType::kHardwareModule: {
        // draft-ietf-acme-device-attest-09 §3.2, §4.2: the otherName carries the order's value octet for octet.
        const acme::DeviceIdentifierParts parts = acme::SplitDeviceIdentifier(id.value);
        t.device_names.push_back({id.type == acme::IdentifierType::kHardwareModule
                                      ? crypto::DeviceName::Kind::kHardwareModule
                                      : crypto::DeviceName::Kind::kPermanentIdentifier,
                                  parts.serial, parts.oid});
        break;
      }
    }
  }
  // The subject CN repeats the first DNS name when it fits (64 octets, RFC 5280 ub-common-name); otherwise
  // the subject is empty and the SAN extension is critical.
  if (!t.dns_names.empty() && t.dns_names.front().size() <= 64) t.subject.common_name = t.dns_names.front();
  // A device certificate in the draft's privacy-preserving mode names nothing; RFC 5280 §4.1.2.6 then needs a
  // subject. Its CN is the first 16 octets of SHA-256 of the key, in hex: it tells no more than the key the
  // certificate holds anyway (docs/device-attestation.md).
  if (t.dns_names.empty() && t.ip_addresses.empty() && t.device_names.empty()) {
    t.subject.common_name = crypto::HexEncode(crypto::Sha256(request.subject_key.ToDer()).substr(0, 16));
  }
  t.digital_signature = true;
  t.key_encipherment = request.subject_key.algorithm() == crypto::KeyAlgorithm::kRsa;
  t.ext_key_usages = request.profile.ext_key_usages;
  t.ca_issuers_url = issuer.urls().ca_issuers;
  if (request.profile.crl) t.crl_url = issuer.urls().crl;
  if (request.profile.ocsp) t.ocsp_url = issuer.urls().ocsp;
  return t;
}

Result<IssuedCertificate> CertificateAuthority::Issue(const IssuanceRequest& request, IssuanceLog& log) {
  const TimePoint now = clock_.Now();
  const IssuingCa* issuer = IssuingAt(now);
  if (issuer == nullptr) {
    return Error(Code::kServerInternal, "no intermediate can issue now (all retired, expired or not yet active)");
  }
  const crypto::Certificate& issuer_cert = issuer->certificate();
  ANVIL_ASSIGN_OR_RETURN(crypto::CertificateTemplate tmpl, BuildTemplate(request, *issuer, now));
  PendingCertificate pending;
  pending.issuer_chain_pem = issuer->chain_pem();
  pending.profile = request.profile.name;
  pending.authority_key_id = issuer_cert.subject_key_id();
  pending.not_before = tmpl.not_before;
  pending.not_after = tmpl.not_after;
  for (const auto& id : request.identifiers) pending.names.push_back(id.value);

  std::optional<crypto::PreparedCertificate> prepared;
  for (int attempt = 0;; ++attempt) {
    tmpl.serial = NewSerial();
    ANVIL_ASSIGN_OR_RETURN(
        crypto::PreparedCertificate p,
        crypto::PreparedCertificate::Create(tmpl, request.subject_key, &issuer_cert, issuer_cert.public_key()));
    ANVIL_ASSIGN_OR_RETURN(pending.tbs_der, p.tbs_der());
    pending.serial = crypto::SerialHex(tmpl.serial);
    Status recorded = log.Record(pending);
    if (recorded.ok()) {
      prepared.emplace(std::move(p));
      break;
    }
    // A serial collision (2^-128 per pair, or a broken RNG) is retried with a fresh serial, never reused.
    if (recorded.code() != Code::kConflict || attempt + 1 >= kSerialAttempts) return recorded;
  }

  // A crash from here on leaves the serial reserved and the order processing; start-up reconciliation
  // abandons the record (docs/issuance.md).
  ANVIL_CRASH_POINT("issuance.after_reserve");

  // The signed DER is recorded as it is, not parsed again: parsing costs an OpenSSL 3 decoder set-up and
  // SignToDer has checked the signature already.
  Result<std::string> signed_der = std::move(*prepared).SignToDer(issuer->intermediate().key);
  // Signed but recorded only as its TBS: the record of what might have been signed.
  if (signed_der.ok()) ANVIL_CRASH_POINT("issuance.after_sign");
  Status failed = signed_der.ok()
                      ? log.Complete(pending.serial, *signed_der)
                      : Error(Code::kServerInternal, "signing failed: " + signed_der.status().message());
  if (!failed.ok()) {
    Status abandoned = log.Abandon(pending.serial, failed);
    if (abandoned.ok()) return failed;
    return Status(failed.code(),
                  failed.message() + "; abandoning the record failed too: " + abandoned.message());
  }
  return IssuedCertificate{std::move(signed_der).value(), pending.serial};
}

}  // namespace anvil::ca
