// Renewal policy: when is a certificate due, and what to tell the server about the one it replaces.
//
// Due (issue 3): inside the server's ARI window (RFC 9773 §4.2: a uniformly random instant within the
// suggested window; a window already over means now) when the server offers renewalInfo; otherwise when less
// than one third of the certificate's lifetime remains (30 days of a 90-day certificate). A renewal through
// ARI sends `replaces` (RFC 9773 §5) with the old certificate's certID.
//
// Pure functions plus one that fetches renewalInfo through an AcmeClient; thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "agent/acme_client.h"
#include "base/time.h"
#include "crypto/certificate.h"

namespace anvil::agent {

struct RenewalDecision {
  bool due = false;
  std::string reason;              // One line for logs and `anvil renew` output.
  TimePoint renew_at;              // When it becomes (or became) due.
  std::optional<RenewalInfo> ari;  // The window used, if the server offered one.
  std::string replaces;            // certID to send in newOrder (only when the server offers ARI).
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

}  // namespace anvil::agent
