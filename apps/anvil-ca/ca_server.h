// A running anvil-ca: storage, CA, validator, RA, front end and HTTPS listener composed from a Config.
// `anvil-ca serve` runs one until a signal arrives; integration tests run one in-process on loopback.
// Not copyable; Stop() (or the destructor) shuts down in dependency order: listener, validator, the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "config/config.h"

namespace anvil::app {

class CaServer {
 public:
  // Creates the data directory and CA when missing, reconciles interrupted orders, then listens.
  static Result<std::unique_ptr<CaServer>> Start(const config::Config& config, const Clock& clock);
  ~CaServer();
  CaServer(const CaServer&) = delete;
  CaServer& operator=(const CaServer&) = delete;

  std::vector<uint16_t> ports() const;
  std::string directory_url() const;
  std::string root_certificate_path() const;
  // The publication listener's ports (empty without one) and the URL of the intermediate's CRL.
  std::vector<uint16_t> publication_ports() const;
  std::string crl_url() const;
  // The metrics listener's ports (empty without one: metrics.listen = []).
  std::vector<uint16_t> metrics_ports() const;
  // The admin API listener's ports (empty without one: admin.listen = []).
  std::vector<uint16_t> admin_ports() const;
  // Reads the CA's files again (SIGHUP): what `anvil-ca ca rotate`, `ca retire` and `ca rollover-root` changed
  // applies from now on without a restart — the generation that issues, renewalInfo of retired generations,
  // alternate chains, and publishing for new generations and roots. anvil-ca's own TLS certificate changes at
  // the next start. On an error the CA issues as it did (publishing may have started for some new generations
  // or roots, which then serve their CRLs early). Returns a one-line summary.
  Result<std::string> Reload();
  void Stop();

 private:
  struct Parts;
  explicit CaServer(std::unique_ptr<Parts> parts);
  // The metrics listener (metrics.listen) over the parts already built.
  static Status StartMetrics(Parts& p);
  // Reload's work over the parts (the admin API's POST /ca/reload calls it too).
  static Result<std::string> ReloadParts(Parts& p);
  std::unique_ptr<Parts> parts_;
};

}  // namespace anvil::app
