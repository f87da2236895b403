#include "agent/renewal.h"

#include <algorithm>

namespace anvil::agent {
namespace {

std::string Days(std::chrono::system_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::hours>(d).count() / 24);
}

}  // namespace

RenewalDecision DecideRenewal(const crypto::Certificate& certificate, const std::optional<RenewalInfo>& ari,
                              TimePoint now, double random01, std::optional<TimePoint> previous_choice) {
  RenewalDecision d;
  d.ari = ari;
  random01 = std::clamp(random01, 0.0, 1.0);
  if (ari) {
    auto width = ari->window_end - ari->window_start;
    d.renew_at =
        ari->window_start + std::chrono::duration_cast<std::chrono::system_clock::duration>(width * random01);
    if (previous_choice && *previous_choice >= ari->window_start && *previous_choice <= ari->window_end) {
      d.renew_at = *previous_choice;
    }
    if (ari->window_end <= now) d.renew_at = std::min(d.renew_at, now);
    d.due = now >= d.renew_at;
    if (ari->retry_after) {
      d.retry_after = std::clamp(*ari->retry_after, kMinAriRetryAfter, kMaxAriRetryAfter);
      d.next_check = now + *d.retry_after;
    }
    d.reason = "ARI window " + FormatRfc3339(ari->window_start) + " .. " + FormatRfc3339(ari->window_end) +
               (d.due ? ": due" : ": due at " + FormatRfc3339(d.renew_at));
    return d;
  }
  TimePoint not_before = certificate.not_before(), not_after = certificate.not_after();
  auto lifetime = not_after - not_before;
  d.renew_at = not_after - lifetime / 3;
  d.due = now >= d.renew_at;
  d.reason =
      (now >= not_after ? "expired" : Days(not_after - now) + " days left") + " of " + Days(lifetime) +
      (d.due ? ": due (less than a third of the lifetime left)" : ": due at " + FormatRfc3339(d.renew_at));
  return d;
}

Result<RenewalDecision> CheckRenewal(AcmeClient& client, const crypto::Certificate& certificate,
                                     TimePoint now, double random01,
                                     std::optional<TimePoint> previous_choice) {
  ANVIL_ASSIGN_OR_RETURN(Directory directory, client.GetDirectory());
  std::optional<RenewalInfo> ari;
  std::string note;
  std::string replaces;
  if (!directory.renewal_info.empty()) {
    auto info = client.FetchRenewalInfo(certificate);
    if (info.ok()) {
      ari = *info;
    } else {
      note = " (renewalInfo unavailable: " + info.status().ToString() + ")";
    }
    auto id = AcmeClient::RenewalCertId(certificate);
    if (id.ok()) replaces = *id;
  }
  RenewalDecision d = DecideRenewal(certificate, ari, now, random01, previous_choice);
  d.reason += note;
  d.replaces = replaces;
  return d;
}

TimePoint NextWakeUp(const std::vector<RenewalDecision>& decisions, TimePoint now,
                     std::chrono::seconds interval) {
  TimePoint wake = now + interval;
  for (const auto& d : decisions) {
    if (d.due) continue;
    wake = std::min(wake, d.renew_at);
    if (d.next_check) wake = std::min(wake, *d.next_check);
  }
  return std::max(wake, now + std::chrono::seconds(1));
}

std::chrono::seconds Jitter(std::chrono::seconds wait, std::chrono::seconds max_jitter, double random01) {
  auto bound = std::min(max_jitter, wait / 10);
  if (bound.count() <= 0) return std::chrono::seconds(0);
  random01 = std::clamp(random01, 0.0, 1.0);
  return std::chrono::seconds(
      std::min<int64_t>(bound.count(), int64_t(random01 * double(bound.count() + 1))));
}

NextPass ScheduleNextPass(const std::vector<RenewalDecision>& decisions, TimePoint now,
                          std::chrono::seconds interval, std::chrono::seconds max_jitter, double random01) {
  auto wait = std::chrono::ceil<std::chrono::seconds>(NextWakeUp(decisions, now, interval) - now);
  wait += Jitter(wait, max_jitter, random01);
  return {now + wait, wait};
}

}  // namespace anvil::agent
