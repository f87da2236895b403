// newOrder, order, finalize, newAuthz, authorization and challenge resources (RFC 8555 §7.4, §7.5).
#include "base/base64url.h"
#include "wfe/wfe_internal.h"

namespace anvil::wfe {
namespace {

Result<std::optional<TimePoint>> OptionalTime(const nlohmann::json& payload, const char* key) {
  ANVIL_ASSIGN_OR_RETURN(auto text, OptionalString(payload, key));
  if (!text) return std::optional<TimePoint>();
  auto t = ParseRfc3339(*text);
  if (!t.ok()) return Error(Code::kMalformed, std::string("\"") + key + "\": " + t.status().message());
  return std::optional<TimePoint>(*t);
}

Result<std::pair<std::string, std::string>> IdentifierOf(const nlohmann::json& id) {
  if (!id.is_object() || !id.contains("type") || !id["type"].is_string() || !id.contains("value") ||
      !id["value"].is_string()) {
    return Error(Code::kMalformed, "an identifier is an object with string \"type\" and \"value\"");
  }
  return std::make_pair(id["type"].get<std::string>(), id["value"].get<std::string>());
}

}  // namespace

http::Response WebFrontEnd::Impl::NewOrder(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "newOrder needs a JSON payload"));
  const nlohmann::json& payload = auth->payload;
  ra::NewOrderRequest req;
  if (!payload.contains("identifiers") || !payload["identifiers"].is_array()) {
    return Problem(Error(Code::kMalformed, "newOrder needs an \"identifiers\" array"));
  }
  for (const auto& id : payload["identifiers"]) {
    auto parsed = IdentifierOf(id);
    if (!parsed.ok()) return Problem(parsed.status());
    req.identifiers.push_back(*parsed);
  }
  auto nb = OptionalTime(payload, "notBefore");
  auto na = OptionalTime(payload, "notAfter");
  auto profile = OptionalString(payload, "profile");
  auto replaces = OptionalString(payload, "replaces");
  for (const Status& s : {nb.status(), na.status(), profile.status(), replaces.status()}) {
    if (!s.ok()) return Problem(s);
  }
  req.not_before = *nb;
  req.not_after = *na;
  req.profile = profile->value_or("");
  req.replaces = replaces->value_or("");
  auto order = ra_.NewOrder(*auth->account, req);
  if (!order.ok()) return Problem(order.status());
  http::Response r = Json(201, OrderJson(*order));
  r.headers.Set("Location", OrderUrl(order->id));
  return r;
}

http::Response WebFrontEnd::Impl::OrderResource(const http::Request& request, const std::string& id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (!auth->post_as_get) return Problem(Error(Code::kMalformed, "read an order with POST-as-GET (empty payload)"));
  auto order = ra_.GetOrder(id);
  if (!order.ok()) return Problem(order.status());
  // Another account's resource answers exactly like a missing one (docs/security.md: no oracle).
  if (order->account_id != auth->account->id) return Problem(storage::NotFoundError("order", id));
  http::Response r = Json(200, OrderJson(*order));
  if (order->status == acme::OrderStatus::kProcessing) {
    SetPollRetryAfter(r);
  }
  return r;
}

http::Response WebFrontEnd::Impl::Finalize(const http::Request& request, const std::string& id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "finalize needs a payload with \"csr\""));
  auto csr_b64 = OptionalString(auth->payload, "csr");
  if (!csr_b64.ok()) return Problem(csr_b64.status());
  if (!*csr_b64) return Problem(Error(Code::kMalformed, "finalize needs a payload with \"csr\""));
  auto csr = base64url::Decode(**csr_b64);
  if (!csr.ok()) return Problem(Error(Code::kMalformed, "\"csr\" is not base64url"));
  auto order = ra_.Finalize(*auth->account, id, *csr);
  if (!order.ok()) return Problem(order.status());
  http::Response r = Json(200, OrderJson(*order));
  r.headers.Set("Location", OrderUrl(order->id));
  if (order->status == acme::OrderStatus::kProcessing) {
    SetPollRetryAfter(r);
  }
  return r;
}

http::Response WebFrontEnd::Impl::NewAuthz(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get || !auth->payload.contains("identifier")) {
    return Problem(Error(Code::kMalformed, "newAuthz needs a payload with \"identifier\""));
  }
  auto id = IdentifierOf(auth->payload["identifier"]);
  if (!id.ok()) return Problem(id.status());
  auto authz = ra_.NewAuthorization(*auth->account, id->first, id->second);
  if (!authz.ok()) return Problem(authz.status());
  http::Response r = Json(201, AuthorizationJson(*authz));
  r.headers.Set("Location", AuthzUrl(authz->id));
  return r;
}

http::Response WebFrontEnd::Impl::AuthzResource(const http::Request& request, const std::string& id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  Result<storage::Authorization> authz = Error(Code::kNotFound, "no such authorization");
  if (auth->post_as_get) {
    authz = ra_.GetAuthorization(id);
    if (authz.ok() && authz->account_id != auth->account->id) {
      return Problem(storage::NotFoundError("authorization", id));
    }
  } else {
    auto status = OptionalString(auth->payload, "status");
    if (!status.ok()) return Problem(status.status());
    if (!*status || **status != "deactivated") {
      return Problem(Error(Code::kMalformed, "an authorization can only be updated to status \"deactivated\""));
    }
    authz = ra_.DeactivateAuthorization(*auth->account, id);
  }
  if (!authz.ok()) return Problem(authz.status());
  http::Response r = Json(200, AuthorizationJson(*authz));
  for (const auto& c : authz->challenges) {
    if (c.status == acme::ChallengeStatus::kProcessing) {
      SetPollRetryAfter(r);
    }
  }
  return r;
}

http::Response WebFrontEnd::Impl::ChallengeResource(const http::Request& request, const std::string& authz_id,
                                                    const std::string& challenge_id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  Result<storage::Authorization> authz = Error(Code::kNotFound, "no such authorization");
  if (auth->post_as_get) {
    authz = ra_.GetAuthorization(authz_id);
    if (authz.ok() && authz->account_id != auth->account->id) {
      return Problem(storage::NotFoundError("authorization", authz_id));
    }
  } else {
    // §7.5.1: the client signals readiness with an empty JSON object; fields are ignored.
    authz = ra_.RespondToChallenge(*auth->account, authz_id, challenge_id);
  }
  if (!authz.ok()) return Problem(authz.status());
  for (const auto& c : authz->challenges) {
    if (c.id != challenge_id) continue;
    http::Response r = Json(200, ChallengeJson(*authz, c));
    r.headers.Add("Link", "<" + AuthzUrl(authz->id) + ">;rel=\"up\"");
    if (c.status == acme::ChallengeStatus::kProcessing || c.status == acme::ChallengeStatus::kPending) {
      SetPollRetryAfter(r);
    }
    return r;
  }
  return Problem(Error(Code::kNotFound, "no such challenge"));
}

}  // namespace anvil::wfe
