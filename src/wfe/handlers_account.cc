// newAccount, account update/deactivation, the orders list and key rollover (RFC 8555 §7.3).
#include <charconv>

#include "wfe/wfe_internal.h"

namespace anvil::wfe {
namespace {

Result<std::optional<std::vector<std::string>>> Contacts(const nlohmann::json& payload) {
  if (!payload.contains("contact") || payload["contact"].is_null()) return std::optional<std::vector<std::string>>();
  const auto& c = payload["contact"];
  if (!c.is_array()) return Error(Code::kMalformed, "\"contact\" must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : c) {
    if (!e.is_string()) return Error(Code::kMalformed, "\"contact\" must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<bool> OptionalBool(const nlohmann::json& payload, const char* key) {
  if (!payload.contains(key) || payload[key].is_null()) return false;
  if (!payload[key].is_boolean()) return Error(Code::kMalformed, std::string("\"") + key + "\" must be a boolean");
  return payload[key].get<bool>();
}

}  // namespace

http::Response WebFrontEnd::Impl::NewAccount(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kJwk);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "newAccount needs a JSON payload"));
  const nlohmann::json& payload = auth->payload;
  ra::NewAccountRequest req{*auth->jwk, {}, false, false, std::nullopt, Url(path::kNewAccount),
                            request.remote_address};
  auto contacts = Contacts(payload);
  if (!contacts.ok()) return Problem(contacts.status());
  if (*contacts) req.contacts = **contacts;
  auto tos = OptionalBool(payload, "termsOfServiceAgreed");
  auto only = OptionalBool(payload, "onlyReturnExisting");
  if (!tos.ok()) return Problem(tos.status());
  if (!only.ok()) return Problem(only.status());
  req.tos_agreed = *tos;
  req.only_return_existing = *only;
  if (payload.contains("externalAccountBinding") && !payload["externalAccountBinding"].is_null()) {
    auto eab = jose::ParseFlattened(payload["externalAccountBinding"], /*allow_mac=*/true);
    if (!eab.ok()) {
      return Problem(Error(eab.status().code() == Code::kBadSignatureAlgorithm ? Code::kBadSignatureAlgorithm
                                                                                 : Code::kMalformed,
                           "externalAccountBinding: " + eab.status().message()));
    }
    req.eab = *eab;
  }
  auto result = ra_.NewAccount(req);
  if (!result.ok()) return Problem(result.status());
  http::Response r = Json(result->created ? 201 : 200, AccountJson(result->account));
  r.headers.Set("Location", AccountUrl(result->account.id));
  return r;
}

http::Response WebFrontEnd::Impl::AccountResource(const http::Request& request, const std::string& id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  const storage::Account& account = *auth->account;
  if (account.id != id) return Problem(Error(Code::kUnauthorized, "the request is not signed by this account"));
  Result<storage::Account> updated = account;
  if (!auth->post_as_get) {
    const nlohmann::json& payload = auth->payload;
    auto status = OptionalString(payload, "status");
    if (!status.ok()) return Problem(status.status());
    auto contacts = Contacts(payload);
    if (!contacts.ok()) return Problem(contacts.status());
    if (*status && **status != "deactivated" && **status != "valid") {
      return Problem(Error(Code::kMalformed, "an account's status can only be changed to \"deactivated\""));
    }
    if (*contacts) updated = ra_.UpdateContacts(account, **contacts);
    if (updated.ok() && *status && **status == "deactivated") updated = ra_.Deactivate(*updated);
  }
  if (!updated.ok()) return Problem(updated.status());
  http::Response r = Json(200, AccountJson(*updated));
  r.headers.Set("Location", AccountUrl(id));
  return r;
}

