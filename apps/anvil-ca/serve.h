// `anvil-ca serve`: wires configuration, storage, the CA, validator, RA and front end into an HTTPS server.
#pragma once

#include <string>

#include "config/config.h"

namespace anvil::app {

// Runs until SIGINT/SIGTERM; returns the process exit code.
int Serve(const config::Config& config);

}  // namespace anvil::app
