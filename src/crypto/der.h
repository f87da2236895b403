// Internal to crypto/: the few DER (X.690) primitives Anvil writes and reads itself, where going through
// OpenSSL 3's encoders and decoders would cost a provider walk per call (docs/performance.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anvil::crypto::internal {

// Definite-form length octets (X.690 §8.1.3).
std::string DerLength(size_t len);
// tag || length || content.
std::string DerTlv(unsigned char tag, std::string_view content);
// An INTEGER holding the unsigned big-endian `magnitude` (leading zeros dropped, a 0x00 added when the top
// bit is set, so it stays positive).
std::string DerUnsignedInteger(std::string_view magnitude);

struct DerElement {
  unsigned char tag;
  std::string_view content;
};
// Reads one element with a single-octet tag and a minimal definite length from the front of `in` and
// advances `in` past it; nullopt when `in` does not start with a well-formed element.
std::optional<DerElement> ReadDer(std::string_view& in);
// ReadDer of an element that must have `tag`: its content, and in `whole` (if given) its entire encoding, tag
// and length included (what a signature covers). nullopt, with `in` unspecified, otherwise.
std::optional<std::string_view> ReadDerOf(std::string_view& in, unsigned char tag,
                                          std::string_view* whole = nullptr);

}  // namespace anvil::crypto::internal
