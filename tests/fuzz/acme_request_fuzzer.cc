// Fuzzes the parsers of every ACME request payload the front end accepts (wfe/payloads.h): newAccount,
// account update, newOrder, finalize, newAuthz, authorization update, revokeCert, keyChange (outer: the inner
// JWS; inner: its payload), and the certificate ID of a renewalInfo URL or an order's "replaces" (RFC 9773
// §4.1), with the identifier normalization the RA applies to each requested identifier. The challenge
// response's payload is ignored by design (§7.5.1) and has no parser.
//
// Input: the first byte chooses the request (modulo the number of kinds), the rest is the payload text. The
// front end only passes JSON objects on (anything else is refused before), so other JSON is skipped.
//
// Invariants: no exception escapes, every refusal is a client error (never a 5xx), parsed values re-encoded
// parse to the same values, identifier normalization is idempotent, and a parsed certificate ID re-encodes
// to an ID that parses to the same (AKI, serial).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "acme/certificate_id.h"
#include "acme/types.h"
#include "base/base64url.h"
#include "fuzz_check.h"
#include "wfe/payloads.h"

namespace {

using anvil::fuzz::CheckClientRefusal;
using nlohmann::json;
namespace wfe = anvil::wfe;
namespace acme = anvil::acme;

constexpr char kAccountUrl[] = "https://acme.test/acme/acct/1";
constexpr char kKeyChangeUrl[] = "https://acme.test/acme/key-change";

template <typename T>
bool Refused(const anvil::Result<T>& r, const char* where) {
  if (r.ok()) return false;
  CheckClientRefusal(r.status(), where);
  return true;
}

// What the RA does with each identifier of a newOrder or newAuthz (ra::Policy normalizes before it polices).
void NormalizeIdentifier(const wfe::IdentifierPair& id) {
  auto type = acme::ParseIdentifierType(id.first);
  if (Refused(type, "ParseIdentifierType")) return;
  auto normalized = acme::NormalizeIdentifier(*type, id.second);
  if (Refused(normalized, "NormalizeIdentifier")) return;
  auto again = acme::NormalizeIdentifier(normalized->type, normalized->value);
  FUZZ_CHECK(again.ok(), "normalized identifier refused: " + again.status().ToString());
  FUZZ_CHECK(*again == *normalized, "normalization is not idempotent: " + normalized->value);
}

void NewOrder(const json& payload) {
  auto order = wfe::ParseNewOrderPayload(payload);
  if (Refused(order, "ParseNewOrderPayload")) return;
  json ids = json::array();
  for (const auto& id : order->identifiers) {
    ids.push_back({{"type", id.first}, {"value", id.second}});
    NormalizeIdentifier(id);
  }
  json again = {{"identifiers", ids}};
  if (order->not_before) again["notBefore"] = anvil::FormatRfc3339(*order->not_before);
  if (order->not_after) again["notAfter"] = anvil::FormatRfc3339(*order->not_after);
  if (!order->profile.empty()) again["profile"] = order->profile;
  if (!order->replaces.empty()) again["replaces"] = order->replaces;
  auto round = wfe::ParseNewOrderPayload(again);
  FUZZ_CHECK(round.ok(), round.status().ToString());
  FUZZ_CHECK(round->identifiers == order->identifiers && round->profile == order->profile &&
                 round->replaces == order->replaces,
             "newOrder changed in a round trip");
  // FormatRfc3339 writes whole seconds: a fraction in the input may be lost, nothing more.
  auto close = [](const std::optional<anvil::TimePoint>& a, const std::optional<anvil::TimePoint>& b) {
    if (!a || !b) return a.has_value() == b.has_value();
    return (*a > *b ? *a - *b : *b - *a) < std::chrono::seconds(1);
  };
  FUZZ_CHECK(close(round->not_before, order->not_before), "notBefore changed in a round trip");
  FUZZ_CHECK(close(round->not_after, order->not_after), "notAfter changed in a round trip");
}

void CertificateId(const std::string& text) {
  auto id = acme::ParseCertificateId(text);
  if (Refused(id, "ParseCertificateId")) return;
  auto again = acme::ParseCertificateId(acme::CertificateId(id->first, id->second));
  FUZZ_CHECK(again.ok(), again.status().ToString());
  FUZZ_CHECK(*again == *id, "certificate ID changed in a round trip: " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr int kKinds = 10;
  const int kind = data[0] % kKinds;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (kind == 9) {
    CertificateId(std::string(text));
    return 0;
  }
  if (kind == 8) {
    // keyChange's inner payload is text the front end parses itself.
    auto old_key = wfe::ParseKeyChangeInnerPayload(text, kAccountUrl);
    if (!Refused(old_key, "ParseKeyChangeInnerPayload")) {
      FUZZ_CHECK(wfe::ParseKeyChangeInnerPayload(
                     json{{"account", kAccountUrl}, {"oldKey", old_key->ToJson()}}.dump(), kAccountUrl)
                         ->Thumbprint() == old_key->Thumbprint(),
                 "oldKey changed in a round trip");
    }
    return 0;
  }
  json payload = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (payload.is_discarded() || !payload.is_object()) return 0;
  switch (kind) {
    case 0: {
      auto account = wfe::ParseNewAccountPayload(payload);
      if (!Refused(account, "ParseNewAccountPayload") && account->eab) {
        FUZZ_CHECK(account->eab->header.raw.is_object(), "EAB header is not an object");
      }
      break;
    }
    case 1: {
      auto update = wfe::ParseAccountUpdatePayload(payload);
      if (!Refused(update, "ParseAccountUpdatePayload") && update->status) {
        FUZZ_CHECK(*update->status == "valid" || *update->status == "deactivated", *update->status);
      }
      break;
    }
    case 2:
      NewOrder(payload);
      break;
    case 3: {
      auto csr = wfe::ParseFinalizePayload(payload);
      if (!Refused(csr, "ParseFinalizePayload")) {
        auto round = wfe::ParseFinalizePayload(json{{"csr", anvil::base64url::Encode(*csr)}});
        FUZZ_CHECK(round.ok() && *round == *csr, "csr changed in a round trip");
      }
      break;
    }
    case 4: {
      auto id = wfe::ParseNewAuthzPayload(payload);
      if (!Refused(id, "ParseNewAuthzPayload")) NormalizeIdentifier(*id);
      break;
    }
    case 5: {
      anvil::Status s = wfe::ParseAuthzUpdatePayload(payload);
      if (!s.ok()) CheckClientRefusal(s, "ParseAuthzUpdatePayload");
      break;
    }
    case 6: {
      auto revoke = wfe::ParseRevokeCertPayload(payload);
      if (!Refused(revoke, "ParseRevokeCertPayload")) {
        FUZZ_CHECK(revoke->reason >= -1 && revoke->reason <= 255, std::to_string(revoke->reason));
      }
      break;
    }
    case 7: {
      auto inner = wfe::ParseKeyChangeJws(payload, std::string(kKeyChangeUrl));
      if (!Refused(inner, "ParseKeyChangeJws")) {
        FUZZ_CHECK(inner->header.jwk && !inner->header.nonce && inner->header.url == kKeyChangeUrl,
                   "keyChange inner JWS accepted without its checks");
      }
      break;
    }
  }
  return 0;
}
