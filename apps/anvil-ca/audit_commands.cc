#include "audit_commands.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <iostream>

#include "admin/inventory_view.h"
#include "audit_anchoring.h"
#include "audit_verification.h"
#include "ca/audit_anchor.h"
#include "ca/ca_material.h"
#include "ca/certificate_authority.h"
#include "ca_commands.h"
#include "component_options.h"
#include "storage/audit_chain.h"

namespace anvil::app {
namespace {

int Fail(const std::string& what, const Status& status) {
  std::cerr << "anvil-ca audit " << what << ": " << status.ToString() << "\n";
  return 1;
}

// "ID:HASH" → an anchor check.
Result<storage::AuditAnchorCheck> ParseAnchor(const std::string& text) {
  const size_t colon = text.find(':');
  int64_t id = 0;
  const char* end = text.data() + (colon == std::string::npos ? 0 : colon);
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  const std::string hash = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (colon == std::string::npos || ec != std::errc() || ptr != end || id < 1 || hash.size() != 64 ||
      hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Error(Code::kInvalidArgument,
                 "--anchor \"" + text + "\": expected ID:HASH, a record id and its 64 lowercase hex digits");
  }
  return storage::AuditAnchorCheck{id, hash, "--anchor " + text};
}


}  // namespace

int AuditVerify(const config::Config& config, const std::vector<std::string>& given) {
  std::vector<storage::AuditAnchorCheck> checks;
  for (const std::string& text : given) {
    Result<storage::AuditAnchorCheck> check = ParseAnchor(text);
    if (!check.ok()) return Fail("verify", check.status());
    checks.push_back(*check);
  }
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("verify", store.status());
  auto verified = VerifyAuditTrail(**store, config.data_dir, std::move(checks));
  if (!verified.ok()) return Fail("verify", verified.status());
  if (!verified->bad_anchor.empty()) {
    std::cout << "audit chain NOT verified: " << verified->bad_anchor << "\n";
    return 1;
  }
  const storage::AuditVerification& chain = verified->chain;
  if (!chain.ok()) {
    std::cout << "audit chain BROKEN at record " << *chain.first_bad_id << ": " << chain.problem << "\n"
              << "(" << chain.records << " records before it hold)\n";
    return 1;
  }
  std::cout << "audit chain holds: " << chain.records << " records, head " << chain.last_id << ":"
            << chain.last_hash << "; " << verified->stored_anchors << " stored anchor(s) genuine, "
            << chain.anchors_checked << " anchor check(s) passed\n";
  return 0;
}

int AuditExport(const config::Config& config, const AuditExportArgs& args) {
  std::optional<TimePoint> since;
  if (!args.since.empty()) {
    Result<TimePoint> t = ParseRfc3339(args.since);
    if (!t.ok()) return Fail("export", Error(Code::kInvalidArgument, "--since: " + t.status().message()));
    since = *t;
  }
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("export", store.status());
  int64_t after = args.after_id;
  for (;;) {
    auto page = (*store)->ListAudit(after, 1000);
    if (!page.ok()) return Fail("export", page.status());
    for (const storage::AuditEvent& e : *page) {
      after = e.id;
      if (since && e.at < *since) continue;
      const nlohmann::json line = admin::AuditJson(e);
      std::cout << line.dump() << "\n";
    }
    if (page->size() < 1000) break;
  }
  std::cout << std::flush;
  return std::cout ? 0 : 1;
}

int AuditHead(const config::Config& config) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("head", store.status());
  auto head = (*store)->LastAudit();
  if (!head.ok()) return Fail("head", head.status());
  if (*head) std::cout << (*head)->id << ":" << (*head)->hash << "\n";
  return 0;
}

int AuditAnchorNow(const config::Config& config) {
  auto store = OpenStore(config);
  if (!store.ok()) return Fail("anchor", store.status());
  auto material = ca::LoadCa(config.data_dir, CaOptionsFrom(config));
  if (!material.ok()) return Fail("anchor", material.status());
  SystemClock clock;
  ca::CertificateAuthority ca(*material, clock, "");
  AuditAnchoring anchoring(**store, ca);
  auto anchored = anchoring.AnchorNow();
  if (!anchored.ok()) return Fail("anchor", anchored.status());
  if (!*anchored) {
    std::cout << "nothing to anchor: the trail is empty or its head is anchored already\n";
    return 0;
  }
  std::cout << "anchored record " << (*anchored)->head_id << ":" << (*anchored)->head_hash << " (anchor signed "
            << FormatRfc3339((*anchored)->at) << " by " << SignerName((*anchored)->signer_der) << ")\n";
  return 0;
}

}  // namespace anvil::app
