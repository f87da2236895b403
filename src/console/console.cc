#include "console/console.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "admin/admin_api.h"
#include "base/time.h"
#include "console/assets.h"
#include "console/qr_code.h"

namespace anvil::console {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void SecurityHeaders(http::Response& response) {
  response.headers.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.Set("X-Frame-Options", "DENY");
  response.headers.Set("X-Content-Type-Options", "nosniff");
  // same-origin, not no-referrer: under no-referrer a browser's form posts carry "Origin: null".
  response.headers.Set("Referrer-Policy", "same-origin");
  response.headers.Set("Cross-Origin-Opener-Policy", "same-origin");
  if (!response.headers.Get("Cache-Control")) response.headers.Set("Cache-Control", "no-store");
}

http::Response Redirect(int status, std::string location) {
  http::Response r;
  r.status = status;
  r.headers.Set("Location", std::move(location));
  return r;
}

http::Response Text(int status, std::string text) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(text) + "\n";
  return r;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string SessionCookie(std::string_view value, bool clear) {
  std::string cookie = std::string(admin::kSessionCookie) + "=" + std::string(value) +
                       "; Path=/; Secure; HttpOnly; SameSite=Strict";
  if (clear) cookie += "; Max-Age=0";
  return cookie;
}

std::optional<std::string> SessionCookieOf(const http::Request& request) {
  std::optional<std::string> cookies = request.headers.Get("Cookie");
  if (!cookies) return std::nullopt;
  return admin::CookieValue(*cookies, admin::kSessionCookie);
}

// The caller of a request made with a live console session (not a bearer token or a certificate alone).
Result<admin::Caller> SessionCaller(admin::Authenticator& authenticator, const http::Request& request) {
  if (request.headers.Get("Authorization") || !SessionCookieOf(request)) {
    return Error(Code::kUnauthorized, "no console session: log in at /console/login");
  }
  ANVIL_ASSIGN_OR_RETURN(admin::Caller caller, authenticator.Authenticate(request));
  if (caller.session_csrf_token.empty()) return Error(Code::kUnauthorized, "no console session");
  return caller;
}

}  // namespace

Console::Console(admin::Authenticator& authenticator, admin::Sessions& sessions, ra::RegistrationAuthority& ra,
                 ConsoleOptions options)
    : authenticator_(authenticator), sessions_(sessions), ra_(ra), options_(std::move(options)) {}

bool Console::Owns(std::string_view path) {
  return path == kPrefix || path.starts_with(std::string(kPrefix) + "/");
}

http::Response Console::Handle(const http::Request& request) {
  const std::string_view path = request.path;
  const bool read = request.method == "GET" || request.method == "HEAD";
  http::Response response;
  auto only = [&](bool allowed, std::string_view allow, auto&& handler) {
    if (allowed) return handler();
    http::Response refused = Text(405, request.method + " is not allowed on " + request.path);
    refused.headers.Set("Allow", std::string(allow));
    return refused;
  };
  constexpr std::string_view kAssets = "/console/assets/";
  if (path == kPrefix) {
    response = Redirect(301, "/console/");
  } else if (path == "/console/") {
    response = only(read, "GET, HEAD", [&] { return Page(request); });
  } else if (path == "/console/login") {
    response = read ? LoginForm(request, 200, "")
                    : only(request.method == "POST", "GET, HEAD, POST", [&] { return LogIn(request); });
  } else if (path == "/console/logout") {
    response = only(request.method == "POST", "POST", [&] { return LogOut(request); });
  } else if (path == "/console/qr") {
    response = only(request.method == "POST", "POST", [&] { return QrCode(request); });
  } else if (path == "/console/session") {
    response = only(read, "GET, HEAD", [&] { return Session(request); });
  } else if (path.starts_with(kAssets) && path.find('/', kAssets.size()) == std::string_view::npos) {
    response = only(read, "GET, HEAD", [&] { return AssetFile(request, path.substr(kAssets.size())); });
  } else {
    response = Text(404, "no such page: " + request.path);
  }
  SecurityHeaders(response);
  return response;
}

