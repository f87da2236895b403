#include "admin/admin_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace anvil::admin {
namespace {

struct ProblemKind {
  int status;
  const char* type;  // after "urn:anvil:admin:"
  const char* title;
};

ProblemKind KindOf(Code code) {
  switch (code) {
    case Code::kUnauthorized:
      return {401, "unauthenticated", "Unauthenticated"};
    case Code::kNotFound:
      return {404, "notFound", "Not Found"};
    case Code::kMethodNotAllowed:
      return {405, "methodNotAllowed", "Method Not Allowed"};
    case Code::kInvalidArgument:
    case Code::kMalformed:
    case Code::kBadRevocationReason:
      return {400, "badRequest", "Bad Request"};
    case Code::kConflict:
    case Code::kAlreadyRevoked:
      return {409, "conflict", "Conflict"};
    case Code::kRateLimited:
      return {429, "rateLimited", "Too Many Requests"};
    case Code::kUnavailable:
    case Code::kTimeout:
      return {503, "unavailable", "Service Unavailable"};
    default:
      return {500, "internal", "Internal Server Error"};
  }
}

http::Response ProblemResponse(int status, const std::string& type, const std::string& title,
                               const std::string& detail) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/problem+json");
  r.headers.Set("Cache-Control", "no-store");
  r.body = nlohmann::json{{"type", "urn:anvil:admin:" + type}, {"title", title}, {"status", status}, {"detail", detail}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (status == 401) r.headers.Set("WWW-Authenticate", "Bearer realm=\"anvil-ca admin\"");
  return r;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 §2.1 percent-decoding; `plus_is_space` for query strings (application/x-www-form-urlencoded).
Result<std::string> Decode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Error(Code::kInvalidArgument, "bad percent-encoding in \"" + std::string(in) + "\"");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += plus_is_space && in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    ANVIL_ASSIGN_OR_RETURN(std::string name, Decode(pair.substr(0, eq), true));
    ANVIL_ASSIGN_OR_RETURN(std::string value,
                           Decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true));
    out[name] = value;
  }
  return out;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> ParseFormUrlEncoded(std::string_view text) { return ParseQuery(text); }

http::Response AdminApi::Forbidden(const std::string& detail) {
  return ProblemResponse(403, "forbidden", "Forbidden", detail);
}

std::string Call::Param(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

Result<int64_t> Call::IntParam(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
  const std::string text = Param(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    return Error(Code::kInvalidArgument, "query parameter " + name + " must be an integer from " +
                                             std::to_string(min) + " to " + std::to_string(max) + ", got \"" +
                                             text + "\"");
  }
  return value;
}

Result<nlohmann::json> Call::JsonBody() const {
  if (request.body.empty()) return nlohmann::json::object();
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(Code::kInvalidArgument, "the request body must be a JSON object");
  }
  return body;
}

AdminApi::AdminApi(Authenticator& authenticator, ra::RegistrationAuthority& ra)
    : authenticator_(authenticator), ra_(ra) {}

void AdminApi::Add(Route route) { routes_.push_back(std::move(route)); }

http::Response AdminApi::Problem(const Status& status) {
  const ProblemKind kind = KindOf(status.code());
  std::string detail = status.message();
  if (kind.status == 500) {
    spdlog::error("admin API: {}", status.ToString());
    detail = "internal error (logged by anvil-ca)";
  }
  return ProblemResponse(kind.status, kind.type, kind.title, detail);
}

http::Response AdminApi::Refusal(int status, const std::string& detail) {
  return status >= 500 ? ProblemResponse(status, "internal", "Internal Server Error", detail)
                       : ProblemResponse(status, "badRequest", "Bad Request", detail);
}

