// The metrics listener's handler (docs/metrics.md): the registry's exposition at /metrics, liveness at /healthz
// and readiness at /readyz, over plain HTTP.
//
//   GET|HEAD /metrics   200, Registry::Render (text exposition format 0.0.4)
//   GET|HEAD /healthz   200 "ok": the process answers (nothing else is checked)
//   GET|HEAD /readyz    200 "ready" when every readiness check passes; otherwise 503 with one line per failing
//                       check, "NAME: message"
//
// Anything else is 404, another method 405 with Allow. Readiness checks may block (a store write, a
// signature): the listener runs this handler on a worker thread, never on a fiber. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/steady_clock.h"
#include "http/message.h"
#include "metrics/registry.h"

namespace anvil::metrics {

// One condition /readyz requires, named in its refusal ("store", "ca_key").
struct ReadinessCheck {
  std::string name;
  std::function<Status()> check;
};

// A check whose result is kept for `ttl`, so that frequent probes or scrapes cost one real check per `ttl`
// (a signature with the CA key, a store commit). Calls are serialized: a caller arriving while the check runs
// waits for it and gets its result, so at most one check runs at a time. Thread-safe; blocks while the check
// runs, so it must not be called on a fiber.
class CachedCheck {
 public:
  CachedCheck(std::function<Status()> check, std::chrono::milliseconds ttl,
              SteadyClock& clock = SteadyClock::Real())
      : check_(std::move(check)), ttl_(ttl), clock_(clock) {}
  Status operator()();

 private:
  const std::function<Status()> check_;
  const std::chrono::milliseconds ttl_;
  SteadyClock& clock_;
  std::mutex mu_;  // held across the check: serializes them
  std::optional<SteadyClock::TimePoint> checked_at_;
  Status last_ = Status::Ok();
};

class MetricsHandler {
 public:
  // `registry` must outlive the handler.
  MetricsHandler(const Registry& registry, std::vector<ReadinessCheck> readiness)
      : registry_(registry), readiness_(std::move(readiness)) {}
  http::Response Handle(const http::Request& request) const;

 private:
  const Registry& registry_;
  const std::vector<ReadinessCheck> readiness_;
};

inline constexpr char kMetricsPath[] = "/metrics";
inline constexpr char kHealthzPath[] = "/healthz";
inline constexpr char kReadyzPath[] = "/readyz";

}  // namespace anvil::metrics
