#include "publish/ocsp_responder.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "base/file.h"
#include "crypto/digest.h"

namespace anvil::publish {
namespace {

constexpr int kCertificateHold = 6;  // RFC 5280 §5.3.1

// By the CertID's hash algorithm and the serial as the store names it, so that Revoked() finds the entries of
// a serial without a scan.
std::string CacheKey(crypto::OcspHash hash, const std::string& serial_hex) {
  return (hash == crypto::OcspHash::kSha1 ? "1:" : "256:") + serial_hex;
}

}  // namespace

OcspResponder::OcspResponder(OcspResponderOptions options, storage::CertificateStore& certificates,
                             ca::OcspDelegation& ca, const Clock& clock)
    : options_(std::move(options)),
      certificates_(certificates),
      ca_(ca),
      clock_(clock),
      issuer_sha1_(crypto::CertIdFor(ca.OcspIssuer(), "", crypto::OcspHash::kSha1)),
      issuer_sha256_(crypto::CertIdFor(ca.OcspIssuer(), "", crypto::OcspHash::kSha256)) {}

Status OcspResponder::Start() {
  const TimePoint now = clock_.Now();
  if (!options_.responder_dir.empty()) {
    auto cert_pem = ReadFile(options_.responder_dir + "/responder.pem");
    auto key_pem = ReadFile(options_.responder_dir + "/responder.key");
    if (cert_pem.ok() && key_pem.ok()) {
      auto cert = crypto::Certificate::FromPem(*cert_pem);
      auto key = crypto::PrivateKey::FromPem(*key_pem);
      const crypto::Certificate& issuer = ca_.OcspIssuer();
      if (cert.ok() && key.ok() && cert->public_key() == key->public_key() &&
          cert->authority_key_id() == issuer.subject_key_id() && cert->IsSignedBy(issuer.public_key())) {
        std::lock_guard lock(mu_);
        signer_ = std::make_shared<const Signer>(Signer{*cert, *key});
      }
    }
  }
  return CurrentSigner(now).status();
}

crypto::Certificate OcspResponder::responder() const {
  std::lock_guard lock(mu_);
  return signer_->certificate;
}

void OcspResponder::Revoked(const std::string& serial_hex) {
  std::lock_guard lock(mu_);
  ++revocations_;
  cache_.erase(CacheKey(crypto::OcspHash::kSha1, serial_hex));
  cache_.erase(CacheKey(crypto::OcspHash::kSha256, serial_hex));
}

void OcspResponder::ForgetCachedResponses() {
  std::lock_guard lock(mu_);
  ++revocations_;  // a response looked up before is not cached after
  cache_.clear();
}

Result<std::shared_ptr<const OcspResponder::Signer>> OcspResponder::CurrentSigner(TimePoint now) {
  {
    std::lock_guard lock(mu_);
    if (signer_ != nullptr) {
      const auto& c = signer_->certificate;
      if (now < c.not_after() - (c.not_after() - c.not_before()) / 3) return signer_;
    }
  }
  return NewSigner(now);
}

Result<std::shared_ptr<const OcspResponder::Signer>> OcspResponder::NewSigner(TimePoint now) {
  ANVIL_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  ANVIL_ASSIGN_OR_RETURN(crypto::Certificate cert,
                         ca_.IssueOcspResponder(key.public_key(), now + options_.responder_lifetime));
  if (!options_.responder_dir.empty()) {
    ANVIL_RETURN_IF_ERROR(MakeDirectories(options_.responder_dir, 0700));
    // The key first: a certificate on disk always has its key beside it.
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(options_.responder_dir + "/responder.key", key.ToPem(), 0600));
    ANVIL_RETURN_IF_ERROR(WriteFileAtomic(options_.responder_dir + "/responder.pem", cert.ToPem(), 0644));
  }
  spdlog::info("OCSP responder certificate {} valid until {}", cert.serial_hex(),
               ToUnixSeconds(cert.not_after()));
  auto signer = std::make_shared<const Signer>(Signer{std::move(cert), std::move(key)});
  std::lock_guard lock(mu_);
  signer_ = signer;
  cache_.clear();  // signed by the previous certificate
  return signer;
}

bool OcspResponder::OurIssuer(const crypto::OcspCertId& id) const {
  const crypto::OcspCertId& ours = id.hash == crypto::OcspHash::kSha1 ? issuer_sha1_ : issuer_sha256_;
  return id.issuer_name_hash == ours.issuer_name_hash && id.issuer_key_hash == ours.issuer_key_hash;
}

