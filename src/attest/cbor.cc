// CBOR decoder and encoder (cbor.h). Pure functions; thread-safe.
#include "attest/cbor.h"

#include <limits>
#include <set>

namespace anvil::attest {
namespace {

// RFC 8949 §3.1 major types.
constexpr uint8_t kMajorUnsigned = 0, kMajorNegative = 1, kMajorBytes = 2, kMajorText = 3, kMajorArray = 4,
                  kMajorMap = 5, kMajorTag = 6, kMajorSimple = 7;
// §3.3 simple values.
constexpr uint8_t kFalse = 20, kTrue = 21, kNull = 22;

Status Malformed(size_t offset, std::string_view why) {
  return Error(Code::kMalformed, "CBOR at offset " + std::to_string(offset) + ": " + std::string(why));
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  Result<CborValue> Item(size_t depth) {
    const size_t start = pos_;
    if (pos_ >= in_.size()) return Malformed(pos_, "unexpected end of input");
    const auto initial = static_cast<uint8_t>(in_[pos_++]);
    const uint8_t major = initial >> 5;
    const uint8_t info = initial & 0x1F;
    if (major == kMajorTag) return Malformed(start, "tags are not accepted");
    if (major == kMajorSimple) return Simple(start, info);
    if (info == 31) return Malformed(start, "indefinite lengths are not accepted");
    ANVIL_ASSIGN_OR_RETURN(const uint64_t arg, Argument(start, info));
    const size_t remaining = in_.size() - pos_;
    switch (major) {
      case kMajorUnsigned:
        return CborValue::Unsigned(arg);
      case kMajorNegative:
        if (arg > uint64_t(std::numeric_limits<int64_t>::max())) {
          return Malformed(start, "negative integer below -2^63");
        }
        return CborValue::Int(-1 - int64_t(arg));
      case kMajorBytes:
      case kMajorText: {
        if (arg > remaining) return Malformed(start, "string length beyond the input");
        std::string data(in_.substr(pos_, size_t(arg)));
        pos_ += size_t(arg);
        if (major == kMajorBytes) return CborValue::Bytes(std::move(data));
        if (!IsUtf8(data)) return Malformed(start, "text string is not valid UTF-8");
        return CborValue::Text(std::move(data));
      }
      case kMajorArray: {
        if (depth >= kMaxCborDepth) return Malformed(start, "nesting deeper than 16");
        if (arg > remaining) return Malformed(start, "array length beyond the input");  // ≥ 1 byte per item
        CborValue::Array items;
        items.reserve(size_t(arg));
        for (uint64_t i = 0; i < arg; ++i) {
          ANVIL_ASSIGN_OR_RETURN(CborValue item, Item(depth + 1));
          items.push_back(std::move(item));
        }
        return CborValue::FromArray(std::move(items));
      }
      default: {  // kMajorMap
        if (depth >= kMaxCborDepth) return Malformed(start, "nesting deeper than 16");
        if (arg > remaining / 2)
          return Malformed(start, "map length beyond the input");  // ≥ 2 bytes per entry
        CborValue::Map entries;
        entries.reserve(size_t(arg));
        // Canonical heads make every value's encoding unique, so equal keys are equal byte ranges.
        std::set<std::string_view> keys;
        for (uint64_t i = 0; i < arg; ++i) {
          const size_t key_start = pos_;
          ANVIL_ASSIGN_OR_RETURN(CborValue key, Item(depth + 1));
          if (!keys.insert(in_.substr(key_start, pos_ - key_start)).second) {
            return Malformed(key_start, "duplicate map key");
          }
          ANVIL_ASSIGN_OR_RETURN(CborValue value, Item(depth + 1));
          entries.emplace_back(std::move(key), std::move(value));
        }
        return CborValue::FromMap(std::move(entries));
      }
    }
  }

  bool at_end() const { return pos_ == in_.size(); }
  size_t pos() const { return pos_; }

 private:
  // The head's argument (§3), refusing any that has a shorter encoding (§4.2.1).
  Result<uint64_t> Argument(size_t start, uint8_t info) {
    if (info < 24) return uint64_t(info);
    if (info > 27) return Malformed(start, "reserved additional information");
    const size_t len = size_t(1) << (info - 24);  // 1, 2, 4 or 8
    if (in_.size() - pos_ < len) return Malformed(start, "unexpected end of input in a head");
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = (v << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += len;
    static constexpr uint64_t kMinimum[] = {24, 0x100, 0x10000, 0x100000000};
    if (v < kMinimum[info - 24]) return Malformed(start, "argument not in its shortest form");
    return v;
  }

  Result<CborValue> Simple(size_t start, uint8_t info) {
    switch (info) {
      case kFalse:
        return CborValue::Bool(false);
      case kTrue:
        return CborValue::Bool(true);
      case kNull:
        return CborValue::Null();
      case 25:
      case 26:
      case 27:
        return Malformed(start, "floating-point values are not accepted");
      case 31:
        return Malformed(start, "indefinite lengths are not accepted");
      default:
        return Malformed(start, "simple value " + std::to_string(info) + " is not accepted");
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
};

void Head(std::string& out, uint8_t major, uint64_t arg) {
  const auto m = static_cast<uint8_t>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<char>(m | arg));
    return;
  }
  size_t len = 8;
  uint8_t info = 27;
  if (arg <= 0xFF) {
    len = 1, info = 24;
  } else if (arg <= 0xFFFF) {
    len = 2, info = 25;
  } else if (arg <= 0xFFFFFFFF) {
    len = 4, info = 26;
  }
  out.push_back(static_cast<char>(m | info));
  for (size_t i = len; i-- > 0;) out.push_back(static_cast<char>((arg >> (8 * i)) & 0xFF));
}

void Encode(std::string& out, const CborValue& v) {
  switch (v.kind()) {
    case CborValue::Kind::kUnsigned:
      Head(out, kMajorUnsigned, *v.AsUnsigned(""));
      return;
    case CborValue::Kind::kNegative:
      Head(out, kMajorNegative, uint64_t(-1 - *v.AsInt("")));
      return;
    case CborValue::Kind::kBytes:
    case CborValue::Kind::kText: {
      const bool bytes = v.kind() == CborValue::Kind::kBytes;
      const std::string data = bytes ? *v.AsBytes("") : *v.AsText("");
      Head(out, bytes ? kMajorBytes : kMajorText, data.size());
      out += data;
      return;
    }
    case CborValue::Kind::kArray: {
      const CborValue::Array& items = **v.AsArray("");
      Head(out, kMajorArray, items.size());
      for (const CborValue& item : items) Encode(out, item);
      return;
    }
    case CborValue::Kind::kMap: {
      const CborValue::Map& entries = **v.AsMap("");
      Head(out, kMajorMap, entries.size());
      for (const auto& [key, value] : entries) {
        Encode(out, key);
        Encode(out, value);
      }
      return;
    }
    case CborValue::Kind::kBool:
      out.push_back(static_cast<char>(0xE0 | (*v.AsBool("") ? kTrue : kFalse)));
      return;
    case CborValue::Kind::kNull:
      out.push_back(static_cast<char>(0xE0 | kNull));
      return;
  }
}

Status Expected(std::string_view what, std::string_view kind) {
  return Error(Code::kMalformed, std::string(what) + ": expected " + std::string(kind));
}

}  // namespace

CborValue CborValue::Unsigned(uint64_t v) { return CborValue(Storage(v)); }
CborValue CborValue::Int(int64_t v) {
  if (v >= 0) return Unsigned(uint64_t(v));
  return CborValue(Storage(NegativeInt{v}));
}
CborValue CborValue::Bytes(std::string bytes) { return CborValue(Storage(ByteString{std::move(bytes)})); }
CborValue CborValue::Text(std::string text) { return CborValue(Storage(TextString{std::move(text)})); }
CborValue CborValue::FromArray(Array items) { return CborValue(Storage(std::move(items))); }
CborValue CborValue::FromMap(Map entries) { return CborValue(Storage(std::move(entries))); }
CborValue CborValue::Bool(bool v) { return CborValue(Storage(v)); }
CborValue CborValue::Null() { return CborValue(); }

CborValue::Kind CborValue::kind() const {
  switch (v_.index()) {
    case 0:
      return Kind::kNull;
    case 1:
      return Kind::kBool;
    case 2:
      return Kind::kUnsigned;
    case 3:
      return Kind::kNegative;
    case 4:
      return Kind::kBytes;
    case 5:
      return Kind::kText;
    case 6:
      return Kind::kArray;
    default:
      return Kind::kMap;
  }
}

Result<uint64_t> CborValue::AsUnsigned(std::string_view what) const {
  if (const auto* v = std::get_if<uint64_t>(&v_)) return *v;
  return Expected(what, "an unsigned integer");
}

Result<int64_t> CborValue::AsInt(std::string_view what) const {
  if (const auto* v = std::get_if<NegativeInt>(&v_)) return v->value;
  if (const auto* v = std::get_if<uint64_t>(&v_)) {
    if (*v <= uint64_t(std::numeric_limits<int64_t>::max())) return int64_t(*v);
    return Error(Code::kMalformed, std::string(what) + ": integer out of range");
  }
  return Expected(what, "an integer");
}

Result<std::string> CborValue::AsBytes(std::string_view what) const {
  if (const auto* v = std::get_if<ByteString>(&v_)) return v->data;
  return Expected(what, "a byte string");
}

Result<std::string> CborValue::AsText(std::string_view what) const {
  if (const auto* v = std::get_if<TextString>(&v_)) return v->data;
  return Expected(what, "a text string");
}

Result<bool> CborValue::AsBool(std::string_view what) const {
  if (const auto* v = std::get_if<bool>(&v_)) return *v;
  return Expected(what, "a boolean");
}

Result<const CborValue::Array*> CborValue::AsArray(std::string_view what) const {
  if (const auto* v = std::get_if<Array>(&v_)) return v;
  return Expected(what, "an array");
}

Result<const CborValue::Map*> CborValue::AsMap(std::string_view what) const {
  if (const auto* v = std::get_if<Map>(&v_)) return v;
  return Expected(what, "a map");
}

const CborValue* CborValue::Find(std::string_view text_key) const {
  const auto* entries = std::get_if<Map>(&v_);
  if (entries == nullptr) return nullptr;
  for (const auto& [key, value] : *entries) {
    const auto* text = std::get_if<TextString>(&key.v_);
    if (text != nullptr && text->data == text_key) return &value;
  }
  return nullptr;
}

bool CborValue::operator==(const CborValue& other) const { return v_ == other.v_; }

Result<CborValue> DecodeCbor(std::string_view bytes) {
  if (bytes.size() > kMaxCborInput) {
    return Error(Code::kMalformed, "CBOR input larger than " + std::to_string(kMaxCborInput) + " bytes");
  }
  Decoder decoder(bytes);
  ANVIL_ASSIGN_OR_RETURN(CborValue value, decoder.Item(0));
  if (!decoder.at_end()) return Malformed(decoder.pos(), "trailing bytes after the data item");
  return value;
}

std::string EncodeCbor(const CborValue& value) {
  std::string out;
  Encode(out, value);
  return out;
}

}  // namespace anvil::attest
