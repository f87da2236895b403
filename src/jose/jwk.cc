#include "jose/jwk.h"

#include <array>

#include "base/base64url.h"
#include "crypto/digest.h"
#include "jose/json_util.h"

namespace anvil::jose {
namespace {

using nlohmann::json;

constexpr size_t kMinRsaBits = 2048;  // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
constexpr size_t kMaxRsaBits = 8192;  // Bounds the cost of one verification an unauthenticated client causes.

// Private members of EC/OKP ("d"), RSA (RFC 7518 §6.3.2) and symmetric keys ("k", §6.4.1).
constexpr std::array<const char*, 8> kPrivateMembers = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

Status BadKey(std::string detail) { return Error(Code::kBadPublicKey, "JWK: " + std::move(detail)); }

Result<std::string> StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return BadKey(std::string("missing member \"") + name + "\"");
  if (!it->is_string()) return BadKey(std::string("member \"") + name + "\" is not a string");
  return it->get<std::string>();
}

Result<std::string> Base64Member(const json& object, const char* name) {
  ANVIL_ASSIGN_OR_RETURN(std::string text, StringMember(object, name));
  auto bytes = base64url::Decode(text);
  if (!bytes.ok()) return BadKey(std::string("member \"") + name + "\" is not unpadded base64url");
  return std::move(bytes).value();
}

Result<crypto::PublicKey> EcKey(const json& object) {
  ANVIL_ASSIGN_OR_RETURN(std::string crv, StringMember(object, "crv"));
  crypto::Curve curve;
  if (crv == "P-256") {
    curve = crypto::Curve::kP256;
  } else if (crv == "P-384") {
    curve = crypto::Curve::kP384;
  } else if (crv == "P-521") {
    curve = crypto::Curve::kP521;
  } else {
    return BadKey("unsupported EC curve \"" + crv + "\" (want P-256, P-384 or P-521)");
  }
  ANVIL_ASSIGN_OR_RETURN(std::string x, Base64Member(object, "x"));
  ANVIL_ASSIGN_OR_RETURN(std::string y, Base64Member(object, "y"));
  // RFC 7518 §6.2.1.2/3: "MUST be the full size of a coordinate for the curve".
  const size_t len = crypto::CurveCoordinateLength(curve);
  if (x.size() != len || y.size() != len) {
    return BadKey("EC coordinates for " + crv + " must be " + std::to_string(len) + " bytes");
  }
  auto key = crypto::PublicKey::FromEcPoint(curve, x, y);
  if (!key.ok()) return BadKey(key.status().message());
  return key;
}

Result<crypto::PublicKey> RsaKey(const json& object) {
  ANVIL_ASSIGN_OR_RETURN(std::string n, Base64Member(object, "n"));
  ANVIL_ASSIGN_OR_RETURN(std::string e, Base64Member(object, "e"));
  // RFC 7518 §6.3.1.1/2: both use "the minimum number of octets to represent the value".
  if (n.empty() || n[0] == '\0') return BadKey("RSA modulus is empty or has a leading zero octet");
  if (e.empty() || e[0] == '\0') return BadKey("RSA exponent is empty or has a leading zero octet");
  size_t bits = n.size() * 8;
  for (auto top = static_cast<unsigned char>(n[0]); top < 0x80; top <<= 1) --bits;
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return BadKey("RSA modulus of " + std::to_string(bits) + " bits (want 2048 to 8192)");
  }
  auto key = crypto::PublicKey::FromRsa(n, e);
  if (!key.ok()) return BadKey(key.status().message());
  return key;
}

Result<crypto::PublicKey> OkpKey(const json& object) {
  ANVIL_ASSIGN_OR_RETURN(std::string crv, StringMember(object, "crv"));
  if (crv != "Ed25519") return BadKey("unsupported OKP curve \"" + crv + "\" (want Ed25519)");
  ANVIL_ASSIGN_OR_RETURN(std::string x, Base64Member(object, "x"));
  if (x.size() != 32) return BadKey("Ed25519 key must be 32 bytes");  // RFC 8037 §2.
  auto key = crypto::PublicKey::FromEd25519(x);
  if (!key.ok()) return BadKey(key.status().message());
  return key;
}

