#include "acme/types.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include "base/strings.h"

namespace anvil::acme {
namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view s, const std::pair<E, std::string_view> (&table)[N], const char* what) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return Error(Code::kMalformed, std::string("unknown ") + what + " \"" + std::string(s.substr(0, 64)) + "\"");
}

template <typename E, size_t N>
std::string_view NameOf(E e, const std::pair<E, std::string_view> (&table)[N]) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

constexpr std::pair<AccountStatus, std::string_view> kAccountStatuses[] = {
    {AccountStatus::kValid, "valid"}, {AccountStatus::kDeactivated, "deactivated"}, {AccountStatus::kRevoked, "revoked"}};
constexpr std::pair<OrderStatus, std::string_view> kOrderStatuses[] = {{OrderStatus::kPending, "pending"},
                                                                       {OrderStatus::kReady, "ready"},
                                                                       {OrderStatus::kProcessing, "processing"},
                                                                       {OrderStatus::kValid, "valid"},
                                                                       {OrderStatus::kInvalid, "invalid"}};
constexpr std::pair<AuthorizationStatus, std::string_view> kAuthorizationStatuses[] = {
    {AuthorizationStatus::kPending, "pending"},         {AuthorizationStatus::kValid, "valid"},
    {AuthorizationStatus::kInvalid, "invalid"},         {AuthorizationStatus::kDeactivated, "deactivated"},
    {AuthorizationStatus::kExpired, "expired"},         {AuthorizationStatus::kRevoked, "revoked"}};
constexpr std::pair<ChallengeStatus, std::string_view> kChallengeStatuses[] = {{ChallengeStatus::kPending, "pending"},
                                                                               {ChallengeStatus::kProcessing, "processing"},
                                                                               {ChallengeStatus::kValid, "valid"},
                                                                               {ChallengeStatus::kInvalid, "invalid"}};
constexpr std::pair<ChallengeType, std::string_view> kChallengeTypes[] = {
    {ChallengeType::kHttp01, "http-01"},
    {ChallengeType::kDns01, "dns-01"},
    {ChallengeType::kTlsAlpn01, "tls-alpn-01"},
    {ChallengeType::kDeviceAttest01, "device-attest-01"}};
constexpr std::pair<IdentifierType, std::string_view> kIdentifierTypes[] = {
    {IdentifierType::kDns, "dns"},
    {IdentifierType::kIp, "ip"},
    {IdentifierType::kPermanentIdentifier, "permanent-identifier"},
    {IdentifierType::kHardwareModule, "hardware-module"}};

bool IsLdh(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// RFC 5891 §5.4 (lookup): an "xn--" label must be a valid A-label: Punycode that decodes to a non-ASCII
// U-label which passes IDNA2008's tests (RFC 5892 code points, NFC, CONTEXTJ/CONTEXTO, bidi; libidn2 without
// UTS #46 mapping) and encodes back to exactly this label. Empty when valid, else why not.
std::string ALabelProblem(std::string_view label) {
  std::string text(label);
  char* ulabel = nullptr;
  int rc = idn2_to_unicode_8z8z(text.c_str(), &ulabel, 0);
  std::unique_ptr<char, decltype(&idn2_free)> u(ulabel, &idn2_free);
  if (rc != IDN2_OK || !ulabel) return "\"" + text + "\" is not valid Punycode";
  std::string_view decoded(ulabel);
  if (std::all_of(decoded.begin(), decoded.end(), [](unsigned char c) { return c < 0x80; })) {
    return "\"" + text + "\" does not decode to a non-ASCII U-label";
  }
  uint8_t* encoded = nullptr;
  rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(ulabel), &encoded, IDN2_NO_TR46);
  std::unique_ptr<uint8_t, decltype(&idn2_free)> e(encoded, &idn2_free);
  if (rc != IDN2_OK) {
    return "\"" + text + "\" decodes to a U-label IDNA2008 does not allow (" + idn2_strerror(rc) + ")";
  }
  if (text != reinterpret_cast<const char*>(encoded)) return "\"" + text + "\" is not the canonical A-label";
  return "";
}

