// The JSON that anvil writes for programs (`--json`, docs/agent.md): the `error` member of a failure document
// or event, the certificate summary of `issue`, `list` and `renew`, and the events of a renewal pass. Each
// shape is built in one place, so that the documents and the agent's events stay alike.
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/renewal.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/certificate.h"

namespace anvil::agent {

// A Status as the `error` member of a JSON document or event: {"code", "message", "subproblems"?,
// "retry_after"?}; each subproblem is {"identifier": "TYPE:VALUE", "code", "message"}.
nlohmann::json ErrorJson(const Status& s);

// A certificate as `issue --json` shows it: {"serial", "issuer", "names" (DNS names, then IP addresses),
// "not_before", "not_after", "days_left"}, whole days from `now` to notAfter.
nlohmann::json CertificateJson(const crypto::Certificate& cert, TimePoint now);

// The events of a renewal pass (`anvil --json agent`; the agent adds "time").
// {"event": "check", "lineage", "due", "renew_at", "reason", "ari_window"? {"start", "end"}, "retry_after"?,
// "next_check"?}: what the renewal check of one lineage found.
nlohmann::json CheckEvent(const std::string& lineage, const RenewalDecision& d);
// {"event": "renewed", "lineage", "serial", "not_after", "certificate"}: `certificate` is a CertificateJson.
nlohmann::json RenewedEvent(const std::string& lineage, const nlohmann::json& certificate);
// {"event": "error", "lineage"?, "error": ErrorJson(s)}; no "lineage" when it is empty (a pass-wide failure).
nlohmann::json ErrorEvent(const Status& s, const std::string& lineage = "");

}  // namespace anvil::agent
