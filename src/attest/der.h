// A strict DER (X.690) reader for the certificate extensions attestation carries: Android's KeyDescription
// (whose AuthorizationList uses high tag numbers such as [702]), subjectAltName entries (otherName,
// directoryName), Apple's and Yubico's extensions. Only what DER allows is accepted: definite lengths in
// their minimal form, tag numbers below 31 in the low-tag form and larger ones minimally in the high-tag form
// (X.690 §8.1.2, §10.1). Everything else is Code::kMalformed with a message.
//
// Views returned point into the caller's input, which must outlive them. All functions are pure; DerReader
// is a cursor owned by one thread at a time (thread-compatible).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::attest {

// The identifier octets' class bits (X.690 §8.1.2.2), as 0..3.
inline constexpr uint8_t kDerUniversal = 0, kDerApplication = 1, kDerContext = 2, kDerPrivate = 3;

// Universal tag numbers used here (X.680 §8.4).
inline constexpr uint32_t kDerBoolean = 1, kDerInteger = 2, kDerBitString = 3, kDerOctetString = 4,
                          kDerNull = 5, kDerOid = 6, kDerUtf8String = 12, kDerEnumerated = 10,
                          kDerSequence = 16, kDerSet = 17, kDerPrintableString = 19, kDerIa5String = 22;

struct DerTlv {
  uint8_t cls = kDerUniversal;
  bool constructed = false;
  uint32_t tag = 0;
  std::string_view content;  // the value octets
  std::string_view whole;    // identifier, length and value octets
};

class DerReader {
 public:
  explicit DerReader(std::string_view in) : in_(in) {}

  bool empty() const { return in_.empty(); }
  // Reads the next element. kMalformed if the input does not start with a well-formed DER element.
  Result<DerTlv> Next();
  // The next element without consuming it.
  Result<DerTlv> Peek() const;
  // Next(), which must have the given class, form and tag: kMalformed "expected ..." otherwise.
  Result<DerTlv> Expect(uint8_t cls, bool constructed, uint32_t tag);
  // True when the next element is well formed and has the given class, form and tag (for OPTIONAL fields).
  bool NextIs(uint8_t cls, bool constructed, uint32_t tag) const;
  // kMalformed "<what>: trailing data" unless the input is consumed.
  Status ExpectEnd(std::string_view what) const;

 private:
  std::string_view in_;
};

// Reads `der` as exactly one element (no trailing bytes).
Result<DerTlv> ParseDer(std::string_view der);

// A universal INTEGER (tag 2) whose minimal two's-complement content fits int64.
Result<int64_t> DerInteger(const DerTlv& tlv);
// A universal ENUMERATED (tag 10), read like an INTEGER.
Result<int64_t> DerEnumerated(const DerTlv& tlv);
// A universal BOOLEAN (tag 1): DER allows only 0x00 and 0xFF.
Result<bool> DerBoolean(const DerTlv& tlv);
// A universal OBJECT IDENTIFIER (tag 6) as dotted text, e.g. "1.2.840.113635.100.8.11.1". Arcs must fit
// uint64 and be minimally encoded.
Result<std::string> DerOid(const DerTlv& tlv);
// The content octets of the OBJECT IDENTIFIER `dotted` (at least two arcs, first 0..2, second ≤ 39 under 0
// and 1); kInvalidArgument otherwise.
Result<std::string> EncodeOid(std::string_view dotted);

}  // namespace anvil::attest
