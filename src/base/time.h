// Time: the injected Clock (real and fake) and RFC 3339 formatting/parsing (RFC 8555 uses RFC 3339 UTC).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

// Clock interface; implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock for tests that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void Advance(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<TimePoint::duration>(d).count();
  }
  void Set(TimePoint t) { now_ = t.time_since_epoch().count(); }

 private:
  std::atomic<TimePoint::duration::rep> now_;
};

// "2026-11-22T19:47:18Z" (seconds precision, UTC).
std::string FormatRfc3339(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)"; 't'/'z' lowercase allowed per RFC 3339 §5.6.
Result<TimePoint> ParseRfc3339(std::string_view text);

// Seconds since the Unix epoch, and back.
int64_t ToUnixSeconds(TimePoint t);
TimePoint FromUnixSeconds(int64_t s);

}  // namespace anvil
