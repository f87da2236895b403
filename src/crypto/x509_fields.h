// Internal to crypto/: the pieces certificates and CSRs share: subjectAltName GENERAL_NAMES built from and
// read into strings, IP address text, common names, ASN.1 times and a minimal DER walk.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/ossl_handles.h"

namespace anvil::crypto::internal {

// "192.0.2.1" → 4 bytes, "2001:db8::1" → 16 bytes (inet_pton: no zones, no leading zeros in v4).
// kInvalidArgument otherwise.
Result<std::string> IpTextToBytes(std::string_view text);
// 4 bytes → dotted quad; 16 bytes → RFC 5952 text; nullopt for any other length.
std::optional<std::string> IpBytesToText(std::string_view bytes);

// A GENERAL_NAME of type GEN_DNS, GEN_URI (IA5String) or GEN_IPADD (OCTET STRING) holding `bytes`.
Result<GeneralNamePtr> MakeGeneralName(int type, std::string_view bytes);

// GENERAL_NAMES with the dNSNames then the iPAddresses. kInvalidArgument for an empty or non-ASCII DNS name
// or an unparsable address.
Result<GeneralNamesPtr> BuildSan(const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses);

struct SanEntries {
  std::vector<std::string> dns_names, ip_addresses;
  std::vector<std::string> others;  // "email:...", "uri:...", "otherName", "dirName", ...
  bool bad_ip = false;              // An iPAddress of a length other than 4 or 16.
};
SanEntries ReadSan(const GENERAL_NAMES* names);

// The first commonName of `name` as UTF-8; "" if none.
std::string CommonName(const X509_NAME* name);
// RFC 2253 text of `name`.
std::string NameToRfc2253(const X509_NAME* name);

// UTCTime / GeneralizedTime → TimePoint (seconds precision).
TimePoint Asn1TimeToTimePoint(const ASN1_TIME* t);

// The complete TLV of the first element inside the DER SEQUENCE `der`; nullopt if `der` does not start
// with a well-formed definite-length SEQUENCE.
std::optional<std::string_view> FirstElementOfSequence(std::string_view der);

}  // namespace anvil::crypto::internal
