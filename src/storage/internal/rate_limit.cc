#include "storage/internal/rate_limit.h"

#include <algorithm>
#include <string>

namespace anvil::storage::internal {
namespace {

// "300 per 3h" with the period in its largest whole unit.
std::string Describe(const RateLimit& limit) {
  const int64_t s = limit.period.count();
  std::string period = s % 86400 == 0 ? std::to_string(s / 86400) + "d"
                       : s % 3600 == 0 ? std::to_string(s / 3600) + "h"
                       : s % 60 == 0   ? std::to_string(s / 60) + "m"
                                       : std::to_string(s) + "s";
  return std::to_string(limit.count) + " per " + period;
}

}  // namespace

int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<std::optional<int64_t>> DecideRateLimit(const RateLimit& limit, std::optional<int64_t> stored_tat_ms,
                                               TimePoint now) {
  if (limit.count < 1 || limit.period.count() < 1) {
    return Error(Code::kInvalidArgument, "rate limit " + limit.key + " needs a count and a period of at least 1");
  }
  const int64_t now_ms = ToUnixMillis(now);
  const int64_t period_ms = limit.period.count() * 1000;
  const int64_t interval_ms = std::max<int64_t>(1, period_ms / limit.count);
  const int64_t tat = std::max(stored_tat_ms.value_or(now_ms), now_ms);
  const int64_t next = tat + interval_ms;
  if (limit.mode == RateLimit::Mode::kRecord) return std::optional<int64_t>(std::min(next, now_ms + period_ms));
  if (next - now_ms <= period_ms) {
    if (limit.mode == RateLimit::Mode::kCheck) return std::optional<int64_t>();
    return std::optional<int64_t>(next);
  }
  const int64_t wait_ms = next - period_ms - now_ms;
  const int retry_after = static_cast<int>(std::max<int64_t>(1, (wait_ms + 999) / 1000));
  Status refused(Code::kRateLimited, "too many " + limit.what + " (at most " + Describe(limit) +
                                         "); retry after " + std::to_string(retry_after) + " s");
  refused.set_retry_after(retry_after);
  return refused;
}

}  // namespace anvil::storage::internal
