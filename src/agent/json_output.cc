#include "agent/json_output.h"

#include <chrono>

namespace anvil::agent {

using nlohmann::json;

json ErrorJson(const Status& s) {
  json j = {{"code", std::string(CodeName(s.code()))}, {"message", s.message()}};
  if (!s.subproblems().empty()) {
    json subs = json::array();
    for (const auto& sub : s.subproblems()) {
      subs.push_back({{"identifier", sub.identifier_type + ":" + sub.identifier_value},
                      {"code", std::string(CodeName(sub.code))},
                      {"message", sub.message}});
    }
    j["subproblems"] = subs;
  }
  if (s.retry_after()) j["retry_after"] = *s.retry_after();
  return j;
}

json CertificateJson(const crypto::Certificate& cert, TimePoint now) {
  json names = cert.dns_names();
  for (const auto& ip : cert.ip_addresses()) names.push_back(ip);
  auto left = std::chrono::duration_cast<std::chrono::hours>(cert.not_after() - now).count() / 24;
  return {{"serial", cert.serial_hex()},
          {"issuer", cert.issuer()},
          {"names", names},
          {"not_before", FormatRfc3339(cert.not_before())},
          {"not_after", FormatRfc3339(cert.not_after())},
          {"days_left", left}};
}

json CheckEvent(const std::string& lineage, const RenewalDecision& d) {
  json e = {{"event", "check"},
            {"lineage", lineage},
            {"due", d.due},
            {"renew_at", FormatRfc3339(d.renew_at)},
            {"reason", d.reason}};
  if (d.ari) {
    e["ari_window"] = {{"start", FormatRfc3339(d.ari->window_start)},
                       {"end", FormatRfc3339(d.ari->window_end)}};
  }
  if (d.retry_after) e["retry_after"] = d.retry_after->count();
  if (d.next_check) e["next_check"] = FormatRfc3339(*d.next_check);
  return e;
}

json RenewedEvent(const std::string& lineage, const json& certificate) {
  return {{"event", "renewed"},
          {"lineage", lineage},
          {"serial", certificate.value("serial", json())},
          {"not_after", certificate.value("not_after", json())},
          {"certificate", certificate}};
}

json ErrorEvent(const Status& s, const std::string& lineage) {
  json e = {{"event", "error"}, {"error", ErrorJson(s)}};
  if (!lineage.empty()) e["lineage"] = lineage;
  return e;
}

}  // namespace anvil::agent