Result<crypto::OcspSingleResponse> OcspResponder::Lookup(const crypto::OcspCertId& id, TimePoint now) {
  crypto::OcspSingleResponse r;
  r.id = id;
  r.this_update = now;
  r.next_update = now + options_.response_lifetime;
  r.status = crypto::OcspCertStatus::kUnknown;
  Result<storage::CertificateRecord> record = certificates_.GetCertificate(crypto::SerialHex(id.serial));
  if (!record.ok()) {
    if (record.status().code() == Code::kNotFound) return r;
    return record.status();
  }
  if (record->authority_key_id != ca_.OcspIssuer().subject_key_id()) return r;  // another issuer's serial
  switch (record->state) {
    case storage::CertificateState::kPending:
      return r;  // not confirmed issued: unknown, never good
    case storage::CertificateState::kAbandoned:
      r.status = crypto::OcspCertStatus::kRevoked;  // RFC 6960 §2.2: a certificate that was never issued
      r.revoked_at = FromUnixSeconds(0);
      r.reason = kCertificateHold;
      return r;
    case storage::CertificateState::kIssued:
      break;
  }
  if (record->revoked_at) {
    r.status = crypto::OcspCertStatus::kRevoked;
    r.revoked_at = *record->revoked_at;
    r.reason = record->revocation_reason == 0 ? -1 : record->revocation_reason;
  } else {
    r.status = crypto::OcspCertStatus::kGood;
  }
  return r;
}

std::string OcspResponder::Respond(std::string_view request_der) {
  Result<crypto::OcspRequest> request = crypto::ParseOcspRequest(request_der);
  if (!request.ok()) return crypto::OcspErrorResponse(crypto::OcspResponseStatus::kMalformedRequest);
  return Respond(*request);
}

bool OcspResponder::Answers(const crypto::OcspRequest& request) const {
  for (const auto& id : request.ids) {
    if (!OurIssuer(id)) return false;
  }
  return true;
}

std::string OcspResponder::Respond(const crypto::OcspRequest& request) {
  if (!Answers(request)) return crypto::OcspErrorResponse(crypto::OcspResponseStatus::kUnauthorized);
  const TimePoint now = FromUnixSeconds(ToUnixSeconds(clock_.Now()));
  const bool cacheable = request.ids.size() == 1 && !request.nonce;
  const std::string key =
      cacheable ? CacheKey(request.ids.front().hash, crypto::SerialHex(request.ids.front().serial)) : "";
  uint64_t revocations_before = 0;
  if (cacheable) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && now < it->second.refresh_at) return it->second.der;
    revocations_before = revocations_;
  }

  Result<std::shared_ptr<const Signer>> signer = CurrentSigner(now);
  if (!signer.ok()) {
    spdlog::error("OCSP responder certificate: {}", signer.status().ToString());
    return crypto::OcspErrorResponse(crypto::OcspResponseStatus::kInternalError);
  }
  crypto::OcspResponseTemplate tmpl;
  tmpl.produced_at = now;
  tmpl.nonce = request.nonce;
  for (const auto& id : request.ids) {
    Result<crypto::OcspSingleResponse> single = Lookup(id, now);
    if (!single.ok()) {
      spdlog::error("OCSP status of {}: {}", crypto::SerialHex(id.serial), single.status().ToString());
      return crypto::OcspErrorResponse(crypto::OcspResponseStatus::kInternalError);
    }
    tmpl.responses.push_back(std::move(*single));
  }
  Result<std::string> der = crypto::SignOcspResponse(tmpl, (*signer)->certificate, (*signer)->key);
  if (!der.ok()) {
    spdlog::error("OCSP response: {}", der.status().ToString());
    return crypto::OcspErrorResponse(crypto::OcspResponseStatus::kInternalError);
  }
  if (cacheable) {
    std::lock_guard lock(mu_);
    // Not cached when the responder certificate was replaced, or a certificate revoked, meanwhile: the
    // status read may already be stale.
    if (signer_ == *signer && revocations_ == revocations_before) {
      if (cache_.size() >= options_.max_cached) cache_.clear();
      cache_[key] = Cached{*der, now + options_.response_lifetime / 2};
    }
  }
  return *der;
}

}  // namespace anvil::publish
