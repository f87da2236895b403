#include "acme/certificate_id.h"

#include <string_view>

#include "base/base64url.h"

namespace anvil::acme {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;  // Not reached for the serials this CA writes (the precondition of CertificateId).
}

// Hex serial → big-endian bytes (an odd number of digits gets a leading zero).
std::string HexToBytes(std::string hex) {
  if (hex.size() % 2) hex.insert(hex.begin(), '0');
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out.push_back(char(HexValue(hex[i]) * 16 + HexValue(hex[i + 1])));
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0F]);
  }
  return out;
}

}  // namespace

std::string CertificateId(const std::string& authority_key_id, const std::string& serial_hex) {
  std::string serial = HexToBytes(serial_hex);
  // DER INTEGER contents: a leading zero octet when the top bit is set (RFC 9773 §4.1 uses the encoded
  // bytes).
  if (!serial.empty() && (static_cast<unsigned char>(serial[0]) & 0x80)) serial.insert(serial.begin(), '\0');
  return base64url::Encode(authority_key_id) + "." + base64url::Encode(serial);
}

Result<std::pair<std::string, std::string>> ParseCertificateId(const std::string& cert_id) {
  auto dot = cert_id.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= cert_id.size()) {
    return Error(Code::kMalformed, "certificate ID must be base64url(AKI).base64url(serial)");
  }
  auto aki = base64url::Decode(cert_id.substr(0, dot));
  auto serial = base64url::Decode(cert_id.substr(dot + 1));
  if (!aki.ok() || !serial.ok() || serial->empty() || serial->size() > 21) {
    return Error(Code::kMalformed, "certificate ID is not valid base64url");
  }
  // RFC 5280 §4.1.2.2: a serial is a positive INTEGER, so contents with the top bit set (a negative number)
  // name no certificate; refused, so that every ID this accepts is one CertificateId writes back.
  if (static_cast<unsigned char>((*serial)[0]) & 0x80) {
    return Error(Code::kMalformed, "certificate ID's serial is a negative integer");
  }
  std::string bytes = *serial;
  while (bytes.size() > 1 && bytes[0] == '\0') bytes.erase(bytes.begin());
  std::string hex = HexEncode(bytes);
  while (hex.size() > 1 && hex[0] == '0') hex.erase(hex.begin());
  return std::make_pair(*aki, hex);
}

}  // namespace anvil::acme
