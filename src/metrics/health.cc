#include "metrics/health.h"

namespace anvil::metrics {
namespace {

http::Response Text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.headers.Set("Cache-Control", "no-store");
  r.body = std::move(body);
  return r;
}

}  // namespace

Status CachedCheck::operator()() {
  std::lock_guard lock(mu_);
  const SteadyClock::TimePoint now = clock_.Now();
  if (checked_at_ && now - *checked_at_ < ttl_) return last_;
  last_ = check_();
  // Stamped after the check, so a slow check is not repeated at once by the callers that waited for it.
  checked_at_ = clock_.Now();
  return last_;
}

http::Response MetricsHandler::Handle(const http::Request& request) const {
  const std::string& p = request.path;
  if (p != kMetricsPath && p != kHealthzPath && p != kReadyzPath) return Text(404, "not found\n");
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Text(405, "method not allowed\n");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  if (p == kMetricsPath) {
    http::Response r = Text(200, registry_.Render());
    r.headers.Set("Content-Type", kTextContentType);
    return r;
  }
  if (p == kHealthzPath) return Text(200, "ok\n");
  std::string failures;
  for (const ReadinessCheck& c : readiness_) {
    if (Status s = c.check(); !s.ok()) failures += c.name + ": " + s.message() + "\n";
  }
  if (!failures.empty()) return Text(503, failures);
  return Text(200, "ready\n");
}

}  // namespace anvil::metrics
