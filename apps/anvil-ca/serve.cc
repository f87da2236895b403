#include "serve.h"

#include <sched.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ca_server.h"
#include "http/signals.h"

namespace anvil::app {

namespace {

// server.batch_scheduling: SCHED_BATCH for this thread, and so for every thread started after it (Linux
// threads inherit their creator's policy). A failure only costs the optimisation.
void ApplyScheduling(const config::ServerConfig& server) {
  if (!server.batch_scheduling) return;
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
    spdlog::warn("server.batch_scheduling: cannot switch to SCHED_BATCH ({}); keeping the default policy",
                 std::strerror(errno));
  }
}

// "  Console: https://HOST:PORT/console/\n" for the first admin listener (docs/console.md), or nothing.
std::string ConsoleLine(const config::Config& config, const std::vector<uint16_t>& admin_ports) {
  if (!config.admin.console || config.admin.listen.empty() || admin_ports.empty()) return "";
  std::string host = config.admin.listen.front().host;
  if (host == "0.0.0.0" || host == "[::]" || host == "::") host = "localhost";
  return "  Console:          https://" + host + ":" + std::to_string(admin_ports.front()) + "/console/\n";
}

}  // namespace

int Serve(const config::Config& config) {
  http::BlockTerminationSignals();  // before any thread exists, so only the sigwait below sees SIGINT/SIGTERM/SIGHUP
  ApplyScheduling(config.server);   // likewise before any thread exists, so that all of them inherit it
  SystemClock clock;
  auto server = CaServer::Start(config, clock);
  if (!server.ok()) {
    spdlog::error("{}", server.status().ToString());
    std::cerr << "anvil-ca: " << server.status().ToString() << "\n";
    return 1;
  }
  std::string ports;
  for (auto p : (*server)->ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
  spdlog::info("anvil-ca listening on port(s) {}; data in {}", ports, config.data_dir);
  const std::string root = (*server)->root_certificate_path();
  const std::string directory = (*server)->directory_url();
  std::cout << "anvil-ca is ready.\n"
            << "  ACME directory:   " << directory << "\n"
            << "  Root certificate: " << root << "\n"
            << "  CRL:              "
            << ((*server)->crl_url().empty() ? "(no publication listener)" : (*server)->crl_url()) << "\n"
            << ConsoleLine(config, (*server)->admin_ports())
            << "  Try it with certbot (http-01 answered on port " << config.validation.http_port << "):\n"
            << "    REQUESTS_CA_BUNDLE=" << root << " certbot certonly --standalone --server " << directory
            << " --http-01-port " << config.validation.http_port
            << " --agree-tos --register-unsafely-without-email -d NAME\n"
            << std::flush;

  // SIGHUP (systemctl reload) reads the CA's files again; SIGINT and SIGTERM end the process.
  int sig = 0;
  while ((sig = http::WaitForTerminationOrReloadSignal()) == SIGHUP) {
    auto reloaded = (*server)->Reload();
    if (reloaded.ok()) {
      spdlog::info("SIGHUP: CA reloaded: {}", *reloaded);
    } else {
      spdlog::error("SIGHUP: CA not reloaded, serving as before: {}", reloaded.status().ToString());
    }
  }
  spdlog::info("signal {} received; shutting down", sig);
  (*server)->Stop();
  spdlog::info("anvil-ca stopped");
  return 0;
}

}  // namespace anvil::app
