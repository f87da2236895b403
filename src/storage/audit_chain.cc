#include "storage/audit_chain.h"

#include <map>

#include "base/time.h"
#include "crypto/digest.h"

namespace anvil::storage {
namespace {

void AppendField(std::string& out, std::string_view field) {
  uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

std::string Id(int64_t id) { return "record " + std::to_string(id); }

}  // namespace

const std::string& AuditGenesisHash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string AuditRecordHash(const AuditEvent& event) {
  std::string input = "anvil-audit-record-v1";
  AppendField(input, std::to_string(event.id));
  AppendField(input, std::to_string(ToUnixSeconds(event.at)));
  AppendField(input, event.kind);
  AppendField(input, event.account_id);
  AppendField(input, event.subject);
  AppendField(input, event.details_json);
  AppendField(input, event.prev_hash);
  return crypto::HexEncode(crypto::Sha256(input));
}

Result<AuditVerification> VerifyAuditChain(AuditLog& log, const std::vector<AuditAnchorCheck>& anchors,
                                           int page_size) {
  // Anchors by record id; several may name the same record.
  std::multimap<int64_t, const AuditAnchorCheck*> pending;
  for (const AuditAnchorCheck& anchor : anchors) pending.emplace(anchor.head_id, &anchor);

  AuditVerification v;
  v.last_hash = AuditGenesisHash();
  auto fail = [&](int64_t id, std::string problem) {
    v.first_bad_id = id;
    v.problem = std::move(problem);
    return v;
  };
  int64_t after = 0;
  for (;;) {
    ANVIL_ASSIGN_OR_RETURN(std::vector<AuditEvent> page, log.ListAudit(after, page_size));
    for (const AuditEvent& e : page) {
      // Anchors on records the chain skipped over: those records are gone.
      if (auto it = pending.begin(); it != pending.end() && it->first < e.id) {
        return fail(it->first, Id(it->first) + ", named by " + it->second->origin +
                                   ", is missing: deleted (the chain goes from record " +
                                   std::to_string(v.last_id) + " to " + std::to_string(e.id) + ")");
      }
      if (v.last_id == 0 && e.id != 1) {
        return fail(e.id, "the chain starts at " + Id(e.id) + ", not record 1: records before it were deleted");
      }
      if (v.last_id != 0 && e.id != v.last_id + 1) {
        const int64_t from = v.last_id + 1, to = e.id - 1;
        return fail(e.id, Id(e.id) + " follows " + Id(v.last_id) + ": " +
                              (from == to ? Id(from) + " is" : "records " + std::to_string(from) + " to " +
                                                                   std::to_string(to) + " are") +
                              " missing (deleted)");
      }
      if (e.prev_hash != v.last_hash) {
        return fail(e.id, Id(e.id) + " does not follow " +
                              (v.last_id == 0 ? std::string("the start of the chain") : Id(v.last_id)) +
                              ": its link is " + e.prev_hash + ", the hash before it is " + v.last_hash +
                              " (a record was deleted, inserted or moved here)");
      }
      if (AuditRecordHash(e) != e.hash) {
        return fail(e.id, Id(e.id) + " (" + e.kind + " at " + FormatRfc3339(e.at) +
                              ") was edited: its fields no longer give its hash " + e.hash);
      }
      for (auto [it, end] = pending.equal_range(e.id); it != end; it = pending.erase(it)) {
        if (it->second->head_hash != e.hash) {
          return fail(e.id, Id(e.id) + " differs from " + it->second->origin + ": anchored hash " +
                                it->second->head_hash + ", now " + e.hash +
                                " (the chain was rewritten at or before this record)");
        }
        ++v.anchors_checked;
      }
      ++v.records;
      v.last_id = e.id;
      v.last_hash = e.hash;
    }
    if (static_cast<int>(page.size()) < page_size) break;
    after = page.back().id;
  }
  if (!pending.empty()) {
    auto it = pending.begin();
    return fail(it->first, Id(it->first) + ", named by " + it->second->origin +
                               ", is missing: the chain ends at record " + std::to_string(v.last_id) +
                               " (records were deleted from its end)");
  }
  return v;
}

}  // namespace anvil::storage
