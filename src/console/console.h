// The operator's web console (docs/console.md), served by anvil-ca on the admin listener under /console/: the
// log-in and log-out, the session the page reads, and the page itself — static files compiled into the binary
// (console/assets.h) that call the admin API (/admin/v1) from the browser. The console holds no data and makes
// no decision of its own: every read and every change is an admin API call, authenticated by the session's
// cookie and refused by the API's roles as any other caller's (admin/sessions.h, admin/admin_api.h).
//
//   GET  /console/          the page (assets/index.html) with a live session; else 303 to /console/login
//   GET  /console/login     the log-in form (a token; or "Log in as NAME" when the TLS connection presented an
//                           admin client certificate)
//   POST /console/login     form fields token, or method=certificate → 303 /console/ with the session cookie;
//                           401 and the form again with the reason when refused
//   POST /console/logout    ends the session (X-CSRF-Token or the form field csrf_token) → 303 /console/login
//   GET  /console/session   {name, role, credential, csrf_token, expires_at, acme_directory}
//   POST /console/qr        {"text": "..."} (with the CSRF token) → the text's QR code as image/svg+xml: the
//                           enrollment page's token for a device to scan, kept out of URLs and logs
//   GET  /console/assets/F  an embedded file
//
// Every response carries a strict Content-Security-Policy (scripts, styles and connections from this origin
// only, no inline script or style, no framing), X-Frame-Options DENY, nosniff and no referrer. Log-ins are
// audited (`admin.login`, with the outcome), as are log-outs (`admin.logout`).
//
// Thread-safe: Handle may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "admin/credentials.h"
#include "admin/sessions.h"
#include "http/message.h"
#include "ra/registration_authority.h"

namespace anvil::console {

inline constexpr std::string_view kPrefix = "/console";

struct ConsoleOptions {
  // The ACME directory URL the enrollment page's command lines name (empty: the page leaves a placeholder).
  std::string acme_directory;
};

class Console {
 public:
  // All must outlive this object; `authenticator` accepts `sessions` (Authenticator::AcceptSessions).
  Console(admin::Authenticator& authenticator, admin::Sessions& sessions, ra::RegistrationAuthority& ra,
          ConsoleOptions options);

  // Whether `path` is the console's (/console and below).
  static bool Owns(std::string_view path);
  http::Response Handle(const http::Request& request);

 private:
  http::Response Page(const http::Request& request);
  http::Response LoginForm(const http::Request& request, int status, const std::string& error);
  http::Response LogIn(const http::Request& request);
  http::Response LogOut(const http::Request& request);
  http::Response Session(const http::Request& request);
  http::Response QrCode(const http::Request& request);
  http::Response AssetFile(const http::Request& request, std::string_view name);
  // The admin.login / admin.logout record; false when it could not be written (the caller answers 500).
  bool Audit(const std::string& kind, const http::Request& request, const std::string& name,
             const std::string& credential, const std::string& outcome, const std::string& reason);

  admin::Authenticator& authenticator_;
  admin::Sessions& sessions_;
  ra::RegistrationAuthority& ra_;
  const ConsoleOptions options_;
};

}  // namespace anvil::console
