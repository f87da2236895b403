#include "admin/sessions.h"

#include <algorithm>

#include "base/base64url.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace anvil::admin {

Sessions::Sessions(const Clock& clock, SessionOptions options) : clock_(clock), options_(options) {}

TimePoint Sessions::ExpiresAt(const SessionRecord& record) const {
  return std::min(record.created + options_.lifetime, record.last_used + options_.idle);
}

NewSession Sessions::Open(const std::string& credential_lookup) {
  NewSession session;
  session.cookie_value = base64url::Encode(crypto::RandomBytes(32));
  const TimePoint now = clock_.Now();
  session.record = {credential_lookup, base64url::Encode(crypto::RandomBytes(32)), now, now, now};
  session.record.expires_at = ExpiresAt(session.record);
  std::lock_guard lock(mu_);
  // Ended sessions go first; then, at the cap, the one idle longest.
  std::erase_if(by_hash_, [&](const auto& entry) { return entry.second.expires_at <= now; });
  if (by_hash_.size() >= options_.max_sessions && !by_hash_.empty()) {
    by_hash_.erase(std::min_element(by_hash_.begin(), by_hash_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    }));
  }
  by_hash_[crypto::Sha256(session.cookie_value)] = session.record;
  return session;
}

std::optional<SessionRecord> Sessions::Use(std::string_view cookie_value) {
  const std::string key = crypto::Sha256(cookie_value);
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    by_hash_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  it->second.expires_at = ExpiresAt(it->second);
  return it->second;
}

void Sessions::Close(std::string_view cookie_value) {
  const std::string key = crypto::Sha256(cookie_value);
  std::lock_guard lock(mu_);
  by_hash_.erase(key);
}

size_t Sessions::size() const {
  std::lock_guard lock(mu_);
  return by_hash_.size();
}

Status CheckSameOrigin(const http::Request& request) {
  const std::optional<std::string> site = request.headers.Get("Sec-Fetch-Site");
  if (std::optional<std::string> origin = request.headers.Get("Origin")) {
    const std::optional<std::string> host = request.headers.Get("Host");
    // "null": an opaque origin. A browser sends it for a form post under a strict referrer policy too, and then
    // says same-origin in Sec-Fetch-Site, which no script can set; otherwise it is a sandboxed or privacy-
    // stripped context, refused.
    const bool opaque_same_site = *origin == "null" && site && *site == "same-origin";
    if (!opaque_same_site && (!host || *origin != "https://" + *host)) {
      return Error(Code::kUnauthorized, "a cross-origin request (Origin " + *origin + ") may not change anything here");
    }
  }
  if (site) {
    if (*site != "same-origin" && *site != "none") {
      return Error(Code::kUnauthorized, "a " + *site + " request may not change anything here");
    }
  }
  return Status::Ok();
}

Status CheckBrowserRequest(const http::Request& request, const Caller& caller, std::string_view form_csrf_token) {
  if (request.method == "GET" || request.method == "HEAD") return Status::Ok();
  const bool session = !caller.session_csrf_token.empty();
  if (!session && caller.credential == kTokenCredential) return Status::Ok();
  ANVIL_RETURN_IF_ERROR(CheckSameOrigin(request));
  if (!session) return Status::Ok();
  std::optional<std::string> sent = request.headers.Get(kCsrfHeader);
  std::string_view token = sent ? std::string_view(*sent) : form_csrf_token;
  if (token.empty() || !crypto::ConstantTimeEquals(token, caller.session_csrf_token)) {
    return Error(Code::kUnauthorized, "the request does not carry this session's CSRF token (X-CSRF-Token)");
  }
  return Status::Ok();
}

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = TrimAsciiWhitespace(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace anvil::admin
