#include "serve.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "ca_server.h"
#include "http/signals.h"

namespace anvil::app {

int Serve(const config::Config& config) {
  http::BlockTerminationSignals();  // before any thread exists, so only the sigwait below sees SIGINT/SIGTERM
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
            << "  Try it with certbot (http-01 answered on port " << config.validation.http_port << "):\n"
            << "    REQUESTS_CA_BUNDLE=" << root << " certbot certonly --standalone --server " << directory
            << " --http-01-port " << config.validation.http_port
            << " --agree-tos --register-unsafely-without-email -d NAME\n"
            << std::flush;

  int sig = http::WaitForTerminationSignal();
  spdlog::info("signal {} received; shutting down", sig);
  (*server)->Stop();
  spdlog::info("anvil-ca stopped");
  return 0;
}

}  // namespace anvil::app
