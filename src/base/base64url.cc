#include "base/base64url.h"

#include <array>
#include <cstdint>

namespace anvil {
namespace {

constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string EncodeWith(std::string_view in, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

std::array<int8_t, 256> MakeTable(const char* alphabet) {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[uint8_t(alphabet[i])] = int8_t(i);
  return t;
}

// Decodes symbols (no padding, no whitespace) from `in`; returns false on a bad symbol or length.
bool DecodeSymbols(std::string_view in, const std::array<int8_t, 256>& table, std::string* out) {
  if (in.size() % 4 == 1) return false;
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int8_t v = table[uint8_t(c)];
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(char((acc >> bits) & 0xff));
    }
  }
  // Non-canonical encodings (leftover bits set) are rejected so that each value has one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return false;
  return true;
}

}  // namespace

std::string base64url::Encode(std::string_view bytes) { return EncodeWith(bytes, kUrlAlphabet, false); }

Result<std::string> base64url::Decode(std::string_view text) {
  static const auto table = MakeTable(kUrlAlphabet);
  std::string out;
  if (!DecodeSymbols(text, table, &out)) return Error(Code::kMalformed, "invalid base64url");
  return out;
}

std::string base64::Encode(std::string_view bytes) { return EncodeWith(bytes, kStdAlphabet, true); }

Result<std::string> base64::Decode(std::string_view text) {
  static const auto table = MakeTable(kStdAlphabet);
  std::string symbols;
  symbols.reserve(text.size());
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return Error(Code::kMalformed, "invalid base64: data after padding");
    symbols.push_back(c);
  }
  if (padding > 2) return Error(Code::kMalformed, "invalid base64 padding");
  std::string out;
  if (!DecodeSymbols(symbols, table, &out)) return Error(Code::kMalformed, "invalid base64");
  return out;
}

}  // namespace anvil