http::Response WebFrontEnd::Impl::AccountOrders(const http::Request& request, const std::string& id) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->account->id != id) return Problem(Error(Code::kUnauthorized, "the orders list belongs to another account"));
  // §7.1.2.1: paginated with Link rel="next"; the cursor is the last order ID of the previous page.
  std::string cursor;
  if (request.query.starts_with("cursor=")) cursor = request.query.substr(7);
  int page = options_.orders_per_page;
  auto ids = ra_.ListOrders(*auth->account, cursor, page + 1);
  if (!ids.ok()) return Problem(ids.status());
  nlohmann::json urls = nlohmann::json::array();
  for (int i = 0; i < int(ids->size()) && i < page; ++i) urls.push_back(OrderUrl((*ids)[i]));
  http::Response r = Json(200, {{"orders", std::move(urls)}});
  if (int(ids->size()) > page) {
    r.headers.Add("Link", "<" + AccountUrl(id) + "/orders?cursor=" + (*ids)[page - 1] + ">;rel=\"next\"");
  }
  return r;
}

http::Response WebFrontEnd::Impl::KeyChange(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kKid);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "keyChange needs the inner JWS as payload"));
  const storage::Account& account = *auth->account;
  // §7.3.5: the payload is a JWS signed by the new key, with jwk, the same url, and no nonce.
  auto inner = jose::ParseFlattened(auth->payload);
  if (!inner.ok()) return Problem(Error(inner.status().code(), "inner JWS: " + inner.status().message()));
  if (!inner->header.jwk) return Problem(Error(Code::kMalformed, "inner JWS must carry the new key as jwk"));
  if (inner->header.nonce) return Problem(Error(Code::kMalformed, "inner JWS must not carry a nonce"));
  if (inner->header.url != auth->jws.header.url) {
    // §7.3.5 asks the server to check the two are the same; a request that fails it is malformed (as Pebble).
    return Problem(Error(Code::kMalformed, "inner JWS url differs from the outer JWS url"));
  }
  const jose::Jwk& new_key = *inner->header.jwk;
  if (!new_key.Supports(inner->header.alg)) {
    return Problem(Error(Code::kBadSignatureAlgorithm, "inner JWS algorithm does not fit the new key"));
  }
  if (new_key.key().algorithm() == crypto::KeyAlgorithm::kRsa && new_key.key().bits() < 2048) {
    return Problem(Error(Code::kBadPublicKey, "RSA keys must have at least 2048 bits"));
  }
  if (Status v = jose::Verify(*inner, new_key.key()); !v.ok()) return Problem(v);
  auto body = nlohmann::json::parse(inner->payload, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Problem(Error(Code::kMalformed, "inner payload must be JSON"));
  auto acct = OptionalString(body, "account");
  if (!acct.ok()) return Problem(acct.status());
  if (!*acct || **acct != AccountUrl(account.id)) {
    return Problem(Error(Code::kUnauthorized, "inner payload \"account\" is not the signing account"));
  }
  if (!body.contains("oldKey")) return Problem(Error(Code::kMalformed, "inner payload needs \"oldKey\""));
  auto old_key = jose::Jwk::FromJson(body["oldKey"]);
  if (!old_key.ok()) return Problem(Error(Code::kMalformed, "oldKey: " + old_key.status().message()));
  if (old_key->Thumbprint() != account.thumbprint) {
    return Problem(Error(Code::kUnauthorized, "oldKey is not the account's current key"));
  }
  std::string conflict;
  Status changed = ra_.ChangeKey(account, new_key, &conflict);
  if (!changed.ok()) {
    // §7.3.5: a key in use is 409 Conflict (kConflict, in the problem document's status too) with the
    // Location of the account that holds it.
    http::Response r = Problem(changed);
    if (!conflict.empty()) r.headers.Set("Location", AccountUrl(conflict));
    return r;
  }
  auto updated = ra_.GetAccount(account.id);
  if (!updated.ok()) return Problem(updated.status());
  http::Response r = Json(200, AccountJson(*updated));
  r.headers.Set("Location", AccountUrl(account.id));
  return r;
}

}  // namespace anvil::wfe