Result<Identifier> NormalizeDns(std::string_view raw) {
  std::string value(raw);
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  auto reject = [&](const std::string& why) {
    return Error(Code::kRejectedIdentifier, "invalid DNS identifier \"" + value.substr(0, 255) + "\": " + why);
  };
  if (value.empty()) return Error(Code::kMalformed, "empty DNS identifier");
  if (value.size() > 253) return reject("longer than 253 octets");
  if (value.back() == '.') return reject("trailing dot");
  std::string_view name = value;
  if (name.starts_with("*.")) name.remove_prefix(2);
  int labels = 0;
  std::string_view last_label;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty()) return reject("empty label");
    if (label.size() > 63) return reject("label longer than 63 octets");
    if (!std::all_of(label.begin(), label.end(), IsLdh)) {
      return reject(label.find('*') != std::string_view::npos ? "wildcard only allowed as the whole leftmost label"
                                                               : "label contains characters other than a-z, 0-9 and '-'");
    }
    if (label.front() == '-' || label.back() == '-') return reject("label starts or ends with '-'");
    // RFC 5891 §4.2.3.1: hyphens in the third and fourth positions are reserved for "xn--" A-labels.
    if (label.size() >= 4 && label.substr(2, 2) == "--") {
      if (!label.starts_with("xn--")) return reject("label \"" + std::string(label) + "\" has \"--\" in positions 3-4");
      if (std::string why = ALabelProblem(label); !why.empty()) return reject(why);
    }
    ++labels;
    last_label = label;
    start = end + 1;
  }
  if (labels < 2) return reject("a name needs at least two labels");
  // A name made only of digits and dots is an IP address written as a DNS name (RFC 8738 §3 uses "ip").
  if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
    return reject("an IP address must use the \"ip\" identifier type");
  }
  // No top-level domain is all digits (RFC 3696 §2); such a name would be read as an address.
  if (std::all_of(last_label.begin(), last_label.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return reject("the top-level label is all digits");
  }
  return Identifier{IdentifierType::kDns, value};
}

Result<Identifier> NormalizeIp(std::string_view raw) {
  std::string value(raw);
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, value.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, text, sizeof text);
    return Identifier{IdentifierType::kIp, text};
  }
  if (inet_pton(AF_INET6, value.c_str(), buf) == 1) {
    inet_ntop(AF_INET6, buf, text, sizeof text);  // RFC 5952 canonical form
    return Identifier{IdentifierType::kIp, text};
  }
  return Error(Code::kMalformed, "invalid IP identifier \"" + value.substr(0, 64) + "\"");
}

Result<Identifier> NormalizeDevice(IdentifierType type, std::string_view raw) {
  const std::string_view name = IdentifierTypeName(type);
  auto malformed = [&](const std::string& why) {
    std::string shown(raw.substr(0, 64));
    if (!IsUtf8(shown)) shown = "(not UTF-8)";
    return Error(Code::kMalformed, "invalid " + std::string(name) + " identifier \"" + shown + "\": " + why);
  };
  if (raw.empty()) return malformed("empty");
  if (raw.size() > 255) return malformed("longer than 255 octets");
  if (!IsUtf8(raw)) return malformed("not valid UTF-8");
  const size_t slash = raw.find('/');
  const std::string_view device = raw.substr(0, slash);
  if (device.empty()) return malformed("the serial part is empty");
  if (slash == std::string_view::npos) {
    if (type == IdentifierType::kHardwareModule) {
      return malformed("a hardware module needs \"/\" and the OID of its type (SERIAL/HWTYPE-OID)");
    }
  } else {
    const std::string_view oid = raw.substr(slash + 1);
    if (oid.find('/') != std::string_view::npos) return malformed("the serial must not contain \"/\"");
    if (!IsDottedOid(oid)) return malformed("\"" + std::string(oid.substr(0, 64)) + "\" is not a dotted-decimal OID");
  }
  return Identifier{type, std::string(raw)};
}

}  // namespace

