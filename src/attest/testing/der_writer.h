// Test-only DER writer: builds the certificate extensions the crypto builder cannot (a subjectAltName with
// directoryName and otherName entries, Android's KeyDescription, Apple's and Yubico's extensions) and
// malformed encodings for the reader's tests. Inline pure functions; thread-safe. Never linked into a
// library.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "attest/der.h"

namespace anvil::attest::testing {

// Definite length octets in the minimal form (X.690 §8.1.3, §10.1).
inline std::string DerLength(size_t len) {
  if (len < 0x80) return std::string(1, static_cast<char>(len));
  std::string bytes;
  for (size_t v = len; v != 0; v >>= 8) bytes.insert(bytes.begin(), static_cast<char>(v & 0xFF));
  return static_cast<char>(0x80 | bytes.size()) + bytes;
}

// Identifier octets (low- or high-tag-number form) || length || content.
inline std::string Tlv(uint8_t cls, bool constructed, uint32_t tag, std::string_view content) {
  std::string out;
  const auto first = static_cast<uint8_t>((cls << 6) | (constructed ? 0x20 : 0));
  if (tag < 31) {
    out.push_back(static_cast<char>(first | tag));
  } else {
    out.push_back(static_cast<char>(first | 0x1F));
    std::string digits;
    for (uint32_t v = tag; v != 0; v >>= 7) {
      digits.insert(digits.begin(), static_cast<char>((v & 0x7F) | (digits.empty() ? 0 : 0x80)));
    }
    out += digits;
  }
  return out + DerLength(content.size()) + std::string(content);
}

inline std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

inline std::string Seq(std::initializer_list<std::string_view> items) {
  return Tlv(kDerUniversal, true, kDerSequence, Concat(items));
}
inline std::string Set(std::initializer_list<std::string_view> items) {
  return Tlv(kDerUniversal, true, kDerSet, Concat(items));
}
// Minimal two's complement.
inline std::string Integer(int64_t v) {
  std::string bytes;
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) bytes.insert(bytes.begin(), static_cast<char>((u >> (8 * i)) & 0xFF));
  while (bytes.size() > 1 && ((bytes[0] == 0 && !(bytes[1] & 0x80)) ||
                              (static_cast<uint8_t>(bytes[0]) == 0xFF && (bytes[1] & 0x80)))) {
    bytes.erase(bytes.begin());
  }
  return Tlv(kDerUniversal, false, kDerInteger, bytes);
}
inline std::string Enumerated(int64_t v) {
  std::string i = Integer(v);
  i[0] = static_cast<char>(kDerEnumerated);
  return i;
}
inline std::string Boolean(bool v) {
  return Tlv(kDerUniversal, false, kDerBoolean, v ? "\xff" : std::string(1, '\0'));
}
inline std::string Null() { return Tlv(kDerUniversal, false, kDerNull, ""); }
inline std::string OctetString(std::string_view v) { return Tlv(kDerUniversal, false, kDerOctetString, v); }
inline std::string Utf8String(std::string_view v) { return Tlv(kDerUniversal, false, kDerUtf8String, v); }
inline std::string PrintableString(std::string_view v) {
  return Tlv(kDerUniversal, false, kDerPrintableString, v);
}
// An OBJECT IDENTIFIER; `dotted` must be valid (an invalid one gives an empty content).
inline std::string Oid(std::string_view dotted) {
  auto content = EncodeOid(dotted);
  return Tlv(kDerUniversal, false, kDerOid, content.ok() ? *content : "");
}
// [tag] EXPLICIT: context-specific, constructed, around complete elements.
inline std::string Explicit(uint32_t tag, std::initializer_list<std::string_view> items) {
  return Tlv(kDerContext, true, tag, Concat(items));
}

// X.509 pieces for subjectAltName (RFC 5280 §4.2.1.6).
// An AttributeTypeAndValue in its own RDN (a SET of one).
inline std::string Rdn(std::string_view oid, std::string_view utf8_value) {
  return Set({Seq({Oid(oid), Utf8String(utf8_value)})});
}
// directoryName [4] EXPLICIT Name, the Name being a SEQUENCE of `rdns`.
inline std::string DirectoryName(std::initializer_list<std::string_view> rdns) {
  return Explicit(4, {Tlv(kDerUniversal, true, kDerSequence, Concat(rdns))});
}
// otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }.
inline std::string OtherName(std::string_view type_oid, std::string_view value_der) {
  return Tlv(kDerContext, true, 0, Oid(type_oid) + Explicit(0, {value_der}));
}
// PermanentIdentifier (RFC 4043 §3) as an otherName; an empty `assigner` is left out.
inline std::string PermanentIdentifierName(std::string_view value, std::string_view assigner = "") {
  std::string seq = Utf8String(value);
  if (!assigner.empty()) seq += Oid(assigner);
  return OtherName("1.3.6.1.5.5.7.8.3", Tlv(kDerUniversal, true, kDerSequence, seq));
}
// HardwareModuleName (RFC 4108 §5) as an otherName.
inline std::string HardwareModuleName(std::string_view hw_type, std::string_view serial) {
  return OtherName("1.3.6.1.5.5.7.8.4", Seq({Oid(hw_type), OctetString(serial)}));
}
// dNSName [2] IMPLICIT IA5String.
inline std::string DnsName(std::string_view name) { return Tlv(kDerContext, false, 2, name); }
// GeneralNames: the subjectAltName extension's extnValue content.
inline std::string GeneralNames(std::initializer_list<std::string_view> names) { return Seq(names); }

}  // namespace anvil::attest::testing
