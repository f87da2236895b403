// Anchors of the audit chain (docs/audit.md): the head's id and hash, signed by the CA's issuing generation
// (ca/audit_anchor.h), stored (storage::AuditLog::AppendAuditAnchor) and written to the log, where it leaves
// the database: `anvil-ca audit verify --anchor ID:HASH` checks the chain against anchors copied from the log.
// An anchor is taken when the server starts, every `audit.anchor_period` and when it stops, and only when
// records were added since the last one.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/periodic_thread.h"
#include "base/status.h"
#include "ca/certificate_authority.h"
#include "storage/store.h"

namespace anvil::app {

class AuditAnchoring {
 public:
  AuditAnchoring(storage::AuditLog& log, const ca::CertificateAuthority& ca);
  ~AuditAnchoring();  // stops the thread
  AuditAnchoring(const AuditAnchoring&) = delete;
  AuditAnchoring& operator=(const AuditAnchoring&) = delete;

  // Anchors the head now unless the last anchor already names it (then nullopt, as for an empty trail).
  // Logs the anchor at info: "audit anchor: record ID hash HASH signed at T by CN (serial S)".
  Result<std::optional<storage::AuditAnchor>> AnchorNow();
  // Anchors every `period` on a thread of its own until Stop; a failure is logged and tried again next time.
  void Start(std::chrono::seconds period);
  void Stop();

 private:
  storage::AuditLog& log_;
  const ca::CertificateAuthority& ca_;
  std::mutex mu_;  // one anchor at a time; guards last_
  // The head the last anchor named, read from the store once and then kept: an anchor taken meanwhile by
  // another process (`anvil-ca audit anchor`) is not seen, which costs at most one redundant anchor.
  std::optional<std::pair<int64_t, std::string>> last_;
  bool last_read_ = false;
  PeriodicThread thread_;
};

}  // namespace anvil::app