bool IsDottedOid(std::string_view oid) {
  // first-and-second-components = (("0" / "1") "." (*1(%x31-33) %x30-39)) / ("2" "." component)
  // component = "0" / (%x31-39 *%x30-39)
  std::vector<std::string_view> arcs;
  size_t start = 0;
  while (true) {
    size_t dot = oid.find('.', start);
    arcs.push_back(oid.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs.size() < 2) return false;
  for (std::string_view arc : arcs) {
    if (arc.empty() || arc.size() > 19) return false;
    if (!std::all_of(arc.begin(), arc.end(), [](unsigned char c) { return std::isdigit(c); })) return false;
    if (arc.size() > 1 && arc.front() == '0') return false;
  }
  if (arcs[0] != "0" && arcs[0] != "1" && arcs[0] != "2") return false;
  if (arcs[0] != "2" && (arcs[1].size() > 2 || (arcs[1].size() == 2 && arcs[1][0] > '3'))) return false;
  return true;
}

DeviceIdentifierParts SplitDeviceIdentifier(std::string_view value) {
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos) return {std::string(value), ""};
  return {std::string(value.substr(0, slash)), std::string(value.substr(slash + 1))};
}

std::string_view IdentifierTypeName(IdentifierType type) { return NameOf(type, kIdentifierTypes); }

std::string IdentifierText(const Identifier& id) { return std::string(IdentifierTypeName(id.type)) + ":" + id.value; }

Result<IdentifierType> ParseIdentifierType(std::string_view name) {
  for (const auto& [type, type_name] : kIdentifierTypes) {
    if (type_name == name) return type;
  }
  return Error(Code::kUnsupportedIdentifier, "identifier type \"" + std::string(name.substr(0, 32)) + "\" is not supported");
}

Result<Identifier> NormalizeIdentifier(IdentifierType type, std::string_view value) {
  switch (type) {
    case IdentifierType::kDns: return NormalizeDns(value);
    case IdentifierType::kIp: return NormalizeIp(value);
    case IdentifierType::kPermanentIdentifier:
    case IdentifierType::kHardwareModule: return NormalizeDevice(type, value);
  }
  return Error(Code::kUnsupportedIdentifier, "unknown identifier type");
}

std::string_view StatusName(AccountStatus s) { return NameOf(s, kAccountStatuses); }
std::string_view StatusName(OrderStatus s) { return NameOf(s, kOrderStatuses); }
std::string_view StatusName(AuthorizationStatus s) { return NameOf(s, kAuthorizationStatuses); }
std::string_view StatusName(ChallengeStatus s) { return NameOf(s, kChallengeStatuses); }
Result<AccountStatus> ParseAccountStatus(std::string_view s) { return ParseName(s, kAccountStatuses, "account status"); }
Result<OrderStatus> ParseOrderStatus(std::string_view s) { return ParseName(s, kOrderStatuses, "order status"); }
Result<AuthorizationStatus> ParseAuthorizationStatus(std::string_view s) {
  return ParseName(s, kAuthorizationStatuses, "authorization status");
}
Result<ChallengeStatus> ParseChallengeStatus(std::string_view s) {
  return ParseName(s, kChallengeStatuses, "challenge status");
}
std::string_view ChallengeTypeName(ChallengeType t) { return NameOf(t, kChallengeTypes); }
Result<ChallengeType> ParseChallengeType(std::string_view s) { return ParseName(s, kChallengeTypes, "challenge type"); }

bool IsValidRevocationReason(int code) { return code >= 0 && code <= 10 && code != 7; }

bool IsSubscriberRevocationReason(int code) { return code == 0 || code == 1 || (code >= 3 && code <= 5); }

std::string KeyAuthorization(std::string_view token, std::string_view thumbprint_b64) {
  std::string out(token);
  out += '.';
  out += thumbprint_b64;
  return out;
}

}  // namespace anvil::acme
