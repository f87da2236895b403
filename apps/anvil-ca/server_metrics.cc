#include "server_metrics.h"

#include <string>

namespace anvil::app {
namespace {

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// Writes per group commit: 1 alone, more under load (docs/performance.md).
const std::vector<double> kWriteBuckets = {1, 2, 4, 8, 16, 32, 64, 128};

}  // namespace

ServerMetrics::ServerMetrics(metrics::Registry& registry)
    : requests_(registry.AddCounter("anvil_http_requests_total",
                                    "ACME API responses by resource kind (endpoint) and HTTP status (code).",
                                    {"endpoint", "code"})),
      request_duration_(registry.AddHistogram(
          "anvil_http_request_duration_seconds",
          "Time the ACME front end took to answer a request, by resource kind (socket and TLS time excluded).",
          {"endpoint"}, metrics::LatencyBuckets())),
      issuances_(registry.AddCounter(
          "anvil_issuances_total",
          "Issuances past the finalize gate, by outcome: issued (stored, order valid) or abandoned.", {"outcome"})),
      validations_(registry.AddCounter("anvil_validations_total",
                                       "Challenge validations decided, by challenge type and outcome.",
                                       {"type", "outcome"})),
      rate_limit_refusals_(registry.AddCounter("anvil_rate_limit_refusals_total",
                                               "Requests refused as rateLimited, by the limit that refused them.",
                                               {"limit"})),
      policy_refusals_(registry.AddCounter("anvil_policy_refusals_total",
                                           "Identifiers or keys refused by the issuance policy, by rule.", {"rule"})),
      commit_duration_(registry
                           .AddHistogram("anvil_store_commit_duration_seconds",
                                         "Time of one store group commit (one transaction, the fsync included).",
                                         {}, metrics::LatencyBuckets())
                           .With({})),
      commit_writes_(registry
                         .AddHistogram("anvil_store_commit_writes", "Writes carried by one store group commit.", {},
                                       kWriteBuckets)
                         .With({})) {
  // Made up front, so that they are present (at 0) from the first scrape and found without a lock.
  for (int e = 0; e < wfe::kEndpointCount; ++e) {
    if (static_cast<wfe::Endpoint>(e) == wfe::Endpoint::kRefused) continue;  // refusals are not timed
    latency_[e] = &request_duration_.With({std::string(wfe::EndpointName(static_cast<wfe::Endpoint>(e)))});
  }
  for (const char* outcome : {"issued", "abandoned"}) issuances_.With({outcome});
  for (const char* type : {"http-01", "dns-01", "tls-alpn-01"}) {
    for (const char* outcome : {"valid", "invalid"}) validations_.With({type, outcome});
  }
}

metrics::Counter& ServerMetrics::RequestCounter(wfe::Endpoint endpoint, int status) {
  const int e = static_cast<int>(endpoint);
  if (status < kMinStatus || status > kMaxStatus) {
    return requests_.With({std::string(wfe::EndpointName(endpoint)), std::to_string(status)});
  }
  std::atomic<metrics::Counter*>& slot = by_status_[e][status - kMinStatus];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // With() returns the same child to every thread, so racing stores write the same pointer.
    counter = &requests_.With({std::string(wfe::EndpointName(endpoint)), std::to_string(status)});
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void ServerMetrics::Answered(wfe::Endpoint endpoint, int status, std::chrono::nanoseconds elapsed) {
  RequestCounter(endpoint, status).Inc();
  latency_[static_cast<int>(endpoint)]->Observe(Seconds(elapsed));
}

void ServerMetrics::Refused(int status) { RequestCounter(wfe::Endpoint::kRefused, status).Inc(); }

void ServerMetrics::IssuanceEnded(std::string_view outcome) { issuances_.With({std::string(outcome)}).Inc(); }

void ServerMetrics::ValidationEnded(std::string_view type, std::string_view outcome) {
  validations_.With({std::string(type), std::string(outcome)}).Inc();
}

void ServerMetrics::RateLimited(std::string_view limit) { rate_limit_refusals_.With({std::string(limit)}).Inc(); }

void ServerMetrics::PolicyRefused(std::string_view rule) { policy_refusals_.With({std::string(rule)}).Inc(); }

void ServerMetrics::Committed(std::chrono::nanoseconds elapsed, size_t writes) {
  commit_duration_.Observe(Seconds(elapsed));
  commit_writes_.Observe(static_cast<double>(writes));
}

}  // namespace anvil::app
