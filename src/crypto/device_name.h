// Device identities in a subjectAltName (draft-ietf-acme-device-attest-09 §3.2, §4.2): the otherName forms
// PermanentIdentifier (RFC 4043, id-on-permanentIdentifier 1.3.6.1.5.5.7.8.3) and HardwareModuleName
// (RFC 4108, id-on-hardwareModuleName 1.3.6.1.5.5.7.8.4), as certificates, CSRs and attestation evidence carry
// them. A plain value type; thread-compatible.
#pragma once

#include <string>

namespace anvil::crypto {

inline constexpr char kPermanentIdentifierOid[] = "1.3.6.1.5.5.7.8.3";
inline constexpr char kHardwareModuleNameOid[] = "1.3.6.1.5.5.7.8.4";

struct DeviceName {
  enum class Kind { kPermanentIdentifier, kHardwareModule };
  Kind kind = Kind::kPermanentIdentifier;
  // PermanentIdentifier: identifierValue (a UTF8String's octets). HardwareModuleName: hwSerialNum (an OCTET
  // STRING's octets).
  std::string value{};
  // PermanentIdentifier: assigner, dotted decimal, "" when absent. HardwareModuleName: hwType, dotted decimal.
  std::string oid{};
  bool operator==(const DeviceName&) const = default;
};

}  // namespace anvil::crypto
