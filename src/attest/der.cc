// Strict DER reader (der.h). Pure functions; thread-safe.
#include "attest/der.h"

#include <limits>
#include <vector>

namespace anvil::attest {
namespace {

Status Malformed(std::string_view why) { return Error(Code::kMalformed, "DER: " + std::string(why)); }

std::string Describe(uint8_t cls, bool constructed, uint32_t tag) {
  static constexpr std::string_view kClass[] = {"universal", "application", "context", "private"};
  return std::string(kClass[cls & 3]) + " " + (constructed ? "constructed" : "primitive") + " tag " +
         std::to_string(tag);
}

// Reads one element from the front of `in` (X.690 §8.1, with §10.1's DER restrictions on lengths).
Result<DerTlv> ReadOne(std::string_view in) {
  if (in.empty()) return Malformed("unexpected end of input");
  size_t pos = 0;
  const auto first = static_cast<uint8_t>(in[pos++]);
  DerTlv tlv;
  tlv.cls = first >> 6;
  tlv.constructed = (first & 0x20) != 0;
  tlv.tag = first & 0x1F;
  if (tlv.tag == 0x1F) {  // high-tag-number form (§8.1.2.4)
    uint64_t tag = 0;
    for (size_t n = 0;; ++n) {
      if (pos >= in.size()) return Malformed("truncated tag");
      const auto b = static_cast<uint8_t>(in[pos++]);
      if (n == 0 && b == 0x80) return Malformed("tag number not in its minimal form");
      tag = (tag << 7) | (b & 0x7F);
      if (tag > std::numeric_limits<uint32_t>::max()) return Malformed("tag number too large");
      if ((b & 0x80) == 0) break;
    }
    if (tag < 31) return Malformed("tag number below 31 in the high-tag form");
    tlv.tag = uint32_t(tag);
  }
  if (pos >= in.size()) return Malformed("truncated length");
  const auto len0 = static_cast<uint8_t>(in[pos++]);
  size_t len = len0;
  if (len0 == 0x80) return Malformed("indefinite length");
  if (len0 > 0x80) {
    const size_t n = len0 & 0x7F;
    if (n > 4) return Malformed("length too large");
    if (in.size() - pos < n) return Malformed("truncated length");
    if (static_cast<uint8_t>(in[pos]) == 0) return Malformed("length not in its minimal form");
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>(in[pos++]);
    if (len < 0x80) return Malformed("length not in its minimal form");
  }
  if (in.size() - pos < len) return Malformed("length beyond the input");
  tlv.content = in.substr(pos, len);
  tlv.whole = in.substr(0, pos + len);
  return tlv;
}

Status CheckUniversal(const DerTlv& tlv, uint32_t tag, std::string_view name) {
  if (tlv.cls != kDerUniversal || tlv.constructed || tlv.tag != tag) {
    return Malformed("expected " + std::string(name) + ", got " +
                     Describe(tlv.cls, tlv.constructed, tlv.tag));
  }
  return Status::Ok();
}

// Two's-complement content of an INTEGER or ENUMERATED (X.690 §8.3): minimal, at most 8 octets.
Result<int64_t> SignedContent(std::string_view c, std::string_view name) {
  if (c.empty()) return Malformed(std::string(name) + " with no content");
  if (c.size() > 1) {
    const auto b0 = static_cast<uint8_t>(c[0]), b1 = static_cast<uint8_t>(c[1]);
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xFF && (b1 & 0x80) != 0)) {
      return Malformed(std::string(name) + " not in its minimal form");
    }
  }
  if (c.size() > 8) return Malformed(std::string(name) + " does not fit 64 bits");
  uint64_t v = (static_cast<uint8_t>(c[0]) & 0x80) ? ~uint64_t(0) : 0;
  for (char ch : c) v = (v << 8) | static_cast<uint8_t>(ch);
  return static_cast<int64_t>(v);
}

