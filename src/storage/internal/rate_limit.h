// The rate-limit arithmetic every backend shares (storage::RateLimit): the generic cell rate algorithm (GCRA,
// as Boulder's limiter) over one stored value per key, the theoretical arrival time (TAT) in Unix
// milliseconds. A limit of `count` per `period` has the emission interval T = period / count; an event at `now`
// is allowed when max(TAT, now) + T - now <= period, and then moves TAT there. A missing key, or a TAT in the
// past, is a full bucket. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage::internal {

// What one limit decides: the TAT to store (nullopt: store nothing), or kRateLimited naming the limit with
// retry_after set (whole seconds, at least 1). kInvalidArgument for a count or period below 1.
Result<std::optional<int64_t>> DecideRateLimit(const RateLimit& limit, std::optional<int64_t> stored_tat_ms,
                                               TimePoint now);

// Unix milliseconds of `t`.
int64_t ToUnixMillis(TimePoint t);

}  // namespace anvil::storage::internal
