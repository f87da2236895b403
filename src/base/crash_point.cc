#include "base/crash_point.h"

#ifdef ANVIL_TEST_HOOKS

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdlib>

namespace anvil::crash {
namespace {

// write(2) only: the process is about to die without flushing anything, and the line must reach the log.
void Say(std::string_view line) {
  std::string text = "anvil-ca: " + std::string(line) + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace

std::optional<CrashSpec> ParseCrashSpec(std::string_view text) {
  CrashSpec spec;
  std::string_view point = text.substr(0, text.find(':'));
  if (std::find(std::begin(kCrashPoints), std::end(kCrashPoints), point) == std::end(kCrashPoints)) {
    return std::nullopt;
  }
  spec.point = std::string(point);
  if (point.size() < text.size()) {
    std::string_view count = text.substr(point.size() + 1);
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), spec.hit);
    if (ec != std::errc() || end != count.data() + count.size() || spec.hit < 1 || spec.hit > 1000000) {
      return std::nullopt;
    }
  }
  return spec;
}

bool CrashCounter::Reached(std::string_view point) {
  if (point != spec_.point) return false;
  return hits_.fetch_add(1, std::memory_order_relaxed) + 1 == spec_.hit;
}

void Reached(std::string_view point) {
  if (std::find(std::begin(kCrashPoints), std::end(kCrashPoints), point) == std::end(kCrashPoints)) {
    Say("crash point \"" + std::string(point) + "\" is not listed in base/crash_point.h");
    ::_exit(2);
  }
  static CrashCounter* const counter = []() -> CrashCounter* {
    const char* value = std::getenv("ANVIL_CRASH_AT");
    if (value == nullptr || *value == '\0') return nullptr;
    std::optional<CrashSpec> spec = ParseCrashSpec(value);
    if (!spec) {
      Say("ANVIL_CRASH_AT=\"" + std::string(value) +
          "\" names no crash point (want NAME or NAME:N, NAME one of base/crash_point.h's)");
      ::_exit(2);
    }
    return new CrashCounter(std::move(*spec));  // never freed: a point may be reached during exit
  }();
  if (counter == nullptr || !counter->Reached(point)) return;
  Say("crash point " + std::string(point) + " reached (ANVIL_CRASH_AT); killing the process");
  std::raise(SIGKILL);
}

}  // namespace anvil::crash

#endif  // ANVIL_TEST_HOOKS
