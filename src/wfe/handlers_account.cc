// newAccount, account update/deactivation, the orders list and key rollover (RFC 8555 §7.3).
#include <charconv>

#include "wfe/wfe_internal.h"

namespace anvil::wfe {
http::Response WebFrontEnd::Impl::NewAccount(const http::Request& request) {
  auto auth = Authenticate(request, KeyKind::kJwk);
  if (!auth.ok()) return Problem(auth.status());
  if (auth->post_as_get) return Problem(Error(Code::kMalformed, "newAccount needs a JSON payload"));
  auto parsed = ParseNewAccountPayload(auth->payload);
  if (!parsed.ok()) return Problem(parsed.status());
  ra::NewAccountRequest req{*auth->jwk, {}, false, false, std::nullopt, Url(path::kNewAccount),
                            request.remote_address};
  if (parsed->contacts) req.contacts = *parsed->contacts;
  req.tos_agreed = parsed->tos_agreed;
  req.only_return_existing = parsed->only_return_existing;
  req.eab = std::move(parsed->eab);
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
    auto update = ParseAccountUpdatePayload(auth->payload);
    if (!update.ok()) return Problem(update.status());
    if (update->contacts) updated = ra_.UpdateContacts(account, *update->contacts);
    if (updated.ok() && update->status == "deactivated") updated = ra_.Deactivate(*updated);
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
  auto inner = ParseKeyChangeJws(auth->payload, auth->jws.header.url);
  if (!inner.ok()) return Problem(inner.status());
  const jose::Jwk& new_key = *inner->header.jwk;
  auto old_key = ParseKeyChangeInnerPayload(inner->payload, AccountUrl(account.id));
  if (!old_key.ok()) return Problem(old_key.status());
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
