// newOrder, order, finalize, newAuthz, authorization and challenge resources (RFC 8555 §7.4, §7.5).
#include "wfe/wfe_internal.h"

namespace anvil::wfe {
http::Response WebFrontEnd::Impl::NewOrder(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "newOrder needs a JSON payload"));
  auto payload = ParseNewOrderPayload(auth->payload);
  if (!payload.ok()) return Problem(payload.status());
  ra::NewOrderRequest req;
  req.identifiers = std::move(payload->identifiers);
  req.not_before = payload->not_before;
  req.not_after = payload->not_after;
  req.profile = std::move(payload->profile);
  req.replaces = std::move(payload->replaces);
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
  auto csr = ParseFinalizePayload(auth->payload);
  if (!csr.ok()) return Problem(csr.status());
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
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "newAuthz needs a payload with \"identifier\""));
  auto id = ParseNewAuthzPayload(auth->payload);
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
    if (Status s = ParseAuthzUpdatePayload(auth->payload); !s.ok()) return Problem(s);
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
    // §7.5.1: the client signals readiness with an empty JSON object; fields are ignored, except
    // device-attest-01's attestation object (draft-ietf-acme-device-attest-09 §5).
    auto att_obj = ParseChallengeResponsePayload(auth->payload);
    if (!att_obj.ok()) return Problem(att_obj.status());
    authz = ra_.RespondToChallenge(*auth->account, authz_id, challenge_id, ra::ChallengeResponse{*att_obj});
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
