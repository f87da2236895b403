// The console's log-in sessions (docs/console.md): a browser that logged in with an admin token or client
// certificate gets a session, named by a random cookie value, and sends it on every request to the admin
// listener. A session stands for the credential it was opened with, not a copy of it: the Authenticator checks
// that credential's record again on each request, so revoking it (`anvil-ca admin revoke`) ends its sessions at
// their next request, and a changed role applies at once.
//
// A session carries a CSRF token the page reads from /console/session and sends back in `X-CSRF-Token` on every
// request that changes state (the synchronizer-token pattern; the cookie is also SameSite=Strict). Sessions end
// after `idle` without a request, `lifetime` after log-in, or at log-out. They live in this process's memory:
// a restart logs everyone out.
//
// The cookie value is 256 random bits (base64url); the map holds only its SHA-256, so the lookup's timing and a
// reading of this process's memory tell nothing about a live cookie.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "admin/roles.h"
#include "base/status.h"
#include "base/time.h"
#include "http/message.h"

namespace anvil::admin {

inline constexpr std::string_view kSessionCookie = "anvil_console";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct SessionOptions {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds lifetime{12 * 3600};
  size_t max_sessions = 10000;  // beyond it, log-in ends the session idle longest
};

// What a session stands for.
struct SessionRecord {
  std::string credential_lookup;  // storage::AdminCredential::lookup of the credential it was opened with
  std::string csrf_token;         // base64url, 256 bits
  TimePoint created;
  TimePoint last_used;
  TimePoint expires_at;  // the earlier of created + lifetime and last_used + idle
};

struct NewSession {
  std::string cookie_value;  // sent once, in Set-Cookie
  SessionRecord record;
};

class Sessions {
 public:
  // `clock` must outlive this object.
  Sessions(const Clock& clock, SessionOptions options = {});

  NewSession Open(const std::string& credential_lookup);
  // The live session of `cookie_value`, its idle timer restarted; nullopt when there is none or it ended.
  std::optional<SessionRecord> Use(std::string_view cookie_value);
  void Close(std::string_view cookie_value);
  size_t size() const;

 private:
  TimePoint ExpiresAt(const SessionRecord& record) const;

  const Clock& clock_;
  const SessionOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, SessionRecord> by_hash_;  // SHA-256 of the cookie value → the session
};

// Whether `request`, made by `caller`, may go on, as far as cross-site request forgery goes. Reads (GET, HEAD)
// and requests with a bearer token in the Authorization header (which a browser never adds by itself) always
// may. A request with a credential the browser sends by itself — a session cookie, a client certificate —
// that changes state must come from the listener's own origin: its `Origin` (when sent) is https://HOST with
// the request's Host (or "null" with Sec-Fetch-Site same-origin: a browser's form post under a strict referrer
// policy), and its `Sec-Fetch-Site` (when sent) is same-origin or none; with a session it must also
// carry the session's CSRF token in X-CSRF-Token (or `form_csrf_token`: a form's field, for the console's own
// log-out form). kUnauthorized otherwise, saying which (the caller answers 403).
Status CheckBrowserRequest(const http::Request& request, const Caller& caller, std::string_view form_csrf_token = "");
// The same-origin part alone: for a log-in, which has no session yet.
Status CheckSameOrigin(const http::Request& request);

// The value of cookie `name` in a request's Cookie header (RFC 6265 §5.4), or nullopt.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace anvil::admin