http::Response Console::Page(const http::Request& request) {
  Result<admin::Caller> caller = SessionCaller(authenticator_, request);
  if (!caller.ok()) {
    if (caller.status().code() != Code::kUnauthorized) return admin::AdminApi::Problem(caller.status());
    return Redirect(303, "/console/login");
  }
  return AssetFile(request, "index.html");
}

http::Response Console::LoginForm(const http::Request& request, int status, const std::string& error) {
  std::string certificate_form;
  if (!request.client_certificate_der.empty()) {
    if (Result<admin::Caller> holder = authenticator_.AuthenticateCertificate(request.client_certificate_der);
        holder.ok()) {
      certificate_form =
          "<form method=\"post\" action=\"/console/login\" class=\"certificate-login\">\n"
          "<input type=\"hidden\" name=\"method\" value=\"certificate\">\n"
          "<button type=\"submit\">Log in as " + EscapeHtml(holder->name) + " with your certificate</button>\n"
          "</form>\n<p class=\"or\">or with a token:</p>\n";
    }
  }
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/html; charset=utf-8");
  r.body =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Log in · anvil-ca console</title>\n"
      "<link rel=\"stylesheet\" href=\"/console/assets/app.css\">\n</head>\n"
      "<body class=\"login\">\n<main class=\"login-card\">\n<h1>anvil-ca console</h1>\n" +
      (error.empty() ? std::string() : "<p class=\"error\" role=\"alert\">" + EscapeHtml(error) + "</p>\n") +
      certificate_form +
      "<form method=\"post\" action=\"/console/login\">\n"
      "<label for=\"token\">Admin token</label>\n"
      "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required>\n"
      "<button type=\"submit\">Log in</button>\n</form>\n"
      "<p class=\"hint\">Tokens are made with <code>anvil-ca admin token create</code>.</p>\n"
      "</main>\n</body>\n</html>\n";
  return r;
}

http::Response Console::LogIn(const http::Request& request) {
  if (Status same_origin = admin::CheckSameOrigin(request); !same_origin.ok()) {
    return Text(403, same_origin.message());
  }
  Result<std::map<std::string, std::string>> form = admin::ParseFormUrlEncoded(request.body);
  if (!form.ok()) return LoginForm(request, 400, "The log-in form could not be read.");
  Result<admin::Caller> caller = Error(Code::kUnauthorized, "enter a token");
  std::string credential = std::string(admin::kTokenCredential);
  if (auto method = form->find("method"); method != form->end() && method->second == "certificate") {
    credential = std::string(admin::kCertificateCredential);
    caller = request.client_certificate_der.empty()
                 ? Result<admin::Caller>(Error(Code::kUnauthorized, "no client certificate was presented"))
                 : authenticator_.AuthenticateCertificate(request.client_certificate_der);
  } else if (auto token = form->find("token"); token != form->end() && !token->second.empty()) {
    caller = authenticator_.AuthenticateToken(token->second);
  }
  if (!caller.ok()) {
    if (caller.status().code() != Code::kUnauthorized) return admin::AdminApi::Problem(caller.status());
    if (!Audit("admin.login", request, "", credential, "refused", caller.status().message())) {
      return Text(500, "the log-in's audit record could not be written");
    }
    return LoginForm(request, 401, "Not logged in: " + caller.status().message() + ".");
  }
  if (std::optional<std::string> old = SessionCookieOf(request)) sessions_.Close(*old);
  admin::NewSession session = sessions_.Open(caller->lookup);
  if (!Audit("admin.login", request, caller->name, caller->credential, "ok", "")) {
    sessions_.Close(session.cookie_value);
    return Text(500, "the log-in's audit record could not be written");
  }
  http::Response r = Redirect(303, "/console/");
  r.headers.Set("Set-Cookie", SessionCookie(session.cookie_value, false));
  return r;
}

