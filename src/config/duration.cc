// Durations as written in the configuration: "90d", "12h", "30m", "45s" or a combination such as "1h30m".

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/values.h"

namespace anvil::config {
namespace {

struct Unit {
  char suffix;
  int64_t seconds;
};

// Largest first: a combination must use each unit at most once, in this order ("1h30m", not "30m1h").
constexpr std::array<Unit, 4> kUnits{{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

// 12 digits of days still fit in int64 seconds (8.64e16 per component); the range check comes after.
constexpr size_t kMaxDigits = 12;

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  const auto invalid = [&] {
    return Error(Code::kInvalidArgument, "invalid duration " + internal::Quote(text));
  };
  const auto out_of_range = [&] {
    return Error(Code::kInvalidArgument, "duration " + internal::Quote(text) + " out of range (at most " +
                                             internal::FormatDuration(internal::kMaxDuration) + ")");
  };
  if (text.empty()) return invalid();
  int64_t total = 0;
  size_t next_unit = 0;  // index into kUnits of the smallest unit still allowed
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    int64_t number = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (i - start == kMaxDigits) {
        return out_of_range();
      }
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || i == text.size()) return invalid();  // no number, or a number without a unit
    const char suffix = text[i++];
    size_t u = next_unit;
    while (u < kUnits.size() && kUnits[u].suffix != suffix) ++u;
    if (u == kUnits.size()) return invalid();  // unknown, repeated or out-of-order unit
    next_unit = u + 1;
    total += number * kUnits[u].seconds;
  }
  if (total > internal::kMaxDuration.count()) {
    return out_of_range();
  }
  return std::chrono::seconds(total);
}

namespace internal {

std::string FormatDuration(std::chrono::seconds d) {
  int64_t rest = d.count();
  if (rest <= 0) return "0s";
  std::string out;
  for (const Unit& unit : kUnits) {
    if (rest >= unit.seconds) {
      out += std::to_string(rest / unit.seconds);
      out += unit.suffix;
      rest %= unit.seconds;
    }
  }
  return out;
}

}  // namespace internal
}  // namespace anvil::config
