// The admin API (docs/admin-api.md): JSON over HTTPS for operators, under the prefix /admin/v1. One AdminApi
// answers every request of the admin listener: it authenticates the caller (admin/credentials.h), finds the
// route, checks the caller's role, runs the route's handler and audits the call — who (name, role, credential
// kind), method, path, status and outcome — as an `admin.request` record through the RA. A call whose audit
// record cannot be written fails (500) and its response body is not sent.
//
// Errors are RFC 9457 problem documents (application/problem+json) with types "urn:anvil:admin:<name>": 401
// unauthenticated (no or an invalid credential), 403 forbidden (the role is too low), 404 notFound, 405
// methodNotAllowed, 400 badRequest, 409 conflict, 500 internal, 503 unavailable.
//
// Adding an endpoint: Add a Route (method, path pattern with {name} segments, the least role, a handler, the
// query parameters it takes) and describe it in admin/openapi.json; admin_api_test checks that every route is
// described with its role and parameters.
//
// Thread-safety: Handle may run concurrently once the routes are added; Add is for set-up only. Handlers may
// block (store reads and writes): the listener runs them on worker threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/credentials.h"
#include "admin/roles.h"
#include "base/status.h"
#include "http/message.h"
#include "ra/registration_authority.h"

namespace anvil::admin {

inline constexpr std::string_view kPrefix = "/admin/v1";

// One authenticated call as a handler sees it.
struct Call {
  const http::Request& request;
  const Caller& caller;
  std::map<std::string, std::string> path;   // the {name} segments of the route's pattern, percent-decoded
  // Query parameters, percent-decoded (the last of a repeated one); only those the route declares (a request
  // with another is refused before its handler runs).
  std::map<std::string, std::string> query;

  // The query parameter `name`, or `fallback` when absent.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
  // An integer parameter in [min, max]; kInvalidArgument naming it otherwise.
  Result<int64_t> IntParam(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  // The body as a JSON object ({} when empty); kInvalidArgument when it is not one.
  Result<nlohmann::json> JsonBody() const;
};

struct Reply {
  int status = 200;
  nlohmann::json body;
};

// application/x-www-form-urlencoded (a query string, a form's body) → its fields, percent-decoded, `+` as space
// (the last of a repeated one); kInvalidArgument for bad percent-encoding.
Result<std::map<std::string, std::string>> ParseFormUrlEncoded(std::string_view text);

using RouteHandler = std::function<Result<Reply>(const Call&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // below kPrefix, e.g. "/certificates/{serial}/revoke"
  Role role = Role::kViewer;
  RouteHandler handler;
  std::vector<std::string> query{};  // the query parameters it takes; any other is refused (400)
};

class AdminApi {
 public:
  // `ra` records the audit rows; both must outlive this object.
  AdminApi(Authenticator& authenticator, ra::RegistrationAuthority& ra);

  void Add(Route route);
  const std::vector<Route>& routes() const { return routes_; }

  http::Response Handle(const http::Request& request);

  // The problem document response for `status` (internal details of a 5xx are logged, not sent).
  static http::Response Problem(const Status& status);
  // The 403 problem document (urn:anvil:admin:forbidden) with `detail`.
  static http::Response Forbidden(const std::string& detail);
  // The transport's refusal of a request it could not read (http::ServerOptions::refusal_response): a
  // problem document with that HTTP status.
  static http::Response Refusal(int status, const std::string& detail);

 private:
  // The route matching `request` and its path parameters; kNotFound or kMethodNotAllowed.
  Result<std::pair<const Route*, std::map<std::string, std::string>>> Find(const http::Request& request) const;
  // Writes the admin.request record; `caller` null when unauthenticated.
  Status Audit(const http::Request& request, const Caller* caller, int status, const std::string& outcome,
               const std::string& reason);

  Authenticator& authenticator_;
  ra::RegistrationAuthority& ra_;
  std::vector<Route> routes_;
};

}  // namespace anvil::admin