http::Response Console::LogOut(const http::Request& request) {
  http::Response r = Redirect(303, "/console/login");
  r.headers.Set("Set-Cookie", SessionCookie("", true));
  Result<admin::Caller> caller = SessionCaller(authenticator_, request);
  if (!caller.ok()) return r;  // nothing to end
  std::string form_token;
  if (Result<std::map<std::string, std::string>> form = admin::ParseFormUrlEncoded(request.body); form.ok()) {
    if (auto it = form->find("csrf_token"); it != form->end()) form_token = it->second;
  }
  if (Status checked = admin::CheckBrowserRequest(request, *caller, form_token); !checked.ok()) {
    return Text(403, checked.message());
  }
  sessions_.Close(*SessionCookieOf(request));
  if (!Audit("admin.logout", request, caller->name, caller->credential, "ok", "")) {
    return Text(500, "the log-out's audit record could not be written");
  }
  return r;
}

http::Response Console::Session(const http::Request& request) {
  Result<admin::Caller> caller = SessionCaller(authenticator_, request);
  if (!caller.ok()) return admin::AdminApi::Problem(caller.status());
  std::optional<admin::SessionRecord> record = sessions_.Use(*SessionCookieOf(request));
  if (!record) return admin::AdminApi::Problem(Error(Code::kUnauthorized, "the console session ended"));
  nlohmann::json body = {{"name", caller->name},
                         {"role", admin::RoleName(caller->role)},
                         {"credential", caller->credential},
                         {"csrf_token", caller->session_csrf_token},
                         {"expires_at", FormatRfc3339(record->expires_at)},
                         {"acme_directory", options_.acme_directory}};
  http::Response r;
  r.headers.Set("Content-Type", "application/json");
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

http::Response Console::QrCode(const http::Request& request) {
  Result<admin::Caller> caller = SessionCaller(authenticator_, request);
  if (!caller.ok()) return admin::AdminApi::Problem(caller.status());
  if (Status checked = admin::CheckBrowserRequest(request, *caller); !checked.ok()) {
    return admin::AdminApi::Forbidden(checked.message());
  }
  const nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("text") || !body["text"].is_string()) {
    return admin::AdminApi::Problem(Error(Code::kInvalidArgument, "the body must be {\"text\": \"...\"}"));
  }
  Result<std::string> svg = QrCodeSvg(body["text"].get<std::string>());
  if (!svg.ok()) return admin::AdminApi::Problem(svg.status());
  http::Response r;
  r.headers.Set("Content-Type", "image/svg+xml");
  r.body = std::move(*svg);
  return r;
}

http::Response Console::AssetFile(const http::Request& request, std::string_view name) {
  std::optional<Asset> asset = FindAsset(name);
  if (!asset) return Text(404, "no such file: " + std::string(name));
  http::Response r;
  r.headers.Set("ETag", std::string(asset->etag));
  // index.html is the page behind the session check: never kept; the others are revalidated.
  r.headers.Set("Cache-Control", name == "index.html" ? "no-store" : "no-cache");
  if (std::optional<std::string> match = request.headers.Get("If-None-Match"); match && *match == asset->etag) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", std::string(asset->content_type));
  r.body = std::string(asset->bytes);
  return r;
}

bool Console::Audit(const std::string& kind, const http::Request& request, const std::string& name,
                    const std::string& credential, const std::string& outcome, const std::string& reason) {
  nlohmann::json details = {{"credential", credential},
                            {"outcome", outcome},
                            {"remote_address", request.remote_address},
                            {"user_agent", request.headers.Get("User-Agent").value_or("")}};
  if (!name.empty()) details["name"] = name;
  if (!reason.empty()) details["reason"] = reason;
  Status recorded =
      ra_.RecordEvent(kind, name, details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!recorded.ok()) spdlog::error("console: {} audit record not written: {}", kind, recorded.ToString());
  return recorded.ok();
}

}  // namespace anvil::console
