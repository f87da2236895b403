// CBOR (RFC 8949): the strict subset a WebAuthn attestation object uses (WebAuthn Level 2 §6.5), decoded and
// encoded.
//
// Decoding accepts exactly one data item in its canonical form (RFC 8949 §4.2.1 "preferred" heads: every
// argument in its shortest encoding) and refuses everything an attestation object never needs: indefinite
// lengths, tags, floating-point and simple values other than false/true/null, negative integers below
// INT64_MIN, text that is not UTF-8, duplicate map keys, nesting deeper than kMaxCborDepth and inputs larger
// than kMaxCborInput. A length that claims more bytes or items than the input holds is refused before
// anything is allocated for it. Every refusal is Code::kMalformed with a message saying what was wrong and at
// which offset.
//
// Encoding writes definite lengths and shortest heads and keeps a map's entries in insertion order (CTAP2's
// key ordering is not applied), so Decode(Encode(v)) == v for every value built here.
//
// CborValue is a plain value; the functions are pure. Thread-compatible (const access from many threads is
// safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/strings.h"

namespace anvil::attest {

inline constexpr size_t kMaxCborDepth = 16;           // arrays and maps nested (the top item counts as 1)
inline constexpr size_t kMaxCborInput = 1024 * 1024;  // bytes

class CborValue {
 public:
  enum class Kind { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kBool, kNull };
  using Array = std::vector<CborValue>;
  using Map = std::vector<std::pair<CborValue, CborValue>>;

  CborValue() = default;  // null
  static CborValue Unsigned(uint64_t v);
  // Any int64: non-negative values become kUnsigned, negative ones kNegative.
  static CborValue Int(int64_t v);
  static CborValue Bytes(std::string bytes);
  static CborValue Text(std::string text);  // Encoded as given; the caller keeps it UTF-8.
  static CborValue FromArray(Array items);
  static CborValue FromMap(Map entries);
  static CborValue Bool(bool v);
  static CborValue Null();

  Kind kind() const;
  bool is_null() const { return kind() == Kind::kNull; }

  // Typed access. Each returns kMalformed "<what>: expected <kind>" when the value is of another kind; `what`
  // names the field for the message (e.g. "attStmt.sig").
  Result<uint64_t> AsUnsigned(std::string_view what) const;
  // An integer of either sign that fits int64 (an unsigned value above INT64_MAX is refused).
  Result<int64_t> AsInt(std::string_view what) const;
  Result<std::string> AsBytes(std::string_view what) const;
  Result<std::string> AsText(std::string_view what) const;
  Result<bool> AsBool(std::string_view what) const;
  // Pointers into this value: valid while it lives and is not modified.
  Result<const Array*> AsArray(std::string_view what) const;
  Result<const Map*> AsMap(std::string_view what) const;

  // The value of the entry whose key is the text string `text_key`; nullptr if absent or this is not a map.
  const CborValue* Find(std::string_view text_key) const;

  bool operator==(const CborValue& other) const;

 private:
  struct ByteString {
    std::string data;
    bool operator==(const ByteString&) const = default;
  };
  struct TextString {
    std::string data;
    bool operator==(const TextString&) const = default;
  };
  struct NegativeInt {
    int64_t value;  // < 0
    bool operator==(const NegativeInt&) const = default;
  };
  using Storage =
      std::variant<std::monostate, bool, uint64_t, NegativeInt, ByteString, TextString, Array, Map>;
  explicit CborValue(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

// What a text string must hold: RFC 3629 UTF-8 (base/strings.h).
using ::anvil::IsUtf8;

// Decodes exactly one data item; trailing bytes are refused. See the header comment for what is refused.
Result<CborValue> DecodeCbor(std::string_view bytes);
// Definite lengths, shortest heads, maps in insertion order.
std::string EncodeCbor(const CborValue& value);

}  // namespace anvil::attest
