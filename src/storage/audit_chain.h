// The audit trail's hash chain (docs/audit.md): every record carries the hash of the record before it and its
// own hash over its fields and that link, so an edited, deleted or reordered record breaks the chain; anchors
// (the head's id and hash, signed by the CA and written to the log) catch a chain rewritten from some record
// on, and a tail cut off. Every backend computes a record's hash with AuditRecordHash, in the transaction that
// appends the record; VerifyAuditChain reads a store back and names the first record that does not hold.
//
// Target anvil_storage_audit (linked by the backends and by whoever verifies); the hash is SHA-256 (OpenSSL,
// crypto/digest.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace anvil::storage {

// The prev_hash of the first record: 64 zeros.
const std::string& AuditGenesisHash();

// Lowercase hex SHA-256 over the domain label "anvil-audit-record-v1" and, each preceded by its length as 8
// big-endian bytes: the id and `at` (Unix seconds) in decimal, kind, account_id, subject, details_json and
// prev_hash. event.hash is not an input; event.prev_hash is.
std::string AuditRecordHash(const AuditEvent& event);

// An anchor to check the chain against: the record `head_id` must exist and have hash `head_hash`. `origin`
// names it in a finding ("anchor 12 (signed 2026-12-07T10:00:00Z)", "--anchor 40:ab12…").
struct AuditAnchorCheck {
  int64_t head_id = 0;
  std::string head_hash;
  std::string origin;
};

struct AuditVerification {
  int64_t records = 0;            // records read
  int64_t last_id = 0;            // the newest record's id (0: none)
  std::string last_hash;          // its hash (AuditGenesisHash() when there are no records)
  int64_t anchors_checked = 0;
  std::optional<int64_t> first_bad_id;  // the first record that does not hold, when one does not
  std::string problem;                  // empty when the chain holds
  bool ok() const { return problem.empty(); }
};

// Reads `log` from the first record in id order, pages of `page_size`, and checks that each record links to
// the one before it (the first to the genesis hash, with id 1; ids follow each other without gaps: stores
// never reuse or skip one), that its stored hash is AuditRecordHash of its
// fields, and that every anchor's record is there with the anchored hash. Stops at the first finding: a
// record whose fields no longer give its hash (edited), one whose link is not its predecessor's hash (a record
// deleted or moved before it), an anchored record that is missing (deleted from the tail) or differs (the chain
// rewritten before it). An error only when the store cannot be read.
Result<AuditVerification> VerifyAuditChain(AuditLog& log, const std::vector<AuditAnchorCheck>& anchors,
                                           int page_size = 1000);

}  // namespace anvil::storage