Result<std::pair<const Route*, std::map<std::string, std::string>>> AdminApi::Find(
    const http::Request& request) const {
  std::string_view path = request.path;
  const std::string not_found = "no admin API resource at " + request.path;
  if (!path.starts_with(kPrefix)) return Error(Code::kNotFound, not_found);
  path.remove_prefix(kPrefix.size());
  const std::vector<std::string_view> got = Segments(path);
  bool path_matched = false;
  for (const Route& route : routes_) {
    const std::vector<std::string_view> want = Segments(route.pattern);
    if (want.size() != got.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < want.size() && match; ++i) {
      if (want[i].starts_with('{') && want[i].ends_with('}')) {
        Result<std::string> value = Decode(got[i], false);
        if (!value.ok() || value->empty()) {
          match = false;
        } else {
          params[std::string(want[i].substr(1, want[i].size() - 2))] = *value;
        }
      } else {
        match = want[i] == got[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      return std::make_pair(&route, std::move(params));
    }
  }
  if (path_matched) return Error(Code::kMethodNotAllowed, request.method + " is not allowed on " + request.path);
  return Error(Code::kNotFound, not_found);
}

http::Response AdminApi::Handle(const http::Request& request) {
  Result<Caller> caller = authenticator_.Authenticate(request);
  http::Response response;
  std::string outcome, reason;
  if (!caller.ok()) {
    response = Problem(caller.status());
    outcome = caller.status().code() == Code::kUnauthorized ? "unauthenticated" : "error";
    reason = caller.status().message();
    if (Status s = Audit(request, nullptr, response.status, outcome, reason); !s.ok()) return Problem(s);
    return response;
  }
  auto found = Find(request);
  if (Status browser = CheckBrowserRequest(request, *caller); !browser.ok()) {
    reason = browser.message();
    response = ProblemResponse(403, "forbidden", "Forbidden", reason);
    outcome = "refused";
  } else if (!found.ok()) {
    response = Problem(found.status());
    outcome = "refused";
    reason = found.status().message();
  } else if (const Route& route = *found->first; !Includes(caller->role, route.role)) {
    reason = "the " + std::string(RoleName(route.role)) + " role is needed; " + caller->name + " is " +
             std::string(RoleName(caller->role));
    response = ProblemResponse(403, "forbidden", "Forbidden", reason);
    outcome = "forbidden";
  } else {
    Result<std::map<std::string, std::string>> query = ParseQuery(request.query);
    if (query.ok()) {
      for (const auto& [name, value] : *query) {
        if (std::find(route.query.begin(), route.query.end(), name) == route.query.end()) {
          query = Error(Code::kInvalidArgument, "unknown query parameter \"" + name + "\"");
          break;
        }
      }
    }
    Call call{request, *caller, std::move(found->second),
              query.ok() ? std::move(*query) : std::map<std::string, std::string>{}};
    // Checked before the handler runs, so that a misspelt parameter changes nothing.
    Result<Reply> reply = query.ok() ? route.handler(call) : Result<Reply>(query.status());
    if (reply.ok()) {
      response.status = reply->status;
      response.headers.Set("Content-Type", "application/json");
      response.headers.Set("Cache-Control", "no-store");
      // Invalid UTF-8 (a stored name, a certificate's subject) is replaced, never thrown over.
      response.body = reply->body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      outcome = "ok";
    } else {
      response = Problem(reply.status());
      outcome = "error";
      reason = reply.status().message();
    }
  }
  if (Status s = Audit(request, &*caller, response.status, outcome, reason); !s.ok()) return Problem(s);
  return response;
}

Status AdminApi::Audit(const http::Request& request, const Caller* caller, int status, const std::string& outcome,
                       const std::string& reason) {
  nlohmann::json details = {{"method", request.method},
                            {"path", request.path},
                            {"query", request.query},
                            {"status", status},
                            {"outcome", outcome},
                            {"remote_address", request.remote_address},
                            {"caller", nullptr}};
  if (caller != nullptr) {
    details["caller"] = {{"name", caller->name}, {"role", RoleName(caller->role)}, {"credential", caller->credential}};
    if (!caller->session_csrf_token.empty()) details["caller"]["session"] = true;
  }
  if (!reason.empty()) details["reason"] = reason;
  Status recorded = ra_.RecordEvent("admin.request", caller != nullptr ? caller->name : "",
                                    details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!recorded.ok()) {
    return Error(Code::kInternal, "the admin request's audit record could not be written: " + recorded.ToString());
  }
  return Status::Ok();
}

}  // namespace anvil::admin
