// The certificate identifier of ACME Renewal Information (RFC 9773 §4.1): base64url(AKI keyIdentifier) "."
// base64url(serial number DER INTEGER contents). It names a certificate in a renewalInfo URL and in a new
// order's "replaces". Pure functions; thread-safe.
#pragma once

#include <string>
#include <utility>

#include "base/status.h"

namespace anvil::acme {

// `serial_hex` is a serial as this CA writes it (hex digits, as crypto::Certificate::serial_hex()).
std::string CertificateId(const std::string& authority_key_id, const std::string& serial_hex);
// Parses a certificate ID into (authority key id raw, serial hex: lowercase, no leading zeros, "0" for zero).
// kMalformed otherwise.
Result<std::pair<std::string, std::string>> ParseCertificateId(const std::string& cert_id);

}  // namespace anvil::acme
