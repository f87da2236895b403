// The ACME protocol vocabulary shared by server and agent (RFC 8555 §7.1): identifiers, resource statuses and
// their names on the wire, challenge types, revocation reasons. Plain values; no I/O; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::acme {

// RFC 8555 §9.7.7 ("dns"), RFC 8738 ("ip"), and draft-ietf-acme-device-attest-09 §3-4 ("permanent-identifier",
// "hardware-module": a device's identity, validated only by device-attest-01).
enum class IdentifierType { kDns, kIp, kPermanentIdentifier, kHardwareModule };

// Device identifiers are validated by attestation (device-attest-01), never over the network.
inline bool IsDeviceIdentifierType(IdentifierType type) {
  return type == IdentifierType::kPermanentIdentifier || type == IdentifierType::kHardwareModule;
}

struct Identifier {
  IdentifierType type = IdentifierType::kDns;
  // dns: lowercase A-labels, may start with "*." ; ip: canonical text form (RFC 5952 for v6);
  // permanent-identifier: "VALUE" or "VALUE/ASSIGNER-OID"; hardware-module: "SERIAL/HWTYPE-OID" — exactly as
  // requested (the draft forbids any normalization: serials may be case-sensitive).
  std::string value;

  bool wildcard() const { return type == IdentifierType::kDns && value.starts_with("*."); }
  // The name an authorization is for: "*.example.com" → "example.com" (RFC 8555 §7.1.4).
  std::string authorization_value() const { return wildcard() ? value.substr(2) : value; }
  bool operator==(const Identifier&) const = default;
  auto operator<=>(const Identifier&) const = default;
};

std::string_view IdentifierTypeName(IdentifierType type);  // "dns" | "ip" | "permanent-identifier" | ...
// "dns:example.com", "ip:192.0.2.1": an identifier as logs, audit records and messages show it.
std::string IdentifierText(const Identifier& id);
Result<IdentifierType> ParseIdentifierType(std::string_view name);  // kUnsupportedIdentifier otherwise

// Normalizes and validates an identifier as a CA must before issuing for it (RFC 8555 §7.1.3/§9.7.7, RFC 8738 §3):
// dns: lowercased, trailing dot refused, labels LDH (A-labels only), ≤253 octets, ≤63 per label, at least two
// labels, a single leading "*." wildcard label allowed; ip: v4 dotted quad or v6, returned in canonical form.
// permanent-identifier and hardware-module: the draft's ABNF (§3.1, §4.1), checked and returned unchanged: valid
// UTF-8, a non-empty device part without "/", then "/" and a dotted-decimal OID (optional for
// permanent-identifier, required for hardware-module); ≤ 255 octets.
// Errors are kMalformed / kRejectedIdentifier with a message naming the identifier.
Result<Identifier> NormalizeIdentifier(IdentifierType type, std::string_view value);

// The two parts of a device identifier's value: "ABC/1.2.3" → {"ABC", "1.2.3"}; "ABC" → {"ABC", ""}. The
// value must already be valid (NormalizeIdentifier).
struct DeviceIdentifierParts {
  std::string serial;  // identifierValue / hwSerialNum
  std::string oid;     // assigner / hwType, dotted decimal; empty when a permanent-identifier has no assigner
};
DeviceIdentifierParts SplitDeviceIdentifier(std::string_view value);
// True when `oid` is the draft's dotted-decimal OBJECT IDENTIFIER (first arc 0-2, second ≤ 39 under 0 and 1, no
// leading zeros, at least two arcs).
bool IsDottedOid(std::string_view oid);

// §7.1.6 statuses.
enum class AccountStatus { kValid, kDeactivated, kRevoked };
enum class OrderStatus { kPending, kReady, kProcessing, kValid, kInvalid };
enum class AuthorizationStatus { kPending, kValid, kInvalid, kDeactivated, kExpired, kRevoked };
enum class ChallengeStatus { kPending, kProcessing, kValid, kInvalid };

std::string_view StatusName(AccountStatus s);
std::string_view StatusName(OrderStatus s);
std::string_view StatusName(AuthorizationStatus s);
std::string_view StatusName(ChallengeStatus s);
Result<AccountStatus> ParseAccountStatus(std::string_view s);
Result<OrderStatus> ParseOrderStatus(std::string_view s);
Result<AuthorizationStatus> ParseAuthorizationStatus(std::string_view s);
Result<ChallengeStatus> ParseChallengeStatus(std::string_view s);

enum class ChallengeType { kHttp01, kDns01, kTlsAlpn01, kDeviceAttest01 };
std::string_view ChallengeTypeName(ChallengeType t);  // "http-01" ...
Result<ChallengeType> ParseChallengeType(std::string_view s);

// RFC 5280 §5.3.1 CRLReason codes accepted by revokeCert (RFC 8555 §7.6): 0-6, 8-10 (7 is unused).
bool IsValidRevocationReason(int code);
// The reasons a subscriber may give when it revokes through ACME (RFC 8555 §7.6 lets a server disallow a subset
// of RFC 5280's): unspecified (0), keyCompromise (1), affiliationChanged (3), superseded (4),
// cessationOfOperation (5), as Boulder allows. cACompromise, certificateHold, removeFromCRL, privilegeWithdrawn
// and aACompromise are the CA's to state, not the subscriber's.
bool IsSubscriberRevocationReason(int code);

// The key authorization of §8.1: token || '.' || base64url(JWK thumbprint).
std::string KeyAuthorization(std::string_view token, std::string_view thumbprint_b64);

}  // namespace anvil::acme
