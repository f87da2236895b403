// Renewal policy: when is a certificate due, and what to tell the server about the one it replaces.
//
// Due (issue 3): inside the server's ARI window (RFC 9773 §4.2: a uniformly random instant within the
// suggested window; a window already over means now) when the server offers renewalInfo; otherwise when less
// than one third of the certificate's lifetime remains (30 days of a 90-day certificate). A renewal through
// ARI sends `replaces` (RFC 9773 §5) with the old certificate's certID.
//
// The agent's schedule follows from the decisions: it wakes at the earliest renewal time or ARI re-check
// (RFC 9773 §4.3, the server's Retry-After), bounded by its interval.
//
// Pure functions plus one that fetches renewalInfo through an AcmeClient; thread-compatible.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/acme_client.h"
#include "base/time.h"
#include "crypto/certificate.h"

namespace anvil::agent {

// RFC 9773 §4.3: a client sets reasonable limits on the server's Retry-After for renewalInfo, e.g. values
// under one minute as one minute and over one day as one day.
inline constexpr std::chrono::seconds kMinAriRetryAfter{60};
inline constexpr std::chrono::seconds kMaxAriRetryAfter{86400};

struct RenewalDecision {
  bool due = false;
  std::string reason;              // One line for logs and `anvil renew` output.
  TimePoint renew_at;              // When it becomes (or became) due.
  std::optional<RenewalInfo> ari;  // The window used, if the server offered one.
  std::string replaces;            // certID to send in newOrder (only when the server offers ARI).
  // RFC 9773 §4.3: the renewalInfo's Retry-After clamped to [kMinAriRetryAfter, kMaxAriRetryAfter], and the
  // time `now + retry_after` at which it should be fetched again. Unset without ARI or without Retry-After.
  std::optional<std::chrono::seconds> retry_after;
  std::optional<TimePoint> next_check;
};

// `random01` in [0, 1) picks the instant inside an ARI window. `previous_choice` is the instant picked by an
// earlier check; it is kept while it still lies inside the window, so that checking often does not pull the
// renewal towards the window's start (each fresh draw would be another chance to fall before `now`).
RenewalDecision DecideRenewal(const crypto::Certificate& certificate, const std::optional<RenewalInfo>& ari,
                              TimePoint now, double random01,
                              std::optional<TimePoint> previous_choice = std::nullopt);

// Fetches renewalInfo when the directory offers it (a fetch error falls back to the lifetime rule, noted in
// the reason) and decides. Never fails for a missing ARI; fails only when the directory cannot be read.
Result<RenewalDecision> CheckRenewal(AcmeClient& client, const crypto::Certificate& certificate,
                                     TimePoint now, double random01,
                                     std::optional<TimePoint> previous_choice = std::nullopt);

// When the agent should wake after a pass that ended at `now` (docs/agent.md, Scheduling): the earliest of
// the renewal times not yet reached and the ARI re-check times of `decisions` (the lineages checked in the
// pass; those found due were renewed or failed in it and count for nothing), but no later than
// `now + interval` and no earlier than one second from now.
TimePoint NextWakeUp(const std::vector<RenewalDecision>& decisions, TimePoint now,
                     std::chrono::seconds interval);

// The random extra wait added to a wait of `wait` (fleets spread out): uniform in [0, max_jitter] for
// `random01` in [0, 1), but at most a tenth of `wait`, so that a re-check the server asked for in minutes is
// not postponed by an hour.
std::chrono::seconds Jitter(std::chrono::seconds wait, std::chrono::seconds max_jitter, double random01);

// The agent's next pass after one that ended at `now`: NextWakeUp's time rounded up to whole seconds from
// `now`, plus Jitter(wait, max_jitter, random01).
struct NextPass {
  TimePoint at;               // now + wait
  std::chrono::seconds wait;  // At least 1 s.
};
NextPass ScheduleNextPass(const std::vector<RenewalDecision>& decisions, TimePoint now,
                          std::chrono::seconds interval, std::chrono::seconds max_jitter, double random01);

}  // namespace anvil::agent
