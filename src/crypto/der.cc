#include "crypto/der.h"

namespace anvil::crypto::internal {

std::string DerLength(size_t len) {
  if (len < 0x80) return std::string(1, static_cast<char>(len));
  std::string bytes;
  for (; len > 0; len >>= 8) bytes.insert(bytes.begin(), static_cast<char>(len & 0xff));
  return static_cast<char>(0x80 | bytes.size()) + bytes;
}

std::string DerTlv(unsigned char tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  out += DerLength(content.size());
  out += content;
  return out;
}

std::string DerUnsignedInteger(std::string_view magnitude) {
  while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
  std::string content;
  if (magnitude.empty() || (static_cast<unsigned char>(magnitude.front()) & 0x80) != 0) content.push_back('\0');
  content += magnitude;
  return DerTlv(0x02, content);
}

std::optional<DerElement> ReadDer(std::string_view& in) {
  if (in.size() < 2) return std::nullopt;
  const auto tag = static_cast<unsigned char>(in[0]);
  if ((tag & 0x1f) == 0x1f) return std::nullopt;  // Multi-octet tags: never in what Anvil reads.
  size_t pos = 2;
  size_t len = static_cast<unsigned char>(in[1]);
  if (len == 0x80) return std::nullopt;  // Indefinite length is BER, not DER.
  if (len > 0x80) {
    const size_t octets = len & 0x7f;
    if (octets > sizeof(size_t) || in.size() < 2 + octets || in[2] == '\0') return std::nullopt;
    len = 0;
    for (size_t i = 0; i < octets; ++i) len = (len << 8) | static_cast<unsigned char>(in[2 + i]);
    if (len < 0x80) return std::nullopt;  // Not minimal.
    pos += octets;
  }
  if (in.size() - pos < len) return std::nullopt;
  DerElement element{tag, in.substr(pos, len)};
  in.remove_prefix(pos + len);
  return element;
}

std::optional<std::string_view> ReadDerOf(std::string_view& in, unsigned char tag, std::string_view* whole) {
  const std::string_view start = in;
  auto element = ReadDer(in);
  if (!element || element->tag != tag) return std::nullopt;
  if (whole != nullptr) *whole = start.substr(0, start.size() - in.size());
  return element->content;
}

}  // namespace anvil::crypto::internal
