// The metrics of a running anvil-ca (docs/metrics.md): one Registry, and the observers the components report
// to (wfe::RequestObserver, ra::RaObserver, the SQLite store's on_commit), which count into it. Built by
// CaServer only when metrics.listen is set, so a server without a metrics listener pays nothing.
//
// The request path costs a few relaxed atomic additions: the counter of (endpoint, status) is found in a
// table of atomic pointers indexed by endpoint and status (filled on first use under the family's lock), the
// latency histogram of each endpoint is made up front. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "metrics/registry.h"
#include "ra/observer.h"
#include "wfe/wfe.h"

namespace anvil::app {

class ServerMetrics final : public wfe::RequestObserver, public ra::RaObserver {
 public:
  // Adds the families below to `registry`, which must outlive this object.
  explicit ServerMetrics(metrics::Registry& registry);

  // wfe::RequestObserver
  void Answered(wfe::Endpoint endpoint, int status, std::chrono::nanoseconds elapsed) override;
  void Refused(int status) override;
  // ra::RaObserver
  void IssuanceEnded(std::string_view outcome) override;
  void ValidationEnded(std::string_view type, std::string_view outcome) override;
  void RateLimited(std::string_view limit) override;
  void PolicyRefused(std::string_view rule) override;
  // storage::SqliteOptions::on_commit
  void Committed(std::chrono::nanoseconds elapsed, size_t writes);

 private:
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  metrics::Counter& RequestCounter(wfe::Endpoint endpoint, int status);

  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& request_duration_;
  metrics::Family<metrics::Counter>& issuances_;
  metrics::Family<metrics::Counter>& validations_;
  metrics::Family<metrics::Counter>& rate_limit_refusals_;
  metrics::Family<metrics::Counter>& policy_refusals_;
  metrics::Histogram& commit_duration_;
  metrics::Histogram& commit_writes_;
  std::array<metrics::Histogram*, wfe::kEndpointCount> latency_{};
  // By endpoint and status - kMinStatus; null until that combination is first answered.
  std::array<std::array<std::atomic<metrics::Counter*>, kMaxStatus - kMinStatus + 1>, wfe::kEndpointCount>
      by_status_{};
};

}  // namespace anvil::app