// Parses a decimal arc without sign or leading zeros.
bool ParseArc(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = uint64_t(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

void Base128(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  do {
    buf[n++] = static_cast<char>(v & 0x7F);
    v >>= 7;
  } while (v != 0);
  while (n-- > 0) out.push_back(static_cast<char>(buf[n] | (n > 0 ? 0x80 : 0)));
}

}  // namespace

Result<DerTlv> DerReader::Next() {
  ANVIL_ASSIGN_OR_RETURN(DerTlv tlv, ReadOne(in_));
  in_.remove_prefix(tlv.whole.size());
  return tlv;
}

Result<DerTlv> DerReader::Peek() const { return ReadOne(in_); }

Result<DerTlv> DerReader::Expect(uint8_t cls, bool constructed, uint32_t tag) {
  ANVIL_ASSIGN_OR_RETURN(DerTlv tlv, ReadOne(in_));
  if (tlv.cls != cls || tlv.constructed != constructed || tlv.tag != tag) {
    return Malformed("expected " + Describe(cls, constructed, tag) + ", got " +
                     Describe(tlv.cls, tlv.constructed, tlv.tag));
  }
  in_.remove_prefix(tlv.whole.size());
  return tlv;
}

bool DerReader::NextIs(uint8_t cls, bool constructed, uint32_t tag) const {
  auto tlv = ReadOne(in_);
  return tlv.ok() && tlv->cls == cls && tlv->constructed == constructed && tlv->tag == tag;
}

Status DerReader::ExpectEnd(std::string_view what) const {
  if (!in_.empty()) return Malformed(std::string(what) + ": trailing data");
  return Status::Ok();
}

Result<DerTlv> ParseDer(std::string_view der) {
  DerReader reader(der);
  ANVIL_ASSIGN_OR_RETURN(DerTlv tlv, reader.Next());
  ANVIL_RETURN_IF_ERROR(reader.ExpectEnd("element"));
  return tlv;
}

Result<int64_t> DerInteger(const DerTlv& tlv) {
  ANVIL_RETURN_IF_ERROR(CheckUniversal(tlv, kDerInteger, "INTEGER"));
  return SignedContent(tlv.content, "INTEGER");
}

Result<int64_t> DerEnumerated(const DerTlv& tlv) {
  ANVIL_RETURN_IF_ERROR(CheckUniversal(tlv, kDerEnumerated, "ENUMERATED"));
  return SignedContent(tlv.content, "ENUMERATED");
}

Result<bool> DerBoolean(const DerTlv& tlv) {
  ANVIL_RETURN_IF_ERROR(CheckUniversal(tlv, kDerBoolean, "BOOLEAN"));
  if (tlv.content == std::string_view("\x00", 1)) return false;
  if (tlv.content == "\xff") return true;
  return Malformed("BOOLEAN other than 0x00 or 0xFF");  // X.690 §11.1
}

Result<std::string> DerOid(const DerTlv& tlv) {
  ANVIL_RETURN_IF_ERROR(CheckUniversal(tlv, kDerOid, "OBJECT IDENTIFIER"));
  const std::string_view c = tlv.content;
  if (c.empty()) return Malformed("OBJECT IDENTIFIER with no content");
  std::string out;
  size_t i = 0;
  bool first = true;
  while (i < c.size()) {
    if (static_cast<uint8_t>(c[i]) == 0x80) return Malformed("OBJECT IDENTIFIER arc not in its minimal form");
    uint64_t v = 0;
    while (true) {
      if (i >= c.size()) return Malformed("truncated OBJECT IDENTIFIER");
      const auto b = static_cast<uint8_t>(c[i++]);
      if (v > (std::numeric_limits<uint64_t>::max() >> 7))
        return Malformed("OBJECT IDENTIFIER arc too large");
      v = (v << 7) | (b & 0x7F);
      if ((b & 0x80) == 0) break;
    }
    if (first) {  // X.690 §8.19.4: the first subidentifier is X * 40 + Y
      const uint64_t x = v < 40 ? 0 : v < 80 ? 1 : 2;
      out = std::to_string(x) + "." + std::to_string(v - 40 * x);
      first = false;
    } else {
      out += "." + std::to_string(v);
    }
  }
  return out;
}

Result<std::string> EncodeOid(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    uint64_t arc = 0;
    if (!ParseArc(dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start),
                  arc)) {
      return Error(Code::kInvalidArgument,
                   "\"" + std::string(dotted.substr(0, 64)) + "\" is not a dotted OID");
    }
    arcs.push_back(arc);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) ||
      arcs[1] > std::numeric_limits<uint64_t>::max() - 80) {
    return Error(Code::kInvalidArgument, "\"" + std::string(dotted.substr(0, 64)) + "\" is not a valid OID");
  }
  std::string out;
  Base128(out, arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) Base128(out, arcs[i]);
  return out;
}

}  // namespace anvil::attest
