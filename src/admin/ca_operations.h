// What the admin API's CA operations (admin role) ask of the running anvil-ca: things that need the CA's keys
// or the server's parts, which the admin component must not reach. The composition root implements it over
// its AuditAnchoring, the audit verifier and CaServer::Reload (apps/anvil-ca/admin_listener.cc); tests use
// fakes. Implementations must be thread-safe; each call may block.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::admin {

// `anvil-ca audit verify` (docs/audit.md): the chain from record 1 and every stored anchor.
struct AuditCheck {
  bool holds = false;
  int64_t records = 0;
  int64_t head_id = 0;
  std::string head_hash;
  int64_t anchors = 0;  // stored anchors found genuine
  std::optional<int64_t> first_bad_id;
  std::string problem;  // empty when it holds
};

// One CA certificate the running CA serves (a root, a cross-certificate, an intermediate generation), with the
// state of its CRL when this process keeps one current: the overview's CA health.
struct IssuerStatus {
  std::string id;    // as served at /ca/ID.der
  std::string name;  // its subject's common name (or the whole subject)
  std::string key_id;  // its subject key identifier, hex: the authority_key_id of what it issued
  TimePoint not_after;
  bool issuing = false;  // the intermediate generation that signs new certificates now
  std::optional<TimePoint> crl_this_update{};
  std::optional<TimePoint> crl_next_update{};
};

class CaOperations {
 public:
  virtual ~CaOperations() = default;
  // Signs and stores an anchor of the audit chain's head now (`anvil-ca audit anchor`); nullopt when the head
  // is anchored already or the trail is empty.
  virtual Result<std::optional<storage::AuditAnchor>> AnchorAudit() = 0;
  virtual Result<AuditCheck> VerifyAudit() = 0;
  // Reads the CA's files again and remakes the CRLs (SIGHUP, CaServer::Reload); returns its summary.
  virtual Result<std::string> ReloadCa() = 0;
  // The CA certificates served now and their CRLs' ages.
  virtual Result<std::vector<IssuerStatus>> Issuers() = 0;
};

}  // namespace anvil::admin
