#include "ra/limit_keys.h"

#include <arpa/inet.h>

#include <array>

namespace anvil::ra {

std::string ClientRange(const std::string& address) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1) return address;
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inet_ntop(AF_INET6, bytes.data(), text.data(), text.size()) == nullptr) return address;
  return std::string(text.data()) + "/64";
}

std::string RegisteredDomain(const acme::Identifier& identifier) {
  if (identifier.type == acme::IdentifierType::kIp) return identifier.value;
  // A device is its own "domain": the limit counts its certificates (a serial's dots are not labels).
  if (acme::IsDeviceIdentifierType(identifier.type)) return acme::IdentifierText(identifier);
  const std::string name = identifier.authorization_value();
  const size_t last = name.rfind('.');
  if (last == std::string::npos || last == 0) return name;
  const size_t before = name.rfind('.', last - 1);
  return before == std::string::npos ? name : name.substr(before + 1);
}

std::string FailedValidationsKey(const std::string& account_id, const acme::Identifier& identifier) {
  return "failed:" + account_id + ":" + std::string(acme::IdentifierTypeName(identifier.type)) + ":" +
         identifier.authorization_value();
}

}  // namespace anvil::ra