// RFC 7517 §4.2-4.4: a key that says it is not for signatures (or not for verifying them) must not verify
// an ACME request. Returns the "alg" member (empty when absent).
Result<std::string> CheckOptionalMembers(const json& object) {
  if (auto use = object.find("use"); use != object.end()) {
    if (!use->is_string() || use->get<std::string>() != "sig") return BadKey("\"use\" must be \"sig\" for a signing key");
  }
  if (auto ops = object.find("key_ops"); ops != object.end()) {
    bool verify = false;
    if (!ops->is_array()) return BadKey("\"key_ops\" must be an array of strings");
    for (const auto& op : *ops) {
      if (!op.is_string()) return BadKey("\"key_ops\" must be an array of strings");
      verify = verify || op.get<std::string>() == "verify";
    }
    if (!verify) return BadKey("\"key_ops\" does not include \"verify\"");
  }
  if (auto alg = object.find("alg"); alg != object.end()) {
    if (!alg->is_string()) return BadKey("\"alg\" must be a string");
    return alg->get<std::string>();
  }
  return std::string();
}

}  // namespace

Result<Jwk> Jwk::FromJson(const json& object) {
  if (!object.is_object()) return Error(Code::kMalformed, "JWK is not a JSON object");
  for (const char* member : kPrivateMembers) {
    if (object.contains(member)) return BadKey(std::string("contains the private member \"") + member + "\"");
  }
  ANVIL_ASSIGN_OR_RETURN(std::string declared_alg, CheckOptionalMembers(object));
  ANVIL_ASSIGN_OR_RETURN(std::string kty, StringMember(object, "kty"));
  Result<crypto::PublicKey> key = BadKey("unsupported kty \"" + kty + "\" (want EC, RSA or OKP)");
  if (kty == "EC") key = EcKey(object);
  if (kty == "RSA") key = RsaKey(object);
  if (kty == "OKP") key = OkpKey(object);
  ANVIL_RETURN_IF_ERROR(key.status());
  Jwk jwk(std::move(key).value());
  jwk.declared_alg_ = std::move(declared_alg);
  return jwk;
}

Jwk Jwk::FromPublicKey(const crypto::PublicKey& key) { return Jwk(key); }

json Jwk::ToJson() const {
  // nlohmann::json objects keep their members sorted, which is also the order RFC 7638 §3.3 asks for.
  json out = json::object();
  switch (key_.algorithm()) {
    case crypto::KeyAlgorithm::kEc: {
      auto point = key_.ec_point();
      if (!point.ok()) break;  // Cannot happen for an EC key.
      out["kty"] = "EC";
      out["crv"] = std::string(crypto::CurveName(point->curve));
      out["x"] = base64url::Encode(point->x);
      out["y"] = base64url::Encode(point->y);
      break;
    }
    case crypto::KeyAlgorithm::kRsa: {
      auto rsa = key_.rsa_components();
      if (!rsa.ok()) break;
      out["kty"] = "RSA";
      out["n"] = base64url::Encode(rsa->n);
      out["e"] = base64url::Encode(rsa->e);
      break;
    }
    case crypto::KeyAlgorithm::kEd25519: {
      auto raw = key_.ed25519_raw();
      if (!raw.ok()) break;
      out["kty"] = "OKP";
      out["crv"] = "Ed25519";
      out["x"] = base64url::Encode(*raw);
      break;
    }
  }
  return out;
}

std::string Jwk::Thumbprint() const {
  // All member values are ASCII (names and base64url), so the compact dump is the canonical form of
  // RFC 7638 §3.3 and cannot fail.
  return base64url::Encode(crypto::Sha256(internal::DumpJson(ToJson()).value_or("")));
}

bool Jwk::Supports(Algorithm alg) const { return KeySupports(key_, alg); }

}  // namespace anvil::jose
